//! Helpers shared by the integration tests: the binary, the shared corpus, scratch folders.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The team's corpus of real Windows files: `$CAADOCTOR_CORPUS`, else `../shared/corpus`
/// beside the checkout. Tests that need it fail (they do not skip) when it is missing.
pub fn corpus() -> PathBuf {
    let dir = std::env::var_os("CAADOCTOR_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("../shared/corpus"));
    assert!(
        dir.join("MANIFEST.md").is_file(),
        "the shared corpus is missing at {}; set CAADOCTOR_CORPUS to its folder",
        dir.display()
    );
    dir
}

pub fn caadoctor(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_caadoctor"))
        .args(args)
        .current_dir(repo())
        .env("NO_COLOR", "1")
        .output()
        .expect("run caadoctor")
}

/// A JSON file, parsed.
pub fn json_file(path: &Path) -> serde_json::Value {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `caadoctor ARGS` with `input` on standard input.
pub fn caadoctor_stdin(args: &[&str], input: &[u8]) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_caadoctor"))
        .args(args)
        .current_dir(repo())
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run caadoctor");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("write stdin");
    child.wait_with_output().expect("wait for caadoctor")
}

/// `caadoctor analyze PATH --format json`: checks the exit code (showing stderr when it
/// differs) and returns the report.
pub fn report_of(path: &str, code: i32) -> serde_json::Value {
    let out = caadoctor(&["analyze", path, "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(code),
        "{path}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    json_of(&out)
}

pub fn json_of(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): stdout {}\nstderr {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// A fresh scratch folder under the target dir, removed and recreated.
pub fn scratch(name: &str) -> PathBuf {
    let dir = repo().join("target").join("test-scratch").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// A copy of a folder tree (a sample to change without touching it).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("the copy's folder");
    for e in std::fs::read_dir(from).expect("read dir") {
        let e = e.expect("entry");
        let target = to.join(e.file_name());
        if e.file_type().expect("file type").is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).expect("copy");
        }
    }
}

/// Compares `text` with the golden file `path`, or rewrites it under `UPDATE_GOLDEN`;
/// a difference is added to `changed` (the caller asserts once, naming them all).
pub fn check_golden(path: &Path, text: &str, changed: &mut Vec<String>) {
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(path, text).expect("write the golden file");
    } else if std::fs::read_to_string(path).ok().as_deref() != Some(text) {
        changed.push(path.display().to_string());
    }
}

pub fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_file())
        .collect();
    out.sort();
    out
}

/// The finding of `rule` in a JSON report.
pub fn finding<'a>(report: &'a serde_json::Value, rule: &str) -> &'a serde_json::Value {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == rule)
        .unwrap_or_else(|| panic!("no finding for {rule}"))
}

/// The first message of `rule`'s finding, after checking its status.
pub fn message_of(report: &serde_json::Value, rule: &str, status: &str) -> String {
    let f = finding(report, rule);
    assert_eq!(f["status"], status, "{rule}: {f}");
    f["messages"][0].as_str().expect("a message").to_owned()
}

/// Every rule's status in a JSON report, in report order.
pub fn statuses(report: &serde_json::Value) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().expect("rule").to_owned(),
                f["status"].as_str().expect("status").to_owned(),
            )
        })
        .collect()
}

/// Markup a snapshot value can hold, to show it is rendered as text.
pub const HOSTILE: &str =
    "<img src=x onerror=alert(1)></script><script>document.title='pwned'</script>";

/// A copy of the win10-proxy-browser-only sample whose host name (in the manifest) and
/// proxy setting are [`HOSTILE`] and which holds a file whose name is markup too.
pub fn hostile_snapshot(name: &str) -> PathBuf {
    let dir = scratch(name);
    copy_dir(&repo().join("samples/win10-proxy-browser-only"), &dir);
    let reg = dir.join("registry/internet-settings-hkcu.reg");
    let bytes = std::fs::read(&reg).expect("hkcu export");
    let units: Vec<u16> = bytes[2..]
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    let text = String::from_utf16(&units).expect("utf-16 export");
    let text = text.replace("proxy.contoso.com:8080", HOSTILE);
    let mut out = vec![0xFF, 0xFE];
    out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    std::fs::write(&reg, out).expect("write export");
    let manifest = dir.join("manifest.json");
    let mut m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&manifest).expect("manifest")).expect("json");
    m["host"] = serde_json::Value::String(HOSTILE.to_owned());
    std::fs::write(&manifest, serde_json::to_vec_pretty(&m).expect("json")).expect("manifest");
    std::fs::write(
        dir.join("commands/<b onmouseover=alert(1)>notes.txt"),
        format!("{HOSTILE}\r\n"),
    )
    .expect("write hostile file");
    dir
}

/// The sample zips, by name (without `.zip`), in name order.
pub fn sample_zips() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(repo().join("samples"))
        .expect("samples")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "zip"))
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    names.sort();
    names
}
