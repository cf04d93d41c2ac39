//! Campaign actions: `POST {base}/campaigns/{id}/actions/<name>`, and the
//! member action `unsubscribe` (`PATCH {base}/lists/{list_id}/members/{hash}`),
//! planned into the exact request (pure) and sent once.

use std::time::Instant;

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::json;
use url::Url;

use super::{ACTIONS, availability, mailchimp_error};
use crate::actions::time::{schedule_time, until};
use crate::actions::{ActionArgs, ActionError, ActionSpec, ArgKind, Availability, Outcome, PlannedAction, Target};
use crate::http::{Auth, Method, Request, SourceClient};
use crate::model::{Member, MemberStatus};
use crate::sources::urls::join;

/// Actions on one audience member. Kept apart from the campaign actions so
/// campaign menus never offer them.
pub const MEMBER_ACTIONS: &[ActionSpec] = &[ActionSpec {
    name: "unsubscribe",
    summary: "unsubscribe the member from the audience",
    // Only the subscriber can opt back in (a re-subscribe needs their confirmation).
    irreversible: true,
    arg: ArgKind::None,
}];

/// Whether `action` can run on `member` now.
pub fn member_availability(action: &str, member: &Member) -> Availability {
    let why = match (action, member.status) {
        ("unsubscribe", MemberStatus::Subscribed | MemberStatus::Pending) => return Availability::Ready,
        ("unsubscribe", MemberStatus::Unsubscribed) => "already unsubscribed",
        ("unsubscribe", MemberStatus::Cleaned) => "a cleaned address already gets no email",
        ("unsubscribe", MemberStatus::Archived) => "an archived member gets no email",
        ("unsubscribe", MemberStatus::Transactional) => "a transactional contact was never subscribed",
        _ => return Availability::Disabled(format!("Mailchimp has no member action {action:?}")),
    };
    Availability::Disabled(why.to_owned())
}

/// The subscriber hash: the member's id, else the lowercase hex MD5 of the
/// lowercased address.
fn subscriber_hash(member: &Member) -> String {
    if !member.id.trim().is_empty() {
        return member.id.clone();
    }
    use md5::{Digest, Md5};
    Md5::digest(member.email.trim().to_lowercase().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What planning needs from the connector.
pub(super) struct Planner<'a> {
    pub source: &'a str,
    pub base: &'a Url,
    pub test_emails: &'a [String],
}

/// How a send time reads in an effect or outcome: "Mon 23 Nov 09:00 UTC".
fn when(t: Timestamp) -> String {
    t.strftime("%a %-d %b %H:%M UTC").to_string()
}

impl Planner<'_> {
    /// The request `action` on `target` would send, given the time `now`.
    /// Refuses, saying why, what the campaign's state or the config forbids.
    pub fn plan(
        &self,
        action: &str,
        target: Target<'_>,
        args: &ActionArgs,
        now: Timestamp,
    ) -> Result<PlannedAction, ActionError> {
        let c = match target {
            Target::Campaign(c) => c,
            Target::Member { list_id, member } => return self.plan_member(action, list_id, member),
            _ => {
                return Err(ActionError::refused(format!(
                    "Mailchimp's {action:?} acts on a campaign or an audience member"
                )));
            }
        };
        let Some(spec) = ACTIONS.iter().find(|s| s.name == action) else {
            let offered: Vec<&str> = ACTIONS.iter().map(|s| s.name).collect();
            return Err(ActionError::refused(format!(
                "Mailchimp has no campaign action {action:?} (it offers {})",
                offered.join(", ")
            )));
        };
        let name = c.display_name();
        if let Availability::Disabled(why) = availability(action, c) {
            return Err(ActionError::refused(format!("cannot {action} '{name}': {why}")));
        }
        let (body, effect) = match action {
            "schedule" => {
                let wanted = args.time.ok_or_else(|| {
                    ActionError::refused(format!(
                        "schedule needs a time for '{name}': like 2026-11-23 09:00, tomorrow 09:00 or +2h"
                    ))
                })?;
                let at = schedule_time(wanted, now).map_err(ActionError::refused)?;
                (
                    Some(json!({"schedule_time": at.to_string(), "timewarp": false})),
                    format!("Schedules '{name}' for {} ({})", when(at), until(now, at)),
                )
            }
            "test" => {
                if self.test_emails.is_empty() {
                    return Err(ActionError::refused(format!(
                        "no test addresses for source {:?}: add test_emails = [\"you@example.com\"] \
                         to the mailchimp source in the config",
                        self.source
                    )));
                }
                (
                    Some(json!({"test_emails": self.test_emails, "send_type": "html"})),
                    format!("Sends an HTML test of '{name}' to {}", self.test_emails.join(", ")),
                )
            }
            "unschedule" => (
                None,
                match c.send_time {
                    Some(t) => format!("Unschedules '{name}' (due {}) and returns it to draft", when(t)),
                    None => format!("Unschedules '{name}' and returns it to draft"),
                },
            ),
            "cancel-send" => (
                None,
                format!(
                    "Stops sending '{name}' ({} of {} sent so far); the rest never get it. Cannot be undone",
                    c.emails_sent, c.recipient_count
                ),
            ),
            "pause" => (
                None,
                format!("Pauses the RSS campaign '{name}': no new items go out until it is resumed"),
            ),
            "resume" => (None, format!("Resumes the RSS campaign '{name}'")),
            "replicate" => (None, format!("Copies '{name}' as a new draft")),
            other => {
                return Err(ActionError::refused(format!(
                    "Mailchimp action {other:?} cannot be planned"
                )));
            }
        };
        let url = join(self.base, &["campaigns", &c.id, "actions", action])
            .map_err(|e| ActionError::refused(format!("cannot build the request: {e}")))?;
        Ok(PlannedAction {
            source: self.source.to_owned(),
            action: action.to_owned(),
            target_id: c.id.clone(),
            target_name: name.to_owned(),
            method: Method::POST,
            url,
            body,
            auth: "Basic ***".to_owned(),
            irreversible: spec.irreversible,
            effect,
        })
    }
}

