#include "results/evaluationfile.h"

#include "util/utf8.h"

#include <filesystem>
#include <nlohmann/json.hpp>

namespace shiftscope {

namespace {
using Json = nlohmann::json;

const Json *findKey(const Json &root, const std::string &key)
{
    for (const std::string &name : {"eval_" + key, key}) {
        auto it = root.find(name);
        if (it != root.end())
            return &*it;
    }
    return nullptr;
}

std::optional<double> number(const Json &root, const std::string &key, EvaluationFile &out, const std::string &file)
{
    const Json *value = findKey(root, key);
    if (!value)
        return std::nullopt;
    if (value->is_null()) {
        out.nanKeys.push_back(key);
        return std::nullopt;
    }
    if (!value->is_number())
        throw InputError(InputProblem{file, "key " + key, "expected a number, found " + std::string(value->type_name()),
                                      "the evaluation files store metrics as JSON numbers"});
    return value->get<double>();
}
} // namespace

std::string replaceNonFiniteTokens(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    bool inString = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (inString) {
            out += c;
            if (c == '\\' && i + 1 < text.size())
                out += text[++i];
            else if (c == '"')
                inString = false;
            continue;
        }
        if (c == '"') {
            inString = true;
        } else if (text.compare(i, 3, "NaN") == 0) {
            out += "null";
            i += 2;
            continue;
        } else if (text.compare(i, 9, "-Infinity") == 0) {
            out += "null";
            i += 8;
            continue;
        } else if (text.compare(i, 8, "Infinity") == 0) {
            out += "null";
            i += 7;
            continue;
        }
        out += c;
    }
    return out;
}

EvaluationFile parseEvaluationFile(std::string_view text, const std::string &file)
{
    Json root;
    const std::string clean = replaceNonFiniteTokens(text);
    try {
        root = Json::parse(clean);
    } catch (const Json::parse_error &e) {
        const auto pos = positionOfOffset(clean, e.byte > 0 ? e.byte - 1 : 0);
        throw InputError(InputProblem{file,
                                      "line " + std::to_string(pos.line) + ", column " + std::to_string(pos.column),
                                      "malformed JSON", "restore the file from the published results"});
    } catch (const nlohmann::json::out_of_range &) { // a number too large for a double or an integer
        throw InputError(InputProblem{
            file, {}, "a number in the file is too large to represent", "restore the file from the published results"});
    }
    if (!root.is_object())
        throw InputError(
            InputProblem{file, {}, "expected a JSON object of metrics", "restore the file from the published results"});

    EvaluationFile out;
    if (auto it = root.find("model_dir"); it != root.end() && it->is_string())
        out.modelDir = it->get<std::string>();
    else if (auto name = root.find("model_name"); name != root.end() && name->is_string())
        out.modelDir = name->get<std::string>();
    if (auto it = root.find("distribution_id"); it != root.end() && it->is_string())
        out.distribution = it->get<std::string>();
    else if (auto dir = root.find("distribution_dir"); dir != root.end() && dir->is_string()) {
        std::string path = dir->get<std::string>();
        while (path.size() > 1 && path.back() == '/')
            path.pop_back();
        out.distribution = std::filesystem::path(path).filename().string();
    }
    if (auto it = root.find("timestamp"); it != root.end() && it->is_string())
        out.timestamp = it->get<std::string>();
    out.shortForm = !root.contains("timestamp") && !root.contains("model_dir") && !root.contains("model_name");

    out.accuracy = number(root, "accuracy", out, file);
    out.brierScore = number(root, "brier_score", out, file);
    out.averageProbability = number(root, "average_probability", out, file);
    out.hasRmsKey = findKey(root, "rms_calibration_error") != nullptr;
    out.rmsCalibrationError = number(root, "rms_calibration_error", out, file);
    out.loss = number(root, "loss", out, file);
    out.score = number(root, "score", out, file);
    if (const Json *probabilities = findKey(root, "probabilities")) {
        if (!probabilities->is_array())
            throw InputError(InputProblem{file, "key probabilities", "expected a list of numbers",
                                          "restore the file from the published results"});
        out.hasProbabilities = true;
        out.probabilities.reserve(probabilities->size());
        for (std::size_t k = 0; k < probabilities->size(); ++k) {
            const Json &v = (*probabilities)[k];
            if (!v.is_number())
                throw InputError(
                    InputProblem{file, "probability " + std::to_string(k),
                                 "expected a number, found " + std::string(v.is_null() ? "NaN" : v.type_name()),
                                 "every probability must be a number between 0 and 1"});
            out.probabilities.push_back(v.get<double>());
        }
    }
    return out;
}

} // namespace shiftscope
