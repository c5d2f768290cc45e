// A pair read token by token: the figure of hand-made evidence (wrapping, palettes, whitespace made visible,
// tooltips, slide export), the dialog computing a run's evidence off the GUI thread, and the Disagreements view's
// link that opens it.
// SHIFTSCOPE_TEST_FIGURES=<folder> keeps the exported figures there, with grabs of the dialog, to look at.
#include "core/enginetestmodels.h" // first: it includes ATen before Qt
#include "probeworkspace.h"

#include "cli/commandtable.h"
#include "core/craftedexamples.h"
#include "engine/cli/enginecommands.h"
#include "results/resultstore.h"
#include "widgets/disagreements/disagreementmodel.h"
#include "widgets/disagreements/disagreementsview.h"
#include "widgets/disagreements/tokenevidencedialog.h"
#include "widgets/disagreements/tokenevidenceview.h"
#include "widgets/disagreements/trustbar.h"
#include "widgets/results/figureexport.h"
#include "widgets/results/resultscontext.h"
#include "workspace/workspace.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHelpEvent>
#include <QImage>
#include <QLabel>
#include <QPainter>
#include <QPointer>
#include <QPushButton>
#include <QScrollArea>
#include <QSignalSpy>
#include <QSvgRenderer>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBrowser>
#include <QToolTip>
#include <QUrl>
#include <cmath>
#include <sstream>

using namespace shiftscope;
using namespace shiftscope::test;
namespace fs = std::filesystem;

namespace {

//! Two tracks of one pair: the base model's log-probabilities (unsigned) and a probe's logits (signed, its most
//! negative and most positive tokens of equal magnitude), with a line break, an empty token and odd whitespace.
TokenEvidence handMadeEvidence()
{
    TokenEvidence evidence;
    evidence.pair = PairRef{12, 0, 1};
    evidence.prompt = "Describe the cat in one sentence.";
    evidence.responses = {"The cat sat\n on the mat.", "A dog\tbarked  loudly %1"};
    TokenTrack zeroShot;
    zeroShot.intervention = "zero_shot";
    zeroShot.quantity = "log-probability";
    zeroShot.note = "each response token's log-probability under the base model, given the prompt and the tokens "
                    "before it";
    zeroShot.signedValues = false;
    zeroShot.tokens = {std::vector<std::string>{"The", " cat", " sat", "\n", "", " on", " the", " mat", "."},
                       std::vector<std::string>{"A", " dog", "\t", "bark", "ed", "  ", "loud", "ly", " %1"}};
    zeroShot.values = {std::vector<double>{-2.5, -4.25, -1.0, -0.5, -0.125, -3.0, -0.75, -6.5, -0.0625},
                       std::vector<double>{-3.5, -5.0, -8.0, -2.0, -0.25, -4.0, -1.5, -0.5, -7.25}};
    zeroShot.total = {-18.6875, -32.0};
    TokenTrack probe;
    probe.intervention = "linear_probe";
    probe.quantity = "probe logit";
    probe.note = "the probe's logit of each token's activation";
    probe.signedValues = true;
    probe.tokens = zeroShot.tokens;
    probe.values = {std::vector<double>{0.5, 2.75, -0.25, 0.0, 0.125, 1.5, -1.0, 0.75, 0.0625},
                    std::vector<double>{-0.5, -2.75, 0.25, -1.25, 0.375, 0.0, -2.0, 1.0, -0.03125}};
    probe.total = {1.234, -0.567};
    evidence.tracks = {zeroShot, probe};
    return evidence;
}

//! Whether two colours differ by at most `tolerance` in each channel (antialiasing and rounding).
bool near(const QColor &a, const QColor &b, int tolerance = 3)
{
    return std::abs(a.red() - b.red()) <= tolerance && std::abs(a.green() - b.green()) <= tolerance
        && std::abs(a.blue() - b.blue()) <= tolerance;
}

//! A pair of long responses (about 240 word pieces each, with line breaks) read by four tracks.
TokenEvidence longEvidence()
{
    static const std::vector<std::string> words = {
        " the",  " model", " prefers", " responses", " that", " sound", " confident", ",",
        " even", " when",  " wrong",   ".",          "\n",    " Sure",  "!",          " extraordinarily",
        " un",   "help",   "ful",      " answers"};
    TokenEvidence evidence;
    evidence.pair = PairRef{7, 1, 0};
    evidence.prompt = std::string(400, 'x') + " What is the capital of France?";
    const std::vector<std::pair<std::string, bool>> kinds = {
        {"zero_shot", false}, {"lora", true}, {"linear_probe", true}, {"mms", true}};
    for (std::size_t k = 0; k < kinds.size(); ++k) {
        TokenTrack track;
        track.intervention = kinds[k].first;
        track.quantity = kinds[k].second ? "reward" : "log-probability";
        track.note = "a long note that explains how the values were read, long enough to wrap on a narrow "
                     "figure and still be read in full on a wide one";
        track.signedValues = kinds[k].second;
        for (std::size_t r = 0; r < 2; ++r) {
            for (int i = 0; i < 240 - 40 * int(r); ++i) {
                track.tokens[r].push_back(words[std::size_t(i * 7 + int(k) * 3 + int(r)) % words.size()]);
                const double wave = std::sin(0.37 * i + double(k));
                track.values[r].push_back(track.signedValues ? 3 * wave : -6 * (1 + wave));
            }
            track.total[r] = r == 0 ? 12.5 : -3.25;
        }
        evidence.tracks.push_back(track);
    }
    return evidence;
}

} // namespace

