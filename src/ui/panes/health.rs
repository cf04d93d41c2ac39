//! Stack health: one row per source, columns chosen to fit the width.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

use crate::app::source_state::{human_duration, human_latency};
use crate::app::{Model, SourceState};
use crate::model::{CircuitState, HealthStatus};
use crate::ui::theme::Theme;
use crate::ui::widgets::{centered_lines, sparkline, truncate, window};

/// Columns in display order; `priority` decides which survive a narrow pane
/// (lower survives longer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Source,
    Kind,
    Status,
    P50,
    P95,
    Trend,
    Errors,
    Headroom,
    LastGood,
    Next,
    Circuit,
    /// Why the source is in its state; takes whatever width is left.
    Reason,
}

const ORDER: [Col; 12] = [
    Col::Source,
    Col::Kind,
    Col::Status,
    Col::P50,
    Col::P95,
    Col::Trend,
    Col::Errors,
    Col::Headroom,
    Col::LastGood,
    Col::Next,
    Col::Circuit,
    Col::Reason,
];

const TREND_WIDTH: u16 = 12;
/// The reason column only appears with at least this much room.
const REASON_MIN: u16 = 24;

impl Col {
    fn priority(self) -> u8 {
        match self {
            Col::Source => 0,
            Col::Status => 1,
            Col::P95 => 2,
            Col::LastGood => 3,
            Col::Errors => 4,
            Col::Trend => 5,
            Col::P50 => 6,
            Col::Next => 7,
            Col::Headroom => 8,
            Col::Circuit => 9,
            Col::Kind => 10,
            Col::Reason => 11,
        }
    }

    fn header(self) -> &'static str {
        match self {
            Col::Source => "Source",
            Col::Kind => "Kind",
            Col::Status => "Status",
            Col::P50 => "p50",
            Col::P95 => "p95",
            Col::Trend => "Latency",
            Col::Errors => "Err%",
            Col::Headroom => "Limit",
            Col::LastGood => "Last ok",
            Col::Next => "Next",
            Col::Circuit => "Circuit",
            Col::Reason => "Reason",
        }
    }

    fn width(self, name_width: u16) -> u16 {
        match self {
            Col::Source => name_width,
            Col::Kind => 9,
            Col::Status => 12,
            Col::P50 | Col::P95 => 7,
            Col::Trend => TREND_WIDTH,
            Col::Errors => 4,
            Col::Headroom => 5,
            Col::LastGood => 7,
            Col::Next => 6,
            Col::Circuit => 9,
            Col::Reason => REASON_MIN,
        }
    }
}

/// The columns that fit in `width`, in display order.
fn columns(width: u16, name_width: u16) -> Vec<Col> {
    let mut by_priority = ORDER;
    by_priority.sort_by_key(|c| c.priority());
    let mut used = 0u16;
    let mut chosen = Vec::new();
    for col in by_priority {
        let w = col.width(name_width) + u16::from(!chosen.is_empty());
        if used + w > width {
            break;
        }
        used += w;
        chosen.push(col);
    }
    ORDER.into_iter().filter(|c| chosen.contains(c)).collect()
}

/// The pane title's right side: "4 sources · 1 down".
pub fn summary(model: &Model) -> String {
    let n = model.sources.len();
    let bad = model
        .sources
        .iter()
        .filter(|s| s.status(model.now).is_some_and(|st| !st.is_good()))
        .count();
    let plural = if n == 1 { "" } else { "s" };
    if bad == 0 {
        format!("{n} source{plural}")
    } else {
        format!("{bad} of {n} failing")
    }
}

pub fn render(model: &Model, focused: bool, frame: &mut Frame, area: Rect, theme: &Theme) {
    if model.sources.is_empty() {
        let (para, rect) = centered_lines(
            vec![
                Line::from(Span::styled("No sources configured", theme.title)),
                Line::from(Span::styled("add [[source]] entries to the config", theme.dim)),
                Line::from(Span::styled("(mops config init writes a starter)", theme.dim)),
            ],
            area,
        );
        frame.render_widget(para, rect);
        return;
    }
    // The reason line under the table explains the selected row.
    let [table_area, reason_area] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(u16::from(area.height > 3))]).areas(area);

    let name_width = model
        .sources
        .iter()
        .map(|s| s.name.chars().count())
        .max()
        .unwrap_or(6)
        .clamp(6, 16) as u16;
    let cols = columns(area.width, name_width);
    let fixed: u16 = cols
        .iter()
        .filter(|c| **c != Col::Reason)
        .map(|c| c.width(name_width) + 1)
        .sum();
    let reason_width = area.width.saturating_sub(fixed) as usize;
    let header = Row::new(cols.iter().map(|c| Cell::from(c.header()))).style(theme.dim);
    // Rows are built only for the visible window, scrolled to keep the selection in view.
    let selected = model.selected.min(model.sources.len() - 1);
    let (offset, visible) = window(
        selected,
        model.sources.len(),
        table_area.height.saturating_sub(1) as usize,
    );
    let rows = model.sources[offset..offset + visible]
        .iter()
        .map(|s| Row::new(cols.iter().map(|c| cell(*c, s, model, theme, name_width, reason_width))));
    let widths = cols.iter().map(|c| match c {
        Col::Reason => Constraint::Fill(1),
        c => Constraint::Length(c.width(name_width)),
    });
    let table = Table::new(rows, widths)
        .header(header)
        .column_spacing(1)
        .row_highlight_style(if focused { theme.selected } else { Style::new() });
    let mut state = TableState::default().with_selected(Some(selected - offset));
    frame.render_stateful_widget(table, table_area, &mut state);

    if reason_area.height > 0
        && let Some(source) = model.selected_source()
    {
        let status = source.status(model.now);
        let style = status.map_or(theme.dim, |s| {
            if s == HealthStatus::Ok {
                theme.dim
            } else {
                theme.status(s)
            }
        });
        let mut text = format!("{}: {}", source.name, source.reason(model.now));
        if let Some((probe, _)) = &source.last
            && !status.is_some_and(HealthStatus::is_good)
            && !probe.request_id.is_empty()
        {
            text.push_str(&format!(" · req {}", short_id(&probe.request_id)));
        }
        let line = Line::from(Span::styled(truncate(&text, reason_area.width as usize), style));
        frame.render_widget(Paragraph::new(line), reason_area);
    }
}

