//! The process-wide client and the per-source handle every connector uses.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use jiff::Timestamp;
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;

use super::breaker::{Breaker, Outcome, View};
use super::error::{ClientInitError, HttpError};
use super::headers::rate_limit_from_headers;
use super::limiter::Limiter;
use super::policy::Policy;
use super::redact::{Scrubber, redact_url};
use super::request::{Auth, Request, Response};
use super::retry::{backoff_delays, honours_retry_after, is_idempotent_read, is_retryable_status, retry_after};
use crate::model::{CircuitState, RateLimitInfo};

pub const USER_AGENT: &str = concat!("mops/", env!("CARGO_PKG_VERSION"));
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
pub const REQUEST_ID_HEADER: &str = "x-request-id";
/// The longest a vendor's `Retry-After` holds a source's calls back: past
/// it, a nonsense value (or a clock far off) must not silence a source.
pub const MAX_HOLD: Duration = Duration::from_secs(24 * 60 * 60);

/// The one HTTP client of the process. Cheap to clone.
#[derive(Clone, Debug)]
pub struct HttpCore {
    client: reqwest::Client,
    /// The same settings but redirects answered as they are, for checks that
    /// expect a 3xx (click trackers, moved pages). reqwest's redirect policy
    /// is per client, not per request.
    no_redirect: reqwest::Client,
    readonly: bool,
}

/// Why a redirect is not followed: more than ten in a row, or one from
/// https down to plain http (the next request, and any body a 307/308
/// carries along, would travel unencrypted).
fn redirect_refused(previous: &[url::Url], next: &url::Url) -> Option<&'static str> {
    if previous.len() >= MAX_REDIRECTS {
        return Some("too many redirects");
    }
    let from_https = previous.iter().any(|u| u.scheme() == "https");
    (from_https && next.scheme() == "http").then_some("refused a redirect from https to plain http")
}

const MAX_REDIRECTS: usize = 10;

impl HttpCore {
    /// `readonly` refuses every request but GET, HEAD and POSTs marked as
    /// read-only queries before it is sent.
    pub fn new(readonly: bool) -> Result<Self, ClientInitError> {
        let build = |redirects: reqwest::redirect::Policy| {
            reqwest::Client::builder()
                .user_agent(USER_AGENT)
                .connect_timeout(CONNECT_TIMEOUT)
                .redirect(redirects)
                .build()
                .map_err(|e| ClientInitError {
                    detail: Scrubber::default().describe(&e.without_url()),
                })
        };
        Ok(HttpCore {
            client: build(reqwest::redirect::Policy::custom(|attempt| {
                match redirect_refused(attempt.previous(), attempt.url()) {
                    Some(why) => attempt.error(why),
                    None => attempt.follow(),
                }
            }))?,
            no_redirect: build(reqwest::redirect::Policy::none())?,
            readonly,
        })
    }

    pub fn is_readonly(&self) -> bool {
        self.readonly
    }

    /// A handle for one source: shares the connection pool, owns its limiter,
    /// breaker and statistics.
    pub fn source(&self, name: impl Into<String>, policy: Policy) -> SourceClient {
        SourceClient {
            client: self.client.clone(),
            no_redirect: self.no_redirect.clone(),
            readonly: self.readonly,
            scrubber: Arc::new(Scrubber::default()),
            shared: Arc::new(Shared {
                name: name.into(),
                limiter: Limiter::new(&policy),
                breaker: Breaker::new(policy.breaker_threshold, policy.breaker_cooldown),
                policy,
                stats: Mutex::new(SourceStats::default()),
                vendor_limit: Mutex::new(None),
                hold_until: Mutex::new(None),
            }),
        }
    }
}

/// Counters since the source client was made.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceStats {
    /// Calls that reached the wire.
    pub calls: u64,
    /// Calls that ended in a transport error, a 5xx or a 429.
    pub failures: u64,
    /// Attempts beyond the first.
    pub retries: u64,
    pub last_latency: Option<Duration>,
}

struct Shared {
    name: String,
    policy: Policy,
    limiter: Limiter,
    breaker: Breaker,
    stats: Mutex<SourceStats>,
    /// The vendor's last reported headroom and when we saw it.
    vendor_limit: Mutex<Option<(Instant, RateLimitInfo)>>,
    /// Until when the vendor's last 429/503 `Retry-After` asked us to wait.
    hold_until: Mutex<Option<Instant>>,
}

