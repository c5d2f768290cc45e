#include "widgets/shell/mainwindow.h"

// The File menu's own-data actions: preference imports, user shifts and catalogue export.
#include "genies/catalogueeditor.h"
#include "preferences/preferenceimport.h"
#include "widgets/data/newshiftdialog.h"
#include "widgets/data/preferenceimportdialog.h"
#include "widgets/data/shiftnavigator.h"
#include "widgets/shell/filedialogs.h"
#include "widgets/shell/qtconvert.h"
#include "workspace/workspace.h"

#include <QStatusBar>

namespace shiftscope {

void MainWindow::choosePreferenceFile()
{
    if (!m_workspace) {
        showError(tr("No workspace"), tr("Create or open a workspace first (File → New Workspace…)."));
        return;
    }
    PreferenceImportDialog dialog(this);
    if (dialog.exec() == QDialog::Accepted)
        importPreferenceFile(dialog.file(), dialog.options());
}

void MainWindow::importPreferenceFile(const std::filesystem::path &file, const PreferenceImportOptions &options)
{
    if (!m_workspace)
        return;
    const std::filesystem::path workspacePath = m_workspace->path();
    runTask(
        tr("Importing preference data"),
        [workspacePath, file, options](const ProgressCallback &progress) {
        Workspace workspace = Workspace::open(workspacePath);
        const PreferenceImportSummary s = importPreferences(workspace, file, options, progress);
        std::string text = std::to_string(s.records) + " preference pairs (" + s.formats + "):";
        for (const auto &d : s.distributions)
            text += "\n" + d.name + ": " + std::to_string(d.trainPairs) + " train, " + std::to_string(d.testPairs)
                  + " test" + (d.outcome == DistributionStore::Outcome::Unchanged ? " (unchanged)" : "");
        return text;
        },
        [this] { m_navigator->reload(); });
}

void MainWindow::newShift()
{
    if (!m_workspace) {
        showError(tr("No workspace"), tr("Create or open a workspace first (File → New Workspace…)."));
        return;
    }
    NewShiftDialog dialog(m_workspace.get(), m_navigator->currentCatalogue(), this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    const ShiftPair shift = dialog.shift();
    m_navigator->reload();
    m_navigator->setCurrentCatalogue(dialog.catalogue());
    m_navigator->selectShift(shift.source, shift.target);
}

void MainWindow::exportShiftCatalogue()
{
    if (!m_workspace)
        return;
    const QString name = m_navigator->currentCatalogue();
    const QString file = FileDialogs::saveFile(this, tr("Export Shift Catalogue %1").arg(name),
                                               tr("Shift specifications (*.json)"), name + QStringLiteral(".json"));
    if (file.isEmpty())
        return;
    try {
        exportCatalogue(*m_workspace, ss(name), ss(file));
        statusBar()->showMessage(tr("Wrote catalogue %1 to %2").arg(name, file), 8000);
    } catch (const std::exception &e) {
        showError(tr("Cannot export the catalogue"), qs(e.what()));
    }
}

} // namespace shiftscope
