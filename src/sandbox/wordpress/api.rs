//! Handlers for posts, pages and users, checked in WordPress's order:
//! parameter validation (400), then the record (404), then permission (401).

use std::cmp::Ordering;
use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::{Map, Value};

use super::params::{Check, ParamError, Params, invalid_date, not_in_enum};
use super::render::{self, Context, Urls};
use super::store::{DateChange, Kind, Status, Update, User, WpDate, WpPost};
use super::{ApiError, Authenticated, json_response};
use crate::sandbox::AppState;

type Answer = Result<Response, ApiError>;
type Auth = Option<Extension<Authenticated>>;

/// Every status the `status` filter accepts (WordPress's registered ones).
const LIST_STATUSES: [&str; 13] = [
    "publish",
    "future",
    "draft",
    "pending",
    "private",
    "trash",
    "auto-draft",
    "inherit",
    "request-pending",
    "request-confirmed",
    "request-failed",
    "request-completed",
    "any",
];
/// What `any` means: every status not excluded from search.
const ANY: [Status; 5] = [
    Status::Publish,
    Status::Future,
    Status::Draft,
    Status::Pending,
    Status::Private,
];
/// The statuses an update may set (trash is DELETE's business).
const WRITE_STATUSES: [&str; 5] = ["publish", "future", "draft", "pending", "private"];
const POST_ORDERBY: [&str; 10] = [
    "author",
    "date",
    "id",
    "include",
    "modified",
    "parent",
    "relevance",
    "slug",
    "include_slugs",
    "title",
];
const PAGE_ORDERBY: [&str; 11] = [
    "author",
    "date",
    "id",
    "include",
    "modified",
    "parent",
    "relevance",
    "slug",
    "include_slugs",
    "title",
    "menu_order",
];
const USER_ORDERBY: [&str; 8] = [
    "id",
    "include",
    "name",
    "registered_date",
    "slug",
    "include_slugs",
    "email",
    "url",
];

const INVALID_POST_ID: ApiError = ApiError::rest(StatusCode::NOT_FOUND, "rest_post_invalid_id", "Invalid post ID.");

pub(crate) async fn list_posts(State(state): State<Arc<AppState>>, auth: Auth, RawQuery(raw): RawQuery) -> Answer {
    list(&state, Kind::Post, auth.is_some(), raw.as_deref())
}

pub(crate) async fn list_pages(State(state): State<Arc<AppState>>, auth: Auth, RawQuery(raw): RawQuery) -> Answer {
    list(&state, Kind::Page, auth.is_some(), raw.as_deref())
}

