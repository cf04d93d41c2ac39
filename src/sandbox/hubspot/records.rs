//! The portal's mutable CRM records: contacts, deals and tasks with their
//! property schemas, owners, deal pipelines, and the writes (update, merge).
//!
//! Everything here is synchronous and clock-free: handlers pass the time in.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde_json::Value;

/// What values a property takes; decides validation and search comparisons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Text,
    Number,
    /// Stored as [`hubspot_time`] strings, which sort chronologically.
    DateTime,
    Bool,
    Enum(&'static [&'static str]),
    /// An owner id (`hubspot_owner_id`).
    Owner,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PropertyDef {
    pub(crate) name: &'static str,
    pub(crate) kind: Kind,
    /// Set by HubSpot itself; writes are refused.
    pub(crate) read_only: bool,
}

const fn prop(name: &'static str, kind: Kind) -> PropertyDef {
    PropertyDef {
        name,
        kind,
        read_only: false,
    }
}

const fn read_only(name: &'static str, kind: Kind) -> PropertyDef {
    PropertyDef {
        name,
        kind,
        read_only: true,
    }
}

/// An object type's properties and what HubSpot returns by default.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Schema {
    /// HubSpot's name in messages: `CONTACT`, `DEAL`, `TASK`.
    pub(crate) object: &'static str,
    pub(crate) properties: &'static [PropertyDef],
    /// Returned when a request names no properties.
    pub(crate) defaults: &'static [&'static str],
    /// Returned with every record, whatever was asked for.
    pub(crate) always: &'static [&'static str],
    /// Whether the legacy `lastmodifieddate` mirrors `hs_lastmodifieddate`.
    pub(crate) legacy_modified: bool,
    /// What a search's free-text `query` looks in.
    pub(crate) searchable: &'static [&'static str],
}

impl Schema {
    pub(crate) fn property(&self, name: &str) -> Option<&'static PropertyDef> {
        self.properties.iter().find(|p| p.name == name)
    }
}

pub(crate) const LIFECYCLE_STAGES: &[&str] = &[
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
    "evangelist",
    "other",
];

pub(crate) static CONTACT: Schema = Schema {
    object: "CONTACT",
    properties: &[
        prop("email", Kind::Text),
        prop("firstname", Kind::Text),
        prop("lastname", Kind::Text),
        prop("company", Kind::Text),
        prop("phone", Kind::Text),
        prop("jobtitle", Kind::Text),
        prop("lifecyclestage", Kind::Enum(LIFECYCLE_STAGES)),
        prop("hubspot_owner_id", Kind::Owner),
        prop("hs_email_optout", Kind::Bool),
        read_only("hs_object_id", Kind::Number),
        read_only("createdate", Kind::DateTime),
        read_only("hs_lastmodifieddate", Kind::DateTime),
        read_only("lastmodifieddate", Kind::DateTime),
        read_only("hs_merged_object_ids", Kind::Text),
    ],
    defaults: &[
        "createdate",
        "email",
        "firstname",
        "hs_object_id",
        "lastmodifieddate",
        "lastname",
    ],
    always: &["createdate", "hs_object_id", "lastmodifieddate"],
    legacy_modified: true,
    searchable: &["email", "firstname", "lastname", "company"],
};

pub(crate) static DEAL: Schema = Schema {
    object: "DEAL",
    properties: &[
        prop("dealname", Kind::Text),
        prop("amount", Kind::Number),
        prop("dealstage", Kind::Text),
        prop("pipeline", Kind::Text),
        prop("closedate", Kind::DateTime),
        prop("hubspot_owner_id", Kind::Owner),
        read_only("hs_object_id", Kind::Number),
        read_only("createdate", Kind::DateTime),
        read_only("hs_lastmodifieddate", Kind::DateTime),
    ],
    defaults: &[
        "amount",
        "closedate",
        "createdate",
        "dealname",
        "dealstage",
        "hs_lastmodifieddate",
        "hs_object_id",
        "pipeline",
    ],
    always: &["createdate", "hs_lastmodifieddate", "hs_object_id"],
    legacy_modified: false,
    searchable: &["dealname"],
};

