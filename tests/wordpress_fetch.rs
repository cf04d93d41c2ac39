//! The WordPress connector's data fetch against wiremock on 127.0.0.1: exact
//! list queries, paging by WordPress's headers, site-zone dates, lenient
//! records, authors, incremental sync and failures after a healthy index.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use mops::http::{HttpCore, Policy};
use mops::model::{ContentData, HealthStatus, PostStatus, PostType};
use mops::sources::{Connector, PollReport, SourceData, Wordpress};
use secrecy::SecretString;
use serde_json::{Value, json};
use url::Url;
use wiremock::matchers::{basic_auth, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const USER: &str = "editor";
const PASSWORD: &str = "abcd EFGH 1234 ijkl MNOP 5678";
const POSTS: &str = "/wp-json/wp/v2/posts";
const PAGES: &str = "/wp-json/wp/v2/pages";
const USERS: &str = "/wp-json/wp/v2/users";
const WORKING_SET: &str = "future,draft,pending,private";
const ANY_STATUS: &str = "publish,future,draft,pending,private,trash";

fn policy() -> Policy {
    Policy {
        timeout: Duration::from_secs(5),
        max_retries: 1,
        backoff_base: Duration::from_millis(5),
        backoff_max: Duration::from_millis(10),
        ..Policy::wordpress()
    }
}

fn connector(server: &MockServer, per_page: usize) -> Wordpress {
    let client = HttpCore::new(false).unwrap().source("blog", policy());
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
    .with_page_size(per_page)
}

async fn mount_index(server: &MockServer, index: Value) {
    Mock::given(method("GET"))
        .and(path("/wp-json/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(index))
        .mount(server)
        .await;
}

fn utc_index() -> Value {
    json!({"name": "Acme Blog", "url": "https://blog.acme.test", "home": "https://acme.test",
           "gmt_offset": 0, "timezone_string": "", "namespaces": ["wp/v2"], "routes": {}})
}

/// A WordPress time: UTC or site-local, without a zone suffix.
fn wp(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S").to_string()
}

fn now() -> Timestamp {
    Timestamp::now()
}

fn hours(h: i64) -> SignedDuration {
    SignedDuration::from_hours(h)
}

fn post(id: u64, status: &str, date_gmt: Timestamp, modified_gmt: Timestamp) -> Value {
    json!({"id": id, "status": status, "date": wp(date_gmt), "date_gmt": wp(date_gmt),
           "modified": wp(modified_gmt), "modified_gmt": wp(modified_gmt), "slug": format!("p{id}"),
           "link": format!("https://acme.test/?p={id}"), "title": {"rendered": format!("Post {id}")}, "author": 0})
}

fn query(req: &Request, name: &str) -> Option<String> {
    req.url
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn gmt_of(item: &Value, field: &str) -> Option<Timestamp> {
    format!("{}Z", item.get(field)?.as_str()?).parse().ok()
}

/// A WordPress list endpoint over a changeable set: filters by `status`,
/// `include` and `modified_after` as WordPress does, pages by `per_page` and
/// `page`, says `X-WP-Total`/`X-WP-TotalPages`, and answers a page past the
/// end with the 400 WordPress sends.
fn wordpress_list(items: Arc<Mutex<Vec<Value>>>) -> impl Fn(&Request) -> ResponseTemplate + Send + Sync {
    move |req: &Request| {
        let statuses: Vec<String> = query(req, "status")
            .unwrap_or_else(|| "publish".into())
            .split(',')
            .map(str::to_owned)
            .collect();
        let include: Option<Vec<u64>> =
            query(req, "include").map(|s| s.split(',').filter_map(|id| id.parse().ok()).collect());
        let after: Option<Timestamp> = query(req, "modified_after").and_then(|s| s.parse().ok());
        let all = items.lock().unwrap().clone();
        let matching: Vec<Value> = all
            .into_iter()
            .filter(|p| {
                let status_ok = p
                    .get("status")
                    .and_then(Value::as_str)
                    .is_none_or(|s| statuses.iter().any(|x| x == s));
                let id_ok = include
                    .as_ref()
                    .is_none_or(|ids| p.get("id").and_then(Value::as_u64).is_some_and(|id| ids.contains(&id)));
                let after_ok = after.is_none_or(|a| gmt_of(p, "modified_gmt").is_some_and(|m| m > a));
                status_ok && id_ok && after_ok
            })
            .collect();
        let per_page: usize = query(req, "per_page").and_then(|s| s.parse().ok()).unwrap_or(10);
        let page: usize = query(req, "page").and_then(|s| s.parse().ok()).unwrap_or(1);
        let total = matching.len();
        let pages = total.div_ceil(per_page);
        if page > 1 && page > pages {
            return ResponseTemplate::new(400).set_body_json(json!({
                "code": "rest_post_invalid_page_number",
                "message": "The page number requested is larger than the number of pages available.",
                "data": {"status": 400}}));
        }
        let chunk: Vec<Value> = matching
            .into_iter()
            .skip((page - 1) * per_page)
            .take(per_page)
            .collect();
        ResponseTemplate::new(200)
            .insert_header("X-WP-Total", total.to_string())
            .insert_header("X-WP-TotalPages", pages.to_string())
            .set_body_json(chunk)
    }
}

/// Mounts posts and pages over changeable sets, and users (empty unless a
/// test mounts its own first); returns the post set.
async fn mount_site(server: &MockServer, posts: Vec<Value>, pages: Vec<Value>) -> Arc<Mutex<Vec<Value>>> {
    let post_set = Arc::new(Mutex::new(posts));
    Mock::given(method("GET"))
        .and(path(POSTS))
        .and(basic_auth(USER, PASSWORD))
        .respond_with(wordpress_list(Arc::clone(&post_set)))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(PAGES))
        .and(basic_auth(USER, PASSWORD))
        .respond_with(wordpress_list(Arc::new(Mutex::new(pages))))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(USERS))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(server)
        .await;
    post_set
}

fn data(report: &PollReport) -> Arc<ContentData> {
    match &report.data {
        Some(SourceData::Content(d)) => d.clone(),
        other => panic!("no content data: {other:?} {:?}", report.probe),
    }
}

async fn requests_to(server: &MockServer, p: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == p)
        .collect()
}

#[tokio::test]
async fn full_then_incremental_requests_have_the_documented_shape() {
    let server = MockServer::start().await;
    mount_index(&server, utc_index()).await;
    let newest = now() - hours(30);
    let posts = vec![
        post(1, "draft", now() - hours(48), now() - hours(40)),
        post(2, "pending", now() - hours(48), newest),
        post(3, "publish", now() - hours(48), now() - hours(1)),
    ];
    mount_site(&server, posts, vec![]).await;
    let wp = connector(&server, 2);

    let first = wp.poll().await;
    assert_eq!(first.probe.status, HealthStatus::Ok, "{:?}", first.probe);
    assert_eq!(first.probe.summary, "site \"Acme Blog\" answers");
    let d = data(&first);
    assert_eq!(
        d.posts.keys().copied().collect::<Vec<_>>(),
        [1, 2],
        "published posts are not the working set"
    );
    assert_eq!(d.site_name.as_deref(), Some("Acme Blog"));
    assert_eq!(d.site_url.as_deref(), Some("https://acme.test"), "home wins over url");

    let full = requests_to(&server, POSTS).await;
    assert_eq!(full.len(), 1, "two posts fit one page of two");
    let r = &full[0];
    assert!(r.headers.contains_key("authorization"));
    assert_eq!(query(r, "status").as_deref(), Some(WORKING_SET));
    assert_eq!(
        (query(r, "per_page").as_deref(), query(r, "page").as_deref()),
        (Some("2"), Some("1"))
    );
    assert_eq!(query(r, "modified_after"), None);
    assert!(query(r, "_fields").is_some_and(|f| f.contains("date_gmt") && f.contains("title")));
    let page_reqs = requests_to(&server, PAGES).await;
    assert_eq!(query(&page_reqs[0], "status").as_deref(), Some(WORKING_SET));

    wp.poll().await;
    let all = requests_to(&server, POSTS).await;
    let second = &all[1];
    assert_eq!(query(second, "status").as_deref(), Some(ANY_STATUS));
    let expect = (newest - SignedDuration::from_mins(5))
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    assert_eq!(query(second, "modified_after"), Some(expect));
}

#[tokio::test]
async fn pages_follow_the_total_pages_header() {
    let server = MockServer::start().await;
    mount_index(&server, utc_index()).await;
    let posts: Vec<Value> = (1..=5).map(|id| post(id, "draft", now(), now() - hours(2))).collect();
    let pages = vec![post(100, "private", now(), now() - hours(2))];
    mount_site(&server, posts, pages).await;
    let report = connector(&server, 2).poll().await;
    let d = data(&report);
    assert_eq!(d.posts.keys().copied().collect::<Vec<_>>(), [1, 2, 3, 4, 5, 100]);
    assert_eq!(d.posts[&100].kind, PostType::Page);
    let reqs = requests_to(&server, POSTS).await;
    let pages: Vec<String> = reqs.iter().filter_map(|r| query(r, "page")).collect();
    assert_eq!(pages, ["1", "2", "3"], "stops at X-WP-TotalPages, no page past the end");
}

#[tokio::test]
async fn a_page_past_the_end_ends_paging_cleanly() {
    // The set shrank between pages: page 1 promised 3 pages, page 2 is gone.
    let server = MockServer::start().await;
    mount_index(&server, utc_index()).await;
    mount_site(&server, vec![], vec![]).await;
    let first = json!([post(1, "draft", now(), now()), post(2, "draft", now(), now())]);
    Mock::given(method("GET"))
        .and(path(POSTS))
        .respond_with(move |req: &Request| match query(req, "page").as_deref() {
            Some("1") => ResponseTemplate::new(200)
                .insert_header("X-WP-Total", "6")
                .insert_header("X-WP-TotalPages", "3")
                .set_body_json(first.clone()),
            _ => ResponseTemplate::new(400).set_body_json(json!({
                "code": "rest_post_invalid_page_number",
                "message": "The page number requested is larger than the number of pages available.",
                "data": {"status": 400}})),
        })
        .with_priority(1)
        .mount(&server)
        .await;
    let report = connector(&server, 2).poll().await;
    assert_eq!(report.probe.status, HealthStatus::Ok, "{:?}", report.probe);
    assert_eq!(data(&report).posts.len(), 2);
    assert_eq!(requests_to(&server, POSTS).await.len(), 2);
}

#[tokio::test]
async fn without_headers_a_short_page_is_the_last() {
    let server = MockServer::start().await;
    mount_index(&server, utc_index()).await;
    mount_site(&server, vec![], vec![]).await;
    Mock::given(method("GET"))
        .and(path(POSTS))
        .respond_with(|req: &Request| {
            let body = match query(req, "page").as_deref() {
                Some("1") => json!([post(1, "draft", now(), now()), post(2, "draft", now(), now())]),
                Some("2") => json!([post(3, "draft", now(), now())]),
                _ => json!([post(9, "draft", now(), now())]),
            };
            ResponseTemplate::new(200).set_body_json(body)
        })
        .with_priority(1)
        .mount(&server)
        .await;
    let report = connector(&server, 2).poll().await;
    assert_eq!(data(&report).posts.keys().copied().collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(requests_to(&server, POSTS).await.len(), 2);
}

#[tokio::test]
async fn date_gmt_decides_a_missed_schedule_whatever_the_local_date_says() {
    for (offset, due, missed) in [
        // West of UTC: the local `date` reads hours earlier than UTC, so a
        // post due in two hours looks past if `date` were taken as UTC.
        (-5i64, now() + hours(2), false),
        // East of UTC: the local `date` reads later, so a post two hours
        // overdue looks future if `date` were taken as UTC.
        (5, now() - hours(2), true),
    ] {
        let server = MockServer::start().await;
        mount_index(
            &server,
            json!({"name": "Blog", "gmt_offset": offset, "timezone_string": ""}),
        )
        .await;
        let mut p = post(7, "future", due, now() - hours(24));
        p["date"] = json!(wp(due + hours(offset)));
        mount_site(&server, vec![p], vec![]).await;
        let report = connector(&server, 10).poll().await;
        let d = data(&report);
        let got = &d.posts[&7];
        assert_eq!(
            got.date.map(|t| t.as_second()),
            Some(due.as_second()),
            "offset {offset}"
        );
        assert_eq!(got.missed_schedule(now()).is_some(), missed, "offset {offset}");
    }
}

#[tokio::test]
async fn null_date_gmt_falls_back_to_the_local_date_in_the_site_zone() {
    for (index, local, utc) in [
        (
            json!({"name": "Blog", "gmt_offset": "5.5", "timezone_string": ""}),
            "2026-11-20T14:30:00",
            "2026-11-20T09:00:00Z",
        ),
        (
            json!({"name": "Blog", "gmt_offset": 0, "timezone_string": "Europe/Berlin"}),
            "2026-11-20T10:00:00",
            "2026-11-20T09:00:00Z",
        ),
    ] {
        let server = MockServer::start().await;
        mount_index(&server, index.clone()).await;
        let mut p = post(8, "draft", now(), now());
        p["date"] = json!(local);
        p["date_gmt"] = Value::Null;
        let mut q = post(9, "pending", now(), now());
        q["date"] = json!(local);
        q["date_gmt"] = json!("0000-00-00T00:00:00");
        mount_site(&server, vec![p, q], vec![]).await;
        let d = data(&connector(&server, 10).poll().await);
        let want: Timestamp = utc.parse().unwrap();
        assert_eq!(d.posts[&8].date, Some(want), "{index}");
        assert_eq!(d.posts[&9].date, Some(want), "{index}");
    }
}

#[tokio::test]
async fn titles_are_plain_text() {
    let server = MockServer::start().await;
    mount_index(&server, utc_index()).await;
    let mut p = post(1, "draft", now(), now());
    p["title"] = json!({"rendered": "Tom &amp; Jerry&#8217;s &#8220;<em>big</em>&#8221;&nbsp;day"});
    mount_site(&server, vec![p], vec![]).await;
    let d = data(&connector(&server, 10).poll().await);
    assert_eq!(d.posts[&1].title, "Tom & Jerry\u{2019}s \u{201c}big\u{201d} day");
}

#[tokio::test]
async fn unreadable_records_are_skipped_and_counted() {
    let server = MockServer::start().await;
    mount_index(&server, utc_index()).await;
    let posts = vec![
        json!("not a post"),
        json!(42),
        json!({"status": "draft", "title": {"rendered": "no id"}}),
        post(3, "draft", now(), now()),
        post(4, "pending", now(), now()),
        post(5, "future", now(), now()),
    ];
    mount_site(&server, posts, vec![]).await;
    let report = connector(&server, 10).poll().await;
    assert_eq!(report.probe.status, HealthStatus::Degraded);
    assert_eq!(
        report.probe.summary,
        "site \"Acme Blog\" answers (3 unreadable records skipped)"
    );
    assert_eq!(data(&report).posts.keys().copied().collect::<Vec<_>>(), [3, 4, 5]);
}

#[tokio::test]
async fn mostly_unreadable_posts_fail_the_read_instead_of_replacing_the_data() {
    let server = MockServer::start().await;
    mount_index(&server, utc_index()).await;
    let garbled = vec![post(3, "draft", now(), now()), json!(["4", "draft"]), json!(5)];
    mount_site(&server, garbled, vec![]).await;
    let report = connector(&server, 10).poll().await;
    assert!(report.data.is_none(), "a fraction never replaces the last good data");
    assert!(
        report.probe.summary.contains("2 of 3 records unreadable"),
        "{}",
        report.probe.summary
    );
}

#[tokio::test]
async fn authors_are_resolved_once_and_unknown_ones_show_their_id() {
    let server = MockServer::start().await;
    mount_index(&server, utc_index()).await;
    Mock::given(method("GET"))
        .and(path(USERS))
        .and(basic_auth(USER, PASSWORD))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([{"id": 2, "name": "Ann Lee", "slug": "ann"}])))
        .with_priority(1)
        .mount(&server)
        .await;
    let mut a = post(1, "draft", now(), now() - hours(3));
    a["author"] = json!(2);
    let mut b = post(4, "pending", now(), now() - hours(3));
    b["author"] = json!(3);
    mount_site(&server, vec![a, b], vec![]).await;
    let wp = connector(&server, 10);
    let d = data(&wp.poll().await);
    assert_eq!(d.author_name(&d.posts[&1]), "Ann Lee");
    assert_eq!(d.author_name(&d.posts[&4]), "user 3");
    let users = requests_to(&server, USERS).await;
    assert_eq!(users.len(), 1);
    assert_eq!(query(&users[0], "include").as_deref(), Some("2,3"));
    assert_eq!(query(&users[0], "per_page").as_deref(), Some("100"));

    let d = data(&wp.poll().await);
    assert_eq!(d.author_name(&d.posts[&1]), "Ann Lee", "kept across polls");
    assert_eq!(
        requests_to(&server, USERS).await.len(),
        1,
        "known and hidden authors are not asked again"
    );
}

