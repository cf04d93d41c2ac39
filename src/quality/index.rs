//! The indexes the engine keeps between passes: which contacts share an
//! email, a plus-addressing base or a name, which fail a hygiene rule, and
//! which unsubscribed or cleaned members each email has. Every change
//! records the keys it touched, so the next step rechecks only those.

use std::collections::BTreeSet;
use std::sync::Arc;

use jiff::Timestamp;
use rustc_hash::{FxHashMap, FxHashSet};

use super::facts::{ContactFacts, MemberFacts};
use super::rules::Suppressed;

/// A sorted, duplicate-free list of contact ids: groups are tiny (mostly
/// one), so a vector beats a tree in both memory and speed.
pub(crate) type Ids = Vec<Arc<str>>;

/// What a pass changed, so the recheck can stay small.
#[derive(Debug, Default)]
pub(crate) struct Dirty {
    /// The previous pass had no contacts: every key is new, so every key is
    /// checked and none is tracked (and no old group alert can exist).
    pub all: bool,
    pub emails: FxHashSet<Arc<str>>,
    pub bases: FxHashSet<Arc<str>>,
    pub names: FxHashSet<Arc<str>>,
    pub invalid: bool,
    pub no_lifecycle: bool,
    pub no_owner: bool,
    pub stale: bool,
    /// Contacts added or removed: deals pointing at them need a recheck.
    pub appeared_or_gone: FxHashSet<Arc<str>>,
    /// Freshness entries gathered during a full pass, bulk-loaded after it.
    pub freshness_batch: Vec<(Timestamp, Arc<str>)>,
}

