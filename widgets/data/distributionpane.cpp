#include "widgets/data/distributionpane.h"

#include "widgets/data/exampletablemodel.h"
#include "widgets/data/exampleview.h"
#include "widgets/audit/flagdialog.h"
#include "widgets/audit/reviewqueuedialog.h"
#include "widgets/shell/qtconvert.h"
#include "workspace/workspace.h"

#include <QCheckBox>
#include <QComboBox>
#include <QPushButton>
#include <QHBoxLayout>
#include <QEvent>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QSplitter>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

namespace shiftscope {

DistributionPane::DistributionPane(const QString &role, QWidget *parent)
    : QWidget(parent),
      m_role(role),
      m_title(new QLabel(this)),
      m_split(new QComboBox(this)),
      m_search(new QLineEdit(this)),
      m_count(new QLabel(this)),
      m_table(new QTableView(this)),
      m_view(new ExampleView(this)),
      m_splitter(new QSplitter(Qt::Vertical, this)),
      m_model(new ExampleTableModel(this)),
      m_searchDelay(new QTimer(this)),
      m_flaggedOnly(new QCheckBox(tr("Flagged only"), this)),
      m_flag(new QPushButton(tr("Flag…"), this)),
      m_review(new QPushButton(tr("Review…"), this))
{
    m_flag->setToolTip(tr("Flag the selected example, one of its pairs or a response"));
    m_review->setToolTip(tr("Go through the examples shown here with the keyboard"));
    m_title->setTextFormat(Qt::RichText);
    m_title->setWordWrap(true); // the counts after the name wrap in a narrow pane
    m_split->addItem(tr("Test split"), QStringLiteral("test"));
    m_split->addItem(tr("Train split"), QStringLiteral("train"));
    m_search->setPlaceholderText(tr("Search prompts and responses"));
    m_search->setClearButtonEnabled(true);
    m_count->setObjectName(QStringLiteral("countLabel"));
    m_count->setWordWrap(true); // wraps rather than widening the window (presentation type is large)

    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->hide();
    fitRowsToFont();
    m_table->horizontalHeader()->setStretchLastSection(false);
    m_table->horizontalHeader()->setSectionResizeMode(ExampleTableModel::PromptColumn, QHeaderView::Stretch);
    m_table->horizontalHeader()->setSectionResizeMode(ExampleTableModel::PreferredColumn, QHeaderView::Stretch);
    m_table->horizontalHeader()->setSectionResizeMode(ExampleTableModel::PositionColumn, QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(ExampleTableModel::ResponsesColumn,
                                                      QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(ExampleTableModel::FlagsColumn, QHeaderView::ResizeToContents);
    // Any column sorts, in the workspace's query (the rows are paged); file order at first.
    m_table->horizontalHeader()->setSortIndicator(ExampleTableModel::PositionColumn, Qt::AscendingOrder);
    m_table->setSortingEnabled(true);

    m_splitter->addWidget(m_table);
    m_splitter->addWidget(m_view);
    m_splitter->setStretchFactor(0, 2);
    m_splitter->setStretchFactor(1, 3);

    // Two rows, so that two panes side by side fit a 1280-pixel screen at presentation size.
    auto *controls = new QVBoxLayout;
    auto *find = new QHBoxLayout;
    find->addWidget(m_split);
    find->addWidget(m_search, 1);
    auto *annotate = new QHBoxLayout;
    annotate->addWidget(m_flaggedOnly);
    annotate->addStretch(1);
    annotate->addWidget(m_flag);
    annotate->addWidget(m_review);
    controls->addLayout(find);
    controls->addLayout(annotate);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addWidget(m_title);
    layout->addLayout(controls);
    layout->addWidget(m_count);
    layout->addWidget(m_splitter, 1);

    m_searchDelay->setSingleShot(true);
    m_searchDelay->setInterval(250);
    connect(m_searchDelay, &QTimer::timeout, this, [this] { runQuery(); });
    connect(m_search, &QLineEdit::textChanged, this, [this] { m_searchDelay->start(); });
    connect(m_split, &QComboBox::currentIndexChanged, this, [this] { runQuery(); });
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this] { showCurrent(); });
    connect(m_model, &QAbstractItemModel::rowsInserted, this, [this] { updateCount(); });
    connect(m_flaggedOnly, &QCheckBox::toggled, this, [this] { runQuery(); });
    connect(m_flag, &QPushButton::clicked, this, &DistributionPane::flagCurrent);
    connect(m_review, &QPushButton::clicked, this, &DistributionPane::reviewShown);
    clear();
}

void DistributionPane::fitRowsToFont()
{
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
}

void DistributionPane::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::FontChange) // presentation mode's large type: rows grow with it
        fitRowsToFont();
}

void DistributionPane::clear()
{
    m_workspace = nullptr;
    m_distribution.clear();
    m_distributionId = 0;
    m_title->setText(QStringLiteral("<b>%1</b>").arg(m_role.toHtmlEscaped()));
    m_model->setQuery(nullptr, {});
    m_count->clear();
    m_view->clearExample(tr("Select a shift in the navigator."));
}

