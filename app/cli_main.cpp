#include "cli/cli.h"
#include "cli/democommands.h"
#include "cli/modelcommands.h"
#include "figurecommand.h"
#include "interventions/modelinterventions.h"

#include <iostream>

int main(int argc, char **argv)
{
    shiftscope::registerEngineCommands();
    shiftscope::registerModelInterventions();
    shiftscope::registerDemoCommands();
    shiftscope::registerFigureCommands();
    return shiftscope::runCli(std::vector<std::string>(argv + 1, argv + argc), std::cout, std::cerr);
}
