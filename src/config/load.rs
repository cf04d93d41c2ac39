//! Reading a config file from disk.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::validate::parse_config;
use super::{Config, ConfigError};

/// Reads and validates the config at `path`. A missing file is
/// [`ConfigError::NotFound`], which suggests `mops config init`.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let text = fs::read_to_string(path).map_err(|error| match error.kind() {
        io::ErrorKind::NotFound => ConfigError::NotFound { path: path.to_owned() },
        _ => ConfigError::Read {
            path: path.to_owned(),
            error,
        },
    })?;
    parse(&text, path)
}

/// Validates config `text` as if read from `path`: errors name `path`, and
/// relative secret files resolve against its folder. Reads no files.
pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
    let home = directories::BaseDirs::new().map(|dirs| dirs.home_dir().to_path_buf());
    parse_config(&absolute(path), text, home.as_deref())
}

/// Absolute without touching the file system (no symlink resolution), so
/// messages show the path the user gave, anchored.
fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}
