// The cue test: a cue's strength and removal, its figures on known pairs, and the cue command on a planted marker
// cue, where a probe trained with the marker follows it and the counterfactual target moves it to chance.
#include "enginetestmodels.h" // first: it includes ATen before Qt

#include "analysis/cue.h"
#include "engine/analysis/concepterasure.h"
#include "analysis/trust.h"
#include "cli/commandtable.h"
#include "engine/cli/enginecommands.h"
#include "engine/interventions/modelsession.h"
#include "craftedexamples.h"
#include "runs/runstore.h"
#include "util/errors.h"
#include "workspace/auditstore.h"
#include "workspace/workspace.h"

#include <QTemporaryDir>
#include <map>
#include <QTest>
#include <nlohmann/json.hpp>
#include <sstream>

using namespace shiftscope;
using namespace shiftscope::test;
namespace fs = std::filesystem;

namespace {

//! Examples whose two responses are unrelated words; the marker "Sure! " opens the preferred response (or the
//! dispreferred one), which stands first or second at random.
struct Result {
    int code = 0;
    std::string out, err;
};

} // namespace

class TestCue : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void strengthAndRemoval();
    void swapMovesTheCue();
    void figuresOfKnownPairs();
    void badCuesAreRefusedByName();
    void aurocOfKnownScores();
    void plantedMarkerIsFoundAndItsCounterfactualMovesTheProbeToChance();
    void trustPredictsTheErrorsOfALoraOnASpuriousCue();
    void aPlantedSourcePairRanksFirstInTheAttribution();
    void conceptErasureLeavesNoLinearTraceOfTheConcept();
    void blindRelabelsAreTheLabelsOfTheBudget();

private:
    Result cli(std::vector<std::string> args, const fs::path &workspace = {})
    {
        args.insert(args.begin(), {"--workspace", (workspace.empty() ? m_root / "w.sqlite" : workspace).string()});
        std::ostringstream out, err;
        Result r;
        r.code = runCli(args, out, err);
        r.out = out.str();
        r.err = err.str();
        return r;
    }

    QTemporaryDir m_dir;
    fs::path m_root;
};

void TestCue::initTestCase()
{
    registerEngineCommands();
    m_root = m_dir.path().toStdString();
}

void TestCue::strengthAndRemoval()
{
    const Cue length = Cue::length();
    QCOMPARE(length.strength("héllo"), 5.0); // code points, not bytes
    QVERIFY(!length.movable());

    const Cue marker = Cue::regex("Sure!", "--regex");
    QCOMPARE(marker.strength("Sure! yes. Sure!"), 2.0);
    QCOMPARE(marker.removed("Sure! the answer"), std::string("the answer"));
    QCOMPARE(marker.removed("the answer, Sure!"), std::string("the answer,"));
    QCOMPARE(marker.removed("a Sure! b"), std::string("a b"));
    QCOMPARE(marker.removed("no marker"), std::string("no marker"));

    const Cue words = Cue::words({"as an AI", "sorry"}, "cue.txt");
    QCOMPARE(words.strength("Sorry, as an ai I cannot. SORRY."), 3.0);
    QCOMPARE(words.strength("sorrowful"), 0.0); // whole words only
    QCOMPARE(words.removed("Sorry, I cannot"), std::string(", I cannot"));

    // A pattern that backtracks exponentially, and a response long enough to exhaust a recursive matcher's stack,
    // are matched in linear time; a back-reference, which cannot be, is refused with the reason.
    const Cue nested = Cue::regex("((.|\n)*)*x", "--regex");
    QCOMPARE(nested.strength(std::string(5000, 'a')), 0.0);
    QCOMPARE(Cue::regex("a(.|\n)*x", "--regex").strength(std::string(300000, 'a') + "x"), 1.0);
    try {
        Cue::regex("(a)\\1", "--regex");
        QFAIL("a back-reference was accepted");
    } catch (const InputError &e) {
        QVERIFY2(std::string(e.what()).find("back-reference") != std::string::npos, e.what());
    }
}

void TestCue::swapMovesTheCue()
{
    const Cue marker = Cue::regex("Sure! ", "--regex");
    const std::vector<Example> examples = {
        makeExample(0, "p", {"Sure! good", "bad"}, 0), makeExample(1, "p", {"good", "bad, Sure! "}, 0),
        makeExample(2, "p", {"Sure! a", "Sure! b"}, 1), makeExample(3, "p", {"a", "b"}, 1)};
    const Counterfactual swapped = buildCounterfactual(examples, marker, CounterfactualKind::Swap);
    QCOMPARE(swapped.changedPairs, 2); // both having it or neither: nothing to move
    QCOMPARE(swapped.examples[0].responses[0].text, std::string("good"));
    QCOMPARE(swapped.examples[0].responses[1].text, std::string("Sure! bad"));
    QCOMPARE(swapped.examples[1].responses[0].text, std::string("good Sure! "));
    QCOMPARE(swapped.examples[2].responses[1].text, std::string("Sure! b"));
    QCOMPARE(swapped.examples[0].preferredIndex(), 0); // labels stay

    const Counterfactual removed = buildCounterfactual(examples, marker, CounterfactualKind::Remove);
    QCOMPARE(removed.changedPairs, 3);
    QCOMPARE(removed.examples[2].responses[0].text, std::string("a"));
    QCOMPARE(removed.examples[2].responses[1].text, std::string("b"));
}

