// Import benchmark: generates a GENIES-sized tree, imports it, and reports import time, workspace size, time to
// open the workspace and to show the first page of a shift. Prints figures; it asserts nothing.
#include "demo/benchmarktree.h"
#include "genies/dataimporter.h"
#include "workspace/workspace.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <unistd.h>

using namespace shiftscope;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {
double msSince(Clock::time_point start)
{
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}
} // namespace

int main(int argc, char **argv)
{
    BenchmarkTreeOptions options;
    if (argc > 1)
        options.distributions = std::stoi(argv[1]);
    const fs::path dir = fs::temp_directory_path() / ("shiftscope-bench-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    auto start = Clock::now();
    const auto bytes = writeBenchmarkTree(dir / "tree", options);
    std::printf("generated: %d distributions x (%d train + %d test) x %d responses, %.1f MiB in %.0f ms\n",
                options.distributions, options.trainExamples, options.testExamples, options.responses,
                double(bytes) / 1048576.0, msSince(start));

    const fs::path wsPath = dir / "bench.sqlite";
    double importMs = 0;
    {
        Workspace ws = Workspace::create(wsPath);
        start = Clock::now();
        const auto summary = DataImporter::importData(ws, dir / "tree");
        importMs = msSince(start);
        std::printf("import: %.0f ms (%lld examples, %lld responses, %.1f MiB/s)\n", importMs,
                    static_cast<long long>(summary.examples), static_cast<long long>(summary.responses),
                    double(bytes) / 1048576.0 / (importMs / 1000.0));
        start = Clock::now();
        const auto again = DataImporter::importData(ws, dir / "tree");
        std::printf("re-import of unchanged data: %.0f ms (%zu unchanged)\n", msSince(start), again.unchanged.size());
        ws.db().exec("PRAGMA wal_checkpoint(TRUNCATE)");
    }
    std::printf("workspace size: %.1f MiB\n", double(fs::file_size(wsPath)) / 1048576.0);

    start = Clock::now();
    Workspace ws = Workspace::open(wsPath);
    std::printf("open workspace: %.1f ms\n", msSince(start));

    // Switching shift = for source and target: look the distribution up, count the split, read the first page.
    double worst = 0, total = 0;
    const int switches = 20;
    for (int i = 0; i < switches; ++i) {
        start = Clock::now();
        for (int side = 0; side < 2; ++side) {
            const auto info = ws.distribution("synthetic_" + std::to_string((2 * i + side) % options.distributions));
            ExampleQuery query{info->id, Split::Test, {}};
            (void)ws.countExamples(query);
            (void)ws.examplePage(query, -1, 256);
            (void)ws.example(ws.examplePage(query, -1, 1).front().id);
        }
        const double ms = msSince(start);
        worst = std::max(worst, ms);
        total += ms;
    }
    std::printf(
        "switch shift (both sides' first page and first example): mean %.2f ms, worst %.2f ms over %d switches\n",
        total / switches, worst, switches);
    start = Clock::now();
    const auto info = ws.distribution("synthetic_0");
    const int hits = ws.countExamples({info->id, Split::Test, "mountain river"});
    std::printf("text search over one split: %.1f ms (%d hits)\n", msSince(start), hits);
    fs::remove_all(dir);
    return 0;
}
