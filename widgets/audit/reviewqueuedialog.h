#pragma once

#include "audit/auditreport.h"

#include <QDialog>
#include <vector>

class QLabel;

namespace shiftscope {

class ExampleView;
class Workspace;

//! A keyboard-driven pass over a list of examples (a shift's split, an audit finding's evidence, a disagreement
//! filter's pairs): → or N next, ← or P previous, 1–4 flag as bad pair, ambiguous, mislabeled or other, F flag
//! with a note, Esc done. Flags are stored at once.
class ReviewQueueDialog : public QDialog {
    Q_OBJECT
public:
    ReviewQueueDialog(Workspace *workspace, std::vector<ExampleRef> items, const QString &title,
                      QWidget *parent = nullptr);

    int current() const { return m_current; }
    int count() const { return int(m_items.size()); }
    void show(int index);
    ExampleView *exampleView() const { return m_view; }
    //! Flags the current item without asking (the number keys); returns false when there is nothing to flag.
    bool quickFlag(const std::string &flag);

signals:
    void flagged();

protected:
    void keyPressEvent(QKeyEvent *event) override;

private:
    void flagWithDialog();

    Workspace *m_workspace;
    std::vector<ExampleRef> m_items;
    int m_current = -1;
    QLabel *m_position;
    ExampleView *m_view;
};

} // namespace shiftscope
