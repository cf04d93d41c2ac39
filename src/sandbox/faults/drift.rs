//! Schema drift: the normal JSON answer, transformed generically (the whole
//! tree is walked), so every vendor and endpoint drifts the same way.

use serde_json::{Map, Value, json};

use super::Drift;

/// The field `drift:extra` adds to every object.
pub(crate) const EXTRA_FIELD: &str = "sandbox_drift_extra";
/// The value `drift:enum` puts in place of enum values.
pub(crate) const UNKNOWN_ENUM: &str = "SANDBOX_UNKNOWN_VALUE";

/// Field-name endings that mark an enum (`status`, `hs_task_status`,
/// `dealstage`, `content_type`, ...), compared lowercase.
const ENUM_SUFFIXES: [&str; 6] = ["status", "type", "state", "stage", "priority", "category"];

/// Applies `drift` to every object and value of `value`.
pub(crate) fn apply(drift: Drift, value: &mut Value) {
    match value {
        Value::Object(map) => {
            // Children first, so what `change_object` adds is not walked.
            map.values_mut().for_each(|v| apply(drift, v));
            change_object(drift, map);
        }
        Value::Array(items) => items.iter_mut().for_each(|v| apply(drift, v)),
        Value::Number(n) if drift == Drift::Strings => *value = Value::String(n.to_string()),
        _ => {}
    }
}

/// The change to one object's own fields; nested values are handled by the walk.
fn change_object(drift: Drift, map: &mut Map<String, Value>) {
    match drift {
        Drift::Missing => {
            // Scalars only, so envelopes keep their records and the walk
            // still reaches every record.
            let victim = if map.contains_key("id") {
                Some("id".to_owned())
            } else {
                map.iter()
                    .find(|(_, v)| !v.is_object() && !v.is_array())
                    .map(|(k, _)| k.clone())
            };
            if let Some(key) = victim {
                map.remove(&key);
            }
        }
        Drift::Extra => {
            map.insert(
                EXTRA_FIELD.to_owned(),
                json!({ "note": "a field this client has never seen", "values": [1, "two", null, true] }),
            );
        }
        Drift::Null => {
            for v in map.values_mut() {
                if !v.is_object() && !v.is_array() {
                    *v = Value::Null;
                }
            }
        }
        Drift::Strings => {}
        Drift::Enum => {
            for (key, v) in map.iter_mut() {
                if is_enum_field(key) {
                    replace_enum_values(v);
                }
            }
        }
    }
}

fn is_enum_field(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ENUM_SUFFIXES.iter().any(|suffix| key.ends_with(suffix))
}

/// Replaces enum-looking strings (short tokens, not URLs, dates or prose),
/// alone or in an array.
fn replace_enum_values(value: &mut Value) {
    match value {
        Value::String(s) if looks_like_enum(s) => *s = UNKNOWN_ENUM.to_owned(),
        Value::Array(items) => items.iter_mut().for_each(replace_enum_values),
        _ => {}
    }
}

fn looks_like_enum(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ' ' | '!' | '\''))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drifted(drift: Drift, value: Value) -> Value {
        let mut value = value;
        apply(drift, &mut value);
        value
    }

    fn sample() -> Value {
        json!({
            "total_items": 2,
            "campaigns": [
                { "id": "c1", "status": "sent", "emails_sent": 1200, "settings": { "title": "Spring", "open_rate": 0.25 } },
                { "id": "c2", "status": "save", "emails_sent": 0, "settings": { "title": "Summer" } }
            ],
            "_links": [{ "href": "https://example.test/3.0/campaigns", "method": "GET" }]
        })
    }

    #[test]
    fn missing_drops_id_else_the_first_scalar_field_of_every_object() {
        let out = drifted(Drift::Missing, sample());
        assert!(out.get("total_items").is_none(), "{out}");
        assert_eq!(out["_links"][0], json!({ "method": "GET" }));
        for c in out["campaigns"].as_array().unwrap() {
            assert!(c.get("id").is_none() && c.get("status").is_some(), "{c}");
            let settings = c["settings"].as_object().unwrap();
            assert!(!settings.contains_key("open_rate"), "{c}");
        }
    }

    #[test]
    fn extra_adds_an_unknown_field_to_every_object() {
        let out = drifted(Drift::Extra, sample());
        assert!(out[EXTRA_FIELD].is_object());
        for (c, before) in out["campaigns"]
            .as_array()
            .unwrap()
            .iter()
            .zip(sample()["campaigns"].as_array().unwrap())
        {
            assert!(
                c[EXTRA_FIELD].is_object() && c["settings"][EXTRA_FIELD].is_object(),
                "{c}"
            );
            assert_eq!((&c["id"], &c["status"]), (&before["id"], &before["status"]));
        }
        assert!(out[EXTRA_FIELD].get(EXTRA_FIELD).is_none());
    }

    #[test]
    fn null_empties_every_scalar_field_but_keeps_the_structure() {
        let out = drifted(Drift::Null, sample());
        assert_eq!(out["total_items"], Value::Null);
        let first = &out["campaigns"][0];
        assert_eq!((&first["id"], &first["status"]), (&Value::Null, &Value::Null));
        assert_eq!(first["settings"]["open_rate"], Value::Null);
        assert_eq!(out["campaigns"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn strings_quotes_every_number() {
        let out = drifted(Drift::Strings, sample());
        assert_eq!(out["total_items"], "2");
        assert_eq!(out["campaigns"][0]["emails_sent"], "1200");
        assert_eq!(out["campaigns"][0]["settings"]["open_rate"], "0.25");
        assert_eq!(out["campaigns"][0]["id"], "c1");
        assert_eq!(drifted(Drift::Strings, json!([1, [2]])), json!(["1", ["2"]]));
    }

    #[test]
    fn enum_replaces_enum_like_values_only() {
        let out = drifted(
            Drift::Enum,
            json!({
                "status": "publish",
                "properties": { "hs_task_status": "NOT_STARTED", "dealstage": "closedwon", "hs_task_subject": "Call" },
                "type": "https://mailchimp.com/developer/",
                "statuses": ["a"],
                "content_type": ["template", 3],
                "health_status": "Everything's Chimpy!"
            }),
        );
        assert_eq!(out["status"], UNKNOWN_ENUM);
        assert_eq!(out["properties"]["hs_task_status"], UNKNOWN_ENUM);
        assert_eq!(out["properties"]["dealstage"], UNKNOWN_ENUM);
        assert_eq!(out["properties"]["hs_task_subject"], "Call");
        assert_eq!(out["type"], "https://mailchimp.com/developer/");
        assert_eq!(out["statuses"], json!(["a"]));
        assert_eq!(out["content_type"], json!([UNKNOWN_ENUM, 3]));
        assert_eq!(out["health_status"], UNKNOWN_ENUM);
    }
}
