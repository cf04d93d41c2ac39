//! The command-line contract, end to end: the real binary, run the way a user
//! or a script runs it. Every child gets its own HOME and XDG folders and a
//! clean MOPS_CONFIG, so nothing here reads or writes the developer's files.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use tempfile::TempDir;

/// A throwaway home for one test: HOME, XDG_CONFIG_HOME, XDG_STATE_HOME and
/// XDG_DATA_HOME all point inside it.
struct Sandbox {
    dir: TempDir,
}

impl Sandbox {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        for sub in ["home", "config", "state", "data", "cache", "work"] {
            fs::create_dir_all(dir.path().join(sub)).expect("create sub dir");
        }
        Sandbox { dir }
    }

    fn path(&self, sub: &str) -> PathBuf {
        self.dir.path().join(sub)
    }

    /// Where `config path` should land with no override.
    fn default_config(&self) -> PathBuf {
        self.path("config").join("mops").join("config.toml")
    }

    /// Writes `text` to `work/{name}` and returns the path.
    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path("work").join(name);
        fs::write(&path, text).expect("write test file");
        path
    }

    /// `mops ARGS` with this sandbox's environment. Secret variables the
    /// example configs name are removed so the developer's own never leak in.
    fn mops(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_mops"));
        cmd.args(args)
            .current_dir(self.path("work"))
            .env("HOME", self.path("home"))
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("XDG_STATE_HOME", self.path("state"))
            .env("XDG_DATA_HOME", self.path("data"))
            .env("XDG_CACHE_HOME", self.path("cache"))
            .env_remove("MOPS_CONFIG")
            .env_remove("MOPS_LOG")
            .env_remove("MAILCHIMP_API_KEY")
            .env_remove("HUBSPOT_TOKEN")
            .env_remove("WP_APP_PASSWORD")
            // No test here may wait on a terminal or the network: fail, don't hang.
            .timeout(Duration::from_secs(60))
            .write_stdin("");
        cmd
    }

    /// Everything the runs wrote to the log folder, for secret checks.
    fn logs(&self) -> String {
        let mut all = String::new();
        let Ok(entries) = fs::read_dir(self.path("state").join("mops")) else {
            return all;
        };
        for entry in entries.flatten() {
            all.push_str(&fs::read_to_string(entry.path()).unwrap_or_default());
        }
        all
    }
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn both(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

fn run(mut cmd: Command) -> Run {
    let out = cmd.output().expect("run mops");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[cfg(unix)]
fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).expect("chmod");
}

#[test]
fn version_prints_name_and_crate_version() {
    let sb = Sandbox::new();
    sb.mops(&["--version"])
        .assert()
        .success()
        .stdout(format!("mops {}\n", env!("CARGO_PKG_VERSION")));
}

#[test]
fn every_subcommand_has_help() {
    let sb = Sandbox::new();
    for args in [
        &["--help"][..],
        &["demo", "--help"],
        &["sandbox", "--help"],
        &["config", "--help"],
        &["config", "init", "--help"],
        &["config", "check", "--help"],
        &["config", "path", "--help"],
    ] {
        let out = run(sb.mops(args));
        assert_eq!(out.code, Some(0), "{args:?}: {}", out.stderr);
        assert!(out.stdout.contains("Usage: mops"), "{args:?}: {}", out.stdout);
    }
}

#[test]
fn completions_and_the_manual_cover_every_subcommand() {
    let sb = Sandbox::new();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = run(sb.mops(&["completions", shell]));
        assert_eq!(out.code, Some(0), "{shell}: {}", out.stderr);
        for sub in ["demo", "sandbox", "act", "config"] {
            assert!(out.stdout.contains(sub), "{shell} completion lacks {sub}");
        }
    }
    let bad = run(sb.mops(&["completions", "tcsh"]));
    assert_eq!(bad.code, Some(2));
    assert!(bad.stderr.contains("possible values"), "{}", bad.stderr);

    let man = run(sb.mops(&["man"]));
    assert_eq!(man.code, Some(0), "{}", man.stderr);
    assert!(
        man.stdout.starts_with(".ie") && man.stdout.contains(".TH mops 1"),
        "{}",
        man.stdout
    );
    for sub in ["demo", "sandbox", "act", "config", "completions"] {
        assert!(man.stdout.contains(sub), "the manual lacks {sub}");
    }
    let refused = run(sb.mops(&["--readonly", "man"]));
    assert_eq!(refused.code, Some(1), "{}", refused.stderr);
}

