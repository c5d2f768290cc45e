#include "widgets/results/seedvaluesdialog.h"

#include "widgets/shell/qtconvert.h"

#include <QApplication>
#include <QClipboard>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace shiftscope {

namespace {

//! Shows three decimals, sorts by the number (a missing one first).
class NumberItem : public QTableWidgetItem {
public:
    bool operator<(const QTableWidgetItem &other) const override
    {
        const QVariant a = data(Qt::UserRole), b = other.data(Qt::UserRole);
        if (!a.isValid() || !b.isValid())
            return !a.isValid() && b.isValid();
        return a.toDouble() < b.toDouble();
    }
};

//! A cell that shows three decimals and sorts by its number; empty when there is none.
QTableWidgetItem *numberItem(const std::optional<double> &value)
{
    auto *item = new NumberItem;
    if (value) {
        item->setData(Qt::DisplayRole, QString::number(*value, 'f', 3));
        item->setData(Qt::UserRole, *value);
        item->setToolTip(QString::number(*value, 'g', 17));
    }
    item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return item;
}

} // namespace

SeedValuesDialog::SeedValuesDialog(const std::map<std::string, std::vector<ShiftResult>> &results,
                                   const std::vector<std::string> &groups, const std::vector<ShiftPair> &shifts,
                                   QWidget *parent)
    : QDialog(parent), m_table(new QTableWidget(this))
{
    setWindowTitle(tr("Values per seed"));
    setObjectName(QStringLiteral("seedValuesDialog"));
    QStringList headers{tr("Shift")};
    for (const std::string &group : groups) {
        const auto &rows = results.at(group);
        headers << tr("%1\naccuracy mean").arg(qs(group)) << tr("accuracy sd") << tr("DE mean") << tr("DE sd");
        if (!rows.empty())
            for (const SeedValue &seed : rows.front().seeds)
                headers << tr("seed %1 (run %2)\naccuracy").arg(seed.seed).arg(seed.runId) << tr("DE");
    }
    // Shifts where some group has a value.
    std::vector<std::size_t> shown;
    for (std::size_t s = 0; s < shifts.size(); ++s)
        for (const std::string &group : groups)
            if (s < results.at(group).size() && results.at(group)[s].row.generalizationAccuracy) {
                shown.push_back(s);
                break;
            }
    m_table->setColumnCount(int(headers.size()));
    m_table->setHorizontalHeaderLabels(headers);
    m_table->setRowCount(int(shown.size()));
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    for (int row = 0; row < int(shown.size()); ++row) {
        const ShiftPair &shift = shifts[shown[std::size_t(row)]];
        int column = 0;
        m_table->setItem(row, column++,
                         new QTableWidgetItem(qs(shift.source) + QStringLiteral(" → ") + qs(shift.target)));
        for (const std::string &group : groups) {
            const ShiftResult &r = results.at(group)[shown[std::size_t(row)]];
            m_table->setItem(row, column++, numberItem(r.row.generalizationAccuracy));
            m_table->setItem(row, column++, numberItem(r.sdAccuracy));
            m_table->setItem(row, column++, numberItem(r.row.differentialElicitation));
            m_table->setItem(row, column++, numberItem(r.sdDifferentialElicitation));
            for (const SeedValue &seed : r.seeds) {
                m_table->setItem(row, column++, numberItem(seed.accuracy));
                m_table->setItem(row, column++, numberItem(seed.differentialElicitation));
            }
        }
    }
    m_table->setSortingEnabled(true);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->verticalHeader()->hide();

    auto *note = new QLabel(tr("Means and sample standard deviations across the seeds of each configuration, then "
                               "every seed's value. Click a header to sort."),
                            this);
    note->setWordWrap(true);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    QPushButton *copy = buttons->addButton(tr("Copy as CSV"), QDialogButtonBox::ActionRole);
    connect(copy, &QPushButton::clicked, this, [this] {
        // Full precision, as the tooltips hold it.
        QStringList lines;
        QStringList header;
        for (int c = 0; c < m_table->columnCount(); ++c)
            header << QLatin1Char('"')
                          + m_table->horizontalHeaderItem(c)->text().replace(QLatin1Char('\n'), QLatin1Char(' '))
                          + QLatin1Char('"');
        lines << header.join(QLatin1Char(','));
        for (int r = 0; r < m_table->rowCount(); ++r) {
            QStringList cells;
            for (int c = 0; c < m_table->columnCount(); ++c) {
                const QTableWidgetItem *item = m_table->item(r, c);
                const QVariant value = item ? item->data(Qt::UserRole) : QVariant();
                cells << (c == 0            ? QLatin1Char('"') + item->text() + QLatin1Char('"')
                          : value.isValid() ? QString::number(value.toDouble(), 'g', 17)
                                            : QString());
            }
            lines << cells.join(QLatin1Char(','));
        }
        QApplication::clipboard()->setText(lines.join(QLatin1Char('\n')) + QLatin1Char('\n'));
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(note);
    layout->addWidget(m_table, 1);
    layout->addWidget(buttons);
    resize(900, 480);
}

void SeedValuesDialog::selectShift(const ShiftPair &shift)
{
    for (int row = 0; row < m_table->rowCount(); ++row) {
        const QString label = qs(shift.source) + QStringLiteral(" → ") + qs(shift.target);
        if (m_table->item(row, 0)->text() == label) {
            m_table->selectRow(row);
            m_table->scrollToItem(m_table->item(row, 0));
            return;
        }
    }
}

} // namespace shiftscope
