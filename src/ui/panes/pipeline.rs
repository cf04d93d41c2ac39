//! Campaign pipeline: campaigns by stage, sent ones with their KPIs, cells
//! over a threshold marked (colour and a "!"), churn per audience.

use jiff::Timestamp;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

use crate::app::Model;
use crate::app::pipeline::{self, Flags};
use crate::app::source_state::{elapsed, human_duration};
use crate::model::{Campaign, CampaignStatus, SourceKind, Stage};
use crate::ui::theme::Theme;
use crate::ui::widgets::{centered_lines, stale_note, thousands, truncate, window};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Stage,
    Campaign,
    When,
    Sent,
    Open,
    Click,
    Bounce,
    Unsub,
    Romi,
    Audience,
}

const ORDER: [Col; 10] = [
    Col::Stage,
    Col::Campaign,
    Col::When,
    Col::Sent,
    Col::Open,
    Col::Click,
    Col::Bounce,
    Col::Unsub,
    Col::Romi,
    Col::Audience,
];
/// Survival order as the pane narrows.
const PRIORITY: [Col; 10] = [
    Col::Stage,
    Col::Campaign,
    Col::Open,
    Col::Bounce,
    Col::Unsub,
    Col::Romi,
    Col::When,
    Col::Click,
    Col::Sent,
    Col::Audience,
];
const CAMPAIGN_MIN: u16 = 18;

impl Col {
    fn header(self) -> &'static str {
        match self {
            Col::Stage => "Stage",
            Col::Campaign => "Campaign",
            Col::When => "When",
            Col::Sent => "Sent",
            Col::Open => "Open",
            Col::Click => "Click",
            Col::Bounce => "Bounce",
            Col::Unsub => "Unsub",
            Col::Romi => "ROMI",
            Col::Audience => "Audience",
        }
    }

    fn width(self) -> u16 {
        match self {
            Col::Stage => 11,
            Col::Campaign => CAMPAIGN_MIN,
            Col::When => 12,
            Col::Sent => 7,
            Col::Open | Col::Click | Col::Bounce | Col::Unsub => 6,
            Col::Romi => 7,
            Col::Audience => 16,
        }
    }
}

fn columns(width: u16) -> Vec<Col> {
    let mut used = 0;
    let mut chosen = Vec::new();
    for col in PRIORITY {
        let w = col.width() + u16::from(!chosen.is_empty());
        if used + w > width {
            break;
        }
        used += w;
        chosen.push(col);
    }
    ORDER.into_iter().filter(|c| chosen.contains(c)).collect()
}

/// The title's right side: how many, sorted how, and a filter if any.
pub fn summary(model: &Model) -> String {
    let n = pipeline::rows(model).len();
    if model.sources.iter().all(|s| s.email().is_none()) {
        return String::new();
    }
    // The filter itself shows on the pane's last line.
    let matching = if model.pipeline.filter.is_empty() {
        ""
    } else {
        " matching"
    };
    format!("{n}{matching} · by {}", model.pipeline.sort.label())
}

