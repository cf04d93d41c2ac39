//! Shared by the tests/sandbox_*.rs files: start a sandbox on a free loopback
//! port and call it the way the connectors will.
#![allow(dead_code)] // each test file uses a different subset

use std::time::Duration;

use mops::sandbox::{self, Fault, Sandbox, SandboxOptions};
use reqwest::{Client, RequestBuilder, Response};
use secrecy::ExposeSecret;

pub async fn start(seed: u64) -> Sandbox {
    start_with(seed, Vec::new()).await
}

pub async fn start_with(seed: u64, faults: Vec<(String, Fault)>) -> Sandbox {
    sandbox::spawn(SandboxOptions {
        listen: "127.0.0.1:0".parse().unwrap(),
        seed,
        faults,
    })
    .await
    .unwrap()
}

/// Generous timeout: only the `hang` tests set a short one on purpose.
pub fn client() -> Client {
    Client::builder().timeout(Duration::from_secs(60)).build().unwrap()
}

pub fn url(sb: &Sandbox, path: &str) -> String {
    format!("http://{}{path}", sb.addr())
}

pub fn mailchimp(client: &Client, sb: &Sandbox, path: &str) -> RequestBuilder {
    let key = sb.credentials().mailchimp_api_key.expose_secret().to_owned();
    client
        .get(url(sb, &format!("/mailchimp/3.0{path}")))
        .basic_auth("anystring", Some(key))
}

/// Any method against `/mailchimp/3.0{path}` with the sandbox's key.
pub fn mailchimp_with(client: &Client, sb: &Sandbox, method: reqwest::Method, path: &str) -> RequestBuilder {
    let key = sb.credentials().mailchimp_api_key.expose_secret().to_owned();
    client
        .request(method, url(sb, &format!("/mailchimp/3.0{path}")))
        .basic_auth("anystring", Some(key))
}

/// GET `/mailchimp/3.0{path}`, asserting 200, as JSON.
pub async fn mailchimp_json(client: &Client, sb: &Sandbox, path: &str) -> serde_json::Value {
    let response = mailchimp(client, sb, path).send().await.unwrap();
    assert_eq!(response.status(), 200, "GET {path}");
    json(response).await
}

/// Asserts a Mailchimp problem+json answer and returns its body.
pub async fn mailchimp_problem(response: Response, status: u16, title: &str) -> serde_json::Value {
    assert_eq!(response.status(), status);
    assert_eq!(content_type(&response), "application/problem+json");
    let body = json(response).await;
    assert_eq!(body["title"], title, "{body}");
    assert_eq!(body["status"], status, "{body}");
    assert_eq!(body["type"], "https://mailchimp.com/developer/marketing/docs/errors/");
    assert_uuid(&body["instance"]);
    body
}

pub fn hubspot(client: &Client, sb: &Sandbox, path: &str) -> RequestBuilder {
    let token = sb.credentials().hubspot_token.expose_secret().to_owned();
    client.get(url(sb, &format!("/hubspot{path}"))).bearer_auth(token)
}

pub fn wordpress(client: &Client, sb: &Sandbox, path: &str) -> RequestBuilder {
    let creds = sb.credentials();
    client.get(url(sb, &format!("/wordpress/wp-json{path}"))).basic_auth(
        &creds.wordpress_user,
        Some(creds.wordpress_app_password.expose_secret().to_owned()),
    )
}

pub fn website(client: &Client, sb: &Sandbox, path: &str) -> RequestBuilder {
    client.get(url(sb, &format!("/website{path}")))
}

/// The request that checks each source's health, with the right credentials.
pub fn probe(client: &Client, sb: &Sandbox, source: &str) -> RequestBuilder {
    match source {
        "mailchimp" => mailchimp(client, sb, "/ping"),
        "hubspot" => hubspot(client, sb, "/crm/v3/objects/contacts?limit=1"),
        "wordpress" => wordpress(client, sb, "/"),
        "website" => website(client, sb, "/"),
        other => panic!("no probe for {other}"),
    }
}

pub fn content_type(response: &Response) -> String {
    response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

pub fn header(response: &Response, name: &str) -> Option<String> {
    response.headers().get(name).map(|v| v.to_str().unwrap().to_owned())
}

pub async fn json(response: Response) -> serde_json::Value {
    let text = response.text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Sets a fault through the control endpoint, as a script would.
pub async fn set_fault(client: &Client, sb: &Sandbox, source: &str, kind: &str) {
    let response = client
        .put(url(sb, &format!("/_sandbox/faults/{source}")))
        .json(&serde_json::json!({ "kind": kind }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204, "{}", response.text().await.unwrap());
}

pub async fn clear_fault(client: &Client, sb: &Sandbox, source: &str) {
    let response = client
        .delete(url(sb, &format!("/_sandbox/faults/{source}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
}

pub async fn stats(client: &Client, sb: &Sandbox) -> serde_json::Value {
    json(client.get(url(sb, "/_sandbox/stats")).send().await.unwrap()).await
}

/// Polls `check` every 20 ms until it holds; panics after `limit`.
pub async fn wait_until<F, Fut>(limit: Duration, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + limit;
    while !check().await {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A well-formed UUID, as vendors put in `instance` / `correlationId`.
pub fn assert_uuid(value: &serde_json::Value) {
    let text = value.as_str().unwrap_or_else(|| panic!("not a string: {value}"));
    assert!(uuid::Uuid::parse_str(text).is_ok(), "not a UUID: {text}");
}
