#include "widgets/disagreements/labelbudgetdialog.h"

#include "widgets/results/figureexport.h"
#include "widgets/shell/backgroundtask.h"
#include "widgets/shell/filedialogs.h"
#include "widgets/shell/presentationstyle.h"
#include "widgets/shell/qtconvert.h"
#include "workspace/workspace.h"

#include <QAreaSeries>
#include <QCheckBox>
#include <QChart>
#include <QChartView>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLegend>
#include <QLegendMarker>
#include <QLineEdit>
#include <QLineSeries>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QScatterSeries>
#include <QSettings>
#include <QSpinBox>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QTableWidget>
#include <QValueAxis>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <set>

namespace shiftscope {

namespace {

QString errorHtml(const QString &message)
{
    return QStringLiteral("<span style=\"color:#b00020\">%1</span>").arg(message.toHtmlEscaped());
}

//! "0, 5, 10" (commas or spaces) as sorted distinct sizes; an empty list and the offending entry on a bad one.
std::vector<int> parseKs(const QString &text, QString *bad)
{
    std::set<int> ks;
    for (const QString &entry : text.split(QRegularExpression(QStringLiteral("[,;\\s]+")), Qt::SkipEmptyParts)) {
        bool ok = false;
        const int k = entry.toInt(&ok);
        if (!ok || k < 0) {
            *bad = entry;
            return {};
        }
        ks.insert(k);
    }
    if (ks.empty())
        *bad = text;
    return {ks.begin(), ks.end()};
}

//! A step of 1, 2 or 5 times a power of ten giving about five ticks over `span`.
double niceStep(double span)
{
    const double raw = std::max(1.0, span / 5);
    const double power = std::pow(10.0, std::floor(std::log10(raw)));
    for (const double m : {1.0, 2.0, 5.0})
        if (m * power >= raw)
            return m * power;
    return 10 * power;
}

QString percent(double value) { return QString::number(100 * value, 'f', 1) + QLatin1Char('%'); }

std::vector<double> validDraws(const LabelBudgetPoint &point)
{
    std::vector<double> out;
    std::copy_if(point.accuracies.begin(), point.accuracies.end(), std::back_inserter(out),
                 [](double a) { return !std::isnan(a); });
    return out;
}

} // namespace

LabelBudgetDialog::LabelBudgetDialog(Workspace *workspace, TrustSubject subject, QWidget *parent)
    : QDialog(parent),
      m_workspacePath(workspace ? workspace->path() : std::filesystem::path()),
      m_subject(std::move(subject)),
      m_ks(new QLineEdit(QStringLiteral("0, 5, 10, 20, 50"), this)),
      m_repeats(new QSpinBox(this)),
      m_relabels(new QCheckBox(tr("With the blind relabels"), this)),
      m_compute(new QPushButton(tr("Compute"), this)),
      m_stop(new QPushButton(tr("Stop"), this)),
      m_export(new QPushButton(tr("Export figure…"), this)),
      m_progress(new QProgressBar(this)),
      m_stack(new QStackedWidget(this)),
      m_message(new QLabel(m_stack)),
      m_chartView(new QChartView(new QChart, m_stack)),
      m_mean(new QLineSeries(this)),
      m_points(new QScatterSeries(this)),
      m_low(new QLineSeries(this)),
      m_high(new QLineSeries(this)),
      m_band(new QAreaSeries(m_high, m_low)),
      m_chance(new QLineSeries(this)),
      m_relabelled(new QScatterSeries(this)),
      m_figures(new QTableWidget(0, 4, this)),
      m_outcome(new QLabel(this))
{
    setWindowTitle(tr("Label budget of %1").arg(m_subject.label));
    m_ks->setToolTip(tr("Numbers of labelled target pairs to add to the unit's training, separated by commas; 0 "
                        "is the unit as trained"));
    m_repeats->setRange(1, 1000);
    m_repeats->setValue(10);
    m_repeats->setToolTip(tr("Seeded draws of the k pairs for each k > 0 (k = 0 has a single one)"));
    m_relabels->setToolTip(tr("Also refit once with the %1 pairs blind relabelling judged, each labelled with the "
                              "response its annotators preferred")
                               .arg(qs(m_subject.target)));
    m_compute->setDefault(true);
    m_stop->setEnabled(false);
    m_stop->setToolTip(tr("Stop the computation (a refit under way ends first)"));
    m_export->setEnabled(false);
    m_export->setToolTip(tr("Save the chart as a %1×%2 PNG or an SVG, in the large type of a slide")
                             .arg(kDefaultFigureSize.width())
                             .arg(kDefaultFigureSize.height()));
    m_progress->setVisible(false);
    m_message->setWordWrap(true);
    m_message->setTextFormat(Qt::RichText);
    m_message->setAlignment(Qt::AlignCenter);
    m_message->setMargin(24);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_message->setObjectName(QStringLiteral("labelBudgetMessage"));
    m_outcome->setWordWrap(true);
    m_outcome->setTextFormat(Qt::RichText);
    m_outcome->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_outcome->setObjectName(QStringLiteral("labelBudgetOutcome"));

    // The band's edges belong to it and are not on the chart themselves.
    m_low->setParent(m_band);
    m_high->setParent(m_band);
    m_band->setName(tr("Middle 95% of draws"));
    m_mean->setName(tr("Mean accuracy"));
    m_chance->setName(tr("Chance (50%)"));
    QChart *chart = m_chartView->chart();
    chart->addSeries(m_band);
    chart->addSeries(m_chance);
    chart->addSeries(m_mean);
    chart->addSeries(m_points);
    chart->addSeries(m_relabelled);
    m_relabelled->setName(tr("Blind relabels"));
    m_relabelled->setMarkerShape(QScatterSeries::MarkerShapeRectangle);
    auto *x = new QValueAxis;
    x->setTickType(QValueAxis::TicksDynamic);
    x->setTickAnchor(0);
    x->setLabelFormat(QStringLiteral("%.0f"));
    x->setTitleText(tr("Labelled %1 pairs added to training (k)").arg(qs(m_subject.target)));
    auto *y = new QValueAxis;
    y->setRange(-2, 102); // markers at 0% or 100% are not cut in half
    y->setTickType(QValueAxis::TicksDynamic);
    y->setTickAnchor(0);
    y->setTickInterval(20);
    y->setLabelFormat(QStringLiteral("%.0f"));
    y->setTitleText(tr("Target accuracy (%)"));
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    for (QAbstractSeries *series : chart->series()) {
        series->attachAxis(x);
        series->attachAxis(y);
    }
    chart->setTitle(tr("Label budget of %1 on %2 → %3")
                        .arg(m_subject.label, qs(m_subject.source), qs(m_subject.target))
                        .toHtmlEscaped());
    chart->legend()->setAlignment(Qt::AlignBottom);
    m_chartView->setRenderHint(QPainter::Antialiasing);
    m_chartView->setFrameShape(QFrame::NoFrame);
    m_chartView->setMinimumSize(480, 320);
    m_chartView->setBackgroundRole(QPalette::Base);
    m_chartView->setAutoFillBackground(true);
    m_stack->addWidget(m_message);
    m_stack->addWidget(m_chartView);
    restyle();

    m_figures->setHorizontalHeaderLabels({tr("k"), tr("Mean"), tr("95% of draws"), tr("Draws")});
    m_figures->verticalHeader()->hide();
    m_figures->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_figures->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    // As wide as its columns, beside the chart, which takes the rest.
    m_figures->setSizeAdjustPolicy(QAbstractScrollArea::AdjustToContents);
    m_figures->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_figures->setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Expanding);
    m_figures->setObjectName(QStringLiteral("labelBudgetFigures"));

