//! How figures read in the report: percentages, counts, durations, times.

use std::time::Duration;

use jiff::Timestamp;
use jiff::tz::TimeZone;

/// Shown where a figure cannot be known (no sends, no history).
pub const NONE: &str = "–";

/// A fraction as a percentage with one decimal: 0.3825 -> "38.3%".
pub fn pct(fraction: Option<f64>) -> String {
    match fraction {
        Some(f) if f.is_finite() => format!("{:.1}%", f * 100.0),
        _ => NONE.to_owned(),
    }
}

/// A fraction as a signed percentage (ROMI): 3.75 -> "+375.0%".
pub fn signed_pct(fraction: Option<f64>) -> String {
    match fraction {
        Some(f) if f.is_finite() => format!("{:+.1}%", f * 100.0),
        _ => NONE.to_owned(),
    }
}

/// Thousands separated: 12380 -> "12,380".
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Money from the config, which names no currency: 9500 -> "9,500.00".
pub fn money(amount: Option<f64>) -> String {
    match amount {
        Some(a) if a.is_finite() => {
            let cents = (a.abs() * 100.0).round() as u64;
            let sign = if a < 0.0 && cents > 0 { "-" } else { "" };
            format!("{sign}{}.{:02}", count(cents / 100), cents % 100)
        }
        _ => NONE.to_owned(),
    }
}

/// A length of time the way a person says it, to the minute past an hour:
/// "45s", "12m", "2h 5m", "3d 4h".
pub fn duration(d: Duration) -> String {
    let s = d.as_secs();
    let (days, hours, mins, secs) = (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60);
    match (days, hours, mins) {
        (0, 0, 0) => format!("{secs}s"),
        (0, 0, m) if secs == 0 => format!("{m}m"),
        (0, 0, m) => format!("{m}m {secs}s"),
        (0, h, 0) => format!("{h}h"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, 0, _) => format!("{d}d"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}

/// A time in `tz` to the minute, with the zone: "2026-11-22 16:00 UTC".
pub fn time(at: Timestamp, tz: &TimeZone) -> String {
    at.to_zoned(tz.clone()).strftime("%Y-%m-%d %H:%M %Z").to_string()
}

/// A date in `tz`: "2026-11-22".
pub fn date(at: Timestamp, tz: &TimeZone) -> String {
    at.to_zoned(tz.clone()).strftime("%Y-%m-%d").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_read_as_people_write_them() {
        assert_eq!(pct(Some(0.38249)), "38.2%");
        assert_eq!(pct(Some(1.0)), "100.0%");
        assert_eq!(pct(None), "–");
        assert_eq!(pct(Some(f64::NAN)), "–");
        assert_eq!(signed_pct(Some(3.75)), "+375.0%");
        assert_eq!(signed_pct(Some(-0.4)), "-40.0%");
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(12_380), "12,380");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(money(Some(9_500.0)), "9,500.00");
        assert_eq!(money(Some(-12.345)), "-12.35");
        assert_eq!(money(None), "–");
    }

    #[test]
    fn durations_drop_what_does_not_matter_at_their_scale() {
        let s = Duration::from_secs;
        assert_eq!(duration(s(0)), "0s");
        assert_eq!(duration(s(45)), "45s");
        assert_eq!(duration(s(12 * 60)), "12m");
        assert_eq!(duration(s(12 * 60 + 5)), "12m 5s");
        assert_eq!(duration(s(3600)), "1h");
        assert_eq!(duration(s(2 * 3600 + 5 * 60 + 59)), "2h 5m");
        assert_eq!(duration(s(3 * 86_400 + 4 * 3600 + 120)), "3d 4h");
        assert_eq!(duration(s(30 * 86_400)), "30d");
    }

    #[test]
    fn times_show_their_zone() {
        let at: Timestamp = "2026-11-22T16:00:59Z".parse().unwrap();
        assert_eq!(time(at, &TimeZone::UTC), "2026-11-22 16:00 UTC");
        assert_eq!(date(at, &TimeZone::UTC), "2026-11-22");
    }
}
