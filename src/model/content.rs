//! The CMS's data: posts and pages in every status, with their authors.
//! Field names follow the WordPress REST API (see API-FACTS.md), typed.
//! The queue predicates here are pure so the pane, the checks and the
//! tests agree on what "missed", "pending" and "stale" mean.

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::Timestamp;
use serde::Serialize;

/// A post or a page: WordPress keeps both in one table, so ids never clash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PostType {
    Post,
    Page,
}

impl PostType {
    /// The REST collection: `posts` or `pages`.
    pub fn collection(self) -> &'static str {
        match self {
            PostType::Post => "posts",
            PostType::Page => "pages",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PostType::Post => "post",
            PostType::Page => "page",
        }
    }
}

/// WordPress's post `status`. Plugins add their own; those are kept by name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PostStatus {
    Publish,
    /// Scheduled: publishes at `date_gmt` when WP-cron fires.
    Future,
    Draft,
    /// Submitted for review.
    Pending,
    Private,
    Trash,
    Other(String),
}

impl PostStatus {
    pub fn parse(s: &str) -> PostStatus {
        match s {
            "publish" => PostStatus::Publish,
            "future" => PostStatus::Future,
            "draft" => PostStatus::Draft,
            "pending" => PostStatus::Pending,
            "private" => PostStatus::Private,
            "trash" => PostStatus::Trash,
            other => PostStatus::Other(other.to_owned()),
        }
    }

    /// The vendor's spelling.
    pub fn key(&self) -> &str {
        match self {
            PostStatus::Publish => "publish",
            PostStatus::Future => "future",
            PostStatus::Draft => "draft",
            PostStatus::Pending => "pending",
            PostStatus::Private => "private",
            PostStatus::Trash => "trash",
            PostStatus::Other(s) => s,
        }
    }

    /// As a person says it.
    pub fn label(&self) -> &str {
        match self {
            PostStatus::Publish => "published",
            PostStatus::Future => "scheduled",
            PostStatus::Draft => "draft",
            PostStatus::Pending => "pending review",
            PostStatus::Private => "private",
            PostStatus::Trash => "trash",
            PostStatus::Other(s) => s,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Post {
    pub id: u64,
    pub kind: PostType,
    /// `title.rendered` with HTML entities and tags removed; may be empty.
    pub title: String,
    pub status: PostStatus,
    /// When it publishes (or published), in UTC: `date_gmt`, else `date`
    /// read in the site's zone. `None` for a draft that never had a date
    /// (WordPress sends `date_gmt: null` for those).
    pub date: Option<Timestamp>,
    /// Last edit, in UTC (`modified_gmt`).
    pub modified: Option<Timestamp>,
    pub slug: String,
    /// The public (or preview) URL WordPress gives.
    pub link: Option<String>,
    pub author_id: Option<u64>,
}

impl Post {
    /// The title, else "(no title)" as WordPress's admin shows it.
    pub fn display_title(&self) -> &str {
        if self.title.trim().is_empty() {
            "(no title)"
        } else {
            self.title.trim()
        }
    }

    /// A scheduled post whose time has passed: WP-cron did not fire. The
    /// lateness is how long ago it should have gone out.
    pub fn missed_schedule(&self, now: Timestamp) -> Option<Duration> {
        match (&self.status, self.date) {
            (PostStatus::Future, Some(due)) if due < now => Some(since(due, now)),
            _ => None,
        }
    }

    /// A post waiting for review, and for how long: WordPress keeps no
    /// status history, so the time since its last edit (submitting for
    /// review is an edit) is the best measure the API gives.
    pub fn pending_for(&self, now: Timestamp) -> Option<Duration> {
        match self.status {
            PostStatus::Pending => Some(self.modified.map_or(Duration::ZERO, |m| since(m, now))),
            _ => None,
        }
    }

    /// A draft nobody has touched for longer than `stale_after`, and how
    /// long it has been untouched.
    pub fn stale_draft(&self, now: Timestamp, stale_after: Duration) -> Option<Duration> {
        match (&self.status, self.modified) {
            (PostStatus::Draft, Some(m)) => Some(since(m, now)).filter(|age| *age > stale_after),
            _ => None,
        }
    }

    /// A scheduled post due within `within` from now (not yet missed), and
    /// how long until it publishes.
    pub fn scheduled_within(&self, now: Timestamp, within: Duration) -> Option<Duration> {
        match (&self.status, self.date) {
            (PostStatus::Future, Some(due)) if due >= now => Some(since(now, due)).filter(|left| *left <= within),
            _ => None,
        }
    }
}

/// `to - from`, zero when `to` is earlier.
fn since(from: Timestamp, to: Timestamp) -> Duration {
    Duration::try_from(to.duration_since(from)).unwrap_or(Duration::ZERO)
}

/// A WordPress user, as far as a post's byline needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Author {
    pub id: u64,
    pub name: String,
    pub slug: String,
}

/// Everything the CMS's poll brings back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct ContentData {
    /// Posts and pages in every status but trash, by id.
    pub posts: BTreeMap<u64, Post>,
    /// Authors of those posts, by user id; an author WordPress would not
    /// show is missing, and the post shows the bare id.
    pub authors: BTreeMap<u64, Author>,
    /// The site's name from the REST index.
    pub site_name: Option<String>,
    /// The site's home URL (for links into wp-admin: `{url}/wp-admin/post.php?post={id}&action=edit`).
    pub site_url: Option<String>,
}

impl ContentData {
    /// The post's author's name, else "user N", else "".
    pub fn author_name(&self, post: &Post) -> String {
        match post.author_id {
            Some(id) => self
                .authors
                .get(&id)
                .map_or_else(|| format!("user {id}"), |a| a.name.clone()),
            None => String::new(),
        }
    }

