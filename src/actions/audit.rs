//! The audit log: append-only JSONL, one flushed line per record, so a
//! person can always tell what was attempted at a vendor, by whom, and what
//! came of it, even when the process died half way through an action.
//!
//! Each record is serialized whole, then written with a single `write_all`
//! on a file opened with `O_APPEND`, under an exclusive lock shared with
//! other mops processes, and synced before the call returns. Lines never
//! interleave; a kill lands between lines (should the kernel ever cut a
//! write short, the next record starts on a fresh line and [`read_log`]
//! reports the torn one). Records hold no request body, no auth header and
//! no secret; free text from vendors is scrubbed of the configured secrets
//! as a second line of defence.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::os::unix::fs::{DirBuilderExt, FileExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use jiff::Timestamp;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use super::{ActionError, Outcome, PlannedAction};
use crate::http::{Scrubber, redact_url};

/// The file name inside the state directory.
pub const AUDIT_FILE: &str = "audit.jsonl";

/// What a record says happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditEvent {
    /// About to send: written (and synced) before the request leaves.
    Attempt,
    /// The request was sent; `ok` says how it went.
    Outcome,
    /// Not sent: read-only mode refused it.
    Refused,
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// RFC 3339, UTC.
    pub time: Timestamp,
    pub event: AuditEvent,
    /// The OS user who ran mops.
    pub user: String,
    pub host: String,
    pub source: String,
    pub action: String,
    /// The target's id at the vendor.
    pub target: String,
    pub target_name: String,
    pub method: String,
    /// Redacted: no user info, query values masked.
    pub url: String,
    /// The id sent with the request; `None` when nothing was sent.
    pub request_id: Option<String>,
    /// Outcomes and refusals only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ok: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor_code: Option<String>,
}

/// The audit log could not be opened or written.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("no home directory to keep the audit log in (set HOME or XDG_STATE_HOME)")]
    NoStateDir,
    #[error("audit log {}: {action}: {source}", path.display())]
    Io {
        path: PathBuf,
        action: &'static str,
        #[source]
        source: io::Error,
    },
    #[error("audit log {}: a record could not be serialized: {source}", path.display())]
    Serialize {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
}

impl AuditError {
    fn io<'a>(path: &'a Path, action: &'static str) -> impl FnOnce(io::Error) -> AuditError + 'a {
        move |source| AuditError::Io {
            path: path.to_path_buf(),
            action,
            source,
        }
    }
}

/// Where the audit log lives by default: `$XDG_STATE_HOME/mops/audit.jsonl`
/// (`~/.local/state/mops/`), else the local data dir where a platform has no
/// state dir.
pub fn default_path() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "mops")?;
    let dir = dirs
        .state_dir()
        .map_or_else(|| dirs.data_local_dir().to_path_buf(), Path::to_path_buf);
    Some(dir.join(AUDIT_FILE))
}

/// Who and where, stamped on every record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub user: String,
    pub host: String,
}

impl Identity {
    /// The OS user from `$USER`/`$LOGNAME` (else `uid:N`), the host from the
    /// kernel's hostname (else `/etc/hostname`, else "unknown").
    pub fn current() -> Self {
        Identity {
            user: current_user(),
            host: current_host(),
        }
    }
}

fn current_user() -> String {
    ["USER", "LOGNAME"]
        .into_iter()
        .filter_map(|var| std::env::var(var).ok())
        .map(|name| name.trim().to_owned())
        .find(|name| !name.is_empty())
        .or_else(|| fs::metadata("/proc/self").ok().map(|m| format!("uid:{}", m.uid())))
        .unwrap_or_else(|| "unknown".to_owned())
}

