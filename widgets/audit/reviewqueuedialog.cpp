#include "widgets/audit/reviewqueuedialog.h"

#include "widgets/data/exampleview.h"
#include "widgets/audit/flagdialog.h"
#include "widgets/shell/qtconvert.h"
#include "workspace/workspace.h"

#include <QKeyEvent>
#include <QLabel>
#include <QVBoxLayout>

namespace shiftscope {

ReviewQueueDialog::ReviewQueueDialog(Workspace *workspace, std::vector<ExampleRef> items, const QString &title,
                                     QWidget *parent)
    : QDialog(parent),
      m_workspace(workspace),
      m_items(std::move(items)),
      m_position(new QLabel(this)),
      m_view(new ExampleView(this))
{
    setWindowTitle(tr("Review: %1").arg(title));
    resize(900, 700);
    auto *hint = new QLabel(tr("→/N next · ←/P previous · 1 bad pair · 2 ambiguous · 3 mislabeled · 4 other · F flag "
                               "with a note · Esc done"),
                            this);
    hint->setStyleSheet(QStringLiteral("color: gray"));
    m_view->setFocusPolicy(Qt::NoFocus);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_position);
    layout->addWidget(m_view, 1);
    layout->addWidget(hint);
    setFocusPolicy(Qt::StrongFocus);
    if (!m_items.empty())
        show(0);
    else
        m_view->clearExample(tr("Nothing to review."));
}

void ReviewQueueDialog::show(int index)
{
    if (index < 0 || index >= count() || !m_workspace)
        return;
    m_current = index;
    const ExampleRef &item = m_items[std::size_t(index)];
    m_position->setText(tr("<b>%1 / %2</b> · %3 %4 example %5%6")
                            .arg(index + 1)
                            .arg(count())
                            .arg(qs(item.distribution), qs(std::string(splitName(item.split))))
                            .arg(item.position)
                            .arg(item.response >= 0 ? tr(", response %1").arg(item.response) : QString()));
    if (auto record = m_workspace->exampleAt(item.distribution, item.split, item.position))
        m_view->showExample(*record, m_workspace->annotationsForExample(record->id));
    else
        m_view->clearExample(tr("This example is no longer in the workspace."));
}

bool ReviewQueueDialog::quickFlag(const std::string &flag)
{
    const auto &record = m_view->record();
    if (!record || m_current < 0)
        return false;
    const ExampleRef &item = m_items[std::size_t(m_current)];
    Annotation a;
    a.distribution = record->distribution;
    a.split = record->split;
    a.exampleHash = record->contentHash;
    const bool pair = item.response >= 0 && item.response < int(record->example.responses.size())
                   && record->example.responses[std::size_t(item.response)].label == 0;
    a.subject = pair               ? AnnotationSubject::Pair
              : item.response >= 0 ? AnnotationSubject::Response
                                   : AnnotationSubject::Example;
    if (item.response >= 0)
        a.responsePosition = item.response;
    a.flag = flag;
    a.author = ss(FlagDialog::annotatorName());
    a.createdAt = utcNow();
    m_workspace->addAnnotation(a);
    show(m_current);
    emit flagged();
    return true;
}

void ReviewQueueDialog::flagWithDialog()
{
    const auto &record = m_view->record();
    if (!record)
        return;
    FlagDialog dialog(*record, m_items[std::size_t(m_current)].response, this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    m_workspace->addAnnotation(dialog.annotation());
    show(m_current);
    emit flagged();
}

void ReviewQueueDialog::keyPressEvent(QKeyEvent *event)
{
    switch (event->key()) {
    case Qt::Key_Right:
    case Qt::Key_N:
    case Qt::Key_Space: show(std::min(m_current + 1, count() - 1)); return;
    case Qt::Key_Left:
    case Qt::Key_P: show(std::max(m_current - 1, 0)); return;
    case Qt::Key_1: quickFlag("bad_pair"); return;
    case Qt::Key_2: quickFlag("ambiguous"); return;
    case Qt::Key_3: quickFlag("mislabeled"); return;
    case Qt::Key_4: quickFlag("other"); return;
    case Qt::Key_F: flagWithDialog(); return;
    default: QDialog::keyPressEvent(event);
    }
}

} // namespace shiftscope
