#include "widgets/audit/auditview.h"

#include "audit/auditor.h"
#include "widgets/shell/backgroundtask.h"
#include "widgets/data/exampleview.h"
#include "widgets/audit/flagdialog.h"
#include "widgets/shell/qtconvert.h"
#include "widgets/audit/reviewqueuedialog.h"
#include "workspace/auditstore.h"
#include "workspace/workspace.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QSplitter>
#include <QTextBrowser>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace shiftscope {

namespace {
constexpr int kReportRole = Qt::UserRole + 1;
constexpr int kFindingRole = Qt::UserRole + 2;

QColor severityColour(Severity s)
{
    switch (s) {
    case Severity::Problem: return QColor(0xc6, 0x28, 0x28);
    case Severity::Warning: return QColor(0xb2, 0x6a, 0x00);
    case Severity::Info: return QColor(0x2e, 0x7d, 0x32);
    }
    return {};
}
} // namespace

AuditView::AuditView(QWidget *parent)
    : QWidget(parent),
      m_status(new QLabel(this)),
      m_tree(new QTreeWidget(this)),
      m_details(new QTextBrowser(this)),
      m_evidence(new QListWidget(this)),
      m_example(new ExampleView(this)),
      m_reviewed(new QPushButton(tr("Mark reviewed"), this)),
      m_dismiss(new QPushButton(tr("Dismiss…"), this)),
      m_reopen(new QPushButton(tr("Reopen"), this)),
      m_reviewQueue(new QPushButton(tr("Review evidence…"), this))
{
    m_tree->setHeaderLabels({tr("Check"), tr("Figure"), tr("Severity"), tr("Review")});
    // Every column as wide as its longest entry: check names such as "Cue for the preferred response" are read
    // whole, with a scroll bar when the pane is narrow.
    m_tree->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_tree->header()->setStretchLastSection(false);
    m_tree->setObjectName(QStringLiteral("auditTree"));
    m_status->setText(tr("Select a shift to audit its data, or Audit → Audit Everything."));
    m_status->setWordWrap(true);
    auto *buttons = new QHBoxLayout;
    for (QPushButton *b : {m_reviewed, m_dismiss, m_reopen, m_reviewQueue}) {
        buttons->addWidget(b);
        b->setEnabled(false);
    }
    buttons->addStretch();
    auto *right = new QWidget(this);
    auto *rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    rightLayout->addWidget(m_details, 2);
    rightLayout->addLayout(buttons);
    rightLayout->addWidget(new QLabel(tr("Examples behind this finding"), this));
    rightLayout->addWidget(m_evidence, 2);
    rightLayout->addWidget(m_example, 4);
    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(m_tree);
    splitter->addWidget(right);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 3);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_status);
    layout->addWidget(splitter, 1);

    connect(m_tree, &QTreeWidget::currentItemChanged, this, &AuditView::showFinding);
    connect(m_evidence, &QListWidget::currentRowChanged, this, [this](int row) {
        const Finding *finding = selectedFinding();
        if (!finding || row < 0 || row >= int(finding->examples.size()) || !m_workspace)
            return;
        const ExampleRef &ref = finding->examples[std::size_t(row)];
        if (auto record = m_workspace->exampleAt(ref.distribution, ref.split, ref.position))
            m_example->showExample(*record, m_workspace->annotationsForExample(record->id));
    });
    connect(m_reviewed, &QPushButton::clicked, this, [this] { reviewSelected(std::string("reviewed"), {}); });
    connect(m_dismiss, &QPushButton::clicked, this, [this] {
        bool ok = false;
        const QString note = QInputDialog::getText(this, tr("Dismiss finding"), tr("Why is this not a problem?"),
                                                   QLineEdit::Normal, {}, &ok);
        if (ok)
            reviewSelected(std::string("dismissed"), note);
    });
    connect(m_reopen, &QPushButton::clicked, this, [this] { reviewSelected(std::nullopt, {}); });
    connect(m_reviewQueue, &QPushButton::clicked, this, [this] {
        if (const Finding *finding = selectedFinding()) {
            ReviewQueueDialog dialog(m_workspace, finding->examples, qs(finding->title), this);
            dialog.exec();
        }
    });
}

