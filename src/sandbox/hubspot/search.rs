//! `POST /crm/v3/objects/{type}/search` for every object type: the request
//! body, filters and sorts, checked against the type's schema.
//!
//! Filter groups are ORed, filters inside a group ANDed. Comparisons follow
//! the property's kind: numbers as numbers, dates as instants (a filter value
//! may be epoch milliseconds or an RFC 3339 time), everything else as
//! case-insensitive text.

use std::cmp::Ordering;

use serde::Deserialize;
use serde_json::Value;

use super::records::{Kind, Objects, Record, Schema, hubspot_time, parse_datetime};

/// HubSpot's limits on one search request.
pub(crate) const MAX_LIMIT: usize = 200;
pub(crate) const DEFAULT_LIMIT: usize = 10;
const MAX_GROUPS: usize = 5;
const MAX_FILTERS_PER_GROUP: usize = 6;
const MAX_FILTERS: usize = 18;
/// No query returns results past the 10,000th: `after` at or beyond is a 400.
pub(crate) const MAX_RESULTS: usize = 10_000;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SearchRequest {
    #[serde(default)]
    filter_groups: Vec<FilterGroup>,
    #[serde(default)]
    pub(crate) properties: Vec<String>,
    #[serde(default)]
    sorts: Vec<Sort>,
    #[serde(default)]
    limit: Option<usize>,
    /// A string in the spec; numbers are taken too.
    #[serde(default)]
    after: Option<Value>,
    /// Free text over the default searchable properties.
    #[serde(default)]
    query: Option<String>,
}

