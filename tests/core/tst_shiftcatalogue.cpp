#include "genies/catalogueeditor.h"
#include "genies/shiftcatalogue.h"
#include "testsupport.h"
#include "util/errors.h"
#include "workspace/workspace.h"

#include <map>

using namespace shiftscope;
using namespace shiftscope::test;

class TestShiftCatalogue : public QObject {
    Q_OBJECT
private slots:
    void builtinHas56UniquePairs();
    void categoryCounts();
    void geniesPairsInPublishedOrder();
    void duplicatesPointToFirstRow();
    void targetReferences();
    void readsGeniesSpecFiles();
    void categoryFromFileName();
    void rejectsBadSpecs_data();
    void rejectsBadSpecs();
    void builtShiftsRoundTripAsSpecFiles();
};

void TestShiftCatalogue::builtinHas56UniquePairs()
{
    const auto &c = ShiftCatalogueReader::builtin();
    QCOMPARE(c.rows.size(), std::size_t(69));
    QCOMPARE(c.uniqueRows().size(), std::size_t(56));
    QCOMPARE(c.distributionIds().size(), std::size_t(61));
}

void TestShiftCatalogue::categoryCounts()
{
    std::map<std::string, int> counts;
    for (const auto &p : ShiftCatalogueReader::builtin().uniqueRows())
        counts[p.category]++;
    const std::map<std::string, int> expected = {
        {"context", 8}, {"difficulty", 6}, {"encoding", 4},      {"pretraining_similarity", 4},
        {"quality", 3}, {"skill", 12},     {"spurious_cues", 6}, {"unwanted_personas", 13}};
    QCOMPARE(counts, expected);
    for (const auto &p : ShiftCatalogueReader::builtin().rows) {
        const bool probing = p.category == "spurious_cues" || p.category == "unwanted_personas";
        QCOMPARE(p.group, std::string(probing ? "probing" : "extreme"));
    }
}

void TestShiftCatalogue::geniesPairsInPublishedOrder()
{
    std::vector<ShiftPair> genies;
    for (const auto &p : ShiftCatalogueReader::builtin().uniqueRows())
        if (p.isGenies())
            genies.push_back(p);
    QCOMPARE(genies.size(), std::size_t(15));
    std::sort(genies.begin(), genies.end(), [](auto &a, auto &b) { return a.geniesRank < b.geniesRank; });
    const std::vector<std::pair<std::string, std::string>> expected = {{"us_history_textbook", "us_history_fiction"},
                                                                       {"alpaca_mmlu", "spanish_output"},
                                                                       {"math", "change_my_view"},
                                                                       {"raven_matrices", "us_history"},
                                                                       {"code_easy", "code_hard"},
                                                                       {"alpaca_easy", "alpaca_hard"},
                                                                       {"alpaca_mmlu", "raven_matrices"},
                                                                       {"alpaca_mmlu", "ranking_logic"},
                                                                       {"alpaca_low_quality", "alpaca_high_quality"},
                                                                       {"alpaca_short", "alpaca_long"},
                                                                       {"alpaca_mmlu", "wrong_arc"},
                                                                       {"alpaca_mmlu", "truthful_qa"},
                                                                       {"alpaca_mmlu", "sycophancy_mimicry"},
                                                                       {"alpaca_mmlu", "survival_influence"},
                                                                       {"alpaca_mmlu", "reward_seeking"}};
    for (std::size_t i = 0; i < expected.size(); ++i) {
        QCOMPARE(genies[i].geniesRank, int(i + 1));
        QCOMPARE(genies[i].source, expected[i].first);
        QCOMPARE(genies[i].target, expected[i].second);
    }
}

void TestShiftCatalogue::duplicatesPointToFirstRow()
{
    const auto &rows = ShiftCatalogueReader::builtin().rows;
    for (int i = 0; i < 56; ++i)
        QVERIFY(!rows[std::size_t(i)].duplicateOf);
    for (int i = 56; i < 69; ++i) {
        const auto &row = rows[std::size_t(i)];
        QVERIFY(row.duplicateOf);
        const auto &first = rows[std::size_t(*row.duplicateOf)];
        QCOMPARE(first.source, row.source);
        QCOMPARE(first.target, row.target);
        QVERIFY(*row.duplicateOf >= 37 && *row.duplicateOf <= 49);
    }
    // The second copy swaps gender_bias and survival_influence.
    QCOMPARE(rows[58].target, std::string("gender_bias"));
    QCOMPARE(*rows[58].duplicateOf, 40);
}

