//! Turning one HTTP outcome into a health verdict. Pure: the clock and the
//! circuit state come in as arguments, so every rule is unit-tested here.

use std::time::Duration;

use jiff::Timestamp;

use crate::http::{HttpError, Response, fmt_secs, fmt_size};
use crate::model::{CircuitState, HealthStatus, Probe, RateLimitInfo, VendorError};

/// What the connector's check of a 2xx (or expected-status) body found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyVerdict {
    /// The healthy one-liner: "Everything's Chimpy!", "site \"Blog\" answers".
    Healthy(String),
    /// Why the body is not what the endpoint promises.
    Broken(String),
}

/// Everything about the probe that is not the HTTP outcome itself.
#[derive(Debug, Clone)]
pub struct ProbeContext {
    /// Shown in messages: "/ping", "/crm/v3/objects/contacts".
    pub endpoint: String,
    pub expect_status: u16,
    pub slow: Duration,
    /// Wall time of the call as the connector measured it (used for errors,
    /// which carry no latency of their own).
    pub elapsed: Duration,
    pub circuit: CircuitState,
    /// Client-side headroom, used when the call produced no response.
    pub headroom: Option<RateLimitInfo>,
    pub now: Timestamp,
}

const SUMMARY_DETAIL_MAX: usize = 100;

pub fn classify(
    outcome: Result<&Response, &HttpError>,
    ctx: &ProbeContext,
    judge: impl FnOnce(&Response) -> BodyVerdict,
    vendor_error: impl FnOnce(&[u8]) -> Option<VendorError>,
) -> Probe {
    match outcome {
        Ok(resp) => classify_response(resp, ctx, judge, vendor_error),
        Err(err) => classify_error(err, ctx),
    }
}

fn classify_error(err: &HttpError, ctx: &ProbeContext) -> Probe {
    let attempts = err.attempts();
    let mut status = HealthStatus::Down;
    let summary = match err {
        HttpError::Timeout { after, .. } => {
            format!("timed out after {}{}", fmt_secs(*after), attempts_note(attempts))
        }
        HttpError::Connect { detail, .. } => {
            format!("cannot connect: {}{}", innermost(detail), attempts_note(attempts))
        }
        HttpError::Body { detail, .. } => format!(
            "response from {} cut off: {}{}",
            ctx.endpoint,
            innermost(detail),
            attempts_note(attempts)
        ),
        HttpError::TooLarge { limit, .. } => {
            format!("response larger than {} from {}", fmt_size(*limit), ctx.endpoint)
        }
        HttpError::Request { detail, .. } => {
            format!("request failed: {}{}", innermost(detail), attempts_note(attempts))
        }
        HttpError::CircuitOpen { until, .. } => {
            format!("circuit open after repeated failures; next try at {}", clock(*until))
        }
        HttpError::ReadOnly { .. } => "refused by read-only mode".to_owned(),
        HttpError::Waiting { until, .. } => {
            status = HealthStatus::RateLimited;
            format!(
                "rate limited; waiting until {} as the vendor asked (Retry-After)",
                clock(*until)
            )
        }
    };
    let circuit = match err {
        HttpError::CircuitOpen { until, .. } => CircuitState::Open { until: *until },
        _ => ctx.circuit,
    };
    Probe {
        status,
        summary,
        latency: ctx.elapsed,
        attempts,
        http_status: None,
        vendor_error: None,
        request_id: err.request_id().to_owned(),
        url: err.url().to_owned(),
        rate_limit: ctx.headroom.clone(),
        circuit,
    }
}

