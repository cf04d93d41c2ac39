//! Which fault is active where: the table shared by the middleware and the
//! control endpoint, keyed by source and optional endpoint path.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::{Fault, FaultParseError, TargetParseError, source_of};
use crate::sandbox::source::Source;

/// Where a fault applies: a whole source, or the requests whose path below
/// the source's prefix starts with `path` (segment by segment). Spelled
/// `hubspot` or `hubspot/crm/v3/objects/tasks/search`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct FaultTarget {
    source: Source,
    /// Normalised: starts with `/`, no trailing `/`, never just `/`.
    path: Option<String>,
}

impl FaultTarget {
    /// `path` is below the source's prefix (`/crm/v3/...` for HubSpot); empty
    /// or `/` means the whole source.
    pub(crate) fn scoped(source: Source, path: &str) -> Result<Self, FaultParseError> {
        Ok(FaultTarget {
            source,
            path: normalise(source, path)?,
        })
    }

    pub(crate) fn source(&self) -> Source {
        self.source
    }

    /// How specific a match on `request_path` is: `None` when it does not
    /// apply, else the length of the matched prefix (0 for source-wide).
    fn specificity(&self, source: Source, request_path: &str) -> Option<usize> {
        if self.source != source {
            return None;
        }
        let Some(path) = &self.path else {
            return Some(0);
        };
        let rest = request_path.strip_prefix(path.as_str())?;
        (rest.is_empty() || rest.starts_with('/')).then_some(path.len())
    }
}

fn normalise(source: Source, raw: &str) -> Result<Option<String>, FaultParseError> {
    let raw = raw.trim();
    let bad = |reason: String| FaultParseError::BadPath {
        path: raw.to_owned(),
        reason,
    };
    if raw.is_empty() {
        return Ok(None);
    }
    let Some(below) = raw.strip_prefix('/') else {
        return Err(bad("must start with /".to_owned()));
    };
    if let Some(c) = raw
        .chars()
        .find(|c| matches!(c, '?' | '#' | '=') || c.is_whitespace() || c.is_control())
    {
        return Err(bad(format!("holds {c:?}; give only the path, without query")));
    }
    let mut segments: Vec<&str> = below.split('/').collect();
    if segments.last() == Some(&"") {
        segments.pop();
    }
    if segments.iter().any(|s| s.is_empty() || *s == "." || *s == "..") {
        return Err(bad("has an empty, `.` or `..` segment".to_owned()));
    }
    if segments.first() == Some(&source.name()) {
        return Err(bad(format!(
            "is matched below /{name}: leave out the /{name} prefix",
            name = source.name()
        )));
    }
    if segments.is_empty() {
        return Ok(None);
    }
    Ok(Some(format!("/{}", segments.join("/"))))
}

impl fmt::Display for FaultTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.source.name())?;
        match &self.path {
            Some(path) => f.write_str(path),
            None => Ok(()),
        }
    }
}

impl FromStr for FaultTarget {
    type Err = TargetParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (source, path) = source_of(s.trim())?;
        Ok(FaultTarget::scoped(source, path.unwrap_or(""))?)
    }
}

/// The active faults, shared by the middleware and the control endpoint.
#[derive(Debug, Default)]
pub(crate) struct FaultTable {
    active: Mutex<BTreeMap<FaultTarget, Fault>>,
}

impl FaultTable {
    // A poisoned lock only means another request panicked mid-update of a
    // plain map, which is still consistent: keep serving.
    fn lock(&self) -> MutexGuard<'_, BTreeMap<FaultTarget, Fault>> {
        self.active.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sets or replaces the fault of `target`. An empty burst clears it.
    pub(crate) fn set(&self, target: FaultTarget, fault: Fault) {
        let mut active = self.lock();
        if matches!(fault, Fault::Burst { count: 0, .. }) {
            active.remove(&target);
        } else {
            active.insert(target, fault);
        }
    }

    /// Returns the fault that was active on exactly `target`, if any.
    pub(crate) fn clear(&self, target: &FaultTarget) -> Option<Fault> {
        self.lock().remove(target)
    }

    /// Clears the source-wide and every endpoint fault of `source`.
    pub(crate) fn clear_source(&self, source: Source) -> Vec<(FaultTarget, Fault)> {
        let mut active = self.lock();
        let (cleared, kept) = std::mem::take(&mut *active)
            .into_iter()
            .partition(|(target, _)| target.source() == source);
        *active = kept;
        cleared.into_iter().collect()
    }

    /// Clears every fault.
    pub(crate) fn clear_all(&self) -> Vec<(FaultTarget, Fault)> {
        std::mem::take(&mut *self.lock()).into_iter().collect()
    }

    /// The fault for one request to `request_path` (below the source's
    /// prefix): the one with the longest matching path, else the
    /// source-wide one. A burst answering this request counts down, and
    /// clears once spent.
    pub(crate) fn take(&self, source: Source, request_path: &str) -> Option<Fault> {
        let mut active = self.lock();
        let (target, fault) = active
            .iter()
            .filter_map(|(target, fault)| Some((target.specificity(source, request_path)?, target, *fault)))
            .max_by_key(|(specificity, _, _)| *specificity)
            .map(|(_, target, fault)| (target.clone(), fault))?;
        if let Fault::Burst { count, code } = fault {
            match count.checked_sub(1).filter(|left| *left > 0) {
                Some(left) => {
                    active.insert(target, Fault::Burst { count: left, code });
                }
                None => {
                    active.remove(&target);
                }
            }
        }
        Some(fault)
    }

