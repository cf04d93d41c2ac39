//! Task actions: complete a task, give it to another owner, push its due
//! time out. Each is one `PATCH /crm/v3/objects/tasks/{id}` of one property
//! (API-FACTS.md), planned here into the exact request (pure) and sent once
//! by `actions::execute`.

use jiff::Timestamp;
use serde_json::{Value, json};
use url::Url;

use super::actions::TASK_ACTIONS;
use crate::actions::time::until;
use crate::actions::{ActionArgs, ActionError, Availability, PlannedAction};
use crate::http::Method;
use crate::model::{CrmTask, TaskStatus};
use crate::sources::urls::join;

/// Whether `action` can run on `task` now. Arguments (the owner, the time)
/// are checked when planning.
pub(super) fn availability(action: &str, task: &CrmTask) -> Availability {
    let why = match action {
        "complete" if task.status == TaskStatus::Completed => format!("{} is already completed", described(task)),
        "complete" | "reassign" | "postpone" => return Availability::Ready,
        _ => format!("HubSpot has no task action {action:?} (it offers {})", offered()),
    };
    Availability::Disabled(why)
}

fn offered() -> String {
    TASK_ACTIONS.iter().map(|s| s.name).collect::<Vec<_>>().join(", ")
}

/// "'Call Ann back' (task 5001)".
fn described(task: &CrmTask) -> String {
    format!("'{}' (task {})", task.display_subject(), task.id)
}

/// How a due time reads in an effect or outcome: "Wed 25 Nov 09:00 UTC".
fn when(t: Timestamp) -> String {
    t.strftime("%a %-d %b %H:%M UTC").to_string()
}

/// `hs_timestamp` as HubSpot writes it: RFC 3339 in UTC with milliseconds.
fn hubspot_time(t: Timestamp) -> String {
    format!("{t:.3}")
}

/// The `PATCH` `action` on `task` would send, given the time `now`. Refuses,
/// saying why, what the task's state or the arguments do not allow.
pub(super) fn plan(
    source: &str,
    base: &Url,
    action: &str,
    task: &CrmTask,
    args: &ActionArgs,
    now: Timestamp,
) -> Result<PlannedAction, ActionError> {
    let Some(spec) = TASK_ACTIONS.iter().find(|s| s.name == action) else {
        return Err(ActionError::refused(format!(
            "HubSpot has no task action {action:?} (it offers {})",
            offered()
        )));
    };
    if let Availability::Disabled(why) = availability(action, task) {
        return Err(ActionError::refused(format!("cannot {action}: {why}")));
    }
    let refused = |why: String| ActionError::refused(why);
    let task_name = described(task);
    let (properties, effect) = match action {
        "complete" => (
            json!({"hs_task_status": "COMPLETED"}),
            format!("Marks {task_name} completed in HubSpot"),
        ),
        "reassign" => {
            let owner = args
                .owner_id
                .as_deref()
                .map(str::trim)
                .filter(|o| !o.is_empty())
                .ok_or_else(|| refused(format!("reassign needs an owner id for {task_name}")))?;
            if !owner.bytes().all(|b| b.is_ascii_digit()) {
                return Err(refused(format!(
                    "{owner:?} is not a HubSpot owner id (owner ids are numbers, as GET /crm/v3/owners lists them)"
                )));
            }
            if task.owner_id.as_deref() == Some(owner) {
                return Err(refused(format!("{task_name} is already owned by {owner}")));
            }
            let effect = match &task.owner_id {
                Some(old) => format!("Reassigns {task_name} from owner {old} to owner {owner}"),
                None => format!("Assigns {task_name} to owner {owner}"),
            };
            (json!({"hubspot_owner_id": owner}), effect)
        }
        "postpone" => {
            let wanted = args.time.ok_or_else(|| {
                refused(format!(
                    "postpone needs a new due time for {task_name}: like 2026-11-25 09:00, tomorrow 09:00 or +1d"
                ))
            })?;
            // HubSpot keeps milliseconds: compare what will be stored.
            let to = Timestamp::from_millisecond(wanted.as_millisecond()).unwrap_or(wanted);
            if to <= now {
                return Err(refused(format!(
                    "{} is not in the future: postpone moves {task_name} to a later time",
                    when(to)
                )));
            }
            if let Some(due) = task.due
                && to <= due
            {
                return Err(refused(format!(
                    "{task_name} is already due {}: postpone needs a later time than that",
                    when(due)
                )));
            }
            let effect = match task.due {
                Some(due) => format!(
                    "Moves the due time of {task_name} from {} to {} ({})",
                    when(due),
                    when(to),
                    until(now, to)
                ),
                None => format!("Sets the due time of {task_name} to {} ({})", when(to), until(now, to)),
            };
            (json!({"hs_timestamp": hubspot_time(to)}), effect)
        }
        other => return Err(refused(format!("HubSpot task action {other:?} cannot be planned"))),
    };
    let url = join(base, &["crm", "v3", "objects", "tasks", &task.id])
        .map_err(|e| refused(format!("cannot build the request: {e}")))?;
    Ok(PlannedAction {
        source: source.to_owned(),
        action: action.to_owned(),
        target_id: task.id.clone(),
        target_name: task.display_subject().to_owned(),
        method: Method::PATCH,
        url,
        body: Some(json!({ "properties": properties })),
        auth: "Bearer ***".to_owned(),
        irreversible: spec.irreversible,
        effect,
    })
}

