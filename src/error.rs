//! Errors of the library: every bad input is reported once, naming where it is (file, line, field)
//! and what was expected, so a planner can fix the file without reading code.
//!
//! The binary maps [`Error`] to exit code 2 (bad input) or 1 (anything else).

use std::fmt;
use std::path::{Path, PathBuf};

/// Where in the input a problem was found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Location {
    /// The file, as the user named it (or as resolved from a scenario).
    pub file: PathBuf,
    /// 1-based line number in the file, where known.
    pub line: Option<u64>,
    /// The column, key or field name, where known.
    pub field: Option<String>,
}

impl Location {
    /// A location in `file` with no line or field yet.
    pub fn file(file: impl AsRef<Path>) -> Self {
        Location {
            file: file.as_ref().to_path_buf(),
            line: None,
            field: None,
        }
    }

    /// The same file at `line`.
    pub fn line(mut self, line: u64) -> Self {
        self.line = Some(line);
        self
    }

    /// The same place, naming `field`.
    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ", line {line}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ", field `{field}`")?;
        }
        Ok(())
    }
}

/// Everything that can go wrong in jinko.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A value in an input file (data pack, scenario, KPI file, variants) is malformed or impossible.
    #[error("{location}: {message}")]
    Input {
        /// Where.
        location: Location,
        /// What was found and what was expected.
        message: String,
    },
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
    /// Inputs that are each valid but do not fit together, or a request that cannot be met
    /// (for example a projection asked beyond the assumptions with no rule to extend them).
    #[error("{0}")]
    Invalid(String),
    /// A character of an output that the chosen text encoding cannot hold (for example a
    /// character outside JIS X 0208 when writing Shift_JIS).
    #[error("row {row}, column `{column}`: the character {character:?} (U+{code:04X}) cannot be written in {encoding}: replace it, or write UTF-8 (the default) instead", code = *character as u32)]
    Unencodable {
        /// 1-based row of the file, the header being row 1.
        row: usize,
        /// The column's header.
        column: String,
        /// The character.
        character: char,
        /// The encoding's name.
        encoding: &'static str,
    },
    /// A chart or workbook could not be drawn or assembled (a bug or an impossible request, such
    /// as a chart with no data).
    #[error("cannot render {what}: {message}")]
    Render {
        /// What was being rendered.
        what: String,
        /// Why not.
        message: String,
    },
}

impl Error {
    /// An input error at `location`.
    pub fn input(location: Location, message: impl Into<String>) -> Self {
        Error::Input {
            location,
            message: message.into(),
        }
    }

    /// An I/O error on `path`.
    pub fn io(path: impl AsRef<Path>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.as_ref().to_path_buf(),
            source,
        }
    }

    /// The process exit code for this error: 2 for bad input, 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Input { .. } | Error::Invalid(_) | Error::Unencodable { .. } => 2,
            Error::Render { .. } => 1,
            Error::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => 2,
            Error::Io { .. } => 1,
        }
    }
}

/// Result with the library's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
