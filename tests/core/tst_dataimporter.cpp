#include "genies/dataimporter.h"
#include "genies/distributionreader.h"
#include "testsupport.h"
#include "workspace/workspace.h"

#include <nlohmann/json.hpp>

using namespace shiftscope;
using namespace shiftscope::test;
namespace fs = std::filesystem;

namespace {

//! Every row of every table, for "byte-for-byte unchanged in content" checks.
std::string contentDump(Workspace &ws)
{
    std::string dump;
    for (const char *table : {"distributions", "examples", "responses", "catalogues", "shifts", "annotations"}) {
        Statement st(ws.db(), std::string("SELECT * FROM ") + table + " ORDER BY 1");
        while (st.step())
            for (int c = 0; c < 12; ++c)
                dump += st.text(c) + "|";
        dump += "\n";
    }
    return dump;
}

void writeDistribution(const fs::path &root, const std::string &id, const std::string &train, const std::string &test)
{
    writeText(root / id / "train.json", train);
    writeText(root / id / "test.json", test);
}

} // namespace

class TestDataImporter : public QObject {
    Q_OBJECT
private slots:
    void importsCheckoutAndBareFolder();
    void errorInLastFileWritesNothing();
    void reportsProblemsAcrossFiles();
    void reimportIsIdempotent();
    void changedFilesAreUpdated();
    void keyOrderAndFloatLabelsSurvive();
    void missingFileIsAnError();
    void cancelLeavesWorkspaceAsItWas();
    void reportsMissingDistributions();
    void refusesFolderWithoutDistributions();
    void realFixtures();
};

void TestDataImporter::importsCheckoutAndBareFolder()
{
    QTemporaryDir dir;
    const fs::path root = tempPath(dir, "genies");
    writeDistribution(root / "distributions", "alpaca_easy", validSplit(3), validSplit(2, 4));
    fs::create_directories(root / "distribution_shifts");
    Workspace ws = Workspace::create(tempPath(dir, "w.sqlite"));
    auto summary = DataImporter::importData(ws, root);
    QCOMPARE(summary.added, std::vector<std::string>{"alpaca_easy"});
    auto info = ws.distribution("alpaca_easy");
    QVERIFY(info);
    QCOMPARE(info->trainExamples, 3);
    QCOMPARE(info->testExamples, 2);
    QCOMPARE(info->responsesPerExample, 4);
    QCOMPARE(info->testPairs, 6);

    Workspace other = Workspace::create(tempPath(dir, "w2.sqlite"));
    summary = DataImporter::importData(other, root / "distributions");
    QCOMPARE(summary.added, std::vector<std::string>{"alpaca_easy"});
}

void TestDataImporter::errorInLastFileWritesNothing()
{
    QTemporaryDir dir;
    const fs::path root = tempPath(dir, "distributions");
    writeDistribution(root, "a_first", validSplit(5), validSplit(5));
    writeDistribution(root, "b_second", validSplit(5), validSplit(5));
    Workspace ws = Workspace::create(tempPath(dir, "w.sqlite"));
    DataImporter::importData(ws, root);
    const std::string before = contentDump(ws);

    writeDistribution(root, "a_first", validSplit(6, 2, "changed"), validSplit(5)); // would be an update
    writeDistribution(root, "c_third", validSplit(5), R"([{"prompt": "p", "responses": {"a": 1, "b": 1}}])");
    try {
        DataImporter::importData(ws, root);
        QFAIL("the broken file was accepted");
    } catch (const InputError &e) {
        QCOMPARE(e.problems().size(), std::size_t(2)); // two preferred + no dispreferred
        QVERIFY(e.problems()[0].file.find("c_third") != std::string::npos);
        QVERIFY(e.problems()[0].file.find("test.json") != std::string::npos);
    }
    QCOMPARE(contentDump(ws), before);
}

