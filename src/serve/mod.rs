//! `mops serve`: the pollers headless, serving OpenMetrics, health and the snapshot.
//!
//! One loop owns the backend (pollers, quality rules, store) and, after each
//! batch of messages, publishes what the HTTP handlers need through a watch.
//! The handlers only read that: a slow scrape never holds the loop up.

pub mod encode;
pub mod histogram;
pub mod metrics;
pub mod routes;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use eyre::WrapErr;
use jiff::Timestamp;
use tokio::net::TcpListener;
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::app::backend::{Backend, BackendOptions};
use crate::app::{Model, Msg};
use crate::config::Config;
use histogram::{Histogram, PROBE_BUCKETS};

/// How long open connections get to finish once a signal arrived.
const DRAIN: Duration = Duration::from_secs(5);

/// What the routes read: the model after the last batch of messages, and
/// the probe latencies observed since the start.
#[derive(Debug, Clone)]
pub struct Published {
    /// Copied from the loop only when a message changed it: a clock tick
    /// alone republishes the same copy.
    pub model: Arc<Model>,
    /// One per source, in the model's order.
    pub latency: Vec<Histogram>,
    /// When the loop published this; `/healthz` reads an old one as a stuck loop.
    pub at: Timestamp,
    pub started: Timestamp,
    /// Served beyond loopback: `/snapshot.json` leaves out the records alerts name.
    pub redact: bool,
}

impl Published {
    pub fn new(model: Arc<Model>, latency: &[Histogram], at: Timestamp, started: Timestamp) -> Published {
        Published {
            model,
            latency: latency.to_vec(),
            at,
            started,
            redact: false,
        }
    }
}

/// How often the alert states (acknowledged, snoozed) are read again from the store.
const RELOAD_STATES: Duration = Duration::from_secs(15);

/// Runs until SIGINT, SIGTERM or SIGHUP.
pub async fn run(cfg: Config, listen: SocketAddr) -> eyre::Result<()> {
    let mut stop = Stop::install()?;
    // Bind before any poll starts: a taken port fails at once, with nothing to undo.
    let listener = bind(listen).await?;
    let addr = listener.local_addr().wrap_err("reading the address listened on")?;
    if !addr.ip().is_loopback() {
        warn!(%addr, "serving beyond loopback");
        warn_exposed(addr);
    }
    let opts = BackendOptions {
        readonly: true,
        store_path: crate::store::default_path(),
        actions: false,
    };
    let mut backend = Backend::start(&cfg, opts).wrap_err("starting the pollers")?;
    // A daemon that cannot tell anyone is misconfigured: say so at start, not at the first outage.
    if let Some(why) = backend.notify_error.take() {
        backend.shutdown();
        eyre::bail!("{why}");
    }
    let started = Timestamp::now();
    let mut latency = vec![Histogram::new(PROBE_BUCKETS); backend.model.sources.len()];
    let redact = !addr.ip().is_loopback();
    let mut copy = Arc::new(backend.model.clone());
    let first = Published {
        redact,
        ..Published::new(copy.clone(), &latency, started, started)
    };
    let (publish, published) = watch::channel(Arc::new(first));

    let cancel = CancellationToken::new();
    let app = routes::router(published);
    let mut server = tokio::spawn(
        axum::serve(listener, app)
            .with_graceful_shutdown(cancel.clone().cancelled_owned())
            .into_future(),
    );
    info!(%addr, "mops serve listening");
    say(format_args!(
        "mops serve: listening on http://{addr} (/metrics, /healthz, /snapshot.json); Ctrl-C stops it"
    ));

    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    // What people acknowledge or snooze in a cockpit reaches the metrics within this.
    let mut reload = tokio::time::interval(RELOAD_STATES);
    reload.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let exit = loop {
        let msg = tokio::select! {
            msg = backend.recv() => match msg {
                Some(msg) => msg,
                None => break Exit::PollersGone,
            },
            _ = tick.tick() => Msg::Tick(Timestamp::now()),
            _ = reload.tick() => {
                backend.reload_alert_states();
                Msg::Tick(Timestamp::now())
            }
            signal = stop.recv() => {
                info!(signal, "stopping");
                break Exit::Signal;
            }
            ended = &mut server => break Exit::Server(ended),
        };
        let mut changed = !matches!(msg, Msg::Tick(_));
        let mut next = Some(msg);
        while let Some(msg) = next.take().or_else(|| backend.try_recv()) {
            changed |= !matches!(msg, Msg::Tick(_));
            observe(&mut latency, &msg);
            // Only a screen could carry out what comes back (copy, hyperlink): nothing to do here.
            let _ = backend.dispatch(msg);
        }
        backend.settle();
        let now = Timestamp::now();
        if changed {
            copy = Arc::new(backend.model.clone());
        }
        let next = Published {
            redact,
            ..Published::new(copy.clone(), &latency, now, started)
        };
        publish.send_replace(Arc::new(next));
    };
    cancel.cancel();
    backend.shutdown();
    match exit {
        Exit::Signal => {
            if tokio::time::timeout(DRAIN, server).await.is_err() {
                warn!("connections still open after the drain period; closing them");
            }
            Ok(())
        }
        Exit::PollersGone => Err(eyre::eyre!("the pollers stopped unexpectedly")),
        Exit::Server(Ok(Ok(()))) => Err(eyre::eyre!("the HTTP server stopped unexpectedly")),
        Exit::Server(Ok(Err(e))) => Err(e).wrap_err("the HTTP server failed"),
        Exit::Server(Err(e)) => Err(e).wrap_err("the HTTP server task failed"),
    }
}

