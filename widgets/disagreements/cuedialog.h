#pragma once

#include "analysis/cueanalysis.h"
#include "widgets/disagreements/trustbar.h"

#include <QDialog>
#include <filesystem>
#include <memory>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableWidget;

namespace shiftscope {

class BackgroundTask;

//! Tests a suspected cue on a run's evaluation, as the cue command does: the cue (a response's length, a regular
//! expression or a word list file), how much of the unit's preferences it explains on source and target, and the
//! unit's accuracy on a counterfactual target with the cue removed or swapped, scored off the GUI thread.
class CueDialog : public QDialog {
    Q_OBJECT
public:
    CueDialog(Workspace *workspace, TrustSubject subject, QWidget *parent = nullptr);
    ~CueDialog() override;

    QComboBox *kindBox() const { return m_kind; }
    QLineEdit *patternEdit() const { return m_pattern; }
    QComboBox *counterfactualBox() const { return m_counterfactual; }
    QPushButton *testButton() const { return m_test; }
    QTableWidget *figures() const { return m_figures; }
    QLabel *outcome() const { return m_outcome; }
    //! Starts the test; tested() or a message in outcome() follows.
    void test();
    void wait();

signals:
    void tested();

private:
    void kindChanged();
    void showReport(const CueReport &report);

    //! The workspace's file: a connection of the task's own opens it, so the dialog outlives a workspace switch.
    std::filesystem::path m_workspacePath;
    TrustSubject m_subject;
    QComboBox *m_kind;
    QLineEdit *m_pattern;
    QPushButton *m_browse;
    QComboBox *m_counterfactual;
    QPushButton *m_test;
    QTableWidget *m_figures;
    QLabel *m_outcome;
    BackgroundTask *m_task = nullptr;
};

} // namespace shiftscope
