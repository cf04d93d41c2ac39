//! Task queues. For now: actions in flight and the failed-actions queue,
//! which a person retries or discards (`x`); content and CRM task queues
//! arrive with their connectors.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

use crate::app::source_state::{elapsed, human_duration};
use crate::app::{Model, Pane};
use crate::ui::theme::Theme;
use crate::ui::widgets::{clock, truncate, window};

pub fn summary(model: &Model) -> String {
    match (model.failed.len(), model.running.len() + model.batches.len()) {
        (0, 0) => String::new(),
        (f, 0) => format!("{f} failed"),
        (0, r) => format!("{r} sending"),
        (f, r) => format!("{f} failed · {r} sending"),
    }
}

pub fn render(model: &Model, focused: bool, frame: &mut Frame, area: Rect, theme: &Theme) {
    let running = (model.running.len() + model.batches.len()).min(3) as u16;
    let [running_area, failed_area, note_area] = Layout::vertical([
        Constraint::Length(running),
        Constraint::Min(0),
        Constraint::Length(if area.height > running + 4 { 2 } else { 0 }),
    ])
    .areas(area);

    let batches = model.batches.iter().map(|b| {
        let state = if b.cancelling { "cancelling" } else { "batch" };
        let failed = if b.failed > 0 {
            format!(", {} failed", b.failed)
        } else {
            String::new()
        };
        Line::from(vec![
            Span::styled(format!("{state} "), theme.warn),
            Span::raw(truncate(
                &format!("{} {}/{}{failed} (x cancels)", b.action, b.done, b.total),
                area.width as usize - 11,
            )),
        ])
    });
    let lines: Vec<Line> = batches
        .chain(model.running.iter().map(|r| {
            let age = human_duration(elapsed(r.since, model.now));
            Line::from(vec![
                Span::styled("sending ", theme.warn),
                Span::raw(truncate(
                    &format!("{} {} ({age})", r.planned.action, r.planned.target_name),
                    area.width as usize - 8,
                )),
            ])
        }))
        .take(3)
        .collect();
    frame.render_widget(Paragraph::new(lines), running_area);

    if model.failed.is_empty() {
        let text = vec![
            Line::from(Span::styled("No failed actions", theme.dim)),
            Line::from(Span::styled(
                "An action that fails waits here for a person: x to retry or discard",
                theme.dim,
            )),
        ];
        frame.render_widget(
            Paragraph::new(text).wrap(ratatui::widgets::Wrap { trim: true }),
            failed_area,
        );
    } else {
        failed_table(model, focused, frame, failed_area, theme);
    }
    let note = vec![
        Line::from(Span::styled("No task source connected yet", theme.dim)),
        Line::from(Span::styled("(WordPress posts, HubSpot tasks)", theme.dim)),
    ];
    frame.render_widget(
        Paragraph::new(note).wrap(ratatui::widgets::Wrap { trim: true }),
        note_area,
    );
}

fn failed_table(model: &Model, focused: bool, frame: &mut Frame, area: Rect, theme: &Theme) {
    let header = Row::new(["Failed", "Source", "Action", "Target", "Why"]).style(theme.dim);
    let selected = model.tasks_selected.min(model.failed.len() - 1);
    let (offset, visible) = window(selected, model.failed.len(), area.height.saturating_sub(1) as usize);
    let why_width = (area.width as usize).saturating_sub(8 + 10 + 11 + 18 + 4).max(8);
    let rows = model.failed[offset..offset + visible].iter().map(|f| {
        let mut why = f.error.message.clone();
        if let Some(code) = f.error.http_status {
            why = format!("HTTP {code}: {why}");
        }
        Row::new(vec![
            Cell::from(clock(f.at, &model.tz).chars().take(8).collect::<String>()),
            Cell::from(truncate(
                &model.sources.get(f.source).map_or(String::new(), |s| s.name.clone()),
                10,
            )),
            Cell::from(truncate(&f.planned.action, 11)),
            Cell::from(truncate(&f.planned.target_name, 18)),
            Cell::from(Span::styled(truncate(&why, why_width), theme.warn)),
        ])
    });
    let widths = [
        Constraint::Length(8),
        Constraint::Length(10),
        Constraint::Length(11),
        Constraint::Length(18),
        Constraint::Fill(1),
    ];
    let highlight = if focused && model.focus == Pane::Tasks {
        theme.selected
    } else {
        Style::new()
    };
    let table = Table::new(rows, widths)
        .header(header)
        .column_spacing(1)
        .row_highlight_style(highlight);
    let mut state = TableState::default().with_selected(Some(selected - offset));
    frame.render_stateful_widget(table, area, &mut state);
}
