//! HubSpot CRM tasks against wiremock on 127.0.0.1: the open-tasks search
//! (exact body, cursor paging, the 10,000-result cap, read-only mode),
//! lenient parsing, a tasks search that fails while everything else loads,
//! and the task actions (exact PATCH bodies, refusals, HubSpot's errors,
//! read-only mode sending nothing).
//!
//! Every test starts a fresh server (`MockServer::builder().start()`), not
//! one from wiremock's pool: a poll that fails early cancels reads already
//! on the wire, which would otherwise land on the next test's server.

use std::sync::Arc;
use std::time::Duration;

use mops::actions::{ActionArgs, Availability, Target};
use mops::http::{HttpCore, Policy};
use mops::model::{CrmData, CrmTask, HealthStatus, SourceKind, TaskPriority, TaskStatus};
use mops::sources::{self, Connector, Hubspot, PollReport, SourceData};
use secrecy::SecretString;
use serde_json::{Value, json};
use url::Url;
use wiremock::matchers::{bearer_token, body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TOKEN: &str = "pat-na1-11111111-2222-3333-4444-555555555555";
const TASK_SEARCH: &str = "/crm/v3/objects/tasks/search";
const TASK_PROPS: [&str; 8] = [
    "hs_task_subject",
    "hs_task_body",
    "hs_task_status",
    "hs_task_priority",
    "hs_task_type",
    "hs_timestamp",
    "hubspot_owner_id",
    "hs_lastmodifieddate",
];
const REQUEST_ID: &str = "act-7a2c";

fn policy() -> Policy {
    Policy {
        timeout: Duration::from_secs(5),
        max_retries: 1,
        backoff_base: Duration::from_millis(5),
        backoff_max: Duration::from_millis(10),
        ..Policy::default()
    }
}

fn connector_at(base: &str, readonly: bool) -> Hubspot {
    let client = HttpCore::new(readonly).unwrap().source("crm", policy());
    let base = Url::parse(base).unwrap();
    Hubspot::new("crm", client, &base, SecretString::from(TOKEN), Duration::from_secs(5))
        .unwrap()
        .with_search_gap(Duration::from_millis(1))
}

fn connector(server: &MockServer, readonly: bool) -> Hubspot {
    connector_at(&server.uri(), readonly)
}

fn task_json(id: &str, subject: &str, due: Value) -> Value {
    json!({"id": id, "properties": {
        "hs_task_subject": subject, "hs_task_body": "<p>notes</p>", "hs_task_status": "NOT_STARTED",
        "hs_task_priority": "MEDIUM", "hs_task_type": "TODO", "hs_timestamp": due,
        "hubspot_owner_id": "77", "hs_lastmodifieddate": "2026-11-20T08:00:00Z"
    }, "createdAt": "2026-11-01T00:00:00Z", "updatedAt": "2026-11-20T08:00:00Z", "archived": false})
}

/// Answers the tasks search like HubSpot: `after` is an offset into
/// `tasks`, `limit` from the body, `paging.next` until the last page.
fn task_pages(tasks: Vec<Value>) -> impl Fn(&Request) -> ResponseTemplate + Send + Sync {
    move |req: &Request| {
        let body: Value = serde_json::from_slice(&req.body).unwrap();
        let after: usize = body["after"].as_str().unwrap().parse().unwrap();
        let limit = body["limit"].as_u64().unwrap() as usize;
        let page: Vec<Value> = tasks.iter().skip(after).take(limit).cloned().collect();
        let mut out = json!({"total": tasks.len(), "results": page});
        if after + limit < tasks.len() {
            out["paging"] = json!({"next": {"after": (after + limit).to_string(), "link": "https://api.hubapi.com/x"}});
        }
        ResponseTemplate::new(200).set_body_json(out)
    }
}

/// The probe, two contacts (one page) and empty deals, owners and
/// pipelines: everything a poll reads besides the tasks.
async fn mount_crm(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/crm/v3/objects/contacts"))
        .and(query_param("limit", "1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"results": []})))
        .mount(server)
        .await;
    let contact = |id: &str| {
        json!({"id": id, "properties": {"email": format!("c{id}@acme.example"),
            "hs_lastmodifieddate": "2026-11-20T08:00:00Z"}})
    };
    Mock::given(method("GET"))
        .and(path("/crm/v3/objects/contacts"))
        .and(query_param("limit", "100"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"results": [contact("1"), contact("2")]})))
        .mount(server)
        .await;
    for p in ["/crm/v3/objects/deals", "/crm/v3/owners", "/crm/v3/pipelines/deals"] {
        Mock::given(method("GET"))
            .and(path(p))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"results": []})))
            .mount(server)
            .await;
    }
}

