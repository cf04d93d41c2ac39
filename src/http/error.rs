//! Errors of the HTTP layer. Every field is already redacted: URLs have no
//! userinfo and masked query values, details are scrubbed of the source's secrets.

use std::time::Duration;

use jiff::Timestamp;

/// A call that produced no HTTP response. Non-2xx answers are not errors:
/// they come back as a [`super::Response`] for the caller to classify.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HttpError {
    /// The core is read-only and the request was not a GET/HEAD; nothing was sent.
    #[error("read-only mode: refused {method} {url} (request {request_id})")]
    ReadOnly {
        method: String,
        url: String,
        request_id: String,
    },
    /// The source's circuit breaker is open; nothing was sent.
    #[error("circuit open until {until} after repeated failures: {url} (request {request_id})")]
    CircuitOpen {
        until: Timestamp,
        url: String,
        request_id: String,
    },
    /// The vendor's last `Retry-After` has not run out; nothing was sent.
    #[error("rate limited: the vendor asked to wait until {until}: {url} (request {request_id})")]
    Waiting {
        until: Timestamp,
        url: String,
        request_id: String,
    },
    /// No complete response within the per-request timeout.
    #[error("timed out after {} ({attempts} attempt{}): {url} (request {request_id})", fmt_secs(*after), plural(*attempts))]
    Timeout {
        after: Duration,
        attempts: u32,
        url: String,
        request_id: String,
    },
    /// The connection could not be made (DNS, refused, TLS).
    #[error("connection failed ({attempts} attempt{}): {detail}: {url} (request {request_id})", plural(*attempts))]
    Connect {
        detail: String,
        attempts: u32,
        url: String,
        request_id: String,
    },
    /// The response started but its body could not be read.
    #[error("response body unreadable ({attempts} attempt{}): {detail}: {url} (request {request_id})", plural(*attempts))]
    Body {
        detail: String,
        attempts: u32,
        url: String,
        request_id: String,
    },
    /// The body (as announced by `Content-Length`, or as read so far) exceeds
    /// the policy's `max_body`; reading stopped there. Never retried.
    #[error("response larger than {} from {url} (request {request_id})", fmt_size(*limit))]
    TooLarge {
        /// The cap in bytes.
        limit: usize,
        attempts: u32,
        url: String,
        request_id: String,
    },
    /// Any other failure to send: bad request parts, redirect loops, protocol errors.
    #[error("request failed ({attempts} attempt{}): {detail}: {url} (request {request_id})", plural(*attempts))]
    Request {
        detail: String,
        attempts: u32,
        url: String,
        request_id: String,
    },
}

impl HttpError {
    /// Attempts made on the wire; 0 when refused before sending.
    pub fn attempts(&self) -> u32 {
        match self {
            HttpError::ReadOnly { .. } | HttpError::CircuitOpen { .. } | HttpError::Waiting { .. } => 0,
            HttpError::Timeout { attempts, .. }
            | HttpError::Connect { attempts, .. }
            | HttpError::Body { attempts, .. }
            | HttpError::TooLarge { attempts, .. }
            | HttpError::Request { attempts, .. } => *attempts,
        }
    }

    pub fn request_id(&self) -> &str {
        match self {
            HttpError::ReadOnly { request_id, .. }
            | HttpError::CircuitOpen { request_id, .. }
            | HttpError::Waiting { request_id, .. }
            | HttpError::Timeout { request_id, .. }
            | HttpError::Connect { request_id, .. }
            | HttpError::Body { request_id, .. }
            | HttpError::TooLarge { request_id, .. }
            | HttpError::Request { request_id, .. } => request_id,
        }
    }

    /// The redacted URL.
    pub fn url(&self) -> &str {
        match self {
            HttpError::ReadOnly { url, .. }
            | HttpError::CircuitOpen { url, .. }
            | HttpError::Waiting { url, .. }
            | HttpError::Timeout { url, .. }
            | HttpError::Connect { url, .. }
            | HttpError::Body { url, .. }
            | HttpError::TooLarge { url, .. }
            | HttpError::Request { url, .. } => url,
        }
    }
}

/// The process-wide client could not be built (e.g. the TLS backend failed to load).
#[derive(Debug, thiserror::Error)]
#[error("cannot build the HTTP client: {detail}")]
pub struct ClientInitError {
    pub detail: String,
}

/// "10s", "1.5s", "250ms": short enough for a status line.
pub fn fmt_secs(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{}ms", d.as_millis())
    } else if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

/// A byte count as a person reads it: "32 MiB", "1.5 MiB", "64 KiB", "900 bytes".
pub fn fmt_size(bytes: usize) -> String {
    const KIB: usize = 1024;
    const MIB: usize = 1024 * KIB;
    let (unit, name) = match bytes {
        b if b >= MIB => (MIB, "MiB"),
        b if b >= KIB => (KIB, "KiB"),
        _ => return format!("{bytes} bytes"),
    };
    if bytes.is_multiple_of(unit) {
        format!("{} {name}", bytes / unit)
    } else {
        format!("{:.1} {name}", bytes as f64 / unit as f64)
    }
}

fn plural(n: u32) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(fmt_secs(Duration::from_millis(250)), "250ms");
        assert_eq!(fmt_secs(Duration::from_secs(10)), "10s");
        assert_eq!(fmt_secs(Duration::from_millis(1500)), "1.5s");
    }

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(fmt_size(32 * 1024 * 1024), "32 MiB");
        assert_eq!(fmt_size(3 * 512 * 1024), "1.5 MiB");
        assert_eq!(fmt_size(64 * 1024), "64 KiB");
        assert_eq!(fmt_size(900), "900 bytes");
    }

    #[test]
    fn too_large_message_names_the_cap_and_the_url() {
        let e = HttpError::TooLarge {
            limit: 32 * 1024 * 1024,
            attempts: 1,
            url: "https://x/lists".into(),
            request_id: "r1".into(),
        };
        assert_eq!(
            e.to_string(),
            "response larger than 32 MiB from https://x/lists (request r1)"
        );
        assert_eq!((e.attempts(), e.url()), (1, "https://x/lists"));
    }

    #[test]
    fn timeout_message_says_how_long_and_how_often() {
        let e = HttpError::Timeout {
            after: Duration::from_secs(10),
            attempts: 3,
            url: "https://x/ping".into(),
            request_id: "r1".into(),
        };
        assert_eq!(
            e.to_string(),
            "timed out after 10s (3 attempts): https://x/ping (request r1)"
        );
        assert_eq!(e.attempts(), 3);
    }
}
