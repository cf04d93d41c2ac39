//! The audit log as its readers rely on it: one valid JSON object per line,
//! an attempt and an outcome for every send, no secret anywhere, whole
//! lines under concurrent writers and after a writer is killed mid-stream.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mops::actions::audit::{AuditEvent, read_log};
use mops::actions::{ActionArgs, ActionError, AuditLog, Executor, Outcome, PlannedAction, Target};
use mops::config;
use mops::http::{HttpCore, Method};
use mops::model::{Campaign, CampaignStatus, SourceKind};
use mops::sources::{self, Connector, PollReport};
use secrecy::SecretString;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The key the tests configure; it must never reach the log.
const API_KEY: &str = "0123456789abcdef0123456789abcdef-us14";
/// `mops:<key>` base64-encoded, as it travels in the Basic header.
fn basic_header_value() -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(format!("mops:{API_KEY}"))
}

fn campaign(id: &str, status: CampaignStatus) -> Campaign {
    Campaign {
        id: id.into(),
        web_id: Some(42),
        kind: "regular".into(),
        status,
        title: "Nov newsletter".into(),
        subject: "News".into(),
        from_name: "Shop".into(),
        list_id: "l1".into(),
        list_name: "Customers".into(),
        recipient_count: 100,
        create_time: None,
        send_time: None,
        emails_sent: 0,
        report: None,
    }
}

/// A Mailchimp connector configured the way a user would, pointed at `server`.
fn mailchimp(dir: &Path, server: &MockServer) -> Arc<dyn Connector> {
    mailchimp_at(dir, &server.uri())
}

/// Every line of the file: valid JSON objects with the fields a reader needs.
fn lines(path: &Path) -> Vec<serde_json::Value> {
    let text = fs::read_to_string(path).expect("read log");
    assert!(text.ends_with('\n'), "the last line is whole");
    text.lines()
        .map(|line| {
            let value: serde_json::Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
            for field in [
                "time", "event", "user", "host", "source", "action", "target", "method", "url",
            ] {
                assert!(value.get(field).is_some(), "{field} missing: {line}");
            }
            let time = value["time"].as_str().expect("time is a string");
            assert!(time.ends_with('Z'), "UTC: {time}");
            time.parse::<jiff::Timestamp>().expect("RFC 3339");
            value
        })
        .collect()
}

#[tokio::test]
async fn success_and_failure_each_get_an_attempt_and_an_outcome_without_the_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/3.0/campaigns/c1/actions/schedule"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    // A vendor that echoes the key back in its error must not get it logged.
    Mock::given(method("POST"))
        .and(path("/3.0/campaigns/c2/actions/unschedule"))
        .respond_with(ResponseTemplate::new(400).set_body_json(serde_json::json!({
            "type": "https://mailchimp.com/developer/marketing/docs/errors/",
            "title": "Invalid Resource",
            "status": 400,
            "detail": format!("Cannot unschedule with key {API_KEY}"),
            "instance": "abc"
        })))
        .expect(1)
        .mount(&server)
        .await;

    let connector = mailchimp(dir.path(), &server);
    let log_path = dir.path().join("state/mops/audit.jsonl");
    let executor = Executor::new(AuditLog::open(&log_path).expect("audit"), false);

    let draft = campaign("c1", CampaignStatus::Save);
    let when = ActionArgs {
        time: Some(jiff::Timestamp::now() + jiff::SignedDuration::from_hours(48)),
        ..ActionArgs::default()
    };
    let schedule = connector
        .plan("schedule", Target::Campaign(&draft), &when)
        .expect("plan schedule");
    executor.run(connector.as_ref(), &schedule).await.expect("scheduled");

    let scheduled = campaign("c2", CampaignStatus::Schedule);
    let unschedule = connector
        .plan("unschedule", Target::Campaign(&scheduled), &ActionArgs::default())
        .expect("plan unschedule");
    let err = executor
        .run(connector.as_ref(), &unschedule)
        .await
        .expect_err("vendor refuses");
    assert_eq!(err.http_status, Some(400));

    let values = lines(&log_path);
    let events: Vec<(&str, &str, Option<bool>)> = values
        .iter()
        .map(|v| {
            (
                v["event"].as_str().expect("event"),
                v["target"].as_str().expect("target"),
                v.get("ok").and_then(serde_json::Value::as_bool),
            )
        })
        .collect();
    assert_eq!(
        events,
        [
            ("attempt", "c1", None),
            ("outcome", "c1", Some(true)),
            ("attempt", "c2", None),
            ("outcome", "c2", Some(false)),
        ]
    );
    assert_eq!(values[1]["http_status"], 204);
    assert_eq!(values[3]["http_status"], 400);
    assert_eq!(values[3]["vendor_code"], "Invalid Resource");
    assert_eq!(values[0]["request_id"], values[1]["request_id"]);
    assert_ne!(values[1]["request_id"], values[3]["request_id"]);
    assert_eq!(values[0]["method"], "POST");
    assert_eq!(
        values[0]["url"],
        format!("{}/3.0/campaigns/c1/actions/schedule", server.uri())
    );

    let raw = fs::read_to_string(&log_path).expect("read");
    assert!(!raw.contains(API_KEY), "the key leaked: {raw}");
    assert!(!raw.contains(&API_KEY[..32]), "part of the key leaked: {raw}");
    assert!(!raw.contains(&basic_header_value()), "the auth header leaked: {raw}");
    assert!(!raw.contains("Authorization"), "no headers in the log: {raw}");
    assert!(!raw.contains("schedule_time"), "no request body in the log: {raw}");
    // The request id in the log is the one that went on the wire.
    let sent = server.received_requests().await.expect("recorded");
    let wire_ids: Vec<String> = sent
        .iter()
        .filter_map(|r| r.headers.get(mops::http::REQUEST_ID_HEADER))
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect();
    assert!(
        wire_ids.contains(&values[0]["request_id"].as_str().expect("id").to_owned()),
        "{wire_ids:?} vs {}",
        values[0]["request_id"]
    );
}

