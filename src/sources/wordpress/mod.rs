//! WordPress REST API: health via the site index, `GET {base}/` where base
//! ends with `/wp-json`, then the posts and pages that still need a person
//! (see `fetch`), and the content actions (see `actions`).

mod actions;
mod cache;
mod fetch;
pub(super) mod wire;

use crate::sources::DataScope;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use secrecy::SecretString;
use serde::Deserialize;
use url::Url;

use super::classify::{BodyVerdict, parse_json};
use super::urls::{NotABase, join};
use super::{Connector, PollReport, SourceData, run_probe};
use crate::actions::{ActionArgs, ActionError, Outcome, PlannedAction, Target};
use crate::http::{Auth, Request, Response, SourceClient};
use crate::model::{HealthStatus, Probe, SourceKind, VendorError};

pub use actions::{ACTIONS, availability};

use cache::PostCache;
use fetch::{Fetcher, MAX_PAGE_SIZE};
use wire::{Site, SiteIndex};

const ENDPOINT: &str = "/wp-json/";

pub struct Wordpress {
    name: String,
    client: SourceClient,
    base: Url,
    index: Url,
    user: String,
    app_password: SecretString,
    slow: Duration,
    page_size: usize,
    /// Posts between polls, for incremental sync. A tokio mutex: it is held
    /// across the sync's requests so two polls never interleave.
    posts: tokio::sync::Mutex<PostCache>,
    /// The site's zone from the last index read, for reading an action's
    /// answer (its local times) without waiting for a poll in progress.
    zone: Mutex<TimeZone>,
}

impl Wordpress {
    /// `base` is the REST root, e.g. `https://blog.example.com/wp-json`.
    pub fn new(
        name: &str,
        client: SourceClient,
        base: &Url,
        user: String,
        app_password: SecretString,
        slow: Duration,
    ) -> Result<Self, NotABase> {
        Ok(Wordpress {
            name: name.to_owned(),
            index: join(base, &[""])?,
            base: base.clone(),
            client,
            user,
            app_password,
            slow,
            page_size: MAX_PAGE_SIZE,
            posts: tokio::sync::Mutex::new(PostCache::default()),
            zone: Mutex::new(TimeZone::UTC),
        })
    }

    /// Posts per page, 1 to 100 (WordPress's maximum and the default); tests page smaller.
    pub fn with_page_size(mut self, per_page: usize) -> Self {
        self.page_size = per_page.clamp(1, MAX_PAGE_SIZE);
        self
    }

    fn auth(&self) -> Auth {
        Auth::Basic {
            user: self.user.clone(),
            password: self.app_password.clone(),
        }
    }

    fn site_zone(&self) -> TimeZone {
        // A poisoned lock only means a panic elsewhere mid-assignment of a
        // whole value: the zone inside is still a valid one.
        self.zone.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn set_site_zone(&self, zone: TimeZone) {
        *self.zone.lock().unwrap_or_else(|e| e.into_inner()) = zone;
    }
}

/// The index as the probe judges it, keeping what it says about the site.
pub(super) fn judge(resp: &Response, site: &mut Option<Site>) -> BodyVerdict {
    match parse_json::<SiteIndex>(resp, ENDPOINT) {
        Ok(index) => {
            let found = index.site();
            let line = match &found.name {
                Some(name) => format!("site \"{name}\" answers"),
                None => "site answers".to_owned(),
            };
            *site = Some(found);
            BodyVerdict::Healthy(line)
        }
        Err(broken) => broken,
    }
}

#[derive(Deserialize)]
struct ErrorBody {
    code: Option<String>,
    message: Option<String>,
}

/// `{code, message, data: {status}}`, e.g. `rest_not_logged_in`.
pub fn wordpress_error(body: &[u8]) -> Option<VendorError> {
    let e: ErrorBody = super::data_call::object_body(body)?;
    let message = e.message.or_else(|| e.code.clone())?;
    Some(VendorError { code: e.code, message })
}

#[async_trait]
impl Connector for Wordpress {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> SourceKind {
        SourceKind::Wordpress
    }

    fn probe_url(&self) -> String {
        crate::http::redact_url(&self.index)
    }

    async fn poll(&self) -> PollReport {
        self.poll_scope(DataScope::All).await
    }

    async fn poll_scope(&self, scope: DataScope<'_>) -> PollReport {
        let request = Request::get(self.index.clone()).with_auth(self.auth());
        let mut site = None;
        let probe = run_probe(
            &self.client,
            request,
            ENDPOINT,
            200,
            self.slow,
            |resp| judge(resp, &mut site),
            wordpress_error,
        )
        .await;
        if !probe.status.is_good() || scope == DataScope::Health {
            return PollReport::health(probe);
        }
        let site = site.unwrap_or_default();
        self.set_site_zone(site.zone.clone());
        let fetcher = Fetcher {
            client: &self.client,
            auth: self.auth(),
            base: &self.base,
            page_size: self.page_size,
            site: &site,
        };
        let fetched = match scope {
            DataScope::Post(key) => fetcher.lookup(key).await,
            _ => fetcher.fetch(&self.posts).await,
        };
        match fetched {
            Ok(fetched) => PollReport {
                probe: note(note_skipped(probe, fetched.skipped), fetched.authors_note),
                data: Some(SourceData::Content(Arc::new(fetched.data))),
            },
            Err(failure) => PollReport::health((*failure).degrade(probe, "site index")),
        }
    }

    fn plan(&self, action: &str, target: Target<'_>, args: &ActionArgs) -> Result<PlannedAction, ActionError> {
        actions::plan(&self.name, &self.base, action, target, args, Timestamp::now())
    }

    async fn execute(&self, planned: &PlannedAction, request_id: &str) -> Result<Outcome, ActionError> {
        let zone = self.site_zone();
        let (outcome, changed) =
            actions::execute(&self.client, self.auth(), &self.base, planned, request_id, &zone).await?;
        // The cockpit re-polls after an action, but an incremental read would
        // not see a scheduled post cron publishes: keep the cache honest now.
        if let Some(post) = changed {
            self.posts.lock().await.put(post);
        }
        Ok(outcome)
    }
}

/// Records the model could not use are dropped, and the probe says so.
fn note_skipped(mut probe: Probe, skipped: usize) -> Probe {
    if skipped > 0 {
        probe.status = HealthStatus::Degraded;
        let s = if skipped == 1 { "" } else { "s" };
        probe.summary = format!("{} ({skipped} unreadable record{s} skipped)", probe.summary);
    }
    probe
}

/// A side note (author names missing) that does not change the health.
fn note(mut probe: Probe, note: Option<String>) -> Probe {
    if let Some(note) = note {
        probe.summary = format!("{} ({note})", probe.summary);
    }
    probe
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rest_error_becomes_vendor_error() {
        let body =
            br#"{"code":"rest_not_logged_in","message":"You are not currently logged in.","data":{"status":401}}"#;
        let e = wordpress_error(body).unwrap();
        assert_eq!(e.code.as_deref(), Some("rest_not_logged_in"));
        assert_eq!(e.message, "You are not currently logged in.");
    }

    #[test]
    fn waf_html_is_no_vendor_error() {
        assert_eq!(wordpress_error(b"<html>Access denied</html>"), None);
    }
}
