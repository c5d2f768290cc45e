#include "demo/demosuite.h"
#include "demo/demoworkspace.h"
#include "genies/dataimporter.h"
#include "genies/shiftcatalogue.h"
#include "genies/splitwriter.h"
#include "testsupport.h"
#include "workspace/workspace.h"

#include <set>

using namespace shiftscope;
using namespace shiftscope::test;
namespace fs = std::filesystem;

class TestDemoSuite : public QObject {
    Q_OBJECT
private slots:
    void coversEveryCategory();
    void deterministic();
    void everyDistributionImports();
    void demoWorkspaceIsReadyAndRebuildable();
};

void TestDemoSuite::coversEveryCategory()
{
    std::set<std::string> categories;
    for (const auto &shift : demoShifts()) {
        categories.insert(shift.category);
        QVERIFY2(!shift.intended.empty() && !shift.conflated.empty(), shift.source.c_str());
    }
    for (const auto &c : geniesCategories())
        QVERIFY2(categories.count(c.id), c.id.c_str());
}

void TestDemoSuite::deterministic()
{
    const auto id = demoDistributionIds().front();
    const auto a = generateDemoDistribution(id, {});
    const auto b = generateDemoDistribution(id, {});
    QCOMPARE(splitToJson(a.first), splitToJson(b.first));
    QCOMPARE(splitToJson(a.second), splitToJson(b.second));
    DemoSuiteOptions other;
    other.seed = 12345;
    QVERIFY(splitToJson(generateDemoDistribution(id, other).first) != splitToJson(a.first));
}

void TestDemoSuite::everyDistributionImports()
{
    QTemporaryDir dir;
    const auto ids = writeDemoSuite(tempPath(dir, "suite"));
    QCOMPARE(ids, demoDistributionIds());
    Workspace ws = Workspace::create(tempPath(dir, "w.sqlite"));
    const auto summary = DataImporter::importData(ws, tempPath(dir, "suite")); // validates by the GENIES rules
    QCOMPARE(summary.added.size(), ids.size());
    for (const auto &info : ws.distributions()) {
        QVERIFY2(info.trainExamples >= 400, info.name.c_str());
        QVERIFY2(info.testExamples >= 200, info.name.c_str());
        QVERIFY(info.responsesPerExample >= 2 && info.responsesPerExample <= 4);
    }
    const auto catalogue = ShiftCatalogueReader::readFile(tempPath(dir, "suite") / "distribution_shifts" / "demo.json");
    QCOMPARE(catalogue.rows.size(), demoShifts().size());
    for (const auto &row : catalogue.rows) {
        QVERIFY(ws.distribution(row.source));
        QVERIFY(ws.distribution(row.target));
    }
}

void TestDemoSuite::demoWorkspaceIsReadyAndRebuildable()
{
    QTemporaryDir dir;
    const auto path = tempPath(dir, "demo/demo.sqlite");
    buildDemoWorkspace(path);
    buildDemoWorkspace(path); // a second build finds everything in place
    Workspace ws = Workspace::open(path);
    QCOMPARE(ws.distributions().size(), demoDistributionIds().size());
    const auto demo = ws.catalogue("Demo");
    QVERIFY(demo);
    QCOMPARE(std::size_t(demo->uniqueShifts), demoShifts().size());
}

QTEST_GUILESS_MAIN(TestDemoSuite)
#include "tst_demosuite.moc"
