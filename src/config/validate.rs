//! Turns a spanned TOML tree into a [`Config`], collecting every problem with
//! its position. Messages never quote string values of secret fields, URLs or
//! free text: only the key, the position and the problem.

mod notify;
mod pipeline;
mod quality;
mod round_robin;
mod ui;

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use toml::Spanned;
use toml::de::{DeTable, DeValue};
use url::Url;

use super::duration::parse_duration;
use super::email::is_plausible_email;
use super::schema::{self, DEFAULTS_KEYS, QUALITY_KEYS, QUEUES_KEYS, SECRET_KEYS, THRESHOLD_KEYS, TOP_KEYS};
use super::secrets::expand_path;
use super::transport::is_plaintext_off_loopback;
use super::{
    Config, ConfigError, DEFAULT_INTERVAL, DEFAULT_SLOW, DEFAULT_TIMEOUT, HubspotTier, MIN_INTERVAL, PipelineConfig,
    Position, Problem, QualityConfig, QueuesConfig, RateLimitSpec, SecretRef, SourceConfig, SourceSettings,
    format_duration,
};
use crate::model::SourceKind;

type Value<'i> = Spanned<DeValue<'i>>;

/// Parses and validates `text`, read from `file`. `home` expands `~` in secret paths.
pub(crate) fn parse_config(file: &Path, text: &str, home: Option<&Path>) -> Result<Config, ConfigError> {
    let mut v = Validator::new(file, text, home);
    let config = match DeTable::parse(text) {
        Ok(doc) => Some(v.document(doc.get_ref())),
        Err(err) => {
            let span = err.span().unwrap_or(0..0);
            // toml names no key in "duplicate key"; the span covers it. Only
            // echo it when it looks like a bare key, never arbitrary text.
            let key = text.get(span.clone()).unwrap_or_default();
            let (field, message) = if err.message() == "duplicate key" && is_bare_key(key) {
                (
                    key.to_owned(),
                    format!("invalid TOML: duplicate key: `{key}` is already set above in this table; keep one"),
                )
            } else {
                (String::new(), format!("invalid TOML: {}", err.message()))
            };
            v.push(span.start, field, message);
            None
        }
    };
    match config {
        Some(config) if v.problems.is_empty() => Ok(config),
        _ => {
            let mut problems = v.problems;
            problems.sort_by_key(|p| (p.line, p.column));
            Err(ConfigError::Invalid {
                file: file.to_owned(),
                problems,
            })
        }
    }
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
pub(crate) fn position(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset.min(text.len())).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

/// A portable environment variable name: `[A-Za-z_][A-Za-z0-9_]*`.
fn is_env_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn is_bare_key(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

struct Entry<'t, 'i> {
    key: &'t str,
    key_span: Range<usize>,
    value: &'t Value<'i>,
}

/// Table entries in file order (toml's map is sorted by key).
fn entries<'t, 'i>(table: &'t DeTable<'i>) -> Vec<Entry<'t, 'i>> {
    let mut out: Vec<Entry<'t, 'i>> = table
        .iter()
        .map(|(k, value)| Entry {
            key: k.get_ref().as_ref(),
            key_span: k.span(),
            value,
        })
        .collect();
    out.sort_by_key(|e| e.key_span.start);
    out
}

/// A duration and, when the file set it, where.
#[derive(Clone, Copy)]
struct Setting {
    value: Duration,
    at: Option<usize>,
}

impl Setting {
    fn builtin(value: Duration) -> Self {
        Setting { value, at: None }
    }
}

#[derive(Clone, Copy)]
struct Timing {
    interval: Setting,
    timeout: Setting,
    slow: Setting,
}

#[derive(Default)]
struct RawSource {
    /// With the byte offset of the value, to point at it.
    base_url: Option<(Url, usize)>,
    interval: Option<Setting>,
    timeout: Option<Setting>,
    slow: Option<Setting>,
    api_key: Option<SecretRef>,
    test_emails: Option<Vec<String>>,
    token: Option<SecretRef>,
    tier: Option<HubspotTier>,
    rate_limit: Option<RateLimitSpec>,
    round_robin: Option<Vec<String>>,
    user: Option<String>,
    app_password: Option<SecretRef>,
    url: Option<(Url, usize)>,
    /// `allow_insecure = true` and where.
    allow_insecure: Option<(bool, usize)>,
    expect_status: Option<u16>,
    expect_body: Option<String>,
    /// Byte offset of the secret reference, for `config check` messages.
    secret_at: Option<usize>,
}

/// How a kind of name is described in its messages.
pub(super) struct NameRules {
    pub what: &'static str,
    pub example: &'static str,
}

struct Validator<'a> {
    file: &'a Path,
    text: &'a str,
    base_dir: PathBuf,
    home: Option<&'a Path>,
    problems: Vec<Problem>,
    /// Source name -> line of its `name`, to report duplicates.
    names: HashMap<String, usize>,
    /// Source name -> where its secret reference is.
    secret_sites: BTreeMap<String, Position>,
    /// Source name -> where it sets `allow_insecure = true`.
    insecure_sites: BTreeMap<String, Position>,
}

impl<'a> Validator<'a> {
    fn new(file: &'a Path, text: &'a str, home: Option<&'a Path>) -> Self {
        let base_dir = file
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        Validator {
            file,
            text,
            base_dir,
            home,
            problems: Vec::new(),
            names: HashMap::new(),
            secret_sites: BTreeMap::new(),
            insecure_sites: BTreeMap::new(),
        }
    }

    fn position(&self, offset: usize) -> (usize, usize) {
        position(self.text, offset)
    }

    fn push(&mut self, offset: usize, field: impl Into<String>, message: impl Into<String>) {
        let (line, column) = self.position(offset);
        self.problems.push(Problem {
            line,
            column,
            field: field.into(),
            message: message.into(),
        });
    }

    fn document(&mut self, table: &DeTable<'_>) -> Config {
        let mut title = None;
        let mut readonly = false;
        let mut timing = Timing {
            interval: Setting::builtin(DEFAULT_INTERVAL),
            timeout: Setting::builtin(DEFAULT_TIMEOUT),
            slow: Setting::builtin(DEFAULT_SLOW),
        };
        let mut sources = None;
        let mut pipeline = PipelineConfig::default();
        let mut quality = QualityConfig::default();
        let mut queues = QueuesConfig::default();
        let mut notify = crate::config::NotifyConfig::default();
        let mut ui = crate::config::UiConfig::default();
        for e in entries(table) {
            match e.key {
                "title" => title = self.text_value("title", e.value),
                "readonly" => readonly = self.boolean("readonly", e.value).unwrap_or(false),
                "defaults" => self.defaults(e.value, &mut timing),
                "source" => sources = Some(e.value),
                "pipeline" => pipeline = self.pipeline(e.value),
                "quality" => quality = self.quality(e.value),
                "queues" => queues = self.queues(e.value),
                "notify" => notify = self.notify(e.value),
                "ui" => self.ui(e.value, &mut ui),
                "keys" => self.keys(e.value, &mut ui),
                _ => self.unknown_top_key(&e),
            }
        }
        let sources = sources.map_or_else(Vec::new, |v| self.sources(v, timing));
        let title = title.unwrap_or_else(|| {
            self.file
                .file_stem()
                .map_or_else(|| "mops".to_owned(), |s| s.to_string_lossy().into_owned())
        });
        Config {
            file: self.file.to_owned(),
            title,
            readonly,
            sources,
            secret_sites: std::mem::take(&mut self.secret_sites),
            insecure_sites: std::mem::take(&mut self.insecure_sites),
            pipeline,
            quality,
            queues,
            notify,
            ui,
        }
    }

    fn unknown_top_key(&mut self, e: &Entry<'_, '_>) {
        let message = if let Some(near) = schema::closest(e.key, TOP_KEYS) {
            format!("unknown key `{}`; did you mean `{near}`?", e.key)
        } else if DEFAULTS_KEYS.contains(&e.key) {
            format!(
                "`{}` is not a top-level key; put it under [defaults] or in a [[source]]",
                e.key
            )
        } else if schema::source_field(e.key).is_some() {
            format!("`{}` is not a top-level key; it belongs in a [[source]] table", e.key)
        } else if e.key == "campaign" {
            "`campaign` is not a top-level key; write campaign costs as [[pipeline.campaign]] tables".to_owned()
        } else if e.key == "thresholds" {
            "`thresholds` is not a top-level key; write the table as [pipeline.thresholds]".to_owned()
        } else if QUALITY_KEYS.contains(&e.key) {
            format!("`{}` is not a top-level key; put it under [quality]", e.key)
        } else if QUEUES_KEYS.contains(&e.key) {
            format!("`{}` is not a top-level key; put it under [queues]", e.key)
        } else if THRESHOLD_KEYS.contains(&e.key) {
            format!("`{}` is not a top-level key; put it under [pipeline.thresholds]", e.key)
        } else {
            format!("unknown key `{}`; top-level keys are {}", e.key, backticked(TOP_KEYS))
        };
        self.push(e.key_span.start, e.key, message);
    }

    fn defaults(&mut self, value: &Value<'_>, timing: &mut Timing) {
        let DeValue::Table(table) = value.get_ref() else {
            self.push(
                value.span().start,
                "defaults",
                format!("expected a [defaults] table, found {}", found(value.get_ref())),
            );
            return;
        };
        for e in entries(table) {
            let field = format!("defaults.{}", e.key);
            let slot = match e.key {
                "interval" => &mut timing.interval,
                "timeout" => &mut timing.timeout,
                "slow" => &mut timing.slow,
                _ => {
                    self.unknown_key(&e, field, DEFAULTS_KEYS, "[defaults]");
                    continue;
                }
            };
            if let Some(d) = self.duration(&field, e.value) {
                *slot = Setting {
                    value: d,
                    at: Some(e.value.span().start),
                };
            }
        }
        self.check_timing("defaults.", *timing, true);
    }

    /// Interval floor and timeout < interval. With `always`, checks even
    /// built-in values; for sources only when the source overrides something,
    /// so a bad `[defaults]` is reported once, not once per source.
    fn check_timing(&mut self, prefix: &str, t: Timing, always: bool) {
        if let Some(at) = t.interval.at
            && t.interval.value < MIN_INTERVAL
        {
            self.push(
                at,
                format!("{prefix}interval"),
                format!(
                    "interval must be at least {}, found {}",
                    format_duration(MIN_INTERVAL),
                    format_duration(t.interval.value)
                ),
            );
            return;
        }
        let overridden = t.interval.at.is_some() || t.timeout.at.is_some();
        if t.timeout.value >= t.interval.value && (always || overridden) {
            // Point at whichever of the two this table set, timeout first.
            let (at, key) = match (t.timeout.at, t.interval.at) {
                (Some(at), _) => (at, "timeout"),
                (None, Some(at)) => (at, "interval"),
                (None, None) => return,
            };
            self.push(
                at,
                format!("{prefix}{key}"),
                format!(
                    "timeout ({}) must be shorter than interval ({}): one poll must finish before the next starts",
                    format_duration(t.timeout.value),
                    format_duration(t.interval.value)
                ),
            );
        }
    }

    fn sources(&mut self, value: &Value<'_>, timing: Timing) -> Vec<SourceConfig> {
        match value.get_ref() {
            DeValue::Array(items) => items
                .iter()
                .enumerate()
                .filter_map(|(index, item)| match item.get_ref() {
                    DeValue::Table(table) => self.source(index, item.span(), table, timing),
                    other => {
                        self.push(
                            item.span().start,
                            format!("source #{}", index + 1),
                            format!("expected a [[source]] table, found {}", found(other)),
                        );
                        None
                    }
                })
                .collect(),
            DeValue::Table(_) => {
                self.push(
                    value.span().start,
                    "source",
                    "write [[source]] with double brackets: sources are a list, one [[source]] table each",
                );
                Vec::new()
            }
            other => {
                self.push(
                    value.span().start,
                    "source",
                    format!("expected [[source]] tables, found {}", found(other)),
                );
                Vec::new()
            }
        }
    }

    fn source(
        &mut self,
        index: usize,
        header: Range<usize>,
        table: &DeTable<'_>,
        defaults: Timing,
    ) -> Option<SourceConfig> {
        let problems_before = self.problems.len();
        let fields = entries(table);
        let find = |key: &str| fields.iter().find(|e| e.key == key);
        let ordinal = format!("source #{}", index + 1);

        let name = match find("name") {
            Some(e) => self.source_name(&ordinal, e.value),
            None => {
                self.push(
                    header.start,
                    ordinal.clone(),
                    "missing `name`; give every source a unique name, like name = \"crm\"",
                );
                None
            }
        };
        let label = name.as_ref().map_or(ordinal, |n| format!("source {n:?}"));
        let field = |key: &str| format!("{label} field {key}");

        let kind = match find("kind") {
            Some(e) => self.kind(&field("kind"), e.value),
            None => {
                self.push(
                    header.start,
                    label.clone(),
                    format!(
                        "missing `kind`; one of {}",
                        backticked(&SourceKind::ALL.map(SourceKind::key))
                    ),
                );
                None
            }
        };

        let mut raw = RawSource::default();
        for e in &fields {
            if matches!(e.key, "name" | "kind") {
                continue;
            }
            let Some(spec) = schema::source_field(e.key) else {
                self.unknown_source_key(&field(e.key), e, kind);
                continue;
            };
            if let Some(kind) = kind
                && !spec.kinds.contains(&kind)
            {
                self.push(
                    e.key_span.start,
                    field(e.key),
                    foreign_key_message(e.key, kind, spec.kinds),
                );
                continue;
            }
            self.source_value(&field(e.key), e, &mut raw);
        }

        let kind = kind?;
        for key in schema::required_keys(kind) {
            if find(key).is_none() {
                self.push(
                    header.start,
                    label.clone(),
                    format!("{} source needs `{key}`{}", with_article(kind), required_hint(key)),
                );
            }
        }

        // Positions only for values this source sets, so check_timing points
        // here and leaves inherited problems to [defaults].
        let inherited = |s: Setting| Setting { at: None, ..s };
        let timing = Timing {
            interval: raw.interval.unwrap_or(inherited(defaults.interval)),
            timeout: raw.timeout.unwrap_or(inherited(defaults.timeout)),
            slow: raw.slow.unwrap_or(inherited(defaults.slow)),
        };
        self.check_timing(&format!("{label} field "), timing, false);
        self.check_transport(&field, kind, &raw);

        if self.problems.len() > problems_before {
            return None;
        }
        let settings = match kind {
            SourceKind::Mailchimp => SourceSettings::Mailchimp {
                api_key: raw.api_key?,
                test_emails: raw.test_emails.unwrap_or_default(),
            },
            SourceKind::Hubspot => SourceSettings::Hubspot {
                round_robin: raw.round_robin.unwrap_or_default(),
                token: raw.token?,
                tier: raw.tier.unwrap_or_default(),
                rate_limit: raw.rate_limit,
            },
            SourceKind::Wordpress => SourceSettings::Wordpress {
                user: raw.user?,
                app_password: raw.app_password?,
            },
            SourceKind::Http => SourceSettings::Http {
                url: raw.url?.0,
                expect_status: raw.expect_status.unwrap_or(200),
                expect_body: raw.expect_body,
            },
        };
        let name = name?;
        if let Some(at) = raw.secret_at {
            let (line, column) = self.position(at);
            self.secret_sites.insert(name.clone(), Position { line, column });
        }
        if let Some((true, at)) = raw.allow_insecure {
            let (line, column) = self.position(at);
            self.insecure_sites.insert(name.clone(), Position { line, column });
        }
        Some(SourceConfig {
            name,
            kind,
            base_url: raw.base_url.map(|(url, _)| url),
            interval: timing.interval.value,
            timeout: timing.timeout.value,
            slow: timing.slow.value,
            settings,
        })
    }

    /// Plain `http://` only to loopback, unless the source opts out for a lab:
    /// off this machine, the data (and a vendor source's credentials) could be
    /// read and altered on the way.
    fn check_transport(&mut self, field: &impl Fn(&str) -> String, kind: SourceKind, raw: &RawSource) {
        if matches!(raw.allow_insecure, Some((true, _))) {
            return;
        }
        let what = if kind == SourceKind::Http {
            "the check's request and the page it reads"
        } else {
            "the credentials and data"
        };
        for (key, target) in [("base_url", &raw.base_url), ("url", &raw.url)] {
            if let Some((url, at)) = target
                && is_plaintext_off_loopback(url)
            {
                self.push(
                    *at,
                    field(key),
                    format!(
                        "plain http:// to a host that is not loopback (127.0.0.1, ::1, localhost) would send {what} \
                         unencrypted; use https, or set allow_insecure = true if this is a lab"
                    ),
                );
            }
        }
    }

    /// An unknown key in a fixed-shape table: a did-you-mean for a near
    /// miss, else every key `table` accepts.
    fn unknown_key(&mut self, e: &Entry<'_, '_>, field: String, accepted: &[&str], table: &str) {
        let message = match schema::closest(e.key, accepted) {
            Some(near) => format!("unknown key `{}`; did you mean `{near}`?", e.key),
            None => format!("unknown key `{}`; {table} accepts {}", e.key, backticked(accepted)),
        };
        self.push(e.key_span.start, field, message);
    }

    fn unknown_source_key(&mut self, field: &str, e: &Entry<'_, '_>, kind: Option<SourceKind>) {
        let accepted = schema::source_keys(kind);
        let message = if let Some(near) = schema::closest(e.key, &accepted) {
            format!("unknown key `{}`; did you mean `{near}`?", e.key)
        } else {
            let owner = kind.map_or_else(|| "a source".to_owned(), |k| format!("{} source", with_article(k)));
            format!("unknown key `{}`; {owner} accepts {}", e.key, backticked(&accepted))
        };
        self.push(e.key_span.start, field, message);
    }

    fn source_name(&mut self, field: &str, value: &Value<'_>) -> Option<String> {
        let mut names = std::mem::take(&mut self.names);
        let name = self.unique_name(
            field,
            value,
            NameRules {
                what: "source",
                example: "\"crm\" or \"blog-eu\"",
            },
            &mut names,
        );
        self.names = names;
        name
    }

    /// A name people refer to a table by (a source, a webhook): a string of
    /// a-z, 0-9, `_` and `-`, unique among `seen` (name -> line).
    pub(super) fn unique_name(
        &mut self,
        field: &str,
        value: &Value<'_>,
        rules: NameRules,
        seen: &mut HashMap<String, usize>,
    ) -> Option<String> {
        let NameRules { what, example } = rules;
        let at = value.span().start;
        let DeValue::String(name) = value.get_ref() else {
            let first = example.split(" or ").next().unwrap_or(example);
            self.push(
                at,
                format!("{field} field name"),
                format!("expected a string like {first}, found {}", found(value.get_ref())),
            );
            return None;
        };
        let valid = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
        if !valid {
            self.push(
                at,
                format!("{field} field name"),
                format!("a {what} name uses only a-z, 0-9, `_` and `-`, like {example}"),
            );
            return None;
        }
        let (line, _) = self.position(at);
        if let Some(first) = seen.get(name.as_ref()) {
            let first = *first;
            self.push(
                at,
                format!("{} {name:?} field name", if what == "source" { "source" } else { "notify.webhook" }),
                format!(
                    "duplicate {what} name {name:?}: line {first} already uses it, and line {line} uses it again; names must be unique"
                ),
            );
            return None;
        }
        seen.insert(name.to_string(), line);
        Some(name.to_string())
    }

    fn kind(&mut self, field: &str, value: &Value<'_>) -> Option<SourceKind> {
        let keys = SourceKind::ALL.map(SourceKind::key);
        let DeValue::String(text) = value.get_ref() else {
            self.push(
                value.span().start,
                field,
                format!(
                    "expected one of {}, found {}",
                    backticked(&keys),
                    found(value.get_ref())
                ),
            );
            return None;
        };
        if let Some(kind) = schema::parse_kind(text) {
            return Some(kind);
        }
        let hint = schema::closest(text, &keys)
            .map(|near| format!("; did you mean `{near}`?"))
            .unwrap_or_default();
        self.push(
            value.span().start,
            field,
            format!("unknown kind {text:?}{hint} (one of {})", backticked(&keys)),
        );
        None
    }

    fn source_value(&mut self, field: &str, e: &Entry<'_, '_>, raw: &mut RawSource) {
        let at = e.value.span().start;
        let setting = |d: Duration| Setting { value: d, at: Some(at) };
        match e.key {
            "base_url" => raw.base_url = self.url(field, e.value).map(|u| (u, at)),
            "url" => raw.url = self.url(field, e.value).map(|u| (u, at)),
            "allow_insecure" => raw.allow_insecure = self.boolean(field, e.value).map(|b| (b, at)),
            "interval" => raw.interval = self.duration(field, e.value).map(setting),
            "timeout" => raw.timeout = self.duration(field, e.value).map(setting),
            "slow" => raw.slow = self.duration(field, e.value).map(setting),
            "api_key" | "token" | "app_password" => {
                raw.secret_at = Some(at);
                let secret = self.secret(field, e.key, e.value);
                match e.key {
                    "api_key" => raw.api_key = secret,
                    "token" => raw.token = secret,
                    _ => raw.app_password = secret,
                }
            }
            "test_emails" => raw.test_emails = self.emails(field, e.value),
            "tier" => raw.tier = self.tier(field, e.value),
            "rate_limit" => raw.rate_limit = self.rate_limit(field, e.value),
            "round_robin" => raw.round_robin = self.owners(field, e.value),
            "user" => raw.user = self.text_value(field, e.value),
            "expect_body" => raw.expect_body = self.text_value(field, e.value),
            "expect_status" => raw.expect_status = self.status(field, e.value),
            // Every key in schema::SOURCE_FIELDS is handled above or in `source`.
            _ => {}
        }
    }

    fn text_value(&mut self, field: &str, value: &Value<'_>) -> Option<String> {
        match value.get_ref() {
            DeValue::String(s) if !s.trim().is_empty() => Some(s.to_string()),
            DeValue::String(_) => {
                self.push(value.span().start, field, "must not be empty");
                None
            }
            other => {
                self.push(
                    value.span().start,
                    field,
                    format!("expected a string, found {}", found(other)),
                );
                None
            }
        }
    }

    /// The items of a TOML list, or a problem at `value`: `like` shows the
    /// expected shape ("a list of owners like [...]"); `empty`, when given,
    /// refuses an empty list with that message.
    pub(super) fn list<'v, 'i>(
        &mut self,
        field: &str,
        value: &'v Value<'i>,
        like: &str,
        empty: Option<&str>,
    ) -> Option<&'v toml::de::DeArray<'i>> {
        let DeValue::Array(items) = value.get_ref() else {
            self.push(
                value.span().start,
                field,
                format!("expected {like}, found {}", found(value.get_ref())),
            );
            return None;
        };
        if let Some(why) = empty.filter(|_| items.is_empty()) {
            self.push(value.span().start, field, why);
            return None;
        }
        Some(items)
    }

    /// A list of addresses; each bad entry is reported at its own position.
    fn emails(&mut self, field: &str, value: &Value<'_>) -> Option<Vec<String>> {
        let items = self.list(
            field,
            value,
            "a list of email addresses like [\"ops@example.com\"]",
            None,
        )?;
        let before = self.problems.len();
        let mut emails: Vec<String> = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            let at = item.span().start;
            let entry = index + 1;
            // Addresses are personal data: positions say which, not the text.
            match item.get_ref() {
                DeValue::String(text) if is_plausible_email(text) => {
                    if let Some(first) = emails.iter().position(|e| e.eq_ignore_ascii_case(text)) {
                        self.push(
                            at,
                            field,
                            format!("entry {entry} repeats entry {}; list each address once", first + 1),
                        );
                    }
                    emails.push(text.to_string());
                }
                DeValue::String(_) => self.push(
                    at,
                    field,
                    format!(
                        "entry {entry} is not an email address: it needs one `@` with text on both sides and no spaces, like \"ops@example.com\""
                    ),
                ),
                other => self.push(
                    at,
                    field,
                    format!(
                        "entry {entry}: expected an email address string like \"ops@example.com\", found {}",
                        found(other)
                    ),
                ),
            }
        }
        (self.problems.len() == before).then_some(emails)
    }

    fn boolean(&mut self, field: &str, value: &Value<'_>) -> Option<bool> {
        match value.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            other => {
                self.push(
                    value.span().start,
                    field,
                    format!("expected true or false, found {}", found(other)),
                );
                None
            }
        }
    }

    fn duration(&mut self, field: &str, value: &Value<'_>) -> Option<Duration> {
        match value.get_ref() {
            DeValue::String(s) => match parse_duration(s) {
                Ok(d) => Some(d),
                Err(err) => {
                    self.push(value.span().start, field, err.to_string());
                    None
                }
            },
            other => {
                self.push(
                    value.span().start,
                    field,
                    format!("expected a duration string like \"30s\", found {}", found(other)),
                );
                None
            }
        }
    }

    fn url(&mut self, field: &str, value: &Value<'_>) -> Option<Url> {
        let at = value.span().start;
        let DeValue::String(text) = value.get_ref() else {
            self.push(
                at,
                field,
                format!(
                    "expected a URL string like \"https://api.example.com\", found {}",
                    found(value.get_ref())
                ),
            );
            return None;
        };
        // The URL itself is not quoted back: a misplaced secret may sit there.
        let problem = match Url::parse(text.trim()) {
            Err(err) => Some(format!(
                "not a valid URL ({err}); write an absolute http(s) URL like \"https://api.example.com\""
            )),
            Ok(url) if !matches!(url.scheme(), "http" | "https") => {
                Some(format!("URL scheme must be http or https, found {:?}", url.scheme()))
            }
            Ok(url) if url.host_str().is_none_or(str::is_empty) => {
                Some("URL has no host; write it like \"https://api.example.com\"".to_owned())
            }
            Ok(url) if !url.username().is_empty() || url.password().is_some() => {
                Some("URL must not carry credentials; use the source's secret field instead".to_owned())
            }
            Ok(url) => return Some(url),
        };
        if let Some(problem) = problem {
            self.push(at, field, problem);
        }
        None
    }

    fn tier(&mut self, field: &str, value: &Value<'_>) -> Option<HubspotTier> {
        let keys = HubspotTier::ALL.map(HubspotTier::key);
        let message = match value.get_ref() {
            DeValue::String(text) => match text.parse::<HubspotTier>() {
                Ok(tier) => return Some(tier),
                Err(()) => {
                    let hint = schema::closest(text, &keys)
                        .map(|near| format!("; did you mean `{near}`?"))
                        .unwrap_or_default();
                    format!("unknown tier {text:?}{hint} (one of {})", backticked(&keys))
                }
            },
            other => format!("expected one of {}, found {}", backticked(&keys), found(other)),
        };
        self.push(value.span().start, field, message);
        None
    }

    fn rate_limit(&mut self, field: &str, value: &Value<'_>) -> Option<RateLimitSpec> {
        let message = match value.get_ref() {
            DeValue::String(text) => match text.parse::<RateLimitSpec>() {
                Ok(spec) => return Some(spec),
                Err(message) => message,
            },
            other => format!("expected a rate limit string like \"150/10s\", found {}", found(other)),
        };
        self.push(value.span().start, field, message);
        None
    }

    fn status(&mut self, field: &str, value: &Value<'_>) -> Option<u16> {
        let message = match value.get_ref() {
            DeValue::Integer(i) => match i.as_str().parse::<u16>() {
                Ok(code) if (100..=599).contains(&code) => return Some(code),
                _ => format!("HTTP status must be between 100 and 599, found {}", i.as_str()),
            },
            other => format!("expected an HTTP status code like 200, found {}", found(other)),
        };
        self.push(value.span().start, field, message);
        None
    }

    /// `{ env = "VAR" }` or `{ file = "PATH" }`. Never quotes what it found.
    fn secret(&mut self, field: &str, key: &str, value: &Value<'_>) -> Option<SecretRef> {
        let at = value.span().start;
        let env = schema::suggested_env(key);
        let DeValue::Table(table) = value.get_ref() else {
            self.push(
                at,
                field,
                format!(
                    "secrets cannot be written inline (found a {}); use {key} = {{ env = \"{env}\" }} or {{ file = \"path\" }} with mode 0600",
                    value.get_ref().type_str()
                ),
            );
            return None;
        };
        let mut env_ref = None;
        let mut file_ref = None;
        for e in entries(table) {
            let sub_field = format!("{field}.{}", e.key);
            match e.key {
                "env" => env_ref = self.secret_part(&sub_field, e.value).map(|v| (v, e.key_span)),
                "file" => file_ref = self.secret_part(&sub_field, e.value).map(|v| (v, e.key_span)),
                other => {
                    let hint = schema::closest(other, SECRET_KEYS)
                        .map(|near| format!("did you mean `{near}`? "))
                        .unwrap_or_default();
                    self.push(
                        e.key_span.start,
                        sub_field,
                        format!(
                            "unknown key `{other}`; {hint}a secret is {{ env = \"VAR\" }} or {{ file = \"path\" }}"
                        ),
                    );
                }
            }
        }
        match (env_ref, file_ref) {
            (Some((var, span)), None) => {
                // A pasted key in place of the name would otherwise be printed
                // back by "environment variable ... is not set".
                if !is_env_name(&var) {
                    self.push(
                        span.start,
                        format!("{field}.env"),
                        format!(
                            "not an environment variable name (letters, digits and `_`, like \"{env}\"); write the name of the variable that holds the secret, not the secret itself"
                        ),
                    );
                    return None;
                }
                Some(SecretRef::Env(var))
            }
            (None, Some((raw, span))) => match expand_path(&raw, self.home, &self.base_dir) {
                Ok(path) => Some(SecretRef::File(path)),
                Err(message) => {
                    self.push(span.start, format!("{field}.file"), message);
                    None
                }
            },
            (Some(_), Some(_)) => {
                self.push(
                    at,
                    field,
                    format!("give exactly one of `env` or `file`, not both; e.g. {key} = {{ env = \"{env}\" }}"),
                );
                None
            }
            (None, None) => {
                if table.is_empty() {
                    self.push(
                        at,
                        field,
                        format!("empty secret; use {key} = {{ env = \"{env}\" }} or {{ file = \"path\" }}"),
                    );
                }
                None
            }
        }
    }

    fn secret_part(&mut self, field: &str, value: &Value<'_>) -> Option<String> {
        match value.get_ref() {
            DeValue::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            DeValue::String(_) => {
                self.push(value.span().start, field, "must not be empty");
                None
            }
            other => {
                self.push(
                    value.span().start,
                    field,
                    format!("expected a string, found a {}", other.type_str()),
                );
                None
            }
        }
    }
}

