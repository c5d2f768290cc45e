// The Disagreements view's trust: a run's evaluation is assessed off the GUI thread, the table sorts and filters by
// trust, and the least trusted pairs go to the review queue; the model stays a valid item model throughout.
#include "core/enginetestmodels.h" // first: it includes ATen before Qt
#include "probeworkspace.h"

#include "cli/commandtable.h"
#include "core/craftedexamples.h"
#include "engine/cli/enginecommands.h"
#include "results/resultstore.h"
#include "widgets/disagreements/cuedialog.h"
#include "widgets/disagreements/disagreementmodel.h"
#include "widgets/disagreements/disagreementsview.h"
#include "widgets/disagreements/trustbar.h"
#include "widgets/results/resultscontext.h"
#include "workspace/workspace.h"

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTableWidget>
#include <QTextBrowser>
#include <QUrl>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <set>
#include <sstream>

using namespace shiftscope;
using namespace shiftscope::test;
namespace fs = std::filesystem;

class TestTrustView : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void assessesSortsFiltersAndQueues();
    void publishedEvaluationsCannotBeAssessed();
    void cueDialogTestsACue();

private:
    QTemporaryDir m_dir;
    fs::path m_ws;
};

void TestTrustView::initTestCase()
{
    std::string error;
    m_ws = makeProbeWorkspace(m_dir.path().toStdString(), error);
    QVERIFY2(error.empty(), error.c_str());
}

