#include "demo/demoworkspace.h"

#include "demo/demosuite.h"
#include "genies/dataimporter.h"
#include "genies/shiftcatalogue.h"
#include "workspace/workspace.h"

#include <cstdlib>

namespace shiftscope {

namespace fs = std::filesystem;

fs::path userDataDir()
{
    if (const char *xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg)
        return fs::path(xdg) / "shiftscope";
    if (const char *home = std::getenv("HOME"); home && *home)
        return fs::path(home) / ".local" / "share" / "shiftscope";
    return fs::temp_directory_path() / "shiftscope";
}

fs::path defaultDemoWorkspacePath() { return userDataDir() / "demo" / "demo.sqlite"; }

std::string buildDemoWorkspace(const fs::path &workspacePath, const ProgressCallback &progress)
{
    const fs::path folder = workspacePath.has_parent_path() ? workspacePath.parent_path() : fs::path(".");
    fs::create_directories(folder);
    const fs::path dataDir = folder / "demo-data";
    reportProgress(progress, 0, 0, "Generating the demo suite");
    writeDemoSuite(dataDir);
    Workspace workspace = Workspace::openOrCreate(workspacePath);
    const ImportSummary summary = DataImporter::importData(workspace, dataDir, progress);
    const ShiftCatalogue catalogue = ShiftCatalogueReader::readFile(dataDir / "distribution_shifts" / "demo.json");
    workspace.saveCatalogue("Demo", catalogue.origin, catalogue.rows, false);
    return "Demo workspace " + workspacePath.string() + ": "
         + std::to_string(summary.added.size() + summary.updated.size() + summary.unchanged.size()) + " distributions, "
         + std::to_string(catalogue.uniqueRows().size()) + " shifts (data in " + dataDir.string() + ")";
}

} // namespace shiftscope
