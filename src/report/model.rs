//! The report as data: what every format renders, and exactly what `--format
//! json` prints. Field names are part of the JSON schema (version
//! [`VERSION`]): add fields freely, rename or remove only with a new version.
//!
//! Rates and shares are fractions (0.0..=1.0, ROMI may be any real);
//! durations are whole seconds in fields ending `_s`; times are RFC 3339.

use jiff::Timestamp;
use serde::Serialize;

use crate::model::SourceKind;

/// The version of the JSON document; bumped on any incompatible change.
pub const VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub version: u32,
    /// The config's title.
    pub title: String,
    pub generated_at: Timestamp,
    pub period: PeriodOut,
    /// Parts of the report that are missing or incomplete, and why. Empty
    /// when everything was there.
    pub missing: Vec<Missing>,
    pub history: HistoryOut,
    pub sources: Vec<SourceOut>,
    pub campaigns: CampaignsOut,
    pub churn: ChurnOut,
    pub alerts: AlertsOut,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeriodOut {
    /// As given to `--period`: "30d".
    pub label: String,
    pub from: Timestamp,
    pub to: Timestamp,
    pub length_s: u64,
}

/// A part of the report that is missing or incomplete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Missing {
    /// What a reader will not find: "campaign KPIs and churn".
    pub part: String,
    /// The source whose failure caused it, if one did.
    pub source: Option<String>,
    /// Its status in this poll (DOWN, AUTH, ...), if a source.
    pub status: Option<String>,
    /// Why, in the words the cockpit uses: "HTTP 503 after 3 attempts".
    pub reason: String,
}

/// Whether uptime could be read from the stored poll history, and how it is counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryOut {
    pub available: bool,
    /// Why not, when not available.
    pub reason: Option<String>,
    /// A poll's status holds until the source's next poll, but at most this
    /// long, however often it is polled; beyond that the time is not observed.
    pub max_hold_s: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceOut {
    pub name: String,
    pub kind: SourceKind,
    /// Its status in the report's own poll: OK, DEGRADED, DOWN, AUTH,
    /// RATE-LIMITED; DOWN when it could not be started.
    pub status: String,
    pub reason: String,
    /// `None` when the history is unavailable or holds nothing for this
    /// source in the period (which is not 100%).
    pub uptime: Option<UptimeOut>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UptimeOut {
    /// Up (OK or DEGRADED) over observed time; `None` if nothing was observed.
    pub uptime: Option<f64>,
    /// Polls recorded within the period.
    pub polls: usize,
    /// Observed time over the period's length.
    pub coverage: f64,
    pub observed_s: u64,
    /// Observed time in DOWN, AUTH or RATE-LIMITED.
    pub down_s: u64,
    pub longest_outage: Option<OutageOut>,
    /// Every status seen in the period, best first.
    pub statuses: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutageOut {
    pub start: Timestamp,
    pub duration_s: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CampaignsOut {
    /// False when an email platform brought no data: the figures leave it out.
    pub complete: bool,
    /// Every stage, in pipeline order, with zeros.
    pub by_stage: Vec<StageCount>,
    /// Campaigns sent within the period, newest first.
    pub sent: Vec<SentCampaign>,
    pub totals: Totals,
    pub thresholds: ThresholdsOut,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageCount {
    /// draft, scheduled, sending, paused, sent, closed.
    pub stage: &'static str,
    pub campaigns: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SentCampaign {
    pub id: String,
    pub title: String,
    /// The email source it came from.
    pub source: String,
    pub audience: String,
    pub sent_at: Option<Timestamp>,
    pub sends: u64,
    /// Rates, economics and threshold flags, as every view computes them.
    #[serde(flatten)]
    pub kpis: crate::app::pipeline::Kpis,
}

/// The sent campaigns together; rates weighted by sends.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Totals {
    pub campaigns: usize,
    pub sends: u64,
    pub open_rate: Option<f64>,
    pub click_rate: Option<f64>,
    pub bounce_rate: Option<f64>,
    pub unsubscribe_rate: Option<f64>,
    /// Campaigns with a configured cost.
    pub with_cost: usize,
    /// The spend: summed over the campaigns with a configured cost.
    pub cost: Option<f64>,
    /// Revenue and ROMI over the campaigns with a cost and a known revenue,
    /// with those campaigns' own cost; `None` when no campaign has both.
    pub with_revenue: Option<RevenueTotals>,
    /// Campaigns with at least one flag.
    pub flagged: usize,
}

/// The campaigns with both a configured cost and a known revenue, together.
/// A campaign with a cost and no revenue yet is in [`Totals::cost`] only:
/// its revenue is unknown, not zero.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RevenueTotals {
    pub campaigns: usize,
    /// Their cost (not the whole spend).
    pub cost: f64,
    pub revenue: f64,
    /// (revenue - cost) / cost over these campaigns; `None` when their cost is zero.
    pub romi: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ThresholdsOut {
    pub bounce_rate: f64,
    pub unsubscribe_rate: f64,
    pub churn: f64,
    pub open_rate_min: Option<f64>,
    pub click_rate_min: Option<f64>,
}

/// This calendar month's churn per audience (churn is a monthly figure,
/// whatever the period).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChurnOut {
    pub complete: bool,
    pub month_from: Option<Timestamp>,
    pub month_to: Option<Timestamp>,
    /// Audiences mailed this month.
    pub audiences: Vec<AudienceChurn>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AudienceChurn {
    pub id: String,
    pub name: String,
    pub source: String,
    pub unsubscribes: u64,
    pub recipients: u64,
    pub rate: Option<f64>,
    /// Over `[pipeline.thresholds] churn`.
    pub flagged: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertsOut {
    /// False when the CRM or the email platform brought no data: the rules
    /// over it did not run.
    pub complete: bool,
    pub evaluated_at: Option<Timestamp>,
    /// Rules with alerts, worst severity first.
    pub rules: Vec<RuleAlerts>,
    pub totals: AlertCounts,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleAlerts {
    /// The config's key: "consent_mismatch".
    pub rule: &'static str,
    pub title: &'static str,
    /// The worst severity among its alerts: critical, warning, info.
    pub severity: &'static str,
    #[serde(flatten)]
    pub counts: AlertCounts,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct AlertCounts {
    pub alerts: usize,
    /// Distinct records the alerts name.
    pub records: usize,
    pub firing: usize,
    pub acknowledged: usize,
    /// Snoozed and not yet due.
    pub snoozed: usize,
}
