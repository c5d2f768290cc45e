// The label budget dialog of the Disagreements view's trust bar: a run's probe is refitted with k labelled target
// pairs off the GUI thread, the chart plots one point per k (k = 0 being the run's own accuracy), the figure exports
// as PNG and SVG, and a unit that cannot be refitted gets a message in place of the chart.
// SHIFTSCOPE_TEST_FIGURES=<folder> keeps the exported figures there, with grabs of the dialog, to look at.
#include "core/enginetestmodels.h" // first: it includes ATen before Qt
#include "probeworkspace.h"

#include "cli/commandtable.h"
#include "core/craftedexamples.h"
#include "engine/cli/enginecommands.h"
#include "results/resultstore.h"
#include "widgets/disagreements/labelbudgetdialog.h"
#include "widgets/disagreements/trustbar.h"
#include "widgets/results/figureexport.h"
#include "workspace/auditstore.h"
#include "workspace/workspace.h"

#include <QAreaSeries>
#include <QCheckBox>
#include <QScatterSeries>
#include <QTableWidget>
#include <QChartView>
#include <QDir>
#include <QFileInfo>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QLineSeries>
#include <QPointer>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <sstream>

using namespace shiftscope;
using namespace shiftscope::test;
namespace fs = std::filesystem;

class TestLabelBudget : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void theTrustBarOpensIt();
    void plotsTheBudgetAndExportsIt();
    void badSizesAreRefused();
    void aUnitThatCannotBeRefittedSaysWhy();
    void blindRelabelsArePlottedBesideTheDraws();
    void closingWhileComputingIsSafe();

private:
    QString figurePath(const QString &name) const { return test::figurePath(m_dir.path(), name); }
    void grab(QWidget &widget, const QString &name) const { QVERIFY(grabWhenAsked(widget, name)); }

    QTemporaryDir m_dir;
    fs::path m_ws;
    TrustSubject m_probe{1, "linear_probe", "cued", "mixed", QStringLiteral("linear_probe · run 1")};
};

void TestLabelBudget::initTestCase()
{
    std::string error;
    m_ws = makeProbeWorkspace(m_dir.path().toStdString(), error);
    QVERIFY2(error.empty(), error.c_str());
}

void TestLabelBudget::theTrustBarOpensIt()
{
    Workspace ws = Workspace::open(m_ws);
    TrustBar bar;
    QVERIFY(!bar.budgetButton()->isEnabled());
    bar.setSubject(&ws, m_probe);
    QVERIFY(bar.budgetButton()->isEnabled());
    bar.budgetButton()->click();
    auto *dialog = bar.findChild<LabelBudgetDialog *>();
    QVERIFY(dialog != nullptr);
    QVERIFY(dialog->isVisible());
    QVERIFY(dialog->windowTitle().contains(m_probe.label));
    QVERIFY(!dialog->chartShown()); // nothing computed yet
    QVERIFY(!dialog->exportButton()->isEnabled());
    dialog->close(); // deletes itself
    // A unit that cannot be refitted (a lora) does not offer it, and says why.
    TrustSubject lora = m_probe;
    lora.intervention = "lora";
    bar.setSubject(&ws, lora);
    QVERIFY(!bar.budgetButton()->isEnabled());
    QVERIFY2(bar.budgetButton()->toolTip().contains(QStringLiteral("lora is not one")),
             qPrintable(bar.budgetButton()->toolTip()));
    bar.setSubject(nullptr, std::nullopt);
    QVERIFY(!bar.budgetButton()->isEnabled());
}

