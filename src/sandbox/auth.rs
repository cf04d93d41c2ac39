//! Reading the `Authorization` header the way the vendors do.

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// What a request presented as HTTP Basic credentials.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Basic {
    /// No `Authorization` header, or one of another scheme.
    Missing,
    /// A Basic header whose payload is not base64 `user:password`.
    Malformed,
    Present {
        user: String,
        password: String,
    },
}

pub(crate) fn basic(headers: &HeaderMap) -> Basic {
    let Some(payload) = scheme_value(headers, "basic") else {
        return Basic::Missing;
    };
    let Ok(decoded) = STANDARD.decode(payload.trim()) else {
        return Basic::Malformed;
    };
    let Ok(text) = String::from_utf8(decoded) else {
        return Basic::Malformed;
    };
    match text.split_once(':') {
        Some((user, password)) => Basic::Present {
            user: user.to_owned(),
            password: password.to_owned(),
        },
        None => Basic::Malformed,
    }
}

/// The token of an `Authorization: Bearer <token>` header.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    scheme_value(headers, "bearer").map(str::trim)
}

/// The value after `<scheme> `; the scheme is case-insensitive (RFC 9110).
fn scheme_value<'a>(headers: &'a HeaderMap, scheme: &str) -> Option<&'a str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (given, rest) = value.split_once(' ')?;
    given.eq_ignore_ascii_case(scheme).then_some(rest)
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn basic_decodes_user_and_password_with_colons_in_the_password() {
        let encoded = STANDARD.encode("anyuser:se:cret");
        assert_eq!(
            basic(&headers(&format!("Basic {encoded}"))),
            Basic::Present {
                user: "anyuser".into(),
                password: "se:cret".into()
            }
        );
        assert_eq!(
            basic(&headers(&format!("basic {encoded}"))),
            basic(&headers(&format!("Basic {encoded}")))
        );
    }

    #[test]
    fn basic_tells_missing_from_malformed() {
        assert_eq!(basic(&HeaderMap::new()), Basic::Missing);
        assert_eq!(basic(&headers("Bearer abc")), Basic::Missing);
        assert_eq!(basic(&headers("Basic !!!")), Basic::Malformed);
        let no_colon = STANDARD.encode("justakey");
        assert_eq!(basic(&headers(&format!("Basic {no_colon}"))), Basic::Malformed);
    }

    #[test]
    fn bearer_reads_the_token() {
        assert_eq!(bearer(&headers("Bearer pat-na1-x")), Some("pat-na1-x"));
        assert_eq!(bearer(&headers("Basic abc")), None);
        assert_eq!(bearer(&HeaderMap::new()), None);
    }
}
