//! Messages into `update` and the commands it asks the runtime to carry out.

use crossterm::event::KeyEvent;
use jiff::Timestamp;

use crate::sources::PollReport;

/// Everything that can change the model. Time arrives only in messages, so
/// `update` stays pure.
#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    Resize(u16, u16),
    /// The clock moved (once a second).
    Tick(Timestamp),
    /// A poller started probing source `source` (index into `Model::sources`).
    PollStarted {
        source: usize,
        at: Timestamp,
    },
    /// A poll finished.
    Polled {
        source: usize,
        at: Timestamp,
        report: Box<PollReport>,
    },
    /// A poller's next scheduled poll.
    Scheduled {
        source: usize,
        next: Timestamp,
    },
    /// SIGTERM, SIGHUP or a vanished terminal.
    Shutdown,
}

/// Work for the runtime: the only way `update` causes I/O.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Poll this source now.
    Poll(usize),
    Quit,
}
