//! HubSpot's data: contacts (synced incrementally through the search API),
//! deals with their contact associations, owners and deal pipelines, read
//! with `limit`/`after` cursor paging, and open tasks (one search query).

use std::collections::HashSet;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use url::Url;

use super::cache::ContactCache;
use super::hubspot_error;
use super::wire::{self, CONTACT_PROPERTIES, DEAL_PROPERTIES, TASK_PROPERTIES, WireObject, WireOwner, WirePipeline};
use crate::http::{Auth, Method, Request, SourceClient, StatusCode};
use crate::model::{Contact, CrmData, CrmTask, Deal, DealPipeline, HealthStatus, Owner};
use crate::sources::DataScope;
use crate::sources::data_call::{Failure, Meta, call_json, mostly_unreadable};
use crate::sources::urls::join;

/// HubSpot's largest page for object lists and owners.
pub(super) const MAX_LIST_PAGE: usize = 100;
/// The search API's largest page.
pub(super) const MAX_SEARCH_PAGE: usize = 200;
/// The search API answers at most this many results per query; paging past
/// it is a 400. Larger change sets are read in windows of modification date.
pub(super) const SEARCH_CAP: usize = 10_000;
/// The search API's own limit is about 4-5 requests a second per token
/// (API-FACTS.md); one every 250 ms stays at 4.
pub(super) const SEARCH_GAP: Duration = Duration::from_millis(250);
/// A runaway server (one that keeps handing out new cursors) stops here.
const MAX_PAGES: usize = 200_000;
/// Search windows per sync before giving up on a server that never ends.
const MAX_WINDOWS: usize = 10_000;

const SEARCH_ENDPOINT: &str = "/crm/v3/objects/contacts/search";
const TASK_SEARCH_ENDPOINT: &str = "/crm/v3/objects/tasks/search";

/// Page sizes and the search cap; tests make them small.
#[derive(Debug, Clone, Copy)]
pub(super) struct Limits {
    pub list_page: usize,
    pub search_page: usize,
    pub search_cap: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            list_page: MAX_LIST_PAGE,
            search_page: MAX_SEARCH_PAGE,
            search_cap: SEARCH_CAP,
        }
    }
}

/// Spaces search calls out, on top of the client's own rate limiter (which
/// counts them too): the search API has a lower limit of its own.
#[derive(Debug)]
pub(super) struct Pacer {
    gap: Duration,
    next: tokio::sync::Mutex<Option<Instant>>,
}

impl Pacer {
    pub fn new(gap: Duration) -> Self {
        Pacer {
            gap,
            next: tokio::sync::Mutex::new(None),
        }
    }

    async fn wait(&self) {
        let mut next = self.next.lock().await;
        if let Some(at) = *next {
            tokio::time::sleep_until(at.into()).await;
        }
        *next = Instant::now().checked_add(self.gap);
    }
}

/// What a successful fetch brings back.
#[derive(Debug)]
pub(super) struct Fetched {
    pub data: CrmData,
    /// Records dropped because they lacked an id.
    pub skipped: usize,
    /// More open tasks exist than one search returns: how many were read.
    pub tasks_capped: Option<usize>,
    /// Why the open tasks could not be read (`data.tasks` is then empty);
    /// the rest of the data is good.
    pub tasks_failed: Option<Box<Failure>>,
}

/// The open tasks one search query returned.
struct OpenTasks {
    found: Paged<CrmTask>,
    /// Set when the query stopped at the search cap with more to come.
    capped: Option<usize>,
}

/// One call's identity, for failures found after the body parsed.
struct Paged<T> {
    items: Vec<T>,
    skipped: usize,
}

impl<T> Default for Paged<T> {
    fn default() -> Self {
        Paged {
            items: Vec::new(),
            skipped: 0,
        }
    }
}

/// How an incremental search ended.
enum Searched {
    Found(Paged<Contact>),
    /// More than a whole search window of changes share one modification
    /// time: windows cannot advance, so the caller reads everything instead.
    Stuck,
}