void TestCue::figuresOfKnownPairs()
{
    // Four pairs: the cue (length) points at the preferred response in 0 and 1, at the dispreferred one in 2,
    // nowhere in 3. The method prefers the longer response in 0 and 2, the shorter in 1, and ties in 3.
    const std::vector<Example> examples = {
        makeExample(0, "p", {"long one", "s"}, 0), makeExample(1, "p", {"long one", "s"}, 0),
        makeExample(2, "p", {"s", "long one"}, 0), makeExample(3, "p", {"ab", "cd"}, 0)};
    const std::vector<double> p = {0.9, 0.2, 0.3, 0.5};
    const CueFigures f = cueFigures(examples, p, Cue::length());
    QCOMPARE(f.pairs, 4);
    QCOMPARE(f.cuePairs, 3);
    QCOMPARE(*f.cueAccuracy, 2.0 / 3);
    QCOMPARE(*f.agreement, 2.0 / 3); // pairs 0 and 2 follow the cue, pair 1 does not
    QCOMPARE(*f.accuracy, 0.5);      // 0.9 and 0.5 count as right
    QVERIFY(f.partialCorrelation.has_value());
    // By hand: in both orders, preference y = ±(0.8, -0.6, -0.4), cue sign s = ±(1, 1, -1), label l = ±1.
    const double ys = (0.8 - 0.6 + 0.4) / std::sqrt((0.64 + 0.36 + 0.16) * 3),
                 yl = (0.8 - 0.6 - 0.4) / std::sqrt((0.64 + 0.36 + 0.16) * 3), sl = 1.0 / 3;
    QVERIFY(std::fabs(*f.partialCorrelation - (ys - yl * sl) / std::sqrt((1 - yl * yl) * (1 - sl * sl))) < 1e-12);

    // A cue that always points at the preferred response is the label: no partial correlation.
    const CueFigures same = cueFigures({examples[0], examples[1]}, {0.9, 0.2}, Cue::length());
    QVERIFY(!same.partialCorrelation.has_value());
}

void TestCue::badCuesAreRefusedByName()
{
    try {
        Cue::regex("(unclosed", "--regex");
        QFAIL("a broken expression was accepted");
    } catch (const InputError &e) {
        QVERIFY2(std::string(e.what()).find("--regex") != std::string::npos, e.what());
    }
    QVERIFY_THROWS_EXCEPTION(InputError, Cue::regex("a*", "--regex")); // matches nothing at all
    QVERIFY_THROWS_EXCEPTION(InputError, Cue::words({"", ""}, "empty.txt"));
}

void TestCue::aurocOfKnownScores()
{
    // scikit-learn's roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) is 0.75.
    QCOMPARE(*auroc({0.1, 0.4, 0.35, 0.8}, {false, false, true, true}), 0.75);
    QCOMPARE(*auroc({1, 1, 1}, {true, false, false}), 0.5); // ties count half
    QCOMPARE(*auroc({3, 2, 1}, {true, false, false}), 1.0);
    QVERIFY(!auroc({1, 2}, {true, true}).has_value()); // one class only
    const auto interval = aurocInterval({0.1, 0.4, 0.35, 0.8, 0.7, 0.2}, {false, false, true, true, true, false});
    QVERIFY(interval && interval->low <= 0.89 && interval->high >= 0.89 && interval->high <= 1.0);

    // Trust: two signals, each ranking the pairs; the combination is 1 − the mean percentile rank.
    const TrustAssessment a =
        assessTrust({0.9, 0.2, 0.6}, {{"one", {0.0, 2.0, 1.0}, {}}, {"two", {0.0, NAN, 0.5}, {}}});
    QCOMPARE(a.pairs[0].trust, 1.0);      // lowest on both
    QCOMPARE(a.pairs[1].trust, 0.0);      // highest on the one it has
    QCOMPARE(a.pairs[2].trust, 1 - 0.75); // ranks 0.5 and 1
    QCOMPARE(a.quality.back().name, std::string("combined"));
    QCOMPARE(*a.quality.back().auroc, 1.0); // the wrong pair (0.2) is the least trusted
}

