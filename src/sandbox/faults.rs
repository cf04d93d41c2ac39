//! Injected faults: what they are, how they are spelled, and the middleware
//! that applies them to the routes of a source.
//!
//! A fault is set per source (`--fault SOURCE=KIND`, or `PUT
//! /_sandbox/faults/{source}` with `{"kind": "KIND"}`) or per endpoint of a
//! source (`--fault SOURCE/PATH=KIND`, or the same PUT with `"path": "/PATH"`).
//! `PATH` is a prefix of the request path below the source's own prefix,
//! matched segment by segment: `hubspot/crm/v3/objects/tasks` covers
//! `/hubspot/crm/v3/objects/tasks/search` and `/hubspot/crm/v3/objects/tasks/7`,
//! not `/hubspot/crm/v3/objects/contacts`. A source can have one source-wide
//! fault and one fault per path at once; a request gets the fault of the
//! longest matching path, else the source-wide one.
//!
//! Kinds (case-insensitive; `Display` gives the spelling back):
//!
//! | Kind | What the client sees |
//! |------|----------------------|
//! | `latency:MS` | the normal answer after `MS` milliseconds (at most 600000) |
//! | `hang` | nothing, ever: its timeout has to fire |
//! | `reset` | the connection closed before any response: a reset / incomplete message |
//! | `drip:BYTES_PER_SEC` | the normal answer, sent in small chunks at that rate (1 to 100000000), so a total timeout fires when the body takes longer than it |
//! | `status:CODE` | `CODE` (400-599) with the vendor's error body, until cleared |
//! | `burst:N:CODE` | `CODE` (500-599) with the vendor's error body for the next `N` requests (1-1000000), then normal answers: the fault clears itself |
//! | `ratelimit:SECONDS` | 429 with `Retry-After: SECONDS` and the vendor's 429 body (and HubSpot's limit headers) |
//! | `auth` | the vendor's 401 for a revoked key, on every request until cleared |
//! | `revoke` | alias of `auth` (which already persists until cleared); listed as `auth` |
//! | `malformed` | 200 `application/json` whose complete body is the first half of the normal answer: invalid JSON |
//! | `truncate` | 200 with the full `Content-Length` of the normal answer but only its first half, then the connection closes: a truncated body / unexpected EOF |
//! | `oversize:MB` | 200 `application/json`, `MB` MiB (1-256) of valid JSON, streamed without `Content-Length`: the normal answer with a huge `sandbox_padding` string inserted |
//! | `drift:missing` | the normal JSON answer with `id` (else its first scalar field, in key order) removed from every object |
//! | `drift:extra` | the normal JSON answer with an unknown `sandbox_drift_extra` field added to every object |
//! | `drift:null` | the normal JSON answer with every scalar field of every object set to `null` |
//! | `drift:strings` | the normal JSON answer with every number turned into a string (`42` -> `"42"`) |
//! | `drift:enum` | the normal JSON answer with enum-like values (fields named `*status`, `*type`, `*state`, `*stage`, `*priority`, `*category`) replaced by `SANDBOX_UNKNOWN_VALUE` |
//!
//! Answers that are not JSON (the website's HTML page) pass `drift` unchanged.

mod bodies;
mod drift;
mod middleware;
mod table;

use std::fmt;
use std::str::FromStr;

use super::source::{Source, UnknownSource};

pub(crate) use middleware::{FaultCtx, apply};
pub(crate) use table::{FaultTable, FaultTarget};

/// The spellings of every fault kind, for help and error messages; see the
/// module documentation for what each does.
pub const FAULT_KINDS: [&str; 13] = [
    "latency:MS",
    "hang",
    "reset",
    "drip:BYTES_PER_SEC",
    "status:CODE",
    "burst:N:CODE",
    "ratelimit:SECONDS",
    "auth",
    "revoke",
    "malformed",
    "truncate",
    "oversize:MB",
    "drift:missing|extra|null|strings|enum",
];

/// Longest accepted `latency:MS`, so a typo cannot park a client for days.
const MAX_LATENCY_MS: u64 = 10 * 60 * 1000;
/// Longest accepted `ratelimit:SECONDS` (one day).
const MAX_RETRY_AFTER_SECS: u64 = 24 * 60 * 60;
/// Largest `oversize:MB`: big enough to trip any sane body cap, small enough
/// to stream quickly over loopback.
const MAX_OVERSIZE_MB: u64 = 256;
/// Longest `burst:N:CODE`.
const MAX_BURST: u64 = 1_000_000;
/// Fastest `drip:BYTES_PER_SEC` (100 MB/s; beyond that it is no longer slow).
const MAX_DRIP_RATE: u64 = 100_000_000;

