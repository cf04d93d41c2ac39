//! The HubSpot connector's data fetch against wiremock on 127.0.0.1: exact
//! cursor paging, associations, incremental search (exact body, windows at
//! the result cap), lenient parsing, failures after a healthy probe, and the
//! client-side rate limit.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mops::http::{HttpCore, Policy, RateLimit};
use mops::model::{CrmData, HealthStatus};
use mops::sources::{Connector, Hubspot, PollReport, SourceData};
use secrecy::SecretString;
use serde_json::{Value, json};
use url::Url;
use wiremock::matchers::{bearer_token, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TOKEN: &str = "pat-na1-11111111-2222-3333-4444-555555555555";
const CONTACT_PROPS: &str =
    "email,firstname,lastname,company,lifecyclestage,hubspot_owner_id,hs_lastmodifieddate,createdate,hs_email_optout";
const DEAL_PROPS: &str = "dealname,amount,dealstage,pipeline,closedate,hubspot_owner_id";
const SEARCH: &str = "/crm/v3/objects/contacts/search";
const TASK_SEARCH: &str = "/crm/v3/objects/tasks/search";

fn policy() -> Policy {
    Policy {
        timeout: Duration::from_secs(5),
        max_retries: 1,
        backoff_base: Duration::from_millis(5),
        backoff_max: Duration::from_millis(10),
        ..Policy::default()
    }
}

fn connector_with(server: &MockServer, readonly: bool, policy: Policy) -> Hubspot {
    let client = HttpCore::new(readonly).unwrap().source("crm", policy);
    let base = Url::parse(&server.uri()).unwrap();
    Hubspot::new("crm", client, &base, SecretString::from(TOKEN), Duration::from_secs(5))
        .unwrap()
        .with_page_sizes(2, 2)
        .with_search_gap(Duration::from_millis(1))
}

fn connector(server: &MockServer) -> Hubspot {
    connector_with(server, false, policy())
}

fn ms(t: &str) -> i64 {
    t.parse::<jiff::Timestamp>().unwrap().as_millisecond()
}

fn contact(id: &str, modified: &str) -> Value {
    json!({"id": id, "properties": {
        "email": format!("c{id}@acme.example"), "firstname": "Ann", "lastname": format!("Lee{id}"),
        "company": "Acme", "lifecyclestage": "lead", "hubspot_owner_id": "77",
        "hs_lastmodifieddate": modified, "createdate": "2026-01-01T00:00:00Z", "hs_email_optout": "false"
    }, "createdAt": "2026-01-01T00:00:00Z", "updatedAt": modified, "archived": false})
}

fn query(req: &Request, name: &str) -> Option<String> {
    req.url
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Serves `items` by the request's own `limit` and `after` (an offset, as
/// an opaque-looking cursor), with `paging.next` until the last page.
fn cursor_pages(items: Vec<Value>) -> impl Fn(&Request) -> ResponseTemplate + Send + Sync {
    move |req: &Request| {
        let limit: usize = query(req, "limit").and_then(|v| v.parse().ok()).unwrap_or(10);
        let offset: usize = query(req, "after")
            .and_then(|a| a.strip_prefix("cur-").and_then(|n| n.parse().ok()))
            .unwrap_or(0);
        let page: Vec<Value> = items.iter().skip(offset).take(limit).cloned().collect();
        let mut body = json!({"results": page});
        if offset + limit < items.len() {
            let next = format!("cur-{}", offset + limit);
            body["paging"] = json!({"next": {"after": next, "link": "https://api.hubapi.com/ignored"}});
        }
        ResponseTemplate::new(200).set_body_json(body)
    }
}

async fn mount_probe(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/crm/v3/objects/contacts"))
        .and(query_param("limit", "1"))
        .and(bearer_token(TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"results": []})))
        .mount(server)
        .await;
}

