#include "genies/distributionstore.h"

#include "util/sha256.h"

namespace shiftscope {

namespace fs = std::filesystem;

DistributionStore::DistributionStore(Workspace &workspace)
    : m_db(workspace.db()),
      m_find(workspace.db(), "SELECT id, train_hash, test_hash FROM distributions WHERE name = ?"),
      m_remove(workspace.db(), "DELETE FROM distributions WHERE id = ?"),
      m_insertDistribution(workspace.db(),
                           "INSERT INTO distributions(name, origin_path, content_hash, train_hash, test_hash,"
                           " train_examples, test_examples, responses_per_example, test_pairs, imported_at)"
                           " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
      m_insertExample(workspace.db(), "INSERT INTO examples(distribution_id, split, position, prompt, response_count,"
                                      " preferred_position, content_hash, extra_json) VALUES(?, ?, ?, ?, ?, ?, ?, ?)"),
      m_insertResponse(workspace.db(), "INSERT INTO responses(example_id, position, text, label) VALUES(?, ?, ?, ?)")
{
}

DistributionStore::Outcome DistributionStore::write(const std::string &name, const fs::path &origin,
                                                    const SplitFile &train, const SplitFile &test, Written &written)
{
    m_find.bind(1, name);
    std::optional<std::int64_t> existing;
    if (m_find.step()) {
        existing = m_find.int64(0);
        const bool same = m_find.text(1) == train.fileHash && m_find.text(2) == test.fileHash;
        m_find.reset();
        if (same)
            return Outcome::Unchanged;
        m_remove.bind(1, *existing).run();
    } else {
        m_find.reset();
    }
    int testPairs = 0;
    for (const auto &e : test.examples)
        testPairs += e.pairCount();
    const int perExample = test.examples.empty() ? train.responsesPerExample : test.responsesPerExample;
    m_insertDistribution.bind(1, name)
        .bind(2, origin.string())
        .bind(3, Sha256::hex(train.fileHash + test.fileHash))
        .bind(4, train.fileHash)
        .bind(5, test.fileHash)
        .bind(6, int(train.examples.size()))
        .bind(7, int(test.examples.size()))
        .bind(8, perExample)
        .bind(9, testPairs)
        .bind(10, utcNow())
        .run();
    const std::int64_t distributionId = m_db.lastInsertId();
    for (const SplitFile *split : {&train, &test})
        writeExamples(distributionId, *split, written);
    return existing ? Outcome::Updated : Outcome::Added;
}

void DistributionStore::writeExamples(std::int64_t distributionId, const SplitFile &split, Written &written)
{
    const std::string_view splitText = splitName(split.split);
    for (const auto &example : split.examples) {
        m_insertExample.bind(1, distributionId)
            .bind(2, splitText)
            .bind(3, example.position)
            .bind(4, example.prompt)
            .bind(5, int(example.responses.size()))
            .bind(6, example.preferredIndex())
            .bind(7, example.contentHash());
        if (example.extraJson.empty())
            m_insertExample.bindNull(8);
        else
            m_insertExample.bind(8, example.extraJson);
        m_insertExample.run();
        const std::int64_t exampleId = m_db.lastInsertId();
        for (std::size_t i = 0; i < example.responses.size(); ++i)
            m_insertResponse.bind(1, exampleId)
                .bind(2, int(i))
                .bind(3, example.responses[i].text)
                .bind(4, example.responses[i].label)
                .run();
        written.responses += std::int64_t(example.responses.size());
    }
    written.examples += std::int64_t(split.examples.size());
}

std::map<std::string, std::pair<std::string, std::string>> DistributionStore::fileHashes()
{
    std::map<std::string, std::pair<std::string, std::string>> hashes;
    Statement st(m_db, "SELECT name, train_hash, test_hash FROM distributions");
    while (st.step())
        hashes[st.text(0)] = {st.text(1), st.text(2)};
    return hashes;
}

} // namespace shiftscope
