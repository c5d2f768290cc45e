#include "tokenizer/normalizer.h"

#include "tokenizer/nfc.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace shiftscope {

namespace {
const char *kSupported = "NFC, Prepend, Replace (with a String pattern) and Sequence";
// Real tokenizers grow a text a few times at most (LLaMA's Replace of " " by "\u2581" triples a space); a chain
// that could grow it more is refused when loaded, before it can turn one text into gigabytes.
constexpr double kMaxGrowth = 64;
constexpr std::size_t kMaxPrepended = 1 << 16;
constexpr const char *kGrowthFix =
    "restore the file from its source; no real tokenizer's normalizers grow a text that much";
} // namespace

Normalizer Normalizer::fromJson(const nlohmann::json &json, const JsonPlace &place)
{
    Normalizer normalizer;
    if (!json.is_null())
        normalizer.read(json, place);
    return normalizer;
}

void Normalizer::read(const nlohmann::json &json, const JsonPlace &place)
{
    const std::string type = place.typeOf(json);
    if (type == "Sequence") {
        place.forEachIn(json, "normalizers",
                        [this](const nlohmann::json &part, const JsonPlace &at) { read(part, at); });
    } else if (type == "NFC") {
        m_steps.push_back({Kind::Nfc, {}, {}});
    } else if (type == "Prepend") {
        m_steps.push_back({Kind::Prepend, {}, place.requireString(json, "prepend")});
        m_prepended += m_steps.back().content.size();
        if (m_prepended > kMaxPrepended)
            place.fail("the normalizers can prepend more than " + std::to_string(kMaxPrepended) + " bytes", kGrowthFix);
    } else if (type == "Replace") {
        const auto &pattern = place.require(json, "pattern");
        if (!pattern.is_object() || !pattern.contains("String") || !pattern["String"].is_string())
            place.member("pattern").failUnsupported(
                "Replace pattern", pattern.is_object() ? "an object without a String" : pattern.type_name(),
                "{\"String\": ...}");
        const std::string from = pattern["String"].get<std::string>();
        if (from.empty())
            place.member("pattern").fail("the pattern to replace is empty", "restore the file from its source");
        m_steps.push_back({Kind::Replace, from, place.requireString(json, "content")});
        m_growth *= std::max(1.0, double(m_steps.back().content.size()) / double(from.size()));
        if (m_growth > kMaxGrowth)
            place.fail("the Replace normalizers can make a text more than " + std::to_string(int(kMaxGrowth))
                           + " times longer",
                       kGrowthFix);
    } else {
        place.failUnsupported("normalizer", type, kSupported);
    }
}

std::string_view Normalizer::apply(std::string_view text, std::string &buffer) const
{
    std::string_view current = text;
    for (const Step &step : m_steps) {
        std::string next;
        switch (step.kind) {
        case Kind::Nfc:
            if (isNfcStable(current))
                continue;
            next = toNfc(current);
            break;
        case Kind::Prepend:
            if (current.empty()) // the tokenizers library prepends to non-empty text only
                continue;
            next.reserve(step.content.size() + current.size());
            next.append(step.content).append(current);
            break;
        case Kind::Replace: {
            std::size_t found = current.find(step.pattern);
            if (found == std::string_view::npos)
                continue;
            next.reserve(current.size() + current.size() / 4 * step.content.size());
            std::size_t from = 0;
            for (; found != std::string_view::npos; found = current.find(step.pattern, from)) {
                next.append(current.substr(from, found - from)).append(step.content);
                from = found + step.pattern.size();
            }
            next.append(current.substr(from));
            break;
        }
        }
        buffer = std::move(next);
        current = buffer;
    }
    return current;
}

} // namespace shiftscope
