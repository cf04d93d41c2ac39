//! Loading real files: secret resolution, permissions, paths, starter and example.

use std::fs;
use std::path::{Path, PathBuf};

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use mops::config::{
    self, CampaignEconomics, ConfigError, PipelineConfig, QualityConfig, SecretRef, SourceSettings, Thresholds,
};
use mops::model::{Rule, Severity, SourceKind};

const DAY: u64 = 86_400;
use secrecy::ExposeSecret;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, text).expect("write test file");
    path
}

#[cfg(unix)]
fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).expect("chmod");
}

const HUBSPOT_FILE: &str = "[[source]]\nname = \"crm\"\nkind = \"hubspot\"\ntoken = { file = \"hubspot.token\" }\n";

#[cfg(unix)]
#[test]
fn secret_file_readable_by_others_is_refused_like_ssh() {
    let dir = tempfile::tempdir().unwrap();
    let token = write(dir.path(), "hubspot.token", "pat-na1-SECRETVALUE\n");
    chmod(&token, 0o644);
    let cfg = config::load(&write(dir.path(), "config.toml", HUBSPOT_FILE)).unwrap();

    let err = cfg.sources[0].secret().unwrap().1.resolve().unwrap_err();
    let shown = token.display();
    assert_eq!(
        err.to_string(),
        format!("secret file {shown} is readable by group or others (mode 0644); run: chmod 600 {shown}")
    );
    assert!(!format!("{err} {err:?}").contains("SECRETVALUE"));

    let report = config::check(&cfg);
    assert!(!report.passed());
    let text = report.to_string();
    assert!(text.contains("FAIL  crm  (hubspot)  4:9: token: secret file"), "{text}");
    assert!(!text.contains("SECRETVALUE"), "{text}");
}

#[cfg(unix)]
#[test]
fn private_secret_file_resolves_relative_to_the_config_folder() {
    let dir = tempfile::tempdir().unwrap();
    let token = write(dir.path(), "hubspot.token", "pat-na1-SECRETVALUE\r\n");
    chmod(&token, 0o600);
    let cfg = config::load(&write(dir.path(), "config.toml", HUBSPOT_FILE)).unwrap();

    let (key, secret) = cfg.sources[0].secret().unwrap();
    assert_eq!(key, "token");
    assert_eq!(secret, &SecretRef::File(token.clone()));
    assert_eq!(secret.resolve().unwrap().expose_secret(), "pat-na1-SECRETVALUE");

    let report = config::check(&cfg);
    assert!(report.passed(), "{report}");
    assert!(
        report
            .to_string()
            .contains(&format!("token from file {}", token.display()))
    );
    assert!(!report.to_string().contains("SECRETVALUE"));
}

#[cfg(unix)]
#[test]
fn empty_and_missing_secret_files_name_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let empty = write(dir.path(), "empty", "\n");
    chmod(&empty, 0o600);
    let err = SecretRef::File(empty.clone()).resolve().unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("secret file {} is empty; write the secret into it", empty.display())
    );

    let missing = dir.path().join("nope");
    let err = SecretRef::File(missing.clone()).resolve().unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "secret file {shown} does not exist; write the secret into it and run: chmod 600 {shown}",
            shown = missing.display()
        )
    );
}

#[test]
fn tilde_expands_to_the_home_directory() {
    let Some(home) = directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf()) else {
        return; // no home: nothing to expand against
    };
    let cfg = config::parse(
        "[[source]]\nname = \"crm\"\nkind = \"hubspot\"\ntoken = { file = \"~/.config/mops/hubspot.token\" }\n",
        Path::new("/etc/mops/config.toml"),
    )
    .unwrap();
    assert_eq!(
        cfg.sources[0].secret().unwrap().1,
        &SecretRef::File(home.join(".config/mops/hubspot.token"))
    );
}

#[test]
fn env_secret_resolves_from_the_process_environment() {
    // cargo sets CARGO_PKG_NAME for test binaries; reading it avoids set_var.
    let secret = SecretRef::Env("CARGO_PKG_NAME".into()).resolve().unwrap();
    assert_eq!(secret.expose_secret(), "mops");

    let err = SecretRef::Env("MOPS_TEST_SURELY_UNSET_4F2A".into())
        .resolve()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "environment variable MOPS_TEST_SURELY_UNSET_4F2A is not set; export it before running mops, or use { file = \"PATH\" }"
    );
}

