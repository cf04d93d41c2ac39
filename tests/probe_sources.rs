//! Health probes of every kind against wiremock on 127.0.0.1: the exact
//! request each sends and how each outcome is classified.

use std::io::Write;
use std::time::{Duration, Instant};

use mops::config::{HubspotTier, SecretRef, SourceConfig, SourceSettings};
use mops::http::{HttpCore, Policy, SourceClient};
use mops::model::{CircuitState, HealthStatus, Probe, SourceKind};
use mops::sources::{self, Connector, HttpCheck, Hubspot, Mailchimp, Wordpress};
use secrecy::SecretString;
use serde_json::json;
use url::Url;
use wiremock::matchers::{basic_auth, bearer_token, header_exists, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const MC_KEY: &str = "0123456789abcdef0123456789abcdef-us14";
const HS_TOKEN: &str = "pat-na1-11111111-2222-3333-4444-555555555555";
const WP_PASSWORD: &str = "abcd EFGH 1234 ijkl MNOP 6789";
const SLOW: Duration = Duration::from_secs(5);

fn policy() -> Policy {
    Policy {
        timeout: Duration::from_secs(5),
        max_retries: 2,
        backoff_base: Duration::from_millis(10),
        backoff_max: Duration::from_millis(20),
        ..Policy::default()
    }
}

fn client(p: Policy) -> SourceClient {
    HttpCore::new(false).unwrap().source("probe-test", p)
}

fn base(server: &MockServer, p: &str) -> Url {
    Url::parse(&format!("{}{p}", server.uri())).unwrap()
}

fn mailchimp(server: &MockServer, p: Policy, slow: Duration) -> Mailchimp {
    Mailchimp::new(
        "email",
        client(p),
        &base(server, "/3.0"),
        SecretString::from(MC_KEY),
        slow,
    )
    .unwrap()
}

fn hubspot(server: &MockServer, p: Policy) -> Hubspot {
    Hubspot::new("crm", client(p), &base(server, ""), SecretString::from(HS_TOKEN), SLOW).unwrap()
}

fn wordpress(server: &MockServer, p: Policy) -> Wordpress {
    Wordpress::new(
        "blog",
        client(p),
        &base(server, "/wp-json"),
        "editor".into(),
        SecretString::from(WP_PASSWORD),
        SLOW,
    )
    .unwrap()
}

fn check(server: &MockServer, p: &str, status: u16, body: Option<&str>) -> HttpCheck {
    HttpCheck::new(
        "landing",
        client(policy()),
        base(server, p),
        status,
        body.map(str::to_owned),
        SLOW,
    )
}

async fn mount(server: &MockServer, template: ResponseTemplate) {
    Mock::given(method("GET")).respond_with(template).mount(server).await;
}

fn assert_no_secrets(probe: &Probe) {
    let text = format!("{probe:?} {}", serde_json::to_string(probe).unwrap());
    for s in [MC_KEY, HS_TOKEN, WP_PASSWORD] {
        assert!(!text.contains(s), "secret in probe: {text}");
    }
}

// ---- exact requests ----

/// Empty campaign, report and audience lists: after a healthy ping the
/// connector fetches these, and a probe test is about the ping.
async fn mount_empty_mailchimp_data(server: &MockServer) {
    for (p, key) in [
        ("/3.0/campaigns", "campaigns"),
        ("/3.0/reports", "reports"),
        ("/3.0/lists", "lists"),
    ] {
        Mock::given(method("GET"))
            .and(path(p))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({ key: [], "total_items": 0 })))
            .mount(server)
            .await;
    }
}

/// Empty contact, deal, owner and pipeline lists: after a healthy probe the
/// HubSpot connector fetches these, and a probe test is about the probe.
async fn mount_empty_hubspot_data(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/crm/v3/objects/contacts"))
        .and(query_param("limit", "100"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "results": [] })))
        .mount(server)
        .await;
    for p in ["/crm/v3/objects/deals", "/crm/v3/owners", "/crm/v3/pipelines/deals"] {
        Mock::given(method("GET"))
            .and(path(p))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "results": [] })))
            .mount(server)
            .await;
    }
    Mock::given(method("POST"))
        .and(path("/crm/v3/objects/tasks/search"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "total": 0, "results": [] })))
        .mount(server)
        .await;
}

