#include "engine/model/modelconfig.h"

#include "util/errors.h"
#include "util/inputfile.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <iterator>

namespace shiftscope {

namespace {

using Json = nlohmann::json;

struct KnownArchitecture {
    const char *name;
    const char *modelType; //!< config.json's model_type, which names the causal model when "architectures" is absent
    Architecture architecture;
    ModelHead head;
};

constexpr KnownArchitecture kKnown[] = {
    {"GPTNeoXForCausalLM", "gpt_neox", Architecture::GptNeoX, ModelHead::LanguageModel},
    {"LlamaForCausalLM", "llama", Architecture::Llama, ModelHead::LanguageModel},
    {"GPT2LMHeadModel", "gpt2", Architecture::Gpt2, ModelHead::LanguageModel},
    {"Qwen2ForCausalLM", "qwen2", Architecture::Qwen2, ModelHead::LanguageModel},
    {"MistralForCausalLM", "mistral", Architecture::Mistral, ModelHead::LanguageModel},
    {"GPTNeoXForSequenceClassification", nullptr, Architecture::GptNeoX, ModelHead::SequenceClassification},
    {"LlamaForSequenceClassification", nullptr, Architecture::Llama, ModelHead::SequenceClassification},
    {"GPT2ForSequenceClassification", nullptr, Architecture::Gpt2, ModelHead::SequenceClassification},
    {"Qwen2ForSequenceClassification", nullptr, Architecture::Qwen2, ModelHead::SequenceClassification},
    {"MistralForSequenceClassification", nullptr, Architecture::Mistral, ModelHead::SequenceClassification},
};

//! Reads typed keys of config.json and collects one problem per bad key, so the user sees them all at once.
class ConfigReader {
public:
    ConfigReader(const Json &json, std::filesystem::path file) : m_json(json), m_file(std::move(file)) {}

    //! The value of `key`, or `fallback` when the key is absent or null.
    int positiveInt(const char *key, int fallback)
    {
        const Json *v = find(key);
        if (!v)
            return fallback;
        if (!v->is_number_integer() || v->get<std::int64_t>() <= 0 || v->get<std::int64_t>() > (1 << 30)) {
            problem(key, "must be a whole number > 0, got " + v->dump());
            return fallback;
        }
        return int(v->get<std::int64_t>());
    }

    double positiveNumber(const char *key, double fallback)
    {
        const Json *v = find(key);
        if (!v)
            return fallback;
        if (!v->is_number() || v->get<double>() <= 0) {
            problem(key, "must be a number > 0, got " + v->dump());
            return fallback;
        }
        return v->get<double>();
    }

    bool boolean(const char *key, bool fallback)
    {
        const Json *v = find(key);
        if (!v)
            return fallback;
        if (!v->is_boolean()) {
            problem(key, "must be true or false, got " + v->dump());
            return fallback;
        }
        return v->get<bool>();
    }

    std::string text(const char *key, const std::string &fallback)
    {
        const Json *v = find(key);
        if (!v)
            return fallback;
        if (!v->is_string()) {
            problem(key, "must be a string, got " + v->dump());
            return fallback;
        }
        return v->get<std::string>();
    }

    //! A token id: a number, or the first of a list (newer configs list several end-of-sequence ids).
    std::optional<int> tokenId(const char *key)
    {
        const Json *v = find(key);
        if (v && v->is_array() && !v->empty())
            v = &v->front();
        if (!v || v->is_null())
            return std::nullopt;
        if (!v->is_number_integer() || v->get<std::int64_t>() < 0 || v->get<std::int64_t>() > (1 << 30)) {
            problem(key, "must be a token id (a whole number >= 0), got " + v->dump());
            return std::nullopt;
        }
        return int(v->get<std::int64_t>());
    }

    //! Keys whose only supported value is absent, null or `expected`.
    void mustBe(const char *key, const Json &expected, const std::string &why)
    {
        const Json *v = find(key);
        if (v && *v != expected)
            problem(key, "is " + v->dump() + ", which the engine does not support (" + why + ")");
    }

    void problem(const std::string &key, const std::string &message, const std::string &fix = {})
    {
        m_problems.push_back(
            {m_file.string(), "key '" + key + "'", message,
             fix.empty() ? "correct config.json, or use the config.json that came with the weights" : fix});
    }

    void finish()
    {
        if (!m_problems.empty())
            throw InputError(std::move(m_problems));
    }

