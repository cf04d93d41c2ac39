//! `mops serve` as a Prometheus server scrapes it: the real binary against
//! the sandbox, its metrics checked against the sandbox's data and by
//! `promtool check metrics`, health, the snapshot, faults, a taken port and
//! a clean stop on SIGTERM.

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mops::model::Stage;
use mops::sources::SourceData;

/// How long a condition may take before the test gives up and says which.
/// A guard against hanging, not a measurement.
const PATIENCE: Duration = Duration::from_secs(90);

/// A running `mops serve` with its own HOME and XDG folders; killed if the test fails.
struct Served {
    child: Child,
    addr: SocketAddr,
    /// Keeps HOME and the XDG folders alive.
    _home: tempfile::TempDir,
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn serve_command(stack: &common::SandboxStack, home: &std::path::Path, listen: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mops"));
    cmd.arg("--config")
        .arg(stack.dir.path().join("mops.toml"))
        .args(["serve", "--listen", listen])
        .env("HOME", home.join("home"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("TZ", "UTC")
        .env_remove("MOPS_CONFIG")
        .env_remove("MOPS_LOG");
    cmd
}

/// Starts `mops serve` on a port the system picks and reads the address from its first line.
async fn serve(stack: &common::SandboxStack) -> Served {
    let home = tempfile::tempdir().expect("tempdir");
    let mut child = serve_command(stack, home.path(), "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn mops serve");
    let stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        line
    })
    .await
    .expect("read the first line");
    let Some(addr) = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|a| a.parse().ok())
    else {
        let _ = child.kill();
        let mut err = String::new();
        let _ = stderr.read_to_string(&mut err);
        panic!("mops serve did not say where it listens: {line:?}; stderr: {err}");
    };
    Served {
        child,
        addr,
        _home: home,
    }
}

async fn get(served: &Served, path: &str, accept: Option<&str>) -> reqwest::Response {
    let mut req = reqwest::Client::new().get(format!("http://{}{path}", served.addr));
    if let Some(accept) = accept {
        req = req.header("accept", accept);
    }
    req.send().await.expect("request to mops serve")
}

/// The Accept header Prometheus 2.x sends.
const PROMETHEUS_ACCEPT: &str = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

async fn scrape(served: &Served, accept: Option<&str>) -> (String, String) {
    let resp = get(served, "/metrics", accept).await;
    assert_eq!(resp.status(), 200);
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (content_type, resp.text().await.expect("metrics body"))
}

/// One sample line: its name, labels and value.
#[derive(Debug, Clone)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

fn parse(body: &str) -> Vec<Sample> {
    body.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|line| {
            let (series, value) = line.rsplit_once(' ').expect("name and value");
            let value = match value {
                "+Inf" => f64::INFINITY,
                "-Inf" => f64::NEG_INFINITY,
                v => v.parse().unwrap_or_else(|_| panic!("a number in {line:?}")),
            };
            let (name, labels) = match series.split_once('{') {
                Some((name, rest)) => (name, parse_labels(rest.strip_suffix('}').expect("closing brace"))),
                None => (series, BTreeMap::new()),
            };
            Sample {
                name: name.to_owned(),
                labels,
                value,
            }
        })
        .collect()
}

/// `a="x",b="y \"q\""` into a map, unescaping.
fn parse_labels(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut chars = text.chars().peekable();
    while chars.peek().is_some() {
        let key: String = chars.by_ref().take_while(|c| *c != '=').collect();
        assert_eq!(chars.next(), Some('"'), "a quoted value for {key} in {text}");
        let mut value = String::new();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some('n') => value.push('\n'),
                    Some(other) => value.push(other),
                    None => break,
                },
                '"' => break,
                c => value.push(c),
            }
        }
        out.insert(key, value);
        if chars.peek() == Some(&',') {
            chars.next();
        }
    }
    out
}

