#pragma once

#include "data/types.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QPushButton;
class QLabel;
class QLineEdit;
class QSplitter;
class QTableView;
class QTimer;

namespace shiftscope {

class ExampleTableModel;
class ExampleView;
class Workspace;
struct Annotation;

//! One side of a shift: a distribution's examples in a paged table with split choice and text search, and the
//! selected example in full below.
class DistributionPane : public QWidget {
    Q_OBJECT
public:
    explicit DistributionPane(const QString &role, QWidget *parent = nullptr);

    //! Shows `distribution` from `workspace`; an id the workspace lacks shows why the pane is empty.
    void showDistribution(Workspace *workspace, const std::string &distribution);
    void clear();
    const std::string &distribution() const { return m_distribution; }
    void setSplit(Split split);
    void setSearch(const QString &text);
    //! Selects the example at file position `position`; false when the current split and filter do not show it.
    bool selectPosition(int position);
    //! Shows only examples with annotations.
    void setFlaggedOnly(bool on);
    //! Opens the flag dialog for the selected example.
    void flagCurrent();
    //! Stores `annotation` on the selected example and shows it at once, in the table and the example view.
    void annotateCurrent(const Annotation &annotation);
    //! A keyboard review queue over the examples the table shows (its split, search and filter).
    void reviewShown();

    QTableView *table() const { return m_table; }
    ExampleView *exampleView() const { return m_view; }
    ExampleTableModel *model() const { return m_model; }
    QSplitter *splitter() const { return m_splitter; }

protected:
    void changeEvent(QEvent *event) override;

private:
    //! Rows as tall as a line of the current type.
    void fitRowsToFont();
    void runQuery();
    void showCurrent();
    void updateCount();

    QString m_role;
    Workspace *m_workspace = nullptr;
    std::string m_distribution;
    std::int64_t m_distributionId = 0;
    QLabel *m_title;
    QComboBox *m_split;
    QLineEdit *m_search;
    QLabel *m_count;
    QTableView *m_table;
    ExampleView *m_view;
    QSplitter *m_splitter;
    ExampleTableModel *m_model;
    QTimer *m_searchDelay;
    QCheckBox *m_flaggedOnly;
    QPushButton *m_flag;
    QPushButton *m_review;
};

} // namespace shiftscope
