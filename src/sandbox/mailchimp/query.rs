//! Query strings, paging and Mailchimp's error answers for the data endpoints.

use std::collections::HashMap;

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde_json::{Value, json};

use super::fields;

/// Mailchimp's default and largest `count`.
pub(crate) const DEFAULT_COUNT: usize = 10;
pub(crate) const MAX_COUNT: usize = 1000;

const ERROR_DOCS: &str = "https://mailchimp.com/developer/marketing/docs/errors/";

/// An error answer in Mailchimp's problem+json shape.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ApiError {
    /// 404 "Resource Not Found".
    NotFound,
    /// 405 "Method Not Allowed".
    MethodNotAllowed,
    /// 400 "Invalid Resource", with `errors: [{field, message}]`.
    Invalid(Vec<(String, String)>),
    /// 400 "Bad Request": the resource's state forbids the request.
    BadRequest(String),
    /// 400 for a body that is not JSON.
    JsonParse,
    /// 400 with its own title, e.g. "Member In Compliance State".
    Titled { title: &'static str, detail: String },
}

impl ApiError {
    pub(crate) fn field(field: &str, message: impl Into<String>) -> ApiError {
        ApiError::Invalid(vec![(field.to_owned(), message.into())])
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, title, detail, errors) = match self {
            ApiError::NotFound => (
                StatusCode::NOT_FOUND,
                "Resource Not Found",
                "The requested resource could not be found.".to_owned(),
                None,
            ),
            ApiError::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "Method Not Allowed",
                "The requested method and resource are not compatible. See the Allow header for this \
                 resource's available methods."
                    .to_owned(),
                None,
            ),
            ApiError::Invalid(errors) => (
                StatusCode::BAD_REQUEST,
                "Invalid Resource",
                "The resource submitted could not be validated. For field-specific details, see the 'errors' array."
                    .to_owned(),
                Some(errors),
            ),
            ApiError::BadRequest(detail) => (StatusCode::BAD_REQUEST, "Bad Request", detail, None),
            ApiError::JsonParse => (
                StatusCode::BAD_REQUEST,
                "JSON Parse Exception",
                "We encountered an unspecified JSON parsing error.".to_owned(),
                None,
            ),
            ApiError::Titled { title, detail } => (StatusCode::BAD_REQUEST, title, detail, None),
        };
        let mut body = json!({
            "type": ERROR_DOCS,
            "title": title,
            "status": status.as_u16(),
            "detail": detail,
            "instance": uuid::Uuid::new_v4().to_string(),
        });
        if let Some(errors) = errors {
            body["errors"] = errors
                .into_iter()
                .map(|(field, message)| json!({ "field": field, "message": message }))
                .collect();
        }
        (
            status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            body.to_string(),
        )
            .into_response()
    }
}

/// A request's query parameters; the last of repeated names wins.
#[derive(Debug, Default)]
pub(crate) struct Query(HashMap<String, String>);

/// `count` and `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Page {
    pub(crate) count: usize,
    pub(crate) offset: usize,
}

impl Page {
    /// The page's slice of `items`, and the total.
    pub(crate) fn of<T>(self, items: &[T]) -> &[T] {
        let start = self.offset.min(items.len());
        let end = start.saturating_add(self.count).min(items.len());
        &items[start..end]
    }
}

impl Query {
    pub(crate) fn parse(raw: Option<&str>) -> Query {
        let pairs = url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()).into_owned();
        Query(pairs.collect())
    }

    /// A non-blank parameter.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
    }

    pub(crate) fn page(&self) -> Result<Page, ApiError> {
        let number = |name: &str, default: usize| -> Result<usize, ApiError> {
            match self.get(name) {
                None => Ok(default),
                Some(v) => v
                    .parse::<usize>()
                    .map_err(|_| ApiError::field(name, format!("{name} must be a non-negative integer."))),
            }
        };
        let count = number("count", DEFAULT_COUNT)?;
        if count > MAX_COUNT {
            return Err(ApiError::field(
                "count",
                format!("count must be less than or equal to {MAX_COUNT}."),
            ));
        }
        Ok(Page {
            count,
            offset: number("offset", 0)?,
        })
    }

    /// An ISO 8601 time such as `2015-10-21T15:41:36+00:00`. A `+` sent
    /// unencoded arrives as a space; it is read back as the `+` it was.
    pub(crate) fn time(&self, name: &str) -> Result<Option<Timestamp>, ApiError> {
        let Some(raw) = self.get(name) else {
            return Ok(None);
        };
        let text = raw.replace(' ', "+");
        text.parse::<Timestamp>().map(Some).map_err(|_| {
            ApiError::field(
                name,
                format!("{raw:?} is not a valid date-time; use ISO 8601, e.g. 2015-10-21T15:41:36+00:00."),
            )
        })
    }

    /// A parameter that must be one of `allowed`.
    pub(crate) fn one_of<'a>(&'a self, name: &str, allowed: &[&str]) -> Result<Option<&'a str>, ApiError> {
        match self.get(name) {
            Some(v) if !allowed.contains(&v) => Err(ApiError::field(
                name,
                format!("{name} must be one of: {}.", allowed.join(", ")),
            )),
            other => Ok(other),
        }
    }

    /// `body` trimmed by `fields` / `exclude_fields`, as a 200 JSON answer.
    pub(crate) fn respond(&self, body: Value) -> Response {
        Json(fields::trim(body, self.get("fields"), self.get("exclude_fields"))).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_defaults_caps_and_refuses() {
        assert_eq!(Query::parse(None).page(), Ok(Page { count: 10, offset: 0 }));
        assert_eq!(
            Query::parse(Some("count=1000&offset=5")).page(),
            Ok(Page { count: 1000, offset: 5 })
        );
        assert!(matches!(Query::parse(Some("count=1001")).page(), Err(ApiError::Invalid(e)) if e[0].0 == "count"));
        assert!(matches!(Query::parse(Some("offset=-1")).page(), Err(ApiError::Invalid(e)) if e[0].0 == "offset"));
        let items = [1, 2, 3];
        assert_eq!(Page { count: 2, offset: 2 }.of(&items), &[3]);
        assert!(Page { count: 2, offset: 9 }.of(&items).is_empty());
    }

    #[test]
    fn times_accept_an_unencoded_plus() {
        let q = Query::parse(Some(
            "a=2025-01-02T03:04:05+00:00&b=2025-01-02T03:04:05%2B01:00&c=yesterday",
        ));
        assert_eq!(q.time("a").unwrap().unwrap().to_string(), "2025-01-02T03:04:05Z");
        assert_eq!(q.time("b").unwrap().unwrap().to_string(), "2025-01-02T02:04:05Z");
        assert!(q.time("c").is_err());
        assert_eq!(q.time("missing"), Ok(None));
    }
}
