//! The task queues, derived purely from the sources' data: content waiting
//! on someone (WordPress), CRM tasks due (HubSpot), and actions that failed.
//! The pane, the update and the palette all read the same rows.

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::Timestamp;

use crate::model::{ContentData, CrmData, CrmTask, Post, SourceKind, next_midnight};

use super::model::{Model, Pane, Screen};
use super::source_state::human_duration;

/// One queue, in the order the pane lists them: most urgent first per group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Queue {
    MissedSchedule,
    PendingReview,
    ScheduledSoon,
    StaleDrafts,
    Overdue,
    DueToday,
    ByOwner,
    Failed,
}

impl Queue {
    pub const ALL: [Queue; 8] = [
        Queue::MissedSchedule,
        Queue::PendingReview,
        Queue::ScheduledSoon,
        Queue::StaleDrafts,
        Queue::Overdue,
        Queue::DueToday,
        Queue::ByOwner,
        Queue::Failed,
    ];

    /// The group a queue belongs to, as its header says it.
    pub fn group(self) -> &'static str {
        match self {
            Queue::MissedSchedule | Queue::PendingReview | Queue::ScheduledSoon | Queue::StaleDrafts => "Content",
            Queue::Overdue | Queue::DueToday | Queue::ByOwner => "CRM tasks",
            Queue::Failed => "Failed actions",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Queue::MissedSchedule => "missed schedule",
            Queue::PendingReview => "pending review",
            Queue::ScheduledSoon => "scheduled",
            Queue::StaleDrafts => "stale drafts",
            Queue::Overdue => "overdue",
            Queue::DueToday => "due today",
            Queue::ByOwner => "open by owner",
            Queue::Failed => "failed actions",
        }
    }

    /// A stable machine name: `missed_schedule`, `due_today`, ...
    pub fn key(self) -> &'static str {
        match self {
            Queue::MissedSchedule => "missed_schedule",
            Queue::PendingReview => "pending_review",
            Queue::ScheduledSoon => "scheduled_soon",
            Queue::StaleDrafts => "stale_drafts",
            Queue::Overdue => "overdue",
            Queue::DueToday => "due_today",
            Queue::ByOwner => "open_by_owner",
            Queue::Failed => "failed_actions",
        }
    }

    /// Something is wrong while this queue has items (drawn as a warning).
    pub fn urgent(self) -> bool {
        matches!(self, Queue::MissedSchedule | Queue::Overdue | Queue::Failed)
    }

    /// The source kind that feeds it; `None` for the action framework's queue.
    pub fn kind(self) -> Option<SourceKind> {
        match self {
            Queue::MissedSchedule | Queue::PendingReview | Queue::ScheduledSoon | Queue::StaleDrafts => {
                Some(SourceKind::Wordpress)
            }
            Queue::Overdue | Queue::DueToday | Queue::ByOwner => Some(SourceKind::Hubspot),
            Queue::Failed => None,
        }
    }
}

/// How items are ordered within each queue; `s` cycles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TaskSort {
    /// Most urgent first: latest, longest waiting, soonest due.
    #[default]
    Urgency,
    Title,
    /// By author or owner name.
    Who,
}

impl TaskSort {
    pub fn label(self) -> &'static str {
        match self {
            TaskSort::Urgency => "urgency",
            TaskSort::Title => "title",
            TaskSort::Who => "author/owner",
        }
    }

    pub fn next(self) -> TaskSort {
        match self {
            TaskSort::Urgency => TaskSort::Title,
            TaskSort::Title => TaskSort::Who,
            TaskSort::Who => TaskSort::Urgency,
        }
    }
}

/// What a row is about, by identity (resolved again against the newest data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemRef {
    Post {
        source: usize,
        id: u64,
    },
    Task {
        source: usize,
        id: String,
    },
    /// An owner's open tasks; `None` for tasks nobody owns.
    Owner {
        source: usize,
        owner_id: Option<String>,
    },
    /// A failed action, by its id in `Model::failed`.
    Failed(u64),
}

