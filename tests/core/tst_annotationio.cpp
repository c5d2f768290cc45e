#include "annotation/annotationio.h"
#include "annotation/csv.h"
#include "craftedexamples.h"
#include "testsupport.h"
#include "workspace/auditstore.h"

#include <algorithm>
#include <nlohmann/json.hpp>

using namespace shiftscope;
using namespace shiftscope::test;
namespace fs = std::filesystem;

namespace {

std::map<std::string, Splits> craftedData()
{
    Words words(31);
    return {{"d1", {randomSplit(words, 10, 3), randomSplit(words, 8, 3)}},
            {"d2", {randomSplit(words, 5, 2), randomSplit(words, 5, 2)}}};
}

int firstDispreferred(const Example &e)
{
    for (std::size_t i = 0; i < e.responses.size(); ++i)
        if (e.responses[i].label == 0)
            return int(i);
    return -1;
}

//! Three flags (example, pair, response; notes that need quoting) and judgements by two annotators.
void annotate(Workspace &ws)
{
    const auto d1 = ws.examples("d1", Split::Test);
    const auto d2 = ws.examples("d2", Split::Train);
    Annotation a;
    a.distribution = "d1";
    a.exampleHash = d1[2].contentHash();
    a.flag = "ambiguous";
    a.note = "two readings, \"both\" fine,\nreally";
    a.author = "alice";
    a.createdAt = "2026-01-01T10:00:00Z";
    ws.addAnnotation(a);
    a.exampleHash = d1[5].contentHash();
    a.subject = AnnotationSubject::Pair;
    a.responsePosition = firstDispreferred(d1[5]);
    a.flag = "mislabeled";
    a.note = "na\xc3\xafve, caf\xc3\xa9";
    a.author = "bob";
    ws.addAnnotation(a);
    a.distribution = "d2";
    a.split = Split::Train;
    a.exampleHash = d2[1].contentHash();
    a.subject = AnnotationSubject::Response;
    a.responsePosition = 0;
    a.flag = "other";
    a.note = "";
    ws.addAnnotation(a);
    AuditStore store(ws);
    for (int i = 0; i < 4; ++i)
        for (const char *annotator : {"alice", "bob"}) {
            RelabelJudgement j;
            j.distribution = "d1";
            j.exampleHash = d1[std::size_t(i)].contentHash();
            j.dispreferredPosition = firstDispreferred(d1[std::size_t(i)]);
            j.annotator = annotator;
            j.preferredShownFirst = i % 2 == 0;
            const bool disagree = i == 3 && std::string(annotator) == "bob";
            j.choice = disagree ? RelabelChoice::Dispreferred : RelabelChoice::Preferred;
            j.createdAt = "2026-01-02T10:00:0" + std::to_string(i) + "Z";
            store.saveJudgement(j);
        }
}

//! Every flag and judgement as text, ignoring row ids and positions, sorted.
std::vector<std::string> describe(Workspace &ws)
{
    std::vector<std::string> out;
    for (const auto &a : ws.annotations())
        out.push_back(a.distribution + "|" + std::string(splitName(a.split)) + "|" + a.exampleHash + "|"
                      + std::string(subjectName(a.subject)) + "|"
                      + (a.responsePosition ? std::to_string(*a.responsePosition) : "-") + "|" + a.flag + "|" + a.note
                      + "|" + a.author + "|" + a.createdAt);
    for (const auto &j : AuditStore(ws).judgements())
        out.push_back(j.distribution + "|" + std::string(splitName(j.split)) + "|" + j.exampleHash + "|"
                      + std::to_string(j.dispreferredPosition) + "|" + j.annotator + "|"
                      + (j.preferredShownFirst ? "p" : "d") + "|" + std::string(relabelChoiceName(j.choice)) + "|"
                      + j.createdAt);
    std::sort(out.begin(), out.end());
    return out;
}

//! craftedData() under `dir`/`name`, annotated.
Workspace annotatedWorkspace(const QTemporaryDir &dir, const char *name = "a")
{
    Workspace ws = importDistributions(tempPath(dir, name), craftedData());
    annotate(ws);
    return ws;
}

} // namespace

