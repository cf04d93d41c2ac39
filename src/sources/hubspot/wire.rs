//! HubSpot's JSON as it arrives, read leniently, and its mapping onto the
//! model. Every property value is a string or null; numbers, booleans and
//! dates inside those strings are parsed here, and anything unreadable is
//! `None`. A record without an id becomes `None` (skipped and counted).

use std::collections::BTreeSet;

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::model::{Contact, CrmTask, Deal, DealPipeline, Owner, PipelineStage, TaskPriority, TaskStatus};

/// Contact properties read (API-FACTS.md); the order is the one sent.
pub(super) const CONTACT_PROPERTIES: &[&str] = &[
    "email",
    "firstname",
    "lastname",
    "company",
    "lifecyclestage",
    "hubspot_owner_id",
    "hs_lastmodifieddate",
    "createdate",
    "hs_email_optout",
];

/// Deal properties read.
pub(super) const DEAL_PROPERTIES: &[&str] = &[
    "dealname",
    "amount",
    "dealstage",
    "pipeline",
    "closedate",
    "hubspot_owner_id",
];

/// Task properties read (API-FACTS.md); the order is the one sent.
pub(super) const TASK_PROPERTIES: &[&str] = &[
    "hs_task_subject",
    "hs_task_body",
    "hs_task_status",
    "hs_task_priority",
    "hs_task_type",
    "hs_timestamp",
    "hubspot_owner_id",
    "hs_lastmodifieddate",
];

/// HubSpot's lifecycle stages, in the order a contact moves through them.
pub const LIFECYCLE_STAGES: &[&str] = &[
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
    "evangelist",
    "other",
];

/// One record of `GET /crm/v3/objects/{type}` or a search.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(in crate::sources) struct WireObject {
    id: Value,
    properties: Option<Map<String, Value>>,
    #[serde(rename = "createdAt")]
    created_at: Option<Value>,
    #[serde(rename = "updatedAt")]
    updated_at: Option<Value>,
    associations: Option<Map<String, Value>>,
}

impl WireObject {
    fn prop(&self, name: &str) -> Option<String> {
        self.properties.as_ref().and_then(|p| p.get(name)).and_then(text)
    }
}

/// A contact, or `None` without an id.
pub(in crate::sources) fn contact(w: WireObject) -> Option<Contact> {
    let id = id_of(&w.id)?;
    Some(Contact {
        email: w.prop("email"),
        firstname: w.prop("firstname"),
        lastname: w.prop("lastname"),
        company: w.prop("company"),
        lifecyclestage: w.prop("lifecyclestage").map(|s| s.to_ascii_lowercase()),
        owner_id: w.prop("hubspot_owner_id"),
        created: w
            .prop("createdate")
            .as_deref()
            .and_then(time)
            .or_else(|| w.created_at.as_ref().and_then(text).as_deref().and_then(time)),
        modified: w
            .prop("hs_lastmodifieddate")
            .as_deref()
            .and_then(time)
            .or_else(|| w.updated_at.as_ref().and_then(text).as_deref().and_then(time)),
        email_optout: w.prop("hs_email_optout").as_deref().and_then(boolean),
        id,
    })
}

/// A deal with its associated contacts' ids, or `None` without an id.
pub(in crate::sources) fn deal(w: WireObject) -> Option<Deal> {
    let id = id_of(&w.id)?;
    // `associations.contacts.results[].id`; a contact may appear once per
    // association type (primary and unlabeled): keep each id once, in order.
    let mut seen = BTreeSet::new();
    let contact_ids = w
        .associations
        .as_ref()
        .and_then(|a| a.get("contacts"))
        .and_then(|c| c.get("results"))
        .and_then(Value::as_array)
        .map(|rows| {
            rows.iter()
                .filter_map(|r| r.get("id").and_then(id_of))
                .filter(|id| seen.insert(id.clone()))
                .collect()
        })
        .unwrap_or_default();
    Some(Deal {
        name: w.prop("dealname"),
        amount: w.prop("amount").as_deref().and_then(number),
        stage: w.prop("dealstage"),
        pipeline: w.prop("pipeline"),
        close_date: w.prop("closedate").as_deref().and_then(time),
        owner_id: w.prop("hubspot_owner_id"),
        contact_ids,
        id,
    })
}

