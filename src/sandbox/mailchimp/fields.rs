//! Mailchimp's `fields` and `exclude_fields` query parameters: comma lists of
//! dotted paths (`campaigns.settings.title`) that trim a response body.
//! Arrays are transparent: `campaigns.id` applies to every campaign.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// A set of dotted paths as a tree; an empty tree at a key means "the whole value".
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Paths(BTreeMap<String, Paths>);

impl Paths {
    /// Parses `a.b,c`; blank entries are ignored. A path that is a prefix of
    /// another wins: `campaigns,campaigns.id` keeps whole campaigns.
    pub(crate) fn parse(list: &str) -> Paths {
        let mut root = Paths::default();
        for path in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let segments: Vec<&str> = path.split('.').filter(|s| !s.is_empty()).collect();
            root.insert(&segments);
        }
        root
    }

    fn insert(&mut self, segments: &[&str]) {
        let Some((first, rest)) = segments.split_first() else {
            return;
        };
        match self.0.get_mut(*first) {
            // Already kept whole.
            Some(existing) if existing.0.is_empty() => {}
            Some(existing) if rest.is_empty() => existing.0.clear(),
            Some(existing) => existing.insert(rest),
            None => {
                let mut child = Paths::default();
                child.insert(rest);
                self.0.insert((*first).to_owned(), child);
            }
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Applies `fields` (keep only) then `exclude_fields` (drop) to `body`.
pub(crate) fn trim(body: Value, fields: Option<&str>, exclude_fields: Option<&str>) -> Value {
    let mut body = match fields.map(Paths::parse) {
        Some(keep) if !keep.is_empty() => include(&body, &keep),
        _ => body,
    };
    if let Some(drop) = exclude_fields.map(Paths::parse) {
        exclude(&mut body, &drop);
    }
    body
}

fn include(value: &Value, keep: &Paths) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = Map::new();
            for (key, sub) in &keep.0 {
                if let Some(v) = map.get(key) {
                    let kept = if sub.is_empty() { v.clone() } else { include(v, sub) };
                    out.insert(key.clone(), kept);
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(|item| include(item, keep)).collect()),
        // A path deeper than the value: the value is all there is.
        other => other.clone(),
    }
}

fn exclude(value: &mut Value, drop: &Paths) {
    match value {
        Value::Object(map) => {
            for (key, sub) in &drop.0 {
                if sub.is_empty() {
                    map.remove(key);
                } else if let Some(v) = map.get_mut(key) {
                    exclude(v, sub);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| exclude(item, drop)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn body() -> Value {
        json!({
            "campaigns": [
                { "id": "a1", "status": "sent", "settings": { "title": "One", "subject_line": "S1" } },
                { "id": "b2", "status": "save", "settings": { "title": "Two", "subject_line": "S2" } }
            ],
            "total_items": 2,
            "_links": []
        })
    }

    #[test]
    fn fields_keep_only_the_dotted_paths_through_arrays() {
        let trimmed = trim(body(), Some("campaigns.id,campaigns.settings.title,total_items"), None);
        assert_eq!(
            trimmed,
            json!({
                "campaigns": [
                    { "id": "a1", "settings": { "title": "One" } },
                    { "id": "b2", "settings": { "title": "Two" } }
                ],
                "total_items": 2
            })
        );
    }

    #[test]
    fn exclude_fields_drop_the_dotted_paths() {
        let trimmed = trim(body(), None, Some("campaigns.settings,_links"));
        assert_eq!(
            trimmed,
            json!({
                "campaigns": [{ "id": "a1", "status": "sent" }, { "id": "b2", "status": "save" }],
                "total_items": 2
            })
        );
    }

    #[test]
    fn a_shorter_path_keeps_the_whole_value_in_either_order() {
        let expected = trim(body(), Some("campaigns"), None);
        assert_eq!(expected, json!({ "campaigns": body()["campaigns"] }));
        assert_eq!(trim(body(), Some("campaigns.id, campaigns"), None), expected);
        assert_eq!(trim(body(), Some("campaigns,campaigns.id"), None), expected);
    }

    #[test]
    fn unknown_and_blank_paths_are_ignored() {
        assert_eq!(trim(body(), Some(" , "), None), body());
        assert_eq!(
            trim(body(), Some("nope,total_items"), None),
            json!({ "total_items": 2 })
        );
        assert_eq!(trim(body(), None, Some("nope.deeper")), body());
        assert_eq!(
            trim(body(), Some("total_items.deeper"), None),
            json!({ "total_items": 2 })
        );
    }
}
