// Preference data in the layouts people use: TRL/RewardBench records, Anthropic HH transcripts split at their
// common prefix, TRL's conversational form through the documented template, JSON Lines and JSON arrays; the seeded
// split and its record; subsets as distributions; and every bad record reported by line with nothing written.
#include "testsupport.h"

#include "preferences/chattemplate.h"
#include "preferences/preferencefile.h"
#include "preferences/preferenceimport.h"
#include "preferences/preferenceimportstore.h"
#include "util/errors.h"
#include "workspace/workspace.h"

#include <nlohmann/json.hpp>

using namespace shiftscope;
using namespace shiftscope::test;
namespace fs = std::filesystem;
using Json = nlohmann::json;

namespace {

//! `count` TRL records, their prompts numbered, in two subsets.
std::string trlRecords(int count)
{
    std::string text;
    for (int i = 0; i < count; ++i)
        text += Json{{"id", "r" + std::to_string(i)},
                     {"subset", i % 2 ? "math" : "chat"},
                     {"prompt", "Question " + std::to_string(i) + "?"},
                     {"chosen", " good " + std::to_string(i)},
                     {"rejected", " bad " + std::to_string(i)}}
                    .dump()
              + "\n";
    return text;
}

std::vector<std::string> testPrompts(Workspace &ws, const std::string &name)
{
    std::vector<std::string> prompts;
    for (const Example &e : ws.examples(name, Split::Test))
        prompts.push_back(e.prompt);
    return prompts;
}

std::string problemsOf(const std::function<void()> &f)
{
    try {
        f();
    } catch (const InputError &e) {
        return e.what();
    }
    return {};
}

} // namespace

class TestPreferences : public QObject {
    Q_OBJECT
private slots:
    void promptedRecords();
    void seededSplitIsRecorded();
    void transcriptsSplitAtCommonPrefix();
    void conversationsUseTheTemplate();
    void jsonArrayReportsLines();
    void badRecordsWriteNothing();
    void subsetsBecomeDistributions();
    void othersDistributionsAreKept();
    void commandLine();
    void chatTemplatesRenderAsJinja();
    void chatTemplateOfAModelFolder();
};

void TestPreferences::promptedRecords()
{
    const PreferenceFile f =
        parsePreferenceText(R"({"id": 7, "subset": "s", "prompt": "P", "chosen": "A", "rejected": "B"})"
                            "\n\n"
                            R"({"prompt": "", "chosen": "x", "rejected": "y"})",
                            "f.jsonl");
    QCOMPARE(int(f.records.size()), 2);
    QCOMPARE(f.records[0].id, std::string("7"));
    QCOMPARE(f.records[0].subset, std::string("s"));
    QCOMPARE(f.records[0].prompt, std::string("P"));
    QCOMPARE(f.records[0].chosen, std::string("A"));
    QCOMPARE(f.records[1].line, 3);
    QCOMPARE(f.records[1].format, PreferenceFormat::Prompted);
    QCOMPARE(f.records[1].prompt, std::string());
}

void TestPreferences::seededSplitIsRecorded()
{
    QTemporaryDir tmp;
    const fs::path file = tempPath(tmp, "trl.jsonl");
    writeText(file, trlRecords(40));
    Workspace ws = Workspace::openOrCreate(tempPath(tmp, "ws.sqlite"));
    PreferenceImportOptions options{"a", 0.25, 11, false, false, {}};
    const auto s = importPreferences(ws, file, options);
    QCOMPARE(s.records, std::int64_t(40));
    QCOMPARE(s.distributions.front().testPairs, std::int64_t(10));
    QCOMPARE(s.distributions.front().trainPairs, std::int64_t(30));
    // The same seed draws the same test split under another name; another seed draws another.
    options.name = "b";
    importPreferences(ws, file, options);
    options.name = "c";
    options.seed = 12;
    importPreferences(ws, file, options);
    QCOMPARE(testPrompts(ws, "a"), testPrompts(ws, "b"));
    QVERIFY(testPrompts(ws, "a") != testPrompts(ws, "c"));
    // Both splits keep the file's order, and each example remembers its record.
    const auto train = ws.examples("a", Split::Train);
    for (std::size_t i = 1; i < train.size(); ++i)
        QVERIFY(Json::parse(train[i - 1].extraJson)["source_line"] < Json::parse(train[i].extraJson)["source_line"]);
    const Json extra = Json::parse(train.front().extraJson);
    QVERIFY(extra.contains("id") && extra.contains("subset"));
    QCOMPARE(train.front().responses.size(), std::size_t(2));
    QCOMPARE(train.front().preferredIndex(), 0);

    const auto record = PreferenceImportStore(ws).find("c");
    QVERIFY(record);
    QCOMPARE(record->seed, std::uint64_t(12));
    QCOMPARE(record->testFraction, 0.25);
    QCOMPARE(record->format, std::string("prompt/chosen/rejected"));
    QCOMPARE(record->sourceSha256.size(), std::size_t(64));
    QCOMPARE(record->testPairs, std::int64_t(10));
}

