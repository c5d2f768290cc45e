// ATen comes before any Qt header: Qt's `slots` macro breaks ATen/core/ivalue_inl.h.
#include "enginetestmodels.h"

#include "cli/commandtable.h"
#include "engine/cli/enginecommands.h"
#include "engine/scoring/responsescorer.h"
#include "genies/dataimporter.h"
#include "engine/interventions/activationcache.h"
#include "engine/interventions/directionprobeintervention.h"
#include "engine/interventions/logisticregression.h"
#include "engine/interventions/modelsession.h"
#include "runs/runner.h"
#include "runs/runplanner.h"
#include "runs/runstore.h"
#include "util/errors.h"
#include "workspace/workspace.h"

#include <QTemporaryDir>
#include <QTest>
#include <cmath>
#include <random>
#include <set>

using namespace shiftscope;
using namespace shiftscope::test;
namespace fs = std::filesystem;

namespace {

//! A GENIES split: each example has a preferred response ending in " yes" and two ending in " no" (separable at
//! the last token), or, when `shuffled`, a preferred response drawn at random among the three (nothing to learn).
std::string syntheticSplit(int count, unsigned seed, bool shuffled)
{
    static const char *words[] = {"red", "blue", "cat", "dog", "sun", "tree", "hat", "cup", "map", "pen"};
    std::mt19937 rng(seed);
    auto word = [&] { return std::string(words[rng() % 10]); };
    nlohmann::ordered_json split = nlohmann::ordered_json::array();
    for (int i = 0; i < count; ++i) {
        const std::string prompt = "Q" + std::to_string(i) + ": " + word() + " " + word() + "\n";
        std::vector<std::string> texts = {word() + " " + word() + " yes", word() + " " + word() + " no",
                                          word() + " no " + word() + " no"};
        const std::size_t preferred = shuffled ? rng() % 3 : 0;
        nlohmann::ordered_json responses = nlohmann::ordered_json::object();
        for (std::size_t r = 0; r < texts.size(); ++r)
            responses[texts[r] + std::string(r, '.')] = r == preferred ? 1 : 0;
        split.push_back({{"prompt", prompt}, {"responses", responses}});
    }
    return split.dump(1);
}

double accuracyOf(const std::vector<double> &p)
{
    double correct = 0;
    for (double v : p)
        correct += v > 0.5 ? 1.0 : v == 0.5 ? 0.5 : 0.0;
    return p.empty() ? 0 : correct / double(p.size());
}

} // namespace

class TestInterventions : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void logisticRegressionIsOptimal();
    void probesLearnSeparableData_data();
    void probesLearnSeparableData();
    void rewardModelsLearnSeparableData_data();
    void rewardModelsLearnSeparableData();
    void trainingIsDeterministicAndReloads();
    void prefixSharedTrainingEqualsPerPair_data();
    void prefixSharedTrainingEqualsPerPair();
    void checkpointedTrainingEqualsPlain_data();
    void checkpointedTrainingEqualsPlain();
    void bfloat16TrainingFollowsFloat32_data();
    void bfloat16TrainingFollowsFloat32();
    void zeroShotIsTheScorer();
    void fewShotDrawsSeededDemonstrations();
    void ccsFitsAndIsOriented();
    void activationCacheIsSharedAndKeyed();
    void bfloat16ActivationsAreKeptApart();
    void badParametersAreNamed();
    void runResumesToTheSameNumbers();
    void runCommandWithAModelIntervention();
    void runOnAnUnavailableDevice();
    void interventionsCommandListsParameters();

private:
    fs::path path(const std::string &name) const { return fs::path(m_dir.path().toStdString()) / name; }
    //! Trains `name` on `source` and evaluates it on the test split of `target`; the intervention is returned in
    //! `keep` when asked for.
    std::vector<double> trainAndEvaluate(const std::string &name, const std::string &source, const std::string &target,
                                         const std::vector<std::string> &parameters = {}, std::uint64_t seed = 1,
                                         const fs::path &artifacts = {}, std::unique_ptr<Intervention> *keep = nullptr);
    //! Two trainings of `name` on sep, evaluated on shuf, that differ in `key` (`a` and `b`) beyond the comma-separated
    //! `settings`: the largest prediction difference and both training logs.
    struct TwoTrainings {
        double largest = 0;
        nlohmann::json logA, logB;
    };
    TwoTrainings trainTwice(const std::string &name, const QString &settings, const std::string &key,
                            const std::string &a, const std::string &b);
    InterventionContext context(Intervention &intervention, const std::vector<std::string> &parameters,
                                std::uint64_t seed, const fs::path &artifacts) const;

    QTemporaryDir m_dir;
    fs::path m_model;
    fs::path m_data;
    std::unique_ptr<Workspace> m_ws;
};

