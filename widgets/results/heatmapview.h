#pragma once

#include "results/resultanalysis.h"
#include "widgets/results/resultsviewbase.h"

#include <vector>

class QCheckBox;
class QComboBox;

namespace shiftscope {

class MatrixPanel;

//! Intervention × shift heatmap of differential elicitation or generalization accuracy for the context's model,
//! over its shift set, with a mean column per category. Sorting a column ranks interventions; transposed, it ranks
//! shifts. Clicking a shift's cell selects the shift.
class HeatmapView : public ResultsViewBase {
    Q_OBJECT
public:
    explicit HeatmapView(ResultsContext *context, QWidget *parent = nullptr);

    void refresh() override;
    QWidget *figureWidget() override;
    QAbstractItemModel *tableModel() override;

    MatrixPanel *panel() const { return m_panel; }
    void setMetric(HeatmapMetric metric);
    void setTransposed(bool transposed);

protected:
    void prepareExport(bool exporting, bool withSelection) override;

private:
    void highlight(const ShiftPair &shift);

    QComboBox *m_metric;
    QCheckBox *m_transpose;
    MatrixPanel *m_panel;
    std::vector<ShiftPair> m_shifts; //!< the matrix columns
};

} // namespace shiftscope