/// Empty post and page lists: after a healthy index the WordPress connector reads them.
async fn mount_empty_wordpress_data(server: &MockServer) {
    for p in ["/wp-json/wp/v2/posts", "/wp-json/wp/v2/pages"] {
        Mock::given(method("GET"))
            .and(path(p))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("X-WP-Total", "0")
                    .insert_header("X-WP-TotalPages", "0")
                    .set_body_json(json!([])),
            )
            .mount(server)
            .await;
    }
}

#[tokio::test]
async fn mailchimp_sends_get_ping_with_basic_key() {
    let server = MockServer::start().await;
    mount_empty_mailchimp_data(&server).await;
    Mock::given(method("GET"))
        .and(path("/3.0/ping"))
        .and(basic_auth("mops", MC_KEY))
        .and(header_exists("x-request-id"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"health_status": "Everything's Chimpy!"})))
        .expect(1)
        .mount(&server)
        .await;
    let probe = mailchimp(&server, policy(), SLOW).poll().await.probe;
    assert_eq!(probe.status, HealthStatus::Ok, "{probe:?}");
    assert_eq!(probe.summary, "Everything's Chimpy!");
    let requests = server.received_requests().await.unwrap();
    let req = requests.iter().find(|r| r.url.path() == "/3.0/ping").expect("a ping");
    assert_eq!(req.url.query(), None);
    assert_eq!(req.headers["x-request-id"].to_str().unwrap(), probe.request_id);
    assert_no_secrets(&probe);
}

#[tokio::test]
async fn hubspot_sends_get_contacts_limit_1_with_bearer() {
    let server = MockServer::start().await;
    mount_empty_hubspot_data(&server).await;
    Mock::given(method("GET"))
        .and(path("/crm/v3/objects/contacts"))
        .and(query_param("limit", "1"))
        .and(bearer_token(HS_TOKEN))
        .and(header_exists("x-request-id"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"results": [{"id": "1", "properties": {}, "archived": false}]}))
                .insert_header("X-HubSpot-RateLimit-Max", "100")
                .insert_header("X-HubSpot-RateLimit-Remaining", "97")
                .insert_header("X-HubSpot-RateLimit-Interval-Milliseconds", "10000")
                .insert_header("X-HubSpot-RateLimit-Daily", "250000")
                .insert_header("X-HubSpot-RateLimit-Daily-Remaining", "249000"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let probe = hubspot(&server, policy()).poll().await.probe;
    assert_eq!(probe.status, HealthStatus::Ok, "{probe:?}");
    let requests = server.received_requests().await.unwrap();
    let req = requests
        .iter()
        .find(|r| r.url.path() == "/crm/v3/objects/contacts" && r.url.query() == Some("limit=1"))
        .expect("the probe");
    assert_eq!(req.url.query(), Some("limit=1"));
    let rl = probe.rate_limit.unwrap();
    assert_eq!((rl.remaining, rl.limit, rl.from_headers), (97, 100, true));
    assert_eq!(rl.daily_remaining, Some(249_000));
}

#[tokio::test]
async fn wordpress_sends_get_index_with_app_password_and_names_the_site() {
    let server = MockServer::start().await;
    mount_empty_wordpress_data(&server).await;
    Mock::given(method("GET"))
        .and(path("/wp-json/"))
        .and(basic_auth("editor", WP_PASSWORD))
        .and(header_exists("x-request-id"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "name": "Acme Blog", "description": "News", "url": "https://blog.acme.test",
            "namespaces": ["wp/v2"], "routes": {}
        })))
        .expect(1)
        .mount(&server)
        .await;
    let probe = wordpress(&server, policy()).poll().await.probe;
    assert_eq!(probe.status, HealthStatus::Ok, "{probe:?}");
    assert_eq!(probe.summary, "site \"Acme Blog\" answers");
}

