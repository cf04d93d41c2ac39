//! The whole state of the cockpit. Only `update` changes it.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::source_state::SourceState;
use crate::model::{HealthStatus, SourceKind};

/// The four panes, in grid order (1-4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    Health,
    Pipeline,
    Alerts,
    Tasks,
}

impl Pane {
    pub const ALL: [Pane; 4] = [Pane::Health, Pane::Pipeline, Pane::Alerts, Pane::Tasks];

    pub fn title(self) -> &'static str {
        match self {
            Pane::Health => "Stack health",
            Pane::Pipeline => "Campaign pipeline",
            Pane::Alerts => "Data-quality alerts",
            Pane::Tasks => "Task queues",
        }
    }

    /// 1-based position, the digit that focuses it.
    pub fn number(self) -> usize {
        Pane::ALL.iter().position(|p| *p == self).unwrap_or(0) + 1
    }

    pub fn next(self) -> Pane {
        Pane::ALL[self.number() % Pane::ALL.len()]
    }

    pub fn prev(self) -> Pane {
        Pane::ALL[(self.number() + Pane::ALL.len() - 2) % Pane::ALL.len()]
    }

    /// The source kinds whose data this pane shows.
    pub fn kinds(self) -> &'static [SourceKind] {
        match self {
            Pane::Health => &SourceKind::ALL,
            Pane::Pipeline => &[SourceKind::Mailchimp],
            Pane::Alerts => &[SourceKind::Hubspot, SourceKind::Mailchimp],
            Pane::Tasks => &[SourceKind::Wordpress, SourceKind::Hubspot],
        }
    }
}

/// What fills the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// The 2x2 grid, or the focused pane alone when zoomed.
    Grid,
    /// One source's detail (index into `sources`).
    SourceDetail(usize),
}

#[derive(Debug, Clone)]
pub struct Model {
    /// The config's title, shown in the header.
    pub title: String,
    pub readonly: bool,
    /// A note for the header, e.g. where the demo's sandbox listens.
    pub banner: Option<String>,
    pub now: Timestamp,
    pub sources: Vec<SourceState>,
    pub focus: Pane,
    pub zoomed: bool,
    pub screen: Screen,
    pub help: bool,
    /// Selected row of the health pane.
    pub selected: usize,
    /// Terminal size (columns, rows).
    pub size: (u16, u16),
    /// Clock times are shown in this zone.
    pub tz: TimeZone,
    /// False under NO_COLOR: meaning never rests on colour alone anyway.
    pub color: bool,
    pub quitting: bool,
}

impl Model {
    pub fn new(title: impl Into<String>, readonly: bool, sources: Vec<SourceState>, now: Timestamp) -> Self {
        Model {
            title: title.into(),
            readonly,
            banner: None,
            now,
            sources,
            focus: Pane::Health,
            zoomed: false,
            screen: Screen::Grid,
            help: false,
            selected: 0,
            size: (80, 24),
            tz: TimeZone::UTC,
            color: true,
            quitting: false,
        }
    }

    /// The worst status over all sources that have one.
    pub fn overall(&self) -> Option<HealthStatus> {
        self.sources
            .iter()
            .filter_map(|s| s.status(self.now))
            .max_by_key(|s| s.severity())
    }

    /// How many sources are in each status, worst first, for the header.
    pub fn status_counts(&self) -> Vec<(HealthStatus, usize)> {
        let mut counts: Vec<(HealthStatus, usize)> = Vec::new();
        for status in self.sources.iter().filter_map(|s| s.status(self.now)) {
            match counts.iter_mut().find(|(s, _)| *s == status) {
                Some((_, n)) => *n += 1,
                None => counts.push((status, 1)),
            }
        }
        counts.sort_by_key(|(s, _)| std::cmp::Reverse(s.severity()));
        counts
    }

    /// Sources feeding a pane.
    pub fn sources_for(&self, pane: Pane) -> impl Iterator<Item = (usize, &SourceState)> {
        self.sources
            .iter()
            .enumerate()
            .filter(move |(_, s)| pane.kinds().contains(&s.kind))
    }

    pub fn selected_source(&self) -> Option<&SourceState> {
        self.sources.get(self.selected)
    }
}
