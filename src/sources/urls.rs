//! Building endpoint URLs from a configured base without string surgery.

use url::Url;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0} cannot take a path (use an http or https URL)")]
pub struct NotABase(pub String);

/// `base` with `segments` appended as path segments, each percent-encoded
/// (a `/` inside a segment stays part of that segment). A trailing slash on
/// the base is not doubled; an empty last segment yields a trailing slash.
pub fn join(base: &Url, segments: &[&str]) -> Result<Url, NotABase> {
    let mut url = base.clone();
    url.path_segments_mut()
        .map_err(|()| NotABase(crate::http::redact_url(base)))?
        .pop_if_empty()
        .extend(segments);
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn keeps_the_base_path_prefix() {
        assert_eq!(
            join(&u("https://us14.api.mailchimp.com/3.0"), &["ping"])
                .unwrap()
                .as_str(),
            "https://us14.api.mailchimp.com/3.0/ping"
        );
        assert_eq!(
            join(&u("https://us14.api.mailchimp.com/3.0/"), &["ping"])
                .unwrap()
                .as_str(),
            "https://us14.api.mailchimp.com/3.0/ping"
        );
        assert_eq!(
            join(&u("http://127.0.0.1:4010"), &["ping"]).unwrap().as_str(),
            "http://127.0.0.1:4010/ping"
        );
    }

    #[test]
    fn empty_segment_gives_one_trailing_slash() {
        for base in ["https://blog.example/wp-json", "https://blog.example/wp-json/"] {
            assert_eq!(join(&u(base), &[""]).unwrap().as_str(), "https://blog.example/wp-json/");
        }
    }

    #[test]
    fn ids_are_percent_encoded() {
        assert_eq!(
            join(&u("https://h/lists"), &["a/b c?d#e"]).unwrap().as_str(),
            "https://h/lists/a%2Fb%20c%3Fd%23e"
        );
    }

    #[test]
    fn rejects_cannot_be_a_base() {
        assert!(join(&u("mailto:ops@example.com"), &["x"]).is_err());
    }
}
