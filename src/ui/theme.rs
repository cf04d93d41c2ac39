//! Styles: the one place colours come from. Every status is also spelled
//! out, so no meaning rests on colour; each theme has a 16-colour form that
//! stays readable and a form without colour (`none`, NO_COLOR, `mono`).

use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::BorderType;

use crate::app::Model;
use crate::config::UiConfig;
use crate::model::HealthStatus;

/// `[ui] theme`: which palette the styles come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ThemeName {
    /// For dark backgrounds.
    #[default]
    Default,
    /// For light backgrounds, where yellow, cyan and white text fade out.
    Light,
    /// Bright colours and bold text on a dark background.
    HighContrast,
    /// No colour at all: bold, reverse and underline only.
    Mono,
}

impl ThemeName {
    pub const ALL: [ThemeName; 4] = [
        ThemeName::Default,
        ThemeName::Light,
        ThemeName::HighContrast,
        ThemeName::Mono,
    ];

    pub fn key(self) -> &'static str {
        match self {
            ThemeName::Default => "default",
            ThemeName::Light => "light",
            ThemeName::HighContrast => "high-contrast",
            ThemeName::Mono => "mono",
        }
    }
}

/// `[ui] colors`: how many colours the terminal shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorMode {
    /// From NO_COLOR, COLORTERM and TERM.
    #[default]
    Auto,
    Truecolor,
    Ansi256,
    Ansi16,
    /// No colour escapes at all.
    None,
}

impl ColorMode {
    pub const ALL: [ColorMode; 5] = [
        ColorMode::Auto,
        ColorMode::Truecolor,
        ColorMode::Ansi256,
        ColorMode::Ansi16,
        ColorMode::None,
    ];

    pub fn key(self) -> &'static str {
        match self {
            ColorMode::Auto => "auto",
            ColorMode::Truecolor => "truecolor",
            ColorMode::Ansi256 => "256",
            ColorMode::Ansi16 => "16",
            ColorMode::None => "none",
        }
    }
}

/// What the terminal shows, once `auto` is resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Depth {
    /// No colour escapes at all: bold, reverse and underline only.
    None,
    /// The 16 named ANSI colours.
    Ansi16,
    /// The xterm 256-colour palette.
    Ansi256,
    /// 24-bit RGB.
    Truecolor,
}

/// The environment variables that decide `colors = "auto"`.
#[derive(Debug, Clone, Copy, Default)]
pub struct TermEnv<'a> {
    pub no_color: Option<&'a str>,
    pub colorterm: Option<&'a str>,
    pub term: Option<&'a str>,
}

/// The depth `mode` means in `env`. Only `auto` looks at the environment:
/// a colour depth set in the config wins over NO_COLOR, as no-color.org asks.
pub fn detect(mode: ColorMode, env: TermEnv<'_>) -> Depth {
    match mode {
        ColorMode::Truecolor => return Depth::Truecolor,
        ColorMode::Ansi256 => return Depth::Ansi256,
        ColorMode::Ansi16 => return Depth::Ansi16,
        ColorMode::None => return Depth::None,
        ColorMode::Auto => {}
    }
    if env.no_color.is_some_and(|v| !v.is_empty()) {
        return Depth::None;
    }
    let colorterm = env.colorterm.unwrap_or("").to_ascii_lowercase();
    let term = env.term.unwrap_or("").to_ascii_lowercase();
    if term == "dumb" {
        Depth::None
    } else if colorterm == "truecolor" || colorterm == "24bit" {
        Depth::Truecolor
    } else if term.contains("256color") {
        Depth::Ansi256
    } else {
        Depth::Ansi16
    }
}

