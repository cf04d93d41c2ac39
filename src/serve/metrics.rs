//! The metric families `mops serve` exposes, as a pure function of the model,
//! the probe-latency histograms and the time of the scrape.

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::Timestamp;

use super::encode::{Family, Labels};
use super::histogram::Histogram;
use crate::app::source_state::elapsed;
use crate::app::tasks::{self, Queue};
use crate::app::{Model, SourceState, pipeline};
use crate::model::kpi::{self, Month};
use crate::model::{AlertState, CircuitState, HealthStatus, Rule, Severity, Stage};

/// Sent campaigns exposed one by one: the most recent, so a long history
/// does not become an unbounded number of series.
pub const RECENT_CAMPAIGNS: usize = 50;

/// The status label of a source whose first poll has not finished.
const PENDING: &str = "PENDING";

const STATUSES: [HealthStatus; 6] = [
    HealthStatus::Ok,
    HealthStatus::Degraded,
    HealthStatus::Down,
    HealthStatus::Auth,
    HealthStatus::RateLimited,
    HealthStatus::Stale,
];

const SEVERITIES: [Severity; 3] = [Severity::Info, Severity::Warning, Severity::Critical];

/// Every family, in a stable order. `latency` is per source, in the model's order.
pub fn families(model: &Model, latency: &[Histogram], now: Timestamp) -> Vec<Family> {
    let mut out = sources(model, now);
    out.push(latency_family(model, latency));
    out.extend(rate_limits(model));
    out.extend(alerts(model, now));
    out.extend(campaigns(model));
    out.extend(churn(model));
    out.extend(queues(model));
    let mut build = Family::gauge("mops_build_info", "The mops version serving these metrics; always 1.");
    build.set(vec![("version", env!("CARGO_PKG_VERSION").to_owned())], 1.0);
    out.push(build);
    out
}

fn source_labels(s: &SourceState) -> Labels {
    vec![("source", s.name.clone()), ("kind", s.kind.key().to_owned())]
}