#[tokio::test]
async fn http_check_sends_plain_get() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/health"))
        .and(query_param("probe", "mops"))
        .and(header_exists("x-request-id"))
        .respond_with(ResponseTemplate::new(200).set_body_string("all good"))
        .expect(1)
        .mount(&server)
        .await;
    let probe = check(&server, "/health?probe=mops", 200, Some("good"))
        .poll()
        .await
        .probe;
    assert_eq!(probe.status, HealthStatus::Ok, "{probe:?}");
    assert_eq!(probe.summary, "HTTP 200, body has \"good\"");
    let req = &server.received_requests().await.unwrap()[0];
    assert!(req.headers.get("authorization").is_none());
}

// ---- classifications ----

#[tokio::test]
async fn slow_success_is_degraded() {
    let server = MockServer::start().await;
    mount_empty_mailchimp_data(&server).await;
    mount(
        &server,
        ResponseTemplate::new(200)
            .set_body_json(json!({"health_status": "Everything's Chimpy!"}))
            .set_delay(Duration::from_millis(300)),
    )
    .await;
    let probe = mailchimp(&server, policy(), Duration::from_millis(100))
        .poll()
        .await
        .probe;
    assert_eq!(probe.status, HealthStatus::Degraded, "{probe:?}");
    assert!(
        probe.summary.starts_with("Everything's Chimpy! (slow: "),
        "{}",
        probe.summary
    );
}

#[tokio::test]
async fn retry_after_is_honoured_and_success_after_retry_is_degraded() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "1")
                .set_body_json(
                    json!({"status": "error", "message": "You have reached your ten_secondly_rolling limit.",
                    "correlationId": "c-1", "category": "RATE_LIMITS", "policyName": "TEN_SECONDLY_ROLLING"}),
                ),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    mount(
        &server,
        ResponseTemplate::new(200).set_body_json(json!({"results": []})),
    )
    .await;
    mount_empty_hubspot_data(&server).await;
    let started = Instant::now();
    let probe = hubspot(&server, policy()).poll().await.probe;
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
    assert!(probe.latency >= Duration::from_millis(900));
    assert_eq!(probe.status, HealthStatus::Degraded, "{probe:?}");
    assert_eq!(probe.attempts, 2);
    assert_eq!(probe.summary, "contacts readable (needed 2 attempts)");
}

#[tokio::test]
async fn auth_failures_keep_vendor_code_and_message() {
    // Mailchimp problem+json.
    let server = MockServer::start().await;
    mount(
        &server,
        ResponseTemplate::new(401).set_body_json(json!({
            "type": "https://mailchimp.com/developer/marketing/docs/errors/", "title": "API Key Invalid",
            "status": 401, "detail": "Your API key may be invalid, or you've attempted to access the wrong datacenter.",
            "instance": "0e2a"})),
    )
    .await;
    let probe = mailchimp(&server, policy(), SLOW).poll().await.probe;
    assert_eq!(probe.status, HealthStatus::Auth);
    assert_eq!(probe.http_status, Some(401));
    assert_eq!(
        probe.vendor_error.as_ref().unwrap().code.as_deref(),
        Some("API Key Invalid")
    );
    assert!(
        probe
            .summary
            .starts_with("access denied (HTTP 401): Your API key may be invalid")
    );
    assert_no_secrets(&probe);

    // HubSpot.
    let server = MockServer::start().await;
    mount(
        &server,
        ResponseTemplate::new(401).set_body_json(json!({
            "status": "error", "message": "Authentication credentials not found.",
            "correlationId": "9a1c", "category": "INVALID_AUTHENTICATION"})),
    )
    .await;
    let probe = hubspot(&server, policy()).poll().await.probe;
    assert_eq!(probe.status, HealthStatus::Auth);
    let ve = probe.vendor_error.unwrap();
    assert_eq!(ve.code.as_deref(), Some("INVALID_AUTHENTICATION"));
    assert!(ve.message.contains("correlationId 9a1c"));

    // WordPress, 401 and 403.
    for (code, wp_code) in [(401, "rest_not_logged_in"), (403, "rest_forbidden")] {
        let server = MockServer::start().await;
        mount(
            &server,
            ResponseTemplate::new(code).set_body_json(json!({
                "code": wp_code, "message": "Sorry, you are not allowed to do that.", "data": {"status": code}})),
        )
        .await;
        let probe = wordpress(&server, policy()).poll().await.probe;
        assert_eq!(probe.status, HealthStatus::Auth, "{code}");
        assert_eq!(probe.vendor_error.unwrap().code.as_deref(), Some(wp_code));
        assert_eq!(
            probe.summary,
            format!("access denied (HTTP {code}): Sorry, you are not allowed to do that.")
        );
    }

    // A plain check behind a login.
    let server = MockServer::start().await;
    mount(&server, ResponseTemplate::new(403)).await;
    let probe = check(&server, "/admin", 200, None).poll().await.probe;
    assert_eq!(probe.status, HealthStatus::Auth);
}

