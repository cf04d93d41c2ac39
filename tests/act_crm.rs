//! `mops act` on CRM contacts and audience members, end to end: the real
//! binary against wiremock acting as HubSpot and Mailchimp, with a config and
//! 0600 secret files in a temp dir and its own HOME and XDG folders.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::time::Duration;

use mops::actions::audit::{AuditEvent, AuditRecord, read_log};
use serde_json::{Value, json};
use tempfile::TempDir;
use wiremock::matchers::{basic_auth, bearer_token, body_json, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "pat-na1-11111111-2222-3333-4444-555555555555";
const API_KEY: &str = "fedcba9876543210fedcba9876543210-us7";

fn get(p: &str, body: Value) -> Mock {
    Mock::given(method("GET"))
        .and(path(p.to_owned()))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
}

fn contact(id: &str, first: &str, last: &str, email: &str, stage: Option<&str>, owner: Option<&str>) -> Value {
    json!({"id": id, "properties": {
        "email": email, "firstname": first, "lastname": last, "company": "Acme",
        "lifecyclestage": stage, "hubspot_owner_id": owner,
        "hs_lastmodifieddate": "2026-11-20T08:00:00Z", "createdate": "2026-01-01T00:00:00Z",
        "hs_email_optout": "false"
    }, "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-11-20T08:00:00Z", "archived": false})
}

/// A HubSpot portal: Ann (owned by 77), Cy (no stage, no owner), and a
/// duplicate pair whose emails differ only in case; owners Sam and Kim.
async fn hubspot() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/crm/v3/objects/contacts"))
        .and(query_param("limit", "1"))
        .and(bearer_token(TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"results": []})))
        .mount(&server)
        .await;
    let contacts = json!({"results": [
        contact("101", "Ann", "Lee", "ann@acme.example", Some("lead"), Some("77")),
        contact("102", "Cy", "Park", "cy@acme.example", None, None),
        contact("201", "Bo", "Diaz", "bo@acme.example", Some("customer"), Some("78")),
        contact("202", "Bob", "Diaz", "BO@acme.example", None, None),
    ]});
    Mock::given(method("GET"))
        .and(path("/crm/v3/objects/contacts"))
        .and(query_param("limit", "100"))
        .and(bearer_token(TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_json(contacts))
        .mount(&server)
        .await;
    get(
        "/crm/v3/objects/deals",
        json!({"results": [{"id": "d1", "properties": {"dealname": "Acme renewal", "amount": "1200"},
            "associations": {"contacts": {"results": [{"id": "101", "type": "deal_to_contact"}]}}}]}),
    )
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
    get(
        "/crm/v3/pipelines/deals",
        json!({"results": [{"id": "default", "label": "Sales Pipeline", "displayOrder": 0, "stages": []}]}),
    )
    .mount(&server)
    .await;
    get("/account-info/v3/details", json!({"portalId": 4242}))
        .mount(&server)
        .await;
    server
}

fn member(email: &str, status: &str) -> Value {
    json!({"id": hash(email), "email_address": email, "status": status,
           "last_changed": "2026-11-20T08:00:00+00:00"})
}

