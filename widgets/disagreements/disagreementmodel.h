#pragma once

#include "results/resultanalysis.h"

#include <QAbstractTableModel>
#include <QSortFilterProxyModel>

namespace shiftscope {

//! One row per pair of an evaluated distribution, one column per chosen evaluation with the probability it gives
//! the preferred response, plus the largest difference between evaluations, the pair's trust once assessed (see
//! TrustBar) and a possible-label-error mark.
class DisagreementModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Role { PairIndexRole = Qt::UserRole + 1, SortRole, ProbabilityRole };
    static constexpr int kFixedColumns = 3; // pair, example, trust

    explicit DisagreementModel(QObject *parent = nullptr);

    void setTable(DisagreementTable table);
    const DisagreementTable &table() const { return m_table; }
    //! Each pair's trust by pair index (NaN: unknown); empty clears the column.
    void setTrust(std::vector<double> trustByPair);
    //! The pair's trust, NaN when not assessed.
    double trust(int pairIndex) const;
    //! The trust below which the least trusted `share` of the assessed pairs lie (NaN without an assessment).
    double trustQuantile(double share) const;
    int spreadColumn() const { return kFixedColumns + int(m_table.evaluations.size()); }
    //! Beside the pair, so that it is in sight however many evaluations are shown.
    int trustColumn() const { return 2; }
    int labelColumn() const { return spreadColumn() + 1; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    DisagreementTable m_table;
    std::vector<double> m_trust;
};

//! Filters for the disagreement table. Evaluations are referred to by their column order (0 = first chosen).
class DisagreementFilter : public QSortFilterProxyModel {
    Q_OBJECT
public:
    enum Mode {
        AllPairs,
        FirstRightSecondWrong,
        FirstWrongSecondRight,
        AllWrong,
        PossibleLabelErrors,
        AgreementCell,
        FirstTwoDisagree, //!< one of the first two is right and the other wrong
        LeastTrusted,     //!< the least trusted fifth of the pairs, once their trust is assessed
    };

    explicit DisagreementFilter(QObject *parent = nullptr);

    void setMode(Mode mode);
    //! Keeps pairs whose first evaluation's probability lies in [low, high].
    void setConfidenceRange(double low, double high);
    //! Keeps pairs whose prompt or responses contain `text` (needs the pair texts, see setPairTexts).
    void setSearch(const QString &text);
    void setPairTexts(std::vector<QString> texts);
    //! For AgreementCell: keeps pairs where evaluation a is right == aRight and b is right == bRight.
    void setAgreementCell(int a, bool aRight, int b, bool bRight);
    Mode mode() const { return m_mode; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    Mode m_mode = AllPairs;
    double m_low = 0.0;
    double m_high = 1.0;
    QString m_search;
    std::vector<QString> m_texts;
    int m_cellA = 0, m_cellB = 1;
    bool m_cellARight = true, m_cellBRight = true;
    double m_trustCeiling = 0; //!< LeastTrusted keeps pairs whose trust is at most this
};

} // namespace shiftscope
