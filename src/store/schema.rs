//! The schema and its forward-only migrations.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

use super::StoreError;

/// Migration `i` brings the schema from version `i` to `i + 1`. Append only:
/// never edit a migration that has shipped.
const MIGRATIONS: &[&str] = &[
    // 1: alert states. The state's own instant (acknowledged/resolved at,
    // snoozed until) is split into seconds and nanoseconds so it compares in
    // SQL and round-trips exactly.
    "CREATE TABLE alert_states (
        alert_id     TEXT PRIMARY KEY NOT NULL,
        state        TEXT NOT NULL CHECK (state IN ('firing', 'acknowledged', 'snoozed', 'resolved')),
        state_at_s   INTEGER,
        state_at_ns  INTEGER,
        changed_at_s  INTEGER NOT NULL,
        changed_at_ns INTEGER NOT NULL,
        changed_by   TEXT NOT NULL
    ) STRICT;
    CREATE INDEX alert_states_resolved ON alert_states (state, state_at_s) WHERE state = 'resolved';",
    // 2: failed actions kept for a person to retry or discard. The request
    // and the error are JSON (the types evolve; an old row that no longer
    // decodes is skipped, not fatal). AUTOINCREMENT: an id shown to people as
    // #N is never reused for another action after it is removed.
    "CREATE TABLE failed_actions (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        source      TEXT NOT NULL,
        planned     TEXT NOT NULL,
        error       TEXT NOT NULL,
        failed_at_s  INTEGER NOT NULL,
        failed_at_ns INTEGER NOT NULL,
        failed_by   TEXT NOT NULL
    ) STRICT;",
    // 3: the poll history, one row per finished poll of a source, for
    // uptime over a period. The status is its label (OK, DOWN, ...) without
    // a CHECK, so a status added later needs no migration; readers skip
    // what they do not know. Pruned by time, hence the index on time; the
    // report reads one source's range at a time, oldest first, hence the
    // index on source and time (no sort, memory bounded whatever the size).
    "CREATE TABLE poll_samples (
        id          INTEGER PRIMARY KEY,
        source      TEXT NOT NULL,
        at_s        INTEGER NOT NULL,
        at_ns       INTEGER NOT NULL,
        status      TEXT NOT NULL,
        latency_ms  INTEGER NOT NULL,
        summary     TEXT NOT NULL
    ) STRICT;
    CREATE INDEX poll_samples_at ON poll_samples (at_s, at_ns);
    CREATE INDEX poll_samples_source_at ON poll_samples (source, at_s, at_ns);",
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the database up to [`SCHEMA_VERSION`], refusing one from a newer build.
/// The write lock is taken first, so two processes opening a fresh file at
/// once do not both migrate it.
pub(super) fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let err = |what| move |e| StoreError::sqlite(path, what, e);
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(err("starting the schema migration"))?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_version (
            id      INTEGER PRIMARY KEY CHECK (id = 1),
            version INTEGER NOT NULL
        );",
    )
    .map_err(err("creating the schema version table"))?;
    let found: i64 = tx
        .query_row("SELECT version FROM schema_version WHERE id = 1", [], |row| row.get(0))
        .optional()
        .map_err(err("reading the schema version"))?
        .unwrap_or(0);
    if found > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            path: path.to_owned(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(usize::try_from(found).unwrap_or(0)) {
        tracing::info!(db = %path.display(), version = index + 1, "migrating the state database");
        tx.execute_batch(sql).map_err(err("applying a schema migration"))?;
    }
    if found < SCHEMA_VERSION {
        tx.execute(
            "INSERT INTO schema_version (id, version) VALUES (1, ?1)
             ON CONFLICT (id) DO UPDATE SET version = excluded.version",
            [SCHEMA_VERSION],
        )
        .map_err(err("recording the schema version"))?;
    }
    tx.commit().map_err(err("committing the schema migration"))
}
