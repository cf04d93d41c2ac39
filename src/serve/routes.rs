//! The HTTP side of `mops serve`: `/metrics`, `/healthz`, `/snapshot.json`.
//! Handlers read the newest published state from a watch and never wait on the loop.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use jiff::Timestamp;
use serde::Serialize;
use tokio::sync::watch;

use super::Published;
use super::encode::{self, Format};
use super::metrics;
use crate::app::source_state::elapsed;

/// The loop publishes at least once a second; this long without reads as stuck.
pub const STALLED_AFTER: Duration = Duration::from_secs(30);

type Shared = watch::Receiver<Arc<Published>>;

pub fn router(published: Shared) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(healthz))
        .route("/snapshot.json", get(snapshot))
        .fallback(not_found)
        .with_state(published)
}

fn current(rx: &Shared) -> Arc<Published> {
    rx.borrow().clone()
}

async fn metrics(State(rx): State<Shared>, headers: HeaderMap) -> Response {
    let published = current(&rx);
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    let format = Format::negotiate(accept);
    let families = metrics::families(&published.model, &published.latency, Timestamp::now());
    let body = encode::encode(&families, format);
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static(format.content_type()))],
        body,
    )
        .into_response()
}

/// `/healthz`: liveness of the loop, and how many sources are up.
#[derive(Debug, Serialize)]
struct Health {
    /// "ok", or "stalled" when the loop has not published for [`STALLED_AFTER`].
    status: &'static str,
    sources: usize,
    /// Sources whose latest poll finished (OK or not).
    polled: usize,
    /// Sources OK or DEGRADED.
    up: usize,
    /// When the loop last published.
    updated_at: Timestamp,
    started_at: Timestamp,
}

fn health(p: &Published, now: Timestamp) -> (StatusCode, Health) {
    let model = &p.model;
    let stalled = elapsed(p.at, now) > STALLED_AFTER;
    let body = Health {
        status: if stalled { "stalled" } else { "ok" },
        sources: model.sources.len(),
        polled: model.sources.iter().filter(|s| s.last.is_some()).count(),
        up: model
            .sources
            .iter()
            .filter(|s| s.status(now).is_some_and(|st| st.is_good()))
            .count(),
        updated_at: p.at,
        started_at: p.started,
    };
    let code = if stalled {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    (code, body)
}

async fn healthz(State(rx): State<Shared>) -> Response {
    let (code, body) = health(&current(&rx), Timestamp::now());
    (code, axum::Json(body)).into_response()
}

async fn snapshot(State(rx): State<Shared>) -> Response {
    let published = current(&rx);
    // A large model takes real work to serialise: keep it off the async workers.
    let rendered =
        tokio::task::spawn_blocking(move || super::snapshot_json(&published.model, Timestamp::now(), published.redact))
            .await;
    match rendered {
        Ok(Ok(body)) => ([(header::CONTENT_TYPE, "application/json")], body).into_response(),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "could not serialise the snapshot");
            (StatusCode::INTERNAL_SERVER_ERROR, "could not serialise the snapshot\n").into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "the snapshot task failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "the snapshot task failed\n").into_response()
        }
    }
}

async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        "not found: mops serve answers /metrics, /healthz and /snapshot.json\n",
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::app::{Model, SourceState};
    use crate::model::SourceKind;

    fn published(at: Timestamp) -> Published {
        let sources = vec![SourceState::new(
            "crm",
            SourceKind::Hubspot,
            Duration::from_secs(30),
            Duration::from_secs(10),
        )];
        let model = Model::new("t", true, sources, at);
        Published::new(Arc::new(model), &[], at, at)
    }

    #[test]
    fn a_loop_that_stopped_publishing_is_unhealthy() {
        let t: Timestamp = "2026-11-22T16:00:00Z".parse().expect("timestamp");
        let p = published(t);
        let (code, body) = health(&p, t + jiff::SignedDuration::from_secs(5));
        assert_eq!(
            (code, body.status, body.sources, body.polled),
            (StatusCode::OK, "ok", 1, 0)
        );
        let (code, body) = health(&p, t + jiff::SignedDuration::from_secs(31));
        assert_eq!((code, body.status), (StatusCode::SERVICE_UNAVAILABLE, "stalled"));
    }
}
