// Reward models and the architectures most of them use: the committed reference models of
// tests/reference/make_reference_models.py (an independent PyTorch implementation) run here batched with left and
// right padding, the sequence-classification head read at each row's last real token, Mistral's sliding window
// refused with its reason, and the forward command's scores.
#include "enginetestmodels.h" // first: it includes ATen before Qt

#include "engine/cli/enginecommands.h"
#include "engine/model/causallm.h"
#include "engine/model/forwardpass.h"
#include "engine/model/loraadapter.h"
#include "engine/scoring/rewardscorer.h"
#include "genies/dataimporter.h"
#include "runs/intervention.h"
#include "runs/runplanner.h"
#include "data/modelidentity.h"
#include "runs/runstore.h"
#include "tokenizer/tokenizer.h"
#include "util/errors.h"
#include "workspace/workspace.h"

using namespace shiftscope;
using namespace shiftscope::test;
namespace fs = std::filesystem;
using Json = nlohmann::json;

namespace {

fs::path referenceModels() { return fs::path(SHIFTSCOPE_SOURCE_DIR) / "tests" / "reference" / "models"; }

const char *const kReferenceModels[] = {"gpt-neox-reward", "llama-classifier", "gpt2-reward",   "qwen2-lm",
                                        "qwen2-reward",    "mistral-lm",       "mistral-reward"};

Json readJson(const fs::path &file) { return Json::parse(readText(file)); }

//! The reference cases' token rows padded on one side with `padId`: (ids, mask), each (rows, longest).
std::pair<at::Tensor, at::Tensor> padded(const std::vector<std::vector<std::int64_t>> &rows, bool left,
                                         std::int64_t padId = 0)
{
    std::size_t longest = 0;
    for (const auto &r : rows)
        longest = std::max(longest, r.size());
    at::Tensor ids = at::full({std::int64_t(rows.size()), std::int64_t(longest)}, padId, at::kLong);
    at::Tensor mask = at::zeros_like(ids);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto n = std::int64_t(rows[i].size());
        const std::int64_t offset = left ? std::int64_t(longest) - n : 0;
        ids[std::int64_t(i)].narrow(0, offset, n).copy_(at::tensor(rows[i], at::kLong));
        mask[std::int64_t(i)].narrow(0, offset, n).fill_(1);
    }
    return {ids, mask};
}

at::Tensor tensorOf(const Json &values) { return at::tensor(values.get<std::vector<double>>(), at::kDouble); }

double maxDifference(const at::Tensor &a, const at::Tensor &b)
{
    return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>();
}

} // namespace

class TestRewardModels : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { registerEngineCommands(); }
    void matchesReference_data();
    void matchesReference();
    void headsAndLabelsFromConfig();
    void mistralWindowRefused();
    void forwardWritesScores();
    void sharedPromptEqualsFullSequences();
    void rewardsMatchReference();
    void rewardModelIntervention();
    void headMismatchRefused();
    void adaptersMatchReference_data();
    void adaptersMatchReference();
    void adaptersRefusedByName();
    void adapterOnTheCommandLine();
    void runsApplyTheAdapter();
    void loraRoundTripsThroughPeft_data();
    void loraRoundTripsThroughPeft();
    void padTokenIsSkippedAsTransformersDoes();
};

void TestRewardModels::matchesReference_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("left");
    for (const char *name : kReferenceModels) {
        QTest::newRow(qPrintable(QString("%1 left-padded").arg(name))) << QString(name) << true;
        QTest::newRow(qPrintable(QString("%1 right-padded").arg(name))) << QString(name) << false;
    }
}

void TestRewardModels::matchesReference()
{
    QFETCH(QString, name);
    QFETCH(bool, left);
    const fs::path dir = referenceModels() / name.toStdString();
    const Json expected = readJson(dir / "expected.json");
    const auto model = loadCausalLM(dir);
    std::vector<std::vector<std::int64_t>> rows;
    for (const auto &c : expected["cases"])
        rows.push_back(c["input_ids"].get<std::vector<std::int64_t>>());
    const auto [ids, mask] = padded(rows, left);
    ForwardRequest request;
    request.inputIds = ids;
    request.attentionMask = mask;
    const at::Tensor last = lastRealPositions(mask);
    request.capturePositions = last.unsqueeze(1);
    request.hiddenStates = true;
    const ForwardResult result = model->forward(request);
    const int layers = model->config().layers;
    for (std::size_t r = 0; r < rows.size(); ++r) {
        const Json &c = expected["cases"][r];
        const auto row = std::int64_t(r);
        QCOMPARE(last[row].item<std::int64_t>(), left ? ids.size(1) - 1 : std::int64_t(rows[r].size()) - 1);
        const at::Tensor hidden = result.hiddenStates[row][0][layers];
        const double hiddenError = maxDifference(hidden, tensorOf(c["hidden_final"]));
        QVERIFY2(hiddenError < 1e-4, qPrintable(QString("row %1: hidden state off by %2").arg(r).arg(hiddenError)));
        const at::Tensor out = result.logits[row][last[row].item<std::int64_t>()];
        const Json &reference = model->config().classifies() ? c["scores"] : c["logits_last"];
        QCOMPARE(out.size(0), std::int64_t(reference.size()));
        const double outError = maxDifference(out, tensorOf(reference));
        QVERIFY2(outError < 1e-4, qPrintable(QString("row %1: output off by %2").arg(r).arg(outError)));
    }
}

