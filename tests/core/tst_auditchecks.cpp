#include "audit/lengthbias.h"
#include "audit/shortcutdetector.h"
#include "audit/structurechecks.h"
#include "audit/templatecheck.h"
#include "audit/textfeatures.h"
#include "craftedexamples.h"
#include "testsupport.h"

#include <algorithm>

using namespace shiftscope;
using namespace shiftscope::test;

namespace {

//! Random pairs with `marker` added to every preferred (or dispreferred) response.
std::vector<Example> marked(Words &words, int count, const std::string &marker, bool inPreferred)
{
    auto examples = randomSplit(words, count, 2);
    for (auto &e : examples)
        for (auto &r : e.responses)
            if ((r.label == 1) == inPreferred)
                r.text = words(4) + " " + marker + " " + r.text;
    return examples;
}

const Finding &findingOf(const std::vector<Finding> &findings, const std::string &check)
{
    static const Finding none;
    auto it = std::find_if(findings.begin(), findings.end(), [&](const Finding &f) { return f.check == check; });
    return it == findings.end() ? none : *it;
}

} // namespace

class TestAuditChecks : public QObject {
    Q_OBJECT
private slots:
    void textFeatures();
    void encodingDamage_data();
    void encodingDamage();
    void lengthBiasedSetReportsItsBias();
    void lengthBiasFlipAcrossShift();
    void plantedMarkerIsTopCue();
    void dispreferredBugCommentIsTopCue();
    void shortcutDetectorIsDeterministicAndChanceOnNoise();
    void structureFindsIdenticalEmptyAndBrokenTexts();
    void preferredPositionAndExtremeLength();
    void contextLimitUsesTheTokenCounter();
    void promptTemplateConsistency();
};

void TestAuditChecks::textFeatures()
{
    QCOMPARE(normalizeWhitespace("  a \t b\n\nc  "), std::string("a b c"));
    QCOMPARE(visibleLength(" a\tb \n c "), std::size_t(3));
    const std::string spaced = "  one two\tthree\n\nfour five six seven eight nine ten\r\n caf\xc3\xa9 ";
    QCOMPARE(visibleLength(spaced), normalizeWhitespace(spaced).size() - 10); // less the 10 single spaces left
    QVERIFY(isBlank(" \n\t"));
    QVERIFY(isBlank(""));
    QVERIFY(!isBlank(" x "));
    std::vector<Token> tokens;
    tokenize("# Bug: x_1 café", tokens);
    QCOMPARE(tokens.size(), std::size_t(5)); // "#", "Bug", ":", "x_1", "café"
    std::vector<Token> lower;
    tokenize("# bug: X_1 CAFé", lower);
    QCOMPARE(tokens[1].hash, lower[1].hash);
    QCOMPARE(tokens[3].hash, lower[3].hash);
    QCOMPARE(tokens[4].offset, std::uint32_t(11));
    QCOMPARE(tokens[4].length, std::uint32_t(5));
}

void TestAuditChecks::encodingDamage_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("offset");
    QTest::newRow("clean accents") << QString::fromUtf8("café, naïve, Ökonomie, 東京") << -1;
    QTest::newRow("latin-1 mojibake") << QString::fromUtf8("caf\xc3\x83\xc2\xa9 au lait") << 3;
    QTest::newRow("cp1252 quote") << QString::fromUtf8("it\xc3\xa2\xe2\x82\xac\xe2\x84\xa2s") << 2;
    QTest::newRow("replacement char") << QString::fromUtf8("ab\xef\xbf\xbd") << 2;
    QTest::newRow("control char") << QString::fromUtf8("a\x01") << 1;
    QTest::newRow("tab and newline") << QString::fromUtf8("a\tb\r\nc") << -1;
}

void TestAuditChecks::encodingDamage()
{
    QFETCH(QString, text);
    QFETCH(int, offset);
    const auto found = findEncodingDamage(text.toStdString());
    QCOMPARE(found ? int(*found) : -1, offset);
}

void TestAuditChecks::lengthBiasedSetReportsItsBias()
{
    Words words(11);
    const auto biased = LengthBias::measure(lengthBiased(words, 200, 0.9));
    QCOMPARE(biased.pairs, 200);
    QCOMPARE(biased.preferredLonger, 180);
    QCOMPARE(biased.longerShare(), 0.9);
    const Finding f = LengthBias::finding(biased, "d", Split::Test, 10);
    QCOMPARE(f.check, std::string("length_bias.test"));
    QCOMPARE(f.severity, Severity::Problem);
    QCOMPARE(f.figureText, std::string("90%"));
    QCOMPARE(f.exampleCount, 180);
    QCOMPARE(f.examples.size(), std::size_t(10));
    QCOMPARE(f.examples[0].response, 1);

    const auto balanced = LengthBias::measure(lengthBiased(words, 200, 0.5));
    QCOMPARE(LengthBias::finding(balanced, "d", Split::Train, 10).severity, Severity::Info);
    // Eight of ten is a strong lean, but ten pairs cannot tell it from chance.
    const auto small = LengthBias::measure(lengthBiased(words, 10, 0.8));
    QCOMPARE(LengthBias::finding(small, "d", Split::Train, 10).severity, Severity::Info);
}

