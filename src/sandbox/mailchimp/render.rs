//! Records as Mailchimp's JSON. `_links` arrays are left out (the API allows
//! clients to exclude them and mops never follows them).

use jiff::Timestamp;
use serde_json::{Value, json};

use super::store::{Campaign, List, MailchimpData, Member, MemberStatus, Report, rate};

/// Mailchimp's time format: `2025-03-14T09:21:33+00:00`.
pub(crate) fn time(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S+00:00").to_string()
}

/// Unset times are empty strings in Mailchimp's responses, never null.
fn opt_time(t: Option<Timestamp>) -> String {
    t.map(time).unwrap_or_default()
}

/// Rates rounded the way Mailchimp prints them.
fn r4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

pub(crate) fn campaign(data: &MailchimpData, c: &Campaign) -> Value {
    let list_name = data.list_name(&c.list_id);
    let archive = format!("https://us21.campaign-archive.example/?u=acme&id={}", c.id);
    let mut body = json!({
        "id": c.id,
        "web_id": c.web_id,
        "parent_campaign_id": c.parent_campaign_id.clone().unwrap_or_default(),
        "type": c.kind.key(),
        "create_time": time(c.create_time),
        "archive_url": archive,
        "long_archive_url": archive,
        "status": c.status.key(),
        "emails_sent": c.emails_sent,
        "send_time": opt_time(c.send_time),
        "content_type": if c.kind == super::store::CampaignType::Plaintext { "multichannel" } else { "template" },
        "needs_block_refresh": false,
        "resendable": c.status == super::store::Status::Sent,
        "recipients": {
            "list_id": c.list_id,
            "list_is_active": true,
            "list_name": list_name,
            "segment_text": "",
            "recipient_count": c.recipient_count,
        },
        "settings": {
            "subject_line": c.subject,
            "preview_text": c.preview_text,
            "title": c.title,
            "from_name": c.from_name,
            "reply_to": c.reply_to,
            "use_conversation": false,
            "to_name": "*|FNAME|*",
            "folder_id": "",
            "authenticate": true,
            "auto_footer": false,
            "inline_css": false,
            "auto_tweet": false,
            "fb_comments": false,
            "timewarp": c.timewarp,
            "template_id": 0,
            "drag_and_drop": true,
        },
        "tracking": {
            "opens": true,
            "html_clicks": true,
            "text_clicks": false,
            "goal_tracking": false,
            "ecomm360": false,
            "google_analytics": "",
            "clicktale": "",
        },
        "delivery_status": { "enabled": false },
    });
    if let Some(rss) = &c.rss {
        body["rss_opts"] = json!({
            "feed_url": rss.feed_url,
            "frequency": rss.frequency,
            "schedule": {
                "hour": rss.hour,
                "daily_send": {
                    "sunday": false, "monday": true, "tuesday": true, "wednesday": true,
                    "thursday": true, "friday": true, "saturday": false,
                },
                "weekly_send_day": "monday",
                "monthly_send_date": 1,
            },
            "last_sent": opt_time(rss.last_sent),
            "constrain_rss_img": true,
        });
    }
    if let Some(r) = &c.report {
        body["report_summary"] = json!({
            "opens": r.opens_total,
            "unique_opens": r.unique_opens,
            "open_rate": r4(r.open_rate(c.emails_sent)),
            "clicks": r.clicks_total,
            "subscriber_clicks": r.unique_subscriber_clicks,
            "click_rate": r4(r.click_rate(c.emails_sent)),
            "ecommerce": { "total_orders": 0, "total_spent": 0, "total_revenue": 0 },
        });
    }
    body
}

/// `GET /reports/{id}`; `None` for a campaign that has sent nothing.
pub(crate) fn report(data: &MailchimpData, c: &Campaign) -> Option<Value> {
    let r: &Report = c.report.as_ref()?;
    let list = data.list(&c.list_id);
    let sent = c.emails_sent;
    let list_stats = list.map_or_else(
        || json!({ "sub_rate": 0, "unsub_rate": 0, "open_rate": 0, "click_rate": 0 }),
        |l| {
            json!({
                "sub_rate": r4(l.count(MemberStatus::Subscribed) as f64 / 365.0),
                "unsub_rate": r4(l.count(MemberStatus::Unsubscribed) as f64 / 365.0),
                "open_rate": l.avg_open_rate,
                "click_rate": l.avg_click_rate,
            })
        },
    );
    let mut body = json!({
        "id": c.id,
        "campaign_title": c.title,
        "type": c.kind.key(),
        "list_id": c.list_id,
        "list_is_active": true,
        "list_name": data.list_name(&c.list_id),
        "subject_line": c.subject,
        "preview_text": c.preview_text,
        "emails_sent": sent,
        "abuse_reports": r.abuse_reports,
        "unsubscribed": r.unsubscribed,
        "send_time": opt_time(c.send_time),
        "bounces": {
            "hard_bounces": r.hard_bounces,
            "soft_bounces": r.soft_bounces,
            "syntax_errors": r.syntax_errors,
        },
        "forwards": { "forwards_count": r.forwards, "forwards_opens": r.forwards / 2 },
        "opens": {
            "opens_total": r.opens_total,
            "proxy_excluded_opens": r.opens_total * 7 / 10,
            "unique_opens": r.unique_opens,
            "proxy_excluded_unique_opens": r.unique_opens * 7 / 10,
            "open_rate": r4(r.open_rate(sent)),
            "proxy_excluded_open_rate": r4(rate(r.unique_opens * 7 / 10, r.delivered(sent))),
            "last_open": opt_time(r.last_open),
        },
        "clicks": {
            "clicks_total": r.clicks_total,
            "unique_clicks": r.unique_clicks,
            "unique_subscriber_clicks": r.unique_subscriber_clicks,
            "click_rate": r4(r.click_rate(sent)),
            "last_click": opt_time(r.last_click),
        },
        "facebook_likes": { "recipient_likes": 0, "unique_likes": 0, "facebook_likes": 0 },
        "industry_stats": {
            "type": "Software and Web App",
            "open_rate": 0.2134,
            "click_rate": 0.0261,
            "bounce_rate": 0.0087,
            "unopen_rate": 0.7866,
            "unsub_rate": 0.0021,
            "abuse_rate": 0.0001,
        },
        "list_stats": list_stats,
        "timewarp": [],
        "timeseries": [],
        "ecommerce": { "total_orders": 0, "total_spent": 0, "total_revenue": 0, "currency_code": "USD" },
        "delivery_status": { "enabled": false },
    });
    if let Some(rss) = &c.rss {
        body["rss_last_send"] = json!(opt_time(rss.last_sent));
    }
    Some(body)
}

