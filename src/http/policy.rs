//! Per-source request policy: timeouts, retries, limits and the breaker.

use std::time::Duration;

use crate::config::{HubspotTier, RateLimitSpec};

/// At most `requests` in any window of length `per`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub requests: u32,
    pub per: Duration,
}

impl From<RateLimitSpec> for RateLimit {
    fn from(spec: RateLimitSpec) -> Self {
        RateLimit {
            requests: spec.requests,
            per: spec.per,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// Time for one attempt, connect to last body byte.
    pub timeout: Duration,
    /// Extra attempts for GET/HEAD; other methods are never retried.
    pub max_retries: u32,
    /// First backoff delay; doubles per retry, with jitter.
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// Longest `Retry-After` a call will sleep through; beyond it the call
    /// returns the 429/503 at once with [`super::Response::retry_after`] set.
    pub max_retry_after: Duration,
    /// Client-side limit; the limiter waits rather than fails.
    pub rate_limit: Option<RateLimit>,
    /// Simultaneous requests in flight.
    pub max_concurrent: Option<usize>,
    /// Consecutive failed calls that open the circuit.
    pub breaker_threshold: u32,
    /// How long the circuit stays open before one trial call.
    pub breaker_cooldown: Duration,
    /// Largest response body read, in bytes; bigger is a body error.
    pub max_body: usize,
    /// The most one call may take, all attempts and waits included: a retry
    /// that could not finish inside it is not started. `None`: no budget.
    pub budget: Option<Duration>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            timeout: Duration::from_secs(10),
            max_retries: 3,
            backoff_base: Duration::from_millis(250),
            backoff_max: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(30),
            rate_limit: None,
            max_concurrent: None,
            breaker_threshold: 5,
            breaker_cooldown: Duration::from_secs(30),
            max_body: 32 * 1024 * 1024,
            budget: None,
        }
    }
}

/// HubSpot private apps: 100 / 10 s on Free and Starter, 190 / 10 s on
/// Professional and Enterprise (API-FACTS.md). We keep about 10% below so
/// other integrations on the same token and clock skew do not push us over.
const HUBSPOT_WINDOW: Duration = Duration::from_secs(10);
const HUBSPOT_LOW_TIER: u32 = 90;
const HUBSPOT_HIGH_TIER: u32 = 170;

/// Mailchimp allows 10 simultaneous connections per user.
const MAILCHIMP_CONNECTIONS: usize = 10;

impl Policy {
    /// HubSpot's published per-tier limit, or `explicit` when configured.
    pub fn hubspot(tier: HubspotTier, explicit: Option<RateLimit>) -> Self {
        let published = match tier {
            HubspotTier::Free | HubspotTier::Starter => HUBSPOT_LOW_TIER,
            HubspotTier::Professional | HubspotTier::Enterprise => HUBSPOT_HIGH_TIER,
        };
        Policy {
            rate_limit: Some(explicit.unwrap_or(RateLimit {
                requests: published,
                per: HUBSPOT_WINDOW,
            })),
            ..Policy::default()
        }
    }

    pub fn mailchimp() -> Self {
        Policy {
            max_concurrent: Some(MAILCHIMP_CONNECTIONS),
            ..Policy::default()
        }
    }

    /// WordPress core has no rate limit; hosts add their own and say so with 429.
    pub fn wordpress() -> Self {
        Policy::default()
    }

    pub fn http_check() -> Self {
        Policy::default()
    }

    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn with_budget(mut self, budget: Duration) -> Self {
        self.budget = Some(budget);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hubspot_tiers_stay_under_published_limits() {
        for (tier, published) in [
            (HubspotTier::Free, 100),
            (HubspotTier::Starter, 100),
            (HubspotTier::Professional, 190),
            (HubspotTier::Enterprise, 190),
        ] {
            let limit = Policy::hubspot(tier, None).rate_limit.unwrap();
            assert!(limit.requests < published && limit.requests >= published * 8 / 10);
            assert_eq!(limit.per, Duration::from_secs(10));
        }
    }

    #[test]
    fn explicit_hubspot_limit_wins() {
        let mine = RateLimit {
            requests: 7,
            per: Duration::from_secs(1),
        };
        assert_eq!(
            Policy::hubspot(HubspotTier::Enterprise, Some(mine)).rate_limit,
            Some(mine)
        );
    }

    #[test]
    fn mailchimp_caps_connections_and_wordpress_is_unlimited() {
        assert_eq!(Policy::mailchimp().max_concurrent, Some(10));
        assert_eq!(Policy::mailchimp().rate_limit, None);
        assert_eq!(Policy::wordpress().rate_limit, None);
        assert_eq!(Policy::wordpress().max_concurrent, None);
    }
}
