//! The debounce state machine: a condition is announced once it has held for
//! the debounce, and announced resolved once it has been clear as long. Pure:
//! time comes in as an argument.

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::Timestamp;

use crate::app::source_state::elapsed;

/// What a step decided to tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change<K, D> {
    /// `key` has held since `since`, for at least the debounce.
    Fired { key: K, detail: D, since: Timestamp },
    /// `key`, once announced, has been clear for at least the debounce; it
    /// held for `lasted` (from first seen to first seen clear).
    Resolved { key: K, detail: D, lasted: Duration },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Holds, not announced yet.
    Pending,
    /// Announced and still holding.
    Announced,
    /// Announced, clear since then; back to `Announced` if it holds again in time.
    Clearing { cleared_at: Timestamp },
}

#[derive(Debug, Clone)]
struct Track<D> {
    /// First seen holding (this episode).
    since: Timestamp,
    phase: Phase,
    /// The newest detail seen while it held.
    detail: D,
}

/// Tracks every condition that holds or was announced.
#[derive(Debug, Clone)]
pub struct Debouncer<K, D> {
    debounce: Duration,
    tracked: BTreeMap<K, Track<D>>,
}

impl<K: Ord + Clone, D: Clone> Debouncer<K, D> {
    pub fn new(debounce: Duration) -> Self {
        Debouncer {
            debounce,
            tracked: BTreeMap::new(),
        }
    }

    /// True once `key` has been announced and until it is announced
    /// resolved (while it holds, and while it is clearing). A caller can
    /// keep an announced condition holding on weaker evidence than it took
    /// to start one.
    pub fn is_announced(&self, key: &K) -> bool {
        self.tracked
            .get(key)
            .is_some_and(|track| matches!(track.phase, Phase::Announced | Phase::Clearing { .. }))
    }