#[test]
fn the_sandbox_help_names_every_fault_kind() {
    let sb = Sandbox::new();
    let out = run(sb.mops(&["sandbox", "--help"]));
    let help = out.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    for kind in mops::sandbox::FAULT_KINDS {
        let name = kind.split(':').next().unwrap_or(kind);
        assert!(help.contains(name), "sandbox --help lacks {kind}:\n{}", out.stdout);
    }
}

#[test]
fn init_writes_a_starter_that_check_accepts_and_never_overwrites() {
    let sb = Sandbox::new();
    let path = sb.default_config();

    let init = run(sb.mops(&["config", "init"]));
    assert_eq!(init.code, Some(0), "{}", init.stderr);
    assert!(init.stdout.contains(&path.display().to_string()), "{}", init.stdout);
    let written = fs::read_to_string(&path).expect("starter written at the default path");

    let check = run(sb.mops(&["config", "check"]));
    assert_eq!(
        check.code,
        Some(0),
        "starter must pass:\n{}{}",
        check.stdout,
        check.stderr
    );
    assert!(check.stdout.contains("ok    website"), "{}", check.stdout);

    fs::write(&path, format!("{written}\n# my edits\n")).expect("edit config");
    let again = run(sb.mops(&["config", "init"]));
    assert_eq!(again.code, Some(1));
    assert!(
        again.stderr.contains("already exists; not overwriting"),
        "{}",
        again.stderr
    );
    assert!(
        fs::read_to_string(&path).expect("config").ends_with("# my edits\n"),
        "the user's edits were overwritten"
    );
}

#[test]
fn init_and_check_take_an_explicit_path() {
    let sb = Sandbox::new();
    let path = sb.path("work").join("nested").join("ops.toml");
    let shown = path.display().to_string();
    sb.mops(&["config", "init", &shown]).assert().success();
    sb.mops(&["config", "check", &shown]).assert().success();
    assert!(!sb.default_config().exists(), "init wrote to the default path too");
}

#[test]
fn broken_config_exits_1_naming_file_line_column_and_field() {
    let sb = Sandbox::new();
    let path = sb.write(
        "broken.toml",
        "title = \"ops\"\n\n[defaults]\nintervall = \"30s\"\n\n[[source]]\nname = \"site\"\nkind = \"http\"\nurl = \"https://www.example.com/\"\ntimeout = \"ten\"\n",
    );
    let out = run(sb.mops(&["config", "check", &path.display().to_string()]));
    assert_eq!(out.code, Some(1), "{}", out.both());
    let file = path.display();
    assert!(
        out.stderr.contains(&format!(
            "{file}:4:1: defaults.intervall: unknown key `intervall`; did you mean `interval`?"
        )),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains(&format!("{file}:10:11: source \"site\" field timeout: bad duration")),
        "{}",
        out.stderr
    );
}

#[test]
fn missing_config_exits_1_and_suggests_init() {
    let sb = Sandbox::new();
    let out = run(sb.mops(&["config", "check", "nope.toml"]));
    assert_eq!(out.code, Some(1));
    assert!(out.stderr.contains("mops config init nope.toml"), "{}", out.stderr);

    let dir = run(sb.mops(&["config", "check", "."]));
    assert_eq!(dir.code, Some(1));
    assert!(dir.stderr.contains("is a directory"), "{}", dir.stderr);
}

#[test]
fn inline_secret_is_refused_and_never_echoed() {
    const VALUE: &str = "0123456789abcdefSEKRIT-us14";
    let sb = Sandbox::new();
    let path = sb.write(
        "inline.toml",
        &format!("[[source]]\nname = \"mc\"\nkind = \"mailchimp\"\napi_key = \"{VALUE}\"\n"),
    );
    let shown = path.display().to_string();

    let check = run(sb.mops(&["config", "check", &shown]));
    assert_eq!(check.code, Some(1));
    assert!(
        check.stderr.contains(&format!(
            "{shown}:4:11: source \"mc\" field api_key: secrets cannot be written inline"
        )),
        "{}",
        check.stderr
    );
    assert!(
        check.stderr.contains("{ env = \"MAILCHIMP_API_KEY\" }"),
        "{}",
        check.stderr
    );

    let cockpit = run(sb.mops(&["--config", &shown]));
    assert_eq!(cockpit.code, Some(1));

    for (what, text) in [("check", check.both()), ("cockpit", cockpit.both()), ("log", sb.logs())] {
        assert!(!text.contains("SEKRIT"), "{what} printed the secret:\n{text}");
    }
}

