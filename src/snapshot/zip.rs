//! Reads zip archives (the snapshot itself, or a zip inside it) member by member, within
//! the snapshot's [`Limits`](super::Limits), best first ([`order`](super::order)).
//!
//! Members are listed from the central directory first: names made safe, links, encrypted
//! members and compression methods caadoctor cannot read are reported there, without
//! reading a byte of them. Declared sizes are only a first filter: the actual inflated bytes
//! are counted as they come, so a member that lies about its size is still stopped. When the
//! central directory is missing (a truncated download), members are recovered from their
//! local headers, in the order they come.

use super::order::{self, Candidate, Rank};
use super::{Reader, Skip, name};
use std::io::{BufReader, Cursor, Read, Seek, SeekFrom};
use zip::read::{ZipFile, ZipFileEntry};
use zip::{CompressionMethod, ZipArchive};

/// Reads the outer snapshot archive from a file without loading it whole.
pub(super) fn read_outer(file: std::fs::File, reader: &mut Reader<'_>) -> Result<(), String> {
    read_archive(BufReader::new(file), "", 0, reader)
}

/// Reads an archive held in memory; `prefix` is its own path inside the snapshot.
pub(super) fn read_bytes(
    bytes: &[u8],
    prefix: &str,
    depth: u32,
    reader: &mut Reader<'_>,
) -> Result<(), String> {
    read_archive(Cursor::new(bytes), prefix, depth, reader)
}

fn read_archive<R: Read + Seek>(
    mut src: R,
    prefix: &str,
    depth: u32,
    reader: &mut Reader<'_>,
) -> Result<(), String> {
    let central = match ZipArchive::new(&mut src) {
        Ok(mut archive) => {
            let candidates = list(&archive, prefix, reader);
            let archive = std::cell::RefCell::new(&mut archive);
            order::read_best_first(
                candidates,
                reader,
                |index| sniff(&mut archive.borrow_mut(), *index),
                |index, path, rank, reader| match archive.borrow_mut().by_index(*index) {
                    Ok(mut member) => read_member(&mut member, path, rank, depth, reader),
                    Err(e) => reader.skip(
                        path,
                        Skip::Damaged,
                        format!("archive member cannot be opened ({e}); skipped"),
                    ),
                },
            );
            return Ok(());
        }
        Err(e) => e,
    };
    // No usable central directory: walk the local headers from the start instead.
    src.seek(SeekFrom::Start(0)).map_err(|e| e.to_string())?;
    let mut recovered = 0usize;
    let mut stream_error = None;
    loop {
        match zip::read::read_zipfile_from_stream(&mut src) {
            Ok(Some(mut member)) => {
                let before = reader.tally.files();
                if let Some(path) = check(&member.entry(), prefix, reader) {
                    read_member(&mut member, &path, Rank::Other, depth, reader);
                }
                if reader.tally.files() > before {
                    recovered += 1;
                }
            }
            Ok(None) => break,
            Err(e) => {
                stream_error = Some(e);
                break;
            }
        }
    }
    if recovered == 0 {
        return Err(format!(
            "not a readable zip archive ({central}); ask for the snapshot to be sent again"
        ));
    }
    let tail = match stream_error {
        Some(e) => format!(", then the data ends or is damaged ({e})"),
        None => String::new(),
    };
    reader.problem(
        (!prefix.is_empty()).then_some(prefix),
        crate::problem::ProblemKind::Unreadable,
        format!(
            "the archive's central directory is unreadable ({central}), probably a truncated \
             download; {recovered} member(s) were recovered from their local headers{tail}"
        ),
    );
    Ok(())
}

/// The members worth reading, from the central directory alone; the others are reported.
fn list<R: Read + Seek>(
    archive: &ZipArchive<R>,
    prefix: &str,
    reader: &mut Reader<'_>,
) -> Vec<Candidate<usize>> {
    let mut out = Vec::new();
    for index in 0..archive.len() {
        match archive.by_index_data(index) {
            Ok(entry) => {
                if let Some(path) = check(&entry, prefix, reader) {
                    out.push(Candidate {
                        key: index,
                        path,
                        size: entry.size(),
                    });
                }
            }
            Err(e) => reader.skip(
                &member_label(prefix, &format!("#{}", index + 1)),
                Skip::Damaged,
                format!("archive member cannot be opened ({e}); skipped"),
            ),
        }
    }
    out
}