void TestCue::plantedMarkerIsFoundAndItsCounterfactualMovesTheProbeToChance()
{
    const fs::path model = writeCharModel(m_root / "model");
    Words words(5);
    importDistributions(m_root, {{"marked", {markedCue(words, 200, true), markedCue(words, 60, true)}},
                                 {"flipped", {markedCue(words, 200, false), markedCue(words, 60, false)}}});
    Result r = cli({"run", "--model", model.string(), "--intervention", "linear_probe", "--shifts", "marked:flipped",
                    "--seed", "2", "--param", "C=100"});
    QVERIFY2(r.code == 0, (r.out + r.err).c_str());

    r = cli({"cue", "--run", "1", "--shift", "marked:flipped", "--regex", "Sure!", "--json"});
    QVERIFY2(r.code == 0, (r.out + r.err).c_str());
    const auto j = nlohmann::json::parse(r.out);
    QCOMPARE(j["cue_accuracy_source"].get<double>(), 1.0);
    QCOMPARE(j["cue_accuracy_target"].get<double>(), 0.0);
    // The probe learned the marker: it follows it on the source and on the target, where that is wrong.
    QVERIFY2(j["agreement_with_cue_source"].get<double>() > 0.85, r.out.c_str());
    QVERIFY2(j["agreement_with_cue_target"].get<double>() > 0.85, r.out.c_str());
    QVERIFY2(j["accuracy_target"].get<double>() < 0.15, r.out.c_str());
    // Without the marker the responses are unrelated words: the probe is at chance.
    QCOMPARE(j["counterfactual"].get<std::string>(), std::string("remove"));
    QCOMPARE(j["counterfactual_changed_pairs"].get<int>(), 60);
    const double chance = j["counterfactual_accuracy_target"].get<double>();
    QVERIFY2(chance > 0.3 && chance < 0.7, r.out.c_str());
    const auto interval = j["counterfactual_interval"];
    QVERIFY(interval[0].get<double>() <= chance && chance <= interval[1].get<double>());
    QVERIFY2(j["counterfactual_change_interval"][0].get<double>() > 0, r.out.c_str());
    // Erasing the marker's direction from the probe's activations and refitting also brings it to chance, and it
    // no longer follows the marker.
    const auto erasure = j["erasure"];
    QVERIFY2(erasure.is_object(), r.out.c_str());
    QCOMPARE(erasure["accuracy_target_before"].get<double>(), j["accuracy_target"].get<double>());
    const double erased = erasure["accuracy_target_after"].get<double>();
    QVERIFY2(erased > 0.3 && erased < 0.7, erasure.dump().c_str());
    QVERIFY2(erasure["change_interval"][0].get<double>() > 0, r.out.c_str());
    QVERIFY2(std::fabs(erasure["agreement_with_cue_target_after"].get<double>() - 0.5) < 0.2, r.out.c_str());
    QVERIFY(erasure["interval_after"][0].get<double>() <= erased
            && erased <= erasure["interval_after"][1].get<double>());
    // A cue the source never varies has no direction to erase: the figures still come, with the reason.
    const Result absent =
        cli({"cue", "--run", "1", "--shift", "marked:flipped", "--regex", "QQQ", "--counterfactual", "none", "--json"});
    QVERIFY2(absent.code == 0, (absent.out + absent.err).c_str());
    QVERIFY(nlohmann::json::parse(absent.out)["erasure"].is_null());
    QVERIFY2(nlohmann::json::parse(absent.out)["erasure_skipped"].get<std::string>().find("does not vary")
                 != std::string::npos,
             absent.out.c_str());
    QVERIFY(cli({"cue", "--run", "1", "--shift", "marked:flipped", "--regex", "Sure!", "--erasure", "none", "--json"})
                .out.find("\"erasure\": null")
            != std::string::npos);

    // mms follows the marker too, and loses it with the marker's direction erased from its heads.
    r = cli({"run", "--model", model.string(), "--intervention", "mms", "--shifts", "marked:flipped", "--seed", "2"});
    QVERIFY2(r.code == 0, (r.out + r.err).c_str());
    r = cli(
        {"cue", "--run", "2", "--shift", "marked:flipped", "--regex", "Sure!", "--counterfactual", "none", "--json"});
    QVERIFY2(r.code == 0, (r.out + r.err).c_str());
    const auto mms = nlohmann::json::parse(r.out);
    QVERIFY2(mms["agreement_with_cue_target"].get<double>() > 0.6, r.out.c_str());
    const double mmsErased = mms["erasure"]["accuracy_target_after"].get<double>();
    QVERIFY2(mmsErased > 0.3 && mmsErased < 0.7, mms["erasure"].dump().c_str());
    QVERIFY2(std::fabs(mms["erasure"]["agreement_with_cue_target_after"].get<double>() - 0.5)
                 < std::fabs(mms["agreement_with_cue_target"].get<double>() - 0.5),
             mms["erasure"].dump().c_str());

    // Labelled target examples added to the probe's training move it towards the target (slowly here: 200 source
    // examples teach the marker the other way); with none the refit is the trained probe and scores the whole
    // target as the run did.
    const double stored = j["accuracy_target"].get<double>();
    Result budget =
        cli({"label-budget", "--run", "1", "--shift", "marked:flipped", "--ks", "0,10,40", "--repeats", "4", "--json"});
    QVERIFY2(budget.code == 0, (budget.out + budget.err).c_str());
    const auto points = nlohmann::json::parse(budget.out)["points"];
    QCOMPARE(points.size(), std::size_t(3));
    QCOMPARE(points[0]["accuracies"].size(), std::size_t(1));
    QVERIFY(std::fabs(points[0]["mean_accuracy"].get<double>() - stored) < 1e-12);
    QCOMPARE(points[2]["accuracies"].size(), std::size_t(4));
    QVERIFY2(points[2]["mean_accuracy"].get<double>() > points[1]["mean_accuracy"].get<double>()
                 && points[1]["mean_accuracy"].get<double>() > stored,
             budget.out.c_str());
    for (const auto &point : points)
        QVERIFY(point["interval"][0].get<double>() <= point["mean_accuracy"].get<double>()
                && point["mean_accuracy"].get<double>() <= point["interval"][1].get<double>());
    // The same seed draws the same examples.
    QCOMPARE(
        cli({"label-budget", "--run", "1", "--shift", "marked:flipped", "--ks", "0,10,40", "--repeats", "4", "--json"})
            .out,
        budget.out);
    QCOMPARE(cli({"label-budget", "--run", "1", "--shift", "marked:flipped", "--ks", "5,x"}).code, 2);
    QCOMPARE(cli({"label-budget", "--run", "1", "--shift", "marked:flipped", "--ks", "0,60"}).code, 2); // none left
    // mms: the drawn examples' pairs join its class means; with none it scores the target as the run did.
    budget =
        cli({"label-budget", "--run", "2", "--shift", "marked:flipped", "--ks", "0,40", "--repeats", "3", "--json"});
    QVERIFY2(budget.code == 0, (budget.out + budget.err).c_str());
    const auto mmsPoints = nlohmann::json::parse(budget.out)["points"];
    QVERIFY(std::fabs(mmsPoints[0]["mean_accuracy"].get<double>() - mms["accuracy_target"].get<double>()) < 1e-12);
    // 40 flipped pairs beside 200 marked ones move the means (the draws differ) without outweighing the marker.
    QCOMPARE(mmsPoints[1]["accuracies"].size(), std::size_t(3));
    QVERIFY2(mmsPoints[1]["interval"][1].get<double>() > mmsPoints[1]["interval"][0].get<double>(), budget.out.c_str());

    // Moving the marker to the preferred response makes the probe right again.
    r = cli(
        {"cue", "--run", "1", "--shift", "marked:flipped", "--regex", "Sure! ", "--counterfactual", "swap", "--json"});
    QVERIFY2(r.code == 0, (r.out + r.err).c_str());
    QVERIFY2(nlohmann::json::parse(r.out)["counterfactual_accuracy_target"].get<double>() > 0.9, r.out.c_str());

    // The text form, and a length cue (which has no counterfactual).
    r = cli({"cue", "--run", "1", "--shift", "marked:flipped", "--length"});
    QVERIFY2(r.code == 0, (r.out + r.err).c_str());
    QVERIFY2(r.out.find("accuracy of the cue alone") != std::string::npos, r.out.c_str());
    QVERIFY2(r.out.find("a length cannot be moved") != std::string::npos, r.out.c_str());

    // Refusals, each with exit code 2 and what to do.
    const std::vector<std::vector<std::string>> refused = {
        {"cue", "--run", "1", "--shift", "marked:flipped", "--regex", "(x"},
        {"cue", "--run", "1", "--shift", "marked:flipped", "--length", "--regex", "x"},
        {"cue", "--run", "1", "--shift", "marked:flipped", "--length", "--counterfactual", "remove"},
        {"cue", "--run", "1", "--shift", "flipped:marked", "--length"},
        {"cue", "--run", "7", "--shift", "marked:flipped", "--length"},
        {"cue", "--run", "1", "--shift", "marked:flipped", "--words", (m_root / "missing.txt").string()}};
    for (const auto &args : refused) {
        r = cli(args);
        QVERIFY2(r.code == 2, (args.back() + ": " + r.out + r.err).c_str());
        QVERIFY(!r.err.empty());
    }
    r = cli({"cue", "--run", "1", "--shift", "flipped:marked", "--length"});
    QVERIFY2(r.err.find("linear_probe trained on marked") != std::string::npos, r.err.c_str()); // lists its units
}