enum Exit {
    Signal,
    PollersGone,
    Server(Result<std::io::Result<()>, tokio::task::JoinError>),
}

/// Records a finished poll's latency in its source's histogram.
fn observe(latency: &mut [Histogram], msg: &Msg) {
    if let Msg::Polled { source, report, .. } = msg
        && let Some(h) = latency.get_mut(*source)
    {
        h.observe(report.probe.latency);
    }
}

async fn bind(listen: SocketAddr) -> eyre::Result<TcpListener> {
    TcpListener::bind(listen).await.map_err(|e| {
        use std::io::ErrorKind;
        let why = match e.kind() {
            ErrorKind::AddrInUse => {
                "the address is already in use (another mops serve or exporter?); choose another with --listen"
                    .to_owned()
            }
            ErrorKind::PermissionDenied => {
                "permission denied (ports below 1024 need privileges); choose another with --listen".to_owned()
            }
            ErrorKind::AddrNotAvailable => "no network interface of this host has that address".to_owned(),
            _ => e.to_string(),
        };
        eyre::eyre!("could not listen on {listen}: {why}")
    })
}

/// Says on stderr that the endpoints are reachable from other hosts.
fn warn_exposed(addr: SocketAddr) {
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "mops serve: warning: listening on {addr}, reachable from other hosts; /snapshot.json shows the stack's \
         campaigns and data-quality findings: keep it behind a firewall or an authenticating proxy"
    );
}

/// A line on stdout; a closed stdout is no reason to stop serving.
fn say(line: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// SIGINT, SIGTERM and SIGHUP, each a graceful stop.
struct Stop {
    int: Signal,
    term: Signal,
    hup: Signal,
}

impl Stop {
    fn install() -> eyre::Result<Stop> {
        Ok(Stop {
            int: signal(SignalKind::interrupt()).wrap_err("installing the SIGINT handler")?,
            term: signal(SignalKind::terminate()).wrap_err("installing the SIGTERM handler")?,
            hup: signal(SignalKind::hangup()).wrap_err("installing the SIGHUP handler")?,
        })
    }

    /// The name of the signal that arrived.
    async fn recv(&mut self) -> &'static str {
        tokio::select! {
            _ = self.int.recv() => "SIGINT",
            _ = self.term.recv() => "SIGTERM",
            _ = self.hup.recv() => "SIGHUP",
        }
    }
}

/// The `/snapshot.json` document: the same one `mops snapshot` prints.
/// The snapshot as of `now` (the published copy's clock may be a tick behind);
/// beyond loopback without the records alerts name (people's email addresses).
fn snapshot_json(model: &Model, now: Timestamp, redact: bool) -> serde_json::Result<Vec<u8>> {
    let snapshot = crate::snapshot::Snapshot::at(model, now);
    serde_json::to_vec(&if redact { snapshot.redacted() } else { snapshot })
}