async fn mount_contacts(server: &MockServer, items: Vec<Value>) {
    Mock::given(method("GET"))
        .and(path("/crm/v3/objects/contacts"))
        .and(query_param("limit", "2"))
        .and(query_param("properties", CONTACT_PROPS))
        .and(bearer_token(TOKEN))
        .respond_with(cursor_pages(items))
        .mount(server)
        .await;
}

/// Deals, owners, pipelines and account info, all small, and no open tasks
/// (tests/hubspot_tasks.rs covers those).
async fn mount_rest(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path(TASK_SEARCH))
        .and(bearer_token(TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"total": 0, "results": []})))
        .mount(server)
        .await;
    let deals = vec![
        json!({"id": "d1", "properties": {"dealname": "Acme renewal", "amount": "1200", "dealstage": "closedwon",
            "pipeline": "default", "closedate": "2026-12-01T00:00:00Z", "hubspot_owner_id": "77"},
            "associations": {"contacts": {"results": [{"id": "1", "type": "deal_to_contact"}, {"id": "2", "type": "deal_to_contact"}]}}}),
        json!({"id": "d2", "properties": {"dealname": "Orphan", "amount": null}}),
        json!({"id": "d3", "properties": {"dealname": "Globex", "amount": "oops"},
            "associations": {"contacts": {"results": [{"id": "3", "type": "deal_to_contact"}]}}}),
    ];
    Mock::given(method("GET"))
        .and(path("/crm/v3/objects/deals"))
        .and(query_param("limit", "2"))
        .and(query_param("associations", "contacts"))
        .and(query_param("properties", DEAL_PROPS))
        .and(bearer_token(TOKEN))
        .respond_with(cursor_pages(deals))
        .mount(server)
        .await;
    let owners = vec![
        json!({"id": "77", "email": "sam@acme.example", "firstName": "Sam", "lastName": "Ode", "archived": false}),
        json!({"id": "78", "email": "kim@acme.example", "firstName": null, "lastName": null, "archived": false}),
        json!({"id": "79", "email": "old@acme.example", "archived": true}),
    ];
    Mock::given(method("GET"))
        .and(path("/crm/v3/owners"))
        .and(query_param("limit", "2"))
        .and(bearer_token(TOKEN))
        .respond_with(cursor_pages(owners))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/crm/v3/pipelines/deals"))
        .and(bearer_token(TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"results": [
            {"id": "default", "label": "Sales Pipeline", "displayOrder": 0, "stages": [
                {"id": "appointmentscheduled", "label": "Appointment scheduled", "displayOrder": 0,
                 "metadata": {"probability": "0.2", "isClosed": "false"}},
                {"id": "closedwon", "label": "Closed won", "displayOrder": 1,
                 "metadata": {"probability": "1.0", "isClosed": "true"}}
            ]}
        ]})))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/account-info/v3/details"))
        .and(bearer_token(TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"portalId": 4242, "timeZone": "US/Eastern"})))
        .mount(server)
        .await;
}

fn data(report: &PollReport) -> Arc<CrmData> {
    match &report.data {
        Some(SourceData::Crm(d)) => d.clone(),
        other => panic!("no CRM data: {other:?} {:?}", report.probe),
    }
}

fn afters(requests: &[Request], p: &str) -> Vec<Option<String>> {
    requests
        .iter()
        .filter(|r| r.url.path() == p && query(r, "limit").as_deref() != Some("1"))
        .map(|r| query(r, "after"))
        .collect()
}