fn current_host() -> String {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .into_iter()
        .filter_map(|path| fs::read_to_string(path).ok())
        .map(|name| name.trim().to_owned())
        .find(|name| !name.is_empty())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// The append-only audit log. Share one per process (it is `Sync`); several
/// processes may append to the same file.
#[derive(Debug)]
pub struct AuditLog {
    path: PathBuf,
    identity: Identity,
    scrubber: Scrubber,
    /// Serializes writers in this process. The file is opened per record
    /// (cheap next to a vendor call) so a rotated or removed log is
    /// recreated rather than written into the void.
    lock: Mutex<()>,
}

impl AuditLog {
    /// The log at [`default_path`], its folder created (mode 0700) if missing.
    pub fn open_default() -> Result<Self, AuditError> {
        let path = default_path().ok_or(AuditError::NoStateDir)?;
        Self::open(path)
    }

    /// The log at `path`: creates its folder (0700) and the file (0600) if
    /// missing, and checks it can be opened for appending, so a log that
    /// cannot be written is found before anything is offered to send.
    pub fn open(path: impl Into<PathBuf>) -> Result<Self, AuditError> {
        let path = path.into();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(AuditError::io(dir, "creating its folder"))?;
        }
        let log = AuditLog {
            identity: Identity::current(),
            scrubber: Scrubber::default(),
            lock: Mutex::new(()),
            path,
        };
        log.open_file()?;
        Ok(log)
    }

    /// Records the user and host given instead of the current ones (tests,
    /// or a service recording on someone's behalf).
    pub fn with_identity(mut self, identity: Identity) -> Self {
        self.identity = identity;
        self
    }

    /// Secrets to mask in any free text a record carries (vendor error
    /// messages), should a connector ever let one through.
    pub fn with_secrets(mut self, secrets: impl IntoIterator<Item = SecretString>) -> Self {
        for secret in secrets {
            self.scrubber.add(secret);
        }
        self
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn open_file(&self) -> Result<File, AuditError> {
        // Read too: a torn last line is found by reading the last byte.
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .mode(0o600)
            .open(&self.path)
            .map_err(AuditError::io(&self.path, "opening it for appending"))?;
        // A log created before (by hand, or by an older version) with a looser
        // mode is tightened; only regular files: never chmod a device.
        let meta = file
            .metadata()
            .map_err(AuditError::io(&self.path, "reading its permissions"))?;
        if meta.is_file() && meta.mode() & 0o077 != 0 {
            file.set_permissions(fs::Permissions::from_mode(0o600))
                .map_err(AuditError::io(&self.path, "restricting it to its owner"))?;
        }
        Ok(file)
    }

    /// Appends one record as one line, synced to disk before returning.
    pub fn append(&self, record: &AuditRecord) -> Result<(), AuditError> {
        let json = serde_json::to_vec(record).map_err(|source| AuditError::Serialize {
            path: self.path.clone(),
            source,
        })?;
        // A poisoned lock only means another writer panicked; the file itself
        // is still consistent (each line is one write), so carry on.
        let _guard = self.lock.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut file = self.open_file()?;
        // Other mops processes (the cockpit, a `mops act` in another shell)
        // append too: the exclusive lock makes "check the last byte, write,
        // sync" one step for all of them. It is released when `file` closes,
        // also when a holder is killed. Without lock support (some network
        // file systems) each line is still one O_APPEND write.
        if let Err(e) = file.lock() {
            tracing::warn!(path = %self.path.display(), error = %e, "audit log not locked; appending anyway");
        }
        // The kernel may cut a write that spans pages when the process is
        // killed mid-record. Such a fragment was never a record: drop it, so
        // every line in the log stays whole, valid JSON.
        if let Some(cut) = torn_tail(&file).map_err(AuditError::io(&self.path, "checking the last record"))? {
            tracing::warn!(path = %self.path.display(), at = cut, "dropping a record cut short by a killed writer");
            file.set_len(cut)
                .map_err(AuditError::io(&self.path, "dropping a torn record"))?;
        }
        let mut line = Vec::with_capacity(json.len() + 1);
        line.extend_from_slice(&json);
        line.push(b'\n');
        file.write_all(&line)
            .map_err(AuditError::io(&self.path, "writing a record"))?;
        file.flush().map_err(AuditError::io(&self.path, "flushing a record"))?;
        file.sync_data()
            .map_err(AuditError::io(&self.path, "syncing a record to disk"))?;
        Ok(())
    }

    /// A record about `planned` with the common fields filled in.
    pub fn record(&self, event: AuditEvent, planned: &PlannedAction, request_id: Option<&str>) -> AuditRecord {
        AuditRecord {
            time: Timestamp::now(),
            event,
            user: self.identity.user.clone(),
            host: self.identity.host.clone(),
            source: planned.source.clone(),
            action: planned.action.clone(),
            target: planned.target_id.clone(),
            target_name: self.scrubber.scrub(&planned.target_name),
            method: planned.method.as_str().to_owned(),
            url: self.scrubber.scrub(&redact_url(&planned.url)),
            request_id: request_id.map(str::to_owned),
            ok: None,
            http_status: None,
            duration_ms: None,
            error: None,
            vendor_code: None,
        }
    }

    /// "About to send `planned` as `request_id`."
    pub fn attempt(&self, planned: &PlannedAction, request_id: &str) -> Result<(), AuditError> {
        self.append(&self.record(AuditEvent::Attempt, planned, Some(request_id)))
    }

    /// What came of sending `planned` as `request_id`.
    pub fn outcome(
        &self,
        planned: &PlannedAction,
        request_id: &str,
        result: &Result<Outcome, ActionError>,
        elapsed: Duration,
    ) -> Result<(), AuditError> {
        let mut record = self.record(AuditEvent::Outcome, planned, Some(request_id));
        record.duration_ms = Some(millis(elapsed));
        match result {
            Ok(outcome) => {
                record.ok = Some(true);
                record.http_status = Some(outcome.http_status);
            }
            Err(error) => {
                record.ok = Some(false);
                record.http_status = error.http_status;
                record.error = Some(self.scrubber.scrub(&error.message));
                record.vendor_code = error
                    .vendor
                    .as_ref()
                    .and_then(|v| v.code.as_deref())
                    .map(|code| self.scrubber.scrub(code));
            }
        }
        self.append(&record)
    }

    /// `planned` was not sent: `reason` (read-only mode).
    pub fn refused(&self, planned: &PlannedAction, reason: &str) -> Result<(), AuditError> {
        let mut record = self.record(AuditEvent::Refused, planned, None);
        record.ok = Some(false);
        record.error = Some(self.scrubber.scrub(reason));
        self.append(&record)
    }
}

/// Where a record cut short by a kill begins, if the file ends in one: just
/// after the last newline. `None` when the file ends with a whole line.
fn torn_tail(file: &File) -> io::Result<Option<u64>> {
    let len = file.metadata()?.len();
    if len == 0 {
        return Ok(None);
    }
    let mut last = [0u8; 1];
    file.read_exact_at(&mut last, len - 1)?;
    if last[0] == b'\n' {
        return Ok(None);
    }
    let mut buf = [0u8; 4096];
    let mut end = len;
    while end > 0 {
        let start = end.saturating_sub(buf.len() as u64);
        let chunk = &mut buf[..(end - start) as usize];
        file.read_exact_at(chunk, start)?;
        if let Some(i) = chunk.iter().rposition(|b| *b == b'\n') {
            return Ok(Some(start + i as u64 + 1));
        }
        end = start;
    }
    Ok(Some(0))
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// A log read back.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AuditContents {
    pub records: Vec<AuditRecord>,
    /// 1-based numbers of lines that are not records: what a crash in the
    /// middle of a write can leave (at most one per crash). Never expected
    /// otherwise; a reader should say so rather than hide it.
    pub damaged: Vec<usize>,
}

/// Reads a log back: every record, and the numbers of any damaged lines.
/// Blank lines are ignored.
pub fn read_log(path: &Path) -> Result<AuditContents, AuditReadError> {
    let io_err = |source| AuditReadError {
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(io_err)?;
    let mut contents = AuditContents::default();
    for (index, line) in BufReader::new(file).split(b'\n').enumerate() {
        let line = line.map_err(io_err)?;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice(&line) {
            Ok(record) => contents.records.push(record),
            Err(_) => contents.damaged.push(index + 1),
        }
    }
    Ok(contents)
}

#[derive(Debug, thiserror::Error)]
#[error("audit log {}: {source}", path.display())]
pub struct AuditReadError {
    pub path: PathBuf,
    #[source]
    pub source: io::Error,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Method;

    fn planned() -> PlannedAction {
        PlannedAction {
            source: "mailchimp".into(),
            action: "schedule".into(),
            target_id: "c0ffee".into(),
            target_name: "Nov newsletter".into(),
            method: Method::POST,
            url: "http://u:p@127.0.0.1:9/3.0/campaigns/c0ffee/actions/schedule?key=abc"
                .parse()
                .expect("url"),
            body: Some(serde_json::json!({"schedule_time": "2026-11-23T09:00:00Z"})),
            auth: "Basic ***".into(),
            irreversible: false,
            effect: "Schedules".into(),
        }
    }

    #[test]
    fn records_carry_no_body_and_a_redacted_url() {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = AuditLog::open(dir.path().join("a/b/audit.jsonl")).expect("open");
        log.attempt(&planned(), "rid-1").expect("attempt");
        let text = fs::read_to_string(log.path()).expect("read");
        assert!(text.ends_with('\n'));
        assert!(!text.contains("schedule_time"), "no body: {text}");
        assert!(!text.contains("u:p@") && !text.contains("abc"), "redacted: {text}");
        let records = read_log(log.path()).expect("read_log").records;
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].event, AuditEvent::Attempt);
        assert_eq!(records[0].request_id.as_deref(), Some("rid-1"));
    }

    #[test]
    fn new_logs_and_folders_are_private() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("state/mops/audit.jsonl");
        let log = AuditLog::open(&path).expect("open");
        log.attempt(&planned(), "rid").expect("attempt");
        let file_mode = fs::metadata(&path).expect("meta").mode() & 0o777;
        let dir_mode = fs::metadata(path.parent().expect("parent")).expect("meta").mode() & 0o777;
        assert_eq!(file_mode, 0o600);
        assert_eq!(dir_mode, 0o700);
    }

    #[test]
    fn loose_permissions_are_tightened() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("audit.jsonl");
        fs::write(&path, "").expect("write");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).expect("chmod");
        AuditLog::open(&path).expect("open");
        assert_eq!(fs::metadata(&path).expect("meta").mode() & 0o777, 0o600);
    }

    #[test]
    fn a_torn_record_is_dropped_by_the_next_append() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("audit.jsonl");
        let log = AuditLog::open(&path).expect("open");
        log.attempt(&planned(), "rid-1").expect("attempt");
        // What a write cut off by SIGKILL leaves behind.
        let whole = fs::read_to_string(&path).expect("read");
        fs::write(&path, format!("{whole}{{\"time\":\"2026")).expect("write");
        log.attempt(&planned(), "rid-2").expect("attempt");
        let contents = read_log(&path).expect("read_log");
        let ids: Vec<_> = contents
            .records
            .iter()
            .filter_map(|r| r.request_id.as_deref())
            .collect();
        assert_eq!(ids, ["rid-1", "rid-2"]);
        assert!(
            contents.damaged.is_empty(),
            "the fragment is gone: {:?}",
            contents.damaged
        );
        assert_eq!(fs::read_to_string(&path).expect("read").lines().count(), 2);
    }

    #[test]
    fn identity_is_never_empty() {
        let id = Identity::current();
        assert!(!id.user.is_empty() && !id.host.is_empty());
    }
}
