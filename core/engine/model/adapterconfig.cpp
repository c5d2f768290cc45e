#include "engine/model/adapterconfig.h"

#include "util/errors.h"
#include "util/inputfile.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

namespace shiftscope {

namespace {

using Json = nlohmann::json;

constexpr const char *kFix = "use a LoRA adapter saved by PEFT's save_pretrained (adapter_config.json beside "
                             "adapter_model.safetensors)";

} // namespace

double AdapterConfig::scale() const { return useRslora ? alpha / std::sqrt(double(rank)) : alpha / double(rank); }

bool AdapterConfig::adapts(const std::string &name) const
{
    // A pattern is not evaluated: the weights file says which modules it matched when PEFT applied it, and running
    // an untrusted regular expression could take exponential time.
    if (!targetPattern.empty())
        return true;
    for (const auto &t : targets)
        if (name == t
            || (name.size() > t.size() && name.compare(name.size() - t.size(), t.size(), t) == 0
                && name[name.size() - t.size() - 1] == '.'))
            return true;
    return false;
}

AdapterConfig AdapterConfig::parse(std::string_view text, const std::filesystem::path &file)
{
    const std::string name = file.string();
    Json json;
    try {
        json = Json::parse(text);
    } catch (const Json::exception &) {
        throw InputError(InputProblem{name, {}, "adapter_config.json is not valid JSON", kFix});
    }
    if (!json.is_object())
        throw InputError(InputProblem{name, {}, "adapter_config.json is not a JSON object", kFix});
    std::vector<InputProblem> problems;
    auto problem = [&](const std::string &key, const std::string &message, const std::string &fix = kFix) {
        problems.push_back({name, "key '" + key + "'", message, fix});
    };
    auto find = [&](const char *key) -> const Json * {
        const auto it = json.find(key);
        return it == json.end() || it->is_null() ? nullptr : &*it;
    };

    AdapterConfig c;
    c.source = file;
    const Json *type = find("peft_type");
    if (!type || !type->is_string())
        problem("peft_type", "is missing; the file does not describe a PEFT adapter");
    else if (type->get<std::string>() != "LORA")
        problem("peft_type", "is " + type->dump() + "; the engine applies LoRA adapters only",
                "use a LoRA adapter (peft_type \"LORA\"), or merge the adapter into the model with PEFT first");
    if (const Json *dora = find("use_dora"); dora && *dora != false)
        problem("use_dora", "asks for DoRA (weight-decomposed LoRA), which the engine does not implement",
                "merge the adapter with PEFT (merge_and_unload) and load the merged model");
    if (const Json *loraBias = find("lora_bias"); loraBias && *loraBias != false)
        problem("lora_bias", "asks for biases on the LoRA B matrices, which the engine does not apply",
                "merge the adapter with PEFT (merge_and_unload) and load the merged model");
    if (const Json *bias = find("bias"); bias && *bias != "none")
        problem("bias", "is " + bias->dump() + ": the adapter trains biases, which the engine does not apply",
                "train the adapter with bias=\"none\", or merge it with PEFT first");
    for (const char *key : {"rank_pattern", "alpha_pattern"})
        if (const Json *pattern = find(key); pattern && !(pattern->is_object() && pattern->empty()))
            problem(key, "sets a per-module rank or alpha, which the engine does not apply",
                    "merge the adapter with PEFT first");
    if (const Json *r = find("r"); r) {
        if (!r->is_number_integer() || r->get<std::int64_t>() <= 0 || r->get<std::int64_t>() > 65536)
            problem("r", "must be a whole number from 1 to 65536, got " + r->dump());
        else
            c.rank = int(r->get<std::int64_t>());
    }
    if (const Json *alpha = find("lora_alpha"); alpha) {
        if (!alpha->is_number() || !std::isfinite(alpha->get<double>()))
            problem("lora_alpha", "must be a number, got " + alpha->dump());
        else
            c.alpha = alpha->get<double>();
    }
    for (const auto &[key, out] : {std::pair{"use_rslora", &c.useRslora}, {"fan_in_fan_out", &c.fanInFanOut}})
        if (const Json *v = find(key); v) {
            if (!v->is_boolean())
                problem(key, "must be true or false, got " + v->dump());
            else
                *out = v->get<bool>();
        }
    const Json *targets = find("target_modules");
    if (!targets)
        problem("target_modules", "is missing: the adapter names no module");
    else if (targets->is_string()) {
        c.targetPattern = targets->get<std::string>();
    } else if (targets->is_array()
               && std::all_of(targets->begin(), targets->end(), [](const Json &t) { return t.is_string(); })) {
        for (const auto &t : *targets)
            c.targets.push_back(t.get<std::string>());
    } else {
        problem("target_modules", "must be a list of module names or a regular expression");
    }
    if (const Json *save = find("modules_to_save"); save) {
        if (!save->is_array() || !std::all_of(save->begin(), save->end(), [](const Json &t) { return t.is_string(); }))
            problem("modules_to_save", "must be a list of module names");
        else
            for (const auto &t : *save)
                c.modulesToSave.push_back(t.get<std::string>());
    }
    // PEFT saves the classification head of a SEQ_CLS adapter whether or not the config lists it.
    if (const Json *task = find("task_type"); task && *task == "SEQ_CLS")
        for (const char *head : {"classifier", "score"})
            if (std::find(c.modulesToSave.begin(), c.modulesToSave.end(), head) == c.modulesToSave.end())
                c.modulesToSave.emplace_back(head);
    if (const Json *base = find("base_model_name_or_path"); base && base->is_string())
        c.baseModel = base->get<std::string>();
    if (!problems.empty())
        throw InputError(std::move(problems));
    return c;
}

AdapterConfig AdapterConfig::load(const std::filesystem::path &adapterDir)
{
    const auto file = adapterDir / "adapter_config.json";
    const std::string text = readInputFile(file, std::uint64_t(16) << 20,
                                           "point --adapter at a PEFT adapter folder (adapter_config.json next to "
                                           "adapter_model.safetensors)");
    checkJsonDepth(text, file);
    return parse(text, file);
}

} // namespace shiftscope
