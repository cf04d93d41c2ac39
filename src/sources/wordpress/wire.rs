//! WordPress's JSON as it arrives, read leniently (every field optional,
//! numbers-as-strings accepted), and its mapping onto the model. A record
//! that lacks what the model cannot do without becomes `None`, never a panic.

use jiff::tz::{Offset, TimeZone};
use jiff::{Timestamp, civil};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::model::{Author, Post, PostStatus, PostType};

/// `_fields` for the post and page lists: only what [`Post`] needs (bodies
/// carry the whole content otherwise).
pub(super) const POST_FIELDS: &str = "id,date,date_gmt,modified,modified_gmt,slug,status,link,title,author";
/// `_fields` for the user list.
pub(super) const USER_FIELDS: &str = "id,name,slug";

/// The site index (`GET {base}/`): `name` is required, as the probe has always
/// demanded; the rest only refines links and times.
#[derive(Debug, Deserialize)]
pub(super) struct SiteIndex {
    pub name: String,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub home: Option<String>,
    #[serde(default, deserialize_with = "lenient_f64")]
    pub gmt_offset: Option<f64>,
    #[serde(default)]
    pub timezone_string: Option<String>,
}

/// What the index says about the site, kept for reading local times.
#[derive(Debug, Clone, PartialEq)]
pub(in crate::sources) struct Site {
    pub name: Option<String>,
    pub url: Option<String>,
    pub zone: TimeZone,
}

impl Default for Site {
    fn default() -> Self {
        Site {
            name: None,
            url: None,
            zone: TimeZone::UTC,
        }
    }
}

impl SiteIndex {
    pub fn site(self) -> Site {
        let zone = site_zone(self.timezone_string.as_deref(), self.gmt_offset);
        Site {
            name: Some(self.name.trim().to_owned()).filter(|n| !n.is_empty()),
            url: non_empty(self.home).or_else(|| non_empty(self.url)),
            zone,
        }
    }
}

