//! The report as Markdown: headings and pipe tables, figures right-aligned,
//! times in the local zone. Renders anywhere Markdown does (a wiki, a
//! ticket, an email) and reads fine as plain text.

use std::fmt::Write as _;
use std::time::Duration;

use jiff::tz::TimeZone;

use super::build::{CRM_PART, EMAIL_PART};
use super::model::*;
use super::text::{self, NONE, count, money, pct, signed_pct};
use crate::model::SourceKind;

/// Column alignment in a pipe table.
#[derive(Clone, Copy)]
enum Align {
    Left,
    Right,
}
use Align::{Left, Right};

/// A pipe table; cells are escaped as they are added.
struct Table {
    head: Vec<(&'static str, Align)>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn new(head: &[(&'static str, Align)]) -> Table {
        Table {
            head: head.to_vec(),
            rows: Vec::new(),
        }
    }

    fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    fn render(&self, out: &mut String) {
        let line = |cells: &mut dyn Iterator<Item = String>| format!("| {} |\n", cells.collect::<Vec<_>>().join(" | "));
        out.push_str(&line(&mut self.head.iter().map(|(h, _)| (*h).to_owned())));
        out.push_str(&line(&mut self.head.iter().map(|(_, a)| {
            match a {
                Left => ":---",
                Right => "---:",
            }
            .to_owned()
        })));
        for row in &self.rows {
            out.push_str(&line(&mut row.iter().cloned()));
        }
        out.push('\n');
    }
}

