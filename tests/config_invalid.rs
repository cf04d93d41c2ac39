//! One regression test per broken config in tests/invalid_configs/: the error
//! must name the file, the line, the column and the field.

use std::path::PathBuf;

use mops::config::{self, ConfigError};

/// Loads `tests/invalid_configs/{name}` and asserts a problem at
/// `line:column` for `field` whose message contains every fragment.
/// Returns the whole error text for further checks.
fn expect_problem(name: &str, line: usize, column: usize, field: &str, fragments: &[&str]) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/invalid_configs")
        .join(name);
    let err = match config::load(&path) {
        Ok(config) => panic!("{name} loaded: {config:?}"),
        Err(err) => err,
    };
    assert!(matches!(err, ConfigError::Invalid { .. }), "{name}: {err:?}");
    let text = err.to_string();
    let location = format!("{}:{line}:{column}: ", path.display());
    let Some(problem_line) = text.lines().find(|l| l.starts_with(&location)) else {
        panic!("{name}: no problem at {line}:{column}:\n{text}");
    };
    let rest = &problem_line[location.len()..];
    if field.is_empty() {
        assert!(rest.starts_with("invalid TOML"), "{name}: {problem_line}");
    } else {
        assert!(
            rest.starts_with(&format!("{field}: ")),
            "{name}: wrong field in {problem_line}"
        );
    }
    for fragment in fragments {
        assert!(
            problem_line.contains(fragment),
            "{name}: {fragment:?} missing in {problem_line}"
        );
    }
    text
}

#[test]
fn unknown_top_level_key() {
    expect_problem(
        "unknown_top_level_key.toml",
        3,
        1,
        "readonyl",
        &["did you mean `readonly`?"],
    );
}

#[test]
fn unknown_source_key() {
    expect_problem(
        "unknown_source_key.toml",
        6,
        1,
        "source \"landing\" field intervall",
        &["did you mean `interval`?"],
    );
}

#[test]
fn unknown_defaults_key() {
    expect_problem(
        "unknown_defaults_key.toml",
        3,
        1,
        "defaults.timout",
        &["did you mean `timeout`?"],
    );
}

#[test]
fn wrong_type_interval() {
    expect_problem(
        "wrong_type_interval.toml",
        3,
        12,
        "defaults.interval",
        &["expected a duration string like \"30s\", found integer 30"],
    );
}

#[test]
fn wrong_type_readonly() {
    expect_problem(
        "wrong_type_readonly.toml",
        1,
        12,
        "readonly",
        &["expected true or false, found string"],
    );
}

#[test]
fn bad_duration() {
    expect_problem(
        "bad_duration.toml",
        5,
        11,
        "source \"landing\" field timeout",
        &["bad duration \"ten seconds\"", "\"30s\""],
    );
}

#[test]
fn zero_interval() {
    expect_problem(
        "zero_interval.toml",
        5,
        12,
        "source \"landing\" field interval",
        &["\"0s\" must be greater than zero"],
    );
}

#[test]
fn interval_below_minimum() {
    expect_problem(
        "interval_below_minimum.toml",
        2,
        12,
        "defaults.interval",
        &["at least 1s, found 500ms"],
    );
}

#[test]
fn timeout_not_below_interval() {
    expect_problem(
        "timeout_not_below_interval.toml",
        6,
        11,
        "source \"crm\" field timeout",
        &["timeout (10s) must be shorter than interval (10s)"],
    );
}

#[test]
fn bad_kind() {
    expect_problem(
        "bad_kind.toml",
        3,
        8,
        "source \"mailchimp\" field kind",
        &["unknown kind \"mailchimps\"", "did you mean `mailchimp`?"],
    );
}

#[test]
fn missing_kind() {
    expect_problem(
        "missing_kind.toml",
        1,
        1,
        "source \"landing\"",
        &["missing `kind`", "`http`"],
    );
}

#[test]
fn missing_name() {
    expect_problem("missing_name.toml", 3, 1, "source #1", &["missing `name`"]);
}

#[test]
fn bad_name() {
    expect_problem("bad_name.toml", 2, 8, "source #1 field name", &["a-z, 0-9"]);
}

#[test]
fn duplicate_names() {
    expect_problem(
        "duplicate_names.toml",
        7,
        8,
        "source \"site\" field name",
        &["duplicate source name \"site\"", "line 2", "line 7"],
    );
}