#[tokio::test]
async fn a_failing_users_call_does_not_fail_the_poll() {
    let server = MockServer::start().await;
    mount_index(&server, utc_index()).await;
    Mock::given(method("GET"))
        .and(path(USERS))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "code": "rest_user_cannot_view", "message": "Sorry, you are not allowed to list users.",
            "data": {"status": 403}})))
        .with_priority(1)
        .mount(&server)
        .await;
    let mut a = post(1, "draft", now(), now());
    a["author"] = json!(2);
    mount_site(&server, vec![a], vec![]).await;
    let report = connector(&server, 10).poll().await;
    assert_eq!(report.probe.status, HealthStatus::Ok, "{:?}", report.probe);
    assert!(
        report.probe.summary.contains("author names unavailable"),
        "{}",
        report.probe.summary
    );
    let d = data(&report);
    assert_eq!(d.author_name(&d.posts[&1]), "user 2");
}

#[tokio::test]
async fn published_and_trashed_posts_leave_on_the_incremental_poll() {
    let server = MockServer::start().await;
    mount_index(&server, utc_index()).await;
    let set = mount_site(
        &server,
        vec![
            post(1, "draft", now(), now() - hours(5)),
            post(2, "pending", now(), now() - hours(5)),
            post(3, "draft", now(), now() - hours(5)),
        ],
        vec![],
    )
    .await;
    let wp = connector(&server, 2);
    assert_eq!(data(&wp.poll().await).posts.len(), 3);
    {
        let mut posts = set.lock().unwrap();
        posts[0] = post(1, "trash", now(), now() - hours(1));
        posts[1] = post(2, "publish", now(), now() - hours(1));
        posts.push(post(4, "future", now() + hours(24), now() - hours(1)));
    }
    let d = data(&wp.poll().await);
    assert_eq!(d.posts.keys().copied().collect::<Vec<_>>(), [3, 4]);
    let reqs = requests_to(&server, POSTS).await;
    let last = reqs.last().unwrap();
    assert!(
        query(last, "modified_after").is_some(),
        "the second poll is incremental"
    );
    assert_eq!(query(last, "status").as_deref(), Some(ANY_STATUS));
}

