//! `mops snapshot --json`: one poll of the sandbox, the whole model as one
//! versioned JSON document, with what people did about alerts (kept in the
//! store) applied.

mod common;

use jiff::Timestamp;
use mops::model::{AlertId, AlertState};
use mops::sources::SourceData;
use mops::store::{StateStore, Store};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_snapshot_holds_sources_campaigns_alerts_and_queues() {
    let stack = common::sandbox_stack(29, None, Vec::new()).await;

    // Acknowledge the planted bounce-heavy campaign's alert in the store the
    // cockpit would use, so the snapshot must show it acknowledged.
    let core = mops::http::HttpCore::new(true).expect("client");
    let report = stack.connector(&core, "mailchimp").poll().await;
    let Some(SourceData::Email(email)) = report.data else {
        panic!("the sandbox's Mailchimp brought no data: {:?}", report.probe.summary);
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
    let acked = AlertId(format!("campaign_bounce_rate:{}", bouncy.id));
    let data_home = stack.dir.path().join("data");
    let store = Store::open(data_home.join("mops").join("mops.db")).expect("store");
    let state = AlertState::Acknowledged { at: Timestamp::now() };
    store.set_alert_state(&acked, &state, Timestamp::now()).expect("ack");
    drop(store);

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mops"))
        .arg("--config")
        .arg(stack.dir.path().join("mops.toml"))
        .args(["snapshot", "--json"])
        .env("HOME", stack.dir.path())
        .env("XDG_DATA_HOME", &data_home)
        .env("XDG_STATE_HOME", stack.dir.path().join("state"))
        .output()
        .expect("run mops snapshot");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}\n{text}", String::from_utf8_lossy(&out.stderr));
    let doc: Value = serde_json::from_str(&text).expect("the snapshot is JSON");

    assert_eq!(doc["version"], 1);
    // Schema version 1, pinned: a change here is a change for every script.
    let keys = |v: &Value| v.as_object().expect("object").keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        keys(&doc),
        [
            "alerts",
            "campaigns",
            "churn",
            "failed_actions",
            "queues",
            "readonly",
            "redacted",
            "sources",
            "taken_at",
            "title",
            "version"
        ]
    );
    assert_eq!(
        keys(&doc["sources"][0]),
        [
            "circuit",
            "data_at",
            "data_stale",
            "error_rate",
            "http_status",
            "kind",
            "last_good_at",
            "latency_ms",
            "latency_p50_ms",
            "latency_p95_ms",
            "name",
            "next_poll",
            "polled_at",
            "rate_limit",
            "reason",
            "records",
            "status",
            "vendor_error"
        ]
    );
    assert_eq!(keys(&doc["alerts"]), ["by_rule", "evaluated_at", "firing", "list"]);
    assert_eq!(doc["redacted"], false);
    let sources = doc["sources"].as_array().expect("sources");
    let names: Vec<&str> = sources.iter().filter_map(|s| s["name"].as_str()).collect();
    assert_eq!(names.len(), stack.config.sources.len(), "{names:?}");
    for s in sources {
        assert_eq!(s["status"], "OK", "{s}");
        assert!(s["latency_ms"].as_u64().is_some(), "{s}");
    }
    let hubspot = sources.iter().find(|s| s["kind"] == "hubspot").expect("hubspot");
    let planted = mops::sandbox::hubspot_planted();
    assert_eq!(hubspot["records"]["contacts"].as_u64(), Some(planted.contacts as u64));

    // Campaigns: every one listed once, counted by stage, with its KPIs.
    let list = doc["campaigns"]["list"].as_array().expect("campaigns");
    assert_eq!(list.len(), email.campaigns.len());
    let staged: u64 = doc["campaigns"]["by_stage"]
        .as_object()
        .expect("by_stage")
        .values()
        .filter_map(Value::as_u64)
        .sum();
    assert_eq!(staged as usize, list.len());
    let shown = list
        .iter()
        .find(|c| c["id"] == bouncy.id.as_str())
        .expect("the bouncy campaign");
    assert_eq!(shown["stage"], "sent");
    assert!(shown["bounce_rate"].as_f64().is_some_and(|r| r > 0.05), "{shown}");
    assert!(
        shown["flags"]
            .as_array()
            .is_some_and(|f| f.contains(&Value::from("bounce_rate"))),
        "{shown}"
    );

    // Alerts: the acknowledged one says so and is not counted as firing.
    let alerts = doc["alerts"]["list"].as_array().expect("alerts");
    let ack = alerts
        .iter()
        .find(|a| a["id"] == acked.0.as_str())
        .expect("the acked alert");
    assert_eq!(ack["state"]["state"], "acknowledged", "{ack}");
    for severity in ["critical", "warning", "info"] {
        let firing = alerts
            .iter()
            .filter(|a| a["severity"].as_str().map(str::to_lowercase).as_deref() == Some(severity))
            .filter(|a| a["state"]["state"] == "firing")
            .count();
        assert_eq!(
            doc["alerts"]["firing"][severity].as_u64(),
            Some(firing as u64),
            "{severity}"
        );
    }
    assert!(doc["alerts"]["by_rule"]["consent_mismatch"].as_u64() > Some(0));

    // Task queues as the pane counts them.
    let queue = |key: &str| {
        doc["queues"]
            .as_array()
            .and_then(|q| q.iter().find(|q| q["queue"] == key))
            .unwrap_or_else(|| panic!("queue {key}"))
            .clone()
    };
    let wp = mops::sandbox::wordpress_planted();
    assert_eq!(
        queue("missed_schedule")["count"].as_u64(),
        Some(wp.missed_schedule as u64)
    );
    let missed = &queue("missed_schedule")["items"][0];
    assert_eq!(missed["kind"], "post");
    assert_eq!(missed["title"], mops::sandbox::WORDPRESS_MISSED_SCHEDULE_TITLE);
}

#[test]
fn a_bad_config_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("broken.toml");
    std::fs::write(&path, "[[source]]\nname = \"x\"\nkind = \"nope\"\n").expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mops"))
        .arg("--config")
        .arg(&path)
        .arg("snapshot")
        .env("HOME", dir.path())
        .env("XDG_DATA_HOME", dir.path().join("data"))
        .env("XDG_STATE_HOME", dir.path().join("state"))
        .output()
        .expect("run mops snapshot");
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "nothing on stdout for a script to misread");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("broken.toml") && err.contains("kind"), "{err}");
}
