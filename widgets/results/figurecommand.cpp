#include "widgets/results/figurecommand.h"

#include "cli/commandtable.h"
#include "runs/runstore.h"
#include "widgets/results/heatmapview.h"
#include "widgets/shell/presentationstyle.h"
#include "widgets/shell/qtconvert.h"
#include "results/resultanalysis.h"
#include "results/resultstore.h"
#include "results/seedgroups.h"
#include "widgets/results/resultscontext.h"
#include "widgets/results/viewregistry.h"
#include "util/atomicfile.h"
#include "util/errors.h"

#include <QApplication>
#include <algorithm>
#include <QStringList>
#include <cstdlib>
#include <sys/stat.h>
#include <unistd.h>
#include <memory>
#include <optional>

namespace shiftscope {

namespace {

//! "1920x1080" -> the size; throws UsageError otherwise.
QSize parseSize(const std::string &text)
{
    const QStringList parts = QString::fromStdString(text).split(QLatin1Char('x'));
    bool okWidth = false, okHeight = false;
    const int width = parts.size() == 2 ? parts[0].toInt(&okWidth) : 0;
    const int height = parts.size() == 2 ? parts[1].toInt(&okHeight) : 0;
    if (!okWidth || !okHeight || width < 200 || height < 150 || width > 16384 || height > 16384)
        throw UsageError("--size needs WIDTHxHEIGHT in pixels between 200x150 and 16384x16384, got '" + text + "'");
    return {width, height};
}

std::vector<std::string> splitList(const std::string &text)
{
    std::vector<std::string> items;
    for (const QString &item : QString::fromStdString(text).split(QLatin1Char(','), Qt::SkipEmptyParts))
        items.push_back(item.trimmed().toStdString());
    return items;
}

//! The off-screen application the views need, unless the caller already runs one.
std::unique_ptr<QApplication> ensureApplication()
{
    if (QCoreApplication::instance())
        return nullptr;
    if (!std::getenv("QT_QPA_PLATFORM"))
        ::setenv("QT_QPA_PLATFORM", "offscreen", 0);
    if (!std::getenv("XDG_RUNTIME_DIR")) { // what Qt would pick itself, without its warning
        const std::string runtime = "/tmp/runtime-" + std::to_string(::getuid());
        ::mkdir(runtime.c_str(), 0700);
        ::setenv("XDG_RUNTIME_DIR", runtime.c_str(), 0);
    }
    static int argc = 1;
    static char name[] = "shiftscope-cli";
    static char *argv[] = {name, nullptr};
    return std::make_unique<QApplication>(argc, argv);
}

int exportFigure(CommandContext &c)
{
    const Arguments &args = c.args;
    std::ostream &out = c.out;
    c.expectOperands(1, "one VIEW: " + resultsViewNames().toStdString());
    const std::string viewName = args.positionals()[0];
    const auto outPath = args.value("out");
    if (!outPath)
        throw UsageError("export-figure needs --out FILE.svg or FILE.png");
    const QString path = QString::fromStdString(*outPath);
    if (!path.endsWith(QLatin1String(".svg"), Qt::CaseInsensitive)
        && !path.endsWith(QLatin1String(".png"), Qt::CaseInsensitive))
        throw UsageError("--out must end in .svg or .png, got '" + *outPath + "'");
    prepareOutputFile(*outPath); // a folder or a device is refused before anything is drawn
    const QSize size = args.value("size") ? parseSize(*args.value("size")) : kDefaultFigureSize;
    std::optional<ShiftSet> chosenSet;
    if (const auto shifts = args.value("shifts")) {
        if (*shifts == "all")
            chosenSet = ShiftSet::All;
        else if (*shifts == "genies")
            chosenSet = ShiftSet::Genies;
        else
            throw UsageError("--shifts needs genies or all, got '" + *shifts + "'");
    }
    std::optional<HeatmapMetric> metric;
    if (const auto m = args.value("metric")) {
        if (*m == "de" || *m == "differential-elicitation")
            metric = HeatmapMetric::DifferentialElicitation;
        else if (*m == "accuracy")
            metric = HeatmapMetric::GeneralizationAccuracy;
        else
            throw UsageError("--metric needs de or accuracy, got '" + *m + "'");
    }

    Workspace ws = c.workspace();
    const auto app = ensureApplication();
    auto context = std::make_unique<ResultsContext>();
    auto view = createResultsView(QString::fromStdString(viewName), context.get());
    if (!view)
        throw UsageError("unknown view '" + viewName + "'; the views are " + resultsViewNames().toStdString());

    ResultStore store(ws);
    const std::vector<std::string> models = store.models();
    if (models.empty())
        throw InputError(InputProblem{ws.path().string(),
                                      {},
                                      "the workspace holds no results",
                                      "import GENIES results with import-results, or run an intervention with run"});
    // A run names its model and intervention; by default the model with results of the most interventions (the
    // published tree's human_eval "model" has one).
    std::optional<RunRecord> run;
    if (const auto id = args.value("run")) {
        if (args.value("model") || args.value("interventions"))
            throw UsageError("--run names the model and intervention itself; leave out --model and --interventions");
        RunStore runs(ws);
        runs.publishPending();
        run = runs.existingRun(runIdArgument(*id));
    }
    std::string model = run ? runModelName(*run) : args.value("model").value_or("");
    if (model.empty()) {
        std::size_t most = 0;
        for (const auto &m : models)
            if (const std::size_t n = store.interventions(m).size(); n > most) {
                most = n;
                model = m;
            }
    }
    if (std::find(models.begin(), models.end(), model) == models.end()) {
        std::string known;
        for (const auto &m : models)
            known += (known.empty() ? "" : ", ") + m;
        throw InputError(InputProblem{ws.path().string(), "--model " + model, "no results for this model",
                                      "choose one of: " + known});
    }
    std::vector<std::string> interventions = run ? std::vector<std::string>{runEvaluationLabel(*run, run->intervention)}
                                           : args.value("interventions") ? splitList(*args.value("interventions"))
                                                                         : store.interventions(model);
    std::vector<std::string> available = store.interventions(model);
    for (const SeedGroup &group : seedGroups(ws, model)) // the seeds of one configuration, as the toolbar lists them
        available.push_back(group.name);
    for (const auto &i : interventions)
        if (std::find(available.begin(), available.end(), i) == available.end()) {
            std::string known;
            for (const auto &a : available)
                known += (known.empty() ? "" : ", ") + a;
            throw InputError(InputProblem{ws.path().string(), "--interventions " + i,
                                          "no results of this intervention for " + model, "choose among: " + known});
        }

    context->setWorkspace(&ws);
    context->setModel(qs(model));
    QStringList list;
    for (const auto &i : interventions)
        list << qs(i);
    context->setInterventions(list);
    // By default the set the GUI starts on for this model: all shifts for one evaluated on no GENIES distribution.
    const ShiftSet set = chosenSet ? *chosenSet : defaultShiftSet(ws, model);
    context->setShiftSet(set);
    if (const auto shift = args.value("shift")) {
        const auto colon = shift->find(':');
        std::optional<ShiftPair> found;
        for (const auto &s : shiftsOf(ws, ShiftSet::All))
            if (colon != std::string::npos && s.source == shift->substr(0, colon)
                && s.target == shift->substr(colon + 1))
                found = s;
        if (!found)
            throw InputError(InputProblem{ws.path().string(), "--shift " + *shift, "no such shift in the catalogue",
                                          "name it SOURCE:TARGET as listed by the shifts command"});
        context->selectShift(*found);
    } else if (viewName == "calibration") {
        // The calibration view plots one shift: the first of the chosen set that has something to plot.
        for (const auto &s : shiftsOf(ws, set)) {
            context->selectShift(s);
            if (view->emptyMessage().isEmpty())
                break;
        }
    }
    if (metric)
        if (auto *heatmap = dynamic_cast<HeatmapView *>(view.get()))
            heatmap->setMetric(*metric);
    context->setCapabilityRule(*capabilityRuleFromName(
        c.choice("capability", "automatic", {"automatic", "same-intervention", "published-best"})));
    if (args.has("presentation"))
        applyPresentationStyle(view.get(), true);

    QString error;
    QStringList written;
    if (!view->exportFigure(path, size, &error, false, &written)) {
        if (!view->emptyMessage().isEmpty())
            throw InputError(InputProblem{ws.path().string(), "view " + viewName, view->emptyMessage().toStdString(),
                                          "choose another --model, --interventions or --shift"});
        throw InputError(InputProblem{*outPath,
                                      {},
                                      "the figure could not be written: " + error.toStdString(),
                                      "check that the folder can be written and the disk has room"});
    }
    // A figure too tall to stay legible at this size comes in pages, one file each.
    for (const QString &file : written)
        out << "Wrote " << file.toStdString() << " (" << viewName << ", " << model << ", " << size.width() << "x"
            << size.height()
            << (written.size() > 1
                    ? ", page " + std::to_string(written.indexOf(file) + 1) + " of " + std::to_string(written.size())
                    : std::string())
            << ")\n";
    return 0;
}

} // namespace

void registerFigureCommands()
{
    CommandTable::instance().add(
        {"export-figure",
         "Figures",
         {"VIEW --out FILE.svg|png [--model M] [--interventions A,B] [--shifts genies|all] [--shift S:T] [--metric "
          "de|accuracy] "
          "[--size 1920x1080] [--presentation]"},
         "render a results view (" + resultsViewNames().toStdString() + ") headless, as the GUI exports it",
         WorkspaceUse::Existing,
         {{"out", "FILE", "the figure to write: .svg or .png"},
          {"model", "M", "the model (default: the one with results of the most interventions)"},
          {"run", "ID", "draw a run: its model and intervention"},
          {"interventions", "A,B,...", "the interventions to show (default: all of the model's)"},
          {"shifts", "genies|all",
           "the 15 GENIES pairs or every shift (default: GENIES, or every shift for a model evaluated on none of "
           "their distributions, as the GUI starts)"},
          {"shift", "SOURCE:TARGET", "the shift the calibration view plots"},
          {"metric", "de|accuracy", "the heatmap's metric (default de)"},
          {"size", "WIDTHxHEIGHT", "the figure's size in pixels (default 1920x1080)"},
          {"capability", "RULE", "the target-tuned capability: automatic, same-intervention or published-best"},
          {"presentation", {}, "the large-type, high-contrast talk style"}},
         exportFigure});
}

} // namespace shiftscope