#[tokio::test]
async fn a_missed_schedule_that_cron_publishes_leaves_the_queue() {
    let server = MockServer::start().await;
    mount_index(&server, utc_index()).await;
    let stuck = post(5, "future", now() - hours(1), now() - hours(30));
    let set = mount_site(&server, vec![stuck, post(6, "draft", now(), now() - hours(20))], vec![]).await;
    let wp = connector(&server, 10);
    let d = data(&wp.poll().await);
    assert!(d.posts[&5].missed_schedule(now()).is_some());
    // Cron fires: published, `modified_gmt` untouched.
    set.lock().unwrap()[0]["status"] = json!("publish");
    let d = data(&wp.poll().await);
    assert_eq!(d.posts.keys().copied().collect::<Vec<_>>(), [6]);
    let reqs = requests_to(&server, POSTS).await;
    let reread = reqs
        .iter()
        .find(|r| query(r, "include").is_some())
        .expect("the overdue post is asked for by id");
    assert_eq!(query(reread, "include").as_deref(), Some("5"));
    assert_eq!(query(reread, "status").as_deref(), Some(ANY_STATUS));
}

#[tokio::test]
async fn a_still_missed_schedule_stays_in_the_queue() {
    let server = MockServer::start().await;
    mount_index(&server, utc_index()).await;
    mount_site(
        &server,
        vec![post(5, "future", now() - hours(1), now() - hours(30))],
        vec![],
    )
    .await;
    let wp = connector(&server, 10);
    wp.poll().await;
    let d = data(&wp.poll().await);
    assert!(d.posts[&5].missed_schedule(now()).is_some());
}

