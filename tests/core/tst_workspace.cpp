#include "genies/dataimporter.h"
#include "testsupport.h"
#include "workspace/workspace.h"

#include "util/errors.h"

#include <sqlite3.h>

using namespace shiftscope;
using namespace shiftscope::test;
namespace fs = std::filesystem;

class TestWorkspace : public QObject {
    Q_OBJECT
private slots:
    void createsWithSchemaAndWal();
    void refusesForeignFiles_data();
    void refusesForeignFiles();
    void refusesNewerVersion();
    void aDamagedFileIsNamed();
    void createRefusesExistingFile();
    void pagesExamplesByPosition();
    void pagesExamplesInAnyOrder();
    void searchesPromptsAndResponses();
    void annotationsSurviveReimport();
    void builtinCatalogueInstalledOnce();
};

void TestWorkspace::createsWithSchemaAndWal()
{
    QTemporaryDir dir;
    {
        Workspace ws = Workspace::create(tempPath(dir, "w.sqlite"));
        QCOMPARE(ws.schemaVersion(), Workspace::kSchemaVersion);
    }
    Workspace ws = Workspace::open(tempPath(dir, "w.sqlite"));
    Statement mode(ws.db(), "PRAGMA journal_mode");
    QVERIFY(mode.step());
    QCOMPARE(mode.text(0), std::string("wal"));
    Statement fk(ws.db(), "PRAGMA foreign_keys");
    QVERIFY(fk.step());
    QCOMPARE(fk.integer(0), 1);
}

void TestWorkspace::refusesForeignFiles_data()
{
    QTest::addColumn<int>("kind");
    QTest::addColumn<QString>("message");
    QTest::newRow("text file") << 0 << "not an SQLite database";
    QTest::newRow("other sqlite") << 1 << "database of another program";
    QTest::newRow("missing") << 2 << "no such workspace";
}

void TestWorkspace::refusesForeignFiles()
{
    QFETCH(int, kind);
    QFETCH(QString, message);
    QTemporaryDir dir;
    const fs::path path = tempPath(dir, "file.sqlite");
    if (kind == 0)
        writeText(path, "hello, not a database\n");
    if (kind == 1) {
        sqlite3 *db = nullptr;
        sqlite3_open(path.c_str(), &db);
        sqlite3_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES(1);", nullptr, nullptr, nullptr);
        sqlite3_close(db);
    }
    const std::string before = fs::exists(path) ? readText(path) : std::string();
    try {
        Workspace::open(path);
        QFAIL("opened a foreign file");
    } catch (const InputError &e) {
        QVERIFY2(QString::fromUtf8(e.what()).contains(message), e.what());
        QVERIFY(QString::fromUtf8(e.what()).contains(QString::fromStdString(path.string())));
    }
    if (kind != 3) {
        QCOMPARE(readText(path), before);
        QVERIFY(!fs::exists(path.string() + "-wal"));
    } else {
        QVERIFY(!fs::exists(path));
    }
}

void TestWorkspace::refusesNewerVersion()
{
    QTemporaryDir dir;
    const fs::path path = tempPath(dir, "w.sqlite");
    {
        Workspace ws = Workspace::create(path);
        ws.db().exec("PRAGMA user_version = 99");
        ws.db().exec("PRAGMA journal_mode = DELETE");
    }
    const std::string before = readText(path);
    try {
        Workspace::open(path);
        QFAIL("opened a newer workspace");
    } catch (const InputError &e) {
        QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("newer ShiftScope")), e.what());
    }
    QCOMPARE(readText(path), before);
}

