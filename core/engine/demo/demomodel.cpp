#include "engine/demo/demomodel.h"

#include "demo/demosuite.h"
#include "demo/demoworkspace.h"
#include "engine/model/causallm.h"
#include "engine/model/gptneox.h"
#include "engine/model/tensorfile.h"
#include "tokenizer/bpetrainer.h"
#include "tokenizer/tokenizer.h"
#include "engine/model/weights.h"
#include "engine/interventions/adamw.h"

#include <ATen/ATen.h>
#include <chrono>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

namespace shiftscope {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

namespace {

//! Bumped whenever the recipe changes, so a cached model of another recipe is not reused.
constexpr int kRecipeVersion = 1;

//! The pretraining corpus: every demo distribution's training prompts with their preferred responses.
std::vector<std::string> corpus(std::uint64_t seed)
{
    std::vector<std::string> documents;
    DemoSuiteOptions suite;
    suite.seed = seed;
    for (const auto &id : demoDistributionIds()) {
        const auto [train, test] = generateDemoDistribution(id, suite);
        for (const Example &e : train)
            documents.push_back(e.prompt + e.responses[std::size_t(e.preferredIndex())].text);
    }
    return documents;
}

Json configJson(const DemoModelOptions &o, int vocab)
{
    return {{"architectures", {"GPTNeoXForCausalLM"}},
            {"model_type", "gpt_neox"},
            {"hidden_size", o.hidden},
            {"num_hidden_layers", o.layers},
            {"num_attention_heads", o.heads},
            {"intermediate_size", o.intermediate},
            {"vocab_size", vocab},
            {"rotary_pct", 0.25},
            {"rotary_emb_base", 10000},
            {"use_parallel_residual", true},
            {"max_position_embeddings", 2048},
            {"layer_norm_eps", 1e-5},
            {"hidden_act", "gelu"},
            {"tie_word_embeddings", false},
            {"bos_token_id", 0},
            {"eos_token_id", 0},
            {"torch_dtype", "float32"}};
}

//! Initial weights as GPT-NeoX starts them: normal(0, 0.02) matrices, unit norms, zero biases.
NamedTensors initialWeights(const ModelConfig &config)
{
    NamedTensors out;
    for (const auto &spec : GptNeoX::expectedTensors(config)) {
        if (spec.optional || !spec.keep)
            continue;
        const bool vector = spec.shape.size() == 1;
        const bool norm = spec.name.find("layernorm") != std::string::npos
                       || spec.name.find("final_layer_norm") != std::string::npos;
        at::Tensor t = vector ? (norm && spec.name.ends_with(".weight") ? at::ones(spec.shape) : at::zeros(spec.shape))
                              : at::randn(spec.shape) * 0.02;
        out.emplace_back(spec.name, t);
    }
    return out;
}

} // namespace

std::string buildDemoModel(const fs::path &out, const DemoModelOptions &options, const ProgressCallback &progress)
{
    const auto started = std::chrono::steady_clock::now();
    const fs::path partial = out.string() + ".partial";
    fs::remove_all(partial);
    fs::create_directories(partial);
    const std::vector<std::string> documents = corpus(options.seed);

    // 1. The tokenizer.
    BpeTrainer::Options tokenizerOptions;
    tokenizerOptions.vocabSize = options.vocabSize;
    BpeTrainer trainer(tokenizerOptions);
    for (const auto &d : documents)
        trainer.add(d);
    trainer.train(progress);
    std::ofstream(partial / "tokenizer.json") << trainer.tokenizerJson();
    const Tokenizer tokenizer = Tokenizer::load(partial / "tokenizer.json");

    // 2. Random initial weights, written as a checkpoint and loaded like any model.
    const Json config = configJson(options, trainer.vocabSize());
    std::ofstream(partial / "config.json") << config.dump(2) << "\n";
    at::manual_seed(options.seed);
    saveTensors(partial / "model.safetensors", initialWeights(ModelConfig::parse(config.dump(), "config.json")));
    auto model = loadCausalLM(partial);
    NamedTensors weights = model->makeTrainable();

    // 3. Next-token pretraining on the documents, each followed by the end-of-text token, in a seeded order.
    std::vector<int> stream;
    std::vector<std::size_t> order(documents.size());
    for (std::size_t i = 0; i < order.size(); ++i)
        order[i] = i;
    std::mt19937_64 rng(options.seed);
    std::shuffle(order.begin(), order.end(), rng);
    for (std::size_t i : order) {
        const auto ids = tokenizer.encode(documents[i]);
        stream.insert(stream.end(), ids.begin(), ids.end());
        stream.push_back(0);
    }
    const std::int64_t window = options.contextLength + 1;
    const auto windows = std::int64_t(stream.size()) / window;
    const at::Tensor data =
        at::tensor(std::vector<std::int64_t>(stream.begin(), stream.begin() + windows * window), at::kLong)
            .view({windows, window});
    AdamW optimizer(weights, options.learningRate, 0.01);
    Json log = Json::array();
    double loss = 0;
    for (int step = 1; step <= options.steps; ++step) {
        // Linear warm-up over the first tenth, then cosine decay to a tenth of the rate.
        const double warm = std::min(1.0, double(step) / std::max(1.0, 0.1 * options.steps));
        const double decay = 0.1 + 0.45 * (1 + std::cos(M_PI * double(step) / double(options.steps)));
        optimizer.setLearningRate(options.learningRate * warm * decay);
        const at::Tensor rows = at::randint(windows, {options.batch}, at::kLong);
        const at::Tensor batch = data.index_select(0, rows); // (batch, context + 1)
        ForwardRequest request;
        request.inputIds = batch.narrow(1, 0, options.contextLength);
        request.trainable = true;
        const at::Tensor logits = model->forward(request).logits; // (batch, context, vocab)
        const at::Tensor value = at::cross_entropy_loss(logits.reshape({-1, logits.size(2)}),
                                                        batch.narrow(1, 1, options.contextLength).reshape({-1}));
        optimizer.zeroGrad();
        value.backward();
        optimizer.clipGradNorm(1.0);
        optimizer.step();
        loss = value.item<double>();
        if (step % 10 == 0 || step == options.steps)
            log.push_back({{"step", step}, {"loss", loss}});
        char stage[96];
        std::snprintf(stage, sizeof stage, "pretraining the demo model: step %d/%d, loss %.3f", step, options.steps,
                      loss);
        reportProgress(progress, step, options.steps, stage);
    }

    const NamedTensors trained = model->namedWeights();
    model.reset(); // the weights file is replaced below
    saveTensors(partial / "model.safetensors", trained);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const Json record = {{"recipe_version", kRecipeVersion},
                         {"seed", options.seed},
                         {"documents", documents.size()},
                         {"corpus_tokens", stream.size()},
                         {"vocab_size", trainer.vocabSize()},
                         {"hidden", options.hidden},
                         {"layers", options.layers},
                         {"heads", options.heads},
                         {"intermediate", options.intermediate},
                         {"context_length", options.contextLength},
                         {"batch", options.batch},
                         {"steps", options.steps},
                         {"learning_rate", options.learningRate},
                         {"final_loss", loss},
                         {"seconds", seconds},
                         {"training_log", log}};
    std::ofstream(partial / "shiftscope_demo_model.json") << record.dump(1) << "\n";
    fs::remove_all(out);
    if (!out.parent_path().empty())
        fs::create_directories(out.parent_path());
    fs::rename(partial, out);
    char summary[200];
    std::snprintf(summary, sizeof summary,
                  "Built the demo model in %s: GPT-NeoX, %d layers, hidden %d, vocabulary %d; "
                  "pretrained on %zu tokens' worth of steps to loss %.3f in %.0f s",
                  out.string().c_str(), options.layers, options.hidden, trainer.vocabSize(),
                  std::size_t(options.steps) * std::size_t(options.batch * options.contextLength), loss, seconds);
    return summary;
}

fs::path cachedDemoModel(const ProgressCallback &progress, const DemoModelOptions &options)
{
    const fs::path dir =
        userDataDir() / ("demo-model-v" + std::to_string(kRecipeVersion) + "-seed" + std::to_string(options.seed));
    if (!fs::exists(dir / "shiftscope_demo_model.json"))
        buildDemoModel(dir, options, progress);
    return dir;
}

} // namespace shiftscope
