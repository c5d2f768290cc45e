#include "widgets/results/rotatedheaderview.h"

#include <QPainter>
#include <QStyleOptionHeader>

namespace shiftscope {

namespace {
constexpr int kPadding = 6; // pixels around rotated text
}

RotatedHeaderView::RotatedHeaderView(QWidget *parent, int firstRotated)
    : QHeaderView(Qt::Horizontal, parent), m_firstRotated(firstRotated)
{
}

void RotatedHeaderView::setFirstRotated(int section)
{
    m_firstRotated = section;
    resizeSections();
    viewport()->update();
}

void RotatedHeaderView::paintSection(QPainter *painter, const QRect &rect, int logicalIndex) const
{
    if (logicalIndex < m_firstRotated || !rect.isValid()) {
        QHeaderView::paintSection(painter, rect, logicalIndex);
        return;
    }
    // The style draws the section's frame and sort arrow; the title is drawn turned by a quarter.
    QStyleOptionHeader option;
    initStyleOption(&option);
    initStyleOptionForIndex(&option, logicalIndex);
    option.rect = rect;
    const QString text = option.text;
    option.text.clear();
    option.icon = QIcon();
    // The style leaves its own clip behind, so the text gets a painter state of its own.
    painter->save();
    style()->drawControl(QStyle::CE_Header, &option, painter, this);
    painter->restore();
    painter->save();
    painter->setClipRect(rect);
    painter->translate(rect.bottomLeft());
    painter->rotate(-90);
    const QRect textRect(kPadding, 0, rect.height() - 2 * kPadding, rect.width());
    painter->setPen(option.palette.color(QPalette::ButtonText));
    painter->drawText(textRect, Qt::AlignLeft | Qt::AlignVCenter, text);
    painter->restore();
}

QSize RotatedHeaderView::sectionSizeFromContents(int logicalIndex) const
{
    const QSize size = QHeaderView::sectionSizeFromContents(logicalIndex);
    if (logicalIndex < m_firstRotated)
        return size;
    return {size.height(), size.width() + kPadding};
}

} // namespace shiftscope
