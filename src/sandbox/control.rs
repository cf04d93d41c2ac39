//! The control endpoint under `/_sandbox`: set, clear and list faults while
//! the sandbox runs, and read the live counters.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::AppState;
use super::faults::{FAULT_KINDS, Fault, FaultTarget};
use super::mailchimp;
use super::source::{SOURCES, Source};

pub(crate) fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/faults", get(list_faults).delete(clear_all_faults))
        .route("/faults/{source}", put(set_fault).delete(clear_fault))
        .route("/stats", get(stats))
        .fallback(not_found)
        .with_state(state)
}

/// `{"kind": "status:503"}`, or the value split out:
/// `{"kind": "latency", "ms": 800}`, `{"kind": "status", "code": 503}`,
/// `{"kind": "ratelimit", "seconds": 30}`. Every kind can be spelled whole
/// (`"burst:3:503"`, `"drift:null"`). `"path": "/crm/v3/objects/tasks"`
/// limits it to the endpoints under that path, below the source's prefix.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultRequest {
    kind: String,
    ms: Option<u64>,
    code: Option<u64>,
    seconds: Option<u64>,
    path: Option<String>,
}

/// `?path=/crm/v3/objects/tasks` on DELETE: clear only that endpoint's fault.
#[derive(Debug, Deserialize)]
struct ClearQuery {
    path: Option<String>,
}

impl FaultRequest {
    fn fault(&self) -> Result<Fault, String> {
        let values = [
            ("ms", "latency", self.ms),
            ("code", "status", self.code),
            ("seconds", "ratelimit", self.seconds),
        ];
        let mut given = values
            .into_iter()
            .filter_map(|(field, kind, value)| value.map(|v| (field, kind, v)));
        let spelled = match (given.next(), given.next()) {
            (None, _) => self.kind.clone(),
            (Some(_), Some(_)) => return Err("give at most one of ms, code, seconds".to_owned()),
            (Some((field, kind, value)), None) => {
                if !self.kind.trim().eq_ignore_ascii_case(kind) {
                    return Err(format!("{field:?} goes with kind {kind:?}, not {:?}", self.kind));
                }
                format!("{kind}:{value}")
            }
        };
        spelled.parse::<Fault>().map_err(|e| e.to_string())
    }
}

async fn list_faults(State(state): State<Arc<AppState>>) -> Json<serde_json::Value> {
    Json(json!(state.faults.snapshot()))
}

async fn set_fault(State(state): State<Arc<AppState>>, Path(name): Path<String>, body: Bytes) -> Response {
    let source = match name.parse::<Source>() {
        Ok(source) => source,
        Err(e) => return unknown_source(&e.to_string()),
    };
    let request: FaultRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(e) => return bad_fault(&format!("body must be JSON like {{\"kind\": \"status:503\"}}: {e}")),
    };
    let target = match FaultTarget::scoped(source, request.path.as_deref().unwrap_or("")) {
        Ok(target) => target,
        Err(e) => return bad_fault(&e.to_string()),
    };
    match request.fault() {
        Ok(fault) => {
            tracing::info!(%target, %fault, "sandbox fault set");
            state.faults.set(target, fault);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(message) => bad_fault(&message),
    }
}

async fn clear_fault(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    Query(query): Query<ClearQuery>,
) -> Response {
    let source = match name.parse::<Source>() {
        Ok(source) => source,
        Err(e) => return unknown_source(&e.to_string()),
    };
    let cleared = match query.path.as_deref() {
        Some(path) => match FaultTarget::scoped(source, path) {
            Ok(target) => state
                .faults
                .clear(&target)
                .map(|fault| (target, fault))
                .into_iter()
                .collect(),
            Err(e) => return bad_fault(&e.to_string()),
        },
        None => state.faults.clear_source(source),
    };
    log_cleared(&cleared);
    StatusCode::NO_CONTENT.into_response()
}

async fn clear_all_faults(State(state): State<Arc<AppState>>) -> StatusCode {
    log_cleared(&state.faults.clear_all());
    StatusCode::NO_CONTENT
}

fn log_cleared(cleared: &[(FaultTarget, Fault)]) {
    for (target, fault) in cleared {
        tracing::info!(%target, %fault, "sandbox fault cleared");
    }
}

/// Live counters, so scripts and tests can wait on state instead of sleeping.
async fn stats(State(state): State<Arc<AppState>>) -> Json<serde_json::Value> {
    Json(json!({
        "in_flight": state.in_flight.load(Ordering::SeqCst),
        "mailchimp": {
            "connections": state.mailchimp.connections(),
            "max_connections": mailchimp::MAX_CONNECTIONS,
        },
        "hubspot": {
            "window_requests": state.hubspot.window_requests(),
        },
        "writes": *state.writes.lock().unwrap_or_else(std::sync::PoisonError::into_inner),
    }))
}

async fn not_found() -> Response {
    let body = json!({
        "error": "no such control endpoint",
        "endpoints": [
            "GET /_sandbox/faults",
            "DELETE /_sandbox/faults",
            "PUT /_sandbox/faults/{source}",
            "DELETE /_sandbox/faults/{source}[?path=/PATH]",
            "GET /_sandbox/stats",
        ],
    });
    (StatusCode::NOT_FOUND, Json(body)).into_response()
}

fn unknown_source(message: &str) -> Response {
    let body = json!({ "error": message, "known_sources": SOURCES });
    (StatusCode::NOT_FOUND, Json(body)).into_response()
}

fn bad_fault(message: &str) -> Response {
    let body = json!({ "error": message, "kinds": FAULT_KINDS });
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(json: &str) -> Result<Fault, String> {
        serde_json::from_str::<FaultRequest>(json).unwrap().fault()
    }

    #[test]
    fn both_body_styles_parse() {
        assert_eq!(request(r#"{"kind":"status:503"}"#), Ok(Fault::Status { code: 503 }));
        assert_eq!(
            request(r#"{"kind":"latency","ms":800}"#),
            Ok(Fault::Latency { ms: 800 })
        );
        assert_eq!(
            request(r#"{"kind":"status","code":502}"#),
            Ok(Fault::Status { code: 502 })
        );
        assert_eq!(
            request(r#"{"kind":"ratelimit","seconds":9}"#),
            Ok(Fault::RateLimit { seconds: 9 })
        );
        assert_eq!(request(r#"{"kind":"hang"}"#), Ok(Fault::Hang));
    }

    #[test]
    fn mismatched_values_are_refused() {
        assert!(
            request(r#"{"kind":"latency","code":503}"#)
                .unwrap_err()
                .contains("goes with kind")
        );
        assert!(
            request(r#"{"kind":"latency","ms":1,"seconds":2}"#)
                .unwrap_err()
                .contains("at most one")
        );
        assert!(request(r#"{"kind":"latency:5","ms":5}"#).is_err());
    }

    #[test]
    fn a_path_may_come_with_any_kind() {
        let parsed: FaultRequest = serde_json::from_str(r#"{"kind":"burst:2:503","path":"/crm/v3"}"#).unwrap();
        assert_eq!(parsed.fault(), Ok(Fault::Burst { count: 2, code: 503 }));
        assert_eq!(parsed.path.as_deref(), Some("/crm/v3"));
    }
}
