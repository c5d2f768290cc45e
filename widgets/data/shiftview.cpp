#include "widgets/data/shiftview.h"

#include "widgets/data/distributionpane.h"
#include "genies/shiftcatalogue.h"
#include "widgets/shell/qtconvert.h"

#include <QLabel>
#include <QSplitter>
#include <QVBoxLayout>

namespace shiftscope {

ShiftView::ShiftView(QWidget *parent)
    : QWidget(parent),
      m_header(new QLabel(this)),
      m_splitter(new QSplitter(Qt::Horizontal, this)),
      m_source(new DistributionPane(tr("Source"), this)),
      m_target(new DistributionPane(tr("Target"), this))
{
    m_header->setTextFormat(Qt::RichText);
    m_header->setObjectName(QStringLiteral("shiftHeader"));
    m_header->setWordWrap(true);
    m_splitter->addWidget(m_source);
    m_splitter->addWidget(m_target);
    m_splitter->setChildrenCollapsible(false);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_header);
    layout->addWidget(m_splitter, 1);
    clear();
}

void ShiftView::clear()
{
    m_header->setText(
        tr("<span style=\"color:gray\">Choose a shift in the navigator to compare its source and target.</span>"));
    m_source->clear();
    m_target->clear();
}

void ShiftView::showShift(Workspace *workspace, const ShiftPair &shift)
{
    QString header = QStringLiteral("<span style=\"font-size:large\"><b>%1 → %2</b></span> &nbsp; %3")
                         .arg(qs(shift.source).toHtmlEscaped(), qs(shift.target).toHtmlEscaped(),
                              qs(categoryDisplayName(shift.category)).toHtmlEscaped());
    if (!shift.group.empty())
        header += QStringLiteral(" · %1").arg(qs(shift.group).toHtmlEscaped());
    if (shift.isGenies())
        header += tr(" · <b>★ GENIES #%1</b>").arg(shift.geniesRank);
    if (!shift.targetReference.empty() && shift.targetReference != shift.target)
        header += tr(" · target-tuned capability measured on <i>%1</i>").arg(qs(shift.targetReference).toHtmlEscaped());
    m_header->setText(header);
    m_source->showDistribution(workspace, shift.source);
    m_target->showDistribution(workspace, shift.target);
}

} // namespace shiftscope
