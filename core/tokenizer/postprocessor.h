#pragma once

#include "tokenizer/jsonplace.h"

#include <optional>
#include <string>
#include <vector>

namespace shiftscope {

//! The tokenizer.json "post_processor": what encode(..., addSpecialTokens = true) adds around a single text.
//! Implements TemplateProcessing (LLaMA's "<s> $A"), ByteLevel (offsets only, adds nothing) and Sequence.
class PostProcessor {
public:
    static PostProcessor fromJson(const nlohmann::json &json, const JsonPlace &place);

    //! Wraps the ids of one text in the template's special tokens.
    void apply(std::vector<int> &ids) const;
    //! The first special token the template puts in front of the text (LLaMA's BOS), if any.
    std::optional<int> leadingSpecialId() const
    {
        return m_before.empty() ? std::nullopt : std::optional<int>(m_before[0]);
    }

private:
    void read(const nlohmann::json &json, const JsonPlace &place);

    std::vector<int> m_before; //!< ids in front of the text
    std::vector<int> m_after;  //!< ids after it
};

} // namespace shiftscope
