//! `[ui]` (theme, colours) and `[keys]` (keybinding overrides).

use toml::de::DeValue;

use super::{Entry, Validator, Value, backticked, entries, found};
use crate::app::keymap::{ACTIONS, Chord, KEY_NAMES, KeyError, Place, UserAction};
use crate::app::model::Pane;
use crate::config::UiConfig;
use crate::config::schema;
use crate::ui::theme::{ColorMode, ThemeName};

const UI_KEYS: &[&str] = &["theme", "colors"];

/// Actions that must keep a key: without them nobody can leave or learn the rest.
const KEEP_A_KEY: [(UserAction, &str); 2] = [
    (
        UserAction::Quit,
        "quit must keep a key (Ctrl-C also quits, but a person should not have to know that)",
    ),
    (
        UserAction::Help,
        "help must keep a key: it is how anyone finds the others",
    ),
];

/// One `[keys]` entry as read: the action, its keys with where each was written.
struct Override {
    action: UserAction,
    field: String,
    keys: Vec<(Chord, usize)>,
}

impl Validator<'_> {
    pub(super) fn ui(&mut self, value: &Value<'_>, ui: &mut UiConfig) {
        let DeValue::Table(table) = value.get_ref() else {
            self.push(
                value.span().start,
                "ui",
                format!("expected a [ui] table, found {}", found(value.get_ref())),
            );
            return;
        };
        for e in entries(table) {
            let field = format!("ui.{}", e.key);
            match e.key {
                "theme" => {
                    let names = ThemeName::ALL.map(ThemeName::key);
                    if let Some(i) = self.choice(&field, e.value, &names) {
                        ui.theme = ThemeName::ALL[i];
                    }
                }
                "colors" => {
                    let names = ColorMode::ALL.map(ColorMode::key);
                    if let Some(i) = self.choice(&field, e.value, &names) {
                        ui.colors = ColorMode::ALL[i];
                    }
                }
                _ => self.unknown_key(&e, field, UI_KEYS, "[ui]"),
            }
        }
    }

    /// One of `names`, as a string (or, for `colors = 256`, a bare number).
    fn choice(&mut self, field: &str, value: &Value<'_>, names: &[&str]) -> Option<usize> {
        let message = match value.get_ref() {
            DeValue::String(text) => {
                let lower = text.to_lowercase();
                if let Some(i) = names.iter().position(|n| *n == lower) {
                    return Some(i);
                }
                let hint = schema::closest(&lower, names)
                    .map(|near| format!("did you mean `{near}`? "))
                    .unwrap_or_default();
                format!("unknown value {text:?}; {hint}{field} is one of {}", backticked(names))
            }
            DeValue::Integer(i) => {
                if let Some(at) = names.iter().position(|n| *n == i.as_str()) {
                    return Some(at);
                }
                format!("expected one of {}, found integer {}", backticked(names), i.as_str())
            }
            other => format!("expected one of {}, found {}", backticked(names), found(other)),
        };
        self.push(value.span().start, field, message);
        None
    }

    pub(super) fn keys(&mut self, value: &Value<'_>, ui: &mut UiConfig) {
        let DeValue::Table(table) = value.get_ref() else {
            self.push(
                value.span().start,
                "keys",
                format!(
                    "expected a [keys] table of action = \"key\" lines, found {}",
                    found(value.get_ref())
                ),
            );
            return;
        };
        let mut overrides: Vec<Override> = Vec::new();
        for e in entries(table) {
            let field = format!("keys.{}", e.key);
            let Some(action) = UserAction::from_name(e.key) else {
                self.unknown_action(&e, field);
                continue;
            };
            let Some(keys) = self.key_list(&field, e.value) else {
                continue;
            };
            if keys.is_empty()
                && let Some((_, why)) = KEEP_A_KEY.iter().find(|(a, _)| *a == action)
            {
                self.push(e.value.span().start, field, *why);
                continue;
            }
            ui.keymap.bind(action, keys.iter().map(|(k, _)| *k).collect());
            overrides.push(Override { action, field, keys });
        }
        self.conflicts(&overrides, ui);
    }

    fn unknown_action(&mut self, e: &Entry<'_, '_>, field: String) {
        let names = ACTIONS.map(|(n, _)| n);
        let normal = e.key.to_lowercase().replace('-', "_");
        let message = if e.key == "focus" || normal.starts_with("focus_") {
            format!("unknown action `{}`; name the pane: `focus_1` to `focus_4`", e.key)
        } else if let Some(near) = UserAction::from_name(&normal)
            .map(UserAction::name)
            .or_else(|| schema::closest(&normal, &names))
        {
            format!("unknown action `{}`; did you mean `{near}`?", e.key)
        } else {
            format!("unknown action `{}`; the actions are {}", e.key, backticked(&names))
        };
        self.push(e.key_span.start, field, message);
    }

    /// `"F5"` or `["q", "ctrl-q"]`, each key with where it was written.
    fn key_list(&mut self, field: &str, value: &Value<'_>) -> Option<Vec<(Chord, usize)>> {
        match value.get_ref() {
            DeValue::String(text) => Some(vec![(self.key(field, text, value.span().start)?, value.span().start)]),
            DeValue::Array(items) => {
                let mut keys = Vec::new();
                let mut ok = true;
                for item in items {
                    let at = item.span().start;
                    match item.get_ref() {
                        DeValue::String(text) => match self.key(field, text, at) {
                            Some(k) => keys.push((k, at)),
                            None => ok = false,
                        },
                        other => {
                            self.push(
                                at,
                                field,
                                format!("expected a key name like \"F5\", found {}", found(other)),
                            );
                            ok = false;
                        }
                    }
                }
                ok.then_some(keys)
            }
            other => {
                self.push(
                    value.span().start,
                    field,
                    format!(
                        "expected a key like \"F5\" or a list of keys like [\"q\", \"ctrl-q\"], found {}",
                        found(other)
                    ),
                );
                None
            }
        }
    }

    fn key(&mut self, field: &str, text: &str, at: usize) -> Option<Chord> {
        let message = match Chord::parse(text) {
            Ok(chord) if chord == Chord::CTRL_C => {
                "ctrl-c always quits and cannot be bound to anything else".to_owned()
            }
            Ok(chord) => return Some(chord),
            Err(KeyError::UnknownName(name)) => {
                // The part after any ctrl-/alt-/shift- is what was misspelled.
                let base = name.rsplit_once('-').map_or(name.as_str(), |(_, b)| b);
                let hint = schema::closest(base, KEY_NAMES)
                    .map(|near| format!("did you mean `{near}`? "))
                    .unwrap_or_default();
                format!("{text:?} is not a key; {hint}{KEY_SYNTAX}")
            }
            Err(e) => format!("{text:?}: {e}; {KEY_SYNTAX}"),
        };
        self.push(at, field, message);
        None
    }

    /// A key of an override that another action also has where both apply.
    /// Reported once, at the entry that comes later in the file.
    fn conflicts(&mut self, overrides: &[Override], ui: &UiConfig) {
        for (index, o) in overrides.iter().enumerate() {
            for c in ui.keymap.conflicts(o.action) {
                let earlier = overrides[..index].iter().any(|p| p.action == c.other);
                let later = overrides[index + 1..].iter().any(|p| p.action == c.other);
                if later || (c.other_overridden && !earlier) {
                    continue;
                }
                let at = o.keys.iter().find(|(k, _)| *k == c.key).map_or(0, |(_, at)| *at);
                let whose = if earlier {
                    format!("`{}` is bound to it above", c.other)
                } else {
                    format!("it is `{}`'s default key", c.other)
                };
                let message = format!(
                    "key `{}` is bound twice: {whose}, and both apply in {}; give one of them another key",
                    c.key,
                    place_name(c.place)
                );
                self.push(at, o.field.clone(), message);
            }
        }
    }
}