/// Samples of `name` carrying every label in `want`.
fn find<'a>(samples: &'a [Sample], name: &str, want: &[(&str, &str)]) -> Vec<&'a Sample> {
    samples
        .iter()
        .filter(|s| {
            s.name == name
                && want
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
        .collect()
}

/// The one value of `name` with `want`; fails naming what is missing.
fn value(samples: &[Sample], name: &str, want: &[(&str, &str)]) -> f64 {
    let found = find(samples, name, want);
    assert_eq!(found.len(), 1, "exactly one {name} with {want:?}, found {found:?}");
    found[0].value
}

/// Sum of `name` over every series carrying `want`.
fn total(samples: &[Sample], name: &str, want: &[(&str, &str)]) -> f64 {
    find(samples, name, want).iter().map(|s| s.value).sum()
}

/// Scrapes until `ready` holds, or fails with `what` and the last body.
async fn scrape_until(served: &Served, what: &str, ready: impl Fn(&[Sample]) -> bool) -> (String, Vec<Sample>) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let (_, body) = scrape(served, None).await;
        let samples = parse(&body);
        if ready(&samples) {
            return (body, samples);
        }
        assert!(
            Instant::now() < deadline,
            "gave up waiting for {what}; last scrape:\n{body}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// `promtool check metrics` on `body`: it must accept it without a word.
/// Missing promtool is a failure, never a skip: CI installs it (.ci/run).
fn promtool_check(body: &str) {
    let spawned = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
            "promtool is not installed: the exposition check needs it. Install Debian's `prometheus` \
             package (apt-get install --no-install-recommends prometheus), as .ci/run does"
        ),
        Err(e) => panic!("could not run promtool: {e}"),
    };
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(body.as_bytes())
        .expect("feed promtool");
    let out = child.wait_with_output().expect("promtool output");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success() && said.is_empty(),
        "promtool check metrics: {:?}\n{said}\nbody:\n{body}",
        out.status
    );
}

fn sigterm(served: &mut Served) -> std::process::ExitStatus {
    let pid = libc::pid_t::try_from(served.child.id()).expect("pid");
    // SAFETY: kill(2) on our own child's pid.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    served.child.wait().expect("wait for mops serve")
}

/// The campaigns per stage the sandbox serves, read through the real connector.
async fn sandbox_stages(stack: &common::SandboxStack) -> BTreeMap<&'static str, usize> {
    let core = mops::http::HttpCore::new(true).expect("http core");
    let report = stack.connector(&core, "mailchimp").poll().await;
    let Some(SourceData::Email(data)) = report.data else {
        panic!("the sandbox's Mailchimp brought no data: {}", report.probe.summary);
    };
    Stage::ALL
        .iter()
        .map(|s| (s.label(), data.campaigns.iter().filter(|c| c.stage() == *s).count()))
        .collect()
}

