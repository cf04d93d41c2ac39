//! Building endpoint URLs from a configured base without string surgery.
//!
//! Vendor ids become path segments here and nowhere else, so an id can never
//! reach another endpoint: each segment is percent-encoded (a `/`, `?`, `#`,
//! `%` or `\` inside it stays part of it), and the few segments a URL cannot
//! carry faithfully are refused rather than silently changed.

use url::Url;

/// Why [`join`] built no URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JoinError {
    /// The base is not hierarchical (`mailto:`, `data:`); holds it, redacted.
    #[error("{0} cannot take a path (use an http or https URL)")]
    NotABase(String),
    /// A segment that would not arrive as itself. The segment is not quoted:
    /// it comes from a vendor and may hold anything, escape sequences included.
    #[error("path segment {position} {why}; refusing to build a request that could reach another endpoint")]
    BadSegment { position: usize, why: &'static str },
}

/// The old name, kept so callers that name the error type keep compiling.
pub type NotABase = JoinError;

/// `base` with `segments` appended as path segments, each percent-encoded
/// (a `/` inside a segment stays part of that segment). A trailing slash on
/// the base is not doubled; `&[""]` alone yields the base with one trailing slash.
///
/// Refused, because the URL would not carry them as given: `.` and `..`
/// (the `url` crate drops them, and servers resolve them, even encoded, as
/// "this" and "up a level"), an empty segment (`//` or a trailing `/` names
/// another resource), and tab, CR or LF (which URL parsing deletes, turning
/// one id into another).
pub fn join(base: &Url, segments: &[&str]) -> Result<Url, JoinError> {
    if segments != [""] {
        for (index, segment) in segments.iter().enumerate() {
            if let Some(why) = unsafe_segment(segment) {
                return Err(JoinError::BadSegment {
                    position: index + 1,
                    why,
                });
            }
        }
    }
    let mut url = base.clone();
    url.path_segments_mut()
        .map_err(|()| JoinError::NotABase(crate::http::redact_url(base)))?
        .pop_if_empty()
        .extend(segments);
    Ok(url)
}

/// Why `segment` cannot be one path segment, if it cannot.
fn unsafe_segment(segment: &str) -> Option<&'static str> {
    if segment.is_empty() {
        Some("is empty")
    } else if segment.contains(['\t', '\n', '\r']) {
        Some("holds a tab or line break, which URLs delete")
    } else if matches!(segment, "." | "..") {
        Some("is a dot segment (`.` or `..`), which URLs resolve as a relative path")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    /// What a server makes of one segment: `%XX` back to bytes, as UTF-8.
    fn percent_decode(segment: &str) -> String {
        let bytes = segment.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            match (bytes[i], segment.get(i + 1..i + 3)) {
                (b'%', Some(hex)) => {
                    out.push(u8::from_str_radix(hex, 16).unwrap());
                    i += 3;
                }
                (b, _) => {
                    out.push(b);
                    i += 1;
                }
            }
        }
        String::from_utf8(out).unwrap()
    }

    const BASE: &str = "https://api.example.com/crm/v3/objects/contacts";

    /// The URL for `id` under [`BASE`], as sent and as a server would read it.
    fn contact(id: &str) -> Url {
        join(&u(BASE), &[id]).unwrap()
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
    fn empty_segment_alone_gives_one_trailing_slash() {
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
    fn hostile_ids_stay_one_segment_under_the_base() {
        let hostile = [
            ("a/b", "a%2Fb"),
            ("../../owners", "..%2F..%2Fowners"),
            ("x?archived=true", "x%3Farchived=true"),
            ("x#frag", "x%23frag"),
            ("%2F", "%252F"),
            ("%2e%2e", "%252e%252e"),
            ("..%2F", "..%252F"),
            ("a b", "a%20b"),
            ("a\\b", "a%5Cb"),
            ("...", "..."),
            ("ünï/código", "%C3%BCn%C3%AF%2Fc%C3%B3digo"),
            ("\u{1b}[31m", "%1B[31m"),
        ];
        for (id, encoded) in hostile {
            let url = contact(id);
            assert_eq!(url.as_str(), format!("{BASE}/{encoded}"), "{id:?}");
            // Parsed back, as the server sees it: same host, same prefix, one segment more.
            let back = u(url.as_str());
            assert_eq!(back.host_str(), Some("api.example.com"), "{id:?}");
            assert_eq!(back.query(), None, "{id:?}");
            assert_eq!(back.fragment(), None, "{id:?}");
            let segments: Vec<&str> = back.path_segments().unwrap().collect();
            assert_eq!(segments.len(), 5, "{id:?} -> {segments:?}");
            assert_eq!(&segments[..4], ["crm", "v3", "objects", "contacts"], "{id:?}");
            assert_eq!(percent_decode(segments[4]), id, "the id arrives unchanged");
        }
    }

    #[test]
    fn the_url_crate_drops_dot_segments_so_join_refuses_them() {
        // Why join checks: pushed as is, `..` silently vanishes and the
        // request would go to the collection instead of one record.
        let mut raw = u(BASE);
        raw.path_segments_mut().unwrap().extend([".."]);
        assert_eq!(raw.as_str(), BASE);

        for id in [".", ".."] {
            let err = join(&u(BASE), &[id]).unwrap_err();
            assert!(
                matches!(err, JoinError::BadSegment { position: 1, .. }),
                "{id:?}: {err}"
            );
            assert!(err.to_string().contains("dot segment"), "{err}");
        }
    }

    #[test]
    fn tabs_and_line_breaks_are_refused_not_deleted() {
        // URL parsing deletes them: "1\n2" would become the id "12", and
        // ".\n." would become `..` after the dot check.
        for id in ["1\n2", ".\t.", "..\r", "\n"] {
            let err = join(&u(BASE), &[id]).unwrap_err();
            assert!(err.to_string().contains("tab or line break"), "{id:?}: {err}");
        }
    }

    #[test]
    fn empty_ids_are_refused_anywhere() {
        let base = u("https://us14.api.mailchimp.com/3.0");
        let err = join(&base, &["campaigns", "", "actions", "schedule"]).unwrap_err();
        assert_eq!(
            err,
            JoinError::BadSegment {
                position: 2,
                why: "is empty"
            }
        );
        assert!(join(&u(BASE), &[""]).is_ok(), "the index alone may end in a slash");
        assert!(
            join(&base, &["lists", ""]).is_err(),
            "an empty id would name the collection"
        );
    }

    #[test]
    fn refusals_do_not_echo_the_segment() {
        let err = join(&u(BASE), &["\u{1b}]52;c;bad\n"]).unwrap_err().to_string();
        assert!(!err.contains('\u{1b}') && !err.contains("bad"), "{err}");
        assert!(err.starts_with("path segment 1 holds a tab or line break"), "{err}");
    }

    #[test]
    fn fixed_segments_after_an_id_stay_in_place() {
        let url = join(
            &u("https://us14.api.mailchimp.com/3.0"),
            &["campaigns", "../lists/x", "actions", "schedule"],
        )
        .unwrap();
        assert_eq!(
            url.path(),
            "/3.0/campaigns/..%2Flists%2Fx/actions/schedule",
            "the action still targets the campaign"
        );
    }

    #[test]
    fn rejects_cannot_be_a_base() {
        let err = join(&u("mailto:ops@example.com"), &["x"]).unwrap_err();
        assert!(matches!(err, JoinError::NotABase(_)), "{err:?}");
    }
}
