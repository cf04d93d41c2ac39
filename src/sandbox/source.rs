//! The simulated sources, one per path prefix.

use std::fmt;
use std::str::FromStr;

/// Every source the sandbox serves, by the path prefix it lives under.
pub const SOURCES: [&str; 4] = ["mailchimp", "hubspot", "wordpress", "website"];

/// A source of the sandbox; its name is its path prefix and its `--fault` key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Source {
    Mailchimp,
    Hubspot,
    Wordpress,
    Website,
}

impl Source {
    pub(crate) const ALL: [Source; 4] = [Source::Mailchimp, Source::Hubspot, Source::Wordpress, Source::Website];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Source::Mailchimp => SOURCES[0],
            Source::Hubspot => SOURCES[1],
            Source::Wordpress => SOURCES[2],
            Source::Website => SOURCES[3],
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is not in [`SOURCES`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown source {name:?}; known sources: {}", SOURCES.join(", "))]
pub(crate) struct UnknownSource {
    pub(crate) name: String,
}

impl FromStr for Source {
    type Err = UnknownSource;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Source::ALL
            .into_iter()
            .find(|source| source.name() == s)
            .ok_or_else(|| UnknownSource { name: s.to_owned() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_sources() {
        for (source, name) in Source::ALL.into_iter().zip(SOURCES) {
            assert_eq!(source.name(), name);
            assert_eq!(name.parse::<Source>(), Ok(source));
        }
    }

    #[test]
    fn unknown_source_lists_the_known_ones() {
        let err = "mailchump".parse::<Source>().unwrap_err();
        let text = err.to_string();
        assert!(text.contains("\"mailchump\""), "{text}");
        assert!(text.contains("mailchimp, hubspot, wordpress, website"), "{text}");
    }
}
