#include "widgets/results/shiftresultsview.h"

#include "widgets/results/chartoverlay.h"
#include "genies/shiftcatalogue.h"
#include "widgets/shell/presentationstyle.h"
#include "widgets/shell/qtconvert.h"
#include "widgets/results/resultscontext.h"
#include "widgets/results/seedvaluesdialog.h"

#include <QBarCategoryAxis>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QHorizontalBarSeries>
#include <QLabel>
#include <QLegend>
#include <QMouseEvent>
#include <QPushButton>
#include <QScrollArea>
#include <QHBoxLayout>
#include <QStandardItemModel>
#include <QValueAxis>
#include <QVBoxLayout>
#include <algorithm>
#include <functional>

namespace shiftscope {

namespace {
constexpr double kBarWidth = 0.8; // share of a category the bar group fills

QString shiftLabel(const ShiftPair &shift) { return qs(shift.source) + QStringLiteral(" → ") + qs(shift.target); }

QString number(std::optional<double> value)
{
    return value ? QString::number(*value, 'f', 3) : QObject::tr("no result");
}

QString estimateText(const AccuracyEstimate &e)
{
    if (!e.value)
        return QObject::tr("no result");
    if (e.pairs <= 0)
        return QObject::tr("%1 (pair count unknown: no interval)").arg(number(e.value));
    return QObject::tr("%1 (95% CI %2–%3, %4 pairs)")
        .arg(number(e.value), QString::number(e.low, 'f', 3), QString::number(e.high, 'f', 3))
        .arg(e.pairs);
}

QString estimateText(const ShiftResult &r)
{
    const AccuracyEstimate &e = r.generalization;
    if (!e.acrossSeeds || !e.value)
        return estimateText(e);
    QString text = QObject::tr("%1, mean of %2 seeds (lowest %3, highest %4, sd %5)")
                       .arg(number(e.value))
                       .arg(r.seeds.size())
                       .arg(QString::number(e.low, 'f', 3), QString::number(e.high, 'f', 3), number(r.sdAccuracy));
    for (const SeedValue &seed : r.seeds)
        text += QObject::tr("\n  seed %1 (run %2): %3").arg(seed.seed).arg(seed.runId).arg(number(seed.accuracy));
    return text;
}

//! A seed group's differential elicitation per seed, one line each; empty for another result.
QString seedLines(const ShiftResult &r)
{
    QString text;
    if (!r.seeds.empty())
        text += QObject::tr("\nmean of %1 seeds, sd %2").arg(r.seeds.size()).arg(number(r.sdDifferentialElicitation));
    for (const SeedValue &seed : r.seeds)
        text += QObject::tr("\n  seed %1 (run %2): DE %3")
                    .arg(seed.seed)
                    .arg(seed.runId)
                    .arg(number(seed.differentialElicitation));
    return text;
}

QVariant cell(std::optional<double> value) { return value ? QVariant(*value) : QVariant(); }
QVariant low(const AccuracyEstimate &e) { return e.value && e.pairs > 0 ? QVariant(e.low) : QVariant(); }
QVariant high(const AccuracyEstimate &e) { return e.value && e.pairs > 0 ? QVariant(e.high) : QVariant(); }

//! The centre of bar `set` of `sets` in category `category`, as Qt Charts lays out a bar group.
double barCentre(int category, int set, int sets) { return category - kBarWidth / 2 + (set + 0.5) / sets * kBarWidth; }
} // namespace

ShiftResultsView::ShiftResultsView(ResultsContext *context, QWidget *parent)
    : ResultsViewBase(context, parent),
      m_figure(new QWidget(this)),
      m_scroll(new QScrollArea(this)),
      m_note(new QLabel(this)),
      m_perSeed(new QPushButton(tr("Per seed…"), this)),
      m_legend(new QLabel(m_figure)),
      m_accuracyView(createChartView()),
      m_elicitationView(createChartView()),
      m_whiskers(new ChartOverlay(m_accuracyView->chart(), ChartOverlay::Layer::AboveSeries)),
      m_accuracyHighlight(new ChartOverlay(m_accuracyView->chart(), ChartOverlay::Layer::BehindSeries)),
      m_elicitationHighlight(new ChartOverlay(m_elicitationView->chart(), ChartOverlay::Layer::BehindSeries)),
      m_table(new QStandardItemModel(this))
{
    // A layout rather than a splitter: the charts keep their 3:2 shares at every size, exports included.
    auto *charts = new QHBoxLayout;
    charts->setSpacing(0);
    charts->addWidget(m_accuracyView, 3);
    charts->addWidget(m_elicitationView, 2);
    // One legend for both charts, as wide as the figure: the charts' own legends would truncate their entries.
    m_legend->setObjectName(QStringLiteral("shiftResultsLegend"));
    m_legend->setTextFormat(Qt::RichText);
    m_legend->setAlignment(Qt::AlignCenter);
    m_legend->setWordWrap(true); // ten interventions take more than a line
    setFigureBackground(m_figure);
    auto *figureLayout = new QVBoxLayout(m_figure);
    figureLayout->setContentsMargins(0, 0, 0, 0);
    figureLayout->setSpacing(0);
    figureLayout->addLayout(charts, 1);
    figureLayout->addWidget(m_legend);
    m_note->setWordWrap(true);
    auto *content = new QWidget(this);
    auto *layout = new QVBoxLayout(content);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_note);
    m_scroll->setWidget(m_figure);
    m_scroll->setWidgetResizable(true);
    m_scroll->setFrameShape(QFrame::NoFrame);
    m_scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    layout->addWidget(m_scroll, 1);
    setContent(content);
    for (QChartView *view : {m_accuracyView, m_elicitationView}) {
        view->chart()->legend()->hide(); // m_legend serves both
        view->viewport()->installEventFilter(this);
    }
    connect(context, &ResultsContext::shiftSelected, this, [this](const ShiftPair &shift) { highlight(shift); });
    m_perSeed->setObjectName(QStringLiteral("perSeedButton"));
    m_perSeed->setToolTip(tr("Every seed's values behind the means of the chosen seed groups"));
    m_perSeed->setEnabled(false);
    controls()->addWidget(m_perSeed);
    connect(m_perSeed, &QPushButton::clicked, this, &ShiftResultsView::showSeedValues);
}

