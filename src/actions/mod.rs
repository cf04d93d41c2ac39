//! Actions: the one safe path by which a key press changes something at a
//! vendor. A connector plans an action into the exact request it would send;
//! the cockpit or `mops act` shows that request and asks; the executor then
//! refuses it in read-only mode or audits it, sends it once, and audits the
//! outcome. Nothing here retries a write.

pub mod act;
pub mod audit;
pub mod executor;
pub mod time;

pub use audit::{AuditError, AuditLog};
pub use executor::Executor;

use std::time::Duration;

use serde::{Deserialize, Serialize};
use url::Url;

use crate::http::Method;
use crate::model::{Campaign, Contact, CrmTask, Member, Post, VendorError};

/// An action a connector offers, in the vendor's own kebab-case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionSpec {
    /// The vendor's name: `schedule`, `cancel-send`, ...
    pub name: &'static str,
    /// One line for menus and `mops act --list`.
    pub summary: &'static str,
    /// Cannot be undone: confirmation needs the target's name typed.
    pub irreversible: bool,
    /// What the action needs besides its target.
    pub arg: ArgKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgKind {
    None,
    /// A time (e.g. when to schedule), RFC 3339 or "YYYY-MM-DD HH:MM" in the local zone.
    Time,
    /// A CRM owner, chosen from the CRM's owners.
    Owner,
    /// A lifecycle stage, chosen from HubSpot's.
    LifecycleStage,
}

/// What an action is aimed at.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    Campaign(&'a Campaign),
    /// A CRM contact (assign owner, set lifecycle stage, opt out of email).
    Contact(&'a Contact),
    /// Two CRM contacts to merge: `secondary` merges into `primary`.
    Merge {
        primary: &'a Contact,
        secondary: &'a Contact,
    },
    /// An email-platform audience member (unsubscribe).
    Member {
        list_id: &'a str,
        member: &'a Member,
    },
    /// A CMS post or page (publish, reschedule, back to draft).
    Post(&'a Post),
    /// A CRM task (complete, reassign, push the due date out).
    Task(&'a CrmTask),
}

/// Arguments typed by the user (or given on the command line).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActionArgs {
    pub time: Option<jiff::Timestamp>,
    /// The owner to assign (HubSpot owner id).
    pub owner_id: Option<String>,
    /// The lifecycle stage to set (HubSpot's internal value, e.g. `lead`).
    pub lifecycle_stage: Option<String>,
}

/// Whether an action can run on a target now, and if not, why not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Availability {
    Ready,
    Disabled(String),
}

/// The exact request an action will send, planned before anything is sent,
/// so it can be shown, confirmed, audited and (on failure) retried by a person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedAction {
    pub source: String,
    /// The vendor's action name.
    pub action: String,
    pub target_id: String,
    pub target_name: String,
    #[serde(serialize_with = "method_str", deserialize_with = "method_from_str")]
    pub method: Method,
    pub url: Url,
    pub body: Option<serde_json::Value>,
    /// How the request authenticates, masked: "Basic ***", "Bearer ***".
    pub auth: String,
    pub irreversible: bool,
    /// What it will do, in words: "Schedules 'Nov newsletter' for 23 Nov 09:00 UTC".
    pub effect: String,
}

fn method_str<S: serde::Serializer>(m: &Method, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(m.as_str())
}

/// The inverse of [`method_str`]: a stored action comes back with its method.
fn method_from_str<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Method, D::Error> {
    let text = String::deserialize(d)?;
    Method::from_bytes(text.as_bytes()).map_err(serde::de::Error::custom)
}

impl PlannedAction {
    /// The request as the confirm prompt shows it: method and URL, the
    /// masked auth header, and the JSON body pretty-printed.
    pub fn request_lines(&self) -> Vec<String> {
        let mut lines = vec![
            format!("{} {}", self.method, self.url),
            format!("Authorization: {}", self.auth),
        ];
        if let Some(body) = &self.body {
            lines.push("Content-Type: application/json".to_string());
            lines.push(String::new());
            let pretty = serde_json::to_string_pretty(body).unwrap_or_else(|_| body.to_string());
            lines.extend(pretty.lines().map(str::to_string));
        }
        lines
    }
}

/// A sent action's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub http_status: u16,
    pub request_id: String,
    pub duration: Duration,
    /// What happened, in words: "scheduled", "replicated as 'Nov newsletter (copy)'".
    pub summary: String,
}

/// Why an action failed or was refused. Never holds a secret.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
#[error("{message}")]
pub struct ActionError {
    pub message: String,
    pub http_status: Option<u16>,
    pub vendor: Option<VendorError>,
    /// `None` when nothing was sent (read-only, bad arguments).
    pub request_id: Option<String>,
    pub duration: Duration,
}

impl ActionError {
    /// A refusal before anything was sent.
    pub fn refused(message: impl Into<String>) -> Self {
        ActionError {
            message: message.into(),
            http_status: None,
            vendor: None,
            request_id: None,
            duration: Duration::ZERO,
        }
    }
}
