#include "widgets/results/categoryview.h"

#include "widgets/shell/presentationstyle.h"
#include "widgets/shell/qtconvert.h"
#include "widgets/results/resultmatrixmodel.h"
#include "widgets/results/resultscontext.h"

#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QValueAxis>
#include <algorithm>

namespace shiftscope {

CategoryView::CategoryView(ResultsContext *context, QWidget *parent)
    : ResultsViewBase(context, parent), m_view(createChartView()), m_table(new ResultMatrixModel(this))
{
    setContent(m_view);
}

void CategoryView::refresh()
{
    if (const QString problem = scopeProblem(); !problem.isEmpty()) {
        showMessage(problem);
        return;
    }
    ResultMatrix matrix = categoryBreakdown(*context()->workspace(), ss(context()->model()),
                                            context()->interventionList(), context()->shiftSet(),
                                            context()->capabilityRule());
    // Keep the categories that have a value for some intervention.
    std::vector<std::size_t> kept;
    for (std::size_t c = 0; c < matrix.columnLabels.size(); ++c)
        if (std::any_of(matrix.values.begin(), matrix.values.end(),
                        [c](const auto &row) { return row[c].has_value(); }))
            kept.push_back(c);
    if (kept.empty()) {
        showMessage(noResultsMessage(tr("differential elicitation results on these shifts")));
        return;
    }
    ResultMatrix shown;
    shown.rowLabels = matrix.rowLabels;
    for (std::size_t c : kept) {
        shown.columnLabels.push_back(matrix.columnLabels[c]);
        shown.columnCategories.push_back({}); // the columns are categories already: no means of means
    }
    for (const auto &row : matrix.values) {
        std::vector<std::optional<double>> values;
        for (std::size_t c : kept)
            values.push_back(row[c]);
        shown.values.push_back(std::move(values));
    }

    QChart *chart = m_view->chart();
    clearChart(chart);
    auto *series = new QBarSeries;
    series->setBarWidth(0.8);
    double low = 0, high = 0;
    std::vector<QStringList> tips;
    for (std::size_t r = 0; r < shown.rowLabels.size(); ++r) {
        auto *set = new QBarSet(qs(shown.rowLabels[r]));
        QStringList setTips;
        for (std::size_t c = 0; c < kept.size(); ++c) {
            const auto &value = shown.values[r][c];
            set->append(value.value_or(0));
            low = std::min(low, value.value_or(0));
            high = std::max(high, value.value_or(0));
            setTips << tr("%1 · %2\nmean differential elicitation: %3")
                           .arg(qs(shown.rowLabels[r]), qs(shown.columnLabels[c]),
                                value ? QString::number(*value, 'f', 3) : tr("no result"));
        }
        series->append(set);
        tips.push_back(setTips);
    }
    QStringList labels;
    for (const auto &label : shown.columnLabels) // "Pretraining<br>Similarity": eight names fit at any size
        labels << qs(label).toHtmlEscaped().replace(QLatin1Char(' '), QStringLiteral("<br>"));
    addCategoryAxis(chart, series, labels, Qt::AlignBottom, tr("Shift category"));
    auto *valueAxis = valueAxisAround(low, high, tr("Mean differential elicitation"));
    chart->addAxis(valueAxis, Qt::AlignLeft);
    series->attachAxis(valueAxis);
    const QString set = context()->shiftSet() == ShiftSet::Genies ? tr("GENIES shifts") : tr("all shifts");
    chart->setTitle(tr("%1: mean differential elicitation per shift category (%2)").arg(context()->model(), set));
    styleChart(chart, presentationStyleOn(this));
    for (int i = 0; i < series->count(); ++i)
        colourBarSet(series->barSets()[i], context()->colourOf(shown.rowLabels[std::size_t(i)]));
    setBarToolTips(series, [tips](int setIndex, int category) { return tips[std::size_t(setIndex)][category]; });
    m_table->setMatrix(std::move(shown), ColourScale::Diverging, tr("Intervention"), tr("Category"), false);
    showContent();
}

QWidget *CategoryView::figureWidget() { return m_view; }

QAbstractItemModel *CategoryView::tableModel() { return m_table; }

} // namespace shiftscope
