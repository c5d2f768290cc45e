// Response scoring and the model commands: the prefix-shared path equals the naive one, GENIES zero-shot
// semantics worked out from plain forward passes, and `forward`/`score` driven through runCli().
#include "enginetestmodels.h" // first: it includes ATen before Qt

#include "cli/commandtable.h"
#include "engine/cli/enginecommands.h"
#include "engine/model/causallm.h"
#include "engine/scoring/responsescorer.h"
#include "tokenizer/tokenizer.h"
#include "genies/dataimporter.h"
#include "util/errors.h"
#include "workspace/engineschema.h"
#include "workspace/workspace.h"

#include <cmath>

using namespace shiftscope;
using namespace shiftscope::test;
namespace fs = std::filesystem;
using Json = nlohmann::json;

namespace {

TinyModel variant(const QString &name)
{
    TinyModel m;
    if (name.startsWith("llama"))
        m.architecture = "LlamaForCausalLM";
    if (name == "llama gqa")
        m.kvHeads = 2;
    if (name == "gpt2") {
        m.architecture = "GPT2LMHeadModel";
        m.tied = true;
    }
    return m;
}

std::vector<int> tokens(int vocab, int count, int salt)
{
    std::vector<int> ids;
    for (int i = 0; i < count; ++i)
        ids.push_back((13 * i + 7 * salt + 2) % vocab);
    return ids;
}

//! Examples with prompts of different lengths (one empty) and 2 to 4 responses of different lengths, each ending
//! in EOS (id 2), with every pair (response 0 preferred).
std::vector<TokenizedExample> examples(int vocab, std::vector<ResponsePair> &pairs)
{
    const int promptLengths[] = {9, 0, 4, 12, 9, 1};
    std::vector<TokenizedExample> out;
    for (int e = 0; e < 6; ++e) {
        TokenizedExample ex{tokens(vocab, promptLengths[e], e), {}};
        for (int r = 0; r < 2 + e % 3; ++r) {
            ex.responses.push_back(tokens(vocab, 1 + (3 * r + e) % 6, 10 + e * 4 + r));
            ex.responses.back().push_back(2);
        }
        for (int r = 1; r < int(ex.responses.size()); ++r)
            pairs.push_back({std::size_t(e), 0, r});
        out.push_back(std::move(ex));
    }
    return out;
}

//! A tiny model of one variant, loaded, with the examples above.
struct Setup {
    QTemporaryDir dir;
    TinyModel m;
    std::unique_ptr<CausalLM> model;
    std::vector<ResponsePair> pairs;
    std::vector<TokenizedExample> data;

    explicit Setup(const QString &name)
        : m(variant(name)),
          model(loadCausalLM(writeTinyModel(tempPath(dir, "model"), m))),
          data(examples(m.vocab, pairs))
    {
    }
};

//! Summed log-probability of `response` after `prompt`, from one unpadded forward pass, token by token.
double plainLogprob(const CausalLM &model, const std::vector<int> &prompt, const std::vector<int> &response,
                    int &counted)
{
    std::vector<std::int64_t> ids(prompt.begin(), prompt.end());
    ids.insert(ids.end(), response.begin(), response.end());
    ForwardRequest request;
    request.inputIds = at::tensor(ids, at::kLong).unsqueeze(0);
    const at::Tensor logprobs = model.forward(request).logits[0].to(at::kDouble).log_softmax(-1);
    double sum = 0;
    counted = 0;
    for (std::size_t t = std::max<std::size_t>(prompt.size(), 1); t < ids.size(); ++t, ++counted)
        sum += logprobs[std::int64_t(t - 1)][ids[t]].item<double>();
    return sum;
}

} // namespace

class TestEngineScoring : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { registerEngineCommands(); }
    void sharedEqualsNaive_data();
    void sharedEqualsNaive();
    void geniesSemanticsFromPlainPasses();
    void cancelStopsScoring();
    void forwardCommand();
    void forwardCommandRejectsBadCases();
    void scoreCommand();
};

void TestEngineScoring::sharedEqualsNaive_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("mean");
    QTest::addColumn<int>("batchTokens");
    for (const char *name : {"gpt-neox", "llama gqa", "gpt2"})
        for (int batch : {12, 4096}) {
            QTest::addRow("%s genies batch %d", name, batch) << QString(name) << false << batch;
            QTest::addRow("%s mean batch %d", name, batch) << QString(name) << true << batch;
        }
}

void TestEngineScoring::sharedEqualsNaive()
{
    QFETCH(QString, name);
    QFETCH(bool, mean);
    QFETCH(int, batchTokens);
    const Setup s(name);
    const auto &pairs = s.pairs;
    ScorerOptions options;
    options.scoring = mean ? PairScoring::MeanLogprob : PairScoring::GeniesZeroShot;
    options.batchTokens = batchTokens;
    options.padId = 2;
    const ResponseScorer scorer(*s.model, options);
    const auto shared = scorer.scorePairs(s.data, pairs);
    const auto naive = scorer.scorePairsNaive(s.data, pairs);
    QCOMPARE(shared.size(), pairs.size());
    for (std::size_t k = 0; k < pairs.size(); ++k) {
        QVERIFY2(std::fabs(shared[k] - naive[k]) < 1e-5,
                 qPrintable(QString("pair %1: %2 vs %3").arg(k).arg(shared[k]).arg(naive[k])));
        QVERIFY(shared[k] > 0 && shared[k] < 1);
    }
}

