//! One source in full: the latest probe, its figures, and the recent errors.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Sparkline, Table};

use super::panes::health::short_id;
use super::theme::Theme;
use super::widgets::{clock, truncate};
use crate::app::Model;
use crate::app::source_state::{elapsed, human_duration, human_latency};
use crate::model::{CircuitState, HealthStatus};

pub fn render(model: &Model, index: usize, frame: &mut Frame, area: Rect, theme: &Theme) {
    let Some(s) = model.sources.get(index) else {
        return;
    };
    let now = model.now;
    let status = s.status(now);
    let mut title = vec![
        Span::styled(format!(" {} ", s.name), theme.title),
        Span::styled(format!("{} {} ", s.kind.label(), s.kind.role()), theme.dim),
    ];
    if let Some(st) = status {
        title.push(Span::styled(format!(" {} ", st.label()), theme.status(st)));
    }
    let block = Block::bordered()
        .border_type(theme.border_type(true))
        .border_style(theme.focused_border)
        .title(Line::from(title))
        .title(
            Line::from(Span::styled(
                format!(" {}/{} ", index + 1, model.sources.len()),
                theme.dim,
            ))
            .right_aligned(),
        );
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let facts = facts(model, index, theme);
    let [facts_area, spark_area, errors_area] = Layout::vertical([
        Constraint::Length(facts.len() as u16),
        Constraint::Length(if inner.height >= facts.len() as u16 + 7 { 3 } else { 0 }),
        Constraint::Min(0),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(facts), facts_area);

    if spark_area.height > 0 {
        let data = s.sparkline_ms();
        let spark = Sparkline::default()
            .block(Block::new().title(Span::styled(
                format!("Latency, last {} polls (gaps are failures)", data.len()),
                theme.dim,
            )))
            .data(&data)
            .style(theme.status(HealthStatus::Ok));
        frame.render_widget(spark, spark_area);
    }
    errors(model, index, frame, errors_area, theme);
}

fn facts(model: &Model, index: usize, theme: &Theme) -> Vec<Line<'static>> {
    let s = &model.sources[index];
    let now = model.now;
    let row = |label: &str, value: Vec<Span<'static>>| {
        let mut spans = vec![Span::styled(format!("{label:<11}"), theme.dim)];
        spans.extend(value);
        Line::from(spans)
    };
    let plain = |text: String| vec![Span::raw(text)];
    let mut lines = Vec::new();

    let status_spans = match s.status(now) {
        Some(st) => vec![
            Span::styled(st.label().to_string(), theme.status(st)),
            Span::raw(format!("  {}", s.reason(now))),
        ],
        None => vec![Span::styled(s.reason(now), theme.dim)],
    };
    lines.push(row("Status", status_spans));

    if let Some((probe, at)) = &s.last {
        let mut checked = format!(
            "{} ago at {} · took {}",
            human_duration(elapsed(*at, now)),
            clock(*at, &model.tz),
            human_latency(probe.latency)
        );
        checked.push_str(&format!(
            " · {} attempt{}",
            probe.attempts,
            if probe.attempts == 1 { "" } else { "s" }
        ));
        if let Some(code) = probe.http_status {
            checked.push_str(&format!(" · HTTP {code}"));
        }
        lines.push(row("Checked", plain(checked)));
        if let Some(v) = &probe.vendor_error {
            let text = match &v.code {
                Some(code) => format!("{code}: {}", v.message),
                None => v.message.clone(),
            };
            lines.push(row("Vendor", vec![Span::styled(text, theme.warn)]));
        }
        if !probe.url.is_empty() {
            lines.push(row("Endpoint", plain(format!("GET {}", probe.url))));
        }
        if !probe.request_id.is_empty() {
            lines.push(row("Request id", plain(probe.request_id.clone())));
        }
    }
    let pct = |p: u32| s.latency_percentile(p).map_or("-".to_string(), human_latency);
    lines.push(row("Latency", plain(format!("p50 {} · p95 {}", pct(50), pct(95)))));
    if let Some(rate) = s.error_rate() {
        let bad = s.history.iter().filter(|h| !h.status.is_good()).count();
        lines.push(row(
            "Errors",
            plain(format!(
                "{bad} of the last {} polls ({:.0}%)",
                s.history.len(),
                rate * 100.0
            )),
        ));
    }
    if let Some(r) = s.rate_limit() {
        let window = r
            .window
            .map_or(String::new(), |w| format!(" per {}", human_duration(w)));
        let origin = if r.from_headers {
            "vendor headers"
        } else {
            "client-side limiter"
        };
        let mut text = format!("{} of {} left{window} ({origin})", r.remaining, r.limit);
        if let (Some(left), Some(max)) = (r.daily_remaining, r.daily_limit) {
            text.push_str(&format!(" · daily {left} of {max}"));
        }
        lines.push(row("Rate limit", plain(text)));
    }
    let last_good = match &s.last_good {
        Some((_, at)) => format!("{} ago at {}", human_duration(elapsed(*at, now)), clock(*at, &model.tz)),
        None => "never".to_string(),
    };
    lines.push(row("Last good", plain(last_good)));
    let next = match (s.polling_since, s.next_poll) {
        (Some(since), _) => format!("polling now (for {})", human_duration(elapsed(since, now))),
        (None, Some(next)) => format!(
            "in {} · every {}",
            human_duration(elapsed(now, next)),
            human_duration(s.interval)
        ),
        (None, None) => format!("every {}", human_duration(s.interval)),
    };
    lines.push(row("Next poll", plain(next)));
    let circuit = match s.circuit() {
        Some(CircuitState::Closed) | None => "closed".to_string(),
        Some(CircuitState::HalfOpen) => "half-open: the next request is a trial".to_string(),
        Some(CircuitState::Open { until }) => {
            format!("open: requests fail fast for {}", human_duration(elapsed(now, until)))
        }
    };
    lines.push(row("Circuit", plain(circuit)));
    lines
}

fn errors(model: &Model, index: usize, frame: &mut Frame, area: Rect, theme: &Theme) {
    if area.height < 2 {
        return;
    }
    let s = &model.sources[index];
    let title = Line::from(Span::styled(format!("Recent errors ({})", s.errors.len()), theme.title));
    let block = Block::new().title(title);
    if s.errors.is_empty() {
        frame.render_widget(
            Paragraph::new(Span::styled("none since mops started", theme.dim)).block(block),
            area,
        );
        return;
    }
    let fixed = 8 + 1 + 12 + 1 + 4 + 1 + 18 + 1 + 8 + 1;
    let message_width = (area.width as usize).saturating_sub(fixed).max(10);
    let header = Row::new(["Time", "Status", "HTTP", "Vendor code", "Request", "Message"]).style(theme.dim);
    let rows = s.errors.iter().take(area.height.saturating_sub(2) as usize).map(|e| {
        Row::new(vec![
            Cell::from(clock(e.at, &model.tz).chars().take(8).collect::<String>()),
            Cell::from(Span::styled(e.status.label(), theme.status(e.status))),
            Cell::from(e.http_status.map_or("-".to_string(), |c| c.to_string())),
            Cell::from(truncate(e.vendor_code.as_deref().unwrap_or("-"), 18)),
            Cell::from(short_id(&e.request_id).to_string()),
            Cell::from(truncate(&e.message, message_width)),
        ])
    });
    let widths = [
        Constraint::Length(8),
        Constraint::Length(12),
        Constraint::Length(4),
        Constraint::Length(18),
        Constraint::Length(8),
        Constraint::Min(10),
    ];
    frame.render_widget(
        Table::new(rows, widths).header(header).column_spacing(1).block(block),
        area,
    );
}