void TestShiftCatalogue::targetReferences()
{
    std::map<std::string, std::string> refs;
    for (const auto &p : ShiftCatalogueReader::builtin().uniqueRows())
        if (!p.targetReference.empty())
            refs[p.target] = p.targetReference;
    const std::map<std::string, std::string> expected = {{"sycophancy_mimicry", "quote_attribution"},
                                                         {"sycophancy_answer", "arc_easy"},
                                                         {"sycophancy_feedback", "code_is_correct"},
                                                         {"sycophancy_are_you_sure", "arc_easy"},
                                                         {"alpaca_long", "alpaca_mmlu"}};
    QCOMPARE(refs, expected);
}

void TestShiftCatalogue::readsGeniesSpecFiles()
{
    SKIP_WITHOUT_SHARED();
    const auto dir = geniesFixtures() / "distribution_shifts";
    const auto all = ShiftCatalogueReader::readFile(dir / "all.json");
    QCOMPARE(all.rows.size(), std::size_t(69));
    QCOMPARE(all.uniqueRows().size(), std::size_t(56));
    const auto genies = ShiftCatalogueReader::readFile(dir / "GENIES.json");
    QCOMPARE(genies.rows.size(), std::size_t(15));
    QCOMPARE(genies.rows[9].category, std::string("spurious_cues"));
    QCOMPARE(genies.rows[9].group, std::string("extreme")); // as the file says, though the category is probing
    QCOMPARE(genies.rows[9].targetReference, std::string("alpaca_mmlu"));
    const auto probing = ShiftCatalogueReader::readFile(dir / "probing" / "all.json");
    QCOMPARE(probing.rows.size(), std::size_t(32));
    QCOMPARE(probing.uniqueRows().size(), std::size_t(19));
    const auto test = ShiftCatalogueReader::readFile(dir / "test.json");
    QCOMPARE(test.rows.size(), std::size_t(1));
    QCOMPARE(test.rows[0].category, std::string("context"));
}

void TestShiftCatalogue::categoryFromFileName()
{
    QTemporaryDir dir;
    const auto path = tempPath(dir, "probing/spurious_cues.json");
    writeText(path, R"([{"source": "mine_a", "target": "mine_b"}, {"source": "mine_a", "target": "mine_b"}])");
    const auto c = ShiftCatalogueReader::readFile(path);
    QCOMPARE(c.rows[0].category, std::string("spurious_cues"));
    QCOMPARE(c.rows[0].group, std::string("probing"));
    QCOMPARE(c.uniqueRows().size(), std::size_t(1));
    QCOMPARE(c.rows[1].duplicateOf.value_or(-1), 0);
}

void TestShiftCatalogue::rejectsBadSpecs_data()
{
    QTest::addColumn<QString>("json");
    QTest::addColumn<QString>("message");
    QTest::newRow("malformed") << "[{\"source\": }]"
                               << "malformed JSON";
    QTest::newRow("missing target") << R"([{"source": "a"}])"
                                    << "entry 0: missing \"target\"";
    QTest::newRow("not a list") << R"("a")"
                                << "expected a JSON array";
    QTest::newRow("source not string") << R"([{"source": 1, "target": "b"}])"
                                       << "\"source\" is not a string";
}

void TestShiftCatalogue::rejectsBadSpecs()
{
    QFETCH(QString, json);
    QFETCH(QString, message);
    try {
        ShiftCatalogueReader::parse(json.toStdString(), "spec.json");
        QFAIL("accepted");
    } catch (const InputError &e) {
        QVERIFY2(QString::fromUtf8(e.what()).contains(message), e.what());
        QVERIFY(QString::fromUtf8(e.what()).startsWith(QStringLiteral("spec.json")));
    }
}

