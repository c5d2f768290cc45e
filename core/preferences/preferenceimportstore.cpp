#include "preferences/preferenceimportstore.h"

namespace shiftscope {

void PreferenceImportStore::record(const PreferenceImportRecord &r)
{
    Statement insert(m_ws.db(), "INSERT OR REPLACE INTO preference_imports(distribution, source_path, source_sha256,"
                                " format, subset, test_fraction, seed, train_pairs, test_pairs, imported_at)"
                                " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    insert.bind(1, r.distribution);
    insert.bind(2, r.sourcePath);
    insert.bind(3, r.sourceSha256);
    insert.bind(4, r.format);
    if (r.subset.empty())
        insert.bindNull(5);
    else
        insert.bind(5, r.subset);
    insert.bind(6, r.testFraction);
    insert.bind(7, std::int64_t(r.seed));
    insert.bind(8, r.trainPairs);
    insert.bind(9, r.testPairs);
    insert.bind(10, r.importedAt.empty() ? utcNow() : r.importedAt);
    insert.run();
}

std::optional<PreferenceImportRecord> PreferenceImportStore::find(const std::string &distribution)
{
    Statement select(m_ws.db(), "SELECT source_path, source_sha256, format, subset, test_fraction, seed, train_pairs,"
                                " test_pairs, imported_at FROM preference_imports WHERE distribution = ?");
    select.bind(1, distribution);
    if (!select.step())
        return std::nullopt;
    PreferenceImportRecord r;
    r.distribution = distribution;
    r.sourcePath = select.text(0);
    r.sourceSha256 = select.text(1);
    r.format = select.text(2);
    r.subset = select.isNull(3) ? std::string() : select.text(3);
    r.testFraction = select.real(4);
    r.seed = std::uint64_t(select.int64(5));
    r.trainPairs = select.int64(6);
    r.testPairs = select.int64(7);
    r.importedAt = select.text(8);
    return r;
}

} // namespace shiftscope
