//! One item of the task queues in full: a post or page, a CRM task, or a
//! failed action with its exact request and why it failed.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::theme::Theme;
use crate::actions::{Availability, Target};
use crate::app::Model;
use crate::app::source_state::human_duration;
use crate::app::tasks;
use crate::sources;

/// A labelled line: the label dim in a fixed column.
fn row(label: &str, value: Vec<Span<'static>>, theme: &Theme) -> Line<'static> {
    let mut spans = vec![Span::styled(format!("{label:<11}"), theme.dim)];
    spans.extend(value);
    Line::from(spans)
}

fn local(model: &Model, t: jiff::Timestamp) -> String {
    t.to_zoned(model.tz.clone())
        .strftime("%a %d %b %Y %H:%M %Z")
        .to_string()
}

/// "Mon 23 Nov 2026 09:00 EST (in 21h)" or "(3h ago)".
fn when(model: &Model, t: jiff::Timestamp) -> String {
    let rel = if t >= model.now {
        format!("in {}", human_duration(tasks_duration(model.now, t)))
    } else {
        format!("{} ago", human_duration(tasks_duration(t, model.now)))
    };
    format!("{} ({rel})", local(model, t))
}

fn tasks_duration(from: jiff::Timestamp, to: jiff::Timestamp) -> std::time::Duration {
    std::time::Duration::try_from(to.duration_since(from)).unwrap_or_default()
}

fn frame_block(title: String, kind: String, source: &str, theme: &Theme) -> Block<'static> {
    Block::bordered()
        .border_type(theme.border_type(true))
        .border_style(theme.focused_border)
        .title(Line::from(vec![
            Span::styled(format!(" {title} "), theme.title),
            Span::styled(format!("{kind} "), theme.dim),
        ]))
        .title(Line::from(Span::styled(format!(" {source} "), theme.dim)).right_aligned())
}

fn gone(what: String, frame: &mut Frame, area: Rect) {
    let text = format!("{what} is no longer in the queues (done, or changed elsewhere). Esc goes back.");
    frame.render_widget(
        Paragraph::new(text).block(Block::bordered()).wrap(Wrap { trim: true }),
        area,
    );
}

/// The actions a target offers, each ready or greyed with the reason.
fn action_lines(model: &Model, source: usize, target: Target<'_>, theme: &Theme) -> Vec<Line<'static>> {
    let Some(kind) = model.sources.get(source).map(|s| s.kind) else {
        return Vec::new();
    };
    let mut out = vec![Line::from(""), Line::from(Span::styled("Actions (x)", theme.title))];
    for spec in sources::actions_for_target(kind, target) {
        let availability = if model.readonly {
            Availability::Disabled("read-only mode: writes are blocked".to_owned())
        } else {
            sources::availability(kind, spec.name, target)
        };
        out.push(match availability {
            Availability::Ready => Line::from(vec![
                Span::styled(format!("  {:<14}", spec.name), theme.key),
                Span::raw(spec.summary),
            ]),
            Availability::Disabled(why) => Line::from(Span::styled(
                format!("  {:<14}unavailable: {why}", spec.name),
                theme.dim.patch(Style::new()),
            )),
        });
    }
    out
}

pub fn render_post(model: &Model, source: usize, id: u64, frame: &mut Frame, area: Rect, theme: &Theme) {
    let source_name = model.sources.get(source).map_or("", |s| s.name.as_str());
    let Some((content, post)) = tasks::find_post(model, source, id) else {
        return gone(format!("Post {id} of {source_name}"), frame, area);
    };
    let now = model.now;
    let plain = |s: String| vec![Span::raw(s)];
    let mut lines = Vec::new();
    let mut status = vec![Span::raw(post.status.label().to_owned())];
    if let Some(late) = post.missed_schedule(now) {
        status.push(Span::styled(
            format!(
                "  MISSED SCHEDULE: {} late (WP-cron did not publish it)",
                human_duration(late)
            ),
            theme.warn,
        ));
    } else if let Some(waiting) = post.pending_for(now) {
        status.push(Span::styled(
            format!("  waiting for review for {}", human_duration(waiting)),
            theme.dim,
        ));
    } else if let Some(untouched) = post.stale_draft(now, model.queues.stale_draft_after) {
        status.push(Span::styled(
            format!("  stale: untouched for {}", human_duration(untouched)),
            theme.dim,
        ));
    }
    lines.push(row("Status", status, theme));
    let date_label = match post.status {
        crate::model::PostStatus::Future => "Scheduled",
        crate::model::PostStatus::Publish => "Published",
        _ => "Date",
    };
    if let Some(d) = post.date {
        lines.push(row(date_label, plain(when(model, d)), theme));
        if model.tz.to_offset(d) != jiff::tz::Offset::UTC {
            lines.push(row("", vec![Span::styled(format!("{d} (UTC)"), theme.dim)], theme));
        }
    }
    if let Some(m) = post.modified {
        lines.push(row("Modified", plain(when(model, m)), theme));
    }
    let author = content.author_name(post);
    if !author.is_empty() {
        lines.push(row("Author", plain(author), theme));
    }
    lines.push(row("Slug", plain(post.slug.clone()), theme));
    lines.push(row("Id", plain(format!("{} ({})", post.id, post.kind.label())), theme));
    if let Some(link) = &post.link {
        lines.push(row("Link", plain(link.clone()), theme));
    }
    if let Some(edit) = content.edit_url(post) {
        lines.push(row("Edit", plain(edit), theme));
    }
    lines.extend(action_lines(model, source, Target::Post(post), theme));
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        "o opens the post's edit page in wp-admin · y copies its id",
        theme.dim,
    )));
    let block = frame_block(
        post.display_title().to_owned(),
        format!("{} · {}", post.kind.label(), post.status.key()),
        source_name,
        theme,
    );
    frame.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: false }), area);
}

