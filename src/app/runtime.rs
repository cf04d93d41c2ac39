//! The runtime: feeds `update` with input, poll results, ticks and signals,
//! carries out its commands, and redraws only when something changed.

use std::io::IsTerminal;
use std::time::Duration;

use crossterm::event::{Event, EventStream};
use eyre::WrapErr;
use futures::StreamExt;
use jiff::Timestamp;
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;
use tracing::{info, warn};

use super::backend::{Backend, BackendOptions};
use super::terminal::{self, Tui};
use super::{Command, Msg};
use crate::config::Config;

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
    let options = BackendOptions {
        readonly,
        store_path,
        actions: true,
    };
    let mut backend = Backend::start(&config, options)?;
    backend.model.banner = banner;
    if let Some(why) = backend.notify_error.clone() {
        backend.model.toast = Some(super::model::Toast {
            text: why,
            error: true,
            until: Timestamp::now() + jiff::SignedDuration::from_secs(15),
        });
    }
    crate::ui::theme::setup(&mut backend.model, &config.ui);

    let mut sigterm = signal(SignalKind::terminate()).wrap_err("installing the SIGTERM handler")?;
    let mut sighup = signal(SignalKind::hangup()).wrap_err("installing the SIGHUP handler")?;
    let mut tui = Tui::enter().wrap_err("could not set up the terminal")?;
    let size = tui.terminal.size().wrap_err("reading the terminal size")?;
    backend.model.size = (size.width, size.height);
    tokio::spawn(watch_hangup(backend.sender()));
    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);

    // Debug builds only: a deliberate panic for the terminal tests (see `test_panic`).
    let panic_at = test_panic::deadline();
    let mut dirty = true;
    // An OSC 8 link to draw over the status bar once the frame is on screen.
    let mut pending_link: Option<String> = None;
    let result = loop {
        if dirty {
            if let Err(e) = tui.terminal.draw(|f| crate::ui::view(&backend.model, f)) {
                // Most often the tty has gone away: there is nobody to draw for.
                warn!(error = %e, "drawing the screen failed; exiting");
                break Err(e).wrap_err("drawing the screen");
            }
            if let Some(url) = pending_link.take() {
                terminal::hyperlink(backend.model.size.1.saturating_sub(1), &url);
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
            Some(msg) = backend.recv() => msg,
            _ = tick.tick() => Msg::Tick(Timestamp::now()),
            _ = sigterm.recv() => { info!("SIGTERM"); Msg::Shutdown }
            _ = sighup.recv() => { info!("SIGHUP"); Msg::Shutdown }
            () = test_panic::wait(panic_at) => test_panic::fire(),
        };
        // Handle this message and everything already queued, then draw once.
        let mut next = Some(msg);
        while let Some(msg) = next.take().or_else(|| backend.try_recv()) {
            for command in backend.dispatch(msg) {
                match command {
                    Command::Copy(text) => terminal::copy(&text),
                    Command::Hyperlink(url) => pending_link = Some(url),
                    _ => {}
                }
            }
        }
        backend.settle();
        dirty = true;
        if backend.model.quitting {
            break Ok(());
        }
    };
    backend.shutdown();
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
