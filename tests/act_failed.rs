//! The failed-actions queue from the shell: an action the vendor refused is
//! kept, listed with `--failed`, re-sent exactly once with `--retry ID`, and
//! dropped with `--discard ID`. The real binary against wiremock acting as
//! Mailchimp, in a temp HOME whose XDG data dir holds the queue's database.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::time::Duration;

use mops::actions::audit::{AuditEvent, AuditRecord, read_log};
use mops::store::{StateStore, Store, StoredFailure};
use serde_json::json;
use tempfile::TempDir;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const API_KEY: &str = "fedcba9876543210fedcba9876543210-us7";

/// A Mailchimp account with one scheduled campaign.
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
            "campaigns": [{
                "id": "c-sched", "web_id": 102, "type": "regular", "status": "schedule",
                "create_time": "2026-10-01T10:00:00+00:00", "emails_sent": 0,
                "settings": {"subject_line": "Dec promo!", "title": "Dec promo", "from_name": "Shop"},
                "recipients": {"list_id": "l1", "list_name": "Customers", "recipient_count": 1200}
            }],
            "total_items": 1
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

const UNSCHEDULE: &str = "/3.0/campaigns/c-sched/actions/unschedule";

fn refusal() -> ResponseTemplate {
    ResponseTemplate::new(400).set_body_json(json!({
        "type": "https://mailchimp.com/developer/marketing/docs/errors/",
        "title": "Invalid Resource",
        "status": 400,
        "detail": "This campaign cannot be unscheduled right now.",
        "instance": "2f5a4d7e-0000-4000-8000-000000000000"
    }))
}

/// Mounts the unschedule endpoint: answers `first` `times` times, then 204.
async fn unschedule(server: &MockServer, first: ResponseTemplate, times: u64) {
    Mock::given(method("POST"))
        .and(path(UNSCHEDULE))
        .respond_with(first)
        .up_to_n_times(times)
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path(UNSCHEDULE))
        .respond_with(ResponseTemplate::new(204))
        .with_priority(2)
        .mount(server)
        .await;
}

async fn unschedule_posts(server: &MockServer) -> usize {
    let requests = server.received_requests().await.expect("recorded");
    requests
        .iter()
        .filter(|r| r.method.as_str() == "POST" && r.url.path() == UNSCHEDULE)
        .count()
}

/// A temp home with a config pointing at `server` and a 0600 key file.
struct Home {
    dir: TempDir,
    config: PathBuf,
}

impl Home {
    fn new(server: &MockServer) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        for sub in ["home", "config", "state", "data"] {
            fs::create_dir_all(dir.path().join(sub)).expect("mkdir");
        }
        let key = dir.path().join("mailchimp.key");
        fs::write(&key, API_KEY).expect("key");
        fs::set_permissions(&key, fs::Permissions::from_mode(0o600)).expect("chmod");
        let config = dir.path().join("mops.toml");
        Home { dir, config }.with_source("mailchimp", server)
    }

    /// Rewrites the config with one Mailchimp source called `name`.
    fn with_source(self, name: &str, server: &MockServer) -> Self {
        let key = self.dir.path().join("mailchimp.key");
        fs::write(
            &self.config,
            format!(
                "[[source]]\nname = \"{name}\"\nkind = \"mailchimp\"\n\
                 base_url = \"{}/3.0\"\napi_key = {{ file = \"{}\" }}\n",
                server.uri(),
                key.display()
            ),
        )
        .expect("config");
        self
    }

    fn db_path(&self) -> PathBuf {
        self.dir.path().join("data/mops/mops.db")
    }

    fn queue(&self) -> Vec<StoredFailure> {
        Store::open(self.db_path())
            .expect("store")
            .failed_actions()
            .expect("list")
    }

    fn audit(&self) -> Vec<AuditRecord> {
        let path = self.dir.path().join("state/mops/audit.jsonl");
        if !path.exists() {
            return Vec::new();
        }
        read_log(&path).expect("audit log").records
    }

    /// `mops ARGS` with this home, in its own session (no controlling
    /// terminal, so a prompt can never wait on the developer's).
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
            .args(args)
            .env("HOME", root.join("home"))
            .env("XDG_CONFIG_HOME", root.join("config"))
            .env("XDG_STATE_HOME", root.join("state"))
            .env("XDG_DATA_HOME", root.join("data"))
            .env("MOPS_CONFIG", &self.config)
            .env("TZ", "UTC")
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
    let r = Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(!r.stdout.contains(API_KEY) && !r.stderr.contains(API_KEY));
    r
}

