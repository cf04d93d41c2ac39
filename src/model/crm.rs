//! The CRM's data: contacts, deals, pipelines, owners. Field names follow
//! HubSpot's CRM v3 properties (see API-FACTS.md), typed.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Serialize;

/// A contact with the properties the quality rules read. HubSpot sends
/// every property as a string or null; these are parsed, `None` when absent
/// or empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Contact {
    pub id: String,
    pub email: Option<String>,
    pub firstname: Option<String>,
    pub lastname: Option<String>,
    pub company: Option<String>,
    /// subscriber, lead, marketingqualifiedlead, salesqualifiedlead,
    /// opportunity, customer, evangelist, other.
    pub lifecyclestage: Option<String>,
    pub owner_id: Option<String>,
    pub created: Option<Timestamp>,
    /// `hs_lastmodifieddate` (else `updatedAt`).
    pub modified: Option<Timestamp>,
    /// `hs_email_optout`: true when the contact opted out of all email.
    pub email_optout: Option<bool>,
}

impl Contact {
    /// "Ann Lee", else the email, else the id.
    pub fn display_name(&self) -> String {
        let name = [self.firstname.as_deref(), self.lastname.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        if !name.trim().is_empty() {
            return name;
        }
        self.email.clone().unwrap_or_else(|| format!("contact {}", self.id))
    }

    /// How many of the properties the rules care about are filled in.
    pub fn completeness(&self) -> usize {
        [
            &self.email,
            &self.firstname,
            &self.lastname,
            &self.company,
            &self.lifecyclestage,
            &self.owner_id,
        ]
        .iter()
        .filter(|p| p.is_some())
        .count()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Deal {
    pub id: String,
    pub name: Option<String>,
    pub amount: Option<f64>,
    pub stage: Option<String>,
    pub pipeline: Option<String>,
    pub close_date: Option<Timestamp>,
    pub owner_id: Option<String>,
    /// Associated contacts' ids.
    pub contact_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Owner {
    pub id: String,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub archived: bool,
}

impl Owner {
    pub fn display_name(&self) -> String {
        let name = [self.first_name.as_deref(), self.last_name.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        if name.trim().is_empty() {
            self.email.clone().unwrap_or_else(|| format!("owner {}", self.id))
        } else {
            name
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct PipelineStage {
    pub id: String,
    pub label: String,
    pub display_order: i64,
    pub probability: Option<f64>,
    pub is_closed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct DealPipeline {
    pub id: String,
    pub label: String,
    pub display_order: i64,
    pub stages: Vec<PipelineStage>,
}

/// Everything the CRM's poll brings back.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct CrmData {
    /// By contact id (kept in sync incrementally).
    pub contacts: BTreeMap<String, Contact>,
    pub deals: Vec<Deal>,
    pub owners: Vec<Owner>,
    pub pipelines: Vec<DealPipeline>,
    /// Open tasks (not COMPLETED), soonest due first.
    pub tasks: Vec<crate::model::CrmTask>,
    /// The HubSpot account (portal) id, for links into the web app, when known.
    pub portal_id: Option<String>,
    /// Set when this poll could not read the open tasks and `tasks` is the
    /// last good list: when that list was read.
    pub tasks_as_of: Option<jiff::Timestamp>,
}
