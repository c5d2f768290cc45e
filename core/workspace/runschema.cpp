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

std::string_view runResultsMigrationSql()
{
    // Runs write their evaluations into the same table as imported results files. The source of an evaluation is
    // a result_imports row: a results tree (root) or a run (run_id), so deleting a run deletes its evaluations.
    // unit_id names the unit that produced a run's evaluation; role is 'baseline' for a run's zero-shot baseline
    // unit (the toolbar lists only what the run is of); expected_pairs is how many pairs a run's evaluation will
    // hold when finished (probability_count < expected_pairs while it runs). A run's label is the name its
    // evaluations are listed under (empty: "<intervention> · run <id>").
    return R"sql(
ALTER TABLE runs ADD COLUMN label TEXT NOT NULL DEFAULT '';
ALTER TABLE result_imports ADD COLUMN run_id INTEGER REFERENCES runs(id) ON DELETE CASCADE;
CREATE UNIQUE INDEX result_imports_by_run ON result_imports(run_id) WHERE run_id IS NOT NULL;
ALTER TABLE evaluations ADD COLUMN unit_id INTEGER REFERENCES run_units(id) ON DELETE CASCADE;
ALTER TABLE evaluations ADD COLUMN role TEXT NOT NULL DEFAULT '';
ALTER TABLE evaluations ADD COLUMN expected_pairs INTEGER NOT NULL DEFAULT 0;
CREATE INDEX evaluations_by_unit ON evaluations(unit_id) WHERE unit_id IS NOT NULL;
)sql";
}

std::string_view runSubmissionMigrationSql()
{
    // A run executed by a Slurm cluster: the plan folder on the shared filesystem its tasks read and write their
    // shards into (plan_id names the plan, so a shard of another plan is refused), the options it was submitted
    // with (JSON: partition, gpus_per_task, max_parallel, time, sbatch_args, device, program) and every submission
    // (JSON array: array job, collect job, units, time), a resume adding one.
    return R"sql(
CREATE TABLE run_submissions (
    run_id       INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
    plan_dir     TEXT NOT NULL,
    plan_id      TEXT NOT NULL,
    options      TEXT NOT NULL DEFAULT '{}',
    jobs         TEXT NOT NULL DEFAULT '[]',
    submitted_at TEXT NOT NULL
);
)sql";
}

} // namespace shiftscope
