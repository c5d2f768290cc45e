#include "preferences/preferenceimport.h"

#include "genies/splitwriter.h"
#include "preferences/chattemplate.h"
#include "preferences/preferencefile.h"
#include "preferences/preferenceimportstore.h"
#include "util/errors.h"
#include "util/splitmix64.h"
#include "workspace/workspace.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <nlohmann/json.hpp>
#include <set>

namespace shiftscope {

namespace fs = std::filesystem;

namespace {

bool nameCharacter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'
        || c == '.';
}

void checkName(const std::string &name)
{
    const bool ok = !name.empty() && name.size() <= 120 && name.front() != '.' && name.front() != '-'
                 && std::all_of(name.begin(), name.end(), nameCharacter);
    if (!ok)
        throw InputError(InputProblem{{},
                                      "--name " + name,
                                      "is not a usable distribution name",
                                      "use letters, digits, '_', '-' and '.', starting with a letter or digit"});
}

//! How many of `n` pairs go to the test split: the fraction rounded, keeping one on each side where both can have
//! one.
std::size_t testCount(std::size_t n, double fraction)
{
    auto count = std::size_t(std::llround(double(n) * fraction));
    if (n >= 2 && fraction > 0 && count == 0)
        count = 1;
    if (n >= 2 && fraction < 1 && count == n)
        count = n - 1;
    return count;
}

Example exampleOf(const PreferenceRecord &r, int position)
{
    Example e;
    e.position = position;
    e.prompt = r.prompt;
    e.responses = {{r.chosen, 1}, {r.rejected, 0}};
    nlohmann::ordered_json extra = nlohmann::ordered_json::object();
    if (!r.id.empty())
        extra["id"] = r.id;
    if (!r.subset.empty())
        extra["subset"] = r.subset;
    extra["source_line"] = r.line;
    e.extraJson = extra.dump();
    return e;
}

SplitFile splitFile(const std::vector<Example> &examples, Split split, const fs::path &file)
{
    std::vector<InputProblem> problems;
    const std::string label = file.string() + (split == Split::Train ? " (train split)" : " (test split)");
    SplitFile out = DistributionReader::parseSplit(splitToJson(examples), label, split, problems);
    if (!problems.empty())
        throw InputError(std::move(problems));
    return out;
}

} // namespace

std::string subsetDistributionName(const std::string &name, const std::string &subset)
{
    std::string out = name + "_";
    for (char c : subset)
        out += nameCharacter(c) ? c : '_';
    return out;
}

PreferenceImportSummary importPreferences(Workspace &workspace, const fs::path &file,
                                          const PreferenceImportOptions &options, const ProgressCallback &progress)
{
    checkName(options.name);
    if (!(options.testFraction >= 0 && options.testFraction <= 1))
        throw InputError(InputProblem{
            {}, "--test-fraction", "must lie between 0 and 1", "give the share of pairs for the test split, e.g. 0.2"});
    std::optional<ChatTemplate> chat;
    if (!options.chatTemplateDir.empty())
        chat = ChatTemplate::fromModelFolder(options.chatTemplateDir);
    reportProgress(progress, 0, 0, "reading " + file.filename().string());
    const PreferenceFile preferences = readPreferenceFile(file, chat ? &*chat : nullptr);

    // Group the records: one distribution, or one per subset (records without one are named in an error).
    std::map<std::string, std::vector<const PreferenceRecord *>> groups;
    std::set<std::string> formats;
    std::vector<InputProblem> problems;
    for (const PreferenceRecord &r : preferences.records) {
        formats.insert(formatName(r.format));
        if (!options.bySubset)
            groups[""].push_back(&r);
        else if (r.subset.empty())
            problems.push_back({file.string(), "line " + std::to_string(r.line), "has no \"subset\"",
                                "give every record a \"subset\", or import without --by-subset"});
        else
            groups[r.subset].push_back(&r);
    }
    if (!problems.empty())
        throw InputError(std::move(problems));

    PreferenceImportSummary summary;
    summary.records = std::int64_t(preferences.records.size());
    for (const auto &f : formats)
        summary.formats += (summary.formats.empty() ? "" : ", ") + f
                         + (chat && f == formatName(PreferenceFormat::Conversational)
                                ? " (chat template of " + options.chatTemplateDir.string() + ")"
                                : "");

    struct Planned {
        ImportedPreferences info;
        SplitFile train, test;
    };
    std::vector<Planned> planned;
    std::set<std::string> names;
    for (const auto &[subset, records] : groups) {
        Planned p;
        p.info.name = subset.empty() ? options.name : subsetDistributionName(options.name, subset);
        p.info.subset = subset;
        if (!names.insert(p.info.name).second)
            throw InputError(InputProblem{file.string(), "subset \"" + subset + "\"",
                                          "gives the distribution name " + p.info.name + " a second time",
                                          "rename one of the subsets so that their names differ in letters or digits"});
        // The seeded draw: a shuffled order of the records; its first testCount() go to the test split. Both splits
        // keep the file's order.
        std::vector<std::size_t> order(records.size());
        for (std::size_t i = 0; i < order.size(); ++i)
            order[i] = i;
        SplitMix64 rng(options.seed);
        rng.shuffle(order);
        std::vector<bool> inTest(records.size(), false);
        for (std::size_t i = 0; i < testCount(records.size(), options.testFraction); ++i)
            inTest[order[i]] = true;
        std::vector<Example> train, test;
        for (std::size_t i = 0; i < records.size(); ++i) {
            auto &split = inTest[i] ? test : train;
            split.push_back(exampleOf(*records[i], int(split.size())));
        }
        p.info.trainPairs = std::int64_t(train.size());
        p.info.testPairs = std::int64_t(test.size());
        p.train = splitFile(train, Split::Train, file);
        p.test = splitFile(test, Split::Test, file);
        planned.push_back(std::move(p));
    }

    PreferenceImportStore imports(workspace);
    for (const Planned &p : planned)
        if (!options.replace && workspace.distribution(p.info.name) && !imports.find(p.info.name))
            throw InputError(InputProblem{workspace.path().string(), "distribution " + p.info.name,
                                          "exists already and did not come from a preference import",
                                          "choose another --name, or pass --replace to replace it"});

    reportProgress(progress, 0, 0, "writing " + std::to_string(planned.size()) + " distribution(s)");
    Transaction tx(workspace.db());
    DistributionStore store(workspace);
    for (Planned &p : planned) {
        DistributionStore::Written written;
        p.info.outcome = store.write(p.info.name, fs::absolute(file), p.train, p.test, written);
        imports.record({p.info.name,
                        fs::absolute(file).string(),
                        preferences.sha256,
                        summary.formats,
                        p.info.subset,
                        options.testFraction,
                        options.seed,
                        p.info.trainPairs,
                        p.info.testPairs,
                        {}});
        summary.distributions.push_back(p.info);
    }
    tx.commit();
    return summary;
}

} // namespace shiftscope
