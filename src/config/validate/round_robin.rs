//! `round_robin` on hubspot sources: the owners `assign round-robin` rotates over.

use toml::de::DeValue;

use super::{Validator, Value, found};
use crate::config::email::is_plausible_email;

impl Validator<'_> {
    /// Owner emails or numeric owner ids, each once. Entries are pointed at
    /// by position, never echoed: they are personal data.
    pub(super) fn owners(&mut self, field: &str, value: &Value<'_>) -> Option<Vec<String>> {
        const SHAPE: &str = "an owner's email like \"ann@acme.example\" or a numeric owner id like \"123\"";
        let items = self.list(
            field,
            value,
            "a list of owners like [\"ann@acme.example\", \"123\"]",
            Some("the list is empty; name at least one owner, or leave round_robin out"),
        )?;
        let before = self.problems.len();
        // (entry number, owner), so a repeat names the entry it repeats.
        let mut owners: Vec<(usize, String)> = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            let at = item.span().start;
            let entry = index + 1;
            let DeValue::String(text) = item.get_ref() else {
                self.push(
                    at,
                    field,
                    format!("entry {entry}: expected {SHAPE}, found {}", found(item.get_ref())),
                );
                continue;
            };
            let owner = text.trim();
            let is_id = !owner.is_empty() && owner.chars().all(|c| c.is_ascii_digit());
            if owner.is_empty() {
                self.push(at, field, format!("entry {entry} is empty; write {SHAPE}"));
                continue;
            }
            if !is_id && !is_plausible_email(owner) {
                self.push(
                    at,
                    field,
                    format!("entry {entry} is neither an email nor a numeric id; write {SHAPE}"),
                );
                continue;
            }
            if let Some((first, _)) = owners.iter().find(|(_, o)| o.eq_ignore_ascii_case(owner)) {
                self.push(
                    at,
                    field,
                    format!(
                        "entry {entry} repeats entry {first}; list each owner once (a repeat would get twice the share)"
                    ),
                );
                continue;
            }
            owners.push((entry, owner.to_owned()));
        }
        (self.problems.len() == before).then(|| owners.into_iter().map(|(_, o)| o).collect())
    }
}
