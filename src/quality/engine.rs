//! The incremental engine: keeps per-record facts and indexes between
//! passes, diffs each new poll against them, and rechecks only the problems
//! the changed records touch.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use rustc_hash::FxHashMap;

use super::alerts::{AlertSet, Draft};
use super::facts::{ContactFacts, MemberFacts};
use super::index::{ContactIndex, Dirty, SuppressedIndex, merge_sorted};
use super::rules;
use crate::config::{QualityConfig, Thresholds};
use crate::model::{Alert, Campaign, Contact, CrmData, Deal, EmailData, Member, Rule, Severity};

/// How much one [`Engine::evaluate`] call had to redo: a full pass
/// re-derives every record, a pass after a small change only a few.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PassStats {
    /// Contacts whose facts were derived again (new, modified, or without
    /// a modification time to tell).
    pub contacts_rederived: usize,
    /// Audience members whose facts were derived again.
    pub members_rederived: usize,
    /// Email, plus-addressing and name groups rechecked.
    pub groups_rechecked: usize,
    /// Deals rechecked (new, changed, or pointing at a contact that came or went).
    pub deals_rechecked: usize,
}

/// Evaluates the data-quality rules over the CRM and the email platform,
/// remembering what it saw so the next call costs what changed.
///
/// A contact whose `modified` time is unchanged is taken as unchanged
/// (HubSpot bumps `hs_lastmodifieddate` on every property change); one
/// without a `modified` time is re-derived on every call. Members are
/// compared on status and `last_changed`. Deals and campaigns are few and
/// cheap to compare, so they are diffed in full each call.
#[derive(Debug)]
pub struct Engine {
    stale_after: Duration,
    stale_span: SignedDuration,
    thresholds: Thresholds,
    alerts: AlertSet,
    /// Sorted by id, like the CRM's map, so diffing is one merge walk.
    contacts: Vec<ContactFacts>,
    index: ContactIndex,
    /// Per audience id, sorted by subscriber hash.
    lists: BTreeMap<Arc<str>, Vec<MemberFacts>>,
    suppressed: SuppressedIndex,
    deals: FxHashMap<Arc<str>, DealState>,
    campaign_alerts: Vec<(Rule, Arc<str>)>,
    generation: u64,
    last: PassStats,
    /// The key of the per-rule aggregate alerts.
    aggregate: Arc<str>,
}

#[derive(Debug)]
struct DealState {
    contact_ids: Vec<String>,
    seen: u64,
}

impl Engine {
    pub fn new(config: QualityConfig, thresholds: Thresholds) -> Engine {
        Engine {
            // A span too large for a timestamp makes nothing stale.
            stale_span: SignedDuration::try_from(config.stale_after).unwrap_or(SignedDuration::MAX),
            stale_after: config.stale_after,
            thresholds,
            alerts: AlertSet::new(&config),
            contacts: Vec::new(),
            index: ContactIndex::default(),
            lists: BTreeMap::new(),
            suppressed: SuppressedIndex::default(),
            deals: FxHashMap::default(),
            campaign_alerts: Vec::new(),
            generation: 0,
            last: PassStats::default(),
            aggregate: Arc::from(""),
        }
    }

    /// The severity alerts of `rule` get: the config's override, else the default.
    pub fn severity(&self, rule: Rule) -> Severity {
        self.alerts.severity(rule)
    }

    /// Whether `rule` runs (it is not switched off in the config).
    pub fn enabled(&self, rule: Rule) -> bool {
        self.alerts.enabled(rule)
    }

    /// What the last [`Engine::evaluate`] had to redo.
    pub fn last_pass(&self) -> PassStats {
        self.last
    }

