#include "engine/cli/modelcommands.h"

#include "cli/commandregistry.h"
#include "cli/commandsupport.h"
#include "data/types.h"
#include "engine/model/causallm.h"
#include "engine/model/forwardcases.h"
#include "engine/model/computebackend.h"
#include "engine/scoring/responsescorer.h"
#include "tokenizer/tokenizer.h"
#include "util/errors.h"
#include "data/modelidentity.h"
#include "util/inputfile.h"
#include "workspace/scorestore.h"
#include "workspace/workspace.h"

#include <ATen/ATen.h>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <unistd.h>

namespace shiftscope {

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

EngineOptions engineOptions(const Arguments &args)
{
    EngineOptions options;
    const std::string dtype = args.value("dtype").value_or("float32");
    if (dtype == "bfloat16")
        options.dtype = ComputeDtype::BFloat16;
    else if (dtype != "float32")
        throw CommandUsageError("--dtype must be float32 or bfloat16, got '" + dtype + "'");
    const std::string device = args.value("device").value_or("cpu");
    if (device == "cuda")
        options.device = ComputeDevice::Cuda;
    else if (device != "cpu")
        throw CommandUsageError("--device must be cpu or cuda, got '" + device + "'");
    return options;
}

std::unique_ptr<CausalLM> loadModel(const Arguments &args, const std::string &command, std::ostream &err)
{
    const auto dir = args.value("model");
    if (!dir)
        throw CommandUsageError(command + " needs --model DIR (a Hugging Face model folder)");
    const EngineOptions options = engineOptions(args);
    auto model = loadCausalLM(*dir, options);
    for (const auto &note : prepareComputeBackend(options))
        err << "note: " << note << "\n";
    return model;
}

// ---- forward ---------------------------------------------------------------------------------------------------

//! One case of a CASES.json file: a left-padded batch.
//! A float tensor as nested JSON lists.
Json nested(const float *data, at::IntArrayRef sizes)
{
    Json list = Json::array();
    if (sizes.size() == 1) {
        for (std::int64_t i = 0; i < sizes[0]; ++i)
            list.push_back(double(data[i]));
        return list;
    }
    std::int64_t stride = 1;
    for (std::size_t d = 1; d < sizes.size(); ++d)
        stride *= sizes[d];
    for (std::int64_t i = 0; i < sizes[0]; ++i)
        list.push_back(nested(data + i * stride, sizes.slice(1)));
    return list;
}

Json nested(const at::Tensor &t)
{
    const at::Tensor c = t.to(at::kCPU, at::kFloat).contiguous();
    return nested(c.data_ptr<float>(), c.sizes());
}

//! Per row, the mean log-probability of the tokens from `start` on, counting a token when it and the one before
//! it are real; null when no token counts.
Json responseMeanLogprobs(const ForwardCase &c, const at::Tensor &logits)
{
    const at::Tensor logprobs = at::log_softmax(logits, -1).to(at::kCPU, at::kDouble).contiguous();  // (rows, length, vocab)
    const double *lp = logprobs.data_ptr<double>();
    const std::int64_t vocab = logprobs.size(2);
    Json means = Json::array();
    for (std::int64_t r = 0; r < c.rows; ++r) {
        double sum = 0;
        int count = 0;
        for (std::int64_t t = std::max<std::int64_t>(*c.responseStart, 1); t < c.length; ++t) {
            const auto at = std::size_t(r * c.length + t);
            if (c.mask[at] && c.mask[at - 1]) {
                sum += lp[(r * c.length + t - 1) * vocab + c.ids[at]];
                ++count;
            }
        }
        means.push_back(count ? Json(sum / count) : Json(nullptr));
    }
    return means;
}

// ---- score -----------------------------------------------------------------------------------------------------

//! "scoring alpaca_hard test  42%  180 pairs/s  ETA 1m20s" on stderr: redrawn in place on a terminal at most
//! five times a second, else a line every ten seconds.
ProgressCallback scoreProgress(std::ostream &err, const std::string &label)
{
    using Clock = std::chrono::steady_clock;
    const bool terminal = isatty(STDERR_FILENO);
    const auto started = Clock::now();
    auto shown = std::make_shared<Clock::time_point>(Clock::time_point::min());
    return [&err, label, terminal, started, shown](std::int64_t done, std::int64_t total, const std::string &) {
        const auto now = Clock::now();
        if (done < total && now - *shown < (terminal ? std::chrono::milliseconds(200) : std::chrono::milliseconds(10000)))
            return true;
        *shown = now;
        const double seconds = std::chrono::duration<double>(now - started).count();
        const double perSecond = seconds > 0 ? double(done) / seconds : 0.0;
        const int eta = perSecond > 0 ? int(double(total - done) / perSecond) : 0;
        char figures[96];
        std::snprintf(figures, sizeof figures, "%3d%%  %.1f pairs/s  ETA %dm%02ds", total ? int(100 * done / total) : 100,
                      perSecond, eta / 60, eta % 60);
        err << (terminal ? "\r\033[K" : "") << label << "  " << figures << (terminal && done < total ? "" : "\n") << std::flush;
        return true;
    };
}

} // namespace

