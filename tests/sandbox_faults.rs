//! Faults set from the options and through the control endpoint change every
//! route of a source the way the vendor would fail, and clear again.

mod sandbox_support;

use std::time::{Duration, Instant};

use mops::sandbox::{self, Fault, SOURCES, SandboxOptions};
use reqwest::Client;
use sandbox_support::*;
use serde_json::{Value, json};

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
        assert_eq!(body["kinds"], json!(sandbox::FAULT_KINDS), "{bad}");
        for kind in [
            "latency:MS",
            "reset",
            "burst:N:CODE",
            "truncate",
            "oversize:MB",
            "drip:BYTES_PER_SEC",
        ] {
            assert!(body["kinds"].as_array().unwrap().contains(&json!(kind)), "{kind}");
        }
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

/// PUT a fault limited to `path` below the source's prefix.
async fn set_scoped_fault(c: &Client, sb: &sandbox::Sandbox, source: &str, path: &str, kind: &str) {
    let response = c
        .put(url(sb, &format!("/_sandbox/faults/{source}")))
        .json(&json!({ "kind": kind, "path": path }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204, "{}", response.text().await.unwrap());
}

async fn listed_faults(c: &Client, sb: &sandbox::Sandbox) -> Value {
    json(c.get(url(sb, "/_sandbox/faults")).send().await.unwrap()).await
}

fn search_tasks(c: &Client, sb: &sandbox::Sandbox) -> reqwest::RequestBuilder {
    let token = secrecy::ExposeSecret::expose_secret(&sb.credentials().hubspot_token).to_owned();
    c.post(url(sb, "/hubspot/crm/v3/objects/tasks/search"))
        .bearer_auth(token)
        .json(&json!({ "limit": 5, "properties": ["hs_task_subject", "hs_task_status"] }))
}

/// Every error in `err`'s source chain, for asserting on the cause.
fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[tokio::test]
async fn reset_fault_closes_the_connection_without_an_answer() {
    let sb = start(20).await;
    let c = client();
    set_fault(&c, &sb, "hubspot", "reset").await;
    for _ in 0..2 {
        let err = probe(&c, &sb, "hubspot").send().await.unwrap_err();
        assert!(!err.is_timeout() && err.status().is_none(), "{}", chain(&err));
    }
    // The sandbox itself is fine, and so is the source once cleared.
    assert_eq!(probe(&c, &sb, "wordpress").send().await.unwrap().status(), 200);
    clear_fault(&c, &sb, "hubspot").await;
    assert_eq!(probe(&c, &sb, "hubspot").send().await.unwrap().status(), 200);
    sb.shutdown().await;
}

#[tokio::test]
async fn truncate_fault_announces_the_full_length_and_sends_half() {
    let sb = start(21).await;
    let c = client();
    let full = mailchimp(&c, &sb, "/campaigns?count=5")
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    set_fault(&c, &sb, "mailchimp", "truncate").await;

    let mut response = mailchimp(&c, &sb, "/campaigns?count=5").send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.content_length(), Some(full.len() as u64));
    let mut received = Vec::new();
    let err = loop {
        match response.chunk().await {
            Ok(Some(chunk)) => received.extend_from_slice(&chunk),
            Ok(None) => panic!(
                "the body ended cleanly after {} of {} bytes",
                received.len(),
                full.len()
            ),
            Err(err) => break err,
        }
    };
    assert!(err.is_body() || err.is_decode(), "{}", chain(&err));
    assert!(received.len() < full.len(), "{} of {}", received.len(), full.len());
    assert_eq!(received[..], full[..received.len()]);
    sb.shutdown().await;
}

#[tokio::test]
async fn oversize_fault_streams_valid_json_of_the_asked_size() {
    let sb = start(22).await;
    let c = client();
    set_fault(&c, &sb, "mailchimp", "oversize:3").await;
    let response = mailchimp(&c, &sb, "/ping").send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(content_type(&response), "application/json");
    let body = response.bytes().await.unwrap();
    assert_eq!(body.len(), 3 * 1024 * 1024);
    let value: Value = serde_json::from_slice(&body).unwrap();
    // Still the vendor's answer, just huge.
    assert_eq!(value["health_status"], "Everything's Chimpy!");
    sb.shutdown().await;
}

/// The same request answered normally, then with `drift:{variant}`.
async fn drifted(sb: &sandbox::Sandbox, path: &str, variant: &str) -> (Value, Value) {
    let c = client();
    let before = mailchimp_json(&c, sb, path).await;
    set_fault(&c, sb, "mailchimp", &format!("drift:{variant}")).await;
    let after = mailchimp_json(&c, sb, path).await;
    clear_fault(&c, sb, "mailchimp").await;
    (before, after)
}

fn campaigns(value: &Value) -> &Vec<Value> {
    let list = value["campaigns"]
        .as_array()
        .unwrap_or_else(|| panic!("no campaigns: {value}"));
    assert!(!list.is_empty(), "{value}");
    list
}

