//! The report as one CSV table in long form, `section,item,metric,value,unit`,
//! so a spreadsheet can pivot it: RFC 4180 (quoted as needed, CRLF line ends).
//!
//! Values are plain: percentages as numbers with unit `%` (two decimals),
//! durations in seconds (`s`), times in RFC 3339 (`time`), counts (`count`),
//! money as configured (`money`), words (`text`). A figure that cannot be
//! known (no sends, no history) has no row.

use super::model::*;

/// One row of the long table.
struct Rows {
    rows: Vec<[String; 5]>,
}

impl Rows {
    fn push(&mut self, section: &str, item: &str, metric: &str, value: String, unit: &str) {
        self.rows.push([
            text_cell(section),
            text_cell(item),
            metric.to_owned(),
            value,
            unit.to_owned(),
        ]);
    }

    fn text(&mut self, section: &str, item: &str, metric: &str, value: &str) {
        let value = text_cell(value);
        self.push(section, item, metric, value, "text");
    }

    fn count(&mut self, section: &str, item: &str, metric: &str, n: u64) {
        self.push(section, item, metric, n.to_string(), "count");
    }

    fn pct(&mut self, section: &str, item: &str, metric: &str, fraction: Option<f64>) {
        if let Some(f) = fraction.filter(|f| f.is_finite()) {
            self.push(section, item, metric, format!("{:.2}", f * 100.0), "%");
        }
    }

    fn secs(&mut self, section: &str, item: &str, metric: &str, s: u64) {
        self.push(section, item, metric, s.to_string(), "s");
    }

    fn time(&mut self, section: &str, item: &str, metric: &str, at: Option<jiff::Timestamp>) {
        if let Some(at) = at {
            self.push(section, item, metric, at.to_string(), "time");
        }
    }

    fn money(&mut self, section: &str, item: &str, metric: &str, amount: Option<f64>) {
        if let Some(a) = amount.filter(|a| a.is_finite()) {
            self.push(section, item, metric, format!("{a:.2}"), "money");
        }
    }
}

/// Vendor text as a cell: one line, and never read as a formula by a
/// spreadsheet (a leading `=`, `+`, `-` or `@` gets a `'`, as OWASP advises).
fn text_cell(text: &str) -> String {
    let line: String = text
        .trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if line.starts_with(['=', '+', '-', '@']) {
        format!("'{line}")
    } else {
        line
    }
}

/// Renders the whole report.
pub fn render(r: &Report) -> eyre::Result<String> {
    let mut rows = Rows { rows: Vec::new() };
    header(&mut rows, r);
    for m in &r.missing {
        let why = match (&m.source, &m.status) {
            (Some(source), Some(status)) => format!("{source} {status}: {}", m.reason),
            _ => m.reason.clone(),
        };
        rows.text("missing", &m.part, "reason", &why);
    }
    sources(&mut rows, r);
    campaigns(&mut rows, r);
    for a in &r.churn.audiences {
        rows.count("churn", &a.name, "unsubscribes", a.unsubscribes);
        rows.count("churn", &a.name, "recipients", a.recipients);
        rows.pct("churn", &a.name, "churn_rate", a.rate);
        rows.text("churn", &a.name, "flagged", if a.flagged { "yes" } else { "no" });
    }
    for rule in &r.alerts.rules {
        rows.text("alerts", rule.rule, "severity", rule.severity);
        alert_counts(&mut rows, "alerts", rule.rule, &rule.counts);
    }
    alert_counts(&mut rows, "alerts_total", "all rules", &r.alerts.totals);

    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    writer.write_record(["section", "item", "metric", "value", "unit"])?;
    for row in &rows.rows {
        writer.write_record(row)?;
    }
    let bytes = writer.into_inner().map_err(|e| eyre::eyre!("writing the CSV: {e}"))?;
    Ok(String::from_utf8(bytes)?)
}

fn header(rows: &mut Rows, r: &Report) {
    let t = &r.title;
    rows.time("report", t, "generated_at", Some(r.generated_at));
    rows.text("report", t, "period", &r.period.label);
    rows.time("report", t, "period_from", Some(r.period.from));
    rows.time("report", t, "period_to", Some(r.period.to));
    rows.secs("report", t, "period_length", r.period.length_s);
    rows.text(
        "report",
        t,
        "uptime_history",
        if r.history.available {
            "available"
        } else {
            "unavailable"
        },
    );
    rows.count("report", t, "version", u64::from(r.version));
}