/// Puts the config's theme, colour depth (resolved against NO_COLOR,
/// COLORTERM and TERM) and keys into the model. Called once at start-up.
pub fn setup(model: &mut Model, ui: &UiConfig) {
    let no_color = std::env::var("NO_COLOR").ok();
    let colorterm = std::env::var("COLORTERM").ok();
    let term = std::env::var("TERM").ok();
    let env = TermEnv {
        no_color: no_color.as_deref(),
        colorterm: colorterm.as_deref(),
        term: term.as_deref(),
    };
    // A NO_COLOR that is set but not valid UTF-8 still asks for no colour.
    let env = if no_color.is_none() && std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        TermEnv {
            no_color: Some("1"),
            ..env
        }
    } else {
        env
    };
    apply(model, ui, detect(ui.colors, env));
}

/// The part of [`setup`] that reads no environment.
pub fn apply(model: &mut Model, ui: &UiConfig, depth: Depth) {
    model.theme = ui.theme;
    model.depth = depth;
    model.color = depth != Depth::None && ui.theme != ThemeName::Mono;
    model.keymap = ui.keymap.clone();
}

/// One colour in its 16-colour form and as an xterm-256 index (also used,
/// converted to RGB, for truecolor).
#[derive(Debug, Clone, Copy)]
struct Tone(Color, u8);

/// The colours of a theme; `None` in `dim`/`border` means no colour in 16-colour form.
struct Palette {
    key: Tone,
    warn: Tone,
    /// Secondary text. At 16 colours it is the DIM attribute, never dark grey:
    /// on many palettes (Solarized) dark grey is the background itself.
    dim: Option<Tone>,
    border: Option<Tone>,
    focused: Tone,
    header_bg: Tone,
    header_fg: Tone,
    badge_bg: Tone,
    badge_fg: Tone,
    ok: Tone,
    degraded: Tone,
    rate_limited: Tone,
    down: Tone,
    /// Text on a status-coloured background (the header's counts).
    on_status: Tone,
}

const DARK: Palette = Palette {
    key: Tone(Color::Cyan, 81),
    warn: Tone(Color::Yellow, 220),
    dim: None,
    border: None,
    focused: Tone(Color::Cyan, 81),
    header_bg: Tone(Color::Blue, 24),
    header_fg: Tone(Color::White, 255),
    badge_bg: Tone(Color::Red, 160),
    badge_fg: Tone(Color::White, 231),
    ok: Tone(Color::Green, 114),
    degraded: Tone(Color::Yellow, 220),
    rate_limited: Tone(Color::Magenta, 177),
    down: Tone(Color::Red, 203),
    on_status: Tone(Color::Black, 16),
};

/// Light backgrounds: no yellow, cyan or white text; dark, saturated tones.
const LIGHT: Palette = Palette {
    key: Tone(Color::Blue, 25),
    warn: Tone(Color::Red, 130),
    dim: None,
    border: None,
    focused: Tone(Color::Blue, 25),
    header_bg: Tone(Color::Blue, 25),
    header_fg: Tone(Color::White, 231),
    badge_bg: Tone(Color::Red, 124),
    badge_fg: Tone(Color::White, 231),
    ok: Tone(Color::Green, 28),
    degraded: Tone(Color::Magenta, 130),
    rate_limited: Tone(Color::Blue, 90),
    down: Tone(Color::Red, 160),
    on_status: Tone(Color::White, 231),
};

/// The bright half of the 16 at every depth: the most contrast a dark
/// terminal has, and the same on every palette.
const HIGH_CONTRAST: Palette = Palette {
    key: Tone(Color::LightCyan, 14),
    warn: Tone(Color::LightYellow, 11),
    dim: None,
    border: Some(Tone(Color::White, 15)),
    focused: Tone(Color::LightYellow, 11),
    header_bg: Tone(Color::White, 15),
    header_fg: Tone(Color::Black, 0),
    badge_bg: Tone(Color::LightRed, 9),
    badge_fg: Tone(Color::Black, 0),
    ok: Tone(Color::LightGreen, 10),
    degraded: Tone(Color::LightYellow, 11),
    rate_limited: Tone(Color::LightMagenta, 13),
    down: Tone(Color::LightRed, 9),
    on_status: Tone(Color::Black, 0),
};

