//! WordPress REST API under `/wordpress/wp-json`: the site index, posts and
//! pages (list, read, update), and users, over a seeded blog whose site zone
//! is America/New_York (see [`seed`] for the planted editorial work).
//!
//! Writes change the sandbox's state. Its WP-cron never runs: scheduled
//! posts whose time passes stay `future` (a missed schedule) until someone
//! publishes them.

mod api;
mod params;
mod render;
pub(crate) mod seed;
pub(crate) mod store;

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use jiff::Timestamp;
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::{Map, Value, json};

use super::AppState;
use super::auth::{self, Basic};
use super::data::floor_hour;
use super::faults::{self, FaultCtx};
use super::source::Source;
use params::ParamError;
use store::{Site, WordpressData};

const SITE_NAME: &str = "Acme Blog";
const NAMESPACES: [&str; 4] = ["oembed/1.0", "wp/v2", "wp-site-health/v1", "wp-block-editor/v1"];

/// Mixed into the seed so the blog's generator is independent of the other
/// vendors' (adding WordPress content changes nobody else's records).
const SEED_SALT: u64 = 0x5750_5f53_414e_4458;

pub(crate) struct WordpressState {
    pub(crate) site: Site,
    /// Posts, pages and users; updates change them.
    data: Mutex<WordpressData>,
}

impl WordpressState {
    /// The seeded blog, placed around `start` rounded down to the hour; the
    /// site's `gmt_offset` is its zone's offset at `start`.
    pub(crate) fn seeded(seed: u64, start: Timestamp) -> WordpressState {
        let data = seed::generate(&mut StdRng::seed_from_u64(seed ^ SEED_SALT), floor_hour(start));
        WordpressState {
            site: Site::at(start),
            data: Mutex::new(data),
        }
    }

    /// Held only while a handler reads or writes, never across an await.
    pub(crate) fn data(&self) -> MutexGuard<'_, WordpressData> {
        // A poisoned lock means a handler panicked mid-request; the records
        // are plain values and still consistent enough to keep serving.
        self.data.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Marks a request that presented the valid application password.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Authenticated;

/// Outermost first: faults, application-password check, handlers.
pub(crate) fn router(state: Arc<AppState>) -> Router {
    let fault_ctx = FaultCtx {
        state: Arc::clone(&state),
        source: Source::Wordpress,
    };
    Router::new()
        .route("/wp-json/", get(index).fallback(no_route))
        .route("/wp-json", get(index).fallback(no_route))
        .route("/wp-json/wp/v2/posts", get(api::list_posts).fallback(no_route))
        .route(
            "/wp-json/wp/v2/posts/{id}",
            get(api::get_post)
                .post(api::update_post)
                .put(api::update_post)
                .patch(api::update_post)
                .fallback(no_route),
        )
        .route("/wp-json/wp/v2/pages", get(api::list_pages).fallback(no_route))
        .route(
            "/wp-json/wp/v2/pages/{id}",
            get(api::get_page)
                .post(api::update_page)
                .put(api::update_page)
                .patch(api::update_page)
                .fallback(no_route),
        )
        .route("/wp-json/wp/v2/users", get(api::list_users).fallback(no_route))
        .route("/wp-json/wp/v2/users/{id}", get(api::get_user).fallback(no_route))
        .fallback(no_route)
        .layer(middleware::from_fn_with_state(Arc::clone(&state), check_app_password))
        .layer(middleware::from_fn_with_state(fault_ctx, faults::apply))
        .with_state(state)
}

/// The site index, as `GET /wp-json/` answers it (routes trimmed to the
/// ones the sandbox serves).
async fn index(State(state): State<Arc<AppState>>) -> Response {
    let site = format!("{}/wordpress", state.origin);
    let api = format!("{site}/wp-json");
    let route = |path: &str, namespace: &str, methods: &[&str]| {
        json!({
            "namespace": namespace,
            "methods": methods,
            "endpoints": [{ "methods": methods, "args": {} }],
            "_links": { "self": [{ "href": format!("{api}{path}") }] }
        })
    };
    let item = ["GET", "POST", "PUT", "PATCH"];
    let body = json!({
        "name": SITE_NAME,
        "description": "Guides and news from the Acme marketing team",
        "url": site,
        "home": site,
        "gmt_offset": gmt_offset_json(state.wordpress.site.gmt_offset),
        "timezone_string": store::TIMEZONE,
        "page_for_posts": 0,
        "page_on_front": 0,
        "show_on_front": "posts",
        "namespaces": NAMESPACES,
        "authentication": {
            "application-passwords": {
                "endpoints": {
                    "authorization": format!("{site}/wp-admin/authorize-application.php")
                }
            }
        },
        "routes": {
            "/": route("/", "", &["GET"]),
            "/wp/v2": route("/wp/v2", "wp/v2", &["GET"]),
            "/wp/v2/posts": route("/wp/v2/posts", "wp/v2", &["GET"]),
            "/wp/v2/posts/(?P<id>[\\d]+)": route("/wp/v2/posts/(?P<id>[\\d]+)", "wp/v2", &item),
            "/wp/v2/pages": route("/wp/v2/pages", "wp/v2", &["GET"]),
            "/wp/v2/pages/(?P<id>[\\d]+)": route("/wp/v2/pages/(?P<id>[\\d]+)", "wp/v2", &item),
            "/wp/v2/users": route("/wp/v2/users", "wp/v2", &["GET"]),
            "/wp/v2/users/(?P<id>[\\d]+)": route("/wp/v2/users/(?P<id>[\\d]+)", "wp/v2", &["GET"]),
            "/wp/v2/users/me": route("/wp/v2/users/me", "wp/v2", &["GET"]),
        },
        "site_logo": 0,
        "site_icon": 0,
        "site_icon_url": "",
        "_links": { "help": [{ "href": "https://developer.wordpress.org/rest-api/" }] }
    });
    json_response(StatusCode::OK, &body)
}

/// Whole hours as an integer (`-5`), as most parsers expect; half-hour
/// zones keep their fraction (`5.5`).
fn gmt_offset_json(hours: f64) -> Value {
    if hours.fract() == 0.0 {
        // Offsets are within ±26 hours, so the cast is exact.
        json!(hours as i64)
    } else {
        json!(hours)
    }
}

async fn no_route() -> Response {
    no_route_answer()
}

fn no_route_answer() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "rest_no_route",
        "No route was found matching the URL and request method.",
    )
}

