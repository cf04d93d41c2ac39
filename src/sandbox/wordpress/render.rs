//! Posts, pages and users as the REST API renders them.

use serde_json::{Map, Value, json};

use super::store::{Kind, Site, Status, User, WpPost, gmt, slugify};

/// The `context` parameter: how much of each record to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Context {
    View,
    Embed,
    Edit,
}

impl Context {
    pub(crate) const NAMES: [&'static str; 3] = ["view", "embed", "edit"];

    pub(crate) fn parse(s: &str) -> Option<Context> {
        match s {
            "view" => Some(Context::View),
            "embed" => Some(Context::Embed),
            "edit" => Some(Context::Edit),
            _ => None,
        }
    }
}

/// Where the site lives, for the absolute links in every record.
pub(crate) struct Urls<'a> {
    /// `http://ADDR/wordpress`
    pub(crate) site: &'a str,
    pub(crate) site_clock: &'a Site,
}

impl Urls<'_> {
    pub(crate) fn api(&self, path: &str) -> String {
        format!("{}/wp-json{path}", self.site)
    }
}

/// Fields a post keeps in the `embed` context.
const EMBED_POST_FIELDS: [&str; 10] = [
    "id",
    "date",
    "slug",
    "type",
    "link",
    "title",
    "author",
    "excerpt",
    "featured_media",
    "_links",
];

pub(crate) fn post(urls: &Urls<'_>, p: &WpPost, context: Context) -> Value {
    let site = urls.site;
    let collection = p.kind.collection();
    let local_date = urls.site_clock.local(p.date());
    let guid = match p.kind {
        Kind::Post => format!("{site}/?p={}", p.id),
        Kind::Page => format!("{site}/?page_id={}", p.id),
    };
    let title = match p.status {
        Status::Private => format!("Private: {}", texturize(&p.title)),
        _ => texturize(&p.title),
    };
    let comments = match p.kind {
        Kind::Post => "open",
        Kind::Page => "closed",
    };
    let self_href = urls.api(&format!("/wp/v2/{collection}/{}", p.id));
    let mut v = json!({
        "id": p.id,
        "date": local_date,
        "date_gmt": gmt(p.date()),
        "guid": { "rendered": guid },
        "modified": urls.site_clock.local(p.modified),
        "modified_gmt": gmt(p.modified),
        "slug": p.slug,
        "status": p.status.key(),
        "type": p.kind.key(),
        "link": link(site, p, &local_date),
        "title": { "rendered": title },
        "content": { "rendered": p.content, "protected": false },
        "excerpt": { "rendered": format!("<p>{}</p>\n", texturize(&p.excerpt)), "protected": false },
        "author": p.author,
        "featured_media": 0,
        "comment_status": comments,
        "ping_status": comments,
        "template": "",
        "meta": { "footnotes": "" },
        "class_list": [
            format!("post-{}", p.id),
            p.kind.key(),
            format!("type-{}", p.kind.key()),
            format!("status-{}", p.status.key()),
            "hentry",
        ],
        "_links": {
            "self": [{ "href": self_href }],
            "collection": [{ "href": urls.api(&format!("/wp/v2/{collection}")) }],
            "about": [{ "href": urls.api(&format!("/wp/v2/types/{}", p.kind.key())) }],
            "author": [{ "embeddable": true, "href": urls.api(&format!("/wp/v2/users/{}", p.author)) }],
            "replies": [{ "embeddable": true, "href": urls.api(&format!("/wp/v2/comments?post={}", p.id)) }],
            "version-history": [{ "count": 1, "href": format!("{self_href}/revisions") }],
            "wp:attachment": [{ "href": urls.api(&format!("/wp/v2/media?parent={}", p.id)) }],
            "curies": [{ "name": "wp", "href": "https://api.w.org/{rel}", "templated": true }]
        }
    });
    let Some(obj) = v.as_object_mut() else {
        return v;
    };
    match p.kind {
        Kind::Post => {
            obj.insert("sticky".into(), json!(false));
            obj.insert("format".into(), json!("standard"));
            obj.insert("categories".into(), json!([1]));
            obj.insert("tags".into(), json!([]));
        }
        Kind::Page => {
            obj.insert("parent".into(), json!(0));
            obj.insert("menu_order".into(), json!(0));
        }
    }
    match context {
        Context::View => {}
        Context::Embed => obj.retain(|k, _| EMBED_POST_FIELDS.contains(&k.as_str())),
        Context::Edit => add_edit_fields(obj, site, p),
    }
    v
}

