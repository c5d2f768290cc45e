#include "genies/dataimporter.h"
#include "results/resultanalysis.h"
#include "results/seedgroups.h"
#include "runs/intervention.h"
#include "runs/runner.h"
#include "runs/runplanner.h"
#include "runs/runstore.h"
#include "testsupport.h"
#include "workspace/workspace.h"

#include <cmath>
#include <random>

using namespace shiftscope;
using namespace shiftscope::test;
namespace fs = std::filesystem;

namespace {

//! Gives each pair a probability drawn from the run's seed and the evaluated distribution: runs of different
//! seeds differ, the same seed gives the same numbers.
class CoinIntervention : public Intervention {
public:
    std::string name() const override { return "coin"; }
    std::vector<ParameterSpec> parameters() const override { return {{"bias", "0", "added to every probability"}}; }
    void train(const InterventionContext &, const std::vector<Example> &) override {}
    void load(const InterventionContext &) override {}
    std::vector<double> evaluate(const InterventionContext &c, const std::vector<Example> &,
                                 const std::vector<PairRef> &pairs) override
    {
        std::mt19937_64 generator(c.seed * 1000 + std::hash<std::string>{}(c.evalDistribution) % 1000);
        std::uniform_real_distribution<double> uniform(0.0, 1.0);
        const double bias = std::stod(c.parameters.at("bias"));
        std::vector<double> out;
        for (std::size_t i = 0; i < pairs.size(); ++i)
            out.push_back(std::clamp(uniform(generator) + bias, 0.0, 1.0));
        return out;
    }
};

fs::path makeData(const QTemporaryDir &dir)
{
    const fs::path root = tempPath(dir, "distributions");
    for (const char *name : {"src", "tgt"}) {
        writeText(root / name / "train.json", validSplit(10, 2, name));
        writeText(root / name / "test.json", validSplit(40, 2, name));
    }
    return root;
}

std::int64_t runCoin(Workspace &ws, std::uint64_t seed, const std::string &bias = "0")
{
    const std::int64_t id =
        RunStore(ws).create(planRun(ws, {{}, "coin", "src:tgt", {"bias=" + bias}, seed, "random", {}}));
    if (RunRunner::execute(ws, id) != RunStatus::Done)
        throw std::runtime_error("run failed");
    return id;
}

double mean(const std::vector<double> &v)
{
    double sum = 0;
    for (double x : v)
        sum += x;
    return sum / double(v.size());
}

double sampleSd(const std::vector<double> &v)
{
    const double m = mean(v);
    double squares = 0;
    for (double x : v)
        squares += (x - m) * (x - m);
    return std::sqrt(squares / double(v.size() - 1));
}

bool hasValue(const ResultMatrix &m)
{
    for (const auto &row : m.values)
        for (const auto &v : row)
            if (v)
                return true;
    return false;
}

bool near(std::optional<double> a, double b) { return a && std::fabs(*a - b) < 1e-12; }

} // namespace

class TestSeedGroups : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void groupsFormFromFinishedRunsOfOneConfiguration();
    void meansAndSpreadFollowTheSeeds();
    void viewsAndCommandLineShowTheMeans();
};

void TestSeedGroups::initTestCase()
{
    InterventionRegistry::instance().add("coin", [] { return std::make_unique<CoinIntervention>(); });
}

