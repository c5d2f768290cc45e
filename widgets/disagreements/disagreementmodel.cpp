#include "widgets/disagreements/disagreementmodel.h"

#include "widgets/shell/qtconvert.h"

#include <QBrush>
#include <QColor>
#include <algorithm>
#include <cmath>

namespace shiftscope {

DisagreementModel::DisagreementModel(QObject *parent) : QAbstractTableModel(parent) {}

void DisagreementModel::setTable(DisagreementTable table)
{
    beginResetModel();
    m_table = std::move(table);
    endResetModel();
}

void DisagreementModel::setTrust(std::vector<double> trustByPair)
{
    m_trust = std::move(trustByPair);
    if (rowCount() > 0)
        emit dataChanged(index(0, trustColumn()), index(rowCount() - 1, trustColumn()));
}

double DisagreementModel::trust(int pairIndex) const
{
    return pairIndex >= 0 && pairIndex < int(m_trust.size()) ? m_trust[std::size_t(pairIndex)] : NAN;
}

double DisagreementModel::trustQuantile(double share) const
{
    std::vector<double> known;
    for (const double t : m_trust)
        if (!std::isnan(t))
            known.push_back(t);
    if (known.empty())
        return NAN;
    std::sort(known.begin(), known.end());
    const auto at = std::size_t(std::max(0.0, std::ceil(share * double(known.size())) - 1));
    return known[std::min(at, known.size() - 1)];
}

int DisagreementModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_table.rows.size());
}

int DisagreementModel::columnCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : labelColumn() + 1; }

namespace {
double spread(const DisagreementRow &row)
{
    double lo = 1, hi = 0;
    bool any = false;
    for (double p : row.probabilities)
        if (!std::isnan(p)) {
            lo = std::min(lo, p);
            hi = std::max(hi, p);
            any = true;
        }
    return any ? hi - lo : 0.0;
}
} // namespace

QVariant DisagreementModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= int(m_table.rows.size()))
        return {};
    const DisagreementRow &row = m_table.rows[std::size_t(index.row())];
    const int column = index.column();
    const int evaluation = column - kFixedColumns;
    const bool isProbability = evaluation >= 0 && evaluation < int(row.probabilities.size());
    if (role == PairIndexRole)
        return row.pairIndex;
    if (role == SortRole) {
        if (column == 0)
            return row.pairIndex;
        if (column == 1)
            return row.examplePosition;
        if (isProbability)
            return row.probabilities[std::size_t(evaluation)];
        if (column == spreadColumn())
            return spread(row);
        if (column == trustColumn()) // unassessed pairs sort last
            return std::isnan(trust(row.pairIndex)) ? 2.0 : trust(row.pairIndex);
        return row.possibleLabelError ? 1 : 0;
    }
    if (role == ProbabilityRole && isProbability)
        return row.probabilities[std::size_t(evaluation)];
    if (role == Qt::DisplayRole) {
        if (column == 0)
            return row.pairIndex;
        if (column == 1)
            return row.examplePosition >= 0 ? QVariant(row.examplePosition) : QVariant(QStringLiteral("–"));
        if (isProbability) {
            const double p = row.probabilities[std::size_t(evaluation)];
            return std::isnan(p) ? QVariant(QStringLiteral("–")) : QVariant(QString::number(p, 'f', 3));
        }
        if (column == spreadColumn())
            return QString::number(spread(row), 'f', 3);
        if (column == trustColumn())
            return std::isnan(trust(row.pairIndex)) ? QStringLiteral("–")
                                                    : QString::number(trust(row.pairIndex), 'f', 2);
        return row.possibleLabelError ? tr("possible label error") : QString();
    }
    if (role == Qt::BackgroundRole && isProbability) {
        const double p = row.probabilities[std::size_t(evaluation)];
        if (std::isnan(p))
            return {};
        // Green when the preferred response wins, red when it loses; stronger with confidence.
        const int alpha = int(40 + 160 * std::fabs(p - 0.5) * 2);
        return QBrush(p >= 0.5 ? QColor(46, 160, 67, alpha) : QColor(215, 58, 73, alpha));
    }
    if (role == Qt::ToolTipRole && column == trustColumn())
        return tr("1 − the mean percentile rank of the signals to distrust the first evaluation on this pair (1: the "
                  "most trusted)");
    if (role == Qt::ToolTipRole && row.possibleLabelError)
        return tr("Every chosen evaluation gives the preferred response less than %1: check the label.")
            .arg(kConfidentlyWrong);
    if (role == Qt::TextAlignmentRole && column != labelColumn())
        return int(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

QVariant DisagreementModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return QAbstractTableModel::headerData(section, orientation, role);
    const int evaluation = section - kFixedColumns;
    if (role == Qt::ToolTipRole && evaluation >= 0 && evaluation < int(m_table.evaluations.size())) {
        const auto &e = m_table.evaluations[std::size_t(evaluation)];
        QString tip = qs(e.label() + "\n" + e.path);
        if (evaluation < int(m_table.links.size()) && !m_table.links[std::size_t(evaluation)].linked)
            tip += QStringLiteral("\n") + qs(m_table.links[std::size_t(evaluation)].message);
        return tip;
    }
    if (role != Qt::DisplayRole)
        return {};
    if (section == 0)
        return tr("Pair");
    if (section == 1)
        return tr("Example");
    if (evaluation >= 0 && evaluation < int(m_table.evaluations.size())) {
        const auto &e = m_table.evaluations[std::size_t(evaluation)];
        // On two lines: the column stays about as narrow as its probabilities (the tooltip has the whole label).
        return qs(e.intervention + (e.trainDistribution.empty() ? "\n(base)" : "\n← " + e.trainDistribution));
    }
    if (section == spreadColumn())
        return tr("Largest\ndifference");
    if (section == trustColumn())
        return tr("Trust");
    return tr("Note");
}

