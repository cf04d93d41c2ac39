//! Parsers never panic: every vendor response parser, the probe classifier
//! and the config parser, on arbitrary bytes, arbitrary JSON and "almost
//! right" JSON (real shapes with fields missing, null, of the wrong type,
//! numbers as strings, huge numbers, unknown enum values, deep nesting).
//! Beyond not panicking, what they do return keeps the promises the panes
//! rely on (ids present, rates within 0..=1, one-line summaries).

use std::time::Duration;

use mops::config::ConfigError;
use mops::http::HttpError;
use mops::model::HealthStatus;
use mops::sources::fuzzing::{self, Page, Vendor};
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{Value, json};

const CASES: u32 = 256;

/// One parser: its name, a real answer it reads, and a run that reports a
/// broken promise (not a failure to parse, which is allowed) as `Err`.
struct Parser {
    name: &'static str,
    seed: fn() -> Value,
    run: fn(&[u8]) -> Result<(), String>,
}

fn page<T>(name: &str, got: Result<Page<T>, String>, ok: impl Fn(&T) -> bool) -> Result<(), String> {
    match got {
        Ok(page) if !page.items.iter().all(ok) => Err(format!("{name}: a record broke its invariant")),
        Ok(_) => Ok(()),
        Err(why) if why.is_empty() => Err(format!("{name}: an empty reason")),
        Err(_) => Ok(()),
    }
}

fn filled(s: &str) -> bool {
    !s.trim().is_empty()
}

fn unit_rate(r: f64) -> bool {
    r.is_finite() && (0.0..=1.0).contains(&r)
}

/// A vendor error comes only from a JSON body: an HTML error page from a
/// proxy or a WAF is no vendor's word.
fn vendor_error(name: &str, bytes: &[u8], got: Option<mops::model::VendorError>) -> Result<(), String> {
    match got {
        Some(e) if !bytes.trim_ascii_start().starts_with(b"{") && !bytes.trim_ascii_start().starts_with(b"[") => {
            Err(format!("{name}: {e:?} read from a body that is not JSON"))
        }
        _ => Ok(()),
    }
}

