#include "widgets/results/resultmatrixmodel.h"

#include "genies/shiftcatalogue.h"
#include "widgets/shell/qtconvert.h"

#include <QBrush>
#include <QFont>
#include <QLocale>
#include <algorithm>
#include <cmath>
#include <limits>

namespace shiftscope {

namespace {
QColor mix(const QColor &from, const QColor &to, double t)
{
    auto channel = [t](int a, int b) { return int(std::lround(a + (b - a) * t)); };
    return QColor(channel(from.red(), to.red()), channel(from.green(), to.green()), channel(from.blue(), to.blue()));
}

QString fullValue(double value) { return QString::number(value, 'g', QLocale::FloatingPointShortest); }
} // namespace

ResultMatrixModel::ResultMatrixModel(QObject *parent) : QAbstractTableModel(parent) {}

void ResultMatrixModel::setMatrix(ResultMatrix matrix, ColourScale scale, const QString &rowTitle,
                                  const QString &columnTitle, bool categoryMeans)
{
    beginResetModel();
    m_matrix = std::move(matrix);
    m_matrix.columnCategories.resize(m_matrix.columnLabels.size());
    m_scale = scale;
    m_rowTitle = rowTitle;
    m_columnTitle = columnTitle;
    m_highlighted = -1;
    m_categories.clear();
    for (const auto &category : m_matrix.columnCategories)
        if (!category.empty() && std::find(m_categories.begin(), m_categories.end(), category) == m_categories.end())
            m_categories.push_back(category);
    m_showMeans = categoryMeans && !m_categories.empty();
    m_means.assign(m_matrix.values.size(), {});
    m_meanCounts.clear();
    double low = std::numeric_limits<double>::infinity(), high = -low;
    for (std::size_t r = 0; r < m_matrix.values.size(); ++r) {
        const auto &values = m_matrix.values[r];
        m_meanCounts.emplace_back();
        for (const auto &category : m_categories) {
            // A category's mean is over all its shifts in the matrix: one over some of them would not compare
            // with the other rows' means.
            double sum = 0;
            int count = 0, shifts = 0;
            for (std::size_t c = 0; c < m_matrix.columnCategories.size(); ++c)
                if (m_matrix.columnCategories[c] == category) {
                    ++shifts;
                    if (c < values.size() && values[c]) {
                        sum += *values[c];
                        ++count;
                    }
                }
            m_means[r].push_back(count == shifts && count > 0 ? std::optional<double>(sum / count) : std::nullopt);
            m_meanCounts[r].emplace_back(count, shifts);
        }
        for (const auto &v : values)
            if (v && std::isfinite(*v)) {
                low = std::min(low, *v);
                high = std::max(high, *v);
            }
    }
    if (!(low <= high))
        low = high = 0;
    if (m_scale == ColourScale::Diverging) {
        const double limit = std::max({std::fabs(low), std::fabs(high), 1e-9});
        m_low = -limit;
        m_high = limit;
    } else {
        m_low = low;
        m_high = high > low ? high : low + 1e-9;
    }
    endResetModel();
}

void ResultMatrixModel::setTransposed(bool transposed)
{
    if (transposed == m_transposed)
        return;
    beginResetModel();
    m_transposed = transposed;
    endResetModel();
}

void ResultMatrixModel::setHighlightedColumn(int matrixColumn)
{
    if (matrixColumn == m_highlighted)
        return;
    m_highlighted = matrixColumn;
    if (rowCount() > 0 && columnCount() > 0)
        emit dataChanged(index(0, 0), index(rowCount() - 1, columnCount() - 1), {Qt::FontRole});
    if (columnCount() > 0)
        emit headerDataChanged(Qt::Horizontal, 0, columnCount() - 1);
}

ResultMatrixModel::Cell ResultMatrixModel::cellAt(int row, int column) const
{
    const int matrixColumns = int(m_matrix.columnLabels.size());
    if (!m_transposed) {
        if (column == 0)
            return {Kind::Label, row, -1};
        if (column <= matrixColumns)
            return {Kind::Value, row, column - 1};
        return {Kind::Mean, row, column - 1 - matrixColumns};
    }
    if (column == 0)
        return {Kind::Label, -1, row};
    if (column == 1 && hasCategoryColumn())
        return {Kind::Category, -1, row};
    return {Kind::Value, column - firstValueColumn(), row};
}

std::optional<double> ResultMatrixModel::value(const Cell &cell) const
{
    if ((cell.kind != Kind::Value && cell.kind != Kind::Mean) || cell.row < 0 || cell.row >= int(m_matrix.values.size())
        || cell.column < 0)
        return std::nullopt;
    const auto &values = cell.kind == Kind::Mean ? m_means[std::size_t(cell.row)]
                                                 : m_matrix.values[std::size_t(cell.row)];
    return cell.column < int(values.size()) ? values[std::size_t(cell.column)] : std::nullopt;
}

QString ResultMatrixModel::rowLabel(int row) const { return qs(m_matrix.rowLabels[std::size_t(row)]); }

QString ResultMatrixModel::columnLabel(int column) const { return qs(m_matrix.columnLabels[std::size_t(column)]); }

QString ResultMatrixModel::categoryName(const std::string &id) const
{
    return id.empty() ? QString() : qs(categoryDisplayName(id));
}

int ResultMatrixModel::matrixRowAt(const QModelIndex &index) const
{
    return index.isValid() && index.model() == this ? cellAt(index.row(), index.column()).row : -1;
}

int ResultMatrixModel::matrixColumnAt(const QModelIndex &index) const
{
    if (!index.isValid() || index.model() != this)
        return -1;
    const Cell cell = cellAt(index.row(), index.column());
    return cell.kind == Kind::Mean ? -1 : cell.column;
}

QModelIndex ResultMatrixModel::indexOfMatrixColumn(int matrixColumn) const
{
    if (matrixColumn < 0 || matrixColumn >= int(m_matrix.columnLabels.size()))
        return {};
    return m_transposed ? index(matrixColumn, 0) : index(0, matrixColumn + 1);
}

int ResultMatrixModel::rowCount(const QModelIndex &parent) const
{
    if (parent.isValid())
        return 0;
    return int(m_transposed ? m_matrix.columnLabels.size() : m_matrix.rowLabels.size());
}

int ResultMatrixModel::columnCount(const QModelIndex &parent) const
{
    if (parent.isValid())
        return 0;
    if (m_transposed)
        return 1 + (hasCategoryColumn() ? 1 : 0) + int(m_matrix.rowLabels.size());
    return 1 + int(m_matrix.columnLabels.size()) + (m_showMeans ? int(m_categories.size()) : 0);
}

QVariant ResultMatrixModel::valueData(const Cell &cell, int role) const
{
    const auto v = value(cell);
    const QColor background = v ? colourFor(*v, m_scale, m_low, m_high) : QColor();
    switch (role) {
    case Qt::DisplayRole: return v ? QString::number(*v, 'f', 2) : QString();
    case Qt::EditRole: // the value itself, which CSV exports write at full precision
    case ValueRole: return v ? QVariant(*v) : QVariant();
    case SortRole: return v ? *v : std::numeric_limits<double>::lowest();
    case Qt::BackgroundRole: return v ? QBrush(background) : QBrush(QColor(0xc8c8c8), Qt::BDiagPattern);
    case Qt::ForegroundRole: return v ? QBrush(textColourOn(background)) : QVariant();
    case Qt::TextAlignmentRole: return QVariant::fromValue(Qt::Alignment(Qt::AlignCenter));
    case Qt::ToolTipRole: {
        const auto column = std::size_t(cell.column);
        const QString what =
            cell.kind == Kind::Mean
                ? tr("%1 · mean over the %2 shifts").arg(rowLabel(cell.row), categoryName(m_categories[column]))
                : tr("%1 %2 · %3 %4").arg(m_rowTitle, rowLabel(cell.row), m_columnTitle, columnLabel(cell.column));
        const std::string category = cell.kind == Kind::Value ? m_matrix.columnCategories[column] : std::string();
        const QString inCategory = category.empty() ? QString() : tr(" (%1)").arg(categoryName(category));
        if (cell.kind == Kind::Mean && !v) {
            const auto [count, shifts] = m_meanCounts[std::size_t(cell.row)][column];
            return QStringLiteral("%1\n%2").arg(
                what,
                tr("no mean: %1 of the %2 shifts have a result").arg(QString::number(count), QString::number(shifts)));
        }
        return QStringLiteral("%1%2\n%3").arg(what, inCategory, v ? fullValue(*v) : tr("no result"));
    }
    case Qt::FontRole: {
        QFont font;
        font.setBold(cell.kind == Kind::Value && cell.column == m_highlighted);
        font.setItalic(cell.kind == Kind::Mean);
        return font;
    }
    default: return {};
    }
}

QVariant ResultMatrixModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Cell cell = cellAt(index.row(), index.column());
    if (cell.kind == Kind::Value || cell.kind == Kind::Mean)
        return valueData(cell, role);
    const QString text = cell.kind == Kind::Label ? (m_transposed ? columnLabel(cell.column) : rowLabel(cell.row))
                                                  : categoryName(m_matrix.columnCategories[std::size_t(cell.column)]);
    switch (role) {
    case Qt::DisplayRole:
    case Qt::ToolTipRole:
    case SortRole: return text;
    case Qt::FontRole: {
        QFont font;
        font.setBold(cell.kind == Kind::Label && m_transposed && cell.column == m_highlighted);
        return font;
    }
    default: return {};
    }
}

