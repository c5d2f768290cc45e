#include "annotation/blindorder.h"
#include "annotation/relabelstats.h"
#include "craftedexamples.h"
#include "testsupport.h"
#include "workspace/auditstore.h"

#include <nlohmann/json.hpp>

using namespace shiftscope;
using namespace shiftscope::test;

namespace {

RelabelJudgement judgement(const std::string &distribution, int item, const std::string &annotator,
                           RelabelChoice choice)
{
    RelabelJudgement j;
    j.distribution = distribution;
    j.exampleHash = std::string(63, '0') + char('a' + item % 6);
    j.dispreferredPosition = item / 6;
    j.annotator = annotator;
    j.choice = choice;
    return j;
}

//! Two annotators on the same ten pairs: A = PPPPPPPDDD, B = PPPPPDDDDP (P: the dataset's preferred response).
std::vector<RelabelJudgement> twoAnnotators()
{
    const std::string a = "PPPPPPPDDD", b = "PPPPPDDDDP";
    std::vector<RelabelJudgement> out;
    for (int i = 0; i < 10; ++i) {
        const auto choice = [](char c) { return c == 'P' ? RelabelChoice::Preferred : RelabelChoice::Dispreferred; };
        out.push_back(judgement("d1", i, "ann", choice(a[std::size_t(i)])));
        out.push_back(judgement("d1", i, "ben", choice(b[std::size_t(i)])));
    }
    return out;
}

} // namespace

class TestRelabelStats : public QObject {
    Q_OBJECT
private slots:
    void wilsonInterval_data();
    void wilsonInterval();
    void wilsonIntervalHoldsItsEnds();
    void agreementWithTheDatasetLabel();
    void cohensKappa();
    void kappaWithoutVariationIsUndefined();
    void summaryGroupsAndPairs();
    void blindOrderIsSeededAndStable();
    void judgementsReplaceTheSameAnnotatorsEarlierOne();
    void statsCommand();
};

void TestRelabelStats::wilsonInterval_data()
{
    QTest::addColumn<double>("proportion");
    QTest::addColumn<int>("trials");
    QTest::addColumn<double>("low");
    QTest::addColumn<double>("high");
    // Reference values: the Wilson score interval at z = 1.959964, computed by hand.
    QTest::newRow("8 of 10") << 0.8 << 10 << 0.490162 << 0.943318;
    QTest::newRow("0 of 10") << 0.0 << 10 << 0.0 << 0.277533;
    QTest::newRow("50 of 100") << 0.5 << 100 << 0.403832 << 0.596168;
    QTest::newRow("5 of 5") << 1.0 << 5 << 0.565518 << 1.0;
    QTest::newRow("45 of 50") << 0.9 << 50 << 0.786398 << 0.956524;
    QTest::newRow("no trials") << 0.0 << 0 << 0.0 << 1.0;
}

void TestRelabelStats::wilsonInterval()
{
    QFETCH(double, proportion);
    QFETCH(int, trials);
    QFETCH(double, low);
    QFETCH(double, high);
    const Interval i = shiftscope::wilsonInterval(proportion, trials);
    QVERIFY2(std::abs(i.low - low) < 1e-6, std::to_string(i.low).c_str());
    QVERIFY2(std::abs(i.high - high) < 1e-6, std::to_string(i.high).c_str());
    QVERIFY(i.contains(proportion)); // a proportion lies within its own interval, at 0 and 1 exactly too
}

void TestRelabelStats::wilsonIntervalHoldsItsEnds()
{
    for (int trials = 1; trials <= 5000; trials += 7) {
        QCOMPARE(shiftscope::wilsonInterval(1.0, trials).high, 1.0);
        QCOMPARE(shiftscope::wilsonInterval(0.0, trials).low, 0.0);
    }
}

void TestRelabelStats::agreementWithTheDatasetLabel()
{
    std::vector<RelabelJudgement> judgements;
    for (int i = 0; i < 10; ++i)
        judgements.push_back(judgement("d1", i, "ann", i < 8 ? RelabelChoice::Preferred : RelabelChoice::Dispreferred));
    judgements.push_back(judgement("d1", 10, "ann", RelabelChoice::Skip));
    const Agreement a = RelabelStats::agreement(judgements, "ann");
    QCOMPARE(a.group, std::string("ann"));
    QCOMPARE(a.judged, 10);
    QCOMPARE(a.agreeing, 8);
    QCOMPARE(a.skipped, 1);
    QCOMPARE(a.rate, 0.8);
    QVERIFY(std::abs(a.interval.low - 0.490162) < 1e-6);
    QVERIFY(std::abs(a.interval.high - 0.943318) < 1e-6);
}

