//! The failed-actions queue: an action that failed survives restarts, with
//! everything needed to retry it, and never with a credential.

use std::time::Duration;

use jiff::Timestamp;
use mops::actions::{ActionError, PlannedAction};
use mops::http::Method;
use mops::model::{AlertId, AlertState, VendorError};
use mops::store::{SCHEMA_VERSION, StateStore, Store, StoredFailure};

fn ts(seconds: i64, nanos: i32) -> Timestamp {
    Timestamp::new(seconds, nanos).unwrap()
}

fn planned(action: &str, target: &str) -> PlannedAction {
    PlannedAction {
        source: "crm".into(),
        action: action.into(),
        target_id: target.into(),
        target_name: format!("Task {target}"),
        method: Method::PATCH,
        url: format!("http://127.0.0.1:9/crm/v3/objects/tasks/{target}")
            .parse()
            .unwrap(),
        body: Some(serde_json::json!({"properties": {"hs_task_status": "COMPLETED"}})),
        auth: "Bearer ***".into(),
        irreversible: false,
        effect: format!("Marks task {target} completed"),
    }
}

fn vendor_refusal() -> ActionError {
    ActionError {
        message: "HubSpot refused complete: the task is locked".into(),
        http_status: Some(409),
        vendor: Some(VendorError {
            code: Some("CONFLICT".into()),
            message: "the task is locked".into(),
        }),
        request_id: Some("rid-42".into()),
        duration: Duration::from_millis(1234),
    }
}

fn no_answer() -> ActionError {
    ActionError {
        message: "no answer from HubSpot within 30s".into(),
        http_status: None,
        vendor: None,
        request_id: Some("rid-43".into()),
        duration: Duration::from_secs(30),
    }
}

#[test]
fn a_failure_round_trips_with_every_field_and_is_removed_once() {
    let store = Store::open_in_memory().unwrap().with_user("ann");
    assert!(store.failed_actions().unwrap().is_empty());
    let first = planned("complete", "501");
    let second = PlannedAction {
        method: Method::POST,
        body: None,
        irreversible: true,
        ..planned("postpone", "502")
    };
    let a = store
        .add_failed_action("crm", &first, &vendor_refusal(), ts(1_700_000_000, 123_456_789))
        .unwrap();
    let b = store
        .add_failed_action("crm-eu", &second, &no_answer(), ts(1_700_000_100, 0))
        .unwrap();
    assert_ne!(a, b);

    let all = store.failed_actions().unwrap();
    assert_eq!(
        all,
        [
            StoredFailure {
                id: a,
                source: "crm".into(),
                planned: first,
                error: vendor_refusal(),
                at: ts(1_700_000_000, 123_456_789),
                by: "ann".into(),
            },
            StoredFailure {
                id: b,
                source: "crm-eu".into(),
                planned: second,
                error: no_answer(),
                at: ts(1_700_000_100, 0),
                by: "ann".into(),
            },
        ]
    );

    assert!(store.remove_failed_action(a).unwrap());
    assert!(!store.remove_failed_action(a).unwrap(), "already gone");
    let left: Vec<i64> = store.failed_actions().unwrap().iter().map(|f| f.id).collect();
    assert_eq!(left, [b]);
}

#[test]
fn the_list_is_oldest_first() {
    let store = Store::open_in_memory().unwrap();
    let late = store
        .add_failed_action("crm", &planned("complete", "1"), &no_answer(), ts(2_000, 0))
        .unwrap();
    let early = store
        .add_failed_action("crm", &planned("complete", "2"), &no_answer(), ts(1_000, 0))
        .unwrap();
    let ids: Vec<i64> = store.failed_actions().unwrap().iter().map(|f| f.id).collect();
    assert_eq!(ids, [early, late]);
}

#[test]
fn ids_are_stable_across_reopening_and_never_reused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data/mops.db");
    let (a, b) = {
        let store = Store::open(&path).unwrap();
        let a = store
            .add_failed_action("crm", &planned("complete", "1"), &no_answer(), ts(1, 0))
            .unwrap();
        let b = store
            .add_failed_action("crm", &planned("complete", "2"), &no_answer(), ts(2, 0))
            .unwrap();
        (a, b)
    };
    let store = Store::open(&path).unwrap();
    let ids: Vec<i64> = store.failed_actions().unwrap().iter().map(|f| f.id).collect();
    assert_eq!(ids, [a, b]);
    assert_eq!(store.failed_actions().unwrap()[1].planned.target_id, "2");

    // #b, once removed, never names another action.
    assert!(store.remove_failed_action(b).unwrap());
    drop(store);
    let store = Store::open(&path).unwrap();
    let c = store
        .add_failed_action("crm", &planned("complete", "3"), &no_answer(), ts(3, 0))
        .unwrap();
    assert!(c > b, "{c} reuses a removed id");
}

#[test]
fn a_retry_that_fails_again_keeps_its_id_with_the_new_error() {
    let store = Store::open_in_memory().unwrap().with_user("ann");
    let id = store
        .add_failed_action("crm", &planned("complete", "1"), &no_answer(), ts(1, 0))
        .unwrap();
    let store = store.with_user("bob");
    let kept = store
        .replace_failed_action(id, "crm", &planned("complete", "1"), &vendor_refusal(), ts(9, 0))
        .unwrap();
    assert_eq!(kept, id);
    let all = store.failed_actions().unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(
        (all[0].error.clone(), all[0].at, all[0].by.as_str()),
        (vendor_refusal(), ts(9, 0), "bob")
    );

    // Discarded meanwhile (another shell): the new failure is still kept.
    assert!(store.remove_failed_action(id).unwrap());
    let again = store
        .replace_failed_action(id, "crm", &planned("complete", "1"), &no_answer(), ts(10, 0))
        .unwrap();
    assert_ne!(again, id);
    assert_eq!(store.failed_actions().unwrap().len(), 1);
}

