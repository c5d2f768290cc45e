#include "cli/arguments.h"

namespace shiftscope {

Arguments::Arguments(const std::vector<std::string> &words, const std::set<std::string> &valued,
                     const std::set<std::string> &flags)
{
    for (std::size_t i = 0; i < words.size(); ++i) {
        const std::string &word = words[i];
        if (word.rfind("--", 0) != 0 || word == "--") {
            m_positionals.push_back(word);
            continue;
        }
        std::string name = word.substr(2);
        std::optional<std::string> inlineValue;
        if (auto eq = name.find('='); eq != std::string::npos) {
            inlineValue = name.substr(eq + 1);
            name = name.substr(0, eq);
        }
        if (valued.count(name)) {
            if (inlineValue) {
                m_values.emplace(name, *inlineValue);
            } else if (i + 1 < words.size()) {
                m_values.emplace(name, words[++i]);
            } else if (m_error.empty()) {
                m_error = "option --" + name + " needs a value";
            }
        } else if (flags.count(name) && !inlineValue) {
            m_flags.insert(name);
        } else if (m_error.empty()) {
            m_error = "unknown option --" + name;
        }
    }
}

std::optional<std::string> Arguments::value(const std::string &name) const
{
    auto it = m_values.find(name);
    if (it == m_values.end())
        return std::nullopt;
    return it->second;
}

std::vector<std::string> Arguments::values(const std::string &name) const
{
    std::vector<std::string> out;
    auto [begin, end] = m_values.equal_range(name);
    for (auto it = begin; it != end; ++it)
        out.push_back(it->second);
    return out;
}

} // namespace shiftscope
