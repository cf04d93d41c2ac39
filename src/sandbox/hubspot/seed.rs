//! The portal's seeded records: 20,000 live contacts (plus a few archived),
//! seven active owners and one departed, two deal pipelines and a few
//! hundred deals, with data-quality problems planted in known numbers.
//!
//! Planted problems ([`planted`] gives the numbers; each set of contacts is
//! disjoint from the others, and every planted contact is otherwise clean):
//! - exact duplicates: [`Planted::exact_duplicate_pairs`] pairs of contacts
//!   with byte-identical emails;
//! - near duplicates by email: [`Planted::case_whitespace_pairs`] pairs whose
//!   emails differ only in letter case (half of them) or surrounding spaces
//!   (the other half), equal once trimmed and lowercased;
//! - plus-addressed variants: [`Planted::plus_address_pairs`] pairs such as
//!   `ann+news@x.example` beside `ann@x.example`;
//! - near duplicates by name: [`Planted::name_company_pairs`] pairs with the
//!   same first name, last name and company but unrelated emails.
//!   The copy in every pair above is the same person, so it also shares the
//!   original's first name, last name and company: grouping by name and
//!   company finds all four kinds of pair. Outside the pairs, no two
//!   contacts share a name and company, or an email in any normal form;
//! - invalid emails, [`Planted::invalid_emails`] of each kind: missing `@`,
//!   a space inside, a double dot, a trailing dot;
//! - missing lifecycle stage (owner set): [`Planted::missing_lifecycle`];
//! - unowned leads (stage `lead`, no owner), for round-robin:
//!   [`Planted::unowned_leads`];
//! - stale records, last modified 760 to 1,500 days before the start (every
//!   other contact was modified within 600 days, so any threshold between
//!   two years and 760 days finds exactly these): [`Planted::stale`];
//! - consent mismatches with the Mailchimp sandbox's "Acme Newsletter":
//!   [`Planted::unsubscribed_still_marketable`] contacts unsubscribed there
//!   and [`Planted::cleaned_still_active`] cleaned there (hard bounces), all
//!   with `hs_email_optout` "false"; [`Planted::unsubscribed_and_opted_out`]
//!   more are unsubscribed there and opted out here (consistent, no alert).
//!   [`Planted::newsletter_subscribed`] other clean contacts are subscribed
//!   there. No other Mailchimp member shares an email with a contact: the
//!   contacts' domains are not among Mailchimp's generated ones;
//! - unicode emails ([`Planted::unicode_emails`], valid internationalised
//!   addresses such as `zoë.müller@contoso.example`) and mixed-case emails
//!   ([`Planted::mixed_case_emails`], unique once lowercased);
//! - deals without an associated contact: [`Planted::deals_without_contacts`];
//! - CRM tasks around the start: overdue, due later today, upcoming and
//!   completed ones, one without an owner, and a memorable overdue task for
//!   the demo ([`Planted::tasks_overdue`] and the rest; see [`task_seed`]).
//!   Tasks draw from their own generator, split off after everything else,
//!   so adding them left the contacts and deals of every seed unchanged.
//!
//! Times are offsets from `anchor` (the sandbox's start, rounded down to the
//! hour). The first 100 contacts are never planted, so a probe of the first
//! page sees clean, complete records.

use std::collections::HashSet;

use jiff::Timestamp;
use rand::rngs::StdRng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};

use super::records::{CONTACT, DEAL, HubspotData, Objects, Owner, Pipeline, Record, Stage, TASK, hubspot_time};
use super::task_seed;
use crate::sandbox::data::floor_hour;
use crate::sandbox::mailchimp::seed::KnownPerson;
use crate::sandbox::mailchimp::store::MemberStatus;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// Live contacts, ids 1 to 20,000.
pub(crate) const CONTACTS: usize = 20_000;
/// Archived contacts, ids after the live ones; listed only with `archived=true`.
pub(crate) const ARCHIVED_CONTACTS: usize = 40;
pub(crate) const DEALS: usize = 320;
/// The first deal id; deals count up from here.
pub(crate) const FIRST_DEAL_ID: u64 = 5_000_001;
/// Contacts that are never planted: the first page stays clean.
const CLEAN_PREFIX: usize = 100;

