//! The email platform's data: campaigns, their reports, audiences, members.
//! Field names follow Mailchimp's API (see API-FACTS.md), typed.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Mailchimp's campaign `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CampaignStatus {
    Save,
    Paused,
    Schedule,
    Sending,
    Sent,
    Canceled,
    Canceling,
    Archived,
}

impl CampaignStatus {
    /// The vendor's spelling.
    pub fn key(self) -> &'static str {
        match self {
            CampaignStatus::Save => "save",
            CampaignStatus::Paused => "paused",
            CampaignStatus::Schedule => "schedule",
            CampaignStatus::Sending => "sending",
            CampaignStatus::Sent => "sent",
            CampaignStatus::Canceled => "canceled",
            CampaignStatus::Canceling => "canceling",
            CampaignStatus::Archived => "archived",
        }
    }

    pub fn stage(self) -> Stage {
        match self {
            CampaignStatus::Save => Stage::Draft,
            CampaignStatus::Schedule => Stage::Scheduled,
            CampaignStatus::Sending | CampaignStatus::Canceling => Stage::Sending,
            CampaignStatus::Paused => Stage::Paused,
            CampaignStatus::Sent => Stage::Sent,
            CampaignStatus::Canceled | CampaignStatus::Archived => Stage::Closed,
        }
    }
}

/// Where a campaign is in the pipeline, in pipeline order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Stage {
    Draft,
    Scheduled,
    Sending,
    Paused,
    Sent,
    /// Canceled or archived: off the pipeline, still listed.
    Closed,
}

impl Stage {
    pub const ALL: [Stage; 6] = [
        Stage::Draft,
        Stage::Scheduled,
        Stage::Sending,
        Stage::Paused,
        Stage::Sent,
        Stage::Closed,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Stage::Draft => "draft",
            Stage::Scheduled => "scheduled",
            Stage::Sending => "sending",
            Stage::Paused => "paused",
            Stage::Sent => "sent",
            Stage::Closed => "closed",
        }
    }
}

/// One campaign, as `GET /campaigns` lists it, with its report once sent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Campaign {
    pub id: String,
    pub web_id: Option<u64>,
    /// regular, plaintext, rss, variate, absplit.
    pub kind: String,
    pub status: CampaignStatus,
    pub title: String,
    pub subject: String,
    pub from_name: String,
    pub list_id: String,
    pub list_name: String,
    pub recipient_count: u64,
    pub create_time: Option<Timestamp>,
    pub send_time: Option<Timestamp>,
    pub emails_sent: u64,
    pub report: Option<CampaignReport>,
}

impl Campaign {
    pub fn stage(&self) -> Stage {
        self.status.stage()
    }

    /// The name a person knows it by: the title, else the subject, else the id.
    pub fn display_name(&self) -> &str {
        [&self.title, &self.subject, &self.id]
            .into_iter()
            .find(|s| !s.is_empty())
            .map_or("", |s| s.as_str())
    }
}

/// `GET /reports/{campaign_id}`, the figures the pipeline needs.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct CampaignReport {
    pub emails_sent: u64,
    pub unsubscribed: u64,
    pub abuse_reports: u64,
    pub unique_opens: u64,
    /// 0.0..=1.0, as Mailchimp reports it.
    pub open_rate: f64,
    pub unique_subscriber_clicks: u64,
    /// 0.0..=1.0, as Mailchimp reports it.
    pub click_rate: f64,
    pub hard_bounces: u64,
    pub soft_bounces: u64,
    pub syntax_errors: u64,
}

impl CampaignReport {
    /// Bounces (hard, soft and syntax errors) over emails sent; `None` with no sends.
    pub fn bounce_rate(&self) -> Option<f64> {
        ratio(
            self.hard_bounces + self.soft_bounces + self.syntax_errors,
            self.emails_sent,
        )
    }

    /// Unsubscribes over emails sent; `None` with no sends.
    pub fn unsubscribe_rate(&self) -> Option<f64> {
        ratio(self.unsubscribed, self.emails_sent)
    }
}

/// `part / whole`, or `None` when there is no whole to divide by.
pub fn ratio(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// An audience (`GET /lists`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Audience {
    pub id: String,
    pub name: String,
    pub member_count: u64,
    pub unsubscribe_count: u64,
    pub cleaned_count: u64,
}

/// Mailchimp's member `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MemberStatus {
    Subscribed,
    Unsubscribed,
    Cleaned,
    Pending,
    Transactional,
    Archived,
}

/// One audience member (`GET /lists/{id}/members`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Member {
    /// The subscriber hash: lowercase hex MD5 of the lowercased email.
    pub id: String,
    pub email: String,
    pub status: MemberStatus,
    pub last_changed: Timestamp,
}

/// Everything the email platform's poll brings back.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EmailData {
    pub campaigns: Vec<Campaign>,
    pub audiences: Vec<Audience>,
    /// Members per audience id, by subscriber hash (kept in sync incrementally).
    pub members: BTreeMap<String, BTreeMap<String, Member>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_over_emails_sent_and_absent_without_sends() {
        let r = CampaignReport {
            emails_sent: 2_000,
            unsubscribed: 10,
            hard_bounces: 30,
            soft_bounces: 8,
            syntax_errors: 2,
            ..CampaignReport::default()
        };
        assert_eq!(r.bounce_rate(), Some(0.02));
        assert_eq!(r.unsubscribe_rate(), Some(0.005));
        let none_sent = CampaignReport {
            unsubscribed: 3,
            hard_bounces: 1,
            ..CampaignReport::default()
        };
        assert_eq!(none_sent.bounce_rate(), None, "no division by zero");
        assert_eq!(none_sent.unsubscribe_rate(), None);
    }

    #[test]
    fn every_vendor_status_has_a_stage() {
        use CampaignStatus as S;
        let stages: Vec<Stage> = [
            S::Save,
            S::Schedule,
            S::Sending,
            S::Canceling,
            S::Paused,
            S::Sent,
            S::Canceled,
            S::Archived,
        ]
        .iter()
        .map(|s| s.stage())
        .collect();
        use Stage::*;
        assert_eq!(
            stages,
            [Draft, Scheduled, Sending, Sending, Paused, Sent, Closed, Closed]
        );
        let parsed: CampaignStatus = serde_json::from_str("\"schedule\"").expect("vendor spelling");
        assert_eq!(parsed, S::Schedule);
    }
}
