//! `mops check`: one pass of health and data-quality checks for cron and
//! monitoring systems, as a Nagios plugin line (with perfdata) or as JSON.
//! The verdict is a pure function of the poll reports and the alerts.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Serialize;

use crate::config::Config;
use crate::model::{Alert, AlertState, HealthStatus, Probe, Severity, SourceKind};
use crate::sources::DataScope;

/// The version of the JSON document; bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// Nagios plugin states, in their exit-code order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum State {
    Ok,
    Warning,
    Critical,
    /// Bad arguments or an internal failure: never a remote timeout.
    Unknown,
}

impl State {
    pub fn exit_code(self) -> u8 {
        match self {
            State::Ok => 0,
            State::Warning => 1,
            State::Critical => 2,
            State::Unknown => 3,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            State::Ok => "OK",
            State::Warning => "WARNING",
            State::Critical => "CRITICAL",
            State::Unknown => "UNKNOWN",
        }
    }

    /// A source's health as a plugin state: slow is a warning, anything
    /// that stops the source working (a timeout included) is critical.
    fn of_health(status: HealthStatus) -> State {
        match status {
            HealthStatus::Ok => State::Ok,
            HealthStatus::Degraded => State::Warning,
            _ => State::Critical,
        }
    }
}

/// One source's line in the result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceCheck {
    pub name: String,
    pub kind: SourceKind,
    /// OK, DEGRADED, DOWN, AUTH, RATE-LIMITED.
    pub status: String,
    pub state: State,
    pub reason: String,
    pub latency_ms: u64,
    pub http_status: Option<u16>,
}

/// The whole result, as `--json` prints it (see the README for the schema).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckResult {
    pub version: u32,
    pub state: State,
    pub exit_code: u8,
    /// The plugin's one line, without perfdata.
    pub summary: String,
    pub checked_at: Timestamp,
    /// `full` (health, data and the data-quality rules) or `health` (the
    /// probes only: `--health`; the alert counts are then absent).
    pub scope: &'static str,
    pub sources: Vec<SourceCheck>,
    /// Firing data-quality alerts by severity (`critical`, `warning`, `info`); empty with `--health`.
    pub alerts: BTreeMap<&'static str, usize>,
    /// Firing alerts by rule key.
    pub alerts_by_rule: BTreeMap<&'static str, usize>,
}

/// The verdict: the worst source state, raised by the alerts' worst
/// severity (critical -> CRITICAL, warning -> WARNING).
/// `rules` says whether the data-quality rules ran (not with `--health`).
pub fn verdict(polled: &[(String, SourceKind, Probe)], alerts: Option<&[Alert]>, at: Timestamp) -> CheckResult {
    let rules = alerts.is_some();
    let alerts = alerts.unwrap_or_default();
    let sources: Vec<SourceCheck> = polled
        .iter()
        .map(|(name, kind, p)| SourceCheck {
            name: name.clone(),
            kind: *kind,
            status: p.status.label().to_owned(),
            state: State::of_health(p.status),
            reason: p.summary.clone(),
            latency_ms: u64::try_from(p.latency.as_millis()).unwrap_or(u64::MAX),
            http_status: p.http_status,
        })
        .collect();
    let mut by_severity: BTreeMap<&'static str, usize> = [Severity::Critical, Severity::Warning, Severity::Info]
        .iter()
        .filter(|_| rules)
        .map(|s| (s.label(), 0))
        .collect();
    let mut by_rule: BTreeMap<&'static str, usize> = BTreeMap::new();
    for a in alerts {
        *by_severity.entry(a.severity.label()).or_default() += 1;
        *by_rule.entry(a.rule.key()).or_default() += 1;
    }
    let alert_state = match alerts.iter().map(|a| a.severity).max() {
        Some(Severity::Critical) => State::Critical,
        Some(Severity::Warning) => State::Warning,
        _ => State::Ok,
    };
    let state = sources
        .iter()
        .map(|s| s.state)
        .chain([alert_state])
        .max()
        .unwrap_or(State::Ok);
    let summary = summary(&sources, &by_severity);
    CheckResult {
        version: SCHEMA_VERSION,
        state,
        exit_code: state.exit_code(),
        summary,
        checked_at: at,
        scope: if rules { "full" } else { "health" },
        sources,
        alerts: by_severity,
        alerts_by_rule: by_rule,
    }
}

/// "2 of 4 sources failing (hubspot DOWN: timed out after 10s; …); 61 critical, 244 warning alerts".
fn summary(sources: &[SourceCheck], alerts: &BTreeMap<&'static str, usize>) -> String {
    let failing: Vec<String> = sources
        .iter()
        .filter(|s| s.state != State::Ok)
        .map(|s| format!("{} {}: {}", s.name, s.status, s.reason))
        .collect();
    let mut text = if failing.is_empty() {
        format!("{} of {} sources OK", sources.len(), sources.len())
    } else {
        format!(
            "{} of {} sources failing ({})",
            failing.len(),
            sources.len(),
            failing.join("; ")
        )
    };
    let count = |k: &str| alerts.get(k).copied().unwrap_or(0);
    let (critical, warning) = (count("critical"), count("warning"));
    if critical + warning > 0 {
        text.push_str(&format!("; {critical} critical, {warning} warning data-quality alerts"));
    }
    text
}

