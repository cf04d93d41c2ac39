//! Store errors: each names the database file and says what to do.

use std::io;
use std::path::PathBuf;

use rusqlite::ErrorCode;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot work out the data folder (no home directory); set HOME or XDG_DATA_HOME")]
    NoDataDir,

    #[error("cannot create the folder for the state database {}: {source}", path.display())]
    CreateDir { path: PathBuf, source: io::Error },

    #[error("cannot create the state database {}: {source}", path.display())]
    CreateFile { path: PathBuf, source: io::Error },

    #[error(
        "{} is not a mops state database (not SQLite, or corrupted); move it aside and mops will start a fresh one",
        path.display()
    )]
    NotADatabase { path: PathBuf },

    #[error(
        "state database {} has schema version {found}, newer than this mops understands ({supported}); upgrade mops, or use another database file",
        path.display()
    )]
    NewerSchema { path: PathBuf, found: i64, supported: i64 },

    #[error("state database {}: {what}: {source}", path.display())]
    Sqlite {
        path: PathBuf,
        what: &'static str,
        source: rusqlite::Error,
    },

    #[error("state database {}: the stored state of alert {id} is unreadable ({detail}); remove it with a fresh acknowledgement", path.display())]
    BadRow { path: PathBuf, id: String, detail: String },

    #[error("state database {}: {what} could not be encoded: {source}", path.display())]
    Encode {
        path: PathBuf,
        what: &'static str,
        source: serde_json::Error,
    },
}

impl StoreError {
    /// Wraps a SQLite error, turning "not a database" and corruption into
    /// [`StoreError::NotADatabase`] so the message says what to do.
    pub(crate) fn sqlite(path: &std::path::Path, what: &'static str, source: rusqlite::Error) -> Self {
        match source.sqlite_error_code() {
            Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => {
                StoreError::NotADatabase { path: path.to_owned() }
            }
            _ => StoreError::Sqlite {
                path: path.to_owned(),
                what,
                source,
            },
        }
    }
}
