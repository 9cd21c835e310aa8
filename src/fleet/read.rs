//! Reading record files back: JSON lines written by `caadoctor bulk` (or by anything that
//! writes the same records, such as the Spark recipe), from files, folders of part files
//! and standard input, one line at a time. A line that is not a record is counted and
//! located, never fatal: the rest of the file is still read.

use crate::bulk::record::Record;
use std::io::BufRead;
use std::path::{Path, PathBuf};

/// Longest line read as a record; a longer one is skipped as unreadable (a record is a
/// few kilobytes).
const MAX_LINE: usize = 16 << 20;
/// Unreadable lines located by name in [`Unreadable::first`].
const LOCATED: usize = 5;

/// Lines that were not records.
#[derive(Debug, Default)]
pub struct Unreadable {
    pub lines: usize,
    /// `file:line: why`, for the first few.
    pub first: Vec<String>,
}

impl Unreadable {
    fn note(&mut self, file: &str, line: usize, why: &str) {
        self.lines += 1;
        if self.first.len() < LOCATED {
            self.first.push(format!("{file}:{line}: {why}"));
        }
    }
}

/// The files to read for `inputs`: a file as given (`-` is standard input); a folder's
/// regular files in name order, except those whose names start with `_` or `.` (Spark's
/// `_SUCCESS`, Hadoop's `.crc` files).
pub fn expand(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for input in inputs {
        if input.as_os_str() == "-" {
            files.push(input.clone());
            continue;
        }
        let meta = std::fs::metadata(input)
            .map_err(|e| format!("cannot read {}: {e}", input.display()))?;
        if !meta.is_dir() {
            files.push(input.clone());
            continue;
        }
        let mut parts: Vec<PathBuf> = std::fs::read_dir(input)
            .map_err(|e| format!("cannot read {}: {e}", input.display()))?
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .filter(|e| {
                let name = e.file_name();
                let name = name.to_string_lossy();
                !name.starts_with('_') && !name.starts_with('.')
            })
            .map(|e| e.path())
            .collect();
        parts.sort();
        files.extend(parts);
    }
    Ok(files)
}

/// Reads every record of `files` in order, handing each to `each`; returns what could not
/// be read. A file that cannot be opened is an error.
pub fn records(files: &[PathBuf], mut each: impl FnMut(Record)) -> Result<Unreadable, String> {
    let mut bad = Unreadable::default();
    for file in files {
        let name = file.display().to_string();
        let reader: Box<dyn BufRead> = if file.as_os_str() == "-" {
            Box::new(std::io::BufReader::with_capacity(1 << 20, std::io::stdin()))
        } else {
            let f = std::fs::File::open(file).map_err(|e| format!("cannot read {name}: {e}"))?;
            Box::new(std::io::BufReader::with_capacity(1 << 20, f))
        };
        read_lines(reader, &name, &mut bad, &mut each)
            .map_err(|e| format!("cannot read {name}: {e}"))?;
    }
    Ok(bad)
}

fn read_lines(
    mut reader: impl BufRead,
    name: &str,
    bad: &mut Unreadable,
    each: &mut impl FnMut(Record),
) -> std::io::Result<()> {
    let mut line = Vec::with_capacity(8192);
    let mut number = 0;
    loop {
        line.clear();
        let n = std::io::Read::take(reader.by_ref(), MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut line)?;
        if n == 0 {
            return Ok(());
        }
        number += 1;
        if line.last() != Some(&b'\n') && n > MAX_LINE {
            bad.note(name, number, "longer than 16 MiB");
            skip_rest_of_line(&mut reader)?;
            continue;
        }
        let text = trim(&line);
        if text.is_empty() {
            continue;
        }
        match serde_json::from_slice::<Record>(text) {
            Ok(r) => each(r),
            Err(e) => bad.note(name, number, &format!("not a caadoctor record ({e})")),
        }
    }
}

fn skip_rest_of_line(reader: &mut impl BufRead) -> std::io::Result<()> {
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            return Ok(());
        }
        match memchr::memchr(b'\n', buf) {
            Some(i) => {
                reader.consume(i + 1);
                return Ok(());
            }
            None => {
                let n = buf.len();
                reader.consume(n);
            }
        }
    }
}

fn trim(line: &[u8]) -> &[u8] {
    let start = line
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(line.len());
    let end = line
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |i| i + 1);
    // A UTF-8 byte-order mark at the start of a file.
    line[start..end.max(start)]
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(&line[start..end.max(start)])
}

/// Whether `path` names the same file as `other` (for reading and appending one file).
pub fn same_file(path: &Path, other: &Path) -> bool {
    match (std::fs::canonicalize(path), std::fs::canonicalize(other)) {
        (Ok(a), Ok(b)) => a == b,
        _ => path == other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn junk_lines_are_located_and_the_rest_is_read() {
        let text = "\u{feff}{\"source\":\"a.zip\",\"format\":\"zip\",\"size\":1,\"status\":\"ok\"}\r\n\
                    \n\
                    not json\n\
                    {\"source\":\"b.zip\",\"format\":\"zip\",\"size\":2,\"status\":\"error\",\"error\":\"not a zip archive\"}\n\
                    {\"source\":3}\n\
                    {\"source\":\"c.zip\",\"format\":\"zip\",\"size\":3,\"status\":\"ok\"}";
        let mut got = Vec::new();
        let mut bad = Unreadable::default();
        read_lines(text.as_bytes(), "r.jsonl", &mut bad, &mut |r| {
            got.push(r.source)
        })
        .unwrap();
        assert_eq!(got, ["a.zip", "b.zip", "c.zip"]);
        assert_eq!(bad.lines, 2);
        assert!(
            bad.first[0].starts_with("r.jsonl:3: not a caadoctor record"),
            "{:?}",
            bad.first
        );
        assert!(bad.first[1].starts_with("r.jsonl:5: "), "{:?}", bad.first);
    }

    #[test]
    fn an_enormous_line_is_skipped_not_held() {
        let mut text = vec![b'x'; MAX_LINE + 10];
        text.extend_from_slice(
            b"\n{\"source\":\"a.zip\",\"format\":\"zip\",\"size\":1,\"status\":\"ok\"}\n",
        );
        let mut got = Vec::new();
        let mut bad = Unreadable::default();
        read_lines(&text[..], "r", &mut bad, &mut |r| got.push(r.source)).unwrap();
        assert_eq!(got, ["a.zip"]);
        assert_eq!(bad.first, ["r:1: longer than 16 MiB"]);
    }
}