void TestCue::trustPredictsTheErrorsOfALoraOnASpuriousCue()
{
    // A lora learns a marker cue on the source. Half of the target looks like the source and keeps the cue on the
    // preferred response; the other half is written otherwise (upper case, a number) and has the cue on the
    // dispreferred one. Without looking at the labels, the trust score must single out the pairs it gets wrong.
    const fs::path root = m_root / "trust";
    const fs::path model = writeCharModel(root / "model");
    Words words(9);
    std::vector<Example> mixed = markedCue(words, 40, true);
    for (Example &e : markedCue(words, 40, false, true))
        mixed.push_back(std::move(e));
    renumber(mixed);
    importDistributions(root, {{"cued", {markedCue(words, 200, true), markedCue(words, 60, true)}},
                               {"mixed", {markedCue(words, 20, true), mixed}}});
    const fs::path ws = root / "w.sqlite";
    Result r = cli({"run", "--model", model.string(), "--intervention", "lora", "--shifts", "cued:mixed", "--seed", "1",
                    "--param", "steps=40", "--param", "batch_size=8", "--param", "learning_rate=0.01"},
                   ws);
    QVERIFY2(r.code == 0, (r.out + r.err).c_str());
    r = cli({"run", "--model", model.string(), "--intervention", "linear_probe", "--shifts", "cued:mixed", "--seed",
             "1", "--param", "C=100"},
            ws);
    QVERIFY2(r.code == 0, (r.out + r.err).c_str());

    r = cli({"trust", "--run", "1", "--shift", "cued:mixed", "--json"}, ws);
    QVERIFY2(r.code == 0, (r.out + r.err).c_str());
    const auto j = nlohmann::json::parse(r.out);
    QCOMPARE(j["pairs"].size(), std::size_t(80));
    std::map<std::string, nlohmann::json> signal;
    for (const auto &s : j["signals"])
        signal[s["name"].get<std::string>()] = s;
    for (const char *name :
         {"activation_distance", "intervention_disagreement", "probe_zero_shot_disagreement", "combined"})
        QVERIFY2(signal.count(name) && signal[name]["pairs"].get<int>() == 80, name);
    QVERIFY2(signal["combined"]["errors"].get<int>() >= 20, r.out.c_str()); // the lora follows the cue
    QVERIFY2(signal["activation_distance"]["auroc"].get<double>() > 0.8, r.out.c_str());
    QVERIFY2(signal["combined"]["interval"][0].get<double>() > 0.5, r.out.c_str()); // beats chance
    const auto &first = j["pairs"][0];
    for (const char *key : {"pair", "example", "p_preferred", "correct", "activation_distance", "trust"})
        QVERIFY2(first.contains(key), key);

    // Every shift of the run, and per category: one shift here, so the pooled figures are the shift's own.
    r = cli({"trust", "--run", "1", "--json"}, ws);
    QVERIFY2(r.code == 0, (r.out + r.err).c_str());
    const auto all = nlohmann::json::parse(r.out);
    QCOMPARE(all["shifts"].size(), std::size_t(1));
    QCOMPARE(all["shifts"][0]["shift"].get<std::string>(), std::string("cued:mixed"));
    QCOMPARE(all["categories"].size(), std::size_t(1));
    const auto &pooled = all["categories"][0]["signals"].back();
    QCOMPARE(pooled["name"].get<std::string>(), std::string("combined"));
    QVERIFY2(std::fabs(pooled["auroc"].get<double>() - signal["combined"]["auroc"].get<double>()) < 1e-12,
             qPrintable(QString("%1 vs %2")
                            .arg(pooled["auroc"].get<double>(), 0, 'g', 17)
                            .arg(signal["combined"]["auroc"].get<double>(), 0, 'g', 17)));
    r = cli({"trust", "--run", "1"}, ws);
    QVERIFY2(r.code == 0 && r.out.find("per category") != std::string::npos, (r.out + r.err).c_str());

    r = cli({"trust", "--run", "1", "--shift", "cued:mixed", "--limit", "3"}, ws);
    QVERIFY2(r.code == 0 && r.out.find("least trusted pairs") != std::string::npos, (r.out + r.err).c_str());
    QCOMPARE(cli({"trust", "--run", "1", "--shift", "mixed:cued"}, ws).code, 2);
    QCOMPARE(cli({"trust", "--run", "1", "--shift", "cued:mixed", "--layer", "9"}, ws).code, 2);
}

