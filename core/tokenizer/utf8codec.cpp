#include "tokenizer/utf8codec.h"

#include "util/utf8.h"

namespace shiftscope {

bool isValidUtf8(std::string_view text)
{
    const std::size_t ascii = asciiPrefixLength(text);
    return ascii == text.size() || !firstInvalidUtf8(text.substr(ascii));
}

void appendUtf8(std::string &out, char32_t codePoint)
{
    const auto cp = static_cast<std::uint32_t>(codePoint);
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

namespace {

//! Length of the valid prefix of a UTF-8 sequence at `pos` (Unicode's table 3-7: the second byte's range depends
//! on the lead byte), and whether the whole sequence is there.
struct SequenceCheck {
    std::size_t validBytes = 0;
    bool complete = false;
};

SequenceCheck checkSequence(std::string_view text, std::size_t pos)
{
    const auto at = [&](std::size_t i) { return static_cast<unsigned char>(text[pos + i]); };
    const unsigned char lead = at(0);
    std::size_t length = 0;
    unsigned char low = 0x80, high = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        low = lead == 0xE0 ? 0xA0 : 0x80;
        high = lead == 0xED ? 0x9F : 0xBF;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        low = lead == 0xF0 ? 0x90 : 0x80;
        high = lead == 0xF4 ? 0x8F : 0xBF;
    } else {
        return {0, false};
    }
    std::size_t valid = 1;
    for (; valid < length && pos + valid < text.size(); ++valid) {
        const unsigned char c = at(valid);
        const bool ok = valid == 1 ? (c >= low && c <= high) : (c >= 0x80 && c <= 0xBF);
        if (!ok)
            break;
    }
    return {valid, valid == length};
}

} // namespace

std::string toValidUtf8(std::string_view text)
{
    auto bad = firstInvalidUtf8(text);
    if (!bad)
        return std::string(text);
    std::string out(text.substr(0, *bad));
    std::size_t pos = *bad;
    while (pos < text.size()) {
        if (static_cast<unsigned char>(text[pos]) < 0x80) {
            out += text[pos++];
            continue;
        }
        const SequenceCheck check = checkSequence(text, pos);
        if (check.complete) {
            out.append(text.substr(pos, check.validBytes));
            pos += check.validBytes;
        } else {
            out += "\xEF\xBF\xBD"; // one U+FFFD per maximal invalid subpart
            pos += check.validBytes == 0 ? 1 : check.validBytes;
        }
    }
    return out;
}

} // namespace shiftscope
