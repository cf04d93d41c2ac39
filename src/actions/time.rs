//! Times typed at a prompt or on the command line, and Mailchimp's rule that
//! a send time falls on a quarter hour.

use crate::model::SourceKind;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, Zoned, civil};

/// Parse a send time. Accepted: RFC 3339 (`2026-11-23T09:00:00Z`),
/// `YYYY-MM-DD HH:MM` and `HH:MM` in `tz` (today, or tomorrow once that time
/// has passed), `tomorrow HH:MM`, and offsets like `+90m` or `+2h`.
pub fn parse_when(input: &str, now: Timestamp, tz: &TimeZone) -> Result<Timestamp, String> {
    let text = input.trim();
    let hint = "use 2026-11-23 09:00, 09:00, tomorrow 09:00, +2h or an RFC 3339 time";
    if text.is_empty() {
        return Err(format!("no time given: {hint}"));
    }
    if let Some(offset) = text.strip_prefix('+') {
        return now
            .checked_add(offset_duration(offset, text)?)
            .map_err(|e| e.to_string());
    }
    if let Ok(t) = text.parse::<Timestamp>() {
        return Ok(t);
    }
    let today = now.to_zoned(tz.clone()).date();
    let (day, clock) = match text.strip_prefix("tomorrow") {
        Some(rest) => (Some(today.tomorrow().map_err(|e| e.to_string())?), rest.trim()),
        None => (None, text),
    };
    if day.is_none()
        && let Ok(dt) = clock.parse::<civil::DateTime>()
    {
        return local(dt, tz);
    }
    let time: civil::Time = clock.parse().map_err(|_| format!("{text:?} is not a time: {hint}"))?;
    let date = match day {
        Some(d) => d,
        None if local(today.to_datetime(time), tz)? > now => today,
        None => today.tomorrow().map_err(|e| e.to_string())?,
    };
    local(date.to_datetime(time), tz)
}

/// "90m", "2h", "1d 2h": days count as 24 hours here.
fn offset_duration(offset: &str, text: &str) -> Result<SignedDuration, String> {
    let bad = || format!("{text:?} is not an offset like +90m, +2h or +1d");
    if let Ok(d) = offset.parse::<SignedDuration>() {
        return Ok(d);
    }
    let span: jiff::Span = offset.parse().map_err(|_| bad())?;
    span.to_duration(jiff::SpanRelativeTo::days_are_24_hours())
        .map_err(|_| bad())
}

fn local(dt: civil::DateTime, tz: &TimeZone) -> Result<Timestamp, String> {
    dt.to_zoned(tz.clone())
        .map(|z: Zoned| z.timestamp())
        .map_err(|e| e.to_string())
}

/// Round to the nearest quarter hour (Mailchimp accepts :00, :15, :30, :45).
pub fn round_to_quarter_hour(t: Timestamp) -> Timestamp {
    const QUARTER: i64 = 15 * 60;
    let secs = t.as_second();
    let rounded = (secs + QUARTER / 2).div_euclid(QUARTER) * QUARTER;
    Timestamp::from_second(rounded).unwrap_or(t)
}

/// A schedule time Mailchimp will take: rounded to a quarter hour and in the
/// future. Says what went wrong otherwise.
pub fn schedule_time(wanted: Timestamp, now: Timestamp) -> Result<Timestamp, String> {
    let rounded = round_to_quarter_hour(wanted);
    if rounded <= now {
        return Err(format!(
            "{rounded} is not in the future (Mailchimp needs a future quarter hour)"
        ));
    }
    Ok(rounded)
}

/// The time an action's prompt asked for, as the vendor takes it: Mailchimp
/// schedules on quarter hours; WordPress and HubSpot take the minute given.
/// Either way it must lie in the future.
pub fn action_time(kind: SourceKind, wanted: Timestamp, now: Timestamp) -> Result<Timestamp, String> {
    if kind == SourceKind::Mailchimp {
        return schedule_time(wanted, now);
    }
    if wanted <= now {
        return Err(format!("{wanted} is not in the future"));
    }
    Ok(wanted)
}

