//! The CRM endpoints: objects (list, read, search, update, batch update,
//! merge) for contacts, deals and tasks, owners, deal pipelines and account
//! details.

use std::collections::HashSet;
use std::sync::{Arc, PoisonError, RwLockReadGuard, RwLockWriteGuard};

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use super::records::{
    CONTACT, Changes, HubspotData, MergeError, Objects, PropertyError, Record, TASK_COMPLETION_DATE, hubspot_time,
};
use super::search::{MAX_RESULTS, SearchRequest};
use super::{error, error_with};
use crate::sandbox::AppState;

const DEFAULT_LIMIT: usize = 10;
const MAX_LIMIT: usize = 100;
const MAX_BATCH: usize = 100;
const OWNERS_DEFAULT_LIMIT: usize = 100;
const OWNERS_MAX_LIMIT: usize = 500;

/// Which object collection a route serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ObjectType {
    Contacts,
    Deals,
    Tasks,
}

impl ObjectType {
    fn path(self) -> &'static str {
        match self {
            ObjectType::Contacts => "contacts",
            ObjectType::Deals => "deals",
            ObjectType::Tasks => "tasks",
        }
    }

    fn of(self, data: &HubspotData) -> &Objects {
        match self {
            ObjectType::Contacts => &data.contacts,
            ObjectType::Deals => &data.deals,
            ObjectType::Tasks => &data.tasks,
        }
    }

    fn of_mut(self, data: &mut HubspotData) -> &mut Objects {
        match self {
            ObjectType::Contacts => &mut data.contacts,
            ObjectType::Deals => &mut data.deals,
            ObjectType::Tasks => &mut data.tasks,
        }
    }
}

fn read(state: &AppState) -> RwLockReadGuard<'_, HubspotData> {
    // A panicking handler leaves plain values behind; keep serving them.
    state.hubspot.data.read().unwrap_or_else(PoisonError::into_inner)
}

fn write(state: &AppState) -> RwLockWriteGuard<'_, HubspotData> {
    state.hubspot.data.write().unwrap_or_else(PoisonError::into_inner)
}

fn now() -> String {
    hubspot_time(jiff::Timestamp::now().as_millisecond())
}

fn validation(message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, message, "VALIDATION_ERROR")
}

fn object_not_found(id: &str) -> Response {
    error_with(
        StatusCode::NOT_FOUND,
        "Object not found.  objectId are usually numeric.",
        "OBJECT_NOT_FOUND",
        json!({ "context": { "id": [id] } }),
    )
}

/// Parses a JSON body; the error is the message of HubSpot's 400.
fn body<T: DeserializeOwned>(bytes: &Bytes) -> Result<T, String> {
    serde_json::from_slice(bytes)
        .map_err(|e| format!("Invalid input JSON on line {}, column {}: {e}", e.line(), e.column()))
}

pub(crate) struct ListParams {
    limit: usize,
    /// Smallest id to return; HubSpot's `after` cursor is the next record's id.
    after: u64,
    /// As given, for the `next.link`; empty for the default set.
    properties: Vec<String>,
    associations: Vec<String>,
    archived: bool,
}

impl ListParams {
    fn parse(query: &str) -> Result<ListParams, String> {
        let mut params = ListParams {
            limit: DEFAULT_LIMIT,
            after: 0,
            properties: Vec::new(),
            associations: Vec::new(),
            archived: false,
        };
        let split = |value: &str| -> Vec<String> {
            value
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect()
        };
        for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
            match key.as_ref() {
                // Above the maximum HubSpot answers with its maximum page.
                "limit" => {
                    let limit: usize = value
                        .parse()
                        .map_err(|_| format!("limit must be a whole number, got {value:?}"))?;
                    params.limit = limit.clamp(1, MAX_LIMIT);
                }
                "after" => {
                    params.after = value
                        .parse()
                        .map_err(|_| format!("after must be a paging cursor, got {value:?}"))?;
                }
                "properties" => params.properties.extend(split(&value)),
                "associations" => params.associations.extend(split(&value)),
                "archived" => params.archived = value.eq_ignore_ascii_case("true"),
                _ => {}
            }
        }
        Ok(params)
    }

    fn query_with_after(&self, after: &str) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.append_pair("limit", &self.limit.to_string());
        query.append_pair("after", after);
        if !self.properties.is_empty() {
            query.append_pair("properties", &self.properties.join(","));
        }
        if !self.associations.is_empty() {
            query.append_pair("associations", &self.associations.join(","));
        }
        if self.archived {
            query.append_pair("archived", "true");
        }
        query.finish()
    }

    fn wants_contacts(&self) -> bool {
        self.associations.iter().any(|a| a == "contacts" || a == "contact")
    }
}