fn classify_response(
    resp: &Response,
    ctx: &ProbeContext,
    judge: impl FnOnce(&Response) -> BodyVerdict,
    vendor_error: impl FnOnce(&[u8]) -> Option<VendorError>,
) -> Probe {
    let code = resp.status.as_u16();
    let mut vendor = None;
    let (status, summary) = if code == ctx.expect_status {
        match judge(resp) {
            BodyVerdict::Broken(why) => (HealthStatus::Down, why),
            BodyVerdict::Healthy(line) => healthy(line, resp, ctx.slow),
        }
    } else {
        vendor = vendor_error(&resp.body);
        let said = vendor
            .as_ref()
            .map(|v| format!(": {}", shorten(&v.message)))
            .unwrap_or_default();
        match code {
            401 | 403 => (HealthStatus::Auth, format!("access denied (HTTP {code}){said}")),
            429 => (
                HealthStatus::RateLimited,
                match resp.retry_after {
                    Some(wait) => format!(
                        "rate limited (HTTP 429); retry in {} (at {}){said}",
                        fmt_secs(wait),
                        clock(ctx.now.checked_add(wait).unwrap_or(ctx.now))
                    ),
                    None => format!("rate limited (HTTP 429){}{said}", attempts_note(resp.attempts)),
                },
            ),
            500..=599 => (
                HealthStatus::Down,
                format!("HTTP {code}{}{said}", attempts_note(resp.attempts)),
            ),
            _ => (
                HealthStatus::Down,
                format!(
                    "unexpected HTTP {code} from {} (expected {}){said}",
                    ctx.endpoint, ctx.expect_status
                ),
            ),
        }
    };
    Probe {
        status,
        summary,
        latency: resp.latency,
        attempts: resp.attempts,
        http_status: Some(code),
        vendor_error: vendor,
        request_id: resp.request_id.clone(),
        url: resp.url.clone(),
        rate_limit: resp.rate_limit.clone(),
        circuit: ctx.circuit,
    }
}

/// OK, or DEGRADED with the reason appended.
fn healthy(line: String, resp: &Response, slow: Duration) -> (HealthStatus, String) {
    let mut why = Vec::new();
    if resp.latency > slow {
        why.push(format!("slow: {} > {}", fmt_secs(resp.latency), fmt_secs(slow)));
    }
    if resp.attempts > 1 {
        why.push(format!("needed {} attempts", resp.attempts));
    }
    if why.is_empty() {
        (HealthStatus::Ok, line)
    } else {
        (HealthStatus::Degraded, format!("{line} ({})", why.join(", ")))
    }
}

/// The endpoint's JSON object body as `T`, or the Broken verdict saying why not.
pub fn parse_json<T: serde::de::DeserializeOwned>(resp: &Response, endpoint: &str) -> Result<T, BodyVerdict> {
    let value: serde_json::Value = serde_json::from_slice(&resp.body)
        .map_err(|e| BodyVerdict::Broken(format!("malformed JSON from {endpoint}: {e}")))?;
    // serde would read a struct from an array too, with a baffling message.
    if !value.is_object() {
        return Err(BodyVerdict::Broken(format!(
            "unexpected JSON from {endpoint}: expected an object, got {}",
            json_kind(&value)
        )));
    }
    serde_json::from_value(value).map_err(|e| BodyVerdict::Broken(format!("unexpected JSON from {endpoint}: {e}")))
}

fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

fn attempts_note(attempts: u32) -> String {
    if attempts > 1 {
        format!(" after {attempts} attempts")
    } else {
        String::new()
    }
}

/// The last cause in a "a: b: c" chain: the part a person can act on.
fn innermost(detail: &str) -> &str {
    detail.rsplit(": ").next().unwrap_or(detail)
}

fn shorten(text: &str) -> String {
    let line = text.lines().next().unwrap_or("").trim();
    if line.chars().count() <= SUMMARY_DETAIL_MAX {
        line.to_owned()
    } else {
        let cut: String = line.chars().take(SUMMARY_DETAIL_MAX - 1).collect();
        format!("{cut}…")
    }
}

