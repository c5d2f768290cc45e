#include "data/textpreview.h"
#include "data/worddiff.h"
#include "testsupport.h"
#include "util/sha256.h"
#include "util/utf8.h"

using namespace shiftscope;

class TestTextUtil : public QObject {
    Q_OBJECT
private slots:
    void sha256Vectors();
    void utf8Validation();
    void positions();
    void previewStripsAlpacaTemplate();
    void oneLineCutsOnCodePoints();
    void wordDiffRestoresBothSides();
    void wordDiffFindsChangedWord();
};

void TestTextUtil::sha256Vectors()
{
    QCOMPARE(Sha256::hex(""), std::string("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
    QCOMPARE(Sha256::hex("abc"), std::string("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    QCOMPARE(Sha256::hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
             std::string("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
    Sha256 incremental;
    const std::string million(1000000, 'a');
    for (std::size_t i = 0; i < million.size(); i += 777)
        incremental.update(std::string_view(million).substr(i, 777));
    QCOMPARE(incremental.hexDigest(), std::string("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));
}

void TestTextUtil::utf8Validation()
{
    QVERIFY(!firstInvalidUtf8("plain ascii"));
    QVERIFY(!firstInvalidUtf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
    QCOMPARE(firstInvalidUtf8("ab\xe9").value_or(99), std::size_t(2));
    QCOMPARE(firstInvalidUtf8("\xc0\xaf").value_or(99), std::size_t(0));      // overlong
    QCOMPARE(firstInvalidUtf8("x\xed\xa0\x80").value_or(99), std::size_t(1)); // surrogate
    QCOMPARE(firstInvalidUtf8("\xe2\x82").value_or(99), std::size_t(0));      // truncated
    QCOMPARE(codePointCount("caf\xc3\xa9"), std::size_t(4));
}

void TestTextUtil::positions()
{
    const auto p = positionOfOffset("ab\ncd\xc3\xa9x", 7);
    QCOMPARE(p.line, std::size_t(2));
    QCOMPARE(p.column, std::size_t(4));
}

void TestTextUtil::previewStripsAlpacaTemplate()
{
    const std::string prompt =
        "Below is an instruction that describes a task. Complete the request.\n\n### Instruction:\n"
        "Name a  season.\n\n### Response:\n";
    QCOMPARE(promptPreview(prompt), std::string("Name a season."));
    const std::string withInput = "Below is...\n\n### Instruction:\nTranslate\n\n### Input:\nhola\n\n### Response:\n";
    QCOMPARE(promptPreview(withInput), std::string("Translate — hola"));
    QCOMPARE(promptPreview("## User input: hi there\n\n## Your response:"), std::string("hi there"));
    QCOMPARE(promptPreview("no template at all"), std::string("no template at all"));
}

void TestTextUtil::oneLineCutsOnCodePoints()
{
    QCOMPARE(oneLine("a\n\n b", 10), std::string("a b"));
    QCOMPARE(oneLine("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 2), std::string("\xc3\xa9\xc3\xa9…"));
}

void TestTextUtil::wordDiffRestoresBothSides()
{
    const std::string a = "  The answer is 42.\nIt is  certain.";
    const std::string b = "The answer is 41.\nIt is certain, maybe.";
    std::string first, second;
    for (const auto &span : wordDiff(a, b)) {
        if (span.kind != DiffSpan::OnlySecond)
            first += span.text;
        if (span.kind != DiffSpan::OnlyFirst)
            second += span.text;
    }
    QCOMPARE(first, a);
    QCOMPARE(second, b);
}

void TestTextUtil::wordDiffFindsChangedWord()
{
    const auto spans = wordDiff("return a + b", "return a - b");
    QCOMPARE(spans.size(), std::size_t(4));
    QCOMPARE(spans[0].kind, DiffSpan::Same);
    QCOMPARE(spans[0].text, std::string("return a "));
    QCOMPARE(spans[1].kind, DiffSpan::OnlyFirst);
    QCOMPARE(spans[1].text, std::string("+ "));
    QCOMPARE(spans[2].kind, DiffSpan::OnlySecond);
    QCOMPARE(spans[2].text, std::string("- "));
    QCOMPARE(spans[3].text, std::string("b"));
    QCOMPARE(wordDiff("", "").size(), std::size_t(0));
}

QTEST_GUILESS_MAIN(TestTextUtil)
#include "tst_textutil.moc"
