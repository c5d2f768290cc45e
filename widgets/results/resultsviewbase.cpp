#include "widgets/results/resultsviewbase.h"

#include "widgets/shell/filedialogs.h"
#include "widgets/shell/qtconvert.h"
#include "results/resultanalysis.h"
#include "results/resultstore.h"
#include "widgets/results/resultscontext.h"

#include <QAbstractBarSeries>
#include <QBarCategoryAxis>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QCursor>
#include <QEvent>
#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QStackedWidget>
#include <QStandardItemModel>
#include <QStandardPaths>
#include <QToolTip>
#include <QValueAxis>
#include <QVBoxLayout>
#include <algorithm>

namespace shiftscope {

ResultsViewBase::ResultsViewBase(ResultsContext *context, QWidget *parent)
    : QWidget(parent),
      m_context(context),
      m_controls(new QHBoxLayout),
      m_figureSize(new QComboBox(this)),
      m_stack(new QStackedWidget(this)),
      m_message(new QLabel(this))
{
    const QList<QSize> sizes{kDefaultFigureSize, {1280, 720}, {2560, 1440}, {3840, 2160}, {1600, 1200}};
    for (const QSize &size : sizes)
        m_figureSize->addItem(tr("%1 × %2").arg(size.width()).arg(size.height()), size);
    m_figureSize->addItem(tr("As on screen"), QSize());
    m_figureSize->setToolTip(tr("Size of exported figures, in pixels"));
    auto *exportFigureButton = new QPushButton(tr("Export figure…"), this);
    exportFigureButton->setToolTip(tr("Save this figure as PNG or SVG at the chosen size"));
    auto *exportCsvButton = new QPushButton(tr("Export CSV…"), this);
    exportCsvButton->setToolTip(tr("Save the numbers behind this figure as CSV, in the order shown"));

    auto *toolbar = new QHBoxLayout;
    toolbar->addLayout(m_controls);
    toolbar->addStretch(1);
    toolbar->addWidget(m_figureSize);
    toolbar->addWidget(exportFigureButton);
    toolbar->addWidget(exportCsvButton);

    m_message->setObjectName(QStringLiteral("emptyStateLabel"));
    m_message->setAlignment(Qt::AlignCenter);
    m_message->setWordWrap(true);
    m_message->setMargin(24);
    m_stack->addWidget(m_message);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addLayout(toolbar);
    layout->addWidget(m_stack, 1);

    connect(exportFigureButton, &QPushButton::clicked, this, [this] { chooseFigureFile(); });
    connect(exportCsvButton, &QPushButton::clicked, this, [this] { chooseCsvFile(); });
    connect(m_context, &ResultsContext::scopeChanged, this, [this] { onScopeChanged(); });
    // Nothing to export while the view says why it is empty: the buttons wait for a figure.
    exportFigureButton->setObjectName(QStringLiteral("exportFigureButton"));
    exportCsvButton->setObjectName(QStringLiteral("exportCsvButton"));
    auto followContent = [this, exportFigureButton, exportCsvButton] {
        const bool figure = m_stack->currentWidget() != m_message;
        exportFigureButton->setEnabled(figure);
        exportCsvButton->setEnabled(figure);
    };
    connect(m_stack, &QStackedWidget::currentChanged, this, followContent);
    followContent();
}

bool ResultsViewBase::exportFigure(const QString &path, QSize size, QString *error, bool withSelection,
                                   QStringList *written)
{
    ensureFresh();
    if (m_stack->currentWidget() == m_message) {
        if (error)
            *error = tr("There is no figure to export. %1").arg(m_message->text());
        return false;
    }
    const int pages = std::max(1, figurePages(size));
    prepareExport(true, withSelection);
    bool ok = true;
    for (int page = 0; page < pages && ok; ++page) {
        const QFileInfo info(path);
        const QString file =
            pages == 1 ? path
                       : info.dir().filePath(
                           QStringLiteral("%1-%2.%3").arg(info.completeBaseName()).arg(page + 1).arg(info.suffix()));
        if (pages > 1)
            showFigurePage(page, size);
        ok = exportWidgetFigure(figureWidget(), file, size, error);
        if (ok && written)
            *written << file;
    }
    if (pages > 1)
        showFigurePage(-1, size);
    prepareExport(false, withSelection);
    return ok;
}

bool ResultsViewBase::exportCsv(const QString &path, QString *error)
{
    ensureFresh();
    return exportTableCsv(tableModel(), path, error);
}

QString ResultsViewBase::emptyMessage()
{
    ensureFresh();
    return m_stack->currentWidget() == m_message ? m_message->text() : QString();
}

void ResultsViewBase::ensureFresh()
{
    if (!m_stale)
        return;
    m_stale = false;
    try {
        refresh();
    } catch (const std::exception &e) {
        showMessage(tr("Cannot show these results: %1").arg(qs(e.what())));
    }
}

bool ResultsViewBase::setIntervention(const QString &intervention)
{
    const int index = m_interventions ? m_interventions->findText(intervention) : -1;
    if (index >= 0)
        m_interventions->setCurrentIndex(index);
    return index >= 0;
}

void ResultsViewBase::refreshLater()
{
    m_stale = true;
    if (isVisible())
        ensureFresh();
}

void ResultsViewBase::setContent(QWidget *content) { m_stack->addWidget(content); }

void ResultsViewBase::showMessage(const QString &message)
{
    m_message->setText(message);
    m_stack->setCurrentWidget(m_message);
}

void ResultsViewBase::showContent()
{
    if (m_stack->count() > 1)
        m_stack->setCurrentIndex(1);
}

QString ResultsViewBase::scopeProblem() const
{
    Workspace *workspace = m_context->workspace();
    if (!workspace)
        return tr("Open a workspace with File → Open Workspace…, then import GENIES results with File → Import GENIES "
                  "results…");
    if (ResultStore(*workspace).evaluationCount() == 0)
        return tr("Import GENIES results with File → Import GENIES results…");
    if (m_context->model().isEmpty())
        return tr("Choose a model to audit.");
    if (m_context->interventions().isEmpty())
        return tr("Choose one or more interventions to compare.");
    return {};
}

QString ResultsViewBase::inProgressNote() const
{
    Workspace *ws = m_context->workspace();
    if (!ws)
        return {};
    QStringList running;
    for (const QString &intervention : m_context->interventions()) {
        qint64 in = 0, expected = 0;
        bool any = false;
        for (const auto &e : ResultStore(*ws).evaluations(ss(m_context->model()), ss(intervention))) {
            in += e.probabilityCount;
            expected += std::max(e.expectedPairs, e.probabilityCount);
            any = any || e.inProgress();
        }
        if (any)
            running << tr("%1 (%L2 of %L3 pairs in so far)").arg(intervention).arg(in).arg(expected);
    }
    return running.isEmpty() ? QString() : tr("Still running: %1.").arg(running.join(QStringLiteral(", ")));
}

QString ResultsViewBase::noResultsMessage(const QString &what) const
{
    return tr("%1 has no %2 for %3. Run an intervention (Run → New Run…) or import GENIES results (File → Import "
              "GENIES results…), or choose other interventions or shifts.")
        .arg(m_context->model(), what, m_context->interventions().join(QStringLiteral(", ")));
}

bool ResultsViewBase::hasValues(const ResultMatrix &matrix)
{
    return std::any_of(matrix.values.begin(), matrix.values.end(), [](const auto &row) {
        return std::any_of(row.begin(), row.end(), [](const auto &value) { return value.has_value(); });
    });
}

QComboBox *ResultsViewBase::interventionCombo()
{
    if (m_interventions)
        return m_interventions;
    m_interventions = new QComboBox(this);
    m_interventions->setObjectName(QStringLiteral("interventionCombo"));
    m_interventions->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_controls->addWidget(new QLabel(tr("Intervention:"), this));
    m_controls->addWidget(m_interventions);
    m_interventions->addItems(m_context->interventions());
    m_interventions->setCurrentIndex(std::max(0, m_interventions->findText(preferredIntervention())));
    connect(m_interventions, &QComboBox::currentIndexChanged, this, [this] { refreshLater(); });
    return m_interventions;
}

void ResultsViewBase::onScopeChanged()
{
    if (m_interventions) {
        // Keep the chosen intervention when it is still in scope.
        const QString current = m_interventions->currentText();
        QSignalBlocker blocker(m_interventions);
        m_interventions->clear();
        m_interventions->addItems(m_context->interventions());
        const int kept = m_interventions->findText(current);
        m_interventions->setCurrentIndex(kept >= 0 ? kept
                                                   : std::max(0, m_interventions->findText(preferredIntervention())));
    }
    refreshLater();
}

void ResultsViewBase::setFigureBackground(QWidget *figure)
{
    figure->setBackgroundRole(QPalette::Base);
    figure->setAutoFillBackground(true);
}

QChartView *ResultsViewBase::createChartView()
{
    auto *view = new QChartView(new QChart, this);
    setFigureBackground(view);
    view->setRenderHint(QPainter::Antialiasing);
    view->setFrameShape(QFrame::NoFrame);
    // A rebuilt chart (new type size, another page of shifts) repaints whole: partial updates left the old axes'
    // labels on screen.
    view->setViewportUpdateMode(QGraphicsView::FullViewportUpdate);
    view->setMinimumSize(320, 240);
    view->chart()->legend()->setAlignment(Qt::AlignBottom);
    return view;
}

void ResultsViewBase::clearChart(QChart *chart)
{
    chart->removeAllSeries();
    for (QAbstractAxis *axis : chart->axes()) {
        chart->removeAxis(axis);
        delete axis;
    }
    // The chart deletes the removed axes' drawings later; a rebuild in the same event (a change of type size)
    // would otherwise leave them on screen, at their old size, behind the new ones.
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
}

QBarCategoryAxis *ResultsViewBase::addCategoryAxis(QChart *chart, QAbstractBarSeries *series, const QStringList &labels,
                                                   Qt::Alignment alignment, const QString &title)
{
    chart->addSeries(series);
    auto *axis = new QBarCategoryAxis;
    axis->append(labels);
    axis->setTitleText(title);
    chart->addAxis(axis, alignment);
    series->attachAxis(axis);
    return axis;
}

QValueAxis *ResultsViewBase::valueAxisAround(double low, double high, const QString &title)
{
    auto *axis = new QValueAxis;
    const double pad = std::max(0.05, (high - low) * 0.08);
    double from = low < 0 ? low - pad : 0, to = high > 0 ? high + pad : 0;
    if (from == to) { // every value 0 (a method no better than its baseline): an axis around it, not a nan one
        from = -pad;
        to = pad;
    }
    axis->setRange(from, to);
    axis->applyNiceNumbers();
    axis->setTitleText(title);
    return axis;
}

void ResultsViewBase::colourBarSet(QBarSet *set, const QColor &colour)
{
    set->setColor(colour);
    set->setBorderColor(colour.darker(130));
}

void ResultsViewBase::setBarToolTips(QAbstractBarSeries *series, std::function<QString(int, int)> tip)
{
    connect(series, &QAbstractBarSeries::hovered, series,
            [series, tip = std::move(tip)](bool status, int index, QBarSet *set) {
        if (status)
            QToolTip::showText(QCursor::pos(), tip(int(series->barSets().indexOf(set)), index));
        else
            QToolTip::hideText();
    });
}

void ResultsViewBase::appendRow(QStandardItemModel *model, const QVariantList &values)
{
    QList<QStandardItem *> items;
    for (const QVariant &value : values) {
        auto *item = new QStandardItem;
        item->setData(value, Qt::DisplayRole);
        item->setEditable(false);
        items.append(item);
    }
    model->appendRow(items);
}

void ResultsViewBase::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        refreshLater();
}

