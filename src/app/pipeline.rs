//! The campaign pipeline as the pane shows it: rows filtered and sorted,
//! figures with their thresholds. Pure functions over the model.

use std::cmp::Ordering;

use crate::config::{CampaignEconomics, Thresholds};
use crate::model::kpi::{self, Churn, Month};
use crate::model::{Audience, Campaign, Stage};

use super::model::{CampaignSort, Model};

/// One campaign row, with the source it came from.
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    pub source: usize,
    pub campaign: &'a Campaign,
}

/// Every campaign of every email source, filtered and sorted as the pane shows them.
pub fn rows(model: &Model) -> Vec<Row<'_>> {
    let needle = model.pipeline.filter.to_lowercase();
    let mut rows: Vec<Row> = model
        .sources
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.email().map(|d| (i, d)))
        .flat_map(|(source, data)| data.campaigns.iter().map(move |campaign| Row { source, campaign }))
        .filter(|r| needle.is_empty() || matches(r.campaign, &needle))
        .collect();
    let economics = &model.pipeline_cfg.campaigns;
    rows.sort_by(|a, b| compare(model.pipeline.sort, a.campaign, b.campaign, economics));
    rows
}

/// The selected row, if any.
pub fn selected(model: &Model) -> Option<Row<'_>> {
    let rows = rows(model);
    rows.get(model.pipeline.selected.min(rows.len().saturating_sub(1)))
        .copied()
}

/// Finds a campaign by source and id.
pub fn find<'a>(model: &'a Model, source: usize, id: &str) -> Option<&'a Campaign> {
    model
        .sources
        .get(source)?
        .email()?
        .campaigns
        .iter()
        .find(|c| c.id == id)
}

fn matches(c: &Campaign, needle: &str) -> bool {
    [
        c.title.as_str(),
        c.subject.as_str(),
        c.list_name.as_str(),
        c.status.key(),
        c.stage().label(),
        c.id.as_str(),
    ]
    .iter()
    .any(|field| field.to_lowercase().contains(needle))
}

/// Rates sort highest first with campaigns lacking the figure last; ties
/// fall back to pipeline order.
fn compare(sort: CampaignSort, a: &Campaign, b: &Campaign, economics: &[CampaignEconomics]) -> Ordering {
    let by_rate = |f: &dyn Fn(&Campaign) -> Option<f64>| desc_some_first(f(a), f(b));
    let primary = match sort {
        CampaignSort::Stage => Ordering::Equal,
        CampaignSort::SendTime => b.send_time.cmp(&a.send_time),
        CampaignSort::OpenRate => by_rate(&|c| c.report.as_ref().map(|r| r.open_rate)),
        CampaignSort::BounceRate => by_rate(&|c| c.report.as_ref().and_then(|r| r.bounce_rate())),
        CampaignSort::UnsubscribeRate => by_rate(&|c| c.report.as_ref().and_then(|r| r.unsubscribe_rate())),
        CampaignSort::Romi => by_rate(&|c| romi(c, economics)),
        CampaignSort::Title => a.display_name().to_lowercase().cmp(&b.display_name().to_lowercase()),
    };
    primary
        .then(a.stage().cmp(&b.stage()))
        .then_with(|| b.send_time.cmp(&a.send_time))
        .then_with(|| b.create_time.cmp(&a.create_time))
        .then_with(|| a.id.cmp(&b.id))
}

fn desc_some_first(a: Option<f64>, b: Option<f64>) -> Ordering {
    match (a, b) {
        (Some(x), Some(y)) => y.partial_cmp(&x).unwrap_or(Ordering::Equal),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// The configured economics of a campaign.
pub fn economics<'a>(c: &Campaign, economics: &'a [CampaignEconomics]) -> Option<&'a CampaignEconomics> {
    economics.iter().find(|e| e.id == c.id)
}

/// ROMI where a cost is configured and a revenue is known.
pub fn romi(c: &Campaign, all: &[CampaignEconomics]) -> Option<f64> {
    let e = economics(c, all)?;
    kpi::romi(e.revenue?, e.cost)
}

/// Campaigns per stage, in pipeline order, stages with none left out.
pub fn stage_counts(rows: &[Row<'_>]) -> Vec<(Stage, usize)> {
    Stage::ALL
        .iter()
        .map(|s| (*s, rows.iter().filter(|r| r.campaign.stage() == *s).count()))
        .filter(|(_, n)| *n > 0)
        .collect()
}

/// Which of a sent campaign's figures cross the configured thresholds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flags {
    pub bounce: bool,
    pub unsubscribe: bool,
    pub open: bool,
    pub click: bool,
}

impl Flags {
    pub fn any(&self) -> bool {
        self.bounce || self.unsubscribe || self.open || self.click
    }
}

