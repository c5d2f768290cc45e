#include "engine/model/forwardcases.h"

#include "util/errors.h"
#include "util/inputfile.h"

namespace shiftscope {

namespace {

using Json = nlohmann::json;

//! A rectangular matrix of whole numbers, or a message saying why `json` is not one.
std::string readMatrix(const Json &json, std::int64_t &rows, std::int64_t &length, std::vector<std::int64_t> &values)
{
    if (!json.is_array() || json.empty())
        return "is not a non-empty list of rows";
    rows = std::int64_t(json.size());
    length = json.front().is_array() ? std::int64_t(json.front().size()) : 0;
    for (std::size_t r = 0; r < json.size(); ++r) {
        if (!json[r].is_array() || std::int64_t(json[r].size()) != length || length == 0)
            return "row " + std::to_string(r) + " is not a list as long as row 0 (and rows must not be empty)";
        for (const auto &v : json[r]) {
            if (!v.is_number_integer())
                return "row " + std::to_string(r) + " holds " + std::string(v.type_name()) + ", not a whole number";
            values.push_back(v.get<std::int64_t>());
        }
    }
    return {};
}

std::string checkCase(const Json &c, ForwardCase &out, int vocab)
{
    if (!c.is_object() || !c.contains("input_ids"))
        return "is not an object with input_ids";
    out.source = c;
    if (auto message = readMatrix(c["input_ids"], out.rows, out.length, out.ids); !message.empty())
        return "input_ids " + message;
    for (auto id : out.ids)
        if (id < 0 || id >= vocab)
            return "input_ids hold " + std::to_string(id) + ", outside the model's vocabulary [0, "
                 + std::to_string(vocab) + ")";
    if (!c.contains("attention_mask")) {
        out.mask.assign(out.ids.size(), 1);
    } else {
        std::int64_t rows = 0, length = 0;
        if (auto message = readMatrix(c["attention_mask"], rows, length, out.mask); !message.empty())
            return "attention_mask " + message;
        if (rows != out.rows || length != out.length)
            return "attention_mask is not the shape of input_ids";
        // Each row: padding on the left or on the right of one run of real tokens (0s, 1s, 0s).
        for (std::int64_t r = 0; r < rows; ++r) {
            int runs = 0;
            for (std::int64_t t = 0; t < length; ++t) {
                const auto m = out.mask[std::size_t(r * length + t)];
                const auto before = t > 0 ? out.mask[std::size_t(r * length + t - 1)] : 0;
                if (m != 0 && m != 1)
                    return "attention_mask row " + std::to_string(r) + " holds " + std::to_string(m)
                         + " (only 0 and 1 are allowed)";
                runs += m == 1 && before == 0;
            }
            if (runs != 1)
                return "attention_mask row " + std::to_string(r)
                     + " is not one run of 1s padded by 0s on the left or on the right";
        }
    }
    if (c.contains("response_start")) {
        if (!c["response_start"].is_number_integer() || c["response_start"].get<std::int64_t>() < 0)
            return "response_start is not a whole number >= 0";
        out.responseStart = c["response_start"].get<std::int64_t>();
    }
    return {};
}

} // namespace

std::vector<ForwardCase> readForwardCases(const std::string &file, int vocab)
{
    const std::string text = readInputFile(file, kMaxInputFileBytes, "check the path given to --input");
    checkJsonDepth(text, file);
    Json json;
    try {
        json = Json::parse(text);
    } catch (const Json::parse_error &e) {
        throw InputError(InputProblem{file, "byte " + std::to_string(e.byte), "not valid JSON",
                                      "write {\"cases\": [...]} as docs/CLI.md shows"});
    } catch (const nlohmann::json::out_of_range &) { // a number too large for a double or an integer
        throw InputError(InputProblem{file,
                                      {},
                                      "a number in the file is too large to represent",
                                      "write {\"cases\": [...]} as docs/CLI.md shows"});
    }
    if (!json.is_object() || !json.contains("cases") || !json["cases"].is_array())
        throw InputError(InputProblem{file, {}, "no \"cases\" list", "write {\"cases\": [...]} as docs/CLI.md shows"});
    std::vector<ForwardCase> cases;
    std::vector<InputProblem> problems;
    for (std::size_t i = 0; i < json["cases"].size(); ++i) {
        const Json &c = json["cases"][i];
        const std::string name =
            c.is_object() && c.contains("name") && c["name"].is_string() ? c["name"].get<std::string>() : "";
        ForwardCase parsed;
        if (auto message = checkCase(c, parsed, vocab); !message.empty())
            problems.push_back({file, "case " + std::to_string(i) + (name.empty() ? "" : " ('" + name + "')"), message,
                                "see docs/CLI.md for the format"});
        else
            cases.push_back(std::move(parsed));
    }
    if (!problems.empty())
        throw InputError(std::move(problems));
    return cases;
}

} // namespace shiftscope