/// Mailchimp's subscriber hash: MD5 of the lowercased address.
fn hash(email: &str) -> String {
    use md5::{Digest, Md5};
    Md5::digest(email.to_lowercase().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Two audiences: Ann only in the newsletter, Bo in both.
async fn mailchimp() -> MockServer {
    let server = MockServer::start().await;
    get("/3.0/ping", json!({"health_status": "Everything's Chimpy!"}))
        .mount(&server)
        .await;
    get("/3.0/campaigns", json!({"campaigns": [], "total_items": 0}))
        .mount(&server)
        .await;
    get("/3.0/reports", json!({"reports": [], "total_items": 0}))
        .mount(&server)
        .await;
    let list = |id: &str, name: &str| json!({"id": id, "name": name, "stats": {"member_count": 2, "unsubscribe_count": 0, "cleaned_count": 0}});
    get(
        "/3.0/lists",
        json!({"lists": [list("l1", "Acme Newsletter"), list("l2", "Customers")], "total_items": 2}),
    )
    .mount(&server)
    .await;
    get(
        "/3.0/lists/l1/members",
        json!({"members": [member("Ann@Acme.example", "subscribed"), member("bo@acme.example", "subscribed")],
               "total_items": 2}),
    )
    .mount(&server)
    .await;
    get(
        "/3.0/lists/l2/members",
        json!({"members": [member("bo@acme.example", "subscribed")], "total_items": 1}),
    )
    .mount(&server)
    .await;
    server
}

struct Home {
    dir: TempDir,
    config: PathBuf,
}

impl Home {
    fn new(hubspot: &MockServer, mailchimp: &MockServer) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        for sub in ["home", "config", "state", "data"] {
            fs::create_dir_all(dir.path().join(sub)).expect("mkdir");
        }
        let secret = |name: &str, value: &str| {
            let file = dir.path().join(name);
            fs::write(&file, value).expect("secret");
            fs::set_permissions(&file, fs::Permissions::from_mode(0o600)).expect("chmod");
            file
        };
        let token = secret("hubspot.token", TOKEN);
        let key = secret("mailchimp.key", API_KEY);
        let config = dir.path().join("mops.toml");
        fs::write(
            &config,
            format!(
                "[[source]]\nname = \"crm\"\nkind = \"hubspot\"\nbase_url = \"{}\"\ntoken = {{ file = \"{}\" }}\n\n\
                 [[source]]\nname = \"mailchimp\"\nkind = \"mailchimp\"\nbase_url = \"{}/3.0\"\n\
                 api_key = {{ file = \"{}\" }}\n",
                hubspot.uri(),
                token.display(),
                mailchimp.uri(),
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

    /// `mops --config CONFIG ARGS` in its own session: no terminal to ask on.
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

    fn no_secret_leaks(&self, run: &Run) {
        for secret in [TOKEN, API_KEY] {
            assert!(!run.stdout.contains(secret) && !run.stderr.contains(secret));
            if self.audit_path().exists() {
                let raw = fs::read_to_string(self.audit_path()).expect("read");
                assert!(!raw.contains(secret), "{raw}");
            }
        }
    }
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs the binary off the async runtime, so the mocks keep answering.
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

/// One action as `mops act` is asked for it, and the request it must send.
struct Case {
    args: Vec<&'static str>,
    hubspot: bool,
    verb: &'static str,
    path: String,
    body: Value,
    target_id: String,
    /// Lines the dry run shows besides the request line.
    shown: Vec<&'static str>,
}

fn cases() -> Vec<Case> {
    let hub = |args: Vec<&'static str>, verb, path: &str, body, target: &str, shown| Case {
        args,
        hubspot: true,
        verb,
        path: path.to_owned(),
        body,
        target_id: target.to_owned(),
        shown,
    };
    vec![
        // By email, owner by email: the owner's id is what is sent.
        hub(
            vec![
                "act",
                "crm",
                "assign-owner",
                "ANN@acme.example",
                "--owner",
                "kim@acme.example",
            ],
            "PATCH",
            "/crm/v3/objects/contacts/101",
            json!({"properties": {"hubspot_owner_id": "78"}}),
            "101",
            vec!["\"hubspot_owner_id\": \"78\"", "from owner 77 to owner 78"],
        ),
        hub(
            vec![
                "act",
                "crm",
                "set-lifecycle-stage",
                "102",
                "--stage",
                "marketingqualifiedlead",
            ],
            "PATCH",
            "/crm/v3/objects/contacts/102",
            json!({"properties": {"lifecyclestage": "marketingqualifiedlead"}}),
            "102",
            vec!["\"lifecyclestage\": \"marketingqualifiedlead\""],
        ),
        hub(
            vec!["act", "crm", "opt-out", "101"],
            "PATCH",
            "/crm/v3/objects/contacts/101",
            json!({"properties": {"hs_email_optout": "true"}}),
            "101",
            vec!["\"hs_email_optout\": \"true\""],
        ),
        hub(
            vec!["act", "crm", "merge", "202", "--into", "201"],
            "POST",
            "/crm/v3/objects/contacts/merge",
            json!({"primaryObjectId": "201", "objectIdToMerge": "202"}),
            "202",
            vec!["\"objectIdToMerge\": \"202\"", "This cannot be undone."],
        ),
        Case {
            args: vec!["act", "mailchimp", "unsubscribe", " ann@acme.example"],
            hubspot: false,
            verb: "PATCH",
            path: format!("/3.0/lists/l1/members/{}", hash("ann@acme.example")),
            body: json!({"status": "unsubscribed"}),
            target_id: hash("ann@acme.example"),
            shown: vec!["\"status\": \"unsubscribed\"", "Authorization: Basic ***"],
        },
    ]
}

/// The write `case` expects, `times` times, matched on everything it sends.
async fn mount_write(case: &Case, hs: &MockServer, mc: &MockServer, times: u64) {
    let builder = Mock::given(method(case.verb))
        .and(path(case.path.clone()))
        .and(body_json(case.body.clone()));
    let answer = ResponseTemplate::new(200).set_body_json(json!({"id": case.target_id, "properties": {}}));
    if case.hubspot {
        builder
            .and(bearer_token(TOKEN))
            .respond_with(answer)
            .expect(times)
            .mount(hs)
            .await;
    } else {
        builder
            .and(basic_auth("mops", API_KEY))
            .respond_with(answer)
            .expect(times)
            .mount(mc)
            .await;
    }
}

/// Requests that change something: not GETs, nor the open-tasks search (a
/// POST that only reads, sent by every HubSpot poll).
async fn writes(server: &MockServer) -> usize {
    let requests = server.received_requests().await.expect("recorded");
    requests
        .iter()
        .filter(|r| r.method.as_str() != "GET" && r.url.path() != "/crm/v3/objects/tasks/search")
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_shows_every_action_with_its_target_and_flags() {
    let (hs, mc) = (hubspot().await, mailchimp().await);
    let home = Home::new(&hs, &mc);
    let r = run(home.mops(&["act", "crm", "--list"])).await;
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let line = |text: &str, name: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(name))
            .unwrap_or_else(|| panic!("{name} missing:\n{text}"))
            .to_owned()
    };
    let merge = line(&r.stdout, "merge");
    assert!(
        merge.contains("DUPLICATE") && merge.contains("needs --into KEEPER"),
        "{merge}"
    );
    assert!(merge.contains("IRREVERSIBLE"), "{merge}");
    assert!(line(&r.stdout, "assign-owner").contains("needs --owner OWNER"));
    assert!(line(&r.stdout, "set-lifecycle-stage").contains("needs --stage STAGE"));
    assert!(line(&r.stdout, "opt-out").contains("CONTACT"));
    let r = run(home.mops(&["act", "mailchimp", "--list"])).await;
    let unsubscribe = line(&r.stdout, "unsubscribe");
    assert!(
        unsubscribe.contains("EMAIL") && unsubscribe.contains("[--audience LIST_ID]"),
        "{unsubscribe}"
    );
    assert!(line(&r.stdout, "schedule").contains("CAMPAIGN"));
    for server in [&hs, &mc] {
        assert!(server.received_requests().await.expect("recorded").is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_prints_each_exact_request_and_sends_nothing() {
    for case in cases() {
        let (hs, mc) = (hubspot().await, mailchimp().await);
        mount_write(&case, &hs, &mc, 0).await;
        let home = Home::new(&hs, &mc);
        let mut args = case.args.clone();
        args.push("--dry-run");
        let r = run(home.mops(&args)).await;
        assert_eq!(r.code, Some(0), "{args:?}: {}{}", r.stdout, r.stderr);
        let base = if case.hubspot { hs.uri() } else { mc.uri() };
        let request = format!("{} {base}{}", case.verb, case.path);
        assert!(r.stdout.contains(&request), "{request:?} missing:\n{}", r.stdout);
        let auth = if case.hubspot { "Bearer ***" } else { "Basic ***" };
        assert!(r.stdout.contains(&format!("Authorization: {auth}")), "{}", r.stdout);
        for part in &case.shown {
            assert!(r.stdout.contains(part), "{part:?} missing:\n{}", r.stdout);
        }
        assert!(r.stdout.contains("dry run: nothing sent"), "{}", r.stdout);
        assert_eq!(writes(&hs).await + writes(&mc).await, 0, "{args:?}");
        assert!(home.audit().is_empty(), "a dry run audits nothing");
        home.no_secret_leaks(&r);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn yes_sends_each_action_exactly_once_and_audits_two_lines() {
    for case in cases() {
        let (hs, mc) = (hubspot().await, mailchimp().await);
        mount_write(&case, &hs, &mc, 1).await;
        let home = Home::new(&hs, &mc);
        let mut args = case.args.clone();
        args.push("--yes");
        let r = run(home.mops(&args)).await;
        assert_eq!(r.code, Some(0), "{args:?}:\n{}\n{}", r.stdout, r.stderr);
        assert!(r.stdout.contains("HTTP 200"), "{}", r.stdout);
        assert_eq!(writes(&hs).await + writes(&mc).await, 1, "{args:?} sent once");
        let records = home.audit();
        let events: Vec<_> = records.iter().map(|r| r.event).collect();
        assert_eq!(events, [AuditEvent::Attempt, AuditEvent::Outcome], "{args:?}");
        assert_eq!(records[0].action, args[2]);
        assert_eq!(records[0].target, case.target_id);
        assert_eq!(records[1].ok, Some(true));
        assert_eq!(records[0].request_id, records[1].request_id);
        home.no_secret_leaks(&r);
        // Dropping the servers checks each write was matched exactly once.
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readonly_with_yes_sends_nothing_and_audits_the_refusal() {
    for case in cases() {
        let (hs, mc) = (hubspot().await, mailchimp().await);
        mount_write(&case, &hs, &mc, 0).await;
        let home = Home::new(&hs, &mc);
        let mut args = vec!["--readonly"];
        args.extend(case.args.iter().copied());
        args.push("--yes");
        let r = run(home.mops(&args)).await;
        assert_eq!(r.code, Some(1), "{args:?}: {}", r.stdout);
        let base = if case.hubspot { hs.uri() } else { mc.uri() };
        let refusal = format!("read-only mode: {} {base}{} not sent", case.verb, case.path);
        assert!(r.stderr.contains(&refusal), "{refusal:?} missing:\n{}", r.stderr);
        assert_eq!(writes(&hs).await + writes(&mc).await, 0);
        let records = home.audit();
        assert_eq!(records.len(), 1, "{records:?}");
        assert_eq!(records[0].event, AuditEvent::Refused);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn command_line_mistakes_are_refused_before_anything_is_fetched() {
    let (hs, mc) = (hubspot().await, mailchimp().await);
    let home = Home::new(&hs, &mc);
    let refusals: [(&[&str], &str); 5] = [
        (
            &[
                "act",
                "crm",
                "set-lifecycle-stage",
                "102",
                "--stage",
                "marketing qualified lead",
            ],
            "--stage \"marketing qualified lead\" is not a HubSpot lifecycle stage; did you mean marketingqualifiedlead?",
        ),
        (
            &["act", "crm", "merge", "202", "--yes"],
            "merge needs --into KEEPER: the contact to keep (id or email)",
        ),
        (
            &["act", "crm", "opt-out", "101", "--owner", "77"],
            "opt-out does not take --owner: it takes no flags besides --yes and --dry-run",
        ),
        (
            &["act", "crm", "assign-owner", "101", "--stage", "lead", "--owner", "78"],
            "assign-owner does not take --stage: it takes --owner OWNER",
        ),
        (
            &["act", "mailchimp", "unsubscribe", "ann@acme.example", "--into", "x"],
            "unsubscribe does not take --into: it takes [--audience LIST_ID]",
        ),
    ];
    for (args, message) in refusals {
        let r = run(home.mops(args)).await;
        assert_eq!(r.code, Some(1), "{args:?}: {}", r.stdout);
        assert!(r.stderr.contains(message), "{message:?} missing:\n{}", r.stderr);
    }
    for server in [&hs, &mc] {
        assert!(server.received_requests().await.expect("recorded").is_empty());
    }
    assert!(home.audit().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ambiguous_and_unknown_targets_say_what_exists() {
    let (hs, mc) = (hubspot().await, mailchimp().await);
    let home = Home::new(&hs, &mc);
    let cases: [(&[&str], &str); 5] = [
        (
            &["act", "crm", "opt-out", "bo@acme.example", "--yes"],
            "2 contacts have the email \"bo@acme.example\"; give one of their ids: 201, 202",
        ),
        (
            &["act", "crm", "opt-out", "an@acme.example", "--yes"],
            "did you mean ann@acme.example (101)",
        ),
        (
            &[
                "act",
                "crm",
                "assign-owner",
                "101",
                "--owner",
                "nobody@acme.example",
                "--yes",
            ],
            "no owner has that email; the owners of crm: 77 sam@acme.example, 78 kim@acme.example",
        ),
        (
            &["act", "mailchimp", "unsubscribe", "bo@acme.example", "--yes"],
            "bo@acme.example is in 2 audiences of mailchimp: Acme Newsletter (l1) [subscribed], \
             Customers (l2) [subscribed]; pick one with --audience LIST_ID",
        ),
        (
            &["act", "crm", "merge", "201", "--into", "201", "--yes"],
            "a contact cannot be merged with itself",
        ),
    ];
    for (args, message) in cases {
        let r = run(home.mops(args)).await;
        assert_eq!(r.code, Some(1), "{args:?}: {}", r.stdout);
        assert!(r.stderr.contains(message), "{message:?} missing:\n{}", r.stderr);
    }
    assert_eq!(writes(&hs).await + writes(&mc).await, 0);

    // --audience picks one; the request goes to that audience.
    let r = run(home.mops(&[
        "act",
        "mailchimp",
        "unsubscribe",
        "bo@acme.example",
        "--audience",
        "l2",
        "--dry-run",
    ]))
    .await;
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let request = format!("PATCH {}/3.0/lists/l2/members/{}", mc.uri(), hash("bo@acme.example"));
    assert!(r.stdout.contains(&request), "{request:?} missing:\n{}", r.stdout);
}

/// Runs `mops ARGS` on a pseudo-terminal, waits for `prompt`, types
/// `answer` and Enter, and returns the exit code and what the terminal showed.
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
    cmd.env("XDG_DATA_HOME", root.join("data"));
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
async fn a_merge_needs_the_duplicates_name_typed() {
    let (hs, mc) = (hubspot().await, mailchimp().await);
    let merge = &cases()[3];
    mount_write(merge, &hs, &mc, 1).await;
    let home = Home::new(&hs, &mc);
    let args = ["act", "crm", "merge", "202", "--into", "201"];
    let prompt = "Type the target's name (Bob Diaz)";
    for wrong in ["y", "Bo Diaz"] {
        let (code, shown) = tokio::task::block_in_place(|| interactive(&home, &args, prompt, wrong));
        assert_eq!(code, 1, "{wrong:?}: {shown}");
        assert!(shown.contains("did not match"), "{shown}");
        assert!(
            shown.contains("Merges 'Bob Diaz' (id 202"),
            "both records are shown: {shown}"
        );
    }
    assert_eq!(writes(&hs).await, 0);
    assert!(home.audit().is_empty());
    let (code, shown) = tokio::task::block_in_place(|| interactive(&home, &args, prompt, "Bob Diaz"));
    assert_eq!(code, 0, "{shown}");
    assert!(shown.contains("merged contact 202 away"), "{shown}");
    assert_eq!(home.audit().len(), 2);
}