fn with(mut labels: Labels, key: &'static str, value: impl Into<String>) -> Labels {
    labels.push((key, value.into()));
    labels
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn sources(model: &Model, now: Timestamp) -> Vec<Family> {
    let mut up = Family::gauge(
        "mops_source_up",
        "1 when the source's status is OK or DEGRADED, else 0: also before its first poll finishes, and when no poll has finished for two intervals (STALE).",
    );
    let mut status = Family::gauge(
        "mops_source_status",
        "1 for the source's current status (OK, DEGRADED, DOWN, AUTH, RATE-LIMITED, STALE, or PENDING before the first poll), 0 for the others.",
    );
    let mut last_good = Family::gauge(
        "mops_source_last_good_poll_age_seconds",
        "Seconds since the source's last OK or DEGRADED poll finished; absent until there was one.",
    )
    .unit("seconds");
    let mut data_age = Family::gauge(
        "mops_source_data_age_seconds",
        "Seconds since the source last brought data (what the pipeline, alert and task metrics are computed from); absent for sources that bring none.",
    )
    .unit("seconds");
    let mut next = Family::gauge(
        "mops_source_next_poll_seconds",
        "Seconds until the source's next scheduled poll; 0 when it is due or running.",
    )
    .unit("seconds");
    let mut circuit = Family::gauge(
        "mops_source_circuit_state",
        "1 for the state of the source's circuit breaker (closed, open, half_open), 0 for the others.",
    );
    let mut errors = Family::gauge(
        "mops_source_error_ratio",
        "Share of failed polls among the source's recent polls (up to the last 30).",
    )
    .unit("ratio");
    for s in &model.sources {
        let labels = source_labels(s);
        let current = s.status(now);
        up.set(
            labels.clone(),
            f64::from(u8::from(current.is_some_and(HealthStatus::is_good))),
        );
        let current_label = current.map_or(PENDING, HealthStatus::label);
        for label in STATUSES.iter().map(|s| s.label()).chain([PENDING]) {
            status.set(
                with(labels.clone(), "status", label),
                f64::from(u8::from(label == current_label)),
            );
        }
        if let Some(age) = s.last_good_age(now) {
            last_good.set(labels.clone(), secs(age));
        }
        if let Some((_, at)) = &s.data {
            data_age.set(labels.clone(), secs(elapsed(*at, now)));
        }
        if s.broken.is_none()
            && let Some(at) = s.next_poll
        {
            let due = s.polling_since.is_some() || at <= now;
            next.set(labels.clone(), if due { 0.0 } else { secs(elapsed(now, at)) });
        }
        if let Some(state) = s.circuit() {
            let current = match state {
                CircuitState::Closed => "closed",
                CircuitState::Open { .. } => "open",
                CircuitState::HalfOpen => "half_open",
            };
            for label in ["closed", "open", "half_open"] {
                circuit.set(
                    with(labels.clone(), "state", label),
                    f64::from(u8::from(label == current)),
                );
            }
        }
        if let Some(rate) = s.error_rate() {
            errors.set(labels, rate);
        }
    }
    vec![up, status, last_good, data_age, next, circuit, errors]
}

fn latency_family(model: &Model, latency: &[Histogram]) -> Family {
    let mut f = Family::histogram(
        "mops_probe_latency_seconds",
        "Wall time of each health probe, retries included, since mops serve started.",
    )
    .unit("seconds");
    for (s, h) in model.sources.iter().zip(latency) {
        f.observe(source_labels(s), h.clone());
    }
    f
}

fn rate_limits(model: &Model) -> Vec<Family> {
    let mut remaining = Family::gauge(
        "mops_source_rate_limit_remaining",
        "Requests left in the source's rate-limit period (window: the vendor's short window, day: its daily quota), from the vendor's headers or else the client-side limiter.",
    );
    let mut limit = Family::gauge(
        "mops_source_rate_limit_limit",
        "Requests allowed per rate-limit period (window or day).",
    );
    let mut window = Family::gauge(
        "mops_source_rate_limit_window_seconds",
        "Length of the source's short rate-limit window.",
    )
    .unit("seconds");
    for s in &model.sources {
        let Some(r) = s.rate_limit() else { continue };
        let labels = source_labels(s);
        remaining.set(with(labels.clone(), "period", "window"), r.remaining as f64);
        limit.set(with(labels.clone(), "period", "window"), r.limit as f64);
        if let Some(daily) = r.daily_remaining {
            remaining.set(with(labels.clone(), "period", "day"), daily as f64);
        }
        if let Some(daily) = r.daily_limit {
            limit.set(with(labels.clone(), "period", "day"), daily as f64);
        }
        if let Some(w) = r.window {
            window.set(labels, secs(w));
        }
    }
    vec![remaining, limit, window]
}

fn state_key(state: AlertState) -> &'static str {
    match state {
        AlertState::Firing | AlertState::Resolved { .. } => "firing",
        AlertState::Acknowledged { .. } => "acknowledged",
        AlertState::Snoozed { .. } => "snoozed",
    }
}

