#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace shiftscope {

//! Command-line words split into options (`--name value`, `--flag`) and positionals. Which options take a value
//! is declared up front so `--json DIR` cannot swallow a positional.
class Arguments {
public:
    Arguments(const std::vector<std::string> &words, const std::set<std::string> &valued,
              const std::set<std::string> &flags);

    bool has(const std::string &name) const { return m_flags.count(name) || m_values.count(name); }
    std::optional<std::string> value(const std::string &name) const;
    std::vector<std::string> values(const std::string &name) const;
    const std::vector<std::string> &positionals() const { return m_positionals; }
    //! Empty when every word was understood, else a message naming the first word that was not.
    const std::string &error() const { return m_error; }

private:
    std::set<std::string> m_flags;
    std::multimap<std::string, std::string> m_values;
    std::vector<std::string> m_positionals;
    std::string m_error;
};

} // namespace shiftscope
