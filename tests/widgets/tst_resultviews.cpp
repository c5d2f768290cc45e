#include "widgets/results/viewregistry.h"
#include "widgets/results/calibrationview.h"
#include "widgets/results/categoryview.h"
#include "widgets/results/chartoverlay.h"
#include "widgets/results/figureexport.h"
#include "widgets/results/heatmapview.h"
#include "widgets/results/matrixpanel.h"
#include "widgets/results/seedvaluesdialog.h"
#include "widgets/shell/presentationstyle.h"
#include "widgets/results/resultmatrixmodel.h"
#include "results/generalizationtable.h"
#include "results/resultsimporter.h"
#include "widgets/results/resultscontext.h"
#include "widgets/results/shiftresultsview.h"
#include "testsupport.h"
#include "widgets/results/transferview.h"
#include "workspace/workspace.h"

#include <QAbstractBarSeries>
#include <QAbstractItemModelTester>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QImage>
#include <QLabel>
#include <QLegend>
#include <QHeaderView>
#include <QTableWidget>
#include <QPushButton>
#include <QScrollBar>
#include <QSortFilterProxyModel>
#include <QStandardItemModel>
#include <QSvgRenderer>
#include <QTableView>

using namespace shiftscope;
using namespace shiftscope::test;
namespace fs = std::filesystem;

namespace {
const QStringList kInterventions{QStringLiteral("mms"), QStringLiteral("lora_fine_tuning"),
                                 QStringLiteral("zero_shot")};

//! A short-form evaluation file whose first `correct` of `count` probabilities favour the preferred response.
std::string evaluationJson(int count, int correct, bool hard = false)
{
    std::string p;
    for (int k = 0; k < count; ++k) {
        const double v = hard ? (k < correct ? 1.0 : 0.0)
                              : (k < correct ? 0.55 + 0.4 * k / count : 0.45 - 0.4 * k / count);
        p += (k ? ", " : "") + pythonFloatRepr(v);
    }
    return R"({"eval_accuracy": )" + pythonFloatRepr(double(correct) / count) + R"(, "eval_probabilities": [)" + p
         + "]}";
}

//! The GENIES fixture results when ../shared is present, else a tiny tree with the same shift's evaluations.
fs::path resultsFolder(const QTemporaryDir &dir)
{
    if (haveShared())
        return geniesFixtures();
    const fs::path root = tempPath(dir, "genies/results/evaluations");
    writeText(root / "mms/llama-7b-alpaca_easy/alpaca_easy.json", evaluationJson(60, 54));
    writeText(root / "mms/llama-7b-alpaca_easy/alpaca_hard.json", evaluationJson(60, 45));
    writeText(root / "mms/llama-7b-alpaca_hard/alpaca_hard.json", evaluationJson(60, 57));
    writeText(root / "lora_fine_tuning/llama-7b-alpaca_easy/alpaca_easy.json", evaluationJson(60, 56));
    writeText(root / "lora_fine_tuning/llama-7b-alpaca_easy/alpaca_hard.json", evaluationJson(60, 50));
    writeText(root / "zero_shot/llama-7b-alpaca_easy/alpaca_hard.json", evaluationJson(60, 36, true));
    return root.parent_path();
}

ShiftPair findShift(Workspace &ws, const std::string &source, const std::string &target)
{
    for (const auto &shift : shiftsOf(ws, ShiftSet::All))
        if (shift.source == source && shift.target == target)
            return shift;
    return {};
}

ResultMatrix smallMatrix()
{
    ResultMatrix m;
    m.rowLabels = {"mms", "lora"};
    m.columnLabels = {"s → t1", "s → t2", "s → t3"};
    m.columnCategories = {"difficulty", "difficulty", "skill"};
    m.values = {{0.5, -0.3, std::nullopt}, {0.1, 0.2, 0.3}};
    return m;
}

QString display(const QAbstractItemModel &model, int row, int column)
{
    return model.index(row, column).data().toString();
}
} // namespace

class TestResultViews : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void matrixModel();
    void aMatrixOpensAtItsLeftEdge();
    void matrixModelTransposedAndSorted();
    void headerClicksSort();
    void csvQuotingAndOrder();
    void emptyStatesSayWhatToDo();
    void viewsSelectAndExport();
    void clicksSelectShifts();
    void presentationStyle();
    void coloursFollowTheIntervention();
    void perSeedValuesSortAsNumbers();

