//! `mops snapshot` and `mops serve`'s `/snapshot.json`: the model as one
//! JSON document for scripts (`jq`), built purely from the `Model` the
//! cockpit draws. Derived views (stages, KPIs, queues, alert states) are
//! included as the panes show them; raw record lists (every contact and
//! member) are counted, not copied, so the document stays small.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Serialize;

use crate::app::{Model, SourceState, pipeline, tasks};
use crate::config::Config;
use crate::model::{AlertState, Campaign, RateLimitInfo, RecordRef, Severity, SourceKind};
use crate::store::Store;

/// The version of the document; bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize)]
pub struct Snapshot {
    pub version: u32,
    pub title: String,
    pub taken_at: Timestamp,
    pub readonly: bool,
    /// True when alert summaries and records were left out (served beyond loopback).
    pub redacted: bool,
    pub sources: Vec<SourceSnap>,
    pub campaigns: CampaignsSnap,
    /// This month's email churn per audience.
    pub churn: Vec<ChurnSnap>,
    pub alerts: AlertsSnap,
    /// The task queues, in the pane's order.
    pub queues: Vec<QueueSnap>,
    pub failed_actions: Vec<FailedSnap>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SourceSnap {
    pub name: String,
    pub kind: SourceKind,
    /// OK, DEGRADED, DOWN, AUTH, RATE-LIMITED, STALE, or PENDING before the first poll.
    pub status: String,
    pub reason: String,
    pub polled_at: Option<Timestamp>,
    pub last_good_at: Option<Timestamp>,
    pub next_poll: Option<Timestamp>,
    pub latency_ms: Option<u64>,
    pub latency_p50_ms: Option<u64>,
    pub latency_p95_ms: Option<u64>,
    /// Share of failed polls among the recent ones, 0..1.
    pub error_rate: Option<f64>,
    pub http_status: Option<u16>,
    pub vendor_error: Option<crate::model::VendorError>,
    pub rate_limit: Option<RateLimitSnap>,
    /// closed, open or half_open.
    pub circuit: Option<&'static str>,
    /// When the data on show was fetched, and whether it is older than the latest poll.
    pub data_at: Option<Timestamp>,
    pub data_stale: bool,
    /// How many records of each kind the data holds.
    pub records: BTreeMap<&'static str, usize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RateLimitSnap {
    pub remaining: u64,
    pub limit: u64,
    pub window_seconds: Option<f64>,
    /// True when read from the vendor's headers, false when from mops's own limiter.
    pub from_headers: bool,
    pub daily_remaining: Option<u64>,
    pub daily_limit: Option<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CampaignsSnap {
    /// Campaigns per stage (draft, scheduled, sending, paused, sent, closed), all stages listed.
    pub by_stage: BTreeMap<&'static str, usize>,
    pub list: Vec<CampaignSnap>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CampaignSnap {
    pub source: String,
    pub stage: &'static str,
    #[serde(flatten)]
    pub campaign: Campaign,
    /// Rates, economics and the figures past their thresholds.
    #[serde(flatten)]
    pub kpis: pipeline::Kpis,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChurnSnap {
    pub audience_id: String,
    pub audience: String,
    pub unsubscribes: u64,
    pub recipients: u64,
    pub rate: Option<f64>,
    pub over_threshold: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct AlertsSnap {
    pub evaluated_at: Option<Timestamp>,
    /// Alerts whose state is firing, by severity (critical, warning, info).
    pub firing: BTreeMap<&'static str, usize>,
    /// All alerts by rule key.
    pub by_rule: BTreeMap<&'static str, usize>,
    pub list: Vec<AlertSnap>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AlertSnap {
    pub id: String,
    pub rule: &'static str,
    pub severity: Severity,
    /// firing, acknowledged or snoozed (with `at` / `until`).
    pub state: AlertState,
    pub summary: String,
    pub records: Vec<RecordRef>,
}

#[derive(Debug, Clone, Serialize)]
pub struct QueueSnap {
    pub queue: &'static str,
    pub group: &'static str,
    pub title: &'static str,
    pub count: usize,
    pub items: Vec<QueueItemSnap>,
}

#[derive(Debug, Clone, Serialize)]
pub struct QueueItemSnap {
    /// post, task, owner or failed.
    pub kind: &'static str,
    pub id: String,
    pub source: String,
    pub title: String,
    pub who: String,
    pub tag: String,
    /// As the pane says it: "3h late", "in 5h", "9d".
    pub age: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct FailedSnap {
    /// Its number in the store (`mops act --retry N`), once kept there.
    pub stored: Option<i64>,
    pub source: String,
    pub action: String,
    pub target: String,
    pub method: String,
    pub url: String,
    pub error: String,
    pub at: Timestamp,
}

impl Snapshot {
    /// The document for the model as it stands at `model.now`.
    pub fn of(model: &Model) -> Snapshot {
        Snapshot::at(model, model.now)
    }

    /// The document with statuses and ages as of `now`.
    pub fn at(model: &Model, now: Timestamp) -> Snapshot {
        Snapshot {
            version: SCHEMA_VERSION,
            title: model.title.clone(),
            taken_at: now,
            readonly: model.readonly,
            redacted: false,
            sources: model.sources.iter().map(|s| source(s, now)).collect(),
            campaigns: campaigns(model),
            churn: churn(model),
            alerts: alerts(model, now),
            queues: queues(model),
            failed_actions: failed(model),
        }
    }

    /// Without what names people: alert ids, summaries and records (ids
    /// carry normalised email addresses), and failed actions' targets and URLs.
    pub fn redacted(mut self) -> Snapshot {
        self.redacted = true;
        for a in &mut self.alerts.list {
            a.id.clear();
            a.summary.clear();
            a.records.clear();
        }
        for f in &mut self.failed_actions {
            f.target.clear();
            f.url.clear();
        }
        self
    }
}

fn millis(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn source(s: &SourceState, now: Timestamp) -> SourceSnap {
    let probe = s.last.as_ref().map(|(p, _)| p);
    let mut records = BTreeMap::new();
    if let Some(d) = s.email() {
        records.insert("campaigns", d.campaigns.len());
        records.insert("audiences", d.audiences.len());
        records.insert("members", d.members.values().map(|m| m.len()).sum());
    }
    if let Some(d) = s.crm() {
        records.insert("contacts", d.contacts.len());
        records.insert("deals", d.deals.len());
        records.insert("owners", d.owners.len());
        records.insert("open_tasks", d.tasks.len());
    }
    if let Some(d) = s.content() {
        records.insert("posts", d.posts.len());
    }
    SourceSnap {
        name: s.name.clone(),
        kind: s.kind,
        status: s.status(now).map_or("PENDING", |st| st.label()).to_owned(),
        reason: s.reason(now),
        polled_at: s.last.as_ref().map(|(_, at)| *at),
        last_good_at: s.last_good.as_ref().map(|(_, at)| *at),
        next_poll: s.next_poll,
        latency_ms: probe.map(|p| millis(p.latency)),
        latency_p50_ms: s.latency_percentile(50).map(millis),
        latency_p95_ms: s.latency_percentile(95).map(millis),
        error_rate: s.error_rate(),
        http_status: probe.and_then(|p| p.http_status),
        vendor_error: probe.and_then(|p| p.vendor_error.clone()),
        rate_limit: s.rate_limit().map(rate_limit),
        circuit: s.circuit().map(|c| match c {
            crate::model::CircuitState::Closed => "closed",
            crate::model::CircuitState::Open { .. } => "open",
            crate::model::CircuitState::HalfOpen => "half_open",
        }),
        data_at: s.data.as_ref().map(|(_, at)| *at),
        data_stale: s.stale_data(now).is_some(),
        records,
    }
}

fn rate_limit(r: &RateLimitInfo) -> RateLimitSnap {
    RateLimitSnap {
        remaining: r.remaining,
        limit: r.limit,
        window_seconds: r.window.map(|w| w.as_secs_f64()),
        from_headers: r.from_headers,
        daily_remaining: r.daily_remaining,
        daily_limit: r.daily_limit,
    }
}

fn campaigns(model: &Model) -> CampaignsSnap {
    // Every campaign, whatever the pane's filter says, in the sources' order.
    let rows: Vec<pipeline::Row> = model
        .sources
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.email().map(|d| (i, d)))
        .flat_map(|(source, d)| {
            d.campaigns
                .iter()
                .map(move |campaign| pipeline::Row { source, campaign })
        })
        .collect();
    let by_stage = crate::model::Stage::ALL
        .iter()
        .map(|s| (s.label(), rows.iter().filter(|r| r.campaign.stage() == *s).count()))
        .collect();
    let list = rows
        .iter()
        .map(|r| {
            let c = r.campaign;
            CampaignSnap {
                source: model.sources.get(r.source).map(|s| s.name.clone()).unwrap_or_default(),
                stage: c.stage().label(),
                campaign: c.clone(),
                kpis: pipeline::kpis(c, &model.pipeline_cfg),
            }
        })
        .collect();
    CampaignsSnap { by_stage, list }
}

fn churn(model: &Model) -> Vec<ChurnSnap> {
    pipeline::churn(model)
        .into_iter()
        .map(|(a, c)| ChurnSnap {
            audience_id: a.id.clone(),
            audience: a.name.clone(),
            unsubscribes: c.unsubscribes,
            recipients: c.recipients,
            rate: c.rate(),
            over_threshold: c.rate().is_some_and(|r| r > model.pipeline_cfg.thresholds.churn),
        })
        .collect()
}

fn alerts(model: &Model, now: Timestamp) -> AlertsSnap {
    let view = &model.alerts;
    let mut firing: BTreeMap<&'static str, usize> = [Severity::Critical, Severity::Warning, Severity::Info]
        .iter()
        .map(|s| (s.label(), 0))
        .collect();
    let mut by_rule = BTreeMap::new();
    let list = view
        .firing
        .iter()
        .map(|a| {
            let state = view.state(&a.id, now);
            if state == AlertState::Firing {
                *firing.entry(a.severity.label()).or_default() += 1;
            }
            *by_rule.entry(a.rule.key()).or_default() += 1;
            AlertSnap {
                id: a.id.0.clone(),
                rule: a.rule.key(),
                severity: a.severity,
                state,
                summary: a.summary.clone(),
                records: a.records.clone(),
            }
        })
        .collect();
    AlertsSnap {
        evaluated_at: view.evaluated_at,
        firing,
        by_rule,
        list,
    }
}

fn queues(model: &Model) -> Vec<QueueSnap> {
    let name = |i: usize| model.sources.get(i).map(|s| s.name.clone()).unwrap_or_default();
    tasks::queues(model)
        .into_iter()
        .map(|(q, items)| QueueSnap {
            queue: q.key(),
            group: q.group(),
            title: q.title(),
            count: items.len(),
            items: items
                .into_iter()
                .map(|it| {
                    let (kind, id, source) = match &it.item {
                        tasks::ItemRef::Post { source, id } => ("post", id.to_string(), name(*source)),
                        tasks::ItemRef::Task { source, id } => ("task", id.clone(), name(*source)),
                        tasks::ItemRef::Owner { source, owner_id } => {
                            ("owner", owner_id.clone().unwrap_or_default(), name(*source))
                        }
                        tasks::ItemRef::Failed(id) => ("failed", id.to_string(), it.source_name.clone()),
                    };
                    QueueItemSnap {
                        kind,
                        id,
                        source,
                        title: it.title,
                        who: it.who,
                        tag: it.tag,
                        age: it.age,
                    }
                })
                .collect(),
        })
        .collect()
}

fn failed(model: &Model) -> Vec<FailedSnap> {
    model
        .failed
        .iter()
        .map(|f| FailedSnap {
            stored: f.stored,
            source: model.sources.get(f.source).map(|s| s.name.clone()).unwrap_or_default(),
            action: f.planned.action.clone(),
            target: f.planned.target_name.clone(),
            method: f.planned.method.to_string(),
            url: f.planned.url.to_string(),
            error: f.error.to_string(),
            at: f.at,
        })
        .collect()
}

/// `mops snapshot`: one read-only poll of every source, the document as pretty JSON.
pub async fn run(cfg: &Config) -> eyre::Result<String> {
    // Alert states and failed actions come from the cockpit's store; without
    // one the snapshot is still whole, with every alert firing.
    let store = crate::store::default_path().and_then(|p| Store::open(&p).ok());
    let model =
        crate::app::headless::poll_once(cfg, store.as_ref().map(|s| s as _), crate::sources::DataScope::All).await?;
    Ok(serde_json::to_string_pretty(&Snapshot::of(&model))?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Alert, AlertId, Rule};

    fn model_with_an_alert() -> Model {
        let now: Timestamp = "2026-11-22T12:00:00Z".parse().unwrap();
        let mut m = Model::new("t", true, Vec::new(), now);
        m.alerts.firing.push(Alert {
            id: AlertId("consent_mismatch:ann@example.com".into()),
            rule: Rule::ConsentMismatch,
            severity: Severity::Critical,
            summary: "ann@example.com is unsubscribed but marketable".into(),
            records: vec![RecordRef::Contact { id: "101".into() }],
        });
        m
    }

    #[test]
    fn redacted_leaves_out_what_names_people_and_keeps_the_counts() {
        let full = Snapshot::of(&model_with_an_alert());
        let text = serde_json::to_string(&full).unwrap();
        assert!(text.contains("ann@example.com is unsubscribed") && text.contains("\"101\""));

        let redacted = serde_json::to_value(full.redacted()).unwrap();
        assert_eq!(redacted["redacted"], true);
        let alert = &redacted["alerts"]["list"][0];
        assert_eq!(alert["summary"], "");
        assert_eq!(alert["records"], serde_json::json!([]));
        assert_eq!(redacted["alerts"]["firing"]["critical"], 1);
        assert_eq!(redacted["alerts"]["by_rule"]["consent_mismatch"], 1);
        assert_eq!(alert["id"], "", "the id is the normalised email");
        assert_eq!(alert["rule"], "consent_mismatch");
        assert!(!redacted.to_string().contains("ann@"), "{redacted}");
    }

    #[test]
    fn statuses_and_states_are_as_of_the_time_asked() {
        let mut m = model_with_an_alert();
        let until: Timestamp = "2026-11-22T13:00:00Z".parse().unwrap();
        m.alerts.states.insert(
            AlertId("consent_mismatch:ann@example.com".into()),
            AlertState::Snoozed { until },
        );
        assert_eq!(Snapshot::of(&m).alerts.firing["critical"], 0, "snoozed at noon");
        let later: Timestamp = "2026-11-22T14:00:00Z".parse().unwrap();
        let s = Snapshot::at(&m, later);
        assert_eq!(
            (s.taken_at, s.alerts.firing["critical"]),
            (later, 1),
            "the snooze ran out"
        );
    }
}
