//! The blog's seeded content: about forty published posts, eight pages, and
//! editorial work in every state a content-ops engineer triages, planted in
//! known numbers ([`planted`]).
//!
//! Planted workflow items (all posts unless said otherwise):
//! - one missed schedule, [`MISSED_SCHEDULE_TITLE`]: status `future` with a
//!   date three hours before the anchor. The sandbox's WP-cron is "broken":
//!   nothing publishes scheduled posts on its own, so it stays missed (and
//!   any scheduled post whose time passes while the sandbox runs joins it);
//! - posts pending review, last edited 1 to 9 days before the anchor, and
//!   one page pending review (2 to 6 days);
//! - stale drafts, untouched 45 to 400 days; fresh drafts, edited within the
//!   last 7 days (one has no title);
//! - scheduled posts between 5 hours and 6.5 days after the anchor, and one
//!   12 to 20 days after it;
//! - a private post and two trashed posts (one trashed after publication).
//!
//! Drafts and posts pending review have floating dates (their `date` is
//! their last edit) and no slug, as in WordPress. Titles are stored raw and
//! texturized when rendered, so some come out with HTML entities
//! (`&#8211;`, `&amp;`, `&#038;`, `&#8217;`).
//!
//! Times are offsets from the anchor (the sandbox's start rounded down to
//! the hour); the seed decides titles, authors and exact times, never the
//! counts. Same seed and anchor, same content.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use super::store::{Kind, Status, User, WordpressData, WpPost};

const MINUTE: i64 = 60;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// The planted missed schedule's title.
pub const MISSED_SCHEDULE_TITLE: &str = "Black Friday Teaser: 40% Off Everything";

/// How many posts and pages the WordPress sandbox holds in each editorial
/// state (see the module documentation of `sandbox::wordpress::seed` for
/// their exact ages). Fixed: the seed decides which titles and times, never
/// how many.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Planted {
    /// Status `publish`, type post.
    pub published_posts: usize,
    /// Status `publish`, type page.
    pub published_pages: usize,
    /// Status `future` with `date_gmt` three hours before the start hour.
    pub missed_schedule: usize,
    /// Posts with status `pending`, last modified 1 to 9 days before the start.
    pub pending_review: usize,
    /// Pages with status `pending`.
    pub pending_pages: usize,
    /// Drafts last modified 45 to 400 days before the start.
    pub stale_drafts: usize,
    /// Drafts last modified within 7 days of the start.
    pub fresh_drafts: usize,
    /// Status `future`, due within 7 days after the start.
    pub scheduled_next_7_days: usize,
    /// Status `future`, due 12 to 20 days after the start.
    pub scheduled_later: usize,
    pub private_posts: usize,
    pub trashed_posts: usize,
    /// Every user (`GET /users` with the application password).
    pub users: usize,
    /// Users with a published post: what an anonymous `GET /users` lists.
    pub authors_with_published_posts: usize,
}

impl Planted {
    /// Every post (type post) in every status.
    pub const fn total_posts(&self) -> usize {
        self.published_posts
            + self.missed_schedule
            + self.pending_review
            + self.stale_drafts
            + self.fresh_drafts
            + self.scheduled_next_7_days
            + self.scheduled_later
            + self.private_posts
            + self.trashed_posts
    }

    /// Every page in every status.
    pub const fn total_pages(&self) -> usize {
        self.published_pages + self.pending_pages
    }
}

pub(crate) const fn planted() -> Planted {
    Planted {
        published_posts: 40,
        published_pages: PAGES.len(),
        missed_schedule: 1,
        pending_review: PENDING.len(),
        pending_pages: 1,
        stale_drafts: STALE_DRAFTS.len(),
        fresh_drafts: FRESH_DRAFTS.len(),
        scheduled_next_7_days: SCHEDULED.len(),
        scheduled_later: 1,
        private_posts: 1,
        trashed_posts: 2,
        users: USERS.len(),
        authors_with_published_posts: WRITERS.len(),
    }
}

/// `(id, name, slug, username, role)`. Only [`WRITERS`] publish; Elena
/// writes drafts and reviews; the bot owns the application password.
const USERS: [(u64, &str, &str, &str, &str); 6] = [
    (1, "Ops Bot", "ops-bot", "ops-bot", "administrator"),
    (2, "Maya Okafor", "maya-okafor", "maya", "editor"),
    (3, "Jonas Lindqvist", "jonas", "jonas.l", "author"),
    (5, "Priya Raman", "priya-raman", "priya", "author"),
    (8, "Samir Haddad", "samir", "samir.h", "author"),
    (11, "Elena Rossi", "elena-rossi", "elena", "contributor"),
];
const WRITERS: [u64; 4] = [2, 3, 5, 8];
const CONTRIBUTOR: u64 = 11;
const EDITOR: u64 = 2;

