//! Re-evaluation after a change must give exactly what a fresh engine gives
//! on the same data, while redoing only what the change touched.

use jiff::{SignedDuration, Timestamp};
use mops::config::{QualityConfig, Thresholds};
use mops::model::{Contact, CrmData, Deal, EmailData, Member, MemberStatus, Rule};
use mops::quality::Engine;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

fn base_time() -> Timestamp {
    "2026-06-01T00:00:00Z".parse().expect("timestamp")
}

fn days(n: i64) -> SignedDuration {
    SignedDuration::from_hours(24 * n)
}

const DOMAINS: [&str; 3] = ["example.com", "Acme.io", "café.fr"];
const STAGES: [Option<&str>; 4] = [Some("lead"), Some("customer"), Some("other"), None];

/// A small, deliberately collision-heavy population: few names and email
/// locals, so duplicates, plus-addressing and consent problems all occur.
fn random_contact(rng: &mut StdRng, id: &str, at: Timestamp) -> Contact {
    let local = format!("u{}", rng.random_range(0..150));
    let tag = if rng.random_bool(0.1) { "+news" } else { "" };
    let domain = DOMAINS[rng.random_range(0..DOMAINS.len())];
    let email = match rng.random_range(0..20) {
        0 => None,
        1 => Some(format!("{local}@@{domain}")),
        2 => Some(format!("  {}{tag}@{domain} ", local.to_uppercase())),
        _ => Some(format!("{local}{tag}@{domain}")),
    };
    let mut maybe = |prefix: &str, n: u32| {
        rng.random_bool(0.9)
            .then(|| format!("{prefix}{}", rng.random_range(0..n)))
    };
    let (firstname, lastname, company) = (maybe("First", 8), maybe("Last", 5), maybe("Co", 3));
    Contact {
        id: id.into(),
        email,
        firstname,
        lastname,
        company,
        lifecyclestage: STAGES[rng.random_range(0..STAGES.len())].map(Into::into),
        owner_id: rng.random_bool(0.8).then(|| "o1".into()),
        created: Some(at.checked_sub(days(400)).expect("time")),
        // Some contacts carry no modification time: always re-derived.
        modified: (!rng.random_bool(0.05)).then(|| at.checked_sub(days(rng.random_range(0..300))).expect("time")),
        email_optout: [None, Some(false), Some(true)][rng.random_range(0..3)],
    }
}

fn random_member(rng: &mut StdRng, at: Timestamp) -> Member {
    let email = format!(
        "u{}@{}",
        rng.random_range(0..150),
        DOMAINS[rng.random_range(0..DOMAINS.len())]
    );
    let status = [
        MemberStatus::Subscribed,
        MemberStatus::Subscribed,
        MemberStatus::Unsubscribed,
        MemberStatus::Cleaned,
    ][rng.random_range(0..4)];
    Member {
        id: format!("{:x}", md5_like(&email.to_lowercase())),
        email,
        status,
        last_changed: at,
    }
}

/// Stands in for the subscriber hash: any stable function of the email will do here.
fn md5_like(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

fn population(seed: u64) -> (CrmData, EmailData) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut crm = CrmData::default();
    for i in 0..400 {
        let id = format!("{}", 1000 + i);
        crm.contacts
            .insert(id.clone(), random_contact(&mut rng, &id, base_time()));
    }
    for i in 0..40 {
        let n = rng.random_range(0..3);
        let contact_ids = (0..n).map(|_| format!("{}", 1000 + rng.random_range(0..450))).collect();
        crm.deals.push(Deal {
            id: format!("d{i}"),
            contact_ids,
            ..Deal::default()
        });
    }
    let mut email = EmailData::default();
    for list in ["L1", "L2"] {
        let members = email.members.entry(list.into()).or_default();
        for _ in 0..200 {
            let m = random_member(&mut rng, base_time());
            members.insert(m.id.clone(), m);
        }
    }
    (crm, email)
}

/// A handful of the changes a poll brings: edits (with a new modified
/// time), merges, new contacts, member status changes, deal edits.
fn mutate(rng: &mut StdRng, crm: &mut CrmData, email: &mut EmailData, at: Timestamp) -> usize {
    let mut edited = 0;
    for _ in 0..rng.random_range(1..8) {
        let ids: Vec<String> = crm.contacts.keys().cloned().collect();
        let id = ids[rng.random_range(0..ids.len())].clone();
        match rng.random_range(0..6) {
            0 => {
                crm.contacts.remove(&id); // merged away
            }
            1 => {
                let new_id = format!("{}", 5000 + rng.random_range(0..1000));
                let c = random_contact(rng, &new_id, at);
                crm.contacts.insert(new_id, c);
            }
            _ => {
                let mut c = random_contact(rng, &id, at);
                c.modified = Some(at);
                crm.contacts.insert(id, c);
                edited += 1;
            }
        }
    }
    for _ in 0..rng.random_range(0..4) {
        let list = if rng.random_bool(0.5) { "L1" } else { "L2" };
        let members = email.members.entry(list.into()).or_default();
        let mut m = random_member(rng, at);
        if rng.random_bool(0.3) {
            members.remove(&m.id);
        } else {
            m.last_changed = at;
            members.insert(m.id.clone(), m);
        }
    }
    if rng.random_bool(0.3) && !crm.deals.is_empty() {
        let i = rng.random_range(0..crm.deals.len());
        crm.deals[i].contact_ids.clear();
    }
    edited
}

