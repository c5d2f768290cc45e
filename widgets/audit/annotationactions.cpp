#include "widgets/audit/annotationactions.h"

#include "annotation/annotationio.h"
#include "widgets/audit/flagdialog.h"
#include "widgets/audit/relabeldialog.h"
#include "widgets/shell/filedialogs.h"
#include "widgets/shell/qtconvert.h"
#include "workspace/workspace.h"

#include <QInputDialog>
#include <QLineEdit>
#include <QMessageBox>
#include <algorithm>

namespace shiftscope::AnnotationActions {

AnnotationOutcome exportAnnotations(QWidget *parent, Workspace &workspace)
{
    const QString path =
        FileDialogs::saveFile(parent, QObject::tr("Export annotations"), QObject::tr("CSV (*.csv);;JSON (*.json)"));
    if (path.isEmpty())
        return {};
    try {
        const auto s = AnnotationIo::exportFile(workspace, ss(path));
        return {
            QObject::tr("Exported %1 flags and %2 judgements to %3").arg(s.flags).arg(s.judgements).arg(path), {}, {}};
    } catch (const std::exception &e) {
        return {{}, QObject::tr("Cannot export annotations"), qs(e.what())};
    }
}

AnnotationOutcome importAnnotations(QWidget *parent, Workspace &workspace)
{
    const QString path =
        FileDialogs::openFile(parent, QObject::tr("Import annotations"), QObject::tr("Annotations (*.csv *.json)"));
    if (path.isEmpty())
        return {};
    try {
        const auto s = AnnotationIo::importFile(workspace, ss(path));
        AnnotationOutcome outcome;
        outcome.status =
            QObject::tr("%1 flags and %2 judgements added, %3 judgements updated; %4 records match no example here")
                .arg(s.flagsAdded)
                .arg(s.judgementsAdded)
                .arg(s.judgementsUpdated)
                .arg(s.unmatched.size());
        if (!s.unmatched.empty()) {
            QString details;
            for (const auto &p : s.unmatched)
                details += qs(p.toString()) + QStringLiteral("\n");
            outcome.errorTitle = QObject::tr("Some annotations were not imported");
            outcome.error = outcome.status + QStringLiteral("\n\n") + details;
        }
        return outcome;
    } catch (const std::exception &e) {
        return {{}, QObject::tr("Cannot import annotations"), qs(e.what())};
    }
}

void blindRelabelling(QWidget *parent, Workspace &workspace, const QString &suggested)
{
    QStringList names;
    for (const auto &d : workspace.distributions())
        names << qs(d.name);
    if (names.isEmpty())
        return;
    const int current = std::max(0, int(names.indexOf(suggested)));
    bool ok = false;
    const QString distribution = QInputDialog::getItem(
        parent, QObject::tr("Blind relabelling"), QObject::tr("Distribution (test split)"), names, current, false, &ok);
    if (!ok)
        return;
    RelabelDialog dialog(&workspace, ss(distribution), Split::Test, FlagDialog::annotatorName(), 20240601, parent);
    dialog.exec();
}

void showStatistics(QWidget *parent, Workspace &workspace)
{
    auto *box = new QMessageBox(QMessageBox::Information, QObject::tr("Relabelling statistics"),
                                relabelSummaryHtml(workspace), QMessageBox::Ok, parent);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

void askAnnotatorName(QWidget *parent)
{
    bool ok = false;
    const QString name = QInputDialog::getText(parent, QObject::tr("Annotator"),
                                               QObject::tr("Your name, stored with your flags and judgements:"),
                                               QLineEdit::Normal, FlagDialog::annotatorName(), &ok);
    if (ok && !name.trimmed().isEmpty())
        FlagDialog::setAnnotatorName(name.trimmed());
}

} // namespace shiftscope::AnnotationActions
