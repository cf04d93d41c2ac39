//! The embedded backend: one SQLite file in WAL mode behind a mutex.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use jiff::Timestamp;
use rusqlite::{Connection, OpenFlags, Row, params};

use super::{
    PollSample, StateStore, StoreError, StoredAlertState, StoredFailure, current_user, failed, history, schema,
};
use crate::actions::{ActionError, PlannedAction};
use crate::model::{AlertId, AlertState};

/// The database file name inside the data folder.
pub const DB_FILE_NAME: &str = "mops.db";

/// Another process holding the write lock (a second cockpit, `mops check`
/// from cron) is waited for this long before a call fails.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// `<XDG data dir>/mops/mops.db`, e.g. `~/.local/share/mops/mops.db`.
pub fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "mops").map(|dirs| dirs.data_dir().join(DB_FILE_NAME))
}

/// The SQLite [`StateStore`]. Cheap to share behind an `Arc`; several
/// handles (in one process or many) may open the same file.
#[derive(Debug)]
pub struct Store {
    conn: Mutex<Connection>,
    /// Shown in errors; ":memory:" for an in-memory store.
    path: PathBuf,
    /// Recorded as `changed_by`.
    user: String,
    /// The sample time of the last poll-history prune by this handle.
    pruned_at: Mutex<Option<Timestamp>>,
}

impl Store {
    /// Opens (creating if needed) the database at `path`: the folder is
    /// created 0700 and the file 0600, since alert states name customers'
    /// records. Migrates an older schema; refuses a newer one.
    pub fn open(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        let path = path.as_ref();
        prepare_file(path)?;
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI,
        )
        .map_err(|e| StoreError::sqlite(path, "opening", e))?;
        Store::init(conn, path.to_owned(), true)
    }

    /// Opens the database at [`default_path`].
    pub fn open_default() -> Result<Store, StoreError> {
        Store::open(default_path().ok_or(StoreError::NoDataDir)?)
    }

    /// A private, empty store that vanishes with the handle: for tests and
    /// `mops demo`, which must not touch the user's real states.
    pub fn open_in_memory() -> Result<Store, StoreError> {
        let path = PathBuf::from(":memory:");
        let conn = Connection::open_in_memory().map_err(|e| StoreError::sqlite(&path, "opening", e))?;
        Store::init(conn, path, false)
    }

    /// Records `user` as who changes states from this handle, instead of the OS user.
    pub fn with_user(mut self, user: impl Into<String>) -> Store {
        self.user = user.into();
        self
    }

    /// The database file (":memory:" for an in-memory store).
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn init(mut conn: Connection, path: PathBuf, wal: bool) -> Result<Store, StoreError> {
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| StoreError::sqlite(&path, "setting the busy timeout", e))?;
        if wal {
            // Readers never block the writer and vice versa; this is also the
            // first read of the file, so a non-database fails here.
            let mode = switch_to_wal(&conn).map_err(|e| StoreError::sqlite(&path, "switching to WAL mode", e))?;
            if !mode.eq_ignore_ascii_case("wal") {
                tracing::warn!(db = %path.display(), %mode, "the state database could not use WAL mode");
            }
            conn.pragma_update(None, "synchronous", "NORMAL")
                .map_err(|e| StoreError::sqlite(&path, "setting synchronous mode", e))?;
        }
        schema::migrate(&mut conn, &path)?;
        Ok(Store {
            conn: Mutex::new(conn),
            path,
            user: current_user(),
            pruned_at: Mutex::new(None),
        })
    }

    pub(super) fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a half-done write:
        // every write is one statement or a transaction SQLite rolls back.
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn err(&self, what: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError + '_ {
        move |e| StoreError::sqlite(&self.path, what, e)
    }
}

/// Switches the file to WAL mode. SQLite answers BUSY here without waiting
/// on the busy handler while another handle holds a lock (a second mops
/// opening the same fresh file and migrating it): try again until the busy
/// timeout, as any other statement would wait.
fn switch_to_wal(conn: &Connection) -> rusqlite::Result<String> {
    let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
    loop {
        match conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0)) {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(10));
            }
            result => return result,
        }
    }
}

