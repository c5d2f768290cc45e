// Checks that the engine computes the same on a GPU as on the CPU: forward passes (float32 and bfloat16) and every
// model intervention run end to end on a tiny demo model, with the largest difference printed per check.
//
// A plain program, not a Qt Test suite, so that it builds without Qt (-DSHIFTSCOPE_GUI=OFF) on GPU machines that
// have a CUDA libtorch and nothing else. Where libtorch has no CUDA or no GPU is visible it checks that asking
// for one fails with a clear message, then exits 77, which CTest reports as skipped.
#include <ATen/ATen.h>

#include "demo/demosuite.h"
#include "engine/model/causallm.h"
#include "engine/demo/demomodel.h"
#include "genies/dataimporter.h"
#include "engine/interventions/modelinterventions.h"
#include "engine/interventions/modelsession.h"
#include "runs/runner.h"
#include "runs/runplanner.h"
#include "runs/runstore.h"
#include "util/errors.h"
#include "workspace/workspace.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <unistd.h>
#include <vector>

using namespace shiftscope;
namespace fs = std::filesystem;

namespace {

int failures = 0;
//! The device compared with the CPU: "cuda", or "cpu" when the program is asked to check itself on a machine
//! without a GPU (`check_devices --compare-with cpu`).
std::string second = "cuda";

void check(bool ok, const std::string &what)
{
    std::printf("%-6s %s\n", ok ? "ok" : "FAILED", what.c_str());
    std::fflush(stdout);
    if (!ok)
        ++failures;
}

std::string figure(double value)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.3g", value);
    return text;
}

double seconds(std::chrono::steady_clock::time_point since)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