/// A way a source misbehaves. Spelled as in `--fault SOURCE=KIND`; `Display`
/// gives the same spelling back (`revoke` comes back as `auth`). What each
/// kind looks like on the wire is tabled at the top of `src/sandbox/faults.rs`;
/// [`FAULT_KINDS`] lists the spellings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Wait `ms` milliseconds, then answer normally.
    Latency { ms: u64 },
    /// Never answer: the client's timeout has to fire.
    Hang,
    /// Close the connection without sending a response.
    Reset,
    /// Send the normal answer at `bytes_per_sec`.
    Drip { bytes_per_sec: u64 },
    /// Answer `code` (400-599) with the vendor's error body.
    Status { code: u16 },
    /// Answer `code` (500-599) with the vendor's error body `count` more
    /// times, then clear.
    Burst { count: u64, code: u16 },
    /// Answer 429 with `Retry-After: seconds` and the vendor's 429 body.
    RateLimit { seconds: u64 },
    /// Answer 401 as for a revoked key, with the vendor's 401 body, until
    /// cleared. Also spelled `revoke`.
    Auth,
    /// Answer 200 `application/json` with a complete body holding the first
    /// half of the normal answer.
    Malformed,
    /// Announce the normal answer's full length, send half, close.
    Truncate,
    /// Answer 200 with `mb` MiB of valid JSON.
    Oversize { mb: u64 },
    /// Answer normally, with the JSON transformed.
    Drift(Drift),
}

/// How [`Fault::Drift`] changes the normal JSON answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drift {
    /// `id` (else its first scalar field) removed from every object.
    Missing,
    /// An unknown field added to every object.
    Extra,
    /// Every scalar field of every object set to `null`.
    Null,
    /// Every number turned into a string.
    Strings,
    /// Enum-like string fields set to a value no client knows.
    Enum,
}

impl Drift {
    const ALL: [Drift; 5] = [Drift::Missing, Drift::Extra, Drift::Null, Drift::Strings, Drift::Enum];

    fn name(self) -> &'static str {
        match self {
            Drift::Missing => "missing",
            Drift::Extra => "extra",
            Drift::Null => "null",
            Drift::Strings => "strings",
            Drift::Enum => "enum",
        }
    }
}

/// Why a fault spelling was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FaultParseError {
    #[error("unknown fault kind {0:?}; kinds: {kinds}", kinds = FAULT_KINDS.join(", "))]
    UnknownKind(String),
    #[error("fault kind {kind:?} needs a value, as in {example}")]
    MissingValue { kind: &'static str, example: &'static str },
    #[error("fault kind {kind:?} takes no value (got {value:?})")]
    UnexpectedValue { kind: &'static str, value: String },
    #[error("bad value {value:?} for fault kind {kind:?}: {reason}")]
    BadValue {
        kind: &'static str,
        value: String,
        reason: String,
    },
    #[error("bad fault path {path:?}: {reason}")]
    BadPath { path: String, reason: String },
}

impl FromStr for Fault {
    type Err = FaultParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (kind, value) = match s.split_once(':') {
            Some((kind, value)) => (kind.trim(), Some(value.trim())),
            None => (s, None),
        };
        match kind.to_ascii_lowercase().as_str() {
            "latency" => {
                let ms = number("latency", value, "latency:800", 0..=MAX_LATENCY_MS)?;
                Ok(Fault::Latency { ms })
            }
            "drip" => {
                let bytes_per_sec = number("drip", value, "drip:200", 1..=MAX_DRIP_RATE)?;
                Ok(Fault::Drip { bytes_per_sec })
            }
            "status" => {
                let code = number("status", value, "status:503", 400..=599)?;
                // Within 400..=599, so it fits a u16.
                Ok(Fault::Status { code: code as u16 })
            }
            "burst" => burst(value),
            "ratelimit" => {
                let seconds = number("ratelimit", value, "ratelimit:30", 0..=MAX_RETRY_AFTER_SECS)?;
                Ok(Fault::RateLimit { seconds })
            }
            "oversize" => {
                let mb = number("oversize", value, "oversize:64", 1..=MAX_OVERSIZE_MB)?;
                Ok(Fault::Oversize { mb })
            }
            "drift" => drift(value),
            "hang" => no_value("hang", value).map(|()| Fault::Hang),
            "reset" => no_value("reset", value).map(|()| Fault::Reset),
            "auth" => no_value("auth", value).map(|()| Fault::Auth),
            "revoke" => no_value("revoke", value).map(|()| Fault::Auth),
            "malformed" => no_value("malformed", value).map(|()| Fault::Malformed),
            "truncate" => no_value("truncate", value).map(|()| Fault::Truncate),
            _ => Err(FaultParseError::UnknownKind(s.to_owned())),
        }
    }
}

