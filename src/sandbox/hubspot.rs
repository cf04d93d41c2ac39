//! HubSpot CRM API v3 under `/hubspot`.

use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Instant;

use axum::extract::{RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Map, Value, json};

use super::AppState;
use super::auth;
use super::data::{Contact, HubspotData};
use super::faults::{self, FaultCtx};
use super::hubspot_limits::{Admission, Limits, Policy};
use super::source::Source;

/// Returned when a request names no `properties`.
const DEFAULT_PROPERTIES: [&str; 6] = [
    "createdate",
    "email",
    "firstname",
    "hs_object_id",
    "lastmodifieddate",
    "lastname",
];
/// Returned with every object, whatever `properties` asks for.
const ALWAYS_PROPERTIES: [&str; 3] = ["createdate", "hs_object_id", "lastmodifieddate"];
const DEFAULT_LIMIT: usize = 10;
const MAX_LIMIT: usize = 100;

pub(crate) struct HubspotState {
    pub(crate) data: RwLock<HubspotData>,
    pub(crate) limits: Mutex<Limits>,
}

impl HubspotState {
    pub(crate) fn new(data: HubspotData) -> HubspotState {
        HubspotState {
            data: RwLock::new(data),
            limits: Mutex::new(Limits::starter_private_app()),
        }
    }

    /// Requests counted in the current ten-second window.
    pub(crate) fn window_requests(&self) -> usize {
        self.lock_limits().in_window(Instant::now())
    }

    // Poisoning cannot leave the counters inconsistent; keep serving.
    fn lock_limits(&self) -> std::sync::MutexGuard<'_, Limits> {
        self.limits.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Outermost first: faults, token check, rate limit, handlers. Only
/// authenticated requests count against the limit, as at HubSpot.
pub(crate) fn router(state: Arc<AppState>) -> Router {
    let fault_ctx = FaultCtx {
        state: Arc::clone(&state),
        source: Source::Hubspot,
    };
    Router::new()
        .route("/crm/v3/objects/contacts", get(list_contacts))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(Arc::clone(&state), rate_limit))
        .layer(middleware::from_fn_with_state(Arc::clone(&state), require_token))
        .layer(middleware::from_fn_with_state(fault_ctx, faults::apply))
        .with_state(state)
}

async fn require_token(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    match auth::bearer(req.headers()) {
        Some(token) if state.creds.hubspot_token_matches(token) => next.run(req).await,
        _ => invalid_authentication(),
    }
}

/// Days since the Unix epoch, UTC: HubSpot's daily budget resets at midnight UTC.
fn today() -> i64 {
    jiff::Timestamp::now().as_second().div_euclid(86_400)
}

async fn rate_limit(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let admission = state.hubspot.lock_limits().admit(Instant::now(), today());
    let mut response = match admission.refused {
        None => next.run(req).await,
        Some(policy) => rate_limited(policy),
    };
    rate_limit_headers(response.headers_mut(), &admission);
    response
}

fn rate_limit_headers(headers: &mut HeaderMap, a: &Admission) {
    let mut set = |name: &'static str, value: u64| {
        headers.insert(name, HeaderValue::from(value));
    };
    set("x-hubspot-ratelimit-max", a.max as u64);
    set("x-hubspot-ratelimit-remaining", a.remaining as u64);
    set(
        "x-hubspot-ratelimit-interval-milliseconds",
        a.interval.as_millis() as u64,
    );
    set("x-hubspot-ratelimit-daily", a.daily_max);
    set("x-hubspot-ratelimit-daily-remaining", a.daily_remaining);
}

/// `GET /crm/v3/objects/contacts?limit&after&properties&archived`.
async fn list_contacts(State(state): State<Arc<AppState>>, RawQuery(query): RawQuery) -> Response {
    let params = match ListParams::parse(query.as_deref().unwrap_or("")) {
        Ok(params) => params,
        Err(message) => return error(StatusCode::BAD_REQUEST, &message, "VALIDATION_ERROR"),
    };
    let data = state.hubspot.data.read().unwrap_or_else(PoisonError::into_inner);
    let mut matching = data
        .contacts
        .iter()
        .filter(|c| c.archived == params.archived && c.id >= params.after);
    let page: Vec<Value> = matching
        .by_ref()
        .take(params.limit)
        .map(|c| contact_json(c, &params.properties))
        .collect();
    let mut body = json!({ "results": page });
    if let Some(next) = matching.next() {
        let after = next.id.to_string();
        let link = format!(
            "{}/hubspot/crm/v3/objects/contacts?{}",
            state.origin,
            params.query_with_after(&after)
        );
        body["paging"] = json!({ "next": { "after": after, "link": link } });
    }
    Json(body).into_response()
}

