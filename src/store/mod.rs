//! What outlives the process: the states people gave alerts (acknowledged,
//! snoozed, resolved), the actions that failed and wait for a person to
//! retry or discard them, and the history of polls (for uptime reports),
//! kept in SQLite in the XDG data dir.
//!
//! Callers talk to the [`StateStore`] trait so a shared backend (PostgreSQL,
//! for a team running one poller) can replace the embedded one without
//! touching them. Calls are synchronous and short; from async code run them
//! on `spawn_blocking`.

mod error;
mod failed;
pub mod history;
mod schema;
mod sqlite;

use std::collections::BTreeMap;

use jiff::Timestamp;

use crate::actions::{ActionError, PlannedAction};
use crate::model::{AlertId, AlertState};

pub use error::StoreError;
pub use history::{PollSample, RETENTION as POLL_HISTORY_RETENTION};
pub use schema::SCHEMA_VERSION;
pub use sqlite::{DB_FILE_NAME, Store, default_path};

/// An alert state with who set it and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAlertState {
    pub state: AlertState,
    /// When the state was set (the `at` given to [`StateStore::set_alert_state`]).
    pub changed_at: Timestamp,
    /// The OS user that set it ($USER, else $LOGNAME, else "unknown").
    pub changed_by: String,
}

/// A failed action kept for a person to retry or discard.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredFailure {
    /// Stable, shown to people as `#id`; never reused for another failure.
    pub id: i64,
    /// The source's name in the config.
    pub source: String,
    /// The exact request, auth masked.
    pub planned: PlannedAction,
    pub error: ActionError,
    /// When it failed.
    pub at: Timestamp,
    /// The OS user that ran it ([`current_user`]).
    pub by: String,
}

/// The persistence boundary for alert states and failed actions. Small on
/// purpose: every backend implements exactly this.
pub trait StateStore: Send + Sync {
    /// Every stored state with who set it and when.
    fn alert_state_records(&self) -> Result<BTreeMap<AlertId, StoredAlertState>, StoreError>;

    /// Every stored state.
    fn alert_states(&self) -> Result<BTreeMap<AlertId, AlertState>, StoreError> {
        Ok(self
            .alert_state_records()?
            .into_iter()
            .map(|(id, record)| (id, record.state))
            .collect())
    }

    /// Inserts or replaces the state of `id`, recording the current user and `at`.
    fn set_alert_state(&self, id: &AlertId, state: &AlertState, at: Timestamp) -> Result<(), StoreError>;

    /// Forgets `id`; true when it had a stored state.
    fn remove_alert_state(&self, id: &AlertId) -> Result<bool, StoreError>;

    /// Forgets alerts resolved before `older_than`; returns how many.
    fn prune_resolved(&self, older_than: Timestamp) -> Result<usize, StoreError>;

    /// Records a failure; returns its id. The auth is stored masked ("Bearer
    /// ***") whatever the caller passed: no credential reaches the database.
    fn add_failed_action(
        &self,
        source: &str,
        planned: &PlannedAction,
        error: &ActionError,
        at: Timestamp,
    ) -> Result<i64, StoreError>;

    /// Every kept failure, oldest first. A row that no longer decodes (an
    /// older format, a hand edit) is skipped with a warning, not an error.
    fn failed_actions(&self) -> Result<Vec<StoredFailure>, StoreError>;

    /// Forgets one (retried successfully, or discarded); true when it existed.
    fn remove_failed_action(&self, id: i64) -> Result<bool, StoreError>;

    /// A retry of failure `id` failed again with `error`: keeps it, with the
    /// new error, time and user, and returns the id it is now kept under.
    /// Backends keep `id` (the default removes and re-adds, which gives a new
    /// id); if `id` was discarded meanwhile the failure is added afresh.
    fn replace_failed_action(
        &self,
        id: i64,
        source: &str,
        planned: &PlannedAction,
        error: &ActionError,
        at: Timestamp,
    ) -> Result<i64, StoreError> {
        self.remove_failed_action(id)?;
        self.add_failed_action(source, planned, error, at)
    }

    /// Keeps one finished poll in the history (see [`history::sample`] to
    /// make one from a poll report). Samples older than
    /// [`POLL_HISTORY_RETENTION`] (400 days) are pruned as new ones arrive,
    /// so the history cannot grow without bound.
    fn record_poll(&self, sample: &PollSample) -> Result<(), StoreError>;

    /// Every kept sample taken at or after `since`, of every source, oldest
    /// first. Rows this build cannot read are skipped with a warning. Holds
    /// them all in memory: for long spans use [`StateStore::for_each_poll`].
    fn poll_history(&self, since: Timestamp) -> Result<Vec<PollSample>, StoreError>;

    /// Calls `f` with every kept sample taken in `[since, until)`, ordered by
    /// source name, then time (samples at one time in the order recorded),
    /// without holding them in memory: a year of polls at 30 s is millions
    /// of rows. Rows this build cannot read are skipped with a warning. On
    /// an error `f` may already have seen some samples.
    fn for_each_poll(
        &self,
        since: Timestamp,
        until: Timestamp,
        f: &mut dyn FnMut(&PollSample),
    ) -> Result<(), StoreError>;
}

/// Who is acting, for the record: $USER, else $LOGNAME, else "unknown".
pub fn current_user() -> String {
    user_from(std::env::var("USER").ok(), std::env::var("LOGNAME").ok())
}

fn user_from(user: Option<String>, logname: Option<String>) -> String {
    [user, logname]
        .into_iter()
        .flatten()
        .map(|name| name.trim().to_owned())
        .find(|name| !name.is_empty())
        .unwrap_or_else(|| "unknown".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_falls_back_from_user_to_logname_to_unknown() {
        assert_eq!(user_from(Some("ann".into()), Some("bob".into())), "ann");
        assert_eq!(user_from(Some(" ".into()), Some("bob".into())), "bob");
        assert_eq!(user_from(None, None), "unknown");
    }
}
