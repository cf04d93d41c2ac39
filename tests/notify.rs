//! Webhook notifications end to end: models over a fake clock go through
//! `Notifier::observe`, and the messages are POSTed for real to a mock
//! webhook on 127.0.0.1.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{alerts_model, at, healthy_model, probe};
use mops::app::Model;
use mops::config::{self, NotifyConfig, SecretRef, WebhookConfig};
use mops::model::{Alert, AlertId, AlertState, HealthStatus, RecordRef, Rule, Severity};
use mops::notify::{Delivery, DeliveryError, Event, Notification, Notifier, NotifyError, Trigger};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// The token part of the mock webhook's URL: it must never show in an error.
const TOKEN: &str = "T0001/B0002/s3cr3tWebhookT0ken";

/// A webhook whose URL (a secret) sits in a 0600 file, as a config names it.
struct Hook {
    _dir: tempfile::TempDir,
    config: WebhookConfig,
}

fn hook(name: &str, url: &str, on: &[Trigger]) -> Hook {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("webhook");
    std::fs::write(&file, format!("{url}\n")).expect("write secret");
    set_private(&file);
    let mut config = WebhookConfig::new(name, SecretRef::File(file));
    config.on = on.to_vec();
    Hook { _dir: dir, config }
}

#[cfg(unix)]
fn set_private(file: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600)).expect("chmod");
}

#[cfg(not(unix))]
fn set_private(_file: &Path) {}

fn notifier(hooks: &[&Hook]) -> Notifier {
    let cfg = NotifyConfig {
        debounce: Duration::from_secs(60),
        webhooks: hooks.iter().map(|h| h.config.clone()).collect(),
    };
    Notifier::new(&cfg).expect("notifier")
}

/// A mock webhook answering `status` to POSTs of JSON on the token path.
async fn webhook_server(status: u16) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/services/{TOKEN}")))
        .and(header("content-type", "application/json"))
        .respond_with(ResponseTemplate::new(status).set_body_string(if status == 200 { "ok" } else { "no_service" }))
        .mount(&server)
        .await;
    server
}

fn url_of(server: &MockServer) -> String {
    format!("{}/services/{TOKEN}", server.uri())
}

/// The `text` of every JSON body the server received, checking each is JSON.
async fn texts(server: &MockServer) -> Vec<String> {
    let requests: Vec<Request> = server.received_requests().await.expect("recording");
    requests
        .iter()
        .map(|r| {
            assert_eq!(
                r.headers.get("content-type").and_then(|v| v.to_str().ok()),
                Some("application/json")
            );
            let body: serde_json::Value = serde_json::from_slice(&r.body).expect("a JSON body");
            body["text"].as_str().expect("a text field").to_owned()
        })
        .collect()
}

/// hubspot (sources[1]) finishes a poll at `secs` with `status`.
fn hubspot_polls(model: &mut Model, secs: i64, status: HealthStatus) {
    let summary = match status {
        HealthStatus::Ok => "contacts readable",
        _ => "HTTP 503 Service Unavailable after 4 attempts",
    };
    model.sources[1].record(probe(status, 120, summary), at(secs));
    model.now = at(secs);
}

async fn deliver_all(n: &Notifier, note: &Notification) -> Vec<Delivery> {
    n.deliver(note).await
}

