//! Faults set from the options and through the control endpoint change every
//! route of a source the way the vendor would fail, and clear again.

mod sandbox_support;

use std::time::{Duration, Instant};

use mops::sandbox::{self, Fault, SOURCES, SandboxOptions};
use reqwest::Client;
use sandbox_support::*;
use serde_json::json;

#[tokio::test]
async fn status_fault_uses_each_vendors_error_shape() {
    let sb = start(10).await;
    let c = client();
    for source in SOURCES {
        set_fault(&c, &sb, source, "status:503").await;
    }

    let response = probe(&c, &sb, "mailchimp").send().await.unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(content_type(&response), "application/problem+json");
    let body = json(response).await;
    assert_eq!(body["status"], 503);
    assert_eq!(body["title"], "Service Unavailable");
    assert_uuid(&body["instance"]);

    let response = probe(&c, &sb, "hubspot").send().await.unwrap();
    assert_eq!(response.status(), 503);
    let body = json(response).await;
    assert_eq!(body["status"], "error");
    assert!(body["message"].is_string() && body["category"].is_string(), "{body}");
    assert_uuid(&body["correlationId"]);

    let response = probe(&c, &sb, "wordpress").send().await.unwrap();
    assert_eq!(response.status(), 503);
    let body = json(response).await;
    assert!(body["code"].is_string() && body["message"].is_string(), "{body}");
    assert_eq!(body["data"]["status"], 503);

    let response = probe(&c, &sb, "website").send().await.unwrap();
    assert_eq!(response.status(), 503);
    assert!(!response.text().await.unwrap().contains("Sign up"));
    sb.shutdown().await;
}

