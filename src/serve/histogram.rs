//! Probe latencies as a Prometheus histogram: fixed buckets, counted since
//! `mops serve` started, so `rate()` and `histogram_quantile()` work on them.

use std::time::Duration;

/// Upper bounds in seconds: from a fast API call (50 ms) to a poll that
/// ran into its timeout with retries (30 s).
pub const PROBE_BUCKETS: &[f64] = &[0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    bounds: &'static [f64],
    /// Observations per bucket (not cumulative); the last slot is above every bound.
    counts: Vec<u64>,
    sum: f64,
}

impl Histogram {
    pub fn new(bounds: &'static [f64]) -> Histogram {
        Histogram {
            bounds,
            counts: vec![0; bounds.len() + 1],
            sum: 0.0,
        }
    }

    pub fn observe(&mut self, value: Duration) {
        let secs = value.as_secs_f64();
        let slot = self.bounds.iter().position(|b| secs <= *b).unwrap_or(self.bounds.len());
        if let Some(c) = self.counts.get_mut(slot) {
            *c += 1;
        }
        self.sum += secs;
    }

    /// (upper bound, observations at or below it) for each finite bound.
    pub fn cumulative(&self) -> impl Iterator<Item = (f64, u64)> + '_ {
        self.bounds.iter().zip(&self.counts).scan(0u64, |acc, (bound, n)| {
            *acc += n;
            Some((*bound, *acc))
        })
    }

    pub fn count(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Sum of the observations, in seconds.
    pub fn sum(&self) -> f64 {
        self.sum
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_on_a_bound_counts_in_that_bucket() {
        let mut h = Histogram::new(PROBE_BUCKETS);
        h.observe(Duration::from_millis(50));
        h.observe(Duration::from_millis(51));
        h.observe(Duration::from_secs(31));
        let c: Vec<(f64, u64)> = h.cumulative().collect();
        assert_eq!(c[0], (0.05, 1));
        assert_eq!(c[1], (0.1, 2));
        assert_eq!(c.last(), Some(&(30.0, 2)), "31 s is only in +Inf");
        assert_eq!(h.count(), 3);
        assert!((h.sum() - 31.101).abs() < 1e-9);
    }
}