void TestRewardModels::headsAndLabelsFromConfig()
{
    const auto config = [](const char *name) { return ModelConfig::load(referenceModels() / name); };
    QVERIFY(config("gpt-neox-reward").classifies());
    QCOMPARE(config("gpt-neox-reward").numLabels, 1);
    QCOMPARE(config("llama-classifier").numLabels, 3);
    QCOMPARE(config("mistral-reward").numLabels, 2);
    QVERIFY(!config("qwen2-lm").classifies());
    QVERIFY(config("qwen2-lm").attentionBias);
    QVERIFY(!config("qwen2-lm").outputBias);
    QVERIFY(!config("qwen2-lm").slidingWindow);
    QCOMPARE(*config("mistral-lm").slidingWindow, 12);
    QCOMPARE(config("mistral-lm").kvHeads, 1);
    QCOMPARE(config("gpt2-reward").architecture, Architecture::Gpt2);

    // Without id2label, num_labels decides; without both, transformers' default of two labels.
    const ModelConfig two = ModelConfig::parse(
        R"({"architectures": ["LlamaForSequenceClassification"], "hidden_size": 8, "num_attention_heads": 2})",
        "config.json");
    QCOMPARE(two.numLabels, 2);
    const ModelConfig one = ModelConfig::parse(
        R"({"architectures": ["LlamaForSequenceClassification"], "hidden_size": 8, "num_attention_heads": 2,
            "num_labels": 1})",
        "config.json");
    QCOMPARE(one.numLabels, 1);
    // Mistral's later releases write a null window: no window.
    const ModelConfig open = ModelConfig::parse(
        R"({"architectures": ["MistralForCausalLM"], "hidden_size": 8, "num_attention_heads": 2,
            "num_key_value_heads": 1, "sliding_window": null})",
        "config.json");
    QVERIFY(!open.slidingWindow);
    // A Qwen2 with its window switched on keeps it.
    const ModelConfig windowed = ModelConfig::parse(
        R"({"architectures": ["Qwen2ForCausalLM"], "hidden_size": 8, "num_attention_heads": 2,
            "num_key_value_heads": 1, "use_sliding_window": true, "sliding_window": 64})",
        "config.json");
    QCOMPARE(*windowed.slidingWindow, 64);
    try {
        ModelConfig::parse(R"({"architectures": ["BertForSequenceClassification"]})", "config.json");
        QFAIL("an unsupported architecture was accepted");
    } catch (const InputError &e) {
        QVERIFY(QString::fromStdString(e.what()).contains("Qwen2ForSequenceClassification"));
    }
}

void TestRewardModels::mistralWindowRefused()
{
    const auto model = loadCausalLM(referenceModels() / "mistral-lm");
    std::vector<std::int64_t> thirteen(13, 5);
    const auto [ids, mask] = padded({thirteen, {4, 5}}, true);
    ForwardRequest request;
    request.inputIds = ids;
    request.attentionMask = mask;
    try {
        model->forward(request);
        QFAIL("a sequence longer than the sliding window was run");
    } catch (const InputError &e) {
        const QString message = QString::fromStdString(e.what());
        QVERIFY2(message.contains("sliding window of 12 tokens") && message.contains("13 tokens long"),
                 qPrintable(message));
    }
    // Twelve real tokens behind padding are within the window.
    const auto [fits, fitsMask] = padded({std::vector<std::int64_t>(12, 5), {4}}, true);
    request.inputIds = fits;
    request.attentionMask = fitsMask;
    QCOMPARE(model->forward(request).logits.size(1), std::int64_t(12));
}

void TestRewardModels::forwardWritesScores()
{
    QTemporaryDir tmp;
    const fs::path dir = referenceModels() / "llama-classifier";
    const Json expected = readJson(dir / "expected.json");
    const auto rows =
        std::vector<std::vector<std::int64_t>>{expected["cases"][0]["input_ids"], expected["cases"][1]["input_ids"]};
    const auto [ids, mask] = padded(rows, false);
    Json cases = {{"cases", Json::array()}};
    Json one = {{"name", "right-padded"}, {"input_ids", Json::array()}, {"attention_mask", Json::array()}};
    for (std::int64_t r = 0; r < ids.size(0); ++r) {
        std::vector<std::int64_t> idRow(ids.size(1)), maskRow(ids.size(1));
        for (std::int64_t t = 0; t < ids.size(1); ++t) {
            idRow[std::size_t(t)] = ids[r][t].item<std::int64_t>();
            maskRow[std::size_t(t)] = mask[r][t].item<std::int64_t>();
        }
        one["input_ids"].push_back(idRow);
        one["attention_mask"].push_back(maskRow);
    }
    cases["cases"].push_back(one);
    const fs::path input = tempPath(tmp, "cases.json"), output = tempPath(tmp, "out.json");
    writeText(input, cases.dump());
    const CommandOutput run =
        runCommand({"forward", "--model", dir.string(), "--input", input.string(), "--out", output.string()});
    QVERIFY2(run.code == 0, run.err.c_str());
    const Json written = readJson(output);
    const Json &scores = written["cases"][0]["scores"];
    QCOMPARE(int(scores.size()), 2);
    for (int r = 0; r < 2; ++r) {
        QCOMPARE(int(scores[r].size()), 3);
        const double error = maxDifference(tensorOf(scores[r]), tensorOf(expected["cases"][r]["scores"]));
        QVERIFY2(error < 1e-4, qPrintable(QString("row %1 off by %2").arg(r).arg(error)));
    }
    QVERIFY(!written["cases"][0].contains("logits"));
    QCOMPARE(int(written["cases"][0]["hidden_last"][0].size()), 3); // embeddings + 2 layers
}