void TestDataImporter::reportsProblemsAcrossFiles()
{
    QTemporaryDir dir;
    const fs::path root = tempPath(dir, "distributions");
    writeDistribution(root, "one", "[", validSplit(2));
    writeDistribution(root, "two", validSplit(2), R"([{"prompt": "p", "responses": {"a": 1, "b": 7}}])");
    Workspace ws = Workspace::create(tempPath(dir, "w.sqlite"));
    try {
        DataImporter::importData(ws, root);
        QFAIL("accepted");
    } catch (const InputError &e) {
        // The malformed train file of "one", then both problems of "two"'s test file.
        QCOMPARE(e.problems().size(), std::size_t(3));
        QVERIFY(QString::fromStdString(e.problems()[0].toString()).contains(QStringLiteral("malformed JSON")));
        QVERIFY(QString::fromStdString(e.problems()[1].toString()).contains(QStringLiteral("label 7")));
        QVERIFY(QString::fromStdString(e.problems()[2].toString()).contains(QStringLiteral("no dispreferred")));
    }
    QVERIFY(ws.distributions().empty());
}

void TestDataImporter::reimportIsIdempotent()
{
    QTemporaryDir dir;
    const fs::path root = tempPath(dir, "distributions");
    writeDistribution(root, "a", validSplit(4), validSplit(3));
    writeDistribution(root, "b", validSplit(4), validSplit(3));
    Workspace ws = Workspace::create(tempPath(dir, "w.sqlite"));
    DataImporter::importData(ws, root);
    const std::string before = contentDump(ws);
    const auto summary = DataImporter::importData(ws, root);
    QVERIFY(summary.added.empty());
    QVERIFY(summary.updated.empty());
    QCOMPARE(summary.unchanged.size(), std::size_t(2));
    QCOMPARE(summary.examples, std::int64_t(0));
    QCOMPARE(contentDump(ws), before);
}

void TestDataImporter::changedFilesAreUpdated()
{
    QTemporaryDir dir;
    const fs::path root = tempPath(dir, "distributions");
    writeDistribution(root, "a", validSplit(4), validSplit(3));
    writeDistribution(root, "b", validSplit(4), validSplit(3));
    Workspace ws = Workspace::create(tempPath(dir, "w.sqlite"));
    DataImporter::importData(ws, root);
    writeText(root / "b" / "test.json", validSplit(7, 3, "new"));
    const auto summary = DataImporter::importData(ws, root);
    QCOMPARE(summary.updated, std::vector<std::string>{"b"});
    QCOMPARE(summary.unchanged, std::vector<std::string>{"a"});
    QCOMPARE(ws.distribution("b")->testExamples, 7);
    QCOMPARE(ws.distribution("b")->testPairs, 14);
    QCOMPARE(ws.examples("b", Split::Test)[0].prompt, std::string("Qnew0\n"));
    // Old rows are gone, not left behind.
    Statement st(ws.db(), "SELECT count(*) FROM examples");
    QVERIFY(st.step());
    QCOMPARE(st.integer(0), 4 + 3 + 4 + 7);
}

void TestDataImporter::keyOrderAndFloatLabelsSurvive()
{
    QTemporaryDir dir;
    const fs::path root = tempPath(dir, "distributions");
    writeDistribution(root, "d", validSplit(1),
                      R"([{"prompt": "P", "responses": {"zz": 0.0, "aa": 1.0, "mm": 0.0}, "instruction": "kept"}])");
    Workspace ws = Workspace::create(tempPath(dir, "w.sqlite"));
    DataImporter::importData(ws, root);
    const auto examples = ws.examples("d", Split::Test);
    QCOMPARE(examples.size(), std::size_t(1));
    QCOMPARE(examples[0].responses[0].text, std::string("zz"));
    QCOMPARE(examples[0].responses[1].text, std::string("aa"));
    QCOMPARE(examples[0].responses[1].label, 1);
    QCOMPARE(examples[0].responses[2].text, std::string("mm"));
    QCOMPARE(examples[0].extraJson, std::string(R"({"instruction":"kept"})"));
}

