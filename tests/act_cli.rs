//! `mops act` end to end: the real binary against wiremock acting as
//! Mailchimp, with a config and key file in a temp dir and its own HOME and
//! XDG folders, so nothing here touches the developer's files.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::time::Duration;

use mops::actions::audit::{AuditEvent, AuditRecord, read_log};
use serde_json::json;
use tempfile::TempDir;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const API_KEY: &str = "fedcba9876543210fedcba9876543210-us7";

/// A Mailchimp account with a draft, a scheduled and a sending campaign.
async fn mailchimp() -> MockServer {
    let server = MockServer::start().await;
    let get = |p: &str, body: serde_json::Value| {
        Mock::given(method("GET"))
            .and(path(p.to_owned()))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
    };
    get("/3.0/ping", json!({"health_status": "Everything's Chimpy!"}))
        .mount(&server)
        .await;
    get(
        "/3.0/campaigns",
        json!({
            "campaigns": [
                campaign("c-draft", 101, "save", "Nov newsletter"),
                campaign("c-sched", 102, "schedule", "Dec promo"),
                campaign("c-sending", 103, "sending", "Flash sale"),
            ],
            "total_items": 3
        }),
    )
    .mount(&server)
    .await;
    get("/3.0/reports", json!({"reports": [], "total_items": 0}))
        .mount(&server)
        .await;
    get("/3.0/lists", json!({"lists": [], "total_items": 0}))
        .mount(&server)
        .await;
    server
}

fn campaign(id: &str, web_id: u64, status: &str, title: &str) -> serde_json::Value {
    json!({
        "id": id, "web_id": web_id, "type": "regular", "status": status,
        "create_time": "2026-10-01T10:00:00+00:00", "emails_sent": 0,
        "settings": {"subject_line": format!("{title}!"), "title": title, "from_name": "Shop"},
        "recipients": {"list_id": "l1", "list_name": "Customers", "recipient_count": 1200}
    })
}

/// A mock of `POST /campaigns/{id}/actions/{name}`, to be given its answer.
fn action(id: &str, name: &str) -> wiremock::MockBuilder {
    Mock::given(method("POST")).and(path(format!("/3.0/campaigns/{id}/actions/{name}")))
}

/// A temp home with a config pointing at `server` and a 0600 key file.
struct Home {
    dir: TempDir,
    config: PathBuf,
}

