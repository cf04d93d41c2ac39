//! Mailchimp Marketing API v3 under `/mailchimp/3.0`: health, account,
//! campaigns and their actions, reports, audiences and members.

mod api;
mod fields;
mod query;
mod render;
pub(crate) mod seed;
pub(crate) mod store;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use jiff::Timestamp;
use serde_json::json;

use super::AppState;
use super::auth::{self, Basic};
use super::data::MailchimpAccount;
use super::faults::{self, FaultCtx};
use super::source::Source;

/// Mailchimp allows 10 simultaneous connections per user.
pub(crate) const MAX_CONNECTIONS: usize = 10;

const ERROR_DOCS: &str = "https://mailchimp.com/developer/marketing/docs/errors/";

pub(crate) struct MailchimpState {
    pub(crate) account: MailchimpAccount,
    /// Audiences, members and campaigns; writes (actions, PATCH) change them.
    data: Mutex<store::MailchimpData>,
    /// Requests with the valid key currently being served.
    connections: AtomicUsize,
}

impl MailchimpState {
    pub(crate) fn new(account: MailchimpAccount, data: store::MailchimpData) -> MailchimpState {
        MailchimpState {
            account,
            data: Mutex::new(data),
            connections: AtomicUsize::new(0),
        }
    }

    /// The records, with every timed transition due by `now` completed.
    /// Held only while a handler reads or writes, never across an await.
    pub(crate) fn data(&self, now: Timestamp) -> MutexGuard<'_, store::MailchimpData> {
        // A poisoned lock means a handler panicked mid-request; the records
        // are plain values and still consistent enough to keep serving.
        let mut data = self.data.lock().unwrap_or_else(PoisonError::into_inner);
        data.settle(now);
        data
    }

    pub(crate) fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// Takes a connection slot, or `None` when all are in use.
    fn acquire(&self) -> Option<ConnectionSlot<'_>> {
        self.connections
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < MAX_CONNECTIONS).then_some(n + 1)
            })
            .ok()
            .map(|_| ConnectionSlot(&self.connections))
    }
}

/// Frees its slot when the request ends, including when the client hangs up.
struct ConnectionSlot<'a>(&'a AtomicUsize);

impl Drop for ConnectionSlot<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Outermost first: connection limit (so delayed requests hold their slot),
/// faults, key check, handlers.
pub(crate) fn router(state: Arc<AppState>) -> Router {
    let fault_ctx = FaultCtx {
        state: Arc::clone(&state),
        source: Source::Mailchimp,
    };
    let not_allowed = api::method_not_allowed;
    Router::new()
        .route("/3.0/ping", get(ping).fallback(not_allowed))
        .route("/3.0/", get(account).fallback(not_allowed))
        .route("/3.0", get(account).fallback(not_allowed))
        .route("/3.0/campaigns", get(api::list_campaigns).fallback(not_allowed))
        .route("/3.0/campaigns/{id}", get(api::get_campaign).fallback(not_allowed))
        .route(
            "/3.0/campaigns/{id}/actions/{action}",
            post(api::campaign_action).fallback(not_allowed),
        )
        .route("/3.0/reports", get(api::list_reports).fallback(not_allowed))
        .route("/3.0/reports/{id}", get(api::get_report).fallback(not_allowed))
        .route("/3.0/lists", get(api::list_lists).fallback(not_allowed))
        .route("/3.0/lists/{id}", get(api::get_list).fallback(not_allowed))
        .route("/3.0/lists/{id}/members", get(api::list_members).fallback(not_allowed))
        .route(
            "/3.0/lists/{id}/members/{hash}",
            get(api::get_member).patch(api::patch_member).fallback(not_allowed),
        )
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(Arc::clone(&state), require_key))
        .layer(middleware::from_fn_with_state(fault_ctx, faults::apply))
        .layer(middleware::from_fn_with_state(Arc::clone(&state), limit_connections))
        .with_state(state)
}

async fn ping() -> Json<serde_json::Value> {
    Json(json!({ "health_status": "Everything's Chimpy!" }))
}

