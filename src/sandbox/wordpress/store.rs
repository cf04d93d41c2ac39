//! The site's posts, pages and users, and WordPress's rules for changing a
//! post's status and dates (`wp_insert_post`).
//!
//! Everything here is synchronous and clock-free: the time comes in as an
//! argument, so the rules are testable without a server.

use std::collections::BTreeMap;

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::{Offset, TimeZone};
use jiff::{SignedDuration, Timestamp};

/// The zone the sandbox's site is set to: not UTC, so `date` and `date_gmt`
/// differ and connectors that mix them up show it.
pub(crate) const TIMEZONE: &str = "America/New_York";
/// The same zone's current rules, for hosts without a time-zone database.
const TIMEZONE_POSIX: &str = "EST5EDT,M3.2.0,M11.1.0";

/// WordPress's date format in responses: no zone, seconds precision.
const WP_FORMAT: &str = "%Y-%m-%dT%H:%M:%S";

/// `wp_insert_post` treats a date less than a minute ahead as "now".
const FUTURE_MARGIN: SignedDuration = SignedDuration::from_secs(60);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Kind {
    Post,
    Page,
}

impl Kind {
    /// The `type` field.
    pub(crate) fn key(self) -> &'static str {
        match self {
            Kind::Post => "post",
            Kind::Page => "page",
        }
    }

    /// The REST collection under `/wp/v2`.
    pub(crate) fn collection(self) -> &'static str {
        match self {
            Kind::Post => "posts",
            Kind::Page => "pages",
        }
    }
}

/// The post statuses a post in the sandbox can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    Publish,
    Future,
    Draft,
    Pending,
    Private,
    Trash,
}

impl Status {
    pub(crate) const ALL: [Status; 6] = [
        Status::Publish,
        Status::Future,
        Status::Draft,
        Status::Pending,
        Status::Private,
        Status::Trash,
    ];

    pub(crate) fn key(self) -> &'static str {
        match self {
            Status::Publish => "publish",
            Status::Future => "future",
            Status::Draft => "draft",
            Status::Pending => "pending",
            Status::Private => "private",
            Status::Trash => "trash",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|status| status.key() == s)
    }

    /// Statuses whose posts keep no date of their own until one is set:
    /// WordPress re-dates them on every save ("floating" dates).
    fn floats(self) -> bool {
        matches!(self, Status::Draft | Status::Pending)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct WpPost {
    pub(crate) id: u64,
    pub(crate) kind: Kind,
    pub(crate) status: Status,
    /// As stored (`title.raw`); rendering texturizes it.
    pub(crate) title: String,
    /// Empty for drafts and posts pending review that were never published,
    /// as WordPress leaves `post_name` until publication.
    pub(crate) slug: String,
    pub(crate) author: u64,
    /// `None`: a floating draft date, which follows `modified`.
    pub(crate) date: Option<Timestamp>,
    pub(crate) modified: Timestamp,
    pub(crate) excerpt: String,
    pub(crate) content: String,
}

impl WpPost {
    /// The publication date WordPress reports (`post_date`): a floating
    /// date is the time of the last save.
    pub(crate) fn date(&self) -> Timestamp {
        self.date.unwrap_or(self.modified)
    }

    /// Visible to anonymous visitors: only published posts are.
    pub(crate) fn is_public(&self) -> bool {
        self.status == Status::Publish
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct User {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) slug: String,
    pub(crate) username: String,
    pub(crate) email: String,
    pub(crate) description: String,
    pub(crate) role: &'static str,
    pub(crate) registered: Timestamp,
}

/// Everything on the site that requests can read or change.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct WordpressData {
    pub(crate) posts: BTreeMap<u64, WpPost>,
    /// Ordered by id.
    pub(crate) users: Vec<User>,
}

/// A requested change of a post's date.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum DateChange {
    Set(Timestamp),
    /// `null`: back to the default (now, or floating for drafts).
    Reset,
}

/// The fields of `POST /wp/v2/posts/{id}` the sandbox understands.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Update {
    pub(crate) status: Option<Status>,
    pub(crate) date: Option<DateChange>,
}

impl WordpressData {
    /// Applies `update` as `wp_update_post` would at `now` and returns the
    /// changed post, or `None` when there is no such post.
    pub(crate) fn apply(&mut self, id: u64, update: Update, now: Timestamp) -> Option<&WpPost> {
        let now = whole_second(now);
        let post = self.posts.get_mut(&id)?;
        let status = update.status.unwrap_or(post.status);
        let date = match update.date {
            Some(DateChange::Set(t)) => Some(whole_second(t)),
            Some(DateChange::Reset) => None,
            None => post.date,
        };
        // A post leaving draft or review gets a real date: the one it has, else now.
        let date = match date {
            None if !status.floats() => Some(now),
            other => other,
        };
        let effective = date.unwrap_or(now);
        // WordPress's own rule: "publish" in the future schedules, "future"
        // in the past (or within the next minute) publishes.
        let status = match status {
            Status::Publish if now.duration_until(effective) >= FUTURE_MARGIN => Status::Future,
            Status::Future if now.duration_until(effective) < FUTURE_MARGIN => Status::Publish,
            other => other,
        };
        if post.slug.is_empty() && matches!(status, Status::Publish | Status::Future | Status::Private) {
            post.slug = slugify(&post.title, id);
        }
        post.status = status;
        post.date = date;
        post.modified = now;
        Some(post)
    }

