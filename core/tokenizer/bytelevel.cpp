#include "tokenizer/bytelevel.h"

#include "tokenizer/utf8codec.h"

namespace shiftscope {

const ByteLevelAlphabet &ByteLevelAlphabet::instance()
{
    static const ByteLevelAlphabet alphabet;
    return alphabet;
}

ByteLevelAlphabet::ByteLevelAlphabet()
{
    m_byteOf.fill(-1);
    char32_t next = 256;
    for (int byte = 0; byte < 256; ++byte) {
        const bool printable = (byte >= '!' && byte <= '~') || (byte >= 0xA1 && byte <= 0xAC) || byte >= 0xAE;
        const char32_t cp = printable ? static_cast<char32_t>(byte) : next++;
        appendUtf8(m_utf8[byte], cp);
        m_byteOf[cp] = static_cast<short>(byte);
    }
}

int ByteLevelAlphabet::byteOf(char32_t codePoint) const
{
    return codePoint < m_byteOf.size() ? m_byteOf[codePoint] : -1;
}

std::string ByteLevelAlphabet::encode(std::string_view bytes) const
{
    std::string out;
    out.reserve(bytes.size() * 2);
    for (char c : bytes)
        out += m_utf8[static_cast<unsigned char>(c)];
    return out;
}

bool ByteLevelAlphabet::decode(std::string_view token, std::string &out) const
{
    const std::size_t start = out.size();
    for (std::size_t pos = 0; pos < token.size();) {
        const DecodedChar c = decodeUtf8(token, pos);
        const int byte = byteOf(c.codePoint);
        if (byte < 0) {
            out.resize(start);
            return false;
        }
        out += static_cast<char>(byte);
        pos += c.length;
    }
    return true;
}

} // namespace shiftscope