/// Always published: the titles that render with HTML entities.
const ENTITY_TITLES: [&str; 4] = [
    "Q4 Playbook - Part 2",
    "Ops &amp; Analytics: Building a Single Source of Truth",
    "Email Deliverability in 2026: DMARC, BIMI & Beyond",
    "The Marketer's Guide to Data Hygiene",
];

/// Published titles drawn by the seed to make up the rest.
const TITLES: [&str; 40] = [
    "Lead Scoring That Sales Actually Trusts",
    "The Marketing Ops Tech Stack Audit Checklist",
    "What We Learned Sending 2 Million Emails",
    "Attribution Models Explained - Without the Jargon",
    "How to Run a Webinar Program That Fills Pipeline",
    "UTM Governance: A Field Guide",
    "Why Your Lifecycle Stages Are Lying to You",
    "Customer Story: How Globex Cut Churn by 18%",
    "Product Update: Smarter Segments",
    "Content Calendar Template (Free Download)",
    "Building a Newsletter People Actually Read",
    "A/B Testing Subject Lines: What Moves the Needle",
    "From MQL to SQL - Fixing the Handoff",
    "Events Recap: MOps Summit Berlin",
    "How We Migrated 20,000 Contacts Without Losing One",
    "Landing Page Teardown: 7 Quick Wins",
    "Consent, GDPR &amp; Your CRM",
    "Partner Marketing on a Shoestring Budget",
    "Quarterly Business Review Deck for Marketing",
    "SEO for SaaS: Topic Clusters That Convert",
    "Announcing the Acme Integrations Marketplace",
    "Re-engagement Campaigns That Don't Annoy People",
    "Forms That Convert: Fewer Fields, Better Data",
    "Marketing Ops Salary Survey Results",
    "How to Write a Campaign Brief",
    "Sales &amp; Marketing Alignment Workshop Notes",
    "The Hidden Cost of Duplicate Contacts",
    "Dashboards Your CMO Will Actually Open",
    "Webinar Replay: Scaling Personalization",
    "Hiring Your First Marketing Ops Engineer",
    "Spring Product Launch Recap",
    "Account-Based Marketing: Starter Kit",
    "Privacy-First Analytics - Part 1",
    "Our 2026 State of Email Report",
    "Naming Conventions for Campaigns That Scale",
    "Customer Story: Initech's Content Engine",
    "Five Workflows Every HubSpot Admin Should Build",
    "Q4 Playbook - Part 1",
    "Holiday Send Calendar &amp; Blackout Dates",
    "Zero-Party Data: A Practical Intro",
];

/// `(title, slug)` of the published pages.
const PAGES: [(&str, &str); 8] = [
    ("About Us", "about"),
    ("Contact", "contact"),
    ("Pricing", "pricing"),
    ("Careers", "careers"),
    ("Privacy Policy", "privacy-policy"),
    ("Terms of Service", "terms"),
    ("Customers", "customers"),
    ("Partners &amp; Integrations", "partners"),
];
const PENDING_PAGE: &str = "Pricing - 2027 Refresh";

/// `(title, due after the anchor: from, to)`, all within the next 7 days.
const SCHEDULED: [(&str, i64, i64); 5] = [
    ("Cyber Monday Deals Are Live", 5 * HOUR, 20 * HOUR),
    ("Webinar: The Holiday Email Playbook", 26 * HOUR, 44 * HOUR),
    ("Product Update: Journeys Beta", 50 * HOUR, 70 * HOUR),
    ("Year-End Giving &amp; Community Report", 98 * HOUR, 118 * HOUR),
    ("Customer Story: Hooli's Lifecycle Revamp", 126 * HOUR, 156 * HOUR),
];
const SCHEDULED_LATER: (&str, i64, i64) = ("2027 Planning Guide - Part 1", 12 * DAY, 20 * DAY);

