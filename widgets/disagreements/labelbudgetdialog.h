#pragma once

#include "analysis/labelbudget.h"
#include "widgets/disagreements/trustbar.h"

#include <QDialog>
#include <filesystem>
#include <memory>

class QAreaSeries;
class QCheckBox;
class QChartView;
class QLabel;
class QLineEdit;
class QLineSeries;
class QProgressBar;
class QScatterSeries;
class QPushButton;
class QSpinBox;
class QStackedWidget;
class QTableWidget;

namespace shiftscope {

class BackgroundTask;

//! The label budget of a run's evaluation, as the label-budget command computes it: the unit refitted with k
//! labelled target pairs, for each k, and its accuracy on the other target pairs, computed off the GUI thread and
//! plotted against k (mean of the draws, the band holding 95% of them, chance) for export as a slide.
class LabelBudgetDialog : public QDialog {
    Q_OBJECT
public:
    LabelBudgetDialog(Workspace *workspace, TrustSubject subject, QWidget *parent = nullptr);
    ~LabelBudgetDialog() override;

    QLineEdit *ksEdit() const { return m_ks; }
    QSpinBox *repeatsBox() const { return m_repeats; }
    //! Also refit with the blind relabelling's judged pairs, labelled as their annotators chose.
    QCheckBox *relabelsBox() const { return m_relabels; }
    //! The refit with the blind relabels, a single point at k = the judged pairs.
    QScatterSeries *relabelledSeries() const { return m_relabelled; }
    QPushButton *computeButton() const { return m_compute; }
    QPushButton *stopButton() const { return m_stop; }
    QPushButton *exportButton() const { return m_export; }
    QChartView *chartView() const { return m_chartView; }
    //! The mean accuracy per k, in percent.
    QLineSeries *meanSeries() const { return m_mean; }
    //! From the 2.5th to the 97.5th percentile of the draws per k, in percent.
    QAreaSeries *bandSeries() const { return m_band; }
    QTableWidget *figures() const { return m_figures; }
    //! What the dialog is doing, or a summary of the budget.
    QLabel *outcome() const { return m_outcome; }
    //! In the chart's place until a budget is computed: what to do, or why there is no budget.
    QLabel *message() const { return m_message; }
    //! Whether the chart is shown (a budget was computed), not a message in its place.
    bool chartShown() const;
    //! The last budget computed, if any.
    const LabelBudget *result() const { return m_result.get(); }

    //! Starts the computation with the ks and repeats entered; computed() or a message in outcome() follows.
    void compute();
    //! Blocks until a computation in progress has ended (tests, shutdown).
    void wait();
    //! Renders the chart into `path` (SVG or a raster image, by suffix) at `size`, in the large type of a slide.
    bool exportFigure(const QString &path, QSize size, QString *error = nullptr);

signals:
    void computed();

protected:
    void reject() override;

private:
    void showMessage(const QString &html);
    void showBudget(const LabelBudget &budget);
    //! The chart's theme and fonts (large while exporting or in presentation mode), then the series' colours.
    void restyle();
    void chooseFigureFile();

    //! The workspace's file: a connection of the task's own opens it, so the dialog outlives a workspace switch.
    std::filesystem::path m_workspacePath;
    TrustSubject m_subject;
    QLineEdit *m_ks;
    QSpinBox *m_repeats;
    QCheckBox *m_relabels;
    QPushButton *m_compute;
    QPushButton *m_stop;
    QPushButton *m_export;
    QProgressBar *m_progress;
    QStackedWidget *m_stack;
    QLabel *m_message;
    QChartView *m_chartView;
    QLineSeries *m_mean;
    QScatterSeries *m_points; //!< the mean's markers
    QLineSeries *m_low;
    QLineSeries *m_high;
    QAreaSeries *m_band;
    QLineSeries *m_chance;
    QScatterSeries *m_relabelled;
    QTableWidget *m_figures;
    QLabel *m_outcome;
    std::shared_ptr<LabelBudget> m_result;
    BackgroundTask *m_task = nullptr;
    bool m_slideType = false; //!< large type while exporting
};

} // namespace shiftscope