impl Home {
    fn new(server: &MockServer, extra: &str) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        for sub in ["home", "config", "state", "data"] {
            fs::create_dir_all(dir.path().join(sub)).expect("mkdir");
        }
        let key = dir.path().join("mailchimp.key");
        fs::write(&key, API_KEY).expect("key");
        fs::set_permissions(&key, fs::Permissions::from_mode(0o600)).expect("chmod");
        let config = dir.path().join("mops.toml");
        fs::write(
            &config,
            format!(
                "{extra}\n[[source]]\nname = \"mailchimp\"\nkind = \"mailchimp\"\n\
                 base_url = \"{}/3.0\"\napi_key = {{ file = \"{}\" }}\n",
                server.uri(),
                key.display()
            ),
        )
        .expect("config");
        Home { dir, config }
    }

    fn audit_path(&self) -> PathBuf {
        self.dir.path().join("state/mops/audit.jsonl")
    }

    fn audit(&self) -> Vec<AuditRecord> {
        if !self.audit_path().exists() {
            return Vec::new();
        }
        let contents = read_log(&self.audit_path()).expect("audit log");
        assert!(contents.damaged.is_empty());
        contents.records
    }

    /// `mops --config CONFIG ARGS` with this home, in its own session (no
    /// controlling terminal, so a prompt can never wait on the developer's).
    fn mops(&self, args: &[&str]) -> assert_cmd::Command {
        let mut std_cmd = std::process::Command::new(env!("CARGO_BIN_EXE_mops"));
        // SAFETY: setsid is async-signal-safe and touches no memory.
        unsafe {
            std_cmd.pre_exec(|| {
                libc::setsid();
                Ok(())
            });
        }
        let root = self.dir.path();
        std_cmd
            .arg("--config")
            .arg(&self.config)
            .args(args)
            .env("HOME", root.join("home"))
            .env("XDG_CONFIG_HOME", root.join("config"))
            .env("XDG_STATE_HOME", root.join("state"))
            .env("XDG_DATA_HOME", root.join("data"))
            .env("TZ", "UTC")
            .env_remove("MOPS_CONFIG")
            .env_remove("MOPS_LOG");
        let mut cmd = assert_cmd::Command::from_std(std_cmd);
        cmd.timeout(Duration::from_secs(60)).write_stdin("y\n");
        cmd
    }
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs the binary off the async runtime, so the mock keeps answering.
async fn run(mut cmd: assert_cmd::Command) -> Run {
    let out = tokio::task::spawn_blocking(move || cmd.output().expect("run mops"))
        .await
        .expect("join");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn no_key_in(home: &Home, run: &Run) {
    assert!(!run.stdout.contains(API_KEY) && !run.stderr.contains(API_KEY));
    if home.audit_path().exists() {
        let raw = fs::read_to_string(home.audit_path()).expect("read");
        assert!(!raw.contains(API_KEY), "{raw}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_shows_the_actions_without_calling_the_vendor() {
    let server = mailchimp().await;
    let home = Home::new(&server, "");
    let r = run(home.mops(&["act", "mailchimp", "--list"])).await;
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    for name in [
        "schedule",
        "unschedule",
        "cancel-send",
        "pause",
        "resume",
        "test",
        "replicate",
    ] {
        assert!(
            r.stdout.lines().any(|l| l.trim_start().starts_with(name)),
            "{name} missing:\n{}",
            r.stdout
        );
    }
    let cancel = r.stdout.lines().find(|l| l.contains("cancel-send")).expect("line");
    assert!(cancel.contains("IRREVERSIBLE"), "{cancel}");
    assert!(server.received_requests().await.expect("recorded").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_prints_the_exact_request_and_sends_nothing() {
    let server = mailchimp().await;
    action("c-draft", "schedule")
        .respond_with(ResponseTemplate::new(204))
        .expect(0)
        .mount(&server)
        .await;
    let home = Home::new(&server, "");
    let r = run(home.mops(&[
        "act",
        "mailchimp",
        "schedule",
        "Nov newsletter",
        "--at",
        "2030-01-15 09:07",
        "--dry-run",
    ]))
    .await;
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let expected = [
        format!("POST {}/3.0/campaigns/c-draft/actions/schedule", server.uri()),
        "Authorization: Basic ***".to_owned(),
        "\"schedule_time\": \"2030-01-15T09:00:00Z\"".to_owned(),
        "\"timewarp\": false".to_owned(),
        "Effect: Schedules 'Nov newsletter'".to_owned(),
        "dry run: nothing sent".to_owned(),
    ];
    for part in expected {
        assert!(r.stdout.contains(&part), "{part:?} missing:\n{}", r.stdout);
    }
    assert!(home.audit().is_empty(), "a dry run audits nothing");
    no_key_in(&home, &r);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn yes_sends_exactly_once_with_the_exact_body_and_audits_two_lines() {
    let server = mailchimp().await;
    let basic = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(format!("mops:{API_KEY}"))
    };
    action("c-draft", "schedule")
        .and(header("authorization", format!("Basic {basic}")))
        .and(body_json(
            json!({"schedule_time": "2030-01-15T09:00:00Z", "timewarp": false}),
        ))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let home = Home::new(&server, "");
    // By web id, this time.
    let r = run(home.mops(&[
        "act",
        "mailchimp",
        "schedule",
        "101",
        "--at",
        "2030-01-15 09:07",
        "--yes",
    ]))
    .await;
    assert_eq!(r.code, Some(0), "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("scheduled for"), "{}", r.stdout);
    assert!(r.stdout.contains("HTTP 204"), "{}", r.stdout);

    let records = home.audit();
    let events: Vec<_> = records.iter().map(|r| r.event).collect();
    assert_eq!(events, [AuditEvent::Attempt, AuditEvent::Outcome]);
    assert_eq!(records[1].ok, Some(true));
    assert_eq!(records[1].http_status, Some(204));
    assert_eq!(records[0].target, "c-draft");
    assert_eq!(records[0].target_name, "Nov newsletter");
    assert_eq!(records[0].request_id, records[1].request_id);
    let id = records[0].request_id.clone().expect("request id");
    assert!(r.stdout.contains(&id), "the outcome names the request id");
    no_key_in(&home, &r);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readonly_sends_nothing_even_with_yes() {
    let server = mailchimp().await;
    action("c-draft", "schedule")
        .respond_with(ResponseTemplate::new(204))
        .expect(0)
        .mount(&server)
        .await;
    for (extra, flag) in [("", Some("--readonly")), ("readonly = true", None)] {
        let home = Home::new(&server, extra);
        let mut args = vec![
            "act",
            "mailchimp",
            "schedule",
            "c-draft",
            "--at",
            "2030-01-15 09:00",
            "--yes",
        ];
        args.extend(flag);
        let r = run(home.mops(&args)).await;
        assert_eq!(r.code, Some(1), "{extra:?} {flag:?}: {}", r.stdout);
        assert!(
            r.stderr.contains(&format!(
                "read-only mode: POST {}/3.0/campaigns/c-draft/actions/schedule not sent",
                server.uri()
            )),
            "{}",
            r.stderr
        );
        let records = home.audit();
        assert_eq!(records.len(), 1, "{records:?}");
        assert_eq!(records[0].event, AuditEvent::Refused);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transition_the_vendor_refuses_exits_1_with_its_detail() {
    let server = mailchimp().await;
    action("c-sched", "unschedule")
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "type": "https://mailchimp.com/developer/marketing/docs/errors/",
            "title": "Invalid Resource",
            "status": 400,
            "detail": "This campaign cannot be unscheduled because it has started sending.",
            "instance": "2f5a4d7e-0000-4000-8000-000000000000"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let home = Home::new(&server, "");
    let r = run(home.mops(&["act", "mailchimp", "unschedule", "Dec promo", "--yes"])).await;
    assert_eq!(r.code, Some(1), "{}", r.stdout);
    for part in [
        "This campaign cannot be unscheduled because it has started sending.",
        "HTTP status: 400",
        "vendor code: Invalid Resource",
        "request id:",
    ] {
        assert!(r.stderr.contains(part), "{part:?} missing:\n{}", r.stderr);
    }
    let records = home.audit();
    assert_eq!(records.len(), 2);
    assert_eq!(records[1].ok, Some(false));
    assert_eq!(records[1].http_status, Some(400));
    assert_eq!(records[1].vendor_code.as_deref(), Some("Invalid Resource"));
    let id = records[1].request_id.as_deref().expect("id");
    assert!(r.stderr.contains(id), "the error names the request id");
    no_key_in(&home, &r);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_the_campaign_state_forbids_is_refused_before_sending() {
    let server = mailchimp().await;
    action("c-sched", "schedule")
        .respond_with(ResponseTemplate::new(204))
        .expect(0)
        .mount(&server)
        .await;
    let home = Home::new(&server, "");
    let r = run(home.mops(&["act", "mailchimp", "schedule", "c-sched", "--at", "+2h", "--yes"])).await;
    assert_eq!(r.code, Some(1));
    assert!(r.stderr.contains("only a draft can be scheduled"), "{}", r.stderr);
    assert!(home.audit().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_actions_and_targets_say_what_exists() {
    let server = mailchimp().await;
    let home = Home::new(&server, "");
    let r = run(home.mops(&["act", "mailchimp", "send-now", "c-draft"])).await;
    assert_eq!(r.code, Some(1));
    assert!(
        r.stderr
            .contains("schedule, unschedule, cancel-send, pause, resume, test, replicate"),
        "{}",
        r.stderr
    );
    let r = run(home.mops(&["act", "mailchimp", "unschedule", "nov newsletter", "--yes"])).await;
    assert_eq!(r.code, Some(1));
    assert!(
        r.stderr.contains("did you mean \"Nov newsletter\" (c-draft)"),
        "{}",
        r.stderr
    );
    let r = run(home.mops(&["act", "crm", "--list"])).await;
    assert_eq!(r.code, Some(1));
    assert!(r.stderr.contains("its sources: mailchimp"), "{}", r.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_terminal_or_yes_nothing_is_sent() {
    let server = mailchimp().await;
    action("c-sched", "unschedule")
        .respond_with(ResponseTemplate::new(204))
        .expect(0)
        .mount(&server)
        .await;
    let home = Home::new(&server, "");
    // stdin says "y", but a pipe is not a person.
    let r = run(home.mops(&["act", "mailchimp", "unschedule", "c-sched"])).await;
    assert_eq!(r.code, Some(1));
    assert!(r.stdout.contains("POST "), "the request is shown first: {}", r.stdout);
    assert!(r.stderr.contains("pass --yes"), "{}", r.stderr);
    assert!(home.audit().is_empty());
}

/// Runs `mops ARGS` on a pseudo-terminal (its controlling terminal), waits
/// for `prompt`, types `answer` and Enter, and returns the exit code and
/// everything the terminal showed.
fn interactive(home: &Home, args: &[&str], prompt: &str, answer: &str) -> (u32, String) {
    use std::io::{Read, Write};
    use std::sync::{Arc, Mutex};
    use std::time::Instant;

    let pty = portable_pty::native_pty_system()
        .openpty(portable_pty::PtySize {
            rows: 40,
            cols: 160,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("openpty");
    let root = home.dir.path();
    let mut cmd = portable_pty::CommandBuilder::new(env!("CARGO_BIN_EXE_mops"));
    cmd.arg("--config");
    cmd.arg(&home.config);
    cmd.args(args);
    cmd.env("HOME", root.join("home"));
    cmd.env("XDG_STATE_HOME", root.join("state"));
    cmd.env("XDG_CONFIG_HOME", root.join("config"));
    cmd.env("TZ", "UTC");
    cmd.env_remove("MOPS_CONFIG");
    let mut child = pty.slave.spawn_command(cmd).expect("spawn");
    drop(pty.slave);
    let mut reader = pty.master.try_clone_reader().expect("reader");
    let mut writer = pty.master.take_writer().expect("writer");
    let shown = Arc::new(Mutex::new(String::new()));
    let sink = Arc::clone(&shown);
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock().expect("lock").push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    let text = || shown.lock().expect("lock").clone();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !text().contains(prompt) {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("no prompt {prompt:?}; the terminal showed:\n{}", text());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    writer.write_all(format!("{answer}\r").as_bytes()).expect("type");
    writer.flush().expect("flush");
    let status = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("mops did not exit; the terminal showed:\n{}", text());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    // Let the reader drain what was written just before the exit.
    std::thread::sleep(Duration::from_millis(200));
    (status.exit_code(), text())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_terminal_y_sends_and_anything_else_does_not() {
    let server = mailchimp().await;
    action("c-sched", "unschedule")
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let home = Home::new(&server, "");
    let declined = tokio::task::block_in_place(|| {
        interactive(
            &home,
            &["act", "mailchimp", "unschedule", "c-sched"],
            "Send? [y/N]",
            "n",
        )
    });
    assert_eq!(declined.0, 1, "{}", declined.1);
    assert!(declined.1.contains("not sent"), "{}", declined.1);
    assert!(home.audit().is_empty());

    let (code, shown) = tokio::task::block_in_place(|| {
        interactive(
            &home,
            &["act", "mailchimp", "unschedule", "c-sched"],
            "Send? [y/N]",
            "y",
        )
    });
    assert_eq!(code, 0, "{shown}");
    assert!(shown.contains("unscheduled"), "{shown}");
    assert_eq!(home.audit().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_irreversible_action_needs_the_name_typed_exactly() {
    let server = mailchimp().await;
    action("c-sending", "cancel-send")
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let home = Home::new(&server, "");
    let args = ["act", "mailchimp", "cancel-send", "c-sending"];
    let prompt = "Type the target's name (Flash sale)";
    for wrong in ["y", "flash sale"] {
        let (code, shown) = tokio::task::block_in_place(|| interactive(&home, &args, prompt, wrong));
        assert_eq!(code, 1, "{wrong:?}: {shown}");
        assert!(shown.contains("did not match"), "{shown}");
    }
    assert!(home.audit().is_empty());
    let (code, shown) = tokio::task::block_in_place(|| interactive(&home, &args, prompt, "Flash sale"));
    assert_eq!(code, 0, "{shown}");
    assert!(shown.contains("send canceled"), "{shown}");
}

/// The campaign's status as a fresh poll of the source sees it.
async fn status_of(cfg: &mops::config::Config, id: &str) -> mops::model::CampaignStatus {
    let core = mops::http::HttpCore::new(false).expect("core");
    let connector = mops::sources::build(&core, cfg.source("mailchimp").expect("source")).expect("connector");
    let report = connector.poll().await;
    let Some(mops::sources::SourceData::Email(data)) = report.data else {
        panic!("no data: {:?}", report.probe.summary);
    };
    data.campaigns.iter().find(|c| c.id == id).expect("campaign").status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn against_the_sandbox_a_draft_is_scheduled_then_unscheduled() {
    use mops::model::CampaignStatus;
    let sandbox = mops::sandbox::spawn(mops::sandbox::SandboxOptions {
        listen: "127.0.0.1:0".parse().expect("addr"),
        seed: 7,
        faults: Vec::new(),
    })
    .await
    .expect("sandbox");
    let dir = tempfile::tempdir().expect("tempdir");
    for sub in ["home", "config", "state", "data"] {
        fs::create_dir_all(dir.path().join(sub)).expect("mkdir");
    }
    let config = dir.path().join("demo.toml");
    sandbox.write_config(&config).expect("config");
    let cfg = mops::config::load(&config).expect("load");
    let home = Home { dir, config };

    // Any regular draft will do; the seed decides which exist.
    let core = mops::http::HttpCore::new(false).expect("core");
    let connector = mops::sources::build(&core, cfg.source("mailchimp").expect("source")).expect("connector");
    let Some(mops::sources::SourceData::Email(data)) = connector.poll().await.data else {
        panic!("the sandbox served no campaigns");
    };
    let draft = data
        .campaigns
        .iter()
        .find(|c| c.status == CampaignStatus::Save && c.kind == "regular")
        .expect("a draft")
        .id
        .clone();

    let schedule = ["act", "mailchimp", "schedule", draft.as_str(), "--at", "+24h", "--yes"];
    let r = run(home.mops(&schedule)).await;
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
    assert_eq!(status_of(&cfg, &draft).await, CampaignStatus::Schedule);

    // Scheduled now, so scheduling again is refused before anything is sent.
    let r = run(home.mops(&schedule)).await;
    assert_eq!(r.code, Some(1));
    assert!(r.stderr.contains("only a draft can be scheduled"), "{}", r.stderr);

    let r = run(home.mops(&["act", "mailchimp", "unschedule", draft.as_str(), "--yes"])).await;
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
    assert_eq!(status_of(&cfg, &draft).await, CampaignStatus::Save);

    let events: Vec<_> = home.audit().iter().map(|r| (r.event, r.action.clone(), r.ok)).collect();
    assert_eq!(
        events,
        [
            (AuditEvent::Attempt, "schedule".to_owned(), None),
            (AuditEvent::Outcome, "schedule".to_owned(), Some(true)),
            (AuditEvent::Attempt, "unschedule".to_owned(), None),
            (AuditEvent::Outcome, "unschedule".to_owned(), Some(true)),
        ]
    );
    let key = fs::read_to_string(home.dir.path().join("secrets/mailchimp.key")).expect("key");
    let raw = fs::read_to_string(home.audit_path()).expect("audit");
    assert!(!raw.contains(key.trim()), "{raw}");
    sandbox.shutdown().await;
}
