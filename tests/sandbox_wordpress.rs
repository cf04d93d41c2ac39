//! The WordPress sandbox answers as a real site does: seeded editorial work
//! in the planted numbers, WordPress's paging, status permissions and
//! validation errors, site-local `date` beside UTC `date_gmt`, and updates
//! that change what later requests see.

mod sandbox_support;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use mops::sandbox::{self, Sandbox, SandboxOptions, WORDPRESS_MISSED_SCHEDULE_TITLE, wordpress_planted};
use reqwest::header::HeaderMap;
use reqwest::{Client, Method, RequestBuilder};
use sandbox_support::*;
use secrecy::ExposeSecret;
use serde_json::{Value, json};

const ALL_STATUSES: &str = "publish,future,draft,pending,private,trash";
/// New York's current rules, as the sandbox falls back to without a tz database.
const NEW_YORK: &str = "EST5EDT,M3.2.0,M11.1.0";

/// `/wordpress/wp-json{path}` with the application password.
fn wp(c: &Client, sb: &Sandbox, method: Method, path: &str) -> RequestBuilder {
    let creds = sb.credentials();
    c.request(method, url(sb, &format!("/wordpress/wp-json{path}")))
        .basic_auth(
            &creds.wordpress_user,
            Some(creds.wordpress_app_password.expose_secret().to_owned()),
        )
}

/// `/wordpress/wp-json{path}` without credentials.
fn anon(c: &Client, sb: &Sandbox, method: Method, path: &str) -> RequestBuilder {
    c.request(method, url(sb, &format!("/wordpress/wp-json{path}")))
}

/// Asserts 200 and returns the headers and the JSON body.
async fn ok_json(request: RequestBuilder) -> (HeaderMap, Value) {
    let response = request.send().await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = json(response).await;
    assert_eq!(status, 200, "{body}");
    (headers, body)
}

async fn error_json(request: RequestBuilder, status: u16, code: &str) -> Value {
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), status);
    assert_eq!(content_type(&response), "application/json; charset=UTF-8");
    let body = json(response).await;
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["data"]["status"], status, "{body}");
    body
}

fn total(headers: &HeaderMap) -> (usize, usize) {
    let n = |name: &str| headers[name].to_str().unwrap().parse::<usize>().unwrap();
    (n("X-WP-Total"), n("X-WP-TotalPages"))
}

/// A WordPress `*_gmt` field as an instant.
fn gmt(value: &Value) -> Timestamp {
    format!("{}Z", value.as_str().unwrap()).parse().unwrap()
}

/// A site-local field read as if it were UTC: its difference from the
/// `_gmt` field is the site's offset.
fn wall(value: &Value) -> Timestamp {
    gmt(value)
}

fn ids(posts: &Value) -> Vec<u64> {
    posts
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_u64().unwrap())
        .collect()
}

async fn all_posts(c: &Client, sb: &Sandbox, collection: &str) -> Vec<Value> {
    let path = format!("/wp/v2/{collection}?status={ALL_STATUSES}&per_page=100");
    let (response, body) = ok_json(wp(c, sb, Method::GET, &path)).await;
    let list = body.as_array().unwrap().clone();
    assert_eq!(total(&response), (list.len(), 1));
    list
}

fn days(n: i64) -> SignedDuration {
    SignedDuration::from_hours(24 * n)
}

