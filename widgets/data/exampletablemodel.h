#pragma once

#include "workspace/records.h"

#include <QAbstractTableModel>
#include <vector>

namespace shiftscope {

class Workspace;

//! Examples of one distribution split, loaded page by page from the workspace as the view scrolls
//! (canFetchMore/fetchMore), so 100,000-example distributions stay fluid.
class ExampleTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { PositionColumn, PromptColumn, PreferredColumn, ResponsesColumn, FlagsColumn, ColumnCount };
    enum Role { ExampleIdRole = Qt::UserRole + 1, PositionRole };
    static constexpr int kPageSize = 256;

    explicit ExampleTableModel(QObject *parent = nullptr);

    //! Shows the examples matching `query` from `workspace` (null clears the model).
    void setQuery(Workspace *workspace, const ExampleQuery &query);
    const ExampleQuery &query() const { return m_query; }
    //! Number of examples matching the query, loaded or not.
    int totalCount() const { return m_total; }
    //! Re-reads the rows already shown (after annotations change), keeping their number.
    void refresh();

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;

    //! Loads pages until `row` is present (for jumping to an example); false if the row does not exist.
    bool ensureRowLoaded(int row);
    //! Row of the example at file position `position`, loading pages as needed; -1 when it is not shown.
    int rowOfPosition(int position);
    //! Sorts by any column, in the workspace's query (the rows are paged, not all loaded).
    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;
    //! The order a click on `column`'s header sorts by.
    static ExampleOrder orderOfColumn(int column);

private:
    //! Rows [offset, offset + limit) of the query.
    std::vector<ExampleSummary> page(int offset, int limit) const;
    Workspace *m_workspace = nullptr;
    ExampleQuery m_query;
    std::vector<ExampleSummary> m_rows;
    int m_total = 0;
    bool m_fetching = false;
};

} // namespace shiftscope