AuditView::~AuditView()
{
    if (m_task) {
        m_task->cancel();
        m_task->wait();
    }
}

void AuditView::setWorkspace(Workspace *workspace)
{
    if (m_task) {
        m_task->cancel();
        m_task->wait();
    }
    m_workspace = workspace;
    setReports({});
}

void AuditView::auditShift(const ShiftPair &shift)
{
    run([shift](Workspace &ws, const ProgressCallback &progress) {
        Auditor auditor(ws);
        std::vector<AuditReport> reports;
        reportProgress(progress, 0, 3, "Auditing " + shift.source);
        if (ws.distribution(shift.source))
            reports.push_back(auditor.auditDistribution(shift.source));
        reportProgress(progress, 1, 3, "Auditing " + shift.target);
        if (ws.distribution(shift.target))
            reports.push_back(auditor.auditDistribution(shift.target));
        reportProgress(progress, 2, 3, "Auditing the shift");
        if (ws.distribution(shift.source) && ws.distribution(shift.target))
            reports.push_back(auditor.auditShift(shift));
        return reports;
    });
}

void AuditView::auditAll(std::int64_t catalogueId)
{
    run([catalogueId](Workspace &ws, const ProgressCallback &progress) {
        return Auditor(ws).auditAll(catalogueId, progress);
    });
}

void AuditView::run(std::function<std::vector<AuditReport>(Workspace &, const ProgressCallback &)> work)
{
    if (!m_workspace || m_task)
        return;
    const std::filesystem::path path = m_workspace->path();
    auto result = std::make_shared<std::vector<AuditReport>>();
    m_status->setText(tr("Auditing…"));
    m_task = new BackgroundTask(
        [path, work, result](const ProgressCallback &progress) {
        Workspace ws = Workspace::open(path);
        *result = work(ws, progress);
        return std::to_string(result->size()) + " reports";
        },
        this);
    connect(m_task, &BackgroundTask::progress, this, [this](qint64 done, qint64 total, const QString &stage) {
        m_status->setText(total > 0 ? tr("%1 (%2%)").arg(stage).arg(100 * done / total) : stage);
    });
    connect(m_task, &BackgroundTask::succeeded, this, [this, result] {
        setReports(std::move(*result));
        emit auditFinished(true);
    });
    connect(m_task, &BackgroundTask::failed, this, [this](const QString &message) {
        m_status->setText(tr("The audit failed: %1").arg(message));
        emit auditFinished(false);
    });
    connect(m_task, &BackgroundTask::cancelled, this, [this] {
        m_status->setText(tr("Audit cancelled."));
        emit auditFinished(false);
    });
    connect(m_task, &BackgroundTask::finished, this, [this] {
        m_task->deleteLater();
        m_task = nullptr;
    });
    m_task->start();
}

void AuditView::decorate(QTreeWidgetItem *item, const Finding &finding)
{
    item->setText(0, qs(finding.title));
    item->setText(1, qs(finding.figureText));
    item->setText(2, qs(std::string(severityName(finding.severity))));
    item->setForeground(2, severityColour(finding.severity));
    item->setToolTip(0, qs(finding.explanation));
    QString review;
    if (m_workspace)
        if (auto r = AuditStore(*m_workspace).review(finding.key)) {
            review = qs(std::string(reviewStatusName(r->status)));
            if (r->figureText != finding.figureText)
                review += tr(" (figure changed)");
        }
    item->setText(3, review);
}

