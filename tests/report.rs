//! `mops report`: the report's content over hand-built models (every figure
//! checked), and the real binary against the sandbox in each format, with
//! uptime from a poll history seeded into the store first.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use mops::cli::ReportFormat;
use mops::model::HealthStatus;
use mops::report::{Period, Report, build, render};
use mops::store::{PollSample, StateStore, Store};
use serde_json::Value;

const DAY: u64 = 86_400;

fn period_ending(now: Timestamp, days: u64) -> Period {
    Period::ending(&format!("{days}d"), Duration::from_secs(days * DAY), now)
}

/// Samples of `source` every 10 minutes from `start`, with these statuses.
fn every_10_min(source: &str, start: Timestamp, statuses: &[HealthStatus]) -> Vec<PollSample> {
    statuses
        .iter()
        .enumerate()
        .map(|(i, status)| PollSample {
            source: source.to_owned(),
            at: start + SignedDuration::from_mins(10 * i as i64),
            status: *status,
            latency_ms: 120,
            summary: status.label().to_owned(),
        })
        .collect()
}

/// Three parts up to one part down over seven polls: 3 x 10 min up plus
/// the last poll's hour (it holds until the next poll, at most an hour),
/// 3 x 10 min down, the outage 30 minutes long from the third poll.
fn seventy_five_percent(source: &str, start: Timestamp) -> Vec<PollSample> {
    use HealthStatus::*;
    every_10_min(source, start, &[Ok, Ok, Down, Auth, Down, Degraded, Ok])
}

fn report_of(model: &mops::app::Model, history: Result<&[PollSample], String>) -> Report {
    build(model, &period_ending(model.now, 30), history)
}

fn md(report: &Report) -> String {
    render(report, ReportFormat::Md, &TimeZone::UTC).expect("markdown")
}

#[test]
fn campaign_kpis_by_stage_with_flags_romi_and_weighted_totals() {
    let model = common::alerts_model();
    let r = report_of(&model, Ok(&[]));
    let stages: Vec<(&str, usize)> = r.campaigns.by_stage.iter().map(|s| (s.stage, s.campaigns)).collect();
    assert_eq!(
        stages,
        [
            ("draft", 1),
            ("scheduled", 1),
            ("sending", 1),
            ("paused", 1),
            ("sent", 3),
            ("closed", 0)
        ]
    );
    let sent: Vec<&str> = r.campaigns.sent.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(sent, ["s3", "s2", "s1"], "newest first");
    let s2 = &r.campaigns.sent[1];
    assert_eq!(s2.kpis.flags, ["bounce_rate"]);
    assert_eq!(s2.kpis.romi, Some(3.75));
    assert_eq!(r.campaigns.sent[0].kpis.flags, ["unsubscribe_rate"]);
    assert_eq!(r.campaigns.sent[0].kpis.romi, Some(-0.4));
    assert!(r.campaigns.sent[2].kpis.flags.is_empty());
    let t = &r.campaigns.totals;
    assert_eq!((t.campaigns, t.sends, t.flagged), (3, 12_400 + 12_380 + 12_350, 2));
    let open = (12_400.0 * 0.382 + 12_380.0 * 0.44 + 12_350.0 * 0.215) / 37_130.0;
    assert!((t.open_rate.unwrap() - open).abs() < 1e-12);
    assert_eq!(t.bounce_rate, Some(1_000.0 / 37_130.0));
    assert_eq!((t.with_cost, t.cost), (2, Some(3_500.0)));
    let with = t.with_revenue.as_ref().unwrap();
    assert_eq!((with.campaigns, with.cost, with.revenue), (2, 3_500.0, 10_400.0));
    assert_eq!(with.romi, Some((10_400.0 - 3_500.0) / 3_500.0));

    let text = md(&r);
    for row in [
        "| draft | 1 |",
        "| sent | 3 |",
        "| **All** | **7** |",
        "| Black Friday early access | Newsletter | 2026-11-19 | 12,380 | 44.0% | 9.3% | 7.3% ! | 0.2% | 2,000.00 | 9,500.00 | +375.0% |",
        "| Webinar invite: ops at scale | Newsletter | 2026-11-21 | 12,350 | 21.5% | 2.2% | 0.3% | 1.3% ! | 1,500.00 | 900.00 | -40.0% |",
        "| October product news | Newsletter | 2026-11-10 | 12,400 | 38.2% | 4.1% | 0.5% | 0.2% | – | – | – |",
        "| **All 3** |  |  | **37,130** | **34.6%** | **5.2%** | **2.7%** | **0.6%** | **3,500.00** | **10,400.00** | **+197.1%** |",
        "2 of 3 flagged.",
    ] {
        assert!(text.contains(row), "no {row:?} in\n{text}");
    }

    assert!(
        !text.contains("With revenue"),
        "every campaign with a cost has a revenue: one row\n{text}"
    );
    assert!(!text.contains("no revenue yet"), "{text}");

    // A shorter period leaves out what was sent before it.
    let week = build(&model, &period_ending(model.now, 7), Ok(&[]));
    assert_eq!(week.campaigns.sent.len(), 2);
}