private:
    void openResults();

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Workspace> m_ws;
    std::unique_ptr<ResultsContext> m_context;
    ShiftPair m_shift;
};

void TestResultViews::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("ShiftScopeTests"));
}

void TestResultViews::openResults()
{
    m_dir = std::make_unique<QTemporaryDir>();
    m_ws = std::make_unique<Workspace>(Workspace::create(tempPath(*m_dir, "w.sqlite")));
    ResultsImporter::importResults(*m_ws, resultsFolder(*m_dir));
    m_context = std::make_unique<ResultsContext>();
    m_context->setWorkspace(m_ws.get());
    m_context->setModel(QStringLiteral("llama-7b"));
    m_context->setInterventions(kInterventions);
    m_shift = findShift(*m_ws, "alpaca_easy", "alpaca_hard");
    QVERIFY(m_shift.isGenies());
}

void TestResultViews::matrixModel()
{
    ResultMatrixModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setMatrix(smallMatrix(), ColourScale::Diverging, QStringLiteral("Intervention"), QStringLiteral("Shift"));
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.columnCount(), 1 + 3 + 2); // labels, shifts, one mean per category
    QCOMPARE(display(model, 0, 0), QStringLiteral("mms"));
    QCOMPARE(display(model, 0, 1), QStringLiteral("0.50"));
    QCOMPARE(display(model, 0, 2), QStringLiteral("-0.30"));
    QCOMPARE(display(model, 0, 3), QString());
    QCOMPARE(display(model, 0, 4), QStringLiteral("0.10")); // mean of the Difficulty shifts
    QCOMPARE(display(model, 1, 4), QStringLiteral("0.15"));
    QCOMPARE(display(model, 0, 5), QString()); // no Skill value for mms
    QCOMPARE(display(model, 1, 5), QStringLiteral("0.30"));
    QCOMPARE(model.headerData(2, Qt::Horizontal).toString(), QStringLiteral("s\n→ t2"));
    QCOMPARE(model.headerData(4, Qt::Horizontal).toString(), QStringLiteral("Mean\nDifficulty"));
    const QString tip = model.index(0, 2).data(Qt::ToolTipRole).toString();
    QVERIFY2(tip.contains(QStringLiteral("s → t2")) && tip.contains(QStringLiteral("-0.3"))
                 && tip.contains(QStringLiteral("Difficulty")),
             qPrintable(tip));
    QCOMPARE(model.index(0, 3).data(Qt::ToolTipRole).toString().contains(QStringLiteral("no result")), true);
    // A category's mean is over all its shifts: lora has both Difficulty shifts, a row with one of them has none.
    ResultMatrix partial = smallMatrix();
    partial.values[1][1] = std::nullopt;
    model.setMatrix(partial, ColourScale::Diverging, QStringLiteral("Intervention"), QStringLiteral("Shift"));
    QCOMPARE(display(model, 1, 4), QString());
    QVERIFY2(model.index(1, 4).data(Qt::ToolTipRole).toString().contains(QStringLiteral("1 of the 2 shifts")),
             qPrintable(model.index(1, 4).data(Qt::ToolTipRole).toString()));
    QCOMPARE(model.index(1, 4).data(Qt::BackgroundRole).value<QBrush>().style(), Qt::BDiagPattern);
    QCOMPARE(display(model, 0, 4), QStringLiteral("0.10"));
    model.setMatrix(smallMatrix(), ColourScale::Diverging, QStringLiteral("Intervention"), QStringLiteral("Shift"));

    // Diverging: red above 0, blue below, white at 0, symmetric around 0.
    QCOMPARE(model.colourLow(), -0.5);
    QCOMPARE(model.colourHigh(), 0.5);
    const QColor positive = model.index(0, 1).data(Qt::BackgroundRole).value<QBrush>().color();
    const QColor negative = model.index(0, 2).data(Qt::BackgroundRole).value<QBrush>().color();
    QCOMPARE(positive, QColor(0xb2182b));
    QVERIFY(negative.blue() > negative.red());
    QCOMPARE(ResultMatrixModel::colourFor(0, ColourScale::Diverging, -1, 1), QColor(0xf7f7f7));
    QCOMPARE(model.index(0, 3).data(Qt::BackgroundRole).value<QBrush>().style(), Qt::BDiagPattern);
    QCOMPARE(model.index(0, 1).data(Qt::ForegroundRole).value<QBrush>().color(), QColor(Qt::white));
    QCOMPARE(ResultMatrixModel::colourFor(0.9, ColourScale::Sequential, 0.5, 0.9), QColor(0x08519c));

    QCOMPARE(model.matrixColumnAt(model.index(1, 2)), 1);
    QCOMPARE(model.matrixRowAt(model.index(1, 2)), 1);
    QCOMPARE(model.matrixColumnAt(model.index(1, 0)), -1);
    QCOMPARE(model.matrixColumnAt(model.index(1, 4)), -1);
    model.setHighlightedColumn(1);
    QVERIFY(model.index(1, 2).data(Qt::FontRole).value<QFont>().bold());
    QVERIFY(!model.index(1, 1).data(Qt::FontRole).value<QFont>().bold());

    model.setMatrix(smallMatrix(), ColourScale::Sequential, QStringLiteral("Intervention"), QStringLiteral("Shift"),
                    false);
    QCOMPARE(model.columnCount(), 1 + 3);
    model.setMatrix({}, ColourScale::Sequential, QStringLiteral("Intervention"), QStringLiteral("Shift"));
    QCOMPARE(model.rowCount(), 0);
}

