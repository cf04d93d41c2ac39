//! Uptime over a period from the stored poll samples, pure.
//!
//! A sample's status holds from its time until the source's next sample,
//! but for no longer than [`MAX_HOLD`]: past that nobody was watching, and
//! the time counts as not observed rather than up or down. OK and DEGRADED
//! count as up.
//!
//! The hold does not depend on how often a source is polled: the cockpit
//! (every 30 s), `mops serve` and a cron `mops check` (every 5 minutes) may
//! all record the same source, so no single "typical interval" exists, and
//! a sparse stretch (nights, with only cron) must still be counted.
//!
//! Samples are folded one at a time ([`UptimeFold`]), so a year of history
//! needs memory for each source's figures, not for its samples.

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

use crate::model::HealthStatus;
use crate::store::PollSample;

/// A status holds until the source's next sample, but never longer than
/// this (a lone or last sample too); a longer gap is not observed past it.
pub const MAX_HOLD: Duration = Duration::from_secs(3600);

/// How long before `from` samples are needed: one may still hold into the period.
pub fn lookback() -> SignedDuration {
    SignedDuration::try_from(MAX_HOLD).unwrap_or(SignedDuration::ZERO)
}

/// An unbroken stretch of observed down time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outage {
    pub start: Timestamp,
    pub duration: Duration,
}

/// One source's figures over a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uptime {
    /// Samples taken within the period.
    pub polls: usize,
    /// Time covered by some sample's status.
    pub observed: Duration,
    pub up: Duration,
    /// Observed time in DOWN, AUTH or RATE-LIMITED.
    pub down: Duration,
    pub longest_outage: Option<Outage>,
    /// Every status that held during the period, best first.
    pub statuses: Vec<HealthStatus>,
}

impl Uptime {
    /// Up over observed time, 0.0..=1.0; `None` when nothing was observed.
    pub fn ratio(&self) -> Option<f64> {
        (!self.observed.is_zero()).then(|| self.up.as_secs_f64() / self.observed.as_secs_f64())
    }

    /// Observed time over the period's length, 0.0..=1.0.
    pub fn coverage(&self, from: Timestamp, to: Timestamp) -> f64 {
        let length = span(from, to);
        if length.is_zero() {
            return 0.0;
        }
        (self.observed.as_secs_f64() / length.as_secs_f64()).min(1.0)
    }
}

/// Every source's figures over `[from, to)` from samples held in memory, by
/// source name. Samples may be in any order and may start before `from`;
/// see [`UptimeFold`] for the rest.
pub fn by_source(samples: &[PollSample], from: Timestamp, to: Timestamp) -> BTreeMap<String, Uptime> {
    let mut sorted: Vec<&PollSample> = samples.iter().collect();
    sorted.sort_by_key(|s| s.at);
    let mut fold = UptimeFold::new(from, to);
    for s in sorted {
        fold.add(s);
    }
    fold.finish()
}

/// Uptime over `[from, to)`, fed one sample at a time. Each source's samples
/// must come oldest first (sources may interleave: ordered by source then
/// time, or by time alone); a sample older than the one before it of the
/// same source is taken as arriving at that one's time. Samples may start
/// before `from` (one may hold into the period); samples at or after `to`
/// are ignored.
#[derive(Debug)]
pub struct UptimeFold {
    from: Timestamp,
    to: Timestamp,
    sources: BTreeMap<String, SourceFold>,
}

/// One source's running figures and its latest sample, whose hold ends
/// when the next one arrives (or at [`UptimeFold::finish`]).
#[derive(Debug)]
struct SourceFold {
    uptime: Uptime,
    latest: Option<(Timestamp, HealthStatus)>,
    /// The outage running up to the latest settled stretch.
    current: Option<Outage>,
    /// Some sample was taken in, or held into, the period.
    bears: bool,
}

impl UptimeFold {
    pub fn new(from: Timestamp, to: Timestamp) -> UptimeFold {
        UptimeFold {
            from,
            to,
            sources: BTreeMap::new(),
        }
    }

    pub fn add(&mut self, s: &PollSample) {
        if s.at >= self.to {
            return;
        }
        let (from, to) = (self.from, self.to);
        // Look up before inserting: a source's name is copied once, not per sample.
        let source = match self.sources.get_mut(s.source.as_str()) {
            Some(source) => source,
            None => self.sources.entry(s.source.clone()).or_insert_with(SourceFold::new),
        };
        let at = source.latest.map_or(s.at, |(latest, _)| s.at.max(latest));
        source.settle(Some(at), from, to);
        source.latest = Some((at, s.status));
        if at >= from {
            source.uptime.polls += 1;
        }
    }

