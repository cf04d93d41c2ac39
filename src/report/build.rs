//! Building the report from the polled model and the poll history, purely.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use crate::app::{Model, SourceState, pipeline};
use crate::model::kpi::{self, Month};
use crate::model::{AlertState, Campaign, RecordRef, Severity, SourceKind, Stage};
use crate::store::PollSample;

use super::model::*;
use super::period::Period;
use super::uptime::{self, MAX_HOLD, Uptime};

/// What the email platform feeds in the report.
pub(super) const EMAIL_PART: &str = "campaign KPIs, churn and the email side of the data-quality alerts";
/// What the CRM feeds.
pub(super) const CRM_PART: &str = "the CRM side of the data-quality alerts";

/// The report over `period` from a model after one poll and the poll
/// history held in memory (or why it could not be read).
pub fn build(model: &Model, period: &Period, history: Result<&[PollSample], String>) -> Report {
    let uptimes = history.map(|samples| uptime::by_source(samples, period.from, period.to));
    build_with_uptime(model, period, uptimes)
}

/// The report over `period` from a model after one poll and each source's
/// uptime, already folded from the history (or why it could not be read).
pub fn build_with_uptime(model: &Model, period: &Period, uptimes: Result<BTreeMap<String, Uptime>, String>) -> Report {
    let mut missing = missing_data(model);
    let history = uptimes.as_ref().map(|_| ()).map_err(String::clone);
    let uptimes = uptimes.unwrap_or_else(|reason| {
        missing.push(Missing {
            part: "source uptime".into(),
            source: None,
            status: None,
            reason,
        });
        BTreeMap::new()
    });
    let complete = |kind| {
        let mut of_kind = model.sources.iter().filter(|s| s.kind == kind).peekable();
        of_kind.peek().is_some() && of_kind.all(|s| s.data.is_some())
    };
    let email_complete = complete(SourceKind::Mailchimp);
    let crm_complete = complete(SourceKind::Hubspot);
    Report {
        version: VERSION,
        title: model.title.clone(),
        generated_at: period.to,
        period: PeriodOut {
            label: period.label.clone(),
            from: period.from,
            to: period.to,
            length_s: period.length().as_secs(),
        },
        missing,
        history: HistoryOut {
            available: history.is_ok(),
            reason: history.as_ref().err().cloned(),
            max_hold_s: MAX_HOLD.as_secs(),
        },
        sources: model
            .sources
            .iter()
            .map(|s| source_out(model, s, uptimes.get(&s.name), period))
            .collect(),
        campaigns: campaigns(model, period, email_complete),
        churn: churn(model, email_complete),
        alerts: alerts(model, email_complete && crm_complete),
    }
}

/// A part for every data source that brought no data, and for a kind of
/// source the config lacks.
fn missing_data(model: &Model) -> Vec<Missing> {
    let mut out = Vec::new();
    for (kind, part, vendor) in [
        (SourceKind::Mailchimp, EMAIL_PART, "email platform (Mailchimp)"),
        (SourceKind::Hubspot, CRM_PART, "CRM (HubSpot)"),
    ] {
        let mut any = false;
        for s in model.sources.iter().filter(|s| s.kind == kind) {
            any = true;
            if s.data.is_none() {
                out.push(Missing {
                    part: part.into(),
                    source: Some(s.name.clone()),
                    status: Some(status_label(model, s)),
                    reason: s.reason(model.now),
                });
            }
        }
        if !any {
            out.push(Missing {
                part: part.into(),
                source: None,
                status: None,
                reason: format!("the config has no {vendor} source"),
            });
        }
    }
    out
}

fn status_label(model: &Model, s: &SourceState) -> String {
    s.status(model.now)
        .map_or_else(|| "NOT POLLED".to_owned(), |st| st.label().to_owned())
}

fn secs(d: Duration) -> u64 {
    d.as_secs()
}

