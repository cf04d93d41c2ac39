//! The rules themselves, as pure functions from the records one problem is
//! about to what the alert says. The engine decides which records those are.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use super::alerts::{Draft, age, count, percent};
use super::facts::ContactFacts;
use crate::config::Thresholds;
use crate::model::{Campaign, CampaignStatus, Deal, RecordRef, Rule};

/// An unsubscribed or cleaned audience member, by normalised email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Suppressed {
    pub list: Arc<str>,
    pub hash: Box<str>,
    pub cleaned: bool,
}

fn contact_ref(f: &ContactFacts) -> RecordRef {
    RecordRef::Contact { id: f.id.to_string() }
}

fn member_ref(s: &Suppressed) -> RecordRef {
    RecordRef::Member {
        list_id: s.list.to_string(),
        hash: s.hash.to_string(),
    }
}

fn sorted(mut records: Vec<RecordRef>) -> Vec<RecordRef> {
    records.sort_unstable();
    records.dedup();
    records
}

/// Two or more contacts with the same normalised email.
pub(crate) fn duplicate_email(email: &str, contacts: &[&ContactFacts]) -> Option<Draft> {
    (contacts.len() >= 2).then(|| Draft {
        summary: format!("{} share {email}", count(contacts.len(), "contact", "contacts")),
        records: sorted(contacts.iter().map(|f| contact_ref(f)).collect()),
    })
}

/// Two or more contacts with the same name and company that do not all
/// share one email (all sharing one is [`duplicate_email`]'s alert; a
/// contact without an email differs from every address).
pub(crate) fn duplicate_name_company(key: &str, contacts: &[&ContactFacts]) -> Option<Draft> {
    if contacts.len() < 2 {
        return None;
    }
    let first = contacts[0].email.as_deref();
    let one_email = first.is_some() && contacts.iter().all(|f| f.email.as_deref() == first);
    (!one_email).then(|| Draft {
        summary: format!(
            "{} named {} with different emails",
            count(contacts.len(), "contact", "contacts"),
            key.replace('|', " / ")
        ),
        records: sorted(contacts.iter().map(|f| contact_ref(f)).collect()),
    })
}

/// Contacts whose addresses differ only by a plus tag (`ann+news@x.com`,
/// `ann@x.com`): at least two distinct addresses, one of them tagged.
/// Reported for a person to judge, never joined or merged automatically.
pub(crate) fn plus_addressing(base: &str, bare: &[&ContactFacts], tagged: &[&ContactFacts]) -> Option<Draft> {
    if tagged.is_empty() {
        return None;
    }
    let mut addresses: BTreeSet<&str> = tagged.iter().filter_map(|f| f.email.as_deref()).collect();
    if !bare.is_empty() {
        addresses.insert(base);
    }
    (addresses.len() >= 2).then(|| Draft {
        summary: format!(
            "{} of {base} via plus-addressing: {}",
            count(addresses.len(), "address", "addresses"),
            addresses.iter().copied().collect::<Vec<_>>().join(", ")
        ),
        records: sorted(bare.iter().chain(tagged).map(|f| contact_ref(f)).collect()),
    })
}

/// Unsubscribed or cleaned in any audience while a CRM contact with the
/// same normalised email is still marketable (`hs_email_optout` not true).
pub(crate) fn consent_mismatch(email: &str, contacts: &[&ContactFacts], members: &[Suppressed]) -> Option<Draft> {
    let marketable: Vec<_> = contacts.iter().filter(|f| f.marketable).collect();
    if marketable.is_empty() || members.is_empty() {
        return None;
    }
    let cleaned = members.iter().filter(|m| m.cleaned).count();
    let how = match (cleaned, members.len() - cleaned) {
        (0, u) => format!("unsubscribed in {}", count(u, "audience", "audiences")),
        (c, 0) => format!("cleaned in {}", count(c, "audience", "audiences")),
        (c, u) => format!(
            "unsubscribed in {u} and cleaned in {}",
            count(c, "audience", "audiences")
        ),
    };
    Some(Draft {
        summary: format!("{email} is {how} but marketable in the CRM"),
        records: sorted(
            marketable
                .iter()
                .map(|f| contact_ref(f))
                .chain(members.iter().map(member_ref))
                .collect(),
        ),
    })
}