    /// Every source's figures, by name. A source without any sample that
    /// bears on the period is absent: it has no history, which is not 100%.
    pub fn finish(self) -> BTreeMap<String, Uptime> {
        let (from, to) = (self.from, self.to);
        self.sources
            .into_iter()
            .filter_map(|(name, mut source)| {
                source.settle(None, from, to);
                close(&mut source.current, &mut source.uptime.longest_outage);
                source.uptime.statuses.sort_by_key(|s| s.severity());
                source.bears.then_some((name, source.uptime))
            })
            .collect()
    }
}

impl SourceFold {
    fn new() -> SourceFold {
        SourceFold {
            uptime: Uptime {
                polls: 0,
                observed: Duration::ZERO,
                up: Duration::ZERO,
                down: Duration::ZERO,
                longest_outage: None,
                statuses: Vec::new(),
            },
            latest: None,
            current: None,
            bears: false,
        }
    }

    /// Counts the latest sample's status from its time until `next` (the
    /// following sample's time; `None` for the last), at most [`MAX_HOLD`],
    /// within `[from, to)`.
    fn settle(&mut self, next: Option<Timestamp>, from: Timestamp, to: Timestamp) {
        let Some((at, status)) = self.latest.take() else {
            return;
        };
        let held_until = timestamp_after(at, MAX_HOLD);
        let end = next.map_or(held_until, |n| n.min(held_until)).min(to);
        let start = at.max(from);
        let length = span(start, end);
        let u = &mut self.uptime;
        if at >= from || !length.is_zero() {
            self.bears = true;
            if !u.statuses.contains(&status) {
                u.statuses.push(status);
            }
        }
        if length.is_zero() || status == HealthStatus::Stale {
            // Stale is "unknown", never a probe's answer: not observed.
            return;
        }
        u.observed += length;
        if status.is_good() {
            u.up += length;
            close(&mut self.current, &mut u.longest_outage);
            return;
        }
        u.down += length;
        match self.current.as_mut() {
            // Down right up to this sample, with no unobserved gap between.
            Some(o) if timestamp_after(o.start, o.duration) == start => o.duration += length,
            _ => {
                close(&mut self.current, &mut u.longest_outage);
                self.current = Some(Outage {
                    start,
                    duration: length,
                });
            }
        }
    }
}

fn close(current: &mut Option<Outage>, longest: &mut Option<Outage>) {
    if let Some(o) = current.take() {
        keep_longest(longest, o);
    }
}

/// The first of equally long outages is kept.
fn keep_longest(longest: &mut Option<Outage>, o: Outage) {
    if longest.is_none_or(|l| o.duration > l.duration) {
        *longest = Some(o);
    }
}

fn timestamp_after(t: Timestamp, d: Duration) -> Timestamp {
    SignedDuration::try_from(d)
        .ok()
        .and_then(|d| t.checked_add(d).ok())
        .unwrap_or(Timestamp::MAX)
}