fn parsers() -> Vec<Parser> {
    vec![
        Parser {
            name: "mailchimp_campaigns",
            seed: || {
                json!({"campaigns": [
                    {"id": "42694e9e57", "web_id": 5, "type": "regular", "status": "sent",
                     "create_time": "2026-11-01T10:00:00+00:00", "send_time": "2026-11-02T09:00:00+00:00",
                     "emails_sent": 1200,
                     "settings": {"subject_line": "Save 30%", "title": "Teaser", "from_name": "Shop"},
                     "recipients": {"list_id": "b1", "list_name": "Customers", "recipient_count": 1210}},
                    {"id": "d1", "type": "regular", "status": "save", "send_time": "", "create_time": null,
                     "settings": {"title": "Draft"}, "recipients": {"list_id": "b1"}}
                ], "total_items": 2})
            },
            run: |b| page("campaigns", fuzzing::mailchimp_campaigns(b), |c| filled(&c.id)),
        },
        Parser {
            name: "mailchimp_reports",
            seed: || {
                json!({"reports": [{"id": "42694e9e57", "emails_sent": 1000, "unsubscribed": 7, "abuse_reports": 1,
                    "opens": {"unique_opens": 420, "open_rate": 0.42},
                    "clicks": {"unique_subscriber_clicks": 55, "click_rate": 0.055},
                    "bounces": {"hard_bounces": 30, "soft_bounces": 12, "syntax_errors": 3}}], "total_items": 1})
            },
            run: |b| {
                page("reports", fuzzing::mailchimp_reports(b), |(id, r)| {
                    filled(id) && unit_rate(r.open_rate) && unit_rate(r.click_rate)
                })
            },
        },
        Parser {
            name: "mailchimp_report",
            seed: || {
                json!({"id": "42694e9e57", "emails_sent": 1000, "opens": {"unique_opens": 420, "open_rate": 0.42},
                    "clicks": {"click_rate": 0.055}, "bounces": {"hard_bounces": 30}})
            },
            run: |b| match fuzzing::mailchimp_report(b) {
                Ok(Some((id, r))) if !(filled(&id) && unit_rate(r.open_rate) && unit_rate(r.click_rate)) => {
                    Err("report: a broken record".into())
                }
                _ => Ok(()),
            },
        },
        Parser {
            name: "mailchimp_lists",
            seed: || {
                json!({"lists": [{"id": "b1", "name": "Customers",
                    "stats": {"member_count": 1210, "unsubscribe_count": 12, "cleaned_count": 3}}], "total_items": 1})
            },
            run: |b| page("lists", fuzzing::mailchimp_lists(b), |a| filled(&a.id)),
        },
        Parser {
            name: "mailchimp_members",
            seed: || {
                json!({"members": [
                    {"id": "f1e2", "email_address": "ann@acme.example", "status": "subscribed",
                     "last_changed": "2026-11-20T08:00:00+00:00",
                     "merge_fields": {"FNAME": "Ann", "LNAME": "Lee", "BIRTHDAY": "01/02"}},
                    {"id": "a9b8", "email_address": "bob@acme.example", "status": "Unsubscribed",
                     "last_changed": "2026-11-21T08:00:00+00:00"}
                ], "total_items": 2})
            },
            run: |b| {
                page("members", fuzzing::mailchimp_members(b), |m| {
                    filled(&m.id) && filled(&m.email)
                })
            },
        },
        Parser {
            name: "hubspot_contacts",
            seed: || {
                json!({"results": [{"id": "101", "properties": {
                    "email": "ann@acme.example", "firstname": "Ann", "lastname": "Lee", "company": "Acme",
                    "lifecyclestage": "lead", "hubspot_owner_id": "77",
                    "hs_lastmodifieddate": "2026-11-20T08:00:00.123Z", "createdate": "1700000000000",
                    "hs_email_optout": "false"},
                    "createdAt": "2025-01-01T00:00:00Z", "updatedAt": "2025-01-01T00:00:00Z", "archived": false}],
                    "paging": {"next": {"after": "101", "link": "https://api.hubapi.com/x"}}})
            },
            run: |b| page("contacts", fuzzing::hubspot_contacts(b), |c| filled(&c.id)),
        },
        Parser {
            name: "hubspot_deals",
            seed: || {
                json!({"results": [{"id": "9001", "properties": {"dealname": "Renewal", "amount": "1250.50",
                    "dealstage": "closedwon", "pipeline": "default", "closedate": "2026-12-01",
                    "hubspot_owner_id": "77"},
                    "associations": {"contacts": {"results": [{"id": "101", "type": "deal_to_contact"},
                        {"id": 102, "type": "deal_to_contact"}]}}}]})
            },
            run: |b| {
                page("deals", fuzzing::hubspot_deals(b), |d| {
                    filled(&d.id) && d.amount.is_none_or(f64::is_finite) && d.contact_ids.iter().all(|c| filled(c))
                })
            },
        },
        Parser {
            name: "hubspot_tasks",
            seed: || {
                json!({"total": 1, "results": [{"id": "5001", "properties": {
                    "hs_task_subject": "Call Ann back", "hs_task_body": "<p>Renewal</p>",
                    "hs_task_status": "IN_PROGRESS", "hs_task_priority": "HIGH", "hs_task_type": "CALL",
                    "hs_timestamp": "2026-11-23T09:00:00.000Z", "hubspot_owner_id": "77",
                    "hs_lastmodifieddate": "2026-11-20T08:00:00Z"}, "updatedAt": "2026-11-20T08:00:00Z"}]})
            },
            run: |b| page("tasks", fuzzing::hubspot_tasks(b), |t| filled(&t.id)),
        },
        Parser {
            name: "hubspot_owners",
            seed: || {
                json!({"results": [{"id": "77", "email": "sam@acme.example", "firstName": "Sam",
                    "lastName": "Ray", "archived": false}]})
            },
            run: |b| page("owners", fuzzing::hubspot_owners(b), |o| filled(&o.id)),
        },
        Parser {
            name: "hubspot_pipelines",
            seed: || {
                json!({"results": [{"id": "default", "label": "Sales", "displayOrder": 0, "stages": [
                    {"id": "appt", "label": "Appointment", "displayOrder": 1,
                     "metadata": {"probability": "0.2", "isClosed": "false"}},
                    {"id": "closedwon", "label": "Won", "displayOrder": 5,
                     "metadata": {"probability": "1.0", "isClosed": "true"}}]}]})
            },
            run: |b| {
                page("pipelines", fuzzing::hubspot_pipelines(b), |p| {
                    filled(&p.id)
                        && p.stages
                            .iter()
                            .all(|s| filled(&s.id) && s.probability.is_none_or(unit_rate))
                })
            },
        },
        Parser {
            name: "wordpress_posts",
            seed: || {
                json!([{"id": 7, "date": "2026-11-20T04:00:00", "date_gmt": "2026-11-20T09:00:00",
                    "modified": "2026-11-19T05:00:00", "modified_gmt": "2026-11-19T10:00:00",
                    "slug": "hello", "status": "future", "link": "https://blog.example.com/hello",
                    "title": {"rendered": "Tom &amp; <em>Jerry</em>"}, "author": 3},
                   {"id": "8", "status": "draft", "date": "2026-11-20T04:00:00", "date_gmt": "0000-00-00T00:00:00",
                    "title": {"raw": "Draft"}, "author": "2"}])
            },
            run: |b| {
                page("posts", fuzzing::wordpress_posts(b), |p| {
                    p.id > 0 && !p.title.contains('\n')
                })
            },
        },
        Parser {
            name: "wordpress_users",
            seed: || json!([{"id": 2, "name": "Ann &amp; co", "slug": "ann"}, {"id": "3", "slug": "bob"}]),
            run: |b| page("users", fuzzing::wordpress_users(b), |a| a.id > 0),
        },
        Parser {
            name: "mailchimp_error",
            seed: || {
                json!({"type": "https://mailchimp.com/developer/marketing/docs/errors/", "title": "API Key Invalid",
                    "status": 401, "detail": "Your API key may be invalid.", "instance": "4c2a-11"})
            },
            run: |b| vendor_error("mailchimp_error", b, fuzzing::mailchimp_error(b)),
        },
        Parser {
            name: "hubspot_error",
            seed: || {
                json!({"status": "error", "message": "Authentication credentials not found.",
                    "correlationId": "b7f6a1", "category": "INVALID_AUTHENTICATION"})
            },
            run: |b| vendor_error("hubspot_error", b, fuzzing::hubspot_error(b)),
        },
        Parser {
            name: "wordpress_error",
            seed: || {
                json!({"code": "rest_not_logged_in", "message": "You are not currently logged in.",
                    "data": {"status": 401}})
            },
            run: |b| vendor_error("wordpress_error", b, fuzzing::wordpress_error(b)),
        },
        Parser {
            name: "probe_mailchimp",
            seed: || json!({"health_status": "Everything's Chimpy!"}),
            run: |b| probes(Vendor::Mailchimp, b),
        },
        Parser {
            name: "probe_hubspot",
            seed: || json!({"results": [{"id": "1"}], "paging": {"next": {"after": "2"}}}),
            run: |b| probes(Vendor::Hubspot, b),
        },
        Parser {
            name: "probe_wordpress",
            seed: || {
                json!({"name": "Blog", "url": "https://blog.example.com", "home": "https://blog.example.com",
                    "gmt_offset": "5.5", "timezone_string": "Asia/Kolkata", "namespaces": ["wp/v2"]})
            },
            run: |b| probes(Vendor::Wordpress, b),
        },
    ]
}