/// One item of a queue, ready to draw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub item: ItemRef,
    pub title: String,
    /// The author or owner.
    pub who: String,
    /// "post", "page", a task's priority, a failed action's source.
    pub tag: String,
    /// How urgent, in words that fit the queue: "3h late", "in 5h", "9d".
    pub age: String,
    /// For sorting by urgency: bigger is more urgent.
    pub urgency: i64,
    pub source_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row {
    /// A queue's title line: its count, whether its items are hidden, and
    /// why it may be incomplete (no data yet, stale).
    Header {
        queue: Queue,
        /// `None` while no source feeding the queue has brought data.
        count: Option<usize>,
        collapsed: bool,
        /// Why the count may be wrong: no data yet, or stale. Said once per group.
        note: Option<String>,
    },
    Item {
        queue: Queue,
        item: Item,
    },
}

impl Row {
    pub fn queue(&self) -> Queue {
        match self {
            Row::Header { queue, .. } | Row::Item { queue, .. } => *queue,
        }
    }
}

/// Every queue's items, unfiltered, with each source's problems.
pub fn queues(model: &Model) -> BTreeMap<Queue, Vec<Item>> {
    let mut out: BTreeMap<Queue, Vec<Item>> = Queue::ALL.iter().map(|q| (*q, Vec::new())).collect();
    let now = model.now;
    let midnight = next_midnight(now, &model.tz).unwrap_or(now);
    let several = |kind: SourceKind| model.sources.iter().filter(|s| s.kind == kind).count() > 1;
    for (source, state) in model.sources.iter().enumerate() {
        let source_name = if several(state.kind) {
            state.name.clone()
        } else {
            String::new()
        };
        if let Some(content) = state.content() {
            for post in content.posts.values() {
                for (queue, age, urgency) in post_queues(post, content, model) {
                    out.entry(queue).or_default().push(Item {
                        item: ItemRef::Post { source, id: post.id },
                        title: post.display_title().to_owned(),
                        who: content.author_name(post),
                        tag: post.kind.label().to_owned(),
                        age,
                        urgency,
                        source_name: source_name.clone(),
                    });
                }
            }
        }
        if let Some(crm) = state.crm() {
            for task in &crm.tasks {
                let queue_age = if let Some(late) = task.overdue_by(now) {
                    Some((Queue::Overdue, format!("{} late", human_duration(late)), secs(late)))
                } else {
                    task.due_before(now, midnight).map(|left| {
                        let at = task
                            .due
                            .map(|d| crate::ui::widgets::clock(d, &model.tz))
                            .unwrap_or_default();
                        (Queue::DueToday, at.chars().take(5).collect(), -secs(left))
                    })
                };
                if let Some((queue, age, urgency)) = queue_age {
                    out.entry(queue)
                        .or_default()
                        .push(task_item(source, task, crm, age, urgency, &source_name));
                }
            }
            out.entry(Queue::ByOwner)
                .or_default()
                .extend(owner_items(source, crm, now, midnight, &source_name));
        }
    }
    for f in &model.failed {
        let source_name = model.sources.get(f.source).map_or_else(String::new, |s| s.name.clone());
        let ago = crate::app::source_state::elapsed(f.at, now);
        out.entry(Queue::Failed).or_default().push(Item {
            item: ItemRef::Failed(f.id),
            title: format!("{} {}", f.planned.action, f.planned.target_name),
            who: failure_reason(&f.error),
            tag: String::new(),
            age: format!("{} ago", human_duration(ago)),
            urgency: -f.at.as_second(),
            source_name,
        });
    }
    out
}

/// Why an action failed, shortest first: the status and the vendor's own
/// words when it answered, else the whole message (nothing was sent).
fn failure_reason(e: &crate::actions::ActionError) -> String {
    let status = e.http_status.map(|c| format!("HTTP {c} ")).unwrap_or_default();
    match &e.vendor {
        Some(v) => match &v.code {
            Some(code) => format!("{status}{code}: {}", v.message),
            None => format!("{status}{}", v.message),
        },
        None => e.message.clone(),
    }
}

/// The content queues a post is in, with its age label and urgency.
fn post_queues(post: &Post, _content: &ContentData, model: &Model) -> Vec<(Queue, String, i64)> {
    let now = model.now;
    let mut out = Vec::new();
    if let Some(late) = post.missed_schedule(now) {
        out.push((
            Queue::MissedSchedule,
            format!("{} late", human_duration(late)),
            secs(late),
        ));
    }
    if let Some(waiting) = post.pending_for(now) {
        out.push((Queue::PendingReview, human_duration(waiting), secs(waiting)));
    }
    if let Some(left) = post.scheduled_within(now, model.queues.scheduled_within) {
        out.push((
            Queue::ScheduledSoon,
            format!("in {}", human_duration(left)),
            -secs(left),
        ));
    }
    if let Some(untouched) = post.stale_draft(now, model.queues.stale_draft_after) {
        out.push((Queue::StaleDrafts, human_duration(untouched), secs(untouched)));
    }
    out
}

