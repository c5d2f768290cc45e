#include "widgets/shell/windowcover.h"

#include <QDockWidget>
#include <QLabel>
#include <QMainWindow>

namespace shiftscope {

WindowCover::WindowCover(QWidget *widget, const QString &message)
{
    m_window = widget ? qobject_cast<QMainWindow *>(widget->window()) : nullptr;
    if (!m_window)
        return;
    QWidget *central = m_window->centralWidget();
    if (central && central->isVisible()) {
        central->hide();
        m_hidden.emplace_back(central);
    }
    for (QDockWidget *dock : m_window->findChildren<QDockWidget *>())
        if (dock->isVisible()) {
            dock->hide();
            m_hidden.emplace_back(dock);
        }
    m_message = new QLabel(message, m_window);
    m_message->setObjectName(QStringLiteral("windowCover"));
    m_message->setAlignment(Qt::AlignCenter);
    m_message->setWordWrap(true);
    m_message->setGeometry(central ? central->geometry() : m_window->rect());
    m_message->show();
}

WindowCover::~WindowCover()
{
    delete m_message;
    for (const QPointer<QWidget> &widget : m_hidden)
        if (widget)
            widget->show();
}

} // namespace shiftscope
