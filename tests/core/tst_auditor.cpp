#include "audit/auditjson.h"
#include "audit/auditor.h"
#include "craftedexamples.h"
#include "genies/dataimporter.h"
#include "testsupport.h"
#include "util/errors.h"
#include "workspace/auditstore.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

using namespace shiftscope;
using namespace shiftscope::test;
namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

namespace {

CommandOutput cli(const std::vector<std::string> &args) { return runCommand(args); }

const std::string kLeakKey = "duplicates.exact.train_test@leaky";

//! "leaky" has test 3 copied from train 8 and test 11 asking train 2's prompt; "long_cue" prefers the longer
//! response, "long_cue_flipped" the shorter. Catalogue "mine" holds the shifts long_cue -> long_cue_flipped
//! (spurious_cues) and leaky -> long_cue.
std::map<std::string, Splits> craftedData()
{
    Words words(21);
    auto train = randomSplit(words, 40, 3);
    auto test = randomSplit(words, 20, 3);
    test[3] = train[8];
    test[3].position = 3;
    test[11].prompt = train[2].prompt;
    return {{"leaky", {train, test}},
            {"long_cue", {lengthBiased(words, 100, 0.95), lengthBiased(words, 50, 0.95)}},
            {"long_cue_flipped", {lengthBiased(words, 100, 0.05), lengthBiased(words, 50, 0.05)}}};
}

std::vector<ShiftPair> craftedShifts()
{
    ShiftPair cue;
    cue.source = "long_cue";
    cue.target = "long_cue_flipped";
    cue.category = "spurious_cues";
    ShiftPair skill;
    skill.source = "leaky";
    skill.target = "long_cue";
    skill.category = "skill";
    skill.row = 1;
    return {cue, skill};
}

Workspace craftedWorkspace(const fs::path &dir)
{
    Workspace ws = importDistributions(dir, craftedData());
    ws.saveCatalogue("mine", "test", craftedShifts(), false);
    return ws;
}

std::vector<std::string> keysOf(const AuditReport &report)
{
    std::vector<std::string> keys;
    for (const auto &f : report.findings)
        keys.push_back(f.key);
    std::sort(keys.begin(), keys.end());
    return keys;
}

const Json *findingIn(const Json &report, const std::string &key)
{
    for (const auto &f : report["findings"])
        if (f["key"] == key)
            return &f;
    return nullptr;
}

} // namespace

class TestAuditor : public QObject {
    Q_OBJECT
private slots:
    void distributionReportHasEveryCheckAndFindsTheLeak();
    void keysAreStableAcrossRunsAndReimports();
    void shiftReportFlagsTheLengthFlip();
    void auditAllCoversDistributionsAndShifts();
    void missingDistributionIsBadInput();
    void reviewsAreStoredUnderFindingKeys();
    void jsonCarriesReviews();
    void cliAudit();
    void cliUsageErrors();
    void cliReviewFinding();
    void realFixtures();
    void responsesDifferingOnlyInCase();
};

void TestAuditor::distributionReportHasEveryCheckAndFindsTheLeak()
{
    QTemporaryDir dir;
    Workspace ws = craftedWorkspace(tempPath(dir, "data"));
    const AuditReport report = Auditor(ws).auditDistribution("leaky");
    QCOMPARE(report.scope, std::string("leaky"));
    for (const char *check : {"duplicates.exact.train",
                              "duplicates.near.train",
                              "duplicates.prompt.train",
                              "duplicates.exact.test",
                              "duplicates.near.test",
                              "duplicates.prompt.test",
                              "duplicates.exact.train_test",
                              "duplicates.near.train_test",
                              "duplicates.prompt.train_test",
                              "labels.conflicting",
                              "length_bias.train",
                              "length_bias.test",
                              "shortcut.accuracy",
                              "structure.identical_responses",
                              "structure.empty_text",
                              "structure.preferred_position",
                              "structure.encoding",
                              "structure.extreme_length",
                              "structure.prompt_ending",
                              "structure.section_markers"})
        QVERIFY2(report.find(check), check);
    const auto keys = keysOf(report);
    QCOMPARE(std::set<std::string>(keys.begin(), keys.end()).size(), keys.size());

    const Finding *leak = report.find("duplicates.exact.train_test");
    QCOMPARE(leak->key, kLeakKey);
    QCOMPARE(leak->severity, Severity::Problem);
    QCOMPARE(leak->figure, 1.0);
    QCOMPARE(leak->examples, (std::vector<ExampleRef>{{"leaky", Split::Train, 8, -1}, {"leaky", Split::Test, 3, -1}}));
    const Finding *prompt = report.find("duplicates.prompt.train_test");
    QCOMPARE(prompt->figure, 1.0);
    QCOMPARE(prompt->examples,
             (std::vector<ExampleRef>{{"leaky", Split::Train, 2, -1}, {"leaky", Split::Test, 11, -1}}));
    QCOMPARE(report.find("duplicates.exact.train")->severity, Severity::Info);
}

