//! HubSpot CRM v3: health via the cheapest authenticated read,
//! `GET /crm/v3/objects/contacts?limit=1`, then contacts, deals, owners,
//! pipelines and open tasks (see `fetch`), the contact actions (see
//! `actions`) and the task actions (see `tasks`).

mod actions;
mod cache;
mod fetch;
mod tasks;
pub(super) mod wire;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use jiff::Timestamp;
use secrecy::SecretString;
use serde::Deserialize;
use url::Url;

use super::classify::{BodyVerdict, parse_json};
use super::urls::{NotABase, join};
use super::{Connector, DataScope, PollReport, SourceData, run_probe};
use crate::actions::{ActionArgs, ActionError, Outcome, PlannedAction, Target};
use crate::http::{Auth, Request, Response, SourceClient};
use crate::model::{HealthStatus, Probe, SourceKind, VendorError};

pub use actions::{ACTIONS, CONTACT_ACTIONS, MERGE_ACTIONS, TASK_ACTIONS, availability};
pub use wire::LIFECYCLE_STAGES;

use super::data_call::Failure;
use cache::ContactCache;
use fetch::{Fetcher, Limits, MAX_LIST_PAGE, MAX_SEARCH_PAGE, Pacer, SEARCH_GAP};

pub const HUBSPOT_PROBE_PATH: &str = "/crm/v3/objects/contacts";

pub struct Hubspot {
    name: String,
    client: SourceClient,
    base: Url,
    probe_url: Url,
    token: SecretString,
    slow: Duration,
    limits: Limits,
    /// Contacts between polls, for incremental sync. A tokio mutex: it is
    /// held across the sync's requests so two polls never interleave, and a
    /// merge this connector executes drops the merged-away id from it.
    contacts: tokio::sync::Mutex<ContactCache>,
    /// The account's portal id, read once.
    portal: tokio::sync::OnceCell<Option<String>>,
    search_pacer: Pacer,
    /// The open tasks of the last poll that read them.
    /// The last open tasks read, and when: kept through a failed task search.
    last_tasks: tokio::sync::Mutex<Option<(Vec<crate::model::CrmTask>, Timestamp)>>,
}

impl Hubspot {
    pub fn new(
        name: &str,
        client: SourceClient,
        base: &Url,
        token: SecretString,
        slow: Duration,
    ) -> Result<Self, NotABase> {
        let mut probe_url = join(base, &["crm", "v3", "objects", "contacts"])?;
        probe_url.query_pairs_mut().clear().append_pair("limit", "1");
        Ok(Hubspot {
            name: name.to_owned(),
            client,
            base: base.clone(),
            probe_url,
            token,
            slow,
            limits: Limits::default(),
            contacts: tokio::sync::Mutex::new(ContactCache::default()),
            portal: tokio::sync::OnceCell::new(),
            search_pacer: Pacer::new(SEARCH_GAP),
            last_tasks: tokio::sync::Mutex::new(None),
        })
    }

    /// Records per page: `list` for object lists and owners (1 to 100, the
    /// default and HubSpot's maximum), `search` for the search API (1 to 200).
    /// Tests page smaller.
    pub fn with_page_sizes(mut self, list: usize, search: usize) -> Self {
        self.limits.list_page = list.clamp(1, MAX_LIST_PAGE);
        self.limits.search_page = search.clamp(1, MAX_SEARCH_PAGE);
        self
    }

    /// Results one search query may page through (HubSpot's is 10,000) before
    /// the sync starts a new query from the last modification time seen, and
    /// the most open tasks read. Tests lower it to exercise the windowing.
    pub fn with_search_cap(mut self, cap: usize) -> Self {
        self.limits.search_cap = cap.max(1);
        self
    }

    /// The least time between two search calls (250 ms by default: the search
    /// API allows about 4 a second).
    pub fn with_search_gap(mut self, gap: Duration) -> Self {
        self.search_pacer = Pacer::new(gap);
        self
    }

    fn auth(&self) -> Auth {
        Auth::Bearer(self.token.clone())
    }
}

#[derive(Deserialize)]
struct Page {
    #[allow(dead_code)] // presence and shape are what we check
    results: Vec<serde_json::Value>,
}

