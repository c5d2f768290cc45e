#include "cli/cli.h"
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
    QCOMPARE(cli({"shifts"}).code, 2);  // needs --workspace
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
    QCOMPARE(genies[0]["source"].get<std::string>(), std::string("us_history_textbook"));  // published order
    QCOMPARE(genies[14]["target"].get<std::string>(), std::string("reward_seeking"));
    auto skill = Json::parse(cli({"--workspace", ws, "shifts", "--category", "skill", "--json"}).out);
    QCOMPARE(skill.size(), std::size_t(12));
    auto both = Json::parse(cli({"--workspace", ws, "shifts", "--category", "unwanted_personas", "--genies", "--json"}).out);
    QCOMPARE(both.size(), std::size_t(4));
}

void TestCli::importDistributionsAndExamples()
{
    QTemporaryDir dir;
    const auto root = tempPath(dir, "distributions");
    writeText(root / "d1" / "train.json", validSplit(3, 3));
    writeText(root / "d1" / "test.json", R"([{"prompt": "P0", "responses": {"b": 0, "a": 1.0, "c": 0}}, {"prompt": "P1", "responses": {"x": 1, "y": 0, "z": 0}}])");
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
    QVERIFY(r.err.find((root / "bad" / "test.json").string() + ": example 0: no dispreferred response") != std::string::npos);
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

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
