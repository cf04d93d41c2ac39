//! Everything the seed decides: credentials and each vendor's records.
//!
//! Each part draws from its own generator, split off a master generator in a
//! fixed order, so adding data to one vendor later does not change the
//! credentials or another vendor's records for the same seed.

use jiff::Timestamp;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};

use super::creds::Credentials;
use super::hubspot::records::HubspotData;
use super::hubspot::seed as hubspot_seed;
use super::mailchimp::seed;
use super::mailchimp::store::MailchimpData;

/// 2023-01-01T00:00:00Z: the account's dates are offsets from a fixed
/// instant, never from the clock, so a seed always yields the same account.
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
        let anchor = floor_hour(start);
        let hubspot = hubspot_seed::generate(&mut StdRng::from_rng(&mut master), anchor);
        let mailchimp_data = seed::generate(&mut StdRng::from_rng(&mut master), anchor, &hubspot.newsletter);
        Seeded {
            creds,
            mailchimp,
            hubspot: hubspot.data,
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

fn pick(rng: &mut StdRng, from: &[&'static str]) -> &'static str {
    from.choose(rng).copied().unwrap_or_default()
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
    fn only_the_planted_newsletter_people_overlap_with_mailchimp() {
        use std::collections::HashMap;

        let p = super::super::hubspot::seed::planted();
        let s = Seeded::generate(8, "2025-06-18T14:00:00Z".parse().unwrap());
        let contacts: HashMap<String, bool> = s
            .hubspot
            .contacts
            .records
            .values()
            .filter(|r| !r.archived)
            .filter_map(|r| {
                Some((
                    r.get("email")?.trim().to_lowercase(),
                    r.get("hs_email_optout") == Some("true"),
                ))
            })
            .collect();
        let mut counts: HashMap<(usize, &str, bool), usize> = HashMap::new();
        for (i, list) in s.mailchimp_data.lists.iter().enumerate() {
            for m in &list.members {
                if let Some(&opted_out) = contacts.get(&m.email.to_lowercase()) {
                    *counts.entry((i, m.status.key(), opted_out)).or_default() += 1;
                }
            }
        }
        let expected = HashMap::from([
            ((0, "unsubscribed", false), p.unsubscribed_still_marketable),
            ((0, "cleaned", false), p.cleaned_still_active),
            ((0, "unsubscribed", true), p.unsubscribed_and_opted_out),
            ((0, "subscribed", false), p.newsletter_subscribed),
        ]);
        assert_eq!(counts, expected);
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
    fn times_use_the_vendor_formats() {
        assert_eq!(mailchimp_time(EPOCH_MS), "2023-01-01T00:00:00+00:00");
    }
}