void TestRelabelStats::cohensKappa()
{
    // Observed agreement 7/10; chance 0.7 * 0.6 + 0.3 * 0.4 = 0.54; kappa = (0.7 - 0.54) / 0.46 = 8/23.
    const Kappa k = RelabelStats::kappa(twoAnnotators(), "ann", "ben");
    QCOMPARE(k.shared, 10);
    QVERIFY(std::abs(k.observed - 0.7) < 1e-12);
    QVERIFY(std::abs(k.expected - 0.54) < 1e-12);
    QVERIFY(k.kappa);
    QVERIFY2(std::abs(*k.kappa - 8.0 / 23.0) < 1e-12, std::to_string(*k.kappa).c_str());
    // Skips and pairs only one of them judged are left out.
    auto more = twoAnnotators();
    more.push_back(judgement("d1", 20, "ann", RelabelChoice::Preferred));
    more.push_back(judgement("d1", 21, "ann", RelabelChoice::Skip));
    more.push_back(judgement("d1", 21, "ben", RelabelChoice::Preferred));
    QCOMPARE(RelabelStats::kappa(more, "ann", "ben").shared, 10);
    QCOMPARE(*RelabelStats::kappa(more, "ann", "ben").kappa, *k.kappa);
    // Full agreement with both choices used is kappa 1.
    std::vector<RelabelJudgement> same;
    for (int i = 0; i < 4; ++i)
        for (const char *who : {"ann", "ben"})
            same.push_back(judgement("d1", i, who, i % 2 ? RelabelChoice::Preferred : RelabelChoice::Dispreferred));
    QCOMPARE(*RelabelStats::kappa(same, "ann", "ben").kappa, 1.0);
}

void TestRelabelStats::kappaWithoutVariationIsUndefined()
{
    std::vector<RelabelJudgement> judgements;
    for (int i = 0; i < 5; ++i)
        for (const char *who : {"ann", "ben"})
            judgements.push_back(judgement("d1", i, who, RelabelChoice::Preferred));
    const Kappa k = RelabelStats::kappa(judgements, "ann", "ben");
    QCOMPARE(k.observed, 1.0);
    QCOMPARE(k.expected, 1.0);
    QVERIFY(!k.kappa);
    QCOMPARE(RelabelStats::kappa(judgements, "ann", "nobody").shared, 0);
}

void TestRelabelStats::summaryGroupsAndPairs()
{
    auto judgements = twoAnnotators();
    judgements.push_back(judgement("d2", 0, "cat", RelabelChoice::Preferred));
    judgements.push_back(judgement("d2", 0, "ann", RelabelChoice::Skip));
    const RelabelSummary s = RelabelStats::summarise(judgements);
    QCOMPARE(s.overall.judged, 21);
    QCOMPARE(s.overall.agreeing, 7 + 6 + 1);
    QCOMPARE(s.overall.skipped, 1);
    QCOMPARE(s.byDistribution.size(), std::size_t(2));
    QCOMPARE(s.byDistribution[0].group, std::string("d1"));
    QCOMPARE(s.byDistribution[1].judged, 1);
    QCOMPARE(s.byAnnotator.size(), std::size_t(3));
    QCOMPARE(s.byAnnotator[0].group, std::string("ann"));
    QCOMPARE(s.byAnnotator[0].agreeing, 7);
    QCOMPARE(s.byAnnotator[0].skipped, 1);
    QCOMPARE(s.kappas.size(), std::size_t(1)); // cat shares no judged pair with the others
    QCOMPARE(s.kappas[0].first, std::string("ann"));
    QCOMPARE(s.kappas[0].second, std::string("ben"));
}

