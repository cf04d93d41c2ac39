//! `mops act` on CMS posts and CRM tasks, end to end: the real binary in a
//! temp HOME. Posts against the built-in sandbox (its own config); tasks
//! against wiremock acting as HubSpot (the sandbox's portal holds 20,000
//! contacts, whose every poll takes its rate limit ~20 s). Targets are found
//! the way a person names them (id, slug, exact title or subject); each
//! action is sent once and its effect seen; failures go to the queue and a
//! retry takes them off it.

use std::fs;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::time::Duration;

use mops::actions::ActionArgs;
use mops::actions::audit::{AuditEvent, read_log};
use mops::config::Config;
use mops::model::{ContentData, PostStatus};
use mops::sandbox::{Sandbox, SandboxOptions};
use mops::sources::SourceData;
use mops::store::{StateStore, Store};
use serde_json::{Value, json};
use tempfile::TempDir;
use wiremock::matchers::{bearer_token, body_json, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

struct Home {
    dir: TempDir,
    config: PathBuf,
    cfg: Config,
}

impl Home {
    fn new(sandbox: &Sandbox) -> Self {
        Home::with(|dir, config| {
            sandbox.write_config(config).expect("config");
            let _ = dir;
        })
    }

    /// A home whose config `write` writes (given the home's folder and the config's path).
    fn with(write: impl FnOnce(&std::path::Path, &std::path::Path)) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        for sub in ["home", "config", "state", "data", "secrets"] {
            fs::create_dir_all(dir.path().join(sub)).expect("mkdir");
        }
        let config = dir.path().join("mops.toml");
        write(dir.path(), &config);
        let cfg = mops::config::load(&config).expect("load");
        Home { dir, config, cfg }
    }

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

    fn audit_ok(&self) -> Vec<(AuditEvent, String, Option<bool>)> {
        let path = self.dir.path().join("state/mops/audit.jsonl");
        read_log(&path)
            .expect("audit")
            .records
            .into_iter()
            .map(|r| (r.event, r.action, r.ok))
            .collect()
    }

    fn store(&self) -> Store {
        Store::open(self.dir.path().join("data/mops/mops.db")).expect("store")
    }

    /// Every secret file the sandbox wrote, to check none leaks.
    fn secrets(&self) -> Vec<String> {
        let dir = self.dir.path().join("secrets");
        fs::read_dir(&dir)
            .map(|entries| {
                entries
                    .filter_map(|e| fs::read_to_string(e.ok()?.path()).ok())
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

async fn run(home: &Home, args: &[&str]) -> Run {
    let mut cmd = home.mops(args);
    let out = tokio::task::spawn_blocking(move || cmd.output().expect("run mops"))
        .await
        .expect("join");
    let r = Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    for secret in home.secrets() {
        assert!(
            !r.stdout.contains(&secret) && !r.stderr.contains(&secret),
            "a secret leaked"
        );
    }
    r
}

async fn sandbox() -> Sandbox {
    mops::sandbox::spawn(SandboxOptions {
        listen: "127.0.0.1:0".parse().expect("addr"),
        seed: 7,
        faults: Vec::new(),
    })
    .await
    .expect("sandbox")
}

fn source_of(cfg: &Config, kind: mops::model::SourceKind) -> &mops::config::SourceConfig {
    cfg.sources
        .iter()
        .find(|s| s.kind == kind)
        .expect("a source of that kind")
}

async fn content(cfg: &Config) -> std::sync::Arc<ContentData> {
    let core = mops::http::HttpCore::new(false).expect("core");
    let source = source_of(cfg, mops::model::SourceKind::Wordpress);
    let connector = mops::sources::build(&core, source).expect("connector");
    let report = connector.poll().await;
    match report.data {
        Some(SourceData::Content(data)) => data,
        _ => panic!("the sandbox served no posts: {}", report.probe.summary),
    }
}

/// A post's status as WordPress itself reports it (published posts are
/// outside the working set a poll reads).
async fn wp_status(cfg: &Config, id: u64) -> String {
    wp_get(cfg, &format!("posts/{id}?context=edit")).await["status"]
        .as_str()
        .expect("status")
        .to_owned()
}

async fn wp_page_status(cfg: &Config, id: u64) -> String {
    wp_get(cfg, &format!("pages/{id}?context=edit")).await["status"]
        .as_str()
        .expect("status")
        .to_owned()
}

/// `GET {base}/wp/v2/{rest}` as the configured user, straight from WordPress.
async fn wp_get(cfg: &Config, rest: &str) -> Value {
    use secrecy::ExposeSecret;
    let source = source_of(cfg, mops::model::SourceKind::Wordpress);
    let mops::config::SourceSettings::Wordpress { user, app_password } = &source.settings else {
        panic!("not wordpress");
    };
    let password = app_password.resolve().expect("password");
    let base = source
        .base_url
        .as_ref()
        .expect("base url")
        .as_str()
        .trim_end_matches('/')
        .to_owned();
    reqwest::Client::new()
        .get(format!("{base}/wp/v2/{rest}"))
        .basic_auth(user, Some(password.expose_secret()))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json")
}

/// A published record's `(id, slug, rendered title)`.
fn published(v: &Value) -> (u64, String, String) {
    (
        v["id"].as_u64().expect("id"),
        v["slug"].as_str().expect("slug").to_owned(),
        v["title"]["rendered"].as_str().expect("title").to_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn published_posts_and_pages_are_moved_to_draft_by_id_slug_or_title() {
    let sandbox = sandbox().await;
    let home = Home::new(&sandbox);
    let wp = source_of(&home.cfg, mops::model::SourceKind::Wordpress).name.clone();
    let list = wp_get(&home.cfg, "posts?status=publish&per_page=100&orderby=id&order=asc").await;
    let posts: Vec<_> = list.as_array().expect("posts").iter().map(published).collect();
    // Titles that render as typed (no entities), so the exact title is plain.
    let plain: Vec<_> = posts
        .iter()
        .filter(|(_, _, t)| t.chars().all(|c| c.is_ascii_alphanumeric() || c == ' '))
        .collect();
    assert!(plain.len() >= 4, "too few plain published titles: {posts:?}");
    let (by_id, by_slug, by_title, kept) = (plain[0], plain[1], plain[2], plain[3]);
    // The cockpit's poll never holds a published post.
    let data = content(&home.cfg).await;
    assert!(!data.posts.contains_key(&by_id.0));

    let r = run(&home, &["act", &wp, "move-to-draft", &by_id.0.to_string(), "--yes"]).await;
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
    let r = run(&home, &["act", &wp, "move-to-draft", &by_slug.1, "--yes"]).await;
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
    let r = run(&home, &["act", &wp, "move-to-draft", &by_title.2, "--yes"]).await;
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
    for (id, ..) in [by_id, by_slug, by_title] {
        assert_eq!(wp_status(&home.cfg, *id).await, "draft", "post {id}");
    }

    let pages = wp_get(&home.cfg, "pages?status=publish&slug=about").await;
    let about = published(&pages.as_array().expect("pages")[0]);
    let r = run(&home, &["act", &wp, "move-to-draft", "about", "--yes"]).await;
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
    assert_eq!(wp_page_status(&home.cfg, about.0).await, "draft");

    // What a published post's state forbids is refused, naming why.
    let r = run(&home, &["act", &wp, "publish", &kept.1, "--yes"]).await;
    assert_eq!(r.code, Some(1), "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("already published"), "{}", r.stderr);
    assert_eq!(wp_status(&home.cfg, kept.0).await, "publish");
    let r = run(&home, &["act", &wp, "move-to-draft", "no-such-post-anywhere", "--yes"]).await;
    assert_eq!(r.code, Some(1));
    assert!(r.stderr.contains("give its id, slug or exact title"), "{}", r.stderr);

    let done = home
        .audit_ok()
        .into_iter()
        .filter(|(e, _, ok)| *e == AuditEvent::Outcome && *ok == Some(true))
        .count();
    assert_eq!(done, 4);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn posts_are_published_rescheduled_and_moved_to_draft_by_id_slug_or_title() {
    let sandbox = sandbox().await;
    let home = Home::new(&sandbox);
    let wp = source_of(&home.cfg, mops::model::SourceKind::Wordpress).name.clone();
    let data = content(&home.cfg).await;
    let unique = |status: PostStatus, key: fn(&mops::model::Post) -> &str| {
        data.posts
            .values()
            .find(|p| {
                p.status == status
                    && p.kind == mops::model::PostType::Post
                    && !key(p).trim().is_empty()
                    && data.posts.values().filter(|q| key(q).trim() == key(p).trim()).count() == 1
            })
            .cloned()
            .unwrap_or_else(|| panic!("no {status:?} post with a unique title or slug"))
    };
    let pending = unique(PostStatus::Pending, |p| &p.title);
    let scheduled = unique(PostStatus::Future, |p| &p.slug);
    let draft = unique(PostStatus::Draft, |p| &p.title);
    let other_draft = data
        .posts
        .values()
        .find(|p| p.status == PostStatus::Draft && p.id != draft.id && p.kind == mops::model::PostType::Post)
        .expect("a second draft")
        .clone();

    let r = run(&home, &["act", &wp, "--list"]).await;
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    for name in ["publish", "reschedule", "move-to-draft"] {
        let line = r
            .stdout
            .lines()
            .find(|l| l.trim_start().starts_with(name))
            .unwrap_or_else(|| panic!("{name} missing:\n{}", r.stdout));
        assert!(line.contains("POST"), "{line}");
    }

    // A dry run by exact title shows the request and changes nothing.
    let r = run(&home, &["act", &wp, "publish", pending.title.trim(), "--dry-run"]).await;
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains(&pending.id.to_string()), "{}", r.stdout);
    assert!(r.stdout.contains("dry run: nothing sent"), "{}", r.stdout);
    assert_eq!(wp_status(&home.cfg, pending.id).await, "pending");

    let r = run(&home, &["act", &wp, "publish", pending.title.trim(), "--yes"]).await;
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
    let r = run(&home, &["act", &wp, "move-to-draft", &scheduled.slug, "--yes"]).await;
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
    let id = draft.id.to_string();
    let r = run(&home, &["act", &wp, "reschedule", &id, "--at", "+48h", "--yes"]).await;
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);

    assert_eq!(wp_status(&home.cfg, pending.id).await, "publish");
    assert_eq!(wp_status(&home.cfg, scheduled.id).await, "draft");
    assert_eq!(wp_status(&home.cfg, draft.id).await, "future");

    // What the post's state forbids is refused before anything is sent.
    let r = run(&home, &["act", &wp, "publish", &other_draft.id.to_string(), "--yes"]).await;
    assert_eq!(r.code, Some(1));
    assert!(r.stderr.contains("its status is draft"), "{}", r.stderr);
    let r = run(&home, &["act", &wp, "publish", "no such post anywhere", "--yes"]).await;
    assert_eq!(r.code, Some(1));
    assert!(r.stderr.contains("give its id, slug or exact title"), "{}", r.stderr);

    let done: Vec<_> = home
        .audit_ok()
        .into_iter()
        .filter(|(e, ..)| *e == AuditEvent::Outcome)
        .collect();
    assert_eq!(done.len(), 3, "{done:?}");
    assert!(done.iter().all(|(_, _, ok)| *ok == Some(true)), "{done:?}");
    assert!(home.store().failed_actions().expect("queue").is_empty());
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_post_failure_is_retried_against_the_sandbox_and_leaves_the_queue() {
    let sandbox = sandbox().await;
    let home = Home::new(&sandbox);
    let source = source_of(&home.cfg, mops::model::SourceKind::Wordpress);
    let data = content(&home.cfg).await;
    let pending = data
        .posts
        .values()
        .find(|p| p.status == PostStatus::Pending)
        .expect("a post pending review")
        .clone();

    // What an earlier `mops act` (or the cockpit) kept: the exact request.
    let core = mops::http::HttpCore::new(false).expect("core");
    let connector = mops::sources::build(&core, source).expect("connector");
    let planned = connector
        .plan("publish", mops::actions::Target::Post(&pending), &ActionArgs::default())
        .expect("plan");
    let error = mops::actions::ActionError {
        message: "no answer within 30s".into(),
        http_status: None,
        vendor: None,
        request_id: Some("rid-earlier".into()),
        duration: Duration::from_secs(30),
    };
    let id = home
        .store()
        .add_failed_action(&source.name, &planned, &error, jiff::Timestamp::now())
        .expect("keep");

    let r = run(&home, &["act", "--failed"]).await;
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(
        r.stdout.contains("rid-earlier") && r.stdout.contains("publish"),
        "{}",
        r.stdout
    );

    let r = run(&home, &["act", "--retry", &id.to_string(), "--yes"]).await;
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains(&format!("removed #{id}")), "{}", r.stdout);
    assert!(home.store().failed_actions().expect("queue").is_empty());
    assert_eq!(wp_status(&home.cfg, pending.id).await, "publish");
    sandbox.shutdown().await;
}

const TOKEN: &str = "pat-na1-11111111-2222-3333-4444-555555555555";

fn task_json(id: &str, subject: &str, due: &str, owner: &str) -> Value {
    json!({"id": id, "properties": {
        "hs_task_subject": subject, "hs_task_body": null, "hs_task_status": "NOT_STARTED",
        "hs_task_priority": "HIGH", "hs_task_type": "CALL", "hs_timestamp": due,
        "hubspot_owner_id": owner, "hs_lastmodifieddate": "2026-11-20T08:00:00Z"
    }, "createdAt": "2026-11-01T00:00:00Z", "updatedAt": "2026-11-20T08:00:00Z", "archived": false})
}

/// A HubSpot portal with one contact, owners Sam (77) and Kim (78), and
/// four open tasks, two of them with the same subject.
async fn hubspot() -> MockServer {
    let server = MockServer::start().await;
    let get = |p: &str, body: Value| {
        Mock::given(method("GET"))
            .and(path(p.to_owned()))
            .and(bearer_token(TOKEN))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
    };
    Mock::given(method("GET"))
        .and(path("/crm/v3/objects/contacts"))
        .and(query_param("limit", "1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"results": []})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/crm/v3/objects/contacts"))
        .and(query_param("limit", "100"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"results": [
            {"id": "101", "properties": {"email": "ann@acme.example", "hs_lastmodifieddate": "2026-11-20T08:00:00Z"}}
        ]})))
        .mount(&server)
        .await;
    get("/crm/v3/objects/deals", json!({"results": []}))
        .mount(&server)
        .await;
    get("/crm/v3/pipelines/deals", json!({"results": []}))
        .mount(&server)
        .await;
    get("/account-info/v3/details", json!({"portalId": 4242}))
        .mount(&server)
        .await;
    get(
        "/crm/v3/owners",
        json!({"results": [
            {"id": "77", "email": "sam@acme.example", "firstName": "Sam", "lastName": "Ode", "archived": false},
            {"id": "78", "email": "kim@acme.example", "firstName": "Kim", "lastName": "Ro", "archived": false}
        ]}),
    )
    .mount(&server)
    .await;
    Mock::given(method("POST"))
        .and(path("/crm/v3/objects/tasks/search"))
        .and(bearer_token(TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"total": 4, "results": [
            task_json("9001", "Call Ann back", "2026-11-20T09:00:00Z", "77"),
            task_json("9002", "Send the renewal quote", "2026-11-21T09:00:00Z", "77"),
            task_json("9003", "Send the renewal quote", "2026-11-22T09:00:00Z", "78"),
            task_json("9004", "Book the QBR", "2098-01-01T09:00:00Z", "77"),
        ]})))
        .mount(&server)
        .await;
    server
}

fn hubspot_home(server: &MockServer) -> Home {
    Home::with(|dir, config| {
        let token = dir.join("secrets/hubspot.token");
        fs::write(&token, TOKEN).expect("token");
        fs::set_permissions(&token, std::os::unix::fs::PermissionsExt::from_mode(0o600)).expect("chmod");
        fs::write(
            config,
            format!(
                "[[source]]\nname = \"crm\"\nkind = \"hubspot\"\nbase_url = \"{}\"\ntoken = {{ file = \"{}\" }}\n",
                server.uri(),
                token.display()
            ),
        )
        .expect("config");
    })
}

fn patch_task(id: &str, body: Value) -> wiremock::MockBuilder {
    Mock::given(method("PATCH"))
        .and(path(format!("/crm/v3/objects/tasks/{id}")))
        .and(bearer_token(TOKEN))
        .and(body_json(body))
}

fn task_ok(id: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"id": id, "properties": {}}))
}

