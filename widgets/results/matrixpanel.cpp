#include "widgets/results/matrixpanel.h"

#include "widgets/results/rotatedheaderview.h"

#include <QEvent>
#include <QHeaderView>
#include <QScrollBar>
#include <QLabel>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>
#include <algorithm>

namespace shiftscope {

MatrixPanel::MatrixPanel(QWidget *parent)
    : QWidget(parent),
      m_title(new QLabel(this)),
      m_table(new QTableView(this)),
      m_header(new RotatedHeaderView(m_table)),
      m_key(new QLabel(this)),
      m_model(new ResultMatrixModel(this)),
      m_proxy(new QSortFilterProxyModel(this))
{
    setBackgroundRole(QPalette::Base); // a figure on white, as exported
    setAutoFillBackground(true);
    setProperty("figureScalesToFit", true);
    m_title->setObjectName(QStringLiteral("matrixTitle"));
    m_title->setTextFormat(Qt::RichText);
    m_title->setWordWrap(true);
    m_key->setTextFormat(Qt::RichText);

    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(ResultMatrixModel::SortRole);
    m_table->setModel(m_proxy);
    m_table->setHorizontalHeader(m_header);
    m_table->setSortingEnabled(true);
    m_table->setSelectionMode(QAbstractItemView::NoSelection); // a selection colour would hide the heat colours
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setWordWrap(false);
    // By pixels: a table a little too narrow scrolls a little, rather than a whole column (the row labels) away.
    m_table->setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);
    m_table->verticalHeader()->hide();
    m_header->setDefaultAlignment(Qt::AlignHCenter | Qt::AlignBottom);
    m_header->setHighlightSections(false);
    m_header->setSectionsClickable(true); // a header of one's own is not, unlike the one a view makes
    clearSorting();

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 8, 8, 8);
    layout->addWidget(m_title);
    layout->addWidget(m_table, 1);
    layout->addWidget(m_key);
    layout->addStretch(0);

    // Whenever the table's width changes what it can show (a resize, a new matrix, larger type), it starts again
    // from the left edge; the scroll bar's range is only right once the table itself has been laid out.
    connect(m_table->horizontalScrollBar(), &QScrollBar::rangeChanged, this, &MatrixPanel::revealHighlight);
    connect(m_table, &QTableView::clicked, this, [this](const QModelIndex &index) {
        const QModelIndex source = m_proxy->mapToSource(index);
        emit cellClicked(m_model->matrixRowAt(source), m_model->matrixColumnAt(source));
    });
    connect(m_table, &QTableView::doubleClicked, this, [this](const QModelIndex &index) {
        const QModelIndex source = m_proxy->mapToSource(index);
        emit cellDoubleClicked(m_model->matrixRowAt(source), m_model->matrixColumnAt(source));
    });
}

void MatrixPanel::setTitle(const QString &title)
{
    m_title->setText(QStringLiteral("<b>%1</b>").arg(title.toHtmlEscaped()));
}

void MatrixPanel::setMatrix(ResultMatrix matrix, ColourScale scale, const QString &rowTitle, const QString &columnTitle,
                            bool categoryMeans)
{
    m_model->setMatrix(std::move(matrix), scale, rowTitle, columnTitle, categoryMeans);
    clearSorting();
    fitTable();
    updateKey();
}

void MatrixPanel::setTransposed(bool transposed)
{
    m_model->setTransposed(transposed);
    clearSorting();
    fitTable();
}

void MatrixPanel::highlightColumn(int matrixColumn)
{
    m_model->setHighlightedColumn(matrixColumn);
    revealHighlight();
}

void MatrixPanel::revealHighlight()
{
    // From the left edge, as little as shows the highlighted column: the row labels stay in view when it fits,
    // and a scroll made while the panel was narrower is not left behind.
    m_table->horizontalScrollBar()->setValue(0);
    const QModelIndex index = m_proxy->mapFromSource(m_model->indexOfMatrixColumn(m_model->highlightedColumn()));
    if (index.isValid())
        m_table->scrollTo(index, QAbstractItemView::EnsureVisible);
}

void MatrixPanel::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    revealHighlight();
}

void MatrixPanel::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::FontChange) // presentation mode: taller rows, wider columns
        fitTable();
}

QSize MatrixPanel::sizeHint() const
{
    const QMargins margins = layout()->contentsMargins();
    const int width =
        std::max({m_table->maximumWidth(), m_key->sizeHint().width(), 400}) + margins.left() + margins.right();
    const int height = m_title->heightForWidth(width) + m_table->maximumHeight() + m_key->sizeHint().height()
                     + 2 * layout()->spacing() + margins.top() + margins.bottom();
    return {width, height};
}

void MatrixPanel::clearSorting()
{
    // Section -1: no sort indicator, and the proxy returns to the model's order.
    m_table->horizontalHeader()->setSortIndicator(-1, Qt::AscendingOrder);
}

void MatrixPanel::fitTable()
{
    // Roomy cells read better in a talk than the default dense rows.
    m_header->setFirstRotated(m_model->firstValueColumn());
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() * 2);
    m_table->resizeColumnsToContents();
    // Room for a bold value (the selected shift) in every value column.
    QFont bold = m_table->font();
    bold.setBold(true);
    const int valueWidth = QFontMetrics(bold).horizontalAdvance(QStringLiteral("-0.00")) + 20;
    for (int column = m_model->firstValueColumn(); column < m_proxy->columnCount(); ++column)
        m_table->setColumnWidth(column, std::max(m_table->columnWidth(column), valueWidth));
    // No larger than its cells, so that the colour key sits right below the table; it scrolls when space is short.
    const int frame = 2 * m_table->frameWidth();
    // With room for a horizontal scroll bar, which a wide matrix shows and which must not hide a row.
    int height = m_header->sizeHint().height() + frame + m_table->horizontalScrollBar()->sizeHint().height();
    for (int row = 0; row < m_proxy->rowCount(); ++row)
        height += m_table->rowHeight(row);
    m_table->setMaximumSize(m_header->length() + frame, height);
}

void MatrixPanel::updateKey()
{
    // Seven swatches across the colour range, then the no-result hatch.
    QString cells;
    const double low = m_model->colourLow(), high = m_model->colourHigh();
    for (int i = 0; i <= 6; ++i) {
        const double value = low + (high - low) * i / 6.0;
        const QColor colour = ResultMatrixModel::colourFor(value, m_model->scale(), low, high);
        cells +=
            QStringLiteral("<td bgcolor=\"%1\" style=\"color:%2\">&nbsp;%3&nbsp;</td>")
                .arg(colour.name(), ResultMatrixModel::textColourOn(colour).name(), QString::number(value, 'f', 2));
    }
    const QString scale = m_model->scale() == ColourScale::Diverging ? tr("blue below 0, red above")
                                                                     : tr("darker is higher");
    m_key->setText(tr("<table cellspacing=\"0\" cellpadding=\"3\"><tr><td>Colour key (%1):&nbsp;</td>%2"
                      "<td>&nbsp;&nbsp;Hatched: no result</td></tr></table>")
                       .arg(scale, cells));
}

} // namespace shiftscope
