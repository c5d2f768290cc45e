#include "workspace/runschema.h"

namespace shiftscope {

std::string_view runMigrationSql()
{
    return R"sql(
CREATE TABLE runs (
    id            INTEGER PRIMARY KEY,
    model_path    TEXT NOT NULL,
    model_hash    TEXT NOT NULL DEFAULT '',
    intervention  TEXT NOT NULL,
    shifts        TEXT NOT NULL,
    parameters    TEXT NOT NULL DEFAULT '{}',
    seed          INTEGER NOT NULL,
    data_hash     TEXT NOT NULL DEFAULT '',
    version       TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled', 'interrupted')),
    error         TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    started_at    TEXT,
    ended_at      TEXT
);
CREATE TABLE run_units (
    id                 INTEGER PRIMARY KEY,
    run_id             INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    position           INTEGER NOT NULL,
    intervention       TEXT NOT NULL,
    train_distribution TEXT NOT NULL DEFAULT '',
    evaluations        TEXT NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled', 'interrupted')),
    artifact           TEXT NOT NULL DEFAULT '',
    log                TEXT NOT NULL DEFAULT '',
    started_at         TEXT,
    ended_at           TEXT,
    UNIQUE (run_id, position)
);
CREATE TABLE run_predictions (
    unit_id           INTEGER NOT NULL REFERENCES run_units(id) ON DELETE CASCADE,
    eval_distribution TEXT NOT NULL,
    pair_index        INTEGER NOT NULL,
    probability       REAL NOT NULL,
    PRIMARY KEY (unit_id, eval_distribution, pair_index)
) WITHOUT ROWID;
CREATE TABLE run_metrics (
    unit_id             INTEGER NOT NULL REFERENCES run_units(id) ON DELETE CASCADE,
    eval_distribution   TEXT NOT NULL,
    pairs               INTEGER NOT NULL,
    accuracy            REAL,
    brier               REAL,
    average_probability REAL,
    rms                 REAL,
    corrected_calibration REAL,
    PRIMARY KEY (unit_id, eval_distribution)
);
)sql";
}

std::string_view runOwnerMigrationSql()
{
    // The process executing a run, so that another process sharing the workspace can tell a live run from one
    // whose process died (reference: RunOwner).
    return R"sql(
ALTER TABLE runs ADD COLUMN owner_host TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN owner_pid INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN owner_start INTEGER NOT NULL DEFAULT 0;
)sql";
}

} // namespace shiftscope
