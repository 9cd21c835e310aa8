//! Every zip a user can make: members in bzip2, LZMA and Zstandard (7-Zip, WinZip, Python),
//! encrypted members and methods caadoctor cannot read named for what they are, entry names
//! in UTF-8 or CP437 by their flag, and junk that cannot crowd the evidence out of the limits.

mod common;
#[path = "support/zip_bytes.rs"]
mod zip_bytes;

use caadoctor::problem::ProblemKind;
use caadoctor::snapshot::{self, Limits};
use common::{caadoctor, files_in, json_of, repo, scratch, statuses};
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
    let want = statuses(&analyze(
        &repo().join("samples/win11-firewall-blocks-signin.zip"),
    ));
    let zips = [
        (
            "bzip2 (python)",
            zip_bytes::by_python(&dir, &entries, "ZIP_BZIP2"),
        ),
        (
            "lzma (python)",
            zip_bytes::by_python(&dir, &entries, "ZIP_LZMA"),
        ),
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

#[test]
fn encrypted_members_and_unknown_methods_say_so_and_are_not_damaged() {
    let reg = std::fs::read(repo().join("samples/win11-healthy/registry/schannel.reg")).unwrap();
    let mut z = zip_bytes::with_method(
        &[
            ("snap/registry/schannel.reg", &reg),
            ("snap/registry/locked.reg", &reg),
            ("snap/commands/ppmd.txt", b"hello"),
            ("snap/commands/wavpack.txt", b"hello"),
        ],
        CompressionMethod::Stored,
    );
    zip_bytes::set_flags(&mut z, "snap/registry/locked.reg", 1, true);
    zip_bytes::set_method(&mut z, "snap/commands/ppmd.txt", 98);
    zip_bytes::set_method(&mut z, "snap/commands/wavpack.txt", 97);
    let s = snapshot::from_zip_bytes("t.zip", &z, &Limits::default()).unwrap();
    let paths: Vec<&str> = s.artifacts.iter().map(|a| a.path.as_str()).collect();
    assert_eq!(paths, ["snap/registry/schannel.reg"]);
    let problems: Vec<(String, ProblemKind, String)> = s
        .problems
        .iter()
        .map(|p| (p.artifact.clone().unwrap(), p.kind, p.message.clone()))
        .collect();
    assert_eq!(problems.len(), 3, "{problems:#?}");
    assert_eq!(problems[0].0, "snap/registry/locked.reg");
    assert_eq!(problems[0].1, ProblemKind::Unsupported);
    assert_eq!(
        problems[0].2,
        "encrypted; ask for the zip without a password"
    );
    assert_eq!(problems[1].0, "snap/commands/ppmd.txt");
    assert!(
        problems[1].2.starts_with("not supported (method 98 PPMd)"),
        "{}",
        problems[1].2
    );
    assert!(
        problems[2]
            .2
            .starts_with("not supported (method 97 WavPack)")
    );
    assert!(problems.iter().all(|p| !p.2.contains("damaged")));
    assert_eq!(
        (s.tally.read, s.tally.encrypted, s.tally.unsupported),
        (1, 1, 2)
    );
}

#[test]
fn names_are_utf8_when_flagged_and_cp437_otherwise() {
    let mut z = zip_bytes::with_method(
        &[("XXbersicht.txt", b"a"), ("Ybersicht.txt", b"b")],
        CompressionMethod::Stored,
    );
    // "Ü" in UTF-8 (C3 9C) and in CP437 (9A).
    zip_bytes::set_name(&mut z, "XXbersicht.txt", "Übersicht.txt".as_bytes());
    zip_bytes::set_name(&mut z, "Ybersicht.txt", b"\x9abersicht.txt");
    let names = |z: &[u8]| -> Vec<String> {
        let s = snapshot::from_zip_bytes("t.zip", z, &Limits::default()).unwrap();
        s.artifacts.iter().map(|a| a.path.clone()).collect()
    };
    // Without the flag both are CP437, even the one whose bytes happen to be valid UTF-8.
    assert_eq!(names(&z), ["Übersicht.txt", "├£bersicht.txt"]);
    zip_bytes::set_flags(&mut z, "Übersicht.txt", 1 << 11, true);
    assert_eq!(names(&z), ["Übersicht.txt", "Übersicht.txt"]);
}

#[test]
fn twenty_thousand_junk_files_ahead_of_the_evidence_do_not_crowd_it_out() {
    let dir = scratch("crowded");
    let mut files: Vec<(String, Vec<u8>)> = (0..20_050u32)
        .map(|i| {
            (
                format!("0-attachments/scan-{i:05}.bin"),
                i.to_le_bytes().repeat(8),
            )
        })
        .collect();
    files.push((
        "0-attachments/notes.reg".to_owned(),
        std::fs::read(repo().join("samples/win11-healthy/registry/tcpip6.txt")).unwrap(),
    ));
    files.extend(sample_files("win11-firewall-blocks-signin"));
    let zip = zip_bytes::with_method(&borrowed(&files), CompressionMethod::Deflated);
    let path = dir.join("crowded.zip");
    std::fs::write(&path, zip).unwrap();
    let out = caadoctor(&["analyze", path.to_str().unwrap(), "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "the firewall rule fails as in the sample"
    );
    let report = json_of(&out);
    let want = statuses(&analyze(
        &repo().join("samples/win11-firewall-blocks-signin.zip"),
    ));
    assert_eq!(statuses(&report), want);
    let limit: Vec<&str> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["kind"] == "limit")
        .map(|p| p["message"].as_str().unwrap())
        .collect();
    assert_eq!(limit.len(), 1, "{limit:?}");
    // The text that looked like evidence was read before the binary junk.
    assert!(
        limit[0].contains("entry count limit reached (20000 entries)")
            && limit[0].contains("further entries not read (none looked like evidence)"),
        "{}",
        limit[0]
    );
    assert!(
        report["artifacts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["path"] == "0-attachments/notes.reg")
    );
}

#[test]
fn a_limit_names_the_evidence_it_left_unread() {
    let reg = std::fs::read(repo().join("samples/win11-healthy/registry/schannel.reg")).unwrap();
    let manifest = br#"{"schema":"caadoctor.manifest/1","steps":[
        {"artifact":"odd/place.reg","status":"ok"}]}"#;
    let entries: Vec<(String, Vec<u8>)> = [
        ("a/junk.bin", vec![0u8, 1, 2, 3]),
        ("a/notes.txt", b"some words\r\n".to_vec()),
        ("snap/manifest.json", manifest.to_vec()),
        ("snap/odd/place.reg", reg.clone()),
        ("snap/registry/one.reg", reg.clone()),
        ("snap/registry/two.reg", reg.clone()),
        ("z/loose.reg", reg.clone()),
    ]
    .into_iter()
    .map(|(n, b)| (n.to_owned(), b))
    .collect();
    let z = zip_bytes::with_method(&borrowed(&entries), CompressionMethod::Deflated);
    let read_with = |max_entries| {
        let limits = Limits {
            max_entries,
            ..Limits::default()
        };
        snapshot::from_zip_bytes("t.zip", &z, &limits).unwrap()
    };
    // Manifest, what it declares, the collector's folder, then what looks like evidence.
    let s = read_with(5);
    let paths: Vec<&str> = s.artifacts.iter().map(|a| a.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "snap/manifest.json",
            "snap/odd/place.reg",
            "snap/registry/one.reg",
            "snap/registry/two.reg",
            "z/loose.reg"
        ]
    );
    assert!(
        s.problems[0]
            .message
            .ends_with("2 further entries not read (none looked like evidence)"),
        "{}",
        s.problems[0]
    );
    let s = read_with(2);
    assert_eq!(s.tally.not_reached, 5);
    assert!(
        s.problems[0].message.ends_with(
            "5 further entries not read; 3 of them looked like evidence: \
             snap/registry/one.reg, snap/registry/two.reg, z/loose.reg"
        ),
        "{}",
        s.problems[0]
    );
}

#[test]
fn a_folder_reads_its_evidence_first_too() {
    let dir = scratch("crowded-folder");
    std::fs::create_dir_all(dir.join("0-junk")).unwrap();
    for i in 0..30 {
        std::fs::write(dir.join(format!("0-junk/{i:02}.bin")), [0u8, 1, 2, 3]).unwrap();
    }
    let sample = repo().join("samples/win11-healthy/registry");
    std::fs::create_dir_all(dir.join("registry")).unwrap();
    for f in files_in(&sample) {
        std::fs::copy(&f, dir.join("registry").join(f.file_name().unwrap())).unwrap();
    }
    let limits = Limits {
        max_entries: 20,
        ..Limits::default()
    };
    let s = snapshot::open(&dir, &limits).unwrap();
    let registry = s
        .artifacts
        .iter()
        .filter(|a| a.path.starts_with("registry/"))
        .count();
    assert_eq!(registry, files_in(&sample).len());
    assert_eq!(s.tally.read, 20);
}