/// The body as a 200, a 401, a 429 with a long wait and a 503: each
/// classified into a one-line summary with the status the code implies.
fn probes(vendor: Vendor, body: &[u8]) -> Result<(), String> {
    for (code, wait) in [
        (200u16, None),
        (401, None),
        (429, Some(Duration::from_secs(u64::MAX))),
        (503, None),
    ] {
        let p = fuzzing::probe(vendor, code - 100, wait, body);
        let expected = match code {
            200 => matches!(p.status, HealthStatus::Ok | HealthStatus::Down),
            401 => p.status == HealthStatus::Auth,
            429 => p.status == HealthStatus::RateLimited,
            _ => p.status == HealthStatus::Down,
        };
        // A healthy line is the vendor's own words (Mailchimp's health_status);
        // every other summary is ours and must fit a one-line row.
        let ours = p.status != HealthStatus::Ok;
        if !expected || p.http_status != Some(code) || (ours && (p.summary.is_empty() || p.summary.contains('\n'))) {
            return Err(format!(
                "{vendor:?} probe on HTTP {code}: {:?} {:?}",
                p.status, p.summary
            ));
        }
    }
    Ok(())
}

fn run_all(bytes: &[u8]) -> Result<(), TestCaseError> {
    for parser in parsers() {
        (parser.run)(bytes).map_err(TestCaseError::fail)?;
    }
    Ok(())
}

