//! The Mailchimp account's mutable records and the campaign state machine.
//!
//! Handlers lock [`MailchimpData`], call [`MailchimpData::settle`] so that
//! timed transitions (canceling -> canceled, sending -> sent) have happened,
//! then read or change it. Everything here is synchronous and clock-free:
//! the time comes in as an argument.

use std::collections::HashMap;

use jiff::{SignedDuration, Timestamp};
use rand::Rng;
use rand::rngs::StdRng;

/// How long `canceling` lasts before the campaign shows `canceled`.
pub(crate) const CANCEL_SETTLE: SignedDuration = SignedDuration::from_secs(3);
/// How long a campaign sent with the `send` action stays `sending`.
pub(crate) const SEND_SETTLE: SignedDuration = SignedDuration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CampaignType {
    Regular,
    Plaintext,
    Rss,
}

impl CampaignType {
    pub(crate) fn key(self) -> &'static str {
        match self {
            CampaignType::Regular => "regular",
            CampaignType::Plaintext => "plaintext",
            CampaignType::Rss => "rss",
        }
    }
}

/// Mailchimp's campaign `status`, in its spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    Save,
    Paused,
    Schedule,
    Sending,
    Sent,
    Canceled,
    Canceling,
    Archived,
}

impl Status {
    pub(crate) const ALL: [Status; 8] = [
        Status::Save,
        Status::Paused,
        Status::Schedule,
        Status::Sending,
        Status::Sent,
        Status::Canceled,
        Status::Canceling,
        Status::Archived,
    ];

    pub(crate) fn key(self) -> &'static str {
        match self {
            Status::Save => "save",
            Status::Paused => "paused",
            Status::Schedule => "schedule",
            Status::Sending => "sending",
            Status::Sent => "sent",
            Status::Canceled => "canceled",
            Status::Canceling => "canceling",
            Status::Archived => "archived",
        }
    }
}

/// Mailchimp's member `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MemberStatus {
    Subscribed,
    Unsubscribed,
    Cleaned,
    Pending,
    Transactional,
    Archived,
}

impl MemberStatus {
    pub(crate) const ALL: [MemberStatus; 6] = [
        MemberStatus::Subscribed,
        MemberStatus::Unsubscribed,
        MemberStatus::Cleaned,
        MemberStatus::Pending,
        MemberStatus::Transactional,
        MemberStatus::Archived,
    ];

    pub(crate) fn key(self) -> &'static str {
        match self {
            MemberStatus::Subscribed => "subscribed",
            MemberStatus::Unsubscribed => "unsubscribed",
            MemberStatus::Cleaned => "cleaned",
            MemberStatus::Pending => "pending",
            MemberStatus::Transactional => "transactional",
            MemberStatus::Archived => "archived",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<MemberStatus> {
        MemberStatus::ALL.into_iter().find(|m| m.key() == s)
    }
}

/// A transition that completes on its own at `at`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Settle {
    pub(crate) at: Timestamp,
    pub(crate) to: Status,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Campaign {
    pub(crate) id: String,
    pub(crate) web_id: u64,
    pub(crate) kind: CampaignType,
    pub(crate) status: Status,
    pub(crate) title: String,
    pub(crate) subject: String,
    pub(crate) preview_text: String,
    pub(crate) from_name: String,
    pub(crate) reply_to: String,
    pub(crate) list_id: String,
    pub(crate) recipient_count: u64,
    pub(crate) create_time: Timestamp,
    /// The scheduled time while scheduled, the (first) send time once sending.
    pub(crate) send_time: Option<Timestamp>,
    pub(crate) emails_sent: u64,
    pub(crate) report: Option<Report>,
    pub(crate) rss: Option<RssOptions>,
    pub(crate) parent_campaign_id: Option<String>,
    pub(crate) timewarp: bool,
    pub(crate) settle: Option<Settle>,
}

/// The figures behind `GET /reports/{id}` and a campaign's `report_summary`.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Report {
    pub(crate) unsubscribed: u64,
    pub(crate) abuse_reports: u64,
    pub(crate) hard_bounces: u64,
    pub(crate) soft_bounces: u64,
    pub(crate) syntax_errors: u64,
    pub(crate) opens_total: u64,
    pub(crate) unique_opens: u64,
    pub(crate) clicks_total: u64,
    pub(crate) unique_clicks: u64,
    pub(crate) unique_subscriber_clicks: u64,
    pub(crate) forwards: u64,
    pub(crate) last_open: Option<Timestamp>,
    pub(crate) last_click: Option<Timestamp>,
}

