//! Keybinding overrides from the config, themes, NO_COLOR and the 16-colour
//! fallback: in `update`, on a drawn screen, and in the bytes the real
//! binary writes to a pseudo-terminal.

mod common;

use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use mops::app::{Command, Model, Msg, Screen, update};
use mops::ui::theme::{Depth, ThemeName};
use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;

fn config(text: &str) -> mops::config::Config {
    mops::config::parse(text, Path::new("/etc/mops/mops.toml")).expect("a valid config")
}

/// The model as the cockpit sets it up from `text`'s `[ui]` and `[keys]`.
fn with_config(mut model: Model, text: &str, depth: Depth) -> Model {
    mops::ui::theme::apply(&mut model, &config(text).ui, depth);
    model
}

fn press_with(model: &mut Model, code: KeyCode, mods: KeyModifiers) -> Vec<Command> {
    update(model, Msg::Key(KeyEvent::new(code, mods)))
}

fn press(model: &mut Model, code: KeyCode) -> Vec<Command> {
    press_with(model, code, KeyModifiers::NONE)
}

fn buffer(model: &Model, width: u16, height: u16) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test backend");
    terminal.draw(|f| mops::ui::view(model, f)).expect("draw");
    terminal.backend().buffer().clone()
}

fn text(model: &Model, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test backend");
    terminal.draw(|f| mops::ui::view(model, f)).expect("draw");
    terminal.backend().to_string()
}

/// Whether the help shows `keys` in its key column beside `what`.
fn has_row(screen: &str, keys: &str, what: &str) -> bool {
    screen.lines().any(|line| {
        line.split_once(&format!("│ {keys} "))
            .is_some_and(|(_, rest)| rest.trim_start().starts_with(what))
    })
}

const OVERRIDES: &str = "[keys]\nrefresh = \"F5\"\nzoom = \"Z\"\nquit = [\"ctrl-q\"]\nfocus_3 = \"F3\"\n";

mod overrides {
    use super::*;

    #[test]
    fn an_override_changes_what_the_keys_do() {
        let mut model = with_config(common::healthy_model(), OVERRIDES, Depth::Ansi16);

        // The old keys are free now.
        assert!(press(&mut model, KeyCode::Char('r')).is_empty());
        press(&mut model, KeyCode::Char('z'));
        assert!(!model.zoomed, "z no longer zooms");
        assert!(press(&mut model, KeyCode::Char('q')).is_empty());
        assert!(!model.quitting, "q no longer quits");

        // The new ones do the work.
        assert_eq!(press(&mut model, KeyCode::F(5)), [Command::Poll(0)]);
        press_with(&mut model, KeyCode::Char('Z'), KeyModifiers::SHIFT);
        assert!(model.zoomed, "Shift-Z zooms");
        press(&mut model, KeyCode::F(3));
        assert_eq!(model.focus, mops::app::Pane::Alerts);
        assert_eq!(
            press_with(&mut model, KeyCode::Char('q'), KeyModifiers::CONTROL),
            [Command::Quit]
        );
    }

    #[test]
    fn ctrl_c_quits_whatever_the_config_says() {
        let mut model = with_config(common::healthy_model(), OVERRIDES, Depth::Ansi16);
        assert_eq!(
            press_with(&mut model, KeyCode::Char('c'), KeyModifiers::CONTROL),
            [Command::Quit]
        );
    }

    #[test]
    fn the_help_and_the_status_bar_show_the_effective_keys() {
        let mut model = with_config(common::healthy_model(), OVERRIDES, Depth::Ansi16);
        let bar = text(&model, 160, 48);
        let last = bar.lines().last().expect("a status bar");
        assert!(last.contains("F5 refresh"), "{last}");
        assert!(last.contains("Ctrl-Q quit"), "{last}");
        assert!(!last.contains(" r refresh") && !last.contains(" q quit"), "{last}");

        press(&mut model, KeyCode::Char('?'));
        let help = text(&model, 160, 48);
        for (keys, what) in [
            ("F5", "refresh: poll the focused source now"),
            ("Z", "zoom the focused pane"),
            ("Ctrl-Q", "quit (also Ctrl-C)"),
            ("1 / 2 / F3 / 4", "focus pane 1-4"),
            ("?", "show or hide this help"),
        ] {
            assert!(has_row(&help, keys, what), "help lacks {keys} {what}:\n{help}");
        }
        assert!(
            !has_row(&help, "r", "refresh: poll"),
            "the old refresh key is gone:\n{help}"
        );
        // The keys that close it are the effective ones too.
        let mut closing = model.clone();
        press_with(&mut closing, KeyCode::Char('q'), KeyModifiers::CONTROL);
        assert!(closing.quitting, "Ctrl-Q quits from the help");
    }

