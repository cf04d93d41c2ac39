//! Vendor rate-limit headers.

use std::time::Duration;

use reqwest::header::HeaderMap;

use crate::model::RateLimitInfo;

fn number(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

/// Headroom the vendor reported: HubSpot's `X-HubSpot-RateLimit-*`, else the
/// common `X-RateLimit-Limit`/`-Remaining` pair. None when neither is present.
pub fn rate_limit_from_headers(headers: &HeaderMap) -> Option<RateLimitInfo> {
    let daily_limit = number(headers, "x-hubspot-ratelimit-daily");
    let daily_remaining = number(headers, "x-hubspot-ratelimit-daily-remaining");
    let hubspot = (
        number(headers, "x-hubspot-ratelimit-max"),
        number(headers, "x-hubspot-ratelimit-remaining"),
    );
    let (limit, remaining, window) = match hubspot {
        (Some(limit), Some(remaining)) => (
            limit,
            remaining,
            number(headers, "x-hubspot-ratelimit-interval-milliseconds").map(Duration::from_millis),
        ),
        _ => match (
            number(headers, "x-ratelimit-limit"),
            number(headers, "x-ratelimit-remaining"),
        ) {
            (Some(limit), Some(remaining)) => (limit, remaining, None),
            // Only the daily pair: report it as the budget we know about.
            _ => match (daily_limit, daily_remaining) {
                (Some(limit), Some(remaining)) => (limit, remaining, Some(Duration::from_secs(86_400))),
                _ => return None,
            },
        },
    };
    Some(RateLimitInfo {
        remaining,
        limit,
        window,
        from_headers: true,
        daily_remaining,
        daily_limit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn reads_hubspot_headers() {
        let h = headers(&[
            ("X-HubSpot-RateLimit-Max", "190"),
            ("X-HubSpot-RateLimit-Remaining", "187"),
            ("X-HubSpot-RateLimit-Interval-Milliseconds", "10000"),
            ("X-HubSpot-RateLimit-Daily", "650000"),
            ("X-HubSpot-RateLimit-Daily-Remaining", "649000"),
        ]);
        assert_eq!(
            rate_limit_from_headers(&h),
            Some(RateLimitInfo {
                remaining: 187,
                limit: 190,
                window: Some(Duration::from_secs(10)),
                from_headers: true,
                daily_remaining: Some(649_000),
                daily_limit: Some(650_000),
            })
        );
    }

    #[test]
    fn reads_generic_headers() {
        let h = headers(&[("X-RateLimit-Limit", "60"), ("X-RateLimit-Remaining", "59")]);
        let info = rate_limit_from_headers(&h).unwrap();
        assert_eq!((info.limit, info.remaining, info.window), (60, 59, None));
    }

    #[test]
    fn absent_or_garbage_is_none() {
        assert_eq!(rate_limit_from_headers(&HeaderMap::new()), None);
        let h = headers(&[
            ("X-HubSpot-RateLimit-Max", "lots"),
            ("X-HubSpot-RateLimit-Remaining", "1"),
        ]);
        assert_eq!(rate_limit_from_headers(&h), None);
    }
}
