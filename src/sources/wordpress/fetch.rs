//! WordPress's data: posts and pages in the working set, read with
//! `per_page`/`page` paging bounded by the `X-WP-TotalPages` header, synced
//! incrementally with `modified_after`, and their authors by id. A lookup
//! for `mops act` reads only the posts and pages one key can name.

use std::collections::BTreeMap;
use std::time::Instant;

use jiff::Timestamp;
use serde_json::Value;
use url::Url;

use super::cache::PostCache;
use super::wire::{self, POST_FIELDS, Site, USER_FIELDS, WirePost, WireUser};
use super::wordpress_error;
use crate::http::{Auth, Request, Response, SourceClient, StatusCode};
use crate::model::{ContentData, Post, PostType};
use crate::sources::classify::{BodyVerdict, ProbeContext, classify};
use crate::sources::data_call::Failure;
use crate::sources::data_call::{Meta, scrub_probe};
use crate::sources::urls::join;

/// WordPress's largest page (`per_page` 1 to 100).
pub(super) const MAX_PAGE_SIZE: usize = 100;
/// Ids per `include` query: one full page each.
const INCLUDE_CHUNK: usize = 100;
/// A runaway server (one that ignores `page` and never says how many there
/// are) stops here: a million posts at the largest page size.
const MAX_PAGES: usize = 10_000;

/// The statuses the full read asks for: what still needs a person.
const WORKING_SET: &str = "future,draft,pending,private";
/// Incremental reads also ask for the statuses a post leaves the working set by.
const ANY_STATUS: &str = "publish,future,draft,pending,private,trash";
/// A lookup by key finds a post in any status but trash: unpublishing a
/// post published by mistake starts from a published post.
const LOOKUP: &str = "publish,future,draft,pending,private";

/// What a successful fetch brings back.
#[derive(Debug)]
pub(super) struct Fetched {
    pub data: ContentData,
    /// Records dropped because they were not posts the model can hold.
    pub skipped: usize,
    /// Why author names are missing, when the users call failed.
    pub authors_note: Option<String>,
}

struct Paged<T> {
    items: Vec<T>,
    skipped: usize,
}

impl<T> Default for Paged<T> {
    fn default() -> Self {
        Paged {
            items: Vec::new(),
            skipped: 0,
        }
    }
}

/// One list answer: a page, or WordPress saying the page is past the end
/// (the set shrank between pages).
enum Answer {
    Page {
        items: Vec<Value>,
        total_pages: Option<u64>,
        total: Option<u64>,
        meta: Meta,
    },
    PastEnd,
}

/// Which posts one list read asks for.
#[derive(Default)]
struct Query<'a> {
    status: &'a str,
    modified_after: Option<Timestamp>,
    include: Option<&'a [u64]>,
    /// One slug (WordPress reads `slug` as a list split on commas and whitespace).
    slug: Option<&'a str>,
    /// WordPress's search: every word in the title, excerpt or content.
    search: Option<&'a str>,
}

/// One poll's view of the connector: what each request needs.
pub(super) struct Fetcher<'a> {
    pub client: &'a SourceClient,
    pub auth: Auth,
    pub base: &'a Url,
    pub page_size: usize,
    pub site: &'a Site,
}

