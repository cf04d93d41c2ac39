//! Which URLs may be reached without TLS: only this machine (loopback).

use url::{Host, Url};

/// True for `http://` to anything but loopback: requests, and the
/// credentials they carry, would cross a network in clear text.
pub(crate) fn is_plaintext_off_loopback(url: &Url) -> bool {
    url.scheme() == "http" && !is_loopback(url)
}

/// 127.0.0.0/8, `::1` and `localhost`. Names that merely resolve to
/// loopback (`*.localhost`, /etc/hosts entries) do not count: resolution
/// can change, and the rule must hold for the URL as written.
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plaintext(s: &str) -> bool {
        is_plaintext_off_loopback(&Url::parse(s).unwrap())
    }

    #[test]
    fn loopback_http_is_fine_anything_else_needs_https() {
        for ok in [
            "http://127.0.0.1:4010/hubspot",
            "http://127.9.8.7/",
            "http://[::1]:8080/",
            "http://localhost/",
            "http://LOCALHOST:1/",
            // The url crate reads these forms of 127.0.0.1 as the address itself.
            "http://2130706433/",
            "http://0x7f.1/",
            "https://api.hubapi.com",
            "https://10.0.0.5/",
        ] {
            assert!(!plaintext(ok), "{ok}");
        }
        for refused in [
            "http://api.hubapi.com",
            "http://10.0.0.5/",
            "http://0.0.0.0:4010/",
            "http://[::ffff:10.0.0.1]/",
            "http://localhost.evil.com/",
            "http://app.localhost/",
            "http://128.0.0.1/",
        ] {
            assert!(plaintext(refused), "{refused}");
        }
    }
}