void TestCue::aPlantedSourcePairRanksFirstInTheAttribution()
{
    // The source pairs are unrelated words with a random preference, except one written otherwise (upper case, a
    // number); the target holds a copy of that pair. The probe's score on the copy comes from the planted pair.
    const fs::path root = m_root / "attribution";
    const fs::path model = writeCharModel(root / "model");
    Words words(13);
    auto plain = [&](int count) {
        std::vector<Example> out;
        for (int i = 0; i < count; ++i)
            out.push_back(makeExample(i, "Q: " + words(1) + "\n", {words(1), words(1)}, int(words.below(2))));
        return out;
    };
    std::vector<Example> source = plain(120), target = plain(20);
    const Example planted = makeExample(0, "Q: LOUD\n", {"BOOM 42", "zap"}, 0);
    source[57] = planted;
    source[57].position = 57;
    target[7] = planted;
    target[7].position = 7;
    importDistributions(root, {{"plain", {source, plain(10)}}, {"copied", {plain(10), target}}});
    const fs::path ws = root / "w.sqlite";
    Result r = cli(
        {"run", "--model", model.string(), "--intervention", "linear_probe", "--shifts", "plain:copied", "--seed", "1"},
        ws);
    QVERIFY2(r.code == 0, (r.out + r.err).c_str());
    r = cli({"attribute", "--run", "1", "--shift", "plain:copied", "--pair", "7", "--json"}, ws);
    QVERIFY2(r.code == 0, (r.out + r.err).c_str());
    const auto j = nlohmann::json::parse(r.out);
    QCOMPARE(j["example"].get<int>(), 7);
    QVERIFY2(!j["pushing"].empty() && j["pushing"][0]["example"].get<int>() == 57, r.out.c_str());
    QCOMPARE(j["pushing"][0]["prompt"].get<std::string>(), std::string("Q: LOUD\n"));
    QCOMPARE(j["influences"].size(), std::size_t(120));
    // The shares add up to the probe's margin, whose logistic is the stored prediction.
    double sum = 0;
    for (const auto &i : j["influences"])
        sum += i["value"].get<double>();
    const double margin = j["margin"].get<double>();
    QVERIFY(std::fabs(sum - margin) < 1e-9 * std::max(1.0, std::fabs(margin)));
    Workspace w = Workspace::open(ws);
    const RunRecord run = RunStore(w).existingRun(1);
    double stored = -1;
    for (const RunUnit &unit : run.units)
        if (unit.intervention == "linear_probe" && unit.trainDistribution == "plain")
            stored = RunStore(w).predictions(unit.id, "copied")[7];
    QVERIFY2(std::fabs(1 / (1 + std::exp(-margin)) - stored) < 1e-6,
             qPrintable(QString("margin %1, stored %2").arg(margin).arg(stored)));

    // mms: its directions are class means, so the calibrated logit splits exactly over the source pairs (plus the
    // calibration's offset), and the planted pair's difference is the copy's own.
    r = cli({"run", "--model", model.string(), "--intervention", "mms", "--shifts", "plain:copied", "--seed", "1"}, ws);
    QVERIFY2(r.code == 0, (r.out + r.err).c_str());
    r = cli({"attribute", "--run", "2", "--shift", "plain:copied", "--pair", "7", "--json"}, ws);
    QVERIFY2(r.code == 0, (r.out + r.err).c_str());
    const auto m = nlohmann::json::parse(r.out);
    QVERIFY(m["exact"].get<bool>());
    QVERIFY2(m["pushing"][0]["example"].get<int>() == 57, r.out.c_str());
    double mmsSum = m["constant"].get<double>();
    for (const auto &i : m["influences"])
        mmsSum += i["value"].get<double>();
    QVERIFY2(std::fabs(mmsSum - m["margin"].get<double>()) < 1e-9, r.out.c_str());
    double mmsStored = -1;
    for (const RunUnit &unit : RunStore(w).existingRun(2).units)
        if (unit.intervention == "mms" && unit.trainDistribution == "plain")
            mmsStored = RunStore(w).predictions(unit.id, "copied")[7];
    QVERIFY2(std::fabs(1 / (1 + std::exp(-m["margin"].get<double>())) - mmsStored) < 1e-5,
             qPrintable(QString("margin %1, stored %2").arg(m["margin"].get<double>()).arg(mmsStored)));

    // lora: gradient similarity, an approximation; the copy's gradient is the planted pair's own.
    r = cli({"run", "--model", model.string(), "--intervention", "lora", "--shifts", "plain:copied", "--seed", "1",
             "--param", "steps=20"},
            ws);
    QVERIFY2(r.code == 0, (r.out + r.err).c_str());
    // A run that bad input stops before it produced anything is taken back: nothing was changed.
    for (const auto &refused : std::vector<std::vector<std::string>>{
             {"run", "--model", model.string(), "--intervention", "lora", "--shifts", "plain:copied", "--param",
              "steps=abc"},
             {"run", "--model", model.string(), "--intervention", "lora", "--shifts", "plain:copied", "--param",
              "learning_rate=nan"},
             {"run", "--model", model.string(), "--intervention", "lora", "--shifts", "plain:copied", "--slurm"},
             {"run", "--model", model.string(), "--intervention", "lora", "--shifts", "plain:copied", "--slurm",
              "--shared-dir", (root / "shared").string(), "--gpus-per-task", "4294967297"},
             {"runs", "rerun", "3", "--device", "tpu"}}) {
        const std::size_t before = RunStore(w).runs().size();
        const Result refusal = cli(refused, ws);
        QVERIFY2(refusal.code == 2, (refusal.out + refusal.err).c_str());
        QCOMPARE(RunStore(w).runs().size(), before);
    }
    QVERIFY(!fs::exists(root / "shared"));
    r = cli({"attribute", "--run", "3", "--shift", "plain:copied", "--pair", "7", "--json"}, ws);
    QVERIFY2(r.code == 0, (r.out + r.err).c_str());
    const auto g = nlohmann::json::parse(r.out);
    QVERIFY(!g["exact"].get<bool>());
    QVERIFY2(g["pushing"][0]["example"].get<int>() == 57, r.out.c_str());
    double loraStored = -1;
    for (const RunUnit &unit : RunStore(w).existingRun(3).units)
        if (unit.intervention == "lora" && unit.trainDistribution == "plain")
            loraStored = RunStore(w).predictions(unit.id, "copied")[7];
    QVERIFY2(std::fabs(1 / (1 + std::exp(-g["margin"].get<double>())) - loraStored) < 1e-4, r.out.c_str());

    // Token by token: each reading ends where the intervention scores, so the last tokens give back the stored
    // predictions; zero_shot's log-probabilities add up to what GENIES' zero-shot compares.
    auto storedOf = [&](std::int64_t runId, const std::string &intervention) {
        for (const RunUnit &unit : RunStore(w).existingRun(runId).units)
            if (unit.intervention == intervention)
                return RunStore(w).predictions(unit.id, "copied")[7];
        return -1.0;
    };
    auto sigmoid = [](double x) { return 1 / (1 + std::exp(-x)); };
    for (const auto &[runId, intervention] :
         std::vector<std::pair<std::int64_t, std::string>>{{1, "linear_probe"}, {3, "lora"}, {2, "mms"}}) {
        const std::size_t loadsBefore = ModelSession::loads();
        r = cli({"token-evidence", "--run", std::to_string(runId), "--shift", "plain:copied", "--pair", "7", "--json"},
                ws);
        QVERIFY2(r.code == 0, (r.out + r.err).c_str());
        QCOMPARE(ModelSession::loads() - loadsBefore, std::size_t(1)); // both tracks read one loaded model
        const auto e = nlohmann::json::parse(r.out);
        QCOMPARE(e["prompt"].get<std::string>(), std::string("Q: LOUD\n"));
        QCOMPARE(e["tracks"].size(), std::size_t(2));
        const auto &zero = e["tracks"][0];
        QCOMPARE(zero["intervention"].get<std::string>(), std::string("zero_shot"));
        const auto &track = e["tracks"][1];
        QCOMPARE(track["intervention"].get<std::string>(), intervention);
        for (const char *side : {"preferred", "dispreferred"}) {
            QCOMPARE(track[side]["tokens"].size(), track[side]["values"].size());
            QVERIFY(!track[side]["tokens"].empty());
            double logprob = 0;
            for (const auto &v : zero[side]["values"])
                logprob += v.get<double>();
            QVERIFY(std::fabs(logprob - zero[side]["total"].get<double>()) < 1e-9);
        }
        // GENIES zero-shot: σ of the summed log-probabilities' difference over the padded length less one (one
        // token a character here, the responses' with EOS).
        const double length =
            double(std::string("Q: LOUD\n").size())
            + double(std::max(zero["preferred"]["tokens"].size(), zero["dispreferred"]["tokens"].size()));
        const double zeroShot = sigmoid(
            (zero["preferred"]["total"].get<double>() - zero["dispreferred"]["total"].get<double>()) / (length - 1));
        QVERIFY2(std::fabs(zeroShot - storedOf(runId, "zero_shot")) < 1e-5,
                 qPrintable(QString("%1 against %2").arg(zeroShot).arg(storedOf(runId, "zero_shot"))));
        if (intervention == "mms") {
            // Its totals are ± the mean cosine of the last tokens' difference; the calibration is symmetric.
            const double cosine = track["preferred"]["total"].get<double>();
            QCOMPARE(track["dispreferred"]["total"].get<double>(), -cosine);
            QCOMPARE(cosine > 0, storedOf(runId, intervention) > 0.5);
            continue;
        }
        const double last =
            track["preferred"]["values"].back().get<double>() - track["dispreferred"]["values"].back().get<double>();
        QVERIFY2(std::fabs(sigmoid(last) - storedOf(runId, intervention)) < 1e-5,
                 qPrintable(QString("%1: %2 against %3")
                                .arg(intervention.c_str())
                                .arg(sigmoid(last))
                                .arg(storedOf(runId, intervention))));
    }
    // A sequence-classification reward model's head read at every token; the last gives its stored preference.
    const fs::path classifier = writeCharModel(root / "classifier", 1);
    r = cli({"run", "--model", classifier.string(), "--intervention", "reward_model", "--shifts", "plain:copied"}, ws);
    QVERIFY2(r.code == 0, (r.out + r.err).c_str());
    r = cli({"token-evidence", "--run", "4", "--shift", "plain:copied", "--pair", "7", "--json"}, ws);
    QVERIFY2(r.code == 0, (r.out + r.err).c_str());
    {
        const auto e = nlohmann::json::parse(r.out);
        const auto &track = e["tracks"].back();
        QCOMPARE(track["intervention"].get<std::string>(), std::string("reward_model"));
        const double scored = track["preferred"]["total"].get<double>() - track["dispreferred"]["total"].get<double>();
        QVERIFY2(std::fabs(sigmoid(scored) - storedOf(4, "reward_model")) < 1e-5, r.out.c_str());
    }
    // few_shot: the log-probabilities given the unit's own demonstrations; with scoring=mean their means give back
    // the stored preference, and the demonstrations change them.
    r = cli({"run", "--model", model.string(), "--intervention", "few_shot", "--shifts", "plain:copied", "--seed", "3",
             "--param", "scoring=mean", "--param", "num_shots=2"},
            ws);
    QVERIFY2(r.code == 0, (r.out + r.err).c_str());
    {
        const std::size_t loadsBefore = ModelSession::loads();
        r = cli({"token-evidence", "--run", "5", "--shift", "plain:copied", "--pair", "7", "--json"}, ws);
        QVERIFY2(r.code == 0, (r.out + r.err).c_str());
        QCOMPARE(ModelSession::loads() - loadsBefore, std::size_t(1));
        const auto e = nlohmann::json::parse(r.out);
        QCOMPARE(e["tracks"].size(), std::size_t(2));
        const auto &zero = e["tracks"][0], &few = e["tracks"][1];
        QCOMPARE(few["intervention"].get<std::string>(), std::string("few_shot"));
        QCOMPARE(few["preferred"]["tokens"], zero["preferred"]["tokens"]);
        QVERIFY(few["preferred"]["values"] != zero["preferred"]["values"]);
        const double scored = few["preferred"]["total"].get<double>() - few["dispreferred"]["total"].get<double>();
        QVERIFY2(std::fabs(sigmoid(scored) - storedOf(5, "few_shot")) < 1e-5,
                 qPrintable(QString("%1 against %2").arg(sigmoid(scored)).arg(storedOf(5, "few_shot"))));
        QVERIFY(e["unread"].empty());
    }
    // cra reads the difference between two texts that differ only after the response: no track, and why.
    r = cli({"run", "--model", model.string(), "--intervention", "cra", "--shifts", "plain:copied"}, ws);
    QVERIFY2(r.code == 0, (r.out + r.err).c_str());
    r = cli({"token-evidence", "--run", "6", "--shift", "plain:copied", "--pair", "7", "--json"}, ws);
    QVERIFY2(r.code == 0, (r.out + r.err).c_str());
    {
        const auto e = nlohmann::json::parse(r.out);
        QCOMPARE(e["tracks"].size(), std::size_t(1));
        QCOMPARE(e["unread"].size(), std::size_t(1));
        QCOMPARE(e["unread"][0]["intervention"].get<std::string>(), std::string("cra"));
        QVERIFY(e["unread"][0]["why"].get<std::string>().find("only the last token") != std::string::npos);
    }
    r = cli({"token-evidence", "--run", "6", "--shift", "plain:copied", "--pair", "7"}, ws);
    QVERIFY2(r.code == 0 && r.out.find("cra: no reading token by token") != std::string::npos, (r.out + r.err).c_str());
    r = cli({"token-evidence", "--run", "3", "--shift", "plain:copied", "--pair", "7"}, ws);
    QVERIFY2(r.code == 0 && r.out.find("lora: reward per token") != std::string::npos, (r.out + r.err).c_str());
    QCOMPARE(cli({"token-evidence", "--run", "3", "--shift", "plain:copied", "--pair", "99"}, ws).code, 2);

    r = cli({"attribute", "--run", "1", "--shift", "plain:copied", "--pair", "7", "--top", "2"}, ws);
    QVERIFY2(r.code == 0 && r.out.find("example 57") != std::string::npos, (r.out + r.err).c_str());
    QCOMPARE(cli({"attribute", "--run", "1", "--shift", "plain:copied", "--pair", "99"}, ws).code, 2);
    QCOMPARE(
        cli({"attribute", "--run", "1", "--shift", "plain:copied", "--pair", "1", "--intervention", "zero_shot"}, ws)
            .code,
        2);
}

