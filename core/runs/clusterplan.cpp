#include "runs/clusterplan.h"

#include "runs/intervention.h"
#include "util/atomicfile.h"
#include "util/errors.h"
#include "util/inputfile.h"
#include "workspace/workspace.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <random>
#include <unistd.h>

namespace shiftscope::cluster {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

std::string hostName()
{
    char name[256] = {};
    if (gethostname(name, sizeof name - 1) != 0)
        return "unknown-host";
    return name;
}

std::string taskHost()
{
    const char *node = std::getenv("SLURMD_NODENAME");
    return node && *node ? std::string(node) + " (" + hostName() + ")" : hostName();
}

std::string newPlanId()
{
    std::random_device device;
    std::string id;
    static const char *hex = "0123456789abcdef";
    for (int i = 0; i < 32; ++i)
        id += hex[device() % 16];
    return id;
}

std::string jobName(const std::string &planId) { return "shiftscope-" + planId.substr(0, 12); }

fs::path shardFolder(const fs::path &planDir, int position)
{
    return planDir / "shards" / ("unit-" + std::to_string(position));
}

fs::path failureNote(const fs::path &planDir, int position)
{
    return planDir / "failed" / ("unit-" + std::to_string(position) + ".txt");
}

fs::path localScratch(const std::string &what)
{
    const char *tmp = std::getenv("TMPDIR");
    fs::path base = tmp && *tmp ? fs::path(tmp) : fs::path("/tmp");
    std::string pattern = (base / ("shiftscope-" + what + "-XXXXXX")).string();
    if (::mkdtemp(pattern.data()))
        return pattern;
    pattern = "/tmp/shiftscope-" + what + "-XXXXXX"; // $TMPDIR of the submitting machine may not exist here
    if (!::mkdtemp(pattern.data()))
        throw std::runtime_error("cannot create a folder under " + base.string() + " or /tmp for " + what);
    return pattern;
}

Plan readPlan(const fs::path &planDir)
{
    const fs::path file = planDir / kPlanFile;
    const std::string text = readInputFile(file, 64u << 20, "give the plan folder that run --slurm printed");
    const Json json = Json::parse(text, nullptr, false);
    auto bad = [&](const std::string &what) {
        return InputError(InputProblem{file.string(),
                                       {},
                                       "not a ShiftScope plan: " + what,
                                       "give the plan folder that run --slurm printed, or submit the run again"});
    };
    if (!json.is_object() || json.value("shiftscope_plan", 0) != 1)
        throw bad("no \"shiftscope_plan\": 1");
    Plan plan;
    try {
        plan.planId = json.at("plan_id").get<std::string>();
        plan.runId = json.at("run_id").get<std::int64_t>();
        plan.workspace = json.at("workspace").get<std::string>();
        plan.modelHash = json.at("model_hash").get<std::string>();
        plan.data = json.at("data").get<std::map<std::string, std::string>>();
        for (const auto &u : json.at("units"))
            plan.units.push_back({u.at("position").get<int>(), u.at("intervention").get<std::string>(),
                                  u.at("train_distribution").get<std::string>(),
                                  u.at("evaluations").get<std::vector<std::string>>()});
    } catch (const nlohmann::json::exception &e) {
        throw bad(e.what());
    }
    if (plan.planId.size() != 32)
        throw bad("its plan_id is not 32 characters");
    return plan;
}

void writePlan(const fs::path &planDir, const Plan &plan, const RunRecord &run)
{
    Json units = Json::array();
    for (const auto &u : plan.units)
        units.push_back({{"position", u.position},
                         {"intervention", u.intervention},
                         {"train_distribution", u.trainDistribution},
                         {"evaluations", u.evaluations}});
    Json json = {{"shiftscope_plan", 1},
                 {"plan_id", plan.planId},
                 {"run_id", plan.runId},
                 {"workspace", plan.workspace},
                 {"model_path", run.modelPath},
                 {"adapter_path", run.adapterPath},
                 {"model_hash", plan.modelHash},
                 {"intervention", run.intervention},
                 {"parameters", run.parameters},
                 {"seed", run.seed},
                 {"data", plan.data},
                 {"units", units},
                 {"created_at", utcNow()}};
    writeFileAtomically(planDir / kPlanFile, json.dump(2) + "\n");
}

std::string trimmed(std::string text)
{
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
        text.pop_back();
    return text;
}

double tieCreditOf(const std::string &intervention)
{
    const auto names = InterventionRegistry::instance().names();
    if (std::find(names.begin(), names.end(), intervention) == names.end())
        return 1.0;
    return InterventionRegistry::instance().create(intervention)->tieCredit();
}

} // namespace shiftscope::cluster