void ResultsViewBase::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    ensureFresh();
}

QString ResultsViewBase::suggestedFileName(const QString &suffix) const
{
    const QString pictures = QStandardPaths::writableLocation(QStandardPaths::PicturesLocation);
    const QString folder = QSettings().value(QLatin1String(kFigureFolderKey), pictures).toString();
    QString name = objectName().isEmpty() ? QStringLiteral("figure") : objectName();
    if (!m_context->model().isEmpty())
        name += QLatin1Char('-') + m_context->model();
    return QFileInfo(folder, name + suffix).absoluteFilePath();
}

void ResultsViewBase::chooseFigureFile()
{
    const QString path = chooseFigurePath(this, suggestedFileName(QStringLiteral(".png")));
    if (path.isEmpty())
        return;
    QSize size = m_figureSize->currentData().toSize();
    if (!size.isValid())
        size = figureWidget()->size();
    // A figure that needs pages at this size writes one file per page, named after the chosen one; say which,
    // and ask before replacing pages already there.
    const int pages = figurePages(size);
    if (pages > 1) {
        const QFileInfo info(path);
        QStringList existing;
        for (int page = 1; page <= pages; ++page) {
            const QString file = info.dir().filePath(
                QStringLiteral("%1-%2.%3").arg(info.completeBaseName()).arg(page).arg(info.suffix()));
            if (QFileInfo::exists(file))
                existing << QFileInfo(file).fileName();
        }
        const QString question =
            tr("At %1×%2 the figure stays legible on %3 pages, written as %4-1.%5 to %4-%3.%5.")
                .arg(size.width())
                .arg(size.height())
                .arg(pages)
                .arg(info.completeBaseName(), info.suffix())
            + (existing.isEmpty() ? QString() : tr(" %1 exist already and will be replaced.").arg(existing.join(", ")));
        if (QMessageBox::question(this, tr("Export figure"), question, QMessageBox::Ok | QMessageBox::Cancel)
            != QMessageBox::Ok)
            return;
    }
    QString error;
    if (!exportFigure(path, size, &error))
        QMessageBox::warning(this, tr("Export figure"), error);
    else
        rememberFigureFolder(path);
}

void ResultsViewBase::chooseCsvFile()
{
    if (!tableModel()) {
        QMessageBox::information(this, tr("Export CSV"), tr("This view has no table to export."));
        return;
    }
    QString path = FileDialogs::saveFile(this, tr("Export CSV"), tr("CSV files (*.csv)"),
                                         suggestedFileName(QStringLiteral(".csv")));
    if (path.isEmpty())
        return;
    if (QFileInfo(path).suffix().isEmpty())
        path += QStringLiteral(".csv");
    QString error;
    if (!exportCsv(path, &error))
        QMessageBox::warning(this, tr("Export CSV"), error);
    else
        rememberFigureFolder(path);
}

} // namespace shiftscope
