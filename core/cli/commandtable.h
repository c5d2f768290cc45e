#pragma once

#include "cli/arguments.h"
#include "util/progress.h"
#include "workspace/workspace.h"

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <stdexcept>
#include <limits>
#include <string>
#include <vector>

namespace shiftscope {

class ProgressLine;

//! Exit codes of shiftscope-cli.
enum ExitCode { ExitOk = 0, ExitFailure = 1, ExitBadInput = 2 };

//! A command line that cannot be understood. runCli() reports it with the command's help hint and exit code 2.
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

//! One `--name` a command accepts: an option with a value when `value` names it ("DIR"), else a flag.
struct CommandOption {
    std::string name;
    std::string value;
    std::string help;
    bool takesValue() const { return !value.empty(); }
};

//! What a command does with `--workspace FILE`.
enum class WorkspaceUse {
    None,     //!< takes none
    Existing, //!< needs one that exists
    Create,   //!< needs one, created when missing
    Optional, //!< uses one when given, else a default of its own
};

class CommandContext;

//! One entry of the command table: everything the usage text, `COMMAND --help`, the option check and the dispatch
//! need. `synopses` are the command's forms after its name ("DIR [--json]"); `group` is its section of --help.
struct Command {
    std::string name;
    std::string group;
    std::vector<std::string> synopses;
    std::string summary;
    WorkspaceUse workspace = WorkspaceUse::None;
    std::vector<CommandOption> options;
    std::function<int(CommandContext &)> run;
};

//! The commands of shiftscope-cli. shiftscope_core registers its own on first use; libraries core does not link
//! (the engine, the views) add theirs before runCli() is called. Not thread-safe: add at start-up.
class CommandTable {
public:
    static CommandTable &instance();

    //! Adds `command`, replacing one of the same name. An option name must mean the same kind (value or flag) in
    //! every command, so the command can be found before its own options are known; std::logic_error otherwise.
    void add(Command command);
    const Command *find(const std::string &name) const;
    //! Every command, section by section in the order of kCommandGroups, then in the order added.
    std::vector<const Command *> commands() const;
    //! The options any command takes with a value (to find the command word in a command line).
    std::vector<std::string> valuedOptionNames() const;

    //! `shiftscope-cli --help`: every command's forms and summary.
    std::string usage() const;
    //! `shiftscope-cli COMMAND --help`: its forms, summary, workspace use and options.
    std::string help(const Command &command) const;

private:
    CommandTable();
    std::vector<Command> m_commands;
};

//! The sections of --help, in order.
extern const std::vector<std::string> kCommandGroups;

//! What a running command sees: its arguments (operands exclude the command word), its streams, and the one way
//! to open the workspace, read checked options and show progress.
class CommandContext {
public:
    CommandContext(const Command &entry, const Arguments &arguments, std::ostream &output, std::ostream &messages);

    const Command &command;
    const Arguments &args;
    std::ostream &out;
    std::ostream &err;

    //! Operand `index` (0 is the first word after the command), or UsageError "missing WHAT".
    const std::string &operand(std::size_t index, const std::string &what) const;
    std::size_t operandCount() const { return args.positionals().size(); }
    //! UsageError unless exactly `count` operands were given; `what` says which.
    void expectOperands(std::size_t count, const std::string &what) const;
    //! `--name` when given, else UsageError "COMMAND needs --name VALUE".
    std::string required(const std::string &name) const;
    //! `--name` as a whole number from minimum to maximum, or `fallback` when absent; UsageError otherwise.
    std::int64_t number(const std::string &name, std::int64_t fallback, std::int64_t minimum = 0,
                        std::int64_t maximum = std::numeric_limits<std::int64_t>::max()) const;
    //! number() for what is counted in an int: at most `maximum`, and never beyond an int.
    int count(const std::string &name, int fallback, int minimum = 0,
              int maximum = std::numeric_limits<int>::max()) const
    {
        return int(number(name, fallback, minimum, maximum));
    }
    //! `--name` as a number in [minimum, maximum], or `fallback` when absent; UsageError otherwise.
    double real(const std::string &name, double fallback, double minimum, double maximum) const;
    //! `--name` when it is one of `allowed`, `fallback` when absent; UsageError naming the choices otherwise.
    std::string choice(const std::string &name, const std::string &fallback,
                       std::initializer_list<const char *> allowed) const;

    //! --author, else the login name, else "unknown".
    std::string author() const;

    //! The workspace as the command's WorkspaceUse says: opened, or created when missing. UsageError when
    //! --workspace is needed and absent.
    Workspace workspace() const;

    //! A progress line on `err` (see ProgressLine) counting `unit`s ("pairs", "steps"; empty: no rate), cleared
    //! when the command ends.
    ProgressCallback progress(const std::string &unit = {});
    //! Clears the progress lines drawn so far (before printing results under them).
    void endProgress();

    ~CommandContext();

private:
    std::vector<std::shared_ptr<ProgressLine>> m_progress;
};

//! A run id given on the command line; UsageError unless it is a whole number > 0.
std::int64_t runIdArgument(const std::string &text);

//! Runs `shiftscope-cli` with its arguments (without the program name), writing results to `out` and messages to
//! `err`. Returns the exit code. Kept in the library so tests drive the real command line.
int runCli(const std::vector<std::string> &args, std::ostream &out, std::ostream &err);

} // namespace shiftscope