void TestWorkspace::aDamagedFileIsNamed()
{
    // Every page after the first overwritten: the header still says SQLite, the tables are garbage.
    QTemporaryDir dir;
    const fs::path path = tempPath(dir, "w.sqlite");
    {
        Workspace ws = Workspace::create(path);
        ws.db().exec("PRAGMA journal_mode = DELETE");
    }
    std::string bytes = readText(path);
    QVERIFY(bytes.size() > 8192);
    for (std::size_t i = 4096; i < bytes.size(); ++i)
        bytes[i] = char(0x5a);
    writeText(path, bytes);
    try {
        Workspace ws = Workspace::open(path);
        ws.catalogues();
        QFAIL("read a damaged workspace");
    } catch (const InputError &e) {
        QCOMPARE(e.problems().front().file, path.string());
        QVERIFY2(e.problems().front().message.find("damaged") != std::string::npos, e.what());
        QVERIFY(!e.problems().front().fix.empty());
    }
}

void TestWorkspace::createRefusesExistingFile()
{
    QTemporaryDir dir;
    writeText(tempPath(dir, "x.sqlite"), "data");
    QVERIFY_THROWS_EXCEPTION(InputError, Workspace::create(tempPath(dir, "x.sqlite")));
    QCOMPARE(readText(tempPath(dir, "x.sqlite")), std::string("data"));
}

void TestWorkspace::pagesExamplesByPosition()
{
    QTemporaryDir dir;
    writeText(tempPath(dir, "d/big/train.json"), validSplit(1));
    writeText(tempPath(dir, "d/big/test.json"), validSplit(1000, 3));
    Workspace ws = Workspace::create(tempPath(dir, "w.sqlite"));
    DataImporter::importData(ws, tempPath(dir, "d"));
    ExampleQuery query{ws.distribution("big")->id, Split::Test, {}};
    QCOMPARE(ws.countExamples(query), 1000);
    auto first = ws.examplePage(query, -1, 300);
    QCOMPARE(first.size(), std::size_t(300));
    QCOMPARE(first.front().position, 0);
    QCOMPARE(first.front().preferred, std::string("answer 0"));
    QCOMPARE(first.front().responseCount, 3);
    auto last = ws.examplePage(query, 899, 300);
    QCOMPARE(last.size(), std::size_t(100));
    QCOMPARE(last.back().position, 999);
}

void TestWorkspace::pagesExamplesInAnyOrder()
{
    QTemporaryDir dir;
    // Prompts "Qx0", "Qx1", ... "Qx11": in text order 0, 1, 10, 11, 2, ...
    std::string test = "[";
    for (int i = 0; i < 12; ++i) {
        test += std::string(i ? "," : "") + "{\"prompt\": \"Qx" + std::to_string(i) + "\", \"responses\": {\"a"
              + std::to_string(i) + "\": 1, \"b\": 0}}";
    }
    writeText(tempPath(dir, "d/s/train.json"), validSplit(1));
    writeText(tempPath(dir, "d/s/test.json"), test + "]");
    Workspace ws = Workspace::create(tempPath(dir, "w.sqlite"));
    DataImporter::importData(ws, tempPath(dir, "d"));
    ExampleQuery query{ws.distribution("s")->id, Split::Test, {}};
    auto positions = [&](int offset, int limit) {
        std::vector<int> out;
        for (const auto &row : ws.examplePageAt(query, offset, limit))
            out.push_back(row.position);
        return out;
    };
    QCOMPARE(positions(0, 12), (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11})); // position by default
    query.order = ExampleOrder::Prompt;
    QCOMPARE(positions(0, 5), (std::vector<int>{0, 1, 10, 11, 2}));
    QCOMPARE(positions(4, 3), (std::vector<int>{2, 3, 4})); // pages follow on
    query.descending = true;
    QCOMPARE(positions(0, 3), (std::vector<int>{9, 8, 7}));
    query.order = ExampleOrder::Responses; // all tie: by position, descending too
    QCOMPARE(positions(0, 3), (std::vector<int>{11, 10, 9}));
    query.order = ExampleOrder::Preferred;
    query.descending = false;
    QCOMPARE(positions(0, 3), (std::vector<int>{0, 1, 10}));
    query.search = "Qx1"; // filters apply as in position order: Qx1, Qx10, Qx11
    QCOMPARE(positions(0, 12), (std::vector<int>{1, 10, 11}));
}