    pub(crate) fn user(&self, id: u64) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }

    /// Whether `user` wrote a published post (anonymous visitors see only those users).
    pub(crate) fn has_published(&self, user: u64) -> bool {
        self.posts.values().any(|p| p.author == user && p.is_public())
    }
}

/// `sanitize_title`, roughly: lowercase words joined by hyphens; a title
/// with no letters or digits falls back to the id, as WordPress does.
pub(crate) fn slugify(title: &str, id: u64) -> String {
    let mut slug = String::new();
    for word in title
        .to_lowercase()
        .replace("&amp;", " ")
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(word);
    }
    if slug.is_empty() { id.to_string() } else { slug }
}

fn whole_second(t: Timestamp) -> Timestamp {
    Timestamp::from_second(t.as_second()).unwrap_or(t)
}

/// The site's clock: its zone and what it says at the sandbox's start.
#[derive(Debug, Clone)]
pub(crate) struct Site {
    pub(crate) zone: TimeZone,
    /// The zone's UTC offset in hours at the start (`gmt_offset`).
    pub(crate) gmt_offset: f64,
}

impl Site {
    pub(crate) fn at(start: Timestamp) -> Site {
        let zone = TimeZone::get(TIMEZONE).or_else(|error| {
            tracing::debug!(%error, "no time-zone database entry for {TIMEZONE}; using its POSIX rule");
            TimeZone::posix(TIMEZONE_POSIX)
        });
        // The POSIX rule is a constant that jiff parses: failing here is a
        // bug in the constant, caught by the tests; UTC keeps serving.
        let zone = zone.unwrap_or(TimeZone::UTC);
        let gmt_offset = f64::from(zone.to_offset(start).seconds()) / 3600.0;
        Site { zone, gmt_offset }
    }

    /// `date`/`modified`: the site's wall-clock time.
    pub(crate) fn local(&self, t: Timestamp) -> String {
        self.zone.to_datetime(t).strftime(WP_FORMAT).to_string()
    }

    /// A wall-clock time given without a zone, read in the site's zone.
    pub(crate) fn local_instant(&self, civil: DateTime) -> Option<Timestamp> {
        self.zone.to_ambiguous_timestamp(civil).compatible().ok()
    }

    /// A date-time parameter (`modified_after`, `date`): with a zone it is an
    /// instant, without one it is the site's wall clock.
    pub(crate) fn instant(&self, parsed: WpDate) -> Option<Timestamp> {
        match parsed.offset {
            Some(offset) => offset.to_timestamp(parsed.civil).ok(),
            None => self.local_instant(parsed.civil),
        }
    }
}

/// `date_gmt`/`modified_gmt`: UTC wall-clock time.
pub(crate) fn gmt(t: Timestamp) -> String {
    t.strftime(WP_FORMAT).to_string()
}

/// A time as `rest_parse_date` accepts it: `YYYY-MM-DD[T ]HH:MM:SS`, an
/// optional fraction, an optional `Z` or `±HH[:MM]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct WpDate {
    pub(crate) civil: DateTime,
    pub(crate) offset: Option<Offset>,
}

impl WpDate {
    pub(crate) fn parse(s: &str) -> Option<WpDate> {
        let b = s.as_bytes();
        if b.len() < 19 || !matches!(b[10], b'T' | b't' | b' ') {
            return None;
        }
        let num = |range: std::ops::Range<usize>| -> Option<i16> {
            let part = s.get(range)?;
            if part.bytes().all(|c| c.is_ascii_digit()) {
                part.parse().ok()
            } else {
                None
            }
        };
        if b[4] != b'-' || b[7] != b'-' || b[13] != b':' || b[16] != b':' {
            return None;
        }
        let date = Date::new(
            num(0..4)?,
            i8::try_from(num(5..7)?).ok()?,
            i8::try_from(num(8..10)?).ok()?,
        )
        .ok()?;
        let time = Time::new(
            i8::try_from(num(11..13)?).ok()?,
            i8::try_from(num(14..16)?).ok()?,
            i8::try_from(num(17..19)?).ok()?,
            0,
        )
        .ok()?;
        let mut rest = &s[19..];
        if let Some(fraction) = rest.strip_prefix('.') {
            let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return None;
            }
            rest = &fraction[digits..];
        }
        let offset = match rest {
            "" => None,
            "Z" | "z" => Some(Offset::UTC),
            zone => Some(parse_offset(zone)?),
        };
        Some(WpDate {
            civil: DateTime::from_parts(date, time),
            offset,
        })
    }
}

