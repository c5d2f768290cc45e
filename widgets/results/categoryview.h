#pragma once

#include "widgets/results/resultsviewbase.h"

class QChartView;

namespace shiftscope {

class ResultMatrixModel;

//! Mean differential elicitation per shift category (groups of bars) and intervention (one bar each) for the
//! context's model over its shift set. Categories without any result are left out.
class CategoryView : public ResultsViewBase {
    Q_OBJECT
public:
    explicit CategoryView(ResultsContext *context, QWidget *parent = nullptr);

    void refresh() override;
    QWidget *figureWidget() override;
    //! The category means as a table (interventions × categories).
    QAbstractItemModel *tableModel() override;

    QChartView *chartView() const { return m_view; }

private:
    QChartView *m_view;
    ResultMatrixModel *m_table;
};

} // namespace shiftscope