DisagreementFilter::DisagreementFilter(QObject *parent) : QSortFilterProxyModel(parent)
{
    setSortRole(DisagreementModel::SortRole);
}

void DisagreementFilter::setMode(Mode mode)
{
    m_mode = mode;
    const auto *model = static_cast<const DisagreementModel *>(sourceModel());
    m_trustCeiling = model ? model->trustQuantile(0.2) : NAN;
    invalidateFilter();
}

void DisagreementFilter::setConfidenceRange(double low, double high)
{
    m_low = low;
    m_high = high;
    invalidateFilter();
}

void DisagreementFilter::setSearch(const QString &text)
{
    m_search = text;
    invalidateFilter();
}

void DisagreementFilter::setPairTexts(std::vector<QString> texts)
{
    m_texts = std::move(texts);
    invalidateFilter();
}

void DisagreementFilter::setAgreementCell(int a, bool aRight, int b, bool bRight)
{
    m_cellA = a;
    m_cellB = b;
    m_cellARight = aRight;
    m_cellBRight = bRight;
    m_mode = AgreementCell;
    invalidateFilter();
}

bool DisagreementFilter::filterAcceptsRow(int sourceRow, const QModelIndex &) const
{
    const auto *model = static_cast<const DisagreementModel *>(sourceModel());
    const DisagreementRow &row = model->table().rows[std::size_t(sourceRow)];
    const auto &p = row.probabilities;
    auto right = [&](int i) { return i < int(p.size()) && !std::isnan(p[std::size_t(i)]) && p[std::size_t(i)] >= 0.5; };
    auto wrong = [&](int i) { return i < int(p.size()) && !std::isnan(p[std::size_t(i)]) && p[std::size_t(i)] < 0.5; };
    switch (m_mode) {
    case AllPairs: break;
    case FirstTwoDisagree:
        if (!((right(0) && wrong(1)) || (wrong(0) && right(1))))
            return false;
        break;
    case FirstRightSecondWrong:
        if (!(right(0) && wrong(1)))
            return false;
        break;
    case FirstWrongSecondRight:
        if (!(wrong(0) && right(1)))
            return false;
        break;
    case AllWrong:
        for (int i = 0; i < int(p.size()); ++i)
            if (!wrong(i))
                return false;
        break;
    case PossibleLabelErrors:
        if (!row.possibleLabelError)
            return false;
        break;
    case LeastTrusted: {
        const double t = model->trust(row.pairIndex);
        if (std::isnan(t) || t > m_trustCeiling)
            return false;
        break;
    }
    case AgreementCell:
        if (!(m_cellARight ? right(m_cellA) : wrong(m_cellA)) || !(m_cellBRight ? right(m_cellB) : wrong(m_cellB)))
            return false;
        break;
    }
    if (!p.empty() && !std::isnan(p[0]) && (p[0] < m_low || p[0] > m_high))
        return false;
    if (!m_search.isEmpty()) {
        if (std::size_t(sourceRow) >= m_texts.size()
            || !m_texts[std::size_t(sourceRow)].contains(m_search, Qt::CaseInsensitive))
            return false;
    }
    return true;
}

} // namespace shiftscope