void TestInterventions::initTestCase()
{
    registerEngineCommands();
    TinyModel m;
    m.vocab = 128;
    m.hidden = 32;
    m.intermediate = 48;
    m.positions = 512;
    m_model = writeTinyModel(path("model"), m);
    writeText(m_model / "tokenizer.json", charTokenizerJson());
    m_data = path("distributions");
    writeText(m_data / "sep" / "train.json", syntheticSplit(60, 1, false));
    writeText(m_data / "sep" / "test.json", syntheticSplit(40, 2, false));
    writeText(m_data / "shuf" / "train.json", syntheticSplit(60, 3, true));
    writeText(m_data / "shuf" / "test.json", syntheticSplit(40, 4, true));
    m_ws = std::make_unique<Workspace>(Workspace::openOrCreate(path("ws.sqlite")));
    DataImporter::importData(*m_ws, m_data);
}

InterventionContext TestInterventions::context(Intervention &intervention, const std::vector<std::string> &parameters,
                                               std::uint64_t seed, const fs::path &artifacts) const
{
    InterventionContext c;
    c.modelDir = m_model;
    c.modelHash = "tiny";
    c.parameters = resolveParameters(intervention, parameters);
    c.seed = seed;
    c.artifactDir = artifacts;
    c.cacheDir = path("cache");
    fs::create_directories(artifacts);
    return c;
}

std::vector<double> TestInterventions::trainAndEvaluate(const std::string &name, const std::string &source,
                                                        const std::string &target,
                                                        const std::vector<std::string> &parameters, std::uint64_t seed,
                                                        const fs::path &artifacts, std::unique_ptr<Intervention> *keep)
{
    auto intervention = InterventionRegistry::instance().create(name);
    const fs::path dir = artifacts.empty() ? path("artifacts-" + name + "-" + source + "-" + std::to_string(seed))
                                           : artifacts;
    InterventionContext c = context(*intervention, parameters, seed, dir);
    c.trainDistribution = source;
    if (intervention->trains()) {
        c.trainDataHash = m_ws->distribution(source)->contentHash;
        intervention->train(c, m_ws->examples(source, Split::Train));
    }
    c.evalDistribution = target;
    c.evalDataHash = m_ws->distribution(target)->contentHash;
    const auto examples = m_ws->examples(target, Split::Test);
    const auto pairs = pairsInOrder(examples);
    std::vector<double> out;
    for (std::size_t start = 0; start < pairs.size(); start += 16) { // in batches, as runs call it
        const std::vector<PairRef> batch(pairs.begin() + std::ptrdiff_t(start),
                                         pairs.begin() + std::ptrdiff_t(std::min(pairs.size(), start + 16)));
        const auto p = intervention->evaluate(c, examples, batch);
        out.insert(out.end(), p.begin(), p.end());
    }
    if (keep)
        *keep = std::move(intervention);
    return out;
}

void TestInterventions::logisticRegressionIsOptimal()
{
    // Overlapping classes: the fit must satisfy the optimality condition Xᵀ(p − y) + l2·w = 0, Σ(p − y) = 0.
    at::manual_seed(3);
    const at::Tensor x = at::randn({200, 5}, at::kDouble);
    const at::Tensor y = ((x.select(1, 0) + 0.5 * x.select(1, 1) + at::randn({200}, at::kDouble)) > 0).to(at::kDouble);
    for (double l2 : {1.0, 0.01}) {
        const LogisticModel m = fitLogistic(x, y, l2);
        const at::Tensor residual = m.probabilities(x) - y;
        const at::Tensor gradient = at::mv(x.t(), residual) + l2 * m.weights;
        QVERIFY2(gradient.abs().max().item<double>() < 1e-6,
                 std::to_string(gradient.abs().max().item<double>()).c_str());
        QVERIFY(std::fabs(residual.sum().item<double>()) < 1e-6);
        QVERIFY(m.weights[0].item<double>() > m.weights[1].item<double>() && m.weights[1].item<double>() > 0);
    }
    // Stronger regularisation shrinks the weights.
    QVERIFY(fitLogistic(x, y, 100.0).weights.norm().item<double>()
            < fitLogistic(x, y, 1.0).weights.norm().item<double>());
}