void TestAuditor::keysAreStableAcrossRunsAndReimports()
{
    QTemporaryDir dir;
    const fs::path root = tempPath(dir, "data");
    auto data = craftedData();
    std::vector<std::string> before;
    {
        Workspace ws = importDistributions(root, data);
        before = keysOf(Auditor(ws).auditDistribution("leaky"));
        QCOMPARE(keysOf(Auditor(ws).auditDistribution("leaky")), before);
    }
    // Re-import the test split in reverse order: positions change, keys do not.
    auto &test = data["leaky"].second;
    std::reverse(test.begin(), test.end());
    renumber(test);
    Workspace ws = importDistributions(root, data);
    const AuditReport report = Auditor(ws).auditDistribution("leaky");
    QCOMPARE(keysOf(report), before);
    QCOMPARE(report.find("duplicates.exact.train_test")->examples.back(), (ExampleRef{"leaky", Split::Test, 16, -1}));
}

void TestAuditor::shiftReportFlagsTheLengthFlip()
{
    QTemporaryDir dir;
    Workspace ws = craftedWorkspace(tempPath(dir, "data"));
    Auditor auditor(ws);
    ShiftPair shift = craftedShifts().front();
    AuditReport report = auditor.auditShift(shift);
    QCOMPARE(report.kind, AuditScope::Shift);
    QCOMPARE(report.scope, std::string("long_cue->long_cue_flipped"));
    QCOMPARE(report.category, std::string("spurious_cues"));
    const Finding *flip = report.find("length_bias.flip");
    QVERIFY(flip);
    QCOMPARE(flip->severity, Severity::Warning); // planted on purpose in a spurious-cue shift
    QCOMPARE(report.find("duplicates.exact.source_target")->figure, 0.0);
    shift.category.clear();
    QCOMPARE(auditor.auditShift(shift).find("length_bias.flip")->severity, Severity::Problem);
    QCOMPARE(auditor.auditShift(craftedShifts().back()).find("length_bias.flip")->severity, Severity::Info);
}

void TestAuditor::auditAllCoversDistributionsAndShifts()
{
    QTemporaryDir dir;
    Workspace ws = craftedWorkspace(tempPath(dir, "data"));
    Auditor auditor(ws);
    int calls = 0;
    const auto counting = [&](std::int64_t, std::int64_t total, const std::string &) {
        ++calls;
        return total == 5;
    };
    const auto reports = auditor.auditAll(ws.catalogue("mine")->id, counting);
    QCOMPARE(reports.size(), std::size_t(5));
    QCOMPARE(reports[0].scope, std::string("leaky"));
    QCOMPARE(reports[3].scope, std::string("long_cue->long_cue_flipped"));
    QCOMPARE(reports[4].scope, std::string("leaky->long_cue"));
    QCOMPARE(calls, 6);
    QCOMPARE(auditor.timings().front().first, std::string("load"));
    // The built-in catalogue names none of these distributions: no shift to audit.
    QCOMPARE(Auditor(ws).auditAll(ws.builtinCatalogueId()).size(), std::size_t(3));
    bool cancelled = false;
    try {
        const auto stopAfterOne = [](std::int64_t done, std::int64_t, const std::string &) { return done < 1; };
        Auditor(ws).auditAll(ws.builtinCatalogueId(), stopAfterOne);
    } catch (const Cancelled &) {
        cancelled = true;
    }
    QVERIFY(cancelled);
}

