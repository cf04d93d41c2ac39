//! Mailchimp Marketing API v3: health via `GET /ping`, then campaigns,
//! reports, audiences and members (see `fetch`), and the campaign actions
//! (see `actions`).

mod actions;
mod fetch;
pub(super) mod wire;

use crate::sources::DataScope;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use jiff::Timestamp;
use secrecy::SecretString;
use serde::Deserialize;
use url::Url;

use super::classify::{BodyVerdict, parse_json};
use super::urls::{NotABase, join};
use super::{Connector, PollReport, SourceData, run_probe};
use crate::actions::{ActionArgs, ActionError, ActionSpec, ArgKind, Availability, Outcome, PlannedAction, Target};
use crate::http::{Auth, Request, SourceClient};
use crate::model::{Campaign, CampaignStatus, HealthStatus, SourceKind, VendorError};

use fetch::{MAX_PAGE_SIZE, MemberCache};

pub use actions::{MEMBER_ACTIONS, member_availability};

const ENDPOINT: &str = "/ping";
/// Mailchimp accepts any user name with the key as password.
const BASIC_USER: &str = "mops";

pub struct Mailchimp {
    name: String,
    client: SourceClient,
    base: Url,
    ping: Url,
    api_key: SecretString,
    slow: Duration,
    test_emails: Vec<String>,
    page_size: usize,
    /// Members between polls, for incremental sync. A tokio mutex: it is
    /// held across the sync's requests so two polls never interleave.
    members: tokio::sync::Mutex<MemberCache>,
}

impl Mailchimp {
    /// `base` includes the `/3.0` prefix, e.g. `https://us14.api.mailchimp.com/3.0`.
    pub fn new(
        name: &str,
        client: SourceClient,
        base: &Url,
        api_key: SecretString,
        slow: Duration,
    ) -> Result<Self, NotABase> {
        Ok(Mailchimp {
            name: name.to_owned(),
            ping: join(base, &["ping"])?,
            base: base.clone(),
            client,
            api_key,
            slow,
            test_emails: Vec::new(),
            page_size: MAX_PAGE_SIZE,
            members: tokio::sync::Mutex::new(MemberCache::default()),
        })
    }

    /// Where the `test` action sends (config `test_emails`).
    pub fn with_test_emails(mut self, emails: Vec<String>) -> Self {
        self.test_emails = emails;
        self
    }

    /// Records per page, 1 to 1000 (Mailchimp's maximum and the default); tests page smaller.
    pub fn with_page_size(mut self, count: usize) -> Self {
        self.page_size = count.clamp(1, MAX_PAGE_SIZE);
        self
    }

    fn auth(&self) -> Auth {
        Auth::Basic {
            user: BASIC_USER.to_owned(),
            password: self.api_key.clone(),
        }
    }

    fn planner(&self) -> actions::Planner<'_> {
        actions::Planner {
            source: &self.name,
            base: &self.base,
            test_emails: &self.test_emails,
        }
    }
}

#[derive(Deserialize)]
struct Ping {
    health_status: String,
}

pub(super) fn judge(resp: &crate::http::Response) -> BodyVerdict {
    match parse_json::<Ping>(resp, ENDPOINT) {
        Ok(ping) => BodyVerdict::Healthy(ping.health_status),
        Err(broken) => broken,
    }
}

#[derive(Deserialize)]
struct Problem {
    #[serde(rename = "type")]
    kind: Option<String>,
    title: Option<String>,
    detail: Option<String>,
}

/// A problem+json error body: code from `title` (else `type`), message from `detail`.
pub fn mailchimp_error(body: &[u8]) -> Option<VendorError> {
    let p: Problem = super::data_call::object_body(body)?;
    let message = p.detail.clone().or_else(|| p.title.clone())?;
    Some(VendorError {
        code: p.title.or(p.kind),
        message,
    })
}

/// Mailchimp's campaign actions (`POST /campaigns/{id}/actions/<name>`).
pub const ACTIONS: &[ActionSpec] = &[
    ActionSpec {
        name: "schedule",
        summary: "schedule a draft for a quarter-hour time",
        irreversible: false,
        arg: ArgKind::Time,
    },
    ActionSpec {
        name: "unschedule",
        summary: "return a scheduled campaign to draft",
        irreversible: false,
        arg: ArgKind::None,
    },
    ActionSpec {
        name: "cancel-send",
        summary: "stop a campaign that is sending",
        irreversible: true,
        arg: ArgKind::None,
    },
    ActionSpec {
        name: "pause",
        summary: "pause an RSS campaign",
        irreversible: false,
        arg: ArgKind::None,
    },
    ActionSpec {
        name: "resume",
        summary: "resume a paused RSS campaign",
        irreversible: false,
        arg: ArgKind::None,
    },
    ActionSpec {
        name: "test",
        summary: "send a test email to the configured addresses",
        irreversible: false,
        arg: ArgKind::None,
    },
    ActionSpec {
        name: "replicate",
        summary: "copy the campaign as a new draft",
        irreversible: false,
        arg: ArgKind::None,
    },
];

