#include "workspace/auditschema.h"

namespace shiftscope {

std::string_view auditMigrationSql()
{
    // Both tables are keyed by content (finding keys, example hashes), never by row ids, so they survive
    // re-imports of the data.
    return R"sql(
CREATE TABLE IF NOT EXISTS finding_reviews (
    finding_key TEXT PRIMARY KEY,
    status      TEXT NOT NULL CHECK (status IN ('reviewed', 'dismissed')),
    note        TEXT NOT NULL DEFAULT '',
    figure_text TEXT NOT NULL DEFAULT '',
    author      TEXT NOT NULL,
    reviewed_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS relabel_judgements (
    id                INTEGER PRIMARY KEY,
    distribution      TEXT NOT NULL,
    split             TEXT NOT NULL CHECK (split IN ('train', 'test')),
    example_hash      TEXT NOT NULL,
    response_position INTEGER NOT NULL,
    annotator         TEXT NOT NULL,
    shown_order       TEXT NOT NULL CHECK (shown_order IN ('preferred_first', 'dispreferred_first')),
    choice            TEXT NOT NULL CHECK (choice IN ('preferred', 'dispreferred', 'skip')),
    created_at        TEXT NOT NULL,
    UNIQUE (distribution, split, example_hash, response_position, annotator)
);
CREATE INDEX IF NOT EXISTS relabel_by_annotator ON relabel_judgements(annotator);
)sql";
}

} // namespace shiftscope
