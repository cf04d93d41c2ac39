//! Configuration: TOML schema, XDG lookup, secret references, validation.
//!
//! The file is parsed into a spanned TOML tree and validated by hand, so every
//! message is ours: it names the file, line, column and field, and never echoes
//! source text (an inline secret must not end up in a terminal or a CI log).

mod age;
mod check;
mod duration;
mod email;
mod errors;
mod load;
mod locate;
mod notify;
mod rate;
mod schema;
mod secrets;
mod starter;
mod transport;
mod ui;
mod validate;
mod vendor;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use url::Url;

use crate::model::SourceKind;

pub use age::{AgeError, format_age, parse_age};
pub use check::{CheckReport, SourceCheck, check};
pub use duration::{DurationError, format_duration, parse_duration};
pub use errors::{ConfigError, Problem};
pub use load::{load, parse};
pub use locate::{CONFIG_ENV_VAR, default_path, locate, locate_from};
pub use notify::{NotifyConfig, WebhookConfig};
pub use rate::{RateError, format_rate, parse_rate};
pub use starter::{init, starter};
pub use ui::UiConfig;
pub use vendor::{HUBSPOT_BASE_URL, mailchimp_base_url};

/// Built-in defaults used when `[defaults]` leaves a value out.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(30);
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
pub const DEFAULT_SLOW: Duration = Duration::from_secs(2);
/// Polling faster than this hammers vendor rate limits for no benefit.
pub const MIN_INTERVAL: Duration = Duration::from_secs(1);

/// A loaded, validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it was read from (absolute).
    pub file: PathBuf,
    /// Shown in the header; defaults to the file stem.
    pub title: String,
    /// Blocks every non-GET request at the HTTP layer.
    pub readonly: bool,
    pub sources: Vec<SourceConfig>,
    /// Source name -> where its secret reference sits in [`Config::file`], so
    /// a secret that fails to resolve can be reported at its line.
    pub secret_sites: BTreeMap<String, Position>,
    /// Source name -> where it sets `allow_insecure = true`: the sources that
    /// may use plain `http://` off loopback (a lab), for `config check` to name.
    pub insecure_sites: BTreeMap<String, Position>,
    /// Campaign-pipeline thresholds and per-campaign economics.
    pub pipeline: PipelineConfig,
    /// Data-quality rules: which run, how severe, their thresholds.
    pub quality: QualityConfig,
    /// Task queues: when a draft is stale, how far ahead scheduled posts show.
    pub queues: QueuesConfig,
    /// Webhooks told about outages and critical alerts.
    pub notify: NotifyConfig,
    /// Theme, colours and keybinding overrides.
    pub ui: UiConfig,
}

/// `[queues]`: the ages that put content into the task queues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueuesConfig {
    /// `stale_draft_after = "30d"`: a draft untouched this long is stale.
    pub stale_draft_after: std::time::Duration,
    /// `scheduled_within = "7d"`: scheduled posts due this soon are listed.
    pub scheduled_within: std::time::Duration,
}

impl Default for QueuesConfig {
    fn default() -> Self {
        QueuesConfig {
            stale_draft_after: std::time::Duration::from_secs(30 * 86_400),
            scheduled_within: std::time::Duration::from_secs(7 * 86_400),
        }
    }
}

/// `[quality]`: every rule runs unless switched off; severities and the
/// staleness age can be changed. Campaign thresholds come from `[pipeline.thresholds]`.
#[derive(Debug, Clone, PartialEq)]
pub struct QualityConfig {
    /// `[quality.rules.<rule>] enabled = false`.
    pub disabled: std::collections::BTreeSet<crate::model::Rule>,
    /// `[quality.rules.<rule>] severity = "critical"`.
    pub severity: BTreeMap<crate::model::Rule, crate::model::Severity>,
    /// `stale_after = "730d"`: a contact not modified for this long is stale.
    pub stale_after: std::time::Duration,
}

impl Default for QualityConfig {
    fn default() -> Self {
        QualityConfig {
            disabled: Default::default(),
            severity: Default::default(),
            // Two years untouched: old enough that nobody is working the record.
            stale_after: std::time::Duration::from_secs(730 * 86_400),
        }
    }
}

/// `[pipeline]`: where KPIs turn red, and what campaigns cost and earned.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PipelineConfig {
    pub thresholds: Thresholds,
    /// `[[pipeline.campaign]]` entries.
    pub campaigns: Vec<CampaignEconomics>,
}

impl PipelineConfig {
    /// The economics configured for this Mailchimp campaign id, if any.
    pub fn campaign(&self, id: &str) -> Option<&CampaignEconomics> {
        self.campaigns.iter().find(|c| c.id == id)
    }
}

