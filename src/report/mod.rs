//! `mops report`: a KPI report a head of marketing can read, over one poll
//! of every source and the stored poll history: source uptime over the
//! period, campaign KPIs by stage with ROMI, churn per audience, and
//! data-quality alerts by rule. As Markdown, long-form CSV or versioned JSON.
//!
//! The pieces are pure ([`build`], [`uptime`], the renderers); only [`run`]
//! polls, reads the clock and opens the store.

mod build;
mod csv;
mod markdown;
pub mod model;
pub mod period;
mod text;
pub mod uptime;

use std::collections::BTreeMap;

use eyre::WrapErr;
use jiff::Timestamp;
use jiff::tz::TimeZone;

pub use build::{build, build_with_uptime};
pub use model::{Report, VERSION};
pub use period::{Period, PeriodError, parse_period};
pub use uptime::{Uptime, UptimeFold};

use crate::cli::ReportFormat;
use crate::config::Config;
use crate::store::{StateStore, Store};

/// Polls once, reads the stored poll history for `period`, and renders the report.
pub async fn run(cfg: &Config, format: ReportFormat, period: &str) -> eyre::Result<String> {
    // A bad period is refused before anything is polled.
    let length = parse_period(period)?;
    // The period ends before the poll starts, so the poll's own samples
    // (recorded as it finishes) never count twice.
    let period = Period::ending(period, length, Timestamp::now());
    let store = Store::open_default();
    if let Err(e) = &store {
        tracing::warn!(error = %e, "the report goes without the state database");
    }
    let model = crate::app::headless::poll_once(
        cfg,
        store.as_ref().ok().map(|s| s as &dyn StateStore),
        crate::sources::DataScope::All,
    )
    .await
    .wrap_err("polling the sources for the report")?;
    // Folding a year of samples takes a while: off the async workers.
    let uptimes = {
        let period = period.clone();
        tokio::task::spawn_blocking(move || read_uptime(store, &period))
            .await
            .wrap_err("reading the poll history")?
    };
    let report = build_with_uptime(&model, &period, uptimes);
    render(&report, format, &model.tz)
}

/// Each source's uptime over `period`, folded from the stored samples one at
/// a time (from a little before it: a sample may hold into it), or why the
/// history could not be read.
fn read_uptime(
    store: Result<Store, crate::store::StoreError>,
    period: &Period,
) -> Result<BTreeMap<String, uptime::Uptime>, String> {
    let since = period.from.checked_sub(uptime::lookback()).unwrap_or(Timestamp::MIN);
    let mut fold = uptime::UptimeFold::new(period.from, period.to);
    store
        .and_then(|s| s.for_each_poll(since, period.to, &mut |sample| fold.add(sample)))
        .map_err(|e| format!("the poll history could not be read: {e}"))?;
    Ok(fold.finish())
}

/// The report in `format`; Markdown shows times in `tz`.
pub fn render(report: &Report, format: ReportFormat, tz: &TimeZone) -> eyre::Result<String> {
    match format {
        ReportFormat::Md => Ok(markdown::render(report, tz)),
        ReportFormat::Csv => csv::render(report),
        ReportFormat::Json => {
            let mut text = serde_json::to_string_pretty(report).wrap_err("encoding the report as JSON")?;
            text.push('\n');
            Ok(text)
        }
    }
}
