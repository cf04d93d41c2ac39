//! Mailchimp campaign actions against wiremock on 127.0.0.1: the exact request
//! each sends, refusals before anything is sent, and how failures come back.

use std::io::Write;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use mops::actions::time::round_to_quarter_hour;
use mops::actions::{ActionArgs, Target};
use mops::config::{SecretRef, SourceConfig, SourceSettings};
use mops::http::{HttpCore, Policy};
use mops::model::{Campaign, CampaignStatus, SourceKind};
use mops::sources::{self, Connector, Mailchimp};
use secrecy::SecretString;
use serde_json::{Value, json};
use url::Url;
use wiremock::matchers::{basic_auth, body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "0123456789abcdef0123456789abcdef-us14";
const REQUEST_ID: &str = "act-7f3c2a";

fn connector_on(server: &MockServer, readonly: bool, emails: &[&str]) -> Mailchimp {
    let policy = Policy {
        timeout: Duration::from_secs(5),
        backoff_base: Duration::from_millis(5),
        backoff_max: Duration::from_millis(10),
        ..Policy::mailchimp()
    };
    let client = HttpCore::new(readonly).unwrap().source("email", policy);
    let base = Url::parse(&format!("{}/3.0", server.uri())).unwrap();
    Mailchimp::new("email", client, &base, SecretString::from(KEY), Duration::from_secs(5))
        .unwrap()
        .with_test_emails(emails.iter().map(|e| e.to_string()).collect())
}

fn connector(server: &MockServer) -> Mailchimp {
    connector_on(server, false, &["qa@example.com", "lead@example.com"])
}

fn campaign(id: &str, kind: &str, status: CampaignStatus) -> Campaign {
    Campaign {
        id: id.into(),
        web_id: Some(7),
        kind: kind.into(),
        status,
        title: "Black Friday teaser".into(),
        subject: "Save 30%".into(),
        from_name: "Shop".into(),
        list_id: "l1".into(),
        list_name: "Customers".into(),
        recipient_count: 1000,
        create_time: None,
        send_time: None,
        emails_sent: 0,
        report: None,
    }
}

fn no_args() -> ActionArgs {
    ActionArgs::default()
}

/// Mounts the one request `action` on campaign `id` must send, answering `answer`.
async fn expect_action(
    server: &MockServer,
    id_in_path: &str,
    action: &str,
    body: Option<Value>,
    answer: ResponseTemplate,
) {
    let mut mock = Mock::given(method("POST"))
        .and(path(format!("/3.0/campaigns/{id_in_path}/actions/{action}")))
        .and(basic_auth("mops", KEY))
        .and(header("x-request-id", REQUEST_ID));
    if let Some(body) = body {
        mock = mock
            .and(body_json(body))
            .and(header("content-type", "application/json"));
    }
    mock.respond_with(answer).expect(1).mount(server).await;
}

#[tokio::test]
async fn every_action_sends_its_exact_request() {
    let cases: Vec<(&str, &str, CampaignStatus, Option<Value>, &str)> = vec![
        (
            "unschedule",
            "regular",
            CampaignStatus::Schedule,
            None,
            "unscheduled; back to draft",
        ),
        ("cancel-send", "regular", CampaignStatus::Sending, None, "send canceled"),
        ("pause", "rss", CampaignStatus::Sending, None, "paused"),
        ("resume", "rss", CampaignStatus::Paused, None, "resumed"),
        (
            "test",
            "regular",
            CampaignStatus::Save,
            Some(json!({"test_emails": ["qa@example.com", "lead@example.com"], "send_type": "html"})),
            "test sent to qa@example.com, lead@example.com",
        ),
    ];
    for (action, kind, status, body, summary) in cases {
        let server = MockServer::start().await;
        expect_action(&server, "b03bfc2a9c", action, body.clone(), ResponseTemplate::new(204)).await;
        let mc = connector(&server);
        let c = campaign("b03bfc2a9c", kind, status);
        let planned = mc.plan(action, Target::Campaign(&c), &no_args()).expect(action);
        assert_eq!(planned.body, body, "{action}");
        assert_eq!(planned.auth, "Basic ***");
        let outcome = mc.execute(&planned, REQUEST_ID).await.expect(action);
        assert_eq!(
            (outcome.http_status, outcome.request_id.as_str()),
            (204, REQUEST_ID),
            "{action}"
        );
        assert_eq!(outcome.summary, summary);
        let received = server.received_requests().await.unwrap();
        assert_eq!(received.len(), 1, "{action}");
        if body.is_none() {
            assert!(received[0].body.is_empty(), "{action} sends no body");
        }
    }
}

#[tokio::test]
async fn schedule_sends_a_future_quarter_hour_in_utc() {
    let server = MockServer::start().await;
    let wanted = Timestamp::now().checked_add(SignedDuration::from_hours(49)).unwrap();
    let at = round_to_quarter_hour(wanted);
    let body = json!({"schedule_time": at.to_string(), "timewarp": false});
    assert!(at.to_string().ends_with(":00Z"), "{at}");
    expect_action(
        &server,
        "c%2F1",
        "schedule",
        Some(body.clone()),
        ResponseTemplate::new(204),
    )
    .await;
    let mc = connector(&server);
    let c = campaign("c/1", "regular", CampaignStatus::Save);
    let planned = mc
        .plan(
            "schedule",
            Target::Campaign(&c),
            &ActionArgs {
                time: Some(wanted),
                ..ActionArgs::default()
            },
        )
        .unwrap();
    assert!(
        planned.url.as_str().ends_with("/3.0/campaigns/c%2F1/actions/schedule"),
        "{}",
        planned.url
    );
    assert_eq!(planned.body, Some(body));
    assert!(
        planned.effect.starts_with("Schedules 'Black Friday teaser' for ") && planned.effect.contains("(in 2d"),
        "{}",
        planned.effect
    );
    let outcome = mc.execute(&planned, REQUEST_ID).await.unwrap();
    assert_eq!(outcome.http_status, 204);
    assert!(outcome.summary.starts_with("scheduled for "), "{}", outcome.summary);
}

#[tokio::test]
async fn replicate_names_the_new_draft() {
    let server = MockServer::start().await;
    expect_action(
        &server,
        "b03bfc2a9c",
        "replicate",
        None,
        ResponseTemplate::new(200).set_body_json(json!({
            "id": "9d3e5a77b1", "type": "regular", "status": "save",
            "settings": {"title": "Black Friday teaser (copy 01)", "subject_line": "Save 30%"}})),
    )
    .await;
    let mc = connector(&server);
    let c = campaign("b03bfc2a9c", "regular", CampaignStatus::Sent);
    let planned = mc.plan("replicate", Target::Campaign(&c), &no_args()).unwrap();
    let outcome = mc.execute(&planned, REQUEST_ID).await.unwrap();
    assert_eq!(outcome.http_status, 200);
    assert_eq!(
        outcome.summary,
        "replicated as 'Black Friday teaser (copy 01)' (id 9d3e5a77b1)"
    );
}

#[tokio::test]
async fn plan_refuses_what_the_state_or_config_forbids() {
    let server = MockServer::start().await;
    let mc = connector(&server);
    let sent = campaign("c1", "regular", CampaignStatus::Sent);
    let cases = [
        (
            "schedule",
            "cannot schedule 'Black Friday teaser': only a draft can be scheduled",
        ),
        (
            "unschedule",
            "cannot unschedule 'Black Friday teaser': only a scheduled campaign can be unscheduled",
        ),
        (
            "cancel-send",
            "cannot cancel-send 'Black Friday teaser': only a campaign that is sending can be canceled",
        ),
        (
            "pause",
            "cannot pause 'Black Friday teaser': only RSS campaigns can be paused and resumed",
        ),
        (
            "test",
            "cannot test 'Black Friday teaser': test emails go out from drafts, scheduled and paused campaigns",
        ),
    ];
    for (action, message) in cases {
        let err = mc.plan(action, Target::Campaign(&sent), &no_args()).unwrap_err();
        assert_eq!(err.message, message);
        assert_eq!((err.http_status, err.request_id.as_ref()), (None, None));
    }
    let draft = campaign("c1", "regular", CampaignStatus::Save);
    let err = mc.plan("schedule", Target::Campaign(&draft), &no_args()).unwrap_err();
    assert!(err.message.contains("needs a time"), "{}", err.message);
    let past = ActionArgs {
        time: Some(Timestamp::now().checked_sub(SignedDuration::from_hours(1)).unwrap()),
        ..ActionArgs::default()
    };
    let err = mc.plan("schedule", Target::Campaign(&draft), &past).unwrap_err();
    assert!(err.message.contains("not in the future"), "{}", err.message);

    let no_testers = connector_on(&server, false, &[]);
    let err = no_testers
        .plan("test", Target::Campaign(&draft), &no_args())
        .unwrap_err();
    assert!(
        err.message.contains(r#"test_emails = ["you@example.com"]"#),
        "{}",
        err.message
    );
    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "planning sends nothing"
    );
}

#[tokio::test]
async fn a_vendor_problem_becomes_an_action_error_with_title_and_detail() {
    let server = MockServer::start().await;
    expect_action(
        &server,
        "c1",
        "unschedule",
        None,
        ResponseTemplate::new(400)
            .insert_header("content-type", "application/problem+json")
            .set_body_json(json!({
                "type": "https://mailchimp.com/developer/marketing/docs/errors/",
                "title": "Bad Request",
                "status": 400,
                "detail": format!("This campaign cannot be unscheduled (key {KEY})."),
                "instance": "2ab4c5e6-1f2d"})),
    )
    .await;
    let mc = connector(&server);
    let c = campaign("c1", "regular", CampaignStatus::Schedule);
    let planned = mc.plan("unschedule", Target::Campaign(&c), &no_args()).unwrap();
    let err = mc.execute(&planned, REQUEST_ID).await.unwrap_err();
    assert_eq!(err.http_status, Some(400));
    assert_eq!(err.request_id.as_deref(), Some(REQUEST_ID));
    let vendor = err.vendor.as_ref().unwrap();
    assert_eq!(vendor.code.as_deref(), Some("Bad Request"));
    assert_eq!(vendor.message, "This campaign cannot be unscheduled (key ***).");
    assert_eq!(
        err.message,
        "unschedule 'Black Friday teaser' failed: HTTP 400: Bad Request: This campaign cannot be unscheduled (key ***)."
    );
    assert!(err.duration > Duration::ZERO);
    let text = format!("{err:?} {}", serde_json::to_string(&err).unwrap());
    assert!(!text.contains(KEY), "{text}");
}

#[tokio::test]
async fn a_readonly_core_sends_nothing() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(204))
        .expect(0)
        .mount(&server)
        .await;
    let mc = connector_on(&server, true, &["qa@example.com"]);
    let c = campaign("c1", "regular", CampaignStatus::Schedule);
    let planned = mc.plan("unschedule", Target::Campaign(&c), &no_args()).unwrap();
    let err = mc.execute(&planned, REQUEST_ID).await.unwrap_err();
    assert!(err.message.contains("read-only"), "{}", err.message);
    assert_eq!((err.http_status, err.request_id), (None, None), "nothing was sent");
}

