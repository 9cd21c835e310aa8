//! Reads zip archives (the snapshot itself, or a zip inside it) member by member, within
//! the snapshot's [`Limits`](super::Limits).
//!
//! Declared sizes are only a first filter: the actual inflated bytes are counted as they
//! come, so a member that lies about its size is still stopped. When the central directory
//! is missing (a truncated download), members are recovered from their local headers.

use super::{Reader, name};
use crate::problem::ProblemKind;
use std::io::{BufReader, Cursor, Read, Seek, SeekFrom};
use zip::ZipArchive;
use zip::read::ZipFile;

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
            for index in 0..archive.len() {
                match archive.by_index(index) {
                    Ok(mut member) => take_member(&mut member, prefix, depth, reader),
                    Err(e) => reader.problem(
                        Some(&member_label(prefix, &format!("#{}", index + 1))),
                        ProblemKind::Unreadable,
                        format!("archive member cannot be opened ({e}); skipped"),
                    ),
                }
            }
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
                let before = reader.artifacts.len() + reader.problems.len();
                take_member(&mut member, prefix, depth, reader);
                if reader.artifacts.len() + reader.problems.len() > before {
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
        ProblemKind::Unreadable,
        format!(
            "the archive's central directory is unreadable ({central}), probably a truncated \
             download; {recovered} member(s) were recovered from their local headers{tail}"
        ),
    );
    Ok(())
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

fn take_member<R: Read>(
    member: &mut ZipFile<'_, R>,
    prefix: &str,
    depth: u32,
    reader: &mut Reader<'_>,
) {
    if member.is_dir() {
        return;
    }
    let raw = match member.name() {
        Ok(n) => n.into_owned(),
        Err(_) => String::from_utf8_lossy(member.name_raw()).into_owned(),
    };
    let path = match name::normalize(&raw) {
        Ok(p) => member_label(prefix, &p),
        Err(e) => {
            let shown = member_label(prefix, &printable(&raw));
            reader.problem(
                Some(&shown),
                ProblemKind::Refused,
                format!("entry '{shown}' refused: {e}; skipped"),
            );
            return;
        }
    };
    if member.is_symlink() {
        reader.problem(
            Some(&path),
            ProblemKind::Refused,
            "symbolic link inside the archive; skipped",
        );
        return;
    }
    if !reader.admit_entry() {
        return;
    }
    let limits = *reader.limits;
    let declared = member.size();
    if declared > limits.max_entry_bytes {
        reader.problem(
            Some(&path),
            ProblemKind::Limit,
            format!(
                "declares {} MiB uncompressed, over the {} MiB limit per file; not read \
                 (possible zip bomb)",
                declared >> 20,
                limits.max_entry_bytes >> 20
            ),
        );
        return;
    }
    let allowance = reader.entry_allowance();
    if declared > allowance {
        reader.exhausted = Some("total size");
        reader.skipped_after_exhaustion += 1;
        return;
    }
    match read_bounded(member, allowance, &limits) {
        Ok(bytes) => reader.accept(&path, bytes, depth),
        Err(Stop::Limit(message)) => reader.problem(Some(&path), ProblemKind::Limit, message),
        Err(Stop::Damaged(e)) => reader.problem(
            Some(&path),
            ProblemKind::Unreadable,
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