/// Sends unschedule once against a vendor that refuses it; returns its queue id.
async fn fail_once(home: &Home) -> i64 {
    let r = run(home.mops(&["act", "mailchimp", "unschedule", "Dec promo", "--yes"])).await;
    assert_eq!(r.code, Some(1), "{}{}", r.stdout, r.stderr);
    let queue = home.queue();
    assert_eq!(queue.len(), 1, "{}", r.stderr);
    let id = queue[0].id;
    assert!(
        r.stderr.contains(&format!(
            "kept in the failed-actions queue as #{id}: retry with `mops act --retry {id}`"
        )),
        "{}",
        r.stderr
    );
    // The action's own error comes first, whole.
    assert!(
        r.stderr.contains("This campaign cannot be unscheduled right now."),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("HTTP status: 400"), "{}", r.stderr);
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_action_is_kept_listed_and_retried_once_until_it_succeeds() {
    let server = mailchimp().await;
    unschedule(&server, refusal(), 2).await;
    let home = Home::new(&server);

    let id = fail_once(&home).await;
    let kept = &home.queue()[0];
    assert_eq!(
        (kept.source.as_str(), kept.planned.action.as_str()),
        ("mailchimp", "unschedule")
    );
    assert_eq!(kept.planned.auth, "Basic ***");
    assert_eq!(kept.error.http_status, Some(400));
    let first_rid = kept.error.request_id.clone().expect("request id");
    assert_eq!(home.audit()[1].request_id.as_deref(), Some(first_rid.as_str()));

    // --failed lists it as an aligned table, and needs no config.
    fs::rename(&home.config, home.config.with_extension("moved")).expect("move config away");
    let r = run(home.mops(&["act", "--failed"])).await;
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", r.stdout);
    for header in ["ID", "FAILED", "SOURCE", "ACTION", "TARGET", "WHY", "REQUEST ID"] {
        assert!(lines[0].contains(header), "{}", r.stdout);
    }
    let row = lines[1];
    assert!(row.starts_with(&format!("#{id} ")), "{row}");
    for part in ["mailchimp", "unschedule", "Dec promo (c-sched)", first_rid.as_str()] {
        assert!(row.contains(part), "{part:?} missing: {row}");
    }
    // Aligned on screen: in characters, the vendor text may hold an ellipsis.
    let column = |line: &str, part: &str| line.find(part).map(|at| line[..at].chars().count());
    assert_eq!(column(row, &first_rid), column(lines[0], "REQUEST ID"), "{}", r.stdout);
    fs::rename(home.config.with_extension("moved"), &home.config).expect("move config back");

    // A dry run shows the stored request and sends nothing.
    let id_text = id.to_string();
    let r = run(home.mops(&["act", "--retry", &id_text, "--dry-run"])).await;
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(
        r.stdout.contains(&format!("POST {}{UNSCHEDULE}", server.uri())),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("Authorization: Basic ***"), "{}", r.stdout);
    assert!(r.stdout.contains("dry run: nothing sent"), "{}", r.stdout);
    assert_eq!(unschedule_posts(&server).await, 1);

    // Refused again: kept under the same id, with the new error.
    let r = run(home.mops(&["act", "--retry", &id_text, "--yes"])).await;
    assert_eq!(r.code, Some(1), "{}", r.stdout);
    assert!(
        r.stderr
            .contains(&format!("failed again; kept in the failed-actions queue as #{id}")),
        "{}",
        r.stderr
    );
    let queue = home.queue();
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0].id, id);
    let second_rid = queue[0].error.request_id.clone().expect("request id");
    assert_ne!(second_rid, first_rid);
    assert_eq!(unschedule_posts(&server).await, 2);

    // The vendor takes it now: sent exactly once more, and off the queue.
    let r = run(home.mops(&["act", "--retry", &id_text, "--yes"])).await;
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains(&format!("removed #{id} from the failed-actions queue")),
        "{}",
        r.stdout
    );
    assert_eq!(unschedule_posts(&server).await, 3);
    assert!(home.queue().is_empty());
    let r = run(home.mops(&["act", "--failed"])).await;
    assert_eq!((r.code, r.stdout.as_str()), (Some(0), "no failed actions\n"));

    let events: Vec<_> = home.audit().iter().map(|r| (r.event, r.ok)).collect();
    use AuditEvent::{Attempt, Outcome};
    assert_eq!(
        events,
        [
            (Attempt, None),
            (Outcome, Some(false)),
            (Attempt, None),
            (Outcome, Some(false)),
            (Attempt, None),
            (Outcome, Some(true)),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_in_readonly_mode_is_refused_and_kept() {
    let server = mailchimp().await;
    unschedule(&server, refusal(), 1).await;
    let home = Home::new(&server);
    let id = fail_once(&home).await.to_string();

    let r = run(home.mops(&["--readonly", "act", "--retry", &id, "--yes"])).await;
    assert_eq!(r.code, Some(1), "{}", r.stdout);
    assert!(r.stderr.contains("read-only mode"), "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!("#{id} stays in the failed-actions queue")),
        "{}",
        r.stderr
    );
    assert_eq!(unschedule_posts(&server).await, 1, "nothing more was sent");
    let queue = home.queue();
    assert_eq!(queue.len(), 1);
    assert_eq!(
        queue[0].error.http_status,
        Some(400),
        "the original failure is kept as it was"
    );
    assert_eq!(home.audit().last().expect("record").event, AuditEvent::Refused);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readonly_refusals_are_not_failures_to_keep() {
    let server = mailchimp().await;
    unschedule(&server, refusal(), 1).await;
    let home = Home::new(&server);
    let r = run(home.mops(&["--readonly", "act", "mailchimp", "unschedule", "c-sched", "--yes"])).await;
    assert_eq!(r.code, Some(1));
    assert!(!r.stderr.contains("failed-actions queue"), "{}", r.stderr);
    assert!(home.queue().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discard_forgets_one_and_unknown_ids_name_what_exists() {
    let server = mailchimp().await;
    unschedule(&server, refusal(), 2).await;
    let home = Home::new(&server);
    let first = fail_once(&home).await;
    let r = run(home.mops(&["act", "mailchimp", "unschedule", "c-sched", "--yes"])).await;
    assert_eq!(r.code, Some(1));
    let ids: Vec<i64> = home.queue().iter().map(|f| f.id).collect();
    assert_eq!(ids.len(), 2);
    let second = ids[1];

    let r = run(home.mops(&["act", "--discard", "99"])).await;
    assert_eq!(r.code, Some(1));
    assert!(
        r.stderr.contains(&format!(
            "no failed action #99; the failed-actions queue holds #{first}, #{second}"
        )),
        "{}",
        r.stderr
    );
    let r = run(home.mops(&["act", "--retry", "99", "--yes"])).await;
    assert_eq!(r.code, Some(1));
    assert!(r.stderr.contains("no failed action #99"), "{}", r.stderr);

    let r = run(home.mops(&["act", "--discard", &first.to_string()])).await;
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(
        r.stdout.contains(&format!("discarded failed action #{first}")),
        "{}",
        r.stdout
    );
    assert_eq!(home.queue().iter().map(|f| f.id).collect::<Vec<_>>(), [second]);
    assert_eq!(unschedule_posts(&server).await, 2, "discarding sends nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_whose_source_left_the_config_sends_nothing() {
    let server = mailchimp().await;
    unschedule(&server, refusal(), 1).await;
    let home = Home::new(&server);
    let id = fail_once(&home).await.to_string();
    let home = home.with_source("newsletter", &server);
    let r = run(home.mops(&["act", "--retry", &id, "--yes"])).await;
    assert_eq!(r.code, Some(1));
    assert!(
        r.stderr.contains(&format!(
            "failed action #{id} was sent through source \"mailchimp\", which is not in the config (its sources: newsletter)"
        )),
        "{}",
        r.stderr
    );
    assert_eq!(unschedule_posts(&server).await, 1);
    assert_eq!(home.queue().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queue_that_cannot_open_does_not_hide_the_failure() {
    let server = mailchimp().await;
    unschedule(&server, refusal(), 1).await;
    let home = Home::new(&server);
    // The data folder is a file: no database can be created under it.
    let data = home.dir.path().join("data");
    fs::remove_dir(&data).expect("rmdir");
    fs::write(&data, "").expect("block");
    let r = run(home.mops(&["act", "mailchimp", "unschedule", "c-sched", "--yes"])).await;
    assert_eq!(r.code, Some(1));
    assert!(
        r.stderr.contains("This campaign cannot be unscheduled right now."),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("request id:"), "{}", r.stderr);
    assert!(r.stderr.contains("not kept for retry"), "{}", r.stderr);
    assert_eq!(unschedule_posts(&server).await, 1);
}

#[test]
fn the_queue_flags_exclude_an_action_and_each_other() {
    use clap::Parser;
    use mops::cli::{Cli, Command};
    let parse = |args: &[&str]| Cli::try_parse_from([&["mops", "act"], args].concat());
    for bad in [
        &["--failed", "mailchimp"][..],
        &["mailchimp", "unschedule", "c1", "--retry", "1"],
        &["--retry", "1", "--discard", "1"],
        &["--failed", "--retry", "1"],
        &["--failed", "--discard", "1"],
        &["--discard", "1", "--yes"],
        &["--failed", "--dry-run"],
        &["--retry", "1", "--at", "+2h"],
        &["--retry", "0"],
        &["--discard", "x"],
        &[],
    ] {
        let err = parse(bad).expect_err(&format!("{bad:?} accepted"));
        assert_ne!(err.kind(), clap::error::ErrorKind::DisplayHelp, "{bad:?}");
    }
    let conflict = parse(&["--retry", "1", "--discard", "2"]).expect_err("conflict");
    assert_eq!(conflict.kind(), clap::error::ErrorKind::ArgumentConflict);
    for good in [
        &["--failed"][..],
        &["--retry", "3", "--yes"],
        &["--retry", "3", "--dry-run"],
        &["--discard", "3"],
        &["mailchimp", "--list"],
    ] {
        let cli = parse(good).unwrap_or_else(|e| panic!("{good:?}: {e}"));
        let Some(Command::Act(args)) = cli.command else {
            panic!("not act");
        };
        assert_eq!(
            args.needs_config(),
            !(args.failed || args.discard.is_some()),
            "{good:?}"
        );
    }
}
