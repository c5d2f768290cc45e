#include "genies/dataimporter.h"

#include "genies/distributionreader.h"
#include "genies/distributionstore.h"
#include "util/errors.h"
#include "util/sha256.h"
#include "util/utf8.h"

#include <algorithm>
#include <future>
#include <map>
#include <set>

namespace shiftscope {

namespace fs = std::filesystem;

namespace {

bool looksLikeDistribution(const fs::path &folder)
{
    std::error_code ec;
    return fs::exists(folder / "train.json", ec) || fs::exists(folder / "test.json", ec);
}

bool holdsDistributions(const fs::path &dir)
{
    std::error_code ec;
    for (const auto &entry : fs::directory_iterator(dir, ec))
        if (entry.is_directory() && looksLikeDistribution(entry.path()))
            return true;
    return false;
}

//! One distribution folder read from disk: parsed, or only hashed when the workspace already holds those bytes.
struct LoadedDistribution {
    std::string name;
    fs::path folder;
    SplitFile train;
    SplitFile test;
    std::vector<InputProblem> problems;
    bool unchanged = false;
    std::uint64_t bytes = 0;
};

using StoredHashes = std::map<std::string, std::pair<std::string, std::string>>;

LoadedDistribution loadDistribution(const fs::path &folder, const StoredHashes &stored)
{
    LoadedDistribution d;
    d.folder = folder;
    d.name = DistributionReader::distributionId(folder);
    auto trainText = DistributionReader::readFile(folder / "train.json", d.problems);
    auto testText = DistributionReader::readFile(folder / "test.json", d.problems);
    if (!trainText || !testText)
        return d;
    d.bytes = trainText->size() + testText->size();
    std::string trainHash = Sha256::hex(*trainText);
    std::string testHash = Sha256::hex(*testText);
    if (auto it = stored.find(d.name); it != stored.end() && it->second == std::pair(trainHash, testHash)) {
        d.unchanged = true; // these exact bytes were validated and stored before
        return d;
    }
    d.train = DistributionReader::parseSplit(*trainText, folder / "train.json", Split::Train, d.problems,
                                             std::move(trainHash));
    d.test =
        DistributionReader::parseSplit(*testText, folder / "test.json", Split::Test, d.problems, std::move(testHash));
    return d;
}

} // namespace

fs::path DataImporter::locateDistributions(const fs::path &dir)
{
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        throw InputError(
            InputProblem{dir.string(), {}, "not a folder", "give a GENIES checkout or its distributions/ folder"});
    if (fs::is_directory(dir / "distributions", ec) && holdsDistributions(dir / "distributions"))
        return dir / "distributions";
    if (holdsDistributions(dir))
        return dir;
    throw InputError(InputProblem{dir.string(),
                                  {},
                                  "no GENIES distributions found (no subfolder holds train.json or test.json)",
                                  "give a GENIES checkout (with distributions/ and distribution_shifts/) or a "
                                  "distributions/ folder whose subfolders hold train.json and test.json"});
}

ImportSummary DataImporter::importData(Workspace &workspace, const fs::path &dir, const ProgressCallback &progress)
{
    ImportSummary summary;
    summary.distributionsDir = locateDistributions(dir);

    std::vector<fs::path> folders;
    std::vector<InputProblem> problems;
    std::uint64_t totalBytes = 0;
    std::error_code ec;
    fs::directory_iterator it(summary.distributionsDir, ec);
    for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
        std::error_code entryError;
        if (!it->is_directory(entryError))
            continue;
        const std::string name = it->path().filename().string();
        if (firstInvalidUtf8(name)) {
            problems.push_back({it->path().string(),
                                {},
                                "the folder name is not valid UTF-8, so it cannot name a distribution",
                                "rename the folder with UTF-8 characters only"});
            continue;
        }
        std::error_code listError;
        fs::directory_iterator probe(it->path(), listError);
        if (listError) {
            problems.push_back({it->path().string(),
                                {},
                                "the folder cannot be read: " + listError.message(),
                                "check its permissions"});
            continue;
        }
        if (!looksLikeDistribution(it->path())) {
            summary.warnings.push_back(it->path().string() + ": skipped, it holds neither train.json nor test.json");
            continue;
        }
        folders.push_back(it->path());
        for (const char *file : {"train.json", "test.json"})
            totalBytes += fs::exists(it->path() / file, entryError) ? fs::file_size(it->path() / file, entryError) : 0;
    }
    if (ec)
        problems.push_back({summary.distributionsDir.string(),
                            {},
                            "the folder cannot be listed: " + ec.message(),
                            "check its permissions"});
    std::sort(folders.begin(), folders.end());