#[tokio::test]
async fn credentials_echoed_by_a_vendor_never_reach_the_probe() {
    use base64::Engine;
    let b64 = |pair: &str| base64::engine::general_purpose::STANDARD.encode(pair);
    let mc_header = b64(&format!("mops:{MC_KEY}"));
    let wp_header = b64(&format!("editor:{WP_PASSWORD}"));
    let leaks = |probe: &Probe| {
        let text = format!("{probe:?}");
        [MC_KEY, HS_TOKEN, WP_PASSWORD, mc_header.as_str(), wp_header.as_str()]
            .into_iter()
            .filter(|s| text.contains(s))
            .count()
    };

    // A proxy or vendor echoing the Authorization header it refused.
    let server = MockServer::start().await;
    mount(
        &server,
        ResponseTemplate::new(401).set_body_json(json!({
            "title": "API Key Invalid", "status": 401,
            "detail": format!("Authorization: Basic {mc_header} is not valid")})),
    )
    .await;
    let probe = mailchimp(&server, policy(), SLOW).poll().await.probe;
    assert_eq!(probe.status, HealthStatus::Auth);
    assert!(
        probe.summary.contains("Authorization: Basic *** is not valid"),
        "{}",
        probe.summary
    );
    assert_eq!(leaks(&probe), 0, "{probe:?}");

    // A vendor quoting the token in its message and its category.
    let server = MockServer::start().await;
    mount(
        &server,
        ResponseTemplate::new(401).set_body_json(json!({
            "status": "error", "message": format!("token {HS_TOKEN} is revoked"),
            "category": format!("BAD_{HS_TOKEN}")})),
    )
    .await;
    let probe = hubspot(&server, policy()).poll().await.probe;
    assert_eq!(probe.status, HealthStatus::Auth);
    assert_eq!(leaks(&probe), 0, "{probe:?}");

    // A 200 whose unexpected shape serde quotes back in its error.
    let server = MockServer::start().await;
    mount(
        &server,
        ResponseTemplate::new(200).set_body_json(json!({"results": HS_TOKEN})),
    )
    .await;
    let probe = hubspot(&server, policy()).poll().await.probe;
    assert_eq!(probe.status, HealthStatus::Down);
    assert!(probe.summary.contains("***"), "{}", probe.summary);
    assert_eq!(leaks(&probe), 0, "{probe:?}");

    let server = MockServer::start().await;
    mount(
        &server,
        ResponseTemplate::new(403).set_body_json(json!({
            "code": "rest_forbidden", "message": format!("Basic {wp_header} refused"), "data": {"status": 403}})),
    )
    .await;
    let probe = wordpress(&server, policy()).poll().await.probe;
    assert_eq!(probe.status, HealthStatus::Auth);
    assert_eq!(leaks(&probe), 0, "{probe:?}");
}