void TestEngineScoring::geniesSemanticsFromPlainPasses()
{
    // Reference 4.1: P = softmax(S_pref / (L - 1), S_disp / (L - 1)) with S the summed log-probability of the
    // response and EOS and L = |prompt| + the longer response. With an empty prompt the first token is not scored.
    const Setup s("gpt-neox");
    const CausalLM &model = *s.model;
    const auto &pairs = s.pairs;
    const auto &data = s.data;
    const ResponseScorer genies(model), mean(model, {PairScoring::MeanLogprob, 1024, 0});
    const auto responses = genies.scoreResponses(data);
    const auto geniesP = genies.scorePairs(data, pairs), meanP = mean.scorePairs(data, pairs);
    for (std::size_t k = 0; k < pairs.size(); ++k) {
        const TokenizedExample &ex = data[pairs[k].example];
        const auto &a = ex.responses[std::size_t(pairs[k].preferred)],
                   &b = ex.responses[std::size_t(pairs[k].dispreferred)];
        int na = 0, nb = 0;
        const double sa = plainLogprob(model, ex.prompt, a, na), sb = plainLogprob(model, ex.prompt, b, nb);
        const double L = double(ex.prompt.size() + std::max(a.size(), b.size()));
        QVERIFY(std::fabs(geniesP[k] - std::exp(sa / (L - 1)) / (std::exp(sa / (L - 1)) + std::exp(sb / (L - 1))))
                < 1e-6);
        QVERIFY(std::fabs(meanP[k] - 1.0 / (1.0 + std::exp(sb / nb - sa / na))) < 1e-6);
        const ResponseLogprob &stored = responses[pairs[k].example][std::size_t(pairs[k].preferred)];
        QCOMPARE(stored.tokens, na);
        QVERIFY(std::fabs(stored.sum - sa) < 1e-4);
    }
}

void TestEngineScoring::cancelStopsScoring()
{
    const Setup s("gpt-neox");
    int calls = 0;
    QVERIFY_THROWS_EXCEPTION(Cancelled,
                             ResponseScorer(*s.model, {PairScoring::GeniesZeroShot, 8, 0})
                                 .scorePairs(s.data, s.pairs, [&](auto, auto, auto &) { return ++calls < 2; }));
    QCOMPARE(calls, 2);
}

void TestEngineScoring::forwardCommand()
{
    QTemporaryDir dir;
    const TinyModel m = variant("llama");
    const fs::path model = writeTinyModel(tempPath(dir, "model"), m);
    const Json cases = {
        {"cases",
         {{{"name", "padded"},
           {"input_ids", {{0, 0, 5, 6, 7, 8}, {9, 10, 11, 12, 13, 14}}},
           {"attention_mask", {{0, 0, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1}}},
           {"response_start", 4}},
          {{"name", "alone"}, {"input_ids", {{5, 6, 7, 8}}}, {"attention_mask", {{1, 1, 1, 1}}}, {"response_start", 2}},
          {{"name", "nothing counted"},
           {"input_ids", {{5, 6}}},
           {"attention_mask", {{1, 1}}},
           {"response_start", 5}}}}};
    writeText(tempPath(dir, "cases.json"), cases.dump());
    const auto out = tempPath(dir, "out.json");
    const auto r = runCommand(
        {"forward", "--model", model.string(), "--input", tempPath(dir, "cases.json").string(), "--out", out.string()});
    QVERIFY2(r.code == 0, r.err.c_str());
    const Json result = Json::parse(readText(out));
    const Json &padded = result["cases"][0], &alone = result["cases"][1];
    QCOMPARE(padded["name"], "padded");
    QCOMPARE(padded["logits"].size(), 2u);
    QCOMPARE(padded["logits"][0].size(), 6u);
    QCOMPARE(padded["logits"][0][0].size(), std::size_t(m.vocab));
    QCOMPARE(padded["hidden_last"][1].size(), std::size_t(m.layers + 1));
    QCOMPARE(padded["hidden_last"][1][0].size(), std::size_t(m.hidden));
    // Row 0 is the "alone" case left-padded by two: same logits, hidden states and response score.
    for (int t = 0; t < 4; ++t)
        for (int v = 0; v < m.vocab; ++v)
            QVERIFY(std::fabs(padded["logits"][0][t + 2][v].get<double>() - alone["logits"][0][t][v].get<double>())
                    < 1e-5);
    for (int l = 0; l <= m.layers; ++l)
        QVERIFY(std::fabs(padded["hidden_last"][0][l][3].get<double>() - alone["hidden_last"][0][l][3].get<double>())
                < 1e-5);
    // Mean log-probability of tokens 7 and 8 (positions 2 and 3 of the unpadded row), by hand from its logits.
    double expected = 0;
    for (int t : {2, 3}) {
        const auto &row = alone["logits"][0][t - 1];
        double norm = 0;
        for (const auto &x : row)
            norm += std::exp(x.get<double>());
        expected += row[t + 5].get<double>() - std::log(norm);
    }
    QVERIFY(std::fabs(alone["response_mean_logprob"][0].get<double>() - expected / 2) < 1e-5);
    QVERIFY(std::fabs(padded["response_mean_logprob"][0].get<double>() - expected / 2) < 1e-5);
    QVERIFY(result["cases"][2]["response_mean_logprob"][0].is_null());
}

