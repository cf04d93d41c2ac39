//! Domain types shared by connectors, the app model and the UI.

pub mod health;

pub use alert::*;
pub use campaign::*;
pub use content::*;
pub use crm::*;
pub use health::*;
pub use task::*;

use serde::{Deserialize, Serialize};

/// The kind of system a source is; decides its connector and which pane it feeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    Mailchimp,
    Hubspot,
    Wordpress,
    Http,
}

impl SourceKind {
    pub const ALL: [SourceKind; 4] = [
        SourceKind::Mailchimp,
        SourceKind::Hubspot,
        SourceKind::Wordpress,
        SourceKind::Http,
    ];

    /// The vendor or check name as a person writes it.
    pub fn label(self) -> &'static str {
        match self {
            SourceKind::Mailchimp => "Mailchimp",
            SourceKind::Hubspot => "HubSpot",
            SourceKind::Wordpress => "WordPress",
            SourceKind::Http => "HTTP",
        }
    }

    /// The config spelling (`kind = "..."`).
    pub fn key(self) -> &'static str {
        match self {
            SourceKind::Mailchimp => "mailchimp",
            SourceKind::Hubspot => "hubspot",
            SourceKind::Wordpress => "wordpress",
            SourceKind::Http => "http",
        }
    }

    /// The role the source plays in the stack.
    pub fn role(self) -> &'static str {
        match self {
            SourceKind::Mailchimp => "email platform",
            SourceKind::Hubspot => "CRM",
            SourceKind::Wordpress => "CMS",
            SourceKind::Http => "endpoint",
        }
    }
}
pub mod alert;
pub mod campaign;
pub mod content;
pub mod crm;
pub mod kpi;
pub mod task;
