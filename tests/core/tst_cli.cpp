#include "cli/commandtable.h"
#include "cli/progressline.h"
#include "testsupport.h"

#include <nlohmann/json.hpp>
#include <sstream>

using namespace shiftscope;
using namespace shiftscope::test;
using Json = nlohmann::ordered_json;

namespace {
CommandOutput cli(const std::vector<std::string> &args) { return runCommand(args); }
} // namespace

class TestCli : public QObject {
    Q_OBJECT
private slots:
    void version();
    void usageErrorsExitTwo();
    void shiftsJson();
    void shiftsFilters();
    void importDistributionsAndExamples();
    void badInputExitsTwoAndNamesFile();
    void importJsonSummary();
    void loadShifts();
    void missingWorkspaceIsBadInput();
    void usageIsGeneratedFromTheTable();
    void eachCommandHasItsHelp();
    void optionsAreCheckedPerCommand();
    void optionKindsAgreeAcrossCommands();
    void progressLineOnTerminalAndInLogs();
};

void TestCli::version()
{
    const auto r = cli({"--version"});
    QCOMPARE(r.code, 0);
    QVERIFY(r.out.find(SHIFTSCOPE_VERSION) != std::string::npos);
}

void TestCli::usageErrorsExitTwo()
{
    QCOMPARE(cli({}).code, 2);
    QCOMPARE(cli({"frobnicate"}).code, 2);
    QCOMPARE(cli({"shifts", "--bogus"}).code, 2);
    QCOMPARE(cli({"shifts"}).code, 2); // needs --workspace
    QTemporaryDir dir;
    const auto ws = tempPath(dir, "w.sqlite").string();
    const auto r = cli({"--workspace", ws, "shifts", "--category", "nonsense"});
    QCOMPARE(r.code, 2);
    QVERIFY(r.err.find("unwanted_personas") != std::string::npos);
}

void TestCli::shiftsJson()
{
    QTemporaryDir dir;
    const auto ws = tempPath(dir, "w.sqlite").string();
    const auto r = cli({"--workspace", ws, "shifts", "--json"});
    QCOMPARE(r.code, 0);
    const auto list = Json::parse(r.out);
    QCOMPARE(list.size(), std::size_t(56));
    const auto &first = list[0];
    QCOMPARE(first["source"].get<std::string>(), std::string("alpaca_easy"));
    QCOMPARE(first["target"].get<std::string>(), std::string("alpaca_hard"));
    QCOMPARE(first["target_reference"].get<std::string>(), std::string("alpaca_hard"));
    QCOMPARE(first["category"].get<std::string>(), std::string("difficulty"));
    QCOMPARE(first["group"].get<std::string>(), std::string("extreme"));
    QCOMPARE(first["genies"].get<bool>(), true);
    std::vector<std::string> keys;
    for (auto it = first.begin(); it != first.end(); ++it)
        keys.push_back(it.key());
    QCOMPARE(keys, (std::vector<std::string>{"source", "target", "target_reference", "category", "group", "genies"}));
}

void TestCli::shiftsFilters()
{
    QTemporaryDir dir;
    const auto ws = tempPath(dir, "w.sqlite").string();
    auto genies = Json::parse(cli({"--workspace", ws, "shifts", "--genies", "--json"}).out);
    QCOMPARE(genies.size(), std::size_t(15));
    QCOMPARE(genies[0]["source"].get<std::string>(), std::string("us_history_textbook")); // published order
    QCOMPARE(genies[14]["target"].get<std::string>(), std::string("reward_seeking"));
    auto skill = Json::parse(cli({"--workspace", ws, "shifts", "--category", "skill", "--json"}).out);
    QCOMPARE(skill.size(), std::size_t(12));
    auto both =
        Json::parse(cli({"--workspace", ws, "shifts", "--category", "unwanted_personas", "--genies", "--json"}).out);
    QCOMPARE(both.size(), std::size_t(4));
}