#[tokio::test]
async fn rate_limited_says_when_it_may_retry() {
    for kind in [SourceKind::Mailchimp, SourceKind::Hubspot, SourceKind::Wordpress] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "120"))
            .expect(1)
            .mount(&server)
            .await;
        let probe = poll_kind(kind, &server).await;
        assert_eq!(probe.status, HealthStatus::RateLimited, "{kind:?}: {probe:?}");
        assert!(
            probe.summary.starts_with("rate limited (HTTP 429); retry in 120s (at "),
            "{}",
            probe.summary
        );
    }
}

#[tokio::test]
async fn rate_limited_after_retries_without_retry_after() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429))
        .expect(3)
        .mount(&server)
        .await;
    let probe = poll_kind(SourceKind::Mailchimp, &server).await;
    assert_eq!(probe.status, HealthStatus::RateLimited);
    assert_eq!(probe.summary, "rate limited (HTTP 429) after 3 attempts");
}

async fn poll_kind(kind: SourceKind, server: &MockServer) -> Probe {
    match kind {
        SourceKind::Mailchimp => mailchimp(server, policy(), SLOW).poll().await.probe,
        SourceKind::Hubspot => hubspot(server, policy()).poll().await.probe,
        SourceKind::Wordpress => wordpress(server, policy()).poll().await.probe,
        SourceKind::Http => check(server, "/", 200, None).poll().await.probe,
    }
}

#[tokio::test]
async fn server_errors_are_down_for_every_kind() {
    for kind in SourceKind::ALL {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(503))
            .expect(3)
            .mount(&server)
            .await;
        let probe = poll_kind(kind, &server).await;
        assert_eq!(probe.status, HealthStatus::Down, "{kind:?}");
        assert_eq!(probe.summary, "HTTP 503 after 3 attempts", "{kind:?}");
        assert_eq!((probe.http_status, probe.attempts), (Some(503), 3));
    }
}

#[tokio::test]
async fn unexpected_status_is_down() {
    for kind in SourceKind::ALL {
        let server = MockServer::start().await;
        mount(&server, ResponseTemplate::new(404)).await;
        let probe = poll_kind(kind, &server).await;
        assert_eq!(probe.status, HealthStatus::Down, "{kind:?}");
        assert!(
            probe.summary.starts_with("unexpected HTTP 404 from /"),
            "{}",
            probe.summary
        );
    }
}

#[tokio::test]
async fn malformed_json_is_down_and_says_where() {
    let server = MockServer::start().await;
    mount(&server, ResponseTemplate::new(200).set_body_string("{\"")).await;
    let probe = mailchimp(&server, policy(), SLOW).poll().await.probe;
    assert_eq!(probe.status, HealthStatus::Down);
    assert_eq!(
        probe.summary,
        "malformed JSON from /ping: EOF while parsing a string at line 1 column 2"
    );

    let server = MockServer::start().await;
    mount(
        &server,
        ResponseTemplate::new(200).set_body_string("<html><body>Under maintenance</body></html>"),
    )
    .await;
    let probe = wordpress(&server, policy()).poll().await.probe;
    assert_eq!(probe.status, HealthStatus::Down);
    assert_eq!(
        probe.summary,
        "malformed JSON from /wp-json/: expected value at line 1 column 1"
    );
}

