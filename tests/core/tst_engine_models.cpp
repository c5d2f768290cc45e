// The architectures' invariants and reference values: a cache continues exactly what a full pass computes, a
// batch equals its rows run one by one whatever their padding, hidden states follow Hugging Face's convention,
// grouped-query attention equals replicated heads, tied heads equal copied ones, and one-layer models match a
// plain re-implementation (GPT-NeoX, LLaMA) or values worked out by hand (GPT-2's Conv1D orientation).
#include "enginetestmodels.h" // first: it includes ATen before Qt

#include "engine/model/causallm.h"
#include "engine/model/checkpoint.h"
#include "engine/model/kvcache.h"
#include "engine/model/layers.h"

#include <cmath>
#include <torch/csrc/autograd/function.h>

using namespace shiftscope;
using namespace shiftscope::test;
namespace fs = std::filesystem;

namespace {

constexpr double kTolerance = 1e-5;

TinyModel variant(const QString &name)
{
    TinyModel m;
    if (name == "gpt-neox sequential")
        m.parallelResidual = false;
    if (name == "gpt-neox full rotary")
        m.rotaryPct = 1.0;
    if (name.startsWith("llama"))
        m.architecture = "LlamaForCausalLM";
    if (name == "llama gqa")
        m.kvHeads = 1;
    if (name.startsWith("gpt2")) {
        m.architecture = "GPT2LMHeadModel";
        m.tied = true;
    }
    return m;
}

void addVariants()
{
    QTest::addColumn<QString>("name");
    for (const char *name : {"gpt-neox", "gpt-neox sequential", "gpt-neox full rotary", "llama", "llama gqa", "gpt2"})
        QTest::newRow(name) << QString(name);
}

double maxDifference(const at::Tensor &a, const at::Tensor &b) { return (a - b).abs().max().item<double>(); }

#define COMPARE_TENSORS(a, b)                                                                                          \
    do {                                                                                                               \
        const double difference_ = maxDifference(a, b);                                                                \
        QVERIFY2(difference_ < kTolerance, qPrintable(QString("max difference %1").arg(difference_)));                 \
    } while (false)

std::vector<std::int64_t> tokens(int vocab, int count, int salt)
{
    std::vector<std::int64_t> ids;
    for (int i = 0; i < count; ++i)
        ids.push_back((11 * i + 5 * salt + 1) % vocab);
    return ids;
}

ForwardResult run(const CausalLM &model, const std::vector<std::vector<std::int64_t>> &rows, bool leftPad = true,
                  KvCache *cache = nullptr, std::int64_t padId = 3)
{
    std::size_t length = 0;
    for (const auto &r : rows)
        length = std::max(length, r.size());
    at::Tensor ids = at::full({std::int64_t(rows.size()), std::int64_t(length)}, padId, at::kLong);
    at::Tensor mask = at::zeros_like(ids);
    for (std::size_t r = 0; r < rows.size(); ++r) {
        const auto offset = std::int64_t(leftPad ? length - rows[r].size() : 0);
        ids[std::int64_t(r)].narrow(0, offset, std::int64_t(rows[r].size())).copy_(at::tensor(rows[r], at::kLong));
        mask[std::int64_t(r)].narrow(0, offset, std::int64_t(rows[r].size())).fill_(1);
    }
    ForwardRequest request;
    request.inputIds = ids;
    request.attentionMask = mask;
    request.capturePositions = at::full({ids.size(0), 1}, std::int64_t(length) - 1, at::kLong);
    request.hiddenStates = request.headOutputs = leftPad;
    return model.forward(request, cache);
}

//! A plain, unbatched re-implementation of the attention of one layer for one sequence: per head, causal
//! softmax(q k^T / sqrt(d)) v. q, k, v are (T, d).
at::Tensor referenceHead(const at::Tensor &q, const at::Tensor &k, const at::Tensor &v)
{
    const std::int64_t T = q.size(0);
    at::Tensor scores = q.matmul(k.t()) / std::sqrt(double(q.size(1)));
    for (std::int64_t i = 0; i < T; ++i)
        for (std::int64_t j = i + 1; j < T; ++j)
            scores[i][j] = -INFINITY;
    return scores.softmax(1).matmul(v);
}

//! Rotates the first `dims` dimensions of x (T, d) by position as the GPT-NeoX/LLaMA papers' code does, written
//! out element by element in double precision.
at::Tensor referenceRotary(const at::Tensor &x, int dims, double theta)
{
    at::Tensor out = x.clone();
    for (std::int64_t p = 0; p < x.size(0); ++p)
        for (int i = 0; i < dims / 2; ++i) {
            const double angle = double(p) * std::pow(theta, -2.0 * i / dims);
            const double a = x[p][i].item<double>(), b = x[p][i + dims / 2].item<double>();
            out[p][i] = a * std::cos(angle) - b * std::sin(angle);
            out[p][i + dims / 2] = b * std::cos(angle) + a * std::sin(angle);
        }
    return out;
}

} // namespace