impl Planner<'_> {
    /// `PATCH /lists/{list_id}/members/{subscriber_hash}` `{"status": "unsubscribed"}`.
    fn plan_member(&self, action: &str, list_id: &str, member: &Member) -> Result<PlannedAction, ActionError> {
        let Some(spec) = MEMBER_ACTIONS.iter().find(|s| s.name == action) else {
            return Err(ActionError::refused(format!(
                "Mailchimp has no member action {action:?} (it offers unsubscribe)"
            )));
        };
        if let Availability::Disabled(why) = member_availability(action, member) {
            return Err(ActionError::refused(format!("cannot {action} {}: {why}", member.email)));
        }
        let hash = subscriber_hash(member);
        let url = join(self.base, &["lists", list_id, "members", &hash])
            .map_err(|e| ActionError::refused(format!("cannot build the request: {e}")))?;
        Ok(PlannedAction {
            source: self.source.to_owned(),
            action: action.to_owned(),
            target_id: hash,
            target_name: member.email.clone(),
            method: Method::PATCH,
            url,
            body: Some(json!({"status": "unsubscribed"})),
            auth: "Basic ***".to_owned(),
            irreversible: spec.irreversible,
            effect: format!(
                "Unsubscribes {} from audience {list_id}: no more campaigns go to them, \
                 and only they can subscribe again",
                member.email
            ),
        })
    }
}

