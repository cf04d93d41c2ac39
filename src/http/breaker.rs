//! Circuit breaker: after `threshold` consecutive failed calls, calls fail
//! fast for `cooldown`; then a single trial call decides between closing
//! and another cooldown.

use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    Closed {
        failures: u32,
    },
    Open {
        until: Instant,
    },
    /// The cooldown is over and one trial call is in flight.
    HalfOpen {
        opened_until: Instant,
    },
}

/// How one call bears on the vendor's health.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Success,
    /// A 5xx or transport failure: counts toward opening the circuit.
    Failure,
    /// Says nothing about whether the vendor is up (a 429: it is, and only
    /// throttling; the `Retry-After` hold backs off instead). Neither opens
    /// nor closes the circuit.
    Neutral,
}

/// What the breaker looks like from outside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum View {
    Closed,
    Open { until: Instant },
    HalfOpen,
}

pub(crate) struct Breaker {
    /// 0 disables the breaker.
    threshold: u32,
    cooldown: Duration,
    state: Mutex<State>,
}

/// Permission to make one call. A trial dropped without an outcome (the
/// caller was cancelled) hands the trial to the next call instead of
/// wedging the breaker half-open.
pub(crate) struct Ticket<'a> {
    breaker: &'a Breaker,
    trial: bool,
    settled: bool,
}

impl Ticket<'_> {
    pub(crate) fn settle(mut self, outcome: Outcome, now: Instant) {
        match outcome {
            Outcome::Success => self.breaker.record(true, now),
            Outcome::Failure => self.breaker.record(false, now),
            // Leaves `settled` false: a neutral trial passes the trial on,
            // like a cancelled one.
            Outcome::Neutral => return,
        }
        self.settled = true;
    }
}

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        if self.trial && !self.settled {
            let mut state = self.breaker.lock();
            if let State::HalfOpen { opened_until } = *state {
                *state = State::Open { until: opened_until };
            }
        }
    }
}

impl Breaker {
    pub(crate) fn new(threshold: u32, cooldown: Duration) -> Self {
        Breaker {
            threshold,
            cooldown,
            state: Mutex::new(State::Closed { failures: 0 }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // State is a plain Copy value: never half-written, safe after a panic.
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A ticket to call now, or the instant until which the circuit is open.
    pub(crate) fn admit(&self, now: Instant) -> Result<Ticket<'_>, Instant> {
        let mut state = self.lock();
        match *state {
            State::Closed { .. } => Ok(Ticket {
                breaker: self,
                trial: false,
                settled: false,
            }),
            State::Open { until } if now < until => Err(until),
            State::Open { until } => {
                *state = State::HalfOpen { opened_until: until };
                Ok(Ticket {
                    breaker: self,
                    trial: true,
                    settled: false,
                })
            }
            State::HalfOpen { opened_until } => Err(opened_until),
        }
    }

    fn record(&self, success: bool, now: Instant) {
        if self.threshold == 0 {
            return;
        }
        let mut state = self.lock();
        *state = match (*state, success) {
            (_, true) => State::Closed { failures: 0 },
            (State::HalfOpen { .. }, false) => State::Open {
                until: now + self.cooldown,
            },
            (State::Closed { failures }, false) => {
                let failures = failures.saturating_add(1);
                if failures >= self.threshold {
                    tracing::warn!(failures, cooldown = ?self.cooldown, "circuit opened");
                    State::Open {
                        until: now + self.cooldown,
                    }
                } else {
                    State::Closed { failures }
                }
            }
            // A non-trial call that started before the circuit opened: the
            // circuit already reflects the failure streak.
            (open @ State::Open { .. }, false) => open,
        };
    }

    pub(crate) fn view(&self, now: Instant) -> View {
        match *self.lock() {
            State::Closed { .. } => View::Closed,
            State::Open { until } if now < until => View::Open { until },
            State::Open { .. } | State::HalfOpen { .. } => View::HalfOpen,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COOL: Duration = Duration::from_secs(30);

    fn fail(b: &Breaker, now: Instant) {
        b.admit(now).ok().unwrap().settle(Outcome::Failure, now);
    }

    fn throttled(b: &Breaker, now: Instant) {
        b.admit(now).ok().unwrap().settle(Outcome::Neutral, now);
    }

    #[test]
    fn opens_after_threshold_consecutive_failures() {
        let b = Breaker::new(3, COOL);
        let t0 = Instant::now();
        fail(&b, t0);
        fail(&b, t0);
        assert_eq!(b.view(t0), View::Closed);
        fail(&b, t0);
        assert_eq!(b.view(t0), View::Open { until: t0 + COOL });
        assert_eq!(b.admit(t0 + Duration::from_secs(1)).err(), Some(t0 + COOL));
    }

    #[test]
    fn a_success_resets_the_streak() {
        let b = Breaker::new(2, COOL);
        let t0 = Instant::now();
        fail(&b, t0);
        b.admit(t0).ok().unwrap().settle(Outcome::Success, t0);
        fail(&b, t0);
        assert_eq!(b.view(t0), View::Closed);
    }

    #[test]
    fn one_trial_after_cooldown_then_close_or_reopen() {
        let b = Breaker::new(1, COOL);
        let t0 = Instant::now();
        fail(&b, t0);
        let later = t0 + COOL;
        assert_eq!(b.view(later), View::HalfOpen);
        let trial = b.admit(later).ok().unwrap();
        // Only one trial at a time.
        assert!(b.admit(later).is_err());
        trial.settle(Outcome::Failure, later);
        assert_eq!(b.view(later), View::Open { until: later + COOL });
        let again = later + COOL;
        b.admit(again).ok().unwrap().settle(Outcome::Success, again);
        assert_eq!(b.view(again), View::Closed);
    }

    #[test]
    fn a_cancelled_trial_passes_the_trial_on() {
        let b = Breaker::new(1, COOL);
        let t0 = Instant::now();
        fail(&b, t0);
        let later = t0 + COOL;
        drop(b.admit(later).ok().unwrap());
        assert!(b.admit(later).is_ok());
    }

    #[test]
    fn throttling_neither_opens_nor_resets_the_streak() {
        let b = Breaker::new(2, COOL);
        let t0 = Instant::now();
        for _ in 0..5 {
            throttled(&b, t0);
        }
        assert_eq!(b.view(t0), View::Closed);
        fail(&b, t0);
        throttled(&b, t0);
        assert_eq!(b.view(t0), View::Closed);
        // The 429 in between did not reset the streak of failures.
        fail(&b, t0);
        assert_eq!(b.view(t0), View::Open { until: t0 + COOL });
    }

    #[test]
    fn a_throttled_trial_neither_closes_nor_extends_the_circuit() {
        let b = Breaker::new(1, COOL);
        let t0 = Instant::now();
        fail(&b, t0);
        let later = t0 + COOL;
        throttled(&b, later);
        // Not closed, and no new cooldown: the next call is the trial.
        assert_eq!(b.view(later), View::HalfOpen);
        b.admit(later).ok().unwrap().settle(Outcome::Success, later);
        assert_eq!(b.view(later), View::Closed);
    }

    #[test]
    fn threshold_zero_never_opens() {
        let b = Breaker::new(0, COOL);
        let t0 = Instant::now();
        for _ in 0..10 {
            fail(&b, t0);
        }
        assert_eq!(b.view(t0), View::Closed);
    }
}
