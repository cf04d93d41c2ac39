//! Request parameters and WordPress's validation of them
//! (`rest_validate_value_from_schema`): every invalid parameter is reported
//! at once, under `data.params` and `data.details`.

use serde_json::{Value, json};

use super::ApiError;
use super::store::WpDate;

/// Query-string (or form) parameters, in order. PHP keeps the last value
/// of a repeated name; `name[]=a&name[]=b` is a list.
#[derive(Debug, Default)]
pub(crate) struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    pub(crate) fn parse(raw: Option<&str>) -> Params {
        let pairs = raw
            .map(|q| url::form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default();
        Params { pairs }
    }

    pub(crate) fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A list parameter: `name[]` values, else `name` split on commas and
    /// spaces (`wp_parse_list`).
    pub(crate) fn list(&self, name: &str) -> Option<Vec<String>> {
        let bracketed = format!("{name}[]");
        let items: Vec<String> = self
            .pairs
            .iter()
            .filter(|(k, _)| *k == bracketed)
            .map(|(_, v)| v.clone())
            .collect();
        if !items.is_empty() {
            return Some(items);
        }
        self.get(name).map(|v| {
            v.split(|c: char| c == ',' || c.is_whitespace())
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
    }
}

/// One invalid parameter: its message and the error behind it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ParamError {
    pub(crate) param: String,
    pub(crate) message: String,
    pub(crate) code: &'static str,
    pub(crate) data: Value,
}

impl ParamError {
    pub(crate) fn new(param: &str, code: &'static str, message: String) -> ParamError {
        ParamError {
            param: param.to_owned(),
            message,
            code,
            data: Value::Null,
        }
    }

    /// Reported under the list parameter `name` (the message names the item).
    fn under(mut self, name: &str) -> ParamError {
        name.clone_into(&mut self.param);
        self
    }

    /// The sanitizer's refusal of a status the caller may not list.
    pub(crate) fn forbidden_status() -> ParamError {
        ParamError {
            param: "status".to_owned(),
            message: "Status is forbidden.".to_owned(),
            code: "rest_forbidden_status",
            data: json!({ "status": 401 }),
        }
    }
}

/// Collects validation errors over a request's parameters.
pub(crate) struct Check<'a> {
    params: &'a Params,
    errors: Vec<ParamError>,
}

impl<'a> Check<'a> {
    pub(crate) fn new(params: &'a Params) -> Check<'a> {
        Check {
            params,
            errors: Vec::new(),
        }
    }

    pub(crate) fn fail(&mut self, error: ParamError) {
        self.errors.push(error);
    }

    /// An integer in `min..=max` (`max` optional), else `default`.
    pub(crate) fn integer(&mut self, name: &str, default: i64, min: i64, max: Option<i64>) -> i64 {
        let Some(raw) = self.params.get(name) else {
            return default;
        };
        let Some(n) = parse_integer(raw) else {
            self.fail(not_integer(name));
            return default;
        };
        let message = match max {
            Some(max) if n < min || n > max => {
                format!("{name} must be between {min} (inclusive) and {max} (inclusive)")
            }
            None if n < min => format!("{name} must be greater than or equal to {min}"),
            _ => return n,
        };
        self.fail(ParamError::new(name, "rest_out_of_bounds", message));
        default
    }

    /// One of `allowed`, else `default`.
    pub(crate) fn one_of(&mut self, name: &str, allowed: &[&'static str], default: &'static str) -> &'static str {
        let Some(raw) = self.params.get(name) else {
            return default;
        };
        match allowed.iter().find(|a| **a == raw) {
            Some(found) => found,
            None => {
                self.fail(not_in_enum(name, allowed));
                default
            }
        }
    }

    /// A `date-time` parameter.
    pub(crate) fn date(&mut self, name: &str) -> Option<WpDate> {
        let raw = self.params.get(name)?;
        let parsed = WpDate::parse(raw);
        if parsed.is_none() {
            self.fail(invalid_date(name));
        }
        parsed
    }

    /// A list of ids; the first bad item is reported as `name[i]`.
    pub(crate) fn ids(&mut self, name: &str) -> Option<Vec<u64>> {
        let items = self.params.list(name)?;
        let mut ids = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            match parse_integer(item).and_then(|n| u64::try_from(n).ok()) {
                Some(id) => ids.push(id),
                None => {
                    self.fail(not_integer(&format!("{name}[{i}]")).under(name));
                    return None;
                }
            }
        }
        Some(ids)
    }

    /// A list of strings, each one of `allowed` when given.
    pub(crate) fn strings(&mut self, name: &str, allowed: Option<&[&'static str]>) -> Option<Vec<String>> {
        let items = self.params.list(name)?;
        if let Some(allowed) = allowed
            && let Some(i) = items.iter().position(|item| !allowed.contains(&item.as_str()))
        {
            self.fail(not_in_enum(&format!("{name}[{i}]"), allowed).under(name));
            return None;
        }
        Some(items)
    }

    pub(crate) fn finish(self) -> Result<(), ApiError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::InvalidParams(self.errors))
        }
    }
}

/// PHP's `rest_is_integer`: digits, or a number with no fraction.
fn parse_integer(raw: &str) -> Option<i64> {
    let raw = raw.trim();
    raw.parse::<i64>().ok().or_else(|| {
        let f = raw.parse::<f64>().ok()?;
        // Whole numbers within i64 convert exactly enough for paging values.
        (f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e15).then_some(f as i64)
    })
}

pub(crate) fn not_integer(name: &str) -> ParamError {
    ParamError::new(name, "rest_invalid_type", format!("{name} is not of type integer."))
}

pub(crate) fn not_in_enum(name: &str, allowed: &[&str]) -> ParamError {
    ParamError::new(
        name,
        "rest_not_in_enum",
        format!("{name} is not one of {}.", allowed.join(", ")),
    )
}

pub(crate) fn invalid_date(name: &str) -> ParamError {
    ParamError::new(name, "rest_invalid_date", "Invalid date.".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_come_comma_separated_or_bracketed() {
        let p = Params::parse(Some("status=draft,pending&include[]=4&include[]=9&x=1&x=2"));
        assert_eq!(p.list("status").unwrap(), ["draft", "pending"]);
        assert_eq!(p.list("include").unwrap(), ["4", "9"]);
        assert_eq!(p.get("x"), Some("2"));
        assert_eq!(p.list("nothing"), None);
    }

    #[test]
    fn check_collects_every_invalid_parameter() {
        let p = Params::parse(Some("per_page=0&page=x&order=up&include=3,b&modified_after=soon"));
        let mut c = Check::new(&p);
        assert_eq!(c.integer("per_page", 10, 1, Some(100)), 10);
        assert_eq!(c.integer("page", 1, 1, None), 1);
        assert_eq!(c.one_of("order", &["asc", "desc"], "desc"), "desc");
        assert_eq!(c.ids("include"), None);
        assert_eq!(c.date("modified_after"), None);
        let messages: Vec<(String, String)> = c.errors.iter().map(|e| (e.param.clone(), e.message.clone())).collect();
        assert_eq!(
            messages,
            [
                ("per_page", "per_page must be between 1 (inclusive) and 100 (inclusive)"),
                ("page", "page is not of type integer."),
                ("order", "order is not one of asc, desc."),
                ("include", "include[1] is not of type integer."),
                ("modified_after", "Invalid date."),
            ]
            .map(|(a, b)| (a.to_owned(), b.to_owned()))
        );
    }
}