void TestInterventions::probesLearnSeparableData_data()
{
    QTest::addColumn<QString>("name");
    for (const char *name : {"mms", "cra", "lat_stim_1", "lat_stim_2", "linear_probe"})
        QTest::newRow(name) << QString(name);
}

void TestInterventions::probesLearnSeparableData()
{
    QFETCH(QString, name);
    const auto separable = trainAndEvaluate(name.toStdString(), "sep", "sep");
    QCOMPARE(separable.size(), 80u);
    for (double p : separable)
        QVERIFY(p >= 0 && p <= 1);
    QVERIFY2(accuracyOf(separable) >= 0.9, std::to_string(accuracyOf(separable)).c_str());
    const double shuffled = accuracyOf(trainAndEvaluate(name.toStdString(), "shuf", "shuf"));
    QVERIFY2(shuffled > 0.3 && shuffled < 0.7, std::to_string(shuffled).c_str());
}

void TestInterventions::rewardModelsLearnSeparableData_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("learningRate");
    QTest::newRow("lora") << "lora"
                          << "2e-2";
    QTest::newRow("prompt_tuning") << "prompt_tuning"
                                   << "1e-1";
}

void TestInterventions::rewardModelsLearnSeparableData()
{
    QFETCH(QString, name);
    QFETCH(QString, learningRate);
    const std::vector<std::string> parameters = {"steps=60", "learning_rate=" + learningRate.toStdString()};
    const double separable = accuracyOf(trainAndEvaluate(name.toStdString(), "sep", "sep", parameters));
    QVERIFY2(separable >= 0.9, std::to_string(separable).c_str());
    const double shuffled = accuracyOf(trainAndEvaluate(name.toStdString(), "shuf", "shuf", parameters));
    QVERIFY2(shuffled > 0.3 && shuffled < 0.7, std::to_string(shuffled).c_str());
}

void TestInterventions::trainingIsDeterministicAndReloads()
{
    for (const std::string name : {"lora", "prompt_tuning", "mms", "linear_probe", "few_shot"}) {
        const std::vector<std::string> parameters = name == "lora" || name == "prompt_tuning"
                                                      ? std::vector<std::string>{"steps=5"}
                                                      : std::vector<std::string>{};
        const fs::path first = path("det-a-" + name), second = path("det-b-" + name);
        const auto a = trainAndEvaluate(name, "sep", "shuf", parameters, 7, first);
        const auto b = trainAndEvaluate(name, "sep", "shuf", parameters, 7, second);
        QVERIFY2(a == b, name.c_str());
        // A fresh object restores what training saved and predicts the same.
        auto restored = InterventionRegistry::instance().create(name);
        InterventionContext c = context(*restored, parameters, 7, first);
        c.evalDistribution = "shuf";
        c.evalDataHash = m_ws->distribution("shuf")->contentHash;
        restored->load(c);
        const auto examples = m_ws->examples("shuf", Split::Test);
        const auto again = restored->evaluate(c, examples, pairsInOrder(examples));
        QCOMPARE(again.size(), a.size());
        for (std::size_t i = 0; i < a.size(); ++i)
            QVERIFY2(std::fabs(again[i] - a[i]) < 1e-6, name.c_str());
        if (name != "few_shot"
            && name != "linear_probe") { // another seed learns something else (the probe uses all data)
            const auto other = trainAndEvaluate(name, "sep", "shuf", parameters, 8, path("det-c-" + name));
            QVERIFY2(other != a, name.c_str());
        }
    }
}

