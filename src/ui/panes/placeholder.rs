//! Panes whose data arrives with later connectors: say plainly what is missing.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Wrap;

use crate::app::{Model, Pane};
use crate::model::SourceKind;
use crate::ui::theme::Theme;
use crate::ui::widgets::centered_lines;

pub fn render(model: &Model, pane: Pane, frame: &mut Frame, area: Rect, theme: &Theme) {
    let (what, needs) = match pane {
        Pane::Pipeline => ("campaign", "an email platform (kind = \"mailchimp\")"),
        Pane::Alerts => ("data-quality", "a CRM (kind = \"hubspot\") and an email platform"),
        Pane::Tasks => ("task", "a CMS (kind = \"wordpress\") or a CRM (kind = \"hubspot\")"),
        Pane::Health => return,
    };
    let mut lines = vec![Line::from(Span::styled(
        format!("No {what} source connected yet"),
        theme.title,
    ))];
    let monitored: Vec<&str> = model
        .sources_for(pane)
        .filter(|(_, s)| s.kind != SourceKind::Http)
        .map(|(_, s)| s.name.as_str())
        .collect();
    if monitored.is_empty() {
        lines.push(Line::from(Span::styled(
            format!("Needs {needs}: add a [[source]] to the config"),
            theme.dim,
        )));
    } else {
        lines.push(Line::from(Span::styled(
            format!(
                "Watching {} for health only: {what} sync is not built yet",
                monitored.join(", ")
            ),
            theme.dim,
        )));
    }
    let (para, rect) = centered_lines(lines, area);
    frame.render_widget(para.wrap(Wrap { trim: true }), rect);
}
