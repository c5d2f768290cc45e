#include "genies/distributionreader.h"

#include "util/errors.h"
#include "util/inputfile.h"
#include "util/sha256.h"
#include "util/utf8.h"

#include <nlohmann/json.hpp>
#include <sstream>

namespace shiftscope {

namespace {

using Json = nlohmann::ordered_json;

std::string describe(const Json &value)
{
    std::string text = value.dump();
    if (text.size() > 40)
        text = text.substr(0, 37) + "...";
    return text;
}

std::string shorten(const std::string &text)
{
    std::string out;
    for (char c : text.substr(0, 50))
        out += (c == '\n' ? ' ' : c);
    return text.size() > 50 ? out + "..." : out;
}

//! The GENIES label of a response value: 1, 0, or -1 when it is neither (then it counts as neither).
int labelOf(const Json &value)
{
    if (!value.is_number())
        return -1;
    const double v = value.get<double>();
    if (v == 1.0)
        return 1;
    if (v == 0.0)
        return 0;
    return -1;
}

} // namespace

std::string DistributionReader::distributionId(const std::filesystem::path &folder)
{
    std::string text = folder.generic_string();
    while (text.size() > 1 && text.back() == '/')
        text.pop_back();
    return std::filesystem::path(text).filename().string();
}

std::optional<std::string> DistributionReader::readFile(const std::filesystem::path &path,
                                                        std::vector<InputProblem> &problems)
{
    const std::string file = path.string();
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
        problems.push_back(
            {file, {}, "the file is missing", "every distribution folder needs both train.json and test.json"});
        return std::nullopt;
    }
    try {
        return readInputFile(path, kMaxInputFileBytes, "check its permissions");
    } catch (const InputError &e) {
        problems.insert(problems.end(), e.problems().begin(), e.problems().end());
        return std::nullopt;
    }
}

SplitFile DistributionReader::readSplit(const std::filesystem::path &path, Split split,
                                        std::vector<InputProblem> &problems)
{
    if (auto text = readFile(path, problems))
        return parseSplit(*text, path, split, problems);
    return {split, path, {}, 0, {}, 0};
}

SplitFile DistributionReader::parseSplit(std::string_view text, const std::filesystem::path &path, Split split,
                                         std::vector<InputProblem> &problems, std::string knownHash)
{
    SplitFile result{split, path, knownHash.empty() ? Sha256::hex(text) : std::move(knownHash), text.size(), {}, 0};
    const std::string file = path.string();
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
        problems.push_back({file, {}, "the file is empty", "write a JSON array of examples, [] for an empty split"});
        return result;
    }
    if (auto bad = firstInvalidUtf8(text)) {
        const auto pos = positionOfOffset(text, *bad);
        problems.push_back({file, "line " + std::to_string(pos.line) + ", column " + std::to_string(pos.column),
                            "the file is not valid UTF-8", "re-save it with UTF-8 encoding"});
        return result;
    }
    try {
        checkJsonDepth(text, path);
    } catch (const InputError &e) {
        problems.insert(problems.end(), e.problems().begin(), e.problems().end());
        return result;
    }
    Json root;
    try {
        root = Json::parse(text.begin(), text.end());
    } catch (const Json::parse_error &e) {
        const auto pos = positionOfOffset(text, e.byte > 0 ? e.byte - 1 : 0);
        std::string detail = e.what();
        if (auto colon = detail.find(": "); colon != std::string::npos)
            detail = detail.substr(colon + 2);
        problems.push_back({file, "line " + std::to_string(pos.line) + ", column " + std::to_string(pos.column),
                            "malformed JSON: " + detail, "correct the JSON syntax at that place"});
        return result;
    } catch (const nlohmann::json::out_of_range &) { // a number too large for a double or an integer
        problems.push_back(
            {file, {}, "a number in the file is too large to represent", "correct the number in the file"});
        return result;
    }
    if (!root.is_array()) {
        problems.push_back({file,
                            {},
                            "expected a JSON array of examples, found " + std::string(root.type_name()),
                            "the file must be a list [ {\"prompt\": ..., \"responses\": {...}}, ... ]"});
        return result;
    }

    result.examples.reserve(root.size());
    std::size_t expected = 0;
    for (std::size_t i = 0; i < root.size(); ++i) {
        Json &item = root[i];
        const std::string place = "example " + std::to_string(i);
        auto problem = [&](std::string message, std::string fix) {
            problems.push_back({file, place, std::move(message), std::move(fix)});
        };
        if (!item.is_object()) {
            problem("expected an object, found " + std::string(item.type_name()),
                    "each example is an object with \"prompt\" and \"responses\"");
            continue;
        }
        Example example;
        example.position = int(i);
        auto prompt = item.find("prompt");
        if (prompt == item.end())
            problem("missing \"prompt\"", "add the full prompt text as \"prompt\"");
        else if (!prompt->is_string())
            problem("\"prompt\" is " + std::string(prompt->type_name()) + ", not a string", "make \"prompt\" a string");
        else
            example.prompt = prompt->get<std::string>();

        auto responses = item.find("responses");
        if (responses == item.end()) {
            problem("missing \"responses\"", "add \"responses\": {\"<preferred text>\": 1, \"<other text>\": 0}");
            continue;
        }
        if (!responses->is_object()) {
            problem("\"responses\" is " + std::string(responses->type_name()) + ", not an object",
                    "map each response text to its label, e.g. {\"good\": 1, \"bad\": 0}");
            continue;
        }
        if (i == 0)
            expected = responses->size();
        int preferred = 0;
        int dispreferred = 0;
        for (auto it = responses->begin(); it != responses->end(); ++it) {
            const int label = labelOf(it.value());
            if (label < 0)
                problem("response \"" + shorten(it.key()) + "\" has label " + describe(it.value())
                            + "; labels must be 0 or 1",
                        "use 1 for the preferred response and 0 for the others");
            preferred += label == 1;
            dispreferred += label == 0;
            example.responses.push_back({it.key(), label});
        }
        if (preferred == 0)
            problem("no preferred response (none has label 1)", "give exactly one response the label 1");
        else if (preferred > 1)
            problem(std::to_string(preferred) + " preferred responses",
                    "give exactly one response the label 1, the others 0");
        if (dispreferred == 0)
            problem("no dispreferred response (none has label 0)", "add at least one response with label 0");
        if (std::size_t(preferred + dispreferred) != expected && i > 0
            && preferred + dispreferred == int(responses->size()))
            problem(std::to_string(responses->size()) + " responses, but example 0 has " + std::to_string(expected),
                    "every example of a split must have the same number of responses");

        Json extra = Json::object();
        for (auto it = item.begin(); it != item.end(); ++it)
            if (it.key() != "prompt" && it.key() != "responses")
                extra[it.key()] = std::move(it.value());
        if (!extra.empty())
            example.extraJson = extra.dump();
        result.examples.push_back(std::move(example));
    }
    result.responsesPerExample = int(expected);
    return result;
}

} // namespace shiftscope
