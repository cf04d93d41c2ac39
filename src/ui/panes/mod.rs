//! The four panes. Each draws inside a bordered block titled with its number.

pub mod health;
pub mod pipeline;
pub mod placeholder;
pub mod tasks;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Block;

use super::theme::Theme;
use crate::app::{Model, Pane};

pub fn render(model: &Model, pane: Pane, frame: &mut Frame, area: Rect, theme: &Theme) {
    let focused = model.focus == pane;
    let summary = match pane {
        Pane::Health => health::summary(model),
        Pane::Pipeline => pipeline::summary(model),
        Pane::Tasks => tasks::summary(model),
        Pane::Alerts => String::new(),
    };
    let block = pane_block(pane, focused, summary, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    match pane {
        Pane::Health => health::render(model, focused, frame, inner, theme),
        Pane::Pipeline => pipeline::render(model, focused, frame, inner, theme),
        Pane::Tasks => tasks::render(model, focused, frame, inner, theme),
        other => placeholder::render(model, other, frame, inner, theme),
    }
}

fn pane_block(pane: Pane, focused: bool, summary: String, theme: &Theme) -> Block<'static> {
    let border = if focused { theme.focused_border } else { theme.border };
    let mut block = Block::bordered()
        .border_type(theme.border_type(focused))
        .border_style(border)
        .title(Line::from(vec![
            Span::styled(format!(" {} ", pane.number()), theme.key),
            Span::styled(format!("{} ", pane.title()), theme.title),
        ]));
    if !summary.is_empty() {
        block = block.title(Line::from(Span::styled(format!(" {summary} "), theme.dim)).right_aligned());
    }
    block
}
