//! WordPress REST API under `/wordpress/wp-json`.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::AppState;
use super::auth::{self, Basic};
use super::faults::{self, FaultCtx};
use super::source::Source;

const SITE_NAME: &str = "Acme Blog";
const NAMESPACES: [&str; 4] = ["oembed/1.0", "wp/v2", "wp-site-health/v1", "wp-block-editor/v1"];

/// Outermost first: faults, application-password check, handlers.
pub(crate) fn router(state: Arc<AppState>) -> Router {
    let fault_ctx = FaultCtx {
        state: Arc::clone(&state),
        source: Source::Wordpress,
    };
    Router::new()
        .route("/wp-json/", get(index))
        .route("/wp-json", get(index))
        .fallback(no_route)
        .layer(middleware::from_fn_with_state(Arc::clone(&state), check_app_password))
        .layer(middleware::from_fn_with_state(fault_ctx, faults::apply))
        .with_state(state)
}

/// The site index, as `GET /wp-json/` answers it (routes trimmed to a few).
async fn index(State(state): State<Arc<AppState>>) -> Json<Value> {
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
    Json(json!({
        "name": SITE_NAME,
        "description": "Guides and news from the Acme marketing team",
        "url": site,
        "home": site,
        "gmt_offset": 0,
        "timezone_string": "UTC",
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
            "/wp/v2/posts": route("/wp/v2/posts", "wp/v2", &["GET", "POST"]),
            "/wp/v2/posts/(?P<id>[\\d]+)": route("/wp/v2/posts/(?P<id>[\\d]+)", "wp/v2", &["GET", "POST", "PUT", "PATCH", "DELETE"]),
            "/wp/v2/pages": route("/wp/v2/pages", "wp/v2", &["GET", "POST"]),
        },
        "site_logo": 0,
        "site_icon": 0,
        "site_icon_url": "",
        "_links": { "help": [{ "href": "https://developer.wordpress.org/rest-api/" }] }
    }))
}

async fn no_route() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "rest_no_route",
        "No route was found matching the URL and request method.",
    )
}

/// WordPress checks an application password whenever Basic credentials are
/// sent and refuses the whole request if they are wrong; without them the
/// request is anonymous, and public routes such as the site index answer it.
async fn check_app_password(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
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
                next.run(req).await
            } else {
                incorrect_password()
            }
        }
        // PHP sees no user in a header it cannot decode: anonymous too.
        Basic::Missing | Basic::Malformed => next.run(req).await,
    }
}

/// WordPress's error shape: `{code, message, data: {status}}`.
fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({ "code": code, "message": message, "data": { "status": status.as_u16() } });
    (status, Json(body)).into_response()
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
        header::HeaderValue::from_static("text/html; charset=UTF-8"),
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