namespace {

//! Examples of raw token ids: prompts of several lengths (one empty), two to three responses each.
std::vector<TokenizedExample> tokenExamples(int vocab)
{
    std::vector<TokenizedExample> out;
    for (int e = 0; e < 7; ++e) {
        TokenizedExample t;
        for (int i = 0; i < (e * 3) % 8; ++i)
            t.prompt.push_back((7 * e + 3 * i + 4) % vocab);
        for (int r = 0; r < 2 + e % 2; ++r) {
            std::vector<int> response;
            for (int i = 0; i < 1 + (e + 2 * r) % 5; ++i)
                response.push_back((5 * e + 11 * r + 2 * i + 1) % vocab);
            t.responses.push_back(response);
        }
        out.push_back(t);
    }
    return out;
}

TinyModel tinyRewardModel(const std::string &architecture, int labels)
{
    TinyModel m;
    m.architecture = architecture;
    m.labels = labels;
    m.vocab = 128;
    m.hidden = 32;
    m.intermediate = 48;
    m.positions = 512;
    if (architecture == "GPT2LMHeadModel")
        m.tied = true;
    return m;
}

} // namespace

void TestRewardModels::sharedPromptEqualsFullSequences()
{
    QTemporaryDir tmp;
    for (const auto &[architecture, labels, label] :
         {std::tuple{"GPTNeoXForCausalLM", 1, 0}, {"LlamaForCausalLM", 2, 1}, {"GPT2LMHeadModel", 1, 0}}) {
        const fs::path dir = writeTinyModel(tempPath(tmp, architecture), tinyRewardModel(architecture, labels));
        const auto model = loadCausalLM(dir);
        QVERIFY(model->config().classifies());
        const auto examples = tokenExamples(128);
        for (const std::int64_t budget : {std::int64_t(16), std::int64_t(4096)}) {
            RewardScorerOptions options;
            options.label = label;
            options.batchTokens = budget;
            const RewardScorer scorer(*model, options);
            const auto shared = scorer.scoreResponses(examples);
            const auto naive = scorer.scoreResponsesNaive(examples);
            for (std::size_t e = 0; e < examples.size(); ++e)
                for (std::size_t r = 0; r < examples[e].responses.size(); ++r)
                    QVERIFY2(std::fabs(shared[e][r] - naive[e][r]) < 1e-5,
                             qPrintable(QString("%1 example %2 response %3: %4 vs %5")
                                            .arg(architecture)
                                            .arg(e)
                                            .arg(r)
                                            .arg(shared[e][r])
                                            .arg(naive[e][r])));
        }
        // Pairs: σ of the reward difference.
        const RewardScorer scorer(*model, {2048, 0, label});
        const auto rewards = scorer.scoreResponses(examples);
        const auto p = scorer.scorePairs(examples, {{1, 0, 1}, {2, 1, 0}});
        QVERIFY(std::fabs(p[0] - 1.0 / (1.0 + std::exp(rewards[1][1] - rewards[1][0]))) < 1e-12);
        QVERIFY(std::fabs(p[1] - 1.0 / (1.0 + std::exp(rewards[2][0] - rewards[2][1]))) < 1e-12);
        QVERIFY_THROWS_EXCEPTION(InputError, RewardScorer(*model, {2048, 0, labels}));
    }
}

void TestRewardModels::rewardsMatchReference()
{
    // Each reference sequence split into a prompt and a response: the reward equals the reference's score.
    for (const char *name : {"gpt-neox-reward", "qwen2-reward", "gpt2-reward", "mistral-reward"}) {
        const fs::path dir = referenceModels() / name;
        const Json expected = readJson(dir / "expected.json");
        const auto model = loadCausalLM(dir);
        std::vector<TokenizedExample> examples;
        std::vector<double> reference;
        for (const auto &c : expected["cases"]) {
            const auto ids = c["input_ids"].get<std::vector<int>>();
            const std::size_t cut = ids.size() / 2;
            examples.push_back({{ids.begin(), ids.begin() + std::ptrdiff_t(cut)},
                                {{ids.begin() + std::ptrdiff_t(cut), ids.end()}, {ids.front()}}});
            reference.push_back(c["scores"][0].get<double>());
        }
        const auto rewards = RewardScorer(*model).scoreResponses(examples);
        for (std::size_t e = 0; e < examples.size(); ++e)
            QVERIFY2(std::fabs(rewards[e][0] - reference[e]) < 1e-4,
                     qPrintable(QString("%1 case %2: %3 vs %4").arg(name).arg(e).arg(rewards[e][0]).arg(reference[e])));
    }
}