/// One source's view of the client. Clones share limiter, breaker and stats.
#[derive(Clone)]
pub struct SourceClient {
    client: reqwest::Client,
    no_redirect: reqwest::Client,
    readonly: bool,
    scrubber: Arc<Scrubber>,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for SourceClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SourceClient")
            .field("name", &self.shared.name)
            .field("readonly", &self.readonly)
            .field("policy", &self.shared.policy)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Plain counters and snapshots: still consistent after a panicking holder.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// An `Instant` in the future as a wall-clock time for display.
fn to_timestamp(at: Instant) -> Timestamp {
    let now = Timestamp::now();
    now.checked_add(at.saturating_duration_since(Instant::now()))
        .unwrap_or(now)
}

/// One attempt's transport failure, before it becomes an [`HttpError`].
enum AttemptError {
    Timeout,
    Connect(String),
    Body(String),
    /// Could not even build the request (bad header): retrying cannot help.
    Build(String),
    /// The body exceeds the policy's cap: retrying would only repeat it.
    TooLarge,
    Other(String),
}

impl AttemptError {
    fn from_reqwest(e: reqwest::Error, scrub: &Scrubber) -> Self {
        let kind_timeout = e.is_timeout();
        let (connect, body, builder) = (e.is_connect(), e.is_body() || e.is_decode(), e.is_builder());
        let detail = scrub.describe(&e.without_url());
        if kind_timeout {
            AttemptError::Timeout
        } else if connect {
            AttemptError::Connect(detail)
        } else if body {
            AttemptError::Body(detail)
        } else if builder {
            AttemptError::Build(detail)
        } else {
            AttemptError::Other(detail)
        }
    }

