#include "widgets/shell/dialogkeys.h"

#include <QDialogButtonBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QShortcut>
#include <QTextEdit>

namespace shiftscope {

void makeKeyboardDriven(QDialogButtonBox *buttons)
{
    QWidget *dialog = buttons->window();
    for (auto *edit : dialog->findChildren<QPlainTextEdit *>())
        edit->setTabChangesFocus(true);
    for (auto *edit : dialog->findChildren<QTextEdit *>())
        edit->setTabChangesFocus(true);
    QPushButton *ok = buttons->button(QDialogButtonBox::Ok);
    if (!ok)
        return;
    // Return on the main keyboard and Enter on the keypad.
    for (const QKeySequence &keys : {QKeySequence(Qt::CTRL | Qt::Key_Return), QKeySequence(Qt::CTRL | Qt::Key_Enter)}) {
        auto *shortcut = new QShortcut(keys, dialog);
        shortcut->setContext(Qt::WindowShortcut);
        QObject::connect(shortcut, &QShortcut::activated, ok, [ok] {
            if (ok->isEnabled())
                ok->click();
        });
    }
    ok->setToolTip(QObject::tr("Ctrl+Enter"));
}

} // namespace shiftscope
