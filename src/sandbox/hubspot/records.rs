//! The portal's mutable CRM records: contacts and deals with their property
//! schemas, owners, deal pipelines, and the writes (update, merge).
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
    /// HubSpot's name in messages: `CONTACT`, `DEAL`.
    pub(crate) object: &'static str,
    pub(crate) properties: &'static [PropertyDef],
    /// Returned when a request names no properties.
    pub(crate) defaults: &'static [&'static str],
    /// Returned with every record, whatever was asked for.
    pub(crate) always: &'static [&'static str],
    /// Whether the legacy `lastmodifieddate` mirrors `hs_lastmodifieddate`.
    pub(crate) legacy_modified: bool,
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
            "createdate" => Some(Cow::Borrowed(&self.created)),
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
    pub(crate) owners: Vec<Owner>,
    pub(crate) pipelines: Vec<Pipeline>,
}

/// Why one property value was refused, in HubSpot's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PropertyError {
    pub(crate) name: String,
    /// PROPERTY_DOESNT_EXIST, READ_ONLY_VALUE, INVALID_OPTION, INVALID_OWNER_ID, ...
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
    /// Checks a `{"properties": {...}}` map against the contact schema.
    /// HubSpot accepts strings (and numbers or booleans, as their text);
    /// an empty string or null clears the property.
    pub(crate) fn validate_contact(
        &self,
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
            match self.check_property(&CONTACT, name, text.as_deref()) {
                Ok(def) => changes.push((def.name, text)),
                Err(e) => errors.push(e),
            }
        }
        if errors.is_empty() { Ok(changes) } else { Err(errors) }
    }

    fn check_property(
        &self,
        schema: &Schema,
        name: &str,
        value: Option<&str>,
    ) -> Result<&'static PropertyDef, PropertyError> {
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
            return Ok(def);
        };
        match def.kind {
            Kind::Enum(options) if !options.contains(&value) => Err(error(
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
            _ => Ok(def),
        }
    }

    /// Applies validated changes to a live contact; `None` when there is none.
    pub(crate) fn update_contact(&mut self, id: u64, changes: &Changes, now: &str) -> Option<&Record> {
        let record = self.contacts.records.get_mut(&id).filter(|r| !r.archived)?;
        for (name, value) in changes {
            match value {
                Some(v) => record.properties.insert(name, v.clone()),
                None => record.properties.remove(name),
            };
        }
        record.modified = now.to_owned();
        Some(record)
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
    fn times_are_fixed_width_and_sortable() {
        assert_eq!(hubspot_time(1_672_531_200_123), "2023-01-01T00:00:00.123Z");
        assert!(hubspot_time(999) < hubspot_time(1_000));
    }
}