class TestEngineModels : public QObject {
    Q_OBJECT
private slots:
    void cacheContinuesExactly_data() { addVariants(); }
    void cacheContinuesExactly();
    void batchEqualsOneByOne_data() { addVariants(); }
    void batchEqualsOneByOne();
    void hiddenStatesConvention_data() { addVariants(); }
    void hiddenStatesConvention();
    void partialRotaryLeavesTheRest();
    void groupedQueryEqualsReplicatedHeads();
    void tiedHeadEqualsCopiedHead();
    void embeddingsEqualIds_data() { addVariants(); }
    void embeddingsEqualIds();
    void hooksChangeAttentionProjections_data() { addVariants(); }
    void hooksChangeAttentionProjections();
    void trainableWeightsGetGradients();
    void checkpointedBlocksGiveEqualGradients_data() { addVariants(); }
    void checkpointedBlocksGiveEqualGradients();
    void gptNeoXMatchesReference();
    void llamaMatchesReference();
    void gpt2ConvOrientationByHand();
};

void TestEngineModels::cacheContinuesExactly()
{
    QFETCH(QString, name);
    QTemporaryDir dir;
    const TinyModel m = variant(name);
    const auto model = loadCausalLM(writeTinyModel(tempPath(dir, "model"), m));
    const auto prompt = tokens(m.vocab, 7, 1);
    const std::vector<std::vector<std::int64_t>> continuations = {tokens(m.vocab, 5, 2), tokens(m.vocab, 2, 3),
                                                                  tokens(m.vocab, 4, 4)};

    KvCache cache;
    run(*model, {prompt}, true, &cache);
    QCOMPARE(cache.length(), 7);
    // Three continuations of one prompt, right-padded, each against the shared cache.
    KvCache shared = cache.selectRows(at::zeros({3}, at::kLong));
    const at::Tensor continued = run(*model, continuations, false, &shared).logits; // (3, 5, vocab)
    for (std::size_t r = 0; r < continuations.size(); ++r) {
        auto whole = prompt;
        whole.insert(whole.end(), continuations[r].begin(), continuations[r].end());
        const at::Tensor full = run(*model, {whole}).logits[0]; // (12 or less, vocab)
        const auto n = std::int64_t(continuations[r].size());
        COMPARE_TENSORS(continued[std::int64_t(r)].narrow(0, 0, n), full.narrow(0, 7, n));
    }
}

