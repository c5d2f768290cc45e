#pragma once

#include "annotation/blindorder.h"

#include <QDialog>
#include <memory>

class QLabel;
class QTextBrowser;

namespace shiftscope {

class Workspace;
class WindowCover;

//! Blind relabelling: one pair at a time, its two responses in a seeded random order with no labels; the
//! annotator picks the better one (1 or A, 2 or B) or skips (S), Backspace goes back. Judgements are stored at
//! once; pairs this annotator already judged are left out. The footer shows agreement with the dataset so far.
//! While it is shown, the main window behind it hides its views, which would show the labels.
class RelabelDialog : public QDialog {
    Q_OBJECT
public:
    RelabelDialog(Workspace *workspace, const std::string &distribution, Split split, const QString &annotator,
                  std::uint64_t seed, QWidget *parent = nullptr);
    ~RelabelDialog() override;

    int remaining() const { return int(m_queue.size()) - m_index; }
    const BlindItem *currentItem() const;
    //! Records a pick for the current pair (0 first shown, 1 second shown, anything else skip) and moves on.
    void pick(int choice);
    QTextBrowser *view() const { return m_view; }

protected:
    void keyPressEvent(QKeyEvent *event) override;
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    void showCurrent();
    void updateFooter();

    Workspace *m_workspace;
    std::string m_distribution;
    std::string m_annotator;
    std::vector<BlindItem> m_queue;
    int m_index = 0;
    QLabel *m_header;
    QTextBrowser *m_view;
    QLabel *m_footer;
    std::unique_ptr<WindowCover> m_cover;
};

//! Agreement with the dataset per distribution and per annotator (with 95% intervals), and Cohen's kappa between
//! annotators, as HTML for a report pane.
QString relabelSummaryHtml(Workspace &workspace);

} // namespace shiftscope
