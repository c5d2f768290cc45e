#include "annotation/annotationio.h"

#include "workspace/workspace.h"
#include "util/atomicfile.h"
#include "util/inputfile.h"

#include <fstream>
#include <sstream>

namespace shiftscope {

namespace {

std::optional<AnnotationFormat> formatOrThrow(const std::filesystem::path &path)
{
    if (auto format = annotationFormatOf(path))
        return format;
    throw InputError(InputProblem{path.string(),
                                  {},
                                  "unknown annotation file type '" + path.extension().string() + "'",
                                  "name the file .csv or .json"});
}

//! Current position of an example in the workspace, or -1.
int positionOf(Workspace &ws, const std::string &distribution, Split split, const std::string &hash)
{
    const auto found = ws.findExampleByHash(distribution, split, hash);
    return found ? found->position : -1;
}

//! Why a record matches no example, or empty when it does.
std::string mismatch(Workspace &ws, const std::string &distribution, Split split, const std::string &hash,
                     std::optional<int> response, bool mustBeDispreferred, int exportedPosition)
{
    const auto found = ws.findExampleByHash(distribution, split, hash);
    if (!found) {
        if (!ws.distribution(distribution))
            return "no distribution '" + distribution + "' in the workspace";
        std::string reason = "no example in " + distribution + "/" + std::string(splitName(split))
                           + " has content hash " + hash.substr(0, 12) + "...";
        if (exportedPosition >= 0)
            reason += "; the example at position " + std::to_string(exportedPosition)
                    + " when exported has changed or is gone";
        return reason;
    }
    const int responses = found->responseCount, preferred = found->preferredPosition;
    if (response && *response >= responses)
        return "response position " + std::to_string(*response) + " is out of range (the example has "
             + std::to_string(responses) + " responses)";
    if (response && mustBeDispreferred && *response == preferred)
        return "response " + std::to_string(*response)
             + " is the preferred response; a pair names its dispreferred one";
    return {};
}

} // namespace

std::vector<AnnotationRecord> AnnotationIo::collect(Workspace &workspace)
{
    std::vector<AnnotationRecord> records;
    for (auto &a : workspace.annotations()) {
        AnnotationRecord r;
        r.examplePosition = positionOf(workspace, a.distribution, a.split, a.exampleHash);
        r.flag = std::move(a);
        records.push_back(std::move(r));
    }
    for (auto &j : AuditStore(workspace).judgements()) {
        AnnotationRecord r;
        r.kind = AnnotationRecord::Kind::Judgement;
        r.examplePosition = positionOf(workspace, j.distribution, j.split, j.exampleHash);
        r.judgement = std::move(j);
        records.push_back(std::move(r));
    }
    return records;
}

AnnotationExportSummary AnnotationIo::exportFile(Workspace &workspace, const std::filesystem::path &path)
{
    const AnnotationFormat format = *formatOrThrow(path);
    const auto records = collect(workspace);
    writeFileAtomically(path, writeAnnotationRecords(records, format));
    AnnotationExportSummary summary;
    for (const auto &r : records)
        (r.kind == AnnotationRecord::Kind::Flag ? summary.flags : summary.judgements) += 1;
    return summary;
}

AnnotationImportSummary AnnotationIo::importFile(Workspace &workspace, const std::filesystem::path &path,
                                                 const AnnotationImportOptions &options)
{
    std::error_code ec;
    if (!std::filesystem::exists(path, ec))
        throw InputError(InputProblem{path.string(), {}, "no such file", "check the path"});
    const AnnotationFormat format = *formatOrThrow(path);
    const std::string text = readInputFile(path, kMaxInputFileBytes, "check the path");
    if (format == AnnotationFormat::Json)
        checkJsonDepth(text, path);
    return importRecords(workspace, readAnnotationRecords(text, format, path.string()), path.string(), options);
}

AnnotationImportSummary AnnotationIo::importRecords(Workspace &workspace, const std::vector<AnnotationRecord> &records,
                                                    const std::string &file, const AnnotationImportOptions &options)
{
    AnnotationImportSummary summary;
    AuditStore store(workspace);
    Transaction tx(workspace.db());
    for (const auto &r : records) {
        const bool flag = r.kind == AnnotationRecord::Kind::Flag;
        const std::string reason =
            flag ? mismatch(workspace, r.flag.distribution, r.flag.split, r.flag.exampleHash, r.flag.responsePosition,
                            r.flag.subject == AnnotationSubject::Pair, r.examplePosition)
                 : mismatch(workspace, r.judgement.distribution, r.judgement.split, r.judgement.exampleHash,
                            r.judgement.dispreferredPosition, true, r.examplePosition);
        if (!reason.empty()) {
            summary.unmatched.push_back({file, r.place, reason,
                                         options.keepUnmatched
                                             ? "kept; it attaches itself when that example is imported"
                                             : "import the data it was made on, or pass --keep-unmatched"});
            if (!options.keepUnmatched)
                continue;
        }
        if (flag) {
            Annotation a = r.flag;
            if (a.createdAt.empty())
                a.createdAt = utcNow();
            if (workspace.hasAnnotation(a)) {
                ++summary.flagsPresent;
            } else {
                workspace.addAnnotation(a);
                ++summary.flagsAdded;
            }
            continue;
        }
        RelabelJudgement j = r.judgement;
        if (j.createdAt.empty())
            j.createdAt = utcNow();
        const auto existing =
            store.judgement(j.distribution, j.split, j.exampleHash, j.dispreferredPosition, j.annotator);
        const bool same = existing && existing->choice == j.choice
                       && existing->preferredShownFirst == j.preferredShownFirst;
        if (existing && (same || existing->createdAt > j.createdAt)) {
            ++summary.judgementsPresent;
            continue;
        }
        store.saveJudgement(j);
        (existing ? summary.judgementsUpdated : summary.judgementsAdded) += 1;
    }
    tx.commit();
    return summary;
}

} // namespace shiftscope