void TestEngineModels::batchEqualsOneByOne()
{
    QFETCH(QString, name);
    QTemporaryDir dir;
    const TinyModel m = variant(name);
    const auto model = loadCausalLM(writeTinyModel(tempPath(dir, "model"), m));
    const std::vector<std::vector<std::int64_t>> rows = {tokens(m.vocab, 9, 1), tokens(m.vocab, 4, 2),
                                                         tokens(m.vocab, 7, 3)};
    for (std::int64_t padId : {0, 17}) { // what fills the padding must not matter
        const ForwardResult batch = run(*model, rows, true, nullptr, padId);
        for (std::size_t r = 0; r < rows.size(); ++r) {
            const ForwardResult alone = run(*model, {rows[r]});
            const auto n = std::int64_t(rows[r].size());
            COMPARE_TENSORS(batch.logits[std::int64_t(r)].narrow(0, 9 - n, n), alone.logits[0]);
            COMPARE_TENSORS(batch.hiddenStates[std::int64_t(r)], alone.hiddenStates[0]);
            COMPARE_TENSORS(batch.headOutputs[std::int64_t(r)], alone.headOutputs[0]);
        }
    }
}

void TestEngineModels::hiddenStatesConvention()
{
    QFETCH(QString, name);
    QTemporaryDir dir;
    const TinyModel m = variant(name);
    const fs::path path = writeTinyModel(tempPath(dir, "model"), m);
    const auto model = loadCausalLM(path);
    const Checkpoint checkpoint = Checkpoint::open(path);
    const auto ids = tokens(m.vocab, 5, 1);
    const ForwardResult r = run(*model, {ids});
    QCOMPARE(r.hiddenStates.sizes().vec(), (std::vector<std::int64_t>{1, 1, m.layers + 1, m.hidden}));
    QCOMPARE(r.headOutputs.sizes().vec(), (std::vector<std::int64_t>{1, 1, m.layers, m.heads, m.hidden / m.heads}));
    // [0] is the embedding of the last token (plus its learned position for GPT-2).
    const bool gpt2 = m.architecture == "GPT2LMHeadModel";
    const std::string embedding = gpt2                                 ? "transformer.wte.weight"
                                : m.architecture == "LlamaForCausalLM" ? "model.embed_tokens.weight"
                                                                       : "gpt_neox.embed_in.weight";
    at::Tensor expected = checkpoint.tensor(embedding)[ids.back()];
    if (gpt2)
        expected = expected + checkpoint.tensor("transformer.wpe.weight")[4];
    COMPARE_TENSORS(r.hiddenStates[0][0][0], expected);
    // [layers] is after the final norm: the logits are it times the head.
    const std::string head = gpt2                                 ? embedding
                           : m.architecture == "LlamaForCausalLM" ? "lm_head.weight"
                                                                  : "embed_out.weight";
    COMPARE_TENSORS(checkpoint.tensor(head).matmul(r.hiddenStates[0][0][m.layers]), r.logits[0][4]);
}

void TestEngineModels::partialRotaryLeavesTheRest()
{
    const at::Tensor x = at::randn({1, 2, 3, 8}, at::TensorOptions().dtype(at::kFloat)); // (B, heads, T, head_dim)
    const at::Tensor positions = at::arange(3, at::kLong).unsqueeze(0);
    const at::Tensor out = applyRotary(x, rotaryTables(positions, 4, 10000.0, at::kFloat));
    QVERIFY(out.narrow(3, 4, 4).equal(x.narrow(3, 4, 4))); // the non-rotary half is untouched
    COMPARE_TENSORS(out.select(2, 0), x.select(2, 0));     // position 0 does not rotate
    for (int head = 0; head < 2; ++head)
        COMPARE_TENSORS(out[0][head], referenceRotary(x[0][head], 4, 10000.0));
    // Position 2, first pair (dims 0 and 2): frequency 1, so an angle of 2 radians.
    const double a = x[0][1][2][0].item<double>(), b = x[0][1][2][2].item<double>();
    QVERIFY(std::fabs(out[0][1][2][0].item<double>() - (a * std::cos(2.0) - b * std::sin(2.0))) < kTolerance);
}

