#pragma once

#include "results/resultanalysis.h"

#include <QAbstractTableModel>
#include <QColor>
#include <utility>
#include <vector>

namespace shiftscope {

//! How values map to cell colours: diverging (blue below 0, white at 0, red above; for differential elicitation)
//! or sequential (light to dark blue from the smallest to the largest value; for accuracies).
enum class ColourScale { Diverging, Sequential };

//! A ResultMatrix as a heat-coloured table. Column 0 holds the row labels (interventions), then come the matrix
//! columns (shifts), then, when asked for, one mean column per category. Transposed, the rows are the matrix
//! columns (shifts) with their category, the columns the matrix rows, and there are no mean columns, so that
//! sorting a column ranks shifts. Values show to 2 decimals; SortRole gives numbers, missing values lowest.
class ResultMatrixModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Role { ValueRole = Qt::UserRole + 1, SortRole };

    explicit ResultMatrixModel(QObject *parent = nullptr);

    //! `rowTitle` heads the label column ("Intervention"), `columnTitle` heads it when transposed ("Shift").
    void setMatrix(ResultMatrix matrix, ColourScale scale, const QString &rowTitle, const QString &columnTitle,
                   bool categoryMeans = true);
    const ResultMatrix &matrix() const { return m_matrix; }
    ColourScale scale() const { return m_scale; }
    void setTransposed(bool transposed);
    bool isTransposed() const { return m_transposed; }
    //! Shows one matrix column (the selected shift) in bold; -1 for none.
    void setHighlightedColumn(int matrixColumn);
    int highlightedColumn() const { return m_highlighted; }

    //! The matrix row or column behind a cell, or -1 (the label, category and mean cells have no matrix column).
    int matrixRowAt(const QModelIndex &index) const;
    int matrixColumnAt(const QModelIndex &index) const;
    //! The first column that holds values (after the label and category columns).
    int firstValueColumn() const { return m_transposed && hasCategoryColumn() ? 2 : 1; }
    //! A cell of matrix column `matrixColumn` (its first cell), or an invalid index.
    QModelIndex indexOfMatrixColumn(int matrixColumn) const;

    //! The range the colours span: symmetric around 0 when diverging, smallest to largest value when sequential.
    double colourLow() const { return m_low; }
    double colourHigh() const { return m_high; }
    static QColor colourFor(double value, ColourScale scale, double low, double high);
    //! Black or white, whichever reads better on `background`.
    static QColor textColourOn(const QColor &background);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    enum class Kind { Label, Category, Value, Mean };
    struct Cell {
        Kind kind = Kind::Label;
        int row = -1;    //!< matrix row
        int column = -1; //!< matrix column, or category index for a mean
    };
    Cell cellAt(int row, int column) const;
    std::optional<double> value(const Cell &cell) const;
    QString rowLabel(int row) const;
    QString columnLabel(int column) const;
    QString categoryName(const std::string &id) const;
    QVariant valueData(const Cell &cell, int role) const;
    bool hasCategoryColumn() const { return !m_categories.empty(); }

    ResultMatrix m_matrix;
    ColourScale m_scale = ColourScale::Diverging;
    QString m_rowTitle;
    QString m_columnTitle;
    bool m_showMeans = false;
    bool m_transposed = false;
    int m_highlighted = -1;
    std::vector<std::string> m_categories;                      //!< distinct, in order of first appearance
    std::vector<std::vector<std::optional<double>>> m_means;    //!< [matrix row][category]
    std::vector<std::vector<std::pair<int, int>>> m_meanCounts; //!< [matrix row][category]: (with a value, shifts)
    double m_low = 0;
    double m_high = 1;
};

} // namespace shiftscope