fn burst(value: Option<&str>) -> Result<Fault, FaultParseError> {
    const EXAMPLE: &str = "burst:3:503";
    let value = value.filter(|v| !v.is_empty()).ok_or(FaultParseError::MissingValue {
        kind: "burst",
        example: EXAMPLE,
    })?;
    let (count, code) = value.split_once(':').ok_or_else(|| FaultParseError::BadValue {
        kind: "burst",
        value: value.to_owned(),
        reason: format!("expected N:CODE, as in {EXAMPLE}"),
    })?;
    let count = number("burst", Some(count.trim()), EXAMPLE, 1..=MAX_BURST)?;
    let code = number("burst", Some(code.trim()), EXAMPLE, 500..=599)?;
    // Within 500..=599, so it fits a u16.
    Ok(Fault::Burst {
        count,
        code: code as u16,
    })
}

fn drift(value: Option<&str>) -> Result<Fault, FaultParseError> {
    let value = value.filter(|v| !v.is_empty()).ok_or(FaultParseError::MissingValue {
        kind: "drift",
        example: "drift:missing",
    })?;
    Drift::ALL
        .into_iter()
        .find(|d| d.name().eq_ignore_ascii_case(value))
        .map(Fault::Drift)
        .ok_or_else(|| FaultParseError::BadValue {
            kind: "drift",
            value: value.to_owned(),
            reason: format!("expected one of {}", Drift::ALL.map(Drift::name).join(", ")),
        })
}

fn number(
    kind: &'static str,
    value: Option<&str>,
    example: &'static str,
    range: std::ops::RangeInclusive<u64>,
) -> Result<u64, FaultParseError> {
    let value = value
        .filter(|v| !v.is_empty())
        .ok_or(FaultParseError::MissingValue { kind, example })?;
    let bad = |reason: String| FaultParseError::BadValue {
        kind,
        value: value.to_owned(),
        reason,
    };
    let n: u64 = value.parse().map_err(|_| bad("not a whole number".to_owned()))?;
    if range.contains(&n) {
        Ok(n)
    } else {
        Err(bad(format!("must be between {} and {}", range.start(), range.end())))
    }
}

fn no_value(kind: &'static str, value: Option<&str>) -> Result<(), FaultParseError> {
    match value {
        None => Ok(()),
        Some(value) => Err(FaultParseError::UnexpectedValue {
            kind,
            value: value.to_owned(),
        }),
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Latency { ms } => write!(f, "latency:{ms}"),
            Fault::Hang => f.write_str("hang"),
            Fault::Reset => f.write_str("reset"),
            Fault::Drip { bytes_per_sec } => write!(f, "drip:{bytes_per_sec}"),
            Fault::Status { code } => write!(f, "status:{code}"),
            Fault::Burst { count, code } => write!(f, "burst:{count}:{code}"),
            Fault::RateLimit { seconds } => write!(f, "ratelimit:{seconds}"),
            Fault::Auth => f.write_str("auth"),
            Fault::Malformed => f.write_str("malformed"),
            Fault::Truncate => f.write_str("truncate"),
            Fault::Oversize { mb } => write!(f, "oversize:{mb}"),
            Fault::Drift(drift) => write!(f, "drift:{}", drift.name()),
        }
    }
}

/// Parses `SOURCE=KIND` or `SOURCE/PATH=KIND` as given to `--fault`; usable
/// as a clap `value_parser`. The first element is the target as the sandbox
/// lists it (`hubspot`, `hubspot/crm/v3/objects/tasks/search`), ready for
/// [`SandboxOptions::faults`](super::SandboxOptions::faults).
pub fn parse_fault_arg(arg: &str) -> Result<(String, Fault), String> {
    // At the last `=`: a kind never holds one, so a stray `=` shows up as a bad path.
    let (target, kind) = arg
        .rsplit_once('=')
        .ok_or_else(|| format!("expected SOURCE=KIND or SOURCE/PATH=KIND, e.g. hubspot=status:503 (got {arg:?})"))?;
    let target: FaultTarget = target.trim().parse().map_err(|e: TargetParseError| e.to_string())?;
    let fault = kind.parse::<Fault>().map_err(|e| e.to_string())?;
    Ok((target.to_string(), fault))
}

