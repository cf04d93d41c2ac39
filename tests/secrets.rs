//! No secret leaks on any path tried. Known secrets are planted (distinctive
//! values in a user's config, and the sandbox's own seeded credentials), then
//! the real binary runs: the cockpit in a pseudo-terminal with the most
//! talkative log and a fault injected, `mops act`, `mops config check` on a
//! good and a broken config, and a forced panic. Every byte they produce is
//! searched: the raw terminal stream, every screen the emulator showed,
//! stdout, stderr, the log file and the audit log. A secret must appear in
//! none of them, neither as written nor in the forms it travels in (the
//! base64 `user:password` of Basic auth, percent-encoded, without spaces).

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};
use secrecy::ExposeSecret;

/// Planted in a user's config: shaped like the real thing, and distinctive
/// enough that finding one anywhere can only mean a leak.
const PLANTED_MAILCHIMP_KEY: &str = "5ec7e7c0ffee5ec7e7c0ffee1eaked00-us21";
const PLANTED_HUBSPOT_TOKEN: &str = "pat-na1-5ec7e700-c0ff-4eee-8bad-1eaked000001";
const PLANTED_WP_PASSWORD: &str = "Plnt Sec7 Leak Xq9z Wv3k Ud8j";

/// Users that go with a password in Basic auth: Mailchimp's fixed user (any
/// name works; mops sends "mops") and the sandbox's WordPress user.
const BASIC_USERS: [&str; 3] = ["mops", "anystring", "ops-bot"];

const COLS: u16 = 160;
const ROWS: u16 = 48;

// ---------------------------------------------------------------- secrets

/// Every form a secret may take on the way out, labelled for the report.
struct Secrets {
    forms: Vec<(String, String)>,
}

impl Secrets {
    fn new() -> Self {
        Secrets { forms: Vec::new() }
    }

    /// `secret` as written, without spaces, percent- and form-encoded, and
    /// base64-encoded alone and as the `user:secret` of a Basic header.
    fn add(&mut self, label: &str, secret: &str) -> &mut Self {
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        let mut forms = vec![
            ("as written".to_owned(), secret.to_owned()),
            ("without spaces".to_owned(), secret.replace(' ', "")),
            ("percent-encoded".to_owned(), secret.replace(' ', "%20")),
            ("form-encoded".to_owned(), secret.replace(' ', "+")),
            ("base64".to_owned(), b64(secret)),
        ];
        for user in BASIC_USERS {
            forms.push((format!("Basic {user}:..."), b64(&format!("{user}:{secret}"))));
        }
        for (form, value) in forms {
            if !self.forms.iter().any(|(_, v)| *v == value) {
                self.forms.push((format!("{label} ({form})"), value));
            }
        }
        self
    }

    fn planted() -> Self {
        let mut s = Secrets::new();
        s.add("planted Mailchimp key", PLANTED_MAILCHIMP_KEY)
            .add("planted HubSpot token", PLANTED_HUBSPOT_TOKEN)
            .add("planted WordPress password", PLANTED_WP_PASSWORD);
        s
    }

    fn sandbox(creds: &mops::sandbox::Credentials) -> Self {
        let mut s = Secrets::new();
        s.add("sandbox Mailchimp key", creds.mailchimp_api_key.expose_secret())
            .add("sandbox HubSpot token", creds.hubspot_token.expose_secret())
            .add(
                "sandbox WordPress password",
                creds.wordpress_app_password.expose_secret(),
            );
        s
    }

    fn and(mut self, other: Secrets) -> Self {
        self.forms.extend(other.forms);
        self
    }
}

/// One thing the process produced: a stream, a file, a screen.
struct Evidence {
    what: String,
    bytes: Vec<u8>,
}

impl Evidence {
    fn new(what: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        Evidence {
            what: what.into(),
            bytes: bytes.into(),
        }
    }

    /// The file at `path`, or nothing when the run wrote none.
    fn file(what: &str, path: &Path) -> Option<Self> {
        std::fs::read(path).ok().map(|bytes| Evidence::new(what, bytes))
    }
}