#[tokio::test]
async fn a_failing_post_is_sent_once() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/3.0/campaigns/c1/actions/cancel-send"))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "1"))
        .expect(1)
        .mount(&server)
        .await;
    let mc = connector(&server);
    let c = campaign("c1", "regular", CampaignStatus::Sending);
    let planned = mc.plan("cancel-send", Target::Campaign(&c), &no_args()).unwrap();
    assert!(planned.irreversible);
    let err = mc.execute(&planned, REQUEST_ID).await.unwrap_err();
    assert_eq!(err.http_status, Some(503));
    assert_eq!(
        err.message,
        "cancel-send 'Black Friday teaser' failed: HTTP 503 Service Unavailable"
    );
    assert_eq!(err.request_id.as_deref(), Some(REQUEST_ID));
}

#[tokio::test]
async fn a_plan_aimed_elsewhere_is_refused() {
    let server = MockServer::start().await;
    let other = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(204))
        .expect(0)
        .mount(&other)
        .await;
    let mc = connector(&server);
    let c = campaign("c1", "regular", CampaignStatus::Schedule);
    let mut planned = mc.plan("unschedule", Target::Campaign(&c), &no_args()).unwrap();
    planned.url = Url::parse(&format!("{}/3.0/campaigns/c1/actions/unschedule", other.uri())).unwrap();
    let err = mc.execute(&planned, REQUEST_ID).await.unwrap_err();
    assert_eq!(err.request_id, None);
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn built_from_config_the_test_action_uses_the_configured_addresses() {
    let server = MockServer::start().await;
    let body = json!({"test_emails": ["ops@example.com"], "send_type": "html"});
    expect_action(&server, "c1", "test", Some(body), ResponseTemplate::new(204)).await;
    let dir = tempfile::tempdir().unwrap();
    let key_path = dir.path().join("mailchimp.key");
    std::fs::File::create(&key_path)
        .unwrap()
        .write_all(KEY.as_bytes())
        .unwrap();
    std::fs::set_permissions(&key_path, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let cfg = SourceConfig {
        name: "email".into(),
        kind: SourceKind::Mailchimp,
        base_url: Some(Url::parse(&format!("{}/3.0", server.uri())).unwrap()),
        interval: Duration::from_secs(60),
        timeout: Duration::from_secs(5),
        slow: Duration::from_secs(5),
        settings: SourceSettings::Mailchimp {
            api_key: SecretRef::File(key_path),
            test_emails: vec!["ops@example.com".into()],
        },
    };
    let mc = sources::build(&HttpCore::new(false).unwrap(), &cfg).unwrap();
    let c = campaign("c1", "regular", CampaignStatus::Save);
    let planned = mc.plan("test", Target::Campaign(&c), &no_args()).unwrap();
    let outcome = mc.execute(&planned, REQUEST_ID).await.unwrap();
    assert_eq!(outcome.summary, "test sent to ops@example.com");
}
