//! The outcome of one health probe, as connectors report it.

use std::time::Duration;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// A source's health classification. `Stale` is never produced by a probe:
/// the app derives it when no poll has completed for too long.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum HealthStatus {
    Ok,
    Degraded,
    Down,
    Auth,
    RateLimited,
    Stale,
}

impl HealthStatus {
    pub fn label(self) -> &'static str {
        match self {
            HealthStatus::Ok => "OK",
            HealthStatus::Degraded => "DEGRADED",
            HealthStatus::Down => "DOWN",
            HealthStatus::Auth => "AUTH",
            HealthStatus::RateLimited => "RATE-LIMITED",
            HealthStatus::Stale => "STALE",
        }
    }

    /// Higher is worse; the header shows the worst source.
    pub fn severity(self) -> u8 {
        match self {
            HealthStatus::Ok => 0,
            HealthStatus::Degraded => 1,
            HealthStatus::Stale => 2,
            HealthStatus::RateLimited => 3,
            HealthStatus::Auth => 4,
            HealthStatus::Down => 5,
        }
    }

    pub fn is_good(self) -> bool {
        matches!(self, HealthStatus::Ok | HealthStatus::Degraded)
    }
}

/// The client-side circuit breaker of a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CircuitState {
    Closed,
    /// Requests fail fast until `until`, then one trial goes through.
    Open {
        until: Timestamp,
    },
    HalfOpen,
}

/// Rate-limit headroom: from the vendor's headers when it sends them, else
/// from the client-side limiter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RateLimitInfo {
    pub remaining: u64,
    pub limit: u64,
    pub window: Option<Duration>,
    /// True when read from response headers, false when from our limiter.
    pub from_headers: bool,
    pub daily_remaining: Option<u64>,
    pub daily_limit: Option<u64>,
}

impl RateLimitInfo {
    /// Fraction of the window's budget still free, 0.0..=1.0.
    pub fn headroom(&self) -> f64 {
        if self.limit == 0 {
            return 0.0;
        }
        (self.remaining.min(self.limit) as f64) / (self.limit as f64)
    }
}

/// What the vendor said went wrong, in its own words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorError {
    /// The vendor's machine code: WordPress `code`, HubSpot `category`,
    /// Mailchimp problem `title` or `type`.
    pub code: Option<String>,
    pub message: String,
}

/// One poll's health outcome. Failures are data, not errors: a probe never fails.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Probe {
    /// Never `Stale`.
    pub status: HealthStatus,
    /// One line a person reads first: "Everything's Chimpy!",
    /// "HTTP 503 after 3 attempts", "timed out after 10s".
    pub summary: String,
    /// Wall time of the whole call, all attempts included.
    pub latency: Duration,
    pub attempts: u32,
    pub http_status: Option<u16>,
    pub vendor_error: Option<VendorError>,
    pub request_id: String,
    /// The URL probed, redacted: no user info, query values masked.
    pub url: String,
    pub rate_limit: Option<RateLimitInfo>,
    pub circuit: CircuitState,
}
