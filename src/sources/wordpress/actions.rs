//! Content actions, each `POST {base}/wp/v2/{posts|pages}/{id}` with the new
//! status (and date), planned into the exact request (pure) and sent once.

use std::time::Instant;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use url::Url;

use super::wire::{self, WirePost, wp_gmt};
use super::wordpress_error;
use crate::actions::time::until;
use crate::actions::{ActionArgs, ActionError, ActionSpec, ArgKind, Availability, Outcome, PlannedAction, Target};
use crate::http::{Auth, Method, Request, SourceClient};
use crate::model::{Post, PostStatus, PostType};
use crate::sources::urls::join;

/// WordPress publishes at once a post scheduled less than a minute ahead
/// (`wp_insert_post` turns such a `future` into `publish`), and keeps
/// scheduled a `publish` whose date is further ahead than that.
const WP_SCHEDULE_MARGIN: SignedDuration = SignedDuration::from_mins(1);

const PUBLISH: ActionSpec = ActionSpec {
    name: "publish",
    summary: "publish now: approve a pending post, or a missed schedule",
    irreversible: false,
    arg: ArgKind::None,
};
const RESCHEDULE: ActionSpec = ActionSpec {
    name: "reschedule",
    summary: "schedule the post for a new time",
    irreversible: false,
    arg: ArgKind::Time,
};
const MOVE_TO_DRAFT: ActionSpec = ActionSpec {
    name: "move-to-draft",
    summary: "move the post back to draft (off the site, out of review)",
    irreversible: false,
    arg: ArgKind::None,
};

/// The actions on a post or page.
pub const ACTIONS: &[ActionSpec] = &[PUBLISH, RESCHEDULE, MOVE_TO_DRAFT];

/// Whether `action` can run on `post` now, as the editorial workflow allows.
pub fn availability(action: &str, post: &Post) -> Availability {
    use PostStatus as S;
    let why = match (action, &post.status) {
        ("publish", S::Pending | S::Future) => return Availability::Ready,
        ("publish", S::Draft) => {
            "a draft goes through review first: submit it for review in WordPress, or reschedule it".to_owned()
        }
        ("publish", S::Publish) => "already published".to_owned(),
        ("publish", S::Private) => {
            "a private post is published to logged-in editors; change its visibility in WordPress".to_owned()
        }
        ("reschedule", S::Future | S::Pending | S::Draft) => return Availability::Ready,
        ("reschedule", S::Publish) => "already published: move it to draft first to schedule it again".to_owned(),
        ("reschedule", S::Private) => "a private post is not scheduled; change its visibility in WordPress".to_owned(),
        ("move-to-draft", S::Pending | S::Future | S::Publish | S::Private) => return Availability::Ready,
        ("move-to-draft", S::Draft) => "already a draft".to_owned(),
        ("publish" | "reschedule" | "move-to-draft", S::Trash) => {
            "it is in the trash: restore it in WordPress first".to_owned()
        }
        ("publish" | "reschedule" | "move-to-draft", S::Other(s)) => {
            format!("its status {s:?} comes from a plugin; change it in WordPress")
        }
        _ => return Availability::Disabled(format!("WordPress has no post action {action:?}")),
    };
    Availability::Disabled(why)
}

/// How a time reads in an effect or outcome: "Mon 23 Nov 09:00 UTC".
fn when(t: Timestamp) -> String {
    t.strftime("%a %-d %b %H:%M UTC").to_string()
}

/// "the post 'Hello'", "the page 'About'".
fn named(post: &Post) -> String {
    format!("the {} '{}'", post.kind.label(), post.display_title())
}