void TestSeedGroups::groupsFormFromFinishedRunsOfOneConfiguration()
{
    QTemporaryDir dir;
    Workspace ws = Workspace::create(tempPath(dir, "w.sqlite"));
    DataImporter::importData(ws, makeData(dir));
    runCoin(ws, 1);
    QVERIFY(seedGroups(ws, "no model").empty()); // one seed is no group
    runCoin(ws, 2);
    runCoin(ws, 3, "0.2"); // another configuration
    auto groups = seedGroups(ws, "no model");
    QCOMPARE(groups.size(), std::size_t(1));
    QCOMPARE(groups[0].name, std::string("coin · 2 seeds"));
    QCOMPARE(groups[0].intervention, std::string("coin"));
    QCOMPARE(groups[0].members.size(), std::size_t(2));
    QCOMPARE(groups[0].members[0].runId, std::int64_t(1));
    QCOMPARE(groups[0].members[1].seed, std::uint64_t(2));
    QCOMPARE(groups[0].members[1].label, std::string("coin · run 2"));
    // A second group of the same intervention: both named by their first run.
    runCoin(ws, 4, "0.2");
    groups = seedGroups(ws, "no model");
    QCOMPARE(groups.size(), std::size_t(2));
    QCOMPARE(groups[0].name, std::string("coin · 2 seeds from run 1"));
    QCOMPARE(groups[1].name, std::string("coin · 2 seeds from run 3"));
    QVERIFY(findSeedGroup(ws, "no model", "coin · 2 seeds from run 3"));
    QVERIFY(!findSeedGroup(ws, "no model", "coin · 2 seeds"));
    QVERIFY(seedGroups(ws, "another model").empty());
    // Unfinished runs do not join; deleting a seed shrinks the group away.
    const std::int64_t queued = RunStore(ws).create(planRun(ws, {{}, "coin", "src:tgt", {"bias=0"}, 9, "random", {}}));
    QCOMPARE(seedGroups(ws, "no model")[0].members.size(), std::size_t(2));
    RunStore(ws).remove(queued);
    RunStore(ws).remove(4);
    groups = seedGroups(ws, "no model");
    QCOMPARE(groups.size(), std::size_t(1));
    QCOMPARE(groups[0].name, std::string("coin · 2 seeds"));
}

void TestSeedGroups::meansAndSpreadFollowTheSeeds()
{
    QTemporaryDir dir;
    Workspace ws = Workspace::create(tempPath(dir, "w.sqlite"));
    DataImporter::importData(ws, makeData(dir));
    for (std::uint64_t seed : {11, 12, 13})
        runCoin(ws, seed);
    const auto group = *findSeedGroup(ws, "no model", "coin · 3 seeds");
    const std::vector<ShiftPair> shifts = resolveShifts(ws, "src:tgt");
    const auto rows = seedGroupTable(ws, "no model", group, shifts);
    QCOMPARE(rows.size(), std::size_t(1));
    // Each seed's generalization accuracy, computed here from its stored predictions: mean(p >= 0.5) on tgt.
    std::vector<double> accuracies, des;
    for (const SeedMember &member : group.members) {
        const RunRecord run = RunStore(ws).existingRun(member.runId);
        for (const RunUnit &unit : run.units)
            if (unit.intervention == "coin" && unit.trainDistribution == "src") {
                int right = 0;
                const auto p = RunStore(ws).predictions(unit.id, "tgt");
                for (double v : p)
                    right += v >= 0.5;
                accuracies.push_back(double(right) / double(p.size()));
            }
        const auto table = rebuildGeneralizationTable(ws, "no model", member.label, shifts);
        QVERIFY(table[0].differentialElicitation);
        des.push_back(*table[0].differentialElicitation);
    }
    QCOMPARE(accuracies.size(), std::size_t(3));
    QVERIFY(accuracies[0] != accuracies[1] || accuracies[1] != accuracies[2]); // the seeds differ
    const SeedGroupRow &row = rows[0];
    QCOMPARE(row.seeds.size(), std::size_t(3));
    for (std::size_t s = 0; s < 3; ++s) {
        QVERIFY(near(row.seeds[s].accuracy, accuracies[s]));
        QVERIFY(near(row.seeds[s].differentialElicitation, des[s]));
        QCOMPARE(row.seeds[s].seed, std::uint64_t(11 + s));
    }
    QVERIFY(near(row.mean.generalizationAccuracy, mean(accuracies)));
    QVERIFY(near(row.sdAccuracy, sampleSd(accuracies)));
    QVERIFY(near(row.mean.differentialElicitation, mean(des)));
    QVERIFY(near(row.sdDifferentialElicitation, sampleSd(des)));
    QVERIFY(near(row.minAccuracy, *std::min_element(accuracies.begin(), accuracies.end())));
    QVERIFY(near(row.maxAccuracy, *std::max_element(accuracies.begin(), accuracies.end())));
    QVERIFY(near(row.mean.baselineAccuracy, 0.5)); // the random baseline scores every pair a tie: half a point
    QVERIFY2(row.mean.capabilitySource.rfind("mean over 3 seeds; each seed's coin trained and evaluated on tgt", 0)
                 == 0,
             row.mean.capabilitySource.c_str());
}