void TestRewardModels::rewardModelIntervention()
{
    QTemporaryDir tmp;
    const fs::path model = writeTinyModel(tempPath(tmp, "rm"), tinyRewardModel("GPTNeoXForCausalLM", 1));
    writeText(model / "tokenizer.json", charTokenizerJson());
    writeText(tempPath(tmp, "data") / "distributions" / "d" / "train.json", validSplit(3, 3));
    writeText(tempPath(tmp, "data") / "distributions" / "d" / "test.json", validSplit(5, 3, "t"));
    const std::string ws = tempPath(tmp, "ws.sqlite").string();
    QCOMPARE(runCommand({"--workspace", ws, "import-data", tempPath(tmp, "data").string()}).code, 0);

    const CommandOutput run = runCommand({"--workspace", ws, "run", "--model", model.string(), "--intervention",
                                          "reward_model", "--shifts", "d:d", "--seed", "3"});
    QVERIFY2(run.code == 0, (run.out + run.err).c_str());
    Workspace workspace = Workspace::open(ws);
    RunStore store(workspace);
    const auto runs = store.runs();
    QCOMPARE(int(runs.size()), 1);
    const auto record = store.run(runs.front().id);
    QCOMPARE(record->status, RunStatus::Done);
    for (const RunUnit &unit : record->units) // no zero_shot baseline: the model has no language-model head
        QCOMPARE(unit.intervention, std::string("reward_model"));

    // Each prediction is σ of the difference of the two full sequences' rewards, computed here directly.
    const auto examples = workspace.examples("d", Split::Test);
    const auto pairs = pairsInOrder(examples);
    const auto predictions = store.predictions(record->units.front().id, "d");
    QCOMPARE(predictions.size(), pairs.size());
    const auto loaded = loadCausalLM(model);
    const Tokenizer tokenizer = Tokenizer::load(model);
    for (std::size_t i = 0; i < pairs.size(); ++i) {
        const Example &e = examples[std::size_t(pairs[i].examplePosition)];
        double reward[2];
        for (int side = 0; side < 2; ++side) {
            const int response = side == 0 ? pairs[i].preferredIndex : pairs[i].dispreferredIndex;
            std::vector<int> ids = tokenizer.encode(e.prompt, true);
            for (int id : tokenizer.encode(e.responses[std::size_t(response)].text))
                ids.push_back(id);
            // no EOS: reward_model scores the text alone by default
            ForwardRequest request;
            request.inputIds = at::tensor(std::vector<std::int64_t>(ids.begin(), ids.end()), at::kLong).unsqueeze(0);
            reward[side] = loaded->forward(request).logits[0][std::int64_t(ids.size()) - 1][0].item<double>();
        }
        const double expected = 1.0 / (1.0 + std::exp(reward[1] - reward[0]));
        QVERIFY2(std::fabs(predictions[i] - expected) < 1e-5,
                 qPrintable(QString("pair %1: %2 vs %3").arg(i).arg(predictions[i]).arg(expected)));
    }

    // score on a reward model stores the same probabilities under the scoring "reward".
    const CommandOutput scored =
        runCommand({"--workspace", ws, "score", "--model", model.string(), "--distribution", "d"});
    QVERIFY2(scored.code == 0, scored.err.c_str());
    const CommandOutput wrong = runCommand(
        {"--workspace", ws, "score", "--model", model.string(), "--distribution", "d", "--scoring", "genies"});
    QCOMPARE(wrong.code, 2);
    QVERIFY2(wrong.err.find("is a reward model") != std::string::npos, wrong.err.c_str());
}

void TestRewardModels::headMismatchRefused()
{
    QTemporaryDir tmp;
    const fs::path reward = writeTinyModel(tempPath(tmp, "rm"), tinyRewardModel("LlamaForCausalLM", 1));
    const fs::path lm = writeTinyModel(tempPath(tmp, "lm"), tinyRewardModel("LlamaForCausalLM", 0));
    for (const fs::path &dir : {reward, lm})
        writeText(dir / "tokenizer.json", charTokenizerJson());
    writeText(tempPath(tmp, "data") / "distributions" / "d" / "train.json", validSplit(3));
    writeText(tempPath(tmp, "data") / "distributions" / "d" / "test.json", validSplit(3));
    Workspace ws = Workspace::openOrCreate(tempPath(tmp, "ws.sqlite"));
    DataImporter::importData(ws, tempPath(tmp, "data"));
    auto refused = [&](const fs::path &model, const std::string &intervention, const std::string &words) {
        try {
            planRun(ws, {model, intervention, "d:d", {}, 1, "zero_shot", {}});
            return false;
        } catch (const InputError &e) {
            return std::string(e.what()).find(words) != std::string::npos;
        }
    };
    QVERIFY(refused(reward, "zero_shot", "gives no log-probabilities"));
    QVERIFY(refused(reward, "few_shot", "gives no log-probabilities"));
    QVERIFY(refused(lm, "reward_model", "needs a sequence-classification head"));
    // Probes read hidden states and run on either; on the reward model the zero_shot baseline is left out.
    const RunRecord probe = planRun(ws, {reward, "mms", "d:d", {}, 1, "zero_shot", {}});
    for (const RunUnit &unit : probe.units)
        QCOMPARE(unit.intervention, std::string("mms"));
    const RunRecord withBaseline = planRun(ws, {lm, "mms", "d:d", {}, 1, "zero_shot", {}});
    QVERIFY(std::any_of(withBaseline.units.begin(), withBaseline.units.end(),
                        [](const RunUnit &u) { return u.intervention == "zero_shot"; }));
    // The scorer itself refuses a reward model, whoever calls it.
    const auto model = loadCausalLM(reward);
    QVERIFY_THROWS_EXCEPTION(InputError, ResponseScorer{*model});
}

