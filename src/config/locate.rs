//! Where the config file is: --config, else $MOPS_CONFIG, else the XDG path.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use directories::ProjectDirs;

use super::ConfigError;

/// Names a config file, overriding the default location.
pub const CONFIG_ENV_VAR: &str = "MOPS_CONFIG";

/// The config path: `cli` (--config) if given, else `$MOPS_CONFIG` if set and
/// non-empty, else [`default_path`]. Does not check that the file exists.
pub fn locate(cli: Option<&Path>) -> Result<PathBuf, ConfigError> {
    let env = std::env::var_os(CONFIG_ENV_VAR);
    locate_from(cli, env.as_deref(), default_path())
}

/// [`locate`] with the environment value and default path passed in.
pub fn locate_from(cli: Option<&Path>, env: Option<&OsStr>, default: Option<PathBuf>) -> Result<PathBuf, ConfigError> {
    if let Some(path) = cli {
        return Ok(path.to_owned());
    }
    if let Some(value) = env.filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(value));
    }
    default.ok_or(ConfigError::NoConfigDir)
}

/// `config.toml` in the platform config folder: `~/.config/mops/config.toml`
/// on Linux (honouring `$XDG_CONFIG_HOME`). `None` without a home directory.
pub fn default_path() -> Option<PathBuf> {
    ProjectDirs::from("", "", "mops").map(|dirs| dirs.config_dir().join("config.toml"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_wins_over_env_and_default() {
        let got = locate_from(
            Some(Path::new("/cli.toml")),
            Some(OsStr::new("/env.toml")),
            Some(PathBuf::from("/default.toml")),
        );
        assert_eq!(got.unwrap(), PathBuf::from("/cli.toml"));
    }

    #[test]
    fn env_wins_over_default_unless_empty() {
        let default = Some(PathBuf::from("/default.toml"));
        let got = locate_from(None, Some(OsStr::new("/env.toml")), default.clone());
        assert_eq!(got.unwrap(), PathBuf::from("/env.toml"));
        let empty = locate_from(None, Some(OsStr::new("")), default);
        assert_eq!(empty.unwrap(), PathBuf::from("/default.toml"));
    }

    #[test]
    fn no_home_is_an_actionable_error() {
        let err = locate_from(None, None, None).unwrap_err();
        assert!(err.to_string().contains("--config"), "{err}");
    }
}
