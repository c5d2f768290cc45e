// Audit benchmark: generates a GENIES-sized tree, imports it, loads a catalogue of shifts between its
// distributions, and times `audit --all` through the Auditor (per check) and through the command line. The goal is
// at most 10 s for the whole tree. Prints figures; it asserts nothing.
#include "audit/auditor.h"
#include "cli/commandtable.h"
#include "demo/benchmarktree.h"
#include "genies/dataimporter.h"
#include "workspace/workspace.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <sstream>
#include <string>
#include <unistd.h>

using namespace shiftscope;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {
double secondsSince(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }
} // namespace

int main(int argc, char **argv)
{
    BenchmarkTreeOptions options;
    if (argc > 1)
        options.distributions = std::stoi(argv[1]);
    const fs::path dir = fs::temp_directory_path() / ("shiftscope-bench-audit-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    writeBenchmarkTree(dir / "tree", options);
    const fs::path wsPath = dir / "bench.sqlite";
    {
        Workspace ws = Workspace::create(wsPath);
        DataImporter::importData(ws, dir / "tree");
        // As many shifts as GENIES has unique pairs (56), between the synthetic distributions.
        std::vector<ShiftPair> rows;
        for (int i = 0; i < 56 && options.distributions > 1; ++i) {
            ShiftPair p;
            p.source = "synthetic_" + std::to_string(i % options.distributions);
            p.target = "synthetic_" + std::to_string((i * 7 + 3) % options.distributions);
            if (p.source == p.target)
                p.target = "synthetic_" + std::to_string((i + 1) % options.distributions);
            p.row = i;
            rows.push_back(p);
        }
        ws.saveCatalogue("bench", "bench_audit", rows, false);
    }
    std::printf("tree: %d distributions x (%d train + %d test) x %d responses\n", options.distributions,
                options.trainExamples, options.testExamples, options.responses);

    Workspace ws = Workspace::open(wsPath);
    auto start = Clock::now();
    const std::clock_t cpuStart = std::clock();
    Auditor auditor(ws);
    const auto reports = auditor.auditAll(ws.catalogue("bench")->id);
    const double total = secondsSince(start);
    int findings = 0;
    for (const auto &r : reports)
        findings += int(r.findings.size());
    // CPU time too: on a shared machine the wall time depends on what else runs.
    std::printf("Auditor::auditAll: %zu reports, %d findings in %.2f s (%.2f s CPU)\n", reports.size(), findings, total,
                double(std::clock() - cpuStart) / CLOCKS_PER_SEC);
    for (const auto &[check, seconds] : auditor.timings())
        std::printf("  %-18s %6.2f s\n", check.c_str(), seconds);

    start = Clock::now();
    std::ostringstream out, err;
    const int code =
        runCli({"--workspace", wsPath.string(), "audit", "--all", "--catalogue", "bench", "--json"}, out, err);
    std::printf("shiftscope-cli audit --all --json: exit %d, %.1f MiB of JSON in %.2f s (goal: at most 10 s)\n", code,
                double(out.str().size()) / 1048576.0, secondsSince(start));
    fs::remove_all(dir);
    return 0;
}
