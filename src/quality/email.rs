//! Email addresses as the rules see them: normalised for joining, checked
//! for syntax, and split around plus-addressing tags.
//!
//! Hand-written on purpose: the checks are few, run a million times a pass,
//! and a regex would be both slower and harder to read than these lines.

use std::borrow::Cow;

/// RFC 5321: at most 64 octets before the `@`.
pub const MAX_LOCAL_LEN: usize = 64;
/// RFC 5321 path limit minus the angle brackets.
pub const MAX_EMAIL_LEN: usize = 254;
/// RFC 1035: at most 63 octets per DNS label.
pub const MAX_LABEL_LEN: usize = 63;

/// The join key: surrounding whitespace trimmed, case folded (Unicode-aware).
/// `None` when nothing is left. Borrows when the address is already
/// normalised, which is the common case, so the hot path does not allocate.
pub fn normalise(raw: &str) -> Option<Cow<'_, str>> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return None;
    }
    let already_lower = if trimmed.is_ascii() {
        !trimmed.bytes().any(|b| b.is_ascii_uppercase())
    } else {
        !trimmed.chars().any(char::is_uppercase)
    };
    Some(if already_lower {
        Cow::Borrowed(trimmed)
    } else {
        Cow::Owned(trimmed.to_lowercase())
    })
}

/// Whether a (normalised) address is syntactically deliverable:
/// exactly one `@`; a non-empty local part of at most 64 octets without
/// leading, trailing or doubled dots; a domain with at least one dot, no
/// empty label, labels of at most 63 octets that neither start nor end
/// with `-`; no whitespace or control characters; at most 254 octets in all.
/// Non-ASCII letters are allowed on both sides (RFC 6531, IDN). Quoted local
/// parts and IP-literal domains are rejected: the email platforms refuse them.
pub fn is_valid(email: &str) -> bool {
    if email.is_empty() || email.len() > MAX_EMAIL_LEN {
        return false;
    }
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    valid_local(local) && valid_domain(domain)
}

fn valid_local(local: &str) -> bool {
    if local.is_empty() || local.len() > MAX_LOCAL_LEN {
        return false;
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return false;
    }
    local.chars().all(|c| {
        if c.is_ascii() {
            // RFC 5322 atext plus the dot.
            c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c)
        } else {
            !c.is_whitespace() && !c.is_control()
        }
    })
}

fn valid_domain(domain: &str) -> bool {
    // The split took the first `@`, so a second one lands here and fails the label check.
    if !domain.contains('.') {
        return false;
    }
    domain.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= MAX_LABEL_LEN
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| {
                if c.is_ascii() {
                    c.is_ascii_alphanumeric() || c == '-'
                } else {
                    !c.is_whitespace() && !c.is_control()
                }
            })
    })
}

/// For a plus-addressed (normalised) email, the address without its tag:
/// `ann+news@x.com` -> `ann@x.com`. `None` when there is no tag, or nothing
/// before it (`+news@x.com` is an address of its own).
pub fn plus_base(email: &str) -> Option<String> {
    let (local, domain) = email.rsplit_once('@')?;
    let (base, _tag) = local.split_once('+')?;
    if base.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(base.len() + 1 + domain.len());
    out.push_str(base);
    out.push('@');
    out.push_str(domain);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalising_trims_and_folds_case_and_borrows_when_it_can() {
        assert_eq!(normalise("  Ann@Example.COM \t").as_deref(), Some("ann@example.com"));
        assert!(matches!(normalise("ann@example.com"), Some(Cow::Borrowed(_))));
        assert_eq!(normalise("ÉLODIE@Café.fr").as_deref(), Some("élodie@café.fr"));
        assert_eq!(normalise("   "), None);
        assert_eq!(normalise(""), None);
    }

    #[test]
    fn accepts_ordinary_and_unicode_addresses() {
        for ok in [
            "ann@example.com",
            "ann.lee+news@mail.example.co.uk",
            "o'brien@example.ie",
            "élodie@café.fr",
            "用户@例子.广告",
            "a@b.co",
            "x-y_z@sub-domain.example.com",
        ] {
            assert!(is_valid(ok), "{ok} should be valid");
        }
    }

    #[test]
    fn rejects_broken_syntax() {
        let long_local = format!("{}@example.com", "a".repeat(65));
        let long_label = format!("a@{}.com", "b".repeat(64));
        let long_total = format!("a@{}.com", vec!["b".repeat(60); 5].join("."));
        for bad in [
            "",
            "ann",
            "ann@",
            "@example.com",
            "ann@@example.com",
            "ann@bob@example.com",
            "ann@example",
            "ann@example.",
            "ann@.example.com",
            "ann@example..com",
            "ann lee@example.com",
            "ann@exa mple.com",
            "ann\u{7}@example.com",
            "ann@example.com\u{0}",
            ".ann@example.com",
            "ann.@example.com",
            "an..n@example.com",
            "ann@-example.com",
            "ann@example-.com",
            "ann@exa_mple.com",
            "\"ann\"@example.com",
            "ann@[127.0.0.1]",
            "ann\u{a0}lee@example.com",
            long_local.as_str(),
            long_label.as_str(),
            long_total.as_str(),
        ] {
            assert!(!is_valid(bad), "{bad:?} should be invalid");
        }
        assert!(
            is_valid(&format!("{}@example.com", "a".repeat(64))),
            "64 octets is the limit, not over it"
        );
    }

    #[test]
    fn plus_base_strips_the_tag_only_when_there_is_one() {
        assert_eq!(plus_base("ann+news@x.com").as_deref(), Some("ann@x.com"));
        assert_eq!(plus_base("ann+a+b@x.com").as_deref(), Some("ann@x.com"));
        assert_eq!(plus_base("ann@x.com"), None);
        assert_eq!(plus_base("+news@x.com"), None);
        assert_eq!(plus_base("ann+news"), None);
    }
}