/// A task, or `None` without an id. A task without a status reads as not
/// started (HubSpot's default); an unknown status is kept by name.
pub(in crate::sources) fn task(w: WireObject) -> Option<CrmTask> {
    let id = id_of(&w.id)?;
    Some(CrmTask {
        subject: w.prop("hs_task_subject").unwrap_or_default(),
        body: w.prop("hs_task_body"),
        status: w
            .prop("hs_task_status")
            .map(|s| TaskStatus::parse(&s.to_ascii_uppercase()))
            .unwrap_or_default(),
        priority: w
            .prop("hs_task_priority")
            .and_then(|p| TaskPriority::parse(&p.to_ascii_uppercase())),
        task_type: w.prop("hs_task_type").map(|t| t.to_ascii_uppercase()),
        due: w.prop("hs_timestamp").as_deref().and_then(time),
        owner_id: w.prop("hubspot_owner_id"),
        modified: w
            .prop("hs_lastmodifieddate")
            .as_deref()
            .and_then(time)
            .or_else(|| w.updated_at.as_ref().and_then(text).as_deref().and_then(time)),
        id,
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(in crate::sources) struct WireOwner {
    id: Value,
    email: Option<Value>,
    #[serde(rename = "firstName")]
    first_name: Option<Value>,
    #[serde(rename = "lastName")]
    last_name: Option<Value>,
    archived: Option<Value>,
}

pub(in crate::sources) fn owner(w: WireOwner) -> Option<Owner> {
    Some(Owner {
        id: id_of(&w.id)?,
        email: w.email.as_ref().and_then(text),
        first_name: w.first_name.as_ref().and_then(text),
        last_name: w.last_name.as_ref().and_then(text),
        archived: w.archived.as_ref().and_then(flag).unwrap_or(false),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(in crate::sources) struct WirePipeline {
    id: Value,
    label: Option<Value>,
    #[serde(rename = "displayOrder")]
    display_order: Option<Value>,
    stages: Option<Vec<Value>>,
}

/// A pipeline, or `None` without an id; stages without an id are dropped.
pub(in crate::sources) fn pipeline(w: WirePipeline) -> Option<DealPipeline> {
    let mut stages: Vec<PipelineStage> = w.stages.unwrap_or_default().iter().filter_map(stage).collect();
    stages.sort_by_key(|s| s.display_order);
    Some(DealPipeline {
        id: id_of(&w.id)?,
        label: w.label.as_ref().and_then(text).unwrap_or_default(),
        display_order: w.display_order.as_ref().and_then(integer).unwrap_or(0),
        stages,
    })
}

fn stage(v: &Value) -> Option<PipelineStage> {
    let meta = v.get("metadata");
    Some(PipelineStage {
        id: id_of(v.get("id")?)?,
        label: v.get("label").and_then(text).unwrap_or_default(),
        display_order: v.get("displayOrder").and_then(integer).unwrap_or(0),
        // HubSpot sends both as strings: "0.2", "true".
        probability: meta
            .and_then(|m| m.get("probability"))
            .and_then(text)
            .as_deref()
            .and_then(number)
            .filter(|p| (0.0..=1.0).contains(p)),
        is_closed: meta.and_then(|m| m.get("isClosed")).and_then(flag).unwrap_or(false),
    })
}

/// Ids are strings in v3, numbers in older payloads; either is fine.
fn id_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) if n.is_u64() => Some(n.to_string()),
        _ => None,
    }
}

/// A property's text: a non-blank string (numbers and booleans as written).
fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn flag(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) => boolean(s),
        _ => None,
    }
}

fn boolean(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

fn number(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok().filter(|f| f.is_finite())
}

fn integer(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// ISO 8601 (`2026-11-20T08:00:00.123Z`), a bare date (`2026-11-20`, as a
/// date-only property may be), or epoch milliseconds (older payloads).
pub(super) fn time(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    if let Ok(t) = s.parse::<Timestamp>() {
        return Some(t);
    }
    if let Ok(ms) = s.parse::<i64>() {
        return Timestamp::from_millisecond(ms).ok();
    }
    let date: jiff::civil::Date = s.parse().ok()?;
    date.to_zoned(jiff::tz::TimeZone::UTC).ok().map(|z| z.timestamp())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn read<T: serde::de::DeserializeOwned>(v: Value) -> T {
        serde_json::from_value(v).expect("lenient types read any object")
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().expect("timestamp")
    }

    #[test]
    fn a_full_contact_maps_every_property() {
        let c = contact(read(json!({
            "id": "101",
            "properties": {
                "email": "ann@acme.example", "firstname": "Ann", "lastname": "Lee",
                "company": "Acme", "lifecyclestage": "Lead", "hubspot_owner_id": "77",
                "hs_lastmodifieddate": "2026-11-20T08:00:00.123Z", "createdate": "2026-01-02T03:04:05Z",
                "hs_email_optout": "true"
            },
            "createdAt": "2025-01-01T00:00:00Z", "updatedAt": "2025-01-01T00:00:00Z", "archived": false
        })))
        .expect("contact");
        assert_eq!(c.id, "101");
        assert_eq!(c.email.as_deref(), Some("ann@acme.example"));
        assert_eq!(c.lifecyclestage.as_deref(), Some("lead"));
        assert_eq!(c.owner_id.as_deref(), Some("77"));
        assert_eq!(c.modified, Some(ts("2026-11-20T08:00:00.123Z")));
        assert_eq!(c.created, Some(ts("2026-01-02T03:04:05Z")));
        assert_eq!(c.email_optout, Some(true));
        assert_eq!(c.completeness(), 6);
    }

    #[test]
    fn nulls_blanks_and_garbage_become_none() {
        let c = contact(read(json!({
            "id": 7,
            "properties": {
                "email": null, "firstname": "  ", "lastname": ["x"], "company": {"a": 1},
                "hs_lastmodifieddate": "yesterday", "createdate": "1700000000000",
                "hs_email_optout": "maybe"
            },
            "updatedAt": "2026-11-21T00:00:00Z"
        })))
        .expect("contact");
        assert_eq!(c.id, "7");
        assert_eq!((c.email, c.firstname, c.lastname, c.company), (None, None, None, None));
        assert_eq!(c.email_optout, None);
        // An unreadable hs_lastmodifieddate falls back to updatedAt.
        assert_eq!(c.modified, Some(ts("2026-11-21T00:00:00Z")));
        assert_eq!(c.created, Some(ts("2023-11-14T22:13:20Z")));
        assert!(contact(read(json!({"properties": {"email": "a@b.c"}}))).is_none());
        assert!(contact(read(json!({"id": "", "properties": null}))).is_none());
        assert!(contact(read(json!({"id": -4}))).is_none());
    }

    #[test]
    fn deals_map_amounts_dates_and_unique_contact_ids() {
        let d = deal(read(json!({
            "id": "9001",
            "properties": {"dealname": "Acme renewal", "amount": "1250.50", "dealstage": "closedwon",
                "pipeline": "default", "closedate": "2026-12-01T00:00:00Z", "hubspot_owner_id": "77"},
            "associations": {"contacts": {"results": [
                {"id": "101", "type": "deal_to_contact"},
                {"id": "101", "type": "deal_to_contact_unlabeled"},
                {"id": 102, "type": "deal_to_contact"},
                {"type": "broken"}
            ]}}
        })))
        .expect("deal");
        assert_eq!(d.amount, Some(1250.5));
        assert_eq!(d.close_date, Some(ts("2026-12-01T00:00:00Z")));
        assert_eq!(d.contact_ids, ["101", "102"]);
        let bare = deal(read(json!({"id": "1", "properties": {"amount": "lots"}}))).expect("deal");
        assert_eq!((bare.amount, bare.contact_ids.len()), (None, 0));
    }

    #[test]
    fn owners_and_pipelines_read_leniently() {
        let o = owner(read(
            json!({"id": "77", "email": "sam@acme.example", "firstName": "Sam",
            "lastName": null, "archived": "false"}),
        ))
        .expect("owner");
        assert_eq!(o.display_name(), "Sam");
        assert!(!o.archived);
        assert!(owner(read(json!({"email": "x@y.z"}))).is_none());

        let p = pipeline(read(json!({
            "id": "default", "label": "Sales", "displayOrder": 0,
            "stages": [
                {"id": "closedwon", "label": "Won", "displayOrder": 5, "metadata": {"probability": "1.0", "isClosed": "true"}},
                {"id": "appt", "label": "Appointment", "displayOrder": "1", "metadata": {"probability": "0.2", "isClosed": "false"}},
                {"label": "no id"}
            ]
        })))
        .expect("pipeline");
        let ids: Vec<&str> = p.stages.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["appt", "closedwon"]);
        assert_eq!((p.stages[0].probability, p.stages[0].is_closed), (Some(0.2), false));
        assert!(p.stages[1].is_closed);
    }

    #[test]
    fn a_full_task_maps_every_property() {
        let t = task(read(json!({
            "id": "5001",
            "properties": {
                "hs_task_subject": "Call Ann back", "hs_task_body": "<p>About the renewal</p>",
                "hs_task_status": "IN_PROGRESS", "hs_task_priority": "HIGH", "hs_task_type": "CALL",
                "hs_timestamp": "2026-11-23T09:00:00.000Z", "hubspot_owner_id": "77",
                "hs_lastmodifieddate": "2026-11-20T08:00:00Z"
            },
            "updatedAt": "2025-01-01T00:00:00Z"
        })))
        .expect("task");
        assert_eq!((t.id.as_str(), t.subject.as_str()), ("5001", "Call Ann back"));
        assert_eq!(t.body.as_deref(), Some("<p>About the renewal</p>"));
        assert_eq!(t.status, TaskStatus::InProgress);
        assert_eq!(t.priority, Some(TaskPriority::High));
        assert_eq!(t.task_type.as_deref(), Some("CALL"));
        assert_eq!(t.due, Some(ts("2026-11-23T09:00:00Z")));
        assert_eq!(t.owner_id.as_deref(), Some("77"));
        assert_eq!(t.modified, Some(ts("2026-11-20T08:00:00Z")));
    }

    #[test]
    fn task_nulls_garbage_and_epoch_millis() {
        let t = task(read(json!({
            "id": 12,
            "properties": {
                "hs_task_subject": null, "hs_task_body": "  ", "hs_task_status": null,
                "hs_task_priority": "NONE", "hs_task_type": ["x"], "hs_timestamp": "1763625600000",
                "hubspot_owner_id": {"id": 1}, "hs_lastmodifieddate": "whenever"
            },
            "updatedAt": "2026-11-21T00:00:00Z"
        })))
        .expect("task");
        assert_eq!(t.id, "12");
        assert_eq!((t.subject.as_str(), t.display_subject()), ("", "(no subject)"));
        assert_eq!((t.body, t.priority, t.task_type, t.owner_id), (None, None, None, None));
        assert_eq!(t.status, TaskStatus::NotStarted);
        assert_eq!(t.due, Some(ts("2025-11-20T08:00:00Z")));
        assert_eq!(t.modified, Some(ts("2026-11-21T00:00:00Z")));
        let odd = task(read(
            json!({"id": "3", "properties": {"hs_task_status": "snoozed", "hs_timestamp": "soon"}}),
        ))
        .expect("task");
        assert_eq!((odd.status, odd.due), (TaskStatus::Other("SNOOZED".into()), None));
        assert!(task(read(json!({"properties": {"hs_task_subject": "no id"}}))).is_none());
    }

    #[test]
    fn times_in_every_form_hubspot_uses() {
        assert_eq!(time("2026-11-20T08:00:00Z"), Some(ts("2026-11-20T08:00:00Z")));
        assert_eq!(time("1763625600000"), Some(ts("2025-11-20T08:00:00Z")));
        assert_eq!(time("2026-11-20"), Some(ts("2026-11-20T00:00:00Z")));
        assert_eq!(time("soon"), None);
    }
}