pub fn render_task(model: &Model, source: usize, id: &str, frame: &mut Frame, area: Rect, theme: &Theme) {
    let source_name = model.sources.get(source).map_or("", |s| s.name.as_str());
    let Some((crm, task)) = tasks::find_task(model, source, id) else {
        return gone(format!("Task {id} of {source_name}"), frame, area);
    };
    let now = model.now;
    let plain = |s: String| vec![Span::raw(s)];
    let mut lines = Vec::new();
    let mut due = match task.due {
        Some(d) => vec![Span::raw(when(model, d))],
        None => vec![Span::styled("no due date".to_owned(), theme.dim)],
    };
    if let Some(late) = task.overdue_by(now) {
        due.push(Span::styled(
            format!("  OVERDUE by {}", human_duration(late)),
            theme.warn,
        ));
    } else if task.due_today(now, &model.tz).is_some() {
        due.push(Span::styled("  due today".to_owned(), theme.title));
    }
    lines.push(row("Due", due, theme));
    lines.push(row("Status", plain(task.status.label().to_owned()), theme));
    if let Some(p) = task.priority {
        lines.push(row("Priority", plain(p.label().to_owned()), theme));
    }
    if let Some(t) = &task.task_type {
        lines.push(row("Type", plain(t.to_lowercase()), theme));
    }
    lines.push(row(
        "Owner",
        plain(tasks::owner_name(crm, task.owner_id.as_deref())),
        theme,
    ));
    lines.push(row("Id", plain(task.id.clone()), theme));
    if let Some(m) = task.modified {
        lines.push(row("Modified", plain(when(model, m)), theme));
    }
    if let Some(body) = task.body.as_deref().map(strip_tags).filter(|b| !b.is_empty()) {
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled("Notes", theme.title)));
        lines.extend(body.lines().map(|l| Line::from(format!("  {l}"))));
    }
    lines.extend(action_lines(model, source, Target::Task(task), theme));
    let block = frame_block(
        task.display_subject().to_owned(),
        "CRM task".to_owned(),
        source_name,
        theme,
    );
    frame.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: false }), area);
}

/// HubSpot keeps task notes as HTML: show the text.
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub fn render_failed(model: &Model, id: u64, frame: &mut Frame, area: Rect, theme: &Theme) {
    let Some(f) = model.failed.iter().find(|f| f.id == id) else {
        return gone(format!("Failed action {id}"), frame, area);
    };
    let source_name = model.sources.get(f.source).map_or("", |s| s.name.as_str());
    let plain = |s: String| vec![Span::raw(s)];
    let e = &f.error;
    let mut lines = vec![
        row(
            "Action",
            plain(format!("{} {}", f.planned.action, f.planned.target_name)),
            theme,
        ),
        row("Effect", plain(f.planned.effect.clone()), theme),
        row("Failed", plain(when(model, f.at)), theme),
        row("Why", vec![Span::styled(e.message.clone(), theme.warn)], theme),
    ];
    if let Some(code) = e.http_status {
        lines.push(row("HTTP", plain(code.to_string()), theme));
    }
    if let Some(v) = &e.vendor {
        let code = v.code.as_deref().map(|c| format!("{c}: ")).unwrap_or_default();
        lines.push(row("Vendor", plain(format!("{code}{}", v.message)), theme));
    }
    lines.push(row(
        "Request id",
        plain(
            e.request_id
                .clone()
                .unwrap_or_else(|| "none: nothing was sent".to_owned()),
        ),
        theme,
    ));
    if let Some(stored) = f.stored {
        lines.push(row(
            "Kept as",
            plain(format!("#{stored} (from a shell: mops act --retry {stored})")),
            theme,
        ));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled("The request a retry sends again", theme.title)));
    lines.extend(
        f.planned
            .request_lines()
            .into_iter()
            .map(|l| Line::from(Span::raw(format!("  {l}")))),
    );
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        "x: retry (after confirming) or discard. Nothing is retried on its own.",
        theme.dim,
    )));
    let block = frame_block(
        format!("Failed: {}", f.planned.action),
        f.planned.target_name.clone(),
        source_name,
        theme,
    );
    frame.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: false }), area);
}

#[cfg(test)]
mod tests {
    use super::strip_tags;

    #[test]
    fn task_notes_lose_their_markup() {
        assert_eq!(
            strip_tags("<p>Call <b>Ann</b></p><p>re: renewal</p>"),
            "Call Ann re: renewal"
        );
    }
}
