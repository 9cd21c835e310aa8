//! The order a snapshot's files are read in, so that junk never crowds the evidence out of
//! the limits: the collector's manifest first, then the artifacts it declares, then the
//! collector's folders (`registry/`, `commands/`, `eventlogs/`, `probes/`, `documents/`),
//! then the rest, ranked by a look at their first bytes when a limit could stop the read
//! before their turn. The entry and byte limits are spent in that order, so they cut into
//! the rest first.
//!
//! Takes the candidate files of one archive or folder (names already made safe); gives
//! them to a reader in rank order. Ranks are a reading order only: the snapshot's artifacts
//! are handed out in path order whatever order they were read in.

use super::Reader;
use crate::classify::{self, ArtifactKind};
use crate::decode::{self, CodePageHints};
use crate::parse::manifest;
use std::collections::HashSet;

/// How likely a file is to be evidence, most likely first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Rank {
    /// A collector's `manifest.json`: it names the rest.
    Manifest,
    /// An artifact a manifest declares.
    Declared,
    /// A file in one of the collector's folders.
    CollectorFolder,
    /// Its first bytes are of a kind caadoctor reads (or a zip, which may hold some).
    Recognised,
    /// Text of no kind recognised from its first bytes.
    Text,
    /// Anything else (binary, unreadable, or not looked at).
    Other,
}

impl Rank {
    /// Whether a file of this rank is worth naming when a limit leaves it unread.
    pub(super) fn looks_like_evidence(self) -> bool {
        self <= Rank::Recognised
    }
}

/// The folders the collector writes its artifacts to.
const COLLECTOR_FOLDERS: [&str; 5] = ["registry", "commands", "eventlogs", "probes", "documents"];

/// Bytes of a file looked at to rank it.
pub(super) const SNIFF_BYTES: u64 = 4096;

/// Manifests larger than this are read but not used to order the rest (the collector's is
/// a few tens of KiB).
const MAX_MANIFEST_FOR_ORDER: usize = 4 << 20;

/// A file of an archive or folder, before it is read.
pub(super) struct Candidate<K> {
    /// How the source finds it again (a member index, a file path).
    pub key: K,
    /// Its normalised path inside the snapshot.
    pub path: String,
    /// Its size as the source declares it.
    pub size: u64,
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn is_manifest_name(path: &str) -> bool {
    file_name(path).eq_ignore_ascii_case("manifest.json")
}

fn in_collector_folder(path: &str) -> bool {
    let mut parts: Vec<&str> = path.split('/').collect();
    parts.pop();
    parts
        .iter()
        .any(|p| COLLECTOR_FOLDERS.iter().any(|f| p.eq_ignore_ascii_case(f)))
}

/// The artifacts the manifests read so far declare, as lower-case snapshot paths.
#[derive(Debug, Default)]
pub(super) struct Declared {
    paths: HashSet<String>,
}

impl Declared {
    /// Adds what the manifest at `path` declares (its artifact paths are relative to its
    /// folder). A manifest that does not parse declares nothing; the analysis reports it.
    pub(super) fn add_manifest(&mut self, path: &str, bytes: &[u8]) {
        if bytes.len() > MAX_MANIFEST_FOR_ORDER {
            return;
        }
        let Ok(text) = decode::decode(bytes, &CodePageHints::default()) else {
            return;
        };
        let Ok(m) = manifest::parse(&text.text) else {
            return;
        };
        let folder = path.rsplit_once('/').map_or("", |(dir, _)| dir);
        for artifact in m.steps.iter().filter_map(|s| s.artifact.as_deref()) {
            let Ok(relative) = super::name::normalize(artifact) else {
                continue;
            };
            let full = if folder.is_empty() {
                relative
            } else {
                format!("{folder}/{relative}")
            };
            self.paths.insert(full.to_lowercase());
        }
    }