    /// Every alert the data raises at `now`, most severe first, then by rule,
    /// then by id. A missing side (`None`) counts as empty: rules that need
    /// it find nothing. The same data always gives the same list.
    pub fn evaluate(&mut self, crm: Option<&CrmData>, email: Option<&EmailData>, now: Timestamp) -> Vec<Alert> {
        let mut dirty = Dirty {
            all: self.contacts.is_empty(),
            ..Dirty::default()
        };
        let mut stats = PassStats::default();
        let no_contacts = BTreeMap::new();
        let no_lists = BTreeMap::new();
        self.sync_contacts(crm.map_or(&no_contacts, |c| &c.contacts), &mut dirty, &mut stats);
        self.sync_members(email.map_or(&no_lists, |e| &e.members), &mut dirty, &mut stats);
        let cutoff = now.checked_sub(self.stale_span).unwrap_or(Timestamp::MIN);
        self.index.move_cutoff(cutoff, &mut dirty);
        self.recheck_groups(&dirty, &mut stats);
        self.recheck_hygiene(&dirty);
        self.recheck_deals(crm.map_or(&[], |c| c.deals.as_slice()), &dirty, &mut stats);
        self.recheck_campaigns(email.map_or(&[], |e| e.campaigns.as_slice()));
        self.last = stats;
        tracing::debug!(?stats, alerts = self.alerts.len(), "quality pass");
        self.alerts.to_vec()
    }

    /// One merge walk over the CRM's id-sorted map and the kept facts.
    fn sync_contacts(&mut self, input: &BTreeMap<String, Contact>, dirty: &mut Dirty, stats: &mut PassStats) {
        let mut removed = Vec::new();
        let mut added = Vec::new();
        let mut modified = Vec::new();
        let old = &self.contacts;
        let mut i = 0;
        for (id, contact) in input {
            while i < old.len() && &*old[i].id < id.as_str() {
                removed.push(i);
                i += 1;
            }
            if i < old.len() && &*old[i].id == id.as_str() {
                let kept = &old[i];
                if kept.modified.is_none() || kept.modified != contact.modified {
                    stats.contacts_rederived += 1;
                    let facts = ContactFacts::derive(Arc::clone(&kept.id), contact);
                    if facts != *kept {
                        modified.push((i, facts));
                    }
                }
                i += 1;
            } else {
                stats.contacts_rederived += 1;
                added.push(ContactFacts::derive(Arc::from(id.as_str()), contact));
            }
        }
        removed.extend(i..old.len());

        if dirty.all {
            self.index.reserve(added.len());
        }
        for (i, facts) in modified {
            self.index.remove(&self.contacts[i], dirty);
            self.index.insert(&facts, dirty);
            self.contacts[i] = facts;
        }
        for &i in &removed {
            let gone = &self.contacts[i];
            self.index.remove(gone, dirty);
            dirty.appeared_or_gone.insert(Arc::clone(&gone.id));
        }
        for facts in &added {
            self.index.insert(facts, dirty);
            if !dirty.all {
                dirty.appeared_or_gone.insert(Arc::clone(&facts.id));
            }
        }
        self.index.load_freshness(std::mem::take(&mut dirty.freshness_batch));
        if !removed.is_empty() || !added.is_empty() {
            let kept = std::mem::take(&mut self.contacts);
            self.contacts = merge_sorted(kept, &removed, added, |f| &f.id);
        }
    }

    fn sync_members(
        &mut self,
        input: &BTreeMap<String, BTreeMap<String, Member>>,
        dirty: &mut Dirty,
        stats: &mut PassStats,
    ) {
        let gone: Vec<Arc<str>> = self
            .lists
            .keys()
            .filter(|l| !input.contains_key(&***l))
            .cloned()
            .collect();
        for list in gone {
            for facts in self.lists.remove(&list).unwrap_or_default() {
                self.suppressed.remove(&list, &facts, dirty);
            }
        }
        for (list_id, members) in input {
            let list = match self.lists.get_key_value(list_id.as_str()) {
                Some((k, _)) => Arc::clone(k),
                None => Arc::from(list_id.as_str()),
            };
            let old = self.lists.remove(&list).unwrap_or_default();
            let synced = sync_list(&list, old, members, &mut self.suppressed, dirty, stats);
            self.lists.insert(list, synced);
        }
    }