/// A record as HubSpot sends it. Requested properties the schema knows are
/// always present (null when unset); unknown ones are left out.
fn record_json(objects: &Objects, record: &Record, requested: &[String], with_contacts: bool) -> Value {
    let schema = objects.schema;
    let names: Vec<&str> = if requested.is_empty() {
        schema.defaults.to_vec()
    } else {
        requested
            .iter()
            .map(String::as_str)
            .chain(schema.always.iter().copied())
            .collect()
    };
    let mut properties = Map::new();
    for name in names {
        if schema.property(name).is_some() && !properties.contains_key(name) {
            let value = record
                .value(name)
                .map_or(Value::Null, |v| Value::String(v.into_owned()));
            properties.insert(name.to_owned(), value);
        }
    }
    let mut body = json!({
        "id": record.id.to_string(),
        "properties": properties,
        "createdAt": record.created,
        "updatedAt": record.modified,
        "archived": record.archived,
    });
    if record.archived {
        body["archivedAt"] = json!(record.modified);
    }
    // HubSpot leaves `associations` out when there are none.
    if with_contacts && !record.contact_ids.is_empty() {
        let results: Vec<Value> = record
            .contact_ids
            .iter()
            .map(|id| json!({ "id": id.to_string(), "type": "deal_to_contact" }))
            .collect();
        body["associations"] = json!({ "contacts": { "results": results } });
    }
    body
}

/// `GET /crm/v3/objects/contacts?limit&after&properties&archived`.
pub(crate) async fn list_contacts(state: State<Arc<AppState>>, query: RawQuery) -> Response {
    list(state, query, ObjectType::Contacts)
}

/// `GET /crm/v3/objects/deals?limit&after&properties&associations&archived`.
pub(crate) async fn list_deals(state: State<Arc<AppState>>, query: RawQuery) -> Response {
    list(state, query, ObjectType::Deals)
}

/// `GET /crm/v3/objects/tasks?limit&after&properties&archived`.
pub(crate) async fn list_tasks(state: State<Arc<AppState>>, query: RawQuery) -> Response {
    list(state, query, ObjectType::Tasks)
}

fn list(State(state): State<Arc<AppState>>, RawQuery(query): RawQuery, which: ObjectType) -> Response {
    let params = match ListParams::parse(query.as_deref().unwrap_or("")) {
        Ok(params) => params,
        Err(message) => return validation(&message),
    };
    let data = read(&state);
    let objects = which.of(&data);
    let with_contacts = which == ObjectType::Deals && params.wants_contacts();
    // A range lookup from the cursor: a page costs its own size, not the portal's.
    let mut matching = objects
        .records
        .range(params.after..)
        .map(|(_, r)| r)
        .filter(|r| r.archived == params.archived);
    let page: Vec<Value> = matching
        .by_ref()
        .take(params.limit)
        .map(|r| record_json(objects, r, &params.properties, with_contacts))
        .collect();
    let mut body = json!({ "results": page });
    if let Some(next) = matching.next() {
        let after = next.id.to_string();
        let link = format!(
            "{}/hubspot/crm/v3/objects/{}?{}",
            state.origin,
            which.path(),
            params.query_with_after(&after)
        );
        body["paging"] = json!({ "next": { "after": after, "link": link } });
    }
    Json(body).into_response()
}

/// `GET /crm/v3/objects/contacts/{id}?properties&archived`.
pub(crate) async fn get_contact(state: State<Arc<AppState>>, id: Path<String>, query: RawQuery) -> Response {
    get_one(state, id, query, ObjectType::Contacts)
}

/// `GET /crm/v3/objects/deals/{id}?properties&associations&archived`.
pub(crate) async fn get_deal(state: State<Arc<AppState>>, id: Path<String>, query: RawQuery) -> Response {
    get_one(state, id, query, ObjectType::Deals)
}

