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
