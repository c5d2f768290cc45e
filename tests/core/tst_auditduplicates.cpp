#include "audit/duplicatefinder.h"
#include "audit/duplicatereport.h"
#include "audit/tokenizedsplit.h"
#include "craftedexamples.h"
#include "testsupport.h"

#include <algorithm>

using namespace shiftscope;
using namespace shiftscope::test;

namespace {

//! Fingerprints of one or two splits of a distribution with a lookup into them, as the Auditor uses them.
struct Indexed {
    std::string name;
    std::vector<Example> train, test;
    SplitFingerprints trainPrints, testPrints;

    Indexed(const DuplicateFinder &finder, std::string n, std::vector<Example> tr, std::vector<Example> te)
        : name(std::move(n)), train(std::move(tr)), test(std::move(te))
    {
        const TokenizedSplit trainTokens(train), testTokens(test);
        auto common =
            std::make_shared<const std::vector<std::uint64_t>>(finder.templateShingles({&trainTokens, &testTokens}));
        trainPrints = finder.fingerprint(name, Split::Train, train, trainTokens, common);
        testPrints = finder.fingerprint(name, Split::Test, test, testTokens, common);
    }
    const Example *get(const ExampleRef &ref) const
    {
        const auto &list = ref.split == Split::Train ? train : test;
        return ref.position < int(list.size()) ? &list[std::size_t(ref.position)] : nullptr;
    }
};

DuplicateFinder::ExampleLookup lookupIn(std::vector<const Indexed *> sets)
{
    return [sets](const ExampleRef &ref) -> const Example * {
        for (const auto *s : sets)
            if (s->name == ref.distribution)
                return s->get(ref);
        return nullptr;
    };
}

//! The same example with its whitespace changed and its responses in another order.
Example respaced(const Example &e, int position)
{
    Example copy = e;
    copy.position = position;
    copy.prompt = "  " + e.prompt + "\n\n";
    std::reverse(copy.responses.begin(), copy.responses.end());
    for (auto &r : copy.responses)
        r.text = "\t" + r.text + "  ";
    return copy;
}

//! Changes one word of the first response.
Example oneWordChanged(const Example &e, int position)
{
    Example copy = e;
    copy.position = position;
    auto &text = copy.responses[0].text;
    text.replace(text.find(' ') + 1, 0, "zzchanged ");
    return copy;
}

} // namespace

class TestAuditDuplicates : public QObject {
    Q_OBJECT
private slots:
    void plantedLeakIsFoundExactly();
    void nearDuplicateIsFoundAndVerified();
    void unrelatedExamplesAreNotNear();
    void conflictingLabelsAndSamePrompt();
    void templateTextDoesNotMakeNearDuplicates();
    void lshFindsEveryPlantedPair();
    void sourceTargetComparisonOnlyCountsCrossPairs();
    void reportSeverities();
};

void TestAuditDuplicates::plantedLeakIsFoundExactly()
{
    Words words(1);
    auto train = randomSplit(words, 40, 3);
    auto test = randomSplit(words, 20, 3);
    test[7] = respaced(train[12], 7);
    const DuplicateFinder finder;
    const Indexed d(finder, "d", train, test);
    const auto leak = finder.find({&d.trainPrints}, {&d.testPrints}, lookupIn({&d}));
    QCOMPARE(leak.exact.size(), std::size_t(1));
    QCOMPARE(leak.exact[0].members, (std::vector<ExampleRef>{{"d", Split::Train, 12, -1}, {"d", Split::Test, 7, -1}}));
    QVERIFY(!leak.exact[0].conflictingLabels);
    QVERIFY(leak.near.empty());
    // Within each split there is nothing to find.
    QVERIFY(finder.find({&d.trainPrints}, {}, lookupIn({&d})).exact.empty());
    QVERIFY(finder.find({&d.testPrints}, {}, lookupIn({&d})).exact.empty());
}

void TestAuditDuplicates::nearDuplicateIsFoundAndVerified()
{
    Words words(2);
    auto train = randomSplit(words, 50, 2, 60);
    auto test = randomSplit(words, 30, 2, 60);
    test[3] = oneWordChanged(train[5], 3);
    const DuplicateFinder finder;
    const Indexed d(finder, "d", train, test);
    const auto leak = finder.find({&d.trainPrints}, {&d.testPrints}, lookupIn({&d}));
    QVERIFY(leak.exact.empty());
    QCOMPARE(leak.near.size(), std::size_t(1));
    QCOMPARE(leak.near[0].first, (ExampleRef{"d", Split::Train, 5, -1}));
    QCOMPARE(leak.near[0].second, (ExampleRef{"d", Split::Test, 3, -1}));
    QVERIFY2(leak.near[0].jaccard >= 0.8 && leak.near[0].jaccard < 1.0, std::to_string(leak.near[0].jaccard).c_str());
    // Verification uses the real Jaccard: with a threshold above it, the candidate is rejected.
    DuplicateOptions strict;
    strict.threshold = 0.99;
    const DuplicateFinder strictFinder(strict);
    QVERIFY(strictFinder.find({&d.trainPrints}, {&d.testPrints}, lookupIn({&d})).near.empty());
}

void TestAuditDuplicates::unrelatedExamplesAreNotNear()
{
    Words words(3);
    const DuplicateFinder finder;
    const Indexed d(finder, "d", randomSplit(words, 200, 4), randomSplit(words, 100, 4));
    const auto all = finder.find({&d.trainPrints, &d.testPrints}, {}, lookupIn({&d}));
    QVERIFY(all.exact.empty());
    QVERIFY(all.near.empty());
    QVERIFY(all.samePrompt.empty());
}

