//! Errors as data. Every message names the file, the column and what was
//! expected (SPEC section 8), so a user can fix the input without reading
//! code; every error has a [`Kind`] that each interface maps once (exit
//! codes in the CLI, error names in JS).

use std::fmt;
use std::path::PathBuf;

use crate::options::{spell, Spelling};

/// What kind of thing went wrong: it decides the CLI's exit code and the
/// JS error's `name`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// An option value that cannot be used, or options that do not fit
    /// together or the snapshot.
    Usage,
    /// Input that is readable but cannot give correct numbers (a missing or
    /// mistyped column, too many rejected rows, overlapping dates, ...).
    Data,
    /// Bytes that are not a readable Parquet or CSV table.
    Corrupt,
    /// A file that cannot be opened, read or written.
    Io,
    /// A bug: a panic caught at the boundary, or a broken internal invariant.
    Internal,
}

impl Kind {
    /// The exit code of the CLI (sysexits.h where one fits; 2 as for
    /// unknown flags).
    pub fn exit_code(self) -> u8 {
        match self {
            Kind::Usage => 2,
            Kind::Data => 65,
            Kind::Corrupt => 66,
            Kind::Io => 74,
            Kind::Internal => 70,
        }
    }

    /// The `name` of the JS error.
    pub fn js_name(self) -> &'static str {
        match self {
            Kind::Usage => "UsageError",
            Kind::Data => "DataError",
            Kind::Corrupt => "CorruptFileError",
            Kind::Io => "IoError",
            Kind::Internal => "InternalError",
        }
    }

    /// What the kind covers, in a few words (the CLI's help lists it
    /// beside the exit code).
    pub fn summary(self) -> &'static str {
        match self {
            Kind::Usage => "usage (a bad flag or option value, options that do not fit together or the snapshot)",
            Kind::Data => "data (input that is readable but cannot give correct numbers: a missing or mistyped column, too many rejected rows, overlapping dates)",
            Kind::Corrupt => "corrupt file (not a readable Parquet or CSV table)",
            Kind::Io => "I/O (a file that cannot be opened, read or written)",
            Kind::Internal => "internal error (a bug: please report it)",
        }
    }

    /// Every kind.
    pub const ALL: [Kind; 5] = [
        Kind::Usage,
        Kind::Data,
        Kind::Corrupt,
        Kind::Io,
        Kind::Internal,
    ];
}

/// Everything that can go wrong in a run, a merge or a file inspection.
#[derive(Debug)]
pub enum Error {
    /// An option value that cannot be used.
    InvalidOption {
        /// The option, as [`Opt`](crate::options::Opt) displays it (or a
        /// plain word for values that are not run options).
        option: String,
        /// The value given.
        value: String,
        /// What would have been accepted.
        expected: String,
    },
    /// Options that cannot be used together, or a missing required option.
    Usage(String),
    /// A file that cannot be opened, read or written.
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A file whose bytes are not a readable Parquet or CSV table.
    Corrupt {
        /// The file.
        file: String,
        /// What the reader found.
        detail: String,
    },
    /// A required column that is not in the file.
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
    Column {
        /// The file.
        file: String,
        /// The column.
        column: String,
        /// What is wrong and what was expected.
        detail: String,
    },
    /// Input that is readable but cannot give correct numbers.
    Data(String),
    /// A bug: a panic caught at the boundary, or a broken internal invariant.
    Internal(String),
}

impl Error {
    /// An [`Error::InvalidOption`].
    pub fn invalid_option(option: impl fmt::Display, value: &str, expected: &str) -> Self {
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
    pub fn corrupt(file: &str, detail: impl fmt::Display) -> Self {
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

    /// The kind of error.
    pub fn kind(&self) -> Kind {
        match self {
            Error::InvalidOption { .. } | Error::Usage(_) => Kind::Usage,
            Error::MissingColumn { .. } | Error::Column { .. } | Error::Data(_) => Kind::Data,
            Error::Corrupt { .. } => Kind::Corrupt,
            Error::Io { .. } => Kind::Io,
            Error::Internal(_) => Kind::Internal,
        }
    }

    /// The message, with option names spelt as one interface spells them
    /// (`Display` spells them as the CLI does).
    pub fn message(&self, spelling: Spelling) -> String {
        spell(&Text(self).to_string(), spelling)
    }
}

/// The message with option names still marked.
struct Text<'a>(&'a Error);

impl fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Error::InvalidOption {
                option,
                value,
                expected,
            } => write!(f, "invalid {option} {value:?}: expected {expected}"),
            Error::Usage(m) | Error::Data(m) => f.write_str(m),
            Error::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Error::Corrupt { file, detail } => write!(f, "{file}: {detail}"),
            Error::MissingColumn {
                file,
                role,
                wanted,
                expected,
                available,
            } => {
                write!(f, "{file}: no {role} column")?;
                if let Some(w) = wanted {
                    write!(f, " named {w:?}")?;
                }
                write!(
                    f,
                    ": expected {expected}; the file has columns: {}",
                    available.join(", ")
                )
            }
            Error::Column {
                file,
                column,
                detail,
            } => write!(f, "{file}: column {column:?}: {detail}"),
            Error::Internal(m) => write!(f, "internal error (please report it): {m}"),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Spelling::Cli))
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
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
