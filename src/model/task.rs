//! CRM tasks (HubSpot's `tasks` object): what a person has to do, by when,
//! and who owns it. Property names follow API-FACTS.md.

use std::time::Duration;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Serialize;

/// `hs_task_status`. The API documents NOT_STARTED and COMPLETED; the UI
/// also sets the others. Unknown values are kept by name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Default)]
pub enum TaskStatus {
    #[default]
    NotStarted,
    InProgress,
    Waiting,
    Deferred,
    Completed,
    Other(String),
}

impl TaskStatus {
    pub fn parse(s: &str) -> TaskStatus {
        match s {
            "NOT_STARTED" => TaskStatus::NotStarted,
            "IN_PROGRESS" => TaskStatus::InProgress,
            "WAITING" => TaskStatus::Waiting,
            "DEFERRED" => TaskStatus::Deferred,
            "COMPLETED" => TaskStatus::Completed,
            other => TaskStatus::Other(other.to_owned()),
        }
    }

    /// The vendor's spelling.
    pub fn key(&self) -> &str {
        match self {
            TaskStatus::NotStarted => "NOT_STARTED",
            TaskStatus::InProgress => "IN_PROGRESS",
            TaskStatus::Waiting => "WAITING",
            TaskStatus::Deferred => "DEFERRED",
            TaskStatus::Completed => "COMPLETED",
            TaskStatus::Other(s) => s,
        }
    }

    pub fn label(&self) -> &str {
        match self {
            TaskStatus::NotStarted => "not started",
            TaskStatus::InProgress => "in progress",
            TaskStatus::Waiting => "waiting",
            TaskStatus::Deferred => "deferred",
            TaskStatus::Completed => "completed",
            TaskStatus::Other(s) => s,
        }
    }

    pub fn is_open(&self) -> bool {
        *self != TaskStatus::Completed
    }
}

/// `hs_task_priority`: LOW, MEDIUM, HIGH (NONE and absent read as `None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum TaskPriority {
    Low,
    Medium,
    High,
}

impl TaskPriority {
    pub fn parse(s: &str) -> Option<TaskPriority> {
        match s {
            "LOW" => Some(TaskPriority::Low),
            "MEDIUM" => Some(TaskPriority::Medium),
            "HIGH" => Some(TaskPriority::High),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TaskPriority::Low => "low",
            TaskPriority::Medium => "medium",
            TaskPriority::High => "high",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct CrmTask {
    pub id: String,
    /// `hs_task_subject`.
    pub subject: String,
    /// `hs_task_body` (may hold HTML, as HubSpot stores it).
    pub body: Option<String>,
    pub status: TaskStatus,
    pub priority: Option<TaskPriority>,
    /// `hs_task_type`: EMAIL, CALL, TODO (kept as sent).
    pub task_type: Option<String>,
    /// `hs_timestamp`: when it is due.
    pub due: Option<Timestamp>,
    pub owner_id: Option<String>,
    /// `hs_lastmodifieddate` (else `updatedAt`).
    pub modified: Option<Timestamp>,
}

impl CrmTask {
    /// The subject, else "(no subject)".
    pub fn display_subject(&self) -> &str {
        if self.subject.trim().is_empty() {
            "(no subject)"
        } else {
            self.subject.trim()
        }
    }

    /// An open task past its due time, and by how much.
    pub fn overdue_by(&self, now: Timestamp) -> Option<Duration> {
        match self.due {
            Some(due) if self.status.is_open() && due < now => {
                Some(Duration::try_from(now.duration_since(due)).unwrap_or(Duration::ZERO))
            }
            _ => None,
        }
    }

    /// An open task due later today, in `tz`: not yet overdue, due before
    /// the next midnight there. Returns the time left.
    pub fn due_today(&self, now: Timestamp, tz: &TimeZone) -> Option<Duration> {
        self.due_before(now, next_midnight(now, tz)?)
    }

    /// An open task due from `now` until `midnight` (see [`next_midnight`]):
    /// for lists, which work the midnight out once.
    pub fn due_before(&self, now: Timestamp, midnight: Timestamp) -> Option<Duration> {
        let due = self.due?;
        if !self.status.is_open() || due < now || due >= midnight {
            return None;
        }
        Some(Duration::try_from(due.duration_since(now)).unwrap_or(Duration::ZERO))
    }
}

/// The first midnight after `now` in `tz`: where "today" ends there.
pub fn next_midnight(now: Timestamp, tz: &TimeZone) -> Option<Timestamp> {
    Some(
        now.to_zoned(tz.clone())
            .date()
            .tomorrow()
            .ok()?
            .to_zoned(tz.clone())
            .ok()?
            .timestamp(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn task(due: &str, status: TaskStatus) -> CrmTask {
        CrmTask {
            id: "1".into(),
            subject: "Call back".into(),
            status,
            due: Some(ts(due)),
            ..CrmTask::default()
        }
    }

    #[test]
    fn overdue_needs_an_open_task_past_its_due_time() {
        let now = ts("2026-11-22T12:00:00Z");
        assert_eq!(
            task("2026-11-22T10:00:00Z", TaskStatus::NotStarted).overdue_by(now),
            Some(Duration::from_secs(7200))
        );
        assert_eq!(
            task("2026-11-22T10:00:00Z", TaskStatus::Completed).overdue_by(now),
            None
        );
        assert_eq!(
            task("2026-11-22T14:00:00Z", TaskStatus::InProgress).overdue_by(now),
            None
        );
    }

    #[test]
    fn due_today_ends_at_midnight_in_the_given_zone() {
        // 12:00 UTC is 07:00 in New York: "today" there runs to 05:00 UTC next day.
        let now = ts("2026-11-22T12:00:00Z");
        let ny = TimeZone::get("America/New_York").unwrap();
        let late_evening_ny = task("2026-11-23T03:00:00Z", TaskStatus::NotStarted);
        assert!(late_evening_ny.due_today(now, &ny).is_some());
        assert_eq!(late_evening_ny.due_today(now, &TimeZone::UTC), None);
        assert_eq!(
            task("2026-11-22T10:00:00Z", TaskStatus::NotStarted).due_today(now, &ny),
            None
        );
    }
}