class TestAnnotationIo : public QObject {
    Q_OBJECT
private slots:
    void roundTrip_data();
    void roundTrip();
    void survivesReimportInAnotherOrder();
    void importingTwiceAddsNothing();
    void newerJudgementWins();
    void unmatchedRecordsAreReportedAndSkipped();
    void malformedFileChangesNothing();
    void jsonPlacesNameLineAndRecord();
    void csvParsing();
    void commandLine();
};

void TestAnnotationIo::roundTrip_data()
{
    QTest::addColumn<QString>("file");
    QTest::newRow("csv") << "annotations.csv";
    QTest::newRow("json") << "annotations.JSON";
}

void TestAnnotationIo::roundTrip()
{
    QFETCH(QString, file);
    QTemporaryDir dir;
    Workspace source = annotatedWorkspace(dir);
    const fs::path path = tempPath(dir, file.toUtf8().constData());
    const auto exported = AnnotationIo::exportFile(source, path);
    QCOMPARE(exported.flags, 3);
    QCOMPARE(exported.judgements, 8);
    Workspace target = importDistributions(tempPath(dir, "b"), craftedData());
    const auto s = AnnotationIo::importFile(target, path);
    QCOMPARE(s.flagsAdded, 3);
    QCOMPARE(s.judgementsAdded, 8);
    QVERIFY(s.unmatched.empty());
    QCOMPARE(describe(target), describe(source));
}

void TestAnnotationIo::survivesReimportInAnotherOrder()
{
    QTemporaryDir dir;
    Workspace source = annotatedWorkspace(dir);
    const fs::path path = tempPath(dir, "annotations.csv");
    AnnotationIo::exportFile(source, path);
    QVERIFY(readText(path).find(",2,example,,ambiguous,") != std::string::npos); // exported at position 2

    // The same data with every split in reverse order: positions change, content hashes do not.
    auto data = craftedData();
    for (auto &[name, splits] : data)
        for (auto *split : {&splits.first, &splits.second}) {
            std::reverse(split->begin(), split->end());
            renumber(*split);
        }
    Workspace target = importDistributions(tempPath(dir, "b"), data);
    const auto s = AnnotationIo::importFile(target, path);
    QVERIFY(s.unmatched.empty());
    QCOMPARE(describe(target), describe(source));
    const auto moved = target.exampleAt("d1", Split::Test, 5); // was position 2 of 8
    QCOMPARE(target.annotationsForExample(moved->id).size(), std::size_t(1));
    AnnotationIo::exportFile(target, path);
    QVERIFY(readText(path).find(",5,example,,ambiguous,") != std::string::npos);
}

void TestAnnotationIo::importingTwiceAddsNothing()
{
    QTemporaryDir dir;
    Workspace ws = annotatedWorkspace(dir);
    const fs::path path = tempPath(dir, "annotations.json");
    AnnotationIo::exportFile(ws, path);
    const auto before = describe(ws);
    const auto s = AnnotationIo::importFile(ws, path);
    QCOMPARE(s.flagsAdded, 0);
    QCOMPARE(s.flagsPresent, 3);
    QCOMPARE(s.judgementsPresent, 8);
    QCOMPARE(describe(ws), before);
}

void TestAnnotationIo::newerJudgementWins()
{
    QTemporaryDir dir;
    Workspace ws = annotatedWorkspace(dir);
    auto records = AnnotationIo::collect(ws);
    auto it = std::find_if(records.begin(), records.end(), [](const AnnotationRecord &r) {
        return r.kind == AnnotationRecord::Kind::Judgement && r.judgement.annotator == "alice";
    });
    it->judgement.choice = RelabelChoice::Skip;
    it->judgement.createdAt = "2025-01-01T00:00:00Z"; // older than the stored one: ignored
    auto s = AnnotationIo::importRecords(ws, {*it}, "mem");
    QCOMPARE(s.judgementsPresent, 1);
    it->judgement.createdAt = "2027-01-01T00:00:00Z"; // newer: replaces it
    s = AnnotationIo::importRecords(ws, {*it}, "mem");
    QCOMPARE(s.judgementsUpdated, 1);
    const auto stored = AuditStore(ws).judgement("d1", Split::Test, it->judgement.exampleHash,
                                                 it->judgement.dispreferredPosition, "alice");
    QCOMPARE(stored->choice, RelabelChoice::Skip);
    QCOMPARE(AuditStore(ws).judgements().size(), std::size_t(8));
}