fn source_out(model: &Model, s: &SourceState, u: Option<&Uptime>, period: &Period) -> SourceOut {
    SourceOut {
        name: s.name.clone(),
        kind: s.kind,
        status: status_label(model, s),
        reason: s.reason(model.now),
        uptime: u.map(|u| UptimeOut {
            uptime: u.ratio(),
            polls: u.polls,
            coverage: u.coverage(period.from, period.to),
            observed_s: secs(u.observed),
            down_s: secs(u.down),
            longest_outage: u.longest_outage.map(|o| OutageOut {
                start: o.start,
                duration_s: secs(o.duration),
            }),
            statuses: u.statuses.iter().map(|s| s.label().to_owned()).collect(),
        }),
    }
}

fn campaigns(model: &Model, period: &Period, complete: bool) -> CampaignsOut {
    let rows = pipeline::rows(model);
    let by_stage = Stage::ALL
        .iter()
        .map(|stage| StageCount {
            stage: stage.label(),
            campaigns: rows.iter().filter(|r| r.campaign.stage() == *stage).count(),
        })
        .collect();
    let t = &model.pipeline_cfg.thresholds;
    let mut sent: Vec<(&Campaign, SentCampaign)> = rows
        .iter()
        .filter(|r| r.campaign.stage() == Stage::Sent)
        .filter(|r| {
            r.campaign
                .send_time
                .is_some_and(|at| period.from <= at && at < period.to)
        })
        .map(|r| {
            let c = r.campaign;
            let k = pipeline::kpis(c, &model.pipeline_cfg);
            let source = model.sources.get(r.source).map_or_else(String::new, |s| s.name.clone());
            let row = SentCampaign {
                id: c.id.clone(),
                title: c.display_name().to_owned(),
                source,
                audience: c.list_name.clone(),
                sent_at: c.send_time,
                sends: c.report.as_ref().map_or(c.emails_sent, |r| r.emails_sent),
                kpis: k,
            };
            (c, row)
        })
        .collect();
    sent.sort_by(|(a, _), (b, _)| b.send_time.cmp(&a.send_time).then_with(|| a.id.cmp(&b.id)));
    let totals = totals(&sent);
    CampaignsOut {
        complete,
        by_stage,
        sent: sent.into_iter().map(|(_, row)| row).collect(),
        totals,
        thresholds: ThresholdsOut {
            bounce_rate: t.bounce_rate,
            unsubscribe_rate: t.unsubscribe_rate,
            churn: t.churn,
            open_rate_min: t.open_rate_min,
            click_rate_min: t.click_rate_min,
        },
    }
}

/// Rates weighted by sends over the campaigns with a report. Spend is
/// summed over the campaigns with a configured cost; revenue and ROMI only
/// over those that also have a revenue, together with their own cost, so
/// every money figure a reader sees is over a stated set.
fn totals(sent: &[(&Campaign, SentCampaign)]) -> Totals {
    let reports: Vec<_> = sent
        .iter()
        .filter_map(|(c, _)| c.report.as_ref())
        .filter(|r| r.emails_sent > 0)
        .collect();
    let mailed: u64 = reports.iter().map(|r| r.emails_sent).sum();
    let weighted = |f: &dyn Fn(&crate::model::CampaignReport) -> f64| {
        (mailed > 0).then(|| reports.iter().map(|r| f(r) * r.emails_sent as f64).sum::<f64>() / mailed as f64)
    };
    let counted = |f: &dyn Fn(&crate::model::CampaignReport) -> u64| {
        crate::model::campaign::ratio(reports.iter().map(|r| f(r)).sum(), mailed)
    };
    let costs: Vec<f64> = sent.iter().filter_map(|(_, s)| s.kpis.cost).collect();
    let both: Vec<(f64, f64)> = sent
        .iter()
        .filter_map(|(_, s)| Some((s.kpis.cost?, s.kpis.revenue?)))
        .collect();
    let with_revenue = (!both.is_empty()).then(|| {
        let (cost, revenue) = both
            .iter()
            .fold((0.0, 0.0), |(c, r), (cost, revenue)| (c + cost, r + revenue));
        RevenueTotals {
            campaigns: both.len(),
            cost,
            revenue,
            romi: kpi::romi(revenue, cost),
        }
    });
    Totals {
        campaigns: sent.len(),
        sends: sent.iter().map(|(_, s)| s.sends).sum(),
        open_rate: weighted(&|r| r.open_rate),
        click_rate: weighted(&|r| r.click_rate),
        bounce_rate: counted(&|r| r.hard_bounces + r.soft_bounces + r.syntax_errors),
        unsubscribe_rate: counted(&|r| r.unsubscribed),
        with_cost: costs.len(),
        cost: (!costs.is_empty()).then(|| costs.iter().sum()),
        with_revenue,
        flagged: sent.iter().filter(|(_, s)| !s.kpis.flags.is_empty()).count(),
    }
}