void AuditView::setReports(std::vector<AuditReport> reports)
{
    m_reports = std::move(reports);
    m_tree->clear();
    int problems = 0, warnings = 0;
    for (std::size_t r = 0; r < m_reports.size(); ++r) {
        const AuditReport &report = m_reports[r];
        auto *top = new QTreeWidgetItem(m_tree);
        top->setText(0, report.kind == AuditScope::Shift ? tr("Shift %1").arg(qs(report.scope)) : qs(report.scope));
        top->setText(
            1,
            tr("%1 problems, %2 warnings").arg(report.count(Severity::Problem)).arg(report.count(Severity::Warning)));
        QFont bold = top->font(0);
        bold.setBold(true);
        top->setFont(0, bold);
        problems += report.count(Severity::Problem);
        warnings += report.count(Severity::Warning);
        for (std::size_t f = 0; f < report.findings.size(); ++f) {
            auto *item = new QTreeWidgetItem(top);
            item->setData(0, kReportRole, int(r));
            item->setData(0, kFindingRole, int(f));
            decorate(item, report.findings[f]);
        }
        top->setExpanded(report.count(Severity::Problem) + report.count(Severity::Warning) > 0);
    }
    if (!m_reports.empty())
        m_status->setText(
            tr("%n report(s): %1 problems, %2 warnings", nullptr, int(m_reports.size())).arg(problems).arg(warnings));
    showFinding();
}

const Finding *AuditView::selectedFinding() const
{
    const QTreeWidgetItem *item = m_tree->currentItem();
    if (!item || !item->data(0, kFindingRole).isValid())
        return nullptr;
    return &m_reports[std::size_t(item->data(0, kReportRole).toInt())]
                .findings[std::size_t(item->data(0, kFindingRole).toInt())];
}

void AuditView::showFinding()
{
    const Finding *finding = selectedFinding();
    m_evidence->clear();
    for (QPushButton *b : {m_reviewed, m_dismiss, m_reopen, m_reviewQueue})
        b->setEnabled(finding != nullptr);
    if (!finding) {
        m_details->setHtml(tr("<p style=\"color:gray\">Select a finding.</p>"));
        m_example->clearExample();
        return;
    }
    QString html = QStringLiteral("<h3>%1</h3><p><b>%2</b> · <span style=\"color:%3\">%4</span></p><p>%5</p>")
                       .arg(qs(finding->title).toHtmlEscaped(), qs(finding->figureText).toHtmlEscaped(),
                            severityColour(finding->severity).name(), qs(std::string(severityName(finding->severity))),
                            qs(finding->explanation).toHtmlEscaped());
    if (m_workspace)
        if (auto r = AuditStore(*m_workspace).review(finding->key))
            html += tr("<p><i>%1 by %2 on %3%4</i></p>")
                        .arg(qs(std::string(reviewStatusName(r->status))), qs(r->author).toHtmlEscaped(),
                             qs(r->reviewedAt),
                             r->note.empty() ? QString() : QStringLiteral(": ") + qs(r->note).toHtmlEscaped());
    if (finding->exampleCount > int(finding->examples.size()))
        html += tr("<p>Showing %1 of %2 examples.</p>").arg(finding->examples.size()).arg(finding->exampleCount);
    m_details->setHtml(html);
    for (const auto &ref : finding->examples)
        m_evidence->addItem(tr("%1 %2 example %3%4")
                                .arg(qs(ref.distribution), qs(std::string(splitName(ref.split))))
                                .arg(ref.position)
                                .arg(ref.response >= 0 ? tr(" · response %1").arg(ref.response) : QString()));
    m_reviewQueue->setEnabled(!finding->examples.empty());
    if (!finding->examples.empty())
        m_evidence->setCurrentRow(0);
    else
        m_example->clearExample(tr("This finding has no examples behind it."));
}

void AuditView::reviewSelected(const std::optional<std::string> &status, const QString &note)
{
    const Finding *finding = selectedFinding();
    if (!finding || !m_workspace)
        return;
    AuditStore store(*m_workspace);
    if (!status) {
        store.clearReview(finding->key);
    } else {
        FindingReview review;
        review.findingKey = finding->key;
        review.status = reviewStatusFromName(*status).value_or(ReviewStatus::Reviewed);
        review.note = ss(note);
        review.figureText = finding->figureText;
        review.author = ss(FlagDialog::annotatorName());
        store.setReview(review);
    }
    decorate(m_tree->currentItem(), *finding);
    showFinding();
}

} // namespace shiftscope
