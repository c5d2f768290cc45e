#pragma once

#include "data/types.h"
#include "util/progress.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace shiftscope {

struct InterventionContext;

class ModelSession;

//! How a response becomes the text whose activations are read: prompt + prefix + response + suffix, tokenized
//! with the tokenizer's default special tokens and, when asked, EOS appended (reference 4.0, activation readers).
struct ReaderText {
    std::string prefix;
    std::string suffix;
    bool appendEos = false;

    std::string text(const Example &example, int response) const;
    //! Identifies the variant in cache keys.
    std::string key() const;
};

//! The last-token activations of one example's responses.
struct ResponseActivations {
    at::Tensor heads;    //!< (responses, layers, heads, head_dim): each head's attention output before o_proj
    at::Tensor residual; //!< (responses, layers + 1, hidden): Hugging Face hidden_states order, [layers] final-normed
};

//! Last-token activations of the responses of a distribution split, computed once and kept on disk for every
//! intervention and run of the workspace. An entry is keyed by the model's hash, the distribution, the split, the
//! split's content hash, the reader text and the length limit; a change to any of them is a different entry, so
//! stale activations are never read. Entries are stored in chunks of examples, each written whole (renamed into
//! place), so an interrupted extraction keeps the chunks it finished. The tokens an example's texts share (its
//! prompt) run once and each text continues their keys and values, as the response scorer does.
class ActivationCache {
public:
    struct Statistics {
        std::int64_t computedTexts = 0; //!< texts run through the model
        std::int64_t loadedTexts = 0;   //!< texts read from disk
        double extractionSeconds = 0;   //!< time spent running the model
    };

    ActivationCache(std::shared_ptr<const ModelSession> session, std::filesystem::path directory, std::string modelHash,
                    int maxLength);

    //! Activations of the examples at `indices` (into `examples`, the whole split in file order); the result has one
    //! entry per index. Computes what the cache does not hold. Progress counts chunks; cancelling throws Cancelled.
    std::vector<ResponseActivations> read(const std::string &distribution, const std::string &split,
                                          const std::string &dataHash, const std::vector<Example> &examples,
                                          const ReaderText &reader, const std::vector<std::size_t> &indices,
                                          const ProgressCallback &progress = {});

    const Statistics &statistics() const { return m_statistics; }
    //! Examples per stored chunk.
    static constexpr std::size_t kChunkExamples = 32;

private:
    std::vector<ResponseActivations> chunk(const std::filesystem::path &entry, const std::vector<Example> &examples,
                                           const ReaderText &reader, std::size_t index);
    std::vector<ResponseActivations> extract(const std::vector<Example> &examples, const ReaderText &reader,
                                             std::size_t begin, std::size_t end);

    std::shared_ptr<const ModelSession> m_session;
    std::filesystem::path m_directory;
    std::string m_modelHash;
    int m_maxLength;
    std::map<std::pair<std::string, std::size_t>, std::vector<ResponseActivations>> m_loaded;
    Statistics m_statistics;
};

//! The activation cache of the context's model, device and workspace (created once per intervention object).
std::unique_ptr<ActivationCache> makeActivationCache(const InterventionContext &context);

} // namespace shiftscope