/// Mid greys for dim text and borders where the terminal has more than 16.
const DARK_DIM: (u8, u8) = (245, 240);
const LIGHT_DIM: (u8, u8) = (242, 250);

#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub name: ThemeName,
    pub depth: Depth,
    pub title: Style,
    pub dim: Style,
    pub key: Style,
    pub warn: Style,
    pub header: Style,
    pub selected: Style,
    pub focused_border: Style,
    pub border: Style,
    pub badge: Style,
    statuses: [Style; 4],
    on_status: Style,
}

impl Theme {
    /// The theme the model asks for; `model.color` false (NO_COLOR) drops colour.
    pub fn for_model(model: &Model) -> Self {
        let depth = if model.color { model.depth } else { Depth::None };
        Theme::build(model.theme, depth)
    }

    pub fn build(name: ThemeName, depth: Depth) -> Self {
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let palette = match name {
            ThemeName::Default => &DARK,
            ThemeName::Light => &LIGHT,
            ThemeName::HighContrast => &HIGH_CONTRAST,
            ThemeName::Mono => return Theme::plain(name),
        };
        if depth == Depth::None {
            return Theme::plain(name);
        }
        let c = |t: Tone| paint(t, depth);
        let greys = if name == ThemeName::Light { LIGHT_DIM } else { DARK_DIM };
        let rich = depth >= Depth::Ansi256 && name != ThemeName::HighContrast;
        let dim = match palette.dim {
            Some(t) => Style::new().fg(c(t)),
            None if rich => Style::new().fg(c(Tone(Color::Reset, greys.0))),
            None => Style::new().add_modifier(Modifier::DIM),
        };
        let border = match palette.border {
            Some(t) => Style::new().fg(c(t)),
            None if rich => Style::new().fg(c(Tone(Color::Reset, greys.1))),
            None => Style::new(),
        };
        let status = |t: Tone| Style::new().fg(c(t)).add_modifier(Modifier::BOLD);
        Theme {
            name,
            depth,
            title: bold,
            dim,
            key: Style::new().fg(c(palette.key)).add_modifier(Modifier::BOLD),
            warn: Style::new().fg(c(palette.warn)).add_modifier(Modifier::BOLD),
            header: Style::new().bg(c(palette.header_bg)).fg(c(palette.header_fg)),
            selected: if name == ThemeName::HighContrast {
                Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
            } else {
                Style::new().add_modifier(Modifier::REVERSED)
            },
            focused_border: Style::new().fg(c(palette.focused)),
            border,
            badge: Style::new()
                .bg(c(palette.badge_bg))
                .fg(c(palette.badge_fg))
                .add_modifier(Modifier::BOLD),
            statuses: [
                status(palette.ok),
                status(palette.degraded),
                status(palette.rate_limited),
                status(palette.down),
            ],
            on_status: Style::new().fg(c(palette.on_status)).add_modifier(Modifier::BOLD),
        }
    }

    /// No colour: bold, reverse and the thick focus border carry everything.
    fn plain(name: ThemeName) -> Self {
        let bold = Style::new().add_modifier(Modifier::BOLD);
        Theme {
            name,
            depth: Depth::None,
            title: bold,
            dim: Style::new(),
            key: bold,
            warn: bold,
            header: Style::new().add_modifier(Modifier::REVERSED),
            selected: Style::new().add_modifier(Modifier::REVERSED),
            focused_border: bold,
            border: Style::new(),
            badge: bold,
            statuses: [Style::new(), bold, bold, bold],
            on_status: bold,
        }
    }

    pub fn color(&self) -> bool {
        self.depth != Depth::None
    }

    pub fn status(&self, status: HealthStatus) -> Style {
        self.statuses[match status {
            HealthStatus::Ok => 0,
            HealthStatus::Degraded | HealthStatus::Stale => 1,
            HealthStatus::RateLimited => 2,
            HealthStatus::Down | HealthStatus::Auth => 3,
        }]
    }

