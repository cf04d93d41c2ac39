//! Looking up what an alert is about, across the sources' data: pure
//! functions the update and the drill-down share.

use crate::model::{Alert, Campaign, Contact, CrmData, Deal, EmailData, Member, MemberStatus, RecordRef};

use super::model::{Model, Pane, Screen};

/// Case and surrounding whitespace folded: how the CRM and the email
/// platform are joined (plus-addressing is kept, so never merged).
pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// The first CRM source's data, with its index.
pub fn crm(model: &Model) -> Option<(usize, &CrmData)> {
    model
        .sources
        .iter()
        .enumerate()
        .find_map(|(i, s)| s.crm().map(|d| (i, d)))
}

/// The first email source's data, with its index.
pub fn email(model: &Model) -> Option<(usize, &EmailData)> {
    model
        .sources
        .iter()
        .enumerate()
        .find_map(|(i, s)| s.email().map(|d| (i, d)))
}

/// The alert the user is looking at: the open detail, else the pane's selection.
pub fn current(model: &Model) -> Option<&Alert> {
    match &model.screen {
        Screen::AlertDetail { id } => model.alerts.find(id),
        Screen::Grid if model.focus == Pane::Alerts => {
            let ordered = model.alerts.ordered(model.now);
            ordered
                .get(model.alerts.selected.min(ordered.len().saturating_sub(1)))
                .copied()
        }
        _ => None,
    }
}

/// A record as both systems hold it: the CRM contact and the email
/// platform's members with the same normalised email, or a campaign or deal.
#[derive(Debug, Clone, Default)]
pub struct Sides<'a> {
    pub contact: Option<&'a Contact>,
    /// (audience name, member) for every audience that has the address.
    pub members: Vec<(&'a str, &'a Member)>,
    pub campaign: Option<&'a Campaign>,
    pub deal: Option<&'a Deal>,
}

pub fn sides<'a>(model: &'a Model, record: &RecordRef) -> Sides<'a> {
    let crm = crm(model).map(|(_, d)| d);
    let email = email(model).map(|(_, d)| d);
    let mut out = Sides::default();
    let address = match record {
        RecordRef::Contact { id } => {
            out.contact = crm.and_then(|c| c.contacts.get(id));
            out.contact.and_then(|c| c.email.clone())
        }
        RecordRef::Member { list_id, hash } => email
            .and_then(|e| e.members.get(list_id))
            .and_then(|m| m.get(hash))
            .map(|m| m.email.clone()),
        RecordRef::Campaign { id } => {
            out.campaign = email.and_then(|e| e.campaigns.iter().find(|c| &c.id == id));
            None
        }
        RecordRef::Deal { id } => {
            out.deal = crm.and_then(|c| c.deals.iter().find(|d| &d.id == id));
            None
        }
    };
    let Some(address) = address.map(|a| normalise_email(&a)) else {
        return out;
    };
    if out.contact.is_none() {
        out.contact = crm.and_then(|c| {
            c.contacts
                .values()
                .find(|k| k.email.as_deref().is_some_and(|e| normalise_email(e) == address))
        });
    }
    if let Some(e) = email {
        for audience in &e.audiences {
            if let Some(m) = e
                .members
                .get(&audience.id)
                .and_then(|ms| ms.values().find(|m| normalise_email(&m.email) == address))
            {
                out.members.push((audience.name.as_str(), m));
            }
        }
    }
    out
}

/// The id a person copies with `y`.
pub fn record_id(record: &RecordRef) -> String {
    match record {
        RecordRef::Contact { id } | RecordRef::Campaign { id } | RecordRef::Deal { id } => id.clone(),
        RecordRef::Member { hash, .. } => hash.clone(),
    }
}

/// Where the record opens in the vendor's web app, when that can be known.
/// Ids come from vendors and end up in a terminal hyperlink: only digits
/// are spliced into a link, so nothing else can ride along.
pub fn web_url(model: &Model, record: &RecordRef) -> Result<String, String> {
    let portal = || {
        crm(model)
            .and_then(|(_, d)| d.portal_id.clone())
            .ok_or_else(|| "the HubSpot portal id is not known yet, so no link".to_string())
            .and_then(|p| digits("portal id", &p))
    };
    match record {
        RecordRef::Contact { id } => Ok(format!(
            "https://app.hubspot.com/contacts/{}/record/0-1/{}",
            portal()?,
            digits("contact id", id)?
        )),
        RecordRef::Deal { id } => Ok(format!(
            "https://app.hubspot.com/contacts/{}/record/0-3/{}",
            portal()?,
            digits("deal id", id)?
        )),
        RecordRef::Campaign { id } => {
            let campaign = email(model).and_then(|(_, e)| e.campaigns.iter().find(|c| &c.id == id));
            match campaign.and_then(|c| c.web_id) {
                Some(web) => Ok(format!("https://admin.mailchimp.com/campaigns/show?id={web}")),
                None => Err("this campaign has no web id, so no link".to_string()),
            }
        }
        RecordRef::Member { .. } => Err("Mailchimp has no stable link for a member; y copies its id".to_string()),
    }
}

/// `id` when it is all ASCII digits (as HubSpot's ids are), else why no link.
fn digits(what: &str, id: &str) -> Result<String, String> {
    if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) {
        Ok(id.to_owned())
    } else {
        Err(format!("the {what} is not a number, so no link"))
    }
}

/// One line naming a record, for lists.
pub fn describe(model: &Model, record: &RecordRef) -> String {
    let s = sides(model, record);
    match record {
        RecordRef::Contact { id } => match s.contact {
            Some(c) => format!(
                "contact {id}: {} <{}>",
                c.display_name(),
                c.email.as_deref().unwrap_or("no email")
            ),
            None => format!("contact {id} (no longer in the CRM data)"),
        },
        RecordRef::Member { list_id, hash } => match s.members.first() {
            Some((audience, m)) => format!("member {}: {} in {audience}", m.email, status(m.status)),
            None => format!("member {hash} of {list_id}"),
        },
        RecordRef::Campaign { id } => match s.campaign {
            Some(c) => format!("campaign {id}: {}", c.display_name()),
            None => format!("campaign {id}"),
        },
        RecordRef::Deal { id } => match s.deal {
            Some(d) => format!("deal {id}: {}", d.name.as_deref().unwrap_or("(no name)")),
            None => format!("deal {id}"),
        },
    }
}

pub fn status(s: MemberStatus) -> &'static str {
    match s {
        MemberStatus::Subscribed => "subscribed",
        MemberStatus::Unsubscribed => "unsubscribed",
        MemberStatus::Cleaned => "cleaned (hard bounce)",
        MemberStatus::Pending => "pending",
        MemberStatus::Transactional => "transactional",
        MemberStatus::Archived => "archived",
    }
}

#[cfg(test)]
mod tests {
    use super::digits;

    #[test]
    fn only_numeric_ids_become_links() {
        assert_eq!(digits("contact id", "1501").as_deref(), Ok("1501"));
        for bad in ["", "15/01", "1\u{1b}]8;;x\u{7}", "../2", "12a"] {
            assert!(digits("contact id", bad).is_err(), "{bad:?}");
        }
    }
}
