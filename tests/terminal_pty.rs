//! The terminal comes back on every exit path: the real binary in a
//! pseudo-terminal, its raw output kept, the screen read back through a
//! terminal emulator and the tty's mode read from the pty itself.
//!
//! `tests/e2e_demo.rs` checks that SIGTERM and SIGHUP leave the alternate
//! screen; these tests check the rest of the restore (cursor shown, cooked
//! mode back, the restore written last), a panic, and a tty that goes away.

use std::fs::File;
use std::io::Read;
use std::num::NonZeroU16;
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, ExitStatus, MasterPty, PtySize, native_pty_system};

const COLS: u16 = 120;
const ROWS: u16 = 40;

const ENTER_ALT: &[u8] = b"\x1b[?1049h";
const LEAVE_ALT: &[u8] = b"\x1b[?1049l";
const HIDE_CURSOR: &[u8] = b"\x1b[?25l";
const SHOW_CURSOR: &[u8] = b"\x1b[?25h";

/// The fixed text of the panic `MOPS_TEST_PANIC_AFTER_MS` sets off.
const PANIC_TEXT: &str = "deliberate panic for tests";

/// Everything the child wrote, raw and as a screen.
struct Output {
    raw: Vec<u8>,
    screen: vt100::Parser,
}

struct Session {
    output: Arc<Mutex<Output>>,
    master: Option<Box<dyn MasterPty + Send>>,
    reader: Option<JoinHandle<()>>,
    stop_reading: Arc<AtomicBool>,
    child: Box<dyn Child + Send + Sync>,
    _home: tempfile::TempDir,
}

impl Session {
    /// `mops demo` in a fresh pty and home, with `env` set on top, the pty
    /// its controlling terminal (as a shell starts it).
    fn demo(env: &[(&str, &str)]) -> Session {
        Session::start(env, true)
    }

    /// `mops demo` on a pty that is not its controlling terminal, so closing
    /// the pty sends it no SIGHUP: only failing reads and writes tell it.
    fn demo_without_hangup_signal() -> Session {
        Session::start(&[], false)
    }