    fn recheck_groups(&mut self, dirty: &Dirty, stats: &mut PassStats) {
        let groups = Groups {
            contacts: &self.contacts,
            index: &self.index,
            suppressed: &self.suppressed,
            fresh: dirty.all,
        };
        let alerts = &mut self.alerts;
        if dirty.all {
            for key in self.index.by_email.keys() {
                groups.email(key, alerts);
            }
            for key in self.index.tagged.keys() {
                groups.base(key, alerts);
            }
            for key in self.index.by_name.keys() {
                groups.name(key, alerts);
            }
            stats.groups_rechecked = self.index.by_email.len() + self.index.tagged.len() + self.index.by_name.len();
        } else {
            // A bare address is the base of its plus-addressed variants, so an
            // email change rechecks it in both roles.
            for key in &dirty.emails {
                groups.email(key, alerts);
                groups.base(key, alerts);
            }
            for key in dirty.bases.iter().filter(|b| !dirty.emails.contains(*b)) {
                groups.base(key, alerts);
            }
            for key in &dirty.names {
                groups.name(key, alerts);
            }
            stats.groups_rechecked = dirty.emails.len() + dirty.bases.len() + dirty.names.len();
        }
    }

    fn recheck_hygiene(&mut self, dirty: &Dirty) {
        let index = &self.index;
        for (rule, ids, changed) in [
            (Rule::InvalidEmail, &index.invalid, dirty.invalid),
            (Rule::MissingLifecycleStage, &index.no_lifecycle, dirty.no_lifecycle),
            (Rule::MissingOwner, &index.no_owner, dirty.no_owner),
            (Rule::StaleRecord, &index.stale, dirty.stale),
        ] {
            if changed && self.alerts.enabled(rule) {
                let draft = rules::hygiene(rule, ids, self.stale_after);
                self.alerts.put(rule, &self.aggregate, draft);
            }
        }
    }

    fn recheck_deals(&mut self, deals: &[Deal], dirty: &Dirty, stats: &mut PassStats) {
        self.generation += 1;
        let generation = self.generation;
        let rule = Rule::DealWithoutContact;
        for deal in deals {
            let state = self.deals.get_mut(deal.id.as_str());
            if let Some(state) = state {
                let unchanged = !dirty.all
                    && state.contact_ids == deal.contact_ids
                    && !deal
                        .contact_ids
                        .iter()
                        .any(|id| dirty.appeared_or_gone.contains(id.as_str()));
                if unchanged {
                    state.seen = generation;
                    continue;
                }
                state.contact_ids.clone_from(&deal.contact_ids);
                state.seen = generation;
            } else {
                self.deals.insert(
                    Arc::from(deal.id.as_str()),
                    DealState {
                        contact_ids: deal.contact_ids.clone(),
                        seen: generation,
                    },
                );
            }
            stats.deals_rechecked += 1;
            if self.alerts.enabled(rule) {
                let contacts = &self.contacts;
                let draft = rules::deal_without_contact(deal, |id| find(contacts, id).is_some());
                self.alerts.put(rule, &Arc::from(deal.id.as_str()), draft);
            }
        }
        let alerts = &mut self.alerts;
        self.deals.retain(|id, state| {
            let present = state.seen == generation;
            if !present {
                alerts.put(rule, id, None);
            }
            present
        });
    }

    /// Campaigns number in the hundreds: recomputed whole every pass.
    fn recheck_campaigns(&mut self, campaigns: &[Campaign]) {
        for (rule, key) in std::mem::take(&mut self.campaign_alerts) {
            self.alerts.put(rule, &key, None);
        }
        for c in campaigns {
            let checks = [
                (
                    Rule::CampaignOverBounceThreshold,
                    rules::campaign_bounce as fn(&Campaign, &Thresholds) -> Option<Draft>,
                ),
                (Rule::CampaignOverUnsubscribeThreshold, rules::campaign_unsubscribe),
            ];
            for (rule, check) in checks {
                if !self.alerts.enabled(rule) {
                    continue;
                }
                if let Some(draft) = check(c, &self.thresholds) {
                    let key: Arc<str> = Arc::from(c.id.as_str());
                    self.alerts.put(rule, &key, Some(draft));
                    self.campaign_alerts.push((rule, key));
                }
            }
        }
    }
}

