//! The cockpit's engine without a screen: connectors, one poller per source,
//! the quality rules, the store and the action executor around the pure
//! `update`. The cockpit drives it with keys and draws its model; `mops serve`
//! drives it with nothing and publishes its model.

// BACKEND READY

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use eyre::WrapErr;
use jiff::Timestamp;
use rand::Rng;
use tokio::sync::{Notify, mpsc, watch};
use tokio_util::sync::CancellationToken;
use tracing::warn;

use super::model::{FailedAction, PlanTarget};
use super::pipeline;
use super::{Command, Model, Msg, SourceState, update};
use crate::actions::audit::AuditLog;
use crate::actions::executor::Executor;
use crate::actions::{ActionArgs, ActionError, PlannedAction, Target};
use crate::config::Config;
use crate::http::HttpCore;
use crate::model::{AlertId, AlertState, CrmData, EmailData, SourceKind};
use crate::notify::Notifier;
use crate::quality::Engine;
use crate::sources::SourceData;
use crate::sources::{self, Connector};
use crate::store::{StateStore, Store};

/// How the backend is started.
#[derive(Debug, Clone)]
pub struct BackendOptions {
    /// Block every non-GET request at the HTTP layer.
    pub readonly: bool,
    /// The SQLite store (alert states, failed actions, poll history); `None` runs without one.
    pub store_path: Option<PathBuf>,
    /// Open the audit log so actions can be sent. Off for `serve`, which only reads.
    pub actions: bool,
}

/// The running sources and everything `update`'s commands need.
pub struct Backend {
    pub model: Model,
    tx: mpsc::UnboundedSender<Msg>,
    rx: mpsc::UnboundedReceiver<Msg>,
    connectors: Vec<Option<Arc<dyn Connector>>>,
    refresh: Vec<Option<Arc<Notify>>>,
    cancel: CancellationToken,
    store: Option<Box<dyn StateStore>>,
    executor: Result<Arc<Executor>, String>,
    quality_tx: watch::Sender<QualityInput>,
    /// Running batches, so one can be cancelled between its actions.
    batches: HashMap<u64, CancellationToken>,
    /// New data arrived since the last `settle`.
    data_changed: bool,
    /// Webhooks told about outages and critical alerts; `None` without any.
    notifier: Option<Notifier>,
    /// Why the configured webhooks cannot be used (a secret that does not resolve).
    pub notify_error: Option<String>,
    /// Polls on their way to the store's history, written off the loop.
    history: Option<std::sync::mpsc::Sender<crate::store::PollSample>>,
}

impl Backend {
    /// Builds the model and connectors from the config and starts one poller
    /// per source and the quality-rules task. Call inside a tokio runtime.
    pub fn start(config: &Config, opts: BackendOptions) -> eyre::Result<Backend> {
        let core = HttpCore::new(opts.readonly).wrap_err("could not create the HTTP client")?;
        let (states, connectors) = build_sources(config, &core);
        let mut model = new_model(config, opts.readonly, states);
        let executor = if opts.actions {
            open_executor(config, opts.readonly)
        } else {
            Err("this mode only reads: actions are off".to_owned())
        };
        let store = open_store(&mut model, opts.store_path.as_deref());
        let history = match (&store, &opts.store_path) {
            (Some(_), Some(path)) => history_writer(path.clone()),
            _ => None,
        };
        let (notifier, notify_error) = match Notifier::new(&config.notify) {
            Ok(n) if n.is_empty() => (None, None),
            Ok(n) => (Some(n), None),
            Err(e) => {
                warn!(error = %e, "webhooks disabled");
                (None, Some(format!("webhooks disabled: {e}")))
            }
        };
        let (tx, rx) = mpsc::unbounded_channel::<Msg>();
        // The rules run off the loop; the watch keeps only the newest data.
        let (quality_tx, quality_rx) = watch::channel(QualityInput::default());
        let engine = Engine::new(config.quality.clone(), config.pipeline.thresholds);
        tokio::spawn(quality_task(engine, quality_rx, tx.clone()));
        let cancel = CancellationToken::new();
        let refresh = connectors
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
        Ok(Backend {
            model,
            tx,
            rx,
            connectors,
            refresh,
            cancel,
            store,
            executor,
            quality_tx,
            batches: HashMap::new(),
            data_changed: false,
            notifier,
            notify_error,
            history,
        })
    }

    /// A sender for messages from elsewhere (the terminal's hang-up watch).
    pub fn sender(&self) -> mpsc::UnboundedSender<Msg> {
        self.tx.clone()
    }

    /// The next message from the pollers, the rules or an action.
    pub async fn recv(&mut self) -> Option<Msg> {
        self.rx.recv().await
    }

    /// A message already waiting, without waiting for one.
    pub fn try_recv(&mut self) -> Option<Msg> {
        self.rx.try_recv().ok()
    }

