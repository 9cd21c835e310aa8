//! Opens a support snapshot (a `.zip`, a folder, or a single exported file) and hands out its
//! files as in-memory [`Artifact`]s.
//!
//! Nothing is extracted to disk and nothing is written next to the input. Snapshots come
//! from strangers, so every read is bounded by [`Limits`]: entry count, bytes per entry,
//! total bytes, compression ratio and archive nesting. What can be evidence is read first
//! ([`order`]), so the limits cut into the rest. Whatever is refused or cut short becomes a
//! [`Problem`] and is counted in the [`Tally`]; only an input that cannot be opened at all
//! is an [`OpenError`].

mod folder;
pub mod name;
mod order;
mod zip;

use crate::problem::{Problem, ProblemKind};
use serde::Serialize;
use std::fmt;
use std::path::Path;

/// Bounds on what one snapshot may make us read.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Files (archive members or folder entries) read in all, nested archives included.
    pub max_entries: usize,
    /// Bytes one artifact may expand to.
    pub max_entry_bytes: u64,
    /// Bytes all artifacts together may expand to.
    pub max_total_bytes: u64,
    /// Expansion ratio (uncompressed / compressed) above which a large member is a bomb.
    pub max_ratio: u64,
    /// Members smaller than this are never judged by ratio (tiny files compress well).
    pub ratio_floor_bytes: u64,
    /// Archives inside the snapshot opened this deep (1: a zip inside the zip).
    pub max_nesting: u32,
    /// Files outside the collector's folders whose first bytes are looked at to rank them,
    /// when the limits could stop the read before their turn.
    pub max_sniffed: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_entries: 20_000,
            max_entry_bytes: 256 << 20,
            max_total_bytes: 1 << 30,
            max_ratio: 200,
            ratio_floor_bytes: 8 << 20,
            max_nesting: 1,
            max_sniffed: 100_000,
        }
    }
}

/// How the snapshot reached us.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceFormat {
    Zip,
    Folder,
    File,
}

/// One file of the snapshot, read into memory.
#[derive(Debug, Clone)]
pub struct Artifact {
    /// Normalised `/`-separated path inside the snapshot (nested archives add their own
    /// name as a folder: `inner.zip/registry/os.reg`).
    pub path: String,
    pub bytes: Vec<u8>,
}

/// Every readable file of one snapshot, plus what could not be read.
#[derive(Debug)]
pub struct Snapshot {
    /// The path the user gave.
    pub source: String,
    pub format: SourceFormat,
    pub artifacts: Vec<Artifact>,
    pub problems: Vec<Problem>,
    /// What became of each file, counted.
    pub tally: Tally,
}

impl Snapshot {
    /// A snapshot of files already in memory (tests, fuzzing): every one counts as read.
    pub fn of(source: &str, format: SourceFormat, artifacts: Vec<Artifact>) -> Snapshot {
        Snapshot {
            source: source.to_owned(),
            format,
            tally: Tally {
                read: artifacts.len(),
                ..Tally::default()
            },
            artifacts,
            problems: Vec::new(),
        }
    }
}

/// What became of the files of a snapshot, counted: every file (archive member or folder
/// entry, a zip inside the zip by its members) is in exactly one count.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Read into memory: the snapshot's artifacts.
    pub read: usize,
    /// Encrypted archive members.
    pub encrypted: usize,
    /// Archive members in a compression method caadoctor cannot read.
    pub unsupported: usize,
    /// Damaged members, files that could not be read, archives that could not be opened.
    pub damaged: usize,
    /// Unsafe names and links.
    pub refused: usize,
    /// Over a limit per file (size, compression ratio, nesting).
    pub too_large: usize,
    /// Not reached: a limit for the whole snapshot stopped the read first.
    pub not_reached: usize,
    /// FIFOs, sockets and devices in a folder.
    pub not_regular: usize,
}

impl Tally {
    /// Files the snapshot holds.
    pub fn files(&self) -> usize {
        self.read
            + self.encrypted
            + self.unsupported
            + self.damaged
            + self.refused
            + self.too_large
            + self.not_reached
            + self.not_regular
    }

    /// `42 files: 40 encrypted, 2 not recognised`: what became of every file, with the
    /// artifacts that were read split by what the analysis made of them.
    pub fn describe(&self, read_as: &[(usize, &str)]) -> String {
        let n = self.files();
        if n == 0 {
            return "no files".to_owned();
        }
        let parts: Vec<String> = read_as
            .iter()
            .copied()
            .chain([
                (self.encrypted, "encrypted"),
                (
                    self.unsupported,
                    "in a compression method caadoctor cannot read",
                ),
                (self.damaged, "damaged"),
                (self.refused, "refused (unsafe name or link)"),
                (self.too_large, "over a size limit"),
                (self.not_reached, "not read: a snapshot limit was reached"),
                (self.not_regular, "not a regular file"),
            ])
            .filter(|(count, _)| *count > 0)
            .map(|(count, what)| format!("{count} {what}"))
            .collect();
        format!(
            "{n} file{}: {}",
            if n == 1 { "" } else { "s" },
            parts.join(", ")
        )
    }
}

