//! One data call (after the health probe) whose answer must be a 200 JSON
//! object: shared by the connectors that page through a vendor's lists.

use std::time::{Duration, Instant};

use jiff::Timestamp;
use serde_json::{Map, Value};

use super::classify::{BodyVerdict, ProbeContext, classify, parse_json};
use crate::http::{Request, Scrubber, SourceClient, StatusCode};
use crate::model::{HealthStatus, Probe, VendorError};

/// Where an answer came from, for the health row when a later call fails.
pub(crate) struct Meta {
    pub(crate) request_id: String,
    pub(crate) url: String,
    pub(crate) attempts: u32,
}

/// Sends `request`; a 200 JSON object that `check` accepts comes back with
/// its meta, anything else as a probe classified exactly as the health probe
/// would be, scrubbed of the source's secrets.
pub(crate) async fn call_json(
    client: &SourceClient,
    request: Request,
    endpoint: &str,
    check: impl FnOnce(&Map<String, Value>) -> Result<(), String>,
    vendor_error: impl FnOnce(&[u8]) -> Option<VendorError>,
) -> Result<(Map<String, Value>, Meta), Probe> {
    let scrub = client.scrubber_for(&request.auth);
    let started = Instant::now();
    let outcome = client.send(request).await;
    let verdict = match &outcome {
        Ok(resp) if resp.status == StatusCode::OK => match parse_json::<Map<String, Value>>(resp, endpoint) {
            Ok(body) => match check(&body) {
                Ok(()) => {
                    let meta = Meta {
                        request_id: resp.request_id.clone(),
                        url: resp.url.clone(),
                        attempts: resp.attempts,
                    };
                    return Ok((body, meta));
                }
                Err(why) => BodyVerdict::Broken(why),
            },
            Err(broken) => broken,
        },
        _ => BodyVerdict::Broken(String::new()), // unused: non-200 is classified by status
    };
    let ctx = ProbeContext {
        endpoint: endpoint.to_owned(),
        expect_status: 200,
        slow: Duration::MAX,
        elapsed: started.elapsed(),
        circuit: client.circuit(),
        headroom: client.headroom(),
        now: Timestamp::now(),
    };
    let mut probe = classify(outcome.as_ref(), &ctx, |_| verdict, vendor_error);
    scrub_probe(&mut probe, &scrub);
    Err(probe)
}

/// Vendor text can echo a credential: scrub what the health row shows.
pub(crate) fn scrub_probe(probe: &mut Probe, scrub: &Scrubber) {
    probe.summary = scrub.scrub(&probe.summary);
    if let Some(vendor) = &mut probe.vendor_error {
        vendor.message = scrub.scrub(&vendor.message);
        vendor.code = vendor.code.as_deref().map(|code| scrub.scrub(code));
    }
}

/// One record of a page, read only when it is a JSON object: serde would
/// otherwise read an array's items into the struct's fields in order.
pub(crate) fn record<W: serde::de::DeserializeOwned>(item: Value) -> Option<W> {
    match item {
        Value::Object(_) => serde_json::from_value(item).ok(),
        _ => None,
    }
}

/// A whole body read as `W` only when it is a JSON object (vendor error bodies).
pub(crate) fn object_body<W: serde::de::DeserializeOwned>(body: &[u8]) -> Option<W> {
    record(serde_json::from_slice::<Value>(body).ok()?)
}

/// Why a page must not be used: most of its records could not be read, so
/// the vendor has likely changed its format. Such a page fails its call, and
/// the last good data (and the caches behind incremental syncs) stay, rather
/// than being replaced by the fraction that could be read.
pub(crate) fn mostly_unreadable(kept: usize, skipped: usize) -> Option<String> {
    (skipped > 0 && skipped > kept).then(|| {
        format!(
            "{skipped} of {} records unreadable (has the format changed?); keeping the last good data",
            kept + skipped
        )
    })
}