fn churn(model: &Model, complete: bool) -> ChurnOut {
    let month = Month::containing(model.now, &model.tz);
    let threshold = model.pipeline_cfg.thresholds.churn;
    let source_of = |audience: &crate::model::Audience| {
        model
            .sources
            .iter()
            .find(|s| {
                s.email()
                    .is_some_and(|d| d.audiences.iter().any(|a| std::ptr::eq(a, audience)))
            })
            .map_or_else(String::new, |s| s.name.clone())
    };
    ChurnOut {
        complete,
        month_from: month.map(|m| m.start),
        month_to: month.map(|m| m.end),
        audiences: pipeline::churn(model)
            .into_iter()
            .map(|(audience, c)| AudienceChurn {
                id: audience.id.clone(),
                name: audience.name.clone(),
                source: source_of(audience),
                unsubscribes: c.unsubscribes,
                recipients: c.recipients,
                rate: c.rate(),
                flagged: c.rate().is_some_and(|r| r > threshold),
            })
            .collect(),
    }
}

fn alerts(model: &Model, complete: bool) -> AlertsOut {
    struct Tally<'a> {
        severity: Severity,
        counts: AlertCounts,
        records: BTreeSet<&'a RecordRef>,
    }
    let mut by_rule: BTreeMap<crate::model::Rule, Tally> = BTreeMap::new();
    let mut all_records: BTreeSet<&RecordRef> = BTreeSet::new();
    let mut totals = AlertCounts::default();
    for a in &model.alerts.firing {
        let tally = by_rule.entry(a.rule).or_insert_with(|| Tally {
            severity: a.severity,
            counts: AlertCounts::default(),
            records: BTreeSet::new(),
        });
        tally.severity = tally.severity.max(a.severity);
        tally.records.extend(a.records.iter());
        all_records.extend(a.records.iter());
        for counts in [&mut tally.counts, &mut totals] {
            counts.alerts += 1;
            match model.alerts.state(&a.id, model.now) {
                AlertState::Acknowledged { .. } => counts.acknowledged += 1,
                AlertState::Snoozed { .. } => counts.snoozed += 1,
                // Firing, or resolved earlier and back now.
                AlertState::Firing | AlertState::Resolved { .. } => counts.firing += 1,
            }
        }
    }
    totals.records = all_records.len();
    let mut tallies: Vec<(crate::model::Rule, Tally)> = by_rule.into_iter().collect();
    // Worst first; within a severity, rule order stays (the sort is stable).
    tallies.sort_by_key(|(_, t)| std::cmp::Reverse(t.severity));
    let rules = tallies
        .into_iter()
        .map(|(rule, t)| RuleAlerts {
            rule: rule.key(),
            title: rule.title(),
            severity: t.severity.label(),
            counts: AlertCounts {
                records: t.records.len(),
                ..t.counts
            },
        })
        .collect();
    AlertsOut {
        complete,
        evaluated_at: model.alerts.evaluated_at,
        rules,
        totals,
    }
}