#[tokio::test]
async fn an_outage_is_told_once_after_the_debounce_and_once_when_it_resolves() {
    let server = webhook_server(200).await;
    let hook = hook("ops-chat", &url_of(&server), &Trigger::ALL);
    let mut n = notifier(&[&hook]);
    let mut model = healthy_model();
    let mut sent = Vec::new();
    let mut step = |n: &mut Notifier, model: &Model, secs: i64| {
        let note = n.observe(model, at(secs));
        if let Some(note) = &note {
            sent.push((secs, note.clone()));
        }
        note
    };

    assert_eq!(step(&mut n, &model, 600), None, "all healthy");
    // A flap: down for 30 s, under the minute's debounce.
    hubspot_polls(&mut model, 630, HealthStatus::Down);
    assert_eq!(step(&mut n, &model, 630), None);
    hubspot_polls(&mut model, 660, HealthStatus::Ok);
    assert_eq!(step(&mut n, &model, 660), None);
    assert_eq!(step(&mut n, &model, 900), None, "a flap sends nothing, not even later");

    // Down for good: told once the minute has passed, not before.
    for secs in [930, 960] {
        hubspot_polls(&mut model, secs, HealthStatus::Down);
        assert_eq!(step(&mut n, &model, secs), None, "at {secs}");
    }
    hubspot_polls(&mut model, 990, HealthStatus::Down);
    let down = step(&mut n, &model, 990).expect("down past the debounce");
    assert_eq!(
        down.events,
        [Event::SourceDown {
            source: "hubspot".into(),
            status: HealthStatus::Down,
            reason: "HTTP 503 Service Unavailable after 4 attempts".into()
        }]
    );
    let delivered = deliver_all(&n, &down).await;
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0].webhook, "ops-chat");
    assert_eq!(delivered[0].result, Ok(()));

    // Still down an hour later: no repeat, even on a stale poll.
    for secs in [1020, 1800, 4500] {
        hubspot_polls(&mut model, secs, HealthStatus::Down);
        assert_eq!(step(&mut n, &model, secs), None, "at {secs}");
    }
    assert_eq!(step(&mut n, &model, 4800), None, "stale but last seen down: no resolve");

    // Back up: resolved once it has been up for the debounce.
    hubspot_polls(&mut model, 4830, HealthStatus::Ok);
    assert_eq!(step(&mut n, &model, 4830), None);
    hubspot_polls(&mut model, 4860, HealthStatus::Ok);
    assert_eq!(step(&mut n, &model, 4860), None);
    hubspot_polls(&mut model, 4890, HealthStatus::Ok);
    let up = step(&mut n, &model, 4890).expect("resolved past the debounce");
    assert_eq!(
        up.events,
        [Event::SourceUp {
            source: "hubspot".into(),
            // From first seen down (930) to first seen up (4830).
            lasted: Duration::from_secs(3900)
        }]
    );
    assert_eq!(deliver_all(&n, &up).await[0].result, Ok(()));
    hubspot_polls(&mut model, 6000, HealthStatus::Ok);
    assert_eq!(step(&mut n, &model, 6000), None, "resolved once");

    assert_eq!(sent.len(), 2);
    assert_eq!(
        texts(&server).await,
        [
            "*Acme marketing stack*: source *hubspot* is DOWN: HTTP 503 Service Unavailable after 4 attempts",
            "*Acme marketing stack*: resolved: source *hubspot* is back up after 1h 5m down",
        ]
    );
}

#[tokio::test]
async fn a_source_refusing_its_credentials_counts_as_down_and_rate_limits_do_not() {
    let server = webhook_server(200).await;
    let hook = hook("ops-chat", &url_of(&server), &Trigger::ALL);
    let mut n = notifier(&[&hook]);
    let mut model = healthy_model();
    for secs in [600, 630, 660] {
        hubspot_polls(&mut model, secs, HealthStatus::RateLimited);
        assert_eq!(n.observe(&model, at(secs)), None, "rate limited at {secs}");
    }
    hubspot_polls(&mut model, 700, HealthStatus::Auth);
    assert_eq!(n.observe(&model, at(700)), None);
    hubspot_polls(&mut model, 760, HealthStatus::Auth);
    let note = n.observe(&model, at(760)).expect("AUTH past the debounce");
    assert!(
        note.text()
            .contains("source *hubspot* is AUTH (its credentials are refused)"),
        "{}",
        note.text()
    );
}

fn critical(id: &str, rule: Rule) -> Alert {
    Alert {
        id: AlertId(id.to_owned()),
        rule,
        severity: Severity::Critical,
        summary: format!("{id} is a problem"),
        records: vec![RecordRef::Contact { id: id.to_owned() }],
    }
}

