// Loading model folders: the three architectures and their variants, float16/bfloat16 and sharded files, memory
// mapping, and every loading error with its message. No malformed file may crash the program.
#include "enginetestmodels.h" // first: it includes ATen before Qt

#include "engine/model/causallm.h"
#include "engine/model/checkpoint.h"
#include "engine/model/weights.h"
#include "util/errors.h"

#include <cmath>
#include <sys/stat.h>

using namespace shiftscope;
using namespace shiftscope::test;
namespace fs = std::filesystem;

namespace {

//! Every problem loading reports, joined, or "(loaded)".
std::string loadProblems(const fs::path &dir, const EngineOptions &options = {})
{
    try {
        loadCausalLM(dir, options);
    } catch (const InputError &e) {
        return e.what();
    }
    return "(loaded)";
}

at::Tensor logitsOf(const CausalLM &model, std::vector<std::int64_t> ids)
{
    ForwardRequest request;
    request.inputIds = at::tensor(ids, at::kLong).unsqueeze(0);
    return model.forward(request).logits;
}

std::vector<std::int64_t> someIds(int vocab, int count)
{
    std::vector<std::int64_t> ids;
    for (int i = 0; i < count; ++i)
        ids.push_back((7 * i + 3) % vocab);
    return ids;
}

TinyModel variant(const QString &name)
{
    TinyModel m;
    if (name == "gpt-neox sequential")
        m.parallelResidual = false;
    if (name.startsWith("llama"))
        m.architecture = "LlamaForCausalLM";
    if (name == "llama gqa")
        m.kvHeads = 2;
    if (name == "llama tied")
        m.tied = true;
    if (name.startsWith("gpt2")) {
        m.architecture = "GPT2LMHeadModel";
        m.tied = true;
        m.gpt2Prefix = name == "gpt2";
    }
    return m;
}

//! Writes a safetensors file from a header and a data section given as text.
fs::path rawFile(const QTemporaryDir &dir, const std::string &header, const std::string &data)
{
    const std::uint64_t length = header.size();
    const fs::path path = tempPath(dir, "raw.safetensors");
    writeText(path, std::string(reinterpret_cast<const char *>(&length), 8) + header + data);
    return path;
}

} // namespace

class TestEngineLoading : public QObject {
    Q_OBJECT
private slots:
    void loadsEveryArchitecture_data();
    void loadsEveryArchitecture();
    void checkpointKeysAreHuggingFaces();
    void float32WeightsStayMapped();
    void misalignedTensorsAreCopied();
    void halfPrecisionFiles_data();
    void halfPrecisionFiles();
    void bfloat16Compute();
    void shardedEqualsSingle();
    void tensorProblems_data();
    void tensorProblems();
    void headerProblems_data();
    void headerProblems();
    void folderProblems();
    void configProblems_data();
    void configProblems();
    void malformedFilesNeverCrash();
    void unusedBuffersInEveryDtype_data();
    void unusedBuffersInEveryDtype();
    void pythiaCheckpointLoadsAndScores();
    void neededTensorInUnreadableDtype();
    void notARegularFile();
};

void TestEngineLoading::loadsEveryArchitecture_data()
{
    QTest::addColumn<QString>("name");
    for (const char *name :
         {"gpt-neox", "gpt-neox sequential", "llama", "llama gqa", "llama tied", "gpt2", "gpt2 bare names"})
        QTest::newRow(name) << QString(name);
}

void TestEngineLoading::loadsEveryArchitecture()
{
    QFETCH(QString, name);
    QTemporaryDir dir;
    const TinyModel m = variant(name);
    const auto model = loadCausalLM(writeTinyModel(tempPath(dir, "model"), m));
    QCOMPARE(model->config().architectureName, m.architecture);
    QCOMPARE(model->config().layers, m.layers);
    const at::Tensor logits = logitsOf(*model, someIds(m.vocab, 6));
    QCOMPARE(logits.sizes().vec(), (std::vector<std::int64_t>{1, 6, m.vocab}));
    QVERIFY(logits.isfinite().all().item<bool>());
}

