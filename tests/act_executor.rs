//! The executor's promises, with a fake connector that counts what it is
//! asked to send: read-only sends nothing, an unwritable audit log blocks the
//! send, and a failed send is never retried.

use std::fs;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use mops::actions::audit::{AuditEvent, AuditRecord, read_log};
use mops::actions::{ActionError, AuditLog, Executor, Outcome, PlannedAction};
use mops::http::Method;
use mops::model::{SourceKind, VendorError};
use mops::sources::{Connector, PollReport};

/// Answers every execute with `result`, counting calls and noting what the
/// audit log held at the moment of sending.
struct Fake {
    calls: AtomicUsize,
    result: Result<Outcome, ActionError>,
    audit_path: std::path::PathBuf,
    seen: Mutex<Vec<(String, Vec<AuditRecord>)>>,
}

impl Fake {
    fn new(audit_path: &Path, result: Result<Outcome, ActionError>) -> Self {
        Fake {
            calls: AtomicUsize::new(0),
            result,
            audit_path: audit_path.to_path_buf(),
            seen: Mutex::new(Vec::new()),
        }
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl Connector for Fake {
    fn name(&self) -> &str {
        "fake"
    }

    fn kind(&self) -> SourceKind {
        SourceKind::Mailchimp
    }

    fn probe_url(&self) -> String {
        "http://127.0.0.1:9/ping".to_owned()
    }

    async fn poll(&self) -> PollReport {
        unreachable!("the executor never polls")
    }

    async fn execute(&self, _planned: &PlannedAction, request_id: &str) -> Result<Outcome, ActionError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let on_disk = read_log(&self.audit_path).map(|c| c.records).unwrap_or_default();
        self.seen.lock().expect("lock").push((request_id.to_owned(), on_disk));
        let mut result = self.result.clone();
        if let Ok(outcome) = &mut result {
            outcome.request_id = request_id.to_owned();
        }
        result
    }
}

fn planned() -> PlannedAction {
    PlannedAction {
        source: "mailchimp".into(),
        action: "schedule".into(),
        target_id: "c0ffee".into(),
        target_name: "Nov newsletter".into(),
        method: Method::POST,
        url: "http://127.0.0.1:9/3.0/campaigns/c0ffee/actions/schedule"
            .parse()
            .expect("url"),
        body: Some(serde_json::json!({"schedule_time": "2026-11-23T09:00:00+00:00", "timewarp": false})),
        auth: "Basic ***".into(),
        irreversible: false,
        effect: "Schedules 'Nov newsletter'".into(),
    }
}

fn ok() -> Result<Outcome, ActionError> {
    Ok(Outcome {
        http_status: 204,
        request_id: String::new(),
        duration: Duration::from_millis(12),
        summary: "scheduled".into(),
    })
}

fn vendor_400(request_id: &str) -> Result<Outcome, ActionError> {
    Err(ActionError {
        message: "schedule 'Nov newsletter' failed: HTTP 400: Invalid Resource: not a draft".into(),
        http_status: Some(400),
        vendor: Some(VendorError {
            code: Some("Invalid Resource".into()),
            message: "not a draft".into(),
        }),
        request_id: Some(request_id.into()),
        duration: Duration::from_millis(30),
    })
}

#[tokio::test]
async fn readonly_sends_nothing_and_audits_the_refusal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("audit.jsonl");
    let fake = Fake::new(&path, ok());
    let executor = Executor::new(AuditLog::open(&path).expect("audit"), true);

    let err = executor.run(&fake, &planned()).await.expect_err("refused");

    assert_eq!(fake.calls(), 0, "nothing may be sent in read-only mode");
    assert_eq!(
        err.message,
        "read-only mode: POST http://127.0.0.1:9/3.0/campaigns/c0ffee/actions/schedule not sent"
    );
    assert_eq!(err.request_id, None);
    let records = read_log(&path).expect("log").records;
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0].event, AuditEvent::Refused);
    assert_eq!(records[0].ok, Some(false));
    assert_eq!(records[0].error.as_deref(), Some(err.message.as_str()));
    assert_eq!(records[0].request_id, None);
}

