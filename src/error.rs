//! Errors. Every message names the file, the column and what was expected
//! (SPEC section 8), so a user can fix the input without reading code.

use std::path::PathBuf;

/// Everything that can go wrong in a run, a merge or a file inspection.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An option value that cannot be used.
    #[error("invalid {option} {value:?}: expected {expected}")]
    InvalidOption {
        /// The option's name as the CLI spells it (without dashes).
        option: String,
        /// The value given.
        value: String,
        /// What would have been accepted.
        expected: String,
    },
    /// Options that cannot be used together, or a missing required option.
    #[error("{0}")]
    Usage(String),
    /// A file that cannot be opened, read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// A file whose bytes are not a readable Parquet or CSV table.
    #[error("{file}: {detail}")]
    Corrupt {
        /// The file.
        file: String,
        /// What the reader found.
        detail: String,
    },
    /// A required column that is not in the file.
    #[error("{file}: no {role} column{}: expected {expected}; the file has columns: {}", wanted.as_ref().map(|w| format!(" named {w:?}")).unwrap_or_default(), available.join(", "))]
    MissingColumn {
        /// The file.
        file: String,
        /// What the column is for (user, time, fact, ...).
        role: String,
        /// The name asked for, if any.
        wanted: Option<String>,
        /// What was expected.
        expected: String,
        /// The columns the file does have.
        available: Vec<String>,
    },
    /// A column whose type or values cannot serve its role.
    #[error("{file}: column {column:?}: {detail}")]
    Column {
        /// The file.
        file: String,
        /// The column.
        column: String,
        /// What is wrong and what was expected.
        detail: String,
    },
    /// Input that is readable but cannot give correct numbers.
    #[error("{0}")]
    Data(String),
    /// A bug: a panic caught at the boundary, or a broken internal invariant.
    #[error("internal error (please report it): {0}")]
    Internal(String),
}

impl Error {
    /// An [`Error::InvalidOption`].
    pub fn invalid_option(option: &str, value: &str, expected: &str) -> Self {
        Error::InvalidOption {
            option: option.to_string(),
            value: value.to_string(),
            expected: expected.to_string(),
        }
    }

    /// An [`Error::Column`].
    pub fn column(file: &str, column: &str, detail: impl Into<String>) -> Self {
        Error::Column {
            file: file.to_string(),
            column: column.to_string(),
            detail: detail.into(),
        }
    }

    /// An [`Error::Corrupt`].
    pub fn corrupt(file: &str, detail: impl std::fmt::Display) -> Self {
        Error::Corrupt {
            file: file.to_string(),
            detail: detail.to_string(),
        }
    }

    /// An [`Error::Io`].
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// The message of a caught panic's payload.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic")
}

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