/// `b - a`, zero when `b` is not after `a`.
fn span(a: Timestamp, b: Timestamp) -> Duration {
    Duration::try_from(b.duration_since(a)).unwrap_or(Duration::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;
    use HealthStatus::*;

    fn t0() -> Timestamp {
        "2026-11-01T00:00:00Z".parse().unwrap()
    }

    fn min(m: i64) -> Timestamp {
        t0() + SignedDuration::from_mins(m)
    }

    fn s(source: &str, m: i64, status: HealthStatus) -> PollSample {
        PollSample {
            source: source.into(),
            at: min(m),
            status,
            latency_ms: 10,
            summary: String::new(),
        }
    }

    fn mins(m: u64) -> Duration {
        Duration::from_secs(m * 60)
    }

    /// Samples every 10 minutes with these statuses, from minute 0.
    fn every_10(statuses: &[HealthStatus]) -> Vec<PollSample> {
        statuses
            .iter()
            .enumerate()
            .map(|(i, st)| s("crm", i as i64 * 10, *st))
            .collect()
    }

    #[test]
    fn each_status_holds_until_the_next_sample_and_the_last_for_the_maximum_hold() {
        let samples = every_10(&[Ok, Ok, Down, Down, Down, Ok, Degraded, Ok, Ok, Ok]);
        let u = &by_source(&samples, min(0), min(24 * 60))["crm"];
        assert_eq!(u.polls, 10);
        // Nine 10-minute stretches, the last sample holding an hour.
        assert_eq!(u.observed, mins(150));
        assert_eq!(u.up, mins(120));
        assert_eq!(u.down, mins(30));
        assert_eq!(u.ratio(), Some(0.8));
        assert_eq!(
            u.longest_outage,
            Some(Outage {
                start: min(20),
                duration: mins(30)
            })
        );
        assert_eq!(u.statuses, [Ok, Degraded, Down]);
        assert!((u.coverage(min(0), min(24 * 60)) - 150.0 / 1440.0).abs() < 1e-12);
    }

    #[test]
    fn a_lone_sample_holds_for_the_maximum_hold_and_no_further_than_the_period() {
        let one = [s("crm", 0, Down)];
        let u = &by_source(&one, min(0), min(600))["crm"];
        assert_eq!((u.polls, u.observed, u.down), (1, MAX_HOLD, MAX_HOLD));
        assert_eq!(u.ratio(), Some(0.0));
        let cut = &by_source(&one, min(-5), min(20))["crm"];
        assert_eq!(cut.observed, mins(20), "the period's end cuts the hold");
    }

    #[test]
    fn a_gap_longer_than_the_maximum_hold_is_not_observed_past_it_and_splits_an_outage() {
        // Every 5 minutes, then nothing for two hours, then every 5 again.
        let samples = vec![
            s("crm", 0, Ok),
            s("crm", 5, Ok),
            s("crm", 10, Down),
            s("crm", 130, Down),
            s("crm", 135, Down),
            s("crm", 140, Ok),
            s("crm", 145, Ok),
        ];
        let u = &by_source(&samples, min(0), min(1000))["crm"];
        // 0-10 up; 10-70 down then unobserved; 130-140 down; 140-145, 145-205 up.
        assert_eq!(u.up, mins(5 + 5 + 5 + 60));
        assert_eq!(u.down, mins(60 + 10));
        assert_eq!(u.observed, mins(145));
        assert_eq!(
            u.longest_outage,
            Some(Outage {
                start: min(10),
                duration: mins(60)
            }),
            "not one outage across the unobserved hour"
        );
    }

    /// The cockpit open 08:00-16:00 polling every 30 s, plus cron every 5
    /// minutes around the clock, over two days; cron alone sees the source
    /// DOWN from 22:00 to 04:00.
    fn cockpit_by_day_and_cron_around_the_clock() -> Vec<PollSample> {
        let at = |secs: i64| t0() + SignedDuration::from_secs(secs);
        let outage = 22 * 3600..28 * 3600;
        let sample = |secs: i64| PollSample {
            status: if outage.contains(&secs) { Down } else { Ok },
            ..s("crm", 0, Ok)
        };
        let mut samples = Vec::new();
        for day in 0..2 {
            let from = day * 86_400 + 8 * 3600;
            for secs in (from..from + 8 * 3600).step_by(30) {
                samples.push(PollSample {
                    at: at(secs),
                    ..sample(secs)
                });
            }
        }
        for secs in (0..2 * 86_400).step_by(300) {
            samples.push(PollSample {
                at: at(secs),
                ..sample(secs)
            });
        }
        samples
    }

    #[test]
    fn mixed_cadences_keep_a_night_outage_whole() {
        let samples = cockpit_by_day_and_cron_around_the_clock();
        let (from, to) = (min(0), min(2 * 24 * 60));
        let u = &by_source(&samples, from, to)["crm"];
        let hours = |h: u64| mins(h * 60);
        assert_eq!(
            u.longest_outage,
            Some(Outage {
                start: min(22 * 60),
                duration: hours(6)
            }),
            "one unbroken six-hour outage, not chopped between cron's polls"
        );
        assert_eq!(u.down, hours(6));
        assert_eq!(u.observed, hours(48), "five-minute gaps are watched");
        assert_eq!(u.up, hours(42));
        assert_eq!(u.coverage(from, to), 1.0);
        assert_eq!(u.polls, samples.len());
    }

    #[test]
    fn the_fold_gives_the_same_figures_in_source_order_as_in_time_order() {
        let mut samples = cockpit_by_day_and_cron_around_the_clock();
        samples.extend(every_10(&[Down, Ok, Down]).into_iter().map(|s| PollSample {
            source: "blog".into(),
            ..s
        }));
        let (from, to) = (min(60), min(40 * 60));
        samples.sort_by_key(|s| s.at);
        let by_time = by_source(&samples, from, to);
        samples.sort_by(|a, b| a.source.cmp(&b.source).then(a.at.cmp(&b.at)));
        let mut fold = UptimeFold::new(from, to);
        for s in &samples {
            fold.add(s);
        }
        let by_source_then_time = fold.finish();
        assert_eq!(by_source_then_time, by_time);
        assert_eq!(by_time.len(), 2);
    }

    #[test]
    fn a_sample_out_of_order_counts_at_the_time_of_the_one_before() {
        let mut fold = UptimeFold::new(min(0), min(1000));
        for sample in [s("crm", 0, Ok), s("crm", 20, Down), s("crm", 10, Ok)] {
            fold.add(&sample);
        }
        let u = &fold.finish()["crm"];
        // 0-20 up, the DOWN at 20 cut short by the late OK, which holds an hour.
        assert_eq!((u.up, u.down, u.polls), (mins(80), Duration::ZERO, 3));
    }

    #[test]
    fn flapping_counts_each_stretch_and_finds_the_longest_outage() {
        let samples = every_10(&[Ok, Down, Ok, Auth, RateLimited, Ok, Down, Ok]);
        let u = &by_source(&samples, min(0), min(1000))["crm"];
        assert_eq!(u.down, mins(40));
        assert_eq!(u.up, mins(10 + 10 + 10 + 60));
        assert_eq!(
            u.longest_outage,
            Some(Outage {
                start: min(30),
                duration: mins(20)
            }),
            "AUTH then RATE-LIMITED is one outage"
        );
        assert_eq!(u.statuses, [Ok, RateLimited, Auth, Down]);
    }

    #[test]
    fn a_sample_before_the_period_carries_into_it() {
        let samples = every_10(&[Down, Down, Ok]);
        // The period starts at minute 15: the DOWN from minute 10 holds to 20.
        let u = &by_source(&samples, min(15), min(1000))["crm"];
        assert_eq!(u.polls, 1, "only the sample at 20 is within the period");
        assert_eq!(u.down, mins(5));
        assert_eq!(u.up, mins(60));
        assert_eq!(
            u.longest_outage,
            Some(Outage {
                start: min(15),
                duration: mins(5)
            })
        );
        assert_eq!(u.statuses, [Ok, Down], "the carried DOWN was seen in the period");

        // Only an old sample that still holds (from 10, for an hour): observed, but no polls.
        let carried = by_source(&every_10(&[Ok, Ok]), min(25), min(1000));
        assert_eq!(carried["crm"].polls, 0);
        assert_eq!(carried["crm"].observed, mins(45));
    }

    #[test]
    fn sources_without_samples_bearing_on_the_period_are_absent() {
        // Held until minute 70, before the period.
        let old = every_10(&[Ok, Ok]);
        assert!(by_source(&old, min(80), min(140)).is_empty());
        // At or after the end: ignored.
        let late = [s("crm", 140, Ok)];
        assert!(by_source(&late, min(80), min(140)).is_empty());
        assert!(by_source(&[], min(80), min(140)).is_empty());
    }

    #[test]
    fn sources_are_kept_apart_and_order_does_not_matter() {
        let mut samples = every_10(&[Ok, Ok, Ok]);
        samples.extend([s("blog", 20, Down), s("blog", 0, Ok), s("blog", 10, Down)]);
        samples.reverse();
        let all = by_source(&samples, min(0), min(1000));
        assert_eq!(all["crm"].down, Duration::ZERO);
        assert_eq!(all["blog"].down, mins(10 + 60));
        assert_eq!(all["blog"].up, mins(10));
    }

    #[test]
    fn duplicate_times_count_once() {
        let samples = vec![s("crm", 0, Ok), s("crm", 0, Down), s("crm", 10, Ok)];
        let u = &by_source(&samples, min(0), min(1000))["crm"];
        assert_eq!(u.polls, 3);
        assert_eq!(u.observed, mins(70));
    }
}