impl Dirty {
    pub fn email(&mut self, key: &Arc<str>) {
        if !self.all {
            self.emails.insert(Arc::clone(key));
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct ContactIndex {
    pub by_email: FxHashMap<Arc<str>, Ids>,
    /// Plus-addressed contacts by the address without the tag.
    pub tagged: FxHashMap<Arc<str>, Ids>,
    pub by_name: FxHashMap<Arc<str>, Ids>,
    pub invalid: BTreeSet<Arc<str>>,
    pub no_lifecycle: BTreeSet<Arc<str>>,
    pub no_owner: BTreeSet<Arc<str>>,
    pub stale: BTreeSet<Arc<str>>,
    /// Every contact with a known freshness, oldest first: moving the stale
    /// cutoff visits only the contacts it passes.
    pub by_freshness: BTreeSet<(Timestamp, Arc<str>)>,
    /// The stale cutoff of the last pass.
    pub cutoff: Option<Timestamp>,
}

impl ContactIndex {
    pub fn reserve(&mut self, n: usize) {
        self.by_email.reserve(n);
        self.by_name.reserve(n);
    }

    pub fn insert(&mut self, f: &ContactFacts, dirty: &mut Dirty) {
        if let Some(e) = &f.email {
            set_insert(self.by_email.entry(Arc::clone(e)).or_default(), &f.id);
            dirty.email(e);
        }
        if let Some(b) = &f.base {
            set_insert(self.tagged.entry(Arc::clone(b)).or_default(), &f.id);
            if !dirty.all {
                dirty.bases.insert(Arc::clone(b));
            }
        }
        if let Some(n) = &f.name {
            set_insert(self.by_name.entry(Arc::clone(n)).or_default(), &f.id);
            if !dirty.all {
                dirty.names.insert(Arc::clone(n));
            }
        }
        if f.invalid_email {
            dirty.invalid |= self.invalid.insert(Arc::clone(&f.id));
        }
        if f.no_lifecycle {
            dirty.no_lifecycle |= self.no_lifecycle.insert(Arc::clone(&f.id));
        }
        if f.no_owner {
            dirty.no_owner |= self.no_owner.insert(Arc::clone(&f.id));
        }
        if let Some(t) = f.freshness {
            if dirty.all {
                dirty.freshness_batch.push((t, Arc::clone(&f.id)));
            } else {
                self.by_freshness.insert((t, Arc::clone(&f.id)));
            }
            if self.cutoff.is_some_and(|c| t < c) {
                dirty.stale |= self.stale.insert(Arc::clone(&f.id));
            }
        }
    }

    pub fn remove(&mut self, f: &ContactFacts, dirty: &mut Dirty) {
        if let Some(e) = &f.email {
            multimap_remove(&mut self.by_email, e, &f.id);
            dirty.email(e);
        }
        if let Some(b) = &f.base {
            multimap_remove(&mut self.tagged, b, &f.id);
            dirty.bases.insert(Arc::clone(b));
        }
        if let Some(n) = &f.name {
            multimap_remove(&mut self.by_name, n, &f.id);
            dirty.names.insert(Arc::clone(n));
        }
        dirty.invalid |= f.invalid_email && self.invalid.remove(&f.id);
        dirty.no_lifecycle |= f.no_lifecycle && self.no_lifecycle.remove(&f.id);
        dirty.no_owner |= f.no_owner && self.no_owner.remove(&f.id);
        if let Some(t) = f.freshness {
            self.by_freshness.remove(&(t, Arc::clone(&f.id)));
            dirty.stale |= self.stale.remove(&f.id);
        }
    }

    /// Loads what a full pass gathered in one sorted bulk build, far
    /// cheaper than a million single inserts.
    pub fn load_freshness(&mut self, batch: Vec<(Timestamp, Arc<str>)>) {
        if self.by_freshness.is_empty() {
            self.by_freshness = batch.into_iter().collect();
        } else {
            self.by_freshness.extend(batch);
        }
    }

    /// Moves the stale cutoff, touching only the contacts it passes over.
    pub fn move_cutoff(&mut self, cutoff: Timestamp, dirty: &mut Dirty) {
        let floor = |t: Timestamp| (t, Arc::<str>::from(""));
        match self.cutoff {
            None => {
                self.stale = self
                    .by_freshness
                    .range(..floor(cutoff))
                    .map(|(_, id)| Arc::clone(id))
                    .collect();
                dirty.stale = true;
            }
            Some(old) if cutoff > old => {
                for (_, id) in self.by_freshness.range(floor(old)..floor(cutoff)) {
                    dirty.stale |= self.stale.insert(Arc::clone(id));
                }
            }
            Some(old) if cutoff < old => {
                for (_, id) in self.by_freshness.range(floor(cutoff)..floor(old)) {
                    dirty.stale |= self.stale.remove(id);
                }
            }
            Some(_) => {}
        }
        self.cutoff = Some(cutoff);
    }
}

/// Unsubscribed and cleaned members by normalised email.
#[derive(Debug, Default)]
pub(crate) struct SuppressedIndex {
    pub by_email: FxHashMap<Arc<str>, Vec<Suppressed>>,
}

impl SuppressedIndex {
    pub fn get(&self, email: &str) -> &[Suppressed] {
        self.by_email.get(email).map_or(&[], Vec::as_slice)
    }

    pub fn insert(&mut self, list: &Arc<str>, f: &MemberFacts, dirty: &mut Dirty) {
        if let Some(e) = &f.suppressed_email {
            self.by_email.entry(Arc::clone(e)).or_default().push(Suppressed {
                list: Arc::clone(list),
                hash: f.hash.clone(),
                cleaned: f.cleaned(),
            });
            dirty.email(e);
        }
    }

    pub fn remove(&mut self, list: &Arc<str>, f: &MemberFacts, dirty: &mut Dirty) {
        if let Some(e) = &f.suppressed_email {
            if let Some(v) = self.by_email.get_mut(&**e) {
                v.retain(|s| !(s.list == *list && s.hash == f.hash));
                if v.is_empty() {
                    self.by_email.remove(&**e);
                }
            }
            dirty.email(e);
        }
    }
}

fn set_insert(ids: &mut Ids, id: &Arc<str>) {
    if let Err(at) = ids.binary_search(id) {
        ids.insert(at, Arc::clone(id));
    }
}

fn multimap_remove(map: &mut FxHashMap<Arc<str>, Ids>, key: &str, id: &str) {
    if let Some(ids) = map.get_mut(key) {
        if let Ok(at) = ids.binary_search_by(|x| (**x).cmp(id)) {
            ids.remove(at);
        }
        if ids.is_empty() {
            map.remove(key);
        }
    }
}

/// Applies a diff to a vector kept sorted by `key`: drops the `removed`
/// positions (ascending) and merges in `added` (sorted by the same key).
pub(crate) fn merge_sorted<T>(old: Vec<T>, removed: &[usize], added: Vec<T>, key: impl Fn(&T) -> &str) -> Vec<T> {
    let mut out = Vec::with_capacity(old.len() + added.len() - removed.len().min(old.len()));
    let mut removed = removed.iter().copied().peekable();
    let mut added = added.into_iter().peekable();
    for (i, item) in old.into_iter().enumerate() {
        if removed.next_if_eq(&i).is_some() {
            continue;
        }
        while let Some(a) = added.next_if(|a| key(a) < key(&item)) {
            out.push(a);
        }
        out.push(item);
    }
    out.extend(added);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_sorted_drops_and_inserts_in_order() {
        let old = vec!["a", "c", "e", "g"];
        let merged = merge_sorted(old, &[1, 3], vec!["b", "d", "h"], |s| s);
        assert_eq!(merged, ["a", "b", "d", "e", "h"]);
        assert_eq!(merge_sorted(Vec::new(), &[], vec!["x"], |s| s), ["x"]);
        assert_eq!(merge_sorted(vec!["x"], &[0], Vec::new(), |s| s), Vec::<&str>::new());
    }
}
