#include "widgets/data/shiftnavigator.h"

#include "widgets/shell/qtconvert.h"
#include "widgets/data/shifttreemodel.h"
#include "workspace/workspace.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHeaderView>
#include <QLineEdit>
#include <QSortFilterProxyModel>
#include <QTreeView>
#include <QVBoxLayout>

namespace shiftscope {

namespace {
constexpr int kNameRole = Qt::UserRole + 1;

//! Text filter over shifts that keeps categories with a match, plus an optional "GENIES pairs only" switch.
class ShiftFilterProxy : public QSortFilterProxyModel {
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;
    void setGeniesOnly(bool on)
    {
        m_geniesOnly = on;
        invalidateFilter();
    }

protected:
    bool filterAcceptsRow(int row, const QModelIndex &parent) const override
    {
        const QModelIndex index = sourceModel()->index(row, 0, parent);
        if (index.data(ShiftTreeModel::IsCategoryRole).toBool())
            return false; // shown only through a matching child (recursive filtering)
        if (m_geniesOnly && !index.data(ShiftTreeModel::GeniesRole).toBool())
            return false;
        return QSortFilterProxyModel::filterAcceptsRow(row, parent);
    }

private:
    bool m_geniesOnly = false;
};
} // namespace

ShiftNavigator::ShiftNavigator(QWidget *parent)
    : QWidget(parent),
      m_catalogues(new QComboBox(this)),
      m_filter(new QLineEdit(this)),
      m_geniesOnly(new QCheckBox(tr("GENIES pairs only"), this)),
      m_tree(new QTreeView(this)),
      m_model(new ShiftTreeModel(this)),
      m_proxy(new ShiftFilterProxy(this))
{
    m_catalogues->setToolTip(tr("Shift catalogue"));
    m_filter->setPlaceholderText(tr("Filter shifts (e.g. alpaca, sycophancy)"));
    m_filter->setClearButtonEnabled(true);
    m_filter->setObjectName(QStringLiteral("shiftFilter"));
    m_proxy->setSourceModel(m_model);
    m_proxy->setRecursiveFilteringEnabled(true);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_tree->setModel(m_proxy);
    m_tree->setHeaderHidden(true);
    m_tree->setUniformRowHeights(true);
    m_tree->setTextElideMode(Qt::ElideMiddle); // a narrow dock keeps both ends of "source → target"
    m_tree->setObjectName(QStringLiteral("shiftTree"));

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_catalogues);
    layout->addWidget(m_filter);
    layout->addWidget(m_geniesOnly);
    layout->addWidget(m_tree, 1);

    connect(m_filter, &QLineEdit::textChanged, this, [this](const QString &text) {
        m_proxy->setFilterFixedString(text);
        m_tree->expandAll();
    });
    connect(m_geniesOnly, &QCheckBox::toggled, this, [this](bool on) {
        static_cast<ShiftFilterProxy *>(m_proxy)->setGeniesOnly(on);
        m_tree->expandAll();
    });
    connect(m_catalogues, &QComboBox::currentIndexChanged, this, [this] { loadCatalogue(); });
    connect(m_tree->selectionModel(), &QItemSelectionModel::currentChanged, this, [this] { onCurrentChanged(); });
}

void ShiftNavigator::setWorkspace(Workspace *workspace)
{
    m_workspace = workspace;
    reload();
}

void ShiftNavigator::reload()
{
    const QString previous = currentCatalogue();
    QSignalBlocker block(m_catalogues);
    m_catalogues->clear();
    if (m_workspace) {
        for (const auto &info : m_workspace->catalogues()) {
            m_catalogues->addItem(tr("%1 (%2 shifts)").arg(qs(info.name)).arg(info.uniqueShifts),
                                  QVariant::fromValue<qlonglong>(info.id));
            m_catalogues->setItemData(m_catalogues->count() - 1, qs(info.name), kNameRole);
        }
        const int index = m_catalogues->findData(previous, kNameRole);
        if (index >= 0)
            m_catalogues->setCurrentIndex(index);
    }
    loadCatalogue();
}

QString ShiftNavigator::currentCatalogue() const { return m_catalogues->currentData(kNameRole).toString(); }

void ShiftNavigator::setCurrentCatalogue(const QString &name)
{
    const int index = m_catalogues->findData(name, kNameRole);
    if (index >= 0)
        m_catalogues->setCurrentIndex(index);
}

void ShiftNavigator::loadCatalogue()
{
    const ShiftPair *current = m_model->shiftAt(m_proxy->mapToSource(m_tree->currentIndex()));
    const std::pair<std::string, std::string> keep = current ? std::pair(current->source, current->target)
                                                             : std::pair<std::string, std::string>();
    std::vector<ShiftPair> shifts;
    std::set<std::string> present;
    if (m_workspace && m_catalogues->count() > 0) {
        shifts = m_workspace->shifts(m_catalogues->currentData().toLongLong());
        for (const auto &d : m_workspace->distributions())
            present.insert(d.name);
    }
    m_model->setShifts(std::move(shifts), std::move(present));
    m_tree->expandAll();
    if (!keep.first.empty())
        selectShift(keep.first, keep.second);
}

bool ShiftNavigator::selectShift(const std::string &source, const std::string &target)
{
    const QModelIndex index = m_proxy->mapFromSource(m_model->indexOf(source, target));
    if (!index.isValid())
        return false;
    m_tree->setCurrentIndex(index);
    m_tree->scrollTo(index);
    return true;
}

void ShiftNavigator::selectFirstShift()
{
    if (m_tree->currentIndex().isValid())
        return;
    QModelIndex first;
    for (int c = 0; c < m_proxy->rowCount(); ++c) {
        const QModelIndex category = m_proxy->index(c, 0);
        for (int r = 0; r < m_proxy->rowCount(category); ++r) {
            const QModelIndex shift = m_proxy->index(r, 0, category);
            if (!first.isValid())
                first = shift;
            if (shift.data(ShiftTreeModel::CompleteRole).toBool()) {
                m_tree->setCurrentIndex(shift);
                return;
            }
        }
    }
    if (first.isValid())
        m_tree->setCurrentIndex(first);
}

void ShiftNavigator::onCurrentChanged()
{
    if (const ShiftPair *shift = m_model->shiftAt(m_proxy->mapToSource(m_tree->currentIndex())))
        emit shiftSelected(*shift);
}

} // namespace shiftscope
