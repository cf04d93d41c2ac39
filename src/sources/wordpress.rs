//! WordPress REST API: health via the site index, `GET {base}/` where base
//! ends with `/wp-json`.

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

const ENDPOINT: &str = "/wp-json/";

pub struct Wordpress {
    name: String,
    client: SourceClient,
    index: Url,
    user: String,
    app_password: SecretString,
    slow: Duration,
}

impl Wordpress {
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
            client,
            user,
            app_password,
            slow,
        })
    }
}

#[derive(Deserialize)]
struct SiteIndex {
    name: String,
}

fn judge(resp: &Response) -> BodyVerdict {
    match parse_json::<SiteIndex>(resp, ENDPOINT) {
        Ok(site) if site.name.trim().is_empty() => BodyVerdict::Healthy("site answers".to_owned()),
        Ok(site) => BodyVerdict::Healthy(format!("site \"{}\" answers", site.name.trim())),
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
    let e: ErrorBody = serde_json::from_slice(body).ok()?;
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
        let request = Request::get(self.index.clone()).with_auth(Auth::Basic {
            user: self.user.clone(),
            password: self.app_password.clone(),
        });
        let probe = run_probe(&self.client, request, ENDPOINT, 200, self.slow, judge, wordpress_error).await;
        PollReport::health(probe)
    }
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
