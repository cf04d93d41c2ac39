//! `mops config check`: resolve every secret (never showing it) and report
//! per-source results plus warnings that do not fail the check.

use std::fmt;
use std::path::PathBuf;

use secrecy::SecretString;
use url::Url;

use super::transport::is_plaintext_off_loopback;
use super::{
    Config, ConfigError, PipelineConfig, Position, QualityConfig, SecretRef, SourceConfig, SourceSettings, format_age,
    format_duration, format_rate, mailchimp_base_url,
};
use crate::model::{Rule, SourceKind};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckReport {
    pub file: PathBuf,
    pub title: String,
    pub sources: Vec<SourceCheck>,
    /// What `[pipeline]` amounts to: thresholds in force and how many
    /// campaigns have economics.
    pub pipeline: String,
    /// What `[quality]` amounts to: the staleness age, rules switched off,
    /// severities changed.
    pub quality: String,
    /// What `[queues]` amounts to: when drafts are stale, how far ahead scheduled posts show.
    pub queues: String,
    /// One line per `[[notify.webhook]]`: where its URL comes from, or why it cannot be used.
    pub webhooks: Vec<String>,
    /// Webhooks whose URL does not resolve or is refused.
    pub webhook_problems: usize,
    /// Worth knowing, not failures.
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceCheck {
    pub name: String,
    pub kind: SourceKind,
    /// Why the source cannot work; empty when it passed.
    pub problems: Vec<String>,
    /// What was checked, e.g. "api_key from env MAILCHIMP_API_KEY".
    pub notes: Vec<String>,
}

impl SourceCheck {
    pub fn passed(&self) -> bool {
        self.problems.is_empty()
    }
}

impl CheckReport {
    /// True when every source and webhook passed; warnings do not fail the check.
    pub fn passed(&self) -> bool {
        self.sources.iter().all(SourceCheck::passed) && self.webhook_problems == 0
    }

    pub fn failed_count(&self) -> usize {
        self.sources.iter().filter(|s| !s.passed()).count()
    }
}

/// Checks what [`crate::config::load`] cannot: that secrets resolve.
pub fn check(config: &Config) -> CheckReport {
    check_with(config, SecretRef::resolve)
}

pub(crate) fn check_with(
    config: &Config,
    resolve: impl Fn(&SecretRef) -> Result<SecretString, ConfigError>,
) -> CheckReport {
    let mut warnings = Vec::new();
    if config.sources.is_empty() {
        warnings.push("no sources configured: the cockpit will show empty panes; add a [[source]] table".to_owned());
    }
    let sources = config
        .sources
        .iter()
        .map(|source| {
            warnings.extend(source_warnings(source, config.insecure_sites.get(&source.name)));
            check_source(source, config.secret_sites.get(&source.name), &resolve)
        })
        .collect();
    let campaigns = config.pipeline.campaigns.len();
    if campaigns > 0 && !config.sources.iter().any(|s| s.kind == SourceKind::Mailchimp) {
        warnings.push(format!(
            "[[pipeline.campaign]] gives economics for {} but no mailchimp source reports campaigns",
            count(campaigns, "campaign")
        ));
    }
    // The URL is a secret: said by where it comes from, never by its text.
    let (webhooks, webhook_problems) =
        config
            .notify
            .webhooks
            .iter()
            .fold((Vec::new(), 0), |(mut lines, bad), w| match w.resolve_url() {
                Ok(_) => {
                    lines.push(format!("ok    webhook {}: url from {}", w.name, w.url.describe()));
                    (lines, bad)
                }
                Err(e) => {
                    lines.push(format!("FAIL  {e}"));
                    (lines, bad + 1)
                }
            });
    CheckReport {
        file: config.file.clone(),
        title: config.title.clone(),
        sources,
        pipeline: pipeline_summary(&config.pipeline),
        quality: quality_summary(&config.quality),
        queues: format!(
            "drafts stale after {}; scheduled posts listed {} ahead",
            format_age(config.queues.stale_draft_after),
            format_age(config.queues.scheduled_within)
        ),
        webhooks,
        webhook_problems,
        warnings,
    }
}

/// `site` is where the secret reference is written: problems with the
/// secret start with its `line:column`, like validation errors.
fn check_source(
    source: &SourceConfig,
    site: Option<&Position>,
    resolve: &impl Fn(&SecretRef) -> Result<SecretString, ConfigError>,
) -> SourceCheck {
    let mut problems = Vec::new();
    let mut notes = Vec::new();
    if let Some((key, secret_ref)) = source.secret() {
        let at = site.map(|p| format!("{p}: ")).unwrap_or_default();
        match resolve(secret_ref) {
            Ok(secret) => {
                notes.push(format!("{key} from {}", secret_ref.describe()));
                if source.kind == SourceKind::Mailchimp
                    && source.base_url.is_none()
                    && mailchimp_base_url(&secret).is_none()
                {
                    problems.push(format!(
                        "{at}{key} has no data-centre suffix (like \"-us14\"), so the API address is unknown; check the key or set base_url"
                    ));
                }
            }
            Err(err) => problems.push(format!("{at}{key}: {err}")),
        }
    }
    if let Some(base) = &source.base_url {
        notes.push(format!("at {}", shown_url(base)));
    }
    if let SourceSettings::Http { url, expect_status, .. } = &source.settings {
        notes.push(format!("GET {} expects {expect_status}", shown_url(url)));
    }
    if let SourceSettings::Mailchimp { test_emails, .. } = &source.settings {
        notes.push(match test_emails.len() {
            0 => "no test_emails (the test action needs them)".to_owned(),
            n => count(n, "test email"),
        });
    }
    if let SourceSettings::Hubspot {
        tier,
        rate_limit,
        round_robin,
        ..
    } = &source.settings
    {
        let limit = rate_limit.unwrap_or_else(|| tier.published_limit());
        notes.push(format!("{} tier, {limit}", tier.key()));
        notes.push(match round_robin.len() {
            0 => "no round_robin owners (assign round-robin needs them)".to_owned(),
            n => format!("round-robin over {}", count(n, "owner")),
        });
    }
    SourceCheck {
        name: source.name.clone(),
        kind: source.kind,
        problems,
        notes,
    }
}

/// "bounce 2%, unsubscribe 0.5%, churn 1%; economics for 2 campaigns (1 with revenue)".
fn pipeline_summary(pipeline: &PipelineConfig) -> String {
    let t = &pipeline.thresholds;
    let mut limits = vec![
        format!("bounce {}", format_rate(t.bounce_rate)),
        format!("unsubscribe {}", format_rate(t.unsubscribe_rate)),
        format!("churn {}", format_rate(t.churn)),
    ];
    if let Some(open) = t.open_rate_min {
        limits.push(format!("open at least {}", format_rate(open)));
    }
    if let Some(click) = t.click_rate_min {
        limits.push(format!("click at least {}", format_rate(click)));
    }
    let economics = match pipeline.campaigns.len() {
        0 => "no campaign economics".to_owned(),
        n => {
            let with_revenue = pipeline.campaigns.iter().filter(|c| c.revenue.is_some()).count();
            format!("economics for {} ({with_revenue} with revenue)", count(n, "campaign"))
        }
    };
    format!("thresholds {}; {economics}", limits.join(", "))
}

/// "stale after 180d; all 12 rules on" or
/// "stale after 90d; 2 of 12 rules off: plus_addressing, stale_record; severity: missing_owner critical".
fn quality_summary(quality: &QualityConfig) -> String {
    let total = Rule::ALL.len();
    let mut parts = vec![format!("stale after {}", format_age(quality.stale_after))];
    if quality.disabled.is_empty() {
        parts.push(format!("all {total} rules on"));
    } else {
        let off: Vec<&str> = quality.disabled.iter().map(|r| r.key()).collect();
        parts.push(format!("{} of {total} rules off: {}", off.len(), off.join(", ")));
    }
    let changed: Vec<String> = quality
        .severity
        .iter()
        .filter(|(rule, _)| !quality.disabled.contains(rule))
        .map(|(rule, severity)| format!("{} {}", rule.key(), severity.label()))
        .collect();
    if !changed.is_empty() {
        parts.push(format!("severity: {}", changed.join(", ")));
    }
    parts.join("; ")
}

/// "1 campaign", "2 campaigns".
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// `insecure_site` is where the source sets `allow_insecure = true`, if it does.
fn source_warnings(source: &SourceConfig, insecure_site: Option<&Position>) -> Vec<String> {
    let mut out = Vec::new();
    if source.slow >= source.timeout {
        out.push(format!(
            "source {:?}: slow ({}) is not below timeout ({}), so it can never show DEGRADED",
            source.name,
            format_duration(source.slow),
            format_duration(source.timeout)
        ));
    }
    let Some(at) = insecure_site else {
        return out;
    };
    let target = match &source.settings {
        SourceSettings::Http { url, .. } => Some(url),
        _ => source.base_url.as_ref(),
    };
    let what = if source.secret().is_some() {
        "its credentials and data travel"
    } else {
        "its requests travel"
    };
    out.push(match target {
        Some(url) if is_plaintext_off_loopback(url) => format!(
            "source {:?} runs with allow_insecure = true ({at}): {what} unencrypted over http:// to {}; use https outside a lab",
            source.name,
            url.host_str().unwrap_or_default()
        ),
        _ => format!(
            "source {:?} sets allow_insecure = true ({at}) but does not need it (https or loopback); remove it",
            source.name
        ),
    });
    out
}

/// The URL without its query, which can carry tokens.
pub(crate) fn shown_url(url: &Url) -> String {
    let mut shown = url.clone();
    if shown.query().is_some() {
        shown.set_query(None);
        format!("{shown}?...")
    } else {
        shown.to_string()
    }
}

/// Ends with a newline: `print!("{report}")` is the intended use.
impl fmt::Display for CheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "config {} ({})", self.file.display(), self.title)?;
        let name_width = self.sources.iter().map(|s| s.name.len()).max().unwrap_or(0);
        let kind_width = self.sources.iter().map(|s| s.kind.key().len() + 2).max().unwrap_or(0);
        for s in &self.sources {
            let (status, detail) = if s.passed() {
                ("ok", s.notes.join("; "))
            } else {
                ("FAIL", s.problems.join("; "))
            };
            let kind = format!("({})", s.kind.key());
            let line = format!("{status:<5} {:<name_width$}  {kind:<kind_width$}  {detail}", s.name);
            writeln!(f, "{}", line.trim_end())?;
        }
        writeln!(f, "pipeline: {}", self.pipeline)?;
        writeln!(f, "quality: {}", self.quality)?;
        writeln!(f, "queues: {}", self.queues)?;
        for line in &self.webhooks {
            writeln!(f, "{line}")?;
        }
        for warning in &self.warnings {
            writeln!(f, "warn  {warning}")?;
        }
        let total = self.sources.len();
        match self.failed_count() {
            _ if total == 0 => writeln!(f, "no sources checked"),
            0 if total == 1 => writeln!(f, "the source is ok"),
            0 => writeln!(f, "all {total} sources ok"),
            failed => writeln!(f, "{failed} of {total} sources failed"),
        }?;
        match self.webhook_problems {
            0 => Ok(()),
            1 => writeln!(f, "1 webhook cannot be used"),
            n => writeln!(f, "{n} webhooks cannot be used"),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use secrecy::SecretString;

    use super::*;
    use crate::config::parse;

    const STACK: &str = r#"
[[source]]
name = "mailchimp"
kind = "mailchimp"
api_key = { env = "MAILCHIMP_API_KEY" }

[[source]]
name = "crm"
kind = "hubspot"
token = { file = "/run/keys/hubspot" }
"#;

    fn fake_resolve(r: &SecretRef) -> Result<SecretString, ConfigError> {
        match r {
            SecretRef::Env(_) => Ok(SecretString::from("TOPSECRET-us14")),
            SecretRef::File(path) => Err(ConfigError::SecretFilePermissions {
                path: path.clone(),
                mode: 0o644,
            }),
        }
    }

    #[test]
    fn reports_each_source_and_fails_on_a_bad_secret() {
        let config = parse(STACK, Path::new("/etc/mops/config.toml")).unwrap();
        let report = check_with(&config, fake_resolve);
        assert!(!report.passed());
        assert_eq!(report.failed_count(), 1);
        let text = report.to_string();
        assert!(
            text.contains("ok    mailchimp  (mailchimp)  api_key from env MAILCHIMP_API_KEY"),
            "{text}"
        );
        assert!(
            text.contains("FAIL  crm        (hubspot)    10:9: token: secret file /run/keys/hubspot is readable by group or others (mode 0644); run: chmod 600 /run/keys/hubspot"),
            "{text}"
        );
        assert!(text.ends_with("\n1 of 2 sources failed\n"), "{text}");
        assert!(!text.contains("TOPSECRET"), "{text}");
    }

    #[test]
    fn mailchimp_key_without_data_centre_fails_unless_base_url_is_set() {
        let config = parse(
            "[[source]]\nname = \"m\"\nkind = \"mailchimp\"\napi_key = { env = \"K\" }\n",
            Path::new("/c.toml"),
        )
        .unwrap();
        let report = check_with(&config, |_| Ok(SecretString::from("nodatacentre")));
        assert!(!report.passed());
        assert!(report.sources[0].problems[0].contains("data-centre"));
        assert!(!report.to_string().contains("nodatacentre"));

        let with_base = parse(
            "[[source]]\nname = \"m\"\nkind = \"mailchimp\"\nbase_url = \"http://127.0.0.1:4010\"\napi_key = { env = \"K\" }\n",
            Path::new("/c.toml"),
        )
        .unwrap();
        let report = check_with(&with_base, |_| Ok(SecretString::from("nodatacentre")));
        assert!(report.passed(), "{report}");
        assert!(report.warnings.is_empty(), "loopback http is fine: {report}");
    }

    #[test]
    fn shows_test_email_count_and_pipeline_economics() {
        let config = parse(
            r#"
[pipeline.thresholds]
bounce_rate = "3%"
open_rate_min = 0.15

[[pipeline.campaign]]
id = "c1"
cost = 100

[[pipeline.campaign]]
id = "c2"
cost = 250.5
revenue = 900

[[source]]
name = "mc"
kind = "mailchimp"
api_key = { env = "K" }
test_emails = ["ops@example.com", "qa@example.com"]
"#,
            Path::new("/c.toml"),
        )
        .unwrap();
        let text = check_with(&config, |_| Ok(SecretString::from("x-us14"))).to_string();
        assert!(
            text.contains("ok    mc  (mailchimp)  api_key from env K; 2 test emails\n"),
            "{text}"
        );
        assert!(
            text.contains("\npipeline: thresholds bounce 3%, unsubscribe 0.5%, churn 1%, open at least 15%; economics for 2 campaigns (1 with revenue)\n"),
            "{text}"
        );
        assert!(!text.contains("ops@example.com"), "addresses are not listed: {text}");
        assert!(!text.contains("warn"), "{text}");
    }

    #[test]
    fn mailchimp_without_test_emails_says_so_and_orphan_economics_warn() {
        let config = parse(
            "[[pipeline.campaign]]\nid = \"c1\"\ncost = 1\n[[source]]\nname = \"w\"\nkind = \"http\"\nurl = \"https://x.test/\"\n",
            Path::new("/c.toml"),
        )
        .unwrap();
        let report = check(&config);
        assert!(report.passed());
        assert_eq!(
            report.warnings,
            ["[[pipeline.campaign]] gives economics for 1 campaign but no mailchimp source reports campaigns"]
        );
        assert!(report.to_string().contains(
            "pipeline: thresholds bounce 2%, unsubscribe 0.5%, churn 1%; economics for 1 campaign (0 with revenue)"
        ));

        let mc = parse(
            "[[source]]\nname = \"m\"\nkind = \"mailchimp\"\napi_key = { env = \"K\" }\n",
            Path::new("/c.toml"),
        )
        .unwrap();
        let text = check_with(&mc, |_| Ok(SecretString::from("x-us14"))).to_string();
        assert!(text.contains("; no test_emails (the test action needs them)"), "{text}");
        assert!(text.contains("; no campaign economics\n"), "{text}");
    }

    #[test]
    fn zero_sources_passes_with_a_warning() {
        let config = parse("", Path::new("/c.toml")).unwrap();
        let report = check(&config);
        assert!(report.passed());
        assert_eq!(report.warnings.len(), 1);
        assert!(report.to_string().contains("warn  no sources configured"));
    }

    #[test]
    fn warns_about_allow_insecure_and_unreachable_slow() {
        let config = parse(
            "[[source]]\nname = \"b\"\nkind = \"wordpress\"\nbase_url = \"http://blog.example.com/wp-json\"\nuser = \"u\"\napp_password = { env = \"P\" }\nslow = \"20s\"\ntimeout = \"10s\"\nallow_insecure = true\n",
            Path::new("/c.toml"),
        )
        .unwrap();
        let report = check_with(&config, |_| Ok(SecretString::from("pw")));
        assert!(report.passed());
        let text = report.to_string();
        assert!(
            text.contains("warn  source \"b\" runs with allow_insecure = true (9:18): its credentials and data travel unencrypted over http:// to blog.example.com; use https outside a lab\n"),
            "{text}"
        );
        assert!(text.contains("never show DEGRADED"), "{text}");
    }

    #[test]
    fn allow_insecure_that_changes_nothing_is_pointed_out() {
        let config = parse(
            "[[source]]\nname = \"w\"\nkind = \"http\"\nurl = \"http://127.0.0.1:8080/\"\nallow_insecure = true\n[[source]]\nname = \"x\"\nkind = \"http\"\nurl = \"https://x.test/\"\nallow_insecure = false\n",
            Path::new("/c.toml"),
        )
        .unwrap();
        let report = check(&config);
        assert_eq!(
            report.warnings,
            ["source \"w\" sets allow_insecure = true (5:18) but does not need it (https or loopback); remove it"]
        );
    }

    #[test]
    fn http_check_hides_query_strings() {
        let config = parse(
            "[[source]]\nname = \"hook\"\nkind = \"http\"\nurl = \"https://hooks.example.com/ping?token=abc123\"\n",
            Path::new("/c.toml"),
        )
        .unwrap();
        let text = check(&config).to_string();
        assert!(
            text.contains("GET https://hooks.example.com/ping?... expects 200"),
            "{text}"
        );
        assert!(!text.contains("abc123"));
        let debug = format!("{config:?}");
        assert!(debug.contains("https://hooks.example.com/ping?..."), "{debug}");
        assert!(!debug.contains("abc123"), "{debug}");
    }

    #[test]
    fn webhooks_are_resolved_and_named_never_quoted() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("hook");
        std::fs::write(&good, "https://hooks.example.com/services/T0/B0/sekrit-token\n").unwrap();
        let bad = dir.path().join("plain");
        std::fs::write(&bad, "http://hooks.example.com/services/T0/B0/other-token\n").unwrap();
        for f in [&good, &bad] {
            std::fs::set_permissions(f, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
        }
        let text = format!(
            "{STACK}\n[[notify.webhook]]\nname = \"ops-chat\"\nurl = {{ file = \"{}\" }}\n\n\
             [[notify.webhook]]\nname = \"lab\"\nurl = {{ file = \"{}\" }}\n",
            good.display(),
            bad.display()
        );
        let cfg = parse(&text, Path::new("/etc/mops/config.toml")).unwrap();
        let report = check_with(&cfg, |_| Ok(SecretString::from("k-us21")));
        assert!(!report.passed(), "a webhook that cannot be used fails the check");
        let shown = report.to_string();
        assert!(shown.contains("ok    webhook ops-chat: url from file"), "{shown}");
        assert!(shown.contains("FAIL  webhook \"lab\""), "{shown}");
        assert!(shown.contains("1 webhook cannot be used"), "{shown}");
        assert!(!shown.contains("sekrit") && !shown.contains("other-token"), "{shown}");
    }
}