fn task_item(source: usize, task: &CrmTask, crm: &CrmData, age: String, urgency: i64, source_name: &str) -> Item {
    Item {
        item: ItemRef::Task {
            source,
            id: task.id.clone(),
        },
        title: task.display_subject().to_owned(),
        who: owner_name(crm, task.owner_id.as_deref()),
        tag: task.priority.map_or("", |p| p.label()).to_owned(),
        age,
        urgency,
        source_name: source_name.to_owned(),
    }
}

/// The owner's name, "owner N" when the CRM does not list it, "unowned".
pub fn owner_name(crm: &CrmData, owner_id: Option<&str>) -> String {
    match owner_id {
        Some(id) => crm
            .owners
            .iter()
            .find(|o| o.id == id)
            .map_or_else(|| format!("owner {id}"), |o| o.display_name()),
        None => "unowned".to_owned(),
    }
}

/// One row per owner with open tasks: how many are overdue, due today, open.
fn owner_items(source: usize, crm: &CrmData, now: Timestamp, midnight: Timestamp, source_name: &str) -> Vec<Item> {
    let mut by_owner: BTreeMap<Option<&str>, (usize, usize, usize)> = BTreeMap::new();
    for task in crm.tasks.iter().filter(|t| t.status.is_open()) {
        let counts = by_owner.entry(task.owner_id.as_deref()).or_default();
        counts.2 += 1;
        if task.overdue_by(now).is_some() {
            counts.0 += 1;
        } else if task.due_before(now, midnight).is_some() {
            counts.1 += 1;
        }
    }
    by_owner
        .into_iter()
        .map(|(owner, (overdue, today, open))| Item {
            item: ItemRef::Owner {
                source,
                owner_id: owner.map(str::to_owned),
            },
            title: owner_name(crm, owner),
            who: format!("{overdue} overdue · {today} today"),
            tag: String::new(),
            age: format!("{open} open"),
            urgency: (overdue * 1000 + today) as i64,
            source_name: source_name.to_owned(),
        })
        .collect()
}

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

/// Whether some source feeding the queue has brought data.
fn known(model: &Model, queue: Queue) -> bool {
    queue
        .kind()
        .is_none_or(|k| model.sources.iter().any(|s| s.kind == k && s.data.is_some()))
}

/// Why a queue may be incomplete: its sources have no data yet, or only stale data.
fn queue_note(model: &Model, queue: Queue) -> Option<String> {
    let kind = queue.kind()?;
    let feeding: Vec<_> = model.sources.iter().filter(|s| s.kind == kind).collect();
    let missing: Vec<&str> = feeding
        .iter()
        .filter(|s| s.data.is_none())
        .map(|s| s.name.as_str())
        .collect();
    if !missing.is_empty() {
        let why = feeding
            .iter()
            .find(|s| s.data.is_none())
            .and_then(|s| {
                s.broken
                    .clone()
                    .or_else(|| s.last.as_ref().map(|(p, _)| p.summary.clone()))
            })
            .unwrap_or_else(|| "loading…".to_owned());
        return Some(format!("no data from {}: {why}", missing.join(", ")));
    }
    // The CRM answered but its task search did not: the tasks shown are older than the rest.
    let kept = feeding.iter().find_map(|s| Some((s, s.crm()?.tasks_as_of?)));
    if let Some((s, at)) = kept {
        return Some(format!(
            "tasks from {} ago: {} could not read its open tasks",
            human_duration(crate::app::source_state::elapsed(at, model.now)),
            s.name
        ));
    }
    feeding.iter().find_map(|s| {
        let (age, status) = s.stale_data(model.now)?;
        Some(format!(
            "data from {} ago, {} {}",
            human_duration(age),
            s.name,
            status.label()
        ))
    })
}