    fn contains(&self, path: &str) -> bool {
        !self.paths.is_empty() && self.paths.contains(&path.to_lowercase())
    }
}

/// The rank a name alone gives, if it gives one.
fn rank_by_name(path: &str, declared: &Declared) -> Option<Rank> {
    if is_manifest_name(path) {
        Some(Rank::Manifest)
    } else if declared.contains(path) {
        Some(Rank::Declared)
    } else if in_collector_folder(path) {
        Some(Rank::CollectorFolder)
    } else {
        None
    }
}

/// The rank of a file from its first bytes: by the same content tests the analysis uses.
pub(super) fn rank_by_content(head: &[u8]) -> Rank {
    if super::looks_like_zip(head) || classify::classify_bytes(head).is_some() {
        return Rank::Recognised;
    }
    match decode::decode(head, &CodePageHints::default()) {
        Ok(text) if classify::classify_text(&text.text) != ArtifactKind::Unknown => {
            Rank::Recognised
        }
        Ok(_) => Rank::Text,
        Err(_) => Rank::Other,
    }
}

/// Reads `candidates` best first with `read` (which spends the reader's budgets). `sniff`
/// gives the first [`SNIFF_BYTES`] of a file; it is called only when the files without a
/// rank by name could be cut by a limit, and for at most `limits.max_sniffed` of them.
pub(super) fn read_best_first<K>(
    candidates: Vec<Candidate<K>>,
    reader: &mut Reader<'_>,
    mut sniff: impl FnMut(&K) -> Option<Vec<u8>>,
    mut read: impl FnMut(&K, &str, Rank, &mut Reader<'_>),
) {
    let (manifests, rest): (Vec<_>, Vec<_>) = candidates
        .into_iter()
        .partition(|c| is_manifest_name(&c.path));
    for c in &manifests {
        read(&c.key, &c.path, Rank::Manifest, reader);
    }
    let named: Vec<(Option<Rank>, Candidate<K>)> = rest
        .into_iter()
        .map(|c| (rank_by_name(&c.path, &reader.declared), c))
        .collect();
    let bytes: u64 = named.iter().map(|(_, c)| c.size).sum();
    let may_be_cut = reader.entries + named.len() > reader.limits.max_entries
        || reader.total_bytes.saturating_add(bytes) > reader.limits.max_total_bytes;
    let mut sniffed = 0;
    let mut ranked: Vec<(Rank, usize, Candidate<K>)> = named
        .into_iter()
        .enumerate()
        .map(|(i, (rank, c))| {
            let rank = rank.unwrap_or_else(|| {
                if !may_be_cut || sniffed >= reader.limits.max_sniffed {
                    return Rank::Other;
                }
                sniffed += 1;
                sniff(&c.key).map_or(Rank::Other, |head| rank_by_content(&head))
            });
            (rank, i, c)
        })
        .collect();
    ranked.sort_by_key(|(rank, i, _)| (*rank, *i));
    for (rank, _, c) in ranked {
        read(&c.key, &c.path, rank, reader);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_rank_the_collectors_files_first() {
        let mut declared = Declared::default();
        declared.add_manifest(
            "top/manifest.json",
            br#"{"schema":"caadoctor.manifest/1","steps":[{"artifact":"odd\\place.txt","status":"ok"}]}"#,
        );
        assert_eq!(
            rank_by_name("top/Manifest.JSON", &declared),
            Some(Rank::Manifest)
        );
        assert_eq!(
            rank_by_name("top/odd/place.txt", &declared),
            Some(Rank::Declared)
        );
        assert_eq!(
            rank_by_name("top/Registry/os.reg", &declared),
            Some(Rank::CollectorFolder)
        );
        assert_eq!(rank_by_name("registry", &declared), None);
        assert_eq!(rank_by_name("extra/photo.jpg", &declared), None);
    }

    #[test]
    fn content_ranks_the_rest() {
        let export: Vec<u8> = [0xff, 0xfe]
            .into_iter()
            .chain(
                "Windows Registry Editor Version 5.00\r\n"
                    .encode_utf16()
                    .flat_map(u16::to_le_bytes),
            )
            .collect();
        assert_eq!(rank_by_content(&export), Rank::Recognised);
        assert_eq!(rank_by_content(b"ElfFile\0rest"), Rank::Recognised);
        assert_eq!(rank_by_content(b"PK\x03\x04"), Rank::Recognised);
        assert_eq!(rank_by_content(b"just some notes\r\n"), Rank::Text);
        assert_eq!(
            rank_by_content(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x01\0"),
            Rank::Other
        );
    }
}
