#include "tokenizer/bpetrainer.h"

#include "tokenizer/bytelevel.h"
#include "tokenizer/gpt2pattern.h"

#include <nlohmann/json.hpp>
#include <unordered_map>

namespace shiftscope {

BpeTrainer::BpeTrainer(Options options) : m_options(std::move(options)) {}

void BpeTrainer::add(std::string_view text)
{
    std::vector<TextSpan> words;
    splitGpt2Words(text, 0, words);
    const auto &alphabet = ByteLevelAlphabet::instance();
    for (const TextSpan &w : words)
        ++m_wordCounts[alphabet.encode(w.in(text))];
}

void BpeTrainer::train(const ProgressCallback &progress)
{
    const auto &alphabet = ByteLevelAlphabet::instance();
    m_vocab = m_options.specialTokens;
    std::unordered_map<std::string, int> idOf;
    for (int b = 0; b < 256; ++b) {
        idOf[alphabet.character(static_cast<unsigned char>(b))] = int(m_vocab.size());
        m_vocab.push_back(alphabet.character(static_cast<unsigned char>(b)));
    }
    // Each distinct word as a sequence of symbol ids, with its count.
    struct Word {
        std::vector<int> symbols;
        std::int64_t count;
    };
    std::vector<Word> words;
    for (const auto &[spelled, count] : m_wordCounts) {
        Word w{{}, count};
        std::size_t i = 0;
        while (i < spelled.size()) { // one byte-level character is 1 or 2 UTF-8 bytes
            const std::size_t length = (static_cast<unsigned char>(spelled[i]) & 0xE0) == 0xC0 ? 2 : 1;
            w.symbols.push_back(idOf.at(spelled.substr(i, length)));
            i += length;
        }
        words.push_back(std::move(w));
    }
    m_merges.clear();
    const int target = m_options.vocabSize;
    const int start = int(m_vocab.size());
    while (int(m_vocab.size()) < target) {
        reportProgress(progress, std::int64_t(m_vocab.size()) - start, target - start,
                       "learning the tokenizer's merges");
        std::unordered_map<std::uint64_t, std::int64_t> pairCounts;
        for (const Word &w : words)
            for (std::size_t i = 0; i + 1 < w.symbols.size(); ++i)
                pairCounts[(std::uint64_t(std::uint32_t(w.symbols[i])) << 32) | std::uint32_t(w.symbols[i + 1])] +=
                    w.count;
        std::uint64_t best = 0;
        std::int64_t bestCount = 0;
        for (const auto &[pair, count] : pairCounts) {
            if (count < bestCount || count < m_options.minFrequency)
                continue;
            const auto key = [&](std::uint64_t p) { return m_vocab[p >> 32] + " " + m_vocab[p & 0xffffffffu]; };
            if (count > bestCount || key(pair) < key(best)) {
                best = pair;
                bestCount = count;
            }
        }
        if (bestCount == 0)
            break; // nothing frequent enough is left to merge
        const int left = int(best >> 32), right = int(best & 0xffffffffu);
        const int merged = int(m_vocab.size());
        m_vocab.push_back(m_vocab[std::size_t(left)] + m_vocab[std::size_t(right)]);
        m_merges.emplace_back(m_vocab[std::size_t(left)], m_vocab[std::size_t(right)]);
        for (Word &w : words) {
            std::vector<int> out;
            out.reserve(w.symbols.size());
            for (std::size_t i = 0; i < w.symbols.size(); ++i) {
                if (i + 1 < w.symbols.size() && w.symbols[i] == left && w.symbols[i + 1] == right) {
                    out.push_back(merged);
                    ++i;
                } else {
                    out.push_back(w.symbols[i]);
                }
            }
            w.symbols = std::move(out);
        }
    }
}

std::string BpeTrainer::tokenizerJson() const
{
    using Json = nlohmann::ordered_json;
    Json added = Json::array();
    for (std::size_t i = 0; i < m_options.specialTokens.size(); ++i)
        added.push_back({{"id", i},
                         {"content", m_options.specialTokens[i]},
                         {"single_word", false},
                         {"lstrip", false},
                         {"rstrip", false},
                         {"normalized", false},
                         {"special", true}});
    Json vocab = Json::object();
    for (std::size_t i = 0; i < m_vocab.size(); ++i)
        vocab[m_vocab[i]] = i;
    Json merges = Json::array();
    for (const auto &[a, b] : m_merges)
        merges.push_back(a + " " + b);
    const Json byteLevel = {
        {"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", true}};
    const Json tokenizer = {{"version", "1.0"},
                            {"truncation", nullptr},
                            {"padding", nullptr},
                            {"added_tokens", added},
                            {"normalizer", nullptr},
                            {"pre_tokenizer", byteLevel},
                            {"post_processor", byteLevel},
                            {"decoder", byteLevel},
                            {"model",
                             {{"type", "BPE"},
                              {"dropout", nullptr},
                              {"unk_token", nullptr},
                              {"continuing_subword_prefix", nullptr},
                              {"end_of_word_suffix", nullptr},
                              {"fuse_unk", false},
                              {"vocab", vocab},
                              {"merges", merges}}}};
    return tokenizer.dump();
}

} // namespace shiftscope