void TestLabelBudget::plotsTheBudgetAndExportsIt()
{
    Workspace ws = Workspace::open(m_ws);
    std::optional<double> stored;
    for (const EvaluationInfo &e : ResultStore(ws).evaluations())
        if (e.runId == 1 && e.evalDistribution == "mixed" && e.trainDistribution == "cued"
            && e.intervention.rfind("linear_probe", 0) == 0)
            stored = e.accuracy;
    QVERIFY(stored.has_value());

    LabelBudgetDialog dialog(&ws, m_probe);
    const std::vector<int> ks = {0, 5, 10, 20, 50};
    dialog.ksEdit()->setText(QStringLiteral("0, 5, 10, 20, 50"));
    dialog.repeatsBox()->setValue(4);
    QSignalSpy computed(&dialog, &LabelBudgetDialog::computed);
    dialog.computeButton()->click();
    QVERIFY(!dialog.computeButton()->isEnabled()); // one computation at a time
    QVERIFY2(computed.wait(120000), qPrintable(dialog.message()->text() + dialog.outcome()->text()));
    QVERIFY(dialog.chartShown());
    QVERIFY(dialog.exportButton()->isEnabled());

    // One point per k, at the k asked for; the band holds the mean.
    QLineSeries *mean = dialog.meanSeries();
    QAreaSeries *band = dialog.bandSeries();
    QCOMPARE(mean->count(), int(ks.size()));
    QCOMPARE(band->upperSeries()->count(), int(ks.size()));
    QCOMPARE(band->lowerSeries()->count(), int(ks.size()));
    for (int i = 0; i < mean->count(); ++i) {
        QCOMPARE(mean->at(i).x(), double(ks[std::size_t(i)]));
        QVERIFY(band->lowerSeries()->at(i).y() <= mean->at(i).y() + 1e-9);
        QVERIFY(mean->at(i).y() <= band->upperSeries()->at(i).y() + 1e-9);
        QVERIFY(mean->at(i).y() >= 0 && mean->at(i).y() <= 100);
    }
    // With no labels the refit is the trained probe: the run's own accuracy on the whole target, one draw.
    const LabelBudget *budget = dialog.result();
    QVERIFY(budget != nullptr);
    QCOMPARE(budget->points.front().accuracies.size(), std::size_t(1));
    QVERIFY2(std::fabs(budget->points.front().mean - *stored) < 1e-12,
             qPrintable(QStringLiteral("%1 vs %2").arg(budget->points.front().mean).arg(*stored)));
    QVERIFY(std::fabs(mean->at(0).y() - 100 * *stored) < 1e-9);

    // The numbers beside the chart.
    QCOMPARE(dialog.figures()->rowCount(), int(ks.size()));
    QCOMPARE(dialog.figures()->item(0, 0)->text(), QStringLiteral("0"));
    QCOMPARE(dialog.figures()->item(0, 3)->text(), QStringLiteral("1"));
    QCOMPARE(dialog.figures()->item(4, 0)->text(), QStringLiteral("50"));
    QCOMPARE(dialog.figures()->item(4, 3)->text(), QStringLiteral("4"));
    QCOMPARE(dialog.figures()->item(0, 1)->text(), QString::number(100 * *stored, 'f', 1) + QLatin1Char('%'));
    grab(dialog, QStringLiteral("labelbudget-dialog.png"));

    // A slide: a full-HD PNG and an SVG of the chart.
    const QString png = figurePath(QStringLiteral("labelbudget.png"));
    const QString svg = figurePath(QStringLiteral("labelbudget.svg"));
    QString error;
    QVERIFY2(dialog.exportFigure(png, kDefaultFigureSize, &error), qPrintable(error));
    QVERIFY2(dialog.exportFigure(svg, kDefaultFigureSize, &error), qPrintable(error));
    const QImage image(png);
    QCOMPARE(image.size(), QSize(1920, 1080));
    QVERIFY(QFileInfo(png).size() > 0);
    QVERIFY(QFileInfo(svg).size() > 0);
    QFile svgFile(svg);
    QVERIFY(svgFile.open(QIODevice::ReadOnly));
    const QByteArray svgText = svgFile.readAll();
    QVERIFY(svgText.contains("<svg"));
    QVERIFY(svgText.contains("Label budget")); // the title is text, not pixels
    // The export leaves the chart on screen in its own type.
    QVERIFY(dialog.chartShown());
    QCOMPARE(mean->count(), int(ks.size()));
}

void TestLabelBudget::badSizesAreRefused()
{
    Workspace ws = Workspace::open(m_ws);
    LabelBudgetDialog dialog(&ws, m_probe);
    dialog.ksEdit()->setText(QStringLiteral("0, 5, x"));
    dialog.compute();
    QVERIFY(dialog.computeButton()->isEnabled()); // nothing started
    QVERIFY2(dialog.outcome()->text().contains(QStringLiteral("'x'")), qPrintable(dialog.outcome()->text()));
    dialog.ksEdit()->setText(QStringLiteral("-3"));
    dialog.compute();
    QVERIFY2(dialog.outcome()->text().contains(QStringLiteral("'-3'")), qPrintable(dialog.outcome()->text()));
    QVERIFY(!dialog.chartShown());
}

