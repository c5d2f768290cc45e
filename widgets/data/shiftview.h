#pragma once

#include "data/types.h"

#include <QWidget>

class QLabel;
class QSplitter;

namespace shiftscope {

class DistributionPane;
class Workspace;

//! A shift's source and target side by side.
class ShiftView : public QWidget {
    Q_OBJECT
public:
    explicit ShiftView(QWidget *parent = nullptr);

    void showShift(Workspace *workspace, const ShiftPair &shift);
    void clear();
    DistributionPane *sourcePane() const { return m_source; }
    DistributionPane *targetPane() const { return m_target; }
    QSplitter *splitter() const { return m_splitter; }

private:
    QLabel *m_header;
    QSplitter *m_splitter;
    DistributionPane *m_source;
    DistributionPane *m_target;
};

} // namespace shiftscope