void TestCli::importDistributionsAndExamples()
{
    QTemporaryDir dir;
    const auto root = tempPath(dir, "distributions");
    writeText(root / "d1" / "train.json", validSplit(3, 3));
    writeText(
        root / "d1" / "test.json",
        R"([{"prompt": "P0", "responses": {"b": 0, "a": 1.0, "c": 0}}, {"prompt": "P1", "responses": {"x": 1, "y": 0, "z": 0}}])");
    const auto ws = tempPath(dir, "w.sqlite").string();
    auto r = cli({"--workspace", ws, "import-data", root.string()});
    QCOMPARE(r.code, 0);
    QVERIFY(r.out.find("1 added") != std::string::npos);

    r = cli({"--workspace", ws, "distributions", "--json"});
    QCOMPARE(r.code, 0);
    const auto dists = Json::parse(r.out);
    QCOMPARE(dists.size(), std::size_t(1));
    QCOMPARE(dists[0]["id"].get<std::string>(), std::string("d1"));
    QCOMPARE(dists[0]["train_examples"].get<int>(), 3);
    QCOMPARE(dists[0]["test_examples"].get<int>(), 2);
    QCOMPARE(dists[0]["responses_per_example"].get<int>(), 3);
    QCOMPARE(dists[0]["test_pairs"].get<int>(), 4);

    r = cli({"--workspace", ws, "examples", "d1", "--json"});
    QCOMPARE(r.code, 0);
    const auto examples = Json::parse(r.out);
    QCOMPARE(examples.size(), std::size_t(2));
    QCOMPARE(examples[0]["prompt"].get<std::string>(), std::string("P0"));
    QCOMPARE(examples[0]["responses"][0]["text"].get<std::string>(), std::string("b"));
    QCOMPARE(examples[0]["responses"][1]["text"].get<std::string>(), std::string("a"));
    QCOMPARE(examples[0]["responses"][1]["label"].get<int>(), 1);

    r = cli({"--workspace", ws, "examples", "d1", "--split", "train", "--limit", "2", "--json"});
    QCOMPARE(Json::parse(r.out).size(), std::size_t(2));
    QCOMPARE(cli({"--workspace", ws, "examples", "d1", "--split", "dev"}).code, 2);
    QCOMPARE(cli({"--workspace", ws, "examples", "nope"}).code, 2);
    QCOMPARE(cli({"--workspace", ws, "examples", "d1", "--limit", "-3"}).code, 2);
}

void TestCli::badInputExitsTwoAndNamesFile()
{
    QTemporaryDir dir;
    const auto root = tempPath(dir, "distributions");
    writeText(root / "bad" / "train.json", validSplit(2));
    writeText(root / "bad" / "test.json", "[{\"prompt\": \"p\", \"responses\": {\"a\": 1}}]");
    const auto ws = tempPath(dir, "w.sqlite").string();
    const auto r = cli({"--workspace", ws, "import-data", root.string()});
    QCOMPARE(r.code, 2);
    QVERIFY(r.err.find((root / "bad" / "test.json").string() + ": example 0: no dispreferred response")
            != std::string::npos);
    QVERIFY(r.err.find("nothing was changed") != std::string::npos);
    QVERIFY(r.out.empty());
}

void TestCli::importJsonSummary()
{
    QTemporaryDir dir;
    const auto root = tempPath(dir, "distributions");
    writeText(root / "alpaca_easy" / "train.json", validSplit(2));
    writeText(root / "alpaca_easy" / "test.json", validSplit(2));
    const auto ws = tempPath(dir, "w.sqlite").string();
    auto s = Json::parse(cli({"--workspace", ws, "import-data", root.string(), "--json"}).out);
    QCOMPARE(s["added"].size(), std::size_t(1));
    QCOMPARE(s["incomplete_shifts"].get<int>(), 56);
    s = Json::parse(cli({"--workspace", ws, "import-data", root.string(), "--json"}).out);
    QCOMPARE(s["unchanged"].size(), std::size_t(1));
    QCOMPARE(s["examples_written"].get<int>(), 0);
}

