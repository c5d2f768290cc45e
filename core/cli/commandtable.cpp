#include "cli/commandtable.h"

#include "cli/corecommands.h"
#include "cli/progressline.h"
#include "util/errors.h"
#include "workspace/workspace.h"

#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <map>
#include <ostream>
#include <set>
#include <unistd.h>

namespace shiftscope {

const std::vector<std::string> kCommandGroups = {"Data",    "Published results",    "Runs",          "Models",
                                                 "Figures", "Audit and annotation", "Demo and tools"};

namespace {

const CommandOption kWorkspaceOption{"workspace", "FILE", "the SQLite workspace file"};

//! "  --name VALUE" padded to `width`, then the help text.
std::string optionLine(const CommandOption &option, std::size_t width)
{
    std::string head = "  --" + option.name + (option.takesValue() ? " " + option.value : "");
    head.resize(std::max(head.size() + 2, width), ' '); // a head too long for the column still gets two spaces
    return head + option.help + "\n";
}

std::string formsOf(const Command &command, const std::string &indent)
{
    std::string text;
    for (const auto &synopsis : command.synopses)
        text += indent + command.name + (synopsis.empty() ? "" : " " + synopsis) + "\n";
    if (command.synopses.empty())
        text += indent + command.name + "\n";
    return text;
}

} // namespace

CommandTable::CommandTable()
{
    addDataCommands(*this);
    addRunCommands(*this);
    addResultsCommands(*this);
    addAuditCommands(*this);
    addAnnotationCommands(*this);
    addTokenizeCommand(*this);
    addAnalysisCommands(*this);
}

CommandTable &CommandTable::instance()
{
    static CommandTable table;
    return table;
}

void CommandTable::add(Command command)
{
    if (std::find(kCommandGroups.begin(), kCommandGroups.end(), command.group) == kCommandGroups.end())
        throw std::logic_error("command " + command.name + " names an unknown group '" + command.group + "'");
    for (const auto &option : command.options) {
        if (option.name == kWorkspaceOption.name || option.name == "help" || option.name == "version")
            throw std::logic_error("command " + command.name + " redeclares the global option --" + option.name);
        for (const auto &other : m_commands)
            for (const auto &o : other.options)
                if (o.name == option.name && o.takesValue() != option.takesValue() && other.name != command.name)
                    throw std::logic_error("--" + option.name + " takes a value in one command and not in another ("
                                           + other.name + ", " + command.name + ")");
    }
    auto same =
        std::find_if(m_commands.begin(), m_commands.end(), [&](const Command &c) { return c.name == command.name; });
    if (same != m_commands.end())
        *same = std::move(command);
    else
        m_commands.push_back(std::move(command));
}

const Command *CommandTable::find(const std::string &name) const
{
    for (const auto &command : m_commands)
        if (command.name == name)
            return &command;
    return nullptr;
}

std::vector<const Command *> CommandTable::commands() const
{
    std::vector<const Command *> ordered;
    for (const auto &group : kCommandGroups)
        for (const auto &command : m_commands)
            if (command.group == group)
                ordered.push_back(&command);
    return ordered;
}

std::vector<std::string> CommandTable::valuedOptionNames() const
{
    std::set<std::string> names{kWorkspaceOption.name};
    for (const auto &command : m_commands)
        for (const auto &option : command.options)
            if (option.takesValue())
                names.insert(option.name);
    return {names.begin(), names.end()};
}

std::string CommandTable::usage() const
{
    std::string text = "Usage: shiftscope-cli [--workspace FILE] COMMAND [options]\n"
                       "       shiftscope-cli COMMAND --help     (a command's options)\n";
    for (const auto &group : kCommandGroups) {
        std::string section;
        for (const auto *command : commands()) {
            if (command->group != group)
                continue;
            section += formsOf(*command, "  ");
            section += "      " + command->summary + "\n";
        }
        if (!section.empty())
            text += "\n" + group + ":\n" + section;
    }
    text += "\nOther:\n  --version\n      print the version\n  --help\n      print this text\n";
    text += "\nExit codes: 0 done, 2 bad input (messages on stderr), 1 anything else.\n";
    return text;
}

std::string CommandTable::help(const Command &command) const
{
    const bool workspace = command.workspace != WorkspaceUse::None;
    std::string text =
        "Usage:\n" + formsOf(command, workspace ? "  shiftscope-cli --workspace FILE " : "  shiftscope-cli ");
    text += "\n" + command.summary + "\n";
    switch (command.workspace) {
    case WorkspaceUse::None: break;
    case WorkspaceUse::Existing: text += "\nNeeds --workspace FILE, an existing workspace.\n"; break;
    case WorkspaceUse::Create:
        text += "\nNeeds --workspace FILE; a new workspace is created when the file does not exist.\n";
        break;
    case WorkspaceUse::Optional:
        text += "\n--workspace FILE is optional; without it the command uses its own default.\n";
        break;
    }
    if (!command.options.empty()) {
        std::size_t width = 0; // the longest "  --name VALUE", then two spaces
        for (const auto &option : command.options)
            width = std::max(width, 4 + option.name.size() + (option.takesValue() ? 1 + option.value.size() : 0) + 2);
        text += "\nOptions:\n";
        for (const auto &option : command.options)
            text += optionLine(option, width);
    }
    return text;
}

// ---- CommandContext ----------------------------------------------------------------------------------------------

CommandContext::CommandContext(const Command &entry, const Arguments &arguments, std::ostream &output,
                               std::ostream &messages)
    : command(entry), args(arguments), out(output), err(messages)
{
}

CommandContext::~CommandContext() { endProgress(); }

const std::string &CommandContext::operand(std::size_t index, const std::string &what) const
{
    if (args.positionals().size() <= index)
        throw UsageError("missing " + what);
    return args.positionals()[index];
}

void CommandContext::expectOperands(std::size_t count, const std::string &what) const
{
    if (args.positionals().size() > count)
        throw UsageError("unexpected '" + args.positionals()[count] + "': " + command.name + " takes " + what);
    if (args.positionals().size() < count)
        throw UsageError("missing " + what);
}

std::string CommandContext::required(const std::string &name) const
{
    if (auto value = args.value(name))
        return *value;
    std::string placeholder = "VALUE";
    for (const auto &option : command.options)
        if (option.name == name)
            placeholder = option.value;
    throw UsageError(command.name + " needs --" + name + " " + placeholder);
}

std::int64_t CommandContext::number(const std::string &name, std::int64_t fallback, std::int64_t minimum,
                                    std::int64_t maximum) const
{
    const auto text = args.value(name);
    if (!text)
        return fallback;
    try {
        std::size_t used = 0;
        const long long value = std::stoll(*text, &used);
        if (used == text->size() && value >= minimum && value <= maximum)
            return value;
    } catch (const std::exception &) {
    }
    throw UsageError("--" + name + " needs a whole number "
                     + (maximum == std::numeric_limits<std::int64_t>::max()
                            ? ">= " + std::to_string(minimum)
                            : "from " + std::to_string(minimum) + " to " + std::to_string(maximum))
                     + ", got '" + *text + "'");
}

double CommandContext::real(const std::string &name, double fallback, double minimum, double maximum) const
{
    const auto text = args.value(name);
    if (!text)
        return fallback;
    char *end = nullptr;
    const double value = std::strtod(text->c_str(), &end);
    if (!text->empty() && end == text->c_str() + text->size() && value >= minimum && value <= maximum)
        return value;
    std::ostringstream range;
    range << minimum << " to " << maximum;
    throw UsageError("--" + name + " needs a number from " + range.str() + ", got '" + *text + "'");
}

std::string CommandContext::choice(const std::string &name, const std::string &fallback,
                                   std::initializer_list<const char *> allowed) const
{
    const auto value = args.value(name);
    if (!value)
        return fallback;
    std::string names;
    for (const char *a : allowed) {
        if (*value == a)
            return *value;
        names += (names.empty() ? "" : ", ") + std::string(a);
    }
    throw UsageError("--" + name + " must be one of " + names + ", got '" + *value + "'");
}

std::string CommandContext::author() const
{
    if (auto name = args.value("author"); name && !name->empty())
        return *name;
    const char *user = std::getenv("USER");
    return user && *user ? user : "unknown";
}

Workspace CommandContext::workspace() const
{
    const auto path = args.value("workspace");
    if (!path)
        throw UsageError(command.name + " needs --workspace FILE");
    return command.workspace == WorkspaceUse::Create ? Workspace::openOrCreate(*path) : Workspace::open(*path);
}

ProgressCallback CommandContext::progress(const std::string &unit)
{
    auto line = std::make_shared<ProgressLine>(err, unit, isatty(STDERR_FILENO));
    m_progress.push_back(line);
    return [line](std::int64_t done, std::int64_t total, const std::string &stage) {
        return line->update(done, total, stage);
    };
}

void CommandContext::endProgress()
{
    for (const auto &line : m_progress)
        line->finish();
}

std::int64_t runIdArgument(const std::string &text)
{
    std::int64_t id = 0;
    try {
        std::size_t used = 0;
        id = std::stoll(text, &used);
        if (used != text.size())
            id = 0;
    } catch (const std::exception &) {
    }
    if (id <= 0)
        throw UsageError("'" + text + "' is not a run id (a whole number; runs lists them)");
    return id;
}

// ---- runCli -------------------------------------------------------------------------------------------------------

namespace {

//! The index of the command word: the first word that is neither an option nor the value of one.
std::optional<std::size_t> commandIndex(const std::vector<std::string> &words, const std::vector<std::string> &valued)
{
    for (std::size_t i = 0; i < words.size(); ++i) {
        const std::string &word = words[i];
        if (word.rfind("--", 0) != 0 || word == "--")
            return i;
        const std::string name = word.substr(2);
        if (name.find('=') == std::string::npos && std::binary_search(valued.begin(), valued.end(), name))
            ++i;
    }
    return std::nullopt;
}

std::string hint(const Command *command)
{
    return command ? " (see shiftscope-cli " + command->name + " --help)" : " (see shiftscope-cli --help)";
}

} // namespace

int runCli(const std::vector<std::string> &words, std::ostream &out, std::ostream &err)
{
    const CommandTable &table = CommandTable::instance();
    const auto index = commandIndex(words, table.valuedOptionNames());
    const bool wantsHelp = std::find(words.begin(), words.end(), "--help") != words.end();
    if (!index) {
        if (std::find(words.begin(), words.end(), "--version") != words.end()) {
            out << "shiftscope-cli " << SHIFTSCOPE_VERSION << "\n";
            return ExitOk;
        }
        (wantsHelp ? out : err) << table.usage();
        return wantsHelp ? ExitOk : ExitBadInput;
    }
    std::string name = words[*index];
    std::vector<std::string> rest(words.begin(), words.begin() + std::ptrdiff_t(*index));
    rest.insert(rest.end(), words.begin() + std::ptrdiff_t(*index) + 1, words.end());
    if (name == "help") { // `help COMMAND`
        const auto topic = commandIndex(rest, table.valuedOptionNames());
        if (!topic) {
            out << table.usage();
            return ExitOk;
        }
        name = rest[*topic];
        rest = {"--help"};
    }
    const Command *command = table.find(name);
    if (!command) {
        err << "shiftscope-cli: unknown command '" << name << "'" << hint(nullptr) << "\n";
        return ExitBadInput;
    }

    std::set<std::string> valued{kWorkspaceOption.name}, flags{"help", "version"};
    for (const auto &option : command->options)
        (option.takesValue() ? valued : flags).insert(option.name);
    const Arguments args(rest, valued, flags);
    if (args.has("help")) {
        out << table.help(*command);
        return ExitOk;
    }
    if (!args.error().empty()) {
        err << "shiftscope-cli " << command->name << ": " << args.error() << hint(command) << "\n";
        return ExitBadInput;
    }
    try {
        CommandContext context(*command, args, out, err);
        return command->run(context);
    } catch (const UsageError &e) {
        err << "shiftscope-cli " << command->name << ": " << e.what() << hint(command) << "\n";
        return ExitBadInput;
    } catch (const InputError &e) {
        for (const auto &p : e.problems())
            err << "error: " << p.toString() << "\n";
        err << e.problems().size() << (e.problems().size() == 1 ? " problem" : " problems")
            << " found; nothing was changed\n";
        return ExitBadInput;
    } catch (const std::exception &e) {
        // The first line only: libtorch's messages go on with its stack frames.
        const std::string message = e.what();
        err << "shiftscope-cli " << command->name << ": " << message.substr(0, message.find('\n')) << "\n";
        return ExitFailure;
    }
}

} // namespace shiftscope
