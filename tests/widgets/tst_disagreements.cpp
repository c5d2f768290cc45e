#include "widgets/disagreements/disagreementmodel.h"
#include "widgets/disagreements/disagreementsview.h"
#include "genies/dataimporter.h"
#include "widgets/shell/mainwindow.h"
#include "results/resultsimporter.h"
#include "widgets/results/resultscontext.h"
#include "widgets/results/resultstoolbar.h"
#include "widgets/shell/sessionstate.h"
#include "testsupport.h"
#include "workspace/workspace.h"

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTextBrowser>

using namespace shiftscope;
using namespace shiftscope::test;
namespace fs = std::filesystem;

namespace {
//! A distribution "d" of 3 examples x 3 responses (6 pairs) and two evaluations of it with known probabilities.
fs::path makeTree(const QTemporaryDir &dir)
{
    const fs::path root = tempPath(dir, "genies");
    writeText(root / "distributions/d/train.json", validSplit(2));
    writeText(root / "distributions/d/test.json",
              R"([{"prompt": "Add 2 and 2.", "responses": {"The sum is 4.": 1, "The sum is 5.": 0, "Five.": 0}},
                  {"prompt": "Capital of France?", "responses": {"Lyon.": 0, "Paris.": 1, "Nice.": 0}},
                  {"prompt": "Colour of the sky?", "responses": {"Blue.": 1, "Green.": 0, "Red.": 0}}])");
    // pairs: (0,best0 vs 1) (0, vs 2) (1, best1 vs 0) (1, vs 2) (2, vs 1) (2, vs 2)
    writeText(root / "results/evaluations/mms/llama-7b-d/d.json",
              R"({"eval_accuracy": 0.5, "eval_probabilities": [0.9, 0.8, 0.1, 0.6, 0.05, 0.3]})");
    writeText(root / "results/evaluations/lora_fine_tuning/llama-7b-d/d.json",
              R"({"eval_accuracy": 0.5, "eval_probabilities": [0.2, 0.7, 0.15, 0.4, 0.1, 0.9]})");
    return root;
}
} // namespace

class TestDisagreements : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void modelAndFilters();
    void viewShowsPairWithDiffAndSessionRoundTrip();
};

void TestDisagreements::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("ShiftScopeTests"));
}

void TestDisagreements::modelAndFilters()
{
    QTemporaryDir dir;
    const auto root = makeTree(dir);
    Workspace ws = Workspace::create(tempPath(dir, "w.sqlite"));
    DataImporter::importData(ws, root);
    ResultsImporter::importResults(ws, root);
    ResultStore store(ws);
    const auto mms = store.find("llama-7b", "mms", "d", "d");
    const auto lora = store.find("llama-7b", "lora_fine_tuning", "d", "d");
    const auto table = disagreements(ws, {mms->id, lora->id});
    QCOMPARE(table.rows.size(), std::size_t(6));
    QCOMPARE(table.rows[2].examplePosition, 1);
    QCOMPARE(table.rows[2].preferredIndex, 1);
    QCOMPARE(table.rows[2].dispreferredIndex, 0);
    QVERIFY(table.rows[2].possibleLabelError); // 0.1 and 0.15
    QVERIFY(table.rows[4].possibleLabelError); // 0.05 and 0.1
    QVERIFY(!table.rows[0].possibleLabelError);
    const auto counts = agreementMatrix(table, 0, 1);
    QCOMPARE(counts[1][1], 1); // pair 1
    QCOMPARE(counts[1][0], 2); // pairs 0 and 3
    QCOMPARE(counts[0][1], 1); // pair 5
    QCOMPARE(counts[0][0], 2); // pairs 2 and 4

    DisagreementModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setTable(table);
    DisagreementFilter filter;
    QAbstractItemModelTester proxyTester(&filter, QAbstractItemModelTester::FailureReportingMode::QtTest);
    filter.setSourceModel(&model);
    QCOMPARE(filter.rowCount(), 6);
    filter.setMode(DisagreementFilter::FirstRightSecondWrong);
    QCOMPARE(filter.rowCount(), 2);
    filter.setMode(DisagreementFilter::AllWrong);
    QCOMPARE(filter.rowCount(), 2);
    filter.setMode(DisagreementFilter::PossibleLabelErrors);
    QCOMPARE(filter.rowCount(), 2);
    filter.setAgreementCell(0, false, 1, true);
    QCOMPARE(filter.rowCount(), 1);
    QCOMPARE(filter.index(0, 0).data(DisagreementModel::PairIndexRole).toInt(), 5);
    filter.setMode(DisagreementFilter::AllPairs);
    filter.setConfidenceRange(0.5, 1.0);
    QCOMPARE(filter.rowCount(), 3);
    filter.setConfidenceRange(0.0, 1.0);
    filter.sort(model.spreadColumn(), Qt::DescendingOrder);
    QCOMPARE(filter.index(0, 0).data(DisagreementModel::PairIndexRole).toInt(), 0); // 0.9 vs 0.2
}