class TestTokenEvidence : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void wrapsToTheWidth();
    void coloursTokensOnTheTracksScales();
    void tooltipsGiveExactValues();
    void exportsASlide();
    void aLongPairWrapsAndFits();
    void readsARunsPairOffTheGuiThread();
    void aMissingPairSaysWhy();
    void theDisagreementsViewLinksToIt();

private:
    QString figurePath(const QString &name) const { return test::figurePath(m_dir.path(), name); }
    void grab(QWidget &widget, const QString &name) const { QVERIFY(grabWhenAsked(widget, name)); }

    QTemporaryDir m_dir;
    fs::path m_ws;
    TrustSubject m_probe{1, "linear_probe", "cued", "mixed", QStringLiteral("linear_probe · run 1")};
};

void TestTokenEvidence::initTestCase()
{
    std::string error;
    m_ws = makeProbeWorkspace(m_dir.path().toStdString(), error);
    QVERIFY2(error.empty(), error.c_str());
}

void TestTokenEvidence::wrapsToTheWidth()
{
    TokenEvidenceView view;
    view.setCaption(QStringLiteral("Pair 3 of mixed · linear_probe · run 1"));
    view.setEvidence(handMadeEvidence());
    QVERIFY(view.hasHeightForWidth());
    QVERIFY(view.sizePolicy().hasHeightForWidth());
    // Narrower is taller: the tokens wrap.
    const int wide = view.heightForWidth(1400), middle = view.heightForWidth(600), narrow = view.heightForWidth(260);
    QVERIFY2(wide < middle && middle < narrow,
             qPrintable(QStringLiteral("%1 %2 %3").arg(wide).arg(middle).arg(narrow)));
    QCOMPARE(view.sizeHint().height(), view.heightForWidth(view.sizeHint().width()));

    // Every token has a box inside the view, the empty one too; the token after a line break starts a line.
    for (const int width : {1400, 600, 260}) {
        view.resize(width, view.heightForWidth(width));
        for (int track = 0; track < 2; ++track)
            for (int row = 0; row < 2; ++row)
                for (int i = 0; i < 9; ++i) {
                    const QRectF box = view.tokenRect(track, row, i);
                    QVERIFY2(!box.isEmpty() && QRectF(view.rect()).contains(box),
                             qPrintable(QStringLiteral("%1 %2 %3 at %4").arg(track).arg(row).arg(i).arg(width)));
                }
        const QRectF first = view.tokenRect(0, 0, 0), breakBox = view.tokenRect(0, 0, 3),
                     after = view.tokenRect(0, 0, 4);
        QCOMPARE(after.left(), first.left());
        QVERIFY(after.top() > breakBox.top());
        QVERIFY(view.tokenRect(0, 0, 4).width() > 0); // the empty token
    }
    QVERIFY(view.tokenRect(2, 0, 0).isEmpty());
    QVERIFY(view.tokenRect(0, 0, 9).isEmpty());
}