/// `hs_task_status`: the API documents NOT_STARTED and COMPLETED, the UI
/// sets the other three.
pub(crate) const TASK_STATUSES: &[&str] = &["NOT_STARTED", "IN_PROGRESS", "WAITING", "DEFERRED", "COMPLETED"];
pub(crate) const TASK_COMPLETED: &str = "COMPLETED";
/// `hs_task_priority`; portals created lately also offer NONE.
pub(crate) const TASK_PRIORITIES: &[&str] = &["NONE", "LOW", "MEDIUM", "HIGH"];
pub(crate) const TASK_TYPES: &[&str] = &["EMAIL", "CALL", "TODO"];
/// Set by HubSpot when a task's status becomes COMPLETED, cleared when it
/// stops being so.
pub(crate) const TASK_COMPLETION_DATE: &str = "hs_task_completion_date";

pub(crate) static TASK: Schema = Schema {
    object: "TASK",
    properties: &[
        prop("hs_task_subject", Kind::Text),
        prop("hs_task_body", Kind::Text),
        prop("hs_task_status", Kind::Enum(TASK_STATUSES)),
        prop("hs_task_priority", Kind::Enum(TASK_PRIORITIES)),
        prop("hs_task_type", Kind::Enum(TASK_TYPES)),
        prop("hs_timestamp", Kind::DateTime),
        prop("hubspot_owner_id", Kind::Owner),
        read_only("hs_object_id", Kind::Number),
        read_only("hs_createdate", Kind::DateTime),
        read_only("hs_lastmodifieddate", Kind::DateTime),
        read_only(TASK_COMPLETION_DATE, Kind::DateTime),
    ],
    // Engagements answer with only these unless properties are named.
    defaults: &["hs_createdate", "hs_lastmodifieddate", "hs_object_id"],
    always: &["hs_createdate", "hs_lastmodifieddate", "hs_object_id"],
    legacy_modified: false,
    searchable: &["hs_task_subject", "hs_task_body"],
};

/// One CRM object. `hs_object_id`, `createdate` and the modified dates are
/// derived from the fields, so they can never disagree.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Record {
    pub(crate) id: u64,
    /// Writable properties that have a value; an absent one reads as null.
    pub(crate) properties: BTreeMap<&'static str, String>,
    /// [`hubspot_time`] strings.
    pub(crate) created: String,
    pub(crate) modified: String,
    pub(crate) archived: bool,
    /// Deals only: associated contacts' ids.
    pub(crate) contact_ids: Vec<u64>,
    /// Contacts only: ids merged into this one, oldest first.
    pub(crate) merged_ids: Vec<u64>,
}

impl Record {
    /// A property's value as HubSpot would send it, `None` for null.
    pub(crate) fn value(&self, name: &str) -> Option<Cow<'_, str>> {
        match name {
            "hs_object_id" => Some(Cow::Owned(self.id.to_string())),
            "createdate" | "hs_createdate" => Some(Cow::Borrowed(&self.created)),
            "hs_lastmodifieddate" | "lastmodifieddate" => Some(Cow::Borrowed(&self.modified)),
            "hs_merged_object_ids" if !self.merged_ids.is_empty() => {
                let ids: Vec<String> = self.merged_ids.iter().map(u64::to_string).collect();
                Some(Cow::Owned(ids.join(";")))
            }
            _ => self.properties.get(name).map(|v| Cow::Borrowed(v.as_str())),
        }
    }

    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.properties.get(name).map(String::as_str)
    }
}

/// One object type's records, by id, so `after` paging is a range lookup.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Objects {
    pub(crate) schema: &'static Schema,
    pub(crate) records: BTreeMap<u64, Record>,
}

impl Objects {
    pub(crate) fn new(schema: &'static Schema, records: impl IntoIterator<Item = Record>) -> Objects {
        Objects {
            schema,
            records: records.into_iter().map(|r| (r.id, r)).collect(),
        }
    }

    /// A record that is not archived.
    pub(crate) fn live(&self, id: u64) -> Option<&Record> {
        self.records.get(&id).filter(|r| !r.archived)
    }