async fn patches(server: &MockServer) -> usize {
    let requests = server.received_requests().await.expect("recorded");
    requests.iter().filter(|r| r.method.as_str() == "PATCH").count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_are_completed_reassigned_and_postponed_by_id_or_subject() {
    let server = hubspot().await;
    patch_task("9001", json!({"properties": {"hs_task_status": "COMPLETED"}}))
        .respond_with(task_ok("9001"))
        .expect(1)
        .mount(&server)
        .await;
    patch_task("9004", json!({"properties": {"hubspot_owner_id": "78"}}))
        .respond_with(task_ok("9004"))
        .expect(1)
        .mount(&server)
        .await;
    patch_task(
        "9002",
        json!({"properties": {"hs_timestamp": "2099-01-05T09:30:00.000Z"}}),
    )
    .respond_with(task_ok("9002"))
    .expect(1)
    .mount(&server)
    .await;
    let home = hubspot_home(&server);

    let r = run(&home, &["act", "crm", "--list"]).await;
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    for name in ["complete", "reassign", "postpone"] {
        let line = r
            .stdout
            .lines()
            .find(|l| l.trim_start().starts_with(name))
            .unwrap_or_else(|| panic!("{name} missing:\n{}", r.stdout));
        assert!(line.contains("TASK"), "{line}");
    }

    let r = run(&home, &["act", "crm", "complete", "Call Ann back", "--yes"]).await;
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
    let r = run(
        &home,
        &["act", "crm", "reassign", "9004", "--owner", "kim@acme.example", "--yes"],
    )
    .await;
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
    let r = run(
        &home,
        &[
            "act",
            "crm",
            "postpone",
            "9002",
            "--at",
            "2099-01-05T09:30:00Z",
            "--yes",
        ],
    )
    .await;
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
    assert_eq!(patches(&server).await, 3);

    // Mistakes are refused before anything is sent.
    let r = run(&home, &["act", "crm", "complete", "Send the renewal quote", "--yes"]).await;
    assert_eq!(r.code, Some(1));
    assert!(
        r.stderr
            .contains("2 open tasks have the subject \"Send the renewal quote\"; give one of their ids: 9002, 9003"),
        "{}",
        r.stderr
    );
    let r = run(
        &home,
        &[
            "act",
            "crm",
            "reassign",
            "9003",
            "--owner",
            "nobody@acme.example",
            "--yes",
        ],
    )
    .await;
    assert_eq!(r.code, Some(1));
    assert!(r.stderr.contains("no owner has that email"), "{}", r.stderr);
    let r = run(&home, &["act", "crm", "reassign", "9003", "--yes"]).await;
    assert_eq!(r.code, Some(1));
    assert!(r.stderr.contains("reassign needs --owner OWNER"), "{}", r.stderr);
    assert_eq!(patches(&server).await, 3);
    assert!(home.store().failed_actions().expect("queue").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_hubspot_refuses_is_kept_then_retried_once() {
    let server = hubspot().await;
    patch_task("9001", json!({"properties": {"hs_task_status": "COMPLETED"}}))
        .respond_with(ResponseTemplate::new(409).set_body_json(json!({
            "status": "error", "message": "The task is locked by a workflow", "correlationId": "c0ffee-1",
            "category": "CONFLICT"
        })))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    patch_task("9001", json!({"properties": {"hs_task_status": "COMPLETED"}}))
        .respond_with(task_ok("9001"))
        .with_priority(2)
        .mount(&server)
        .await;
    let home = hubspot_home(&server);

    let r = run(&home, &["act", "crm", "complete", "9001", "--yes"]).await;
    assert_eq!(r.code, Some(1), "{}", r.stdout);
    assert!(r.stderr.contains("The task is locked by a workflow"), "{}", r.stderr);
    let queue = home.store().failed_actions().expect("queue");
    assert_eq!(queue.len(), 1);
    let id = queue[0].id;
    assert_eq!(queue[0].planned.auth, "Bearer ***");
    assert!(
        r.stderr.contains(&format!("retry with `mops act --retry {id}`")),
        "{}",
        r.stderr
    );

    let r = run(&home, &["act", "--retry", &id.to_string(), "--yes"]).await;
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
    assert_eq!(patches(&server).await, 2, "one refused send, one retry");
    assert!(home.store().failed_actions().expect("queue").is_empty());
    let db = fs::read(home.dir.path().join("data/mops/mops.db")).expect("db");
    assert!(!db.windows(TOKEN.len()).any(|w| w == TOKEN.as_bytes()));
}