pub(crate) async fn get_post(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Answer {
    get_one(&state, Kind::Post, auth.is_some(), &id, raw.as_deref())
}

pub(crate) async fn get_page(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Answer {
    get_one(&state, Kind::Page, auth.is_some(), &id, raw.as_deref())
}

pub(crate) async fn update_post(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let request = UpdateRequest::read(raw.as_deref(), &headers, &body)?;
    update(&state, Kind::Post, auth.is_some(), &id, request)
}

pub(crate) async fn update_page(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let request = UpdateRequest::read(raw.as_deref(), &headers, &body)?;
    update(&state, Kind::Page, auth.is_some(), &id, request)
}

fn site_url(state: &AppState) -> String {
    format!("{}/wordpress", state.origin)
}

fn context(check: &mut Check<'_>) -> Context {
    let name = check.one_of("context", &Context::NAMES, "view");
    Context::parse(name).unwrap_or(Context::View)
}

/// The route matches digits only; anything else is another (absent) route.
fn digits(id: &str) -> Result<&str, ApiError> {
    if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) {
        Ok(id)
    } else {
        Err(ApiError::NoRoute)
    }
}

/// A collection, as `WP_REST_Posts_Controller::get_items` answers it.
fn list(state: &AppState, kind: Kind, authed: bool, raw: Option<&str>) -> Answer {
    let params = Params::parse(raw);
    let site = &state.wordpress.site;
    let mut check = Check::new(&params);
    let context = context(&mut check);
    let page = check.integer("page", 1, 1, None);
    let per_page = check.integer("per_page", 10, 1, Some(100));
    let search = params.get("search").filter(|s| !s.is_empty()).map(str::to_lowercase);
    let after = check.date("after");
    let modified_after = check.date("modified_after");
    let author = check.ids("author");
    let author_exclude = check.ids("author_exclude");
    let before = check.date("before");
    let modified_before = check.date("modified_before");
    let exclude = check.ids("exclude");
    let include = check.ids("include");
    let offset = check.integer("offset", 0, i64::MIN, None).max(0);
    let order = check.one_of("order", &["asc", "desc"], "desc");
    let orderbys: &[&'static str] = match kind {
        Kind::Post => &POST_ORDERBY,
        Kind::Page => &PAGE_ORDERBY,
    };
    let orderby = check.one_of("orderby", orderbys, "date");
    let slugs = check.strings("slug", None);
    let statuses = check.strings("status", Some(&LIST_STATUSES));
    check.finish()?;

    // The status sanitizer runs after validation: anonymous callers may
    // list only the default status.
    let statuses = statuses.unwrap_or_else(|| vec!["publish".to_owned()]);
    if !authed && statuses.iter().any(|s| s != "publish") {
        return Err(ApiError::InvalidParams(vec![ParamError::forbidden_status()]));
    }
    if context == Context::Edit && !authed {
        return Err(ApiError::rest(
            StatusCode::UNAUTHORIZED,
            "rest_forbidden_context",
            "Sorry, you are not allowed to edit posts in this post type.",
        ));
    }
    if orderby == "relevance" && search.is_none() {
        return Err(ApiError::rest(
            StatusCode::BAD_REQUEST,
            "rest_no_search_term_defined",
            "You need to define a search term to order by relevance.",
        ));
    }
    if orderby == "include" && include.is_none() {
        return Err(ApiError::rest(
            StatusCode::BAD_REQUEST,
            "rest_orderby_include_missing_include",
            "You need to define an include parameter to order by include.",
        ));
    }
    let wanted: Vec<Status> = statuses
        .iter()
        .flat_map(|s| match s.as_str() {
            "any" => ANY.to_vec(),
            other => Status::parse(other).into_iter().collect(),
        })
        .collect();
    let instant = |d: Option<WpDate>| d.and_then(|d| site.instant(d));
    let (after, before) = (instant(after), instant(before));
    let (modified_after, modified_before) = (instant(modified_after), instant(modified_before));

    let data = state.wordpress.data();
    let mut matching: Vec<&WpPost> = data
        .posts
        .values()
        .filter(|p| p.kind == kind && wanted.contains(&p.status))
        .filter(|p| include.as_ref().is_none_or(|ids| ids.contains(&p.id)))
        .filter(|p| exclude.as_ref().is_none_or(|ids| !ids.contains(&p.id)))
        .filter(|p| author.as_ref().is_none_or(|ids| ids.contains(&p.author)))
        .filter(|p| author_exclude.as_ref().is_none_or(|ids| !ids.contains(&p.author)))
        .filter(|p| slugs.as_ref().is_none_or(|s| s.contains(&p.slug)))
        .filter(|p| after.is_none_or(|t| p.date() > t))
        .filter(|p| before.is_none_or(|t| p.date() < t))
        .filter(|p| modified_after.is_none_or(|t| p.modified > t))
        .filter(|p| modified_before.is_none_or(|t| p.modified < t))
        .filter(|p| {
            search.as_ref().is_none_or(|q| {
                [&p.title, &p.excerpt, &p.content]
                    .iter()
                    .any(|text| text.to_lowercase().contains(q.as_str()))
            })
        })
        .collect();
    let compare = |a: &&WpPost, b: &&WpPost| -> Ordering {
        let primary = match orderby {
            "id" => a.id.cmp(&b.id),
            "modified" => a.modified.cmp(&b.modified),
            "title" => a.title.to_lowercase().cmp(&b.title.to_lowercase()),
            "slug" => a.slug.cmp(&b.slug),
            "author" => a.author.cmp(&b.author),
            "include" => {
                let position = |id: u64| include.as_ref().and_then(|ids| ids.iter().position(|i| *i == id));
                // `include` keeps the given order whatever `order` says.
                return position(a.id).cmp(&position(b.id));
            }
            _ => a.date().cmp(&b.date()),
        };
        // Ties break on id so that pages never overlap.
        let ordering = primary.then(a.id.cmp(&b.id));
        if order == "desc" { ordering.reverse() } else { ordering }
    };
    matching.sort_by(compare);

    // Validated as 1..=100 and >= 1 above.
    let per_page = usize::try_from(per_page).unwrap_or(10);
    let page = usize::try_from(page).unwrap_or(1);
    let total = matching.len();
    let total_pages = total.div_ceil(per_page);
    if page > total_pages && total > 0 {
        return Err(ApiError::rest(
            StatusCode::BAD_REQUEST,
            "rest_post_invalid_page_number",
            "The page number requested is larger than the number of pages available.",
        ));
    }
    let skip = if params.get("offset").is_some() {
        usize::try_from(offset).unwrap_or(0)
    } else {
        (page - 1) * per_page
    };
    let site_url = site_url(state);
    let urls = Urls {
        site: &site_url,
        site_clock: site,
    };
    let fields = params.list("_fields").unwrap_or_default();
    let items: Vec<Value> = matching
        .iter()
        .skip(skip)
        .take(per_page)
        .map(|p| render::only_fields(render::post(&urls, p, context), &fields))
        .collect();
    let base = urls.api(&format!("/wp/v2/{}", kind.collection()));
    Ok(paged(&Value::Array(items), &base, &params, page, total, total_pages))
}

/// A page of a collection with WordPress's paging headers.
fn paged(body: &Value, base: &str, params: &Params, page: usize, total: usize, total_pages: usize) -> Response {
    let mut response = json_response(StatusCode::OK, body);
    let headers = response.headers_mut();
    headers.insert("X-WP-Total", HeaderValue::from(total));
    headers.insert("X-WP-TotalPages", HeaderValue::from(total_pages));
    let mut links = Vec::new();
    if page > 1 {
        links.push(format!(
            "<{}>; rel=\"prev\"",
            page_url(base, params, (page - 1).min(total_pages.max(1)))
        ));
    }
    if total_pages > page {
        links.push(format!("<{}>; rel=\"next\"", page_url(base, params, page + 1)));
    }
    if let Ok(value) = HeaderValue::from_str(&links.join(", "))
        && !links.is_empty()
    {
        headers.insert(header::LINK, value);
    }
    response
}

fn page_url(base: &str, params: &Params, page: usize) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in params.pairs().iter().filter(|(k, _)| k != "page") {
        query.append_pair(k, v);
    }
    query.append_pair("page", &page.to_string());
    format!("{base}?{}", query.finish())
}