    /// Feeds what holds at `now` (everything absent is clear) and returns
    /// what to announce, in key order. A flap shorter than the debounce
    /// announces nothing, a condition that holds is announced once, and
    /// nothing is resolved that was never announced.
    pub fn step(&mut self, now: Timestamp, holding: BTreeMap<K, D>) -> Vec<Change<K, D>> {
        // Clear now: a pending flap is forgotten, an announced one starts clearing.
        self.tracked.retain(|key, track| {
            if holding.contains_key(key) {
                return true;
            }
            match track.phase {
                Phase::Pending => false,
                Phase::Announced => {
                    track.phase = Phase::Clearing { cleared_at: now };
                    true
                }
                Phase::Clearing { .. } => true,
            }
        });
        for (key, detail) in holding {
            match self.tracked.get_mut(&key) {
                Some(track) => {
                    track.detail = detail;
                    if let Phase::Clearing { .. } = track.phase {
                        // Back before the debounce ran out: the same episode goes on.
                        track.phase = Phase::Announced;
                    }
                }
                None => {
                    self.tracked.insert(
                        key,
                        Track {
                            since: now,
                            phase: Phase::Pending,
                            detail,
                        },
                    );
                }
            }
        }

        let mut changes = Vec::new();
        let debounce = self.debounce;
        self.tracked.retain(|key, track| match track.phase {
            Phase::Pending if elapsed(track.since, now) >= debounce => {
                track.phase = Phase::Announced;
                changes.push(Change::Fired {
                    key: key.clone(),
                    detail: track.detail.clone(),
                    since: track.since,
                });
                true
            }
            Phase::Clearing { cleared_at } if elapsed(cleared_at, now) >= debounce => {
                changes.push(Change::Resolved {
                    key: key.clone(),
                    detail: track.detail.clone(),
                    lasted: elapsed(track.since, cleared_at),
                });
                false
            }
            _ => true,
        });
        changes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    fn t(secs: i64) -> Timestamp {
        Timestamp::from_second(1_700_000_000 + secs).unwrap()
    }

    fn holding(keys: &[&'static str]) -> BTreeMap<&'static str, u32> {
        keys.iter().map(|k| (*k, 1)).collect()
    }

    /// Steps at each (second, keys holding) and returns every change with its time.
    fn run(steps: &[(i64, &[&'static str])]) -> Vec<(i64, Change<&'static str, u32>)> {
        let mut d = Debouncer::new(MINUTE);
        let mut out = Vec::new();
        for (secs, keys) in steps {
            out.extend(d.step(t(*secs), holding(keys)).into_iter().map(|c| (*secs, c)));
        }
        out
    }

    fn fired(key: &'static str, since: i64) -> Change<&'static str, u32> {
        Change::Fired {
            key,
            detail: 1,
            since: t(since),
        }
    }

    fn resolved(key: &'static str, lasted: u64) -> Change<&'static str, u32> {
        Change::Resolved {
            key,
            detail: 1,
            lasted: Duration::from_secs(lasted),
        }
    }

    #[test]
    fn a_flap_shorter_than_the_debounce_sends_nothing() {
        let got = run(&[(0, &["a"]), (30, &["a"]), (59, &["a"]), (60, &[]), (200, &[])]);
        assert_eq!(got, []);
    }

    #[test]
    fn fires_once_after_the_debounce_and_never_repeats_while_it_holds() {
        let got = run(&[(0, &["a"]), (30, &["a"]), (60, &["a"]), (90, &["a"]), (3600, &["a"])]);
        assert_eq!(got, [(60, fired("a", 0))]);
    }

    #[test]
    fn resolves_after_clear_for_the_debounce_with_how_long_it_lasted() {
        let got = run(&[
            (0, &["a"]),
            (60, &["a"]),
            (600, &[]),
            (630, &[]),
            (660, &[]),
            (720, &[]),
        ]);
        assert_eq!(got, [(60, fired("a", 0)), (660, resolved("a", 600))]);
    }

    #[test]
    fn coming_back_while_clearing_is_the_same_episode() {
        let got = run(&[
            (0, &["a"]),
            (60, &["a"]),
            (100, &[]),
            (130, &["a"]),
            (400, &[]),
            (460, &[]),
        ]);
        // No second "fired" at 130, and the outage counts from 0 to 400.
        assert_eq!(got, [(60, fired("a", 0)), (460, resolved("a", 400))]);
    }

    #[test]
    fn a_flap_restarts_the_debounce() {
        let got = run(&[(0, &["a"]), (50, &[]), (55, &["a"]), (100, &["a"]), (115, &["a"])]);
        assert_eq!(got, [(115, fired("a", 55))]);
    }

    #[test]
    fn changes_seen_in_one_step_come_out_together_in_key_order() {
        let mut d = Debouncer::new(MINUTE);
        assert_eq!(d.step(t(0), holding(&["b", "a"])), []);
        assert_eq!(d.step(t(60), holding(&["b", "a"])), [fired("a", 0), fired("b", 0)]);
    }

    #[test]
    fn the_detail_is_the_newest_seen() {
        let mut d = Debouncer::new(MINUTE);
        d.step(t(0), BTreeMap::from([("a", 1)]));
        let got = d.step(t(60), BTreeMap::from([("a", 7)]));
        assert_eq!(
            got,
            [Change::Fired {
                key: "a",
                detail: 7,
                since: t(0)
            }]
        );
    }

    #[test]
    fn announced_from_the_fired_step_until_the_resolved_one() {
        let mut d = Debouncer::new(MINUTE);
        d.step(t(0), holding(&["a"]));
        assert!(!d.is_announced(&"a"), "pending is not announced");
        d.step(t(60), holding(&["a"]));
        assert!(d.is_announced(&"a"));
        d.step(t(100), holding(&[]));
        assert!(d.is_announced(&"a"), "clearing is still announced");
        assert_eq!(d.step(t(160), holding(&[])), [resolved("a", 100)]);
        assert!(!d.is_announced(&"a"));
        assert!(!d.is_announced(&"b"), "never seen");
    }

    #[test]
    fn a_clock_that_steps_back_announces_nothing_early() {
        let got = run(&[(100, &["a"]), (40, &["a"]), (159, &["a"]), (160, &["a"])]);
        assert_eq!(got, [(160, fired("a", 100))]);
    }
}
