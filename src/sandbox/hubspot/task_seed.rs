//! The portal's seeded CRM tasks: a fixed number in each state, placed
//! around the sandbox's start so the cockpit's task queues have work in them.
//!
//! Times are offsets from `anchor` (the start rounded down to the hour, so
//! the start lies in `[anchor, anchor + 1 h)`). In UTC terms, as of the start:
//! - overdue: open, due 1 h to 20 days before the anchor, so at least an hour
//!   before the start. Two are fixed for the demo: [`DEMO_TASK_SUBJECT`]
//!   (HIGH priority call, about 27 h overdue, id [`FIRST_TASK_ID`]) and
//!   [`UNOWNED_TASK_SUBJECT`], the only task without an owner (5 h overdue);
//! - due today: open, due at least an hour after the anchor (so after the
//!   start) and before the next midnight UTC, within 9 h of the anchor. From
//!   23:00 UTC no such slot exists: these move to the next morning and count
//!   as upcoming (see [`due_today_fits`]);
//! - upcoming: open, due from the next midnight UTC to four weeks on;
//! - completed: status COMPLETED with a completion date before the anchor;
//!   most were due in the past, two fall due in the future (done early), so a
//!   search that wants open work has to filter on status, not on time.
//!
//! Open tasks cover every open status, priorities LOW/MEDIUM/HIGH and none,
//! and the types EMAIL, CALL and TODO. A client decides "due today" in its
//! own time zone; the counts here are in UTC.

use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::{IndexedRandom, SliceRandom};

use super::records::{Record, TASK_COMPLETED, TASK_COMPLETION_DATE, hubspot_time};

const MINUTE_MS: i64 = 60 * 1000;
const HOUR_MS: i64 = 60 * MINUTE_MS;
const DAY_MS: i64 = 24 * HOUR_MS;

/// The demo's overdue task; ids count up from here.
pub(crate) const FIRST_TASK_ID: u64 = 54_519_274_801;
pub(crate) const DEMO_TASK_SUBJECT: &str = "Call back Globex about renewal";
const DEMO_TASK_OWNER: &str = "71234501";
pub(crate) const UNOWNED_TASK_SUBJECT: &str = "Send onboarding checklist to Initech";

/// Open tasks overdue at the start, the two fixed ones included.
pub(crate) const OVERDUE: usize = 14;
/// Open tasks due later on the start's UTC day (when [`due_today_fits`]).
pub(crate) const DUE_TODAY: usize = 6;
/// Open tasks due from the next UTC midnight on.
pub(crate) const UPCOMING: usize = 26;
pub(crate) const COMPLETED: usize = 14;
/// Completed tasks whose due time is still ahead.
const COMPLETED_EARLY: usize = 2;
pub(crate) const UNOWNED: usize = 1;
pub(crate) const TASKS: usize = OVERDUE + DUE_TODAY + UPCOMING + COMPLETED;

/// How late "due today" tasks may fall after the anchor, for a demo that
/// shows them within a working day.
const TODAY_SPAN_MS: i64 = 9 * HOUR_MS;

const OPEN_STATUSES: [&str; 10] = [
    "NOT_STARTED",
    "IN_PROGRESS",
    "NOT_STARTED",
    "WAITING",
    "NOT_STARTED",
    "DEFERRED",
    "NOT_STARTED",
    "IN_PROGRESS",
    "WAITING",
    "NOT_STARTED",
];
const PRIORITIES: [Option<&str>; 6] = [
    Some("HIGH"),
    Some("MEDIUM"),
    Some("LOW"),
    Some("MEDIUM"),
    None,
    Some("LOW"),
];
const TYPES: [&str; 4] = ["TODO", "CALL", "EMAIL", "TODO"];

/// The next midnight UTC after `anchor_ms`.
fn day_end(anchor_ms: i64) -> i64 {
    (anchor_ms.div_euclid(DAY_MS) + 1) * DAY_MS
}

/// The window "due today" tasks fall in: from an hour after the anchor to
/// the end of its UTC day, at most [`TODAY_SPAN_MS`] long.
fn today_window(anchor_ms: i64) -> (i64, i64) {
    let from = anchor_ms + HOUR_MS;
    (from, day_end(anchor_ms).min(anchor_ms + TODAY_SPAN_MS))
}

/// Whether a sandbox anchored at `anchor_ms` has room for tasks due later
/// the same UTC day: false from 23:00 UTC.
pub(crate) fn due_today_fits(anchor_ms: i64) -> bool {
    let (from, to) = today_window(anchor_ms);
    from < to
}

