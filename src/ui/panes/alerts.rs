//! Data-quality alerts: worst first, with counts; acknowledged and snoozed
//! ones sink below the firing ones and say so.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

use crate::app::{Model, Pane};
use crate::model::{AlertState, Severity, SourceKind};
use crate::ui::theme::Theme;
use crate::ui::widgets::{centered_lines, stale_note, truncate, window};

pub fn summary(model: &Model) -> String {
    let v = &model.alerts;
    if v.evaluated_at.is_none() {
        return String::new();
    }
    let firing = v
        .firing
        .iter()
        .filter(|a| v.state(&a.id, model.now) == AlertState::Firing)
        .count();
    format!("{firing}/{} firing", v.firing.len())
}

pub fn severity_style(theme: &Theme, s: Severity) -> Style {
    match s {
        Severity::Critical => theme.status(crate::model::HealthStatus::Down),
        Severity::Warning => theme.warn,
        Severity::Info => theme.dim,
    }
}

pub fn state_label(state: AlertState, model: &Model) -> String {
    match state {
        AlertState::Firing | AlertState::Resolved { .. } => "firing".to_string(),
        AlertState::Acknowledged { .. } => "acked".to_string(),
        AlertState::Snoozed { until } => {
            format!(
                "snoozed {}",
                crate::actions::time::until(model.now, until).trim_start_matches("in ")
            )
        }
    }
}

pub fn render(model: &Model, focused: bool, frame: &mut Frame, area: Rect, theme: &Theme) {
    let has_crm = model.sources.iter().any(|s| s.kind == SourceKind::Hubspot);
    if !has_crm {
        let (p, r) = centered_lines(
            vec![
                Line::from(Span::styled("No CRM connected yet", theme.title)),
                Line::from(Span::styled(
                    "Needs a [[source]] with kind = \"hubspot\" (and ideally an email platform)",
                    theme.dim,
                )),
            ],
            area,
        );
        frame.render_widget(p.wrap(ratatui::widgets::Wrap { trim: true }), r);
        return;
    }
    let v = &model.alerts;
    if v.evaluated_at.is_none() {
        let why = if model.sources.iter().any(|s| s.crm().is_some()) {
            "evaluating the rules…"
        } else {
            "waiting for CRM data…"
        };
        let (p, r) = centered_lines(vec![Line::from(Span::styled(why, theme.dim))], area);
        frame.render_widget(p, r);
        return;
    }
    let ordered = v.ordered(model.now);
    let filtering = v.editing_filter || !v.filter.is_empty();
    let [counts_area, table_area, store_area, filter_area] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(u16::from(v.store_error.is_some())),
        Constraint::Length(u16::from(filtering)),
    ])
    .areas(area);
    if filtering {
        let cursor = if v.editing_filter { "█" } else { "" };
        let line = Line::from(vec![
            Span::styled("/", theme.key),
            Span::raw(format!("{}{cursor}", v.filter)),
            Span::styled(format!("  {} match · Enter keep · Esc clear", ordered.len()), theme.dim),
        ]);
        frame.render_widget(Paragraph::new(line), filter_area);
    }

    let mut spans = Vec::new();
    for sev in [Severity::Critical, Severity::Warning, Severity::Info] {
        let n = ordered.iter().filter(|a| a.severity == sev).count();
        if n > 0 {
            spans.push(Span::styled(
                format!("{} {n}  ", sev.label()),
                severity_style(theme, sev),
            ));
        }
    }
    if ordered.is_empty() {
        let none = if v.filter.is_empty() {
            "no problems found"
        } else {
            "no alert matches the filter"
        };
        spans.push(Span::styled(none, theme.dim));
    }
    // The rules ran over old data while a source fails: say so beside the counts.
    if let Some((note, status)) = stale_note(model, Pane::Alerts.kinds()) {
        spans.push(Span::styled(note, theme.status(status)));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), counts_area);
    if let Some(e) = &v.store_error {
        frame.render_widget(
            Paragraph::new(Span::styled(truncate(e, area.width as usize), theme.warn)),
            store_area,
        );
    }
    if ordered.is_empty() {
        return;
    }

    let selected = v.selected.min(ordered.len() - 1);
    let (offset, visible) = window(selected, ordered.len(), table_area.height.saturating_sub(1) as usize);
    // Columns by room: what it is about from 60 columns (rows of one rule
    // differ only there), the state from 110 (dimmed rows show it anyway).
    let (with_what, with_state) = (table_area.width >= 60, table_area.width >= 110);
    let rows = ordered[offset..offset + visible].iter().map(|a| {
        let state = v.state(&a.id, model.now);
        let dim = state != AlertState::Firing;
        let base = if dim { theme.dim } else { Style::new() };
        let mut cells = vec![
            Cell::from(Span::styled(
                a.severity.label(),
                if dim {
                    theme.dim
                } else {
                    severity_style(theme, a.severity)
                },
            )),
            Cell::from(Span::styled(a.records.len().to_string(), base)),
            Cell::from(Span::styled(a.rule.title(), base)),
        ];
        if with_state {
            cells.push(Cell::from(Span::styled(state_label(state, model), base)));
        }
        if with_what {
            // Without a state column, a handled alert says so in front.
            let what = if with_state || !dim {
                a.summary.clone()
            } else {
                format!("{} · {}", state_label(state, model), a.summary)
            };
            cells.push(Cell::from(Span::styled(what, base)));
        }
        Row::new(cells)
    });
    let rule_width = match (with_what, with_state) {
        (false, _) => Constraint::Fill(1),
        (true, false) => Constraint::Length(26),
        (true, true) => Constraint::Length(36),
    };
    let mut widths = vec![Constraint::Length(8), Constraint::Length(5), rule_width];
    let mut header = vec!["Severity", "Count", "Rule"];
    if with_state {
        widths.push(Constraint::Length(14));
        header.push("State");
    }
    if with_what {
        widths.push(Constraint::Fill(1));
        header.push("What");
    }
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(theme.dim))
        .column_spacing(1)
        .row_highlight_style(if focused { theme.selected } else { Style::new() });
    let mut state = TableState::default().with_selected(Some(selected - offset));
    frame.render_stateful_widget(table, table_area, &mut state);
}
