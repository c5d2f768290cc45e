#include "widgets/results/transferview.h"

#include "widgets/results/matrixpanel.h"
#include "widgets/shell/qtconvert.h"
#include "widgets/results/resultscontext.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QSortFilterProxyModel>

namespace shiftscope {

TransferView::TransferView(ResultsContext *context, QWidget *parent)
    : ResultsViewBase(context, parent), m_panel(new MatrixPanel(this))
{
    interventionCombo();
    auto *transpose = new QCheckBox(tr("Transpose"), this);
    transpose->setToolTip(tr("Evaluated distributions as rows, so that sorting a column ranks them"));
    controls()->addWidget(transpose);
    setContent(m_panel);
    connect(transpose, &QCheckBox::toggled, m_panel, &MatrixPanel::setTransposed);
    connect(m_panel, &MatrixPanel::cellClicked, this, [this](int row, int column) { selectShift(row, column); });
}

void TransferView::refresh()
{
    if (const QString problem = scopeProblem(); !problem.isEmpty()) {
        showMessage(problem);
        return;
    }
    const QString intervention = interventionCombo()->currentText();
    ResultMatrix matrix = transferMatrix(*context()->workspace(), ss(context()->model()), ss(intervention));
    if (!hasValues(matrix)) {
        showMessage(tr("%1 has no %2 evaluations of trained models. Choose another intervention, or import results "
                       "with File → Import GENIES results…")
                        .arg(context()->model(), intervention));
        return;
    }
    m_panel->setTitle(tr("%1 · %2: accuracy of each training distribution (rows) on each evaluated distribution")
                          .arg(context()->model(), intervention));
    const bool transposed = m_panel->model()->isTransposed();
    m_panel->setMatrix(std::move(matrix), ColourScale::Sequential, tr("Trained on"), tr("Evaluated on"), false);
    m_panel->setTransposed(transposed);
    showContent();
}

void TransferView::selectShift(int row, int column)
{
    const ResultMatrix &matrix = m_panel->model()->matrix();
    if (row < 0 || column < 0 || !context()->workspace())
        return;
    const std::string &source = matrix.rowLabels[std::size_t(row)];
    const std::string &target = matrix.columnLabels[std::size_t(column)];
    for (const ShiftPair &shift : shiftsOf(*context()->workspace(), ShiftSet::All))
        if (shift.source == source && shift.target == target) {
            context()->selectShift(shift);
            return;
        }
}

QWidget *TransferView::figureWidget() { return m_panel; }

QAbstractItemModel *TransferView::tableModel() { return m_panel->proxy(); }

} // namespace shiftscope