pub(super) fn judge(resp: &Response) -> BodyVerdict {
    match parse_json::<Page>(resp, HUBSPOT_PROBE_PATH) {
        Ok(_) => BodyVerdict::Healthy("contacts readable".to_owned()),
        Err(broken) => broken,
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ErrorBody {
    message: Option<String>,
    category: Option<String>,
    correlation_id: Option<String>,
}

/// `{status: "error", message, correlationId, category}`: code from
/// `category`; the correlation id rides along in the message, since HubSpot
/// support asks for it.
pub fn hubspot_error(body: &[u8]) -> Option<VendorError> {
    let e: ErrorBody = super::data_call::object_body(body)?;
    let message = match (e.message, &e.correlation_id) {
        (Some(m), Some(id)) => format!("{m} (correlationId {id})"),
        (Some(m), None) => m,
        (None, _) => e.category.clone()?,
    };
    Some(VendorError {
        code: e.category,
        message,
    })
}

#[async_trait]
impl Connector for Hubspot {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> SourceKind {
        SourceKind::Hubspot
    }

    fn probe_url(&self) -> String {
        crate::http::redact_url(&self.probe_url)
    }

    async fn poll(&self) -> PollReport {
        self.poll_scope(DataScope::All).await
    }

    async fn poll_scope(&self, scope: DataScope<'_>) -> PollReport {
        let request = Request::get(self.probe_url.clone()).with_auth(self.auth());
        let probe = run_probe(
            &self.client,
            request,
            HUBSPOT_PROBE_PATH,
            200,
            self.slow,
            judge,
            hubspot_error,
        )
        .await;
        if !probe.status.is_good() || scope == DataScope::Health {
            return PollReport::health(probe);
        }
        let fetcher = Fetcher {
            client: &self.client,
            auth: self.auth(),
            base: &self.base,
            limits: self.limits,
            pacer: &self.search_pacer,
        };
        match fetcher.fetch(&self.contacts, &self.portal, scope).await {
            Ok(mut fetched) => {
                // Tasks that could not be read this time are not "no tasks":
                // the last good list stays until a read succeeds.
                let mut last = self.last_tasks.lock().await;
                match (&fetched.tasks_failed, last.as_ref()) {
                    (None, _) => *last = Some((fetched.data.tasks.clone(), Timestamp::now())),
                    (Some(_), Some((tasks, at))) => {
                        fetched.data.tasks = tasks.clone();
                        fetched.data.tasks_as_of = Some(*at);
                    }
                    (Some(_), None) => {}
                }
                PollReport {
                    probe: note_tasks(
                        note_skipped(probe, fetched.skipped),
                        fetched.tasks_capped,
                        fetched.tasks_failed,
                    ),
                    data: Some(SourceData::Crm(Arc::new(fetched.data))),
                }
            }
            Err(failure) => PollReport::health((*failure).degrade(probe, "probe")),
        }
    }

    fn plan(&self, action: &str, target: Target<'_>, args: &ActionArgs) -> Result<PlannedAction, ActionError> {
        actions::plan(&self.name, &self.base, action, target, args, Timestamp::now())
    }

    async fn execute(&self, planned: &PlannedAction, request_id: &str) -> Result<Outcome, ActionError> {
        let outcome = actions::execute(&self.client, self.auth(), &self.base, planned, request_id).await?;
        // The merged-away record no longer exists; incremental search would
        // never say so, and the next full resync is hours away.
        if let Some(gone) = actions::merged_away(planned) {
            self.contacts.lock().await.forget(gone);
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

/// Open tasks past the search cap are left out, and the probe says how many
/// are shown; tasks that could not be read at all degrade it.
fn note_tasks(mut probe: Probe, capped: Option<usize>, failed: Option<Box<Failure>>) -> Probe {
    if let Some(read) = capped {
        probe.summary = format!("{} (first {} open tasks)", probe.summary, thousands(read));
    }
    match failed {
        Some(failure) => (*failure).degrade_partly(probe, "tasks"),
        None => probe,
    }
}

/// 10000 -> "10,000".
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_with_thousands_separators() {
        let cases = [
            (0, "0"),
            (999, "999"),
            (1000, "1,000"),
            (10_000, "10,000"),
            (1_234_567, "1,234,567"),
        ];
        for (n, text) in cases {
            assert_eq!(thousands(n), text);
        }
    }

    #[test]
    fn error_body_keeps_category_message_and_correlation_id() {
        let body = br#"{"status":"error","message":"Authentication credentials not found.","correlationId":"4d4d5e2a-1","category":"INVALID_AUTHENTICATION"}"#;
        let e = hubspot_error(body).unwrap();
        assert_eq!(e.code.as_deref(), Some("INVALID_AUTHENTICATION"));
        assert_eq!(
            e.message,
            "Authentication credentials not found. (correlationId 4d4d5e2a-1)"
        );
    }

    #[test]
    fn garbage_is_no_vendor_error() {
        assert_eq!(hubspot_error(b"Bad Gateway"), None);
        assert_eq!(hubspot_error(b"{}"), None);
    }
}
