//! The runtime: feeds `update` with input, poll results, ticks and signals,
//! carries out its commands, and redraws only when something changed.

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{Event, EventStream};
use eyre::WrapErr;
use futures::StreamExt;
use jiff::Timestamp;
use rand::Rng;
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::{Notify, mpsc, watch};
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use super::model::{FailedAction, PlanTarget};
use super::pipeline;
use super::terminal::{self, Tui};
use super::{Command, Model, Msg, SourceState, update};
use crate::actions::audit::AuditLog;
use crate::actions::executor::Executor;
use crate::actions::{ActionArgs, ActionError, PlannedAction, Target};
use crate::config::Config;
use crate::http::HttpCore;
use crate::model::{AlertId, AlertState, CrmData, EmailData};
use crate::quality::Engine;
use crate::sources::SourceData;
use crate::sources::{self, Connector};
use crate::store::{StateStore, Store};

/// Run the cockpit until the user quits or a signal arrives.
pub async fn run(config: Config, readonly: bool, banner: Option<String>) -> eyre::Result<()> {
    let store_path = crate::store::default_path();
    run_with_store(config, readonly, banner, store_path).await
}

/// The demo keeps its alert states in a database of its own, beside the real one.
pub async fn run_demo(config: Config, readonly: bool, banner: String) -> eyre::Result<()> {
    let store_path = crate::store::default_path().map(|p| p.with_file_name("demo.db"));
    run_with_store(config, readonly, Some(banner), store_path).await
}

