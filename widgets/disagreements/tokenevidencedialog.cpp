#include "widgets/disagreements/tokenevidencedialog.h"

#include "widgets/disagreements/tokenevidenceview.h"
#include "widgets/results/figureexport.h"
#include "widgets/shell/backgroundtask.h"
#include "widgets/shell/filedialogs.h"
#include "widgets/shell/qtconvert.h"
#include "workspace/workspace.h"

#include <QDialogButtonBox>
#include <QDir>
#include <QFileInfo>
#include <QLabel>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSettings>
#include <QStandardPaths>
#include <QVBoxLayout>
#include <algorithm>

namespace shiftscope {

namespace {

QString errorHtml(const QString &message)
{
    return QStringLiteral("<span style=\"color:#b00020\">%1</span>").arg(message.toHtmlEscaped());
}

} // namespace

TokenEvidenceDialog::TokenEvidenceDialog(Workspace *workspace, TrustSubject subject, int pairIndex, QWidget *parent)
    : QDialog(parent),
      m_workspacePath(workspace ? workspace->path() : std::filesystem::path()),
      m_subject(std::move(subject)),
      m_pairIndex(pairIndex),
      m_view(new TokenEvidenceView(this)),
      m_scroll(new QScrollArea(this)),
      m_progress(new QProgressBar(this)),
      m_outcome(new QLabel(this)),
      m_export(new QPushButton(tr("Export figure…"), this))
{
    setWindowTitle(
        tr("Pair %1 of %2 token by token · %3").arg(QString::number(pairIndex), qs(m_subject.target), m_subject.label));
    m_view->setCaption(tr("Pair %1 of %2 · %3").arg(QString::number(pairIndex), qs(m_subject.target), m_subject.label),
                       tr("Trained on %1, evaluated on %2").arg(qs(m_subject.source), qs(m_subject.target)));
    m_view->setObjectName(QStringLiteral("tokenEvidenceView"));
    m_scroll->setWidget(m_view);
    m_scroll->setWidgetResizable(true); // the view wraps to the width and is as tall as it needs
    m_scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_scroll->setFrameShape(QFrame::StyledPanel);
    m_progress->setRange(0, 0);
    m_progress->setVisible(false);
    m_outcome->setWordWrap(true);
    m_outcome->setTextFormat(Qt::RichText);
    m_outcome->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_outcome->setObjectName(QStringLiteral("tokenEvidenceOutcome"));
    m_export->setEnabled(false);
    m_export->setToolTip(tr("Save the figure as a %1×%2 PNG or an SVG, in the large type of a slide")
                             .arg(kDefaultFigureSize.width())
                             .arg(kDefaultFigureSize.height()));

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    buttons->addButton(m_export, QDialogButtonBox::ActionRole);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_scroll, 1);
    layout->addWidget(m_progress);
    layout->addWidget(m_outcome);
    layout->addWidget(buttons);
    resize(1100, 720);

    connect(m_export, &QPushButton::clicked, this, &TokenEvidenceDialog::chooseFigureFile);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    if (m_workspacePath.empty())
        m_view->clear(tr("No workspace: nothing to read."));
    else
        compute();
}

TokenEvidenceDialog::~TokenEvidenceDialog()
{
    if (m_task)
        m_task->cancel();
    wait();
}

const TokenEvidence *TokenEvidenceDialog::result() const { return m_view->evidence() ? &*m_view->evidence() : nullptr; }

void TokenEvidenceDialog::reject()
{
    // Closing stops the computation: nobody would see its result.
    if (m_task)
        m_task->cancel();
    QDialog::reject();
}

void TokenEvidenceDialog::setEvidence(const TokenEvidence &evidence)
{
    m_view->setEvidence(evidence);
    m_export->setEnabled(true);
    QStringList tracks;
    for (const TokenTrack &track : evidence.tracks)
        tracks << qs(track.intervention).toHtmlEscaped();
    QString text =
        tr("Example %1, response %2 (preferred) against %3. Read by %4. Hover over a token for its exact value.")
            .arg(QString::number(evidence.pair.examplePosition), QString::number(evidence.pair.preferredIndex),
                 QString::number(evidence.pair.dispreferredIndex), tracks.join(QStringLiteral(", ")));
    for (const auto &[intervention, why] : evidence.unread)
        text += QStringLiteral("<br>")
              + tr("%1 cannot be read token by token: %2.").arg(qs(intervention), qs(why)).toHtmlEscaped();
    m_outcome->setText(text);
}

void TokenEvidenceDialog::compute()
{
    if (m_workspacePath.empty() || (m_task && m_task->isRunning()))
        return;
    TokenEvidenceRequest request;
    request.runId = m_subject.runId;
    request.source = m_subject.source;
    request.target = m_subject.target;
    request.intervention = m_subject.intervention;
    request.pairIndex = m_pairIndex;
    auto result = std::make_shared<TokenEvidence>();
    m_export->setEnabled(false);
    m_progress->setRange(0, 0);
    m_progress->setVisible(true);
    const QString reading = tr("Reading pair %1 of %2 token by token…").arg(m_pairIndex).arg(qs(m_subject.target));
    m_view->clear(reading);
    m_outcome->setText(reading.toHtmlEscaped());
    delete m_task;
    m_task = new BackgroundTask(BackgroundTask::inWorkspace(
                                    m_workspacePath,
                                    [request, result](Workspace &ws, const ProgressCallback &progress) mutable {
        request.progress = progress;
        *result = tokenEvidence(ws, request);
                                    }),
                                this);
    m_task->showProgressIn(m_progress, m_outcome);
    connect(m_task, &BackgroundTask::failed, this, [this](const QString &message) {
        m_view->clear(tr("No token evidence for this pair."));
        m_outcome->setText(errorHtml(message));
    });
    connect(m_task, &BackgroundTask::cancelled, this, [this] {
        m_view->clear(tr("Stopped."));
        m_outcome->setText(tr("Stopped."));
    });
    connect(m_task, &BackgroundTask::succeeded, this, [this, result] {
        setEvidence(*result);
        emit computed();
    });
    connect(m_task, &BackgroundTask::finished, this, [this] { m_progress->setVisible(false); });
    m_task->start();
}

void TokenEvidenceDialog::wait()
{
    if (m_task)
        m_task->wait();
}

bool TokenEvidenceDialog::exportFigure(const QString &path, QSize size, QString *error)
{
    if (!m_view->evidence()) {
        if (error)
            *error = tr("There is no figure to export yet.");
        return false;
    }
    return m_view->exportFigure(path, size, error);
}

void TokenEvidenceDialog::chooseFigureFile()
{
    const QString path =
        chooseFigurePath(this, QStringLiteral("tokens-%1-pair-%2.png").arg(qs(m_subject.target)).arg(m_pairIndex));
    if (path.isEmpty())
        return;
    QString error;
    if (!exportFigure(path, kDefaultFigureSize, &error))
        QMessageBox::warning(this, tr("Export figure"), error);
    else
        rememberFigureFolder(path);
}

} // namespace shiftscope
