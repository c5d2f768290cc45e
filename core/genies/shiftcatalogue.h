#pragma once

#include "data/types.h"
#include "util/errors.h"

#include <filesystem>
#include <string>
#include <vector>

namespace shiftscope {

//! A named list of shift rows, duplicates included and marked.
struct ShiftCatalogue {
    std::string name;
    std::string origin; //!< file path, or "built-in"
    std::vector<ShiftPair> rows;

    std::vector<ShiftPair> uniqueRows() const;
    //! Sorted distinct distribution ids named as source, target or target_reference.
    std::vector<std::string> distributionIds() const;
};

//! The GENIES categories in the order the navigator shows them, with their group and display name.
struct CategoryInfo {
    std::string id;
    std::string displayName;
    std::string group;
};
const std::vector<CategoryInfo> &geniesCategories();
std::string categoryDisplayName(const std::string &id);

//! Reads shift specifications: the built-in GENIES catalogue shipped in `shifts/genies/catalogue.json`, and any
//! file in the GENIES spec format (a JSON array of objects with `source`, `target`, optional
//! `target_reference`, `label`, `category`).
class ShiftCatalogueReader {
public:
    static const ShiftCatalogue &builtin();
    //! Parses a GENIES spec file (or a ShiftScope catalogue file). Categories and groups missing from the file are
    //! taken from the built-in catalogue, then from the file's name and folder (e.g. `probing/spurious_cues.json`).
    static ShiftCatalogue readFile(const std::filesystem::path &path);
    static ShiftCatalogue parse(std::string_view text, const std::filesystem::path &path);
    //! Sets `row` and `duplicateOf` on every row.
    static void markDuplicates(std::vector<ShiftPair> &rows);
};

} // namespace shiftscope
