//! Each sandbox endpoint answers with the vendor's documented shape, and
//! wrong or missing credentials get the vendor's exact 401 body.

mod sandbox_support;

use mops::sandbox::{self, SandboxOptions};
use sandbox_support::*;
use secrecy::ExposeSecret;
use serde_json::json;

#[tokio::test]
async fn mailchimp_ping_and_account_with_the_right_key() {
    let sb = start(1).await;
    let c = client();

    let response = mailchimp(&c, &sb, "/ping").send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(content_type(&response).starts_with("application/json"));
    assert_eq!(json(response).await, json!({ "health_status": "Everything's Chimpy!" }));

    for path in ["/", ""] {
        let response = mailchimp(&c, &sb, path).send().await.unwrap();
        assert_eq!(response.status(), 200, "GET /3.0{path}");
        let account = json(response).await;
        assert_eq!(account["account_name"], "Acme Marketing");
        assert_eq!(account["email"], "marketing-ops@acme.example");
        assert_eq!(account["account_id"].as_str().unwrap().len(), 25);
        assert!(account["total_subscribers"].as_u64().unwrap() > 0);
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn mailchimp_wrong_and_missing_keys_get_its_401_problems() {
    let sb = start(1).await;
    let c = client();
    let ping = url(&sb, "/mailchimp/3.0/ping");

    let wrong = c
        .get(&ping)
        .basic_auth("anystring", Some("0123456789abcdef0123456789abcdef-us21"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert_eq!(content_type(&wrong), "application/problem+json");
    let mut body = json(wrong).await;
    assert_uuid(&body["instance"]);
    body.as_object_mut().unwrap().remove("instance");
    assert_eq!(
        body,
        json!({
            "type": "https://mailchimp.com/developer/marketing/docs/errors/",
            "title": "API Key Invalid",
            "status": 401,
            "detail": "Your API key may be invalid, or you've attempted to access the wrong datacenter."
        })
    );

    // Mailchimp tells a missing key apart from a wrong one.
    let missing = c.get(&ping).send().await.unwrap();
    assert_eq!(missing.status(), 401);
    assert_eq!(content_type(&missing), "application/problem+json");
    let body = json(missing).await;
    assert_eq!(body["title"], "API Key Missing");
    assert_eq!(body["detail"], "Your request did not include an API key.");
    assert_eq!(body["status"], 401);
    sb.shutdown().await;
}

#[tokio::test]
async fn mailchimp_unknown_resource_is_a_404_problem() {
    let sb = start(1).await;
    let response = mailchimp(&client(), &sb, "/no-such-thing").send().await.unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(content_type(&response), "application/problem+json");
    assert_eq!(json(response).await["title"], "Resource Not Found");
    sb.shutdown().await;
}

#[tokio::test]
async fn hubspot_contacts_probe_and_paging() {
    let sb = start(2).await;
    let c = client();

    let response = hubspot(&c, &sb, "/crm/v3/objects/contacts?limit=1")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body = json(response).await;
    let results = body["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    let contact = &results[0];
    assert_eq!(contact["id"], "1");
    assert_eq!(contact["archived"], false);
    let properties = contact["properties"].as_object().unwrap();
    let mut names: Vec<&str> = properties.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "createdate",
            "email",
            "firstname",
            "hs_object_id",
            "lastmodifieddate",
            "lastname"
        ]
    );
    assert!(properties.values().all(|v| v.is_string()), "{properties:?}");
    assert_eq!(contact["createdAt"], properties["createdate"]);
    assert_eq!(contact["updatedAt"], properties["lastmodifieddate"]);
    assert_eq!(body["paging"]["next"]["after"], "2");
    let link = body["paging"]["next"]["link"].as_str().unwrap();
    assert_eq!(
        link,
        format!("http://{}/hubspot/crm/v3/objects/contacts?limit=1&after=2", sb.addr())
    );

    // Following the links walks the records in id order without gaps.
    // (Every contact exactly once: tests/sandbox_hubspot.rs.)
    let token = sb.credentials().hubspot_token.expose_secret().to_owned();
    let mut ids = Vec::new();
    let mut next = Some(url(&sb, "/hubspot/crm/v3/objects/contacts?limit=10"));
    for _ in 0..3 {
        let page_url = next.take().unwrap();
        let page = json(c.get(&page_url).bearer_auth(&token).send().await.unwrap()).await;
        ids.extend(
            page["results"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].as_str().unwrap().to_owned()),
        );
        next = page["paging"]["next"]["link"].as_str().map(str::to_owned);
    }
    let expected: Vec<String> = (1..=30).map(|i: u32| i.to_string()).collect();
    assert_eq!(ids, expected);
    sb.shutdown().await;
}

#[tokio::test]
async fn hubspot_properties_parameter_selects_properties() {
    let sb = start(2).await;
    let response = hubspot(
        &client(),
        &sb,
        "/crm/v3/objects/contacts?limit=2&properties=email,lifecyclestage,company",
    )
    .send()
    .await
    .unwrap();
    let body = json(response).await;
    let properties = body["results"][0]["properties"].as_object().unwrap();
    for name in [
        "email",
        "lifecyclestage",
        "company",
        "hs_object_id",
        "createdate",
        "lastmodifieddate",
    ] {
        assert!(properties.contains_key(name), "{name} missing from {properties:?}");
    }
    assert!(!properties.contains_key("firstname"), "{properties:?}");
    assert_eq!(
        body["paging"]["next"]["link"].as_str().unwrap(),
        format!(
            "http://{}/hubspot/crm/v3/objects/contacts?limit=2&after=3&properties=email%2Clifecyclestage%2Ccompany",
            sb.addr()
        )
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn hubspot_wrong_or_missing_token_gets_its_401() {
    let sb = start(2).await;
    let c = client();
    let contacts = url(&sb, "/hubspot/crm/v3/objects/contacts?limit=1");
    let expected = json!({
        "status": "error",
        "message": "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
        "category": "INVALID_AUTHENTICATION"
    });
    for request in [
        c.get(&contacts)
            .bearer_auth("pat-na1-00000000-0000-0000-0000-000000000000"),
        c.get(&contacts),
    ] {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 401);
        assert!(content_type(&response).starts_with("application/json"));
        let mut body = json(response).await;
        assert_uuid(&body["correlationId"]);
        body.as_object_mut().unwrap().remove("correlationId");
        assert_eq!(body, expected);
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn hubspot_bad_paging_parameters_are_validation_errors() {
    let sb = start(2).await;
    let response = hubspot(&client(), &sb, "/crm/v3/objects/contacts?limit=lots")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body = json(response).await;
    assert_eq!(body["status"], "error");
    assert_eq!(body["category"], "VALIDATION_ERROR");
    assert!(body["message"].as_str().unwrap().contains("limit"));
    sb.shutdown().await;
}

#[tokio::test]
async fn wordpress_site_index_with_the_application_password() {
    let sb = start(3).await;
    for path in ["/", ""] {
        let response = wordpress(&client(), &sb, path).send().await.unwrap();
        assert_eq!(response.status(), 200, "GET /wp-json{path}");
        let index = json(response).await;
        assert_eq!(index["name"], "Acme Blog");
        assert_eq!(index["url"], format!("http://{}/wordpress", sb.addr()));
        assert_eq!(index["home"], index["url"]);
        assert!(index["description"].is_string());
        assert!(index["gmt_offset"].is_number());
        assert!(index["timezone_string"].is_string());
        assert!(index["namespaces"].as_array().unwrap().contains(&json!("wp/v2")));
        assert!(index["routes"]["/wp/v2/posts"]["methods"].is_array());
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn wordpress_accepts_the_password_without_spaces() {
    let sb = start(3).await;
    let creds = sb.credentials();
    let unspaced = creds.wordpress_app_password.expose_secret().replace(' ', "");
    let response = client()
        .get(url(&sb, "/wordpress/wp-json/"))
        .basic_auth(&creds.wordpress_user, Some(unspaced))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    sb.shutdown().await;
}

#[tokio::test]
async fn wordpress_wrong_credentials_get_its_401s_and_the_index_is_public() {
    let sb = start(3).await;
    let c = client();
    let index = url(&sb, "/wordpress/wp-json/");

    let wrong = c
        .get(&index)
        .basic_auth("ops-bot", Some("abcd EFGH ijkl MNOP qrst UVWX"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert_eq!(
        json(wrong).await,
        json!({
            "code": "incorrect_password",
            "message": "The provided password is an invalid application password.",
            "data": { "status": 401 }
        })
    );

    // As on a real site, the index is public: no credentials, no check.
    let anonymous = c.get(&index).send().await.unwrap();
    assert_eq!(anonymous.status(), 200);
    assert_eq!(json(anonymous).await["name"], "Acme Blog");

    let password = sb.credentials().wordpress_app_password.expose_secret().to_owned();
    let unknown_user = c.get(&index).basic_auth("admin", Some(password)).send().await.unwrap();
    assert_eq!(unknown_user.status(), 401);
    assert_eq!(json(unknown_user).await["code"], "invalid_username");
    sb.shutdown().await;
}

#[tokio::test]
async fn wordpress_unknown_route_is_rest_no_route() {
    let sb = start(3).await;
    let response = wordpress(&client(), &sb, "/wp/v9/nothing").send().await.unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(json(response).await["code"], "rest_no_route");
    sb.shutdown().await;
}

#[tokio::test]
async fn website_page_and_health() {
    let sb = start(4).await;
    let c = client();

    let page = website(&c, &sb, "/").send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(content_type(&page).starts_with("text/html"));
    let html = page.text().await.unwrap();
    assert!(html.contains("Acme") && html.contains("Sign up"), "{html}");

    let health = website(&c, &sb, "/health").send().await.unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(json(health).await, json!({ "status": "ok" }));

    let missing = website(&c, &sb, "/nope").send().await.unwrap();
    assert_eq!(missing.status(), 404);
    sb.shutdown().await;
}

#[tokio::test]
async fn unknown_prefix_names_the_sources() {
    let sb = start(4).await;
    let response = client().get(url(&sb, "/salesforce/ping")).send().await.unwrap();
    assert_eq!(response.status(), 404);
    let body = json(response).await;
    assert_eq!(
        body["known_sources"],
        json!(["mailchimp", "hubspot", "wordpress", "website"])
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn refuses_to_listen_beyond_loopback() {
    let err = sandbox::spawn(SandboxOptions {
        listen: "0.0.0.0:0".parse().unwrap(),
        seed: 1,
        faults: Vec::new(),
    })
    .await
    .unwrap_err();
    let text = format!("{err:#}");
    assert!(text.contains("loopback") && text.contains("0.0.0.0"), "{text}");
}

#[tokio::test]
async fn listens_on_ipv6_loopback_too() {
    // Hosts without IPv6 cannot bind ::1; that is not the sandbox's failure.
    if std::net::TcpListener::bind("[::1]:0").is_err() {
        return;
    }
    let sb = sandbox::spawn(SandboxOptions {
        listen: "[::1]:0".parse().unwrap(),
        seed: 1,
        faults: Vec::new(),
    })
    .await
    .unwrap();
    let response = website(&client(), &sb, "/health").send().await.unwrap();
    assert_eq!(response.status(), 200);
    sb.shutdown().await;
}
