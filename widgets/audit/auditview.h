#pragma once

#include "audit/auditreport.h"
#include "widgets/shell/backgroundtask.h"
#include "util/progress.h"

#include <QPointer>
#include <functional>
#include <QWidget>
#include <memory>
#include <optional>

class QLabel;
class QListWidget;
class QPushButton;
class QTextBrowser;
class QTreeWidget;
class QTreeWidgetItem;

namespace shiftscope {

class ExampleView;
class Workspace;
struct ShiftPair;

//! Data-quality audit: a report per distribution and per shift with each check's figure and severity, the
//! examples behind a finding one click away, and review state (reviewed or dismissed, with a note) per finding.
class AuditView : public QWidget {
    Q_OBJECT
public:
    explicit AuditView(QWidget *parent = nullptr);
    ~AuditView() override;

    void setWorkspace(Workspace *workspace);
    //! Audits the shift's source, target and the shift itself in the background.
    void auditShift(const ShiftPair &shift);
    //! Audits every distribution and every complete shift of a catalogue in the background.
    void auditAll(std::int64_t catalogueId);
    void setReports(std::vector<AuditReport> reports);

    const std::vector<AuditReport> &reports() const { return m_reports; }
    QTreeWidget *tree() const { return m_tree; }
    QListWidget *evidence() const { return m_evidence; }
    ExampleView *exampleView() const { return m_example; }
    bool isBusy() const { return m_task != nullptr; }
    //! Marks the selected finding (reviewed or dismissed) with a note; clears the review when `status` is empty.
    void reviewSelected(const std::optional<std::string> &status, const QString &note);

signals:
    void auditFinished(bool ok);

private:
    void run(std::function<std::vector<AuditReport>(Workspace &, const ProgressCallback &)> work);
    void showFinding();
    const Finding *selectedFinding() const;
    void decorate(QTreeWidgetItem *item, const Finding &finding);

    Workspace *m_workspace = nullptr;
    std::vector<AuditReport> m_reports;
    QPointer<BackgroundTask> m_task;
    QLabel *m_status;
    QTreeWidget *m_tree;
    QTextBrowser *m_details;
    QListWidget *m_evidence;
    ExampleView *m_example;
    QPushButton *m_reviewed;
    QPushButton *m_dismiss;
    QPushButton *m_reopen;
    QPushButton *m_reviewQueue;
};

} // namespace shiftscope
