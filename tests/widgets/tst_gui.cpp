#include "widgets/shell/backgroundtask.h"
#include "demo/benchmarktree.h"
#include "widgets/data/distributionpane.h"
#include "widgets/data/newshiftdialog.h"
#include "widgets/data/preferenceimportdialog.h"
#include "genies/shiftcatalogue.h"
#include "widgets/data/exampletablemodel.h"
#include "widgets/data/exampleview.h"
#include "widgets/disagreements/disagreementsview.h"
#include "widgets/shell/mainwindow.h"
#include "widgets/data/shiftnavigator.h"
#include "widgets/data/shiftview.h"
#include "testsupport.h"
#include "workspace/workspace.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDockWidget>
#include <QLabel>
#include <QPushButton>
#include <QLineEdit>
#include <QMenuBar>
#include <QStatusBar>
#include <QScreen>
#include <QSettings>
#include <QTabWidget>
#include <QStandardPaths>
#include <QHeaderView>
#include <QTableView>
#include <QTableWidget>
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
    void presentationModeFitsTheScreen();
    void preferencesAndNewShifts();
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


void TestGui::presentationModeFitsTheScreen()
{
    QSettings().clear(); // the layout a failed run may have left
    QTemporaryDir dir;
    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QSignalSpy done(&window, &MainWindow::taskFinished);
    QVERIFY(window.openWorkspace(QString::fromStdString(tempPath(dir, "w.sqlite").string()), true));
    window.importData(QString::fromStdString(dataFolder(dir).string()));
    QVERIFY(waitForTask(done));
    // Every tab once, as a user would have before a talk, then F5 from the first.
    for (int i = window.tabs()->count() - 1; i >= 0; --i) {
        window.tabs()->setCurrentIndex(i);
        QCoreApplication::processEvents();
    }
    window.resize(1200, 700);
    QCoreApplication::processEvents();
    const QRect normal = window.geometry();
    QHash<QString, bool> docksBefore;
    for (QDockWidget *dock : window.findChildren<QDockWidget *>())
        docksBefore[dock->objectName()] = dock->isVisible();
    window.setPresentationMode(true);
    QCoreApplication::processEvents();
    // Every tab fits the smallest screen a talk is given on (1280x720) at presentation size.
    for (int i = 0; i < window.tabs()->count(); ++i) {
        window.tabs()->setCurrentIndex(i);
        QCoreApplication::processEvents();
        const QSize minimum = window.minimumSizeHint().expandedTo(window.minimumSize());
        QVERIFY2(minimum.width() <= 1280 && minimum.height() <= 720, qPrintable(QStringLiteral("%1 needs %2x%3")
                                                                                    .arg(window.tabs()->tabText(i))
                                                                                    .arg(minimum.width())
                                                                                    .arg(minimum.height())));
    }
    // Tables' rows grow with the type: none is cut.
    QTableView *examples = window.shiftView()->sourcePane()->table();
    QVERIFY(examples->verticalHeader()->defaultSectionSize() >= examples->fontMetrics().height());
    QTableWidget *agreement = window.disagreementsView()->agreement();
    QVERIFY(agreement->maximumHeight()
            >= agreement->horizontalHeader()->sizeHint().height() + 2 * agreement->fontMetrics().height());
    // It fills the screen the window is on, whatever its size, and leaving it restores the layout exactly.
    const QSize screen = window.screen()->geometry().size();
    if (screen.width() >= 1280 && screen.height() >= 720) { // CTest gives this test a 1920x1080 screen
        QVERIFY(window.windowState() & Qt::WindowFullScreen);
        QTRY_COMPARE(window.geometry().size(), screen);
    }
    // The views alone: no menu bar or status bar, their shortcuts kept; F5 (or Esc) leaves.
    QVERIFY(!window.menuBar()->isVisible() && !window.statusBar()->isVisible());
    window.activateWindow();
    QTRY_VERIFY(window.isActiveWindow());
    QTest::keyClick(&window, Qt::Key_F5);
    QTRY_VERIFY(!window.isFullScreen());
    QVERIFY(window.menuBar()->isVisible() && window.statusBar()->isVisible());
    QTRY_COMPARE(window.geometry().size(), normal.size());
    // (The offscreen test platform places a restored window a title bar lower; a desktop puts it back.)
    QVERIFY(std::abs(window.geometry().top() - normal.top()) <= 32);
    // The docks and toolbars shown before are shown again (their widths follow what the tabs now need).
    QTRY_VERIFY(window.findChild<QDockWidget *>(QStringLiteral("navigatorDock"))->isVisible());
    for (QDockWidget *dock : window.findChildren<QDockWidget *>())
        QCOMPARE(dock->isVisible(), docksBefore.value(dock->objectName()));
    QVERIFY(!window.isFullScreen());
    // Quitting in presentation mode keeps the normal layout for the next start, not the full-screen one.
    const QByteArray geometry = window.saveGeometry();
    window.setPresentationMode(true);
    QTest::keyClick(&window, Qt::Key_Escape);
    QTRY_VERIFY(!window.isFullScreen());
    window.setPresentationMode(true);
    window.close();
    QCOMPARE(QSettings().value(QStringLiteral("window/geometry")).toByteArray(), geometry);
}

