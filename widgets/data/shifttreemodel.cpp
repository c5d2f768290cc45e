#include "widgets/data/shifttreemodel.h"

#include "genies/shiftcatalogue.h"
#include "widgets/shell/qtconvert.h"

#include <QBrush>
#include <QFont>
#include <QPalette>
#include <algorithm>

namespace shiftscope {

// Category rows carry internalId 0; a shift row carries 1 + the index of its category.

ShiftTreeModel::ShiftTreeModel(QObject *parent) : QAbstractItemModel(parent) {}

void ShiftTreeModel::setShifts(std::vector<ShiftPair> shifts, std::set<std::string> presentDistributions)
{
    beginResetModel();
    m_categories.clear();
    m_present = std::move(presentDistributions);
    // Known categories first, in their usual order; then any others a user file brings, alphabetically.
    for (const auto &known : geniesCategories())
        m_categories.push_back({known.id, {}});
    for (auto &shift : shifts) {
        auto it = std::find_if(m_categories.begin(), m_categories.end(),
                               [&](const Category &c) { return c.id == shift.category; });
        if (it == m_categories.end()) {
            m_categories.push_back({shift.category, {}});
            it = std::prev(m_categories.end());
        }
        it->shifts.push_back(std::move(shift));
    }
    std::sort(m_categories.begin() + std::ptrdiff_t(geniesCategories().size()), m_categories.end(),
              [](const Category &a, const Category &b) { return a.id < b.id; });
    m_categories.erase(
        std::remove_if(m_categories.begin(), m_categories.end(), [](const Category &c) { return c.shifts.empty(); }),
        m_categories.end());
    endResetModel();
}

const ShiftPair *ShiftTreeModel::shiftAt(const QModelIndex &index) const
{
    if (!index.isValid() || index.internalId() == 0)
        return nullptr;
    const auto &category = m_categories[std::size_t(index.internalId() - 1)];
    return &category.shifts[std::size_t(index.row())];
}

QModelIndex ShiftTreeModel::indexOf(const std::string &source, const std::string &target) const
{
    for (std::size_t c = 0; c < m_categories.size(); ++c)
        for (std::size_t s = 0; s < m_categories[c].shifts.size(); ++s)
            if (m_categories[c].shifts[s].source == source && m_categories[c].shifts[s].target == target)
                return createIndex(int(s), 0, quintptr(c + 1));
    return {};
}

std::vector<std::string> ShiftTreeModel::missingDistributions(const ShiftPair &shift) const
{
    std::vector<std::string> missing;
    for (const std::string *id : {&shift.source, &shift.target, &shift.effectiveReference()})
        if (!m_present.count(*id) && std::find(missing.begin(), missing.end(), *id) == missing.end())
            missing.push_back(*id);
    return missing;
}

QModelIndex ShiftTreeModel::index(int row, int column, const QModelIndex &parent) const
{
    if (!hasIndex(row, column, parent))
        return {};
    if (!parent.isValid())
        return createIndex(row, column, quintptr(0));
    return createIndex(row, column, quintptr(parent.row() + 1));
}

QModelIndex ShiftTreeModel::parent(const QModelIndex &child) const
{
    if (!child.isValid() || child.internalId() == 0)
        return {};
    return createIndex(int(child.internalId() - 1), 0, quintptr(0));
}

int ShiftTreeModel::rowCount(const QModelIndex &parent) const
{
    if (!parent.isValid())
        return int(m_categories.size());
    if (parent.internalId() == 0 && parent.column() == 0)
        return int(m_categories[std::size_t(parent.row())].shifts.size());
    return 0;
}

int ShiftTreeModel::columnCount(const QModelIndex &) const { return 1; }

QVariant ShiftTreeModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid())
        return {};
    if (index.internalId() == 0) {
        const Category &category = m_categories[std::size_t(index.row())];
        switch (role) {
        case Qt::DisplayRole:
            return QStringLiteral("%1 (%2)").arg(qs(categoryDisplayName(category.id))).arg(category.shifts.size());
        case Qt::FontRole: {
            QFont font;
            font.setBold(true);
            return font;
        }
        case IsCategoryRole: return true;
        default: return {};
        }
    }
    const ShiftPair &shift = *shiftAt(index);
    const auto missing = missingDistributions(shift);
    switch (role) {
    case Qt::DisplayRole:
        return QStringLiteral("%1%2 → %3")
            .arg(shift.isGenies() ? QStringLiteral("★ ") : QString(), qs(shift.source), qs(shift.target));
    case Qt::ToolTipRole: {
        QString tip = QStringLiteral("%1 → %2").arg(qs(shift.source), qs(shift.target));
        if (!shift.targetReference.empty())
            tip += tr("\nTarget reference: %1").arg(qs(shift.targetReference));
        if (shift.isGenies())
            tip += tr("\nGENIES benchmark pair #%1").arg(shift.geniesRank);
        if (!missing.empty()) {
            QStringList names;
            for (const auto &m : missing)
                names << qs(m);
            tip += tr("\nIncomplete: not in the workspace: %1").arg(names.join(QStringLiteral(", ")));
        }
        return tip;
    }
    case Qt::FontRole:
        if (shift.isGenies()) {
            QFont font;
            font.setBold(true);
            return font;
        }
        return {};
    case Qt::ForegroundRole:
        if (!missing.empty())
            return QBrush(QPalette().color(QPalette::Disabled, QPalette::Text));
        return {};
    case GeniesRole: return shift.isGenies();
    case CompleteRole: return missing.empty();
    case IsCategoryRole: return false;
    default: return {};
    }
}

QVariant ShiftTreeModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (section == 0 && orientation == Qt::Horizontal && role == Qt::DisplayRole)
        return tr("Shift");
    return {};
}

} // namespace shiftscope
