//! Campaign actions change the sandbox's state exactly as Mailchimp's do, and
//! every transition the campaign's state forbids gets a 400 problem, not a
//! silent success. The table below is the state machine.

mod sandbox_support;

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use mops::sandbox::Sandbox;
use reqwest::{Client, Method, Response};
use sandbox_support::*;
use serde_json::{Value, json};

/// The kinds of campaign the seeded data holds, by the filter that finds them.
const DRAFT: &str = "status=save&type=regular";
const SCHEDULED: &str = "status=schedule";
const STUCK: &str = "status=sending&type=regular";
const RSS_RUNNING: &str = "status=sending&type=rss";
const RSS_PAUSED: &str = "status=paused&type=rss";
const SENT: &str = "status=sent";
const CANCELED: &str = "status=canceled";

const ACTIONS: [&str; 8] = [
    "schedule",
    "unschedule",
    "cancel-send",
    "pause",
    "resume",
    "test",
    "replicate",
    "send",
];

/// Which actions each kind of campaign allows; every other one is refused.
const ALLOWED: [(&str, &[&str]); 7] = [
    (DRAFT, &["schedule", "test", "replicate", "send"]),
    (SCHEDULED, &["unschedule", "test", "replicate"]),
    (STUCK, &["cancel-send", "replicate"]),
    (RSS_RUNNING, &["pause", "replicate"]),
    (RSS_PAUSED, &["resume", "test", "replicate"]),
    (SENT, &["replicate"]),
    (CANCELED, &["replicate"]),
];

/// A quarter hour a day from now.
fn tomorrow_quarter() -> Timestamp {
    let t = Timestamp::now() + SignedDuration::from_hours(24);
    Timestamp::from_second(t.as_second() / 900 * 900).unwrap()
}

fn mailchimp_time(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S+00:00").to_string()
}

/// A valid body for each action.
fn body(action: &str) -> Option<Value> {
    match action {
        "schedule" => Some(json!({ "schedule_time": mailchimp_time(tomorrow_quarter()), "timewarp": false })),
        "test" => Some(json!({ "test_emails": ["qa@acme.example"], "send_type": "html" })),
        _ => None,
    }
}

async fn act(c: &Client, sb: &Sandbox, id: &str, action: &str, body: Option<Value>) -> Response {
    let request = mailchimp_with(c, sb, Method::POST, &format!("/campaigns/{id}/actions/{action}"));
    let request = match body {
        Some(body) => request.json(&body),
        None => request,
    };
    request.send().await.unwrap()
}

async fn first(c: &Client, sb: &Sandbox, filter: &str) -> Value {
    let page = mailchimp_json(c, sb, &format!("/campaigns?{filter}&count=1")).await;
    let campaign = page["campaigns"][0].clone();
    assert!(campaign.is_object(), "no campaign for {filter}: {page}");
    campaign
}

async fn campaign(c: &Client, sb: &Sandbox, id: &str) -> Value {
    mailchimp_json(c, sb, &format!("/campaigns/{id}")).await
}

#[tokio::test]
async fn every_refused_transition_is_a_400_and_changes_nothing() {
    let sb = start(31).await;
    let c = client();
    let mut refused = 0;
    for (filter, allowed) in ALLOWED {
        let before = first(&c, &sb, filter).await;
        let id = before["id"].as_str().unwrap();
        for action in ACTIONS.iter().filter(|a| !allowed.contains(a)) {
            let response = act(&c, &sb, id, action, body(action)).await;
            let problem = mailchimp_problem(response, 400, "Bad Request").await;
            let detail = problem["detail"].as_str().unwrap();
            assert!(
                detail.ends_with('.') && detail.len() > 20,
                "{filter} {action}: {detail}"
            );
            refused += 1;
        }
        assert_eq!(campaign(&c, &sb, id).await, before, "{filter} changed after refusals");
    }
    assert_eq!(refused, 7 * 8 - 16);
    let total = mailchimp_json(&c, &sb, "/campaigns?count=1").await["total_items"].clone();
    assert_eq!(total, 40);
    sb.shutdown().await;
}

