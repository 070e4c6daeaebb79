//! Source files → records.
//!
//! A source is a JSON array of records, a JSON object (the records sit at the section's
//! `records` path; without one the object is a single record), or JSON Lines. `-` is standard
//! input. [`stream::read_each_parallel`] is the one entry.

pub mod checked;
pub mod provider;
pub mod stream;

use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Stdin,
    File(PathBuf),
}

impl Input {
    pub fn parse(text: &str) -> Input {
        if text == "-" {
            Input::Stdin
        } else {
            Input::File(PathBuf::from(text))
        }
    }

    pub fn name(&self) -> String {
        match self {
            Input::Stdin => "<stdin>".to_string(),
            Input::File(p) => p.display().to_string(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The file could not be read at all (exit 2).
    #[error("cannot read {name}: {error}")]
    Io { name: String, error: std::io::Error },
    /// The file is not a valid source (exit 1).
    #[error("{name}:{line}:{column}: {message}")]
    Malformed {
        name: String,
        line: usize,
        column: usize,
        message: String,
    },
}
