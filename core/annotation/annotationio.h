#pragma once

#include "annotation/annotationformat.h"
#include "util/errors.h"

#include <filesystem>
#include <string>
#include <vector>

namespace shiftscope {

class Workspace;

struct AnnotationImportOptions {
    //! Store records whose example is not in the workspace anyway: they are keyed by content, so they attach
    //! themselves once that data is imported.
    bool keepUnmatched = false;
};

struct AnnotationImportSummary {
    int flagsAdded = 0;
    int flagsPresent = 0; //!< identical flags already in the workspace, not added twice
    int judgementsAdded = 0;
    int judgementsUpdated = 0; //!< a newer judgement of the same pair by the same annotator replaced the old one
    int judgementsPresent = 0; //!< the same or an older judgement, left as it was
    //! Records that match no example (file, place, reason): skipped, or stored when keepUnmatched.
    std::vector<InputProblem> unmatched;
};

struct AnnotationExportSummary {
    int flags = 0;
    int judgements = 0;
};

//! Export and import of annotations (flags and blind relabel judgements) as CSV or JSON. Records are matched to
//! examples by distribution, split and example content hash, so they survive re-imports of the data in any order.
class AnnotationIo {
public:
    //! Every flag and judgement of the workspace, with each example's current position.
    static std::vector<AnnotationRecord> collect(Workspace &workspace);

    //! Writes collect() to `path`; the format follows the extension (.csv or .json).
    static AnnotationExportSummary exportFile(Workspace &workspace, const std::filesystem::path &path);

    //! Reads `path` and imports it in one transaction. A malformed file raises InputError and changes nothing;
    //! records that match no example are reported in the summary.
    static AnnotationImportSummary importFile(Workspace &workspace, const std::filesystem::path &path,
                                              const AnnotationImportOptions &options = {});

    //! Imports records read from `file` in one transaction.
    static AnnotationImportSummary importRecords(Workspace &workspace, const std::vector<AnnotationRecord> &records,
                                                 const std::string &file, const AnnotationImportOptions &options = {});
};

} // namespace shiftscope