void TestCli::loadShifts()
{
    QTemporaryDir dir;
    const auto spec = tempPath(dir, "mine.json");
    writeText(spec, R"([{"source": "a", "target": "b", "category": "skill"}, {"source": "a", "target": "c"}])");
    const auto ws = tempPath(dir, "w.sqlite").string();
    QCOMPARE(cli({"--workspace", ws, "load-shifts", spec.string()}).code, 0);
    const auto list = Json::parse(cli({"--workspace", ws, "shifts", "--catalogue", "mine", "--json"}).out);
    QCOMPARE(list.size(), std::size_t(2));
    QCOMPARE(list[0]["category"].get<std::string>(), std::string("skill"));
    QCOMPARE(cli({"--workspace", ws, "shifts", "--catalogue", "unknown"}).code, 2);
    QCOMPARE(cli({"--workspace", ws, "load-shifts", spec.string(), "--name", "GENIES"}).code, 2);
}

void TestCli::missingWorkspaceIsBadInput()
{
    QTemporaryDir dir;
    const auto r = cli({"--workspace", tempPath(dir, "none.sqlite").string(), "distributions"});
    QCOMPARE(r.code, 2);
    QVERIFY(r.err.find("no such workspace") != std::string::npos);
}

void TestCli::usageIsGeneratedFromTheTable()
{
    const auto r = cli({"--help"});
    QCOMPARE(r.code, 0);
    const auto commands = CommandTable::instance().commands();
    QVERIFY(commands.size() >= 15);
    for (const Command *command : commands) {
        QVERIFY2(r.out.find("\n  " + command->name + " ") != std::string::npos
                     || r.out.find("\n  " + command->name + "\n") != std::string::npos,
                 command->name.c_str());
        QVERIFY2(r.out.find(command->summary) != std::string::npos, command->name.c_str());
    }
    // Without a command the usage goes to stderr with exit code 2.
    const auto bare = cli({});
    QCOMPARE(bare.code, 2);
    QCOMPARE(bare.err, r.out);
}

void TestCli::eachCommandHasItsHelp()
{
    for (const Command *command : CommandTable::instance().commands()) {
        const auto r = cli({command->name, "--help"});
        QCOMPARE(r.code, 0);
        QVERIFY2(r.out.rfind("Usage:\n", 0) == 0, r.out.c_str());
        for (const auto &option : command->options)
            QVERIFY2(r.out.find("--" + option.name) != std::string::npos,
                     (command->name + " --" + option.name).c_str());
        QCOMPARE(cli({"help", command->name}).out, r.out);
    }
    const auto examples = cli({"examples", "--help"}).out;
    QVERIFY(examples.find("Needs --workspace FILE, an existing workspace.") != std::string::npos);
    QVERIFY(examples.find("--split train|test") != std::string::npos);
    QVERIFY(cli({"shifts", "--help"}).out.find("created when the file does not exist") != std::string::npos);
}

void TestCli::optionsAreCheckedPerCommand()
{
    QTemporaryDir dir;
    const auto ws = tempPath(dir, "w.sqlite").string();
    // --intervention belongs to run and metrics, not to shifts.
    auto r = cli({"--workspace", ws, "shifts", "--intervention", "lora"});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.find("unknown option --intervention") != std::string::npos, r.err.c_str());
    QVERIFY2(r.err.find("see shiftscope-cli shifts --help") != std::string::npos, r.err.c_str());
    QVERIFY(r.out.empty());
    r = cli({"--workspace", ws, "catalogues", "--csv"});
    QCOMPARE(r.code, 2);
    r = cli({"--workspace", ws, "examples", "d1", "--limit"});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.find("--limit needs a value") != std::string::npos, r.err.c_str());
    // Options may come before the command; the command is the first word that is no option's value.
    r = cli({"--workspace", ws, "--catalogue", "GENIES", "shifts", "--genies", "--json"});
    QCOMPARE(r.code, 0);
    QCOMPARE(Json::parse(r.out).size(), std::size_t(15));
    r = cli({"--workspace", ws, "shifts", "--category", "skill", "--category"});
    QCOMPARE(r.code, 2);
    // Checked values name the option, the value and the choices.
    r = cli({"--workspace", ws, "examples", "d1", "--split", "dev"});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.find("--split must be one of train, test, got 'dev'") != std::string::npos, r.err.c_str());
    r = cli({"make-benchmark-tree", "--out", tempPath(dir, "t").string(), "--responses", "1"});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.find("--responses needs a whole number from 2 to 1000") != std::string::npos, r.err.c_str());
    r = cli({"make-benchmark-tree"});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.find("make-benchmark-tree needs --out DIR") != std::string::npos, r.err.c_str());
}

