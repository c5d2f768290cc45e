// Lora training step benchmark: ShiftScope's step next to a PyTorch eager reference of the same step
// (tests/bench/lora_step_reference.py, run with Debian's python3-torch) on the same Pythia-160m-shaped GPT-NeoX,
// both with each pair's two sequences in full (per-pair, as GENIES trains) and with each pair's prompt run once and
// shared by its responses (prefix-shared). Prints the mean step time (after a warm-up step) and the peak resident
// memory of each, in separate processes, and checks that the losses of the first three steps from the same initial
// adapters and head agree; ShiftScope's prefix-shared step with the frozen model in bfloat16; and both of
// ShiftScope's steps with activation checkpointing. For ShiftScope's steps it also prints the memory the training
// held at once above the loaded model (the heap's peak, sampled every millisecond). Asserts nothing.
//   bench_training [threads=2] [steps=4] [pairs=4]
#include "bench/benchdata.h"
#include "bench/pythiamodel.h"
#include "core/chartokenizer.h"

#include "engine/interventions/modelinterventions.h"
#include "engine/interventions/modelsession.h"
#include "engine/interventions/parameters.h"
#include "engine/model/computebackend.h"
#include "runs/intervention.h"
#include "util/inputfile.h"
#include "util/process.h"

#include <ATen/Parallel.h>
#include <chrono>
#include <cstdio>
#include <sys/resource.h>
#include <atomic>
#include <malloc.h>
#include <thread>

using namespace shiftscope;
namespace fs = std::filesystem;
using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::uint64_t kSeed = 1;

InterventionContext contextFor(const fs::path &work, const std::string &tag, const std::vector<std::string> &parameters,
                               Intervention &lora)
{
    InterventionContext c;
    c.modelDir = work / "model";
    c.modelHash = "bench-pythia-160m";
    c.parameters = resolveParameters(lora, parameters);
    c.seed = kSeed;
    c.artifactDir = work / tag;
    c.trainDistribution = "source";
    fs::create_directories(c.artifactDir);
    return c;
}

//! Trains lora with `parameters`; returns the seconds it took and the losses it logged.
std::pair<double, std::vector<double>> train(const fs::path &work, const std::string &tag,
                                             const std::vector<std::string> &parameters,
                                             const std::vector<Example> &examples)
{
    auto lora = InterventionRegistry::instance().create("lora");
    const InterventionContext c = contextFor(work, tag, parameters, *lora);
    const auto start = Clock::now();
    lora->train(c, examples);
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    std::vector<double> losses;
    const Json record = Json::parse(readInputFile(c.artifactDir / "reward_model.json"));
    for (const auto &entry : record["training_log"])
        losses.push_back(entry["loss"].get<double>());
    return {seconds, losses};
}

double peakMegabytes()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_maxrss) / 1024.0;
}

//! The heap in use (glibc's arena and mmap-ed blocks, where libtorch's large tensors live), sampled every
//! millisecond on a thread of its own while a training runs: its peak above the heap at the start is what the
//! training held at once (activations, gradients, optimizer state), the loaded model excluded.
class HeapSampler {
public:
    HeapSampler()
        : m_start(inUse()), m_thread([this] {
              while (!m_stop) {
                  m_peak = std::max(m_peak.load(), inUse());
                  std::this_thread::sleep_for(std::chrono::milliseconds(1));
              }
          })
    {
    }
    ~HeapSampler() { stop(); }
    double stop()
    {
        m_stop = true;
        if (m_thread.joinable())
            m_thread.join();
        return double(std::max<std::size_t>(m_peak, m_start) - m_start) / (1024.0 * 1024.0);
    }

private:
    static std::size_t inUse()
    {
        const struct mallinfo2 info = mallinfo2();
        return info.uordblks + info.hblkhd;
    }
    std::size_t m_start;
    std::atomic<std::size_t> m_peak{0};
    std::atomic<bool> m_stop{false};
    std::thread m_thread;
};

struct Measured {
    double stepSeconds = 0;
    double peakMb = 0;
    double heldMb = -1; //!< ShiftScope only: the heap's peak above its start while training
    std::vector<double> losses;
    std::string error;
};

Measured parse(const ProgramResult &r)
{
    Measured m;
    const auto line = r.out.substr(0, r.out.find('\n'));
    const Json j = Json::parse(line, nullptr, false);
    if (r.exitCode != 0 || !j.is_object()) {
        m.error = "exit " + std::to_string(r.exitCode) + ": " + r.err.substr(0, 400);
        return m;
    }
    m.stepSeconds = j["step_seconds"].get<double>();
    m.peakMb = j["peak_mb"].get<double>();
    m.heldMb = j.value("held_mb", -1.0);
    m.losses = j["losses"].get<std::vector<double>>();
    return m;
}