void TestEngineLoading::checkpointKeysAreHuggingFaces()
{
    // Spot checks against the key names and shapes of real checkpoints (Pythia, LLaMA, GPT-2).
    auto has = [](const std::vector<TensorSpec> &specs, const std::string &name, std::vector<std::int64_t> shape) {
        return std::any_of(specs.begin(), specs.end(),
                           [&](const TensorSpec &s) { return s.name == name && s.shape == shape; });
    };
    TinyModel neox;
    const auto neoxSpecs = GptNeoX::expectedTensors(neox.config());
    QVERIFY(has(neoxSpecs, "gpt_neox.embed_in.weight", {53, 16}));
    QVERIFY(has(neoxSpecs, "gpt_neox.layers.1.attention.query_key_value.weight", {48, 16}));
    QVERIFY(has(neoxSpecs, "gpt_neox.layers.0.mlp.dense_4h_to_h.weight", {16, 24}));
    QVERIFY(has(neoxSpecs, "gpt_neox.final_layer_norm.bias", {16}));
    QVERIFY(has(neoxSpecs, "embed_out.weight", {53, 16}));
    TinyModel llama = variant("llama gqa");
    const auto llamaSpecs = Llama::expectedTensors(llama.config());
    QVERIFY(has(llamaSpecs, "model.layers.0.self_attn.k_proj.weight", {8, 16}));
    QVERIFY(has(llamaSpecs, "model.layers.1.self_attn.o_proj.weight", {16, 16}));
    QVERIFY(has(llamaSpecs, "model.layers.1.mlp.gate_proj.weight", {24, 16}));
    QVERIFY(has(llamaSpecs, "model.norm.weight", {16}));
    QVERIFY(has(llamaSpecs, "lm_head.weight", {53, 16}));
    const auto gpt2Specs = Gpt2::expectedTensors(variant("gpt2").config(), "transformer.");
    QVERIFY(has(gpt2Specs, "transformer.h.0.attn.c_attn.weight", {16, 48})); // Conv1D: [in, out]
    QVERIFY(has(gpt2Specs, "transformer.h.1.mlp.c_fc.weight", {16, 24}));
    QVERIFY(has(gpt2Specs, "transformer.wpe.weight", {64, 16}));
}

void TestEngineLoading::float32WeightsStayMapped()
{
    QTemporaryDir dir;
    const TinyModel m;
    const fs::path path = writeTinyModel(tempPath(dir, "model"), m);
    const Checkpoint checkpoint = Checkpoint::open(path);
    const ModelConfig config = m.config();
    const Weights f32 =
        Weights::load(checkpoint, GptNeoX::expectedTensors(config), {}, "GPTNeoX", at::kFloat, at::kCPU);
    QVERIFY(checkpoint.maps(f32["gpt_neox.embed_in.weight"].data_ptr()));
    QVERIFY(checkpoint.maps(f32["gpt_neox.layers.1.mlp.dense_h_to_4h.weight"].data_ptr()));
    const Weights bf16 =
        Weights::load(checkpoint, GptNeoX::expectedTensors(config), {}, "GPTNeoX", at::kBFloat16, at::kCPU);
    QVERIFY(!checkpoint.maps(bf16["gpt_neox.embed_in.weight"].data_ptr())); // converted, so a copy
    QCOMPARE(bf16["gpt_neox.embed_in.weight"].scalar_type(), at::kBFloat16);
}

void TestEngineLoading::misalignedTensorsAreCopied()
{
    QTemporaryDir dir;
    const std::vector<TensorValues> tensors = {{"a", {3}, {1.5f, -2.0f, 0.25f}}, {"b", {2, 2}, {1, 2, 3, 4}}};
    const fs::path path = tempPath(dir, "odd.safetensors");
    writeText(path, safetensorsBytes(tensors, FileDtype::F32, false));
    const SafetensorsFile file = SafetensorsFile::open(path);
    const at::Tensor b = file.tensor(*file.find("b"));
    QVERIFY(!file.maps(b.data_ptr()));
    QVERIFY(b.equal(at::arange(1, 5, at::kFloat).view({2, 2})));
    QCOMPARE(file.tensor(*file.find("a"))[2].item<float>(), 0.25f);
}