impl Fetcher<'_> {
    /// The working set of posts and pages, then their authors. The cache is
    /// held for the whole sync so two polls never interleave. Fails on the
    /// first post or page call that fails, naming it; the users call only
    /// leaves a note.
    pub async fn fetch(&self, cache: &tokio::sync::Mutex<PostCache>) -> Result<Fetched, Box<Failure>> {
        let mut cache = cache.lock().await;
        let started = Instant::now();
        let skipped = match cache.since(started) {
            None => {
                let query = Query {
                    status: WORKING_SET,
                    ..Query::default()
                };
                let (posts, pages) =
                    tokio::try_join!(self.read(PostType::Post, &query), self.read(PostType::Page, &query))?;
                let skipped = posts.skipped + pages.skipped;
                cache.replace(posts.items.into_iter().chain(pages.items).collect(), started);
                skipped
            }
            Some(since) => {
                let query = Query {
                    status: ANY_STATUS,
                    modified_after: Some(since),
                    ..Query::default()
                };
                let (posts, pages) =
                    tokio::try_join!(self.read(PostType::Post, &query), self.read(PostType::Page, &query))?;
                let mut skipped = posts.skipped + pages.skipped;
                cache.update(posts.items.into_iter().chain(pages.items).collect());
                skipped += self.reread_overdue(&mut cache).await?;
                skipped
            }
        };
        let authors_note = self.resolve_authors(&mut cache).await;
        Ok(Fetched {
            data: cache.snapshot(self.site.name.clone(), self.site.url.clone()),
            skipped,
            authors_note,
        })
    }

    /// The posts and pages `key` can name, in every status but trash: by id
    /// when it is a number, by slug when WordPress can read it as one, and
    /// by a search for its longest word (a pre-filter: the caller demands
    /// the exact title). Authors are not resolved. Leaves the post cache,
    /// the cockpit's incremental watermark, alone.
    pub async fn lookup(&self, key: &str) -> Result<Fetched, Box<Failure>> {
        let key = key.trim();
        let id = key.parse::<u64>().ok().map(|id| [id]);
        let by_id = id.as_ref().map(|id| Query {
            status: LOOKUP,
            include: Some(id.as_slice()),
            ..Query::default()
        });
        let by_slug = as_slug(key).map(|slug| Query {
            status: LOOKUP,
            slug: Some(slug),
            ..Query::default()
        });
        let by_title = search_term(key).map(|word| Query {
            status: LOOKUP,
            search: Some(word),
            ..Query::default()
        });
        let queries = [by_id, by_slug, by_title];
        let kinds = [PostType::Post, PostType::Page];
        let reads = kinds
            .iter()
            .flat_map(|kind| queries.iter().flatten().map(move |query| self.read(*kind, query)));
        let found = futures::future::try_join_all(reads).await?;
        let mut posts = BTreeMap::new();
        let mut skipped = 0;
        for paged in found {
            skipped += paged.skipped;
            posts.extend(paged.items.into_iter().map(|p| (p.id, p)));
        }
        Ok(Fetched {
            data: ContentData {
                posts,
                authors: BTreeMap::new(),
                site_name: self.site.name.clone(),
                site_url: self.site.url.clone(),
            },
            skipped,
            authors_note: None,
        })
    }

    /// WP-cron publishes a scheduled post without touching `modified_gmt`, so
    /// `modified_after` never reports it: every scheduled post past its time
    /// is asked for again by id, in any status.
    async fn reread_overdue(&self, cache: &mut PostCache) -> Result<usize, Box<Failure>> {
        let overdue = cache.overdue(Timestamp::now());
        let mut skipped = 0;
        for kind in [PostType::Post, PostType::Page] {
            let ids: Vec<u64> = overdue.iter().filter(|(k, _)| *k == kind).map(|(_, id)| *id).collect();
            for chunk in ids.chunks(INCLUDE_CHUNK) {
                let query = Query {
                    status: ANY_STATUS,
                    include: Some(chunk),
                    ..Query::default()
                };
                let found = self.read(kind, &query).await?;
                skipped += found.skipped;
                cache.reread(chunk, found.items);
            }
        }
        Ok(skipped)
    }

    /// Names for the authors not yet known. A failure (a user without the
    /// right to list users gets 401/403) leaves the posts showing "user N".
    async fn resolve_authors(&self, cache: &mut PostCache) -> Option<String> {
        let endpoint = "/wp/v2/users";
        let unknown = cache.unknown_authors();
        for chunk in unknown.chunks(INCLUDE_CHUNK) {
            let url = match self.url(&["wp", "v2", "users"], endpoint) {
                Ok(mut url) => {
                    url.query_pairs_mut()
                        .append_pair("include", &ids(chunk))
                        .append_pair("per_page", &MAX_PAGE_SIZE.to_string())
                        .append_pair("_fields", USER_FIELDS);
                    url
                }
                Err(f) => return Some(format!("author names unavailable: {}", f.why)),
            };
            match self.call_list(url, endpoint).await {
                Ok(Answer::Page { items, .. }) => {
                    let found = map_items(items, |w: WireUser| wire::author(w));
                    cache.add_authors(chunk, found.items);
                }
                Ok(Answer::PastEnd) => cache.add_authors(chunk, Vec::new()),
                Err(f) => {
                    tracing::warn!(endpoint, why = %f.why, "author names unavailable");
                    return Some(format!("author names unavailable: {}", f.why));
                }
            }
        }
        None
    }

    /// Every page of `kind` matching `query`. Paging stops at the last page
    /// `X-WP-TotalPages` names (else at `X-WP-Total` records, else at a short
    /// page), at an empty page, or when WordPress says the page is past the
    /// end because the set shrank meanwhile.
    async fn read(&self, kind: PostType, query: &Query<'_>) -> Result<Paged<Post>, Box<Failure>> {
        let collection = kind.collection();
        let endpoint = format!("/wp/v2/{collection}");
        let base = self.url(&["wp", "v2", collection], &endpoint)?;
        let per_page = self.page_size.clamp(1, MAX_PAGE_SIZE);
        let mut out = Paged::default();
        let mut seen: u64 = 0;
        let mut previous_first: Option<Value> = None;
        for page in 1..=MAX_PAGES {
            let url = list_url(&base, query, per_page, page);
            let (items, total_pages, total, meta) = match self.call_list(url, &endpoint).await? {
                Answer::PastEnd => break,
                Answer::Page {
                    items,
                    total_pages,
                    total,
                    meta,
                } => (items, total_pages, total, meta),
            };
            if page > 1 && !items.is_empty() && items.first() == previous_first.as_ref() {
                return Err(Failure::broken(
                    "GET",
                    &endpoint,
                    format!("{endpoint} sent the same page again as page {page} (is `page` ignored?)"),
                    &meta,
                ));
            }
            previous_first = items.first().cloned();
            let n = items.len();
            seen += n as u64;
            let mapped = map_items(items, |w: WirePost| wire::post(w, kind, &self.site.zone));
            out.skipped += mapped.skipped;
            out.items.extend(mapped.items);
            let done = n == 0
                || match (total_pages, total) {
                    (Some(pages), _) => page as u64 >= pages,
                    (None, Some(total)) => seen >= total,
                    (None, None) => n < per_page,
                };
            if done {
                if let Some(why) = crate::sources::data_call::mostly_unreadable(out.items.len(), out.skipped) {
                    return Err(Failure::broken("GET", &endpoint, why, &meta));
                }
                if out.skipped > 0 {
                    tracing::warn!(endpoint, skipped = out.skipped, "unreadable records skipped");
                }
                return Ok(out);
            }
            if page == MAX_PAGES {
                return Err(Failure::broken(
                    "GET",
                    &endpoint,
                    format!("{endpoint} still had more after {MAX_PAGES} pages"),
                    &meta,
                ));
            }
        }
        Ok(out)
    }

    fn url(&self, segments: &[&str], endpoint: &str) -> Result<Url, Box<Failure>> {
        join(self.base, segments).map_err(|e| Failure::unbuildable(endpoint, e.to_string(), self.base))
    }

    /// One GET whose answer must be a 200 JSON array (or the past-the-end
    /// 400); anything else is classified as a probe would be, scrubbed of
    /// the application password.
    async fn call_list(&self, url: Url, endpoint: &str) -> Result<Answer, Box<Failure>> {
        let request = Request::get(url).with_auth(self.auth.clone());
        let scrub = self.client.scrubber_for(&request.auth);
        let started = Instant::now();
        let outcome = self.client.send(request).await;
        let verdict = match &outcome {
            Ok(resp) if resp.status == StatusCode::OK => match serde_json::from_slice::<Value>(&resp.body) {
                Ok(Value::Array(items)) => {
                    return Ok(Answer::Page {
                        items,
                        total_pages: header_count(resp, "x-wp-totalpages"),
                        total: header_count(resp, "x-wp-total"),
                        meta: Meta {
                            request_id: resp.request_id.clone(),
                            url: resp.url.clone(),
                            attempts: resp.attempts,
                        },
                    });
                }
                Ok(_) => BodyVerdict::Broken(format!("unexpected JSON from {endpoint}: expected a list")),
                Err(e) => BodyVerdict::Broken(format!("malformed JSON from {endpoint}: {e}")),
            },
            Ok(resp) if resp.status == StatusCode::BAD_REQUEST && past_end(&resp.body) => {
                return Ok(Answer::PastEnd);
            }
            _ => BodyVerdict::Broken(String::new()), // unused: non-200 is classified by status
        };
        let ctx = ProbeContext {
            endpoint: endpoint.to_owned(),
            expect_status: 200,
            slow: std::time::Duration::MAX,
            elapsed: started.elapsed(),
            circuit: self.client.circuit(),
            headroom: self.client.headroom(),
            now: Timestamp::now(),
        };
        let mut probe = classify(outcome.as_ref(), &ctx, |_| verdict, wordpress_error);
        scrub_probe(&mut probe, &scrub);
        Err(Failure::from_probe("GET", endpoint, probe))
    }
}