fn alerts(model: &Model, now: Timestamp) -> Vec<Family> {
    let mut firing = Family::gauge(
        "mops_alerts_firing",
        "Data-quality alerts firing (not acknowledged or snoozed), by rule and severity.",
    );
    let mut records = Family::gauge(
        "mops_alerts_firing_records",
        "Records affected by the firing data-quality alerts, by rule and severity.",
    );
    let mut by_state = Family::gauge(
        "mops_alerts",
        "Data-quality alerts found at the last evaluation, by state (firing, acknowledged, snoozed).",
    );
    let mut age = Family::gauge(
        "mops_alerts_evaluation_age_seconds",
        "Seconds since the data-quality rules last ran; absent until they have.",
    )
    .unit("seconds");
    let mut counts: BTreeMap<(Rule, Severity), (usize, usize)> = BTreeMap::new();
    let mut states: BTreeMap<&str, usize> = ["firing", "acknowledged", "snoozed"]
        .into_iter()
        .map(|s| (s, 0))
        .collect();
    for alert in &model.alerts.firing {
        let state = state_key(model.alerts.state(&alert.id, now));
        *states.entry(state).or_default() += 1;
        if state == "firing" {
            let entry = counts.entry((alert.rule, alert.severity)).or_default();
            entry.0 += 1;
            entry.1 += alert.records.len();
        }
    }
    // Every rule and severity, zeros included: a series that vanishes when an
    // alert resolves reads as "no data" to an alerting rule, not as "fixed".
    for rule in Rule::ALL {
        for severity in SEVERITIES {
            let (n, affected) = counts.get(&(rule, severity)).copied().unwrap_or_default();
            let labels = vec![
                ("rule", rule.key().to_owned()),
                ("severity", severity.label().to_owned()),
            ];
            firing.set(labels.clone(), n as f64);
            records.set(labels, affected as f64);
        }
    }
    for state in ["firing", "acknowledged", "snoozed"] {
        let n = states.get(state).copied().unwrap_or_default();
        by_state.set(vec![("state", state.to_owned())], n as f64);
    }
    if let Some(at) = model.alerts.evaluated_at {
        age.set(Vec::new(), secs(elapsed(at, now)));
    }
    vec![firing, records, by_state, age]
}

fn campaigns(model: &Model) -> Vec<Family> {
    let mut stages = Family::gauge(
        "mops_campaigns",
        "Campaigns per pipeline stage (draft, scheduled, sending, paused, sent, closed), per email source.",
    );
    let mut sent = Family::gauge(
        "mops_campaign_emails_sent",
        "Emails sent by each of the 50 most recently sent campaigns.",
    );
    let mut open = Family::gauge(
        "mops_campaign_open_ratio",
        "Unique open rate of each of the 50 most recently sent campaigns, as the email platform reports it.",
    )
    .unit("ratio");
    let mut click = Family::gauge(
        "mops_campaign_click_ratio",
        "Unique click rate of each of the 50 most recently sent campaigns.",
    )
    .unit("ratio");
    let mut bounce = Family::gauge(
        "mops_campaign_bounce_ratio",
        "Bounces (hard, soft, syntax) over emails sent, for each of the 50 most recently sent campaigns.",
    )
    .unit("ratio");
    let mut unsub = Family::gauge(
        "mops_campaign_unsubscribe_ratio",
        "Unsubscribes over emails sent, for each of the 50 most recently sent campaigns.",
    )
    .unit("ratio");
    let mut romi = Family::gauge(
        "mops_campaign_romi_ratio",
        "Return on marketing investment, (revenue - cost) / cost, of each of the 50 most recently sent campaigns whose cost and revenue are configured.",
    )
    .unit("ratio");
    let mut send_time = Family::gauge(
        "mops_campaign_send_timestamp_seconds",
        "When each of the 50 most recently sent campaigns was sent, as a Unix time.",
    )
    .unit("seconds");
    let mut recent = Vec::new();
    for (i, s) in model.sources.iter().enumerate() {
        let Some(data) = s.email() else { continue };
        let source = vec![("source", s.name.clone())];
        for stage in Stage::ALL {
            let n = data.campaigns.iter().filter(|c| c.stage() == stage).count();
            stages.set(with(source.clone(), "stage", stage.label()), n as f64);
        }
        recent.extend(
            data.campaigns
                .iter()
                .filter(|c| c.stage() == Stage::Sent)
                .map(|c| (i, c)),
        );
    }
    // Newest first; campaigns without a send time last, by id for a stable order.
    recent.sort_by(|(_, a), (_, b)| b.send_time.cmp(&a.send_time).then_with(|| a.id.cmp(&b.id)));
    for (i, c) in recent.into_iter().take(RECENT_CAMPAIGNS) {
        let labels = vec![
            ("source", model.sources[i].name.clone()),
            ("campaign", c.id.clone()),
            ("title", c.display_name().to_owned()),
        ];
        sent.set(labels.clone(), c.emails_sent as f64);
        if let Some(at) = c.send_time {
            send_time.set(labels.clone(), at.as_millisecond() as f64 / 1000.0);
        }
        if let Some(r) = &c.report {
            open.set(labels.clone(), r.open_rate);
            click.set(labels.clone(), r.click_rate);
            if let Some(x) = r.bounce_rate() {
                bounce.set(labels.clone(), x);
            }
            if let Some(x) = r.unsubscribe_rate() {
                unsub.set(labels.clone(), x);
            }
        }
        if let Some(x) = pipeline::romi(c, &model.pipeline_cfg.campaigns) {
            romi.set(labels, x);
        }
    }
    vec![stages, sent, open, click, bounce, unsub, romi, send_time]
}

