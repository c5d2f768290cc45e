#include "workspace/engineschema.h"

namespace shiftscope {

std::string_view engineMigrationSql()
{
    // One row per pair in GENIES all-pairs order. A model is known by its folder and the SHA-256 of its config and
    // weights, so a re-scored model replaces its rows and a changed one gets new ones.
    return R"sql(
CREATE TABLE IF NOT EXISTS scores (
    id                    INTEGER PRIMARY KEY,
    model_path            TEXT NOT NULL,
    model_hash            TEXT NOT NULL,
    distribution          TEXT NOT NULL,
    split                 TEXT NOT NULL CHECK (split IN ('train', 'test')),
    scoring               TEXT NOT NULL CHECK (scoring IN ('genies', 'mean')),
    pair_index            INTEGER NOT NULL,
    example_position      INTEGER NOT NULL,
    dispreferred_position INTEGER NOT NULL,
    probability           REAL NOT NULL,
    created_at            TEXT NOT NULL,
    UNIQUE (model_hash, distribution, split, scoring, pair_index)
);
CREATE INDEX IF NOT EXISTS scores_by_distribution ON scores(distribution, split);
)sql";
}

std::string_view rewardMigrationSql()
{
    // SQLite cannot change a CHECK constraint in place: the scores table is rebuilt with its rows.
    return R"sql(
CREATE TABLE scores_v8 (
    id                    INTEGER PRIMARY KEY,
    model_path            TEXT NOT NULL,
    model_hash            TEXT NOT NULL,
    distribution          TEXT NOT NULL,
    split                 TEXT NOT NULL CHECK (split IN ('train', 'test')),
    scoring               TEXT NOT NULL CHECK (scoring IN ('genies', 'mean', 'reward')),
    pair_index            INTEGER NOT NULL,
    example_position      INTEGER NOT NULL,
    dispreferred_position INTEGER NOT NULL,
    probability           REAL NOT NULL,
    created_at            TEXT NOT NULL,
    UNIQUE (model_hash, distribution, split, scoring, pair_index)
);
INSERT INTO scores_v8 SELECT * FROM scores;
DROP TABLE scores;
ALTER TABLE scores_v8 RENAME TO scores;
CREATE INDEX IF NOT EXISTS scores_by_distribution ON scores(distribution, split);
ALTER TABLE runs ADD COLUMN adapter_path TEXT NOT NULL DEFAULT '';
CREATE TABLE preference_imports (
    id            INTEGER PRIMARY KEY,
    distribution  TEXT NOT NULL UNIQUE,
    source_path   TEXT NOT NULL,
    source_sha256 TEXT NOT NULL,
    format        TEXT NOT NULL,
    subset        TEXT,
    test_fraction REAL NOT NULL,
    seed          INTEGER NOT NULL,
    train_pairs   INTEGER NOT NULL,
    test_pairs    INTEGER NOT NULL,
    imported_at   TEXT NOT NULL
);
)sql";
}

} // namespace shiftscope
