//! Handlers for campaigns, campaign actions, reports, audiences and members.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde_json::{Map, Value, json};

use super::query::{ApiError, Query};
use super::render;
use super::store::{Action, Applied, Campaign, MemberStatus, Refusal, Status, subscriber_hash};
use crate::sandbox::AppState;

type Answer = Result<Response, ApiError>;

/// Every `type` value Mailchimp knows, though the sandbox has only three.
const CAMPAIGN_TYPES: [&str; 5] = ["regular", "plaintext", "absplit", "rss", "variate"];

pub(crate) async fn list_campaigns(State(state): State<Arc<AppState>>, RawQuery(raw): RawQuery) -> Answer {
    let q = Query::parse(raw.as_deref());
    let page = q.page()?;
    let statuses: Vec<&str> = Status::ALL.iter().map(|s| s.key()).collect();
    let status = q.one_of("status", &statuses)?;
    let kind = q.one_of("type", &CAMPAIGN_TYPES)?;
    let list_id = q.get("list_id");
    let since_send = q.time("since_send_time")?;
    let before_send = q.time("before_send_time")?;
    let since_create = q.time("since_create_time")?;
    let before_create = q.time("before_create_time")?;
    let sort_field = q.one_of("sort_field", &["create_time", "send_time"])?;
    let descending = match q.get("sort_dir").map(str::to_ascii_uppercase).as_deref() {
        None | Some("ASC") => false,
        Some("DESC") => true,
        Some(_) => return Err(ApiError::field("sort_dir", "sort_dir must be one of: ASC, DESC.")),
    };

    let data = state.mailchimp.data(Timestamp::now());
    let mut matching: Vec<&Campaign> = data
        .campaigns
        .iter()
        .filter(|c| status.is_none_or(|s| c.status.key() == s))
        .filter(|c| kind.is_none_or(|k| c.kind.key() == k))
        .filter(|c| list_id.is_none_or(|l| c.list_id == l))
        .filter(|c| since_send.is_none_or(|t| c.send_time.is_some_and(|s| s >= t)))
        .filter(|c| before_send.is_none_or(|t| c.send_time.is_some_and(|s| s < t)))
        .filter(|c| since_create.is_none_or(|t| c.create_time >= t))
        .filter(|c| before_create.is_none_or(|t| c.create_time < t))
        .collect();
    // Stable: ties keep creation order. Unsent campaigns sort before sent ones.
    match sort_field {
        Some("send_time") => matching.sort_by_key(|c| c.send_time),
        Some(_) => matching.sort_by_key(|c| c.create_time),
        None => {}
    }
    if descending {
        matching.reverse();
    }
    let campaigns: Vec<Value> = page.of(&matching).iter().map(|c| render::campaign(&data, c)).collect();
    Ok(q.respond(json!({ "campaigns": campaigns, "total_items": matching.len() })))
}