fn add_edit_fields(obj: &mut Map<String, Value>, site: &str, p: &WpPost) {
    let raw = |obj: &mut Map<String, Value>, field: &str, value: &str| {
        if let Some(Value::Object(inner)) = obj.get_mut(field) {
            inner.insert("raw".into(), json!(value));
        }
    };
    raw(obj, "title", &p.title);
    raw(obj, "content", &p.content);
    raw(obj, "excerpt", &p.excerpt);
    let guid = obj
        .get("guid")
        .and_then(|g| g.get("rendered"))
        .cloned()
        .unwrap_or_default();
    if let Some(Value::Object(inner)) = obj.get_mut("guid") {
        inner.insert("raw".into(), guid);
    }
    if let Some(Value::Object(inner)) = obj.get_mut("content") {
        inner.insert("block_version".into(), json!(0));
    }
    let template = match p.kind {
        Kind::Post => format!("{site}/%year%/%monthnum%/%postname%/"),
        Kind::Page => format!("{site}/%pagename%/"),
    };
    obj.insert("password".into(), json!(""));
    obj.insert("permalink_template".into(), json!(template));
    obj.insert("generated_slug".into(), json!(slugify(&p.title, p.id)));
}

/// The permalink (`/%year%/%monthnum%/%postname%/`); unpublished posts get
/// their `?p=` preview link, as `get_permalink` gives.
fn link(site: &str, p: &WpPost, local_date: &str) -> String {
    let unpublished = matches!(p.status, Status::Draft | Status::Pending | Status::Future) || p.slug.is_empty();
    match (p.kind, unpublished) {
        (Kind::Post, true) => format!("{site}/?p={}", p.id),
        (Kind::Page, true) => format!("{site}/?page_id={}", p.id),
        (Kind::Post, false) => {
            let (year, month) = (&local_date[..4], &local_date[5..7]);
            format!("{site}/{year}/{month}/{}/", p.slug)
        }
        (Kind::Page, false) => format!("{site}/{}/", p.slug),
    }
}