fn foreign_key_message(key: &str, kind: SourceKind, accepted_by: &[SourceKind]) -> String {
    let alternative = match (key, kind) {
        ("base_url", SourceKind::Http) => " (an http source uses `url`)",
        ("url", _) => " (vendor sources use `base_url`)",
        _ => "",
    };
    format!(
        "`{key}` does not apply to {} source; only {} sources accept it{alternative}",
        with_article(kind),
        schema::kinds_phrase(accepted_by)
    )
}

/// "a hubspot", "an http".
fn with_article(kind: SourceKind) -> String {
    // "http" is read letter by letter: "an aitch-tee-tee-pee".
    let article = if kind == SourceKind::Http { "an" } else { "a" };
    format!("{article} {}", kind.key())
}

fn required_hint(key: &str) -> String {
    match key {
        "api_key" | "token" | "app_password" => {
            format!(", like {key} = {{ env = \"{}\" }}", schema::suggested_env(key))
        }
        "base_url" => ", like base_url = \"https://blog.example.com/wp-json\"".to_owned(),
        "url" => ", like url = \"https://www.example.com/\"".to_owned(),
        "user" => ", the WordPress user name the application password belongs to".to_owned(),
        _ => String::new(),
    }
}

/// What a wrongly typed value is, quoting it only when it is not a string.
fn found(value: &DeValue<'_>) -> String {
    match value {
        DeValue::Integer(i) => format!("integer {}", i.as_str()),
        DeValue::Float(f) => format!("float {}", f.as_str()),
        DeValue::Boolean(b) => format!("boolean {b}"),
        other => other.type_str().to_owned(),
    }
}

