#include "widgets/audit/auditview.h"
#include "widgets/data/distributionpane.h"
#include "widgets/data/exampletablemodel.h"
#include "widgets/data/exampleview.h"
#include "genies/dataimporter.h"
#include "widgets/audit/flagdialog.h"
#include "widgets/audit/relabeldialog.h"
#include "widgets/audit/reviewqueuedialog.h"
#include "widgets/shell/mainwindow.h"
#include "testsupport.h"
#include "workspace/auditstore.h"
#include "workspace/workspace.h"

#include <QAbstractItemModelTester>
#include <QHeaderView>
#include <QLineEdit>
#include <QTableView>
#include <QAbstractItemView>
#include <QDockWidget>
#include <QLabel>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QStandardPaths>
#include <QTextBrowser>
#include <QTreeWidget>

using namespace shiftscope;
using namespace shiftscope::test;

class TestAnnotationGui : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void reviewQueueByKeys();
    void flaggedOnlyFilter();
    void auditViewShowsFindingsAndReviews();
    void blindRelabellingByKeys();
    void flagDialogByKeys();
    void blindDialogHidesTheWindowBehindIt();
    void exampleTablesSortByAnyHeader();
    void aFlagShowsAtOnce();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Workspace> m_ws;
};

void TestAnnotationGui::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("ShiftScopeTests"));
    m_dir = std::make_unique<QTemporaryDir>();
    // Source: the preferred answer is always the longer one; a test prompt repeats a train prompt (leakage).
    std::string train = "[", test = "[";
    for (int i = 0; i < 60; ++i) {
        const std::string item = "{\"prompt\": \"Question number " + std::to_string(i) + " about topic "
                               + std::to_string(i * 7) + "?\", \"responses\": {\"A long and careful answer "
                               + std::to_string(i) + " with detail.\": 1, \"No " + std::to_string(i) + ".\": 0}}";
        train += (i ? "," : "") + item;
        if (i < 30)
            test += (i ? "," : "") + item;
    }
    writeText(tempPath(*m_dir, "d/src/train.json"), train + "]");
    writeText(tempPath(*m_dir, "d/src/test.json"), test + "]");
    writeText(tempPath(*m_dir, "d/tgt/train.json"), validSplit(20));
    writeText(tempPath(*m_dir, "d/tgt/test.json"), validSplit(20));
    m_ws = std::make_unique<Workspace>(Workspace::create(tempPath(*m_dir, "w.sqlite")));
    DataImporter::importData(*m_ws, tempPath(*m_dir, "d"));
}

void TestAnnotationGui::reviewQueueByKeys()
{
    ReviewQueueDialog dialog(m_ws.get(),
                             {{"tgt", Split::Test, 0, 1}, {"tgt", Split::Test, 1, 1}, {"tgt", Split::Test, 2, -1}},
                             QStringLiteral("test"));
    QCOMPARE(dialog.current(), 0);
    QTest::keyClick(&dialog, Qt::Key_Right);
    QCOMPARE(dialog.current(), 1);
    QTest::keyClick(&dialog, Qt::Key_3); // mislabeled, on the pair with dispreferred response 1
    QTest::keyClick(&dialog, Qt::Key_N);
    QCOMPARE(dialog.current(), 2);
    QTest::keyClick(&dialog, Qt::Key_1); // bad pair, on the example
    QTest::keyClick(&dialog, Qt::Key_Right);
    QCOMPARE(dialog.current(), 2); // stays on the last item
    QTest::keyClick(&dialog, Qt::Key_P);
    QCOMPARE(dialog.current(), 1);
    QVERIFY(dialog.exampleView()->toPlainText().contains(QStringLiteral("Mislabeled"))); // the flag by its name
    const auto one = m_ws->annotationsForExample(m_ws->exampleAt("tgt", Split::Test, 1)->id);
    QCOMPARE(one.size(), std::size_t(1));
    QCOMPARE(one[0].flag, std::string("mislabeled"));
    QCOMPARE(one[0].subject, AnnotationSubject::Pair);
    QCOMPARE(one[0].responsePosition.value_or(-1), 1);
    const auto two = m_ws->annotationsForExample(m_ws->exampleAt("tgt", Split::Test, 2)->id);
    QCOMPARE(two.size(), std::size_t(1));
    QCOMPARE(two[0].subject, AnnotationSubject::Example);
}

void TestAnnotationGui::flaggedOnlyFilter()
{
    DistributionPane pane(QStringLiteral("Target"));
    pane.showDistribution(m_ws.get(), "tgt");
    QCOMPARE(pane.model()->totalCount(), 20);
    pane.setFlaggedOnly(true);
    QCOMPARE(pane.model()->totalCount(), 2); // the two flagged above
    QCOMPARE(pane.model()->index(0, ExampleTableModel::FlagsColumn).data().toString(), QStringLiteral("⚑ 1"));
}