    auto *inputs = new QHBoxLayout;
    inputs->addWidget(new QLabel(tr("Labelled pairs k"), this));
    inputs->addWidget(m_ks, 1);
    inputs->addSpacing(12);
    inputs->addWidget(new QLabel(tr("Draws per k"), this));
    inputs->addWidget(m_repeats);
    inputs->addSpacing(12);
    inputs->addWidget(m_relabels);
    inputs->addSpacing(12);
    inputs->addWidget(m_compute);
    inputs->addWidget(m_stop);
    auto *results = new QHBoxLayout;
    results->addWidget(m_stack, 1);
    results->addWidget(m_figures);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    buttons->addButton(m_export, QDialogButtonBox::ActionRole);
    auto *intro = new QLabel(tr("If k pairs of <b>%1</b> get trusted labels and <b>%2</b> is refitted with them "
                                "beside its %3 training pairs, how accurate is it on the rest of %1? Each k draws "
                                "its pairs anew, seeded by the run's seed.")
                                 .arg(qs(m_subject.target).toHtmlEscaped(), m_subject.label.toHtmlEscaped(),
                                      qs(m_subject.source).toHtmlEscaped()),
                             this);
    intro->setWordWrap(true);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addLayout(inputs);
    layout->addWidget(m_progress);
    layout->addLayout(results, 1);
    layout->addWidget(m_outcome);
    layout->addWidget(buttons);
    resize(1100, 680);
    showMessage(tr("Enter the numbers of labelled pairs k and press Compute."));