#[tokio::test]
async fn critical_alerts_notify_once_per_rule_and_resolve() {
    let server = webhook_server(200).await;
    let hook = hook("ops-chat", &url_of(&server), &Trigger::ALL);
    let mut n = notifier(&[&hook]);
    let mut model = healthy_model();
    // 60 critical duplicates and one warning of another rule.
    model.alerts.firing = (0..60)
        .map(|i| critical(&format!("duplicate_email:{i}@example.com"), Rule::DuplicateEmail))
        .collect();
    let mut warning = critical("missing_owner", Rule::MissingOwner);
    warning.severity = Severity::Warning;
    model.alerts.firing.push(warning);

    assert_eq!(n.observe(&model, at(600)), None);
    let fired = n.observe(&model, at(660)).expect("fired past the debounce");
    assert_eq!(
        fired.events,
        [Event::AlertFiring {
            rule: Rule::DuplicateEmail,
            count: 60
        }]
    );
    n.deliver(&fired).await;
    assert_eq!(n.observe(&model, at(900)), None, "no repeat while it fires");

    // Fixed: no critical alert of the rule any more.
    model.alerts.firing.retain(|a| a.rule != Rule::DuplicateEmail);
    assert_eq!(n.observe(&model, at(1000)), None);
    let cleared = n.observe(&model, at(1060)).expect("cleared past the debounce");
    n.deliver(&cleared).await;

    let got = texts(&server).await;
    assert_eq!(
        got,
        [
            "*Acme marketing stack*: critical alert firing: *duplicate contacts (email)* (60 alerts)",
            "*Acme marketing stack*: resolved: critical alert *duplicate contacts (email)* no longer firing after 6m 40s",
        ]
    );
    // Summaries name people's addresses: they stay out of chat.
    assert!(got.iter().all(|t| !t.contains("@example.com")), "{got:?}");
}

#[tokio::test]
async fn acknowledging_an_announced_alert_tells_chat_nothing_until_the_data_is_fixed() {
    let server = webhook_server(200).await;
    let hook = hook("ops-chat", &url_of(&server), &Trigger::ALL);
    let mut n = notifier(&[&hook]);
    let mut model = healthy_model();
    model.alerts.firing = (0..3)
        .map(|i| critical(&format!("consent_mismatch:{i}"), Rule::ConsentMismatch))
        .collect();
    assert_eq!(step_and_deliver(&mut n, &model, 600).await, None);
    assert!(step_and_deliver(&mut n, &model, 660).await.is_some(), "announced");

    // Someone takes it in the cockpit: acknowledges two, snoozes one for ten minutes.
    for (i, state) in [
        AlertState::Acknowledged { at: at(700) },
        AlertState::Acknowledged { at: at(700) },
        AlertState::Snoozed { until: at(1300) },
    ]
    .into_iter()
    .enumerate()
    {
        model
            .alerts
            .states
            .insert(AlertId(format!("consent_mismatch:{i}")), state);
    }
    // Not fixed: no "resolved", and no new "firing" when the snooze runs out.
    for secs in [700, 760, 1000, 1300, 1360, 3600] {
        assert_eq!(step_and_deliver(&mut n, &model, secs).await, None, "at {secs}");
    }
    // Fixed: the rule finds nothing any more.
    model.alerts.firing.clear();
    assert_eq!(step_and_deliver(&mut n, &model, 4000).await, None);
    assert_eq!(
        step_and_deliver(&mut n, &model, 4060).await,
        Some(vec![Event::AlertCleared {
            rule: Rule::ConsentMismatch,
            lasted: Duration::from_secs(3400)
        }])
    );
    assert_eq!(
        texts(&server).await,
        [
            "*Acme marketing stack*: critical alert firing: *consent mismatch* (3 alerts)",
            "*Acme marketing stack*: resolved: critical alert *consent mismatch* no longer firing after 56m 40s",
        ]
    );
}

/// Observes `model` at `secs`, delivers what is due, and returns its events.
async fn step_and_deliver(n: &mut Notifier, model: &Model, secs: i64) -> Option<Vec<Event>> {
    let note = n.observe(model, at(secs))?;
    n.deliver(&note).await;
    Some(note.events)
}

/// Never announced: acknowledged and snoozed alerts start nothing, and a
/// snooze that runs out is firing like any other.
#[test]
fn acknowledged_or_snoozed_alerts_do_not_notify_and_an_expired_snooze_does() {
    let hook = hook("ops-chat", "http://127.0.0.1:9/hook", &Trigger::ALL);
    let mut n = notifier(&[&hook]);
    // One critical alert (consent mismatch), acknowledged.
    let mut model = alerts_model();
    let id = AlertId("consent_mismatch:p0@example.com".into());
    model
        .alerts
        .states
        .insert(id.clone(), AlertState::Acknowledged { at: at(0) });
    for secs in [600, 700, 800] {
        assert_eq!(n.observe(&model, at(secs)), None, "acknowledged, at {secs}");
    }
    // Snoozed until 1000: quiet until then, told a minute after it runs out.
    model.alerts.states.insert(id, AlertState::Snoozed { until: at(1000) });
    assert_eq!(n.observe(&model, at(900)), None);
    assert_eq!(n.observe(&model, at(1000)), None);
    let note = n.observe(&model, at(1060)).expect("the snooze ran out");
    assert_eq!(
        note.events,
        [Event::AlertFiring {
            rule: Rule::ConsentMismatch,
            count: 1
        }]
    );
}

