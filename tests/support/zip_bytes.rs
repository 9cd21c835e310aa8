//! Zips as other tools write them, made in the test: with the `zip` crate, with Python's
//! `zipfile` (bzip2 and LZMA members, as 7-Zip and WinZip can write them), and by patching
//! the header fields the writers will not set (a compression method we cannot read, the
//! encryption flag, a name's bytes and its UTF-8 flag).

use std::io::{Cursor, Write};
use std::path::Path;
use std::process::Command;
use zip::CompressionMethod;
use zip::write::{SimpleFileOptions, ZipWriter};

/// A zip of `entries`, every member in `method`.
pub fn with_method(entries: &[(&str, &[u8])], method: CompressionMethod) -> Vec<u8> {
    let mut w = ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(method);
    for (name, data) in entries {
        w.start_file(*name, opts).expect("start member");
        w.write_all(data).expect("write member");
    }
    w.finish().expect("finish zip").into_inner()
}

/// A zip written by Python's `zipfile` with `compression` (`ZIP_BZIP2`, `ZIP_LZMA`,
/// `ZIP_DEFLATED`): the tool most scripts use, and its own encoders.
pub fn by_python(dir: &Path, entries: &[(&str, &[u8])], compression: &str) -> Vec<u8> {
    let mut script =
        format!("import zipfile,sys\nz=zipfile.ZipFile(sys.argv[1],'w',zipfile.{compression})\n");
    for (i, (name, data)) in entries.iter().enumerate() {
        let file = dir.join(format!("member-{i}"));
        std::fs::write(&file, data).expect("member file");
        script.push_str(&format!(
            "z.write({:?}, {:?})\n",
            file.to_str().expect("utf-8 path"),
            name
        ));
    }
    script.push_str("z.close()\n");
    let out = dir.join("python.zip");
    let status = Command::new("python3")
        .arg("-c")
        .arg(&script)
        .arg(&out)
        .status()
        .expect("python3 is needed to write bzip2 and LZMA zips as other tools do");
    assert!(status.success(), "python3 could not write the zip");
    std::fs::read(&out).expect("python's zip")
}

/// Offsets of the local header and the central directory header of the member whose raw
/// name is `name`.
fn headers(zip: &[u8], name: &[u8]) -> (usize, usize) {
    let u16_at = |at: usize| u16::from_le_bytes([zip[at], zip[at + 1]]) as usize;
    let mut local = None;
    let mut central = None;
    for at in 0..zip.len().saturating_sub(46) {
        if zip[at..].starts_with(b"PK\x03\x04") {
            let len = u16_at(at + 26);
            if zip.get(at + 30..at + 30 + len) == Some(name) {
                local = Some(at);
            }
        } else if zip[at..].starts_with(b"PK\x01\x02") {
            let len = u16_at(at + 28);
            if zip.get(at + 46..at + 46 + len) == Some(name) {
                central = Some(at);
            }
        }
    }
    (
        local.expect("local header"),
        central.expect("central header"),
    )
}

/// Sets a member's compression method in both its headers.
pub fn set_method(zip: &mut [u8], name: &str, method: u16) {
    let (local, central) = headers(zip, name.as_bytes());
    zip[local + 8..local + 10].copy_from_slice(&method.to_le_bytes());
    zip[central + 10..central + 12].copy_from_slice(&method.to_le_bytes());
}

/// Sets (`on`) or clears general purpose flag bits of a member in both its headers.
pub fn set_flags(zip: &mut [u8], name: &str, bits: u16, on: bool) {
    let (local, central) = headers(zip, name.as_bytes());
    for at in [local + 6, central + 8] {
        let mut flags = u16::from_le_bytes([zip[at], zip[at + 1]]);
        if on {
            flags |= bits;
        } else {
            flags &= !bits;
        }
        zip[at..at + 2].copy_from_slice(&flags.to_le_bytes());
    }
}

/// Replaces a member's name with bytes of the same length in both its headers.
pub fn set_name(zip: &mut [u8], name: &str, raw: &[u8]) {
    assert_eq!(name.len(), raw.len(), "names must keep their length");
    let (local, central) = headers(zip, name.as_bytes());
    zip[local + 30..local + 30 + raw.len()].copy_from_slice(raw);
    zip[central + 46..central + 46 + raw.len()].copy_from_slice(raw);
}
