//! Ages of records ("180d", "26w", "36h"): like durations, but counted in
//! days, and never in months or years, whose length varies.

use std::time::Duration;

use jiff::{SignedDuration, Span, SpanRelativeTo};

use super::format_duration;

const DAY: Duration = Duration::from_secs(86_400);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AgeError {
    #[error("bad age {0:?}: write a number and a unit (w, d, h), like \"180d\", \"26w\" or \"36h\"")]
    Syntax(String),
    #[error("age {0:?} counts months or years, whose length varies; write days instead, like \"180d\"")]
    Calendar(String),
    /// Below a day is surely a slip: "6m" is six minutes, not six months.
    #[error("age {text:?} is {shown}, less than a day (\"m\" means minutes); write days, like \"180d\"")]
    BelowADay { text: String, shown: String },
}

/// Parses an age of at least one day; days and weeks count as 24 hours and 7 days.
pub fn parse_age(text: &str) -> Result<Duration, AgeError> {
    let trimmed = text.trim();
    let syntax = || AgeError::Syntax(trimmed.to_owned());
    let span: Span = trimmed.parse().map_err(|_| syntax())?;
    if span.get_years() != 0 || span.get_months() != 0 {
        return Err(AgeError::Calendar(trimmed.to_owned()));
    }
    let signed: SignedDuration = span
        .to_duration(SpanRelativeTo::days_are_24_hours())
        .map_err(|_| syntax())?;
    match Duration::try_from(signed) {
        Ok(age) if age >= DAY => Ok(age),
        // Negative ages land here too.
        _ => Err(AgeError::BelowADay {
            text: trimmed.to_owned(),
            shown: format!("{signed:#}"),
        }),
    }
}

/// "180d", or "1d 12h" when it is not whole days.
pub fn format_age(age: Duration) -> String {
    let days = age.as_secs() / DAY.as_secs();
    let rest = age.saturating_sub(DAY * u32::try_from(days).unwrap_or(u32::MAX));
    match (days, rest.is_zero()) {
        (0, _) => format_duration(age),
        (d, true) => format!("{d}d"),
        (d, false) => format!("{d}d {}", format_duration(rest)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_weeks_and_hours_are_accepted() {
        assert_eq!(parse_age("180d"), Ok(DAY * 180));
        assert_eq!(parse_age(" 26w "), Ok(DAY * 182));
        assert_eq!(parse_age("36h"), Ok(Duration::from_secs(36 * 3600)));
        assert_eq!(parse_age("1 day 12 hours"), Ok(Duration::from_secs(36 * 3600)));
        assert_eq!(parse_age("P90D"), Ok(DAY * 90));
    }

    #[test]
    fn months_years_and_slips_are_refused_with_a_hint() {
        assert_eq!(parse_age("6mo"), Err(AgeError::Calendar("6mo".into())));
        assert_eq!(parse_age("1y"), Err(AgeError::Calendar("1y".into())));
        let slip = parse_age("6m").unwrap_err().to_string();
        assert!(slip.contains("less than a day") && slip.contains("minutes"), "{slip}");
        assert!(matches!(parse_age("-3d"), Err(AgeError::BelowADay { .. })));
        assert_eq!(parse_age("soon"), Err(AgeError::Syntax("soon".into())));
        assert!(matches!(parse_age(""), Err(AgeError::Syntax(_))));
    }

    #[test]
    fn formats_whole_days_as_days() {
        assert_eq!(format_age(DAY * 180), "180d");
        assert_eq!(format_age(Duration::from_secs(36 * 3600)), "1d 12h");
        assert_eq!(format_age(Duration::from_secs(3600)), "1h");
    }
}