namespace {

fs::path referenceAdapters() { return fs::path(SHIFTSCOPE_SOURCE_DIR) / "tests" / "reference" / "adapters"; }

//! The head's outputs at each reference sequence's last token, the sequences batched with `left` padding.
at::Tensor scoresOf(const CausalLM &model, const Json &cases, bool left)
{
    std::vector<std::vector<std::int64_t>> rows;
    for (const auto &c : cases)
        rows.push_back(c["input_ids"].get<std::vector<std::int64_t>>());
    const auto [ids, mask] = padded(rows, left);
    ForwardRequest request;
    request.inputIds = ids;
    request.attentionMask = mask;
    const at::Tensor last = lastRealPositions(mask);
    const at::Tensor logits = model.forward(request).logits;
    return logits.gather(1, last.view({-1, 1, 1}).expand({-1, 1, logits.size(2)})).squeeze(1); // (rows, labels)
}

std::string refusal(const fs::path &adapter, const fs::path &model)
{
    try {
        EngineOptions options;
        options.adapter = adapter;
        loadCausalLM(model, options);
    } catch (const InputError &e) {
        return e.what();
    }
    return {};
}

} // namespace

void TestRewardModels::adaptersMatchReference_data()
{
    QTest::addColumn<QString>("adapter");
    QTest::addColumn<bool>("merge");
    for (const char *name : {"gpt-neox-lora", "gpt2-lora", "llama-rslora", "qwen2-reward-lora"}) {
        QTest::newRow(qPrintable(QString("%1 merged").arg(name))) << QString(name) << true;
        QTest::newRow(qPrintable(QString("%1 unmerged").arg(name))) << QString(name) << false;
    }
}

void TestRewardModels::adaptersMatchReference()
{
    QFETCH(QString, adapter);
    QFETCH(bool, merge);
    const fs::path dir = referenceAdapters() / adapter.toStdString();
    const Json expected = readJson(dir / "expected.json");
    const fs::path base = referenceModels() / expected["base"].get<std::string>();
    const auto plain = loadCausalLM(base);
    EngineOptions options;
    options.adapter = dir;
    options.mergeAdapter = merge;
    const auto adapted = loadCausalLM(base, options);
    QVERIFY(adapted->config().classifies()); // qwen2-reward-lora turns the language model into a reward model
    QCOMPARE(adapted->adapterDir(), dir);
    for (const bool left : {true, false}) {
        const at::Tensor scores = scoresOf(*adapted, expected["cases"], left);
        for (std::size_t r = 0; r < expected["cases"].size(); ++r) {
            const double error = maxDifference(scores[std::int64_t(r)], tensorOf(expected["cases"][r]["scores"]));
            QVERIFY2(error < 1e-4, qPrintable(QString("row %1 off by %2").arg(r).arg(error)));
        }
    }
    // The adapter changes the outputs clearly: not a test that would pass without it.
    if (plain->config().classifies()) {
        const double change =
            maxDifference(scoresOf(*plain, expected["cases"], true), scoresOf(*adapted, expected["cases"], true));
        QVERIFY2(change > 0.05, qPrintable(QString("the adapter moves the scores by only %1").arg(change)));
    }
    // Merged, the adapted weights change; unmerged, they stay the base model's (the update is added at run time).
    const std::string key = expected["modules"][0].get<std::string>() + ".weight";
    auto weightOf = [&](const CausalLM &model) {
        for (const auto &[name, tensor] : model.namedWeights())
            if (name == key)
                return tensor;
        return at::Tensor();
    };
    QVERIFY(weightOf(*adapted).defined());
    QCOMPARE(maxDifference(weightOf(*plain), weightOf(*adapted)) > 1e-3, merge);
}

