// Tokenizer tests: the golden ids made by the Hugging Face tokenizers library for three real tokenizer.json files
// (../shared/tokenizers), round trips, special tokens, loader errors and the tokenize command.
#include "cli/commandtable.h"
#include "tokenizer/nfc.h"
#include "tokenizer/tokenizer.h"
#include "testsupport.h"
#include "util/errors.h"

#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

using namespace shiftscope;
using namespace shiftscope::test;
using Json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

const char *kNames[] = {"gpt2", "gpt-neox-20b", "llama"};

fs::path tokenizersDir() { return sharedDir() / "tokenizers"; }
bool haveTokenizers() { return fs::exists(tokenizersDir() / "llama" / "tokenizer.json"); }

//! One line of edge-cases.golden.jsonl.
struct GoldenLine {
    std::string text;
    std::vector<int> ids;
    std::optional<std::vector<int>> idsWithSpecial; //!< present where the post-processor adds tokens
    std::optional<std::string> decoded;             //!< present where decode(ids) != text
};

const std::vector<GoldenLine> &golden(const std::string &name)
{
    static std::map<std::string, std::vector<GoldenLine>> cache;
    auto &lines = cache[name];
    if (lines.empty()) {
        std::istringstream in(readText(tokenizersDir() / name / "edge-cases.golden.jsonl"));
        for (std::string line; std::getline(in, line);) {
            const Json j = Json::parse(line);
            GoldenLine g{j.at("text").get<std::string>(), j.at("ids").get<std::vector<int>>(), {}, {}};
            if (j.contains("ids_with_special"))
                g.idsWithSpecial = j["ids_with_special"].get<std::vector<int>>();
            if (j.contains("decoded"))
                g.decoded = j["decoded"].get<std::string>();
            lines.push_back(std::move(g));
        }
    }
    return lines;
}

const Tokenizer &tokenizer(const std::string &name)
{
    static std::map<std::string, Tokenizer> cache;
    auto it = cache.find(name);
    if (it == cache.end())
        it = cache.emplace(name, Tokenizer::load(tokenizersDir() / name / "tokenizer.json")).first;
    return it->second;
}

//! Text with control characters spelled out, for messages.
std::string printable(std::string_view text)
{
    std::string out;
    for (char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '\n')
            out += "\\n";
        else if (byte < 0x20 || byte == 0x7F) {
            char hex[8];
            std::snprintf(hex, sizeof hex, "\\x%02X", byte);
            out += hex;
        } else
            out += c;
    }
    return out;
}

//! Ids with their vocabulary pieces, as llama.cpp's test-tokenizer-0 prints them.
std::string describe(const Tokenizer &t, const std::vector<int> &ids)
{
    std::string out = "[";
    for (std::size_t i = 0; i < ids.size(); ++i)
        out += (i ? ", " : "") + std::to_string(ids[i]) + " '" + printable(t.tokenPiece(ids[i]).value_or("?")) + "'";
    return out + "]";
}

void compareIds(const Tokenizer &t, const std::string &text, const std::vector<int> &expected,
                const std::vector<int> &got, const char *what)
{
    if (expected == got)
        return;
    const std::string message = std::string(what) + " differ for '" + printable(text)
                              + "'\n    expected: " + describe(t, expected) + "\n    got:      " + describe(t, got);
    QFAIL(message.c_str());
}

//! The tokenizer and golden line of the current data row (columns name and index).
std::pair<const Tokenizer &, const GoldenLine &> currentRow()
{
    QFETCH(QString, name);
    QFETCH(int, index);
    return {tokenizer(name.toStdString()), golden(name.toStdString())[static_cast<std::size_t>(index)]};
}

InputError loadError(const fs::path &path)
{
    try {
        Tokenizer::load(path);
    } catch (const InputError &e) {
        return e;
    }
    return InputError(InputProblem{"", "", "no error", ""});
}

struct CliResult {
    int code;
    std::string out;
    std::string err;
};

CliResult cli(const std::vector<std::string> &args)
{
    std::ostringstream out, err;
    const int code = runCli(args, out, err);
    return {code, out.str(), err.str()};
}

//! A tiny BPE tokenizer written by hand: works without ../shared.
std::string tinyTokenizerJson(const std::string &modelExtras = "")
{
    return R"({"version": "1.0", "added_tokens": [{"id": 0, "content": "<unk>", "special": true}],
  "normalizer": null, "pre_tokenizer": null, "post_processor": null, "decoder": {"type": "Fuse"},
  "model": {"type": "BPE", "unk_token": "<unk>", )"
         + modelExtras + R"(
    "vocab": {"<unk>": 0, "a": 1, "b": 2, "c": 3, "ab": 4, "abc": 5, "<0x7A>": 6},
    "merges": ["a b", ["ab", "c"]]}})";
}

} // namespace