/// One poll's view of the connector: what each request needs.
pub(super) struct Fetcher<'a> {
    pub client: &'a SourceClient,
    pub auth: Auth,
    pub base: &'a Url,
    pub limits: Limits,
    pub pacer: &'a Pacer,
}

impl Fetcher<'_> {
    /// Contacts, deals, owners, pipelines and open tasks (and the portal id,
    /// once). Fails on the first call that fails, naming it, except for the
    /// tasks: a token without the tasks scope still shows everything else.
    /// Any scope but `DataScope::All` (`Tasks`) reads only the owners and
    /// the open tasks.
    pub async fn fetch(
        &self,
        cache: &tokio::sync::Mutex<ContactCache>,
        portal: &tokio::sync::OnceCell<Option<String>>,
        scope: DataScope<'_>,
    ) -> Result<Fetched, Box<Failure>> {
        let all = scope == DataScope::All;
        let tasks = async { Ok::<_, Box<Failure>>(self.open_tasks().await) };
        let contacts = async {
            match all {
                true => self.sync_contacts(cache).await,
                false => Ok(Default::default()),
            }
        };
        let deals = async {
            match all {
                true => self.deals().await,
                false => Ok(Paged::default()),
            }
        };
        let pipelines = async {
            match all {
                true => self.pipelines().await,
                false => Ok(Paged::default()),
            }
        };
        let (contacts, deals, owners, pipelines, tasks) =
            tokio::try_join!(contacts, deals, self.owners(), pipelines, tasks)?;
        let portal_id = match all {
            true => portal
                .get_or_try_init(|| self.portal_id())
                .await
                .ok()
                .cloned()
                .flatten(),
            false => None,
        };
        let (tasks, tasks_capped, tasks_failed) = match tasks {
            Ok(open) => (open.found, open.capped, None),
            Err(failure) => {
                tracing::warn!(endpoint = TASK_SEARCH_ENDPOINT, why = %failure.why, "open tasks not read");
                (Paged::default(), None, Some(failure))
            }
        };
        let skipped = contacts.1 + deals.skipped + owners.skipped + pipelines.skipped + tasks.skipped;
        Ok(Fetched {
            data: CrmData {
                contacts: contacts.0,
                deals: deals.items,
                owners: owners.items,
                pipelines: pipelines.items,
                tasks: tasks.items,
                portal_id,
                tasks_as_of: None,
            },
            skipped,
            tasks_capped,
            tasks_failed,
        })
    }

    /// Open tasks (status not COMPLETED), soonest due first and undated
    /// last, by one search query paged with `after` up to the search cap.
    /// Marked a read-only query, so read-only mode sees tasks too.
    async fn open_tasks(&self) -> Result<OpenTasks, Box<Failure>> {
        let url = self.url(&["crm", "v3", "objects", "tasks", "search"], TASK_SEARCH_ENDPOINT)?;
        let page = self.limits.search_page.clamp(1, MAX_SEARCH_PAGE);
        let cap = self.limits.search_cap.max(page);
        let mut found = Paged::default();
        let mut read = 0usize;
        let mut requested = 0usize;
        let mut after = "0".to_owned();
        let mut cursors = HashSet::new();
        let capped = loop {
            self.pacer.wait().await;
            let request = Request::new(Method::POST, url.clone())
                .with_json(task_search_body(&after, page))
                .as_read_only_query();
            let (body, meta) = self.call(request, "POST", TASK_SEARCH_ENDPOINT).await?;
            let (items, next) =
                results_and_next(body).map_err(|why| Failure::broken("POST", TASK_SEARCH_ENDPOINT, why, &meta))?;
            requested += page;
            read += items.len();
            let tasks = map_items(items, |w: WireObject| wire::task(w));
            found.skipped += tasks.skipped;
            // The filter already excludes completed tasks; a server that
            // ignores it must not fill the queue with done work.
            found
                .items
                .extend(tasks.items.into_iter().filter(|t| t.status.is_open()));
            let Some(next) = next else {
                break None;
            };
            // Paging past the cap is a 400: stop short of it.
            if requested + page > cap {
                tracing::info!(read, cap, "more open tasks than one search returns; showing the first");
                break Some(read);
            }
            if !cursors.insert(next.clone()) {
                return Err(Failure::broken(
                    "POST",
                    TASK_SEARCH_ENDPOINT,
                    format!("{TASK_SEARCH_ENDPOINT} sent the cursor {next:?} again"),
                    &meta,
                ));
            }
            after = next;
        };
        if found.skipped > 0 {
            tracing::warn!(
                endpoint = TASK_SEARCH_ENDPOINT,
                skipped = found.skipped,
                "unreadable tasks skipped"
            );
        }
        sort_by_due(&mut found.items);
        Ok(OpenTasks { found, capped })
    }

    /// All contacts the first time (and every full-resync interval), later
    /// only those changed since the newest change seen. The cache is held for
    /// the whole sync so two polls never interleave. The search is a POST
    /// marked as a read-only query, so read-only mode syncs incrementally too.
    async fn sync_contacts(
        &self,
        cache: &tokio::sync::Mutex<ContactCache>,
    ) -> Result<(std::collections::BTreeMap<String, Contact>, usize), Box<Failure>> {
        let mut cache = cache.lock().await;
        let now = Instant::now();
        let since = cache.since(now);
        if let Some(since) = since {
            match self.search_since(since).await? {
                Searched::Found(found) => {
                    cache.update(found.items);
                    return Ok((cache.snapshot(), found.skipped));
                }
                Searched::Stuck => {
                    tracing::info!("more contact changes share one timestamp than a search returns; reading all");
                }
            }
        }
        let all = self.contacts_full().await?;
        cache.replace(all.items, now);
        Ok((cache.snapshot(), all.skipped))
    }

    async fn contacts_full(&self) -> Result<Paged<Contact>, Box<Failure>> {
        self.paged(
            &["crm", "v3", "objects", "contacts"],
            &[("properties", CONTACT_PROPERTIES.join(","))],
            |w: WireObject| wire::contact(w),
        )
        .await
    }

    async fn deals(&self) -> Result<Paged<Deal>, Box<Failure>> {
        self.paged(
            &["crm", "v3", "objects", "deals"],
            &[
                ("associations", "contacts".to_owned()),
                ("properties", DEAL_PROPERTIES.join(",")),
            ],
            |w: WireObject| wire::deal(w),
        )
        .await
    }

    async fn owners(&self) -> Result<Paged<Owner>, Box<Failure>> {
        self.paged(&["crm", "v3", "owners"], &[], |w: WireOwner| wire::owner(w))
            .await
    }

    /// `GET /crm/v3/pipelines/deals`: one unpaged answer.
    async fn pipelines(&self) -> Result<Paged<DealPipeline>, Box<Failure>> {
        let segments = ["crm", "v3", "pipelines", "deals"];
        let endpoint = format!("/{}", segments.join("/"));
        let url = self.url(&segments, &endpoint)?;
        let (body, meta) = self.call(Request::get(url), "GET", &endpoint).await?;
        let (items, _) = results_and_next(body).map_err(|why| Failure::broken("GET", &endpoint, why, &meta))?;
        Ok(map_items(items, |w: WirePipeline| wire::pipeline(w)))
    }

    /// `GET /account-info/v3/details` -> `portalId`, for links into the app.
    /// Optional: a token without the scope (403) or a server without the
    /// endpoint (404) gives no portal id for good; a transport failure or a
    /// 5xx is tried again next poll.
    async fn portal_id(&self) -> Result<Option<String>, ()> {
        let endpoint = "/account-info/v3/details";
        let Ok(url) = join(self.base, &["account-info", "v3", "details"]) else {
            return Ok(None);
        };
        let request = Request::get(url).with_auth(self.auth.clone());
        match self.client.send(request).await {
            Ok(resp) if resp.status == StatusCode::OK => {
                let body: Map<String, Value> = serde_json::from_slice(&resp.body).unwrap_or_default();
                Ok(match body.get("portalId") {
                    Some(Value::Number(n)) if n.is_u64() => Some(n.to_string()),
                    Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
                    _ => None,
                })
            }
            Ok(resp) if resp.status.is_client_error() && resp.status != StatusCode::TOO_MANY_REQUESTS => {
                tracing::info!(
                    endpoint,
                    status = resp.status.as_u16(),
                    "no portal id: app links disabled"
                );
                Ok(None)
            }
            _ => Err(()),
        }
    }

    /// Contacts modified at or after `since`, oldest first, in windows of at
    /// most the search cap: when a window fills up, the next query starts
    /// from the last modification time seen (records at that time come back
    /// twice and are deduplicated by id in the cache).
    async fn search_since(&self, since: Timestamp) -> Result<Searched, Box<Failure>> {
        let url = self.url(&["crm", "v3", "objects", "contacts", "search"], SEARCH_ENDPOINT)?;
        let page = self.limits.search_page.clamp(1, MAX_SEARCH_PAGE);
        let cap = self.limits.search_cap.max(page);
        let mut out = Paged::default();
        let mut start = since;
        for _window in 0..MAX_WINDOWS {
            let mut after = "0".to_owned();
            let mut in_window = 0usize;
            let mut last_seen: Option<Timestamp> = None;
            let mut cursors = HashSet::new();
            loop {
                self.pacer.wait().await;
                let request = Request::new(Method::POST, url.clone())
                    .with_json(search_body(start, &after, page))
                    .as_read_only_query();
                let (body, meta) = self.call(request, "POST", SEARCH_ENDPOINT).await?;
                let (items, next) =
                    results_and_next(body).map_err(|why| Failure::broken("POST", SEARCH_ENDPOINT, why, &meta))?;
                in_window += items.len();
                let found = map_items(items, |w: WireObject| wire::contact(w));
                out.skipped += found.skipped;
                for c in found.items {
                    last_seen = last_seen.max(c.modified);
                    out.items.push(c);
                }
                let Some(next) = next else {
                    if let Some(why) = mostly_unreadable(out.items.len(), out.skipped) {
                        return Err(Failure::broken("POST", SEARCH_ENDPOINT, why, &meta));
                    }
                    return Ok(Searched::Found(out));
                };
                if in_window + page > cap {
                    break; // the window is full: start another
                }
                if !cursors.insert(next.clone()) {
                    return Err(Failure::broken(
                        "POST",
                        SEARCH_ENDPOINT,
                        format!("{SEARCH_ENDPOINT} sent the cursor {next:?} again"),
                        &meta,
                    ));
                }
                after = next;
            }
            match last_seen {
                Some(t) if t > start => start = t,
                _ => return Ok(Searched::Stuck),
            }
        }
        Ok(Searched::Stuck)
    }

    /// Every page of an object list: `limit`, the extra query, and `after`
    /// from the previous page's `paging.next.after` until there is none.
    async fn paged<W: DeserializeOwned, T>(
        &self,
        segments: &[&str],
        extra: &[(&str, String)],
        map: impl Fn(W) -> Option<T>,
    ) -> Result<Paged<T>, Box<Failure>> {
        let endpoint = format!("/{}", segments.join("/"));
        let base = self.url(segments, &endpoint)?;
        let limit = self.limits.list_page.clamp(1, MAX_LIST_PAGE).to_string();
        let mut out = Paged::default();
        let mut after: Option<String> = None;
        let mut cursors = HashSet::new();
        for _page in 0..MAX_PAGES {
            let mut url = base.clone();
            {
                let mut q = url.query_pairs_mut();
                q.append_pair("limit", &limit);
                for (k, v) in extra {
                    q.append_pair(k, v);
                }
                if let Some(after) = &after {
                    q.append_pair("after", after);
                }
            }
            let (body, meta) = self.call(Request::get(url), "GET", &endpoint).await?;
            let (items, next) = results_and_next(body).map_err(|why| Failure::broken("GET", &endpoint, why, &meta))?;
            let page = map_items(items, &map);
            out.skipped += page.skipped;
            out.items.extend(page.items);
            match next {
                None => {
                    if let Some(why) = mostly_unreadable(out.items.len(), out.skipped) {
                        return Err(Failure::broken("GET", &endpoint, why, &meta));
                    }
                    if out.skipped > 0 {
                        tracing::warn!(endpoint, skipped = out.skipped, "unreadable records skipped");
                    }
                    return Ok(out);
                }
                Some(next) if !cursors.insert(next.clone()) => {
                    return Err(Failure::broken(
                        "GET",
                        &endpoint,
                        format!("{endpoint} sent the cursor {next:?} again (is `after` ignored?)"),
                        &meta,
                    ));
                }
                Some(next) => after = Some(next),
            }
        }
        Err(Box::new(Failure {
            method: "GET",
            endpoint: endpoint.clone(),
            status: HealthStatus::Down,
            why: format!("{endpoint} still had more after {MAX_PAGES} pages"),
            http_status: Some(200),
            vendor_error: None,
            request_id: String::new(),
            url: crate::http::redact_url(&base),
            attempts: 0,
        }))
    }

    fn url(&self, segments: &[&str], endpoint: &str) -> Result<Url, Box<Failure>> {
        join(self.base, segments).map_err(|e| Failure::unbuildable(endpoint, e.to_string(), self.base))
    }

    /// One call whose answer must be a 200 JSON object; anything else is
    /// classified as a probe would be, scrubbed of the token.
    async fn call(
        &self,
        request: Request,
        method: &'static str,
        endpoint: &str,
    ) -> Result<(Map<String, Value>, Meta), Box<Failure>> {
        let request = request.with_auth(self.auth.clone());
        call_json(self.client, request, endpoint, |_| Ok(()), hubspot_error)
            .await
            .map_err(|probe| Failure::from_probe(method, endpoint, probe))
    }
}