void TestRewardModels::adaptersRefusedByName()
{
    QTemporaryDir tmp;
    const fs::path good = referenceAdapters() / "gpt-neox-lora";
    const fs::path base = referenceModels() / "gpt-neox-reward";
    auto variant = [&](const char *name, const std::function<void(Json &)> &edit, bool keepWeights = true) {
        const fs::path dir = tempPath(tmp, name);
        fs::create_directories(dir);
        Json config = readJson(good / "adapter_config.json");
        edit(config);
        writeText(dir / "adapter_config.json", config.dump());
        if (keepWeights)
            fs::copy_file(good / "adapter_model.safetensors", dir / "adapter_model.safetensors");
        return dir;
    };
    const std::vector<std::pair<fs::path, std::string>> cases =
        {
            {variant("dora", [](Json &c) { c["use_dora"] = true; }), "asks for DoRA"},
            {variant("ia3", [](Json &c) { c["peft_type"] = "IA3"; }),
             "is \"IA3\"; the engine applies LoRA adapters only"},
            {variant("bias", [](Json &c) { c["bias"] = "all"; }), "the adapter trains biases"},
            {variant(
                 "pattern",
                 [](Json &c) {
        c["rank_pattern"] = {{"dense", 4}};
                 }),
             "per-module rank or alpha"},
            {variant("rank", [](Json &c) { c["r"] = 5; }), "but adapter_config.json says r = 5"},
            {variant("targets", [](Json &c) { c["target_modules"] = {"dense_h_to_4h"}; }),
             "which target_modules in adapter_config.json does not name"},
            {variant(
                 "pickle", [](Json &) {}, false),
             "has no adapter_model.safetensors"},
            {variant("lora-bias", [](Json &c) { c["lora_bias"] = true; }), "biases on the LoRA B matrices"},
    };
    for (const auto &[dir, words] : cases) {
        const std::string message = refusal(dir, base);
        QVERIFY2(message.find(words) != std::string::npos,
                 qPrintable(QString::fromStdString(dir.string() + ": " + message)));
    }
    writeText(tempPath(tmp, "pickle") / "adapter_model.bin", "not really");
    QVERIFY(refusal(tempPath(tmp, "pickle"), base).find("a PyTorch pickle") != std::string::npos);
    // An adapter for another model names the modules that do not fit.
    const std::string other = refusal(good, referenceModels() / "llama-classifier");
    QVERIFY2(other.find("module gpt_neox.layers.0.attention.query_key_value") != std::string::npos
                 && other.find("gpt-neox-reward") != std::string::npos,
             other.c_str());
    // PEFT matching: a name or a dotted suffix; a pattern is not run (the weights name what it matched).
    AdapterConfig config;
    config.targets = {"query_key_value"};
    QVERIFY(config.adapts("gpt_neox.layers.0.attention.query_key_value"));
    QVERIFY(!config.adapts("gpt_neox.layers.0.attention.xquery_key_value"));
    config.targets.clear();
    config.targetPattern = "(((a*)*)*b";
    QVERIFY(config.adapts("gpt_neox.layers.1.attention.dense"));
    // A SEQ_CLS adapter saves its head even when modules_to_save does not list it.
    const fs::path seqCls = variant("seq-cls", [](Json &c) { c["modules_to_save"] = nullptr; });
    QVERIFY(refusal(seqCls, base).empty());
    // Unmerged, an adapter can change projections only.
    const fs::path head = tempPath(tmp, "head");
    fs::create_directories(head);
    writeText(head / "adapter_config.json",
              R"({"peft_type": "LORA", "r": 1, "lora_alpha": 1, "target_modules": ["lm_head"]})");
    writeText(head / "adapter_model.safetensors",
              safetensorsBytes({{"base_model.model.lm_head.lora_A.weight", {1, 16}, std::vector<float>(16, 0.1f)},
                                {"base_model.model.lm_head.lora_B.weight", {48, 1}, std::vector<float>(48, 0.1f)}},
                               FileDtype::F32));
    EngineOptions unmerged;
    unmerged.adapter = head;
    unmerged.mergeAdapter = false;
    QVERIFY(refusal(head, referenceModels() / "qwen2-lm").empty()); // merged: fine
    try {
        loadCausalLM(referenceModels() / "qwen2-lm", unmerged);
        QFAIL("an unmerged adapter on the language-model head was accepted");
    } catch (const InputError &e) {
        QVERIFY2(std::string(e.what()).find("only a merged adapter changes") != std::string::npos, e.what());
    }
}

void TestRewardModels::adapterOnTheCommandLine()
{
    QTemporaryDir tmp;
    const fs::path adapter = referenceAdapters() / "qwen2-reward-lora";
    const Json expected = readJson(adapter / "expected.json");
    Json cases = {{"cases", Json::array()}};
    cases["cases"].push_back({{"name", "one"}, {"input_ids", {expected["cases"][1]["input_ids"]}}});
    const fs::path input = tempPath(tmp, "cases.json");
    writeText(input, cases.dump());
    for (const bool merge : {true, false}) {
        const fs::path output = tempPath(tmp, merge ? "merged.json" : "unmerged.json");
        std::vector<std::string> args = {"forward",      "--model",        (referenceModels() / "qwen2-lm").string(),
                                         "--adapter",    adapter.string(), "--input",
                                         input.string(), "--out",          output.string()};
        if (!merge)
            args.push_back("--unmerged");
        const CommandOutput run = runCommand(args);
        QVERIFY2(run.code == 0, run.err.c_str());
        const double error = maxDifference(tensorOf(readJson(output)["cases"][0]["scores"][0]),
                                           tensorOf(expected["cases"][1]["scores"]));
        QVERIFY2(error < 1e-4, qPrintable(QString("off by %1").arg(error)));
    }
    const CommandOutput bad =
        runCommand({"forward", "--model", (referenceModels() / "qwen2-lm").string(), "--adapter",
                    tmp.path().toStdString(), "--input", input.string(), "--out", tempPath(tmp, "x.json").string()});
    QCOMPARE(bad.code, 2);
    QVERIFY2(bad.err.find("adapter_config.json") != std::string::npos, bad.err.c_str());
}

