//! The sandbox's Mailchimp data endpoints: campaigns, reports, audiences and
//! members, paged, filtered and trimmed exactly as Mailchimp does, over
//! seeded data with every stage, every member status and the planted problems.

mod sandbox_support;

use std::collections::{BTreeMap, HashSet};

use jiff::Timestamp;
use mops::sandbox::{self, SandboxOptions};
use reqwest::Method;
use sandbox_support::*;
use serde_json::{Value, json};

fn items<'a>(body: &'a Value, key: &str) -> &'a Vec<Value> {
    body[key]
        .as_array()
        .unwrap_or_else(|| panic!("no {key} array in {body}"))
}

fn ts(value: &Value) -> Timestamp {
    value.as_str().unwrap().parse().unwrap()
}

fn ids(body: &Value, key: &str) -> Vec<String> {
    items(body, key)
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn campaign_paging_is_exact() {
    let sb = start(11).await;
    let c = client();
    let all = mailchimp_json(&c, &sb, "/campaigns?count=1000").await;
    assert_eq!(all["total_items"], 40);
    let every = ids(&all, "campaigns");
    assert_eq!(every.len(), 40);
    assert_eq!(every.iter().collect::<HashSet<_>>().len(), 40, "ids are unique");

    let first = mailchimp_json(&c, &sb, "/campaigns").await;
    assert_eq!(ids(&first, "campaigns"), every[..10], "count defaults to 10");
    assert_eq!(first["total_items"], 40);

    let mut paged = Vec::new();
    for offset in (0..40).step_by(7) {
        let page = mailchimp_json(&c, &sb, &format!("/campaigns?count=7&offset={offset}")).await;
        assert_eq!(page["total_items"], 40);
        paged.extend(ids(&page, "campaigns"));
    }
    assert_eq!(paged, every);

    let tail = mailchimp_json(&c, &sb, "/campaigns?count=10&offset=35").await;
    assert_eq!(ids(&tail, "campaigns"), every[35..]);
    let past = mailchimp_json(&c, &sb, "/campaigns?offset=500").await;
    assert!(items(&past, "campaigns").is_empty());
    assert_eq!(past["total_items"], 40);
    sb.shutdown().await;
}

#[tokio::test]
async fn count_over_1000_and_bad_filters_are_400_problems() {
    let sb = start(11).await;
    let c = client();
    for (path, field) in [
        ("/campaigns?count=1001", "count"),
        ("/lists?count=5000", "count"),
        ("/reports?count=1001", "count"),
        ("/campaigns?offset=minus", "offset"),
        ("/campaigns?status=done", "status"),
        ("/campaigns?sort_field=title", "sort_field"),
        ("/campaigns?sort_dir=UP", "sort_dir"),
        ("/campaigns?since_send_time=yesterday", "since_send_time"),
    ] {
        let response = mailchimp(&c, &sb, path).send().await.unwrap();
        let body = mailchimp_problem(response, 400, "Invalid Resource").await;
        assert_eq!(body["errors"][0]["field"], field, "{path}: {body}");
        assert!(!body["errors"][0]["message"].as_str().unwrap().is_empty());
    }
    let list_id = items(&mailchimp_json(&c, &sb, "/lists").await, "lists")[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let response = mailchimp(&c, &sb, &format!("/lists/{list_id}/members?count=1001"))
        .send()
        .await
        .unwrap();
    mailchimp_problem(response, 400, "Invalid Resource").await;
    sb.shutdown().await;
}

#[tokio::test]
async fn fields_and_exclude_fields_trim_exactly() {
    let sb = start(12).await;
    let c = client();
    let all = mailchimp_json(&c, &sb, "/campaigns?count=3").await;
    let trimmed = mailchimp_json(
        &c,
        &sb,
        "/campaigns?count=3&fields=campaigns.id,campaigns.settings.title,total_items",
    )
    .await;
    let expected: Vec<Value> = items(&all, "campaigns")
        .iter()
        .map(|c| json!({ "id": c["id"], "settings": { "title": c["settings"]["title"] } }))
        .collect();
    assert_eq!(trimmed, json!({ "campaigns": expected, "total_items": 40 }));

    let excluded = mailchimp_json(
        &c,
        &sb,
        "/campaigns?count=3&exclude_fields=campaigns.settings,campaigns.tracking,total_items",
    )
    .await;
    let mut expected = all.clone();
    expected.as_object_mut().unwrap().remove("total_items");
    for campaign in expected["campaigns"].as_array_mut().unwrap() {
        let campaign = campaign.as_object_mut().unwrap();
        campaign.remove("settings");
        campaign.remove("tracking");
    }
    assert_eq!(excluded, expected);

    // On a single resource too.
    let id = all["campaigns"][0]["id"].as_str().unwrap();
    let one = mailchimp_json(&c, &sb, &format!("/campaigns/{id}?fields=id,recipients.list_name")).await;
    assert_eq!(
        one,
        json!({ "id": id, "recipients": { "list_name": all["campaigns"][0]["recipients"]["list_name"] } })
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn campaigns_cover_every_stage_as_mailchimp_shows_them() {
    let sb = start(13).await;
    let c = client();
    let now = Timestamp::now();
    let all = mailchimp_json(&c, &sb, "/campaigns?count=1000").await;
    let campaigns = items(&all, "campaigns");
    let mut by_status: BTreeMap<(String, String), usize> = BTreeMap::new();
    for campaign in campaigns {
        let key = (
            campaign["status"].as_str().unwrap().to_owned(),
            campaign["type"].as_str().unwrap().to_owned(),
        );
        *by_status.entry(key).or_default() += 1;
        for field in ["id", "web_id", "create_time", "emails_sent", "send_time"] {
            assert!(!campaign[field].is_null(), "{field} missing: {campaign}");
        }
        let title = campaign["settings"]["title"].as_str().unwrap();
        assert!(!title.is_empty() && !campaign["settings"]["from_name"].as_str().unwrap().is_empty());
        assert!(
            campaign["recipients"]["recipient_count"].as_u64().unwrap() > 0,
            "{title}"
        );
        assert!(!campaign["recipients"]["list_name"].as_str().unwrap().is_empty());
        assert!(ts(&campaign["create_time"]) <= now);
        match campaign["status"].as_str().unwrap() {
            "save" => {
                assert_eq!(campaign["send_time"], "", "{title}");
                assert!(campaign.get("report_summary").is_none(), "{title}");
            }
            "schedule" => {
                let at = ts(&campaign["send_time"]);
                assert!(at > now, "{title} scheduled in the past: {at}");
                assert_eq!(at.as_second() % 900, 0, "{title} not on a quarter hour: {at}");
            }
            "sent" => {
                assert!(ts(&campaign["send_time"]) <= now);
                assert_eq!(campaign["emails_sent"], campaign["recipients"]["recipient_count"]);
                let summary = &campaign["report_summary"];
                let open_rate = summary["open_rate"].as_f64().unwrap();
                assert!(open_rate > 0.0 && open_rate < 1.0, "{title}: {summary}");
                assert!(summary["unique_opens"].as_u64().unwrap() <= summary["opens"].as_u64().unwrap());
            }
            _ => {}
        }
    }
    let count = |status: &str, kind: &str| by_status.get(&(status.into(), kind.into())).copied().unwrap_or(0);
    assert_eq!(count("sending", "regular"), 1, "{by_status:?}");
    assert_eq!(count("sending", "rss"), 2, "{by_status:?}");
    assert_eq!(count("paused", "rss"), 2, "{by_status:?}");
    assert_eq!(count("canceled", "regular"), 2, "{by_status:?}");
    assert_eq!(count("schedule", "regular"), 5, "{by_status:?}");
    assert_eq!(
        count("save", "regular") + count("save", "plaintext"),
        8,
        "{by_status:?}"
    );
    assert_eq!(count("sent", "regular"), 20, "{by_status:?}");

    // The stuck send started hours ago.
    let stuck = mailchimp_json(&c, &sb, "/campaigns?status=sending&type=regular").await;
    let started = ts(&stuck["campaigns"][0]["send_time"]);
    assert!(now.duration_since(started).as_hours() >= 2, "{started}");

    // Some sends this month.
    let month = now.to_zoned(jiff::tz::TimeZone::UTC).date().first_of_month();
    let month = month.to_zoned(jiff::tz::TimeZone::UTC).unwrap().timestamp();
    let this_month = campaigns
        .iter()
        .filter(|c| c["status"] == "sent" && ts(&c["send_time"]) >= month)
        .count();
    assert!(this_month >= 5, "{this_month}");
    sb.shutdown().await;
}

#[tokio::test]
async fn campaign_filters_and_sorting() {
    let sb = start(14).await;
    let c = client();
    let all = mailchimp_json(&c, &sb, "/campaigns?count=1000").await;
    let campaigns = items(&all, "campaigns");

    let saved = mailchimp_json(&c, &sb, "/campaigns?status=save&count=1000").await;
    assert_eq!(saved["total_items"], 8);
    assert!(items(&saved, "campaigns").iter().all(|c| c["status"] == "save"));
    let rss = mailchimp_json(&c, &sb, "/campaigns?type=rss").await;
    assert_eq!(rss["total_items"], 4);

    let list_id = campaigns[0]["recipients"]["list_id"].as_str().unwrap();
    let on_list = mailchimp_json(&c, &sb, &format!("/campaigns?list_id={list_id}&count=1000")).await;
    let expected = campaigns
        .iter()
        .filter(|c| c["recipients"]["list_id"] == list_id)
        .count();
    assert_eq!(on_list["total_items"], expected);

    // since_send_time with the `+` unencoded, as many clients send it.
    let cut = "2000-01-01T00:00:00+00:00";
    let since = mailchimp_json(&c, &sb, &format!("/campaigns?since_send_time={cut}&count=1000")).await;
    let with_send_time = campaigns.iter().filter(|c| c["send_time"] != "").count();
    assert_eq!(since["total_items"], with_send_time);
    let sent = campaigns
        .iter()
        .filter(|c| c["status"] == "sent")
        .map(|c| ts(&c["send_time"]));
    let median = {
        let mut times: Vec<Timestamp> = sent.collect();
        times.sort();
        times[times.len() / 2]
    };
    let before = mailchimp_json(
        &c,
        &sb,
        &format!(
            "/campaigns?status=sent&before_send_time={}&count=1000",
            median.strftime("%Y-%m-%dT%H:%M:%S%%2B00:00")
        ),
    )
    .await;
    assert_eq!(before["total_items"], 10);
    assert!(items(&before, "campaigns").iter().all(|c| ts(&c["send_time"]) < median));
    let created = mailchimp_json(
        &c,
        &sb,
        &format!(
            "/campaigns?since_create_time={}&count=1000",
            median.strftime("%Y-%m-%dT%H:%M:%SZ")
        ),
    )
    .await;
    assert!(
        items(&created, "campaigns")
            .iter()
            .all(|c| ts(&c["create_time"]) >= median)
    );

    let desc = mailchimp_json(
        &c,
        &sb,
        "/campaigns?status=sent&sort_field=send_time&sort_dir=DESC&count=1000",
    )
    .await;
    let times: Vec<Timestamp> = items(&desc, "campaigns").iter().map(|c| ts(&c["send_time"])).collect();
    assert_eq!(times.len(), 20);
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "{times:?}");
    let asc = mailchimp_json(&c, &sb, "/campaigns?sort_field=create_time&sort_dir=ASC&count=1000").await;
    let times: Vec<Timestamp> = items(&asc, "campaigns").iter().map(|c| ts(&c["create_time"])).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    sb.shutdown().await;
}

#[tokio::test]
async fn reports_hold_the_planted_threshold_crossings() {
    let sb = start(15).await;
    let c = client();
    let campaigns = mailchimp_json(&c, &sb, "/campaigns?count=1000").await;
    let with_sends: HashSet<String> = items(&campaigns, "campaigns")
        .iter()
        .filter(|c| c["emails_sent"].as_u64().unwrap() > 0)
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    let reports = mailchimp_json(&c, &sb, "/reports?count=1000").await;
    assert_eq!(reports["total_items"], with_sends.len());
    let listed: HashSet<String> = ids(&reports, "reports").into_iter().collect();
    assert_eq!(listed, with_sends);
    let paged = mailchimp_json(&c, &sb, "/reports?count=5&offset=5").await;
    assert_eq!(ids(&paged, "reports"), ids(&reports, "reports")[5..10]);

    let mut over_bounce = Vec::new();
    let mut over_unsub = Vec::new();
    for report in items(&reports, "reports") {
        let sent = report["emails_sent"].as_u64().unwrap();
        let b = &report["bounces"];
        let bounces = b["hard_bounces"].as_u64().unwrap() + b["soft_bounces"].as_u64().unwrap();
        let title = report["campaign_title"].as_str().unwrap().to_owned();
        if report["type"] == "regular" && bounces * 100 > sent * 5 {
            over_bounce.push(title.clone());
        }
        if report["unsubscribed"].as_u64().unwrap() * 100 > sent {
            over_unsub.push(title);
        }
    }
    assert_eq!(over_bounce, ["Win-back: we miss you"]);
    assert_eq!(over_unsub, ["Flash sale: 48 hours only"]);

    // One report in full, as GET /reports/{id} gives it.
    let id = items(&reports, "reports")[0]["id"].as_str().unwrap();
    let report = mailchimp_json(&c, &sb, &format!("/reports/{id}")).await;
    for key in ["emails_sent", "unsubscribed", "abuse_reports", "list_stats"] {
        assert!(!report[key].is_null(), "{key}: {report}");
    }
    for (group, keys) in [
        ("opens", &["opens_total", "unique_opens", "open_rate", "last_open"][..]),
        (
            "clicks",
            &[
                "clicks_total",
                "unique_clicks",
                "unique_subscriber_clicks",
                "click_rate",
                "last_click",
            ][..],
        ),
        ("bounces", &["hard_bounces", "soft_bounces", "syntax_errors"][..]),
        ("list_stats", &["sub_rate", "unsub_rate", "open_rate", "click_rate"][..]),
    ] {
        for key in keys {
            assert!(!report[group][key].is_null(), "{group}.{key}: {report}");
        }
    }

    // Drafts have no report.
    let draft = mailchimp_json(&c, &sb, "/campaigns?status=save&count=1").await;
    let draft_id = draft["campaigns"][0]["id"].as_str().unwrap();
    let response = mailchimp(&c, &sb, &format!("/reports/{draft_id}"))
        .send()
        .await
        .unwrap();
    mailchimp_problem(response, 404, "Resource Not Found").await;
    sb.shutdown().await;
}

#[tokio::test]
async fn unknown_ids_and_methods_get_mailchimps_problems() {
    let sb = start(16).await;
    let c = client();
    let list_id = mailchimp_json(&c, &sb, "/lists").await["lists"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for path in [
        "/campaigns/0000000000".to_owned(),
        "/reports/0000000000".to_owned(),
        "/lists/0000000000".to_owned(),
        "/lists/0000000000/members".to_owned(),
        format!("/lists/{list_id}/members/00000000000000000000000000000000"),
        "/campaigns/0000000000/actions/send".to_owned(),
    ] {
        let method = if path.contains("/actions/") {
            Method::POST
        } else {
            Method::GET
        };
        let response = mailchimp_with(&c, &sb, method, &path).send().await.unwrap();
        let body = mailchimp_problem(response, 404, "Resource Not Found").await;
        assert_eq!(body["detail"], "The requested resource could not be found.");
    }
    let response = mailchimp_with(&c, &sb, Method::DELETE, "/campaigns")
        .send()
        .await
        .unwrap();
    mailchimp_problem(response, 405, "Method Not Allowed").await;
    sb.shutdown().await;
}

#[tokio::test]
async fn audiences_hold_thousands_of_members_in_every_status() {
    let sb = start(17).await;
    let c = client();
    let lists = mailchimp_json(&c, &sb, "/lists").await;
    assert_eq!(lists["total_items"], 3);
    let mut total = 0;
    for list in items(&lists, "lists") {
        let id = list["id"].as_str().unwrap();
        let name = list["name"].as_str().unwrap();
        let all = mailchimp_json(&c, &sb, &format!("/lists/{id}/members?count=1")).await;
        assert_eq!(all["list_id"], id);
        total += all["total_items"].as_u64().unwrap();
        assert_eq!(list["stats"]["total_contacts"], all["total_items"], "{name}");
        for (status, stat) in [
            ("subscribed", Some("member_count")),
            ("unsubscribed", Some("unsubscribe_count")),
            ("cleaned", Some("cleaned_count")),
            ("pending", None),
            ("transactional", None),
            ("archived", None),
        ] {
            let page = mailchimp_json(&c, &sb, &format!("/lists/{id}/members?status={status}&count=1000")).await;
            let n = page["total_items"].as_u64().unwrap();
            assert!(n > 0, "{name} has no {status} member");
            assert!(items(&page, "members").iter().all(|m| m["status"] == status));
            if let Some(stat) = stat {
                assert_eq!(list["stats"][stat], n, "{name} {stat}");
            }
        }
    }
    assert!(total >= 3000, "{total}");
    sb.shutdown().await;
}

#[tokio::test]
async fn members_page_exactly_and_filter_on_last_changed() {
    let sb = start(18).await;
    let c = client();
    let list_id = mailchimp_json(&c, &sb, "/lists").await["lists"][1]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/lists/{list_id}/members");
    let first = mailchimp_json(&c, &sb, &format!("{path}?count=1000")).await;
    let total = first["total_items"].as_u64().unwrap() as usize;
    assert!(total > 1000, "{total}");
    let mut all = items(&first, "members").clone();
    let second = mailchimp_json(&c, &sb, &format!("{path}?count=1000&offset=1000")).await;
    all.extend(items(&second, "members").iter().cloned());
    assert_eq!(all.len(), total);
    let default = mailchimp_json(&c, &sb, &path).await;
    assert_eq!(items(&default, "members")[..], all[..10]);

    // Half the members changed since the median time; the filter finds exactly them.
    let mut changed: Vec<Timestamp> = all.iter().map(|m| ts(&m["last_changed"])).collect();
    changed.sort();
    let cut = changed[total / 2];
    let expected = changed.iter().filter(|t| **t >= cut).count();
    let since = mailchimp_json(
        &c,
        &sb,
        &format!(
            "{path}?since_last_changed={}&count=1000",
            cut.strftime("%Y-%m-%dT%H:%M:%S+00:00")
        ),
    )
    .await;
    assert_eq!(since["total_items"], expected);
    assert!(items(&since, "members").iter().all(|m| ts(&m["last_changed"]) >= cut));

    // Fields trim members too.
    let trimmed = mailchimp_json(
        &c,
        &sb,
        &format!("{path}?count=2&fields=members.email_address,members.status"),
    )
    .await;
    let expected: Vec<Value> = all[..2]
        .iter()
        .map(|m| json!({ "email_address": m["email_address"], "status": m["status"] }))
        .collect();
    assert_eq!(trimmed, json!({ "members": expected }));
    sb.shutdown().await;
}

#[tokio::test]
async fn patch_by_subscriber_hash_unsubscribes_and_updates_last_changed() {
    let sb = start(19).await;
    let c = client();
    let lists = mailchimp_json(&c, &sb, "/lists").await;
    let list = &lists["lists"][0];
    let list_id = list["id"].as_str().unwrap();
    let unsubscribed_before = list["stats"]["unsubscribe_count"].as_u64().unwrap();
    let page = mailchimp_json(&c, &sb, &format!("/lists/{list_id}/members?status=subscribed&count=1")).await;
    let member = &page["members"][0];
    let email = member["email_address"].as_str().unwrap();
    let hash = format!("{:x}", md5_lower(email));
    assert_eq!(member["id"], hash, "the id is the subscriber hash");

    // GET by hash, and by the email address in place of the hash.
    let path = format!("/lists/{list_id}/members/{hash}");
    assert_eq!(mailchimp_json(&c, &sb, &path).await, *member);
    let by_email = mailchimp_json(&c, &sb, &format!("/lists/{list_id}/members/{}", email.to_uppercase())).await;
    assert_eq!(by_email["id"], hash);

    let before = Timestamp::now();
    let response = mailchimp_with(&c, &sb, Method::PATCH, &path)
        .json(&json!({ "status": "unsubscribed" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let patched = json(response).await;
    assert_eq!(patched["status"], "unsubscribed");
    let changed = ts(&patched["last_changed"]);
    assert!(changed.as_second() >= before.as_second() - 1, "{changed} vs {before}");

    let read_back = mailchimp_json(&c, &sb, &path).await;
    assert_eq!(read_back["status"], "unsubscribed");
    assert_eq!(read_back["last_changed"], patched["last_changed"]);
    let lists = mailchimp_json(&c, &sb, "/lists").await;
    assert_eq!(lists["lists"][0]["stats"]["unsubscribe_count"], unsubscribed_before + 1);
    let since = mailchimp_json(
        &c,
        &sb,
        &format!(
            "/lists/{list_id}/members?since_last_changed={}",
            changed.strftime("%Y-%m-%dT%H:%M:%S%%2B00:00")
        ),
    )
    .await;
    assert!(ids(&since, "members").contains(&hash), "{since}");

    // Resubscribing someone who unsubscribed is refused, as Mailchimp does.
    let response = mailchimp_with(&c, &sb, Method::PATCH, &path)
        .json(&json!({ "status": "subscribed" }))
        .send()
        .await
        .unwrap();
    let body = mailchimp_problem(response, 400, "Member In Compliance State").await;
    assert!(body["detail"].as_str().unwrap().contains(email));

    for (bad, title) in [
        ("{\"status\": 5}", "Invalid Resource"),
        ("{\"status\": \"archived\"}", "Invalid Resource"),
        ("not json", "JSON Parse Exception"),
    ] {
        let response = mailchimp_with(&c, &sb, Method::PATCH, &path)
            .header("content-type", "application/json")
            .body(bad)
            .send()
            .await
            .unwrap();
        mailchimp_problem(response, 400, title).await;
    }
    assert_eq!(mailchimp_json(&c, &sb, &path).await["status"], "unsubscribed");
    sb.shutdown().await;
}

/// MD5 of the lowercased email, computed here rather than asked of the sandbox.
fn md5_lower(email: &str) -> impl std::fmt::LowerHex {
    use md5::{Digest, Md5};
    Md5::digest(email.to_lowercase().as_bytes())
}

async fn bodies(sb: &mops::sandbox::Sandbox) -> Vec<String> {
    let c = client();
    let lists = mailchimp_json(&c, sb, "/lists").await;
    let mut out = vec![lists.to_string()];
    for path in ["/campaigns?count=1000", "/reports?count=1000"] {
        out.push(mailchimp_json(&c, sb, path).await.to_string());
    }
    for id in ids(&lists, "lists") {
        out.push(
            mailchimp_json(&c, sb, &format!("/lists/{id}/members?count=1000"))
                .await
                .to_string(),
        );
    }
    out
}

#[tokio::test]
async fn same_seed_and_hour_give_the_same_data() {
    let start_at: Timestamp = "2025-11-20T10:17:00Z".parse().unwrap();
    let spawn = |seed: u64, at: Timestamp| async move {
        sandbox::spawn_at(
            SandboxOptions {
                listen: "127.0.0.1:0".parse().unwrap(),
                seed,
                faults: Vec::new(),
            },
            at,
        )
        .await
        .unwrap()
    };
    let a = spawn(21, start_at).await;
    let b = spawn(21, "2025-11-20T10:59:59Z".parse().unwrap()).await;
    let other = spawn(22, start_at).await;
    let (body_a, body_b, body_other) = (bodies(&a).await, bodies(&b).await, bodies(&other).await);
    assert_eq!(body_a, body_b);
    for (x, y) in body_a.iter().zip(&body_other) {
        assert_ne!(x, y);
    }
    for sb in [a, b, other] {
        sb.shutdown().await;
    }
}

#[tokio::test]
async fn faults_apply_to_the_data_endpoints() {
    let sb = start(23).await;
    let c = client();
    set_fault(&c, &sb, "mailchimp", "status:503").await;
    let response = mailchimp(&c, &sb, "/campaigns").send().await.unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(content_type(&response), "application/problem+json");
    clear_fault(&c, &sb, "mailchimp").await;
    set_fault(&c, &sb, "mailchimp", "auth").await;
    let response = mailchimp(&c, &sb, "/lists").send().await.unwrap();
    mailchimp_problem(response, 401, "API Key Invalid").await;
    sb.shutdown().await;
}