void TestResultViews::aMatrixOpensAtItsLeftEdge()
{
    ResultMatrix wide;
    wide.rowLabels = {"zero_shot", "lora"};
    for (int c = 0; c < 40; ++c) {
        wide.columnLabels.push_back("source " + std::to_string(c) + " → target " + std::to_string(c));
        wide.columnCategories.push_back(c < 20 ? "difficulty" : "skill");
    }
    wide.values.assign(2, std::vector<std::optional<double>>(40, 0.25));
    MatrixPanel panel;
    panel.setMatrix(wide, ColourScale::Diverging, QStringLiteral("Intervention"), QStringLiteral("Shift"), true);
    panel.highlightColumn(30);
    QTableView *table = panel.table();
    auto columnShown = [table](int column) {
        const int x = table->columnViewportPosition(column);
        return x >= 0 && x + table->columnWidth(column) <= table->viewport()->width();
    };
    // Too narrow for the table: it scrolls just far enough to show the selected shift.
    panel.resize(700, 500);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    QTRY_VERIFY(columnShown(31));
    QVERIFY(table->horizontalScrollBar()->value() > 0);
    // Wide enough: from the left edge, the interventions' names in view, whatever scroll came before.
    panel.resize(panel.sizeHint().width() + 50, 500);
    QTRY_COMPARE(table->horizontalScrollBar()->value(), 0);
    QVERIFY(columnShown(0) && columnShown(31));
    // Larger type (presentation mode) fits the rows and columns again and keeps the selected shift in view.
    const int rowHeight = table->rowHeight(0);
    applyPresentationStyle(&panel, true);
    QTRY_VERIFY(table->rowHeight(0) > rowHeight);
    panel.resize(900, 600);
    QTRY_VERIFY(columnShown(31));
}