/// Vendor text made safe for a table cell: one line, no pipes, and no
/// Markdown or HTML that would change how the report renders.
fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.trim().chars() {
        match c {
            c if c.is_control() => out.push(' '),
            '\\' | '|' | '*' | '_' | '`' | '[' | ']' | '<' | '>' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    if out.is_empty() { NONE.to_owned() } else { out }
}

fn bold(text: String) -> String {
    if text == NONE { text } else { format!("**{text}**") }
}

/// Renders the whole report; ends with a newline.
pub fn render(r: &Report, tz: &TimeZone) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Marketing ops report: {}\n", cell(&r.title));
    let _ = writeln!(
        out,
        "Generated {}, covering the last {}: {} to {}.\n",
        text::time(r.generated_at, tz),
        cell(&r.period.label),
        text::time(r.period.from, tz),
        text::time(r.period.to, tz),
    );
    missing(&mut out, r);
    uptime(&mut out, r, tz);
    campaigns(&mut out, r, tz);
    churn(&mut out, r, tz);
    alerts(&mut out, r);
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

fn missing(out: &mut String, r: &Report) {
    if r.missing.is_empty() {
        return;
    }
    out.push_str("## Missing from this report\n\n");
    for m in &r.missing {
        let why = match (&m.source, &m.status) {
            (Some(source), Some(status)) => format!("{} is {status}: {}", cell(source), cell(&m.reason)),
            _ => cell(&m.reason),
        };
        let _ = writeln!(out, "- **{}**: {why}.", capitalised(&m.part));
    }
    out.push('\n');
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn uptime(out: &mut String, r: &Report, tz: &TimeZone) {
    out.push_str("## Source uptime\n\n");
    if !r.history.available {
        let why = r.history.reason.as_deref().unwrap_or("no poll history");
        let _ = writeln!(
            out,
            "Uptime history is unavailable ({}); only each source's status now is shown.\n",
            cell(why)
        );
    }
    let mut t = Table::new(&[
        ("Source", Left),
        ("Kind", Left),
        ("Now", Left),
        ("Uptime", Right),
        ("Polls", Right),
        ("Coverage", Right),
        ("Down time", Right),
        ("Longest outage", Left),
        ("Statuses seen", Left),
    ]);
    for s in &r.sources {
        let mut row = vec![cell(&s.name), s.kind.label().to_owned(), s.status.clone()];
        match &s.uptime {
            Some(u) => row.extend([
                pct(u.uptime),
                count(u.polls as u64),
                pct(Some(u.coverage)),
                text::duration(Duration::from_secs(u.down_s)),
                u.longest_outage.as_ref().map_or_else(
                    || NONE.to_owned(),
                    |o| {
                        format!(
                            "{} from {}",
                            text::duration(Duration::from_secs(o.duration_s)),
                            text::time(o.start, tz)
                        )
                    },
                ),
                u.statuses.join(", "),
            ]),
            None => {
                let none = if r.history.available { "no history" } else { NONE };
                row.push(none.to_owned());
                row.extend(std::iter::repeat_n(NONE.to_owned(), 5));
            }
        }
        t.row(row);
    }
    t.render(out);
    if r.history.available {
        let _ = writeln!(
            out,
            "Up means OK or DEGRADED. Each poll's status holds until the source's next poll, however often \
             it was polled, but never over {}; time beyond that was not watched, and coverage is the share of \
             the period that was. \"No history\": no poll of that source was recorded in the period.\n",
            text::duration(Duration::from_secs(r.history.max_hold_s)),
        );
    }
}

/// The missing entries for one part, as a sentence: "mailchimp is DOWN (HTTP 503)".
fn failures(r: &Report, part: &str) -> Vec<String> {
    r.missing
        .iter()
        .filter(|m| m.part == part)
        .map(|m| match (&m.source, &m.status) {
            (Some(source), Some(status)) => format!("{} is {status} ({})", cell(source), cell(&m.reason)),
            _ => cell(&m.reason),
        })
        .collect()
}

/// True when no source of `kind` brought data: the section has nothing to show.
fn nothing_from(r: &Report, kind: SourceKind, part: &str) -> bool {
    let failed = r.missing.iter().filter(|m| m.part == part).count();
    failed > 0 && failed >= r.sources.iter().filter(|s| s.kind == kind).count()
}

fn campaigns(out: &mut String, r: &Report, tz: &TimeZone) {
    out.push_str("## Campaigns\n\n");
    let c = &r.campaigns;
    let why = failures(r, EMAIL_PART);
    if nothing_from(r, SourceKind::Mailchimp, EMAIL_PART) {
        let _ = writeln!(out, "No campaign figures: {}.\n", why.join("; "));
        return;
    }
    if !c.complete {
        let _ = writeln!(out, "Incomplete: {}; its campaigns are left out.\n", why.join("; "));
    }
    out.push_str("### By stage\n\n");
    let mut t = Table::new(&[("Stage", Left), ("Campaigns", Right)]);
    for s in &c.by_stage {
        t.row(vec![s.stage.to_owned(), count(s.campaigns as u64)]);
    }
    t.row(vec![
        "**All**".to_owned(),
        bold(count(c.by_stage.iter().map(|s| s.campaigns as u64).sum())),
    ]);
    t.render(out);

    let n = c.sent.len();
    let _ = writeln!(
        out,
        "### Sent in the period: {n} campaign{}\n",
        if n == 1 { "" } else { "s" }
    );
    if n == 0 {
        out.push_str("No campaign was sent in the period.\n\n");
        return;
    }
    let mut t = Table::new(&[
        ("Campaign", Left),
        ("Audience", Left),
        ("Sent", Left),
        ("Sends", Right),
        ("Open", Right),
        ("Click", Right),
        ("Bounce", Right),
        ("Unsub", Right),
        ("Cost", Right),
        ("Revenue", Right),
        ("ROMI", Right),
    ]);
    let flag = |text: String, on: bool| if on { format!("{text} !") } else { text };
    for s in &c.sent {
        let has = |name| s.kpis.flags.contains(&name);
        t.row(vec![
            cell(&s.title),
            cell(&s.audience),
            s.sent_at.map_or_else(|| NONE.to_owned(), |at| text::date(at, tz)),
            count(s.sends),
            flag(pct(s.kpis.open_rate), has("open_rate")),
            flag(pct(s.kpis.click_rate), has("click_rate")),
            flag(pct(s.kpis.bounce_rate), has("bounce_rate")),
            flag(pct(s.kpis.unsubscribe_rate), has("unsubscribe_rate")),
            money(s.kpis.cost),
            money(s.kpis.revenue),
            signed_pct(s.kpis.romi),
        ]);
    }
    let total = &c.totals;
    // One row while every campaign with a cost has a revenue; otherwise the
    // spend's row leaves revenue and ROMI out (a revenue not known is not
    // zero) and a second row gives them with their own cost.
    let revenue = total.with_revenue.as_ref();
    let split = revenue.is_some_and(|r| r.campaigns < total.with_cost);
    t.row(vec![
        format!("**All {}**", total.campaigns),
        String::new(),
        String::new(),
        bold(count(total.sends)),
        bold(pct(total.open_rate)),
        bold(pct(total.click_rate)),
        bold(pct(total.bounce_rate)),
        bold(pct(total.unsubscribe_rate)),
        bold(money(total.cost)),
        bold(money(revenue.filter(|_| !split).map(|r| r.revenue))),
        bold(signed_pct(revenue.filter(|_| !split).and_then(|r| r.romi))),
    ]);
    if let Some(r) = revenue.filter(|_| split) {
        let mut row = vec![format!("**With revenue {}**", r.campaigns)];
        row.extend(std::iter::repeat_n(String::new(), 7));
        row.extend([
            bold(money(Some(r.cost))),
            bold(money(Some(r.revenue))),
            bold(signed_pct(r.romi)),
        ]);
        t.row(row);
    }
    t.render(out);
    let th = &c.thresholds;
    let mut limits = vec![
        format!("bounce rate over {}", pct(Some(th.bounce_rate))),
        format!("unsubscribe rate over {}", pct(Some(th.unsubscribe_rate))),
    ];
    if let Some(min) = th.open_rate_min {
        limits.push(format!("open rate under {}", pct(Some(min))));
    }
    if let Some(min) = th.click_rate_min {
        limits.push(format!("click rate under {}", pct(Some(min))));
    }
    let _ = writeln!(
        out,
        "{} of {n} flagged. `!` marks a figure past `[pipeline.thresholds]`: {}. Rates in the total are \
         weighted by sends; ROMI = (revenue - cost) / cost where `[[pipeline.campaign]]` gives a cost and a \
         revenue.{}\n",
        total.flagged,
        limits.join(", "),
        revenue_note(total),
    );
}

/// Which campaigns the total's revenue and ROMI cover, when not every
/// campaign with a cost.
fn revenue_note(total: &Totals) -> String {
    let Some(r) = total.with_revenue.as_ref().filter(|r| r.campaigns < total.with_cost) else {
        return String::new();
    };
    let without = total.with_cost - r.campaigns;
    format!(
        " Cost in the total is the spend on all {} campaign{} with a cost; revenue and ROMI cover only the {} with \
         a revenue (cost {}), since {without} ha{} no revenue yet.",
        total.with_cost,
        if total.with_cost == 1 { "" } else { "s" },
        r.campaigns,
        money(Some(r.cost)),
        if without == 1 { "s" } else { "ve" },
    )
}

fn churn(out: &mut String, r: &Report, tz: &TimeZone) {
    let c = &r.churn;
    let month = c
        .month_from
        .map(|from| from.to_zoned(tz.clone()).strftime("%B %Y").to_string());
    let _ = writeln!(
        out,
        "## Churn this month{}\n",
        month.map(|m| format!(" ({m})")).unwrap_or_default()
    );
    if nothing_from(r, SourceKind::Mailchimp, EMAIL_PART) {
        let _ = writeln!(out, "No churn figures: {}.\n", failures(r, EMAIL_PART).join("; "));
        return;
    }
    if c.audiences.is_empty() {
        out.push_str("No audience was mailed this month.\n\n");
        return;
    }
    let mut t = Table::new(&[
        ("Audience", Left),
        ("Unsubscribes", Right),
        ("Recipients", Right),
        ("Churn", Right),
    ]);
    for a in &c.audiences {
        let rate = pct(a.rate);
        t.row(vec![
            cell(&a.name),
            count(a.unsubscribes),
            count(a.recipients),
            if a.flagged { format!("{rate} !") } else { rate },
        ]);
    }
    t.render(out);
    let _ = writeln!(
        out,
        "Churn = unsubscribes this month / members mailed this month; `!` marks churn over {}.\n",
        pct(Some(r.campaigns.thresholds.churn))
    );
}

fn alerts(out: &mut String, r: &Report) {
    out.push_str("## Data-quality alerts\n\n");
    let a = &r.alerts;
    let why: Vec<String> = [EMAIL_PART, CRM_PART]
        .iter()
        .flat_map(|part| failures(r, part))
        .collect();
    if !a.complete {
        let _ = writeln!(
            out,
            "Incomplete: {}; the rules over its data did not run, so its problems are not counted.\n",
            why.join("; ")
        );
    }
    if a.rules.is_empty() {
        out.push_str("No data-quality alerts.\n\n");
        return;
    }
    let mut t = Table::new(&[
        ("Rule", Left),
        ("Severity", Left),
        ("Alerts", Right),
        ("Records", Right),
        ("Firing", Right),
        ("Acknowledged", Right),
        ("Snoozed", Right),
    ]);
    let counts = |c: &AlertCounts| [c.alerts, c.records, c.firing, c.acknowledged, c.snoozed].map(|n| count(n as u64));
    for rule in &a.rules {
        let mut row = vec![rule.title.to_owned(), rule.severity.to_owned()];
        row.extend(counts(&rule.counts));
        t.row(row);
    }
    let mut total = vec!["**All rules**".to_owned(), String::new()];
    total.extend(counts(&a.totals).map(bold));
    t.row(total);
    t.render(out);
    out.push_str(
        "Records are distinct records named by the alerts (the total counts each record once). Acknowledged and \
         snoozed alerts were set aside in the cockpit; firing ones wait for someone.\n\n",
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendor_text_cannot_break_a_table_or_inject_markup() {
        assert_eq!(cell("a | b\nc"), "a \\| b c");
        assert_eq!(cell("<script>*x*</script>"), "\\<script\\>\\*x\\*\\</script\\>");
        assert_eq!(cell("  "), "–");
    }

    #[test]
    fn a_table_has_a_head_an_alignment_row_and_rows() {
        let mut t = Table::new(&[("A", Left), ("B", Right)]);
        t.row(vec!["x".into(), "1".into()]);
        let mut out = String::new();
        t.render(&mut out);
        assert_eq!(out, "| A | B |\n| :--- | ---: |\n| x | 1 |\n\n");
    }
}
