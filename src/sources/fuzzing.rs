//! Entry points for the property tests (`tests/parsers_prop.rs`) and the
//! cargo-fuzz targets (`fuzz/`): each runs bytes as a vendor might send them
//! through the parsing the connectors use: the JSON reader, the record
//! mappers of each `wire` module, the vendor error readers, the probe judges
//! and the classifier, and the config parser. Not a stable API.
//!
//! A page's records go through the same per-record path as in the fetchers:
//! one record that does not read is skipped and counted, never fatal.

use std::path::Path;
use std::time::Duration;

use bytes::Bytes;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::classify::{BodyVerdict, ProbeContext, classify, parse_json};
use super::{hubspot, mailchimp, wordpress};
use crate::config::{Config, ConfigError};
use crate::http::{HttpError, Response, StatusCode};
use crate::model::{
    Audience, Author, Campaign, CampaignReport, CircuitState, Contact, CrmTask, Deal, DealPipeline, Member, Owner,
    Post, PostType, Probe, VendorError,
};

/// The records of one page that read, and how many did not.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub skipped: usize,
}

/// A page body that is not even a page: the reason the pane would show.
pub type Broken = String;

/// A 200 answer holding `body`, as the HTTP client hands it over.
fn ok_response(body: &[u8]) -> Response {
    response(StatusCode::OK, None, body)
}

fn response(status: StatusCode, retry_after: Option<Duration>, body: &[u8]) -> Response {
    Response {
        status,
        headers: HeaderMap::new(),
        body: Bytes::copy_from_slice(body),
        latency: Duration::from_millis(40),
        attempt_latencies: vec![Duration::from_millis(40)],
        attempts: 1,
        request_id: "fuzz".to_owned(),
        rate_limit: None,
        retry_after,
        url: "http://127.0.0.1/fuzz".to_owned(),
    }
}

fn broken(verdict: BodyVerdict) -> Broken {
    match verdict {
        BodyVerdict::Broken(why) | BodyVerdict::Healthy(why) => why,
    }
}

/// Mailchimp's and HubSpot's lists: a JSON object holding the array `key`.
fn object_page<W: DeserializeOwned, T>(
    bytes: &[u8],
    endpoint: &str,
    key: &str,
    map: impl Fn(W) -> Option<T>,
) -> Result<Page<T>, Broken> {
    let mut body: Map<String, Value> = parse_json(&ok_response(bytes), endpoint).map_err(broken)?;
    match body.remove(key) {
        Some(Value::Array(items)) => Ok(records(items, map)),
        _ => Err(format!("unexpected JSON from {endpoint}: no {key:?} list")),
    }
}

/// Each record as the fetchers read it: through serde into the lenient wire
/// type, then mapped; anything unreadable is counted.
fn records<W: DeserializeOwned, T>(items: Vec<Value>, map: impl Fn(W) -> Option<T>) -> Page<T> {
    let mut page = Page {
        items: Vec::new(),
        skipped: 0,
    };
    for item in items {
        match super::data_call::record::<W>(item).and_then(&map) {
            Some(t) => page.items.push(t),
            None => page.skipped += 1,
        }
    }
    page
}

/// WordPress's lists: a bare JSON array of objects.
fn array_page<W: DeserializeOwned, T>(
    bytes: &[u8],
    endpoint: &str,
    map: impl Fn(W) -> Option<T>,
) -> Result<Page<T>, Broken> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Array(items)) => {
            // A record that is not an object is unreadable, as in the fetcher.
            let (objects, others): (Vec<Value>, Vec<Value>) = items.into_iter().partition(Value::is_object);
            let mut page = records(objects, map);
            page.skipped += others.len();
            Ok(page)
        }
        Ok(_) => Err(format!("unexpected JSON from {endpoint}: expected a list")),
        Err(e) => Err(format!("malformed JSON from {endpoint}: {e}")),
    }
}

pub fn mailchimp_campaigns(bytes: &[u8]) -> Result<Page<Campaign>, Broken> {
    object_page(bytes, "/campaigns", "campaigns", mailchimp::wire::campaign)
}

pub fn mailchimp_reports(bytes: &[u8]) -> Result<Page<(String, CampaignReport)>, Broken> {
    object_page(bytes, "/reports", "reports", mailchimp::wire::report)
}

/// `GET /reports/{id}`: one report object.
pub fn mailchimp_report(bytes: &[u8]) -> Result<Option<(String, CampaignReport)>, Broken> {
    let body: Map<String, Value> = parse_json(&ok_response(bytes), "/reports/{id}").map_err(broken)?;
    Ok(serde_json::from_value(Value::Object(body))
        .ok()
        .and_then(mailchimp::wire::report))
}