    //! Whether `key` is present with the value null.
    bool isNull(const char *key) const
    {
        const auto it = m_json.find(key);
        return it != m_json.end() && it->is_null();
    }

private:
    const Json *find(const char *key) const
    {
        const auto it = m_json.find(key);
        return it == m_json.end() || it->is_null() ? nullptr : &*it;
    }

    const Json &m_json;
    std::filesystem::path m_file;
    std::vector<InputProblem> m_problems;
};

std::string supportedList()
{
    std::string text;
    for (const auto &name : supportedArchitectures())
        text += (text.empty() ? "" : ", ") + name;
    return text;
}

const KnownArchitecture &architectureOf(const Json &json, const std::filesystem::path &file, std::string &name)
{
    const auto archs = json.find("architectures");
    if (archs != json.end() && archs->is_array() && !archs->empty() && archs->front().is_string()) {
        name = archs->front().get<std::string>();
        for (const auto &k : kKnown)
            if (name == k.name)
                return k;
    } else if (const auto type = json.find("model_type"); type != json.end() && type->is_string()) {
        name = type->get<std::string>();
        for (const auto &k : kKnown)
            if (k.modelType && name == k.modelType) {
                name = k.name;
                return k;
            }
    }
    throw InputError(
        InputProblem{file.string(), "key 'architectures'",
                     name.empty() ? "names no architecture" : "architecture '" + name + "' is not supported",
                     "use a model of a supported architecture: " + supportedList()});
}

//! The config.json keys (and Hugging Face's defaults) of what every architecture has, under its own names.
struct CommonKeys {
    const char *vocab;
    int vocabDefault;
    const char *hidden;
    int hiddenDefault;
    const char *layers;
    int layersDefault;
    const char *heads;
    int headsDefault;
    const char *positions;
    int positionsDefault;
    const char *eps;
    double epsDefault;
    const char *activation;
    const char *activationDefault;
    bool tiedDefault;
};

constexpr CommonKeys kGptNeoXKeys = {"vocab_size",
                                     50432,
                                     "hidden_size",
                                     6144,
                                     "num_hidden_layers",
                                     44,
                                     "num_attention_heads",
                                     64,
                                     "max_position_embeddings",
                                     2048,
                                     "layer_norm_eps",
                                     1e-5,
                                     "hidden_act",
                                     "gelu",
                                     false};
constexpr CommonKeys kLlamaKeys = {"vocab_size",
                                   32000,
                                   "hidden_size",
                                   4096,
                                   "num_hidden_layers",
                                   32,
                                   "num_attention_heads",
                                   32,
                                   "max_position_embeddings",
                                   2048,
                                   "rms_norm_eps",
                                   1e-6,
                                   "hidden_act",
                                   "silu",
                                   false};
constexpr CommonKeys kGpt2Keys = {"vocab_size",
                                  50257,
                                  "n_embd",
                                  768,
                                  "n_layer",
                                  12,
                                  "n_head",
                                  12,
                                  "n_positions",
                                  1024,
                                  "layer_norm_epsilon",
                                  1e-5,
                                  "activation_function",
                                  "gelu_new",
                                  true};

void readCommon(ConfigReader &r, ModelConfig &c, const CommonKeys &k)
{
    c.vocabSize = r.positiveInt(k.vocab, k.vocabDefault);
    c.hiddenSize = r.positiveInt(k.hidden, k.hiddenDefault);
    c.layers = r.positiveInt(k.layers, k.layersDefault);
    c.heads = r.positiveInt(k.heads, k.headsDefault);
    c.kvHeads = c.heads;
    c.maxPositions = r.positiveInt(k.positions, k.positionsDefault);
    c.normEps = r.positiveNumber(k.eps, k.epsDefault);
    c.activation = r.text(k.activation, k.activationDefault);
    c.tiedEmbeddings = r.boolean("tie_word_embeddings", k.tiedDefault);
}

void readGptNeoX(ConfigReader &r, ModelConfig &c)
{
    readCommon(r, c, kGptNeoXKeys);
    c.intermediateSize = r.positiveInt("intermediate_size", 24576);
    c.rotaryPct = r.positiveNumber("rotary_pct", 0.25);
    c.ropeTheta = r.positiveNumber("rotary_emb_base", 10000);
    c.parallelResidual = r.boolean("use_parallel_residual", true);
    c.attentionBias = c.outputBias = r.boolean("attention_bias", true);
    r.mustBe("rope_scaling", nullptr, "scaled rotary embeddings");
}

void readLlama(ConfigReader &r, ModelConfig &c)
{
    readCommon(r, c, kLlamaKeys);
    c.kvHeads = r.positiveInt("num_key_value_heads", c.heads);
    c.headDim = r.positiveInt("head_dim", 0);
    c.intermediateSize = r.positiveInt("intermediate_size", 11008);
    c.ropeTheta = r.positiveNumber("rope_theta", 10000);
    c.attentionBias = c.outputBias = r.boolean("attention_bias", false);
    r.mustBe("rope_scaling", nullptr, "scaled rotary embeddings");
    r.mustBe("mlp_bias", false, "biases on the MLP projections");
    r.mustBe("pretraining_tp", 1, "tensor-parallel slicing of the projections");
}

constexpr CommonKeys kQwen2Keys = {"vocab_size",
                                   151936,
                                   "hidden_size",
                                   4096,
                                   "num_hidden_layers",
                                   32,
                                   "num_attention_heads",
                                   32,
                                   "max_position_embeddings",
                                   32768,
                                   "rms_norm_eps",
                                   1e-6,
                                   "hidden_act",
                                   "silu",
                                   false};
constexpr CommonKeys kMistralKeys = {"vocab_size",
                                     32000,
                                     "hidden_size",
                                     4096,
                                     "num_hidden_layers",
                                     32,
                                     "num_attention_heads",
                                     32,
                                     "max_position_embeddings",
                                     4096 * 32,
                                     "rms_norm_eps",
                                     1e-6,
                                     "hidden_act",
                                     "silu",
                                     false};

void readQwen2(ConfigReader &r, ModelConfig &c)
{
    readCommon(r, c, kQwen2Keys);
    c.kvHeads = r.positiveInt("num_key_value_heads", 32);
    c.headDim = r.positiveInt("head_dim", 0);
    c.intermediateSize = r.positiveInt("intermediate_size", 22016);
    c.ropeTheta = r.positiveNumber("rope_theta", 10000);
    c.attentionBias = true; // Qwen2's query, key and value projections always have biases, its output none
    c.outputBias = false;
    if (r.boolean("use_sliding_window", false))
        c.slidingWindow = r.positiveInt("sliding_window", 4096);
    r.mustBe("rope_scaling", nullptr, "scaled rotary embeddings");
}

void readMistral(ConfigReader &r, ModelConfig &c)
{
    readCommon(r, c, kMistralKeys);
    c.kvHeads = r.positiveInt("num_key_value_heads", 8);
    c.headDim = r.positiveInt("head_dim", 0);
    c.intermediateSize = r.positiveInt("intermediate_size", 14336);
    c.ropeTheta = r.positiveNumber("rope_theta", 10000);
    c.attentionBias = c.outputBias = false;
    c.slidingWindow = r.positiveInt("sliding_window", 4096); // null (later Mistral releases) means no window
    if (r.isNull("sliding_window"))
        c.slidingWindow.reset();
    r.mustBe("rope_scaling", nullptr, "scaled rotary embeddings");
}

//! The number of labels of a sequence-classification head, as transformers' PretrainedConfig derives it.
int readLabels(ConfigReader &r, const Json &json)
{
    if (const auto it = json.find("id2label"); it != json.end() && !it->is_null()) {
        if (!it->is_object() || it->empty() || it->size() > 65536) {
            r.problem("id2label", "must be an object naming each label, got " + it->dump().substr(0, 60));
            return 1;
        }
        return int(it->size());
    }
    return r.positiveInt("num_labels", 2);
}

void readGpt2(ConfigReader &r, ModelConfig &c)
{
    readCommon(r, c, kGpt2Keys);
    c.intermediateSize = r.positiveInt("n_inner", 4 * c.hiddenSize);
    c.scaleAttnWeights = r.boolean("scale_attn_weights", true);
    c.scaleAttnByInverseLayerIdx = r.boolean("scale_attn_by_inverse_layer_idx", false);
    r.mustBe("add_cross_attention", false, "cross-attention layers");
}

std::string normalisedActivation(ConfigReader &r, const std::string &name, const char *key)
{
    if (name == "gelu" || name == "silu" || name == "relu")
        return name;
    if (name == "gelu_new" || name == "gelu_pytorch_tanh" || name == "gelu_fast")
        return "gelu_new"; // the three are the same tanh approximation
    if (name == "swish")
        return "silu";
    r.problem(key, "activation '" + name + "' is not supported",
              "the engine runs gelu, gelu_new, gelu_pytorch_tanh, silu and relu");
    return "gelu";
}

} // namespace

const std::vector<std::string> &supportedArchitectures()
{
    static const std::vector<std::string> names = [] {
        std::vector<std::string> list;
        for (const auto &k : kKnown)
            list.emplace_back(k.name);
        return list;
    }();
    return names;
}

int ModelConfig::rotaryDims() const
{
    switch (architecture) {
    case Architecture::GptNeoX: return int(headDim * rotaryPct);
    case Architecture::Llama:
    case Architecture::Qwen2:
    case Architecture::Mistral: return headDim;
    case Architecture::Gpt2: break;
    }
    return 0;
}

ModelConfig ModelConfig::parse(std::string_view text, const std::filesystem::path &file)
{
    Json json;
    try {
        json = Json::parse(text);
    } catch (const Json::parse_error &e) {
        throw InputError(InputProblem{file.string(), "byte " + std::to_string(e.byte), "config.json is not valid JSON",
                                      "restore the config.json that came with the model"});
    } catch (const nlohmann::json::out_of_range &) { // a number too large for a double or an integer
        throw InputError(InputProblem{file.string(),
                                      {},
                                      "a number in the file is too large to represent",
                                      "restore the config.json that came with the model"});
    }
    if (!json.is_object())
        throw InputError(InputProblem{
            file.string(), {}, "config.json is not a JSON object", "restore the config.json that came with the model"});

    ModelConfig c;
    const KnownArchitecture &known = architectureOf(json, file, c.architectureName);
    c.architecture = known.architecture;
    c.head = known.head;
    ConfigReader r(json, file);
    switch (c.architecture) {
    case Architecture::GptNeoX: readGptNeoX(r, c); break;
    case Architecture::Llama: readLlama(r, c); break;
    case Architecture::Gpt2: readGpt2(r, c); break;
    case Architecture::Qwen2: readQwen2(r, c); break;
    case Architecture::Mistral: readMistral(r, c); break;
    }
    if (c.classifies())
        c.numLabels = readLabels(r, json);
    c.activation = normalisedActivation(r, c.activation,
                                        c.architecture == Architecture::Gpt2 ? "activation_function" : "hidden_act");
    c.bosTokenId = r.tokenId("bos_token_id");
    c.eosTokenId = r.tokenId("eos_token_id");
    c.padTokenId = r.tokenId("pad_token_id");
    for (const auto &[key, id] :
         {std::pair{"bos_token_id", c.bosTokenId}, {"eos_token_id", c.eosTokenId}, {"pad_token_id", c.padTokenId}})
        if (id && *id >= c.vocabSize)
            r.problem(key, "token " + std::to_string(*id) + " is outside the vocabulary of "
                               + std::to_string(c.vocabSize) + " tokens");
    c.source = file;

    if (c.headDim == 0) {
        if (c.hiddenSize % c.heads != 0)
            r.problem("num_attention_heads",
                      std::to_string(c.heads) + " heads do not divide the hidden size " + std::to_string(c.hiddenSize));
        c.headDim = c.hiddenSize / c.heads;
    }
    if (c.heads % c.kvHeads != 0)
        r.problem("num_key_value_heads", std::to_string(c.kvHeads) + " key/value heads do not divide the "
                                             + std::to_string(c.heads) + " attention heads");
    if (c.rotaryPct > 1)
        r.problem("rotary_pct", "must be at most 1, got " + std::to_string(c.rotaryPct));
    if (c.rotaryDims() % 2 != 0)
        r.problem("rotary_pct", "gives an odd number of rotary dimensions (" + std::to_string(c.rotaryDims()) + ")");
    r.finish();
    return c;
}

ModelConfig ModelConfig::load(const std::filesystem::path &modelDir)
{
    const auto file = modelDir / "config.json";
    const std::string text =
        readInputFile(file, std::uint64_t(16) << 20,
                      "point --model at a Hugging Face model folder (config.json next to model.safetensors)");
    checkJsonDepth(text, file);
    return parse(text, file);
}

} // namespace shiftscope
