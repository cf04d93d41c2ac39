//! Header, status bar and small text widgets shared by the panes.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme::Theme;
use crate::app::keymap::{Place, UserAction};
use crate::app::model::Overlay;
use crate::app::source_state::human_duration;
use crate::app::{Model, Pane, Screen, bindings};
use crate::model::{HealthStatus, SourceKind};

pub fn header(model: &Model, frame: &mut Frame, area: Rect, theme: &Theme) {
    // The badge comes before the title so a long title never hides it.
    let mut left = vec![Span::styled(" mops ", theme.header.patch(theme.title))];
    if model.readonly {
        left.push(Span::styled(" READ-ONLY ", theme.badge));
    }
    left.push(Span::styled(format!(" {} ", model.title), theme.header));
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
                    theme.header_status(status),
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

/// A toast if there is one, else the keys that apply where the focus is.
pub fn status_bar(model: &Model, frame: &mut Frame, area: Rect, theme: &Theme) {
    if let Some(toast) = &model.toast {
        let style = if toast.error { theme.warn } else { theme.key };
        let line = Line::from(Span::styled(
            format!(" {}", truncate(&toast.text, area.width as usize - 1)),
            style,
        ));
        frame.render_widget(Paragraph::new(line), area);
        return;
    }
    let mut spans = Vec::new();
    // The status bar is the screen's last row.
    for (key, what) in keys_here(model, area.y + 1) {
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

/// The bindings that do something in the current context, most specific
/// first, with their effective keys, on a screen `rows` high.
pub fn keys_here(model: &Model, rows: u16) -> Vec<(String, &'static str)> {
    let km = &model.keymap;
    let first = |a: UserAction, fallback: &str| km.first(a).unwrap_or_else(|| fallback.to_owned());
    let fixed = |pairs: &[(&str, &'static str)]| pairs.iter().map(|(k, w)| ((*k).to_owned(), *w)).collect();
    match &model.overlay {
        Some(Overlay::Help) => {
            let close = km
                .first(UserAction::Back)
                .unwrap_or_else(|| first(UserAction::Help, "?"));
            let mut keys = vec![(close, "close help")];
            if crate::ui::help::max_scroll_at(rows) > 0 {
                let row = bindings().iter().find(|b| b.actions.contains(&UserAction::Up));
                if let Some(arrows) = row.and_then(|b| b.bar_keys(km)) {
                    keys.push((arrows, "scroll"));
                }
            }
            keys.push((first(UserAction::Quit, "Ctrl-C"), "quit"));
            return keys;
        }
        Some(Overlay::ActionMenu(_)) => return fixed(&[("↑↓", "choose"), ("Enter", "plan"), ("Esc", "close")]),
        Some(Overlay::Confirm(_) | Overlay::TimePrompt(_) | Overlay::Palette(_)) => return fixed(&[("Esc", "cancel")]),
        Some(Overlay::Snooze { .. }) => return fixed(&[("↑↓", "choose"), ("Enter", "snooze"), ("Esc", "cancel")]),
        Some(Overlay::Picker(_)) => return fixed(&[("↑↓", "choose"), ("Enter", "plan"), ("Esc", "cancel")]),
        Some(Overlay::ConfirmBatch(_)) => return fixed(&[("y", "send"), ("n", "cancel")]),
        None => {}
    }
    if model.pipeline.editing_filter || model.alerts.editing_filter || model.tasks.editing_filter {
        return fixed(&[("Enter", "keep filter"), ("Esc", "clear filter")]);
    }
    let grid = model.screen == Screen::Grid;
    let place = Place::of(model);
    let shown = |action: UserAction| match action {
        // Kept out of the bar for room; the help lists them.
        UserAction::FocusPrev | UserAction::Top | UserAction::Focus(_) => false,
        UserAction::Open | UserAction::Zoom => grid,
        UserAction::Filter => grid && matches!(model.focus, Pane::Pipeline | Pane::Alerts | Pane::Tasks),
        UserAction::Back => {
            !grid
                || model.zoomed
                || !model.pipeline.filter.is_empty()
                || !model.alerts.filter.is_empty()
                || !model.tasks.filter.is_empty()
        }
        _ => true,
    };
    let mut rows: Vec<(UserAction, String, &'static str)> = bindings()
        .iter()
        .filter(|b| b.scope.applies(place) && shown(b.primary()))
        .filter_map(|b| Some((b.primary(), b.bar_keys(km)?, b.short)))
        .collect();
    // The context's own keys first, the ever-present ones after.
    rows.sort_by_key(|(a, _, _)| {
        matches!(
            a,
            UserAction::Help | UserAction::Quit | UserAction::FocusNext | UserAction::Palette
        )
    });
    if let Screen::SourceDetail(_) = model.screen {
        rows.iter_mut()
            .filter(|(a, _, _)| *a == UserAction::Up)
            .for_each(|e| e.2 = "source");
    }
    if matches!(
        model.screen,
        Screen::CampaignDetail { .. }
            | Screen::PostDetail { .. }
            | Screen::TaskDetail { .. }
            | Screen::FailedDetail { .. }
    ) {
        rows.retain(|(a, _, _)| *a != UserAction::Up);
    }
    rows.into_iter().map(|(_, k, w)| (k, w)).collect()
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

/// The first row shown and how many, for `len` rows in `height` lines with
/// `selected` kept in view (at the bottom edge when scrolled).
pub fn window(selected: usize, len: usize, height: usize) -> (usize, usize) {
    let visible = len.min(height);
    let offset = (selected + 1).saturating_sub(visible.max(1));
    (offset, visible)
}

/// Counts for a narrow cell: 1234 -> "1,234", 250000 -> "250k", 1250000 -> "1.2M".
pub fn thousands(n: u64) -> String {
    match n {
        0..=99_999 => {
            let digits = n.to_string();
            let mut out = String::new();
            for (i, ch) in digits.chars().enumerate() {
                if i > 0 && (digits.len() - i).is_multiple_of(3) {
                    out.push(',');
                }
                out.push(ch);
            }
            out
        }
        100_000..=999_999 => format!("{}k", n / 1000),
        _ => format!("{:.1}M", n as f64 / 1_000_000.0),
    }
}

/// When a pane shows old data: the first source of `kinds` that has data
/// but is failing now, as "data from 3m ago, hubspot DOWN" and its status.
pub fn stale_note(model: &Model, kinds: &[SourceKind]) -> Option<(String, HealthStatus)> {
    model.sources.iter().filter(|s| kinds.contains(&s.kind)).find_map(|s| {
        let (age, status) = s.stale_data(model.now)?;
        let age = human_duration(age);
        Some((format!("data from {age} ago, {} {}", s.name, status.label()), status))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_compactly() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1234), "1,234");
        assert_eq!(thousands(99_999), "99,999");
        assert_eq!(thousands(250_000), "250k");
        assert_eq!(thousands(1_250_000), "1.2M");
    }

    #[test]
    fn truncation_marks_the_cut() {
        assert_eq!(truncate("mailchimp", 9), "mailchimp");
        assert_eq!(truncate("mailchimp", 5), "mail…");
        assert_eq!(truncate("mailchimp", 0), "");
    }

    #[test]
    fn sparklines_scale_and_mark_failures() {
        assert_eq!(sparkline(&[1, 8, 0, 4], 10), "▁█×▄");
        assert_eq!(sparkline(&[5, 5, 5], 2), "██");
    }
}