#[test]
fn missing_config_file_suggests_init() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    let err = config::load(&path).unwrap_err();
    assert!(matches!(err, ConfigError::NotFound { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains(&format!("mops config init {}", path.display())),
        "{err}"
    );
    assert!(err.to_string().contains(&path.display().to_string()), "{err}");
}

#[test]
fn locate_prefers_cli_then_env_then_default() {
    let default = config::default_path();
    let cli = Path::new("/srv/mops/cli.toml");
    let env = std::ffi::OsStr::new("/srv/mops/env.toml");
    assert_eq!(config::locate_from(Some(cli), Some(env), default.clone()).unwrap(), cli);
    assert_eq!(
        config::locate_from(None, Some(env), default.clone()).unwrap(),
        PathBuf::from(env)
    );
    if let Some(default) = default {
        assert!(default.ends_with("mops/config.toml"), "{}", default.display());
        assert_eq!(config::locate_from(None, None, Some(default.clone())).unwrap(), default);
    }
    assert_eq!(config::locate(Some(cli)).unwrap(), cli);
}

#[test]
fn starter_parses_and_passes_check_without_any_env() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/mops/config.toml");
    assert_eq!(config::init(&path).unwrap(), path);
    assert_eq!(fs::read_to_string(&path).unwrap(), config::starter());

    let cfg = config::load(&path).unwrap();
    assert_eq!(cfg.title, "config");
    assert_eq!(cfg.sources.len(), 1);
    assert_eq!(cfg.sources[0].name, "website");
    assert_eq!(cfg.sources[0].kind, SourceKind::Http);
    let report = config::check(&cfg);
    assert!(report.passed(), "{report}");
    assert!(report.warnings.is_empty(), "{report}");

    // The commented vendor sections are complete examples once uncommented.
    for kind in ["mailchimp", "hubspot", "wordpress"] {
        assert!(config::starter().contains(&format!("# kind = \"{kind}\"")), "{kind}");
    }
}

#[test]
fn init_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "config.toml", "# mine\n");
    let err = config::init(&path).unwrap_err();
    assert!(matches!(err, ConfigError::AlreadyExists { .. }), "{err:?}");
    assert_eq!(fs::read_to_string(&path).unwrap(), "# mine\n");
}

#[test]
fn example_config_parses_with_all_four_kinds() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config/example.toml");
    let cfg = config::load(&path).unwrap();
    assert_eq!(cfg.title, "Acme marketing stack");
    let kinds: Vec<SourceKind> = cfg.sources.iter().map(|s| s.kind).collect();
    assert_eq!(kinds, SourceKind::ALL);
    let Some(SourceSettings::Http { expect_body, .. }) = cfg.source("landing").map(|s| &s.settings) else {
        panic!("landing is not an http source");
    };
    assert_eq!(expect_body.as_deref(), Some("Sign up"));

    let Some(SourceSettings::Mailchimp { test_emails, .. }) = cfg.source("mailchimp").map(|s| &s.settings) else {
        panic!("mailchimp is not a mailchimp source");
    };
    assert_eq!(test_emails, &["ops@example.com", "qa@example.com"]);
    let Some(SourceSettings::Hubspot { round_robin, .. }) = cfg.source("crm").map(|s| &s.settings) else {
        panic!("crm is not a hubspot source");
    };
    assert_eq!(round_robin, &["ann@acme.example", "123"]);
    assert_eq!(
        cfg.quality,
        QualityConfig {
            disabled: BTreeSet::from([Rule::PlusAddressing]),
            severity: BTreeMap::from([(Rule::ConsentMismatch, Severity::Critical)]),
            stale_after: Duration::from_secs(365 * DAY),
        }
    );
    assert_eq!(
        cfg.pipeline,
        PipelineConfig {
            thresholds: Thresholds {
                bounce_rate: 0.02,
                unsubscribe_rate: 0.005,
                churn: 0.01,
                open_rate_min: Some(0.15),
                click_rate_min: Some(0.01),
            },
            campaigns: vec![
                CampaignEconomics {
                    id: "42694e9e57".into(),
                    cost: 1200.0,
                    revenue: Some(5400.50),
                },
                CampaignEconomics {
                    id: "b03bfc273a".into(),
                    cost: 350.0,
                    revenue: None,
                },
            ],
        }
    );
}

