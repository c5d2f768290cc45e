// shiftscope-cli export-figure: every results view rendered headless to PNG and SVG at the asked size, with the
// model, interventions, shift set, shift and metric options, and clear errors for bad requests.
#include "widgets/results/figurecommand.h"
#include "results/generalizationtable.h"
#include "results/resultanalysis.h"
#include "results/resultsimporter.h"
#include "genies/dataimporter.h"
#include "runs/runner.h"
#include "runs/runplanner.h"
#include "runs/runstore.h"
#include "testsupport.h"
#include "workspace/workspace.h"

#include <QFile>
#include <QImage>
#include <QStandardPaths>
#include <QSvgRenderer>
#include <QXmlStreamReader>
#include <QtTest>

using namespace shiftscope;
using namespace shiftscope::test;
namespace fs = std::filesystem;

namespace {

//! A short-form evaluation file whose first `correct` of `count` probabilities favour the preferred response.
std::string evaluationJson(int count, int correct)
{
    std::string p;
    for (int k = 0; k < count; ++k)
        p += (k ? ", " : "") + pythonFloatRepr(k < correct ? 0.55 + 0.4 * k / count : 0.45 - 0.4 * k / count);
    return R"({"eval_accuracy": )" + pythonFloatRepr(double(correct) / count) + R"(, "eval_probabilities": [)" + p
         + "]}";
}

//! Results of two models on one GENIES shift (alpaca_easy -> alpaca_hard), with what its views need.
fs::path writeResults(const QTemporaryDir &dir)
{
    const fs::path root = tempPath(dir, "results/evaluations");
    for (const std::string model : {"llama-7b", "llama-13b"}) {
        writeText(root / ("mms/" + model + "-alpaca_easy/alpaca_easy.json"), evaluationJson(60, 54));
        writeText(root / ("mms/" + model + "-alpaca_easy/alpaca_hard.json"), evaluationJson(60, 45));
        writeText(root / ("mms/" + model + "-alpaca_hard/alpaca_hard.json"), evaluationJson(60, 57));
        writeText(root / ("zero_shot/" + model + "-alpaca_easy/alpaca_hard.json"), evaluationJson(60, 36));
    }
    writeText(root / "lora_fine_tuning/llama-7b-alpaca_easy/alpaca_easy.json", evaluationJson(60, 56));
    writeText(root / "lora_fine_tuning/llama-7b-alpaca_easy/alpaca_hard.json", evaluationJson(60, 50));
    // ccs, first in alphabetical order, stored accuracies only (as the published ccs results do).
    writeText(root / "ccs/llama-7b-alpaca_easy/alpaca_easy.json", R"({"eval_accuracy": 0.8})");
    writeText(root / "ccs/llama-7b-alpaca_easy/alpaca_hard.json", R"({"eval_accuracy": 0.6})");
    return root.parent_path();
}


//! The GENIES-sized case: every shift of the built-in catalogue with ten interventions of one model, each trained
//! on the source and evaluated on it and the target, on the target reference for the capability, and zero_shot on
//! the target; 40 pairs per file.
fs::path writeFullResults(const QTemporaryDir &dir, const std::vector<ShiftPair> &shifts,
                          const std::vector<std::string> &interventions)
{
    const fs::path root = tempPath(dir, "full/results/evaluations");
    int k = 0;
    for (const std::string &intervention : interventions)
        for (const ShiftPair &shift : shifts) {
            const std::string reference = shift.effectiveReference();
            const std::string folder = intervention + "/llama-30b-";
            ++k;
            writeText(root / (folder + shift.source) / (shift.source + ".json"), evaluationJson(40, 24 + k % 16));
            writeText(root / (folder + shift.source) / (shift.target + ".json"), evaluationJson(40, 8 + k % 30));
            writeText(root / (folder + reference) / (reference + ".json"), evaluationJson(40, 30 + k % 10));
        }
    for (const ShiftPair &shift : shifts)
        writeText(root / ("zero_shot/llama-30b-" + shift.source) / (shift.target + ".json"), evaluationJson(40, 20));
    return root.parent_path();
}

//! The text an SVG draws, element by element.
QStringList svgTexts(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    QStringList texts;
    QXmlStreamReader xml(&file);
    while (!xml.atEnd())
        if (xml.readNext() == QXmlStreamReader::StartElement && xml.name() == QLatin1String("text"))
            texts << xml.readElementText(QXmlStreamReader::IncludeChildElements);
    return texts;
}
} // namespace