void TestEngineScoring::forwardCommandRejectsBadCases()
{
    QTemporaryDir dir;
    const fs::path model = writeTinyModel(tempPath(dir, "model"), TinyModel{});
    const Json cases = {{"cases",
                         {{{"name", "ragged"}, {"input_ids", {{1, 2}, {3}}}},
                          {{"name", "vocab"}, {"input_ids", {{1, 999}}}},
                          {{"name", "holes"}, {"input_ids", {{1, 2, 3}}}, {"attention_mask", {{1, 0, 1}}}}}}};
    writeText(tempPath(dir, "cases.json"), cases.dump());
    const auto r = runCommand({"forward", "--model", model.string(), "--input", tempPath(dir, "cases.json").string(),
                               "--out", tempPath(dir, "o.json").string()});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.find("case 0 ('ragged'): input_ids row 1 is not a list as long as row 0") != std::string::npos,
             r.err.c_str());
    QVERIFY(r.err.find("case 1 ('vocab'): input_ids hold 999, outside the model's vocabulary [0, 53)")
            != std::string::npos);
    QVERIFY(r.err.find("case 2 ('holes'): attention_mask row 0 is not one run of 1s") != std::string::npos);
    QVERIFY(!fs::exists(tempPath(dir, "o.json")));
    const auto noModel = runCommand({"forward", "--input", "x", "--out", "y"});
    QCOMPARE(noModel.code, 2);
}

void TestEngineScoring::scoreCommand()
{
    QTemporaryDir dir;
    TinyModel m = variant("gpt-neox");
    m.vocab = 128;
    const fs::path model = writeTinyModel(tempPath(dir, "model"), m);
    writeText(model / "tokenizer.json", charTokenizerJson());
    const fs::path data = tempPath(dir, "distributions");
    writeText(data / "toy" / "train.json", validSplit(2, 3));
    writeText(data / "toy" / "test.json", validSplit(5, 3, "t"));
    const std::string wsPath = tempPath(dir, "ws.sqlite").string();
    {
        Workspace ws = Workspace::openOrCreate(wsPath);
        DataImporter::importData(ws, data);
    }
    const std::vector<std::string> score = {"--workspace",  wsPath,           "score", "--model",
                                            model.string(), "--distribution", "toy"};
    for (int run = 0; run < 2; ++run) { // scoring again replaces the rows
        const auto r = runCommand(score);
        QVERIFY2(r.code == 0, r.err.c_str());
        QVERIFY2(r.out.find("Scored 10 pairs of toy (test)") != std::string::npos, r.out.c_str());
        QVERIFY(r.err.find("pairs/s") != std::string::npos);
    }
    Workspace ws = Workspace::open(wsPath);
    Statement rows(
        ws.db(), "SELECT pair_index, example_position, dispreferred_position, probability, scoring, length(model_hash)"
                 " FROM scores ORDER BY pair_index");
    // The stored probabilities are the scorer's, on GENIES tokenization: no BOS, EOS after each response.
    const Tokenizer tokenizer = Tokenizer::load(model);
    const auto lm = loadCausalLM(model);
    std::vector<TokenizedExample> tokenized;
    std::vector<ResponsePair> pairs;
    for (const Example &e : ws.examples("toy", Split::Test)) {
        TokenizedExample t{tokenizer.encode(e.prompt), {}};
        for (const Response &r : e.responses) {
            t.responses.push_back(tokenizer.encode(r.text));
            t.responses.back().push_back(2);
        }
        pairs.push_back({tokenized.size(), 0, 1});
        pairs.push_back({tokenized.size(), 0, 2});
        tokenized.push_back(t);
    }
    QCOMPARE(tokenized[0].prompt.size(), 4u); // "Qt0\n", one id a character
    const auto expected = ResponseScorer(*lm, {PairScoring::GeniesZeroShot, 1024, 2}).scorePairs(tokenized, pairs);
    int count = 0;
    while (rows.step()) {
        QCOMPARE(rows.integer(0), count);
        QCOMPARE(rows.integer(1), count / 2);
        QCOMPARE(rows.integer(2), 1 + count % 2);
        QVERIFY(std::fabs(rows.real(3) - expected[std::size_t(count)]) < 1e-9);
        QCOMPARE(rows.text(4), std::string("genies"));
        QCOMPARE(rows.integer(5), 64);
        ++count;
    }
    QCOMPARE(count, 10);
}

QTEST_GUILESS_MAIN(TestEngineScoring)
#include "tst_engine_scoring.moc"
