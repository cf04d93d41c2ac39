//! The alert-state store: what a person did about an alert survives restarts.

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::Timestamp;
use mops::model::{AlertId, AlertState};
use mops::store::{SCHEMA_VERSION, StateStore, Store, StoreError};

fn ts(seconds: i64, nanos: i32) -> Timestamp {
    Timestamp::new(seconds, nanos).unwrap()
}

fn id(text: &str) -> AlertId {
    AlertId(text.to_owned())
}

fn every_state() -> Vec<(AlertId, AlertState)> {
    vec![
        (id("invalid_email:contact:101"), AlertState::Firing),
        (
            id("duplicate_email:ann@acme.example"),
            AlertState::Acknowledged {
                at: ts(1_700_000_000, 123_456_789),
            },
        ),
        (
            id("consent_mismatch:contact:7"),
            AlertState::Snoozed {
                until: ts(1_800_000_000, 1),
            },
        ),
        (
            id("campaign_bounce_rate:campaign:42694e9e57"),
            AlertState::Resolved {
                at: ts(1_600_000_000, 0),
            },
        ),
    ]
}

#[test]
fn every_state_round_trips_exactly() {
    let store = Store::open_in_memory().unwrap();
    assert!(store.alert_states().unwrap().is_empty());
    for (alert, state) in every_state() {
        store.set_alert_state(&alert, &state, ts(1_700_000_500, 0)).unwrap();
    }
    let expected: BTreeMap<AlertId, AlertState> = every_state().into_iter().collect();
    assert_eq!(store.alert_states().unwrap(), expected);
}

#[test]
fn setting_again_replaces_the_state_and_records_who_and_when() {
    let store = Store::open_in_memory().unwrap().with_user("ann");
    let alert = id("missing_owner:contact:9");
    store.set_alert_state(&alert, &AlertState::Firing, ts(100, 0)).unwrap();
    let store = store.with_user("bob");
    let snooze = AlertState::Snoozed { until: ts(5_000, 0) };
    store.set_alert_state(&alert, &snooze, ts(200, 5)).unwrap();

    let records = store.alert_state_records().unwrap();
    assert_eq!(records.len(), 1, "an upsert, not a second row");
    let record = &records[&alert];
    assert_eq!(record.state, snooze);
    assert_eq!(record.changed_at, ts(200, 5));
    assert_eq!(record.changed_by, "bob");
}

#[test]
fn remove_forgets_one_alert_and_says_whether_it_was_there() {
    let store = Store::open_in_memory().unwrap();
    let (a, b) = (id("a"), id("b"));
    store.set_alert_state(&a, &AlertState::Firing, ts(1, 0)).unwrap();
    store.set_alert_state(&b, &AlertState::Firing, ts(1, 0)).unwrap();
    assert!(store.remove_alert_state(&a).unwrap());
    assert!(!store.remove_alert_state(&a).unwrap());
    assert_eq!(store.alert_states().unwrap().into_keys().collect::<Vec<_>>(), [b]);
}

#[test]
fn states_survive_closing_and_reopening_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/data/mops.db");
    {
        let store = Store::open(&path).unwrap();
        for (alert, state) in every_state() {
            store.set_alert_state(&alert, &state, ts(1_700_000_500, 0)).unwrap();
        }
    }
    let reopened = Store::open(&path).unwrap();
    let expected: BTreeMap<AlertId, AlertState> = every_state().into_iter().collect();
    assert_eq!(reopened.alert_states().unwrap(), expected);
    assert_eq!(reopened.path(), path);
}

#[cfg(unix)]
#[test]
fn the_file_and_its_new_folder_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("mops");
    let path = folder.join("mops.db");
    Store::open(&path).unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&folder), 0o700);
    assert_eq!(mode(&path), 0o600);
}

