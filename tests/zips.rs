//! Every zip a user can make: members in bzip2, LZMA and Zstandard (7-Zip, WinZip, Python).

mod common;
#[path = "support/zip_bytes.rs"]
mod zip_bytes;

use caadoctor::snapshot::{self, Limits};
use common::{caadoctor, json_of, repo, scratch};
use std::path::Path;
use zip::CompressionMethod;

/// Every file of a sample folder, with its path inside the sample.
fn sample_files(sample: &str) -> Vec<(String, Vec<u8>)> {
    let root = repo().join("samples").join(sample);
    let mut out = Vec::new();
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                let rel = path.strip_prefix(&root).unwrap().to_str().unwrap();
                out.push((
                    format!("{sample}/{}", rel.replace('\\', "/")),
                    std::fs::read(&path).unwrap(),
                ));
            }
        }
    }
    out.sort();
    out
}

fn borrowed(files: &[(String, Vec<u8>)]) -> Vec<(&str, &[u8])> {
    files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect()
}

/// The statuses of every rule, by rule.
fn statuses(report: &serde_json::Value) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn analyze(path: &Path) -> serde_json::Value {
    json_of(&caadoctor(&[
        "analyze",
        path.to_str().unwrap(),
        "--format",
        "json",
    ]))
}

#[test]
fn bzip2_lzma_and_zstd_members_read_like_deflate() {
    let dir = scratch("zip-methods");
    let files = sample_files("win11-firewall-blocks-signin");
    let entries = borrowed(&files);
    let want = statuses(&analyze(&repo().join("samples/win11-firewall-blocks-signin.zip")));
    let zips = [
        ("bzip2 (python)", zip_bytes::by_python(&dir, &entries, "ZIP_BZIP2")),
        ("lzma (python)", zip_bytes::by_python(&dir, &entries, "ZIP_LZMA")),
        (
            "zstd",
            zip_bytes::with_method(&entries, CompressionMethod::Zstd),
        ),
        (
            "bzip2",
            zip_bytes::with_method(&entries, CompressionMethod::Bzip2),
        ),
    ];
    for (label, bytes) in zips {
        let s = snapshot::from_zip_bytes(label, &bytes, &Limits::default()).unwrap();
        assert!(s.problems.is_empty(), "{label}: {:?}", s.problems);
        assert_eq!(s.artifacts.len(), files.len(), "{label}");
        for (a, (_, original)) in s.artifacts.iter().zip(&files) {
            assert_eq!(&a.bytes, original, "{label}: {}", a.path);
        }
        let path = dir.join(format!("{}.zip", label.replace([' ', '(', ')'], "")));
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(statuses(&analyze(&path)), want, "{label}");
    }
}