void TestWorkspace::searchesPromptsAndResponses()
{
    QTemporaryDir dir;
    writeText(tempPath(dir, "d/s/train.json"), validSplit(1));
    writeText(tempPath(dir, "d/s/test.json"),
              R"([{"prompt": "About cats", "responses": {"Meow 50%": 1, "woof": 0}},
                  {"prompt": "About dogs", "responses": {"Woof": 1, "meow": 0}},
                  {"prompt": "About fish", "responses": {"blub": 1, "splash": 0}}])");
    Workspace ws = Workspace::create(tempPath(dir, "w.sqlite"));
    DataImporter::importData(ws, tempPath(dir, "d"));
    const auto id = ws.distribution("s")->id;
    QCOMPARE(ws.countExamples({id, Split::Test, "MEOW"}), 2);
    QCOMPARE(ws.countExamples({id, Split::Test, "fish"}), 1);
    QCOMPARE(ws.countExamples({id, Split::Test, "50%"}), 1); // % is literal, not a wildcard
    QCOMPARE(ws.countExamples({id, Split::Test, "0%"}), 1);
    QCOMPARE(ws.countExamples({id, Split::Test, "_"}), 0);
    const auto page = ws.examplePage({id, Split::Test, "woof"}, -1, 10);
    QCOMPARE(page.size(), std::size_t(2));
    QCOMPARE(page[1].position, 1);
}

void TestWorkspace::annotationsSurviveReimport()
{
    QTemporaryDir dir;
    writeText(tempPath(dir, "d/a/train.json"), validSplit(2));
    writeText(tempPath(dir, "d/a/test.json"), validSplit(3));
    Workspace ws = Workspace::create(tempPath(dir, "w.sqlite"));
    DataImporter::importData(ws, tempPath(dir, "d"));
    auto record = ws.exampleAt("a", Split::Test, 1);
    QVERIFY(record);
    Annotation a;
    a.distribution = "a";
    a.split = Split::Test;
    a.exampleHash = record->contentHash;
    a.subject = AnnotationSubject::Pair;
    a.responsePosition = 1;
    a.flag = "mislabeled";
    a.note = "the second answer is better";
    a.author = "ann";
    ws.addAnnotation(a);
    QCOMPARE(ws.annotationsForExample(record->id).size(), std::size_t(1));

    // Re-import with an extra example in front: ids and positions change, the annotation follows its content.
    writeText(tempPath(dir, "d/a/test.json"),
              R"([{"prompt": "new", "responses": {"n1": 1, "n2": 0}},)" + validSplit(3).substr(1));
    DataImporter::importData(ws, tempPath(dir, "d"));
    auto moved = ws.exampleAt("a", Split::Test, 2);
    QVERIFY(moved);
    QCOMPARE(moved->contentHash, record->contentHash);
    const auto found = ws.annotationsForExample(moved->id);
    QCOMPARE(found.size(), std::size_t(1));
    QCOMPARE(found[0].flag, std::string("mislabeled"));
    QCOMPARE(found[0].note, std::string("the second answer is better"));
    QCOMPARE(found[0].subject, AnnotationSubject::Pair);
    QCOMPARE(found[0].responsePosition.value_or(-1), 1);
    QVERIFY(!found[0].createdAt.empty());
    const auto page = ws.examplePage({ws.distribution("a")->id, Split::Test, {}}, -1, 10);
    QCOMPARE(page[2].annotationCount, 1);
    QCOMPARE(page[0].annotationCount, 0);
}

void TestWorkspace::builtinCatalogueInstalledOnce()
{
    QTemporaryDir dir;
    const fs::path path = tempPath(dir, "w.sqlite");
    {
        Workspace::create(path);
    }
    Workspace ws = Workspace::open(path);
    const auto catalogues = ws.catalogues();
    QCOMPARE(catalogues.size(), std::size_t(1));
    QVERIFY(catalogues[0].builtin);
    QCOMPARE(catalogues[0].rows, 69);
    QCOMPARE(catalogues[0].uniqueShifts, 56);
}

QTEST_GUILESS_MAIN(TestWorkspace)
#include "tst_workspace.moc"