    /// Active faults by target spelling (`hubspot`,
    /// `hubspot/crm/v3/objects/tasks/search`), sorted.
    pub(crate) fn snapshot(&self) -> BTreeMap<String, String> {
        self.lock()
            .iter()
            .map(|(target, fault)| (target.to_string(), fault.to_string()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(s: &str) -> FaultTarget {
        s.parse().unwrap()
    }

    #[test]
    fn targets_normalise_and_round_trip() {
        assert_eq!(target("hubspot").to_string(), "hubspot");
        assert_eq!(target("hubspot/").to_string(), "hubspot");
        assert_eq!(target("hubspot/crm/v3/").to_string(), "hubspot/crm/v3");
        assert_eq!(
            FaultTarget::scoped(Source::Hubspot, "/crm/v3/objects/tasks/search").unwrap(),
            target("hubspot/crm/v3/objects/tasks/search")
        );
        assert_eq!(FaultTarget::scoped(Source::Website, "").unwrap(), target("website"));
    }

    #[test]
    fn bad_paths_are_refused_with_a_reason() {
        for (path, reason) in [
            ("crm/v3", "must start with /"),
            ("/crm?limit=1", "without query"),
            ("/crm//v3", "empty"),
            ("/crm/../owners", "`..`"),
            ("/hubspot/crm", "leave out the /hubspot prefix"),
        ] {
            let err = FaultTarget::scoped(Source::Hubspot, path).unwrap_err().to_string();
            assert!(err.contains(reason), "{path}: {err}");
        }
    }

    #[test]
    fn the_most_specific_path_wins_and_prefixes_match_whole_segments() {
        let table = FaultTable::default();
        table.set(target("hubspot"), Fault::Status { code: 503 });
        table.set(target("hubspot/crm/v3/objects/tasks"), Fault::Hang);
        table.set(target("hubspot/crm/v3/objects/tasks/search"), Fault::Reset);
        let at = |path| table.take(Source::Hubspot, path);
        assert_eq!(at("/crm/v3/objects/tasks/search"), Some(Fault::Reset));
        assert_eq!(at("/crm/v3/objects/tasks/7"), Some(Fault::Hang));
        assert_eq!(at("/crm/v3/objects/tasks"), Some(Fault::Hang));
        assert_eq!(at("/crm/v3/objects/tasksearch"), Some(Fault::Status { code: 503 }));
        assert_eq!(at("/crm/v3/objects/contacts"), Some(Fault::Status { code: 503 }));
        assert_eq!(table.take(Source::Mailchimp, "/crm/v3/objects/tasks"), None);
    }

    #[test]
    fn bursts_count_down_and_clear_themselves() {
        let table = FaultTable::default();
        table.set(target("wordpress"), Fault::Burst { count: 2, code: 502 });
        assert_eq!(table.snapshot()["wordpress"], "burst:2:502");
        assert_eq!(
            table.take(Source::Wordpress, "/"),
            Some(Fault::Burst { count: 2, code: 502 })
        );
        assert_eq!(table.snapshot()["wordpress"], "burst:1:502");
        assert!(table.take(Source::Wordpress, "/").is_some());
        assert_eq!(table.take(Source::Wordpress, "/"), None);
        assert!(table.snapshot().is_empty());
        table.set(target("wordpress"), Fault::Burst { count: 0, code: 502 });
        assert!(table.snapshot().is_empty());
    }

    #[test]
    fn table_sets_lists_and_clears() {
        let table = FaultTable::default();
        table.set(target("wordpress"), Fault::Auth);
        table.set(target("mailchimp"), Fault::Hang);
        table.set(target("mailchimp/3.0/lists"), Fault::Truncate);
        let listed: Vec<_> = table.snapshot().into_iter().collect();
        assert_eq!(
            listed,
            vec![
                ("mailchimp".to_owned(), "hang".to_owned()),
                ("mailchimp/3.0/lists".to_owned(), "truncate".to_owned()),
                ("wordpress".to_owned(), "auth".to_owned()),
            ]
        );
        assert_eq!(table.clear(&target("mailchimp/3.0/lists")), Some(Fault::Truncate));
        assert_eq!(table.take(Source::Mailchimp, "/3.0/lists"), Some(Fault::Hang));
        table.set(target("mailchimp/3.0/lists"), Fault::Truncate);
        assert_eq!(table.clear_source(Source::Mailchimp).len(), 2);
        assert_eq!(table.take(Source::Mailchimp, "/3.0/lists"), None);
        assert_eq!(table.take(Source::Wordpress, "/"), Some(Fault::Auth));
        assert_eq!(table.clear_all().len(), 1);
        assert!(table.snapshot().is_empty());
    }
}