#[test]
fn churn_and_alerts_by_rule_with_their_states() {
    let model = common::alerts_model();
    let r = report_of(&model, Ok(&[]));
    let churn = &r.churn.audiences;
    assert_eq!(churn.len(), 1);
    assert_eq!((churn[0].unsubscribes, churn[0].recipients), (5, 200));
    assert!(churn[0].flagged, "2.5% is over the 1% churn threshold");

    let rules: Vec<(&str, &str, usize, usize, usize, usize)> = r
        .alerts
        .rules
        .iter()
        .map(|a| {
            (
                a.rule,
                a.severity,
                a.counts.alerts,
                a.counts.records,
                a.counts.firing,
                a.counts.acknowledged,
            )
        })
        .collect();
    assert_eq!(
        rules,
        [
            ("consent_mismatch", "critical", 1, 2, 1, 0),
            ("duplicate_email", "warning", 1, 2, 1, 0),
            ("missing_owner", "info", 1, 3, 0, 1),
        ]
    );
    let t = r.alerts.totals;
    assert_eq!(
        (t.alerts, t.records, t.firing, t.acknowledged, t.snoozed),
        (3, 5, 2, 1, 0)
    );

    let text = md(&r);
    for line in [
        "## Churn this month (November 2026)",
        "| Newsletter | 5 | 200 | 2.5% ! |",
        "| consent mismatch | critical | 1 | 2 | 1 | 0 | 0 |",
        "| missing owner | info | 1 | 3 | 0 | 1 | 0 |",
        "| **All rules** |  | **3** | **5** | **2** | **1** | **0** |",
    ] {
        assert!(text.contains(line), "no {line:?} in\n{text}");
    }
    assert!(!text.contains("Missing from this report"), "{text}");
}

