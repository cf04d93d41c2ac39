//! Keys to user actions. One table of effective keys (the defaults with the
//! config's `[keys]` overrides applied) drives the dispatch, the help overlay
//! and the status bar, so what they show can never drift from what keys do.

use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use serde::Deserialize;

use super::model::{Model, Pane, Screen};

/// What a person asked for, independent of the key that asked. In the
/// config each has a snake_case name (`refresh_all`, `focus_2`), see [`ACTIONS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(try_from = "String")]
pub enum UserAction {
    Quit,
    Help,
    Back,
    FocusNext,
    FocusPrev,
    /// Pane 1-4.
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
    Snooze,
    Actions,
    Palette,
    Acknowledge,
    OpenLink,
    Copy,
}

/// Every action by its config name, in help order.
pub const ACTIONS: [(&str, UserAction); 25] = [
    ("help", UserAction::Help),
    ("quit", UserAction::Quit),
    ("focus_next", UserAction::FocusNext),
    ("focus_prev", UserAction::FocusPrev),
    ("focus_1", UserAction::Focus(1)),
    ("focus_2", UserAction::Focus(2)),
    ("focus_3", UserAction::Focus(3)),
    ("focus_4", UserAction::Focus(4)),
    ("up", UserAction::Up),
    ("down", UserAction::Down),
    ("top", UserAction::Top),
    ("bottom", UserAction::Bottom),
    ("open", UserAction::Open),
    ("zoom", UserAction::Zoom),
    ("back", UserAction::Back),
    ("actions", UserAction::Actions),
    ("filter", UserAction::Filter),
    ("sort", UserAction::Sort),
    ("palette", UserAction::Palette),
    ("acknowledge", UserAction::Acknowledge),
    ("snooze", UserAction::Snooze),
    ("open_link", UserAction::OpenLink),
    ("copy", UserAction::Copy),
    ("refresh", UserAction::Refresh),
    ("refresh_all", UserAction::RefreshAll),
];

impl UserAction {
    /// The action a config name stands for.
    pub fn from_name(name: &str) -> Option<UserAction> {
        ACTIONS.iter().find(|(n, _)| *n == name).map(|(_, a)| *a)
    }

    /// The config name (`refresh_all`).
    pub fn name(self) -> &'static str {
        ACTIONS.iter().find(|(_, a)| *a == self).map_or("focus", |(n, _)| n)
    }

    /// Where the action does something: two actions may share a key only
    /// where their scopes never meet.
    pub fn scope(self) -> Scope {
        use UserAction::*;
        match self {
            Up | Down | Top | Bottom | Open | Filter => Scope::List,
            Sort => Scope::Sortable,
            Snooze | Acknowledge => Scope::Alerts,
            Actions => Scope::Actionable,
            OpenLink | Copy => Scope::Linkable,
            Quit | Help | Back | FocusNext | FocusPrev | Focus(_) | Zoom | Palette | Refresh | RefreshAll => {
                Scope::Global
            }
        }
    }
}

impl TryFrom<String> for UserAction {
    type Error = String;

    fn try_from(name: String) -> Result<Self, Self::Error> {
        UserAction::from_name(&name).ok_or_else(|| format!("unknown action `{name}`"))
    }
}

impl fmt::Display for UserAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where the cockpit is: which screen, or which pane of the grid has focus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Grid(Pane),
    SourceDetail,
    CampaignDetail,
    AlertDetail,
    PostDetail,
    TaskDetail,
    FailedDetail,
}

impl Place {
    pub fn of(model: &Model) -> Place {
        match model.screen {
            Screen::Grid => Place::Grid(model.focus),
            Screen::SourceDetail(_) => Place::SourceDetail,
            Screen::CampaignDetail { .. } => Place::CampaignDetail,
            Screen::AlertDetail { .. } => Place::AlertDetail,
            Screen::PostDetail { .. } => Place::PostDetail,
            Screen::TaskDetail { .. } => Place::TaskDetail,
            Screen::FailedDetail { .. } => Place::FailedDetail,
        }
    }