void TestPreferences::transcriptsSplitAtCommonPrefix()
{
    const auto s =
        splitTranscripts("\n\nHuman: Hi\n\nAssistant: Hello there", "\n\nHuman: Hi\n\nAssistant: Hello friend");
    QCOMPARE(s.prompt, std::string("\n\nHuman: Hi\n\nAssistant: Hello"));
    QCOMPARE(s.chosen, std::string(" there"));
    QCOMPARE(s.rejected, std::string(" friend"));
    // Never inside a UTF-8 character: "é" and "è" share their first byte.
    const auto accents = splitTranscripts("Caf\xc3\xa9", "Caf\xc3\xa8");
    QCOMPARE(accents.prompt, std::string("Caf"));
    QCOMPARE(accents.chosen, std::string("\xc3\xa9"));
    // One transcript continuing the other leaves an empty response, which the reader refuses by line.
    const std::string message =
        problemsOf([] { parsePreferenceText(R"({"chosen": "abc", "rejected": "abc and more"})", "hh.jsonl"); });
    QVERIFY2(message.find("hh.jsonl: line 1: the chosen response is empty after the common prefix")
                 != std::string::npos,
             message.c_str());
}

void TestPreferences::conversationsUseTheTemplate()
{
    const PreferenceFile f = parsePreferenceText(
        R"([{"chosen": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}],
             "rejected": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Leave."}]},
            {"prompt": [{"role": "system", "content": "Be kind"}, {"role": "user", "content": "Help"}],
             "chosen": [{"role": "assistant", "content": "Sure."}, {"role": "user", "content": "Thanks"}],
             "rejected": [{"role": "assistant", "content": "No."}]}])",
        "c.json");
    QCOMPARE(f.records[0].format, PreferenceFormat::Conversational);
    QCOMPARE(f.records[0].prompt, std::string("\n\nHuman: Hi\n\nAssistant:"));
    QCOMPARE(f.records[0].chosen, std::string(" Hello!"));
    QCOMPARE(f.records[1].prompt, std::string("\n\nSystem: Be kind\n\nHuman: Help\n\nAssistant:"));
    QCOMPARE(f.records[1].chosen, std::string(" Sure.\n\nHuman: Thanks"));
    QCOMPARE(f.records[1].rejected, std::string(" No."));
    QCOMPARE(f.records[1].line, 3);
    // Conversations that share an assistant turn and part later: the prompt stops before that turn.
    const PreferenceFile later = parsePreferenceText(
        R"({"chosen": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}, {"role": "user", "content": "Q"}, {"role": "assistant", "content": "A"}], "rejected": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}, {"role": "user", "content": "R"}, {"role": "assistant", "content": "B"}]})",
        "later.jsonl");
    QCOMPARE(later.records[0].prompt, std::string("\n\nHuman: Hi\n\nAssistant:"));
    QCOMPARE(later.records[0].chosen, std::string(" Hello\n\nHuman: Q\n\nAssistant: A"));
    QCOMPARE(later.records[0].rejected, std::string(" Hello\n\nHuman: R\n\nAssistant: B"));
}

