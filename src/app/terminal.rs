//! Entering and leaving the full-screen terminal, on every exit path.

use std::io::{self, Stdout};
use std::mem::ManuallyDrop;
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::cursor::{Hide, Show};
use crossterm::execute;
use crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

static ACTIVE: AtomicBool = AtomicBool::new(false);

/// The terminal in raw mode on the alternate screen; dropping it restores
/// the terminal, so an early `?` return cannot leave it broken.
pub struct Tui {
    /// Dropped by hand in `Drop for Tui`: see there.
    pub terminal: ManuallyDrop<Terminal<CrosstermBackend<Stdout>>>,
}

impl Tui {
    pub fn enter() -> io::Result<Tui> {
        install_panic_hook();
        enable_raw_mode()?;
        ACTIVE.store(true, Ordering::SeqCst);
        let mut stdout = io::stdout();
        if let Err(e) = execute!(stdout, EnterAlternateScreen, Hide) {
            restore();
            return Err(e);
        }
        match Terminal::new(CrosstermBackend::new(stdout)) {
            Ok(terminal) => Ok(Tui {
                terminal: ManuallyDrop::new(terminal),
            }),
            Err(e) => {
                restore();
                Err(e)
            }
        }
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        restore();
        // ratatui's `Terminal` shows the cursor it hid when dropped and reports
        // a failure with `eprintln!`, which panics when stderr is the tty that
        // has gone away (SSH dropped, terminal closed), and a panic here aborts.
        // So show it here: a terminal that took it drops quietly; one whose tty
        // is gone is left for the exiting process to reclaim.
        if self.terminal.show_cursor().is_ok() {
            // SAFETY: `terminal` is dropped only here, once, and never used
            // again: `self` is being dropped.
            unsafe { ManuallyDrop::drop(&mut self.terminal) };
        }
    }
}

/// Leave raw mode and the alternate screen. Idempotent, and errors are
/// ignored: the tty may already be gone.
pub fn restore() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        let _ = disable_raw_mode();
        let _ = execute!(io::stdout(), LeaveAlternateScreen, Show);
    }
}

/// Restore the terminal before the panic report prints, so it is readable.
fn install_panic_hook() {
    static INSTALLED: AtomicBool = AtomicBool::new(false);
    if INSTALLED.swap(true, Ordering::SeqCst) {
        return;
    }
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
}

/// Put `text` on the terminal's clipboard with OSC 52, which terminals honour
/// over SSH too. Best effort: a terminal without it ignores the sequence.
pub fn copy(text: &str) {
    use base64::Engine;
    use std::io::Write;
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    let mut out = io::stdout();
    let _ = write!(out, "\x1b]52;c;{encoded}\x07");
    let _ = out.flush();
}

/// Re-print `url` at the start of row `row` wrapped in an OSC 8 hyperlink, over
/// the same text the status bar shows, so terminals that support it make it
/// clickable. The cells keep their text, so the next frame leaves them alone.
pub fn hyperlink(row: u16, url: &str) {
    use crossterm::cursor::{MoveTo, RestorePosition, SavePosition};
    use std::io::Write;
    let mut out = io::stdout();
    let _ = execute!(out, SavePosition, MoveTo(1, row));
    let _ = write!(out, "\x1b]8;;{url}\x1b\\{url}\x1b]8;;\x1b\\");
    let _ = execute!(out, RestorePosition);
    let _ = out.flush();
}