void TestEngineLoading::halfPrecisionFiles_data()
{
    QTest::addColumn<int>("dtype");
    QTest::newRow("BF16") << int(FileDtype::BF16);
    QTest::newRow("F16") << int(FileDtype::F16);
}

void TestEngineLoading::halfPrecisionFiles()
{
    // A file in half precision computes exactly what a float32 file holding the same (rounded) values computes.
    QFETCH(int, dtype);
    QTemporaryDir dir;
    TinyModel half;
    half.dtype = FileDtype(dtype);
    TinyModel twin;
    twin.roundTo = FileDtype(dtype);
    const auto a = loadCausalLM(writeTinyModel(tempPath(dir, "half"), half));
    const auto b = loadCausalLM(writeTinyModel(tempPath(dir, "twin"), twin));
    const auto ids = someIds(half.vocab, 9);
    QVERIFY(logitsOf(*a, ids).equal(logitsOf(*b, ids)));
}

void TestEngineLoading::bfloat16Compute()
{
    QTemporaryDir dir;
    const TinyModel m;
    const fs::path path = writeTinyModel(tempPath(dir, "model"), m);
    EngineOptions bf16;
    bf16.dtype = ComputeDtype::BFloat16;
    const auto model = loadCausalLM(path, bf16);
    QCOMPARE(model->dtype(), at::kBFloat16);
    const auto ids = someIds(m.vocab, 8);
    const at::Tensor low = logitsOf(*model, ids);
    const at::Tensor full = logitsOf(*loadCausalLM(path), ids);
    QCOMPARE(low.scalar_type(), at::kFloat);
    const double error = (low - full).abs().max().item<double>();
    QVERIFY2(error < 0.15, qPrintable(QString::number(error)));
}

void TestEngineLoading::shardedEqualsSingle()
{
    QTemporaryDir dir;
    TinyModel m = variant("llama");
    const auto single = loadCausalLM(writeTinyModel(tempPath(dir, "single"), m));
    m.shards = 3;
    const fs::path sharded = writeTinyModel(tempPath(dir, "sharded"), m);
    QVERIFY(fs::exists(sharded / "model-00002-of-00003.safetensors"));
    const auto ids = someIds(m.vocab, 7);
    QVERIFY(logitsOf(*loadCausalLM(sharded), ids).equal(logitsOf(*single, ids)));

    fs::remove(sharded / "model-00003-of-00003.safetensors");
    QVERIFY(loadProblems(sharded).find("names the shard model-00003-of-00003.safetensors, which is not in the folder")
            != std::string::npos);
}

void TestEngineLoading::tensorProblems_data()
{
    QTest::addColumn<QString>("edit");
    QTest::addColumn<QString>("expected");
    QTest::newRow("missing") << "drop gpt_neox.layers.1.mlp.dense_4h_to_h.bias"
                             << "tensor 'gpt_neox.layers.1.mlp.dense_4h_to_h.bias': missing (expected shape [16])";
    QTest::newRow("unexpected") << "add gpt_neox.layers.0.attention.extra.weight"
                                << "tensor 'gpt_neox.layers.0.attention.extra.weight': unexpected: a "
                                   "GPTNeoXForCausalLM with this config.json has no such tensor";
    QTest::newRow("shape") << "reshape gpt_neox.layers.0.attention.dense.weight"
                           << "tensor 'gpt_neox.layers.0.attention.dense.weight': shape disagrees with config.json: "
                              "got [8, 32], expected [16, 16]";
    QTest::newRow("ignored buffers") << "add buffers"
                                     << "(loaded)";
    QTest::newRow("untied head missing") << "drop embed_out.weight"
                                         << "tensor 'embed_out.weight': missing (expected shape [53, 16])";
}

