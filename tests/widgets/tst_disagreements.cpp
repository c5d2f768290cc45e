#include "widgets/disagreements/disagreementmodel.h"
#include "widgets/disagreements/disagreementsview.h"
#include "genies/dataimporter.h"
#include "widgets/shell/mainwindow.h"
#include "results/resultsimporter.h"
#include "widgets/results/resultscontext.h"
#include "widgets/results/heatmapview.h"
#include "widgets/results/matrixpanel.h"
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
#include <QLabel>
#include <QListWidget>
#include <QSortFilterProxyModel>
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
ShiftPair findShift(Workspace &ws, const std::string &source, const std::string &target)
{
    for (const auto &shift : ws.shifts(ws.builtinCatalogueId()))
        if (shift.source == source && shift.target == target)
            return shift;
    return {};
}
} // namespace

class TestDisagreements : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void modelAndFilters();
    void viewShowsPairWithDiffAndSessionRoundTrip();
    void fromTheHeatmapToTheDisagreeingPairs();
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
    // An evaluation's column is headed on two lines, the intervention over its training distribution, so that it
    // stays about as narrow as its probabilities; the tooltip has the whole label.
    const QString header = model.headerData(DisagreementModel::kFixedColumns, Qt::Horizontal).toString();
    QCOMPARE(header.count(QLatin1Char('\n')), 1);
    QVERIFY(!model.headerData(DisagreementModel::kFixedColumns, Qt::Horizontal, Qt::ToolTipRole).toString().isEmpty());
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


void TestDisagreements::fromTheHeatmapToTheDisagreeingPairs()
{
    QTemporaryDir dir;
    // Three evaluations of a GENIES shift, of 8 pairs each; lora and mms disagree on pairs 1, 2 and 6.
    const fs::path root = tempPath(dir, "results/evaluations");
    const std::string lora = "[0.9, 0.8, 0.7, 0.2, 0.1, 0.6, 0.4, 0.9]";
    const std::string mms = "[0.8, 0.3, 0.2, 0.3, 0.2, 0.7, 0.6, 0.9]";
    writeText(root / "lora_fine_tuning/llama-7b-alpaca_easy/alpaca_hard.json",
              R"({"eval_probabilities": )" + lora + "}");
    writeText(root / "mms/llama-7b-alpaca_easy/alpaca_hard.json", R"({"eval_probabilities": )" + mms + "}");
    writeText(root / "zero_shot/llama-7b-alpaca_easy/alpaca_hard.json",
              R"({"eval_probabilities": [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]})");
    for (const char *method : {"lora_fine_tuning", "mms"}) {
        writeText(root / method / "llama-7b-alpaca_easy/alpaca_easy.json", R"({"eval_probabilities": [0.9, 0.8]})");
        writeText(root / method / "llama-7b-alpaca_hard/alpaca_hard.json", R"({"eval_probabilities": [0.9, 0.8]})");
    }
    MainWindow window;
    window.resize(1600, 1000);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QVERIFY(window.openWorkspace(QString::fromStdString(tempPath(dir, "w.sqlite").string()), true));
    QSignalSpy done(&window, &MainWindow::taskFinished);
    window.importResults(QString::fromStdString(root.parent_path().string()));
    QVERIFY(done.wait(30000));
    auto *heatmap = window.findChild<HeatmapView *>(QStringLiteral("heatmap"));
    QVERIFY(heatmap);
    // A double-click on the heatmap cell of an intervention and a shift.
    auto doubleClick = [&](const QString &intervention) {
        window.tabs()->setCurrentWidget(heatmap); // click 1 (and 3)
        heatmap->ensureFresh();
        QTableView *table = heatmap->panel()->table();
        QSortFilterProxyModel *proxy = heatmap->panel()->proxy();
        int row = -1, column = -1;
        for (int r = 0; r < proxy->rowCount(); ++r)
            if (proxy->index(r, 0).data().toString() == intervention)
                row = r;
        for (int c = 0; c < proxy->columnCount(); ++c)
            if (proxy->headerData(c, Qt::Horizontal).toString() == QStringLiteral("alpaca_easy\n→ alpaca_hard"))
                column = c;
        QVERIFY(row >= 0 && column >= 0);
        const QModelIndex cell = proxy->index(row, column);
        table->scrollTo(cell);
        // A double-click as a mouse makes it: press, release, then the second press as a double-click.
        const QPoint centre = table->visualRect(cell).center();
        QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, centre);
        QTest::mouseDClick(table->viewport(), Qt::LeftButton, {}, centre); // click 2 (and 4)
    };
    DisagreementsView *view = window.disagreementsView();
    doubleClick(QStringLiteral("lora_fine_tuning"));
    QCOMPARE(window.tabs()->currentWidget(), view);
    QCOMPARE(view->distributionBox()->currentText(), QStringLiteral("alpaca_hard"));
    QCOMPARE(view->chosenEvaluations().size(), 1); // that evaluation alone, not every one of the distribution
    doubleClick(QStringLiteral("mms"));
    QCOMPARE(window.tabs()->currentWidget(), view);
    QCOMPARE(view->chosenEvaluations().size(), 2);
    // The pairs where they disagree, in four clicks: lora first, as picked.
    QCOMPARE(view->filter()->mode(), DisagreementFilter::FirstTwoDisagree);
    QCOMPARE(view->table()->model()->rowCount(), 3);
    QVERIFY(view->comparison()->text().startsWith(QStringLiteral("<b>lora_fine_tuning · llama-7b")));
    // The picks stay picked on another distribution: the same interventions' evaluations.
    view->setDistribution(QStringLiteral("alpaca_easy"));
    QCOMPARE(view->chosenEvaluations().size(), 2);
    view->setDistribution(QStringLiteral("alpaca_hard"));
    QCOMPARE(view->chosenEvaluations().size(), 2);
    // The same intervention picked again: its pairs alone, all of them.
    window.disagreementsView()->pick(QStringLiteral("mms"),
                                     findShift(*window.workspace(), "alpaca_easy", "alpaca_hard"));
    QCOMPARE(view->chosenEvaluations().size(), 1);
    QCOMPARE(view->filter()->mode(), DisagreementFilter::AllPairs);
    QCOMPARE(view->table()->model()->rowCount(), 8);
    // Names are read whole: the list wraps them.
    QVERIFY(view->findChild<QListWidget *>()->wordWrap());
}

QTEST_MAIN(TestDisagreements)
#include "tst_disagreements.moc"