    /// `update`, then the commands the backend carries out itself. Returns
    /// the ones only a front end can (copy, hyperlink, quit).
    pub fn dispatch(&mut self, msg: Msg) -> Vec<Command> {
        if let Msg::Polled { source, at, report } = &msg {
            self.data_changed |= report.data.is_some();
            if let (Some(history), Some(state)) = (&self.history, self.model.sources.get(*source)) {
                let _ = history.send(crate::store::history::sample(&state.name, *at, report));
            }
        }
        let mut front = Vec::new();
        for command in update(&mut self.model, msg) {
            if let Some(c) = self.carry_out(command) {
                front.push(c);
            }
        }
        front
    }

    /// After a batch of messages: new data goes to the quality rules, and
    /// due notifications to the webhooks. Call it on every clock tick too:
    /// a debounce can run out with nothing else happening.
    pub fn settle(&mut self) {
        if std::mem::take(&mut self.data_changed) {
            self.quality_tx.send_replace(QualityInput::of(&self.model));
        }
        let Some(notifier) = &mut self.notifier else { return };
        let Some(note) = notifier.observe(&self.model, Timestamp::now()) else {
            return;
        };
        // Sent off the loop, never retried (a webhook that timed out may have posted).
        let sending = notifier.deliver(&note);
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let failed: Vec<String> = sending
                .await
                .into_iter()
                .filter_map(|d| d.result.err())
                .map(|e| e.to_string())
                .collect();
            for why in &failed {
                warn!(error = %why, "webhook notification failed");
            }
            if !failed.is_empty() {
                let _ = tx.send(Msg::NotifyFailed(failed.join("; ")));
            }
        });
    }

    /// Reads the alert states (acknowledged, snoozed) again from the store:
    /// for a headless backend, while people handle alerts in a cockpit.
    pub fn reload_alert_states(&mut self) {
        let Some(store) = &self.store else { return };
        match store.alert_states() {
            Ok(states) => self.model.alerts.states = states,
            Err(e) => warn!(error = %e, "alert states not reloaded"),
        }
    }

    /// Stops the pollers (running actions finish on their own).
    pub fn shutdown(self) {
        self.cancel.cancel();
    }

    fn carry_out(&mut self, command: Command) -> Option<Command> {
        match command {
            Command::Poll(i) => {
                if let Some(Some(notify)) = self.refresh.get(i) {
                    notify.notify_one();
                }
            }
            Command::Plan {
                source,
                action,
                target,
                args,
            } => {
                let connector = self.connectors.get(source).and_then(Option::as_ref);
                let result = plan(&self.model, connector, source, &action, &target, &args);
                let _ = self.tx.send(Msg::Planned { source, result });
            }
            Command::Execute { id, source, planned } => {
                let tx = self.tx.clone();
                let connector = self.connectors.get(source).cloned().flatten();
                let executor = self.executor.clone();
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
                let connector = self.connectors.get(source).and_then(Option::as_ref);
                let result: Result<Vec<PlannedAction>, ActionError> = items
                    .iter()
                    .map(|(target, args)| plan(&self.model, connector, source, &action, target, args))
                    .collect();
                let _ = self.tx.send(Msg::BatchPlanned {
                    source,
                    summary,
                    result,
                });
            }
            Command::ExecuteBatch { id, source, planned } => {
                let cancel = CancellationToken::new();
                self.batches.insert(id, cancel.clone());
                let connector = self.connectors.get(source).cloned().flatten();
                tokio::spawn(run_batch(
                    id,
                    planned,
                    connector,
                    self.executor.clone(),
                    cancel,
                    self.tx.clone(),
                ));
            }
            Command::CancelBatch(id) => {
                if let Some(token) = self.batches.remove(&id) {
                    token.cancel();
                }
            }
            Command::SaveAlertState { id, state } => save_state(&self.store, &id, Some(state)),
            Command::ForgetAlertState(id) => save_state(&self.store, &id, None),
            Command::SaveFailed(failed) => {
                if let Some(stored) = keep_failed(&self.store, &self.model, &failed) {
                    let _ = self.tx.send(Msg::FailedSaved { id: failed.id, stored });
                }
            }
            Command::ForgetFailed(stored) => {
                if let Some(store) = &self.store
                    && let Err(e) = store.remove_failed_action(stored)
                {
                    warn!(failed = stored, error = %e, "could not drop the failed action from the store");
                }
            }
            other @ (Command::Copy(_) | Command::Hyperlink(_) | Command::Quit) => return Some(other),
        }
        None
    }
}

/// One `SourceState` per configured source, and its connector (`None`,
/// with the reason in the state, when it cannot be built).
pub(crate) fn build_sources(config: &Config, core: &HttpCore) -> (Vec<SourceState>, Vec<Option<Arc<dyn Connector>>>) {
    let mut states = Vec::new();
    let mut connectors = Vec::new();
    for sc in &config.sources {
        let mut state = SourceState::new(sc.name.clone(), sc.kind, sc.interval, sc.timeout);
        if let crate::config::SourceSettings::Hubspot { round_robin, .. } = &sc.settings {
            state.round_robin = round_robin.clone();
        }
        match sources::build(core, sc) {
            Ok(c) => connectors.push(Some(c)),
            Err(e) => {
                warn!(source = %sc.name, error = %e, "source not started");
                state.broken = Some(e.to_string());
                connectors.push(None);
            }
        }
        states.push(state);
    }
    (states, connectors)
}

