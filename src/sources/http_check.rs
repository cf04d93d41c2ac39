//! The generic check: `GET url`, expect a status and optionally a substring.

use std::time::Duration;

use async_trait::async_trait;
use url::Url;

use super::classify::BodyVerdict;
use super::{Connector, PollReport, run_probe};
use crate::http::{Request, Response, SourceClient};
use crate::model::SourceKind;

pub struct HttpCheck {
    name: String,
    client: SourceClient,
    url: Url,
    expect_status: u16,
    expect_body: Option<String>,
    slow: Duration,
}

impl HttpCheck {
    pub fn new(
        name: &str,
        client: SourceClient,
        url: Url,
        expect_status: u16,
        expect_body: Option<String>,
        slow: Duration,
    ) -> Self {
        HttpCheck {
            name: name.to_owned(),
            client,
            url,
            expect_status,
            expect_body,
            slow,
        }
    }
}

/// The expected status arrived; check the body text if asked to.
pub(crate) fn judge(resp: &Response, expect_body: Option<&str>) -> BodyVerdict {
    let healthy = format!("HTTP {}", resp.status.as_u16());
    match expect_body {
        None => BodyVerdict::Healthy(healthy),
        Some(needle) if String::from_utf8_lossy(&resp.body).contains(needle) => {
            BodyVerdict::Healthy(format!("{healthy}, body has {needle:?}"))
        }
        Some(needle) => BodyVerdict::Broken(format!("HTTP {} but body lacks {needle:?}", resp.status.as_u16())),
    }
}

#[async_trait]
impl Connector for HttpCheck {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> SourceKind {
        SourceKind::Http
    }

    fn probe_url(&self) -> String {
        crate::http::redact_url(&self.url)
    }

    async fn poll(&self) -> PollReport {
        let mut request = Request::get(self.url.clone());
        // Expecting a redirect (a click tracker, a moved page) means checking
        // the redirect itself, not wherever it leads.
        if (300..400).contains(&self.expect_status) {
            request = request.without_redirects();
        }
        let probe = run_probe(
            &self.client,
            request,
            self.url.path(),
            self.expect_status,
            self.slow,
            |resp| judge(resp, self.expect_body.as_deref()),
            |_| None,
        )
        .await;
        PollReport::health(probe)
    }
}