TestInterventions::TwoTrainings TestInterventions::trainTwice(const std::string &name, const QString &settings,
                                                              const std::string &key, const std::string &a,
                                                              const std::string &b)
{
    std::vector<std::string> common = {"steps=6", "batch_size=4"};
    for (const QString &p : settings.split(QLatin1Char(',')))
        common.push_back(p.toStdString());
    auto run = [&](const std::string &value) {
        auto parameters = common;
        parameters.push_back(key + "=" + value);
        return trainAndEvaluate(name, "sep", "shuf", parameters, 3, path(name + "-" + key + "-" + value));
    };
    const auto pa = run(a), pb = run(b);
    TwoTrainings t;
    for (std::size_t i = 0; i < pa.size() && i < pb.size(); ++i)
        t.largest = std::max(t.largest, std::fabs(pa[i] - pb[i]));
    if (pa.size() != pb.size())
        t.largest = 1;
    auto logOf = [&](const std::string &value) {
        return nlohmann::json::parse(
            readText(path(name + "-" + key + "-" + value) / "reward_model.json"))["training_log"];
    };
    t.logA = logOf(a);
    t.logB = logOf(b);
    return t;
}

void TestInterventions::prefixSharedTrainingEqualsPerPair_data()
{
    QTest::addColumn<QString>("intervention");
    QTest::addColumn<QString>("settings");
    QTest::newRow("lora") << "lora"
                          << "dropout=0,learning_rate=0.01";
    QTest::newRow("prompt_tuning") << "prompt_tuning"
                                   << "virtual_tokens=4,learning_rate=0.05";
}

void TestInterventions::prefixSharedTrainingEqualsPerPair()
{
    // Training runs each pair's prompt once (after prompt_tuning's virtual tokens) and continues it with both
    // responses; the losses, what was trained and so the predictions equal those of running both sequences in
    // full (lora's dropout off: its random draws follow the tensors' shapes).
    QFETCH(QString, intervention);
    QFETCH(QString, settings);
    const auto t = trainTwice(intervention.toStdString(), settings, "prefix_sharing", "true", "false");
    QVERIFY2(t.largest < 1e-4, qPrintable(QString("predictions differ by %1").arg(t.largest)));
    const auto &a = t.logA, &b = t.logB;
    QCOMPARE(a.size(), std::size_t(6));
    for (std::size_t i = 0; i < a.size(); ++i)
        QVERIFY(std::fabs(a[i]["loss"].get<double>() - b[i]["loss"].get<double>()) < 1e-5);
    // Training moved away from the start, so the comparison is not of two untrained models.
    QVERIFY(std::fabs(a.back()["loss"].get<double>() - a.front()["loss"].get<double>()) > 1e-4);
}

void TestInterventions::checkpointedTrainingEqualsPlain_data()
{
    QTest::addColumn<QString>("intervention");
    QTest::addColumn<QString>("settings");
    // lora keeps its dropout: the blocks run again in backward must draw the same masks.
    QTest::newRow("lora, prefix-shared") << "lora"
                                         << "dropout=0.2,learning_rate=0.01";
    QTest::newRow("lora, per pair") << "lora"
                                    << "dropout=0.2,learning_rate=0.01,prefix_sharing=false";
    QTest::newRow("prompt_tuning") << "prompt_tuning"
                                   << "virtual_tokens=4,learning_rate=0.05";
}

void TestInterventions::checkpointedTrainingEqualsPlain()
{
    // activation_checkpointing=true keeps only each block's input and runs the block again in the backward pass:
    // the same losses, trained tensors and predictions as keeping every activation.
    QFETCH(QString, intervention);
    QFETCH(QString, settings);
    const auto t = trainTwice(intervention.toStdString(), settings, "activation_checkpointing", "true", "false");
    QVERIFY2(t.largest < 1e-5, qPrintable(QString("predictions differ by %1").arg(t.largest)));
    const auto &a = t.logA, &b = t.logB;
    QCOMPARE(a.size(), std::size_t(6));
    for (std::size_t i = 0; i < a.size(); ++i)
        QVERIFY(std::fabs(a[i]["loss"].get<double>() - b[i]["loss"].get<double>()) < 1e-6);
    QVERIFY(std::fabs(a.back()["loss"].get<double>() - a.front()["loss"].get<double>()) > 1e-4);
}

void TestInterventions::bfloat16TrainingFollowsFloat32_data()
{
    QTest::addColumn<QString>("intervention");
    QTest::addColumn<QString>("settings");
    QTest::newRow("lora") << "lora"
                          << "dropout=0,learning_rate=0.01";
    QTest::newRow("prompt_tuning") << "prompt_tuning"
                                   << "virtual_tokens=4,learning_rate=0.01";
}