/// `(title, last edited before the anchor: from, to)`: 1 to 9 days.
const PENDING: [(&str, i64, i64); 3] = [
    ("Q1 Webinar Series Announcement", DAY, DAY + 12 * HOUR),
    ("Case Study: Vandelay's CRM Cleanup", 4 * DAY, 5 * DAY),
    ("Ops &amp; Analytics Roundup - November", 7 * DAY, 8 * DAY + 16 * HOUR),
];

/// `(title, untouched for: from, to)`: 45 to 400 days.
const STALE_DRAFTS: [(&str, i64, i64); 4] = [
    ("Ultimate Guide to Marketing Automation (WIP)", 46 * DAY, 70 * DAY),
    ("Rebrand Announcement - DO NOT PUBLISH", 95 * DAY, 150 * DAY),
    ("Podcast Launch Notes", 200 * DAY, 260 * DAY),
    ("Thought Leadership Series Idea", 330 * DAY, 398 * DAY),
];

/// Within the last 7 days; the untitled draft is what "Add New" leaves.
const FRESH_DRAFTS: [(&str, i64, i64); 2] = [("Spring Launch Teaser", 2 * HOUR, 20 * HOUR), ("", 2 * DAY, 6 * DAY)];

const PRIVATE_TITLE: &str = "Internal: Q3 Board Deck Notes";

const EXCERPTS: [&str; 6] = [
    "A practical walkthrough for marketing teams who want fewer surprises and cleaner data.",
    "What worked, what did not, and the checklist we use now.",
    "Numbers, lessons and the templates behind them.",
    "A field report from the marketing operations team at Acme.",
    "Everything you need to plan, launch and measure it without a data team.",
    "Short answers to the questions we hear most from customers.",
];

/// 2023-01-01T00:00:00Z: users registered at fixed offsets from it.
const EPOCH_SECONDS: i64 = 1_672_531_200;

/// One post before ids are assigned.
struct Draft {
    kind: Kind,
    status: Status,
    title: String,
    slug: String,
    author: u64,
    date: Option<Timestamp>,
    modified: Timestamp,
}

impl Draft {
    /// When it was first saved: ids grow in this order.
    fn created(&self) -> Timestamp {
        self.date.map_or(self.modified, |d| d.min(self.modified))
    }
}

pub(crate) fn generate(rng: &mut StdRng, anchor: Timestamp) -> WordpressData {
    let at = |offset: i64| anchor + SignedDuration::from_secs(offset);
    let mut drafts = Vec::new();

    let mut titles: Vec<&str> = TITLES.to_vec();
    titles.shuffle(rng);
    titles.truncate(planted().published_posts - ENTITY_TITLES.len());
    titles.extend(ENTITY_TITLES);
    titles.shuffle(rng);
    let mut writers = WRITERS.to_vec();
    writers.shuffle(rng);
    for (i, title) in titles.into_iter().enumerate() {
        let date = at(-rng.random_range(2 * DAY..730 * DAY));
        drafts.push(published(
            rng,
            Kind::Post,
            title,
            writers[i % writers.len()],
            date,
            anchor,
        ));
    }
    for (title, slug) in PAGES {
        let date = at(-rng.random_range(600 * DAY..900 * DAY));
        let mut page = published(rng, Kind::Page, title, EDITOR, date, anchor);
        page.slug = slug.to_owned();
        drafts.push(page);
    }

    let scheduled = |rng: &mut StdRng, title: &str, author: u64, (from, to): (i64, i64)| Draft {
        kind: Kind::Post,
        status: Status::Future,
        title: title.to_owned(),
        slug: super::store::slugify(title, 0),
        author,
        // Schedules are set on the quarter hour; the anchor is a whole hour.
        date: Some(at(rng.random_range(from..=to) / (15 * MINUTE) * (15 * MINUTE))),
        modified: at(-rng.random_range(HOUR..5 * DAY)),
    };
    let author = writer(rng);
    let mut missed = scheduled(rng, MISSED_SCHEDULE_TITLE, author, (0, 0));
    missed.date = Some(at(-3 * HOUR));
    missed.modified = at(-rng.random_range(2 * DAY..3 * DAY));
    drafts.push(missed);
    for (title, from, to) in SCHEDULED {
        let author = writer(rng);
        drafts.push(scheduled(rng, title, author, (from, to)));
    }
    let (title, from, to) = SCHEDULED_LATER;
    let author = writer(rng);
    drafts.push(scheduled(rng, title, author, (from, to)));

    let floating =
        |rng: &mut StdRng, kind: Kind, status: Status, title: &str, author: u64, (from, to): (i64, i64)| Draft {
            kind,
            status,
            title: title.to_owned(),
            slug: String::new(),
            author,
            date: None,
            modified: at(-rng.random_range(from..=to)),
        };
    for (i, (title, from, to)) in PENDING.into_iter().enumerate() {
        let author = if i == 0 { CONTRIBUTOR } else { writer(rng) };
        drafts.push(floating(rng, Kind::Post, Status::Pending, title, author, (from, to)));
    }
    drafts.push(floating(
        rng,
        Kind::Page,
        Status::Pending,
        PENDING_PAGE,
        EDITOR,
        (2 * DAY, 6 * DAY),
    ));
    for (i, (title, from, to)) in STALE_DRAFTS.into_iter().enumerate() {
        let author = if i % 2 == 0 { CONTRIBUTOR } else { writer(rng) };
        drafts.push(floating(rng, Kind::Post, Status::Draft, title, author, (from, to)));
    }
    for (title, from, to) in FRESH_DRAFTS {
        let author = writer(rng);
        drafts.push(floating(rng, Kind::Post, Status::Draft, title, author, (from, to)));
    }

    let private_date = at(-rng.random_range(30 * DAY..60 * DAY));
    let mut private = published(rng, Kind::Post, PRIVATE_TITLE, EDITOR, private_date, anchor);
    private.status = Status::Private;
    drafts.push(private);
    // Trashing is an edit: `modified` is when it went to the trash. A
    // published post's slug gets WordPress's `__trashed` suffix.
    let trashed_date = at(-rng.random_range(200 * DAY..300 * DAY));
    let author = writer(rng);
    let mut trashed = published(rng, Kind::Post, "Summer Sale Ends Soon", author, trashed_date, anchor);
    trashed.status = Status::Trash;
    trashed.slug.push_str("__trashed");
    trashed.modified = at(-rng.random_range(3 * DAY..20 * DAY));
    drafts.push(trashed);
    let author = writer(rng);
    let mut test_post = floating(
        rng,
        Kind::Post,
        Status::Trash,
        "Test post please ignore",
        author,
        (3 * DAY, 20 * DAY),
    );
    test_post.date = Some(test_post.modified);
    drafts.push(test_post);

    WordpressData {
        posts: assign_ids(rng, drafts),
        users: users(),
    }
}

