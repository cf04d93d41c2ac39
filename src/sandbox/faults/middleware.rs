//! The middleware in front of every source: finds the fault for the request
//! and answers the way the vendor (or the network) would fail.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{OriginalUri, Request, State};
use axum::http::response::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::{Fault, bodies, drift};
use crate::sandbox::source::Source;
use crate::sandbox::{AppState, hubspot, mailchimp, website, wordpress};

/// The sandbox's own answers are small; this only bounds memory when a
/// fault has to hold one whole.
const MAX_BUFFERED: usize = 16 * 1024 * 1024;

/// State for [`apply`]: which source this middleware guards.
#[derive(Clone)]
pub(crate) struct FaultCtx {
    pub(crate) state: Arc<AppState>,
    pub(crate) source: Source,
}

/// Applies the fault that matches the request, if any, around the rest of
/// the source's stack.
pub(crate) async fn apply(State(ctx): State<FaultCtx>, req: Request, next: Next) -> Response {
    let path = path_below_prefix(ctx.source, &req);
    let Some(fault) = ctx.state.faults.take(ctx.source, &path) else {
        return next.run(req).await;
    };
    tracing::debug!(source = %ctx.source, %path, %fault, "sandbox fault applied");
    let shutdown = ctx.state.shutdown.clone();
    match fault {
        Fault::Latency { ms } => {
            tokio::select! {
                () = tokio::time::sleep(Duration::from_millis(ms)) => next.run(req).await,
                () = shutdown.cancelled() => shutting_down(),
            }
        }
        Fault::Hang => {
            // Released only so that a graceful shutdown does not wait forever.
            shutdown.cancelled().await;
            shutting_down()
        }
        Fault::Reset => Response::new(bodies::reset()),
        Fault::Status { code } | Fault::Burst { code, .. } => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            error_body(&ctx.state, ctx.source, status)
        }
        Fault::RateLimit { seconds } => {
            let mut response = too_many_requests(&ctx.state, ctx.source);
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            response
        }
        Fault::Auth => revoked_credentials(ctx.source),
        Fault::Malformed => {
            let (_, body) = buffered(next.run(req).await).await;
            json_200(Body::from(truncate_json(&body)))
        }
        Fault::Truncate => {
            let (mut parts, body) = buffered(next.run(req).await).await;
            parts.status = StatusCode::OK;
            parts
                .headers
                .insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
            Response::from_parts(parts, bodies::truncated(&body))
        }
        Fault::Oversize { mb } => {
            let (_, body) = buffered(next.run(req).await).await;
            json_200(bodies::oversize(&body, mb))
        }
        Fault::Drift(kind) => {
            let (mut parts, body) = buffered(next.run(req).await).await;
            let body = match serde_json::from_slice::<serde_json::Value>(&body) {
                Ok(mut value) => {
                    drift::apply(kind, &mut value);
                    parts.headers.remove(header::CONTENT_LENGTH);
                    // Serialising a Value cannot fail: its keys are strings.
                    serde_json::to_vec(&value).map(Bytes::from).unwrap_or(body)
                }
                // Not JSON (the website's page): nothing to drift.
                Err(_) => body,
            };
            Response::from_parts(parts, Body::from(body))
        }
        Fault::Drip { bytes_per_sec } => {
            let (mut parts, body) = buffered(next.run(req).await).await;
            parts
                .headers
                .insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
            Response::from_parts(parts, bodies::drip(body, bytes_per_sec, shutdown))
        }
    }
}

/// The request's path below `/{source}` (`/crm/v3/objects/contacts` for
/// HubSpot), whether the source's router is nested or merged.
fn path_below_prefix(source: Source, req: &Request) -> String {
    let full = req
        .extensions()
        .get::<OriginalUri>()
        .map_or_else(|| req.uri().path(), |original| original.path());
    let below = full
        .strip_prefix('/')
        .and_then(|p| p.strip_prefix(source.name()))
        .filter(|rest| rest.is_empty() || rest.starts_with('/'))
        // A nested router already stripped the prefix.
        .unwrap_or(full);
    if below.is_empty() {
        "/".to_owned()
    } else {
        below.to_owned()
    }
}

/// The normal answer, held whole so a fault can reshape it.
async fn buffered(response: Response) -> (Parts, Bytes) {
    let (parts, body) = response.into_parts();
    let body = match to_bytes(body, MAX_BUFFERED).await {
        Ok(body) => body,
        Err(error) => {
            tracing::warn!(%error, "sandbox could not buffer an answer for a fault");
            Bytes::new()
        }
    };
    (parts, body)
}

fn json_200(body: Body) -> Response {
    let mut response = Response::new(body);
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

fn error_body(state: &AppState, source: Source, status: StatusCode) -> Response {
    match source {
        // A HubSpot 429 always carries its limit headers.
        Source::Hubspot if status == StatusCode::TOO_MANY_REQUESTS => hubspot::forced_rate_limit(&state.hubspot),
        Source::Mailchimp => mailchimp::error_response(status),
        Source::Hubspot => hubspot::error_response(status),
        Source::Wordpress => wordpress::error_response(status),
        Source::Website => website::error_response(status),
    }
}

fn too_many_requests(state: &AppState, source: Source) -> Response {
    match source {
        Source::Mailchimp => mailchimp::too_many_requests(),
        Source::Hubspot => hubspot::forced_rate_limit(&state.hubspot),
        Source::Wordpress => wordpress::too_many_requests(),
        Source::Website => website::error_response(StatusCode::TOO_MANY_REQUESTS),
    }
}

fn revoked_credentials(source: Source) -> Response {
    match source {
        Source::Mailchimp => mailchimp::invalid_key(),
        Source::Hubspot => hubspot::invalid_authentication(),
        Source::Wordpress => wordpress::incorrect_password(),
        Source::Website => website::error_response(StatusCode::UNAUTHORIZED),
    }
}

fn shutting_down() -> Response {
    (StatusCode::SERVICE_UNAVAILABLE, "sandbox shutting down\n").into_response()
}

/// The first half of `body`, never valid JSON: what `malformed` sends as a
/// complete answer.
fn truncate_json(body: &[u8]) -> Vec<u8> {
    let mut cut = body[..body.len() / 2].to_vec();
    if cut.is_empty() {
        cut.extend_from_slice(b"{\"");
    }
    if serde_json::from_slice::<serde::de::IgnoredAny>(&cut).is_ok() {
        // A cut that happens to parse (`1234` of `12345678`) gets an open string.
        cut.push(b'"');
    }
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncated_bodies_never_parse() {
        for body in [
            &b"{\"health_status\":\"Everything's Chimpy!\"}"[..],
            b"",
            b"12345678",
            b"[]",
            b"<html>",
        ] {
            let cut = truncate_json(body);
            assert!(serde_json::from_slice::<serde_json::Value>(&cut).is_err(), "{cut:?}");
        }
    }

    #[test]
    fn paths_are_taken_below_the_source_prefix() {
        let at = |source, uri: &str| {
            let mut req = Request::new(Body::empty());
            req.extensions_mut().insert(OriginalUri(uri.parse().unwrap()));
            path_below_prefix(source, &req)
        };
        assert_eq!(
            at(Source::Hubspot, "/hubspot/crm/v3/objects/tasks/search?x=1"),
            "/crm/v3/objects/tasks/search"
        );
        assert_eq!(at(Source::Website, "/website"), "/");
        assert_eq!(at(Source::Website, "/website/health"), "/health");
        assert_eq!(at(Source::Mailchimp, "/mailchimp/3.0/"), "/3.0/");
    }
}
