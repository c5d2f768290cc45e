#pragma once

#include <QString>

class QWidget;

namespace shiftscope {

//! The file dialogs of the whole GUI. Use these, never QFileDialog's static functions: those may show a dialog
//! (Qt's own or the platform's, in this process) that reads the first bytes of every file it lists to guess its
//! type. Reading the open workspace's -shm or -wal file that way and closing it drops this process's SQLite locks
//! on it (POSIX drops all of a process's locks on a file when any descriptor of it closes), and another process
//! then deletes the WAL under the GUI. These dialogs tell files apart by their names only.
namespace FileDialogs {

QString openFile(QWidget *parent, const QString &caption, const QString &filter, const QString &folder = {});
//! `selectedFilter`, when given, receives the filter the user picked.
QString saveFile(QWidget *parent, const QString &caption, const QString &filter, const QString &suggested = {},
                 QString *selectedFilter = nullptr);
QString existingFolder(QWidget *parent, const QString &caption, const QString &folder = {});

} // namespace FileDialogs

} // namespace shiftscope