/// Merge-walks one audience's members against its kept facts.
fn sync_list(
    list: &Arc<str>,
    mut old: Vec<MemberFacts>,
    input: &BTreeMap<String, Member>,
    suppressed: &mut SuppressedIndex,
    dirty: &mut Dirty,
    stats: &mut PassStats,
) -> Vec<MemberFacts> {
    let mut removed = Vec::new();
    let mut added = Vec::new();
    let mut modified = Vec::new();
    let mut i = 0;
    for (hash, member) in input {
        while i < old.len() && &*old[i].hash < hash.as_str() {
            removed.push(i);
            i += 1;
        }
        if i < old.len() && &*old[i].hash == hash.as_str() {
            if !old[i].unchanged(member) {
                stats.members_rederived += 1;
                modified.push((i, MemberFacts::derive(hash, member)));
            }
            i += 1;
        } else {
            stats.members_rederived += 1;
            added.push(MemberFacts::derive(hash, member));
        }
    }
    removed.extend(i..old.len());
    for (i, facts) in modified {
        suppressed.remove(list, &old[i], dirty);
        suppressed.insert(list, &facts, dirty);
        old[i] = facts;
    }
    for &i in &removed {
        suppressed.remove(list, &old[i], dirty);
    }
    for facts in &added {
        suppressed.insert(list, facts, dirty);
    }
    if removed.is_empty() && added.is_empty() {
        old
    } else {
        merge_sorted(old, &removed, added, |f| &f.hash)
    }
}

fn find<'a>(contacts: &'a [ContactFacts], id: &str) -> Option<&'a ContactFacts> {
    contacts
        .binary_search_by(|f| (*f.id).cmp(id))
        .ok()
        .map(|at| &contacts[at])
}

/// The group rules, read against the indexes after a sync.
struct Groups<'a> {
    contacts: &'a [ContactFacts],
    index: &'a ContactIndex,
    suppressed: &'a SuppressedIndex,
    /// No group alert can exist yet, so there is nothing to clear.
    fresh: bool,
}

impl Groups<'_> {
    fn facts(&self, ids: Option<&Vec<Arc<str>>>) -> Vec<&ContactFacts> {
        ids.into_iter()
            .flatten()
            .filter_map(|id| find(self.contacts, id))
            .collect()
    }

    fn put(&self, alerts: &mut AlertSet, rule: Rule, key: &Arc<str>, check: impl FnOnce() -> Option<Draft>) {
        if !alerts.enabled(rule) {
            return;
        }
        let draft = check();
        if draft.is_some() || !self.fresh {
            alerts.put(rule, key, draft);
        }
    }

    /// Duplicates, consent and bounces: everything joined on one email.
    fn email(&self, key: &Arc<str>, alerts: &mut AlertSet) {
        let ids = self.index.by_email.get(&**key);
        let members = self.suppressed.get(key);
        let rules = [Rule::DuplicateEmail, Rule::ConsentMismatch, Rule::BouncedStillActive];
        if ids.is_none_or(|ids| ids.len() < 2) && members.is_empty() {
            // Nothing can fire; the common case, kept allocation-free.
            if !self.fresh {
                for rule in rules {
                    alerts.put(rule, key, None);
                }
            }
            return;
        }
        let contacts = self.facts(ids);
        self.put(alerts, Rule::DuplicateEmail, key, || {
            rules::duplicate_email(key, &contacts)
        });
        self.put(alerts, Rule::ConsentMismatch, key, || {
            rules::consent_mismatch(key, &contacts, members)
        });
        self.put(alerts, Rule::BouncedStillActive, key, || {
            rules::bounced_still_active(key, &contacts, members)
        });
    }

    fn base(&self, base: &Arc<str>, alerts: &mut AlertSet) {
        let tagged = self.index.tagged.get(&**base);
        if tagged.is_none() {
            if !self.fresh {
                alerts.put(Rule::PlusAddressing, base, None);
            }
            return;
        }
        self.put(alerts, Rule::PlusAddressing, base, || {
            let bare = self.facts(self.index.by_email.get(&**base));
            rules::plus_addressing(base, &bare, &self.facts(tagged))
        });
    }

    fn name(&self, key: &Arc<str>, alerts: &mut AlertSet) {
        let ids = self.index.by_name.get(&**key);
        if ids.is_none_or(|ids| ids.len() < 2) {
            if !self.fresh {
                alerts.put(Rule::DuplicateNameCompany, key, None);
            }
            return;
        }
        self.put(alerts, Rule::DuplicateNameCompany, key, || {
            rules::duplicate_name_company(key, &self.facts(ids))
        });
    }
}
