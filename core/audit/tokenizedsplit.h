#pragma once

#include "data/types.h"

#include <cstdint>
#include <span>
#include <vector>

namespace shiftscope {

//! The token hashes of every text of a split (each example's prompt, then its responses), computed once and
//! shared by the checks that look at words: duplicate shingles and the shortcut detector's n-grams.
class TokenizedSplit {
public:
    explicit TokenizedSplit(const std::vector<Example> &examples);

    std::size_t examples() const { return m_firstText.size(); }
    std::size_t responses(std::size_t example) const;
    //! Token hashes (see tokenize()) of example `example`'s prompt when `response` is -1, else of that response.
    std::span<const std::uint64_t> tokens(std::size_t example, int response = -1) const;

private:
    std::vector<std::uint64_t> m_hashes;
    std::vector<std::uint32_t> m_textStarts; //!< start of each text in m_hashes, and the end as the last entry
    std::vector<std::uint32_t> m_firstText;  //!< index of each example's prompt in m_textStarts
};

} // namespace shiftscope
