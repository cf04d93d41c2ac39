//! WordPress content actions against wiremock on 127.0.0.1: the exact request
//! each sends for posts and pages, refusals before anything is sent, and how
//! failures come back (with the application password never shown).

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use mops::actions::{ActionArgs, Availability, Target};
use mops::http::{HttpCore, Policy};
use mops::model::{Post, PostStatus, PostType, SourceKind};
use mops::sources::{self, Connector, SourceData, Wordpress};
use secrecy::SecretString;
use serde_json::{Value, json};
use url::Url;
use wiremock::matchers::{basic_auth, body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const USER: &str = "editor";
const PASSWORD: &str = "abcd EFGH 1234 ijkl MNOP 5678";
const REQUEST_ID: &str = "act-wp-0001";

fn connector_on(server: &MockServer, readonly: bool) -> Wordpress {
    let policy = Policy {
        timeout: Duration::from_secs(5),
        backoff_base: Duration::from_millis(5),
        backoff_max: Duration::from_millis(10),
        ..Policy::wordpress()
    };
    let client = HttpCore::new(readonly)
        .unwrap()
        .source("blog", policy)
        .with_secrets([SecretString::from(PASSWORD)]);
    let base = Url::parse(&format!("{}/wp-json", server.uri())).unwrap();
    Wordpress::new(
        "blog",
        client,
        &base,
        USER.into(),
        SecretString::from(PASSWORD),
        Duration::from_secs(5),
    )
    .unwrap()
}

fn connector(server: &MockServer) -> Wordpress {
    connector_on(server, false)
}

fn post(id: u64, kind: PostType, status: PostStatus, date: Option<Timestamp>) -> Post {
    Post {
        id,
        kind,
        title: "Black Friday & you".into(),
        status,
        date,
        modified: None,
        slug: "black-friday".into(),
        link: None,
        author_id: Some(2),
    }
}

fn wp(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S").to_string()
}

/// The post as WordPress answers an update.
fn answer(id: u64, status: &str, date: Timestamp) -> Value {
    json!({"id": id, "status": status, "date": wp(date), "date_gmt": wp(date), "modified_gmt": wp(Timestamp::now()),
           "slug": "black-friday", "title": {"rendered": "Black Friday &amp; you"}, "author": 2})
}

fn in_hours(h: i64) -> Timestamp {
    Timestamp::now() + SignedDuration::from_hours(h)
}

async fn expect_update(server: &MockServer, p: &str, body: Value, reply: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path(p))
        .and(basic_auth(USER, PASSWORD))
        .and(header("x-request-id", REQUEST_ID))
        .and(header("content-type", "application/json"))
        .and(body_json(body))
        .respond_with(reply)
        .expect(1)
        .mount(server)
        .await;
}

/// One action on one kind of post: the target's state, the argument, the
/// body it must send, WordPress's answer and the summary it yields.
type Case = (
    &'static str,
    PostType,
    PostStatus,
    Option<Timestamp>,
    Option<Timestamp>,
    Value,
    Value,
    String,
);

