// ATen comes before any Qt header: Qt's `slots` macro breaks ATen/core/ivalue_inl.h.
#include <ATen/ATen.h>

#include "cli/commandtable.h"
#include "engine/cli/enginecommands.h"
#include "engine/model/causallm.h"
#include "engine/demo/demomodel.h"
#include "tokenizer/bpetrainer.h"
#include "tokenizer/tokenizer.h"
#include "results/generalizationtable.h"
#include "results/resultstore.h"
#include "runs/runplanner.h"
#include "runs/runstore.h"
#include "testsupport.h"
#include "workspace/workspace.h"

#include <nlohmann/json.hpp>

using namespace shiftscope;
using namespace shiftscope::test;
namespace fs = std::filesystem;

namespace {

//! A demo model small enough for a test: the real recipe, a fraction of the size and steps.
DemoModelOptions tinyOptions()
{
    DemoModelOptions o;
    o.vocabSize = 400;
    o.hidden = 32;
    o.layers = 2;
    o.heads = 2;
    o.intermediate = 64;
    o.contextLength = 32;
    o.batch = 4;
    o.steps = 12;
    return o;
}

} // namespace

class TestDemoModel : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { registerEngineCommands(); }
    void bpeTrainerRoundTrips();
    void demoModelLoadsAndIsDeterministic();
    void demoCommandRunsAndImportsResults();
};

void TestDemoModel::bpeTrainerRoundTrips()
{
    QTemporaryDir dir;
    BpeTrainer::Options options;
    options.vocabSize = 300;
    BpeTrainer trainer(options);
    for (int i = 0; i < 50; ++i)
        trainer.add("The capital of France is Paris. The opposite of hot is cold. " + std::to_string(i * 37) + "\n");
    trainer.train();
    QVERIFY(trainer.vocabSize() <= 300 && trainer.vocabSize() > 258);
    const std::string json = trainer.tokenizerJson();
    BpeTrainer again(options);
    for (int i = 0; i < 50; ++i)
        again.add("The capital of France is Paris. The opposite of hot is cold. " + std::to_string(i * 37) + "\n");
    again.train();
    QCOMPARE(again.tokenizerJson(), json); // deterministic
    writeText(tempPath(dir, "tokenizer.json"), json);
    const Tokenizer tokenizer = Tokenizer::load(tempPath(dir, "tokenizer.json"));
    QCOMPARE(tokenizer.eosId(), std::optional<int>(0));
    // Frequent words are single tokens; unseen text, even outside ASCII, still round-trips through the bytes.
    QCOMPARE(tokenizer.encode(" capital").size(), 1u);
    for (const std::string text :
         {"The capital of France is Paris.", "Zürich — 東京 ✓ 12345", "  spaces\n\nand\ttabs "}) {
        const auto ids = tokenizer.encode(text);
        QCOMPARE(tokenizer.decode(ids), text);
    }
    QCOMPARE(tokenizer.encode("<|endoftext|>", false), std::vector<int>{0});
}

void TestDemoModel::demoModelLoadsAndIsDeterministic()
{
    QTemporaryDir dir;
    const fs::path a = tempPath(dir, "a"), b = tempPath(dir, "b");
    buildDemoModel(a, tinyOptions());
    buildDemoModel(b, tinyOptions());
    QVERIFY(!fs::exists(a.string() + ".partial"));
    for (const char *file : {"config.json", "tokenizer.json", "model.safetensors"})
        QVERIFY2(readText(a / file) == readText(b / file), file);
    const auto model = loadCausalLM(a);
    QCOMPARE(model->config().hiddenSize, 32);
    QCOMPARE(model->config().layers, 2);
    const Tokenizer tokenizer = Tokenizer::load(a);
    const std::string text = "Below is an instruction that describes a task. What is the capital of Peru?";
    QCOMPARE(tokenizer.decode(tokenizer.encode(text)), text);
    // Pretraining lowered the loss from its starting value (about ln of the vocabulary size).
    const auto record = nlohmann::json::parse(readText(a / "shiftscope_demo_model.json"));
    QVERIFY(record.at("final_loss").get<double>() < std::log(double(model->config().vocabSize)) - 0.5);
}

void TestDemoModel::demoCommandRunsAndImportsResults()
{
    QTemporaryDir dir;
    const fs::path model = tempPath(dir, "model");
    buildDemoModel(model, tinyOptions());
    const std::string ws = tempPath(dir, "demo/demo.sqlite").string();
    const std::vector<std::string> command = {"--workspace",  ws, "demo", "--model", model.string(), "--interventions",
                                              "zero_shot,mms"};
    const auto first = runCommand(command);
    QVERIFY2(first.code == 0, first.err.c_str());
    QVERIFY2(first.out.find("mms (run") != std::string::npos, first.out.c_str());
    QVERIFY(first.out.find("capitals_length_cue -> capitals_length_cue_flipped") != std::string::npos);
    // Finished runs are reused: the second call starts no run.
    const auto second = runCommand(command);
    QVERIFY2(second.code == 0, second.err.c_str());
    QVERIFY2(second.err.find("over the demo shifts") == std::string::npos, second.err.c_str());
    Workspace w = Workspace::open(ws);
    QCOMPARE(RunStore(w).runs().size(), 2u);
    // The runs are results the views read, under the model folder's name, with no results tree in between.
    ResultStore results(w);
    QCOMPARE(results.models(), std::vector<std::string>{"model"});
    const auto interventions = results.interventions("model");
    QCOMPARE(interventions, (std::vector<std::string>{"mms · run 2", "zero_shot · run 1"}));
    QVERIFY(!fs::exists(fs::path(ws).parent_path() / "demo-results"));
    // The table the demo prints is the one the views and metrics --run compute.
    const auto mmsRun = *RunStore(w).run(2);
    const auto table = runCommand({"--workspace", ws, "metrics", "--run", "2", "--csv"});
    QCOMPARE(table.out,
             generalizationCsv(rebuildGeneralizationTable(w, "model", "mms · run 2", resolveShifts(w, mmsRun.shifts))));
    const auto markdown =
        runCommand({"--workspace", ws, "demo", "--model", model.string(), "--interventions", "mms", "--markdown"});
    QVERIFY(markdown.out.find("| capitals_length_cue → capitals_length_cue_flipped |") != std::string::npos);
}

QTEST_GUILESS_MAIN(TestDemoModel)
#include "tst_demomodel.moc"