/// `GET /crm/v3/objects/tasks/{id}?properties&archived`.
pub(crate) async fn get_task(state: State<Arc<AppState>>, id: Path<String>, query: RawQuery) -> Response {
    get_one(state, id, query, ObjectType::Tasks)
}

fn get_one(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    which: ObjectType,
) -> Response {
    let params = match ListParams::parse(query.as_deref().unwrap_or("")) {
        Ok(params) => params,
        Err(message) => return validation(&message),
    };
    let data = read(&state);
    let objects = which.of(&data);
    let record = id
        .parse::<u64>()
        .ok()
        .and_then(|n| objects.records.get(&n))
        .filter(|r| r.archived == params.archived);
    match record {
        Some(r) => {
            let with_contacts = which == ObjectType::Deals && params.wants_contacts();
            Json(record_json(objects, r, &params.properties, with_contacts)).into_response()
        }
        None => object_not_found(&id),
    }
}

/// `POST /crm/v3/objects/contacts/search`.
pub(crate) async fn search_contacts(state: State<Arc<AppState>>, bytes: Bytes) -> Response {
    search(state, bytes, ObjectType::Contacts)
}

/// `POST /crm/v3/objects/deals/search`.
pub(crate) async fn search_deals(state: State<Arc<AppState>>, bytes: Bytes) -> Response {
    search(state, bytes, ObjectType::Deals)
}

/// `POST /crm/v3/objects/tasks/search`.
pub(crate) async fn search_tasks(state: State<Arc<AppState>>, bytes: Bytes) -> Response {
    search(state, bytes, ObjectType::Tasks)
}

fn search(State(state): State<Arc<AppState>>, bytes: Bytes, which: ObjectType) -> Response {
    let request: SearchRequest = match body(&bytes) {
        Ok(r) => r,
        Err(message) => return validation(&message),
    };
    let data = read(&state);
    let objects = which.of(&data);
    let query = match request.compile(objects.schema) {
        Ok(q) => q,
        Err(message) => return validation(&message),
    };
    // HubSpot refuses to page past its 10,000th result, however many match.
    if query.offset >= MAX_RESULTS {
        return validation("There was a problem with the request.");
    }
    let page = query.run(objects);
    let results: Vec<Value> = page
        .results
        .iter()
        .map(|r| record_json(objects, r, &request.properties, false))
        .collect();
    let mut body = json!({ "total": page.total, "results": results });
    if let Some(next) = page.next {
        body["paging"] = json!({ "next": { "after": next.to_string() } });
    }
    Json(body).into_response()
}

/// HubSpot's 400 for property values it refuses.
fn invalid_properties(errors: &[PropertyError]) -> Response {
    let listed: Vec<Value> = errors
        .iter()
        .map(|e| {
            json!({
                "isValid": false,
                "message": e.message,
                "error": e.code,
                "name": e.name,
                "localizedErrorMessage": e.message,
            })
        })
        .collect();
    let details: Vec<Value> = errors
        .iter()
        .map(|e| {
            json!({
                "message": e.message,
                "code": e.code,
                "context": { "propertyName": [e.name] },
            })
        })
        .collect();
    let message = format!(
        "Property values were not valid: {}",
        serde_json::to_string(&listed).unwrap_or_default()
    );
    error_with(
        StatusCode::BAD_REQUEST,
        &message,
        "VALIDATION_ERROR",
        json!({ "errors": details }),
    )
}

#[derive(serde::Deserialize)]
struct PropertiesInput {
    properties: Map<String, Value>,
}

fn changed_names(changes: &Changes) -> Vec<String> {
    changes.iter().map(|(name, _)| (*name).to_owned()).collect()
}

/// `PATCH /crm/v3/objects/contacts/{id}` with `{"properties": {...}}`.
pub(crate) async fn patch_contact(state: State<Arc<AppState>>, id: Path<String>, bytes: Bytes) -> Response {
    patch(state, id, bytes, ObjectType::Contacts)
}

/// `PATCH /crm/v3/objects/tasks/{id}` with `{"properties": {...}}`.
pub(crate) async fn patch_task(state: State<Arc<AppState>>, id: Path<String>, bytes: Bytes) -> Response {
    patch(state, id, bytes, ObjectType::Tasks)
}