    #[test]
    fn a_shared_key_does_what_applies_where_the_focus_is() {
        // Sort and snooze share `s` by default; give acknowledge `s` in the
        // alerts only after moving snooze away.
        let mut model = with_config(
            common::alerts_model(),
            "[keys]\nsnooze = \"Z\"\nacknowledge = \"s\"\n",
            Depth::Ansi16,
        );
        let commands = press(&mut model, KeyCode::Char('s'));
        assert!(
            commands.iter().any(|c| matches!(c, Command::SaveAlertState { .. })),
            "s acknowledges in the alerts pane: {commands:?}"
        );
        press_with(&mut model, KeyCode::Char('Z'), KeyModifiers::SHIFT);
        assert!(
            matches!(model.overlay, Some(mops::app::model::Overlay::Snooze { .. })),
            "Z snoozes"
        );
    }

    /// Loads `tests/invalid_ui/{name}` and asserts the one problem is at
    /// `line:column` for `field`, with `fragment` in its message.
    fn expect_problem(name: &str, line: usize, column: usize, field: &str, fragment: &str) {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/invalid_ui")
            .join(name);
        let err = mops::config::load(&path).expect_err(name).to_string();
        let location = format!("{}:{line}:{column}: {field}: ", path.display());
        let Some(problem) = err.lines().find(|l| l.starts_with(&location)) else {
            panic!("{name}: no problem at {line}:{column} for {field}:\n{err}");
        };
        assert!(problem.contains(fragment), "{name}: {fragment:?} missing in {problem}");
    }

    #[test]
    fn an_unknown_action_suggests_the_nearest() {
        expect_problem(
            "keys_unknown_action.toml",
            6,
            1,
            "keys.refesh",
            "did you mean `refresh`?",
        );
    }

    #[test]
    fn an_unreadable_key_is_pointed_at_in_its_list() {
        expect_problem(
            "keys_bad_key.toml",
            3,
            18,
            "keys.open",
            "\"entr\" is not a key; did you mean `enter`?",
        );
    }

    #[test]
    fn a_key_of_two_actions_in_one_place_names_the_other() {
        expect_problem(
            "keys_conflict.toml",
            8,
            11,
            "keys.refresh",
            "key `x` is bound twice: it is `actions`'s default key, and both apply in the campaign pipeline pane",
        );
    }

    #[test]
    fn quit_cannot_lose_every_key() {
        expect_problem("keys_unbind_quit.toml", 3, 8, "keys.quit", "quit must keep a key");
    }

    #[test]
    fn a_misspelt_theme_suggests_the_nearest() {
        expect_problem("ui_bad_theme.toml", 3, 9, "ui.theme", "did you mean `light`?");
    }

    #[test]
    fn every_corpus_file_has_a_test() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/invalid_ui");
        let this = include_str!("keys_themes.rs");
        for entry in std::fs::read_dir(&dir).expect("corpus folder") {
            let name = entry.expect("corpus entry").file_name().to_string_lossy().into_owned();
            assert!(this.contains(&format!("\"{name}\"")), "{name} has no test");
        }
    }
}

/// Every screen a person sees, drawn from the fixture models.
fn screens() -> Vec<(&'static str, Model)> {
    let mut out = Vec::new();
    out.push(("grid", common::healthy_model()));
    let mut down = common::hubspot_down_model();
    out.push(("grid, one source down", down.clone()));
    press(&mut down, KeyCode::Down);
    press(&mut down, KeyCode::Enter);
    assert!(matches!(down.screen, Screen::SourceDetail(_)));
    out.push(("source detail", down));
    let mut pipeline = common::pipeline_model();
    out.push(("pipeline", pipeline.clone()));
    press(&mut pipeline, KeyCode::Enter);
    assert!(matches!(pipeline.screen, Screen::CampaignDetail { .. }));
    out.push(("campaign detail", pipeline));
    let mut alerts = common::alerts_model();
    out.push(("alerts", alerts.clone()));
    press(&mut alerts, KeyCode::Enter);
    assert!(matches!(alerts.screen, Screen::AlertDetail { .. }));
    out.push(("alert detail", alerts));
    let mut tasks = common::tasks_model();
    press(&mut tasks, KeyCode::Char('4'));
    out.push(("tasks", tasks.clone()));
    let mut post = tasks.clone();
    press(&mut post, KeyCode::Down);
    press(&mut post, KeyCode::Enter);
    assert!(matches!(post.screen, Screen::PostDetail { .. }));
    out.push(("post detail", post));
    press(&mut tasks, KeyCode::Char('G'));
    press(&mut tasks, KeyCode::Enter);
    assert!(matches!(tasks.screen, Screen::FailedDetail { .. }));
    out.push(("failed detail", tasks));
    let mut help = common::hubspot_down_model();
    press(&mut help, KeyCode::Char('?'));
    out.push(("help", help));
    let mut readonly = common::hubspot_down_model();
    readonly.readonly = true;
    out.push(("read-only badge", readonly));
    out
}

