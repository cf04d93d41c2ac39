//! The Mailchimp connector's data fetch against wiremock on 127.0.0.1: exact
//! paging queries, report mapping, incremental member sync, and failures
//! after a healthy ping.

use std::sync::Arc;
use std::time::Duration;

use mops::http::{HttpCore, Policy};
use mops::model::{CampaignStatus, EmailData, HealthStatus, MemberStatus};
use mops::sources::{Connector, Mailchimp, PollReport, SourceData};
use secrecy::SecretString;
use serde_json::{Value, json};
use url::Url;
use wiremock::matchers::{basic_auth, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const KEY: &str = "0123456789abcdef0123456789abcdef-us14";

const CAMPAIGN_FIELDS: &str = "campaigns.id,campaigns.web_id,campaigns.type,campaigns.status,\
campaigns.create_time,campaigns.send_time,campaigns.emails_sent,campaigns.settings.subject_line,\
campaigns.settings.title,campaigns.settings.from_name,campaigns.recipients.list_id,\
campaigns.recipients.list_name,campaigns.recipients.recipient_count,total_items";
const REPORT_FIELDS: &str = "reports.id,reports.emails_sent,reports.unsubscribed,\
reports.abuse_reports,reports.opens.unique_opens,reports.opens.open_rate,\
reports.clicks.unique_subscriber_clicks,reports.clicks.click_rate,reports.bounces.hard_bounces,\
reports.bounces.soft_bounces,reports.bounces.syntax_errors,total_items";
const LIST_FIELDS: &str =
    "lists.id,lists.name,lists.stats.member_count,lists.stats.unsubscribe_count,lists.stats.cleaned_count,total_items";
const MEMBER_FIELDS: &str = "members.id,members.email_address,members.status,members.last_changed,total_items";

fn connector(server: &MockServer, page_size: usize) -> Mailchimp {
    let policy = Policy {
        timeout: Duration::from_secs(5),
        max_retries: 2,
        backoff_base: Duration::from_millis(5),
        backoff_max: Duration::from_millis(10),
        ..Policy::mailchimp()
    };
    let client = HttpCore::new(false).unwrap().source("email", policy);
    let base = Url::parse(&format!("{}/3.0", server.uri())).unwrap();
    Mailchimp::new("email", client, &base, SecretString::from(KEY), Duration::from_secs(5))
        .unwrap()
        .with_page_size(page_size)
}

async fn mount_ping(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/3.0/ping"))
        .and(basic_auth("mops", KEY))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"health_status": "Everything's Chimpy!"})))
        .mount(server)
        .await;
}

/// Serves `items` under `key`, paged by the request's own `count`/`offset`,
/// claiming `total` (which may lie) as `total_items`.
fn pages(key: &'static str, items: Vec<Value>, total: usize) -> impl Fn(&Request) -> ResponseTemplate + Send + Sync {
    move |req: &Request| {
        let q = |name: &str| {
            req.url
                .query_pairs()
                .find(|(k, _)| k == name)
                .and_then(|(_, v)| v.parse::<usize>().ok())
        };
        let (count, offset) = (q("count").unwrap_or(10), q("offset").unwrap_or(0));
        let page: Vec<Value> = items.iter().skip(offset).take(count).cloned().collect();
        ResponseTemplate::new(200).set_body_json(json!({key: page, "total_items": total}))
    }
}

async fn mount_list(server: &MockServer, p: &str, key: &'static str, items: Vec<Value>) {
    let total = items.len();
    Mock::given(method("GET"))
        .and(path(p))
        .and(basic_auth("mops", KEY))
        .respond_with(pages(key, items, total))
        .mount(server)
        .await;
}

fn campaign(id: &str, status: &str) -> Value {
    json!({
        "id": id, "web_id": 1, "type": "regular", "status": status,
        "create_time": "2026-11-01T10:00:00+00:00",
        "send_time": if status == "sent" { "2026-11-02T09:00:00+00:00" } else { "" },
        "emails_sent": 1000,
        "settings": {"subject_line": format!("Subject {id}"), "title": format!("Title {id}"), "from_name": "Shop"},
        "recipients": {"list_id": "l1", "list_name": "Customers", "recipient_count": 1000}
    })
}

