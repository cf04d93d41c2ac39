//! The failed-actions queue: each failure is one row holding the exact
//! request and the error as JSON, so a person can retry it after a restart.

use std::path::Path;

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{StoreError, StoredFailure};
use crate::actions::{ActionError, PlannedAction};

/// What replaces a credential: the scheme is kept, the rest never stored.
const MASK: &str = "***";

/// `auth` with anything after the scheme masked: "Bearer pat-123" becomes
/// "Bearer ***". Connectors already mask it; this makes sure a credential
/// that slipped through never reaches the database file.
pub(super) fn mask_auth(auth: &str) -> String {
    let auth = auth.trim();
    match auth.split_once(char::is_whitespace) {
        Some((scheme, _)) => format!("{scheme} {MASK}"),
        // A lone word is either the mask or a bare credential.
        None if auth.is_empty() || auth == MASK => auth.to_owned(),
        None => MASK.to_owned(),
    }
}

/// The request and error as stored: JSON, the auth masked.
fn encode(path: &Path, planned: &PlannedAction, error: &ActionError) -> Result<(String, String), StoreError> {
    let masked = PlannedAction {
        auth: mask_auth(&planned.auth),
        ..planned.clone()
    };
    let encode_err = |what| {
        move |source| StoreError::Encode {
            path: path.to_owned(),
            what,
            source,
        }
    };
    let planned = serde_json::to_string(&masked).map_err(encode_err("a failed action's request"))?;
    let error = serde_json::to_string(error).map_err(encode_err("a failed action's error"))?;
    Ok((planned, error))
}

pub(super) fn add(
    conn: &Connection,
    path: &Path,
    user: &str,
    source: &str,
    planned: &PlannedAction,
    error: &ActionError,
    at: Timestamp,
) -> Result<i64, StoreError> {
    let (planned, error) = encode(path, planned, error)?;
    conn.prepare_cached(
        "INSERT INTO failed_actions (source, planned, error, failed_at_s, failed_at_ns, failed_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         RETURNING id",
    )
    .and_then(|mut statement| {
        statement.query_row(
            params![source, planned, error, at.as_second(), at.subsec_nanosecond(), user],
            |row| row.get(0),
        )
    })
    .map_err(|e| StoreError::sqlite(path, "keeping a failed action", e))
}

/// Keeps `id` with the new error, time and user; adds the failure afresh if
/// `id` is gone (discarded by someone else while it was being retried).
#[allow(clippy::too_many_arguments)] // the trait's arguments plus the connection's
pub(super) fn replace(
    conn: &Connection,
    path: &Path,
    user: &str,
    id: i64,
    source: &str,
    planned: &PlannedAction,
    error: &ActionError,
    at: Timestamp,
) -> Result<i64, StoreError> {
    let (planned_json, error_json) = encode(path, planned, error)?;
    let updated = conn
        .prepare_cached(
            "UPDATE failed_actions
             SET source = ?2, planned = ?3, error = ?4, failed_at_s = ?5, failed_at_ns = ?6, failed_by = ?7
             WHERE id = ?1
             RETURNING id",
        )
        .and_then(|mut statement| {
            statement
                .query_row(
                    params![
                        id,
                        source,
                        planned_json,
                        error_json,
                        at.as_second(),
                        at.subsec_nanosecond(),
                        user
                    ],
                    |row| row.get::<_, i64>(0),
                )
                .optional()
        })
        .map_err(|e| StoreError::sqlite(path, "updating a failed action", e))?;
    match updated {
        Some(id) => Ok(id),
        None => add(conn, path, user, source, planned, error, at),
    }
}

pub(super) fn remove(conn: &Connection, path: &Path, id: i64) -> Result<bool, StoreError> {
    let removed = conn
        .execute("DELETE FROM failed_actions WHERE id = ?1", [id])
        .map_err(|e| StoreError::sqlite(path, "removing a failed action", e))?;
    Ok(removed > 0)
}

/// One row as read, before its JSON is decoded.
struct RawFailure {
    id: i64,
    source: String,
    planned: String,
    error: String,
    at_s: i64,
    at_ns: i32,
    by: String,
}

impl RawFailure {
    fn read(row: &Row<'_>) -> rusqlite::Result<RawFailure> {
        Ok(RawFailure {
            id: row.get(0)?,
            source: row.get(1)?,
            planned: row.get(2)?,
            error: row.get(3)?,
            at_s: row.get(4)?,
            at_ns: row.get(5)?,
            by: row.get(6)?,
        })
    }

    fn decode(self) -> Result<StoredFailure, String> {
        let planned = serde_json::from_str(&self.planned).map_err(|e| format!("its request: {e}"))?;
        let error = serde_json::from_str(&self.error).map_err(|e| format!("its error: {e}"))?;
        let at = Timestamp::new(self.at_s, self.at_ns).map_err(|e| format!("its time: {e}"))?;
        Ok(StoredFailure {
            id: self.id,
            source: self.source,
            planned,
            error,
            at,
            by: self.by,
        })
    }
}

pub(super) fn list(conn: &Connection, path: &Path) -> Result<Vec<StoredFailure>, StoreError> {
    let err = |e| StoreError::sqlite(path, "reading failed actions", e);
    let mut statement = conn
        .prepare_cached(
            "SELECT id, source, planned, error, failed_at_s, failed_at_ns, failed_by
             FROM failed_actions ORDER BY failed_at_s, failed_at_ns, id",
        )
        .map_err(err)?;
    let rows = statement.query_map([], RawFailure::read).map_err(err)?;
    let mut out = Vec::new();
    for row in rows {
        // A value of the wrong SQL type (a hand edit) is a bad row too, not a
        // broken database: skip it like undecodable JSON.
        let raw = match row {
            Ok(raw) => raw,
            Err(e @ (rusqlite::Error::InvalidColumnType(..) | rusqlite::Error::IntegralValueOutOfRange(..))) => {
                tracing::warn!(db = %path.display(), error = %e, "skipping an unreadable failed action");
                continue;
            }
            Err(e) => return Err(err(e)),
        };
        let id = raw.id;
        match raw.decode() {
            Ok(failure) => out.push(failure),
            Err(detail) => {
                tracing::warn!(db = %path.display(), id, %detail, "skipping a failed action that no longer decodes");
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_scheme_of_the_auth_is_kept() {
        assert_eq!(mask_auth("Bearer ***"), "Bearer ***");
        assert_eq!(mask_auth("Bearer pat-na1-0123"), "Bearer ***");
        assert_eq!(mask_auth("Basic dXNlcjpwYXNz"), "Basic ***");
        assert_eq!(mask_auth("sk_live_0123"), "***");
        assert_eq!(mask_auth("***"), "***");
        assert_eq!(mask_auth(""), "");
    }
}