void TestAuditChecks::lengthBiasFlipAcrossShift()
{
    Words words(12);
    const auto source = LengthBias::measure(lengthBiased(words, 300, 0.95));
    const auto target = LengthBias::measure(lengthBiased(words, 100, 0.05));
    ShiftPair shift;
    shift.source = "long_cue";
    shift.target = "long_cue_flipped";
    Finding f = LengthBias::flipFinding(source, target, shift, 20);
    QCOMPARE(f.key, std::string("length_bias.flip@long_cue->long_cue_flipped"));
    QCOMPARE(f.severity, Severity::Problem);
    QCOMPARE(f.figureText, std::string("longer wins 95% -> 5.0%"));
    QCOMPARE(f.examples.size(), std::size_t(20));
    QCOMPARE(f.examples.front().distribution, std::string("long_cue"));
    QCOMPARE(f.examples.back().distribution, std::string("long_cue_flipped"));
    shift.category = "spurious_cues";
    f = LengthBias::flipFinding(source, target, shift, 20);
    QCOMPARE(f.severity, Severity::Warning);
    QVERIFY(f.explanation.find("spurious-cue shift") != std::string::npos);
    QCOMPARE(LengthBias::flipFinding(source, source, shift, 20).severity, Severity::Info);
}

void TestAuditChecks::plantedMarkerIsTopCue()
{
    Words words(13);
    const auto train = marked(words, 300, "Zorbix", true);
    const auto test = marked(words, 100, "Zorbix", true);
    const auto r = ShortcutDetector().run("d", train, test);
    QCOMPARE(r.trainPairs, 300);
    QCOMPARE(r.testPairs, 100);
    QVERIFY2(r.testAccuracy >= 0.99, std::to_string(r.testAccuracy).c_str());
    QVERIFY(!r.preferredCues.empty());
    QCOMPARE(r.preferredCues.front().text, std::string("zorbix"));
    QCOMPARE(r.preferredCues.front().with, 400);
    QCOMPARE(r.preferredCues.front().against, 0);
    const auto findings = ShortcutDetector::findings(r, "d", 5);
    const Finding &cue = findingOf(findings, "shortcut.cue.preferred");
    QCOMPARE(cue.key, std::string("shortcut.cue.preferred@d:zorbix"));
    QCOMPARE(cue.severity, Severity::Problem);
    QCOMPARE(cue.exampleCount, 400);
    QCOMPARE(cue.examples.front(), (ExampleRef{"d", Split::Train, 0, train[0].responses[0].label == 0 ? 0 : 1}));
    QCOMPARE(findingOf(findings, "shortcut.accuracy").severity, Severity::Warning);
}

void TestAuditChecks::dispreferredBugCommentIsTopCue()
{
    Words words(14);
    auto train = marked(words, 200, "# Bug: off by one", false);
    auto test = marked(words, 80, "# Bug: off by one", false);
    const auto r = ShortcutDetector().run("code", train, test);
    QVERIFY(!r.dispreferredCues.empty());
    // Every word of the comment marks the dispreferred response equally well; the top cue is one of them.
    const std::string top = r.dispreferredCues.front().text;
    for (const auto &token : QString::fromStdString(top).split(' '))
        QVERIFY2(QStringList({"#", "bug", ":", "off", "by", "one"}).contains(token), top.c_str());
    QCOMPARE(r.dispreferredCues.front().with, 280);
    QVERIFY(r.testAccuracy >= 0.99);
}

void TestAuditChecks::shortcutDetectorIsDeterministicAndChanceOnNoise()
{
    Words words(15);
    const auto train = randomSplit(words, 300, 3);
    const auto test = randomSplit(words, 150, 3);
    const auto a = ShortcutDetector().run("d", train, test);
    const auto b = ShortcutDetector().run("d", train, test);
    QCOMPARE(a.testAccuracy, b.testAccuracy);
    QCOMPARE(a.preferredCues.size(), b.preferredCues.size());
    for (std::size_t i = 0; i < a.preferredCues.size(); ++i)
        QCOMPARE(a.preferredCues[i].text, b.preferredCues[i].text);
    QVERIFY2(a.testAccuracy > 0.35 && a.testAccuracy < 0.65, std::to_string(a.testAccuracy).c_str());
    const auto findings = ShortcutDetector::findings(a, "d", 5);
    QCOMPARE(findingOf(findings, "shortcut.accuracy").severity, Severity::Info);
    for (const auto &f : findings)
        QVERIFY2(f.severity != Severity::Problem, f.title.c_str());
}

