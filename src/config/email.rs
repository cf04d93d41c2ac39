//! A plausibility check for configured email addresses: enough to catch a
//! typo or a pasted list in one string, not RFC 5322 (Mailchimp has the
//! final word when the test email is sent).

/// One `@` with text on both sides, and no whitespace or control characters.
pub(crate) fn is_plausible_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.is_empty()
        && !domain.contains('@')
        && !text.chars().any(|c| c.is_whitespace() || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_addresses() {
        for ok in ["ops@example.com", "first.last+test@mail.example.co.uk", "a@b"] {
            assert!(is_plausible_email(ok), "{ok}");
        }
    }

    #[test]
    fn refuses_what_cannot_be_one_address() {
        for bad in [
            "",
            "ops",
            "@example.com",
            "ops@",
            "ops@@example.com",
            "a@b@c",
            "ops @example.com",
            "ops@example.com, qa@example.com",
            "ops@example.com\n",
            "ops@exa\u{7}mple.com",
        ] {
            assert!(!is_plausible_email(bad), "{bad:?} accepted");
        }
    }
}