/// How many records carry each planted problem in the HubSpot sandbox (see
/// the module documentation of `sandbox::hubspot::seed` for what each one
/// looks like). Fixed: the seed decides which records, never how many.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Planted {
    pub contacts: usize,
    pub archived_contacts: usize,
    pub exact_duplicate_pairs: usize,
    pub case_whitespace_pairs: usize,
    pub plus_address_pairs: usize,
    pub name_company_pairs: usize,
    /// Of each kind: missing `@`, inner space, double dot, trailing dot.
    pub invalid_emails: usize,
    pub missing_lifecycle: usize,
    pub unowned_leads: usize,
    pub stale: usize,
    pub unsubscribed_still_marketable: usize,
    pub cleaned_still_active: usize,
    pub unsubscribed_and_opted_out: usize,
    pub newsletter_subscribed: usize,
    pub unicode_emails: usize,
    pub mixed_case_emails: usize,
    pub deals: usize,
    pub deals_without_contacts: usize,
    pub owners: usize,
    pub archived_owners: usize,
    /// CRM tasks, all live; open ones are every status but COMPLETED.
    pub tasks: usize,
    /// `tasks_overdue + tasks_due_today + tasks_upcoming`.
    pub tasks_open: usize,
    pub tasks_completed: usize,
    /// Open and due 1 h to 20 days before the start (UTC).
    pub tasks_overdue: usize,
    /// Open and due after the start, before the next midnight UTC, for a
    /// sandbox started before 23:00 UTC; [`Planted::tasks_due_today_at`]
    /// gives the number for any start.
    pub tasks_due_today: usize,
    /// Open and due from the next midnight UTC on, within four weeks, for a
    /// start before 23:00 UTC; see [`Planted::tasks_upcoming_at`].
    pub tasks_upcoming: usize,
    /// Open tasks without an owner (one overdue task).
    pub tasks_unowned: usize,
    /// The demo's overdue task, HIGH priority, about 27 h overdue.
    pub demo_task_id: u64,
    pub demo_task_subject: &'static str,
}

impl Planted {
    /// [`Planted::tasks_due_today`] for a sandbox started at `start`: none
    /// from 23:00 UTC, when less than an hour of the day is left.
    pub fn tasks_due_today_at(&self, start: Timestamp) -> usize {
        if task_seed::due_today_fits(floor_hour(start).as_millisecond()) {
            self.tasks_due_today
        } else {
            0
        }
    }

    /// [`Planted::tasks_upcoming`] for a sandbox started at `start`: the
    /// tasks that do not fit in the day are due the next morning.
    pub fn tasks_upcoming_at(&self, start: Timestamp) -> usize {
        self.tasks_upcoming + self.tasks_due_today - self.tasks_due_today_at(start)
    }
}

const PLANTED: Planted = Planted {
    contacts: CONTACTS,
    archived_contacts: ARCHIVED_CONTACTS,
    exact_duplicate_pairs: 120,
    case_whitespace_pairs: 80,
    plus_address_pairs: 50,
    name_company_pairs: 60,
    invalid_emails: 25,
    missing_lifecycle: 300,
    unowned_leads: 150,
    stale: 400,
    unsubscribed_still_marketable: 37,
    cleaned_still_active: 23,
    unsubscribed_and_opted_out: 15,
    newsletter_subscribed: 1_200,
    unicode_emails: 30,
    mixed_case_emails: 40,
    deals: DEALS,
    deals_without_contacts: 18,
    owners: 7,
    archived_owners: 1,
    tasks: task_seed::TASKS,
    tasks_open: task_seed::OVERDUE + task_seed::DUE_TODAY + task_seed::UPCOMING,
    tasks_completed: task_seed::COMPLETED,
    tasks_overdue: task_seed::OVERDUE,
    tasks_due_today: task_seed::DUE_TODAY,
    tasks_upcoming: task_seed::UPCOMING,
    tasks_unowned: task_seed::UNOWNED,
    demo_task_id: task_seed::FIRST_TASK_ID,
    demo_task_subject: task_seed::DEMO_TASK_SUBJECT,
};

/// The planted problems' counts, for tests and documentation.
pub(crate) const fn planted() -> Planted {
    PLANTED
}

/// What the seed produces: the portal and the contacts to put into the
/// Mailchimp sandbox's first audience, with their status there.
pub(crate) struct Seeded {
    pub(crate) data: HubspotData,
    pub(crate) newsletter: Vec<KnownPerson>,
}

