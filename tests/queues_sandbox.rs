//! The task queues count exactly what the sandbox planted: the real
//! WordPress and HubSpot connectors poll a sandbox started at a fixed time,
//! and every queue of the pane matches the documented numbers.

mod common;

use std::time::Duration;

use jiff::Timestamp;
use mops::app::tasks::{self, Queue};
use mops::app::{Model, SourceState};
use mops::http::HttpCore;
use mops::model::SourceKind;
use mops::sandbox;
use mops::sources::DataScope;

#[tokio::test]
async fn every_queue_counts_what_the_sandbox_planted() {
    // Mid-morning UTC, so "due today" has room before midnight.
    let start: Timestamp = "2026-11-18T10:30:00Z".parse().expect("time");
    let stack = common::sandbox_stack(11, Some(start), Vec::new()).await;
    let core = HttpCore::new(false).expect("core");
    let connector = |name: &str| stack.connector(&core, name);

    let wordpress = connector("wordpress").poll().await;
    // Only the tasks: the 20,000 contacts are not what this test is about.
    let hubspot = connector("hubspot").poll_scope(DataScope::Tasks).await;
    stack.sandbox.shutdown().await;
    assert!(wordpress.probe.status.is_good(), "{:?}", wordpress.probe);
    assert!(hubspot.probe.status.is_good(), "{:?}", hubspot.probe);

    let state = |name: &str, kind, data| {
        let mut s = SourceState::new(name, kind, Duration::from_secs(30), Duration::from_secs(10));
        s.data = Some((data, start));
        s
    };
    let sources = vec![
        state("wordpress", SourceKind::Wordpress, wordpress.data.expect("posts")),
        state("hubspot", SourceKind::Hubspot, hubspot.data.expect("tasks")),
    ];
    let model = Model::new("queues", false, sources, start);
    let queues = tasks::queues(&model);
    let count = |q: Queue| queues.get(&q).map_or(0, Vec::len);

    let wp = sandbox::wordpress_planted();
    assert_eq!(count(Queue::MissedSchedule), wp.missed_schedule);
    assert_eq!(count(Queue::PendingReview), wp.pending_review + wp.pending_pages);
    assert_eq!(count(Queue::ScheduledSoon), wp.scheduled_next_7_days);
    assert_eq!(count(Queue::StaleDrafts), wp.stale_drafts);
    let missed = &queues[&Queue::MissedSchedule][0];
    assert_eq!(missed.title, sandbox::WORDPRESS_MISSED_SCHEDULE_TITLE);
    assert!(missed.age.ends_with("late"), "{missed:?}");
    assert!(!missed.who.starts_with("user "), "the author is resolved: {missed:?}");

    let hs = sandbox::hubspot_planted();
    assert_eq!(count(Queue::Overdue), hs.tasks_overdue);
    assert_eq!(count(Queue::DueToday), hs.tasks_due_today_at(start));
    let open_by_owner: usize = queues[&Queue::ByOwner]
        .iter()
        .map(|i| i.age.trim_end_matches(" open").parse::<usize>().expect("count"))
        .sum();
    assert_eq!(open_by_owner, hs.tasks_open, "every open task has an owner row");
    assert!(
        queues[&Queue::Overdue].iter().any(|i| i.title == hs.demo_task_subject),
        "the demo's overdue task is listed"
    );
    assert!(queues[&Queue::Overdue].iter().any(|i| i.who == "unowned"));
}
