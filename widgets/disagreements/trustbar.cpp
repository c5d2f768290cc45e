#include "widgets/disagreements/trustbar.h"

#include "audit/auditreport.h"
#include "widgets/audit/reviewqueuedialog.h"
#include "widgets/disagreements/cuedialog.h"
#include "analysis/labelbudget.h"
#include "widgets/disagreements/labelbudgetdialog.h"
#include "widgets/shell/backgroundtask.h"
#include "widgets/shell/qtconvert.h"
#include "workspace/workspace.h"

#include <QHBoxLayout>
#include <QVBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <algorithm>
#include <cmath>
#include <set>

namespace shiftscope {

namespace {
constexpr int kReviewed = 20; //!< least trusted examples sent to the review queue
}

TrustBar::TrustBar(QWidget *parent)
    : QWidget(parent),
      m_assess(new QPushButton(tr("Assess trust"), this)),
      m_review(new QPushButton(tr("Review least trusted"), this)),
      m_cue(new QPushButton(tr("Test a cue…"), this)),
      m_budget(new QPushButton(tr("Label budget…"), this)),
      m_status(new QLabel(this))
{
    m_assess->setToolTip(tr("Score each pair of the first checked run evaluation by how far it can be trusted "
                            "without its label: its distance from the source in the model's activations, the "
                            "disagreement of other interventions, and a probe against zero-shot"));
    m_review->setToolTip(tr("Flag or check the %1 least trusted examples in a review queue").arg(kReviewed));
    m_status->setWordWrap(true);
    m_status->setTextFormat(Qt::RichText);
    m_status->setObjectName(QStringLiteral("trustStatus"));
    // Two rows, so that the pair table's pane needs no more width than before.
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_assess);
    buttons->addWidget(m_review);
    buttons->addStretch(1);
    auto *dialogRow = new QHBoxLayout;
    dialogRow->addWidget(m_cue);
    dialogRow->addWidget(m_budget);
    dialogRow->addStretch(1);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(buttons);
    layout->addLayout(dialogRow);
    layout->addWidget(m_status);
    connect(m_assess, &QPushButton::clicked, this, &TrustBar::assess);
    connect(m_review, &QPushButton::clicked, this, &TrustBar::review);
    connect(m_cue, &QPushButton::clicked, this, [this] {
        if (!m_subject || !m_workspace)
            return;
        auto *dialog = new CueDialog(m_workspace, *m_subject, this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->show();
    });
    m_cue->setToolTip(tr("Measure how much of this evaluation's preferences a suspected cue (length, a marker, a "
                         "word list) explains, and score it on a target with the cue removed"));
    connect(m_budget, &QPushButton::clicked, this, [this] {
        if (!m_subject || !m_workspace)
            return;
        auto *dialog = new LabelBudgetDialog(m_workspace, *m_subject, this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->show();
    });
    setSubject(nullptr, std::nullopt);
}

TrustBar::~TrustBar() { wait(); }

void TrustBar::setSubject(Workspace *workspace, std::optional<TrustSubject> subject)
{
    const bool same = m_subject && subject && m_subject->runId == subject->runId
                   && m_subject->intervention == subject->intervention && m_subject->target == subject->target
                   && m_workspace == workspace;
    m_workspace = workspace;
    m_subject = std::move(subject);
    if (same)
        return;
    const bool hadResult = m_result != nullptr;
    m_result.reset();
    m_review->setEnabled(false);
    m_assess->setEnabled(m_subject.has_value() && !(m_task && m_task->isRunning()));
    m_cue->setEnabled(m_subject.has_value());
    const bool refittable = m_subject && labelBudgetApplies(m_subject->intervention);
    m_budget->setEnabled(refittable);
    m_budget->setToolTip(
        !m_subject || refittable
            ? tr(
                "Refit this evaluation's unit with k labelled target pairs and plot its target accuracy against k: how "
                "many trusted labels repair the shift")
            : tr("A label budget refits a linear_probe, mms, cra, lat_stim_1 or lat_stim_2 unit; %1 is not one")
                  .arg(QString::fromStdString(m_subject->intervention)));
    m_status->setText(m_subject ? tr("Trust of <b>%1</b>: not assessed yet.").arg(m_subject->label.toHtmlEscaped())
                                : tr("<span style=\"color:gray\">Check a run's evaluation first to assess its "
                                     "trust (published results have no model to read).</span>"));
    if (hadResult)
        emit cleared();
}

void TrustBar::assess()
{
    if (!m_subject || !m_workspace || (m_task && m_task->isRunning()))
        return;
    TrustRequest request;
    request.runId = m_subject->runId;
    request.intervention = m_subject->intervention;
    request.source = m_subject->source;
    request.target = m_subject->target;
    const std::filesystem::path path = m_workspace->path();
    auto result = std::make_shared<RunTrust>();
    m_assess->setEnabled(false);
    m_status->setText(tr("Assessing the trust of <b>%1</b>…").arg(m_subject->label.toHtmlEscaped()));
    delete m_task;
    m_task = new BackgroundTask(BackgroundTask::inWorkspace(
                                    path,
                                    [request, result](Workspace &ws, const ProgressCallback &progress) mutable {
        request.progress = progress;
        *result = assessRunTrust(ws, request);
                                    }),
                                this);
    connect(m_task, &BackgroundTask::progress, this, [this](qint64, qint64, const QString &stage, double) {
        m_status->setText(tr("Assessing trust: %1…").arg(stage.toHtmlEscaped()));
    });
    connect(m_task, &BackgroundTask::failed, this, [this](const QString &message) {
        m_status->setText(
            tr("<span style=\"color:#b00020\">Trust not assessed: %1</span>").arg(message.toHtmlEscaped()));
    });
    connect(m_task, &BackgroundTask::succeeded, this, [this, result] {
        m_result = result;
        QStringList parts;
        for (const SignalQuality &q : result->assessment.quality) {
            if (!q.auroc)
                continue;
            parts << QStringLiteral("%1 %2").arg(qs(q.name).replace(QLatin1Char('_'), QLatin1Char(' ')),
                                                 QString::number(*q.auroc, 'f', 2));
        }
        const SignalQuality &combined = result->assessment.quality.back();
        QString text = tr("Trust of <b>%1</b> assessed over %2 pairs.")
                           .arg(m_subject->label.toHtmlEscaped())
                           .arg(int(result->pairs.size()));
        if (combined.auroc && combined.interval)
            text += tr(" It picks out the %1 errors with AUROC <b>%2</b> (95% CI %3–%4); signals: %5.")
                        .arg(combined.errors)
                        .arg(*combined.auroc, 0, 'f', 2)
                        .arg(combined.interval->low, 0, 'f', 2)
                        .arg(combined.interval->high, 0, 'f', 2)
                        .arg(parts.mid(0, parts.size() - 1).join(QStringLiteral(", ")));
        m_status->setText(text);
        m_review->setEnabled(true);
        emit assessed();
    });
    connect(m_task, &BackgroundTask::finished, this, [this] { m_assess->setEnabled(m_subject.has_value()); });
    m_task->start();
}

void TrustBar::wait()
{
    if (m_task)
        m_task->wait();
}

std::vector<int> TrustBar::leastTrustedExamples(int count) const
{
    std::vector<int> out;
    if (!m_result)
        return out;
    std::vector<const PairTrust *> order;
    for (const PairTrust &t : m_result->assessment.pairs)
        if (!std::isnan(t.trust))
            order.push_back(&t);
    std::stable_sort(order.begin(), order.end(), [](auto a, auto b) { return a->trust < b->trust; });
    std::set<int> seen;
    for (const PairTrust *t : order) {
        const int example = m_result->pairs[std::size_t(t->pairIndex)].examplePosition;
        if (seen.insert(example).second)
            out.push_back(example);
        if (int(out.size()) == count)
            break;
    }
    return out;
}

void TrustBar::review()
{
    if (!m_result || !m_workspace || !m_subject)
        return;
    std::vector<ExampleRef> items;
    for (const int example : leastTrustedExamples(kReviewed))
        items.push_back({m_subject->target, Split::Test, example, -1});
    ReviewQueueDialog dialog(m_workspace, std::move(items), tr("Least trusted pairs of %1").arg(m_subject->label),
                             this);
    dialog.exec();
}

} // namespace shiftscope