pub fn flags(c: &Campaign, t: &Thresholds) -> Flags {
    let Some(r) = &c.report else {
        return Flags::default();
    };
    let sent = r.emails_sent > 0;
    Flags {
        bounce: r.bounce_rate().is_some_and(|x| x > t.bounce_rate),
        unsubscribe: r.unsubscribe_rate().is_some_and(|x| x > t.unsubscribe_rate),
        open: sent && t.open_rate_min.is_some_and(|min| r.open_rate < min),
        click: sent && t.click_rate_min.is_some_and(|min| r.click_rate < min),
    }
}

/// A campaign's figures as the snapshot and the report give them: rates
/// only once something was sent, economics from the config, and the names
/// of the figures past their thresholds (`bounce_rate`, `unsubscribe_rate`,
/// `open_rate` and `click_rate` under their minimums).
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct Kpis {
    /// `None` when the vendor's report is missing or nothing was sent.
    pub open_rate: Option<f64>,
    pub click_rate: Option<f64>,
    pub bounce_rate: Option<f64>,
    pub unsubscribe_rate: Option<f64>,
    /// From `[[pipeline.campaign]]`.
    pub cost: Option<f64>,
    pub revenue: Option<f64>,
    /// (revenue - cost) / cost, where both are known.
    pub romi: Option<f64>,
    pub flags: Vec<&'static str>,
}

pub fn kpis(c: &Campaign, cfg: &crate::config::PipelineConfig) -> Kpis {
    let report = c.report.as_ref().filter(|r| r.emails_sent > 0);
    let e = economics(c, &cfg.campaigns);
    let f = flags(c, &cfg.thresholds);
    Kpis {
        open_rate: report.map(|r| r.open_rate),
        click_rate: report.map(|r| r.click_rate),
        bounce_rate: report.and_then(|r| r.bounce_rate()),
        unsubscribe_rate: report.and_then(|r| r.unsubscribe_rate()),
        cost: e.map(|e| e.cost),
        revenue: e.and_then(|e| e.revenue),
        romi: romi(c, &cfg.campaigns),
        flags: [
            (f.bounce, "bounce_rate"),
            (f.unsubscribe, "unsubscribe_rate"),
            (f.open, "open_rate"),
            (f.click, "click_rate"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect(),
    }
}

/// This month's churn for every audience of every email source that was mailed.
pub fn churn(model: &Model) -> Vec<(&Audience, Churn)> {
    let Some(month) = Month::containing(model.now, &model.tz) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for data in model.sources.iter().filter_map(|s| s.email()) {
        for audience in &data.audiences {
            let empty = Default::default();
            let members = data.members.get(&audience.id).unwrap_or(&empty);
            if let Some(c) = kpi::monthly_churn(&audience.id, members, &data.campaigns, month) {
                out.push((audience, c));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CampaignReport, CampaignStatus};

    fn sent(report: Option<CampaignReport>) -> Campaign {
        Campaign {
            id: "c".into(),
            web_id: None,
            kind: "regular".into(),
            status: CampaignStatus::Sent,
            title: "t".into(),
            subject: String::new(),
            from_name: String::new(),
            list_id: "L".into(),
            list_name: String::new(),
            recipient_count: 0,
            create_time: None,
            send_time: None,
            emails_sent: 0,
            report,
        }
    }

    #[test]
    fn flags_follow_the_thresholds() {
        let t = Thresholds {
            open_rate_min: Some(0.15),
            click_rate_min: Some(0.01),
            ..Thresholds::default()
        };
        let bad = CampaignReport {
            emails_sent: 1000,
            hard_bounces: 25,
            unsubscribed: 6,
            open_rate: 0.10,
            click_rate: 0.02,
            ..CampaignReport::default()
        };
        assert_eq!(
            flags(&sent(Some(bad)), &t),
            Flags {
                bounce: true,
                unsubscribe: true,
                open: true,
                click: false
            }
        );
        let at_limit = CampaignReport {
            emails_sent: 1000,
            hard_bounces: 20,
            unsubscribed: 5,
            open_rate: 0.15,
            click_rate: 0.01,
            ..CampaignReport::default()
        };
        assert!(
            !flags(&sent(Some(at_limit)), &t).any(),
            "exactly at a threshold is not over it"
        );
    }

    #[test]
    fn no_report_or_no_sends_flags_nothing() {
        let t = Thresholds {
            open_rate_min: Some(0.15),
            ..Thresholds::default()
        };
        assert_eq!(flags(&sent(None), &t), Flags::default());
        assert_eq!(flags(&sent(Some(CampaignReport::default())), &t), Flags::default());
    }

    #[test]
    fn romi_needs_configured_economics_with_revenue() {
        let c = sent(None);
        let cost_only = [CampaignEconomics {
            id: "c".into(),
            cost: 100.0,
            revenue: None,
        }];
        assert_eq!(romi(&c, &cost_only), None);
        let both = [CampaignEconomics {
            id: "c".into(),
            cost: 100.0,
            revenue: Some(250.0),
        }];
        assert_eq!(romi(&c, &both), Some(1.5));
        let other = [CampaignEconomics {
            id: "x".into(),
            cost: 100.0,
            revenue: Some(250.0),
        }];
        assert_eq!(romi(&c, &other), None);
    }
}