#[tokio::test]
async fn unexpected_json_shape_is_down() {
    let cases = [
        (
            SourceKind::Mailchimp,
            json!({"status": "ok"}),
            "unexpected JSON from /ping: missing field `health_status`",
        ),
        (
            SourceKind::Hubspot,
            json!({"items": []}),
            "unexpected JSON from /crm/v3/objects/contacts: missing field `results`",
        ),
        (
            SourceKind::Wordpress,
            json!({"routes": {}}),
            "unexpected JSON from /wp-json/: missing field `name`",
        ),
        (
            SourceKind::Wordpress,
            json!([1, 2]),
            "unexpected JSON from /wp-json/: expected an object, got an array",
        ),
    ];
    for (kind, body, summary) in cases {
        let server = MockServer::start().await;
        mount(&server, ResponseTemplate::new(200).set_body_json(body)).await;
        let probe = poll_kind(kind, &server).await;
        assert_eq!(probe.status, HealthStatus::Down, "{kind:?}");
        assert_eq!(probe.summary, summary);
    }
}

#[tokio::test]
async fn http_check_expectations() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/created"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/page"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<h1>Sale ends soon</h1>"))
        .mount(&server)
        .await;
    let ok = check(&server, "/created", 204, None).poll().await.probe;
    assert_eq!((ok.status, ok.summary.as_str()), (HealthStatus::Ok, "HTTP 204"));

    let wrong = check(&server, "/created", 200, None).poll().await.probe;
    assert_eq!(wrong.status, HealthStatus::Down);
    assert_eq!(wrong.summary, "unexpected HTTP 204 from /created (expected 200)");

    let missing = check(&server, "/page", 200, Some("Sign up")).poll().await.probe;
    assert_eq!(missing.status, HealthStatus::Down);
    assert_eq!(missing.summary, "HTTP 200 but body lacks \"Sign up\"");
}

#[tokio::test]
async fn http_check_sees_an_expected_redirect_and_follows_others() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/click"))
        .respond_with(ResponseTemplate::new(302).insert_header("Location", format!("{}/landing", server.uri())))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/landing"))
        .respond_with(ResponseTemplate::new(200).set_body_string("welcome"))
        .mount(&server)
        .await;
    // A click tracker must answer 302 itself.
    let tracker = check(&server, "/click", 302, None).poll().await.probe;
    assert_eq!(
        (tracker.status, tracker.summary.as_str()),
        (HealthStatus::Ok, "HTTP 302")
    );
    // A page check lands where the redirect leads.
    let page = check(&server, "/click", 200, Some("welcome")).poll().await.probe;
    assert_eq!(page.status, HealthStatus::Ok, "{page:?}");
}

#[tokio::test]
async fn timeouts_and_refused_connections_are_down() {
    let server = MockServer::start().await;
    mount(&server, ResponseTemplate::new(200).set_delay(Duration::from_secs(3))).await;
    let p = Policy {
        timeout: Duration::from_millis(200),
        max_retries: 0,
        ..policy()
    };
    let c = HttpCheck::new("slow", client(p), base(&server, "/"), 200, None, SLOW);
    let probe = c.poll().await.probe;
    assert_eq!(probe.status, HealthStatus::Down);
    assert_eq!(probe.summary, "timed out after 200ms");

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap();
    let probe = HttpCheck::new("gone", client(policy()), url, 200, None, SLOW)
        .poll()
        .await
        .probe;
    assert_eq!(probe.status, HealthStatus::Down);
    assert!(probe.summary.starts_with("cannot connect: "), "{}", probe.summary);
    assert!(probe.summary.ends_with(" after 3 attempts"), "{}", probe.summary);
    assert_eq!(probe.attempts, 3);
    assert!(!probe.request_id.is_empty());
}

#[tokio::test]
async fn open_circuit_is_down_without_a_request() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500))
        .expect(2)
        .mount(&server)
        .await;
    let p = Policy {
        max_retries: 0,
        breaker_threshold: 2,
        breaker_cooldown: Duration::from_secs(60),
        ..policy()
    };
    let c = HttpCheck::new("flaky", client(p), base(&server, "/"), 200, None, SLOW);
    assert_eq!(c.poll().await.probe.circuit, CircuitState::Closed);
    let second = c.poll().await.probe;
    assert!(matches!(second.circuit, CircuitState::Open { .. }), "{second:?}");
    let third = c.poll().await.probe;
    assert_eq!(third.status, HealthStatus::Down);
    assert!(
        third
            .summary
            .starts_with("circuit open after repeated failures; next try at "),
        "{}",
        third.summary
    );
    assert_eq!((third.attempts, third.http_status), (0, None));
}

