//! Posts and pages between polls, for incremental sync: the working set
//! (scheduled, draft, pending, private) read whole first (and every
//! [`FULL_RESYNC`], which drops deleted posts), then only what changed since
//! the newest change seen. Authors resolved once are kept too.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};

use crate::model::{Author, ContentData, Post, PostStatus, PostType};

/// `modified_after` reaches back this far before the newest change seen, so
/// a change stamped just before the previous sync finished is not missed.
pub(super) const OVERLAP: SignedDuration = SignedDuration::from_mins(5);
/// Incremental reads never see a post deleted for good; a full read this
/// often drops them.
pub(super) const FULL_RESYNC: Duration = Duration::from_secs(6 * 60 * 60);

/// The statuses the cockpit keeps: everything that still needs a person.
pub(super) fn in_working_set(status: &PostStatus) -> bool {
    matches!(
        status,
        PostStatus::Future | PostStatus::Draft | PostStatus::Pending | PostStatus::Private
    )
}

#[derive(Debug, Default)]
pub(super) struct PostCache {
    posts: BTreeMap<u64, Post>,
    newest: Option<Timestamp>,
    full_at: Option<Instant>,
    authors: BTreeMap<u64, Author>,
    /// Authors asked for that WordPress did not show (deleted, or hidden
    /// from this user): not asked again until the next full resync.
    unresolved: BTreeSet<u64>,
}

impl PostCache {
    /// Where the next incremental read starts; `None` means read the whole
    /// working set (never read, nothing dated, or a full resync is due).
    pub fn since(&self, now: Instant) -> Option<Timestamp> {
        let full_at = self.full_at?;
        if now.saturating_duration_since(full_at) >= FULL_RESYNC {
            return None;
        }
        let newest = self.newest?;
        Some(newest.checked_sub(OVERLAP).unwrap_or(newest))
    }

    /// A full read replaces every post, and authors get another chance.
    pub fn replace(&mut self, posts: Vec<Post>, at: Instant) {
        self.posts.clear();
        self.newest = None;
        self.full_at = Some(at);
        self.unresolved.clear();
        self.update(posts);
    }

    /// Changed posts: those still in the working set are stored (the later
    /// read winning), the rest (published, trashed) leave it.
    pub fn update(&mut self, posts: Vec<Post>) {
        for p in posts {
            self.newest = self.newest.max(p.modified);
            self.put(p);
        }
    }

    /// One post as an action's answer shows it. Its modification time does
    /// not move the watermark: the next poll should still see what others
    /// changed meanwhile.
    pub fn put(&mut self, post: Post) {
        if in_working_set(&post.status) {
            self.posts.insert(post.id, post);
        } else {
            self.posts.remove(&post.id);
        }
    }

    /// Scheduled posts whose time has passed, by kind: WP-cron publishes them
    /// without touching `modified_gmt`, so only asking for them by id tells
    /// whether they are still stuck.
    pub fn overdue(&self, now: Timestamp) -> Vec<(PostType, u64)> {
        self.posts
            .values()
            .filter(|p| p.missed_schedule(now).is_some())
            .map(|p| (p.kind, p.id))
            .collect()
    }

    /// The answer to a read by id: what came back is updated; an id that did
    /// not come back in any status no longer exists.
    pub fn reread(&mut self, asked: &[u64], found: Vec<Post>) {
        let seen: BTreeSet<u64> = found.iter().map(|p| p.id).collect();
        for id in asked.iter().filter(|id| !seen.contains(id)) {
            self.posts.remove(id);
        }
        self.update(found);
    }

    /// Authors of cached posts not yet known (nor known to be hidden).
    pub fn unknown_authors(&self) -> Vec<u64> {
        let ids: BTreeSet<u64> = self.posts.values().filter_map(|p| p.author_id).collect();
        ids.into_iter()
            .filter(|id| !self.authors.contains_key(id) && !self.unresolved.contains(id))
            .collect()
    }

    /// The users WordPress returned for `asked`; the others stay unresolved.
    pub fn add_authors(&mut self, asked: &[u64], found: Vec<Author>) {
        for a in found {
            self.authors.insert(a.id, a);
        }
        self.unresolved
            .extend(asked.iter().filter(|id| !self.authors.contains_key(id)).copied());
    }

