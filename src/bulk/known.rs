//! `bulk --skip-known`: the archives an earlier run's records already cover, so a daily run
//! over a growing store analyzes the new ones only.
//!
//! An archive is known when a record has its path (made absolute against the current
//! folder, so `tickets/a.zip` and `/data/tickets/a.zip` from there are one), size and
//! modification time (nothing is read), or else — it was moved, renamed or touched — when a record has the SHA-256 of its
//! bytes (it is read and hashed, not analyzed). Snapshot folders have no hash: path, size
//! and time only.

use super::record::{self, Record};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Where an archive is and what it looks like on disk: absolute path, size, modification
/// time.
pub type Place = (String, u64, i64);

/// The [`Place`] of each archive (none when it cannot be read or has no time).
pub fn places(archives: &[PathBuf]) -> Vec<Option<Place>> {
    archives
        .iter()
        .map(|path| {
            let meta = std::fs::metadata(path).ok()?;
            let (size, mtime) = if meta.is_dir() {
                record::folder_size(path)
            } else {
                (meta.len(), record::mtime_of(&meta))
            };
            Some((absolute(path), size, mtime?))
        })
        .collect()
}

/// `path` made absolute without touching the disk (links are not resolved).
fn absolute(path: &Path) -> String {
    std::path::absolute(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}

#[derive(Debug, Default)]
pub struct Known {
    by_place: HashSet<Place>,
    by_hash: HashSet<String>,
    /// Records read.
    pub records: usize,
}

/// What [`Known::filter`] found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Filtered {
    pub new: Vec<PathBuf>,
    /// Known by path, size and time.
    pub by_place: usize,
    /// Known by their bytes' SHA-256.
    pub by_hash: usize,
}

impl Known {
    /// Remembers `r` as known.
    pub fn add(&mut self, r: &Record) {
        self.records += 1;
        if let Some(mtime) = r.mtime {
            self.by_place
                .insert((absolute(Path::new(&r.source)), r.size, mtime));
        }
        if let Some(sha) = &r.sha256 {
            self.by_hash.insert(sha.clone());
        }
    }

    fn knows_bytes(&self, path: &Path) -> bool {
        !self.by_hash.is_empty()
            && path.is_file()
            && record::hash_file(path).is_ok_and(|sha| self.by_hash.contains(&sha))
    }

    /// The archives of `archives` that no record covers, in their order.
    pub fn filter(&self, archives: Vec<PathBuf>) -> Filtered {
        let places = places(&archives);
        self.filter_places(archives, places)
    }

    /// [`Known::filter`] with the archives' [`places`], found beforehand (while the
    /// records were read).
    pub fn filter_places(&self, archives: Vec<PathBuf>, places: Vec<Option<Place>>) -> Filtered {
        let mut out = Filtered::default();
        for (path, place) in archives.into_iter().zip(places) {
            if place.is_some_and(|p| self.by_place.contains(&p)) {
                out.by_place += 1;
            } else if self.knows_bytes(&path) {
                out.by_hash += 1;
            } else {
                out.new.push(path);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moved_archives_are_known_by_their_bytes_and_changed_ones_are_new() {
        let dir = std::env::temp_dir().join(format!("caadoctor-known-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (a, b, c) = (dir.join("a.zip"), dir.join("b.zip"), dir.join("c.zip"));
        std::fs::write(&a, b"archive a").unwrap();
        std::fs::write(&b, b"archive b").unwrap();
        let rules = crate::rules::RuleSet::builtin().unwrap();
        let limits = crate::snapshot::Limits::default();
        let mut known = Known::default();
        known.add(&record::analyze_path(&a, &rules, &limits));
        known.add(&record::analyze_path(&b, &rules, &limits));
        // `b` moved to `c`; `a` rewritten with other bytes.
        std::fs::rename(&b, &c).unwrap();
        std::fs::write(&a, b"archive A, changed").unwrap();
        let d = dir.join("d.zip");
        std::fs::write(&d, b"new").unwrap();
        let f = known.filter(vec![a.clone(), c, d.clone()]);
        assert_eq!(f.new, vec![a, d]);
        assert_eq!((f.by_place, f.by_hash), (0, 1));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