/// A perfdata label: letters, digits and `_` only, so no quoting is needed.
fn label(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// The plugin output: `MOPS STATE - summary | perfdata`, one line.
pub fn nagios(result: &CheckResult) -> String {
    let mut perf: Vec<String> = Vec::new();
    for s in &result.sources {
        let name = label(&s.name);
        perf.push(format!(
            "{name}_up={};;;0;1",
            u8::from(s.state == State::Ok || s.state == State::Warning)
        ));
        perf.push(format!("{name}_latency={:.3}s", s.latency_ms as f64 / 1000.0));
    }
    for (severity, n) in &result.alerts {
        perf.push(format!("alerts_{severity}={n};;;0"));
    }
    // One line: a reason that spans lines would end the plugin output early.
    let summary: String = result
        .summary
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    format!("MOPS {} - {summary} | {}", result.state.label(), perf.join(" "))
}

/// Polls every configured source (or only `only`) once, through the same
/// `update` as the cockpit, and evaluates the data-quality rules over what
/// came back. Alerts acknowledged or snoozed in the cockpit (kept in the
/// store) do not raise the state, as in `serve`'s metrics and the webhooks.
/// With `health_only`, the probes alone: no data is read and no rules run.
pub async fn run(cfg: &Config, only: Option<&str>, health_only: bool) -> eyre::Result<CheckResult> {
    let mut chosen = cfg.clone();
    chosen.sources.retain(|s| only.is_none_or(|name| s.name == name));
    if chosen.sources.is_empty() {
        let known: Vec<&str> = cfg.sources.iter().map(|s| s.name.as_str()).collect();
        match only {
            Some(name) => eyre::bail!("no source {name:?} in the config; its sources: {}", known.join(", ")),
            None => eyre::bail!("the config has no sources to check"),
        }
    }
    // A check from cron is a poll like any other: it counts towards the
    // uptime `mops report` shows. Without a store the check still runs.
    let store = crate::store::default_path().and_then(|p| crate::store::Store::open(&p).ok());
    let scope = if health_only { DataScope::Health } else { DataScope::All };
    let model = crate::app::headless::poll_once(&chosen, store.as_ref().map(|s| s as _), scope).await?;
    let mut polled = Vec::new();
    for s in &model.sources {
        // A source that cannot even be built (a secret that does not
        // resolve) is a bad config: UNKNOWN, not a remote failure.
        if let Some(why) = &s.broken {
            eyre::bail!("source {:?} cannot start: {why}", s.name);
        }
        let Some((probe, _)) = &s.last else {
            eyre::bail!("source {:?} was not polled", s.name);
        };
        polled.push((s.name.clone(), s.kind, probe.clone()));
    }
    let now = model.now;
    let firing: Option<Vec<Alert>> = (!health_only).then(|| {
        let view = &model.alerts;
        view.firing
            .iter()
            .filter(|a| view.state(&a.id, now) == AlertState::Firing)
            .cloned()
            .collect()
    });
    Ok(verdict(&polled, firing.as_deref(), now))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::model::{AlertId, CircuitState, Rule};

    fn probe(status: HealthStatus, summary: &str) -> Probe {
        Probe {
            status,
            summary: summary.into(),
            latency: Duration::from_millis(1234),
            attempts: 1,
            http_status: Some(200),
            vendor_error: None,
            request_id: "r".into(),
            url: "https://x".into(),
            rate_limit: None,
            circuit: CircuitState::Closed,
        }
    }

    fn at() -> Timestamp {
        "2026-11-22T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn the_worst_source_or_alert_decides_the_state() {
        let ok = vec![("site".to_owned(), SourceKind::Http, probe(HealthStatus::Ok, "HTTP 200"))];
        let r = verdict(&ok, Some(&[]), at());
        assert_eq!((r.state, r.exit_code), (State::Ok, 0));
        assert_eq!(
            nagios(&r),
            "MOPS OK - 1 of 1 sources OK | site_up=1;;;0;1 site_latency=1.234s alerts_critical=0;;;0 alerts_info=0;;;0 alerts_warning=0;;;0"
        );

        let slow = vec![(
            "my site".to_owned(),
            SourceKind::Http,
            probe(HealthStatus::Degraded, "slow"),
        )];
        assert_eq!(verdict(&slow, Some(&[]), at()).state, State::Warning);

        // A remote timeout is CRITICAL, never UNKNOWN.
        let down = vec![(
            "crm".to_owned(),
            SourceKind::Hubspot,
            probe(HealthStatus::Down, "timed out after 10s\nsecond line"),
        )];
        let r = verdict(&down, Some(&[]), at());
        assert_eq!((r.state, r.exit_code), (State::Critical, 2));
        let line = nagios(&r);
        assert!(
            line.starts_with("MOPS CRITICAL - 1 of 1 sources failing (crm DOWN: timed out after 10s second line) |"),
            "{line}"
        );
        assert!(line.contains("crm_up=0;;;0;1"), "{line}");
        assert_eq!(line.lines().count(), 1);

        let alert = Alert {
            id: AlertId("consent_mismatch:a".into()),
            rule: Rule::ConsentMismatch,
            severity: Severity::Critical,
            summary: "x".into(),
            records: Vec::new(),
        };
        let r = verdict(&ok, Some(std::slice::from_ref(&alert)), at());
        assert_eq!(r.state, State::Critical);
        assert!(
            r.summary.ends_with("; 1 critical, 0 warning data-quality alerts"),
            "{}",
            r.summary
        );
        assert_eq!(r.alerts_by_rule.get("consent_mismatch"), Some(&1));
    }
}