/// Sends `planned` once with `auth`, tagged `request_id`. 2xx is an
/// [`Outcome`]; anything else an [`ActionError`] with the vendor's
/// problem+json, scrubbed of the credentials.
pub(super) async fn execute(
    client: &SourceClient,
    auth: Auth,
    base: &Url,
    planned: &PlannedAction,
    request_id: &str,
) -> Result<Outcome, ActionError> {
    // Never send the key to a host other than the configured one, whatever
    // the plan (perhaps from an old queue entry) says.
    let known = ACTIONS.iter().chain(MEMBER_ACTIONS).any(|s| s.name == planned.action);
    if planned.url.origin() != base.origin() || !known {
        return Err(ActionError::refused(format!(
            "refusing {:?}: not a Mailchimp action on this source",
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
        Ok(resp) if resp.status.is_success() => Ok(Outcome {
            http_status: resp.status.as_u16(),
            request_id: resp.request_id,
            duration: resp.latency,
            summary: scrub.scrub(&summary(planned, &resp.body)),
        }),
        Ok(resp) => {
            let vendor = mailchimp_error(&resp.body).map(|mut v| {
                v.message = scrub.scrub(&v.message);
                v.code = v.code.as_deref().map(|c| scrub.scrub(c));
                v
            });
            Err(crate::sources::refused_by_vendor(&what, &resp, vendor, &scrub))
        }
        Err(e) => Err(crate::sources::not_answered(&what, &e, started, &scrub)),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NewCampaign {
    id: Option<String>,
    settings: Option<NewSettings>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NewSettings {
    title: Option<String>,
    subject_line: Option<String>,
}

/// What happened, in words, for the toast and the audit log.
fn summary(planned: &PlannedAction, body: &[u8]) -> String {
    match planned.action.as_str() {
        "schedule" => {
            let at = planned
                .body
                .as_ref()
                .and_then(|b| b.get("schedule_time"))
                .and_then(|t| t.as_str())
                .and_then(|t| t.parse::<Timestamp>().ok());
            match at {
                Some(t) => format!("scheduled for {}", when(t)),
                None => "scheduled".to_owned(),
            }
        }
        "unschedule" => "unscheduled; back to draft".to_owned(),
        "cancel-send" => "send canceled".to_owned(),
        "pause" => "paused".to_owned(),
        "resume" => "resumed".to_owned(),
        "test" => {
            let to: Vec<&str> = planned
                .body
                .as_ref()
                .and_then(|b| b.get("test_emails"))
                .and_then(|t| t.as_array())
                .map(|a| a.iter().filter_map(|e| e.as_str()).collect())
                .unwrap_or_default();
            format!("test sent to {}", to.join(", "))
        }
        "unsubscribe" => format!("{} unsubscribed", planned.target_name),
        "replicate" => {
            let copy: NewCampaign = serde_json::from_slice(body).unwrap_or_default();
            let settings = copy.settings.unwrap_or_default();
            let name = settings
                .title
                .filter(|t| !t.is_empty())
                .or(settings.subject_line.filter(|s| !s.is_empty()));
            match (name, copy.id) {
                (Some(name), Some(id)) => format!("replicated as '{name}' (id {id})"),
                (None, Some(id)) => format!("replicated as campaign {id}"),
                (Some(name), None) => format!("replicated as '{name}'"),
                (None, None) => "replicated (the answer did not name the new campaign)".to_owned(),
            }
        }
        other => format!("{other} done"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Campaign, CampaignStatus};

    fn ts(s: &str) -> Timestamp {
        s.parse().expect("timestamp")
    }

    const NOW: &str = "2026-11-22T16:07:00Z";

    fn campaign(status: CampaignStatus, kind: &str) -> Campaign {
        Campaign {
            id: "c/1 x".into(),
            web_id: None,
            kind: kind.into(),
            status,
            title: "Black Friday teaser".into(),
            subject: "Save 30%".into(),
            from_name: "Shop".into(),
            list_id: "l1".into(),
            list_name: "Customers".into(),
            recipient_count: 1000,
            create_time: None,
            send_time: Some(ts("2026-11-23T09:00:00Z")),
            emails_sent: 400,
            report: None,
        }
    }

    fn planner<'a>(base: &'a Url, emails: &'a [String]) -> Planner<'a> {
        Planner {
            source: "email",
            base,
            test_emails: emails,
        }
    }

    fn base() -> Url {
        Url::parse("https://us14.api.mailchimp.com/3.0").expect("url")
    }

    #[test]
    fn schedule_rounds_and_says_when_in_words() {
        let base = base();
        let c = campaign(CampaignStatus::Save, "regular");
        let args = ActionArgs {
            time: Some(ts("2026-11-23T09:02:00Z")),
            ..ActionArgs::default()
        };
        let p = planner(&base, &[])
            .plan("schedule", Target::Campaign(&c), &args, ts(NOW))
            .expect("plan");
        assert_eq!(p.method, Method::POST);
        assert_eq!(
            p.url.as_str(),
            "https://us14.api.mailchimp.com/3.0/campaigns/c%2F1%20x/actions/schedule"
        );
        assert_eq!(
            p.body,
            Some(json!({"schedule_time": "2026-11-23T09:00:00Z", "timewarp": false}))
        );
        assert_eq!(
            p.effect,
            "Schedules 'Black Friday teaser' for Mon 23 Nov 09:00 UTC (in 16h 53m)"
        );
        assert_eq!(p.auth, "Basic ***");
        assert!(!p.irreversible);
    }

    #[test]
    fn schedule_needs_a_future_time() {
        let base = base();
        let c = campaign(CampaignStatus::Save, "regular");
        let plan = |time| {
            planner(&base, &[]).plan(
                "schedule",
                Target::Campaign(&c),
                &ActionArgs {
                    time,
                    ..ActionArgs::default()
                },
                ts(NOW),
            )
        };
        assert!(plan(None).unwrap_err().message.contains("needs a time"));
        assert!(
            plan(Some(ts("2026-11-22T16:05:00Z")))
                .unwrap_err()
                .message
                .contains("not in the future")
        );
    }

    #[test]
    fn state_refusals_give_the_reason() {
        let base = base();
        let c = campaign(CampaignStatus::Sent, "regular");
        let err = planner(&base, &[])
            .plan("unschedule", Target::Campaign(&c), &ActionArgs::default(), ts(NOW))
            .unwrap_err();
        assert_eq!(
            err.message,
            "cannot unschedule 'Black Friday teaser': only a scheduled campaign can be unscheduled"
        );
        assert_eq!(err.request_id, None);
        let err = planner(&base, &[])
            .plan("explode", Target::Campaign(&c), &ActionArgs::default(), ts(NOW))
            .unwrap_err();
        assert!(
            err.message.contains("no campaign action \"explode\""),
            "{}",
            err.message
        );
    }

    #[test]
    fn test_needs_configured_addresses() {
        let base = base();
        let c = campaign(CampaignStatus::Save, "regular");
        let err = planner(&base, &[])
            .plan("test", Target::Campaign(&c), &ActionArgs::default(), ts(NOW))
            .unwrap_err();
        assert!(
            err.message.contains(r#"test_emails = ["you@example.com"]"#),
            "{}",
            err.message
        );
        let emails = vec!["qa@example.com".to_string()];
        let p = planner(&base, &emails)
            .plan("test", Target::Campaign(&c), &ActionArgs::default(), ts(NOW))
            .expect("plan");
        assert_eq!(
            p.body,
            Some(json!({"test_emails": ["qa@example.com"], "send_type": "html"}))
        );
        assert_eq!(
            p.effect,
            "Sends an HTML test of 'Black Friday teaser' to qa@example.com"
        );
    }

    #[test]
    fn cancel_send_is_irreversible_and_says_so() {
        let base = base();
        let c = campaign(CampaignStatus::Sending, "regular");
        let p = planner(&base, &[])
            .plan("cancel-send", Target::Campaign(&c), &ActionArgs::default(), ts(NOW))
            .expect("plan");
        assert!(p.irreversible);
        assert_eq!(p.body, None);
        assert!(p.effect.contains("400 of 1000 sent"), "{}", p.effect);
    }

    fn member(id: &str, status: MemberStatus) -> Member {
        Member {
            id: id.into(),
            email: "Urist.McVankab@freddiesjokes.com".into(),
            status,
            last_changed: ts(NOW),
        }
    }

    #[test]
    fn unsubscribe_patches_the_member_by_subscriber_hash() {
        let base = base();
        let m = member("", MemberStatus::Subscribed);
        let p = planner(&base, &[])
            .plan(
                "unsubscribe",
                Target::Member {
                    list_id: "l1",
                    member: &m,
                },
                &ActionArgs::default(),
                ts(NOW),
            )
            .expect("plan");
        assert_eq!(p.method, Method::PATCH);
        // md5 of the lowercased address, from Mailchimp's docs.
        assert_eq!(
            p.url.as_str(),
            "https://us14.api.mailchimp.com/3.0/lists/l1/members/62eeb292278cc15f5817cb78f7790b08"
        );
        assert_eq!(p.body, Some(json!({"status": "unsubscribed"})));
        assert!(p.irreversible);
        assert_eq!(summary(&p, b""), "Urist.McVankab@freddiesjokes.com unsubscribed");
    }

    #[test]
    fn unsubscribe_refuses_members_who_get_no_email() {
        let base = base();
        for (status, why) in [
            (MemberStatus::Unsubscribed, "already unsubscribed"),
            (MemberStatus::Cleaned, "cleaned"),
        ] {
            let m = member("h1", status);
            let err = planner(&base, &[])
                .plan(
                    "unsubscribe",
                    Target::Member {
                        list_id: "l1",
                        member: &m,
                    },
                    &ActionArgs::default(),
                    ts(NOW),
                )
                .unwrap_err();
            assert!(err.message.contains(why), "{}", err.message);
        }
        let c = campaign(CampaignStatus::Sent, "regular");
        let err = planner(&base, &[])
            .plan("unsubscribe", Target::Campaign(&c), &ActionArgs::default(), ts(NOW))
            .unwrap_err();
        assert!(err.message.contains("no campaign action"), "{}", err.message);
    }

    #[test]
    fn replicate_summary_names_the_copy() {
        let base = base();
        let c = campaign(CampaignStatus::Sent, "regular");
        let p = planner(&base, &[])
            .plan("replicate", Target::Campaign(&c), &ActionArgs::default(), ts(NOW))
            .expect("plan");
        let body = br#"{"id":"n2","status":"save","settings":{"title":"Black Friday teaser (copy 01)"}}"#;
        assert_eq!(
            summary(&p, body),
            "replicated as 'Black Friday teaser (copy 01)' (id n2)"
        );
        assert_eq!(
            summary(&p, b"garbage"),
            "replicated (the answer did not name the new campaign)"
        );
    }
}