std::vector<std::string> ShiftResultsView::shownSeedGroups() const
{
    std::vector<std::string> groups;
    for (const auto &name : m_interventions)
        if (const auto it = m_results.find(name); it != m_results.end())
            if (std::any_of(it->second.begin(), it->second.end(),
                            [](const ShiftResult &r) { return !r.seeds.empty(); }))
                groups.push_back(name);
    return groups;
}

void ShiftResultsView::showSeedValues()
{
    const auto groups = shownSeedGroups();
    if (groups.empty())
        return;
    auto *dialog =
        new SeedValuesDialog(m_results, groups, shiftsOf(*context()->workspace(), context()->shiftSet()), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    if (const auto &shift = context()->shift())
        dialog->selectShift(*shift);
    dialog->show();
}

void ShiftResultsView::refresh()
{
    m_shifts.clear();
    m_resultIndex.clear();
    m_allShifts.clear();
    m_allResultIndex.clear();
    m_results.clear();
    m_perSeed->setEnabled(false);
    if (const QString problem = scopeProblem(); !problem.isEmpty()) {
        showMessage(problem);
        return;
    }
    Workspace &workspace = *context()->workspace();
    m_interventions = context()->interventionList();
    m_results = shiftResults(workspace, ss(context()->model()), m_interventions, context()->shiftSet(),
                             context()->capabilityRule());
    const std::vector<ShiftPair> shifts = shiftsOf(workspace, context()->shiftSet());
    // Bar categories run bottom up: add the shifts in reverse so the set reads in its published order top down.
    for (std::size_t i = shifts.size(); i-- > 0;) {
        const bool any = std::any_of(m_interventions.begin(), m_interventions.end(), [&](const std::string &name) {
            const auto &results = m_results[name];
            return i < results.size()
                && (results[i].row.generalizationAccuracy || results[i].row.differentialElicitation);
        });
        if (any) {
            m_allResultIndex.push_back(i);
            m_allShifts.push_back(shifts[i]);
        }
    }
    if (m_allShifts.empty()) {
        showMessage(noResultsMessage(tr("generalization results on these shifts")));
        return;
    }
    const QString set = context()->shiftSet() == ShiftSet::Genies ? tr("GENIES") : tr("catalogue");
    const QString shown = m_allShifts.size() == shifts.size()
                            ? tr("All %1 %2 shifts have results.").arg(shifts.size()).arg(set)
                            : tr("%1 of %2 %3 shifts have results for these interventions; the others are left out.")
                                  .arg(m_allShifts.size())
                                  .arg(shifts.size())
                                  .arg(set);
    const QString running = inProgressNote();
    m_note->setText((running.isEmpty() ? QString() : running + QLatin1Char(' ')) + shown + QLatin1Char(' ')
                    + tr("Click a shift to select it in every view."));
    m_perSeed->setEnabled(!shownSeedGroups().empty());
    showShifts(0, m_allShifts.size());
    fillTable();
    showContent();
}

void ShiftResultsView::showShifts(std::size_t first, std::size_t count)
{
    count = std::min(count, m_allShifts.size() - std::min(first, m_allShifts.size()));
    // Bar categories run bottom up: page 1 (the first shifts in the set's order) is the top of the whole figure.
    const std::size_t end = m_allShifts.size() - first;
    m_shifts.assign(m_allShifts.begin() + std::ptrdiff_t(end - count), m_allShifts.begin() + std::ptrdiff_t(end));
    m_resultIndex.assign(m_allResultIndex.begin() + std::ptrdiff_t(end - count),
                         m_allResultIndex.begin() + std::ptrdiff_t(end));
    buildAccuracyChart();
    buildElicitationChart();
    // On screen, the figure grows taller than the view when the shifts need it (at the type size the charts were
    // just styled with), and the view scrolls.
    const bool whole = count == m_allShifts.size();
    const RowLayout rows = rowLayout();
    const int needed = rows.overhead + int(count) * rows.group;
    m_figure->setMinimumHeight(whole && needed > m_scroll->viewport()->height() ? needed : 0);
    m_highlighted = -1;
    if (const auto &shift = context()->shift())
        highlight(*shift);
}

ShiftResultsView::RowLayout ShiftResultsView::rowLayout() const
{
    // A shift's group holds a bar per intervention, the baseline's and the capability's, each a few pixels high,
    // and its label's line; titles, axis labels, axis title and the legend take about ten lines.
    const QFontMetrics metrics(m_accuracyView->chart()->axes().isEmpty()
                                   ? m_accuracyView->chart()->font()
                                   : m_accuracyView->chart()->axes().first()->labelsFont());
    const bool presentation = presentationStyleOn(this);
    const int bars = int(m_interventions.size()) + 2;
    // Long pairs take two lines.
    const bool twoLines = std::any_of(m_allShifts.begin(), m_allShifts.end(),
                                      [this](const ShiftPair &shift) { return longLabel(shift); });
    return {std::max(int(metrics.height() * (twoLines ? 2.4 : 1.3)), bars * (presentation ? 7 : 5)),
            11 * metrics.height() + 80};
}

int ShiftResultsView::shiftsFitting(int height) const
{
    const RowLayout rows = rowLayout();
    return std::max(1, (height - rows.overhead) / rows.group);
}

int ShiftResultsView::figurePages(QSize size)
{
    const int fitting = shiftsFitting(size.height());
    return std::max(1, int((m_allShifts.size() + std::size_t(fitting) - 1) / std::size_t(fitting)));
}

void ShiftResultsView::showFigurePage(int page, QSize size)
{
    if (page < 0) {
        showShifts(0, m_allShifts.size());
        return;
    }
    const auto fitting = std::size_t(shiftsFitting(size.height()));
    showShifts(std::size_t(page) * fitting, fitting);
    m_figure->setMinimumHeight(0);
}

const ShiftResult &ShiftResultsView::resultAt(const std::string &intervention, int category) const
{
    return m_results.at(intervention)[m_resultIndex[std::size_t(category)]];
}

AccuracyEstimate ShiftResultsView::referenceAt(int category, AccuracyEstimate ShiftResult::*which) const
{
    for (const auto &name : m_interventions)
        if (const AccuracyEstimate &e = resultAt(name, category).*which; e.value)
            return e;
    return {};
}

void ShiftResultsView::buildAccuracyChart()
{
    QChart *chart = m_accuracyView->chart();
    m_whiskers->clear();
    clearChart(chart);
    struct Entry {
        QString name;
        QColor colour;
        std::function<AccuracyEstimate(int)> at; //!< by bar category
        std::function<QString(int)> text;        //!< the tooltip's value, by bar category
    };
    std::vector<Entry> entries; // top down within a shift's group
    for (std::size_t i = 0; i < m_interventions.size(); ++i)
        entries.push_back({qs(m_interventions[i]), context()->colourOf(m_interventions[i]),
                           [this, name = m_interventions[i]](int c) { return resultAt(name, c).generalization; },
                           [this, name = m_interventions[i]](int c) { return estimateText(resultAt(name, c)); }});
    // A run of a method that trains nothing is its own baseline; say "zero-shot" only when it is.
    bool zeroShot = true;
    for (const auto &[name, results] : m_results)
        for (const ShiftResult &r : results)
            if (r.baseline.value && r.row.baselineIntervention.rfind("zero_shot", 0) != 0)
                zeroShot = false;
    entries.push_back({zeroShot ? tr("Zero-shot baseline") : tr("Baseline"), baselineColour(),
                       [this](int c) { return referenceAt(c, &ShiftResult::baseline); },
                       [this](int c) { return estimateText(referenceAt(c, &ShiftResult::baseline)); }});
    entries.push_back({tr("Target-tuned capability"), capabilityColour(),
                       [this](int c) { return referenceAt(c, &ShiftResult::capability); },
                       [this](int c) { return estimateText(referenceAt(c, &ShiftResult::capability)); }});

    // A seed group's whisker is not an interval: its legend entry says what it is.
    const auto groups = shownSeedGroups();
    QStringList legend;
    for (const Entry &entry : entries) {
        const bool group = std::find(groups.begin(), groups.end(), ss(entry.name)) != groups.end();
        legend << QStringLiteral("<span style=\"color:%1\">■</span>&nbsp;%2")
                      .arg(entry.colour.name(),
                           (group ? tr("%1 (mean; whisker: lowest to highest seed)").arg(entry.name) : entry.name)
                               .toHtmlEscaped());
    }
    // Lines break between entries only, never inside one.
    for (QString &entry : legend)
        entry = QStringLiteral("<span style=\"white-space:nowrap\">%1</span>").arg(entry);
    m_legend->setText(legend.join(QStringLiteral("&nbsp;&nbsp; &nbsp;")));

    // Bar sets stack bottom up: add them in reverse so that the first entry is the top bar.
    const int categories = int(m_shifts.size());
    const int sets = int(entries.size());
    auto *series = new QHorizontalBarSeries;
    series->setBarWidth(kBarWidth);
    std::vector<ChartOverlay::Whisker> whiskers;
    std::vector<QStringList> tips;
    for (auto entry = entries.rbegin(); entry != entries.rend(); ++entry) {
        const int index = series->count();
        auto *barSet = new QBarSet(entry->name);
        QStringList setTips;
        for (int c = 0; c < categories; ++c) {
            const AccuracyEstimate e = entry->at(c);
            barSet->append(e.value.value_or(0));
            setTips << tr("%1\n%2: %3").arg(shiftLabel(m_shifts[std::size_t(c)]), entry->name, entry->text(c));
            if (e.value && e.pairs > 0) {
                const double y = barCentre(c, index, sets);
                whiskers.push_back({QPointF(e.low, y), QPointF(e.high, y)});
            }
        }
        series->append(barSet);
        tips.push_back(setTips);
    }
    addCategoryAxis(chart, series, shiftLabels(), Qt::AlignLeft);
    auto *valueAxis = new QValueAxis;
    valueAxis->setRange(0, 1);
    valueAxis->setTickCount(6);
    valueAxis->setLabelFormat(QStringLiteral("%.1f"));
    // Two lines: on one the title is cut at the chart's width, on screen beside the elicitation chart as in talks.
    valueAxis->setTitleText(tr("Accuracy on the target<br>(whiskers: 95% CI)"));
    chart->addAxis(valueAxis, Qt::AlignBottom);
    series->attachAxis(valueAxis);
    chart->setTitle(tr("%1: generalization accuracy per shift").arg(context()->model()));
    styleChart(chart, presentationStyleOn(this));
    for (int i = 0; i < sets; ++i)
        colourBarSet(series->barSets()[i], entries[std::size_t(sets - 1 - i)].colour);
    setBarToolTips(series, [tips](int setIndex, int category) { return tips[std::size_t(setIndex)][category]; });
    m_whiskers->setWhiskers(series, std::move(whiskers));
}

void ShiftResultsView::buildElicitationChart()
{
    QChart *chart = m_elicitationView->chart();
    clearChart(chart);
    const int categories = int(m_shifts.size());
    const int sets = int(m_interventions.size());
    auto *series = new QHorizontalBarSeries;
    series->setBarWidth(kBarWidth);
    std::vector<QStringList> tips;
    double low = 0, high = 0;
    for (int i = sets - 1; i >= 0; --i) { // reversed, as in the accuracy chart
        const std::string &name = m_interventions[std::size_t(i)];
        auto *barSet = new QBarSet(qs(name));
        QStringList setTips;
        for (int c = 0; c < categories; ++c) {
            const GeneralizationRow &row = resultAt(name, c).row;
            const double de = row.differentialElicitation.value_or(0);
            barSet->append(de);
            low = std::min(low, de);
            high = std::max(high, de);
            const bool group = !resultAt(name, c).seeds.empty();
            setTips << (row.differentialElicitation && group
                            ? tr("%1\n%2: DE %3, the mean of each seed's (generalization − baseline) / capability")
                                      .arg(shiftLabel(m_shifts[std::size_t(c)]), qs(name),
                                           number(row.differentialElicitation))
                                  + seedLines(resultAt(name, c))
                        : row.differentialElicitation
                            ? tr("%1\n%2: DE %3 = (%4 − %5) / %6\nbaseline: %7\ncapability: %8")
                                      .arg(shiftLabel(m_shifts[std::size_t(c)]), qs(name),
                                           number(row.differentialElicitation), number(row.generalizationAccuracy),
                                           number(row.baselineAccuracy), number(row.targetTunedCapability),
                                           qs(row.baselineIntervention), qs(row.capabilitySource))
                                  + seedLines(resultAt(name, c))
                            : tr("%1\n%2: no result").arg(shiftLabel(m_shifts[std::size_t(c)]), qs(name)));
        }
        series->append(barSet);
        tips.push_back(setTips);
    }
    QBarCategoryAxis *categoryAxis = addCategoryAxis(chart, series, shiftLabels(), Qt::AlignLeft);
    auto *valueAxis = valueAxisAround(low, high,
                                      presentationStyleOn(this) ? tr("(generalization − baseline)<br>/ capability")
                                                                : tr("(generalization − baseline) / capability"));
    // The rows line up with the accuracy chart's, whose labels serve both.
    categoryAxis->setLabelsVisible(false);
    chart->addAxis(valueAxis, Qt::AlignBottom);
    series->attachAxis(valueAxis);
    chart->setTitle(tr("Differential elicitation"));
    styleChart(chart, presentationStyleOn(this));
    for (int i = 0; i < sets; ++i)
        colourBarSet(series->barSets()[i], context()->colourOf(m_interventions[std::size_t(sets - 1 - i)]));
    setBarToolTips(series, [tips](int setIndex, int category) { return tips[std::size_t(setIndex)][category]; });
}

bool ShiftResultsView::longLabel(const ShiftPair &shift) const
{
    return shift.source.size() + shift.target.size() > (presentationStyleOn(this) ? 24u : 36u);
}

QStringList ShiftResultsView::shiftLabels() const
{
    // A long pair on two lines ("source →", then the target): the chart gives its labels a third of its width.
    QStringList labels;
    for (const auto &shift : m_shifts)
        labels << (longLabel(shift)
                       ? qs(shift.source).toHtmlEscaped() + QStringLiteral(" →<br>") + qs(shift.target).toHtmlEscaped()
                       : shiftLabel(shift));
    return labels;
}

void ShiftResultsView::fillTable()
{
    m_table->clear();
    m_table->setHorizontalHeaderLabels({tr("Shift"), tr("Category"), tr("Intervention"), tr("Generalization accuracy"),
                                        tr("Generalization low"), tr("Generalization high"), tr("Baseline accuracy"),
                                        tr("Baseline low"), tr("Baseline high"), tr("Target-tuned capability"),
                                        tr("Capability low"), tr("Capability high"), tr("Differential elicitation"),
                                        tr("Seeds"), tr("Accuracy sd across seeds"), tr("DE sd across seeds")});
    for (int c = int(m_shifts.size()) - 1; c >= 0; --c)
        for (const auto &name : m_interventions) {
            const ShiftResult &r = resultAt(name, c);
            appendRow(m_table,
                      {shiftLabel(m_shifts[std::size_t(c)]), qs(categoryDisplayName(m_shifts[std::size_t(c)].category)),
                       qs(name), cell(r.generalization.value), low(r.generalization), high(r.generalization),
                       cell(r.baseline.value), low(r.baseline), high(r.baseline), cell(r.capability.value),
                       low(r.capability), high(r.capability), cell(r.row.differentialElicitation),
                       r.seeds.empty() ? QVariant() : QVariant(int(r.seeds.size())), cell(r.sdAccuracy),
                       cell(r.sdDifferentialElicitation)});
        }
}

void ShiftResultsView::highlight(const ShiftPair &shift)
{
    m_highlighted = -1;
    for (std::size_t c = 0; c < m_shifts.size(); ++c)
        if (m_shifts[c].source == shift.source && m_shifts[c].target == shift.target)
            m_highlighted = int(c);
    const std::optional<int> category = m_highlighted >= 0 ? std::optional<int>(m_highlighted) : std::nullopt;
    m_accuracyHighlight->setHighlight(m_accuracyView->chart()->series().value(0), category, Qt::Vertical);
    m_elicitationHighlight->setHighlight(m_elicitationView->chart()->series().value(0), category, Qt::Vertical);
}

bool ShiftResultsView::eventFilter(QObject *watched, QEvent *event)
{
    if (event->type() != QEvent::MouseButtonPress)
        return ResultsViewBase::eventFilter(watched, event);
    for (QChartView *view : {m_accuracyView, m_elicitationView}) {
        if (watched != view->viewport() || view->chart()->series().isEmpty())
            continue;
        const auto *mouse = static_cast<QMouseEvent *>(event);
        if (mouse->button() != Qt::LeftButton)
            break;
        QChart *chart = view->chart();
        const QPointF position = chart->mapFromScene(view->mapToScene(mouse->position().toPoint()));
        const QRectF plot = chart->plotArea();
        // The plot and the labels left of it: a click on a shift's name selects it too.
        if (position.y() < plot.top() || position.y() > plot.bottom() || position.x() > plot.right())
            break;
        const int category = qRound(chart->mapToValue(position, chart->series().first()).y());
        if (category >= 0 && category < int(m_shifts.size()))
            context()->selectShift(m_shifts[std::size_t(category)]);
        break;
    }
    return ResultsViewBase::eventFilter(watched, event);
}

void ShiftResultsView::prepareExport(bool exporting, bool withSelection)
{
    // The scroll area sizes the figure to its viewport; an export sizes it itself.
    m_scroll->setWidgetResizable(!exporting);
    const bool outline = !exporting || withSelection;
    m_accuracyHighlight->setVisible(outline);
    m_elicitationHighlight->setVisible(outline);
}

QWidget *ShiftResultsView::figureWidget() { return m_figure; }

QAbstractItemModel *ShiftResultsView::tableModel() { return m_table; }

} // namespace shiftscope