/// The input could not be opened at all: nothing to analyze.
#[derive(Debug)]
pub struct OpenError {
    pub path: String,
    pub reason: String,
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot open '{}': {}", self.path, self.reason)
    }
}

impl std::error::Error for OpenError {}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const EMPTY_ZIP_MAGIC: &[u8] = b"PK\x05\x06";

/// True when the bytes start like a zip archive.
pub fn looks_like_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(ZIP_MAGIC) || bytes.starts_with(EMPTY_ZIP_MAGIC)
}

/// Opens `path` as a zip, a folder or a single file.
pub fn open(path: &Path, limits: &Limits) -> Result<Snapshot, OpenError> {
    let shown = path.display().to_string();
    let fail = |reason: String| OpenError {
        path: shown.clone(),
        reason,
    };
    let meta = std::fs::metadata(path).map_err(|e| fail(describe_io(&e)))?;
    let mut reader = Reader::new(limits);
    let format = if meta.is_dir() {
        folder::read(path, &mut reader);
        SourceFormat::Folder
    } else {
        let file = std::fs::File::open(path).map_err(|e| fail(describe_io(&e)))?;
        let mut head = [0u8; 4];
        let is_zip = {
            use std::io::Read;
            let mut f = &file;
            f.read(&mut head)
                .map(|n| looks_like_zip(&head[..n]))
                .unwrap_or(false)
        };
        if is_zip {
            zip::read_outer(file, &mut reader).map_err(fail)?;
            SourceFormat::Zip
        } else {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "input".to_owned());
            let bytes = folder::read_file_bounded(path, limits.max_entry_bytes).map_err(&fail)?;
            reader.entries += 1;
            reader.accept(&name, bytes, 0);
            SourceFormat::File
        }
    };
    Ok(reader.into_snapshot(shown, format))
}

/// Opens a snapshot zip that is already in memory (used by tests and bulk mode).
pub fn from_zip_bytes(source: &str, bytes: &[u8], limits: &Limits) -> Result<Snapshot, OpenError> {
    let mut reader = Reader::new(limits);
    zip::read_bytes(bytes, "", 0, &mut reader).map_err(|reason| OpenError {
        path: source.to_owned(),
        reason,
    })?;
    Ok(reader.into_snapshot(source.to_owned(), SourceFormat::Zip))
}

fn describe_io(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or folder; check the path".to_owned(),
        std::io::ErrorKind::PermissionDenied => {
            "permission denied; copy the snapshot somewhere you can read".to_owned()
        }
        _ => e.to_string(),
    }
}

/// Names of unread files that looked like evidence, kept for the limit's problem.
const UNREAD_NAMES_SHOWN: usize = 5;

/// What a file was not read for, as counted in the [`Tally`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Skip {
    Encrypted,
    Unsupported,
    Damaged,
    Refused,
    TooLarge,
    NotRegular,
}

/// Shared state of one snapshot read: the budget and what was collected so far.
struct Reader<'l> {
    limits: &'l Limits,
    entries: usize,
    total_bytes: u64,
    /// Set once a snapshot-wide limit is hit: later entries are counted, not read.
    exhausted: Option<&'static str>,
    /// Files left unread by that limit that looked like evidence: how many, and the first
    /// few names.
    unread_evidence: usize,
    unread_names: Vec<String>,
    /// What the manifests read so far declare: read before the rest.
    declared: order::Declared,
    tally: Tally,
    artifacts: Vec<Artifact>,
    problems: Vec<Problem>,
}

impl<'l> Reader<'l> {
    fn new(limits: &'l Limits) -> Self {
        Reader {
            limits,
            entries: 0,
            total_bytes: 0,
            exhausted: None,
            unread_evidence: 0,
            unread_names: Vec::new(),
            declared: order::Declared::default(),
            tally: Tally::default(),
            artifacts: Vec::new(),
            problems: Vec::new(),
        }
    }

    fn problem(&mut self, artifact: Option<&str>, kind: ProblemKind, message: impl Into<String>) {
        self.problems.push(Problem::new(artifact, kind, message));
    }