/// A contact while it is being generated.
struct Draft {
    first: String,
    last: String,
    company: &'static str,
    email: String,
    stage: Option<&'static str>,
    owner: Option<&'static str>,
    optout: bool,
    created: i64,
    modified: i64,
}

pub(crate) fn generate(rng: &mut StdRng, anchor: Timestamp) -> Seeded {
    let anchor = anchor.as_millisecond();
    let portal_id = rng.random_range(20_000_000..49_999_999u64);
    let mut names = HashSet::with_capacity(CONTACTS + ARCHIVED_CONTACTS);
    let mut drafts: Vec<Draft> = (0..CONTACTS + ARCHIVED_CONTACTS)
        .map(|_| base_draft(rng, anchor, &mut names))
        .collect();

    let mut order: Vec<usize> = (CLEAN_PREFIX..CONTACTS).collect();
    order.shuffle(rng);
    let mut pool = order.into_iter();
    let mut take = |n: usize| -> Vec<usize> { pool.by_ref().take(n).collect() };
    let p = PLANTED;

    for (original, copy) in pairs(&take(p.exact_duplicate_pairs * 2)) {
        let email = drafts[original].email.clone();
        copy_person(&mut drafts, original, copy, email);
    }
    for (k, (original, copy)) in pairs(&take(p.case_whitespace_pairs * 2)).into_iter().enumerate() {
        let email = &drafts[original].email;
        let email = if k % 2 == 0 {
            capitalise_parts(email)
        } else {
            format!(" {email} ")
        };
        copy_person(&mut drafts, original, copy, email);
    }
    for (original, copy) in pairs(&take(p.plus_address_pairs * 2)) {
        let email = drafts[original].email.replacen('@', "+news@", 1);
        copy_person(&mut drafts, original, copy, email);
    }
    // The pair number keeps these personal addresses unique.
    for (k, (original, copy)) in pairs(&take(p.name_company_pairs * 2)).into_iter().enumerate() {
        let d = &drafts[original];
        let email = format!("{}{}{k}@homemail.example", ascii_lower(&d.first), ascii_lower(&d.last));
        copy_person(&mut drafts, original, copy, email);
    }
    for i in take(p.invalid_emails) {
        drafts[i].email = drafts[i].email.replace('@', "");
    }
    for i in take(p.invalid_emails) {
        drafts[i].email = drafts[i].email.replacen('.', " ", 1);
    }
    for i in take(p.invalid_emails) {
        drafts[i].email = drafts[i].email.replacen('.', "..", 1);
    }
    for i in take(p.invalid_emails) {
        drafts[i].email.push('.');
    }
    for i in take(p.missing_lifecycle) {
        drafts[i].stage = None;
    }
    for i in take(p.unowned_leads) {
        drafts[i].stage = Some("lead");
        drafts[i].owner = None;
    }
    for i in take(p.stale) {
        let d = &mut drafts[i];
        d.modified = anchor - rng.random_range(760 * DAY_MS..1_500 * DAY_MS);
        d.created = d.modified - rng.random_range(0..400 * DAY_MS);
    }
    for i in take(p.unicode_emails) {
        let d = &mut drafts[i];
        let (first, last) = loop {
            let first = pick(rng, UNICODE_FIRST);
            let last = pick(rng, UNICODE_LAST);
            if names.insert((first.to_owned(), last.to_owned(), d.company)) {
                break (first, last);
            }
        };
        let domain = d.email.split_once('@').map_or("contoso.example", |(_, domain)| domain);
        d.email = format!("{}.{}@{domain}", first.to_lowercase(), last.to_lowercase());
        d.first = first.to_owned();
        d.last = last.to_owned();
    }
    for i in take(p.mixed_case_emails) {
        drafts[i].email = capitalise_parts(&drafts[i].email);
    }

    let mut newsletter = Vec::new();
    let mut join = |d: &Draft, status| {
        newsletter.push(KnownPerson {
            first_name: d.first.clone(),
            last_name: d.last.clone(),
            email: d.email.clone(),
            status,
        });
    };
    for i in take(p.unsubscribed_still_marketable) {
        join(&drafts[i], MemberStatus::Unsubscribed);
    }
    for i in take(p.cleaned_still_active) {
        // Active in the CRM: a stage of "other" would mark it inactive.
        if drafts[i].stage == Some("other") {
            drafts[i].stage = Some("lead");
        }
        join(&drafts[i], MemberStatus::Cleaned);
    }
    for i in take(p.unsubscribed_and_opted_out) {
        drafts[i].optout = true;
        join(&drafts[i], MemberStatus::Unsubscribed);
    }
    for i in take(p.newsletter_subscribed) {
        join(&drafts[i], MemberStatus::Subscribed);
    }
    // Some of the rest opted out of email, with no Mailchimp record at all.
    for i in take(CONTACTS / 25) {
        drafts[i].optout = true;
    }

    let owner_ids: Vec<&str> = OWNERS.iter().filter(|o| !o.archived).map(|o| o.id).collect();
    let contacts: Vec<Record> = drafts
        .into_iter()
        .enumerate()
        .map(|(i, d)| contact_record(i as u64 + 1, d, i >= CONTACTS))
        .collect();
    let pipelines = pipelines(anchor);
    let deals = generate_deals(rng, anchor, &pipelines, &owner_ids);
    let owners = OWNERS
        .iter()
        .map(|o| Owner {
            id: o.id.to_owned(),
            user_id: o.user_id,
            email: o.email.to_owned(),
            first_name: o.first.to_owned(),
            last_name: o.last.to_owned(),
            created: hubspot_time(anchor - 1_200 * DAY_MS + o.user_id as i64 % 97 * DAY_MS),
            archived: o.archived,
        })
        .collect();
    // Last, from a generator of their own: the draws above stay as they were.
    let departed = OWNERS.iter().find(|o| o.archived).map(|o| o.id);
    let tasks = task_seed::generate(&mut StdRng::from_rng(rng), anchor, ACTIVE_OWNER_IDS, departed);
    Seeded {
        data: HubspotData {
            portal_id,
            contacts: Objects::new(&CONTACT, contacts),
            deals: Objects::new(&DEAL, deals),
            tasks: Objects::new(&TASK, tasks),
            owners,
            pipelines,
        },
        newsletter,
    }
}

