#include "cli/commandtable.h"
#include "engine/cli/enginecommands.h"
#ifdef SHIFTSCOPE_WITH_FIGURES
#include "widgets/results/figurecommand.h"
#endif

#include <iostream>

int main(int argc, char **argv)
{
    shiftscope::registerEngineCommands();
#ifdef SHIFTSCOPE_WITH_FIGURES
    shiftscope::registerFigureCommands();
#else
    shiftscope::CommandTable::instance().add(
        {"export-figure",
         "Figures",
         {"VIEW --out FILE.svg|png ..."},
         "render a results view headless (not in this build: it was built without the views)",
         shiftscope::WorkspaceUse::None,
         {},
         [](shiftscope::CommandContext &c) {
        c.err << "error: this shiftscope-cli was built without the views (-DSHIFTSCOPE_GUI=OFF), so it cannot draw "
                 "figures\n  fix: export figures with a build that has the GUI, from a copy of this workspace\n";
        return int(shiftscope::ExitBadInput);
         }});
#endif
    return shiftscope::runCli(std::vector<std::string>(argv + 1, argv + argc), std::cout, std::cerr);
}
