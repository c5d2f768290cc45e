#include "widgets/shell/backgroundtask.h"
#include "demo/benchmarktree.h"
#include "widgets/data/distributionpane.h"
#include "widgets/data/exampletablemodel.h"
#include "widgets/data/exampleview.h"
#include "widgets/shell/mainwindow.h"
#include "widgets/data/shiftnavigator.h"
#include "widgets/data/shiftview.h"
#include "testsupport.h"
#include "workspace/workspace.h"

#include <QLineEdit>
#include <QStandardPaths>
#include <QTableView>
#include <nlohmann/json.hpp>

using namespace shiftscope;
using namespace shiftscope::test;
namespace fs = std::filesystem;

namespace {
//! A GENIES-layout folder: the real fixtures when ../shared is present, else a generated pair of distributions.
fs::path dataFolder(const QTemporaryDir &dir)
{
    if (haveShared())
        return geniesFixtures();
    const fs::path root = tempPath(dir, "genies/distributions");
    writeText(root / "alpaca_easy/train.json", validSplit(4));
    writeText(root / "alpaca_easy/test.json",
              R"([{"prompt": "Name a season.", "responses": {"Autumn": 1, "Pentagon": 0}}])");
    writeText(root / "alpaca_hard/train.json", validSplit(4));
    writeText(root / "alpaca_hard/test.json", validSplit(3));
    return root.parent_path();
}

bool waitForTask(QSignalSpy &spy) { return spy.count() > 0 || spy.wait(60000); }
} // namespace

class TestGui : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void importSelectShowExample();
    void failedImportChangesNothing();
    void cancelledImportChangesNothing();
    void refusesForeignWorkspace();
};

void TestGui::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("ShiftScopeTests"));
}

void TestGui::importSelectShowExample()
{
    QTemporaryDir dir;
    const fs::path data = dataFolder(dir);
    MainWindow window;
    window.show();
    QVERIFY(window.openWorkspace(QString::fromStdString(tempPath(dir, "w.sqlite").string()), true));
    QSignalSpy done(&window, &MainWindow::taskFinished);
    window.importData(QString::fromStdString(data.string()));
    QVERIFY(waitForTask(done));
    QCOMPARE(done.at(0).at(0).toBool(), true);

    QVERIFY(window.navigator()->selectShift("alpaca_easy", "alpaca_hard"));
    DistributionPane *source = window.shiftView()->sourcePane();
    QCOMPARE(source->distribution(), std::string("alpaca_easy"));
    QCOMPARE(window.shiftView()->targetPane()->distribution(), std::string("alpaca_hard"));
    QVERIFY(source->model()->rowCount() > 0);
    const auto &shown = source->exampleView()->record();
    QVERIFY(shown.has_value());
    QCOMPARE(shown->example.position, 0);

    // The view shows exactly what the file holds: the prompt and every response, the preferred one marked.
    const auto json = nlohmann::ordered_json::parse(readText(data / "distributions/alpaca_easy/test.json"));
    const QString text = source->exampleView()->toPlainText();
    const QString prompt = QString::fromStdString(json[0]["prompt"].get<std::string>()).trimmed();
    QVERIFY2(text.contains(prompt.section(QLatin1Char('\n'), -1)), qPrintable(text));
    for (auto it = json[0]["responses"].begin(); it != json[0]["responses"].end(); ++it)
        QVERIFY(text.contains(QString::fromStdString(it.key())));
    QVERIFY(text.contains(QStringLiteral("✔ Preferred")));
    QVERIFY(text.contains(QStringLiteral("characters")));

    // Selecting another row shows that example; the search filters the table.
    if (source->model()->rowCount() > 1) {
        source->table()->selectRow(1);
        QCOMPARE(source->exampleView()->record()->example.position, 1);
    }
    source->setSearch(QStringLiteral("zzzz-no-such-text"));
    QCOMPARE(source->model()->rowCount(), 0);
}

void TestGui::failedImportChangesNothing()
{
    QTemporaryDir dir;
    const fs::path root = tempPath(dir, "distributions");
    writeText(root / "a/train.json", validSplit(3));
    writeText(root / "a/test.json", validSplit(3));
    writeText(root / "b/train.json", validSplit(3));
    writeText(root / "b/test.json", "[{\"prompt\": 1}]");
    MainWindow window;
    QVERIFY(window.openWorkspace(QString::fromStdString(tempPath(dir, "w.sqlite").string()), true));
    QSignalSpy done(&window, &MainWindow::taskFinished);
    window.importData(QString::fromStdString(root.string()));
    QVERIFY(waitForTask(done));
    QCOMPARE(done.at(0).at(0).toBool(), false);
    QVERIFY(done.at(0).at(1).toString().contains(QStringLiteral("b/test.json: example 0")));
    QVERIFY(window.workspace()->distributions().empty());
}

void TestGui::cancelledImportChangesNothing()
{
    QTemporaryDir dir;
    BenchmarkTreeOptions options;
    options.distributions = 30;
    options.trainExamples = 100;
    options.testExamples = 50;
    writeBenchmarkTree(tempPath(dir, "tree"), options);
    MainWindow window;
    QVERIFY(window.openWorkspace(QString::fromStdString(tempPath(dir, "w.sqlite").string()), true));
    QSignalSpy done(&window, &MainWindow::taskFinished);
    window.importData(QString::fromStdString(tempPath(dir, "tree").string()));
    window.cancelTask();
    QVERIFY(waitForTask(done));
    QCOMPARE(done.at(0).at(0).toBool(), false);
    QCOMPARE(done.at(0).at(1).toString(), QStringLiteral("cancelled"));
    QVERIFY(window.workspace()->distributions().empty());
}

void TestGui::refusesForeignWorkspace()
{
    QTemporaryDir dir;
    writeText(tempPath(dir, "notes.sqlite"), "just text");
    MainWindow window;
    QVERIFY(!window.openWorkspace(QString::fromStdString(tempPath(dir, "notes.sqlite").string())));
    QVERIFY(!window.workspace());
    QCOMPARE(readText(tempPath(dir, "notes.sqlite")), std::string("just text"));
}

QTEST_MAIN(TestGui)
#include "tst_gui.moc"
