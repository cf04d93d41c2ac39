//! The headless modes at scale: what a `/metrics` scrape and a
//! `/snapshot.json` cost on a large stack, and how fast `mops report` folds
//! a long poll history into uptime. Run: `cargo bench --bench headless`.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use jiff::{SignedDuration, Timestamp};
use mops::app::Model;
use mops::model::{Alert, AlertId, CampaignStatus, EmailData, HealthStatus, RecordRef, Rule, Severity, SourceKind};
use mops::report::uptime::UptimeFold;
use mops::serve::encode::{Format, encode};
use mops::serve::histogram::{Histogram, PROBE_BUCKETS};
use mops::sources::SourceData;
use mops::store::PollSample;

#[path = "../tests/common/mod.rs"]
mod common;

const ALERTS: usize = 20_000;
const CAMPAIGNS: usize = 500;
const SAMPLES: usize = 1_000_000;

/// The task-queues model plus 500 sent campaigns and 20,000 alerts of two records each.
fn big_model() -> Model {
    let mut model = common::tasks_model();
    let now = model.now;
    let campaigns = (0..CAMPAIGNS)
        .map(|i| {
            let mut c = common::campaign(
                &format!("c{i:05}"),
                &format!("Campaign {i}"),
                CampaignStatus::Sent,
                "regular",
            );
            c.send_time = Some(now - SignedDuration::from_hours(i as i64));
            c.emails_sent = 10_000;
            c.report = Some(common::report(10_000, 30.0, 4.0, 150, 20));
            c
        })
        .collect();
    let email = EmailData {
        campaigns,
        ..EmailData::default()
    };
    match model.sources.iter_mut().find(|s| s.kind == SourceKind::Mailchimp) {
        Some(s) => s.data = Some((SourceData::Email(Arc::new(email)), now)),
        None => {
            let mut s = common::source("mailchimp", SourceKind::Mailchimp);
            s.data = Some((SourceData::Email(Arc::new(email)), now));
            model.sources.push(s);
        }
    }
    let rules = [
        Rule::DuplicateEmail,
        Rule::ConsentMismatch,
        Rule::InvalidEmail,
        Rule::StaleRecord,
    ];
    model.alerts.firing = (0..ALERTS)
        .map(|i| Alert {
            id: AlertId(format!("rule:{i}")),
            rule: rules[i % rules.len()],
            severity: [Severity::Critical, Severity::Warning, Severity::Info][i % 3],
            summary: format!("2 contacts share person{i}@example.com"),
            records: vec![
                RecordRef::Contact { id: format!("{i}") },
                RecordRef::Contact {
                    id: format!("{}", i + ALERTS),
                },
            ],
        })
        .collect();
    model
}

fn scrape(c: &mut Criterion) {
    let model = big_model();
    let mut latency = vec![Histogram::new(PROBE_BUCKETS); model.sources.len()];
    for (i, h) in latency.iter_mut().enumerate() {
        for p in 0..1_000u64 {
            h.observe(Duration::from_millis(20 + (p * 37 + i as u64) % 3_000));
        }
    }
    let now = model.now;
    c.bench_function("serve /metrics (20,000 alerts, 500 campaigns)", |b| {
        b.iter(|| {
            let families = mops::serve::metrics::families(black_box(&model), &latency, now);
            encode(&families, Format::OpenMetrics)
        })
    });
    c.bench_function("serve /snapshot.json (same model)", |b| {
        b.iter(|| serde_json::to_vec(&mops::snapshot::Snapshot::of(black_box(&model))).map(|v| v.len()))
    });
}

fn uptime(c: &mut Criterion) {
    let to: Timestamp = "2026-11-22T00:00:00Z".parse().expect("timestamp");
    // A year of polls every 30 s, mostly up, down for a few polls now and then.
    let step = 30;
    let from = to - SignedDuration::from_secs(SAMPLES as i64 * step);
    let samples: Vec<PollSample> = (0..SAMPLES)
        .map(|i| PollSample {
            source: "hubspot".to_owned(),
            at: from + SignedDuration::from_secs(i as i64 * step),
            status: if i % 997 < 3 {
                HealthStatus::Down
            } else {
                HealthStatus::Ok
            },
            latency_ms: 40,
            summary: String::new(),
        })
        .collect();
    c.bench_function("report uptime fold (1,000,000 polls)", |b| {
        b.iter(|| {
            let mut fold = UptimeFold::new(from, to);
            for s in &samples {
                fold.add(black_box(s));
            }
            fold.finish()
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = scrape, uptime
}
criterion_main!(benches);