void TestRelabelStats::blindOrderIsSeededAndStable()
{
    Words words(41);
    const auto examples = randomSplit(words, 100, 3);
    const auto a = BlindOrder::queue("d", Split::Test, examples, 7);
    const auto b = BlindOrder::queue("d", Split::Test, examples, 7);
    const auto c = BlindOrder::queue("d", Split::Test, examples, 8);
    QCOMPARE(a.size(), std::size_t(200));
    std::vector<std::string> orderA, orderB, orderC;
    int preferredFirst = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        orderA.push_back(a[i].exampleHash + std::to_string(a[i].dispreferred) + (a[i].preferredFirst ? "p" : "d"));
        orderB.push_back(b[i].exampleHash + std::to_string(b[i].dispreferred) + (b[i].preferredFirst ? "p" : "d"));
        orderC.push_back(c[i].exampleHash + std::to_string(c[i].dispreferred) + (c[i].preferredFirst ? "p" : "d"));
        preferredFirst += a[i].preferredFirst ? 1 : 0;
    }
    QCOMPARE(orderA, orderB);
    QVERIFY(orderA != orderC);
    QVERIFY2(preferredFirst > 70 && preferredFirst < 130, std::to_string(preferredFirst).c_str());
    QCOMPARE(BlindOrder::queue("d", Split::Test, examples, 7, 10).size(), std::size_t(10));

    // An item keeps its sides when the other examples change.
    const std::vector<Example> fewer(examples.begin(), examples.begin() + 10);
    for (const auto &item : BlindOrder::queue("d", Split::Test, fewer, 7))
        for (const auto &same : a)
            if (same.exampleHash == item.exampleHash && same.dispreferred == item.dispreferred)
                QCOMPARE(same.preferredFirst, item.preferredFirst);

    // Picking what was shown first or second maps back to the dataset's terms.
    const BlindItem &item = a.front();
    QCOMPARE(item.shownFirst(), item.preferredFirst ? item.preferred : item.dispreferred);
    const RelabelChoice first = item.preferredFirst ? RelabelChoice::Preferred : RelabelChoice::Dispreferred;
    const RelabelChoice second = item.preferredFirst ? RelabelChoice::Dispreferred : RelabelChoice::Preferred;
    QCOMPARE(BlindOrder::judge(item, 0, "ann").choice, first);
    QCOMPARE(BlindOrder::judge(item, 1, "ann").choice, second);
    const RelabelJudgement skip = BlindOrder::judge(item, -1, "ann");
    QCOMPARE(skip.choice, RelabelChoice::Skip);
    QCOMPARE(skip.exampleHash, item.exampleHash);
    QCOMPARE(skip.dispreferredPosition, item.dispreferred);
    QCOMPARE(skip.preferredShownFirst, item.preferredFirst);
}

void TestRelabelStats::judgementsReplaceTheSameAnnotatorsEarlierOne()
{
    QTemporaryDir dir;
    Workspace ws = Workspace::create(tempPath(dir, "w.sqlite"));
    AuditStore store(ws);
    const auto id = store.saveJudgement(judgement("d1", 0, "ann", RelabelChoice::Preferred));
    QVERIFY(id > 0);
    store.saveJudgement(judgement("d1", 0, "ben", RelabelChoice::Preferred));
    QCOMPARE(store.saveJudgement(judgement("d1", 0, "ann", RelabelChoice::Dispreferred)), id);
    const auto all = store.judgements();
    QCOMPARE(all.size(), std::size_t(2));
    const auto stored = store.judgement("d1", Split::Test, std::string(63, '0') + "a", 0, "ann");
    QCOMPARE(stored->choice, RelabelChoice::Dispreferred);
    QVERIFY(!all.front().createdAt.empty());
    QCOMPARE(store.judgements("d2").size(), std::size_t(0));
}

void TestRelabelStats::statsCommand()
{
    QTemporaryDir dir;
    const std::string path = tempPath(dir, "w.sqlite").string();
    {
        Workspace ws = Workspace::create(path);
        AuditStore store(ws);
        for (const auto &j : twoAnnotators())
            store.saveJudgement(j);
    }
    auto r = runCommand({"--workspace", path, "annotations", "stats", "--json"});
    QCOMPARE(r.code, 0);
    const auto json = nlohmann::json::parse(r.out);
    QCOMPARE(json["overall"]["judged"].get<int>(), 20);
    QCOMPARE(json["by_annotator"].size(), std::size_t(2));
    QVERIFY(std::abs(json["kappas"][0]["kappa"].get<double>() - 8.0 / 23.0) < 1e-12);
    r = runCommand({"--workspace", path, "annotations", "stats"});
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.find("ann / ben: 0.348 over 10 pairs") != std::string::npos, r.out.c_str());
}

QTEST_GUILESS_MAIN(TestRelabelStats)
#include "tst_relabelstats.moc"
