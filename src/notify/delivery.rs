//! Posting a notification to the webhooks. One POST per webhook that wants
//! it, never retried: a webhook that timed out may well have posted, and a
//! duplicate in a chat channel is worse than a gap the cockpit still shows.
//! Errors name the webhook and the HTTP status, never the URL or its token.

use std::sync::Arc;
use std::time::Duration;

use futures::future::join_all;
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use super::{Notification, Trigger};
use crate::http::{CONNECT_TIMEOUT, Scrubber, USER_AGENT, fmt_secs};

/// The whole POST, answer included.
pub const TOTAL_TIMEOUT: Duration = Duration::from_secs(10);
/// Bytes of an error answer read for its reason; the rest is dropped.
const BODY_PEEK: usize = 1024;

/// What happened to one POST.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The webhook's name from the config.
    pub webhook: String,
    pub result: Result<(), DeliveryError>,
}

/// Why a webhook did not take a message. Never holds the URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    /// It answered, but not with 2xx. `reason` is a short error code from
    /// the answer when it gives one (Slack's "no_service", "invalid_token").
    #[error("webhook {webhook:?} answered HTTP {status}{}{}",
        canonical(*status).map(|c| format!(" {c}")).unwrap_or_default(),
        reason.as_ref().map(|r| format!(": {r}")).unwrap_or_default())]
    Status {
        webhook: String,
        status: u16,
        reason: Option<String>,
    },
    #[error("webhook {webhook:?} did not answer within {}; not retried, as it may have posted", fmt_secs(*after))]
    Timeout { webhook: String, after: Duration },
    #[error("webhook {webhook:?} could not be reached: {detail}")]
    Transport { webhook: String, detail: String },
}

impl DeliveryError {
    /// The webhook's name.
    pub fn webhook(&self) -> &str {
        match self {
            DeliveryError::Status { webhook, .. }
            | DeliveryError::Timeout { webhook, .. }
            | DeliveryError::Transport { webhook, .. } => webhook,
        }
    }

    /// The HTTP status, when it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            DeliveryError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

fn canonical(status: u16) -> Option<&'static str> {
    reqwest::StatusCode::from_u16(status).ok()?.canonical_reason()
}

/// One resolved webhook.
#[derive(Clone)]
pub(super) struct Endpoint {
    pub name: String,
    pub on: Vec<Trigger>,
    url: SecretString,
    /// Masks the URL, its path and its parts wherever an error might quote them.
    scrubber: Scrubber,
}

impl Endpoint {
    pub fn new(name: String, on: Vec<Trigger>, url: &Url) -> Self {
        let mut parts: Vec<String> = vec![url.as_str().to_owned(), url.path().to_owned()];
        parts.extend(
            url.path_segments()
                .into_iter()
                .flatten()
                .filter(|s| s.len() >= 6)
                .map(str::to_owned),
        );
        parts.extend(url.query_pairs().map(|(_, v)| v.into_owned()).filter(|v| v.len() >= 6));
        let scrubber = Scrubber::new(parts.into_iter().filter(|p| p != "/").map(SecretString::from));
        Endpoint {
            name,
            on,
            url: SecretString::from(url.as_str().to_owned()),
            scrubber,
        }
    }
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("name", &self.name)
            .field("on", &self.on)
            .field("url", &"***")
            .finish()
    }
}

/// The client and the webhooks; cheap to clone into a task.
#[derive(Clone, Debug)]
pub(super) struct Sender {
    client: reqwest::Client,
    endpoints: Arc<[Endpoint]>,
    timeout: Duration,
}

impl Sender {
    /// rustls, connect within 5 s, the whole POST within `timeout`, no
    /// redirects (a redirected webhook would post the message somewhere else).
    pub fn new(endpoints: Vec<Endpoint>, timeout: Duration) -> Result<Sender, String> {
        let client = reqwest::Client::builder()
            .use_rustls_tls()
            .user_agent(USER_AGENT)
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Scrubber::default().describe(&e.without_url()))?;
        Ok(Sender {
            client,
            endpoints: endpoints.into(),
            timeout,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.endpoints.is_empty()
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.endpoints.iter().map(|e| e.name.as_str())
    }

    /// POSTs to every webhook that wants some of `n`, all at once.
    pub fn deliver(&self, n: &Notification) -> impl Future<Output = Vec<Delivery>> + Send + 'static {
        let posts: Vec<_> = self
            .endpoints
            .iter()
            .filter_map(|e| {
                let body = n.body_for(|t| e.on.contains(&t))?;
                Some(post(self.client.clone(), e.clone(), body, self.timeout))
            })
            .collect();
        join_all(posts)
    }
}