#[test]
fn pipeline_rates_load_as_fractions_from_percent_or_fraction_form() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "pipeline.toml",
        "[pipeline.thresholds]\nbounce_rate = \"5%\"\nunsubscribe_rate = \"0.25 %\"\nchurn = 0.03\nclick_rate_min = 1\n\n[[pipeline.campaign]]\nid = \"42694e9e57\"\ncost = 1200\nrevenue = 5400.50\n",
    );
    let cfg = config::load(&path).unwrap();
    let t = cfg.pipeline.thresholds;
    assert_eq!(t.bounce_rate, 0.05);
    assert_eq!(t.unsubscribe_rate, 0.0025);
    assert_eq!(t.churn, 0.03);
    assert_eq!(t.open_rate_min, None, "an optional minimum left out stays off");
    assert_eq!(t.click_rate_min, Some(1.0));
    let campaign = cfg.pipeline.campaign("42694e9e57").expect("campaign economics");
    assert_eq!((campaign.cost, campaign.revenue), (1200.0, Some(5400.5)));
}

#[test]
fn pipeline_defaults_apply_when_absent_or_partly_set() {
    let dir = tempfile::tempdir().unwrap();
    let none = config::load(&write(dir.path(), "none.toml", "title = \"x\"\n")).unwrap();
    assert_eq!(none.pipeline.thresholds, Thresholds::default());
    assert_eq!(
        (
            none.pipeline.thresholds.bounce_rate,
            none.pipeline.thresholds.unsubscribe_rate,
            none.pipeline.thresholds.churn
        ),
        (0.02, 0.005, 0.01)
    );
    assert!(none.pipeline.campaigns.is_empty());

    let partial = config::load(&write(
        dir.path(),
        "partial.toml",
        "[pipeline.thresholds]\nchurn = \"2%\"\n",
    ))
    .unwrap();
    assert_eq!(
        partial.pipeline.thresholds,
        Thresholds {
            churn: 0.02,
            ..Thresholds::default()
        }
    );
}