void TestInterventions::bfloat16TrainingFollowsFloat32()
{
    // precision=bfloat16 runs the frozen model in bfloat16 while the adapters or virtual tokens, the head and AdamW
    // stay float32: the training follows the float32 one within bfloat16's rounding.
    QFETCH(QString, intervention);
    QFETCH(QString, settings);
    const std::string name = intervention.toStdString();
    const auto t = trainTwice(name, settings, "precision", "bfloat16", "float32");
    QVERIFY2(t.largest > 0 && t.largest < 0.1, qPrintable(QString("predictions differ by %1").arg(t.largest)));
    const auto &a = t.logA, &b = t.logB;
    for (std::size_t i = 0; i < a.size(); ++i)
        QVERIFY2(std::fabs(a[i]["loss"].get<double>() - b[i]["loss"].get<double>()) < 0.03,
                 qPrintable(QString("step %1: %2 against %3")
                                .arg(i + 1)
                                .arg(a[i]["loss"].get<double>())
                                .arg(b[i]["loss"].get<double>())));
    try {
        trainAndEvaluate(name, "sep", "shuf", {"precision=float16"}, 3, path(name + "-f16"));
        QFAIL("precision=float16 was accepted");
    } catch (const InputError &e) {
        QVERIFY2(std::string(e.what()).find("precision") != std::string::npos, e.what());
    }
}

void TestInterventions::zeroShotIsTheScorer()
{
    const auto p = trainAndEvaluate("zero_shot", "", "shuf");
    const auto session = ModelSession::open(m_model);
    std::vector<TokenizedExample> tokenized;
    for (const Example &e : m_ws->examples("shuf", Split::Test))
        tokenized.push_back(session->pairTokens(e));
    std::vector<ResponsePair> pairs;
    for (const PairRef &r : pairsInOrder(m_ws->examples("shuf", Split::Test)))
        pairs.push_back({std::size_t(r.examplePosition), r.preferredIndex, r.dispreferredIndex});
    const auto expected =
        ResponseScorer(session->model(), {PairScoring::GeniesZeroShot, 2048, 2}).scorePairsNaive(tokenized, pairs);
    QCOMPARE(p.size(), expected.size());
    for (std::size_t i = 0; i < p.size(); ++i)
        QVERIFY(std::fabs(p[i] - expected[i]) < 1e-5);
    const auto mean = trainAndEvaluate("zero_shot", "", "shuf", {"scoring=mean"});
    QVERIFY(mean != p);
}

void TestInterventions::fewShotDrawsSeededDemonstrations()
{
    const auto zero = trainAndEvaluate("zero_shot", "", "shuf");
    const auto a = trainAndEvaluate("few_shot", "sep", "shuf", {}, 1);
    const auto b = trainAndEvaluate("few_shot", "sep", "shuf", {}, 2);
    QVERIFY(a != zero);
    QVERIFY(a != b);
    // No demonstrations is zero-shot.
    QCOMPARE(trainAndEvaluate("few_shot", "sep", "shuf", {"num_shots=0"}), zero);
    // The pool is saved as JSON.
    QVERIFY(readText(path("artifacts-few_shot-sep-1") / "few_shot.json").find("demonstration_pool")
            != std::string::npos);
}

void TestInterventions::ccsFitsAndIsOriented()
{
    const std::vector<std::string> parameters = {"restarts=3", "epochs=300"};
    const auto p = trainAndEvaluate("ccs", "sep", "sep", parameters, 1, path("ccs-a"));
    QCOMPARE(p, trainAndEvaluate("ccs", "sep", "sep", parameters, 1, path("ccs-b")));
    for (double v : p)
        QVERIFY(v >= 0 && v <= 1);
    const auto record = nlohmann::json::parse(readText(path("ccs-a") / "ccs.json"));
    QVERIFY(record.at("training_pair_accuracy").get<double>() >= 0.5);
    QVERIFY(record.at("final_loss").get<double>() < 0.25); // better than the constant probe p = 0.5
}