void TestAnnotationGui::auditViewShowsFindingsAndReviews()
{
    AuditView view;
    view.setWorkspace(m_ws.get());
    QSignalSpy finished(&view, &AuditView::auditFinished);
    ShiftPair shift;
    shift.source = "src";
    shift.target = "tgt";
    view.auditShift(shift);
    QVERIFY(finished.wait(60000));
    QCOMPARE(finished.at(0).at(0).toBool(), true);
    QCOMPARE(view.reports().size(), std::size_t(3)); // src, tgt, the shift
    QCOMPARE(view.tree()->topLevelItemCount(), 3);
    // Check names are read whole: the first column is as wide as its longest entry, at any pane width.
    view.resize(700, 500);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    int widest = 0;
    for (int t = 0; t < view.tree()->topLevelItemCount(); ++t)
        for (int c = 0; c < view.tree()->topLevelItem(t)->childCount(); ++c)
            widest = std::max(
                widest, view.tree()->fontMetrics().horizontalAdvance(view.tree()->topLevelItem(t)->child(c)->text(0)));
    QVERIFY(widest > 0);
    QVERIFY2(view.tree()->columnWidth(0) > widest, qPrintable(QString::number(view.tree()->columnWidth(0))));
    // Find a finding with evidence and open it: its examples are listed and the first is shown.
    QTreeWidgetItem *withEvidence = nullptr;
    for (int t = 0; t < view.tree()->topLevelItemCount() && !withEvidence; ++t)
        for (int c = 0; c < view.tree()->topLevelItem(t)->childCount(); ++c) {
            const auto &report = view.reports()[std::size_t(t)];
            if (!report.findings[std::size_t(c)].examples.empty()) {
                withEvidence = view.tree()->topLevelItem(t)->child(c);
                break;
            }
        }
    QVERIFY(withEvidence);
    view.tree()->setCurrentItem(withEvidence);
    QVERIFY(view.evidence()->count() > 0);
    QVERIFY(view.exampleView()->record().has_value());
    view.reviewSelected(std::string("dismissed"), QStringLiteral("planted on purpose"));
    QCOMPARE(withEvidence->text(3), QStringLiteral("dismissed"));
    const auto reviews = AuditStore(*m_ws).reviews();
    QCOMPARE(reviews.size(), std::size_t(1));
    QCOMPARE(reviews[0].note, std::string("planted on purpose"));
    view.reviewSelected(std::nullopt, {});
    QVERIFY(AuditStore(*m_ws).reviews().empty());
}

void TestAnnotationGui::blindRelabellingByKeys()
{
    RelabelDialog dialog(m_ws.get(), "tgt", Split::Test, QStringLiteral("ann"), 7);
    QCOMPARE(dialog.remaining(), 20);
    const BlindItem first = *dialog.currentItem();
    // The dialog shows two responses and no label.
    QVERIFY(!dialog.view()->toPlainText().contains(QStringLiteral("Preferred")));
    QTest::keyClick(&dialog, first.preferredFirst ? Qt::Key_1 : Qt::Key_2); // agree with the dataset
    QTest::keyClick(&dialog, Qt::Key_S);
    QTest::keyClick(&dialog, Qt::Key_A);
    QCOMPARE(dialog.remaining(), 17);
    const auto judgements = AuditStore(*m_ws).judgements("tgt");
    QCOMPARE(judgements.size(), std::size_t(3));
    QCOMPARE(judgements[0].choice, RelabelChoice::Preferred);
    QCOMPARE(judgements[1].choice, RelabelChoice::Skip);
    // A second session leaves out what this annotator already judged.
    RelabelDialog again(m_ws.get(), "tgt", Split::Test, QStringLiteral("ann"), 7);
    QCOMPARE(again.remaining(), 17);
    QVERIFY(relabelSummaryHtml(*m_ws).contains(QStringLiteral("ann")));
}

void TestAnnotationGui::flagDialogByKeys()
{
    const auto record = m_ws->exampleAt("tgt", Split::Test, 0);
    QVERIFY(record);
    FlagDialog dialog(*record);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    auto *note = dialog.findChild<QPlainTextEdit *>();
    auto *author = dialog.findChild<QLineEdit *>();
    note->setFocus();
    QTRY_VERIFY(note->hasFocus());
    QTest::keyClicks(note, QStringLiteral("first line"));
    QTest::keyClick(note, Qt::Key_Return); // Enter is a new line in a note
    QTest::keyClicks(note, QStringLiteral("second"));
    QTest::keyClick(note, Qt::Key_Tab); // Tab leaves the note rather than typing a tab
    QCOMPARE(note->toPlainText(), QStringLiteral("first line\nsecond"));
    QTRY_VERIFY(author->hasFocus());
    note->setFocus();
    QTRY_VERIFY(note->hasFocus());
    QTest::keyClick(note, Qt::Key_Return, Qt::ControlModifier); // Ctrl+Enter accepts, even from the note
    QTRY_COMPARE(dialog.result(), int(QDialog::Accepted));
    QVERIFY(!dialog.isVisible());
    QCOMPARE(QString::fromStdString(dialog.annotation().note), QStringLiteral("first line\nsecond"));
}

