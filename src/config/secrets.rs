//! Secret references: `{ env = "VAR" }` or `{ file = "PATH" }`. Values are read
//! only on demand, straight into a `SecretString`, and never enter an error.

use std::ffi::OsString;
use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use secrecy::SecretString;

use super::{ConfigError, SecretRef};

impl SecretRef {
    /// Reads the secret. Errors name the variable or path, never the value.
    pub fn resolve(&self) -> Result<SecretString, ConfigError> {
        match self {
            SecretRef::Env(var) => resolve_env_with(var, |name| std::env::var_os(name)),
            SecretRef::File(path) => read_secret_file(path),
        }
    }

    /// Where it comes from, for people: "env MAILCHIMP_API_KEY", "file /path".
    pub fn describe(&self) -> String {
        match self {
            SecretRef::Env(var) => format!("env {var}"),
            SecretRef::File(path) => format!("file {}", path.display()),
        }
    }
}

impl fmt::Display for SecretRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

/// [`SecretRef::resolve`] for `Env`, with the environment passed in so tests
/// need not mutate the process environment.
pub(crate) fn resolve_env_with(
    var: &str,
    lookup: impl FnOnce(&str) -> Option<OsString>,
) -> Result<SecretString, ConfigError> {
    let raw = lookup(var).ok_or_else(|| ConfigError::SecretEnvMissing { var: var.to_owned() })?;
    let value = raw
        .into_string()
        .map_err(|_| ConfigError::SecretEnvNotUnicode { var: var.to_owned() })?;
    if value.trim().is_empty() {
        return Err(ConfigError::SecretEnvEmpty { var: var.to_owned() });
    }
    Ok(SecretString::from(value))
}

fn read_secret_file(path: &Path) -> Result<SecretString, ConfigError> {
    let read_error = |error: io::Error| ConfigError::SecretFileRead {
        path: path.to_owned(),
        error,
    };
    let mut file = File::open(path).map_err(|error| match error.kind() {
        io::ErrorKind::NotFound => ConfigError::SecretFileMissing { path: path.to_owned() },
        _ => read_error(error),
    })?;
    // Check the opened handle, not the path, so the file cannot be swapped in between.
    let meta = file.metadata().map_err(read_error)?;
    if !meta.is_file() {
        return Err(ConfigError::SecretFileNotFile { path: path.to_owned() });
    }
    check_permissions(path, &meta)?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).map_err(read_error)?;
    let mut value =
        String::from_utf8(bytes).map_err(|_| ConfigError::SecretFileNotUnicode { path: path.to_owned() })?;
    // Editors and `echo` add a trailing newline that is not part of the secret.
    while value.ends_with(['\n', '\r']) {
        value.pop();
    }
    if value.trim().is_empty() {
        return Err(ConfigError::SecretFileEmpty { path: path.to_owned() });
    }
    Ok(SecretString::from(value))
}

/// Refuse secrets others can read, as ssh does for private keys.
#[cfg(unix)]
fn check_permissions(path: &Path, meta: &std::fs::Metadata) -> Result<(), ConfigError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o077 != 0 {
        return Err(ConfigError::SecretFilePermissions {
            path: path.to_owned(),
            mode,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_permissions(_path: &Path, _meta: &std::fs::Metadata) -> Result<(), ConfigError> {
    Ok(())
}

/// Expands a leading `~` to `home` and makes relative paths relative to
/// `base_dir` (the config file's folder). `~user` is not supported.
pub(crate) fn expand_path(raw: &str, home: Option<&Path>, base_dir: &Path) -> Result<PathBuf, String> {
    let path = if raw == "~" || raw.starts_with("~/") {
        let home = home.ok_or("`~` cannot be expanded: no home directory is known")?;
        match raw.strip_prefix("~/") {
            Some(rest) => home.join(rest),
            None => home.to_owned(),
        }
    } else if raw.starts_with('~') {
        return Err("`~user` paths are not supported; write the full path".to_owned());
    } else {
        PathBuf::from(raw)
    };
    Ok(if path.is_absolute() { path } else { base_dir.join(path) })
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    #[test]
    fn env_resolves_and_names_the_variable_on_failure() {
        let ok = resolve_env_with("MC_KEY", |_| Some("abc-us14".into())).unwrap();
        assert_eq!(ok.expose_secret(), "abc-us14");

        let missing = resolve_env_with("MC_KEY", |_| None).unwrap_err();
        assert_eq!(
            missing.to_string(),
            "environment variable MC_KEY is not set; export it before running mops, or use { file = \"PATH\" }"
        );

        let empty = resolve_env_with("MC_KEY", |_| Some("  ".into())).unwrap_err();
        assert_eq!(
            empty.to_string(),
            "environment variable MC_KEY is empty; set it to the secret"
        );
    }

    #[test]
    fn env_lookup_uses_the_named_variable() {
        let mut asked = String::new();
        let _ = resolve_env_with("HUBSPOT_TOKEN", |name| {
            asked = name.to_owned();
            None
        });
        assert_eq!(asked, "HUBSPOT_TOKEN");
    }

    #[test]
    fn describe_names_the_source_not_the_value() {
        assert_eq!(
            SecretRef::Env("MAILCHIMP_API_KEY".into()).describe(),
            "env MAILCHIMP_API_KEY"
        );
        assert_eq!(SecretRef::File("/run/keys/hs".into()).to_string(), "file /run/keys/hs");
    }

    #[test]
    fn expands_tilde_and_relative_paths() {
        let home = Path::new("/home/ops");
        let base = Path::new("/etc/mops");
        assert_eq!(
            expand_path("~/.config/mops/t", Some(home), base).unwrap(),
            PathBuf::from("/home/ops/.config/mops/t")
        );
        assert_eq!(expand_path("~", Some(home), base).unwrap(), PathBuf::from("/home/ops"));
        assert_eq!(
            expand_path("keys/hs.token", Some(home), base).unwrap(),
            PathBuf::from("/etc/mops/keys/hs.token")
        );
        assert_eq!(
            expand_path("/abs/t", Some(home), base).unwrap(),
            PathBuf::from("/abs/t")
        );
        assert!(expand_path("~/t", None, base).is_err());
        assert!(expand_path("~bob/t", Some(home), base).is_err());
    }
}