void TestAnnotationIo::unmatchedRecordsAreReportedAndSkipped()
{
    QTemporaryDir dir;
    Workspace source = annotatedWorkspace(dir);
    const fs::path path = tempPath(dir, "annotations.csv");
    AnnotationIo::exportFile(source, path);

    // The target lacks d2 and has d1's test example 5 (flagged as a pair) edited.
    auto data = craftedData();
    data.erase("d2");
    data["d1"].second[5].responses[0].text += " (edited)";
    Workspace target = importDistributions(tempPath(dir, "b"), data);
    const auto s = AnnotationIo::importFile(target, path);
    QCOMPARE(s.unmatched.size(), std::size_t(2));
    QCOMPARE(s.flagsAdded, 1);
    QCOMPARE(s.judgementsAdded, 8);
    QCOMPARE(s.unmatched[0].file, path.string());
    QCOMPARE(s.unmatched[0].place, std::string("line 4")); // the note of the first flag spans lines 2 and 3
    QVERIFY2(s.unmatched[0].message.find("position 5 when exported has changed") != std::string::npos,
             s.unmatched[0].message.c_str());
    QCOMPARE(s.unmatched[1].place, std::string("line 5"));
    QCOMPARE(s.unmatched[1].message, std::string("no distribution 'd2' in the workspace"));
    QCOMPARE(target.annotations().size(), std::size_t(1));

    AnnotationImportOptions keep;
    keep.keepUnmatched = true;
    const auto kept = AnnotationIo::importFile(target, path, keep);
    QCOMPARE(kept.unmatched.size(), std::size_t(2));
    QCOMPARE(kept.flagsAdded, 2);
    QCOMPARE(target.annotations().size(), std::size_t(3));
}

void TestAnnotationIo::malformedFileChangesNothing()
{
    QTemporaryDir dir;
    Workspace ws = annotatedWorkspace(dir);
    const fs::path path = tempPath(dir, "annotations.csv");
    AnnotationIo::exportFile(ws, path);
    std::string text = readText(path);
    text.replace(text.find(",mislabeled,"), 12, ",wrong,");
    text.replace(text.rfind(",test,"), 6, ",dev,");
    writeText(path, text);
    Workspace other = importDistributions(tempPath(dir, "b"), craftedData());
    try {
        AnnotationIo::importFile(other, path);
        QFAIL("imported a malformed file");
    } catch (const InputError &e) {
        QCOMPARE(e.problems().size(), std::size_t(2));
        QCOMPARE(e.problems()[0].place, std::string("line 4"));
        QVERIFY(e.problems()[0].message.find("flag must be") != std::string::npos);
        QCOMPARE(e.problems()[1].place, std::string("line 13"));
        QVERIFY(e.problems()[1].message.find("split must be") != std::string::npos);
    }
    QVERIFY(other.annotations().empty());
    QVERIFY(AuditStore(other).judgements().empty());

    writeText(path, "kind,distribution\nflag,d1\n");
    try {
        AnnotationIo::importFile(other, path);
        QFAIL("imported a file without the needed columns");
    } catch (const InputError &e) {
        QVERIFY(std::string(e.what()).find("no column 'split'") != std::string::npos);
    }
    writeText(tempPath(dir, "notes.txt"), "a note\n");
    try {
        AnnotationIo::importFile(other, tempPath(dir, "notes.txt"));
        QFAIL("imported an unknown file type");
    } catch (const InputError &e) {
        QVERIFY(std::string(e.what()).find(".csv or .json") != std::string::npos);
    }
}