/// Creates the parent folders (0700) and the file (0600) before SQLite
/// opens it, so it is never briefly readable by others.
fn prepare_file(path: &Path) -> Result<(), StoreError> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(parent).map_err(|source| StoreError::CreateDir {
            path: parent.to_owned(),
            source,
        })?;
    }
    let mut options = fs::OpenOptions::new();
    options.read(true).write(true).create(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map_err(|source| StoreError::CreateFile {
        path: path.to_owned(),
        source,
    })?;
    Ok(())
}

/// The columns an [`AlertState`] is stored as: its tag and its instant.
fn encode(state: &AlertState) -> (&'static str, Option<Timestamp>) {
    match *state {
        AlertState::Firing => ("firing", None),
        AlertState::Acknowledged { at } => ("acknowledged", Some(at)),
        AlertState::Snoozed { until } => ("snoozed", Some(until)),
        AlertState::Resolved { at } => ("resolved", Some(at)),
    }
}

fn decode(tag: &str, at: Option<Timestamp>) -> Result<AlertState, String> {
    let need = |at: Option<Timestamp>| at.ok_or_else(|| format!("state {tag:?} without its time"));
    Ok(match tag {
        "firing" => AlertState::Firing,
        "acknowledged" => AlertState::Acknowledged { at: need(at)? },
        "snoozed" => AlertState::Snoozed { until: need(at)? },
        "resolved" => AlertState::Resolved { at: need(at)? },
        other => return Err(format!("unknown state {other:?}")),
    })
}

fn timestamp(seconds: Option<i64>, nanos: Option<i32>) -> Result<Option<Timestamp>, String> {
    match (seconds, nanos) {
        (Some(s), n) => Timestamp::new(s, n.unwrap_or(0))
            .map(Some)
            .map_err(|e| format!("bad time: {e}")),
        (None, _) => Ok(None),
    }
}

struct RawRow {
    id: String,
    tag: String,
    at_s: Option<i64>,
    at_ns: Option<i32>,
    changed_s: i64,
    changed_ns: i32,
    by: String,
}

impl RawRow {
    fn read(row: &Row<'_>) -> rusqlite::Result<RawRow> {
        Ok(RawRow {
            id: row.get(0)?,
            tag: row.get(1)?,
            at_s: row.get(2)?,
            at_ns: row.get(3)?,
            changed_s: row.get(4)?,
            changed_ns: row.get(5)?,
            by: row.get(6)?,
        })
    }

    fn into_record(self) -> Result<(AlertId, StoredAlertState), String> {
        let state = decode(&self.tag, timestamp(self.at_s, self.at_ns)?)?;
        let changed_at =
            timestamp(Some(self.changed_s), Some(self.changed_ns))?.ok_or_else(|| "no change time".to_owned())?;
        Ok((
            AlertId(self.id),
            StoredAlertState {
                state,
                changed_at,
                changed_by: self.by,
            },
        ))
    }
}

impl StateStore for Store {
    fn alert_state_records(&self) -> Result<BTreeMap<AlertId, StoredAlertState>, StoreError> {
        let conn = self.conn();
        let mut statement = conn
            .prepare_cached(
                "SELECT alert_id, state, state_at_s, state_at_ns, changed_at_s, changed_at_ns, changed_by
                 FROM alert_states",
            )
            .map_err(self.err("reading alert states"))?;
        let rows = statement
            .query_map([], RawRow::read)
            .map_err(self.err("reading alert states"))?;
        let mut out = BTreeMap::new();
        for row in rows {
            let raw = row.map_err(self.err("reading alert states"))?;
            let id = raw.id.clone();
            let (id, record) = raw.into_record().map_err(|detail| StoreError::BadRow {
                path: self.path.clone(),
                id,
                detail,
            })?;
            out.insert(id, record);
        }
        Ok(out)
    }