/// The member's snapshot path when it is a file worth reading; otherwise why not is
/// reported (directories are neither).
fn check(entry: &ZipFileEntry<'_>, prefix: &str, reader: &mut Reader<'_>) -> Option<String> {
    if entry.is_dir() {
        return None;
    }
    let raw = name::decode_zip_name(entry.name_raw(), entry.flags().as_u16());
    let path = match name::normalize(&raw) {
        Ok(p) => member_label(prefix, &p),
        Err(e) => {
            let shown = member_label(prefix, &printable(&raw));
            reader.skip(
                &shown,
                Skip::Refused,
                format!("entry '{shown}' refused: {e}; skipped"),
            );
            return None;
        }
    };
    let limits = *reader.limits;
    let skipped = if entry.is_symlink() {
        Some((
            Skip::Refused,
            "symbolic link inside the archive; skipped".to_owned(),
        ))
    } else if entry.encrypted() {
        Some((
            Skip::Encrypted,
            "encrypted; ask for the zip without a password".to_owned(),
        ))
    } else if let Some(method) = unsupported_method(entry.compression()) {
        Some((
            Skip::Unsupported,
            format!(
                "not supported (method {method} {}); ask for the zip made again with \
                 Deflate, as Windows' \"Send to > Compressed folder\" makes it",
                method_name(method)
            ),
        ))
    } else if entry.size() > limits.max_entry_bytes {
        Some((
            Skip::TooLarge,
            format!(
                "declares {} MiB uncompressed, over the {} MiB limit per file; not read \
                 (possible zip bomb)",
                entry.size() >> 20,
                limits.max_entry_bytes >> 20
            ),
        ))
    } else {
        None
    };
    match skipped {
        Some((why, message)) => {
            reader.skip(&path, why, message);
            None
        }
        None => Some(path),
    }
}

/// The method's number when this build cannot read it.
#[allow(deprecated)] // `Unsupported` is how the crate hands out a method it does not know
fn unsupported_method(method: CompressionMethod) -> Option<u16> {
    match method {
        CompressionMethod::Unsupported(n) => Some(n),
        _ => None,
    }
}

/// What the zip specification (APPNOTE 4.4.5) calls a compression method.
fn method_name(method: u16) -> &'static str {
    match method {
        1 => "Shrink",
        2..=5 => "Reduce",
        6 => "Implode",
        7 => "Tokenize",
        10 => "PKWARE Implode",
        18 => "IBM TERSE",
        19 => "IBM LZ77",
        20 | 93 => "Zstandard",
        94 => "MP3",
        95 => "XZ",
        96 => "JPEG",
        97 => "WavPack",
        98 => "PPMd",
        99 => "AES",
        _ => "unknown",
    }
}

/// The first bytes of a member, to rank it.
fn sniff<R: Read + Seek>(archive: &mut ZipArchive<R>, index: usize) -> Option<Vec<u8>> {
    let member = archive.by_index(index).ok()?;
    let mut head = Vec::new();
    member
        .take(order::SNIFF_BYTES)
        .read_to_end(&mut head)
        .ok()?;
    Some(head)
}

fn member_label(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}/{name}")
    }
}

/// Control characters in a hostile name are not echoed to the engineer's terminal.
fn printable(raw: &str) -> String {
    raw.chars()
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect()
}

/// Reads one member within the snapshot's budgets.
fn read_member<R: Read>(
    member: &mut ZipFile<'_, R>,
    path: &str,
    rank: Rank,
    depth: u32,
    reader: &mut Reader<'_>,
) {
    if !reader.admit_entry(path, rank) || !reader.admit_bytes(path, rank, member.size()) {
        return;
    }
    let limits = *reader.limits;
    match read_bounded(member, reader.entry_allowance(), &limits) {
        Ok(bytes) => reader.accept(path, bytes, depth),
        Err(Stop::Limit(message)) => reader.skip(path, Skip::TooLarge, message),
        Err(Stop::Damaged(e)) => reader.skip(
            path,
            Skip::Damaged,
            format!("damaged inside the archive ({e}); skipped"),
        ),
    }
}

enum Stop {
    Limit(String),
    Damaged(std::io::Error),
}

