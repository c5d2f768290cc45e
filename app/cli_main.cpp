#include "cli/cli.h"
#include "cli/commandregistry.h"
#include "engine/cli/democommands.h"
#include "engine/cli/modelcommands.h"
#include "engine/interventions/modelinterventions.h"
#ifdef SHIFTSCOPE_WITH_FIGURES
#include "figurecommand.h"
#endif

#include <iostream>

int main(int argc, char **argv)
{
    shiftscope::registerEngineCommands();
    shiftscope::registerModelInterventions();
    shiftscope::registerDemoCommands();
#ifdef SHIFTSCOPE_WITH_FIGURES
    shiftscope::registerFigureCommands();
#else
    shiftscope::registerCliCommand("export-figure", [](const shiftscope::Arguments &, std::ostream &, std::ostream &err) {
        err << "error: this shiftscope-cli was built without the views (-DSHIFTSCOPE_GUI=OFF), so it cannot draw figures\n"
               "  fix: export figures with a build that has the GUI, from a copy of this workspace\n";
        return int(shiftscope::ExitBadInput);
    });
#endif
    return shiftscope::runCli(std::vector<std::string>(argv + 1, argv + argc), std::cout, std::cerr);
}
