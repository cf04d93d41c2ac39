//! One campaign in full: settings, its report against the thresholds, ROMI,
//! and which actions its state allows.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::theme::Theme;
use super::widgets::thousands;
use crate::actions::Availability;
use crate::app::Model;
use crate::app::pipeline;
use crate::app::update::campaign_actions;
use crate::model::Campaign;

pub fn render(model: &Model, source: usize, id: &str, frame: &mut Frame, area: Rect, theme: &Theme) {
    let source_name = model.sources.get(source).map_or("", |s| s.name.as_str());
    let Some(c) = pipeline::find(model, source, id) else {
        let block = Block::bordered().title(" Campaign ");
        let text = format!("Campaign {id} is no longer listed by {source_name}. Esc goes back.");
        frame.render_widget(Paragraph::new(text).block(block), area);
        return;
    };
    let block = Block::bordered()
        .border_type(theme.border_type(true))
        .border_style(theme.focused_border)
        .title(Line::from(vec![
            Span::styled(format!(" {} ", c.display_name()), theme.title),
            Span::styled(format!("{} · {} ", c.kind, c.status.key()), theme.dim),
        ]))
        .title(Line::from(Span::styled(format!(" {source_name} "), theme.dim)).right_aligned());
    let lines = lines(model, source, c, theme);
    frame.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: false }), area);
}

fn lines(model: &Model, source: usize, c: &Campaign, theme: &Theme) -> Vec<Line<'static>> {
    let t = &model.pipeline_cfg.thresholds;
    let local = |ts: jiff::Timestamp| {
        ts.to_zoned(model.tz.clone())
            .strftime("%a %d %b %Y %H:%M %Z")
            .to_string()
    };
    let row = |label: &str, value: Vec<Span<'static>>| {
        let mut spans = vec![Span::styled(format!("{label:<11}"), theme.dim)];
        spans.extend(value);
        Line::from(spans)
    };
    let plain = |s: String| vec![Span::raw(s)];
    let mut out = Vec::new();

    let mut stage = c.stage().label().to_string();
    if c.status.key() != stage {
        stage.push_str(&format!(" (Mailchimp status {})", c.status.key()));
    }
    if let Some(t) = c.send_time {
        stage.push_str(&format!(" · send time {}", local(t)));
    }
    out.push(row("Stage", plain(stage)));
    out.push(row(
        "Audience",
        plain(format!("{} ({} recipients)", c.list_name, thousands(c.recipient_count))),
    ));
    out.push(row("Subject", plain(c.subject.clone())));
    if !c.from_name.is_empty() {
        out.push(row("From", plain(c.from_name.clone())));
    }
    let web = c.web_id.map(|w| format!(" · web id {w}")).unwrap_or_default();
    out.push(row("Id", plain(format!("{}{web}", c.id))));
    if let Some(t) = c.create_time {
        out.push(row("Created", plain(local(t))));
    }
    out.push(Line::from(""));

    match &c.report {
        None => out.push(row(
            "Report",
            vec![Span::styled(
                "none yet (reports exist once a campaign is sent)",
                theme.dim,
            )],
        )),
        Some(r) => {
            let flags = pipeline::flags(c, t);
            let pct = |x: Option<f64>| x.map_or("-".to_string(), |x| format!("{:.2}%", x * 100.0));
            let flagged = |on: bool, text: String, limit: String| {
                if on {
                    vec![Span::styled(format!("{text}  over the {limit} threshold"), theme.warn)]
                } else {
                    vec![Span::raw(text)]
                }
            };
            out.push(row("Sent", plain(format!("{} emails", thousands(r.emails_sent)))));
            out.push(row(
                "Opens",
                flagged(
                    flags.open,
                    format!("{} unique · {}", r.unique_opens, pct(Some(r.open_rate))),
                    t.open_rate_min
                        .map_or(String::new(), |m| format!("{:.1}% minimum", m * 100.0)),
                ),
            ));
            out.push(row(
                "Clicks",
                flagged(
                    flags.click,
                    format!("{} unique · {}", r.unique_subscriber_clicks, pct(Some(r.click_rate))),
                    t.click_rate_min
                        .map_or(String::new(), |m| format!("{:.1}% minimum", m * 100.0)),
                ),
            ));
            out.push(row(
                "Bounces",
                flagged(
                    flags.bounce,
                    format!(
                        "{} hard · {} soft · {} syntax · {}",
                        r.hard_bounces,
                        r.soft_bounces,
                        r.syntax_errors,
                        pct(r.bounce_rate())
                    ),
                    format!("{:.1}%", t.bounce_rate * 100.0),
                ),
            ));
            out.push(row(
                "Unsubs",
                flagged(
                    flags.unsubscribe,
                    format!("{} · {}", r.unsubscribed, pct(r.unsubscribe_rate())),
                    format!("{:.1}%", t.unsubscribe_rate * 100.0),
                ),
            ));
            let plural = if r.abuse_reports == 1 { "" } else { "s" };
            out.push(row("Abuse", plain(format!("{} abuse report{plural}", r.abuse_reports))));
        }
    }
    let romi = match pipeline::economics(c, &model.pipeline_cfg.campaigns) {
        None => vec![Span::styled(
            "add a [[pipeline.campaign]] with this id and its cost to see ROMI",
            theme.dim,
        )],
        Some(e) => match (e.revenue, pipeline::romi(c, &model.pipeline_cfg.campaigns)) {
            (Some(rev), Some(r)) => plain(format!(
                "{:+.1}% (revenue {rev:.2} - cost {:.2}) / cost",
                r * 100.0,
                e.cost
            )),
            _ => vec![Span::styled(
                format!("cost {:.2}; no revenue known yet", e.cost),
                theme.dim,
            )],
        },
    };
    out.push(row("ROMI", romi));
    out.push(Line::from(""));
    out.push(Line::from(Span::styled("Actions (x)", theme.title)));
    for (spec, availability) in campaign_actions(model, source, c) {
        let line = match availability {
            Availability::Ready => Line::from(vec![
                Span::styled(format!("  {:<12}", spec.name), theme.key),
                Span::raw(spec.summary),
            ]),
            Availability::Disabled(why) => Line::from(Span::styled(
                format!("  {:<12}unavailable: {why}", spec.name),
                theme.dim.patch(Style::new()),
            )),
        };
        out.push(line);
    }
    out
}
