//! What a webhook can be told about: the values of `on = [...]`.

use std::fmt;

/// A kind of event a webhook subscribes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Trigger {
    /// A source went DOWN or AUTH, or came back.
    SourceDown,
    /// A data-quality rule has critical alerts firing, or no longer has.
    CriticalAlert,
}

impl Trigger {
    pub const ALL: [Trigger; 2] = [Trigger::SourceDown, Trigger::CriticalAlert];

    /// The config spelling.
    pub fn key(self) -> &'static str {
        match self {
            Trigger::SourceDown => "source_down",
            Trigger::CriticalAlert => "critical_alert",
        }
    }

    pub fn from_key(key: &str) -> Option<Trigger> {
        Trigger::ALL.into_iter().find(|t| t.key() == key)
    }
}

impl fmt::Display for Trigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}