pub fn render(model: &Model, focused: bool, frame: &mut Frame, area: Rect, theme: &Theme) {
    let email: Vec<_> = model
        .sources
        .iter()
        .filter(|s| s.kind == SourceKind::Mailchimp)
        .collect();
    if email.is_empty() {
        empty(
            frame,
            area,
            theme,
            "No email platform connected yet",
            "Needs a [[source]] with kind = \"mailchimp\" in the config",
        );
        return;
    }
    if email.iter().all(|s| s.email().is_none()) {
        let s = email[0];
        let why = match s.status(model.now) {
            None => format!("waiting for the first poll of {}", s.name),
            Some(st) => format!("{} {}: {}", s.name, st.label(), s.reason(model.now)),
        };
        empty(frame, area, theme, "No campaign data yet", &why);
        return;
    }
    let rows = pipeline::rows(model);
    let editing = model.pipeline.editing_filter || !model.pipeline.filter.is_empty();
    let churn_line = area.height >= 8;
    let stages = stage_line(model, &rows, theme);
    let stage_rows = if stages.width() > area.width as usize { 2 } else { 1 };
    let [stages_area, churn_area, table_area, filter_area] = Layout::vertical([
        Constraint::Length(stage_rows),
        Constraint::Length(u16::from(churn_line)),
        Constraint::Min(1),
        Constraint::Length(u16::from(editing)),
    ])
    .areas(area);

    frame.render_widget(
        Paragraph::new(stages).wrap(ratatui::widgets::Wrap { trim: true }),
        stages_area,
    );
    if churn_line {
        frame.render_widget(
            Paragraph::new(churn(model, theme, churn_area.width as usize)),
            churn_area,
        );
    }
    if editing {
        let cursor = if model.pipeline.editing_filter { "█" } else { "" };
        let line = Line::from(vec![
            Span::styled("/", theme.key),
            Span::raw(format!("{}{cursor}", model.pipeline.filter)),
            Span::styled("  Enter keep · Esc clear", theme.dim),
        ]);
        frame.render_widget(Paragraph::new(line), filter_area);
    }
    if rows.is_empty() {
        frame.render_widget(
            Paragraph::new(Span::styled("no campaign matches the filter", theme.dim)),
            table_area,
        );
        return;
    }

    let cols = columns(table_area.width);
    let fixed: u16 = cols
        .iter()
        .filter(|c| **c != Col::Campaign)
        .map(|c| c.width() + 1)
        .sum();
    let title_width = table_area.width.saturating_sub(fixed) as usize;
    let selected = model.pipeline.selected.min(rows.len() - 1);
    let (offset, visible) = window(selected, rows.len(), table_area.height.saturating_sub(1) as usize);
    let body = rows[offset..offset + visible].iter().map(|r| {
        let flags = pipeline::flags(r.campaign, &model.pipeline_cfg.thresholds);
        let romi = pipeline::romi(r.campaign, &model.pipeline_cfg.campaigns);
        Row::new(
            cols.iter()
                .map(|c| cell(*c, r.campaign, flags, romi, model, theme, title_width)),
        )
    });
    let widths = cols.iter().map(|c| match c {
        Col::Campaign => Constraint::Fill(1),
        c => Constraint::Length(c.width()),
    });
    let header = Row::new(cols.iter().map(|c| Cell::from(c.header()))).style(theme.dim);
    let table = Table::new(body, widths)
        .header(header)
        .column_spacing(1)
        .row_highlight_style(if focused { theme.selected } else { Style::new() });
    let mut state = TableState::default().with_selected(Some(selected - offset));
    frame.render_stateful_widget(table, table_area, &mut state);
}

fn empty(frame: &mut Frame, area: Rect, theme: &Theme, title: &str, why: &str) {
    let (para, rect) = centered_lines(
        vec![
            Line::from(Span::styled(title.to_string(), theme.title)),
            Line::from(Span::styled(why.to_string(), theme.dim)),
        ],
        area,
    );
    frame.render_widget(para.wrap(ratatui::widgets::Wrap { trim: true }), rect);
}

fn stage_line<'a>(model: &Model, rows: &[pipeline::Row<'_>], theme: &Theme) -> Line<'a> {
    let mut spans = Vec::new();
    for (stage, n) in pipeline::stage_counts(rows) {
        let style = if stage == Stage::Sending {
            theme.warn
        } else {
            Style::new()
        };
        spans.push(Span::styled(format!("{} ", stage.label()), theme.dim));
        spans.push(Span::styled(format!("{n}  "), style.patch(theme.title)));
    }
    // Say when the data is old: the source is failing and this is its last good poll.
    if let Some((note, status)) = stale_note(model, &[SourceKind::Mailchimp]) {
        spans.push(Span::styled(note, theme.status(status)));
    }
    Line::from(spans)
}