    /// A status count in the header: a coloured badge for the bad ones, as
    /// status-coloured text on the header's background can be unreadable
    /// (red on blue).
    pub fn header_status(&self, status: HealthStatus) -> Style {
        if !self.color() {
            return self.header.patch(self.status(status));
        }
        if status == HealthStatus::Ok {
            return self.header.add_modifier(Modifier::BOLD);
        }
        let bg = self.status(status).fg.unwrap_or(Color::Reset);
        self.on_status.bg(bg)
    }

    /// Focused panes get a thick border: visible without colour too.
    pub fn border_type(&self, focused: bool) -> BorderType {
        if focused { BorderType::Thick } else { BorderType::Plain }
    }
}

/// A tone at `depth`: the named colour, the palette index, or its RGB.
fn paint(tone: Tone, depth: Depth) -> Color {
    match depth {
        Depth::None => Color::Reset,
        Depth::Ansi16 => tone.0,
        Depth::Ansi256 if tone.1 < 16 => tone.0,
        Depth::Ansi256 => Color::Indexed(tone.1),
        Depth::Truecolor if tone.1 < 16 => tone.0,
        Depth::Truecolor => {
            let (r, g, b) = xterm_rgb(tone.1);
            Color::Rgb(r, g, b)
        }
    }
}