#[test]
fn a_secret_pasted_where_the_variable_name_belongs_is_not_echoed() {
    let sb = Sandbox::new();
    let path = sb.write(
        "pasted.toml",
        "[[source]]\nname = \"crm\"\nkind = \"hubspot\"\ntoken = { env = \"pat-na1-SEKRIT-0000\" }\n",
    );
    let out = run(sb.mops(&["config", "check", &path.display().to_string()]));
    assert_eq!(out.code, Some(1));
    assert!(
        out.stderr.contains("not an environment variable name"),
        "{}",
        out.stderr
    );
    assert!(!out.both().contains("SEKRIT"), "{}", out.both());
}

#[test]
fn resolved_secrets_are_checked_but_never_printed() {
    let sb = Sandbox::new();
    let token = sb.write("hubspot.token", "pat-na1-SEKRIT-FILE\n");
    #[cfg(unix)]
    chmod(&token, 0o600);
    let path = sb.write(
        "stack.toml",
        "[[source]]\nname = \"mc\"\nkind = \"mailchimp\"\napi_key = { env = \"MAILCHIMP_API_KEY\" }\n\n[[source]]\nname = \"crm\"\nkind = \"hubspot\"\ntoken = { file = \"hubspot.token\" }\n",
    );
    let mut cmd = sb.mops(&["config", "check", &path.display().to_string()]);
    cmd.env("MAILCHIMP_API_KEY", "SEKRIT-ENV-us14");
    let out = run(cmd);
    assert_eq!(out.code, Some(0), "{}", out.both());
    assert!(
        out.stdout.contains("api_key from env MAILCHIMP_API_KEY"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(&format!("token from file {}", token.display())),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("all 2 sources ok"), "{}", out.stdout);
    assert!(!out.both().contains("SEKRIT"), "{}", out.both());
    assert!(!sb.logs().contains("SEKRIT"));
}

#[test]
fn check_reports_test_emails_and_pipeline_economics() {
    let sb = Sandbox::new();
    let path = sb.write(
        "pipeline.toml",
        r#"[pipeline.thresholds]
bounce_rate = "3%"
unsubscribe_rate = 0.004

[[pipeline.campaign]]
id = "42694e9e57"
cost = 1200
revenue = 5400.50

[[pipeline.campaign]]
id = "b03bfc273a"
cost = 350

[[source]]
name = "mc"
kind = "mailchimp"
base_url = "http://127.0.0.1:9/3.0"
api_key = { env = "MAILCHIMP_API_KEY" }
test_emails = ["ops@example.com", "qa@example.com"]
"#,
    );
    let mut cmd = sb.mops(&["config", "check", &path.display().to_string()]);
    cmd.env("MAILCHIMP_API_KEY", "SEKRIT-us14");
    let out = run(cmd);
    assert_eq!(out.code, Some(0), "{}", out.both());
    assert!(
        out.stdout.contains(
            "ok    mc  (mailchimp)  api_key from env MAILCHIMP_API_KEY; at http://127.0.0.1:9/3.0; 2 test emails\n"
        ),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(
            "pipeline: thresholds bounce 3%, unsubscribe 0.4%, churn 1%; economics for 2 campaigns (1 with revenue)\n"
        ),
        "{}",
        out.stdout
    );
    assert!(out.stdout.ends_with("the source is ok\n"), "{}", out.stdout);
    assert!(!out.both().contains("SEKRIT"), "{}", out.both());

    // A rate over 100% fails before any secret is looked at.
    let broken = sb.write("over.toml", "[pipeline.thresholds]\nchurn = \"150%\"\n");
    let out = run(sb.mops(&["config", "check", &broken.display().to_string()]));
    assert_eq!(out.code, Some(1), "{}", out.both());
    assert!(
        out.stderr.contains(&format!(
            "{}:2:9: pipeline.thresholds.churn: \"150%\" is out of range: a percentage must be between 0% and 100%",
            broken.display()
        )),
        "{}",
        out.stderr
    );
}

#[test]
fn unset_secret_variable_fails_the_check_with_a_fix() {
    let sb = Sandbox::new();
    let path = sb.write(
        "env.toml",
        "[[source]]\nname = \"blog\"\nkind = \"wordpress\"\nbase_url = \"https://blog.example.com/wp-json\"\nuser = \"ops\"\napp_password = { env = \"WP_APP_PASSWORD\" }\n",
    );
    let out = run(sb.mops(&["config", "check", &path.display().to_string()]));
    assert_eq!(out.code, Some(1));
    assert!(
        out.stdout.contains(
            "FAIL  blog  (wordpress)  6:16: app_password: environment variable WP_APP_PASSWORD is not set; export it"
        ),
        "{}",
        out.stdout
    );
}

#[cfg(unix)]
#[test]
fn secret_file_readable_by_others_is_refused_with_the_chmod_fix() {
    let sb = Sandbox::new();
    let token = sb.write("hubspot.token", "pat-na1-SEKRIT-LOOSE\n");
    chmod(&token, 0o644);
    let path = sb.write(
        "loose.toml",
        "[[source]]\nname = \"crm\"\nkind = \"hubspot\"\ntoken = { file = \"hubspot.token\" }\n",
    );
    let shown = path.display().to_string();

    let out = run(sb.mops(&["config", "check", &shown]));
    assert_eq!(out.code, Some(1), "{}", out.both());
    assert!(
        out.stdout.contains(&format!(
            "FAIL  crm  (hubspot)  4:9: token: secret file {tok} is readable by group or others (mode 0644); run: chmod 600 {tok}",
            tok = token.display()
        )),
        "{}",
        out.stdout
    );
    assert!(!out.both().contains("SEKRIT"), "{}", out.both());

    chmod(&token, 0o600);
    sb.mops(&["config", "check", &shown]).assert().success();
}

#[test]
fn config_path_honours_flag_then_env_then_xdg() {
    let sb = Sandbox::new();
    let default = format!("{}\n", sb.default_config().display());
    sb.mops(&["config", "path"]).assert().success().stdout(default.clone());

    let mut env = sb.mops(&["config", "path"]);
    env.env("MOPS_CONFIG", "/srv/mops/env.toml");
    env.assert().success().stdout("/srv/mops/env.toml\n");

    let mut empty = sb.mops(&["config", "path"]);
    empty.env("MOPS_CONFIG", "");
    empty.assert().success().stdout(default);

    // --config wins over MOPS_CONFIG, before or after the subcommand.
    for args in [
        &["--config", "/srv/mops/flag.toml", "config", "path"][..],
        &["config", "path", "--config", "/srv/mops/flag.toml"],
    ] {
        let mut both = sb.mops(args);
        both.env("MOPS_CONFIG", "/srv/mops/env.toml");
        both.assert().success().stdout("/srv/mops/flag.toml\n");
    }
}

#[test]
fn check_uses_mops_config_when_no_path_is_given() {
    let sb = Sandbox::new();
    let broken = sb.write("from-env.toml", "readonyl = true\n");
    let mut cmd = sb.mops(&["config", "check"]);
    cmd.env("MOPS_CONFIG", &broken);
    let out = run(cmd);
    assert_eq!(out.code, Some(1));
    assert!(
        out.stderr.contains(&format!("{}:1:1: readonyl", broken.display())),
        "{}",
        out.stderr
    );
}

/// The cockpit must fail on the config before it touches the terminal: no
/// escape sequences (alternate screen, raw mode, hidden cursor) on either stream.
#[test]
fn cockpit_with_a_broken_config_fails_before_touching_the_terminal() {
    let sb = Sandbox::new();
    let path = sb.write(
        "broken.toml",
        "[[source]]\nname = \"crm\"\nkind = \"hubspott\"\ntoken = { env = \"HUBSPOT_TOKEN\" }\n",
    );
    let out = sb
        .mops(&["--config", &path.display().to_string()])
        .output()
        .expect("run mops");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "{}:3:8: source \"crm\" field kind: unknown kind \"hubspott\"; did you mean `hubspot`?",
            path.display()
        )),
        "{stderr}"
    );
    assert!(out.stdout.is_empty(), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(!out.stderr.contains(&0x1b), "escape sequences on stderr: {stderr:?}");
}

#[test]
fn cockpit_without_any_config_suggests_init() {
    let sb = Sandbox::new();
    let out = run(sb.mops(&[]));
    assert_eq!(out.code, Some(1));
    let expected = format!("mops config init {}", sb.default_config().display());
    assert!(out.stderr.contains(&expected), "{}", out.stderr);
    assert!(!out.stderr.contains('\u{1b}'), "{:?}", out.stderr);
}