    /// Where a person edits the post in wp-admin, when the site URL is known
    /// and is a plain http(s) URL (it comes from the site, and ends up in a
    /// terminal hyperlink).
    pub fn edit_url(&self, post: &Post) -> Option<String> {
        let site = url::Url::parse(self.site_url.as_deref()?).ok()?;
        if !matches!(site.scheme(), "http" | "https") || site.cannot_be_a_base() {
            return None;
        }
        let mut url = site;
        url.set_query(None);
        url.set_fragment(None);
        url.path_segments_mut()
            .ok()?
            .pop_if_empty()
            .extend(["wp-admin", "post.php"]);
        url.query_pairs_mut()
            .append_pair("post", &post.id.to_string())
            .append_pair("action", "edit");
        Some(url.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn post(status: PostStatus, date: Option<&str>, modified: Option<&str>) -> Post {
        Post {
            id: 1,
            kind: PostType::Post,
            title: "Hello".into(),
            status,
            date: date.map(ts),
            modified: modified.map(ts),
            slug: "hello".into(),
            link: None,
            author_id: Some(2),
        }
    }

    const DAY: Duration = Duration::from_secs(86_400);

    #[test]
    fn a_future_post_past_its_time_is_a_missed_schedule() {
        let now = ts("2026-11-22T12:00:00Z");
        let late = post(PostStatus::Future, Some("2026-11-22T09:00:00Z"), None);
        assert_eq!(late.missed_schedule(now), Some(Duration::from_secs(3 * 3600)));
        assert_eq!(late.scheduled_within(now, 7 * DAY), None);
        let ahead = post(PostStatus::Future, Some("2026-11-23T09:00:00Z"), None);
        assert_eq!(ahead.missed_schedule(now), None);
        assert_eq!(
            ahead.scheduled_within(now, 7 * DAY),
            Some(Duration::from_secs(21 * 3600))
        );
        assert_eq!(ahead.scheduled_within(now, Duration::from_secs(3600)), None);
        let published = post(PostStatus::Publish, Some("2026-11-22T09:00:00Z"), None);
        assert_eq!(published.missed_schedule(now), None);
    }

    #[test]
    fn pending_age_runs_from_the_last_edit_and_stale_drafts_need_their_age() {
        let now = ts("2026-11-22T12:00:00Z");
        let pending = post(PostStatus::Pending, None, Some("2026-11-19T12:00:00Z"));
        assert_eq!(pending.pending_for(now), Some(3 * DAY));
        let draft = post(PostStatus::Draft, None, Some("2026-09-01T12:00:00Z"));
        assert!(draft.stale_draft(now, 30 * DAY).is_some());
        assert_eq!(draft.stale_draft(now, 120 * DAY), None);
        assert_eq!(draft.pending_for(now), None);
    }

    #[test]
    fn authors_and_edit_links() {
        let mut data = ContentData::default();
        let p = post(PostStatus::Draft, None, None);
        assert_eq!(data.author_name(&p), "user 2");
        data.authors.insert(
            2,
            Author {
                id: 2,
                name: "Ann Lee".into(),
                slug: "ann".into(),
            },
        );
        assert_eq!(data.author_name(&p), "Ann Lee");
        assert_eq!(data.edit_url(&p), None);
        data.site_url = Some("https://blog.example.com/".into());
        assert_eq!(
            data.edit_url(&p).as_deref(),
            Some("https://blog.example.com/wp-admin/post.php?post=1&action=edit")
        );
        data.site_url = Some("https://example.com/blog".into());
        assert_eq!(
            data.edit_url(&p).as_deref(),
            Some("https://example.com/blog/wp-admin/post.php?post=1&action=edit")
        );
        // A site URL that is no web address, or smuggles a terminal escape, gives no link.
        for bad in [
            "javascript:alert(1)",
            "not a url",
            "https://x.example/\u{1b}]8;;evil\u{7}",
        ] {
            data.site_url = Some(bad.into());
            assert!(
                data.edit_url(&p)
                    .is_none_or(|u| !u.contains('\u{1b}') && !u.contains('\u{7}')),
                "{bad}"
            );
        }
    }
}