fn clock(at: Timestamp) -> String {
    at.strftime("%H:%M:%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::StatusCode;
    use bytes::Bytes;
    use reqwest::header::HeaderMap;

    fn now() -> Timestamp {
        "2026-03-01T03:00:00Z".parse().unwrap()
    }

    fn ctx() -> ProbeContext {
        ProbeContext {
            endpoint: "/ping".into(),
            expect_status: 200,
            slow: Duration::from_secs(2),
            elapsed: Duration::from_millis(40),
            circuit: CircuitState::Closed,
            headroom: None,
            now: now(),
        }
    }

    fn resp(code: u16, body: &str) -> Response {
        Response {
            status: StatusCode::from_u16(code).unwrap(),
            headers: HeaderMap::new(),
            body: Bytes::from(body.to_owned()),
            latency: Duration::from_millis(40),
            attempt_latencies: vec![Duration::from_millis(40)],
            attempts: 1,
            request_id: "req-1".into(),
            rate_limit: None,
            retry_after: None,
            url: "http://127.0.0.1/ping".into(),
        }
    }

    fn ok_judge(_: &Response) -> BodyVerdict {
        BodyVerdict::Healthy("Everything's Chimpy!".into())
    }

    fn vendor(_: &[u8]) -> Option<VendorError> {
        Some(VendorError {
            code: Some("API Key Invalid".into()),
            message: "Your API key may be invalid.".into(),
        })
    }

    fn run(r: &Response) -> Probe {
        classify(Ok(r), &ctx(), ok_judge, vendor)
    }

    #[test]
    fn fast_first_try_is_ok() {
        let p = run(&resp(200, "{}"));
        assert_eq!(p.status, HealthStatus::Ok);
        assert_eq!(p.summary, "Everything's Chimpy!");
        assert_eq!(
            (p.http_status, p.attempts, p.request_id.as_str()),
            (Some(200), 1, "req-1")
        );
        assert_eq!(p.vendor_error, None);
    }

    #[test]
    fn slow_success_is_degraded_and_says_so() {
        let mut r = resp(200, "{}");
        r.latency = Duration::from_millis(2500);
        let p = run(&r);
        assert_eq!(p.status, HealthStatus::Degraded);
        assert_eq!(p.summary, "Everything's Chimpy! (slow: 2.5s > 2s)");
    }

    #[test]
    fn success_after_retries_is_degraded_and_says_so() {
        let mut r = resp(200, "{}");
        r.attempts = 2;
        let p = run(&r);
        assert_eq!(p.status, HealthStatus::Degraded);
        assert_eq!(p.summary, "Everything's Chimpy! (needed 2 attempts)");
    }

    #[test]
    fn broken_body_is_down() {
        let p = classify(
            Ok(&resp(200, "{")),
            &ctx(),
            |_| BodyVerdict::Broken("malformed JSON from /ping: x".into()),
            vendor,
        );
        assert_eq!(p.status, HealthStatus::Down);
        assert_eq!(p.summary, "malformed JSON from /ping: x");
    }

    #[test]
    fn auth_keeps_vendor_words() {
        for code in [401, 403] {
            let p = run(&resp(code, ""));
            assert_eq!(p.status, HealthStatus::Auth);
            assert_eq!(
                p.summary,
                format!("access denied (HTTP {code}): Your API key may be invalid.")
            );
            assert_eq!(p.vendor_error.unwrap().code.as_deref(), Some("API Key Invalid"));
        }
    }

    #[test]
    fn rate_limited_says_when_to_retry() {
        let mut r = resp(429, "");
        r.retry_after = Some(Duration::from_secs(120));
        r.attempts = 1;
        let p = classify(Ok(&r), &ctx(), ok_judge, |_| None);
        assert_eq!(p.status, HealthStatus::RateLimited);
        assert_eq!(p.summary, "rate limited (HTTP 429); retry in 120s (at 03:02:00Z)");
    }

    #[test]
    fn rate_limited_without_retry_after_counts_attempts() {
        let mut r = resp(429, "");
        r.attempts = 4;
        let p = classify(Ok(&r), &ctx(), ok_judge, |_| None);
        assert_eq!(p.status, HealthStatus::RateLimited);
        assert_eq!(p.summary, "rate limited (HTTP 429) after 4 attempts");
    }

    #[test]
    fn server_errors_are_down() {
        let mut r = resp(503, "");
        r.attempts = 4;
        let p = classify(Ok(&r), &ctx(), ok_judge, |_| None);
        assert_eq!(p.status, HealthStatus::Down);
        assert_eq!(p.summary, "HTTP 503 after 4 attempts");
        assert_eq!(p.http_status, Some(503));
    }

    #[test]
    fn unexpected_status_is_down() {
        let p = classify(Ok(&resp(404, "")), &ctx(), ok_judge, |_| None);
        assert_eq!(p.status, HealthStatus::Down);
        assert_eq!(p.summary, "unexpected HTTP 404 from /ping (expected 200)");
    }

    #[test]
    fn long_vendor_messages_are_cut_in_the_summary_only() {
        let long = "x".repeat(300);
        let p = classify(Ok(&resp(401, "")), &ctx(), ok_judge, |_| {
            Some(VendorError {
                code: None,
                message: long.clone(),
            })
        });
        assert!(p.summary.chars().count() < 140);
        assert_eq!(p.vendor_error.unwrap().message, long);
    }

    #[test]
    fn transport_errors_are_down_with_the_cause() {
        let err = HttpError::Connect {
            detail: "error sending request: tcp connect error: Connection refused (os error 111)".into(),
            attempts: 4,
            url: "http://127.0.0.1:1/ping".into(),
            request_id: "req-9".into(),
        };
        let p = classify(Err(&err), &ctx(), ok_judge, vendor);
        assert_eq!(p.status, HealthStatus::Down);
        assert_eq!(
            p.summary,
            "cannot connect: Connection refused (os error 111) after 4 attempts"
        );
        assert_eq!((p.attempts, p.request_id.as_str(), p.http_status), (4, "req-9", None));
        assert_eq!(p.latency, Duration::from_millis(40));
    }

    #[test]
    fn timeout_is_down() {
        let err = HttpError::Timeout {
            after: Duration::from_secs(10),
            attempts: 1,
            url: "u".into(),
            request_id: "r".into(),
        };
        let p = classify(Err(&err), &ctx(), ok_judge, vendor);
        assert_eq!(p.status, HealthStatus::Down);
        assert_eq!(p.summary, "timed out after 10s");
    }

    #[test]
    fn an_oversized_body_is_down_and_names_the_cap() {
        let err = HttpError::TooLarge {
            limit: 32 * 1024 * 1024,
            attempts: 1,
            url: "http://127.0.0.1/ping".into(),
            request_id: "req-3".into(),
        };
        let p = classify(Err(&err), &ctx(), ok_judge, vendor);
        assert_eq!(p.status, HealthStatus::Down);
        assert_eq!(p.summary, "response larger than 32 MiB from /ping");
        assert_eq!((p.attempts, p.request_id.as_str(), p.http_status), (1, "req-3", None));
    }

    #[test]
    fn a_vendor_imposed_wait_is_rate_limited_not_down() {
        let until: Timestamp = "2026-03-01T03:02:00Z".parse().unwrap();
        let err = HttpError::Waiting {
            until,
            url: "u".into(),
            request_id: "r".into(),
        };
        let p = classify(Err(&err), &ctx(), ok_judge, vendor);
        assert_eq!(p.status, HealthStatus::RateLimited);
        assert_eq!(
            p.summary,
            "rate limited; waiting until 03:02:00Z as the vendor asked (Retry-After)"
        );
        assert_eq!((p.attempts, p.http_status), (0, None));
    }

    #[test]
    fn open_circuit_is_down_and_reported_open() {
        let until: Timestamp = "2026-03-01T03:00:30Z".parse().unwrap();
        let err = HttpError::CircuitOpen {
            until,
            url: "u".into(),
            request_id: "r".into(),
        };
        let p = classify(Err(&err), &ctx(), ok_judge, vendor);
        assert_eq!(p.status, HealthStatus::Down);
        assert_eq!(p.summary, "circuit open after repeated failures; next try at 03:00:30Z");
        assert_eq!(p.circuit, CircuitState::Open { until });
        assert_eq!(p.attempts, 0);
    }
}