//! A temporary folder removed at exit.
struct TemporaryDir {
    fs::path path;
    TemporaryDir()
    {
        std::string pattern = (fs::temp_directory_path() / "shiftscope-devices-XXXXXX").string();
        if (!mkdtemp(pattern.data()))
            throw std::runtime_error("cannot create a temporary folder in " + fs::temp_directory_path().string());
        path = pattern;
    }
    ~TemporaryDir()
    {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

DemoModelOptions tinyModel()
{
    DemoModelOptions o;
    o.vocabSize = 400;
    o.hidden = 64;
    o.layers = 2;
    o.heads = 4;
    o.intermediate = 128;
    o.contextLength = 32;
    o.batch = 4;
    o.steps = 20;
    return o;
}

//! Without CUDA: asking for it must fail with an input error that names the option.
int checkRefusal(const fs::path &model)
{
    EngineOptions options;
    options.device = ComputeDevice::Cuda;
    try {
        loadCausalLM(model, options);
        check(false, "loading on cuda without CUDA fails");
    } catch (const InputError &e) {
        check(std::string(e.what()).find("--device cuda") != std::string::npos,
              std::string("clear refusal: ") + e.what());
    }
    try {
        ModelSession::open(model, "tpu");
        check(false, "an unknown device is refused");
    } catch (const InputError &e) {
        check(std::string(e.what()).find("tpu") != std::string::npos,
              std::string("unknown device refused: ") + e.what());
    }
    return failures ? 1 : 77;
}

void checkForward(const fs::path &model)
{
    EngineOptions cpu, other, otherBf16;
    other.device = otherBf16.device = second == "cuda" ? ComputeDevice::Cuda : ComputeDevice::Cpu;
    otherBf16.dtype = ComputeDtype::BFloat16;
    const auto a = loadCausalLM(model, cpu);
    const auto b = loadCausalLM(model, other);
    const auto c = loadCausalLM(model, otherBf16);
    check(b->device().is_cuda() == (second == "cuda") && c->device() == b->device(),
          "models load on " + b->device().str());

    // Left-padded rows of different lengths, built on the CPU: the forward pass moves them to the model's device.
    at::manual_seed(3);
    const std::int64_t rows = 6, length = 24;
    const at::Tensor ids = at::randint(a->config().vocabSize, {rows, length}, at::kLong);
    at::Tensor mask = at::ones({rows, length}, at::kLong);
    for (std::int64_t r = 0; r < rows; ++r)
        mask[r].narrow(0, 0, 3 * r).fill_(0);
    ForwardRequest request;
    request.inputIds = ids;
    request.attentionMask = mask;
    request.hiddenStates = true;
    request.headOutputs = true;
    request.capturePositions = at::full({rows, 1}, length - 1, at::kLong);
    const ForwardResult x = a->forward(request), y = b->forward(request), z = c->forward(request);
    const auto gap = [](const at::Tensor &p, const at::Tensor &q) {
        return (p - q.to(at::kCPU)).abs().max().item<double>();
    };
    const double logits = gap(x.logits, y.logits), hidden = gap(x.hiddenStates, y.hiddenStates),
                 heads = gap(x.headOutputs, y.headOutputs);
    check(logits < 1e-3, "float32 logits, " + second + " vs cpu: max |difference| " + figure(logits));
    check(hidden < 1e-3, "float32 hidden states, " + second + " vs cpu: max |difference| " + figure(hidden));
    check(heads < 1e-3, "float32 head outputs, " + second + " vs cpu: max |difference| " + figure(heads));
    const double logprobs = gap(at::log_softmax(x.logits, -1), at::log_softmax(z.logits, -1));
    check(logprobs < 0.25,
          "bfloat16 log-probabilities on " + second + " vs float32 on cpu: max |difference| " + figure(logprobs));
}

void checkInterventions(const fs::path &model, const fs::path &dir)
{
    writeDemoSuite(dir / "data", {7, 48, 32});
    const DemoShift &shift = demoShifts().front();
    const std::string shifts = shift.source + ":" + shift.target;
    const std::vector<std::pair<std::string, std::vector<std::string>>> interventions = {
        {"zero_shot", {}},
        {"few_shot", {}},
        {"lora", {"steps=6", "batch_size=4", "dropout=0", "learning_rate=2e-3", "max_length=128"}},
        {"prompt_tuning", {"steps=6", "batch_size=4", "learning_rate=2e-2", "max_length=128"}},
        {"mms", {"max_length=128"}},
        {"cra", {"max_length=128"}},
        {"lat_stim_1", {"max_length=128"}},
        {"lat_stim_2", {"max_length=128"}},
        {"ccs", {"max_length=128"}},
        {"linear_probe", {"max_length=128"}},
    };
    for (const auto &[name, parameters] : interventions) {
        std::vector<std::vector<double>> predictions[2];
        double elapsed[2] = {0, 0};
        for (int d = 0; d < 2; ++d) {
            const std::string device = d == 0 ? "cpu" : second;
            const fs::path path = dir / (name + "-" + std::to_string(d) + ".sqlite");
            Workspace ws = Workspace::create(path);
            DataImporter::importData(ws, dir / "data");
            RunStore store(ws);
            const auto id = store.create(planRun(ws, {model, name, shifts, parameters, 5, {}, {}}));
            RunOptions options;
            options.device = device;
            const auto started = std::chrono::steady_clock::now();
            const RunStatus status = RunRunner::execute(ws, id, options);
            elapsed[d] = seconds(started);
            check(status == RunStatus::Done, name + " on " + device + ": " + runStatusName(status));
            const auto run = store.run(id);
            for (const RunUnit &unit : run->units)
                for (const auto &distribution : unit.evaluations)
                    predictions[d].push_back(store.predictions(unit.id, distribution));
        }
        double worst = 0;
        std::size_t pairs = 0;
        bool sameShape = predictions[0].size() == predictions[1].size();
        for (std::size_t i = 0; sameShape && i < predictions[0].size(); ++i) {
            sameShape = predictions[0][i].size() == predictions[1][i].size();
            for (std::size_t j = 0; sameShape && j < predictions[0][i].size(); ++j)
                worst = std::max(worst, std::abs(predictions[0][i][j] - predictions[1][i][j]));
            pairs += predictions[0][i].size();
        }
        // Trained methods take a few optimizer steps, so differences in the last bits can grow a little.
        check(sameShape && pairs > 0 && worst < 2e-3,
              name + ": " + std::to_string(pairs) + " pairs, max |P(preferred) " + second + " - cpu| " + figure(worst)
                  + "; cpu " + figure(elapsed[0]) + " s, " + second + " " + figure(elapsed[1]) + " s");
    }
}

} // namespace

int main(int argc, char **argv)
{
    if (argc == 3 && std::string(argv[1]) == "--compare-with"
        && (std::string(argv[2]) == "cpu" || std::string(argv[2]) == "cuda")) {
        second = argv[2];
    } else if (argc != 1) {
        std::fprintf(stderr, "usage: check_devices [--compare-with cpu|cuda]\n");
        return 2;
    }
    try {
        registerModelInterventions();
        TemporaryDir dir;
        const fs::path model = dir.path / "model";
        buildDemoModel(model, tinyModel());
        if (second == "cuda" && !at::hasCUDA()) {
            std::printf("libtorch has no CUDA here, or no GPU is visible: checking the refusal only\n");
            const int code = checkRefusal(model);
            if (code == 77)
                std::printf("skipped: the GPU checks need a CUDA libtorch and a GPU (see README, \"GPUs\")\n");
            return code;
        }
        if (second == "cuda")
            std::printf("GPUs visible: %d\n", int(at::getNumGPUs()));
        checkForward(model);
        checkInterventions(model, dir.path);
    } catch (const std::exception &e) {
        std::printf("FAILED with an exception: %s\n", e.what());
        return 1;
    }
    std::printf("%s\n", failures ? "some checks FAILED" : "all device checks passed");
    return failures ? 1 : 0;
}