void TestResultViews::matrixModelTransposedAndSorted()
{
    ResultMatrixModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setMatrix(smallMatrix(), ColourScale::Diverging, QStringLiteral("Intervention"), QStringLiteral("Shift"));
    QSortFilterProxyModel proxy;
    QAbstractItemModelTester proxyTester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    proxy.setSourceModel(&model);
    proxy.setSortRole(ResultMatrixModel::SortRole);

    model.setTransposed(true);
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.columnCount(), 1 + 1 + 2); // shift, category, one column per intervention; no means
    QCOMPARE(display(model, 1, 0), QStringLiteral("s → t2"));
    QCOMPARE(display(model, 1, 1), QStringLiteral("Difficulty"));
    QCOMPARE(display(model, 1, 2), QStringLiteral("-0.30"));
    QCOMPARE(model.headerData(0, Qt::Horizontal).toString(), QStringLiteral("Shift"));
    QCOMPARE(model.headerData(2, Qt::Horizontal).toString(), QStringLiteral("mms"));
    QCOMPARE(model.matrixColumnAt(model.index(1, 3)), 1);
    QCOMPARE(model.matrixRowAt(model.index(1, 3)), 1);
    QCOMPARE(model.indexOfMatrixColumn(2), model.index(2, 0));

    // Sorting ranks shifts by an intervention's values, numerically; a missing value ranks last.
    proxy.sort(2, Qt::DescendingOrder);
    QCOMPARE(display(proxy, 0, 0), QStringLiteral("s → t1"));
    QCOMPARE(display(proxy, 1, 0), QStringLiteral("s → t2"));
    QCOMPARE(display(proxy, 2, 0), QStringLiteral("s → t3"));
    proxy.sort(3, Qt::DescendingOrder);
    QCOMPARE(display(proxy, 0, 0), QStringLiteral("s → t3"));
    QCOMPARE(model.headerData(3, Qt::Horizontal, Qt::InitialSortOrderRole).toInt(), int(Qt::DescendingOrder));

    model.setTransposed(false);
    QCOMPARE(model.rowCount(), 2);
    proxy.sort(2, Qt::AscendingOrder);
    QCOMPARE(display(proxy, 0, 0), QStringLiteral("mms")); // -0.30 before 0.20
}

void TestResultViews::headerClicksSort()
{
    // In a panel, clicking any header sorts by it: the rotated shift titles and the category means included.
    MatrixPanel panel;
    panel.setMatrix(smallMatrix(), ColourScale::Diverging, QStringLiteral("Intervention"), QStringLiteral("Shift"),
                    true);
    panel.resize(900, 500);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    QHeaderView *header = panel.table()->horizontalHeader();
    auto click = [&](int section) {
        const QPoint centre(header->sectionViewportPosition(section) + header->sectionSize(section) / 2,
                            header->height() / 2);
        QTest::mouseClick(header->viewport(), Qt::LeftButton, {}, centre);
    };
    auto firstRow = [&] { return display(*panel.proxy(), 0, 0); };
    click(2); // the second shift, rotated: t2 has -0.30 for mms and 0.20 for the other
    QCOMPARE(header->sortIndicatorSection(), 2);
    const QString first = firstRow();
    click(2);
    QVERIFY(firstRow() != first);                       // the other order
    const int means = panel.model()->columnCount() - 1; // a category mean
    click(means);
    QCOMPARE(header->sortIndicatorSection(), means);
    const auto sortValue = [&](int row) {
        return panel.proxy()->index(row, means).data(ResultMatrixModel::SortRole).toDouble();
    };
    QVERIFY(header->sortIndicatorOrder() == Qt::AscendingOrder ? sortValue(0) <= sortValue(1)
                                                               : sortValue(0) >= sortValue(1));
    QVERIFY(sortValue(0) != sortValue(1)); // the two rows' means differ, so the order says something
    click(0);                              // the labels sort too
    QCOMPARE(header->sortIndicatorSection(), 0);
}

void TestResultViews::csvQuotingAndOrder()
{
    QStandardItemModel model(0, 3);
    model.setHorizontalHeaderLabels({QStringLiteral("name"), QStringLiteral("two\nlines"), QStringLiteral("value")});
    model.appendRow({new QStandardItem(QStringLiteral("b, with comma")),
                     new QStandardItem(QStringLiteral("say \"hi\"")), new QStandardItem(QStringLiteral("2"))});
    model.appendRow({new QStandardItem(QStringLiteral("a")), new QStandardItem(QStringLiteral("line\nbreak")),
                     new QStandardItem(QStringLiteral("1"))});
    QSortFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    proxy.sort(2, Qt::AscendingOrder);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("t.csv"));
    QString error;
    QVERIFY2(exportTableCsv(&proxy, path, &error), qPrintable(error));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(QString::fromUtf8(file.readAll()),
             QStringLiteral("name,two lines,value\na,\"line\nbreak\",1\n\"b, with comma\",\"say \"\"hi\"\"\",2\n"));
    QVERIFY(!exportTableCsv(&proxy, dir.filePath(QStringLiteral("missing/folder/t.csv")), &error));
    QVERIFY(error.contains(QStringLiteral("Cannot write")));
    QVERIFY(!exportWidgetFigure(nullptr, dir.filePath(QStringLiteral("x.png")), kDefaultFigureSize, &error));
    QLabel label(QStringLiteral("figure"));
    QVERIFY(!exportWidgetFigure(&label, dir.filePath(QStringLiteral("x.figure")), kDefaultFigureSize, &error));
    QVERIFY(error.contains(QStringLiteral(".png or .svg")));
}

