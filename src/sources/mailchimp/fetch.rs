//! Mailchimp's data: campaigns, reports, audiences and members, read with
//! `count`/`offset` paging and `fields` trimming; members synced
//! incrementally with `since_last_changed` into a cache the connector keeps.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant};

use futures::StreamExt;
use jiff::{SignedDuration, Timestamp};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use url::Url;

use super::mailchimp_error;
use super::wire::{self, WireCampaign, WireList, WireMember, WireReport};
use crate::http::{Auth, Request, SourceClient};
use crate::model::{Audience, Campaign, CampaignReport, CampaignStatus, EmailData, Member};
use crate::sources::data_call::Failure;
use crate::sources::data_call::{Meta, call_json};
use crate::sources::urls::join;

/// Mailchimp's largest page.
pub(super) const MAX_PAGE_SIZE: usize = 1000;
/// A runaway server (one that ignores `offset` and keeps raising `total_items`)
/// stops here: 20 million records at the largest page size.
const MAX_PAGES: usize = 20_000;
/// Audiences whose members are fetched at the same time. With the three
/// top-level lists this stays well under Mailchimp's 10 connections, which the
/// client's cap enforces anyway.
const MEMBER_CONCURRENCY: usize = 3;
/// Reports fetched one by one at the same time (only those missing from the list).
const REPORT_CONCURRENCY: usize = 3;
/// `since_last_changed` reaches back this far before the newest change seen,
/// so a change stamped just before the previous sync finished is not missed.
const OVERLAP: SignedDuration = SignedDuration::from_mins(5);
/// Incremental sync never sees deleted (archived) members; a full read of each
/// audience this often drops them from the cache.
const FULL_RESYNC: Duration = Duration::from_secs(6 * 60 * 60);

/// What a successful fetch brings back.
#[derive(Debug)]
pub(super) struct Fetched {
    pub data: EmailData,
    /// Records dropped because they lacked what the model needs.
    pub skipped: usize,
}

/// One call's identity, for failures found after the body parsed.
struct Paged<T> {
    items: Vec<T>,
    skipped: usize,
}

/// One poll's view of the connector: what each request needs.
pub(super) struct Fetcher<'a> {
    pub client: &'a SourceClient,
    pub auth: Auth,
    pub base: &'a Url,
    pub page_size: usize,
}