/// A short span for humans: "in 2h 15m", "in 3d 1h".
pub fn until(now: Timestamp, t: Timestamp) -> String {
    let minutes = t.duration_since(now).as_secs().max(0) / 60;
    let (d, h, m) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    let text = match (d, h, m) {
        (0, 0, m) => format!("{m}m"),
        (0, h, 0) => format!("{h}h"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, 0, _) => format!("{d}d"),
        (d, h, _) => format!("{d}d {h}h"),
    };
    format!("in {text}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().expect("timestamp")
    }

    const NOW: &str = "2026-11-22T16:07:00Z";

    fn parse(s: &str) -> Result<Timestamp, String> {
        parse_when(s, ts(NOW), &TimeZone::UTC)
    }

    #[test]
    fn accepted_forms() {
        assert_eq!(parse("2026-11-23T09:00:00Z"), Ok(ts("2026-11-23T09:00:00Z")));
        assert_eq!(parse("2026-11-23 09:00"), Ok(ts("2026-11-23T09:00:00Z")));
        assert_eq!(parse("18:30"), Ok(ts("2026-11-22T18:30:00Z")), "later today");
        assert_eq!(parse("09:00"), Ok(ts("2026-11-23T09:00:00Z")), "passed today: tomorrow");
        assert_eq!(parse("tomorrow 08:15"), Ok(ts("2026-11-23T08:15:00Z")));
        assert_eq!(parse("+2h"), Ok(ts("2026-11-22T18:07:00Z")));
        assert_eq!(parse(" +90m "), Ok(ts("2026-11-22T17:37:00Z")));
        assert_eq!(parse("+1d"), Ok(ts("2026-11-23T16:07:00Z")));
        assert_eq!(parse("+1d 2h"), Ok(ts("2026-11-23T18:07:00Z")));
    }

    #[test]
    fn local_times_use_the_zone() {
        let berlin = TimeZone::get("Europe/Berlin").expect("tz");
        let t = parse_when("2026-11-23 09:00", ts(NOW), &berlin).expect("parse");
        assert_eq!(t, ts("2026-11-23T08:00:00Z"));
    }

    #[test]
    fn rejects_nonsense_with_a_hint() {
        for bad in ["", "soon", "25:00", "+lots", "2026-13-01 09:00"] {
            let err = parse(bad).expect_err(bad);
            assert!(err.contains("09:00") || err.contains("+90m"), "{bad:?}: {err}");
        }
    }

    #[test]
    fn quarter_hours() {
        assert_eq!(
            round_to_quarter_hour(ts("2026-11-22T16:07:29Z")),
            ts("2026-11-22T16:00:00Z")
        );
        assert_eq!(
            round_to_quarter_hour(ts("2026-11-22T16:07:30Z")),
            ts("2026-11-22T16:15:00Z")
        );
        assert_eq!(
            round_to_quarter_hour(ts("2026-11-22T16:52:31Z")),
            ts("2026-11-22T17:00:00Z")
        );
        assert_eq!(
            round_to_quarter_hour(ts("2026-11-22T16:45:00Z")),
            ts("2026-11-22T16:45:00Z")
        );
    }

    #[test]
    fn schedule_times_must_be_future_quarter_hours() {
        let now = ts(NOW);
        assert_eq!(
            schedule_time(ts("2026-11-22T18:08:00Z"), now),
            Ok(ts("2026-11-22T18:15:00Z"))
        );
        // 16:07 rounds to 16:00, which has passed.
        assert!(schedule_time(ts("2026-11-22T16:07:00Z"), now).is_err());
    }

    #[test]
    fn until_reads_naturally() {
        assert_eq!(until(ts(NOW), ts("2026-11-22T18:22:00Z")), "in 2h 15m");
    }
}
