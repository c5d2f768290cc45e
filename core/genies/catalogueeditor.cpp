#include "genies/catalogueeditor.h"

#include "genies/shiftcatalogue.h"
#include "util/atomicfile.h"
#include "util/errors.h"
#include "util/inputfile.h"
#include "workspace/workspace.h"

#include <nlohmann/json.hpp>

namespace shiftscope {

std::string shiftSpecificationJson(const std::vector<ShiftPair> &rows)
{
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const ShiftPair &p : rows) {
        nlohmann::ordered_json row = {{"source", p.source}, {"target", p.target}};
        if (!p.targetReference.empty())
            row["target_reference"] = p.targetReference;
        if (!p.group.empty())
            row["label"] = p.group;
        if (!p.category.empty())
            row["category"] = p.category;
        out.push_back(std::move(row));
    }
    return out.dump(2) + "\n";
}

void exportCatalogue(Workspace &workspace, const std::string &name, const std::filesystem::path &file)
{
    const auto info = workspace.catalogue(name);
    if (!info)
        throw InputError(InputProblem{workspace.path().string(), "catalogue " + name,
                                      "the workspace has no such catalogue", "list them with the catalogues command"});
    refuseProtectedFile(file);
    writeFileAtomically(file, shiftSpecificationJson(workspace.shifts(info->id, false)));
}

std::vector<ShiftPair> addShiftToCatalogue(Workspace &workspace, const std::string &catalogue, ShiftPair shift)
{
    const std::string place = "shift " + shift.source + " -> " + shift.target;
    std::vector<InputProblem> problems;
    if (catalogue.empty() || catalogue == ShiftCatalogueReader::builtin().name)
        problems.push_back({workspace.path().string(), "catalogue " + catalogue,
                            "the built-in GENIES catalogue cannot be changed",
                            "add the shift to a catalogue of your own (give it a new name)"});
    for (const std::string *id : {&shift.source, &shift.target, &shift.targetReference})
        if (!id->empty() && !workspace.distribution(*id))
            problems.push_back({workspace.path().string(), place, "the workspace has no distribution '" + *id + "'",
                                "import it first, or choose one of the workspace's distributions"});
    if (shift.source.empty() || shift.target.empty())
        problems.push_back(
            {workspace.path().string(), place, "a shift needs a source and a target", "choose both distributions"});
    else if (shift.source == shift.target)
        problems.push_back({workspace.path().string(), place, "the source and the target are the same distribution",
                            "choose two different distributions"});
    if (shift.targetReference == shift.target)
        shift.targetReference.clear(); // the target is its own reference
    std::vector<ShiftPair> rows;
    std::string origin = "built in ShiftScope";
    if (const auto info = workspace.catalogue(catalogue); info && problems.empty()) {
        rows = workspace.shifts(info->id, false);
        origin = info->origin;
        for (const ShiftPair &p : rows)
            if (p.source == shift.source && p.target == shift.target)
                problems.push_back({workspace.path().string(), place, "catalogue " + catalogue + " lists it already",
                                    "choose another pair, or another catalogue"});
    }
    if (!problems.empty())
        throw InputError(std::move(problems));
    shift.row = int(rows.size());
    shift.geniesRank = 0;
    shift.duplicateOf.reset();
    rows.push_back(std::move(shift));
    workspace.saveCatalogue(catalogue, origin, rows, false);
    return rows;
}

} // namespace shiftscope
