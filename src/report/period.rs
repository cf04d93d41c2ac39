//! `--period`: how far back the report looks ("30d", "12h", "2w").

use std::time::Duration;

use jiff::{SignedDuration, Span, SpanRelativeTo, Timestamp};

use crate::config::format_age;
use crate::store::POLL_HISTORY_RETENTION;

/// Shorter than this is surely a slip: "30m" is thirty minutes, not months.
pub const MIN_PERIOD: Duration = Duration::from_secs(3600);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("bad --period {0:?}: write a number and a unit (w, d, h), like \"30d\", \"2w\" or \"12h\"")]
    Syntax(String),
    #[error("--period {0:?} counts months or years, whose length varies; write days instead, like \"30d\"")]
    Calendar(String),
    #[error("--period {0:?} is not after zero: write how far back to look, like \"30d\"")]
    NotPositive(String),
    #[error(
        "--period {text:?} is {shown}, less than an hour (\"m\" means minutes); write hours or days, like \"12h\" or \"30d\""
    )]
    TooShort { text: String, shown: String },
    #[error("--period {text:?} is longer than the {kept} of poll history mops keeps; write at most \"{kept}\"")]
    TooLong { text: String, kept: String },
}

/// The span of time a report covers, `[from, to)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    /// As the user wrote it, trimmed: "30d".
    pub label: String,
    pub from: Timestamp,
    pub to: Timestamp,
}

impl Period {
    /// The period of length `length` ending at `to`.
    pub fn ending(label: &str, length: Duration, to: Timestamp) -> Period {
        let back = SignedDuration::try_from(length).unwrap_or(SignedDuration::MAX);
        Period {
            label: label.trim().to_owned(),
            from: to.checked_sub(back).unwrap_or(Timestamp::MIN),
            to,
        }
    }

    pub fn length(&self) -> Duration {
        Duration::try_from(self.to.duration_since(self.from)).unwrap_or(Duration::ZERO)
    }
}

/// Parses a period between an hour and the history's retention; days and
/// weeks count as 24 hours and 7 days.
pub fn parse_period(text: &str) -> Result<Duration, PeriodError> {
    let trimmed = text.trim();
    let span: Span = trimmed.parse().map_err(|_| PeriodError::Syntax(trimmed.to_owned()))?;
    if span.get_years() != 0 || span.get_months() != 0 {
        return Err(PeriodError::Calendar(trimmed.to_owned()));
    }
    let signed = span
        .to_duration(SpanRelativeTo::days_are_24_hours())
        .map_err(|_| PeriodError::Syntax(trimmed.to_owned()))?;
    if signed.is_negative() || signed.is_zero() {
        return Err(PeriodError::NotPositive(trimmed.to_owned()));
    }
    let length = Duration::try_from(signed).map_err(|_| PeriodError::Syntax(trimmed.to_owned()))?;
    if length < MIN_PERIOD {
        return Err(PeriodError::TooShort {
            text: trimmed.to_owned(),
            shown: format!("{signed:#}"),
        });
    }
    if length > POLL_HISTORY_RETENTION {
        return Err(PeriodError::TooLong {
            text: trimmed.to_owned(),
            kept: format_age(POLL_HISTORY_RETENTION),
        });
    }
    Ok(length)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_weeks_and_hours_are_accepted() {
        assert_eq!(parse_period("30d"), Ok(Duration::from_secs(30 * 86_400)));
        assert_eq!(parse_period(" 2w "), Ok(Duration::from_secs(14 * 86_400)));
        assert_eq!(parse_period("12h"), Ok(Duration::from_secs(12 * 3600)));
        assert_eq!(parse_period("1d 12h"), Ok(Duration::from_secs(36 * 3600)));
        assert_eq!(parse_period("400d"), Ok(POLL_HISTORY_RETENTION));
    }

    #[test]
    fn bad_periods_say_what_to_write() {
        for (text, says) in [
            ("0d", "not after zero"),
            ("-3d", "not after zero"),
            ("thirty days", "write a number and a unit"),
            ("", "write a number and a unit"),
            ("1mo", "months or years"),
            ("1y", "months or years"),
            ("30m", "less than an hour (\"m\" means minutes)"),
            ("401d", "longer than the 400d of poll history"),
        ] {
            let err = parse_period(text).expect_err(text).to_string();
            assert!(err.contains(says), "{text}: {err}");
            assert!(err.contains("--period"), "{err}");
        }
    }

    #[test]
    fn a_period_ends_at_its_time() {
        let to: Timestamp = "2026-11-22T16:00:00Z".parse().unwrap();
        let p = Period::ending("7d", Duration::from_secs(7 * 86_400), to);
        assert_eq!(p.from, "2026-11-15T16:00:00Z".parse::<Timestamp>().unwrap());
        assert_eq!(p.length(), Duration::from_secs(7 * 86_400));
    }
}