void TestCue::conceptErasureLeavesNoLinearTraceOfTheConcept()
{
    // 300 points in 40 dimensions (fewer samples per dimension than a plain inverse would like): a concept z along
    // one direction, a second variable y along another, and noise.
    at::manual_seed(3);
    const at::Tensor z = at::randn({300}, at::kDouble), y = at::randn({300}, at::kDouble);
    const at::Tensor a = at::randn({40}, at::kDouble), b = at::randn({40}, at::kDouble);
    const at::Tensor x = z.unsqueeze(1) * a + y.unsqueeze(1) * b + 0.3 * at::randn({300, 40}, at::kDouble);
    const ConceptEraser eraser = ConceptEraser::fit(x, z);
    QVERIFY(eraser.valid());
    const at::Tensor erased = eraser.apply(x);
    auto covariance = [](const at::Tensor &rows, const at::Tensor &v) {
        return (rows - rows.mean(0)).t().mv(v - v.mean()) / double(v.size(0));
    };
    // No linear covariance with z is left, in any direction; before there was plenty.
    QVERIFY(covariance(x, z).abs().max().item<double>() > 0.5);
    QVERIFY2(covariance(erased, z).abs().max().item<double>() < 1e-10,
             qPrintable(QString::number(covariance(erased, z).abs().max().item<double>())));
    // The least-squares fit of z on the erased points explains nothing; y is still read as well as before.
    auto explained = [](const at::Tensor &rows, const at::Tensor &v) {
        const at::Tensor centred = rows - rows.mean(0);
        const at::Tensor w = std::get<0>(at::linalg_lstsq(centred, (v - v.mean()).unsqueeze(1)));
        const at::Tensor fitted = centred.mm(w).squeeze(1);
        return 1 - (v - v.mean() - fitted).pow(2).sum().item<double>() / (v - v.mean()).pow(2).sum().item<double>();
    };
    QVERIFY(explained(x, z) > 0.9);
    QVERIFY2(explained(erased, z) < 1e-8, qPrintable(QString::number(explained(erased, z))));
    QVERIFY(explained(erased, y) > 0.9 * explained(x, y));
    // A concept that does not vary has nothing to erase; the points come back as they were.
    const ConceptEraser none = ConceptEraser::fit(x, at::ones({300}, at::kDouble));
    QVERIFY(!none.valid());
    QVERIFY(at::equal(none.apply(x), x));
}

