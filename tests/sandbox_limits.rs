//! The vendors' own limits: HubSpot's 100 requests per rolling 10 s with its
//! headers, Mailchimp's 10 simultaneous connections per key.

mod sandbox_support;

use std::time::Duration;

use sandbox_support::*;
use serde_json::json;

#[tokio::test]
async fn hubspot_reports_its_limits_and_refuses_the_101st_request_in_a_window() {
    let sb = start(20).await;
    let c = client();

    for i in 1..=100u32 {
        let response = probe(&c, &sb, "hubspot").send().await.unwrap();
        assert_eq!(response.status(), 200, "request {i}");
        assert_eq!(header(&response, "x-hubspot-ratelimit-max").as_deref(), Some("100"));
        assert_eq!(
            header(&response, "x-hubspot-ratelimit-remaining"),
            Some((100 - i).to_string()),
            "request {i}"
        );
        assert_eq!(
            header(&response, "x-hubspot-ratelimit-interval-milliseconds").as_deref(),
            Some("10000")
        );
        assert_eq!(
            header(&response, "x-hubspot-ratelimit-daily").as_deref(),
            Some("250000")
        );
        assert_eq!(
            header(&response, "x-hubspot-ratelimit-daily-remaining"),
            Some((250_000 - i).to_string())
        );
    }

    let response = probe(&c, &sb, "hubspot").send().await.unwrap();
    assert_eq!(response.status(), 429);
    assert_eq!(header(&response, "x-hubspot-ratelimit-remaining").as_deref(), Some("0"));
    assert_eq!(header(&response, "x-hubspot-ratelimit-max").as_deref(), Some("100"));
    assert_eq!(
        header(&response, "x-hubspot-ratelimit-daily-remaining").as_deref(),
        Some("249900")
    );
    let mut body = json(response).await;
    assert_uuid(&body["correlationId"]);
    body.as_object_mut().unwrap().remove("correlationId");
    assert_eq!(
        body,
        json!({
            "status": "error",
            "message": "You have reached your ten_secondly_rolling limit.",
            "errorType": "RATE_LIMIT",
            "policyName": "TEN_SECONDLY_ROLLING",
            "category": "RATE_LIMITS"
        })
    );

    // Requests without a valid token are refused before they count.
    let anonymous = c
        .get(url(&sb, "/hubspot/crm/v3/objects/contacts?limit=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    assert_eq!(stats(&c, &sb).await["hubspot"]["window_requests"], 100);
    sb.shutdown().await;
}

#[tokio::test]
async fn mailchimp_refuses_the_11th_simultaneous_connection() {
    let sb = start(21).await;
    let c = client();
    // Hold each request open long enough to stack ten of them.
    set_fault(&c, &sb, "mailchimp", "latency:60000").await;

    let held: Vec<_> = (0..10)
        .map(|_| tokio::spawn(probe(&c, &sb, "mailchimp").send()))
        .collect();
    wait_until(Duration::from_secs(30), "ten open Mailchimp requests", || async {
        stats(&c, &sb).await["mailchimp"]["connections"] == 10
    })
    .await;

    let response = probe(&c, &sb, "mailchimp").send().await.unwrap();
    assert_eq!(response.status(), 429);
    assert_eq!(content_type(&response), "application/problem+json");
    let body = json(response).await;
    assert_eq!(body["title"], "Too Many Requests");
    assert_eq!(body["status"], 429);

    // Hanging up frees the slots.
    for request in &held {
        request.abort();
    }
    clear_fault(&c, &sb, "mailchimp").await;
    wait_until(Duration::from_secs(30), "the connections to close", || async {
        stats(&c, &sb).await["mailchimp"]["connections"] == 0
    })
    .await;
    assert_eq!(probe(&c, &sb, "mailchimp").send().await.unwrap().status(), 200);
    sb.shutdown().await;
}