#[tokio::test]
async fn a_poll_reads_every_page_of_every_object_by_cursor() {
    let server = MockServer::start().await;
    mount_probe(&server).await;
    let contacts: Vec<Value> = (1..=5)
        .map(|i| contact(&i.to_string(), "2026-11-20T08:00:00Z"))
        .collect();
    mount_contacts(&server, contacts).await;
    mount_rest(&server).await;

    let report = connector(&server).poll().await;
    assert_eq!(report.probe.status, HealthStatus::Ok, "{}", report.probe.summary);
    let d = data(&report);
    assert_eq!(d.contacts.keys().collect::<Vec<_>>(), ["1", "2", "3", "4", "5"]);
    let c1 = &d.contacts["1"];
    assert_eq!(c1.email.as_deref(), Some("c1@acme.example"));
    assert_eq!((c1.owner_id.as_deref(), c1.email_optout), (Some("77"), Some(false)));

    assert_eq!(d.deals.len(), 3);
    assert_eq!(d.deals[0].contact_ids, ["1", "2"]);
    assert_eq!(d.deals[0].amount, Some(1200.0));
    assert!(
        d.deals[1].contact_ids.is_empty(),
        "a deal without associations has no contacts"
    );
    assert_eq!(
        (d.deals[2].amount, d.deals[2].contact_ids.clone()),
        (None, vec!["3".to_string()])
    );
    let owners: Vec<String> = d.owners.iter().map(|o| o.display_name()).collect();
    assert_eq!(owners, ["Sam Ode", "kim@acme.example", "old@acme.example"]);
    assert!(d.owners[2].archived);
    assert_eq!(d.pipelines[0].stages.len(), 2);
    assert!(d.pipelines[0].stages[1].is_closed);
    assert_eq!(d.portal_id.as_deref(), Some("4242"));

    // Cursor paging: no `after` on the first page, then exactly the cursor handed out.
    let received = server.received_requests().await.unwrap();
    let cursors = |p| afters(&received, p);
    let first_three = vec![None, Some("cur-2".to_string()), Some("cur-4".to_string())];
    assert_eq!(cursors("/crm/v3/objects/contacts"), first_three);
    assert_eq!(cursors("/crm/v3/objects/deals"), [None, Some("cur-2".to_string())]);
    assert_eq!(cursors("/crm/v3/owners"), [None, Some("cur-2".to_string())]);
    let not_get: Vec<String> = received
        .iter()
        .filter(|r| r.method.as_str() != "GET")
        .map(|r| format!("{} {}", r.method, r.url.path()))
        .collect();
    assert_eq!(
        not_get,
        [format!("POST {TASK_SEARCH}")],
        "a first poll only reads: GETs and the open-tasks search"
    );
}

