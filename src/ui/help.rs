//! The `?` overlay: every binding, from the same table the keymap uses.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::layout::centered;
use super::theme::Theme;
use crate::app::bindings;
use crate::model::HealthStatus;

const STATUSES: [(HealthStatus, &str); 6] = [
    (HealthStatus::Ok, "answered, fast, first try"),
    (HealthStatus::Degraded, "answered, but slow or after retries"),
    (HealthStatus::Down, "unreachable, 5xx, timeout or bad reply"),
    (HealthStatus::Auth, "credentials refused (401/403)"),
    (HealthStatus::RateLimited, "vendor throttling (429)"),
    (HealthStatus::Stale, "no poll has finished for too long"),
];

pub fn render(frame: &mut Frame, area: Rect, theme: &Theme) {
    let mut lines: Vec<Line> = bindings()
        .iter()
        .map(|b| {
            Line::from(vec![
                Span::styled(format!(" {:<10}", b.keys), theme.key),
                Span::raw(b.help),
            ])
        })
        .collect();
    // The status legend only when it fits: keys matter more.
    let room = area.height.saturating_sub(2) as usize;
    if lines.len() + 1 + STATUSES.len() <= room {
        lines.push(Line::from(""));
        lines.extend(STATUSES.iter().map(|(s, what)| {
            Line::from(vec![
                Span::styled(format!(" {:<13}", s.label()), theme.status(*s)),
                Span::raw(*what),
            ])
        }));
    }
    let width = lines.iter().map(Line::width).max().unwrap_or(0) as u16 + 3;
    let rect = centered(area, width, lines.len() as u16 + 2);
    let block = Block::bordered()
        .border_style(theme.focused_border)
        .title(Span::styled(" Keys ", theme.title))
        .title_bottom(Line::from(Span::styled(" Esc or ? to close ", theme.dim)).right_aligned());
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}
