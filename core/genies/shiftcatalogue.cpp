#include "genies/shiftcatalogue.h"

#include "genies/builtincatalogue.h"
#include "util/inputfile.h"
#include "util/utf8.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace shiftscope {

namespace {
using Json = nlohmann::ordered_json;

ShiftCatalogue parseCatalogue(std::string_view text, const std::filesystem::path &path, bool enrich);

const ShiftPair *findBuiltin(const std::string &source, const std::string &target)
{
    for (const auto &row : ShiftCatalogueReader::builtin().rows)
        if (row.source == source && row.target == target)
            return &row;
    return nullptr;
}
} // namespace

const std::vector<CategoryInfo> &geniesCategories()
{
    static const std::vector<CategoryInfo> categories = {
        {"context", "Context", "extreme"},
        {"difficulty", "Difficulty", "extreme"},
        {"encoding", "Encoding", "extreme"},
        {"pretraining_similarity", "Pretraining Similarity", "extreme"},
        {"quality", "Quality", "extreme"},
        {"skill", "Skill", "extreme"},
        {"spurious_cues", "Spurious Cues", "probing"},
        {"unwanted_personas", "Unwanted Personas", "probing"},
    };
    return categories;
}

std::string categoryDisplayName(const std::string &id)
{
    for (const auto &c : geniesCategories())
        if (c.id == id)
            return c.displayName;
    return id.empty() ? std::string("Uncategorised") : id;
}

std::vector<ShiftPair> ShiftCatalogue::uniqueRows() const
{
    std::vector<ShiftPair> out;
    std::copy_if(rows.begin(), rows.end(), std::back_inserter(out), [](const ShiftPair &p) { return !p.duplicateOf; });
    return out;
}

std::vector<std::string> ShiftCatalogue::distributionIds() const
{
    std::set<std::string> ids;
    for (const auto &row : rows) {
        ids.insert(row.source);
        ids.insert(row.target);
        ids.insert(row.effectiveReference());
    }
    return {ids.begin(), ids.end()};
}

void ShiftCatalogueReader::markDuplicates(std::vector<ShiftPair> &rows)
{
    std::map<std::pair<std::string, std::string>, int> first;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        rows[i].row = int(i);
        auto [it, inserted] = first.try_emplace({rows[i].source, rows[i].target}, int(i));
        rows[i].duplicateOf = inserted ? std::nullopt : std::optional<int>(it->second);
    }
}

const ShiftCatalogue &ShiftCatalogueReader::builtin()
{
    static const ShiftCatalogue catalogue = [] {
        ShiftCatalogue c = parseCatalogue(builtinCatalogueJson(), "built-in", false);
        c.origin = "built-in";
        return c;
    }();
    return catalogue;
}

ShiftCatalogue ShiftCatalogueReader::readFile(const std::filesystem::path &path)
{
    const std::string text = readInputFile(path, kMaxInputFileBytes, "check that the path exists and is readable");
    checkJsonDepth(text, path);
    return parse(text, path);
}

ShiftCatalogue ShiftCatalogueReader::parse(std::string_view text, const std::filesystem::path &path)
{
    return parseCatalogue(text, path, true);
}

namespace {
ShiftCatalogue parseCatalogue(std::string_view text, const std::filesystem::path &path, bool enrich)
{
    const std::string file = path.string();
    if (auto bad = firstInvalidUtf8(text)) {
        const auto pos = positionOfOffset(text, *bad);
        throw InputError(InputProblem{file,
                                      "line " + std::to_string(pos.line) + ", column " + std::to_string(pos.column),
                                      "the file is not valid UTF-8", "re-save it with UTF-8 encoding"});
    }
    Json root;
    try {
        root = Json::parse(text.begin(), text.end());
    } catch (const Json::parse_error &e) {
        const auto pos = positionOfOffset(text, e.byte > 0 ? e.byte - 1 : 0);
        throw InputError(InputProblem{file,
                                      "line " + std::to_string(pos.line) + ", column " + std::to_string(pos.column),
                                      "malformed JSON", "correct the JSON syntax at that place"});
    } catch (const nlohmann::json::out_of_range &) { // a number too large for a double or an integer
        throw InputError(
            InputProblem{file, {}, "a number in the file is too large to represent", "correct the number in the file"});
    }
    ShiftCatalogue catalogue;
    catalogue.origin = file;
    catalogue.name = path.stem().string();
    const Json *rows = &root;
    if (root.is_object()) {
        if (root.contains("name") && root["name"].is_string())
            catalogue.name = root["name"].get<std::string>();
        if (!root.contains("rows"))
            throw InputError(InputProblem{file,
                                          {},
                                          "expected a JSON array of shifts",
                                          "write [{\"source\": \"...\", \"target\": \"...\"}, ...]"});
        rows = &root["rows"];
    }
    if (!rows->is_array())
        throw InputError(InputProblem{
            file, {}, "expected a JSON array of shifts", "write [{\"source\": \"...\", \"target\": \"...\"}, ...]"});

    // A category file such as probing/spurious_cues.json names its category and group by its path.
    const std::string stem = path.stem().string();
    const std::string parent = path.parent_path().filename().string();
    const bool stemIsCategory = std::any_of(geniesCategories().begin(), geniesCategories().end(),
                                            [&](const CategoryInfo &c) { return c.id == stem; });

    std::vector<InputProblem> problems;
    for (std::size_t i = 0; i < rows->size(); ++i) {
        const Json &item = (*rows)[i];
        const std::string place = "entry " + std::to_string(i);
        if (!item.is_object()) {
            problems.push_back({file, place, "expected an object", "each entry is {\"source\": ..., \"target\": ...}"});
            continue;
        }
        auto stringField = [&](const char *key, bool required) -> std::string {
            auto it = item.find(key);
            if (it == item.end() || it->is_null()) {
                if (required)
                    problems.push_back({file, place, std::string("missing \"") + key + "\"",
                                        std::string("add the distribution id as \"") + key + "\""});
                return {};
            }
            if (!it->is_string()) {
                problems.push_back(
                    {file, place, std::string("\"") + key + "\" is not a string", "use a distribution id string"});
                return {};
            }
            return it->get<std::string>();
        };
        ShiftPair pair;
        pair.source = stringField("source", true);
        pair.target = stringField("target", true);
        pair.targetReference = stringField("target_reference", false);
        pair.category = stringField("category", false);
        pair.group = stringField("group", false);
        if (pair.group.empty())
            pair.group = stringField("label", false);
        if (auto it = item.find("genies_rank"); it != item.end() && it->is_number_integer())
            pair.geniesRank = it->get<int>();
        if (const ShiftPair *known = enrich ? findBuiltin(pair.source, pair.target) : nullptr) {
            if (pair.category.empty())
                pair.category = known->category;
            if (pair.group.empty())
                pair.group = known->group;
            if (pair.geniesRank == 0)
                pair.geniesRank = known->geniesRank;
        }
        if (pair.category.empty() && stemIsCategory)
            pair.category = stem;
        if (pair.group.empty() && (parent == "extreme" || parent == "probing"))
            pair.group = parent;
        catalogue.rows.push_back(std::move(pair));
    }
    if (!problems.empty())
        throw InputError(std::move(problems));
    ShiftCatalogueReader::markDuplicates(catalogue.rows);
    return catalogue;
}

} // namespace

} // namespace shiftscope