class TestFigureCommand : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void everyViewExports_data();
    void everyViewExports();
    void optionsChangeTheFigure();
    void badRequestsAreExplained();
    void drawsARun();
    void fullSizeResultsStayLegible_data();
    void fullSizeResultsStayLegible();

private:
    QTemporaryDir m_dir;
    std::string m_ws;
};

void TestFigureCommand::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    registerFigureCommands();
    m_ws = tempPath(m_dir, "w.sqlite").string();
    Workspace ws = Workspace::create(m_ws);
    ResultsImporter::importResults(ws, writeResults(m_dir));
}

void TestFigureCommand::everyViewExports_data()
{
    QTest::addColumn<QString>("view");
    for (const char *view : {"shift-results", "heatmap", "categories", "transfer", "calibration"})
        QTest::newRow(view) << QString(view);
}

void TestFigureCommand::everyViewExports()
{
    QFETCH(QString, view);
    const std::string png = tempPath(m_dir, (view.toStdString() + ".png").c_str()).string();
    auto r = runCommand({"--workspace", m_ws, "export-figure", view.toStdString(), "--out", png});
    QVERIFY2(r.code == 0, r.err.c_str());
    QVERIFY2(r.out.find("Wrote " + png) != std::string::npos, r.out.c_str());
    QVERIFY(r.out.find("llama-7b") != std::string::npos); // the model with the most interventions by default
    const QImage image(QString::fromStdString(png));
    QCOMPARE(image.size(), QSize(1920, 1080));
    // Not blank: a figure has many colours.
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += 7)
        for (int x = 0; x < image.width(); x += 7)
            colours.insert(image.pixel(x, y));
    QVERIFY2(colours.size() > 5, qPrintable(view));

    const std::string svg = tempPath(m_dir, (view.toStdString() + ".svg").c_str()).string();
    r = runCommand({"--workspace", m_ws, "export-figure", view.toStdString(), "--out", svg, "--size", "1280x720"});
    QVERIFY2(r.code == 0, r.err.c_str());
    QFile file(QString::fromStdString(svg));
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QSvgRenderer renderer(file.readAll());
    QVERIFY(renderer.isValid());
    QCOMPARE(renderer.viewBox().size(), QSize(1280, 720));
}

void TestFigureCommand::optionsChangeTheFigure()
{
    auto render = [&](const std::vector<std::string> &options) {
        const std::string out = tempPath(m_dir, "option.svg").string();
        std::vector<std::string> words = {"--workspace", m_ws, "export-figure", "heatmap", "--out", out};
        words.insert(words.end(), options.begin(), options.end());
        const auto r = runCommand(words);
        QFile file(QString::fromStdString(out));
        if (r.code != 0 || !file.open(QIODevice::ReadOnly))
            return std::string("failed: ") + r.err;
        return file.readAll().toStdString();
    };
    const std::string plain = render({});
    QVERIFY(plain.find("failed") != 0);
    QVERIFY(plain.find("lora_fine_tuning") != std::string::npos);
    const std::string onlyMms = render({"--interventions", "mms"});
    QVERIFY(onlyMms.find("failed") != 0);
    QVERIFY(onlyMms.find("lora_fine_tuning") == std::string::npos);
    const std::string otherModel = render({"--model", "llama-13b"});
    QVERIFY(otherModel.find("llama-13b") != std::string::npos || otherModel != plain);
    QVERIFY(render({"--metric", "accuracy"}) != plain);
    QVERIFY(render({"--presentation"}) != plain);
    QVERIFY(render({"--shifts", "all"}).find("failed") != 0);

    // Calibration starts on an intervention with probabilities (not ccs, listed first); asked for ccs, it says why
    // there is nothing to draw.
    const std::string out = tempPath(m_dir, "calibration.svg").string();
    auto r = runCommand({"--workspace", m_ws, "export-figure", "calibration", "--out", out});
    QVERIFY2(r.code == 0, r.err.c_str());
    QVERIFY(readText(out).find("lora_fine_tuning") != std::string::npos);
    r = runCommand({"--workspace", m_ws, "export-figure", "calibration", "--interventions", "ccs", "--shift",
                    "alpaca_easy:alpaca_hard", "--out", out});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.find("stored no probabilities") != std::string::npos, r.err.c_str());
}