void TestAuditor::missingDistributionIsBadInput()
{
    QTemporaryDir dir;
    Workspace ws = craftedWorkspace(tempPath(dir, "data"));
    try {
        Auditor(ws).auditDistribution("nope");
        QFAIL("audited a missing distribution");
    } catch (const InputError &e) {
        QVERIFY(std::string(e.what()).find("no distribution 'nope'") != std::string::npos);
    }
}

void TestAuditor::reviewsAreStoredUnderFindingKeys()
{
    QTemporaryDir dir;
    Workspace ws = Workspace::create(tempPath(dir, "w.sqlite"));
    AuditStore store(ws);
    QVERIFY(!store.review(kLeakKey));
    store.setReview({kLeakKey, ReviewStatus::Reviewed, "looking", "1 (5.0%)", "alice", ""});
    store.setReview({kLeakKey, ReviewStatus::Dismissed, "known", "1 (5.0%)", "bob", "2026-01-02T03:04:05Z"});
    store.setReview({"length_bias.test@leaky", ReviewStatus::Reviewed, "", "51%", "alice", ""});
    const auto review = store.review(kLeakKey);
    QVERIFY(review);
    QCOMPARE(review->status, ReviewStatus::Dismissed);
    QCOMPARE(review->note, std::string("known"));
    QCOMPARE(review->author, std::string("bob"));
    QCOMPARE(review->reviewedAt, std::string("2026-01-02T03:04:05Z"));
    QCOMPARE(store.reviews().size(), std::size_t(2));
    QVERIFY(!store.reviews().back().reviewedAt.empty());
    QVERIFY(store.clearReview(kLeakKey));
    QVERIFY(!store.clearReview(kLeakKey));
    QCOMPARE(store.reviews().size(), std::size_t(1));
}

void TestAuditor::jsonCarriesReviews()
{
    QTemporaryDir dir;
    Workspace ws = craftedWorkspace(tempPath(dir, "data"));
    const AuditReport report = Auditor(ws).auditDistribution("leaky");
    const std::vector<FindingReview> reviews{
        {kLeakKey, ReviewStatus::Dismissed, "known", "2 (10%)", "alice", "2026-01-01T00:00:00Z"}};
    const Json json = Json::parse(auditReportsJson({report}, reviews));
    QCOMPARE(json["summary"]["distributions"].get<int>(), 1);
    QCOMPARE(json["summary"]["dismissed"].get<int>(), 1);
    QCOMPARE(json["summary"]["problem"].get<int>(), report.count(Severity::Problem));
    const Json &r = json["reports"][0];
    QCOMPARE(r["kind"].get<std::string>(), std::string("distribution"));
    const Json *leak = findingIn(r, kLeakKey);
    QVERIFY(leak);
    QCOMPARE((*leak)["severity"].get<std::string>(), std::string("problem"));
    QCOMPARE((*leak)["example_count"].get<int>(), 2);
    QCOMPARE((*leak)["examples"][1]["split"].get<std::string>(), std::string("test"));
    QCOMPARE((*leak)["examples"][1]["position"].get<int>(), 3);
    QVERIFY((*leak)["examples"][1]["response"].is_null());
    QCOMPARE((*leak)["review"]["status"].get<std::string>(), std::string("dismissed"));
    QCOMPARE((*leak)["review"]["figure_changed"].get<bool>(), true); // "1 (5.0%)" now, "2 (10%)" when reviewed
    QVERIFY((*findingIn(r, "length_bias.test@leaky"))["review"].is_null());
}

