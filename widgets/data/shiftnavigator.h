#pragma once

#include "data/types.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QLineEdit;
class QTreeView;
class QSortFilterProxyModel;

namespace shiftscope {

class ShiftTreeModel;
class Workspace;

//! Left-hand navigator: choose a shift catalogue, filter its shifts by text or to the GENIES pairs, and pick one.
class ShiftNavigator : public QWidget {
    Q_OBJECT
public:
    explicit ShiftNavigator(QWidget *parent = nullptr);

    void setWorkspace(Workspace *workspace);
    //! Re-reads catalogues and distributions (after an import), keeping the selection where possible.
    void reload();
    bool selectShift(const std::string &source, const std::string &target);
    //! Selects the first complete shift (or the first shift) when nothing is selected yet.
    void selectFirstShift();
    QString currentCatalogue() const;
    void setCurrentCatalogue(const QString &name);

    QTreeView *treeView() const { return m_tree; }
    QLineEdit *filterEdit() const { return m_filter; }
    ShiftTreeModel *model() const { return m_model; }

signals:
    void shiftSelected(const shiftscope::ShiftPair &shift);

private:
    void loadCatalogue();
    void onCurrentChanged();

    Workspace *m_workspace = nullptr;
    QComboBox *m_catalogues;
    QLineEdit *m_filter;
    QCheckBox *m_geniesOnly;
    QTreeView *m_tree;
    ShiftTreeModel *m_model;
    QSortFilterProxyModel *m_proxy;
};

} // namespace shiftscope