// ---- arbitrary JSON ----

/// Field names the parsers look for, so arbitrary objects hit real paths.
const KEYS: &[&str] = &[
    "id",
    "status",
    "campaigns",
    "reports",
    "lists",
    "members",
    "results",
    "total_items",
    "paging",
    "next",
    "after",
    "properties",
    "settings",
    "recipients",
    "opens",
    "clicks",
    "bounces",
    "open_rate",
    "click_rate",
    "stats",
    "email_address",
    "last_changed",
    "title",
    "rendered",
    "date_gmt",
    "date",
    "author",
    "name",
    "gmt_offset",
    "timezone_string",
    "health_status",
    "detail",
    "message",
    "code",
    "category",
    "stages",
    "metadata",
    "probability",
    "associations",
    "contacts",
    "hs_timestamp",
    "createdate",
    "amount",
];

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,12}".prop_map(Value::String),
        prop::sample::select(vec![
            "",
            " ",
            "0",
            "-1",
            "1e308",
            "NaN",
            "2026-11-20T08:00:00Z",
            "0000-00-00T00:00:00",
            "1763625600000",
            "9999999999999999999999",
            "sent",
            "SUBSCRIBED",
            "COMPLETED",
            "true",
            "5.5",
            "<b>x</b>&amp;",
        ])
        .prop_map(|s| Value::String(s.to_owned())),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    json_leaf().prop_recursive(6, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..8)
                .prop_map(|fields| { Value::Object(fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()) }),
        ]
    })
}

// ---- almost right JSON ----

#[derive(Debug, Clone)]
enum Mutation {
    Remove,
    Null,
    WrongType(u8),
    NumberAsString,
    Huge(u8),
    UnknownEnum,
    Nest(u16),
    Text(String),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        Just(Mutation::Remove),
        Just(Mutation::Null),
        any::<u8>().prop_map(Mutation::WrongType),
        Just(Mutation::NumberAsString),
        any::<u8>().prop_map(Mutation::Huge),
        Just(Mutation::UnknownEnum),
        (1u16..160).prop_map(Mutation::Nest),
        ".{0,8}".prop_map(Mutation::Text),
    ]
}

/// Raw number text no `Value` can hold; spliced in after serialising.
const RAW: &str = "__raw_number__";
const RAW_NUMBERS: &[&str] = &[
    "1e400",
    "-1e400",
    "123456789012345678901234567890",
    "-0",
    "1.7976931348623157e308",
    "18446744073709551616",
];

/// Every path in `v`, parents before children.
fn paths(v: &Value, here: &mut Vec<PathStep>, out: &mut Vec<Vec<PathStep>>) {
    out.push(here.clone());
    match v {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                here.push(PathStep::Index(i));
                paths(item, here, out);
                here.pop();
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                here.push(PathStep::Key(k.clone()));
                paths(item, here, out);
                here.pop();
            }
        }
        _ => {}
    }
}