#[tokio::test]
async fn every_action_sends_its_exact_request_for_posts_and_pages() {
    let due = in_hours(-3);
    // Whole seconds: WordPress's date format has none smaller.
    let later = Timestamp::from_second(in_hours(30).as_second()).unwrap();
    let cases: Vec<Case> = vec![
        (
            "publish",
            PostType::Post,
            PostStatus::Pending,
            None,
            None,
            json!({"status": "publish"}),
            answer(42, "publish", due),
            "published".to_owned(),
        ),
        (
            "publish",
            PostType::Page,
            PostStatus::Future,
            Some(due),
            None,
            json!({"status": "publish"}),
            answer(42, "publish", due),
            "published".to_owned(),
        ),
        (
            "reschedule",
            PostType::Post,
            PostStatus::Future,
            Some(due),
            Some(later),
            json!({"status": "future", "date_gmt": wp(later)}),
            answer(42, "future", later),
            format!("scheduled for {}", later.strftime("%a %-d %b %H:%M UTC")),
        ),
        (
            "reschedule",
            PostType::Page,
            PostStatus::Draft,
            None,
            Some(later),
            json!({"status": "future", "date_gmt": wp(later)}),
            answer(42, "future", later),
            format!("scheduled for {}", later.strftime("%a %-d %b %H:%M UTC")),
        ),
        (
            "move-to-draft",
            PostType::Post,
            PostStatus::Publish,
            Some(due),
            None,
            json!({"status": "draft"}),
            answer(42, "draft", due),
            "moved to draft".to_owned(),
        ),
        (
            "move-to-draft",
            PostType::Page,
            PostStatus::Pending,
            None,
            None,
            json!({"status": "draft"}),
            answer(42, "draft", due),
            "moved to draft".to_owned(),
        ),
    ];
    for (action, kind, status, date, time, body, reply, summary) in cases {
        let server = MockServer::start().await;
        let p = format!("/wp-json/wp/v2/{}/42", kind.collection());
        expect_update(
            &server,
            &p,
            body.clone(),
            ResponseTemplate::new(200).set_body_json(reply),
        )
        .await;
        let wp = connector(&server);
        let target = post(42, kind, status.clone(), date);
        let args = ActionArgs {
            time,
            ..ActionArgs::default()
        };
        let planned = wp.plan(action, Target::Post(&target), &args).expect(action);
        assert_eq!(planned.url.path(), p, "{action} {kind:?}");
        assert_eq!(planned.body, Some(body), "{action} {kind:?}");
        assert_eq!(planned.auth, "Basic ***");
        assert_eq!(
            (planned.target_id.as_str(), planned.target_name.as_str()),
            ("42", "Black Friday & you")
        );
        assert!(
            planned
                .effect
                .contains(&format!("the {} 'Black Friday & you'", kind.label())),
            "{}",
            planned.effect
        );
        let outcome = wp.execute(&planned, REQUEST_ID).await.expect(action);
        assert_eq!((outcome.http_status, outcome.request_id.as_str()), (200, REQUEST_ID));
        assert_eq!(outcome.summary, summary, "{action} {status:?}");
    }
}

#[tokio::test]
async fn early_publish_and_moving_a_live_post_say_so() {
    let server = MockServer::start().await;
    let wp = connector(&server);
    let ahead = post(7, PostType::Post, PostStatus::Future, Some(in_hours(20)));
    let planned = wp
        .plan("publish", Target::Post(&ahead), &ActionArgs::default())
        .unwrap();
    assert!(planned.effect.contains("early"), "{}", planned.effect);
    let body = planned.body.unwrap();
    assert_eq!(body["status"], "publish");
    // WordPress keeps a publish dated ahead scheduled: the date moves to now.
    let sent: Timestamp = format!("{}Z", body["date_gmt"].as_str().unwrap()).parse().unwrap();
    assert!(sent <= Timestamp::now(), "{body}");
    let live = post(7, PostType::Post, PostStatus::Publish, Some(in_hours(-20)));
    let planned = wp
        .plan("move-to-draft", Target::Post(&live), &ActionArgs::default())
        .unwrap();
    assert!(planned.effect.contains("comes off the site"), "{}", planned.effect);
    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "planning sends nothing"
    );
}

