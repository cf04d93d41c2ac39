//! What the cockpit knows about one source: the latest probe, the last good
//! one, recent history and errors. Derived figures are computed here, purely.

use std::collections::VecDeque;
use std::time::Duration;

use jiff::Timestamp;

use crate::model::{CircuitState, ContentData, CrmData, EmailData, HealthStatus, Probe, RateLimitInfo, SourceKind};
use crate::sources::SourceData;

/// Polls kept for sparklines, percentiles and the error rate.
pub const HISTORY: usize = 30;
/// Failures kept for the detail view.
pub const ERRORS_KEPT: usize = 20;

#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub at: Timestamp,
    pub latency: Duration,
    pub status: HealthStatus,
}

/// One failed poll, as the detail view lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorRecord {
    pub at: Timestamp,
    pub status: HealthStatus,
    pub http_status: Option<u16>,
    pub vendor_code: Option<String>,
    pub message: String,
    pub request_id: String,
}

#[derive(Debug, Clone)]
pub struct SourceState {
    pub name: String,
    pub kind: SourceKind,
    pub interval: Duration,
    pub timeout: Duration,
    /// Why the source could not be started (bad secret, bad URL); it is then never polled.
    pub broken: Option<String>,
    /// The latest probe and when it finished.
    pub last: Option<(Probe, Timestamp)>,
    /// The latest OK or DEGRADED probe: shown beside a failure, never blanked.
    pub last_good: Option<(Probe, Timestamp)>,
    pub history: VecDeque<Sample>,
    pub errors: VecDeque<ErrorRecord>,
    /// A poll is in flight since then.
    pub polling_since: Option<Timestamp>,
    pub next_poll: Option<Timestamp>,
    /// The last data a poll brought, kept through failures so panes show
    /// stale data with the reason rather than going blank.
    pub data: Option<(SourceData, Timestamp)>,
    /// Owners (ids or emails) a round-robin assignment rotates over.
    pub round_robin: Vec<String>,
}

impl SourceState {
    pub fn new(name: impl Into<String>, kind: SourceKind, interval: Duration, timeout: Duration) -> Self {
        SourceState {
            name: name.into(),
            kind,
            interval,
            timeout,
            broken: None,
            last: None,
            last_good: None,
            history: VecDeque::with_capacity(HISTORY),
            errors: VecDeque::with_capacity(ERRORS_KEPT),
            polling_since: None,
            next_poll: None,
            data: None,
            round_robin: Vec::new(),
        }
    }

    /// Record a finished poll.
    pub fn record(&mut self, probe: Probe, at: Timestamp) {
        self.polling_since = None;
        if self.history.len() == HISTORY {
            self.history.pop_front();
        }
        self.history.push_back(Sample {
            at,
            latency: probe.latency,
            status: probe.status,
        });
        if probe.status.is_good() {
            self.last_good = Some((probe.clone(), at));
        } else {
            if self.errors.len() == ERRORS_KEPT {
                self.errors.pop_back();
            }
            self.errors.push_front(ErrorRecord {
                at,
                status: probe.status,
                http_status: probe.http_status,
                vendor_code: probe.vendor_error.as_ref().and_then(|e| e.code.clone()),
                message: match &probe.vendor_error {
                    Some(v) if !probe.summary.contains(&v.message) => {
                        format!("{}: {}", probe.summary, v.message)
                    }
                    _ => probe.summary.clone(),
                },
                request_id: probe.request_id.clone(),
            });
        }
        self.last = Some((probe, at));
    }

    /// How long without a finished poll before the data counts as stale:
    /// two missed intervals plus a timeout.
    pub fn stale_after(&self) -> Duration {
        self.interval * 2 + self.timeout
    }

    /// The status to show now: `None` while the first poll is pending.
    pub fn status(&self, now: Timestamp) -> Option<HealthStatus> {
        if self.broken.is_some() {
            return Some(HealthStatus::Down);
        }
        let (probe, at) = self.last.as_ref()?;
        if elapsed(*at, now) > self.stale_after() {
            return Some(HealthStatus::Stale);
        }
        Some(probe.status)
    }