void TestTokenEvidence::coloursTokensOnTheTracksScales()
{
    TokenEvidenceView view;
    view.setCaption(QStringLiteral("Pair 3 of mixed"));
    view.setEvidence(handMadeEvidence());
    view.resize(900, view.heightForWidth(900));
    // The palettes' ends and middles.
    QVERIFY(near(TokenEvidenceView::divergingColour(0), Qt::white, 0));
    QVERIFY(near(TokenEvidenceView::sequentialColour(0), Qt::white, 0));
    QVERIFY(TokenEvidenceView::divergingColour(-1).red() > TokenEvidenceView::divergingColour(-1).blue());
    QVERIFY(TokenEvidenceView::divergingColour(1).blue() > TokenEvidenceView::divergingColour(1).red());
    QVERIFY(TokenEvidenceView::sequentialColour(1).lightness() < 70);
    // The probe's (signed) extremes, normalised by its largest |value| (2.75): red and blue ends, 0 white.
    QCOMPARE(view.tokenColour(1, 0, 1), TokenEvidenceView::divergingColour(1));
    QCOMPARE(view.tokenColour(1, 1, 1), TokenEvidenceView::divergingColour(-1));
    QCOMPARE(view.tokenColour(1, 0, 3), TokenEvidenceView::divergingColour(0));
    // zero_shot's (unsigned) least likely token is darkest, its most likely nearly white.
    QCOMPARE(view.tokenColour(0, 1, 2), TokenEvidenceView::sequentialColour(1));
    QCOMPARE(view.tokenColour(0, 0, 8), TokenEvidenceView::sequentialColour(0.0625 / 8));

    // As painted: the box's padding, left of its text.
    const QImage image = view.grab().toImage();
    auto painted = [&](int track, int row, int index) {
        const QRectF box = view.tokenRect(track, row, index);
        return image.pixelColor(QPoint(int(box.left()) + 2, int(box.center().y())));
    };
    QVERIFY(near(painted(1, 0, 1), TokenEvidenceView::divergingColour(1)));
    QVERIFY(near(painted(1, 1, 1), TokenEvidenceView::divergingColour(-1)));
    QVERIFY(near(painted(0, 1, 2), TokenEvidenceView::sequentialColour(1)));
    QVERIFY(near(painted(1, 0, 3), Qt::white));
}

void TestTokenEvidence::tooltipsGiveExactValues()
{
    TokenEvidenceView view;
    view.setEvidence(handMadeEvidence());
    view.resize(900, view.heightForWidth(900));
    auto tipAt = [&](int track, int row, int index) {
        return view.toolTipAt(view.tokenRect(track, row, index).center().toPoint());
    };
    const QString cat = tipAt(1, 0, 1);
    QVERIFY2(cat.contains(QStringLiteral("2.75")) && cat.contains(QStringLiteral("linear_probe"))
                 && cat.contains(QStringLiteral("preferred")),
             qPrintable(cat));
    QVERIFY2(tipAt(0, 0, 1).contains(QStringLiteral("-4.25")), qPrintable(tipAt(0, 0, 1)));
    QVERIFY2(tipAt(1, 1, 8).contains(QStringLiteral("-0.03125")), qPrintable(tipAt(1, 1, 8)));
    QVERIFY2(tipAt(0, 0, 3).contains(QChar(0x21b5)), qPrintable(tipAt(0, 0, 3))); // the line break, made visible
    QVERIFY2(tipAt(0, 0, 4).contains(QStringLiteral("no text")), qPrintable(tipAt(0, 0, 4)));
    QVERIFY2(tipAt(0, 1, 8).contains(QStringLiteral("%1")), qPrintable(tipAt(0, 1, 8))); // kept as it is
    QVERIFY(view.toolTipAt(QPoint(1, 1)).isEmpty());

    // Through the event the widget gets.
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    const QPoint pos = view.tokenRect(1, 0, 1).center().toPoint();
    QHelpEvent help(QEvent::ToolTip, pos, view.mapToGlobal(pos));
    QApplication::sendEvent(&view, &help);
    QTRY_VERIFY(QToolTip::isVisible());
    QVERIFY2(QToolTip::text().contains(QStringLiteral("2.75")), qPrintable(QToolTip::text()));
    QToolTip::hideText();
}