void TestDataImporter::missingFileIsAnError()
{
    QTemporaryDir dir;
    const fs::path root = tempPath(dir, "distributions");
    writeText(root / "only_train" / "train.json", validSplit(2));
    Workspace ws = Workspace::create(tempPath(dir, "w.sqlite"));
    try {
        DataImporter::importData(ws, root);
        QFAIL("accepted");
    } catch (const InputError &e) {
        QVERIFY(e.problems()[0].file.find("test.json") != std::string::npos);
        QVERIFY(e.problems()[0].message.find("missing") != std::string::npos);
    }
}

void TestDataImporter::cancelLeavesWorkspaceAsItWas()
{
    QTemporaryDir dir;
    const fs::path root = tempPath(dir, "distributions");
    for (const char *id : {"a", "b", "c"})
        writeDistribution(root, id, validSplit(4), validSplit(3));
    Workspace ws = Workspace::create(tempPath(dir, "w.sqlite"));
    const std::string before = contentDump(ws);
    int calls = 0;
    bool cancelled = false;
    try {
        DataImporter::importData(ws, root,
                                 [&](std::int64_t, std::int64_t, const std::string &) { return ++calls < 3; });
    } catch (const Cancelled &) {
        cancelled = true;
    }
    QVERIFY(cancelled);
    QCOMPARE(contentDump(ws), before);
}

void TestDataImporter::reportsMissingDistributions()
{
    QTemporaryDir dir;
    const fs::path root = tempPath(dir, "distributions");
    writeDistribution(root, "alpaca_easy", validSplit(2), validSplit(2));
    writeDistribution(root, "alpaca_hard", validSplit(2), validSplit(2));
    Workspace ws = Workspace::create(tempPath(dir, "w.sqlite"));
    const auto summary = DataImporter::importData(ws, root);
    QCOMPARE(summary.completeShifts, 1);
    QCOMPARE(summary.incompleteShifts, 55);
    QCOMPARE(summary.missingDistributions.size(), std::size_t(61 - 2));
}

void TestDataImporter::refusesFolderWithoutDistributions()
{
    QTemporaryDir dir;
    Workspace ws = Workspace::create(tempPath(dir, "w.sqlite"));
    fs::create_directories(tempPath(dir, "empty"));
    QVERIFY_THROWS_EXCEPTION(InputError, DataImporter::importData(ws, tempPath(dir, "empty")));
    QVERIFY_THROWS_EXCEPTION(InputError, DataImporter::importData(ws, tempPath(dir, "nowhere")));
}

void TestDataImporter::realFixtures()
{
    SKIP_WITHOUT_SHARED();
    QTemporaryDir dir;
    Workspace ws = Workspace::create(tempPath(dir, "w.sqlite"));
    const auto summary = DataImporter::importData(ws, geniesFixtures());
    QCOMPARE(summary.added.size(), std::size_t(4));
    for (const char *id : {"alpaca_easy", "alpaca_hard", "code_easy", "code_hard"}) {
        for (Split split : {Split::Train, Split::Test}) {
            const auto path = geniesFixtures() / "distributions" / id / (std::string(splitName(split)) + ".json");
            const auto json = nlohmann::ordered_json::parse(readText(path));
            const auto stored = ws.examples(id, split);
            QCOMPARE(stored.size(), json.size());
            // Responses in file order, with their labels.
            std::size_t k = 0;
            for (auto it = json[0]["responses"].begin(); it != json[0]["responses"].end(); ++it, ++k) {
                QCOMPARE(stored[0].responses[k].text, it.key());
                QCOMPARE(stored[0].responses[k].label, it.value().get<int>());
            }
            QCOMPARE(stored[0].prompt, json[0]["prompt"].get<std::string>());
        }
    }
    QCOMPARE(summary.completeShifts, 2); // alpaca_easy -> alpaca_hard and code_easy -> code_hard
}

QTEST_GUILESS_MAIN(TestDataImporter)
#include "tst_dataimporter.moc"
