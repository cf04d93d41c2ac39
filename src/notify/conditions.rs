//! What is wrong right now, read off the model: which sources are down and
//! which rules have critical alerts. Pure.

use std::collections::BTreeMap;

use jiff::Timestamp;

use super::{Event, Trigger};
use crate::app::{Model, SourceState};
use crate::model::{AlertState, HealthStatus, Rule, Severity};

/// One thing that can be wrong, by identity: it is announced once while it holds.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Condition {
    /// The source of this name is down.
    SourceDown(String),
    /// This rule has critical alerts firing (to be announced), or has been
    /// announced and still has critical alerts in any state.
    CriticalAlert(Rule),
}

impl Condition {
    pub fn trigger(&self) -> Trigger {
        match self {
            Condition::SourceDown(_) => Trigger::SourceDown,
            Condition::CriticalAlert(_) => Trigger::CriticalAlert,
        }
    }
}

/// What [`conditions`] read off the model at one time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Found {
    /// Every condition that holds, with the event that announces it.
    pub holding: BTreeMap<Condition, Event>,
    /// Every rule with critical alerts in any state (firing, acknowledged,
    /// snoozed), with their count.
    pub critical: BTreeMap<Rule, usize>,
}

impl Found {
    /// What holds for the debounce: [`Found::holding`], plus each rule that
    /// `announced` says has been told and that still has critical alerts in
    /// any state. Acknowledging or snoozing an announced alert is not a fix:
    /// only the alerts going away resolves the rule.
    pub fn with_announced(self, announced: impl Fn(&Condition) -> bool) -> BTreeMap<Condition, Event> {
        let mut holding = self.holding;
        for (rule, count) in self.critical {
            let key = Condition::CriticalAlert(rule);
            if !holding.contains_key(&key) && announced(&key) {
                // The detail only shows in a "firing" message, and an announced
                // rule gets no second one.
                holding.insert(key, Event::AlertFiring { rule, count });
            }
        }
        holding
    }
}

/// Every condition that holds at `now`, with the event that announces it:
/// a source's status (DOWN or AUTH) and the reason the cockpit shows (already
/// scrubbed), or a rule's count of critical alerts firing. Also counts each
/// rule's critical alerts in any state (see [`Found::with_announced`]).
///
/// A source is down when its latest finished poll said DOWN or AUTH, or when
/// it could not be started at all (a missing secret, a bad URL: the cockpit
/// shows those as DOWN too). Not before its first poll: "waiting" is no outage.
///
/// RATE-LIMITED is not down: the vendor answered and asked us to slow down,
/// the limiter waits and the data keeps coming; it is on screen and in the
/// metrics, and chat would only hear noise (another tool sharing the quota
/// can cause it for minutes at a time).
///
/// STALE neither starts nor ends an outage: it says no poll has finished
/// lately, not that the source changed. So a stale source counts by its last
/// finished poll: a laptop waking from sleep (every source briefly stale)
/// announces nothing, and a down source whose polls stall is not announced
/// as resolved.
///
/// A rule is announced only when it has critical alerts firing: alerts that
/// are all acknowledged or snoozed start nothing (a snooze that has run out
/// is firing again). Once announced it stays announced while it has critical
/// alerts in any state, and is resolved only when they are gone, i.e. the
/// data was fixed: acknowledging says someone is on it, not that it is fixed,
/// and a snooze running out on an announced rule tells chat nothing new.
/// One condition per rule, with its count, so 60 duplicates make one
/// message, not 60.
pub fn conditions(model: &Model, now: Timestamp) -> Found {
    let mut found = Found::default();
    for source in &model.sources {
        if let Some(event) = source_down(source) {
            found.holding.insert(Condition::SourceDown(source.name.clone()), event);
        }
    }
    let mut firing: BTreeMap<Rule, usize> = BTreeMap::new();
    for alert in model.alerts.firing.iter().filter(|a| a.severity == Severity::Critical) {
        *found.critical.entry(alert.rule).or_default() += 1;
        // Resolved by hand but found again: the pane shows it firing too.
        if matches!(
            model.alerts.state(&alert.id, now),
            AlertState::Firing | AlertState::Resolved { .. }
        ) {
            *firing.entry(alert.rule).or_default() += 1;
        }
    }
    for (rule, count) in firing {
        found
            .holding
            .insert(Condition::CriticalAlert(rule), Event::AlertFiring { rule, count });
    }
    found
}

fn source_down(source: &SourceState) -> Option<Event> {
    if let Some(why) = &source.broken {
        return Some(Event::SourceDown {
            source: source.name.clone(),
            status: HealthStatus::Down,
            reason: format!("not started: {why}"),
        });
    }
    // The probe itself, not `status(now)`: see STALE above.
    let (probe, _) = source.last.as_ref()?;
    matches!(probe.status, HealthStatus::Down | HealthStatus::Auth).then(|| Event::SourceDown {
        source: source.name.clone(),
        status: probe.status,
        reason: probe.summary.clone(),
    })
}
