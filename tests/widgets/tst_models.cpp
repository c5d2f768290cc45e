#include "widgets/data/exampletablemodel.h"
#include "genies/dataimporter.h"
#include "genies/shiftcatalogue.h"
#include "widgets/data/shiftnavigator.h"
#include "widgets/data/shifttreemodel.h"
#include "testsupport.h"
#include "workspace/workspace.h"

#include <QAbstractItemModelTester>
#include <QLineEdit>
#include <QTreeView>

using namespace shiftscope;
using namespace shiftscope::test;

class TestModels : public QObject {
    Q_OBJECT
private slots:
    void init();
    void exampleModelPages();
    void exampleModelSearch();
    void exampleModelJumpsToPosition();
    void shiftTreeModel();
    void navigatorFilters();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Workspace> m_ws;
};

void TestModels::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    writeText(tempPath(*m_dir, "d/alpaca_easy/train.json"), validSplit(10));
    writeText(tempPath(*m_dir, "d/alpaca_easy/test.json"), validSplit(1000, 3));
    writeText(tempPath(*m_dir, "d/alpaca_hard/train.json"), validSplit(10));
    writeText(tempPath(*m_dir, "d/alpaca_hard/test.json"), validSplit(5));
    m_ws = std::make_unique<Workspace>(Workspace::create(tempPath(*m_dir, "w.sqlite")));
    DataImporter::importData(*m_ws, tempPath(*m_dir, "d"));
}

void TestModels::exampleModelPages()
{
    ExampleTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setQuery(m_ws.get(), {m_ws->distribution("alpaca_easy")->id, Split::Test, {}});
    QCOMPARE(model.totalCount(), 1000);
    QCOMPARE(model.rowCount(), ExampleTableModel::kPageSize);
    QVERIFY(model.canFetchMore({}));
    while (model.canFetchMore({}))
        model.fetchMore({});
    QCOMPARE(model.rowCount(), 1000);
    QCOMPARE(model.index(999, ExampleTableModel::PositionColumn).data().toInt(), 999);
    QCOMPARE(model.index(3, ExampleTableModel::PromptColumn).data().toString(), QStringLiteral("Qx3"));
    QCOMPARE(model.index(3, ExampleTableModel::PreferredColumn).data().toString(), QStringLiteral("answer 0"));
    QCOMPARE(model.index(3, ExampleTableModel::ResponsesColumn).data().toInt(), 3);
    QVERIFY(model.index(3, 0).data(ExampleTableModel::ExampleIdRole).toLongLong() > 0);
    model.setQuery(nullptr, {});
    QCOMPARE(model.rowCount(), 0);
}

void TestModels::exampleModelSearch()
{
    ExampleTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setQuery(m_ws.get(), {m_ws->distribution("alpaca_easy")->id, Split::Test, "Qx99"});
    QCOMPARE(model.totalCount(), 11); // Qx99 and Qx990..Qx999
    QCOMPARE(model.rowCount(), 11);
    QVERIFY(!model.canFetchMore({}));
    model.setQuery(m_ws.get(), {m_ws->distribution("alpaca_easy")->id, Split::Train, {}});
    QCOMPARE(model.rowCount(), 10);
}

void TestModels::exampleModelJumpsToPosition()
{
    ExampleTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setQuery(m_ws.get(), {m_ws->distribution("alpaca_easy")->id, Split::Test, {}});
    QCOMPARE(model.rowOfPosition(700), 700);
    QVERIFY(model.rowCount() > 700);
    QCOMPARE(model.rowOfPosition(5000), -1);
}

void TestModels::shiftTreeModel()
{
    ShiftTreeModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setShifts(ShiftCatalogueReader::builtin().uniqueRows(), {"alpaca_easy", "alpaca_hard"});
    QCOMPARE(model.rowCount(), 8);
    int total = 0;
    for (int c = 0; c < model.rowCount(); ++c)
        total += model.rowCount(model.index(c, 0));
    QCOMPARE(total, 56);
    const QModelIndex easy = model.indexOf("alpaca_easy", "alpaca_hard");
    QVERIFY(easy.isValid());
    QVERIFY(easy.data(ShiftTreeModel::GeniesRole).toBool());
    QVERIFY(easy.data(ShiftTreeModel::CompleteRole).toBool());
    QVERIFY(easy.data().toString().startsWith(QStringLiteral("★")));
    QCOMPARE(easy.parent().data().toString(), QStringLiteral("Difficulty (6)"));
    const QModelIndex arc = model.indexOf("arc_easy", "arc_hard");
    QVERIFY(!arc.data(ShiftTreeModel::CompleteRole).toBool());
    QVERIFY(arc.data(Qt::ToolTipRole).toString().contains(QStringLiteral("arc_easy, arc_hard")));
    QCOMPARE(model.shiftAt(arc)->source, std::string("arc_easy"));
    QVERIFY(!model.shiftAt(easy.parent()));
}

void TestModels::navigatorFilters()
{
    ShiftNavigator navigator;
    navigator.setWorkspace(m_ws.get());
    QAbstractItemModel *view = navigator.treeView()->model();
    QAbstractItemModelTester tester(view, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(view->rowCount(), 8);
    navigator.filterEdit()->setText(QStringLiteral("sycophancy"));
    QCOMPARE(view->rowCount(), 1); // only Unwanted Personas keeps matches
    QCOMPARE(view->rowCount(view->index(0, 0)), 4);
    navigator.filterEdit()->clear();
    QSignalSpy spy(&navigator, &ShiftNavigator::shiftSelected);
    QVERIFY(navigator.selectShift("code_easy", "code_hard"));
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.at(0).at(0).value<ShiftPair>().target, std::string("code_hard"));
}

QTEST_MAIN(TestModels)
#include "tst_models.moc"
