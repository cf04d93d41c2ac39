//! What a connector hands the client, and what it gets back.

use std::fmt;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use super::redact::{Scrubber, redact_url};
use crate::model::RateLimitInfo;

/// Credentials for one request; the secrets go out only as sensitive headers.
#[derive(Clone, Default)]
pub enum Auth {
    #[default]
    None,
    Basic {
        user: String,
        password: SecretString,
    },
    Bearer(SecretString),
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::None => f.write_str("None"),
            Auth::Basic { user, .. } => write!(f, "Basic {{ user: {user:?}, password: *** }}"),
            Auth::Bearer(_) => f.write_str("Bearer(***)"),
        }
    }
}

#[derive(Clone)]
pub struct Request {
    pub method: Method,
    pub url: Url,
    pub auth: Auth,
    pub body: Option<serde_json::Value>,
    pub headers: HeaderMap,
    /// Follow 3xx answers (up to 10; credentials are dropped on a change of
    /// host). Off, a 3xx comes back as the response.
    pub follow_redirects: bool,
    /// Sent as `X-Request-Id` and reported back; `None`: the client makes one.
    /// An action's executor sets it so its audit record and the vendor's logs agree.
    pub request_id: Option<String>,
    /// A POST that only reads (a search API): read-only mode lets it
    /// through and it may be retried like a GET. Set only by connectors, for
    /// endpoints whose contract says they change nothing.
    pub read_only_query: bool,
}

impl Request {
    pub fn new(method: Method, url: Url) -> Self {
        Request {
            method,
            url,
            auth: Auth::None,
            body: None,
            headers: HeaderMap::new(),
            follow_redirects: true,
            request_id: None,
            read_only_query: false,
        }
    }

    pub fn get(url: Url) -> Self {
        Request::new(Method::GET, url)
    }

    pub fn with_auth(mut self, auth: Auth) -> Self {
        self.auth = auth;
        self
    }

    pub fn with_json(mut self, body: serde_json::Value) -> Self {
        self.body = Some(body);
        self
    }

    pub fn without_redirects(mut self) -> Self {
        self.follow_redirects = false;
        self
    }

    /// Tag the call with the caller's id instead of a fresh one.
    pub fn with_request_id(mut self, id: impl Into<String>) -> Self {
        self.request_id = Some(id.into());
        self
    }

    /// Marks a POST as a query that changes nothing (HubSpot's search):
    /// allowed in read-only mode and retried like a GET.
    pub fn as_read_only_query(mut self) -> Self {
        self.read_only_query = true;
        self
    }

    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }
}

impl Request {
    /// The URL as it may be shown: redacted, and scrubbed of this request's
    /// own credentials wherever they might also appear.
    pub fn shown_url(&self) -> String {
        Scrubber::new(self.auth.secrets()).scrub(&redact_url(&self.url))
    }
}

impl Auth {
    /// Every form in which these credentials can come back in text: the raw
    /// secret, and for Basic the base64 `user:password` a server may echo
    /// from the `Authorization` header.
    pub(crate) fn secrets(&self) -> Vec<SecretString> {
        match self {
            Auth::None => Vec::new(),
            Auth::Basic { user, password } => {
                let pair = format!("{user}:{}", password.expose_secret());
                vec![password.clone(), SecretString::from(STANDARD.encode(pair))]
            }
            Auth::Bearer(token) => vec![token.clone()],
        }
    }
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("url", &self.shown_url())
            .field("auth", &self.auth)
            .field("has_body", &self.body.is_some())
            .field("request_id", &self.request_id)
            .finish_non_exhaustive()
    }
}

/// Any HTTP answer, 2xx or not: classifying it is the caller's business.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// Wall time of the whole call: waits, backoffs and all attempts.
    pub latency: Duration,
    /// Time on the wire of each attempt, in order.
    pub attempt_latencies: Vec<Duration>,
    pub attempts: u32,
    /// Sent as `X-Request-Id` on every attempt of this call.
    pub request_id: String,
    /// From the vendor's headers, else from the client-side limiter.
    pub rate_limit: Option<RateLimitInfo>,
    /// The server's `Retry-After` on the final 429/503, when it gave one.
    pub retry_after: Option<Duration>,
    /// The redacted URL.
    pub url: String,
}
