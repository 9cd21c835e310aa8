//! Reads a snapshot folder (a collector folder the user did not zip, or files an engineer
//! exported by hand) within the snapshot's limits.
//!
//! Symbolic links are not followed: a snapshot folder comes from a stranger too.

use super::order::{self, Candidate, Rank};
use super::{Reader, Skip};
use std::io::Read;
use std::path::{Path, PathBuf};

pub(super) fn read(root: &Path, reader: &mut Reader<'_>) {
    let candidates = list(root, reader);
    order::read_best_first(
        candidates,
        reader,
        |path| read_file_bounded(path, order::SNIFF_BYTES).ok(),
        |path, shown, rank, reader| read_one(path, shown, rank, reader),
    );
}

/// The regular files under `root`, in path order; links, FIFOs, sockets and devices are
/// reported, never opened (opening a FIFO would wait for a writer).
fn list(root: &Path, reader: &mut Reader<'_>) -> Vec<Candidate<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let shown_dir = relative(root, &dir);
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) => {
                reader.problem(
                    (!shown_dir.is_empty()).then_some(shown_dir.as_str()),
                    crate::problem::ProblemKind::Unreadable,
                    format!("folder cannot be listed ({e})"),
                );
                continue;
            }
        };
        let mut paths: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        // Deterministic order whatever the file system does.
        paths.sort();
        for path in paths.into_iter().rev() {
            let shown = relative(root, &path);
            let meta = match std::fs::symlink_metadata(&path) {
                Ok(m) => m,
                Err(e) => {
                    reader.skip(&shown, Skip::Damaged, e.to_string());
                    continue;
                }
            };
            let kind = meta.file_type();
            if kind.is_symlink() {
                reader.skip(&shown, Skip::Refused, "symbolic link; not followed");
            } else if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file() {
                out.push(Candidate {
                    key: path,
                    path: shown,
                    size: meta.len(),
                });
            } else {
                reader.skip(
                    &shown,
                    Skip::NotRegular,
                    format!("not a regular file ({}); skipped", special_kind(&meta)),
                );
            }
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// What a file that is neither a regular file, a folder nor a link is.
#[cfg(unix)]
fn special_kind(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_fifo() {
        "a FIFO"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_block_device() || t.is_char_device() {
        "a device"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_meta: &std::fs::Metadata) -> &'static str {
    "a special file"
}

fn read_one(path: &Path, shown: &str, rank: Rank, reader: &mut Reader<'_>) {
    let len = std::fs::metadata(path).map_or(0, |m| m.len());
    if len > reader.limits.max_entry_bytes {
        reader.skip(
            shown,
            Skip::TooLarge,
            format!(
                "{} MiB, over the {} MiB limit per file; not read",
                len >> 20,
                reader.limits.max_entry_bytes >> 20
            ),
        );
        return;
    }
    if !reader.admit_entry(shown, rank) || !reader.admit_bytes(shown, rank, len) {
        return;
    }
    match read_file_bounded(path, reader.entry_allowance()) {
        // A zip found in a folder is opened one level down, like a zip inside the zip.
        Ok(bytes) => reader.accept(shown, bytes, 0),
        Err(e) => reader.skip(shown, Skip::Damaged, e),
    }
}

/// Reads at most `limit` bytes of a file; a file that grew past it is an error.
pub(super) fn read_file_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > limit {
        return Err(format!("larger than {} MiB; not read", limit >> 20));
    }
    Ok(bytes)
}

fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}
