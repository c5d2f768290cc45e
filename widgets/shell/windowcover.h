#pragma once

#include <QPointer>
#include <QString>
#include <vector>

class QLabel;
class QMainWindow;
class QWidget;

namespace shiftscope {

//! While it lives, hides what a main window shows (its central widget and docks) behind a message, so that a
//! dialog in front of it can keep things from the user, such as the labels during blind relabelling. Everything
//! hidden is shown again when it goes.
class WindowCover {
public:
    //! Covers the main window `widget` belongs to; does nothing when it belongs to none.
    WindowCover(QWidget *widget, const QString &message);
    ~WindowCover();
    WindowCover(const WindowCover &) = delete;
    WindowCover &operator=(const WindowCover &) = delete;

private:
    QPointer<QMainWindow> m_window;
    std::vector<QPointer<QWidget>> m_hidden;
    QPointer<QLabel> m_message;
};

} // namespace shiftscope
