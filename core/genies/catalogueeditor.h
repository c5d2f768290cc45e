#pragma once

#include "data/types.h"

#include <filesystem>
#include <string>
#include <vector>

namespace shiftscope {

class Workspace;

//! A catalogue's rows as a GENIES shift specification: a JSON array of {"source", "target", "target_reference",
//! "label", "category"} in row order, duplicates included, empty fields left out. ShiftCatalogueReader reads it
//! back to the same rows.
std::string shiftSpecificationJson(const std::vector<ShiftPair> &rows);

//! Writes the catalogue `name` of the workspace as a shift specification file, atomically. Throws InputError when
//! the workspace has no such catalogue.
void exportCatalogue(Workspace &workspace, const std::string &name, const std::filesystem::path &file);

//! Adds `shift` to the user catalogue `catalogue`, creating it when missing. Refuses (InputError) the built-in
//! catalogue, a distribution the workspace does not hold, a shift from a distribution to itself, and a pair the
//! catalogue lists already. Returns the catalogue's rows after the change.
std::vector<ShiftPair> addShiftToCatalogue(Workspace &workspace, const std::string &catalogue, ShiftPair shift);

} // namespace shiftscope
