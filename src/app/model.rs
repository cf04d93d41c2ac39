//! The whole state of the cockpit. Only `update` changes it.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::source_state::SourceState;
use crate::actions::{ActionError, ActionSpec, ArgKind, Availability, PlannedAction};
use crate::config::{PipelineConfig, QueuesConfig};
use crate::model::{Alert, AlertId, AlertState};
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    /// The 2x2 grid, or the focused pane alone when zoomed.
    Grid,
    /// One source's detail (index into `sources`).
    SourceDetail(usize),
    /// One campaign's detail and report.
    CampaignDetail { source: usize, id: String },
    /// One alert: its records, the CRM record beside the email platform's.
    AlertDetail { id: AlertId },
    /// A CMS post or page from the task queues.
    PostDetail { source: usize, id: u64 },
    /// A CRM task from the task queues.
    TaskDetail { source: usize, id: String },
    /// A failed action: its exact request and why it failed.
    FailedDetail { id: u64 },
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
    /// A popup over the screen: help, an action menu, a prompt, a confirmation.
    pub overlay: Option<Overlay>,
    /// Selected row of the health pane.
    pub selected: usize,
    pub pipeline: PipelineView,
    /// Thresholds and campaign economics from the config.
    pub pipeline_cfg: PipelineConfig,
    /// The task-queues pane's own state.
    pub tasks: TasksView,
    /// When content counts as stale or upcoming, from the config.
    pub queues: QueuesConfig,
    /// Actions sent and not yet answered.
    pub running: Vec<RunningAction>,
    /// Actions that failed, for a person to retry or discard. Never retried on their own.
    pub failed: Vec<FailedAction>,
    /// Batches of actions being sent one by one (round-robin assignment).
    pub batches: Vec<Batch>,
    pub next_action_id: u64,
    /// A transient message in the status bar.
    pub toast: Option<Toast>,
    pub alerts: AlertsView,
    /// Terminal size (columns, rows).
    pub size: (u16, u16),
    /// Clock times are shown in this zone.
    pub tz: TimeZone,
    /// False under NO_COLOR: meaning never rests on colour alone anyway.
    pub color: bool,
    /// `[ui] theme`.
    pub theme: crate::ui::theme::ThemeName,
    /// How many colours the terminal shows (`[ui] colors`, resolved).
    pub depth: crate::ui::theme::Depth,
    /// The keys, with the config's `[keys]` overrides.
    pub keymap: super::keymap::Keymap,
    /// First line of the help overlay shown, when it is taller than the screen.
    pub help_scroll: usize,
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
            overlay: None,
            selected: 0,
            pipeline: PipelineView::default(),
            pipeline_cfg: PipelineConfig::default(),
            tasks: TasksView::default(),
            queues: QueuesConfig::default(),
            running: Vec::new(),
            failed: Vec::new(),
            batches: Vec::new(),
            next_action_id: 1,
            toast: None,
            alerts: AlertsView::default(),
            size: (80, 24),
            tz: TimeZone::UTC,
            color: true,
            theme: crate::ui::theme::ThemeName::Default,
            depth: crate::ui::theme::Depth::Ansi16,
            keymap: super::keymap::Keymap::default(),
            help_scroll: 0,
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

    pub fn help_open(&self) -> bool {
        matches!(self.overlay, Some(Overlay::Help))
    }

    /// Whether some text field has the keyboard (keys are typed, not bound).
    pub fn typing(&self) -> bool {
        self.pipeline.editing_filter
            || self.alerts.editing_filter
            || self.tasks.editing_filter
            || matches!(self.overlay, Some(Overlay::TimePrompt(_) | Overlay::Palette(_)))
            || matches!(&self.overlay, Some(Overlay::Confirm(c)) if c.planned.irreversible)
    }
}

