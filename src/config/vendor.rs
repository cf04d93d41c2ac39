//! Vendor defaults that follow from config values (see API-FACTS.md).

use secrecy::{ExposeSecret, SecretString};
use url::Url;

/// HubSpot's API base when a source sets no `base_url`.
pub const HUBSPOT_BASE_URL: &str = "https://api.hubapi.com";

/// Mailchimp's base URL for an API key: the data centre is the key's suffix
/// (`abc123-us14` -> `https://us14.api.mailchimp.com/3.0`). `None` when the key
/// has no well-formed suffix; then the source needs an explicit `base_url`.
pub fn mailchimp_base_url(api_key: &SecretString) -> Option<Url> {
    let (_, dc) = api_key.expose_secret().rsplit_once('-')?;
    // A data centre is letters then digits ("us14"); anything else would let a
    // malformed key steer requests to another host.
    let letters = dc.chars().take_while(char::is_ascii_lowercase).count();
    let digits = dc.len() - letters;
    if letters == 0 || digits == 0 || !dc[letters..].chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Url::parse(&format!("https://{dc}.api.mailchimp.com/3.0")).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mailchimp_data_centre_comes_from_the_key_suffix() {
        let key = SecretString::from("0123456789abcdef-us14");
        assert_eq!(
            mailchimp_base_url(&key).map(String::from),
            Some("https://us14.api.mailchimp.com/3.0".to_owned())
        );
        for bad in ["nodash", "abc-", "abc-14", "abc-us", "abc-us14.evil.com", "abc-US14"] {
            assert_eq!(mailchimp_base_url(&SecretString::from(bad)), None, "{bad}");
        }
    }
}
