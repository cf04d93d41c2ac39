//! Header, status bar and small text widgets shared by the panes.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme::Theme;
use crate::app::keymap::Scope;
use crate::app::{Model, Pane, Screen, bindings};

pub fn header(model: &Model, frame: &mut Frame, area: Rect, theme: &Theme) {
    let mut left = vec![
        Span::styled(" mops ", theme.header.patch(theme.title)),
        Span::styled(format!(" {} ", model.title), theme.header),
    ];
    if model.readonly {
        left.push(Span::styled(" READ-ONLY ", theme.badge));
    }
    let mut right = Vec::new();
    if let Some(banner) = &model.banner {
        right.push(Span::styled(format!("{banner}  "), theme.header));
    }
    match model.overall() {
        None if model.sources.is_empty() => right.push(Span::styled("no sources ", theme.header)),
        None => right.push(Span::styled("polling… ", theme.header)),
        Some(_) => {
            for (status, n) in model.status_counts() {
                right.push(Span::styled(
                    format!("{} {n}", status.label()),
                    theme.header.patch(theme.status(status)),
                ));
                right.push(Span::styled(" ", theme.header));
            }
        }
    }
    right.push(Span::styled(format!(" {} ", clock(model.now, &model.tz)), theme.header));

    let right_width: usize = right.iter().map(|s| s.width()).sum();
    let room = (area.width as usize).saturating_sub(right_width);
    let left_line = truncate_spans(left, room);
    let used: usize = left_line.iter().map(|s| s.width()).sum();
    let mut spans = left_line;
    spans.push(Span::styled(" ".repeat(room.saturating_sub(used)), theme.header));
    spans.extend(right);
    frame.render_widget(Paragraph::new(Line::from(spans)).style(theme.header), area);
}

/// The keys that apply where the focus is.
pub fn status_bar(model: &Model, frame: &mut Frame, area: Rect, theme: &Theme) {
    let keys: Vec<(&str, &str)> = if model.help {
        vec![("Esc", "close help"), ("q", "quit")]
    } else {
        let list = matches!(model.screen, Screen::SourceDetail(_)) || model.focus == Pane::Health;
        let mut keys: Vec<(&str, &str)> = bindings()
            .iter()
            .filter(|b| b.scope == Scope::Global || list)
            .filter(|b| !matches!(b.keys, "Shift-Tab" | "g G" | "1-4"))
            .filter(|b| match model.screen {
                Screen::SourceDetail(_) => !matches!(b.keys, "Enter" | "z" | "Tab"),
                Screen::Grid => b.keys != "Esc" || model.zoomed,
            })
            .map(|b| (b.keys.split(' ').next().unwrap_or(b.keys), b.short))
            .collect();
        // Put the context's own keys first, the global ones after.
        keys.sort_by_key(|(k, _)| matches!(*k, "?" | "q" | "Tab"));
        if let Screen::SourceDetail(_) = model.screen {
            keys.iter_mut()
                .filter(|(k, _)| k.starts_with('↑'))
                .for_each(|e| e.1 = "source");
        }
        keys
    };
    let mut spans = Vec::new();
    for (key, what) in keys {
        let entry = [
            Span::styled(format!(" {key}"), theme.key),
            Span::styled(format!(" {what} "), theme.dim),
        ];
        let width: usize = spans.iter().map(Span::width).sum::<usize>() + entry.iter().map(Span::width).sum::<usize>();
        if width > area.width as usize {
            break;
        }
        spans.extend(entry);
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// "16:40:12 UTC"
pub fn clock(at: Timestamp, tz: &TimeZone) -> String {
    at.to_zoned(tz.clone()).strftime("%H:%M:%S %Z").to_string()
}

/// Cut spans to fit `width` columns, marking the cut with an ellipsis.
pub fn truncate_spans(spans: Vec<Span<'_>>, width: usize) -> Vec<Span<'_>> {
    let mut out = Vec::new();
    let mut used = 0;
    for span in spans {
        let w = span.width();
        if used + w <= width {
            used += w;
            out.push(span);
            continue;
        }
        let room = width.saturating_sub(used);
        if room > 0 {
            out.push(Span::styled(truncate(&span.content, room), span.style));
        }
        break;
    }
    out
}

/// Cut `text` to `width` characters, ending in "…" when cut.
pub fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut s: String = text.chars().take(width - 1).collect();
    s.push('…');
    s
}

/// A one-line sparkline of the last `width` values, scaled to the largest;
/// zeros (failed polls) show as a gap mark.
pub fn sparkline(values: &[u64], width: usize) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let tail = &values[values.len().saturating_sub(width)..];
    let max = tail.iter().copied().max().unwrap_or(0).max(1);
    tail.iter()
        .map(|&v| if v == 0 { '×' } else { BARS[((v * 7) / max) as usize] })
        .collect()
}

/// A centred block of text lines, for empty states; lines that will wrap
/// count for as many rows as they take.
pub fn centered_lines(lines: Vec<Line<'static>>, area: Rect) -> (Paragraph<'static>, Rect) {
    let width = area.width.max(1) as usize;
    let rows: usize = lines.iter().map(|l| l.width().div_ceil(width).max(1)).sum();
    let top = area.height.saturating_sub(rows as u16) / 2;
    let rect = Rect {
        y: area.y + top,
        height: area.height - top,
        ..area
    };
    (
        Paragraph::new(lines).alignment(Alignment::Center).style(Style::new()),
        rect,
    )
}