async fn mount_tasks(server: &MockServer, tasks: Vec<Value>) {
    Mock::given(method("POST"))
        .and(path(TASK_SEARCH))
        .and(bearer_token(TOKEN))
        .respond_with(task_pages(tasks))
        .mount(server)
        .await;
}

fn data(report: &PollReport) -> Arc<CrmData> {
    match &report.data {
        Some(SourceData::Crm(d)) => d.clone(),
        other => panic!("no CRM data: {other:?} {:?}", report.probe),
    }
}

async fn search_bodies(server: &MockServer) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == TASK_SEARCH)
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect()
}

#[tokio::test]
async fn open_tasks_are_searched_with_the_exact_body_and_paged_by_cursor() {
    let server = MockServer::builder().start().await;
    mount_crm(&server).await;
    // Out of order on purpose: the cockpit shows soonest due first, undated last.
    mount_tasks(
        &server,
        vec![
            task_json("11", "Undated follow-up", Value::Null),
            task_json("12", "Send the deck", json!("2026-11-25T09:00:00.000Z")),
            task_json("13", "Call Ann back", json!("2026-11-21T15:30:00Z")),
            task_json("14", "Renewal quote", json!("2026-11-23T09:00:00Z")),
            task_json("15", "Book the venue", json!("2026-11-22T09:00:00Z")),
        ],
    )
    .await;
    let report = connector(&server, false).with_page_sizes(100, 2).poll().await;
    assert_eq!(report.probe.status, HealthStatus::Ok, "{}", report.probe.summary);
    let d = data(&report);
    let subjects: Vec<&str> = d.tasks.iter().map(|t| t.subject.as_str()).collect();
    assert_eq!(
        subjects,
        [
            "Call Ann back",
            "Book the venue",
            "Renewal quote",
            "Send the deck",
            "Undated follow-up"
        ]
    );
    assert_eq!(d.contacts.len(), 2, "contacts load beside the tasks");

    let bodies = search_bodies(&server).await;
    let expected = |after: &str| {
        json!({
            "filterGroups": [{"filters": [{"propertyName": "hs_task_status", "operator": "NEQ", "value": "COMPLETED"}]}],
            "properties": TASK_PROPS,
            "sorts": [{"propertyName": "hs_timestamp", "direction": "ASCENDING"}],
            "limit": 2,
            "after": after
        })
    };
    assert_eq!(bodies, [expected("0"), expected("2"), expected("4")]);
}

#[tokio::test]
async fn readonly_mode_still_reads_tasks_and_sends_nothing_else() {
    let server = MockServer::builder().start().await;
    mount_crm(&server).await;
    mount_tasks(
        &server,
        vec![task_json("21", "Call Ann back", json!("2026-11-21T15:30:00Z"))],
    )
    .await;
    let report = connector(&server, true).poll().await;
    assert_eq!(report.probe.status, HealthStatus::Ok, "{}", report.probe.summary);
    assert_eq!(data(&report).tasks.len(), 1);
    let not_get: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() != "GET")
        .map(|r| format!("{} {}", r.method, r.url.path()))
        .collect();
    assert_eq!(not_get, [format!("POST {TASK_SEARCH}")]);
}