#[derive(Debug, Clone)]
enum PathStep {
    Key(String),
    Index(usize),
}

fn apply(root: &mut Value, at: &Index, m: &Mutation, raw: &mut Vec<&'static str>) {
    let mut all = Vec::new();
    paths(root, &mut Vec::new(), &mut all);
    let path = at.get(&all).clone();
    let Some((last, parent_path)) = path.split_last() else {
        // The root itself: replace the whole body.
        *root = mutated(root.take(), m, raw);
        return;
    };
    let mut parent = &mut *root;
    for step in parent_path {
        parent = match step {
            PathStep::Key(k) => &mut parent[k.as_str()],
            PathStep::Index(i) => &mut parent[*i],
        };
    }
    match (parent, last, m) {
        (Value::Object(map), PathStep::Key(k), Mutation::Remove) => {
            map.remove(k);
        }
        (Value::Array(items), PathStep::Index(i), Mutation::Remove) => {
            items.remove(*i);
        }
        (parent, step, m) => {
            let slot = match step {
                PathStep::Key(k) => &mut parent[k.as_str()],
                PathStep::Index(i) => &mut parent[*i],
            };
            *slot = mutated(slot.take(), m, raw);
        }
    }
}

fn mutated(v: Value, m: &Mutation, raw: &mut Vec<&'static str>) -> Value {
    match m {
        Mutation::Remove | Mutation::Null => Value::Null,
        Mutation::WrongType(k) => match (k % 5, &v) {
            (0, Value::String(_)) | (1, _) => json!([v]),
            (0, _) => Value::String(v.to_string()),
            (2, _) => json!({"value": v}),
            (3, _) => Value::Bool(true),
            _ => json!(-1),
        },
        Mutation::NumberAsString => match v {
            Value::Number(n) => Value::String(n.to_string()),
            Value::String(s) => match s.parse::<f64>() {
                Ok(f) => json!(f),
                Err(_) => Value::String(format!(" {s} ")),
            },
            other => other,
        },
        Mutation::Huge(k) => match k % 5 {
            0 => json!(u64::MAX),
            1 => json!(i64::MIN),
            2 => json!(f64::MAX),
            3 => json!(-f64::MAX),
            _ => {
                raw.push(RAW_NUMBERS[usize::from(*k) % RAW_NUMBERS.len()]);
                Value::String(RAW.to_owned())
            }
        },
        Mutation::UnknownEnum => Value::String("TELEPORTED_\u{1F680}".to_owned()),
        Mutation::Nest(depth) => (0..*depth).fold(v, |inner, _| json!([inner])),
        Mutation::Text(s) => Value::String(s.clone()),
    }
}

fn serialise(v: &Value, raw: &[&'static str]) -> Vec<u8> {
    let mut text = serde_json::to_string(v).unwrap_or_default();
    for number in raw {
        text = text.replacen(&format!("\"{RAW}\""), number, 1);
    }
    text.into_bytes()
}

// ---- config text ----

const EXAMPLE: &str = include_str!("../config/example.toml");

fn toml_fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "\n",
            " = ",
            "[",
            "]",
            "[[source]]\n",
            "[defaults]\n",
            "[pipeline.thresholds]\n",
            "[[pipeline.campaign]]\n",
            "[queues]\n",
            "[quality]\n",
            "name",
            "kind",
            "\"mailchimp\"",
            "\"hubspot\"",
            "\"wordpress\"",
            "\"http\"",
            "interval",
            "timeout",
            "\"30s\"",
            "\"0s\"",
            "\"99999999999h\"",
            "api_key",
            "{ env = \"X\" }",
            "{ file = \"~/t\" }",
            "base_url",
            "\"http://10.0.0.1\"",
            "url",
            "expect_status",
            "99999",
            "-1",
            "\"",
            "'",
            "\"\"\"",
            "#",
            "true",
            "{",
            "}",
            ",",
            ".",
            "1e999",
            "\"2%\"",
            "\"150/10s\"",
            "\\u0000",
        ])
        .prop_map(str::to_owned),
        "[a-z_]{1,8}",
        any::<char>().prop_map(String::from),
    ]
}

