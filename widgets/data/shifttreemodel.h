#pragma once

#include "data/types.h"

#include <QAbstractItemModel>
#include <set>
#include <string>
#include <vector>

namespace shiftscope {

//! Shift catalogue as a two-level tree: category -> shift pairs (duplicates already removed by the caller).
//! GENIES benchmark pairs are starred and bold; pairs whose distributions are not in the workspace are greyed
//! and say which are missing.
class ShiftTreeModel : public QAbstractItemModel {
    Q_OBJECT
public:
    enum Role { GeniesRole = Qt::UserRole + 1, CompleteRole, IsCategoryRole };

    explicit ShiftTreeModel(QObject *parent = nullptr);

    void setShifts(std::vector<ShiftPair> shifts, std::set<std::string> presentDistributions);
    //! The shift behind an index, or null for a category row.
    const ShiftPair *shiftAt(const QModelIndex &index) const;
    QModelIndex indexOf(const std::string &source, const std::string &target) const;
    std::vector<std::string> missingDistributions(const ShiftPair &shift) const;

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Category {
        std::string id;
        std::vector<ShiftPair> shifts;
    };
    std::vector<Category> m_categories;
    std::set<std::string> m_present;
};

} // namespace shiftscope
