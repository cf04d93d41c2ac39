//! Connectors: one per source kind. A poll never fails: every failure
//! becomes a classified [`Probe`].

mod classify;
mod data_call;
#[doc(hidden)]
pub mod fuzzing;
mod http_check;
mod hubspot;
mod mailchimp;
mod urls;
mod wordpress;

use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use jiff::Timestamp;
use secrecy::SecretString;

pub use classify::{BodyVerdict, ProbeContext, classify, parse_json};
pub use http_check::HttpCheck;
pub use hubspot::{HUBSPOT_PROBE_PATH, Hubspot, LIFECYCLE_STAGES, hubspot_error};
pub use mailchimp::{Mailchimp, mailchimp_error};
pub use urls::{NotABase, join};
pub use wordpress::{Wordpress, wordpress_error};

use crate::actions::{ActionArgs, ActionError, ActionSpec, Availability, Outcome, PlannedAction, Target};
use crate::config::{self, SecretRef, SourceConfig, SourceSettings};
use crate::http::{HttpCore, Policy, Request, SourceClient};
use crate::model::{ContentData, CrmData, EmailData, Probe, SourceKind, VendorError};

/// What one poll of a source produced: its health, and the data it fetched
/// when the probe succeeded and the connector fetches data.
#[derive(Debug, Clone, PartialEq)]
pub struct PollReport {
    pub probe: Probe,
    pub data: Option<SourceData>,
}

impl PollReport {
    /// A poll that checked health only.
    pub fn health(probe: Probe) -> Self {
        PollReport { probe, data: None }
    }
}

/// How much of a source's data a poll reads: the cockpit reads everything;
/// a one-off `mops act` reads only what its target needs, so completing a
/// task does not wait for 20,000 contacts to page in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataScope<'a> {
    All,
    /// The CRM's open tasks and owners only.
    Tasks,
    /// The health probe only, no data: `mops check --health`, cheap enough
    /// to run every minute without spending the vendor's rate limit.
    Health,
    /// Only the posts and pages the key can name (by id, slug or title), in
    /// every status but trash: `mops act` on a post, published ones included.
    Post(&'a str),
}

/// A source's data, by kind. Shared, not copied, between the poller and the model.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceData {
    Email(Arc<EmailData>),
    Crm(Arc<CrmData>),
    Content(Arc<ContentData>),
}

#[async_trait]
pub trait Connector: Send + Sync {
    fn name(&self) -> &str;
    fn kind(&self) -> SourceKind;
    /// The URL a poll calls, redacted for display (no userinfo, query
    /// values masked): shows which host a default base resolved to.
    fn probe_url(&self) -> String;
    /// Never fails and never panics on vendor input.
    async fn poll(&self) -> PollReport;

    /// A poll that reads only `scope`; connectors that cannot narrow read everything.
    async fn poll_scope(&self, scope: DataScope<'_>) -> PollReport {
        let _ = scope;
        self.poll().await
    }

    /// Plan `action` on `target` into the exact request it would send. Pure:
    /// nothing is sent. Refuses actions the target's state does not allow.
    fn plan(&self, action: &str, target: Target<'_>, args: &ActionArgs) -> Result<PlannedAction, ActionError> {
        let _ = (target, args);
        Err(ActionError::refused(format!(
            "{} offers no action {action:?}",
            self.name()
        )))
    }

    /// Send a planned action exactly once, tagged with `request_id`. Never retried.
    async fn execute(&self, planned: &PlannedAction, request_id: &str) -> Result<Outcome, ActionError> {
        let _ = request_id;
        Err(ActionError::refused(format!(
            "{} offers no action {:?}",
            self.name(),
            planned.action
        )))
    }
}

/// The actions a kind of source offers on its main records: Mailchimp's
/// campaign actions, HubSpot's contact actions (merge included); empty for
/// kinds without any yet. Mailchimp's member actions are not here, so
/// campaign menus never show them: see [`actions_for_target`].
pub fn actions_for(kind: SourceKind) -> &'static [ActionSpec] {
    match kind {
        SourceKind::Mailchimp => mailchimp::ACTIONS,
        SourceKind::Hubspot => hubspot::ACTIONS,
        SourceKind::Wordpress => wordpress::ACTIONS,
        SourceKind::Http => &[],
    }
}