/// Consecutive indices as (original, copy).
fn pairs(indices: &[usize]) -> Vec<(usize, usize)> {
    indices.chunks_exact(2).map(|c| (c[0], c[1])).collect()
}

/// Makes `copy` the same person as `original`, with `email`.
fn copy_person(drafts: &mut [Draft], original: usize, copy: usize, email: String) {
    let (first, last, company) = {
        let o = &drafts[original];
        (o.first.clone(), o.last.clone(), o.company)
    };
    let c = &mut drafts[copy];
    c.first = first;
    c.last = last;
    c.company = company;
    c.email = email;
}

/// `ann.lee@contoso.example` -> `Ann.Lee@Contoso.example`.
fn capitalise_parts(email: &str) -> String {
    fn capitalise(part: &str) -> String {
        let mut chars = part.chars();
        chars
            .next()
            .map(|first| first.to_uppercase().chain(chars).collect())
            .unwrap_or_default()
    }
    let (local, domain) = email.split_once('@').unwrap_or((email, ""));
    let local: Vec<String> = local.split('.').map(capitalise).collect();
    format!("{}@{}", local.join("."), capitalise(domain))
}

fn ascii_lower(s: &str) -> String {
    s.to_ascii_lowercase()
}

fn base_draft(rng: &mut StdRng, anchor: i64, names: &mut HashSet<(String, String, &'static str)>) -> Draft {
    let (first, last, company, domain) = loop {
        let first = pick(rng, FIRST_NAMES);
        let last = pick(rng, LAST_NAMES);
        let &(company, domain) = COMPANIES.choose(rng).unwrap_or(&COMPANIES[0]);
        if names.insert((first.to_owned(), last.to_owned(), company)) {
            break (first, last, company, domain);
        }
    };
    let age = rng.random_range(30 * DAY_MS..1_500 * DAY_MS);
    let created = anchor - age;
    let modified = anchor - rng.random_range(0..age.min(600 * DAY_MS));
    Draft {
        first: first.to_owned(),
        last: last.to_owned(),
        company,
        email: format!("{}.{}@{domain}", ascii_lower(first), ascii_lower(last)),
        stage: Some(weighted_stage(rng)),
        owner: Some(pick(rng, ACTIVE_OWNER_IDS)),
        optout: false,
        created,
        modified,
    }
}

fn weighted_stage(rng: &mut StdRng) -> &'static str {
    const WEIGHTED: [(&str, u32); 8] = [
        ("subscriber", 30),
        ("lead", 25),
        ("marketingqualifiedlead", 14),
        ("salesqualifiedlead", 9),
        ("opportunity", 7),
        ("customer", 11),
        ("evangelist", 2),
        ("other", 2),
    ];
    let mut roll = rng.random_range(0..100);
    for (stage, weight) in WEIGHTED {
        if roll < weight {
            return stage;
        }
        roll -= weight;
    }
    "subscriber"
}

