#include "genies/distributionreader.h"
#include "testsupport.h"

using namespace shiftscope;

class TestDistributionReader : public QObject {
    Q_OBJECT
private slots:
    void rejectsBadInput_data();
    void rejectsBadInput();
    void reportsEveryProblemAtOnce();
    void keepsKeyOrderAndFloatLabels();
    void keepsUnknownFieldsAside();
    void emptyArrayIsValid();
    void distributionIdIgnoresTrailingSlash();
    void pairOrderFollowsFileAndKeyOrder();
};

void TestDistributionReader::rejectsBadInput_data()
{
    QTest::addColumn<QString>("json");
    QTest::addColumn<QString>("place");
    QTest::addColumn<QString>("message");

    QTest::newRow("malformed JSON") << "[\n {\"prompt\": \"a\",\n  \"responses\": {\"x\": 1 \"y\": 0}}]"
                                    << "line 3, column"
                                    << "malformed JSON";
    QTest::newRow("missing prompt") << R"([{"responses": {"a": 1, "b": 0}}])"
                                    << "example 0"
                                    << "missing \"prompt\"";
    QTest::newRow("prompt not string") << R"([{"prompt": 3, "responses": {"a": 1, "b": 0}}])"
                                       << "example 0"
                                       << "not a string";
    QTest::newRow("missing responses") << R"([{"prompt": "p"}])"
                                       << "example 0"
                                       << "missing \"responses\"";
    QTest::newRow("responses not object") << R"([{"prompt": "p", "responses": ["a", "b"]}])"
                                          << "example 0"
                                          << "not an object";
    QTest::newRow("no preferred") << R"([{"prompt": "p", "responses": {"a": 0, "b": 0}}])"
                                  << "example 0"
                                  << "no preferred response";
    QTest::newRow("two preferred") << R"([{"prompt": "p", "responses": {"a": 1, "b": 1, "c": 0}}])"
                                   << "example 0"
                                   << "2 preferred responses";
    QTest::newRow("no dispreferred") << R"([{"prompt": "p", "responses": {"a": 1}}])"
                                     << "example 0"
                                     << "no dispreferred response";
    QTest::newRow("label 2") << R"([{"prompt": "p", "responses": {"a": 1, "b": 2}}])"
                             << "example 0"
                             << "has label 2; labels must be 0 or 1";
    QTest::newRow("label string") << R"([{"prompt": "p", "responses": {"a": 1, "b": "0"}}])"
                                  << "example 0"
                                  << "labels must be 0 or 1";
    QTest::newRow("count differs")
        << R"([{"prompt": "p", "responses": {"a": 1, "b": 0}}, {"prompt": "q", "responses": {"a": 1, "b": 0, "c": 0}}])"
        << "example 1"
        << "3 responses, but example 0 has 2";
    QTest::newRow("not an array") << R"({"prompt": "p"})"
                                  << ""
                                  << "expected a JSON array";
    QTest::newRow("example not object") << R"([1])"
                                        << "example 0"
                                        << "expected an object";
    QTest::newRow("empty file") << ""
                                << ""
                                << "the file is empty";
    QTest::newRow("whitespace file") << "  \n"
                                     << ""
                                     << "the file is empty";
    QTest::newRow("non UTF-8") << QString() << "line 1, column 17"
                               << "not valid UTF-8";
}

void TestDistributionReader::rejectsBadInput()
{
    QFETCH(QString, json);
    QFETCH(QString, place);
    QFETCH(QString, message);
    std::string bytes = json.toStdString();
    if (QString(QTest::currentDataTag()) == QLatin1String("non UTF-8"))
        bytes = "[{\"prompt\": \"caf\xe9\"}]"; // a Latin-1 byte where UTF-8 is required
    std::vector<InputProblem> problems;
    DistributionReader::parseSplit(bytes, "dist/train.json", Split::Train, problems);
    QVERIFY2(!problems.empty(), "the bad input was accepted");
    const InputProblem &p = problems.front();
    QCOMPARE(QString::fromStdString(p.file), QStringLiteral("dist/train.json"));
    QVERIFY2(QString::fromStdString(p.place).startsWith(place), p.place.c_str());
    QVERIFY2(QString::fromStdString(p.message).contains(message), p.message.c_str());
    QVERIFY2(!p.fix.empty(), "every problem names a fix");
}