async fn account(State(state): State<Arc<AppState>>) -> Json<serde_json::Value> {
    let a = &state.mailchimp.account;
    let total_subscribers: u64 = state
        .mailchimp
        .data(Timestamp::now())
        .lists
        .iter()
        .map(|l| l.count(store::MemberStatus::Subscribed))
        .sum();
    Json(json!({
        "account_id": a.account_id,
        "login_id": a.login_id,
        "account_name": a.account_name,
        "email": a.email,
        "first_name": a.first_name,
        "last_name": a.last_name,
        "username": "acme-marketing",
        "avatar_url": "",
        "role": "owner",
        "member_since": a.member_since,
        "pricing_plan_type": "monthly",
        "first_payment": a.member_since,
        "account_timezone": "UTC",
        "account_industry": "Software",
        "contact": {
            "company": "Acme Inc.",
            "addr1": "1 Example Way",
            "addr2": "",
            "city": "Springfield",
            "state": "",
            "zip": "00000",
            "country": "US"
        },
        "pro_enabled": false,
        "last_login": a.last_login,
        "total_subscribers": total_subscribers,
        "industry_stats": { "open_rate": 0.2134, "bounce_rate": 0.0087, "click_rate": 0.0261 },
        "_links": []
    }))
}

async fn not_found() -> Response {
    problem(
        StatusCode::NOT_FOUND,
        "Resource Not Found",
        "The requested resource could not be found.",
    )
}

async fn require_key(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    match auth::basic(req.headers()) {
        Basic::Present { password, .. } if state.creds.mailchimp_key_matches(&password) => next.run(req).await,
        Basic::Present { .. } => invalid_key(),
        Basic::Missing | Basic::Malformed => problem(
            StatusCode::UNAUTHORIZED,
            "API Key Missing",
            "Your request did not include an API key.",
        ),
    }
}

/// Counts requests that carry the valid key; the 11th at once gets 429.
async fn limit_connections(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let valid = matches!(
        auth::basic(req.headers()),
        Basic::Present { ref password, .. } if state.creds.mailchimp_key_matches(password)
    );
    if !valid {
        return next.run(req).await;
    }
    match state.mailchimp.acquire() {
        Some(_slot) => next.run(req).await,
        None => too_many_requests(),
    }
}

/// A problem+json body as Mailchimp sends it.
pub(crate) fn problem(status: StatusCode, title: &str, detail: &str) -> Response {
    let body = json!({
        "type": ERROR_DOCS,
        "title": title,
        "status": status.as_u16(),
        "detail": detail,
        "instance": uuid::Uuid::new_v4().to_string(),
    });
    (
        status,
        [(header::CONTENT_TYPE, "application/problem+json")],
        body.to_string(),
    )
        .into_response()
}

pub(crate) fn invalid_key() -> Response {
    problem(
        StatusCode::UNAUTHORIZED,
        "API Key Invalid",
        "Your API key may be invalid, or you've attempted to access the wrong datacenter.",
    )
}

pub(crate) fn too_many_requests() -> Response {
    problem(
        StatusCode::TOO_MANY_REQUESTS,
        "Too Many Requests",
        "You have exceeded the limit of 10 simultaneous connections.",
    )
}

/// The body Mailchimp sends with `status`, for the `status:CODE` fault.
pub(crate) fn error_response(status: StatusCode) -> Response {
    let (title, detail) = match status.as_u16() {
        400 => ("Invalid Resource", "The resource submitted could not be validated."),
        401 => return invalid_key(),
        403 => ("Forbidden", "You don't have permission to access this resource."),
        404 => ("Resource Not Found", "The requested resource could not be found."),
        405 => (
            "Method Not Allowed",
            "The requested method and resource are not compatible.",
        ),
        429 => return too_many_requests(),
        500 => (
            "Internal Server Error",
            "An unexpected internal error has occurred. Please contact Support for more information.",
        ),
        _ => (
            status.canonical_reason().unwrap_or("Error"),
            "The request could not be completed.",
        ),
    };
    problem(status, title, detail)
}
