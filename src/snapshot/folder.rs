//! Reads a snapshot folder (a collector folder the user did not zip, or files an engineer
//! exported by hand) within the snapshot's limits.
//!
//! Symbolic links are not followed: a snapshot folder comes from a stranger too.

use super::Reader;
use crate::problem::ProblemKind;
use std::io::Read;
use std::path::Path;

pub(super) fn read(root: &Path, reader: &mut Reader<'_>) {
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let shown_dir = relative(root, &dir);
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) => {
                reader.problem(
                    (!shown_dir.is_empty()).then_some(shown_dir.as_str()),
                    ProblemKind::Unreadable,
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
                    reader.problem(Some(&shown), ProblemKind::Unreadable, e.to_string());
                    continue;
                }
            };
            if meta.file_type().is_symlink() {
                reader.problem(
                    Some(&shown),
                    ProblemKind::Refused,
                    "symbolic link; not followed",
                );
            } else if meta.is_dir() {
                stack.push(path);
            } else if meta.is_file() {
                read_one(&path, &shown, meta.len(), reader);
            }
        }
    }
}

fn read_one(path: &Path, shown: &str, len: u64, reader: &mut Reader<'_>) {
    if !reader.admit_entry() {
        return;
    }
    if len > reader.limits.max_entry_bytes {
        reader.problem(
            Some(shown),
            ProblemKind::Limit,
            format!(
                "{} MiB, over the {} MiB limit per file; not read",
                len >> 20,
                reader.limits.max_entry_bytes >> 20
            ),
        );
        return;
    }
    if len > reader.entry_allowance() {
        reader.exhausted = Some("total size");
        reader.skipped_after_exhaustion += 1;
        return;
    }
    match read_file_bounded(path, reader.entry_allowance()) {
        // A zip found in a folder is opened one level down, like a zip inside the zip.
        Ok(bytes) => reader.accept(shown, bytes, 0),
        Err(e) => reader.problem(Some(shown), ProblemKind::Unreadable, e),
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
