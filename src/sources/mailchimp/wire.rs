//! Mailchimp's JSON as it arrives, read leniently (every field optional, nulls
//! and numbers-as-strings accepted), and its mapping onto the model. A record
//! that lacks what the model cannot do without becomes `None`, never a panic.

use jiff::Timestamp;
use serde::{Deserialize, Deserializer};

use crate::model::{Audience, Campaign, CampaignReport, CampaignStatus, Member, MemberStatus};

/// `fields` for `GET /campaigns`: only what [`Campaign`] needs.
pub(super) const CAMPAIGN_FIELDS: &str = "campaigns.id,campaigns.web_id,campaigns.type,campaigns.status,\
campaigns.create_time,campaigns.send_time,campaigns.emails_sent,campaigns.settings.subject_line,\
campaigns.settings.title,campaigns.settings.from_name,campaigns.recipients.list_id,\
campaigns.recipients.list_name,campaigns.recipients.recipient_count,total_items";

/// `fields` for `GET /reports`.
pub(super) const REPORT_LIST_FIELDS: &str = "reports.id,reports.emails_sent,reports.unsubscribed,\
reports.abuse_reports,reports.opens.unique_opens,reports.opens.open_rate,\
reports.clicks.unique_subscriber_clicks,reports.clicks.click_rate,reports.bounces.hard_bounces,\
reports.bounces.soft_bounces,reports.bounces.syntax_errors,total_items";

/// `fields` for `GET /reports/{id}`.
pub(super) const REPORT_FIELDS: &str = "id,emails_sent,unsubscribed,abuse_reports,opens.unique_opens,\
opens.open_rate,clicks.unique_subscriber_clicks,clicks.click_rate,bounces.hard_bounces,\
bounces.soft_bounces,bounces.syntax_errors";

/// `fields` for `GET /lists`.
pub(super) const LIST_FIELDS: &str =
    "lists.id,lists.name,lists.stats.member_count,lists.stats.unsubscribe_count,lists.stats.cleaned_count,total_items";

