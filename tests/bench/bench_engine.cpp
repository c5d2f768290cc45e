// Engine benchmark: a Pythia-160m-shaped GPT-NeoX (hidden 768, 12 layers, 12 heads, vocab 50304, rotary_pct 0.25)
// with random weights scores examples of a 200-token prompt and four 60-token responses in GENIES all-pairs mode
// (3 pairs an example), naively (each pair's two sequences in full, as the GENIES code does) and with prefix
// sharing (each prompt once, each response once). Prints wall times, tokens/s, the forward pass's GFLOP/s next
// to the machine's sgemm GFLOP/s measured in the same run, and peak memory. The same model with a one-label score
// head (GPTNeoXForSequenceClassification, a reward model) then scores the same pairs as the reward_model
// intervention does, shared and naive, next to zero_shot's figures. Asserts nothing.
//   bench_engine [examples=16] [threads=2]
#include "bench/pythiamodel.h"
#include "engine/model/causallm.h"
#include "engine/model/computebackend.h"
#include "engine/model/gptneox.h"
#include "engine/scoring/responsescorer.h"
#include "engine/scoring/rewardscorer.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sys/wait.h>
#include <unistd.h>

using namespace shiftscope;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kPrompt = 200, kResponse = 60, kResponses = 4; // response tokens include the EOS
constexpr std::int64_t H = 768, layers = 12, I = 3072, V = 50304;

double seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

//! The peak resident memory since the last resetPeak() (VmHWM), in MiB.
double peakMiB()
{
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmHWM:", 0) == 0)
            return std::stod(line.substr(6)) / 1024.0;
    return 0;
}

void resetPeak() { std::ofstream("/proc/self/clear_refs") << "5"; }

//! The fastest of several runs of `work` over at least `atLeast` seconds: on a shared machine, the least disturbed.
template <typename Work>
double bestSeconds(Work work, double atLeast)
{
    work();
    double best = 1e30;
    const auto start = Clock::now();
    for (int reps = 0; reps < 3 || seconds(start) < atLeast; ++reps) {
        const auto one = Clock::now();
        work();
        best = std::min(best, seconds(one));
    }
    return best;
}

double sgemmGflops(std::int64_t m, std::int64_t k, std::int64_t n)
{
    const at::Tensor a = at::randn({m, k}), b = at::randn({k, n});
    return 2.0 * double(m * k * n) / bestSeconds([&] { at::mm(a, b); }, 1.0) / 1e9;
}

//! Multiply-add FLOPs of a forward pass over `tokens` new tokens attending to `keys` keys each, with logits for
//! `logits` of them.
double forwardFlops(double tokens, double keys, double logits)
{
    const double perTokenLinear = 2.0 * double(layers) * double(H * 3 * H + H * H + 2 * H * I);
    const double attention = 2.0 * 2.0 * double(layers) * double(H) * keys; // q k^T and p v, every head
    return tokens * (perTokenLinear + attention) + logits * 2.0 * double(H * V);
}

struct Workload {
    std::vector<TokenizedExample> examples;
    std::vector<ResponsePair> pairs;
};

Workload workload(int count)
{
    Workload w;
    std::uint32_t state = 12345;
    auto token = [&] { return int((state = state * 1664525u + 1013904223u) >> 8) % int(V - 1) + 1; };
    for (int e = 0; e < count; ++e) {
        TokenizedExample ex;
        for (int t = 0; t < kPrompt; ++t)
            ex.prompt.push_back(token());
        for (int r = 0; r < kResponses; ++r) {
            ex.responses.emplace_back();
            for (int t = 0; t + 1 < kResponse; ++t)
                ex.responses.back().push_back(token());
            ex.responses.back().push_back(0); // EOS
            if (r > 0)
                w.pairs.push_back({std::size_t(e), 0, r});
        }
        w.examples.push_back(std::move(ex));
    }
    return w;
}

} // namespace

