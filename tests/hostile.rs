//! Snapshots from strangers: hostile names, zip bombs, truncated and junk files. The
//! analyzer reports what it could not read and never panics.

mod common;

use common::{caadoctor, finding, json_of, scratch};

#[test]
fn escaping_names_bombs_and_truncation_are_three_problems() {
    // tests/fixtures/make_hostile_zip.py writes this file.
    let out = caadoctor(&["analyze", "tests/fixtures/hostile.zip", "--format", "json"]);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json_of(&out);
    let problems = report["problems"].as_array().unwrap();
    let kinds: Vec<(&str, &str)> = problems
        .iter()
        .map(|p| (p["artifact"].as_str().unwrap(), p["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (r"..\..\evil.reg", "refused"),
            ("bomb.bin", "limit"),
            ("snapshot/registry/truncated.reg", "parse"),
        ]
    );
    assert!(
        problems[2]["message"]
            .as_str()
            .unwrap()
            .contains("truncated")
    );
    // The escaping file's content (EnableActiveProbing=0) must not have been used.
    let ncsi = finding(&report, "ncsi-probe");
    assert_ne!(ncsi["status"], "fail");
    // The intact file next to them was.
    let ipv6 = finding(&report, "ipv6");
    assert_eq!(ipv6["status"], "pass");
}

#[test]
fn junk_files_are_listed_not_fatal() {
    let dir = scratch("junk");
    std::fs::write(dir.join("empty.reg"), b"").unwrap();
    std::fs::write(
        dir.join("random.bin"),
        (0..4096u32)
            .map(|i| (i * 7919 % 251) as u8)
            .collect::<Vec<_>>(),
    )
    .unwrap();
    std::fs::write(dir.join("fake.evtx"), b"ElfFile\0truncated").unwrap();
    std::fs::write(dir.join("notes.txt"), "the user wrote this\r\n").unwrap();
    std::fs::write(dir.join("header-only.reg"), b"\xff\xfeW\0i\0n\0").unwrap();
    std::fs::write(dir.join("broken.zip"), b"PK\x03\x04 not really").unwrap();
    let mut garbage =
        "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\X]\r\n".to_owned();
    for i in 0..500 {
        garbage.push_str(&format!("\"v{i}\"=dword:zz{i}\r\n]]]]=@@\"\r\n"));
    }
    std::fs::write(dir.join("garbage.reg"), garbage).unwrap();
    let report = common::report_of(dir.to_str().unwrap(), 0);
    assert_eq!(
        report["artifacts"].as_array().unwrap().len(),
        6,
        "{}",
        report["artifacts"]
    );
    let problems = report["problems"].as_array().unwrap();
    let garbage = problems
        .iter()
        .find(|p| p["artifact"] == "garbage.reg")
        .unwrap();
    assert!(
        garbage["message"].as_str().unwrap().contains("1000 lines"),
        "{garbage}"
    );
    assert!(
        problems.iter().any(|p| p["artifact"] == "broken.zip"),
        "{problems:?}"
    );
}

#[test]
fn inputs_that_cannot_be_analyzed_exit_2_and_say_what_to_do() {
    let out = caadoctor(&["analyze", "no/such/snapshot.zip"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no such file or folder") && err.contains("give the collector's zip"),
        "{err}"
    );

    let dir = scratch("not-a-zip");
    let fake = dir.join("snapshot.zip");
    std::fs::write(&fake, b"PK\x03\x04\x14\x00garbage that is not an archive").unwrap();
    let out = caadoctor(&["analyze", fake.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("sent again"));

    let out = caadoctor(&["analyze"]);
    assert_eq!(out.status.code(), Some(2), "usage errors exit 2");
}

#[cfg(unix)]
#[test]
fn symbolic_links_in_a_folder_are_not_followed() {
    let dir = scratch("symlinks");
    std::os::unix::fs::symlink("/etc/passwd", dir.join("passwd.reg")).unwrap();
    let out = caadoctor(&["analyze", dir.to_str().unwrap(), "--format", "json"]);
    let report = json_of(&out);
    assert_eq!(report["problems"][0]["kind"], "refused");
    assert_eq!(report["artifacts"].as_array().unwrap().len(), 0);
}

#[cfg(unix)]
#[test]
fn fifos_and_sockets_in_a_folder_are_skipped_and_said() {
    let dir = scratch("special-files");
    std::fs::copy(
        common::repo().join("samples/win11-healthy/registry/tcpip6.txt"),
        dir.join("tcpip6.txt"),
    )
    .unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(dir.join("pipe.reg"))
        .status()
        .expect("mkfifo");
    assert!(made.success());
    let _socket = std::os::unix::net::UnixListener::bind(dir.join("socket.reg")).unwrap();
    // Reading the FIFO would wait for a writer for ever: it must not be opened.
    let out = caadoctor(&["analyze", dir.to_str().unwrap(), "--format", "json"]);
    let report = json_of(&out);
    let problems: Vec<(&str, &str, &str)> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["artifact"].as_str().unwrap(),
                p["kind"].as_str().unwrap(),
                p["message"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        problems,
        [
            (
                "socket.reg",
                "refused",
                "not a regular file (a socket); skipped"
            ),
            (
                "pipe.reg",
                "refused",
                "not a regular file (a FIFO); skipped"
            ),
        ]
    );
    assert_eq!(report["artifacts"].as_array().unwrap().len(), 1);
}

/// `caadoctor analyze` of what holds nothing readable: exit 2, the reasons on standard
/// error, and the JSON report written all the same with its problems.
fn nothing_read(path: &str) -> (String, serde_json::Value) {
    let out = caadoctor(&["analyze", path, "--format", "json"]);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{path}: {err}");
    assert!(err.contains("no snapshot artifact could be read"), "{err}");
    let report = json_of(&out);
    let last = report["problems"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    let message = last["message"].as_str().unwrap().to_owned();
    assert!(err.contains(&message["no snapshot artifact could be read ".len()..]));
    (message, report)
}

#[test]
fn a_snapshot_with_nothing_readable_is_not_analyzed() {
    use std::io::Write;
    let dir = scratch("nothing-readable");
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let (message, _) = nothing_read(empty.to_str().unwrap());
    assert_eq!(message, "no snapshot artifact could be read (no files)");

    let zip_of = |name: &str, entries: &[(&str, &[u8])], encrypt: bool| {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        for (n, b) in entries {
            w.start_file(*n, opts).unwrap();
            w.write_all(b).unwrap();
        }
        let mut bytes = w.finish().unwrap().into_inner();
        if encrypt {
            // The encryption flag (bit 0) in every local and central header.
            for at in 0..bytes.len() - 4 {
                if bytes[at..].starts_with(b"PK\x03\x04") {
                    bytes[at + 6] |= 1;
                } else if bytes[at..].starts_with(b"PK\x01\x02") {
                    bytes[at + 8] |= 1;
                }
            }
        }
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let (message, _) = nothing_read(&zip_of("empty.zip", &[], false));
    assert!(message.ends_with("(no files)"), "{message}");
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0";
    let photos = zip_of(
        "photos.zip",
        &[("IMG_0001.png", png), ("IMG_0002.png", png)],
        false,
    );
    let (message, _) = nothing_read(&photos);
    assert!(
        message.ends_with("(2 files: 2 not recognised)"),
        "{message}"
    );
    let reg =
        std::fs::read(common::repo().join("samples/win11-healthy/registry/schannel.reg")).unwrap();
    let locked = zip_of(
        "locked.zip",
        &[("registry/schannel.reg", &reg), ("notes.png", png)],
        true,
    );
    let (message, report) = nothing_read(&locked);
    assert!(message.ends_with("(2 files: 2 encrypted)"), "{message}");
    assert_eq!(
        report["problems"][0]["message"],
        "encrypted; ask for the zip without a password"
    );
    #[cfg(unix)]
    {
        let (message, _) = nothing_read("/dev/null");
        assert!(message.ends_with("(1 file: 1 not recognised)"), "{message}");
    }
    // `facts` says it the same way.
    let out = caadoctor(&["facts", &locked]);
    assert_eq!(out.status.code(), Some(2));

    // bulk: the archive is an error record in the same words.
    let out = caadoctor(&["bulk", &locked, &photos, "--summary", "/dev/null"]);
    assert_eq!(out.status.code(), Some(2));
    let records: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        records[0]["error"],
        "holds no readable snapshot artifact (2 files: 2 encrypted)"
    );
    assert_eq!(
        records[1]["error"],
        "holds no readable snapshot artifact (2 files: 2 not recognised)"
    );
    // bulk over folders that hold no archive: said, and exit 2.
    let none = dir.join("no-archives");
    std::fs::create_dir_all(&none).unwrap();
    std::fs::write(none.join("readme.txt"), "not an archive").unwrap();
    let out = caadoctor(&["bulk", none.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no archive under the given paths (found 1 other file and 0 links, not read)"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}

/// Command outputs and documents are read within bounds: a parser holds a place for each
/// line and structures larger than its text, so size is what a hostile file would use.
#[test]
fn outputs_larger_than_any_real_one_are_bounded() {
    let dir = scratch("huge-outputs");
    let ipconfig =
        std::fs::read(common::repo().join("samples/win11-healthy/commands/ipconfig-all.txt"))
            .unwrap();
    let mut long = ipconfig.clone();
    long.extend(std::iter::repeat_n([b'\r', 0, b'\n', 0], 250_000).flatten());
    std::fs::write(dir.join("ipconfig.txt"), &long).unwrap();
    let mut json = br#"[{"Name":"NlaSvc","DisplayName":"x","Status":4,"StartType":2}"#.to_vec();
    while json.len() < 17 << 20 {
        json.extend_from_slice(br#",{"Name":"X","DisplayName":"x","Status":4,"StartType":2}"#);
    }
    json.push(b']');
    std::fs::write(dir.join("services.json"), &json).unwrap();
    let mut manifest = br#"{"schema":"caadoctor.manifest/1","steps":[{"status":"ok"}"#.to_vec();
    while manifest.len() < 5 << 20 {
        manifest.extend_from_slice(br#",{"status":"ok"}"#);
    }
    manifest.extend_from_slice(b"]}");
    std::fs::write(dir.join("manifest.json"), &manifest).unwrap();
    let out = caadoctor(&["analyze", dir.to_str().unwrap(), "--format", "json"]);
    let report = json_of(&out);
    let said = |artifact: &str| -> String {
        report["problems"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["artifact"] == artifact)
            .map(|p| p["message"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
            .join(" | ")
    };
    assert!(
        said("ipconfig.txt").contains("only its first 200000 lines of 250"),
        "{}",
        said("ipconfig.txt")
    );
    assert!(
        said("services.json").starts_with(
            "not read: 17 MiB of text, more than any services-json (at most 16 MiB is read)"
        ),
        "{}",
        said("services.json")
    );
    assert!(
        said("manifest.json").starts_with(
            "collector manifest unreadable (5 MiB, more than any collector writes (4 MiB at most is read))"
        ),
        "{}",
        said("manifest.json")
    );
}
