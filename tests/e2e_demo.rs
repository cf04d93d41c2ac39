//! End to end: the real binary in a pseudo-terminal, keys typed, the screen
//! read back through a terminal emulator.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::num::NonZeroU16;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

const COLS: u16 = 160;
const ROWS: u16 = 48;
const SOURCES: [&str; 4] = ["mailchimp", "hubspot", "wordpress", "website"];

struct Session {
    screen: Arc<Mutex<vt100::Parser>>,
    _master: Box<dyn MasterPty + Send>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    port: u16,
    _home: tempfile::TempDir,
}

impl Session {
    fn demo() -> Session {
        Session::demo_with(&[])
    }

    /// `mops demo` with extra arguments (faults active from the start).
    fn demo_with(extra: &[&str]) -> Session {
        let port = free_port();
        let home = tempfile::tempdir().expect("tempdir");
        let pty = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("openpty");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_mops"));
        cmd.args(["demo", "--listen", &format!("127.0.0.1:{port}")]);
        cmd.args(extra);
        cmd.env("TERM", "xterm-256color");
        cmd.env("HOME", home.path());
        // The demo writes its sandbox secrets under TMPDIR: keep them in this test's home.
        cmd.env("TMPDIR", home.path());
        cmd.env("XDG_STATE_HOME", home.path().join("state"));
        cmd.env("XDG_CONFIG_HOME", home.path().join("config"));
        cmd.env_remove("MOPS_CONFIG");
        // The most talkative log, so the secret check below has the most to search.
        cmd.env("MOPS_LOG", "trace");
        let child = pty.slave.spawn_command(cmd).expect("spawn mops demo");
        drop(pty.slave);
        let mut reader = pty.master.try_clone_reader().expect("reader");
        let writer = pty.master.take_writer().expect("writer");
        let screen = Arc::new(Mutex::new(vt100::Parser::new(
            NonZeroU16::new(ROWS).expect("rows"),
            NonZeroU16::new(COLS).expect("cols"),
            0,
        )));
        let sink = screen.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().expect("screen lock").process(&buf[..n]);
            }
        });
        Session {
            screen,
            _master: pty.master,
            writer,
            child,
            port,
            _home: home,
        }
    }

    fn contents(&self) -> String {
        self.screen.lock().expect("screen lock").screen().contents()
    }

    fn alternate(&self) -> bool {
        self.screen.lock().expect("screen lock").screen().alternate_screen()
    }

    fn wait_for(&self, what: &str, timeout: Duration, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let screen = self.contents();
            if ok(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn keys(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).expect("type");
        self.writer.flush().expect("flush");
    }

    fn wait_exit(&mut self, timeout: Duration) -> portable_pty::ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("mops did not exit within {timeout:?}; screen:\n{}", self.contents());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn home(&self) -> &std::path::Path {
        self._home.path()
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// The status cell of `source`'s row in the health pane (the left column).
fn status_of(screen: &str, source: &str) -> Option<String> {
    screen.lines().find_map(|line| {
        let row = line.trim_start_matches(['│', '┃']).strip_prefix(source)?;
        row.starts_with(' ').then_some(())?;
        Some(row.split_whitespace().next()?.trim_end_matches('*').to_string())
    })
}

fn all_ok(screen: &str) -> bool {
    SOURCES.iter().all(|s| status_of(screen, s).as_deref() == Some("OK"))
}

/// A plain HTTP/1.1 request to the sandbox's control endpoint.
fn control(port: u16, method: &str, path: &str, body: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to sandbox");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    response
}

#[test]
fn demo_shows_health_faults_and_recovery_then_quits_cleanly() {
    let mut s = Session::demo();
    let mut seen = Vec::new();
    // HubSpot's first poll reads all 20,000 sandbox contacts within its rate limit.
    let screen = s.wait_for("every source OK", Duration::from_secs(90), all_ok);
    seen.push(screen.clone());
    assert!(screen.contains("Stack health"), "{screen}");
    assert!(screen.contains(&format!("sandbox 127.0.0.1:{}", s.port)), "{screen}");
    assert!(s.alternate(), "the cockpit runs on the alternate screen");

    // Select hubspot so its reason shows under the table.
    s.keys("j");
    let response = control(s.port, "PUT", "/_sandbox/faults/hubspot", r#"{"kind":"status:503"}"#);
    assert!(response.starts_with("HTTP/1.1 204"), "{response}");
    // One poll interval is 5 s in the demo; retries of the failing GET add a few seconds.
    let screen = s.wait_for("hubspot DOWN with its reason", Duration::from_secs(20), |sc| {
        status_of(sc, "hubspot").as_deref() == Some("DOWN") && sc.contains("503")
    });
    assert_eq!(
        status_of(&screen, "mailchimp").as_deref(),
        Some("OK"),
        "only the faulty source fails:\n{screen}"
    );
    seen.push(screen);

    let response = control(s.port, "DELETE", "/_sandbox/faults/hubspot", "");
    assert!(response.starts_with("HTTP/1.1 204"), "{response}");
    seen.push(s.wait_for("hubspot recovered", Duration::from_secs(20), |sc| {
        status_of(sc, "hubspot").as_deref() == Some("OK")
    }));
    // The detail view shows the most about a source.
    s.keys("\r");
    seen.push(s.wait_for("hubspot's detail", Duration::from_secs(5), |sc| {
        sc.contains("Request id")
    }));

    s.keys("q");
    let status = s.wait_exit(Duration::from_secs(10));
    assert!(status.success(), "exit status {status:?}");
    std::thread::sleep(Duration::from_millis(200));
    assert!(!s.alternate(), "terminal left on the alternate screen");

    // Nothing secret on screen or in the log. The demo's sandbox is seeded
    // (seed 1), so a sandbox with the same seed has the same credentials.
    let log = std::fs::read_to_string(s.home().join("state/mops/mops.log")).expect("the log file exists");
    assert!(log.contains("hubspot"), "the log records the polls:\n{log}");
    for secret in demo_secrets() {
        assert!(!log.contains(&secret), "a sandbox secret is in the log");
        assert!(
            seen.iter().all(|screen| !screen.contains(&secret)),
            "a sandbox secret is on screen"
        );
    }
}

/// The credentials `mops demo` (seed 1) uses.
fn demo_secrets() -> Vec<String> {
    use secrecy::ExposeSecret;
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let options = mops::sandbox::SandboxOptions {
            listen: "127.0.0.1:0".parse().expect("addr"),
            seed: 1,
            faults: Vec::new(),
        };
        let sandbox = mops::sandbox::spawn(options).await.expect("sandbox");
        let c = sandbox.credentials();
        let secrets = vec![
            c.mailchimp_api_key.expose_secret().to_string(),
            c.hubspot_token.expose_secret().to_string(),
            c.wordpress_app_password.expose_secret().to_string(),
        ];
        sandbox.shutdown().await;
        secrets
    })
}

#[test]
fn help_overlay_opens_and_closes() {
    let mut s = Session::demo();
    s.wait_for("the cockpit", Duration::from_secs(30), |sc| sc.contains("Stack health"));
    s.keys("?");
    s.wait_for("help", Duration::from_secs(5), |sc| {
        sc.contains("Keys") && sc.contains("Shift-Tab")
    });
    s.keys("\x1b");
    s.wait_for("help closed", Duration::from_secs(5), |sc| !sc.contains("Shift-Tab"));
    s.keys("\x03"); // Ctrl-C
    assert!(s.wait_exit(Duration::from_secs(10)).success());
}

#[test]
fn sigterm_restores_the_terminal() {
    let mut s = Session::demo();
    s.wait_for("the cockpit", Duration::from_secs(30), |sc| sc.contains("Stack health"));
    let pid = s.child.process_id().expect("pid");
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    s.wait_exit(Duration::from_secs(10));
    std::thread::sleep(Duration::from_millis(200));
    assert!(!s.alternate(), "terminal left on the alternate screen after SIGTERM");
}

#[test]
fn sighup_ends_the_process_and_restores_the_terminal() {
    // What a dropped SSH session sends.
    let mut s = Session::demo();
    s.wait_for("the cockpit", Duration::from_secs(30), |sc| sc.contains("Stack health"));
    let pid = s.child.process_id().expect("pid");
    let sent = std::process::Command::new("kill")
        .args(["-HUP", &pid.to_string()])
        .status()
        .expect("kill");
    assert!(sent.success());
    s.wait_exit(Duration::from_secs(10));
    std::thread::sleep(Duration::from_millis(200));
    assert!(!s.alternate(), "terminal left on the alternate screen after SIGHUP");
}

/// Rows of the zoomed pipeline: (stage cell, campaign title), top to bottom.
fn pipeline_rows(screen: &str) -> Vec<(String, String)> {
    let stages = ["draft", "scheduled", "sending", "paused", "sent", "closed"];
    screen
        .lines()
        .filter_map(|line| {
            let row: String = line.trim_start_matches(['│', '┃']).chars().collect();
            let stage: String = row.chars().take(11).collect::<String>().trim().to_string();
            if !stages.iter().any(|s| stage == *s || stage == format!("{s} rss")) {
                return None;
            }
            let rest: String = row.chars().skip(12).collect();
            let title = rest.split("  ").next()?.trim().to_string();
            Some((stage, title))
        })
        .collect()
}

#[test]
fn schedule_a_draft_from_the_cockpit() {
    let mut s = Session::demo();
    s.wait_for("the cockpit", Duration::from_secs(30), |sc| sc.contains("Stack health"));
    s.keys("2z");
    let screen = s.wait_for("campaigns", Duration::from_secs(30), |sc| {
        pipeline_rows(sc).iter().any(|(stage, _)| stage == "draft")
    });
    let rows = pipeline_rows(&screen);
    let index = rows.iter().position(|(stage, _)| stage == "draft").expect("a draft");
    let title = rows[index].1.trim_end_matches('…').to_string();
    s.keys(&"j".repeat(index));
    // x: actions; the first, schedule, is what a draft allows.
    s.keys("x");
    s.wait_for("the action menu", Duration::from_secs(5), |sc| {
        sc.contains("Actions:") && sc.contains("▶ schedule")
    });
    s.keys("\r");
    s.wait_for("the time prompt", Duration::from_secs(5), |sc| {
        sc.contains("When should")
    });
    s.keys("+3h\r");
    let confirm = s.wait_for("the confirmation", Duration::from_secs(5), |sc| {
        sc.contains("schedule?")
    });
    assert!(
        confirm.contains("/actions/schedule"),
        "the exact request is shown:\n{confirm}"
    );
    assert!(confirm.contains("\"timewarp\": false"), "{confirm}");
    assert!(confirm.contains("Basic ***"), "auth masked:\n{confirm}");
    s.keys("y");
    s.wait_for("the campaign scheduled", Duration::from_secs(20), |sc| {
        pipeline_rows(sc)
            .iter()
            .any(|(stage, t)| stage == "scheduled" && t.starts_with(&title))
    });

    let audit = std::fs::read_to_string(s.home().join("state/mops/audit.jsonl")).expect("audit log");
    let lines: Vec<serde_json::Value> = audit
        .lines()
        .map(|l| serde_json::from_str(l).expect("every audit line is JSON"))
        .collect();
    assert_eq!(lines.len(), 2, "attempt and outcome:\n{audit}");
    assert_eq!(lines[0]["event"], "attempt");
    assert_eq!(lines[1]["event"], "outcome");
    assert_eq!(lines[1]["ok"], true, "{audit}");
    assert_eq!(lines[1]["http_status"], 204, "{audit}");
    assert_eq!(lines[0]["request_id"], lines[1]["request_id"]);
    for secret in demo_secrets() {
        assert!(!audit.contains(&secret), "a secret is in the audit log");
    }
    s.keys("q");
    assert!(s.wait_exit(Duration::from_secs(10)).success());
}

/// Rows of the zoomed alerts pane: (severity, rule title).
fn alert_rows(screen: &str) -> Vec<(String, String)> {
    screen
        .lines()
        .filter_map(|line| {
            let row = line.trim_start_matches(['│', '┃']);
            let severity = ["critical", "warning", "info"]
                .into_iter()
                .find(|s| row.starts_with(s))?;
            let rest: String = row.chars().skip(8 + 1 + 5 + 1).collect();
            let rule = rest.split("  ").next()?.trim().to_string();
            (!rule.is_empty()).then(|| (severity.to_string(), rule))
        })
        .collect()
}

#[test]
fn merge_a_planted_duplicate_and_see_the_alert_resolve() {
    let mut s = Session::demo();
    s.wait_for("the cockpit", Duration::from_secs(30), |sc| sc.contains("Stack health"));
    s.keys("3z");
    // The CRM's alerts come once HubSpot's first full read (20,000 contacts) is in.
    s.wait_for("CRM alerts", Duration::from_secs(120), |sc| {
        alert_rows(sc).iter().any(|(_, rule)| rule == "consent mismatch")
    });
    // Hundreds of alerts: filter down to the duplicates.
    s.keys("/duplicate contacts (email)\r");
    s.wait_for("a duplicate alert", Duration::from_secs(10), |sc| {
        alert_rows(sc)
            .first()
            .is_some_and(|(_, rule)| rule == "duplicate contacts (email)")
    });
    s.keys("\r");
    let detail = s.wait_for("the alert's detail", Duration::from_secs(5), |sc| {
        sc.contains("CRM: hubspot")
    });
    let id = detail
        .lines()
        .find_map(|l| l.split("id ").nth(1).and_then(|rest| rest.split(" · ").next()))
        .expect("the alert id")
        .trim()
        .to_string();
    assert!(id.starts_with("duplicate_email:"), "{id}");
    s.keys("x");
    s.wait_for("the action menu", Duration::from_secs(5), |sc| sc.contains("▶ merge"));
    s.keys("\r");
    let confirm = s.wait_for("the confirmation", Duration::from_secs(10), |sc| {
        sc.contains("Type the name to confirm:")
    });
    assert!(confirm.contains("/crm/v3/objects/contacts/merge"), "{confirm}");
    assert!(confirm.contains("Bearer ***"), "auth masked:\n{confirm}");
    let name = confirm
        .lines()
        .find_map(|l| l.split("Type the name to confirm: ").nth(1))
        .map(|n| n.trim_end_matches(['│', '┃', ' ']).to_string())
        .expect("the name to type");
    s.keys(&name);
    s.keys("\r");
    s.wait_for("the alert resolved", Duration::from_secs(40), |sc| {
        sc.contains(&format!("alert {id} resolved"))
    });

    let audit = std::fs::read_to_string(s.home().join("state/mops/audit.jsonl")).expect("audit log");
    let outcome = audit.lines().last().expect("an outcome line");
    assert!(
        outcome.contains("\"action\":\"merge\"") && outcome.contains("\"ok\":true"),
        "{audit}"
    );
    s.keys("q");
    assert!(s.wait_exit(Duration::from_secs(10)).success());
}

#[test]
fn publish_the_missed_schedule_and_see_it_leave_the_queue() {
    let mut s = Session::demo();
    s.wait_for("the cockpit", Duration::from_secs(30), |sc| sc.contains("Stack health"));
    s.keys("4z");
    let screen = s.wait_for("the missed schedule", Duration::from_secs(60), |sc| {
        sc.contains("Content: missed schedule (1)")
    });
    assert!(screen.contains("h late"), "its lateness shows:\n{screen}");
    // The first row is the queue's header; the post is right under it.
    s.keys("j\r");
    let detail = s.wait_for("the post's detail", Duration::from_secs(5), |sc| {
        sc.contains("MISSED SCHEDULE")
    });
    assert!(detail.contains("wp-admin/post.php?post="), "{detail}");
    s.keys("x");
    s.wait_for("the action menu", Duration::from_secs(5), |sc| sc.contains("▶ publish"));
    s.keys("\r");
    let confirm = s.wait_for("the confirmation", Duration::from_secs(10), |sc| {
        sc.contains("publish?")
    });
    assert!(
        confirm.contains("POST http://127.0.0.1:"),
        "the exact request:\n{confirm}"
    );
    assert!(confirm.contains("/wp-json/wp/v2/posts/"), "{confirm}");
    assert!(confirm.contains("\"status\": \"publish\""), "{confirm}");
    assert!(confirm.contains("Basic ***"), "auth masked:\n{confirm}");
    s.keys("y");
    s.wait_for("the vendor's answer", Duration::from_secs(20), |sc| {
        sc.contains("published (HTTP 200)")
    });
    // Sent, the source is polled again, and the post leaves the queue.
    s.keys("\x1b");
    s.wait_for("the queue emptied", Duration::from_secs(30), |sc| {
        sc.contains("missed schedule (0)")
    });

    let audit = std::fs::read_to_string(s.home().join("state/mops/audit.jsonl")).expect("audit log");
    let outcome = audit.lines().last().expect("an outcome line");
    assert!(
        outcome.contains("\"action\":\"publish\"") && outcome.contains("\"ok\":true"),
        "{audit}"
    );
    for secret in demo_secrets() {
        assert!(!audit.contains(&secret), "a secret is in the audit log");
    }
    s.keys("q");
    assert!(s.wait_exit(Duration::from_secs(10)).success());
}

#[test]
fn a_failed_publish_waits_in_the_queue_and_a_retry_sends_it() {
    let mut s = Session::demo();
    s.wait_for("the cockpit", Duration::from_secs(30), |sc| sc.contains("Stack health"));
    s.keys("4z");
    s.wait_for("the missed schedule", Duration::from_secs(60), |sc| {
        sc.contains("Content: missed schedule (1)")
    });
    control(s.port, "PUT", "/_sandbox/faults/wordpress", r#"{"kind":"status:503"}"#);
    s.keys("jx");
    s.wait_for("the action menu", Duration::from_secs(5), |sc| sc.contains("▶ publish"));
    s.keys("\r");
    s.wait_for("the confirmation", Duration::from_secs(10), |sc| {
        sc.contains("publish?")
    });
    s.keys("y");
    let screen = s.wait_for("the failure kept", Duration::from_secs(20), |sc| {
        sc.contains("Failed actions (1)")
    });
    assert!(screen.contains("HTTP 503"), "the reason shows:\n{screen}");
    assert!(
        screen.contains("Content: missed schedule (1)"),
        "nothing changed:\n{screen}"
    );

    control(s.port, "DELETE", "/_sandbox/faults/wordpress", "");
    s.keys("G\r");
    s.wait_for("the failed action's detail", Duration::from_secs(5), |sc| {
        sc.contains("The request a retry sends again")
    });
    s.keys("x");
    s.wait_for("retry and discard", Duration::from_secs(5), |sc| {
        sc.contains("▶ retry") && sc.contains("discard")
    });
    s.keys("\r");
    s.wait_for("the retry's confirmation", Duration::from_secs(5), |sc| {
        sc.contains("Retry publish?")
    });
    s.keys("y");
    s.wait_for("the retry's answer", Duration::from_secs(20), |sc| {
        sc.contains("published (HTTP 200)")
    });
    let screen = s.wait_for("both queues emptied", Duration::from_secs(30), |sc| {
        sc.contains("missed schedule (0)") && sc.contains("Failed actions (0)")
    });
    assert!(!screen.contains("HTTP 503"), "{screen}");

    // One attempt and outcome for the failure, one pair for the retry.
    let audit = std::fs::read_to_string(s.home().join("state/mops/audit.jsonl")).expect("audit log");
    let outcomes: Vec<serde_json::Value> = audit
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("JSON"))
        .filter(|l| l["event"] == "outcome")
        .collect();
    assert_eq!(outcomes.len(), 2, "{audit}");
    assert_eq!(
        (outcomes[0]["ok"].clone(), outcomes[1]["ok"].clone()),
        (false.into(), true.into())
    );
    s.keys("q");
    assert!(s.wait_exit(Duration::from_secs(10)).success());
}

#[test]
fn keys_are_answered_while_every_source_hangs() {
    let mut s = Session::demo_with(&[
        "--fault",
        "mailchimp=hang",
        "--fault",
        "hubspot=hang",
        "--fault",
        "wordpress=hang",
        "--fault",
        "website=hang",
    ]);
    s.wait_for("the cockpit", Duration::from_secs(30), |sc| sc.contains("Stack health"));
    // Every poll is hanging now; the loop must not be.
    for (keys, what, expect) in [
        ("?", "help", "Esc or ? to close"),
        ("?", "help closed", "┌ 3 Data-quality alerts"),
        ("4", "the task queues focused", "┏ 4 Task queues"),
        ("z", "the zoomed pane", "Failed actions (0)"),
        ("1", "the health pane", "┏ 1 Stack health"),
    ] {
        let started = Instant::now();
        s.keys(keys);
        s.wait_for(what, Duration::from_secs(5), |sc| sc.contains(expect));
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{what} took {:?} while every source hangs",
            started.elapsed()
        );
    }
    // The timeouts fire and say so: every source DOWN (the header's count), with the reason.
    let screen = s.wait_for("the timeouts reported", Duration::from_secs(40), |sc| {
        sc.contains("DOWN 4") && sc.contains("timed out after 3s")
    });
    assert!(!screen.contains("OK "), "{screen}");
    s.keys("q");
    assert!(s.wait_exit(Duration::from_secs(10)).success());
}
