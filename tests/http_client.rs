//! The HTTP core against wiremock on 127.0.0.1: retries, Retry-After,
//! read-only gate, breaker, limiter, request ids and redaction.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mops::http::{Auth, HttpCore, HttpError, Method, Policy, RateLimit, Request, SourceClient};
use mops::model::CircuitState;
use secrecy::SecretString;
use url::Url;
use wiremock::matchers::{header_exists, method, path};
use wiremock::{Mock, MockServer, Respond, ResponseTemplate};

/// Fast backoff so retry tests take milliseconds.
fn fast() -> Policy {
    Policy {
        timeout: Duration::from_secs(5),
        backoff_base: Duration::from_millis(10),
        backoff_max: Duration::from_millis(40),
        ..Policy::default()
    }
}

fn client(policy: Policy) -> SourceClient {
    HttpCore::new(false).unwrap().source("test", policy)
}

fn url(server: &MockServer, p: &str) -> Url {
    Url::parse(&format!("{}{p}", server.uri())).unwrap()
}

/// A port nothing listens on.
fn refused_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[tokio::test]
async fn get_sends_request_id_and_user_agent_and_keeps_the_id() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/x"))
        .and(header_exists("x-request-id"))
        .respond_with(ResponseTemplate::new(200).set_body_string("hi"))
        .expect(1)
        .mount(&server)
        .await;
    let resp = client(fast()).send(Request::get(url(&server, "/x"))).await.unwrap();
    assert_eq!(resp.status.as_u16(), 200);
    assert_eq!(&resp.body[..], b"hi");
    assert_eq!(resp.attempts, 1);
    assert_eq!(resp.attempt_latencies.len(), 1);
    let got = &server.received_requests().await.unwrap()[0];
    assert_eq!(got.headers["x-request-id"].to_str().unwrap(), resp.request_id);
    assert!(uuid::Uuid::parse_str(&resp.request_id).is_ok());
    assert!(got.headers["user-agent"].to_str().unwrap().starts_with("mops/"));
}

#[tokio::test]
async fn get_retries_503_then_succeeds_with_one_request_id() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let resp = client(fast()).send(Request::get(url(&server, "/r"))).await.unwrap();
    assert_eq!((resp.status.as_u16(), resp.attempts), (200, 3));
    assert_eq!(resp.attempt_latencies.len(), 3);
    let ids: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.headers["x-request-id"].to_str().unwrap().to_owned())
        .collect();
    assert!(ids.iter().all(|id| *id == resp.request_id), "{ids:?}");
}

#[tokio::test]
async fn get_gives_up_after_max_retries_and_returns_the_status() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(502))
        .expect(4)
        .mount(&server)
        .await;
    let resp = client(fast()).send(Request::get(url(&server, "/r"))).await.unwrap();
    assert_eq!((resp.status.as_u16(), resp.attempts), (502, 4));
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404))
        .expect(1)
        .mount(&server)
        .await;
    let resp = client(fast()).send(Request::get(url(&server, "/r"))).await.unwrap();
    assert_eq!((resp.status.as_u16(), resp.attempts), (404, 1));
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let started = Instant::now();
    let resp = client(fast()).send(Request::get(url(&server, "/r"))).await.unwrap();
    // The backoff alone would retry after ~10ms; the server asked for 1s.
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
    assert!(resp.latency >= Duration::from_millis(900));
    assert_eq!((resp.status.as_u16(), resp.attempts), (200, 2));
}

#[tokio::test]
async fn retry_after_longer_than_policy_returns_at_once() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "120"))
        .expect(1)
        .mount(&server)
        .await;
    let resp = client(fast()).send(Request::get(url(&server, "/r"))).await.unwrap();
    assert_eq!((resp.status.as_u16(), resp.attempts), (429, 1));
    assert_eq!(resp.retry_after, Some(Duration::from_secs(120)));
}

