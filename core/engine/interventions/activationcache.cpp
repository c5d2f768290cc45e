#include "engine/interventions/activationcache.h"

#include "engine/model/causallm.h"
#include "engine/model/kvcache.h"
#include "engine/model/tensorfile.h"
#include "engine/interventions/modelsession.h"
#include "engine/interventions/parameters.h"
#include "runs/intervention.h"
#include "util/atomicfile.h"
#include "util/sha256.h"

#include <ATen/ATen.h>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>

namespace shiftscope {

namespace fs = std::filesystem;

namespace {

constexpr std::int64_t kBatchTokens = 4096; // padded tokens per forward batch

} // namespace

std::string ReaderText::text(const Example &example, int response) const
{
    return example.prompt + prefix + example.responses[std::size_t(response)].text + suffix;
}

std::string ReaderText::key() const
{
    return nlohmann::json{{"prefix", prefix}, {"suffix", suffix}, {"eos", appendEos}}.dump();
}

ActivationCache::ActivationCache(std::shared_ptr<const ModelSession> session, fs::path directory, std::string modelHash,
                                 int maxLength)
    : m_session(std::move(session)),
      m_directory(std::move(directory)),
      m_modelHash(std::move(modelHash)),
      m_maxLength(maxLength)
{
}

std::vector<ResponseActivations> ActivationCache::read(const std::string &distribution, const std::string &split,
                                                       const std::string &dataHash,
                                                       const std::vector<Example> &examples, const ReaderText &reader,
                                                       const std::vector<std::size_t> &indices,
                                                       const ProgressCallback &progress)
{
    const nlohmann::ordered_json description = {
        {"model_hash", m_modelHash}, {"distribution", distribution}, {"split", split},
        {"data_hash", dataHash},     {"examples", examples.size()},  {"reader", reader.key()},
        {"position", "last token"},  {"max_length", m_maxLength}};
    Sha256 hash;
    hash.update(description.dump());
    const std::string key = hash.hexDigest().substr(0, 24);
    const fs::path entry = m_directory.empty() ? fs::path() : m_directory / "activations" / key;
    if (!entry.empty() && !fs::exists(entry / "entry.json"))
        writeFileAtomically(entry / "entry.json", description.dump(1) + "\n"); // other runs may write it too

    std::vector<std::size_t> chunks;
    for (std::size_t i : indices)
        if (chunks.empty() || chunks.back() != i / kChunkExamples)
            chunks.push_back(i / kChunkExamples);
    std::sort(chunks.begin(), chunks.end());
    chunks.erase(std::unique(chunks.begin(), chunks.end()), chunks.end());
    for (std::size_t c = 0; c < chunks.size(); ++c) {
        reportProgress(progress, std::int64_t(c), std::int64_t(chunks.size()),
                       "reading activations of " + distribution + " (" + split + ")");
        auto &slot = m_loaded[{key, chunks[c]}];
        if (slot.empty())
            slot = chunk(entry, examples, reader, chunks[c]);
    }
    std::vector<ResponseActivations> out;
    for (std::size_t i : indices)
        out.push_back(m_loaded.at({key, i / kChunkExamples})[i % kChunkExamples]);
    return out;
}

std::vector<ResponseActivations> ActivationCache::chunk(const fs::path &entry, const std::vector<Example> &examples,
                                                        const ReaderText &reader, std::size_t index)
{
    const std::size_t begin = index * kChunkExamples;
    const std::size_t end = std::min(examples.size(), begin + kChunkExamples);
    char name[32];
    std::snprintf(name, sizeof name, "chunk-%05zu.safetensors", index);
    const fs::path file = entry.empty() ? fs::path() : entry / name;
    std::vector<ResponseActivations> out;
    if (!file.empty() && fs::exists(file)) {
        const auto saved = loadTensors(file);
        const at::Tensor heads = requireTensor(saved, "heads", file), residual = requireTensor(saved, "residual", file);
        std::int64_t row = 0;
        for (std::size_t e = begin; e < end; ++e) {
            const auto n = std::int64_t(examples[e].responses.size());
            out.push_back({heads.narrow(0, row, n), residual.narrow(0, row, n)});
            row += n;
        }
        if (row == heads.size(0)) {
            m_statistics.loadedTexts += row;
            return out;
        }
        out.clear(); // a chunk of other examples: recompute it
    }
    out = extract(examples, reader, begin, end);
    for (auto &a : out) { // probes fit in float32 whatever the model computed in
        a.heads = a.heads.to(at::kFloat);
        a.residual = a.residual.to(at::kFloat);
    }
    if (!file.empty()) {
        std::vector<at::Tensor> heads, residual;
        for (const auto &a : out) {
            heads.push_back(a.heads);
            residual.push_back(a.residual);
        }
        saveTensors(file, {{"heads", at::cat(heads)}, {"residual", at::cat(residual)}});
    }
    return out;
}

std::vector<ResponseActivations> ActivationCache::extract(const std::vector<Example> &examples,
                                                          const ReaderText &reader, std::size_t begin, std::size_t end)
{
    const auto started = std::chrono::steady_clock::now();
    c10::InferenceMode inference;
    // Each example's texts, and the tokens all of them start with (its prompt, give or take the boundary token):
    // that prefix runs once and every text continues its keys and values.
    struct Text {
        std::size_t example; // index into this chunk
        std::vector<int> rest;
        std::int64_t row; // output row
    };
    std::vector<std::vector<int>> prefixes;
    std::vector<Text> texts;
    std::int64_t rows = 0;
    for (std::size_t e = begin; e < end; ++e) {
        std::vector<std::vector<int>> ids;
        for (int r = 0; r < int(examples[e].responses.size()); ++r)
            ids.push_back(keepLast(m_session->readerTokens(reader.text(examples[e], r), reader.appendEos),
                                   std::size_t(m_maxLength)));
        std::size_t shared = ids.front().size();
        for (const auto &t : ids) {
            std::size_t k = 0;
            while (k < shared && k < t.size() && t[k] == ids.front()[k])
                ++k;
            shared = std::min(k, t.size() - 1); // every text keeps at least its last token to read features at
        }
        prefixes.emplace_back(ids.front().begin(), ids.front().begin() + std::ptrdiff_t(shared));
        for (auto &t : ids)
            texts.push_back({e - begin, std::vector<int>(t.begin() + std::ptrdiff_t(shared), t.end()), rows++});
    }

    const ModelConfig &c = m_session->model().config();
    at::Tensor heads = at::empty({rows, c.layers, c.heads, c.headDim});
    at::Tensor residual = at::empty({rows, c.layers + 1, c.hiddenSize});
    // Examples in groups whose prefixes fit the batch budget; per group, the prefixes, then the rests, longest first.
    for (std::size_t groupBegin = 0; groupBegin < prefixes.size();) {
        std::size_t groupEnd = groupBegin;
        std::size_t longest = 1;
        while (
            groupEnd < prefixes.size()
            && (groupEnd == groupBegin
                || std::int64_t(groupEnd - groupBegin + 1) * std::int64_t(std::max(longest, prefixes[groupEnd].size()))
                       <= kBatchTokens)) {
            longest = std::max(longest, prefixes[groupEnd].size());
            ++groupEnd;
        }
        KvCache cache;
        std::vector<std::vector<int>> groupPrefixes(prefixes.begin() + std::ptrdiff_t(groupBegin),
                                                    prefixes.begin() + std::ptrdiff_t(groupEnd));
        {
            const auto [ids, mask] = leftPadded(groupPrefixes, m_session->eosId());
            ForwardRequest request;
            request.inputIds = ids;
            request.attentionMask = mask;
            request.logitsFrom = ids.size(1);
            m_session->model().forward(request, &cache);
        }
        std::vector<const Text *> group;
        for (const Text &t : texts)
            if (t.example >= groupBegin && t.example < groupEnd)
                group.push_back(&t);
        std::stable_sort(group.begin(), group.end(),
                         [](const Text *a, const Text *b) { return a->rest.size() > b->rest.size(); });
        for (std::size_t start = 0; start < group.size();) {
            const auto length = std::int64_t(group[start]->rest.size());
            const std::size_t stop =
                std::min(group.size(), start + std::max<std::size_t>(1, std::size_t(kBatchTokens / length)));
            const auto count = std::int64_t(stop - start);
            // Right-padded, so each row starts where its prefix's cache row ends.
            at::Tensor ids = at::full({count, length}, m_session->eosId(), at::kLong);
            at::Tensor mask = at::zeros({count, length}, at::kLong);
            std::vector<std::int64_t> cacheRows, last;
            for (std::size_t i = start; i < stop; ++i) {
                const auto &rest = group[i]->rest;
                const auto row = std::int64_t(i - start);
                ids[row]
                    .narrow(0, 0, std::int64_t(rest.size()))
                    .copy_(at::tensor(std::vector<std::int64_t>(rest.begin(), rest.end()), at::kLong));
                mask[row].narrow(0, 0, std::int64_t(rest.size())).fill_(1);
                cacheRows.push_back(std::int64_t(group[i]->example - groupBegin));
                last.push_back(std::int64_t(rest.size()) - 1);
            }
            KvCache continued = cache.selectRows(at::tensor(cacheRows, at::kLong));
            ForwardRequest request;
            request.inputIds = ids;
            request.attentionMask = mask;
            request.capturePositions = at::tensor(last, at::kLong).unsqueeze(1);
            request.hiddenStates = true;
            request.headOutputs = true;
            request.logitsFrom = length;
            const ForwardResult result = m_session->model().forward(request, &continued);
            for (std::size_t i = start; i < stop; ++i) {
                heads[group[i]->row].copy_(result.headOutputs[std::int64_t(i - start)][0]);
                residual[group[i]->row].copy_(result.hiddenStates[std::int64_t(i - start)][0]);
            }
            start = stop;
        }
        groupBegin = groupEnd;
    }
    std::vector<ResponseActivations> out;
    std::int64_t row = 0;
    for (std::size_t e = begin; e < end; ++e) {
        const auto n = std::int64_t(examples[e].responses.size());
        out.push_back({heads.narrow(0, row, n), residual.narrow(0, row, n)});
        row += n;
    }
    m_statistics.computedTexts += rows;
    m_statistics.extractionSeconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return out;
}

std::unique_ptr<ActivationCache> makeActivationCache(const InterventionContext &context)
{
    std::string modelHash = context.modelHash;
    if (modelHash.empty()) {
        std::error_code ec;
        modelHash = Sha256::hex(fs::weakly_canonical(context.modelDir, ec).string());
    }
    // Activations computed on another device differ in their last bits; a run reads back only its own device's.
    if (context.device != "cpu")
        modelHash += "-" + context.device;
    if (bfloat16Asked(context)) // so are activations of the model in bfloat16
        modelHash += "-bfloat16";
    return std::make_unique<ActivationCache>(ModelSession::open(context), context.cacheDir, modelHash,
                                             intParameter(context, "max_length", 8, 1 << 20));
}

} // namespace shiftscope