pub fn mailchimp_lists(bytes: &[u8]) -> Result<Page<Audience>, Broken> {
    object_page(bytes, "/lists", "lists", mailchimp::wire::audience)
}

pub fn mailchimp_members(bytes: &[u8]) -> Result<Page<Member>, Broken> {
    object_page(bytes, "/lists/{id}/members", "members", mailchimp::wire::member)
}

pub fn hubspot_contacts(bytes: &[u8]) -> Result<Page<Contact>, Broken> {
    object_page(bytes, "/crm/v3/objects/contacts", "results", hubspot::wire::contact)
}

pub fn hubspot_deals(bytes: &[u8]) -> Result<Page<Deal>, Broken> {
    object_page(bytes, "/crm/v3/objects/deals", "results", hubspot::wire::deal)
}

pub fn hubspot_tasks(bytes: &[u8]) -> Result<Page<CrmTask>, Broken> {
    object_page(bytes, "/crm/v3/objects/tasks/search", "results", hubspot::wire::task)
}

pub fn hubspot_owners(bytes: &[u8]) -> Result<Page<Owner>, Broken> {
    object_page(bytes, "/crm/v3/owners", "results", hubspot::wire::owner)
}

pub fn hubspot_pipelines(bytes: &[u8]) -> Result<Page<DealPipeline>, Broken> {
    object_page(bytes, "/crm/v3/pipelines/deals", "results", hubspot::wire::pipeline)
}

/// Posts read in a zone five hours off UTC, so local times are converted,
/// not passed through.
pub fn wordpress_posts(bytes: &[u8]) -> Result<Page<Post>, Broken> {
    let zone = TimeZone::fixed(jiff::tz::offset(5));
    array_page(bytes, "/wp/v2/posts", |w| {
        wordpress::wire::post(w, PostType::Post, &zone)
    })
}

pub fn wordpress_users(bytes: &[u8]) -> Result<Page<Author>, Broken> {
    array_page(bytes, "/wp/v2/users", wordpress::wire::author)
}

pub fn mailchimp_error(bytes: &[u8]) -> Option<VendorError> {
    mailchimp::mailchimp_error(bytes)
}

pub fn hubspot_error(bytes: &[u8]) -> Option<VendorError> {
    hubspot::hubspot_error(bytes)
}

pub fn wordpress_error(bytes: &[u8]) -> Option<VendorError> {
    wordpress::wordpress_error(bytes)
}

/// Whose probe judges the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vendor {
    Mailchimp,
    Hubspot,
    Wordpress,
}

/// The health probe of `vendor` answered `status` (any u16: it is folded
/// into 100..=599) with `body`, classified with the vendor's own judge and
/// error reader, at a fixed clock.
pub fn probe(vendor: Vendor, status: u16, retry_after: Option<Duration>, body: &[u8]) -> Probe {
    // Invariant: 100..=599 is always a valid status code.
    let status = StatusCode::from_u16(100 + status % 500).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let resp = response(status, retry_after, body);
    let ctx = context();
    match vendor {
        Vendor::Mailchimp => classify(Ok(&resp), &ctx, mailchimp::judge, mailchimp::mailchimp_error),
        Vendor::Hubspot => classify(Ok(&resp), &ctx, hubspot::judge, hubspot::hubspot_error),
        Vendor::Wordpress => {
            let mut site = None;
            classify(
                Ok(&resp),
                &ctx,
                |r| wordpress::judge(r, &mut site),
                wordpress::wordpress_error,
            )
        }
    }
}

/// A call that produced no response, classified as the probe would.
pub fn probe_error(err: &HttpError) -> Probe {
    classify(Err(err), &context(), |_| BodyVerdict::Healthy(String::new()), |_| None)
}

fn context() -> ProbeContext {
    ProbeContext {
        endpoint: "/fuzz".to_owned(),
        expect_status: 200,
        slow: Duration::from_secs(2),
        elapsed: Duration::from_millis(40),
        circuit: CircuitState::Closed,
        headroom: None,
        now: Timestamp::UNIX_EPOCH,
    }
}

/// The config parser on `text`, as if read from `/fuzz/config.toml`. Reads
/// no files and resolves no secrets.
pub fn config_from_str(text: &str) -> Result<Config, ConfigError> {
    crate::config::parse(text, Path::new("/fuzz/config.toml"))
}
