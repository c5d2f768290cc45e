#include "tokenizer/decoder.h"

#include "tokenizer/bytelevel.h"
#include "tokenizer/utf8codec.h"

#include <nlohmann/json.hpp>

namespace shiftscope {

namespace {

const char *kSupported = "ByteLevel, Metaspace, Replace, ByteFallback, Fuse, Strip and Sequence";

std::string replaceAll(const std::string &text, const std::string &pattern, const std::string &content)
{
    std::string out;
    std::size_t from = 0;
    for (std::size_t found = text.find(pattern); found != std::string::npos; found = text.find(pattern, from)) {
        out.append(text, from, found - from).append(content);
        from = found + pattern.size();
    }
    return out.append(text, from);
}

//! The byte of a "<0xNN>" piece, or -1.
int byteToken(const std::string &piece)
{
    if (piece.size() != 6 || !piece.starts_with("<0x") || piece[5] != '>')
        return -1;
    int value = 0;
    for (char c : piece.substr(3, 2)) {
        int digit = -1;
        if (c >= '0' && c <= '9')
            digit = c - '0';
        else if (c >= 'A' && c <= 'F')
            digit = c - 'A' + 10;
        else if (c >= 'a' && c <= 'f')
            digit = c - 'a' + 10;
        if (digit < 0)
            return -1;
        value = value * 16 + digit;
    }
    return value;
}

std::vector<std::string> splitCodePoints(const std::string &text)
{
    std::vector<std::string> out;
    for (std::size_t pos = 0; pos < text.size(); pos += utf8Length(text[pos]))
        out.push_back(text.substr(pos, utf8Length(text[pos])));
    return out;
}

} // namespace

Decoder Decoder::fromJson(const nlohmann::json &json, const JsonPlace &place)
{
    Decoder decoder;
    decoder.m_present = !json.is_null();
    if (decoder.m_present)
        decoder.read(json, place);
    return decoder;
}

void Decoder::read(const nlohmann::json &json, const JsonPlace &place)
{
    const std::string type = place.typeOf(json);
    if (type == "Sequence") {
        place.forEachIn(json, "decoders", [this](const nlohmann::json &part, const JsonPlace &at) { read(part, at); });
    } else if (type == "ByteLevel") {
        m_steps.push_back(step(Kind::ByteLevel));
    } else if (type == "ByteFallback") {
        m_steps.push_back(step(Kind::ByteFallback));
    } else if (type == "Fuse") {
        m_steps.push_back(step(Kind::Fuse));
    } else if (type == "Metaspace") {
        Step metaspace = step(Kind::Metaspace);
        metaspace.pattern = place.optionalString(json, "replacement", "\xE2\x96\x81");
        const bool legacyPrefix = place.optionalBool(json, "add_prefix_space", true);
        metaspace.dropFirstMarks = place.optionalString(json, "prepend_scheme", legacyPrefix ? "always" : "never")
                                != "never";
        m_steps.push_back(metaspace);
    } else if (type == "Replace") {
        const auto &pattern = place.require(json, "pattern");
        if (!pattern.is_object() || !pattern.contains("String") || !pattern["String"].is_string()
            || pattern["String"].get<std::string>().empty())
            place.member("pattern").failUnsupported("Replace pattern", pattern.dump(), "{\"String\": ...}");
        Step replace = step(Kind::Replace);
        replace.pattern = pattern["String"].get<std::string>();
        replace.content = place.requireString(json, "content");
        m_steps.push_back(replace);
    } else if (type == "Strip") {
        Step strip = step(Kind::Strip);
        strip.content = place.requireString(json, "content");
        const auto &start = place.require(json, "start"), &stop = place.require(json, "stop");
        if (!start.is_number_unsigned() || !stop.is_number_unsigned())
            place.fail("\"start\" and \"stop\" must be whole numbers", "restore the file from its source");
        strip.start = start.get<std::size_t>();
        strip.stop = stop.get<std::size_t>();
        m_steps.push_back(strip);
    } else {
        place.failUnsupported("decoder", type, kSupported);
    }
}

Decoder::Step Decoder::step(Kind kind)
{
    Step s;
    s.kind = kind;
    return s;
}

std::string Decoder::decode(std::vector<std::string> pieces) const
{
    if (!m_present) {
        std::string text;
        for (std::size_t i = 0; i < pieces.size(); ++i)
            text.append(i ? " " : "").append(pieces[i]);
        return text;
    }
    for (const Step &step : m_steps)
        pieces = apply(step, std::move(pieces));
    std::string text;
    for (const auto &piece : pieces)
        text += piece;
    return text;
}

std::vector<std::string> Decoder::apply(const Step &step, std::vector<std::string> pieces)
{
    switch (step.kind) {
    case Kind::ByteLevel: {
        // Pieces outside the byte-level alphabet (added tokens such as runs of spaces) pass through as they are.
        std::string bytes;
        for (const auto &piece : pieces)
            if (!ByteLevelAlphabet::instance().decode(piece, bytes))
                bytes += piece;
        return {toValidUtf8(bytes)};
    }
    case Kind::Metaspace:
        for (std::size_t i = 0; i < pieces.size(); ++i)
            pieces[i] = replaceAll(pieces[i], step.pattern, i == 0 && step.dropFirstMarks ? "" : " ");
        return pieces;
    case Kind::Replace:
        for (auto &piece : pieces)
            piece = replaceAll(piece, step.pattern, step.content);
        return pieces;
    case Kind::ByteFallback: {
        // Runs of <0xNN> pieces become their text; a run that is not valid UTF-8 gives one U+FFFD per byte.
        std::vector<std::string> out;
        std::string bytes;
        std::size_t count = 0;
        auto flush = [&] {
            if (count == 0)
                return;
            const bool valid = toValidUtf8(bytes) == bytes;
            if (valid)
                out.push_back(bytes);
            else
                for (std::size_t i = 0; i < count; ++i)
                    out.emplace_back("\xEF\xBF\xBD");
            bytes.clear();
            count = 0;
        };
        for (auto &piece : pieces) {
            const int byte = byteToken(piece);
            if (byte >= 0) {
                bytes += static_cast<char>(byte);
                ++count;
                continue;
            }
            flush();
            out.push_back(std::move(piece));
        }
        flush();
        return out;
    }
    case Kind::Fuse: {
        std::string all;
        for (const auto &piece : pieces)
            all += piece;
        return {all};
    }
    case Kind::Strip:
        for (auto &piece : pieces) {
            std::vector<std::string> chars = splitCodePoints(piece);
            std::size_t first = 0, last = chars.size();
            while (first < step.start && first < last && chars[first] == step.content)
                ++first;
            for (std::size_t i = 0; i < step.stop && last > first && chars[last - 1] == step.content; ++i)
                --last;
            std::string kept;
            for (std::size_t i = first; i < last; ++i)
                kept += chars[i];
            piece = std::move(kept);
        }
        return pieces;
    }
    return pieces;
}

} // namespace shiftscope