#[tokio::test]
async fn a_tasks_only_poll_reads_owners_and_tasks_and_no_contact() {
    let server = MockServer::builder().start().await;
    mount_crm(&server).await;
    mount_tasks(
        &server,
        vec![task_json("7", "Call back", json!("2026-11-20T09:00:00Z"))],
    )
    .await;
    let report = connector(&server, false).poll_scope(sources::DataScope::Tasks).await;
    assert_eq!(data(&report).tasks.len(), 1);
    assert!(data(&report).contacts.is_empty());
    let paths: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.url.path().to_owned())
        .collect();
    for skipped in [
        "/crm/v3/objects/deals",
        "/crm/v3/pipelines/deals",
        "/account-info/v3/details",
    ] {
        assert!(!paths.iter().any(|p| p == skipped), "{skipped} read: {paths:?}");
    }
    let contact_reads = paths.iter().filter(|p| *p == "/crm/v3/objects/contacts").count();
    assert_eq!(contact_reads, 1, "only the health probe reads contacts: {paths:?}");
    assert!(paths.iter().any(|p| p == "/crm/v3/owners"), "{paths:?}");
}

#[tokio::test]
async fn task_properties_are_read_leniently_and_idless_tasks_skipped() {
    let server = MockServer::builder().start().await;
    mount_crm(&server).await;
    mount_tasks(
        &server,
        vec![
            json!({"id": "31", "properties": {
                "hs_task_subject": "Call Ann back", "hs_task_body": null, "hs_task_status": "IN_PROGRESS",
                "hs_task_priority": "HIGH", "hs_task_type": "CALL", "hs_timestamp": "1795338000000",
                "hubspot_owner_id": null, "hs_lastmodifieddate": "2026-11-20T08:00:00Z"}}),
            json!({"id": 32, "properties": {
                "hs_task_subject": 7, "hs_task_status": null, "hs_task_priority": "URGENT!!",
                "hs_task_type": {"x": 1}, "hs_timestamp": "next tuesday", "hubspot_owner_id": "78",
                "hs_lastmodifieddate": "garbage"}, "updatedAt": "2026-11-19T00:00:00Z"}),
            json!({"id": "33", "properties": null}),
            json!({"properties": {"hs_task_subject": "no id"}}),
            json!(["not", "an", "object"]),
            // A server that ignores the filter: completed work is not queued.
            json!({"id": "34", "properties": {"hs_task_subject": "Done already", "hs_task_status": "COMPLETED"}}),
        ],
    )
    .await;
    let report = connector(&server, false).poll().await;
    assert_eq!(report.probe.status, HealthStatus::Degraded);
    assert!(
        report.probe.summary.ends_with("(2 unreadable records skipped)"),
        "{}",
        report.probe.summary
    );
    let d = data(&report);
    let ids: Vec<&str> = d.tasks.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["31", "32", "33"], "dated first, then undated in server order");
    let t = &d.tasks[0];
    assert_eq!(
        t.due,
        Some("2026-11-22T09:00:00Z".parse().unwrap()),
        "epoch milliseconds"
    );
    assert_eq!(
        (t.status.clone(), t.priority, t.task_type.as_deref()),
        (TaskStatus::InProgress, Some(TaskPriority::High), Some("CALL"))
    );
    assert_eq!((t.body.as_deref(), t.owner_id.as_deref()), (None, None));
    let g = &d.tasks[1];
    assert_eq!(g.subject, "7");
    assert_eq!((g.due, g.priority, g.task_type.as_deref()), (None, None, None));
    assert_eq!(g.status, TaskStatus::NotStarted);
    assert_eq!(g.owner_id.as_deref(), Some("78"));
    assert_eq!(g.modified, Some("2026-11-19T00:00:00Z".parse().unwrap()));
    assert_eq!(d.tasks[2].display_subject(), "(no subject)");
}

