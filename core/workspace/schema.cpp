#include "workspace/schema.h"

#include "workspace/auditschema.h"
#include "workspace/engineschema.h"
#include "workspace/runschema.h"

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
        // 1 -> 2: published (or imported) evaluation results.
        R"sql(
CREATE TABLE result_imports (
    id          INTEGER PRIMARY KEY,
    root        TEXT NOT NULL,
    imported_at TEXT NOT NULL
);
CREATE TABLE evaluations (
    id                   INTEGER PRIMARY KEY,
    import_id            INTEGER NOT NULL REFERENCES result_imports(id) ON DELETE CASCADE,
    path                 TEXT NOT NULL UNIQUE,
    intervention         TEXT NOT NULL,
    variant              TEXT NOT NULL DEFAULT '',
    model                TEXT NOT NULL,
    train_distribution   TEXT NOT NULL DEFAULT '',
    eval_distribution    TEXT NOT NULL,
    duplicate_of         INTEGER REFERENCES evaluations(id) ON DELETE SET NULL,
    model_dir            TEXT NOT NULL DEFAULT '',
    timestamp            TEXT NOT NULL DEFAULT '',
    short_form           INTEGER NOT NULL DEFAULT 0,
    stored_accuracy      REAL,
    stored_brier         REAL,
    stored_average       REAL,
    stored_rms           REAL,
    has_rms_key          INTEGER NOT NULL DEFAULT 0,
    stored_loss          REAL,
    probability_count    INTEGER NOT NULL DEFAULT 0,
    probabilities        BLOB,
    accuracy             REAL,
    brier                REAL,
    average_probability  REAL,
    rms                  REAL,
    corrected_calibration REAL,
    hard_probabilities   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX evaluations_by_key ON evaluations(model, intervention, train_distribution, eval_distribution);
CREATE INDEX evaluations_by_duplicate ON evaluations(duplicate_of);
CREATE TABLE evaluation_flags (
    id            INTEGER PRIMARY KEY,
    evaluation_id INTEGER NOT NULL REFERENCES evaluations(id) ON DELETE CASCADE,
    kind          TEXT NOT NULL,
    message       TEXT NOT NULL
);
CREATE INDEX evaluation_flags_by_evaluation ON evaluation_flags(evaluation_id);
CREATE TABLE published_metrics (
    id                 INTEGER PRIMARY KEY,
    import_id          INTEGER NOT NULL REFERENCES result_imports(id) ON DELETE CASCADE,
    model              TEXT NOT NULL,
    intervention       TEXT NOT NULL,
    file               TEXT NOT NULL,
    row                INTEGER NOT NULL,
    source             TEXT NOT NULL,
    target             TEXT NOT NULL,
    target_reference   TEXT NOT NULL,
    generalization_accuracy REAL,
    baseline_accuracy  REAL,
    baseline_intervention TEXT NOT NULL DEFAULT '',
    target_tuned_capability REAL,
    target_tuned_capability_intervention TEXT NOT NULL DEFAULT '',
    source_id_accuracy REAL,
    rms_calibration_error REAL,
    differential_elicitation REAL,
    UNIQUE (model, intervention, file, row)
);
CREATE TABLE target_capabilities (
    id                INTEGER PRIMARY KEY,
    import_id         INTEGER NOT NULL REFERENCES result_imports(id) ON DELETE CASCADE,
    model             TEXT NOT NULL,
    target            TEXT NOT NULL,
    target_reference  TEXT NOT NULL DEFAULT '',
    best_intervention TEXT NOT NULL,
    accuracy          REAL,
    UNIQUE (model, target)
);
)sql",
        // 2 -> 3: reviews of audit findings and blind relabel judgements.
        auditMigrationSql(),
        // 3 -> 4: runs, their units, per-pair predictions and metrics.
        runMigrationSql(),
        // 4 -> 5: pair scores computed by a model (shiftscope-cli score).
        engineMigrationSql(),
        // 5 -> 6: the process that executes each run.
        runOwnerMigrationSql(),
        // 6 -> 7: runs write their evaluations beside imported ones.
        runResultsMigrationSql(),
        // 7 -> 8: reward-model scores and preference-data imports.
        rewardMigrationSql(),
        // 8 -> 9: runs submitted to a Slurm cluster.
        runSubmissionMigrationSql(),
    };
    return migrations;
}

} // namespace shiftscope