int main(int argc, char **argv)
{
    const int count = argc > 1 ? std::stoi(argv[1]) : 16;
    const int threads = argc > 2 ? std::stoi(argv[2]) : 2;
    const fs::path dir = fs::temp_directory_path() / ("shiftscope-bench-engine-" + std::to_string(::getpid()));
    auto start = Clock::now();
    bench::writePythiaModel(dir);
    std::printf("model: Pythia-160m-shaped GPT-NeoX, random float32 weights, %.0f MiB written in %.1f s\n",
                double(fs::file_size(dir / "model.safetensors")) / 1048576.0, seconds(start));

    c10::InferenceMode inference;
    at::set_num_threads(threads);
    std::printf("threads: %d\n", threads);
    const std::string before = openBlasCore();
    const double sgemmBefore = sgemmGflops(2048, 2048, 2048);
    EngineOptions options;
    options.threads = threads;
    for (const auto &note : prepareComputeBackend(options))
        std::printf("note: %s\n", note.c_str());
    const double sgemm = sgemmGflops(2048, 2048, 2048);
    std::printf("sgemm 2048^3: %.1f GFLOP/s with OpenBLAS's own kernel choice (%s), %.1f GFLOP/s with %s kernels\n",
                sgemmBefore, before.c_str(), sgemm, openBlasCore().c_str());
    std::printf(
        "sgemm at the forward pass's shapes (1040 rows): qkv %.1f, mlp up %.1f, mlp down %.1f, lm head %.1f GFLOP/s\n",
        sgemmGflops(1040, H, 3 * H), sgemmGflops(1040, H, I), sgemmGflops(1040, I, H), sgemmGflops(244, H, V));

    start = Clock::now();
    resetPeak();
    const auto model = loadCausalLM(dir, options);
    std::printf("load: %.2f s, memory %.0f MiB (weights mapped, not copied)\n", seconds(start), peakMiB());

    resetPeak();
    // One forward pass, 4 rows of 260 tokens with logits everywhere: the engine's raw speed.
    {
        ForwardRequest request;
        request.inputIds = at::randint(1, V, {4, kPrompt + kResponse}, at::kLong);
        const double perPass = bestSeconds([&] { model->forward(request); }, 4.0);
        const double flops = 4.0 * forwardFlops(kPrompt + kResponse, (kPrompt + kResponse), kPrompt + kResponse);
        std::printf(
            "forward pass (4 x 260 tokens, all logits): %.3f s, %.1f GFLOP/s = %.0f%% of sgemm, peak memory %.0f MiB\n",
            perPass, flops / perPass / 1e9, 100.0 * flops / perPass / 1e9 / sgemm, peakMiB());
    }

    const Workload w = workload(count);
    const double pairs = double(w.pairs.size());
    const double sharedTokens = double(count) * (kPrompt + kResponses * kResponse);
    const double naiveTokens = pairs * 2.0 * (kPrompt + kResponse);
    const double sharedFlops =
        double(count)
        * (forwardFlops(kPrompt, kPrompt, 1) + kResponses * forwardFlops(kResponse, kPrompt + kResponse, kResponse));
    const double naiveFlops = pairs * 2.0 * forwardFlops(kPrompt + kResponse, kPrompt + kResponse, kPrompt + kResponse);
    std::printf("workload: %d examples x (%d-token prompt + %d responses of %d tokens), %d pairs; tokens run: naive "
                "%.0f, shared %.0f "
                "(ideal speed-up %.2fx by tokens, %.2fx by FLOPs)\n",
                count, kPrompt, kResponses, kResponse, int(pairs), naiveTokens, sharedTokens,
                naiveTokens / sharedTokens, naiveFlops / sharedFlops);

    ScorerOptions scorerOptions;
    scorerOptions.padId = 0;
    const Workload warmUp = workload(1);
    ResponseScorer(*model, scorerOptions).scorePairs(warmUp.examples, warmUp.pairs);
    resetPeak();
    start = Clock::now();
    const auto shared = ResponseScorer(*model, scorerOptions).scorePairs(w.examples, w.pairs);
    const double sharedSeconds = seconds(start);
    std::printf("shared: %.1f s, %.0f tokens/s, %.2f pairs/s, %.1f GFLOP/s (%.0f%% of sgemm), peak memory %.0f MiB\n",
                sharedSeconds, sharedTokens / sharedSeconds, pairs / sharedSeconds, sharedFlops / sharedSeconds / 1e9,
                100.0 * sharedFlops / sharedSeconds / 1e9 / sgemm, peakMiB());
    for (std::int64_t budget : {512, 2048}) {
        ScorerOptions other = scorerOptions;
        other.batchTokens = budget;
        start = Clock::now();
        ResponseScorer(*model, other).scorePairs(w.examples, w.pairs);
        std::printf("  shared with %lld tokens a batch (default %lld): %.1f s\n", static_cast<long long>(budget),
                    static_cast<long long>(scorerOptions.batchTokens), seconds(start));
    }

    resetPeak();
    start = Clock::now();
    const auto naive = ResponseScorer(*model, scorerOptions).scorePairsNaive(w.examples, w.pairs);
    const double naiveSeconds = seconds(start);
    double difference = 0;
    for (std::size_t k = 0; k < naive.size(); ++k)
        difference = std::max(difference, std::fabs(naive[k] - shared[k]));
    std::printf("naive: %.1f s, %.0f tokens/s, %.2f pairs/s, %.1f GFLOP/s (%.0f%% of sgemm), peak memory %.0f MiB\n",
                naiveSeconds, naiveTokens / naiveSeconds, pairs / naiveSeconds, naiveFlops / naiveSeconds / 1e9,
                100.0 * naiveFlops / naiveSeconds / 1e9 / sgemm, peakMiB());
    std::printf("P(preferred), first pairs: shared %.9f %.9f %.9f, naive %.9f %.9f %.9f\n", shared[0], shared[1],
                shared[2], naive[0], naive[1], naive[2]);
    std::printf("speed-up of sharing: %.2fx; largest |P(shared) - P(naive)|: %.1e\n", naiveSeconds / sharedSeconds,
                difference);

    EngineOptions bf16 = options;
    bf16.dtype = ComputeDtype::BFloat16;
    const auto low = loadCausalLM(dir, bf16);
    ResponseScorer(*low, scorerOptions).scorePairs(warmUp.examples, warmUp.pairs);
    start = Clock::now();
    const auto lowShared = ResponseScorer(*low, scorerOptions).scorePairs(w.examples, w.pairs);
    const double lowSeconds = seconds(start);
    difference = 0;
    for (std::size_t k = 0; k < lowShared.size(); ++k)
        difference = std::max(difference, std::fabs(lowShared[k] - shared[k]));
    std::printf("shared in bfloat16: %.1f s (%.2fx float32), largest |P(bf16) - P(f32)|: %.1e\n", lowSeconds,
                sharedSeconds / lowSeconds, difference);

    // The reward model on the same shapes: one reward per response at its last token, prompts shared.
    const fs::path rewardDir = dir.string() + "-reward";
    bench::writePythiaModel(rewardDir, true);
    const auto reward = loadCausalLM(rewardDir, options);
    RewardScorerOptions rewardOptions;
    const RewardScorer rewardScorer(*reward, rewardOptions);
    rewardScorer.scorePairs(warmUp.examples, warmUp.pairs);
    resetPeak();
    start = Clock::now();
    const auto rewardShared = rewardScorer.scorePairs(w.examples, w.pairs);
    const double rewardSeconds = seconds(start);
    const double rewardPeak = peakMiB();
    start = Clock::now();
    const auto rewardNaive = RewardScorer::pairProbabilities(rewardScorer.scoreResponsesNaive(w.examples), w.pairs);
    const double rewardNaiveSeconds = seconds(start);
    difference = 0;
    for (std::size_t k = 0; k < rewardNaive.size(); ++k)
        difference = std::max(difference, std::fabs(rewardNaive[k] - rewardShared[k]));
    std::printf("reward model, shared: %.1f s, %.0f tokens/s, %.2f pairs/s (zero_shot shared: %.2f pairs/s, %.2fx), "
                "peak memory %.0f MiB\n",
                rewardSeconds, sharedTokens / rewardSeconds, pairs / rewardSeconds, pairs / sharedSeconds,
                sharedSeconds / rewardSeconds, rewardPeak);
    std::printf("reward model, each response in full: %.1f s, %.2f pairs/s; speed-up of sharing %.2fx; largest "
                "|P(shared) - P(full)|: %.1e\n",
                rewardNaiveSeconds, pairs / rewardNaiveSeconds, rewardNaiveSeconds / rewardSeconds, difference);
    std::printf("sgemm 2048^3 again at the end: %.1f GFLOP/s\n", sgemmGflops(2048, 2048, 2048));
    fs::remove_all(dir);
    fs::remove_all(rewardDir);
    return 0;
}