void TestAuditChecks::structureFindsIdenticalEmptyAndBrokenTexts()
{
    Words words(16);
    auto train = randomSplit(words, 20, 3);
    train[3].responses[2].text = "  " + train[3].responses[0].text + "\n";
    train[5].responses[1].text = " \n ";
    auto test = randomSplit(words, 10, 3);
    test[2].responses[1].text = "caf\xc3\x83\xc2\xa9 " + test[2].responses[1].text;
    test[4].prompt = "";
    const auto findings = StructureChecks().run("d", train, test, 10);
    const Finding &identical = findingOf(findings, "structure.identical_responses");
    QCOMPARE(identical.severity, Severity::Problem);
    QCOMPARE(identical.examples, (std::vector<ExampleRef>{{"d", Split::Train, 3, 2}}));
    const Finding &empty = findingOf(findings, "structure.empty_text");
    QCOMPARE(empty.examples, (std::vector<ExampleRef>{{"d", Split::Train, 5, 1}, {"d", Split::Test, 4, -1}}));
    const Finding &encoding = findingOf(findings, "structure.encoding");
    QCOMPARE(encoding.severity, Severity::Warning);
    QCOMPARE(encoding.examples, (std::vector<ExampleRef>{{"d", Split::Test, 2, 1}}));
    QVERIFY(encoding.explanation.find("caf\xc3\x83\xc2\xa9") != std::string::npos);
    QCOMPARE(findingOf(findings, "structure.context_length").check, std::string()); // no model chosen
}

void TestAuditChecks::preferredPositionAndExtremeLength()
{
    Words words(17);
    auto train = randomSplit(words, 100, 2);
    for (auto &e : train) {
        e.responses[0].label = 1;
        e.responses[1].label = 0;
    }
    train[7].responses[1].text = words(2000);
    const auto findings = StructureChecks().run("d", train, {}, 10);
    const Finding &position = findingOf(findings, "structure.preferred_position");
    QCOMPARE(position.figure, 1.0);
    QCOMPARE(position.severity, Severity::Warning); // capped: reward models score responses one at a time
    const Finding &extreme = findingOf(findings, "structure.extreme_length");
    QCOMPARE(extreme.examples, (std::vector<ExampleRef>{{"d", Split::Train, 7, 1}}));
}

void TestAuditChecks::contextLimitUsesTheTokenCounter()
{
    Words words(18);
    auto test = randomSplit(words, 10, 2, 20);
    test[6].responses[0].text = words(500);
    StructureOptions options;
    options.context = ContextLimit{
        "tiny-model", 200, [](std::string_view text) { return int(std::count(text.begin(), text.end(), ' ')) + 1; }};
    const auto findings = StructureChecks(options).run("d", {}, test, 10);
    const Finding &context = findingOf(findings, "structure.context_length");
    QCOMPARE(context.examples, (std::vector<ExampleRef>{{"d", Split::Test, 6, 0}}));
    QCOMPARE(context.figure, 1.0);
    QCOMPARE(context.severity, Severity::Problem); // 1 of 10 examples would be dropped
    QVERIFY(context.title.find("tiny-model") != std::string::npos);
}

void TestAuditChecks::promptTemplateConsistency()
{
    QCOMPARE(TemplateCheck::promptEnding("Intro\n\n### Response:\n"), std::string("### Response:\\n"));
    QCOMPARE(TemplateCheck::promptEnding("a very long final line that goes on and on and on"),
             std::string("...ine that goes on and on and on"));
    QCOMPARE(TemplateCheck::sectionMarkers("### Instruction:\nx\n## User input:\ny\nHuman: hi\n# comment\n"),
             (std::vector<std::string>{"### Instruction:", "## User input:", "Human:"}));

    Words words(19);
    auto train = randomSplit(words, 60, 2);
    auto test = randomSplit(words, 40, 2);
    test[9].prompt.replace(test[9].prompt.find("### Response:"), 13, "### Responce:");
    train[2].prompt += " ";
    const auto findings = TemplateCheck::run("d", train, test, 10);
    const Finding &ending = findingOf(findings, "structure.prompt_ending");
    QCOMPARE(ending.severity, Severity::Warning);
    QCOMPARE(ending.examples, (std::vector<ExampleRef>{{"d", Split::Train, 2, -1}, {"d", Split::Test, 9, -1}}));
    const Finding &markers = findingOf(findings, "structure.section_markers");
    QCOMPARE(markers.examples, (std::vector<ExampleRef>{{"d", Split::Test, 9, -1}}));

    // Prompts without a template: nothing to break.
    std::vector<Example> free;
    for (int i = 0; i < 30; ++i)
        free.push_back(makeExample(i, words(20) + "?", {words(5), words(5)}, 0));
    for (const auto &f : TemplateCheck::run("d", free, {}, 10))
        QCOMPARE(f.severity, Severity::Info);

    // A template that changes between train and test.
    auto chat = randomSplit(words, 40, 2);
    for (auto &e : chat)
        e.prompt = "## User input:\n" + words(10) + "\n\n## Your response:\n";
    const auto changed = TemplateCheck::run("d", train, chat, 10);
    QCOMPARE(findingOf(changed, "structure.section_markers").severity, Severity::Warning);
    const std::string &explanation = findingOf(changed, "structure.section_markers").explanation;
    QVERIFY(explanation.find("changes between splits") != std::string::npos);
}

QTEST_GUILESS_MAIN(TestAuditChecks)
#include "tst_auditchecks.moc"