void TestFigureCommand::badRequestsAreExplained()
{
    const std::string out = tempPath(m_dir, "bad.png").string();
    auto run = [&](std::vector<std::string> words) {
        words.insert(words.begin(), {"--workspace", m_ws, "export-figure"});
        return runCommand(words);
    };
    auto r = run({"pie-chart", "--out", out});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.find("unknown view 'pie-chart'; the views are shift-results, heatmap") != std::string::npos,
             r.err.c_str());
    r = run({"heatmap"});
    QCOMPARE(r.code, 2);
    QVERIFY(r.err.find("needs --out") != std::string::npos);
    r = run({"heatmap", "--out", tempPath(m_dir, "x.gif").string()});
    QVERIFY(r.err.find("--out must end in .svg or .png") != std::string::npos);
    r = run({"heatmap", "--out", out, "--size", "big"});
    QVERIFY(r.err.find("--size needs WIDTHxHEIGHT") != std::string::npos);
    r = run({"heatmap", "--out", out, "--model", "gpt-5"});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.find("--model gpt-5: no results for this model (fix: choose one of: llama-13b, llama-7b)")
                 != std::string::npos,
             r.err.c_str());
    r = run({"heatmap", "--out", out, "--interventions", "cra"});
    QVERIFY(r.err.find("no results of this intervention for llama-7b") != std::string::npos);
    r = run({"calibration", "--out", out, "--shift", "nowhere:else"});
    QVERIFY(r.err.find("--shift nowhere:else: no such shift") != std::string::npos);
    QVERIFY(!fs::exists(out));
    // An output that cannot be a file is refused before anything is drawn.
    const std::string folder = tempPath(m_dir, "a-folder.svg").string();
    fs::create_directories(folder);
    r = run({"heatmap", "--out", folder});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.find("this is a folder") != std::string::npos, r.err.c_str());

    const std::string empty = tempPath(m_dir, "empty.sqlite").string();
    Workspace::create(empty);
    r = runCommand({"--workspace", empty, "export-figure", "heatmap", "--out", out});
    QCOMPARE(r.code, 2);
    QVERIFY(r.err.find("the workspace holds no results") != std::string::npos);
}

void TestFigureCommand::drawsARun()
{
    // A run's evaluations are results: export-figure --run draws it with no import.
    QTemporaryDir dir;
    writeText(tempPath(dir, "d/alpaca_easy/train.json"), validSplit(10));
    writeText(tempPath(dir, "d/alpaca_easy/test.json"), validSplit(30, 3));
    writeText(tempPath(dir, "d/alpaca_hard/train.json"), validSplit(10));
    writeText(tempPath(dir, "d/alpaca_hard/test.json"), validSplit(30, 3));
    const std::string ws = tempPath(dir, "w.sqlite").string();
    {
        Workspace w = Workspace::create(ws);
        DataImporter::importData(w, tempPath(dir, "d"));
        const auto id = RunStore(w).create(planRun(w, {{}, "random", "alpaca_easy:alpaca_hard", {}, 1, "random", {}}));
        QCOMPARE(RunRunner::execute(w, id, {16, {}}), RunStatus::Done);
    }
    const std::string svg = tempPath(dir, "run.svg").string();
    auto r = runCommand({"--workspace", ws, "export-figure", "shift-results", "--run", "1", "--out", svg});
    QVERIFY2(r.code == 0, r.err.c_str());
    QVERIFY2(r.out.find("no model") != std::string::npos, r.out.c_str());
    // The legend keeps each entry on one line, so its spaces are drawn as no-break spaces.
    QVERIFY(QString::fromStdString(readText(svg))
                .replace(QChar(0xa0), QLatin1Char(' '))
                .contains(QStringLiteral("random · run 1")));
    QCOMPARE(runCommand({"--workspace", ws, "export-figure", "heatmap", "--run", "9", "--out", svg}).code, 2);
    QCOMPARE(
        runCommand({"--workspace", ws, "export-figure", "heatmap", "--run", "1", "--model", "m", "--out", svg}).code,
        2);
}

