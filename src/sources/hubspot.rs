//! HubSpot CRM v3: health via the cheapest authenticated read,
//! `GET /crm/v3/objects/contacts?limit=1`.

use std::time::Duration;

use async_trait::async_trait;
use secrecy::SecretString;
use serde::Deserialize;
use url::Url;

use super::classify::{BodyVerdict, parse_json};
use super::urls::{NotABase, join};
use super::{Connector, PollReport, run_probe};
use crate::http::{Auth, Request, Response, SourceClient};
use crate::model::{SourceKind, VendorError};

pub const HUBSPOT_PROBE_PATH: &str = "/crm/v3/objects/contacts";

pub struct Hubspot {
    name: String,
    client: SourceClient,
    probe_url: Url,
    token: SecretString,
    slow: Duration,
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
            probe_url,
            token,
            slow,
        })
    }
}

#[derive(Deserialize)]
struct Page {
    #[allow(dead_code)] // presence and shape are what we check
    results: Vec<serde_json::Value>,
}

fn judge(resp: &Response) -> BodyVerdict {
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
    let e: ErrorBody = serde_json::from_slice(body).ok()?;
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
        let request = Request::get(self.probe_url.clone()).with_auth(Auth::Bearer(self.token.clone()));
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
        PollReport::health(probe)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
