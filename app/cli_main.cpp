#include "cli/cli.h"
#include "cli/modelcommands.h"

#include <iostream>

int main(int argc, char **argv)
{
    shiftscope::registerEngineCommands();
    return shiftscope::runCli(std::vector<std::string>(argv + 1, argv + argc), std::cout, std::cerr);
}
