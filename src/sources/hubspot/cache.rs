//! Contacts between polls, for incremental sync: a full read first (and every
//! [`FULL_RESYNC`], which drops archived and merged-away records the search
//! never reports), then only what changed since the newest change seen.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};

use crate::model::Contact;

/// The search reaches back this far before the newest change seen, so a
/// change stamped just before the previous sync finished is not missed.
pub(super) const OVERLAP: SignedDuration = SignedDuration::from_mins(5);
/// Incremental search never sees archived or merged-away contacts; a full
/// read this often drops them.
pub(super) const FULL_RESYNC: Duration = Duration::from_secs(6 * 60 * 60);

#[derive(Debug, Default)]
pub(super) struct ContactCache {
    contacts: BTreeMap<String, Contact>,
    newest: Option<Timestamp>,
    full_at: Option<Instant>,
}

impl ContactCache {
    /// Where the next incremental search starts; `None` means read all
    /// contacts (never read, nothing dated, or a full resync is due).
    pub fn since(&self, now: Instant) -> Option<Timestamp> {
        let full_at = self.full_at?;
        if now.saturating_duration_since(full_at) >= FULL_RESYNC {
            return None;
        }
        let newest = self.newest?;
        Some(newest.checked_sub(OVERLAP).unwrap_or(newest))
    }

    /// A full read replaces everything.
    pub fn replace(&mut self, contacts: Vec<Contact>, at: Instant) {
        self.contacts.clear();
        self.newest = None;
        self.full_at = Some(at);
        self.update(contacts);
    }

    /// An incremental read updates changed contacts and adds new ones (a
    /// contact seen in two search windows is kept once, the later read winning).
    pub fn update(&mut self, contacts: Vec<Contact>) {
        for c in contacts {
            self.newest = self.newest.max(c.modified);
            self.contacts.insert(c.id.clone(), c);
        }
    }

    /// Drop a contact known to be gone (merged away by one of our actions).
    pub fn forget(&mut self, id: &str) {
        self.contacts.remove(id);
    }

    pub fn snapshot(&self) -> BTreeMap<String, Contact> {
        self.contacts.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(id: &str, modified: &str) -> Contact {
        Contact {
            id: id.into(),
            modified: Some(modified.parse().expect("timestamp")),
            ..Contact::default()
        }
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().expect("timestamp")
    }

    #[test]
    fn full_first_then_incremental_from_newest_minus_overlap() {
        let mut cache = ContactCache::default();
        let t0 = Instant::now();
        assert_eq!(cache.since(t0), None);
        cache.replace(vec![c("1", "2026-11-20T08:00:00Z"), c("2", "2026-11-21T08:00:00Z")], t0);
        assert_eq!(cache.since(t0), Some(ts("2026-11-21T07:55:00Z")));
        cache.update(vec![c("1", "2026-11-22T08:00:00Z"), c("3", "2026-11-22T09:00:00Z")]);
        assert_eq!(cache.snapshot().len(), 3);
        assert_eq!(cache.since(t0), Some(ts("2026-11-22T08:55:00Z")));
    }

    #[test]
    fn resync_is_due_after_its_interval_and_drops_the_vanished() {
        let mut cache = ContactCache::default();
        let t0 = Instant::now();
        cache.replace(vec![c("1", "2026-11-20T08:00:00Z")], t0);
        assert_eq!(cache.since(t0 + FULL_RESYNC), None);
        cache.replace(vec![c("2", "2026-11-20T09:00:00Z")], t0 + FULL_RESYNC);
        assert_eq!(cache.snapshot().keys().collect::<Vec<_>>(), ["2"]);
    }

    #[test]
    fn merged_away_contacts_are_forgotten() {
        let mut cache = ContactCache::default();
        cache.replace(
            vec![c("1", "2026-11-20T08:00:00Z"), c("2", "2026-11-20T08:00:00Z")],
            Instant::now(),
        );
        cache.forget("2");
        assert_eq!(cache.snapshot().keys().collect::<Vec<_>>(), ["1"]);
    }

    #[test]
    fn undated_contacts_force_a_full_read() {
        let mut cache = ContactCache::default();
        cache.replace(
            vec![Contact {
                id: "1".into(),
                ..Contact::default()
            }],
            Instant::now(),
        );
        assert_eq!(cache.since(Instant::now()), None);
    }
}