/// Why a `SOURCE` or `SOURCE/PATH` fault target was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum TargetParseError {
    #[error(transparent)]
    Source(#[from] UnknownSource),
    #[error(transparent)]
    Path(#[from] FaultParseError),
}

/// The source named by the part of a target before its first `/`.
fn source_of(target: &str) -> Result<(Source, Option<&str>), UnknownSource> {
    match target.find('/') {
        Some(slash) => Ok((target[..slash].parse()?, Some(&target[slash..]))),
        None => Ok((target.parse()?, None)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_kinds() -> Vec<Fault> {
        let mut faults = vec![
            Fault::Latency { ms: 800 },
            Fault::Hang,
            Fault::Reset,
            Fault::Drip { bytes_per_sec: 200 },
            Fault::Status { code: 503 },
            Fault::Burst { count: 3, code: 502 },
            Fault::RateLimit { seconds: 30 },
            Fault::Auth,
            Fault::Malformed,
            Fault::Truncate,
            Fault::Oversize { mb: 64 },
        ];
        faults.extend(Drift::ALL.map(Fault::Drift));
        faults
    }

    #[test]
    fn every_kind_round_trips_through_display() {
        for fault in all_kinds() {
            assert_eq!(fault.to_string().parse::<Fault>(), Ok(fault));
        }
    }

    #[test]
    fn every_listed_kind_parses_once_its_placeholders_are_filled() {
        for spelling in FAULT_KINDS {
            let filled = spelling
                .replace("|extra|null|strings|enum", "")
                .replace("BYTES_PER_SEC", "100")
                .replace("SECONDS", "5")
                .replace("N:CODE", "2:503")
                .replace("CODE", "503")
                .replace("MS", "5")
                .replace("MB", "1");
            assert!(filled.parse::<Fault>().is_ok(), "{spelling} -> {filled}");
        }
    }

    #[test]
    fn revoke_is_auth() {
        assert_eq!("revoke".parse(), Ok(Fault::Auth));
        assert_eq!(Fault::Auth.to_string(), "auth");
    }

    #[test]
    fn parsing_tolerates_case_and_spaces() {
        assert_eq!(" Status : 502 ".parse(), Ok(Fault::Status { code: 502 }));
        assert_eq!("HANG".parse(), Ok(Fault::Hang));
        assert_eq!("Drift:NULL".parse(), Ok(Fault::Drift(Drift::Null)));
        assert_eq!("burst: 4 : 500".parse(), Ok(Fault::Burst { count: 4, code: 500 }));
    }

    fn error(spelling: &str) -> String {
        spelling.parse::<Fault>().unwrap_err().to_string()
    }

    #[test]
    fn bad_spellings_say_what_is_wrong() {
        let err = error("slow");
        assert!(err.contains(&FAULT_KINDS.join(", ")), "{err}");
        assert!(error("latency").contains("latency:800"));
        assert!(error("status:200").contains("between 400 and 599"));
        assert!(error("latency:fast").contains("not a whole number"));
        assert!(error("hang:5").contains("takes no value"));
    }

    #[test]
    fn bad_spellings_of_the_new_kinds_name_the_kind() {
        for (spelling, wanted) in [
            ("reset:now", "\"reset\" takes no value"),
            ("truncate:1", "\"truncate\" takes no value"),
            ("revoke:x", "\"revoke\" takes no value"),
            ("burst", "\"burst\" needs a value, as in burst:3:503"),
            ("burst:3", "expected N:CODE"),
            ("burst:0:503", "between 1 and 1000000"),
            ("burst:3:404", "between 500 and 599"),
            ("oversize", "\"oversize\" needs a value"),
            ("oversize:0", "between 1 and 256"),
            ("oversize:257", "between 1 and 256"),
            ("drip:0", "\"drip\""),
            ("drip:slow", "not a whole number"),
            ("drift", "\"drift\" needs a value"),
            ("drift:sideways", "expected one of missing, extra, null, strings, enum"),
        ] {
            let err = error(spelling);
            assert!(err.contains(wanted), "{spelling}: {err}");
        }
    }

    #[test]
    fn parse_fault_arg_checks_source_path_and_kind() {
        assert_eq!(
            parse_fault_arg("hubspot=ratelimit:7"),
            Ok(("hubspot".to_owned(), Fault::RateLimit { seconds: 7 }))
        );
        assert_eq!(
            parse_fault_arg("hubspot/crm/v3/objects/tasks/search/=status:500"),
            Ok((
                "hubspot/crm/v3/objects/tasks/search".to_owned(),
                Fault::Status { code: 500 }
            ))
        );
        let err = parse_fault_arg("salesforce=hang").unwrap_err();
        assert!(err.contains("mailchimp, hubspot, wordpress, website"), "{err}");
        let err = parse_fault_arg("salesforce/x=hang").unwrap_err();
        assert!(err.contains("salesforce"), "{err}");
        assert!(parse_fault_arg("hubspot").unwrap_err().contains("SOURCE=KIND"));
        assert!(
            parse_fault_arg("hubspot=boom")
                .unwrap_err()
                .contains("unknown fault kind")
        );
        let err = parse_fault_arg("hubspot/crm?x=1=hang").unwrap_err();
        assert!(err.contains("bad fault path"), "{err}");
    }
}