void TestLabelBudget::aUnitThatCannotBeRefittedSaysWhy()
{
    // The run's zero-shot baseline has no probe to refit.
    Workspace ws = Workspace::open(m_ws);
    LabelBudgetDialog dialog(&ws, TrustSubject{1, "zero_shot", "cued", "mixed", QStringLiteral("zero_shot · run 1")});
    dialog.computeButton()->click();
    dialog.wait();
    QTRY_VERIFY(dialog.computeButton()->isEnabled()); // the task's end has reached the dialog
    QVERIFY(!dialog.chartShown());
    QVERIFY(!dialog.exportButton()->isEnabled());
    QVERIFY(dialog.result() == nullptr);
    QVERIFY2(dialog.message()->text().contains(QStringLiteral("No label budget")),
             qPrintable(dialog.message()->text()));
    QVERIFY2(dialog.message()->text().contains(QStringLiteral("zero_shot")), qPrintable(dialog.message()->text()));
    grab(dialog, QStringLiteral("labelbudget-error.png"));
}

void TestLabelBudget::blindRelabelsArePlottedBesideTheDraws()
{
    Workspace ws = Workspace::open(m_ws);
    LabelBudgetDialog dialog(&ws, m_probe);
    dialog.ksEdit()->setText(QStringLiteral("0, 10"));
    dialog.repeatsBox()->setValue(2);
    dialog.relabelsBox()->setChecked(true);
    // Nothing judged yet: the dialog says what to do.
    dialog.computeButton()->click();
    dialog.wait();
    QTRY_VERIFY(dialog.computeButton()->isEnabled());
    QVERIFY2(dialog.message()->text().contains(QStringLiteral("blind relabelling")),
             qPrintable(dialog.message()->text()));

    // Twelve pairs of mixed judged, three of them against the dataset.
    const auto mixed = ws.examples("mixed", Split::Test);
    for (std::size_t i = 0; i < 12; ++i) {
        RelabelJudgement judgement;
        judgement.distribution = "mixed";
        judgement.exampleHash = mixed[i].contentHash();
        judgement.dispreferredPosition = 1 - mixed[i].preferredIndex();
        judgement.annotator = "ann";
        judgement.choice = i < 3 ? RelabelChoice::Dispreferred : RelabelChoice::Preferred;
        AuditStore(ws).saveJudgement(judgement);
    }
    QSignalSpy computed(&dialog, &LabelBudgetDialog::computed);
    dialog.computeButton()->click();
    QVERIFY2(computed.wait(120000), qPrintable(dialog.message()->text() + dialog.outcome()->text()));
    QVERIFY(dialog.result()->relabelled.has_value());
    QCOMPARE(dialog.result()->relabelled->pairs, 12);
    QCOMPARE(dialog.result()->relabelled->againstDataset, 3);
    QScatterSeries *relabelled = dialog.relabelledSeries();
    QVERIFY(relabelled->isVisible());
    QCOMPARE(relabelled->count(), 1);
    QCOMPARE(relabelled->at(0).x(), 12.0);
    QCOMPARE(relabelled->at(0).y(), 100 * dialog.result()->relabelled->accuracy);
    QCOMPARE(dialog.figures()->rowCount(), 3); // k = 0, k = 10, the judged pairs
    QVERIFY2(dialog.outcome()->text().contains(QStringLiteral("3 against the dataset")),
             qPrintable(dialog.outcome()->text()));
    grab(dialog, QStringLiteral("labelbudget-relabels.png"));
}

void TestLabelBudget::closingWhileComputingIsSafe()
{
    // As the trust bar opens it: closing deletes it, and the computation under way is stopped and waited for.
    Workspace ws = Workspace::open(m_ws);
    QPointer<LabelBudgetDialog> dialog = new LabelBudgetDialog(&ws, m_probe);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->show();
    dialog->repeatsBox()->setValue(20);
    dialog->compute();
    QVERIFY(dialog->stopButton()->isEnabled());
    dialog->close();
    QTRY_VERIFY(dialog.isNull());
}

QTEST_MAIN(TestLabelBudget)
#include "tst_labelbudget.moc"