fn contact_record(id: u64, d: Draft, archived: bool) -> Record {
    let mut properties = std::collections::BTreeMap::new();
    properties.insert("email", d.email);
    properties.insert("firstname", d.first);
    properties.insert("lastname", d.last);
    properties.insert("company", d.company.to_owned());
    if let Some(stage) = d.stage {
        properties.insert("lifecyclestage", stage.to_owned());
    }
    if let Some(owner) = d.owner {
        properties.insert("hubspot_owner_id", owner.to_owned());
    }
    properties.insert("hs_email_optout", d.optout.to_string());
    Record {
        id,
        properties,
        created: hubspot_time(d.created),
        modified: hubspot_time(d.modified),
        archived,
        contact_ids: Vec::new(),
        merged_ids: Vec::new(),
    }
}

fn pipelines(anchor: i64) -> Vec<Pipeline> {
    let stage = |id: &str, label: &str, probability: &'static str, closed: bool| Stage {
        id: id.to_owned(),
        label: label.to_owned(),
        probability,
        closed,
    };
    let created = hubspot_time(anchor - 1_100 * DAY_MS);
    vec![
        Pipeline {
            id: "default".to_owned(),
            label: "Sales Pipeline".to_owned(),
            stages: vec![
                stage("appointmentscheduled", "Appointment Scheduled", "0.2", false),
                stage("qualifiedtobuy", "Qualified To Buy", "0.4", false),
                stage("presentationscheduled", "Presentation Scheduled", "0.6", false),
                stage("decisionmakerboughtin", "Decision Maker Bought-In", "0.8", false),
                stage("contractsent", "Contract Sent", "0.9", false),
                stage("closedwon", "Closed Won", "1.0", true),
                stage("closedlost", "Closed Lost", "0.0", true),
            ],
            created: created.clone(),
        },
        Pipeline {
            id: "31284760".to_owned(),
            label: "Renewals".to_owned(),
            stages: vec![
                stage("31284761", "Renewal Due", "0.5", false),
                stage("31284762", "Renewal In Negotiation", "0.75", false),
                stage("31284763", "Renewed", "1.0", true),
                stage("31284764", "Churned", "0.0", true),
            ],
            created,
        },
    ]
}

fn generate_deals(rng: &mut StdRng, anchor: i64, pipelines: &[Pipeline], owners: &[&str]) -> Vec<Record> {
    let mut orphans: Vec<usize> = (0..DEALS).collect();
    orphans.shuffle(rng);
    let orphans: HashSet<usize> = orphans.into_iter().take(PLANTED.deals_without_contacts).collect();
    (0..DEALS)
        .map(|i| {
            let renewal = rng.random_bool(0.3);
            let pipeline = &pipelines[usize::from(renewal)];
            let stage = pipeline.stages.choose(rng).map_or("", |s| s.id.as_str());
            let (company, _) = *COMPANIES.choose(rng).unwrap_or(&COMPANIES[0]);
            let name = if renewal {
                format!("{company} renewal")
            } else {
                format!("{company} - {}", pick(rng, DEAL_KINDS))
            };
            let created = anchor - rng.random_range(5 * DAY_MS..500 * DAY_MS);
            let modified = anchor - rng.random_range(0..(anchor - created).min(120 * DAY_MS));
            let close = created + rng.random_range(20 * DAY_MS..200 * DAY_MS);
            let amount = rng.random_range(12..900u32) * 250;
            let mut properties = std::collections::BTreeMap::new();
            properties.insert("dealname", name);
            properties.insert("amount", amount.to_string());
            properties.insert("pipeline", pipeline.id.clone());
            properties.insert("dealstage", stage.to_owned());
            properties.insert("closedate", hubspot_time(close));
            properties.insert("hubspot_owner_id", pick(rng, owners).to_owned());
            let contact_ids = if orphans.contains(&i) {
                Vec::new()
            } else {
                let mut ids: Vec<u64> = (0..rng.random_range(1..=2))
                    .map(|_| rng.random_range(1..=CONTACTS as u64))
                    .collect();
                ids.sort_unstable();
                ids.dedup();
                ids
            };
            Record {
                id: FIRST_DEAL_ID + i as u64,
                properties,
                created: hubspot_time(created),
                modified: hubspot_time(modified),
                archived: false,
                contact_ids,
                merged_ids: Vec::new(),
            }
        })
        .collect()
}