impl Report {
    /// Mailchimp's rates divide by delivered mail: sent minus bounces.
    pub(crate) fn delivered(&self, emails_sent: u64) -> u64 {
        emails_sent.saturating_sub(self.hard_bounces + self.soft_bounces + self.syntax_errors)
    }

    pub(crate) fn open_rate(&self, emails_sent: u64) -> f64 {
        rate(self.unique_opens, self.delivered(emails_sent))
    }

    pub(crate) fn click_rate(&self, emails_sent: u64) -> f64 {
        rate(self.unique_subscriber_clicks, self.delivered(emails_sent))
    }
}

pub(crate) fn rate(part: u64, whole: u64) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 / whole as f64 }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RssOptions {
    pub(crate) feed_url: String,
    /// daily, weekly or monthly.
    pub(crate) frequency: &'static str,
    pub(crate) hour: u8,
    pub(crate) last_sent: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct List {
    pub(crate) id: String,
    pub(crate) web_id: u64,
    pub(crate) name: String,
    pub(crate) from_name: String,
    pub(crate) from_email: String,
    pub(crate) subject: String,
    pub(crate) date_created: Timestamp,
    /// Percentages (0-100), as list stats give them.
    pub(crate) avg_open_rate: f64,
    pub(crate) avg_click_rate: f64,
    pub(crate) members: Vec<Member>,
    /// Subscriber hash -> index into `members`.
    pub(crate) index: HashMap<String, usize>,
}

impl List {
    pub(crate) fn count(&self, status: MemberStatus) -> u64 {
        self.members.iter().filter(|m| m.status == status).count() as u64
    }

    pub(crate) fn member_mut(&mut self, hash: &str) -> Option<&mut Member> {
        let i = *self.index.get(hash)?;
        self.members.get_mut(i)
    }

    pub(crate) fn member(&self, hash: &str) -> Option<&Member> {
        self.members.get(*self.index.get(hash)?)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Member {
    /// The subscriber hash.
    pub(crate) id: String,
    pub(crate) email: String,
    pub(crate) unique_email_id: String,
    pub(crate) web_id: u64,
    pub(crate) first_name: String,
    pub(crate) last_name: String,
    pub(crate) status: MemberStatus,
    pub(crate) timestamp_opt: Timestamp,
    pub(crate) last_changed: Timestamp,
    pub(crate) member_rating: u8,
    /// Fractions (0-1), as member stats give them.
    pub(crate) avg_open_rate: f64,
    pub(crate) avg_click_rate: f64,
    pub(crate) unsubscribe_reason: Option<String>,
}

/// Lowercase hex MD5 of the lowercased email: Mailchimp's subscriber hash.
pub(crate) fn subscriber_hash(email: &str) -> String {
    use md5::{Digest, Md5};
    let digest = Md5::digest(email.trim().to_lowercase().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A campaign action, with its validated body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Action {
    Schedule { time: Timestamp, timewarp: bool },
    Unschedule,
    CancelSend,
    Pause,
    Resume,
    Test,
    Replicate,
    Send,
}

impl Action {
    /// The action names of `POST /campaigns/{id}/actions/<name>`, as Mailchimp spells them.
    pub(crate) const NAMES: [&'static str; 8] = [
        "schedule",
        "unschedule",
        "cancel-send",
        "pause",
        "resume",
        "test",
        "replicate",
        "send",
    ];
}

/// Why an action was not applied.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Refusal {
    /// The campaign's state does not allow it: 400 "Bad Request".
    State(String),
    /// A field's value is not acceptable: 400 "Invalid Resource" with `errors`.
    Field { field: &'static str, message: String },
}

/// What a successful action gives back.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Applied {
    /// 204, no body.
    Done,
    /// 200 with the new campaign (replicate), by id.
    Created(String),
}

/// Everything the Mailchimp account holds.
#[derive(Debug, Clone)]
pub(crate) struct MailchimpData {
    pub(crate) lists: Vec<List>,
    /// In creation order.
    pub(crate) campaigns: Vec<Campaign>,
    /// Draws ids and web ids for campaigns made while running (replicate).
    pub(crate) ids: StdRng,
}

impl PartialEq for MailchimpData {
    /// Records only: the id generator has no useful equality.
    fn eq(&self, other: &Self) -> bool {
        self.lists == other.lists && self.campaigns == other.campaigns
    }
}

impl MailchimpData {
    pub(crate) fn list(&self, id: &str) -> Option<&List> {
        self.lists.iter().find(|l| l.id == id)
    }

    pub(crate) fn list_mut(&mut self, id: &str) -> Option<&mut List> {
        self.lists.iter_mut().find(|l| l.id == id)
    }

    pub(crate) fn list_name(&self, id: &str) -> &str {
        self.list(id).map_or("", |l| l.name.as_str())
    }

    pub(crate) fn campaign(&self, id: &str) -> Option<&Campaign> {
        self.campaigns.iter().find(|c| c.id == id)
    }

    fn campaign_index(&self, id: &str) -> Option<usize> {
        self.campaigns.iter().position(|c| c.id == id)
    }

    /// Completes every timed transition due by `now`.
    pub(crate) fn settle(&mut self, now: Timestamp) {
        for c in &mut self.campaigns {
            let Some(settle) = c.settle.take_if(|s| s.at <= now) else {
                continue;
            };
            c.status = settle.to;
            if settle.to == Status::Sent {
                c.emails_sent = c.recipient_count;
                c.report.get_or_insert_with(Report::default);
            }
        }
    }

    /// Applies `action` to campaign `id` as Mailchimp does, or says why not.
    /// `None` when there is no such campaign.
    pub(crate) fn apply(&mut self, id: &str, action: &Action, now: Timestamp) -> Option<Result<Applied, Refusal>> {
        let i = self.campaign_index(id)?;
        if let Err(refusal) = allowed(&self.campaigns[i], action) {
            return Some(Err(refusal));
        }
        let c = &mut self.campaigns[i];
        let applied = match action {
            Action::Schedule { time, timewarp } => check_schedule_time(*time, now).map(|()| {
                c.status = Status::Schedule;
                c.send_time = Some(*time);
                c.timewarp = *timewarp;
                Applied::Done
            }),
            Action::Unschedule => {
                c.status = Status::Save;
                c.send_time = None;
                c.timewarp = false;
                Ok(Applied::Done)
            }
            Action::CancelSend => {
                c.status = Status::Canceling;
                c.settle = Some(Settle {
                    at: now + CANCEL_SETTLE,
                    to: Status::Canceled,
                });
                Ok(Applied::Done)
            }
            Action::Pause => {
                c.status = Status::Paused;
                Ok(Applied::Done)
            }
            Action::Resume => {
                c.status = Status::Sending;
                Ok(Applied::Done)
            }
            Action::Test => Ok(Applied::Done),
            Action::Send => {
                c.status = Status::Sending;
                c.send_time = Some(now);
                if c.kind != CampaignType::Rss {
                    c.settle = Some(Settle {
                        at: now + SEND_SETTLE,
                        to: Status::Sent,
                    });
                }
                Ok(Applied::Done)
            }
            Action::Replicate => {
                let copy = self.replica(i, now);
                let id = copy.id.clone();
                self.campaigns.push(copy);
                Ok(Applied::Created(id))
            }
        };
        Some(applied)
    }

    /// A new draft with the settings and recipients of campaign `i`.
    fn replica(&mut self, i: usize, now: Timestamp) -> Campaign {
        let original = &self.campaigns[i];
        let mut id = hex(&mut self.ids, 10);
        while self.campaigns.iter().any(|c| c.id == id) {
            id = hex(&mut self.ids, 10);
        }
        let web_id = self.ids.random_range(1_000_000..9_999_999);
        Campaign {
            id,
            web_id,
            status: Status::Save,
            title: format!("{} (copy)", original.title),
            create_time: now,
            send_time: None,
            emails_sent: 0,
            report: None,
            rss: original.rss.clone().map(|rss| RssOptions { last_sent: None, ..rss }),
            parent_campaign_id: Some(original.id.clone()),
            timewarp: false,
            settle: None,
            ..original.clone()
        }
    }
}

/// The state machine: may `action` run on `c` as it is now?
pub(crate) fn allowed(c: &Campaign, action: &Action) -> Result<(), Refusal> {
    use CampaignType::{Plaintext, Regular, Rss};
    use Status::{Paused, Save, Schedule, Sending};
    let refuse = |why: &str| Err(Refusal::State(why.to_owned()));
    match (action, c.kind, c.status) {
        (Action::Schedule { .. }, _, Save) => Ok(()),
        (Action::Schedule { .. }, _, _) => {
            refuse("This campaign cannot be scheduled because it is not in draft status.")
        }
        (Action::Unschedule, _, Schedule) => Ok(()),
        (Action::Unschedule, _, _) => refuse("This campaign cannot be unscheduled because it is not scheduled."),
        (Action::CancelSend, Regular | Plaintext, Sending) => Ok(()),
        (Action::CancelSend, _, Sending) => {
            refuse("Only regular and plain-text campaigns can be canceled while sending.")
        }
        (Action::CancelSend, _, _) => refuse("This campaign cannot be canceled because it is not sending."),
        (Action::Pause, Rss, Sending | Schedule) => Ok(()),
        (Action::Pause, Rss, _) => refuse("This RSS campaign cannot be paused because it is not running."),
        (Action::Pause, _, _) => refuse("Only RSS campaigns can be paused."),
        (Action::Resume, Rss, Paused) => Ok(()),
        (Action::Resume, Rss, _) => refuse("This RSS campaign cannot be resumed because it is not paused."),
        (Action::Resume, _, _) => refuse("Only RSS campaigns can be resumed."),
        (Action::Test, _, Save | Paused | Schedule) => Ok(()),
        (Action::Test, _, _) => refuse(
            "A test email cannot be sent for this campaign because it is not in draft, scheduled or paused status.",
        ),
        (Action::Send, _, Save) => Ok(()),
        (Action::Send, _, _) => refuse("This campaign cannot be sent because it is not in draft status."),
        (Action::Replicate, _, _) => Ok(()),
    }
}

/// Mailchimp sends only on the quarter hour, and only in the future.
pub(crate) fn check_schedule_time(time: Timestamp, now: Timestamp) -> Result<(), Refusal> {
    let field = "schedule_time";
    if time.as_second().rem_euclid(15 * 60) != 0 || time.subsec_nanosecond() != 0 {
        return Err(Refusal::Field {
            field,
            message: "Campaigns may only be scheduled to send on the quarter-hour (:00, :15, :30, :45).".to_owned(),
        });
    }
    if time <= now {
        return Err(Refusal::Field {
            field,
            message: "The schedule time must be in the future.".to_owned(),
        });
    }
    Ok(())
}

pub(crate) fn hex(rng: &mut StdRng, len: usize) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    (0..len)
        .map(|_| char::from(HEX[rng.random_range(0..HEX.len())]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscriber_hash_is_md5_of_the_lowercased_email() {
        // md5("urist.mcvankab@freddiesjokes.com"), from Mailchimp's docs.
        assert_eq!(
            subscriber_hash("Urist.McVankab@freddiesjokes.com"),
            "62eeb292278cc15f5817cb78f7790b08"
        );
    }

    #[test]
    fn schedule_time_must_be_a_future_quarter_hour() {
        let now: Timestamp = "2025-03-10T10:07:00Z".parse().unwrap();
        let ok: Timestamp = "2025-03-10T10:15:00Z".parse().unwrap();
        assert_eq!(check_schedule_time(ok, now), Ok(()));
        for (bad, words) in [
            ("2025-03-10T10:20:00Z", "quarter-hour"),
            ("2025-03-10T10:15:30Z", "quarter-hour"),
            ("2025-03-10T10:00:00Z", "future"),
        ] {
            match check_schedule_time(bad.parse().unwrap(), now) {
                Err(Refusal::Field { field, message }) => {
                    assert_eq!(field, "schedule_time");
                    assert!(message.contains(words), "{bad}: {message}");
                }
                other => panic!("{bad}: {other:?}"),
            }
        }
    }
}
