#include "genies/dataimporter.h"
#include "genies/shiftcatalogue.h"
#include "results/evaluationfile.h"
#include "results/evaluationpath.h"
#include "results/generalizationtable.h"
#include "results/resultsimporter.h"
#include "results/resultstore.h"
#include "testsupport.h"
#include "workspace/schema.h"
#include "workspace/workspace.h"

#include <cmath>

using namespace shiftscope;
using namespace shiftscope::test;
namespace fs = std::filesystem;

namespace {
std::string probabilitiesJson(const std::vector<double> &p)
{
    std::string text = "[";
    for (std::size_t i = 0; i < p.size(); ++i)
        text += (i ? ", " : "") + pythonFloatRepr(p[i]);
    return text + "]";
}
} // namespace

class TestResults : public QObject {
    Q_OBJECT
private slots:
    void pathsDecodeHistoricalNames();
    void nanTokensAndKeyVariants();
    void pythonRepr();
    void fixtureImportAndChecks();
    void rebuiltTableEqualsPublishedCsv();
    void reimportDoesNotDoubleCount();
    void linkAndLengthMismatch();
    void brokenFileWritesNothing();
    void schemaVersionMatchesMigrations();
};

void TestResults::pathsDecodeHistoricalNames()
{
    auto p = parseEvaluationPath("lora_fine_tuning/llama-30b-alpaca_mmlu-truthful_qa-5%/truthful_qa.json");
    QVERIFY(p);
    QCOMPARE(p->model, std::string("llama-30b"));
    QCOMPARE(p->trainDistribution, std::string("alpaca_mmlu-truthful_qa-5%"));
    QCOMPARE(p->evaluatedDistribution, std::string("truthful_qa"));
    p = parseEvaluationPath("lat_stim_1/lat/llama-7b-alpaca_easy/alpaca_hard.json");
    QCOMPARE(p->intervention, std::string("lat_stim_1"));
    QCOMPARE(p->variant, std::string("lat"));
    QCOMPARE(p->model, std::string("llama-7b"));
    p = parseEvaluationPath("few_shot/models-pythia-410m/alpaca_easy.json");
    QCOMPARE(p->model, std::string("pythia-410m"));
    QVERIFY(p->trainDistribution.empty());
    p = parseEvaluationPath("log_probs_4bit/pythia-2.7b/mmlu.json");
    QCOMPARE(p->model, std::string("pythia-2.7b"));
    p = parseEvaluationPath("human_eval/human/alpaca_easy.json");
    QCOMPARE(p->model, std::string("human"));
    p = parseEvaluationPath("lora_fine_tuning/llama-30b-code/llama-30b-code/code.json");
    QCOMPARE(p->variant, std::string("llama-30b-code"));
    QCOMPARE(p->trainDistribution, std::string("code"));
    QVERIFY(!parseEvaluationPath("zero_shot/zero_shot_dependency.png"));
    QVERIFY(!parseEvaluationPath("zero_shot/x.json"));
}

void TestResults::nanTokensAndKeyVariants()
{
    const auto f = parseEvaluationFile(R"({"model_name": "human", "distribution_id": "d", "accuracy": 0.5, "loss": NaN,
        "note": "NaN inside a string", "probabilities": [1.0, 0.0]})",
                                       "h.json");
    QCOMPARE(*f.accuracy, 0.5);
    QVERIFY(!f.loss);
    QCOMPARE(f.nanKeys, std::vector<std::string>{"loss"});
    QCOMPARE(f.probabilities.size(), std::size_t(2));
    QCOMPARE(f.modelDir, std::string("human"));
    const auto ccs = parseEvaluationFile(
        R"({"model_dir": "m", "distribution_dir": "distributions/alpaca_hard/", "eval_accuracy": 0.534})", "c.json");
    QCOMPARE(ccs.distribution, std::string("alpaca_hard"));
    QVERIFY(!ccs.hasProbabilities);
    const auto shortForm = parseEvaluationFile(
        R"({"eval_accuracy": 1.0, "eval_rms_calibration_error": NaN, "eval_probabilities": [1.0]})", "s.json");
    QVERIFY(shortForm.shortForm);
    QVERIFY(shortForm.hasRmsKey);
    QVERIFY(!shortForm.rmsCalibrationError);
    QVERIFY_THROWS_EXCEPTION(InputError, parseEvaluationFile("{\"eval_accuracy\": ", "bad.json"));
    QVERIFY_THROWS_EXCEPTION(InputError, parseEvaluationFile(R"({"eval_probabilities": [0.5, "x"]})", "bad.json"));
}