fn painted(buffer: &Buffer) -> Vec<(Color, Color)> {
    buffer
        .content()
        .iter()
        .filter(|c| c.fg != Color::Reset || c.bg != Color::Reset)
        .map(|c| (c.fg, c.bg))
        .collect()
}

mod colours {
    use super::*;

    #[test]
    fn no_color_draws_every_screen_without_a_colour_in_any_theme() {
        for (name, model) in screens() {
            for theme in ThemeName::ALL {
                let mut plain = model.clone();
                plain.theme = theme;
                plain.depth = Depth::Truecolor;
                // What NO_COLOR does today (model.color) and what `colors = "none"` does.
                plain.color = false;
                for (w, h) in [(80, 24), (160, 48)] {
                    let cells = painted(&buffer(&plain, w, h));
                    assert!(
                        cells.is_empty(),
                        "{name}, {theme:?}, {w}x{h}: {:?}",
                        &cells[..3.min(cells.len())]
                    );
                }
                plain.color = true;
                plain.depth = Depth::None;
                assert!(
                    painted(&buffer(&plain, 160, 48)).is_empty(),
                    "{name}, {theme:?}, depth none"
                );
            }
        }
    }

    #[test]
    fn colour_never_carries_words() {
        for (name, model) in screens() {
            let reference = text(&model, 80, 24);
            for theme in ThemeName::ALL {
                for depth in [Depth::None, Depth::Ansi16, Depth::Ansi256, Depth::Truecolor] {
                    let mut m = model.clone();
                    m.theme = theme;
                    m.depth = depth;
                    assert_eq!(text(&m, 80, 24), reference, "{name}, {theme:?}, {depth:?}");
                }
            }
        }
    }