#define SKIP_WITHOUT_TOKENIZERS()                                                                                      \
    do {                                                                                                               \
        if (!haveTokenizers())                                                                                         \
            QSKIP("../shared/tokenizers is absent (it exists for developers and CI, not on users' machines)");         \
    } while (false)

class TestTokenizer : public QObject {
    Q_OBJECT
private slots:
    void goldenIds_data();
    void goldenIds();
    void roundTrip_data();
    void roundTrip();
    void roundTripExceptionsAreExplained();
    void specialTokens();
    void loadsModelFolder();
    void invalidUtf8DoesNotCrash();
    void concurrentEncoding();
    void metaspaceMatchesLegacyLayout();
    void handMadeBpe();
    void loadErrors_data();
    void loadErrors();
    void cliTokenize();
    void cliErrors();
};

void TestTokenizer::goldenIds_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("index");
    if (!haveTokenizers())
        return;
    for (const char *name : kNames)
        for (std::size_t i = 0; i < golden(name).size(); ++i)
            QTest::addRow("%s:%zu", name, i + 1) << QString(name) << static_cast<int>(i);
}

void TestTokenizer::goldenIds()
{
    SKIP_WITHOUT_TOKENIZERS();
    const auto [t, g] = currentRow();
    compareIds(t, g.text, g.ids, t.encode(g.text), "ids");
    if (g.idsWithSpecial)
        compareIds(t, g.text, *g.idsWithSpecial, t.encode(g.text, true), "ids with special tokens");
    else
        compareIds(t, g.text, g.ids, t.encode(g.text, true), "ids with special tokens (none added)");
}

void TestTokenizer::roundTrip_data() { goldenIds_data(); }

void TestTokenizer::roundTrip()
{
    SKIP_WITHOUT_TOKENIZERS();
    const auto [t, g] = currentRow();
    // The library's own decode of its ids, where it differs from the text (see roundTripExceptionsAreExplained).
    const std::string expected = g.decoded.value_or(g.text);
    QCOMPARE(printable(t.decode(g.ids)), printable(expected));
    QCOMPARE(printable(t.decode(t.encode(g.text))), printable(expected));
}

void TestTokenizer::roundTripExceptionsAreExplained()
{
    SKIP_WITHOUT_TOKENIZERS();
    // GPT-2 keeps every byte: all texts come back.
    for (const auto &g : golden("gpt2"))
        QVERIFY2(!g.decoded, g.text.c_str());
    // GPT-NeoX normalizes to NFC first, so decomposed accents, the Angstrom and Ohm signs and CJK compatibility
    // ideographs come back composed.
    int neox = 0;
    for (const auto &g : golden("gpt-neox-20b")) {
        if (!g.decoded)
            continue;
        ++neox;
        QCOMPARE(*g.decoded, toNfc(g.text));
        QVERIFY(*g.decoded != g.text);
    }
    QCOMPARE(neox, 5);
    // LLaMA decodes "▁" as a space, and its legacy normalizer puts a "▁" after every special token in the text
    // ("<s>Hello" comes back as "<s> Hello").
    int llama = 0;
    for (const auto &g : golden("llama")) {
        if (!g.decoded)
            continue;
        ++llama;
        const bool hasSpecial = g.text.find("<s>") != std::string::npos || g.text.find("</s>") != std::string::npos;
        QVERIFY2(hasSpecial || g.text.find("\xE2\x96\x81") != std::string::npos, g.text.c_str());
    }
    QCOMPARE(llama, 5);
}