/// The queues that apply to this config: content only with a CMS source,
/// CRM tasks only with a CRM source; failed actions always.
pub fn shown_queues(model: &Model) -> Vec<Queue> {
    Queue::ALL
        .into_iter()
        .filter(|q| q.kind().is_none_or(|k| model.sources.iter().any(|s| s.kind == k)))
        .collect()
}

/// The pane's rows: each shown queue's header, then (unless collapsed) its
/// items that pass the filter, in the chosen order.
pub fn rows(model: &Model) -> Vec<Row> {
    rows_from(model, queues(model))
}

/// [`rows`] from queues already built (the pane builds them once per frame
/// for its title and its rows).
pub fn rows_from(model: &Model, mut all: BTreeMap<Queue, Vec<Item>>) -> Vec<Row> {
    let needle = model.tasks.filter.to_lowercase();
    let mut out = Vec::new();
    let mut noted_group = None;
    for queue in shown_queues(model) {
        let mut items = all.remove(&queue).unwrap_or_default();
        if !needle.is_empty() {
            items.retain(|i| {
                [&i.title, &i.who, &i.tag, &i.source_name]
                    .iter()
                    .any(|f| f.to_lowercase().contains(&needle))
            });
        }
        match model.tasks.sort {
            TaskSort::Urgency => items.sort_by(|a, b| b.urgency.cmp(&a.urgency).then_with(|| a.title.cmp(&b.title))),
            TaskSort::Title => items.sort_by_key(|i| i.title.to_lowercase()),
            TaskSort::Who => items.sort_by(|a, b| {
                a.who
                    .to_lowercase()
                    .cmp(&b.who.to_lowercase())
                    .then_with(|| b.urgency.cmp(&a.urgency))
            }),
        }
        if !needle.is_empty() && items.is_empty() {
            // Filtering shows where the matches are, not every empty queue.
            continue;
        }
        let collapsed = model.tasks.collapsed.contains(&queue);
        let note = if noted_group == Some(queue.group()) {
            None
        } else {
            noted_group = Some(queue.group());
            queue_note(model, queue)
        };
        out.push(Row::Header {
            queue,
            count: known(model, queue).then_some(items.len()),
            collapsed,
            note,
        });
        if !collapsed {
            out.extend(items.into_iter().map(|item| Row::Item { queue, item }));
        }
    }
    out
}

/// The row the pane's selection is on.
pub fn selected(model: &Model) -> Option<Row> {
    let rows = rows(model);
    let i = model.tasks.selected.min(rows.len().saturating_sub(1));
    rows.into_iter().nth(i)
}

/// The item the user is looking at: an open post or task detail, a failed
/// action's detail, else the pane's selected item.
pub fn current(model: &Model) -> Option<ItemRef> {
    match &model.screen {
        Screen::PostDetail { source, id } => Some(ItemRef::Post {
            source: *source,
            id: *id,
        }),
        Screen::TaskDetail { source, id } => Some(ItemRef::Task {
            source: *source,
            id: id.clone(),
        }),
        Screen::FailedDetail { id } => Some(ItemRef::Failed(*id)),
        Screen::Grid if model.focus == Pane::Tasks => match selected(model)? {
            Row::Item { item, .. } => Some(item.item),
            Row::Header { .. } => None,
        },
        _ => None,
    }
}

pub fn find_post(model: &Model, source: usize, id: u64) -> Option<(&ContentData, &Post)> {
    let content = model.sources.get(source)?.content()?;
    content.posts.get(&id).map(|p| (content, p))
}

pub fn find_task<'a>(model: &'a Model, source: usize, id: &str) -> Option<(&'a CrmData, &'a CrmTask)> {
    let crm = model.sources.get(source)?.crm()?;
    crm.tasks.iter().find(|t| t.id == id).map(|t| (crm, t))
}

/// The pane title's summary: the urgent counts, else how much is queued.
pub fn summary(model: &Model) -> String {
    summary_from(model, &queues(model))
}

