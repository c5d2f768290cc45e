#pragma once

#include <QGraphicsObject>
#include <QPointF>
#include <optional>
#include <vector>

class QAbstractSeries;
class QChart;

namespace shiftscope {

//! Draws on a chart's plot what Qt Charts lacks: error whiskers (a segment with caps, e.g. a 95% interval) and an
//! outline around one category (the selected shift). Positions are in the values of `series`, so the overlay
//! follows every resize and export of the chart.
class ChartOverlay : public QGraphicsObject {
    Q_OBJECT
public:
    //! A segment from `from` to `to`, in series values.
    struct Whisker {
        QPointF from;
        QPointF to;
    };

    //! Where the overlay draws: behind the grid and series (for a highlight) or above everything (for whiskers).
    enum class Layer { BehindSeries, AboveSeries };

    //! Parents itself to `chart`.
    ChartOverlay(QChart *chart, Layer layer);

    void setWhiskers(QAbstractSeries *series, std::vector<Whisker> whiskers);
    //! Outlines category `category` of a bar chart whose categories run along the vertical axis (horizontal bars)
    //! or the horizontal one; nullopt removes the outline.
    void setHighlight(QAbstractSeries *series, std::optional<int> category, Qt::Orientation categoryAxis);
    void clear();
    std::size_t whiskerCount() const { return m_whiskers.size(); }

    QRectF boundingRect() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option, QWidget *widget) override;

private:
    QChart *m_chart;
    QAbstractSeries *m_whiskerSeries = nullptr;
    std::vector<Whisker> m_whiskers;
    QAbstractSeries *m_highlightSeries = nullptr;
    std::optional<int> m_highlight;
    Qt::Orientation m_categoryAxis = Qt::Vertical;
};

} // namespace shiftscope