/// Cleaned (hard-bounced, or soft-bounced until Mailchimp gave up) in any
/// audience while a CRM contact with that email is still active: not opted
/// out and not in the `other` lifecycle stage (a missing stage counts as
/// active). Lists the active contacts and the cleaned members.
pub(crate) fn bounced_still_active(email: &str, contacts: &[&ContactFacts], members: &[Suppressed]) -> Option<Draft> {
    let active: Vec<_> = contacts.iter().filter(|f| f.active).collect();
    let cleaned: Vec<_> = members.iter().filter(|m| m.cleaned).collect();
    if active.is_empty() || cleaned.is_empty() {
        return None;
    }
    Some(Draft {
        summary: format!(
            "{email} hard-bounced ({}) but {} still active in the CRM",
            count(cleaned.len(), "audience", "audiences"),
            count(active.len(), "contact is", "contacts are")
        ),
        records: sorted(
            active
                .iter()
                .map(|f| contact_ref(f))
                .chain(cleaned.iter().map(|m| member_ref(m)))
                .collect(),
        ),
    })
}

/// A sent campaign whose report shows a bounce rate (hard + soft + syntax
/// errors over emails sent) above the threshold. No sends, no rate, no alert.
pub(crate) fn campaign_bounce(c: &Campaign, t: &Thresholds) -> Option<Draft> {
    let report = c.report.as_ref().filter(|_| c.status == CampaignStatus::Sent)?;
    let rate = report.bounce_rate().filter(|r| *r > t.bounce_rate)?;
    let bounces = report.hard_bounces + report.soft_bounces + report.syntax_errors;
    Some(Draft {
        summary: format!(
            "{}: bounce rate {} over {} ({bounces} of {} sent)",
            c.display_name(),
            percent(rate),
            percent(t.bounce_rate),
            report.emails_sent
        ),
        records: vec![RecordRef::Campaign { id: c.id.clone() }],
    })
}

/// A sent campaign whose unsubscribe rate is above the threshold.
pub(crate) fn campaign_unsubscribe(c: &Campaign, t: &Thresholds) -> Option<Draft> {
    let report = c.report.as_ref().filter(|_| c.status == CampaignStatus::Sent)?;
    let rate = report.unsubscribe_rate().filter(|r| *r > t.unsubscribe_rate)?;
    Some(Draft {
        summary: format!(
            "{}: unsubscribe rate {} over {} ({} of {} sent)",
            c.display_name(),
            percent(rate),
            percent(t.unsubscribe_rate),
            report.unsubscribed,
            report.emails_sent
        ),
        records: vec![RecordRef::Campaign { id: c.id.clone() }],
    })
}

/// A deal with no associated contact, or whose associated contacts are all
/// gone from the CRM (deleted, or merged away without moving the deal).
pub(crate) fn deal_without_contact(deal: &Deal, exists: impl Fn(&str) -> bool) -> Option<Draft> {
    let name = deal
        .name
        .as_deref()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or(&deal.id);
    let summary = if deal.contact_ids.is_empty() {
        format!("deal {name} has no contact")
    } else if deal.contact_ids.iter().any(|id| exists(id)) {
        return None;
    } else {
        format!(
            "deal {name}: its {} no longer in the CRM",
            count(deal.contact_ids.len(), "contact is", "contacts are")
        )
    };
    Some(Draft {
        summary,
        records: vec![RecordRef::Deal { id: deal.id.clone() }],
    })
}

/// The record-hygiene rules: one alert listing every affected contact.
pub(crate) fn hygiene(rule: Rule, ids: &BTreeSet<Arc<str>>, stale_after: Duration) -> Option<Draft> {
    if ids.is_empty() {
        return None;
    }
    let n = count(ids.len(), "contact", "contacts");
    let summary = match rule {
        Rule::InvalidEmail => format!("{n} with an invalid email address"),
        Rule::MissingLifecycleStage => format!("{n} without a lifecycle stage"),
        Rule::MissingOwner => format!("{n} without an owner"),
        Rule::StaleRecord => format!("{n} not modified for {}", age(stale_after)),
        _ => format!("{n}: {}", rule.title()),
    };
    // A BTreeSet iterates in id order: already sorted.
    Some(Draft {
        summary,
        records: ids.iter().map(|id| RecordRef::Contact { id: id.to_string() }).collect(),
    })
}