    fn set_alert_state(&self, id: &AlertId, state: &AlertState, at: Timestamp) -> Result<(), StoreError> {
        let (tag, state_at) = encode(state);
        self.conn()
            .prepare_cached(
                "INSERT INTO alert_states
                    (alert_id, state, state_at_s, state_at_ns, changed_at_s, changed_at_ns, changed_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (alert_id) DO UPDATE SET
                    state = excluded.state,
                    state_at_s = excluded.state_at_s,
                    state_at_ns = excluded.state_at_ns,
                    changed_at_s = excluded.changed_at_s,
                    changed_at_ns = excluded.changed_at_ns,
                    changed_by = excluded.changed_by",
            )
            .and_then(|mut statement| {
                statement.execute(params![
                    id.0,
                    tag,
                    state_at.map(Timestamp::as_second),
                    state_at.map(Timestamp::subsec_nanosecond),
                    at.as_second(),
                    at.subsec_nanosecond(),
                    self.user,
                ])
            })
            .map_err(self.err("saving an alert state"))?;
        Ok(())
    }

    fn remove_alert_state(&self, id: &AlertId) -> Result<bool, StoreError> {
        let removed = self
            .conn()
            .execute("DELETE FROM alert_states WHERE alert_id = ?1", [&id.0])
            .map_err(self.err("removing an alert state"))?;
        Ok(removed > 0)
    }

    fn prune_resolved(&self, older_than: Timestamp) -> Result<usize, StoreError> {
        self.conn()
            .execute(
                "DELETE FROM alert_states
                 WHERE state = 'resolved'
                   AND (state_at_s < ?1 OR (state_at_s = ?1 AND state_at_ns < ?2))",
                params![older_than.as_second(), older_than.subsec_nanosecond()],
            )
            .map_err(self.err("pruning resolved alerts"))
    }

    fn add_failed_action(
        &self,
        source: &str,
        planned: &PlannedAction,
        error: &ActionError,
        at: Timestamp,
    ) -> Result<i64, StoreError> {
        failed::add(&self.conn(), &self.path, &self.user, source, planned, error, at)
    }

    fn failed_actions(&self) -> Result<Vec<StoredFailure>, StoreError> {
        failed::list(&self.conn(), &self.path)
    }

    fn remove_failed_action(&self, id: i64) -> Result<bool, StoreError> {
        failed::remove(&self.conn(), &self.path, id)
    }

    fn replace_failed_action(
        &self,
        id: i64,
        source: &str,
        planned: &PlannedAction,
        error: &ActionError,
        at: Timestamp,
    ) -> Result<i64, StoreError> {
        failed::replace(&self.conn(), &self.path, &self.user, id, source, planned, error, at)
    }

    fn record_poll(&self, sample: &PollSample) -> Result<(), StoreError> {
        let conn = self.conn();
        history::record(&conn, &self.path, sample)?;
        // The sample's time is the clock here: no clock read, and a handle
        // that records nothing never prunes.
        let mut pruned_at = self.pruned_at.lock().unwrap_or_else(PoisonError::into_inner);
        if history::prune_due(*pruned_at, sample.at) {
            let removed = history::prune(&conn, &self.path, sample.at)?;
            if removed > 0 {
                tracing::info!(db = %self.path.display(), removed, "pruned old poll history");
            }
            *pruned_at = Some(sample.at);
        }
        Ok(())
    }

    fn poll_history(&self, since: Timestamp) -> Result<Vec<PollSample>, StoreError> {
        history::since(&self.conn(), &self.path, since)
    }

    fn for_each_poll(
        &self,
        since: Timestamp,
        until: Timestamp,
        f: &mut dyn FnMut(&PollSample),
    ) -> Result<(), StoreError> {
        history::for_each(&self.conn(), &self.path, since, until, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_encodes_and_decodes_to_itself() {
        let t = Timestamp::new(1_700_000_000, 123_456_789).unwrap();
        for state in [
            AlertState::Firing,
            AlertState::Acknowledged { at: t },
            AlertState::Snoozed { until: t },
            AlertState::Resolved { at: t },
        ] {
            let (tag, at) = encode(&state);
            assert_eq!(decode(tag, at), Ok(state));
        }
        assert!(decode("snoozed", None).unwrap_err().contains("without its time"));
        assert!(decode("muted", None).unwrap_err().contains("unknown state"));
    }
}
