#include "runs/modelsummary.h"
#include "util/errors.h"
#include "util/inputfile.h"

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

namespace shiftscope {

namespace fs = std::filesystem;

ModelSummary summariseModelFolder(const fs::path &dir)
{
    ModelSummary s;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
        s.problem = dir.string() + " is not a folder";
        return s;
    }
    std::string text;
    try {
        text = readInputFile(dir / "config.json", std::uint64_t(16) << 20);
        checkJsonDepth(text, dir / "config.json");
    } catch (const InputError &error) {
        s.problem = error.problems().front().toString();
        return s;
    }
    try {
        const auto config = nlohmann::json::parse(text);
        if (config.contains("architectures") && config["architectures"].is_array() && !config["architectures"].empty())
            s.architecture = config["architectures"][0].get<std::string>();
        auto intOf = [&](std::initializer_list<const char *> keys) {
            for (const char *key : keys)
                if (config.contains(key) && config[key].is_number_integer())
                    return config[key].get<int>();
            return 0;
        };
        s.layers = intOf({"num_hidden_layers", "n_layer"});
        s.hiddenSize = intOf({"hidden_size", "n_embd"});
        s.heads = intOf({"num_attention_heads", "n_head"});
        s.vocabSize = intOf({"vocab_size"});
    } catch (const std::exception &e) {
        s.problem = (dir / "config.json").string() + ": malformed JSON";
        return s;
    }
    bool pickle = false;
    for (const auto &entry : fs::directory_iterator(dir, ec)) {
        const auto name = entry.path().filename().string();
        if (entry.path().extension() == ".safetensors") {
            s.hasSafetensors = true;
            s.weightBytes += entry.file_size(ec);
        }
        if (name == "tokenizer.json")
            s.hasTokenizer = true;
        if (entry.path().extension() == ".bin")
            pickle = true;
    }
    if (!s.hasSafetensors)
        s.problem =
            pickle
                ? "only pytorch_model.bin (a pickle, which can run code when loaded); convert it to safetensors first"
                : "no .safetensors weights in " + dir.string();
    else if (!s.hasTokenizer)
        s.problem = "no tokenizer.json in " + dir.string();
    return s;
}

bool adapterAddsScoreHead(const fs::path &adapterDir)
{
    try {
        const std::string text = readInputFile(adapterDir / "adapter_config.json", std::uint64_t(16) << 20);
        checkJsonDepth(text, adapterDir / "adapter_config.json");
        const auto config = nlohmann::json::parse(text);
        if (const auto task = config.find("task_type"); task != config.end() && *task == "SEQ_CLS")
            return true;
        const auto save = config.find("modules_to_save");
        if (save == config.end() || !save->is_array())
            return false;
        for (const auto &m : *save)
            if (m.is_string() && (m == "score" || m.get<std::string>().ends_with(".score")))
                return true;
    } catch (const std::exception &) {
    }
    return false;
}

bool ModelSummary::classifies() const
{
    const std::string suffix = "ForSequenceClassification";
    return architecture.size() > suffix.size()
        && architecture.compare(architecture.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string ModelSummary::describe() const
{
    char size[32];
    std::snprintf(size, sizeof size, "%.1f MiB", double(weightBytes) / 1048576.0);
    std::string text = (architecture.empty() ? std::string("unknown architecture") : architecture) + ", "
                     + std::to_string(layers) + " layers, hidden " + std::to_string(hiddenSize) + ", "
                     + std::to_string(heads) + " heads, vocabulary " + std::to_string(vocabSize) + ", " + size;
    return problem.empty() ? text : text + " — " + problem;
}

} // namespace shiftscope