    const ALL: [Place; 10] = [
        Place::Grid(Pane::Health),
        Place::Grid(Pane::Pipeline),
        Place::Grid(Pane::Alerts),
        Place::Grid(Pane::Tasks),
        Place::SourceDetail,
        Place::CampaignDetail,
        Place::AlertDetail,
        Place::PostDetail,
        Place::TaskDetail,
        Place::FailedDetail,
    ];
}

/// Where a binding applies, for dispatch, conflicts, the help and the status bar.
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

impl Scope {
    pub fn applies(self, place: Place) -> bool {
        use Place::*;
        match self {
            Scope::Global | Scope::List => true,
            Scope::Sortable => matches!(place, Grid(Pane::Pipeline | Pane::Tasks)),
            Scope::Alerts => matches!(place, Grid(Pane::Alerts) | AlertDetail),
            Scope::Linkable => matches!(
                place,
                Grid(Pane::Alerts | Pane::Tasks) | AlertDetail | PostDetail | TaskDetail
            ),
            Scope::Actionable => matches!(
                place,
                Grid(Pane::Pipeline | Pane::Tasks) | CampaignDetail | PostDetail | TaskDetail | FailedDetail
            ),
        }
    }

    /// The first place both scopes apply, if any.
    pub fn meets(self, other: Scope) -> Option<Place> {
        Place::ALL.into_iter().find(|p| self.applies(*p) && other.applies(*p))
    }
}

/// One key, as written in the config (`"ctrl-r"`, `"F5"`, `"G"`) and as
/// shown in the help.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Chord {
    pub code: KeyCode,
    /// Only CONTROL, ALT, and SHIFT on keys that are not characters.
    pub mods: KeyModifiers,
}

/// Why a key name could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyError {
    Empty,
    /// Not a single character and not a key name; the name as lowercased.
    UnknownName(String),
    /// `shift-` before a character other than a letter: write the character.
    ShiftChar(char),
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::Empty => f.write_str("empty key name"),
            KeyError::UnknownName(name) => write!(f, "unknown key `{name}`"),
            KeyError::ShiftChar(c) => write!(f, "`shift-{c}`: write the character the key types instead"),
        }
    }
}

/// Key names the config accepts besides single characters and f1-f12.
pub const KEY_NAMES: &[&str] = &[
    "enter",
    "esc",
    "tab",
    "backtab",
    "space",
    "up",
    "down",
    "left",
    "right",
    "home",
    "end",
    "pgup",
    "pgdn",
    "backspace",
    "delete",
];

fn named(name: &str) -> Option<KeyCode> {
    Some(match name {
        "enter" | "return" => KeyCode::Enter,
        "esc" | "escape" => KeyCode::Esc,
        "tab" => KeyCode::Tab,
        "backtab" => KeyCode::BackTab,
        "space" => KeyCode::Char(' '),
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "pgup" | "pageup" => KeyCode::PageUp,
        "pgdn" | "pagedown" => KeyCode::PageDown,
        "backspace" => KeyCode::Backspace,
        "delete" | "del" => KeyCode::Delete,
        _ => {
            let n: u8 = name.strip_prefix('f')?.parse().ok()?;
            return (1..=12).contains(&n).then_some(KeyCode::F(n));
        }
    })
}

impl Chord {
    pub const fn plain(code: KeyCode) -> Chord {
        Chord {
            code,
            mods: KeyModifiers::NONE,
        }
    }

    const fn ch(c: char) -> Chord {
        Chord::plain(KeyCode::Char(c))
    }

    /// Ctrl-C: always quits, whatever the config says.
    pub const CTRL_C: Chord = Chord {
        code: KeyCode::Char('c'),
        mods: KeyModifiers::CONTROL,
    };