void TestEngineLoading::tensorProblems()
{
    QFETCH(QString, edit);
    QFETCH(QString, expected);
    QTemporaryDir dir;
    const std::string name = edit.section(' ', 1).toStdString();
    const fs::path path = writeTinyModel(tempPath(dir, "model"), TinyModel{}, [&](std::vector<TensorValues> &tensors) {
        if (edit.startsWith("drop"))
            std::erase_if(tensors, [&](const TensorValues &t) { return t.name == name; });
        if (edit.startsWith("add") && name != "buffers")
            tensors.push_back({name, {2}, {1, 2}});
        if (name == "buffers")
            for (const char *b : {"attention.bias", "attention.masked_bias", "attention.rotary_emb.inv_freq"})
                tensors.push_back({std::string("gpt_neox.layers.0.") + b, {2}, {1, 2}});
        if (edit.startsWith("reshape"))
            findTensor(tensors, name)->shape = {8, 32};
    });
    const std::string problems = loadProblems(path);
    QVERIFY2(problems.find(expected.toStdString()) != std::string::npos, problems.c_str());
}

void TestEngineLoading::headerProblems_data()
{
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<int>("dataBytes");
    QTest::addColumn<QString>("expected");
    QTest::newRow("offsets past the file")
        << QByteArray(R"({"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}})") << 8
        << "tensor 'w': data_offsets [0, 16] run past the end of the file (the data section holds 8 bytes)";
    QTest::newRow("overlap") << QByteArray(
        R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})")
                             << 12 << "tensor 'b': bytes 4..12 overlap tensor 'a' (bytes 0..8)";
    QTest::newRow("unknown dtype") << QByteArray(R"({"w": {"dtype": "Q4_K", "shape": [1], "data_offsets": [0, 8]}})")
                                   << 8 << "tensor 'w': dtype 'Q4_K' is not a safetensors dtype (BOOL, U8,";
    QTest::newRow("size mismatch") << QByteArray(R"({"w": {"dtype": "BF16", "shape": [3], "data_offsets": [0, 8]}})")
                                   << 8 << "tensor 'w': shape [3] in BF16 needs 6 bytes but data_offsets span 8";
    QTest::newRow("negative shape") << QByteArray(R"({"w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}})")
                                    << 4 << "holds something other than dimension sizes";
    QTest::newRow("gap") << QByteArray(
        R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "b": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]}})")
                         << 12 << "tensor 'b': starts at byte 8 of the data, leaving bytes 4..8 that no tensor holds";
    QTest::newRow("first tensor not at 0")
        << QByteArray(R"({"a": {"dtype": "U8", "shape": [2], "data_offsets": [2, 4]}})") << 4
        << "tensor 'a': starts at byte 2 of the data, leaving bytes 0..2";
    QTest::newRow("trailing bytes")
        << QByteArray(R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}})") << 5
        << "data: the tensors end at byte 4 of the data but the file holds 1 more bytes after them";
    QTest::newRow("sub-byte size") << QByteArray(R"({"w": {"dtype": "F4", "shape": [3], "data_offsets": [0, 2]}})") << 2
                                   << "tensor 'w': shape [3] in F4 takes 12 bits, which is not a whole number of bytes";
    QTest::newRow("bool size") << QByteArray(R"({"w": {"dtype": "BOOL", "shape": [2, 2], "data_offsets": [0, 2]}})")
                               << 2 << "tensor 'w': shape [2, 2] in BOOL needs 4 bytes but data_offsets span 2";
    QTest::newRow("not JSON") << QByteArray(R"({"w": )") << 0 << "header, byte 7: the header is not valid JSON";
    QTest::newRow("not an object") << QByteArray("[1, 2]") << 0 << "the header is not a JSON object";
}

void TestEngineLoading::headerProblems()
{
    QFETCH(QByteArray, header);
    QFETCH(int, dataBytes);
    QFETCH(QString, expected);
    QTemporaryDir dir;
    const fs::path path = rawFile(dir, header.toStdString(), std::string(std::size_t(dataBytes), '\0'));
    try {
        SafetensorsFile::open(path);
        QFAIL("opened");
    } catch (const InputError &e) {
        QVERIFY2(std::string(e.what()).find(expected.toStdString()) != std::string::npos, e.what());
    }
}