fn pick<'a>(rng: &mut StdRng, from: &[&'a str]) -> &'a str {
    from.choose(rng).copied().unwrap_or_default()
}

struct OwnerSpec {
    id: &'static str,
    user_id: u64,
    email: &'static str,
    first: &'static str,
    last: &'static str,
    archived: bool,
}

const fn owner(
    id: &'static str,
    user_id: u64,
    email: &'static str,
    first: &'static str,
    last: &'static str,
) -> OwnerSpec {
    OwnerSpec {
        id,
        user_id,
        email,
        first,
        last,
        archived: false,
    }
}

/// The same for every seed, so a config can name owners (round-robin).
const OWNERS: [OwnerSpec; 8] = [
    owner("71234501", 9_100_001, "maria.lopez@acme.example", "Maria", "Lopez"),
    owner("71234502", 9_100_002, "tom.becker@acme.example", "Tom", "Becker"),
    owner("71234503", 9_100_003, "aisha.khan@acme.example", "Aisha", "Khan"),
    owner("71234504", 9_100_004, "jonas.weber@acme.example", "Jonas", "Weber"),
    owner("71234505", 9_100_005, "sofia.rossi@acme.example", "Sofia", "Rossi"),
    owner("71234506", 9_100_006, "kenji.sato@acme.example", "Kenji", "Sato"),
    owner("71234507", 9_100_007, "nina.petrova@acme.example", "Nina", "Petrova"),
    OwnerSpec {
        archived: true,
        ..owner("71234508", 9_100_008, "paul.grant@acme.example", "Paul", "Grant")
    },
];

const ACTIVE_OWNER_IDS: &[&str] = &[
    "71234501", "71234502", "71234503", "71234504", "71234505", "71234506", "71234507",
];

const FIRST_NAMES: &[&str] = &[
    "Ada", "Bruno", "Chiara", "Dmitri", "Elena", "Farah", "Gustav", "Hana", "Ibrahim", "Jonas", "Keiko", "Liam",
    "Maya", "Nikolai", "Olivia", "Priya", "Quentin", "Rosa", "Samir", "Tove", "Uma", "Viktor", "Wen", "Xavier", "Yara",
    "Zoltan", "Amara", "Ben", "Clara", "David", "Emil", "Freya", "Georg", "Helena", "Ivan", "Julia", "Karim", "Lena",
    "Marco", "Nora",
];

const LAST_NAMES: &[&str] = &[
    "Andersen",
    "Baptiste",
    "Castillo",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ivanova",
    "Jensen",
    "Kowalski",
    "Lindqvist",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Petrov",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Varga",
    "Abbott",
    "Brennan",
    "Costa",
    "Delgado",
    "Ek",
    "Ferreira",
    "Gallo",
    "Horvat",
    "Iqbal",
    "Janssen",
    "Keller",
    "Lambert",
    "Mendes",
    "Novak",
    "Ortiz",
    "Pereira",
    "Quinn",
    "Romero",
    "Silva",
    "Tran",
];

const UNICODE_FIRST: &[&str] = &[
    "Zoë",
    "José",
    "Søren",
    "Łukasz",
    "Chloé",
    "Björn",
    "Ana-María",
    "Jürgen",
];
const UNICODE_LAST: &[&str] = &["Müller", "Østergaard", "Núñez", "Çelik", "Dvořák", "Ångström", "Łęcki"];