/// The model before any poll: the config's title, thresholds and queues.
pub(crate) fn new_model(config: &Config, readonly: bool, states: Vec<SourceState>) -> Model {
    let mut model = Model::new(config.title.clone(), readonly, states, Timestamp::now());
    model.pipeline_cfg = config.pipeline.clone();
    model.queues = config.queues;
    model.tz = jiff::tz::TimeZone::system();
    model
}

/// Without an audit log no action may be sent; the cockpit still monitors.
/// The audit log also scrubs the configured secrets from vendor text it records.
fn open_executor(config: &Config, readonly: bool) -> Result<Arc<Executor>, String> {
    let secrets = config.sources.iter().filter_map(|s| s.secret()?.1.resolve().ok());
    match AuditLog::open_default() {
        Ok(audit) => Ok(Arc::new(Executor::new(audit.with_secrets(secrets), readonly))),
        Err(e) => {
            warn!(error = %e, "audit log unavailable; actions disabled");
            Err(format!("actions are disabled: the audit log cannot be written ({e})"))
        }
    }
}

/// Alert states and failed actions outlive the process; without a store the
/// backend still works and the model says that acknowledgements will not be kept.
fn open_store(model: &mut Model, path: Option<&std::path::Path>) -> Option<Box<dyn StateStore>> {
    let opened = match path {
        Some(path) => Store::open(path),
        None => Err(crate::store::StoreError::NoDataDir),
    };
    match opened {
        Ok(store) => {
            load_kept(model, &store);
            Some(Box::new(store))
        }
        Err(e) => {
            warn!(error = %e, "store unavailable");
            model.alerts.store_error = Some(format!("acknowledgements and snoozes will not be kept: {e}"));
            None
        }
    }
}

/// A thread that keeps polls in the store's history, so a busy database
/// (another mops writing) never holds up keys or redraws. It ends when the
/// backend is dropped; `None` (logged) when it cannot start.
fn history_writer(path: PathBuf) -> Option<std::sync::mpsc::Sender<crate::store::PollSample>> {
    let (tx, rx) = std::sync::mpsc::channel::<crate::store::PollSample>();
    let spawned = std::thread::Builder::new().name("mops-history".into()).spawn(move || {
        let store = match Store::open(&path) {
            Ok(store) => store,
            Err(e) => {
                warn!(error = %e, "poll history will not be kept");
                return;
            }
        };
        for sample in rx {
            if let Err(e) = store.record_poll(&sample) {
                warn!(source = %sample.source, error = %e, "could not keep the poll in the history");
            }
        }
    });
    match spawned {
        Ok(_) => Some(tx),
        Err(e) => {
            warn!(error = %e, "poll history will not be kept");
            None
        }
    }
}

/// Keeps one poll's outcome in the store's history (for `mops report`'s
/// uptime). A failure is logged: the poll itself still counts.
pub(crate) fn record_poll(store: &dyn StateStore, source: &str, at: Timestamp, report: &crate::sources::PollReport) {
    if let Err(e) = store.record_poll(&crate::store::history::sample(source, at, report)) {
        warn!(source, error = %e, "could not keep the poll in the history");
    }
}

/// Loads the alert states and failed actions kept in the store into the model.
pub(crate) fn load_kept(model: &mut Model, store: &dyn StateStore) {
    match store.alert_states() {
        Ok(states) => model.alerts.states = states,
        Err(e) => model.alerts.store_error = Some(format!("alert states not loaded: {e}")),
    }
    match store.failed_actions() {
        Ok(kept) => load_failed(model, kept),
        Err(e) => warn!(error = %e, "failed actions not loaded"),
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
pub(crate) struct QualityInput {
    pub(crate) crm: Option<Arc<CrmData>>,
    pub(crate) email: Option<Arc<EmailData>>,
    /// Every kind of source the rules read (CRM, email platform) that is
    /// configured has brought data.
    pub(crate) complete: bool,
}

impl QualityInput {
    pub(crate) fn of(model: &Model) -> QualityInput {
        let mut snap = QualityInput::default();
        for s in &model.sources {
            match &s.data {
                Some((SourceData::Crm(d), _)) if snap.crm.is_none() => snap.crm = Some(d.clone()),
                Some((SourceData::Email(d), _)) if snap.email.is_none() => snap.email = Some(d.clone()),
                _ => {}
            }
        }
        let has = |kind: SourceKind| model.sources.iter().any(|s| s.kind == kind);
        snap.complete =
            (snap.crm.is_some() || !has(SourceKind::Hubspot)) && (snap.email.is_some() || !has(SourceKind::Mailchimp));
        snap
    }
}

/// Evaluates the rules whenever new data arrives, on a blocking thread (a
/// million contacts is real work), and reports the alerts to the loop.
async fn quality_task(mut engine: Engine, mut rx: watch::Receiver<QualityInput>, tx: mpsc::UnboundedSender<Msg>) {
    while rx.changed().await.is_ok() {
        let snap = rx.borrow_and_update().clone();
        if snap.crm.is_none() && snap.email.is_none() {
            continue;
        }
        let complete = snap.complete;
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
                complete,
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