/// Either a config, or an `Invalid` error whose every problem sits at a line
/// and column of the text.
fn config_outcome(text: &str) -> Result<(), TestCaseError> {
    match fuzzing::config_from_str(text) {
        Ok(_) => Ok(()),
        Err(ConfigError::Invalid { problems, .. }) => {
            prop_assert!(!problems.is_empty(), "an invalid config without a problem");
            let lines = text.split('\n').count();
            for p in &problems {
                prop_assert!(
                    p.line >= 1 && p.line <= lines && p.column >= 1,
                    "problem at {}:{} outside the {lines}-line text: {}",
                    p.line,
                    p.column,
                    p.message
                );
                prop_assert!(!p.message.is_empty());
            }
            Ok(())
        }
        Err(other) => Err(TestCaseError::fail(format!("not a line-numbered error: {other}"))),
    }
}

#[derive(Debug, Clone)]
enum LineEdit {
    Delete,
    Duplicate,
    Truncate(Index),
    Insert(String),
    ReplaceValue(String),
}

fn line_edit() -> impl Strategy<Value = LineEdit> {
    prop_oneof![
        Just(LineEdit::Delete),
        Just(LineEdit::Duplicate),
        any::<Index>().prop_map(LineEdit::Truncate),
        prop::collection::vec(toml_fragment(), 1..4).prop_map(|f| LineEdit::Insert(f.concat())),
        prop::collection::vec(toml_fragment(), 1..3).prop_map(|f| LineEdit::ReplaceValue(f.concat())),
    ]
}

fn edit_lines(text: &str, edits: &[(Index, LineEdit)]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    for (at, edit) in edits {
        if lines.is_empty() {
            lines.push(String::new());
        }
        let i = at.index(lines.len());
        match edit {
            LineEdit::Delete => {
                lines.remove(i);
            }
            LineEdit::Duplicate => lines.insert(i, lines[i].clone()),
            LineEdit::Truncate(cut) => {
                let line = &lines[i];
                let bounds: Vec<usize> = line.char_indices().map(|(b, _)| b).chain([line.len()]).collect();
                let end = *cut.get(&bounds);
                lines[i] = line[..end].to_owned();
            }
            LineEdit::Insert(s) => lines.insert(i, s.clone()),
            LineEdit::ReplaceValue(s) => {
                if let Some((key, _)) = lines[i].split_once('=') {
                    lines[i] = format!("{key}= {s}");
                }
            }
        }
    }
    lines.join("\n")
}

fn almost_right() -> impl Strategy<Value = Vec<(Index, Mutation)>> {
    prop::collection::vec((any::<Index>(), mutation()), 1..5)
}

/// Now and then a body cut off mid-way, as a dropped connection leaves it.
fn cut() -> impl Strategy<Value = Option<Index>> {
    prop::option::weighted(0.1, any::<Index>())
}

/// Each chosen parser's real answer with `edits` applied, maybe cut short.
fn survive_almost_right(
    chosen: impl Fn(&str) -> bool,
    edits: &[(Index, Mutation)],
    cut: Option<&Index>,
) -> Result<(), TestCaseError> {
    for parser in parsers().into_iter().filter(|p| chosen(p.name)) {
        let mut body = (parser.seed)();
        let mut raw = Vec::new();
        for (at, m) in edits {
            apply(&mut body, at, m, &mut raw);
        }
        let mut bytes = serialise(&body, &raw);
        if let Some(cut) = cut {
            bytes.truncate(cut.index(bytes.len() + 1));
        }
        (parser.run)(&bytes).map_err(|e| TestCaseError::fail(format!("{}: {e}", parser.name)))?;
    }
    Ok(())
}

