//! Rates for `[pipeline.thresholds]`: a percentage ("2%", "0.5 %") or a
//! fraction (0.02), stored as a fraction in 0..=1.

/// Why a rate was refused. Rate text is not secret, so it is quoted back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RateError {
    #[error("bad rate {0:?}: write a percentage like \"2%\" or a fraction like 0.02")]
    Syntax(String),
    #[error("{0:?} is out of range: a percentage must be between 0% and 100%")]
    PercentOutOfRange(String),
    #[error(
        "{0} is out of range: a fraction must be between 0 and 1 (0.02 = 2%); for a percentage write it with a % sign, like \"2%\""
    )]
    FractionOutOfRange(String),
    /// A bare number between 1 and 100, most likely a percentage without its sign.
    #[error("{0} is out of range: a fraction must be between 0 and 1 (0.02 = 2%); did you mean \"{0}%\"?")]
    MissingPercentSign(String),
}

/// Parses rate text: "2%", "0.5 %" or a bare fraction "0.02".
pub fn parse_rate(text: &str) -> Result<f64, RateError> {
    let trimmed = text.trim();
    match trimmed.strip_suffix('%') {
        Some(number) => {
            let percent = finite_number(number.trim()).ok_or_else(|| RateError::Syntax(trimmed.to_owned()))?;
            if (0.0..=100.0).contains(&percent) {
                Ok(percent / 100.0)
            } else {
                Err(RateError::PercentOutOfRange(trimmed.to_owned()))
            }
        }
        None => {
            let fraction = finite_number(trimmed).ok_or_else(|| RateError::Syntax(trimmed.to_owned()))?;
            rate_from_fraction(fraction, trimmed)
        }
    }
}

/// Accepts `fraction` when it is within 0..=1; `shown` is how the file wrote it.
pub fn rate_from_fraction(fraction: f64, shown: &str) -> Result<f64, RateError> {
    // NaN fails `contains`, so it is refused with the range.
    if (0.0..=1.0).contains(&fraction) {
        Ok(fraction)
    } else if fraction > 1.0 && fraction <= 100.0 {
        Err(RateError::MissingPercentSign(shown.to_owned()))
    } else {
        Err(RateError::FractionOutOfRange(shown.to_owned()))
    }
}

/// A fraction as a percentage, the way the config writes it: 0.005 -> "0.5%".
pub fn format_rate(fraction: f64) -> String {
    let percent = format!("{:.3}", fraction * 100.0);
    let percent = percent.trim_end_matches('0').trim_end_matches('.');
    format!("{percent}%")
}

/// Plain decimal numbers only: `f64::from_str` would also take "inf" and "NaN".
fn finite_number(text: &str) -> Option<f64> {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'));
    text.parse::<f64>().ok().filter(|n| plain && n.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_and_fractions_become_fractions() {
        assert_eq!(parse_rate("2%"), Ok(0.02));
        assert_eq!(parse_rate("0.5 %"), Ok(0.005));
        assert_eq!(parse_rate(" 100% "), Ok(1.0));
        assert_eq!(parse_rate("0%"), Ok(0.0));
        assert_eq!(parse_rate("0.02"), Ok(0.02));
        assert_eq!(rate_from_fraction(0.25, "0.25"), Ok(0.25));
    }

    #[test]
    fn out_of_range_names_the_range() {
        for text in ["150%", "-1%", "100.01%"] {
            let err = parse_rate(text).unwrap_err();
            assert_eq!(err, RateError::PercentOutOfRange(text.to_owned()));
            assert!(err.to_string().contains("between 0% and 100%"), "{err}");
        }
        let err = rate_from_fraction(-1.0, "-1").unwrap_err();
        assert_eq!(
            err.to_string(),
            "-1 is out of range: a fraction must be between 0 and 1 (0.02 = 2%); for a percentage write it with a % sign, like \"2%\""
        );
        let err = rate_from_fraction(2.0, "2").unwrap_err();
        assert_eq!(err, RateError::MissingPercentSign("2".to_owned()));
        assert!(err.to_string().ends_with("did you mean \"2%\"?"), "{err}");
        assert_eq!(parse_rate("150"), Err(RateError::FractionOutOfRange("150".to_owned())));
        assert!(rate_from_fraction(f64::NAN, "nan").is_err());
    }

    #[test]
    fn refuses_text_that_is_not_a_number() {
        for text in ["", "%", "two%", "inf%", "NaN", "2 percent", "2%%", "1_000%"] {
            assert!(
                matches!(parse_rate(text), Err(RateError::Syntax(_))),
                "{text:?} accepted: {:?}",
                parse_rate(text)
            );
        }
    }

    #[test]
    fn formats_like_the_config_writes_it() {
        assert_eq!(format_rate(0.02), "2%");
        assert_eq!(format_rate(0.005), "0.5%");
        assert_eq!(format_rate(0.0125), "1.25%");
        assert_eq!(format_rate(1.0), "100%");
        assert_eq!(format_rate(0.0), "0%");
        for text in ["2%", "0.5%", "15%", "0.125%"] {
            assert_eq!(format_rate(parse_rate(text).unwrap()), text);
        }
    }
}