void TestResultViews::emptyStatesSayWhatToDo()
{
    ResultsContext context;
    HeatmapView heatmap(&context);
    QVERIFY(heatmap.emptyMessage().contains(QStringLiteral("Open a workspace")));
    QTemporaryDir dir;
    Workspace ws = Workspace::create(tempPath(dir, "w.sqlite"));
    context.setWorkspace(&ws);
    QVERIFY(
        heatmap.emptyMessage().contains(QStringLiteral("Import GENIES results with File → Import GENIES results…")));
    QString error;
    QVERIFY(!heatmap.exportFigure(dir.filePath(QStringLiteral("x.png")), kDefaultFigureSize, &error));
    QVERIFY(error.contains(QStringLiteral("Import GENIES results")));
    // Nothing to export: the buttons wait for a figure.
    auto *exportFigure = heatmap.findChild<QPushButton *>(QStringLiteral("exportFigureButton"));
    auto *exportCsv = heatmap.findChild<QPushButton *>(QStringLiteral("exportCsvButton"));
    QVERIFY(exportFigure && exportCsv);
    QVERIFY(!exportFigure->isEnabled() && !exportCsv->isEnabled());

    ResultsImporter::importResults(ws, resultsFolder(dir));
    context.setModel(QStringLiteral("llama-7b"));
    QVERIFY(heatmap.emptyMessage().contains(QStringLiteral("Choose one or more interventions")));
    context.setInterventions({QStringLiteral("mms")});
    QVERIFY(heatmap.emptyMessage().isEmpty());
    QVERIFY(exportFigure->isEnabled() && exportCsv->isEnabled());
    CalibrationView calibration(&context);
    QVERIFY(calibration.emptyMessage().contains(QStringLiteral("Choose a shift")));
    context.setInterventions({QStringLiteral("no_such_intervention")});
    QVERIFY(heatmap.emptyMessage().contains(QStringLiteral("has no generalization results")));
}