#[test]
fn starter_vendor_examples_are_valid_once_uncommented() {
    // Uncomment only lines that are TOML (`# key = ...`, `# [[source]]`),
    // not the prose around them.
    let uncommented: String = config::starter()
        .lines()
        .map(|line| match line.strip_prefix("# ") {
            Some(rest)
                if rest.starts_with('[')
                    || rest
                        .split_once(" = ")
                        .is_some_and(|(key, _)| key.chars().all(|c| c.is_ascii_lowercase() || c == '_')) =>
            {
                rest
            }
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let cfg = config::parse(&uncommented, Path::new("/etc/mops/config.toml"))
        .unwrap_or_else(|err| panic!("{err}\n---\n{uncommented}"));
    let kinds: Vec<SourceKind> = cfg.sources.iter().map(|s| s.kind).collect();
    assert_eq!(
        kinds,
        [
            SourceKind::Http,
            SourceKind::Mailchimp,
            SourceKind::Hubspot,
            SourceKind::Wordpress
        ]
    );
    let Some(SourceSettings::Mailchimp { test_emails, .. }) = cfg.source("mailchimp").map(|s| &s.settings) else {
        panic!("no mailchimp source once uncommented");
    };
    assert_eq!(test_emails, &["ops@example.com"]);
    // The commented thresholds are the defaults, plus the optional minimums.
    assert_eq!(
        cfg.pipeline.thresholds,
        Thresholds {
            open_rate_min: Some(0.15),
            click_rate_min: Some(0.01),
            ..Thresholds::default()
        }
    );
    assert_eq!(cfg.pipeline.campaigns.len(), 1);
    let Some(SourceSettings::Hubspot { round_robin, .. }) = cfg.source("crm").map(|s| &s.settings) else {
        panic!("no hubspot source once uncommented");
    };
    assert_eq!(round_robin, &["ann@acme.example", "123"]);
    assert_eq!(cfg.quality.disabled, BTreeSet::from([Rule::PlusAddressing]));
    assert_eq!(
        cfg.quality.severity,
        BTreeMap::from([(Rule::ConsentMismatch, Severity::Critical)])
    );
}

#[test]
fn a_directory_is_not_a_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let err = config::load(dir.path()).unwrap_err();
    assert!(matches!(err, ConfigError::NotAFile { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("is a directory"), "{text}");
    assert!(text.contains(".toml file itself"), "{text}");
}

#[test]
fn non_utf8_config_points_at_the_first_bad_byte_without_quoting_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latin1.toml");
    // "café" in Latin-1 on line 2: the byte after "caf" is not UTF-8.
    fs::write(&path, b"readonly = true\ntitle = \"caf\xe9 SECRETISH\"\n").unwrap();
    let err = config::load(&path).unwrap_err();
    let problems = err.problems();
    assert_eq!(problems.len(), 1, "{err}");
    assert_eq!((problems[0].line, problems[0].column), (2, 13), "{err}");
    let text = err.to_string();
    assert!(text.starts_with(&format!("{}:2:13: ", path.display())), "{text}");
    assert!(text.contains("save it as UTF-8"), "{text}");
    assert!(!text.contains("SECRETISH"), "{text}");
}

#[test]
fn quality_rules_and_round_robin_load_and_show_in_check() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "quality.toml",
        r#"
[[source]]
name = "crm"
kind = "hubspot"
token = { env = "MOPS_TEST_QUALITY_TOKEN" }
round_robin = ["ann@acme.example", " 123 ", "bob@acme.example"]

[quality]
stale_after = "26w"

[quality.rules.stale_record]
enabled = false

[quality.rules.missing_owner]
severity = "critical"
enabled = true

[quality.rules.campaign_bounce_rate]
severity = "info"
"#,
    );
    let cfg = config::load(&path).unwrap();
    let Some(SourceSettings::Hubspot { round_robin, .. }) = cfg.source("crm").map(|s| &s.settings) else {
        panic!("crm is not a hubspot source");
    };
    assert_eq!(round_robin, &["ann@acme.example", "123", "bob@acme.example"]);
    assert_eq!(cfg.quality.stale_after, Duration::from_secs(182 * DAY));
    assert_eq!(cfg.quality.disabled, BTreeSet::from([Rule::StaleRecord]));
    assert_eq!(
        cfg.quality.severity,
        BTreeMap::from([
            (Rule::MissingOwner, Severity::Critical),
            (Rule::CampaignOverBounceThreshold, Severity::Info),
        ])
    );

    let report = config::check(&cfg);
    assert_eq!(
        report.quality,
        "stale after 182d; 1 of 12 rules off: stale_record; severity: missing_owner critical, campaign_bounce_rate info"
    );
    let text = report.to_string();
    assert!(
        text.contains("\nquality: stale after 182d; 1 of 12 rules off"),
        "{text}"
    );
    // The secret is missing, so the source fails; its notes are not shown then.
    assert!(text.contains("FAIL  crm"), "{text}");
}

#[test]
fn round_robin_owners_are_counted_in_check() {
    let dir = tempfile::tempdir().unwrap();
    let token = write(dir.path(), "hubspot.token", "pat-na1-SECRETVALUE\n");
    #[cfg(unix)]
    chmod(&token, 0o600);
    let with = format!("{HUBSPOT_FILE}round_robin = [\"ann@acme.example\", \"123\"]\n");
    let cfg = config::load(&write(dir.path(), "with.toml", &with)).unwrap();
    let text = config::check(&cfg).to_string();
    assert!(text.contains("round-robin over 2 owners"), "{text}");

    let cfg = config::load(&write(dir.path(), "without.toml", HUBSPOT_FILE)).unwrap();
    let text = config::check(&cfg).to_string();
    assert!(text.contains("no round_robin owners"), "{text}");
}

