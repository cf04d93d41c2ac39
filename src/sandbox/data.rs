//! Everything the seed decides: credentials and each vendor's records.
//!
//! Each part draws from its own generator, split off a master generator in a
//! fixed order, so adding data to one vendor later does not change the
//! credentials or another vendor's records for the same seed.

use std::collections::BTreeMap;

use jiff::Timestamp;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};

use super::creds::Credentials;
use super::mailchimp::seed::{self, KnownPerson};
use super::mailchimp::store::MailchimpData;

/// Number of HubSpot contacts in the base data set.
const CONTACTS: usize = 25;
/// 2023-01-01T00:00:00Z: generated dates are offsets from a fixed instant,
/// never from the clock, so a seed always yields the same records.
const EPOCH_MS: i64 = 1_672_531_200_000;
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

pub(crate) struct Seeded {
    pub(crate) creds: Credentials,
    pub(crate) mailchimp: MailchimpAccount,
    pub(crate) hubspot: HubspotData,
    pub(crate) mailchimp_data: MailchimpData,
}

impl Seeded {
    /// `start` anchors the records that must sit around the present
    /// (scheduled sends ahead, this month's sends behind); it is rounded down
    /// to the hour, so the same seed within one hour gives the same records.
    pub(crate) fn generate(seed: u64, start: Timestamp) -> Seeded {
        let mut master = StdRng::seed_from_u64(seed);
        let creds = Credentials::generate(&mut StdRng::from_rng(&mut master));
        let mailchimp = MailchimpAccount::generate(&mut StdRng::from_rng(&mut master));
        let hubspot = HubspotData::generate(&mut StdRng::from_rng(&mut master));
        let known: Vec<KnownPerson> = hubspot.contacts.iter().filter_map(Contact::person).collect();
        let mailchimp_data = seed::generate(&mut StdRng::from_rng(&mut master), floor_hour(start), &known);
        Seeded {
            creds,
            mailchimp,
            hubspot,
            mailchimp_data,
        }
    }
}

/// `t` rounded down to the whole hour.
pub(crate) fn floor_hour(t: Timestamp) -> Timestamp {
    Timestamp::from_second(t.as_second().div_euclid(3600) * 3600).unwrap_or(t)
}

/// The Mailchimp account behind the API key (`GET /3.0/`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MailchimpAccount {
    pub(crate) account_id: String,
    pub(crate) login_id: String,
    pub(crate) account_name: String,
    pub(crate) email: String,
    pub(crate) first_name: String,
    pub(crate) last_name: String,
    pub(crate) member_since: String,
    pub(crate) last_login: String,
}

impl MailchimpAccount {
    fn generate(rng: &mut StdRng) -> MailchimpAccount {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let account_id = (0..25)
            .map(|_| char::from(HEX[rng.random_range(0..HEX.len())]))
            .collect();
        let first_name = pick(rng, FIRST_NAMES);
        let last_name = pick(rng, LAST_NAMES);
        let member_since = EPOCH_MS - rng.random_range(400..1500) * DAY_MS;
        let last_login = EPOCH_MS + rng.random_range(500..560) * DAY_MS;
        MailchimpAccount {
            account_id,
            login_id: rng.random_range(100_000_000..999_999_999u64).to_string(),
            account_name: "Acme Marketing".to_owned(),
            email: "marketing-ops@acme.example".to_owned(),
            first_name: first_name.to_owned(),
            last_name: last_name.to_owned(),
            member_since: mailchimp_time(member_since),
            last_login: mailchimp_time(last_login),
        }
    }
}

/// HubSpot CRM records, ordered by id. Later issues add deals, tasks and
/// many more contacts here.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct HubspotData {
    pub(crate) contacts: Vec<Contact>,
}

/// A CRM object as HubSpot stores it: string (or null) properties plus metadata.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Contact {
    pub(crate) id: u64,
    pub(crate) properties: BTreeMap<String, Option<String>>,
    pub(crate) created_at: String,
    pub(crate) updated_at: String,
    pub(crate) archived: bool,
}

impl HubspotData {
    fn generate(rng: &mut StdRng) -> HubspotData {
        let contacts = (1..=CONTACTS as u64).map(|id| Contact::generate(rng, id)).collect();
        HubspotData { contacts }
    }
}

impl Contact {
    fn person(&self) -> Option<KnownPerson> {
        let get = |name: &str| self.properties.get(name).cloned().flatten();
        Some(KnownPerson {
            first_name: get("firstname").unwrap_or_default(),
            last_name: get("lastname").unwrap_or_default(),
            email: get("email")?,
        })
    }

