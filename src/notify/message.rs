//! The message text: one short Slack-compatible line per change, naming the
//! config's title, the source and its reason, or the rule and its count.
//! Alert summaries are never sent: they name people's email addresses.

use std::time::Duration;

use jiff::Timestamp;

use super::Trigger;
use crate::model::{HealthStatus, Rule};

/// Reasons longer than this are cut: chat wants a line, the cockpit has the rest.
const MAX_REASON: usize = 300;

/// One change worth telling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The source has been DOWN or AUTH for the debounce.
    SourceDown {
        source: String,
        status: HealthStatus,
        reason: String,
    },
    /// The source, once announced down, has been up for the debounce.
    SourceUp { source: String, lasted: Duration },
    /// Critical alerts of the rule have fired for the debounce.
    AlertFiring { rule: Rule, count: usize },
    /// The rule, once announced, has had no critical alert at all (firing,
    /// acknowledged or snoozed) for the debounce: the data was fixed.
    AlertCleared { rule: Rule, lasted: Duration },
}

impl Event {
    pub fn trigger(&self) -> Trigger {
        match self {
            Event::SourceDown { .. } | Event::SourceUp { .. } => Trigger::SourceDown,
            Event::AlertFiring { .. } | Event::AlertCleared { .. } => Trigger::CriticalAlert,
        }
    }

    /// True for a resolution, false for a new problem.
    pub fn is_resolved(&self) -> bool {
        matches!(self, Event::SourceUp { .. } | Event::AlertCleared { .. })
    }

    /// The event as one line of Slack mrkdwn.
    pub fn line(&self) -> String {
        match self {
            Event::SourceDown { source, status, reason } => {
                let what = match status {
                    HealthStatus::Auth => "AUTH (its credentials are refused)",
                    _ => "DOWN",
                };
                format!("source *{}* is {what}: {}", escape(source), reason_text(reason))
            }
            Event::SourceUp { source, lasted } => format!(
                "resolved: source *{}* is back up after {} down",
                escape(source),
                format_lasted(*lasted)
            ),
            Event::AlertFiring { rule, count } => format!(
                "critical alert firing: *{}* ({count} {})",
                rule.title(),
                if *count == 1 { "alert" } else { "alerts" }
            ),
            Event::AlertCleared { rule, lasted } => format!(
                "resolved: critical alert *{}* no longer firing after {}",
                rule.title(),
                format_lasted(*lasted)
            ),
        }
    }
}

/// What one `observe` found to tell: every change seen at once, in one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// The config's title, naming the stack in a shared channel.
    pub title: String,
    pub at: Timestamp,
    /// Never empty.
    pub events: Vec<Event>,
}

impl Notification {
    /// The whole message.
    pub fn text(&self) -> String {
        self.text_for(|_| true).unwrap_or_default()
    }

    /// The message for a webhook that wants only some triggers; `None` when
    /// none of the events is for it.
    pub fn text_for(&self, wants: impl Fn(Trigger) -> bool) -> Option<String> {
        let lines: Vec<String> = self
            .events
            .iter()
            .filter(|e| wants(e.trigger()))
            .map(Event::line)
            .collect();
        let title = escape(&self.title);
        match lines.as_slice() {
            [] => None,
            [one] => Some(format!("*{title}*: {one}")),
            many => Some(format!(
                "*{title}*: {} changes\n{}",
                many.len(),
                many.iter().map(|l| format!("• {l}")).collect::<Vec<_>>().join("\n")
            )),
        }
    }

    /// The JSON body Slack (and Mattermost, Rocket.Chat, Discord's /slack
    /// endpoint) take: `{"text": "..."}`.
    pub fn body_for(&self, wants: impl Fn(Trigger) -> bool) -> Option<serde_json::Value> {
        self.text_for(wants).map(|text| serde_json::json!({ "text": text }))
    }
}

