#include "widgets/results/chartoverlay.h"

#include <QAbstractSeries>
#include <QChart>
#include <QPainter>
#include <cmath>

namespace shiftscope {

namespace {
constexpr double kCapHalfLength = 5; // pixels
}

ChartOverlay::ChartOverlay(QChart *chart, Layer layer) : QGraphicsObject(chart), m_chart(chart)
{
    // Qt Charts stacks the plot area at z 0, then shades, grid, axes and series from z 1 upwards.
    setZValue(layer == Layer::BehindSeries ? 0.5 : 1000);
    setAcceptedMouseButtons(Qt::NoButton);
    connect(chart, &QChart::plotAreaChanged, this, [this] {
        prepareGeometryChange();
        update();
    });
}

void ChartOverlay::setWhiskers(QAbstractSeries *series, std::vector<Whisker> whiskers)
{
    m_whiskerSeries = series;
    m_whiskers = std::move(whiskers);
    update();
}

void ChartOverlay::setHighlight(QAbstractSeries *series, std::optional<int> category, Qt::Orientation categoryAxis)
{
    m_highlightSeries = series;
    m_highlight = category;
    m_categoryAxis = categoryAxis;
    update();
}

void ChartOverlay::clear()
{
    m_whiskerSeries = m_highlightSeries = nullptr;
    m_whiskers.clear();
    m_highlight.reset();
    update();
}

QRectF ChartOverlay::boundingRect() const { return m_chart->boundingRect(); }

void ChartOverlay::paint(QPainter *painter, const QStyleOptionGraphicsItem *, QWidget *)
{
    const QRectF plot = m_chart->plotArea();
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    if (m_highlightSeries && m_highlight) {
        // The category spans [c - 0.5, c + 0.5] on its axis; outline it across the whole plot.
        const double c = *m_highlight;
        const bool vertical = m_categoryAxis == Qt::Vertical;
        const QPointF a =
            m_chart->mapToPosition(vertical ? QPointF(0, c - 0.48) : QPointF(c - 0.48, 0), m_highlightSeries);
        const QPointF b =
            m_chart->mapToPosition(vertical ? QPointF(0, c + 0.48) : QPointF(c + 0.48, 0), m_highlightSeries);
        const QRectF band = vertical ? QRectF(QPointF(plot.left(), a.y()), QPointF(plot.right(), b.y())).normalized()
                                     : QRectF(QPointF(a.x(), plot.top()), QPointF(b.x(), plot.bottom())).normalized();
        painter->setPen(QPen(QColor(0xd55e00), 3));
        painter->setBrush(QColor(213, 94, 0, 36));
        painter->drawRect(band.intersected(plot.adjusted(-2, -2, 2, 2)));
    }
    if (m_whiskerSeries) {
        painter->setPen(QPen(QColor(0x202020), 1.6, Qt::SolidLine, Qt::FlatCap));
        painter->setBrush(Qt::NoBrush);
        for (const Whisker &w : m_whiskers) {
            const QPointF from = m_chart->mapToPosition(w.from, m_whiskerSeries);
            const QPointF to = m_chart->mapToPosition(w.to, m_whiskerSeries);
            const QLineF line(from, to);
            if (line.length() < 0.5)
                continue;
            // Caps perpendicular to the segment.
            const QPointF normal = QPointF(-line.dy(), line.dx()) / line.length() * kCapHalfLength;
            painter->drawLine(line);
            painter->drawLine(QLineF(from - normal, from + normal));
            painter->drawLine(QLineF(to - normal, to + normal));
        }
    }
    painter->restore();
}

} // namespace shiftscope
