//! One alert: what it is, its records, and the selected record as the CRM
//! and the email platform each hold it, side by side.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::panes::alerts::{severity_style, state_label};
use super::theme::Theme;
use super::widgets::{truncate, window};
use crate::app::Model;
use crate::app::alerts::{self, Sides};
use crate::model::AlertId;

pub fn render(model: &Model, id: &AlertId, frame: &mut Frame, area: Rect, theme: &Theme) {
    let Some(alert) = model.alerts.find(id) else {
        let text = format!("Alert {id} no longer fires: it resolved. Esc goes back.");
        frame.render_widget(Paragraph::new(text).block(Block::bordered().title(" Alert ")), area);
        return;
    };
    let state = model.alerts.state(id, model.now);
    let block = Block::bordered()
        .border_type(theme.border_type(true))
        .border_style(theme.focused_border)
        .title(Line::from(vec![
            Span::styled(
                format!(" {} ", alert.severity.label()),
                severity_style(theme, alert.severity),
            ),
            Span::styled(format!("{} ", alert.rule.title()), theme.title),
        ]))
        .title(Line::from(Span::styled(format!(" {} ", state_label(state, model)), theme.dim)).right_aligned());
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let list_height = (alert.records.len() as u16 + 1).min(inner.height / 3).max(2);
    let [head, list, sides_area] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Length(list_height),
        Constraint::Min(0),
    ])
    .areas(inner);
    let head_lines = vec![
        Line::from(alert.summary.clone()),
        Line::from(Span::styled(
            format!("id {} · {} records", alert.id, alert.records.len()),
            theme.dim,
        )),
    ];
    frame.render_widget(Paragraph::new(head_lines), head);

    let selected = model.alerts.record.min(alert.records.len().saturating_sub(1));
    let (offset, visible) = window(selected, alert.records.len(), list.height.saturating_sub(1) as usize);
    let mut lines = vec![Line::from(Span::styled(
        "Records (↑↓ choose · o link · y copy id)",
        theme.dim,
    ))];
    for (i, r) in alert.records.iter().enumerate().skip(offset).take(visible) {
        let style = if i == selected { theme.selected } else { Style::new() };
        lines.push(Line::from(Span::styled(
            truncate(&alerts::describe(model, r), list.width as usize),
            style,
        )));
    }
    frame.render_widget(Paragraph::new(lines), list);

    if let Some(record) = alert.records.get(selected) {
        let s = alerts::sides(model, record);
        let [left, right] = Layout::horizontal([Constraint::Percentage(50); 2]).areas(sides_area);
        let crm_name = alerts::crm(model).map_or("CRM", |(i, _)| model.sources[i].name.as_str());
        let email_name = alerts::email(model).map_or("email platform", |(i, _)| model.sources[i].name.as_str());
        frame.render_widget(
            Paragraph::new(crm_side(&s, model, theme))
                .block(Block::bordered().title(format!(" CRM: {crm_name} ")))
                .wrap(Wrap { trim: false }),
            left,
        );
        frame.render_widget(
            Paragraph::new(email_side(&s, theme))
                .block(Block::bordered().title(format!(" Email: {email_name} ")))
                .wrap(Wrap { trim: false }),
            right,
        );
    }
}

fn field(label: &str, value: Option<String>, theme: &Theme) -> Line<'static> {
    let value = match value {
        Some(v) if !v.is_empty() => Span::raw(v),
        _ => Span::styled("(empty)", theme.warn),
    };
    Line::from(vec![Span::styled(format!("{label:<11}"), theme.dim), value])
}

fn crm_side(s: &Sides<'_>, model: &Model, theme: &Theme) -> Vec<Line<'static>> {
    if let Some(d) = s.deal {
        return vec![
            field("Deal", Some(d.id.clone()), theme),
            field("Name", d.name.clone(), theme),
            field("Amount", d.amount.map(|a| format!("{a:.2}")), theme),
            field("Stage", d.stage.clone(), theme),
            field(
                "Contacts",
                Some(if d.contact_ids.is_empty() {
                    String::new()
                } else {
                    d.contact_ids.join(", ")
                }),
                theme,
            ),
        ];
    }
    let Some(c) = s.contact else {
        return vec![Line::from(Span::styled("no CRM contact with this email", theme.dim))];
    };
    let owner = c.owner_id.as_ref().map(|id| {
        alerts::crm(model)
            .and_then(|(_, d)| d.owners.iter().find(|o| &o.id == id))
            .map_or(id.clone(), |o| format!("{} ({id})", o.display_name()))
    });
    let time = |t: Option<jiff::Timestamp>| t.map(|t| t.to_zoned(model.tz.clone()).strftime("%Y-%m-%d").to_string());
    vec![
        field("Contact", Some(c.id.clone()), theme),
        field("Email", c.email.clone(), theme),
        field("Name", Some(c.display_name()), theme),
        field("Company", c.company.clone(), theme),
        field("Lifecycle", c.lifecyclestage.clone(), theme),
        field("Owner", owner, theme),
        field(
            "Opted out",
            c.email_optout
                .map(|b| if b { "yes".to_string() } else { "no".to_string() }),
            theme,
        ),
        field("Modified", time(c.modified), theme),
        field("Created", time(c.created), theme),
    ]
}

fn email_side(s: &Sides<'_>, theme: &Theme) -> Vec<Line<'static>> {
    if let Some(c) = s.campaign {
        let r = c.report.as_ref();
        let pct = |x: Option<f64>| x.map(|x| format!("{:.2}%", x * 100.0));
        return vec![
            field("Campaign", Some(c.id.clone()), theme),
            field("Title", Some(c.display_name().to_string()), theme),
            field("Sent", r.map(|r| r.emails_sent.to_string()), theme),
            field("Bounces", pct(r.and_then(|r| r.bounce_rate())), theme),
            field("Unsubs", pct(r.and_then(|r| r.unsubscribe_rate())), theme),
        ];
    }
    if s.members.is_empty() {
        return vec![Line::from(Span::styled("not in any audience", theme.dim))];
    }
    let mut lines = Vec::new();
    for (audience, m) in &s.members {
        lines.push(field("Audience", Some(audience.to_string()), theme));
        lines.push(field("Email", Some(m.email.clone()), theme));
        lines.push(field("Status", Some(alerts::status(m.status).to_string()), theme));
        lines.push(field(
            "Changed",
            Some(m.last_changed.strftime("%Y-%m-%d").to_string()),
            theme,
        ));
        lines.push(Line::from(""));
    }
    lines
}
