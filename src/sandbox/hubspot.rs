//! HubSpot CRM API v3 under `/hubspot`: contacts, deals and tasks (list,
//! read, search; contact and task update; contact batch update and merge),
//! owners, deal pipelines and account details, over a seeded portal (see
//! [`seed`] for the planted data-quality problems and [`task_seed`] for the
//! tasks).

mod api;
pub(crate) mod records;
mod search;
pub(crate) mod seed;
mod task_seed;

use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

use super::AppState;
use super::auth;
use super::faults::{self, FaultCtx};
use super::hubspot_limits::{Admission, Limits, Policy};
use super::source::Source;
use records::HubspotData;

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
    let not_allowed = method_not_allowed;
    Router::new()
        .route(
            "/crm/v3/objects/contacts",
            get(api::list_contacts).fallback(not_allowed),
        )
        .route(
            "/crm/v3/objects/contacts/search",
            post(api::search_contacts).fallback(not_allowed),
        )
        .route(
            "/crm/v3/objects/contacts/batch/update",
            post(api::batch_update_contacts).fallback(not_allowed),
        )
        .route(
            "/crm/v3/objects/contacts/merge",
            post(api::merge_contacts).fallback(not_allowed),
        )
        .route(
            "/crm/v3/objects/contacts/{id}",
            get(api::get_contact).patch(api::patch_contact).fallback(not_allowed),
        )
        .route("/crm/v3/objects/deals", get(api::list_deals).fallback(not_allowed))
        .route(
            "/crm/v3/objects/deals/search",
            post(api::search_deals).fallback(not_allowed),
        )
        .route("/crm/v3/objects/deals/{id}", get(api::get_deal).fallback(not_allowed))
        .route("/crm/v3/objects/tasks", get(api::list_tasks).fallback(not_allowed))
        .route(
            "/crm/v3/objects/tasks/search",
            post(api::search_tasks).fallback(not_allowed),
        )
        .route(
            "/crm/v3/objects/tasks/{id}",
            get(api::get_task).patch(api::patch_task).fallback(not_allowed),
        )
        .route("/crm/v3/owners", get(api::list_owners).fallback(not_allowed))
        .route(
            "/crm/v3/pipelines/deals",
            get(api::deal_pipelines).fallback(not_allowed),
        )
        .route(
            "/account-info/v3/details",
            get(api::account_details).fallback(not_allowed),
        )
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

async fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "Resource not found", "OBJECT_NOT_FOUND")
}

async fn method_not_allowed() -> Response {
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        "HTTP method not allowed for this resource",
        "VALIDATION_ERROR",
    )
}

/// HubSpot's error shape: `{status, message, correlationId, category}`.
fn error(status: StatusCode, message: &str, category: &str) -> Response {
    error_with(status, message, category, Value::Null)
}

/// [`error`] with more members (`errors`, `context`) from the object `extra`.
fn error_with(status: StatusCode, message: &str, category: &str, extra: Value) -> Response {
    let mut body = json!({
        "status": "error",
        "message": message,
        "correlationId": uuid::Uuid::new_v4().to_string(),
        "category": category,
    });
    if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), extra) {
        body.extend(extra);
    }
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