void TestResultViews::viewsSelectAndExport()
{
    openResults();
    // Every view of the registry, created as the main window and export-figure create them.
    std::vector<std::unique_ptr<ResultsViewBase>> owned;
    std::vector<ResultsViewBase *> views;
    for (const auto &entry : resultsViews()) {
        owned.push_back(createResultsView(entry.name, m_context.get()));
        views.push_back(owned.back().get());
        QCOMPARE(views.back()->objectName(), entry.name);
    }
    QCOMPARE(views.size(), std::size_t(5));
    QVERIFY(!createResultsView(QStringLiteral("pie"), m_context.get()));
    auto &shiftResults = *qobject_cast<ShiftResultsView *>(views[0]);
    auto &heatmap = *qobject_cast<HeatmapView *>(views[1]);
    auto &calibration = *qobject_cast<CalibrationView *>(views[4]);
    QVERIFY(qobject_cast<CategoryView *>(views[2]) && qobject_cast<TransferView *>(views[3]));
    for (ResultsViewBase *view : views) {
        view->resize(1200, 800);
        view->show();
    }
    m_context->selectShift(m_shift);

    // The selected shift is outlined in the shift results and bold in the heatmap.
    const int category = shiftResults.highlightedCategory();
    QVERIFY(category >= 0);
    QCOMPARE(shiftResults.shownShifts()[std::size_t(category)].target, std::string("alpaca_hard"));
    QVERIFY(shiftResults.whiskers()->whiskerCount() > 0);
    QVERIFY(!shiftResults.accuracyView()->chart()->legend()->isVisible()); // one legend below both charts
    const int column = heatmap.panel()->model()->highlightedColumn();
    QVERIFY(column >= 0);
    // Every column shown holds a value: shifts without results are left out.
    const ResultMatrix &shownMatrix = heatmap.panel()->model()->matrix();
    for (std::size_t c = 0; c < shownMatrix.columnLabels.size(); ++c)
        QVERIFY(std::any_of(shownMatrix.values.begin(), shownMatrix.values.end(),
                            [c](const auto &row) { return row[c].has_value(); }));
    QCOMPARE(heatmap.panel()->model()->matrix().columnLabels[std::size_t(column)],
             std::string("alpaca_easy → alpaca_hard"));
    QVERIFY(calibration.summaryLabel()->text().contains(QStringLiteral("GENIES RMS calibration error")));

    QTemporaryDir out;
    for (ResultsViewBase *view : views) {
        const QString name = view->objectName();
        QVERIFY2(view->emptyMessage().isEmpty(), qPrintable(name + QStringLiteral(": ") + view->emptyMessage()));
        const QSize before = view->figureWidget()->size();
        QString error;
        const QString png = out.filePath(name + QStringLiteral(".png"));
        QVERIFY2(view->exportFigure(png, kDefaultFigureSize, &error), qPrintable(name + QStringLiteral(": ") + error));
        const QImage image(png);
        QVERIFY2(!image.isNull(), qPrintable(name));
        QCOMPARE(image.size(), QSize(1920, 1080));
        QCOMPARE(view->figureWidget()->size(), before); // the view is back to its on-screen size
        const QString svg = out.filePath(name + QStringLiteral(".svg"));
        QVERIFY2(view->exportFigure(svg, kDefaultFigureSize, &error), qPrintable(name + QStringLiteral(": ") + error));
        QFile file(svg);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray text = file.readAll();
        QVERIFY2(text.startsWith("<?xml") || text.contains("<svg"), qPrintable(name));
        const QSvgRenderer svgRenderer(text);
        QVERIFY2(svgRenderer.isValid(), qPrintable(name));
        QCOMPARE(svgRenderer.viewBox().size(), QSize(1920, 1080));
        QVERIFY(view->exportCsv(out.filePath(name + QStringLiteral(".csv")), &error));
    }

    // The heatmap's CSV is the table shown: its header and sort order, with every value at full precision (the
    // table rounds to 2 decimals, the CSV does not).
    const ResultMatrix expected = interventionShiftMatrix(*m_ws, "llama-7b", m_context->interventionList(),
                                                          ShiftSet::Genies, HeatmapMetric::DifferentialElicitation);
    heatmap.panel()->table()->sortByColumn(column + 1, Qt::DescendingOrder);
    const QString path = out.filePath(QStringLiteral("heatmap-sorted.csv"));
    QVERIFY(heatmap.exportCsv(path));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(file.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 1 + kInterventions.size());
    const QStringList header = lines[0].split(QLatin1Char(','));
    QCOMPARE(header[0], QStringLiteral("Intervention"));
    QCOMPARE(header[column + 1], QStringLiteral("alpaca_easy → alpaca_hard"));
    QCOMPARE(header.size(), heatmap.panel()->proxy()->columnCount());
    double previous = std::numeric_limits<double>::infinity();
    for (int r = 1; r < lines.size(); ++r) {
        const QStringList fields = lines[r].split(QLatin1Char(','));
        const auto row =
            std::size_t(std::find(expected.rowLabels.begin(), expected.rowLabels.end(), fields[0].toStdString())
                        - expected.rowLabels.begin());
        QVERIFY(row < expected.rowLabels.size());
        // The heatmap leaves out shifts without results: the expected column is found by its label.
        const auto expectedColumn =
            std::size_t(std::find(expected.columnLabels.begin(), expected.columnLabels.end(),
                                  heatmap.panel()->model()->matrix().columnLabels[std::size_t(column)])
                        - expected.columnLabels.begin());
        QVERIFY(expectedColumn < expected.columnLabels.size());
        const auto &value = expected.values[row][expectedColumn];
        if (value)
            QCOMPARE(fields[column + 1].toDouble(), *value); // exactly: the shortest round-trip form
        else
            QCOMPARE(fields[column + 1], QString());
        const double shown = value ? *value : -std::numeric_limits<double>::infinity();
        QVERIFY(shown <= previous); // descending, missing last
        previous = shown;
    }

    // A category's mean is over all its evaluated shifts, or none: rows with different gaps would not compare.
    const ResultMatrix perShift = interventionShiftMatrix(*m_ws, "llama-7b", m_context->interventionList(),
                                                          ShiftSet::All, HeatmapMetric::DifferentialElicitation);
    const ResultMatrix categories = categoryBreakdown(*m_ws, "llama-7b", m_context->interventionList(), ShiftSet::All);
    int complete = 0, partial = 0;
    for (std::size_t r = 0; r < categories.rowLabels.size(); ++r)
        for (std::size_t c = 0; c < categories.columnLabels.size(); ++c) {
            double sum = 0;
            int values = 0, shifts = 0;
            for (std::size_t k = 0; k < perShift.columnLabels.size(); ++k)
                if (perShift.columnCategories[k] == categories.columnCategories[c]
                    && std::any_of(perShift.values.begin(), perShift.values.end(),
                                   [k](const auto &row) { return row[k].has_value(); })) {
                    ++shifts;
                    if (const auto &v = perShift.values[r][k]) {
                        sum += *v;
                        ++values;
                    }
                }
            if (values == shifts && values > 0) {
                QVERIFY(categories.values[r][c] && std::fabs(*categories.values[r][c] - sum / values) < 1e-12);
                ++complete;
            } else {
                QVERIFY(!categories.values[r][c]);
                partial += values > 0;
            }
        }
    QVERIFY(complete > 0);
    qInfo("category means: %d complete, %d withheld for missing shifts", complete, partial);

    // Hard 0/1 probabilities (the zero-shot evaluations) get a clear warning.
    QVERIFY(calibration.setIntervention(QStringLiteral("zero_shot")));
    const QString summary = calibration.summaryLabel()->text();
    QVERIFY2(summary.contains(QStringLiteral("hard 0/1")), qPrintable(summary));
}