    /// Applies validated changes to a live record; `None` when there is none.
    /// A task's completion date follows its status, as HubSpot keeps it.
    pub(crate) fn update(&mut self, id: u64, changes: &Changes, now: &str) -> Option<&Record> {
        let tracks_completion = self.schema.property(TASK_COMPLETION_DATE).is_some();
        let record = self.records.get_mut(&id).filter(|r| !r.archived)?;
        let was_completed = record.get("hs_task_status") == Some(TASK_COMPLETED);
        for (name, value) in changes {
            match value {
                Some(v) => record.properties.insert(name, v.clone()),
                None => record.properties.remove(name),
            };
        }
        if tracks_completion {
            match (was_completed, record.get("hs_task_status") == Some(TASK_COMPLETED)) {
                (false, true) => {
                    record.properties.insert(TASK_COMPLETION_DATE, now.to_owned());
                }
                (_, false) => {
                    record.properties.remove(TASK_COMPLETION_DATE);
                }
                (true, true) => {}
            }
        }
        record.modified = now.to_owned();
        Some(record)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Owner {
    pub(crate) id: String,
    pub(crate) user_id: u64,
    pub(crate) email: String,
    pub(crate) first_name: String,
    pub(crate) last_name: String,
    pub(crate) created: String,
    pub(crate) archived: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Stage {
    pub(crate) id: String,
    pub(crate) label: String,
    pub(crate) probability: &'static str,
    pub(crate) closed: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Pipeline {
    pub(crate) id: String,
    pub(crate) label: String,
    pub(crate) stages: Vec<Stage>,
    pub(crate) created: String,
}

/// The whole portal.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct HubspotData {
    pub(crate) portal_id: u64,
    pub(crate) contacts: Objects,
    pub(crate) deals: Objects,
    pub(crate) tasks: Objects,
    pub(crate) owners: Vec<Owner>,
    pub(crate) pipelines: Vec<Pipeline>,
}

/// Why one property value was refused, in HubSpot's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PropertyError {
    pub(crate) name: String,
    /// PROPERTY_DOESNT_EXIST, READ_ONLY_VALUE, INVALID_OPTION, INVALID_OWNER_ID,
    /// INVALID_LONG (an unreadable date-time), ...
    pub(crate) code: &'static str,
    pub(crate) message: String,
}

/// A validated change: `None` clears the property.
pub(crate) type Changes = Vec<(&'static str, Option<String>)>;

/// Why a merge was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum MergeError {
    SameObject,
    NotFound(u64),
}

impl HubspotData {
    /// Checks a `{"properties": {...}}` map against `schema`. HubSpot
    /// accepts strings (and numbers or booleans, as their text); an empty
    /// string or null clears the property. Date-times are stored in
    /// HubSpot's own format, whichever accepted form they came in.
    pub(crate) fn validate(
        &self,
        schema: &'static Schema,
        properties: &serde_json::Map<String, Value>,
    ) -> Result<Changes, Vec<PropertyError>> {
        let mut changes = Vec::with_capacity(properties.len());
        let mut errors = Vec::new();
        for (name, value) in properties {
            let text = match value {
                Value::Null => None,
                Value::String(s) if s.is_empty() => None,
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                Value::Bool(b) => Some(b.to_string()),
                Value::Array(_) | Value::Object(_) => {
                    errors.push(PropertyError {
                        name: name.clone(),
                        code: "INVALID_PROPERTY_VALUE",
                        message: format!("Property \"{name}\" must be a string"),
                    });
                    continue;
                }
            };
            match self.check_property(schema, name, text) {
                Ok(change) => changes.push(change),
                Err(e) => errors.push(e),
            }
        }
        if errors.is_empty() { Ok(changes) } else { Err(errors) }
    }

    fn check_property(
        &self,
        schema: &'static Schema,
        name: &str,
        value: Option<String>,
    ) -> Result<(&'static str, Option<String>), PropertyError> {
        let error = |code, message: String| PropertyError {
            name: name.to_owned(),
            code,
            message,
        };
        let Some(def) = schema.property(name) else {
            return Err(error(
                "PROPERTY_DOESNT_EXIST",
                format!("Property \"{name}\" does not exist"),
            ));
        };
        if def.read_only {
            return Err(error(
                "READ_ONLY_VALUE",
                format!("\"{name}\" is a read only property; its value cannot be set."),
            ));
        }
        let Some(value) = value else {
            return Ok((def.name, None));
        };
        match def.kind {
            Kind::Enum(options) if !options.contains(&value.as_str()) => Err(error(
                "INVALID_OPTION",
                format!("{value} was not one of the allowed options: {}", options.join(", ")),
            )),
            Kind::Bool if value != "true" && value != "false" => Err(error(
                "INVALID_BOOLEAN",
                format!("{value} is not a valid boolean value"),
            )),
            Kind::Number if value.parse::<f64>().is_err() => {
                Err(error("INVALID_DECIMAL", format!("{value} was not a valid number")))
            }
            Kind::Owner if !self.owners.iter().any(|o| o.id == value && !o.archived) => {
                Err(error("INVALID_OWNER_ID", format!("{value} is not a valid owner id")))
            }
            Kind::DateTime => match parse_datetime(&value) {
                Some(ms) => Ok((def.name, Some(hubspot_time(ms)))),
                None => Err(error(
                    "INVALID_LONG",
                    format!(
                        "{value} was not a valid long. Use epoch milliseconds or an ISO 8601 date-time \
                         (2024-03-14T09:21:33Z)."
                    ),
                )),
            },
            _ => Ok((def.name, Some(value))),
        }
    }

    /// Merges `secondary` into `primary`: the primary keeps its values and
    /// takes the secondary's where it has none; the secondary's deals move
    /// to the primary; the secondary is gone (404 on GET, out of lists).
    pub(crate) fn merge_contacts(&mut self, primary: u64, secondary: u64, now: &str) -> Result<&Record, MergeError> {
        if primary == secondary {
            return Err(MergeError::SameObject);
        }
        for id in [primary, secondary] {
            if self.contacts.live(id).is_none() {
                return Err(MergeError::NotFound(id));
            }
        }
        let Some(merged) = self.contacts.records.remove(&secondary) else {
            return Err(MergeError::NotFound(secondary));
        };
        for deal in self.deals.records.values_mut() {
            if deal.contact_ids.contains(&secondary) {
                deal.contact_ids.retain(|&c| c != secondary && c != primary);
                deal.contact_ids.push(primary);
                deal.contact_ids.sort_unstable();
            }
        }
        let Some(record) = self.contacts.records.get_mut(&primary) else {
            return Err(MergeError::NotFound(primary));
        };
        for (name, value) in merged.properties {
            record.properties.entry(name).or_insert(value);
        }
        if merged.created < record.created {
            record.created = merged.created;
        }
        record.merged_ids.extend(merged.merged_ids);
        record.merged_ids.push(secondary);
        record.modified = now.to_owned();
        Ok(record)
    }
}

/// A date-time as HubSpot takes one, in epoch milliseconds: milliseconds
/// since the epoch, an ISO 8601 instant with an offset, or a bare date
/// (its midnight, UTC).
pub(crate) fn parse_datetime(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(ms) = text.parse::<i64>() {
        return Some(ms);
    }
    if let Ok(t) = text.parse::<jiff::Timestamp>() {
        return Some(t.as_millisecond());
    }
    // Only a bare date: jiff would also take a zone-less date-time's day.
    if text.contains(['T', 't', ' ']) {
        return None;
    }
    let date: jiff::civil::Date = text.parse().ok()?;
    Some(
        date.to_zoned(jiff::tz::TimeZone::UTC)
            .ok()?
            .timestamp()
            .as_millisecond(),
    )
}

/// HubSpot's format: RFC 3339 UTC with milliseconds, `2024-03-14T09:21:33.123Z`.
/// Fixed width for years 1000-9999, so these strings sort chronologically.
pub(crate) fn hubspot_time(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes_take_milliseconds_instants_and_dates() {
        for text in [
            "1672531200000",
            "2023-01-01T00:00:00Z",
            "2023-01-01T01:00:00+01:00",
            "2023-01-01",
        ] {
            assert_eq!(parse_datetime(text), Some(1_672_531_200_000), "{text}");
        }
        for text in ["tomorrow", "2023-13-01", "", "2023-01-01T00:00:00"] {
            assert_eq!(parse_datetime(text), None, "{text}");
        }
    }

    #[test]
    fn times_are_fixed_width_and_sortable() {
        assert_eq!(hubspot_time(1_672_531_200_123), "2023-01-01T00:00:00.123Z");
        assert!(hubspot_time(999) < hubspot_time(1_000));
    }
}