#[tokio::test]
async fn post_answered_503_is_sent_exactly_once() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/w"))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "0"))
        .expect(1)
        .mount(&server)
        .await;
    let req = Request::new(Method::POST, url(&server, "/w")).with_json(serde_json::json!({"a": 1}));
    let resp = client(fast()).send(req).await.unwrap();
    assert_eq!((resp.status.as_u16(), resp.attempts), (503, 1));
}

#[tokio::test]
async fn post_transport_failure_is_not_retried() {
    let port = refused_port();
    let req = Request::new(
        Method::PATCH,
        Url::parse(&format!("http://127.0.0.1:{port}/w")).unwrap(),
    );
    let err = client(fast()).send(req).await.unwrap_err();
    assert!(matches!(err, HttpError::Connect { attempts: 1, .. }), "{err:?}");
}

#[tokio::test]
async fn readonly_core_never_sends_a_write() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let core = HttpCore::new(true).unwrap();
    assert!(core.is_readonly());
    let c = core.source("ro", fast());
    for m in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
        let err = c.send(Request::new(m.clone(), url(&server, "/w"))).await.unwrap_err();
        assert!(matches!(err, HttpError::ReadOnly { .. }), "{m}: {err:?}");
        assert_eq!(err.attempts(), 0);
    }
    // Reads still work.
    assert_eq!(
        c.send(Request::get(url(&server, "/r"))).await.unwrap().status.as_u16(),
        200
    );
    assert!(
        server
            .received_requests()
            .await
            .unwrap()
            .iter()
            .all(|r| r.method.as_str() == "GET")
    );
}

#[tokio::test]
async fn readonly_lets_a_post_marked_as_a_query_through_and_nothing_else() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/search"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let c = HttpCore::new(true).unwrap().source("ro", fast());
    let query = Request::new(Method::POST, url(&server, "/search")).as_read_only_query();
    assert_eq!(c.send(query).await.unwrap().status.as_u16(), 200);
    let write = Request::new(Method::POST, url(&server, "/search"));
    assert!(matches!(c.send(write).await.unwrap_err(), HttpError::ReadOnly { .. }));
}

#[tokio::test]
async fn connect_errors_are_retried_then_reported() {
    let port = refused_port();
    let err = client(fast())
        .send(Request::get(Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap()))
        .await
        .unwrap_err();
    assert!(matches!(err, HttpError::Connect { attempts: 4, .. }), "{err:?}");
    assert!(!err.request_id().is_empty());
}

#[tokio::test]
async fn a_declared_oversized_body_is_refused_without_retry() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("x".repeat(4096)))
        .expect(1)
        .mount(&server)
        .await;
    let policy = Policy {
        max_body: 1024,
        ..fast()
    };
    let err = client(policy)
        .send(Request::get(url(&server, "/big?key=s3cr3t")))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            HttpError::TooLarge {
                limit: 1024,
                attempts: 1,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "response larger than 1 KiB from {}/big?key=*** (request {})",
            server.uri(),
            err.request_id()
        )
    );
}

#[tokio::test]
async fn a_body_at_the_cap_is_read_whole() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("y".repeat(1024)))
        .mount(&server)
        .await;
    let policy = Policy {
        max_body: 1024,
        ..fast()
    };
    let resp = client(policy).send(Request::get(url(&server, "/fits"))).await.unwrap();
    assert_eq!(resp.body.len(), 1024);
}

#[test]
fn the_default_cap_leaves_room_for_big_member_pages() {
    // 1000 Mailchimp members with merge fields are a few MB; 32 MiB is the default.
    assert_eq!(Policy::default().max_body, 32 * 1024 * 1024);
}