fn writer(rng: &mut StdRng) -> u64 {
    WRITERS[rng.random_range(0..WRITERS.len())]
}

/// A published post or page, sometimes edited after publication.
fn published(rng: &mut StdRng, kind: Kind, title: &str, author: u64, date: Timestamp, anchor: Timestamp) -> Draft {
    let age = date.duration_until(anchor).as_secs();
    let modified = if rng.random_bool(0.4) {
        // Edited later (a typo fix, an updated screenshot), never after the anchor.
        date + SignedDuration::from_secs(rng.random_range(HOUR..age.max(HOUR + 1)).min(age))
    } else {
        date
    };
    Draft {
        kind,
        status: Status::Publish,
        title: title.to_owned(),
        slug: super::store::slugify(title, 0),
        author,
        date: Some(date),
        modified,
    }
}

/// Ids in creation order with gaps, as revisions and uploads share the
/// table; 1 to 3 are WordPress's deleted samples.
fn assign_ids(rng: &mut StdRng, mut drafts: Vec<Draft>) -> BTreeMap<u64, WpPost> {
    drafts.sort_by_key(Draft::created);
    let mut id = 3;
    drafts
        .into_iter()
        .map(|d| {
            id += rng.random_range(1..=6u64);
            let excerpt = EXCERPTS[rng.random_range(0..EXCERPTS.len())].to_owned();
            let content = format!("<p>{excerpt}</p>\n<p>Questions? Write to marketing-ops@acme.example.</p>\n");
            let post = WpPost {
                id,
                kind: d.kind,
                status: d.status,
                title: d.title,
                slug: d.slug,
                author: d.author,
                date: d.date,
                modified: d.modified,
                excerpt,
                content,
            };
            (id, post)
        })
        .collect()
}