#[test]
fn uptime_comes_from_the_history_and_a_source_without_any_says_so() {
    let model = common::alerts_model();
    let start = model.now - SignedDuration::from_hours(5);
    let mut history = seventy_five_percent("hubspot", start);
    // Another source's samples do not leak in; one after the period is ignored.
    history.extend(every_10_min("website", start, &[HealthStatus::Ok; 3]));
    history.push(PollSample {
        at: model.now + SignedDuration::from_secs(1),
        ..every_10_min("hubspot", start, &[HealthStatus::Down])[0].clone()
    });
    let r = report_of(&model, Ok(&history));
    let hubspot = r.sources.iter().find(|s| s.name == "hubspot").unwrap();
    let u = hubspot.uptime.as_ref().expect("hubspot has history");
    assert_eq!(u.uptime, Some(0.75));
    assert_eq!((u.polls, u.down_s), (7, 30 * 60));
    assert_eq!(u.statuses, ["OK", "DEGRADED", "AUTH", "DOWN"]);
    let outage = u.longest_outage.as_ref().unwrap();
    assert_eq!(
        (outage.start, outage.duration_s),
        (start + SignedDuration::from_mins(20), 1800)
    );
    let website = r.sources.iter().find(|s| s.name == "website").unwrap();
    assert_eq!(website.uptime.as_ref().unwrap().uptime, Some(1.0));
    assert!(
        r.sources
            .iter()
            .find(|s| s.name == "mailchimp")
            .unwrap()
            .uptime
            .is_none()
    );

    let text = md(&r);
    for row in [
        "| hubspot | HubSpot | OK | 75.0% | 7 | 0.3% | 30m | 30m from 2026-11-22 11:29 UTC | OK, DEGRADED, AUTH, DOWN |",
        // 20 minutes between its polls and the last one's hour: 80 of 43,200.
        "| website | HTTP | OK | 100.0% | 3 | 0.2% | 0s | – | OK |",
        "| mailchimp | Mailchimp | OK | no history | – | – | – | – | – |",
    ] {
        assert!(text.contains(row), "no {row:?} in\n{text}");
    }
    assert!(
        text.contains("holds until the source's next poll, however often it was polled, but never over 1h;"),
        "{text}"
    );
}

/// The cockpit polling every 30 s by day and cron every 5 minutes around
/// the clock write the same source; cron alone sees a six-hour night outage.
#[test]
fn a_night_outage_seen_only_by_cron_is_one_outage_however_often_the_cockpit_polls() {
    let model = common::alerts_model();
    let period = period_ending(model.now, 2);
    let sample = |secs: i64| {
        let at = period.from + SignedDuration::from_secs(secs);
        let down = (22 * 3600..28 * 3600).contains(&secs);
        PollSample {
            source: "hubspot".into(),
            at,
            status: if down { HealthStatus::Down } else { HealthStatus::Ok },
            latency_ms: 80,
            summary: String::new(),
        }
    };
    let mut history: Vec<PollSample> = (0..2 * DAY as i64).step_by(300).map(sample).collect();
    for day in 0..2 {
        let from = day * DAY as i64 + 8 * 3600;
        history.extend((from..from + 8 * 3600).step_by(30).map(sample));
    }
    let r = build(&model, &period, Ok(&history));
    let u = r
        .sources
        .iter()
        .find(|s| s.name == "hubspot")
        .unwrap()
        .uptime
        .clone()
        .unwrap();
    let outage = u.longest_outage.unwrap();
    assert_eq!(
        (outage.start, outage.duration_s, u.down_s),
        (period.from + SignedDuration::from_hours(22), 6 * 3600, 6 * 3600)
    );
    assert_eq!((u.observed_s, u.coverage), (2 * DAY, 1.0));
    assert!(md(&r).contains("| 6h | 6h from "), "{}", md(&r));
}