/// The request `action` on `target` would send, given the time `now`.
/// Refuses, saying why, what the post's status forbids.
pub(super) fn plan(
    source: &str,
    base: &Url,
    action: &str,
    target: Target<'_>,
    args: &ActionArgs,
    now: Timestamp,
) -> Result<PlannedAction, ActionError> {
    let Target::Post(post) = target else {
        return Err(ActionError::refused(format!(
            "WordPress's {action:?} acts on a post or page"
        )));
    };
    let Some(spec) = ACTIONS.iter().find(|s| s.name == action) else {
        let offered: Vec<&str> = ACTIONS.iter().map(|s| s.name).collect();
        return Err(ActionError::refused(format!(
            "WordPress has no post action {action:?} (it offers {})",
            offered.join(", ")
        )));
    };
    let what = named(post);
    if let Availability::Disabled(why) = availability(action, post) {
        return Err(ActionError::refused(format!("cannot {action} {what}: {why}")));
    }
    let (body, effect) = match action {
        "publish" => publish(post, &what, now),
        "reschedule" => reschedule(post, &what, args, now)?,
        "move-to-draft" => {
            let effect = match post.status {
                PostStatus::Publish => {
                    format!("Moves {what} back to draft: it comes off the site and its link stops working for visitors")
                }
                PostStatus::Future => match post.date {
                    Some(due) => format!("Moves {what} back to draft: it no longer publishes {}", when(due)),
                    None => format!("Moves {what} back to draft: it no longer publishes on schedule"),
                },
                PostStatus::Pending => format!("Moves {what} back to draft, out of the review queue"),
                PostStatus::Private => format!("Moves {what} back to draft: editors no longer see it on the site"),
                _ => format!("Moves {what} back to draft"),
            };
            (json!({"status": "draft"}), effect)
        }
        other => {
            return Err(ActionError::refused(format!(
                "WordPress action {other:?} cannot be planned"
            )));
        }
    };
    let id = post.id.to_string();
    let url = join(base, &["wp", "v2", post.kind.collection(), &id])
        .map_err(|e| ActionError::refused(format!("cannot build the request: {e}")))?;
    Ok(PlannedAction {
        source: source.to_owned(),
        action: action.to_owned(),
        target_id: id,
        target_name: post.display_title().to_owned(),
        method: Method::POST,
        url,
        body: Some(body),
        auth: "Basic ***".to_owned(),
        irreversible: spec.irreversible,
        effect,
    })
}

/// `{"status": "publish"}`. A scheduled post not yet due also gets `date_gmt`
/// now: WordPress keeps a `publish` with a future date scheduled.
fn publish(post: &Post, what: &str, now: Timestamp) -> (serde_json::Value, String) {
    let ahead = post.date.filter(|due| due.duration_since(now) >= WP_SCHEDULE_MARGIN);
    match (&post.status, ahead) {
        (PostStatus::Future, Some(due)) => (
            json!({"status": "publish", "date_gmt": wp_gmt(now)}),
            format!(
                "Publishes {what} early: now instead of {} ({})",
                when(due),
                until(now, due)
            ),
        ),
        (PostStatus::Future, None) => {
            let late = match post.date {
                Some(due) => format!(": its schedule ({}) was missed", when(due)),
                None => String::new(),
            };
            (json!({"status": "publish"}), format!("Publishes {what} now{late}"))
        }
        (_, Some(due)) => (
            json!({"status": "publish"}),
            format!(
                "Approves {what}: its date is ahead, so WordPress schedules it for {} ({})",
                when(due),
                until(now, due)
            ),
        ),
        (_, None) => (
            json!({"status": "publish"}),
            format!("Approves {what} and publishes it now"),
        ),
    }
}

/// `{"status": "future", "date_gmt": "YYYY-MM-DDTHH:MM:SS"}` (UTC).
fn reschedule(
    post: &Post,
    what: &str,
    args: &ActionArgs,
    now: Timestamp,
) -> Result<(serde_json::Value, String), ActionError> {
    let at = args.time.ok_or_else(|| {
        ActionError::refused(format!(
            "reschedule needs a time for {what}: like 2026-11-23 09:00, tomorrow 09:00 or +2h"
        ))
    })?;
    if at <= now {
        return Err(ActionError::refused(format!(
            "cannot reschedule {what}: {} is not in the future",
            when(at)
        )));
    }
    if at.duration_since(now) < WP_SCHEDULE_MARGIN {
        return Err(ActionError::refused(format!(
            "cannot reschedule {what}: {} is less than a minute away and WordPress would publish it at once; \
             use publish, or pick a later time",
            when(at)
        )));
    }
    let review = match post.status {
        PostStatus::Draft | PostStatus::Pending => "; it goes live then without further review",
        _ => "",
    };
    let from = match (&post.status, post.date) {
        (PostStatus::Future, Some(old)) => format!(" (was {})", when(old)),
        _ => String::new(),
    };
    Ok((
        json!({"status": "future", "date_gmt": wp_gmt(at)}),
        format!("Schedules {what} for {} ({}){from}{review}", when(at), until(now, at)),
    ))
}