void TestTokenizer::specialTokens()
{
    SKIP_WITHOUT_TOKENIZERS();
    const Tokenizer &llama = tokenizer("llama");
    QCOMPARE(llama.vocabSize(), 32000);
    QCOMPARE(llama.bosId(), std::optional<int>(1));
    QCOMPARE(llama.eosId(), std::optional<int>(2));
    QCOMPARE(llama.tokenId("<unk>"), std::optional<int>(0));
    QCOMPARE(llama.tokenId("<0x0A>"), std::optional<int>(13));
    QVERIFY(llama.isSpecial(1) && !llama.isSpecial(13));
    QCOMPARE(llama.encode("Hello", true), (std::vector<int>{1, 15043}));
    QCOMPARE(llama.decode({1, 15043, 2}), std::string("<s> Hello</s>"));
    QCOMPARE(llama.decode({1, 15043, 2}, true), std::string("Hello"));
    QCOMPARE(llama.decode({1, 15043, 999999}), std::string("<s> Hello")); // unknown ids are skipped

    const Tokenizer &gpt2 = tokenizer("gpt2");
    QCOMPARE(gpt2.vocabSize(), 50257);
    QCOMPARE(gpt2.bosId(), std::optional<int>(50256));
    QCOMPARE(gpt2.eosId(), std::optional<int>(50256));
    QCOMPARE(gpt2.decode({15496, 50256, 995}, true), std::string("Hello world"));
    QCOMPARE(gpt2.tokenPiece(995), std::optional<std::string>("\xC4\xA0world")); // "Ġworld"

    const Tokenizer &neox = tokenizer("gpt-neox-20b");
    QCOMPARE(neox.vocabSize(), 50277);
    QCOMPARE(neox.bosId(), std::optional<int>(0));
    QCOMPARE(neox.eosId(), std::optional<int>(0));
    QCOMPARE(neox.tokenId("  "), std::optional<int>(50276));
    QVERIFY(!neox.isSpecial(50276));
    QCOMPARE(neox.encode("a", true), neox.encode("a")); // the ByteLevel post-processor adds nothing
}

void TestTokenizer::loadsModelFolder()
{
    SKIP_WITHOUT_TOKENIZERS();
    const Tokenizer folder = Tokenizer::load(tokenizersDir() / "llama");
    QCOMPARE(folder.file(), tokenizersDir() / "llama" / "tokenizer.json");
    QCOMPARE(folder.encode("Hello world", true), tokenizer("llama").encode("Hello world", true));
    QCOMPARE(folder.eosId(), std::optional<int>(2));
}

void TestTokenizer::invalidUtf8DoesNotCrash()
{
    SKIP_WITHOUT_TOKENIZERS();
    // Each maximal invalid subsequence reads as one U+FFFD, as Python's errors="replace" decoding gives.
    const std::string bad =
        std::string("a\xFF") + "b \xE2\x82" + "c\xC3" + " \xF0\x9F\x98" + " \x80\x80" + " \xED\xA0\x80";
    const std::string replaced = "a\uFFFDb \uFFFDc\uFFFD \uFFFD \uFFFD\uFFFD \uFFFD\uFFFD\uFFFD";
    for (const char *name : kNames) {
        const Tokenizer &t = tokenizer(name);
        QCOMPARE(t.encode(bad), t.encode(replaced));
        QVERIFY(!t.encode(std::string("\xC0\xAF\xFE", 3)).empty());
    }
}

void TestTokenizer::concurrentEncoding()
{
    SKIP_WITHOUT_TOKENIZERS();
    const Tokenizer &t = tokenizer("gpt-neox-20b");
    std::vector<std::string> texts;
    for (const auto &g : golden("gpt-neox-20b"))
        texts.push_back(g.text);
    std::vector<std::vector<int>> expected;
    for (const auto &text : texts)
        expected.push_back(t.encode(text));
    std::atomic<int> mismatches = 0;
    auto work = [&] {
        for (int round = 0; round < 20; ++round)
            for (std::size_t i = 0; i < texts.size(); ++i)
                if (t.encode(texts[i]) != expected[i])
                    ++mismatches;
    };
    std::thread a(work), b(work);
    a.join();
    b.join();
    QCOMPARE(mismatches.load(), 0);
}

void TestTokenizer::metaspaceMatchesLegacyLayout()
{
    SKIP_WITHOUT_TOKENIZERS();
    // Newer LLaMA files spell the same pipeline as a Metaspace pre-tokenizer and decoder instead of the Prepend and
    // Replace normalizer. Both prepend "▁" to texts that start with neither a space nor a "▁", so their ids agree there.
    Json j = Json::parse(readText(tokenizersDir() / "llama" / "tokenizer.json"));
    j["normalizer"] = nullptr;
    j["pre_tokenizer"] = {
        {"type", "Metaspace"}, {"replacement", "\xE2\x96\x81"}, {"prepend_scheme", "first"}, {"split", false}};
    j["decoder"] = {{"type", "Sequence"},
                    {"decoders",
                     {{{"type", "Metaspace"}, {"replacement", "\xE2\x96\x81"}, {"prepend_scheme", "first"}},
                      {{"type", "ByteFallback"}},
                      {{"type", "Fuse"}}}}};
    QTemporaryDir dir;
    writeText(tempPath(dir, "tokenizer.json"), j.dump());
    const Tokenizer metaspace = Tokenizer::load(tempPath(dir, "tokenizer.json"));
    int compared = 0;
    for (const auto &g : golden("llama")) {
        const bool special = g.text.find("<s>") != std::string::npos || g.text.find("</s>") != std::string::npos
                          || g.text.find("<unk>") != std::string::npos;
        if (special || g.text.starts_with(" ") || g.text.starts_with("\xE2\x96\x81"))
            continue;
        ++compared;
        compareIds(metaspace, g.text, g.ids, metaspace.encode(g.text), "Metaspace ids");
        if (g.text.find("\xE2\x96\x81") == std::string::npos && !g.text.empty())
            QCOMPARE(QString::fromStdString(metaspace.decode(g.ids)), QString::fromStdString(g.text));
    }
    QVERIFY(compared > 150);
}

