//! The sandbox's credentials, generated from the seed and shaped like the real ones.

use std::fmt;

use rand::Rng;
use rand::rngs::StdRng;
use secrecy::{ExposeSecret, SecretString};

/// The Mailchimp data centre in the sandbox's API key (`...-us21`).
pub const MAILCHIMP_DATA_CENTER: &str = "us21";

/// The WordPress user that owns the sandbox's application password.
pub const WORDPRESS_USER: &str = "ops-bot";

/// The keys the sandbox accepts. `Debug` masks every secret.
#[derive(Clone)]
pub struct Credentials {
    /// 32 lowercase hex characters, then `-us21`.
    pub mailchimp_api_key: SecretString,
    /// A HubSpot private-app token, `pat-na1-` then a UUID.
    pub hubspot_token: SecretString,
    pub wordpress_user: String,
    /// Six groups of four letters and digits, separated by spaces, as WordPress shows it.
    pub wordpress_app_password: SecretString,
}

impl Credentials {
    pub(crate) fn generate(rng: &mut StdRng) -> Credentials {
        let mailchimp = format!("{}-{MAILCHIMP_DATA_CENTER}", hex(rng, 32));
        let uuid = uuid::Builder::from_random_bytes(rng.random()).into_uuid();
        let hubspot = format!("pat-na1-{}", uuid.hyphenated());
        Credentials {
            mailchimp_api_key: SecretString::from(mailchimp),
            hubspot_token: SecretString::from(hubspot),
            wordpress_user: WORDPRESS_USER.to_owned(),
            wordpress_app_password: SecretString::from(wordpress_app_password(rng)),
        }
    }

    /// True when `presented` is the Mailchimp key.
    pub(crate) fn mailchimp_key_matches(&self, presented: &str) -> bool {
        constant_time_eq(presented, self.mailchimp_api_key.expose_secret())
    }

    pub(crate) fn hubspot_token_matches(&self, presented: &str) -> bool {
        constant_time_eq(presented, self.hubspot_token.expose_secret())
    }

    /// WordPress strips everything but letters and digits from an application
    /// password before checking it, so the spaced and unspaced forms both work.
    pub(crate) fn wordpress_password_matches(&self, presented: &str) -> bool {
        let clean = |s: &str| s.chars().filter(char::is_ascii_alphanumeric).collect::<String>();
        constant_time_eq(&clean(presented), &clean(self.wordpress_app_password.expose_secret()))
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("mailchimp_api_key", &"***")
            .field("hubspot_token", &"***")
            .field("wordpress_user", &self.wordpress_user)
            .field("wordpress_app_password", &"***")
            .finish()
    }
}

fn hex(rng: &mut StdRng, len: usize) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    (0..len)
        .map(|_| char::from(HEX[rng.random_range(0..HEX.len())]))
        .collect()
}

fn wordpress_app_password(rng: &mut StdRng) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let chars: Vec<char> = (0..24)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect();
    chars
        .chunks(4)
        .map(|group| group.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Compares without an early exit, so response timing does not leak how much
/// of a guessed key was right.
fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    fn creds(seed: u64) -> Credentials {
        Credentials::generate(&mut StdRng::seed_from_u64(seed))
    }

    #[test]
    fn shapes_match_the_vendors() {
        let c = creds(7);
        let key = c.mailchimp_api_key.expose_secret();
        let (hex_part, dc) = key.split_once('-').unwrap();
        assert_eq!(dc, "us21");
        assert_eq!(hex_part.len(), 32);
        assert!(
            hex_part
                .chars()
                .all(|ch| ch.is_ascii_hexdigit() && !ch.is_ascii_uppercase())
        );

        let token = c.hubspot_token.expose_secret();
        let uuid = token.strip_prefix("pat-na1-").unwrap();
        assert!(uuid::Uuid::parse_str(uuid).is_ok(), "{uuid}");

        let password = c.wordpress_app_password.expose_secret();
        let groups: Vec<&str> = password.split(' ').collect();
        assert_eq!(groups.len(), 6);
        assert!(
            groups
                .iter()
                .all(|g| g.len() == 4 && g.chars().all(|ch| ch.is_ascii_alphanumeric()))
        );
        assert_eq!(c.wordpress_user, "ops-bot");
    }

    #[test]
    fn wordpress_password_accepts_spaced_and_unspaced_forms() {
        let c = creds(1);
        let spaced = c.wordpress_app_password.expose_secret().to_owned();
        assert!(c.wordpress_password_matches(&spaced));
        assert!(c.wordpress_password_matches(&spaced.replace(' ', "")));
        assert!(!c.wordpress_password_matches("abcd EFGH ijkl MNOP qrst UVWX"));
    }

    #[test]
    fn debug_masks_every_secret() {
        let c = creds(3);
        let debug = format!("{c:?}");
        assert!(!debug.contains(c.mailchimp_api_key.expose_secret()), "{debug}");
        assert!(!debug.contains(c.hubspot_token.expose_secret()), "{debug}");
        assert!(!debug.contains(c.wordpress_app_password.expose_secret()), "{debug}");
        assert!(debug.contains("ops-bot"));
    }

    #[test]
    fn constant_time_eq_compares_content_and_length() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "abcd"));
    }
}