void TestEngineLoading::folderProblems()
{
    QTemporaryDir dir;
    const fs::path model = writeTinyModel(tempPath(dir, "model"), TinyModel{});
    // A header length larger than the file, and a file too short to hold one.
    writeText(model / "model.safetensors", std::string("\xff\xff\x00\x00\x00\x00\x00\x00{}", 10));
    QVERIFY(loadProblems(model).find("the header length (65535 bytes) runs past the end of the file (10 bytes)")
            != std::string::npos);
    writeText(model / "model.safetensors", "abc");
    QVERIFY(loadProblems(model).find("too short to be safetensors (3 bytes)") != std::string::npos);

    fs::remove(model / "model.safetensors");
    QVERIFY(loadProblems(model).find("no model.safetensors or model.safetensors.index.json") != std::string::npos);
    writeText(model / "pytorch_model.bin", "pickle");
    const std::string pickle = loadProblems(model);
    QVERIFY2(pickle.find("does not read pickle files, because loading one can run any code") != std::string::npos,
             pickle.c_str());
    QVERIFY(pickle.find("save_pretrained(DIR, safe_serialization=True)") != std::string::npos);

    QVERIFY(loadProblems(tempPath(dir, "nowhere")).find("config.json: cannot read: No such file or directory")
            != std::string::npos);
}

void TestEngineLoading::configProblems_data()
{
    QTest::addColumn<QByteArray>("config");
    QTest::addColumn<QString>("expected");
    QTest::newRow("architecture")
        << QByteArray(R"({"architectures": ["BertForMaskedLM"]})")
        << "architecture 'BertForMaskedLM' is not supported (fix: use a model of a supported "
           "architecture: GPTNeoXForCausalLM, LlamaForCausalLM, GPT2LMHeadModel, Qwen2ForCausalLM, "
           "MistralForCausalLM, GPTNeoXForSequenceClassification";
    QTest::newRow("heads") << QByteArray(
        R"({"architectures": ["LlamaForCausalLM"], "hidden_size": 30, "num_attention_heads": 4})")
                           << "key 'num_attention_heads': 4 heads do not divide the hidden size 30";
    QTest::newRow("kv heads") << QByteArray(R"({"architectures": ["LlamaForCausalLM"], "num_key_value_heads": 5})")
                              << "key 'num_key_value_heads': 5 key/value heads do not divide the 32 attention heads";
    QTest::newRow("type") << QByteArray(R"({"model_type": "gpt_neox", "hidden_size": "big"})")
                          << "key 'hidden_size': must be a whole number > 0, got \"big\"";
    QTest::newRow("activation") << QByteArray(R"({"model_type": "gpt2", "activation_function": "mish"})")
                                << "key 'activation_function': activation 'mish' is not supported";
    QTest::newRow("rope scaling")
        << QByteArray(R"({"model_type": "llama", "rope_scaling": {"type": "linear", "factor": 2}})")
        << "key 'rope_scaling': is {\"factor\":2,\"type\":\"linear\"}, which the engine does not support";
}

void TestEngineLoading::configProblems()
{
    QFETCH(QByteArray, config);
    QFETCH(QString, expected);
    try {
        ModelConfig::parse(config.toStdString(), "config.json");
        QFAIL("parsed");
    } catch (const InputError &e) {
        QVERIFY2(std::string(e.what()).find(expected.toStdString()) != std::string::npos, e.what());
    }
}

void TestEngineLoading::malformedFilesNeverCrash()
{
    // Random damage to a valid file's header, and truncations: loading either works or reports an InputError.
    QTemporaryDir dir;
    const TinyModel m;
    const fs::path model = writeTinyModel(tempPath(dir, "model"), m);
    const std::string good = readText(model / "model.safetensors");
    std::uint64_t headerLength = 0;
    std::memcpy(&headerLength, good.data(), 8);
    std::mt19937 rng(11);
    int refused = 0;
    for (int round = 0; round < 300; ++round) {
        std::string bad = good;
        if (round % 4 == 3) {
            bad.resize(std::uniform_int_distribution<std::size_t>(0, good.size() - 1)(rng));
        } else {
            for (int flips = 0; flips <= round % 3; ++flips)
                bad[std::uniform_int_distribution<std::size_t>(0, 8 + headerLength - 1)(rng)] = char(rng());
        }
        writeText(model / "model.safetensors", bad);
        try {
            loadCausalLM(model);
        } catch (const InputError &) {
            ++refused;
        } catch (const std::exception &e) {
            QFAIL(qPrintable(QString("round %1: not an InputError: %2").arg(round).arg(e.what())));
        }
    }
    QVERIFY(refused > 200);
}

