#pragma once

#include "analysis/tokenevidence.h"
#include "widgets/disagreements/trustbar.h"

#include <QDialog>
#include <filesystem>
#include <memory>

class QLabel;
class QProgressBar;
class QPushButton;
class QScrollArea;

namespace shiftscope {

class BackgroundTask;
class TokenEvidenceView;

//! One target pair of a run's evaluation read token by token (tokenEvidence: the token-evidence command's
//! numbers), computed off the GUI thread as soon as the dialog opens and shown as a figure that exports as a slide.
class TokenEvidenceDialog : public QDialog {
    Q_OBJECT
public:
    //! Without a workspace nothing is computed: setEvidence() gives the dialog its figure.
    TokenEvidenceDialog(Workspace *workspace, TrustSubject subject, int pairIndex, QWidget *parent = nullptr);
    ~TokenEvidenceDialog() override;

    TokenEvidenceView *view() const { return m_view; }
    QScrollArea *scrollArea() const { return m_scroll; }
    QPushButton *exportButton() const { return m_export; }
    //! What the dialog is doing, or why there is no figure.
    QLabel *outcome() const { return m_outcome; }
    int pairIndex() const { return m_pairIndex; }
    //! The evidence shown, if any.
    const TokenEvidence *result() const;

    //! Shows `evidence` as if it had been computed (tests, hand-made figures).
    void setEvidence(const TokenEvidence &evidence);
    //! Starts reading the pair; computed() or a message in outcome() follows.
    void compute();
    //! Blocks until a computation in progress has ended (tests, shutdown).
    void wait();
    //! Renders the figure into `path` (SVG or a raster image, by suffix) at `size`, in the large type of a slide.
    bool exportFigure(const QString &path, QSize size, QString *error = nullptr);

signals:
    void computed();

protected:
    void reject() override;

private:
    void chooseFigureFile();

    std::filesystem::path m_workspacePath; //!< read on the worker through a connection of its own
    TrustSubject m_subject;
    int m_pairIndex;
    TokenEvidenceView *m_view;
    QScrollArea *m_scroll;
    QProgressBar *m_progress;
    QLabel *m_outcome;
    QPushButton *m_export;
    BackgroundTask *m_task = nullptr;
};

} // namespace shiftscope
