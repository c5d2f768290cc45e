#pragma once

#include "tokenizer/jsonplace.h"

#include <string>
#include <string_view>
#include <vector>

namespace shiftscope {

//! The tokenizer.json "normalizer": the steps that rewrite text before pre-tokenization. Implements what
//! GPT-NeoX (NFC) and LLaMA (Sequence of Prepend "▁" and Replace " " -> "▁") use; anything else is refused by name.
class Normalizer {
public:
    //! Reads the "normalizer" entry; null means none.
    static Normalizer fromJson(const nlohmann::json &json, const JsonPlace &place);

    bool empty() const { return m_steps.empty(); }
    //! The normalized text: a view of `text` itself when no step changes it, else of `buffer`.
    std::string_view apply(std::string_view text, std::string &buffer) const;

private:
    enum class Kind { Nfc, Prepend, Replace };
    struct Step {
        Kind kind;
        std::string pattern; //!< Replace: what to replace
        std::string content; //!< Prepend: the prefix; Replace: the replacement
    };

    void read(const nlohmann::json &json, const JsonPlace &place);

    std::vector<Step> m_steps;
    double m_growth = 1;         //!< how many times longer the steps can make a text, at most
    std::size_t m_prepended = 0; //!< bytes the Prepend steps add, at most
};

} // namespace shiftscope