namespace {

//! Every dtype the safetensors format defines, with its bits per element.
const std::vector<std::pair<std::string, int>> kAllDtypes = {
    {"BOOL", 8},    {"U8", 8},   {"I8", 8},    {"I16", 16},    {"U16", 16},    {"I32", 32},    {"U32", 32},
    {"I64", 64},    {"U64", 64}, {"F4", 4},    {"F6_E2M3", 6}, {"F6_E3M2", 6}, {"F8_E5M2", 8}, {"F8_E4M3", 8},
    {"F8_E8M0", 8}, {"F16", 16}, {"BF16", 16}, {"F32", 32},    {"F64", 64},    {"C64", 64}};

//! A buffer tensor of `count` elements (a multiple of 8, so every dtype fills whole bytes) in `dtype`, with bytes
//! that are not zero, so a loader that read them as weights would compute something else.
TensorValues buffer(const std::string &name, std::vector<std::int64_t> shape, const std::string &dtype, int bits)
{
    std::int64_t count = 1;
    for (auto d : shape)
        count *= d;
    std::string raw(std::size_t(count * bits / 8), '\0');
    for (std::size_t i = 0; i < raw.size(); ++i)
        raw[i] = char(dtype == "BOOL" ? (i % 3 == 0) : int(17 * i + 5));
    return {name, std::move(shape), {}, dtype, raw};
}

} // namespace

void TestEngineLoading::unusedBuffersInEveryDtype_data()
{
    QTest::addColumn<QString>("architecture");
    QTest::addColumn<QString>("dtype");
    QTest::addColumn<int>("bits");
    QTest::addColumn<int>("shards");
    for (const auto &[dtype, bits] : kAllDtypes)
        for (int shards : {1, 3})
            for (const char *arch : {"gpt-neox", "gpt2", "llama"})
                QTest::addRow("%s %s %s", arch, dtype.c_str(), shards == 1 ? "single" : "sharded")
                    << arch << QString::fromStdString(dtype) << bits << shards;
}

void TestEngineLoading::unusedBuffersInEveryDtype()
{
    // The buffers Hugging Face checkpoints carry and no forward pass reads are skipped whatever their dtype, in
    // single and sharded folders, and the model computes what the same folder without them computes.
    QFETCH(QString, architecture);
    QFETCH(QString, dtype);
    QFETCH(int, bits);
    QFETCH(int, shards);
    QTemporaryDir dir;
    TinyModel m = variant(architecture == "gpt-neox" ? "gpt-neox" : architecture);
    m.shards = shards;
    const auto plain = loadCausalLM(writeTinyModel(tempPath(dir, "plain"), m));
    const std::string d = dtype.toStdString();
    const fs::path withBuffers = writeTinyModel(tempPath(dir, "buffers"), m, [&](std::vector<TensorValues> &tensors) {
        for (int layer = 0; layer < m.layers; ++layer) {
            const std::string l = std::to_string(layer);
            if (architecture == "gpt-neox") {
                tensors.push_back(buffer("gpt_neox.layers." + l + ".attention.bias", {1, 1, 8, 8}, d, bits));
                tensors.push_back(buffer("gpt_neox.layers." + l + ".attention.masked_bias", {8}, d, bits));
                tensors.push_back(buffer("gpt_neox.layers." + l + ".attention.rotary_emb.inv_freq", {8}, d, bits));
            } else if (architecture == "gpt2") {
                tensors.push_back(buffer("transformer.h." + l + ".attn.bias", {1, 1, 8, 8}, d, bits));
                tensors.push_back(buffer("transformer.h." + l + ".attn.masked_bias", {8}, d, bits));
            } else {
                tensors.push_back(buffer("model.layers." + l + ".self_attn.rotary_emb.inv_freq", {8}, d, bits));
            }
        }
    });
    const std::string problems = loadProblems(withBuffers);
    QVERIFY2(problems == "(loaded)", problems.c_str());
    const auto ids = someIds(m.vocab, 9);
    QVERIFY(logitsOf(*loadCausalLM(withBuffers), ids).equal(logitsOf(*plain, ids)));
}