// ---- build() from config ----

fn secret_file(value: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(value.as_bytes()).unwrap();
    // NamedTempFile is created 0600, as the config's secret check demands.
    f
}

fn source(name: &str, base_url: Option<Url>, settings: SourceSettings) -> SourceConfig {
    SourceConfig {
        name: name.into(),
        kind: settings.kind(),
        base_url,
        interval: Duration::from_secs(30),
        timeout: Duration::from_secs(5),
        slow: SLOW,
        settings,
    }
}

#[tokio::test]
async fn build_resolves_secrets_and_probes() {
    let server = MockServer::start().await;
    mount_empty_hubspot_data(&server).await;
    Mock::given(method("GET"))
        .and(path("/crm/v3/objects/contacts"))
        .and(query_param("limit", "1"))
        .and(bearer_token(HS_TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"results": []})))
        .expect(1)
        .mount(&server)
        .await;
    let file = secret_file(HS_TOKEN);
    let cfg = source(
        "crm",
        Some(base(&server, "")),
        SourceSettings::Hubspot {
            round_robin: Vec::new(),
            token: SecretRef::File(file.path().to_owned()),
            tier: HubspotTier::Professional,
            rate_limit: None,
        },
    );
    let core = HttpCore::new(false).unwrap();
    let connector = sources::build(&core, &cfg).unwrap();
    assert_eq!((connector.name(), connector.kind()), ("crm", SourceKind::Hubspot));
    let probe = connector.poll().await.probe;
    assert_eq!(probe.status, HealthStatus::Ok, "{probe:?}");
    // No vendor headers here: headroom comes from our own limiter (170/10s).
    let rl = probe.rate_limit.unwrap();
    assert_eq!((rl.limit, rl.remaining, rl.from_headers), (170, 169, false));
}

#[tokio::test]
async fn build_errors_name_source_and_field() {
    let core = HttpCore::new(false).unwrap();
    let key = secret_file("no-datacentre-suffix");
    let cfg = source(
        "email",
        None,
        SourceSettings::Mailchimp {
            api_key: SecretRef::File(key.path().to_owned()),
            test_emails: Vec::new(),
        },
    );
    let err = sources::build(&core, &cfg).err().unwrap();
    assert_eq!((err.source_name.as_str(), err.field), ("email", "api_key"));
    assert!(err.to_string().contains("base_url"), "{err}");
    assert!(!err.to_string().contains("no-datacentre-suffix"));

    let pw = secret_file(WP_PASSWORD);
    let cfg = source(
        "blog",
        None,
        SourceSettings::Wordpress {
            user: "editor".into(),
            app_password: SecretRef::File(pw.path().to_owned()),
        },
    );
    let err = sources::build(&core, &cfg).err().unwrap();
    assert_eq!((err.source_name.as_str(), err.field), ("blog", "base_url"));

    let cfg = source(
        "crm",
        None,
        SourceSettings::Hubspot {
            round_robin: Vec::new(),
            token: SecretRef::Env("MOPS_TEST_SURELY_UNSET_TOKEN_VAR".into()),
            tier: HubspotTier::Free,
            rate_limit: None,
        },
    );
    let err = sources::build(&core, &cfg).err().unwrap();
    assert_eq!((err.source_name.as_str(), err.field), ("crm", "token"));
    assert!(err.to_string().contains("MOPS_TEST_SURELY_UNSET_TOKEN_VAR"), "{err}");
}