/// Answers a contact search over `changed` like HubSpot does: GTE on
/// `hs_lastmodifieddate` (epoch ms), ascending, `after` an offset, `limit`.
fn search_answers(changed: Vec<Value>) -> impl Fn(&Request) -> ResponseTemplate + Send + Sync {
    move |req: &Request| {
        let body: Value = serde_json::from_slice(&req.body).unwrap();
        let since: i64 = body["filterGroups"][0]["filters"][0]["value"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let after: usize = body["after"].as_str().unwrap().parse().unwrap();
        let limit = body["limit"].as_u64().unwrap() as usize;
        let mut matching: Vec<&Value> = changed
            .iter()
            .filter(|c| ms(c["properties"]["hs_lastmodifieddate"].as_str().unwrap()) >= since)
            .collect();
        matching.sort_by_key(|c| ms(c["properties"]["hs_lastmodifieddate"].as_str().unwrap()));
        let page: Vec<&Value> = matching.iter().skip(after).take(limit).copied().collect();
        let mut out = json!({"total": matching.len(), "results": page});
        if after + limit < matching.len() {
            out["paging"] = json!({"next": {"after": (after + limit).to_string()}});
        }
        ResponseTemplate::new(200).set_body_json(out)
    }
}

#[tokio::test]
async fn later_polls_search_changes_and_open_a_new_window_at_the_cap() {
    let server = MockServer::start().await;
    mount_probe(&server).await;
    mount_contacts(
        &server,
        vec![
            contact("1", "2026-11-20T08:00:00Z"),
            contact("2", "2026-11-20T09:00:00Z"),
        ],
    )
    .await;
    mount_rest(&server).await;
    let hs = connector(&server).with_search_cap(4);
    let first = hs.poll().await;
    assert_eq!(data(&first).contacts.len(), 2);

    let mut changed: Vec<Value> = (1..=6)
        .map(|i| contact(&format!("{}", i + 1), &format!("2026-11-21T0{i}:00:00Z")))
        .collect();
    changed[0]["properties"]["lifecyclestage"] = json!("customer"); // contact 2 changed
    Mock::given(method("POST"))
        .and(path(SEARCH))
        .and(bearer_token(TOKEN))
        .respond_with(search_answers(changed))
        .mount(&server)
        .await;

    let second = hs.poll().await;
    assert_eq!(second.probe.status, HealthStatus::Ok, "{}", second.probe.summary);
    let d = data(&second);
    assert_eq!(
        d.contacts.keys().collect::<Vec<_>>(),
        ["1", "2", "3", "4", "5", "6", "7"]
    );
    assert_eq!(d.contacts["2"].lifecyclestage.as_deref(), Some("customer"));

    let received = server.received_requests().await.unwrap();
    let bodies: Vec<Value> = received
        .iter()
        .filter(|r| r.url.path() == SEARCH)
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    let props: Vec<&str> = CONTACT_PROPS.split(',').collect();
    // The newest change seen (09:00) less the five-minute overlap.
    let since = ms("2026-11-20T08:55:00Z").to_string();
    assert_eq!(
        bodies[0],
        json!({
            "filterGroups": [{"filters": [{"propertyName": "hs_lastmodifieddate", "operator": "GTE", "value": since}]}],
            "sorts": [{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}],
            "properties": props,
            "limit": 2,
            "after": "0"
        })
    );
    let windows: Vec<(String, String)> = bodies
        .iter()
        .map(|b| {
            (
                b["filterGroups"][0]["filters"][0]["value"].as_str().unwrap().to_owned(),
                b["after"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    // Two pages fill the cap of 4; the next window starts at the last change
    // seen (04:00, read again and deduplicated) from the first page.
    let t4 = ms("2026-11-21T04:00:00Z").to_string();
    assert_eq!(
        windows,
        [
            (since.clone(), "0".to_string()),
            (since, "2".to_string()),
            (t4.clone(), "0".to_string()),
            (t4, "2".to_string()),
        ]
    );
    assert!(
        received
            .iter()
            .filter(|r| r.url.path() == "/crm/v3/objects/contacts" && query(r, "limit").as_deref() == Some("2"))
            .count()
            == 1,
        "the second poll does not read all contacts again"
    );
}

#[tokio::test]
async fn readonly_mode_still_syncs_by_search_which_only_reads() {
    let server = MockServer::start().await;
    mount_probe(&server).await;
    mount_contacts(&server, vec![contact("1", "2026-11-20T08:00:00Z")]).await;
    mount_rest(&server).await;
    Mock::given(method("POST"))
        .and(path("/crm/v3/objects/contacts/search"))
        .respond_with(search_answers(vec![]))
        .expect(1)
        .mount(&server)
        .await;
    let hs = connector_with(&server, true, policy());
    for _ in 0..2 {
        let report = hs.poll().await;
        assert_eq!(report.probe.status, HealthStatus::Ok, "{}", report.probe.summary);
        assert_eq!(data(&report).contacts.len(), 1);
    }
    let mut posts: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() != "GET")
        .map(|r| format!("{} {}", r.method, r.url.path()))
        .collect();
    posts.sort(); // the two searches of one poll run side by side
    assert_eq!(
        posts,
        [
            format!("POST {SEARCH}"),
            format!("POST {TASK_SEARCH}"),
            format!("POST {TASK_SEARCH}")
        ],
        "two polls: one contact search (the second) and a task search each; no write is ever sent"
    );
}

#[tokio::test]
async fn null_and_garbage_properties_are_read_and_idless_records_skipped() {
    let server = MockServer::start().await;
    mount_probe(&server).await;
    mount_contacts(
        &server,
        vec![
            contact("1", "2026-11-20T08:00:00Z"),
            json!({"id": "2", "properties": {"email": null, "firstname": 42, "hs_email_optout": "perhaps",
                "hs_lastmodifieddate": "not a date", "lifecyclestage": ""}}),
            json!({"properties": {"email": "ghost@acme.example"}}),
            json!("not even an object"),
        ],
    )
    .await;
    mount_rest(&server).await;
    let report = connector(&server).poll().await;
    assert_eq!(report.probe.status, HealthStatus::Degraded);
    assert!(
        report.probe.summary.ends_with("(2 unreadable records skipped)"),
        "{}",
        report.probe.summary
    );
    let d = data(&report);
    let c2 = &d.contacts["2"];
    assert_eq!(
        (c2.email.clone(), c2.lifecyclestage.clone(), c2.email_optout),
        (None, None, None)
    );
    assert_eq!(c2.firstname.as_deref(), Some("42"));
    assert_eq!(c2.modified, None);
    assert_eq!(d.contacts.len(), 2);
}

#[tokio::test]
async fn a_failing_call_after_the_probe_names_it_and_keeps_the_vendor_error() {
    let server = MockServer::start().await;
    mount_probe(&server).await;
    mount_contacts(&server, vec![contact("1", "2026-11-20T08:00:00Z")]).await;
    Mock::given(method("GET"))
        .and(path("/crm/v3/owners"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "status": "error",
            "message": format!("This app hasn't been granted all required scopes to make this call ({TOKEN})."),
            "correlationId": "9a1f-77",
            "category": "MISSING_SCOPES"
        })))
        .mount(&server)
        .await;
    mount_rest(&server).await; // owners above wins: mounted first
    let report = connector(&server).poll().await;
    assert_eq!(report.data, None);
    assert_eq!(report.probe.status, HealthStatus::Auth);
    assert!(
        report
            .probe
            .summary
            .starts_with("probe OK, but GET /crm/v3/owners failed"),
        "{}",
        report.probe.summary
    );
    assert_eq!(report.probe.http_status, Some(403));
    let vendor = report.probe.vendor_error.unwrap();
    assert_eq!(vendor.code.as_deref(), Some("MISSING_SCOPES"));
    assert!(vendor.message.contains("correlationId 9a1f-77"), "{}", vendor.message);
    assert!(!vendor.message.contains(TOKEN) && !report.probe.summary.contains(TOKEN));
    assert!(vendor.message.contains("(***)"), "{}", vendor.message);
}

#[tokio::test]
async fn a_window_that_cannot_advance_falls_back_to_a_full_read() {
    let server = MockServer::start().await;
    mount_probe(&server).await;
    mount_contacts(&server, vec![contact("1", "2026-11-20T08:00:00Z")]).await;
    mount_rest(&server).await;
    // Three changes at the very same millisecond, a cap of two: no window
    // can get past them.
    let same = "2026-11-21T01:00:00Z";
    Mock::given(method("POST"))
        .and(path(SEARCH))
        .respond_with(search_answers(vec![
            contact("2", same),
            contact("3", same),
            contact("4", same),
        ]))
        .mount(&server)
        .await;
    let hs = connector(&server).with_search_cap(2);
    hs.poll().await;
    let report = hs.poll().await;
    assert_eq!(report.probe.status, HealthStatus::Ok, "{}", report.probe.summary);
    let received = server.received_requests().await.unwrap();
    let full_reads = received
        .iter()
        .filter(|r| r.url.path() == "/crm/v3/objects/contacts" && query(r, "limit").as_deref() == Some("2"))
        .count();
    assert_eq!(full_reads, 2, "the second poll reads everything again");
    assert_eq!(received.iter().filter(|r| r.url.path() == SEARCH).count(), 2);
    assert_eq!(data(&report).contacts.keys().collect::<Vec<_>>(), ["1"]);
}

#[tokio::test]
async fn a_rate_limited_search_is_reported_as_such() {
    let server = MockServer::start().await;
    mount_probe(&server).await;
    mount_contacts(&server, vec![contact("1", "2026-11-20T08:00:00Z")]).await;
    mount_rest(&server).await;
    Mock::given(method("POST"))
        .and(path(SEARCH))
        .respond_with(ResponseTemplate::new(429).set_body_json(json!({
            "status": "error", "message": "You have reached your secondly limit.",
            "errorType": "RATE_LIMIT", "correlationId": "c-1", "policyName": "SECONDLY", "category": "RATE_LIMITS"
        })))
        .mount(&server)
        .await;
    let hs = connector(&server);
    assert!(hs.poll().await.data.is_some());
    let report = hs.poll().await;
    assert_eq!(
        report.probe.status,
        HealthStatus::RateLimited,
        "{}",
        report.probe.summary
    );
    assert!(
        report
            .probe
            .summary
            .starts_with("probe OK, but POST /crm/v3/objects/contacts/search failed"),
        "{}",
        report.probe.summary
    );
    assert_eq!(report.data, None);
}

#[tokio::test]
async fn a_server_that_repeats_a_cursor_is_broken_not_an_endless_loop() {
    let server = MockServer::start().await;
    mount_probe(&server).await;
    Mock::given(method("GET"))
        .and(path("/crm/v3/objects/contacts"))
        .and(query_param("limit", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "results": [contact("1", "2026-11-20T08:00:00Z")],
            "paging": {"next": {"after": "same"}}
        })))
        .mount(&server)
        .await;
    mount_rest(&server).await;
    let report = connector(&server).poll().await;
    assert_eq!(report.probe.status, HealthStatus::Degraded);
    assert!(
        report.probe.summary.contains("sent the cursor \"same\" again"),
        "{}",
        report.probe.summary
    );
}

