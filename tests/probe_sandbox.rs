//! Every health classification, end to end: the real connectors, built from
//! the config the sandbox writes, against the sandbox with injected faults.

mod common;

use std::time::Duration;

use mops::config;
use mops::http::HttpCore;
use mops::model::{HealthStatus, Probe};
use mops::sandbox::{self, Fault};
use mops::sources;

use common::SandboxStack as Stack;

async fn stack(faults: Vec<(String, Fault)>) -> Stack {
    common::sandbox_stack(7, None, faults).await
}

impl Stack {
    async fn probe(&self, name: &str) -> Probe {
        self.probe_with(name, |_| {}).await
    }

    /// Probe `name` once, after adjusting its config (timeouts, thresholds).
    async fn probe_with(&self, name: &str, adjust: impl FnOnce(&mut config::SourceConfig)) -> Probe {
        let mut cfg = self.config.source(name).expect("source in config").clone();
        adjust(&mut cfg);
        let core = HttpCore::new(false).expect("client");
        let connector = sources::build(&core, &cfg).expect("connector");
        connector.poll().await.probe
    }

    fn fault_url(&self, source: &str) -> String {
        format!("http://{}/_sandbox/faults/{source}", self.sandbox.addr())
    }

    async fn set_fault(&self, source: &str, kind: &str) {
        let resp = reqwest::Client::new()
            .put(self.fault_url(source))
            .json(&serde_json::json!({ "kind": kind }))
            .send()
            .await
            .expect("control endpoint");
        assert_eq!(resp.status(), 204, "setting {kind} on {source}");
    }

    async fn clear_fault(&self, source: &str) {
        let resp = reqwest::Client::new()
            .delete(self.fault_url(source))
            .send()
            .await
            .expect("control endpoint");
        assert_eq!(resp.status(), 204);
    }
}

fn fault(source: &str, kind: &str) -> (String, Fault) {
    sandbox::parse_fault_arg(&format!("{source}={kind}")).expect("fault")
}

#[tokio::test]
async fn every_source_is_ok_on_a_healthy_sandbox() {
    let s = stack(Vec::new()).await;
    for name in sandbox::SOURCES {
        let p = s.probe(name).await;
        assert_eq!(p.status, HealthStatus::Ok, "{name}: {p:?}");
        assert_eq!(p.attempts, 1, "{name}");
        assert_eq!(p.http_status, Some(200), "{name}");
        assert!(!p.request_id.is_empty());
    }
    let mc = s.probe("mailchimp").await;
    assert!(mc.summary.contains("Chimpy"), "{}", mc.summary);
    assert_eq!(mc.url, format!("http://{}/mailchimp/3.0/ping", s.sandbox.addr()));
    let hs = s.probe("hubspot").await;
    assert!(
        hs.url.ends_with("/hubspot/crm/v3/objects/contacts?limit=***"),
        "{}",
        hs.url
    );
    let limit = hs.rate_limit.expect("hubspot sends rate-limit headers");
    assert!(limit.from_headers);
    assert_eq!(limit.limit, 100);
    s.sandbox.shutdown().await;
}

#[tokio::test]
async fn server_errors_are_down_with_the_status_and_recover() {
    let s = stack(Vec::new()).await;
    s.set_fault("hubspot", "status:503").await;
    let p = s.probe("hubspot").await;
    assert_eq!(p.status, HealthStatus::Down, "{p:?}");
    assert_eq!(p.http_status, Some(503));
    assert!(p.attempts > 1, "a failing GET is retried: {p:?}");
    assert!(p.summary.contains("503"), "{}", p.summary);
    s.clear_fault("hubspot").await;
    assert_eq!(s.probe("hubspot").await.status, HealthStatus::Ok);
    s.sandbox.shutdown().await;
}

#[tokio::test]
async fn revoked_credentials_are_auth_with_the_vendor_code() {
    let faults = sandbox::SOURCES
        .iter()
        .filter(|n| **n != "website")
        .map(|n| fault(n, "auth"))
        .collect();
    let s = stack(faults).await;
    for name in ["mailchimp", "hubspot", "wordpress"] {
        let p = s.probe(name).await;
        assert_eq!(p.status, HealthStatus::Auth, "{name}: {p:?}");
        assert_eq!(p.http_status, Some(401), "{name}");
        assert_eq!(p.attempts, 1, "{name}: a 401 is not retried");
        let vendor = p.vendor_error.expect("the vendor's error is kept");
        assert!(vendor.code.is_some(), "{name}: {vendor:?}");
    }
    s.sandbox.shutdown().await;
}

#[tokio::test]
async fn a_wrong_key_gets_the_vendors_401() {
    let s = stack(Vec::new()).await;
    let key_file = s.dir.path().join("secrets/mailchimp.key");
    std::fs::write(&key_file, "0123456789abcdef0123456789abcdef-us21").expect("overwrite key");
    let p = s.probe("mailchimp").await;
    assert_eq!(p.status, HealthStatus::Auth, "{p:?}");
    let vendor = p.vendor_error.clone().expect("vendor error");
    assert_eq!(vendor.code.as_deref(), Some("API Key Invalid"), "{vendor:?}");
    assert!(
        !format!("{p:?}").contains("0123456789abcdef"),
        "the key leaked into the probe"
    );
    s.sandbox.shutdown().await;
}

#[tokio::test]
async fn throttling_beyond_a_short_wait_is_rate_limited() {
    let s = stack(vec![fault("hubspot", "ratelimit:120")]).await;
    let p = s.probe("hubspot").await;
    assert_eq!(p.status, HealthStatus::RateLimited, "{p:?}");
    assert_eq!(p.http_status, Some(429));
    assert!(
        p.summary.contains("120") || p.summary.contains("2m"),
        "says when to retry: {}",
        p.summary
    );
    s.sandbox.shutdown().await;
}

#[tokio::test]
async fn slow_answers_are_degraded() {
    let s = stack(vec![fault("wordpress", "latency:400")]).await;
    let p = s
        .probe_with("wordpress", |c| {
            c.slow = Duration::from_millis(200);
            c.timeout = Duration::from_secs(5);
        })
        .await;
    assert_eq!(p.status, HealthStatus::Degraded, "{p:?}");
    assert!(p.latency >= Duration::from_millis(400));
    s.sandbox.shutdown().await;
}

#[tokio::test]
async fn a_hung_server_is_down_after_the_timeout() {
    let s = stack(vec![fault("website", "hang")]).await;
    let p = s
        .probe_with("website", |c| c.timeout = Duration::from_millis(300))
        .await;
    assert_eq!(p.status, HealthStatus::Down, "{p:?}");
    assert!(p.summary.to_lowercase().contains("timed out"), "{}", p.summary);
    s.sandbox.shutdown().await;
}

#[tokio::test]
async fn malformed_json_is_down_and_says_so() {
    let s = stack(vec![fault("mailchimp", "malformed")]).await;
    let p = s.probe("mailchimp").await;
    assert_eq!(p.status, HealthStatus::Down, "{p:?}");
    assert!(p.summary.to_lowercase().contains("json"), "{}", p.summary);
    s.sandbox.shutdown().await;
}

#[tokio::test]
async fn a_missing_body_text_is_down() {
    let s = stack(Vec::new()).await;
    let p = s
        .probe_with("website", |c| {
            if let config::SourceSettings::Http { expect_body, .. } = &mut c.settings {
                *expect_body = Some("Black Friday".to_string());
            }
        })
        .await;
    assert_eq!(p.status, HealthStatus::Down, "{p:?}");
    assert!(p.summary.contains("Black Friday"), "{}", p.summary);
    s.sandbox.shutdown().await;
}
