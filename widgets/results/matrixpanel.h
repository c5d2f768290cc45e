#pragma once

#include "widgets/results/resultmatrixmodel.h"

#include <QWidget>

class QLabel;
class QSortFilterProxyModel;
class QTableView;

namespace shiftscope {

class RotatedHeaderView;

//! A ResultMatrix as a figure: a title, the heat-coloured table (sorted by clicking a header) and a colour key.
//! The heatmap and transfer views show their matrices in one.
class MatrixPanel : public QWidget {
    Q_OBJECT
public:
    explicit MatrixPanel(QWidget *parent = nullptr);

    void setTitle(const QString &title);
    //! Shows `matrix` (see ResultMatrixModel::setMatrix) in its own order: any sorting is cleared.
    void setMatrix(ResultMatrix matrix, ColourScale scale, const QString &rowTitle, const QString &columnTitle,
                   bool categoryMeans);
    //! Swaps rows and columns, so that sorting ranks the matrix columns; clears any sorting.
    void setTransposed(bool transposed);
    //! Marks matrix column `matrixColumn` (-1 for none) and scrolls it into view.
    void highlightColumn(int matrixColumn);

    ResultMatrixModel *model() const { return m_model; }
    //! The sorted table as shown.
    QSortFilterProxyModel *proxy() const { return m_proxy; }
    QTableView *table() const { return m_table; }
    //! Title, whole table and colour key: the size figures are laid out at before they are scaled.
    QSize sizeHint() const override;

signals:
    //! A cell was clicked: its matrix row and column, -1 where it has none (labels, means).
    void cellClicked(int matrixRow, int matrixColumn);
    void cellDoubleClicked(int matrixRow, int matrixColumn);

protected:
    void resizeEvent(QResizeEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    void revealHighlight();
    void clearSorting();
    void fitTable();
    void updateKey();

    QLabel *m_title;
    QTableView *m_table;
    RotatedHeaderView *m_header;
    QLabel *m_key;
    ResultMatrixModel *m_model;
    QSortFilterProxyModel *m_proxy;
};

} // namespace shiftscope