void TestResultViews::clicksSelectShifts()
{
    openResults();
    HeatmapView heatmap(m_context.get());
    ShiftResultsView shiftResults(m_context.get());
    heatmap.resize(1200, 700);
    shiftResults.resize(1200, 700);
    heatmap.show();
    shiftResults.show();
    QVERIFY(QTest::qWaitForWindowExposed(&shiftResults));

    // A heatmap cell selects its shift.
    QTableView *table = heatmap.panel()->table();
    const QModelIndex cell = heatmap.panel()->proxy()->mapFromSource(heatmap.panel()->model()->index(0, 1));
    QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, table->visualRect(cell).center());
    QVERIFY(m_context->shift());
    const std::string firstColumn = heatmap.panel()->model()->matrix().columnLabels[0];
    QCOMPARE(m_context->shift()->source + " → " + m_context->shift()->target, firstColumn);

    // A bar of the shift results selects its shift.
    QChartView *view = shiftResults.accuracyView();
    QChart *chart = view->chart();
    const auto &shown = shiftResults.shownShifts();
    const auto category =
        std::find_if(shown.begin(), shown.end(), [&](const ShiftPair &s) { return s.target == "alpaca_hard"; });
    QVERIFY(category != shown.end());
    const QPointF inChart =
        chart->mapToPosition(QPointF(0.3, double(category - shown.begin())), chart->series().first());
    const QPoint inView = view->mapFromScene(chart->mapToScene(inChart));
    QTest::mousePress(view->viewport(), Qt::LeftButton, {}, inView);
    QTest::mouseRelease(view->viewport(), Qt::LeftButton, {}, inView);
    QCOMPARE(m_context->shift()->target, std::string("alpaca_hard"));
    QCOMPARE(shiftResults.highlightedCategory(), int(category - shown.begin()));
}

void TestResultViews::presentationStyle()
{
    openResults();
    ShiftResultsView view(m_context.get());
    view.resize(1200, 800);
    view.show();
    QChart *chart = view.accuracyView()->chart();
    QCOMPARE(chart->theme(), QChart::ChartThemeLight);
    const double normalSize = view.font().pointSizeF();

    applyPresentationStyle(&view, true);
    QVERIFY(presentationStyleOn(view.accuracyView()));
    QCOMPARE(chart->theme(), QChart::ChartThemeHighContrast);
    QCOMPARE(view.font().pointSizeF(), 20.0);
    QVERIFY(chart->titleFont().pointSizeF() >= 20);
    // The view rebuilt its series after the theme change, so they keep their meaning's colours.
    auto *series = qobject_cast<QAbstractBarSeries *>(chart->series().first());
    const auto sets = series->barSets();
    const auto mms =
        std::find_if(sets.begin(), sets.end(), [](QBarSet *set) { return set->label() == QStringLiteral("mms"); });
    QVERIFY(mms != sets.end());
    QCOMPARE((*mms)->color(), m_context->colourOf(QStringLiteral("mms")));
    QTemporaryDir out;
    QVERIFY(view.exportFigure(out.filePath(QStringLiteral("talk.png"))));
    QCOMPARE(QImage(out.filePath(QStringLiteral("talk.png"))).size(), kDefaultFigureSize);

    applyPresentationStyle(&view, false);
    QVERIFY(!presentationStyleOn(view.accuracyView()));
    QCOMPARE(chart->theme(), QChart::ChartThemeLight);
    QCOMPARE(view.font().pointSizeF(), normalSize);
    QVERIFY(chart->titleFont().pointSizeF() < 20);
}