async fn post(client: reqwest::Client, endpoint: Endpoint, body: serde_json::Value, timeout: Duration) -> Delivery {
    let result = send(&client, &endpoint, &body, timeout).await;
    Delivery {
        webhook: endpoint.name,
        result,
    }
}

async fn send(
    client: &reqwest::Client,
    endpoint: &Endpoint,
    body: &serde_json::Value,
    timeout: Duration,
) -> Result<(), DeliveryError> {
    let failed = |e: reqwest::Error| {
        if e.is_timeout() {
            DeliveryError::Timeout {
                webhook: endpoint.name.clone(),
                after: timeout,
            }
        } else {
            DeliveryError::Transport {
                webhook: endpoint.name.clone(),
                detail: endpoint.scrubber.describe(&e.without_url()),
            }
        }
    };
    let mut response = client
        .post(endpoint.url.expose_secret())
        .json(body)
        .send()
        .await
        .map_err(failed)?;
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    // The start of the answer, for a short error code; a slow or broken
    // body only costs the reason, never the status.
    let mut peek = Vec::new();
    while peek.len() < BODY_PEEK {
        match response.chunk().await {
            Ok(Some(chunk)) => peek.extend_from_slice(&chunk),
            Ok(None) | Err(_) => break,
        }
    }
    Err(DeliveryError::Status {
        webhook: endpoint.name.clone(),
        status: status.as_u16(),
        reason: error_code(&endpoint.scrubber, &peek),
    })
}

/// A short code like Slack's `channel_is_archived`; anything else (an HTML
/// page, JSON, a page that quotes the request) is left out.
fn error_code(scrubber: &Scrubber, body: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?.trim();
    let looks_like_code = !text.is_empty()
        && text.len() <= 64
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ' '));
    looks_like_code.then(|| scrubber.scrub(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_short_codes_are_kept_from_an_answer_and_never_the_url() {
        let url = Url::parse("https://hooks.example.com/services/T01ABC/B02DEF/s3cr3tT0kenXYZ").unwrap();
        let e = Endpoint::new("ops".into(), Trigger::ALL.to_vec(), &url);
        assert_eq!(
            error_code(&e.scrubber, b"channel_is_archived\n").as_deref(),
            Some("channel_is_archived")
        );
        assert_eq!(error_code(&e.scrubber, b"<html><body>Not Found</body></html>"), None);
        assert_eq!(error_code(&e.scrubber, b"{\"error\":\"x\"}"), None);
        assert_eq!(
            error_code(&e.scrubber, b"no such hook s3cr3tT0kenXYZ").as_deref(),
            Some("no such hook ***")
        );
        assert!(!format!("{e:?}").contains("s3cr3t"));
    }

    #[test]
    fn errors_read_as_a_person_needs_them() {
        let status = DeliveryError::Status {
            webhook: "ops".into(),
            status: 404,
            reason: Some("no_service".into()),
        };
        assert_eq!(
            status.to_string(),
            "webhook \"ops\" answered HTTP 404 Not Found: no_service"
        );
        assert_eq!((status.webhook(), status.status()), ("ops", Some(404)));
        let timeout = DeliveryError::Timeout {
            webhook: "ops".into(),
            after: TOTAL_TIMEOUT,
        };
        assert_eq!(
            timeout.to_string(),
            "webhook \"ops\" did not answer within 10s; not retried, as it may have posted"
        );
    }

    /// A server that accepts and never answers: the POST ends at the timeout.
    #[tokio::test]
    async fn a_webhook_that_never_answers_times_out_and_the_error_has_no_url() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let hold = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                held.push(socket);
            }
        });
        let url = Url::parse(&format!("http://{addr}/hooks/s3cr3tT0ken")).unwrap();
        let sender = Sender::new(
            vec![Endpoint::new("ops".into(), Trigger::ALL.to_vec(), &url)],
            Duration::from_millis(300),
        )
        .unwrap();
        let n = Notification {
            title: "t".into(),
            at: jiff::Timestamp::UNIX_EPOCH,
            events: vec![super::super::Event::AlertFiring {
                rule: crate::model::Rule::InvalidEmail,
                count: 1,
            }],
        };
        let got = sender.deliver(&n).await;
        hold.abort();
        assert_eq!(got.len(), 1);
        let err = got[0].result.clone().unwrap_err();
        assert!(matches!(err, DeliveryError::Timeout { .. }), "{err:?}");
        let text = err.to_string();
        assert!(text.starts_with("webhook \"ops\" did not answer within"), "{text}");
        assert!(!text.contains("s3cr3t") && !text.contains(&addr.to_string()), "{text}");
    }
}