void TestFigureCommand::fullSizeResultsStayLegible_data()
{
    QTest::addColumn<QString>("view");
    QTest::addColumn<bool>("presentation");
    for (const char *view : {"shift-results", "heatmap", "categories", "transfer", "calibration"}) {
        QTest::newRow(view) << QString(view) << false;
        QTest::newRow((std::string(view) + " presentation").c_str()) << QString(view) << true;
    }
}

void TestFigureCommand::fullSizeResultsStayLegible()
{
    QFETCH(QString, view);
    QFETCH(bool, presentation);
    static QTemporaryDir dir;
    static std::string ws;
    const std::vector<std::string> interventions{"zero_shot", "few_shot",     "lora_fine_tuning", "prompt_tuning",
                                                 "mms",       "cra",          "lat_stim_1",       "lat_stim_2",
                                                 "ccs",       "classify_lora"};
    if (ws.empty()) {
        ws = tempPath(dir, "full.sqlite").string();
        Workspace w = Workspace::create(ws);
        ResultsImporter::importResults(w, writeFullResults(dir, shiftsOf(w, ShiftSet::All), interventions));
    }
    const QString svg = QString::fromStdString(tempPath(dir, "figure.svg").string());
    std::vector<std::string> args{
        "--workspace",     ws,         "export-figure", view.toStdString(), "--out",
        svg.toStdString(), "--shifts", "all",           "--shift",          "alpaca_easy:alpaca_hard"};
    if (presentation)
        args.push_back("--presentation");
    const auto r = runCommand(args);
    QVERIFY2(r.code == 0, r.err.c_str());
    // Every file written (a figure too tall for one page is split into pages) is legible at its size.
    QStringList files;
    for (const QString &line : QString::fromStdString(r.out).split(QLatin1Char('\n')))
        if (line.startsWith(QStringLiteral("Wrote ")))
            files << line.mid(6).section(QLatin1Char(' '), 0, 0);
    QVERIFY2(!files.isEmpty(), r.out.c_str());
    QStringList everything;
    for (const QString &file : files) {
        const QSvgRenderer renderer(file);
        QVERIFY2(renderer.isValid(), qPrintable(file));
        QCOMPARE(renderer.viewBox().size(), QSize(1920, 1080));
        const QStringList texts = svgTexts(file);
        QVERIFY2(texts.size() > 3, qPrintable(file)); // not an empty plot
        for (const QString &text : texts)
            QVERIFY2(!text.contains(QStringLiteral("...")) && !text.contains(QChar(0x2026)),
                     qPrintable(file + QStringLiteral(": elided \"") + text + QLatin1Char('"')));
        everything << texts;
    }
    // Every intervention's name is drawn whole where the view names them.
    if (view == QStringLiteral("shift-results") || view == QStringLiteral("heatmap")) {
        const QString all = everything.join(QLatin1Char(' '));
        for (const auto &name : interventions)
            QVERIFY2(all.contains(QString::fromStdString(name)), name.c_str());
    }
}

QTEST_MAIN(TestFigureCommand)
#include "tst_figurecommand.moc"
