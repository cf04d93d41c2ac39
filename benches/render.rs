//! How long a frame takes to draw and a poll result takes to fold in: the
//! loop must stay idle-cheap and never fall behind the pollers.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use jiff::Timestamp;
use mops::app::{Model, Msg, SourceState, update};
use mops::model::{HealthStatus, Probe, SourceKind};
use mops::sources::PollReport;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

#[path = "../tests/common/mod.rs"]
mod common;

/// A probe that varies with `i`: mostly fast and healthy, now and then down.
fn probe(i: u64) -> Probe {
    let status = if i.is_multiple_of(7) {
        HealthStatus::Down
    } else {
        HealthStatus::Ok
    };
    common::probe(status, 40 + i % 300, "HTTP 200, body matched")
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

/// The task queues at their largest: HubSpot's 10,000 open tasks (a search's
/// cap) and 2,000 posts in the working set, with the pane focused.
fn big_queues() -> Model {
    use std::sync::Arc;

    use mops::model::{ContentData, CrmData, CrmTask, Post, PostStatus, PostType, TaskStatus};
    use mops::sources::SourceData;

    let mut model = common::tasks_model();
    let now = model.now;
    let offset = |i: u64, span: i64| now + jiff::SignedDuration::from_secs((i as i64 % span) - span / 2);
    let mut content = ContentData::default();
    for i in 0..2_000u64 {
        let status = [PostStatus::Future, PostStatus::Pending, PostStatus::Draft][i as usize % 3].clone();
        content.posts.insert(
            i,
            Post {
                id: i,
                kind: PostType::Post,
                title: format!("Post number {i}"),
                status,
                date: Some(offset(i, 30 * 86_400)),
                modified: Some(offset(i, 200 * 86_400).min(now)),
                slug: format!("post-{i}"),
                link: None,
                author_id: Some(i % 7),
            },
        );
    }
    let tasks = (0..10_000u64)
        .map(|i| CrmTask {
            id: i.to_string(),
            subject: format!("Task number {i}"),
            status: TaskStatus::NotStarted,
            due: Some(offset(i, 20 * 86_400)),
            owner_id: Some((i % 12).to_string()),
            ..CrmTask::default()
        })
        .collect();
    model.sources[2].data = Some((SourceData::Content(Arc::new(content)), now));
    model.sources[1].data = Some((
        SourceData::Crm(Arc::new(CrmData {
            tasks,
            ..CrmData::default()
        })),
        now,
    ));
    model.focus = mops::app::Pane::Tasks;
    model
}

fn task_queues(c: &mut Criterion) {
    let model = big_queues();
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).expect("backend");
    c.bench_function("view task queues (10,000 tasks, 2,000 posts) 160x48", |b| {
        b.iter(|| terminal.draw(|f| mops::ui::view(black_box(&model), f)).map(|_| ()))
    });
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
                report: Box::new(PollReport::health(probe(i))),
            };
            black_box(update(&mut model, msg))
        })
    });
}

criterion_group!(benches, render, task_queues, fold_poll);
criterion_main!(benches);