fn sources(rows: &mut Rows, r: &Report) {
    for s in &r.sources {
        let n = &s.name;
        rows.text("source", n, "status_now", &s.status);
        rows.text("source", n, "reason_now", &s.reason);
        let Some(u) = &s.uptime else {
            if r.history.available {
                rows.text("source", n, "history", "none in the period");
            }
            continue;
        };
        rows.pct("source", n, "uptime", u.uptime);
        rows.count("source", n, "polls", u.polls as u64);
        rows.pct("source", n, "coverage", Some(u.coverage));
        rows.secs("source", n, "observed", u.observed_s);
        rows.secs("source", n, "down_time", u.down_s);
        if let Some(o) = &u.longest_outage {
            rows.secs("source", n, "longest_outage", o.duration_s);
            rows.time("source", n, "longest_outage_start", Some(o.start));
        }
        rows.text("source", n, "statuses_seen", &u.statuses.join(" "));
    }
}

fn campaigns(rows: &mut Rows, r: &Report) {
    let c = &r.campaigns;
    if !c.complete && c.by_stage.iter().all(|s| s.campaigns == 0) {
        // Nothing came back: zeros would read as "no campaigns".
        return;
    }
    for s in &c.by_stage {
        rows.count("campaign_stage", s.stage, "campaigns", s.campaigns as u64);
    }
    // Titles name campaigns for people; a repeated title gets its id.
    let repeated = |title: &str| c.sent.iter().filter(|s| s.title == title).count() > 1;
    for s in &c.sent {
        let item = if repeated(&s.title) {
            format!("{} ({})", s.title, s.id)
        } else {
            s.title.clone()
        };
        let i = item.as_str();
        rows.text("campaign", i, "id", &s.id);
        rows.text("campaign", i, "audience", &s.audience);
        rows.time("campaign", i, "sent_at", s.sent_at);
        rows.count("campaign", i, "sends", s.sends);
        rows.pct("campaign", i, "open_rate", s.kpis.open_rate);
        rows.pct("campaign", i, "click_rate", s.kpis.click_rate);
        rows.pct("campaign", i, "bounce_rate", s.kpis.bounce_rate);
        rows.pct("campaign", i, "unsubscribe_rate", s.kpis.unsubscribe_rate);
        rows.money("campaign", i, "cost", s.kpis.cost);
        rows.money("campaign", i, "revenue", s.kpis.revenue);
        rows.pct("campaign", i, "romi", s.kpis.romi);
        if !s.kpis.flags.is_empty() {
            rows.text("campaign", i, "flags", &s.kpis.flags.join(" "));
        }
    }
    let t = &c.totals;
    let all = "all sent in the period";
    rows.count("campaign_total", all, "campaigns", t.campaigns as u64);
    rows.count("campaign_total", all, "sends", t.sends);
    rows.pct("campaign_total", all, "open_rate", t.open_rate);
    rows.pct("campaign_total", all, "click_rate", t.click_rate);
    rows.pct("campaign_total", all, "bounce_rate", t.bounce_rate);
    rows.pct("campaign_total", all, "unsubscribe_rate", t.unsubscribe_rate);
    rows.count("campaign_total", all, "campaigns_with_cost", t.with_cost as u64);
    rows.money("campaign_total", all, "cost", t.cost);
    rows.count("campaign_total", all, "flagged", t.flagged as u64);
    // Revenue and ROMI only over the campaigns that have one, with their own cost.
    if let Some(r) = &t.with_revenue {
        let with = "sent in the period with a revenue";
        rows.count("campaign_total", with, "campaigns", r.campaigns as u64);
        rows.money("campaign_total", with, "cost", Some(r.cost));
        rows.money("campaign_total", with, "revenue", Some(r.revenue));
        rows.pct("campaign_total", with, "romi", r.romi);
    }
}

fn alert_counts(rows: &mut Rows, section: &str, item: &str, c: &AlertCounts) {
    rows.count(section, item, "alerts", c.alerts as u64);
    rows.count(section, item, "records", c.records as u64);
    rows.count(section, item, "firing", c.firing as u64);
    rows.count(section, item, "acknowledged", c.acknowledged as u64);
    rows.count(section, item, "snoozed", c.snoozed as u64);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_cells_are_one_line_and_never_formulas() {
        assert_eq!(text_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(text_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(text_cell("Win-back\r\nwave"), "Win-back  wave");
        assert_eq!(text_cell("Black Friday, 30% off"), "Black Friday, 30% off");
    }
}
