//! The simulated martech stack: one axum server on loopback that speaks the
//! documented contracts of Mailchimp, HubSpot and WordPress plus a plain
//! website, each under a path prefix named after the source, with seeded data,
//! credential checks, vendor rate limits and injectable faults.
//!
//! Test infrastructure for `mops demo`, `mops sandbox` and the tests; never a
//! substitute for the real connectors.
//!
//! Routes (see API-FACTS.md for the contracts):
//! - `/mailchimp/3.0/ping`, `/mailchimp/3.0/` (Basic, key as password; 10
//!   simultaneous requests per key); `/campaigns`, `/campaigns/{id}`,
//!   `POST /campaigns/{id}/actions/{schedule,unschedule,cancel-send,pause,
//!   resume,test,replicate,send}`, `/reports`, `/reports/{id}`, `/lists`,
//!   `/lists/{id}`, `/lists/{id}/members`, `GET`/`PATCH
//!   /lists/{id}/members/{subscriber_hash}` (count/offset paging, filters,
//!   `fields`/`exclude_fields`; actions and PATCH change the sandbox's state)
//! - `/hubspot/crm/v3/objects/contacts` (GET list, `/{id}` GET and PATCH,
//!   `/search`, `/batch/update`, `/merge`), `/hubspot/crm/v3/objects/deals`
//!   (GET list with `associations=contacts`, `/{id}`, `/search`),
//!   `/hubspot/crm/v3/objects/tasks` (GET list, `/{id}` GET and PATCH,
//!   `/search`; seeded around the start, see [`HubspotPlanted`]),
//!   `/hubspot/crm/v3/owners`, `/hubspot/crm/v3/pipelines/deals`,
//!   `/hubspot/account-info/v3/details` (Bearer; 100 requests per rolling
//!   10 s; 20,000 seeded contacts with planted problems, see
//!   [`hubspot_planted`]; writes change the sandbox's state)
//! - `/wordpress/wp-json/` (public index; site zone America/New_York),
//!   `/wp/v2/posts` and `/wp/v2/pages` (list with `status`, paging, filters;
//!   `/{id}` GET and POST/PUT/PATCH `status`/`date`/`date_gmt`),
//!   `/wp/v2/users`, `/wp/v2/users/{id|me}` (Basic user and application
//!   password checked whenever sent, as WordPress does; anonymous requests
//!   see only public content; seeded editorial work, see
//!   [`wordpress_planted`]; updates change the sandbox's state)
//! - `/website/`, `/website/health` (no auth)
//! - `/_sandbox/faults` (GET lists as `{"TARGET": "KIND"}`, DELETE clears
//!   all), `/_sandbox/faults/{source}` (PUT `{"kind": "status:503"}` sets a
//!   source-wide fault, `{"kind": "status:503", "path": "/crm/v3/objects/tasks"}`
//!   one for the endpoints under that path; DELETE clears all of the source's
//!   faults, `DELETE ...?path=/crm/v3/objects/tasks` just that one),
//!   `/_sandbox/stats` (GET: requests in flight, Mailchimp connections,
//!   HubSpot window count). Fault kinds and how they look on the wire: see
//!   [`Fault`] and the table in `src/sandbox/faults.rs`.

mod auth;
mod config_out;
mod control;
mod creds;
mod data;
mod faults;
mod hubspot;
mod hubspot_limits;
mod mailchimp;
mod source;
mod website;
mod wordpress;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use eyre::{WrapErr, bail};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use config_out::render_config;
pub use creds::{Credentials, MAILCHIMP_DATA_CENTER, WORDPRESS_USER};
pub use faults::{Drift, FAULT_KINDS, Fault, FaultParseError, parse_fault_arg};
pub use hubspot::seed::Planted as HubspotPlanted;
pub use source::SOURCES;
pub use wordpress::seed::{MISSED_SCHEDULE_TITLE as WORDPRESS_MISSED_SCHEDULE_TITLE, Planted as WordpressPlanted};

