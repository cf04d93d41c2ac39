//! `mops check` as a monitoring system runs it: the plugin line, its exit
//! code for each outcome, perfdata, and the pinned JSON schema.

mod common;

use std::process::Output;

use serde_json::Value;

fn check(stack: &common::SandboxStack, args: &[&str]) -> Output {
    let config = stack.dir.path().join("mops.toml");
    std::process::Command::new(env!("CARGO_BIN_EXE_mops"))
        .arg("--config")
        .arg(&config)
        .arg("check")
        .args(args)
        .env("XDG_STATE_HOME", stack.dir.path().join("state"))
        .env("XDG_DATA_HOME", stack.dir.path().join("data"))
        .env("HOME", stack.dir.path())
        .output()
        .expect("run mops check")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

async fn set_fault(stack: &common::SandboxStack, source: &str, kind: &str) {
    let url = format!("http://{}/_sandbox/faults/{source}", stack.sandbox.addr());
    let resp = reqwest::Client::new()
        .put(url)
        .json(&serde_json::json!({ "kind": kind }))
        .send()
        .await
        .expect("control");
    assert!(resp.status().is_success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_codes_and_perfdata_for_each_outcome() {
    let stack = common::sandbox_stack(23, None, Vec::new()).await;

    let ok = check(&stack, &["--source", "website"]);
    let line = stdout(&ok);
    assert_eq!(ok.status.code(), Some(0), "{line}");
    assert!(
        line.starts_with("MOPS OK - 1 of 1 sources OK | website_up=1;;;0;1 website_latency="),
        "{line}"
    );
    assert_eq!(line.lines().count(), 1);

    // A campaign over its bounce threshold is a critical data-quality alert.
    let mc = check(&stack, &["--source", "mailchimp"]);
    let line = stdout(&mc);
    assert_eq!(mc.status.code(), Some(2), "{line}");
    assert!(
        line.contains("critical, ") && line.contains("data-quality alerts"),
        "{line}"
    );
    let critical: usize = line
        .split("alerts_critical=")
        .nth(1)
        .and_then(|v| v.split(';').next())
        .and_then(|v| v.parse().ok())
        .expect("perfdata alerts_critical");
    assert!(critical > 0, "{line}");

    // A remote failure is CRITICAL, with the reason.
    set_fault(&stack, "website", "status:503").await;
    let down = check(&stack, &["--source", "website"]);
    let line = stdout(&down);
    assert_eq!(down.status.code(), Some(2), "{line}");
    assert!(
        line.starts_with("MOPS CRITICAL - 1 of 1 sources failing (website DOWN: HTTP 503"),
        "{line}"
    );
    assert!(line.contains("website_up=0;;;0;1"), "{line}");

    // Slow is a WARNING.
    set_fault(&stack, "website", "latency:2500").await;
    let slow = check(&stack, &["--source", "website"]);
    assert_eq!(slow.status.code(), Some(1), "{}", stdout(&slow));
    assert!(stdout(&slow).starts_with("MOPS WARNING - "), "{}", stdout(&slow));

    // What stops the check itself is UNKNOWN, never a remote timeout.
    let unknown = check(&stack, &["--source", "nope"]);
    assert_eq!(unknown.status.code(), Some(3));
    assert!(
        stdout(&unknown).starts_with("MOPS UNKNOWN - no source \"nope\""),
        "{}",
        stdout(&unknown)
    );
    let bad_args = check(&stack, &["--bogus"]);
    assert_eq!(bad_args.status.code(), Some(3));

    // Every check was a poll kept in the history `mops report` reads uptime from.
    let store = mops::store::Store::open(stack.dir.path().join("data/mops/mops.db")).expect("store");
    let since = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(1);
    let website: Vec<String> = mops::store::StateStore::poll_history(&store, since)
        .expect("history")
        .into_iter()
        .filter(|s| s.source == "website")
        .map(|s| s.status.label().to_owned())
        .collect();
    assert_eq!(website, ["OK", "DOWN", "DEGRADED"]);
    stack.sandbox.shutdown().await;
}

// Multi-threaded: the sandbox serves on this runtime while the test waits on the child.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_json_schema_is_pinned() {
    let stack = common::sandbox_stack(29, None, Vec::new()).await;
    let out = check(&stack, &["--json", "--source", "website"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let keys = |v: &Value| v.as_object().expect("object").keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        keys(&doc),
        [
            "alerts",
            "alerts_by_rule",
            "checked_at",
            "exit_code",
            "scope",
            "sources",
            "state",
            "summary",
            "version"
        ]
    );
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["scope"], "full");
    assert_eq!(doc["state"], "OK");
    assert_eq!(doc["exit_code"], 0);
    assert_eq!(keys(&doc["alerts"]), ["critical", "info", "warning"]);
    assert_eq!(
        keys(&doc["sources"][0]),
        ["http_status", "kind", "latency_ms", "name", "reason", "state", "status"]
    );
    assert_eq!(doc["sources"][0]["kind"], "http");
    assert_eq!(doc["sources"][0]["state"], "OK");

    let broken = std::process::Command::new(env!("CARGO_BIN_EXE_mops"))
        .args(["--config", "/nonexistent/mops.toml", "check", "--json"])
        .output()
        .expect("run");
    assert_eq!(broken.status.code(), Some(3));
    let doc: Value = serde_json::from_slice(&broken.stdout).expect("JSON even when UNKNOWN");
    assert_eq!(
        (doc["state"].as_str(), doc["exit_code"].as_u64()),
        (Some("UNKNOWN"), Some(3))
    );
    stack.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_only_probes_every_source_and_reads_no_data() {
    let stack = common::sandbox_stack(31, None, Vec::new()).await;
    let out = check(&stack, &["--health"]);
    let line = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{line}");
    assert!(line.starts_with("MOPS OK - 4 of 4 sources OK | "), "{line}");
    assert!(line.contains("hubspot_up=1;;;0;1"), "{line}");
    assert!(!line.contains("alerts_"), "no rules ran, so no alert counts: {line}");

    // The CRM's 20,000 contacts were not paged in: a probe or two, not hundreds.
    let stats: Value = reqwest::get(format!("http://{}/_sandbox/stats", stack.sandbox.addr()))
        .await
        .expect("stats")
        .json()
        .await
        .expect("stats JSON");
    let requests = stats["hubspot"]["window_requests"].as_u64().expect("hubspot requests");
    assert!(requests <= 3, "{stats}");

    let json = check(&stack, &["--health", "--json"]);
    let doc: Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(doc["scope"], "health");
    assert_eq!(doc["alerts"], serde_json::json!({}));

    // A failing source is still CRITICAL.
    set_fault(&stack, "hubspot", "status:503").await;
    let down = check(&stack, &["--health", "--source", "hubspot"]);
    assert_eq!(down.status.code(), Some(2), "{}", stdout(&down));
    stack.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_acknowledged_in_the_cockpit_do_not_raise_the_state() {
    let stack = common::sandbox_stack(37, None, Vec::new()).await;
    let before = check(&stack, &["--source", "mailchimp"]);
    assert_eq!(before.status.code(), Some(2), "{}", stdout(&before));

    // The planted bounce-heavy campaign is the critical alert; acknowledge
    // it in the store the cockpit uses.
    let core = mops::http::HttpCore::new(true).expect("client");
    let report = stack.connector(&core, "mailchimp").poll().await;
    let Some(mops::sources::SourceData::Email(email)) = report.data else {
        panic!("no Mailchimp data: {}", report.probe.summary);
    };
    let bouncy = email
        .campaigns
        .iter()
        .find(|c| {
            c.report
                .as_ref()
                .and_then(|r| r.bounce_rate())
                .is_some_and(|r| r > 0.05)
        })
        .expect("a planted bounce-heavy campaign");
    let store = mops::store::Store::open(stack.dir.path().join("data/mops/mops.db")).expect("store");
    let id = mops::model::AlertId(format!("campaign_bounce_rate:{}", bouncy.id));
    let at = jiff::Timestamp::now();
    mops::store::StateStore::set_alert_state(&store, &id, &mops::model::AlertState::Acknowledged { at }, at)
        .expect("acknowledge");

    let after = check(&stack, &["--source", "mailchimp"]);
    let line = stdout(&after);
    assert_eq!(after.status.code(), Some(1), "only the warning is left: {line}");
    assert!(line.starts_with("MOPS WARNING - "), "{line}");
    assert!(line.contains("alerts_critical=0;;;0"), "{line}");
    stack.sandbox.shutdown().await;
}
