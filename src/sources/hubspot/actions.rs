//! Contact actions: merge two contacts, assign an owner, set the lifecycle
//! stage, opt a contact out of email. Planned into the exact request (pure)
//! and sent once. Task actions are planned in `tasks` and sent here too.

use std::time::Instant;

use jiff::Timestamp;
use serde_json::{Value, json};
use url::Url;

use super::hubspot_error;
use super::tasks;
use super::wire::LIFECYCLE_STAGES;
use crate::actions::{ActionArgs, ActionError, ActionSpec, ArgKind, Availability, Outcome, PlannedAction, Target};
use crate::http::{Auth, Method, Request, SourceClient, StatusCode};
use crate::model::Contact;
use crate::sources::urls::join;

const MERGE: ActionSpec = ActionSpec {
    name: "merge",
    summary: "merge a duplicate contact into the one to keep",
    irreversible: true,
    arg: ArgKind::None,
};
const ASSIGN_OWNER: ActionSpec = ActionSpec {
    name: "assign-owner",
    summary: "make a HubSpot owner responsible for the contact",
    irreversible: false,
    arg: ArgKind::Owner,
};
const SET_LIFECYCLE_STAGE: ActionSpec = ActionSpec {
    name: "set-lifecycle-stage",
    summary: "move the contact to a later lifecycle stage",
    irreversible: false,
    arg: ArgKind::LifecycleStage,
};
const OPT_OUT: ActionSpec = ActionSpec {
    name: "opt-out",
    summary: "opt the contact out of all marketing email",
    irreversible: false,
    arg: ArgKind::None,
};

const COMPLETE: ActionSpec = ActionSpec {
    name: "complete",
    summary: "mark the task completed",
    irreversible: false,
    arg: ArgKind::None,
};
const REASSIGN: ActionSpec = ActionSpec {
    name: "reassign",
    summary: "give the task to another owner",
    irreversible: false,
    arg: ArgKind::Owner,
};
const POSTPONE: ActionSpec = ActionSpec {
    name: "postpone",
    summary: "push the task's due date out",
    irreversible: false,
    arg: ArgKind::Time,
};

/// The actions on one CRM task.
pub const TASK_ACTIONS: &[ActionSpec] = &[COMPLETE, REASSIGN, POSTPONE];

/// Every HubSpot contact action (task actions are in [`TASK_ACTIONS`]).
pub const ACTIONS: &[ActionSpec] = &[MERGE, ASSIGN_OWNER, SET_LIFECYCLE_STAGE, OPT_OUT];
/// The actions on one contact.
pub const CONTACT_ACTIONS: &[ActionSpec] = &[ASSIGN_OWNER, SET_LIFECYCLE_STAGE, OPT_OUT];
/// The action on a pair of contacts.
pub const MERGE_ACTIONS: &[ActionSpec] = &[MERGE];

/// Whether `action` can run on `target` now, as HubSpot would allow it.
/// Arguments (the owner, the stage) are checked when planning.
pub fn availability(action: &str, target: Target<'_>) -> Availability {
    let why = match (action, target) {
        (_, Target::Task(task)) => return tasks::availability(action, task),
        ("complete" | "reassign" | "postpone", _) => format!("{action} acts on one CRM task"),
        ("merge", Target::Merge { primary, secondary }) if primary.id == secondary.id => {
            "a contact cannot be merged with itself".to_owned()
        }
        ("merge", Target::Merge { .. }) => return Availability::Ready,
        ("merge", _) => "merge needs two contacts: the one to keep and its duplicate".to_owned(),
        ("opt-out", Target::Contact(c)) if c.email_optout == Some(true) => {
            format!("{} is already opted out of email", c.display_name())
        }
        ("assign-owner" | "set-lifecycle-stage" | "opt-out", Target::Contact(_)) => return Availability::Ready,
        ("assign-owner" | "set-lifecycle-stage" | "opt-out", _) => format!("{action} acts on one contact"),
        _ => format!("HubSpot has no action {action:?}"),
    };
    Availability::Disabled(why)
}

/// "Ann Lee (id 101, ann@acme.example)".
fn described(c: &Contact) -> String {
    let name = c.display_name();
    match &c.email {
        Some(email) if *email != name => format!("'{name}' (id {}, {email})", c.id),
        _ => format!("'{name}' (id {})", c.id),
    }
}