#[tokio::test]
async fn a_burst_of_pages_stays_under_the_rate_limit() {
    let server = MockServer::start().await;
    let limit = RateLimit {
        requests: 10,
        per: Duration::from_secs(1),
    };
    let arrivals = Arc::new(Mutex::new(Vec::new()));
    let seen = arrivals.clone();
    let contacts: Vec<Value> = (1..=24)
        .map(|i| contact(&i.to_string(), "2026-11-20T08:00:00Z"))
        .collect();
    let pages = cursor_pages(contacts);
    Mock::given(method("GET"))
        .and(path("/crm/v3/objects/contacts"))
        .respond_with(move |req: &Request| {
            seen.lock().unwrap().push(Instant::now());
            if query(req, "limit").as_deref() == Some("1") {
                ResponseTemplate::new(200).set_body_json(json!({"results": []}))
            } else {
                pages(req)
            }
        })
        .mount(&server)
        .await;
    mount_rest(&server).await;
    let hs = connector_with(
        &server,
        false,
        Policy {
            rate_limit: Some(limit),
            ..policy()
        },
    );
    let started = Instant::now();
    let report = hs.poll().await;
    let took = started.elapsed();
    assert_eq!(data(&report).contacts.len(), 24);
    let total = server.received_requests().await.unwrap().len();
    assert!(
        total >= 19,
        "probe, 12 contact pages, deals, owners, pipelines, tasks, account: {total}"
    );
    // The limiter lets one through at once and the rest at 9 a second: a
    // loaded machine can only make this slower, never faster.
    let least = Duration::from_millis(1000 / 9) * (total as u32 - 1);
    assert!(
        took >= least.mul_f64(0.9),
        "{total} requests in {took:?}, limit allows no less than {least:?}"
    );
    let arrivals = arrivals.lock().unwrap();
    assert_eq!(arrivals.len(), 13);
    // The headroom the health pane shows comes from the same limiter.
    let headroom = report.probe.rate_limit.expect("headroom");
    assert_eq!(headroom.limit, 10);
}