#[tokio::test]
async fn more_open_tasks_than_a_search_returns_stop_at_10000_and_say_so() {
    let server = MockServer::builder().start().await;
    mount_crm(&server).await;
    let tasks: Vec<Value> = (0..10_050)
        .map(|i| task_json(&format!("{}", 100_000 + i), "Follow up", json!("2026-11-25T09:00:00Z")))
        .collect();
    mount_tasks(&server, tasks).await;
    let report = connector(&server, false).poll().await;
    assert_eq!(report.probe.status, HealthStatus::Ok, "{}", report.probe.summary);
    assert_eq!(report.probe.summary, "contacts readable (first 10,000 open tasks)");
    assert_eq!(data(&report).tasks.len(), 10_000);
    let afters: Vec<String> = search_bodies(&server)
        .await
        .iter()
        .map(|b| b["after"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(afters.len(), 50, "50 pages of 200, never a page past the cap");
    assert_eq!(afters.last().map(String::as_str), Some("9800"));
}

#[tokio::test]
async fn a_smaller_cap_stops_before_the_page_that_would_cross_it() {
    let server = MockServer::builder().start().await;
    mount_crm(&server).await;
    let tasks: Vec<Value> = (1..=7)
        .map(|i| task_json(&i.to_string(), "Follow up", json!("2026-11-25T09:00:00Z")))
        .collect();
    mount_tasks(&server, tasks).await;
    let report = connector(&server, false)
        .with_page_sizes(100, 2)
        .with_search_cap(5)
        .poll()
        .await;
    assert_eq!(report.probe.summary, "contacts readable (first 4 open tasks)");
    assert_eq!(data(&report).tasks.len(), 4);
    assert_eq!(search_bodies(&server).await.len(), 2);
}

#[tokio::test]
async fn a_token_without_the_tasks_scope_still_shows_everything_else() {
    let server = MockServer::builder().start().await;
    mount_crm(&server).await;
    Mock::given(method("POST"))
        .and(path(TASK_SEARCH))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "status": "error",
            "message": format!("This app hasn't been granted all required scopes to make this call ({TOKEN})."),
            "correlationId": "7e0c-11",
            "category": "MISSING_SCOPES",
            "errors": [{"message": "One or more of the following scopes are required.",
                        "context": {"requiredGranularScopes": ["crm.objects.tasks.read"]}}]
        })))
        .mount(&server)
        .await;
    let report = connector(&server, false).poll().await;
    let d = data(&report);
    assert_eq!(d.contacts.len(), 2, "contacts still load");
    assert!(d.tasks.is_empty());
    let p = &report.probe;
    assert_eq!(p.status, HealthStatus::Degraded, "one missing scope is not a bad token");
    assert!(
        p.summary
            .starts_with("contacts readable; tasks could not be read: POST /crm/v3/objects/tasks/search failed"),
        "{}",
        p.summary
    );
    assert!(
        p.summary
            .contains("access denied (HTTP 403): This app hasn't been granted"),
        "{}",
        p.summary
    );
    assert_eq!(p.http_status, Some(403));
    let vendor = p.vendor_error.clone().unwrap();
    assert_eq!(vendor.code.as_deref(), Some("MISSING_SCOPES"));
    assert!(
        vendor
            .message
            .starts_with("This app hasn't been granted all required scopes"),
        "{}",
        vendor.message
    );
    assert!(vendor.message.contains("correlationId 7e0c-11"), "{}", vendor.message);
    assert!(!vendor.message.contains(TOKEN) && !p.summary.contains(TOKEN));
}