fn get_one(state: &AppState, kind: Kind, authed: bool, id: &str, raw: Option<&str>) -> Answer {
    let id = digits(id)?;
    let params = Params::parse(raw);
    let mut check = Check::new(&params);
    let context = context(&mut check);
    check.finish()?;
    let data = state.wordpress.data();
    let post = id
        .parse::<u64>()
        .ok()
        .and_then(|id| data.posts.get(&id))
        .filter(|p| p.kind == kind)
        .ok_or(INVALID_POST_ID)?;
    if context == Context::Edit && !authed {
        return Err(ApiError::rest(
            StatusCode::UNAUTHORIZED,
            "rest_forbidden_context",
            "Sorry, you are not allowed to edit this post.",
        ));
    }
    if !post.is_public() && !authed {
        return Err(ApiError::rest(
            StatusCode::UNAUTHORIZED,
            "rest_forbidden",
            "Sorry, you are not allowed to do that.",
        ));
    }
    let site_url = site_url(state);
    let urls = Urls {
        site: &site_url,
        site_clock: &state.wordpress.site,
    };
    let fields = params.list("_fields").unwrap_or_default();
    let body = render::only_fields(render::post(&urls, post, context), &fields);
    Ok(json_response(StatusCode::OK, &body))
}

/// An update's parameters: the JSON (or form) body over the query string,
/// as WordPress merges them.
struct UpdateRequest {
    fields: Map<String, Value>,
    only: Vec<String>,
}

impl UpdateRequest {
    fn read(raw: Option<&str>, headers: &HeaderMap, body: &[u8]) -> Result<UpdateRequest, ApiError> {
        let query = Params::parse(raw);
        let mut fields: Map<String, Value> = query
            .pairs()
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase();
        if content_type.starts_with("application/json") && !body.iter().all(u8::is_ascii_whitespace) {
            match serde_json::from_slice::<Value>(body) {
                Ok(Value::Object(map)) => fields.extend(map),
                // PHP decodes a scalar or list body into no named parameters.
                Ok(_) => {}
                Err(_) => return Err(ApiError::InvalidJson),
            }
        } else if content_type.starts_with("application/x-www-form-urlencoded") {
            let form = url::form_urlencoded::parse(body).into_owned();
            fields.extend(form.map(|(k, v)| (k, Value::String(v))));
        }
        Ok(UpdateRequest {
            fields,
            only: query.list("_fields").unwrap_or_default(),
        })
    }

