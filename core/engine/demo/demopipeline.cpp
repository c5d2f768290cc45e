#include "engine/demo/demopipeline.h"

#include "demo/demoworkspace.h"
#include "engine/demo/demomodel.h"
#include "engine/interventions/modelinterventions.h"
#include "runs/runner.h"
#include "runs/runplanner.h"
#include "runs/runstore.h"
#include "util/errors.h"
#include "workspace/workspace.h"

#include <ostream>

namespace shiftscope {

namespace fs = std::filesystem;

namespace {

//! The name the demo model's results carry in the results views (GENIES model names end in a size token).

//! Parameters the demo runs use, sized for the demo model: a higher learning rate than a billion-parameter model
//! wants, and fewer steps.
std::vector<std::string> demoParameters(const std::string &intervention)
{
    if (intervention == "lora")
        return {"learning_rate=2e-3", "steps=60", "batch_size=8", "max_length=256"};
    if (intervention == "prompt_tuning")
        return {"learning_rate=2e-2", "steps=60", "batch_size=8", "max_length=256"};
    if (intervention == "mms" || intervention == "cra" || intervention == "lat_stim_1" || intervention == "lat_stim_2"
        || intervention == "linear_probe" || intervention == "ccs")
        return {"max_length=256"};
    return {};
}

} // namespace

std::vector<std::pair<std::string, RunRecord>> demoPipelineRuns(const fs::path &path, const ProgressCallback &progress,
                                                                const ProgressCallback &modelProgress,
                                                                const std::vector<std::string> &interventions,
                                                                const fs::path &modelDir, std::ostream *log)
{
    registerModelInterventions();
    const std::string summary = buildDemoWorkspace(path, progress);
    if (log)
        *log << summary << "\n";
    const fs::path model = modelDir.empty() ? cachedDemoModel(modelProgress) : modelDir;
    const fs::path folder = path.has_parent_path() ? path.parent_path() : fs::path(".");
    const std::string shifts = (folder / "demo-data" / "distribution_shifts" / "demo.json").string();

    Workspace ws = Workspace::open(path);
    RunStore store(ws);
    store.markInterrupted();
    std::vector<std::pair<std::string, RunRecord>> finished;
    for (const auto &intervention : interventions) {
        RunRequest request;
        request.modelDir = model;
        request.intervention = intervention;
        request.shifts = shifts;
        request.parameters = demoParameters(intervention);
        request.seed = 1;
        const RunRecord planned = planRun(ws, request);
        // A finished run of the same model, data, intervention and parameters is reused, not recomputed.
        std::optional<RunRecord> reuse;
        for (const RunRecord &r : store.runs())
            if (r.intervention == intervention && r.modelHash == planned.modelHash && r.dataHash == planned.dataHash
                && r.parameters == planned.parameters && r.shifts == planned.shifts && r.seed == planned.seed
                && r.status != RunStatus::Failed)
                reuse = r;
        const std::int64_t id = reuse ? reuse->id : store.create(planned);
        if (!reuse || reuse->status != RunStatus::Done) {
            if (log)
                *log << "run " << id << ": " << intervention << " over the demo shifts\n";
            RunOptions options;
            options.progress = [&](std::int64_t done, std::int64_t total, const std::string &stage) {
                return !progress || progress(done, total, intervention + ": " + stage);
            };
            const RunStatus status = RunRunner::execute(ws, id, options);
            if (status == RunStatus::Cancelled)
                throw Cancelled(); // what is finished stays; the next call resumes the run
            if (status != RunStatus::Done)
                throw std::runtime_error("the " + intervention + " run stopped before it finished");
        }
        finished.emplace_back(intervention, *store.run(id));
    }

    // Each run wrote its evaluations into the workspace's results as it went: the views show them as they are.
    return finished;
}

std::string prepareDemo(const fs::path &workspace, const ProgressCallback &progress,
                        const std::vector<std::string> &interventions, const fs::path &model)
{
    const auto finished = demoPipelineRuns(workspace, progress, progress, interventions, model, nullptr);
    std::string names;
    for (const auto &[intervention, run] : finished)
        names += (names.empty() ? "" : ", ") + intervention;
    return "Demo workspace " + workspace.string() + " with finished runs of " + names;
}

} // namespace shiftscope