// ---- the properties ----

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn vendor_parsers_survive_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        run_all(&bytes)?;
    }

    #[test]
    fn vendor_parsers_survive_arbitrary_json(v in json_value()) {
        run_all(&serialise(&v, &[]))?;
    }

    #[test]
    fn mailchimp_parsers_survive_almost_right_json(edits in almost_right(), cut in cut()) {
        survive_almost_right(|name| name.starts_with("mailchimp"), &edits, cut.as_ref())?;
    }

    #[test]
    fn hubspot_parsers_survive_almost_right_json(edits in almost_right(), cut in cut()) {
        survive_almost_right(|name| name.starts_with("hubspot"), &edits, cut.as_ref())?;
    }

    #[test]
    fn wordpress_parsers_and_probes_survive_almost_right_json(edits in almost_right(), cut in cut()) {
        survive_almost_right(
            |name| name.starts_with("wordpress") || name.starts_with("probe"),
            &edits,
            cut.as_ref(),
        )?;
    }

    #[test]
    fn probe_classifier_survives_any_status_and_wait(
        status in any::<u16>(),
        wait in prop::option::of(any::<u64>()),
        body in prop::collection::vec(any::<u8>(), 0..256),
    ) {
        for vendor in [Vendor::Mailchimp, Vendor::Hubspot, Vendor::Wordpress] {
            let p = fuzzing::probe(vendor, status, wait.map(Duration::from_secs), &body);
            prop_assert_eq!(p.http_status, Some(100 + status % 500));
            if p.status != HealthStatus::Ok {
                prop_assert!(!p.summary.is_empty() && !p.summary.contains('\n'), "{:?}", p.summary);
            }
        }
    }

    #[test]
    fn config_parser_survives_toml_ish_text(fragments in prop::collection::vec(toml_fragment(), 0..80)) {
        config_outcome(&fragments.concat())?;
    }

    #[test]
    fn config_parser_survives_mutated_valid_configs(
        edits in prop::collection::vec((any::<Index>(), line_edit()), 1..6),
    ) {
        config_outcome(&edit_lines(EXAMPLE, &edits))?;
    }
}

// ---- the seeds are real: unmutated, every record reads ----