    /// `None`: absent; `Some(None)`: `null`.
    fn date(&self, name: &str, errors: &mut Vec<ParamError>) -> Option<Option<WpDate>> {
        match self.fields.get(name)? {
            Value::Null => Some(None),
            Value::String(s) => match WpDate::parse(s) {
                Some(d) => Some(Some(d)),
                None => {
                    errors.push(invalid_date(name));
                    None
                }
            },
            _ => {
                errors.push(ParamError::new(
                    name,
                    "rest_invalid_type",
                    format!("{name} is not of type string,null."),
                ));
                None
            }
        }
    }
}

/// `POST /wp/v2/{posts,pages}/{id}` (and PUT, PATCH).
fn update(state: &AppState, kind: Kind, authed: bool, id: &str, request: UpdateRequest) -> Answer {
    let id = digits(id)?;
    let mut errors = Vec::new();
    if let Some(context) = request.fields.get("context")
        && context.as_str().and_then(Context::parse).is_none()
    {
        errors.push(not_in_enum("context", &Context::NAMES));
    }
    let status = match request.fields.get("status") {
        None => None,
        Some(Value::String(s)) if WRITE_STATUSES.contains(&s.as_str()) => Status::parse(s),
        Some(Value::String(_)) => {
            errors.push(not_in_enum("status", &WRITE_STATUSES));
            None
        }
        Some(_) => {
            errors.push(ParamError::new(
                "status",
                "rest_invalid_type",
                "status is not of type string.".to_owned(),
            ));
            None
        }
    };
    let date = request.date("date", &mut errors);
    let date_gmt = request.date("date_gmt", &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::InvalidParams(errors));
    }

    let mut data = state.wordpress.data();
    let id = id
        .parse::<u64>()
        .ok()
        .filter(|id| data.posts.get(id).is_some_and(|p| p.kind == kind))
        .ok_or(INVALID_POST_ID)?;
    if !authed {
        return Err(ApiError::rest(
            StatusCode::UNAUTHORIZED,
            "rest_cannot_edit",
            "Sorry, you are not allowed to edit this post.",
        ));
    }
    let site = &state.wordpress.site;
    // `date` wins over `date_gmt`; `date_gmt` is UTC whatever offset it carries.
    let change = match (date, date_gmt) {
        (Some(None), _) | (None, Some(None)) => Some(DateChange::Reset),
        (Some(Some(local)), _) => Some(DateChange::Set(
            site.instant(local)
                .ok_or_else(|| ApiError::InvalidParams(vec![invalid_date("date")]))?,
        )),
        (None, Some(Some(utc))) => Some(DateChange::Set(
            TimeZone::UTC
                .to_ambiguous_timestamp(utc.civil)
                .compatible()
                .map_err(|_| ApiError::InvalidParams(vec![invalid_date("date_gmt")]))?,
        )),
        (None, None) => None,
    };
    let update = Update { status, date: change };
    let post = data.apply(id, update, Timestamp::now()).ok_or(INVALID_POST_ID)?;
    tracing::info!(
        post = id,
        kind = kind.key(),
        status = post.status.key(),
        "sandbox wordpress post updated"
    );
    let site_url = site_url(state);
    let urls = Urls {
        site: &site_url,
        site_clock: site,
    };
    let body = render::only_fields(render::post(&urls, post, Context::Edit), &request.only);
    Ok(json_response(StatusCode::OK, &body))
}