#[tokio::test]
async fn faults_apply_to_every_route_of_their_source_only() {
    let sb = start(10).await;
    let c = client();
    set_fault(&c, &sb, "mailchimp", "status:500").await;

    for path in ["/ping", "/", "/lists"] {
        let response = mailchimp(&c, &sb, path).send().await.unwrap();
        assert_eq!(response.status(), 500, "GET /3.0{path}");
    }
    // Even a request without a key: the fault is in front of everything.
    let response = c.get(url(&sb, "/mailchimp/3.0/ping")).send().await.unwrap();
    assert_eq!(response.status(), 500);

    for source in ["hubspot", "wordpress", "website"] {
        let response = probe(&c, &sb, source).send().await.unwrap();
        assert_eq!(response.status(), 200, "{source} should be unaffected");
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn ratelimit_fault_sends_429_with_retry_after() {
    let sb = start(11).await;
    let c = client();
    for source in SOURCES {
        set_fault(&c, &sb, source, "ratelimit:7").await;
    }
    for source in SOURCES {
        let response = probe(&c, &sb, source).send().await.unwrap();
        assert_eq!(response.status(), 429, "{source}");
        assert_eq!(header(&response, "retry-after").as_deref(), Some("7"), "{source}");
        let text = response.text().await.unwrap();
        match source {
            "mailchimp" => {
                let body: serde_json::Value = serde_json::from_str(&text).unwrap();
                assert_eq!(body["title"], "Too Many Requests");
                assert_eq!(body["status"], 429);
            }
            "hubspot" => {
                let body: serde_json::Value = serde_json::from_str(&text).unwrap();
                assert_eq!(body["category"], "RATE_LIMITS");
                assert_eq!(body["errorType"], "RATE_LIMIT");
                assert_eq!(body["policyName"], "TEN_SECONDLY_ROLLING");
            }
            // WordPress has no rate limit of its own: hosts answer with a page.
            _ => assert!(text.contains("Too Many Requests"), "{source}: {text}"),
        }
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn hubspot_ratelimit_fault_carries_the_limit_headers_of_a_real_429() {
    let sb = start(13).await;
    let c = client();
    for _ in 0..2 {
        assert_eq!(probe(&c, &sb, "hubspot").send().await.unwrap().status(), 200);
    }
    for kind in ["ratelimit:5", "status:429"] {
        set_fault(&c, &sb, "hubspot", kind).await;
        let response = probe(&c, &sb, "hubspot").send().await.unwrap();
        assert_eq!(response.status(), 429, "{kind}");
        for (name, value) in [
            ("x-hubspot-ratelimit-max", "100"),
            ("x-hubspot-ratelimit-remaining", "0"),
            ("x-hubspot-ratelimit-interval-milliseconds", "10000"),
            ("x-hubspot-ratelimit-daily", "250000"),
            // The two requests before the fault count; the refused one does not.
            ("x-hubspot-ratelimit-daily-remaining", "249998"),
        ] {
            assert_eq!(header(&response, name).as_deref(), Some(value), "{kind}: {name}");
        }
    }
    clear_fault(&c, &sb, "hubspot").await;
    // The faulted answers did not use up the window either.
    let response = probe(&c, &sb, "hubspot").send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        header(&response, "x-hubspot-ratelimit-remaining").as_deref(),
        Some("97")
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn auth_fault_rejects_the_right_credentials_like_a_revoked_key() {
    let sb = start(12).await;
    let c = client();
    for source in SOURCES {
        set_fault(&c, &sb, source, "auth").await;
    }

    let mc = json(probe(&c, &sb, "mailchimp").send().await.unwrap()).await;
    assert_eq!(
        (mc["status"].as_u64(), mc["title"].as_str()),
        (Some(401), Some("API Key Invalid"))
    );

    let response = probe(&c, &sb, "hubspot").send().await.unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(json(response).await["category"], "INVALID_AUTHENTICATION");

    let response = probe(&c, &sb, "wordpress").send().await.unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(json(response).await["code"], "incorrect_password");

    let response = probe(&c, &sb, "website").send().await.unwrap();
    assert_eq!(response.status(), 401);
    sb.shutdown().await;
}

#[tokio::test]
async fn malformed_fault_sends_broken_json_with_200() {
    let sb = start(13).await;
    let c = client();
    for source in SOURCES {
        set_fault(&c, &sb, source, "malformed").await;
    }
    for source in SOURCES {
        let response = probe(&c, &sb, source).send().await.unwrap();
        assert_eq!(response.status(), 200, "{source}");
        assert_eq!(content_type(&response), "application/json", "{source}");
        let text = response.text().await.unwrap();
        assert!(!text.is_empty(), "{source}");
        assert!(
            serde_json::from_str::<serde_json::Value>(&text).is_err(),
            "{source} answered valid JSON: {text}"
        );
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn latency_fault_delays_then_answers_normally() {
    let sb = start(14).await;
    let c = client();
    set_fault(&c, &sb, "wordpress", "latency:400").await;

    let started = Instant::now();
    let response = probe(&c, &sb, "wordpress").send().await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(response.status(), 200);
    assert_eq!(json(response).await["name"], "Acme Blog");
    sb.shutdown().await;
}

#[tokio::test]
async fn hang_fault_never_answers_so_the_client_times_out() {
    let sb = start(15).await;
    let c = client();
    set_fault(&c, &sb, "hubspot", "hang").await;

    let impatient = Client::builder().timeout(Duration::from_millis(300)).build().unwrap();
    let err = probe(&impatient, &sb, "hubspot").send().await.unwrap_err();
    assert!(err.is_timeout(), "{err}");

    // Shutdown does not wait forever on a hung request.
    let hung = tokio::spawn(probe(&c, &sb, "hubspot").send());
    wait_until(Duration::from_secs(30), "the hung request to arrive", || async {
        stats(&c, &sb).await["in_flight"] == 1
    })
    .await;
    tokio::time::timeout(Duration::from_secs(30), sb.shutdown())
        .await
        .expect("shutdown finished despite a hung request");
    let answer = hung.await.unwrap();
    assert!(answer.is_err() || answer.unwrap().status() == 503);
}

#[tokio::test]
async fn clearing_a_fault_restores_normal_answers() {
    let sb = start(16).await;
    let c = client();
    set_fault(&c, &sb, "website", "status:502").await;
    assert_eq!(probe(&c, &sb, "website").send().await.unwrap().status(), 502);

    clear_fault(&c, &sb, "website").await;
    assert_eq!(probe(&c, &sb, "website").send().await.unwrap().status(), 200);
    // Clearing twice is fine.
    clear_fault(&c, &sb, "website").await;
    sb.shutdown().await;
}

#[tokio::test]
async fn faults_from_options_are_active_from_the_start_and_can_be_cleared() {
    let sb = start_with(
        17,
        vec![
            ("wordpress".to_owned(), Fault::Status { code: 502 }),
            ("mailchimp".to_owned(), Fault::Auth),
            ("hubspot".to_owned(), Fault::RateLimit { seconds: 3 }),
            ("website".to_owned(), Fault::Malformed),
        ],
    )
    .await;
    let c = client();
    assert_eq!(probe(&c, &sb, "wordpress").send().await.unwrap().status(), 502);
    assert_eq!(probe(&c, &sb, "mailchimp").send().await.unwrap().status(), 401);
    let limited = probe(&c, &sb, "hubspot").send().await.unwrap();
    assert_eq!(limited.status(), 429);
    assert_eq!(header(&limited, "retry-after").as_deref(), Some("3"));
    let broken = probe(&c, &sb, "website").send().await.unwrap();
    assert!(serde_json::from_str::<serde_json::Value>(&broken.text().await.unwrap()).is_err());

    let listed = json(c.get(url(&sb, "/_sandbox/faults")).send().await.unwrap()).await;
    assert_eq!(
        listed,
        json!({ "hubspot": "ratelimit:3", "mailchimp": "auth", "website": "malformed", "wordpress": "status:502" })
    );

    for source in SOURCES {
        clear_fault(&c, &sb, source).await;
        assert_eq!(probe(&c, &sb, source).send().await.unwrap().status(), 200, "{source}");
    }
    let listed = json(c.get(url(&sb, "/_sandbox/faults")).send().await.unwrap()).await;
    assert_eq!(listed, json!({}));
    sb.shutdown().await;
}

#[tokio::test]
async fn options_with_an_unknown_source_are_refused() {
    let err = sandbox::spawn(SandboxOptions {
        listen: "127.0.0.1:0".parse().unwrap(),
        seed: 1,
        faults: vec![("salesforce".to_owned(), Fault::Hang)],
    })
    .await
    .unwrap_err();
    let text = format!("{err:#}");
    assert!(
        text.contains("salesforce") && text.contains("mailchimp, hubspot"),
        "{text}"
    );
}

#[tokio::test]
async fn control_endpoint_lists_and_accepts_the_split_body_style() {
    let sb = start(18).await;
    let c = client();
    let response = c
        .put(url(&sb, "/_sandbox/faults/hubspot"))
        .json(&json!({ "kind": "latency", "ms": 250 }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    set_fault(&c, &sb, "wordpress", "hang").await;
    // Setting again replaces.
    set_fault(&c, &sb, "wordpress", "status:504").await;

    let listed = json(c.get(url(&sb, "/_sandbox/faults")).send().await.unwrap()).await;
    assert_eq!(listed, json!({ "hubspot": "latency:250", "wordpress": "status:504" }));
    sb.shutdown().await;
}

#[tokio::test]
async fn control_endpoint_names_known_sources_and_kinds_on_errors() {
    let sb = start(19).await;
    let c = client();

    let response = c
        .put(url(&sb, "/_sandbox/faults/salesforce"))
        .json(&json!({ "kind": "hang" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let body = json(response).await;
    assert_eq!(
        body["known_sources"],
        json!(["mailchimp", "hubspot", "wordpress", "website"])
    );
    assert!(body["error"].as_str().unwrap().contains("salesforce"));

    let response = c.delete(url(&sb, "/_sandbox/faults/salesforce")).send().await.unwrap();
    assert_eq!(response.status(), 404);

    for bad in [
        json!({ "kind": "explode" }),
        json!({ "kind": "status:99" }),
        json!({ "type": "hang" }),
    ] {
        let response = c
            .put(url(&sb, "/_sandbox/faults/hubspot"))
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{bad}");
        let body = json(response).await;
        assert_eq!(
            body["kinds"],
            json!([
                "latency:MS",
                "hang",
                "status:CODE",
                "ratelimit:SECONDS",
                "auth",
                "malformed"
            ]),
            "{bad}"
        );
        assert!(body["error"].is_string());
    }
    let response = c
        .put(url(&sb, "/_sandbox/faults/hubspot"))
        .body("status:503")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);

    // Nothing was set by the refused requests.
    let listed = json(c.get(url(&sb, "/_sandbox/faults")).send().await.unwrap()).await;
    assert_eq!(listed, json!({}));
    sb.shutdown().await;
}