void TestResultViews::coloursFollowTheIntervention()
{
    openResults();
    ShiftResultsView view(m_context.get());
    view.resize(1200, 800);
    view.show();
    // The colour of each bar set in both charts, by its label.
    bool chartsAgree = true;
    auto coloursShown = [&] {
        view.ensureFresh();
        QHash<QString, QColor> colours;
        for (QChartView *chart : {view.accuracyView(), view.elicitationView()})
            for (QBarSet *set : qobject_cast<QAbstractBarSeries *>(chart->chart()->series().first())->barSets()) {
                if (colours.contains(set->label()) && colours[set->label()] != set->color())
                    chartsAgree = false;
                colours[set->label()] = set->color();
            }
        return colours;
    };
    const auto all = coloursShown();
    QVERIFY(chartsAgree);
    // The GENIES methods keep their own colours: lora blue, mms orange, zero_shot green.
    QCOMPARE(all.value(QStringLiteral("lora_fine_tuning")), seriesColour(0));
    QCOMPARE(all.value(QStringLiteral("mms")), seriesColour(1));
    QSet<QRgb> distinct;
    for (const QString &name : kInterventions)
        distinct.insert(all.value(name).rgb());
    QCOMPARE(distinct.size(), kInterventions.size()); // every intervention shown has a colour of its own
    // Choosing fewer, or in another order, changes no colour.
    m_context->setInterventions({QStringLiteral("mms")});
    QCOMPARE(coloursShown().value(QStringLiteral("mms")), all.value(QStringLiteral("mms")));
    QStringList reversed = kInterventions;
    std::reverse(reversed.begin(), reversed.end());
    m_context->setInterventions(reversed);
    const auto again = coloursShown();
    QVERIFY(chartsAgree);
    for (const QString &name : kInterventions)
        QCOMPARE(again.value(name), all.value(name));
    // The palette tells ten apart.
    QSet<QRgb> palette;
    for (int i = 0; i < kSeriesColours; ++i)
        palette.insert(seriesColour(i).rgb());
    QCOMPARE(palette.size(), 10);
}

void TestResultViews::perSeedValuesSortAsNumbers()
{
    // Three shifts of one seed group whose mean DEs are -0.2, -0.1 and -1.5: sorted as numbers, not as text.
    std::map<std::string, std::vector<ShiftResult>> results;
    std::vector<ShiftPair> shifts;
    for (const double de : {-0.2, -0.1, -1.5}) {
        ShiftPair shift;
        shift.source = "s";
        shift.target = "t" + std::to_string(shifts.size());
        shifts.push_back(shift);
        ShiftResult r;
        r.row.generalizationAccuracy = 0.5;
        r.row.differentialElicitation = de;
        r.seeds = {{1, 1, 0.5, de}, {2, 2, 0.5, de}};
        results["g"].push_back(r);
    }
    SeedValuesDialog dialog(results, {"g"}, shifts);
    QTableWidget *table = dialog.table();
    QCOMPARE(table->rowCount(), 3);
    table->sortItems(3, Qt::AscendingOrder); // DE mean
    QCOMPARE(table->item(0, 3)->text(), QStringLiteral("-1.500"));
    QCOMPARE(table->item(1, 3)->text(), QStringLiteral("-0.200"));
    QCOMPARE(table->item(2, 3)->text(), QStringLiteral("-0.100"));
}

QTEST_MAIN(TestResultViews)
#include "tst_resultviews.moc"
