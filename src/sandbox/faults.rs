//! Injected faults: what they are, how they are spelled, and the middleware
//! that applies them to every route of a source.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::source::{Source, UnknownSource};
use super::{AppState, hubspot, mailchimp, website, wordpress};

/// The spellings of every fault kind, for help and error messages.
pub const FAULT_KINDS: [&str; 6] = [
    "latency:MS",
    "hang",
    "status:CODE",
    "ratelimit:SECONDS",
    "auth",
    "malformed",
];

/// Longest accepted `latency:MS`, so a typo cannot park a client for days.
const MAX_LATENCY_MS: u64 = 10 * 60 * 1000;
/// Longest accepted `ratelimit:SECONDS` (one day).
const MAX_RETRY_AFTER_SECS: u64 = 24 * 60 * 60;

/// A way a source misbehaves. Spelled as in `--fault SOURCE=KIND`; `Display`
/// gives the same spelling back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Wait `ms` milliseconds, then answer normally.
    Latency { ms: u64 },
    /// Never answer: the client's timeout has to fire.
    Hang,
    /// Answer `code` (400-599) with the vendor's error body.
    Status { code: u16 },
    /// Answer 429 with `Retry-After: seconds` and the vendor's 429 body.
    RateLimit { seconds: u64 },
    /// Answer 401 as for a revoked key, with the vendor's 401 body.
    Auth,
    /// Answer 200 `application/json` with a truncated body.
    Malformed,
}

/// Why a fault spelling was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FaultParseError {
    #[error("unknown fault kind {0:?}; kinds: {kinds}", kinds = FAULT_KINDS.join(", "))]
    UnknownKind(String),
    #[error("fault kind {kind:?} needs a value, as in {example}")]
    MissingValue { kind: &'static str, example: &'static str },
    #[error("fault kind {kind:?} takes no value (got {value:?})")]
    UnexpectedValue { kind: &'static str, value: String },
    #[error("bad value {value:?} for fault kind {kind:?}: {reason}")]
    BadValue {
        kind: &'static str,
        value: String,
        reason: String,
    },
}

impl FromStr for Fault {
    type Err = FaultParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (kind, value) = match s.split_once(':') {
            Some((kind, value)) => (kind.trim(), Some(value.trim())),
            None => (s, None),
        };
        match kind.to_ascii_lowercase().as_str() {
            "latency" => {
                let ms = number("latency", value, "latency:800", 0..=MAX_LATENCY_MS)?;
                Ok(Fault::Latency { ms })
            }
            "status" => {
                let code = number("status", value, "status:503", 400..=599)?;
                // Within 400..=599, so it fits a u16.
                Ok(Fault::Status { code: code as u16 })
            }
            "ratelimit" => {
                let seconds = number("ratelimit", value, "ratelimit:30", 0..=MAX_RETRY_AFTER_SECS)?;
                Ok(Fault::RateLimit { seconds })
            }
            "hang" => no_value("hang", value).map(|()| Fault::Hang),
            "auth" => no_value("auth", value).map(|()| Fault::Auth),
            "malformed" => no_value("malformed", value).map(|()| Fault::Malformed),
            _ => Err(FaultParseError::UnknownKind(s.to_owned())),
        }
    }
}

fn number(
    kind: &'static str,
    value: Option<&str>,
    example: &'static str,
    range: std::ops::RangeInclusive<u64>,
) -> Result<u64, FaultParseError> {
    let value = value
        .filter(|v| !v.is_empty())
        .ok_or(FaultParseError::MissingValue { kind, example })?;
    let bad = |reason: String| FaultParseError::BadValue {
        kind,
        value: value.to_owned(),
        reason,
    };
    let n: u64 = value.parse().map_err(|_| bad("not a whole number".to_owned()))?;
    if range.contains(&n) {
        Ok(n)
    } else {
        Err(bad(format!("must be between {} and {}", range.start(), range.end())))
    }
}

fn no_value(kind: &'static str, value: Option<&str>) -> Result<(), FaultParseError> {
    match value {
        None => Ok(()),
        Some(value) => Err(FaultParseError::UnexpectedValue {
            kind,
            value: value.to_owned(),
        }),
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Latency { ms } => write!(f, "latency:{ms}"),
            Fault::Hang => f.write_str("hang"),
            Fault::Status { code } => write!(f, "status:{code}"),
            Fault::RateLimit { seconds } => write!(f, "ratelimit:{seconds}"),
            Fault::Auth => f.write_str("auth"),
            Fault::Malformed => f.write_str("malformed"),
        }
    }
}