void TestPreferences::jsonArrayReportsLines()
{
    const std::string message = problemsOf([] {
        parsePreferenceText("[\n  {\"prompt\": \"a\", \"chosen\": \"x\", \"rejected\": \"y\"},\n"
                            "  {\"prompt\": \"b\", \"chosen\": \"x\"},\n"
                            "  {\"prompt\": \"c\",\n   \"chosen\": \"same\", \"rejected\": \"same\"}\n]",
                            "f.json");
    });
    QVERIFY2(message.find("f.json: line 3: has no \"rejected\"") != std::string::npos, message.c_str());
    QVERIFY2(message.find("f.json: line 4: \"chosen\" and \"rejected\" are the same text") != std::string::npos,
             message.c_str());
    const std::string broken = problemsOf([] { parsePreferenceText("[\n{\"prompt\": \"a\",\n ]", "g.json"); });
    QVERIFY2(broken.find("g.json: line 3") != std::string::npos && broken.find("not valid JSON") != std::string::npos,
             broken.c_str());
}

void TestPreferences::badRecordsWriteNothing()
{
    QTemporaryDir tmp;
    const fs::path file = tempPath(tmp, "bad.jsonl");
    writeText(file,
              R"({"prompt": "ok", "chosen": "a", "rejected": "b"})"
              "\n"
              R"({"prompt": "x", "chosen": "a"})"
              "\nnot json\n"
              R"({"prompt": 3, "chosen": "a", "rejected": "b"})"
              "\n"
              R"({"chosen": [{"role": "bot", "content": "x"}], "rejected": [{"role": "assistant", "content": "y"}]})"
              "\n"
              R"({"chosen": "a", "rejected": ["b"]})"
              "\n");
    Workspace ws = Workspace::openOrCreate(tempPath(tmp, "ws.sqlite"));
    try {
        importPreferences(ws, file, {"d", 0.2, 0, false, false, {}});
        QFAIL("a file with bad records was imported");
    } catch (const InputError &e) {
        QCOMPARE(int(e.problems().size()), 5);
        const std::vector<std::string> places = {"line 2", "line 3, column 2", "line 4", "line 5", "line 6"};
        for (std::size_t i = 0; i < places.size(); ++i)
            QCOMPARE(e.problems()[i].place, places[i]);
    }
    QVERIFY(!ws.distribution("d"));
    QVERIFY(!PreferenceImportStore(ws).find("d"));

    writeText(file, "\xff\xfe{}");
    QVERIFY(problemsOf([&] {
                importPreferences(ws, file, {"d", 0.2, 0, false, false, {}});
            }).find("not valid UTF-8")
            != std::string::npos);
    writeText(file, "\n\n");
    QVERIFY(problemsOf([&] {
                importPreferences(ws, file, {"d", 0.2, 0, false, false, {}});
            }).find("holds no record")
            != std::string::npos);
    writeText(file, trlRecords(3));
    QVERIFY(problemsOf([&] {
                importPreferences(ws, file, {"../d", 0.2, 0, false, false, {}});
            }).find("--name")
            != std::string::npos);
    QVERIFY(problemsOf([&] {
                importPreferences(ws, file, {"d", 1.5, 0, false, false, {}});
            }).find("--test-fraction")
            != std::string::npos);
}

void TestPreferences::subsetsBecomeDistributions()
{
    QTemporaryDir tmp;
    const fs::path file = tempPath(tmp, "trl.jsonl");
    writeText(file, trlRecords(10));
    Workspace ws = Workspace::openOrCreate(tempPath(tmp, "ws.sqlite"));
    const auto s = importPreferences(ws, file, {"rb", 0.2, 1, true, false, {}});
    QCOMPARE(int(s.distributions.size()), 2);
    QCOMPARE(s.distributions[0].name, std::string("rb_chat"));
    QCOMPARE(s.distributions[1].name, std::string("rb_math"));
    QCOMPARE(s.distributions[0].trainPairs + s.distributions[0].testPairs, std::int64_t(5));
    QCOMPARE(PreferenceImportStore(ws).find("rb_math")->subset, std::string("math"));
    QCOMPARE(subsetDistributionName("rb", "math/prm v2"), std::string("rb_math_prm_v2"));
    // Importing the same file again changes nothing.
    const auto again = importPreferences(ws, file, {"rb", 0.2, 1, true, false, {}});
    QCOMPARE(again.distributions[0].outcome, DistributionStore::Outcome::Unchanged);
    // A record without a subset is named.
    writeText(file, trlRecords(2) + R"({"prompt": "p", "chosen": "a", "rejected": "b"})" + "\n");
    QVERIFY(problemsOf([&] {
                importPreferences(ws, file, {"rb", 0.2, 1, true, false, {}});
            }).find("line 3: has no \"subset\"")
            != std::string::npos);
}