/// `fields` for `GET /lists/{id}/members`.
pub(super) const MEMBER_FIELDS: &str =
    "members.id,members.email_address,members.status,members.last_changed,total_items";

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(in crate::sources) struct WireCampaign {
    id: Option<String>,
    #[serde(deserialize_with = "lenient_u64")]
    web_id: Option<u64>,
    #[serde(rename = "type")]
    kind: Option<String>,
    status: Option<String>,
    create_time: Option<String>,
    send_time: Option<String>,
    #[serde(deserialize_with = "lenient_u64")]
    emails_sent: Option<u64>,
    settings: Option<WireSettings>,
    recipients: Option<WireRecipients>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct WireSettings {
    subject_line: Option<String>,
    title: Option<String>,
    from_name: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct WireRecipients {
    list_id: Option<String>,
    list_name: Option<String>,
    #[serde(deserialize_with = "lenient_u64")]
    recipient_count: Option<u64>,
}

/// A campaign, or `None` without an id or with a status the model does not know.
pub(in crate::sources) fn campaign(w: WireCampaign) -> Option<Campaign> {
    let id = non_empty(w.id)?;
    let status = w.status.as_deref().and_then(campaign_status)?;
    let settings = w.settings.unwrap_or_default();
    let recipients = w.recipients.unwrap_or_default();
    Some(Campaign {
        id,
        web_id: w.web_id,
        kind: w.kind.unwrap_or_default(),
        status,
        title: settings.title.unwrap_or_default(),
        subject: settings.subject_line.unwrap_or_default(),
        from_name: settings.from_name.unwrap_or_default(),
        list_id: recipients.list_id.unwrap_or_default(),
        list_name: recipients.list_name.unwrap_or_default(),
        recipient_count: recipients.recipient_count.unwrap_or(0),
        create_time: time(w.create_time.as_deref()),
        send_time: time(w.send_time.as_deref()),
        emails_sent: w.emails_sent.unwrap_or(0),
        report: None,
    })
}

fn campaign_status(s: &str) -> Option<CampaignStatus> {
    serde_json::from_value(serde_json::Value::String(s.to_ascii_lowercase())).ok()
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(in crate::sources) struct WireReport {
    id: Option<String>,
    #[serde(deserialize_with = "lenient_u64")]
    emails_sent: Option<u64>,
    #[serde(deserialize_with = "lenient_u64")]
    unsubscribed: Option<u64>,
    #[serde(deserialize_with = "lenient_u64")]
    abuse_reports: Option<u64>,
    opens: Option<WireOpens>,
    clicks: Option<WireClicks>,
    bounces: Option<WireBounces>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct WireOpens {
    #[serde(deserialize_with = "lenient_u64")]
    unique_opens: Option<u64>,
    #[serde(deserialize_with = "lenient_f64")]
    open_rate: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct WireClicks {
    #[serde(deserialize_with = "lenient_u64")]
    unique_subscriber_clicks: Option<u64>,
    #[serde(deserialize_with = "lenient_f64")]
    click_rate: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct WireBounces {
    #[serde(deserialize_with = "lenient_u64")]
    hard_bounces: Option<u64>,
    #[serde(deserialize_with = "lenient_u64")]
    soft_bounces: Option<u64>,
    #[serde(deserialize_with = "lenient_u64")]
    syntax_errors: Option<u64>,
}

/// A report keyed by its campaign id, or `None` without an id.
pub(in crate::sources) fn report(w: WireReport) -> Option<(String, CampaignReport)> {
    let id = non_empty(w.id)?;
    let opens = w.opens.unwrap_or_default();
    let clicks = w.clicks.unwrap_or_default();
    let bounces = w.bounces.unwrap_or_default();
    Some((
        id,
        CampaignReport {
            emails_sent: w.emails_sent.unwrap_or(0),
            unsubscribed: w.unsubscribed.unwrap_or(0),
            abuse_reports: w.abuse_reports.unwrap_or(0),
            unique_opens: opens.unique_opens.unwrap_or(0),
            open_rate: rate(opens.open_rate),
            unique_subscriber_clicks: clicks.unique_subscriber_clicks.unwrap_or(0),
            click_rate: rate(clicks.click_rate),
            hard_bounces: bounces.hard_bounces.unwrap_or(0),
            soft_bounces: bounces.soft_bounces.unwrap_or(0),
            syntax_errors: bounces.syntax_errors.unwrap_or(0),
        },
    ))
}

/// A rate as reported, kept to 0.0..=1.0 (a NaN or negative is no rate at all).
fn rate(r: Option<f64>) -> f64 {
    r.filter(|r| r.is_finite()).unwrap_or(0.0).clamp(0.0, 1.0)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(in crate::sources) struct WireList {
    id: Option<String>,
    name: Option<String>,
    stats: Option<WireListStats>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct WireListStats {
    #[serde(deserialize_with = "lenient_u64")]
    member_count: Option<u64>,
    #[serde(deserialize_with = "lenient_u64")]
    unsubscribe_count: Option<u64>,
    #[serde(deserialize_with = "lenient_u64")]
    cleaned_count: Option<u64>,
}

pub(in crate::sources) fn audience(w: WireList) -> Option<Audience> {
    let id = non_empty(w.id)?;
    let stats = w.stats.unwrap_or_default();
    Some(Audience {
        name: w.name.unwrap_or_default(),
        id,
        member_count: stats.member_count.unwrap_or(0),
        unsubscribe_count: stats.unsubscribe_count.unwrap_or(0),
        cleaned_count: stats.cleaned_count.unwrap_or(0),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(in crate::sources) struct WireMember {
    id: Option<String>,
    email_address: Option<String>,
    status: Option<String>,
    last_changed: Option<String>,
}

/// A member, or `None` without an id, an address, a known status or a readable
/// `last_changed` (incremental sync depends on it).
pub(in crate::sources) fn member(w: WireMember) -> Option<Member> {
    let status: MemberStatus =
        serde_json::from_value(serde_json::Value::String(w.status?.to_ascii_lowercase())).ok()?;
    Some(Member {
        id: non_empty(w.id)?,
        email: non_empty(w.email_address)?,
        status,
        last_changed: time(w.last_changed.as_deref())?,
    })
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.trim().is_empty())
}

/// Mailchimp's times (`2015-09-15T17:27:16+00:00`); unsent campaigns carry `""`.
fn time(s: Option<&str>) -> Option<Timestamp> {
    s.map(str::trim).filter(|s| !s.is_empty())?.parse().ok()
}

/// A count as a number, a float or a numeric string; anything else is no count.
fn lenient_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite() && *f >= 0.0)
                .map(|f| f.round() as u64)
        }),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    })
}

fn lenient_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn read<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> T {
        serde_json::from_value(v).expect("lenient types read any object")
    }

    #[test]
    fn a_full_campaign_maps_every_field() {
        let c = campaign(read(json!({
            "id": "42694e9e57", "web_id": 5, "type": "regular", "status": "sent",
            "create_time": "2026-11-01T10:00:00+00:00", "send_time": "2026-11-02T09:00:00+00:00",
            "emails_sent": 1200,
            "settings": {"subject_line": "Save 30%", "title": "Black Friday teaser", "from_name": "Shop"},
            "recipients": {"list_id": "b1", "list_name": "Customers", "recipient_count": 1210}
        })))
        .expect("campaign");
        assert_eq!(c.id, "42694e9e57");
        assert_eq!(c.web_id, Some(5));
        assert_eq!((c.kind.as_str(), c.status), ("regular", CampaignStatus::Sent));
        assert_eq!(
            (c.title.as_str(), c.subject.as_str(), c.from_name.as_str()),
            ("Black Friday teaser", "Save 30%", "Shop")
        );
        assert_eq!(
            (c.list_id.as_str(), c.list_name.as_str(), c.recipient_count),
            ("b1", "Customers", 1210)
        );
        assert_eq!(c.send_time, Some("2026-11-02T09:00:00Z".parse().unwrap()));
        assert_eq!(c.emails_sent, 1200);
    }

    #[test]
    fn a_draft_with_nulls_and_empty_times_still_maps() {
        let c = campaign(read(json!({
            "id": "d1", "status": "save", "send_time": "", "create_time": null,
            "settings": null, "recipients": {"list_id": null, "recipient_count": "12"},
            "emails_sent": null, "web_id": "x"
        })))
        .expect("campaign");
        assert_eq!((c.send_time, c.create_time, c.web_id), (None, None, None));
        assert_eq!((c.recipient_count, c.emails_sent), (12, 0));
        assert_eq!(c.display_name(), "d1");
    }

    #[test]
    fn campaigns_without_id_or_known_status_are_skipped() {
        assert!(campaign(read(json!({"status": "sent"}))).is_none());
        assert!(campaign(read(json!({"id": "a", "status": "teleported"}))).is_none());
        assert!(campaign(read(json!({"id": "a"}))).is_none());
    }

    #[test]
    fn reports_map_the_nested_figures() {
        let (id, r) = report(read(json!({
            "id": "c1", "emails_sent": 1000, "unsubscribed": 7, "abuse_reports": 1,
            "opens": {"unique_opens": 420, "open_rate": 0.42},
            "clicks": {"unique_subscriber_clicks": 55, "click_rate": 0.055},
            "bounces": {"hard_bounces": 30, "soft_bounces": 12, "syntax_errors": 3}
        })))
        .expect("report");
        assert_eq!(id, "c1");
        assert_eq!(
            r,
            CampaignReport {
                emails_sent: 1000,
                unsubscribed: 7,
                abuse_reports: 1,
                unique_opens: 420,
                open_rate: 0.42,
                unique_subscriber_clicks: 55,
                click_rate: 0.055,
                hard_bounces: 30,
                soft_bounces: 12,
                syntax_errors: 3,
            }
        );
        assert_eq!(r.bounce_rate(), Some(0.045));
    }

    #[test]
    fn broken_rates_do_not_leak_nonsense() {
        let (_, r) = report(read(
            json!({"id": "c", "opens": {"open_rate": -3}, "clicks": {"click_rate": "7"}}),
        ))
        .expect("report");
        assert_eq!((r.open_rate, r.click_rate), (0.0, 1.0));
    }

    #[test]
    fn members_need_id_email_status_and_time() {
        let ok = json!({"id": "h1", "email_address": "a@x.io", "status": "Unsubscribed",
            "last_changed": "2026-11-20T08:00:00+00:00"});
        let m = member(read(ok.clone())).expect("member");
        assert_eq!(m.status, MemberStatus::Unsubscribed);
        assert_eq!(m.last_changed, "2026-11-20T08:00:00Z".parse().unwrap());
        for missing in ["id", "email_address", "status", "last_changed"] {
            let mut v = ok.clone();
            v[missing] = serde_json::Value::Null;
            assert!(member(read(v)).is_none(), "{missing}");
        }
        let mut v = ok;
        v["status"] = json!("frozen");
        assert!(member(read(v)).is_none());
    }

    #[test]
    fn audiences_tolerate_missing_stats() {
        let a = audience(read(json!({"id": "l1", "name": "Newsletter"}))).expect("audience");
        assert_eq!((a.member_count, a.unsubscribe_count, a.cleaned_count), (0, 0, 0));
        let a = audience(read(
            json!({"id": "l1", "stats": {"member_count": 10, "unsubscribe_count": 2, "cleaned_count": 1}}),
        ))
        .expect("audience");
        assert_eq!((a.member_count, a.unsubscribe_count, a.cleaned_count), (10, 2, 1));
    }
}
