//! Keeping secrets out of everything the HTTP layer prints.

use std::error::Error as StdError;

use secrecy::{ExposeSecret, SecretString};
use url::Url;

/// The URL as it may be shown: no userinfo, no fragment, every query value
/// masked (`?token=***&limit=***`), since any parameter may carry a key.
pub fn redact_url(url: &Url) -> String {
    let mut shown = url.clone();
    // Both only fail for cannot-be-a-base URLs, which have no userinfo anyway.
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.set_fragment(None);
    if shown.query().is_some() {
        let keys: Vec<String> = shown.query_pairs().map(|(k, _)| k.into_owned()).collect();
        if keys.is_empty() {
            shown.set_query(None);
        } else {
            shown
                .query_pairs_mut()
                .clear()
                .extend_pairs(keys.iter().map(|k| (k.as_str(), "***")));
        }
    }
    shown.to_string()
}

/// Replaces known secret strings (and their URL-encoded forms) in free text.
#[derive(Clone, Default)]
pub struct Scrubber {
    secrets: Vec<SecretString>,
}

impl std::fmt::Debug for Scrubber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Scrubber({} secrets)", self.secrets.len())
    }
}

pub const MASK: &str = "***";

impl Scrubber {
    pub fn new(secrets: impl IntoIterator<Item = SecretString>) -> Self {
        let mut s = Scrubber::default();
        for secret in secrets {
            s.add(secret);
        }
        s
    }

    pub fn add(&mut self, secret: SecretString) {
        if !secret.expose_secret().is_empty() {
            self.secrets.push(secret);
            // Longest first, so a secret that contains another is masked whole.
            self.secrets.sort_by_key(|s| std::cmp::Reverse(s.expose_secret().len()));
        }
    }

    pub fn scrub(&self, text: &str) -> String {
        // Vendor text is shown on one line and written to logs: line breaks
        // and tabs become spaces, other control characters (terminal escapes)
        // go, first, so a secret split by an escape is still found below.
        let mut out: String = text
            .chars()
            .filter_map(|c| match c {
                '\n' | '\r' | '\t' => Some(' '),
                c if c.is_control() => None,
                c => Some(c),
            })
            .collect();
        for secret in &self.secrets {
            let raw = secret.expose_secret();
            let form: String = url::form_urlencoded::byte_serialize(raw.as_bytes()).collect();
            let path: String = url::form_urlencoded::byte_serialize(raw.as_bytes())
                .collect::<String>()
                .replace('+', "%20");
            for variant in [raw, form.as_str(), path.as_str()] {
                if !variant.is_empty() && out.contains(variant) {
                    out = out.replace(variant, MASK);
                }
            }
        }
        out
    }

    /// An error and its whole source chain on one line, scrubbed.
    pub fn describe(&self, err: &(dyn StdError + 'static)) -> String {
        let mut parts = vec![err.to_string()];
        let mut source = err.source();
        while let Some(cause) = source {
            let text = cause.to_string();
            // reqwest and hyper often repeat the inner message; keep it once.
            if !parts.iter().any(|p| p.contains(&text)) {
                parts.push(text);
            }
            source = cause.source();
        }
        self.scrub(&parts.join(": "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_become_spaces_and_cannot_hide_a_secret() {
        let scrub = Scrubber::new(vec![SecretString::from("tok123".to_string())]);
        assert_eq!(scrub.scrub("a\u{1b}[2Jb\nc"), "a[2Jb c");
        assert_eq!(scrub.scrub("key tok\u{1b}123 here"), "key *** here");
    }

    #[test]
    fn url_loses_userinfo_fragment_and_query_values() {
        let url = Url::parse("https://user:pw@host/a/b?token=abc&limit=1#frag").unwrap();
        assert_eq!(redact_url(&url), "https://host/a/b?token=***&limit=***");
    }

    #[test]
    fn url_without_query_is_unchanged() {
        let url = Url::parse("http://127.0.0.1:8080/wp-json/").unwrap();
        assert_eq!(redact_url(&url), "http://127.0.0.1:8080/wp-json/");
    }

    #[test]
    fn scrubs_raw_and_encoded_secrets() {
        let s = Scrubber::new([SecretString::from("s3cr3t/+key")]);
        let text = "got s3cr3t/+key and s3cr3t%2F%2Bkey in it";
        assert_eq!(s.scrub(text), "got *** and *** in it");
    }

    #[test]
    fn empty_secret_does_not_mangle_text() {
        let s = Scrubber::new([SecretString::from("")]);
        assert_eq!(s.scrub("hello"), "hello");
    }

    #[test]
    fn debug_never_shows_secrets() {
        let s = Scrubber::new([SecretString::from("hunter2")]);
        assert!(!format!("{s:?}").contains("hunter2"));
    }
}
