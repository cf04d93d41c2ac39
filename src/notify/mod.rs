//! Webhook notifications: a source down, a critical alert firing, and their
//! resolution, posted as Slack-compatible JSON (`{"text": "..."}`).
//!
//! [`Notifier::observe`] is pure: it reads the model at a time and returns
//! the message due, if any ([`conditions`] says what counts, [`debounce`]
//! when to tell). [`Notifier::deliver`] does the I/O, off the loop. The
//! state is kept in memory: after a restart, what still holds is announced
//! again once the debounce has passed.
//!
//! Read-only mode does not silence webhooks: it guards the vendors' data,
//! and a message to chat changes nothing there.

pub mod conditions;
pub mod debounce;
mod delivery;
mod message;
mod trigger;

use jiff::Timestamp;

pub use conditions::Condition;
pub use delivery::{Delivery, DeliveryError, TOTAL_TIMEOUT};
pub use message::{Event, Notification, format_lasted};
pub use trigger::Trigger;

use crate::app::Model;
use crate::config::{ConfigError, NotifyConfig, WebhookConfig};
use debounce::{Change, Debouncer};
use delivery::{Endpoint, Sender};

/// Why the webhooks cannot be set up. Names the webhook and where its URL
/// comes from (`env VAR`, `file PATH`), never the URL.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("webhook {webhook:?}: {source}")]
    Secret {
        webhook: String,
        #[source]
        source: ConfigError,
    },
    #[error("webhook {webhook:?}: the URL in {from} {problem}")]
    Url {
        webhook: String,
        /// `env VAR` or `file PATH`.
        from: String,
        problem: String,
    },
    #[error("could not create the HTTP client for webhooks: {0}")]
    Client(String),
}

/// Watches the model for outages and critical alerts and posts to the
/// configured webhooks.
#[derive(Debug)]
pub struct Notifier {
    debouncer: Debouncer<Condition, Event>,
    sender: Sender,
}

impl Notifier {
    /// Resolves every webhook's secret URL and builds one HTTP client
    /// (rustls, connect 5 s, whole POST 10 s, no redirects). Refuses a URL
    /// that is not http(s), and plain http to a host off this machine: the
    /// message and the URL's token would cross the network in clear text.
    pub fn new(cfg: &NotifyConfig) -> Result<Notifier, NotifyError> {
        let endpoints = cfg.webhooks.iter().map(endpoint).collect::<Result<Vec<_>, _>>()?;
        Ok(Notifier {
            debouncer: Debouncer::new(cfg.debounce),
            sender: Sender::new(endpoints, TOTAL_TIMEOUT).map_err(NotifyError::Client)?,
        })
    }

    /// No webhooks configured: `observe` always returns `None`.
    pub fn is_empty(&self) -> bool {
        self.sender.is_empty()
    }

    /// The webhooks' names, in config order.
    pub fn webhooks(&self) -> impl Iterator<Item = &str> {
        self.sender.names()
    }

    /// Looks at the model's sources and alerts at `now` and returns the
    /// message due, if any. Pure apart from its own state; call it after
    /// every change to the model and on the clock tick (a debounce runs out
    /// with nothing else happening).
    ///
    /// A condition (see [`conditions::conditions`]) must hold continuously
    /// for the debounce before it is announced, and be clear as long before
    /// it is announced resolved, with how long it lasted. A flap shorter
    /// than the debounce sends nothing, nothing repeats while a condition
    /// holds, and nothing is resolved that was never announced. An announced
    /// rule is not resolved by acknowledging or snoozing its alerts, only by
    /// their going away. Everything due at once goes out as one message.
    pub fn observe(&mut self, model: &Model, now: Timestamp) -> Option<Notification> {
        if self.is_empty() {
            return None;
        }
        let events = due(&mut self.debouncer, model, now);
        (!events.is_empty()).then(|| Notification {
            title: model.title.clone(),
            at: now,
            events,
        })
    }

    /// One POST per webhook that wants some of `n` (its `on`), all at once;
    /// a `Delivery` for each. Never retried: a webhook that timed out may
    /// have posted. Errors never contain the URL. Owns what it needs, so
    /// it can be spawned.
    pub fn deliver(&self, n: &Notification) -> impl Future<Output = Vec<Delivery>> + Send + 'static {
        self.sender.deliver(n)
    }
}

fn endpoint(cfg: &WebhookConfig) -> Result<Endpoint, NotifyError> {
    let url = cfg.resolve_url()?;
    Ok(Endpoint::new(cfg.name.clone(), cfg.on.clone(), &url))
}

/// The events due at `now`, as the debouncer decides them. An announced
/// rule keeps holding while it has critical alerts in any state.
fn due(debouncer: &mut Debouncer<Condition, Event>, model: &Model, now: Timestamp) -> Vec<Event> {
    let holding = conditions::conditions(model, now).with_announced(|key| debouncer.is_announced(key));
    debouncer.step(now, holding).into_iter().map(event).collect()
}