/// `GET /wp/v2/users`: anonymous callers see only users with published posts.
pub(crate) async fn list_users(State(state): State<Arc<AppState>>, auth: Auth, RawQuery(raw): RawQuery) -> Answer {
    let authed = auth.is_some();
    let params = Params::parse(raw.as_deref());
    let mut check = Check::new(&params);
    let context = context(&mut check);
    let page = check.integer("page", 1, 1, None);
    let per_page = check.integer("per_page", 10, 1, Some(100));
    let search = params.get("search").filter(|s| !s.is_empty()).map(str::to_lowercase);
    let exclude = check.ids("exclude");
    let include = check.ids("include");
    let offset = check.integer("offset", 0, i64::MIN, None).max(0);
    let order = check.one_of("order", &["asc", "desc"], "asc");
    let orderby = check.one_of("orderby", &USER_ORDERBY, "name");
    let slugs = check.strings("slug", None);
    check.finish()?;
    if context == Context::Edit && !authed {
        return Err(ApiError::rest(
            StatusCode::UNAUTHORIZED,
            "rest_forbidden_context",
            "Sorry, you are not allowed to list users.",
        ));
    }
    if !authed && matches!(orderby, "email" | "registered_date") {
        return Err(ApiError::rest(
            StatusCode::UNAUTHORIZED,
            "rest_forbidden_orderby",
            "Sorry, you are not allowed to order users by this parameter.",
        ));
    }
    if orderby == "include" && include.is_none() {
        return Err(ApiError::rest(
            StatusCode::BAD_REQUEST,
            "rest_orderby_include_missing_include",
            "You need to define an include parameter to order by include.",
        ));
    }

    let data = state.wordpress.data();
    let mut matching: Vec<&User> = data
        .users
        .iter()
        .filter(|u| authed || data.has_published(u.id))
        .filter(|u| include.as_ref().is_none_or(|ids| ids.contains(&u.id)))
        .filter(|u| exclude.as_ref().is_none_or(|ids| !ids.contains(&u.id)))
        .filter(|u| slugs.as_ref().is_none_or(|s| s.contains(&u.slug)))
        .filter(|u| {
            search.as_ref().is_none_or(|q| {
                [&u.name, &u.slug, &u.email]
                    .iter()
                    .any(|text| text.to_lowercase().contains(q.as_str()))
            })
        })
        .collect();
    matching.sort_by(|a, b| {
        let primary = match orderby {
            "id" => a.id.cmp(&b.id),
            "slug" => a.slug.cmp(&b.slug),
            "email" => a.email.cmp(&b.email),
            "registered_date" => a.registered.cmp(&b.registered),
            "include" => {
                let position = |id: u64| include.as_ref().and_then(|ids| ids.iter().position(|i| *i == id));
                return position(a.id).cmp(&position(b.id));
            }
            _ => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
        };
        let ordering = primary.then(a.id.cmp(&b.id));
        if order == "desc" { ordering.reverse() } else { ordering }
    });

    // Validated as 1..=100 and >= 1 above.
    let per_page = usize::try_from(per_page).unwrap_or(10);
    let page = usize::try_from(page).unwrap_or(1);
    let total = matching.len();
    let total_pages = total.div_ceil(per_page);
    let skip = if params.get("offset").is_some() {
        usize::try_from(offset).unwrap_or(0)
    } else {
        (page - 1) * per_page
    };
    let site_url = site_url(&state);
    let urls = Urls {
        site: &site_url,
        site_clock: &state.wordpress.site,
    };
    let fields = params.list("_fields").unwrap_or_default();
    let items: Vec<Value> = matching
        .iter()
        .skip(skip)
        .take(per_page)
        .map(|u| render::only_fields(render::user(&urls, u, context), &fields))
        .collect();
    let base = urls.api("/wp/v2/users");
    Ok(paged(&Value::Array(items), &base, &params, page, total, total_pages))
}

/// `GET /wp/v2/users/{id}` and `/users/me`.
pub(crate) async fn get_user(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Answer {
    let authed = auth.is_some();
    let params = Params::parse(raw.as_deref());
    let mut check = Check::new(&params);
    let context = context(&mut check);
    let data = state.wordpress.data();
    let user = if id == "me" {
        check.finish()?;
        if !authed {
            return Err(ApiError::rest(
                StatusCode::UNAUTHORIZED,
                "rest_not_logged_in",
                "You are not currently logged in.",
            ));
        }
        data.users
            .iter()
            .find(|u| u.username == state.creds.wordpress_user)
            .ok_or(ApiError::rest(
                StatusCode::NOT_FOUND,
                "rest_user_invalid_id",
                "Invalid user ID.",
            ))?
    } else {
        let id = digits(&id)?;
        check.finish()?;
        let user = id
            .parse::<u64>()
            .ok()
            .and_then(|id| data.user(id))
            .ok_or(ApiError::rest(
                StatusCode::NOT_FOUND,
                "rest_user_invalid_id",
                "Invalid user ID.",
            ))?;
        if context == Context::Edit && !authed {
            return Err(ApiError::rest(
                StatusCode::UNAUTHORIZED,
                "rest_forbidden_context",
                "Sorry, you are not allowed to list users.",
            ));
        }
        if !authed && !data.has_published(user.id) {
            return Err(ApiError::rest(
                StatusCode::UNAUTHORIZED,
                "rest_user_cannot_view",
                "Sorry, you are not allowed to list users.",
            ));
        }
        user
    };
    let site_url = site_url(&state);
    let urls = Urls {
        site: &site_url,
        site_clock: &state.wordpress.site,
    };
    let fields = params.list("_fields").unwrap_or_default();
    let body = render::only_fields(render::user(&urls, user, context), &fields);
    Ok(json_response(StatusCode::OK, &body))
}
