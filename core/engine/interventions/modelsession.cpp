#include "engine/interventions/modelsession.h"

#include "engine/interventions/parameters.h"

#include "engine/model/computebackend.h"
#include "util/errors.h"

#include <ATen/ATen.h>
#include <atomic>
#include <map>
#include <mutex>
#include <tuple>

namespace shiftscope {

namespace fs = std::filesystem;

ModelSession::ModelSession(fs::path dir, std::unique_ptr<CausalLM> model, Tokenizer tokenizer, int eos)
    : m_dir(std::move(dir)), m_model(std::move(model)), m_tokenizer(std::move(tokenizer)), m_eos(eos)
{
}

namespace {

std::atomic<std::size_t> loadCount{0};

} // namespace

std::size_t ModelSession::loads() { return loadCount.load(); }

std::shared_ptr<ModelSession> ModelSession::open(const InterventionContext &context)
{
    return open(context.modelDir, context.device, context.adapterDir, bfloat16Asked(context));
}

std::shared_ptr<ModelSession> ModelSession::open(const fs::path &modelDir, const std::string &device,
                                                 const fs::path &adapterDir, bool bfloat16)
{
    if (modelDir.empty())
        throw InputError(InputProblem{
            {}, {}, "this intervention needs a model", "give a Hugging Face model folder with --model DIR"});
    EngineOptions options;
    if (device == "cuda")
        options.device = ComputeDevice::Cuda;
    else if (device != "cpu")
        throw InputError(InputProblem{{}, "--device " + device, "unknown device", "use --device cpu or --device cuda"});
    static std::mutex mutex;
    options.adapter = adapterDir;
    options.dtype = bfloat16 ? ComputeDtype::BFloat16 : ComputeDtype::Float32;
    static std::map<std::tuple<fs::path, std::string, fs::path, bool>, std::weak_ptr<ModelSession>> live;
    std::error_code ec;
    const fs::path canonical = fs::weakly_canonical(modelDir, ec);
    const auto key =
        std::tuple{canonical, device, adapterDir.empty() ? fs::path() : fs::weakly_canonical(adapterDir, ec), bfloat16};
    std::lock_guard lock(mutex);
    if (auto session = live[key].lock())
        return session;
    auto model = loadCausalLM(modelDir, options);
    ++loadCount;
    if (!fs::exists(modelDir / "tokenizer.json"))
        throw InputError(InputProblem{(modelDir / "tokenizer.json").string(),
                                      {},
                                      "the model folder has no tokenizer.json",
                                      "copy the model's tokenizer.json (Hugging Face fast tokenizer) into the folder"});
    Tokenizer tokenizer = Tokenizer::load(modelDir);
    const auto eos = model->config().eosTokenId ? model->config().eosTokenId : tokenizer.eosId();
    if (!eos)
        throw InputError(InputProblem{(modelDir / "config.json").string(),
                                      {},
                                      "neither config.json nor the tokenizer names an end-of-sequence token",
                                      "set eos_token_id in config.json"});
    requireTokenizerFits(tokenizer, modelDir / "tokenizer.json", model->config(), eos);
    auto session = std::make_shared<ModelSession>(canonical, std::move(model), std::move(tokenizer), *eos);
    live[key] = session;
    return session;
}

TokenizedExample ModelSession::pairTokens(const Example &example) const
{
    std::vector<std::string> responses;
    for (const Response &r : example.responses)
        responses.push_back(r.text);
    return pairTokens(example.prompt, responses);
}

TokenizedExample ModelSession::pairTokens(const std::string &prompt, const std::vector<std::string> &responses) const
{
    TokenizedExample t{m_tokenizer.encode(prompt), {}};
    for (const auto &r : responses) {
        t.responses.push_back(m_tokenizer.encode(r));
        t.responses.back().push_back(m_eos);
    }
    return t;
}

std::vector<int> ModelSession::readerTokens(const std::string &text, bool appendEos) const
{
    std::vector<int> ids = m_tokenizer.encode(text, true);
    if (appendEos)
        ids.push_back(m_eos);
    return ids;
}

std::pair<at::Tensor, at::Tensor> leftPadded(const std::vector<std::vector<int>> &rows, int padId)
{
    std::size_t longest = 1;
    for (const auto &r : rows)
        longest = std::max(longest, r.size());
    std::vector<std::int64_t> ids(rows.size() * longest, padId), mask(rows.size() * longest, 0);
    for (std::size_t r = 0; r < rows.size(); ++r) {
        const std::size_t start = r * longest + longest - rows[r].size();
        for (std::size_t t = 0; t < rows[r].size(); ++t) {
            ids[start + t] = rows[r][t];
            mask[start + t] = 1;
        }
    }
    const auto shape = std::vector<std::int64_t>{std::int64_t(rows.size()), std::int64_t(longest)};
    return {at::tensor(ids, at::kLong).view(shape), at::tensor(mask, at::kLong).view(shape)};
}

std::vector<int> keepLast(std::vector<int> ids, std::size_t maxLength)
{
    if (ids.size() > maxLength)
        ids.erase(ids.begin(), ids.end() - std::ptrdiff_t(maxLength));
    return ids;
}

} // namespace shiftscope