#[tokio::test]
async fn refusals_give_the_reason_and_send_nothing() {
    let server = MockServer::start().await;
    let wp = connector(&server);
    let cases = [
        ("publish", PostStatus::Draft, "a draft goes through review first: "),
        ("publish", PostStatus::Publish, "already published"),
        ("move-to-draft", PostStatus::Draft, "already a draft"),
        ("reschedule", PostStatus::Trash, "trash"),
    ];
    for (action, status, why) in cases {
        let p = post(9, PostType::Post, status.clone(), None);
        let args = ActionArgs {
            time: Some(in_hours(5)),
            ..ActionArgs::default()
        };
        let err = wp.plan(action, Target::Post(&p), &args).unwrap_err();
        assert!(err.message.contains(why), "{action} {status:?}: {}", err.message);
        assert_eq!(err.request_id, None);
        match sources::availability(SourceKind::Wordpress, action, Target::Post(&p)) {
            Availability::Disabled(reason) => assert!(reason.contains(why), "{reason}"),
            Availability::Ready => panic!("{action} on {status:?} offered"),
        }
    }
    let pending = post(9, PostType::Post, PostStatus::Pending, None);
    assert_eq!(
        sources::availability(SourceKind::Wordpress, "publish", Target::Post(&pending)),
        Availability::Ready
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn reschedule_needs_a_future_time() {
    let server = MockServer::start().await;
    let wp = connector(&server);
    let p = post(9, PostType::Post, PostStatus::Future, Some(in_hours(-1)));
    let plan = |time| {
        wp.plan(
            "reschedule",
            Target::Post(&p),
            &ActionArgs {
                time,
                ..ActionArgs::default()
            },
        )
    };
    assert!(plan(None).unwrap_err().message.contains("needs a time"));
    let err = plan(Some(in_hours(-2))).unwrap_err();
    assert!(err.message.contains("not in the future"), "{}", err.message);
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn vendor_errors_keep_code_and_status_without_the_password() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/wp-json/wp/v2/posts/42"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "code": "rest_cannot_edit",
            "message": format!("Sorry, {USER}:{PASSWORD} is not allowed to edit this post."),
            "data": {"status": 403}})))
        .expect(1)
        .mount(&server)
        .await;
    let wp = connector(&server);
    let p = post(42, PostType::Post, PostStatus::Pending, None);
    let planned = wp.plan("publish", Target::Post(&p), &ActionArgs::default()).unwrap();
    let err = wp.execute(&planned, REQUEST_ID).await.unwrap_err();
    assert_eq!(err.http_status, Some(403));
    assert_eq!(err.request_id.as_deref(), Some(REQUEST_ID));
    let vendor = err.vendor.clone().expect("vendor error");
    assert_eq!(vendor.code.as_deref(), Some("rest_cannot_edit"));
    assert!(
        err.message
            .starts_with("publish 'Black Friday & you' failed: HTTP 403: rest_cannot_edit: Sorry,"),
        "{}",
        err.message
    );
    let shown = format!(
        "{err:?} {} {planned:?} {}",
        serde_json::to_string(&err).unwrap(),
        serde_json::to_string(&planned).unwrap()
    );
    assert!(!shown.contains(PASSWORD), "{shown}");
}

#[tokio::test]
async fn read_only_mode_refuses_and_sends_nothing() {
    let server = MockServer::start().await;
    let wp = connector_on(&server, true);
    let p = post(42, PostType::Post, PostStatus::Pending, None);
    let planned = wp.plan("publish", Target::Post(&p), &ActionArgs::default()).unwrap();
    let err = wp.execute(&planned, REQUEST_ID).await.unwrap_err();
    assert!(err.message.contains("read-only"), "{}", err.message);
    assert_eq!((err.http_status, err.request_id.clone()), (None, None));
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_plan_aimed_elsewhere_is_refused() {
    let server = MockServer::start().await;
    let wp = connector(&server);
    let p = post(42, PostType::Post, PostStatus::Pending, None);
    let mut planned = wp.plan("publish", Target::Post(&p), &ActionArgs::default()).unwrap();
    planned.url = Url::parse("http://127.0.0.1:9/wp-json/wp/v2/posts/42").unwrap();
    let err = wp.execute(&planned, REQUEST_ID).await.unwrap_err();
    assert!(err.message.contains("refusing"), "{}", err.message);
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_published_post_leaves_the_cache_at_once() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/wp-json/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"name": "Acme Blog"})))
        .mount(&server)
        .await;
    let modified = wp(in_hours(-5));
    let listed = json!([{"id": 42, "status": "pending", "date_gmt": wp(in_hours(-6)), "modified_gmt": modified,
                         "title": {"rendered": "Black Friday &amp; you"}, "author": 0}]);
    Mock::given(method("GET"))
        .and(path("/wp-json/wp/v2/posts"))
        .respond_with(move |req: &wiremock::Request| {
            // The incremental read finds nothing changed since the watermark.
            let body = if req.url.query_pairs().any(|(k, _)| k == "modified_after") {
                json!([])
            } else {
                listed.clone()
            };
            ResponseTemplate::new(200).set_body_json(body)
        })
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/wp-json/wp/v2/pages"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/wp-json/wp/v2/posts/42"))
        .respond_with(ResponseTemplate::new(200).set_body_json(answer(42, "publish", in_hours(-6))))
        .mount(&server)
        .await;
    let wp = connector(&server);
    let report = wp.poll().await;
    let Some(SourceData::Content(d)) = report.data else {
        panic!("{:?}", report.probe)
    };
    let target = d.posts[&42].clone();
    let planned = wp
        .plan("publish", Target::Post(&target), &ActionArgs::default())
        .unwrap();
    wp.execute(&planned, REQUEST_ID).await.unwrap();
    let report = wp.poll().await;
    let Some(SourceData::Content(d)) = report.data else {
        panic!("{:?}", report.probe)
    };
    assert!(d.posts.is_empty(), "{:?}", d.posts);
}