void TestGui::preferencesAndNewShifts()
{
    QTemporaryDir dir;
    const fs::path file = tempPath(dir, "hh helpful.jsonl");
    std::string records;
    for (int i = 0; i < 10; ++i)
        records += nlohmann::json{{"chosen", "\n\nHuman: Q" + std::to_string(i) + "\n\nAssistant: yes, gladly"},
                                  {"rejected", "\n\nHuman: Q" + std::to_string(i) + "\n\nAssistant: no"}}
                       .dump()
                 + "\n";
    writeText(file, records);

    // The dialog names the distribution after the file and hands its settings over.
    PreferenceImportDialog importDialog;
    QPushButton *importButton = importDialog.findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok);
    QVERIFY(!importButton->isEnabled());
    importDialog.setFile(QString::fromStdString(file.string()));
    QVERIFY(importButton->isEnabled());
    QCOMPARE(importDialog.options().name, std::string("hh_helpful"));
    QCOMPARE(importDialog.options().testFraction, 0.2);

    MainWindow window;
    QVERIFY(window.openWorkspace(QString::fromStdString(tempPath(dir, "w.sqlite").string()), true));
    QSignalSpy done(&window, &MainWindow::taskFinished);
    PreferenceImportOptions options = importDialog.options();
    window.importPreferenceFile(file, options);
    QVERIFY(waitForTask(done));
    QVERIFY2(done.at(0).at(0).toBool(), qPrintable(done.at(0).at(1).toString()));
    QVERIFY(done.at(0).at(1).toString().contains(QStringLiteral("hh_helpful: 8 train, 2 test")));
    options.name = "hh_other";
    options.seed = 4;
    window.importPreferenceFile(file, options);
    QVERIFY(done.count() > 1 || done.wait(60000));
    QCOMPARE(window.workspace()->distributions().size(), std::size_t(2));

    // New Shift: the two distributions into a catalogue of one's own, shown in the navigator.
    NewShiftDialog shiftDialog(window.workspace(), window.navigator()->currentCatalogue());
    QCOMPARE(shiftDialog.catalogue(), QStringLiteral("My shifts")); // the built-in catalogue cannot take it
    QCOMPARE(shiftDialog.shift().source, std::string("hh_helpful"));
    QCOMPARE(shiftDialog.shift().target, std::string("hh_other"));
    shiftDialog.accept();
    QCOMPARE(shiftDialog.result(), int(QDialog::Accepted));
    const auto catalogue = window.workspace()->catalogue("My shifts");
    QVERIFY(catalogue);
    QCOMPARE(window.workspace()->shifts(catalogue->id).size(), std::size_t(1));
    // The same pair again is refused inside the dialog, which stays open.
    NewShiftDialog again(window.workspace(), QStringLiteral("My shifts"));
    again.setResult(QDialog::Rejected);
    again.accept();
    QCOMPARE(again.result(), int(QDialog::Rejected));
    bool shown = false;
    for (QLabel *label : again.findChildren<QLabel *>())
        shown = shown || label->text().contains(QStringLiteral("lists it already"));
    QVERIFY(shown);
    window.navigator()->reload();
    window.navigator()->setCurrentCatalogue(QStringLiteral("My shifts"));
    QVERIFY(window.navigator()->selectShift("hh_helpful", "hh_other"));
}

QTEST_MAIN(TestGui)
#include "tst_gui.moc"