void TestRewardModels::runsApplyTheAdapter()
{
    QTemporaryDir tmp;
    const fs::path model = writeTinyModel(tempPath(tmp, "lm"), tinyRewardModel("LlamaForCausalLM", 0));
    writeText(model / "tokenizer.json", charTokenizerJson());
    // A PEFT adapter with a score head: the language model becomes a reward model.
    const fs::path adapter = tempPath(tmp, "adapter");
    std::mt19937 rng(3);
    std::normal_distribution<float> normal(0.0f, 0.3f);
    auto values = [&](std::int64_t n) {
        std::vector<float> v(static_cast<std::size_t>(n));
        for (float &x : v)
            x = normal(rng);
        return v;
    };
    std::vector<TensorValues> tensors;
    for (int layer = 0; layer < 2; ++layer) {
        const std::string m = "base_model.model.model.layers." + std::to_string(layer) + ".self_attn.q_proj";
        tensors.push_back({m + ".lora_A.weight", {2, 32}, values(64)});
        tensors.push_back({m + ".lora_B.weight", {32, 2}, values(64)});
    }
    tensors.push_back({"base_model.model.score.weight", {1, 32}, values(32)});
    writeText(adapter / "adapter_model.safetensors", safetensorsBytes(tensors, FileDtype::F32));
    writeText(adapter / "adapter_config.json",
              R"({"peft_type": "LORA", "r": 2, "lora_alpha": 4, "target_modules": ["q_proj"],
                  "modules_to_save": ["score"], "bias": "none"})");
    writeText(tempPath(tmp, "data") / "distributions" / "d" / "train.json", validSplit(3, 3));
    writeText(tempPath(tmp, "data") / "distributions" / "d" / "test.json", validSplit(4, 3, "t"));
    const std::string ws = tempPath(tmp, "ws.sqlite").string();
    QCOMPARE(runCommand({"--workspace", ws, "import-data", tempPath(tmp, "data").string()}).code, 0);

    const CommandOutput run = runCommand({"--workspace", ws, "run", "--model", model.string(), "--adapter",
                                          adapter.string(), "--intervention", "reward_model", "--shifts", "d:d"});
    QVERIFY2(run.code == 0, (run.out + run.err).c_str());
    const CommandOutput noAdapter = runCommand(
        {"--workspace", ws, "run", "--model", model.string(), "--intervention", "reward_model", "--shifts", "d:d"});
    QCOMPARE(noAdapter.code, 2); // a language model without the adapter has no reward head
    QVERIFY2(noAdapter.err.find("needs a sequence-classification head") != std::string::npos, noAdapter.err.c_str());

    Workspace workspace = Workspace::open(ws);
    RunStore store(workspace);
    const auto record = store.run(store.runs().back().id);
    QCOMPARE(record->status, RunStatus::Done);
    QCOMPARE(record->adapterPath, adapter.string());
    QVERIFY(record->modelHash != modelIdentity(model));
    QCOMPARE(record->modelHash, modelIdentity(model, adapter));
    QCOMPARE(runModelName(*record), std::string("lm + adapter"));

    // The predictions are the adapted model's: σ of its reward differences, computed here with the scorer.
    EngineOptions options;
    options.adapter = adapter;
    const auto adapted = loadCausalLM(model, options);
    const Tokenizer tokenizer = Tokenizer::load(model);
    const auto examples = workspace.examples("d", Split::Test);
    std::vector<TokenizedExample> tokenized;
    for (const Example &e : examples) {
        std::vector<std::string> responses;
        for (const Response &r : e.responses)
            responses.push_back(r.text);
        tokenized.push_back(RewardScorer::tokenize(tokenizer, 2, e.prompt, responses, false, 2048));
    }
    std::vector<ResponsePair> pairs;
    for (const PairRef &p : pairsInOrder(examples))
        pairs.push_back({std::size_t(p.examplePosition), p.preferredIndex, p.dispreferredIndex});
    const auto expected = RewardScorer::pairProbabilities(RewardScorer(*adapted).scoreResponsesNaive(tokenized), pairs);
    const auto predictions = store.predictions(record->units.front().id, "d");
    QCOMPARE(predictions.size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i)
        QVERIFY(std::fabs(predictions[i] - expected[i]) < 1e-5);

    // A probe reads the adapted model's activations: its cache is keyed by model and adapter together.
    const CommandOutput plainProbe = runCommand(
        {"--workspace", ws, "run", "--model", model.string(), "--intervention", "linear_probe", "--shifts", "d:d"});
    const CommandOutput adaptedProbe =
        runCommand({"--workspace", ws, "run", "--model", model.string(), "--adapter", adapter.string(),
                    "--intervention", "linear_probe", "--shifts", "d:d"});
    QVERIFY2(plainProbe.code == 0 && adaptedProbe.code == 0, (plainProbe.err + adaptedProbe.err).c_str());
    const auto runs = store.runs();
    const auto probeA = store.run(runs[runs.size() - 2].id), probeB = store.run(runs.back().id);
    QVERIFY(store.predictions(probeA->units.front().id, "d") != store.predictions(probeB->units.front().id, "d"));
}

void TestRewardModels::loraRoundTripsThroughPeft_data()
{
    QTest::addColumn<QString>("architecture");
    for (const char *a : {"GPTNeoXForCausalLM", "GPT2LMHeadModel", "LlamaForCausalLM"})
        QTest::newRow(a) << QString(a);
}

