#pragma once

#include <QHeaderView>

namespace shiftscope {

//! A horizontal header whose section titles read bottom up, so that a heatmap's many columns stay as narrow as their
//! values. Sections before `firstRotated` (the label columns) keep horizontal text.
class RotatedHeaderView : public QHeaderView {
    Q_OBJECT
public:
    explicit RotatedHeaderView(QWidget *parent = nullptr, int firstRotated = 1);

    void setFirstRotated(int section);
    int firstRotated() const { return m_firstRotated; }

protected:
    void paintSection(QPainter *painter, const QRect &rect, int logicalIndex) const override;
    QSize sectionSizeFromContents(int logicalIndex) const override;

private:
    int m_firstRotated;
};

} // namespace shiftscope