/// The search request: all five fields the published spec marks required.
/// `sorts` goes as objects: the spec types it `string[]`, but the live API
/// only honours `{propertyName, direction}` (HubSpot's SDK issues say so).
pub(super) fn search_body(since: Timestamp, after: &str, limit: usize) -> Value {
    json!({
        "filterGroups": [{"filters": [{
            "propertyName": "hs_lastmodifieddate",
            "operator": "GTE",
            "value": since.as_millisecond().to_string(),
        }]}],
        "sorts": [{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}],
        "properties": CONTACT_PROPERTIES,
        "limit": limit,
        "after": after,
    })
}

/// The open-tasks search: all five required fields, soonest due first.
pub(super) fn task_search_body(after: &str, limit: usize) -> Value {
    json!({
        "filterGroups": [{"filters": [{
            "propertyName": "hs_task_status",
            "operator": "NEQ",
            "value": "COMPLETED",
        }]}],
        "properties": TASK_PROPERTIES,
        "sorts": [{"propertyName": "hs_timestamp", "direction": "ASCENDING"}],
        "limit": limit,
        "after": after,
    })
}

/// Soonest due first, undated last; ties keep the server's order.
fn sort_by_due(tasks: &mut [CrmTask]) {
    tasks.sort_by_key(|t| (t.due.is_none(), t.due));
}