/// Slack reads `&`, `<` and `>` as markup (`<url|label>` makes a link): a
/// reason from a vendor must not become one.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// One line: no control characters, at most `MAX_REASON` characters, escaped.
fn reason_text(reason: &str) -> String {
    let flat: String = reason.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let flat = flat.split_whitespace().collect::<Vec<_>>().join(" ");
    let cut = match flat.char_indices().nth(MAX_REASON) {
        Some((i, _)) => format!("{}…", &flat[..i]),
        None => flat,
    };
    if cut.is_empty() {
        "no reason given".to_owned()
    } else {
        escape(&cut)
    }
}

/// "45s", "12m", "1h 5m", "2d 3h": the two largest units, as a person says it.
pub fn format_lasted(d: Duration) -> String {
    let s = d.as_secs();
    let (days, hours, minutes, seconds) = (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60);
    match (days, hours, minutes) {
        (0, 0, 0) => format!("{seconds}s"),
        (0, 0, m) if seconds == 0 => format!("{m}m"),
        (0, 0, m) => format!("{m}m {seconds}s"),
        (0, h, 0) => format!("{h}h"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, 0, _) => format!("{d}d"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(events: Vec<Event>) -> Notification {
        Notification {
            title: "Acme <stack>".into(),
            at: Timestamp::UNIX_EPOCH,
            events,
        }
    }

    #[test]
    fn one_event_is_one_line_naming_the_title() {
        let n = note(vec![Event::SourceDown {
            source: "crm".into(),
            status: HealthStatus::Down,
            reason: "HTTP 503 after 4 attempts".into(),
        }]);
        assert_eq!(
            n.text(),
            "*Acme &lt;stack&gt;*: source *crm* is DOWN: HTTP 503 after 4 attempts"
        );
    }

    #[test]
    fn several_events_are_one_message_and_a_webhook_gets_only_what_it_wants() {
        let n = note(vec![
            Event::SourceUp {
                source: "blog".into(),
                lasted: Duration::from_secs(754),
            },
            Event::AlertFiring {
                rule: Rule::ConsentMismatch,
                count: 60,
            },
        ]);
        assert_eq!(
            n.text(),
            "*Acme &lt;stack&gt;*: 2 changes\n\
             • resolved: source *blog* is back up after 12m 34s down\n\
             • critical alert firing: *consent mismatch* (60 alerts)"
        );
        assert_eq!(
            n.text_for(|t| t == Trigger::CriticalAlert).as_deref(),
            Some("*Acme &lt;stack&gt;*: critical alert firing: *consent mismatch* (60 alerts)")
        );
        let only_down = note(vec![Event::AlertCleared {
            rule: Rule::DealWithoutContact,
            lasted: Duration::from_secs(7500),
        }]);
        assert_eq!(only_down.text_for(|t| t == Trigger::SourceDown), None);
        assert_eq!(
            only_down.body_for(|_| true),
            Some(serde_json::json!({
                "text": "*Acme &lt;stack&gt;*: resolved: critical alert *deal without contact* no longer firing after 2h 5m"
            }))
        );
    }

    #[test]
    fn a_reason_cannot_make_links_or_break_lines() {
        let line = Event::SourceDown {
            source: "crm".into(),
            status: HealthStatus::Auth,
            reason: "401 <https://evil.example|click here>\n\u{1b}[2Jnext & more".into(),
        }
        .line();
        assert_eq!(
            line,
            "source *crm* is AUTH (its credentials are refused): 401 &lt;https://evil.example|click here&gt; [2Jnext &amp; more"
        );
        let long = Event::SourceDown {
            source: "crm".into(),
            status: HealthStatus::Down,
            reason: "x".repeat(1000),
        }
        .line();
        assert!(long.chars().count() < MAX_REASON + 40, "{}", long.len());
        assert!(long.ends_with('…'));
    }

    #[test]
    fn durations_read_like_a_person_says_them() {
        for (secs, text) in [
            (0, "0s"),
            (45, "45s"),
            (60, "1m"),
            (754, "12m 34s"),
            (3600, "1h"),
            (7500, "2h 5m"),
            (86_400, "1d"),
            (2 * 86_400 + 3 * 3600 + 59, "2d 3h"),
        ] {
            assert_eq!(format_lasted(Duration::from_secs(secs)), text, "{secs}");
        }
    }
}