void TestResults::pythonRepr()
{
    QCOMPARE(pythonFloatRepr(0.0), std::string("0.0"));
    QCOMPARE(pythonFloatRepr(1.0), std::string("1.0"));
    QCOMPARE(pythonFloatRepr(0.1), std::string("0.1"));
    QCOMPARE(pythonFloatRepr(0.7946666666666666), std::string("0.7946666666666666"));
    QCOMPARE(pythonFloatRepr(-0.14670658682634735), std::string("-0.14670658682634735"));
    QCOMPARE(pythonFloatRepr(0.0001), std::string("0.0001"));
    QCOMPARE(pythonFloatRepr(0.00001), std::string("1e-05"));
    QCOMPARE(pythonFloatRepr(2.5e-7), std::string("2.5e-07"));
    QCOMPARE(pythonFloatRepr(123.0), std::string("123.0"));
    QCOMPARE(pythonFloatRepr(1e16), std::string("1e+16"));
    QCOMPARE(pythonFloatRepr(0.00235649910418384), std::string("0.00235649910418384"));
}

void TestResults::fixtureImportAndChecks()
{
    SKIP_WITHOUT_SHARED();
    QTemporaryDir dir;
    Workspace ws = Workspace::create(tempPath(dir, "w.sqlite"));
    const auto s = ResultsImporter::importResults(ws, geniesFixtures()); // the parent of results/ works too
    QCOMPARE(s.evaluationFiles, 16);
    QCOMPARE(s.duplicateFiles, 1); // lat_stim_1/lat/ copy
    QCOMPARE(s.metricsFiles, 3);
    QCOMPARE(s.metricsRows, 45);
    QCOMPARE(s.capabilityFiles, 2);
    ResultStore store(ws);
    // The stale accuracy the reference names, and nothing else disagrees.
    int differs = 0;
    for (const auto &f : store.flags())
        if (f.kind.find("_differs") != std::string::npos) {
            ++differs;
            QCOMPARE(f.path, std::string("evaluations/zero_shot/llama-13b-alpaca_hard/alpaca_hard.json"));
            QVERIFY(f.message.find("0.648") != std::string::npos && f.message.find("0.644") != std::string::npos);
        }
    QCOMPARE(differs, 1);
    QCOMPARE(s.storedValueDisagreements, 1);
    // Hard 0/1 files: the three llama zero_shot files and human_eval.
    QCOMPARE(s.hardFiles, 4);
    // RMS recomputed bit for bit on the generalization files.
    for (const auto &e : store.evaluations()) {
        if (e.storedRms && e.rms)
            QVERIFY2(std::fabs(*e.storedRms - *e.rms) < 1e-9, e.path.c_str());
    }
    const auto lora = store.find("llama-7b", "lora_fine_tuning", "alpaca_easy", "alpaca_hard");
    QVERIFY(lora);
    QVERIFY(lora->shortForm);
    QCOMPARE(lora->probabilityCount, 750);
    const auto ccs = store.find("llama-30b", "ccs", "alpaca_easy", "alpaca_hard");
    QVERIFY(ccs);
    QCOMPARE(*ccs->storedAccuracy, 0.534);
    QCOMPARE(ccs->probabilityCount, 0);
    const auto human = store.find("human", "human_eval", "", "alpaca_easy");
    QVERIFY(human);
    QVERIFY(std::fabs(*human->storedAccuracy - 0.9565217391304348) < 1e-15);
    const auto lat = store.evaluations("llama-7b", "lat_stim_1", true);
    QCOMPARE(lat.size(), std::size_t(2));
    QVERIFY(!lat[0].duplicateOf || !lat[1].duplicateOf);
    QCOMPARE(store.evaluations("llama-7b", "lat_stim_1").size(), std::size_t(1));
    QCOMPARE(store.evaluations("llama-7b", "lat_stim_1")[0].variant, std::string()); // the canonical copy
    QCOMPARE(store.probabilities(lora->id).size(), std::size_t(750));
}

void TestResults::rebuiltTableEqualsPublishedCsv()
{
    SKIP_WITHOUT_SHARED();
    QTemporaryDir dir;
    Workspace ws = Workspace::create(tempPath(dir, "w.sqlite"));
    ResultsImporter::importResults(ws, geniesFixtures() / "results");
    const auto comparisons = compareAllWithPublished(ws);
    QCOMPARE(comparisons.size(), std::size_t(3));
    int compared = 0;
    for (const auto &c : comparisons) {
        QVERIFY2(c.differences.empty(), c.differences.empty() ? "" : c.differences.front().c_str());
        compared += c.comparedCells;
    }
    QCOMPARE(compared, 3 * 8); // mms rows 5 and 6, lora row 6: every input is in the fixture subset

    // The CSV text of a fully rebuildable row is byte-identical to the published line.
    std::vector<ShiftPair> shifts;
    for (const auto &p : ShiftCatalogueReader::builtin().uniqueRows())
        if (p.source == "alpaca_easy" || p.source == "code_easy")
            shifts.push_back(p);
    const std::string csv = generalizationCsv(rebuildGeneralizationTable(ws, "llama-7b", "mms", shifts));
    const std::string published = readText(geniesFixtures() / "results/generalization_metrics/llama-7b/mms/GENIES.csv");
    std::istringstream lines(csv);
    std::string line;
    int matched = 0;
    while (std::getline(lines, line))
        matched += published.find(line + "\n") != std::string::npos ? 1 : 0;
    QCOMPARE(matched, 3); // header + two rows
}