fn users() -> Vec<User> {
    USERS
        .iter()
        .enumerate()
        .map(|(i, &(id, name, slug, username, role))| User {
            id,
            name: name.to_owned(),
            slug: slug.to_owned(),
            username: username.to_owned(),
            email: format!("{username}@acme.example"),
            description: String::new(),
            role,
            registered: Timestamp::from_second(EPOCH_SECONDS + i as i64 * 37 * DAY).unwrap_or(Timestamp::UNIX_EPOCH),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    fn data(seed: u64) -> (WordpressData, Timestamp) {
        let anchor: Timestamp = "2026-11-24T15:00:00Z".parse().unwrap();
        (generate(&mut StdRng::seed_from_u64(seed), anchor), anchor)
    }

    fn age_days(t: Timestamp, anchor: Timestamp) -> f64 {
        t.duration_until(anchor).as_secs_f64() / DAY as f64
    }

    #[test]
    fn counts_match_planted_for_every_seed() {
        let p = planted();
        for seed in 0..20 {
            let (d, anchor) = data(seed);
            let count = |kind: Kind, pred: &dyn Fn(&WpPost) -> bool| {
                d.posts.values().filter(|x| x.kind == kind && pred(x)).count()
            };
            let is = |s: Status| move |x: &WpPost| x.status == s;
            assert_eq!(count(Kind::Post, &is(Status::Publish)), p.published_posts);
            assert_eq!(count(Kind::Page, &is(Status::Publish)), p.published_pages);
            assert_eq!(count(Kind::Page, &is(Status::Pending)), p.pending_pages);
            let future = |x: &WpPost| x.status == Status::Future;
            let due_in = |x: &WpPost| x.date().as_second() - anchor.as_second();
            assert_eq!(count(Kind::Post, &|x| future(x) && due_in(x) < 0), p.missed_schedule);
            assert_eq!(
                count(Kind::Post, &|x| future(x)
                    && (4 * HOUR..7 * DAY - 12 * HOUR).contains(&due_in(x))),
                p.scheduled_next_7_days
            );
            assert_eq!(
                count(Kind::Post, &|x| future(x) && due_in(x) >= 12 * DAY),
                p.scheduled_later
            );
            let pending =
                |x: &WpPost| x.status == Status::Pending && (1.0..9.0).contains(&age_days(x.modified, anchor));
            assert_eq!(count(Kind::Post, &pending), p.pending_review);
            let draft_age = |x: &WpPost| (x.status == Status::Draft).then(|| age_days(x.modified, anchor));
            assert_eq!(
                count(Kind::Post, &|x| draft_age(x)
                    .is_some_and(|a| (45.0..400.0).contains(&a))),
                p.stale_drafts
            );
            assert_eq!(
                count(Kind::Post, &|x| draft_age(x).is_some_and(|a| (0.0..7.0).contains(&a))),
                p.fresh_drafts
            );
            assert_eq!(count(Kind::Post, &is(Status::Private)), p.private_posts);
            assert_eq!(count(Kind::Post, &is(Status::Trash)), p.trashed_posts);
            assert_eq!(count(Kind::Post, &|_| true), p.total_posts());
            assert_eq!(count(Kind::Page, &|_| true), p.total_pages());
            assert_eq!(d.users.len(), p.users);
            let authors = d.users.iter().filter(|u| d.has_published(u.id)).count();
            assert_eq!(authors, p.authors_with_published_posts);
            assert!(d.posts.values().all(|x| x.modified <= anchor), "seed {seed}");
            let published = d.posts.values().filter(|x| x.status == Status::Publish);
            assert!(published.clone().all(|x| x.modified >= x.date()), "seed {seed}");
            assert!(published.clone().all(|x| !x.slug.is_empty()), "seed {seed}");
        }
    }

    #[test]
    fn same_seed_same_content_other_seed_other_content() {
        assert_eq!(data(4).0, data(4).0);
        assert_ne!(data(4).0, data(5).0);
    }

    #[test]
    fn missed_schedule_is_three_hours_late() {
        let (d, anchor) = data(9);
        let missed: Vec<_> = d
            .posts
            .values()
            .filter(|p| p.status == Status::Future && p.date() < anchor)
            .collect();
        assert_eq!(missed.len(), 1);
        assert_eq!(missed[0].title, MISSED_SCHEDULE_TITLE);
        assert_eq!(missed[0].date().duration_until(anchor), SignedDuration::from_hours(3));
    }

    #[test]
    fn ids_grow_with_creation_and_leave_gaps() {
        let (d, _) = data(2);
        let ids: Vec<u64> = d.posts.keys().copied().collect();
        assert!(ids[0] > 3);
        assert!(ids.windows(2).any(|w| w[1] - w[0] > 1));
        assert!(d.posts.values().all(|p| d.user(p.author).is_some()));
    }
}
