//! `[notify]`: the debounce and the `[[notify.webhook]]` tables.

use std::collections::HashMap;
use std::ops::Range;

use toml::de::{DeTable, DeValue};

use super::{NameRules, Validator, Value, backticked, entries, found};
use crate::config::schema;
use crate::config::{NotifyConfig, WebhookConfig};
use crate::notify::Trigger;

const NOTIFY_KEYS: &[&str] = &["debounce", "webhook"];
const WEBHOOK_KEYS: &[&str] = &["name", "url", "on"];
/// The variable the messages suggest for a webhook URL.
const URL_ENV: &str = "MOPS_SLACK_WEBHOOK";

impl Validator<'_> {
    pub(super) fn notify(&mut self, value: &Value<'_>) -> NotifyConfig {
        let mut notify = NotifyConfig::default();
        let DeValue::Table(table) = value.get_ref() else {
            self.push(
                value.span().start,
                "notify",
                format!("expected a [notify] table, found {}", found(value.get_ref())),
            );
            return notify;
        };
        for e in entries(table) {
            match e.key {
                "debounce" => {
                    if let Some(d) = self.duration("notify.debounce", e.value) {
                        notify.debounce = d;
                    }
                }
                "webhook" => notify.webhooks = self.webhooks(e.value),
                _ => self.unknown_key(&e, format!("notify.{}", e.key), NOTIFY_KEYS, "[notify]"),
            }
        }
        notify
    }

    fn webhooks(&mut self, value: &Value<'_>) -> Vec<WebhookConfig> {
        let items = match value.get_ref() {
            DeValue::Array(items) => items,
            DeValue::Table(_) => {
                self.push(
                    value.span().start,
                    "notify.webhook",
                    "write [[notify.webhook]] with double brackets: one table per webhook",
                );
                return Vec::new();
            }
            other => {
                self.push(
                    value.span().start,
                    "notify.webhook",
                    format!("expected [[notify.webhook]] tables, found {}", found(other)),
                );
                return Vec::new();
            }
        };
        // Webhook name -> line of its `name`, to name both lines of a duplicate.
        let mut seen = HashMap::new();
        let mut webhooks = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            match item.get_ref() {
                DeValue::Table(table) => webhooks.extend(self.webhook(index, item.span(), table, &mut seen)),
                other => self.push(
                    item.span().start,
                    format!("notify.webhook #{}", index + 1),
                    format!("expected a [[notify.webhook]] table, found {}", found(other)),
                ),
            }
        }
        webhooks
    }

    fn webhook(
        &mut self,
        index: usize,
        header: Range<usize>,
        table: &DeTable<'_>,
        seen: &mut HashMap<String, usize>,
    ) -> Option<WebhookConfig> {
        let problems_before = self.problems.len();
        let fields = entries(table);
        let ordinal = format!("notify.webhook #{}", index + 1);
        let name = match fields.iter().find(|e| e.key == "name") {
            Some(e) => self.webhook_name(&ordinal, e.value, seen),
            None => {
                self.push(
                    header.start,
                    ordinal.clone(),
                    "missing `name`; give every webhook a unique name, like name = \"ops-chat\"",
                );
                None
            }
        };
        let label = name.as_ref().map_or(ordinal, |n| format!("notify.webhook {n:?}"));
        let field = |key: &str| format!("{label} field {key}");

        let mut url = None;
        let mut on = None;
        for e in &fields {
            match e.key {
                "name" => {}
                "url" => url = self.webhook_url(&field("url"), e.value),
                "on" => on = self.triggers(&field("on"), e.value),
                "channel" | "username" | "icon_emoji" | "icon_url" => self.push(
                    e.key_span.start,
                    field(e.key),
                    format!(
                        "unknown key `{}`; a Slack webhook posts to the channel, and as the app, it was created for: \
                         set those in Slack",
                        e.key
                    ),
                ),
                _ => self.unknown_key(e, field(e.key), WEBHOOK_KEYS, "[[notify.webhook]]"),
            }
        }
        if !fields.iter().any(|e| e.key == "url") {
            self.push(
                header.start,
                label.clone(),
                format!("missing `url`; name where the webhook URL is kept, like url = {{ env = \"{URL_ENV}\" }}"),
            );
        }
        if self.problems.len() > problems_before {
            return None;
        }
        Some(WebhookConfig {
            name: name?,
            url: url?,
            on: on.unwrap_or_else(|| Trigger::ALL.to_vec()),
        })
    }

    fn webhook_name(&mut self, ordinal: &str, value: &Value<'_>, seen: &mut HashMap<String, usize>) -> Option<String> {
        let rules = NameRules {
            what: "webhook",
            example: "\"ops-chat\"",
        };
        self.unique_name(ordinal, value, rules, seen)
    }

    /// A secret reference. An inline URL is refused without being quoted:
    /// Slack's (and most chat services') webhook URLs carry their token.
    fn webhook_url(&mut self, field: &str, value: &Value<'_>) -> Option<crate::config::SecretRef> {
        if let DeValue::String(_) = value.get_ref() {
            self.push(
                value.span().start,
                field,
                format!(
                    "a webhook URL is a secret (it carries the token that lets anyone post) and cannot be written inline; \
                     use url = {{ env = \"{URL_ENV}\" }} or {{ file = \"path\" }} with mode 0600"
                ),
            );
            return None;
        }
        self.secret(field, "url", value)
    }

    /// `on = ["source_down", "critical_alert"]`: a non-empty list of triggers, each once.
    fn triggers(&mut self, field: &str, value: &Value<'_>) -> Option<Vec<Trigger>> {
        let keys = Trigger::ALL.map(Trigger::key);
        let empty = format!(
            "an empty list would never send anything; list some of {}, or leave `on` out for all",
            backticked(&keys)
        );
        let items = self.list(field, value, "a list like on = [\"source_down\"]", Some(&empty))?;
        let before = self.problems.len();
        let mut triggers = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            let at = item.span().start;
            let entry = index + 1;
            match item.get_ref() {
                DeValue::String(text) => match Trigger::from_key(text) {
                    Some(t) if triggers.contains(&t) => {
                        self.push(at, field, format!("entry {entry} repeats `{t}`; list each once"));
                    }
                    Some(t) => triggers.push(t),
                    None => {
                        // "critical" and "down" are too far from the keys for `closest`.
                        let lower = text.to_lowercase();
                        let hint = schema::closest(text, &keys)
                            .or_else(|| {
                                keys.into_iter()
                                    .find(|k| lower.len() >= 4 && k.contains(lower.as_str()))
                            })
                            .map(|near| format!("; did you mean `{near}`?"))
                            .unwrap_or_default();
                        self.push(
                            at,
                            field,
                            format!("unknown trigger {text:?}{hint} (one of {})", backticked(&keys)),
                        );
                    }
                },
                other => self.push(
                    at,
                    field,
                    format!(
                        "entry {entry}: expected one of {}, found {}",
                        backticked(&keys),
                        found(other)
                    ),
                ),
            }
        }
        (self.problems.len() == before).then_some(triggers)
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::time::Duration;

    use crate::config::{Config, ConfigError, Problem, SecretRef};
    use crate::notify::Trigger;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        super::super::parse_config(Path::new("/etc/mops/stack.toml"), text, Some(Path::new("/home/ops")))
    }

    fn problems(text: &str) -> Vec<Problem> {
        parse(text).unwrap_err().problems().to_vec()
    }

    #[test]
    fn defaults_to_a_minute_and_no_webhooks() {
        let config = parse("").unwrap();
        assert_eq!(config.notify.debounce, Duration::from_secs(60));
        assert!(config.notify.webhooks.is_empty());
    }

    #[test]
    fn reads_debounce_and_webhooks_in_file_order() {
        let config = parse(
            "[notify]\ndebounce = \"2m 30s\"\n[[notify.webhook]]\nname = \"ops-chat\"\nurl = { env = \"MOPS_SLACK_WEBHOOK\" }\n\
             [[notify.webhook]]\nname = \"pager\"\nurl = { file = \"keys/pager\" }\non = [\"source_down\"]\n",
        )
        .unwrap();
        assert_eq!(config.notify.debounce, Duration::from_secs(150));
        let hooks = &config.notify.webhooks;
        assert_eq!(hooks.len(), 2);
        assert_eq!(hooks[0].name, "ops-chat");
        assert_eq!(hooks[0].url, SecretRef::Env("MOPS_SLACK_WEBHOOK".into()));
        assert_eq!(hooks[0].on, Trigger::ALL);
        assert_eq!(hooks[1].url, SecretRef::File("/etc/mops/keys/pager".into()));
        assert_eq!(hooks[1].on, [Trigger::SourceDown]);
    }

    #[test]
    fn inline_url_is_refused_without_echoing_it() {
        let found = problems(
            "[notify]\n[[notify.webhook]]\nname = \"ops\"\nurl = \"https://hooks.slack.com/services/T0/B0/s3cr3tT0ken\"\n",
        );
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!((found[0].line, found[0].column), (4, 7));
        assert_eq!(found[0].field, "notify.webhook \"ops\" field url");
        assert!(found[0].message.contains("MOPS_SLACK_WEBHOOK"), "{found:#?}");
        assert!(!found[0].message.contains("s3cr3t") && !found[0].message.contains("hooks.slack"));
    }

    #[test]
    fn each_mistake_points_at_its_line_and_field() {
        let cases: &[(&str, usize, &str, &str)] = &[
            (
                "[notify]\ndebounse = \"1m\"\n",
                2,
                "notify.debounse",
                "did you mean `debounce`?",
            ),
            (
                "[notify]\ndebounce = \"soon\"\n",
                2,
                "notify.debounce",
                "bad duration \"soon\"",
            ),
            ("[notify]\ndebounce = 60\n", 2, "notify.debounce", "found integer 60"),
            (
                "[notify]\ndebounce = \"0s\"\n",
                2,
                "notify.debounce",
                "greater than zero",
            ),
            (
                "[[notify.webhook]]\nname = \"a\"\nurl = { env = \"U\" }\nchanel = \"#ops\"\n",
                4,
                "notify.webhook \"a\" field chanel",
                "[[notify.webhook]] accepts `name`, `url`, `on`",
            ),
            (
                "[[notify.webhook]]\nname = \"a\"\nurl = { env = \"U\" }\nchannel = \"#ops\"\n",
                4,
                "notify.webhook \"a\" field channel",
                "posts to the channel, and as the app, it was created for",
            ),
            (
                "[[notify.webhook]]\nname = \"a\"\nurl = { env = \"U\" }\non = [\"down\"]\n",
                4,
                "notify.webhook \"a\" field on",
                "unknown trigger \"down\"; did you mean `source_down`?",
            ),
            (
                "[[notify.webhook]]\nname = \"a\"\nurl = { env = \"U\" }\non = [\"source_down\", \"critical_alerts\"]\n",
                4,
                "notify.webhook \"a\" field on",
                "unknown trigger \"critical_alerts\"; did you mean `critical_alert`?",
            ),
            (
                "[[notify.webhook]]\nname = \"a\"\nurl = { env = \"U\" }\non = []\n",
                4,
                "notify.webhook \"a\" field on",
                "an empty list would never send anything",
            ),
            (
                "[[notify.webhook]]\nname = \"a\"\nurl = { env = \"U\" }\non = \"source_down\"\n",
                4,
                "notify.webhook \"a\" field on",
                "expected a list",
            ),
            (
                "[[notify.webhook]]\nname = \"a\"\nurl = { env = \"U\" }\non = [\"source_down\", \"source_down\"]\n",
                4,
                "notify.webhook \"a\" field on",
                "entry 2 repeats `source_down`",
            ),
            (
                "[[notify.webhook]]\nname = \"a\"\nurl = { env = \"https://x\" }\n",
                3,
                "notify.webhook \"a\" field url.env",
                "not an environment variable name",
            ),
            (
                "[[notify.webhook]]\nname = \"a\"\nurl = { fiel = \"k\" }\n",
                3,
                "notify.webhook \"a\" field url.fiel",
                "did you mean `file`?",
            ),
            (
                "[[notify.webhook]]\nname = \"a\"\n",
                1,
                "notify.webhook \"a\"",
                "missing `url`",
            ),
            (
                "[[notify.webhook]]\nurl = { env = \"U\" }\n",
                1,
                "notify.webhook #1",
                "missing `name`",
            ),
            (
                "[[notify.webhook]]\nname = \"Ops Chat\"\nurl = { env = \"U\" }\n",
                2,
                "notify.webhook #1 field name",
                "a webhook name uses only a-z",
            ),
            (
                "[notify.webhook]\nname = \"a\"\n",
                1,
                "notify.webhook",
                "double brackets",
            ),
            ("notify = true\n", 1, "notify", "expected a [notify] table"),
        ];
        for (text, line, field, fragment) in cases {
            let found = problems(text);
            assert_eq!(found.len(), 1, "{text}: {found:#?}");
            assert_eq!((found[0].line, found[0].field.as_str()), (*line, *field), "{text}");
            assert!(found[0].message.contains(fragment), "{text}: {}", found[0].message);
        }
    }

    #[test]
    fn duplicate_webhook_names_name_both_lines() {
        let found = problems(
            "[[notify.webhook]]\nname = \"ops\"\nurl = { env = \"A\" }\n\n[[notify.webhook]]\nname = \"ops\"\nurl = { env = \"B\" }\n",
        );
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!((found[0].line, found[0].column), (6, 8));
        assert_eq!(found[0].field, "notify.webhook \"ops\" field name");
        assert!(
            found[0]
                .message
                .contains("line 2 already uses it, and line 6 uses it again"),
            "{}",
            found[0].message
        );
    }
}