#[test]
fn quality_defaults_apply_when_absent_or_partly_set() {
    let dir = tempfile::tempdir().unwrap();
    let none = config::load(&write(dir.path(), "none.toml", "title = \"x\"\n")).unwrap();
    assert_eq!(none.quality, QualityConfig::default());
    assert_eq!(none.queues.stale_draft_after, Duration::from_secs(30 * DAY));
    assert_eq!(none.queues.scheduled_within, Duration::from_secs(7 * DAY));
    assert!(
        config::check(&none)
            .to_string()
            .contains("queues: drafts stale after 30d; scheduled posts listed 7d ahead")
    );
    let queues = config::load(&write(
        dir.path(),
        "queues.toml",
        "[queues]\nstale_draft_after = \"2w\"\nscheduled_within = \"36h\"\n",
    ))
    .unwrap();
    assert_eq!(queues.queues.stale_draft_after, Duration::from_secs(14 * DAY));
    assert_eq!(queues.queues.scheduled_within, Duration::from_secs(36 * 3600));
    assert_eq!(none.quality.stale_after, Duration::from_secs(730 * DAY));
    assert!(none.quality.disabled.is_empty() && none.quality.severity.is_empty());
    assert_eq!(
        config::check(&none).quality,
        "stale after 730d; all 12 rules on",
        "the defaults are spelled out"
    );

    let partial = config::load(&write(
        dir.path(),
        "partial.toml",
        "[quality.rules.invalid_email]\nseverity = \"warning\"\n",
    ))
    .unwrap();
    assert_eq!(partial.quality.stale_after, Duration::from_secs(730 * DAY));
    assert!(partial.quality.disabled.is_empty());
    assert_eq!(
        partial.quality.severity,
        BTreeMap::from([(Rule::InvalidEmail, Severity::Warning)])
    );

    let hubspot = config::load(&write(
        dir.path(),
        "hubspot.toml",
        "[[source]]\nname = \"h\"\nkind = \"hubspot\"\ntoken = { env = \"T\" }\n",
    ))
    .unwrap();
    assert!(
        matches!(&hubspot.sources[0].settings, SourceSettings::Hubspot { round_robin, .. } if round_robin.is_empty())
    );
}

/// Loads `text` as a config file of its own.
fn load_text(text: &str) -> Result<config::Config, ConfigError> {
    let dir = tempfile::tempdir().unwrap();
    config::load(&write(dir.path(), "config.toml", text))
}

#[test]
fn allow_insecure_lets_a_lab_use_plain_http_and_check_says_so() {
    let cfg = load_text(
        "[[source]]\nname = \"blog\"\nkind = \"wordpress\"\nbase_url = \"http://wp.lab.internal/wp-json\"\n\
         user = \"ops-bot\"\napp_password = { env = \"MOPS_TEST_ALLOW_INSECURE_UNSET\" }\nallow_insecure = true\n\
         [[source]]\nname = \"landing\"\nkind = \"http\"\nurl = \"http://www.lab.internal/\"\nallow_insecure = true\n",
    )
    .expect("allow_insecure = true accepts plain http off loopback");
    assert_eq!(
        cfg.source("blog").and_then(|s| s.base_url.as_ref()).map(|u| u.as_str()),
        Some("http://wp.lab.internal/wp-json")
    );
    let text = config::check(&cfg).to_string();
    assert!(
        text.contains("warn  source \"blog\" runs with allow_insecure = true (7:18): its credentials and data travel unencrypted over http:// to wp.lab.internal"),
        "{text}"
    );
    assert!(
        text.contains(
            "warn  source \"landing\" runs with allow_insecure = true (12:18): its requests travel unencrypted"
        ),
        "{text}"
    );
}

#[test]
fn plain_http_to_loopback_needs_no_opt_out() {
    for host in ["127.0.0.1:4010", "127.3.2.1", "[::1]:8080", "localhost:4010"] {
        let cfg = load_text(&format!(
            "[[source]]\nname = \"crm\"\nkind = \"hubspot\"\nbase_url = \"http://{host}/hubspot\"\n\
             token = {{ env = \"HUBSPOT_TOKEN\" }}\n[[source]]\nname = \"site\"\nkind = \"http\"\nurl = \"http://{host}/\"\n"
        ))
        .unwrap_or_else(|e| panic!("{host}: {e}"));
        assert_eq!(cfg.sources.len(), 2, "{host}");
        assert!(cfg.insecure_sites.is_empty(), "{host}");
        let report = config::check(&cfg);
        assert!(
            !report.warnings.iter().any(|w| w.contains("allow_insecure")),
            "{host}: {:?}",
            report.warnings
        );
    }
}