    /// Reads `"q"`, `"ctrl-x"`, `"alt-x"`, `"shift-tab"`, `"F5"`, `"pgdn"`.
    /// Names and modifiers ignore case; a single character is taken as is.
    pub fn parse(text: &str) -> Result<Chord, KeyError> {
        let mut chars = text.chars();
        if let (Some(c), None) = (chars.next(), chars.next()) {
            return Ok(Chord::ch(c));
        }
        let mut rest = text;
        let mut mods = KeyModifiers::NONE;
        'prefixes: loop {
            for (prefix, m) in [
                ("ctrl-", KeyModifiers::CONTROL),
                ("alt-", KeyModifiers::ALT),
                ("shift-", KeyModifiers::SHIFT),
            ] {
                let head = rest.get(..prefix.len());
                if head.is_some_and(|h| h.eq_ignore_ascii_case(prefix)) && rest.len() > prefix.len() {
                    mods |= m;
                    rest = &rest[prefix.len()..];
                    continue 'prefixes;
                }
            }
            break;
        }
        if rest.is_empty() {
            return Err(KeyError::Empty);
        }
        let mut chars = rest.chars();
        let mut code = match (chars.next(), chars.next()) {
            (Some(c), None) => KeyCode::Char(c),
            _ => {
                let lower = rest.to_lowercase();
                named(&lower).ok_or(KeyError::UnknownName(lower))?
            }
        };
        if mods.contains(KeyModifiers::SHIFT) {
            match code {
                KeyCode::Char(c) if c.is_alphabetic() => {
                    code = KeyCode::Char(c.to_uppercase().next().unwrap_or(c));
                    mods -= KeyModifiers::SHIFT;
                }
                KeyCode::Char(c) => return Err(KeyError::ShiftChar(c)),
                KeyCode::Tab | KeyCode::BackTab => {
                    code = KeyCode::BackTab;
                    mods -= KeyModifiers::SHIFT;
                }
                _ => {}
            }
        }
        // Terminals send Ctrl with the lowercase letter.
        if mods.contains(KeyModifiers::CONTROL)
            && let KeyCode::Char(c) = code
        {
            code = KeyCode::Char(c.to_ascii_lowercase());
        }
        Ok(Chord { code, mods })
    }

    /// The chord a key press is, with the modifiers terminals add on their
    /// own (Shift on `G`, on Shift-Tab) taken off.
    pub fn from_event(key: KeyEvent) -> Chord {
        let mut mods = key.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let mut code = key.code;
        match code {
            KeyCode::Char(c) => {
                mods -= KeyModifiers::SHIFT;
                if mods.contains(KeyModifiers::CONTROL) {
                    code = KeyCode::Char(c.to_ascii_lowercase());
                }
            }
            KeyCode::BackTab => mods -= KeyModifiers::SHIFT,
            _ => {}
        }
        Chord { code, mods }
    }
}

