#include "widgets/results/heatmapview.h"

#include "widgets/results/matrixpanel.h"
#include "widgets/shell/qtconvert.h"
#include "widgets/results/resultscontext.h"

#include <QCheckBox>
#include <QTableView>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSortFilterProxyModel>
#include <algorithm>

namespace shiftscope {

HeatmapView::HeatmapView(ResultsContext *context, QWidget *parent)
    : ResultsViewBase(context, parent),
      m_metric(new QComboBox(this)),
      m_transpose(new QCheckBox(tr("Transpose"), this)),
      m_panel(new MatrixPanel(this))
{
    m_metric->addItem(tr("Differential elicitation"), int(HeatmapMetric::DifferentialElicitation));
    m_metric->addItem(tr("Generalization accuracy"), int(HeatmapMetric::GeneralizationAccuracy));
    m_transpose->setToolTip(tr("Shifts as rows, so that sorting a column ranks the shifts"));
    controls()->addWidget(new QLabel(tr("Metric:"), this));
    controls()->addWidget(m_metric);
    controls()->addWidget(m_transpose);
    setContent(m_panel);

    connect(m_metric, &QComboBox::currentIndexChanged, this, [this] { refreshLater(); });
    connect(m_transpose, &QCheckBox::toggled, m_panel, &MatrixPanel::setTransposed);
    connect(m_panel, &MatrixPanel::cellClicked, this, [this](int, int column) {
        if (column >= 0 && column < int(m_shifts.size()))
            this->context()->selectShift(m_shifts[std::size_t(column)]);
    });
    connect(context, &ResultsContext::shiftSelected, this, [this](const ShiftPair &shift) { highlight(shift); });
    // A double-click on a cell: that intervention's pairs on that shift, in the Disagreements view.
    connect(m_panel, &MatrixPanel::cellDoubleClicked, this, [this](int row, int column) {
        const auto &interventions = this->context()->interventions();
        if (row >= 0 && row < interventions.size() && column >= 0 && column < int(m_shifts.size()))
            this->context()->requestPairs(interventions[row], m_shifts[std::size_t(column)]);
    });
    m_panel->table()->setToolTip(tr("Click a cell to select its shift; double-click it for its pairs in "
                                    "Disagreements (a second double-click compares two interventions)"));
}

void HeatmapView::setMetric(HeatmapMetric metric) { m_metric->setCurrentIndex(m_metric->findData(int(metric))); }

void HeatmapView::setTransposed(bool transposed) { m_transpose->setChecked(transposed); }

void HeatmapView::refresh()
{
    if (const QString problem = scopeProblem(); !problem.isEmpty()) {
        m_shifts.clear();
        showMessage(problem);
        return;
    }
    Workspace &workspace = *context()->workspace();
    const auto metric = HeatmapMetric(m_metric->currentData().toInt());
    const bool de = metric == HeatmapMetric::DifferentialElicitation;
    m_shifts = shiftsOf(workspace, context()->shiftSet());
    ResultMatrix matrix = interventionShiftMatrix(workspace, ss(context()->model()), context()->interventionList(),
                                                  context()->shiftSet(), metric, context()->capabilityRule());
    if (!hasValues(matrix)) {
        showMessage(noResultsMessage(tr("generalization results on these shifts")));
        return;
    }
    // Shifts without a value for any chosen intervention are left out, as in the shift results: a model evaluated
    // on a few shifts is not shown as a wall of empty columns.
    const std::size_t all = m_shifts.size();
    ResultMatrix shown;
    shown.rowLabels = matrix.rowLabels;
    shown.values.resize(matrix.values.size());
    std::vector<ShiftPair> kept;
    for (std::size_t c = 0; c < matrix.columnLabels.size(); ++c) {
        const bool any = std::any_of(matrix.values.begin(), matrix.values.end(),
                                     [c](const auto &row) { return row[c].has_value(); });
        if (!any)
            continue;
        shown.columnLabels.push_back(matrix.columnLabels[c]);
        shown.columnCategories.push_back(matrix.columnCategories[c]);
        for (std::size_t r = 0; r < matrix.values.size(); ++r)
            shown.values[r].push_back(matrix.values[r][c]);
        kept.push_back(m_shifts[c]);
    }
    matrix = std::move(shown);
    m_shifts = std::move(kept);
    const QString scope = context()->shiftSet() == ShiftSet::Genies ? tr("GENIES") : tr("catalogue");
    const QString set = m_shifts.size() == all
                          ? tr("all %1 %2 shifts").arg(all).arg(scope)
                          : tr("%1 of %2 %3 shifts with results").arg(m_shifts.size()).arg(all).arg(scope);
    m_panel->setTitle(
        tr("%1: %2 per intervention and shift (%3)")
            .arg(context()->model(), de ? tr("differential elicitation") : tr("generalization accuracy"), set));
    m_panel->setMatrix(std::move(matrix), de ? ColourScale::Diverging : ColourScale::Sequential, tr("Intervention"),
                       tr("Shift"), true);
    m_panel->setTransposed(m_transpose->isChecked());
    if (const auto &shift = context()->shift())
        highlight(*shift);
    showContent();
}

void HeatmapView::highlight(const ShiftPair &shift)
{
    int column = -1;
    for (std::size_t i = 0; i < m_shifts.size(); ++i)
        if (m_shifts[i].source == shift.source && m_shifts[i].target == shift.target)
            column = int(i);
    m_panel->highlightColumn(column);
}

void HeatmapView::prepareExport(bool exporting, bool withSelection)
{
    if (exporting && !withSelection)
        m_panel->highlightColumn(-1);
    else if (const auto &shift = context()->shift())
        highlight(*shift);
}

QWidget *HeatmapView::figureWidget() { return m_panel; }

QAbstractItemModel *HeatmapView::tableModel() { return m_panel->proxy(); }

} // namespace shiftscope