fn member(id: &str, status: &str, changed: &str) -> Value {
    json!({"id": id, "email_address": format!("{id}@example.com"), "status": status, "last_changed": changed})
}

fn list(id: &str) -> Value {
    json!({"id": id, "name": format!("Audience {id}"),
        "stats": {"member_count": 3, "unsubscribe_count": 1, "cleaned_count": 1}})
}

fn data(report: &PollReport) -> Arc<EmailData> {
    match &report.data {
        Some(SourceData::Email(d)) => d.clone(),
        other => panic!("no email data: {other:?} {:?}", report.probe),
    }
}

fn offsets(requests: &[Request], p: &str) -> Vec<String> {
    requests
        .iter()
        .filter(|r| r.url.path() == p)
        .map(|r| {
            r.url
                .query_pairs()
                .find(|(k, _)| k == "offset")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        })
        .collect()
}

#[tokio::test]
async fn campaigns_page_with_exact_count_offset_and_fields() {
    let server = MockServer::start().await;
    mount_ping(&server).await;
    let all: Vec<Value> = ["c1", "c2", "c3", "c4", "c5"]
        .iter()
        .map(|id| campaign(id, "save"))
        .collect();
    for (offset, chunk) in [(0, &all[0..2]), (2, &all[2..4]), (4, &all[4..5])] {
        Mock::given(method("GET"))
            .and(path("/3.0/campaigns"))
            .and(basic_auth("mops", KEY))
            .and(query_param("count", "2"))
            .and(query_param("offset", offset.to_string()))
            .and(query_param("fields", CAMPAIGN_FIELDS))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"campaigns": chunk, "total_items": 5})))
            .expect(1)
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path("/3.0/reports"))
        .and(query_param("fields", REPORT_FIELDS))
        .and(query_param("count", "2"))
        .and(query_param("offset", "0"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"reports": [], "total_items": 0})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/3.0/lists"))
        .and(query_param("fields", LIST_FIELDS))
        .and(query_param("count", "2"))
        .and(query_param("offset", "0"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"lists": [], "total_items": 0})))
        .expect(1)
        .mount(&server)
        .await;

    let report = connector(&server, 2).poll().await;
    assert_eq!(report.probe.status, HealthStatus::Ok, "{:?}", report.probe);
    assert_eq!(report.probe.summary, "Everything's Chimpy!");
    let d = data(&report);
    let ids: Vec<&str> = d.campaigns.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["c1", "c2", "c3", "c4", "c5"]);
    let c = &d.campaigns[0];
    assert_eq!(
        (c.status, c.title.as_str(), c.subject.as_str()),
        (CampaignStatus::Save, "Title c1", "Subject c1")
    );
    assert_eq!((c.send_time, c.list_name.as_str()), (None, "Customers"));
    assert!(d.audiences.is_empty() && d.members.is_empty());
}

#[tokio::test]
async fn a_total_that_overstates_costs_one_empty_page_not_a_loop() {
    let server = MockServer::start().await;
    mount_ping(&server).await;
    mount_list(&server, "/3.0/campaigns", "campaigns", vec![]).await;
    mount_list(&server, "/3.0/reports", "reports", vec![]).await;
    // Three audiences, but the server claims a thousand.
    Mock::given(method("GET"))
        .and(path("/3.0/lists"))
        .respond_with(pages("lists", vec![list("l1"), list("l2"), list("l3")], 1000))
        .mount(&server)
        .await;
    for id in ["l1", "l2", "l3"] {
        mount_list(&server, &format!("/3.0/lists/{id}/members"), "members", vec![]).await;
    }

    let report = connector(&server, 2).poll().await;
    assert_eq!(report.probe.status, HealthStatus::Ok, "{:?}", report.probe);
    let d = data(&report);
    assert_eq!(d.audiences.len(), 3);
    assert_eq!(d.audiences[2].name, "Audience l3");
    assert_eq!((d.audiences[0].member_count, d.audiences[0].cleaned_count), (3, 1));
    let requests = server.received_requests().await.unwrap();
    assert_eq!(
        offsets(&requests, "/3.0/lists"),
        ["0", "2", "3"],
        "stops at the empty page"
    );
}

