//! Data-quality rule evaluation at scale: 1,000,000 CRM contacts and an
//! audience of 1,000,000 members, with a realistic sprinkling of problems.
//! Run: `cargo bench --bench quality`.

use std::collections::BTreeMap;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use jiff::{SignedDuration, Timestamp};
use mops::config::{QualityConfig, Thresholds};
use mops::model::{Campaign, CampaignReport, CampaignStatus, Contact, CrmData, Deal, EmailData, Member, MemberStatus};
use mops::quality::Engine;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const CONTACTS: usize = 1_000_000;
const MEMBERS: usize = 1_000_000;
const DEALS: usize = 50_000;
const CAMPAIGNS: usize = 200;
const CHANGED: usize = 100;

fn now() -> Timestamp {
    "2026-11-22T12:00:00Z".parse().expect("timestamp")
}

fn days_ago(n: i64) -> Timestamp {
    now().checked_sub(SignedDuration::from_hours(24 * n)).expect("time")
}

/// A stand-in for Mailchimp's subscriber hash: 32 hex characters.
fn hash(email: &str) -> String {
    let mut a: u64 = 0xcbf2_9ce4_8422_2325;
    let mut b: u64 = 0x9e37_79b9_7f4a_7c15;
    for byte in email.bytes() {
        a = (a ^ u64::from(byte)).wrapping_mul(0x100_0000_01b3);
        b = (b ^ u64::from(byte))
            .wrapping_mul(0xff51_afd7_ed55_8ccd)
            .rotate_left(17);
    }
    format!("{a:016x}{b:016x}")
}

fn contact(rng: &mut StdRng, i: usize) -> Contact {
    let id = format!("{}", 100_000_000 + i);
    let domain = format!("company{}.com", rng.random_range(0..20_000));
    let email = match rng.random_range(0..1_000) {
        0..5 => Some(format!("user{i}@@{domain}")), // 0.5% invalid
        5..15 => Some(format!("User{}@{domain}", rng.random_range(0..CONTACTS))), // ~1% duplicates
        15..20 => Some(format!("user{}+news@{domain}", i.saturating_sub(1))), // plus-addressing
        20..30 => None,
        _ => Some(format!("user{i}@{domain}")),
    };
    Contact {
        id,
        email,
        firstname: Some(format!("First{}", rng.random_range(0..500))),
        lastname: Some(format!("Last{}", rng.random_range(0..2_000))),
        company: rng
            .random_bool(0.8)
            .then(|| format!("Company {}", rng.random_range(0..20_000))),
        lifecyclestage: (!rng.random_bool(0.03)).then(|| ["lead", "customer", "other"][rng.random_range(0..3)].into()),
        owner_id: (!rng.random_bool(0.03)).then(|| format!("{}", rng.random_range(1..50))),
        created: Some(days_ago(800)),
        modified: Some(days_ago(if rng.random_bool(0.05) {
            400
        } else {
            rng.random_range(0..170)
        })),
        email_optout: [None, Some(false), Some(false), Some(true)][rng.random_range(0..4)],
    }
}

fn generate() -> (CrmData, EmailData) {
    let mut rng = StdRng::seed_from_u64(42);
    let mut crm = CrmData::default();
    for i in 0..CONTACTS {
        let c = contact(&mut rng, i);
        crm.contacts.insert(c.id.clone(), c);
    }
    crm.deals = (0..DEALS)
        .map(|i| Deal {
            id: format!("{}", 900_000 + i),
            contact_ids: if rng.random_bool(0.02) {
                Vec::new()
            } else {
                vec![format!("{}", 100_000_000 + rng.random_range(0..CONTACTS))]
            },
            ..Deal::default()
        })
        .collect();

    // One big audience: mostly the CRM's people, some only in Mailchimp.
    let emails: Vec<&str> = crm.contacts.values().filter_map(|c| c.email.as_deref()).collect();
    let mut members = BTreeMap::new();
    for i in 0..MEMBERS {
        let email = if rng.random_bool(0.9) {
            emails[rng.random_range(0..emails.len())].trim().to_lowercase()
        } else {
            format!("reader{i}@news.example")
        };
        let status = match rng.random_range(0..100) {
            0..4 => MemberStatus::Unsubscribed,
            4..6 => MemberStatus::Cleaned,
            _ => MemberStatus::Subscribed,
        };
        let id = hash(&email);
        let member = Member {
            id: id.clone(),
            email,
            status,
            last_changed: days_ago(rng.random_range(0..300)),
        };
        members.insert(id, member);
    }
    let mut email = EmailData::default();
    email.members.insert("list1".into(), members);
    email.campaigns = (0..CAMPAIGNS)
        .map(|i| {
            let sent = rng.random_range(1_000..100_000);
            let report = CampaignReport {
                emails_sent: sent,
                hard_bounces: sent * rng.random_range(0..30) / 1_000,
                unsubscribed: sent * rng.random_range(0..8) / 1_000,
                ..CampaignReport::default()
            };
            Campaign {
                id: format!("c{i:04}"),
                web_id: None,
                kind: "regular".into(),
                status: CampaignStatus::Sent,
                title: format!("Campaign {i}"),
                subject: String::new(),
                from_name: String::new(),
                list_id: "list1".into(),
                list_name: "Newsletter".into(),
                recipient_count: sent,
                create_time: None,
                send_time: None,
                emails_sent: sent,
                report: Some(report),
            }
        })
        .collect();
    (crm, email)
}

/// `CHANGED` contacts edited the way a sync brings them: new emails
/// (some colliding), stages, consent; each with a new modification time.
fn modify(crm: &CrmData, seed: u64) -> CrmData {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut changed = crm.clone();
    for n in 0..CHANGED {
        let id = format!("{}", 100_000_000 + rng.random_range(0..CONTACTS));
        if let Some(c) = changed.contacts.get_mut(&id) {
            c.email = Some(format!("changed{n}@company{}.com", rng.random_range(0..20_000)));
            c.lifecyclestage = None;
            c.email_optout = Some(n % 2 == 0);
            c.modified = Some(now());
        }
    }
    changed
}

fn quality(c: &mut Criterion) {
    let (crm, email) = generate();
    let changed = modify(&crm, 7);
    let config = QualityConfig::default();
    let thresholds = Thresholds::default();

    let mut group = c.benchmark_group("quality");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(20));

    group.bench_function("full evaluation, 1M contacts + 1M members", |b| {
        b.iter_with_large_drop(|| {
            let mut engine = Engine::new(config.clone(), thresholds);
            let alerts = engine.evaluate(Some(&crm), Some(&email), now());
            (engine, alerts)
        })
    });

    let mut engine = Engine::new(config.clone(), thresholds);
    engine.evaluate(Some(&crm), Some(&email), now());
    group.measurement_time(Duration::from_secs(10));
    // Alternating between the two versions: every call sees 100 contacts change.
    let mut flip = false;
    group.bench_function("re-evaluation after modifying 100 contacts", |b| {
        b.iter_with_large_drop(|| {
            flip = !flip;
            let data = if flip { &changed } else { &crm };
            engine.evaluate(Some(data), Some(&email), now())
        })
    });
    group.bench_function("re-evaluation, nothing changed", |b| {
        b.iter_with_large_drop(|| engine.evaluate(Some(&crm), Some(&email), now()))
    });
    group.finish();
}

criterion_group!(benches, quality);
criterion_main!(benches);