/// One campaign with a cost and no revenue yet, one with both: the spend
/// counts both, revenue and ROMI only the second, with its own cost.
#[test]
fn a_campaign_with_a_cost_and_no_revenue_stays_out_of_romi_in_every_format() {
    use mops::config::CampaignEconomics;
    let mut model = common::alerts_model();
    model.pipeline_cfg.campaigns = vec![
        CampaignEconomics {
            id: "s1".into(),
            cost: 5_000.0,
            revenue: None,
        },
        CampaignEconomics {
            id: "s2".into(),
            cost: 5_000.0,
            revenue: Some(7_500.0),
        },
    ];
    let r = report_of(&model, Ok(&[]));
    let t = &r.campaigns.totals;
    assert_eq!((t.with_cost, t.cost), (2, Some(10_000.0)));
    let with = t.with_revenue.as_ref().unwrap();
    assert_eq!(
        (with.campaigns, with.cost, with.revenue, with.romi),
        (1, 5_000.0, 7_500.0, Some(0.5))
    );

    let text = md(&r);
    for row in [
        // The spend's row: revenue and ROMI are not known for all of it.
        "| **37,130** | **34.6%** | **5.2%** | **2.7%** | **0.6%** | **10,000.00** | – | – |",
        "| **With revenue 1** |  |  |  |  |  |  |  | **5,000.00** | **7,500.00** | **+50.0%** |",
        "Cost in the total is the spend on all 2 campaigns with a cost; revenue and ROMI cover only the 1 with a \
         revenue (cost 5,000.00), since 1 has no revenue yet.",
    ] {
        assert!(text.contains(row), "no {row:?} in\n{text}");
    }

    let csv = csv_rows(&render(&r, ReportFormat::Csv, &TimeZone::UTC).unwrap());
    let totals: Vec<[&str; 4]> = csv
        .iter()
        .filter(|r| r[0] == "campaign_total" && ["cost", "revenue", "romi", "campaigns"].contains(&r[2].as_str()))
        .map(|r| [r[1].as_str(), r[2].as_str(), r[3].as_str(), r[4].as_str()])
        .collect();
    assert_eq!(
        totals,
        [
            ["all sent in the period", "campaigns", "3", "count"],
            ["all sent in the period", "cost", "10000.00", "money"],
            ["sent in the period with a revenue", "campaigns", "1", "count"],
            ["sent in the period with a revenue", "cost", "5000.00", "money"],
            ["sent in the period with a revenue", "revenue", "7500.00", "money"],
            ["sent in the period with a revenue", "romi", "50.00", "%"],
        ]
    );

    let doc: Value = serde_json::from_str(&render(&r, ReportFormat::Json, &TimeZone::UTC).unwrap()).unwrap();
    let totals = &doc["campaigns"]["totals"];
    assert_eq!(
        (&totals["with_cost"], &totals["cost"]),
        (&Value::from(2), &Value::from(10_000.0))
    );
    assert_eq!(
        totals["with_revenue"],
        serde_json::json!({"campaigns": 1, "cost": 5_000.0, "revenue": 7_500.0, "romi": 0.5})
    );
    assert!(
        totals.get("revenue").is_none() && totals.get("romi").is_none(),
        "{totals}"
    );
}

#[test]
fn without_a_store_the_report_renders_and_says_uptime_is_unavailable() {
    let model = common::alerts_model();
    let r = report_of(&model, Err("no home directory".into()));
    assert!(!r.history.available);
    assert!(r.sources.iter().all(|s| s.uptime.is_none()));
    let text = md(&r);
    assert!(
        text.contains("Uptime history is unavailable (no home directory)"),
        "{text}"
    );
    assert!(text.contains("- **Source uptime**: no home directory."), "{text}");
    assert!(
        text.contains("| Black Friday early access |"),
        "the rest is there:\n{text}"
    );
}

#[test]
fn a_failed_email_platform_is_named_instead_of_zeros() {
    let mut model = common::alerts_model();
    let mailchimp = &mut model.sources[0];
    mailchimp.data = None;
    mailchimp.record(
        common::probe(HealthStatus::Down, 3_000, "HTTP 503 after 3 attempts"),
        model.now,
    );
    let r = report_of(&model, Ok(&[]));
    assert!(!r.campaigns.complete && !r.alerts.complete);
    assert_eq!(r.missing.len(), 1);
    assert_eq!(r.missing[0].source.as_deref(), Some("mailchimp"));
    assert_eq!(r.missing[0].status.as_deref(), Some("DOWN"));
    let text = md(&r);
    for line in [
        "## Missing from this report",
        "- **Campaign KPIs, churn and the email side of the data-quality alerts**: mailchimp is DOWN: HTTP 503 after 3 attempts.",
        "No campaign figures: mailchimp is DOWN (HTTP 503 after 3 attempts).",
        "No churn figures: mailchimp is DOWN (HTTP 503 after 3 attempts).",
        "Incomplete: mailchimp is DOWN (HTTP 503 after 3 attempts); the rules over its data did not run",
    ] {
        assert!(text.contains(line), "no {line:?} in\n{text}");
    }
    assert!(!text.contains("| draft |"), "no zero table:\n{text}");
    let csv = render(&r, ReportFormat::Csv, &TimeZone::UTC).unwrap();
    assert!(!csv.contains("campaign_stage"), "{csv}");
}