async fn run_with_store(
    config: Config,
    readonly: bool,
    banner: Option<String>,
    store_path: Option<std::path::PathBuf>,
) -> eyre::Result<()> {
    // Fail before any request leaves when there is no screen to show results on.
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        eyre::bail!("the cockpit needs an interactive terminal (stdin and stdout must be a tty)");
    }
    let core = HttpCore::new(readonly).wrap_err("could not create the HTTP client")?;
    let mut states = Vec::new();
    let mut connectors: Vec<Option<Arc<dyn Connector>>> = Vec::new();
    for sc in &config.sources {
        let mut state = SourceState::new(sc.name.clone(), sc.kind, sc.interval, sc.timeout);
        if let crate::config::SourceSettings::Hubspot { round_robin, .. } = &sc.settings {
            state.round_robin = round_robin.clone();
        }
        match sources::build(&core, sc) {
            Ok(c) => connectors.push(Some(c)),
            Err(e) => {
                warn!(source = %sc.name, error = %e, "source not started");
                state.broken = Some(e.to_string());
                connectors.push(None);
            }
        }
        states.push(state);
    }
    let mut model = Model::new(config.title.clone(), readonly, states, Timestamp::now());
    model.banner = banner;
    model.pipeline_cfg = config.pipeline.clone();
    model.queues = config.queues;
    // Without an audit log no action may be sent; the cockpit still monitors.
    // The audit log also scrubs the configured secrets from vendor text it records.
    let secrets = config.sources.iter().filter_map(|s| s.secret()?.1.resolve().ok());
    let executor = match AuditLog::open_default() {
        Ok(audit) => Ok(Arc::new(Executor::new(audit.with_secrets(secrets), readonly))),
        Err(e) => {
            warn!(error = %e, "audit log unavailable; actions disabled");
            Err(format!("actions are disabled: the audit log cannot be written ({e})"))
        }
    };
    model.color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    model.tz = jiff::tz::TimeZone::system();

    // Alert states outlive the process; without a store the cockpit still
    // works and says that acknowledgements will not be kept.
    let opened = match &store_path {
        Some(path) => Store::open(path),
        None => Err(crate::store::StoreError::NoDataDir),
    };
    let store: Option<Box<dyn StateStore>> = match opened {
        Ok(store) => {
            match store.alert_states() {
                Ok(states) => model.alerts.states = states,
                Err(e) => model.alerts.store_error = Some(format!("alert states not loaded: {e}")),
            }
            match store.failed_actions() {
                Ok(kept) => load_failed(&mut model, kept),
                Err(e) => warn!(error = %e, "failed actions not loaded"),
            }
            Some(Box::new(store))
        }
        Err(e) => {
            warn!(error = %e, "store unavailable");
            model.alerts.store_error = Some(format!("acknowledgements and snoozes will not be kept: {e}"));
            None
        }
    };
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    // The rules run off the UI loop; the watch keeps only the newest data.
    let (quality_tx, quality_rx) = watch::channel(Snapshot::default());
    let engine = Engine::new(config.quality.clone(), config.pipeline.thresholds);
    tokio::spawn(quality_task(engine, quality_rx, tx.clone()));
    let cancel = CancellationToken::new();
    let refresh: Vec<Option<Arc<Notify>>> = connectors
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let c = c.clone()?;
            let notify = Arc::new(Notify::new());
            let interval = config.sources[i].interval;
            tokio::spawn(poller(i, c, interval, tx.clone(), notify.clone(), cancel.clone()));
            Some(notify)
        })
        .collect();

    let mut sigterm = signal(SignalKind::terminate()).wrap_err("installing the SIGTERM handler")?;
    let mut sighup = signal(SignalKind::hangup()).wrap_err("installing the SIGHUP handler")?;
    let mut tui = Tui::enter().wrap_err("could not set up the terminal")?;
    let size = tui.terminal.size().wrap_err("reading the terminal size")?;
    model.size = (size.width, size.height);
    tokio::spawn(watch_hangup(tx.clone()));
    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);

    // Debug builds only: a deliberate panic for the terminal tests (see `test_panic`).
    let panic_at = test_panic::deadline();
    let mut dirty = true;
    // Running batches, so one can be cancelled between its actions.
    let mut batches: std::collections::HashMap<u64, CancellationToken> = Default::default();
    // An OSC 8 link to draw over the status bar once the frame is on screen.
    let mut pending_link: Option<String> = None;
    let result = loop {
        if dirty {
            if let Err(e) = tui.terminal.draw(|f| crate::ui::view(&model, f)) {
                // Most often the tty has gone away: there is nobody to draw for.
                warn!(error = %e, "drawing the screen failed; exiting");
                break Err(e).wrap_err("drawing the screen");
            }
            if let Some(url) = pending_link.take() {
                terminal::hyperlink(model.size.1.saturating_sub(1), &url);
            }
            dirty = false;
        }
        let msg = tokio::select! {
            event = events.next() => match event {
                Some(Ok(Event::Key(key))) => Msg::Key(key),
                Some(Ok(Event::Resize(w, h))) => Msg::Resize(w, h),
                Some(Ok(_)) => continue,
                // EOF or EIO: the terminal is gone. Exit rather than spin.
                Some(Err(e)) => {
                    warn!(error = %e, "terminal input failed; exiting");
                    Msg::Shutdown
                }
                None => Msg::Shutdown,
            },
            Some(msg) = rx.recv() => msg,
            _ = tick.tick() => Msg::Tick(Timestamp::now()),
            _ = sigterm.recv() => { info!("SIGTERM"); Msg::Shutdown }
            _ = sighup.recv() => { info!("SIGHUP"); Msg::Shutdown }
            () = test_panic::wait(panic_at) => test_panic::fire(),
        };
        // Handle this message and everything already queued, then draw once.
        let mut next = Some(msg);
        let mut data_changed = false;
        while let Some(msg) = next.take().or_else(|| rx.try_recv().ok()) {
            data_changed |= matches!(&msg, Msg::Polled { report, .. } if report.data.is_some());
            for command in update(&mut model, msg) {
                match command {
                    Command::Poll(i) => {
                        if let Some(Some(notify)) = refresh.get(i) {
                            notify.notify_one();
                        }
                    }
                    Command::Plan {
                        source,
                        action,
                        target,
                        args,
                    } => {
                        let connector = connectors.get(source).and_then(Option::as_ref);
                        let result = plan(&model, connector, source, &action, &target, &args);
                        let _ = tx.send(Msg::Planned { source, result });
                    }
                    Command::Execute { id, source, planned } => {
                        let tx = tx.clone();
                        let connector = connectors.get(source).cloned().flatten();
                        let executor = executor.clone();
                        tokio::spawn(async move {
                            let result = match (connector, executor) {
                                (Some(c), Ok(ex)) => ex.run(c.as_ref(), &planned).await,
                                (None, _) => Err(ActionError::refused("the source is not running")),
                                (_, Err(why)) => Err(ActionError::refused(why)),
                            };
                            let _ = tx.send(Msg::ActionDone {
                                id,
                                at: Timestamp::now(),
                                result,
                            });
                        });
                    }
                    Command::PlanBatch {
                        source,
                        action,
                        items,
                        summary,
                    } => {
                        let connector = connectors.get(source).and_then(Option::as_ref);
                        let result: Result<Vec<PlannedAction>, ActionError> = items
                            .iter()
                            .map(|(target, args)| plan(&model, connector, source, &action, target, args))
                            .collect();
                        let _ = tx.send(Msg::BatchPlanned {
                            source,
                            summary,
                            result,
                        });
                    }
                    Command::ExecuteBatch { id, source, planned } => {
                        let cancel = CancellationToken::new();
                        batches.insert(id, cancel.clone());
                        let connector = connectors.get(source).cloned().flatten();
                        tokio::spawn(run_batch(id, planned, connector, executor.clone(), cancel, tx.clone()));
                    }
                    Command::CancelBatch(id) => {
                        if let Some(token) = batches.remove(&id) {
                            token.cancel();
                        }
                    }
                    Command::Copy(text) => terminal::copy(&text),
                    Command::Hyperlink(url) => pending_link = Some(url),
                    Command::SaveAlertState { id, state } => save_state(&store, &id, Some(state)),
                    Command::ForgetAlertState(id) => save_state(&store, &id, None),
                    Command::SaveFailed(failed) => {
                        if let Some(stored) = keep_failed(&store, &model, &failed) {
                            let _ = tx.send(Msg::FailedSaved { id: failed.id, stored });
                        }
                    }
                    Command::ForgetFailed(stored) => {
                        if let Some(store) = &store
                            && let Err(e) = store.remove_failed_action(stored)
                        {
                            warn!(failed = stored, error = %e, "could not drop the failed action from the store");
                        }
                    }
                    Command::Quit => {}
                }
            }
        }
        if data_changed {
            quality_tx.send_replace(Snapshot::of(&model));
        }
        dirty = true;
        if model.quitting {
            break Ok(());
        }
    };
    cancel.cancel();
    drop(tui);
    result
}