/// A server on 127.0.0.1 that answers every connection with `head` and then
/// whatever `body` writes, counting connections.
async fn raw_server<F, Fut>(head: &'static str, body: F) -> (Url, Arc<std::sync::atomic::AtomicUsize>)
where
    F: Fn(tokio::net::TcpStream) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let connections = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = connections.clone();
    let body = Arc::new(body);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let body = body.clone();
            tokio::spawn(async move {
                // Read the request head (a GET has no body), then answer.
                let mut buf = Vec::new();
                let mut chunk = [0u8; 1024];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                if stream.write_all(head.as_bytes()).await.is_ok() {
                    body(stream).await;
                }
            });
        }
    });
    (Url::parse(&format!("http://{addr}/endless")).unwrap(), connections)
}

#[tokio::test]
async fn an_endless_undeclared_body_is_cut_off_at_the_cap() {
    use tokio::io::AsyncWriteExt;
    // Chunked, no length: the only way to stop is to count what arrives.
    let (u, connections) = raw_server(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
        |mut stream| async move {
            let data = vec![b'['; 64 * 1024];
            let frame = [format!("{:x}\r\n", data.len()).into_bytes(), data, b"\r\n".to_vec()].concat();
            // Until the client hangs up: a body that never ends.
            while stream.write_all(&frame).await.is_ok() {}
        },
    )
    .await;
    let policy = Policy {
        max_body: 1024 * 1024,
        ..fast()
    };
    let err = client(policy).send(Request::get(u)).await.unwrap_err();
    assert!(
        matches!(err, HttpError::TooLarge { limit, attempts: 1, .. } if limit == 1024 * 1024),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with("response larger than 1 MiB from http://127.0.0.1:"),
        "{err}"
    );
    // Not retried: the same body would come again.
    assert_eq!(connections.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_slow_drip_body_hits_the_timeout() {
    use tokio::io::AsyncWriteExt;
    // Headers at once, then one byte every 50 ms of a body far under the cap:
    // only a timeout that covers the body can end this call.
    let (u, _) = raw_server(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n",
        |mut stream| async move {
            loop {
                if stream.write_all(b" ").await.is_err() || stream.flush().await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        },
    )
    .await;
    let policy = Policy {
        timeout: Duration::from_millis(400),
        max_retries: 0,
        ..fast()
    };
    // The outer bound only turns a missing timeout into a failure instead of a hang.
    let err = tokio::time::timeout(Duration::from_secs(5), client(policy).send(Request::get(u)))
        .await
        .expect("the per-attempt timeout must cover the body")
        .unwrap_err();
    assert!(
        matches!(err, HttpError::Timeout { attempts: 1, after, .. } if after == Duration::from_millis(400)),
        "{err:?}"
    );
}

#[tokio::test]
async fn slow_answers_time_out() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    let policy = Policy {
        timeout: Duration::from_millis(200),
        max_retries: 1,
        ..fast()
    };
    let err = client(policy)
        .send(Request::get(url(&server, "/slow")))
        .await
        .unwrap_err();
    assert!(
        matches!(err, HttpError::Timeout { attempts: 2, after, .. } if after == Duration::from_millis(200)),
        "{err:?}"
    );
}

#[tokio::test]
async fn no_retry_starts_that_cannot_finish_within_the_budget() {
    // A poll must answer within its interval: a hung vendor is reported after
    // one timeout, not after every retry has timed out too.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    let policy = Policy {
        timeout: Duration::from_millis(300),
        budget: Some(Duration::from_millis(500)),
        ..fast()
    };
    let started = Instant::now();
    let err = client(policy)
        .send(Request::get(url(&server, "/hang")))
        .await
        .unwrap_err();
    assert!(matches!(err, HttpError::Timeout { attempts: 1, .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
}

#[tokio::test]
async fn breaker_opens_fails_fast_and_half_opens_after_cooldown() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(3)
        .expect(3)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let policy = Policy {
        max_retries: 0,
        breaker_threshold: 3,
        breaker_cooldown: Duration::from_millis(500),
        ..fast()
    };
    let c = client(policy);
    for _ in 0..3 {
        assert_eq!(c.circuit(), CircuitState::Closed);
        assert_eq!(
            c.send(Request::get(url(&server, "/r"))).await.unwrap().status.as_u16(),
            500
        );
    }
    let until = match c.circuit() {
        CircuitState::Open { until } => until,
        other => panic!("expected open, got {other:?}"),
    };
    assert!(until > jiff::Timestamp::now());
    let err = c.send(Request::get(url(&server, "/r"))).await.unwrap_err();
    assert!(matches!(err, HttpError::CircuitOpen { .. }), "{err:?}");
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        3,
        "open circuit must not send"
    );

    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(c.circuit(), CircuitState::HalfOpen);
    assert_eq!(
        c.send(Request::get(url(&server, "/r"))).await.unwrap().status.as_u16(),
        200
    );
    assert_eq!(c.circuit(), CircuitState::Closed);
    let stats = c.stats();
    assert_eq!((stats.calls, stats.failures), (4, 3));
}

#[tokio::test]
async fn failed_trial_reopens_the_circuit() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .expect(2)
        .mount(&server)
        .await;
    let policy = Policy {
        max_retries: 0,
        breaker_threshold: 1,
        breaker_cooldown: Duration::from_millis(300),
        ..fast()
    };
    let c = client(policy);
    c.send(Request::get(url(&server, "/r"))).await.unwrap();
    assert!(matches!(c.circuit(), CircuitState::Open { .. }));
    tokio::time::sleep(Duration::from_millis(450)).await;
    c.send(Request::get(url(&server, "/r"))).await.unwrap();
    assert!(matches!(c.circuit(), CircuitState::Open { .. }));
    assert!(matches!(
        c.send(Request::get(url(&server, "/r"))).await,
        Err(HttpError::CircuitOpen { .. })
    ));
}

/// Answers the given statuses in order, then 200.
struct Statuses(Mutex<std::vec::IntoIter<u16>>);

impl Respond for Statuses {
    fn respond(&self, _: &wiremock::Request) -> ResponseTemplate {
        ResponseTemplate::new(self.0.lock().unwrap().next().unwrap_or(200))
    }
}

#[tokio::test]
async fn throttling_neither_opens_the_circuit_nor_resets_the_failure_streak() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(Statuses(Mutex::new(vec![429, 429, 429, 500, 429, 500].into_iter())))
        .mount(&server)
        .await;
    let c = client(Policy {
        max_retries: 0,
        breaker_threshold: 2,
        ..fast()
    });
    let get = async || c.send(Request::get(url(&server, "/r"))).await.unwrap().status.as_u16();
    // A vendor that only throttles is up: however often, the circuit stays closed.
    for _ in 0..3 {
        assert_eq!(get().await, 429);
    }
    assert_eq!(c.circuit(), CircuitState::Closed);
    assert_eq!(get().await, 500);
    assert_eq!(get().await, 429);
    assert_eq!(c.circuit(), CircuitState::Closed);
    // Nor does it count as a success: the 5xx either side of it make a streak of two.
    assert_eq!(get().await, 500);
    assert!(matches!(c.circuit(), CircuitState::Open { .. }), "{:?}", c.circuit());
}