#[test]
fn every_seed_reads_whole() {
    let counts = |name: &str, bytes: &[u8]| -> Option<(usize, usize)> {
        match name {
            "mailchimp_campaigns" => fuzzing::mailchimp_campaigns(bytes)
                .ok()
                .map(|p| (p.items.len(), p.skipped)),
            "mailchimp_reports" => fuzzing::mailchimp_reports(bytes)
                .ok()
                .map(|p| (p.items.len(), p.skipped)),
            "mailchimp_lists" => fuzzing::mailchimp_lists(bytes).ok().map(|p| (p.items.len(), p.skipped)),
            "mailchimp_members" => fuzzing::mailchimp_members(bytes)
                .ok()
                .map(|p| (p.items.len(), p.skipped)),
            "hubspot_contacts" => fuzzing::hubspot_contacts(bytes)
                .ok()
                .map(|p| (p.items.len(), p.skipped)),
            "hubspot_deals" => fuzzing::hubspot_deals(bytes).ok().map(|p| (p.items.len(), p.skipped)),
            "hubspot_tasks" => fuzzing::hubspot_tasks(bytes).ok().map(|p| (p.items.len(), p.skipped)),
            "hubspot_owners" => fuzzing::hubspot_owners(bytes).ok().map(|p| (p.items.len(), p.skipped)),
            "hubspot_pipelines" => fuzzing::hubspot_pipelines(bytes)
                .ok()
                .map(|p| (p.items.len(), p.skipped)),
            "wordpress_posts" => fuzzing::wordpress_posts(bytes).ok().map(|p| (p.items.len(), p.skipped)),
            "wordpress_users" => fuzzing::wordpress_users(bytes).ok().map(|p| (p.items.len(), p.skipped)),
            _ => None,
        }
    };
    let mut pages = 0;
    for parser in parsers() {
        let bytes = serialise(&(parser.seed)(), &[]);
        (parser.run)(&bytes).unwrap_or_else(|e| panic!("{}: {e}", parser.name));
        if let Some((read, skipped)) = counts(parser.name, &bytes) {
            assert!(
                read > 0 && skipped == 0,
                "{}: {read} read, {skipped} skipped",
                parser.name
            );
            pages += 1;
        }
    }
    assert_eq!(pages, 11);
    assert!(
        fuzzing::mailchimp_report(&serialise(&json!({"id": "c1"}), &[]))
            .unwrap()
            .is_some()
    );
    assert!(fuzzing::mailchimp_error(br#"{"title":"API Key Invalid","detail":"Bad key."}"#).is_some());
    assert!(fuzzing::hubspot_error(br#"{"message":"nope","category":"RATE_LIMITS"}"#).is_some());
    assert!(fuzzing::wordpress_error(br#"{"code":"rest_forbidden","message":"No."}"#).is_some());
    let ok = fuzzing::probe(
        Vendor::Mailchimp,
        100,
        None,
        br#"{"health_status":"Everything's Chimpy!"}"#,
    );
    assert_eq!(
        (ok.status, ok.summary.as_str()),
        (HealthStatus::Ok, "Everything's Chimpy!")
    );
}

#[test]
fn the_example_config_parses() {
    let config = fuzzing::config_from_str(EXAMPLE).expect("config/example.toml is valid");
    assert!(!config.sources.is_empty());
}

#[test]
fn a_broken_config_names_its_line() {
    let err = fuzzing::config_from_str("title = \"x\"\n[defaults]\ninterval = \"soon\"\n").unwrap_err();
    let ConfigError::Invalid { problems, .. } = err else {
        panic!("expected a validation error, got {err}");
    };
    assert_eq!(problems[0].line, 3);
}

#[test]
fn numbers_too_big_for_any_type_are_refused_not_fatal() {
    for raw in RAW_NUMBERS {
        let body = format!(r#"{{"campaigns":[{{"id":"a","status":"sent","emails_sent":{raw}}}],"total_items":{raw}}}"#);
        let _ = fuzzing::mailchimp_campaigns(body.as_bytes());
    }
    // Nesting past serde's limit is a malformed body, not a stack overflow.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    for parser in parsers() {
        (parser.run)(deep.as_bytes()).unwrap_or_else(|e| panic!("{}: {e}", parser.name));
    }
    assert!(fuzzing::mailchimp_campaigns(deep.as_bytes()).is_err());
}

#[test]
fn an_oversized_body_is_down_with_the_cap_in_words() {
    let err = HttpError::TooLarge {
        limit: 32 * 1024 * 1024,
        attempts: 1,
        url: "https://us14.api.mailchimp.com/3.0/lists".into(),
        request_id: "r".into(),
    };
    let p = fuzzing::probe_error(&err);
    assert_eq!(p.status, HealthStatus::Down);
    assert_eq!(p.summary, "response larger than 32 MiB from /fuzz");
}

#[test]
fn an_array_is_never_read_as_a_record_or_a_vendor_error() {
    use mops::sources::fuzzing;
    let page = fuzzing::mailchimp_campaigns(br#"{"campaigns":[["abc",5,"regular","sent"]],"total_items":1}"#)
        .expect("the page reads");
    assert_eq!((page.items.len(), page.skipped), (0, 1));
    let page = fuzzing::hubspot_contacts(br#"{"results":[["1",{"email":"a@b.c"}]]}"#).expect("the page reads");
    assert_eq!((page.items.len(), page.skipped), (0, 1));
    assert_eq!(
        fuzzing::mailchimp_error(br#"["t","API Key Invalid","detail words"]"#),
        None
    );
    assert_eq!(fuzzing::hubspot_error(br#"["error","bad"]"#), None);
    assert_eq!(fuzzing::wordpress_error(br#"["rest_forbidden","no"]"#), None);
}