    /// A file not read, with its problem; counted in the tally.
    fn skip(&mut self, path: &str, why: Skip, message: impl Into<String>) {
        let (kind, count) = match why {
            Skip::Encrypted => (ProblemKind::Unsupported, &mut self.tally.encrypted),
            Skip::Unsupported => (ProblemKind::Unsupported, &mut self.tally.unsupported),
            Skip::Damaged => (ProblemKind::Unreadable, &mut self.tally.damaged),
            Skip::Refused => (ProblemKind::Refused, &mut self.tally.refused),
            Skip::TooLarge => (ProblemKind::Limit, &mut self.tally.too_large),
            Skip::NotRegular => (ProblemKind::Refused, &mut self.tally.not_regular),
        };
        *count += 1;
        self.problem(Some(path), kind, message);
    }

    /// Counts a file a snapshot-wide limit keeps from being read.
    fn not_reached(&mut self, path: &str, rank: order::Rank) {
        self.tally.not_reached += 1;
        if rank.looks_like_evidence() {
            self.unread_evidence += 1;
            if self.unread_names.len() < UNREAD_NAMES_SHOWN {
                self.unread_names.push(path.to_owned());
            }
        }
    }

    /// Checks the snapshot-wide entry budget before reading one more entry.
    fn admit_entry(&mut self, path: &str, rank: order::Rank) -> bool {
        if self.exhausted.is_none() && self.entries >= self.limits.max_entries {
            self.exhausted = Some("entry count");
        }
        if self.exhausted.is_some() {
            self.not_reached(path, rank);
            return false;
        }
        self.entries += 1;
        true
    }

    /// Checks the snapshot-wide byte budget for an entry of `declared` bytes; past it, the
    /// read stops there.
    fn admit_bytes(&mut self, path: &str, rank: order::Rank, declared: u64) -> bool {
        if declared > self.entry_allowance() {
            self.exhausted = Some("total size");
            self.not_reached(path, rank);
            return false;
        }
        true
    }

    /// Bytes still allowed for one entry, given the per-entry and total budgets.
    fn entry_allowance(&self) -> u64 {
        self.limits
            .max_entry_bytes
            .min(self.limits.max_total_bytes.saturating_sub(self.total_bytes))
    }

    /// Takes a fully read entry; a nested zip is opened in place of being kept as bytes.
    fn accept(&mut self, path: &str, bytes: Vec<u8>, depth: u32) {
        self.total_bytes += bytes.len() as u64;
        if looks_like_zip(&bytes) {
            if depth >= self.limits.max_nesting {
                self.skip(
                    path,
                    Skip::TooLarge,
                    format!(
                        "archive nested more than {} level(s) deep; not opened",
                        self.limits.max_nesting
                    ),
                );
                return;
            }
            if let Err(reason) = zip::read_bytes(&bytes, path, depth + 1, self) {
                self.skip(path, Skip::Damaged, reason);
            }
            return;
        }
        self.declared.add_manifest(path, &bytes);
        self.tally.read += 1;
        self.artifacts.push(Artifact {
            path: path.to_owned(),
            bytes,
        });
    }

    /// Ends the read: artifacts in path order (the order the registry merge relies on), and
    /// one problem for whatever a snapshot-wide limit kept us from reading.
    fn into_snapshot(mut self, source: String, format: SourceFormat) -> Snapshot {
        self.finish();
        self.artifacts.sort_by(|a, b| a.path.cmp(&b.path));
        Snapshot {
            source,
            format,
            artifacts: self.artifacts,
            problems: self.problems,
            tally: self.tally,
        }
    }

    fn finish(&mut self) {
        if let Some(which) = self.exhausted.take() {
            let n = self.tally.not_reached;
            let limit = match which {
                "entry count" => format!("{} entries", self.limits.max_entries),
                _ => format!("{} MiB in all", self.limits.max_total_bytes >> 20),
            };
            let evidence = match self.unread_evidence {
                0 => " (none looked like evidence)".to_owned(),
                e => {
                    let more = if e > self.unread_names.len() {
                        ", ..."
                    } else {
                        ""
                    };
                    format!(
                        "; {e} of them looked like evidence: {}{more}",
                        self.unread_names.join(", ")
                    )
                }
            };
            self.problem(
                None,
                ProblemKind::Limit,
                format!(
                    "snapshot {which} limit reached ({limit}); {n} further entries not read{evidence}"
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zip_magic_is_recognised() {
        assert!(looks_like_zip(b"PK\x03\x04rest"));
        assert!(looks_like_zip(b"PK\x05\x06"));
        assert!(!looks_like_zip(b"PK"));
        assert!(!looks_like_zip(b"\xff\xfeW\0"));
    }
}