/// The actions a kind of source offers on this kind of target: the menu for
/// a campaign, a contact, a pair of duplicate contacts, an audience member,
/// a CRM task or a CMS post.
pub fn actions_for_target(kind: SourceKind, target: Target<'_>) -> &'static [ActionSpec] {
    match (kind, target) {
        (SourceKind::Mailchimp, Target::Campaign(_)) => mailchimp::ACTIONS,
        (SourceKind::Mailchimp, Target::Member { .. }) => mailchimp::MEMBER_ACTIONS,
        (SourceKind::Hubspot, Target::Contact(_)) => hubspot::CONTACT_ACTIONS,
        (SourceKind::Hubspot, Target::Merge { .. }) => hubspot::MERGE_ACTIONS,
        (SourceKind::Hubspot, Target::Task(_)) => hubspot::TASK_ACTIONS,
        (SourceKind::Wordpress, Target::Post(_)) => wordpress::ACTIONS,
        _ => &[],
    }
}

/// The action called `name` among everything `kind` offers, on any kind of
/// target (for `mops act`, where the target comes after the name).
pub fn find_action_spec(kind: SourceKind, name: &str) -> Option<&'static ActionSpec> {
    let member: &'static [ActionSpec] = match kind {
        SourceKind::Mailchimp => mailchimp::MEMBER_ACTIONS,
        SourceKind::Hubspot => hubspot::TASK_ACTIONS,
        _ => &[],
    };
    actions_for(kind).iter().chain(member).find(|s| s.name == name)
}

/// Whether `action` can run on `target` now; pure, so the cockpit can grey out
/// what the target's state forbids before anything is planned.
pub fn availability(kind: SourceKind, action: &str, target: Target<'_>) -> Availability {
    match (kind, target) {
        (SourceKind::Mailchimp, Target::Campaign(c)) => mailchimp::availability(action, c),
        (SourceKind::Mailchimp, Target::Member { member, .. }) => mailchimp::member_availability(action, member),
        (SourceKind::Hubspot, target) => hubspot::availability(action, target),
        (SourceKind::Wordpress, Target::Post(post)) => wordpress::availability(action, post),
        _ => Availability::Disabled(format!("{} has no action {action:?}", kind.label())),
    }
}

/// A source that cannot be started, naming the source and the config field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("source {source_name:?}: {field}: {reason}")]
pub struct BuildError {
    pub source_name: String,
    pub field: &'static str,
    pub reason: String,
}

impl BuildError {
    fn new(cfg: &SourceConfig, field: &'static str, reason: impl Into<String>) -> Self {
        BuildError {
            source_name: cfg.name.clone(),
            field,
            reason: reason.into(),
        }
    }
}

fn resolve(cfg: &SourceConfig, field: &'static str, secret: &SecretRef) -> Result<SecretString, BuildError> {
    secret.resolve().map_err(|e| BuildError::new(cfg, field, e.to_string()))
}

/// Resolves the source's secrets and builds its connector on the shared core.
pub fn build(core: &HttpCore, cfg: &SourceConfig) -> Result<Arc<dyn Connector>, BuildError> {
    let bad_base = |e: NotABase| BuildError::new(cfg, "base_url", e.to_string());
    let connector: Arc<dyn Connector> = match &cfg.settings {
        SourceSettings::Mailchimp { api_key, test_emails } => {
            let key = resolve(cfg, "api_key", api_key)?;
            let base = match &cfg.base_url {
                Some(url) => url.clone(),
                None => config::mailchimp_base_url(&key).ok_or_else(|| {
                    BuildError::new(
                        cfg,
                        "api_key",
                        "the key has no data-centre suffix (like -us14); set base_url",
                    )
                })?,
            };
            let client = core
                .source(
                    &cfg.name,
                    Policy::mailchimp().with_timeout(cfg.timeout).with_budget(cfg.interval),
                )
                .with_secrets([key.clone()]);
            Arc::new(
                Mailchimp::new(&cfg.name, client, &base, key, cfg.slow)
                    .map_err(bad_base)?
                    .with_test_emails(test_emails.clone()),
            )
        }
        SourceSettings::Hubspot {
            token,
            tier,
            rate_limit,
            ..
        } => {
            let token = resolve(cfg, "token", token)?;
            let base = match &cfg.base_url {
                Some(url) => url.clone(),
                None => url::Url::parse(config::HUBSPOT_BASE_URL)
                    .map_err(|e| BuildError::new(cfg, "base_url", e.to_string()))?,
            };
            let policy = Policy::hubspot(*tier, rate_limit.map(Into::into))
                .with_timeout(cfg.timeout)
                .with_budget(cfg.interval);
            let client = core.source(&cfg.name, policy).with_secrets([token.clone()]);
            Arc::new(Hubspot::new(&cfg.name, client, &base, token, cfg.slow).map_err(bad_base)?)
        }
        SourceSettings::Wordpress { user, app_password } => {
            let password = resolve(cfg, "app_password", app_password)?;
            let base = cfg.base_url.clone().ok_or_else(|| {
                BuildError::new(
                    cfg,
                    "base_url",
                    "required for WordPress: the site's REST root, like https://blog.example.com/wp-json",
                )
            })?;
            let client = core
                .source(
                    &cfg.name,
                    Policy::wordpress().with_timeout(cfg.timeout).with_budget(cfg.interval),
                )
                .with_secrets([password.clone()]);
            Arc::new(Wordpress::new(&cfg.name, client, &base, user.clone(), password, cfg.slow).map_err(bad_base)?)
        }
        SourceSettings::Http {
            url,
            expect_status,
            expect_body,
        } => {
            // A plain check may still carry a token in its query: scrub it.
            let query_secrets: Vec<SecretString> = url
                .query_pairs()
                .map(|(_, v)| SecretString::from(v.into_owned()))
                .collect();
            let client = core
                .source(
                    &cfg.name,
                    Policy::http_check().with_timeout(cfg.timeout).with_budget(cfg.interval),
                )
                .with_secrets(query_secrets);
            Arc::new(HttpCheck::new(
                &cfg.name,
                client,
                url.clone(),
                *expect_status,
                expect_body.clone(),
                cfg.slow,
            ))
        }
    };
    Ok(connector)
}