void TestAuditDuplicates::conflictingLabelsAndSamePrompt()
{
    Words words(4);
    auto train = randomSplit(words, 30, 2);
    Example flipped = train[4];
    flipped.position = 30;
    std::swap(flipped.responses[0].label, flipped.responses[1].label);
    train.push_back(flipped);
    Example other = makeExample(31, train[9].prompt, {words(30), words(30)}, 0);
    train.push_back(other);
    const DuplicateFinder finder;
    const Indexed d(finder, "d", train, {});
    const auto r = finder.find({&d.trainPrints}, {}, lookupIn({&d}));
    QCOMPARE(r.exact.size(), std::size_t(1));
    QVERIFY(r.exact[0].conflictingLabels);
    QCOMPARE(r.samePrompt.size(), std::size_t(1));
    QCOMPARE(r.samePrompt[0].members,
             (std::vector<ExampleRef>{{"d", Split::Train, 9, -1}, {"d", Split::Train, 31, -1}}));
    const auto finding = DuplicateReport::conflictingLabels({&r}, "d", 10);
    QCOMPARE(finding.severity, Severity::Problem);
    QCOMPARE(finding.figure, 1.0);
}

void TestAuditDuplicates::templateTextDoesNotMakeNearDuplicates()
{
    // Long shared template, one-word questions and answers: most shingles are the template's.
    std::vector<Example> train;
    Words words(5);
    const std::string frame = Words(99)(100) + "\n\nQuestion: ";
    for (int i = 0; i < 60; ++i)
        train.push_back(makeExample(i, frame + words(3) + "?\nAnswer:", {words(1), words(1)}, 0));
    const DuplicateFinder finder;
    const Indexed d(finder, "d", train, {});
    QVERIFY(finder.find({&d.trainPrints}, {}, lookupIn({&d})).near.empty());
    // Without leaving the template out, every pair would look alike.
    DuplicateOptions keep;
    keep.templateShare = 0.0;
    const DuplicateFinder naive(keep);
    const Indexed n(naive, "d", train, {});
    QVERIFY(naive.find({&n.trainPrints}, {}, lookupIn({&n})).near.size() > 100);
}

void TestAuditDuplicates::lshFindsEveryPlantedPair()
{
    Words words(6);
    auto train = randomSplit(words, 600, 4, 80);
    for (int k = 0; k < 30; ++k)
        train[std::size_t(300 + k)] = oneWordChanged(train[std::size_t(k * 7)], 300 + k);
    const DuplicateFinder finder;
    const Indexed d(finder, "d", train, {});
    const auto r = finder.find({&d.trainPrints}, {}, lookupIn({&d}));
    QCOMPARE(r.near.size(), std::size_t(30));
    for (const auto &pair : r.near)
        QCOMPARE(pair.second.position - 300, pair.first.position / 7);
}

void TestAuditDuplicates::sourceTargetComparisonOnlyCountsCrossPairs()
{
    Words words(7);
    auto sourceTrain = randomSplit(words, 30, 2);
    auto sourceTest = randomSplit(words, 10, 2);
    sourceTest[2] = respaced(sourceTrain[1], 2); // inside the source: not a cross-distribution duplicate
    auto targetTest = randomSplit(words, 10, 2);
    targetTest[5] = respaced(sourceTrain[20], 5);
    const DuplicateFinder finder;
    const Indexed source(finder, "src", sourceTrain, sourceTest);
    const Indexed target(finder, "tgt", randomSplit(words, 20, 2), targetTest);
    const auto r = finder.find({&source.trainPrints, &source.testPrints}, {&target.trainPrints, &target.testPrints},
                               lookupIn({&source, &target}));
    QCOMPARE(r.exact.size(), std::size_t(1));
    QCOMPARE(r.exact[0].members, (std::vector<ExampleRef>{{"src", Split::Train, 20, -1}, {"tgt", Split::Test, 5, -1}}));
}

void TestAuditDuplicates::reportSeverities()
{
    DuplicateResult r;
    r.exact.push_back({{{"d", Split::Train, 1, -1}, {"d", Split::Test, 2, -1}}, false});
    const auto onTest = [](const ExampleRef &ref) { return ref.split == Split::Test; };
    const auto leak = DuplicateReport::findings(r, DuplicateReport::Comparison::TrainTest, "d", 100, onTest, 10);
    QCOMPARE(leak.size(), std::size_t(3));
    QCOMPARE(leak[0].check, std::string("duplicates.exact.train_test"));
    QCOMPARE(leak[0].key, std::string("duplicates.exact.train_test@d"));
    QCOMPARE(leak[0].severity, Severity::Problem);
    QCOMPARE(leak[0].figure, 1.0); // one test example leaks
    QCOMPARE(leak[0].figureText, std::string("1 (1.0%)"));
    QCOMPARE(leak[0].examples.size(), std::size_t(2));
    QCOMPARE(leak[1].severity, Severity::Info);
    const auto within = DuplicateReport::findings(r, DuplicateReport::Comparison::Train, "d", 100, {}, 10);
    QCOMPARE(within[0].severity, Severity::Warning);
    const auto none = DuplicateReport::findings({}, DuplicateReport::Comparison::Test, "d", 100, {}, 10);
    QCOMPARE(none[0].severity, Severity::Info);
    QCOMPARE(none[0].figure, 0.0);
}

QTEST_GUILESS_MAIN(TestAuditDuplicates)
#include "tst_auditduplicates.moc"
