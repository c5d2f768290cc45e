#include "interventions/activationcache.h"

#include "engine/causallm.h"
#include "engine/tensorfile.h"
#include "interventions/modelsession.h"
#include "util/sha256.h"

#include <ATen/ATen.h>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>

namespace shiftscope {

namespace fs = std::filesystem;

namespace {

constexpr std::int64_t kBatchTokens = 4096;  // padded tokens per forward batch

} // namespace

std::string ReaderText::text(const Example &example, int response) const
{
    return example.prompt + prefix + example.responses[std::size_t(response)].text + suffix;
}

std::string ReaderText::key() const
{
    return nlohmann::json{{"prefix", prefix}, {"suffix", suffix}, {"eos", appendEos}}.dump();
}

ActivationCache::ActivationCache(std::shared_ptr<const ModelSession> session, fs::path directory, std::string modelHash, int maxLength)
    : m_session(std::move(session)), m_directory(std::move(directory)), m_modelHash(std::move(modelHash)), m_maxLength(maxLength)
{
}

std::vector<ResponseActivations> ActivationCache::read(const std::string &distribution, const std::string &split,
                                                       const std::string &dataHash, const std::vector<Example> &examples,
                                                       const ReaderText &reader, const std::vector<std::size_t> &indices,
                                                       const ProgressCallback &progress)
{
    const nlohmann::ordered_json description = {{"model_hash", m_modelHash}, {"distribution", distribution}, {"split", split},
                                                {"data_hash", dataHash}, {"examples", examples.size()}, {"reader", reader.key()},
                                                {"position", "last token"}, {"max_length", m_maxLength}};
    Sha256 hash;
    hash.update(description.dump());
    const std::string key = hash.hexDigest().substr(0, 24);
    const fs::path entry = m_directory.empty() ? fs::path() : m_directory / "activations" / key;
    if (!entry.empty() && !fs::exists(entry / "entry.json")) {
        fs::create_directories(entry);
        std::ofstream(entry / "entry.json") << description.dump(1) << "\n";
    }

    std::vector<std::size_t> chunks;
    for (std::size_t i : indices)
        if (chunks.empty() || chunks.back() != i / kChunkExamples)
            chunks.push_back(i / kChunkExamples);
    std::sort(chunks.begin(), chunks.end());
    chunks.erase(std::unique(chunks.begin(), chunks.end()), chunks.end());
    for (std::size_t c = 0; c < chunks.size(); ++c) {
        reportProgress(progress, std::int64_t(c), std::int64_t(chunks.size()), "reading activations of " + distribution + " (" + split + ")");
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
        out.clear();  // a chunk of other examples: recompute it
    }
    out = extract(examples, reader, begin, end);
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

std::vector<ResponseActivations> ActivationCache::extract(const std::vector<Example> &examples, const ReaderText &reader,
                                                          std::size_t begin, std::size_t end)
{
    const auto started = std::chrono::steady_clock::now();
    c10::InferenceMode inference;
    std::vector<std::vector<int>> texts;
    std::vector<std::pair<std::size_t, int>> owner;  // (example, response) of each text
    for (std::size_t e = begin; e < end; ++e)
        for (int r = 0; r < int(examples[e].responses.size()); ++r) {
            texts.push_back(keepLast(m_session->readerTokens(reader.text(examples[e], r), reader.appendEos), std::size_t(m_maxLength)));
            owner.emplace_back(e, r);
        }
    std::vector<std::size_t> order(texts.size());
    for (std::size_t i = 0; i < order.size(); ++i)
        order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return texts[a].size() > texts[b].size(); });

    const ModelConfig &c = m_session->model().config();
    at::Tensor heads = at::empty({std::int64_t(texts.size()), c.layers, c.heads, c.headDim});
    at::Tensor residual = at::empty({std::int64_t(texts.size()), c.layers + 1, c.hiddenSize});
    for (std::size_t start = 0; start < order.size();) {
        // Longest first, so each batch's padding is set by its first text.
        const auto longest = std::int64_t(std::max<std::size_t>(1, texts[order[start]].size()));
        const std::size_t count = std::max<std::size_t>(1, std::size_t(kBatchTokens / longest));
        const std::size_t stop = std::min(order.size(), start + count);
        std::vector<std::vector<int>> batch;
        for (std::size_t i = start; i < stop; ++i)
            batch.push_back(texts[order[i]]);
        const auto [ids, mask] = leftPadded(batch, m_session->eosId());
        ForwardRequest request;
        request.inputIds = ids;
        request.attentionMask = mask;
        request.capturePositions = at::full({ids.size(0), 1}, ids.size(1) - 1, at::kLong);
        request.hiddenStates = true;
        request.headOutputs = true;
        request.logitsFrom = ids.size(1);
        const ForwardResult result = m_session->model().forward(request);
        for (std::size_t i = start; i < stop; ++i) {
            heads[std::int64_t(order[i])].copy_(result.headOutputs[std::int64_t(i - start)][0]);
            residual[std::int64_t(order[i])].copy_(result.hiddenStates[std::int64_t(i - start)][0]);
        }
        start = stop;
    }
    std::vector<ResponseActivations> out;
    std::int64_t row = 0;
    for (std::size_t e = begin; e < end; ++e) {
        const auto n = std::int64_t(examples[e].responses.size());
        out.push_back({heads.narrow(0, row, n), residual.narrow(0, row, n)});
        row += n;
    }
    m_statistics.computedTexts += std::int64_t(texts.size());
    m_statistics.extractionSeconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return out;
}

} // namespace shiftscope