void TestCli::optionKindsAgreeAcrossCommands()
{
    // --json is a flag everywhere; a command that wanted a value for it would make command lines ambiguous.
    Command clash{"clash",
                  "Data",
                  {"--json FILE"},
                  "a command whose --json takes a value",
                  WorkspaceUse::None,
                  {{"json", "FILE", "where to write"}},
                  [](CommandContext &) { return 0; }};
    QVERIFY_THROWS_EXCEPTION(std::logic_error, CommandTable::instance().add(clash));
    QVERIFY(!CommandTable::instance().find("clash"));
    Command global{"global",
                   "Data",
                   {},
                   "a command redeclaring --workspace",
                   WorkspaceUse::None,
                   {{"workspace", "FILE", "no"}},
                   [](CommandContext &) { return 0; }};
    QVERIFY_THROWS_EXCEPTION(std::logic_error, CommandTable::instance().add(global));
}

void TestCli::progressLineOnTerminalAndInLogs()
{
    using namespace std::chrono_literals;
    std::ostringstream terminal, log, steps;
    ProgressLine onTerminal(terminal, "pairs", true);
    ProgressLine inLog(log, "pairs", false);
    ProgressLine perStep(steps, "steps", false);
    const auto t0 = ProgressLine::Clock::now(); // the rates count from construction
    onTerminal.update(0, 100, "scoring d", t0);
    onTerminal.update(50, 100, "scoring d", t0 + 10s);
    QVERIFY2(terminal.str().find("\r\033[Kscoring d   50%  5.0 pairs/s  ETA 0m10s") != std::string::npos,
             terminal.str().c_str());
    onTerminal.update(60, 100, "scoring d", t0 + 10s + 50ms); // too soon to redraw
    QVERIFY(terminal.str().find("60%") == std::string::npos);
    onTerminal.finish();
    QVERIFY(terminal.str().size() >= 4 && terminal.str().substr(terminal.str().size() - 4) == "\r\033[K");

    // In a log: a line when a stage starts, every ten seconds within it, and when the work is finished.
    inLog.update(0, 100, "run", t0);
    inLog.update(10, 100, "run", t0 + 2s);
    QCOMPARE(log.str(), std::string("run    0%\n"));
    inLog.update(40, 100, "run", t0 + 11s);
    QCOMPARE(log.str(), std::string("run    0%\nrun   40%  3.6 pairs/s  ETA 0m16s\n"));
    inLog.update(100, 100, "run", t0 + 12s);
    inLog.update(100, 100, "run", t0 + 12s + 10ms); // the finish is written once
    QCOMPARE(log.str(), std::string("run    0%\nrun   40%  3.6 pairs/s  ETA 0m16s\nrun  100%  8.3 pairs/s\n"));
    // Stages that follow each other quickly (a label per step) give at most a line a second.
    for (int step = 0; step < 50; ++step)
        perStep.update(step, 200, "step " + std::to_string(step), t0 + step * 20ms);
    QCOMPARE(steps.str(), std::string("step 0    0%\n"));
    perStep.update(60, 200, "step 60", t0 + 1200ms);
    QVERIFY2(steps.str().find("step 60   30%") != std::string::npos, steps.str().c_str());
}

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
