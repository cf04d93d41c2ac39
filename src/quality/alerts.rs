//! The alert set the engine maintains: one entry per problem, kept in the
//! order the pane shows (severity, most severe first; then rule; then id),
//! so producing the list is a walk, never a sort.

use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::sync::Arc;

use crate::config::QualityConfig;
use crate::model::{Alert, AlertId, RecordRef, Rule, Severity};

use super::default_severity;

/// What a rule found, before the engine gives it an identity and severity.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Draft {
    pub summary: String,
    /// Sorted by the caller.
    pub records: Vec<RecordRef>,
}

/// Alert order. Within one rule, ordering by the problem key is ordering by
/// the id (`rule:key`), so the key stands in for the id without allocating.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Slot {
    severity: Reverse<Severity>,
    rule: Rule,
    key: Arc<str>,
}

#[derive(Debug)]
pub(crate) struct AlertSet {
    enabled: [bool; Rule::ALL.len()],
    severity: [Severity; Rule::ALL.len()],
    alerts: BTreeMap<Slot, Alert>,
}

impl AlertSet {
    pub fn new(config: &QualityConfig) -> AlertSet {
        AlertSet {
            enabled: Rule::ALL.map(|r| !config.disabled.contains(&r)),
            severity: Rule::ALL.map(|r| config.severity.get(&r).copied().unwrap_or(default_severity(r))),
            alerts: BTreeMap::new(),
        }
    }

    pub fn enabled(&self, rule: Rule) -> bool {
        self.enabled[rule as usize]
    }

    pub fn severity(&self, rule: Rule) -> Severity {
        self.severity[rule as usize]
    }

    /// The alert's identity: the rule's config key, then the problem key
    /// (empty for the per-rule aggregates).
    pub fn id(rule: Rule, key: &str) -> AlertId {
        if key.is_empty() {
            AlertId(rule.key().to_string())
        } else {
            AlertId(format!("{}:{key}", rule.key()))
        }
    }

    /// Sets (`Some`) or clears (`None`) the alert for `rule` about `key`.
    /// A disabled rule never fires.
    pub fn put(&mut self, rule: Rule, key: &Arc<str>, draft: Option<Draft>) {
        let slot = Slot {
            severity: Reverse(self.severity(rule)),
            rule,
            key: Arc::clone(key),
        };
        match draft {
            Some(d) if self.enabled(rule) => {
                let alert = Alert {
                    id: Self::id(rule, key),
                    rule,
                    severity: slot.severity.0,
                    summary: d.summary,
                    records: d.records,
                };
                self.alerts.insert(slot, alert);
            }
            _ => {
                self.alerts.remove(&slot);
            }
        }
    }

    pub fn to_vec(&self) -> Vec<Alert> {
        self.alerts.values().cloned().collect()
    }

    pub fn len(&self) -> usize {
        self.alerts.len()
    }
}

/// "1 contact" / "3 contacts".
pub(crate) fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `0.0312` -> "3.1%".
pub(crate) fn percent(rate: f64) -> String {
    format!("{:.1}%", rate * 100.0)
}

/// A config duration as a person says it: "180 days", "12 hours".
pub(crate) fn age(d: std::time::Duration) -> String {
    let secs = d.as_secs();
    if secs >= 86_400 && secs.is_multiple_of(86_400) {
        count((secs / 86_400) as usize, "day", "days")
    } else if secs >= 3_600 && secs.is_multiple_of(3_600) {
        count((secs / 3_600) as usize, "hour", "hours")
    } else {
        count(secs as usize, "second", "seconds")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_overrides_severity_and_disables_rules() {
        let mut config = QualityConfig::default();
        config.disabled.insert(Rule::StaleRecord);
        config.severity.insert(Rule::MissingOwner, Severity::Critical);
        let mut set = AlertSet::new(&config);
        assert_eq!(set.severity(Rule::MissingOwner), Severity::Critical);
        assert_eq!(set.severity(Rule::InvalidEmail), default_severity(Rule::InvalidEmail));
        let draft = || {
            Some(Draft {
                summary: "x".into(),
                records: vec![],
            })
        };
        set.put(Rule::StaleRecord, &Arc::from(""), draft());
        assert_eq!(set.len(), 0, "a disabled rule never fires");
        set.put(Rule::MissingOwner, &Arc::from(""), draft());
        set.put(Rule::DuplicateEmail, &Arc::from("a@x.com"), draft());
        let ids: Vec<String> = set.to_vec().into_iter().map(|a| a.id.0).collect();
        assert_eq!(ids, ["missing_owner", "duplicate_email:a@x.com"], "critical first");
        set.put(Rule::DuplicateEmail, &Arc::from("a@x.com"), None);
        assert_eq!(set.len(), 1);
    }

    #[test]
    fn ages_read_naturally() {
        use std::time::Duration;
        assert_eq!(age(Duration::from_secs(180 * 86_400)), "180 days");
        assert_eq!(age(Duration::from_secs(86_400)), "1 day");
        assert_eq!(age(Duration::from_secs(7_200)), "2 hours");
        assert_eq!(age(Duration::from_secs(90)), "90 seconds");
        assert_eq!(percent(0.0312), "3.1%");
    }
}