use data::Seeded;
use faults::{FaultTable, FaultTarget};

/// How many records carry each data-quality problem planted in the HubSpot
/// sandbox: the same for every seed, so tests can assert exact counts.
pub const fn hubspot_planted() -> HubspotPlanted {
    hubspot::seed::planted()
}

/// How many posts and pages sit in each editorial state in the WordPress
/// sandbox (missed schedule, pending review, stale drafts, ...): the same for
/// every seed, so tests can assert exact counts.
pub const fn wordpress_planted() -> WordpressPlanted {
    wordpress::seed::planted()
}

/// How long [`Sandbox::shutdown`] waits for open requests before cutting them off.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// How to start a sandbox.
#[derive(Debug, Clone)]
pub struct SandboxOptions {
    /// Must be a loopback address; port 0 picks a free port.
    pub listen: SocketAddr,
    /// Decides every generated record and the credentials.
    pub seed: u64,
    /// Faults active from the start, as `(target, fault)`: the target is a
    /// source name, or a source name and endpoint path
    /// (`hubspot/crm/v3/objects/tasks/search`), as [`parse_fault_arg`] gives.
    pub faults: Vec<(String, Fault)>,
}

/// Shared by every handler.
pub(crate) struct AppState {
    pub(crate) creds: Credentials,
    pub(crate) faults: FaultTable,
    pub(crate) mailchimp: mailchimp::MailchimpState,
    pub(crate) hubspot: hubspot::HubspotState,
    pub(crate) wordpress: wordpress::WordpressState,
    /// `http://ADDR`, for the absolute links vendors put in responses.
    pub(crate) origin: String,
    /// Fired on shutdown; releases hung and delayed requests.
    pub(crate) shutdown: CancellationToken,
    /// Requests to the sources (not the control endpoint) being served now.
    pub(crate) in_flight: AtomicUsize,
    /// Writes received, by "METHOD /path", whatever the answer (faults
    /// included): what a test checks to know nothing was sent twice.
    pub(crate) writes: std::sync::Mutex<BTreeMap<String, u64>>,
}

/// A running sandbox server. Dropping it stops the server without waiting;
/// [`Sandbox::shutdown`] stops it and waits.
pub struct Sandbox {
    addr: SocketAddr,
    state: Arc<AppState>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

/// Binds `opts.listen` and serves the sandbox in a tokio task; records that
/// sit around the present are placed around now.
pub async fn spawn(opts: SandboxOptions) -> eyre::Result<Sandbox> {
    spawn_at(opts, jiff::Timestamp::now()).await
}

/// [`spawn`], with records placed around `start` (rounded down to the hour)
/// instead of now: the same seed and hour give the same records. Requests
/// are still judged against the real clock (a schedule time must be in the
/// real future).
pub async fn spawn_at(opts: SandboxOptions, start: jiff::Timestamp) -> eyre::Result<Sandbox> {
    if !opts.listen.ip().is_loopback() {
        bail!(
            "refusing to listen on {}: the sandbox is test infrastructure and binds only \
             loopback addresses (127.0.0.1, ::1)",
            opts.listen
        );
    }
    let faults = FaultTable::default();
    for (target, fault) in &opts.faults {
        let target: FaultTarget = target.parse().wrap_err("in the sandbox's initial faults")?;
        faults.set(target, *fault);
    }

    let listener = TcpListener::bind(opts.listen)
        .await
        .wrap_err_with(|| format!("could not bind the sandbox to {}", opts.listen))?;
    let addr = listener
        .local_addr()
        .wrap_err("could not read the sandbox's bound address")?;

    let Seeded {
        creds,
        mailchimp,
        hubspot,
        mailchimp_data,
    } = Seeded::generate(opts.seed, start);
    let state = Arc::new(AppState {
        creds,
        faults,
        mailchimp: mailchimp::MailchimpState::new(mailchimp, mailchimp_data),
        hubspot: hubspot::HubspotState::new(hubspot),
        wordpress: wordpress::WordpressState::seeded(opts.seed, start),
        origin: format!("http://{addr}"),
        shutdown: CancellationToken::new(),
        in_flight: AtomicUsize::new(0),
        writes: Default::default(),
    });

    let app = router(Arc::clone(&state));
    let stop = state.shutdown.clone();
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(stop.cancelled_owned())
            .await
    });
    tracing::info!(%addr, seed = opts.seed, faults = ?state.faults.snapshot(), "sandbox listening");
    Ok(Sandbox {
        addr,
        state,
        task: Some(task),
    })
}