#[tokio::test]
async fn a_401_on_posts_degrades_the_probe_with_wordpress_code_and_no_secret() {
    let server = MockServer::start().await;
    mount_index(&server, utc_index()).await;
    Mock::given(method("GET"))
        .and(path(POSTS))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "code": "rest_not_logged_in",
            "message": format!("Application password {PASSWORD} was rejected."),
            "data": {"status": 401}})))
        .mount(&server)
        .await;
    mount_site(&server, vec![], vec![]).await;
    let report = connector(&server, 10).poll().await;
    assert_eq!(report.data, None);
    let probe = report.probe;
    assert_eq!(probe.status, HealthStatus::Auth);
    assert_eq!(probe.http_status, Some(401));
    assert!(
        probe
            .summary
            .starts_with("site index OK, but GET /wp/v2/posts failed: access denied (HTTP 401)"),
        "{}",
        probe.summary
    );
    let vendor = probe.vendor_error.clone().expect("vendor error");
    assert_eq!(vendor.code.as_deref(), Some("rest_not_logged_in"));
    let text = format!("{probe:?} {}", serde_json::to_string(&probe).unwrap());
    assert!(!text.contains(PASSWORD), "secret in probe: {text}");
    assert!(text.contains("***"), "{text}");
}

#[tokio::test]
async fn the_working_set_keeps_every_status_that_needs_a_person() {
    let server = MockServer::start().await;
    mount_index(&server, utc_index()).await;
    let posts = vec![
        post(1, "future", now() + hours(3), now()),
        post(2, "draft", now(), now()),
        post(3, "pending", now(), now()),
        post(4, "private", now(), now()),
    ];
    mount_site(&server, posts, vec![]).await;
    let d = data(&connector(&server, 10).poll().await);
    let statuses: Vec<PostStatus> = d.posts.values().map(|p| p.status.clone()).collect();
    assert_eq!(
        statuses,
        [
            PostStatus::Future,
            PostStatus::Draft,
            PostStatus::Pending,
            PostStatus::Private
        ]
    );
}