#[tokio::test]
async fn a_failing_contacts_read_still_fails_the_whole_poll() {
    let server = MockServer::builder().start().await;
    Mock::given(method("GET"))
        .and(path("/crm/v3/owners"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    mount_crm(&server).await;
    mount_tasks(&server, vec![task_json("1", "Call", json!("2026-11-25T09:00:00Z"))]).await;
    let report = connector(&server, false).poll().await;
    assert_eq!(report.data, None);
    assert!(
        report
            .probe
            .summary
            .starts_with("probe OK, but GET /crm/v3/owners failed"),
        "{}",
        report.probe.summary
    );
}

// ---- actions ----

fn task(id: &str) -> CrmTask {
    CrmTask {
        id: id.into(),
        subject: "Call Ann back".into(),
        status: TaskStatus::NotStarted,
        priority: Some(TaskPriority::High),
        due: Some("2098-01-01T09:00:00Z".parse().unwrap()),
        owner_id: Some("77".into()),
        ..CrmTask::default()
    }
}

fn owner(id: &str) -> ActionArgs {
    ActionArgs {
        owner_id: Some(id.into()),
        ..ActionArgs::default()
    }
}

fn at(t: &str) -> ActionArgs {
    ActionArgs {
        time: Some(t.parse().unwrap()),
        ..ActionArgs::default()
    }
}

#[tokio::test]
async fn every_task_action_sends_one_exact_patch() {
    let t = task("5001");
    let cases = [
        (
            "complete",
            ActionArgs::default(),
            json!({"properties": {"hs_task_status": "COMPLETED"}}),
            "task 'Call Ann back' completed",
        ),
        (
            "reassign",
            owner("78"),
            json!({"properties": {"hubspot_owner_id": "78"}}),
            "task 'Call Ann back' reassigned to owner 78",
        ),
        (
            "postpone",
            at("2099-01-05T10:30:00+01:00"),
            json!({"properties": {"hs_timestamp": "2099-01-05T09:30:00.000Z"}}),
            "task 'Call Ann back' now due Mon 5 Jan 09:30 UTC",
        ),
    ];
    for (action, args, body, summary) in cases {
        let server = MockServer::builder().start().await;
        Mock::given(method("PATCH"))
            .and(path("/crm/v3/objects/tasks/5001"))
            .and(bearer_token(TOKEN))
            .and(header("x-request-id", REQUEST_ID))
            .and(header("content-type", "application/json"))
            .and(body_json(body.clone()))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "5001", "properties": {}})))
            .expect(1)
            .mount(&server)
            .await;
        let hs = connector(&server, false);
        assert_eq!(
            sources::availability(SourceKind::Hubspot, action, Target::Task(&t)),
            Availability::Ready
        );
        let planned = hs.plan(action, Target::Task(&t), &args).expect(action);
        assert_eq!(
            (planned.method.as_str(), planned.body.clone()),
            ("PATCH", Some(body)),
            "{action}"
        );
        assert_eq!(
            (planned.target_id.as_str(), planned.target_name.as_str()),
            ("5001", "Call Ann back")
        );
        assert_eq!(planned.auth, "Bearer ***");
        assert!(planned.effect.contains("'Call Ann back'"), "{}", planned.effect);
        let outcome = hs.execute(&planned, REQUEST_ID).await.expect(action);
        assert_eq!((outcome.http_status, outcome.request_id.as_str()), (200, REQUEST_ID));
        assert_eq!(outcome.summary, summary);
        assert_eq!(
            server.received_requests().await.unwrap().len(),
            1,
            "{action} is sent once"
        );
    }
}

#[tokio::test]
async fn task_menus_and_refusals_say_why() {
    let t = task("5001");
    let names: Vec<&str> = sources::actions_for_target(SourceKind::Hubspot, Target::Task(&t))
        .iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names, ["complete", "reassign", "postpone"]);
    let done = CrmTask {
        status: TaskStatus::Completed,
        ..task("5002")
    };
    assert_eq!(
        sources::availability(SourceKind::Hubspot, "complete", Target::Task(&done)),
        Availability::Disabled("'Call Ann back' (task 5002) is already completed".into())
    );
    assert_eq!(
        sources::availability(SourceKind::Hubspot, "opt-out", Target::Task(&t)),
        Availability::Disabled(
            "HubSpot has no task action \"opt-out\" (it offers complete, reassign, postpone)".into()
        )
    );

    // Refusals are plans that never reach the server.
    let server = MockServer::builder().start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let hs = connector(&server, false);
    let refused = |action: &str, target: &CrmTask, args: ActionArgs| {
        hs.plan(action, Target::Task(target), &args).unwrap_err().message
    };
    assert!(refused("complete", &done, ActionArgs::default()).contains("already completed"));
    assert!(refused("reassign", &t, ActionArgs::default()).contains("needs an owner id"));
    assert!(refused("reassign", &t, owner("kim@acme.example")).contains("not a HubSpot owner id"));
    assert!(refused("reassign", &t, owner("77")).contains("already owned by 77"));
    assert!(refused("postpone", &t, ActionArgs::default()).contains("needs a new due time"));
    assert!(refused("postpone", &t, at("2020-01-01T09:00:00Z")).contains("not in the future"));
    assert!(refused("postpone", &t, at("2097-12-31T09:00:00Z")).contains("already due Wed 1 Jan 09:00 UTC"));
    assert!(refused("merge", &t, ActionArgs::default()).contains("no task action \"merge\""));
}

