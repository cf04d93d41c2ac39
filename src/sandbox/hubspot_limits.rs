//! HubSpot's private-app rate limits: a rolling ten-second window and a daily budget.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Free and Starter private apps: 100 requests per rolling 10 s, 250,000 a day.
const TEN_SECOND_MAX: usize = 100;
const TEN_SECOND_WINDOW: Duration = Duration::from_secs(10);
const DAILY_MAX: u64 = 250_000;

/// Which limit refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Policy {
    TenSecondlyRolling,
    Daily,
}

/// The outcome of one request against the limits, and what the headers report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Admission {
    pub(crate) refused: Option<Policy>,
    pub(crate) max: usize,
    pub(crate) remaining: usize,
    pub(crate) interval: Duration,
    pub(crate) daily_max: u64,
    pub(crate) daily_remaining: u64,
}

#[derive(Debug)]
pub(crate) struct Limits {
    max: usize,
    window: Duration,
    /// Arrival times of admitted requests still inside the window, oldest first.
    recent: VecDeque<Instant>,
    daily_max: u64,
    /// Days since the Unix epoch, UTC, of `daily_used`.
    day: i64,
    daily_used: u64,
}

impl Limits {
    pub(crate) fn starter_private_app() -> Limits {
        Limits::new(TEN_SECOND_MAX, TEN_SECOND_WINDOW, DAILY_MAX)
    }

    fn new(max: usize, window: Duration, daily_max: u64) -> Limits {
        Limits {
            max,
            window,
            recent: VecDeque::with_capacity(max),
            daily_max,
            day: i64::MIN,
            daily_used: 0,
        }
    }

    fn forget_expired(&mut self, now: Instant) {
        while let Some(&oldest) = self.recent.front() {
            if now.duration_since(oldest) >= self.window {
                self.recent.pop_front();
            } else {
                break;
            }
        }
    }

    pub(crate) fn in_window(&mut self, now: Instant) -> usize {
        self.forget_expired(now);
        self.recent.len()
    }

    fn roll_day(&mut self, day: i64) {
        if day != self.day {
            self.day = day;
            self.daily_used = 0;
        }
    }

    /// Counts one request arriving at `now` on UTC day `day`, unless a limit
    /// is spent. Refused requests do not count.
    pub(crate) fn admit(&mut self, now: Instant, day: i64) -> Admission {
        self.forget_expired(now);
        self.roll_day(day);
        let refused = if self.daily_used >= self.daily_max {
            Some(Policy::Daily)
        } else if self.recent.len() >= self.max {
            Some(Policy::TenSecondlyRolling)
        } else {
            self.recent.push_back(now);
            self.daily_used += 1;
            None
        };
        Admission {
            refused,
            max: self.max,
            remaining: self.max.saturating_sub(self.recent.len()),
            interval: self.window,
            daily_max: self.daily_max,
            daily_remaining: self.daily_max.saturating_sub(self.daily_used),
        }
    }

    /// A ten-second refusal forced from outside (the `ratelimit` fault): the
    /// headers a real one would carry, with nothing left in the window and
    /// the daily budget as it stands. Counts nothing, as refusals never do.
    pub(crate) fn forced_refusal(&mut self, now: Instant, day: i64) -> Admission {
        self.forget_expired(now);
        self.roll_day(day);
        Admission {
            refused: Some(Policy::TenSecondlyRolling),
            max: self.max,
            remaining: 0,
            interval: self.window,
            daily_max: self.daily_max,
            daily_remaining: self.daily_max.saturating_sub(self.daily_used),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_101st_request_in_ten_seconds_is_refused() {
        let mut limits = Limits::starter_private_app();
        let start = Instant::now();
        for i in 0..100 {
            let a = limits.admit(start + Duration::from_millis(i * 10), 0);
            assert_eq!(a.refused, None, "request {i}");
            assert_eq!(a.remaining, 99 - i as usize);
        }
        let a = limits.admit(start + Duration::from_millis(1_500), 0);
        assert_eq!(a.refused, Some(Policy::TenSecondlyRolling));
        assert_eq!(a.remaining, 0);
        assert_eq!(a.daily_remaining, DAILY_MAX - 100);
    }

    #[test]
    fn the_window_rolls() {
        let mut limits = Limits::starter_private_app();
        let start = Instant::now();
        for i in 0..100 {
            limits.admit(start + Duration::from_millis(i), 0);
        }
        // The first request leaves the window exactly 10 s after it arrived.
        let just_before = start + Duration::from_millis(9_999);
        assert_eq!(limits.admit(just_before, 0).refused, Some(Policy::TenSecondlyRolling));
        let a = limits.admit(start + Duration::from_secs(10), 0);
        assert_eq!(a.refused, None);
        assert_eq!(a.remaining, 0);
    }

    #[test]
    fn a_forced_refusal_reports_an_empty_window_and_counts_nothing() {
        let mut limits = Limits::starter_private_app();
        let t0 = Instant::now();
        for i in 0..3 {
            limits.admit(t0 + Duration::from_millis(i), 0);
        }
        let a = limits.forced_refusal(t0 + Duration::from_millis(5), 0);
        assert_eq!(a.refused, Some(Policy::TenSecondlyRolling));
        assert_eq!((a.max, a.remaining), (100, 0));
        assert_eq!(a.daily_remaining, DAILY_MAX - 3);
        assert_eq!(limits.in_window(t0 + Duration::from_millis(6)), 3);
    }

    #[test]
    fn the_daily_budget_resets_with_the_day() {
        let mut limits = Limits::new(10, Duration::from_secs(10), 3);
        let t0 = Instant::now();
        let hour = Duration::from_secs(3600);
        for i in 0..3 {
            assert_eq!(limits.admit(t0 + hour * i, 7).refused, None);
        }
        let a = limits.admit(t0 + hour * 4, 7);
        assert_eq!(a.refused, Some(Policy::Daily));
        assert_eq!(a.daily_remaining, 0);
        let a = limits.admit(t0 + hour * 5, 8);
        assert_eq!(a.refused, None);
        assert_eq!(a.daily_remaining, 2);
    }
}