void TestSeedGroups::viewsAndCommandLineShowTheMeans()
{
    QTemporaryDir dir;
    const auto data = makeData(dir);
    const std::string path = tempPath(dir, "w.sqlite").string();
    {
        Workspace ws = Workspace::create(path);
        DataImporter::importData(ws, data);
        for (std::uint64_t seed : {21, 22})
            runCoin(ws, seed);
    }
    Workspace ws = Workspace::open(path);
    const std::string name = "coin · 2 seeds";
    const auto group = *findSeedGroup(ws, "no model", name);
    const auto rows = seedGroupTable(ws, "no model", group, shiftsOf(ws, ShiftSet::All));
    std::size_t shift = 0;
    while (shift < rows.size() && !(rows[shift].mean.source == "src" && rows[shift].mean.target == "tgt"))
        ++shift;
    QVERIFY(shift < rows.size());
    // The shift results view: the means, a whisker from the lowest to the highest seed, every seed's values.
    const auto results = shiftResults(ws, "no model", {name}, ShiftSet::All).at(name);
    const ShiftResult &r = results[shift];
    QCOMPARE(r.row.generalizationAccuracy, rows[shift].mean.generalizationAccuracy);
    QCOMPARE(r.row.differentialElicitation, rows[shift].mean.differentialElicitation);
    QVERIFY(r.generalization.acrossSeeds);
    QCOMPARE(r.generalization.low, *rows[shift].minAccuracy);
    QCOMPARE(r.generalization.high, *rows[shift].maxAccuracy);
    QCOMPARE(r.generalization.pairs, 40);
    QCOMPARE(r.seeds.size(), std::size_t(2));
    QCOMPARE(r.sdAccuracy, rows[shift].sdAccuracy);
    // The heatmap and the category breakdown: the same means.
    const auto matrix =
        interventionShiftMatrix(ws, "no model", {name}, ShiftSet::All, HeatmapMetric::DifferentialElicitation);
    QCOMPARE(matrix.values[0][shift], rows[shift].mean.differentialElicitation);
    // The transfer matrix: the mean of the seeds' cells.
    const auto transfer = transferMatrix(ws, "no model", name);
    const auto first = transferMatrix(ws, "no model", group.members[0].label);
    const auto second = transferMatrix(ws, "no model", group.members[1].label);
    QCOMPARE(transfer.rowLabels, first.rowLabels);
    for (std::size_t i = 0; i < transfer.rowLabels.size(); ++i)
        for (std::size_t j = 0; j < transfer.columnLabels.size(); ++j)
            if (first.values[i][j] && second.values[i][j])
                QVERIFY(near(transfer.values[i][j], (*first.values[i][j] + *second.values[i][j]) / 2));
            else
                QVERIFY(!transfer.values[i][j] && !first.values[i][j] && !second.values[i][j]);
    QVERIFY(hasValue(transfer));
    // metrics takes the group's name and prints the means; metrics --run adds the spread across seeds.
    const auto csv = runCommand(
        {"--workspace", path, "metrics", "--model", "no model", "--intervention", name, "--shifts", "all", "--csv"});
    QCOMPARE(csv.code, 0);
    const double meanAccuracy = (*r.seeds[0].accuracy + *r.seeds[1].accuracy) / 2;
    QVERIFY2(csv.out.find("\nsrc,tgt,tgt," + pythonFloatRepr(meanAccuracy) + ",0.5,") != std::string::npos,
             csv.out.c_str());
    const auto perRun = runCommand({"--workspace", path, "metrics", "--run", "2"});
    QCOMPARE(perRun.code, 0);
    QVERIFY2(perRun.out.find("Across 2 seeds, runs 1 (seed 21), 2 (seed 22): mean and standard deviation")
                 != std::string::npos,
             perRun.out.c_str());
    const auto unknown =
        runCommand({"--workspace", path, "metrics", "--model", "no model", "--intervention", "coin · 5 seeds"});
    QCOMPARE(unknown.code, 2);
    QVERIFY2(unknown.err.find("coin · 2 seeds") != std::string::npos, unknown.err.c_str()); // listed as a choice
}

QTEST_GUILESS_MAIN(TestSeedGroups)
#include "tst_seedgroups.moc"