/// The list URL for one page: the status filter, paging, trimmed fields and
/// a stable order (by id: a post created meanwhile lands on the last page).
fn list_url(base: &Url, query: &Query<'_>, per_page: usize, page: usize) -> Url {
    let mut url = base.clone();
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("status", query.status)
            .append_pair("per_page", &per_page.to_string())
            .append_pair("page", &page.to_string())
            .append_pair("orderby", "id")
            .append_pair("order", "asc")
            .append_pair("_fields", POST_FIELDS);
        if let Some(since) = query.modified_after {
            q.append_pair("modified_after", &rfc3339(since));
        }
        if let Some(include) = query.include {
            q.append_pair("include", &ids(include));
        }
        if let Some(slug) = query.slug {
            q.append_pair("slug", slug);
        }
        if let Some(search) = query.search {
            q.append_pair("search", search);
        }
    }
    url
}

/// `key` as one slug, when WordPress would not split it into several.
fn as_slug(key: &str) -> Option<&str> {
    let one = !key.is_empty() && !key.contains(|c: char| c == ',' || c.is_whitespace());
    one.then_some(key)
}

/// What a title lookup searches for: the key's longest word. Not the whole
/// title: the title a person copies is the rendered one (`Vandelay’s`,
/// `Part 1 – Draft`, `&` for `&amp;`) while WordPress searches the raw one
/// (`Vandelay's`, `Part 1 - Draft`), and a search of ten words or more is
/// matched as one phrase. `None` when the key has no word: an empty search
/// is no filter at all.
fn search_term(key: &str) -> Option<&str> {
    key.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .fold(None, |longest: Option<&str>, word| match longest {
            Some(l) if l.chars().count() >= word.chars().count() => Some(l),
            _ => Some(word),
        })
}