/// `[pipeline.thresholds]`: rates as fractions (0.02 = 2%). A rate above a
/// maximum, or below a minimum, is coloured and flagged.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    pub bounce_rate: f64,
    pub unsubscribe_rate: f64,
    pub churn: f64,
    pub open_rate_min: Option<f64>,
    pub click_rate_min: Option<f64>,
}

impl Default for Thresholds {
    /// Common industry warning levels: 2% bounces, 0.5% unsubscribes, 1% monthly churn.
    fn default() -> Self {
        Thresholds {
            bounce_rate: 0.02,
            unsubscribe_rate: 0.005,
            churn: 0.01,
            open_rate_min: None,
            click_rate_min: None,
        }
    }
}

/// `[[pipeline.campaign]]`: what one campaign cost and (until CRM
/// attribution exists) what it earned, for ROMI.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignEconomics {
    /// The Mailchimp campaign id.
    pub id: String,
    pub cost: f64,
    pub revenue: Option<f64>,
}

/// A place in the config file, 1-based; the column counts characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

impl Config {
    /// The source with this name, if any.
    pub fn source(&self, name: &str) -> Option<&SourceConfig> {
        self.sources.iter().find(|s| s.name == name)
    }
}

#[derive(Debug, Clone)]
pub struct SourceConfig {
    pub name: String,
    pub kind: SourceKind,
    pub base_url: Option<Url>,
    /// Time between polls.
    pub interval: Duration,
    /// Limit for one attempt of a request; retries stop within `interval`.
    pub timeout: Duration,
    /// A successful probe slower than this is DEGRADED.
    pub slow: Duration,
    pub settings: SourceSettings,
}

impl SourceConfig {
    /// The secret this source needs, with its config key (`api_key`, `token`,
    /// `app_password`); `None` for plain HTTP checks.
    pub fn secret(&self) -> Option<(&'static str, &SecretRef)> {
        self.settings.secret()
    }
}

/// `Debug` is written by hand: an http check's URL may carry a token in its
/// query, so it is shown without the query.
#[derive(Clone)]
pub enum SourceSettings {
    Mailchimp {
        api_key: SecretRef,
        /// Where the `test` action sends test emails.
        test_emails: Vec<String>,
    },
    Hubspot {
        /// Owners (ids or emails) that `assign round-robin` rotates unowned contacts over.
        round_robin: Vec<String>,
        token: SecretRef,
        tier: HubspotTier,
        /// Overrides the tier's published limit.
        rate_limit: Option<RateLimitSpec>,
    },
    Wordpress {
        user: String,
        app_password: SecretRef,
    },
    Http {
        url: Url,
        expect_status: u16,
        expect_body: Option<String>,
    },
}

impl std::fmt::Debug for SourceSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SourceSettings::Mailchimp { api_key, test_emails } => f
                .debug_struct("Mailchimp")
                .field("api_key", api_key)
                .field("test_emails", test_emails)
                .finish(),
            SourceSettings::Hubspot {
                token,
                tier,
                rate_limit,
                round_robin,
            } => f
                .debug_struct("Hubspot")
                .field("round_robin", round_robin)
                .field("token", token)
                .field("tier", tier)
                .field("rate_limit", rate_limit)
                .finish(),
            SourceSettings::Wordpress { user, app_password } => f
                .debug_struct("Wordpress")
                .field("user", user)
                .field("app_password", app_password)
                .finish(),
            SourceSettings::Http {
                url,
                expect_status,
                expect_body,
            } => f
                .debug_struct("Http")
                .field("url", &check::shown_url(url))
                .field("expect_status", expect_status)
                .field("expect_body", expect_body)
                .finish(),
        }
    }
}

impl SourceSettings {
    pub fn kind(&self) -> SourceKind {
        match self {
            SourceSettings::Mailchimp { .. } => SourceKind::Mailchimp,
            SourceSettings::Hubspot { .. } => SourceKind::Hubspot,
            SourceSettings::Wordpress { .. } => SourceKind::Wordpress,
            SourceSettings::Http { .. } => SourceKind::Http,
        }
    }

    /// See [`SourceConfig::secret`].
    pub fn secret(&self) -> Option<(&'static str, &SecretRef)> {
        match self {
            SourceSettings::Mailchimp { api_key, .. } => Some(("api_key", api_key)),
            SourceSettings::Hubspot { token, .. } => Some(("token", token)),
            SourceSettings::Wordpress { app_password, .. } => Some(("app_password", app_password)),
            SourceSettings::Http { .. } => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HubspotTier {
    #[default]
    Free,
    Starter,
    Professional,
    Enterprise,
}

/// `requests` per `per`, e.g. "100/10s".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitSpec {
    pub requests: u32,
    pub per: Duration,
}

/// Where a secret lives. Never the secret itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretRef {
    Env(String),
    /// Absolute (relative paths are resolved against the config file's folder).
    File(PathBuf),
}
