#include "tokenizer/bpemodel.h"

#include "tokenizer/bytelevel.h"
#include "tokenizer/utf8codec.h"
#include "tokenizer/wordcache.h"

#include <algorithm>
#include <climits>
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>
#include <queue>
#include <utility>

namespace shiftscope {

namespace {
const std::string kMetaspace = "\xE2\x96\x81"; // ▁, SentencePiece's space
const char *kRestore = "restore the file from its source";
} // namespace

//! The word cache and who may use it: whoever holds the mutex; a thread that finds it taken encodes without.
struct BpeModel::Cache {
    std::mutex mutex;
    WordCache words;
};

BpeModel::BpeModel() : m_cache(std::make_unique<Cache>()) {}
BpeModel::BpeModel(BpeModel &&) noexcept = default;
BpeModel &BpeModel::operator=(BpeModel &&) noexcept = default;
BpeModel::~BpeModel() = default;

BpeModel BpeModel::fromJson(const nlohmann::json &model, const JsonPlace &place)
{
    // GPT-2's file predates the "type" key; vocab plus merges is a BPE model.
    const std::string type = model.contains("type") ? place.typeOf(model) : "BPE";
    if (type != "BPE")
        place.failUnsupported("model type", type, "BPE");
    BpeModel bpe;
    if (const auto it = model.find("dropout"); it != model.end() && !it->is_null()) {
        if (!it->is_number() || it->get<double>() != 0.0)
            place.member("dropout").failUnsupported("setting", "dropout " + it->dump(), "dropout null or 0");
    }
    bpe.m_continuingPrefix = place.optionalString(model, "continuing_subword_prefix", "");
    bpe.m_endSuffix = place.optionalString(model, "end_of_word_suffix", "");
    bpe.m_fuseUnk = place.optionalBool(model, "fuse_unk", false);
    bpe.m_byteFallback = place.optionalBool(model, "byte_fallback", false);
    bpe.m_ignoreMerges = place.optionalBool(model, "ignore_merges", false);
    bpe.readVocabulary(place.require(model, "vocab"), place.member("vocab"));
    const std::string unk = place.optionalString(model, "unk_token", "");
    if (!unk.empty()) {
        bpe.m_unkId = bpe.tokenId(unk);
        if (!bpe.m_unkId)
            place.member("unk_token").fail("the unknown token '" + unk + "' is not in the vocabulary", kRestore);
    }
    const bool joinsAcrossMetaspace = bpe.readMerges(place.require(model, "merges"), place.member("merges"));
    bpe.m_cutAtMetaspace = !joinsAcrossMetaspace && bpe.m_continuingPrefix.empty() && bpe.m_endSuffix.empty()
                        && !bpe.m_ignoreMerges && bpe.tokenId(kMetaspace).has_value();
    bpe.prepareLookups();
    return bpe;
}

void BpeModel::readVocabulary(const nlohmann::json &vocab, const JsonPlace &place)
{
    if (!vocab.is_object())
        place.fail("expected an object of token: id", kRestore);
    m_vocab.reserve(vocab.size());
    int highest = -1;
    for (const auto &[token, id] : vocab.items()) {
        if (!id.is_number_integer() || id.get<long long>() < 0 || id.get<long long>() > 50'000'000)
            place.member(token).fail("the id " + id.dump() + " is not a whole number from 0 to 50,000,000", kRestore);
        const int value = id.get<int>();
        m_vocab[token] = value;
        highest = std::max(highest, value);
    }
    m_tokens.assign(static_cast<std::size_t>(highest + 1), nullptr);
    for (const auto &[token, id] : m_vocab)
        m_tokens[static_cast<std::size_t>(id)] = &token;
}

bool BpeModel::readMerges(const nlohmann::json &merges, const JsonPlace &place)
{
    bool joinsAcrossMetaspace = false;
    if (!merges.is_array())
        place.fail("expected a list of merges", kRestore);
    m_merges = MergeTable(merges.size());
    for (std::size_t rank = 0; rank < merges.size(); ++rank) {
        const auto &entry = merges[rank];
        std::string left, right;
        if (entry.is_string()) { // "a b", the layout before tokenizers 0.20
            const std::string text = entry.get<std::string>();
            const auto space = text.find(' ');
            if (space == std::string::npos || text.find(' ', space + 1) != std::string::npos)
                place.element(rank).fail("merge '" + text + "' is not two tokens separated by one space", kRestore);
            left = text.substr(0, space);
            right = text.substr(space + 1);
        } else if (entry.is_array() && entry.size() == 2 && entry[0].is_string() && entry[1].is_string()) {
            left = entry[0].get<std::string>();
            right = entry[1].get<std::string>();
        } else {
            place.element(rank).fail("a merge must be \"a b\" or [\"a\", \"b\"], found " + entry.dump(), kRestore);
        }
        // The merged token drops the right part's continuing prefix, as the tokenizers library does.
        const std::string merged = left + right.substr(std::min(m_continuingPrefix.size(), right.size()));
        const auto leftId = tokenId(left), rightId = tokenId(right), mergedId = tokenId(merged);
        if (!leftId || !rightId || !mergedId)
            place.element(rank).fail("merge '" + left + " " + right + "' needs '"
                                         + (!leftId    ? left
                                            : !rightId ? right
                                                       : merged)
                                         + "', which is not in the vocabulary",
                                     kRestore);
        m_merges.set(*leftId, *rightId, {static_cast<std::int32_t>(rank), *mergedId});
        joinsAcrossMetaspace = joinsAcrossMetaspace || (right.starts_with(kMetaspace) && !left.ends_with(kMetaspace));
    }
    return joinsAcrossMetaspace;
}

void BpeModel::prepareLookups()
{
    for (int byte = 0; byte < 256; ++byte) {
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", byte);
        m_byteFallbackIds[byte] = tokenId(name).value_or(-1);
        const auto &character = ByteLevelAlphabet::instance().character(static_cast<unsigned char>(byte));
        m_byteLevelIds[byte] = tokenId(character).value_or(-1);
    }
    m_allByteLevelIds = std::find(m_byteLevelIds.begin(), m_byteLevelIds.end(), -1) == m_byteLevelIds.end();
    m_asciiIds.fill(-1);
    for (const auto &[token, id] : m_vocab) {
        if (token.empty() || utf8Length(token[0]) != token.size())
            continue;
        const char32_t cp = decodeUtf8(token, 0).codePoint;
        if (cp < 128)
            m_asciiIds[cp] = id;
        else
            m_characterIds[cp] = id;
    }
}

void BpeModel::setByteLevelInput(bool byteLevel) { m_byteLevel = byteLevel; }

std::optional<int> BpeModel::tokenId(std::string_view token) const
{
    const auto it = m_vocab.find(token);
    return it == m_vocab.end() ? std::nullopt : std::optional<int>(it->second);
}

const std::string *BpeModel::token(int id) const
{
    return id >= 0 && id < vocabSize() ? m_tokens[static_cast<std::size_t>(id)] : nullptr;
}

void BpeModel::encodeWords(std::string_view buffer, const std::vector<TextSpan> &words, std::vector<int> &ids) const
{
    std::unique_lock lock(m_cache->mutex, std::try_to_lock);
    Cache *cache = lock.owns_lock() ? m_cache.get() : nullptr;
    for (const TextSpan &span : words) {
        const std::string_view word = span.in(buffer);
        if (!m_cutAtMetaspace || m_byteLevel) {
            encodeCached(word, ids, cache);
            continue;
        }
        std::size_t start = 0;
        for (std::size_t at = word.find(kMetaspace, 1); at != std::string_view::npos;
             at = word.find(kMetaspace, at + 3)) {
            if (at >= 3 && word.substr(at - 3, 3) == kMetaspace)
                continue; // "▁▁" stays together
            encodeCached(word.substr(start, at - start), ids, cache);
            start = at;
        }
        encodeCached(word.substr(start), ids, cache);
    }
}

void BpeModel::encodeCached(std::string_view word, std::vector<int> &ids, Cache *cache) const
{
    if (word.empty())
        return;
    if (!cache || word.size() > WordCache::kMaxWordBytes) {
        encodeWord(word, ids);
        return;
    }
    const std::uint64_t hash = WordCache::hashOf(word);
    if (cache->words.find(word, hash, ids))
        return;
    const std::size_t before = ids.size();
    encodeWord(word, ids);
    cache->words.insert(word, hash, ids.data() + before, ids.size() - before);
}

void BpeModel::encodeWord(std::string_view word, std::vector<int> &ids) const
{
    if (m_ignoreMerges) {
        const std::string mapped = m_byteLevel ? ByteLevelAlphabet::instance().encode(word) : std::string(word);
        if (const auto id = tokenId(mapped)) {
            ids.push_back(*id);
            return;
        }
    }
    thread_local std::vector<int> symbols;
    symbols.clear();
    initialSymbols(word, symbols);
    if (symbols.size() > 1) {
        if (symbols.size() <= 48)
            mergeShort(symbols);
        else
            mergeLong(symbols);
    }
    ids.insert(ids.end(), symbols.begin(), symbols.end());
}

std::optional<int> BpeModel::characterId(std::string_view character) const
{
    if (character.size() == 1) {
        const int id = m_asciiIds[static_cast<unsigned char>(character[0])];
        return id < 0 ? std::nullopt : std::optional<int>(id);
    }
    const auto it = m_characterIds.find(decodeUtf8(character, 0).codePoint);
    return it == m_characterIds.end() ? std::nullopt : std::optional<int>(it->second);
}

void BpeModel::initialSymbols(std::string_view word, std::vector<int> &symbols) const
{
    const bool affixes = !m_continuingPrefix.empty() || !m_endSuffix.empty();
    if (m_byteLevel && m_allByteLevelIds && !affixes) {
        for (char c : word)
            symbols.push_back(m_byteLevelIds[static_cast<unsigned char>(c)]);
        return;
    }
    // The tokenizers library's BPE::merge_word, step for step, including where a pending unk lands.
    const auto &alphabet = ByteLevelAlphabet::instance();
    std::optional<int> pendingUnk;
    std::string piece;
    for (std::size_t pos = 0; pos < word.size();) {
        const std::size_t length = m_byteLevel ? 1 : utf8Length(word[pos]);
        const std::string_view character =
            m_byteLevel ? std::string_view(alphabet.character(static_cast<unsigned char>(word[pos])))
                        : word.substr(pos, length);
        const bool first = pos == 0;
        pos += length;
        std::optional<int> id;
        if (affixes) {
            piece.assign(first ? "" : m_continuingPrefix)
                .append(character)
                .append(pos >= word.size() ? m_endSuffix : "");
            id = tokenId(piece);
        } else {
            piece.assign(character);
            id = characterId(character);
        }
        if (id) {
            if (pendingUnk)
                symbols.push_back(*std::exchange(pendingUnk, std::nullopt));
            symbols.push_back(*id);
            continue;
        }
        if (m_byteFallback && std::all_of(piece.begin(), piece.end(), [&](char c) {
                return m_byteFallbackIds[static_cast<unsigned char>(c)] >= 0;
            })) {
            for (char c : piece)
                symbols.push_back(m_byteFallbackIds[static_cast<unsigned char>(c)]);
            continue;
        }
        if (m_unkId) {
            if (pendingUnk && !m_fuseUnk)
                symbols.push_back(*pendingUnk);
            pendingUnk = m_unkId;
        }
        // Without an unk token the library drops the character.
    }
    if (pendingUnk)
        symbols.push_back(*pendingUnk);
}

void BpeModel::mergeShort(std::vector<int> &symbols) const
{
    // Quadratic but cache-friendly: ranks of adjacent pairs in an array, the lowest (leftmost on ties) merged.
    constexpr std::int32_t kNone = INT32_MAX;
    std::int32_t ranks[48];
    std::int32_t merged[48];
    auto pairAt = [&](std::size_t i) {
        const MergeTable::Merge *m = m_merges.find(symbols[i], symbols[i + 1]);
        ranks[i] = m ? m->rank : kNone;
        merged[i] = m ? m->merged : 0;
    };
    std::size_t n = symbols.size();
    for (std::size_t i = 0; i + 1 < n; ++i)
        pairAt(i);
    while (n > 1) {
        std::size_t best = 0;
        for (std::size_t i = 1; i + 1 < n; ++i)
            if (ranks[i] < ranks[best])
                best = i;
        if (ranks[best] == kNone)
            break;
        symbols[best] = merged[best];
        symbols.erase(symbols.begin() + static_cast<std::ptrdiff_t>(best) + 1);
        --n;
        for (std::size_t i = best + 1; i + 1 < n; ++i) {
            ranks[i] = ranks[i + 1];
            merged[i] = merged[i + 1];
        }
        if (best > 0)
            pairAt(best - 1);
        if (best + 1 < n)
            pairAt(best);
    }
}

void BpeModel::mergeLong(std::vector<int> &symbols) const
{
    // The tokenizers library's Word::merge_all: a heap of candidate merges ordered by (rank, position); entries
    // whose symbols have changed since they were pushed are skipped when popped.
    struct Candidate {
        std::int32_t rank;
        std::int32_t pos;
        std::int32_t merged;
        bool operator>(const Candidate &o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
    };
    const auto n = static_cast<std::int32_t>(symbols.size());
    std::vector<std::int32_t> prev(symbols.size()), next(symbols.size());
    std::vector<bool> alive(symbols.size(), true);
    std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> heap;
    auto push = [&](std::int32_t pos) {
        if (const MergeTable::Merge *m = m_merges.find(symbols[pos], symbols[next[pos]]))
            heap.push({m->rank, pos, m->merged});
    };
    for (std::int32_t i = 0; i < n; ++i) {
        prev[i] = i - 1;
        next[i] = i + 1 < n ? i + 1 : -1;
    }
    for (std::int32_t i = 0; i + 1 < n; ++i)
        push(i);
    while (!heap.empty()) {
        const Candidate top = heap.top();
        heap.pop();
        if (!alive[top.pos] || next[top.pos] < 0)
            continue;
        const std::int32_t right = next[top.pos];
        const MergeTable::Merge *m = m_merges.find(symbols[top.pos], symbols[right]);
        if (!m || m->merged != top.merged)
            continue;
        symbols[top.pos] = top.merged;
        alive[right] = false;
        next[top.pos] = next[right];
        if (next[right] >= 0)
            prev[next[right]] = top.pos;
        if (prev[top.pos] >= 0)
            push(prev[top.pos]);
        if (next[top.pos] >= 0)
            push(top.pos);
    }
    std::size_t kept = 0;
    for (std::size_t i = 0; i < symbols.size(); ++i)
        if (alive[i])
            symbols[kept++] = symbols[i];
    symbols.resize(kept);
}

} // namespace shiftscope