/// Sends `planned` once with `auth`, tagged `request_id`. 2xx is an
/// [`Outcome`] worded from WordPress's answer, with the post as it now is
/// (read in `zone`) when the answer holds it; anything else an
/// [`ActionError`] with WordPress's `{code, message}`, scrubbed of the
/// credentials.
pub(super) async fn execute(
    client: &SourceClient,
    auth: Auth,
    base: &Url,
    planned: &PlannedAction,
    request_id: &str,
    zone: &TimeZone,
) -> Result<(Outcome, Option<Post>), ActionError> {
    // Never send the password to a host other than the configured one,
    // whatever the plan (perhaps from an old queue entry) says.
    let known = ACTIONS.iter().any(|s| s.name == planned.action);
    let kind = collection_of(base, &planned.url);
    if planned.url.origin() != base.origin() || !known || kind.is_none() {
        return Err(ActionError::refused(format!(
            "refusing {:?}: not a WordPress post action on this source",
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
        Ok(resp) if resp.status.is_success() => {
            let post = kind.and_then(|kind| {
                let w: WirePost = serde_json::from_slice(&resp.body).ok()?;
                wire::post(w, kind, zone)
            });
            Ok((
                Outcome {
                    http_status: resp.status.as_u16(),
                    request_id: resp.request_id,
                    duration: resp.latency,
                    summary: scrub.scrub(&summary(&planned.action, post.as_ref())),
                },
                post,
            ))
        }
        Ok(resp) => {
            let vendor = wordpress_error(&resp.body).map(|mut v| {
                v.message = scrub.scrub(&v.message);
                v.code = v.code.as_deref().map(|c| scrub.scrub(c));
                v
            });
            Err(crate::sources::refused_by_vendor(&what, &resp, vendor, &scrub))
        }
        Err(e) => Err(crate::sources::not_answered(&what, &e, started, &scrub)),
    }
}

/// `posts` or `pages` right under `{base}/wp/v2/`, followed by one id segment.
fn collection_of(base: &Url, url: &Url) -> Option<PostType> {
    let base_segments: Vec<&str> = base.path_segments()?.filter(|s| !s.is_empty()).collect();
    let segments: Vec<&str> = url.path_segments()?.collect();
    let rest = segments.strip_prefix(base_segments.as_slice())?;
    match rest {
        ["wp", "v2", "posts", id] if !id.is_empty() => Some(PostType::Post),
        ["wp", "v2", "pages", id] if !id.is_empty() => Some(PostType::Page),
        _ => None,
    }
}

/// What happened, in words, from the post WordPress answered with (its
/// status may differ from the one asked for: a past schedule publishes at
/// once, a future date keeps a publish scheduled).
fn summary(action: &str, post: Option<&Post>) -> String {
    let Some(post) = post else {
        return match action {
            "publish" => "published (WordPress's answer did not show the post)",
            "reschedule" => "rescheduled (WordPress's answer did not show the post)",
            "move-to-draft" => "moved to draft (WordPress's answer did not show the post)",
            _ => "done",
        }
        .to_owned();
    };
    match (&post.status, post.date) {
        (PostStatus::Publish, _) if action == "reschedule" => "published at once (the new time had passed)".to_owned(),
        (PostStatus::Publish, _) => "published".to_owned(),
        (PostStatus::Future, Some(due)) if action == "publish" => {
            format!(
                "scheduled for {} (WordPress keeps a post dated ahead scheduled)",
                when(due)
            )
        }
        (PostStatus::Future, Some(due)) => format!("scheduled for {}", when(due)),
        (PostStatus::Draft, _) => "moved to draft".to_owned(),
        (status, _) => format!("now {}", status.label()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().expect("timestamp")
    }

    const NOW: &str = "2026-11-22T16:07:00Z";

    fn post(kind: PostType, status: PostStatus, date: Option<&str>) -> Post {
        Post {
            id: 42,
            kind,
            title: "Black Friday & you".into(),
            status,
            date: date.map(ts),
            modified: None,
            slug: "bf".into(),
            link: None,
            author_id: None,
        }
    }

    fn base() -> Url {
        Url::parse("https://blog.example.com/wp-json").expect("url")
    }

    fn plan_at(action: &str, p: &Post, time: Option<&str>) -> Result<PlannedAction, ActionError> {
        let args = ActionArgs {
            time: time.map(ts),
            ..ActionArgs::default()
        };
        plan("blog", &base(), action, Target::Post(p), &args, ts(NOW))
    }

    #[test]
    fn publish_a_missed_schedule_and_early_publish_differ() {
        let missed = post(PostType::Post, PostStatus::Future, Some("2026-11-22T09:00:00Z"));
        let p = plan_at("publish", &missed, None).expect("plan");
        assert_eq!(p.url.as_str(), "https://blog.example.com/wp-json/wp/v2/posts/42");
        assert_eq!(p.body, Some(json!({"status": "publish"})));
        assert_eq!(
            p.effect,
            "Publishes the post 'Black Friday & you' now: its schedule (Sun 22 Nov 09:00 UTC) was missed"
        );
        let ahead = post(PostType::Page, PostStatus::Future, Some("2026-11-23T09:00:00Z"));
        let p = plan_at("publish", &ahead, None).expect("plan");
        assert_eq!(p.url.as_str(), "https://blog.example.com/wp-json/wp/v2/pages/42");
        assert_eq!(
            p.body,
            Some(json!({"status": "publish", "date_gmt": "2026-11-22T16:07:00"}))
        );
        assert!(
            p.effect.starts_with("Publishes the page 'Black Friday & you' early"),
            "{}",
            p.effect
        );
    }

    #[test]
    fn reschedule_needs_a_time_a_minute_ahead() {
        let p = post(PostType::Post, PostStatus::Draft, None);
        assert!(
            plan_at("reschedule", &p, None)
                .unwrap_err()
                .message
                .contains("needs a time")
        );
        assert!(
            plan_at("reschedule", &p, Some("2026-11-22T16:00:00Z"))
                .unwrap_err()
                .message
                .contains("not in the future")
        );
        assert!(
            plan_at("reschedule", &p, Some("2026-11-22T16:07:30Z"))
                .unwrap_err()
                .message
                .contains("less than a minute")
        );
        let ok = plan_at("reschedule", &p, Some("2026-11-23T09:00:00.5Z")).expect("plan");
        assert_eq!(
            ok.body,
            Some(json!({"status": "future", "date_gmt": "2026-11-23T09:00:00"}))
        );
        assert!(ok.effect.contains("without further review"), "{}", ok.effect);
    }

    #[test]
    fn availability_gives_reasons() {
        let draft = post(PostType::Post, PostStatus::Draft, None);
        match availability("publish", &draft) {
            Availability::Disabled(why) => assert!(why.starts_with("a draft goes through review first: ")),
            Availability::Ready => panic!("a draft is not published directly"),
        }
        let published = post(PostType::Post, PostStatus::Publish, None);
        assert_eq!(
            availability("publish", &published),
            Availability::Disabled("already published".into())
        );
        assert_eq!(availability("move-to-draft", &published), Availability::Ready);
        assert_eq!(
            availability("move-to-draft", &draft),
            Availability::Disabled("already a draft".into())
        );
        assert!(matches!(availability("explode", &draft), Availability::Disabled(_)));
    }

    #[test]
    fn collection_comes_from_the_planned_url_under_the_base() {
        let b = base();
        let u = |s: &str| Url::parse(s).expect("url");
        assert_eq!(
            collection_of(&b, &u("https://blog.example.com/wp-json/wp/v2/pages/9")),
            Some(PostType::Page)
        );
        assert_eq!(
            collection_of(&b, &u("https://blog.example.com/wp-json/wp/v2/users/9")),
            None
        );
        assert_eq!(
            collection_of(&b, &u("https://blog.example.com/other/wp/v2/posts/9")),
            None
        );
    }

    #[test]
    fn summaries_follow_the_answer() {
        let future = post(PostType::Post, PostStatus::Future, Some("2026-11-23T09:00:00Z"));
        assert_eq!(
            summary("reschedule", Some(&future)),
            "scheduled for Mon 23 Nov 09:00 UTC"
        );
        let published = post(PostType::Post, PostStatus::Publish, None);
        assert_eq!(summary("publish", Some(&published)), "published");
        let draft = post(PostType::Post, PostStatus::Draft, None);
        assert_eq!(summary("move-to-draft", Some(&draft)), "moved to draft");
    }
}