fn cell<'a>(
    col: Col,
    s: &'a SourceState,
    model: &Model,
    theme: &Theme,
    name_width: u16,
    reason_width: usize,
) -> Cell<'a> {
    let now = model.now;
    let dash = || Cell::from(Span::styled("-", theme.dim));
    match col {
        Col::Source => Cell::from(truncate(&s.name, name_width as usize)),
        Col::Kind => Cell::from(s.kind.label()),
        Col::Status => match s.status(now) {
            Some(st) => {
                let polling = if s.polling_since.is_some() { "*" } else { "" };
                Cell::from(Span::styled(format!("{}{polling}", st.label()), theme.status(st)))
            }
            None => Cell::from(Span::styled("polling…", theme.dim)),
        },
        Col::P50 => s
            .latency_percentile(50)
            .map_or_else(dash, |d| Cell::from(human_latency(d))),
        Col::P95 => s
            .latency_percentile(95)
            .map_or_else(dash, |d| Cell::from(human_latency(d))),
        Col::Trend => {
            let values = s.sparkline_ms();
            if values.is_empty() {
                dash()
            } else {
                Cell::from(sparkline(&values, TREND_WIDTH as usize))
            }
        }
        Col::Errors => s
            .error_rate()
            .map_or_else(dash, |r| Cell::from(format!("{:.0}%", r * 100.0))),
        Col::Headroom => s
            .rate_limit()
            .map_or_else(dash, |r| Cell::from(format!("{:.0}%", r.headroom() * 100.0))),
        Col::LastGood => match s.last_good_age(now) {
            Some(age) => Cell::from(human_duration(age)),
            None if s.last.is_some() => Cell::from(Span::styled("never", theme.warn)),
            None => dash(),
        },
        Col::Next => match (s.polling_since, s.next_poll) {
            (Some(_), _) => Cell::from("now"),
            (None, Some(next)) if next > now => {
                Cell::from(human_duration(crate::app::source_state::elapsed(now, next)))
            }
            (None, Some(_)) => Cell::from("due"),
            (None, None) => dash(),
        },
        Col::Circuit => match s.circuit() {
            Some(CircuitState::Closed) => Cell::from("closed"),
            Some(CircuitState::HalfOpen) => Cell::from(Span::styled("half-open", theme.warn)),
            Some(CircuitState::Open { until }) => {
                let left = crate::app::source_state::elapsed(now, until);
                Cell::from(Span::styled(
                    format!("open {}", human_duration(left)),
                    theme.status(HealthStatus::Down),
                ))
            }
            None => dash(),
        },
        Col::Reason => Cell::from(Span::styled(truncate(&s.reason(now), reason_width), theme.dim)),
    }
}

/// The first 8 characters of a request id: enough to grep the log.
pub fn short_id(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_keeps_the_selection_visible() {
        assert_eq!(window(0, 3, 10), (0, 3));
        assert_eq!(window(2, 3, 10), (0, 3));
        assert_eq!(window(0, 200, 10), (0, 10));
        assert_eq!(window(9, 200, 10), (0, 10));
        assert_eq!(window(10, 200, 10), (1, 10));
        assert_eq!(window(199, 200, 10), (190, 10));
        assert_eq!(window(5, 200, 0), (5, 0), "no room: nothing drawn, nothing underflows");
    }

    #[test]
    fn narrow_panes_keep_the_most_important_columns() {
        assert_eq!(columns(38, 9), vec![Col::Source, Col::Status, Col::P95, Col::LastGood]);
        let wide = columns(156, 10);
        assert!(wide.contains(&Col::Circuit) && wide.contains(&Col::Reason), "{wide:?}");
        assert_eq!(wide.first(), Some(&Col::Source));
    }
}