/// The request `action` on `target` would send, given the time `now`.
/// Refuses, saying why, what the target's state or the arguments do not allow.
pub(super) fn plan(
    source: &str,
    base: &Url,
    action: &str,
    target: Target<'_>,
    args: &ActionArgs,
    now: Timestamp,
) -> Result<PlannedAction, ActionError> {
    if let Target::Task(task) = target {
        return tasks::plan(source, base, action, task, args, now);
    }
    let Some(spec) = ACTIONS.iter().chain(TASK_ACTIONS).find(|s| s.name == action) else {
        let offered: Vec<&str> = ACTIONS.iter().chain(TASK_ACTIONS).map(|s| s.name).collect();
        return Err(ActionError::refused(format!(
            "HubSpot has no action {action:?} (it offers {})",
            offered.join(", ")
        )));
    };
    if let Availability::Disabled(why) = availability(action, target) {
        return Err(ActionError::refused(format!("cannot {action}: {why}")));
    }
    let refused = |why: String| ActionError::refused(why);
    let build = |segments: &[&str]| {
        join(base, segments).map_err(|e| ActionError::refused(format!("cannot build the request: {e}")))
    };
    let (method, url, body, contact, effect) = match (action, target) {
        ("merge", Target::Merge { primary, secondary }) => (
            Method::POST,
            build(&["crm", "v3", "objects", "contacts", "merge"])?,
            json!({"primaryObjectId": primary.id, "objectIdToMerge": secondary.id}),
            secondary,
            format!(
                "Merges {} into {}: HubSpot keeps {} and removes {}. Cannot be undone",
                described(secondary),
                described(primary),
                primary.id,
                secondary.id
            ),
        ),
        ("assign-owner", Target::Contact(c)) => {
            let owner = args
                .owner_id
                .as_deref()
                .map(str::trim)
                .filter(|o| !o.is_empty())
                .ok_or_else(|| refused(format!("assign-owner needs an owner id for {}", described(c))))?;
            if !owner.bytes().all(|b| b.is_ascii_digit()) {
                return Err(refused(format!(
                    "{owner:?} is not a HubSpot owner id (owner ids are numbers, as GET /crm/v3/owners lists them)"
                )));
            }
            if c.owner_id.as_deref() == Some(owner) {
                return Err(refused(format!("{} is already owned by {owner}", described(c))));
            }
            let effect = match &c.owner_id {
                Some(old) => format!("Reassigns {} from owner {old} to owner {owner}", described(c)),
                None => format!("Assigns {} to owner {owner}", described(c)),
            };
            (
                Method::PATCH,
                build(&["crm", "v3", "objects", "contacts", &c.id])?,
                json!({"properties": {"hubspot_owner_id": owner}}),
                c,
                effect,
            )
        }
        ("set-lifecycle-stage", Target::Contact(c)) => {
            let wanted = args
                .lifecycle_stage
                .as_deref()
                .map(|s| s.trim().to_ascii_lowercase())
                .filter(|s| !s.is_empty())
                .ok_or_else(|| {
                    refused(format!(
                        "set-lifecycle-stage needs a stage for {}: one of {}",
                        described(c),
                        LIFECYCLE_STAGES.join(", ")
                    ))
                })?;
            let Some(to) = stage_rank(&wanted) else {
                return Err(refused(format!(
                    "{wanted:?} is not a HubSpot lifecycle stage: use one of {}",
                    LIFECYCLE_STAGES.join(", ")
                )));
            };
            let from = c.lifecyclestage.as_deref();
            if from == Some(wanted.as_str()) {
                return Err(refused(format!("{} is already a {wanted}", described(c))));
            }
            // HubSpot moves lifecycle stages forward only; going back needs
            // the property cleared first, which is a second, separate write.
            if let Some(current) = from.and_then(stage_rank)
                && to < current
            {
                return Err(refused(format!(
                    "HubSpot only moves lifecycle stages forward: {} is a {}; clear the stage in HubSpot first to set {wanted}",
                    described(c),
                    from.unwrap_or_default()
                )));
            }
            let effect = match from {
                Some(old) => format!("Moves {} from {old} to {wanted}", described(c)),
                None => format!("Sets the lifecycle stage of {} to {wanted}", described(c)),
            };
            (
                Method::PATCH,
                build(&["crm", "v3", "objects", "contacts", &c.id])?,
                json!({"properties": {"lifecyclestage": wanted}}),
                c,
                effect,
            )
        }
        ("opt-out", Target::Contact(c)) => (
            Method::PATCH,
            build(&["crm", "v3", "objects", "contacts", &c.id])?,
            json!({"properties": {"hs_email_optout": "true"}}),
            c,
            format!(
                "Opts {} out of all marketing email in HubSpot (hs_email_optout = true)",
                described(c)
            ),
        ),
        _ => {
            return Err(refused(format!("HubSpot action {action:?} cannot be planned")));
        }
    };
    Ok(PlannedAction {
        source: source.to_owned(),
        action: action.to_owned(),
        target_id: contact.id.clone(),
        target_name: contact.display_name(),
        method,
        url,
        body: Some(body),
        auth: "Bearer ***".to_owned(),
        irreversible: spec.irreversible,
        effect,
    })
}

