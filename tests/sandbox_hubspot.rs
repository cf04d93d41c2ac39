//! The HubSpot sandbox's CRM: 20,000 seeded contacts with planted problems,
//! paging, properties, search, writes and merges, as HubSpot documents them.

mod sandbox_support;

use std::collections::HashSet;
use std::time::Duration;

use mops::sandbox::{self, Sandbox, SandboxOptions};
use reqwest::{Client, Method, Response};
use sandbox_support::*;
use secrecy::ExposeSecret;
use serde_json::{Value, json};

fn token(sb: &Sandbox) -> String {
    sb.credentials().hubspot_token.expose_secret().to_owned()
}

fn request(c: &Client, sb: &Sandbox, method: Method, path: &str) -> reqwest::RequestBuilder {
    c.request(method, url(sb, &format!("/hubspot{path}")))
        .bearer_auth(token(sb))
}

/// GET `/hubspot{path}`, asserting 200.
async fn get(c: &Client, sb: &Sandbox, path: &str) -> Value {
    let response = request(c, sb, Method::GET, path).send().await.unwrap();
    assert_eq!(response.status(), 200, "GET {path}");
    json(response).await
}

async fn post(c: &Client, sb: &Sandbox, path: &str, body: &Value) -> Response {
    request(c, sb, Method::POST, path).json(body).send().await.unwrap()
}

/// A contact search, asserting 200.
async fn search(c: &Client, sb: &Sandbox, body: Value) -> Value {
    let response = post(c, sb, "/crm/v3/objects/contacts/search", &body).await;
    assert_eq!(response.status(), 200, "search {body}");
    json(response).await
}

/// The spec's required search members, with one filter group.
fn query(filters: Value, properties: &[&str], limit: usize) -> Value {
    json!({
        "filterGroups": [{ "filters": filters }],
        "properties": properties,
        "sorts": [],
        "limit": limit,
        "after": "0",
    })
}

async fn total(c: &Client, sb: &Sandbox, filters: Value) -> u64 {
    search(c, sb, query(filters, &["email"], 1)).await["total"]
        .as_u64()
        .unwrap()
}

/// Asserts HubSpot's error shape and returns the body.
async fn hubspot_error(response: Response, status: u16, category: &str) -> Value {
    assert_eq!(response.status(), status);
    let body = json(response).await;
    assert_eq!(body["status"], "error", "{body}");
    assert_eq!(body["category"], category, "{body}");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
    assert_uuid(&body["correlationId"]);
    body
}

