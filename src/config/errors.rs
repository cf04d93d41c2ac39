//! Config errors. Messages name where and what, and never carry a secret value.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// One validation problem at a place in the config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based.
    pub line: usize,
    /// 1-based, in characters.
    pub column: usize,
    /// The field path, e.g. `defaults.interval` or `source "crm" field tier`;
    /// empty for TOML syntax errors.
    pub field: String,
    /// What is wrong and, where we can tell, how to fix it.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: ", self.line, self.column)?;
        if !self.field.is_empty() {
            write!(f, "{}: ", self.field)?;
        }
        f.write_str(&self.message)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "no config file at {path}; run `mops config init {path}` to write a commented starter config there",
        path = path.display()
    )]
    NotFound { path: PathBuf },

    #[error("{} is a directory, not a config file; pass the path of the .toml file itself", path.display())]
    NotAFile { path: PathBuf },

    #[error("cannot read config file {}: {error}", path.display())]
    Read { path: PathBuf, error: io::Error },

    /// The file parsed badly or failed validation; problems are in file order.
    #[error("{}", render_problems(file, problems))]
    Invalid { file: PathBuf, problems: Vec<Problem> },

    #[error("cannot work out the config folder (no home directory); pass --config PATH or set MOPS_CONFIG")]
    NoConfigDir,

    #[error("{} already exists; not overwriting it (validate it with `mops config check`)", path.display())]
    AlreadyExists { path: PathBuf },

    #[error("cannot write {}: {error}", path.display())]
    Write { path: PathBuf, error: io::Error },

    #[error("environment variable {var} is not set; export it before running mops, or use {{ file = \"PATH\" }}")]
    SecretEnvMissing { var: String },

    #[error("environment variable {var} is empty; set it to the secret")]
    SecretEnvEmpty { var: String },

    #[error("environment variable {var} is not valid UTF-8; check what it holds")]
    SecretEnvNotUnicode { var: String },

    #[error(
        "secret file {path} does not exist; write the secret into it and run: chmod 600 {path}",
        path = path.display()
    )]
    SecretFileMissing { path: PathBuf },

    #[error(
        "secret file {path} is readable by group or others (mode {mode:04o}); run: chmod 600 {path}",
        path = path.display()
    )]
    SecretFilePermissions { path: PathBuf, mode: u32 },

    #[error("secret file {} is not a regular file; point `file` at the file that holds the secret", path.display())]
    SecretFileNotFile { path: PathBuf },

    #[error("secret file {} is empty; write the secret into it", path.display())]
    SecretFileEmpty { path: PathBuf },

    #[error("secret file {} is not UTF-8 text; save the secret as plain text", path.display())]
    SecretFileNotUnicode { path: PathBuf },

    #[error("cannot read secret file {}: {error}", path.display())]
    SecretFileRead { path: PathBuf, error: io::Error },
}

impl ConfigError {
    /// The validation problems, empty for every other kind of error.
    pub fn problems(&self) -> &[Problem] {
        match self {
            ConfigError::Invalid { problems, .. } => problems,
            _ => &[],
        }
    }
}

/// One `file:line:col: field: message` line per problem, like a compiler.
fn render_problems(file: &std::path::Path, problems: &[Problem]) -> String {
    let mut out = String::new();
    for (i, p) in problems.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&format!("{}:{p}", file.display()));
    }
    if problems.is_empty() {
        out = format!("{}: invalid config", file.display());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_renders_one_compiler_style_line_per_problem() {
        let err = ConfigError::Invalid {
            file: PathBuf::from("/etc/mops.toml"),
            problems: vec![
                Problem {
                    line: 3,
                    column: 12,
                    field: "defaults.interval".into(),
                    message: "bad".into(),
                },
                Problem {
                    line: 1,
                    column: 1,
                    field: String::new(),
                    message: "invalid TOML".into(),
                },
            ],
        };
        assert_eq!(
            err.to_string(),
            "/etc/mops.toml:3:12: defaults.interval: bad\n/etc/mops.toml:1:1: invalid TOML"
        );
    }

    #[test]
    fn permission_error_tells_how_to_fix() {
        let err = ConfigError::SecretFilePermissions {
            path: PathBuf::from("/x/key"),
            mode: 0o644,
        };
        assert_eq!(
            err.to_string(),
            "secret file /x/key is readable by group or others (mode 0644); run: chmod 600 /x/key"
        );
    }
}