impl Fetcher<'_> {
    /// Campaigns (with reports), audiences and their members. Fails on the
    /// first call that fails, naming it.
    pub async fn fetch(&self, cache: &tokio::sync::Mutex<MemberCache>) -> Result<Fetched, Box<Failure>> {
        let (campaigns, reports, lists) = tokio::try_join!(
            self.paged(
                &["campaigns"],
                "campaigns",
                wire::CAMPAIGN_FIELDS,
                &[],
                |w: WireCampaign| { wire::campaign(w) }
            ),
            self.paged(
                &["reports"],
                "reports",
                wire::REPORT_LIST_FIELDS,
                &[],
                |w: WireReport| { wire::report(w) }
            ),
            self.paged(&["lists"], "lists", wire::LIST_FIELDS, &[], |w: WireList| {
                wire::audience(w)
            }),
        )?;
        let mut skipped = campaigns.skipped + reports.skipped + lists.skipped;
        let mut reports: HashMap<String, CampaignReport> = reports.items.into_iter().collect();
        let missing: Vec<String> = campaigns
            .items
            .iter()
            .filter(|c| c.status == CampaignStatus::Sent && !reports.contains_key(&c.id))
            .map(|c| c.id.clone())
            .collect();
        reports.extend(self.single_reports(missing).await?);
        let campaigns = attach_reports(campaigns.items, reports);

        let audiences = lists.items;
        let (members, member_skips) = self.sync_members(&audiences, cache).await?;
        skipped += member_skips;
        Ok(Fetched {
            data: EmailData {
                campaigns,
                audiences,
                members,
            },
            skipped,
        })
    }

    /// `GET /reports/{id}` for sent campaigns the report list did not carry
    /// (deleted since, or sent after the list was read: a 404 is no report).
    async fn single_reports(&self, ids: Vec<String>) -> Result<Vec<(String, CampaignReport)>, Box<Failure>> {
        let results: Vec<Result<_, Box<Failure>>> = futures::stream::iter(ids)
            .map(|id| async move {
                let endpoint = format!("/reports/{id}");
                let mut url = self.url(&["reports", &id], &endpoint)?;
                url.query_pairs_mut().append_pair("fields", wire::REPORT_FIELDS);
                match self.get(url, &endpoint, None).await {
                    Ok((body, _)) => Ok(serde_json::from_value::<WireReport>(Value::Object(body))
                        .ok()
                        .and_then(wire::report)),
                    Err(f) if f.http_status == Some(404) => Ok(None),
                    Err(f) => Err(f),
                }
            })
            .buffer_unordered(REPORT_CONCURRENCY)
            .collect()
            .await;
        let mut out = Vec::new();
        for r in results {
            out.extend(r?);
        }
        Ok(out)
    }

    /// Every audience's members: all of them the first time (and every
    /// [`FULL_RESYNC`]), later only those changed since the newest change seen.
    /// The cache is held for the whole sync so two polls never interleave.
    async fn sync_members(
        &self,
        audiences: &[Audience],
        cache: &tokio::sync::Mutex<MemberCache>,
    ) -> Result<(BTreeMap<String, BTreeMap<String, Member>>, usize), Box<Failure>> {
        let mut cache = cache.lock().await;
        let now = Instant::now();
        let plans: Vec<(String, Option<Timestamp>)> = audiences
            .iter()
            .map(|a| (a.id.clone(), cache.since(&a.id, now)))
            .collect();
        let results: Vec<_> = futures::stream::iter(plans)
            .map(|(id, since)| async move {
                let result = self.members(&id, since).await;
                (id, since.is_none(), result)
            })
            .buffer_unordered(MEMBER_CONCURRENCY)
            .collect()
            .await;
        let mut skipped = 0;
        let mut failure = None;
        for (id, full, result) in results {
            match result {
                // An audience read whole is kept even when another failed.
                Ok(page) => {
                    skipped += page.skipped;
                    cache.apply(&id, page.items, full, now);
                }
                Err(f) => {
                    failure.get_or_insert(f);
                }
            }
        }
        cache.retain(audiences.iter().map(|a| a.id.as_str()));
        match failure {
            Some(f) => Err(f),
            None => Ok((cache.snapshot(), skipped)),
        }
    }

    async fn members(&self, list_id: &str, since: Option<Timestamp>) -> Result<Paged<Member>, Box<Failure>> {
        let extra: Vec<(&str, String)> = since
            .map(|t| ("since_last_changed", mailchimp_time(t)))
            .into_iter()
            .collect();
        self.paged(
            &["lists", list_id, "members"],
            "members",
            wire::MEMBER_FIELDS,
            &extra,
            |w: WireMember| wire::member(w),
        )
        .await
    }

    /// Every page of a list endpoint. The offset advances by what each page
    /// actually held; paging stops at `total_items` or at an empty page, so a
    /// server that overstates its total costs one empty page, not a loop.
    async fn paged<W: DeserializeOwned, T>(
        &self,
        segments: &[&str],
        key: &str,
        fields: &str,
        extra: &[(&str, String)],
        map: impl Fn(W) -> Option<T>,
    ) -> Result<Paged<T>, Box<Failure>> {
        let endpoint = format!("/{}", segments.join("/"));
        let base = self.url(segments, &endpoint)?;
        let count = self.page_size.clamp(1, MAX_PAGE_SIZE);
        let mut out = Paged {
            items: Vec::new(),
            skipped: 0,
        };
        let mut offset: u64 = 0;
        let mut previous_first: Option<Value> = None;
        let mut page: usize = 0;
        loop {
            let mut url = base.clone();
            {
                let mut q = url.query_pairs_mut();
                q.append_pair("fields", fields)
                    .append_pair("count", &count.to_string())
                    .append_pair("offset", &offset.to_string());
                for (k, v) in extra {
                    q.append_pair(k, v);
                }
            }
            let (mut body, meta) = self.get(url, &endpoint, Some(key)).await?;
            let total = body.get("total_items").and_then(count_of);
            let items = match body.remove(key) {
                Some(Value::Array(items)) => items,
                _ => Vec::new(), // only when total_items is 0: `get` checked
            };
            if page > 0 && !items.is_empty() && items.first() == previous_first.as_ref() {
                return Err(Failure::broken(
                    "GET",
                    &endpoint,
                    format!("{endpoint} sent the same page again at offset {offset} (is `offset` ignored?)"),
                    &meta,
                ));
            }
            previous_first = items.first().cloned();
            let n = items.len();
            for item in items {
                match crate::sources::data_call::record::<W>(item).and_then(&map) {
                    Some(t) => out.items.push(t),
                    None => out.skipped += 1,
                }
            }

            offset += n as u64;
            let done = match total {
                _ if n == 0 => true,
                Some(total) => offset >= total,
                // No total: a short page is the last one.
                None => n < count,
            };
            if done {
                if let Some(why) = crate::sources::data_call::mostly_unreadable(out.items.len(), out.skipped) {
                    return Err(Failure::broken("GET", &endpoint, why, &meta));
                }
                if out.skipped > 0 {
                    tracing::warn!(endpoint, skipped = out.skipped, "unreadable records skipped");
                }
                return Ok(out);
            }
            page += 1;
            if page >= MAX_PAGES {
                return Err(Failure::broken(
                    "GET",
                    &endpoint,
                    format!("{endpoint} still had more after {MAX_PAGES} pages (total_items {total:?})"),
                    &meta,
                ));
            }
        }
    }

    fn url(&self, segments: &[&str], endpoint: &str) -> Result<Url, Box<Failure>> {
        join(self.base, segments).map_err(|e| Failure::unbuildable(endpoint, e.to_string(), self.base))
    }

    /// One GET whose answer must be a 200 JSON object (holding the array
    /// `list_key`, when given); anything else is classified as a probe would be.
    async fn get(
        &self,
        url: Url,
        endpoint: &str,
        list_key: Option<&str>,
    ) -> Result<(Map<String, Value>, Meta), Box<Failure>> {
        let request = Request::get(url).with_auth(self.auth.clone());
        let check = |body: &Map<String, Value>| match list_key {
            Some(key) => check_list(body, key, endpoint),
            None => Ok(()),
        };
        call_json(self.client, request, endpoint, check, mailchimp_error)
            .await
            .map_err(|probe| Failure::from_probe("GET", endpoint, probe))
    }
}