void TestTrustView::assessesSortsFiltersAndQueues()
{
    Workspace ws = Workspace::open(m_ws);
    ResultsContext context;
    context.setWorkspace(&ws);
    context.setModel(QStringLiteral("model"));
    ShiftPair shift;
    shift.source = "cued";
    shift.target = "mixed";
    context.selectShift(shift);
    DisagreementsView view(&context);
    QAbstractItemModelTester tester(view.model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    view.setDistribution(QStringLiteral("mixed"));
    qint64 probe = 0;
    for (const auto &e : ResultStore(ws).evaluations())
        if (e.evalDistribution == "mixed" && e.trainDistribution == "cued"
            && e.intervention.rfind("linear_probe", 0) == 0)
            probe = e.id;
    QVERIFY(probe != 0);
    view.chooseEvaluations({probe});
    QCOMPARE(view.model()->rowCount(), 60);

    TrustBar *bar = view.trustBar();
    QVERIFY(bar->assessButton()->isEnabled());
    QVERIFY(!bar->reviewButton()->isEnabled());
    QSignalSpy assessed(bar, &TrustBar::assessed);
    bar->assessButton()->click();
    QVERIFY2(assessed.wait(60000), qPrintable(bar->status()->text()));
    QVERIFY(bar->result() != nullptr);
    QVERIFY2(bar->status()->text().contains(QStringLiteral("AUROC")), qPrintable(bar->status()->text()));
    QVERIFY(bar->reviewButton()->isEnabled());

    // The trust column is filled and the table lists the least trusted pair first.
    const int column = view.model()->trustColumn();
    QCOMPARE(view.model()->headerData(column, Qt::Horizontal).toString(), QStringLiteral("Trust"));
    double previous = -1;
    for (int r = 0; r < view.table()->model()->rowCount(); ++r) {
        const double t = view.table()->model()->index(r, column).data(DisagreementModel::SortRole).toDouble();
        QVERIFY(t >= previous);
        QVERIFY(t >= 0 && t <= 1);
        previous = t;
    }
    const int first = view.table()->model()->index(0, 0).data(DisagreementModel::PairIndexRole).toInt();
    QCOMPARE(bar->leastTrustedExamples(1).front(), bar->result()->pairs[std::size_t(first)].examplePosition);

    // The least trusted fifth: 12 of the 60 pairs (ties aside), all below the rest.
    view.modeBox()->setCurrentIndex(view.modeBox()->findData(DisagreementFilter::LeastTrusted));
    const int kept = view.table()->model()->rowCount();
    QVERIFY2(kept >= 12 && kept <= 16, qPrintable(QString::number(kept)));
    const double ceiling = view.model()->trustQuantile(0.2);
    for (int r = 0; r < kept; ++r)
        QVERIFY(view.table()->model()->index(r, column).data(DisagreementModel::SortRole).toDouble() <= ceiling);

    // The review queue gets distinct examples, least trusted first.
    const auto examples = bar->leastTrustedExamples(20);
    QCOMPARE(examples.size(), std::size_t(20));
    QCOMPARE(std::set<int>(examples.begin(), examples.end()).size(), examples.size());

    // One click from a pair to the source pairs that taught the probe its score.
    view.modeBox()->setCurrentIndex(view.modeBox()->findData(DisagreementFilter::AllPairs));
    view.table()->selectRow(0);
    const QString pairHtml = view.pairView()->toHtml();
    QVERIFY2(pairHtml.contains(QStringLiteral("Which source pairs taught")), qPrintable(pairHtml));
    QSignalSpy attributed(&view, &DisagreementsView::attributed);
    emit view.pairView()->anchorClicked(QUrl(QStringLiteral("attribute:%1").arg(first)));
    QVERIFY(attributed.wait(60000));
    QVERIFY2(view.pairView()->toPlainText().contains(QStringLiteral("Source pairs behind this score")),
             qPrintable(view.pairView()->toPlainText()));
    QVERIFY2(view.pairView()->toPlainText().contains(QStringLiteral("split exactly over 160 source examples")),
             qPrintable(view.pairView()->toPlainText()));

    // Another evaluation first forgets the assessment: no stale trust is shown.
    view.modeBox()->setCurrentIndex(view.modeBox()->findData(DisagreementFilter::LeastTrusted));
    view.chooseEvaluations({});
    QVERIFY(bar->result() == nullptr);
    QVERIFY(!bar->assessButton()->isEnabled());
    view.chooseEvaluations({probe});
    QCOMPARE(view.table()->model()->rowCount(), 0); // still the least trusted fifth, nothing assessed
    QCOMPARE(view.model()->index(0, column).data().toString(), QStringLiteral("–"));
}

void TestTrustView::publishedEvaluationsCannotBeAssessed()
{
    TrustBar bar;
    bar.setSubject(nullptr, std::nullopt);
    QVERIFY(!bar.assessButton()->isEnabled());
    QVERIFY(bar.status()->text().contains(QStringLiteral("run's evaluation")));
}

void TestTrustView::cueDialogTestsACue()
{
    Workspace ws = Workspace::open(m_ws);
    CueDialog dialog(&ws, TrustSubject{1, "linear_probe", "cued", "mixed", QStringLiteral("linear_probe · run 1")});
    // A broken expression is refused at once, by name.
    dialog.patternEdit()->setText(QStringLiteral("(Sure"));
    dialog.test();
    QVERIFY2(dialog.outcome()->text().contains(QStringLiteral("not a regular expression")),
             qPrintable(dialog.outcome()->text()));

    dialog.patternEdit()->setText(QStringLiteral("Sure!"));
    QSignalSpy tested(&dialog, &CueDialog::tested);
    dialog.testButton()->click();
    QVERIFY2(tested.wait(60000), qPrintable(dialog.outcome()->text()));
    // The source always has the marker on the preferred response; half of the target has it on the other one.
    QCOMPARE(dialog.figures()->item(1, 0)->text(), QStringLiteral("100.0%"));
    QCOMPARE(dialog.figures()->item(1, 1)->text(), QStringLiteral("50.0%"));
    QVERIFY2(dialog.outcome()->text().contains(QStringLiteral("60 pairs changed")),
             qPrintable(dialog.outcome()->text()));
    // The probe also has the cue's direction erased from its activations, with its accuracy before and after.
    QVERIFY2(dialog.outcome()->text().contains(QStringLiteral("direction erased")),
             qPrintable(dialog.outcome()->text()));

    // A length has no counterfactual.
    dialog.kindBox()->setCurrentIndex(0);
    QVERIFY(!dialog.counterfactualBox()->isEnabled());
    QTRY_VERIFY(dialog.testButton()->isEnabled()); // once the first test's thread has ended
    dialog.testButton()->click();
    QVERIFY(tested.wait(60000));
    QVERIFY2(dialog.outcome()->text().contains(QStringLiteral("No counterfactual")),
             qPrintable(dialog.outcome()->text()));
}

QTEST_MAIN(TestTrustView)
#include "tst_trustview.moc"