    /// The model's view: the posts, and the authors they name.
    pub fn snapshot(&self, site_name: Option<String>, site_url: Option<String>) -> ContentData {
        let authors = self
            .posts
            .values()
            .filter_map(|p| p.author_id)
            .filter_map(|id| self.authors.get(&id).map(|a| (id, a.clone())))
            .collect();
        ContentData {
            posts: self.posts.clone(),
            authors,
            site_name,
            site_url,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().expect("timestamp")
    }

    fn p(id: u64, status: PostStatus, date: &str, modified: &str) -> Post {
        Post {
            id,
            kind: PostType::Post,
            title: format!("Post {id}"),
            status,
            date: Some(ts(date)),
            modified: Some(ts(modified)),
            slug: String::new(),
            link: None,
            author_id: Some(id * 10),
        }
    }

    #[test]
    fn full_first_then_incremental_from_newest_minus_overlap() {
        let mut cache = PostCache::default();
        let t0 = Instant::now();
        assert_eq!(cache.since(t0), None);
        cache.replace(
            vec![
                p(1, PostStatus::Draft, "2026-11-20T08:00:00Z", "2026-11-20T08:00:00Z"),
                p(2, PostStatus::Pending, "2026-11-20T08:00:00Z", "2026-11-21T08:00:00Z"),
            ],
            t0,
        );
        assert_eq!(cache.since(t0), Some(ts("2026-11-21T07:55:00Z")));
        assert_eq!(cache.since(t0 + FULL_RESYNC), None);
    }

    #[test]
    fn published_and_trashed_posts_leave_the_working_set() {
        let mut cache = PostCache::default();
        cache.replace(
            vec![
                p(1, PostStatus::Draft, "2026-11-20T08:00:00Z", "2026-11-20T08:00:00Z"),
                p(2, PostStatus::Pending, "2026-11-20T08:00:00Z", "2026-11-20T08:00:00Z"),
            ],
            Instant::now(),
        );
        cache.update(vec![
            p(1, PostStatus::Trash, "2026-11-20T08:00:00Z", "2026-11-22T08:00:00Z"),
            p(2, PostStatus::Publish, "2026-11-20T08:00:00Z", "2026-11-22T09:00:00Z"),
            p(3, PostStatus::Future, "2026-11-25T08:00:00Z", "2026-11-22T07:00:00Z"),
        ]);
        let snap = cache.snapshot(None, None);
        assert_eq!(snap.posts.keys().collect::<Vec<_>>(), [&3]);
        // The published post's edit still moves the watermark.
        assert_eq!(cache.since(Instant::now()), Some(ts("2026-11-22T08:55:00Z")));
    }

    #[test]
    fn overdue_schedules_are_reread_and_vanished_ids_dropped() {
        let mut cache = PostCache::default();
        cache.replace(
            vec![
                p(1, PostStatus::Future, "2026-11-20T08:00:00Z", "2026-11-19T08:00:00Z"),
                p(2, PostStatus::Future, "2026-11-20T08:00:00Z", "2026-11-19T08:00:00Z"),
                p(3, PostStatus::Future, "2026-11-30T08:00:00Z", "2026-11-19T08:00:00Z"),
            ],
            Instant::now(),
        );
        let now = ts("2026-11-22T08:00:00Z");
        assert_eq!(cache.overdue(now), [(PostType::Post, 1), (PostType::Post, 2)]);
        cache.reread(
            &[1, 2],
            vec![p(
                1,
                PostStatus::Publish,
                "2026-11-20T08:00:00Z",
                "2026-11-19T08:00:00Z",
            )],
        );
        assert_eq!(cache.snapshot(None, None).posts.keys().collect::<Vec<_>>(), [&3]);
    }

    #[test]
    fn authors_are_asked_once_until_a_full_resync() {
        let mut cache = PostCache::default();
        cache.replace(
            vec![
                p(1, PostStatus::Draft, "2026-11-20T08:00:00Z", "2026-11-20T08:00:00Z"),
                p(2, PostStatus::Draft, "2026-11-20T08:00:00Z", "2026-11-20T08:00:00Z"),
            ],
            Instant::now(),
        );
        assert_eq!(cache.unknown_authors(), [10, 20]);
        let ann = Author {
            id: 10,
            name: "Ann".into(),
            slug: "ann".into(),
        };
        cache.add_authors(&[10, 20], vec![ann.clone()]);
        assert!(cache.unknown_authors().is_empty());
        let snap = cache.snapshot(Some("Blog".into()), None);
        assert_eq!(snap.authors.values().collect::<Vec<_>>(), [&ann]);
        assert_eq!(snap.author_name(&snap.posts[&2]), "user 20");
        cache.replace(
            vec![p(2, PostStatus::Draft, "2026-11-20T08:00:00Z", "2026-11-20T08:00:00Z")],
            Instant::now(),
        );
        assert_eq!(cache.unknown_authors(), [20]);
    }
}