fn churn(model: &Model) -> Vec<Family> {
    let mut rate = Family::gauge(
        "mops_audience_churn_ratio",
        "This month's email churn per audience: unsubscribes in the month over unique recipients in the month; absent for audiences not mailed this month.",
    )
    .unit("ratio");
    let mut unsubscribes = Family::gauge(
        "mops_audience_month_unsubscribes",
        "Members of the audience who unsubscribed this month (audiences mailed this month).",
    );
    let mut recipients = Family::gauge(
        "mops_audience_month_recipients",
        "Unique members of the audience subscribed at some time this month (audiences mailed this month).",
    );
    let month = Month::containing(model.now, &model.tz);
    for s in &model.sources {
        let (Some(data), Some(month)) = (s.email(), month) else {
            continue;
        };
        for audience in &data.audiences {
            let empty = BTreeMap::new();
            let members = data.members.get(&audience.id).unwrap_or(&empty);
            let Some(c) = kpi::monthly_churn(&audience.id, members, &data.campaigns, month) else {
                continue;
            };
            let labels = vec![
                ("source", s.name.clone()),
                ("audience", audience.id.clone()),
                ("name", audience.name.clone()),
            ];
            if let Some(r) = c.rate() {
                rate.set(labels.clone(), r);
            }
            unsubscribes.set(labels.clone(), c.unsubscribes as f64);
            recipients.set(labels, c.recipients as f64);
        }
    }
    vec![rate, unsubscribes, recipients]
}

/// The spelling of a queue in labels.
fn queue_key(q: Queue) -> Option<&'static str> {
    Some(match q {
        Queue::MissedSchedule => "missed_schedule",
        Queue::PendingReview => "pending_review",
        Queue::ScheduledSoon => "scheduled_soon",
        Queue::StaleDrafts => "stale_drafts",
        Queue::Overdue => "overdue",
        Queue::DueToday => "due_today",
        Queue::Failed => "failed_actions",
        // One item per owner: exposed as mops_crm_open_tasks instead.
        Queue::ByOwner => return None,
    })
}