/// What a sent task action did, in words, read back from the plan; `None`
/// for an action that is not a task action.
pub(super) fn summary(planned: &PlannedAction) -> Option<String> {
    let sent = |key: &str| {
        planned
            .body
            .as_ref()
            .and_then(|b| b.get("properties"))
            .and_then(|p| p.get(key))
            .and_then(Value::as_str)
    };
    let task = &planned.target_name;
    Some(match planned.action.as_str() {
        "complete" => format!("task '{task}' completed"),
        "reassign" => format!("task '{task}' reassigned to owner {}", sent("hubspot_owner_id")?),
        "postpone" => match sent("hs_timestamp").and_then(|t| t.parse::<Timestamp>().ok()) {
            Some(due) => format!("task '{task}' now due {}", when(due)),
            None => format!("task '{task}' postponed"),
        },
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TaskPriority;

    const NOW: &str = "2026-11-22T16:07:00Z";

    fn ts(s: &str) -> Timestamp {
        s.parse().expect("timestamp")
    }

    fn base() -> Url {
        Url::parse("https://api.hubapi.com").expect("url")
    }

    fn task(id: &str) -> CrmTask {
        CrmTask {
            id: id.into(),
            subject: "Call Ann back".into(),
            status: TaskStatus::NotStarted,
            priority: Some(TaskPriority::High),
            due: Some(ts("2026-11-23T09:00:00Z")),
            owner_id: Some("77".into()),
            ..CrmTask::default()
        }
    }

    fn go(action: &str, t: &CrmTask, args: ActionArgs) -> Result<PlannedAction, ActionError> {
        plan("crm", &base(), action, t, &args, ts(NOW))
    }

    fn owner(id: &str) -> ActionArgs {
        ActionArgs {
            owner_id: Some(id.into()),
            ..ActionArgs::default()
        }
    }

    fn at(t: &str) -> ActionArgs {
        ActionArgs {
            time: Some(ts(t)),
            ..ActionArgs::default()
        }
    }

    #[test]
    fn complete_patches_the_status_and_names_the_task() {
        let p = go("complete", &task("5001"), ActionArgs::default()).expect("plan");
        assert_eq!(p.method, Method::PATCH);
        assert_eq!(p.url.as_str(), "https://api.hubapi.com/crm/v3/objects/tasks/5001");
        assert_eq!(p.body, Some(json!({"properties": {"hs_task_status": "COMPLETED"}})));
        assert_eq!(
            (p.target_id.as_str(), p.target_name.as_str()),
            ("5001", "Call Ann back")
        );
        assert_eq!(p.effect, "Marks 'Call Ann back' (task 5001) completed in HubSpot");
        assert_eq!(p.auth, "Bearer ***");
        assert!(!p.irreversible);
        assert_eq!(summary(&p).as_deref(), Some("task 'Call Ann back' completed"));
    }

    #[test]
    fn a_completed_task_cannot_be_completed_again() {
        let mut t = task("5001");
        t.status = TaskStatus::Completed;
        assert_eq!(
            availability("complete", &t),
            Availability::Disabled("'Call Ann back' (task 5001) is already completed".into())
        );
        let err = go("complete", &t, ActionArgs::default()).unwrap_err();
        assert_eq!(
            err.message,
            "cannot complete: 'Call Ann back' (task 5001) is already completed"
        );
        assert_eq!(availability("postpone", &t), Availability::Ready);
    }

    #[test]
    fn ids_are_path_segments_never_spliced() {
        let p = go("complete", &task("50/01?x"), ActionArgs::default()).expect("plan");
        assert_eq!(
            p.url.as_str(),
            "https://api.hubapi.com/crm/v3/objects/tasks/50%2F01%3Fx"
        );
    }

    #[test]
    fn reassign_needs_a_different_numeric_owner() {
        let t = task("5001");
        let err = |args| go("reassign", &t, args).unwrap_err().message;
        assert!(err(ActionArgs::default()).contains("needs an owner id"));
        assert!(err(owner(" ")).contains("needs an owner id"));
        assert!(err(owner("sam@acme")).contains("not a HubSpot owner id"));
        assert!(err(owner("77")).contains("already owned by 77"));
        let p = go("reassign", &t, owner(" 78 ")).expect("plan");
        assert_eq!(p.body, Some(json!({"properties": {"hubspot_owner_id": "78"}})));
        assert_eq!(
            p.effect,
            "Reassigns 'Call Ann back' (task 5001) from owner 77 to owner 78"
        );
        assert_eq!(
            summary(&p).as_deref(),
            Some("task 'Call Ann back' reassigned to owner 78")
        );
        let unowned = CrmTask {
            owner_id: None,
            ..task("5002")
        };
        let p = go("reassign", &unowned, owner("78")).expect("plan");
        assert_eq!(p.effect, "Assigns 'Call Ann back' (task 5002) to owner 78");
    }

    #[test]
    fn postpone_sends_utc_milliseconds_and_says_when() {
        let p = go("postpone", &task("5001"), at("2026-11-25T10:00:00+01:00")).expect("plan");
        assert_eq!(
            p.body,
            Some(json!({"properties": {"hs_timestamp": "2026-11-25T09:00:00.000Z"}}))
        );
        assert_eq!(
            p.effect,
            "Moves the due time of 'Call Ann back' (task 5001) from Mon 23 Nov 09:00 UTC \
             to Wed 25 Nov 09:00 UTC (in 2d 16h)"
        );
        assert_eq!(
            summary(&p).as_deref(),
            Some("task 'Call Ann back' now due Wed 25 Nov 09:00 UTC")
        );
        let p = go("postpone", &task("5001"), at("2026-11-25T09:00:00.123456Z")).expect("plan");
        assert_eq!(
            p.body,
            Some(json!({"properties": {"hs_timestamp": "2026-11-25T09:00:00.123Z"}}))
        );
    }

    #[test]
    fn postpone_needs_a_time_later_than_now_and_the_current_due() {
        let t = task("5001");
        let err = |args| go("postpone", &t, args).unwrap_err().message;
        assert!(err(ActionArgs::default()).contains("needs a new due time"));
        assert!(
            err(at("2026-11-22T16:00:00Z")).contains("not in the future"),
            "the past"
        );
        assert!(err(at(NOW)).contains("not in the future"), "now is not later");
        assert_eq!(
            err(at("2026-11-23T08:00:00Z")),
            "'Call Ann back' (task 5001) is already due Mon 23 Nov 09:00 UTC: postpone needs a later time than that"
        );
        assert!(
            err(at("2026-11-23T09:00:00Z")).contains("already due"),
            "the same time is no postponement"
        );
        let undated = CrmTask {
            due: None,
            ..task("5003")
        };
        let p = go("postpone", &undated, at("2026-11-23T08:00:00Z")).expect("plan");
        assert_eq!(
            p.effect,
            "Sets the due time of 'Call Ann back' (task 5003) to Mon 23 Nov 08:00 UTC (in 15h 53m)"
        );
    }

    #[test]
    fn unknown_actions_on_a_task_are_named() {
        let t = task("5001");
        let offered = "(it offers complete, reassign, postpone)";
        assert_eq!(
            availability("opt-out", &t),
            Availability::Disabled(format!("HubSpot has no task action \"opt-out\" {offered}"))
        );
        let err = go("explode", &t, ActionArgs::default()).unwrap_err();
        assert_eq!(err.message, format!("HubSpot has no task action \"explode\" {offered}"));
    }
}