/// Records when each request reached the server.
#[derive(Clone, Default)]
struct Arrivals(Arc<Mutex<Vec<Instant>>>);

impl Respond for Arrivals {
    fn respond(&self, _: &wiremock::Request) -> ResponseTemplate {
        self.0.lock().unwrap().push(Instant::now());
        ResponseTemplate::new(200)
    }
}

#[tokio::test]
async fn rate_limiter_keeps_a_burst_under_the_limit() {
    let server = MockServer::start().await;
    let arrivals = Arrivals::default();
    Mock::given(method("GET"))
        .respond_with(arrivals.clone())
        .expect(12)
        .mount(&server)
        .await;
    let policy = Policy {
        rate_limit: Some(RateLimit {
            requests: 5,
            per: Duration::from_secs(1),
        }),
        ..fast()
    };
    let c = client(policy);
    let started = Instant::now();
    let calls = (0..12).map(|_| c.send(Request::get(url(&server, "/r"))));
    for r in futures::future::join_all(calls).await {
        assert_eq!(r.unwrap().status.as_u16(), 200);
    }
    // 12 requests at 5 per second cannot all be sent in under 1.4s.
    assert!(
        started.elapsed() >= Duration::from_millis(1400),
        "{:?}",
        started.elapsed()
    );
    let mut at = arrivals.0.lock().unwrap().clone();
    at.sort();
    // No six requests within one second (generous margin for scheduling noise).
    for w in at.windows(6) {
        assert!(w[5] - w[0] >= Duration::from_millis(850), "{:?}", w[5] - w[0]);
    }
    let headroom = c.headroom().unwrap();
    assert_eq!((headroom.limit, headroom.from_headers), (5, false));
    assert!(headroom.remaining < 5);
}