void TestAuditor::cliAudit()
{
    QTemporaryDir dir;
    const std::string ws = (tempPath(dir, "data") / "w.sqlite").string();
    craftedWorkspace(tempPath(dir, "data"));
    auto r = cli({"--workspace", ws, "audit", "leaky", "--json"});
    QCOMPARE(r.code, 0);
    Json json = Json::parse(r.out);
    QCOMPARE(json["reports"].size(), std::size_t(1));
    QVERIFY(findingIn(json["reports"][0], kLeakKey));

    r = cli({"--workspace", ws, "audit", "leaky"});
    QCOMPARE(r.code, 0);
    QVERIFY(r.out.find("PROBLEM  Exact duplicates between train and test: 1 (5.0%)") != std::string::npos);
    QVERIFY(r.out.find("key " + kLeakKey) != std::string::npos);
    QVERIFY(r.out.find("examples: train 8, test 3") != std::string::npos);
    QVERIFY(r.out.find("Audited 1 distribution and 0 shifts") != std::string::npos);

    json = Json::parse(cli({"--workspace", ws, "audit", "leaky", "--severity", "problem", "--json"}).out);
    for (const auto &f : json["reports"][0]["findings"])
        QCOMPARE(f["severity"].get<std::string>(), std::string("problem"));

    json = Json::parse(
        cli({"--workspace", ws, "audit", "--shift", "long_cue:long_cue_flipped", "--catalogue", "mine", "--json"}).out);
    QCOMPARE(json["reports"].size(), std::size_t(3));
    QCOMPARE(json["reports"][2]["kind"].get<std::string>(), std::string("shift"));
    QCOMPARE(json["reports"][2]["category"].get<std::string>(), std::string("spurious_cues"));
    const Json *flip = findingIn(json["reports"][2], "length_bias.flip@long_cue->long_cue_flipped");
    QCOMPARE((*flip)["severity"].get<std::string>(), std::string("warning"));

    json = Json::parse(cli({"--workspace", ws, "audit", "--all", "--catalogue", "mine", "--json"}).out);
    QCOMPARE(json["summary"]["distributions"].get<int>(), 3);
    QCOMPARE(json["summary"]["shifts"].get<int>(), 2);
}

void TestAuditor::cliUsageErrors()
{
    QTemporaryDir dir;
    const std::string ws = (tempPath(dir, "data") / "w.sqlite").string();
    craftedWorkspace(tempPath(dir, "data"));
    for (const auto &args : std::vector<std::vector<std::string>>{
             {"audit"},
             {"audit", "leaky", "--all"},
             {"audit", "leaky", "long_cue"},
             {"audit", "--shift", "long_cue"},
             {"audit", "leaky", "--severity", "loud"},
             {"review-finding", kLeakKey},
             {"review-finding", kLeakKey, "--status", "maybe"},
         }) {
        std::vector<std::string> words{"--workspace", ws};
        words.insert(words.end(), args.begin(), args.end());
        const auto r = cli(words);
        QCOMPARE(r.code, 2);
        const std::string hint = "see shiftscope-cli " + args[0] + " --help";
        QVERIFY2(r.err.find(hint) != std::string::npos, r.err.c_str());
    }
    auto r = cli({"--workspace", ws, "audit", "nope"});
    QCOMPARE(r.code, 2);
    QVERIFY(r.err.find("no distribution 'nope'") != std::string::npos);
    QCOMPARE(cli({"audit", "leaky"}).code, 2);
    QCOMPARE(cli({"--workspace", (tempPath(dir, "none.sqlite")).string(), "audit", "leaky"}).code, 2);
    r = cli(
        {"--workspace", ws, "review-finding", "duplicates.exact.train_test@long_cue:nothing", "--status", "reviewed"});
    QCOMPARE(r.code, 2);
    QVERIFY(r.err.find("has no finding") != std::string::npos);
}