#[tokio::test]
async fn hubspot_validation_errors_come_back_with_their_category() {
    let server = MockServer::builder().start().await;
    Mock::given(method("PATCH"))
        .and(path("/crm/v3/objects/tasks/5001"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "status": "error",
            "message": format!("Property values were not valid (token {TOKEN})"),
            "correlationId": "3c9d-08",
            "category": "VALIDATION_ERROR",
            "errors": [{"message": "hs_timestamp is not a valid date", "code": "INVALID_DATE"}]
        })))
        .expect(1)
        .mount(&server)
        .await;
    let hs = connector(&server, false);
    let planned = hs
        .plan("postpone", Target::Task(&task("5001")), &at("2099-01-05T09:30:00Z"))
        .unwrap();
    let err = hs.execute(&planned, REQUEST_ID).await.unwrap_err();
    assert_eq!(err.http_status, Some(400));
    assert_eq!(err.request_id.as_deref(), Some(REQUEST_ID));
    assert_eq!(err.vendor.as_ref().unwrap().code.as_deref(), Some("VALIDATION_ERROR"));
    assert_eq!(
        err.message,
        "postpone 'Call Ann back' failed: HTTP 400: VALIDATION_ERROR: \
         Property values were not valid (token ***) (correlationId 3c9d-08)"
    );
    let text = format!("{err:?} {}", serde_json::to_string(&err).unwrap());
    assert!(!text.contains(TOKEN), "{text}");
}

#[tokio::test]
async fn a_vendor_that_does_not_answer_is_reported_as_unanswered() {
    // A port nothing listens on: the connection is refused at once.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let hs = connector_at(&format!("http://127.0.0.1:{port}"), false);
    let planned = hs
        .plan("complete", Target::Task(&task("5001")), &ActionArgs::default())
        .unwrap();
    let err = hs.execute(&planned, REQUEST_ID).await.unwrap_err();
    assert!(
        err.message.starts_with("complete 'Call Ann back' failed: "),
        "{}",
        err.message
    );
    assert_eq!((err.http_status, err.vendor.clone()), (None, None));
    assert_eq!(err.request_id.as_deref(), Some(REQUEST_ID), "it was sent");
}

#[tokio::test]
async fn readonly_mode_refuses_task_actions_and_sends_nothing() {
    let server = MockServer::builder().start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let hs = connector(&server, true);
    let t = task("5001");
    let plans = [
        hs.plan("complete", Target::Task(&t), &ActionArgs::default()),
        hs.plan("reassign", Target::Task(&t), &owner("78")),
        hs.plan("postpone", Target::Task(&t), &at("2099-01-05T09:30:00Z")),
    ];
    for planned in plans {
        let planned = planned.unwrap();
        let err = hs.execute(&planned, REQUEST_ID).await.unwrap_err();
        assert!(err.message.contains("read-only"), "{}", err.message);
        assert_eq!((err.http_status, err.request_id), (None, None), "nothing was sent");
    }
}

#[tokio::test]
async fn tasks_kept_through_a_failed_search_say_when_they_were_read() {
    let server = MockServer::builder().start().await;
    mount_crm(&server).await;
    mount_tasks(&server, vec![task_json("1", "Call", json!("2026-11-25T09:00:00Z"))]).await;
    let c = connector(&server, false);
    let first = data(&c.poll().await);
    assert_eq!((first.tasks.len(), first.tasks_as_of), (1, None));

    server.reset().await;
    mount_crm(&server).await;
    // The second poll syncs contacts incrementally: nothing changed.
    Mock::given(method("POST"))
        .and(path("/crm/v3/objects/contacts/search"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"total": 0, "results": []})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(TASK_SEARCH))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let second = c.poll().await;
    let kept = data(&second);
    assert_eq!(kept.tasks, first.tasks, "the last good tasks stay");
    assert!(kept.tasks_as_of.is_some(), "and say they are from an earlier poll");
    assert_eq!(second.probe.status, HealthStatus::Degraded);
}