/// Asks the loop to shut down when the terminal hangs up (the tty closed:
/// SSH dropped, the terminal emulator gone). crossterm's reader does not say
/// so: it retries the failing read forever, so without this the loop would
/// only notice at its next failed draw. A hang-up shows as read-closed
/// readiness on stdin; nothing is read here.
async fn watch_hangup(tx: mpsc::UnboundedSender<Msg>) {
    use std::os::fd::AsFd;
    let registered = std::io::stdin().as_fd().try_clone_to_owned().and_then(|owned| {
        // SAFETY: the fd is our own copy, owned by the `AsyncFd`: it stays
        // open and refers to the same file description as long as it does.
        unsafe { AsyncFd::register_with_interest(owned, Interest::READABLE) }.map_err(std::io::Error::from)
    });
    let stdin = match registered {
        Ok(fd) => fd,
        Err(e) => {
            warn!(error = %e, "cannot watch the terminal for a hang-up");
            return;
        }
    };
    loop {
        let Ok(mut ready) = stdin.readable().await else {
            return;
        };
        if ready.ready().is_read_closed() {
            info!("the terminal hung up");
            let _ = tx.send(Msg::Shutdown);
            return;
        }
        // Plain input: crossterm reads it. Wait for the next change.
        ready.clear_ready();
    }
}

/// A test hook: `MOPS_TEST_PANIC_AFTER_MS=N` makes the UI loop panic N ms
/// after it starts, as a real bug would, so tests can check that the terminal
/// comes back and that the panic report holds no secret. Debug builds only: a
/// release build ignores the variable (`deadline` is always `None`).
mod test_panic {
    use tokio::time::Instant;

    /// The variable that arms the hook.
    #[cfg(debug_assertions)]
    const VAR: &str = "MOPS_TEST_PANIC_AFTER_MS";

    /// When to panic: `None` (never) unless the variable holds a number of ms.
    #[cfg(debug_assertions)]
    pub(super) fn deadline() -> Option<Instant> {
        let ms: u64 = std::env::var(VAR).ok()?.trim().parse().ok()?;
        tracing::warn!(after_ms = ms, "{VAR} is set: the cockpit will panic on purpose");
        Some(Instant::now() + std::time::Duration::from_millis(ms))
    }

    #[cfg(not(debug_assertions))]
    pub(super) fn deadline() -> Option<Instant> {
        None
    }