/// Fails naming the secret's label and where it was found, with the
/// surrounding text and the secret itself masked (this output lands in CI logs).
fn assert_no_secret(evidence: &[Evidence], secrets: &Secrets) {
    assert!(!secrets.forms.is_empty(), "nothing to look for");
    for e in evidence {
        let text = String::from_utf8_lossy(&e.bytes);
        let squashed = squash(&text);
        for (label, secret) in &secrets.forms {
            let found = text
                .find(secret.as_str())
                .map(|at| (&*text, at))
                .or_else(|| squashed.find(&squash(secret)).map(|at| (squashed.as_str(), at)));
            if let Some((haystack, at)) = found {
                let start = haystack.floor_char_boundary(at.saturating_sub(80));
                let end = haystack.ceil_char_boundary((at + secret.len() + 80).min(haystack.len()));
                let context = haystack[start..end].replace(secret.as_str(), "<SECRET>");
                panic!("the {label} is in {}: ...{context:?}...", e.what);
            }
        }
    }
}

/// What a person could read off `text` however it was laid out: escape
/// sequences removed, then whitespace and box-drawing characters, so a
/// secret split by cursor moves, wrapping or a pane border is still found.
fn squash(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            if !c.is_whitespace() && !('\u{2500}'..='\u{259f}').contains(&c) && !c.is_control() {
                out.push(c);
            }
            continue;
        }
        match chars.next() {
            // CSI: parameters, then one final byte in @..~.
            Some('[') => {
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            // OSC, DCS, APC, PM, SOS: up to BEL or ST (ESC \).
            Some(']' | 'P' | '_' | '^' | 'X') => {
                while let Some(c) = chars.next() {
                    if c == '\u{7}' || (c == '\u{1b}' && chars.next_if_eq(&'\\').is_some()) {
                        break;
                    }
                }
            }
            // Charset selection takes one more character.
            Some('(' | ')' | '*' | '+') => {
                chars.next();
            }
            _ => {}
        }
    }
    out
}

// ---------------------------------------------------------------- homes

/// A throwaway HOME with its own XDG folders, so nothing touches the
/// developer's files and the log and audit log are where we look.
struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        for sub in ["home", "config", "state", "data", "tmp"] {
            std::fs::create_dir_all(dir.path().join(sub)).expect("mkdir");
        }
        Home { dir }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn env(&self) -> Vec<(&'static str, PathBuf)> {
        vec![
            ("HOME", self.path("home")),
            ("XDG_CONFIG_HOME", self.path("config")),
            ("XDG_STATE_HOME", self.path("state")),
            ("XDG_DATA_HOME", self.path("data")),
            // `mops demo` writes its config and secret files under TMPDIR.
            ("TMPDIR", self.path("tmp")),
        ]
    }

    /// The log file and the audit log, when written.
    fn files(&self) -> Vec<Evidence> {
        [
            ("the log file", "state/mops/mops.log"),
            ("the audit log", "state/mops/audit.jsonl"),
        ]
        .into_iter()
        .filter_map(|(what, rel)| Evidence::file(what, &self.path(rel)))
        .collect()
    }

    /// What is left in TMPDIR: `mops demo` must remove its secret files on
    /// every way out.
    fn leftovers(&self) -> Vec<String> {
        std::fs::read_dir(self.path("tmp"))
            .map(|dir| {
                dir.filter_map(Result::ok)
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.path("state/mops/mops.log")).unwrap_or_default()
    }

    /// `mops ARGS` without a terminal (its own session, so a prompt can never
    /// reach the developer's), logging at trace level.
    fn run(&self, args: &[&str]) -> (Option<i32>, Vec<Evidence>) {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_mops"));
        // SAFETY: setsid is async-signal-safe and touches no memory.
        unsafe {
            cmd.pre_exec(|| {
                libc::setsid();
                Ok(())
            });
        }
        cmd.args(args)
            .envs(self.env())
            .env("MOPS_LOG", "trace")
            .env("TZ", "UTC")
            .env_remove("MOPS_CONFIG")
            .stdin(std::process::Stdio::null());
        let out = cmd.output().expect("run mops");
        let label = args.join(" ");
        (
            out.status.code(),
            vec![
                Evidence::new(format!("stdout of `mops {label}`"), out.stdout),
                Evidence::new(format!("stderr of `mops {label}`"), out.stderr),
            ],
        )
    }
}