impl fmt::Display for Chord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("Ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("Alt-")?;
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            f.write_str("Shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            // Ctrl-Q reads better than Ctrl-q; the terminal sends the same key.
            KeyCode::Char(c) if self.mods.contains(KeyModifiers::CONTROL) => write!(f, "{}", c.to_ascii_uppercase()),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::F(n) => write!(f, "F{n}"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::BackTab => f.write_str("Shift-Tab"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::Backspace => f.write_str("Backspace"),
            KeyCode::Delete => f.write_str("Del"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// The keys of every action: the defaults, with whatever the config replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    /// Every action of [`ACTIONS`], in that order.
    keys: Vec<(UserAction, Vec<Chord>)>,
    /// Actions whose keys came from the config.
    overridden: Vec<UserAction>,
}

/// The built-in keys of `action`.
pub fn default_keys(action: UserAction) -> Vec<Chord> {
    use UserAction::*;
    let p = Chord::plain;
    let c = Chord::ch;
    match action {
        Quit => vec![c('q')],
        Help => vec![c('?')],
        Back => vec![p(KeyCode::Esc)],
        FocusNext => vec![p(KeyCode::Tab)],
        FocusPrev => vec![p(KeyCode::BackTab)],
        Focus(n) => match char::from_digit(n as u32, 10) {
            Some(d) if (1..=4).contains(&n) => vec![c(d)],
            _ => Vec::new(),
        },
        Up => vec![p(KeyCode::Up), c('k')],
        Down => vec![p(KeyCode::Down), c('j')],
        Top => vec![p(KeyCode::Home), c('g')],
        Bottom => vec![p(KeyCode::End), c('G')],
        Open => vec![p(KeyCode::Enter)],
        Zoom => vec![c('z')],
        Refresh => vec![c('r')],
        RefreshAll => vec![c('R')],
        Filter => vec![c('/')],
        Sort => vec![c('s')],
        Snooze => vec![c('s')],
        Actions => vec![c('x')],
        Palette => vec![c(':')],
        Acknowledge => vec![c('a')],
        OpenLink => vec![c('o')],
        Copy => vec![c('y')],
    }
}

impl Default for Keymap {
    fn default() -> Self {
        Keymap {
            keys: ACTIONS.iter().map(|(_, a)| (*a, default_keys(*a))).collect(),
            overridden: Vec::new(),
        }
    }
}

/// Two actions on one key where both apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub key: Chord,
    pub other: UserAction,
    /// Whether `other` has that key from the config or by default.
    pub other_overridden: bool,
    pub place: Place,
}

impl Keymap {
    /// The keys of `action`, in the order written.
    pub fn keys(&self, action: UserAction) -> &[Chord] {
        self.keys
            .iter()
            .find(|(a, _)| *a == action)
            .map_or(&[], |(_, k)| k.as_slice())
    }

    pub fn is_overridden(&self, action: UserAction) -> bool {
        self.overridden.contains(&action)
    }

    /// Replaces the keys of `action` (an empty list unbinds it).
    pub fn bind(&mut self, action: UserAction, keys: Vec<Chord>) {
        let mut unique: Vec<Chord> = Vec::new();
        for k in keys {
            if !unique.contains(&k) {
                unique.push(k);
            }
        }
        if let Some(slot) = self.keys.iter_mut().find(|(a, _)| *a == action) {
            slot.1 = unique;
        }
        if !self.overridden.contains(&action) {
            self.overridden.push(action);
        }
    }

    /// The other actions that share a key with `action` somewhere both apply.
    pub fn conflicts(&self, action: UserAction) -> Vec<Conflict> {
        let mut out = Vec::new();
        for key in self.keys(action) {
            for (other, keys) in &self.keys {
                if *other == action || !keys.contains(key) {
                    continue;
                }
                if let Some(place) = action.scope().meets(other.scope()) {
                    out.push(Conflict {
                        key: *key,
                        other: *other,
                        other_overridden: self.is_overridden(*other),
                        place,
                    });
                }
            }
        }
        out
    }

    /// The action of a key press at `place`; `None` for keys with no
    /// meaning. Ctrl-C always quits.
    pub fn action_for(&self, key: KeyEvent, place: Place) -> Option<UserAction> {
        if key.kind == KeyEventKind::Release {
            return None;
        }
        let chord = Chord::from_event(key);
        if chord == Chord::CTRL_C {
            return Some(UserAction::Quit);
        }
        let mut bound = self.keys.iter().filter(|(_, k)| k.contains(&chord)).map(|(a, _)| *a);
        let first = bound.next()?;
        // A key shared by actions of scopes that never meet: the one that applies here.
        if first.scope().applies(place) {
            return Some(first);
        }
        Some(bound.find(|a| a.scope().applies(place)).unwrap_or(first))
    }

    /// How the keys of `actions` read in the help: `"r"`, `"q Ctrl-Q"`,
    /// `"p / n"` for a row of two actions; `None` when none has a key.
    pub fn label(&self, actions: &[UserAction]) -> Option<String> {
        let groups: Vec<String> = actions
            .iter()
            .map(|a| self.keys(*a).iter().map(Chord::to_string).collect::<Vec<_>>().join(" "))
            .filter(|g| !g.is_empty())
            .collect();
        (!groups.is_empty()).then(|| groups.join(" / "))
    }

    /// The first key of `action` as the help and the bar show it.
    pub fn first(&self, action: UserAction) -> Option<String> {
        self.keys(action).first().map(Chord::to_string)
    }
}

/// One line of the help: the actions it covers and what they do.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub actions: &'static [UserAction],
    /// How the default keys read (compact: `"↑↓ j k"`, `"1-4"`).
    pub keys: &'static str,
    /// The default keys as the status bar shows them (`"↑↓"`).
    pub bar: &'static str,
    pub short: &'static str,
    pub help: &'static str,
    pub scope: Scope,
}

impl Binding {
    /// The keys of this line in the help, with the config's overrides.
    pub fn keys(&self, keymap: &Keymap) -> Option<String> {
        if self.actions.iter().any(|a| keymap.is_overridden(*a)) {
            keymap.label(self.actions)
        } else {
            Some(self.keys.to_owned())
        }
    }

    /// The keys of this line in the status bar: one key per action.
    pub fn bar_keys(&self, keymap: &Keymap) -> Option<String> {
        if !self.actions.iter().any(|a| keymap.is_overridden(*a)) {
            return Some(self.bar.to_owned());
        }
        let firsts: Vec<String> = self.actions.iter().filter_map(|a| keymap.first(*a)).collect();
        (!firsts.is_empty()).then(|| firsts.join("/"))
    }

    pub fn primary(&self) -> UserAction {
        self.actions.first().copied().unwrap_or(UserAction::Help)
    }
}

const fn row(
    actions: &'static [UserAction],
    keys: &'static str,
    bar: &'static str,
    short: &'static str,
    help: &'static str,
    scope: Scope,
) -> Binding {
    Binding {
        actions,
        keys,
        bar,
        short,
        help,
        scope,
    }
}

use UserAction as A;

const BINDINGS: &[Binding] = &[
    row(&[A::Help], "?", "?", "help", "show or hide this help", Scope::Global),
    row(&[A::Quit], "q", "q", "quit", "quit (also Ctrl-C)", Scope::Global),
    row(
        &[A::FocusNext],
        "Tab",
        "Tab",
        "pane",
        "focus the next pane",
        Scope::Global,
    ),
    row(
        &[A::FocusPrev],
        "Shift-Tab",
        "Shift-Tab",
        "prev",
        "focus the previous pane",
        Scope::Global,
    ),
    row(
        &[A::Focus(1), A::Focus(2), A::Focus(3), A::Focus(4)],
        "1-4",
        "1-4",
        "pane",
        "focus pane 1-4",
        Scope::Global,
    ),
    row(
        &[A::Up, A::Down],
        "↑↓ j k",
        "↑↓",
        "select",
        "move the selection",
        Scope::List,
    ),
    row(
        &[A::Top, A::Bottom],
        "g G",
        "g",
        "top/end",
        "first / last row",
        Scope::List,
    ),
    row(
        &[A::Open],
        "Enter",
        "Enter",
        "detail",
        "open the selected item's detail; on a queue's title, fold it",
        Scope::List,
    ),
    row(
        &[A::Zoom],
        "z",
        "z",
        "zoom",
        "zoom the focused pane to full screen, again to restore",
        Scope::Global,
    ),
    row(
        &[A::Back],
        "Esc",
        "Esc",
        "back",
        "close help / detail / zoom",
        Scope::Global,
    ),
    row(
        &[A::Actions],
        "x",
        "x",
        "actions",
        "actions of the selected item (shows the exact request first)",
        Scope::Actionable,
    ),
    row(
        &[A::Filter],
        "/",
        "/",
        "filter",
        "filter campaigns, alerts or queued items (Enter keeps, Esc clears)",
        Scope::List,
    ),
    row(
        &[A::Sort],
        "s",
        "s",
        "sort",
        "cycle the sort of the campaigns or the queued items",
        Scope::Sortable,
    ),
    row(
        &[A::Palette],
        ":",
        ":",
        "palette",
        "command palette: fuzzy search panes, commands, actions",
        Scope::Global,
    ),
    row(
        &[A::Acknowledge],
        "a",
        "a",
        "ack",
        "acknowledge the selected alert (again: un-acknowledge)",
        Scope::Alerts,
    ),
    row(
        &[A::Snooze],
        "s",
        "s",
        "snooze",
        "snooze the selected alert for a while (in the alerts pane)",
        Scope::Alerts,
    ),
    row(
        &[A::OpenLink],
        "o",
        "o",
        "open",
        "link to the record or post in the vendor's web app (OSC 8)",
        Scope::Linkable,
    ),
    row(
        &[A::Copy],
        "y",
        "y",
        "copy id",
        "copy the selected record's id (OSC 52, works over SSH)",
        Scope::Linkable,
    ),
    row(
        &[A::Refresh],
        "r",
        "r",
        "refresh",
        "refresh: poll the focused source now",
        Scope::Global,
    ),
    row(
        &[A::RefreshAll],
        "R",
        "R",
        "all",
        "refresh all: poll every source now",
        Scope::Global,
    ),
];

/// Every line of the help, in help order.
pub fn bindings() -> &'static [Binding] {
    BINDINGS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn every_action_has_a_unique_name_and_round_trips() {
        for (name, action) in ACTIONS {
            assert_eq!(UserAction::from_name(name), Some(action));
            assert_eq!(action.name(), name);
        }
        let from_toml: UserAction = serde_json::from_str("\"focus_3\"").expect("deserializes");
        assert_eq!(from_toml, UserAction::Focus(3));
        assert!(serde_json::from_str::<UserAction>("\"refesh\"").is_err());
    }

    #[test]
    fn every_action_is_on_some_help_line() {
        for (name, action) in ACTIONS {
            assert!(
                BINDINGS.iter().any(|b| b.actions.contains(&action)),
                "{name} is missing from the help"
            );
        }
    }

    #[test]
    fn key_names_parse() {
        let ok = [
            ("q", KeyCode::Char('q'), KeyModifiers::NONE),
            ("G", KeyCode::Char('G'), KeyModifiers::NONE),
            ("F5", KeyCode::F(5), KeyModifiers::NONE),
            ("f12", KeyCode::F(12), KeyModifiers::NONE),
            ("ctrl-q", KeyCode::Char('q'), KeyModifiers::CONTROL),
            ("Ctrl-Q", KeyCode::Char('q'), KeyModifiers::CONTROL),
            ("alt-x", KeyCode::Char('x'), KeyModifiers::ALT),
            ("shift-tab", KeyCode::BackTab, KeyModifiers::NONE),
            ("backtab", KeyCode::BackTab, KeyModifiers::NONE),
            ("shift-g", KeyCode::Char('G'), KeyModifiers::NONE),
            ("space", KeyCode::Char(' '), KeyModifiers::NONE),
            ("pgdn", KeyCode::PageDown, KeyModifiers::NONE),
            ("PageUp", KeyCode::PageUp, KeyModifiers::NONE),
            ("-", KeyCode::Char('-'), KeyModifiers::NONE),
            ("ctrl--", KeyCode::Char('-'), KeyModifiers::CONTROL),
            ("shift-up", KeyCode::Up, KeyModifiers::SHIFT),
            ("delete", KeyCode::Delete, KeyModifiers::NONE),
        ];
        for (text, code, mods) in ok {
            assert_eq!(Chord::parse(text), Ok(Chord { code, mods }), "{text}");
        }
        assert_eq!(Chord::parse(""), Err(KeyError::Empty));
        assert_eq!(Chord::parse("f13"), Err(KeyError::UnknownName("f13".into())));
        assert_eq!(Chord::parse("ctrl-"), Err(KeyError::UnknownName("ctrl-".into())));
        assert_eq!(Chord::parse("shift-1"), Err(KeyError::ShiftChar('1')));
        assert_eq!(Chord::parse("entr"), Err(KeyError::UnknownName("entr".into())));
    }

    #[test]
    fn chords_read_back_as_written_in_the_help() {
        for (text, shown) in [
            ("ctrl-q", "Ctrl-Q"),
            ("F5", "F5"),
            ("shift-tab", "Shift-Tab"),
            ("space", "Space"),
        ] {
            let chord = Chord::parse(text).expect("parses");
            let shown_lower = chord.to_string().to_lowercase();
            assert_eq!(shown_lower, shown.to_lowercase(), "{text}");
        }
    }

    #[test]
    fn the_defaults_dispatch_as_they_always_did() {
        let map = Keymap::default();
        let health = Place::Grid(Pane::Health);
        let cases = [
            (key(KeyCode::Char('q'), KeyModifiers::NONE), Some(UserAction::Quit)),
            (key(KeyCode::Char('c'), KeyModifiers::CONTROL), Some(UserAction::Quit)),
            (key(KeyCode::Char('r'), KeyModifiers::CONTROL), None),
            (key(KeyCode::Char('G'), KeyModifiers::SHIFT), Some(UserAction::Bottom)),
            (key(KeyCode::BackTab, KeyModifiers::SHIFT), Some(UserAction::FocusPrev)),
            (key(KeyCode::Char('3'), KeyModifiers::NONE), Some(UserAction::Focus(3))),
            (key(KeyCode::Char('k'), KeyModifiers::NONE), Some(UserAction::Up)),
            (key(KeyCode::Char('w'), KeyModifiers::NONE), None),
        ];
        for (k, want) in cases {
            assert_eq!(map.action_for(k, health), want, "{k:?}");
        }
        let s = key(KeyCode::Char('s'), KeyModifiers::NONE);
        assert_eq!(map.action_for(s, Place::Grid(Pane::Alerts)), Some(UserAction::Snooze));
        assert_eq!(map.action_for(s, Place::AlertDetail), Some(UserAction::Snooze));
        assert_eq!(map.action_for(s, Place::Grid(Pane::Tasks)), Some(UserAction::Sort));
        assert!(Keymap::default().overridden.is_empty());
        for (action, _) in ACTIONS.iter().map(|(n, a)| (*a, n)) {
            assert!(
                Keymap::default().conflicts(action).is_empty(),
                "{action} conflicts by default"
            );
        }
    }

    #[test]
    fn an_override_replaces_the_defaults_and_ctrl_c_still_quits() {
        let mut map = Keymap::default();
        map.bind(UserAction::Quit, vec![Chord::parse("ctrl-q").expect("parses")]);
        let place = Place::Grid(Pane::Health);
        assert_eq!(map.action_for(key(KeyCode::Char('q'), KeyModifiers::NONE), place), None);
        assert_eq!(
            map.action_for(key(KeyCode::Char('q'), KeyModifiers::CONTROL), place),
            Some(UserAction::Quit)
        );
        assert_eq!(
            map.action_for(key(KeyCode::Char('c'), KeyModifiers::CONTROL), place),
            Some(UserAction::Quit)
        );
        assert_eq!(BINDINGS[1].keys(&map).as_deref(), Some("Ctrl-Q"));
    }

    #[test]
    fn conflicts_name_the_other_action_only_where_scopes_meet() {
        let mut map = Keymap::default();
        map.bind(UserAction::Refresh, vec![Chord::parse("x").expect("parses")]);
        let found = map.conflicts(UserAction::Refresh);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].other, UserAction::Actions);
        assert!(!found[0].other_overridden);

        // Acknowledge (alerts) and sort (pipeline, tasks) never meet.
        let mut apart = Keymap::default();
        apart.bind(UserAction::Acknowledge, vec![Chord::parse("s").expect("parses")]);
        assert!(
            apart
                .conflicts(UserAction::Acknowledge)
                .iter()
                .all(|c| c.other == UserAction::Snooze)
        );
    }

    #[test]
    fn labels_follow_the_overrides() {
        let mut map = Keymap::default();
        let rows = bindings();
        let select = rows.iter().find(|b| b.actions.contains(&UserAction::Up)).expect("row");
        assert_eq!(select.keys(&map).as_deref(), Some("↑↓ j k"));
        map.bind(UserAction::Up, vec![Chord::parse("p").expect("parses")]);
        map.bind(
            UserAction::Down,
            vec![Chord::parse("n").expect("parses"), Chord::plain(KeyCode::Down)],
        );
        assert_eq!(select.keys(&map).as_deref(), Some("p / n ↓"));
        assert_eq!(select.bar_keys(&map).as_deref(), Some("p/n"));
        map.bind(UserAction::Up, Vec::new());
        map.bind(UserAction::Down, Vec::new());
        assert_eq!(select.keys(&map), None);
    }
}
