//! Styles. Every status is also spelled out, so no meaning rests on colour.

use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::BorderType;

use crate::model::HealthStatus;

#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub color: bool,
    pub title: Style,
    pub dim: Style,
    pub key: Style,
    pub warn: Style,
    pub header: Style,
    pub selected: Style,
    pub focused_border: Style,
    pub border: Style,
    pub badge: Style,
}

impl Theme {
    pub fn new(color: bool) -> Self {
        let pick = |c: Style, plain: Style| if color { c } else { plain };
        Theme {
            color,
            title: Style::new().add_modifier(Modifier::BOLD),
            dim: pick(Style::new().fg(Color::DarkGray), Style::new()),
            key: pick(
                Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
                Style::new().add_modifier(Modifier::BOLD),
            ),
            warn: pick(
                Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
                Style::new().add_modifier(Modifier::BOLD),
            ),
            header: pick(
                Style::new().bg(Color::Blue).fg(Color::White),
                Style::new().add_modifier(Modifier::REVERSED),
            ),
            selected: Style::new().add_modifier(Modifier::REVERSED),
            focused_border: pick(Style::new().fg(Color::Cyan), Style::new().add_modifier(Modifier::BOLD)),
            border: pick(Style::new().fg(Color::DarkGray), Style::new()),
            badge: pick(
                Style::new()
                    .bg(Color::Red)
                    .fg(Color::White)
                    .add_modifier(Modifier::BOLD),
                Style::new().add_modifier(Modifier::BOLD),
            ),
        }
    }

    pub fn status(&self, status: HealthStatus) -> Style {
        if !self.color {
            return match status {
                HealthStatus::Ok => Style::new(),
                _ => Style::new().add_modifier(Modifier::BOLD),
            };
        }
        let fg = match status {
            HealthStatus::Ok => Color::Green,
            HealthStatus::Degraded | HealthStatus::Stale => Color::Yellow,
            HealthStatus::RateLimited => Color::Magenta,
            HealthStatus::Down | HealthStatus::Auth => Color::Red,
        };
        Style::new().fg(fg).add_modifier(Modifier::BOLD)
    }

    /// Focused panes get a thick border: visible without colour too.
    pub fn border_type(&self, focused: bool) -> BorderType {
        if focused { BorderType::Thick } else { BorderType::Plain }
    }
}