/// The population's ages are spread over a year: a 180-day staleness age
/// makes StaleRecord fire, and the clock moving on changes what is stale.
fn config() -> QualityConfig {
    QualityConfig {
        stale_after: std::time::Duration::from_secs(180 * 86_400),
        ..QualityConfig::default()
    }
}

#[test]
fn incremental_passes_match_a_fresh_engine_over_random_changes() {
    for seed in 0..6 {
        let (mut crm, mut email) = population(seed);
        let mut rng = StdRng::seed_from_u64(seed + 100);
        let mut engine = Engine::new(config(), Thresholds::default());
        let mut now = base_time();
        let first = engine.evaluate(Some(&crm), Some(&email), now);
        for rule in Rule::ALL.iter().filter(|r| !r.key().starts_with("campaign")) {
            assert!(
                first.iter().any(|a| a.rule == *rule),
                "seed {seed}: the population should trip {rule:?}"
            );
        }
        for step in 0..12 {
            // Time moves on (sometimes far enough to age contacts into staleness).
            // Always forward: an edit gets a new modified time, as in HubSpot.
            now = now
                .checked_add(days(rng.random_range(0..40)) + SignedDuration::from_mins(1))
                .expect("time");
            mutate(&mut rng, &mut crm, &mut email, now);
            let incremental = engine.evaluate(Some(&crm), Some(&email), now);
            let fresh = Engine::new(config(), Thresholds::default()).evaluate(Some(&crm), Some(&email), now);
            assert_eq!(incremental, fresh, "seed {seed}, step {step}");
        }
    }
}

#[test]
fn a_small_change_rederives_only_what_changed() {
    let (mut crm, email) = population(7);
    let mut engine = Engine::new(config(), Thresholds::default());
    let now = base_time();
    engine.evaluate(Some(&crm), Some(&email), now);
    let full = engine.last_pass();
    assert_eq!(full.contacts_rederived, 400);
    assert_eq!(
        full.members_rederived,
        email.members.values().map(|m| m.len()).sum::<usize>()
    );

    let untimed = crm.contacts.values().filter(|c| c.modified.is_none()).count();
    engine.evaluate(Some(&crm), Some(&email), now);
    let repoll = engine.last_pass();
    assert_eq!(
        repoll.contacts_rederived, untimed,
        "only contacts without a modified time"
    );
    assert_eq!(repoll.members_rederived, 0);
    assert_eq!(repoll.groups_rechecked, 0);

    // Edit three timed contacts, merge one away.
    let timed: Vec<String> = crm
        .contacts
        .values()
        .filter(|c| c.modified.is_some())
        .map(|c| c.id.clone())
        .take(4)
        .collect();
    for id in &timed[..3] {
        let c = crm.contacts.get_mut(id).expect("contact");
        c.email = Some(format!("changed-{id}@example.com"));
        c.modified = Some(now);
    }
    crm.contacts.remove(&timed[3]);
    let after = engine.evaluate(Some(&crm), Some(&email), now);
    let small = engine.last_pass();
    assert_eq!(small.contacts_rederived, untimed + 3);
    assert!(small.groups_rechecked <= 20, "{small:?}");
    assert!(
        small.groups_rechecked < full.groups_rechecked / 10,
        "{small:?} vs {full:?}"
    );
    let fresh = Engine::new(config(), Thresholds::default()).evaluate(Some(&crm), Some(&email), now);
    assert_eq!(after, fresh);
}

#[test]
fn losing_a_source_clears_its_alerts_and_getting_it_back_restores_them() {
    let (crm, email) = population(3);
    let mut engine = Engine::new(config(), Thresholds::default());
    let now = base_time();
    let all = engine.evaluate(Some(&crm), Some(&email), now);
    let crm_only = engine.evaluate(Some(&crm), None, now);
    assert!(!crm_only.iter().any(|a| a.rule == Rule::ConsentMismatch));
    assert_eq!(
        crm_only,
        Engine::new(config(), Thresholds::default()).evaluate(Some(&crm), None, now)
    );
    assert_eq!(
        engine.evaluate(None, Some(&email), now),
        Vec::new(),
        "no CRM, nothing to join"
    );
    assert_eq!(engine.evaluate(Some(&crm), Some(&email), now), all);
}