struct ListParams {
    limit: usize,
    /// Smallest id to return; HubSpot's `after` cursor is the next record's id.
    after: u64,
    /// As given, for the `next.link`; empty for the default set.
    properties: Vec<String>,
    archived: bool,
}

impl ListParams {
    fn parse(query: &str) -> Result<ListParams, String> {
        let mut params = ListParams {
            limit: DEFAULT_LIMIT,
            after: 0,
            properties: Vec::new(),
            archived: false,
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
                "properties" => params.properties.extend(
                    value
                        .split(',')
                        .map(str::trim)
                        .filter(|p| !p.is_empty())
                        .map(str::to_owned),
                ),
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
        if self.archived {
            query.append_pair("archived", "true");
        }
        query.finish()
    }
}

fn contact_json(contact: &Contact, requested: &[String]) -> Value {
    let wanted: Vec<&str> = if requested.is_empty() {
        DEFAULT_PROPERTIES.to_vec()
    } else {
        requested.iter().map(String::as_str).chain(ALWAYS_PROPERTIES).collect()
    };
    // Properties the record does not have are left out, not sent as null.
    let properties: Map<String, Value> = wanted
        .into_iter()
        .filter_map(|name| {
            let value = contact.properties.get(name)?;
            Some((name.to_owned(), value.clone().map_or(Value::Null, Value::String)))
        })
        .collect();
    json!({
        "id": contact.id.to_string(),
        "properties": properties,
        "createdAt": contact.created_at,
        "updatedAt": contact.updated_at,
        "archived": contact.archived,
    })
}

async fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "Resource not found", "OBJECT_NOT_FOUND")
}

/// HubSpot's error shape: `{status, message, correlationId, category}`.
fn error(status: StatusCode, message: &str, category: &str) -> Response {
    let body = json!({
        "status": "error",
        "message": message,
        "correlationId": uuid::Uuid::new_v4().to_string(),
        "category": category,
    });
    (status, Json(body)).into_response()
}

pub(crate) fn invalid_authentication() -> Response {
    error(
        StatusCode::UNAUTHORIZED,
        "Authentication credentials not found. This API supports OAuth 2.0 authentication and \
         you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
        "INVALID_AUTHENTICATION",
    )
}

fn rate_limited(policy: Policy) -> Response {
    let (message, policy_name) = match policy {
        Policy::TenSecondlyRolling => (
            "You have reached your ten_secondly_rolling limit.",
            "TEN_SECONDLY_ROLLING",
        ),
        Policy::Daily => ("You have reached your daily limit.", "DAILY"),
    };
    let body = json!({
        "status": "error",
        "message": message,
        "errorType": "RATE_LIMIT",
        "correlationId": uuid::Uuid::new_v4().to_string(),
        "policyName": policy_name,
        "category": "RATE_LIMITS",
    });
    (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response()
}

/// The ten-second 429 body, without the limit headers.
pub(crate) fn too_many_requests() -> Response {
    rate_limited(Policy::TenSecondlyRolling)
}

/// The ten-second 429 for the `ratelimit:SECONDS` fault, with the headers a
/// real one carries: nothing remaining in the window, the daily budget as it is.
pub(crate) fn forced_rate_limit(state: &HubspotState) -> Response {
    let admission = state.lock_limits().forced_refusal(Instant::now(), today());
    let mut response = too_many_requests();
    rate_limit_headers(response.headers_mut(), &admission);
    response
}

/// HubSpot's body for `status`, for the `status:CODE` fault.
pub(crate) fn error_response(status: StatusCode) -> Response {
    let (message, category) = match status.as_u16() {
        400 => ("Invalid input", "VALIDATION_ERROR"),
        401 => return invalid_authentication(),
        403 => (
            "This app hasn't been granted all required scopes to make this call.",
            "MISSING_SCOPES",
        ),
        404 => ("Resource not found", "OBJECT_NOT_FOUND"),
        409 => ("Conflict", "CONFLICT"),
        429 => return too_many_requests(),
        _ => (status.canonical_reason().unwrap_or("internal error"), "INTERNAL_ERROR"),
    };
    error(status, message, category)
}