/// [`summary`] from queues already built.
pub fn summary_from(model: &Model, all: &BTreeMap<Queue, Vec<Item>>) -> String {
    let count = |q: Queue| all.get(&q).map_or(0, Vec::len);
    let mut parts = Vec::new();
    for (queue, word) in [
        (Queue::MissedSchedule, "missed"),
        (Queue::Overdue, "overdue"),
        (Queue::Failed, "failed"),
    ] {
        if count(queue) > 0 {
            parts.push(format!("{} {word}", count(queue)));
        }
    }
    let sending = model.running.len() + model.batches.len();
    if sending > 0 {
        parts.push(format!("{sending} sending"));
    }
    if parts.is_empty() {
        let pending = count(Queue::PendingReview);
        let today = count(Queue::DueToday);
        if pending > 0 {
            parts.push(format!("{pending} to review"));
        }
        if today > 0 {
            parts.push(format!("{today} due today"));
        }
    }
    parts.join(" · ")
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use jiff::Timestamp;

    use super::*;
    use crate::app::model::{Overlay, PlanTarget};
    use crate::app::{Command, Msg, SourceState, update};
    use crate::model::{Author, Owner, PostStatus, PostType, TaskPriority, TaskStatus};
    use crate::sources::SourceData;

    const H: i64 = 3600;
    const D: i64 = 86_400;

    fn now() -> Timestamp {
        "2026-11-22T12:00:00Z".parse().unwrap()
    }

    fn at(offset: i64) -> Timestamp {
        now() + jiff::SignedDuration::from_secs(offset)
    }

    fn post(id: u64, title: &str, status: PostStatus, date: Option<i64>, modified: i64) -> Post {
        Post {
            id,
            kind: PostType::Post,
            title: title.into(),
            status,
            date: date.map(at),
            modified: Some(at(modified)),
            slug: title.to_lowercase().replace(' ', "-"),
            link: Some(format!("https://blog.example.com/?p={id}")),
            author_id: Some(1),
        }
    }

    fn task(id: &str, subject: &str, due: i64, owner: Option<&str>) -> CrmTask {
        CrmTask {
            id: id.into(),
            subject: subject.into(),
            status: TaskStatus::NotStarted,
            priority: Some(TaskPriority::High),
            due: Some(at(due)),
            owner_id: owner.map(Into::into),
            ..CrmTask::default()
        }
    }

    fn model() -> Model {
        let mut wp = SourceState::new(
            "blog",
            SourceKind::Wordpress,
            Duration::from_secs(30),
            Duration::from_secs(10),
        );
        let mut content = ContentData {
            site_url: Some("https://blog.example.com".into()),
            ..ContentData::default()
        };
        content.authors.insert(
            1,
            Author {
                id: 1,
                name: "Ann Lee".into(),
                slug: "ann".into(),
            },
        );
        for p in [
            post(1, "Black Friday teaser", PostStatus::Future, Some(-3 * H), -2 * D),
            post(2, "Pricing page refresh", PostStatus::Pending, None, -9 * D),
            post(3, "Webinar recap", PostStatus::Pending, None, -D),
            post(4, "Holiday guide", PostStatus::Future, Some(2 * D), -D),
            post(5, "Old idea", PostStatus::Draft, None, -90 * D),
            post(6, "Fresh idea", PostStatus::Draft, None, -2 * D),
            post(7, "Next year", PostStatus::Future, Some(30 * D), -D),
        ] {
            content.posts.insert(p.id, p);
        }
        wp.data = Some((SourceData::Content(Arc::new(content)), now()));

        let mut hs = SourceState::new(
            "crm",
            SourceKind::Hubspot,
            Duration::from_secs(30),
            Duration::from_secs(10),
        );
        let crm = CrmData {
            owners: vec![Owner {
                id: "7".into(),
                first_name: Some("Bo".into()),
                last_name: Some("Ek".into()),
                ..Owner::default()
            }],
            tasks: vec![
                task("t1", "Call back Globex", -2 * D, Some("7")),
                task("t2", "Send contract", -H, None),
                task("t3", "Prep QBR", 3 * H, Some("7")),
                task("t4", "Plan Q1", 5 * D, Some("7")),
            ],
            ..CrmData::default()
        };
        hs.data = Some((SourceData::Crm(Arc::new(crm)), now()));
        let mut m = Model::new("t", false, vec![wp, hs], now());
        m.size = (160, 48);
        m
    }

    fn key(m: &mut Model, code: KeyCode) -> Vec<Command> {
        update(m, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
    }

    fn header(rows: &[Row], queue: Queue) -> usize {
        rows.iter()
            .find_map(|r| match r {
                Row::Header { queue: q, count, .. } if *q == queue => *count,
                _ => None,
            })
            .unwrap()
    }

    fn titles(rows: &[Row], queue: Queue) -> Vec<String> {
        rows.iter()
            .filter_map(|r| match r {
                Row::Item { queue: q, item } if *q == queue => Some(item.title.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn every_queue_counts_what_belongs_in_it() {
        let m = model();
        let rows = rows(&m);
        assert_eq!(header(&rows, Queue::MissedSchedule), 1);
        assert_eq!(header(&rows, Queue::PendingReview), 2);
        assert_eq!(
            header(&rows, Queue::ScheduledSoon),
            1,
            "the post 30 days out is beyond the 7-day window"
        );
        assert_eq!(header(&rows, Queue::StaleDrafts), 1, "a two-day-old draft is not stale");
        assert_eq!(header(&rows, Queue::Overdue), 2);
        assert_eq!(header(&rows, Queue::DueToday), 1);
        assert_eq!(header(&rows, Queue::ByOwner), 2, "Bo Ek, and the unowned task");
        assert_eq!(header(&rows, Queue::Failed), 0);
        assert_eq!(
            titles(&rows, Queue::PendingReview),
            ["Pricing page refresh", "Webinar recap"]
        );
        let missed = rows
            .iter()
            .find_map(|r| match r {
                Row::Item {
                    queue: Queue::MissedSchedule,
                    item,
                } => Some(item.clone()),
                _ => None,
            })
            .unwrap();
        assert_eq!((missed.age.as_str(), missed.who.as_str()), ("3h late", "Ann Lee"));
        assert_eq!(summary(&m), "1 missed · 2 overdue");
    }

    #[test]
    fn filter_sort_and_folding_shape_the_rows() {
        let mut m = model();
        key(&mut m, KeyCode::Char('4'));
        key(&mut m, KeyCode::Char('/'));
        for c in "globex".chars() {
            key(&mut m, KeyCode::Char(c));
        }
        key(&mut m, KeyCode::Enter);
        let rows = rows(&m);
        assert_eq!(header(&rows, Queue::Overdue), 1);
        assert_eq!(
            rows.len(),
            2,
            "queues without a match are hidden while filtering: {rows:?}"
        );
        assert_eq!(m.tasks.selected, 1, "the selection lands on the first match");
        assert!(
            matches!(&rows[m.tasks.selected], Row::Item { item, .. } if item.title == "Call back Globex"),
            "{rows:?}"
        );

        let mut m = model();
        assert_eq!(
            titles(&rows_of(&m), Queue::Overdue),
            ["Call back Globex", "Send contract"]
        );
        m.tasks.sort = TaskSort::Who;
        assert_eq!(
            titles(&rows_of(&m), Queue::Overdue),
            ["Call back Globex", "Send contract"],
            "Bo Ek before unowned"
        );
        m.tasks.sort = TaskSort::Title;
        assert_eq!(
            titles(&rows_of(&m), Queue::PendingReview),
            ["Pricing page refresh", "Webinar recap"]
        );

        // Enter on a header folds its queue; the count stays.
        let mut m = model();
        key(&mut m, KeyCode::Char('4'));
        key(&mut m, KeyCode::Enter);
        let rows = rows_of(&m);
        assert!(titles(&rows, Queue::MissedSchedule).is_empty());
        assert_eq!(header(&rows, Queue::MissedSchedule), 1);
        key(&mut m, KeyCode::Enter);
        assert_eq!(titles(&rows_of(&m), Queue::MissedSchedule).len(), 1);
    }

    fn rows_of(m: &Model) -> Vec<Row> {
        rows(m)
    }

    #[test]
    fn enter_opens_a_post_and_x_offers_its_actions() {
        let mut m = model();
        key(&mut m, KeyCode::Char('4'));
        key(&mut m, KeyCode::Down);
        key(&mut m, KeyCode::Enter);
        assert_eq!(m.screen, Screen::PostDetail { source: 0, id: 1 });
        key(&mut m, KeyCode::Char('x'));
        let Some(Overlay::ActionMenu(menu)) = &m.overlay else {
            panic!("no menu: {:?}", m.toast)
        };
        assert_eq!(menu.title, "Black Friday teaser");
        assert_eq!(
            menu.items.iter().map(|i| i.spec.name).collect::<Vec<_>>(),
            ["publish", "reschedule", "move-to-draft"]
        );
        assert_eq!(menu.items[0].target, Some(PlanTarget::Post(1)));
        let cmds = key(&mut m, KeyCode::Enter);
        assert!(
            matches!(
                cmds.as_slice(),
                [Command::Plan { action, target: PlanTarget::Post(1), .. }] if action == "publish"
            ),
            "{cmds:?} {:?}",
            m.toast
        );
    }

    #[test]
    fn an_owner_row_narrows_the_pane_to_their_tasks() {
        let mut m = model();
        key(&mut m, KeyCode::Char('4'));
        let rows = rows_of(&m);
        let owner = rows
            .iter()
            .position(|r| matches!(r, Row::Item { queue: Queue::ByOwner, item } if item.title == "Bo Ek"))
            .unwrap();
        m.tasks.selected = owner;
        key(&mut m, KeyCode::Enter);
        assert_eq!(m.tasks.filter, "Bo Ek");
        let rows = rows_of(&m);
        assert_eq!(titles(&rows, Queue::Overdue), ["Call back Globex"]);
        key(&mut m, KeyCode::Esc);
        assert!(m.tasks.filter.is_empty());
    }

    #[test]
    fn a_task_opens_and_offers_complete_reassign_postpone() {
        let mut m = model();
        key(&mut m, KeyCode::Char('4'));
        let rows = rows_of(&m);
        m.tasks.selected = rows
            .iter()
            .position(|r| {
                matches!(
                    r,
                    Row::Item {
                        queue: Queue::Overdue,
                        ..
                    }
                )
            })
            .unwrap();
        key(&mut m, KeyCode::Enter);
        assert_eq!(
            m.screen,
            Screen::TaskDetail {
                source: 1,
                id: "t1".into()
            }
        );
        key(&mut m, KeyCode::Char('x'));
        let Some(Overlay::ActionMenu(menu)) = &m.overlay else {
            panic!("no menu")
        };
        assert_eq!(
            menu.items.iter().map(|i| i.spec.name).collect::<Vec<_>>(),
            ["complete", "reassign", "postpone"]
        );
        // y copies the task's id.
        m.overlay = None;
        assert_eq!(key(&mut m, KeyCode::Char('y')), [Command::Copy("t1".into())]);
    }

    #[test]
    fn the_palette_offers_the_selected_items_actions() {
        let mut m = model();
        key(&mut m, KeyCode::Char('4'));
        key(&mut m, KeyCode::Down);
        let labels: Vec<String> = crate::app::palette::items(&m).into_iter().map(|i| i.label).collect();
        assert!(
            labels.iter().any(|l| l == "publish \"Black Friday teaser\""),
            "{labels:?}"
        );
        // Read-only mode: nothing to send, so nothing offered.
        m.readonly = true;
        let labels: Vec<String> = crate::app::palette::items(&m).into_iter().map(|i| i.label).collect();
        assert!(!labels.iter().any(|l| l.starts_with("publish")), "{labels:?}");
    }

    #[test]
    fn no_data_yet_says_so_in_the_header() {
        let mut m = model();
        m.sources[0].data = None;
        let rows = rows(&m);
        let note = rows
            .iter()
            .find_map(|r| match r {
                Row::Header {
                    queue: Queue::MissedSchedule,
                    note,
                    ..
                } => note.clone(),
                _ => None,
            })
            .unwrap();
        assert!(note.starts_with("no data from blog"), "{note}");

        // Tasks kept from an earlier poll because the task search failed say how old they are.
        let mut kept = model();
        let Some((SourceData::Crm(crm), at)) = kept.sources[1].data.clone() else {
            panic!("crm data");
        };
        let mut crm = (*crm).clone();
        crm.tasks_as_of = Some(now() - jiff::SignedDuration::from_mins(12));
        kept.sources[1].data = Some((SourceData::Crm(Arc::new(crm)), at));
        let note = super::rows(&kept)
            .iter()
            .find_map(|r| match r {
                Row::Header {
                    queue: Queue::Overdue,
                    note,
                    ..
                } => note.clone(),
                _ => None,
            })
            .unwrap();
        assert_eq!(note, "tasks from 12m ago: crm could not read its open tasks");
        // A config without a CMS shows no content queues at all.
        m.sources.remove(0);
        assert!(!shown_queues(&m).contains(&Queue::PendingReview));
        assert!(shown_queues(&m).contains(&Queue::Overdue));
    }
}