void TestEngineModels::groupedQueryEqualsReplicatedHeads()
{
    // One key/value head serving four query heads computes what four copies of it compute.
    QTemporaryDir dir;
    TinyModel grouped = variant("llama gqa");
    const auto groupedTensors = grouped.tensors();
    TinyModel full = variant("llama");
    const auto gqa = loadCausalLM(writeTinyModel(tempPath(dir, "gqa"), grouped));
    const auto replicated =
        loadCausalLM(writeTinyModel(tempPath(dir, "full"), full, [&](std::vector<TensorValues> &tensors) {
            tensors = groupedTensors;
            for (auto &t : tensors)
                if (t.name.ends_with("k_proj.weight") || t.name.ends_with("v_proj.weight")) {
                    const auto one = t.values; // (head_dim, hidden) of the single key/value head
                    for (int copy = 1; copy < full.heads; ++copy)
                        t.values.insert(t.values.end(), one.begin(), one.end());
                    t.shape[0] *= full.heads;
                }
        }));
    const std::vector<std::vector<std::int64_t>> rows = {tokens(full.vocab, 8, 1), tokens(full.vocab, 5, 2)};
    const ForwardResult a = run(*gqa, rows), b = run(*replicated, rows);
    COMPARE_TENSORS(a.logits, b.logits);
    COMPARE_TENSORS(a.headOutputs, b.headOutputs);
}

void TestEngineModels::tiedHeadEqualsCopiedHead()
{
    QTemporaryDir dir;
    TinyModel tied = variant("llama");
    tied.tied = true;
    const auto tiedModel = loadCausalLM(writeTinyModel(tempPath(dir, "tied"), tied));
    const auto separate = loadCausalLM(writeTinyModel(tempPath(dir, "separate"), variant("llama"),
                                                      [&](std::vector<TensorValues> &tensors) {
        tensors = tied.tensors();
        TensorValues head = *findTensor(tensors, "model.embed_tokens.weight");
        head.name = "lm_head.weight";
        tensors.push_back(head);
    }));
    const auto ids = tokens(tied.vocab, 6, 1);
    QVERIFY(run(*tiedModel, {ids}).logits.equal(run(*separate, {ids}).logits));

    // GPT-2 checkpoints sometimes store the tied head too; it is checked and then the embedding is used.
    TinyModel gpt2 = variant("gpt2");
    const auto plain = loadCausalLM(writeTinyModel(tempPath(dir, "gpt2"), gpt2));
    const auto stored =
        loadCausalLM(writeTinyModel(tempPath(dir, "gpt2head"), gpt2, [](std::vector<TensorValues> &tensors) {
            TensorValues head = *findTensor(tensors, "transformer.wte.weight");
            head.name = "lm_head.weight";
            tensors.push_back(head);
        }));
    QVERIFY(run(*plain, {ids}).logits.equal(run(*stored, {ids}).logits));
}

void TestEngineModels::embeddingsEqualIds()
{
    QFETCH(QString, name);
    QTemporaryDir dir;
    const TinyModel m = variant(name);
    const auto model = loadCausalLM(writeTinyModel(tempPath(dir, "model"), m));
    const auto ids = tokens(m.vocab, 6, 2);
    const at::Tensor fromIds = run(*model, {ids}).logits;
    ForwardRequest request;
    request.inputEmbeddings = model->embedTokens(at::tensor(ids, at::kLong).unsqueeze(0)); // (1, 6, hidden)
    COMPARE_TENSORS(model->forward(request).logits, fromIds);
    // A changed embedding changes the output: the embeddings are really used.
    request.inputEmbeddings = request.inputEmbeddings * 2;
    QVERIFY(maxDifference(model->forward(request).logits, fromIds) > 1e-3);
}

namespace {

//! Adds `delta` to every attention input projection and records which ones it saw.
class RecordingHooks final : public ForwardHooks {
public:
    explicit RecordingHooks(double delta) : m_delta(delta) {}
    at::Tensor attentionProjection(int layer, const std::string &projection, const at::Tensor &x,
                                   const at::Tensor &y) const override
    {
        seen.push_back(std::to_string(layer) + ":" + projection + ":" + std::to_string(x.size(-1)));
        return y + m_delta;
    }
    mutable std::vector<std::string> seen;

private:
    double m_delta;
};

} // namespace