void TestTokenEvidence::exportsASlide()
{
    TokenEvidenceDialog dialog(nullptr, m_probe, 3);
    QVERIFY(!dialog.exportButton()->isEnabled());
    dialog.setEvidence(handMadeEvidence());
    QVERIFY(dialog.exportButton()->isEnabled());
    QVERIFY(dialog.result() != nullptr);
    QVERIFY(dialog.view()->title().contains(QStringLiteral("Pair 3 of mixed")));
    grab(dialog, QStringLiteral("tokenevidence-handmade-dialog.png"));

    const QString png = figurePath(QStringLiteral("tokenevidence-handmade.png"));
    const QString svg = figurePath(QStringLiteral("tokenevidence-handmade.svg"));
    const QSize onScreen = dialog.view()->size();
    const QRectF onScreenBox = dialog.view()->tokenRect(1, 0, 1);
    QString error;
    QVERIFY2(dialog.exportFigure(png, kDefaultFigureSize, &error), qPrintable(error));
    QVERIFY2(dialog.exportFigure(svg, kDefaultFigureSize, &error), qPrintable(error));
    const QImage image(png);
    QCOMPARE(image.size(), QSize(1920, 1080));
    // Slide type: the figure fills the slide, down to its last quarter.
    bool inked = false;
    for (int y = 3 * 1080 / 4; y < 1080 && !inked; y += 4)
        for (int x = 0; x < 1920 && !inked; x += 4)
            inked = image.pixelColor(x, y) != QColor(Qt::white);
    QVERIFY(inked);
    QFile svgFile(svg);
    QVERIFY(svgFile.open(QIODevice::ReadOnly));
    const QByteArray svgText = svgFile.readAll();
    QVERIFY(svgText.contains("<svg"));
    QVERIFY(svgText.contains("Pair 3 of mixed")); // the title is text, not pixels
    QSvgRenderer renderer(svg);
    QVERIFY(renderer.isValid());
    QImage drawn(kDefaultFigureSize, QImage::Format_ARGB32);
    drawn.fill(Qt::white);
    QPainter painter(&drawn);
    renderer.render(&painter);
    painter.end();
    if (!qEnvironmentVariableIsEmpty("SHIFTSCOPE_TEST_FIGURES"))
        QVERIFY(drawn.save(figurePath(QStringLiteral("tokenevidence-handmade-svg.png"))));
    // The view on screen keeps its size and type.
    QCOMPARE(dialog.view()->size(), onScreen);
    QCOMPARE(dialog.view()->tokenRect(1, 0, 1), onScreenBox);

    TokenEvidenceDialog nothing(nullptr, m_probe, 3);
    QVERIFY(!nothing.exportFigure(png, kDefaultFigureSize, &error));
    QVERIFY(!error.isEmpty());

    // A reading that does not exist is named with its reason under the figure.
    TokenEvidence withoutCra = handMadeEvidence();
    withoutCra.unread.emplace_back("cra", "only the last token carries its reading");
    dialog.setEvidence(withoutCra);
    const auto *outcome = dialog.findChild<QLabel *>(QStringLiteral("tokenEvidenceOutcome"));
    QVERIFY(outcome);
    QVERIFY2(outcome->text().contains(QStringLiteral("cra cannot be read token by token: only the last token")),
             qPrintable(outcome->text()));
}

void TestTokenEvidence::aLongPairWrapsAndFits()
{
    TokenEvidenceDialog dialog(nullptr, m_probe, 7);
    dialog.setEvidence(longEvidence());
    TokenEvidenceView *view = dialog.view();
    // However narrow, every token stays inside the view.
    for (const int width : {1600, 700, 300}) {
        view->resize(width, view->heightForWidth(width));
        for (int track = 0; track < 4; ++track)
            for (int row = 0; row < 2; ++row)
                for (int i = 0; i < 240 - 40 * row; ++i) {
                    const QRectF box = view->tokenRect(track, row, i);
                    QVERIFY2(!box.isEmpty() && QRectF(view->rect()).adjusted(0, 0, 0.5, 0.5).contains(box),
                             qPrintable(QStringLiteral("%1 %2 %3 at %4").arg(track).arg(row).arg(i).arg(width)));
                }
    }
    dialog.resize(900, 700);
    grab(dialog, QStringLiteral("tokenevidence-long-dialog.png"));
    TokenEvidenceView narrow;
    narrow.setCaption(view->title());
    narrow.setEvidence(handMadeEvidence());
    narrow.resize(320, narrow.heightForWidth(320));
    grab(narrow, QStringLiteral("tokenevidence-narrow.png"));
    const QString png = figurePath(QStringLiteral("tokenevidence-long.png"));
    QString error;
    QVERIFY2(dialog.exportFigure(png, kDefaultFigureSize, &error), qPrintable(error));
    QCOMPARE(QImage(png).size(), QSize(1920, 1080));
}

