#pragma once

#include "tokenizer/jsonplace.h"

#include <string>
#include <vector>

namespace shiftscope {

//! The tokenizer.json "decoder": turns token pieces back into text, step by step over the list of pieces as the
//! tokenizers library does. Implements ByteLevel, Metaspace, Replace, ByteFallback, Fuse, Strip and Sequence.
class Decoder {
public:
    //! Reads the "decoder" entry; null means pieces are joined with spaces.
    static Decoder fromJson(const nlohmann::json &json, const JsonPlace &place);

    std::string decode(std::vector<std::string> pieces) const;

private:
    enum class Kind { ByteLevel, Metaspace, Replace, ByteFallback, Fuse, Strip };
    struct Step {
        Kind kind = Kind::Fuse;
        std::string pattern;             //!< Replace: what to replace; Metaspace: the replacement character
        std::string content;             //!< Replace: the replacement; Strip: the character to strip
        std::size_t start = 0, stop = 0; //!< Strip: how many to strip at each end
        bool dropFirstMarks = true;      //!< Metaspace: drop the replacement in the first piece
    };

    void read(const nlohmann::json &json, const JsonPlace &place);
    static Step step(Kind kind);
    static std::vector<std::string> apply(const Step &step, std::vector<std::string> pieces);

    bool m_present = false;
    std::vector<Step> m_steps;
};

} // namespace shiftscope
