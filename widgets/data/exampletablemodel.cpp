#include "widgets/data/exampletablemodel.h"

#include "data/textpreview.h"
#include "widgets/shell/qtconvert.h"
#include "workspace/workspace.h"

#include <algorithm>

namespace shiftscope {

ExampleTableModel::ExampleTableModel(QObject *parent) : QAbstractTableModel(parent) {}

void ExampleTableModel::setQuery(Workspace *workspace, const ExampleQuery &query)
{
    m_fetching = true; // no fetchMore from views reacting to the reset
    beginResetModel();
    m_workspace = workspace;
    m_query = query;
    m_rows.clear();
    m_total = workspace ? workspace->countExamples(query) : 0;
    if (workspace)
        m_rows = page(0, kPageSize);
    endResetModel();
    m_fetching = false;
}

void ExampleTableModel::refresh()
{
    if (!m_workspace || m_rows.empty())
        return;
    const int loaded = int(m_rows.size());
    auto rows = page(0, loaded);
    if (int(rows.size()) != loaded) {
        setQuery(m_workspace, m_query);
        return;
    }
    m_rows = std::move(rows);
    emit dataChanged(index(0, 0), index(loaded - 1, ColumnCount - 1));
}

int ExampleTableModel::rowCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : int(m_rows.size()); }

int ExampleTableModel::columnCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant ExampleTableModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= int(m_rows.size()))
        return {};
    const ExampleSummary &row = m_rows[std::size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case PositionColumn: return row.position;
        case PromptColumn: return qs(promptPreview(row.prompt, 160));
        case PreferredColumn: return qs(oneLine(row.preferred, 120));
        case ResponsesColumn: return row.responseCount;
        case FlagsColumn:
            return row.annotationCount > 0 ? QVariant(QStringLiteral("⚑ %1").arg(row.annotationCount)) : QVariant();
        default: return {};
        }
    case Qt::ToolTipRole:
        if (index.column() == PromptColumn)
            return qs(oneLine(row.prompt, 600));
        if (index.column() == PreferredColumn)
            return qs(oneLine(row.preferred, 600));
        return {};
    case Qt::TextAlignmentRole:
        if (index.column() == PositionColumn || index.column() == ResponsesColumn)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case ExampleIdRole: return QVariant::fromValue<qlonglong>(row.id);
    case PositionRole: return row.position;
    default: return {};
    }
}

QVariant ExampleTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case PositionColumn: return tr("#");
    case PromptColumn: return tr("Prompt");
    case PreferredColumn: return tr("Preferred response");
    case ResponsesColumn: return tr("Responses");
    case FlagsColumn: return tr("Flags");
    default: return {};
    }
}

bool ExampleTableModel::canFetchMore(const QModelIndex &parent) const
{
    return !parent.isValid() && m_workspace && !m_fetching && int(m_rows.size()) < m_total;
}

void ExampleTableModel::fetchMore(const QModelIndex &parent)
{
    if (!canFetchMore(parent))
        return;
    auto next = page(int(m_rows.size()), kPageSize);
    if (next.empty()) {
        // The data changed under us (another import); stop asking for more.
        m_total = int(m_rows.size());
        return;
    }
    const int first = int(m_rows.size());
    // Views (and the model tester) may ask for more while the insertion is announced; one page at a time.
    m_fetching = true;
    beginInsertRows({}, first, first + int(next.size()) - 1);
    m_rows.insert(m_rows.end(), std::make_move_iterator(next.begin()), std::make_move_iterator(next.end()));
    endInsertRows();
    m_fetching = false;
}

bool ExampleTableModel::ensureRowLoaded(int row)
{
    while (row >= int(m_rows.size()) && canFetchMore({}))
        fetchMore({});
    return row >= 0 && row < int(m_rows.size());
}

int ExampleTableModel::rowOfPosition(int position)
{
    auto find = [&] {
        const auto it = std::find_if(m_rows.begin(), m_rows.end(),
                                     [position](const ExampleSummary &row) { return row.position == position; });
        return it == m_rows.end() ? -1 : int(it - m_rows.begin());
    };
    int row = find();
    // In position order the rows past it need not be loaded; in another order it may be anywhere.
    const bool byPosition = m_query.order == ExampleOrder::Position && !m_query.descending;
    while (row < 0 && canFetchMore({}) && (!byPosition || m_rows.empty() || m_rows.back().position < position)) {
        fetchMore({});
        row = find();
    }
    return row;
}

std::vector<ExampleSummary> ExampleTableModel::page(int offset, int limit) const
{
    // Position order pages by position (fast at any depth); another order by offset.
    if (m_query.order == ExampleOrder::Position && !m_query.descending)
        return m_workspace->examplePage(m_query, offset == 0 ? -1 : m_rows[std::size_t(offset) - 1].position, limit);
    return m_workspace->examplePageAt(m_query, offset, limit);
}

ExampleOrder ExampleTableModel::orderOfColumn(int column)
{
    switch (column) {
    case PromptColumn: return ExampleOrder::Prompt;
    case PreferredColumn: return ExampleOrder::Preferred;
    case ResponsesColumn: return ExampleOrder::Responses;
    case FlagsColumn: return ExampleOrder::Flags;
    default: return ExampleOrder::Position;
    }
}

void ExampleTableModel::sort(int column, Qt::SortOrder order)
{
    ExampleQuery query = m_query;
    query.order = orderOfColumn(column);
    query.descending = order == Qt::DescendingOrder;
    if (query.order == m_query.order && query.descending == m_query.descending)
        return;
    setQuery(m_workspace, query);
}

} // namespace shiftscope