void TestPreferences::othersDistributionsAreKept()
{
    QTemporaryDir tmp;
    writeText(tempPath(tmp, "data") / "distributions" / "alpaca" / "train.json", validSplit(3));
    writeText(tempPath(tmp, "data") / "distributions" / "alpaca" / "test.json", validSplit(3));
    const std::string ws = tempPath(tmp, "ws.sqlite").string();
    QCOMPARE(runCommand({"--workspace", ws, "import-data", tempPath(tmp, "data").string()}).code, 0);
    const fs::path file = tempPath(tmp, "p.jsonl");
    writeText(file, trlRecords(4));
    const CommandOutput refused =
        runCommand({"--workspace", ws, "import-preferences", file.string(), "--name", "alpaca"});
    QCOMPARE(refused.code, 2);
    QVERIFY2(refused.err.find("did not come from a preference import") != std::string::npos, refused.err.c_str());
    const CommandOutput replaced =
        runCommand({"--workspace", ws, "import-preferences", file.string(), "--name", "alpaca", "--replace"});
    QVERIFY2(replaced.code == 0, replaced.err.c_str());
    QVERIFY(replaced.out.find("alpaca: 3 train, 1 test (replaced)") != std::string::npos);
}

void TestPreferences::commandLine()
{
    QTemporaryDir tmp;
    const fs::path file = tempPath(tmp, "p.jsonl");
    writeText(file, trlRecords(10));
    const std::string ws = tempPath(tmp, "ws.sqlite").string();
    const CommandOutput json = runCommand({"--workspace", ws, "import-preferences", file.string(), "--name", "p",
                                           "--test-fraction", "0.3", "--seed", "5", "--json"});
    QVERIFY2(json.code == 0, json.err.c_str());
    const Json out = Json::parse(json.out);
    QCOMPARE(out["records"].get<int>(), 10);
    QCOMPARE(out["seed"].get<int>(), 5);
    QCOMPARE(out["distributions"][0]["test_pairs"].get<int>(), 3);
    QCOMPARE(out["distributions"][0]["outcome"].get<std::string>(), std::string("added"));
    const CommandOutput badFraction =
        runCommand({"--workspace", ws, "import-preferences", file.string(), "--name", "p", "--test-fraction", "x"});
    QCOMPARE(badFraction.code, 2);
    const CommandOutput noName = runCommand({"--workspace", ws, "import-preferences", file.string()});
    QCOMPARE(noName.code, 2);
}

