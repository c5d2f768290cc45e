#include "cli/commandregistry.h"

#include <map>

namespace shiftscope {

namespace {

std::map<std::string, CliCommand> &registry()
{
    static std::map<std::string, CliCommand> commands;
    return commands;
}

} // namespace

void registerCliCommand(std::string name, CliCommand command)
{
    registry()[std::move(name)] = std::move(command);
}

const CliCommand *findCliCommand(const std::string &name)
{
    const auto it = registry().find(name);
    return it == registry().end() ? nullptr : &it->second;
}

} // namespace shiftscope
