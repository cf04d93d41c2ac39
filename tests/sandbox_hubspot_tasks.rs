//! The HubSpot sandbox's CRM tasks: seeded around the start in documented
//! numbers, listed, read, searched and updated as HubSpot's `tasks` object.

mod sandbox_support;

use std::collections::HashSet;

use jiff::Timestamp;
use mops::sandbox::{self, Sandbox, SandboxOptions};
use reqwest::{Client, Method, Response};
use sandbox_support::*;
use secrecy::ExposeSecret;
use serde_json::{Value, json};

const TASKS: &str = "/crm/v3/objects/tasks";
const SEARCH: &str = "/crm/v3/objects/tasks/search";
const HOUR_MS: i64 = 3_600_000;

/// A sandbox started at a fixed morning: "due today" has room, and every
/// expected number is independent of when the test runs.
struct Fixture {
    sb: Sandbox,
    c: Client,
    /// The start, epoch milliseconds.
    start: i64,
}

impl Fixture {
    async fn new(seed: u64) -> Fixture {
        Fixture::at(seed, "2026-11-22T09:20:00Z").await
    }

    async fn at(seed: u64, start: &str) -> Fixture {
        let start: Timestamp = start.parse().unwrap();
        let sb = sandbox::spawn_at(
            SandboxOptions {
                listen: "127.0.0.1:0".parse().unwrap(),
                seed,
                faults: Vec::new(),
            },
            start,
        )
        .await
        .unwrap();
        Fixture {
            sb,
            c: client(),
            start: start.as_millisecond(),
        }
    }

    fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let token = self.sb.credentials().hubspot_token.expose_secret().to_owned();
        self.c
            .request(method, url(&self.sb, &format!("/hubspot{path}")))
            .bearer_auth(token)
    }

    async fn get(&self, path: &str) -> Value {
        let response = self.request(Method::GET, path).send().await.unwrap();
        assert_eq!(response.status(), 200, "GET {path}");
        json(response).await
    }

    async fn patch(&self, id: &str, properties: Value) -> Response {
        self.request(Method::PATCH, &format!("{TASKS}/{id}"))
            .json(&json!({ "properties": properties }))
            .send()
            .await
            .unwrap()
    }

    async fn patch_ok(&self, id: &str, properties: Value) -> Value {
        let response = self.patch(id, properties.clone()).await;
        assert_eq!(response.status(), 200, "PATCH {id} {properties}");
        json(response).await
    }

    async fn search_raw(&self, body: &Value) -> Response {
        self.request(Method::POST, SEARCH).json(body).send().await.unwrap()
    }

    async fn search(&self, body: Value) -> Value {
        let response = self.search_raw(&body).await;
        assert_eq!(response.status(), 200, "search {body}");
        json(response).await
    }

    async fn total(&self, filters: Value) -> u64 {
        self.search(query(filters, 1)).await["total"].as_u64().unwrap()
    }

    async fn open_ids(&self) -> Vec<String> {
        ids(&self.search(open_query(200, "0")).await)
    }

    /// The id of the first open task due in `[from, to)` (epoch ms).
    async fn open_due_between(&self, from: i64, to: i64) -> String {
        let filters = json!([
            { "propertyName": "hs_task_status", "operator": "NEQ", "value": "COMPLETED" },
            { "propertyName": "hs_timestamp", "operator": "GTE", "value": from.to_string() },
            { "propertyName": "hs_timestamp", "operator": "LT", "value": to.to_string() },
        ]);
        ids(&self.search(query(filters, 1)).await).remove(0)
    }

    /// The next midnight UTC after the start.
    fn midnight(&self) -> i64 {
        (self.start / (24 * HOUR_MS) + 1) * 24 * HOUR_MS
    }
}

/// The spec's five required members, one filter group, no sort.
fn query(filters: Value, limit: usize) -> Value {
    json!({
        "filterGroups": [{ "filters": filters }],
        "properties": ["hs_task_subject", "hs_task_status", "hs_timestamp", "hubspot_owner_id"],
        "sorts": [],
        "limit": limit,
        "after": "0",
    })
}

/// What the cockpit asks: open tasks, soonest due first.
fn open_query(limit: usize, after: &str) -> Value {
    json!({
        "filterGroups": [{ "filters": [
            { "propertyName": "hs_task_status", "operator": "NEQ", "value": "COMPLETED" },
        ] }],
        "properties": ["hs_task_subject", "hs_task_status", "hs_task_priority", "hs_task_type", "hs_timestamp", "hubspot_owner_id"],
        "sorts": [{ "propertyName": "hs_timestamp", "direction": "ASCENDING" }],
        "limit": limit,
        "after": after,
    })
}