void TestPreferences::chatTemplatesRenderAsJinja()
{
    // Every rendering of tests/reference/chat_templates.json, made by Jinja2 configured as transformers configures
    // it, comes out the same, raise_exception included.
    const Json reference =
        Json::parse(readText(fs::path(SHIFTSCOPE_SOURCE_DIR) / "tests" / "reference" / "chat_templates.json"));
    int renderings = 0;
    for (const auto &t : reference["templates"]) {
        ChatTemplate chat = ChatTemplate::parse(t["template"].get<std::string>(), t["name"].get<std::string>());
        chat.bosToken = t["bos_token"];
        chat.eosToken = t["eos_token"];
        for (const auto &c : t["cases"]) {
            std::vector<ChatMessage> messages;
            for (const auto &m : c["messages"])
                messages.push_back({m["role"], m["content"]});
            const QString where = QString::fromStdString(t["name"].get<std::string>() + " " + c["messages"].dump());
            if (c.contains("error")) {
                const std::string message = problemsOf([&] { chat.render(messages, c["add_generation_prompt"]); });
                QVERIFY2(message.find(c["error"].get<std::string>()) != std::string::npos, qPrintable(where));
            } else {
                QCOMPARE(chat.render(messages, c["add_generation_prompt"]), c["output"].get<std::string>());
            }
            ++renderings;
        }
    }
    QCOMPARE(renderings, 48);
    // Statements the renderer does not implement are refused when the template is read; filters, tests and
    // functions when a rendering reaches them.
    QVERIFY(problemsOf([] { ChatTemplate::parse("{% macro m() %}{% endmacro %}", "t"); }).find("'{% macro %}'")
            != std::string::npos);
    QVERIFY(problemsOf([] { ChatTemplate::parse("{% if x %}", "t"); }).find("'{% endif %}' is missing")
            != std::string::npos);
    QVERIFY(problemsOf([] {
                ChatTemplate::parse("{{ x | wordwrap }}", "t").render({}, false);
            }).find("the filter 'wordwrap' is not implemented")
            != std::string::npos);
    // Hostile templates are refused, never crash or hang.
    for (const char *hostile :
         {"{{-}}", "{%-%}", "{{ 'abc'.split('') }}", "{{ (-9223372036854775807 - 1) // -1 }}",
          "{{ 9223372036854775807 + 1 }}",
          "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}",
          "{% set ns = namespace(s='xx') %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
          // Lists that share their parts: small to build, too large to print, compare or write as JSON.
          "{% set ns = namespace(x=[1]) %}{% for i in range(60) %}{% set ns.x = [ns.x, ns.x] %}{% endfor %}{{ ns.x }}",
          "{% set ns = namespace(x=[1]) %}{% for i in range(40) %}{% set ns.x = [ns.x, ns.x] %}{% endfor %}"
          "{{ ns.x == ns.x }}",
          "{% set ns = namespace(x=[1]) %}{% for i in range(60) %}{% set ns.x = ns.x + ns.x %}{% endfor %}"
          "{{ ns.x|tojson|length }}"}) {
        const std::string message = problemsOf([&] {
            ChatTemplate::parse(hostile, "t").render({{"user", "Hi"}}, true);
        });
        QVERIFY2(!message.empty(), hostile);
    }
    std::string chain = "{{ 'a'";
    for (int i = 0; i < 5000; ++i)
        chain += " ~ 'a'";
    QVERIFY(problemsOf([&] { ChatTemplate::parse(chain + " }}", "t"); }).find("2,000 parts") != std::string::npos);
}

void TestPreferences::chatTemplateOfAModelFolder()
{
    if (!haveShared())
        QSKIP("../shared is absent: the tokenizer fixtures with a chat template are not here");
    const fs::path llama = sharedDir() / "tokenizers" / "llama";
    const ChatTemplate chat = ChatTemplate::fromModelFolder(llama);
    QCOMPARE(chat.eosToken, std::string("</s>"));
    QCOMPARE(chat.render({{"user", "Hi"}}, true), std::string("<|user|>\nHi</s>\n<|assistant|>\n"));

    // import-preferences --chat-template renders conversations with it: the prompt with the generation prompt,
    // each response as what the whole conversation adds to it.
    QTemporaryDir tmp;
    const fs::path file = tempPath(tmp, "c.jsonl");
    writeText(file, R"({"chosen": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}], )"
                    R"("rejected": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Go."}]})"
                    "\n");
    const std::string ws = tempPath(tmp, "ws.sqlite").string();
    const CommandOutput run = runCommand({"--workspace", ws, "import-preferences", file.string(), "--name", "c",
                                          "--test-fraction", "0", "--chat-template", llama.string()});
    QVERIFY2(run.code == 0, run.err.c_str());
    Workspace workspace = Workspace::open(ws);
    const auto examples = workspace.examples("c", Split::Train);
    QCOMPARE(examples.front().prompt, std::string("<|user|>\nHi</s>\n<|assistant|>\n"));
    QCOMPARE(examples.front().responses[0].text, std::string("Hello!</s>\n"));
    QCOMPARE(examples.front().responses[1].text, std::string("Go.</s>\n"));
    QVERIFY(PreferenceImportStore(workspace).find("c")->format.find("chat template") != std::string::npos);
    // A folder without a chat template is named.
    const CommandOutput none = runCommand({"--workspace", ws, "import-preferences", file.string(), "--name", "d",
                                           "--chat-template", (sharedDir() / "tokenizers" / "gpt2").string()});
    QCOMPARE(none.code, 2);
}

QTEST_GUILESS_MAIN(TestPreferences)
#include "tst_preferences.moc"