const SOURCES: [&str; 4] = ["mailchimp", "hubspot", "wordpress", "website"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_match_the_sandbox_and_pass_promtool() {
    let stack = common::sandbox_stack(31, None, Vec::new()).await;
    let mut served = serve(&stack).await;

    // Health first: the loop is alive and, soon, every source has polled.
    let deadline = Instant::now() + PATIENCE;
    let health = loop {
        let resp = get(&served, "/healthz", None).await;
        assert_eq!(resp.status(), 200);
        let health: serde_json::Value = resp.json().await.expect("healthz JSON");
        assert_eq!(health["status"], "ok", "{health}");
        assert_eq!(health["sources"], 4, "{health}");
        if health["polled"] == 4 && health["up"] == 4 {
            break health;
        }
        assert!(
            Instant::now() < deadline,
            "gave up waiting for every source to poll: {health}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(health["updated_at"].is_string(), "{health}");

    // Then the rules have run over the data every source brought: the
    // planted problems fire, by rule (the CRM's arrive with its slower poll).
    let planted = [
        "invalid_email",
        "duplicate_email",
        "consent_mismatch",
        "campaign_bounce_rate",
    ];
    let (body, samples) = scrape_until(&served, "alerts for every planted problem", |s| {
        planted
            .iter()
            .all(|rule| total(s, "mops_alerts_firing", &[("rule", rule)]) > 0.0)
            && find(s, "mops_task_queue_items", &[]).len() == 7
    })
    .await;

    for source in SOURCES {
        assert_eq!(
            value(&samples, "mops_source_up", &[("source", source)]),
            1.0,
            "{source}"
        );
        // The three vendors bring data; the plain HTTP check brings none.
        let data_age = find(&samples, "mops_source_data_age_seconds", &[("source", source)]);
        assert_eq!(data_age.len(), usize::from(source != "website"), "{source}");
        assert_eq!(
            total(&samples, "mops_source_status", &[("source", source)]),
            1.0,
            "one status at a time for {source}"
        );
        let status_ok = value(&samples, "mops_source_status", &[("source", source), ("status", "OK")])
            + value(
                &samples,
                "mops_source_status",
                &[("source", source), ("status", "DEGRADED")],
            );
        assert_eq!(status_ok, 1.0, "{source}");
        let polls = value(&samples, "mops_probe_latency_seconds_count", &[("source", source)]);
        assert!(polls >= 1.0, "{source} polled at least once");
        assert_eq!(
            value(
                &samples,
                "mops_probe_latency_seconds_bucket",
                &[("source", source), ("le", "+Inf")]
            ),
            polls,
            "{source}"
        );
        assert_eq!(value(&samples, "mops_source_error_ratio", &[("source", source)]), 0.0);
        assert_eq!(
            value(
                &samples,
                "mops_source_circuit_state",
                &[("source", source), ("state", "closed")]
            ),
            1.0
        );
    }
    // HubSpot sends its rate-limit headers: 100 per 10 s on the starter tier.
    assert_eq!(
        value(
            &samples,
            "mops_source_rate_limit_limit",
            &[("source", "hubspot"), ("period", "window")]
        ),
        100.0
    );
    let remaining = value(
        &samples,
        "mops_source_rate_limit_remaining",
        &[("source", "hubspot"), ("period", "window")],
    );
    assert!((0.0..=100.0).contains(&remaining), "{remaining}");

    // The pipeline's stages, exactly as the sandbox holds them.
    for (stage, n) in sandbox_stages(&stack).await {
        assert_eq!(
            value(&samples, "mops_campaigns", &[("source", "mailchimp"), ("stage", stage)]),
            n as f64,
            "campaigns in stage {stage}"
        );
    }
    let sent = find(&samples, "mops_campaign_emails_sent", &[]);
    assert!(!sent.is_empty() && sent.len() <= 50, "{}", sent.len());
    assert!(
        find(&samples, "mops_campaign_bounce_ratio", &[])
            .iter()
            .any(|s| s.value > 0.02),
        "the planted high-bounce campaign"
    );
    assert!(
        !find(&samples, "mops_campaign_romi_ratio", &[]).is_empty(),
        "ROMI from the configured economics"
    );

    // The planted problems fire, by rule.
    for rule in [
        "invalid_email",
        "duplicate_email",
        "consent_mismatch",
        "campaign_bounce_rate",
    ] {
        assert!(
            total(&samples, "mops_alerts_firing", &[("rule", rule)]) > 0.0,
            "alerts for {rule}"
        );
        assert!(total(&samples, "mops_alerts_firing_records", &[("rule", rule)]) > 0.0);
    }
    assert!(value(&samples, "mops_alerts", &[("state", "firing")]) > 0.0);
    assert!(value(&samples, "mops_task_queue_items", &[("queue", "missed_schedule")]) >= 1.0);
    assert!(value(&samples, "mops_task_queue_items", &[("queue", "overdue")]) >= 1.0);
    assert_eq!(
        value(&samples, "mops_task_queue_items", &[("queue", "failed_actions")]),
        0.0
    );
    assert!(total(&samples, "mops_crm_open_tasks", &[("source", "hubspot")]) >= 1.0);
    assert_eq!(
        value(&samples, "mops_build_info", &[("version", env!("CARGO_PKG_VERSION"))]),
        1.0
    );

    // Both formats pass promtool; Prometheus's own Accept gets OpenMetrics.
    promtool_check(&body);
    let (plain_type, _) = scrape(&served, None).await;
    assert_eq!(plain_type, "text/plain; version=0.0.4; charset=utf-8");
    let (om_type, om) = scrape(&served, Some(PROMETHEUS_ACCEPT)).await;
    assert_eq!(om_type, "application/openmetrics-text; version=1.0.0; charset=utf-8");
    assert!(om.ends_with("# EOF\n"), "{om}");
    assert!(om.contains("# UNIT mops_probe_latency_seconds seconds\n"));
    promtool_check(&om);

    // The snapshot parses; unknown paths are 404.
    let snap = get(&served, "/snapshot.json", None).await;
    assert_eq!(snap.status(), 200);
    let doc: serde_json::Value = snap.json().await.expect("snapshot JSON");
    assert_eq!(doc["version"], 1, "{doc}");
    let names: Vec<&str> = doc["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(names, SOURCES);
    for s in doc["sources"].as_array().expect("sources") {
        assert!(matches!(s["status"].as_str(), Some("OK" | "DEGRADED")), "{s}");
    }
    assert_eq!(get(&served, "/nope", None).await.status(), 404);

    let status = sigterm(&mut served);
    assert_eq!(status.code(), Some(0), "SIGTERM stops mops serve cleanly");
    stack.sandbox.shutdown().await;
}

/// A chat webhook on loopback: every JSON body POSTed to its secret path.
async fn webhook_mock() -> (SocketAddr, std::sync::Arc<std::sync::Mutex<Vec<serde_json::Value>>>) {
    use axum::extract::State;
    type Bodies = std::sync::Arc<std::sync::Mutex<Vec<serde_json::Value>>>;
    let received: Bodies = Default::default();
    let app = axum::Router::new()
        .route(
            "/services/T0/B0/sekrit-token",
            axum::routing::post(
                |State(r): State<Bodies>, axum::Json(body): axum::Json<serde_json::Value>| async move {
                    r.lock().expect("lock").push(body);
                    "ok"
                },
            ),
        )
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the mock");
    let addr = listener.local_addr().expect("mock address");
    tokio::spawn(axum::serve(listener, app).into_future());
    (addr, received)
}

/// Points the stack's config at a webhook (its URL in a 0600 secret file beside it).
fn add_webhook(stack: &common::SandboxStack, hook: SocketAddr) {
    use std::os::unix::fs::PermissionsExt;
    let secret = stack.dir.path().join("webhook-url");
    std::fs::write(&secret, format!("http://{hook}/services/T0/B0/sekrit-token\n")).expect("write the secret");
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let config = stack.dir.path().join("mops.toml");
    let mut text = std::fs::read_to_string(&config).expect("read the config");
    text.push_str(
        "\n[notify]\ndebounce = \"1s\"\n\n[[notify.webhook]]\nname = \"ops-chat\"\n\
         url = { file = \"webhook-url\" }\non = [\"source_down\"]\n",
    );
    std::fs::write(&config, text).expect("write the config");
}

/// The `text` of every message the webhook received so far.
fn texts(received: &std::sync::Mutex<Vec<serde_json::Value>>) -> Vec<String> {
    received
        .lock()
        .expect("lock")
        .iter()
        .map(|b| b["text"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn messages_until(received: &std::sync::Mutex<Vec<serde_json::Value>>, what: &str, n: usize) -> Vec<String> {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let got = texts(received);
        if got.len() >= n {
            return got;
        }
        assert!(
            Instant::now() < deadline,
            "gave up waiting for {what}; received {got:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_source_reads_down_then_recovers() {
    let stack = common::sandbox_stack(37, None, Vec::new()).await;
    let (hook, received) = webhook_mock().await;
    add_webhook(&stack, hook);
    let served = serve(&stack).await;
    let website = [("source", "website")];
    scrape_until(&served, "every source up", |s| {
        SOURCES
            .iter()
            .all(|source| total(s, "mops_source_up", &[("source", source)]) == 1.0)
    })
    .await;

    let control = format!("http://{}/_sandbox/faults/website", stack.sandbox.addr());
    let resp = reqwest::Client::new()
        .put(&control)
        .json(&serde_json::json!({ "kind": "status:503" }))
        .send()
        .await
        .expect("set the fault");
    assert!(resp.status().is_success());
    let (body, samples) = scrape_until(&served, "the website DOWN", |s| {
        find(s, "mops_source_up", &website)
            .first()
            .is_some_and(|x| x.value == 0.0)
    })
    .await;
    assert_eq!(
        value(
            &samples,
            "mops_source_status",
            &[("source", "website"), ("status", "DOWN")]
        ),
        1.0
    );
    assert_eq!(total(&samples, "mops_source_status", &website), 1.0);
    assert!(value(&samples, "mops_source_error_ratio", &website) > 0.0);
    // The others keep going.
    let hubspot: Vec<_> = find(&samples, "mops_source_status", &[("source", "hubspot")])
        .into_iter()
        .filter(|s| s.value == 1.0)
        .collect();
    assert_eq!(
        value(&samples, "mops_source_up", &[("source", "hubspot")]),
        1.0,
        "{hubspot:?}"
    );
    promtool_check(&body);
    // The chat channel hears it once, past the debounce.
    let down = messages_until(&received, "the down message", 1).await;
    assert!(down[0].contains("*website*") && down[0].contains("DOWN"), "{down:?}");
    assert!(down[0].contains("HTTP 503"), "{down:?}");

    let resp = reqwest::Client::new()
        .delete(&control)
        .send()
        .await
        .expect("clear the fault");
    assert!(resp.status().is_success());
    scrape_until(&served, "the website back up", |s| {
        find(s, "mops_source_up", &website)
            .first()
            .is_some_and(|x| x.value == 1.0)
    })
    .await;
    // And once more when it resolves: two messages in all, never the URL's token.
    let all = messages_until(&received, "the resolved message", 2).await;
    assert!(all[1].contains("resolved") && all[1].contains("*website*"), "{all:?}");
    tokio::time::sleep(Duration::from_secs(3)).await;
    let all = texts(&received);
    assert_eq!(all.len(), 2, "no repeats while nothing changes: {all:?}");
    assert!(all.iter().all(|t| !t.contains("sekrit")), "{all:?}");

    // Every poll went into the history `mops report` reads uptime from.
    let store = mops::store::Store::open(served._home.path().join("data/mops/mops.db")).expect("store");
    let since = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(1);
    let seen: Vec<String> = mops::store::StateStore::poll_history(&store, since)
        .expect("history")
        .into_iter()
        .filter(|s| s.source == "website")
        .map(|s| s.status.label().to_owned())
        .collect();
    assert!(
        seen.iter().any(|s| s == "DOWN") && seen.last().is_some_and(|s| s == "OK"),
        "{seen:?}"
    );
    stack.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_taken_port_is_a_clear_error() {
    let stack = common::sandbox_stack(41, None, Vec::new()).await;
    let served = serve(&stack).await;
    let home = tempfile::tempdir().expect("tempdir");
    let out = serve_command(&stack, home.path(), &served.addr.to_string())
        .output()
        .expect("run a second mops serve");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("could not listen on {}", served.addr)) && stderr.contains("already in use"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty(), "nothing claims to listen");
    stack.sandbox.shutdown().await;
}