QVariant ResultMatrixModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || section < 0 || section >= columnCount())
        return QAbstractTableModel::headerData(section, orientation, role);
    const Cell cell = cellAt(-1, section);
    QString text;
    switch (cell.kind) {
    case Kind::Label: text = m_transposed ? m_columnTitle : m_rowTitle; break;
    case Kind::Category: text = tr("Category"); break;
    case Kind::Value:
        // Shift labels break before the arrow so that columns stay narrow.
        text = m_transposed ? rowLabel(cell.row)
                            : columnLabel(cell.column).replace(QStringLiteral(" → "), QStringLiteral("\n→ "));
        break;
    case Kind::Mean: text = tr("Mean\n%1").arg(categoryName(m_categories[std::size_t(cell.column)])); break;
    }
    switch (role) {
    case Qt::DisplayRole: return text;
    case Qt::ToolTipRole: return QString(text).replace(QLatin1Char('\n'), QLatin1Char(' '));
    case Qt::InitialSortOrderRole:
        // Values rank best first; labels sort alphabetically.
        return int(cell.kind == Kind::Value || cell.kind == Kind::Mean ? Qt::DescendingOrder : Qt::AscendingOrder);
    case Qt::ForegroundRole:
        // Not a font: a header font from the model would replace the view's (presentation mode's large) one.
        if (!m_transposed && cell.kind == Kind::Value && cell.column == m_highlighted)
            return QBrush(QColor(0xd55e00));
        return {};
    default: return {};
    }
}

QColor ResultMatrixModel::colourFor(double value, ColourScale scale, double low, double high)
{
    if (scale == ColourScale::Diverging) {
        // ColorBrewer RdBu ends around a neutral white.
        const double limit = std::max({std::fabs(low), std::fabs(high), 1e-9});
        const double t = std::clamp(value / limit, -1.0, 1.0);
        return t < 0 ? mix(QColor(0xf7f7f7), QColor(0x2166ac), -t) : mix(QColor(0xf7f7f7), QColor(0xb2182b), t);
    }
    const double t = high > low ? std::clamp((value - low) / (high - low), 0.0, 1.0) : 1.0;
    return mix(QColor(0xf7fbff), QColor(0x08519c), t); // ColorBrewer Blues
}

QColor ResultMatrixModel::textColourOn(const QColor &background)
{
    const double luminance = 0.299 * background.red() + 0.587 * background.green() + 0.114 * background.blue();
    return luminance < 140 ? QColor(Qt::white) : QColor(Qt::black);
}

} // namespace shiftscope
