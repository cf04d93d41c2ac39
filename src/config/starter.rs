//! The commented starter config `mops config init` writes.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::ConfigError;

const STARTER: &str = include_str!("starter.txt");

/// A commented config that passes `mops config check` on a fresh machine:
/// one active HTTP check, the vendor sources commented out with explanations.
pub fn starter() -> &'static str {
    STARTER
}

/// Writes [`starter`] to `path`, creating parent folders. Never overwrites an
/// existing file. Returns the path written.
pub fn init(path: &Path) -> Result<PathBuf, ConfigError> {
    let write_error = |error: io::Error| ConfigError::Write {
        path: path.to_owned(),
        error,
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(write_error)?;
    }
    // create_new makes the existence check and the creation one atomic step.
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|error| match error.kind() {
            io::ErrorKind::AlreadyExists => ConfigError::AlreadyExists { path: path.to_owned() },
            _ => write_error(error),
        })?;
    file.write_all(STARTER.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(write_error)?;
    tracing::info!(path = %path.display(), "wrote starter config");
    Ok(path.to_owned())
}