fn backticked(keys: &[&str]) -> String {
    keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"
title = "Acme marketing stack"
readonly = true

[defaults]
interval = "45s"
timeout = "5s"
slow = "1500ms"

[[source]]
name = "mailchimp"
kind = "mailchimp"
api_key = { env = "MAILCHIMP_API_KEY" }

[[source]]
name = "crm"
kind = "hubspot"
token = { file = "~/.config/mops/hubspot.token" }
tier = "professional"
rate_limit = "150/10s"
interval = "1m"

[[source]]
name = "blog"
kind = "wordpress"
base_url = "https://blog.example.com/wp-json"
user = "ops-bot"
app_password = { file = "keys/wp" }

[[source]]
name = "landing"
kind = "http"
url = "https://www.example.com/"
expect_body = "Sign up"
"#;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        parse_config(Path::new("/etc/mops/stack.toml"), text, Some(Path::new("/home/ops")))
    }

    fn problems(text: &str) -> Vec<Problem> {
        parse(text).unwrap_err().problems().to_vec()
    }

    #[test]
    fn sample_config_loads_with_defaults_and_overrides() {
        let config = parse(SAMPLE).unwrap();
        assert_eq!(config.title, "Acme marketing stack");
        assert!(config.readonly);
        let names: Vec<&str> = config.sources.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["mailchimp", "crm", "blog", "landing"]);

        let mc = config.source("mailchimp").unwrap();
        assert_eq!(mc.interval, Duration::from_secs(45));
        assert_eq!(mc.timeout, Duration::from_secs(5));
        assert_eq!(mc.slow, Duration::from_millis(1500));
        assert!(
            matches!(&mc.settings, SourceSettings::Mailchimp { api_key: SecretRef::Env(v), .. } if v == "MAILCHIMP_API_KEY")
        );

        let crm = config.source("crm").unwrap();
        assert_eq!(crm.interval, Duration::from_secs(60));
        let SourceSettings::Hubspot {
            token,
            tier,
            rate_limit,
            ..
        } = &crm.settings
        else {
            panic!("crm is not hubspot: {:?}", crm.settings);
        };
        assert_eq!(token, &SecretRef::File("/home/ops/.config/mops/hubspot.token".into()));
        assert_eq!(*tier, HubspotTier::Professional);
        assert_eq!(rate_limit.unwrap().requests, 150);

        let blog = config.source("blog").unwrap();
        assert_eq!(
            blog.base_url.as_ref().map(Url::as_str),
            Some("https://blog.example.com/wp-json")
        );
        assert!(
            matches!(&blog.settings, SourceSettings::Wordpress { user, app_password: SecretRef::File(p) }
            if user == "ops-bot" && p == Path::new("/etc/mops/keys/wp"))
        );

        let landing = config.source("landing").unwrap();
        assert!(
            matches!(&landing.settings, SourceSettings::Http { url, expect_status: 200, expect_body: Some(b) }
            if url.as_str() == "https://www.example.com/" && b == "Sign up")
        );
    }

    #[test]
    fn empty_file_uses_builtin_defaults_and_file_stem_title() {
        let config = parse("").unwrap();
        assert_eq!(config.title, "stack");
        assert!(!config.readonly);
        assert!(config.sources.is_empty());

        let one = parse("[[source]]\nname = \"w\"\nkind = \"http\"\nurl = \"http://127.0.0.1:8080/\"\n").unwrap();
        let w = &one.sources[0];
        assert_eq!(
            (w.interval, w.timeout, w.slow),
            (DEFAULT_INTERVAL, DEFAULT_TIMEOUT, DEFAULT_SLOW)
        );
        let SourceSettings::Hubspot { .. } =
            parse("[[source]]\nname = \"h\"\nkind = \"hubspot\"\ntoken = { env = \"T\" }\n")
                .unwrap()
                .sources[0]
                .settings
        else {
            panic!("not hubspot");
        };
    }

    #[test]
    fn hubspot_tier_defaults_to_free() {
        let config = parse("[[source]]\nname = \"h\"\nkind = \"hubspot\"\ntoken = { env = \"T\" }\n").unwrap();
        assert!(matches!(
            config.sources[0].settings,
            SourceSettings::Hubspot {
                tier: HubspotTier::Free,
                rate_limit: None,
                ..
            }
        ));
    }

    #[test]
    fn collects_every_problem_in_file_order() {
        let found = problems(
            "title = 3\n[defaults]\ninterval = \"fast\"\n[[source]]\nname = \"a\"\nkind = \"http\"\nurl = \"ftp://x\"\n",
        );
        let lines: Vec<usize> = found.iter().map(|p| p.line).collect();
        assert_eq!(lines, [1, 3, 7], "{found:#?}");
    }

    #[test]
    fn source_timeout_is_checked_against_the_inherited_interval() {
        let found = problems(
            "[defaults]\ninterval = \"5s\"\ntimeout = \"2s\"\n[[source]]\nname = \"a\"\nkind = \"http\"\nurl = \"https://x.test/\"\ntimeout = \"6s\"\n",
        );
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(
            (found[0].line, found[0].field.as_str()),
            (8, "source \"a\" field timeout")
        );
        assert!(
            found[0].message.contains("shorter than interval (5s)"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn defaults_interval_shorter_than_builtin_timeout_is_reported_once() {
        let found = problems(
            "[defaults]\ninterval = \"5s\"\n[[source]]\nname = \"a\"\nkind = \"http\"\nurl = \"https://x.test/\"\n[[source]]\nname = \"b\"\nkind = \"http\"\nurl = \"https://y.test/\"\n",
        );
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].field, "defaults.interval");
    }

    #[test]
    fn single_bracket_source_table_is_explained() {
        let found = problems("[source]\nname = \"a\"\n");
        assert!(found[0].message.contains("[[source]]"), "{found:#?}");
    }

    #[test]
    fn inline_secret_of_any_type_is_never_echoed() {
        for value in ["\"s3cr3t-us14\"", "12345678", "[\"s3cr3t\"]"] {
            let text = format!("[[source]]\nname = \"m\"\nkind = \"mailchimp\"\napi_key = {value}\n");
            let err = parse(&text).unwrap_err().to_string();
            assert!(!err.contains("s3cr3t") && !err.contains("12345678"), "{err}");
            assert!(err.contains("MAILCHIMP_API_KEY"), "{err}");
        }
    }

    #[test]
    fn url_problems_do_not_echo_the_url() {
        let found = problems("[[source]]\nname = \"w\"\nkind = \"http\"\nurl = \"https://user:hunter2@x.test/\"\n");
        assert!(found[0].message.contains("credentials"), "{found:#?}");
        assert!(!found[0].message.contains("hunter2"));
    }

    #[test]
    fn plain_http_off_loopback_is_refused_unless_allowed() {
        const BLOG: &str = "[[source]]\nname = \"b\"\nkind = \"wordpress\"\nbase_url = \"http://10.1.2.3/wp-json\"\nuser = \"u\"\napp_password = { env = \"P\" }\n";
        for opt in ["", "allow_insecure = false\n"] {
            let found = problems(&format!("{BLOG}{opt}"));
            assert_eq!(found.len(), 1, "{opt}: {found:#?}");
            assert_eq!((found[0].line, found[0].column), (4, 12));
            assert_eq!(found[0].field, "source \"b\" field base_url");
            assert!(
                found[0]
                    .message
                    .ends_with("use https, or set allow_insecure = true if this is a lab"),
                "{found:#?}"
            );
            assert!(!found[0].message.contains("10.1.2.3"), "the URL is not echoed");
        }
        let allowed = parse(&format!("{BLOG}allow_insecure = true\n")).unwrap();
        assert_eq!(allowed.insecure_sites.get("b"), Some(&Position { line: 7, column: 18 }));
        // An https URL or a loopback one needs nothing.
        let https = parse(&BLOG.replace("http://10.1.2.3", "https://10.1.2.3")).unwrap();
        assert!(https.insecure_sites.is_empty());
    }

    #[test]
    fn allow_insecure_is_a_key_of_every_kind() {
        for kind in SourceKind::ALL {
            assert!(schema::source_keys(Some(kind)).contains(&"allow_insecure"), "{kind:?}");
        }
    }

    #[test]
    fn secret_file_with_unknown_key_suggests() {
        let found = problems("[[source]]\nname = \"m\"\nkind = \"mailchimp\"\napi_key = { fiel = \"k\" }\n");
        assert_eq!(found[0].field, "source \"m\" field api_key.fiel");
        assert!(found[0].message.contains("did you mean `file`?"), "{found:#?}");
    }

    #[test]
    fn pipeline_defaults_when_absent() {
        let config = parse(SAMPLE).unwrap();
        assert_eq!(config.pipeline, PipelineConfig::default());
        let mc = config.source("mailchimp").unwrap();
        assert!(matches!(&mc.settings, SourceSettings::Mailchimp { test_emails, .. } if test_emails.is_empty()));
    }

    #[test]
    fn pipeline_thresholds_accept_percentages_and_fractions() {
        let config = parse(
            "[pipeline.thresholds]\nbounce_rate = \"3%\"\nunsubscribe_rate = 0.004\nchurn = \"1.5 %\"\nopen_rate_min = \"0.2\"\nclick_rate_min = 0\n",
        )
        .unwrap();
        let t = config.pipeline.thresholds;
        assert_eq!(t.bounce_rate, 0.03);
        assert_eq!(t.unsubscribe_rate, 0.004);
        assert_eq!(t.churn, 0.015);
        assert_eq!(t.open_rate_min, Some(0.2));
        assert_eq!(t.click_rate_min, Some(0.0));
    }

    #[test]
    fn pipeline_campaigns_keep_file_order_and_optional_revenue() {
        let config = parse(
            "[[pipeline.campaign]]\nid = \"b2\"\ncost = 1_200\n\n[[pipeline.campaign]]\nid = \"a1\"\ncost = 99.5\nrevenue = 0\n",
        )
        .unwrap();
        let ids: Vec<&str> = config.pipeline.campaigns.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["b2", "a1"]);
        assert_eq!(
            config.pipeline.campaign("b2").map(|c| (c.cost, c.revenue)),
            Some((1200.0, None))
        );
        assert_eq!(
            config.pipeline.campaign("a1").map(|c| (c.cost, c.revenue)),
            Some((99.5, Some(0.0)))
        );
        assert!(config.pipeline.campaign("zz").is_none());
    }

    #[test]
    fn rates_out_of_range_or_of_the_wrong_type_name_the_range() {
        for (value, fragment) in [
            (
                "\"150%\"",
                "\"150%\" is out of range: a percentage must be between 0% and 100%",
            ),
            ("-1", "-1 is out of range: a fraction must be between 0 and 1"),
            (
                "1.5",
                "1.5 is out of range: a fraction must be between 0 and 1 (0.02 = 2%); did you mean \"1.5%\"?",
            ),
            ("250", "250 is out of range: a fraction must be between 0 and 1"),
            ("inf", "inf is out of range"),
            ("nan", "nan is out of range"),
            ("\"two\"", "bad rate \"two\""),
            (
                "true",
                "expected a percentage like \"2%\" or a fraction like 0.02, found boolean true",
            ),
        ] {
            let found = problems(&format!("[pipeline.thresholds]\nchurn = {value}\n"));
            assert_eq!(found.len(), 1, "{value}: {found:#?}");
            assert_eq!((found[0].line, found[0].column), (2, 9), "{value}");
            assert_eq!(found[0].field, "pipeline.thresholds.churn");
            assert!(found[0].message.contains(fragment), "{value}: {}", found[0].message);
        }
    }

    #[test]
    fn pipeline_table_shape_mistakes_are_explained() {
        let cases = [
            (
                "[pipeline.campaign]\nid = \"a\"\ncost = 1\n",
                "pipeline.campaign",
                "double brackets",
            ),
            (
                "[[pipeline.thresholds]]\nchurn = \"1%\"\n",
                "pipeline.thresholds",
                "single brackets",
            ),
            (
                "pipeline = 3\n",
                "pipeline",
                "expected a [pipeline] table, found integer 3",
            ),
            (
                "[pipeline]\ncampaigns = []\n",
                "pipeline.campaigns",
                "did you mean `campaign`?",
            ),
            (
                "[pipeline]\ncolour = 1\n",
                "pipeline.colour",
                "[pipeline] accepts `thresholds`, `campaign`",
            ),
            ("[[campaign]]\nid = \"a\"\n", "campaign", "[[pipeline.campaign]]"),
            ("[thresholds]\n", "thresholds", "[pipeline.thresholds]"),
            (
                "bounce_rate = \"2%\"\n",
                "bounce_rate",
                "put it under [pipeline.thresholds]",
            ),
            (
                "[pipeline.thresholds]\nbounce = \"2%\"\n",
                "pipeline.thresholds.bounce",
                "did you mean `bounce_rate`?",
            ),
            (
                "[pipeline.thresholds]\nopen_rate = \"2%\"\n",
                "pipeline.thresholds.open_rate",
                "did you mean `open_rate_min`?",
            ),
        ];
        for (text, field, fragment) in cases {
            let found = problems(text);
            assert_eq!(found.len(), 1, "{text}: {found:#?}");
            assert_eq!(found[0].field, field, "{text}");
            assert!(found[0].message.contains(fragment), "{text}: {}", found[0].message);
        }
    }

    #[test]
    fn campaign_problems_name_the_campaign() {
        let found = problems(
            "[[pipeline.campaign]]\ncost = 5\n[[pipeline.campaign]]\nid = \"c 2\"\ncost = 5\n[[pipeline.campaign]]\nid = \"c3\"\n[[pipeline.campaign]]\nid = \"c4\"\ncost = \"$5\"\nrevenue = -1\nrevnue = 2\n",
        );
        let got: Vec<(usize, &str, &str)> = found
            .iter()
            .map(|p| (p.line, p.field.as_str(), p.message.as_str()))
            .collect();
        assert_eq!(got.len(), 6, "{found:#?}");
        assert!(
            got[0].2.starts_with("missing `id`") && got[0].1 == "pipeline.campaign #1",
            "{got:?}"
        );
        assert_eq!((got[1].0, got[1].1), (4, "pipeline.campaign #2 field id"));
        assert!(
            got[2].2.starts_with("missing `cost`") && got[2].1 == "pipeline.campaign \"c3\"",
            "{got:?}"
        );
        assert_eq!(got[3].1, "pipeline.campaign \"c4\" field cost");
        assert!(got[3].2.contains("expected a number like 1200"), "{got:?}");
        assert_eq!(got[4].2, "revenue must be 0 or more, found -1");
        assert!(got[5].2.contains("did you mean `revenue`?"), "{got:?}");
    }

    #[test]
    fn zero_or_infinite_cost_is_refused() {
        for value in ["0", "0.0", "-0.0", "inf"] {
            let found = problems(&format!("[[pipeline.campaign]]\nid = \"a\"\ncost = {value}\n"));
            assert_eq!(found.len(), 1, "{value}: {found:#?}");
            assert!(
                found[0].message.starts_with("cost must be a positive number"),
                "{found:#?}"
            );
        }
    }

    #[test]
    fn test_emails_are_parsed_and_each_bad_entry_is_pointed_at() {
        const MAILCHIMP: &str = "[[source]]\nname = \"m\"\nkind = \"mailchimp\"\napi_key = { env = \"K\" }\n";
        let ok = parse(&format!(
            "{MAILCHIMP}test_emails = [\"ops@example.com\", \"qa+t@example.org\"]\n"
        ))
        .unwrap();
        assert!(
            matches!(&ok.sources[0].settings, SourceSettings::Mailchimp { test_emails, .. }
            if test_emails == &["ops@example.com", "qa+t@example.org"])
        );

        let found = problems(&format!(
            "{MAILCHIMP}test_emails = [\"ops@example.com\", \"jane doe@example.com\", 7, \"OPS@example.com\"]\n"
        ));
        let got: Vec<(usize, usize, &str)> = found.iter().map(|p| (p.line, p.column, p.message.as_str())).collect();
        assert_eq!(got.len(), 3, "{found:#?}");
        assert!(
            found.iter().all(|p| p.field == "source \"m\" field test_emails"),
            "{found:#?}"
        );
        assert_eq!((got[0].0, got[0].1), (5, 35));
        assert!(got[0].2.starts_with("entry 2 is not an email address"), "{got:?}");
        assert!(!got[0].2.contains("jane"), "the bad address is not echoed: {got:?}");
        assert_eq!(
            (got[1].1, got[1].2),
            (
                59,
                "entry 3: expected an email address string like \"ops@example.com\", found integer 7"
            )
        );
        assert_eq!(
            (got[2].1, got[2].2),
            (62, "entry 4 repeats entry 1; list each address once")
        );

        let scalar = problems(&format!("{MAILCHIMP}test_emails = \"ops@example.com\"\n"));
        assert!(
            scalar[0].message.contains("expected a list of email addresses"),
            "{scalar:#?}"
        );
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let found = problems("title = \"café\" ; oops\n");
        assert_eq!(found[0].line, 1);
        assert_eq!(found[0].column, 16, "{found:#?}");
    }
}