/// How the pipeline's campaigns are ordered; `s` cycles through these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CampaignSort {
    /// Pipeline order (draft first), newest first within a stage.
    #[default]
    Stage,
    SendTime,
    OpenRate,
    BounceRate,
    UnsubscribeRate,
    Romi,
    Title,
}

impl CampaignSort {
    pub const ALL: [CampaignSort; 7] = [
        CampaignSort::Stage,
        CampaignSort::SendTime,
        CampaignSort::OpenRate,
        CampaignSort::BounceRate,
        CampaignSort::UnsubscribeRate,
        CampaignSort::Romi,
        CampaignSort::Title,
    ];

    pub fn label(self) -> &'static str {
        match self {
            CampaignSort::Stage => "stage",
            CampaignSort::SendTime => "send time",
            CampaignSort::OpenRate => "open rate",
            CampaignSort::BounceRate => "bounce rate",
            CampaignSort::UnsubscribeRate => "unsubscribe rate",
            CampaignSort::Romi => "ROMI",
            CampaignSort::Title => "title",
        }
    }

    pub fn next(self) -> CampaignSort {
        let i = CampaignSort::ALL.iter().position(|s| *s == self).unwrap_or(0);
        CampaignSort::ALL[(i + 1) % CampaignSort::ALL.len()]
    }
}

/// The task-queues pane's own state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TasksView {
    /// Index into the pane's rows (queue headers and items).
    pub selected: usize,
    /// `/`: only items whose title, author/owner or source contain this.
    pub filter: String,
    pub editing_filter: bool,
    pub sort: super::tasks::TaskSort,
    /// Queues whose items are hidden (Enter on a header toggles).
    pub collapsed: std::collections::BTreeSet<super::tasks::Queue>,
}

/// The pipeline pane's own state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PipelineView {
    /// Index into the filtered, sorted campaign rows.
    pub selected: usize,
    pub filter: String,
    pub editing_filter: bool,
    pub sort: CampaignSort,
}

/// What an action is aimed at, by identity: resolved against the newest
/// data when the action is planned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanTarget {
    Campaign(String),
    Contact(String),
    /// `secondary` merges into `primary`.
    Merge {
        primary: String,
        secondary: String,
    },
    Member {
        list_id: String,
        hash: String,
    },
    /// A post or page by its WordPress id (unique across both).
    Post(u64),
    /// A CRM task by id.
    Task(String),
}

/// Popups, one at a time.
#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    Help,
    ActionMenu(ActionMenu),
    TimePrompt(TimePrompt),
    Confirm(Box<Confirm>),
    Palette(Palette),
    /// How long to snooze an alert.
    Snooze {
        id: AlertId,
        selected: usize,
    },
    /// Choose an action's argument (an owner, a lifecycle stage).
    Picker(Picker),
    /// A batch of planned actions, shown before any is sent.
    ConfirmBatch(Box<BatchConfirm>),
}

/// A batch shown for confirmation: what it does, and its first request as a sample.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchConfirm {
    pub source: usize,
    pub planned: Vec<PlannedAction>,
    pub summary: String,
}

/// A batch being sent: one action at a time, at the source's rate limit,
/// each audited; cancellable between actions.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    pub id: u64,
    pub source: usize,
    pub action: String,
    pub total: usize,
    pub done: usize,
    pub failed: usize,
    pub since: Timestamp,
    pub cancelling: bool,
}

/// `x`: the actions of the selection, each ready or disabled with the reason.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionMenu {
    /// Set when the menu is for a failed action: its items are retry and discard.
    pub failed: Option<u64>,
    /// Set when the menu offers to cancel this running batch.
    pub batch: Option<u64>,
    /// What the menu is about, for its title.
    pub title: String,
    pub items: Vec<MenuItem>,
    pub selected: usize,
}

/// One entry of an action menu: an action, on a target, at a source.
#[derive(Debug, Clone, PartialEq)]
pub struct MenuItem {
    pub spec: ActionSpec,
    pub availability: Availability,
    pub source: usize,
    /// What it acts on; `None` for a failed action's retry and discard.
    pub target: Option<PlanTarget>,
    pub target_name: String,
}

