// Results import benchmark: writes a synthetic results tree the size of the published one (5,648 evaluation files
// of 750 probabilities) and reports the import time. Prints figures; it asserts nothing.
#include "demo/benchmarktree.h"
#include "results/resultsimporter.h"
#include "workspace/workspace.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <unistd.h>

using namespace shiftscope;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

int main(int argc, char **argv)
{
    const int files = argc > 1 ? std::stoi(argv[1]) : 5648;
    const fs::path dir = fs::temp_directory_path() / ("shiftscope-bench-results-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    auto start = Clock::now();
    const auto bytes = writeBenchmarkResults(dir / "results", files);
    auto ms = [](Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); };
    std::printf("generated: %d evaluation files, %.1f MiB in %.0f ms\n", files, double(bytes) / 1048576.0, ms(start));
    {
        Workspace ws = Workspace::create(dir / "bench.sqlite");
        start = Clock::now();
        const auto s = ResultsImporter::importResults(ws, dir);
        std::printf("import: %.0f ms (%d files, %lld probabilities, %d flagged)\n", ms(start), s.evaluationFiles,
                    static_cast<long long>(s.probabilities), s.flaggedFiles);
        start = Clock::now();
        ResultsImporter::importResults(ws, dir);
        std::printf("re-import: %.0f ms\n", ms(start));
    }
    std::printf("workspace size: %.1f MiB\n", double(fs::file_size(dir / "bench.sqlite")) / 1048576.0);
    fs::remove_all(dir);
    return 0;
}
