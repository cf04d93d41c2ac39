//! `[notify]`: webhooks told when a source goes down or a critical alert
//! fires, and again when it resolves.

use std::time::Duration;

use secrecy::ExposeSecret;
use url::Url;

use super::transport::is_plaintext_off_loopback;
use crate::notify::{NotifyError, Trigger};

/// How long a change must hold before a message, unless `debounce` says otherwise.
pub const DEFAULT_DEBOUNCE: Duration = Duration::from_secs(60);

/// `[notify]`. No webhooks by default.
#[derive(Debug, Clone, PartialEq)]
pub struct NotifyConfig {
    /// A condition must hold this long before it is announced, and be clear
    /// this long before it is announced resolved.
    pub debounce: Duration,
    /// `[[notify.webhook]]` entries, in file order; names are unique.
    pub webhooks: Vec<WebhookConfig>,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        NotifyConfig {
            debounce: DEFAULT_DEBOUNCE,
            webhooks: Vec::new(),
        }
    }
}

/// One `[[notify.webhook]]`.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookConfig {
    pub name: String,
    /// The URL is a secret (Slack's carries its token): a reference, never inline.
    pub url: super::SecretRef,
    /// What it is told about; every trigger unless `on` narrows it. Never empty.
    pub on: Vec<Trigger>,
}

impl WebhookConfig {
    /// A webhook told about everything.
    pub fn new(name: impl Into<String>, url: super::SecretRef) -> Self {
        WebhookConfig {
            name: name.into(),
            url,
            on: Trigger::ALL.to_vec(),
        }
    }

    /// Reads the secret and checks the URL: http(s) with a host, and not
    /// plain http to a host off this machine (the message and the URL's
    /// token would cross the network in clear text). Errors name the
    /// webhook and where the URL comes from, never the URL.
    pub fn resolve_url(&self) -> Result<Url, NotifyError> {
        let secret = self.url.resolve().map_err(|source| NotifyError::Secret {
            webhook: self.name.clone(),
            source,
        })?;
        let refuse = |problem: &str| NotifyError::Url {
            webhook: self.name.clone(),
            from: self.url.describe(),
            problem: problem.to_owned(),
        };
        // The parser's error is not quoted either: only that it failed.
        let url = Url::parse(secret.expose_secret().trim())
            .map_err(|_| refuse("is not a valid URL; write an absolute https URL like Slack gives"))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
            return Err(refuse("is not an http(s) URL with a host"));
        }
        if is_plaintext_off_loopback(&url) {
            return Err(refuse(
                "is plain http:// to a host that is not loopback (127.0.0.1, ::1, localhost): the message \
                 and the URL's token would travel unencrypted; use https",
            ));
        }
        Ok(url)
    }
}