/// What decides a task before its times are filled in.
#[derive(Clone, Copy)]
enum Slot {
    Overdue,
    Today,
    Upcoming,
    Completed,
    CompletedEarly,
}

struct Draft {
    subject: String,
    body: Option<String>,
    status: &'static str,
    priority: Option<&'static str>,
    task_type: &'static str,
    owner: Option<&'static str>,
    due: i64,
}

/// The tasks, ids from [`FIRST_TASK_ID`]: the demo task first, the rest in
/// shuffled order so ids say nothing about state. `owners` are the active
/// owners' ids; `departed` an archived owner's, who keeps one completed task.
pub(crate) fn generate(
    rng: &mut StdRng,
    anchor: i64,
    owners: &[&'static str],
    departed: Option<&'static str>,
) -> Vec<Record> {
    let slots: Vec<Slot> = [
        (Slot::Overdue, OVERDUE - 2),
        (Slot::Today, DUE_TODAY),
        (Slot::Upcoming, UPCOMING),
        (Slot::Completed, COMPLETED - COMPLETED_EARLY),
        (Slot::CompletedEarly, COMPLETED_EARLY),
    ]
    .into_iter()
    .flat_map(|(slot, n)| std::iter::repeat_n(slot, n))
    .collect();
    let open = slots.iter().filter(|s| !is_completed(**s)).count();
    let statuses = shuffled_cycle(rng, &OPEN_STATUSES, open);
    let mut statuses = statuses.into_iter();
    let priorities = shuffled_cycle(rng, &PRIORITIES, slots.len());
    let types = shuffled_cycle(rng, &TYPES, slots.len());

    let today_slots = DUE_TODAY as i64;
    let mut today_index = 0i64;
    let mut drafts = Vec::with_capacity(TASKS);
    for (i, &slot) in slots.iter().enumerate() {
        let task_type = types[i];
        let due = match slot {
            Slot::Overdue => anchor - rng.random_range(HOUR_MS / MINUTE_MS..=20 * DAY_MS / MINUTE_MS) * MINUTE_MS,
            Slot::Today => {
                let (from, to) = today_window(anchor);
                let k = today_index;
                today_index += 1;
                if from < to {
                    // Evenly spread, each somewhere in its own share of the window.
                    let share = (to - from) / today_slots;
                    let minutes = (share / MINUTE_MS).max(1);
                    from + share * k + rng.random_range(0..minutes) * MINUTE_MS
                } else {
                    day_end(anchor) + 8 * HOUR_MS + k * 30 * MINUTE_MS
                }
            }
            Slot::Upcoming => {
                day_end(anchor) + rng.random_range(HOUR_MS / MINUTE_MS..28 * DAY_MS / MINUTE_MS) * MINUTE_MS
            }
            Slot::Completed => anchor - rng.random_range(HOUR_MS / MINUTE_MS..30 * DAY_MS / MINUTE_MS) * MINUTE_MS,
            Slot::CompletedEarly => anchor + rng.random_range(DAY_MS / MINUTE_MS..6 * DAY_MS / MINUTE_MS) * MINUTE_MS,
        };
        let status = if is_completed(slot) {
            TASK_COMPLETED
        } else {
            statuses.next().unwrap_or("NOT_STARTED")
        };
        let company = COMPANIES.choose(rng).copied().unwrap_or("Contoso");
        let subject = subject(rng, task_type, company);
        let body = rng.random_bool(0.5).then(|| body(rng, company));
        drafts.push(Draft {
            subject,
            body,
            status,
            priority: priorities[i],
            task_type,
            owner: Some(owners.choose(rng).copied().unwrap_or(DEMO_TASK_OWNER)),
            due,
        });
    }
    // The departed owner's work stays in the portal, done.
    if let (Some(departed), Some(d)) = (departed, drafts.iter_mut().find(|d| d.status == TASK_COMPLETED)) {
        d.owner = Some(departed);
    }
    drafts.push(Draft {
        subject: UNOWNED_TASK_SUBJECT.to_owned(),
        body: Some("<p>New customer; nobody picked this up after the handover.</p>".to_owned()),
        status: "NOT_STARTED",
        priority: Some("MEDIUM"),
        task_type: "EMAIL",
        owner: None,
        due: anchor - 5 * HOUR_MS,
    });
    drafts.shuffle(rng);
    drafts.insert(
        0,
        Draft {
            subject: DEMO_TASK_SUBJECT.to_owned(),
            body: Some("<p>Globex's contract renews at month end; they asked about seat pricing.</p>".to_owned()),
            status: "NOT_STARTED",
            priority: Some("HIGH"),
            task_type: "CALL",
            owner: Some(DEMO_TASK_OWNER),
            due: anchor - 27 * HOUR_MS,
        },
    );
    drafts
        .into_iter()
        .enumerate()
        .map(|(i, d)| record(rng, FIRST_TASK_ID + i as u64, d, anchor))
        .collect()
}

fn is_completed(slot: Slot) -> bool {
    matches!(slot, Slot::Completed | Slot::CompletedEarly)
}

/// `n` values cycling through `pattern`, shuffled: every value appears
/// (when `n` allows) in fixed proportions, wherever the seed puts it.
fn shuffled_cycle<T: Copy>(rng: &mut StdRng, pattern: &[T], n: usize) -> Vec<T> {
    let mut values: Vec<T> = pattern.iter().copied().cycle().take(n).collect();
    values.shuffle(rng);
    values
}

fn record(rng: &mut StdRng, id: u64, d: Draft, anchor: i64) -> Record {
    let created = d.due.min(anchor) - rng.random_range(DAY_MS / MINUTE_MS..21 * DAY_MS / MINUTE_MS) * MINUTE_MS;
    let mut properties = std::collections::BTreeMap::new();
    let modified = if d.status == TASK_COMPLETED {
        // Done around its due time, and before the start.
        let around_due = d.due + rng.random_range(-DAY_MS / MINUTE_MS..DAY_MS / MINUTE_MS) * MINUTE_MS;
        let done = around_due.clamp(created + HOUR_MS, anchor - MINUTE_MS);
        properties.insert(TASK_COMPLETION_DATE, hubspot_time(done));
        done
    } else {
        created + rng.random_range(0..=(anchor - created) / MINUTE_MS) * MINUTE_MS
    };
    properties.insert("hs_task_subject", d.subject);
    if let Some(body) = d.body {
        properties.insert("hs_task_body", body);
    }
    properties.insert("hs_task_status", d.status.to_owned());
    if let Some(priority) = d.priority {
        properties.insert("hs_task_priority", priority.to_owned());
    }
    properties.insert("hs_task_type", d.task_type.to_owned());
    properties.insert("hs_timestamp", hubspot_time(d.due));
    if let Some(owner) = d.owner {
        properties.insert("hubspot_owner_id", owner.to_owned());
    }
    Record {
        id,
        properties,
        created: hubspot_time(created),
        modified: hubspot_time(modified),
        archived: false,
        contact_ids: Vec::new(),
        merged_ids: Vec::new(),
    }
}

fn subject(rng: &mut StdRng, task_type: &str, company: &str) -> String {
    let templates: &[&str] = match task_type {
        "CALL" => &[
            "Call {} about the renewal quote",
            "Call back {} re: pricing question",
            "Check in with {} after the demo",
        ],
        "EMAIL" => &[
            "Email {} the proposal",
            "Send {} the case study",
            "Follow up with {} on the webinar",
        ],
        _ => &[
            "Prepare QBR deck for {}",
            "Update {} contract terms",
            "Log notes from the {} meeting",
            "Review {} seat count before invoicing",
        ],
    };
    let template = templates.choose(rng).copied().unwrap_or("Follow up with {}");
    template.replacen("{}", company, 1)
}

fn body(rng: &mut StdRng, company: &str) -> String {
    const NOTES: &[&str] = &[
        "They asked for numbers before the board meeting.",
        "Champion is on leave until next week; try the deputy.",
        "Attach the updated price sheet.",
        "Mention the new SSO add-on.",
    ];
    let note = NOTES.choose(rng).copied().unwrap_or_default();
    format!("<p>{company}: {note}</p>")
}

/// Companies the tasks are about; none is Globex or Initech, so the two
/// fixed tasks stay unique.
const COMPANIES: &[&str] = &[
    "Northwind Traders",
    "Contoso",
    "Fabrikam",
    "Tailspin Toys",
    "Adventure Works",
    "Litware",
    "Woodgrove Bank",
    "Fourth Coffee",
    "Coho Winery",
    "Vandelay Industries",
    "Wonka Industries",
    "Dunder Mifflin",
];

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    const OWNERS: &[&str] = &["71234501", "71234502", "71234503"];

    fn seeded(seed: u64, anchor: &str) -> (Vec<Record>, i64) {
        let anchor: jiff::Timestamp = anchor.parse().unwrap();
        let ms = anchor.as_millisecond();
        (
            generate(&mut StdRng::seed_from_u64(seed), ms, OWNERS, Some("71234508")),
            ms,
        )
    }

    fn due(r: &Record) -> i64 {
        r.get("hs_timestamp")
            .unwrap()
            .parse::<jiff::Timestamp>()
            .unwrap()
            .as_millisecond()
    }

    fn open(r: &Record) -> bool {
        r.get("hs_task_status") != Some(TASK_COMPLETED)
    }

    /// (overdue, due today, upcoming, completed) as of `start`, in UTC.
    fn counts(tasks: &[Record], start: i64) -> (usize, usize, usize, usize) {
        let end = day_end(start);
        let count = |f: &dyn Fn(&Record) -> bool| tasks.iter().filter(|r| f(r)).count();
        (
            count(&|r| open(r) && due(r) < start),
            count(&|r| open(r) && due(r) > start && due(r) < end),
            count(&|r| open(r) && due(r) >= end),
            count(&|r| !open(r)),
        )
    }

    #[test]
    fn every_state_comes_in_its_documented_number_whatever_the_minute() {
        for seed in [1, 2, 3] {
            let (tasks, anchor) = seeded(seed, "2026-11-22T09:00:00Z");
            assert_eq!(tasks.len(), TASKS);
            for minute in [0, 30, 59] {
                let start = anchor + minute * MINUTE_MS;
                assert_eq!(counts(&tasks, start), (OVERDUE, DUE_TODAY, UPCOMING, COMPLETED));
            }
            let unowned = tasks.iter().filter(|r| r.get("hubspot_owner_id").is_none()).count();
            assert_eq!(unowned, UNOWNED);
            let early = tasks.iter().filter(|r| !open(r) && due(r) > anchor).count();
            assert_eq!(early, COMPLETED_EARLY);
        }
    }

    #[test]
    fn late_in_the_day_the_today_tasks_move_to_tomorrow() {
        let (tasks, anchor) = seeded(4, "2026-11-22T22:00:00Z");
        assert!(due_today_fits(anchor));
        assert_eq!(counts(&tasks, anchor + 59 * MINUTE_MS).1, DUE_TODAY);
        let (tasks, anchor) = seeded(4, "2026-11-22T23:00:00Z");
        assert!(!due_today_fits(anchor));
        assert_eq!(
            counts(&tasks, anchor + 59 * MINUTE_MS),
            (OVERDUE, 0, UPCOMING + DUE_TODAY, COMPLETED)
        );
    }

    #[test]
    fn the_demo_task_is_first_and_open_work_covers_every_value() {
        let (tasks, anchor) = seeded(5, "2026-11-22T09:00:00Z");
        let demo = &tasks[0];
        assert_eq!(demo.id, FIRST_TASK_ID);
        assert_eq!(demo.get("hs_task_subject"), Some(DEMO_TASK_SUBJECT));
        assert_eq!(demo.get("hs_task_priority"), Some("HIGH"));
        assert!(due(demo) < anchor && open(demo));
        let open: Vec<&Record> = tasks.iter().filter(|r| open(r)).collect();
        for status in ["NOT_STARTED", "IN_PROGRESS", "WAITING", "DEFERRED"] {
            assert!(open.iter().any(|r| r.get("hs_task_status") == Some(status)), "{status}");
        }
        for priority in [Some("LOW"), Some("MEDIUM"), Some("HIGH"), None] {
            assert!(
                open.iter().any(|r| r.get("hs_task_priority") == priority),
                "{priority:?}"
            );
        }
        for kind in ["EMAIL", "CALL", "TODO"] {
            assert!(open.iter().any(|r| r.get("hs_task_type") == Some(kind)), "{kind}");
        }
        for r in &tasks {
            assert!(r.created <= r.modified, "{}", r.id);
            assert_eq!(
                r.get(TASK_COMPLETION_DATE).is_some(),
                !open.iter().any(|o| o.id == r.id)
            );
        }
        let subjects: std::collections::HashSet<_> = tasks.iter().filter_map(|r| r.get("hs_task_subject")).collect();
        assert!(subjects.contains(UNOWNED_TASK_SUBJECT));
        assert_eq!(
            tasks
                .iter()
                .filter(|r| r.get("hs_task_subject") == Some(DEMO_TASK_SUBJECT))
                .count(),
            1
        );
    }

    #[test]
    fn same_seed_same_tasks() {
        assert_eq!(seeded(9, "2026-11-22T09:00:00Z"), seeded(9, "2026-11-22T09:00:00Z"));
        assert_ne!(
            seeded(9, "2026-11-22T09:00:00Z").0,
            seeded(10, "2026-11-22T09:00:00Z").0
        );
    }
}
