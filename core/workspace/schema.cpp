#include "workspace/schema.h"

namespace shiftscope {

const std::vector<std::string_view> &workspaceMigrations()
{
    static const std::vector<std::string_view> migrations = {
        // 0 -> 1: data, catalogues and annotations.
        R"sql(
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE distributions (
    id                    INTEGER PRIMARY KEY,
    name                  TEXT NOT NULL UNIQUE,
    origin_path           TEXT NOT NULL,
    content_hash          TEXT NOT NULL,
    train_hash            TEXT NOT NULL,
    test_hash             TEXT NOT NULL,
    train_examples        INTEGER NOT NULL,
    test_examples         INTEGER NOT NULL,
    responses_per_example INTEGER NOT NULL,
    test_pairs            INTEGER NOT NULL,
    imported_at           TEXT NOT NULL
);
CREATE TABLE examples (
    id               INTEGER PRIMARY KEY,
    distribution_id  INTEGER NOT NULL REFERENCES distributions(id) ON DELETE CASCADE,
    split            TEXT NOT NULL CHECK (split IN ('train', 'test')),
    position         INTEGER NOT NULL,
    prompt           TEXT NOT NULL,
    response_count   INTEGER NOT NULL,
    preferred_position INTEGER NOT NULL,
    content_hash     TEXT NOT NULL,
    extra_json       TEXT,
    UNIQUE (distribution_id, split, position)
);
CREATE INDEX examples_by_hash ON examples(content_hash);
CREATE TABLE responses (
    id         INTEGER PRIMARY KEY,
    example_id INTEGER NOT NULL REFERENCES examples(id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    text       TEXT NOT NULL,
    label      INTEGER NOT NULL CHECK (label IN (0, 1)),
    UNIQUE (example_id, position)
);
CREATE TABLE catalogues (
    id      INTEGER PRIMARY KEY,
    name    TEXT NOT NULL UNIQUE,
    origin  TEXT NOT NULL,
    builtin INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE shifts (
    id               INTEGER PRIMARY KEY,
    catalogue_id     INTEGER NOT NULL REFERENCES catalogues(id) ON DELETE CASCADE,
    row              INTEGER NOT NULL,
    source           TEXT NOT NULL,
    target           TEXT NOT NULL,
    target_reference TEXT,
    category         TEXT NOT NULL DEFAULT '',
    grp              TEXT NOT NULL DEFAULT '',
    genies_rank      INTEGER NOT NULL DEFAULT 0,
    duplicate_of     INTEGER,
    UNIQUE (catalogue_id, row)
);
CREATE TABLE annotations (
    id                INTEGER PRIMARY KEY,
    distribution      TEXT NOT NULL,
    split             TEXT NOT NULL CHECK (split IN ('train', 'test')),
    example_hash      TEXT NOT NULL,
    subject           TEXT NOT NULL CHECK (subject IN ('example', 'pair', 'response')),
    response_position INTEGER,
    flag              TEXT NOT NULL,
    note              TEXT NOT NULL DEFAULT '',
    author            TEXT NOT NULL,
    created_at        TEXT NOT NULL
);
CREATE INDEX annotations_by_example ON annotations(distribution, example_hash);
)sql",
    };
    return migrations;
}

} // namespace shiftscope