#[tokio::test]
async fn seeded_editorial_work_matches_the_planted_counts() {
    let sb = start(51).await;
    let c = client();
    let p = wordpress_planted();
    let now = Timestamp::now();
    let posts = all_posts(&c, &sb, "posts").await;
    assert_eq!(posts.len(), p.total_posts());
    let count = |pred: &dyn Fn(&Value) -> bool| posts.iter().filter(|x| pred(x)).count();
    let status = |x: &Value, s: &str| x["status"] == s;
    let age = |x: &Value, field: &str| gmt(&x[field]).duration_until(now);
    assert_eq!(count(&|x| status(x, "publish")), p.published_posts);
    let missed: Vec<&Value> = posts
        .iter()
        .filter(|x| status(x, "future") && gmt(&x["date_gmt"]) < now)
        .collect();
    assert_eq!(missed.len(), p.missed_schedule);
    assert_eq!(missed[0]["title"]["rendered"], WORDPRESS_MISSED_SCHEDULE_TITLE);
    let late = age(missed[0], "date_gmt");
    // Three hours before the start hour; a minute of slack for a start on the hour.
    let range = SignedDuration::from_hours(3)..SignedDuration::from_mins(4 * 60 + 1);
    assert!(range.contains(&late), "{late:?}");
    let due = |x: &Value| now.duration_until(gmt(&x["date_gmt"]));
    let future = |x: &Value| status(x, "future") && due(x) > SignedDuration::ZERO;
    assert_eq!(count(&|x| future(x) && due(x) <= days(7)), p.scheduled_next_7_days);
    assert_eq!(count(&|x| future(x) && due(x) > days(7)), p.scheduled_later);
    let modified_days = |x: &Value| age(x, "modified_gmt").as_secs_f64() / 86_400.0;
    assert_eq!(
        count(&|x| status(x, "pending") && (1.0..9.0).contains(&modified_days(x))),
        p.pending_review
    );
    assert_eq!(
        count(&|x| status(x, "draft") && (45.0..400.0).contains(&modified_days(x))),
        p.stale_drafts
    );
    assert_eq!(count(&|x| status(x, "draft") && modified_days(x) < 7.0), p.fresh_drafts);
    assert_eq!(count(&|x| status(x, "private")), p.private_posts);
    assert_eq!(count(&|x| status(x, "trash")), p.trashed_posts);
    // Titles are texturized as WordPress renders them.
    let titles: Vec<&str> = posts.iter().map(|x| x["title"]["rendered"].as_str().unwrap()).collect();
    assert!(titles.contains(&"Q4 Playbook &#8211; Part 2"), "{titles:?}");
    assert!(
        titles.iter().any(|t| t.starts_with("Ops &amp; Analytics")),
        "{titles:?}"
    );

    let pages = all_posts(&c, &sb, "pages").await;
    assert_eq!(pages.len(), p.total_pages());
    assert_eq!(
        pages.iter().filter(|x| x["status"] == "publish").count(),
        p.published_pages
    );
    assert_eq!(
        pages.iter().filter(|x| x["status"] == "pending").count(),
        p.pending_pages
    );
    assert!(pages.iter().all(|x| x["type"] == "page"));
    assert!(posts.iter().all(|x| x["type"] == "post"));
    sb.shutdown().await;
}

#[tokio::test]
async fn posts_have_the_fields_connectors_read() {
    let sb = start(52).await;
    let c = client();
    let (_, posts) = ok_json(anon(&c, &sb, Method::GET, "/wp/v2/posts?per_page=1")).await;
    let post = &posts[0];
    for field in ["id", "author"] {
        assert!(post[field].is_u64(), "{field}: {post}");
    }
    for field in [
        "date",
        "date_gmt",
        "modified",
        "modified_gmt",
        "slug",
        "link",
        "comment_status",
    ] {
        assert!(post[field].is_string(), "{field}: {post}");
    }
    assert_eq!(post["status"], "publish");
    assert_eq!(post["type"], "post");
    assert!(post["title"]["rendered"].is_string());
    assert!(post["guid"]["rendered"].as_str().unwrap().contains("?p="));
    assert_eq!(post["excerpt"]["protected"], false);
    let site = format!("http://{}/wordpress/", sb.addr());
    assert!(post["link"].as_str().unwrap().starts_with(&site), "{post}");
    let self_link = &post["_links"]["self"][0]["href"];
    assert_eq!(
        *self_link,
        format!("http://{}/wordpress/wp-json/wp/v2/posts/{}", sb.addr(), post["id"])
    );
    // The single-post route gives the same record.
    let (_, single) = ok_json(anon(&c, &sb, Method::GET, &format!("/wp/v2/posts/{}", post["id"]))).await;
    assert_eq!(single, *post);
    sb.shutdown().await;
}