//! In a process of its own (so its peak memory is its own): the losses of three steps from the shared start, then
//! a warm-up step and `steps` timed ones. Prints one JSON line.
int child(const fs::path &work, const std::string &sharing, const std::string &precision,
          const std::string &checkpointing, int steps, int pairs, int threads)
{
    EngineOptions options;
    options.threads = threads;
    prepareComputeBackend(options);
    at::set_num_threads(threads);
    registerModelInterventions();
    const auto examples = bench::examples(pairs, 1, " yes");
    const std::vector<std::string> common = {"batch_size=" + std::to_string(pairs),
                                             "dropout=0",
                                             "prefix_sharing=" + sharing,
                                             "learning_rate=1e-3",
                                             "precision=" + precision,
                                             "activation_checkpointing=" + checkpointing};
    auto with = [&](std::vector<std::string> more) {
        more.insert(more.begin(), common.begin(), common.end());
        return more;
    };
    const std::string tag = sharing + "-" + precision + "-" + checkpointing;
    const auto check = train(work, "check-" + tag, with({"steps=3"}), examples);
    train(work, "warm-" + tag, with({"steps=1"}), examples);
    const auto one = train(work, "one-" + tag, with({"steps=1"}), examples);
    HeapSampler sampler;
    const auto timed = train(work, "timed-" + tag, with({"steps=" + std::to_string(steps + 1)}), examples);
    const double held = sampler.stop();
    // Setting up (tokenizing, drawing the adapters) is in both runs; the difference is `steps` steps.
    const Json out = {{"step_seconds", (timed.first - one.first) / steps},
                      {"peak_mb", peakMegabytes()},
                      {"held_mb", held},
                      {"losses", check.second}};
    std::printf("%s\n", out.dump().c_str());
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc > 1 && std::string(argv[1]) == "--child")
        return child(argv[2], argv[3], argv[4], argv[5], std::atoi(argv[6]), std::atoi(argv[7]), std::atoi(argv[8]));
    const int threads = argc > 1 ? std::atoi(argv[1]) : 2;
    const int steps = argc > 2 ? std::atoi(argv[2]) : 4;
    const int pairs = argc > 3 ? std::atoi(argv[3]) : 4;
    const fs::path work = fs::temp_directory_path() / ("shiftscope-bench-training-" + std::to_string(getpid()));
    const fs::path model = work / "model";
    bench::writePythiaModel(model);
    std::ofstream(model / "tokenizer.json") << test::charTokenizerJson();

    // The tokens the step sees and the initial adapters and head (a step with learning rate 0 saves them).
    {
        registerModelInterventions();
        const auto examples = bench::examples(pairs, 1, " yes");
        train(
            work, "initial",
            {"batch_size=" + std::to_string(pairs), "dropout=0", "steps=1", "learning_rate=0", "prefix_sharing=false"},
            examples);
        auto lora = InterventionRegistry::instance().create("lora");
        const auto session = ModelSession::open(contextFor(work, "tokens", {}, *lora));
        Json list = Json::array();
        for (const PairRef &p : onePairPerExample(examples, kSeed)) {
            const TokenizedExample t = session->pairTokens(examples[std::size_t(p.examplePosition)]);
            list.push_back({{"prompt", t.prompt},
                            {"chosen", t.responses[std::size_t(p.preferredIndex)]},
                            {"rejected", t.responses[std::size_t(p.dispreferredIndex)]}});
        }
        std::ofstream(work / "tokens.json") << Json{{"pairs", list}, {"pad", session->eosId()}}.dump();
    }
    const std::string self = fs::read_symlink("/proc/self/exe").string();
    auto ours = [&](const std::string &sharing, const std::string &precision, const std::string &checkpointing) {
        return parse(runProgram({self, "--child", work.string(), sharing, precision, checkpointing,
                                 std::to_string(steps), std::to_string(pairs), std::to_string(threads)}));
    };
    const std::string script = std::string(SHIFTSCOPE_SOURCE_DIR) + "/tests/bench/lora_step_reference.py";
    const int pad = Json::parse(readInputFile(work / "tokens.json"))["pad"].get<int>();
    auto reference = [&](const std::string &mode) {
        if (!programAvailable("/usr/bin/python3"))
            return Measured{0, 0, -1, {}, "/usr/bin/python3 is not installed (apt-get install python3-torch)"};
        return parse(runProgram(
            {"/usr/bin/python3", script, "--model", model.string(), "--tokens", (work / "tokens.json").string(),
             "--init", (work / "initial" / "reward_model.safetensors").string(), "--steps", std::to_string(steps),
             "--threads", std::to_string(threads), "--lr", "1e-3", "--pad", std::to_string(pad), "--mode", mode}));
    };
    const Measured perPair = ours("false", "float32", "false"), shared = ours("true", "float32", "false");
    const Measured sharedBf16 = ours("true", "bfloat16", "false");
    const Measured perPairCheckpointed = ours("false", "float32", "true");
    const Measured sharedCheckpointed = ours("true", "float32", "true");
    const Measured refPerPair = reference("per-pair"), refShared = reference("shared");

    std::printf("lora training step: Pythia-160m-shaped GPT-NeoX (random float32 weights), rank 8 on every layer's "
                "query_key_value, %d pairs a step (200-token prompts, responses of about 40 tokens), %d threads, "
                "mean of %d steps after a warm-up\n\n",
                pairs, threads, steps);
    std::printf("%-38s %8s %10s %10s   %s\n", "", "step s", "peak MiB", "held MiB", "losses of steps 1-3");
    auto row = [](const char *name, const Measured &m) {
        if (!m.error.empty()) {
            std::printf("%-38s %s\n", name, m.error.c_str());
            return;
        }
        std::printf("%-38s %8.3f %10.0f %10s  ", name, m.stepSeconds, m.peakMb,
                    m.heldMb >= 0 ? std::to_string(int(std::lround(m.heldMb))).c_str() : "–");
        for (double l : m.losses)
            std::printf(" %.6f", l);
        std::printf("\n");
    };
    row("ShiftScope per-pair", perPair);
    row("ShiftScope prefix-shared", shared);
    row("ShiftScope prefix-shared, bfloat16", sharedBf16);
    row("ShiftScope per-pair, checkpointed", perPairCheckpointed);
    row("ShiftScope prefix-shared, checkpointed", sharedCheckpointed);
    row("PyTorch eager per-pair", refPerPair);
    row("PyTorch eager prefix-shared", refShared);
    auto ratio = [](const Measured &slow, const Measured &fast) {
        return slow.error.empty() && fast.error.empty() && fast.stepSeconds > 0 ? slow.stepSeconds / fast.stepSeconds
                                                                                : 0.0;
    };
    auto worst = [](const Measured &a, const Measured &b) {
        double d = a.losses.size() == b.losses.size() && !a.losses.empty() ? 0.0 : -1.0;
        for (std::size_t i = 0; d >= 0 && i < a.losses.size(); ++i)
            d = std::max(d, std::abs(a.losses[i] - b.losses[i]));
        return d;
    };
    std::printf("\nspeed-ups: ShiftScope prefix-shared / ShiftScope per-pair %.2fx; ShiftScope per-pair / reference "
                "per-pair %.2fx; ShiftScope prefix-shared / reference per-pair %.2fx; ShiftScope prefix-shared / "
                "reference prefix-shared %.2fx\n",
                ratio(perPair, shared), ratio(refPerPair, perPair), ratio(refPerPair, shared),
                ratio(refShared, shared));
    std::printf("largest loss difference over steps 1-3: per-pair vs reference %.2e, prefix-shared vs reference "
                "%.2e, ShiftScope prefix-shared vs per-pair %.2e (-1: not comparable)\n",
                worst(perPair, refPerPair), worst(shared, refShared), worst(shared, perPair));
    std::printf("bfloat16 (the frozen model in bfloat16, adapters, head and AdamW float32): %.2fx the float32 "
                "prefix-shared step, losses within %.2e of it\n",
                ratio(shared, sharedBf16), worst(sharedBf16, shared));
    std::printf("activation checkpointing (each block run again in backward): per-pair %.2fx the time, %.0f MiB "
                "held instead of %.0f; prefix-shared %.2fx the time, %.0f MiB held instead of %.0f; losses within %.2e "
                "and %.2e\n",
                ratio(perPairCheckpointed, perPair), perPairCheckpointed.heldMb, perPair.heldMb,
                ratio(sharedCheckpointed, shared), sharedCheckpointed.heldMb, shared.heldMb,
                worst(perPairCheckpointed, perPair), worst(sharedCheckpointed, shared));
    std::error_code ec;
    fs::remove_all(work, ec);
    return 0;
}