#[tokio::test]
async fn mailchimp_default_base_comes_from_the_key() {
    // Nothing is sent (no internet here): only the URL a poll would call is checked.
    let core = HttpCore::new(false).unwrap();
    let key = secret_file(MC_KEY);
    let cfg = source(
        "email",
        None,
        SourceSettings::Mailchimp {
            api_key: SecretRef::File(key.path().to_owned()),
            test_emails: Vec::new(),
        },
    );
    let connector = sources::build(&core, &cfg).unwrap();
    assert_eq!(connector.probe_url(), "https://us14.api.mailchimp.com/3.0/ping");

    // Another key, another data centre.
    let other = secret_file("fedcba9876543210fedcba9876543210-eu2");
    let cfg = source(
        "email",
        None,
        SourceSettings::Mailchimp {
            api_key: SecretRef::File(other.path().to_owned()),
            test_emails: Vec::new(),
        },
    );
    let connector = sources::build(&core, &cfg).unwrap();
    assert_eq!(connector.probe_url(), "https://eu2.api.mailchimp.com/3.0/ping");
}

#[tokio::test]
async fn a_configured_base_url_overrides_the_keys_data_centre() {
    let core = HttpCore::new(false).unwrap();
    let key = secret_file(MC_KEY);
    let cfg = source(
        "email",
        Some(Url::parse("http://127.0.0.1:4010/mailchimp/3.0").unwrap()),
        SourceSettings::Mailchimp {
            api_key: SecretRef::File(key.path().to_owned()),
            test_emails: Vec::new(),
        },
    );
    let connector = sources::build(&core, &cfg).unwrap();
    assert_eq!(connector.probe_url(), "http://127.0.0.1:4010/mailchimp/3.0/ping");
}

// ---- hostile answers ----

#[tokio::test]
async fn hostile_answers_are_classified_never_panic() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let cases: Vec<(&str, ResponseTemplate, HealthStatus)> = vec![
        (
            "Retry-After of u64::MAX",
            ResponseTemplate::new(429).insert_header("Retry-After", "18446744073709551615"),
            HealthStatus::RateLimited,
        ),
        (
            "Retry-After beyond u64",
            ResponseTemplate::new(429).insert_header("Retry-After", "99999999999999999999999"),
            HealthStatus::RateLimited,
        ),
        (
            "negative Retry-After",
            ResponseTemplate::new(503).insert_header("Retry-After", "-30"),
            HealthStatus::Down,
        ),
        (
            "Retry-After date far in the future",
            ResponseTemplate::new(429).insert_header("Retry-After", "Fri, 31 Dec 9999 23:59:59 GMT"),
            HealthStatus::RateLimited,
        ),
        (
            "garbage rate-limit headers",
            ResponseTemplate::new(200)
                .set_body_json(json!({}))
                .insert_header("X-HubSpot-RateLimit-Max", "-1")
                .insert_header("X-HubSpot-RateLimit-Remaining", "99999999999999999999999")
                .insert_header("X-RateLimit-Limit", "ten")
                .insert_header("X-RateLimit-Remaining", "1e3"),
            HealthStatus::Down,
        ),
        (
            "non-UTF-8 body",
            ResponseTemplate::new(401).set_body_bytes(vec![0xff, 0xfe, 0x7b, 0x80]),
            HealthStatus::Auth,
        ),
        (
            "HTML where JSON belongs",
            ResponseTemplate::new(200).set_body_string("<html><body>Just a moment...</body></html>"),
            HealthStatus::Down,
        ),
        ("empty 200", ResponseTemplate::new(200), HealthStatus::Down),
        (
            "JSON nested past any sane depth",
            ResponseTemplate::new(200).set_body_string(deep.clone()),
            HealthStatus::Down,
        ),
    ];
    for (what, template, expected) in cases {
        for kind in [SourceKind::Mailchimp, SourceKind::Hubspot, SourceKind::Wordpress] {
            let server = MockServer::start().await;
            mount(&server, template.clone()).await;
            let started = Instant::now();
            let probe = poll_kind(kind, &server).await;
            assert_eq!(probe.status, expected, "{what} from {kind:?}: {probe:?}");
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "{what} from {kind:?} took too long"
            );
        }
    }
}