void TestRewardModels::loraRoundTripsThroughPeft()
{
    // ShiftScope's lora saves its adapters and head as a PEFT adapter; applied to the base model, that adapter is a
    // reward model giving the lora's own predictions.
    QFETCH(QString, architecture);
    QTemporaryDir tmp;
    const fs::path model = writeTinyModel(tempPath(tmp, "lm"), tinyRewardModel(architecture.toStdString(), 0));
    writeText(model / "tokenizer.json", charTokenizerJson());
    writeText(tempPath(tmp, "data") / "distributions" / "d" / "train.json", validSplit(6, 3));
    writeText(tempPath(tmp, "data") / "distributions" / "d" / "test.json", validSplit(5, 3, "t"));
    const std::string ws = tempPath(tmp, "ws.sqlite").string();
    QCOMPARE(runCommand({"--workspace", ws, "import-data", tempPath(tmp, "data").string()}).code, 0);
    const CommandOutput lora =
        runCommand({"--workspace", ws, "run", "--model", model.string(), "--intervention", "lora", "--shifts", "d:d",
                    "--param", "steps=4", "--param", "learning_rate=0.05", "--param", "dropout=0", "--seed", "2"});
    QVERIFY2(lora.code == 0, (lora.out + lora.err).c_str());
    Workspace workspace = Workspace::open(ws);
    RunStore store(workspace);
    const auto loraRun = store.run(store.runs().back().id);
    const RunUnit &unit = loraRun->units.front();
    QCOMPARE(unit.intervention, std::string("lora"));
    const fs::path peft = fs::path(unit.artifact) / "peft_adapter";
    const Json config = readJson(peft / "adapter_config.json");
    QCOMPARE(config["peft_type"].get<std::string>(), std::string("LORA"));
    QCOMPARE(config["modules_to_save"][0].get<std::string>(), std::string("score"));
    QCOMPARE(config["fan_in_fan_out"].get<bool>(), architecture == "GPT2LMHeadModel");
    // Training moved the adapters off their zero start, so they matter to what follows.
    const LoraAdapter adapter = LoraAdapter::load(peft);
    QVERIFY(!adapter.modules().empty());
    QVERIFY(adapter.modules().front().b.abs().max().item<double>() > 1e-3);
    QCOMPARE(adapter.savedWeights().at("score.weight").size(0), std::int64_t(1));

    const CommandOutput reward = runCommand({"--workspace", ws, "run", "--model", model.string(), "--adapter",
                                             peft.string(), "--intervention", "reward_model", "--shifts", "d:d",
                                             "--param", "special_tokens=false", "--param", "append_eos=true"});
    QVERIFY2(reward.code == 0, (reward.out + reward.err).c_str());
    const auto rewardRun = store.run(store.runs().back().id);
    const auto expected = store.predictions(unit.id, "d");
    const auto got = store.predictions(rewardRun->units.front().id, "d");
    QCOMPARE(got.size(), expected.size());
    for (std::size_t i = 0; i < got.size(); ++i)
        QVERIFY2(std::fabs(got[i] - expected[i]) < 1e-5,
                 qPrintable(QString("pair %1: %2 vs %3").arg(i).arg(got[i]).arg(expected[i])));
}

void TestRewardModels::padTokenIsSkippedAsTransformersDoes()
{
    // With pad_token_id = EOS, transformers reads the head at the last token that is not the pad id: a trailing EOS
    // changes nothing, in the scorer's shared and naive paths and in forward.
    QTemporaryDir tmp;
    const fs::path dir = writeTinyModel(tempPath(tmp, "rm"), tinyRewardModel("GPTNeoXForCausalLM", 1));
    Json config = readJson(dir / "config.json");
    config["pad_token_id"] = 2;
    writeText(dir / "config.json", config.dump());
    const auto model = loadCausalLM(dir);
    const std::vector<TokenizedExample> examples = {{{7, 8, 9}, {{5, 6, 2}, {5, 6}, {2}}}, {{}, {{4, 2, 2}, {4}}}};
    const RewardScorer scorer(*model);
    for (const auto &rewards : {scorer.scoreResponses(examples), scorer.scoreResponsesNaive(examples)}) {
        QVERIFY(std::fabs(rewards[0][0] - rewards[0][1]) < 1e-6);
        QVERIFY(std::fabs(rewards[1][0] - rewards[1][1]) < 1e-6);
    }
    // A response of the pad id alone is read where the prompt ends.
    const auto naive = scorer.scoreResponsesNaive(examples);
    QVERIFY(std::fabs(scorer.scoreResponses(examples)[0][2] - naive[0][2]) < 1e-5);
    const at::Tensor ids =
        at::tensor(std::vector<std::int64_t>{7, 8, 9, 5, 6, 2, 7, 8, 9, 5, 6, 0}, at::kLong).view({2, 6});
    const at::Tensor mask =
        at::tensor(std::vector<std::int64_t>{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0}, at::kLong).view({2, 6});
    const at::Tensor positions = scoredPositions(ids, mask, 2);
    QCOMPARE(positions[0].item<std::int64_t>(), std::int64_t(4));
    QCOMPARE(positions[1].item<std::int64_t>(), std::int64_t(4));
    QCOMPARE(scoredPositions(ids, mask, std::nullopt)[0].item<std::int64_t>(), std::int64_t(5));
}

QTEST_GUILESS_MAIN(TestRewardModels)
#include "tst_reward_models.moc"