void TestEngineModels::hooksChangeAttentionProjections()
{
    QFETCH(QString, name);
    QTemporaryDir dir;
    const TinyModel m = variant(name);
    const auto model = loadCausalLM(writeTinyModel(tempPath(dir, "model"), m));
    ForwardRequest request;
    request.inputIds = at::tensor(tokens(m.vocab, 5, 1), at::kLong).unsqueeze(0);
    const at::Tensor plain = model->forward(request).logits;
    RecordingHooks identity(0.0), shifted(0.5);
    request.hooks = &identity;
    COMPARE_TENSORS(model->forward(request).logits, plain);
    const std::string hidden = std::to_string(m.hidden);
    std::vector<std::string> expected;
    for (int layer = 0; layer < m.layers; ++layer) {
        const std::string l = std::to_string(layer) + ":";
        if (name.startsWith("llama"))
            expected.insert(expected.end(), {l + "q_proj:" + hidden, l + "k_proj:" + hidden, l + "v_proj:" + hidden});
        else
            expected.push_back(l + (name.startsWith("gpt2") ? "c_attn:" : "query_key_value:") + hidden);
    }
    QCOMPARE(identity.seen, expected);
    request.hooks = &shifted;
    QVERIFY(maxDifference(model->forward(request).logits, plain) > 1e-3);
}

void TestEngineModels::trainableWeightsGetGradients()
{
    QTemporaryDir dir;
    const TinyModel m = variant("gpt-neox");
    auto model = loadCausalLM(writeTinyModel(tempPath(dir, "model"), m));
    ForwardRequest request;
    request.inputIds = at::tensor(tokens(m.vocab, 5, 1), at::kLong).unsqueeze(0);
    const at::Tensor before = model->forward(request).logits;
    const auto weights = model->makeTrainable();
    QCOMPARE(weights.size(), model->namedWeights().size());
    request.trainable = true;
    const at::Tensor logits = model->forward(request).logits;
    COMPARE_TENSORS(logits.detach(), before);
    logits.sum().backward();
    int withGradient = 0;
    for (const auto &[name, w] : weights)
        withGradient += w.grad().defined() && w.grad().abs().sum().item<double>() > 0;
    QCOMPARE(withGradient, int(weights.size()));
    // An update in place changes what the model computes.
    {
        at::NoGradGuard noGrad;
        weights.front().second.add_(0.1);
    }
    request.trainable = false;
    QVERIFY(maxDifference(model->forward(request).logits, before) > 1e-4);
}

namespace {

//! Trainable low-rank updates with dropout on every attention input projection, as LoRA adds them.
class AdapterHooks final : public ForwardHooks {
public:
    AdapterHooks(int layers, std::int64_t hidden)
    {
        at::manual_seed(11);
        for (int i = 0; i < layers; ++i) {
            a.push_back((at::randn({2, hidden}) * 0.3).requires_grad_(true));
            b.push_back((at::randn({3 * hidden, 2}) * 0.3).requires_grad_(true));
        }
    }
    at::Tensor attentionProjection(int layer, const std::string &, const at::Tensor &x,
                                   const at::Tensor &y) const override
    {
        const at::Tensor update = at::linear(at::linear(at::dropout(x, 0.3, true), a[std::size_t(layer)]),
                                             b[std::size_t(layer)]); // (B, T, 3 * hidden)
        return y + update.narrow(-1, 0, y.size(-1));                 // llama's k and v projections may be narrower
    }
    std::vector<at::Tensor> trainableTensors(int layer) const override
    {
        return {a[std::size_t(layer)], b[std::size_t(layer)]};
    }
    std::vector<at::Tensor> a, b;
};

} // namespace

