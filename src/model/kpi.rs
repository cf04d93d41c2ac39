//! Pipeline figures, as pure functions over the email platform's data.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use super::campaign::{Campaign, Member, MemberStatus, Stage, ratio};

/// Return on marketing investment: (revenue - cost) / cost. `None` without a
/// positive cost, since a ratio over nothing means nothing.
pub fn romi(revenue: f64, cost: f64) -> Option<f64> {
    (cost > 0.0 && revenue.is_finite() && cost.is_finite()).then(|| (revenue - cost) / cost)
}

/// A calendar month as a half-open span of time in `tz`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Month {
    pub start: Timestamp,
    pub end: Timestamp,
}

impl Month {
    /// The month holding `at`, in `tz`.
    pub fn containing(at: Timestamp, tz: &TimeZone) -> Option<Month> {
        let date = at.to_zoned(tz.clone()).date();
        let first = Date::new(date.year(), date.month(), 1).ok()?;
        let next = first.checked_add(jiff::Span::new().months(1)).ok()?;
        let start = first.to_zoned(tz.clone()).ok()?.timestamp();
        let end = next.to_zoned(tz.clone()).ok()?.timestamp();
        Some(Month { start, end })
    }

    pub fn contains(&self, at: Timestamp) -> bool {
        self.start <= at && at < self.end
    }
}

/// Churn of one audience over a month: what share of the people it mailed
/// that month unsubscribed that month.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Churn {
    pub unsubscribes: u64,
    pub recipients: u64,
}

impl Churn {
    pub fn rate(&self) -> Option<f64> {
        ratio(self.unsubscribes, self.recipients)
    }
}

/// Monthly email churn = unsubscribes in the month / unique recipients in the
/// month. Mailchimp does not list who received what, so the recipients are
/// the members who were subscribed at some time in the month: those
/// subscribed now, plus those unsubscribed or cleaned during it. `None` when
/// no campaign went to the audience that month: nobody was mailed.
pub fn monthly_churn(
    list_id: &str,
    members: &BTreeMap<String, Member>,
    campaigns: &[Campaign],
    month: Month,
) -> Option<Churn> {
    let mailed = campaigns
        .iter()
        .any(|c| c.list_id == list_id && c.stage() == Stage::Sent && c.send_time.is_some_and(|t| month.contains(t)));
    if !mailed {
        return None;
    }
    let mut churn = Churn {
        unsubscribes: 0,
        recipients: 0,
    };
    for m in members.values() {
        let left_this_month = month.contains(m.last_changed);
        match m.status {
            MemberStatus::Subscribed => churn.recipients += 1,
            MemberStatus::Unsubscribed if left_this_month => {
                churn.recipients += 1;
                churn.unsubscribes += 1;
            }
            MemberStatus::Cleaned if left_this_month => churn.recipients += 1,
            _ => {}
        }
    }
    Some(churn)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::campaign::CampaignStatus;

    fn ts(s: &str) -> Timestamp {
        s.parse().expect("timestamp")
    }

    fn member(id: &str, status: MemberStatus, changed: &str) -> (String, Member) {
        let m = Member {
            id: id.into(),
            email: format!("{id}@example.com"),
            status,
            last_changed: ts(changed),
        };
        (id.to_string(), m)
    }

    fn sent(list: &str, at: &str) -> Campaign {
        Campaign {
            id: "c1".into(),
            web_id: None,
            kind: "regular".into(),
            status: CampaignStatus::Sent,
            title: "Nov newsletter".into(),
            subject: String::new(),
            from_name: String::new(),
            list_id: list.into(),
            list_name: String::new(),
            recipient_count: 0,
            create_time: None,
            send_time: Some(ts(at)),
            emails_sent: 0,
            report: None,
        }
    }

    fn november() -> Month {
        Month::containing(ts("2026-11-22T16:00:00Z"), &TimeZone::UTC).expect("month")
    }

    #[test]
    fn romi_needs_a_positive_cost() {
        assert_eq!(romi(5_000.0, 1_000.0), Some(4.0));
        assert_eq!(romi(500.0, 1_000.0), Some(-0.5));
        assert_eq!(romi(0.0, 1_000.0), Some(-1.0));
        assert_eq!(romi(5_000.0, 0.0), None);
        assert_eq!(romi(5_000.0, -10.0), None);
        assert_eq!(romi(f64::NAN, 10.0), None);
    }

    #[test]
    fn month_bounds_follow_the_time_zone() {
        let m = november();
        assert_eq!(m.start, ts("2026-11-01T00:00:00Z"));
        assert_eq!(m.end, ts("2026-12-01T00:00:00Z"));
        assert!(!m.contains(m.end));
        let ny = TimeZone::get("America/New_York").expect("tz");
        // 02:00 UTC on 1 Dec is still November in New York.
        let m = Month::containing(ts("2026-12-01T02:00:00Z"), &ny).expect("month");
        assert_eq!(m.start, ts("2026-11-01T04:00:00Z"));
    }

    #[test]
    fn churn_counts_this_months_leavers_over_everyone_mailed() {
        let members: BTreeMap<_, _> = [
            member("a", MemberStatus::Subscribed, "2026-01-05T00:00:00Z"),
            member("b", MemberStatus::Subscribed, "2026-11-10T00:00:00Z"),
            member("c", MemberStatus::Unsubscribed, "2026-11-12T00:00:00Z"),
            member("d", MemberStatus::Unsubscribed, "2026-10-30T00:00:00Z"), // left last month
            member("e", MemberStatus::Cleaned, "2026-11-03T00:00:00Z"),
            member("f", MemberStatus::Pending, "2026-11-03T00:00:00Z"),
        ]
        .into_iter()
        .collect();
        let churn = monthly_churn("L1", &members, &[sent("L1", "2026-11-02T09:00:00Z")], november()).expect("mailed");
        assert_eq!(
            churn,
            Churn {
                unsubscribes: 1,
                recipients: 4
            }
        );
        assert_eq!(churn.rate(), Some(0.25));
    }

    #[test]
    fn no_churn_without_a_send_or_recipients() {
        let members: BTreeMap<_, _> = [member("a", MemberStatus::Subscribed, "2026-01-05T00:00:00Z")]
            .into_iter()
            .collect();
        // Sent to another audience, or last month: this audience was not mailed.
        assert_eq!(
            monthly_churn("L1", &members, &[sent("L2", "2026-11-02T09:00:00Z")], november()),
            None
        );
        assert_eq!(
            monthly_churn("L1", &members, &[sent("L1", "2026-10-02T09:00:00Z")], november()),
            None
        );
        // Mailed, but nobody left in the audience: a count, no rate.
        let empty = BTreeMap::new();
        let churn = monthly_churn("L1", &empty, &[sent("L1", "2026-11-02T09:00:00Z")], november()).expect("mailed");
        assert_eq!(churn.rate(), None);
    }
}