/// WordPress checks an application password whenever Basic credentials are
/// sent and refuses the whole request if they are wrong; without them the
/// request is anonymous, and public routes answer it as such.
async fn check_app_password(State(state): State<Arc<AppState>>, mut req: Request, next: Next) -> Response {
    match auth::basic(req.headers()) {
        Basic::Present { user, password } => {
            if user != state.creds.wordpress_user {
                // WordPress looks the user up before it checks the password.
                error(
                    StatusCode::UNAUTHORIZED,
                    "invalid_username",
                    "Unknown username. Check again or try your email address.",
                )
            } else if state.creds.wordpress_password_matches(&password) {
                req.extensions_mut().insert(Authenticated);
                next.run(req).await
            } else {
                incorrect_password()
            }
        }
        // PHP sees no user in a header it cannot decode: anonymous too.
        Basic::Missing | Basic::Malformed => next.run(req).await,
    }
}

/// A JSON answer with WordPress's content type.
pub(crate) fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut response = (status, Json(body)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=UTF-8"),
    );
    response
}

/// WordPress's error shape: `{code, message, data: {status}}`.
fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({ "code": code, "message": message, "data": { "status": status.as_u16() } });
    json_response(status, &body)
}

/// An error answer from the data endpoints.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ApiError {
    /// 400 `rest_invalid_param`, every invalid parameter listed.
    InvalidParams(Vec<ParamError>),
    /// 400 `rest_invalid_json`.
    InvalidJson,
    /// Any other `{code, message, data: {status}}` answer.
    Rest {
        status: StatusCode,
        code: &'static str,
        message: &'static str,
    },
    /// The route does not exist (e.g. a non-numeric id).
    NoRoute,
}

impl ApiError {
    pub(crate) const fn rest(status: StatusCode, code: &'static str, message: &'static str) -> ApiError {
        ApiError::Rest { status, code, message }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::InvalidParams(errors) => {
                let names: Vec<&str> = errors.iter().map(|e| e.param.as_str()).collect();
                let mut params = Map::new();
                let mut details = Map::new();
                for e in &errors {
                    params.insert(e.param.clone(), json!(e.message));
                    details.insert(
                        e.param.clone(),
                        json!({ "code": e.code, "message": e.message, "data": e.data }),
                    );
                }
                let body = json!({
                    "code": "rest_invalid_param",
                    "message": format!("Invalid parameter(s): {}", names.join(", ")),
                    "data": { "status": 400, "params": params, "details": details }
                });
                json_response(StatusCode::BAD_REQUEST, &body)
            }
            ApiError::InvalidJson => {
                let body = json!({
                    "code": "rest_invalid_json",
                    "message": "Invalid JSON body passed.",
                    "data": { "status": 400, "json_error_code": 4, "json_error_message": "Syntax error" }
                });
                json_response(StatusCode::BAD_REQUEST, &body)
            }
            ApiError::Rest { status, code, message } => error(status, code, message),
            ApiError::NoRoute => no_route_answer(),
        }
    }
}

pub(crate) fn incorrect_password() -> Response {
    error(
        StatusCode::UNAUTHORIZED,
        "incorrect_password",
        "The provided password is an invalid application password.",
    )
}

/// WordPress core has no rate limit; hosts and WAFs answer 429 with an HTML page.
pub(crate) fn too_many_requests() -> Response {
    let page = "<!DOCTYPE html>\n<html><head><title>429 Too Many Requests</title></head>\n\
                <body><h1>Too Many Requests</h1><p>You have sent too many requests in a given \
                amount of time. Please try again later.</p></body></html>\n";
    let mut response = Html(page).into_response();
    *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=UTF-8"),
    );
    response
}

/// The body WordPress sends with `status`, for the `status:CODE` fault.
pub(crate) fn error_response(status: StatusCode) -> Response {
    let (code, message) = match status.as_u16() {
        400 => ("rest_invalid_param", "Invalid parameter(s)."),
        401 => return incorrect_password(),
        403 => ("rest_forbidden", "Sorry, you are not allowed to do that."),
        404 => (
            "rest_no_route",
            "No route was found matching the URL and request method.",
        ),
        429 => return too_many_requests(),
        500 => (
            "internal_server_error",
            "<p>There has been a critical error on this website.</p>",
        ),
        _ => ("http_request_failed", status.canonical_reason().unwrap_or("Error")),
    };
    error(status, code, message)
}
