//! A plain website under `/website`, the target of the generic HTTP check.

use std::sync::Arc;

use axum::http::StatusCode;
use axum::middleware;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Json, Router};
use serde_json::json;

use super::AppState;
use super::faults::{self, FaultCtx};
use super::source::Source;

const LANDING_PAGE: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Acme - Marketing that ships</title>
</head>
<body>
  <header><h1>Acme</h1></header>
  <main>
    <p>Campaigns, CRM and content in one place.</p>
    <form action="/website/signup" method="post">
      <input type="email" name="email" placeholder="you@example.com">
      <button type="submit">Sign up</button>
    </form>
  </main>
</body>
</html>
"#;

/// Routes carry the full `/website` prefix and are merged, not nested: a
/// nested router cannot tell `/website/` (the page a check points at) from
/// `/website`.
pub(crate) fn router(state: Arc<AppState>) -> Router {
    let fault_ctx = FaultCtx {
        state,
        source: Source::Website,
    };
    Router::new()
        .route("/website/", get(landing))
        .route("/website", get(landing))
        .route("/website/health", get(health))
        .route("/website/{*rest}", any(not_found))
        .layer(middleware::from_fn_with_state(fault_ctx, faults::apply))
}

async fn landing() -> Html<&'static str> {
    Html(LANDING_PAGE)
}

async fn health() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

async fn not_found() -> Response {
    error_response(StatusCode::NOT_FOUND)
}

/// A small HTML error page, as a web server sends it.
pub(crate) fn error_response(status: StatusCode) -> Response {
    let reason = status.canonical_reason().unwrap_or("Error");
    let code = status.as_u16();
    let page = format!(
        "<!DOCTYPE html>\n<html><head><title>{code} {reason}</title></head>\
         <body><h1>{code} {reason}</h1></body></html>\n"
    );
    (status, Html(page)).into_response()
}
