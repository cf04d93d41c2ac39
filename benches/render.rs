//! How long a frame takes to draw and a poll result takes to fold in: the
//! loop must stay idle-cheap and never fall behind the pollers.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use jiff::Timestamp;
use mops::app::{Model, Msg, SourceState, update};
use mops::model::{CircuitState, HealthStatus, Probe, SourceKind};
use mops::sources::PollReport;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn probe(i: u64) -> Probe {
    Probe {
        status: if i % 7 == 0 {
            HealthStatus::Down
        } else {
            HealthStatus::Ok
        },
        summary: "HTTP 200, body matched".to_string(),
        latency: Duration::from_millis(40 + i % 300),
        attempts: 1,
        http_status: Some(200),
        vendor_error: None,
        request_id: "5b0e7c1a-3d7e-4c5f-9a70-2b1f0c9d4e11".to_string(),
        rate_limit: None,
        circuit: CircuitState::Closed,
    }
}

/// `n` sources, each with a full history of polls.
fn model(n: usize) -> Model {
    let t0: Timestamp = "2026-11-22T16:00:00Z".parse().expect("timestamp");
    let sources = (0..n)
        .map(|i| {
            let kind = SourceKind::ALL[i % 4];
            let mut s = SourceState::new(
                format!("source-{i}"),
                kind,
                Duration::from_secs(30),
                Duration::from_secs(10),
            );
            for p in 0..40u64 {
                s.record(probe(p + i as u64), t0 + Duration::from_secs(p * 30));
            }
            s
        })
        .collect();
    Model::new("bench", false, sources, t0 + Duration::from_secs(1200))
}

fn render(c: &mut Criterion) {
    for (n, w, h) in [(4, 80, 24), (4, 160, 48), (200, 160, 48)] {
        let model = model(n);
        let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("backend");
        c.bench_function(&format!("view {n} sources {w}x{h}"), |b| {
            b.iter(|| terminal.draw(|f| mops::ui::view(black_box(&model), f)).map(|_| ()))
        });
    }
}

fn fold_poll(c: &mut Criterion) {
    let mut model = model(200);
    let at: Timestamp = "2026-11-22T17:00:00Z".parse().expect("timestamp");
    let mut i = 0u64;
    c.bench_function("update Polled (200 sources)", |b| {
        b.iter(|| {
            i += 1;
            let msg = Msg::Polled {
                source: (i % 200) as usize,
                at,
                report: Box::new(PollReport { probe: probe(i) }),
            };
            black_box(update(&mut model, msg))
        })
    });
}

criterion_group!(benches, render, fold_poll);
criterion_main!(benches);
