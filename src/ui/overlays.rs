//! Popups over the screen: help, action menu, time prompt, confirmation,
//! command palette. Each is drawn from the model alone.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::help;
use super::layout::centered;
use super::theme::Theme;
use super::widgets::truncate;
use crate::actions::Availability;
use crate::actions::time::until;
use crate::app::Model;
use crate::app::model::{ActionMenu, BatchConfirm, Confirm, Overlay, Palette, Picker, TimePrompt};
use crate::app::palette;

pub fn render(model: &Model, frame: &mut Frame, area: Rect, theme: &Theme) {
    match &model.overlay {
        None => {}
        Some(Overlay::Help) => help::render(model, frame, area, theme),
        Some(Overlay::ActionMenu(menu)) => action_menu(menu, frame, area, theme),
        Some(Overlay::TimePrompt(prompt)) => time_prompt(model, prompt, frame, area, theme),
        Some(Overlay::Confirm(confirm)) => confirm_popup(confirm, frame, area, theme),
        Some(Overlay::Palette(p)) => palette_popup(model, p, frame, area, theme),
        Some(Overlay::Snooze { selected, .. }) => snooze(*selected, frame, area, theme),
        Some(Overlay::Picker(p)) => picker(p, frame, area, theme),
        Some(Overlay::ConfirmBatch(b)) => confirm_batch(b, frame, area, theme),
    }
}

/// A bordered popup of `lines`, at most `max_width` wide, centred in `area`.
fn popup(
    frame: &mut Frame,
    area: Rect,
    title: String,
    lines: Vec<Line<'_>>,
    footer: &str,
    max_width: u16,
    theme: &Theme,
) {
    let content_width = lines.iter().map(Line::width).max().unwrap_or(0) as u16;
    let width = (content_width + 4)
        .max(title.chars().count() as u16 + 6)
        .max(footer.chars().count() as u16 + 6)
        .min(max_width);
    // Wrap here, not in the Paragraph, so the popup is exactly as tall as what it shows.
    let inner = width.saturating_sub(2).max(1) as usize;
    let lines: Vec<Line> = lines.into_iter().flat_map(|l| wrap_line(l, inner)).collect();
    let rect = centered(area, width, lines.len() as u16 + 2);
    let block = Block::bordered()
        .border_style(theme.focused_border)
        .title(Span::styled(format!(" {title} "), theme.title))
        .title_bottom(Line::from(Span::styled(format!(" {footer} "), theme.dim)).right_aligned());
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}

/// Wrap a line to `width` columns: at spaces where it can, through a word
/// (a URL, say) where it must. Lines of several styles are kept whole: they
/// are the short prompts.
fn wrap_line(line: Line<'_>, width: usize) -> Vec<Line<'_>> {
    if line.width() <= width || line.spans.len() != 1 {
        return vec![line];
    }
    let style = line.spans[0].style;
    wrap_text(&line.spans[0].content, width)
        .into_iter()
        .map(|t| Line::from(Span::styled(t, style)))
        .collect()
}

pub fn wrap_text(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out: Vec<String> = Vec::new();
    // Keep the first line's indent: request lines are indented.
    let body = text.trim_start_matches(' ');
    let mut current = " ".repeat((text.len() - body.len()).min(width / 2));
    for word in body.split(' ') {
        let candidate = if current.trim().is_empty() {
            format!("{current}{word}")
        } else {
            format!("{current} {word}")
        };
        if candidate.chars().count() <= width {
            current = candidate;
            continue;
        }
        if !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        let mut rest: Vec<char> = word.chars().collect();
        while rest.len() > width {
            out.push(rest.drain(..width).collect());
        }
        current = rest.into_iter().collect();
    }
    out.push(current);
    out
}

fn action_menu(menu: &ActionMenu, frame: &mut Frame, area: Rect, theme: &Theme) {
    let name_width = menu.items.iter().map(|i| i.spec.name.len()).max().unwrap_or(0);
    let room = area.width.saturating_sub(8) as usize;
    let lines: Vec<Line> = menu
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let (spec, availability) = (&item.spec, &item.availability);
            let marker = if i == menu.selected { "▶ " } else { "  " };
            let (style, note) = match availability {
                Availability::Ready => (Style::new(), spec.summary.to_string()),
                Availability::Disabled(why) => (theme.dim, format!("unavailable: {why}")),
            };
            let style = if i == menu.selected {
                style.patch(theme.selected)
            } else {
                style
            };
            let danger = if spec.irreversible { " !" } else { "" };
            let text = format!("{marker}{:<name_width$}{danger:2} {note}", spec.name);
            Line::from(Span::styled(truncate(&text, room), style))
        })
        .collect();
    let mut lines = lines;
    // The selected item in full: a reason cut short in its row reads whole here.
    if let Some(item) = menu.items.get(menu.selected) {
        let full = match &item.availability {
            Availability::Ready => format!("{} {}: {}", item.spec.name, item.target_name, item.spec.summary),
            Availability::Disabled(why) => format!("{} {}: unavailable: {why}", item.spec.name, item.target_name),
        };
        if full.chars().count() > room.saturating_sub(2) {
            lines.push(Line::from(""));
            lines.push(Line::from(Span::styled(full, theme.dim)));
        }
    }
    let title = format!("Actions: {}", truncate(&menu.title, 40));
    popup(
        frame,
        area,
        title,
        lines,
        "↑↓ choose · Enter plan · Esc close · ! irreversible",
        area.width.saturating_sub(4),
        theme,
    );
}