void TestAnnotationGui::blindDialogHidesTheWindowBehindIt()
{
    MainWindow window;
    QVERIFY(window.openWorkspace(QString::fromStdString(tempPath(*m_dir, "w.sqlite").string())));
    window.resize(1400, 900);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    // What the window shows outside `dialog`: visible item views, and visible labels and text with their text.
    auto shownBehind = [&](const QWidget *dialog) {
        QStringList shown;
        for (QWidget *widget : window.findChildren<QWidget *>()) {
            if (!widget->isVisible() || (dialog && (widget == dialog || dialog->isAncestorOf(widget))))
                continue;
            if (auto *view = qobject_cast<QAbstractItemView *>(widget))
                shown << QStringLiteral("view %1").arg(view->objectName());
            else if (auto *label = qobject_cast<QLabel *>(widget))
                shown << label->text();
        }
        return shown;
    };
    const QStringList before = shownBehind(nullptr);
    QVERIFY(std::any_of(before.begin(), before.end(), [](const QString &s) { return s.startsWith("view"); }));
    {
        RelabelDialog dialog(m_ws.get(), "src", Split::Test, QStringLiteral("cover"), 3, &window);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        const QStringList during = shownBehind(&dialog);
        for (const QString &text : during) {
            QVERIFY2(!text.startsWith(QStringLiteral("view")), qPrintable(text)); // no table, tree or list
            QVERIFY2(!text.contains(QStringLiteral("Preferred"), Qt::CaseInsensitive), qPrintable(text));
        }
        QVERIFY(!window.centralWidget()->isVisible());
        for (QDockWidget *dock : window.findChildren<QDockWidget *>())
            QVERIFY2(!dock->isVisible(), qPrintable(dock->windowTitle()));
        QVERIFY(window.findChild<QLabel *>(QStringLiteral("windowCover"))->isVisible());
        dialog.close();
    }
    // Closed: the window is as it was.
    QVERIFY(window.centralWidget()->isVisible());
    QCOMPARE(shownBehind(nullptr), before);
    QVERIFY(!window.findChild<QLabel *>(QStringLiteral("windowCover")));
}

void TestAnnotationGui::exampleTablesSortByAnyHeader()
{
    DistributionPane pane(QStringLiteral("Source"));
    pane.showDistribution(m_ws.get(), "src");
    pane.resize(900, 600);
    pane.show();
    QVERIFY(QTest::qWaitForWindowExposed(&pane));
    QAbstractItemModelTester tester(pane.model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QHeaderView *header = pane.table()->horizontalHeader();
    auto click = [&](int section) {
        QTest::mouseClick(
            header->viewport(), Qt::LeftButton, {},
            QPoint(header->sectionViewportPosition(section) + header->sectionSize(section) / 2, header->height() / 2));
    };
    auto position = [&](int row) { return pane.model()->index(row, ExampleTableModel::PositionColumn).data().toInt(); };
    QCOMPARE(position(1), 1); // file order at first
    // "Question number 0", "... 1", "... 10": the prompts in text order, over every page.
    click(ExampleTableModel::PromptColumn);
    QCOMPARE(position(0), 0);
    QCOMPARE(position(1), 1);
    QCOMPARE(position(2), 10);
    click(ExampleTableModel::PromptColumn); // and the other way
    QCOMPARE(position(0), 9);
    // The order stays when the search changes.
    pane.findChild<QLineEdit *>()->setText(QStringLiteral("number 1"));
    QTRY_COMPARE(pane.model()->totalCount(), 11); // 1 and 10-19
    QCOMPARE(position(0), 19);
    pane.findChild<QLineEdit *>()->clear();
    QTRY_COMPARE(pane.model()->totalCount(), 30);
    // A row of any order is found by its position, as the linked selection needs.
    QCOMPARE(position(pane.model()->rowOfPosition(25)), 25);
}

void TestAnnotationGui::aFlagShowsAtOnce()
{
    // The example view shows a new flag without the row being selected again, whether the row moves or not.
    DistributionPane pane(QStringLiteral("Target"));
    pane.showDistribution(m_ws.get(), "tgt");
    for (const int position : {5, 5}) {
        QVERIFY(pane.selectPosition(position));
        const auto record = pane.exampleView()->record();
        QVERIFY(record && record->example.position == position);
        FlagDialog dialog(*record);
        const QString note = QStringLiteral("seen at once %1").arg(pane.model()->totalCount());
        dialog.findChild<QPlainTextEdit *>()->setPlainText(note);
        pane.annotateCurrent(dialog.annotation());
        QVERIFY2(pane.exampleView()->toPlainText().contains(QStringLiteral("seen at once")),
                 qPrintable(pane.exampleView()->toPlainText()));
        // The flag by its name in the dialog, the time as a local date and minute.
        QVERIFY(pane.exampleView()->toPlainText().contains(flagDisplayName(dialog.annotation().flag)));
        QVERIFY(!pane.exampleView()->toPlainText().contains(QString::fromStdString(dialog.annotation().createdAt)));
        QCOMPARE(pane.exampleView()->record()->example.position, position);
    }
}

QTEST_MAIN(TestAnnotationGui)
#include "tst_annotationgui.moc"