    /// Resolves at `deadline`; never when there is none.
    pub(super) async fn wait(deadline: Option<Instant>) {
        match deadline {
            Some(at) => tokio::time::sleep_until(at).await,
            None => std::future::pending().await,
        }
    }

    /// The panic itself. Its message is fixed text: no config, no secret.
    pub(super) fn fire() -> ! {
        panic!("deliberate panic for tests (MOPS_TEST_PANIC_AFTER_MS)")
    }
}

/// Sends a batch one action at a time through the executor (each audited;
/// the HTTP client's limiter paces them under the vendor's rate limit),
/// reporting each answer, until done or cancelled between actions.
async fn run_batch(
    id: u64,
    planned: Vec<PlannedAction>,
    connector: Option<Arc<dyn Connector>>,
    executor: Result<Arc<Executor>, String>,
    cancel: CancellationToken,
    tx: mpsc::UnboundedSender<Msg>,
) {
    let mut cancelled = false;
    for p in planned {
        if cancel.is_cancelled() {
            cancelled = true;
            break;
        }
        let result = match (&connector, &executor) {
            (Some(c), Ok(ex)) => ex.run(c.as_ref(), &p).await,
            (None, _) => Err(ActionError::refused("the source is not running")),
            (_, Err(why)) => Err(ActionError::refused(why.clone())),
        };
        let msg = Msg::BatchProgress {
            id,
            at: Timestamp::now(),
            planned: Box::new(p),
            result,
        };
        if tx.send(msg).is_err() {
            return;
        }
    }
    let _ = tx.send(Msg::BatchDone { id, cancelled });
}

/// The data the quality rules read: the first CRM's and email platform's.
#[derive(Debug, Clone, Default)]
struct Snapshot {
    crm: Option<Arc<CrmData>>,
    email: Option<Arc<EmailData>>,
}

impl Snapshot {
    fn of(model: &Model) -> Snapshot {
        let mut snap = Snapshot::default();
        for s in &model.sources {
            match &s.data {
                Some((SourceData::Crm(d), _)) if snap.crm.is_none() => snap.crm = Some(d.clone()),
                Some((SourceData::Email(d), _)) if snap.email.is_none() => snap.email = Some(d.clone()),
                _ => {}
            }
        }
        snap
    }
}

/// Evaluates the rules whenever new data arrives, on a blocking thread (a
/// million contacts is real work), and reports the alerts to the loop.
async fn quality_task(mut engine: Engine, mut rx: watch::Receiver<Snapshot>, tx: mpsc::UnboundedSender<Msg>) {
    while rx.changed().await.is_ok() {
        let snap = rx.borrow_and_update().clone();
        if snap.crm.is_none() && snap.email.is_none() {
            continue;
        }
        let joined = tokio::task::spawn_blocking(move || {
            let alerts = engine.evaluate(snap.crm.as_deref(), snap.email.as_deref(), Timestamp::now());
            (engine, alerts)
        })
        .await;
        let Ok((back, alerts)) = joined else {
            warn!("the quality rules panicked; alerts stop updating");
            return;
        };
        engine = back;
        if tx
            .send(Msg::Alerts {
                at: Timestamp::now(),
                alerts,
            })
            .is_err()
        {
            return;
        }
    }
}

/// Failed actions kept from earlier sessions (or `mops act`) join the
/// queue; those of sources no longer in the config stay in the store,
/// where `mops act --failed` still lists them.
fn load_failed(model: &mut Model, kept: Vec<crate::store::StoredFailure>) {
    for k in kept {
        let Some(source) = model.sources.iter().position(|s| s.name == k.source) else {
            warn!(failed = k.id, source = %k.source, "kept failed action of a source no longer configured");
            continue;
        };
        let id = model.next_action_id;
        model.next_action_id += 1;
        model.failed.push(FailedAction {
            id,
            stored: Some(k.id),
            source,
            planned: k.planned,
            error: k.error,
            at: k.at,
        });
    }
}

/// Keeps a failed action in the store; its store id, or `None` (logged)
/// when there is no store: it then lasts this session only.
fn keep_failed(store: &Option<Box<dyn StateStore>>, model: &Model, failed: &FailedAction) -> Option<i64> {
    let store = store.as_ref()?;
    let source = &model.sources.get(failed.source)?.name;
    match store.add_failed_action(source, &failed.planned, &failed.error, failed.at) {
        Ok(id) => Some(id),
        Err(e) => {
            warn!(error = %e, "could not keep the failed action in the store");
            None
        }
    }
}