void TestEngineLoading::pythiaCheckpointLoadsAndScores()
{
    // Laid out as Pythia checkpoints are: a BOOL causal mask per layer over max_position_embeddings, a scalar
    // masked_bias, inv_freq over the rotary dimensions; then the folder scores a pair like any other.
    QTemporaryDir dir;
    const TinyModel m;
    const int rotaryHalf = int(m.hidden / m.heads * m.rotaryPct) / 2;
    const fs::path path = writeTinyModel(tempPath(dir, "pythia"), m, [&](std::vector<TensorValues> &tensors) {
        for (int layer = 0; layer < m.layers; ++layer) {
            const std::string p = "gpt_neox.layers." + std::to_string(layer) + ".attention.";
            std::string mask(std::size_t(m.positions * m.positions), '\0');
            for (int i = 0; i < m.positions; ++i)
                for (int j = 0; j <= i; ++j)
                    mask[std::size_t(i * m.positions + j)] = 1;
            tensors.push_back({p + "bias", {1, 1, m.positions, m.positions}, {}, layer == 0 ? "BOOL" : "U8", mask});
            const float masked = -1e9f;
            tensors.push_back(
                {p + "masked_bias", {}, {}, "F32", std::string(reinterpret_cast<const char *>(&masked), 4)});
            std::string invFreq;
            for (int i = 0; i < rotaryHalf; ++i) {
                const float f = 1.0f / std::pow(10000.0f, 2.0f * float(i) / float(2 * rotaryHalf));
                invFreq.append(reinterpret_cast<const char *>(&f), 4);
            }
            tensors.push_back({p + "rotary_emb.inv_freq", {rotaryHalf}, {}, "F32", invFreq});
        }
    });
    const auto model = loadCausalLM(path);
    const auto plain = loadCausalLM(writeTinyModel(tempPath(dir, "plain"), m));
    const auto ids = someIds(m.vocab, 12);
    const at::Tensor logits = logitsOf(*model, ids);
    QVERIFY(at::isfinite(logits).all().item<bool>());
    QVERIFY(logits.equal(logitsOf(*plain, ids)));
    // Scoring: the log-probability of a response after a prompt is finite and the same as without the buffers.
    const at::Tensor logProbs = at::log_softmax(logits[0], -1); // (T, vocab)
    double score = 0;
    for (std::size_t t = 4; t + 1 < ids.size(); ++t)
        score += logProbs[std::int64_t(t)][ids[t + 1]].item<double>();
    QVERIFY(std::isfinite(score) && score < 0);
}

void TestEngineLoading::neededTensorInUnreadableDtype()
{
    QTemporaryDir dir;
    const fs::path path = writeTinyModel(tempPath(dir, "model"), TinyModel{}, [](std::vector<TensorValues> &tensors) {
        TensorValues *bias = findTensor(tensors, "gpt_neox.layers.0.attention.dense.bias");
        bias->storedAs = "I32";
        bias->raw = std::string(bias->values.size() * 4, '\1');
    });
    const std::string problems = loadProblems(path);
    QVERIFY2(problems.find("tensor 'gpt_neox.layers.0.attention.dense.bias': is stored as I32, which the engine cannot "
                           "use as a weight")
                 != std::string::npos,
             problems.c_str());
}

void TestEngineLoading::notARegularFile()
{
    // A FIFO must be refused at once, not waited on; so must a device.
    QTemporaryDir dir;
    const fs::path model = writeTinyModel(tempPath(dir, "model"), TinyModel{});
    fs::remove(model / "model.safetensors");
    QCOMPARE(::mkfifo((model / "model.safetensors").c_str(), 0600), 0);
    QVERIFY(loadProblems(model).find("is not a regular file") != std::string::npos);
    try {
        SafetensorsFile::open("/dev/zero");
        QFAIL("opened /dev/zero");
    } catch (const InputError &e) {
        QVERIFY2(std::string(e.what()).find("is not a regular file") != std::string::npos, e.what());
    }
}

QTEST_GUILESS_MAIN(TestEngineLoading)
#include "tst_engine_loading.moc"