void TestInterventions::activationCacheIsSharedAndKeyed()
{
    const auto session = ModelSession::open(m_model);
    const fs::path dir = path("cache-keyed");
    const auto examples = m_ws->examples("sep", Split::Test);
    std::vector<std::size_t> all(examples.size());
    for (std::size_t i = 0; i < all.size(); ++i)
        all[i] = i;
    ActivationCache first(session, dir, "m1", 512);
    const auto a = first.read("sep", "test", "h1", examples, {}, all);
    QCOMPARE(first.statistics().computedTexts, 120);
    ActivationCache second(session, dir, "m1", 512); // another run: everything from disk
    const auto b = second.read("sep", "test", "h1", examples, {}, {5, 39});
    QCOMPARE(second.statistics().computedTexts, 0);
    QVERIFY(second.statistics().loadedTexts > 0);
    QVERIFY(at::equal(a[5].heads, b[0].heads) && at::equal(a[39].residual, b[1].residual));
    // Extraction equals a plain forward pass at the last token, BOS-free for this tokenizer, batch or not.
    ForwardRequest request;
    const auto ids = session->readerTokens(examples[5].prompt + examples[5].responses[1].text, false);
    request.inputIds = at::tensor(std::vector<std::int64_t>(ids.begin(), ids.end()), at::kLong).unsqueeze(0);
    request.capturePositions = at::full({1, 1}, std::int64_t(ids.size()) - 1, at::kLong);
    request.hiddenStates = request.headOutputs = true;
    const ForwardResult plain = session->model().forward(request);
    QVERIFY(at::allclose(plain.hiddenStates[0][0], a[5].residual[1], 1e-4, 1e-5));
    QVERIFY(at::allclose(plain.headOutputs[0][0], a[5].heads[1], 1e-4, 1e-5));
    // A change of model, data or reader text is another entry.
    ActivationCache otherModel(session, dir, "m2", 512);
    otherModel.read("sep", "test", "h1", examples, {}, {0});
    QVERIFY(otherModel.statistics().computedTexts > 0);
    ActivationCache otherData(session, dir, "m1", 512);
    otherData.read("sep", "test", "h2", examples, {}, {0});
    QVERIFY(otherData.statistics().computedTexts > 0);
    ActivationCache otherText(session, dir, "m1", 512);
    otherText.read("sep", "test", "h1", examples, ReaderText{"", "!", false}, {0});
    QVERIFY(otherText.statistics().computedTexts > 0);
    // Probes of different interventions share an entry: lat_stim_1 after linear_probe writes no new chunk.
    auto chunkFiles = [&] {
        int count = 0;
        for (const auto &entry : fs::recursive_directory_iterator(path("cache")))
            count += entry.path().extension() == ".safetensors";
        return count;
    };
    trainAndEvaluate("linear_probe", "sep", "sep");
    const int chunks = chunkFiles();
    QVERIFY(chunks >= 4); // train (60 examples) and test (40): two chunks each
    trainAndEvaluate("lat_stim_1", "sep", "sep");
    QCOMPARE(chunkFiles(), chunks);
}

void TestInterventions::bfloat16ActivationsAreKeptApart()
{
    // precision=bfloat16 extracts activations with the model in bfloat16, keeps them as float32 in entries of
    // their own (a float32 run never reads them), and the probe still learns the separable data.
    auto entries = [&] {
        std::set<std::string> keys;
        for (const auto &entry : fs::directory_iterator(path("cache") / "activations"))
            keys.insert(entry.path().filename().string());
        return keys;
    };
    const auto full = trainAndEvaluate("mms", "sep", "sep", {}, 4, path("mms-fp32"));
    const auto before = entries();
    const auto half = trainAndEvaluate("mms", "sep", "sep", {"precision=bfloat16"}, 4, path("mms-bf16"));
    const auto after = entries();
    QVERIFY2(after.size() >= before.size() + 2, "bfloat16 activations went into float32 entries"); // train and test
    QVERIFY(accuracyOf(half) > 0.9);
    double largest = 0;
    for (std::size_t i = 0; i < half.size(); ++i)
        largest = std::max(largest, std::fabs(half[i] - full[i]));
    QVERIFY2(largest > 0 && largest < 0.1, qPrintable(QString("predictions differ by %1").arg(largest)));
    try {
        trainAndEvaluate("linear_probe", "sep", "sep", {"precision=fp8"}, 4, path("lp-fp8"));
        QFAIL("precision=fp8 was accepted");
    } catch (const InputError &e) {
        QVERIFY2(std::string(e.what()).find("precision") != std::string::npos, e.what());
    }
}