void TestShiftCatalogue::builtShiftsRoundTripAsSpecFiles()
{
    QTemporaryDir tmp;
    for (const char *name : {"a", "b", "c"}) {
        writeText(tempPath(tmp, "data") / "distributions" / name / "train.json", validSplit(2));
        writeText(tempPath(tmp, "data") / "distributions" / name / "test.json", validSplit(2));
    }
    const std::string ws = tempPath(tmp, "ws.sqlite").string();
    QCOMPARE(runCommand({"--workspace", ws, "import-data", tempPath(tmp, "data").string()}).code, 0);
    QCOMPARE(runCommand({"--workspace", ws, "add-shift", "a:b", "--catalogue", "mine", "--category", "quality"}).code,
             0);
    QCOMPARE(runCommand({"--workspace", ws, "add-shift", "a:c", "--catalogue", "mine", "--reference", "b", "--group",
                         "probing"})
                 .code,
             0);
    const auto refused = [&](std::vector<std::string> args, const std::string &words) {
        const CommandOutput r = runCommand(args);
        return r.code == 2 && r.err.find(words) != std::string::npos;
    };
    QVERIFY(refused({"--workspace", ws, "add-shift", "a:b", "--catalogue", "mine"}, "lists it already"));
    QVERIFY(refused({"--workspace", ws, "add-shift", "a:b", "--catalogue", "GENIES"}, "cannot be changed"));
    QVERIFY(refused({"--workspace", ws, "add-shift", "a:zz", "--catalogue", "mine"}, "no distribution 'zz'"));
    QVERIFY(refused({"--workspace", ws, "add-shift", "a:a", "--catalogue", "mine"}, "the same distribution"));
    QVERIFY(refused({"--workspace", ws, "add-shift", "a", "--catalogue", "mine"}, "SOURCE:TARGET"));

    // Exported as a GENIES spec file, the catalogue reads back to the same rows.
    const std::string file = tempPath(tmp, "mine.json").string();
    QCOMPARE(runCommand({"--workspace", ws, "export-catalogue", "mine", "--out", file}).code, 0);
    const ShiftCatalogue read = ShiftCatalogueReader::readFile(file);
    Workspace workspace = Workspace::open(ws);
    const auto stored = workspace.shifts(workspace.catalogue("mine")->id, false);
    QCOMPARE(read.rows.size(), stored.size());
    for (std::size_t i = 0; i < stored.size(); ++i) {
        QCOMPARE(read.rows[i].source, stored[i].source);
        QCOMPARE(read.rows[i].target, stored[i].target);
        QCOMPARE(read.rows[i].targetReference, stored[i].targetReference);
        QCOMPARE(read.rows[i].category, stored[i].category);
        QCOMPARE(read.rows[i].group, stored[i].group);
    }
    QCOMPARE(stored[1].targetReference, std::string("b"));
    QCOMPARE(stored[1].group, std::string("probing"));
    // The built-in catalogue exports too, duplicates included, and reads back with its 69 rows.
    QCOMPARE(runCommand({"--workspace", ws, "export-catalogue", "GENIES", "--out", file}).code, 0);
    QCOMPARE(ShiftCatalogueReader::readFile(file).rows.size(), std::size_t(69));
    QVERIFY(refused({"--workspace", ws, "export-catalogue", "nope", "--out", file}, "no such catalogue"));
    // An output path that cannot be a file is refused by name, and nothing is replaced or created.
    const std::string folder = tempPath(tmp, "a-folder").string();
    std::filesystem::create_directory(folder);
    QVERIFY(refused({"--workspace", ws, "export-catalogue", "GENIES", "--out", folder}, "this is a folder"));
    QVERIFY(refused({"--workspace", ws, "export-catalogue", "GENIES", "--out", file + "/under-a-file.json"},
                    "the folder cannot be created"));
    QVERIFY(refused({"--workspace", ws, "export-catalogue", "GENIES", "--out", "/dev/null"}, "not a regular file"));
    QVERIFY(std::filesystem::is_character_file("/dev/null"));
    QVERIFY(refused({"--workspace", ws, "export-catalogue", "GENIES", "--out", ""}, "no file name"));
}

QTEST_GUILESS_MAIN(TestShiftCatalogue)
#include "tst_shiftcatalogue.moc"
