#include "tokenizer/tokenizer.h"

#include "tokenizer/addedvocabulary.h"
#include "tokenizer/bpemodel.h"
#include "tokenizer/decoder.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/postprocessor.h"
#include "tokenizer/pretokenizer.h"
#include "tokenizer/specialtokens.h"
#include "tokenizer/utf8codec.h"
#include "util/errors.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace shiftscope {

struct Tokenizer::Impl {
    std::filesystem::path file;
    AddedVocabulary added;
    Normalizer normalizer;
    PreTokenizer preTokenizer;
    BpeModel model;
    PostProcessor postProcessor;
    Decoder decoder;
    SpecialTokenIds specialIds;
    int vocabSize = 0;
};

namespace {

std::filesystem::path tokenizerFile(const std::filesystem::path &fileOrFolder)
{
    if (!std::filesystem::is_directory(fileOrFolder))
        return fileOrFolder;
    const auto file = fileOrFolder / "tokenizer.json";
    if (!std::filesystem::exists(file))
        throw InputError(InputProblem{fileOrFolder.string(),
                                      {},
                                      "the folder has no tokenizer.json",
                                      "give a tokenizer.json, or a model folder saved by Hugging Face that holds one"});
    return file;
}

} // namespace

Tokenizer Tokenizer::load(const std::filesystem::path &fileOrFolder)
{
    const std::filesystem::path file = tokenizerFile(fileOrFolder);
    const nlohmann::json json = readJsonFile(file);
    const JsonPlace top(file.string(), "");
    if (!json.is_object())
        top.fail("expected a JSON object with \"model\"", "give the tokenizer.json of a Hugging Face model");
    auto part = [&](const char *key) { return json.value(key, nlohmann::json()); };
    try {
        // Read in file order, so the first complaint is about the first bad entry.
        auto impl =
            std::make_shared<Impl>(Impl{file,
                                        AddedVocabulary::fromJson(part("added_tokens"), top.member("added_tokens")),
                                        Normalizer::fromJson(part("normalizer"), top.member("normalizer")),
                                        PreTokenizer::fromJson(part("pre_tokenizer"), top.member("pre_tokenizer")),
                                        BpeModel::fromJson(top.require(json, "model"), top.member("model")),
                                        PostProcessor::fromJson(part("post_processor"), top.member("post_processor")),
                                        Decoder::fromJson(part("decoder"), top.member("decoder")),
                                        {},
                                        0});
        // Truncation and padding are left to callers: scoring decides lengths itself.
        impl->added.prepare(impl->normalizer);
        impl->model.setByteLevelInput(impl->preTokenizer.byteLevel());
        impl->vocabSize = impl->model.vocabSize();
        for (const auto &token : impl->added.tokens())
            impl->vocabSize = std::max(impl->vocabSize, token.id + 1);
        const Tokenizer tokenizer(impl);
        impl->specialIds = findSpecialTokenIds(
            file.parent_path(), [&](std::string_view name) { return tokenizer.tokenId(name); },
            impl->postProcessor.leadingSpecialId());
        return tokenizer;
    } catch (const nlohmann::json::exception &e) { // a value of a type the readers did not check
        top.fail(std::string("unexpected content: ") + e.what(), "restore the file from its source");
    }
}

std::vector<int> Tokenizer::encode(std::string_view text, bool addSpecialTokens) const
{
    const Impl &t = *m_impl;
    std::string repaired;
    if (!isValidUtf8(text)) {
        repaired = toValidUtf8(text);
        text = repaired;
    }
    std::vector<int> ids;
    ids.reserve(text.size() / 3 + 4);
    std::vector<TextPiece> rawPieces, pieces;
    std::vector<TextSpan> words;
    std::string normalizedBuffer, wordBuffer;
    t.added.split(text, false, rawPieces);
    for (const TextPiece &raw : rawPieces) {
        if (raw.id >= 0) {
            ids.push_back(raw.id);
            continue;
        }
        // Each stretch between raw-matched tokens is normalized on its own, as the library does.
        const std::string_view normalized = t.normalizer.apply(text.substr(raw.offset, raw.length), normalizedBuffer);
        pieces.clear();
        t.added.split(normalized, true, pieces);
        for (const TextPiece &piece : pieces) {
            if (piece.id >= 0) {
                ids.push_back(piece.id);
                continue;
            }
            wordBuffer.clear();
            words.clear();
            t.preTokenizer.split(normalized.substr(piece.offset, piece.length), raw.offset == 0 && piece.offset == 0,
                                 wordBuffer, words);
            t.model.encodeWords(wordBuffer, words, ids);
        }
    }
    if (addSpecialTokens)
        t.postProcessor.apply(ids);
    return ids;
}

std::string Tokenizer::decode(const std::vector<int> &ids, bool skipSpecialTokens) const
{
    const Impl &t = *m_impl;
    std::vector<std::string> pieces;
    pieces.reserve(ids.size());
    for (int id : ids) {
        std::optional<std::string> piece = tokenPiece(id);
        if (!piece)
            continue;
        if (skipSpecialTokens) {
            // The library skips by content, so a vocabulary entry spelled like a special token goes too.
            const auto added = t.added.idOf(*piece);
            if (added && isSpecial(*added))
                continue;
        }
        pieces.push_back(std::move(*piece));
    }
    return t.decoder.decode(std::move(pieces));
}

int Tokenizer::vocabSize() const { return m_impl->vocabSize; }

std::optional<int> Tokenizer::tokenId(std::string_view token) const
{
    if (auto id = m_impl->added.idOf(token))
        return id;
    return m_impl->model.tokenId(token);
}

std::optional<std::string> Tokenizer::tokenPiece(int id) const
{
    if (const AddedToken *token = m_impl->added.byId(id))
        return token->content;
    if (const std::string *piece = m_impl->model.token(id))
        return *piece;
    return std::nullopt;
}

bool Tokenizer::isSpecial(int id) const
{
    const AddedToken *token = m_impl->added.byId(id);
    return token && token->special;
}

std::optional<int> Tokenizer::bosId() const { return m_impl->specialIds.bos; }

std::optional<int> Tokenizer::eosId() const { return m_impl->specialIds.eos; }

const std::filesystem::path &Tokenizer::file() const { return m_impl->file; }

} // namespace shiftscope
