//! What could not be read, and why.
//!
//! Every stage (snapshot reader, decoder, parsers, fact builders) records a [`Problem`]
//! instead of failing the whole analysis; the report lists them so nothing is skipped
//! silently.

use serde::Serialize;
use std::fmt;

/// The stage and nature of a problem, stable in the report's JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// The entry's name is unsafe (`..`, absolute) and it was not read.
    Refused,
    /// A limit against hostile input (size, ratio, count, nesting) stopped the read.
    Limit,
    /// The bytes could not be read (corrupt archive member, I/O error).
    Unreadable,
    /// The bytes are in a form caadoctor cannot read, not damaged: an encrypted archive
    /// member, a compression method it does not support.
    Unsupported,
    /// The file is not what the collector wrote: its size or SHA-256 differs from the
    /// manifest's record, or a file the manifest records is not in the snapshot.
    Integrity,
    /// The bytes were read but are not valid text in any encoding we know.
    Decode,
    /// The artifact was recognised but some or all of it could not be parsed.
    Parse,
    /// The collector could not collect it whole: a step that failed, timed out or was
    /// skipped, an artifact cut short, a file left out of the zip.
    Collection,
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ProblemKind::Refused => "refused",
            ProblemKind::Limit => "limit",
            ProblemKind::Unreadable => "unreadable",
            ProblemKind::Unsupported => "unsupported",
            ProblemKind::Integrity => "integrity",
            ProblemKind::Decode => "decode",
            ProblemKind::Parse => "parse",
            ProblemKind::Collection => "collection",
        })
    }
}

/// One thing the analyzer could not read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Path inside the snapshot, when the problem belongs to one artifact.
    pub artifact: Option<String>,
    pub kind: ProblemKind,
    /// Short, lower-case, says what failed and what happened to the data.
    pub message: String,
}

impl Problem {
    pub fn new(artifact: Option<&str>, kind: ProblemKind, message: impl Into<String>) -> Self {
        Problem {
            artifact: artifact.map(str::to_owned),
            kind,
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.artifact {
            Some(a) => write!(f, "{a}: {} ({})", self.message, self.kind),
            None => write!(f, "{} ({})", self.message, self.kind),
        }
    }
}
