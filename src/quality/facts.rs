//! What the rules need to know about one record, derived once per version
//! of that record. Pure: the same record always yields the same facts, so
//! the engine can keep them between passes and re-derive only what changed.

use std::sync::Arc;

use jiff::Timestamp;

use super::email::{is_valid, normalise, plus_base};
use crate::model::{Contact, Member, MemberStatus};

/// One CRM contact, reduced to the rules' inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ContactFacts {
    pub id: Arc<str>,
    /// The change fingerprint: HubSpot bumps `hs_lastmodifieddate` on every
    /// property change, so an unchanged time means unchanged facts.
    pub modified: Option<Timestamp>,
    /// When it last changed as far as we know: modified, else created.
    pub freshness: Option<Timestamp>,
    /// The normalised email, the join key.
    pub email: Option<Arc<str>>,
    /// The address without its plus tag, when it has one.
    pub base: Option<Arc<str>>,
    /// Normalised first name, last name and company, when all three are set.
    pub name: Option<Arc<str>>,
    pub invalid_email: bool,
    pub no_lifecycle: bool,
    pub no_owner: bool,
    /// `hs_email_optout` is not true (absent counts as marketable).
    pub marketable: bool,
    /// Marketable and not parked in the `other` lifecycle stage.
    pub active: bool,
}

impl ContactFacts {
    pub fn derive(id: Arc<str>, c: &Contact) -> ContactFacts {
        let email = c.email.as_deref().and_then(normalise);
        let invalid_email = email.as_deref().is_some_and(|e| !is_valid(e));
        let base = email.as_deref().and_then(plus_base).map(Arc::from);
        let lifecycle = c.lifecyclestage.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let marketable = c.email_optout != Some(true);
        ContactFacts {
            id,
            modified: c.modified,
            freshness: c.modified.or(c.created),
            email: email.map(|e| Arc::from(&*e)),
            base,
            name: name_key(c.firstname.as_deref(), c.lastname.as_deref(), c.company.as_deref()).map(Arc::from),
            invalid_email,
            no_lifecycle: lifecycle.is_none(),
            no_owner: c.owner_id.as_deref().is_none_or(|s| s.trim().is_empty()),
            marketable,
            active: marketable && !lifecycle.is_some_and(|l| l.eq_ignore_ascii_case("other")),
        }
    }
}

/// The duplicate key for name + company: each part trimmed, case folded and
/// inner whitespace collapsed, joined by `|` (a `|` or `\` inside a part is
/// escaped, so two different triples never share a key). `None` when any
/// part is missing or blank: "Ann" at no company matches too much.
pub fn name_key(first: Option<&str>, last: Option<&str>, company: Option<&str>) -> Option<String> {
    let mut key = String::new();
    for (i, part) in [first, last, company].into_iter().enumerate() {
        if i > 0 {
            key.push('|');
        }
        let mut words = part?.split_whitespace().peekable();
        words.peek()?;
        let mut first_word = true;
        for word in words {
            if !first_word {
                key.push(' ');
            }
            first_word = false;
            for c in word.chars().flat_map(char::to_lowercase) {
                if c == '|' || c == '\\' {
                    key.push('\\');
                }
                key.push(c);
            }
        }
    }
    Some(key)
}

/// One audience member, reduced to what the consent rules read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MemberFacts {
    pub hash: Box<str>,
    pub status: MemberStatus,
    pub last_changed: Timestamp,
    /// The normalised email, kept only for unsubscribed or cleaned members:
    /// nobody else can be a consent problem, and most members are subscribed.
    pub suppressed_email: Option<Arc<str>>,
}

impl MemberFacts {
    pub fn derive(hash: &str, m: &Member) -> MemberFacts {
        let suppressed = matches!(m.status, MemberStatus::Unsubscribed | MemberStatus::Cleaned);
        MemberFacts {
            hash: hash.into(),
            status: m.status,
            last_changed: m.last_changed,
            suppressed_email: suppressed
                .then(|| normalise(&m.email))
                .flatten()
                .map(|e| Arc::from(&*e)),
        }
    }

    /// Mailchimp bumps `last_changed` with every status change.
    pub fn unchanged(&self, m: &Member) -> bool {
        self.status == m.status && self.last_changed == m.last_changed
    }

    pub fn cleaned(&self) -> bool {
        self.status == MemberStatus::Cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_key_folds_case_and_space_and_needs_all_three_parts() {
        assert_eq!(
            name_key(Some(" Ann "), Some("LEE"), Some("Acme   Corp")).as_deref(),
            Some("ann|lee|acme corp")
        );
        assert_eq!(name_key(Some("Ann"), None, Some("Acme")), None);
        assert_eq!(name_key(Some("Ann"), Some("  "), Some("Acme")), None);
        assert_eq!(name_key(Some(""), Some("Lee"), Some("Acme")), None);
        // Separators inside a part cannot forge another triple's key.
        assert_ne!(
            name_key(Some("a|b"), Some("c"), Some("d")),
            name_key(Some("a"), Some("b|c"), Some("d"))
        );
        assert_eq!(
            name_key(Some("Émile"), Some("Zola"), Some("Café")).as_deref(),
            Some("émile|zola|café")
        );
    }

    #[test]
    fn contact_facts_treat_blank_as_missing_and_absent_optout_as_marketable() {
        let c = Contact {
            id: "1".into(),
            email: Some(" Ann+News@X.com ".into()),
            lifecyclestage: Some("  ".into()),
            owner_id: Some(String::new()),
            email_optout: None,
            ..Contact::default()
        };
        let f = ContactFacts::derive("1".into(), &c);
        assert_eq!(f.email.as_deref(), Some("ann+news@x.com"));
        assert_eq!(f.base.as_deref(), Some("ann@x.com"));
        assert!(f.no_lifecycle && f.no_owner && f.marketable && f.active);
        assert!(!f.invalid_email);
        let other = Contact {
            lifecyclestage: Some("Other".into()),
            email_optout: Some(false),
            ..c.clone()
        };
        let f = ContactFacts::derive("1".into(), &other);
        assert!(f.marketable && !f.active, "`other` is parked, not active");
        let out = Contact {
            email_optout: Some(true),
            ..c
        };
        assert!(!ContactFacts::derive("1".into(), &out).marketable);
    }
}
