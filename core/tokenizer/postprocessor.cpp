#include "tokenizer/postprocessor.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace shiftscope {

namespace {
const char *kRestore = "restore the file from its source";
}

PostProcessor PostProcessor::fromJson(const nlohmann::json &json, const JsonPlace &place)
{
    PostProcessor processor;
    if (!json.is_null())
        processor.read(json, place);
    return processor;
}

void PostProcessor::read(const nlohmann::json &json, const JsonPlace &place)
{
    const std::string type = place.typeOf(json);
    if (type == "Sequence") {
        place.forEachIn(json, "processors",
                        [this](const nlohmann::json &part, const JsonPlace &at) { read(part, at); });
        return;
    }
    if (type == "ByteLevel")
        return; // only adjusts offsets
    if (type != "TemplateProcessing")
        place.failUnsupported("post-processor", type, "TemplateProcessing, ByteLevel and Sequence");
    if (!m_before.empty() || !m_after.empty())
        place.fail("more than one template in the post-processor", "use a model whose tokenizer.json has one");
    const auto &specials = place.require(json, "special_tokens");
    const auto &single = place.require(json, "single");
    if (!single.is_array())
        place.member("single").fail("expected a list of template pieces", kRestore);
    bool seenText = false;
    for (std::size_t i = 0; i < single.size(); ++i) {
        const JsonPlace at = place.member("single").element(i);
        const auto &piece = single[i];
        if (piece.is_object() && piece.contains("Sequence")) {
            const std::string which = at.member("Sequence").requireString(piece["Sequence"], "id");
            if (which != "A" || seenText)
                at.fail("the single-text template must hold sequence A once, found '" + which + "'", kRestore);
            seenText = true;
            continue;
        }
        if (!piece.is_object() || !piece.contains("SpecialToken"))
            at.fail("expected {\"SpecialToken\": ...} or {\"Sequence\": ...}, found " + piece.dump(), kRestore);
        const std::string name = at.member("SpecialToken").requireString(piece["SpecialToken"], "id");
        const auto &entry = place.member("special_tokens").require(specials, name.c_str());
        const auto &ids = place.member("special_tokens").member(name).require(entry, "ids");
        if (!ids.is_array()
            || !std::all_of(ids.begin(), ids.end(), [](const auto &id) { return id.is_number_integer(); }))
            place.member("special_tokens").member(name).fail("\"ids\" must be a list of whole numbers", kRestore);
        for (const auto &id : ids)
            (seenText ? m_after : m_before).push_back(id.get<int>());
    }
    if (!seenText)
        place.member("single").fail("the template has no $A for the text", kRestore);
}

void PostProcessor::apply(std::vector<int> &ids) const
{
    ids.insert(ids.begin(), m_before.begin(), m_before.end());
    ids.insert(ids.end(), m_after.begin(), m_after.end());
}

} // namespace shiftscope