/// Parses `SOURCE=KIND` as given to `--fault`; usable as a clap `value_parser`.
pub fn parse_fault_arg(arg: &str) -> Result<(String, Fault), String> {
    let (source, kind) = arg
        .split_once('=')
        .ok_or_else(|| format!("expected SOURCE=KIND, e.g. hubspot=status:503 (got {arg:?})"))?;
    let source: Source = source.trim().parse().map_err(|e: UnknownSource| e.to_string())?;
    let fault = kind.parse::<Fault>().map_err(|e| e.to_string())?;
    Ok((source.name().to_owned(), fault))
}

/// The active fault of each source, shared by the middleware and the control endpoint.
#[derive(Debug, Default)]
pub(crate) struct FaultTable {
    active: Mutex<BTreeMap<Source, Fault>>,
}

impl FaultTable {
    // A poisoned lock only means another request panicked mid-update of a
    // plain map, which is still consistent: keep serving.
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<Source, Fault>> {
        self.active.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn get(&self, source: Source) -> Option<Fault> {
        self.lock().get(&source).copied()
    }

    pub(crate) fn set(&self, source: Source, fault: Fault) {
        self.lock().insert(source, fault);
    }

    /// Returns the fault that was active, if any.
    pub(crate) fn clear(&self, source: Source) -> Option<Fault> {
        self.lock().remove(&source)
    }

    /// Active faults by source name, sorted by name.
    pub(crate) fn snapshot(&self) -> BTreeMap<&'static str, String> {
        self.lock()
            .iter()
            .map(|(source, fault)| (source.name(), fault.to_string()))
            .collect()
    }
}

/// State for [`apply`]: which source this middleware guards.
#[derive(Clone)]
pub(crate) struct FaultCtx {
    pub(crate) state: Arc<AppState>,
    pub(crate) source: Source,
}

/// Applies the source's active fault, if any, around the rest of its stack.
pub(crate) async fn apply(State(ctx): State<FaultCtx>, req: Request, next: Next) -> Response {
    let Some(fault) = ctx.state.faults.get(ctx.source) else {
        return next.run(req).await;
    };
    let shutdown = ctx.state.shutdown.clone();
    match fault {
        Fault::Latency { ms } => {
            tokio::select! {
                () = tokio::time::sleep(Duration::from_millis(ms)) => next.run(req).await,
                () = shutdown.cancelled() => shutting_down(),
            }
        }
        Fault::Hang => {
            // Released only so that a graceful shutdown does not wait forever.
            shutdown.cancelled().await;
            shutting_down()
        }
        Fault::Status { code } => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            error_body(&ctx.state, ctx.source, status)
        }
        Fault::RateLimit { seconds } => {
            let mut response = too_many_requests(&ctx.state, ctx.source);
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            response
        }
        Fault::Auth => revoked_credentials(ctx.source),
        Fault::Malformed => malformed(next.run(req).await).await,
    }
}

fn error_body(state: &AppState, source: Source, status: StatusCode) -> Response {
    match source {
        // A HubSpot 429 always carries its limit headers.
        Source::Hubspot if status == StatusCode::TOO_MANY_REQUESTS => hubspot::forced_rate_limit(&state.hubspot),
        Source::Mailchimp => mailchimp::error_response(status),
        Source::Hubspot => hubspot::error_response(status),
        Source::Wordpress => wordpress::error_response(status),
        Source::Website => website::error_response(status),
    }
}

fn too_many_requests(state: &AppState, source: Source) -> Response {
    match source {
        Source::Mailchimp => mailchimp::too_many_requests(),
        Source::Hubspot => hubspot::forced_rate_limit(&state.hubspot),
        Source::Wordpress => wordpress::too_many_requests(),
        Source::Website => website::error_response(StatusCode::TOO_MANY_REQUESTS),
    }
}

fn revoked_credentials(source: Source) -> Response {
    match source {
        Source::Mailchimp => mailchimp::invalid_key(),
        Source::Hubspot => hubspot::invalid_authentication(),
        Source::Wordpress => wordpress::incorrect_password(),
        Source::Website => website::error_response(StatusCode::UNAUTHORIZED),
    }
}