void TestAnnotationIo::jsonPlacesNameLineAndRecord()
{
    QTemporaryDir dir;
    Workspace ws = annotatedWorkspace(dir);
    const fs::path path = tempPath(dir, "annotations.json");
    AnnotationIo::exportFile(ws, path);
    const auto json = nlohmann::json::parse(readText(path));
    QCOMPARE(json["format"].get<std::string>(), std::string("shiftscope-annotations"));
    QCOMPARE(json["flags"].size(), std::size_t(3));
    std::string text = readText(path);
    text.replace(text.find("\"mislabeled\""), 12, "\"wrong\"");
    writeText(path, text);
    try {
        AnnotationIo::importFile(ws, path);
        QFAIL("imported a malformed record");
    } catch (const InputError &e) {
        QCOMPARE(e.problems().size(), std::size_t(1));
        QCOMPARE(e.problems()[0].place, std::string("line 6 (flags[1])"));
    }
    writeText(path, "{\"format\": \"shiftscope-annotations\", \"flags\": [\n{\"distribution\": }]}");
    try {
        AnnotationIo::importFile(ws, path);
        QFAIL("imported broken JSON");
    } catch (const InputError &e) {
        QVERIFY2(e.problems()[0].place.find("line 2") == 0, e.problems()[0].place.c_str());
    }
}

void TestAnnotationIo::csvParsing()
{
    const auto rows = parseCsv("\xEF\xBB\xBF"
                               "a,\"b,c\",\"say \"\"hi\"\"\"\r\n\nx,\"two\nlines\",\n\"\",z,w",
                               "f.csv");
    QCOMPARE(rows.size(), std::size_t(3));
    QCOMPARE(rows[0].fields, (std::vector<std::string>{"a", "b,c", "say \"hi\""}));
    QCOMPARE(rows[1].line, 3);
    QCOMPARE(rows[1].fields, (std::vector<std::string>{"x", "two\nlines", ""}));
    QCOMPARE(rows[2].line, 5);
    QCOMPARE(rows[2].fields, (std::vector<std::string>{"", "z", "w"}));
    QCOMPARE(csvLine({"plain", "a,b", "q\"t", ""}), std::string("plain,\"a,b\",\"q\"\"t\",\n"));
    for (const char *bad : {"a,\"open\nb", "a,\"closed\"x"}) {
        try {
            parseCsv(bad, "f.csv");
            QFAIL(bad);
        } catch (const InputError &e) {
            QCOMPARE(e.problems()[0].place, std::string("line 1"));
        }
    }
}

void TestAnnotationIo::commandLine()
{
    QTemporaryDir dir;
    const std::string a = (tempPath(dir, "a") / "w.sqlite").string();
    const std::string b = (tempPath(dir, "b") / "w.sqlite").string();
    annotatedWorkspace(dir, "a");
    importDistributions(tempPath(dir, "b"), craftedData());
    const std::string file = tempPath(dir, "out.json").string();
    auto r = runCommand({"--workspace", a, "annotations", "export", "--out", file});
    QCOMPARE(r.code, 0);
    QCOMPARE(r.out, "Exported 3 flags and 8 relabel judgements to " + file + "\n");
    r = runCommand({"--workspace", b, "annotations", "import", file, "--json"});
    QCOMPARE(r.code, 0);
    const auto summary = nlohmann::json::parse(r.out);
    QCOMPARE(summary["flags_added"].get<int>(), 3);
    QCOMPARE(summary["judgements_added"].get<int>(), 8);
    QVERIFY(summary["unmatched"].empty());
    r = runCommand({"--workspace", b, "annotations", "import", file});
    QCOMPARE(r.code, 0);
    QVERIFY(r.out.find("0 flags added (3 already present)") != std::string::npos);
    for (const auto &args : std::vector<std::vector<std::string>>{
             {"export", "--out", tempPath(dir, "x.txt").string()}, {"export"}, {"frobnicate"}, {"import"}}) {
        std::vector<std::string> words{"--workspace", b, "annotations"};
        words.insert(words.end(), args.begin(), args.end());
        QCOMPARE(runCommand(words).code, 2);
    }
}

QTEST_GUILESS_MAIN(TestAnnotationIo)
#include "tst_annotationio.moc"