pub(crate) fn user(urls: &Urls<'_>, u: &User, context: Context) -> Value {
    let hash = {
        use md5::{Digest, Md5};
        let digest = Md5::digest(u.email.trim().to_lowercase().as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect::<String>()
    };
    let avatar = |size: u32| format!("https://secure.gravatar.com/avatar/{hash}?s={size}&d=mm&r=g");
    let mut v = json!({
        "id": u.id,
        "name": u.name,
        "url": "",
        "description": u.description,
        "link": format!("{}/author/{}/", urls.site, u.slug),
        "slug": u.slug,
        "avatar_urls": { "24": avatar(24), "48": avatar(48), "96": avatar(96) },
        "meta": [],
        "_links": {
            "self": [{ "href": urls.api(&format!("/wp/v2/users/{}", u.id)) }],
            "collection": [{ "href": urls.api("/wp/v2/users") }]
        }
    });
    let Some(obj) = v.as_object_mut() else {
        return v;
    };
    match context {
        Context::View => {}
        Context::Embed => obj.retain(|k, _| {
            [
                "id",
                "name",
                "url",
                "description",
                "link",
                "slug",
                "avatar_urls",
                "_links",
            ]
            .contains(&k.as_str())
        }),
        Context::Edit => {
            let (first, last) = u.name.split_once(' ').unwrap_or((u.name.as_str(), ""));
            obj.insert("username".into(), json!(u.username));
            obj.insert("email".into(), json!(u.email));
            obj.insert("first_name".into(), json!(first));
            obj.insert("last_name".into(), json!(last));
            obj.insert("nickname".into(), json!(u.username));
            obj.insert("locale".into(), json!("en_US"));
            obj.insert(
                "registered_date".into(),
                json!(u.registered.strftime("%Y-%m-%dT%H:%M:%S+00:00").to_string()),
            );
            obj.insert("roles".into(), json!([u.role]));
        }
    }
    v
}

/// `_fields=id,title.rendered`: only those fields, nested ones by dotted path.
pub(crate) fn only_fields(value: Value, fields: &[String]) -> Value {
    if fields.is_empty() {
        return value;
    }
    let mut out = Map::new();
    for field in fields {
        let path: Vec<&str> = field.split('.').collect();
        let Some(found) = path.iter().try_fold(&value, |v, key| v.get(key)) else {
            continue;
        };
        insert_path(&mut out, &path, found);
    }
    Value::Object(out)
}

fn insert_path(out: &mut Map<String, Value>, path: &[&str], value: &Value) {
    match path {
        [] => {}
        [last] => {
            out.entry(*last).or_insert_with(|| value.clone());
        }
        [first, rest @ ..] => {
            // An earlier field may have taken the whole object already.
            if let Value::Object(inner) = out.entry(*first).or_insert_with(|| Value::Object(Map::new())) {
                insert_path(inner, rest, value);
            }
        }
    }
}

/// `wptexturize`, the parts titles meet: dashes, ellipses, curly quotes and
/// bare ampersands become HTML entities; existing entities stay.
pub(crate) fn texturize(raw: &str) -> String {
    let text = raw
        .replace(" -- ", " &#8212; ")
        .replace(" - ", " &#8211; ")
        .replace("...", "&#8230;");
    let mut out = String::with_capacity(text.len());
    let mut prev: Option<char> = None;
    for (i, c) in text.char_indices() {
        match c {
            '&' if !starts_entity(&text[i..]) => out.push_str("&#038;"),
            '\'' if prev.is_some_and(char::is_alphanumeric) => out.push_str("&#8217;"),
            '\'' => out.push_str("&#8216;"),
            '"' if prev.is_none_or(char::is_whitespace) => out.push_str("&#8220;"),
            '"' => out.push_str("&#8221;"),
            _ => out.push(c),
        }
        prev = Some(c);
    }
    out
}

/// `&amp;`, `&#8211;`, `&#x2013;`.
fn starts_entity(s: &str) -> bool {
    let Some(end) = s.find(';') else {
        return false;
    };
    let name = &s[1..end];
    let numeric = name
        .strip_prefix("#x")
        .map(|hex| !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit()))
        .or_else(|| {
            name.strip_prefix('#')
                .map(|dec| !dec.is_empty() && dec.chars().all(|c| c.is_ascii_digit()))
        });
    numeric.unwrap_or_else(|| (1..=8).contains(&name.len()) && name.chars().all(|c| c.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texturize_makes_the_entities_wordpress_sends() {
        assert_eq!(texturize("Q4 Playbook - Part 2"), "Q4 Playbook &#8211; Part 2");
        assert_eq!(texturize("Ops &amp; Analytics"), "Ops &amp; Analytics");
        assert_eq!(texturize("DMARC, BIMI & Beyond"), "DMARC, BIMI &#038; Beyond");
        assert_eq!(texturize("The Marketer's Guide"), "The Marketer&#8217;s Guide");
        assert_eq!(texturize("Say \"hi\"..."), "Say &#8220;hi&#8221;&#8230;");
        assert_eq!(texturize(""), "");
    }

    #[test]
    fn only_fields_keeps_nested_paths() {
        let v = json!({ "id": 1, "title": { "rendered": "a", "raw": "b" }, "slug": "s" });
        let fields = ["id".to_owned(), "title.rendered".to_owned(), "missing".to_owned()];
        assert_eq!(
            only_fields(v, &fields),
            json!({ "id": 1, "title": { "rendered": "a" } })
        );
    }
}