#[test]
fn a_credential_in_the_auth_field_is_never_stored() {
    const TOKEN: &str = "pat-na1-11111111-2222-3333-4444-555555555555";
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mops.db");
    let store = Store::open(&path).unwrap();
    let leaky = PlannedAction {
        auth: format!("Bearer {TOKEN}"),
        ..planned("complete", "1")
    };
    store.add_failed_action("crm", &leaky, &no_answer(), ts(1, 0)).unwrap();

    let conn = rusqlite::Connection::open(&path).unwrap();
    let raw: String = conn
        .query_row("SELECT planned FROM failed_actions", [], |row| row.get(0))
        .unwrap();
    assert!(raw.contains(r#""auth":"Bearer ***""#), "{raw}");
    assert!(!raw.contains(TOKEN), "{raw}");
    assert_eq!(store.failed_actions().unwrap()[0].planned.auth, "Bearer ***");
    drop(conn);
    drop(store);
    // Nor anywhere in the files SQLite wrote (the WAL included).
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(
            !bytes.windows(TOKEN.len()).any(|w| w == TOKEN.as_bytes()),
            "token on disk"
        );
    }
}

#[test]
fn a_row_that_no_longer_decodes_is_skipped_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mops.db");
    let store = Store::open(&path).unwrap();
    let bad = store
        .add_failed_action("crm", &planned("complete", "1"), &no_answer(), ts(1, 0))
        .unwrap();
    let broken_error = store
        .add_failed_action("crm", &planned("complete", "2"), &no_answer(), ts(2, 0))
        .unwrap();
    let good = store
        .add_failed_action("crm", &planned("complete", "3"), &vendor_refusal(), ts(3, 0))
        .unwrap();
    {
        // What an older format or a hand edit leaves behind.
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute(
            "UPDATE failed_actions SET planned = '{\"verb\":\"PATCH\"}' WHERE id = ?1",
            [bad],
        )
        .unwrap();
        conn.execute(
            "UPDATE failed_actions SET error = 'not json' WHERE id = ?1",
            [broken_error],
        )
        .unwrap();
    }
    let all = store.failed_actions().unwrap();
    assert_eq!(all.iter().map(|f| f.id).collect::<Vec<_>>(), [good]);
    // The unreadable rows can still be discarded by id.
    assert!(store.remove_failed_action(bad).unwrap());
}

/// The schema as version 1 shipped it, alert states only.
const SCHEMA_V1: &str = "
    CREATE TABLE schema_version (
        id      INTEGER PRIMARY KEY CHECK (id = 1),
        version INTEGER NOT NULL
    );
    INSERT INTO schema_version (id, version) VALUES (1, 1);
    CREATE TABLE alert_states (
        alert_id     TEXT PRIMARY KEY NOT NULL,
        state        TEXT NOT NULL CHECK (state IN ('firing', 'acknowledged', 'snoozed', 'resolved')),
        state_at_s   INTEGER,
        state_at_ns  INTEGER,
        changed_at_s  INTEGER NOT NULL,
        changed_at_ns INTEGER NOT NULL,
        changed_by   TEXT NOT NULL
    ) STRICT;
    CREATE INDEX alert_states_resolved ON alert_states (state, state_at_s) WHERE state = 'resolved';
    INSERT INTO alert_states VALUES ('invalid_email:contact:101', 'acknowledged', 1700000000, 5, 1700000001, 0, 'ann');
    INSERT INTO alert_states VALUES ('duplicate_email:bo@acme.example', 'snoozed', 1800000000, 0, 1700000002, 0, 'bob');
";

#[test]
fn a_database_from_the_previous_version_is_migrated_and_keeps_its_alert_states() {
    assert_eq!(SCHEMA_VERSION, 3);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mops.db");
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch(SCHEMA_V1)
        .unwrap();

    let store = Store::open(&path).unwrap();
    let records = store.alert_state_records().unwrap();
    let ack = &records[&AlertId("invalid_email:contact:101".into())];
    assert_eq!(
        ack.state,
        AlertState::Acknowledged {
            at: ts(1_700_000_000, 5)
        }
    );
    assert_eq!(ack.changed_by, "ann");
    assert_eq!(
        records[&AlertId("duplicate_email:bo@acme.example".into())].state,
        AlertState::Snoozed {
            until: ts(1_800_000_000, 0)
        }
    );
    assert!(store.failed_actions().unwrap().is_empty());
    let id = store
        .add_failed_action("crm", &planned("complete", "1"), &no_answer(), ts(1, 0))
        .unwrap();
    assert_eq!(store.failed_actions().unwrap()[0].id, id);
    drop(store);

    let version: i64 = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("SELECT version FROM schema_version", [], |row| row.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    // Opening again migrates nothing and loses nothing.
    let store = Store::open(&path).unwrap();
    assert_eq!(store.alert_states().unwrap().len(), 2);
    assert_eq!(store.failed_actions().unwrap().len(), 1);
}
