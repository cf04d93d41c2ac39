//! The sandbox logs one line per request and never a credential, right or wrong.

mod sandbox_support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use sandbox_support::*;
use secrecy::ExposeSecret;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

// The only test in this binary, so the global subscriber sees the server's tasks.
#[tokio::test]
async fn logs_requests_but_no_secrets() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();

    let sb = start(50).await;
    let c = client();
    let secrets = {
        let creds = sb.credentials();
        [
            creds.mailchimp_api_key.expose_secret().to_owned(),
            creds.hubspot_token.expose_secret().to_owned(),
            creds.wordpress_app_password.expose_secret().to_owned(),
        ]
    };
    let wrong = "0123456789abcdef0123456789abcdef-us21";
    for source in ["mailchimp", "hubspot", "wordpress", "website"] {
        assert_eq!(probe(&c, &sb, source).send().await.unwrap().status(), 200);
    }
    c.get(url(&sb, "/mailchimp/3.0/ping"))
        .basic_auth("u", Some(wrong))
        .send()
        .await
        .unwrap();
    // A key in the query string (HubSpot's legacy hapikey) stays out of the log.
    hubspot(&c, &sb, &format!("/crm/v3/objects/contacts?hapikey={wrong}"))
        .send()
        .await
        .unwrap();
    set_fault(&c, &sb, "hubspot", "auth").await;
    probe(&c, &sb, "hubspot").send().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    sb.write_config(&dir.path().join("mops.toml")).unwrap();
    tracing::debug!(credentials = ?sb.credentials(), "debug of the credentials");
    sb.shutdown().await;

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("sandbox request"), "{log}");
    assert!(log.contains("/mailchimp/3.0/ping"), "{log}");
    assert!(log.contains("sandbox fault set"), "{log}");
    assert!(log.matches("sandbox request").count() >= 7, "{log}");
    for secret in secrets.iter().map(String::as_str).chain([wrong]) {
        assert!(!log.contains(secret), "secret in log:\n{log}");
    }
}