    fn is_transient(&self) -> bool {
        !matches!(self, AttemptError::Build(_) | AttemptError::TooLarge)
    }
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl SourceClient {
    pub fn name(&self) -> &str {
        &self.shared.name
    }

    pub fn policy(&self) -> &Policy {
        &self.shared.policy
    }

    pub fn is_readonly(&self) -> bool {
        self.readonly
    }

    /// Secrets of this source to scrub from every message, in addition to the
    /// request's own credentials. Call before cloning the client.
    pub fn with_secrets(mut self, secrets: impl IntoIterator<Item = SecretString>) -> Self {
        let mut scrubber = (*self.scrubber).clone();
        for s in secrets {
            scrubber.add(s);
        }
        self.scrubber = Arc::new(scrubber);
        self
    }

    pub fn circuit(&self) -> CircuitState {
        match self.shared.breaker.view(Instant::now()) {
            View::Closed => CircuitState::Closed,
            View::HalfOpen => CircuitState::HalfOpen,
            View::Open { until } => CircuitState::Open {
                until: to_timestamp(until),
            },
        }
    }

    /// The vendor's last reported headroom while its window lasts, else our
    /// own count against the configured limit; None when neither exists.
    pub fn headroom(&self) -> Option<RateLimitInfo> {
        let now = Instant::now();
        if let Some((seen, info)) = lock(&self.shared.vendor_limit).clone() {
            let fresh_for = info.window.unwrap_or(Duration::from_secs(60));
            if now.saturating_duration_since(seen) < fresh_for {
                return Some(info);
            }
        }
        self.shared.limiter.headroom(now)
    }

    pub fn stats(&self) -> SourceStats {
        lock(&self.shared.stats).clone()
    }

    /// Scrubs this source's secrets and `auth`'s credentials, in every form
    /// they may take, from text a vendor sent back (error bodies may echo them).
    pub fn scrubber_for(&self, auth: &Auth) -> Scrubber {
        let mut scrubber = (*self.scrubber).clone();
        for secret in auth.secrets() {
            scrubber.add(secret);
        }
        scrubber
    }

    /// Sends one call: read-only gate, breaker, limiter, attempts with
    /// retries for GET/HEAD. Any HTTP status comes back as a [`Response`].
    pub async fn send(&self, req: Request) -> Result<Response, HttpError> {
        let request_id = req.request_id.clone().unwrap_or_else(|| Uuid::new_v4().to_string());
        let scrub = self.scrubber_for(&req.auth);
        let url = scrub.scrub(&redact_url(&req.url));
        let retryable = is_idempotent_read(&req.method) || req.read_only_query;

        if self.readonly && !retryable {
            tracing::warn!(source = %self.shared.name, method = %req.method, %url, %request_id, "read-only: request refused");
            return Err(HttpError::ReadOnly {
                method: req.method.to_string(),
                url,
                request_id,
            });
        }
        // A later call must honour a Retry-After as much as this call's retries do.
        if let Some(until) = *lock(&self.shared.hold_until)
            && Instant::now() < until
        {
            return Err(HttpError::Waiting {
                until: to_timestamp(until),
                url,
                request_id,
            });
        }
        let ticket = match self.shared.breaker.admit(Instant::now()) {
            Ok(ticket) => ticket,
            Err(until) => {
                return Err(HttpError::CircuitOpen {
                    until: to_timestamp(until),
                    url,
                    request_id,
                });
            }
        };

        let policy = &self.shared.policy;
        let started = Instant::now();
        let mut delays: Box<dyn Iterator<Item = Duration> + Send> = if retryable {
            Box::new(backoff_delays(policy))
        } else {
            Box::new(std::iter::empty())
        };
        let mut attempts: u32 = 0;
        let mut attempt_latencies = Vec::new();

        let (outcome, retry_after_final) = loop {
            attempts += 1;
            let slot = self.shared.limiter.acquire().await;
            let attempt_start = Instant::now();
            let result = self.attempt(&req, &request_id, &scrub).await;
            drop(slot);
            let took = attempt_start.elapsed();
            attempt_latencies.push(took);

            let wait = match &result {
                Ok(answer) => {
                    tracing::debug!(source = %self.shared.name, method = %req.method, %url, %request_id,
                        attempt = attempts, status = answer.status.as_u16(), latency_ms = took.as_millis() as u64, "answer");
                    let ra = honours_retry_after(answer.status)
                        .then(|| retry_after(&answer.headers, Timestamp::now()))
                        .flatten();
                    if !(retryable && is_retryable_status(answer.status)) {
                        break (result, ra);
                    }
                    if let Some(ra) = ra
                        && ra > policy.max_retry_after
                    {
                        tracing::info!(source = %self.shared.name, %request_id, retry_after_s = ra.as_secs(), "Retry-After too long; giving up");
                        break (result, Some(ra));
                    }
                    match delays.next() {
                        Some(d) => (d.max(ra.unwrap_or_default()), ra),
                        None => break (result, ra),
                    }
                }
                Err(e) => {
                    tracing::debug!(source = %self.shared.name, method = %req.method, %url, %request_id,
                        attempt = attempts, latency_ms = took.as_millis() as u64, "transport failure");
                    if !(retryable && e.is_transient()) {
                        break (result, None);
                    }
                    match delays.next() {
                        Some(d) => (d, None),
                        None => break (result, None),
                    }
                }
            };
            let (wait, ra) = wait;
            // A retry that could not finish within the call's budget only delays the answer.
            if policy
                .budget
                .is_some_and(|budget| started.elapsed() + wait + policy.timeout > budget)
            {
                tracing::info!(source = %self.shared.name, %request_id, attempt = attempts, "no time left in the budget for a retry");
                break (result, ra);
            }
            tracing::info!(source = %self.shared.name, %request_id, attempt = attempts, wait_ms = wait.as_millis() as u64, "retrying");
            tokio::time::sleep(wait).await;
        };

        let latency = started.elapsed();
        let failed = match &outcome {
            Ok(a) => a.status.is_server_error() || a.status == StatusCode::TOO_MANY_REQUESTS,
            Err(_) => true,
        };
        let health = match &outcome {
            // The vendor is up and only throttling; the Retry-After hold backs off.
            Ok(a) if a.status == StatusCode::TOO_MANY_REQUESTS => Outcome::Neutral,
            Ok(a) if a.status.is_server_error() => Outcome::Failure,
            Ok(_) => Outcome::Success,
            Err(_) => Outcome::Failure,
        };
        ticket.settle(health, Instant::now());
        {
            let mut stats = lock(&self.shared.stats);
            stats.calls += 1;
            stats.failures += u64::from(failed);
            stats.retries += u64::from(attempts - 1);
            stats.last_latency = Some(latency);
        }

        match outcome {
            Ok(answer) => {
                if honours_retry_after(answer.status)
                    && let Some(wait) = retry_after_final
                {
                    *lock(&self.shared.hold_until) = Instant::now().checked_add(wait.min(MAX_HOLD));
                }
                let vendor = rate_limit_from_headers(&answer.headers);
                if let Some(info) = &vendor {
                    *lock(&self.shared.vendor_limit) = Some((Instant::now(), info.clone()));
                }
                Ok(Response {
                    rate_limit: vendor.or_else(|| self.shared.limiter.headroom(Instant::now())),
                    status: answer.status,
                    headers: answer.headers,
                    body: answer.body,
                    latency,
                    attempt_latencies,
                    attempts,
                    request_id,
                    retry_after: retry_after_final,
                    url,
                })
            }
            Err(e) => {
                let err = match e {
                    AttemptError::Timeout => HttpError::Timeout {
                        after: policy.timeout,
                        attempts,
                        url,
                        request_id,
                    },
                    AttemptError::Connect(detail) => HttpError::Connect {
                        detail,
                        attempts,
                        url,
                        request_id,
                    },
                    AttemptError::Body(detail) => HttpError::Body {
                        detail,
                        attempts,
                        url,
                        request_id,
                    },
                    AttemptError::TooLarge => HttpError::TooLarge {
                        limit: policy.max_body,
                        attempts,
                        url,
                        request_id,
                    },
                    AttemptError::Build(detail) | AttemptError::Other(detail) => HttpError::Request {
                        detail,
                        attempts,
                        url,
                        request_id,
                    },
                };
                tracing::warn!(source = %self.shared.name, error = %err, "request failed");
                Err(err)
            }
        }
    }

    /// One trip on the wire, bounded by the policy timeout end to end.
    async fn attempt(&self, req: &Request, request_id: &str, scrub: &Scrubber) -> Result<Answer, AttemptError> {
        let timeout = self.shared.policy.timeout;
        let max_body = self.shared.policy.max_body;
        let client = if req.follow_redirects {
            &self.client
        } else {
            &self.no_redirect
        };
        let mut builder = client
            .request(req.method.clone(), req.url.clone())
            .timeout(timeout)
            .headers(req.headers.clone())
            .header(REQUEST_ID_HEADER, request_id);
        match &req.auth {
            Auth::None => {}
            // reqwest marks the Basic header sensitive itself.
            Auth::Basic { user, password } => {
                builder = builder.basic_auth(user, Some(password.expose_secret()));
            }
            Auth::Bearer(token) => {
                let mut value = HeaderValue::from_str(&format!("Bearer {}", token.expose_secret()))
                    .map_err(|_| AttemptError::Build("the bearer token is not a valid header value".into()))?;
                value.set_sensitive(true);
                builder = builder.header(AUTHORIZATION, value);
            }
        }
        if let Some(body) = &req.body {
            builder = builder.json(body);
        }
        let trip = async {
            let mut resp = builder.send().await.map_err(|e| AttemptError::from_reqwest(e, scrub))?;
            let status = resp.status();
            let headers = resp.headers().clone();
            // A declared length over the cap is refused before a byte is read.
            if resp.content_length().is_some_and(|n| n > max_body as u64) {
                return Err(AttemptError::TooLarge);
            }
            // Read in chunks so a runaway or endless body is cut off at the
            // cap, never buffered whole; the outer timeout bounds a slow drip.
            let mut body = BytesMut::new();
            while let Some(chunk) = resp.chunk().await.map_err(|e| AttemptError::from_reqwest(e, scrub))? {
                if body.len().saturating_add(chunk.len()) > max_body {
                    return Err(AttemptError::TooLarge);
                }
                body.extend_from_slice(&chunk);
            }
            Ok(Answer {
                status,
                headers,
                body: body.freeze(),
            })
        };
        // reqwest's timeout covers the body too; this outer bound is the guarantee.
        match tokio::time::timeout(timeout, trip).await {
            Ok(result) => result,
            Err(_) => Err(AttemptError::Timeout),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_never_downgrade_to_plain_http_and_stop_after_ten() {
        let u = |s: &str| url::Url::parse(s).unwrap();
        assert_eq!(
            redirect_refused(&[u("http://127.0.0.1:1/a")], &u("http://127.0.0.1:1/b")),
            None
        );
        assert_eq!(
            redirect_refused(&[u("https://api.example/a")], &u("https://cdn.example/b")),
            None
        );
        assert!(redirect_refused(&[u("https://api.example/a")], &u("http://api.example/b")).is_some());
        let ten: Vec<_> = (0..10).map(|i| u(&format!("http://127.0.0.1:1/{i}"))).collect();
        assert_eq!(
            redirect_refused(&ten, &u("http://127.0.0.1:1/x")),
            Some("too many redirects")
        );
    }
}