int runForwardCommand(const Arguments &args, std::ostream &out, std::ostream &err)
{
    return runWithUsageErrors(err, [&] {
        const auto input = args.value("input");
        const auto output = args.value("out");
        if (!input || !output)
            throw CommandUsageError("forward needs --model DIR --input CASES.json --out OUT.json");
        const auto model = loadModel(args, "forward", err);
        const auto cases = readForwardCases(*input, model->config().vocabSize);
        Json results = Json::array();
        const auto longs = at::TensorOptions().dtype(at::kLong);
        for (const ForwardCase &c : cases) {
            ForwardRequest request;
            request.inputIds = at::from_blob(const_cast<std::int64_t *>(c.ids.data()), {c.rows, c.length}, longs).to(model->device(), at::kLong, false, true);
            request.attentionMask = at::from_blob(const_cast<std::int64_t *>(c.mask.data()), {c.rows, c.length}, longs).to(model->device(), at::kLong, false, true);
            request.capturePositions = at::full({c.rows, 1}, c.length - 1, longs.device(model->device()));
            request.hiddenStates = true;
            const ForwardResult result = model->forward(request);
            Json entry = c.source;
            entry["logits"] = nested(result.logits);                        // (rows, length, vocab)
            entry["hidden_last"] = nested(result.hiddenStates.squeeze(1));  // (rows, layers + 1, hidden)
            if (c.responseStart)
                entry["response_mean_logprob"] = responseMeanLogprobs(c, result.logits);
            results.push_back(std::move(entry));
        }
        refuseProtectedFile(*output);
        std::ofstream file(*output, std::ios::binary | std::ios::trunc);
        file << Json{{"model", *args.value("model")}, {"cases", std::move(results)}}.dump() << "\n";
        if (!file)
            throw std::runtime_error("cannot write " + *output);
        out << "Wrote " << cases.size() << " cases to " << *output << "\n";
        return int(ExitOk);
    });
}

int runScoreCommand(const Arguments &args, std::ostream &out, std::ostream &err)
{
    return runWithUsageErrors(err, [&] {
        const auto distribution = args.value("distribution");
        if (!distribution || !args.value("model"))
            throw CommandUsageError("score needs --model DIR and --distribution D");
        const std::string splitText = args.value("split").value_or("test");
        const auto split = splitFromName(splitText);
        if (!split)
            throw CommandUsageError("--split must be train or test, got '" + splitText + "'");
        const std::string scoringText = args.value("scoring").value_or("genies");
        if (scoringText != "genies" && scoringText != "mean")
            throw CommandUsageError("--scoring must be genies or mean, got '" + scoringText + "'");
        int limit = -1;
        if (const auto text = args.value("limit")) {
            std::size_t used = 0;
            try {
                limit = std::stoi(*text, &used);
            } catch (const std::exception &) {
            }
            if (limit <= 0 || used != text->size())
                throw CommandUsageError("--limit needs a whole number > 0, got '" + *text + "'");
        }

        Workspace ws = openExistingWorkspace(args);
        if (!ws.distribution(*distribution))
            throw InputError(InputProblem{ws.path().string(), {}, "no distribution '" + *distribution + "' in the workspace",
                                          "import it with import-data, or list them with the distributions command"});
        const std::vector<Example> examples = ws.examples(*distribution, *split, limit);
        const std::vector<PairRef> pairs = pairsInOrder(examples);

        const fs::path modelDir = *args.value("model");
        const auto model = loadModel(args, "score", err);
        const Tokenizer tokenizer = Tokenizer::load(modelDir);
        const auto eos = model->config().eosTokenId ? model->config().eosTokenId : tokenizer.eosId();
        if (!eos)
            throw InputError(InputProblem{modelDir.string(), {}, "neither config.json nor the tokenizer names an end-of-sequence token",
                                          "set eos_token_id in config.json"});
        requireTokenizerFits(tokenizer, modelDir / "tokenizer.json", model->config(), eos);

        // GENIES tokenization (reference 4.0): prompt and response separately, no special tokens, EOS appended.
        std::vector<TokenizedExample> tokenized;
        std::map<int, std::size_t> indexOf;
        for (const Example &e : examples) {
            indexOf[e.position] = tokenized.size();
            TokenizedExample t{tokenizer.encode(e.prompt), {}};
            for (const Response &r : e.responses) {
                t.responses.push_back(tokenizer.encode(r.text));
                t.responses.back().push_back(*eos);
            }
            tokenized.push_back(std::move(t));
        }
        std::vector<ResponsePair> responsePairs;
        for (const PairRef &p : pairs)
            responsePairs.push_back({indexOf.at(p.examplePosition), p.preferredIndex, p.dispreferredIndex});

        ScorerOptions options;
        options.scoring = scoringText == "mean" ? PairScoring::MeanLogprob : PairScoring::GeniesZeroShot;
        options.padId = *eos;
        const auto probabilities = ResponseScorer(*model, options)
                                       .scorePairs(tokenized, responsePairs, scoreProgress(err, "scoring " + *distribution + " " + splitText));

        const std::string hash = modelIdentity(modelDir);
        ScoreStore(ws).replace({fs::absolute(modelDir).string(), hash, *distribution, splitText, scoringText}, pairs, probabilities);
        int correct = 0;
        for (const double p : probabilities)
            correct += p >= 0.5;  // ties count as correct, as in GENIES
        out << "Scored " << pairs.size() << " pairs of " << *distribution << " (" << splitText << ") with " << modelDir.string();
        if (!pairs.empty())
            out << ": accuracy " << double(correct) / double(pairs.size());
        out << "\n";
        return int(ExitOk);
    });
}

void registerEngineCommands()
{
    registerCliCommand("forward", runForwardCommand);
    registerCliCommand("score", runScoreCommand);
}

} // namespace shiftscope