#[test]
fn csv_is_one_long_table_a_spreadsheet_can_pivot() {
    let model = common::alerts_model();
    let start = model.now - SignedDuration::from_hours(5);
    let r = report_of(&model, Ok(&seventy_five_percent("hubspot", start)));
    let text = render(&r, ReportFormat::Csv, &TimeZone::UTC).unwrap();
    assert!(text.starts_with("section,item,metric,value,unit\r\n"), "{text}");
    let rows = csv_rows(&text);
    assert!(rows.iter().all(|r| r.len() == 5));
    for want in [
        ["source", "hubspot", "uptime", "75.00", "%"],
        ["source", "hubspot", "down_time", "1800", "s"],
        ["source", "hubspot", "polls", "7", "count"],
        ["source", "mailchimp", "history", "none in the period", "text"],
        ["campaign_stage", "sent", "campaigns", "3", "count"],
        ["campaign", "Black Friday early access", "bounce_rate", "7.27", "%"],
        ["campaign", "Black Friday early access", "romi", "375.00", "%"],
        ["campaign", "Black Friday early access", "flags", "bounce_rate", "text"],
        ["campaign", "Webinar invite: ops at scale", "romi", "-40.00", "%"],
        ["campaign_total", "all sent in the period", "sends", "37130", "count"],
        ["churn", "Newsletter", "churn_rate", "2.50", "%"],
        ["alerts", "missing_owner", "acknowledged", "1", "count"],
        ["alerts_total", "all rules", "records", "5", "count"],
    ] {
        assert!(rows.iter().any(|r| r == &want), "no {want:?} in\n{text}");
    }
}

#[test]
fn json_is_versioned_with_stable_field_names() {
    let model = common::alerts_model();
    let r = report_of(&model, Ok(&[]));
    let doc: Value = serde_json::from_str(&render(&r, ReportFormat::Json, &TimeZone::UTC).unwrap()).unwrap();
    assert_eq!(
        keys(&doc),
        [
            "alerts",
            "campaigns",
            "churn",
            "generated_at",
            "history",
            "missing",
            "period",
            "sources",
            "title",
            "version"
        ]
    );
    assert_eq!(doc["version"], 1);
    assert_eq!(keys(&doc["period"]), ["from", "label", "length_s", "to"]);
    assert_eq!(
        keys(&doc["campaigns"]["sent"][0]),
        [
            "audience",
            "bounce_rate",
            "click_rate",
            "cost",
            "flags",
            "id",
            "open_rate",
            "revenue",
            "romi",
            "sends",
            "sent_at",
            "source",
            "title",
            "unsubscribe_rate"
        ]
    );
    assert_eq!(
        keys(&doc["alerts"]["rules"][0]),
        [
            "acknowledged",
            "alerts",
            "firing",
            "records",
            "rule",
            "severity",
            "snoozed",
            "title"
        ]
    );
    assert_eq!(keys(&doc["sources"][0]), ["kind", "name", "reason", "status", "uptime"]);
    assert_eq!(doc["sources"][0]["kind"], "mailchimp");
    assert_eq!(keys(&doc["history"]), ["available", "max_hold_s", "reason"]);
    assert_eq!(doc["history"]["max_hold_s"], 3600);
    assert_eq!(
        keys(&doc["campaigns"]["totals"]),
        [
            "bounce_rate",
            "campaigns",
            "click_rate",
            "cost",
            "flagged",
            "open_rate",
            "sends",
            "unsubscribe_rate",
            "with_cost",
            "with_revenue"
        ]
    );
    assert_eq!(doc["generated_at"], "2026-11-22T16:09:39Z");
}

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().expect("object").keys().cloned().collect();
    k.sort();
    k
}

