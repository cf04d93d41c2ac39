//! When to retry and how long to wait.

use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};
use jiff::Timestamp;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Method, StatusCode};

use super::policy::Policy;

/// Only reads are retried: a retried write may apply twice.
pub fn is_idempotent_read(method: &Method) -> bool {
    *method == Method::GET || *method == Method::HEAD
}

/// Statuses that say "try again later" rather than "you are wrong".
pub fn is_retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 502 | 503 | 504)
}

/// Statuses whose `Retry-After` we honour.
pub fn honours_retry_after(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 503)
}

/// The backoff delays for one call: exponential from `backoff_base`, capped
/// at `backoff_max`, with jitter, one per allowed retry. backon's jitter
/// adds up to one extra delay, so the base is the floor of every wait.
pub fn backoff_delays(policy: &Policy) -> impl Iterator<Item = Duration> + use<> {
    let max_times = usize::try_from(policy.max_retries).unwrap_or(usize::MAX);
    ExponentialBuilder::default()
        .with_min_delay(policy.backoff_base)
        .with_max_delay(policy.backoff_max.max(policy.backoff_base))
        .with_max_times(max_times)
        .with_jitter()
        .build()
}

/// `Retry-After` as a delay from `now`: delta-seconds or an HTTP date
/// (RFC 9110). A date in the past means "now". Unparseable values are ignored.
pub fn retry_after(headers: &HeaderMap, now: Timestamp) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    parse_retry_after(value, now)
}

pub fn parse_retry_after(value: &str, now: Timestamp) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = jiff::fmt::rfc2822::DateTimeParser::new().parse_timestamp(value).ok()?;
    let delta = at.duration_since(now);
    Some(Duration::try_from(delta).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_get_and_head_are_retried() {
        assert!(is_idempotent_read(&Method::GET));
        assert!(is_idempotent_read(&Method::HEAD));
        for m in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
            assert!(!is_idempotent_read(&m), "{m}");
        }
    }

    #[test]
    fn retryable_statuses() {
        for s in [429, 502, 503, 504] {
            assert!(is_retryable_status(StatusCode::from_u16(s).unwrap()));
        }
        for s in [200, 400, 401, 403, 404, 500, 501] {
            assert!(!is_retryable_status(StatusCode::from_u16(s).unwrap()));
        }
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now: Timestamp = "2015-10-21T07:28:00Z".parse().unwrap();
        assert_eq!(parse_retry_after("120", now), Some(Duration::from_secs(120)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
    }

    #[test]
    fn backoff_grows_caps_and_stops() {
        let policy = Policy {
            max_retries: 4,
            backoff_base: Duration::from_millis(100),
            backoff_max: Duration::from_millis(300),
            ..Policy::default()
        };
        let delays: Vec<Duration> = backoff_delays(&policy).collect();
        assert_eq!(delays.len(), 4);
        // Jitter adds at most one more delay on top of the exponential step.
        let floors = [100, 200, 300, 300];
        for (d, floor) in delays.iter().zip(floors) {
            let floor = Duration::from_millis(floor);
            assert!(*d >= floor && *d <= floor * 2, "{d:?} vs {floor:?}");
        }
    }
}