const KEY_SYNTAX: &str = "a key is a single character, ctrl-x, alt-x, shift-tab, f1-f12, or one of enter, esc, tab, backtab, space, up, down, left, right, home, end, pgup, pgdn, backspace, delete";

fn place_name(place: Place) -> String {
    match place {
        Place::Grid(pane) => format!("the {} pane", pane_name(pane)),
        Place::SourceDetail => "a source's detail".to_owned(),
        Place::CampaignDetail => "a campaign's detail".to_owned(),
        Place::AlertDetail => "an alert's detail".to_owned(),
        Place::PostDetail => "a post's detail".to_owned(),
        Place::TaskDetail => "a task's detail".to_owned(),
        Place::FailedDetail => "a failed action's detail".to_owned(),
    }
}

fn pane_name(pane: Pane) -> String {
    pane.title().to_lowercase()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crossterm::event::KeyCode;

    use crate::app::keymap::{Chord, UserAction};
    use crate::config::validate::parse_config;
    use crate::config::{Config, Problem};
    use crate::ui::theme::{ColorMode, ThemeName};

    fn parse(text: &str) -> Config {
        parse_config(Path::new("/etc/mops.toml"), text, None).expect("valid")
    }

    fn problems(text: &str) -> Vec<Problem> {
        parse_config(Path::new("/etc/mops.toml"), text, None)
            .unwrap_err()
            .problems()
            .to_vec()
    }

    fn key(text: &str) -> Chord {
        Chord::parse(text).expect("parses")
    }

    #[test]
    fn theme_colours_and_overrides_load() {
        let config = parse(
            "[ui]\ntheme = \"light\"\ncolors = \"16\"\n\n[keys]\nrefresh = \"F5\"\nquit = [\"q\", \"ctrl-q\"]\nfocus_2 = \"F2\"\nrefresh_all = []\n",
        );
        let ui = &config.ui;
        assert_eq!((ui.theme, ui.colors), (ThemeName::Light, ColorMode::Ansi16));
        assert_eq!(ui.keymap.keys(UserAction::Refresh), [Chord::plain(KeyCode::F(5))]);
        assert_eq!(ui.keymap.keys(UserAction::Quit), [key("q"), key("ctrl-q")]);
        assert_eq!(ui.keymap.keys(UserAction::Focus(2)), [key("F2")]);
        assert!(ui.keymap.keys(UserAction::RefreshAll).is_empty());
        // Untouched actions keep their defaults.
        assert_eq!(ui.keymap.keys(UserAction::Help), [key("?")]);

        let every_theme = ["default", "light", "high-contrast", "mono"];
        for (name, want) in every_theme.into_iter().zip(ThemeName::ALL) {
            assert_eq!(parse(&format!("[ui]\ntheme = \"{name}\"\n")).ui.theme, want);
        }
        assert_eq!(parse("[ui]\ncolors = 256\n").ui.colors, ColorMode::Ansi256);
        assert_eq!(parse("[ui]\ncolors = \"none\"\n").ui.colors, ColorMode::None);
        assert_eq!(parse("").ui, crate::config::UiConfig::default());
    }

    #[test]
    fn swapping_two_keys_is_no_conflict() {
        let config = parse("[keys]\nsort = \"x\"\nactions = \"s\"\n");
        assert_eq!(config.ui.keymap.keys(UserAction::Actions), [key("s")]);
    }

    #[test]
    fn each_mistake_names_its_line_and_field() {
        let cases: &[(&str, usize, &str, &str)] = &[
            (
                "[keys]\nrefesh = \"F5\"\n",
                2,
                "keys.refesh",
                "unknown action `refesh`; did you mean `refresh`?",
            ),
            (
                "[keys]\nrefresh-all = \"F6\"\n",
                2,
                "keys.refresh-all",
                "did you mean `refresh_all`?",
            ),
            ("[keys]\nfocus = \"F1\"\n", 2, "keys.focus", "`focus_1` to `focus_4`"),
            (
                "[keys]\nlaunch = \"l\"\n",
                2,
                "keys.launch",
                "the actions are `help`, `quit`",
            ),
            (
                "[keys]\nopen = \"entr\"\n",
                2,
                "keys.open",
                "\"entr\" is not a key; did you mean `enter`?",
            ),
            ("[keys]\nrefresh = \"ctrl-f55\"\n", 2, "keys.refresh", "is not a key;"),
            (
                "[keys]\nrefresh = \"shift-1\"\n",
                2,
                "keys.refresh",
                "write the character",
            ),
            ("[keys]\nrefresh = \"\"\n", 2, "keys.refresh", "empty key name"),
            ("[keys]\nrefresh = 5\n", 2, "keys.refresh", "found integer 5"),
            ("[keys]\nquit = [\"q\", 7]\n", 2, "keys.quit", "found integer 7"),
            (
                "[keys]\nrefresh = \"ctrl-c\"\n",
                2,
                "keys.refresh",
                "ctrl-c always quits",
            ),
            ("[keys]\nquit = []\n", 2, "keys.quit", "quit must keep a key"),
            ("[keys]\nhelp = []\n", 2, "keys.help", "help must keep a key"),
            (
                "[keys]\n\nrefresh = \"x\"\n",
                3,
                "keys.refresh",
                "key `x` is bound twice: it is `actions`'s default key, and both apply in the campaign pipeline pane",
            ),
            (
                "[keys]\nzoom = \"w\"\nrefresh = [\"r\", \"w\"]\n",
                3,
                "keys.refresh",
                "key `w` is bound twice: `zoom` is bound to it above",
            ),
            (
                "[keys]\nacknowledge = \"s\"\n",
                2,
                "keys.acknowledge",
                "`snooze`'s default key, and both apply in the data-quality alerts pane",
            ),
            ("keys = 3\n", 1, "keys", "expected a [keys] table"),
            ("[ui]\ntheme = \"ligt\"\n", 2, "ui.theme", "did you mean `light`?"),
            (
                "[ui]\ntheme = \"dark\"\n",
                2,
                "ui.theme",
                "ui.theme is one of `default`, `light`, `high-contrast`, `mono`",
            ),
            ("[ui]\ncolors = 88\n", 2, "ui.colors", "found integer 88"),
            ("[ui]\ncolors = true\n", 2, "ui.colors", "found boolean true"),
            ("[ui]\ncolours = \"16\"\n", 2, "ui.colours", "did you mean `colors`?"),
            ("[ui]\nfont = \"x\"\n", 2, "ui.font", "[ui] accepts `theme`, `colors`"),
            ("ui = \"light\"\n", 1, "ui", "expected a [ui] table"),
        ];
        for (text, line, field, fragment) in cases {
            let found = problems(text);
            assert_eq!(found.len(), 1, "{text}: {found:#?}");
            assert_eq!((found[0].line, found[0].field.as_str()), (*line, *field), "{text}");
            assert!(found[0].message.contains(fragment), "{text}: {}", found[0].message);
        }
    }

    #[test]
    fn a_conflict_inside_a_list_points_at_that_key() {
        let found = problems("[keys]\nrefresh = [\"F5\", \"a\"]\n");
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!((found[0].line, found[0].column), (2, 18));
    }
}