/// `2026-11-20T08:55:00Z`: whole seconds, UTC.
fn rfc3339(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn ids(ids: &[u64]) -> String {
    ids.iter().map(u64::to_string).collect::<Vec<_>>().join(",")
}

/// WordPress's answer to a page past the last one.
fn past_end(body: &[u8]) -> bool {
    wordpress_error(body).and_then(|e| e.code).as_deref() == Some("rest_post_invalid_page_number")
}

fn header_count(resp: &Response, name: &str) -> Option<u64> {
    resp.headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

/// Each record through `map`; a record that is not a JSON object is
/// unreadable (serde would read a struct from an array, field by field).
fn map_items<W: serde::de::DeserializeOwned, T>(items: Vec<Value>, map: impl Fn(W) -> Option<T>) -> Paged<T> {
    let mut out = Paged::default();
    for item in items {
        let read = crate::sources::data_call::record::<W>(item).and_then(&map);
        match read {
            Some(t) => out.items.push(t),
            None => out.skipped += 1,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_urls_carry_status_paging_fields_and_filters() {
        let base = Url::parse("https://blog.example/wp-json/wp/v2/posts").expect("url");
        let since: Timestamp = "2026-11-20T08:55:00.250Z".parse().expect("ts");
        let url = list_url(
            &base,
            &Query {
                status: ANY_STATUS,
                modified_after: Some(since),
                include: Some(&[3, 5]),
                ..Query::default()
            },
            50,
            2,
        );
        let q: Vec<(String, String)> = url.query_pairs().map(|(k, v)| (k.into(), v.into())).collect();
        let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("status"), Some("publish,future,draft,pending,private,trash"));
        assert_eq!((get("per_page"), get("page")), (Some("50"), Some("2")));
        assert_eq!(get("modified_after"), Some("2026-11-20T08:55:00Z"));
        assert_eq!(get("include"), Some("3,5"));
        assert_eq!(get("_fields"), Some(POST_FIELDS));
    }

    #[test]
    fn lookup_urls_carry_slug_search_and_every_status_but_trash() {
        let base = Url::parse("https://blog.example/wp-json/wp/v2/posts").expect("url");
        let pairs = |query: &Query<'_>| -> Vec<(String, String)> {
            list_url(&base, query, 100, 1)
                .query_pairs()
                .map(|(k, v)| (k.into(), v.into()))
                .collect()
        };
        let get = |q: &[(String, String)], k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let by_slug = pairs(&Query {
            status: LOOKUP,
            slug: as_slug("spring-launch"),
            ..Query::default()
        });
        assert_eq!(
            get(&by_slug, "status").as_deref(),
            Some("publish,future,draft,pending,private")
        );
        assert_eq!(get(&by_slug, "slug").as_deref(), Some("spring-launch"));
        assert_eq!(get(&by_slug, "search"), None);
        let by_title = pairs(&Query {
            status: LOOKUP,
            search: search_term("Spring Product Launch Recap"),
            ..Query::default()
        });
        assert_eq!(get(&by_title, "search").as_deref(), Some("Product"));
        assert_eq!(get(&by_title, "slug"), None);
        assert!(!LOOKUP.contains("trash"));

        // WordPress would split these into several slugs: none is sent.
        for key in ["spring product launch", "a,b", "tab\there", ""] {
            assert_eq!(as_slug(key), None, "{key:?}");
        }
        assert_eq!(as_slug("about"), Some("about"));
    }

    #[test]
    fn a_title_is_searched_by_its_longest_word_which_the_raw_title_also_holds() {
        assert_eq!(
            search_term("Case Study: Vandelay\u{2019}s CRM Cleanup"),
            Some("Vandelay")
        );
        assert_eq!(
            search_term("Ops & Analytics Roundup \u{2013} November"),
            Some("Analytics")
        );
        assert_eq!(search_term("About Us"), Some("About"));
        assert_eq!(search_term("  \u{2013} & "), None);
        assert_eq!(search_term(""), None);
    }

    #[test]
    fn records_that_are_not_objects_are_skipped() {
        let items = vec![
            serde_json::json!([7, "2026-11-20T09:00:00"]),
            serde_json::json!({"id": 7, "status": "draft"}),
        ];
        let site = Site::default();
        let read = map_items(items, |w: WirePost| wire::post(w, PostType::Post, &site.zone));
        assert_eq!((read.items.len(), read.skipped), (1, 1));
    }

    #[test]
    fn only_the_page_number_error_ends_paging() {
        assert!(past_end(
            br#"{"code":"rest_post_invalid_page_number","message":"The page number requested is larger than the number of pages available.","data":{"status":400}}"#
        ));
        assert!(!past_end(
            br#"{"code":"rest_invalid_param","message":"Invalid parameter(s): status"}"#
        ));
        assert!(!past_end(b"<html>400</html>"));
    }
}