void TestEngineModels::checkpointedBlocksGiveEqualGradients()
{
    // Activation checkpointing runs each block again in the backward pass. Through a prompt pass into a cache and
    // two continuations of it (the prefix-shared training), with adapters drawing dropout masks and soft prompt
    // embeddings that need gradients, outputs and every gradient equal those of the plain pass.
    QFETCH(QString, name);
    QTemporaryDir dir;
    const TinyModel m = variant(name);
    const auto model = loadCausalLM(writeTinyModel(tempPath(dir, "model"), m));
    struct Outcome {
        at::Tensor logits, hidden, soft;
        std::vector<at::Tensor> gradA, gradB;
        std::string keysFrom; // the autograd node that made the prompt's cached keys
    };
    auto train = [&](bool checkpoint) {
        AdapterHooks hooks(m.layers, m.hidden);
        at::manual_seed(5);
        at::Tensor soft = (at::randn({2, 3, m.hidden}) * 0.5).requires_grad_(true); // (2, 3, hidden)
        const at::Tensor promptIds = at::tensor(tokens(m.vocab, 4, 1), at::kLong).view({1, 4}).repeat({2, 1});
        ForwardRequest prompt;
        prompt.inputEmbeddings = at::cat({soft, model->embedTokens(promptIds)}, 1); // (2, 7, hidden)
        prompt.attentionMask = at::tensor({0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, at::kLong).view({2, 7});
        prompt.logitsFrom = 7;
        prompt.hooks = &hooks;
        prompt.trainable = true;
        prompt.checkpointLayers = checkpoint;
        KvCache cache;
        model->forward(prompt, &cache);
        const std::string keysFrom = cache.keys(0).grad_fn() ? cache.keys(0).grad_fn()->name() : "";
        KvCache continued = cache.selectRows(at::tensor({0, 1, 1}, at::kLong));
        ForwardRequest response = prompt;
        response.inputEmbeddings = at::Tensor();
        response.inputIds = at::tensor(tokens(m.vocab, 5, 2), at::kLong).view({1, 5}).repeat({3, 1});
        response.attentionMask = at::tensor({1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1}, at::kLong).view({3, 5});
        response.logitsFrom = 0;
        response.capturePositions = at::tensor({4, 2, 3}, at::kLong).view({3, 1});
        response.hiddenStates = response.headOutputs = true;
        const ForwardResult result = model->forward(response, &continued);
        at::manual_seed(9);
        const at::Tensor weights = at::randn(result.logits.sizes());
        (result.logits * weights).sum().add(result.hiddenStates.pow(2).sum() * 0.01).backward();
        Outcome o{result.logits.detach(), result.hiddenStates.detach(), soft.grad(), {}, {}, keysFrom};
        for (int i = 0; i < m.layers; ++i) {
            o.gradA.push_back(hooks.a[std::size_t(i)].grad());
            o.gradB.push_back(hooks.b[std::size_t(i)].grad());
        }
        return o;
    };
    const Outcome plain = train(false), checkpointed = train(true);
    QVERIFY2(checkpointed.keysFrom.find("Recomputed") != std::string::npos, checkpointed.keysFrom.c_str());
    QVERIFY2(plain.keysFrom.find("Recomputed") == std::string::npos, plain.keysFrom.c_str());
    COMPARE_TENSORS(checkpointed.logits, plain.logits);
    COMPARE_TENSORS(checkpointed.hidden, plain.hidden);
    QVERIFY(plain.soft.defined() && checkpointed.soft.defined());
    QVERIFY(plain.soft.abs().max().item<double>() > 1e-4);
    COMPARE_TENSORS(checkpointed.soft, plain.soft);
    for (int i = 0; i < m.layers; ++i) {
        QVERIFY(checkpointed.gradA[std::size_t(i)].defined() && checkpointed.gradB[std::size_t(i)].defined());
        COMPARE_TENSORS(checkpointed.gradA[std::size_t(i)], plain.gradA[std::size_t(i)]);
        COMPARE_TENSORS(checkpointed.gradB[std::size_t(i)], plain.gradB[std::size_t(i)]);
    }
}

void TestEngineModels::gptNeoXMatchesReference()
{
    QTemporaryDir dir;
    TinyModel m;
    m.layers = 1;
    const fs::path path = writeTinyModel(tempPath(dir, "model"), m);
    const Checkpoint c = Checkpoint::open(path);
    auto w = [&](const std::string &name) { return c.tensor(name); };
    const auto ids = tokens(m.vocab, 6, 1);
    const int d = m.hidden / m.heads, rot = int(d * m.rotaryPct);
    const std::string p = "gpt_neox.layers.0.";

    const at::Tensor h = w("gpt_neox.embed_in.weight").index_select(0, at::tensor(ids, at::kLong)); // (T, hidden)
    auto norm = [&](const at::Tensor &x, const std::string &name) {
        const at::Tensor mean = x.mean(1, true), var = (x - mean).pow(2).mean(1, true);
        return (x - mean) / (var + 1e-5).sqrt() * w(name + ".weight") + w(name + ".bias");
    };
    const at::Tensor qkv = norm(h, p + "input_layernorm").matmul(w(p + "attention.query_key_value.weight").t())
                         + w(p + "attention.query_key_value.bias");
    std::vector<at::Tensor> heads;
    for (int j = 0; j < m.heads; ++j) {
        const at::Tensor q = referenceRotary(qkv.narrow(1, 3 * d * j, d), rot, 10000.0);
        const at::Tensor k = referenceRotary(qkv.narrow(1, 3 * d * j + d, d), rot, 10000.0);
        heads.push_back(referenceHead(q, k, qkv.narrow(1, 3 * d * j + 2 * d, d)));
    }
    const at::Tensor attn =
        at::cat(heads, 1).matmul(w(p + "attention.dense.weight").t()) + w(p + "attention.dense.bias");
    const at::Tensor up = norm(h, p + "post_attention_layernorm").matmul(w(p + "mlp.dense_h_to_4h.weight").t())
                        + w(p + "mlp.dense_h_to_4h.bias");
    const at::Tensor mlp = 0.5 * up * (1 + at::erf(up / std::sqrt(2.0)));
    const at::Tensor out =
        h + attn + mlp.matmul(w(p + "mlp.dense_4h_to_h.weight").t()) + w(p + "mlp.dense_4h_to_h.bias");
    const at::Tensor logits = norm(out, "gpt_neox.final_layer_norm").matmul(w("embed_out.weight").t());

    const ForwardResult r = run(*loadCausalLM(path), {ids});
    COMPARE_TENSORS(r.logits[0], logits);
    COMPARE_TENSORS(r.headOutputs[0][0][0], at::stack(heads, 0).select(1, 5)); // each head at the last token
}

void TestEngineModels::llamaMatchesReference()
{
    QTemporaryDir dir;
    TinyModel m = variant("llama gqa");
    m.kvHeads = 2;
    m.layers = 1;
    const fs::path path = writeTinyModel(tempPath(dir, "model"), m);
    const Checkpoint c = Checkpoint::open(path);
    auto w = [&](const std::string &name) { return c.tensor(name); };
    const auto ids = tokens(m.vocab, 6, 2);
    const int d = m.hidden / m.heads, group = m.heads / m.kvHeads;
    const std::string p = "model.layers.0.";

    const at::Tensor h = w("model.embed_tokens.weight").index_select(0, at::tensor(ids, at::kLong)); // (T, hidden)
    auto norm = [&](const at::Tensor &x, const std::string &name) {
        return x / (x.pow(2).mean(1, true) + 1e-6).sqrt() * w(name);
    };
    const at::Tensor x = norm(h, p + "input_layernorm.weight");
    const at::Tensor q = x.matmul(w(p + "self_attn.q_proj.weight").t()),
                     k = x.matmul(w(p + "self_attn.k_proj.weight").t()),
                     v = x.matmul(w(p + "self_attn.v_proj.weight").t());
    std::vector<at::Tensor> heads;
    for (int j = 0; j < m.heads; ++j) {
        const int kv = j / group;
        heads.push_back(referenceHead(referenceRotary(q.narrow(1, d * j, d), d, 10000.0),
                                      referenceRotary(k.narrow(1, d * kv, d), d, 10000.0), v.narrow(1, d * kv, d)));
    }
    const at::Tensor h1 = h + at::cat(heads, 1).matmul(w(p + "self_attn.o_proj.weight").t());
    const at::Tensor y = norm(h1, p + "post_attention_layernorm.weight");
    const at::Tensor gate = y.matmul(w(p + "mlp.gate_proj.weight").t());
    const at::Tensor h2 =
        h1
        + (gate * gate.sigmoid() * y.matmul(w(p + "mlp.up_proj.weight").t())).matmul(w(p + "mlp.down_proj.weight").t());
    const at::Tensor logits = norm(h2, "model.norm.weight").matmul(w("lm_head.weight").t());

    COMPARE_TENSORS(run(*loadCausalLM(path), {ids}).logits[0], logits);
}

void TestEngineModels::gpt2ConvOrientationByHand()
{
    // hidden 2, one head, vocab 3. Queries and keys are zero, so a token averages the values of itself and the
    // tokens before it; values copy the normed input; attention's c_proj (stored [in, out]) maps v to
    // (0, 2 v0) + (0.5, 0); the MLP adds its bias (0, -1). Block 2 adds nothing. Worked out by hand:
    //   token 0 = (1, 0): ln_1 -> (1, -1) = v; c_proj -> (0.5, 2); + (0, -1) -> h = (1.5, 1)
    //   token 1 = (0, 1) after token 0: v = (-1, 1), mean of v = (0, 0); c_proj -> (0.5, 0); h = (0.5, 0)
    // A Linear-oriented (transposed) c_proj would give h = (-0.5, -1) for token 0.
    QTemporaryDir dir;
    TinyModel m = variant("gpt2");
    m.vocab = 3;
    m.hidden = 2;
    m.heads = 1;
    m.intermediate = 2;
    m.positions = 4;
    const fs::path path = writeTinyModel(tempPath(dir, "model"), m, [](std::vector<TensorValues> &tensors) {
        for (auto &t : tensors) {
            const bool norm = t.name.find("ln_") != std::string::npos && t.name.ends_with(".weight");
            std::fill(t.values.begin(), t.values.end(), norm ? 1.0f : 0.0f);
        }
        findTensor(tensors, "transformer.wte.weight")->values = {1, 0, 0, 1, 1, 1};
        findTensor(tensors, "transformer.h.0.attn.c_attn.weight")->values = {0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1};
        findTensor(tensors, "transformer.h.0.attn.c_proj.weight")->values = {0, 2, 0, 0};
        findTensor(tensors, "transformer.h.0.attn.c_proj.bias")->values = {0.5f, 0};
        findTensor(tensors, "transformer.h.0.mlp.c_proj.bias")->values = {0, -1};
    });
    const auto model = loadCausalLM(path);
    ForwardRequest request;
    request.inputIds = at::tensor(std::vector<std::int64_t>{0, 1}, at::kLong).unsqueeze(0);
    request.capturePositions = at::tensor(std::vector<std::int64_t>{0, 1}, at::kLong).unsqueeze(0);
    request.hiddenStates = true;
    const ForwardResult r = model->forward(request);
    const at::Tensor afterBlock1 = r.hiddenStates[0].select(1, 1); // (positions, hidden)
    QVERIFY(maxDifference(afterBlock1, at::tensor(std::vector<float>{1.5f, 1.0f, 0.5f, 0.0f}).view({2, 2}))
            < 1e-4); // ln eps
    // Final norm of (1.5, 1) is (1, -1) up to eps (1e-5); logits are its products with the token embeddings.
    const float one = float(0.25 / std::sqrt(0.0625 + 1e-5));
    COMPARE_TENSORS(r.logits[0][0], at::tensor(std::vector<float>{one, -one, 0.0f}));
}

QTEST_GUILESS_MAIN(TestEngineModels)
#include "tst_engine_models.moc"
