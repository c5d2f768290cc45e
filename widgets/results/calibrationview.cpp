#include "widgets/results/calibrationview.h"

#include "results/resultstore.h"

#include "widgets/shell/presentationstyle.h"
#include "widgets/shell/qtconvert.h"
#include "results/resultanalysis.h"
#include "widgets/results/resultscontext.h"

#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QLabel>
#include <QLegendMarker>
#include <QLineSeries>
#include <QScatterSeries>
#include <QStandardItemModel>
#include <QValueAxis>
#include <QHBoxLayout>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

namespace shiftscope {

namespace {
//! One evaluation of the shift: the source's in-distribution one or the target's generalization one.
struct Side {
    QString role;
    std::string distribution;
    const std::optional<EvaluationInfo> &info;
    const std::vector<ReliabilityBin> &bins;
    const std::vector<int> &histogram;
    QColor colour;
};

std::vector<Side> sidesOf(const CalibrationData &data, const ShiftPair &shift)
{
    return {{QObject::tr("Source"), shift.source, data.source, data.sourceBins, data.sourceHistogram, seriesColour(0)},
            {QObject::tr("Target"), shift.target, data.target, data.targetBins, data.targetHistogram, seriesColour(5)}};
}

QString formatMetric(const std::optional<double> &value, const QString &missing)
{
    return value && std::isfinite(*value) ? QString::number(*value, 'f', 3) : missing;
}

QValueAxis *unitAxis(const QString &title, double tickInterval)
{
    // A little beyond [0, 1] so that markers at the ends are not cut in half; ticks stay on tenths.
    auto *axis = new QValueAxis;
    axis->setRange(-0.02, 1.02);
    axis->setTickType(QValueAxis::TicksDynamic);
    axis->setTickAnchor(0);
    axis->setTickInterval(tickInterval);
    axis->setLabelFormat(QStringLiteral("%.1f"));
    axis->setTitleText(title);
    return axis;
}
} // namespace

CalibrationView::CalibrationView(ResultsContext *context, QWidget *parent)
    : ResultsViewBase(context, parent),
      m_figure(new QWidget(this)),
      m_summary(new QLabel(m_figure)),
      m_reliabilityView(createChartView()),
      m_histogramView(createChartView()),
      m_table(new QStandardItemModel(this))
{
    interventionCombo();
    m_summary->setObjectName(QStringLiteral("calibrationSummary"));
    m_summary->setTextFormat(Qt::RichText);
    m_summary->setWordWrap(true);
    m_summary->setMargin(12);
    m_summary->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    setFigureBackground(m_figure);
    // The histogram sits below the reliability diagram, on the same probability axis; the figures go beside them
    // so that both charts get the figure's full height.
    auto *charts = new QVBoxLayout;
    charts->addWidget(m_reliabilityView, 3);
    charts->addWidget(m_histogramView, 2);
    auto *layout = new QHBoxLayout(m_figure);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(charts, 7);
    layout->addWidget(m_summary, 3);
    setContent(m_figure);
    connect(context, &ResultsContext::shiftSelected, this, [this] { refreshLater(); });
}

QString CalibrationView::preferredIntervention() const
{
    Workspace *workspace = context()->workspace();
    if (!workspace)
        return {};
    ResultStore store(*workspace);
    for (const QString &name : context()->interventions()) {
        const auto evaluations = store.evaluations(ss(context()->model()), ss(name));
        if (std::any_of(evaluations.begin(), evaluations.end(),
                        [](const EvaluationInfo &e) { return e.probabilityCount > 0; }))
            return name;
    }
    return {};
}

void CalibrationView::refresh()
{
    if (const QString problem = scopeProblem(); !problem.isEmpty()) {
        showMessage(problem);
        return;
    }
    const auto &shift = context()->shift();
    if (!shift) {
        showMessage(tr("Choose a shift: click one in the shift results chart or in the heatmap."));
        return;
    }
    const QString intervention = interventionCombo()->currentText();
    const CalibrationData results =
        calibration(*context()->workspace(), ss(context()->model()), ss(intervention), *shift);
    if (!results.source && !results.target) {
        showMessage(tr("%1 has no %2 evaluations trained on %3 for the shift %3 → %4. Choose another intervention or "
                       "shift.")
                        .arg(context()->model(), intervention, qs(shift->source), qs(shift->target)));
        return;
    }
    const bool probabilities = (results.source && results.source->probabilityCount > 0)
                            || (results.target && results.target->probabilityCount > 0);
    if (!probabilities) {
        showMessage(tr("%1 stored no probabilities for %2 → %3 (only accuracies), so there is nothing to calibrate. "
                       "Choose another intervention.")
                        .arg(intervention, qs(shift->source), qs(shift->target)));
        return;
    }
    fillSummary(results, *shift);
    buildReliabilityChart(results, *shift);
    buildHistogramChart(results);
    fillTable(results);
    showContent();
}

void CalibrationView::fillSummary(const CalibrationData &results, const ShiftPair &shift)
{
    QString text = tr("<p><b>%1 · %2</b><br>trained on %3, evaluated on %3 (source) and %4 (target)</p>")
                       .arg(context()->model().toHtmlEscaped(), interventionCombo()->currentText().toHtmlEscaped(),
                            qs(shift.source).toHtmlEscaped(), qs(shift.target).toHtmlEscaped());
    if (!results.seedNote.empty())
        text += tr("<p>Shown: %1. Choose a run in the toolbar for another seed.</p>")
                    .arg(qs(results.seedNote).toHtmlEscaped());
    QStringList hard;
    for (const Side &side : sidesOf(results, shift)) {
        text += QStringLiteral("<p><span style=\"color:%1\">■</span> <b>%2</b> %3:<br>")
                    .arg(side.colour.name(), side.role, qs(side.distribution).toHtmlEscaped());
        if (!side.info) {
            text += tr("no evaluation");
            continue;
        }
        const EvaluationInfo &e = *side.info;
        if (e.probabilityCount == 0) {
            text += tr("accuracy %1; no probabilities stored, so nothing to calibrate")
                        .arg(formatMetric(e.reportedAccuracy(), tr("n/a")));
            continue;
        }
        text += tr("%1 pairs<br>accuracy %2<br>GENIES RMS calibration error %3<br>corrected calibration error %4")
                    .arg(e.probabilityCount)
                    .arg(formatMetric(e.reportedAccuracy(), tr("n/a")),
                         formatMetric(e.rms, tr("n/a (no bin holds 20 pairs)")),
                         formatMetric(e.correctedCalibration, tr("n/a")));
        if (e.hardProbabilities)
            hard << side.role.toLower();
    }
    if (!hard.isEmpty())
        text += tr("<p><b style=\"color:#b00020\">⚠ The %1 probabilities are hard 0/1 (thresholded predictions): "
                   "calibration means nothing for them, whatever the figures say.</b>")
                    .arg(hard.join(tr(" and ")));
    m_summary->setText(text);
}

void CalibrationView::buildReliabilityChart(const CalibrationData &results, const ShiftPair &shift)
{
    QChart *chart = m_reliabilityView->chart();
    clearChart(chart);
    auto *diagonal = new QLineSeries;
    diagonal->setName(tr("Perfect calibration"));
    diagonal->append(0, 0);
    diagonal->append(1, 1);
    chart->addSeries(diagonal);
    std::vector<std::pair<QXYSeries *, QColor>> coloured;
    for (const Side &side : sidesOf(results, shift)) {
        if (!side.info || side.info->probabilityCount == 0)
            continue;
        auto *line = new QLineSeries;
        line->setName(tr("%1: %2").arg(side.role, qs(side.distribution)));
        auto *points = new QScatterSeries;
        for (const ReliabilityBin &bin : side.bins)
            if (bin.count > 0) {
                line->append(bin.meanConfidence, bin.observedRate);
                points->append(bin.meanConfidence, bin.observedRate);
            }
        chart->addSeries(line);
        chart->addSeries(points);
        coloured.emplace_back(line, side.colour);
        coloured.emplace_back(points, side.colour);
    }
    auto *x = unitAxis(tr("Mean symmetrised probability in bin"), 0.1); // tenths: the histogram's bins below
    auto *y = unitAxis(tr("Observed frequency"), 0.2);
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    for (QAbstractSeries *series : chart->series()) {
        series->attachAxis(x);
        series->attachAxis(y);
    }
    chart->setTitle(tr("Reliability diagram: %1 → %2").arg(qs(shift.source), qs(shift.target)));
    styleChart(chart, presentationStyleOn(this));
    diagonal->setPen(QPen(QColor(0x808080), 1.5, Qt::DashLine));
    for (const auto &[series, colour] : coloured) {
        if (auto *points = qobject_cast<QScatterSeries *>(series)) {
            points->setColor(colour);
            points->setBorderColor(colour.darker(140));
            points->setMarkerSize(presentationStyleOn(this) ? 16 : 11);
            for (QLegendMarker *marker : chart->legend()->markers(points))
                marker->setVisible(false); // the line's marker stands for both
        } else {
            series->setPen(QPen(colour, presentationStyleOn(this) ? 4 : 2.5));
        }
    }
}

void CalibrationView::buildHistogramChart(const CalibrationData &results)
{
    QChart *chart = m_histogramView->chart();
    clearChart(chart);
    auto *series = new QBarSeries;
    series->setBarWidth(0.85);
    int highest = 0;
    std::vector<QColor> colours;
    for (const Side &side : sidesOf(results, *context()->shift())) {
        if (!side.info || side.info->probabilityCount == 0)
            continue;
        auto *set = new QBarSet(tr("%1: %2").arg(side.role, qs(side.distribution)));
        for (int count : side.histogram) {
            set->append(count);
            highest = std::max(highest, count);
        }
        series->append(set);
        colours.push_back(side.colour);
    }
    QStringList bins;
    for (int b = 0; b < 10; ++b)
        bins << QStringLiteral("%1–%2").arg(b / 10.0, 0, 'f', 1).arg((b + 1) / 10.0, 0, 'f', 1);
    addCategoryAxis(chart, series, bins, Qt::AlignBottom, tr("Probability given to the preferred response"));
    auto *y = new QValueAxis;
    y->setRange(0, std::max(1, highest));
    y->applyNiceNumbers();
    y->setLabelFormat(QStringLiteral("%d"));
    y->setTitleText(tr("Pairs"));
    chart->addAxis(y, Qt::AlignLeft);
    series->attachAxis(y);
    chart->setTitle(tr("Histogram of probabilities"));
    chart->legend()->hide(); // the colours are the reliability diagram's
    styleChart(chart, presentationStyleOn(this));
    for (int i = 0; i < series->count(); ++i)
        colourBarSet(series->barSets()[i], colours[std::size_t(i)]);
}

void CalibrationView::fillTable(const CalibrationData &results)
{
    m_table->clear();
    m_table->setHorizontalHeaderLabels({tr("Evaluation"), tr("Distribution"), tr("Bin low"), tr("Bin high"),
                                        tr("Pairs in reliability bin"), tr("Mean symmetrised probability"),
                                        tr("Observed frequency"), tr("Pairs with p in bin")});
    for (const Side &side : sidesOf(results, *context()->shift())) {
        if (!side.info)
            continue;
        for (std::size_t b = 0; b < side.bins.size(); ++b) {
            const ReliabilityBin &bin = side.bins[b];
            appendRow(m_table, {side.role, qs(side.distribution), bin.lower, bin.upper, bin.count,
                                bin.count ? QVariant(bin.meanConfidence) : QVariant(),
                                bin.count ? QVariant(bin.observedRate) : QVariant(),
                                b < side.histogram.size() ? QVariant(side.histogram[b]) : QVariant()});
        }
    }
}

QWidget *CalibrationView::figureWidget() { return m_figure; }

QAbstractItemModel *CalibrationView::tableModel() { return m_table; }

} // namespace shiftscope