void TestTokenizer::handMadeBpe()
{
    QTemporaryDir dir;
    const auto path = tempPath(dir, "tokenizer.json");
    writeText(path, tinyTokenizerJson("\"fuse_unk\": true,"));
    const Tokenizer fused = Tokenizer::load(path);
    QCOMPARE(fused.encode("abcab"), (std::vector<int>{5, 4}));
    QCOMPARE(fused.encode("xxabyy"), (std::vector<int>{0, 4, 0})); // runs of unknown characters fuse
    QCOMPARE(fused.decode({5, 4}), std::string("abcab"));
    QCOMPARE(fused.vocabSize(), 7);

    writeText(path, tinyTokenizerJson("\"byte_fallback\": true,"));
    const Tokenizer bytes = Tokenizer::load(path);
    QCOMPARE(bytes.encode("zxa"), (std::vector<int>{6, 0, 1})); // "z" has a byte token, "x" does not

    // A long word takes the heap-based merge; it must agree with the short-word path piece by piece.
    std::string longWord;
    std::vector<int> expected;
    for (int i = 0; i < 40; ++i) {
        longWord += "abcab";
        expected.insert(expected.end(), {5, 4});
    }
    QCOMPARE(fused.encode(longWord), expected);
}

void TestTokenizer::loadErrors_data()
{
    QTest::addColumn<QString>("json");
    QTest::addColumn<QString>("place");
    QTest::addColumn<QString>("message");
    const std::string tiny = tinyTokenizerJson();
    auto replaced = [&](const std::string &from, const std::string &to) {
        std::string text = tiny;
        text.replace(text.find(from), from.size(), to);
        return QString::fromStdString(text);
    };
    QTest::newRow("bad json") << QString("{\"model\": {\"vocab\": [1, 2,}}") << "line 1, column 27"
                              << "not valid JSON";
    QTest::newRow("not an object") << QString("[1, 2]") << ""
                                   << "expected a JSON object";
    QTest::newRow("no model") << QString("{\"normalizer\": null}") << ""
                              << "missing \"model\"";
    QTest::newRow("wordpiece") << replaced("\"type\": \"BPE\"", "\"type\": \"WordPiece\"") << "model"
                               << "unsupported model type 'WordPiece'";
    QTest::newRow("nfkc") << replaced("\"normalizer\": null", "\"normalizer\": {\"type\": \"NFKC\"}") << "normalizer"
                          << "unsupported normalizer 'NFKC'";
    QTest::newRow("nested") << replaced("\"normalizer\": null",
                                        "\"normalizer\": {\"type\": \"Sequence\", \"normalizers\": "
                                        "[{\"type\": \"NFC\"}, {\"type\": \"Lowercase\"}]}")
                            << "normalizer.normalizers[1]"
                            << "unsupported normalizer 'Lowercase'";
    QTest::newRow("whitespace") << replaced("\"pre_tokenizer\": null", "\"pre_tokenizer\": {\"type\": \"Whitespace\"}")
                                << "pre_tokenizer"
                                << "unsupported pre-tokenizer 'Whitespace'";
    QTest::newRow("wordpiece decoder") << replaced("{\"type\": \"Fuse\"}", "{\"type\": \"WordPiece\"}") << "decoder"
                                       << "unsupported decoder 'WordPiece'";
    QTest::newRow("bert") << replaced("\"post_processor\": null", "\"post_processor\": {\"type\": \"BertProcessing\"}")
                          << "post_processor"
                          << "unsupported post-processor 'BertProcessing'";
    QTest::newRow("unknown merge") << replaced("\"a b\"", "\"a q\"") << "model.merges[0]"
                                   << "needs 'q', which is not in the vocabulary";
    QTest::newRow("bad merge") << replaced("\"a b\"", "\"a b c\"") << "model.merges[0]"
                               << "not two tokens";
    QTest::newRow("unk missing") << replaced("\"unk_token\": \"<unk>\"", "\"unk_token\": \"[UNK]\"")
                                 << "model.unk_token"
                                 << "'[UNK]' is not in the vocabulary";
    QTest::newRow("bad id") << replaced("\"a\": 1", "\"a\": -1") << "model.vocab.a"
                            << "not a whole number";
    QTest::newRow("dropout") << replaced("\"type\": \"BPE\"", "\"type\": \"BPE\", \"dropout\": 0.1") << "model.dropout"
                             << "unsupported setting 'dropout 0.1'";
}