#[tokio::test]
async fn several_changes_at_once_are_one_message_and_each_webhook_gets_what_it_wants() {
    let server = webhook_server(200).await;
    let pager_server = webhook_server(200).await;
    let chat = hook("ops-chat", &url_of(&server), &Trigger::ALL);
    let pager = hook("pager", &url_of(&pager_server), &[Trigger::SourceDown]);
    let mut n = notifier(&[&chat, &pager]);
    let mut model = healthy_model();
    model.alerts.firing = vec![critical("consent_mismatch:1", Rule::ConsentMismatch)];
    hubspot_polls(&mut model, 600, HealthStatus::Down);
    assert_eq!(n.observe(&model, at(600)), None);
    let note = n.observe(&model, at(660)).expect("both past the debounce");
    assert_eq!(note.events.len(), 2);
    let delivered = n.deliver(&note).await;
    let names: Vec<&str> = delivered.iter().map(|d| d.webhook.as_str()).collect();
    assert_eq!(names, ["ops-chat", "pager"]);
    assert!(delivered.iter().all(|d| d.result.is_ok()), "{delivered:?}");

    assert_eq!(
        texts(&server).await,
        ["*Acme marketing stack*: 2 changes\n\
          • source *hubspot* is DOWN: HTTP 503 Service Unavailable after 4 attempts\n\
          • critical alert firing: *consent mismatch* (1 alert)"]
    );
    assert_eq!(
        texts(&pager_server).await,
        ["*Acme marketing stack*: source *hubspot* is DOWN: HTTP 503 Service Unavailable after 4 attempts"]
    );

    // Only the alert clears: the pager is not told.
    model.alerts.firing.clear();
    assert_eq!(n.observe(&model, at(700)), None);
    let cleared = n.observe(&model, at(760)).expect("cleared");
    let delivered = n.deliver(&cleared).await;
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0].webhook, "ops-chat");
    assert_eq!(texts(&pager_server).await.len(), 1);
}

fn down_note() -> Notification {
    Notification {
        title: "Acme".into(),
        at: at(0),
        events: vec![Event::SourceDown {
            source: "crm".into(),
            status: HealthStatus::Down,
            reason: "timed out after 10s".into(),
        }],
    }
}

#[tokio::test]
async fn a_webhook_answering_500_is_an_error_naming_it_and_the_status_but_not_the_url() {
    let server = webhook_server(500).await;
    let hook = hook("ops-chat", &url_of(&server), &Trigger::ALL);
    let n = notifier(&[&hook]);
    // The loop spawns deliveries: the future owns what it needs.
    let delivered = tokio::spawn(n.deliver(&down_note())).await.expect("joined");
    let err = delivered[0].result.clone().expect_err("a 500");
    assert_eq!(err.webhook(), "ops-chat");
    assert_eq!(err.status(), Some(500));
    let text = err.to_string();
    assert_eq!(
        text,
        "webhook \"ops-chat\" answered HTTP 500 Internal Server Error: no_service"
    );
    // Sent once: a failed POST is never retried.
    assert_eq!(server.received_requests().await.map(|r| r.len()), Some(1));
}

#[tokio::test]
async fn a_webhook_that_hangs_up_is_an_error_without_the_url_or_its_token() {
    // Accepts and closes every connection without answering.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            drop(socket);
        }
    });
    let hook = hook("ops-chat", &format!("http://{addr}/services/{TOKEN}"), &Trigger::ALL);
    let n = notifier(&[&hook]);
    let delivered = n.deliver(&down_note()).await;
    server.abort();
    let err = delivered[0].result.clone().expect_err("no answer");
    assert!(matches!(err, DeliveryError::Transport { .. }), "{err:?}");
    let text = format!("{err} {err:?}");
    assert!(
        text.starts_with("webhook \"ops-chat\" could not be reached: "),
        "{text}"
    );
    for secret in ["s3cr3t", "T0001", "/services", &addr.to_string()] {
        assert!(!text.contains(secret), "{secret:?} in {text}");
    }
}