/// The RGB of an xterm-256 index from 16 up: the 6x6x6 cube, then the greys.
fn xterm_rgb(index: u8) -> (u8, u8, u8) {
    const LEVELS: [u8; 6] = [0, 95, 135, 175, 215, 255];
    if index >= 232 {
        let v = 8 + 10 * (index - 232);
        return (v, v, v);
    }
    let i = index.saturating_sub(16) as usize;
    (LEVELS[i / 36], LEVELS[(i / 6) % 6], LEVELS[i % 6])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(no_color: Option<&'a str>, colorterm: Option<&'a str>, term: Option<&'a str>) -> TermEnv<'a> {
        TermEnv {
            no_color,
            colorterm,
            term,
        }
    }

    #[test]
    fn auto_reads_no_color_colorterm_and_term() {
        let cases = [
            (env(Some("1"), Some("truecolor"), Some("xterm-256color")), Depth::None),
            (env(Some(""), None, Some("xterm-256color")), Depth::Ansi256),
            (env(None, Some("truecolor"), Some("xterm")), Depth::Truecolor),
            (env(None, Some("24bit"), Some("screen")), Depth::Truecolor),
            (env(None, None, Some("tmux-256color")), Depth::Ansi256),
            (env(None, None, Some("dumb")), Depth::None),
            (env(None, None, Some("xterm")), Depth::Ansi16),
            (env(None, None, Some("vt100")), Depth::Ansi16),
            (env(None, None, None), Depth::Ansi16),
        ];
        for (e, want) in cases {
            assert_eq!(detect(ColorMode::Auto, e), want, "{e:?}");
        }
    }

    #[test]
    fn a_depth_set_in_the_config_wins_over_the_environment() {
        let e = env(Some("1"), Some("truecolor"), Some("dumb"));
        assert_eq!(detect(ColorMode::Ansi16, e), Depth::Ansi16);
        assert_eq!(detect(ColorMode::Ansi256, e), Depth::Ansi256);
        assert_eq!(detect(ColorMode::Truecolor, e), Depth::Truecolor);
        assert_eq!(detect(ColorMode::None, env(None, Some("truecolor"), None)), Depth::None);
    }

    fn styles(t: &Theme) -> Vec<Style> {
        let mut all = vec![
            t.title,
            t.dim,
            t.key,
            t.warn,
            t.header,
            t.selected,
            t.focused_border,
            t.border,
            t.badge,
        ];
        for s in [
            HealthStatus::Ok,
            HealthStatus::Degraded,
            HealthStatus::Down,
            HealthStatus::Auth,
            HealthStatus::RateLimited,
            HealthStatus::Stale,
        ] {
            all.push(t.status(s));
            all.push(t.header_status(s));
        }
        all
    }

    fn colours(t: &Theme) -> Vec<Color> {
        styles(t).iter().flat_map(|s| [s.fg, s.bg]).flatten().collect()
    }

    fn is_named(c: Color) -> bool {
        !matches!(c, Color::Rgb(..) | Color::Indexed(_))
    }

    #[test]
    fn no_colour_and_mono_have_no_colour_at_all() {
        for name in ThemeName::ALL {
            assert_eq!(colours(&Theme::build(name, Depth::None)), [], "{name:?}");
        }
        for depth in [Depth::Ansi16, Depth::Ansi256, Depth::Truecolor] {
            assert_eq!(colours(&Theme::build(ThemeName::Mono, depth)), [], "{depth:?}");
        }
    }

    #[test]
    fn sixteen_colour_forms_use_only_named_colours_and_no_dark_grey_or_blue_text() {
        for name in ThemeName::ALL {
            let t = Theme::build(name, Depth::Ansi16);
            assert!(colours(&t).into_iter().all(is_named), "{name:?}");
            for s in styles(&t) {
                assert_ne!(s.fg, Some(Color::DarkGray), "{name:?}: meaning on dark grey");
                // Dark blue text vanishes on a black background.
                if name != ThemeName::Light {
                    assert_ne!(s.fg, Some(Color::Blue), "{name:?}: blue text on a dark theme");
                }
            }
        }
    }

    #[test]
    fn light_text_never_uses_the_colours_that_vanish_on_white() {
        for depth in [Depth::Ansi16, Depth::Ansi256, Depth::Truecolor] {
            let t = Theme::build(ThemeName::Light, depth);
            // Text drawn on the terminal's own (light) background.
            let on_background = [t.key, t.warn, t.dim, t.focused_border].into_iter().chain(
                [
                    HealthStatus::Ok,
                    HealthStatus::Degraded,
                    HealthStatus::RateLimited,
                    HealthStatus::Down,
                ]
                .map(|s| t.status(s)),
            );
            for s in on_background {
                let fg = s.fg;
                for bad in [
                    Color::Yellow,
                    Color::LightYellow,
                    Color::White,
                    Color::Cyan,
                    Color::LightCyan,
                ] {
                    assert_ne!(fg, Some(bad), "{depth:?}");
                }
            }
        }
    }

    #[test]
    fn richer_depths_use_their_palette() {
        let t = Theme::build(ThemeName::Default, Depth::Ansi256);
        assert!(colours(&t).iter().any(|c| matches!(c, Color::Indexed(_))));
        assert!(!colours(&t).iter().any(|c| matches!(c, Color::Rgb(..))));
        let t = Theme::build(ThemeName::Default, Depth::Truecolor);
        assert!(colours(&t).iter().any(|c| matches!(c, Color::Rgb(..))));
        assert!(!colours(&t).iter().any(|c| matches!(c, Color::Indexed(_))));
        assert_eq!(xterm_rgb(16), (0, 0, 0));
        assert_eq!(xterm_rgb(81), (95, 215, 255));
        assert_eq!(xterm_rgb(231), (255, 255, 255));
        assert_eq!(xterm_rgb(245), (138, 138, 138));
    }

    #[test]
    fn setup_puts_theme_depth_and_keys_into_the_model() {
        let mut model = Model::new("t", false, Vec::new(), jiff::Timestamp::UNIX_EPOCH);
        let mut ui = UiConfig {
            theme: ThemeName::Light,
            ..UiConfig::default()
        };
        ui.keymap.bind(crate::app::UserAction::Refresh, Vec::new());
        apply(&mut model, &ui, Depth::Ansi256);
        assert_eq!(
            (model.theme, model.depth, model.color),
            (ThemeName::Light, Depth::Ansi256, true)
        );
        assert!(model.keymap.keys(crate::app::UserAction::Refresh).is_empty());
        apply(&mut model, &UiConfig::default(), Depth::None);
        assert!(!model.color);
        assert_eq!(Theme::for_model(&model).depth, Depth::None);
    }
}
