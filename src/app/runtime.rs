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
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::{Notify, mpsc};
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use super::pipeline;
use super::terminal::Tui;
use super::{Command, Model, Msg, SourceState, update};
use crate::actions::audit::AuditLog;
use crate::actions::executor::Executor;
use crate::actions::{ActionArgs, ActionError, PlannedAction, Target};
use crate::config::Config;
use crate::http::HttpCore;
use crate::sources::{self, Connector};

/// Run the cockpit until the user quits or a signal arrives.
pub async fn run(config: Config, readonly: bool, banner: Option<String>) -> eyre::Result<()> {
    // Fail before any request leaves when there is no screen to show results on.
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        eyre::bail!("the cockpit needs an interactive terminal (stdin and stdout must be a tty)");
    }
    let core = HttpCore::new(readonly).wrap_err("could not create the HTTP client")?;
    let mut states = Vec::new();
    let mut connectors: Vec<Option<Arc<dyn Connector>>> = Vec::new();
    for sc in &config.sources {
        let mut state = SourceState::new(sc.name.clone(), sc.kind, sc.interval, sc.timeout);
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

    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
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
    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);

    let mut dirty = true;
    let result = loop {
        if dirty {
            if let Err(e) = tui.terminal.draw(|f| crate::ui::view(&model, f)) {
                break Err(e).wrap_err("drawing the screen");
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
        };
        // Handle this message and everything already queued, then draw once.
        let mut next = Some(msg);
        while let Some(msg) = next.take().or_else(|| rx.try_recv().ok()) {
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
                        target_id,
                        args,
                    } => {
                        let result = plan(
                            &model,
                            connectors.get(source).and_then(Option::as_ref),
                            source,
                            &action,
                            &target_id,
                            &args,
                        );
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
                    Command::Quit => {}
                }
            }
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

/// Ask the source's connector to plan an action on a campaign the model knows.
fn plan(
    model: &Model,
    connector: Option<&Arc<dyn Connector>>,
    source: usize,
    action: &str,
    target_id: &str,
    args: &ActionArgs,
) -> Result<PlannedAction, ActionError> {
    let connector = connector.ok_or_else(|| ActionError::refused("the source is not running"))?;
    let campaign = pipeline::find(model, source, target_id)
        .ok_or_else(|| ActionError::refused(format!("campaign {target_id} is no longer listed")))?;
    connector.plan(action, Target::Campaign(campaign), args)
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