#[test]
fn webhook_urls_are_checked_once_resolved_and_never_quoted() {
    let cases = [
        (
            "http://hooks.example.com/services/s3cr3t",
            "is plain http:// to a host that is not loopback",
        ),
        ("ftp://hooks.example.com/s3cr3t", "is not an http(s) URL with a host"),
        ("hooks.example.com/s3cr3t", "is not a valid URL"),
    ];
    for (url, fragment) in cases {
        let h = hook("ops-chat", url, &Trigger::ALL);
        let cfg = NotifyConfig {
            webhooks: vec![h.config.clone()],
            ..NotifyConfig::default()
        };
        let err = Notifier::new(&cfg).expect_err(url);
        assert!(matches!(err, NotifyError::Url { .. }), "{err:?}");
        let text = err.to_string();
        assert!(text.starts_with("webhook \"ops-chat\": the URL in file "), "{text}");
        assert!(text.contains(fragment), "{url}: {text}");
        assert!(
            !text.contains("s3cr3t") && !format!("{err:?}").contains("s3cr3t"),
            "{text}"
        );
    }
    // https anywhere, plain http on loopback (a local relay) are fine.
    for url in ["https://hooks.example.com/services/x", "http://localhost:8080/x"] {
        let h = hook("ops-chat", url, &Trigger::ALL);
        let cfg = NotifyConfig {
            webhooks: vec![h.config.clone()],
            ..NotifyConfig::default()
        };
        let n = Notifier::new(&cfg).expect(url);
        assert_eq!(n.webhooks().collect::<Vec<_>>(), ["ops-chat"]);
        assert!(!format!("{n:?}").contains("hooks.example.com"));
    }
    // A missing variable names the variable.
    let cfg = NotifyConfig {
        webhooks: vec![WebhookConfig::new(
            "ops-chat",
            SecretRef::Env("MOPS_TEST_NOTIFY_UNSET_VARIABLE".into()),
        )],
        ..NotifyConfig::default()
    };
    let err = Notifier::new(&cfg).expect_err("unset");
    assert!(
        err.to_string()
            .starts_with("webhook \"ops-chat\": environment variable MOPS_TEST_NOTIFY_UNSET_VARIABLE is not set"),
        "{err}"
    );
}

#[test]
fn without_webhooks_nothing_is_ever_due() {
    let mut n = Notifier::new(&NotifyConfig::default()).expect("empty");
    assert!(n.is_empty());
    let mut model = healthy_model();
    for secs in [600, 700, 800] {
        hubspot_polls(&mut model, secs, HealthStatus::Down);
        assert_eq!(n.observe(&model, at(secs)), None);
    }
}

/// `config::parse` problems, as `file:line:col: field: message` lines.
fn config_problems(text: &str) -> String {
    config::parse(text, &PathBuf::from("/etc/mops/stack.toml"))
        .expect_err("invalid")
        .to_string()
}

#[test]
fn the_config_points_at_the_line_and_field_of_each_mistake() {
    let text = config_problems(
        "title = \"Acme\"\n\
         [notify]\n\
         debounce = \"a minute\"\n\
         [[notify.webhook]]\n\
         name = \"ops-chat\"\n\
         url = \"https://hooks.slack.com/services/T0/B0/s3cr3t\"\n\
         on = [\"source_down\", \"critical\"]\n\
         channel = \"#ops\"\n",
    );
    for line in [
        "/etc/mops/stack.toml:3:12: notify.debounce: bad duration \"a minute\"",
        "/etc/mops/stack.toml:6:7: notify.webhook \"ops-chat\" field url: a webhook URL is a secret",
        "/etc/mops/stack.toml:7:22: notify.webhook \"ops-chat\" field on: unknown trigger \"critical\"; did you mean `critical_alert`?",
        "/etc/mops/stack.toml:8:1: notify.webhook \"ops-chat\" field channel: unknown key `channel`; a Slack webhook posts to the channel",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
    assert!(!text.contains("s3cr3t") && !text.contains("hooks.slack.com"), "{text}");

    let ok = config::parse(
        "[notify]\ndebounce = \"5m\"\n[[notify.webhook]]\nname = \"ops-chat\"\nurl = { env = \"MOPS_SLACK_WEBHOOK\" }\n",
        Path::new("/etc/mops/stack.toml"),
    )
    .expect("valid");
    assert_eq!(ok.notify.debounce, Duration::from_secs(300));
    assert_eq!(ok.notify.webhooks[0].on, Trigger::ALL);
}