pub(crate) async fn get_campaign(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Answer {
    let q = Query::parse(raw.as_deref());
    let data = state.mailchimp.data(Timestamp::now());
    let c = data.campaign(&id).ok_or(ApiError::NotFound)?;
    Ok(q.respond(render::campaign(&data, c)))
}

/// `POST /campaigns/{id}/actions/{action}`: 204 (replicate: 200 with the copy).
/// Checked in order: campaign, action name, body shape, campaign state, values.
pub(crate) async fn campaign_action(
    State(state): State<Arc<AppState>>,
    Path((id, name)): Path<(String, String)>,
    body: Bytes,
) -> Answer {
    let now = Timestamp::now();
    if state.mailchimp.data(now).campaign(&id).is_none() || !Action::NAMES.contains(&name.as_str()) {
        return Err(ApiError::NotFound);
    }
    let action = parse_action(&name, &body)?;
    let mut data = state.mailchimp.data(now);
    let outcome = data.apply(&id, &action, now).ok_or(ApiError::NotFound)?;
    match outcome {
        Ok(Applied::Done) => {
            tracing::info!(campaign = %id, action = %name, "sandbox mailchimp campaign action applied");
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        Ok(Applied::Created(new_id)) => {
            tracing::info!(campaign = %id, copy = %new_id, "sandbox mailchimp campaign replicated");
            let copy = data.campaign(&new_id).ok_or(ApiError::NotFound)?;
            Ok((StatusCode::OK, axum::Json(render::campaign(&data, copy))).into_response())
        }
        Err(Refusal::State(detail)) => Err(ApiError::BadRequest(detail)),
        Err(Refusal::Field { field, message }) => Err(ApiError::field(field, message)),
    }
}

/// Reads an action's body: `schedule` and `test` need one, the rest ignore it.
fn parse_action(name: &str, body: &[u8]) -> Result<Action, ApiError> {
    let object = || -> Result<Map<String, Value>, ApiError> {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(map)) => Ok(map),
            Ok(_) => Err(ApiError::field("", "Schema describes object, other type found instead")),
            Err(_) => Err(ApiError::JsonParse),
        }
    };
    Ok(match name {
        "schedule" => {
            let map = object()?;
            let time = match map.get("schedule_time") {
                None | Some(Value::Null) => {
                    return Err(ApiError::field("schedule_time", "This value should not be blank."));
                }
                Some(Value::String(s)) => s.parse::<Timestamp>().map_err(|_| {
                    ApiError::field(
                        "schedule_time",
                        format!("{s:?} is not a valid date-time; use ISO 8601, e.g. 2015-10-21T15:45:00+00:00."),
                    )
                })?,
                Some(_) => {
                    return Err(ApiError::field(
                        "schedule_time",
                        "Schema describes string, other type found instead",
                    ));
                }
            };
            let timewarp = match map.get("timewarp") {
                None | Some(Value::Null) => false,
                Some(Value::Bool(b)) => *b,
                Some(_) => {
                    return Err(ApiError::field(
                        "timewarp",
                        "Schema describes boolean, other type found instead",
                    ));
                }
            };
            Action::Schedule { time, timewarp }
        }
        "test" => {
            let map = object()?;
            check_test_body(&map)?;
            Action::Test
        }
        "unschedule" => Action::Unschedule,
        "cancel-send" => Action::CancelSend,
        "pause" => Action::Pause,
        "resume" => Action::Resume,
        "replicate" => Action::Replicate,
        "send" => Action::Send,
        _ => return Err(ApiError::NotFound),
    })
}

fn check_test_body(map: &Map<String, Value>) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    match map.get("test_emails") {
        Some(Value::Array(emails)) if !emails.is_empty() => {
            for email in emails {
                match email.as_str() {
                    Some(e) if looks_like_email(e) => {}
                    _ => errors.push((
                        "test_emails".to_owned(),
                        format!("{email} is not a valid email address."),
                    )),
                }
            }
        }
        Some(Value::Array(_)) | None | Some(Value::Null) => {
            errors.push(("test_emails".to_owned(), "This value should not be blank.".to_owned()));
        }
        Some(_) => errors.push((
            "test_emails".to_owned(),
            "Schema describes array, other type found instead".to_owned(),
        )),
    }
    match map.get("send_type").and_then(Value::as_str) {
        Some("html" | "plaintext") => {}
        _ => errors.push((
            "send_type".to_owned(),
            "send_type must be one of: html, plaintext.".to_owned(),
        )),
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Invalid(errors))
    }
}

/// `local@domain.tld`, no spaces: the shape Mailchimp accepts.
fn looks_like_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !s.chars().any(char::is_whitespace)
        && !domain.contains('@')
        && domain.split('.').count() >= 2
        && domain.split('.').all(|part| !part.is_empty())
}