#[tokio::test]
async fn paging_headers_and_the_page_past_the_end() {
    let sb = start(53).await;
    let c = client();
    let published = wordpress_planted().published_posts;
    let per_page = 7;
    let pages = published.div_ceil(per_page);
    let mut seen = Vec::new();
    let mut last_date = None;
    for page in 1..=pages {
        let path = format!("/wp/v2/posts?per_page={per_page}&page={page}");
        let (response, body) = ok_json(anon(&c, &sb, Method::GET, &path)).await;
        assert_eq!(total(&response), (published, pages));
        let link = response
            .get("link")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        assert_eq!(link.contains("rel=\"next\""), page < pages, "{link}");
        assert_eq!(link.contains("rel=\"prev\""), page > 1, "{link}");
        // Newest first, across page boundaries.
        for post in body.as_array().unwrap() {
            let date = gmt(&post["date_gmt"]);
            assert!(last_date.is_none_or(|last| date <= last));
            last_date = Some(date);
        }
        seen.extend(ids(&body));
    }
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), published);

    let past = format!("/wp/v2/posts?per_page={per_page}&page={}", pages + 1);
    let body = error_json(anon(&c, &sb, Method::GET, &past), 400, "rest_post_invalid_page_number").await;
    assert_eq!(
        body["message"],
        "The page number requested is larger than the number of pages available."
    );

    // An empty set has no pages, and its first page is simply empty.
    let (response, body) = ok_json(anon(&c, &sb, Method::GET, "/wp/v2/posts?include=999999")).await;
    assert_eq!(body, json!([]));
    assert_eq!(total(&response), (0, 0));
    sb.shutdown().await;
}

#[tokio::test]
async fn non_public_statuses_need_the_application_password() {
    let sb = start(54).await;
    let c = client();
    for status in [
        "draft",
        "future",
        "pending",
        "private",
        "trash",
        "publish,future",
        "any",
    ] {
        let path = format!("/wp/v2/posts?status={status}");
        let body = error_json(anon(&c, &sb, Method::GET, &path), 400, "rest_invalid_param").await;
        assert_eq!(body["message"], "Invalid parameter(s): status");
        assert_eq!(body["data"]["params"]["status"], "Status is forbidden.", "{status}");
        assert_eq!(body["data"]["details"]["status"]["code"], "rest_forbidden_status");
        let (response, _) = ok_json(wp(&c, &sb, Method::GET, &path)).await;
        assert!(total(&response).0 > 0, "{status}");
    }
    // Explicitly asking for the public status is fine without credentials.
    ok_json(anon(&c, &sb, Method::GET, "/wp/v2/posts?status=publish")).await;

    let body = error_json(
        wp(&c, &sb, Method::GET, "/wp/v2/posts?status=publish,bogus"),
        400,
        "rest_invalid_param",
    )
    .await;
    let message = body["data"]["params"]["status"].as_str().unwrap();
    assert!(
        message.starts_with("status[1] is not one of publish, future, draft"),
        "{message}"
    );

    // A draft is invisible to visitors, readable with the password.
    let (_, drafts) = ok_json(wp(&c, &sb, Method::GET, "/wp/v2/posts?status=draft&per_page=1")).await;
    let draft = format!("/wp/v2/posts/{}", drafts[0]["id"]);
    let body = error_json(anon(&c, &sb, Method::GET, &draft), 401, "rest_forbidden").await;
    assert_eq!(body["message"], "Sorry, you are not allowed to do that.");
    ok_json(wp(&c, &sb, Method::GET, &draft)).await;
    sb.shutdown().await;
}