#[derive(Debug, Deserialize)]
struct FilterGroup {
    #[serde(default)]
    filters: Vec<Filter>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Filter {
    property_name: String,
    operator: Operator,
    #[serde(default)]
    value: Option<Value>,
    #[serde(default)]
    high_value: Option<Value>,
    #[serde(default)]
    values: Vec<Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
enum Operator {
    Eq,
    Neq,
    Lt,
    Lte,
    Gt,
    Gte,
    Between,
    In,
    NotIn,
    HasProperty,
    NotHasProperty,
    ContainsToken,
    NotContainsToken,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Sort {
    Object {
        #[serde(rename = "propertyName")]
        property_name: String,
        #[serde(default)]
        direction: Option<Direction>,
    },
    /// `"createdate"`, or `"-createdate"` for descending.
    Name(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
enum Direction {
    Ascending,
    Descending,
}

/// A checked request, ready to run.
#[derive(Debug)]
pub(crate) struct Query {
    groups: Vec<Vec<Check>>,
    sort: Option<(&'static str, Kind, Direction)>,
    text: Option<String>,
    pub(crate) limit: usize,
    pub(crate) offset: usize,
}

#[derive(Debug)]
struct Check {
    property: &'static str,
    kind: Kind,
    operator: Operator,
    /// Normalised for `kind`: dates as [`hubspot_time`] strings, text lowercased.
    values: Vec<String>,
}

/// One page of matches.
pub(crate) struct Page<'a> {
    pub(crate) total: usize,
    pub(crate) results: Vec<&'a Record>,
    /// The next page's `after`, when there are more matches.
    pub(crate) next: Option<usize>,
}

impl SearchRequest {
    /// Checks the request against `schema` and HubSpot's limits; the error
    /// is the message of a VALIDATION_ERROR.
    pub(crate) fn compile(&self, schema: &Schema) -> Result<Query, String> {
        if self.filter_groups.len() > MAX_GROUPS {
            return Err(format!("at most {MAX_GROUPS} filterGroups are allowed"));
        }
        let total: usize = self.filter_groups.iter().map(|g| g.filters.len()).sum();
        if total > MAX_FILTERS {
            return Err(format!("at most {MAX_FILTERS} filters are allowed in all filterGroups"));
        }
        let mut groups = Vec::with_capacity(self.filter_groups.len());
        for group in &self.filter_groups {
            if group.filters.len() > MAX_FILTERS_PER_GROUP {
                return Err(format!(
                    "at most {MAX_FILTERS_PER_GROUP} filters are allowed in a filterGroup"
                ));
            }
            groups.push(
                group
                    .filters
                    .iter()
                    .map(|f| f.compile(schema))
                    .collect::<Result<_, _>>()?,
            );
        }
        let sort = match self.sorts.as_slice() {
            [] => None,
            [sort] => {
                let (name, direction) = match sort {
                    Sort::Object {
                        property_name,
                        direction,
                    } => (property_name.as_str(), direction.unwrap_or(Direction::Ascending)),
                    Sort::Name(name) => match name.strip_prefix('-') {
                        Some(name) => (name, Direction::Descending),
                        None => (name.as_str(), Direction::Ascending),
                    },
                };
                let def = schema
                    .property(name)
                    .ok_or_else(|| format!("Unable to sort on unknown property {name:?}"))?;
                Some((def.name, def.kind, direction))
            }
            _ => return Err("only one sort is allowed".to_owned()),
        };
        let limit = match self.limit {
            None => DEFAULT_LIMIT,
            Some(n) if (1..=MAX_LIMIT).contains(&n) => n,
            Some(n) => return Err(format!("limit must be between 1 and {MAX_LIMIT}, got {n}")),
        };
        let offset = match &self.after {
            None | Some(Value::Null) => 0,
            Some(Value::String(s)) if s.is_empty() => 0,
            Some(Value::String(s)) => s
                .parse()
                .map_err(|_| format!("after must be a paging cursor, got {s:?}"))?,
            Some(Value::Number(n)) => n
                .as_u64()
                .and_then(|n| usize::try_from(n).ok())
                .ok_or_else(|| format!("after must be a paging cursor, got {n}"))?,
            Some(other) => return Err(format!("after must be a paging cursor, got {other}")),
        };
        Ok(Query {
            groups,
            sort,
            text: self
                .query
                .as_deref()
                .map(str::trim)
                .filter(|q| !q.is_empty())
                .map(str::to_lowercase),
            limit,
            offset,
        })
    }
}

impl Filter {
    fn compile(&self, schema: &Schema) -> Result<Check, String> {
        let def = schema
            .property(&self.property_name)
            .ok_or_else(|| format!("Property {:?} does not exist", self.property_name))?;
        let normalise =
            |v: &Value| normalise(def.kind, v).ok_or_else(|| format!("{v} is not a valid {} value", def.name));
        let values = match self.operator {
            Operator::HasProperty | Operator::NotHasProperty => Vec::new(),
            Operator::In | Operator::NotIn => {
                if self.values.is_empty() {
                    return Err(format!("{:?} needs values", self.operator));
                }
                self.values.iter().map(normalise).collect::<Result<_, _>>()?
            }
            Operator::Between => {
                let (Some(low), Some(high)) = (&self.value, &self.high_value) else {
                    return Err("BETWEEN needs value and highValue".to_owned());
                };
                vec![normalise(low)?, normalise(high)?]
            }
            _ => {
                let Some(value) = &self.value else {
                    return Err(format!("{:?} needs a value", self.operator));
                };
                vec![normalise(value)?]
            }
        };
        Ok(Check {
            property: def.name,
            kind: def.kind,
            operator: self.operator,
            values,
        })
    }
}

/// A filter value in the form records are compared in.
fn normalise(kind: Kind, value: &Value) -> Option<String> {
    let text = match value {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return None,
    };
    match kind {
        Kind::Number => text.parse::<f64>().ok().map(|_| text),
        // A bare date means its midnight, UTC.
        Kind::DateTime => parse_datetime(&text).map(hubspot_time),
        _ => Some(text.to_lowercase()),
    }
}

/// Compares a record's value with a normalised filter value.
fn compare(kind: Kind, value: &str, against: &str) -> Option<Ordering> {
    match kind {
        Kind::Number => value.parse::<f64>().ok()?.partial_cmp(&against.parse::<f64>().ok()?),
        // Both are fixed-width hubspot_time strings.
        Kind::DateTime => Some(value.cmp(against)),
        _ => Some(value.to_lowercase().as_str().cmp(against)),
    }
}

impl Check {
    fn matches(&self, record: &Record) -> bool {
        let value = record.value(self.property);
        let value = value.as_deref().filter(|v| !v.is_empty());
        let cmp = |against: &str| value.and_then(|v| compare(self.kind, v, against));
        let first = self.values.first().map(String::as_str).unwrap_or_default();
        match self.operator {
            Operator::HasProperty => value.is_some(),
            Operator::NotHasProperty => value.is_none(),
            Operator::Eq => cmp(first) == Some(Ordering::Equal),
            Operator::Neq => cmp(first) != Some(Ordering::Equal),
            Operator::Lt => cmp(first) == Some(Ordering::Less),
            Operator::Lte => matches!(cmp(first), Some(Ordering::Less | Ordering::Equal)),
            Operator::Gt => cmp(first) == Some(Ordering::Greater),
            Operator::Gte => matches!(cmp(first), Some(Ordering::Greater | Ordering::Equal)),
            Operator::Between => {
                let high = self.values.get(1).map(String::as_str).unwrap_or_default();
                matches!(cmp(first), Some(Ordering::Greater | Ordering::Equal))
                    && matches!(cmp(high), Some(Ordering::Less | Ordering::Equal))
            }
            Operator::In => self.values.iter().any(|v| cmp(v) == Some(Ordering::Equal)),
            Operator::NotIn => !self.values.iter().any(|v| cmp(v) == Some(Ordering::Equal)),
            Operator::ContainsToken => value.is_some_and(|v| contains_token(v, first)),
            Operator::NotContainsToken => !value.is_some_and(|v| contains_token(v, first)),
        }
    }
}

/// HubSpot's token match: whole words, or a `*` wildcard pattern such as
/// `*@contoso.example` over the whole value.
fn contains_token(value: &str, token: &str) -> bool {
    let value = value.to_lowercase();
    if token.contains('*') {
        return glob(&value, token);
    }
    value.split(|c: char| !c.is_alphanumeric()).any(|word| word == token)
}

fn glob(text: &str, pattern: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let (Some(first), Some(last)) = (parts.first(), parts.last()) else {
        return false;
    };
    if !text.starts_with(first) {
        return false;
    }
    let mut rest = &text[first.len()..];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    parts.len() > 1 && rest.ends_with(last) || parts.len() == 1 && rest.is_empty()
}

impl Query {
    fn matches(&self, schema: &Schema, record: &Record) -> bool {
        let groups = self.groups.is_empty() || self.groups.iter().any(|g| g.iter().all(|c| c.matches(record)));
        groups && self.text.as_deref().is_none_or(|q| text_matches(schema, record, q))
    }

    /// Runs over live records. Without a sort, matches come in id order,
    /// as the map keeps them: no sorting needed.
    pub(crate) fn run<'a>(&self, objects: &'a Objects) -> Page<'a> {
        let mut matches: Vec<&Record> = objects
            .records
            .values()
            .filter(|r| !r.archived && self.matches(objects.schema, r))
            .collect();
        if let Some((name, kind, direction)) = self.sort {
            // Keys computed once per record, not once per comparison.
            let mut keyed: Vec<(Option<SortKey>, &Record)> = matches
                .into_iter()
                .map(|r| (r.value(name).map(|v| SortKey::of(kind, &v)), r))
                .collect();
            // Records without a value go last either way; ids break ties.
            keyed.sort_by(|(ka, a), (kb, b)| {
                let order = match (ka, kb) {
                    (Some(x), Some(y)) => {
                        let o = x.cmp(y);
                        if direction == Direction::Descending {
                            o.reverse()
                        } else {
                            o
                        }
                    }
                    (Some(_), None) => Ordering::Less,
                    (None, Some(_)) => Ordering::Greater,
                    (None, None) => Ordering::Equal,
                };
                order.then(a.id.cmp(&b.id))
            });
            matches = keyed.into_iter().map(|(_, r)| r).collect();
        }
        let total = matches.len();
        let end = (self.offset + self.limit).min(total);
        let results = matches.get(self.offset..end).map(<[_]>::to_vec).unwrap_or_default();
        Page {
            total,
            results,
            next: (end < total).then_some(end),
        }
    }
}

/// A value in sort order: numbers by value (text that is not a number sorts
/// after every number), dates by instant, the rest case-insensitively.
#[derive(Debug, PartialEq)]
enum SortKey {
    Number(f64),
    Text(String),
}

impl SortKey {
    fn of(kind: Kind, value: &str) -> SortKey {
        match kind {
            Kind::Number => value
                .parse()
                .map_or_else(|_| SortKey::Text(value.to_owned()), SortKey::Number),
            // Fixed-width hubspot_time strings sort as instants.
            Kind::DateTime => SortKey::Text(value.to_owned()),
            _ => SortKey::Text(value.to_lowercase()),
        }
    }

    fn cmp(&self, other: &SortKey) -> Ordering {
        match (self, other) {
            (SortKey::Number(a), SortKey::Number(b)) => a.total_cmp(b),
            (SortKey::Number(_), SortKey::Text(_)) => Ordering::Less,
            (SortKey::Text(_), SortKey::Number(_)) => Ordering::Greater,
            (SortKey::Text(a), SortKey::Text(b)) => a.cmp(b),
        }
    }
}

/// The free-text `query`: a substring of one of the type's searchable properties.
fn text_matches(schema: &Schema, record: &Record, query: &str) -> bool {
    schema
        .searchable
        .iter()
        .filter_map(|p| record.get(p))
        .any(|v| v.to_lowercase().contains(query))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_tokens() {
        assert!(glob("ann@contoso.example", "*@contoso.example"));
        assert!(glob("ann@contoso.example", "ann*"));
        assert!(glob("ann@contoso.example", "a*@*example"));
        assert!(!glob("ann@contoso.example", "*@fabrikam.example"));
        assert!(contains_token("Ann Lee", "lee"));
        assert!(!contains_token("Ann Leeds", "lee"));
    }

    #[test]
    fn date_values_take_milliseconds_times_and_dates() {
        let expected = Some("2023-01-01T00:00:00.000Z".to_owned());
        for v in [
            Value::from(1_672_531_200_000_i64),
            Value::from("1672531200000"),
            Value::from("2023-01-01T00:00:00Z"),
            Value::from("2023-01-01"),
        ] {
            assert_eq!(normalise(Kind::DateTime, &v), expected, "{v}");
        }
        assert_eq!(normalise(Kind::Number, &Value::from("x")), None);
    }
}