void TestTokenEvidence::readsARunsPairOffTheGuiThread()
{
    Workspace ws = Workspace::open(m_ws);
    TokenEvidenceDialog dialog(&ws, m_probe, 0);
    QSignalSpy computed(&dialog, &TokenEvidenceDialog::computed);
    QVERIFY(!dialog.exportButton()->isEnabled()); // until the evidence is there
    QVERIFY2(computed.wait(120000), qPrintable(dialog.outcome()->text()));
    const TokenEvidence *evidence = dialog.result();
    QVERIFY(evidence != nullptr);
    QVERIFY2(evidence->tracks.size() >= 2, qPrintable(QString::number(evidence->tracks.size())));
    QCOMPARE(evidence->tracks[0].intervention, std::string("zero_shot"));
    bool probe = false;
    for (const TokenTrack &track : evidence->tracks) {
        probe = probe || track.intervention.rfind("linear_probe", 0) == 0;
        for (int row = 0; row < 2; ++row) {
            QVERIFY(!track.tokens[std::size_t(row)].empty());
            QCOMPARE(track.values[std::size_t(row)].size(), track.tokens[std::size_t(row)].size());
            QVERIFY(!dialog.view()->tokenRect(0, row, 0).isEmpty());
        }
    }
    QVERIFY(probe);
    QVERIFY(dialog.exportButton()->isEnabled());
    grab(dialog, QStringLiteral("tokenevidence-run-dialog.png"));
    QString error;
    const QString png = figurePath(QStringLiteral("tokenevidence-run.png"));
    QVERIFY2(dialog.exportFigure(png, kDefaultFigureSize, &error), qPrintable(error));
    QCOMPARE(QImage(png).size(), QSize(1920, 1080));
}

void TestTokenEvidence::aMissingPairSaysWhy()
{
    Workspace ws = Workspace::open(m_ws);
    TokenEvidenceDialog dialog(&ws, m_probe, 9999);
    dialog.wait();
    QTRY_VERIFY(dialog.outcome()->text().contains(QStringLiteral("#b00020")));
    QVERIFY2(dialog.outcome()->text().contains(QStringLiteral("9999")), qPrintable(dialog.outcome()->text()));
    QVERIFY(dialog.result() == nullptr);
    QVERIFY(!dialog.exportButton()->isEnabled());
    grab(dialog, QStringLiteral("tokenevidence-error.png"));

    // Closing while it reads stops and waits for the reading.
    QPointer<TokenEvidenceDialog> closing = new TokenEvidenceDialog(&ws, m_probe, 0);
    closing->setAttribute(Qt::WA_DeleteOnClose);
    closing->show();
    closing->close();
    QTRY_VERIFY(closing.isNull());
}

void TestTokenEvidence::theDisagreementsViewLinksToIt()
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
    view.setDistribution(QStringLiteral("mixed"));
    qint64 probe = 0;
    for (const auto &e : ResultStore(ws).evaluations())
        if (e.evalDistribution == "mixed" && e.trainDistribution == "cued"
            && e.intervention.rfind("linear_probe", 0) == 0)
            probe = e.id;
    QVERIFY(probe != 0);
    view.chooseEvaluations({probe});
    QVERIFY(view.trustBar()->subject().has_value());
    view.table()->selectRow(0);
    const int pair = view.table()->model()->index(0, 0).data(DisagreementModel::PairIndexRole).toInt();
    const QString html = view.pairView()->toHtml();
    QVERIFY2(html.contains(QStringLiteral("tokens:%1").arg(pair)), qPrintable(html));
    QVERIFY2(view.pairView()->toPlainText().contains(QStringLiteral("Token by token")),
             qPrintable(view.pairView()->toPlainText()));
    view.resize(1400, 900);
    grab(view, QStringLiteral("tokenevidence-disagreements.png"));

    emit view.pairView()->anchorClicked(QUrl(QStringLiteral("tokens:%1").arg(pair)));
    QPointer<TokenEvidenceDialog> dialog = view.findChild<TokenEvidenceDialog *>();
    QVERIFY(dialog);
    QVERIFY(dialog->isVisible());
    QVERIFY(!dialog->isModal());
    QCOMPARE(dialog->pairIndex(), pair);
    QVERIFY(dialog->windowTitle().contains(m_probe.label));
    QSignalSpy computed(dialog.data(), &TokenEvidenceDialog::computed);
    QVERIFY2(computed.wait(120000), qPrintable(dialog->outcome()->text()));
    dialog->close(); // deletes itself
    QTRY_VERIFY(dialog.isNull());
}

QTEST_MAIN(TestTokenEvidence)
#include "tst_tokenevidence.moc"