#[tokio::test]
async fn per_page_must_be_between_1_and_100() {
    let sb = start(55).await;
    let c = client();
    for bad in ["0", "101", "-3"] {
        let path = format!("/wp/v2/posts?per_page={bad}");
        let body = error_json(anon(&c, &sb, Method::GET, &path), 400, "rest_invalid_param").await;
        assert_eq!(
            body["data"]["params"]["per_page"],
            "per_page must be between 1 (inclusive) and 100 (inclusive)"
        );
    }
    let body = error_json(
        anon(&c, &sb, Method::GET, "/wp/v2/posts?per_page=lots&page=0"),
        400,
        "rest_invalid_param",
    )
    .await;
    assert_eq!(body["message"], "Invalid parameter(s): page, per_page");
    assert_eq!(body["data"]["params"]["per_page"], "per_page is not of type integer.");
    assert_eq!(
        body["data"]["params"]["page"],
        "page must be greater than or equal to 1"
    );
    for good in [1, 100] {
        let path = format!("/wp/v2/posts?per_page={good}");
        let (_, body) = ok_json(anon(&c, &sb, Method::GET, &path)).await;
        assert_eq!(
            body.as_array().unwrap().len(),
            good.min(wordpress_planted().published_posts)
        );
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn modified_after_filters_by_last_edit() {
    let sb = start(56).await;
    let c = client();
    let posts = all_posts(&c, &sb, "posts").await;
    let mut modified: Vec<Timestamp> = posts.iter().map(|p| gmt(&p["modified_gmt"])).collect();
    modified.sort_unstable();
    let cut = modified[modified.len() / 2];
    let expected = modified.iter().filter(|m| **m > cut).count();
    assert!(expected > 0 && expected < posts.len());

    let utc = cut.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    let path = format!("/wp/v2/posts?status={ALL_STATUSES}&per_page=100&modified_after={utc}");
    let (response, body) = ok_json(wp(&c, &sb, Method::GET, &path)).await;
    assert_eq!(total(&response).0, expected);
    assert!(body.as_array().unwrap().iter().all(|p| gmt(&p["modified_gmt"]) > cut));

    // Without a zone the time is the site's wall clock.
    let local = TimeZone::posix(NEW_YORK)
        .unwrap()
        .to_datetime(cut)
        .strftime("%Y-%m-%dT%H:%M:%S")
        .to_string();
    let path = format!("/wp/v2/posts?status={ALL_STATUSES}&per_page=100&modified_after={local}");
    let (response, _) = ok_json(wp(&c, &sb, Method::GET, &path)).await;
    assert_eq!(total(&response).0, expected);

    let body = error_json(
        anon(&c, &sb, Method::GET, "/wp/v2/posts?modified_after=yesterday"),
        400,
        "rest_invalid_param",
    )
    .await;
    assert_eq!(body["data"]["params"]["modified_after"], "Invalid date.");
    sb.shutdown().await;
}

#[tokio::test]
async fn include_lists_exactly_those_posts() {
    let sb = start(57).await;
    let c = client();
    let (_, first) = ok_json(anon(&c, &sb, Method::GET, "/wp/v2/posts?per_page=5")).await;
    let wanted = [ids(&first)[4], ids(&first)[0], ids(&first)[2]];
    let list = wanted.map(|id| id.to_string()).join(",");
    let (response, body) = ok_json(anon(&c, &sb, Method::GET, &format!("/wp/v2/posts?include={list}"))).await;
    assert_eq!(total(&response), (3, 1));
    let mut got = ids(&body);
    got.sort_unstable();
    let mut sorted = wanted.to_vec();
    sorted.sort_unstable();
    assert_eq!(got, sorted);
    let path = format!("/wp/v2/posts?include={list}&orderby=include");
    let (_, body) = ok_json(anon(&c, &sb, Method::GET, &path)).await;
    assert_eq!(ids(&body), wanted);

    let body = error_json(
        anon(&c, &sb, Method::GET, "/wp/v2/posts?include=4,x"),
        400,
        "rest_invalid_param",
    )
    .await;
    assert_eq!(body["data"]["params"]["include"], "include[1] is not of type integer.");
    sb.shutdown().await;
}

#[tokio::test]
async fn date_is_new_york_wall_clock_and_date_gmt_is_utc() {
    let zone = TimeZone::posix(NEW_YORK).unwrap();
    for (start, offset) in [("2026-07-01T12:00:00Z", -4), ("2026-01-15T12:00:00Z", -5)] {
        let start: Timestamp = start.parse().unwrap();
        let sb = sandbox::spawn_at(
            SandboxOptions {
                listen: "127.0.0.1:0".parse().unwrap(),
                seed: 58,
                faults: Vec::new(),
            },
            start,
        )
        .await
        .unwrap();
        let c = client();
        let (_, index) = ok_json(anon(&c, &sb, Method::GET, "/")).await;
        assert_eq!(index["timezone_string"], "America/New_York");
        assert_eq!(index["gmt_offset"], offset);
        let posts = all_posts(&c, &sb, "posts").await;
        let mut offsets = std::collections::BTreeSet::new();
        for post in &posts {
            for (local, utc) in [("date", "date_gmt"), ("modified", "modified_gmt")] {
                let shift = gmt(&post[utc]).duration_until(wall(&post[local]));
                let expected = zone.to_offset(gmt(&post[utc])).seconds();
                assert_eq!(shift.as_secs(), i64::from(expected), "{local} of {post}");
                offsets.insert(expected);
            }
        }
        // Posts span a year: both summer and winter time show up.
        assert_eq!(offsets.len(), 2, "{offsets:?}");
        sb.shutdown().await;
    }
}

#[tokio::test]
async fn publishing_the_missed_schedule_changes_what_is_listed() {
    let sb = start(59).await;
    let c = client();
    let (response, future) = ok_json(wp(&c, &sb, Method::GET, "/wp/v2/posts?status=future&per_page=100")).await;
    let scheduled = total(&response).0;
    let now = Timestamp::now();
    let missed = future
        .as_array()
        .unwrap()
        .iter()
        .find(|p| gmt(&p["date_gmt"]) < now)
        .unwrap()
        .clone();
    let id = missed["id"].as_u64().unwrap();

    let before = Timestamp::now();
    let (_, updated) =
        ok_json(wp(&c, &sb, Method::POST, &format!("/wp/v2/posts/{id}")).json(&json!({ "status": "publish" }))).await;
    assert_eq!(updated["status"], "publish");
    assert_eq!(
        updated["date_gmt"], missed["date_gmt"],
        "publishing keeps the planned date"
    );
    assert!(gmt(&updated["modified_gmt"]) > gmt(&missed["modified_gmt"]));
    assert!(gmt(&updated["modified_gmt"]) >= Timestamp::from_second(before.as_second()).unwrap());
    assert_eq!(updated["title"]["raw"], WORDPRESS_MISSED_SCHEDULE_TITLE);

    let (response, future) = ok_json(wp(&c, &sb, Method::GET, "/wp/v2/posts?status=future&per_page=100")).await;
    assert_eq!(total(&response).0, scheduled - 1);
    assert!(!ids(&future).contains(&id));
    let (response, published) = ok_json(anon(&c, &sb, Method::GET, "/wp/v2/posts?per_page=100")).await;
    assert_eq!(total(&response).0, wordpress_planted().published_posts + 1);
    assert!(ids(&published).contains(&id));
    let (_, visible) = ok_json(anon(&c, &sb, Method::GET, &format!("/wp/v2/posts/{id}"))).await;
    assert_eq!(visible["status"], "publish");
    sb.shutdown().await;
}

#[tokio::test]
async fn rescheduling_follows_wordpress_date_rules() {
    let sb = start(60).await;
    let c = client();
    let now = Timestamp::now();
    let (_, future) = ok_json(wp(
        &c,
        &sb,
        Method::GET,
        "/wp/v2/posts?status=future&per_page=100&order=asc",
    ))
    .await;
    let upcoming: Vec<&Value> = future
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| gmt(&p["date_gmt"]) > now)
        .collect();
    let (soon, later) = (upcoming[0]["id"].clone(), upcoming[upcoming.len() - 1]["id"].clone());

    // "future" with a date in the past publishes, at that date.
    let yesterday = (now - days(1)).strftime("%Y-%m-%dT%H:%M:%S").to_string();
    let body = json!({ "status": "future", "date_gmt": yesterday });
    let (_, post) = ok_json(wp(&c, &sb, Method::POST, &format!("/wp/v2/posts/{soon}")).json(&body)).await;
    assert_eq!(post["status"], "publish");
    assert_eq!(post["date_gmt"], yesterday);

    // "publish" of a post dated in the future keeps it scheduled, as in WordPress.
    let (_, post) =
        ok_json(wp(&c, &sb, Method::PATCH, &format!("/wp/v2/posts/{later}")).json(&json!({ "status": "publish" })))
            .await;
    assert_eq!(post["status"], "future");

    // A draft moved to a time three days out is scheduled for it; PUT works too.
    let (_, drafts) = ok_json(wp(&c, &sb, Method::GET, "/wp/v2/posts?status=draft&per_page=1")).await;
    let draft = &drafts[0]["id"];
    let when = (now + days(3)).strftime("%Y-%m-%dT%H:%M:%S").to_string();
    let body = json!({ "status": "future", "date_gmt": when });
    let (_, post) = ok_json(wp(&c, &sb, Method::PUT, &format!("/wp/v2/posts/{draft}")).json(&body)).await;
    assert_eq!(
        (post["status"].as_str(), post["date_gmt"].as_str()),
        (Some("future"), Some(when.as_str()))
    );
    assert!(
        !post["slug"].as_str().unwrap().is_empty(),
        "scheduling gives a slug: {post}"
    );

    // ...and back to draft keeps that date.
    let (_, post) =
        ok_json(wp(&c, &sb, Method::POST, &format!("/wp/v2/posts/{draft}")).json(&json!({ "status": "draft" }))).await;
    assert_eq!(
        (post["status"].as_str(), post["date_gmt"].as_str()),
        (Some("draft"), Some(when.as_str()))
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn writes_without_the_password_or_with_bad_values_are_refused() {
    let sb = start(61).await;
    let c = client();
    let (_, future) = ok_json(wp(&c, &sb, Method::GET, "/wp/v2/posts?status=future&per_page=1")).await;
    let id = future[0]["id"].as_u64().unwrap();
    let path = format!("/wp/v2/posts/{id}");
    let publish = json!({ "status": "publish" });

    let body = error_json(
        anon(&c, &sb, Method::POST, &path).json(&publish),
        401,
        "rest_cannot_edit",
    )
    .await;
    assert_eq!(body["message"], "Sorry, you are not allowed to edit this post.");
    let wrong = c
        .post(url(&sb, &format!("/wordpress/wp-json{path}")))
        .basic_auth("ops-bot", Some("abcd EFGH ijkl MNOP qrst UVWX"))
        .json(&publish);
    error_json(wrong, 401, "incorrect_password").await;

    let body = error_json(
        wp(&c, &sb, Method::POST, &path).json(&json!({ "status": "live" })),
        400,
        "rest_invalid_param",
    )
    .await;
    assert_eq!(
        body["data"]["params"]["status"],
        "status is not one of publish, future, draft, pending, private."
    );
    let bad_date = json!({ "status": "future", "date_gmt": "next tuesday" });
    let body = error_json(
        wp(&c, &sb, Method::POST, &path).json(&bad_date),
        400,
        "rest_invalid_param",
    )
    .await;
    assert_eq!(body["data"]["params"]["date_gmt"], "Invalid date.");
    let garbage = wp(&c, &sb, Method::POST, &path)
        .header("content-type", "application/json")
        .body("{\"status\": ");
    error_json(garbage, 400, "rest_invalid_json").await;

    error_json(
        wp(&c, &sb, Method::POST, "/wp/v2/posts/999999").json(&publish),
        404,
        "rest_post_invalid_id",
    )
    .await;
    let (_, pages) = ok_json(anon(&c, &sb, Method::GET, "/wp/v2/pages?per_page=1")).await;
    let page_as_post = format!("/wp/v2/posts/{}", pages[0]["id"]);
    let body = error_json(wp(&c, &sb, Method::GET, &page_as_post), 404, "rest_post_invalid_id").await;
    assert_eq!(body["message"], "Invalid post ID.");

    // Nothing above changed the post.
    let (_, after) = ok_json(wp(&c, &sb, Method::GET, &path)).await;
    assert_eq!(after, future[0]);
    sb.shutdown().await;
}

#[tokio::test]
async fn pending_pages_can_be_published() {
    let sb = start(62).await;
    let c = client();
    let (_, pending) = ok_json(wp(&c, &sb, Method::GET, "/wp/v2/pages?status=pending")).await;
    assert_eq!(pending.as_array().unwrap().len(), wordpress_planted().pending_pages);
    let path = format!("/wp/v2/pages/{}", pending[0]["id"]);
    let (_, page) = ok_json(wp(&c, &sb, Method::POST, &path).json(&json!({ "status": "publish" }))).await;
    assert_eq!(page["status"], "publish");
    assert_eq!(page["type"], "page");
    let (response, _) = ok_json(anon(&c, &sb, Method::GET, "/wp/v2/pages")).await;
    assert_eq!(total(&response).0, wordpress_planted().published_pages + 1);
    sb.shutdown().await;
}

#[tokio::test]
async fn users_list_by_id_with_avatars_and_paging() {
    let sb = start(63).await;
    let c = client();
    let p = wordpress_planted();
    let (response, users) = ok_json(wp(&c, &sb, Method::GET, "/wp/v2/users?per_page=100")).await;
    assert_eq!(total(&response), (p.users, 1));
    for user in users.as_array().unwrap() {
        assert!(
            user["id"].is_u64() && user["name"].is_string() && user["slug"].is_string(),
            "{user}"
        );
        assert!(user["link"].as_str().unwrap().contains("/author/"), "{user}");
        assert!(
            user["avatar_urls"]["96"].as_str().unwrap().starts_with("https://"),
            "{user}"
        );
    }
    let (response, _) = ok_json(anon(&c, &sb, Method::GET, "/wp/v2/users?per_page=100")).await;
    assert_eq!(total(&response).0, p.authors_with_published_posts);
    let (response, page) = ok_json(wp(&c, &sb, Method::GET, "/wp/v2/users?per_page=2&page=2")).await;
    assert_eq!(total(&response), (p.users, p.users.div_ceil(2)));
    assert_eq!(page.as_array().unwrap().len(), 2);

    // Every post's author resolves through `include`.
    let posts = all_posts(&c, &sb, "posts").await;
    let mut authors: Vec<u64> = posts.iter().map(|x| x["author"].as_u64().unwrap()).collect();
    authors.sort_unstable();
    authors.dedup();
    let list = authors.iter().map(u64::to_string).collect::<Vec<_>>().join(",");
    let (_, found) = ok_json(wp(
        &c,
        &sb,
        Method::GET,
        &format!("/wp/v2/users?include={list}&per_page=100"),
    ))
    .await;
    let mut found = ids(&found);
    found.sort_unstable();
    assert_eq!(found, authors);

    let (_, me) = ok_json(wp(&c, &sb, Method::GET, "/wp/v2/users/me")).await;
    assert_eq!(me["slug"], "ops-bot");
    error_json(anon(&c, &sb, Method::GET, "/wp/v2/users/me"), 401, "rest_not_logged_in").await;
    error_json(
        wp(&c, &sb, Method::GET, "/wp/v2/users/424242"),
        404,
        "rest_user_invalid_id",
    )
    .await;
    sb.shutdown().await;
}

#[tokio::test]
async fn faults_apply_to_the_content_routes() {
    let sb = start(64).await;
    let c = client();
    set_fault(&c, &sb, "wordpress", "status:503").await;
    let response = wp(&c, &sb, Method::GET, "/wp/v2/posts").send().await.unwrap();
    assert_eq!(response.status(), 503);
    clear_fault(&c, &sb, "wordpress").await;
    ok_json(wp(&c, &sb, Method::GET, "/wp/v2/posts")).await;
    sb.shutdown().await;
}