    fn generate(rng: &mut StdRng, id: u64) -> Contact {
        let first = pick(rng, FIRST_NAMES);
        let last = pick(rng, LAST_NAMES);
        let (company, domain) = *COMPANIES.choose(rng).unwrap_or(&COMPANIES[0]);
        let email = format!("{}.{}@{domain}", first.to_lowercase(), last.to_lowercase());
        let created = EPOCH_MS + rng.random_range(0..540 * DAY_MS);
        let modified = created + rng.random_range(0..180 * DAY_MS);
        let (created, modified) = (hubspot_time(created), hubspot_time(modified));
        let stage = pick(rng, LIFECYCLE_STAGES);
        let owner = pick(rng, OWNER_IDS);
        let opted_out = rng.random_bool(0.1);

        let mut properties = BTreeMap::new();
        let mut set = |name: &str, value: &str| {
            properties.insert(name.to_owned(), Some(value.to_owned()));
        };
        set("email", &email);
        set("firstname", first);
        set("lastname", last);
        set("company", company);
        set("lifecyclestage", stage);
        set("hubspot_owner_id", owner);
        set("hs_email_optout", if opted_out { "true" } else { "false" });
        set("createdate", &created);
        set("lastmodifieddate", &modified);
        set("hs_lastmodifieddate", &modified);
        set("hs_object_id", &id.to_string());
        Contact {
            id,
            properties,
            created_at: created,
            updated_at: modified,
            archived: false,
        }
    }
}

fn pick(rng: &mut StdRng, from: &[&'static str]) -> &'static str {
    from.choose(rng).copied().unwrap_or_default()
}

/// HubSpot's format: RFC 3339 UTC with milliseconds, `2024-03-14T09:21:33.123Z`.
fn hubspot_time(ms: i64) -> String {
    Timestamp::from_millisecond(ms)
        .unwrap_or(Timestamp::UNIX_EPOCH)
        .strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// Mailchimp's format: `2024-03-14T09:21:33+00:00`.
fn mailchimp_time(ms: i64) -> String {
    Timestamp::from_millisecond(ms)
        .unwrap_or(Timestamp::UNIX_EPOCH)
        .strftime("%Y-%m-%dT%H:%M:%S+00:00")
        .to_string()
}

const FIRST_NAMES: &[&str] = &[
    "Ada", "Bruno", "Chiara", "Dmitri", "Elena", "Farah", "Gustav", "Hana", "Ibrahim", "Jonas", "Keiko", "Liam",
    "Maya", "Nikolai", "Olivia", "Priya", "Quentin", "Rosa", "Samir", "Tove",
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
];

/// Company names with their mail domains (reserved `.example` names).
const COMPANIES: &[(&str, &str)] = &[
    ("Globex", "globex.example"),
    ("Initech", "initech.example"),
    ("Umbrella Retail", "umbrella.example"),
    ("Hooli", "hooli.example"),
    ("Vandelay Industries", "vandelay.example"),
    ("Stark Logistics", "stark.example"),
];

const LIFECYCLE_STAGES: &[&str] = &[
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
];

const OWNER_IDS: &[&str] = &["71234501", "71234502", "71234503"];

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    #[test]
    fn same_seed_same_everything() {
        let start: Timestamp = "2025-06-18T14:35:12Z".parse().unwrap();
        let later: Timestamp = "2025-06-18T14:59:59Z".parse().unwrap();
        let (a, b) = (Seeded::generate(42, start), Seeded::generate(42, later));
        assert_eq!(
            a.creds.mailchimp_api_key.expose_secret(),
            b.creds.mailchimp_api_key.expose_secret()
        );
        assert_eq!(a.mailchimp, b.mailchimp);
        assert_eq!(a.hubspot, b.hubspot);
        assert_eq!(a.mailchimp_data, b.mailchimp_data);
    }

    #[test]
    fn different_seed_different_data() {
        let start = Timestamp::UNIX_EPOCH;
        let (a, b) = (Seeded::generate(1, start), Seeded::generate(2, start));
        assert_ne!(
            a.creds.hubspot_token.expose_secret(),
            b.creds.hubspot_token.expose_secret()
        );
        assert_ne!(a.mailchimp.account_id, b.mailchimp.account_id);
        assert_ne!(a.hubspot, b.hubspot);
    }

    #[test]
    fn contacts_are_ordered_and_consistent() {
        let data = HubspotData::generate(&mut StdRng::seed_from_u64(5));
        assert_eq!(data.contacts.len(), CONTACTS);
        for (i, c) in data.contacts.iter().enumerate() {
            assert_eq!(c.id, i as u64 + 1);
            assert_eq!(c.properties["hs_object_id"].as_deref(), Some(c.id.to_string().as_str()));
            assert!(c.updated_at >= c.created_at);
            let email = c.properties["email"].as_deref().unwrap();
            assert!(email.ends_with(".example") && email.contains('@'), "{email}");
        }
    }

    #[test]
    fn times_use_the_vendor_formats() {
        assert_eq!(hubspot_time(EPOCH_MS + 123), "2023-01-01T00:00:00.123Z");
        assert_eq!(mailchimp_time(EPOCH_MS), "2023-01-01T00:00:00+00:00");
    }
}