/// Validates the whole change first (any refused value refuses all of it),
/// then applies it; answers with the changed properties and the ones
/// HubSpot always sends.
fn patch(State(state): State<Arc<AppState>>, Path(id): Path<String>, bytes: Bytes, which: ObjectType) -> Response {
    let input: PropertiesInput = match body(&bytes) {
        Ok(input) => input,
        Err(message) => return validation(&message),
    };
    let mut data = write(&state);
    let Some(number) = id.parse::<u64>().ok().filter(|n| which.of(&data).live(*n).is_some()) else {
        return object_not_found(&id);
    };
    let schema = which.of(&data).schema;
    let changes = match data.validate(schema, &input.properties) {
        Ok(changes) => changes,
        Err(errors) => return invalid_properties(&errors),
    };
    let mut names = changed_names(&changes);
    // A status change moves the completion date HubSpot keeps beside it.
    if names.iter().any(|n| n == "hs_task_status") {
        names.push(TASK_COMPLETION_DATE.to_owned());
    }
    let now = now();
    let objects = which.of_mut(&mut data);
    match objects.update(number, &changes, &now) {
        Some(record) => {
            let record = record.clone();
            Json(record_json(objects, &record, &names, false)).into_response()
        }
        None => object_not_found(&id),
    }
}

#[derive(serde::Deserialize)]
struct BatchInput {
    inputs: Vec<BatchItem>,
}

#[derive(serde::Deserialize)]
struct BatchItem {
    id: Value,
    properties: Map<String, Value>,
}

