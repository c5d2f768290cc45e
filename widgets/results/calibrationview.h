#pragma once

#include "widgets/results/resultsviewbase.h"

class QChartView;
class QLabel;
class QStandardItemModel;

namespace shiftscope {

struct CalibrationData;
struct ShiftPair;

//! Calibration of the context's model under one intervention (a combo over the context's interventions) on the
//! selected shift: reliability diagrams of the source (in-distribution) and target (generalization) evaluations
//! over a diagonal, and histograms of the probability given to the preferred response below. A label gives the
//! GENIES RMS and the corrected calibration errors, and warns when probabilities are hard 0/1.
class CalibrationView : public ResultsViewBase {
    Q_OBJECT
public:
    explicit CalibrationView(ResultsContext *context, QWidget *parent = nullptr);

    void refresh() override;
    QWidget *figureWidget() override;
    //! The bins: reliability and histogram counts per evaluation.
    QAbstractItemModel *tableModel() override;

    QChartView *reliabilityView() const { return m_reliabilityView; }
    QChartView *histogramView() const { return m_histogramView; }
    QLabel *summaryLabel() const { return m_summary; }

protected:
    //! The first chosen intervention with stored probabilities (ccs, for one, has none to calibrate).
    QString preferredIntervention() const override;

private:
    void buildReliabilityChart(const CalibrationData &results, const ShiftPair &shift);
    void buildHistogramChart(const CalibrationData &results);
    void fillSummary(const CalibrationData &results, const ShiftPair &shift);
    void fillTable(const CalibrationData &results);

    QWidget *m_figure;
    QLabel *m_summary;
    QChartView *m_reliabilityView;
    QChartView *m_histogramView;
    QStandardItemModel *m_table;
};

} // namespace shiftscope