pub(crate) async fn list_reports(State(state): State<Arc<AppState>>, RawQuery(raw): RawQuery) -> Answer {
    let q = Query::parse(raw.as_deref());
    let page = q.page()?;
    let kind = q.one_of("type", &CAMPAIGN_TYPES)?;
    let since_send = q.time("since_send_time")?;
    let before_send = q.time("before_send_time")?;
    let data = state.mailchimp.data(Timestamp::now());
    let reports: Vec<Value> = data
        .campaigns
        .iter()
        .filter(|c| c.report.is_some())
        .filter(|c| kind.is_none_or(|k| c.kind.key() == k))
        .filter(|c| since_send.is_none_or(|t| c.send_time.is_some_and(|s| s >= t)))
        .filter(|c| before_send.is_none_or(|t| c.send_time.is_some_and(|s| s < t)))
        .filter_map(|c| render::report(&data, c))
        .collect();
    let total = reports.len();
    let shown = page.of(&reports).to_vec();
    Ok(q.respond(json!({ "reports": shown, "total_items": total })))
}

pub(crate) async fn get_report(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Answer {
    let q = Query::parse(raw.as_deref());
    let data = state.mailchimp.data(Timestamp::now());
    let c = data.campaign(&id).ok_or(ApiError::NotFound)?;
    let report = render::report(&data, c).ok_or(ApiError::NotFound)?;
    Ok(q.respond(report))
}

pub(crate) async fn list_lists(State(state): State<Arc<AppState>>, RawQuery(raw): RawQuery) -> Answer {
    let q = Query::parse(raw.as_deref());
    let page = q.page()?;
    let data = state.mailchimp.data(Timestamp::now());
    let lists: Vec<Value> = page.of(&data.lists).iter().map(|l| render::list(&data, l)).collect();
    Ok(q.respond(json!({
        "lists": lists,
        "total_items": data.lists.len(),
        "constraints": {
            "may_create": true,
            "max_instances": 5,
            "current_total_instances": data.lists.len(),
        },
    })))
}

pub(crate) async fn get_list(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Answer {
    let q = Query::parse(raw.as_deref());
    let data = state.mailchimp.data(Timestamp::now());
    let list = data.list(&id).ok_or(ApiError::NotFound)?;
    Ok(q.respond(render::list(&data, list)))
}

pub(crate) async fn list_members(
    State(state): State<Arc<AppState>>,
    Path(list_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Answer {
    let q = Query::parse(raw.as_deref());
    let data = state.mailchimp.data(Timestamp::now());
    let list = data.list(&list_id).ok_or(ApiError::NotFound)?;
    let page = q.page()?;
    let statuses: Vec<&str> = MemberStatus::ALL.iter().map(|s| s.key()).collect();
    let status = q.one_of("status", &statuses)?;
    let since_changed = q.time("since_last_changed")?;
    let before_changed = q.time("before_last_changed")?;
    let matching: Vec<_> = list
        .members
        .iter()
        .filter(|m| status.is_none_or(|s| m.status.key() == s))
        .filter(|m| since_changed.is_none_or(|t| m.last_changed >= t))
        .filter(|m| before_changed.is_none_or(|t| m.last_changed < t))
        .collect();
    let members: Vec<Value> = page.of(&matching).iter().map(|m| render::member(&list.id, m)).collect();
    Ok(q.respond(json!({
        "members": members,
        "list_id": list.id,
        "total_items": matching.len(),
    })))
}

/// Mailchimp takes the email address in place of its hash too.
fn hash_of(key: &str) -> String {
    if key.contains('@') {
        subscriber_hash(key)
    } else {
        key.to_ascii_lowercase()
    }
}

pub(crate) async fn get_member(
    State(state): State<Arc<AppState>>,
    Path((list_id, key)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Answer {
    let q = Query::parse(raw.as_deref());
    let data = state.mailchimp.data(Timestamp::now());
    let list = data.list(&list_id).ok_or(ApiError::NotFound)?;
    let member = list.member(&hash_of(&key)).ok_or(ApiError::NotFound)?;
    Ok(q.respond(render::member(&list.id, member)))
}

/// `PATCH /lists/{id}/members/{hash}`: `status` and `merge_fields.FNAME/LNAME`.
pub(crate) async fn patch_member(
    State(state): State<Arc<AppState>>,
    Path((list_id, key)): Path<(String, String)>,
    body: Bytes,
) -> Answer {
    let now = Timestamp::now();
    let mut data = state.mailchimp.data(now);
    let list = data.list_mut(&list_id).ok_or(ApiError::NotFound)?;
    let hash = hash_of(&key);
    let member = list.member_mut(&hash).ok_or(ApiError::NotFound)?;
    let patch = match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Object(map)) => map,
        Ok(_) => return Err(ApiError::field("", "Schema describes object, other type found instead")),
        Err(_) => return Err(ApiError::JsonParse),
    };

    let status = match patch.get("status") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => match MemberStatus::parse(s) {
            Some(MemberStatus::Archived) | None => {
                return Err(ApiError::field(
                    "status",
                    "Value must be one of: subscribed, unsubscribed, cleaned, pending, transactional.",
                ));
            }
            Some(status) => Some(status),
        },
        Some(_) => {
            return Err(ApiError::field(
                "status",
                "Schema describes string, other type found instead",
            ));
        }
    };
    let mut names = (None, None);
    match patch.get("merge_fields") {
        None | Some(Value::Null) => {}
        Some(Value::Object(fields)) => {
            let text = |k: &str| fields.get(k).and_then(Value::as_str).map(str::to_owned);
            names = (text("FNAME"), text("LNAME"));
        }
        Some(_) => {
            return Err(ApiError::field(
                "merge_fields",
                "Schema describes object, other type found instead",
            ));
        }
    }

    if let Some(new) = status {
        let compliance = matches!(member.status, MemberStatus::Unsubscribed | MemberStatus::Cleaned)
            && new == MemberStatus::Subscribed;
        if compliance {
            return Err(ApiError::Titled {
                title: "Member In Compliance State",
                detail: format!(
                    "{} is in a compliance state due to unsubscribe, bounce, or compliance review and cannot \
                     be subscribed.",
                    member.email
                ),
            });
        }
    }

    let mut changed = false;
    if let Some(new) = status.filter(|s| *s != member.status) {
        tracing::info!(list = %list_id, member = %hash, from = member.status.key(), to = new.key(), "sandbox mailchimp member status changed");
        member.status = new;
        member.unsubscribe_reason =
            (new == MemberStatus::Unsubscribed).then(|| "N/A (Unsubscribed by an admin)".to_owned());
        changed = true;
    }
    if let Some(first) = names.0.filter(|f| *f != member.first_name) {
        member.first_name = first;
        changed = true;
    }
    if let Some(last) = names.1.filter(|l| *l != member.last_name) {
        member.last_name = last;
        changed = true;
    }
    if changed {
        member.last_changed = now;
    }
    Ok(axum::Json(render::member(&list_id, member)).into_response())
}

pub(crate) async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_shapes() {
        for ok in ["a@b.example", "first.last+tag@mail.example"] {
            assert!(looks_like_email(ok), "{ok}");
        }
        for bad in [
            "",
            "a",
            "a@b",
            "@b.example",
            "a b@c.example",
            "a@@b.example",
            "a@b..example",
        ] {
            assert!(!looks_like_email(bad), "{bad}");
        }
    }

    #[test]
    fn test_body_reports_every_bad_field() {
        let body = json!({ "test_emails": ["ok@x.example", "nope"], "send_type": "pdf" });
        let Err(ApiError::Invalid(errors)) = check_test_body(body.as_object().unwrap()) else {
            panic!("accepted");
        };
        let fields: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["test_emails", "send_type"]);
        assert!(errors[0].1.contains("nope"));
        let good = json!({ "test_emails": ["ok@x.example"], "send_type": "html" });
        assert_eq!(check_test_body(good.as_object().unwrap()), Ok(()));
    }
}
