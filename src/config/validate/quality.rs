//! `[quality]`: the staleness age and per-rule switches and severities;
//! `[queues]`: the ages that put content into the task queues.

use toml::de::DeValue;

use super::{Entry, Validator, Value, backticked, entries, found};
use crate::config::age::parse_age;
use crate::config::schema::{self, QUALITY_KEYS, QUEUES_KEYS, RULE_KEYS};
use crate::config::{QualityConfig, QueuesConfig};
use crate::model::{Rule, Severity};

const SEVERITIES: [Severity; 3] = [Severity::Info, Severity::Warning, Severity::Critical];

impl Validator<'_> {
    pub(super) fn quality(&mut self, value: &Value<'_>) -> QualityConfig {
        let mut quality = QualityConfig::default();
        let DeValue::Table(table) = value.get_ref() else {
            self.push(
                value.span().start,
                "quality",
                format!("expected a [quality] table, found {}", found(value.get_ref())),
            );
            return quality;
        };
        for e in entries(table) {
            match e.key {
                "stale_after" => {
                    if let Some(age) = self.age("quality.stale_after", e.value) {
                        quality.stale_after = age;
                    }
                }
                "rules" => self.rules(e.value, &mut quality),
                _ => self.unknown_key(&e, format!("quality.{}", e.key), QUALITY_KEYS, "[quality]"),
            }
        }
        quality
    }

    pub(super) fn queues(&mut self, value: &Value<'_>) -> QueuesConfig {
        let mut queues = QueuesConfig::default();
        let DeValue::Table(table) = value.get_ref() else {
            self.push(
                value.span().start,
                "queues",
                format!("expected a [queues] table, found {}", found(value.get_ref())),
            );
            return queues;
        };
        for e in entries(table) {
            let field = format!("queues.{}", e.key);
            let slot = match e.key {
                "stale_draft_after" => &mut queues.stale_draft_after,
                "scheduled_within" => &mut queues.scheduled_within,
                _ => {
                    self.unknown_key(&e, field, QUEUES_KEYS, "[queues]");
                    continue;
                }
            };
            if let Some(age) = self.age(&field, e.value) {
                *slot = age;
            }
        }
        queues
    }

    fn age(&mut self, field: &str, value: &Value<'_>) -> Option<std::time::Duration> {
        let message = match value.get_ref() {
            DeValue::String(text) => match parse_age(text) {
                Ok(age) => return Some(age),
                Err(err) => err.to_string(),
            },
            other => format!("expected an age string like \"180d\", found {}", found(other)),
        };
        self.push(value.span().start, field, message);
        None
    }

    fn rules(&mut self, value: &Value<'_>, quality: &mut QualityConfig) {
        let table = match value.get_ref() {
            DeValue::Table(table) => table,
            DeValue::Array(_) => {
                self.push(
                    value.span().start,
                    "quality.rules",
                    "write [quality.rules.<rule>] with single brackets: one table per rule, like [quality.rules.missing_owner]",
                );
                return;
            }
            other => {
                self.push(
                    value.span().start,
                    "quality.rules",
                    format!(
                        "expected [quality.rules.<rule>] tables, like [quality.rules.missing_owner], found {}",
                        found(other)
                    ),
                );
                return;
            }
        };
        for e in entries(table) {
            let field = format!("quality.rules.{}", e.key);
            let Some(rule) = Rule::ALL.into_iter().find(|r| r.key() == e.key) else {
                self.unknown_rule(&e, field);
                continue;
            };
            let DeValue::Table(settings) = e.value.get_ref() else {
                let example = if matches!(e.value.get_ref(), DeValue::Boolean(false)) {
                    "enabled = false"
                } else {
                    "severity = \"critical\""
                };
                self.push(
                    e.value.span().start,
                    field,
                    format!(
                        "expected a table, found {}; write [quality.rules.{}] with {example} under it",
                        found(e.value.get_ref()),
                        e.key
                    ),
                );
                continue;
            };
            for s in entries(settings) {
                let setting_field = format!("{field}.{}", s.key);
                match s.key {
                    "enabled" => match self.boolean(&setting_field, s.value) {
                        Some(false) => {
                            quality.disabled.insert(rule);
                        }
                        Some(true) => {
                            quality.disabled.remove(&rule);
                        }
                        None => {}
                    },
                    "severity" => {
                        if let Some(severity) = self.severity(&setting_field, s.value) {
                            quality.severity.insert(rule, severity);
                        }
                    }
                    _ => self.unknown_key(&s, setting_field, RULE_KEYS, "a [quality.rules.<rule>] table"),
                }
            }
        }
    }

    /// A near miss of a rule key, or of a rule's enum name spelled in
    /// snake_case (`campaign_over_bounce_threshold` for `campaign_bounce_rate`).
    fn unknown_rule(&mut self, e: &Entry<'_, '_>, field: String) {
        let keys = Rule::ALL.map(Rule::key);
        let by_name = Rule::ALL
            .into_iter()
            .find(|r| snake_case(&format!("{r:?}")) == e.key.to_lowercase())
            .map(Rule::key);
        let message = match by_name.or_else(|| schema::closest(e.key, &keys)) {
            Some(near) => format!("unknown rule `{}`; did you mean `{near}`?", e.key),
            None => format!("unknown rule `{}`; the rules are {}", e.key, backticked(&keys)),
        };
        self.push(e.key_span.start, field, message);
    }

    fn severity(&mut self, field: &str, value: &Value<'_>) -> Option<Severity> {
        let labels = SEVERITIES.map(Severity::label);
        let message = match value.get_ref() {
            DeValue::String(text) => {
                if let Some(severity) = SEVERITIES.into_iter().find(|s| s.label() == text.as_ref()) {
                    return Some(severity);
                }
                let hint = schema::closest(text, &labels)
                    .map(|near| format!("; did you mean `{near}`?"))
                    .unwrap_or_default();
                format!("unknown severity {text:?}{hint} (one of {})", backticked(&labels))
            }
            other => format!("expected one of {}, found {}", backticked(&labels), found(other)),
        };
        self.push(value.span().start, field, message);
        None
    }
}

