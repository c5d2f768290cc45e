#include "tokenizer/pretokenizer.h"

#include "tokenizer/gpt2pattern.h"

#include <nlohmann/json.hpp>

namespace shiftscope {

namespace {
const char *kSupported = "ByteLevel, Metaspace and Sequence";
}

PreTokenizer PreTokenizer::fromJson(const nlohmann::json &json, const JsonPlace &place)
{
    PreTokenizer pre;
    if (!json.is_null())
        pre.read(json, place);
    for (std::size_t i = 0; i + 1 < pre.m_steps.size(); ++i)
        if (pre.m_steps[i].kind == Kind::ByteLevel)
            place.fail("a ByteLevel pre-tokenizer must come last in the sequence",
                       "use a model whose tokenizer.json puts ByteLevel last");
    return pre;
}

void PreTokenizer::read(const nlohmann::json &json, const JsonPlace &place)
{
    const std::string type = place.typeOf(json);
    if (type == "Sequence") {
        place.forEachIn(json, "pretokenizers",
                        [this](const nlohmann::json &part, const JsonPlace &at) { read(part, at); });
    } else if (type == "ByteLevel") {
        Step step;
        step.addPrefixSpace = place.optionalBool(json, "add_prefix_space", true);
        step.useRegex = place.optionalBool(json, "use_regex", true);
        m_steps.push_back(step);
        m_byteLevel = true;
    } else if (type == "Metaspace") {
        Step step;
        step.kind = Kind::Metaspace;
        step.replacement = place.optionalString(json, "replacement", "\xE2\x96\x81");
        if (step.replacement.empty())
            place.member("replacement").fail("the replacement character is empty", "restore the file from its source");
        // Files before tokenizers 0.19 say add_prefix_space instead of prepend_scheme.
        const std::string scheme = place.optionalString(
            json, "prepend_scheme", place.optionalBool(json, "add_prefix_space", true) ? "always" : "never");
        if (scheme == "always")
            step.prepend = Prepend::Always;
        else if (scheme == "first")
            step.prepend = Prepend::First;
        else if (scheme == "never")
            step.prepend = Prepend::Never;
        else
            place.member("prepend_scheme").failUnsupported("prepend scheme", scheme, "always, first, never");
        step.splitWords = place.optionalBool(json, "split", true);
        m_steps.push_back(step);
    } else {
        place.failUnsupported("pre-tokenizer", type, kSupported);
    }
}

void PreTokenizer::split(std::string_view text, bool startsInput, std::string &buffer,
                         std::vector<TextSpan> &words) const
{
    if (text.empty())
        return;
    if (m_steps.empty()) {
        words.push_back({static_cast<std::uint32_t>(buffer.size()), static_cast<std::uint32_t>(text.size())});
        buffer.append(text);
        return;
    }
    if (m_steps.size() == 1 && m_steps[0].kind == Kind::ByteLevel) { // GPT-2 and GPT-NeoX: no copies of words
        splitByteLevel(m_steps[0], text, buffer, words);
        return;
    }
    std::vector<Word> current{{std::string(text), startsInput}};
    for (const Step &step : m_steps) {
        if (step.kind == Kind::ByteLevel) { // always last
            for (const Word &word : current)
                splitByteLevel(step, word.text, buffer, words);
            return;
        }
        std::vector<Word> next;
        for (Word &word : current)
            applyMetaspace(step, std::move(word), next);
        current = std::move(next);
    }
    for (const Word &word : current) {
        words.push_back({static_cast<std::uint32_t>(buffer.size()), static_cast<std::uint32_t>(word.text.size())});
        buffer.append(word.text);
    }
}

void PreTokenizer::splitByteLevel(const Step &step, std::string_view text, std::string &buffer,
                                  std::vector<TextSpan> &words) const
{
    if (text.empty())
        return;
    const auto base = static_cast<std::uint32_t>(buffer.size());
    if (step.addPrefixSpace && text.front() != ' ')
        buffer += ' ';
    buffer.append(text);
    const std::string_view piece = std::string_view(buffer).substr(base);
    if (step.useRegex)
        splitGpt2Words(piece, base, words);
    else
        words.push_back({base, static_cast<std::uint32_t>(piece.size())});
}

void PreTokenizer::applyMetaspace(const Step &step, Word word, std::vector<Word> &out) const
{
    std::string text;
    text.reserve(word.text.size() + step.replacement.size());
    for (char c : word.text) {
        if (c == ' ')
            text += step.replacement;
        else
            text += c;
    }
    const bool prepend = step.prepend == Prepend::Always || (step.prepend == Prepend::First && word.startsInput);
    if (prepend && !text.starts_with(step.replacement))
        text.insert(0, step.replacement);
    if (text.empty())
        return;
    if (!step.splitWords) {
        out.push_back({std::move(text), word.startsInput});
        return;
    }
    // Each replacement character starts a new word ("merged with next").
    std::size_t start = 0;
    for (std::size_t found = text.find(step.replacement, 1); found != std::string::npos;
         found = text.find(step.replacement, found + step.replacement.size())) {
        if (found > start)
            out.push_back({text.substr(start, found - start), word.startsInput && start == 0});
        start = found;
    }
    out.push_back({text.substr(start), word.startsInput && start == 0});
}

} // namespace shiftscope