void DistributionPane::showDistribution(Workspace *workspace, const std::string &distribution)
{
    m_workspace = workspace;
    m_distribution = distribution;
    const auto info = workspace ? workspace->distribution(distribution) : std::nullopt;
    m_distributionId = info ? info->id : 0;
    if (!info) {
        m_title->setText(QStringLiteral("<b>%1:</b> %2").arg(m_role.toHtmlEscaped(), qs(distribution).toHtmlEscaped()));
        m_model->setQuery(nullptr, {});
        m_count->setText(tr("Not in this workspace: import it with File → Import GENIES data…"));
        m_view->clearExample(tr("%1 has not been imported.").arg(qs(distribution)));
        return;
    }
    m_title->setText(tr("<b>%1:</b> %2 <span style=\"color:gray\">· %3 train, %4 test, %5 responses per example, %6 "
                        "test pairs</span>")
                         .arg(m_role.toHtmlEscaped(), qs(distribution).toHtmlEscaped())
                         .arg(info->trainExamples)
                         .arg(info->testExamples)
                         .arg(info->responsesPerExample)
                         .arg(info->testPairs));
    runQuery();
}

void DistributionPane::setSplit(Split split) { m_split->setCurrentIndex(split == Split::Test ? 0 : 1); }

void DistributionPane::setSearch(const QString &text)
{
    m_search->setText(text);
    m_searchDelay->stop();
    runQuery();
}

void DistributionPane::runQuery()
{
    if (!m_workspace || m_distributionId == 0)
        return;
    ExampleQuery query;
    // The order the header shows stays when the search, split, filter or distribution changes.
    query.order = ExampleTableModel::orderOfColumn(m_table->horizontalHeader()->sortIndicatorSection());
    query.descending = m_table->horizontalHeader()->sortIndicatorOrder() == Qt::DescendingOrder;
    query.distributionId = m_distributionId;
    query.split = m_split->currentData().toString() == QStringLiteral("train") ? Split::Train : Split::Test;
    query.search = ss(m_search->text().trimmed());
    query.flaggedOnly = m_flaggedOnly->isChecked();
    m_model->setQuery(m_workspace, query);
    m_view->setHighlight(m_search->text().trimmed());
    updateCount();
    if (m_model->rowCount() > 0)
        m_table->selectRow(0);
    else
        m_view->clearExample(query.search.empty() ? tr("This split is empty.") : tr("No example matches the search."));
}

bool DistributionPane::selectPosition(int position)
{
    const int row = m_model->rowOfPosition(position);
    if (row < 0)
        return false;
    m_table->selectRow(row);
    m_table->scrollTo(m_model->index(row, 0));
    return true;
}

void DistributionPane::setFlaggedOnly(bool on) { m_flaggedOnly->setChecked(on); }

void DistributionPane::flagCurrent()
{
    const auto &record = m_view->record();
    if (!record || !m_workspace)
        return;
    FlagDialog dialog(*record, -1, this);
    if (dialog.exec() == QDialog::Accepted)
        annotateCurrent(dialog.annotation());
}

void DistributionPane::annotateCurrent(const Annotation &annotation)
{
    const auto &record = m_view->record();
    if (!record || !m_workspace)
        return;
    m_workspace->addAnnotation(annotation);
    // Sorted by flags, the example may move: the selection follows it, not its old row. The example view is shown
    // again either way: a selection that stays on the same row changes nothing that would refresh it.
    const int position = record->example.position;
    m_model->refresh();
    selectPosition(position);
    showCurrent();
}

void DistributionPane::reviewShown()
{
    if (!m_workspace || m_distributionId == 0)
        return;
    while (m_model->canFetchMore({}))
        m_model->fetchMore({});
    std::vector<ExampleRef> items;
    for (int row = 0; row < m_model->rowCount(); ++row)
        items.push_back({m_distribution, m_model->query().split,
                         m_model->index(row, 0).data(ExampleTableModel::PositionRole).toInt(), -1});
    ReviewQueueDialog dialog(m_workspace, std::move(items), qs(m_distribution), this);
    connect(&dialog, &ReviewQueueDialog::flagged, m_model, &ExampleTableModel::refresh);
    dialog.exec();
    showCurrent();
}

void DistributionPane::updateCount()
{
    if (!m_workspace || m_distributionId == 0)
        return;
    const int total = m_model->totalCount();
    m_count->setText(m_search->text().trimmed().isEmpty() ? tr("%n examples", nullptr, total)
                                                          : tr("%n examples match", nullptr, total));
}

void DistributionPane::showCurrent()
{
    const QModelIndex current = m_table->currentIndex();
    if (!current.isValid() || !m_workspace)
        return;
    const auto id = current.data(ExampleTableModel::ExampleIdRole).toLongLong();
    if (auto record = m_workspace->example(id))
        m_view->showExample(*record, m_workspace->annotationsForExample(id));
}

} // namespace shiftscope
