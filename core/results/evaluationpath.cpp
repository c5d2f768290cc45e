#include "results/evaluationpath.h"

#include <regex>
#include <vector>

namespace shiftscope {

std::pair<std::string, std::string> splitModelFolder(const std::string &folder)
{
    std::string name = folder;
    // evaluate_with_trainer names folders after the model path with "/" replaced by "-".
    if (name.rfind("models-", 0) == 0)
        name = name.substr(7);
    // A model name ends at its size token ("-7b", "-410m", "-2.7b") or "-tiny"; what follows is the training data.
    static const std::regex pattern(R"(^(.+?-(?:\d+(?:\.\d+)?[bBmMkK]|tiny))(?:-(.+))?$)");
    std::smatch match;
    if (std::regex_match(name, match, pattern))
        return {match[1].str(), match[2].matched ? match[2].str() : std::string()};
    return {name, {}};
}

std::optional<EvaluationPath> parseEvaluationPath(const std::filesystem::path &relative)
{
    std::vector<std::string> parts;
    for (const auto &part : relative)
        parts.push_back(part.string());
    if (parts.size() < 3 || relative.extension() != ".json")
        return std::nullopt;
    EvaluationPath path;
    path.intervention = parts.front();
    path.evaluatedDistribution = relative.stem().string();
    const std::string &folder = parts[parts.size() - 2];
    for (std::size_t i = 1; i + 2 < parts.size(); ++i)
        path.variant += (path.variant.empty() ? "" : "/") + parts[i];
    std::tie(path.model, path.trainDistribution) = splitModelFolder(folder);
    return path;
}

} // namespace shiftscope
