//! Data-quality rules over the CRM and the email platform together.
//!
//! The two systems are joined on the normalised email (trimmed, case
//! folded). Plus-addressing (`ann+news@x.com`) is a different address for
//! the join and for duplicates; [`Rule::PlusAddressing`] reports it for a
//! person to judge.
//!
//! | rule (config key) | fires when | alert per | default |
//! |---|---|---|---|
//! | `invalid_email` | a contact's email fails [`email::is_valid`] | rule (all contacts) | warning |
//! | `duplicate_email` | 2+ contacts share a normalised email | email | warning |
//! | `duplicate_name_company` | 2+ contacts share normalised first + last name + company (all three set) and not all one email | name key | info |
//! | `plus_addressing` | 2+ distinct addresses, one plus-tagged, share a base address | base address | info |
//! | `missing_lifecycle_stage` | lifecycle stage absent or blank | rule | info |
//! | `missing_owner` | owner absent or blank | rule | warning |
//! | `stale_record` | last modified (else created) longer ago than `stale_after`; unknown is not stale | rule | info |
//! | `consent_mismatch` | unsubscribed or cleaned in any audience while a contact with that email has `hs_email_optout` not true | email | critical |
//! | `bounced_still_active` | cleaned in any audience while a contact with that email is not opted out and not in lifecycle `other` | email | warning |
//! | `campaign_bounce_rate` | a sent campaign's (hard + soft + syntax) bounces / emails sent > threshold | campaign | critical |
//! | `campaign_unsubscribe_rate` | a sent campaign's unsubscribes / emails sent > threshold | campaign | warning |
//! | `deal_without_contact` | a deal with no contact ids, or none of them in the CRM | deal | warning |
//!
//! Alert ids are `rule_key:problem_key` (`duplicate_email:ann@x.com`,
//! `campaign_bounce_rate:42ab`) or the bare rule key for the per-rule
//! aggregates, so a person's acknowledgement follows the problem across
//! polls and restarts. Records are sorted; alerts are ordered by severity
//! (most severe first), then rule, then id.

mod alerts;
pub mod email;
mod engine;
mod facts;
mod index;
mod rules;

use jiff::Timestamp;

pub use engine::{Engine, PassStats};
pub use facts::name_key;

use crate::config::{QualityConfig, Thresholds};
use crate::model::{Alert, CrmData, EmailData, Rule, Severity};

/// How severe a rule's alerts are unless the config says otherwise: legal
/// exposure and sender reputation first, then what breaks workflows, then tidiness.
pub fn default_severity(rule: Rule) -> Severity {
    match rule {
        Rule::ConsentMismatch | Rule::CampaignOverBounceThreshold => Severity::Critical,
        Rule::InvalidEmail
        | Rule::DuplicateEmail
        | Rule::MissingOwner
        | Rule::BouncedStillActive
        | Rule::CampaignOverUnsubscribeThreshold
        | Rule::DealWithoutContact => Severity::Warning,
        Rule::DuplicateNameCompany | Rule::PlusAddressing | Rule::MissingLifecycleStage | Rule::StaleRecord => {
            Severity::Info
        }
    }
}

/// One-shot evaluation (for `mops check`): a fresh [`Engine`], one pass.
pub fn evaluate(
    config: &QualityConfig,
    thresholds: &Thresholds,
    crm: Option<&CrmData>,
    email: Option<&EmailData>,
    now: Timestamp,
) -> Vec<Alert> {
    Engine::new(config.clone(), *thresholds).evaluate(crm, email, now)
}