/// A connector that blurts the secret into its error, to check that the
/// log's own scrubbing holds even when a connector's does not.
struct Leaky;

#[async_trait::async_trait]
impl Connector for Leaky {
    fn name(&self) -> &str {
        "leaky"
    }
    fn kind(&self) -> SourceKind {
        SourceKind::Mailchimp
    }
    fn probe_url(&self) -> String {
        String::new()
    }
    async fn poll(&self) -> PollReport {
        unreachable!("never polled")
    }
    async fn execute(&self, _: &PlannedAction, request_id: &str) -> Result<Outcome, ActionError> {
        Err(ActionError {
            message: format!("upstream said: bad key {API_KEY}"),
            http_status: Some(401),
            vendor: Some(mops::model::VendorError {
                code: Some(format!("key {API_KEY}")),
                message: API_KEY.to_owned(),
            }),
            request_id: Some(request_id.to_owned()),
            duration: Duration::ZERO,
        })
    }
}

fn planned(target_name: String) -> PlannedAction {
    PlannedAction {
        source: "mailchimp".into(),
        action: "pause".into(),
        target_id: "c9".into(),
        target_name,
        method: Method::POST,
        url: "http://127.0.0.1:9/3.0/campaigns/c9/actions/pause"
            .parse()
            .expect("url"),
        body: None,
        auth: "Basic ***".into(),
        irreversible: false,
        effect: "Pauses".into(),
    }
}

#[tokio::test]
async fn configured_secrets_are_masked_even_when_a_connector_leaks_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("audit.jsonl");
    let log = AuditLog::open(&path)
        .expect("audit")
        .with_secrets([SecretString::from(API_KEY)]);
    let executor = Executor::new(log, false);
    executor
        .run(&Leaky, &planned("Weekly".into()))
        .await
        .expect_err("fails");
    let values = lines(&path);
    assert_eq!(values.len(), 2);
    assert_eq!(values[1]["error"], "upstream said: bad key ***");
    let raw = fs::read_to_string(&path).expect("read");
    assert!(!raw.contains(API_KEY), "{raw}");
}

