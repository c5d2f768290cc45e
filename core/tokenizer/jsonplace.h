#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <string>

namespace shiftscope {

//! Where a reader of tokenizer.json is: the file and a JSON path such as "normalizer.normalizers[1]". Its helpers
//! throw InputError naming both, so every loader complaint says which file, which entry and what to do.
class JsonPlace {
public:
    JsonPlace(std::string file, std::string path) : m_file(std::move(file)), m_path(std::move(path)) {}

    JsonPlace member(const std::string &key) const { return {m_file, m_path.empty() ? key : m_path + "." + key}; }
    JsonPlace element(std::size_t index) const { return {m_file, m_path + "[" + std::to_string(index) + "]"}; }
    const std::string &file() const { return m_file; }
    const std::string &path() const { return m_path; }

    [[noreturn]] void fail(const std::string &message, const std::string &fix) const;
    //! The component type at this place (`"type"`, or the only key of the old `{"Name": ...}` layouts) is not one
    //! ShiftScope implements; `supported` lists the ones it does.
    [[noreturn]] void failUnsupported(const std::string &kind, const std::string &type,
                                      const std::string &supported) const;

    //! `object[key]`, which must exist.
    const nlohmann::json &require(const nlohmann::json &object, const char *key) const;
    std::string requireString(const nlohmann::json &object, const char *key) const;
    //! A boolean member, `fallback` when absent or null.
    bool optionalBool(const nlohmann::json &object, const char *key, bool fallback) const;
    //! A string member, `fallback` when absent or null.
    std::string optionalString(const nlohmann::json &object, const char *key, const std::string &fallback) const;
    //! Calls `read` with each entry of the list `object[key]` (a Sequence's parts) and its place.
    void forEachIn(const nlohmann::json &object, const char *key,
                   const std::function<void(const nlohmann::json &, const JsonPlace &)> &read) const;
    //! The "type" of a component object.
    std::string typeOf(const nlohmann::json &object) const;

private:
    std::string m_file;
    std::string m_path;
};

//! Reads and parses a JSON file; InputError names the file and, for bad JSON, the line and column.
nlohmann::json readJsonFile(const std::filesystem::path &path);

} // namespace shiftscope
