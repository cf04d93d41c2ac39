//! Shared test fixtures: hand-built models at fixed times.
#![allow(dead_code)]

use std::time::Duration;

use jiff::Timestamp;
use mops::app::{Model, SourceState};
use mops::model::{CircuitState, HealthStatus, Probe, RateLimitInfo, SourceKind, VendorError};

pub fn t0() -> Timestamp {
    "2026-11-22T16:00:00Z".parse().expect("valid timestamp")
}

pub fn at(secs: i64) -> Timestamp {
    t0() + jiff::SignedDuration::from_secs(secs)
}

pub fn probe(status: HealthStatus, ms: u64, summary: &str) -> Probe {
    Probe {
        status,
        summary: summary.to_string(),
        latency: Duration::from_millis(ms),
        attempts: 1,
        http_status: Some(200),
        vendor_error: None,
        request_id: "5b0e7c1a-3d7e-4c5f-9a70-2b1f0c9d4e11".to_string(),
        url: "https://api.hubapi.com/crm/v3/objects/contacts?limit=1".to_string(),
        rate_limit: None,
        circuit: CircuitState::Closed,
    }
}

pub fn source(name: &str, kind: SourceKind) -> SourceState {
    SourceState::new(name, kind, Duration::from_secs(30), Duration::from_secs(10))
}

/// Four sources polled every 30 s for ten minutes, all healthy.
pub fn healthy_model() -> Model {
    let mut sources = vec![
        source("mailchimp", SourceKind::Mailchimp),
        source("hubspot", SourceKind::Hubspot),
        source("wordpress", SourceKind::Wordpress),
        source("website", SourceKind::Http),
    ];
    let summaries = [
        "Everything's Chimpy!",
        "contacts readable",
        "Acme Blog",
        "HTTP 200, body matched",
    ];
    for (i, s) in sources.iter_mut().enumerate() {
        for poll in 0..20i64 {
            let ms = 80 + (i as u64 * 40) + ((poll as u64 * 37) % 90);
            let mut p = probe(HealthStatus::Ok, ms, summaries[i]);
            if s.kind == SourceKind::Hubspot {
                p.rate_limit = Some(RateLimitInfo {
                    remaining: 97,
                    limit: 100,
                    window: Some(Duration::from_secs(10)),
                    from_headers: true,
                    daily_remaining: Some(249_812),
                    daily_limit: Some(250_000),
                });
            }
            s.record(p, at(poll * 30));
        }
        s.next_poll = Some(at(20 * 30 + 12));
    }
    let mut model = Model::new("Acme marketing stack", false, sources, at(19 * 30 + 9));
    model.banner = Some("sandbox 127.0.0.1:4010".to_string());
    model
}

/// As `healthy_model`, but HubSpot has been failing for the last four polls.
pub fn hubspot_down_model() -> Model {
    let mut model = healthy_model();
    for poll in 20..24i64 {
        for i in [0, 2, 3] {
            let last = model.sources[i].last.as_ref().map(|(p, _)| p.clone()).expect("polled");
            model.sources[i].record(last, at(poll * 30));
        }
    }
    let hubspot = &mut model.sources[1];
    for poll in 20..24i64 {
        let mut p = probe(
            HealthStatus::Down,
            3_100,
            "HTTP 503 Service Unavailable after 4 attempts",
        );
        p.attempts = 4;
        p.http_status = Some(503);
        p.vendor_error = Some(VendorError {
            code: Some("INTERNAL_ERROR".to_string()),
            message: "Service temporarily unavailable".to_string(),
        });
        p.request_id = format!("9f3c2a7e-0000-4000-8000-00000000002{poll}");
        hubspot.record(p, at(poll * 30));
    }
    model.now = at(23 * 30 + 4);
    for s in &mut model.sources {
        s.next_poll = Some(at(24 * 30 + 3));
    }
    model
}
