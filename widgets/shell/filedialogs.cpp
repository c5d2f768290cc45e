#include "widgets/shell/filedialogs.h"

#include <QAbstractFileIconProvider>
#include <QApplication>
#include <QFileDialog>
#include <QFileInfo>
#include <QMimeDatabase>
#include <QStyle>

namespace shiftscope {

namespace {

//! Icons and type names from the file name alone: no file is opened to sniff its content.
class NameOnlyIconProvider : public QAbstractFileIconProvider {
public:
    QIcon icon(IconType type) const override
    {
        QStyle *style = QApplication::style();
        switch (type) {
        case Folder: return style->standardIcon(QStyle::SP_DirIcon);
        case Drive: return style->standardIcon(QStyle::SP_DriveHDIcon);
        case Computer: return style->standardIcon(QStyle::SP_ComputerIcon);
        case Network: return style->standardIcon(QStyle::SP_DriveNetIcon);
        case Trashcan: return style->standardIcon(QStyle::SP_TrashIcon);
        default: return style->standardIcon(QStyle::SP_FileIcon);
        }
    }

    QIcon icon(const QFileInfo &info) const override { return icon(info.isDir() ? Folder : File); }

    QString type(const QFileInfo &info) const override
    {
        if (info.isDir())
            return QFileDialog::tr("Folder");
        const QMimeType mime = QMimeDatabase().mimeTypeForFile(info.fileName(), QMimeDatabase::MatchExtension);
        return mime.isDefault() ? QFileDialog::tr("File") : mime.comment();
    }
};

//! A dialog that never sniffs file contents: Qt's own widgets (not the platform's) with the icon provider above.
QString run(QWidget *parent, const QString &caption, const QString &folder, const QString &filter,
            QFileDialog::FileMode mode, QFileDialog::AcceptMode accept, QString *selectedFilter = nullptr)
{
    static NameOnlyIconProvider provider;
    QFileDialog dialog(parent, caption, folder, filter);
    dialog.setOption(QFileDialog::DontUseNativeDialog);
    dialog.setIconProvider(&provider);
    dialog.setFileMode(mode);
    dialog.setAcceptMode(accept);
    if (mode == QFileDialog::Directory)
        dialog.setOption(QFileDialog::ShowDirsOnly);
    if (selectedFilter && !selectedFilter->isEmpty())
        dialog.selectNameFilter(*selectedFilter);
    if (dialog.exec() != QDialog::Accepted || dialog.selectedFiles().isEmpty())
        return {};
    if (selectedFilter)
        *selectedFilter = dialog.selectedNameFilter();
    return dialog.selectedFiles().constFirst();
}

} // namespace

QString FileDialogs::openFile(QWidget *parent, const QString &caption, const QString &filter, const QString &folder)
{
    return run(parent, caption, folder, filter, QFileDialog::ExistingFile, QFileDialog::AcceptOpen);
}

QString FileDialogs::saveFile(QWidget *parent, const QString &caption, const QString &filter, const QString &suggested,
                              QString *selectedFilter)
{
    return run(parent, caption, suggested, filter, QFileDialog::AnyFile, QFileDialog::AcceptSave, selectedFilter);
}

QString FileDialogs::existingFolder(QWidget *parent, const QString &caption, const QString &folder)
{
    return run(parent, caption, folder, {}, QFileDialog::Directory, QFileDialog::AcceptOpen);
}

} // namespace shiftscope