    #[test]
    fn sixteen_colours_stay_readable() {
        for (name, model) in screens() {
            for theme in [ThemeName::Default, ThemeName::Light, ThemeName::HighContrast] {
                let mut m = model.clone();
                m.theme = theme;
                m.depth = Depth::Ansi16;
                let cells = painted(&buffer(&m, 160, 48));
                assert!(!cells.is_empty(), "{name}, {theme:?}: some colour is drawn");
                for (fg, bg) in cells {
                    assert!(
                        ![fg, bg].iter().any(|c| matches!(c, Color::Indexed(_) | Color::Rgb(..))),
                        "{name}, {theme:?}: {fg:?} on {bg:?} is not one of the 16"
                    );
                    let on_terminal_background = bg == Color::Reset;
                    assert!(
                        !(on_terminal_background && fg == Color::DarkGray),
                        "{name}, {theme:?}: dark grey text"
                    );
                    if theme != ThemeName::Light {
                        assert!(
                            !(on_terminal_background && fg == Color::Blue),
                            "{name}, {theme:?}: blue text on a dark background"
                        );
                    } else {
                        assert!(
                            !(on_terminal_background
                                && matches!(fg, Color::Yellow | Color::LightYellow | Color::White | Color::Cyan)),
                            "{name}: {fg:?} text on a light background"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn richer_terminals_get_their_palettes() {
        let mut m = common::hubspot_down_model();
        m.depth = Depth::Ansi256;
        let cells = painted(&buffer(&m, 160, 48));
        assert!(
            cells
                .iter()
                .any(|(f, b)| matches!(f, Color::Indexed(_)) || matches!(b, Color::Indexed(_)))
        );
        m.depth = Depth::Truecolor;
        let cells = painted(&buffer(&m, 160, 48));
        assert!(
            cells
                .iter()
                .any(|(f, b)| matches!(f, Color::Rgb(..)) || matches!(b, Color::Rgb(..)))
        );
        assert!(
            !cells
                .iter()
                .any(|(f, b)| matches!(f, Color::Indexed(_)) || matches!(b, Color::Indexed(_)))
        );
    }
}

mod small_terminal {
    use super::*;

    #[test]
    fn help_at_80x24_scrolls_by_keys_and_says_how() {
        let mut model = common::healthy_model();
        model.size = (80, 24);
        press(&mut model, KeyCode::Char('?'));
        let first = text(&model, 80, 24);
        assert!(first.contains("↓ 7 more"), "{first}");
        assert!(first.contains("↑↓ PgUp PgDn scroll · Esc or ? to close"), "{first}");
        assert!(first.lines().last().unwrap_or("").contains("↑↓ scroll"), "{first}");
        assert!(
            !first.contains("RATE-LIMITED"),
            "the legend is below the fold:\n{first}"
        );

        press(&mut model, KeyCode::PageDown);
        let end = text(&model, 80, 24);
        assert!(end.contains("RATE-LIMITED"), "PgDn reaches the legend:\n{end}");
        assert!(end.contains("↑ 7 more"), "{end}");
        assert!(!end.contains("more ─"), "nothing below:\n{end}");
        // Past the end it stays at the end, and one step up moves at once.
        press(&mut model, KeyCode::Down);
        press(&mut model, KeyCode::Up);
        assert!(text(&model, 80, 24).contains("↑ 6 more"));
        press(&mut model, KeyCode::Home);
        assert_eq!(text(&model, 80, 24), first);
        press(&mut model, KeyCode::Esc);
        assert!(model.overlay.is_none());
        // Opened again, it starts at the top.
        press(&mut model, KeyCode::End);
        press(&mut model, KeyCode::Char('?'));
        assert_eq!(text(&model, 80, 24), first);
    }

    #[test]
    fn every_help_line_can_be_reached_at_80x24() {
        let mut model = common::healthy_model();
        model.size = (80, 24);
        press(&mut model, KeyCode::Char('?'));
        let mut seen = String::new();
        for _ in 0..40 {
            seen.push_str(&text(&model, 80, 24));
            press(&mut model, KeyCode::Char('j'));
        }
        for b in mops::app::bindings() {
            assert!(seen.contains(b.help), "{} is never shown", b.help);
        }
        assert!(seen.contains("no poll has finished for too long"));
    }

    #[test]
    fn help_that_fits_does_not_scroll() {
        let mut model = common::healthy_model();
        model.size = (160, 48);
        press(&mut model, KeyCode::Char('?'));
        let screen = text(&model, 160, 48);
        assert!(screen.contains("RATE-LIMITED"), "{screen}");
        assert!(!screen.contains("scroll"), "{screen}");
    }
}

/// The real binary in a pseudo-terminal: every byte it writes, and the screen.
struct Pty {
    raw: Arc<Mutex<(Vec<u8>, vt100::Parser)>>,
    _master: Box<dyn MasterPty + Send>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    reader: Option<std::thread::JoinHandle<()>>,
}

const COLS: u16 = 160;
const ROWS: u16 = 48;

impl Pty {
    fn spawn(args: &[&str], env: &[(&str, &str)], home: &Path) -> Pty {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("openpty");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_mops"));
        cmd.args(args);
        for key in ["NO_COLOR", "COLORTERM", "MOPS_CONFIG", "RUST_BACKTRACE"] {
            cmd.env_remove(key);
        }
        cmd.env("HOME", home);
        cmd.env("TMPDIR", home);
        cmd.env("XDG_STATE_HOME", home.join("state"));
        cmd.env("XDG_DATA_HOME", home.join("data"));
        cmd.env("XDG_CONFIG_HOME", home.join("config"));
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pty.slave.spawn_command(cmd).expect("spawn mops");
        drop(pty.slave);
        let mut reader = pty.master.try_clone_reader().expect("reader");
        let writer = pty.master.take_writer().expect("writer");
        let raw = Arc::new(Mutex::new((
            Vec::new(),
            vt100::Parser::new(
                NonZeroU16::new(ROWS).expect("rows"),
                NonZeroU16::new(COLS).expect("cols"),
                0,
            ),
        )));
        let sink = raw.clone();
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let mut out = sink.lock().expect("output lock");
                out.0.extend_from_slice(&buf[..n]);
                out.1.process(&buf[..n]);
            }
        });
        Pty {
            raw,
            _master: pty.master,
            writer,
            child,
            reader: Some(reader),
        }
    }

    fn screen(&self) -> String {
        self.raw.lock().expect("output lock").1.screen().contents()
    }

    fn bytes(&self) -> Vec<u8> {
        self.raw.lock().expect("output lock").0.clone()
    }

    fn wait_for(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let screen = self.screen();
            if ok(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn keys(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).expect("type");
        self.writer.flush().expect("flush");
    }

    fn quit(&mut self, keys: &str) {
        self.keys(keys);
        let deadline = Instant::now() + Duration::from_secs(15);
        while self.child.try_wait().expect("try_wait").is_none() {
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let bytes = self.bytes();
                let tail = String::from_utf8_lossy(&bytes[bytes.len().saturating_sub(400)..]).into_owned();
                panic!("mops did not quit; screen:\n{}\nlast bytes: {tail:?}", self.screen());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        // Every byte written before the exit: the read fails once the
        // last copy of the pty's slave side is closed.
        if let Some(reader) = self.reader.take() {
            reader.join().expect("the reader thread");
        }
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

/// The colour parameters of every SGR sequence (`ESC [ ... m`) in `bytes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sgr {
    /// 30-37, 40-47, 90-97, 100-107, or 38;5;N / 48;5;N with N < 16.
    Sixteen,
    /// 38;5;N / 48;5;N with N >= 16.
    Indexed,
    /// 38;2;R;G;B / 48;2;R;G;B.
    Rgb,
    /// Anything else: reset, bold, reverse, default colours (39, 49)...
    Attribute,
}

fn sgr_codes(bytes: &[u8]) -> Vec<Sgr> {
    let mut out = Vec::new();
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] != 0x1b || bytes[i + 1] != b'[' {
            i += 1;
            continue;
        }
        let start = i + 2;
        let mut end = start;
        while end < bytes.len() && (0x20..0x40).contains(&bytes[end]) {
            end += 1;
        }
        if end < bytes.len() && bytes[end] == b'm' {
            let params = String::from_utf8_lossy(&bytes[start..end]);
            let numbers: Vec<u32> = params.split([';', ':']).map(|p| p.parse().unwrap_or(0)).collect();
            let mut j = 0;
            while j < numbers.len() {
                match numbers[j] {
                    30..=37 | 40..=47 | 90..=97 | 100..=107 => out.push(Sgr::Sixteen),
                    38 | 48 => match numbers.get(j + 1) {
                        Some(5) => {
                            let n = numbers.get(j + 2).copied().unwrap_or(0);
                            out.push(if n < 16 { Sgr::Sixteen } else { Sgr::Indexed });
                            j += 2;
                        }
                        Some(2) => {
                            out.push(Sgr::Rgb);
                            j += 4;
                        }
                        _ => out.push(Sgr::Rgb),
                    },
                    _ => out.push(Sgr::Attribute),
                }
                j += 1;
            }
        }
        i = end;
    }
    out
}

#[test]
fn the_sgr_reader_tells_the_kinds_apart() {
    let bytes = b"\x1b[1;31m x \x1b[38;5;9m\x1b[48;5;24m\x1b[38;2;1;2;3m\x1b[0m\x1b]8;;http://x\x07\x1b[39;49m";
    assert_eq!(
        sgr_codes(bytes),
        [
            Sgr::Attribute,
            Sgr::Sixteen,
            Sgr::Sixteen,
            Sgr::Indexed,
            Sgr::Rgb,
            Sgr::Attribute,
            Sgr::Attribute,
            Sgr::Attribute
        ]
    );
}

fn is_colour(s: &Sgr) -> bool {
    *s != Sgr::Attribute
}

#[test]
fn no_color_demo_writes_no_colour_escapes() {
    let home = tempfile::tempdir().expect("tempdir");
    let mut pty = Pty::spawn(
        &["demo", "--listen", "127.0.0.1:0"],
        &[
            ("NO_COLOR", "1"),
            ("TERM", "xterm-256color"),
            ("COLORTERM", "truecolor"),
        ],
        home.path(),
    );
    pty.wait_for("the cockpit with statuses", |s| {
        s.contains("Stack health") && s.contains("OK")
    });
    // The detail, the alerts, the help: every screen's bytes count.
    pty.keys("\r");
    pty.wait_for("a source's detail", |s| s.contains("Next poll"));
    pty.keys("\x1b");
    pty.wait_for("the grid", |s| !s.contains("Next poll"));
    pty.keys("3");
    pty.keys("?");
    pty.wait_for("the help", |s| s.contains("Keys"));
    pty.keys("\x1b");
    // Esc and q in one read would be Alt-q: let the Esc land first.
    pty.wait_for("the help closed", |s| !s.contains("show or hide this help"));
    pty.quit("q");
    let codes = sgr_codes(&pty.bytes());
    assert!(
        codes.contains(&Sgr::Attribute),
        "the screen was drawn with attributes (bold, reverse)"
    );
    let colours: Vec<&Sgr> = codes.iter().filter(|s| is_colour(s)).collect();
    assert!(colours.is_empty(), "colour escapes under NO_COLOR: {colours:?}");
}

/// The cockpit on a sandbox of its own, with `extra` appended to the config
/// the sandbox writes.
fn cockpit_with(extra: &str, env: &[(&str, &str)], session: impl FnOnce(&mut Pty) + Send + 'static) -> Vec<u8> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let stack = runtime.block_on(common::sandbox_stack(7, None, Vec::new()));
    let path = stack.dir.path().join("mops.toml");
    let mut text = std::fs::read_to_string(&path).expect("the sandbox's config");
    text.push_str(extra);
    std::fs::write(&path, text).expect("write the config");
    let home = tempfile::tempdir().expect("tempdir");
    let path = path.display().to_string();
    let mut pty = Pty::spawn(&["--config", &path], env, home.path());
    pty.wait_for("the cockpit with statuses", |s| {
        s.contains("Stack health") && s.contains("OK")
    });
    session(&mut pty);
    let bytes = pty.bytes();
    drop(pty);
    drop(stack);
    bytes
}

#[test]
fn colors_16_in_the_config_writes_only_the_16_colour_codes() {
    let bytes = cockpit_with(
        "\n[ui]\ncolors = \"16\"\n",
        // Auto would pick truecolor here: the config wins.
        &[("TERM", "xterm-256color"), ("COLORTERM", "truecolor")],
        |pty| {
            pty.keys("?");
            pty.wait_for("the help", |s| s.contains("Keys"));
            pty.keys("\x1b");
            // Esc and q in one read would be Alt-q: let the Esc land first.
            pty.wait_for("the help closed", |s| !s.contains("show or hide this help"));
            pty.quit("q");
        },
    );
    let codes = sgr_codes(&bytes);
    assert!(codes.contains(&Sgr::Sixteen), "some colour is drawn");
    let beyond: Vec<&Sgr> = codes.iter().filter(|s| matches!(s, Sgr::Indexed | Sgr::Rgb)).collect();
    assert!(beyond.is_empty(), "codes beyond the 16: {beyond:?}");
}

/// Needs `mops::ui::theme::setup` called by the runtime: the config's
/// colour depth, theme and keys reach the real cockpit.
#[test]
fn config_theme_and_keys_reach_the_real_cockpit() {
    let bytes = cockpit_with(
        "\n[ui]\ntheme = \"light\"\ncolors = \"truecolor\"\n\n[keys]\nhelp = \"F1\"\nquit = \"ctrl-q\"\n",
        &[("TERM", "xterm")],
        |pty| {
            let bar = pty.wait_for("the status bar with the new keys", |s| s.contains("F1 help"));
            assert!(bar.contains("Ctrl-Q quit"), "{bar}");
            pty.keys("?");
            pty.keys("\x1bOP"); // F1
            let help = pty.wait_for("the help", |s| s.contains("Keys"));
            assert!(help.contains("F1        show or hide this help"), "{help}");
            pty.keys("\x1b");
            pty.wait_for("the help closed", |s| !s.contains("show or hide this help"));
            // Keys are read in order: the help opening after q shows q did not quit.
            pty.keys("q");
            pty.keys("\x1bOP");
            pty.wait_for("the help again", |s| s.contains("show or hide this help"));
            assert!(pty.child.try_wait().expect("try_wait").is_none(), "q no longer quits");
            pty.quit("\x11"); // Ctrl-Q
        },
    );
    let codes = sgr_codes(&bytes);
    assert!(
        codes.contains(&Sgr::Rgb),
        "truecolor from the config, though TERM says 16"
    );
}