#[tokio::test]
async fn drift_faults_transform_the_real_answer() {
    let sb = start(23).await;
    let path = "/campaigns?count=3";

    let (before, after) = drifted(&sb, path, "missing").await;
    assert!(
        before["total_items"].is_u64() && after.get("total_items").is_none(),
        "{after}"
    );
    for (b, a) in campaigns(&before).iter().zip(campaigns(&after)) {
        assert!(b["id"].is_string() && a.get("id").is_none(), "{a}");
        assert_eq!(a["status"], b["status"]);
    }

    let (before, after) = drifted(&sb, path, "extra").await;
    assert!(after["sandbox_drift_extra"].is_object(), "{after}");
    for (b, a) in campaigns(&before).iter().zip(campaigns(&after)) {
        assert!(a["sandbox_drift_extra"].is_object() && a["settings"]["sandbox_drift_extra"].is_object());
        assert_eq!((&a["id"], &a["status"]), (&b["id"], &b["status"]));
    }

    let (before, after) = drifted(&sb, path, "null").await;
    assert!(before["total_items"].is_u64());
    assert_eq!(after["total_items"], Value::Null);
    for a in campaigns(&after) {
        assert_eq!(
            (&a["id"], &a["status"], &a["emails_sent"]),
            (&Value::Null, &Value::Null, &Value::Null)
        );
    }

    let (before, after) = drifted(&sb, path, "strings").await;
    assert_eq!(after["total_items"], json!(before["total_items"].to_string()));
    for (b, a) in campaigns(&before).iter().zip(campaigns(&after)) {
        assert!(b["emails_sent"].is_number());
        assert_eq!(a["emails_sent"], json!(b["emails_sent"].to_string()));
        assert_eq!(a["id"], b["id"]);
    }

    let (before, after) = drifted(&sb, path, "enum").await;
    for (b, a) in campaigns(&before).iter().zip(campaigns(&after)) {
        assert!(b["status"].is_string());
        assert_eq!(a["status"], "SANDBOX_UNKNOWN_VALUE");
        assert_eq!(a["id"], b["id"]);
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn drift_applies_to_every_vendor() {
    let sb = start(24).await;
    let c = client();
    set_fault(&c, &sb, "hubspot", "drift:enum").await;
    set_fault(&c, &sb, "wordpress", "drift:strings").await;
    let tasks = json(search_tasks(&c, &sb).send().await.unwrap()).await;
    let results = tasks["results"].as_array().unwrap();
    assert!(!results.is_empty(), "{tasks}");
    for task in results {
        assert_eq!(task["properties"]["hs_task_status"], "SANDBOX_UNKNOWN_VALUE", "{task}");
    }
    let posts = json(wordpress(&c, &sb, "/wp/v2/posts?per_page=2").send().await.unwrap()).await;
    for post in posts.as_array().unwrap() {
        assert!(post["id"].is_string(), "{post}");
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn drip_fault_sends_the_normal_answer_slowly() {
    let sb = start(25).await;
    let c = client();
    let normal = probe(&c, &sb, "website").send().await.unwrap().text().await.unwrap();
    // About 0.8 s for the whole page.
    let rate = normal.len() * 10 / 8;
    set_fault(&c, &sb, "website", &format!("drip:{rate}")).await;

    let started = Instant::now();
    let response = probe(&c, &sb, "website").send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), normal);
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(750), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(8), "{elapsed:?}");
    sb.shutdown().await;
}

#[tokio::test]
async fn a_slow_drip_trips_the_clients_total_timeout() {
    let sb = start(26).await;
    let c = client();
    set_fault(&c, &sb, "website", "drip:20").await;
    let impatient = Client::builder().timeout(Duration::from_millis(400)).build().unwrap();
    // The head comes at once; the body takes far longer than the timeout.
    let response = probe(&impatient, &sb, "website").send().await.unwrap();
    assert_eq!(response.status(), 200);
    let err = response.text().await.unwrap_err();
    assert!(err.is_timeout(), "{}", chain(&err));
    sb.shutdown().await;
}

#[tokio::test]
async fn burst_fault_answers_n_errors_then_clears_itself() {
    let sb = start(27).await;
    let c = client();
    set_fault(&c, &sb, "hubspot", "burst:3:502").await;
    for left in [3, 2, 1] {
        assert_eq!(
            listed_faults(&c, &sb).await,
            json!({ "hubspot": format!("burst:{left}:502") })
        );
        let response = probe(&c, &sb, "hubspot").send().await.unwrap();
        assert_eq!(response.status(), 502);
        assert_eq!(json(response).await["status"], "error");
    }
    assert_eq!(listed_faults(&c, &sb).await, json!({}));
    for _ in 0..2 {
        assert_eq!(probe(&c, &sb, "hubspot").send().await.unwrap().status(), 200);
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn revoke_fault_persists_until_cleared() {
    let sb = start(28).await;
    let c = client();
    assert_eq!(probe(&c, &sb, "wordpress").send().await.unwrap().status(), 200);
    set_fault(&c, &sb, "wordpress", "revoke").await;
    for _ in 0..4 {
        let response = probe(&c, &sb, "wordpress").send().await.unwrap();
        assert_eq!(response.status(), 401);
        assert_eq!(json(response).await["code"], "incorrect_password");
    }
    // Listed under its canonical spelling.
    assert_eq!(listed_faults(&c, &sb).await, json!({ "wordpress": "auth" }));
    clear_fault(&c, &sb, "wordpress").await;
    assert_eq!(probe(&c, &sb, "wordpress").send().await.unwrap().status(), 200);
    sb.shutdown().await;
}

#[tokio::test]
async fn endpoint_faults_leave_the_sources_other_endpoints_alone() {
    let sb = start(29).await;
    let c = client();
    set_scoped_fault(&c, &sb, "hubspot", "/crm/v3/objects/tasks/search", "status:500").await;

    assert_eq!(search_tasks(&c, &sb).send().await.unwrap().status(), 500);
    for path in ["/crm/v3/objects/contacts?limit=1", "/crm/v3/objects/tasks?limit=1"] {
        assert_eq!(hubspot(&c, &sb, path).send().await.unwrap().status(), 200, "{path}");
    }
    assert_eq!(
        listed_faults(&c, &sb).await,
        json!({ "hubspot/crm/v3/objects/tasks/search": "status:500" })
    );

    // A source-wide fault beside it: the more specific one wins on its path.
    set_fault(&c, &sb, "hubspot", "status:503").await;
    assert_eq!(search_tasks(&c, &sb).send().await.unwrap().status(), 500);
    assert_eq!(probe(&c, &sb, "hubspot").send().await.unwrap().status(), 503);
    assert_eq!(
        listed_faults(&c, &sb).await,
        json!({ "hubspot": "status:503", "hubspot/crm/v3/objects/tasks/search": "status:500" })
    );

    // Clearing one path leaves the source-wide fault; clearing the source clears all.
    let response = c
        .delete(url(&sb, "/_sandbox/faults/hubspot?path=/crm/v3/objects/tasks/search"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(search_tasks(&c, &sb).send().await.unwrap().status(), 503);
    set_scoped_fault(&c, &sb, "hubspot", "/crm/v3/objects/tasks/search", "reset").await;
    clear_fault(&c, &sb, "hubspot").await;
    assert_eq!(listed_faults(&c, &sb).await, json!({}));
    assert_eq!(search_tasks(&c, &sb).send().await.unwrap().status(), 200);
    sb.shutdown().await;
}

#[tokio::test]
async fn endpoint_faults_from_the_command_line_spelling() {
    let (target, fault) = sandbox::parse_fault_arg("hubspot/crm/v3/objects/tasks/search=status:500").unwrap();
    let sb = start_with(30, vec![(target, fault), ("website/health".to_owned(), Fault::Hang)]).await;
    let c = client();
    assert_eq!(search_tasks(&c, &sb).send().await.unwrap().status(), 500);
    assert_eq!(probe(&c, &sb, "hubspot").send().await.unwrap().status(), 200);
    // The merged website router is scoped the same way.
    assert_eq!(probe(&c, &sb, "website").send().await.unwrap().status(), 200);
    let impatient = Client::builder().timeout(Duration::from_millis(300)).build().unwrap();
    assert!(
        website(&impatient, &sb, "/health")
            .send()
            .await
            .unwrap_err()
            .is_timeout()
    );
    assert_eq!(
        listed_faults(&c, &sb).await,
        json!({ "hubspot/crm/v3/objects/tasks/search": "status:500", "website/health": "hang" })
    );
    let response = c.delete(url(&sb, "/_sandbox/faults")).send().await.unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(listed_faults(&c, &sb).await, json!({}));
    sb.shutdown().await;
}

#[tokio::test]
async fn bad_spellings_of_new_kinds_and_paths_are_refused_naming_the_problem() {
    let sb = start(31).await;
    let c = client();
    for (body, wanted) in [
        (json!({ "kind": "burst:3" }), "\"burst\""),
        (json!({ "kind": "burst:3:404" }), "between 500 and 599"),
        (json!({ "kind": "drift:sideways" }), "\"drift\""),
        (json!({ "kind": "oversize:9999" }), "\"oversize\""),
        (json!({ "kind": "drip:0" }), "\"drip\""),
        (json!({ "kind": "reset:1" }), "\"reset\" takes no value"),
        (json!({ "kind": "truncate:now" }), "\"truncate\" takes no value"),
        (json!({ "kind": "status:500", "path": "crm/v3" }), "must start with /"),
        (
            json!({ "kind": "status:500", "path": "/hubspot/crm/v3" }),
            "leave out the /hubspot prefix",
        ),
    ] {
        let response = c
            .put(url(&sb, "/_sandbox/faults/hubspot"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{body}");
        let error = json(response).await["error"].as_str().unwrap().to_owned();
        assert!(error.contains(wanted), "{body}: {error}");
    }
    assert_eq!(listed_faults(&c, &sb).await, json!({}));
    let err = sandbox::parse_fault_arg("hubspot=drift:sideways").unwrap_err();
    assert!(err.contains("missing, extra, null, strings, enum"), "{err}");
    sb.shutdown().await;
}
