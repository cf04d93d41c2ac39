//! Task queues: content waiting on someone, CRM tasks due, and actions
//! that failed, each queue titled with its count; actions being sent show
//! on top. Rows come from `app::tasks`, built for the visible window only.

use std::collections::BTreeMap;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::source_state::{elapsed, human_duration};
use crate::app::tasks::{self, Item, Queue, Row, TaskSort};
use crate::app::{Model, Pane};
use crate::model::SourceKind;
use crate::ui::theme::Theme;
use crate::ui::widgets::{truncate, window};

pub fn summary(model: &Model, queues: &BTreeMap<Queue, Vec<Item>>) -> String {
    let mut s = tasks::summary_from(model, queues);
    if model.tasks.sort != TaskSort::Urgency {
        if !s.is_empty() {
            s.push_str(" · ");
        }
        s.push_str(&format!("by {}", model.tasks.sort.label()));
    }
    s
}

/// `queues` as `tasks::queues` built them for this frame.
pub fn render(
    model: &Model,
    queues: BTreeMap<Queue, Vec<Item>>,
    focused: bool,
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
) {
    let sending = (model.running.len() + model.batches.len()).min(3) as u16;
    let filtering = model.tasks.editing_filter || !model.tasks.filter.is_empty();
    let unconnected = !model
        .sources
        .iter()
        .any(|s| matches!(s.kind, SourceKind::Wordpress | SourceKind::Hubspot));
    let [running_area, list_area, note_area, filter_area] = Layout::vertical([
        Constraint::Length(sending),
        Constraint::Min(0),
        Constraint::Length(if unconnected { 2 } else { 0 }),
        Constraint::Length(u16::from(filtering)),
    ])
    .areas(area);
    if unconnected {
        let note = vec![
            Line::from(Span::styled("No task source connected yet", theme.dim)),
            Line::from(Span::styled(
                "(a WordPress site for content, HubSpot for CRM tasks)",
                theme.dim,
            )),
        ];
        frame.render_widget(
            Paragraph::new(note).wrap(ratatui::widgets::Wrap { trim: true }),
            note_area,
        );
    }
    sending_lines(model, frame, running_area, theme);
    if filtering {
        let cursor = if model.tasks.editing_filter { "█" } else { "" };
        let line = Line::from(vec![
            Span::styled("/", theme.key),
            Span::raw(format!("{}{cursor}", model.tasks.filter)),
            Span::styled("  Enter keep · Esc clear", theme.dim),
        ]);
        frame.render_widget(Paragraph::new(line), filter_area);
    }

    let rows = tasks::rows_from(model, queues);
    if rows.is_empty() {
        frame.render_widget(
            Paragraph::new(Span::styled("no queued item matches the filter", theme.dim)),
            list_area,
        );
        return;
    }
    let selected = model.tasks.selected.min(rows.len() - 1);
    let height = list_area.height as usize;
    let (offset, visible) = window(selected, rows.len(), height);
    let width = list_area.width as usize;
    let highlight = focused && model.focus == Pane::Tasks;
    let lines: Vec<Line> = rows[offset..offset + visible]
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let line = match row {
                Row::Header {
                    queue,
                    count,
                    collapsed,
                    note,
                } => header_line(*queue, *count, *collapsed, note.as_deref(), width, theme),
                Row::Item { queue, item } => item_line(*queue, item, width, theme),
            };
            if highlight && offset + i == selected {
                line.style(theme.selected)
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), list_area);
}

/// Actions and batches in flight, up to three lines.
fn sending_lines(model: &Model, frame: &mut Frame, area: Rect, theme: &Theme) {
    let width = area.width as usize;
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
                width.saturating_sub(state.len() + 1),
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
                    width.saturating_sub(8),
                )),
            ])
        }))
        .take(3)
        .collect();
    frame.render_widget(Paragraph::new(lines), area);
}

/// "▾ Content: missed schedule (1)", with why the count may be incomplete.
fn header_line(
    queue: Queue,
    count: Option<usize>,
    collapsed: bool,
    note: Option<&str>,
    width: usize,
    theme: &Theme,
) -> Line<'static> {
    let fold = if collapsed { "▸ " } else { "▾ " };
    let style = match count {
        Some(n) if n > 0 && queue.urgent() => theme.warn,
        Some(n) if n > 0 => theme.title,
        _ => theme.dim,
    };
    let count = count.map_or_else(|| "?".to_owned(), |n| n.to_string());
    let text = if queue == Queue::Failed {
        // Its own group: "Failed actions: failed actions" would say it twice.
        format!("{fold}{} ({count})", queue.group())
    } else if width >= 48 {
        format!("{fold}{}: {} ({count})", queue.group(), queue.title())
    } else {
        format!("{fold}{} ({count})", queue.title())
    };
    let used = text.chars().count();
    let mut spans = vec![Span::styled(text, style)];
    if let Some(note) = note {
        spans.push(Span::styled(
            truncate(&format!("  {note}"), width.saturating_sub(used)),
            theme.warn,
        ));
    }
    Line::from(spans)
}

/// "  3h late  Black Friday teaser           Ann Lee   post": the age first,
/// so the most telling fact survives a narrow pane.
fn item_line(queue: Queue, item: &Item, width: usize, theme: &Theme) -> Line<'static> {
    const AGE: usize = 9;
    let who_width = match width {
        w if w >= 100 => 22,
        w if w >= 56 => 14,
        _ => 0,
    };
    let tag_width = if width >= 72 { 7 } else { 0 };
    let source_width = if width >= 90 && !item.source_name.is_empty() {
        12
    } else {
        0
    };
    let gaps = [who_width, tag_width, source_width].iter().filter(|w| **w > 0).count();
    let room = width.saturating_sub(2 + AGE + who_width + tag_width + source_width + gaps);
    // On a wide screen the columns stay near the title rather than at the far edge.
    let mut title_width = if queue == Queue::Failed { room } else { room.min(64) };
    // A failed action's reason matters as much as what it was: share the room.
    let who_width = if queue == Queue::Failed && title_width > 40 {
        let extra = title_width - title_width.min(item.title.chars().count().max(30));
        title_width -= extra;
        who_width + extra
    } else {
        who_width
    };
    let age_style = if queue.urgent() { theme.warn } else { Style::new() };
    let mut spans = vec![
        Span::raw("  "),
        Span::styled(format!("{:<AGE$}", truncate(&item.age, AGE - 1)), age_style),
        Span::raw(format!("{:<title_width$}", truncate(&item.title, title_width))),
    ];
    let mut column = |text: &str, w: usize, style: Style| {
        if w > 0 {
            spans.push(Span::styled(format!(" {:<w$}", truncate(text, w)), style));
        }
    };
    let who_style = if queue == Queue::Failed { theme.warn } else { theme.dim };
    column(&item.who, who_width, who_style);
    column(&item.tag, tag_width, theme.dim);
    column(&item.source_name, source_width, theme.dim);
    Line::from(spans)
}
