#pragma once

#include "widgets/results/resultsviewbase.h"

namespace shiftscope {

class MatrixPanel;

//! Transfer matrix of the context's model and one intervention (chosen in a combo over the context's
//! interventions): the accuracy of each training distribution (rows) on each evaluated distribution (columns).
//! Clicking a cell whose row and column form a catalogue shift selects that shift.
class TransferView : public ResultsViewBase {
    Q_OBJECT
public:
    explicit TransferView(ResultsContext *context, QWidget *parent = nullptr);

    void refresh() override;
    QWidget *figureWidget() override;
    QAbstractItemModel *tableModel() override;

    MatrixPanel *panel() const { return m_panel; }

private:
    void selectShift(int row, int column);

    MatrixPanel *m_panel;
};

} // namespace shiftscope