/// `results` (an array) and `paging.next.after`, if any.
fn results_and_next(mut body: Map<String, Value>) -> Result<(Vec<Value>, Option<String>), String> {
    let items = match body.remove("results") {
        Some(Value::Array(items)) => items,
        None => return Err("unexpected JSON: no \"results\" list".to_owned()),
        Some(_) => return Err("unexpected JSON: \"results\" is not a list".to_owned()),
    };
    let next = match body.get("paging").and_then(|p| p.get("next")) {
        None | Some(Value::Null) => None,
        Some(next) => match next.get("after") {
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => return Err("unexpected JSON: paging.next has no \"after\" cursor".to_owned()),
        },
    };
    Ok((items, next))
}

fn map_items<W: DeserializeOwned, T>(items: Vec<Value>, map: impl Fn(W) -> Option<T>) -> Paged<T> {
    let mut out = Paged::default();
    for item in items {
        match crate::sources::data_call::record::<W>(item).and_then(&map) {
            Some(t) => out.items.push(t),
            None => out.skipped += 1,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{HealthStatus, Probe};

    #[test]
    fn search_body_sends_all_five_required_fields() {
        let since: Timestamp = "2026-11-20T08:00:00Z".parse().expect("timestamp");
        let body = search_body(since, "0", 200);
        let keys: Vec<&str> = body.as_object().expect("object").keys().map(String::as_str).collect();
        for k in ["filterGroups", "sorts", "properties", "limit", "after"] {
            assert!(keys.contains(&k), "{k} missing from {body}");
        }
        assert_eq!(body["filterGroups"][0]["filters"][0]["value"], "1795161600000");
        assert_eq!(body["after"], "0");
    }

    #[test]
    fn task_search_body_sends_all_five_required_fields() {
        let body = task_search_body("200", 200);
        assert_eq!(
            body,
            json!({
                "filterGroups": [{"filters": [{"propertyName": "hs_task_status", "operator": "NEQ", "value": "COMPLETED"}]}],
                "properties": ["hs_task_subject", "hs_task_body", "hs_task_status", "hs_task_priority",
                    "hs_task_type", "hs_timestamp", "hubspot_owner_id", "hs_lastmodifieddate"],
                "sorts": [{"propertyName": "hs_timestamp", "direction": "ASCENDING"}],
                "limit": 200,
                "after": "200"
            })
        );
    }

    #[test]
    fn tasks_sort_soonest_due_first_and_undated_last() {
        let task = |id: &str, due: Option<&str>| CrmTask {
            id: id.into(),
            due: due.map(|d| d.parse().expect("timestamp")),
            ..CrmTask::default()
        };
        let mut tasks = vec![
            task("undated-1", None),
            task("late", Some("2026-11-25T09:00:00Z")),
            task("undated-2", None),
            task("early", Some("2026-11-20T09:00:00Z")),
        ];
        sort_by_due(&mut tasks);
        let ids: Vec<&str> = tasks.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids, ["early", "late", "undated-1", "undated-2"]);
    }

    #[test]
    fn a_partial_failure_degrades_but_a_rate_limit_says_so() {
        let probe = Probe {
            status: HealthStatus::Ok,
            summary: "contacts readable".into(),
            latency: Duration::ZERO,
            attempts: 1,
            http_status: Some(200),
            vendor_error: None,
            request_id: "r0".into(),
            url: "u0".into(),
            rate_limit: None,
            circuit: crate::model::CircuitState::Closed,
        };
        let failure = |status| Failure {
            method: "POST",
            endpoint: TASK_SEARCH_ENDPOINT.into(),
            status,
            why: "access denied (HTTP 403)".into(),
            http_status: Some(403),
            vendor_error: None,
            request_id: "r1".into(),
            url: "u1".into(),
            attempts: 1,
        };
        let p = failure(HealthStatus::Auth).degrade_partly(probe.clone(), "tasks");
        assert_eq!(p.status, HealthStatus::Degraded);
        assert_eq!(
            p.summary,
            "contacts readable; tasks could not be read: POST /crm/v3/objects/tasks/search failed: access denied (HTTP 403)"
        );
        assert_eq!((p.http_status, p.request_id.as_str()), (Some(403), "r1"));
        let p = failure(HealthStatus::RateLimited).degrade_partly(probe, "tasks");
        assert_eq!(p.status, HealthStatus::RateLimited);
    }

    #[test]
    fn paging_without_a_cursor_is_broken_and_absent_paging_ends() {
        let body = |v: Value| v.as_object().cloned().expect("object");
        assert!(results_and_next(body(json!({"results": [], "paging": {"next": {}}}))).is_err());
        assert!(results_and_next(body(json!({"paging": null}))).is_err());
        let (items, next) = results_and_next(body(json!({"results": [1, 2]}))).expect("ok");
        assert_eq!((items.len(), next), (2, None));
        let (_, next) = results_and_next(body(
            json!({"results": [], "paging": {"next": {"after": "abc", "link": "x"}}}),
        ))
        .expect("ok");
        assert_eq!(next.as_deref(), Some("abc"));
    }
}