/// Save (or, with `None`, forget) an alert's state. A failure is logged:
/// the state still holds for this session.
fn save_state(store: &Option<Box<dyn StateStore>>, id: &AlertId, state: Option<AlertState>) {
    let Some(store) = store else { return };
    let result = match state {
        Some(s) => store.set_alert_state(id, &s, Timestamp::now()),
        None => store.remove_alert_state(id).map(|_| ()),
    };
    if let Err(e) = result {
        warn!(alert = %id, error = %e, "could not save the alert state");
    }
}

/// Ask the source's connector to plan an action on something the model
/// knows, resolved from the newest data (it may have changed or gone).
fn plan(
    model: &Model,
    connector: Option<&Arc<dyn Connector>>,
    source: usize,
    action: &str,
    target: &PlanTarget,
    args: &ActionArgs,
) -> Result<PlannedAction, ActionError> {
    let connector = connector.ok_or_else(|| ActionError::refused("the source is not running"))?;
    let gone = |what: String| ActionError::refused(format!("{what} is no longer in the data"));
    let state = model.sources.get(source);
    let contact = |id: &str| state.and_then(|s| s.crm()).and_then(|d| d.contacts.get(id));
    match target {
        PlanTarget::Campaign(id) => {
            let c = pipeline::find(model, source, id).ok_or_else(|| gone(format!("campaign {id}")))?;
            connector.plan(action, Target::Campaign(c), args)
        }
        PlanTarget::Contact(id) => {
            let c = contact(id).ok_or_else(|| gone(format!("contact {id}")))?;
            connector.plan(action, Target::Contact(c), args)
        }
        PlanTarget::Merge { primary, secondary } => {
            let p = contact(primary).ok_or_else(|| gone(format!("contact {primary}")))?;
            let s = contact(secondary).ok_or_else(|| gone(format!("contact {secondary}")))?;
            connector.plan(
                action,
                Target::Merge {
                    primary: p,
                    secondary: s,
                },
                args,
            )
        }
        PlanTarget::Member { list_id, hash } => {
            let member = state
                .and_then(|s| s.email())
                .and_then(|d| d.members.get(list_id))
                .and_then(|m| m.get(hash))
                .ok_or_else(|| gone(format!("member {hash} of {list_id}")))?;
            connector.plan(action, Target::Member { list_id, member }, args)
        }
        PlanTarget::Post(id) => {
            let post = state
                .and_then(|s| s.content())
                .and_then(|d| d.posts.get(id))
                .ok_or_else(|| gone(format!("post {id}")))?;
            connector.plan(action, Target::Post(post), args)
        }
        PlanTarget::Task(id) => {
            let task = state
                .and_then(|s| s.crm())
                .and_then(|d| d.tasks.iter().find(|t| &t.id == id))
                .ok_or_else(|| gone(format!("task {id}")))?;
            connector.plan(action, Target::Task(task), args)
        }
    }
}

/// One source's polling loop: poll, report, wait an interval with jitter or
/// until asked to refresh, until cancelled.
async fn poller(
    index: usize,
    connector: Arc<dyn Connector>,
    interval: Duration,
    tx: mpsc::UnboundedSender<Msg>,
    refresh: Arc<Notify>,
    cancel: CancellationToken,
) {
    loop {
        let started = Timestamp::now();
        if tx
            .send(Msg::PollStarted {
                source: index,
                at: started,
            })
            .is_err()
        {
            return;
        }
        let report = tokio::select! {
            report = connector.poll() => report,
            _ = cancel.cancelled() => return,
        };
        let at = Timestamp::now();
        if tx
            .send(Msg::Polled {
                source: index,
                at,
                report: Box::new(report),
            })
            .is_err()
        {
            return;
        }
        let wait = jittered(interval);
        let next = at.checked_add(wait).unwrap_or(at);
        if tx.send(Msg::Scheduled { source: index, next }).is_err() {
            return;
        }
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = refresh.notified() => {}
            _ = cancel.cancelled() => return,
        }
    }
}

/// The interval plus or minus 10%, so sources sharing an interval drift apart.
fn jittered(interval: Duration) -> Duration {
    let factor = rand::rng().random_range(0.9..=1.1);
    interval.mul_f64(factor)
}