fn ids(page: &Value) -> Vec<String> {
    page["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Two years before now, in epoch milliseconds, as search filters take dates.
fn two_years_ago() -> String {
    (jiff::Timestamp::now().as_millisecond() - 730 * 24 * 3600 * 1000).to_string()
}

/// GET `url` as JSON, waiting out 429s: walking 200 pages takes more than
/// the 100 requests a ten-second window allows.
async fn get_patiently(c: &Client, url: &str, token: &str) -> Value {
    loop {
        let response = c.get(url).bearer_auth(token).send().await.unwrap();
        if response.status() == 429 {
            tokio::time::sleep(Duration::from_millis(500)).await;
            continue;
        }
        assert_eq!(response.status(), 200, "GET {url}");
        return json(response).await;
    }
}

#[tokio::test]
async fn after_cursors_walk_every_contact_exactly_once() {
    let sb = start(21).await;
    let c = client();
    let token = token(&sb);
    let mut seen = Vec::new();
    let mut next = Some(url(&sb, "/hubspot/crm/v3/objects/contacts?limit=100&properties=email"));
    while let Some(page_url) = next {
        let page = get_patiently(&c, &page_url, &token).await;
        assert!(page["results"].as_array().unwrap().len() <= 100);
        seen.extend(ids(&page).into_iter().map(|id| id.parse::<u64>().unwrap()));
        next = page["paging"]["next"]["link"].as_str().map(str::to_owned);
    }
    let planted = sandbox::hubspot_planted();
    assert_eq!(seen.len(), planted.contacts);
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "ids ascend, none repeats");
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), planted.contacts);

    // Archived contacts are listed only on request.
    let archived = get_patiently(
        &c,
        &url(&sb, "/hubspot/crm/v3/objects/contacts?limit=100&archived=true"),
        &token,
    )
    .await;
    let archived_ids = ids(&archived);
    assert_eq!(archived_ids.len(), planted.archived_contacts);
    assert!(archived["paging"].is_null());
    assert_eq!(archived["results"][0]["archived"], true);
    assert!(archived["results"][0]["archivedAt"].is_string());
    for id in archived_ids {
        assert!(!seen.contains(&id.parse().unwrap()));
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn only_the_requested_properties_come_back() {
    let sb = start(22).await;
    let c = client();
    let page = get(
        &c,
        &sb,
        "/crm/v3/objects/contacts?limit=5&properties=email,hubspot_owner_id,hs_email_optout,no_such_property",
    )
    .await;
    for contact in page["results"].as_array().unwrap() {
        let mut names: Vec<&str> = contact["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        names.sort_unstable();
        assert_eq!(
            names,
            [
                "createdate",
                "email",
                "hs_email_optout",
                "hs_object_id",
                "hubspot_owner_id",
                "lastmodifieddate"
            ]
        );
        assert_eq!(contact["properties"]["hs_object_id"], contact["id"]);
        assert!(matches!(
            contact["properties"]["hs_email_optout"].as_str(),
            Some("true" | "false")
        ));
    }

    // A property the record has no value for comes back as null.
    let missing = search(
        &c,
        &sb,
        query(
            json!([{ "propertyName": "lifecyclestage", "operator": "NOT_HAS_PROPERTY" }]),
            &["lifecyclestage"],
            1,
        ),
    )
    .await;
    let id = missing["results"][0]["id"].as_str().unwrap().to_owned();
    let one = get(
        &c,
        &sb,
        &format!("/crm/v3/objects/contacts/{id}?properties=lifecyclestage,email"),
    )
    .await;
    assert_eq!(one["id"], id.as_str());
    assert!(one["properties"]["lifecyclestage"].is_null(), "{one}");
    assert!(one["properties"]["email"].is_string());

    // Deals: associations=contacts, and the planted deals without contacts.
    let mut deals = Vec::new();
    let mut after = String::new();
    loop {
        let page = get(
            &c,
            &sb,
            &format!("/crm/v3/objects/deals?limit=100&associations=contacts&properties=dealname,amount,dealstage,pipeline{after}"),
        )
        .await;
        deals.extend(page["results"].as_array().unwrap().iter().cloned());
        match page["paging"]["next"]["after"].as_str() {
            Some(next) => after = format!("&after={next}"),
            None => break,
        }
    }
    let planted = sandbox::hubspot_planted();
    assert_eq!(deals.len(), planted.deals);
    let orphans = deals.iter().filter(|d| d["associations"].is_null()).count();
    assert_eq!(orphans, planted.deals_without_contacts);
    let linked = deals.iter().find(|d| !d["associations"].is_null()).unwrap();
    let first = &linked["associations"]["contacts"]["results"][0];
    assert_eq!(first["type"], "deal_to_contact");
    let contact_id = first["id"].as_str().unwrap();
    get(&c, &sb, &format!("/crm/v3/objects/contacts/{contact_id}")).await;
    assert!(linked["properties"]["amount"].as_str().unwrap().parse::<f64>().is_ok());
    sb.shutdown().await;
}

#[tokio::test]
async fn owners_pipelines_and_account() {
    let sb = start(23).await;
    let c = client();
    let owners = get(&c, &sb, "/crm/v3/owners").await;
    let owners = owners["results"].as_array().unwrap();
    assert_eq!(owners.len(), sandbox::hubspot_planted().owners);
    for owner in owners {
        for key in ["id", "email", "firstName", "lastName"] {
            assert!(owner[key].is_string(), "{key} in {owner}");
        }
        assert_eq!(owner["archived"], false);
    }
    let departed = get(&c, &sb, "/crm/v3/owners?archived=true").await;
    assert_eq!(departed["results"].as_array().unwrap().len(), 1);
    let by_email = get(&c, &sb, "/crm/v3/owners?email=tom.becker%40acme.example").await;
    assert_eq!(by_email["results"][0]["id"], "71234502");

    let pipelines = get(&c, &sb, "/crm/v3/pipelines/deals").await;
    let pipelines = pipelines["results"].as_array().unwrap();
    assert_eq!(pipelines.len(), 2);
    for pipeline in pipelines {
        let stages = pipeline["stages"].as_array().unwrap();
        assert!(stages.len() >= 4);
        for stage in stages {
            let probability = stage["metadata"]["probability"].as_str().unwrap();
            assert!((0.0..=1.0).contains(&probability.parse::<f64>().unwrap()));
            assert!(matches!(stage["metadata"]["isClosed"].as_str(), Some("true" | "false")));
        }
    }
    let account = get(&c, &sb, "/account-info/v3/details").await;
    assert!(account["portalId"].as_u64().unwrap() > 0);
    sb.shutdown().await;
}

#[tokio::test]
async fn the_planted_problems_are_found_in_their_documented_numbers() {
    let sb = start(24).await;
    let c = client();
    let p = sandbox::hubspot_planted();
    let missing_stage = json!([{ "propertyName": "lifecyclestage", "operator": "NOT_HAS_PROPERTY" }]);
    assert_eq!(total(&c, &sb, missing_stage).await, p.missing_lifecycle as u64);
    let unowned = json!([
        { "propertyName": "hubspot_owner_id", "operator": "NOT_HAS_PROPERTY" },
        { "propertyName": "lifecyclestage", "operator": "EQ", "value": "lead" },
    ]);
    assert_eq!(total(&c, &sb, unowned).await, p.unowned_leads as u64);
    let stale = json!([{ "propertyName": "hs_lastmodifieddate", "operator": "LT", "value": two_years_ago() }]);
    assert_eq!(total(&c, &sb, stale).await, p.stale as u64);
    let all = total(&c, &sb, json!([])).await;
    assert_eq!(all, p.contacts as u64);

    // Consent: every contact unsubscribed or cleaned in "Acme Newsletter"
    // that HubSpot still lets us email is one of the planted mismatches.
    let newsletter = mailchimp_json(&c, &sb, "/lists?count=1").await["lists"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut mismatches = std::collections::HashMap::new();
    for status in ["unsubscribed", "cleaned"] {
        let members = mailchimp_json(
            &c,
            &sb,
            &format!("/lists/{newsletter}/members?status={status}&count=1000&fields=members.email_address"),
        )
        .await;
        let emails: Vec<String> = members["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["email_address"].as_str().unwrap().to_owned())
            .collect();
        let mut found = 0;
        for chunk in emails.chunks(100) {
            let filters = json!([
                { "propertyName": "email", "operator": "IN", "values": chunk },
                { "propertyName": "hs_email_optout", "operator": "EQ", "value": "false" },
            ]);
            found += total(&c, &sb, filters).await;
        }
        mismatches.insert(status, found);
    }
    assert_eq!(mismatches["unsubscribed"], p.unsubscribed_still_marketable as u64);
    assert_eq!(mismatches["cleaned"], p.cleaned_still_active as u64);
    sb.shutdown().await;
}

#[tokio::test]
async fn search_filters_sorts_and_pages() {
    let sb = start(25).await;
    let c = client();
    let first = get(&c, &sb, "/crm/v3/objects/contacts/7?properties=email,company").await;
    let email = first["properties"]["email"].as_str().unwrap();

    // EQ on a string ignores case.
    let found = search(
        &c,
        &sb,
        query(
            json!([{ "propertyName": "email", "operator": "EQ", "value": email.to_uppercase() }]),
            &["email", "company"],
            10,
        ),
    )
    .await;
    assert_eq!(found["total"], 1);
    assert_eq!(ids(&found), ["7"]);
    assert!(found["paging"].is_null());
    assert!(found["results"][0]["properties"].get("firstname").is_none());

    // Numbers compare as numbers, groups OR, filters in a group AND.
    let body = json!({
        "filterGroups": [
            { "filters": [
                { "propertyName": "hs_object_id", "operator": "GTE", "value": "9" },
                { "propertyName": "hs_object_id", "operator": "LTE", "value": "11" },
            ] },
            { "filters": [{ "propertyName": "hs_object_id", "operator": "EQ", "value": "100" }] },
        ],
        "properties": ["email"],
        "sorts": [{ "propertyName": "hs_object_id", "direction": "DESCENDING" }],
        "limit": 10,
        "after": "0",
    });
    assert_eq!(ids(&search(&c, &sb, body).await), ["100", "11", "10", "9"]);

    // NEQ, GT on dates given in milliseconds, sorted by date.
    let since = two_years_ago();
    let mut body = query(
        json!([
            { "propertyName": "createdate", "operator": "GT", "value": since },
            { "propertyName": "lifecyclestage", "operator": "NEQ", "value": "subscriber" },
        ]),
        &["createdate", "lifecyclestage"],
        200,
    );
    body["sorts"] = json!([{ "propertyName": "createdate", "direction": "ASCENDING" }]);
    let page1 = search(&c, &sb, body.clone()).await;
    let total = page1["total"].as_u64().unwrap();
    assert!(total > 400 && total < 20_000, "{total}");
    let results = page1["results"].as_array().unwrap();
    assert_eq!(results.len(), 200);
    let dates: Vec<&str> = results
        .iter()
        .map(|r| r["properties"]["createdate"].as_str().unwrap())
        .collect();
    assert!(dates.windows(2).all(|w| w[0] <= w[1]), "ascending createdate");
    let since_ms: i64 = since.parse().unwrap();
    for r in results {
        assert_ne!(r["properties"]["lifecyclestage"], "subscriber");
        let created: jiff::Timestamp = r["properties"]["createdate"].as_str().unwrap().parse().unwrap();
        assert!(created.as_millisecond() > since_ms);
    }
    assert_eq!(page1["paging"]["next"]["after"], "200");
    body["after"] = json!("200");
    let page2 = search(&c, &sb, body).await;
    let next_dates: Vec<&str> = page2["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["properties"]["createdate"].as_str().unwrap())
        .collect();
    assert!(dates.last().unwrap() <= next_dates.first().unwrap());
    let overlap: HashSet<String> = ids(&page1).into_iter().collect();
    assert!(ids(&page2).iter().all(|id| !overlap.contains(id)));

    // Descending by a text property.
    let mut body = query(json!([]), &["lastname"], 50);
    body["sorts"] = json!([{ "propertyName": "lastname", "direction": "DESCENDING" }]);
    let names: Vec<String> = search(&c, &sb, body).await["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["properties"]["lastname"].as_str().unwrap().to_lowercase())
        .collect();
    assert!(names.windows(2).all(|w| w[0] >= w[1]), "{names:?}");

    // HAS_PROPERTY and the unknown-property and limit errors.
    let owned = json!([{ "propertyName": "hubspot_owner_id", "operator": "HAS_PROPERTY" }]);
    assert_eq!(
        search(&c, &sb, query(owned, &[], 1)).await["total"],
        sandbox::hubspot_planted().contacts - sandbox::hubspot_planted().unowned_leads
    );
    let unknown = query(
        json!([{ "propertyName": "favourite_colour", "operator": "EQ", "value": "x" }]),
        &[],
        1,
    );
    hubspot_error(
        post(&c, &sb, "/crm/v3/objects/contacts/search", &unknown).await,
        400,
        "VALIDATION_ERROR",
    )
    .await;
    let too_many = query(json!([]), &[], 201);
    hubspot_error(
        post(&c, &sb, "/crm/v3/objects/contacts/search", &too_many).await,
        400,
        "VALIDATION_ERROR",
    )
    .await;
    sb.shutdown().await;
}

#[tokio::test]
async fn search_stops_at_ten_thousand_results() {
    let sb = start(26).await;
    let c = client();
    let mut body = query(json!([]), &["email"], 100);
    body["after"] = json!("9900");
    let last = search(&c, &sb, body.clone()).await;
    assert_eq!(last["total"], 20_000);
    assert_eq!(last["results"].as_array().unwrap().len(), 100);
    // HubSpot hands out the cursor, then refuses it.
    assert_eq!(last["paging"]["next"]["after"], "10000");
    body["after"] = json!("10000");
    let refused = post(&c, &sb, "/crm/v3/objects/contacts/search", &body).await;
    hubspot_error(refused, 400, "VALIDATION_ERROR").await;
    sb.shutdown().await;
}

#[tokio::test]
async fn patch_updates_a_contact_everywhere() {
    let sb = start(27).await;
    let c = client();
    let before = get(&c, &sb, "/crm/v3/objects/contacts/12?properties=company").await;
    let response = request(&c, &sb, Method::PATCH, "/crm/v3/objects/contacts/12")
        .json(&json!({ "properties": { "lifecyclestage": "customer", "hubspot_owner_id": "71234506" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let patched = json(response).await;
    assert_eq!(patched["id"], "12");
    assert_eq!(patched["properties"]["lifecyclestage"], "customer");
    assert!(patched["updatedAt"].as_str().unwrap() > before["updatedAt"].as_str().unwrap());

    let after = get(
        &c,
        &sb,
        "/crm/v3/objects/contacts/12?properties=lifecyclestage,hubspot_owner_id,hs_lastmodifieddate",
    )
    .await;
    assert_eq!(after["properties"]["lifecyclestage"], "customer");
    assert_eq!(after["properties"]["hubspot_owner_id"], "71234506");
    assert_eq!(after["properties"]["hs_lastmodifieddate"], patched["updatedAt"]);
    assert_eq!(after["properties"]["lastmodifieddate"], patched["updatedAt"]);
    let found = search(
        &c,
        &sb,
        query(
            json!([
                { "propertyName": "hs_object_id", "operator": "EQ", "value": "12" },
                { "propertyName": "lifecyclestage", "operator": "EQ", "value": "customer" },
            ]),
            &[],
            1,
        ),
    )
    .await;
    assert_eq!(found["total"], 1);

    // Clearing with an empty string.
    let cleared = request(&c, &sb, Method::PATCH, "/crm/v3/objects/contacts/12")
        .json(&json!({ "properties": { "lifecyclestage": "" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(json(cleared).await["properties"]["lifecyclestage"], Value::Null);

    // HubSpot's validation errors, and nothing changes.
    let unknown = request(&c, &sb, Method::PATCH, "/crm/v3/objects/contacts/12")
        .json(&json!({ "properties": { "favourite_colour": "teal", "company": "Changed" } }))
        .send()
        .await
        .unwrap();
    let body = hubspot_error(unknown, 400, "VALIDATION_ERROR").await;
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("Property values were not valid")
    );
    assert_eq!(body["errors"][0]["code"], "PROPERTY_DOESNT_EXIST");
    assert_eq!(body["errors"][0]["context"]["propertyName"][0], "favourite_colour");
    for (properties, code) in [
        (json!({ "lifecyclestage": "royalty" }), "INVALID_OPTION"),
        (json!({ "hubspot_owner_id": "99" }), "INVALID_OWNER_ID"),
        (json!({ "hs_object_id": "5" }), "READ_ONLY_VALUE"),
    ] {
        let response = request(&c, &sb, Method::PATCH, "/crm/v3/objects/contacts/12")
            .json(&json!({ "properties": properties }))
            .send()
            .await
            .unwrap();
        assert_eq!(
            hubspot_error(response, 400, "VALIDATION_ERROR").await["errors"][0]["code"],
            code
        );
    }
    let unchanged = get(&c, &sb, "/crm/v3/objects/contacts/12?properties=company").await;
    assert_eq!(unchanged["properties"]["company"], before["properties"]["company"]);
    let missing = request(&c, &sb, Method::PATCH, "/crm/v3/objects/contacts/999999")
        .json(&json!({ "properties": { "company": "X" } }))
        .send()
        .await
        .unwrap();
    hubspot_error(missing, 404, "OBJECT_NOT_FOUND").await;
    sb.shutdown().await;
}

#[tokio::test]
async fn batch_update_answers_200_or_207() {
    let sb = start(28).await;
    let c = client();
    let all = json!({ "inputs": [
        { "id": "3", "properties": { "hubspot_owner_id": "71234501" } },
        { "id": "4", "properties": { "hubspot_owner_id": "71234502" } },
    ] });
    let response = post(&c, &sb, "/crm/v3/objects/contacts/batch/update", &all).await;
    assert_eq!(response.status(), 200);
    let body = json(response).await;
    assert_eq!(body["status"], "COMPLETE");
    assert_eq!(body["results"].as_array().unwrap().len(), 2);
    assert!(body.get("errors").is_none());
    let four = get(&c, &sb, "/crm/v3/objects/contacts/4?properties=hubspot_owner_id").await;
    assert_eq!(four["properties"]["hubspot_owner_id"], "71234502");

    let partly = json!({ "inputs": [
        { "id": "5", "properties": { "lifecyclestage": "opportunity" } },
        { "id": "987654321", "properties": { "lifecyclestage": "opportunity" } },
    ] });
    let response = post(&c, &sb, "/crm/v3/objects/contacts/batch/update", &partly).await;
    assert_eq!(response.status(), 207);
    let body = json(response).await;
    assert_eq!(ids(&body), ["5"]);
    assert_eq!(body["numErrors"], 1);
    assert_eq!(body["errors"][0]["category"], "OBJECT_NOT_FOUND");
    assert_eq!(body["errors"][0]["context"]["ids"], json!(["987654321"]));
    let five = get(&c, &sb, "/crm/v3/objects/contacts/5?properties=lifecyclestage").await;
    assert_eq!(five["properties"]["lifecyclestage"], "opportunity");

    // An invalid property refuses the whole batch.
    let invalid = json!({ "inputs": [
        { "id": "6", "properties": { "lifecyclestage": "customer" } },
        { "id": "7", "properties": { "nope": "x" } },
    ] });
    let response = post(&c, &sb, "/crm/v3/objects/contacts/batch/update", &invalid).await;
    hubspot_error(response, 400, "VALIDATION_ERROR").await;
    let six = get(&c, &sb, "/crm/v3/objects/contacts/6?properties=lifecyclestage").await;
    assert_ne!(six["properties"]["lifecyclestage"], "customer");
    sb.shutdown().await;
}

#[tokio::test]
async fn merging_removes_the_merged_contact_everywhere() {
    let sb = start(29).await;
    let c = client();
    // A deal's contact, so the association moves too.
    let deals = get(&c, &sb, "/crm/v3/objects/deals?limit=100&associations=contacts").await;
    let deal = deals["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| !d["associations"].is_null())
        .unwrap();
    let deal_id = deal["id"].as_str().unwrap().to_owned();
    let secondary = deal["associations"]["contacts"]["results"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let primary = if secondary == "1" { "2" } else { "1" };
    let before = total(&c, &sb, json!([])).await;

    let response = post(
        &c,
        &sb,
        "/crm/v3/objects/contacts/merge",
        &json!({ "primaryObjectId": primary, "objectIdToMerge": secondary }),
    )
    .await;
    assert_eq!(response.status(), 200);
    let merged = json(response).await;
    assert_eq!(merged["id"], primary);
    assert_eq!(merged["properties"]["hs_merged_object_ids"], secondary.as_str());

    let gone = request(&c, &sb, Method::GET, &format!("/crm/v3/objects/contacts/{secondary}"))
        .send()
        .await
        .unwrap();
    hubspot_error(gone, 404, "OBJECT_NOT_FOUND").await;
    get(&c, &sb, &format!("/crm/v3/objects/contacts/{primary}")).await;
    assert_eq!(total(&c, &sb, json!([])).await, before - 1);
    let by_id = json!([{ "propertyName": "hs_object_id", "operator": "EQ", "value": secondary }]);
    assert_eq!(total(&c, &sb, by_id).await, 0);
    let secondary_n: u64 = secondary.parse().unwrap();
    let page = get(
        &c,
        &sb,
        &format!(
            "/crm/v3/objects/contacts?limit=3&after={}",
            secondary_n.saturating_sub(1).max(1)
        ),
    )
    .await;
    assert!(!ids(&page).contains(&secondary), "{page}");
    let deal = get(
        &c,
        &sb,
        &format!("/crm/v3/objects/deals/{deal_id}?associations=contacts"),
    )
    .await;
    let linked: Vec<&str> = deal["associations"]["contacts"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert!(
        linked.contains(&primary) && !linked.contains(&secondary.as_str()),
        "{linked:?}"
    );

    // Merging with itself, or with a merged-away contact, is refused.
    let itself = json!({ "primaryObjectId": primary, "objectIdToMerge": primary });
    hubspot_error(
        post(&c, &sb, "/crm/v3/objects/contacts/merge", &itself).await,
        400,
        "VALIDATION_ERROR",
    )
    .await;
    let again = json!({ "primaryObjectId": primary, "objectIdToMerge": secondary });
    hubspot_error(
        post(&c, &sb, "/crm/v3/objects/contacts/merge", &again).await,
        404,
        "OBJECT_NOT_FOUND",
    )
    .await;
    sb.shutdown().await;
}

#[tokio::test]
async fn same_seed_and_start_give_the_same_portal() {
    let at: jiff::Timestamp = "2025-06-18T14:35:12Z".parse().unwrap();
    let spawn = |seed| {
        sandbox::spawn_at(
            SandboxOptions {
                listen: "127.0.0.1:0".parse().unwrap(),
                seed,
                faults: Vec::new(),
            },
            at,
        )
    };
    let (a, b, other) = (
        spawn(5).await.unwrap(),
        spawn(5).await.unwrap(),
        spawn(6).await.unwrap(),
    );
    let c = client();
    let mut body = query(
        json!([]),
        &["email", "company", "lifecyclestage", "hubspot_owner_id"],
        200,
    );
    body["sorts"] = json!([{ "propertyName": "hs_lastmodifieddate", "direction": "DESCENDING" }]);
    let (ra, rb, ro) = (
        search(&c, &a, body.clone()).await,
        search(&c, &b, body.clone()).await,
        search(&c, &other, body).await,
    );
    assert_eq!(ra, rb);
    assert_ne!(ra, ro);
    // Records sit relative to the start: the newest were modified before it.
    let newest: jiff::Timestamp = ra["results"][0]["updatedAt"].as_str().unwrap().parse().unwrap();
    assert!(newest <= at);
    for sb in [a, b, other] {
        sb.shutdown().await;
    }
}

#[tokio::test]
async fn the_101st_request_in_ten_seconds_gets_hubspots_429() {
    let sb = start(30).await;
    let c = client();
    // Every endpoint counts against the same window.
    for i in 0..100 {
        let response = match i % 3 {
            0 => request(&c, &sb, Method::GET, "/crm/v3/owners").send().await.unwrap(),
            1 => post(&c, &sb, "/crm/v3/objects/contacts/search", &query(json!([]), &[], 1)).await,
            _ => request(&c, &sb, Method::GET, "/crm/v3/objects/contacts?limit=1")
                .send()
                .await
                .unwrap(),
        };
        assert_eq!(response.status(), 200, "request {}", i + 1);
    }
    let refused = request(&c, &sb, Method::GET, "/crm/v3/objects/contacts/1")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 429);
    assert_eq!(header(&refused, "x-hubspot-ratelimit-max").as_deref(), Some("100"));
    assert_eq!(header(&refused, "x-hubspot-ratelimit-remaining").as_deref(), Some("0"));
    assert_eq!(
        header(&refused, "x-hubspot-ratelimit-interval-milliseconds").as_deref(),
        Some("10000")
    );
    let body = hubspot_error(refused, 429, "RATE_LIMITS").await;
    assert_eq!(body["policyName"], "TEN_SECONDLY_ROLLING");
    sb.shutdown().await;
}