#[tokio::test]
async fn refusals_say_why_in_mailchimps_words() {
    let sb = start(32).await;
    let c = client();
    let cases = [
        (
            SENT,
            "schedule",
            "This campaign cannot be scheduled because it is not in draft status.",
        ),
        (
            DRAFT,
            "unschedule",
            "This campaign cannot be unscheduled because it is not scheduled.",
        ),
        (
            DRAFT,
            "cancel-send",
            "This campaign cannot be canceled because it is not sending.",
        ),
        (
            RSS_RUNNING,
            "cancel-send",
            "Only regular and plain-text campaigns can be canceled while sending.",
        ),
        (DRAFT, "pause", "Only RSS campaigns can be paused."),
        (
            RSS_PAUSED,
            "pause",
            "This RSS campaign cannot be paused because it is not running.",
        ),
        (SCHEDULED, "resume", "Only RSS campaigns can be resumed."),
        (
            RSS_RUNNING,
            "resume",
            "This RSS campaign cannot be resumed because it is not paused.",
        ),
        (
            SENT,
            "send",
            "This campaign cannot be sent because it is not in draft status.",
        ),
    ];
    for (filter, action, detail) in cases {
        let id = first(&c, &sb, filter).await["id"].as_str().unwrap().to_owned();
        let response = act(&c, &sb, &id, action, body(action)).await;
        let problem = mailchimp_problem(response, 400, "Bad Request").await;
        assert_eq!(problem["detail"], detail, "{filter} {action}");
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn every_allowed_transition_succeeds_and_shows_in_get() {
    let c = client();
    for (filter, allowed) in ALLOWED {
        for &action in allowed {
            // A fresh sandbox per transition: each starts from the seeded state.
            let sb = start(33).await;
            let before = first(&c, &sb, filter).await;
            let id = before["id"].as_str().unwrap();
            let response = act(&c, &sb, id, action, body(action)).await;
            let after = campaign(&c, &sb, id).await;
            let status = after["status"].as_str().unwrap();
            match action {
                "replicate" => {
                    assert_eq!(response.status(), 200, "{filter} replicate");
                    let copy = json(response).await;
                    assert_ne!(copy["id"], before["id"]);
                    assert_eq!(copy["status"], "save");
                    assert_eq!(copy["type"], before["type"]);
                    assert_eq!(copy["send_time"], "");
                    assert_eq!(copy["emails_sent"], 0);
                    assert_eq!(
                        copy["settings"]["title"],
                        format!("{} (copy)", before["settings"]["title"].as_str().unwrap())
                    );
                    assert_eq!(copy["settings"]["subject_line"], before["settings"]["subject_line"]);
                    assert_eq!(copy["recipients"]["list_id"], before["recipients"]["list_id"]);
                    let copy_id = copy["id"].as_str().unwrap();
                    assert_eq!(campaign(&c, &sb, copy_id).await, copy);
                    assert_eq!(after, before, "the original is untouched");
                    let total = mailchimp_json(&c, &sb, "/campaigns?count=1").await["total_items"].clone();
                    assert_eq!(total, 41);
                }
                _ => {
                    assert_eq!(response.status(), 204, "{filter} {action}");
                    assert!(response.bytes().await.unwrap().is_empty(), "{filter} {action}: a body");
                    let expected = match action {
                        "schedule" => "schedule",
                        "unschedule" => "save",
                        "pause" => "paused",
                        "resume" | "send" => "sending",
                        "test" => before["status"].as_str().unwrap(),
                        // Canceling settles to canceled a few seconds later.
                        "cancel-send" => {
                            assert!(["canceling", "canceled"].contains(&status), "{status}");
                            status
                        }
                        other => panic!("no expectation for {other}"),
                    };
                    assert_eq!(status, expected, "{filter} {action}");
                }
            }
            match action {
                "schedule" => {
                    assert_eq!(after["send_time"], mailchimp_time(tomorrow_quarter()));
                    assert_eq!(after["settings"]["timewarp"], false);
                }
                "unschedule" => assert_eq!(after["send_time"], ""),
                "test" => assert_eq!(after, before, "a test send changes nothing"),
                _ => {}
            }
            sb.shutdown().await;
        }
    }
}

#[tokio::test]
async fn cancel_send_settles_to_canceled_and_send_settles_to_sent() {
    let sb = start(34).await;
    let c = client();
    let stuck = first(&c, &sb, STUCK).await;
    let stuck_id = stuck["id"].as_str().unwrap().to_owned();
    assert_eq!(act(&c, &sb, &stuck_id, "cancel-send", None).await.status(), 204);

    let draft = first(&c, &sb, DRAFT).await;
    let draft_id = draft["id"].as_str().unwrap().to_owned();
    let before_send = Timestamp::now();
    assert_eq!(act(&c, &sb, &draft_id, "send", None).await.status(), 204);
    let sending = campaign(&c, &sb, &draft_id).await;
    assert!(ts(&sending["send_time"]).as_second() >= before_send.as_second());

    wait_until(Duration::from_secs(60), "the cancel to settle", || async {
        campaign(&c, &sb, &stuck_id).await["status"] == "canceled"
    })
    .await;
    // A canceled campaign cannot be canceled again.
    let response = act(&c, &sb, &stuck_id, "cancel-send", None).await;
    mailchimp_problem(response, 400, "Bad Request").await;

    wait_until(Duration::from_secs(60), "the send to finish", || async {
        campaign(&c, &sb, &draft_id).await["status"] == "sent"
    })
    .await;
    let sent = campaign(&c, &sb, &draft_id).await;
    assert_eq!(sent["emails_sent"], sent["recipients"]["recipient_count"]);
    let report = mailchimp_json(&c, &sb, &format!("/reports/{draft_id}")).await;
    assert_eq!(report["emails_sent"], sent["emails_sent"]);
    sb.shutdown().await;
}

fn ts(value: &Value) -> Timestamp {
    value.as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn schedule_needs_a_future_quarter_hour() {
    let sb = start(35).await;
    let c = client();
    let draft = first(&c, &sb, DRAFT).await;
    let id = draft["id"].as_str().unwrap();
    let quarter = tomorrow_quarter();
    let cases = [
        (
            json!({ "schedule_time": mailchimp_time(quarter + SignedDuration::from_mins(7)) }),
            "quarter-hour",
        ),
        (
            json!({ "schedule_time": mailchimp_time(quarter - SignedDuration::from_hours(48)) }),
            "future",
        ),
        (json!({ "schedule_time": "next tuesday" }), "date-time"),
        (json!({ "timewarp": false }), "blank"),
    ];
    for (body, words) in cases {
        let response = act(&c, &sb, id, "schedule", Some(body.clone())).await;
        let problem = mailchimp_problem(response, 400, "Invalid Resource").await;
        assert_eq!(problem["errors"][0]["field"], "schedule_time", "{body}");
        let message = problem["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains(words), "{body}: {message}");
    }
    let response = act(&c, &sb, id, "schedule", None).await;
    mailchimp_problem(response, 400, "JSON Parse Exception").await;
    assert_eq!(campaign(&c, &sb, id).await, draft, "still a draft");

    // Then the full cycle: schedule, unschedule, schedule again.
    let scheduled_before = mailchimp_json(&c, &sb, "/campaigns?status=schedule").await["total_items"]
        .as_u64()
        .unwrap();
    for (action, status) in [
        ("schedule", "schedule"),
        ("unschedule", "save"),
        ("schedule", "schedule"),
    ] {
        assert_eq!(act(&c, &sb, id, action, body(action)).await.status(), 204, "{action}");
        assert_eq!(campaign(&c, &sb, id).await["status"], status);
    }
    let scheduled = mailchimp_json(&c, &sb, "/campaigns?status=schedule&count=1000").await;
    assert_eq!(scheduled["total_items"], scheduled_before + 1);
    assert!(scheduled["campaigns"].as_array().unwrap().iter().any(|c| c["id"] == id));
    sb.shutdown().await;
}

#[tokio::test]
async fn test_emails_are_validated() {
    let sb = start(36).await;
    let c = client();
    let id = first(&c, &sb, DRAFT).await["id"].as_str().unwrap().to_owned();
    for (body, field) in [
        (
            json!({ "test_emails": ["not-an-email"], "send_type": "html" }),
            "test_emails",
        ),
        (json!({ "test_emails": [], "send_type": "html" }), "test_emails"),
        (json!({ "send_type": "html" }), "test_emails"),
        (json!({ "test_emails": ["qa@acme.example"] }), "send_type"),
        (
            json!({ "test_emails": ["qa@acme.example"], "send_type": "pdf" }),
            "send_type",
        ),
    ] {
        let response = act(&c, &sb, &id, "test", Some(body.clone())).await;
        let problem = mailchimp_problem(response, 400, "Invalid Resource").await;
        assert_eq!(problem["errors"][0]["field"], field, "{body}");
    }
    let ok = json!({ "test_emails": ["qa@acme.example", "ops@acme.example"], "send_type": "plaintext" });
    assert_eq!(act(&c, &sb, &id, "test", Some(ok)).await.status(), 204);
    sb.shutdown().await;
}

#[tokio::test]
async fn unknown_campaigns_and_action_names_are_404_and_get_is_405() {
    let sb = start(37).await;
    let c = client();
    let id = first(&c, &sb, DRAFT).await["id"].as_str().unwrap().to_owned();
    let response = act(&c, &sb, "ffffffffff", "replicate", None).await;
    mailchimp_problem(response, 404, "Resource Not Found").await;
    let response = act(&c, &sb, &id, "explode", None).await;
    mailchimp_problem(response, 404, "Resource Not Found").await;
    let response = mailchimp(&c, &sb, &format!("/campaigns/{id}/actions/send"))
        .send()
        .await
        .unwrap();
    mailchimp_problem(response, 405, "Method Not Allowed").await;
    assert_eq!(campaign(&c, &sb, &id).await["status"], "save");
    sb.shutdown().await;
}