pub(crate) fn list(data: &MailchimpData, l: &List) -> Value {
    let last_changed = |status: MemberStatus| {
        l.members
            .iter()
            .filter(|m| m.status == status)
            .map(|m| m.last_changed)
            .max()
    };
    let campaigns: Vec<&Campaign> = data.campaigns.iter().filter(|c| c.list_id == l.id).collect();
    let last_sent = campaigns
        .iter()
        .filter(|c| c.emails_sent > 0)
        .filter_map(|c| c.send_time)
        .max();
    json!({
        "id": l.id,
        "web_id": l.web_id,
        "name": l.name,
        "contact": {
            "company": "Acme Inc.",
            "address1": "1 Example Way",
            "address2": "",
            "city": "Springfield",
            "state": "",
            "zip": "00000",
            "country": "US",
            "phone": "",
        },
        "permission_reminder": "You are receiving this email because you opted in via our website.",
        "use_archive_bar": true,
        "campaign_defaults": {
            "from_name": l.from_name,
            "from_email": l.from_email,
            "subject": l.subject,
            "language": "en",
        },
        "notify_on_subscribe": "",
        "notify_on_unsubscribe": "",
        "date_created": time(l.date_created),
        "list_rating": 3,
        "email_type_option": false,
        "subscribe_url_short": format!("https://eepurl.example/{}", &l.id[..6]),
        "subscribe_url_long": format!("https://acme.us21.list-manage.example/subscribe?id={}", l.id),
        "beamer_address": "",
        "visibility": "prv",
        "double_optin": false,
        "has_welcome": false,
        "marketing_permissions": false,
        "modules": [],
        "stats": {
            "member_count": l.count(MemberStatus::Subscribed),
            "total_contacts": l.members.len(),
            "unsubscribe_count": l.count(MemberStatus::Unsubscribed),
            "cleaned_count": l.count(MemberStatus::Cleaned),
            "member_count_since_send": 0,
            "unsubscribe_count_since_send": 0,
            "cleaned_count_since_send": 0,
            "campaign_count": campaigns.len(),
            "campaign_last_sent": opt_time(last_sent),
            "merge_field_count": 5,
            "avg_sub_rate": 0,
            "avg_unsub_rate": 0,
            "target_sub_rate": 0,
            "open_rate": l.avg_open_rate,
            "click_rate": l.avg_click_rate,
            "last_sub_date": opt_time(last_changed(MemberStatus::Subscribed)),
            "last_unsub_date": opt_time(last_changed(MemberStatus::Unsubscribed)),
        },
    })
}

pub(crate) fn member(list_id: &str, m: &Member) -> Value {
    let mut body = json!({
        "id": m.id,
        "email_address": m.email,
        "unique_email_id": m.unique_email_id,
        "contact_id": m.unique_email_id,
        "full_name": format!("{} {}", m.first_name, m.last_name),
        "web_id": m.web_id,
        "email_type": "html",
        "status": m.status.key(),
        "consents_to_one_to_one_messaging": true,
        "merge_fields": {
            "FNAME": m.first_name,
            "LNAME": m.last_name,
            "ADDRESS": "",
            "PHONE": "",
            "BIRTHDAY": "",
        },
        "stats": { "avg_open_rate": m.avg_open_rate, "avg_click_rate": m.avg_click_rate },
        "ip_signup": "",
        "timestamp_signup": "",
        "ip_opt": "192.0.2.10",
        "timestamp_opt": time(m.timestamp_opt),
        "member_rating": m.member_rating,
        "last_changed": time(m.last_changed),
        "language": "en",
        "vip": false,
        "email_client": "",
        "location": {
            "latitude": 0, "longitude": 0, "gmtoff": 0, "dstoff": 0,
            "country_code": "", "timezone": "", "region": "",
        },
        "source": "API - Generic",
        "tags_count": 0,
        "tags": [],
        "list_id": list_id,
    });
    if let Some(reason) = &m.unsubscribe_reason {
        body["unsubscribe_reason"] = json!(reason);
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_use_mailchimps_offset_form() {
        let t: Timestamp = "2025-03-14T09:21:33Z".parse().unwrap();
        assert_eq!(time(t), "2025-03-14T09:21:33+00:00");
        assert_eq!(opt_time(None), "");
    }
}