void TestInterventions::badParametersAreNamed()
{
    auto lora = InterventionRegistry::instance().create("lora");
    InterventionContext c = context(*lora, {"rank=zero"}, 1, path("bad"));
    c.trainDistribution = "sep";
    try {
        lora->train(c, m_ws->examples("sep", Split::Train));
        QFAIL("a bad rank was accepted");
    } catch (const InputError &e) {
        QVERIFY2(std::string(e.what()).find("rank") != std::string::npos, e.what());
        QVERIFY(std::string(e.what()).find("whole number") != std::string::npos);
    }
    // A unit folder without what training saves, or with a damaged file, is refused with the file named.
    for (const std::string name : {"lora", "prompt_tuning", "few_shot", "mms", "linear_probe", "ccs"}) {
        auto intervention = InterventionRegistry::instance().create(name);
        const fs::path empty = path("empty-unit-" + name);
        const InterventionContext unit = context(*intervention, {}, 1, empty);
        QVERIFY_THROWS_EXCEPTION(InputError, intervention->load(unit));
        for (const char *file : {"reward_model.safetensors", "few_shot.json", "probe.json", "directions.safetensors",
                                 "linear_probe.safetensors", "ccs.safetensors"})
            writeText(empty / file, "{\"demonstration_pool\": 3}");
        try {
            intervention->load(unit);
            QFAIL(("a damaged artifact was accepted by " + name).c_str());
        } catch (const InputError &e) {
            QVERIFY2(std::string(e.what()).find(empty.string()) != std::string::npos, e.what());
        }
    }
    auto mms = InterventionRegistry::instance().create("mms");
    InterventionContext noModel = context(*mms, {}, 1, path("bad2"));
    noModel.modelDir.clear();
    QVERIFY_THROWS_EXCEPTION(InputError, mms->train(noModel, m_ws->examples("sep", Split::Train)));
    // A run of a model intervention without a model is refused before anything is written: no run left behind.
    const std::size_t runsBefore = RunStore(*m_ws).runs().size();
    for (const std::string name : {"lora", "zero_shot", "mms", "ccs", "few_shot", "linear_probe"}) {
        QVERIFY(InterventionRegistry::instance().create(name)->needsModel());
        QVERIFY_THROWS_EXCEPTION(InputError, planRun(*m_ws, {{}, name, "sep:sep", {}, 1, "zero_shot", {}}));
    }
    QCOMPARE(RunStore(*m_ws).runs().size(), runsBefore);
    // One that needs none plans without the zero-shot baseline, which would need the model.
    const RunRecord chance = planRun(*m_ws, {{}, "random", "sep:sep", {}, 1, "zero_shot", {}});
    for (const RunUnit &unit : chance.units)
        QVERIFY(unit.intervention != "zero_shot");
}

void TestInterventions::runResumesToTheSameNumbers()
{
    auto runOnce = [&](bool interrupt) {
        RunRequest request;
        request.modelDir = m_model;
        request.intervention = "mms";
        request.shifts = "sep:shuf";
        request.seed = 5;
        const RunRecord planned = planRun(*m_ws, request);
        RunStore store(*m_ws);
        const std::int64_t id = store.create(planned);
        if (interrupt) {
            RunOptions options;
            options.batchSize = 8;
            int calls = 0;
            options.progress = [&](std::int64_t, std::int64_t, const std::string &stage) {
                return stage.find("evaluating") == std::string::npos || ++calls < 4;
            };
            if (RunRunner::execute(*m_ws, id, options) != RunStatus::Cancelled)
                return std::vector<double>{};
        }
        RunOptions options;
        options.batchSize = 8;
        if (RunRunner::execute(*m_ws, id, options) != RunStatus::Done)
            return std::vector<double>{};
        std::vector<double> all;
        const auto run = store.run(id);
        for (const auto &unit : run->units)
            for (const auto &d : unit.evaluations) {
                const auto p = store.predictions(unit.id, d);
                all.insert(all.end(), p.begin(), p.end());
            }
        return all;
    };
    const auto straight = runOnce(false);
    QVERIFY(!straight.empty());
    QCOMPARE(runOnce(true), straight);
}