/// Why a data call (after a healthy probe) failed: the call, classified like
/// a probe. Shared by the connectors that page through a vendor's lists.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Failure {
    /// `GET`, or `POST` for a search.
    pub method: &'static str,
    /// `/campaigns`, `/crm/v3/objects/contacts/search`, `/wp/v2/posts`, ...
    pub endpoint: String,
    /// How the failing call alone classifies (Auth, RateLimited, Down).
    pub status: HealthStatus,
    pub why: String,
    pub http_status: Option<u16>,
    pub vendor_error: Option<VendorError>,
    pub request_id: String,
    pub url: String,
    pub attempts: u32,
}

impl Failure {
    /// A call that did not answer 200 with a JSON object, as `call_json` classified it.
    pub(crate) fn from_probe(method: &'static str, endpoint: &str, p: Probe) -> Box<Self> {
        Box::new(Failure {
            method,
            endpoint: endpoint.to_owned(),
            status: p.status,
            why: p.summary,
            http_status: p.http_status,
            vendor_error: p.vendor_error,
            request_id: p.request_id,
            url: p.url,
            attempts: p.attempts,
        })
    }

    /// A body that parsed but is not what the endpoint promises.
    pub(crate) fn broken(method: &'static str, endpoint: &str, why: String, meta: &Meta) -> Box<Self> {
        Box::new(Failure {
            method,
            endpoint: endpoint.to_owned(),
            status: HealthStatus::Down,
            why,
            http_status: Some(200),
            vendor_error: None,
            request_id: meta.request_id.clone(),
            url: meta.url.clone(),
            attempts: meta.attempts,
        })
    }

    /// A URL that could not be built from the base and the path: nothing was sent.
    pub(crate) fn unbuildable(endpoint: &str, why: String, base: &url::Url) -> Box<Self> {
        Box::new(Failure {
            method: "GET",
            endpoint: endpoint.to_owned(),
            status: HealthStatus::Down,
            why,
            http_status: None,
            vendor_error: None,
            request_id: String::new(),
            url: crate::http::redact_url(base),
            attempts: 0,
        })
    }

    /// The healthy probe (`checked`: "ping", "site index", "probe"), turned by
    /// this failure: AUTH or RATE-LIMITED when the call says so, else
    /// DEGRADED. It names the failing call, whose status, vendor error and
    /// request id the detail view then shows.
    pub(crate) fn degrade(self, mut probe: Probe, checked: &str) -> Probe {
        probe.status = match self.status {
            HealthStatus::Auth => HealthStatus::Auth,
            HealthStatus::RateLimited => HealthStatus::RateLimited,
            _ => HealthStatus::Degraded,
        };
        probe.summary = format!(
            "{checked} OK, but {} {} failed: {}",
            self.method, self.endpoint, self.why
        );
        self.into_probe(probe)
    }

    /// The healthy probe of a poll whose other data still came back, less
    /// `missing`: DEGRADED (RATE-LIMITED for a 429, which holds for the whole
    /// source), naming the failing call. A 403 here is one missing scope, not
    /// a bad token, so it is not AUTH.
    pub(crate) fn degrade_partly(self, mut probe: Probe, missing: &str) -> Probe {
        probe.status = match (probe.status, self.status) {
            (_, HealthStatus::RateLimited) => HealthStatus::RateLimited,
            (HealthStatus::RateLimited, _) => HealthStatus::RateLimited,
            _ => HealthStatus::Degraded,
        };
        probe.summary = format!(
            "{}; {missing} could not be read: {} {} failed: {}",
            probe.summary, self.method, self.endpoint, self.why
        );
        self.into_probe(probe)
    }

    /// The failing call's identity on the probe, for the detail view.
    fn into_probe(self, mut probe: Probe) -> Probe {
        probe.http_status = self.http_status;
        probe.vendor_error = self.vendor_error;
        probe.request_id = self.request_id;
        probe.url = self.url;
        probe.attempts = self.attempts;
        probe
    }
}