void TestDisagreements::viewShowsPairWithDiffAndSessionRoundTrip()
{
    QTemporaryDir dir;
    const auto root = makeTree(dir);
    const QString wsPath = QString::fromStdString(tempPath(dir, "w.sqlite").string());
    const QString session = QString::fromStdString(tempPath(dir, "s.shiftscope-session").string());
    {
        MainWindow window;
        QVERIFY(window.openWorkspace(wsPath, true));
        QSignalSpy done(&window, &MainWindow::taskFinished);
        window.importData(QString::fromStdString(root.string()));
        QVERIFY(done.wait(30000));
        window.importResults(QString::fromStdString(root.string()));
        QVERIFY(done.wait(30000));
        QCOMPARE(done.at(1).at(0).toBool(), true);
        QCOMPARE(window.resultsContext()->model(), QStringLiteral("llama-7b"));
        DisagreementsView *view = window.disagreementsView();
        QCOMPARE(view->distributionBox()->currentText(), QStringLiteral("d"));
        QCOMPARE(view->chosenEvaluations().size(), 2);
        QCOMPARE(view->table()->model()->rowCount(), 6);
        // Evaluations are listed by intervention: lora_fine_tuning first, mms second.
        QCOMPARE(view->agreement()->item(1, 0)->text(), QStringLiteral("1"));
        QCOMPARE(view->agreement()->item(0, 1)->text(), QStringLiteral("2"));
        view->agreement()->cellClicked(0, 1);
        QCOMPARE(view->table()->model()->rowCount(), 2);
        view->modeBox()->setCurrentIndex(4); // possible label errors
        QCOMPARE(view->table()->model()->rowCount(), 2);
        view->table()->selectRow(0);
        const QString pane = view->pairView()->toPlainText();
        QVERIFY2(pane.contains(QStringLiteral("Capital of France?")), qPrintable(pane));
        QVERIFY(pane.contains(QStringLiteral("Possible label error")));
        QVERIFY(pane.contains(QStringLiteral("Word diff")));
        QCOMPARE(window.resultsContext()->pairIndex(), 2);
        window.tabs()->setCurrentWidget(view);
        QVERIFY(window.saveSession(session));
    }
    MainWindow restored;
    QVERIFY(restored.loadSession(session));
    QVERIFY(restored.workspace());
    QCOMPARE(restored.tabs()->tabText(restored.tabs()->currentIndex()), QStringLiteral("Disagreements"));
    QCOMPARE(restored.disagreementsView()->modeBox()->currentIndex(), 4);
    QCOMPARE(restored.disagreementsView()->chosenEvaluations().size(), 2);
    QCOMPARE(restored.disagreementsView()->table()->model()->rowCount(), 2);
    QCOMPARE(restored.resultsContext()->pairIndex(), 2);

    // The tab is saved by its view's stable name, the view's settings under its own key.
    QFile file(session);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QJsonObject json = QJsonDocument::fromJson(file.readAll()).object();
    file.close();
    QCOMPARE(json.value(QStringLiteral("tab")).toString(), QStringLiteral("disagreements"));
    const QJsonObject own = json.value(QStringLiteral("disagreements")).toObject();
    QCOMPARE(own.value(QStringLiteral("mode")).toInt(), 4);
    QCOMPARE(own.value(QStringLiteral("evaluations")).toArray().size(), 2);
    QCOMPARE(own.value(QStringLiteral("pair")).toInt(), 2);
    // Sessions written before held the tab's title; they still open on that tab.
    json.insert(QStringLiteral("tab"), QStringLiteral("Heatmap"));
    writeText(tempPath(dir, "old.shiftscope-session"), QJsonDocument(json).toJson().toStdString());
    QVERIFY(restored.loadSession(QString::fromStdString(tempPath(dir, "old.shiftscope-session").string())));
    QCOMPARE(restored.tabs()->currentWidget()->objectName(), QStringLiteral("heatmap"));

    // A session file that is not one is refused with the reason.
    writeText(tempPath(dir, "bad.shiftscope-session"), "{\"hello\": 1}");
    SessionState state;
    QString error;
    QVERIFY(
        !SessionState::load(QString::fromStdString(tempPath(dir, "bad.shiftscope-session").string()), state, &error));
    QVERIFY(error.contains(QStringLiteral("not a ShiftScope session")));
}

QTEST_MAIN(TestDisagreements)
#include "tst_disagreements.moc"