fn overdue_filters(now: i64) -> Value {
    json!([
        { "propertyName": "hs_task_status", "operator": "NEQ", "value": "COMPLETED" },
        { "propertyName": "hs_timestamp", "operator": "LT", "value": now.to_string() },
    ])
}

fn ids(page: &Value) -> Vec<String> {
    page["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

fn due(task: &Value) -> Timestamp {
    task["properties"]["hs_timestamp"].as_str().unwrap().parse().unwrap()
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

/// A 400 refusing exactly the properties `expected` as (name, code).
async fn refused(response: Response, expected: &[(&str, &str)]) {
    let body = hubspot_error(response, 400, "VALIDATION_ERROR").await;
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("Property values were not valid"),
        "{body}"
    );
    let mut found: Vec<(String, String)> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["context"]["propertyName"][0].as_str().unwrap().to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    found.sort();
    let mut expected: Vec<(String, String)> = expected.iter().map(|(n, c)| (n.to_string(), c.to_string())).collect();
    expected.sort();
    assert_eq!(found, expected, "{body}");
}

#[tokio::test]
async fn the_planted_tasks_come_in_their_documented_numbers() {
    let f = Fixture::new(31).await;
    let p = sandbox::hubspot_planted();
    let start = Timestamp::from_millisecond(f.start).unwrap();
    assert_eq!(p.tasks, p.tasks_open + p.tasks_completed);
    assert_eq!(p.tasks_open, p.tasks_overdue + p.tasks_due_today + p.tasks_upcoming);
    assert_eq!(p.tasks_due_today_at(start), p.tasks_due_today);
    assert!(p.tasks_due_today > 0 && p.tasks_overdue > 0 && p.tasks_completed > 0);

    let status = |op: &str| json!([{ "propertyName": "hs_task_status", "operator": op, "value": "COMPLETED" }]);
    assert_eq!(f.total(json!([])).await, p.tasks as u64);
    assert_eq!(f.total(status("NEQ")).await, p.tasks_open as u64);
    assert_eq!(f.total(status("EQ")).await, p.tasks_completed as u64);
    assert_eq!(f.total(overdue_filters(f.start)).await, p.tasks_overdue as u64);
    let today = json!([
        { "propertyName": "hs_task_status", "operator": "NEQ", "value": "COMPLETED" },
        { "propertyName": "hs_timestamp", "operator": "GTE", "value": f.start.to_string() },
        { "propertyName": "hs_timestamp", "operator": "LT", "value": f.midnight().to_string() },
    ]);
    assert_eq!(f.total(today).await, p.tasks_due_today as u64);
    let unowned = json!([
        { "propertyName": "hubspot_owner_id", "operator": "NOT_HAS_PROPERTY" },
        { "propertyName": "hs_task_status", "operator": "NEQ", "value": "COMPLETED" },
    ]);
    assert_eq!(f.total(unowned).await, p.tasks_unowned as u64);

    // The demo's task: overdue, high priority, findable by its subject.
    let demo = f
        .get(&format!(
            "{TASKS}/{}?properties=hs_task_subject,hs_task_priority,hs_task_status,hs_timestamp",
            p.demo_task_id
        ))
        .await;
    assert_eq!(demo["properties"]["hs_task_subject"], p.demo_task_subject);
    assert_eq!(demo["properties"]["hs_task_priority"], "HIGH");
    assert_eq!(demo["properties"]["hs_task_status"], "NOT_STARTED");
    assert!(due(&demo).as_millisecond() < f.start - HOUR_MS);
    let mut by_text = query(json!([]), 5);
    by_text["query"] = json!("globex");
    assert_eq!(ids(&f.search(by_text).await), [p.demo_task_id.to_string()]);
    f.sb.shutdown().await;
}

#[tokio::test]
async fn late_in_the_utc_day_nothing_is_due_today() {
    let f = Fixture::at(32, "2026-11-22T23:10:00Z").await;
    let p = sandbox::hubspot_planted();
    let start = Timestamp::from_millisecond(f.start).unwrap();
    assert_eq!(p.tasks_due_today_at(start), 0);
    let today = json!([
        { "propertyName": "hs_task_status", "operator": "NEQ", "value": "COMPLETED" },
        { "propertyName": "hs_timestamp", "operator": "BETWEEN", "value": f.start.to_string(), "highValue": (f.midnight() - 1).to_string() },
    ]);
    assert_eq!(f.total(today).await, 0);
    let later = json!([
        { "propertyName": "hs_task_status", "operator": "NEQ", "value": "COMPLETED" },
        { "propertyName": "hs_timestamp", "operator": "GTE", "value": f.midnight().to_string() },
    ]);
    assert_eq!(f.total(later).await, p.tasks_upcoming_at(start) as u64);
    assert_eq!(f.total(overdue_filters(f.start)).await, p.tasks_overdue as u64);
    f.sb.shutdown().await;
}

#[tokio::test]
async fn the_list_pages_every_task_once_with_default_properties() {
    let f = Fixture::new(33).await;
    let p = sandbox::hubspot_planted();
    let mut seen = Vec::new();
    let mut statuses = Vec::new();
    let mut path = format!("{TASKS}?limit=25");
    let mut pages = 0;
    loop {
        let page = f.get(&path).await;
        pages += 1;
        let results = page["results"].as_array().unwrap();
        assert!(results.len() <= 25);
        for task in results {
            let mut names: Vec<&str> = task["properties"]
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            names.sort_unstable();
            assert_eq!(names, ["hs_createdate", "hs_lastmodifieddate", "hs_object_id"]);
            assert_eq!(task["properties"]["hs_object_id"], task["id"]);
            assert_eq!(task["updatedAt"], task["properties"]["hs_lastmodifieddate"]);
            assert_eq!(task["archived"], false);
        }
        seen.extend(ids(&page));
        match page["paging"]["next"]["link"].as_str() {
            Some(link) => {
                let link = link.split("/hubspot").nth(1).unwrap().to_owned();
                assert!(link.contains("limit=25"), "{link}");
                path = link;
            }
            None => break,
        }
    }
    assert_eq!(pages, p.tasks.div_ceil(25));
    assert_eq!(seen.len(), p.tasks);
    let numbers: Vec<u64> = seen.iter().map(|id| id.parse().unwrap()).collect();
    assert!(numbers.windows(2).all(|w| w[0] < w[1]), "ids ascend, none repeats");

    // Named properties, null when unset; the limit is clamped to 100.
    let all = f
        .get(&format!(
            "{TASKS}?limit=500&properties=hs_task_status,hs_task_priority,no_such_property"
        ))
        .await;
    let results = all["results"].as_array().unwrap();
    assert_eq!(results.len(), p.tasks);
    assert!(all["paging"].is_null());
    for task in results {
        assert!(task["properties"].get("no_such_property").is_none());
        statuses.push(task["properties"]["hs_task_status"].as_str().unwrap().to_owned());
    }
    assert!(results.iter().any(|t| t["properties"]["hs_task_priority"].is_null()));
    assert_eq!(statuses.iter().filter(|s| *s == "COMPLETED").count(), p.tasks_completed);
    let kinds: HashSet<&str> = statuses.iter().map(String::as_str).collect();
    assert_eq!(kinds.len(), 5, "{kinds:?}");

    // No archived tasks.
    let archived = f.get(&format!("{TASKS}?archived=true")).await;
    assert_eq!(archived["results"].as_array().unwrap().len(), 0);
    f.sb.shutdown().await;
}

#[tokio::test]
async fn the_open_task_search_pages_in_due_order() {
    let f = Fixture::new(34).await;
    let p = sandbox::hubspot_planted();
    let mut found = Vec::new();
    let mut after = "0".to_owned();
    let mut cursors = Vec::new();
    loop {
        let page = f.search(open_query(20, &after)).await;
        assert_eq!(page["total"], p.tasks_open);
        found.extend(page["results"].as_array().unwrap().iter().cloned());
        match page["paging"]["next"]["after"].as_str() {
            Some(next) => {
                cursors.push(next.to_owned());
                after = next.to_owned();
            }
            None => break,
        }
    }
    assert_eq!(cursors, ["20", "40"]);
    assert_eq!(found.len(), p.tasks_open);
    let dues: Vec<Timestamp> = found.iter().map(due).collect();
    assert!(dues.windows(2).all(|w| w[0] <= w[1]), "soonest due first");
    assert!(found.iter().all(|t| t["properties"]["hs_task_status"] != "COMPLETED"));
    let unique: HashSet<&str> = found.iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(unique.len(), p.tasks_open);

    // Exactly the open ones the full listing shows.
    let all = f.get(&format!("{TASKS}?limit=100&properties=hs_task_status")).await;
    let open: HashSet<&str> = all["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["properties"]["hs_task_status"] != "COMPLETED")
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(unique, open);

    // Sorts given as strings, as the spec's examples show them.
    let mut by_string = open_query(5, "0");
    by_string["sorts"] = json!(["hs_timestamp"]);
    let first: Vec<String> = found
        .iter()
        .take(5)
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids(&f.search(by_string.clone()).await), first);
    by_string["sorts"] = json!(["-hs_timestamp"]);
    let latest = f.search(by_string).await;
    assert_eq!(latest["results"][0]["id"], found.last().unwrap()["id"]);

    // The search's limits.
    let mut too_big = open_query(201, "0");
    hubspot_error(f.search_raw(&too_big).await, 400, "VALIDATION_ERROR").await;
    too_big["limit"] = json!(200);
    too_big["after"] = json!("10000");
    hubspot_error(f.search_raw(&too_big).await, 400, "VALIDATION_ERROR").await;
    let unknown = query(
        json!([{ "propertyName": "hs_task_mood", "operator": "EQ", "value": "x" }]),
        1,
    );
    hubspot_error(f.search_raw(&unknown).await, 400, "VALIDATION_ERROR").await;
    f.sb.shutdown().await;
}

#[tokio::test]
async fn completing_a_task_takes_it_out_of_the_open_search() {
    let f = Fixture::new(35).await;
    let p = sandbox::hubspot_planted();
    let id = p.demo_task_id.to_string();
    let before = f.get(&format!("{TASKS}/{id}")).await;
    assert!(f.open_ids().await.contains(&id));

    let done = f.patch_ok(&id, json!({ "hs_task_status": "COMPLETED" })).await;
    assert_eq!(done["id"], id.as_str());
    assert_eq!(done["properties"]["hs_task_status"], "COMPLETED");
    let modified = done["properties"]["hs_lastmodifieddate"].as_str().unwrap();
    assert!(modified > before["properties"]["hs_lastmodifieddate"].as_str().unwrap());
    assert_eq!(done["updatedAt"], modified);
    assert_eq!(done["properties"]["hs_task_completion_date"], modified);

    let open = f.open_ids().await;
    assert_eq!(open.len(), p.tasks_open - 1);
    assert!(!open.contains(&id));
    assert_eq!(f.total(overdue_filters(f.start)).await, p.tasks_overdue as u64 - 1);
    let again = f
        .get(&format!(
            "{TASKS}/{id}?properties=hs_task_status,hs_task_completion_date"
        ))
        .await;
    assert_eq!(again["properties"]["hs_task_status"], "COMPLETED");
    assert_eq!(again["properties"]["hs_task_completion_date"], modified);

    // Reopening brings it back and clears the completion date.
    let reopened = f.patch_ok(&id, json!({ "hs_task_status": "IN_PROGRESS" })).await;
    assert!(
        reopened["properties"]["hs_task_completion_date"].is_null(),
        "{reopened}"
    );
    assert_eq!(f.open_ids().await.len(), p.tasks_open);
    f.sb.shutdown().await;
}

#[tokio::test]
async fn postponing_moves_a_task_out_of_overdue() {
    let f = Fixture::new(36).await;
    let p = sandbox::hubspot_planted();
    let overdue = f.open_due_between(f.start - 30 * 24 * HOUR_MS, f.start).await;
    // Epoch milliseconds, as the cockpit sends them.
    let new_due = f.start + 3 * 24 * HOUR_MS;
    let moved = f
        .patch_ok(&overdue, json!({ "hs_timestamp": new_due.to_string() }))
        .await;
    assert_eq!(due(&moved).as_millisecond(), new_due);
    assert!(moved["properties"]["hs_timestamp"].as_str().unwrap().ends_with(".000Z"));
    assert_eq!(f.total(overdue_filters(f.start)).await, p.tasks_overdue as u64 - 1);

    // An ISO 8601 time with an offset, into later today: still open, now due today.
    let other = f.open_due_between(f.start - 30 * 24 * HOUR_MS, f.start).await;
    assert_ne!(other, overdue);
    let moved = f
        .patch_ok(&other, json!({ "hs_timestamp": "2026-11-22T17:30:00+01:00" }))
        .await;
    assert_eq!(moved["properties"]["hs_timestamp"], "2026-11-22T16:30:00.000Z");
    assert_eq!(f.total(overdue_filters(f.start)).await, p.tasks_overdue as u64 - 2);
    assert_eq!(f.open_ids().await.len(), p.tasks_open);
    f.sb.shutdown().await;
}

#[tokio::test]
async fn bad_values_are_refused_and_change_nothing() {
    let f = Fixture::new(37).await;
    let id = sandbox::hubspot_planted().demo_task_id.to_string();
    let read =
        format!("{TASKS}/{id}?properties=hs_task_status,hs_task_priority,hs_task_type,hs_timestamp,hubspot_owner_id");
    let before = f.get(&read).await;

    // Reassigning to someone who is no owner, or a departed one.
    refused(
        f.patch(&id, json!({ "hubspot_owner_id": "99999999" })).await,
        &[("hubspot_owner_id", "INVALID_OWNER_ID")],
    )
    .await;
    refused(
        f.patch(&id, json!({ "hubspot_owner_id": "71234508" })).await,
        &[("hubspot_owner_id", "INVALID_OWNER_ID")],
    )
    .await;
    refused(
        f.patch(&id, json!({ "hs_task_status": "DONE" })).await,
        &[("hs_task_status", "INVALID_OPTION")],
    )
    .await;
    refused(
        f.patch(&id, json!({ "hs_task_priority": "URGENT", "hs_task_type": "MEETING" }))
            .await,
        &[
            ("hs_task_priority", "INVALID_OPTION"),
            ("hs_task_type", "INVALID_OPTION"),
        ],
    )
    .await;
    // One bad value refuses the whole change, the good one included.
    refused(
        f.patch(
            &id,
            json!({ "hs_task_status": "COMPLETED", "hs_timestamp": "next tuesday" }),
        )
        .await,
        &[("hs_timestamp", "INVALID_LONG")],
    )
    .await;
    refused(
        f.patch(&id, json!({ "hs_task_mood": "grumpy", "hs_createdate": "0" }))
            .await,
        &[
            ("hs_task_mood", "PROPERTY_DOESNT_EXIST"),
            ("hs_createdate", "READ_ONLY_VALUE"),
        ],
    )
    .await;
    let broken = f
        .request(Method::PATCH, &format!("{TASKS}/{id}"))
        .header("content-type", "application/json")
        .body("{\"properties\": ")
        .send()
        .await
        .unwrap();
    hubspot_error(broken, 400, "VALIDATION_ERROR").await;
    assert_eq!(f.get(&read).await, before);

    // A real owner is taken.
    let reassigned = f.patch_ok(&id, json!({ "hubspot_owner_id": "71234503" })).await;
    assert_eq!(reassigned["properties"]["hubspot_owner_id"], "71234503");
    let owned = json!([
        { "propertyName": "hubspot_owner_id", "operator": "EQ", "value": "71234503" },
        { "propertyName": "hs_object_id", "operator": "EQ", "value": id },
    ]);
    assert_eq!(f.total(owned).await, 1);
    f.sb.shutdown().await;
}

#[tokio::test]
async fn missing_tasks_and_missing_tokens() {
    let f = Fixture::new(38).await;
    for path in [format!("{TASKS}/1"), format!("{TASKS}/not-a-number")] {
        let response = f.request(Method::GET, &path).send().await.unwrap();
        hubspot_error(response, 404, "OBJECT_NOT_FOUND").await;
    }
    hubspot_error(
        f.patch("12345", json!({ "hs_task_status": "COMPLETED" })).await,
        404,
        "OBJECT_NOT_FOUND",
    )
    .await;
    let delete = f
        .request(
            Method::DELETE,
            &format!("{TASKS}/{}", sandbox::hubspot_planted().demo_task_id),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(delete.status(), 405);

    let anonymous = [
        f.c.get(url(&f.sb, &format!("/hubspot{TASKS}"))),
        f.c.post(url(&f.sb, &format!("/hubspot{SEARCH}")))
            .json(&open_query(10, "0")),
        f.c.patch(url(
            &f.sb,
            &format!("/hubspot{TASKS}/{}", sandbox::hubspot_planted().demo_task_id),
        ))
        .json(&json!({ "properties": { "hs_task_status": "COMPLETED" } })),
        f.c.get(url(&f.sb, &format!("/hubspot{TASKS}")))
            .bearer_auth("pat-na1-00000000-0000-0000-0000-000000000000"),
    ];
    for request in anonymous {
        hubspot_error(request.send().await.unwrap(), 401, "INVALID_AUTHENTICATION").await;
    }
    // Nothing was completed by the refused write.
    assert_eq!(f.open_ids().await.len(), sandbox::hubspot_planted().tasks_open);
    f.sb.shutdown().await;
}