// ---------------------------------------------------------------- sandbox

/// A sandbox served by a runtime of its own while the test blocks on processes.
struct Sandbox {
    runtime: tokio::runtime::Runtime,
    sandbox: Option<mops::sandbox::Sandbox>,
}

impl Sandbox {
    fn start(seed: u64) -> Self {
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let sandbox = runtime
            .block_on(mops::sandbox::spawn(mops::sandbox::SandboxOptions {
                listen: "127.0.0.1:0".parse().expect("addr"),
                seed,
                faults: Vec::new(),
            }))
            .expect("sandbox");
        Sandbox {
            runtime,
            sandbox: Some(sandbox),
        }
    }

    fn get(&self) -> &mops::sandbox::Sandbox {
        self.sandbox.as_ref().expect("running")
    }

    fn secrets(&self) -> Secrets {
        Secrets::sandbox(self.get().credentials())
    }

    /// Writes the sandbox's config (and its secret files) into `dir`.
    fn config(&self, dir: &Path) -> PathBuf {
        let path = dir.join("mops.toml");
        self.get().write_config(&path).expect("write config");
        path
    }

    /// A regular Mailchimp draft, as the cockpit would read it.
    fn draft(&self, config: &Path) -> String {
        let cfg = mops::config::load(config).expect("the sandbox's config loads");
        let source = cfg.source("mailchimp").expect("a mailchimp source").clone();
        self.runtime.block_on(async move {
            let core = mops::http::HttpCore::new(false).expect("core");
            let connector = mops::sources::build(&core, &source).expect("connector");
            let Some(mops::sources::SourceData::Email(data)) = connector.poll().await.data else {
                panic!("the sandbox served no campaigns");
            };
            data.campaigns
                .iter()
                .find(|c| c.status == mops::model::CampaignStatus::Save && c.kind == "regular")
                .expect("a draft")
                .id
                .clone()
        })
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(sandbox) = self.sandbox.take() {
            self.runtime.block_on(sandbox.shutdown());
        }
    }
}

/// The credentials of a sandbox seeded with `seed` (what `mops demo --seed`
/// serves): the same seed gives the same credentials.
fn sandbox_secrets(seed: u64) -> Secrets {
    Sandbox::start(seed).secrets()
}