/// The list must be an array; a missing list is accepted only when the
/// total says there is nothing to list.
fn check_list(body: &Map<String, Value>, key: &str, endpoint: &str) -> Result<(), String> {
    match body.get(key) {
        Some(Value::Array(_)) => Ok(()),
        None | Some(Value::Null) if body.get("total_items").and_then(count_of) == Some(0) => Ok(()),
        None => Err(format!("unexpected JSON from {endpoint}: no {key:?} list")),
        Some(_) => Err(format!("unexpected JSON from {endpoint}: {key:?} is not a list")),
    }
}

fn count_of(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn attach_reports(campaigns: Vec<Campaign>, mut reports: HashMap<String, CampaignReport>) -> Vec<Campaign> {
    campaigns
        .into_iter()
        .map(|mut c| {
            c.report = reports.remove(&c.id);
            c
        })
        .collect()
}

/// The time format Mailchimp documents for its filters: `2015-10-21T15:41:36+00:00`.
pub(super) fn mailchimp_time(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S+00:00").to_string()
}

/// Members per audience between polls, by subscriber hash.
#[derive(Debug, Default)]
pub(super) struct MemberCache {
    lists: HashMap<String, ListMembers>,
}

#[derive(Debug)]
struct ListMembers {
    members: BTreeMap<String, Member>,
    newest: Option<Timestamp>,
    full_at: Instant,
}

impl MemberCache {
    /// `since_last_changed` for the next read of `list_id`; `None` means
    /// read it whole (never read, empty, or due for a full resync).
    fn since(&self, list_id: &str, now: Instant) -> Option<Timestamp> {
        let list = self.lists.get(list_id)?;
        if now.saturating_duration_since(list.full_at) >= FULL_RESYNC {
            return None;
        }
        let newest = list.newest?;
        Some(newest.checked_sub(OVERLAP).unwrap_or(newest))
    }

    /// Merge a read: a full one replaces the audience, an incremental one
    /// updates changed members and adds new ones.
    fn apply(&mut self, list_id: &str, members: Vec<Member>, full: bool, at: Instant) {
        if full || !self.lists.contains_key(list_id) {
            self.lists.insert(
                list_id.to_owned(),
                ListMembers {
                    members: BTreeMap::new(),
                    newest: None,
                    full_at: at,
                },
            );
        }
        let Some(list) = self.lists.get_mut(list_id) else {
            return; // inserted just above
        };
        for m in members {
            list.newest = list.newest.max(Some(m.last_changed));
            list.members.insert(m.id.clone(), m);
        }
    }

    /// Forget audiences that no longer exist.
    fn retain<'a>(&mut self, list_ids: impl Iterator<Item = &'a str>) {
        let keep: HashSet<&str> = list_ids.collect();
        self.lists.retain(|id, _| keep.contains(id.as_str()));
    }

    fn snapshot(&self) -> BTreeMap<String, BTreeMap<String, Member>> {
        self.lists
            .iter()
            .map(|(id, list)| (id.clone(), list.members.clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::MemberStatus;
    use crate::model::{HealthStatus, Probe};

    fn ts(s: &str) -> Timestamp {
        s.parse().expect("timestamp")
    }

    fn m(id: &str, status: MemberStatus, at: &str) -> Member {
        Member {
            id: id.into(),
            email: format!("{id}@example.com"),
            status,
            last_changed: ts(at),
        }
    }

    #[test]
    fn filter_times_use_the_documented_offset_form() {
        assert_eq!(mailchimp_time(ts("2026-11-20T08:00:00Z")), "2026-11-20T08:00:00+00:00");
    }

    #[test]
    fn first_read_is_whole_then_incremental_with_overlap() {
        let mut cache = MemberCache::default();
        let t0 = Instant::now();
        assert_eq!(cache.since("l1", t0), None);
        cache.apply(
            "l1",
            vec![
                m("a", MemberStatus::Subscribed, "2026-11-20T08:00:00Z"),
                m("b", MemberStatus::Subscribed, "2026-11-21T08:00:00Z"),
            ],
            true,
            t0,
        );
        assert_eq!(cache.since("l1", t0), Some(ts("2026-11-21T07:55:00Z")));
        cache.apply(
            "l1",
            vec![
                m("a", MemberStatus::Unsubscribed, "2026-11-22T08:00:00Z"),
                m("c", MemberStatus::Pending, "2026-11-22T09:00:00Z"),
            ],
            false,
            t0,
        );
        let snap = cache.snapshot();
        let l1 = &snap["l1"];
        assert_eq!(l1.len(), 3);
        assert_eq!(l1["a"].status, MemberStatus::Unsubscribed);
        assert_eq!(cache.since("l1", t0), Some(ts("2026-11-22T08:55:00Z")));
    }

    #[test]
    fn full_resync_is_due_after_its_interval_and_replaces() {
        let mut cache = MemberCache::default();
        let t0 = Instant::now();
        cache.apply(
            "l1",
            vec![m("a", MemberStatus::Subscribed, "2026-11-20T08:00:00Z")],
            true,
            t0,
        );
        assert_eq!(cache.since("l1", t0 + FULL_RESYNC), None);
        cache.apply(
            "l1",
            vec![m("b", MemberStatus::Subscribed, "2026-11-20T09:00:00Z")],
            true,
            t0,
        );
        assert_eq!(cache.snapshot()["l1"].keys().collect::<Vec<_>>(), ["b"]);
    }

    #[test]
    fn vanished_audiences_are_forgotten() {
        let mut cache = MemberCache::default();
        let t0 = Instant::now();
        cache.apply("l1", vec![], true, t0);
        cache.apply("l2", vec![], true, t0);
        cache.retain(["l2"].into_iter());
        assert_eq!(cache.snapshot().keys().collect::<Vec<_>>(), ["l2"]);
    }

    #[test]
    fn a_failure_degrades_a_healthy_probe_and_names_the_call() {
        let probe = Probe {
            status: HealthStatus::Ok,
            summary: "Everything's Chimpy!".into(),
            latency: Duration::from_millis(20),
            attempts: 1,
            http_status: Some(200),
            vendor_error: None,
            request_id: "ping-1".into(),
            url: "http://h/ping".into(),
            rate_limit: None,
            circuit: crate::model::CircuitState::Closed,
        };
        let failure = Failure {
            method: "GET",
            endpoint: "/lists/l1/members".into(),
            status: HealthStatus::Down,
            why: "HTTP 500 after 3 attempts".into(),
            http_status: Some(500),
            vendor_error: None,
            request_id: "req-9".into(),
            url: "http://h/lists/l1/members".into(),
            attempts: 3,
        };
        let p = failure.clone().degrade(probe.clone(), "ping");
        assert_eq!(p.status, HealthStatus::Degraded);
        assert_eq!(
            p.summary,
            "ping OK, but GET /lists/l1/members failed: HTTP 500 after 3 attempts"
        );
        assert_eq!((p.http_status, p.request_id.as_str()), (Some(500), "req-9"));
        let auth = Failure {
            status: HealthStatus::Auth,
            ..failure
        };
        assert_eq!(auth.degrade(probe, "ping").status, HealthStatus::Auth);
    }
}