fn time_prompt(model: &Model, prompt: &TimePrompt, frame: &mut Frame, area: Rect, theme: &Theme) {
    let kind = model
        .sources
        .get(prompt.source)
        .map_or(crate::model::SourceKind::Http, |s| s.kind);
    let target = truncate(&prompt.target_name, 50);
    let question = match prompt.action {
        "postpone" => format!("When is {target} due now?"),
        "reschedule" => format!("When should {target} publish?"),
        _ => format!("When should {target} go out?"),
    };
    let mut lines = vec![
        Line::from(question),
        Line::from(Span::styled(
            "e.g. 2026-11-23 09:00 · 09:00 · tomorrow 09:00 · +2h (local time)",
            theme.dim,
        )),
    ];
    if kind == crate::model::SourceKind::Mailchimp {
        lines.push(Line::from(Span::styled(
            "Mailchimp sends on quarter hours: the time is rounded",
            theme.dim,
        )));
    }
    lines.extend([
        Line::from(""),
        Line::from(vec![
            Span::styled("> ", theme.key),
            Span::raw(prompt.input.clone()),
            Span::styled("█", theme.key),
        ]),
    ]);
    let parsed = crate::actions::time::parse_when(&prompt.input, model.now, &model.tz)
        .and_then(|t| crate::actions::time::action_time(kind, t, model.now));
    match (&prompt.error, parsed) {
        (Some(e), _) => lines.push(Line::from(Span::styled(e.clone(), theme.warn))),
        (None, Ok(t)) if !prompt.input.trim().is_empty() => {
            let local = t.to_zoned(model.tz.clone()).strftime("%a %d %b %H:%M %Z").to_string();
            lines.push(Line::from(Span::styled(
                format!("= {local} ({})", until(model.now, t)),
                theme.dim,
            )));
        }
        _ => lines.push(Line::from("")),
    }
    popup(
        frame,
        area,
        format!("{}: time", prompt.action),
        lines,
        "Enter plan · Esc cancel",
        76,
        theme,
    );
}

fn confirm_popup(confirm: &Confirm, frame: &mut Frame, area: Rect, theme: &Theme) {
    let p = &confirm.planned;
    let mut lines = vec![Line::from(Span::styled(p.effect.clone(), theme.title)), Line::from("")];
    lines.push(Line::from(Span::styled(
        "This exact request will be sent once (writes are never retried):",
        theme.dim,
    )));
    lines.extend(
        p.request_lines()
            .into_iter()
            .map(|l| Line::from(Span::styled(format!("  {l}"), theme.key))),
    );
    lines.push(Line::from(""));
    let footer = if p.irreversible {
        lines.push(Line::from(Span::styled("This cannot be undone.", theme.warn)));
        lines.push(Line::from(format!("Type the name to confirm: {}", p.target_name)));
        lines.push(Line::from(vec![
            Span::styled("> ", theme.key),
            Span::raw(confirm.typed.clone()),
            Span::styled("█", theme.key),
        ]));
        "Enter send when the name matches · Esc cancel"
    } else {
        lines.push(Line::from(vec![
            Span::styled("y", theme.key),
            Span::raw(" or Enter sends it, "),
            Span::styled("n", theme.key),
            Span::raw(" or Esc cancels"),
        ]));
        "y send · n cancel"
    };
    let title = if confirm.retry_of.is_some() {
        format!("Retry {}?", p.action)
    } else {
        format!("{}?", p.action)
    };
    popup(frame, area, title, lines, footer, area.width.saturating_sub(4), theme);
}