void TestResults::reimportDoesNotDoubleCount()
{
    SKIP_WITHOUT_SHARED();
    QTemporaryDir dir;
    Workspace ws = Workspace::create(tempPath(dir, "w.sqlite"));
    ResultsImporter::importResults(ws, geniesFixtures());
    ResultsImporter::importResults(ws, geniesFixtures());
    ResultStore store(ws);
    QCOMPARE(store.evaluationCount(true), 16);
    QCOMPARE(store.evaluationCount(), 15);
    Statement rows(ws.db(), "SELECT count(*) FROM published_metrics");
    QVERIFY(rows.step());
    QCOMPARE(rows.integer(0), 45);
}

void TestResults::linkAndLengthMismatch()
{
    QTemporaryDir dir;
    const fs::path root = tempPath(dir, "genies");
    writeText(root / "distributions/d/train.json", validSplit(2));
    writeText(root / "distributions/d/test.json", validSplit(2, 3)); // 4 pairs
    writeText(
        root / "results/evaluations/mms/llama-7b-d/d.json",
        R"({"model_dir": "models/llama-7b", "distribution_id": "d", "eval_accuracy": 0.75, "eval_probabilities": )"
            + probabilitiesJson({0.9, 0.2, 0.6, 0.7}) + "}");
    writeText(root / "results/evaluations/mms/llama-7b-d/e.json",
              R"({"eval_accuracy": 1.0, "eval_probabilities": [0.9, 0.8]})");
    writeText(root / "results/evaluations/few_shot/llama-7b-d/d.json",
              R"({"eval_accuracy": 1.0, "eval_probabilities": [0.9, 0.8, 0.7]})");
    Workspace ws = Workspace::create(tempPath(dir, "w.sqlite"));
    DataImporter::importData(ws, root);
    const auto summary = ResultsImporter::importResults(ws, root);
    QCOMPARE(summary.linkedFiles, 1);
    QCOMPARE(summary.lengthMismatches, 1);
    ResultStore store(ws);
    QVERIFY(store.linkStatus(*store.find("llama-7b", "mms", "d", "d")).linked);
    const auto flags = store.flags(store.find("llama-7b", "few_shot", "d", "d")->id);
    QCOMPARE(flags.size(), std::size_t(1));
    QCOMPARE(flags[0].kind, std::string("length_mismatch"));
    const auto shortOne = store.linkStatus(*store.find("llama-7b", "few_shot", "d", "d"));
    QVERIFY(!shortOne.linked);
    QVERIFY(shortOne.message.find("3 probabilities but d has 4 test pairs") != std::string::npos);
    QVERIFY(store.linkStatus(*store.find("llama-7b", "mms", "d", "e")).message.find("not in this workspace")
            != std::string::npos);
}

void TestResults::brokenFileWritesNothing()
{
    QTemporaryDir dir;
    const fs::path root = tempPath(dir, "results");
    writeText(root / "evaluations/mms/llama-7b-a/a.json", R"({"eval_accuracy": 1.0, "eval_probabilities": [0.9]})");
    writeText(root / "evaluations/mms/llama-7b-a/b.json", R"({"eval_accuracy": 1.0, "eval_probabilities": [0.9)");
    Workspace ws = Workspace::create(tempPath(dir, "w.sqlite"));
    try {
        ResultsImporter::importResults(ws, root);
        QFAIL("accepted");
    } catch (const InputError &e) {
        QVERIFY(e.problems().front().file.find("b.json") != std::string::npos);
        QVERIFY(e.problems().front().message.find("malformed JSON") != std::string::npos);
    }
    QCOMPARE(ResultStore(ws).evaluationCount(true), 0);
    QVERIFY_THROWS_EXCEPTION(InputError, ResultsImporter::importResults(ws, tempPath(dir, "nothing")));
}

void TestResults::schemaVersionMatchesMigrations()
{
    QCOMPARE(int(workspaceMigrations().size()), Workspace::kSchemaVersion);
}

QTEST_GUILESS_MAIN(TestResults)
#include "tst_results.moc"
