//! Client-side throttling: a rate limit (governor) and a concurrency cap
//! (semaphore). Both wait rather than fail.

use std::collections::VecDeque;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::policy::{Policy, RateLimit};
use crate::model::RateLimitInfo;

pub(crate) struct Limiter {
    rate: Option<(RateLimit, DefaultDirectRateLimiter)>,
    concurrency: Option<Arc<Semaphore>>,
    /// Send times within the last window, for headroom reporting.
    sent: Mutex<VecDeque<Instant>>,
}

/// Held for the duration of one attempt.
pub(crate) struct Slot {
    _permit: Option<OwnedSemaphorePermit>,
}

impl Limiter {
    pub(crate) fn new(policy: &Policy) -> Self {
        Limiter {
            rate: policy
                .rate_limit
                .map(|limit| (limit, RateLimiter::direct(quota_for(limit)))),
            concurrency: policy.max_concurrent.map(|n| Arc::new(Semaphore::new(n.max(1)))),
            sent: Mutex::new(VecDeque::new()),
        }
    }

    /// Waits until one more request may go out: a concurrency slot first,
    /// then a rate token. The other order would let requests queued behind
    /// the cap bank tokens while they wait and leave together in a burst
    /// above the rate the moment slots free up.
    pub(crate) async fn acquire(&self) -> Slot {
        let permit = match &self.concurrency {
            // The semaphore is never closed, so acquiring only fails if it were.
            Some(sem) => Arc::clone(sem).acquire_owned().await.ok(),
            None => None,
        };
        if let Some((_, limiter)) = &self.rate {
            limiter.until_ready().await;
        }
        if let Some((limit, _)) = &self.rate {
            let now = Instant::now();
            let mut sent = lock(&self.sent);
            prune(&mut sent, now, limit.per);
            sent.push_back(now);
        }
        Slot { _permit: permit }
    }

    /// Requests left in the current window, from our own count.
    pub(crate) fn headroom(&self, now: Instant) -> Option<RateLimitInfo> {
        let (limit, _) = self.rate.as_ref()?;
        let mut sent = lock(&self.sent);
        prune(&mut sent, now, limit.per);
        let used = u64::try_from(sent.len()).unwrap_or(u64::MAX);
        let max = u64::from(limit.requests);
        Some(RateLimitInfo {
            remaining: max.saturating_sub(used),
            limit: max,
            window: Some(limit.per),
            from_headers: false,
            daily_remaining: None,
            daily_limit: None,
        })
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // The guarded data stays consistent even if a holder panicked.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn prune(sent: &mut VecDeque<Instant>, now: Instant, window: Duration) {
    while let Some(&first) = sent.front() {
        if now.saturating_duration_since(first) >= window {
            sent.pop_front();
        } else {
            break;
        }
    }
}

/// A GCRA quota that never lets more than `limit.requests` through in any
/// window of `limit.per`: a burst of about a tenth of the budget, and the
/// rest replenished evenly, so burst + window / period == requests.
pub(crate) fn quota_for(limit: RateLimit) -> Quota {
    let requests = limit.requests.max(1);
    let burst = (requests / 10).max(1);
    let steady = (requests - burst).max(1);
    let period = (limit.per / steady).max(Duration::from_micros(1));
    let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
    // `with_period` is None only for a zero period, excluded just above.
    Quota::with_period(period)
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(burst)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn max_in_window(q: Quota, window: Duration) -> u128 {
        u128::from(q.burst_size().get()) + window.as_nanos() / q.replenish_interval().as_nanos()
    }

    #[test]
    fn quota_never_exceeds_limit_in_a_window() {
        for requests in [1, 2, 5, 10, 90, 100, 170, 1000] {
            let limit = RateLimit {
                requests,
                per: Duration::from_secs(10),
            };
            let q = quota_for(limit);
            assert!(
                max_in_window(q, limit.per) <= u128::from(requests.max(2)),
                "{requests}: burst {} period {:?}",
                q.burst_size(),
                q.replenish_interval()
            );
        }
    }

    #[test]
    fn quota_keeps_most_of_the_sustained_rate() {
        let q = quota_for(RateLimit {
            requests: 90,
            per: Duration::from_secs(10),
        });
        // 81 steady + 9 burst: sustained at 90% of the limit.
        assert_eq!(q.burst_size().get(), 9);
        assert!(q.replenish_interval() <= Duration::from_millis(124));
    }

    #[tokio::test]
    async fn headroom_counts_requests_in_the_window() {
        let limiter = Limiter::new(&Policy {
            rate_limit: Some(RateLimit {
                requests: 10,
                per: Duration::from_secs(60),
            }),
            ..Policy::default()
        });
        let _a = limiter.acquire().await;
        let h = limiter.headroom(Instant::now()).unwrap();
        assert_eq!((h.remaining, h.limit, h.from_headers), (9, 10, false));
    }

    #[test]
    fn no_limit_no_headroom() {
        assert!(Limiter::new(&Policy::default()).headroom(Instant::now()).is_none());
    }
}