/// Chooses an action's argument from a list: an owner, a lifecycle stage.
#[derive(Debug, Clone, PartialEq)]
pub struct Picker {
    pub source: usize,
    pub action: &'static str,
    pub arg: ArgKind,
    pub target: PlanTarget,
    pub target_name: String,
    /// (value sent, label shown).
    pub options: Vec<(String, String)>,
    pub selected: usize,
}

/// Asks for the time an action needs (schedule).
#[derive(Debug, Clone, PartialEq)]
pub struct TimePrompt {
    pub source: usize,
    pub action: &'static str,
    pub target: PlanTarget,
    pub target_name: String,
    pub input: String,
    pub error: Option<String>,
}

/// The exact request, shown before it is sent. Irreversible actions need
/// the target's name typed into `typed`.
#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    pub source: usize,
    pub planned: PlannedAction,
    /// Set when this retries a failed action (which leaves the list once sent).
    pub retry_of: Option<u64>,
    pub typed: String,
}

/// `:`: fuzzy search over panes, commands and the selected item's actions.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Palette {
    pub input: String,
    pub selected: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RunningAction {
    pub id: u64,
    pub source: usize,
    pub planned: PlannedAction,
    pub since: Timestamp,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FailedAction {
    pub id: u64,
    /// Its id in the store once saved there (shown as #N, used by `mops act --retry N`).
    pub stored: Option<i64>,
    pub source: usize,
    pub planned: PlannedAction,
    pub error: ActionError,
    pub at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toast {
    pub text: String,
    pub error: bool,
    pub until: Timestamp,
}

/// The data-quality alerts as the pane shows them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlertsView {
    /// What the rules found at the last evaluation, worst first.
    pub firing: Vec<Alert>,
    /// What people did about alerts (acknowledged, snoozed), by identity;
    /// loaded from the store at start and saved on every change.
    pub states: std::collections::BTreeMap<AlertId, AlertState>,
    pub evaluated_at: Option<Timestamp>,
    /// Selected row of the pane.
    pub selected: usize,
    /// Selected record in an alert's detail.
    pub record: usize,
    /// Why states cannot be saved, if the store failed to open.
    pub store_error: Option<String>,
    /// `/` in the pane: only alerts whose rule, summary or id contain this.
    pub filter: String,
    pub editing_filter: bool,
}

impl AlertsView {
    /// The state that applies now: a snooze that has run out is firing again.
    pub fn state(&self, id: &AlertId, now: Timestamp) -> AlertState {
        match self.states.get(id) {
            Some(AlertState::Snoozed { until }) if *until <= now => AlertState::Firing,
            Some(state) => *state,
            None => AlertState::Firing,
        }
    }

    /// The alerts in pane order: firing first, then acknowledged, then
    /// snoozed; each group worst first, otherwise in the engine's order.
    pub fn ordered(&self, now: Timestamp) -> Vec<&Alert> {
        let rank = |a: &Alert| match self.state(&a.id, now) {
            AlertState::Firing | AlertState::Resolved { .. } => 0,
            AlertState::Acknowledged { .. } => 1,
            AlertState::Snoozed { .. } => 2,
        };
        let needle = self.filter.to_lowercase();
        let mut out: Vec<&Alert> = self
            .firing
            .iter()
            .filter(|a| {
                needle.is_empty()
                    || a.rule.title().contains(&needle)
                    || a.summary.to_lowercase().contains(&needle)
                    || a.id.0.to_lowercase().contains(&needle)
            })
            .collect();
        out.sort_by_key(|a| (rank(a), std::cmp::Reverse(a.severity)));
        out
    }

    pub fn find(&self, id: &AlertId) -> Option<&Alert> {
        self.firing.iter().find(|a| &a.id == id)
    }
}
