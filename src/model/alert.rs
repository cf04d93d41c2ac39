//! Data-quality alerts: what the rules found, with a stable identity so a
//! person's acknowledgement or snooze survives re-polls and restarts.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

/// The data-quality rules. The config names them in snake_case (`[quality.rules.duplicate_email]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    InvalidEmail,
    /// Contacts sharing a normalised email (case and whitespace folded).
    DuplicateEmail,
    /// Contacts with the same name and company but different emails.
    DuplicateNameCompany,
    /// `ann+news@x.com` beside `ann@x.com`: reported, never merged automatically.
    PlusAddressing,
    MissingLifecycleStage,
    MissingOwner,
    StaleRecord,
    /// Unsubscribed or cleaned in the email platform, still marketable in the CRM.
    ConsentMismatch,
    /// Hard-bounced (cleaned) in the email platform, still active in the CRM.
    BouncedStillActive,
    CampaignOverBounceThreshold,
    CampaignOverUnsubscribeThreshold,
    DealWithoutContact,
}

impl Rule {
    pub const ALL: [Rule; 12] = [
        Rule::InvalidEmail,
        Rule::DuplicateEmail,
        Rule::DuplicateNameCompany,
        Rule::PlusAddressing,
        Rule::MissingLifecycleStage,
        Rule::MissingOwner,
        Rule::StaleRecord,
        Rule::ConsentMismatch,
        Rule::BouncedStillActive,
        Rule::CampaignOverBounceThreshold,
        Rule::CampaignOverUnsubscribeThreshold,
        Rule::DealWithoutContact,
    ];

    /// The config spelling.
    pub fn key(self) -> &'static str {
        match self {
            Rule::InvalidEmail => "invalid_email",
            Rule::DuplicateEmail => "duplicate_email",
            Rule::DuplicateNameCompany => "duplicate_name_company",
            Rule::PlusAddressing => "plus_addressing",
            Rule::MissingLifecycleStage => "missing_lifecycle_stage",
            Rule::MissingOwner => "missing_owner",
            Rule::StaleRecord => "stale_record",
            Rule::ConsentMismatch => "consent_mismatch",
            Rule::BouncedStillActive => "bounced_still_active",
            Rule::CampaignOverBounceThreshold => "campaign_bounce_rate",
            Rule::CampaignOverUnsubscribeThreshold => "campaign_unsubscribe_rate",
            Rule::DealWithoutContact => "deal_without_contact",
        }
    }

    /// A short title for lists.
    pub fn title(self) -> &'static str {
        match self {
            Rule::InvalidEmail => "invalid email",
            Rule::DuplicateEmail => "duplicate contacts (email)",
            Rule::DuplicateNameCompany => "duplicate contacts (name + company)",
            Rule::PlusAddressing => "plus-addressed duplicate",
            Rule::MissingLifecycleStage => "missing lifecycle stage",
            Rule::MissingOwner => "missing owner",
            Rule::StaleRecord => "stale records",
            Rule::ConsentMismatch => "consent mismatch",
            Rule::BouncedStillActive => "hard bounce still active",
            Rule::CampaignOverBounceThreshold => "campaign over bounce threshold",
            Rule::CampaignOverUnsubscribeThreshold => "campaign over unsubscribe threshold",
            Rule::DealWithoutContact => "deal without contact",
        }
    }
}

/// A record an alert is about, in the system that holds it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RecordRef {
    Contact { id: String },
    Member { list_id: String, hash: String },
    Campaign { id: String },
    Deal { id: String },
}

/// A stable identity: the rule plus what the problem is about (a normalised
/// email, a contact id, a campaign id), never a position in a list.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AlertId(pub String);

impl std::fmt::Display for AlertId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    pub id: AlertId,
    pub rule: Rule,
    pub severity: Severity,
    /// One line: "2 contacts share ann@example.com".
    pub summary: String,
    /// The affected records; the count is its length.
    pub records: Vec<RecordRef>,
}

/// What a person has done about an alert. Resolved alerts leave on their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum AlertState {
    Firing,
    Acknowledged { at: Timestamp },
    Snoozed { until: Timestamp },
    Resolved { at: Timestamp },
}