    connect(m_compute, &QPushButton::clicked, this, &LabelBudgetDialog::compute);
    connect(m_ks, &QLineEdit::returnPressed, this, &LabelBudgetDialog::compute);
    connect(m_stop, &QPushButton::clicked, this, [this] {
        if (m_task && m_task->isRunning()) {
            m_task->cancel();
            m_stop->setEnabled(false);
            m_outcome->setText(tr("Stopping…"));
        }
    });
    connect(m_export, &QPushButton::clicked, this, &LabelBudgetDialog::chooseFigureFile);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

LabelBudgetDialog::~LabelBudgetDialog()
{
    if (m_task)
        m_task->cancel();
    wait();
}

bool LabelBudgetDialog::chartShown() const { return m_stack->currentWidget() == m_chartView; }

void LabelBudgetDialog::reject()
{
    // Closing stops the computation: nobody would see its result.
    if (m_task)
        m_task->cancel();
    QDialog::reject();
}

void LabelBudgetDialog::compute()
{
    if (m_workspacePath.empty() || (m_task && m_task->isRunning()))
        return;
    QString bad;
    const std::vector<int> ks = parseKs(m_ks->text(), &bad);
    if (ks.empty()) {
        m_outcome->setText(errorHtml(
            tr("The numbers of labelled pairs must be whole numbers ≥ 0 separated by commas, not '%1'.").arg(bad)));
        return;
    }
    LabelBudgetRequest request;
    request.runId = m_subject.runId;
    request.intervention = m_subject.intervention;
    request.source = m_subject.source;
    request.target = m_subject.target;
    request.ks = ks;
    request.repeats = m_repeats->value();
    request.relabels = m_relabels->isChecked();
    const std::filesystem::path path = m_workspacePath;
    auto result = std::make_shared<LabelBudget>();
    m_compute->setEnabled(false);
    m_stop->setEnabled(true);
    m_progress->setRange(0, 0);
    m_progress->setVisible(true);
    m_outcome->setText(
        tr("Refitting %1 for %n sizes of k…", nullptr, int(ks.size())).arg(m_subject.label.toHtmlEscaped()));
    delete m_task;
    m_task = new BackgroundTask(BackgroundTask::inWorkspace(
                                    path,
                                    [request, result](Workspace &ws, const ProgressCallback &progress) mutable {
        request.progress = progress;
        *result = labelBudget(ws, request);
                                    }),
                                this);
    m_task->showProgressIn(m_progress, m_outcome);
    connect(m_task, &BackgroundTask::failed, this, [this](const QString &message) {
        m_result.reset();
        m_export->setEnabled(false);
        m_outcome->clear();
        showMessage(errorHtml(tr("No label budget: %1").arg(message)));
    });
    connect(m_task, &BackgroundTask::cancelled, this, [this] { m_outcome->setText(tr("Stopped.")); });
    connect(m_task, &BackgroundTask::succeeded, this, [this, result] {
        m_result = result;
        showBudget(*result);
        emit computed();
    });
    connect(m_task, &BackgroundTask::finished, this, [this] {
        m_progress->setVisible(false);
        m_compute->setEnabled(true);
        m_stop->setEnabled(false);
    });
    m_task->start();
}

void LabelBudgetDialog::wait()
{
    if (m_task)
        m_task->wait();
}

void LabelBudgetDialog::showMessage(const QString &html)
{
    m_message->setText(html);
    m_stack->setCurrentWidget(m_message);
    m_figures->hide();
}

void LabelBudgetDialog::showBudget(const LabelBudget &budget)
{
    QList<QPointF> mean, low, high;
    m_figures->setRowCount(int(budget.points.size()));
    int row = 0, skipped = 0;
    for (const LabelBudgetPoint &point : budget.points) {
        const std::vector<double> draws = validDraws(point);
        QStringList cells = {QString::number(point.k), QStringLiteral("–"), QStringLiteral("–"),
                             QString::number(draws.size())};
        if (!draws.empty()) {
            mean.append({double(point.k), 100 * point.mean});
            low.append({double(point.k), 100 * point.interval.low});
            high.append({double(point.k), 100 * point.interval.high});
            cells[1] = percent(point.mean);
            cells[2] = draws.size() > 1
                         ? percent(point.interval.low) + QStringLiteral("–") + percent(point.interval.high)
                         : QStringLiteral("–");
        } else {
            ++skipped;
        }
        for (int c = 0; c < int(cells.size()); ++c) {
            auto *item = new QTableWidgetItem(cells[c]);
            item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            m_figures->setItem(row, c, item);
        }
        ++row;
    }
    if (mean.isEmpty()) {
        m_export->setEnabled(false);
        showMessage(errorHtml(tr("No k left any %1 pair to score the refitted unit on.").arg(qs(m_subject.target))));
        return;
    }
    m_mean->replace(mean);
    m_points->replace(mean);
    m_low->replace(low);
    m_high->replace(high);
    double first = mean.front().x(), last = mean.back().x();
    m_relabelled->clear();
    if (const auto &r = budget.relabelled) {
        m_relabelled->append(double(r->pairs), 100 * r->accuracy);
        m_relabelled->setName(tr("Blind relabels (%n pairs)", nullptr, r->pairs));
        first = std::min(first, double(r->pairs));
        last = std::max(last, double(r->pairs));
        const int at = m_figures->rowCount();
        m_figures->setRowCount(at + 1);
        const QStringList cells = {tr("%1 judged").arg(r->pairs), percent(r->accuracy), QStringLiteral("–"),
                                   QStringLiteral("1")};
        for (int c = 0; c < int(cells.size()); ++c) {
            auto *item = new QTableWidgetItem(cells[c]);
            item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            m_figures->setItem(at, c, item);
        }
    }
    m_relabelled->setVisible(budget.relabelled.has_value());
    const double pad = std::max(0.5, (last - first) * 0.03);
    m_chance->replace(QList<QPointF>{{first - pad, 50}, {last + pad, 50}});
    auto *x = qobject_cast<QValueAxis *>(m_chartView->chart()->axes(Qt::Horizontal).value(0));
    x->setRange(first - pad, last + pad);
    x->setTickInterval(niceStep(last - first));
    m_stack->setCurrentWidget(m_chartView);
    m_figures->show();
    m_export->setEnabled(true);
    const LabelBudgetPoint &none = budget.points.front();
    QString text = tr("Unit %1 (%2).").arg(budget.unitPosition + 1).arg(qs(budget.intervention).toHtmlEscaped());
    if (none.k == 0 && !validDraws(none).empty())
        text += tr(" As trained it scores <b>%1</b> on %2; with %3 labelled pairs, <b>%4</b>.")
                    .arg(percent(none.mean), qs(m_subject.target).toHtmlEscaped())
                    .arg(budget.points.back().k)
                    .arg(percent(budget.points.back().mean));
    if (const auto &r = budget.relabelled)
        text += tr(" With the %1 blind-relabelled pairs as their annotators labelled them (%2 against the dataset): "
                   "<b>%3</b>.")
                    .arg(r->pairs)
                    .arg(r->againstDataset)
                    .arg(percent(r->accuracy));
    if (skipped > 0)
        text += tr(" %n k left no pair to score and is not plotted.", nullptr, skipped);
    m_outcome->setText(text);
}

void LabelBudgetDialog::restyle()
{
    const bool large = m_slideType || presentationStyleOn(this);
    QChart *chart = m_chartView->chart();
    styleChart(chart, large); // a theme recolours the series: colours come after
    chart->setBackgroundBrush(Qt::white);
    chart->setPlotAreaBackgroundVisible(false);
    const QColor colour = seriesColour(0);
    QColor fill = colour;
    fill.setAlpha(60);
    QColor edge = colour;
    edge.setAlpha(110);
    m_band->setBrush(fill);
    m_band->setPen(QPen(edge, 1));
    m_mean->setPen(QPen(colour, large ? 4 : 2.5));
    m_points->setColor(colour);
    m_points->setBorderColor(Qt::white);
    m_points->setMarkerSize(large ? 18 : 11);
    for (QLegendMarker *marker : chart->legend()->markers(m_points))
        marker->setVisible(false); // the mean's line stands for both
    m_chance->setPen(QPen(QColor(0x707070), large ? 3 : 1.5, Qt::DashLine));
    m_relabelled->setColor(seriesColour(1));
    m_relabelled->setBorderColor(Qt::white);
    m_relabelled->setMarkerSize(large ? 22 : 14);
}

bool LabelBudgetDialog::exportFigure(const QString &path, QSize size, QString *error)
{
    m_slideType = true;
    restyle();
    const bool written = exportWidgetFigure(m_chartView, path, size, error);
    m_slideType = false;
    restyle();
    return written;
}

void LabelBudgetDialog::chooseFigureFile()
{
    const QString path = chooseFigurePath(
        this, QStringLiteral("label-budget-%1-%2.png").arg(qs(m_subject.source), qs(m_subject.target)));
    if (path.isEmpty())
        return;
    QString error;
    if (!exportFigure(path, kDefaultFigureSize, &error))
        QMessageBox::warning(this, tr("Export figure"), error);
    else
        rememberFigureFolder(path);
}

} // namespace shiftscope