    std::uint64_t doneBytes = 0;
    reportProgress(progress, 0, std::int64_t(totalBytes), "Reading distributions");

    // Everything is read and checked before the write lock is taken, so that a slow disk never keeps other
    // writers (a run, an annotation import) waiting; the hashes of what is stored come from a read snapshot.
    const StoredHashes stored = DistributionStore(workspace).fileHashes();
    std::vector<LoadedDistribution> loaded;
    loaded.reserve(folders.size());
    // Reading and parsing the next folder runs on a second thread while this one checks the current one.
    std::future<LoadedDistribution> next;
    if (!folders.empty())
        next = std::async(std::launch::async, loadDistribution, folders[0], std::cref(stored));
    for (std::size_t i = 0; i < folders.size(); ++i) {
        LoadedDistribution d = next.get();
        if (i + 1 < folders.size())
            next = std::async(std::launch::async, loadDistribution, folders[i + 1], std::cref(stored));
        doneBytes += d.bytes;
        if (d.problems.empty() && !d.unchanged) {
            if (d.train.examples.empty())
                summary.warnings.push_back((d.folder / "train.json").string() + ": the split is empty");
            if (d.test.examples.empty())
                summary.warnings.push_back((d.folder / "test.json").string() + ": the split is empty");
        }
        problems.insert(problems.end(), d.problems.begin(), d.problems.end());
        reportProgress(progress, std::int64_t(doneBytes), std::int64_t(totalBytes), "Reading " + d.name);
        if (problems.empty())
            loaded.push_back(std::move(d)); // once anything is wrong nothing is written: only checking goes on
    }
    if (!problems.empty())
        throw InputError(std::move(problems));

    reportProgress(progress, std::int64_t(totalBytes), std::int64_t(totalBytes), "Saving");
    Transaction tx(workspace.db());
    DistributionStore store(workspace);
    DistributionStore::Written written;
    for (const auto &d : loaded) {
        if (d.unchanged) {
            summary.unchanged.push_back(d.name);
            continue;
        }
        switch (store.write(d.name, d.folder, d.train, d.test, written)) {
        case DistributionStore::Outcome::Added: summary.added.push_back(d.name); break;
        case DistributionStore::Outcome::Updated: summary.updated.push_back(d.name); break;
        case DistributionStore::Outcome::Unchanged: summary.unchanged.push_back(d.name); break;
        }
    }
    summary.examples += written.examples;
    summary.responses += written.responses;
    tx.commit();
    summariseCoverage(workspace, summary);
    return summary;
}

void DataImporter::summariseCoverage(Workspace &workspace, ImportSummary &summary)
{
    std::set<std::string> present;
    for (const auto &d : workspace.distributions())
        present.insert(d.name);
    std::set<std::string> missing;
    summary.completeShifts = summary.incompleteShifts = 0;
    for (const auto &shift : workspace.shifts(workspace.builtinCatalogueId())) {
        bool complete = true;
        for (const std::string *id : {&shift.source, &shift.target, &shift.effectiveReference()})
            if (!present.count(*id)) {
                missing.insert(*id);
                complete = false;
            }
        (complete ? summary.completeShifts : summary.incompleteShifts)++;
    }
    summary.missingDistributions.assign(missing.begin(), missing.end());
}

} // namespace shiftscope