fn stage_rank(stage: &str) -> Option<usize> {
    LIFECYCLE_STAGES.iter().position(|s| *s == stage)
}

/// Sends `planned` once with `auth`, tagged `request_id`. A 2xx other than
/// 207 is an [`Outcome`]; a 207 (partial failure) or any other status is an
/// [`ActionError`] with HubSpot's message, category and correlation id.
pub(super) async fn execute(
    client: &SourceClient,
    auth: Auth,
    base: &Url,
    planned: &PlannedAction,
    request_id: &str,
) -> Result<Outcome, ActionError> {
    // Never send the token to a host other than the configured one, whatever
    // the plan (perhaps from an old queue entry) says.
    let known = ACTIONS.iter().chain(TASK_ACTIONS).any(|s| s.name == planned.action);
    if planned.url.origin() != base.origin() || !known {
        return Err(ActionError::refused(format!(
            "refusing {:?}: not a HubSpot action on this source",
            planned.action
        )));
    }
    let mut request = Request::new(planned.method.clone(), planned.url.clone())
        .with_auth(auth)
        .with_request_id(request_id);
    if let Some(body) = &planned.body {
        request = request.with_json(body.clone());
    }
    let scrub = client.scrubber_for(&request.auth);
    let started = Instant::now();
    let what = format!("{} '{}'", planned.action, planned.target_name);
    match client.send(request).await {
        Ok(resp) if resp.status.is_success() && resp.status != StatusCode::MULTI_STATUS => Ok(Outcome {
            http_status: resp.status.as_u16(),
            request_id: resp.request_id,
            duration: resp.latency,
            summary: scrub.scrub(&summary(planned, &resp.body)),
        }),
        Ok(resp) => {
            let vendor = hubspot_error(&resp.body).map(|mut v| {
                v.message = scrub.scrub(&v.message);
                v.code = v.code.as_deref().map(|c| scrub.scrub(c));
                v
            });
            Err(crate::sources::refused_by_vendor(&what, &resp, vendor, &scrub))
        }
        Err(e) => Err(crate::sources::not_answered(&what, &e, started, &scrub)),
    }
}

/// The id the merge removed, read back from the plan's own body.
pub(super) fn merged_away(planned: &PlannedAction) -> Option<&str> {
    (planned.action == "merge")
        .then(|| planned.body.as_ref()?.get("objectIdToMerge")?.as_str())
        .flatten()
}