/// `+HH` or `+HH:MM` (or `-`).
fn parse_offset(zone: &str) -> Option<Offset> {
    let sign = match zone.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let body = &zone[1..];
    let (hours, minutes) = match body.len() {
        2 => (body, "00"),
        5 if body.as_bytes()[2] == b':' => (&body[..2], &body[3..]),
        _ => return None,
    };
    if !hours.bytes().chain(minutes.bytes()).all(|c| c.is_ascii_digit()) {
        return None;
    }
    let seconds = hours.parse::<i32>().ok()? * 3600 + minutes.parse::<i32>().ok()? * 60;
    Offset::from_seconds(sign * seconds).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn post(status: Status, date: Option<Timestamp>) -> WordpressData {
        let p = WpPost {
            id: 7,
            kind: Kind::Post,
            status,
            title: "Ops &amp; Analytics: a primer".into(),
            slug: String::new(),
            author: 2,
            date,
            modified: ts("2026-01-01T00:00:00Z"),
            excerpt: String::new(),
            content: String::new(),
        };
        WordpressData {
            posts: BTreeMap::from([(7, p)]),
            users: Vec::new(),
        }
    }

    #[test]
    fn publishing_a_missed_schedule_keeps_its_date() {
        let now = ts("2026-03-01T12:00:00Z");
        let due = ts("2026-03-01T09:00:00Z");
        let mut data = post(Status::Future, Some(due));
        let update = Update {
            status: Some(Status::Publish),
            ..Update::default()
        };
        let p = data.apply(7, update, now).unwrap();
        assert_eq!((p.status, p.date, p.modified), (Status::Publish, Some(due), now));
        assert_eq!(p.slug, "ops-analytics-a-primer");
    }

    #[test]
    fn future_in_the_past_publishes_and_publish_in_the_future_schedules() {
        let now = ts("2026-03-01T12:00:00Z");
        let mut data = post(Status::Draft, None);
        let past = Update {
            status: Some(Status::Future),
            date: Some(DateChange::Set(ts("2026-02-01T00:00:00Z"))),
        };
        assert_eq!(data.apply(7, past, now).unwrap().status, Status::Publish);
        let ahead = Update {
            status: Some(Status::Publish),
            date: Some(DateChange::Set(ts("2026-03-02T00:00:00Z"))),
        };
        assert_eq!(data.apply(7, ahead, now).unwrap().status, Status::Future);
        let within_a_minute = Update {
            status: Some(Status::Future),
            date: Some(DateChange::Set(ts("2026-03-01T12:00:30Z"))),
        };
        assert_eq!(data.apply(7, within_a_minute, now).unwrap().status, Status::Publish);
    }

    #[test]
    fn floating_drafts_get_dated_when_they_leave_draft() {
        let now = ts("2026-03-01T12:00:00.700Z");
        let mut data = post(Status::Pending, None);
        let to_draft = Update {
            status: Some(Status::Draft),
            ..Update::default()
        };
        let p = data.apply(7, to_draft, now).unwrap();
        assert_eq!((p.date, p.date()), (None, ts("2026-03-01T12:00:00Z")));
        let publish = Update {
            status: Some(Status::Publish),
            ..Update::default()
        };
        assert_eq!(
            data.apply(7, publish, now).unwrap().date,
            Some(ts("2026-03-01T12:00:00Z"))
        );
        assert!(data.apply(8, publish, now).is_none());
    }

    #[test]
    fn site_dates_are_new_york_wall_clock() {
        let site = Site::at(ts("2026-07-01T12:00:00Z"));
        assert_eq!(site.gmt_offset, -4.0);
        assert_eq!(Site::at(ts("2026-01-15T12:00:00Z")).gmt_offset, -5.0);
        assert_eq!(site.local(ts("2026-01-15T12:00:00Z")), "2026-01-15T07:00:00");
        assert_eq!(gmt(ts("2026-01-15T12:00:00Z")), "2026-01-15T12:00:00");
        let posix = TimeZone::posix(TIMEZONE_POSIX).unwrap();
        assert_eq!(posix.to_offset(ts("2026-07-01T12:00:00Z")).seconds(), -4 * 3600);
    }

    #[test]
    fn dates_parse_as_rest_parse_date_does() {
        let site = Site::at(ts("2026-01-15T12:00:00Z"));
        let instant = |s: &str| WpDate::parse(s).and_then(|d| site.instant(d));
        assert_eq!(instant("2026-01-15T07:00:00"), Some(ts("2026-01-15T12:00:00Z")));
        assert_eq!(instant("2026-01-15 12:00:00Z"), Some(ts("2026-01-15T12:00:00Z")));
        assert_eq!(
            instant("2026-01-15T12:00:00.123+02:00"),
            Some(ts("2026-01-15T10:00:00Z"))
        );
        assert_eq!(instant("2026-01-15T12:00:00-05"), Some(ts("2026-01-15T17:00:00Z")));
        for bad in [
            "yesterday",
            "2026-01-15",
            "2026-13-01T00:00:00",
            "2026-01-15T12:00:00+2",
            "2026-01-15T12:00:00.Z",
            "2026-01-15X12:00:00",
        ] {
            assert_eq!(WpDate::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn slugs_follow_titles() {
        assert_eq!(slugify("Q4 Playbook - Part 2", 3), "q4-playbook-part-2");
        assert_eq!(slugify("!!!", 3), "3");
    }
}