#[tokio::test]
async fn concurrency_cap_limits_requests_in_flight() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(300)))
        .expect(6)
        .mount(&server)
        .await;
    let policy = Policy {
        max_concurrent: Some(2),
        ..fast()
    };
    let c = client(policy);
    let started = Instant::now();
    let calls = (0..6).map(|_| c.send(Request::get(url(&server, "/r"))));
    futures::future::join_all(calls).await;
    // Three rounds of two: at least 900ms; uncapped it would take ~300ms.
    assert!(
        started.elapsed() >= Duration::from_millis(850),
        "{:?}",
        started.elapsed()
    );
}

/// Records arrivals and holds every answer until one shared instant, so
/// the requests in flight all finish (and free their slots) together.
#[derive(Clone)]
struct HoldUntil {
    arrivals: Arrivals,
    release: Instant,
}

impl Respond for HoldUntil {
    fn respond(&self, req: &wiremock::Request) -> ResponseTemplate {
        self.arrivals.respond(req);
        ResponseTemplate::new(200).set_delay(self.release.saturating_duration_since(Instant::now()))
    }
}

#[tokio::test]
async fn requests_queued_behind_the_concurrency_cap_do_not_burst_past_the_rate() {
    let server = MockServer::start().await;
    let arrivals = Arrivals::default();
    Mock::given(method("GET"))
        .respond_with(HoldUntil {
            arrivals: arrivals.clone(),
            release: Instant::now() + Duration::from_secs(2),
        })
        .expect(8)
        .mount(&server)
        .await;
    let policy = Policy {
        rate_limit: Some(RateLimit {
            requests: 5,
            per: Duration::from_secs(1),
        }),
        max_concurrent: Some(2),
        ..fast()
    };
    let c = client(policy);
    let calls = (0..8).map(|_| c.send(Request::get(url(&server, "/r"))));
    for r in futures::future::join_all(calls).await {
        assert_eq!(r.unwrap().status.as_u16(), 200);
    }
    // The six requests that waited for a slot while the first two were held
    // must still leave at the rate, not all at once when the slots free up.
    let mut at = arrivals.0.lock().unwrap().clone();
    at.sort();
    for w in at.windows(6) {
        assert!(w[5] - w[0] >= Duration::from_millis(850), "{:?}", w[5] - w[0]);
    }
}

#[tokio::test]
async fn vendor_rate_limit_headers_are_read() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("X-HubSpot-RateLimit-Max", "190")
                .insert_header("X-HubSpot-RateLimit-Remaining", "150")
                .insert_header("X-HubSpot-RateLimit-Interval-Milliseconds", "10000"),
        )
        .mount(&server)
        .await;
    let c = client(fast());
    let resp = c.send(Request::get(url(&server, "/r"))).await.unwrap();
    let info = resp.rate_limit.unwrap();
    assert_eq!((info.remaining, info.limit, info.from_headers), (150, 190, true));
    assert_eq!(c.headroom().unwrap().remaining, 150);
}

const SECRET: &str = "sk-live-9f8e7d6c5b4a";

