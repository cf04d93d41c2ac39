//! The four panes. Each draws inside a bordered block titled with its number.

pub mod alerts;
pub mod health;
pub mod pipeline;
pub mod tasks;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Block;

use super::theme::Theme;
use crate::app::{Model, Pane};

pub fn render(model: &Model, pane: Pane, frame: &mut Frame, area: Rect, theme: &Theme) {
    let focused = model.focus == pane;
    // Built once for the title's counts and the rows: at 10,000 tasks it is
    // most of the frame's work.
    let queues = match pane {
        Pane::Tasks => crate::app::tasks::queues(model),
        _ => Default::default(),
    };
    let summary = match pane {
        Pane::Health => health::summary(model),
        Pane::Pipeline => pipeline::summary(model),
        Pane::Tasks => tasks::summary(model, &queues),
        Pane::Alerts => alerts::summary(model),
    };
    // Old data says so in the title, where even a narrow pane has room.
    let stale = match pane {
        Pane::Health => None,
        _ => crate::ui::widgets::stale_note(model, pane.kinds()),
    };
    let summary = match &stale {
        Some((_, status)) if summary.is_empty() => format!("stale: {}", status.label()),
        Some((_, status)) => format!("stale: {} · {summary}", status.label()),
        None => summary,
    };
    let block = pane_block(pane, focused, summary, area.width, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    match pane {
        Pane::Health => health::render(model, focused, frame, inner, theme),
        Pane::Pipeline => pipeline::render(model, focused, frame, inner, theme),
        Pane::Tasks => tasks::render(model, queues, focused, frame, inner, theme),
        Pane::Alerts => alerts::render(model, focused, frame, inner, theme),
    }
}

/// The pane's border with its number and title on the left and a summary on
/// the right, the summary cut short first when the two do not both fit.
fn pane_block(pane: Pane, focused: bool, summary: String, width: u16, theme: &Theme) -> Block<'static> {
    let left = pane.title().chars().count() + 6;
    let summary = crate::ui::widgets::truncate(&summary, (width as usize).saturating_sub(left + 3));
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