#[test]
fn inline_secret() {
    let text = expect_problem(
        "inline_secret.toml",
        5,
        11,
        "source \"mailchimp\" field api_key",
        &["api_key = { env = \"MAILCHIMP_API_KEY\" } or { file = \"path\" } with mode 0600"],
    );
    assert!(!text.contains("0123456789abcdef"), "secret leaked: {text}");
    assert!(!text.contains("us14"), "secret leaked: {text}");
}

#[test]
fn secret_env_and_file() {
    expect_problem(
        "secret_env_and_file.toml",
        4,
        9,
        "source \"crm\" field token",
        &["exactly one of `env` or `file`"],
    );
}

#[test]
fn secret_empty_env() {
    expect_problem(
        "secret_empty_env.toml",
        6,
        24,
        "source \"blog\" field app_password.env",
        &["must not be empty"],
    );
}

#[test]
fn secret_value_in_env() {
    let text = expect_problem(
        "secret_value_in_env.toml",
        5,
        11,
        "source \"crm\" field token.env",
        &["not an environment variable name", "not the secret itself"],
    );
    assert!(!text.contains("pat-na1"), "the pasted token was echoed: {text}");
}

#[test]
fn field_of_another_kind() {
    expect_problem(
        "field_of_another_kind.toml",
        5,
        1,
        "source \"mailchimp\" field tier",
        &["does not apply to a mailchimp source", "only hubspot sources accept it"],
    );
}

#[test]
fn base_url_on_http() {
    expect_problem(
        "base_url_on_http.toml",
        4,
        1,
        "source \"landing\" field base_url",
        &["an http source uses `url`"],
    );
}

/// The fix every refused plain-http URL suggests.
const INSECURE_FIX: &str = "use https, or set allow_insecure = true if this is a lab";

#[test]
fn insecure_base_url() {
    let text = expect_problem(
        "insecure_base_url.toml",
        6,
        12,
        "source \"crm\" field base_url",
        &[
            "plain http:// to a host that is not loopback",
            "credentials",
            INSECURE_FIX,
        ],
    );
    assert!(!text.contains("hubspot-proxy"), "the URL is not echoed:\n{text}");
}

#[test]
fn insecure_http_url() {
    expect_problem(
        "insecure_http_url.toml",
        4,
        7,
        "source \"landing\" field url",
        &["plain http:// to a host that is not loopback", INSECURE_FIX],
    );
}

#[test]
fn wrong_type_allow_insecure() {
    let text = expect_problem(
        "wrong_type_allow_insecure.toml",
        7,
        18,
        "source \"blog\" field allow_insecure",
        &["expected true or false, found string"],
    );
    // Not a boolean, so not an opt-out: the plain-http URL is refused as well.
    assert!(
        text.contains(":4:12: source \"blog\" field base_url: plain http://"),
        "{text}"
    );
}

#[test]
fn missing_required_field() {
    expect_problem(
        "missing_required_field.toml",
        1,
        1,
        "source \"blog\"",
        &["a wordpress source needs `base_url`"],
    );
}

#[test]
fn bad_url() {
    expect_problem(
        "bad_url.toml",
        4,
        7,
        "source \"landing\" field url",
        &["not a valid URL", "https://"],
    );
}

#[test]
fn bad_url_scheme() {
    expect_problem(
        "bad_url_scheme.toml",
        4,
        12,
        "source \"blog\" field base_url",
        &["must be http or https, found \"ftp\""],
    );
}

#[test]
fn bad_toml_syntax() {
    expect_problem("bad_toml_syntax.toml", 4, 16, "", &["invalid basic string"]);
}

#[test]
fn duplicate_key() {
    expect_problem(
        "duplicate_key.toml",
        5,
        1,
        "url",
        &["duplicate key", "already set above", "keep one"],
    );
}

#[test]
fn bad_rate_limit() {
    expect_problem(
        "bad_rate_limit.toml",
        6,
        14,
        "source \"crm\" field rate_limit",
        &["\"150/10s\""],
    );
}

#[test]
fn bad_tier() {
    expect_problem(
        "bad_tier.toml",
        5,
        8,
        "source \"crm\" field tier",
        &["did you mean `professional`?"],
    );
}

#[test]
fn bad_expect_status() {
    expect_problem(
        "bad_expect_status.toml",
        5,
        17,
        "source \"landing\" field expect_status",
        &["between 100 and 599, found 700"],
    );
}

