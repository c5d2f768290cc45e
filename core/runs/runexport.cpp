#include "runs/runexport.h"

#include "metrics/geniesmetrics.h"
#include "runs/runstore.h"

#include <cmath>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>

namespace shiftscope {

namespace fs = std::filesystem;

int exportRunResults(Workspace &workspace, const RunRecord &run, const fs::path &root, const std::string &modelName)
{
    RunStore store(workspace);
    const std::time_t now = std::time(nullptr);
    char timestamp[32];
    std::strftime(timestamp, sizeof timestamp, "%Y-%m-%d %H:%M:%S", std::gmtime(&now));
    int written = 0;
    for (const RunUnit &unit : run.units) {
        if (unit.status != RunStatus::Done)
            continue;
        const std::string folder = unit.trainDistribution.empty() ? modelName
                                                                  : modelName + "-" + unit.trainDistribution;
        const fs::path dir = root / "evaluations" / unit.intervention / folder;
        fs::create_directories(dir);
        for (const std::string &distribution : unit.evaluations) {
            const std::vector<double> p = store.predictions(unit.id, distribution);
            if (p.empty())
                continue;
            const GeniesMetrics m = computeGeniesMetrics(p);
            nlohmann::ordered_json file = {
                {"model_dir", run.modelPath},       {"distribution_id", distribution},
                {"timestamp", timestamp},           {"eval_score", -m.brierScore},
                {"eval_brier_score", m.brierScore}, {"eval_average_probability", m.averageProbability},
                {"eval_accuracy", m.accuracy},      {"eval_probabilities", p}};
            if (!unit.trainDistribution.empty() && distribution != unit.trainDistribution
                && !std::isnan(m.rmsCalibrationError))
                file["eval_rms_calibration_error"] = m.rmsCalibrationError;
            std::ofstream(dir / (distribution + ".json")) << file.dump() << "\n";
            ++written;
        }
    }
    return written;
}

} // namespace shiftscope
