#include "tokenizer/jsonplace.h"

#include "util/errors.h"
#include "util/inputfile.h"
#include "util/utf8.h"

#include <fstream>
#include <nlohmann/json.hpp>

namespace shiftscope {

void JsonPlace::fail(const std::string &message, const std::string &fix) const
{
    throw InputError(InputProblem{m_file, m_path, message, fix});
}

void JsonPlace::failUnsupported(const std::string &kind, const std::string &type, const std::string &supported) const
{
    fail("unsupported " + kind + " '" + type + "'", "ShiftScope's tokenizer reads these " + kind + "s: " + supported
                                                        + "; use a model whose tokenizer.json sticks to them");
}

const nlohmann::json &JsonPlace::require(const nlohmann::json &object, const char *key) const
{
    if (!object.is_object())
        fail("expected a JSON object, found " + std::string(object.type_name()), "restore the file from its source");
    const auto it = object.find(key);
    if (it == object.end())
        fail(std::string("missing \"") + key + "\"", "restore the file from its source");
    return *it;
}

std::string JsonPlace::requireString(const nlohmann::json &object, const char *key) const
{
    const auto &value = require(object, key);
    if (!value.is_string())
        member(key).fail("expected a string, found " + std::string(value.type_name()),
                         "restore the file from its source");
    return value.get<std::string>();
}

bool JsonPlace::optionalBool(const nlohmann::json &object, const char *key, bool fallback) const
{
    const auto it = object.find(key);
    if (it == object.end() || it->is_null())
        return fallback;
    if (!it->is_boolean())
        member(key).fail("expected true or false, found " + std::string(it->type_name()),
                         "restore the file from its source");
    return it->get<bool>();
}

std::string JsonPlace::optionalString(const nlohmann::json &object, const char *key, const std::string &fallback) const
{
    const auto it = object.find(key);
    if (it == object.end() || it->is_null())
        return fallback;
    if (!it->is_string())
        member(key).fail("expected a string, found " + std::string(it->type_name()),
                         "restore the file from its source");
    return it->get<std::string>();
}

void JsonPlace::forEachIn(const nlohmann::json &object, const char *key,
                          const std::function<void(const nlohmann::json &, const JsonPlace &)> &read) const
{
    const auto &list = require(object, key);
    if (!list.is_array())
        member(key).fail("expected a list, found " + std::string(list.type_name()), "restore the file from its source");
    for (std::size_t i = 0; i < list.size(); ++i)
        read(list[i], member(key).element(i));
}

std::string JsonPlace::typeOf(const nlohmann::json &object) const { return requireString(object, "type"); }

nlohmann::json readJsonFile(const std::filesystem::path &path)
{
    const std::string text =
        readInputFile(path, std::uint64_t(1) << 30, "check the path, and that the file exists and is readable");
    checkJsonDepth(text, path);
    try {
        return nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error &e) {
        const TextPosition at = positionOfOffset(text, e.byte == 0 ? 0 : e.byte - 1);
        std::string message = e.what();
        if (const auto colon = message.rfind(": "); colon != std::string::npos)
            message = message.substr(colon + 2); // drop nlohmann's "[json.exception.parse_error.101] ..." prefix
        throw InputError(InputProblem{path.string(),
                                      "line " + std::to_string(at.line) + ", column " + std::to_string(at.column),
                                      "not valid JSON: " + message, "restore the file from its source"});
    } catch (const nlohmann::json::out_of_range &) { // a number too large for a double or an integer
        throw InputError(InputProblem{
            path.string(), {}, "a number in the file is too large to represent", "restore the file from its source"});
    }
}

} // namespace shiftscope