#[tokio::test]
async fn an_unwritable_audit_log_blocks_the_send() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("state");
    let path = state.join("audit.jsonl");
    let fake = Fake::new(&path, ok());
    let executor = Executor::new(AuditLog::open(&path).expect("audit"), false);
    // The folder vanishes (a full or unmounted disk looks the same from here).
    fs::remove_dir_all(&state).expect("remove");

    let err = executor.run(&fake, &planned()).await.expect_err("blocked");

    assert_eq!(fake.calls(), 0, "an unaudited write must not happen");
    assert!(err.message.starts_with("not sent"), "{}", err.message);
    assert!(
        err.message.contains(&path.display().to_string()),
        "names the log: {}",
        err.message
    );
    assert!(err.message.contains("No such file"), "says why: {}", err.message);
}

#[tokio::test]
async fn a_full_disk_blocks_the_send() {
    // /dev/full accepts the open and fails every write with ENOSPC.
    if !Path::new("/dev/full").exists() {
        return;
    }
    let fake = Fake::new(Path::new("/dev/null"), ok());
    let executor = Executor::new(AuditLog::open("/dev/full").expect("audit"), false);
    let err = executor.run(&fake, &planned()).await.expect_err("blocked");
    assert_eq!(fake.calls(), 0);
    assert!(err.message.contains("/dev/full"), "{}", err.message);
}

#[tokio::test]
async fn a_failed_send_is_audited_and_never_retried() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("audit.jsonl");
    let fake = Fake::new(&path, vendor_400("vendor-echo"));
    let executor = Executor::new(AuditLog::open(&path).expect("audit"), false);

    let err = executor.run(&fake, &planned()).await.expect_err("fails");

    assert_eq!(fake.calls(), 1, "sent exactly once, never retried");
    assert_eq!(err.http_status, Some(400));
    let records = read_log(&path).expect("log").records;
    let events: Vec<_> = records.iter().map(|r| r.event).collect();
    assert_eq!(events, [AuditEvent::Attempt, AuditEvent::Outcome]);
    let outcome = &records[1];
    assert_eq!(outcome.ok, Some(false));
    assert_eq!(outcome.http_status, Some(400));
    assert_eq!(outcome.vendor_code.as_deref(), Some("Invalid Resource"));
    assert!(outcome.error.as_deref().unwrap_or("").contains("not a draft"));
    assert!(outcome.duration_ms.is_some());
}

#[tokio::test]
async fn the_attempt_is_on_disk_before_the_request_leaves() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("audit.jsonl");
    let fake = Fake::new(&path, ok());
    let executor = Executor::new(AuditLog::open(&path).expect("audit"), false);

    let outcome = executor.run(&fake, &planned()).await.expect("sent");

    let seen = fake.seen.lock().expect("lock").clone();
    assert_eq!(seen.len(), 1);
    let (request_id, on_disk) = &seen[0];
    assert_eq!(on_disk.len(), 1, "exactly the attempt, before sending: {on_disk:?}");
    assert_eq!(on_disk[0].event, AuditEvent::Attempt);
    assert_eq!(on_disk[0].request_id.as_ref(), Some(request_id));
    assert!(uuid::Uuid::parse_str(request_id).is_ok(), "a uuid: {request_id}");

    assert_eq!(&outcome.request_id, request_id);
    let records = read_log(&path).expect("log").records;
    assert_eq!(records.len(), 2);
    assert_eq!(records[1].event, AuditEvent::Outcome);
    assert_eq!(records[1].ok, Some(true));
    assert_eq!(records[1].http_status, Some(204));
    assert_eq!(records[1].request_id.as_ref(), Some(request_id));
}

#[tokio::test]
async fn each_run_gets_its_own_request_id() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("audit.jsonl");
    let fake = Fake::new(&path, ok());
    let executor = Executor::new(AuditLog::open(&path).expect("audit"), false);
    let a = executor.run(&fake, &planned()).await.expect("first");
    let b = executor.run(&fake, &planned()).await.expect("second");
    assert_ne!(a.request_id, b.request_id);
    assert_eq!(fake.calls(), 2);
}