/// Which actions a campaign's state allows, as Mailchimp enforces them.
pub fn availability(action: &str, c: &Campaign) -> Availability {
    use CampaignStatus as S;
    let rss = c.kind == "rss";
    let why = match (action, c.status) {
        ("schedule", S::Save) if !rss => return Availability::Ready,
        ("schedule", _) if rss => "RSS campaigns run on their feed; pause or resume them instead",
        ("schedule", _) => "only a draft can be scheduled",
        ("unschedule", S::Schedule) => return Availability::Ready,
        ("unschedule", _) => "only a scheduled campaign can be unscheduled",
        ("cancel-send", S::Sending) if matches!(c.kind.as_str(), "regular" | "plaintext") => {
            return Availability::Ready;
        }
        ("cancel-send", S::Sending) => "only regular and plain-text campaigns can be canceled",
        ("cancel-send", _) => "only a campaign that is sending can be canceled",
        ("pause", S::Sending | S::Schedule) if rss => return Availability::Ready,
        ("resume", S::Paused) if rss => return Availability::Ready,
        ("pause" | "resume", _) if !rss => "only RSS campaigns can be paused and resumed",
        ("pause", _) => "only a running RSS campaign can be paused",
        ("resume", _) => "only a paused RSS campaign can be resumed",
        ("test", S::Save | S::Paused | S::Schedule) => return Availability::Ready,
        ("test", _) => "test emails go out from drafts, scheduled and paused campaigns",
        ("replicate", _) => return Availability::Ready,
        _ => return Availability::Disabled(format!("Mailchimp has no campaign action {action:?}")),
    };
    Availability::Disabled(why.to_string())
}

#[async_trait]
impl Connector for Mailchimp {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> SourceKind {
        SourceKind::Mailchimp
    }

    fn probe_url(&self) -> String {
        crate::http::redact_url(&self.ping)
    }

    async fn poll(&self) -> PollReport {
        self.poll_scope(DataScope::All).await
    }

    async fn poll_scope(&self, scope: DataScope<'_>) -> PollReport {
        let request = Request::get(self.ping.clone()).with_auth(self.auth());
        let probe = run_probe(&self.client, request, ENDPOINT, 200, self.slow, judge, mailchimp_error).await;
        if !probe.status.is_good() || scope == DataScope::Health {
            return PollReport::health(probe);
        }
        let fetcher = fetch::Fetcher {
            client: &self.client,
            auth: self.auth(),
            base: &self.base,
            page_size: self.page_size,
        };
        match fetcher.fetch(&self.members).await {
            Ok(fetched) => PollReport {
                probe: note_skipped(probe, fetched.skipped),
                data: Some(SourceData::Email(Arc::new(fetched.data))),
            },
            Err(failure) => PollReport::health((*failure).degrade(probe, "ping")),
        }
    }

    fn plan(&self, action: &str, target: Target<'_>, args: &ActionArgs) -> Result<PlannedAction, ActionError> {
        self.planner().plan(action, target, args, Timestamp::now())
    }

    async fn execute(&self, planned: &PlannedAction, request_id: &str) -> Result<Outcome, ActionError> {
        actions::execute(&self.client, self.auth(), &self.base, planned, request_id).await
    }
}

/// Records the model could not use are dropped, and the probe says so.
fn note_skipped(mut probe: crate::model::Probe, skipped: usize) -> crate::model::Probe {
    if skipped > 0 {
        probe.status = HealthStatus::Degraded;
        let s = if skipped == 1 { "" } else { "s" };
        probe.summary = format!("{} ({skipped} unreadable record{s} skipped)", probe.summary);
    }
    probe
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_json_becomes_vendor_error() {
        let body = br#"{"type":"https://mailchimp.com/developer/marketing/docs/errors/","title":"API Key Invalid","status":401,"detail":"Your API key may be invalid, or you've attempted to access the wrong datacenter.","instance":"995c5cb0-3280-4a6e-808b-3b096d0bb219"}"#;
        let e = mailchimp_error(body).unwrap();
        assert_eq!(e.code.as_deref(), Some("API Key Invalid"));
        assert!(e.message.starts_with("Your API key may be invalid"));
    }

    #[test]
    fn non_problem_bodies_are_not_vendor_errors() {
        assert_eq!(mailchimp_error(b"<html>502</html>"), None);
        assert_eq!(mailchimp_error(b"{}"), None);
    }
}