#[test]
fn single_bracket_source() {
    expect_problem("single_bracket_source.toml", 1, 1, "source", &["[[source]]"]);
}

#[test]
fn bad_threshold_rate() {
    expect_problem(
        "bad_threshold_rate.toml",
        3,
        20,
        "pipeline.thresholds.unsubscribe_rate",
        &["bad rate \"half a percent\"", "like \"2%\"", "like 0.02"],
    );
}

#[test]
fn threshold_over_100_percent() {
    expect_problem(
        "threshold_over_100_percent.toml",
        2,
        15,
        "pipeline.thresholds.bounce_rate",
        &["\"150%\" is out of range", "between 0% and 100%"],
    );
}

#[test]
fn unknown_threshold_key() {
    expect_problem(
        "unknown_threshold_key.toml",
        3,
        1,
        "pipeline.thresholds.unsubscribe_rat",
        &["unknown key `unsubscribe_rat`", "did you mean `unsubscribe_rate`?"],
    );
}

#[test]
fn negative_campaign_cost() {
    expect_problem(
        "negative_campaign_cost.toml",
        3,
        8,
        "pipeline.campaign \"42694e9e57\" field cost",
        &["cost must be a positive number", "found -1200"],
    );
}

#[test]
fn duplicate_campaign_id() {
    let text = expect_problem(
        "duplicate_campaign_id.toml",
        6,
        6,
        "pipeline.campaign \"42694e9e57\" field id",
        &["duplicate campaign id \"42694e9e57\"", "line 2", "line 6"],
    );
    assert_eq!(text.lines().count(), 1, "only the second table is wrong: {text}");
}

#[test]
fn bad_test_email() {
    let text = expect_problem(
        "bad_test_email.toml",
        5,
        35,
        "source \"mailchimp\" field test_emails",
        &["entry 2 is not an email address", "one `@`"],
    );
    assert!(
        !text.contains("qa.example.com"),
        "the address is pointed at, not echoed: {text}"
    );
}

#[test]
fn test_emails_on_hubspot() {
    expect_problem(
        "test_emails_on_hubspot.toml",
        5,
        1,
        "source \"crm\" field test_emails",
        &["does not apply to a hubspot source", "only mailchimp sources accept it"],
    );
}

#[test]
fn unknown_quality_rule() {
    expect_problem(
        "unknown_quality_rule.toml",
        4,
        16,
        "quality.rules.duplicate_emails",
        &["unknown rule `duplicate_emails`", "did you mean `duplicate_email`?"],
    );
}

#[test]
fn bad_rule_severity() {
    expect_problem(
        "bad_rule_severity.toml",
        2,
        12,
        "quality.rules.missing_owner.severity",
        &[
            "unknown severity \"critcal\"",
            "did you mean `critical`?",
            "`info`, `warning`, `critical`",
        ],
    );
}

#[test]
fn bad_stale_after() {
    expect_problem(
        "bad_stale_after.toml",
        2,
        15,
        "quality.stale_after",
        &["months or years", "like \"180d\""],
    );
}

#[test]
fn round_robin_on_mailchimp() {
    expect_problem(
        "round_robin_on_mailchimp.toml",
        5,
        1,
        "source \"mailchimp\" field round_robin",
        &["does not apply to a mailchimp source", "only hubspot sources accept it"],
    );
}

#[test]
fn duplicate_round_robin_owner() {
    let text = expect_problem(
        "duplicate_round_robin_owner.toml",
        5,
        43,
        "source \"crm\" field round_robin",
        &["entry 3 repeats entry 1", "list each owner once"],
    );
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(
        !text.contains("acme.example"),
        "owners are pointed at, not echoed: {text}"
    );
}

/// Every corpus file has its own test above; a new file without one fails here.
#[test]
fn bad_queues() {
    let text = expect_problem("bad_queues.toml", 3, 21, "queues.stale_draft_after", &["a month"]);
    assert!(
        text.contains("queues.scheduled_withn") && text.contains("did you mean `scheduled_within`?"),
        "{text}"
    );
}

#[test]
fn every_corpus_file_has_a_test() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/invalid_configs");
    let this = include_str!("config_invalid.rs");
    for entry in std::fs::read_dir(&dir).expect("corpus folder") {
        let name = entry.expect("corpus entry").file_name().to_string_lossy().into_owned();
        assert!(this.contains(&format!("\"{name}\"")), "{name} has no test");
    }
}