/// Company names with mail domains (reserved `.example` names) that the
/// Mailchimp seed never generates, so only planted overlaps exist.
const COMPANIES: &[(&str, &str)] = &[
    ("Northwind Traders", "northwind.example"),
    ("Contoso", "contoso.example"),
    ("Fabrikam", "fabrikam.example"),
    ("Tailspin Toys", "tailspin.example"),
    ("Wingtip Toys", "wingtip.example"),
    ("Adventure Works", "adventure-works.example"),
    ("Litware", "litware.example"),
    ("Proseware", "proseware.example"),
    ("Woodgrove Bank", "woodgrove.example"),
    ("Fourth Coffee", "fourthcoffee.example"),
    ("Lamna Healthcare", "lamna.example"),
    ("Alpine Ski House", "alpineskihouse.example"),
    ("Blue Yonder Airlines", "blueyonder.example"),
    ("Coho Winery", "cohowinery.example"),
    ("Humongous Insurance", "humongous.example"),
    ("Lucerne Publishing", "lucerne.example"),
    ("Trey Research", "treyresearch.example"),
    ("Wide World Importers", "wideworld.example"),
    ("Vandelay Industries", "vandelay.example"),
    ("Stark Logistics", "stark.example"),
    ("Soylent", "soylent.example"),
    ("Cyberdyne Systems", "cyberdyne.example"),
    ("Wonka Industries", "wonka.example"),
    ("Tyrell Corporation", "tyrell.example"),
    ("Massive Dynamic", "massive.example"),
    ("Oscorp", "oscorp.example"),
    ("Dunder Mifflin", "dundermifflin.example"),
    ("Pied Piper", "piedpiper.example"),
    ("Sterling Cooper", "sterlingcooper.example"),
    ("Bluth Company", "bluth.example"),
];