fn assert_clean(text: &str) {
    assert!(!text.contains(SECRET), "secret leaked: {text}");
    assert!(!text.contains("9f8e7d6c5b4a"), "secret leaked: {text}");
}

#[tokio::test]
async fn no_secret_in_any_error_display_or_debug() {
    let port = refused_port();
    let c = client(Policy {
        max_retries: 0,
        ..fast()
    })
    .with_secrets([SecretString::from(SECRET)]);
    let urls = [
        format!("http://127.0.0.1:{port}/ping?apikey={SECRET}"),
        format!("http://ops:{SECRET}@127.0.0.1:{port}/ping"),
        format!("http://127.0.0.1:{port}/{SECRET}/ping"),
    ];
    for u in &urls {
        let req = Request::get(Url::parse(u).unwrap()).with_auth(Auth::Bearer(SecretString::from(SECRET)));
        assert_clean(&format!("{req:?}"));
        let err = c.send(req).await.unwrap_err();
        assert_clean(&err.to_string());
        assert_clean(&format!("{err:?}"));
        assert!(err.url().contains("127.0.0.1"), "{}", err.url());
    }
    // Timeouts and read-only refusals too.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    let slow = client(Policy {
        max_retries: 0,
        timeout: Duration::from_millis(100),
        ..fast()
    });
    let req = Request::get(url(&server, &format!("/x?token={SECRET}"))).with_auth(Auth::Basic {
        user: "u".into(),
        password: SecretString::from(SECRET),
    });
    let err = slow.send(req).await.unwrap_err();
    assert!(matches!(err, HttpError::Timeout { .. }));
    assert_clean(&format!("{err} {err:?}"));
    assert!(err.url().ends_with("?token=***"), "{}", err.url());

    let ro = HttpCore::new(true).unwrap().source("ro", fast());
    let err = ro
        .send(Request::new(Method::POST, url(&server, &format!("/x?token={SECRET}"))))
        .await
        .unwrap_err();
    assert_clean(&format!("{err} {err:?} {ro:?}"));
}

/// A log sink shared with the subscriber.
#[derive(Clone, Default)]
struct Sink(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn no_secret_in_logs() {
    let sink = Sink::default();
    let writer = sink.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let c = client(fast()).with_secrets([SecretString::from(SECRET)]);
    let req =
        Request::get(url(&server, &format!("/x?key={SECRET}"))).with_auth(Auth::Bearer(SecretString::from(SECRET)));
    let resp = c.send(req).await.unwrap();
    let port = refused_port();
    let _ = c
        .send(Request::get(
            Url::parse(&format!("http://u:{SECRET}@127.0.0.1:{port}/")).unwrap(),
        ))
        .await;

    let log = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains(&resp.request_id), "the log should mention the call: {log}");
    assert_clean(&log);
}

#[tokio::test]
async fn a_retry_after_holds_back_the_next_calls_until_it_runs_out() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "2"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let c = client(Policy {
        max_retries: 0,
        ..fast()
    });
    let first = c.send(Request::get(url(&server, "/r"))).await.unwrap();
    assert_eq!(
        (first.status.as_u16(), first.retry_after),
        (429, Some(Duration::from_secs(2)))
    );

    // The next poll comes before the vendor's wait is over: nothing is sent.
    let held = c.send(Request::get(url(&server, "/r"))).await.unwrap_err();
    assert!(matches!(held, HttpError::Waiting { .. }), "{held:?}");
    assert_eq!(held.attempts(), 0);
    assert!(
        held.to_string()
            .starts_with("rate limited: the vendor asked to wait until "),
        "{held}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    // A hold is no failure of the vendor's: the circuit stays closed.
    assert_eq!(c.circuit(), CircuitState::Closed);

    tokio::time::sleep(Duration::from_millis(2100)).await;
    let after = c.send(Request::get(url(&server, "/r"))).await.unwrap();
    assert_eq!(after.status.as_u16(), 200);
}
