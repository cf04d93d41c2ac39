//! The `?` overlay: every binding with its effective keys (the config's
//! `[keys]` applied), from the same table the keymap dispatches with, then
//! the status legend. Taller than the screen (80x24), it scrolls by keys.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::layout::centered;
use super::theme::Theme;
use crate::app::keymap::UserAction;
use crate::app::{Model, bindings};
use crate::model::HealthStatus;

const STATUSES: [(HealthStatus, &str); 6] = [
    (HealthStatus::Ok, "answered, fast, first try"),
    (HealthStatus::Degraded, "answered, but slow or after retries"),
    (HealthStatus::Down, "unreachable, 5xx, timeout or bad reply"),
    (HealthStatus::Auth, "credentials refused (401/403)"),
    (HealthStatus::RateLimited, "vendor throttling (429)"),
    (HealthStatus::Stale, "no poll has finished for too long"),
];

/// Header and status bar take a row each; the popup's border two more.
const CHROME_ROWS: u16 = 2 + 2;

fn lines(model: &Model, theme: &Theme) -> Vec<Line<'static>> {
    let rows: Vec<(String, &str)> = bindings()
        .iter()
        .map(|b| (b.keys(&model.keymap).unwrap_or_else(|| "(none)".to_owned()), b.help))
        .collect();
    let column = rows.iter().map(|(k, _)| k.chars().count()).max().unwrap_or(0).max(9);
    let mut lines: Vec<Line> = rows
        .into_iter()
        .map(|(keys, help)| {
            Line::from(vec![
                Span::styled(format!(" {keys:<column$} "), theme.key),
                Span::raw(help),
            ])
        })
        .collect();
    lines.push(Line::from(""));
    lines.extend(STATUSES.iter().map(|(s, what)| {
        Line::from(vec![
            Span::styled(format!(" {:<13}", s.label()), theme.status(*s)),
            Span::raw(*what),
        ])
    }));
    lines
}

/// How many lines of help show at once in a terminal of `model.size`.
pub fn page(model: &Model) -> usize {
    model.size.1.saturating_sub(CHROME_ROWS) as usize
}

/// The last first-line the help can scroll to in a terminal of `model.size`.
pub fn max_scroll(model: &Model) -> usize {
    max_scroll_at(model.size.1)
}

/// The last first-line the help can scroll to in a terminal `rows` high.
pub fn max_scroll_at(rows: u16) -> usize {
    let total = bindings().len() + 1 + STATUSES.len();
    total.saturating_sub(rows.saturating_sub(CHROME_ROWS) as usize)
}

pub fn render(model: &Model, frame: &mut Frame, area: Rect, theme: &Theme) {
    let lines = lines(model, theme);
    let total = lines.len();
    let visible = area.height.saturating_sub(2) as usize;
    let scroll = model.help_scroll.min(total.saturating_sub(visible));
    let below = total.saturating_sub(scroll + visible);
    let keys = &model.keymap;
    let close = match (keys.first(UserAction::Back), keys.first(UserAction::Help)) {
        (Some(back), Some(help)) => format!("{back} or {help} to close"),
        (Some(one), None) | (None, Some(one)) => format!("{one} to close"),
        (None, None) => "Ctrl-C to quit".to_owned(),
    };
    let footer = if total > visible {
        let arrows = bindings()
            .iter()
            .find(|b| b.actions.contains(&UserAction::Up))
            .and_then(|b| b.bar_keys(keys))
            .map(|k| format!("{k} "))
            .unwrap_or_default();
        format!(" {arrows}PgUp PgDn scroll · {close} ")
    } else {
        format!(" {close} ")
    };
    let width = lines.iter().map(Line::width).max().unwrap_or(0) as u16 + 3;
    let rect = centered(area, width, total as u16 + 2);
    let mut block = Block::bordered()
        .border_style(theme.focused_border)
        .title(Span::styled(" Keys ", theme.title))
        .title_bottom(Line::from(Span::styled(footer, theme.dim)).right_aligned());
    if scroll > 0 {
        block = block.title(Line::from(Span::styled(format!(" ↑ {scroll} more "), theme.key)).right_aligned());
    }
    if below > 0 {
        block = block.title_bottom(Line::from(Span::styled(format!(" ↓ {below} more "), theme.key)).left_aligned());
    }
    let shown: Vec<Line> = lines.into_iter().skip(scroll).collect();
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(shown).block(block), rect);
}