fn churn<'a>(model: &Model, theme: &Theme, width: usize) -> Line<'a> {
    let month = model.now.to_zoned(model.tz.clone()).strftime("%b").to_string();
    let mut spans = vec![Span::styled(format!("churn {month}: "), theme.dim)];
    let all = pipeline::churn(model);
    if all.is_empty() {
        spans.push(Span::styled("no sends this month", theme.dim));
    }
    let mut used = 12;
    for (audience, c) in all {
        let (text, over) = match c.rate() {
            Some(r) => (format!("{:.1}%", r * 100.0), r > model.pipeline_cfg.thresholds.churn),
            None => ("-".to_string(), false),
        };
        let name = truncate(&audience.name, 18);
        let entry = format!("{name} {text}{}  ", if over { "!" } else { "" });
        used += entry.chars().count();
        if used > width {
            break;
        }
        spans.push(Span::styled(entry, if over { theme.warn } else { Style::new() }));
    }
    Line::from(spans)
}

fn pct(rate: Option<f64>, flagged: bool, theme: &Theme) -> Cell<'static> {
    match rate {
        Some(r) => {
            let text = format!("{:.1}%{}", r * 100.0, if flagged { "!" } else { "" });
            Cell::from(Span::styled(text, if flagged { theme.warn } else { Style::new() }))
        }
        None => Cell::from(Span::styled("-", theme.dim)),
    }
}

fn cell<'a>(
    col: Col,
    c: &'a Campaign,
    flags: Flags,
    romi: Option<f64>,
    model: &Model,
    theme: &Theme,
    title_width: usize,
) -> Cell<'a> {
    let report = c.report.as_ref();
    match col {
        Col::Stage => {
            let style = if c.stage() == Stage::Sending {
                theme.warn
            } else {
                Style::new()
            };
            // Canceling is a sending campaign on its way out: say so.
            let stage = if c.status == CampaignStatus::Canceling {
                "canceling"
            } else {
                c.stage().label()
            };
            let label = if c.kind == "rss" {
                format!("{stage} rss")
            } else {
                stage.to_string()
            };
            Cell::from(Span::styled(label, style))
        }
        Col::Campaign => Cell::from(truncate(c.display_name(), title_width)),
        Col::When => Cell::from(when(c, model.now, model)),
        Col::Sent => match report
            .map(|r| r.emails_sent)
            .filter(|n| *n > 0)
            .or((c.emails_sent > 0).then_some(c.emails_sent))
        {
            Some(n) => Cell::from(thousands(n)),
            None => Cell::from(Span::styled("-", theme.dim)),
        },
        Col::Open => pct(report.map(|r| r.open_rate), flags.open, theme),
        Col::Click => pct(report.map(|r| r.click_rate), flags.click, theme),
        Col::Bounce => pct(report.and_then(|r| r.bounce_rate()), flags.bounce, theme),
        Col::Unsub => pct(report.and_then(|r| r.unsubscribe_rate()), flags.unsubscribe, theme),
        Col::Romi => match romi {
            Some(r) => Cell::from(Span::styled(
                format!("{:+.0}%", r * 100.0),
                if r < 0.0 { theme.warn } else { Style::new() },
            )),
            None => Cell::from(Span::styled("-", theme.dim)),
        },
        Col::Audience => Cell::from(truncate(&c.list_name, 16)),
    }
}

/// The time that matters for the stage: when it goes out, or when it went.
fn when(c: &Campaign, now: Timestamp, model: &Model) -> String {
    let local = |t: Timestamp, fmt: &str| t.to_zoned(model.tz.clone()).strftime(fmt).to_string();
    match (c.stage(), c.send_time) {
        (Stage::Scheduled, Some(t)) => local(t, "%d %b %H:%M"),
        (Stage::Sending, Some(t)) => format!("for {}", human_duration(elapsed(t, now))),
        (Stage::Sent | Stage::Closed, Some(t)) => local(t, "%d %b %H:%M"),
        (_, _) => c
            .create_time
            .map(|t| format!("made {}", local(t, "%d %b")))
            .unwrap_or_else(|| "-".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrow_panes_keep_stage_title_and_rates() {
        assert_eq!(columns(38), vec![Col::Stage, Col::Campaign, Col::Open]);
        assert_eq!(
            columns(78),
            vec![
                Col::Stage,
                Col::Campaign,
                Col::When,
                Col::Open,
                Col::Bounce,
                Col::Unsub,
                Col::Romi
            ]
        );
        let wide = columns(150);
        assert_eq!(wide.len(), ORDER.len(), "{wide:?}");
    }
}