fn shutting_down() -> Response {
    (StatusCode::SERVICE_UNAVAILABLE, "sandbox shutting down\n").into_response()
}

/// Keeps the first half of the real answer, labelled as JSON with status 200,
/// the way a proxy that cut a connection short would deliver it.
async fn malformed(real: Response) -> Response {
    // The sandbox's own bodies are small; the cap only bounds memory.
    let bytes = to_bytes(real.into_body(), 16 * 1024 * 1024).await.unwrap_or_default();
    let body = truncate_json(&bytes);
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .unwrap_or_else(|_| StatusCode::OK.into_response())
}

/// The first half of `body`, never valid JSON.
fn truncate_json(body: &[u8]) -> Vec<u8> {
    let mut cut = body[..body.len() / 2].to_vec();
    if cut.is_empty() {
        cut.extend_from_slice(b"{\"");
    }
    if serde_json::from_slice::<serde::de::IgnoredAny>(&cut).is_ok() {
        // A cut that happens to parse (`1234` of `12345678`) gets an open string.
        cut.push(b'"');
    }
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_through_display() {
        let faults = [
            Fault::Latency { ms: 800 },
            Fault::Hang,
            Fault::Status { code: 503 },
            Fault::RateLimit { seconds: 30 },
            Fault::Auth,
            Fault::Malformed,
        ];
        for fault in faults {
            assert_eq!(fault.to_string().parse::<Fault>(), Ok(fault));
        }
    }

    #[test]
    fn parsing_tolerates_case_and_spaces() {
        assert_eq!(" Status : 502 ".parse(), Ok(Fault::Status { code: 502 }));
        assert_eq!("HANG".parse(), Ok(Fault::Hang));
    }

    #[test]
    fn bad_spellings_say_what_is_wrong() {
        let err = "slow".parse::<Fault>().unwrap_err().to_string();
        assert!(
            err.contains("latency:MS, hang, status:CODE, ratelimit:SECONDS, auth, malformed"),
            "{err}"
        );
        let err = "latency".parse::<Fault>().unwrap_err().to_string();
        assert!(err.contains("latency:800"), "{err}");
        let err = "status:200".parse::<Fault>().unwrap_err().to_string();
        assert!(err.contains("between 400 and 599"), "{err}");
        let err = "latency:fast".parse::<Fault>().unwrap_err().to_string();
        assert!(err.contains("not a whole number"), "{err}");
        let err = "hang:5".parse::<Fault>().unwrap_err().to_string();
        assert!(err.contains("takes no value"), "{err}");
    }

    #[test]
    fn parse_fault_arg_checks_source_and_kind() {
        assert_eq!(
            parse_fault_arg("hubspot=ratelimit:7"),
            Ok(("hubspot".to_owned(), Fault::RateLimit { seconds: 7 }))
        );
        let err = parse_fault_arg("salesforce=hang").unwrap_err();
        assert!(err.contains("mailchimp, hubspot, wordpress, website"), "{err}");
        assert!(parse_fault_arg("hubspot").unwrap_err().contains("SOURCE=KIND"));
        assert!(
            parse_fault_arg("hubspot=boom")
                .unwrap_err()
                .contains("unknown fault kind")
        );
    }

    #[test]
    fn truncated_bodies_never_parse() {
        for body in [
            &b"{\"health_status\":\"Everything's Chimpy!\"}"[..],
            b"",
            b"12345678",
            b"[]",
            b"<html>",
        ] {
            let cut = truncate_json(body);
            assert!(serde_json::from_slice::<serde_json::Value>(&cut).is_err(), "{cut:?}");
        }
    }

    #[test]
    fn table_sets_lists_and_clears() {
        let table = FaultTable::default();
        table.set(Source::Wordpress, Fault::Auth);
        table.set(Source::Mailchimp, Fault::Hang);
        let listed: Vec<_> = table.snapshot().into_iter().collect();
        assert_eq!(
            listed,
            vec![("mailchimp", "hang".to_owned()), ("wordpress", "auth".to_owned())]
        );
        assert_eq!(table.clear(Source::Mailchimp), Some(Fault::Hang));
        assert_eq!(table.get(Source::Mailchimp), None);
        assert_eq!(table.get(Source::Wordpress), Some(Fault::Auth));
    }
}