#[test]
fn prune_forgets_only_alerts_resolved_before_the_cutoff() {
    let store = Store::open_in_memory().unwrap();
    let cutoff = ts(1_000, 500);
    let states = [
        ("old", AlertState::Resolved { at: ts(999, 0) }),
        ("just_before", AlertState::Resolved { at: ts(1_000, 499) }),
        ("at_cutoff", AlertState::Resolved { at: cutoff }),
        ("recent", AlertState::Resolved { at: ts(2_000, 0) }),
        ("old_ack", AlertState::Acknowledged { at: ts(1, 0) }),
        ("old_snooze", AlertState::Snoozed { until: ts(1, 0) }),
        ("firing", AlertState::Firing),
    ];
    for (name, state) in &states {
        store.set_alert_state(&id(name), state, ts(1, 0)).unwrap();
    }
    assert_eq!(store.prune_resolved(cutoff).unwrap(), 2);
    let left: Vec<String> = store.alert_states().unwrap().into_keys().map(|a| a.0).collect();
    assert_eq!(left, ["at_cutoff", "firing", "old_ack", "old_snooze", "recent"]);
    assert_eq!(store.prune_resolved(cutoff).unwrap(), 0);
}

#[test]
fn a_file_that_is_not_a_database_is_refused_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mops.db");
    std::fs::write(&path, "this is a text file, not SQLite; ".repeat(200)).unwrap();
    let err = Store::open(&path).unwrap_err();
    assert!(matches!(err, StoreError::NotADatabase { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(message.contains("not a mops state database"), "{message}");
    // The file is left as it was, for the user to inspect.
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .starts_with("this is a text file")
    );
}

#[test]
fn a_database_from_a_newer_mops_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mops.db");
    Store::open(&path).unwrap();
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute("UPDATE schema_version SET version = ?1", [SCHEMA_VERSION + 1])
            .unwrap();
    }
    let err = Store::open(&path).unwrap_err();
    assert!(
        matches!(err, StoreError::NewerSchema { found, supported, .. } if found == SCHEMA_VERSION + 1 && supported == SCHEMA_VERSION),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(message.contains("newer than this mops understands"), "{message}");
    assert!(message.contains(&path.display().to_string()), "{message}");
}

#[test]
fn an_unwritable_folder_is_named_in_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, "").unwrap();
    let err = Store::open(blocker.join("mops.db")).unwrap_err();
    assert!(matches!(err, StoreError::CreateDir { .. }), "{err:?}");
    assert!(err.to_string().contains(&blocker.display().to_string()), "{err}");
}

#[test]
fn concurrent_handles_on_one_file_see_each_others_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mops.db");
    // Several handles open a fresh file at once: the migration runs once.
    let stores: Vec<Arc<Store>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4).map(|_| scope.spawn(|| Store::open(&path).unwrap())).collect();
        handles.into_iter().map(|h| Arc::new(h.join().unwrap())).collect()
    });
    std::thread::scope(|scope| {
        for (n, store) in stores.iter().enumerate() {
            let store = Arc::clone(store);
            scope.spawn(move || {
                for i in 0..25 {
                    let alert = id(&format!("h{n}:{i}"));
                    store
                        .set_alert_state(&alert, &AlertState::Acknowledged { at: ts(i, 0) }, ts(i, 0))
                        .unwrap();
                }
            });
        }
    });
    for store in &stores {
        assert_eq!(store.alert_states().unwrap().len(), 100);
    }
    assert_eq!(
        stores[0].alert_states().unwrap()[&id("h3:24")],
        AlertState::Acknowledged { at: ts(24, 0) }
    );
}

#[test]
fn the_store_is_usable_through_the_trait_object() {
    let store: Arc<dyn StateStore> = Arc::new(Store::open_in_memory().unwrap());
    store
        .set_alert_state(&id("x"), &AlertState::Resolved { at: ts(5, 0) }, ts(5, 0))
        .unwrap();
    assert_eq!(store.prune_resolved(ts(6, 0)).unwrap(), 1);
}