impl Sandbox {
    /// The address it actually listens on (the real port when 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The keys it accepts.
    pub fn credentials(&self) -> &Credentials {
        &self.state.creds
    }

    /// Writes a mops config pointing at this sandbox to `path`, and its
    /// secrets (mode 0600) into `secrets/` (mode 0700) beside it.
    pub fn write_config(&self, path: &Path) -> eyre::Result<()> {
        let economics = {
            let data = self.state.mailchimp.data(jiff::Timestamp::now());
            config_out::economics(&data.campaigns)
        };
        config_out::write(path, self.addr, &self.state.creds, &economics)
    }

    /// Stops accepting, releases hung requests, and waits for the server task.
    pub async fn shutdown(mut self) {
        self.state.shutdown.cancel();
        let Some(mut task) = self.task.take() else {
            return;
        };
        match tokio::time::timeout(SHUTDOWN_GRACE, &mut task).await {
            Ok(Ok(Ok(()))) => tracing::info!(addr = %self.addr, "sandbox stopped"),
            Ok(Ok(Err(error))) => tracing::warn!(%error, "sandbox server failed"),
            Ok(Err(error)) => tracing::warn!(%error, "sandbox task failed"),
            Err(_) => {
                tracing::warn!("sandbox connections still open after {SHUTDOWN_GRACE:?}; aborting");
                task.abort();
            }
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.state.shutdown.cancel();
    }
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("addr", &self.addr)
            .field("credentials", &self.state.creds)
            .finish_non_exhaustive()
    }
}

fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .nest("/mailchimp", mailchimp::router(Arc::clone(&state)))
        .nest("/hubspot", hubspot::router(Arc::clone(&state)))
        .nest("/wordpress", wordpress::router(Arc::clone(&state)))
        .merge(website::router(Arc::clone(&state)))
        .nest("/_sandbox", control::router(Arc::clone(&state)))
        .fallback(unknown_prefix)
        .layer(middleware::from_fn_with_state(state, log_request))
}

async fn unknown_prefix() -> Response {
    let body = serde_json::json!({
        "error": "no such source",
        "known_sources": SOURCES,
        "control": "/_sandbox/faults",
    });
    (StatusCode::NOT_FOUND, axum::Json(body)).into_response()
}

/// One debug line per answered request. Only method and path: query strings
/// can carry keys (HubSpot's legacy `hapikey`), headers do.
async fn log_request(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let started = Instant::now();
    let _counted = (!path.starts_with("/_sandbox/")).then(|| InFlight::enter(&state.in_flight));
    // A search is a POST that only reads: it is no write.
    let write = !matches!(method, Method::GET | Method::HEAD) && !path.ends_with("/search");
    if write && !path.starts_with("/_sandbox/") {
        let mut writes = state.writes.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *writes.entry(format!("{method} {path}")).or_default() += 1;
    }
    let response = next.run(req).await;
    tracing::debug!(
        %method,
        %path,
        status = response.status().as_u16(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "sandbox request"
    );
    response
}

/// Counts a request while it is being served, hung or cancelled ones included.
struct InFlight<'a>(&'a AtomicUsize);

impl<'a> InFlight<'a> {
    fn enter(counter: &'a AtomicUsize) -> InFlight<'a> {
        counter.fetch_add(1, Ordering::SeqCst);
        InFlight(counter)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}