/// `POST /crm/v3/objects/contacts/batch/update`: 200 when every id exists,
/// 207 with the missing ids in `errors` otherwise. Invalid properties
/// anywhere refuse the whole batch.
pub(crate) async fn batch_update_contacts(State(state): State<Arc<AppState>>, bytes: Bytes) -> Response {
    let input: BatchInput = match body(&bytes) {
        Ok(input) => input,
        Err(message) => return validation(&message),
    };
    if input.inputs.len() > MAX_BATCH {
        return validation(&format!("Batch input may contain at most {MAX_BATCH} inputs"));
    }
    let started = now();
    let ids: Vec<String> = input
        .inputs
        .iter()
        .map(|item| match &item.id {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect();
    let mut seen = HashSet::new();
    if let Some(dup) = ids.iter().find(|id| !seen.insert(id.as_str())) {
        return validation(&format!(
            "Duplicate IDs found in batch input: [{dup}]. IDs must be unique"
        ));
    }
    let mut data = write(&state);
    let mut planned = Vec::with_capacity(ids.len());
    for item in &input.inputs {
        match data.validate(&CONTACT, &item.properties) {
            Ok(changes) => planned.push(changes),
            Err(errors) => return invalid_properties(&errors),
        }
    }
    let mut results = Vec::new();
    let mut missing = Vec::new();
    for (id, changes) in ids.iter().zip(&planned) {
        let names = changed_names(changes);
        let updated = id
            .parse::<u64>()
            .ok()
            .and_then(|n| data.contacts.update(n, changes, &started).cloned());
        match updated {
            Some(record) => results.push(record_json(&data.contacts, &record, &names, false)),
            None => missing.push(id.clone()),
        }
    }
    let mut body = json!({
        "status": "COMPLETE",
        "results": results,
        "startedAt": started,
        "completedAt": now(),
    });
    if missing.is_empty() {
        return Json(body).into_response();
    }
    body["numErrors"] = json!(1);
    body["errors"] = json!([{
        "status": "error",
        "category": "OBJECT_NOT_FOUND",
        "message": "Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid.",
        "context": { "ids": missing },
    }]);
    (StatusCode::MULTI_STATUS, Json(body)).into_response()
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct MergeInput {
    primary_object_id: Value,
    object_id_to_merge: Value,
}

fn id_of(value: &Value) -> Option<u64> {
    match value {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

/// `POST /crm/v3/objects/contacts/merge`: 200 with the surviving record.
pub(crate) async fn merge_contacts(State(state): State<Arc<AppState>>, bytes: Bytes) -> Response {
    let input: MergeInput = match body(&bytes) {
        Ok(input) => input,
        Err(message) => return validation(&message),
    };
    let (Some(primary), Some(secondary)) = (id_of(&input.primary_object_id), id_of(&input.object_id_to_merge)) else {
        return validation("primaryObjectId and objectIdToMerge must be object ids");
    };
    let mut data = write(&state);
    let now = now();
    let merged = data.merge_contacts(primary, secondary, &now).cloned();
    match merged {
        Ok(record) => {
            let all: Vec<String> = data
                .contacts
                .schema
                .properties
                .iter()
                .map(|p| p.name.to_owned())
                .collect();
            Json(record_json(&data.contacts, &record, &all, false)).into_response()
        }
        Err(MergeError::SameObject) => validation("Cannot merge an object with itself"),
        Err(MergeError::NotFound(id)) => object_not_found(&id.to_string()),
    }
}

/// `GET /crm/v3/owners?limit&after&email&archived`.
pub(crate) async fn list_owners(State(state): State<Arc<AppState>>, RawQuery(query): RawQuery) -> Response {
    let mut limit = OWNERS_DEFAULT_LIMIT;
    let mut after = 0usize;
    let mut email = None;
    let mut archived = false;
    for (key, value) in url::form_urlencoded::parse(query.as_deref().unwrap_or("").as_bytes()) {
        match key.as_ref() {
            "limit" => match value.parse::<usize>() {
                Ok(n) => limit = n.clamp(1, OWNERS_MAX_LIMIT),
                Err(_) => return validation(&format!("limit must be a whole number, got {value:?}")),
            },
            "after" => match value.parse() {
                Ok(n) => after = n,
                Err(_) => return validation(&format!("after must be a paging cursor, got {value:?}")),
            },
            "email" => email = Some(value.to_lowercase()),
            "archived" => archived = value.eq_ignore_ascii_case("true"),
            _ => {}
        }
    }
    let data = read(&state);
    let matching: Vec<Value> = data
        .owners
        .iter()
        .filter(|o| o.archived == archived && email.as_deref().is_none_or(|e| o.email == e))
        .map(|o| {
            json!({
                "id": o.id,
                "email": o.email,
                "type": "PERSON",
                "firstName": o.first_name,
                "lastName": o.last_name,
                "userId": o.user_id,
                "createdAt": o.created,
                "updatedAt": o.created,
                "archived": o.archived,
            })
        })
        .collect();
    let end = (after + limit).min(matching.len());
    let results = matching.get(after..end).map(<[_]>::to_vec).unwrap_or_default();
    let mut body = json!({ "results": results });
    if end < matching.len() {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.append_pair("limit", &limit.to_string());
        query.append_pair("after", &end.to_string());
        let link = format!("{}/hubspot/crm/v3/owners?{}", state.origin, query.finish());
        body["paging"] = json!({ "next": { "after": end.to_string(), "link": link } });
    }
    Json(body).into_response()
}

/// `GET /crm/v3/pipelines/deals`.
pub(crate) async fn deal_pipelines(State(state): State<Arc<AppState>>) -> Response {
    let data = read(&state);
    let results: Vec<Value> = data
        .pipelines
        .iter()
        .enumerate()
        .map(|(order, p)| {
            let stages: Vec<Value> = p
                .stages
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    json!({
                        "id": s.id,
                        "label": s.label,
                        "displayOrder": i,
                        "metadata": { "probability": s.probability, "isClosed": s.closed.to_string() },
                        "createdAt": p.created,
                        "updatedAt": p.created,
                        "archived": false,
                        "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
                    })
                })
                .collect();
            json!({
                "id": p.id,
                "label": p.label,
                "displayOrder": order,
                "stages": stages,
                "createdAt": p.created,
                "updatedAt": p.created,
                "archived": false,
            })
        })
        .collect();
    Json(json!({ "results": results })).into_response()
}

/// `GET /account-info/v3/details`.
pub(crate) async fn account_details(State(state): State<Arc<AppState>>) -> Response {
    let portal_id = read(&state).portal_id;
    Json(json!({
        "portalId": portal_id,
        "accountType": "STANDARD",
        "timeZone": "Etc/UTC",
        "companyCurrency": "USD",
        "additionalCurrencies": [],
        "utcOffset": "+00:00",
        "utcOffsetMilliseconds": 0,
        "uiDomain": "app.hubspot.com",
        "dataHostingLocation": "na1",
    }))
    .into_response()
}
