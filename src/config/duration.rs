//! Durations ("500ms", "30s", "1h 30m") and rate limits ("150/10s").

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use jiff::SignedDuration;

use super::{HubspotTier, RateLimitSpec};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    #[error("bad duration {0:?}: write a number and a unit (ms, s, m, h), like \"500ms\", \"30s\" or \"1h 30m\"")]
    Syntax(String),
    #[error("duration {0:?} must be greater than zero")]
    NotPositive(String),
}

/// Parses a positive duration in jiff's friendly format ("30s", "1h 30m",
/// also "30 seconds"); ISO 8601 ("PT30S") is accepted too.
pub fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    let trimmed = text.trim();
    let signed: SignedDuration = trimmed.parse().map_err(|_| DurationError::Syntax(trimmed.to_owned()))?;
    if signed.is_negative() || signed.is_zero() {
        return Err(DurationError::NotPositive(trimmed.to_owned()));
    }
    Duration::try_from(signed).map_err(|_| DurationError::Syntax(trimmed.to_owned()))
}

/// Formats like the config accepts it: "30s", "1m 30s", "500ms".
pub fn format_duration(d: Duration) -> String {
    match SignedDuration::try_from(d) {
        Ok(signed) => format!("{signed:#}"),
        Err(_) => format!("{d:?}"),
    }
}

impl RateLimitSpec {
    /// More than this per window is surely a typo.
    const MAX_REQUESTS: u32 = 1_000_000;
}

impl FromStr for RateLimitSpec {
    type Err = String;

    /// "150/10s", "5/s", "1000/1m".
    fn from_str(text: &str) -> Result<Self, String> {
        const SHAPE: &str = "write requests/period, like \"150/10s\" or \"5/s\"";
        let (count, period) = text
            .split_once('/')
            .ok_or_else(|| format!("bad rate limit {text:?}: {SHAPE}"))?;
        let requests: u32 = count
            .trim()
            .parse()
            .map_err(|_| format!("bad rate limit {text:?}: {SHAPE}"))?;
        if requests == 0 || requests > Self::MAX_REQUESTS {
            return Err(format!(
                "bad rate limit {text:?}: requests must be between 1 and {}",
                Self::MAX_REQUESTS
            ));
        }
        let period = period.trim();
        // "5/s" reads as "5 per 1s".
        let period_text = if period.starts_with(|c: char| c.is_ascii_alphabetic()) {
            format!("1{period}")
        } else {
            period.to_owned()
        };
        let per = parse_duration(&period_text).map_err(|_| format!("bad rate limit {text:?}: {SHAPE}"))?;
        Ok(RateLimitSpec { requests, per })
    }
}

impl fmt::Display for RateLimitSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.requests, format_duration(self.per))
    }
}

impl HubspotTier {
    pub const ALL: [HubspotTier; 4] = [
        HubspotTier::Free,
        HubspotTier::Starter,
        HubspotTier::Professional,
        HubspotTier::Enterprise,
    ];

    /// The config spelling (`tier = "..."`).
    pub fn key(self) -> &'static str {
        match self {
            HubspotTier::Free => "free",
            HubspotTier::Starter => "starter",
            HubspotTier::Professional => "professional",
            HubspotTier::Enterprise => "enterprise",
        }
    }

    /// HubSpot's published private-app limit for the ten-second window.
    pub fn published_limit(self) -> RateLimitSpec {
        let requests = match self {
            HubspotTier::Free | HubspotTier::Starter => 100,
            HubspotTier::Professional | HubspotTier::Enterprise => 190,
        };
        RateLimitSpec {
            requests,
            per: Duration::from_secs(10),
        }
    }

    /// HubSpot's published daily request budget.
    pub fn daily_limit(self) -> u64 {
        match self {
            HubspotTier::Free | HubspotTier::Starter => 250_000,
            HubspotTier::Professional => 650_000,
            HubspotTier::Enterprise => 1_000_000,
        }
    }
}

impl FromStr for HubspotTier {
    type Err = ();

    fn from_str(text: &str) -> Result<Self, ()> {
        HubspotTier::ALL.into_iter().find(|t| t.key() == text).ok_or(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_friendly_durations() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("1h 30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration(" 2s "), Ok(Duration::from_secs(2)));
    }

    #[test]
    fn rejects_zero_negative_and_unitless() {
        assert!(matches!(parse_duration("0s"), Err(DurationError::NotPositive(_))));
        assert!(matches!(parse_duration("-5s"), Err(DurationError::NotPositive(_))));
        assert!(matches!(parse_duration("30"), Err(DurationError::Syntax(_))));
        assert!(matches!(parse_duration(""), Err(DurationError::Syntax(_))));
        assert!(matches!(parse_duration("2 days"), Err(DurationError::Syntax(_))));
    }

    #[test]
    fn formats_round_trip() {
        for text in ["500ms", "30s", "1m", "1h 30m"] {
            let d = parse_duration(text).unwrap();
            assert_eq!(format_duration(d), text);
        }
    }

    #[test]
    fn parses_rate_limits() {
        let spec: RateLimitSpec = "150/10s".parse().unwrap();
        assert_eq!(spec.requests, 150);
        assert_eq!(spec.per, Duration::from_secs(10));
        let per_second: RateLimitSpec = "5/s".parse().unwrap();
        assert_eq!(per_second.per, Duration::from_secs(1));
        assert_eq!(spec.to_string(), "150/10s");
        for bad in ["150", "0/10s", "x/10s", "150/10", "150/", "-1/s"] {
            assert!(bad.parse::<RateLimitSpec>().is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn hubspot_tiers_follow_published_limits() {
        assert_eq!(HubspotTier::Free.published_limit().requests, 100);
        assert_eq!(HubspotTier::Starter.published_limit().requests, 100);
        assert_eq!(HubspotTier::Professional.published_limit().requests, 190);
        assert_eq!(HubspotTier::Enterprise.published_limit().requests, 190);
        assert_eq!("professional".parse(), Ok(HubspotTier::Professional));
        assert_eq!("Pro".parse::<HubspotTier>(), Err(()));
    }
}