void TestInterventions::runCommandWithAModelIntervention()
{
    std::ostringstream out, err;
    const std::string ws = path("ws.sqlite").string();
    const int code = runCli({"--workspace", ws, "run", "--model", m_model.string(), "--intervention", "linear_probe",
                             "--shifts", "sep:shuf", "--seed", "3"},
                            out, err);
    QVERIFY2(code == 0, err.str().c_str());
    const std::string text = out.str();
    QVERIFY2(text.find(": done") != std::string::npos, text.c_str());
    QVERIFY2(text.find("sep -> shuf") != std::string::npos, text.c_str());
    QVERIFY2(err.str().find("training on sep") != std::string::npos, err.str().c_str());
    const std::string id = text.substr(4, text.find(':') - 4);
    std::ostringstream report, reportErr;
    QCOMPARE(runCli({"--workspace", ws, "report", "--run", id, "--csv"}, report, reportErr), 0);
    QVERIFY2(report.str().find("sep") != std::string::npos && report.str().find("shuf") != std::string::npos,
             report.str().c_str());
}

void TestInterventions::runOnAnUnavailableDevice()
{
    const std::string ws = path("devices.sqlite").string();
    {
        Workspace w = Workspace::create(ws);
        DataImporter::importData(w, m_data);
    }
    const std::vector<std::string> request = {
        "--workspace", ws,         "run",    "--model", m_model.string(), "--intervention", "linear_probe",
        "--shifts",    "sep:shuf", "--seed", "3",       "--device"};
    std::ostringstream out, err;
    auto withDevice = [&](const std::string &device) {
        auto words = request;
        words.push_back(device);
        return words;
    };
    QCOMPARE(runCli(withDevice("tpu"), out, err), 2);
    QVERIFY2(err.str().find("--device tpu") != std::string::npos, err.str().c_str());
    {
        Workspace planned = Workspace::open(ws);
        QVERIFY(RunStore(planned).runs().empty()); // nothing was planned
    }
    if (at::hasCUDA())
        QSKIP("this libtorch has CUDA and sees a GPU: check_devices covers the GPU");

    // Asking for CUDA where libtorch has none fails with the reason, and the run it planned is taken back: the same
    // run on the CPU is the first of the workspace.
    std::ostringstream cudaOut, cudaErr;
    QCOMPARE(runCli(withDevice("cuda"), cudaOut, cudaErr), 2);
    QVERIFY2(cudaErr.str().find("--device cuda") != std::string::npos
                 && cudaErr.str().find("no CUDA") != std::string::npos,
             cudaErr.str().c_str());
    Workspace w = Workspace::open(ws);
    QVERIFY(RunStore(w).runs().empty());
    std::ostringstream cpuOut, cpuErr;
    QCOMPARE(runCli(withDevice("cpu"), cpuOut, cpuErr), 0);
    QVERIFY2(cpuOut.str().find(": done") != std::string::npos, cpuOut.str().c_str());
    const auto runs = RunStore(w).runs();
    QCOMPARE(runs.size(), std::size_t(1));
    QVERIFY2(runs[0].units[0].log.find("(cpu)") != std::string::npos, runs[0].units[0].log.c_str());
}

void TestInterventions::interventionsCommandListsParameters()
{
    std::ostringstream out, err;
    QCOMPARE(runCli({"interventions", "--json"}, out, err), 0);
    const auto list = nlohmann::json::parse(out.str());
    std::set<std::string> names;
    for (const auto &entry : list) {
        names.insert(entry.at("name").get<std::string>());
        for (const auto &p : entry.at("parameters"))
            QVERIFY(!p.at("description").get<std::string>().empty());
    }
    for (const char *name : {"zero_shot", "few_shot", "lora", "prompt_tuning", "mms", "cra", "lat_stim_1", "lat_stim_2",
                             "ccs", "linear_probe", "random"})
        QVERIFY2(names.count(name), name);
    std::ostringstream text, textErr;
    QCOMPARE(runCli({"interventions"}, text, textErr), 0);
    QVERIFY(text.str().find("  rank = 8  LoRA rank") != std::string::npos);
}

QTEST_GUILESS_MAIN(TestInterventions)
#include "tst_interventions.moc"
