//! Reading a config file from disk.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::validate::{parse_config, position};
use super::{Config, ConfigError, Problem};

/// Reads and validates the config at `path`. A missing file is
/// [`ConfigError::NotFound`], which suggests `mops config init`.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let read_error = |error: io::Error| ConfigError::Read {
        path: path.to_owned(),
        error,
    };
    let bytes = fs::read(path).map_err(|error| match error.kind() {
        io::ErrorKind::NotFound => ConfigError::NotFound { path: path.to_owned() },
        io::ErrorKind::IsADirectory => ConfigError::NotAFile { path: path.to_owned() },
        _ => read_error(error),
    })?;
    let text = String::from_utf8(bytes).map_err(|err| not_utf8(path, err.as_bytes(), err.utf8_error()))?;
    parse(&text, path)
}

/// Points at the first byte that is not UTF-8, without quoting any of the text.
fn not_utf8(path: &Path, bytes: &[u8], err: std::str::Utf8Error) -> ConfigError {
    let valid = bytes.get(..err.valid_up_to()).unwrap_or_default();
    // Everything before valid_up_to is UTF-8 by definition.
    let before = std::str::from_utf8(valid).unwrap_or_default();
    let (line, column) = position(before, before.len());
    ConfigError::Invalid {
        file: absolute(path),
        problems: vec![Problem {
            line,
            column,
            field: String::new(),
            message: "the file is not UTF-8 text; save it as UTF-8 (TOML requires it)".to_owned(),
        }],
    }
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
