//! Messages into `update` and the commands it asks the runtime to carry out.

use crossterm::event::KeyEvent;
use jiff::Timestamp;

use super::model::PlanTarget;
use crate::actions::{ActionArgs, ActionError, Outcome, PlannedAction};
use crate::model::{Alert, AlertId, AlertState};
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
    /// A planned action (or why it could not be planned), for confirmation.
    Planned {
        source: usize,
        result: Result<PlannedAction, ActionError>,
    },
    /// A sent action's answer.
    ActionDone {
        id: u64,
        at: Timestamp,
        result: Result<Outcome, ActionError>,
    },
    /// A batch planned (or why not), for confirmation.
    BatchPlanned {
        source: usize,
        summary: String,
        result: Result<Vec<PlannedAction>, ActionError>,
    },
    /// One action of a batch answered.
    BatchProgress {
        id: u64,
        at: Timestamp,
        planned: Box<PlannedAction>,
        result: Result<Outcome, ActionError>,
    },
    /// A batch ended: all sent, or cancelled after `sent`.
    BatchDone {
        id: u64,
        cancelled: bool,
    },
    /// The quality rules' latest findings.
    Alerts {
        at: Timestamp,
        alerts: Vec<Alert>,
        /// Every configured CRM and email platform had data for this pass.
        /// A partial pass (one side not polled yet) must not be read as the
        /// other side's alerts having resolved.
        complete: bool,
    },
    /// A failed action was kept in the store under `stored`.
    FailedSaved {
        id: u64,
        stored: i64,
    },
    /// Webhook notifications that could not be delivered (webhook names and
    /// HTTP statuses, never their URLs).
    NotifyFailed(String),
    /// SIGTERM, SIGHUP or a vanished terminal.
    Shutdown,
}

/// Work for the runtime: the only way `update` causes I/O.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Poll this source now.
    Poll(usize),
    /// Plan an action: the runtime asks the source's connector, which answers
    /// with `Msg::Planned`. Nothing is sent.
    Plan {
        source: usize,
        action: String,
        target: PlanTarget,
        args: ActionArgs,
    },
    /// Send a confirmed action through the executor; answered by `Msg::ActionDone`.
    Execute {
        id: u64,
        source: usize,
        planned: Box<PlannedAction>,
    },
    /// Plan one action per item (a batch), answered by `Msg::BatchPlanned`.
    PlanBatch {
        source: usize,
        action: String,
        items: Vec<(PlanTarget, ActionArgs)>,
        summary: String,
    },
    /// Send a confirmed batch, one action at a time; progress comes back as messages.
    ExecuteBatch {
        id: u64,
        source: usize,
        planned: Vec<PlannedAction>,
    },
    /// Stop a running batch before its next action.
    CancelBatch(u64),
    /// Persist what a person did about an alert.
    SaveAlertState {
        id: AlertId,
        state: AlertState,
    },
    /// The alert resolved or was un-acknowledged: drop its saved state.
    ForgetAlertState(AlertId),
    /// Keep a failed action in the store (answered by `Msg::FailedSaved`),
    /// so it survives a restart and `mops act --retry` can send it.
    SaveFailed(Box<super::model::FailedAction>),
    /// Drop a kept failed action from the store: retried or discarded.
    ForgetFailed(i64),
    /// Put text on the clipboard (OSC 52: works over SSH).
    Copy(String),
    /// Show a clickable link (OSC 8) for a URL the status bar prints.
    Hyperlink(String),
    Quit,
}