#[tokio::test]
async fn a_server_that_ignores_offset_is_caught() {
    let server = MockServer::start().await;
    mount_ping(&server).await;
    mount_list(&server, "/3.0/reports", "reports", vec![]).await;
    mount_list(&server, "/3.0/lists", "lists", vec![]).await;
    Mock::given(method("GET"))
        .and(path("/3.0/campaigns"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"campaigns": [campaign("c1", "save"), campaign("c2", "save")], "total_items": 500}),
            ),
        )
        .expect(2)
        .mount(&server)
        .await;

    let report = connector(&server, 2).poll().await;
    assert_eq!(report.probe.status, HealthStatus::Degraded);
    assert!(report.data.is_none());
    assert!(
        report
            .probe
            .summary
            .starts_with("ping OK, but GET /campaigns failed: /campaigns sent the same page again at offset 2"),
        "{}",
        report.probe.summary
    );
}

#[tokio::test]
async fn thousands_of_members_page_exactly() {
    let server = MockServer::start().await;
    mount_ping(&server).await;
    mount_list(&server, "/3.0/campaigns", "campaigns", vec![]).await;
    mount_list(&server, "/3.0/reports", "reports", vec![]).await;
    mount_list(&server, "/3.0/lists", "lists", vec![list("big")]).await;
    let members: Vec<Value> = (0..2500)
        .map(|i| member(&format!("h{i:05}"), "subscribed", "2026-11-20T08:00:00+00:00"))
        .collect();
    Mock::given(method("GET"))
        .and(path("/3.0/lists/big/members"))
        .and(query_param("fields", MEMBER_FIELDS))
        .and(query_param("count", "1000"))
        .respond_with(pages("members", members, 2500))
        .expect(3)
        .mount(&server)
        .await;

    let report = connector(&server, 1000).poll().await;
    assert_eq!(report.probe.status, HealthStatus::Ok, "{:?}", report.probe);
    let d = data(&report);
    let big = &d.members["big"];
    assert_eq!(big.len(), 2500);
    assert!(big.contains_key("h00000") && big.contains_key("h02499"));
    let requests = server.received_requests().await.unwrap();
    assert_eq!(offsets(&requests, "/3.0/lists/big/members"), ["0", "1000", "2000"]);
}

#[tokio::test]
async fn reports_are_mapped_onto_sent_campaigns() {
    let server = MockServer::start().await;
    mount_ping(&server).await;
    mount_list(
        &server,
        "/3.0/campaigns",
        "campaigns",
        vec![campaign("c1", "sent"), campaign("c2", "sent"), campaign("d1", "save")],
    )
    .await;
    mount_list(
        &server,
        "/3.0/reports",
        "reports",
        vec![json!({
            "id": "c1", "emails_sent": 1000, "unsubscribed": 9, "abuse_reports": 1,
            "opens": {"unique_opens": 420, "open_rate": 0.42, "opens_total": 900},
            "clicks": {"unique_subscriber_clicks": 55, "click_rate": 0.055},
            "bounces": {"hard_bounces": 60, "soft_bounces": 20, "syntax_errors": 0}
        })],
    )
    .await;
    // c2 is missing from the list: read on its own, with null figures.
    Mock::given(method("GET"))
        .and(path("/3.0/reports/c2"))
        .and(basic_auth("mops", KEY))
        .and(query_param(
            "fields",
            "id,emails_sent,unsubscribed,abuse_reports,opens.unique_opens,opens.open_rate,\
clicks.unique_subscriber_clicks,clicks.click_rate,bounces.hard_bounces,bounces.soft_bounces,bounces.syntax_errors",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "c2", "emails_sent": 200, "unsubscribed": null, "opens": null,
            "clicks": {"click_rate": 0.1}, "bounces": {"hard_bounces": 2}
        })))
        .expect(1)
        .mount(&server)
        .await;
    mount_list(&server, "/3.0/lists", "lists", vec![]).await;

    let report = connector(&server, 10).poll().await;
    assert_eq!(report.probe.status, HealthStatus::Ok, "{:?}", report.probe);
    let d = data(&report);
    let r1 = d.campaigns[0].report.as_ref().expect("c1 report");
    assert_eq!(
        (
            r1.emails_sent,
            r1.unique_opens,
            r1.unique_subscriber_clicks,
            r1.unsubscribed,
            r1.abuse_reports
        ),
        (1000, 420, 55, 9, 1)
    );
    assert_eq!((r1.open_rate, r1.click_rate), (0.42, 0.055));
    assert_eq!(r1.bounce_rate(), Some(0.08));
    assert_eq!(r1.unsubscribe_rate(), Some(0.009));
    let r2 = d.campaigns[1].report.as_ref().expect("c2 report");
    assert_eq!(
        (r2.emails_sent, r2.unique_opens, r2.click_rate, r2.hard_bounces),
        (200, 0, 0.1, 2)
    );
    assert_eq!(d.campaigns[2].report, None, "drafts have no report");
}