    /// The line that explains the status.
    pub fn reason(&self, now: Timestamp) -> String {
        if let Some(why) = &self.broken {
            return format!("not started: {why}");
        }
        match (&self.last, self.status(now)) {
            (None, _) => "waiting for the first poll".to_string(),
            (Some((_, at)), Some(HealthStatus::Stale)) => format!(
                "no poll has finished for {} (interval {})",
                human_duration(elapsed(*at, now)),
                human_duration(self.interval)
            ),
            (Some((probe, _)), _) => probe.summary.clone(),
        }
    }

    fn latencies(&self) -> Vec<Duration> {
        self.history
            .iter()
            .filter(|s| s.status.is_good())
            .map(|s| s.latency)
            .collect()
    }

    /// Latency percentile over the good polls in the history (nearest rank).
    pub fn latency_percentile(&self, pct: u32) -> Option<Duration> {
        let mut l = self.latencies();
        if l.is_empty() {
            return None;
        }
        l.sort_unstable();
        let rank = ((pct as usize * l.len()).div_ceil(100)).clamp(1, l.len());
        Some(l[rank - 1])
    }

    /// Latencies of the history in milliseconds, oldest first, for sparklines;
    /// failed polls count as 0 so gaps show.
    pub fn sparkline_ms(&self) -> Vec<u64> {
        self.history
            .iter()
            .map(|s| {
                if s.status.is_good() {
                    s.latency.as_millis().max(1) as u64
                } else {
                    0
                }
            })
            .collect()
    }

    /// Share of failed polls in the history, 0.0..=1.0.
    pub fn error_rate(&self) -> Option<f64> {
        if self.history.is_empty() {
            return None;
        }
        let bad = self.history.iter().filter(|s| !s.status.is_good()).count();
        Some(bad as f64 / self.history.len() as f64)
    }

    pub fn rate_limit(&self) -> Option<&RateLimitInfo> {
        self.last.as_ref().and_then(|(p, _)| p.rate_limit.as_ref())
    }

    pub fn circuit(&self) -> Option<CircuitState> {
        self.last.as_ref().map(|(p, _)| p.circuit)
    }

    /// The email platform's data, if this source has brought any.
    pub fn email(&self) -> Option<&EmailData> {
        match &self.data {
            Some((SourceData::Email(data), _)) => Some(data),
            _ => None,
        }
    }

    /// The CRM's data, if this source has brought any.
    pub fn crm(&self) -> Option<&CrmData> {
        match &self.data {
            Some((SourceData::Crm(data), _)) => Some(data),
            _ => None,
        }
    }

    /// The CMS's data, if this source has brought any.
    pub fn content(&self) -> Option<&ContentData> {
        match &self.data {
            Some((SourceData::Content(data), _)) => Some(data),
            _ => None,
        }
    }

    /// The data on show is old: the source fails now, or its latest poll
    /// brought no data (a data call failed after a good probe). Its age and
    /// the source's status.
    pub fn stale_data(&self, now: Timestamp) -> Option<(Duration, HealthStatus)> {
        let (_, at) = self.data.as_ref()?;
        let status = self.status(now)?;
        let newer_poll = self.last.as_ref().is_some_and(|(_, polled)| polled > at);
        (!status.is_good() || newer_poll).then(|| (elapsed(*at, now), status))
    }

    /// Age of the last good poll.
    pub fn last_good_age(&self, now: Timestamp) -> Option<Duration> {
        self.last_good.as_ref().map(|(_, at)| elapsed(*at, now))
    }
}

/// Non-negative time from `from` to `to`.
pub fn elapsed(from: Timestamp, to: Timestamp) -> Duration {
    let d = to.as_duration().saturating_sub(from.as_duration());
    d.try_into().unwrap_or(Duration::ZERO)
}

/// "<1s", "12s", "4m", "2h", "3d": one unit, as a table cell needs.
pub fn human_duration(d: Duration) -> String {
    let s = d.as_secs();
    if s == 0 {
        "<1s".to_string()
    } else if s < 60 {
        format!("{s}s")
    } else if s < 3600 {
        format!("{}m", s / 60)
    } else if s < 86_400 {
        format!("{}h", s / 3600)
    } else {
        format!("{}d", s / 86_400)
    }
}

/// Latency as a cell: milliseconds below a second, else seconds.
pub fn human_latency(d: Duration) -> String {
    let ms = d.as_millis();
    if ms == 0 {
        "<1ms".to_string()
    } else if ms < 1_000 {
        format!("{ms}ms")
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}