/// An action the vendor answered with an error: its status, its own words
/// (already scrubbed by the caller), the request id.
pub(crate) fn refused_by_vendor(
    what: &str,
    resp: &crate::http::Response,
    vendor: Option<VendorError>,
    scrub: &crate::http::Scrubber,
) -> ActionError {
    let code = resp.status.as_u16();
    let said = match &vendor {
        Some(v) => match &v.code {
            Some(c) => format!(": {c}: {}", v.message),
            None => format!(": {}", v.message),
        },
        None if resp.status == crate::http::StatusCode::MULTI_STATUS => " (partial failure)".to_owned(),
        None => resp
            .status
            .canonical_reason()
            .map(|r| format!(" {r}"))
            .unwrap_or_default(),
    };
    ActionError {
        message: scrub.scrub(&format!("{what} failed: HTTP {code}{said}")),
        http_status: Some(code),
        vendor,
        request_id: Some(resp.request_id.clone()),
        duration: resp.latency,
    }
}

/// An action that got no answer, or was never sent (read-only, circuit
/// open, a vendor-imposed wait): then it has no request id to show.
pub(crate) fn not_answered(
    what: &str,
    e: &crate::http::HttpError,
    started: Instant,
    scrub: &crate::http::Scrubber,
) -> ActionError {
    use crate::http::HttpError;
    let sent = !matches!(
        e,
        HttpError::ReadOnly { .. } | HttpError::CircuitOpen { .. } | HttpError::Waiting { .. }
    );
    ActionError {
        message: scrub.scrub(&format!("{what} failed: {e}")),
        http_status: None,
        vendor: None,
        request_id: sent.then(|| e.request_id().to_owned()),
        duration: started.elapsed(),
    }
}

/// Sends the probe request and classifies whatever comes back.
pub(crate) async fn run_probe(
    client: &SourceClient,
    request: Request,
    endpoint: &str,
    expect_status: u16,
    slow: std::time::Duration,
    judge: impl FnOnce(&crate::http::Response) -> BodyVerdict,
    vendor_error: impl FnOnce(&[u8]) -> Option<VendorError>,
) -> Probe {
    let scrub = client.scrubber_for(&request.auth);
    let started = Instant::now();
    let outcome = client.send(request).await;
    let ctx = ProbeContext {
        endpoint: endpoint.to_owned(),
        expect_status,
        slow,
        elapsed: started.elapsed(),
        circuit: client.circuit(),
        headroom: client.headroom(),
        now: Timestamp::now(),
    };
    let mut probe = classify(outcome.as_ref(), &ctx, judge, vendor_error);
    // Vendor words (error bodies, serde's quotes of unexpected values) may echo
    // the credentials back; nothing they say reaches the screen unscrubbed.
    probe.summary = scrub.scrub(&probe.summary);
    if let Some(vendor) = &mut probe.vendor_error {
        vendor.message = scrub.scrub(&vendor.message);
        vendor.code = vendor.code.as_deref().map(|code| scrub.scrub(code));
    }
    probe
}