#[tokio::test]
async fn members_sync_incrementally_and_merge() {
    let server = MockServer::start().await;
    mount_ping(&server).await;
    mount_list(&server, "/3.0/campaigns", "campaigns", vec![]).await;
    mount_list(&server, "/3.0/reports", "reports", vec![]).await;
    mount_list(&server, "/3.0/lists", "lists", vec![list("l1")]).await;
    Mock::given(method("GET"))
        .and(path("/3.0/lists/l1/members"))
        .and(query_param_is_missing("since_last_changed"))
        .respond_with(pages(
            "members",
            vec![
                member("a", "subscribed", "2026-11-20T08:00:00+00:00"),
                member("b", "subscribed", "2026-11-21T10:30:00+00:00"),
            ],
            2,
        ))
        .expect(1)
        .mount(&server)
        .await;
    // Newest change seen 10:30, less five minutes of overlap.
    Mock::given(method("GET"))
        .and(path("/3.0/lists/l1/members"))
        .and(query_param("since_last_changed", "2026-11-21T10:25:00+00:00"))
        .and(query_param("fields", MEMBER_FIELDS))
        .and(query_param("offset", "0"))
        .respond_with(pages(
            "members",
            vec![
                member("a", "unsubscribed", "2026-11-22T07:00:00+00:00"),
                member("c", "pending", "2026-11-22T07:30:00+00:00"),
            ],
            2,
        ))
        .expect(1)
        .mount(&server)
        .await;

    let mc = connector(&server, 10);
    let first = data(&mc.poll().await);
    assert_eq!(first.members["l1"].len(), 2);
    assert_eq!(first.members["l1"]["a"].status, MemberStatus::Subscribed);

    let second = mc.poll().await;
    assert_eq!(second.probe.status, HealthStatus::Ok, "{:?}", second.probe);
    let l1 = &data(&second).members["l1"];
    assert_eq!(l1.keys().collect::<Vec<_>>(), ["a", "b", "c"]);
    assert_eq!(l1["a"].status, MemberStatus::Unsubscribed, "changed member updated");
    assert_eq!(l1["b"].status, MemberStatus::Subscribed, "unchanged member kept");
    assert_eq!(
        (l1["c"].status, l1["c"].email.as_str()),
        (MemberStatus::Pending, "c@example.com")
    );
    // The first snapshot is not touched by the second poll.
    assert_eq!(first.members["l1"]["a"].status, MemberStatus::Subscribed);
}

#[tokio::test]
async fn a_failing_data_call_after_a_good_ping_degrades_and_names_it() {
    let server = MockServer::start().await;
    mount_ping(&server).await;
    mount_list(&server, "/3.0/campaigns", "campaigns", vec![]).await;
    mount_list(&server, "/3.0/reports", "reports", vec![]).await;
    mount_list(&server, "/3.0/lists", "lists", vec![list("l1")]).await;
    Mock::given(method("GET"))
        .and(path("/3.0/lists/l1/members"))
        .respond_with(ResponseTemplate::new(502).set_body_json(json!({
            "type": "https://mailchimp.com/developer/marketing/docs/errors/", "title": "Bad Gateway",
            "status": 502, "detail": format!("An unexpected error occurred for key {KEY}"), "instance": "i-1"})))
        .expect(3)
        .mount(&server)
        .await;

    let report = connector(&server, 10).poll().await;
    let p = &report.probe;
    assert!(report.data.is_none(), "the cockpit keeps its last good data");
    assert_eq!(p.status, HealthStatus::Degraded);
    assert_eq!(
        p.summary,
        "ping OK, but GET /lists/l1/members failed: HTTP 502 after 3 attempts: An unexpected error occurred for key ***"
    );
    assert_eq!(p.http_status, Some(502));
    assert_eq!(p.vendor_error.as_ref().unwrap().code.as_deref(), Some("Bad Gateway"));
    let requests = server.received_requests().await.unwrap();
    let failing = requests
        .iter()
        .rfind(|r| r.url.path() == "/3.0/lists/l1/members")
        .unwrap();
    assert_eq!(failing.headers["x-request-id"].to_str().unwrap(), p.request_id);
    let text = format!("{p:?}");
    assert!(!text.contains(KEY), "{text}");
}

