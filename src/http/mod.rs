//! The one HTTP client every connector uses: connect and per-request
//! timeouts, GET retries with backoff, jitter and `Retry-After`, a per-source
//! rate limiter and concurrency cap, a circuit breaker, request ids, latency,
//! a read-only gate for writes, and redaction of secrets from every error.

mod breaker;
mod client;
mod error;
mod headers;
mod limiter;
mod policy;
mod redact;
mod request;
mod retry;

pub use client::{CONNECT_TIMEOUT, HttpCore, MAX_HOLD, REQUEST_ID_HEADER, SourceClient, SourceStats, USER_AGENT};
pub use error::{ClientInitError, HttpError, fmt_secs, fmt_size};
pub use headers::rate_limit_from_headers;
pub use policy::{Policy, RateLimit};
pub use redact::{Scrubber, redact_url};
pub use request::{Auth, Request, Response};
pub use retry::{is_idempotent_read, is_retryable_status, parse_retry_after};

pub use reqwest::{Method, StatusCode};
