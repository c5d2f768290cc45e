#include "data/textpreview.h"

#include <array>

namespace shiftscope {

std::string oneLine(std::string_view text, std::size_t maxChars)
{
    std::string out;
    out.reserve(std::min(text.size(), maxChars * 2));
    std::size_t chars = 0;
    bool space = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
            space = !out.empty();
            continue;
        }
        const bool startsCodePoint = (static_cast<unsigned char>(c) & 0xC0) != 0x80;
        if (startsCodePoint) {
            if (chars + (space ? 1 : 0) >= maxChars) {
                out += "…";
                return out;
            }
            if (space) {
                out += ' ';
                ++chars;
                space = false;
            }
            ++chars;
        }
        out += c;
    }
    return out;
}

std::string promptPreview(std::string_view prompt, std::size_t maxChars)
{
    // Markers that open the part of a GENIES prompt that differs between examples, and those that close it.
    static constexpr std::array<std::string_view, 3> openers = {"### Instruction:", "## User input:", "### Input:"};
    static constexpr std::array<std::string_view, 3> closers = {"### Response:", "## Your response:", "### Comment:"};
    std::size_t begin = std::string_view::npos;
    for (auto marker : openers) {
        const auto at = prompt.find(marker);
        if (at != std::string_view::npos && at < begin) {
            begin = at + marker.size();
        }
    }
    if (begin == std::string_view::npos)
        return oneLine(prompt, maxChars);
    std::size_t end = prompt.size();
    for (auto marker : closers) {
        const auto at = prompt.rfind(marker);
        if (at != std::string_view::npos && at >= begin && at < end)
            end = at;
    }
    std::string body(prompt.substr(begin, end - begin));
    // Keep the input section's text but drop its header.
    for (auto marker : {std::string_view("### Input:")})
        if (auto at = body.find(marker); at != std::string::npos)
            body.replace(at, marker.size(), " — ");
    return oneLine(body, maxChars);
}

} // namespace shiftscope