#[tokio::test]
async fn access_denied_on_data_is_auth_and_malformed_json_is_degraded() {
    let server = MockServer::start().await;
    mount_ping(&server).await;
    mount_list(&server, "/3.0/reports", "reports", vec![]).await;
    mount_list(&server, "/3.0/lists", "lists", vec![]).await;
    Mock::given(method("GET"))
        .and(path("/3.0/campaigns"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "title": "Forbidden", "status": 403, "detail": "The API key lacks campaigns access."})))
        .mount(&server)
        .await;
    let report = connector(&server, 10).poll().await;
    assert_eq!(report.probe.status, HealthStatus::Auth);
    assert_eq!(
        report.probe.summary,
        "ping OK, but GET /campaigns failed: access denied (HTTP 403): The API key lacks campaigns access."
    );

    let server = MockServer::start().await;
    mount_ping(&server).await;
    mount_list(&server, "/3.0/reports", "reports", vec![]).await;
    mount_list(&server, "/3.0/lists", "lists", vec![]).await;
    Mock::given(method("GET"))
        .and(path("/3.0/campaigns"))
        .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"campaigns": [{"id": "c1""#))
        .mount(&server)
        .await;
    let report = connector(&server, 10).poll().await;
    assert_eq!(report.probe.status, HealthStatus::Degraded);
    assert!(
        report
            .probe
            .summary
            .starts_with("ping OK, but GET /campaigns failed: malformed JSON from /campaigns"),
        "{}",
        report.probe.summary
    );
    assert!(report.data.is_none());
}

#[tokio::test]
async fn unreadable_records_are_skipped_and_reported() {
    let server = MockServer::start().await;
    mount_ping(&server).await;
    mount_list(
        &server,
        "/3.0/campaigns",
        "campaigns",
        vec![
            campaign("c1", "save"),
            campaign("c3", "sent"),
            campaign("c4", "schedule"),
            json!({"id": "c2", "status": "hologram"}),
            json!(42),
        ],
    )
    .await;
    mount_list(&server, "/3.0/reports", "reports", vec![]).await;
    mount_list(&server, "/3.0/lists", "lists", vec![list("l1")]).await;
    mount_list(
        &server,
        "/3.0/lists/l1/members",
        "members",
        vec![
            member("a", "subscribed", "2026-11-20T08:00:00+00:00"),
            json!({"id": null, "email_address": "x@example.com", "status": "subscribed"}),
        ],
    )
    .await;

    let report = connector(&server, 10).poll().await;
    assert_eq!(report.probe.status, HealthStatus::Degraded);
    assert_eq!(
        report.probe.summary,
        "Everything's Chimpy! (3 unreadable records skipped)"
    );
    let d = data(&report);
    assert_eq!(d.campaigns.len(), 3);
    assert_eq!(d.members["l1"].len(), 1);
}

#[tokio::test]
async fn mostly_unreadable_records_fail_the_read_instead_of_replacing_the_data() {
    let server = MockServer::start().await;
    mount_ping(&server).await;
    mount_list(
        &server,
        "/3.0/campaigns",
        "campaigns",
        vec![
            campaign("c1", "save"),
            json!({"id": "c2", "status": "hologram"}),
            json!({"id": "c3", "status": "hologram"}),
        ],
    )
    .await;
    mount_list(&server, "/3.0/reports", "reports", vec![]).await;
    mount_list(&server, "/3.0/lists", "lists", vec![]).await;
    let report = connector(&server, 10).poll().await;
    assert!(report.data.is_none(), "a fraction never replaces the last good data");
    assert!(
        report
            .probe
            .summary
            .contains("2 of 3 records unreadable (has the format changed?); keeping the last good data"),
        "{}",
        report.probe.summary
    );
}