/// What happened, in words, for the toast and the audit log.
fn summary(planned: &PlannedAction, body: &[u8]) -> String {
    let sent = |key: &str| {
        planned
            .body
            .as_ref()
            .and_then(|b| b.get("properties"))
            .and_then(|p| p.get(key))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    match planned.action.as_str() {
        "merge" => {
            let survivor = serde_json::from_slice::<Value>(body)
                .ok()
                .and_then(|v| v.get("id").and_then(Value::as_str).map(str::to_owned));
            let gone = merged_away(planned).unwrap_or("?");
            match survivor {
                Some(id) => format!("merged contact {gone} away; contact {id} remains"),
                None => format!("merged contact {gone} away"),
            }
        }
        "assign-owner" => format!("owner set to {}", sent("hubspot_owner_id")),
        "set-lifecycle-stage" => format!("lifecycle stage set to {}", sent("lifecyclestage")),
        "opt-out" => "opted out of marketing email".to_owned(),
        other => tasks::summary(planned).unwrap_or_else(|| format!("{other} done")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://api.hubapi.com").expect("url")
    }

    fn contact(id: &str, stage: Option<&str>) -> Contact {
        Contact {
            id: id.into(),
            email: Some(format!("c{id}@acme.example")),
            firstname: Some("Ann".into()),
            lastname: Some(format!("Lee{id}")),
            lifecyclestage: stage.map(str::to_owned),
            ..Contact::default()
        }
    }

    fn args(owner: Option<&str>, stage: Option<&str>) -> ActionArgs {
        ActionArgs {
            owner_id: owner.map(str::to_owned),
            lifecycle_stage: stage.map(str::to_owned),
            ..ActionArgs::default()
        }
    }

    #[test]
    fn merge_names_both_records_and_is_irreversible() {
        let (a, b) = (contact("1", None), contact("2", None));
        let p = plan(
            "crm",
            &base(),
            "merge",
            Target::Merge {
                primary: &a,
                secondary: &b,
            },
            &ActionArgs::default(),
            Timestamp::UNIX_EPOCH,
        )
        .expect("plan");
        assert_eq!(
            (&p.method, p.url.as_str()),
            (&Method::POST, "https://api.hubapi.com/crm/v3/objects/contacts/merge")
        );
        assert_eq!(p.body, Some(json!({"primaryObjectId": "1", "objectIdToMerge": "2"})));
        assert!(p.irreversible);
        assert_eq!(
            p.effect,
            "Merges 'Ann Lee2' (id 2, c2@acme.example) into 'Ann Lee1' (id 1, c1@acme.example): \
             HubSpot keeps 1 and removes 2. Cannot be undone"
        );
        assert_eq!(merged_away(&p), Some("2"));
        let err = plan(
            "crm",
            &base(),
            "merge",
            Target::Merge {
                primary: &a,
                secondary: &a,
            },
            &ActionArgs::default(),
            Timestamp::UNIX_EPOCH,
        )
        .unwrap_err();
        assert_eq!(err.message, "cannot merge: a contact cannot be merged with itself");
    }

    #[test]
    fn lifecycle_stage_is_validated_and_moves_forward_only() {
        let c = contact("5", Some("customer"));
        let go = |stage| {
            plan(
                "crm",
                &base(),
                "set-lifecycle-stage",
                Target::Contact(&c),
                &args(None, stage),
                Timestamp::UNIX_EPOCH,
            )
        };
        assert!(go(None).unwrap_err().message.contains("needs a stage"));
        assert!(
            go(Some("vip"))
                .unwrap_err()
                .message
                .contains("not a HubSpot lifecycle stage")
        );
        assert!(
            go(Some("lead"))
                .unwrap_err()
                .message
                .contains("only moves lifecycle stages forward")
        );
        assert!(go(Some("customer")).unwrap_err().message.contains("already a customer"));
        let p = go(Some("Evangelist")).expect("plan");
        assert_eq!(p.body, Some(json!({"properties": {"lifecyclestage": "evangelist"}})));
        assert_eq!(p.method, Method::PATCH);
        assert_eq!(p.url.as_str(), "https://api.hubapi.com/crm/v3/objects/contacts/5");
    }

    #[test]
    fn owner_must_be_a_numeric_id_and_different() {
        let mut c = contact("5", None);
        c.owner_id = Some("77".into());
        let go = |owner| {
            plan(
                "crm",
                &base(),
                "assign-owner",
                Target::Contact(&c),
                &args(owner, None),
                Timestamp::UNIX_EPOCH,
            )
        };
        assert!(go(None).unwrap_err().message.contains("needs an owner id"));
        assert!(
            go(Some("sam@acme"))
                .unwrap_err()
                .message
                .contains("not a HubSpot owner id")
        );
        assert!(go(Some("77")).unwrap_err().message.contains("already owned by 77"));
        let p = go(Some(" 78 ")).expect("plan");
        assert_eq!(p.body, Some(json!({"properties": {"hubspot_owner_id": "78"}})));
        assert!(p.effect.contains("from owner 77 to owner 78"), "{}", p.effect);
    }

    #[test]
    fn availability_explains_refusals() {
        let mut c = contact("5", None);
        assert_eq!(availability("opt-out", Target::Contact(&c)), Availability::Ready);
        c.email_optout = Some(true);
        assert_eq!(
            availability("opt-out", Target::Contact(&c)),
            Availability::Disabled("Ann Lee5 is already opted out of email".into())
        );
        assert!(
            matches!(availability("merge", Target::Contact(&c)), Availability::Disabled(w) if w.contains("two contacts"))
        );
        assert!(matches!(
            availability("explode", Target::Contact(&c)),
            Availability::Disabled(_)
        ));
        assert_eq!(
            availability("complete", Target::Contact(&c)),
            Availability::Disabled("complete acts on one CRM task".into())
        );
        let err = plan(
            "crm",
            &base(),
            "postpone",
            Target::Contact(&c),
            &ActionArgs::default(),
            Timestamp::UNIX_EPOCH,
        )
        .unwrap_err();
        assert_eq!(err.message, "cannot postpone: postpone acts on one CRM task");
    }

    #[test]
    fn task_targets_go_to_the_task_actions() {
        let t = crate::model::CrmTask {
            id: "9".into(),
            subject: "Send the deck".into(),
            ..crate::model::CrmTask::default()
        };
        assert_eq!(availability("complete", Target::Task(&t)), Availability::Ready);
        assert!(
            matches!(availability("merge", Target::Task(&t)), Availability::Disabled(w) if w.contains("no task action"))
        );
        let p = plan(
            "crm",
            &base(),
            "complete",
            Target::Task(&t),
            &ActionArgs::default(),
            Timestamp::UNIX_EPOCH,
        )
        .expect("plan");
        assert_eq!(p.url.as_str(), "https://api.hubapi.com/crm/v3/objects/tasks/9");
    }
}