/// Inflates one member, counting real bytes against the allowance and the ratio limit.
fn read_bounded<R: Read>(
    member: &mut ZipFile<'_, R>,
    allowance: u64,
    limits: &super::Limits,
) -> Result<Vec<u8>, Stop> {
    let compressed = member.compressed_size().max(1);
    let ratio_cap = compressed
        .saturating_mul(limits.max_ratio)
        .max(limits.ratio_floor_bytes);
    let capacity = member.size().min(allowance).min(64 << 20) as usize;
    let mut out = Vec::with_capacity(capacity);
    let mut chunk = [0u8; 64 * 1024];
    loop {
        let n = match member.read(&mut chunk) {
            Ok(0) => return Ok(out),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Stop::Damaged(e)),
        };
        out.extend_from_slice(&chunk[..n]);
        let got = out.len() as u64;
        if got > allowance {
            return Err(Stop::Limit(format!(
                "expands beyond {} MiB; not read further (possible zip bomb)",
                allowance >> 20
            )));
        }
        if got > ratio_cap {
            return Err(Stop::Limit(format!(
                "expands more than {}x its compressed size ({} KiB); not read further \
                 (possible zip bomb)",
                limits.max_ratio,
                compressed >> 10
            )));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Limits, from_zip_bytes};
    use crate::problem::ProblemKind;
    use std::io::{Cursor, Write};
    use zip::write::{SimpleFileOptions, ZipWriter};

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = ZipWriter::new(Cursor::new(Vec::new()));
        let opts =
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, data) in entries {
            w.start_file(*name, opts).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn names_are_normalised_and_escapes_refused() {
        let z = zip_of(&[
            (r"snap\registry\os.reg", b"x"),
            (r"..\..\evil.reg", b"y"),
            ("./snap/m.json", b"{}"),
        ]);
        let s = from_zip_bytes("t.zip", &z, &Limits::default()).unwrap();
        let paths: Vec<_> = s.artifacts.iter().map(|a| a.path.as_str()).collect();
        assert_eq!(paths, vec!["snap/m.json", "snap/registry/os.reg"]);
        assert_eq!(s.problems.len(), 1);
        assert_eq!(s.problems[0].kind, ProblemKind::Refused);
        assert!(
            s.problems[0].message.contains("climbs out"),
            "{}",
            s.problems[0]
        );
    }

    #[test]
    fn a_zip_in_the_zip_is_opened_one_level_deep() {
        let deepest = zip_of(&[("c.txt", b"c")]);
        let inner = zip_of(&[("b.txt", b"b"), ("deeper.zip", &deepest)]);
        let outer = zip_of(&[("inner.zip", &inner), ("a.txt", b"a")]);
        let s = from_zip_bytes("t.zip", &outer, &Limits::default()).unwrap();
        let paths: Vec<_> = s.artifacts.iter().map(|a| a.path.as_str()).collect();
        assert_eq!(paths, vec!["a.txt", "inner.zip/b.txt"]);
        assert_eq!(s.problems.len(), 1);
        assert_eq!(
            s.problems[0].artifact.as_deref(),
            Some("inner.zip/deeper.zip")
        );
        assert_eq!(s.problems[0].kind, ProblemKind::Limit);
    }

    #[test]
    fn ratio_and_size_limits_stop_bombs_by_the_bytes_read() {
        let zeros = vec![0u8; 4 << 20];
        let z = zip_of(&[("bomb.bin", &zeros), ("ok.txt", b"fine")]);
        let limits = Limits {
            ratio_floor_bytes: 256 << 10,
            max_ratio: 50,
            ..Limits::default()
        };
        let s = from_zip_bytes("t.zip", &z, &limits).unwrap();
        assert_eq!(s.artifacts.len(), 1);
        assert!(s.problems[0].message.contains("50x"), "{}", s.problems[0]);

        let limits = Limits {
            max_entry_bytes: 1 << 20,
            ..Limits::default()
        };
        let s = from_zip_bytes("t.zip", &z, &limits).unwrap();
        assert!(
            s.problems[0].message.contains("over the 1 MiB limit"),
            "{}",
            s.problems[0]
        );

        let limits = Limits {
            max_entries: 1,
            ..Limits::default()
        };
        let s = from_zip_bytes(
            "t.zip",
            &zip_of(&[("a", b"1"), ("b", b"2"), ("c", b"3")]),
            &limits,
        )
        .unwrap();
        assert_eq!(s.artifacts.len(), 1);
        assert!(
            s.problems[0].message.contains("2 further entries"),
            "{}",
            s.problems[0]
        );
    }

    #[test]
    fn a_truncated_archive_is_read_from_its_local_headers() {
        // b.txt does not compress, so cutting the tail cuts into its data.
        let noise: Vec<u8> = (0..5000u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect();
        let z = zip_of(&[("a.txt", b"first file"), ("b.txt", &noise)]);
        let cut = &z[..z.len() - 300];
        let s = from_zip_bytes("t.zip", cut, &Limits::default()).unwrap();
        assert!(s.artifacts.iter().any(|a| a.path == "a.txt"));
        assert!(
            s.problems
                .iter()
                .any(|p| p.message.contains("central directory")),
            "{:?}",
            s.problems
        );
        assert!(from_zip_bytes("t.zip", b"PK\x03\x04garbage", &Limits::default()).is_err());
    }
}