    fn start(env: &[(&str, &str)], controlling: bool) -> Session {
        let home = tempfile::tempdir().expect("tempdir");
        let pty = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("openpty");
        let mut vars: Vec<(String, String)> = vec![
            ("TERM".into(), "xterm-256color".into()),
            ("HOME".into(), home.path().display().to_string()),
            ("XDG_STATE_HOME".into(), home.path().join("state").display().to_string()),
            (
                "XDG_CONFIG_HOME".into(),
                home.path().join("config").display().to_string(),
            ),
        ];
        vars.extend(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        // A short, stable panic report whatever the CI environment sets.
        let unset = [
            "MOPS_CONFIG",
            "RUST_BACKTRACE",
            "RUST_LIB_BACKTRACE",
            "MOPS_TEST_PANIC_AFTER_MS",
        ]
        .into_iter()
        .filter(|k| !env.iter().any(|(set, _)| set == k));
        let args = ["demo", "--listen", "127.0.0.1:0"];
        let child: Box<dyn Child + Send + Sync> = if controlling {
            let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_mops"));
            cmd.args(args);
            for key in unset {
                cmd.env_remove(key);
            }
            for (key, value) in &vars {
                cmd.env(key, value);
            }
            pty.slave.spawn_command(cmd).expect("spawn mops demo")
        } else {
            let path = pty.master.tty_name().expect("the pty's name");
            // O_NOCTTY: the pty must not become anyone's controlling terminal.
            let tty = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .custom_flags(libc::O_NOCTTY)
                .open(&path)
                .expect("open the pty");
            let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_mops"));
            cmd.args(args)
                .stdin(tty.try_clone().expect("dup tty"))
                .stdout(tty.try_clone().expect("dup tty"))
                .stderr(tty);
            for key in unset {
                cmd.env_remove(key);
            }
            cmd.envs(vars);
            Box::new(cmd.spawn().expect("spawn mops demo"))
        };
        drop(pty.slave);

        // Our own copy of the master, read with a timeout so the reader can
        // be stopped and its copy closed: the tty only goes away once every
        // copy of the master is closed.
        let fd = pty.master.as_raw_fd().expect("the master's fd");
        // SAFETY: `fd` is the master's open descriptor, alive while `pty.master` is.
        let owned: OwnedFd = unsafe { BorrowedFd::borrow_raw(fd) }
            .try_clone_to_owned()
            .expect("dup the master");
        let output = Arc::new(Mutex::new(Output {
            raw: Vec::new(),
            screen: vt100::Parser::new(
                NonZeroU16::new(ROWS).expect("rows"),
                NonZeroU16::new(COLS).expect("cols"),
                0,
            ),
        }));
        let stop_reading = Arc::new(AtomicBool::new(false));
        let reader = {
            let (sink, stop) = (output.clone(), stop_reading.clone());
            std::thread::spawn(move || read_until_stopped(File::from(owned), &sink, &stop))
        };
        Session {
            output,
            master: Some(pty.master),
            reader: Some(reader),
            stop_reading,
            child,
            _home: home,
        }
    }

    fn contents(&self) -> String {
        self.output.lock().expect("output lock").screen.screen().contents()
    }

    fn raw(&self) -> Vec<u8> {
        self.output.lock().expect("output lock").raw.clone()
    }

    fn alternate(&self) -> bool {
        self.output
            .lock()
            .expect("output lock")
            .screen
            .screen()
            .alternate_screen()
    }

    fn cursor_hidden(&self) -> bool {
        self.output.lock().expect("output lock").screen.screen().hide_cursor()
    }

    /// Whether the tty is in raw mode (no line editing, no echo), read from
    /// the master: on Linux its termios calls act on the terminal side.
    fn raw_mode(&self) -> bool {
        let termios = self
            .master
            .as_ref()
            .and_then(|m| m.get_termios())
            .expect("the pty's termios");
        let termios = libc::termios::from(termios);
        termios.c_lflag & (libc::ICANON | libc::ECHO) == 0
    }

    fn wait_for_cockpit(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !self.contents().contains("Stack health") {
            assert!(
                Instant::now() < deadline,
                "the cockpit did not come up; screen:\n{}",
                self.contents()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn signal(&self, signal: &str) {
        let pid = self.child.process_id().expect("pid");
        let sent = std::process::Command::new("kill")
            .args([&format!("-{signal}"), &pid.to_string()])
            .status()
            .expect("kill");
        assert!(sent.success(), "kill -{signal} {pid}");
    }

    fn wait_exit(&mut self, timeout: Duration) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("mops did not exit within {timeout:?}; screen:\n{}", self.contents());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Waits until the child's last output has been read: the reader stops
    /// once the child has closed its side of the pty.
    fn drain(&mut self) {
        if let Some(reader) = self.reader.take() {
            reader.join().expect("reader thread");
        }
    }

    /// Closes every copy of the pty's master, as a terminal emulator that
    /// crashed or an SSH connection that dropped would.
    fn close_tty(&mut self) {
        self.stop_reading.store(true, Ordering::SeqCst);
        if let Some(reader) = self.reader.take() {
            reader.join().expect("reader thread");
        }
        self.master = None;
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.stop_reading.store(true, Ordering::SeqCst);
    }
}

/// Copies the child's output into `sink` until the child closes its side
/// (EOF or EIO on the master) or `stop` is set.
fn read_until_stopped(mut file: File, sink: &Mutex<Output>, stop: &AtomicBool) {
    let mut buf = [0u8; 8192];
    while !stop.load(Ordering::SeqCst) {
        let mut poll = libc::pollfd {
            fd: file.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd, for the length given; `file` outlives the call.
        let ready = unsafe { libc::poll(&mut poll, 1, 20) };
        if ready <= 0 {
            continue;
        }
        match file.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                let mut out = sink.lock().expect("output lock");
                out.raw.extend_from_slice(&buf[..n]);
                out.screen.process(&buf[..n]);
            }
        }
    }
}

fn last(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The terminal as the user gets it back: main screen, cursor shown, cooked
/// mode, and the sequences that say so written after the last ones that
/// took it away.
fn assert_restored(s: &Session, how: &str) {
    let raw = s.raw();
    let entered =
        last(&raw, ENTER_ALT).unwrap_or_else(|| panic!("{how}: the cockpit never entered the alternate screen"));
    let left = last(&raw, LEAVE_ALT).unwrap_or_else(|| panic!("{how}: the alternate screen was never left"));
    assert!(
        left > entered,
        "{how}: the alternate screen was entered again after it was left"
    );
    let hidden = last(&raw, HIDE_CURSOR).unwrap_or_else(|| panic!("{how}: the cursor was never hidden"));
    let shown = last(&raw, SHOW_CURSOR).unwrap_or_else(|| panic!("{how}: the cursor was never shown again"));
    assert!(shown > hidden, "{how}: the cursor was hidden again after it was shown");
    assert!(!s.alternate(), "{how}: left on the alternate screen");
    assert!(!s.cursor_hidden(), "{how}: cursor left hidden");
    assert!(!s.raw_mode(), "{how}: the tty was left in raw mode");
}

#[test]
fn a_panic_restores_the_terminal_before_its_report_prints() {
    let mut s = Session::demo(&[("MOPS_TEST_PANIC_AFTER_MS", "1500")]);
    s.wait_for_cockpit();
    assert!(s.raw_mode(), "the cockpit runs in raw mode");
    assert!(s.cursor_hidden(), "the cockpit hides the cursor");
    let status = s.wait_exit(Duration::from_secs(15));
    s.drain();
    assert!(!status.success(), "a panic is a failure: {status:?}");
    assert_restored(&s, "panic");

    // The report comes after the restore, so it lands on the main screen
    // in cooked mode: whole lines starting at the left edge.
    let raw = s.raw();
    let report = find(&raw, PANIC_TEXT.as_bytes()).expect("the panic report reached the terminal");
    let left = last(&raw, LEAVE_ALT).expect("left the alternate screen");
    assert!(
        report > left,
        "the report was printed on the alternate screen, where it is lost"
    );
    let screen = s.contents();
    assert!(
        screen.lines().any(|l| l.contains(PANIC_TEXT)),
        "the report is on the screen:\n{screen}"
    );
    assert!(
        screen.lines().any(|l| l.starts_with("Location:")),
        "lines start at the left edge (no raw-mode staircase):\n{screen}"
    );
}

#[test]
fn signals_restore_cursor_and_cooked_mode_and_write_the_restore_last() {
    // Both at once: each waits on its own cockpit.
    let mut sessions: Vec<(&str, Session)> = ["TERM", "HUP"]
        .into_iter()
        .map(|sig| (sig, Session::demo(&[])))
        .collect();
    for (signal, s) in &mut sessions {
        s.wait_for_cockpit();
        assert!(s.raw_mode(), "the cockpit runs in raw mode");
        s.signal(signal);
    }
    for (signal, s) in &mut sessions {
        let status = s.wait_exit(Duration::from_secs(10));
        s.drain();
        assert!(status.success(), "SIG{signal} is an orderly exit: {status:?}");
        assert_restored(s, &format!("SIG{signal}"));
        // Nothing drawn after the restore: the last bytes are the restore.
        let raw = s.raw();
        let tail = &raw[last(&raw, LEAVE_ALT).expect("left")..];
        assert!(
            find(tail, b"Stack health").is_none(),
            "SIG{signal}: the cockpit drew again after restoring"
        );
    }
}

/// Closes the cockpit's tty and returns how long the process took to exit.
fn exit_after_tty_closes(mut s: Session) -> (Duration, ExitStatus) {
    s.wait_for_cockpit();
    assert!(s.raw_mode(), "the cockpit runs in raw mode");
    let closed = Instant::now();
    s.close_tty();
    // The figure to expect is well under a second; the bound is loose for a
    // loaded CI box and still far from "spins until killed".
    let status = s.wait_exit(Duration::from_secs(3));
    (closed.elapsed(), status)
}

#[test]
fn a_closed_tty_ends_the_process_promptly() {
    // What a crashed terminal emulator or a dropped SSH session does: the
    // kernel hangs up the tty and signals its session.
    let (took, status) = exit_after_tty_closes(Session::demo(&[]));
    eprintln!("with SIGHUP: mops exited {took:?} after its tty closed ({status:?})");
    assert!(status.signal().is_none(), "an orderly exit, not a crash: {status:?}");
}

#[test]
fn a_closed_tty_ends_the_process_even_without_a_hangup_signal() {
    // Only the failing reads and writes say the tty is gone.
    let (took, status) = exit_after_tty_closes(Session::demo_without_hangup_signal());
    eprintln!("without SIGHUP: mops exited {took:?} after its tty closed ({status:?})");
    assert!(status.signal().is_none(), "an orderly exit, not a crash: {status:?}");
}