fn event(change: Change<Condition, Event>) -> Event {
    match change {
        Change::Fired { detail, .. } => detail,
        Change::Resolved { key, lasted, .. } => match key {
            Condition::SourceDown(source) => Event::SourceUp { source, lasted },
            Condition::CriticalAlert(rule) => Event::AlertCleared { rule, lasted },
        },
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::model::{Alert, AlertId, AlertState, RecordRef, Rule, Severity};

    const MINUTE: Duration = Duration::from_secs(60);

    fn t(secs: i64) -> Timestamp {
        Timestamp::from_second(1_700_000_000 + secs).unwrap()
    }

    fn critical(id: &str) -> Alert {
        Alert {
            id: AlertId(id.to_owned()),
            rule: Rule::DuplicateEmail,
            severity: Severity::Critical,
            summary: format!("{id} is a problem"),
            records: vec![RecordRef::Contact { id: id.to_owned() }],
        }
    }

    /// A model with two critical duplicates, nobody has touched them yet.
    fn two_duplicates() -> Model {
        let mut model = Model::new("t", false, Vec::new(), t(0));
        model.alerts.firing = vec![critical("dup:a"), critical("dup:b")];
        model
    }

    fn set_all(model: &mut Model, state: AlertState) {
        for alert in &model.alerts.firing {
            model.alerts.states.insert(alert.id.clone(), state);
        }
    }

    /// A debouncer that has announced `model`'s alerts at 60 s.
    fn announced(model: &Model) -> Debouncer<Condition, Event> {
        let mut d = Debouncer::new(MINUTE);
        assert_eq!(due(&mut d, model, t(0)), []);
        assert_eq!(
            due(&mut d, model, t(60)),
            [Event::AlertFiring {
                rule: Rule::DuplicateEmail,
                count: 2
            }]
        );
        d
    }

    #[test]
    fn acknowledging_an_announced_alert_resolves_nothing() {
        let mut model = two_duplicates();
        let mut d = announced(&model);
        set_all(&mut model, AlertState::Acknowledged { at: t(100) });
        for secs in [100, 160, 220, 3600, 86_400] {
            assert_eq!(due(&mut d, &model, t(secs)), [], "acknowledged, at {secs}");
        }
    }

    #[test]
    fn an_acknowledged_rule_resolves_once_its_alerts_are_gone() {
        let mut model = two_duplicates();
        let mut d = announced(&model);
        set_all(&mut model, AlertState::Acknowledged { at: t(100) });
        assert_eq!(due(&mut d, &model, t(100)), []);
        assert_eq!(due(&mut d, &model, t(700)), []);
        // The data is fixed: the rules find nothing.
        model.alerts.firing.clear();
        assert_eq!(due(&mut d, &model, t(760)), []);
        assert_eq!(due(&mut d, &model, t(819)), [], "within the debounce");
        assert_eq!(
            due(&mut d, &model, t(820)),
            [Event::AlertCleared {
                rule: Rule::DuplicateEmail,
                // From first seen firing (0) to first seen gone (760).
                lasted: Duration::from_secs(760)
            }]
        );
        assert_eq!(due(&mut d, &model, t(2000)), [], "resolved once");
    }

    #[test]
    fn alerts_acknowledged_before_they_were_announced_send_nothing() {
        let mut model = two_duplicates();
        let mut d = Debouncer::new(MINUTE);
        assert_eq!(due(&mut d, &model, t(0)), []);
        // Acknowledged within the debounce: never announced, so never resolved.
        set_all(&mut model, AlertState::Acknowledged { at: t(30) });
        for secs in [30, 60, 120, 600] {
            assert_eq!(due(&mut d, &model, t(secs)), [], "acknowledged, at {secs}");
        }
        model.alerts.firing.clear();
        for secs in [700, 760, 900] {
            assert_eq!(due(&mut d, &model, t(secs)), [], "gone, at {secs}");
        }
    }

    #[test]
    fn a_snooze_running_out_on_an_announced_rule_sends_nothing_new() {
        let mut model = two_duplicates();
        let mut d = announced(&model);
        set_all(&mut model, AlertState::Snoozed { until: t(1000) });
        for secs in [100, 160, 999] {
            assert_eq!(due(&mut d, &model, t(secs)), [], "snoozed, at {secs}");
        }
        // The snooze has run out: firing again, but chat has been told.
        for secs in [1000, 1060, 1200, 3600] {
            assert_eq!(due(&mut d, &model, t(secs)), [], "firing again, at {secs}");
        }
        // Still the same episode: resolved from 0 when the data is fixed.
        model.alerts.firing.clear();
        assert_eq!(due(&mut d, &model, t(4000)), []);
        assert_eq!(
            due(&mut d, &model, t(4060)),
            [Event::AlertCleared {
                rule: Rule::DuplicateEmail,
                lasted: Duration::from_secs(4000)
            }]
        );
    }

    #[test]
    fn a_rule_resolved_while_acknowledged_starts_over_when_it_fires_again() {
        let mut model = two_duplicates();
        let mut d = announced(&model);
        let alerts = std::mem::take(&mut model.alerts.firing);
        assert_eq!(due(&mut d, &model, t(100)), []);
        assert_eq!(due(&mut d, &model, t(160)).len(), 1, "resolved");
        // Back, all acknowledged (their states are kept): nothing starts.
        model.alerts.firing = alerts;
        set_all(&mut model, AlertState::Acknowledged { at: t(200) });
        for secs in [200, 260, 600] {
            assert_eq!(due(&mut d, &model, t(secs)), [], "acknowledged, at {secs}");
        }
    }
}
