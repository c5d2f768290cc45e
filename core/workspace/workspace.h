#pragma once

#include "workspace/records.h"
#include "workspace/sqlite.h"

#include <filesystem>
#include <string>
#include <vector>

namespace shiftscope {

//! A ShiftScope workspace: one SQLite file (WAL, foreign keys on) holding distributions, examples, responses,
//! shift catalogues and annotations. Opening checks that the file is a workspace of a version this build knows
//! and migrates older ones; a foreign or newer file is refused without being touched.
class Workspace {
public:
    static constexpr int kSchemaVersion = 9;
    static constexpr std::int32_t kApplicationId = 0x53536370; // "SScp"

    //! Creates a new workspace; refuses to overwrite an existing file.
    static Workspace create(const std::filesystem::path &path);
    //! Opens an existing workspace; throws InputError when the file is missing, foreign or from a newer version.
    static Workspace open(const std::filesystem::path &path);
    static Workspace openOrCreate(const std::filesystem::path &path);

    Workspace(Workspace &&) noexcept = default;
    Workspace &operator=(Workspace &&) noexcept = default;

    Database &db() { return m_db; }
    const std::filesystem::path &path() const { return m_path; }
    int schemaVersion();
    //! Changes whenever another connection (another process, or another connection of this one) commits to the
    //! workspace: what a window polls to show results written elsewhere.
    std::int64_t dataVersion();

    // Distributions and examples
    std::vector<DistributionInfo> distributions();
    std::optional<DistributionInfo> distribution(const std::string &name);
    int countExamples(const ExampleQuery &query);
    //! The next page of examples after `afterPosition` (use -1 for the first page), ordered by position.
    std::vector<ExampleSummary> examplePage(const ExampleQuery &query, int afterPosition, int limit);
    //! The rows [offset, offset + limit) in the query's order (ties by position); for any order, where
    //! examplePage pages by position alone.
    std::vector<ExampleSummary> examplePageAt(const ExampleQuery &query, int offset, int limit);
    std::optional<ExampleRecord> example(std::int64_t exampleId);
    std::optional<ExampleRecord> exampleAt(const std::string &distribution, Split split, int position);
    std::vector<Example> examples(const std::string &distribution, Split split, int limit = -1);
    //! The first example (by position) of a split whose content hash is `hash`: annotations find their example
    //! by content, so they follow it across re-imports.
    std::optional<ExampleLocation> findExampleByHash(const std::string &distribution, Split split,
                                                     const std::string &hash);

    // Shift catalogues
    std::vector<CatalogueInfo> catalogues();
    std::optional<CatalogueInfo> catalogue(const std::string &name);
    std::int64_t builtinCatalogueId();
    //! Rows of a catalogue in file order; `uniqueOnly` drops rows that repeat an earlier pair.
    std::vector<ShiftPair> shifts(std::int64_t catalogueId, bool uniqueOnly = true);
    //! Stores (or replaces) a catalogue in one transaction and returns its id.
    std::int64_t saveCatalogue(const std::string &name, const std::string &origin, const std::vector<ShiftPair> &rows,
                               bool builtin);

    // Annotations
    std::int64_t addAnnotation(const Annotation &annotation);
    std::vector<Annotation> annotationsForExample(std::int64_t exampleId);
    std::vector<Annotation> annotations(const std::string &distribution = {});
    //! Whether this exact flag (every field, its time included) is stored already.
    bool hasAnnotation(const Annotation &annotation);

private:
    Workspace(Database db, std::filesystem::path path);
    void configure();
    void migrate();
    void installBuiltinCatalogue();

    Database m_db;
    std::filesystem::path m_path;
};

//! Current time as ISO 8601 UTC ("2026-11-28T12:00:00Z").
std::string utcNow();

} // namespace shiftscope