fn picker(p: &Picker, frame: &mut Frame, area: Rect, theme: &Theme) {
    let room = area.height.saturating_sub(4) as usize;
    let selected = p.selected.min(p.options.len().saturating_sub(1));
    let skip = (selected + 1).saturating_sub(room.max(1));
    let lines: Vec<Line> = p
        .options
        .iter()
        .enumerate()
        .skip(skip)
        .take(room)
        .map(|(i, (_, label))| {
            let style = if i == selected { theme.selected } else { Style::new() };
            Line::from(Span::styled(format!(" {label} "), style))
        })
        .collect();
    let title = format!("{}: {}", p.action, truncate(&p.target_name, 30));
    popup(
        frame,
        area,
        title,
        lines,
        "↑↓ choose · Enter plan · Esc cancel",
        60,
        theme,
    );
}

fn confirm_batch(b: &BatchConfirm, frame: &mut Frame, area: Rect, theme: &Theme) {
    let mut lines = vec![Line::from(Span::styled(b.summary.clone(), theme.title)), Line::from("")];
    lines.push(Line::from(Span::styled(
        format!(
            "{} requests like this one, each sent once and audited:",
            b.planned.len()
        ),
        theme.dim,
    )));
    if let Some(first) = b.planned.first() {
        lines.push(Line::from(Span::styled(format!("  {}", first.effect), theme.dim)));
        lines.extend(
            first
                .request_lines()
                .into_iter()
                .map(|l| Line::from(Span::styled(format!("  {l}"), theme.key))),
        );
    }
    lines.push(Line::from(""));
    lines.push(Line::from(vec![
        Span::styled("y", theme.key),
        Span::raw(" or Enter sends them, "),
        Span::styled("n", theme.key),
        Span::raw(" or Esc cancels; x in 4 Task queues stops a running batch"),
    ]));
    popup(
        frame,
        area,
        format!(
            "{} x{}?",
            b.planned.first().map_or("", |p| p.action.as_str()),
            b.planned.len()
        ),
        lines,
        "y send · n cancel",
        area.width.saturating_sub(4),
        theme,
    );
}

fn snooze(selected: usize, frame: &mut Frame, area: Rect, theme: &Theme) {
    let lines: Vec<Line> = crate::app::update::SNOOZES
        .iter()
        .enumerate()
        .map(|(i, (label, _))| {
            let style = if i == selected { theme.selected } else { Style::new() };
            Line::from(Span::styled(format!(" {label} "), style))
        })
        .collect();
    popup(frame, area, "Snooze for".to_string(), lines, "Enter · Esc", 30, theme);
}

fn palette_popup(model: &Model, p: &Palette, frame: &mut Frame, area: Rect, theme: &Theme) {
    let found = palette::matches(model, &p.input);
    let room = area.height.saturating_sub(6) as usize;
    let selected = p.selected.min(found.len().saturating_sub(1));
    let skip = (selected + 1).saturating_sub(room.max(1));
    let mut lines = vec![
        Line::from(vec![
            Span::styled(": ", theme.key),
            Span::raw(p.input.clone()),
            Span::styled("█", theme.key),
        ]),
        Line::from(""),
    ];
    if found.is_empty() {
        lines.push(Line::from(Span::styled("nothing matches", theme.dim)));
    }
    lines.extend(found.iter().enumerate().skip(skip).take(room).map(|(i, item)| {
        let style = if i == selected { theme.selected } else { Style::new() };
        Line::from(Span::styled(format!(" {} ", item.label), style))
    }));
    let width = area.width.saturating_sub(4).min(70);
    popup(
        frame,
        area,
        "Command palette".to_string(),
        lines,
        "type to search · ↑↓ · Enter run · Esc close",
        width,
        theme,
    );
}

#[cfg(test)]
mod tests {
    use super::wrap_text;

    #[test]
    fn wraps_at_spaces_and_through_long_words() {
        assert_eq!(wrap_text("schedule the draft now", 12), ["schedule the", "draft now"]);
        assert_eq!(
            wrap_text("  POST http://x/abcdefghij", 10),
            ["  POST", "http://x/a", "bcdefghij"]
        );
        assert_eq!(wrap_text("short", 10), ["short"]);
    }
}