fn csv_rows(text: &str) -> Vec<Vec<String>> {
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(|r| r.expect("a CSV record").iter().map(str::to_owned).collect())
        .collect()
}

// ---- The real binary against the sandbox ----

/// Private XDG folders for one run: the store lives in `data/mops/mops.db`.
struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Home {
        Home {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("data").join("mops").join("mops.db")
    }

    fn report(&self, config: &Path, args: &[&str]) -> Output {
        std::process::Command::new(env!("CARGO_BIN_EXE_mops"))
            .arg("--config")
            .arg(config)
            .arg("report")
            .args(args)
            .env("HOME", self.dir.path())
            .env("XDG_DATA_HOME", self.dir.path().join("data"))
            .env("XDG_STATE_HOME", self.dir.path().join("state"))
            .env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .env("TZ", "UTC")
            .output()
            .expect("run mops report")
    }
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn ok(out: &Output) -> String {
    assert!(out.status.success(), "exit {:?}: {}", out.status, stderr(out));
    stdout(out)
}

// Multi-threaded: the sandbox serves on this runtime while the test waits on the child.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_reports_the_sandbox_in_every_format_with_uptime_from_the_store() {
    let stack = common::sandbox_stack(31, None, Vec::new()).await;
    let config = stack.dir.path().join("mops.toml");
    // A fresh store per run, so no run reads what an earlier one recorded.
    let seeded = || {
        let home = Home::new();
        let store = Store::open(home.db()).expect("the store the report will read");
        for s in seventy_five_percent("website", Timestamp::now() - SignedDuration::from_hours(6)) {
            store.record_poll(&s).expect("seed the history");
        }
        home
    };
    let p = mops::sandbox::hubspot_planted();
    // The planted bounce-heavy send went out 40 days ago.
    let text = ok(&seeded().report(&config, &["--format", "md", "--period", "60d"]));
    assert!(
        text.starts_with("# Marketing ops report: mops demo (sandbox)\n"),
        "{text}"
    );
    assert!(!text.contains("Missing from this report"), "{text}");
    let line = |start: &str| {
        text.lines()
            .find(|l| l.starts_with(start))
            .unwrap_or_else(|| panic!("no line starting {start:?} in\n{text}"))
            .to_owned()
    };
    let website = line("| website | HTTP | OK |");
    assert!(
        website.contains("| 75.0% | 7 |") && website.contains("| 30m | 30m from "),
        "{website}"
    );
    assert!(line("| hubspot |").contains("| no history |"));
    let win_back = line("| Win-back: we miss you |");
    let cells: Vec<&str> = win_back.split(" | ").collect();
    assert!(cells[6].ends_with('!'), "the bounce rate is flagged: {win_back}");
    assert!(
        line("| Flash sale: 48 hours only |")
            .split(" | ")
            .nth(7)
            .unwrap()
            .ends_with('!')
    );
    let consent = line("| consent mismatch | critical |");
    let n = p.unsubscribed_still_marketable + p.cleaned_still_active;
    assert!(consent.contains(&format!("| critical | {n} | ")), "{consent}");
    let deals = line("| deal without contact |");
    assert!(
        deals.contains(&format!(
            " | {} | {} |",
            p.deals_without_contacts, p.deals_without_contacts
        )),
        "{deals}"
    );
    assert!(line("| campaign over bounce threshold |").contains(" | 1 | 1 |"));

    let csv = ok(&seeded().report(&config, &["--format", "csv"]));
    let rows = csv_rows(&csv);
    let value = |section: &str, item: &str, metric: &str| {
        rows.iter()
            .find(|r| r[0] == section && r[1] == item && r[2] == metric)
            .map(|r| r[3].clone())
            .unwrap_or_else(|| panic!("no {section}/{item}/{metric} in\n{csv}"))
    };
    assert_eq!(value("source", "website", "uptime"), "75.00");
    assert_eq!(value("source", "website", "longest_outage"), "1800");
    assert_eq!(value("source", "hubspot", "history"), "none in the period");
    assert_eq!(value("alerts", "consent_mismatch", "alerts"), n.to_string());
    assert_eq!(
        value("alerts", "bounced_still_active", "alerts"),
        p.cleaned_still_active.to_string()
    );
    assert_eq!(
        value("campaign", "Flash sale: 48 hours only", "flags"),
        "unsubscribe_rate"
    );
    assert!(
        rows.iter().all(|r| r[1] != "Win-back: we miss you"),
        "sent 40 days ago, outside the default 30d"
    );

    let json = ok(&seeded().report(&config, &["--format", "json", "--period", "2w"]));
    let doc: Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["period"]["length_s"], 14 * DAY);
    assert_eq!(doc["history"]["available"], true);
    let website = doc["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "website")
        .unwrap();
    assert_eq!(website["uptime"]["uptime"], 0.75);
    assert_eq!(website["uptime"]["polls"], 7);
    assert_eq!(doc["campaigns"]["complete"], true);
    let rules = doc["alerts"]["rules"].as_array().unwrap();
    let dwc = rules.iter().find(|r| r["rule"] == "deal_without_contact").unwrap();
    assert_eq!(dwc["alerts"], p.deals_without_contacts);
    assert!(doc["missing"].as_array().unwrap().is_empty());
    stack.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_down_source_is_named_as_the_missing_part() {
    let fault = mops::sandbox::parse_fault_arg("mailchimp=status:503").expect("fault");
    let stack = common::sandbox_stack(37, None, vec![fault]).await;
    let config = stack.dir.path().join("mops.toml");
    let home = Home::new();
    let text = ok(&home.report(&config, &[]));
    assert!(text.contains("## Missing from this report"), "{text}");
    assert!(
        text.contains(
            "- **Campaign KPIs, churn and the email side of the data-quality alerts**: mailchimp is DOWN: HTTP 503"
        ),
        "{text}"
    );
    assert!(
        text.contains("No campaign figures: mailchimp is DOWN (HTTP 503"),
        "{text}"
    );
    assert!(text.contains("| mailchimp | Mailchimp | DOWN |"), "{text}");
    // The CRM's own rules still ran.
    assert!(text.contains("| deal without contact |"), "{text}");

    let doc: Value = serde_json::from_str(&ok(&home.report(&config, &["--format", "json"]))).expect("JSON");
    assert_eq!(doc["campaigns"]["complete"], false);
    assert_eq!(doc["missing"][0]["source"], "mailchimp");
    assert_eq!(doc["missing"][0]["status"], "DOWN");
    stack.sandbox.shutdown().await;
}

#[test]
fn a_bad_period_is_refused_with_what_to_write() {
    let home = Home::new();
    let dir = tempfile::tempdir().unwrap();
    // Never polled: the period is checked first, so no reachable source is needed.
    let config = dir.path().join("mops.toml");
    std::fs::write(
        &config,
        "[[source]]\nname = \"site\"\nkind = \"http\"\nurl = \"http://127.0.0.1:9/\"\n",
    )
    .unwrap();
    for (period, says) in [
        ("0d", "--period \"0d\" is not after zero"),
        ("soon", "bad --period \"soon\""),
        ("30m", "less than an hour (\"m\" means minutes)"),
        ("2mo", "counts months or years"),
    ] {
        let out = home.report(&config, &["--period", period]);
        assert!(!out.status.success(), "{period} accepted");
        assert!(stderr(&out).contains(says), "{period}: {}", stderr(&out));
        assert!(stdout(&out).is_empty());
    }
}
