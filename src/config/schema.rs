//! Which keys exist where, which source kinds accept them, and near-miss hints.

use crate::model::SourceKind;

use SourceKind::{Http, Hubspot, Mailchimp, Wordpress};

pub(crate) const TOP_KEYS: &[&str] = &[
    "title", "readonly", "defaults", "source", "pipeline", "quality", "queues", "notify", "ui", "keys",
];
pub(crate) const DEFAULTS_KEYS: &[&str] = &["interval", "timeout", "slow"];
pub(crate) const PIPELINE_KEYS: &[&str] = &["thresholds", "campaign"];
pub(crate) const THRESHOLD_KEYS: &[&str] = &[
    "bounce_rate",
    "unsubscribe_rate",
    "churn",
    "open_rate_min",
    "click_rate_min",
];
pub(crate) const CAMPAIGN_KEYS: &[&str] = &["id", "cost", "revenue"];
pub(crate) const QUALITY_KEYS: &[&str] = &["stale_after", "rules"];
pub(crate) const QUEUES_KEYS: &[&str] = &["stale_draft_after", "scheduled_within"];
/// Keys of one `[quality.rules.<rule>]` table.
pub(crate) const RULE_KEYS: &[&str] = &["enabled", "severity"];
pub(crate) const SECRET_KEYS: &[&str] = &["env", "file"];

/// A `[[source]]` key and the kinds that accept it.
pub(crate) struct FieldSpec {
    pub key: &'static str,
    pub kinds: &'static [SourceKind],
}

const ALL: &[SourceKind] = &SourceKind::ALL;
const VENDORS: &[SourceKind] = &[Mailchimp, Hubspot, Wordpress];

pub(crate) const SOURCE_FIELDS: &[FieldSpec] = &[
    FieldSpec {
        key: "name",
        kinds: ALL,
    },
    FieldSpec {
        key: "kind",
        kinds: ALL,
    },
    FieldSpec {
        key: "base_url",
        kinds: VENDORS,
    },
    FieldSpec {
        key: "interval",
        kinds: ALL,
    },
    FieldSpec {
        key: "timeout",
        kinds: ALL,
    },
    FieldSpec {
        key: "slow",
        kinds: ALL,
    },
    FieldSpec {
        key: "api_key",
        kinds: &[Mailchimp],
    },
    FieldSpec {
        key: "test_emails",
        kinds: &[Mailchimp],
    },
    FieldSpec {
        key: "token",
        kinds: &[Hubspot],
    },
    FieldSpec {
        key: "tier",
        kinds: &[Hubspot],
    },
    FieldSpec {
        key: "rate_limit",
        kinds: &[Hubspot],
    },
    FieldSpec {
        key: "round_robin",
        kinds: &[Hubspot],
    },
    FieldSpec {
        key: "user",
        kinds: &[Wordpress],
    },
    FieldSpec {
        key: "app_password",
        kinds: &[Wordpress],
    },
    FieldSpec {
        key: "url",
        kinds: &[Http],
    },
    FieldSpec {
        key: "expect_status",
        kinds: &[Http],
    },
    FieldSpec {
        key: "expect_body",
        kinds: &[Http],
    },
    FieldSpec {
        key: "allow_insecure",
        kinds: ALL,
    },
];

pub(crate) fn source_field(key: &str) -> Option<&'static FieldSpec> {
    SOURCE_FIELDS.iter().find(|f| f.key == key)
}

/// The keys a source of `kind` accepts (every key when the kind is unknown).
pub(crate) fn source_keys(kind: Option<SourceKind>) -> Vec<&'static str> {
    SOURCE_FIELDS
        .iter()
        .filter(|f| kind.is_none_or(|k| f.kinds.contains(&k)))
        .map(|f| f.key)
        .collect()
}

/// Keys a source of this kind cannot do without.
pub(crate) fn required_keys(kind: SourceKind) -> &'static [&'static str] {
    match kind {
        Mailchimp => &["api_key"],
        Hubspot => &["token"],
        Wordpress => &["base_url", "user", "app_password"],
        Http => &["url"],
    }
}

/// The environment variable a starter config would use for a secret key.
pub(crate) fn suggested_env(key: &str) -> &'static str {
    match key {
        "api_key" => "MAILCHIMP_API_KEY",
        "token" => "HUBSPOT_TOKEN",
        "app_password" => "WP_APP_PASSWORD",
        _ => "MOPS_SECRET",
    }
}

/// "hubspot", "mailchimp or hubspot", "mailchimp, hubspot or wordpress".
pub(crate) fn kinds_phrase(kinds: &[SourceKind]) -> String {
    let keys: Vec<&str> = kinds.iter().map(|k| k.key()).collect();
    match keys.split_last() {
        None => String::new(),
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

pub(crate) fn parse_kind(text: &str) -> Option<SourceKind> {
    SourceKind::ALL.into_iter().find(|k| k.key() == text)
}

/// The candidate closest to `word` when it is plausibly a typo of it.
pub(crate) fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let lower = word.to_lowercase();
    let (best, distance) = candidates
        .iter()
        .map(|c| (*c, strsim::damerau_levenshtein(&lower, c)))
        .min_by_key(|(_, d)| *d)?;
    let allowed = match best.chars().count() {
        0..=2 => 0,
        3..=4 => 1,
        _ => 2,
    };
    (distance <= allowed && best != word).then_some(best)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_misses_only() {
        assert_eq!(closest("intervall", DEFAULTS_KEYS), Some("interval"));
        assert_eq!(closest("timout", DEFAULTS_KEYS), Some("timeout"));
        assert_eq!(closest("Interval", DEFAULTS_KEYS), Some("interval"));
        assert_eq!(closest("hubpsot", &["mailchimp", "hubspot"]), Some("hubspot"));
        assert_eq!(closest("colour", DEFAULTS_KEYS), None);
        assert_eq!(closest("interval", DEFAULTS_KEYS), None);
        assert_eq!(closest("bounce_rat", THRESHOLD_KEYS), Some("bounce_rate"));
        assert_eq!(closest("unsubscribe", THRESHOLD_KEYS), None);
        assert_eq!(closest("campaigns", PIPELINE_KEYS), Some("campaign"));
    }

    #[test]
    fn kind_specific_keys() {
        let mailchimp = source_keys(Some(Mailchimp));
        assert!(mailchimp.contains(&"api_key") && mailchimp.contains(&"base_url"));
        assert!(!mailchimp.contains(&"tier"));
        assert!(mailchimp.contains(&"test_emails"));
        assert!(!source_keys(Some(Hubspot)).contains(&"test_emails"));
        assert!(!source_keys(Some(Http)).contains(&"base_url"));
        assert_eq!(source_keys(None).len(), SOURCE_FIELDS.len());
    }

    #[test]
    fn phrases_kind_lists() {
        assert_eq!(kinds_phrase(&[Hubspot]), "hubspot");
        assert_eq!(kinds_phrase(VENDORS), "mailchimp, hubspot or wordpress");
    }
}
