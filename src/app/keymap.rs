//! Keys to user actions. One table drives both the dispatch and the help
//! overlay, so the help can never drift from what the keys do.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use serde::Deserialize;

/// What a person asked for, independent of the key that asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserAction {
    Quit,
    Help,
    Back,
    FocusNext,
    FocusPrev,
    Focus(usize),
    Up,
    Down,
    Top,
    Bottom,
    Open,
    Zoom,
    Refresh,
    RefreshAll,
    Filter,
    Sort,
    Actions,
    Palette,
    Acknowledge,
    OpenLink,
    Copy,
}

/// Where a binding applies, for the help overlay and the status bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Global,
    /// Lists: every pane with rows, and the detail views.
    List,
    /// Panes with a sort order: the campaign pipeline, the task queues.
    Sortable,
    /// Where the selection has actions: campaigns, queued items, failed actions.
    Actionable,
    /// The data-quality alerts and an alert's detail.
    Alerts,
    /// Where the selection has a web page and an id: alerts, queued items.
    Linkable,
}

#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub keys: &'static str,
    pub short: &'static str,
    pub help: &'static str,
    pub action: UserAction,
    pub scope: Scope,
}

const BINDINGS: &[Binding] = &[
    Binding {
        keys: "?",
        short: "help",
        help: "show or hide this help",
        action: UserAction::Help,
        scope: Scope::Global,
    },
    Binding {
        keys: "q",
        short: "quit",
        help: "quit (also Ctrl-C)",
        action: UserAction::Quit,
        scope: Scope::Global,
    },
    Binding {
        keys: "Tab",
        short: "pane",
        help: "focus the next pane",
        action: UserAction::FocusNext,
        scope: Scope::Global,
    },
    Binding {
        keys: "Shift-Tab",
        short: "prev",
        help: "focus the previous pane",
        action: UserAction::FocusPrev,
        scope: Scope::Global,
    },
    Binding {
        keys: "1-4",
        short: "pane",
        help: "focus pane 1-4",
        action: UserAction::Focus(1),
        scope: Scope::Global,
    },
    Binding {
        keys: "↑↓ j k",
        short: "select",
        help: "move the selection",
        action: UserAction::Down,
        scope: Scope::List,
    },
    Binding {
        keys: "g G",
        short: "top/end",
        help: "first / last row",
        action: UserAction::Top,
        scope: Scope::List,
    },
    Binding {
        keys: "Enter",
        short: "detail",
        help: "open the selected item's detail; on a queue's title, fold it",
        action: UserAction::Open,
        scope: Scope::List,
    },
    Binding {
        keys: "z",
        short: "zoom",
        help: "zoom the focused pane to full screen, again to restore",
        action: UserAction::Zoom,
        scope: Scope::Global,
    },
    Binding {
        keys: "Esc",
        short: "back",
        help: "close help / detail / zoom",
        action: UserAction::Back,
        scope: Scope::Global,
    },
    Binding {
        keys: "x",
        short: "actions",
        help: "actions of the selected item (shows the exact request first)",
        action: UserAction::Actions,
        scope: Scope::Actionable,
    },
    Binding {
        keys: "/",
        short: "filter",
        help: "filter campaigns, alerts or queued items (Enter keeps, Esc clears)",
        action: UserAction::Filter,
        scope: Scope::List,
    },
    Binding {
        keys: "s",
        short: "sort",
        help: "cycle the sort of the campaigns or the queued items",
        action: UserAction::Sort,
        scope: Scope::Sortable,
    },
    Binding {
        keys: ":",
        short: "palette",
        help: "command palette: fuzzy search panes, commands, actions",
        action: UserAction::Palette,
        scope: Scope::Global,
    },
    Binding {
        keys: "a",
        short: "ack",
        help: "acknowledge the selected alert (again: un-acknowledge)",
        action: UserAction::Acknowledge,
        scope: Scope::Alerts,
    },
    Binding {
        keys: "s ",
        short: "snooze",
        help: "snooze the selected alert for a while (in the alerts pane)",
        action: UserAction::Sort,
        scope: Scope::Alerts,
    },
    Binding {
        keys: "o",
        short: "open",
        help: "link to the record or post in the vendor's web app (OSC 8)",
        action: UserAction::OpenLink,
        scope: Scope::Linkable,
    },
    Binding {
        keys: "y",
        short: "copy id",
        help: "copy the selected record's id (OSC 52, works over SSH)",
        action: UserAction::Copy,
        scope: Scope::Linkable,
    },
    Binding {
        keys: "r",
        short: "refresh",
        help: "refresh: poll the focused source now",
        action: UserAction::Refresh,
        scope: Scope::Global,
    },
    Binding {
        keys: "R",
        short: "all",
        help: "refresh all: poll every source now",
        action: UserAction::RefreshAll,
        scope: Scope::Global,
    },
];

/// Every binding, in help order.
pub fn bindings() -> &'static [Binding] {
    BINDINGS
}

/// Map a key press to an action; `None` for keys with no meaning.
pub fn action_for(key: KeyEvent) -> Option<UserAction> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    Some(match key.code {
        KeyCode::Char('c') if ctrl => UserAction::Quit,
        _ if ctrl => return None,
        KeyCode::Char('q') => UserAction::Quit,
        KeyCode::Char('?') => UserAction::Help,
        KeyCode::Esc => UserAction::Back,
        KeyCode::Tab => UserAction::FocusNext,
        KeyCode::BackTab => UserAction::FocusPrev,
        KeyCode::Char(c @ '1'..='4') => UserAction::Focus(c as usize - '0' as usize),
        KeyCode::Up | KeyCode::Char('k') => UserAction::Up,
        KeyCode::Down | KeyCode::Char('j') => UserAction::Down,
        KeyCode::Home | KeyCode::Char('g') => UserAction::Top,
        KeyCode::End | KeyCode::Char('G') => UserAction::Bottom,
        KeyCode::Enter => UserAction::Open,
        KeyCode::Char('z') => UserAction::Zoom,
        KeyCode::Char('r') => UserAction::Refresh,
        KeyCode::Char('R') => UserAction::RefreshAll,
        KeyCode::Char('/') => UserAction::Filter,
        KeyCode::Char('s') => UserAction::Sort,
        KeyCode::Char('x') => UserAction::Actions,
        KeyCode::Char(':') => UserAction::Palette,
        KeyCode::Char('a') => UserAction::Acknowledge,
        KeyCode::Char('o') => UserAction::OpenLink,
        KeyCode::Char('y') => UserAction::Copy,
        _ => return None,
    })
}