void TestAuditor::cliReviewFinding()
{
    QTemporaryDir dir;
    const std::string ws = (tempPath(dir, "data") / "w.sqlite").string();
    craftedWorkspace(tempPath(dir, "data"));
    auto r = cli({"--workspace", ws, "review-finding", kLeakKey, "--status", "dismissed", "--note", "known leak",
                  "--author", "alice"});
    QCOMPARE(r.code, 0);
    QVERIFY(r.out.find("figure 1 (5.0%)") != std::string::npos);
    Json json = Json::parse(cli({"--workspace", ws, "audit", "leaky", "--json"}).out);
    const Json review = (*findingIn(json["reports"][0], kLeakKey))["review"];
    QCOMPARE(review["status"].get<std::string>(), std::string("dismissed"));
    QCOMPARE(review["note"].get<std::string>(), std::string("known leak"));
    QCOMPARE(review["author"].get<std::string>(), std::string("alice"));
    QCOMPARE(review["figure_changed"].get<bool>(), false);
    r = cli({"--workspace", ws, "audit", "leaky"});
    QVERIFY(r.out.find("[dismissed by alice: known leak]") != std::string::npos);
    // Shift findings are keyed by their shift, and reviewed the same way.
    QCOMPARE(cli({"--workspace", ws, "review-finding", "length_bias.flip@long_cue->long_cue_flipped", "--status",
                  "reviewed", "--catalogue", "mine"})
                 .code,
             0);
    r = cli({"--workspace", ws, "review-finding", kLeakKey, "--status", "open"});
    QCOMPARE(r.code, 0);
    json = Json::parse(cli({"--workspace", ws, "audit", "leaky", "--json"}).out);
    QVERIFY((*findingIn(json["reports"][0], kLeakKey))["review"].is_null());
    Workspace reopened = Workspace::open(ws);
    QCOMPARE(AuditStore(reopened).reviews().size(), std::size_t(1));
}

void TestAuditor::realFixtures()
{
    SKIP_WITHOUT_SHARED();
    QTemporaryDir dir;
    Workspace ws = Workspace::create(tempPath(dir, "w.sqlite"));
    DataImporter::importData(ws, geniesFixtures());
    const auto reports = Auditor(ws).auditAll(ws.builtinCatalogueId());
    std::vector<std::string> scopes;
    std::set<std::string> keys;
    std::size_t findings = 0;
    for (const auto &r : reports) {
        scopes.push_back(r.scope);
        for (const auto &f : r.findings)
            keys.insert(f.key);
        findings += r.findings.size();
    }
    QCOMPARE(keys.size(), findings);
    QCOMPARE(scopes, (std::vector<std::string>{"alpaca_easy", "alpaca_hard", "code_easy", "code_hard",
                                               "alpaca_easy->alpaca_hard", "code_easy->code_hard"}));
    // The fixtures split the website's samples in half, so test prompts recur in train, with other responses.
    const Finding *shared = reports[0].find("duplicates.prompt.train_test");
    QCOMPARE(shared->figure, 8.0);
    QCOMPARE(shared->severity, Severity::Warning);
    for (const auto &r : reports)
        if (r.kind == AuditScope::Distribution)
            QCOMPARE(r.find("duplicates.exact.train_test")->figure, 0.0);
    // Buggy code in code_hard carries comments ("# missing ...") that mark the dispreferred response.
    bool comment = false;
    for (const auto &f : reports[3].findings)
        comment = comment || (f.check == "shortcut.cue.dispreferred" && f.key.find('#') != std::string::npos);
    QVERIFY(comment);
    QVERIFY(!Json::parse(auditReportsJson(reports, {}))["reports"].empty());
}

void TestAuditor::responsesDifferingOnlyInCase()
{
    // Train responses that differ only in letter case leave the shortcut classifier no n-gram to learn from (its
    // vocabulary stays empty); the audit still completes, on the real layout of such a file.
    QTemporaryDir dir;
    std::string split = "[";
    for (int i = 0; i < 12; ++i)
        split += std::string(i ? "," : "") + R"({"prompt": "Capital of country )" + std::to_string(i)
               + R"(?", "responses": {"Paris": 1, "paris": 0}})";
    split += "]";
    writeText(tempPath(dir, "d/case_only/train.json"), split);
    writeText(tempPath(dir, "d/case_only/test.json"), split);
    Workspace ws = Workspace::create(tempPath(dir, "w.sqlite"));
    DataImporter::importData(ws, tempPath(dir, "d"));
    const AuditReport report = Auditor(ws).auditDistribution("case_only");
    QVERIFY(report.find("shortcut.accuracy"));
    QCOMPARE(cli({"--workspace", tempPath(dir, "w.sqlite").string(), "audit", "case_only", "--json"}).code, 0);
}

QTEST_GUILESS_MAIN(TestAuditor)
#include "tst_auditor.moc"