/// The site's zone: `timezone_string` when it names an IANA zone this machine
/// knows, else the fixed `gmt_offset` in hours (India's 5.5 included), else UTC.
pub(super) fn site_zone(timezone_string: Option<&str>, gmt_offset: Option<f64>) -> TimeZone {
    if let Some(name) = timezone_string.map(str::trim).filter(|s| !s.is_empty())
        && let Ok(tz) = TimeZone::get(name)
    {
        return tz;
    }
    gmt_offset
        .filter(|h| h.is_finite() && h.abs() <= 26.0)
        .and_then(|h| Offset::from_seconds((h * 3600.0).round() as i32).ok())
        .map_or(TimeZone::UTC, TimeZone::fixed)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(in crate::sources) struct WirePost {
    #[serde(deserialize_with = "lenient_u64")]
    id: Option<u64>,
    date: Option<String>,
    date_gmt: Option<String>,
    modified: Option<String>,
    modified_gmt: Option<String>,
    slug: Option<String>,
    status: Option<String>,
    link: Option<String>,
    title: Option<Value>,
    #[serde(deserialize_with = "lenient_u64")]
    author: Option<u64>,
}

/// A post or page, or `None` without an id or a status. Times without a zone
/// suffix are WordPress's norm: `*_gmt` are UTC, the others site-local.
pub(in crate::sources) fn post(w: WirePost, kind: PostType, zone: &TimeZone) -> Option<Post> {
    let id = w.id.filter(|id| *id > 0)?;
    let status = PostStatus::parse(non_empty(w.status)?.trim());
    // Every read asks for core statuses only, so another one in the answer
    // is a format change, not a plugin's status: the record is unreadable
    // (and a page of them keeps the last good data).
    if matches!(status, PostStatus::Other(_)) {
        return None;
    }
    let date = gmt(w.date_gmt.as_deref()).or_else(|| local(w.date.as_deref(), zone));
    let modified = gmt(w.modified_gmt.as_deref()).or_else(|| local(w.modified.as_deref(), zone));
    Some(Post {
        id,
        kind,
        title: w.title.as_ref().map(title_text).unwrap_or_default(),
        status,
        date,
        modified,
        slug: w.slug.unwrap_or_default(),
        link: non_empty(w.link),
        author_id: w.author.filter(|a| *a > 0),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(in crate::sources) struct WireUser {
    #[serde(deserialize_with = "lenient_u64")]
    id: Option<u64>,
    name: Option<String>,
    slug: Option<String>,
}

/// A user, or `None` without an id; the name falls back to the slug.
pub(in crate::sources) fn author(w: WireUser) -> Option<Author> {
    let id = w.id.filter(|id| *id > 0)?;
    let slug = w.slug.unwrap_or_default();
    let name = non_empty(w.name.map(|n| plain_text(&n))).unwrap_or_else(|| slug.clone());
    Some(Author { id, name, slug })
}

/// `title.rendered` (or `title` itself when a plugin flattens it) as text.
fn title_text(v: &Value) -> String {
    match v {
        Value::String(s) => plain_text(s),
        Value::Object(o) => match o.get("rendered").or_else(|| o.get("raw")) {
            Some(Value::String(s)) => plain_text(s),
            _ => String::new(),
        },
        _ => String::new(),
    }
}

/// Rendered HTML as one line of plain text: tags dropped, entities decoded
/// (after the tags, so an escaped `&lt;b&gt;` stays visible text), whitespace
/// and non-breaking spaces collapsed to single spaces. Tags vanish without a
/// space: titles hold inline markup (`<em>`), not blocks.
pub(super) fn plain_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match (in_tag, c) {
            (false, '<') => in_tag = true,
            (true, '>') => in_tag = false,
            (false, c) => text.push(c),
            (true, _) => {}
        }
    }
    let decoded = html_escape::decode_html_entities(&text);
    decoded
        .split(|c: char| c.is_whitespace() || c == '\u{a0}')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A `*_gmt` time: UTC, usually without a suffix; WordPress's zero date and
/// null mean "none".
pub(super) fn gmt(s: Option<&str>) -> Option<Timestamp> {
    let s = wp_time(s)?;
    if let Ok(t) = s.parse::<Timestamp>() {
        return Some(t);
    }
    s.parse::<civil::DateTime>()
        .ok()?
        .to_zoned(TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp())
}

/// A site-local time (`date`, `modified`) read in the site's zone.
pub(super) fn local(s: Option<&str>, zone: &TimeZone) -> Option<Timestamp> {
    let s = wp_time(s)?;
    if let Ok(t) = s.parse::<Timestamp>() {
        return Some(t);
    }
    s.parse::<civil::DateTime>()
        .ok()?
        .to_zoned(zone.clone())
        .ok()
        .map(|z| z.timestamp())
}

fn wp_time(s: Option<&str>) -> Option<&str> {
    s.map(str::trim)
        .filter(|s| !s.is_empty() && !s.starts_with("0000-00-00"))
}

/// The time format WordPress writes itself: UTC without a suffix.
pub(super) fn wp_gmt(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S").to_string()
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// An id as a number or a numeric string; anything else is no id.
fn lenient_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    })
}

/// `gmt_offset` arrives as a number or a numeric string ("5.5").
fn lenient_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().expect("timestamp")
    }

    fn read(v: Value, zone: &TimeZone) -> Option<Post> {
        post(serde_json::from_value(v).expect("lenient"), PostType::Post, zone)
    }

    #[test]
    fn titles_lose_tags_and_entities() {
        assert_eq!(
            plain_text("Tom &amp; Jerry&#8217;s &#8220;<em>big</em>&#8221;&nbsp;day &hellip;"),
            "Tom & Jerry\u{2019}s \u{201c}big\u{201d} day \u{2026}"
        );
        assert_eq!(plain_text("&lt;b&gt; is a tag"), "<b> is a tag");
        assert_eq!(plain_text("  "), "");
    }

    #[test]
    fn gmt_times_have_no_suffix_and_zero_dates_are_none() {
        assert_eq!(gmt(Some("2026-11-20T09:00:00")), Some(ts("2026-11-20T09:00:00Z")));
        assert_eq!(gmt(Some("2026-11-20T09:00:00+01:00")), Some(ts("2026-11-20T08:00:00Z")));
        assert_eq!(gmt(Some("0000-00-00T00:00:00")), None);
        assert_eq!(gmt(None), None);
        assert_eq!(wp_gmt(ts("2026-11-23T09:00:00Z")), "2026-11-23T09:00:00");
    }

    #[test]
    fn zones_from_the_index() {
        let india = site_zone(Some(""), Some(5.5));
        let t = local(Some("2026-11-20T14:30:00"), &india);
        assert_eq!(t, Some(ts("2026-11-20T09:00:00Z")));
        assert_eq!(site_zone(Some("Not/AZone"), None), TimeZone::UTC);
        let idx: SiteIndex =
            serde_json::from_value(json!({"name": "B", "gmt_offset": "-4", "url": "https://u"})).expect("index");
        let site = idx.site();
        assert_eq!(
            local(Some("2026-11-20T05:00:00"), &site.zone),
            Some(ts("2026-11-20T09:00:00Z"))
        );
        assert_eq!(site.url.as_deref(), Some("https://u"));
    }

    #[test]
    fn date_gmt_wins_and_null_falls_back_to_local_date() {
        let zone = site_zone(None, Some(-5.0));
        let p = read(
            json!({"id": 7, "status": "future", "date": "2026-11-20T04:00:00", "date_gmt": "2026-11-20T09:00:00",
                   "modified_gmt": "2026-11-19T10:00:00", "title": {"rendered": "A"}, "author": "3"}),
            &zone,
        )
        .expect("post");
        assert_eq!(p.date, Some(ts("2026-11-20T09:00:00Z")));
        assert_eq!(p.author_id, Some(3));
        let p = read(
            json!({"id": "8", "status": "draft", "date": "2026-11-20T04:00:00", "date_gmt": null}),
            &zone,
        )
        .expect("post");
        assert_eq!(p.date, Some(ts("2026-11-20T09:00:00Z")));
        assert_eq!(p.modified, None);
    }

    #[test]
    fn records_without_id_or_status_are_unreadable() {
        let zone = TimeZone::UTC;
        assert_eq!(read(json!({"status": "draft"}), &zone), None);
        assert_eq!(read(json!({"id": 0, "status": "draft"}), &zone), None);
        assert_eq!(read(json!({"id": 3}), &zone), None);
    }

    #[test]
    fn authors_fall_back_to_the_slug() {
        let a = author(serde_json::from_value(json!({"id": 2, "slug": "ann"})).expect("user")).expect("author");
        assert_eq!((a.id, a.name.as_str()), (2, "ann"));
        assert_eq!(author(WireUser::default()), None);
    }
}