void TestCue::blindRelabelsAreTheLabelsOfTheBudget()
{
    // A probe taught the marker by 20 source examples, evaluated where the marker sits on the dispreferred response.
    // Annotators relabel 40 target pairs: labelled as the dataset does they outweigh the source and repair the
    // shift; labelled the other way (they fell for the marker) they teach the marker again.
    const fs::path root = m_root / "relabels";
    const fs::path model = writeCharModel(root / "model");
    Words words(21);
    importDistributions(root, {{"few", {markedCue(words, 20, true), markedCue(words, 10, true)}},
                               {"turned", {markedCue(words, 20, false), markedCue(words, 60, false)}}});
    const fs::path ws = root / "w.sqlite";
    Result r = cli({"run", "--model", model.string(), "--intervention", "linear_probe", "--shifts", "few:turned",
                    "--seed", "4", "--param", "C=100"},
                   ws);
    QVERIFY2(r.code == 0, (r.out + r.err).c_str());
    QCOMPARE(cli({"label-budget", "--run", "1", "--shift", "few:turned", "--relabels"}, ws).code, 2); // none judged
    auto relabelled = [&](RelabelChoice choice) {
        Workspace w = Workspace::open(ws);
        const auto turned = w.examples("turned", Split::Test);
        for (std::size_t i = 0; i < 40; ++i) {
            RelabelJudgement judgement;
            judgement.distribution = "turned";
            judgement.exampleHash = turned[i].contentHash();
            judgement.dispreferredPosition = 1 - turned[i].preferredIndex();
            judgement.annotator = "ann";
            judgement.choice = choice;
            AuditStore(w).saveJudgement(judgement);
        }
        const Result out =
            cli({"label-budget", "--run", "1", "--shift", "few:turned", "--ks", "0", "--relabels", "--json"}, ws);
        return std::pair{out, out.code == 0 ? nlohmann::json::parse(out.out) : nlohmann::json()};
    };
    const auto [agreeing, agreed] = relabelled(RelabelChoice::Preferred);
    QVERIFY2(agreeing.code == 0, (agreeing.out + agreeing.err).c_str());
    const double before = agreed["points"][0]["mean_accuracy"].get<double>();
    QVERIFY2(before < 0.2, agreeing.out.c_str());
    QCOMPARE(agreed["relabelled"]["k"].get<int>(), 40);
    QCOMPARE(agreed["relabelled"]["against_dataset"].get<int>(), 0);
    QVERIFY2(agreed["relabelled"]["accuracy"].get<double>() > 0.7, agreeing.out.c_str());
    const auto [disagreeing, against] = relabelled(RelabelChoice::Dispreferred); // the same annotator again
    QVERIFY2(disagreeing.code == 0, (disagreeing.out + disagreeing.err).c_str());
    QCOMPARE(against["relabelled"]["against_dataset"].get<int>(), 40);
    QVERIFY2(against["relabelled"]["accuracy"].get<double>() < 0.3, disagreeing.out.c_str());
    r = cli({"label-budget", "--run", "1", "--shift", "few:turned", "--ks", "0,5", "--repeats", "2", "--relabels"}, ws);
    QVERIFY2(r.code == 0 && r.out.find("40 blind-relabelled pairs") != std::string::npos, (r.out + r.err).c_str());
}

QTEST_APPLESS_MAIN(TestCue)
#include "tst_cue.moc"