#[test]
fn concurrent_writers_leave_whole_lines() {
    const THREADS: usize = 8;
    const EACH: usize = 150;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("audit.jsonl");
    // Two logs on one file stand in for two processes (separate locks, one file).
    let logs = [
        Arc::new(AuditLog::open(&path).expect("audit")),
        Arc::new(AuditLog::open(&path).expect("audit")),
    ];
    let threads: Vec<_> = (0..THREADS)
        .map(|t| {
            let log = Arc::clone(&logs[t % 2]);
            std::thread::spawn(move || {
                for i in 0..EACH {
                    // Sizes from tiny to several pages, so writes straddle pages.
                    let name = format!("{t}-{i}-{}", "x".repeat((i * 97 + t * 13) % 9000));
                    log.attempt(&planned(name), &format!("r{t}-{i}")).expect("append");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("writer thread");
    }
    let contents = read_log(&path).expect("read");
    assert!(contents.damaged.is_empty(), "damaged lines: {:?}", contents.damaged);
    assert_eq!(contents.records.len(), THREADS * EACH);
    for record in &contents.records {
        let id = record.request_id.as_deref().expect("id");
        assert!(
            record.target_name.starts_with(&format!("{}-", &id[1..])),
            "{id} carries someone else's name"
        );
    }
    assert_eq!(lines(&path).len(), THREADS * EACH);
}

/// Set on the child copy of this test binary: the log it writes to until
/// killed, and the prefix of its request ids.
const CHILD_ENV: &str = "MOPS_AUDIT_KILL_TEST_LOG";
const CHILD_ID_ENV: &str = "MOPS_AUDIT_KILL_TEST_ID";

/// Not a test on its own: the writer `killed_writers_leave_only_whole_lines`
/// starts in child processes and kills.
#[test]
#[ignore = "helper process for killed_writers_leave_only_whole_lines"]
fn audit_writer_child() {
    let (Some(path), Ok(prefix)) = (std::env::var_os(CHILD_ENV), std::env::var(CHILD_ID_ENV)) else {
        return;
    };
    let log = AuditLog::open(PathBuf::from(path)).expect("audit");
    let started = Instant::now();
    let mut i = 0usize;
    // Bounded, so an orphan can never run forever.
    while started.elapsed() < Duration::from_secs(120) {
        // Realistic sizes: a record is one write well under a page.
        let name = format!("{i}-{}", "y".repeat(i * 31 % 200));
        log.attempt(&planned(name), &format!("{prefix}-{i}")).expect("append");
        i += 1;
    }
}

/// Kills the child on every exit path of the test.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn count_lines(path: &Path) -> usize {
    fs::read(path)
        .map(|b| b.iter().filter(|&&c| c == b'\n').count())
        .unwrap_or(0)
}

fn spawn_writer(path: &Path, id: &str) -> KillOnDrop {
    let exe = std::env::current_exe().expect("test binary");
    let child = Command::new(exe)
        .args(["--ignored", "--exact", "audit_writer_child", "--test-threads", "1"])
        .env(CHILD_ENV, path)
        .env(CHILD_ID_ENV, id)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn writer");
    KillOnDrop(child)
}

#[test]
fn killed_writers_leave_only_whole_lines() {
    const ROUNDS: usize = 12;
    const WRITERS: usize = 2;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("audit.jsonl");
    for round in 0..ROUNDS {
        let before = count_lines(&path);
        let mut writers: Vec<KillOnDrop> = (0..WRITERS)
            .map(|w| spawn_writer(&path, &format!("{round}.{w}")))
            .collect();
        let deadline = Instant::now() + Duration::from_secs(90);
        while count_lines(&path) < before + 100 {
            assert!(Instant::now() < deadline, "the writers wrote too little");
            for w in &mut writers {
                assert!(
                    w.0.try_wait().expect("poll child").is_none(),
                    "a writer died on its own"
                );
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        // SIGKILL mid-stream: no handler, no flush, no cleanup.
        for w in &mut writers {
            w.0.kill().expect("SIGKILL");
        }
        for w in &mut writers {
            w.0.wait().expect("reap");
        }

        // Each record is one write(2) of the whole line under the lock, so a
        // kill almost always lands between lines; if it cuts a write that
        // spans pages, the fragment has no newline and the next append drops
        // it. Either way every whole line is a valid record.
        let bytes = fs::read(&path).expect("read");
        let whole = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        for (n, line) in bytes[..whole]
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .enumerate()
        {
            assert!(
                serde_json::from_slice::<serde_json::Value>(line).is_ok(),
                "round {round}: line {} is not JSON",
                n + 1
            );
        }
    }

    // A last append drops any torn tail; then every writer's records are
    // there in order, none doubled, none missing but possibly its last.
    let log = AuditLog::open(&path).expect("reopen");
    log.attempt(&planned("after".into()), "after-kill").expect("append");
    let contents = read_log(&path).expect("read");
    assert!(contents.damaged.is_empty(), "damaged lines {:?}", contents.damaged);
    let mut next: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for record in contents
        .records
        .iter()
        .filter(|r| r.request_id.as_deref() != Some("after-kill"))
    {
        assert_eq!(record.event, AuditEvent::Attempt);
        let id = record.request_id.as_deref().expect("id");
        let (writer, n) = id.rsplit_once('-').expect("writer-n");
        let expected = next.entry(writer.to_owned()).or_insert(0);
        assert_eq!(n.parse::<usize>().expect("n"), *expected, "{id}");
        *expected += 1;
    }
    assert_eq!(next.len(), ROUNDS * WRITERS, "every writer wrote: {next:?}");

    assert_eq!(
        contents.records.last().and_then(|r| r.request_id.as_deref()),
        Some("after-kill")
    );
}

/// Set on the child copy of this test binary that sends a batch until
/// killed: the log it writes, the address of the vendor it sends to, and a
/// folder for its config.
const BATCH_LOG_ENV: &str = "MOPS_AUDIT_BATCH_TEST_LOG";
const BATCH_VENDOR_ENV: &str = "MOPS_AUDIT_BATCH_TEST_VENDOR";
const BATCH_DIR_ENV: &str = "MOPS_AUDIT_BATCH_TEST_DIR";

/// Not a test on its own: the batch sender `killed_batch_leaves_an_attempt_for_every_request_sent`
/// starts in a child process and kills. It schedules campaign after campaign through the
/// executor, one at a time as the cockpit's batches do, each audited.
#[tokio::test]
#[ignore = "helper process for killed_batch_leaves_an_attempt_for_every_request_sent"]
async fn audit_batch_child() {
    let (Some(log_path), Ok(vendor), Some(dir)) = (
        std::env::var_os(BATCH_LOG_ENV),
        std::env::var(BATCH_VENDOR_ENV),
        std::env::var_os(BATCH_DIR_ENV),
    ) else {
        return;
    };
    let connector = mailchimp_at(Path::new(&dir), &vendor);
    let executor = Executor::new(AuditLog::open(PathBuf::from(log_path)).expect("audit"), false);
    let when = ActionArgs {
        time: Some(jiff::Timestamp::now() + jiff::SignedDuration::from_hours(48)),
        ..ActionArgs::default()
    };
    let started = Instant::now();
    let mut i = 0usize;
    // Bounded, so an orphan can never run forever.
    while started.elapsed() < Duration::from_secs(60) {
        let draft = campaign(&format!("c{i}"), CampaignStatus::Save);
        let planned = connector
            .plan("schedule", Target::Campaign(&draft), &when)
            .expect("plan schedule");
        executor.run(connector.as_ref(), &planned).await.expect("scheduled");
        i += 1;
    }
}

/// What the counting vendor saw.
#[derive(Debug, Default)]
struct Seen {
    /// Requests whose first line arrived, whole or not.
    requests: usize,
    /// The request ids of those whose headers arrived whole.
    ids: Vec<String>,
    open_connections: usize,
}

/// A loopback HTTP/1.1 server that counts every request as soon as its
/// first line arrives, and answers each with 204 after a short pause, so a
/// kill often lands while a request is in flight.
fn counting_vendor() -> (String, Arc<Mutex<Seen>>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = format!("http://{}", listener.local_addr().expect("addr"));
    let seen = Arc::new(Mutex::new(Seen::default()));
    let shared = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            shared.lock().expect("seen").open_connections += 1;
            let seen = shared.clone();
            std::thread::spawn(move || {
                serve_counting(stream, &seen);
                seen.lock().expect("seen").open_connections -= 1;
            });
        }
    });
    (addr, seen)
}

fn serve_counting(stream: std::net::TcpStream, seen: &Mutex<Seen>) {
    use std::io::{BufRead, BufReader, Read, Write};
    let mut writer = stream.try_clone().expect("clone stream");
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        seen.lock().expect("seen").requests += 1;
        let (mut length, mut id, mut whole) = (0usize, None, false);
        loop {
            let mut header = String::new();
            match reader.read_line(&mut header) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            let header = header.trim_end();
            if header.is_empty() {
                whole = true;
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                let (name, value) = (name.trim().to_ascii_lowercase(), value.trim());
                if name == "content-length" {
                    length = value.parse().unwrap_or(0);
                } else if name == mops::http::REQUEST_ID_HEADER {
                    id = Some(value.to_owned());
                }
            }
        }
        if !whole {
            return;
        }
        if let Some(id) = id {
            seen.lock().expect("seen").ids.push(id);
        }
        let mut body = vec![0u8; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        std::thread::sleep(Duration::from_millis(3));
        if writer
            .write_all(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
            .is_err()
        {
            return;
        }
    }
}

/// A Mailchimp connector configured the way a user would, pointed at `base`.
fn mailchimp_at(dir: &Path, base: &str) -> Arc<dyn Connector> {
    let key = dir.join("mailchimp.key");
    fs::write(&key, API_KEY).expect("write key");
    fs::set_permissions(&key, fs::Permissions::from_mode(0o600)).expect("chmod key");
    let text = format!(
        "[[source]]\nname = \"mailchimp\"\nkind = \"mailchimp\"\nbase_url = \"{base}/3.0\"\napi_key = {{ file = \"{}\" }}\n",
        key.display()
    );
    let cfg = config::parse(&text, &dir.join("config.toml")).expect("config");
    let core = HttpCore::new(false).expect("http core");
    sources::build(&core, &cfg.sources[0]).expect("connector")
}

#[test]
fn killed_batch_leaves_an_attempt_for_every_request_sent() {
    const ROUNDS: usize = 4;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("audit.jsonl");
    let (vendor, seen) = counting_vendor();
    for round in 0..ROUNDS {
        let exe = std::env::current_exe().expect("test binary");
        let child = Command::new(exe)
            .args(["--ignored", "--exact", "audit_batch_child", "--test-threads", "1"])
            .env(BATCH_LOG_ENV, &path)
            .env(BATCH_VENDOR_ENV, &vendor)
            .env(BATCH_DIR_ENV, dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn batch");
        let mut child = KillOnDrop(child);
        // Kill at a different point of the batch each round.
        let target = seen.lock().expect("seen").requests + 10 + round * 7;
        let deadline = Instant::now() + Duration::from_secs(60);
        while seen.lock().expect("seen").requests < target {
            assert!(Instant::now() < deadline, "the batch sent too little");
            assert!(
                child.0.try_wait().expect("poll child").is_none(),
                "the batch died on its own"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        // SIGKILL mid-batch (in flight, or a little later: writing the
        // outcome, the next attempt): no handler, no flush, no cleanup.
        std::thread::sleep(Duration::from_micros(round as u64 * 1500));
        child.0.kill().expect("SIGKILL");
        child.0.wait().expect("reap");
        // Whatever the dead child had already put on the wire arrives now.
        let deadline = Instant::now() + Duration::from_secs(10);
        while seen.lock().expect("seen").open_connections > 0 {
            assert!(Instant::now() < deadline, "the child's connections stayed open");
            std::thread::sleep(Duration::from_millis(5));
        }

        let text = fs::read_to_string(&path).expect("read log");
        assert!(text.ends_with('\n'), "round {round}: the last line is whole");
        let records: Vec<serde_json::Value> = text
            .lines()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("round {round}: not JSON ({e}): {line}")))
            .collect();
        let ids_of = |event: &str| -> Vec<String> {
            records
                .iter()
                .filter(|r| r["event"] == event)
                .map(|r| r["request_id"].as_str().expect("request id").to_owned())
                .collect()
        };
        let (attempts, outcomes) = (ids_of("attempt"), ids_of("outcome"));
        let seen = seen.lock().expect("seen");
        assert!(
            attempts.len() >= seen.requests,
            "round {round}: {} requests reached the vendor but only {} attempts were recorded",
            seen.requests,
            attempts.len()
        );
        for id in &seen.ids {
            assert!(attempts.contains(id), "round {round}: request {id} was sent unrecorded");
        }
        assert!(
            outcomes.len() <= attempts.len(),
            "round {round}: {} outcomes for {} attempts",
            outcomes.len(),
            attempts.len()
        );
        for id in &outcomes {
            assert!(attempts.contains(id), "round {round}: outcome {id} without an attempt");
        }
        // One action at a time: at most the one in flight per killed batch lacks its outcome.
        assert!(
            attempts.len() - outcomes.len() <= round + 1,
            "round {round}: {} attempts, {} outcomes",
            attempts.len(),
            outcomes.len()
        );
        eprintln!(
            "round {round}: vendor saw {} requests; log holds {} attempts, {} outcomes",
            seen.requests,
            attempts.len(),
            outcomes.len()
        );
    }
}