void TestTokenizer::loadErrors()
{
    QFETCH(QString, json);
    QFETCH(QString, place);
    QFETCH(QString, message);
    QTemporaryDir dir;
    const auto path = tempPath(dir, "tokenizer.json");
    writeText(path, json.toStdString());
    const InputError e = loadError(path);
    QCOMPARE(e.problems().size(), std::size_t(1));
    const InputProblem &p = e.problems().front();
    QCOMPARE(p.file, path.string());
    QCOMPARE(QString::fromStdString(p.place), place);
    QVERIFY2(p.message.find(message.toStdString()) != std::string::npos, p.message.c_str());
    QVERIFY(!p.fix.empty());
}

void TestTokenizer::cliTokenize()
{
    SKIP_WITHOUT_TOKENIZERS();
    QTemporaryDir dir;
    const auto input = tempPath(dir, "in.jsonl");
    std::string lines;
    const auto &g = golden("llama");
    for (std::size_t i = 0; i < 12; ++i)
        lines += Json{{"text", g[i * 15].text}, {"id", i}}.dump() + "\n";
    writeText(input, lines);
    for (bool special : {false, true}) {
        std::vector<std::string> args{"tokenize", "--tokenizer", (tokenizersDir() / "llama").string(), "--jsonl",
                                      input.string()};
        if (special)
            args.push_back("--special");
        const auto r = cli(args);
        QCOMPARE(r.code, 0);
        QVERIFY(r.err.empty());
        std::istringstream out(r.out);
        std::size_t i = 0;
        for (std::string line; std::getline(out, line); ++i)
            QCOMPARE(Json::parse(line).at("ids").get<std::vector<int>>(),
                     special ? *g[i * 15].idsWithSpecial : g[i * 15].ids);
        QCOMPARE(i, std::size_t(12));
    }
}

void TestTokenizer::cliErrors()
{
    QTemporaryDir dir;
    const auto tok = tempPath(dir, "tokenizer.json");
    writeText(tok, tinyTokenizerJson());
    const auto input = tempPath(dir, "in.jsonl");
    writeText(input, "{\"text\": \"ab\"}\n{\"text\": \"ab\"\n{\"txt\": \"x\"}\n{\"text\": 3}\n");
    auto r = cli({"tokenize", "--tokenizer", tok.string(), "--jsonl", input.string()});
    QCOMPARE(r.code, 2);
    QVERIFY(r.out.empty()); // nothing is written when a line is bad
    QVERIFY2(r.err.find(input.string() + ": line 2, column") != std::string::npos, r.err.c_str());
    QVERIFY2(r.err.find("line 3: no \"text\" key") != std::string::npos, r.err.c_str());
    QVERIFY2(r.err.find("line 4: \"text\" is a number") != std::string::npos, r.err.c_str());

    writeText(input, "{\"text\": \"abc\"}\n{\"text\": \"\"}\n");
    r = cli({"tokenize", "--tokenizer", tok.string(), "--jsonl", input.string()});
    QCOMPARE(r.code, 0);
    QCOMPARE(r.out, std::string("{\"ids\": [5]}\n{\"ids\": []}\n"));

    r = cli({"tokenize", "--jsonl", input.string()});
    QCOMPARE(r.code, 2);
    QVERIFY(r.err.find("--tokenizer") != std::string::npos);
    r = cli({"tokenize", "--tokenizer", tempPath(dir, "missing").string(), "--jsonl", input.string()});
    QCOMPARE(r.code, 2);
    QVERIFY(r.err.find("missing") != std::string::npos);
    r = cli({"tokenize", "--tokenizer", dir.path().toStdString(), "--jsonl", tempPath(dir, "none.jsonl").string()});
    QCOMPARE(r.code, 2);
}

QTEST_GUILESS_MAIN(TestTokenizer)
#include "tst_tokenizer.moc"