void TestDistributionReader::reportsEveryProblemAtOnce()
{
    std::vector<InputProblem> problems;
    DistributionReader::parseSplit(R"([{"prompt": "p", "responses": {"a": 1, "b": 0}},
        {"responses": {"a": 1, "b": 0}}, {"prompt": "q", "responses": {"a": 0, "b": 0}}])",
                                   "t.json", Split::Test, problems);
    QCOMPARE(problems.size(), std::size_t(2));
    QCOMPARE(QString::fromStdString(problems[0].place), QStringLiteral("example 1"));
    QCOMPARE(QString::fromStdString(problems[1].place), QStringLiteral("example 2"));
}

void TestDistributionReader::keepsKeyOrderAndFloatLabels()
{
    std::vector<InputProblem> problems;
    const auto split = DistributionReader::parseSplit(
        R"([{"prompt": "p", "responses": {"zeta": 0.0, "alpha": 1.0, "mid": 0}}])", "t.json", Split::Test, problems);
    QVERIFY(problems.empty());
    QCOMPARE(split.examples.size(), std::size_t(1));
    const auto &r = split.examples[0].responses;
    QCOMPARE(r[0].text, std::string("zeta"));
    QCOMPARE(r[1].text, std::string("alpha"));
    QCOMPARE(r[2].text, std::string("mid"));
    QCOMPARE(r[1].label, 1);
    QCOMPARE(r[0].label, 0);
    QCOMPARE(split.responsesPerExample, 3);
}

void TestDistributionReader::keepsUnknownFieldsAside()
{
    std::vector<InputProblem> problems;
    const auto split = DistributionReader::parseSplit(
        R"([{"instruction": "i", "prompt": "p", "responses": {"a": 1, "b": 0}, "prompt_format": {"x": 1}}])", "t.json",
        Split::Test, problems);
    QVERIFY(problems.empty());
    QCOMPARE(split.examples[0].extraJson, std::string(R"({"instruction":"i","prompt_format":{"x":1}})"));
}

void TestDistributionReader::emptyArrayIsValid()
{
    std::vector<InputProblem> problems;
    const auto split = DistributionReader::parseSplit("[]", "t.json", Split::Test, problems);
    QVERIFY(problems.empty());
    QVERIFY(split.examples.empty());
}

void TestDistributionReader::distributionIdIgnoresTrailingSlash()
{
    QCOMPARE(DistributionReader::distributionId("data/distributions/alpaca_easy/"), std::string("alpaca_easy"));
    QCOMPARE(DistributionReader::distributionId("alpaca_easy"), std::string("alpaca_easy"));
}

void TestDistributionReader::pairOrderFollowsFileAndKeyOrder()
{
    std::vector<InputProblem> problems;
    const auto split = DistributionReader::parseSplit(
        R"([{"prompt": "p", "responses": {"w1": 0, "best": 1, "w2": 0}}, {"prompt": "q", "responses": {"b": 1, "v": 0}}])",
        "t.json", Split::Test, problems);
    const auto pairs = pairsInOrder(split.examples);
    QCOMPARE(pairs.size(), std::size_t(3));
    QCOMPARE(pairs[0].examplePosition, 0);
    QCOMPARE(pairs[0].preferredIndex, 1);
    QCOMPARE(pairs[0].dispreferredIndex, 0);
    QCOMPARE(pairs[1].dispreferredIndex, 2);
    QCOMPARE(pairs[2].examplePosition, 1);
    QCOMPARE(split.examples[0].pairCount(), 2);
}

QTEST_GUILESS_MAIN(TestDistributionReader)
#include "tst_distributionreader.moc"