/// "CampaignOverBounceThreshold" -> "campaign_over_bounce_threshold".
fn snake_case(camel: &str) -> String {
    let mut out = String::with_capacity(camel.len() + 8);
    for (i, c) in camel.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::snake_case;
    use crate::config::Problem;
    use crate::config::validate::parse_config;

    fn problems(text: &str) -> Vec<Problem> {
        parse_config(Path::new("/etc/mops.toml"), text, None)
            .unwrap_err()
            .problems()
            .to_vec()
    }

    #[test]
    fn shape_mistakes_are_explained() {
        let cases = [
            (
                "[quality.rules]\nmissing_owner = false\n",
                "quality.rules.missing_owner",
                "write [quality.rules.missing_owner] with enabled = false under it",
            ),
            (
                "[quality.rules.campaign_over_bounce_threshold]\nenabled = false\n",
                "quality.rules.campaign_over_bounce_threshold",
                "did you mean `campaign_bounce_rate`?",
            ),
            (
                "[quality.rules.colour]\n",
                "quality.rules.colour",
                "the rules are `invalid_email`, `duplicate_email`",
            ),
            (
                "[quality.rules.missing_owner]\nenable = false\n",
                "quality.rules.missing_owner.enable",
                "did you mean `enabled`?",
            ),
            (
                "[quality.rules.missing_owner]\nenabled = \"no\"\n",
                "quality.rules.missing_owner.enabled",
                "expected true or false",
            ),
            ("[[quality.rules]]\n", "quality.rules", "single brackets"),
            (
                "[quality]\nstale = \"9d\"\n",
                "quality.stale",
                "[quality] accepts `stale_after`, `rules`",
            ),
            (
                "[quality]\nstale_after = 30\n",
                "quality.stale_after",
                "expected an age string like \"180d\", found integer 30",
            ),
            (
                "[quality]\nstale_after = \"6m\"\n",
                "quality.stale_after",
                "less than a day",
            ),
            ("stale_after = \"9d\"\n", "stale_after", "put it under [quality]"),
            ("[qualty]\n", "qualty", "did you mean `quality`?"),
            (
                "[quality.rules.missing_owner]\nseverity = 3\n",
                "quality.rules.missing_owner.severity",
                "expected one of `info`, `warning`, `critical`, found integer 3",
            ),
        ];
        for (text, field, fragment) in cases {
            let found = problems(text);
            assert_eq!(found.len(), 1, "{text}: {found:#?}");
            assert_eq!(found[0].field, field, "{text}");
            assert!(found[0].message.contains(fragment), "{text}: {}", found[0].message);
        }
    }

    #[test]
    fn bad_round_robin_entries_are_pointed_at_without_echoing_them() {
        const HUBSPOT: &str = "[[source]]\nname = \"h\"\nkind = \"hubspot\"\ntoken = { env = \"T\" }\n";
        let found = problems(&format!("{HUBSPOT}round_robin = [\"ann smith\", 42, \" \", \"12a\"]\n"));
        let messages: Vec<&str> = found.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(messages.len(), 4, "{found:#?}");
        assert!(
            messages[0].starts_with("entry 1 is neither an email nor a numeric id"),
            "{messages:?}"
        );
        assert!(
            messages[1].starts_with("entry 2: expected an owner's email") && messages[1].ends_with("found integer 42")
        );
        assert!(messages[2].starts_with("entry 3 is empty"), "{messages:?}");
        assert!(messages[3].starts_with("entry 4 is neither"), "{messages:?}");
        assert!(!messages.iter().any(|m| m.contains("smith") || m.contains("12a")));

        let empty = problems(&format!("{HUBSPOT}round_robin = []\n"));
        assert!(empty[0].message.contains("name at least one owner"), "{empty:#?}");
        let scalar = problems(&format!("{HUBSPOT}round_robin = \"123\"\n"));
        assert!(scalar[0].message.contains("expected a list of owners"), "{scalar:#?}");
    }

    #[test]
    fn snake_cases_enum_names() {
        assert_eq!(
            snake_case("CampaignOverBounceThreshold"),
            "campaign_over_bounce_threshold"
        );
        assert_eq!(snake_case("InvalidEmail"), "invalid_email");
    }
}
