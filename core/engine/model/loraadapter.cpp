#include "engine/model/loraadapter.h"

#include "engine/model/safetensors.h"
#include "util/errors.h"

#include <ATen/ATen.h>

namespace shiftscope {

namespace fs = std::filesystem;

namespace {

constexpr const char *kPrefix = "base_model.model.";

bool endsWith(const std::string &text, const std::string &suffix)
{
    return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

//! Strips `suffix` (and the adapter name PEFT may leave before ".weight") from `key`; true when it was there.
bool stripLoraSuffix(std::string &key, const std::string &part)
{
    for (const std::string &suffix : {"." + part + ".weight", "." + part + ".default.weight"})
        if (endsWith(key, suffix)) {
            key.resize(key.size() - suffix.size());
            return true;
        }
    return false;
}

} // namespace

LoraAdapter LoraAdapter::load(const fs::path &adapterDir)
{
    LoraAdapter adapter;
    adapter.m_dir = adapterDir;
    adapter.m_config = AdapterConfig::load(adapterDir);
    const fs::path file = adapterDir / "adapter_model.safetensors";
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) {
        const bool pickle = fs::exists(adapterDir / "adapter_model.bin", ec);
        throw InputError(InputProblem{
            file.string(),
            {},
            pickle ? "the adapter is saved only as adapter_model.bin, a PyTorch pickle, which can run code when loaded"
                   : "the adapter folder has no adapter_model.safetensors",
            pickle ? "save it again with PEFT's save_pretrained(..., safe_serialization=True)"
                   : "point --adapter at the folder PEFT's save_pretrained wrote"});
    }
    const SafetensorsFile weights = SafetensorsFile::open(file);
    std::vector<InputProblem> problems;
    const AdapterConfig &c = adapter.m_config;
    std::map<std::string, std::pair<at::Tensor, at::Tensor>> pairs;
    for (const auto &entry : weights.entries()) {
        std::string key = entry.name;
        const auto place = "tensor '" + entry.name + "'";
        if (key.rfind(kPrefix, 0) != 0) {
            problems.push_back({file.string(), place, "does not start with \"base_model.model.\" as PEFT names tensors",
                                "save the adapter with PEFT's save_pretrained"});
            continue;
        }
        key.erase(0, std::string(kPrefix).size());
        if (key.find("lora_magnitude_vector") != std::string::npos
            || key.find("lora_embedding_") != std::string::npos) {
            problems.push_back({file.string(), place,
                                key.find("magnitude") != std::string::npos
                                    ? "is a DoRA magnitude, which the engine does not implement"
                                    : "adapts an embedding layer, which the engine does not implement",
                                "merge the adapter with PEFT (merge_and_unload) and load the merged model"});
            continue;
        }
        const at::Tensor t = weights.tensor(entry).to(at::kFloat).clone();
        std::string module = key;
        if (stripLoraSuffix(module, "lora_A") || stripLoraSuffix(module, "lora_B")) {
            const bool isA = key.find(".lora_A.") != std::string::npos;
            if (t.dim() != 2)
                problems.push_back({file.string(), place, "is not a matrix", "save the adapter again with PEFT"});
            else if (!c.adapts(module))
                problems.push_back({file.string(), place,
                                    "adapts " + module + ", which target_modules in adapter_config.json does not name",
                                    "use the adapter_config.json saved with these weights"});
            (isA ? pairs[module].first : pairs[module].second) = t;
            continue;
        }
        // A whole module of modules_to_save: "<module>.weight" (or "<module>.modules_to_save.default.weight").
        const auto saved = key.find(".modules_to_save.default.");
        if (saved != std::string::npos)
            key.erase(saved, std::string(".modules_to_save.default").size());
        const std::string owner = key.substr(0, key.rfind('.'));
        bool listed = false;
        for (const auto &m : c.modulesToSave)
            listed = listed || owner == m || endsWith(owner, "." + m);
        if (!listed)
            problems.push_back({file.string(), place, "is neither a LoRA matrix nor part of modules_to_save",
                                "use the adapter_config.json saved with these weights"});
        else
            adapter.m_saved[key] = t;
    }
    for (const auto &[module, ab] : pairs) {
        const auto &[a, b] = ab;
        if (!a.defined() || !b.defined()) {
            problems.push_back(
                {file.string(), "module " + module,
                 std::string("has lora_") + (a.defined() ? "A" : "B") + " but no lora_" + (a.defined() ? "B" : "A"),
                 "save the adapter again with PEFT"});
            continue;
        }
        if (a.dim() != 2 || b.dim() != 2)
            continue;
        if (a.size(0) != c.rank || b.size(1) != c.rank)
            problems.push_back({file.string(), "module " + module,
                                "has rank " + std::to_string(a.size(0)) + " (lora_A) and " + std::to_string(b.size(1))
                                    + " (lora_B), but adapter_config.json says r = " + std::to_string(c.rank),
                                "use the adapter_config.json saved with these weights"});
        else
            adapter.m_modules.push_back({module, a, b});
    }
    if (problems.empty() && adapter.m_modules.empty() && adapter.m_saved.empty())
        problems.push_back({file.string(), {}, "holds no LoRA matrix", "save the adapter again with PEFT"});
    if (!problems.empty())
        throw InputError(std::move(problems));
    return adapter;
}

} // namespace shiftscope
