#pragma once

#include "analysis/trust.h"

#include <QWidget>
#include <memory>
#include <optional>

class QLabel;
class QPushButton;

namespace shiftscope {

class BackgroundTask;
class Workspace;

//! The run evaluation whose trust the bar assesses.
struct TrustSubject {
    std::int64_t runId = 0;
    std::string intervention; //!< the unit's intervention
    std::string source;
    std::string target;
    QString label; //!< the evaluation's name in the results
};

//! Assesses, off the GUI thread, how far each target pair of a run's evaluation can be trusted without its label
//! (assessRunTrust: the trust command's numbers), says how well the trust predicts the evaluation's errors, and
//! sends the least trusted pairs to a review queue; it also opens the cue test and the label budget of the same
//! evaluation.
class TrustBar : public QWidget {
    Q_OBJECT
public:
    explicit TrustBar(QWidget *parent = nullptr);
    ~TrustBar() override;

    //! The evaluation to assess (none: the bar explains why it cannot). Forgets an earlier assessment.
    void setSubject(Workspace *workspace, std::optional<TrustSubject> subject);
    //! Starts the assessment; assessed() or a message in the status follows.
    void assess();
    //! Blocks until an assessment in progress has ended (tests, shutdown).
    void wait();
    //! The evaluation the bar is about, if it is a run's.
    const std::optional<TrustSubject> &subject() const { return m_subject; }
    //! The last assessment of the current subject, if any.
    const RunTrust *result() const { return m_result.get(); }
    //! The examples of the `count` least trusted pairs (each example once), least trusted first.
    std::vector<int> leastTrustedExamples(int count) const;

    QPushButton *assessButton() const { return m_assess; }
    QPushButton *reviewButton() const { return m_review; }
    //! Opens the cue test (CueDialog) on the same evaluation.
    QPushButton *cueButton() const { return m_cue; }
    //! Opens the label budget (LabelBudgetDialog) of the same evaluation.
    QPushButton *budgetButton() const { return m_budget; }
    QLabel *status() const { return m_status; }

signals:
    void assessed();
    void cleared();

private:
    void review();

    Workspace *m_workspace = nullptr;
    std::optional<TrustSubject> m_subject;
    std::shared_ptr<RunTrust> m_result;
    BackgroundTask *m_task = nullptr;
    QPushButton *m_assess;
    QPushButton *m_review;
    QPushButton *m_cue;
    QPushButton *m_budget;
    QLabel *m_status;
};

} // namespace shiftscope