/// Replaces the secrets the sandbox wrote beside `config` with the planted
/// ones, keeping the files private: every vendor then answers 401.
fn plant(config: &Path) {
    let secrets = config.parent().expect("config folder").join("secrets");
    for (file, value) in [
        ("mailchimp.key", PLANTED_MAILCHIMP_KEY),
        ("hubspot.token", PLANTED_HUBSPOT_TOKEN),
        ("wordpress.password", PLANTED_WP_PASSWORD),
    ] {
        let path = secrets.join(file);
        std::fs::write(&path, value).expect("plant secret");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
}

// ---------------------------------------------------------------- the cockpit in a pty

/// The binary in a pseudo-terminal: every byte it writes is kept, and every
/// distinct screen the terminal emulator showed.
struct Pty {
    child: Box<dyn Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    _master: Box<dyn MasterPty + Send>,
    raw: Arc<Mutex<Vec<u8>>>,
    parser: Arc<Mutex<vt100::Parser>>,
    screens: Arc<Mutex<BTreeSet<String>>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Pty {
    fn spawn(home: &Home, args: &[&str], env: &[(&str, &str)]) -> Self {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("openpty");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_mops"));
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        cmd.env("MOPS_LOG", "trace");
        cmd.env_remove("MOPS_CONFIG");
        for (key, value) in home.env() {
            cmd.env(key, value);
        }
        for (key, value) in env {
            cmd.env(key, value);
        }
        let child = pty.slave.spawn_command(cmd).expect("spawn mops");
        drop(pty.slave);
        let mut reader = pty.master.try_clone_reader().expect("reader");
        let writer = pty.master.take_writer().expect("writer");
        let raw = Arc::new(Mutex::new(Vec::new()));
        let parser = Arc::new(Mutex::new(vt100::Parser::new(
            NonZeroU16::new(ROWS).expect("rows"),
            NonZeroU16::new(COLS).expect("cols"),
            0,
        )));
        let screens = Arc::new(Mutex::new(BTreeSet::new()));
        let (sink_raw, sink_parser, sink_screens) = (raw.clone(), parser.clone(), screens.clone());
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink_raw.lock().expect("raw").extend_from_slice(&buf[..n]);
                let mut parser = sink_parser.lock().expect("parser");
                parser.process(&buf[..n]);
                sink_screens.lock().expect("screens").insert(parser.screen().contents());
            }
        });
        Pty {
            child,
            writer,
            _master: pty.master,
            raw,
            parser,
            screens,
            reader: Some(reader),
        }
    }

    fn screen(&self) -> String {
        self.parser.lock().expect("parser").screen().contents()
    }

    /// Waits until the screen satisfies `ok`; false on timeout or exit.
    fn wait_for(&mut self, timeout: Duration, ok: impl Fn(&str) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if ok(&self.screen()) {
                return true;
            }
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return ok(&self.screen());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    }

    /// Waits for the process to end by itself, killing it after `timeout`.
    fn wait_exit(&mut self, timeout: Duration) -> Option<portable_pty::ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Types `q` and waits for a clean exit.
    fn quit(&mut self) -> Option<portable_pty::ExitStatus> {
        let _ = self.writer.write_all(b"q");
        let _ = self.writer.flush();
        self.wait_exit(Duration::from_secs(10))
    }

    /// Everything the terminal received and showed. Call after the exit.
    fn evidence(mut self, what: &str) -> Vec<Evidence> {
        // The reader ends once the child is gone and the pty drained.
        drop(std::mem::replace(&mut self.writer, Box::new(std::io::sink())));
        if let Some(reader) = self.reader.take() {
            let deadline = Instant::now() + Duration::from_secs(2);
            while !reader.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        let mut out = vec![Evidence::new(
            format!("the raw terminal output of {what}"),
            self.raw.lock().expect("raw").clone(),
        )];
        for (i, screen) in self.screens.lock().expect("screens").iter().enumerate() {
            out.push(Evidence::new(format!("screen {i} of {what}"), screen.clone()));
        }
        out
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

const DEMO_SEED: u64 = 17;

/// `mops demo` on its own seeded sandbox with HubSpot's token revoked from the start.
fn demo_with_auth_fault(home: &Home, env: &[(&str, &str)]) -> Pty {
    let listen = format!("127.0.0.1:{}", free_port());
    let seed = DEMO_SEED.to_string();
    Pty::spawn(
        home,
        &["demo", "--seed", &seed, "--listen", &listen, "--fault", "hubspot=auth"],
        env,
    )
}

// ---------------------------------------------------------------- the tests

#[test]
fn the_cockpit_with_a_revoked_token_and_trace_logs_leaks_nothing() {
    let secrets = sandbox_secrets(DEMO_SEED);
    let home = Home::new();
    let mut pty = demo_with_auth_fault(&home, &[]);
    let failed = pty.wait_for(Duration::from_secs(20), |s| {
        s.contains("Stack health") && s.contains("401")
    });
    assert!(failed, "HubSpot's 401 never showed:\n{}", pty.screen());
    let status = pty.quit().expect("mops quits on q");
    assert!(status.success(), "{status:?}");
    let log = home.log();
    assert!(
        log.contains("hubspot") && log.contains("401"),
        "the error path was logged:\n{log}"
    );

    let mut evidence = pty.evidence("`mops demo`");
    assert_eq!(
        home.leftovers(),
        Vec::<String>::new(),
        "the demo's secret files are removed"
    );
    evidence.extend(home.files());
    assert_no_secret(&evidence, &secrets);
}

#[test]
fn the_cockpit_on_planted_wrong_secrets_leaks_none_of_them() {
    let sandbox = Sandbox::start(3);
    let dir = tempfile::tempdir().expect("tempdir");
    let config = sandbox.config(dir.path());
    plant(&config);
    let home = Home::new();
    let config_arg = config.display().to_string();
    let mut pty = Pty::spawn(&home, &["--config", &config_arg], &[]);
    // Every vendor refuses the planted credentials.
    let refused = pty.wait_for(Duration::from_secs(20), |s| s.matches("401").count() >= 3);
    assert!(refused, "the vendors' 401s never showed:\n{}", pty.screen());
    let status = pty.quit().expect("mops quits on q");
    assert!(status.success(), "{status:?}");

    let mut evidence = pty.evidence("`mops --config`");
    evidence.extend(home.files());
    assert_no_secret(&evidence, &Secrets::planted().and(sandbox.secrets()));
}

#[test]
fn act_dry_run_real_refused_and_rejected_leak_nothing() {
    let sandbox = Sandbox::start(5);
    let dir = tempfile::tempdir().expect("tempdir");
    let config = sandbox.config(dir.path());
    let draft = sandbox.draft(&config);
    let home = Home::new();
    let c = config.display().to_string();
    let schedule = ["--config", &c, "act", "mailchimp", "schedule", &draft, "--at", "+24h"];
    let mut evidence = Vec::new();

    let (code, out) = home.run(&[&schedule[..], &["--dry-run"]].concat());
    assert_eq!(code, Some(0), "dry run");
    assert!(
        String::from_utf8_lossy(&out[0].bytes).contains("Basic ***"),
        "the dry run shows the request, auth masked"
    );
    evidence.extend(out);
    let (code, out) = home.run(&[&schedule[..], &["--yes"]].concat());
    assert_eq!(code, Some(0), "the real action");
    evidence.extend(out);
    // Scheduled now: a second schedule is refused before anything is sent.
    let (code, out) = home.run(&[&schedule[..], &["--yes"]].concat());
    assert_eq!(code, Some(1), "the refused action");
    evidence.extend(out);
    let audit = std::fs::read_to_string(home.path("state/mops/audit.jsonl")).expect("audit log");
    assert_eq!(audit.lines().count(), 2, "one attempt and its outcome:\n{audit}");

    // The vendor rejects a planted key: its error path runs too.
    plant(&config);
    let unschedule = ["--config", &c, "act", "mailchimp", "unschedule", &draft, "--yes"];
    let (code, out) = home.run(&unschedule);
    assert_eq!(code, Some(1), "a rejected key fails the action");
    let stderr = String::from_utf8_lossy(&out[1].bytes).into_owned();
    assert!(stderr.contains("401"), "the vendor's answer is reported: {stderr}");
    evidence.extend(out);

    evidence.extend(home.files());
    assert_no_secret(&evidence, &Secrets::planted().and(sandbox.secrets()));
}

#[test]
fn config_check_on_a_good_and_a_broken_config_leaks_nothing() {
    let sandbox = Sandbox::start(9);
    let dir = tempfile::tempdir().expect("tempdir");
    let config = sandbox.config(dir.path());
    let home = Home::new();
    let mut evidence = Vec::new();

    let (code, out) = home.run(&["config", "check", &config.display().to_string()]);
    assert_eq!(code, Some(0), "the sandbox's config passes");
    evidence.extend(out);

    // Broken in every way a secret can be: pasted inline, pasted where the
    // variable name goes, in a file others can read, and in a URL.
    let readable = dir.path().join("readable.token");
    std::fs::write(&readable, PLANTED_HUBSPOT_TOKEN).expect("write");
    std::fs::set_permissions(&readable, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let broken = dir.path().join("broken.toml");
    std::fs::write(
        &broken,
        format!(
            "[[source]]\nname = \"mc\"\nkind = \"mailchimp\"\napi_key = \"{PLANTED_MAILCHIMP_KEY}\"\n\
             [[source]]\nname = \"blog\"\nkind = \"wordpress\"\nbase_url = \"https://ops-bot:{}@blog.example.com/wp-json\"\n\
             user = \"ops-bot\"\napp_password = {{ env = \"{PLANTED_WP_PASSWORD}\" }}\n",
            PLANTED_WP_PASSWORD.replace(' ', "")
        ),
    )
    .expect("write");
    let (code, out) = home.run(&["config", "check", &broken.display().to_string()]);
    assert_eq!(code, Some(1), "the broken config fails");
    let stderr = String::from_utf8_lossy(&out[1].bytes).into_owned();
    assert!(stderr.contains("secrets cannot be written inline"), "{stderr}");
    evidence.extend(out);

    // Valid, but the secret file is readable by others.
    let exposed = dir.path().join("exposed.toml");
    std::fs::write(
        &exposed,
        format!(
            "[[source]]\nname = \"crm\"\nkind = \"hubspot\"\ntoken = {{ file = \"{}\" }}\n",
            readable.display()
        ),
    )
    .expect("write");
    let (code, out) = home.run(&["config", "check", &exposed.display().to_string()]);
    assert_eq!(code, Some(1), "a readable secret file fails the check");
    assert!(String::from_utf8_lossy(&out[0].bytes).contains("chmod 600"));
    evidence.extend(out);

    evidence.extend(home.files());
    assert_no_secret(&evidence, &Secrets::planted().and(sandbox.secrets()));
}

#[test]
fn a_panic_in_the_cockpit_leaks_nothing() {
    let secrets = sandbox_secrets(DEMO_SEED);
    let home = Home::new();
    let mut pty = demo_with_auth_fault(
        &home,
        &[("MOPS_TEST_PANIC_AFTER_MS", "1500"), ("RUST_BACKTRACE", "full")],
    );
    let status = pty
        .wait_exit(Duration::from_secs(20))
        .expect("the panic ends the process");
    assert!(!status.success(), "a panic is a failure exit: {status:?}");
    let evidence = pty.evidence("`mops demo` panicking");
    let output = String::from_utf8_lossy(&evidence[0].bytes).to_lowercase();
    assert!(output.contains("panic"), "the panic was reported:\n{output}");

    assert_eq!(
        home.leftovers(),
        Vec::<String>::new(),
        "the demo's secret files are removed after a panic too"
    );
    let mut evidence = evidence;
    evidence.extend(home.files());
    assert_no_secret(&evidence, &secrets);
}

#[test]
fn the_search_finds_secrets_however_they_are_laid_out() {
    // The check above is only as good as this: a secret split by escape
    // sequences, wrapped or Basic-encoded must still be found.
    let secrets = Secrets::planted();
    let key = PLANTED_MAILCHIMP_KEY;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("mops:{key}"));
    let (head, tail) = key.split_at(10);
    let found =
        |text: &str| std::panic::catch_unwind(|| assert_no_secret(&[Evidence::new("sample", text)], &secrets)).is_err();
    assert!(found(&format!("Authorization: Basic {basic}")));
    assert!(found(&format!("\u{1b}[1;5H{head}\u{1b}[38;5;9m\u{1b}]8;;x\u{7}{tail}")));
    assert!(found(&format!("│ {head}   │\n│ {tail} │")));
    assert!(found(&PLANTED_WP_PASSWORD.replace(' ', "%20")));
    assert!(found(&PLANTED_WP_PASSWORD.replace(' ', "")));
    assert!(!found("Basic *** and Bearer *** only"));
}