fn queues(model: &Model) -> Vec<Family> {
    let mut items = Family::gauge(
        "mops_task_queue_items",
        "Items in each task queue (missed_schedule, pending_review, scheduled_soon, stale_drafts, overdue, due_today, failed_actions); absent while no source feeding the queue has brought data.",
    );
    let mut open = Family::gauge(
        "mops_crm_open_tasks",
        "Open CRM tasks per owner (unowned for tasks nobody owns).",
    );
    let mut failed = Family::gauge(
        "mops_failed_actions",
        "Actions that failed and wait for a person to retry or discard them, per source.",
    );
    for (queue, list) in tasks::queues(model) {
        let Some(key) = queue_key(queue) else { continue };
        let known = queue
            .kind()
            .is_none_or(|k| model.sources.iter().any(|s| s.kind == k && s.data.is_some()));
        if known {
            items.set(vec![("queue", key.to_owned())], list.len() as f64);
        }
    }
    for s in &model.sources {
        let Some(crm) = s.crm() else { continue };
        let mut by_owner: BTreeMap<String, usize> = BTreeMap::new();
        for task in crm.tasks.iter().filter(|t| t.status.is_open()) {
            *by_owner
                .entry(tasks::owner_name(crm, task.owner_id.as_deref()))
                .or_default() += 1;
        }
        for (owner, n) in by_owner {
            open.set(vec![("source", s.name.clone()), ("owner", owner)], n as f64);
        }
    }
    for (i, s) in model.sources.iter().enumerate() {
        let n = model.failed.iter().filter(|f| f.source == i).count();
        failed.set(vec![("source", s.name.clone())], n as f64);
    }
    vec![items, open, failed]
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::model::{
        Alert, AlertId, Campaign, CampaignReport, CampaignStatus, EmailData, Probe, RateLimitInfo, RecordRef,
        SourceKind,
    };
    use crate::serve::encode::Points;
    use crate::serve::histogram::PROBE_BUCKETS;
    use crate::sources::SourceData;

    fn t(secs: i64) -> Timestamp {
        Timestamp::from_second(1_795_000_000 + secs).expect("timestamp")
    }

    fn probe(status: HealthStatus) -> Probe {
        Probe {
            status,
            summary: String::new(),
            latency: Duration::from_millis(120),
            attempts: 1,
            http_status: Some(200),
            vendor_error: None,
            request_id: String::new(),
            url: String::new(),
            rate_limit: None,
            circuit: CircuitState::Closed,
        }
    }

    fn source(name: &str, kind: SourceKind) -> SourceState {
        SourceState::new(name, kind, Duration::from_secs(30), Duration::from_secs(10))
    }

    fn family<'a>(families: &'a [Family], name: &str) -> &'a Family {
        families
            .iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| panic!("no family {name}"))
    }

    /// The gauge samples of `name` carrying `want`, as (labels, value).
    fn gauge(families: &[Family], name: &str, want: &[(&str, &str)]) -> Vec<(Labels, f64)> {
        let Points::Gauge(points) = &family(families, name).points else {
            panic!("{name} is not a gauge");
        };
        points
            .iter()
            .filter(|(labels, _)| want.iter().all(|w| labels.iter().any(|(k, v)| k == &w.0 && v == w.1)))
            .cloned()
            .collect()
    }

    fn one(families: &[Family], name: &str, want: &[(&str, &str)]) -> f64 {
        let found = gauge(families, name, want);
        assert_eq!(found.len(), 1, "{name} {want:?}: {found:?}");
        found[0].1
    }

    #[test]
    fn pending_broken_and_failing_sources_read_down_with_one_status_each() {
        let mut ok = source("crm", SourceKind::Hubspot);
        let mut p = probe(HealthStatus::Ok);
        p.rate_limit = Some(RateLimitInfo {
            remaining: 97,
            limit: 100,
            window: Some(Duration::from_secs(10)),
            from_headers: true,
            daily_remaining: Some(249_000),
            daily_limit: Some(250_000),
        });
        ok.record(p, t(0));
        ok.next_poll = Some(t(30));
        let pending = source("blog", SourceKind::Wordpress);
        let mut broken = source("email", SourceKind::Mailchimp);
        broken.broken = Some("no API key".into());
        let mut failing = source("site", SourceKind::Http);
        failing.record(probe(HealthStatus::Ok), t(-30));
        failing.record(probe(HealthStatus::Auth), t(0));
        let model = Model::new("t", true, vec![ok, pending, broken, failing], t(10));
        let latency = vec![Histogram::new(PROBE_BUCKETS); 4];
        let f = families(&model, &latency, t(10));

        for (name, up, status) in [
            ("crm", 1.0, "OK"),
            ("blog", 0.0, "PENDING"),
            ("email", 0.0, "DOWN"),
            ("site", 0.0, "AUTH"),
        ] {
            assert_eq!(one(&f, "mops_source_up", &[("source", name)]), up, "{name}");
            let current: Vec<_> = gauge(&f, "mops_source_status", &[("source", name)])
                .into_iter()
                .filter(|(_, v)| *v == 1.0)
                .collect();
            assert_eq!(current.len(), 1, "{name}");
            assert!(
                current[0].0.contains(&("status", status.to_owned())),
                "{name}: {current:?}"
            );
            assert_eq!(gauge(&f, "mops_source_status", &[("source", name)]).len(), 7);
        }
        assert_eq!(one(&f, "mops_source_next_poll_seconds", &[("source", "crm")]), 20.0);
        assert!(gauge(&f, "mops_source_next_poll_seconds", &[("source", "email")]).is_empty());
        assert_eq!(
            one(&f, "mops_source_last_good_poll_age_seconds", &[("source", "site")]),
            40.0
        );
        assert_eq!(one(&f, "mops_source_error_ratio", &[("source", "site")]), 0.5);
        let window = [("source", "crm"), ("period", "window")];
        assert_eq!(one(&f, "mops_source_rate_limit_remaining", &window), 97.0);
        assert_eq!(
            one(
                &f,
                "mops_source_rate_limit_limit",
                &[("source", "crm"), ("period", "day")]
            ),
            250_000.0
        );
        assert_eq!(
            one(&f, "mops_source_rate_limit_window_seconds", &[("source", "crm")]),
            10.0
        );
        assert!(gauge(&f, "mops_source_rate_limit_remaining", &[("source", "site")]).is_empty());
        // The CMS feeds no queue until it has brought data; failed actions always count.
        assert!(gauge(&f, "mops_task_queue_items", &[("queue", "missed_schedule")]).is_empty());
        assert_eq!(one(&f, "mops_task_queue_items", &[("queue", "failed_actions")]), 0.0);
    }

    #[test]
    fn acknowledged_and_snoozed_alerts_leave_the_firing_counts() {
        let alert = |id: &str, rule: Rule, severity: Severity, records: usize| Alert {
            id: AlertId(id.into()),
            rule,
            severity,
            summary: String::new(),
            records: (0..records).map(|i| RecordRef::Contact { id: i.to_string() }).collect(),
        };
        let mut model = Model::new("t", true, Vec::new(), t(0));
        model.alerts.firing = vec![
            alert("a", Rule::DuplicateEmail, Severity::Warning, 2),
            alert("b", Rule::DuplicateEmail, Severity::Warning, 3),
            alert("c", Rule::DuplicateEmail, Severity::Warning, 2),
            alert("d", Rule::ConsentMismatch, Severity::Critical, 1),
            alert("e", Rule::InvalidEmail, Severity::Warning, 1),
        ];
        model.alerts.evaluated_at = Some(t(-5));
        model
            .alerts
            .states
            .insert(AlertId("b".into()), AlertState::Acknowledged { at: t(-60) });
        model
            .alerts
            .states
            .insert(AlertId("d".into()), AlertState::Snoozed { until: t(3600) });
        // A snooze that has run out fires again.
        model
            .alerts
            .states
            .insert(AlertId("e".into()), AlertState::Snoozed { until: t(-1) });
        let f = families(&model, &[], t(0));
        let dup = [("rule", "duplicate_email"), ("severity", "warning")];
        assert_eq!(one(&f, "mops_alerts_firing", &dup), 2.0);
        assert_eq!(one(&f, "mops_alerts_firing_records", &dup), 4.0);
        let consent = [("rule", "consent_mismatch"), ("severity", "critical")];
        assert_eq!(one(&f, "mops_alerts_firing", &consent), 0.0);
        assert_eq!(
            one(
                &f,
                "mops_alerts_firing",
                &[("rule", "invalid_email"), ("severity", "warning")]
            ),
            1.0
        );
        assert_eq!(one(&f, "mops_alerts", &[("state", "firing")]), 3.0);
        assert_eq!(one(&f, "mops_alerts", &[("state", "acknowledged")]), 1.0);
        assert_eq!(one(&f, "mops_alerts", &[("state", "snoozed")]), 1.0);
        assert_eq!(gauge(&f, "mops_alerts_firing", &[]).len(), Rule::ALL.len() * 3);
        assert_eq!(one(&f, "mops_alerts_evaluation_age_seconds", &[]), 5.0);
    }

    #[test]
    fn only_the_most_recent_sent_campaigns_are_exposed_one_by_one() {
        let campaign = |i: i64, status: CampaignStatus| Campaign {
            id: format!("c{i:03}"),
            web_id: None,
            kind: "regular".into(),
            status,
            title: format!("Issue {i}"),
            subject: String::new(),
            from_name: String::new(),
            list_id: "L".into(),
            list_name: String::new(),
            recipient_count: 0,
            create_time: None,
            send_time: Some(t(i * 86_400)),
            emails_sent: 1000,
            report: Some(CampaignReport {
                emails_sent: 1000,
                hard_bounces: 10,
                unsubscribed: 2,
                open_rate: 0.3,
                click_rate: 0.05,
                ..CampaignReport::default()
            }),
        };
        let mut campaigns: Vec<Campaign> = (0..60).map(|i| campaign(i, CampaignStatus::Sent)).collect();
        campaigns.push(campaign(100, CampaignStatus::Save));
        campaigns.push(campaign(101, CampaignStatus::Schedule));
        let mut email = source("email", SourceKind::Mailchimp);
        let data = EmailData {
            campaigns,
            ..EmailData::default()
        };
        email.data = Some((SourceData::Email(Arc::new(data)), t(0)));
        let model = Model::new("t", true, vec![email], t(0));
        let f = families(&model, &[], t(0));

        assert_eq!(one(&f, "mops_campaigns", &[("stage", "sent")]), 60.0);
        assert_eq!(one(&f, "mops_campaigns", &[("stage", "draft")]), 1.0);
        assert_eq!(one(&f, "mops_campaigns", &[("stage", "paused")]), 0.0);
        let sent = gauge(&f, "mops_campaign_emails_sent", &[]);
        assert_eq!(sent.len(), RECENT_CAMPAIGNS);
        assert!(!gauge(&f, "mops_campaign_emails_sent", &[("campaign", "c059")]).is_empty());
        assert!(gauge(&f, "mops_campaign_emails_sent", &[("campaign", "c009")]).is_empty());
        assert!(!gauge(&f, "mops_campaign_emails_sent", &[("campaign", "c010")]).is_empty());
        let newest = [("campaign", "c059"), ("title", "Issue 59")];
        assert_eq!(one(&f, "mops_campaign_bounce_ratio", &newest), 0.01);
        assert_eq!(one(&f, "mops_campaign_unsubscribe_ratio", &newest), 0.002);
        assert_eq!(one(&f, "mops_campaign_open_ratio", &newest), 0.3);
        assert!(
            gauge(&f, "mops_campaign_romi_ratio", &[]).is_empty(),
            "no economics configured"
        );
    }

    #[test]
    fn the_whole_exposition_passes_the_format_rules_we_rely_on() {
        // Names are snake_case with the mops_ prefix, and every unit is the name's suffix.
        let model = Model::new("t", true, vec![source("crm", SourceKind::Hubspot)], t(0));
        // The help texts name these figures.
        assert_eq!(crate::app::source_state::HISTORY, 30);
        assert_eq!(RECENT_CAMPAIGNS, 50);
        for f in families(&model, &[Histogram::new(PROBE_BUCKETS)], t(0)) {
            assert!(f.name.starts_with("mops_"), "{}", f.name);
            assert!(
                f.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{}",
                f.name
            );
            assert!(!f.help.is_empty() && !f.help.contains('"'), "{}", f.name);
            if let Some(unit) = f.unit {
                assert!(f.name.ends_with(&format!("_{unit}")), "{}", f.name);
            }
        }
    }
}