const DEAL_KINDS: &[&str] = &["new business", "expansion", "pilot", "enterprise plan", "add-on seats"];

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use rand::SeedableRng;

    use super::*;

    fn anchor() -> Timestamp {
        "2025-06-18T14:00:00Z".parse().unwrap()
    }

    fn portal(seed: u64) -> Seeded {
        generate(&mut StdRng::seed_from_u64(seed), anchor())
    }

    fn live(s: &Seeded) -> Vec<&Record> {
        s.data.contacts.records.values().filter(|r| !r.archived).collect()
    }

    /// Groups of more than one live contact by `key`; panics on a group of three or more.
    fn pair_count(contacts: &[&Record], key: impl Fn(&Record) -> Option<String>) -> usize {
        let mut groups: HashMap<String, usize> = HashMap::new();
        for c in contacts {
            if let Some(k) = key(c) {
                *groups.entry(k).or_default() += 1;
            }
        }
        assert!(groups.values().all(|&n| n <= 2), "a group of three or more");
        groups.values().filter(|&&n| n == 2).count()
    }

    fn email(r: &Record) -> &str {
        r.get("email").unwrap_or_default()
    }

    fn normal(r: &Record) -> String {
        email(r).trim().to_lowercase()
    }

    #[test]
    fn the_planted_problems_come_in_the_documented_numbers() {
        let p = planted();
        for seed in [1, 7] {
            let s = portal(seed);
            let c = live(&s);
            assert_eq!(c.len(), p.contacts);
            assert_eq!(s.data.contacts.records.len(), p.contacts + p.archived_contacts);

            let exact = pair_count(&c, |r| Some(email(r).to_owned()));
            assert_eq!(exact, p.exact_duplicate_pairs);
            let normalised = pair_count(&c, |r| Some(normal(r)));
            assert_eq!(normalised, p.exact_duplicate_pairs + p.case_whitespace_pairs);
            let unplussed = pair_count(&c, |r| {
                let e = normal(r);
                Some(match (e.split_once('+'), e.split_once('@')) {
                    (Some((local, _)), Some((_, domain))) => format!("{local}@{domain}"),
                    _ => e,
                })
            });
            assert_eq!(
                unplussed,
                p.exact_duplicate_pairs + p.case_whitespace_pairs + p.plus_address_pairs
            );
            let by_name = pair_count(&c, |r| {
                Some(format!(
                    "{:?}",
                    (r.get("firstname"), r.get("lastname"), r.get("company"))
                ))
            });
            assert_eq!(
                by_name,
                p.exact_duplicate_pairs + p.case_whitespace_pairs + p.plus_address_pairs + p.name_company_pairs
            );

            let count = |f: &dyn Fn(&Record) -> bool| c.iter().filter(|r| f(r)).count();
            assert_eq!(count(&|r| !email(r).contains('@')), p.invalid_emails);
            assert_eq!(count(&|r| email(r).trim().contains(' ')), p.invalid_emails);
            assert_eq!(count(&|r| email(r).contains("..")), p.invalid_emails);
            assert_eq!(count(&|r| email(r).ends_with('.')), p.invalid_emails);
            assert_eq!(count(&|r| email(r) != email(r).trim()), p.case_whitespace_pairs / 2);
            assert_eq!(count(&|r| !email(r).is_ascii()), p.unicode_emails);
            assert_eq!(
                count(&|r| email(r) != email(r).to_lowercase()),
                p.mixed_case_emails + p.case_whitespace_pairs / 2
            );
            assert_eq!(count(&|r| r.get("lifecyclestage").is_none()), p.missing_lifecycle);
            assert_eq!(count(&|r| r.get("hubspot_owner_id").is_none()), p.unowned_leads);
            assert_eq!(
                count(&|r| r.get("hubspot_owner_id").is_none() && r.get("lifecyclestage") == Some("lead")),
                p.unowned_leads
            );
            let stale_before = hubspot_time(anchor().as_millisecond() - 730 * DAY_MS);
            let recent_enough = hubspot_time(anchor().as_millisecond() - 600 * DAY_MS);
            assert_eq!(count(&|r| r.modified < stale_before), p.stale);
            assert_eq!(count(&|r| r.modified < recent_enough), p.stale);
            assert!(c.iter().all(|r| r.created <= r.modified));

            let orphans = s
                .data
                .deals
                .records
                .values()
                .filter(|d| d.contact_ids.is_empty())
                .count();
            assert_eq!(s.data.deals.records.len(), p.deals);
            assert_eq!(orphans, p.deals_without_contacts);
            let owners = &s.data.owners;
            assert_eq!(owners.iter().filter(|o| !o.archived).count(), p.owners);
            assert_eq!(owners.iter().filter(|o| o.archived).count(), p.archived_owners);
        }
    }

    #[test]
    fn newsletter_people_are_clean_contacts_with_planted_statuses() {
        let p = planted();
        let s = portal(3);
        let by_email: HashMap<&str, &Record> = live(&s).into_iter().map(|r| (email(r), r)).collect();
        let mut counts: HashMap<(&str, bool), usize> = HashMap::new();
        for person in &s.newsletter {
            let contact = by_email[person.email.as_str()];
            let opted_out = contact.get("hs_email_optout") == Some("true");
            *counts.entry((person.status.key(), opted_out)).or_default() += 1;
        }
        assert_eq!(counts[&("unsubscribed", false)], p.unsubscribed_still_marketable);
        assert_eq!(counts[&("cleaned", false)], p.cleaned_still_active);
        assert_eq!(counts[&("unsubscribed", true)], p.unsubscribed_and_opted_out);
        assert_eq!(counts[&("subscribed", false)], p.newsletter_subscribed);
        assert_eq!(counts.len(), 4, "{counts:?}");
    }

    #[test]
    fn same_seed_same_portal_and_the_first_page_is_clean() {
        let (a, b) = (portal(11), portal(11));
        assert_eq!(a.data, b.data);
        assert_ne!(a.data.contacts, portal(12).data.contacts);
        for r in a.data.contacts.records.values().take(CLEAN_PREFIX) {
            for name in [
                "email",
                "firstname",
                "lastname",
                "company",
                "lifecyclestage",
                "hubspot_owner_id",
            ] {
                assert!(r.get(name).is_some(), "{name} missing on {}", r.id);
            }
            assert!(email(r).is_ascii() && email(r) == email(r).to_lowercase());
        }
    }

    #[test]
    fn deals_point_at_live_contacts_and_known_stages() {
        let s = portal(5);
        for deal in s.data.deals.records.values() {
            for id in &deal.contact_ids {
                assert!(s.data.contacts.live(*id).is_some(), "deal {} -> {id}", deal.id);
            }
            let pipeline = s
                .data
                .pipelines
                .iter()
                .find(|p| Some(p.id.as_str()) == deal.get("pipeline"))
                .unwrap();
            assert!(
                pipeline
                    .stages
                    .iter()
                    .any(|st| Some(st.id.as_str()) == deal.get("dealstage"))
            );
        }
    }

    #[test]
    fn capitalising_changes_only_case() {
        assert_eq!(capitalise_parts("ann.lee@contoso.example"), "Ann.Lee@Contoso.example");
    }
}
