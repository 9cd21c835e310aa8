//! Headless Chromium for the browser tests: Debian's `chromium` with a fresh profile, no
//! background networking, and its log on standard error; killed after a minute.
#![allow(dead_code)]

use crate::common::scratch;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Chromium: `$CAADOCTOR_CHROMIUM`, else `chromium` or `chromium-browser` on the PATH.
pub fn chromium() -> PathBuf {
    if let Some(p) = std::env::var_os("CAADOCTOR_CHROMIUM") {
        return PathBuf::from(p);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser"] {
            let exe = dir.join(name);
            if exe.is_file() {
                return exe;
            }
        }
    }
    panic!(
        "Chromium is missing: install Debian's package (apt-get install -y chromium) or set \
         CAADOCTOR_CHROMIUM; these tests are not skipped when asked for"
    );
}

/// Runs headless Chromium on a page with a fresh profile; kills it after a minute.
pub fn browse(page: &Path, args: &[&str]) -> Output {
    browse_at(page, "", args)
}

/// [`browse`] at a fragment of the page (`#rule=proxy`; empty for none).
pub fn browse_at(page: &Path, fragment: &str, args: &[&str]) -> Output {
    static RUN: AtomicUsize = AtomicUsize::new(0);
    let profile = scratch(&format!(
        "browser-profile-{}-{}",
        std::process::id(),
        RUN.fetch_add(1, Ordering::SeqCst)
    ));
    let url = format!(
        "file://{}{fragment}",
        page.canonicalize().expect("page").display()
    );
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chromium");
    let started = Instant::now();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr.read_to_end(&mut buf);
        buf
    });
    let _ = stdout.read_to_end(&mut out);
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("chromium did not finish on {}", page.display());
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    err.extend(reader.join().unwrap_or_default());
    let _ = std::fs::remove_dir_all(&profile);
    Output {
        status,
        stdout: out,
        stderr: err,
    }
}

/// The DOM after load, and what the browser logged.
pub fn load(page: &Path) -> (String, String) {
    load_at(page, "")
}

/// [`load`] at a fragment of the page.
pub fn load_at(page: &Path, fragment: &str) -> (String, String) {
    let out = browse_at(
        page,
        fragment,
        &["--virtual-time-budget=3000", "--dump-dom"],
    );
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Console lines about the Content-Security-Policy.
pub fn csp_violations(log: &str) -> Vec<&str> {
    log.lines()
        .filter(|l| l.contains("CONSOLE") && l.contains("Content Security Policy"))
        .collect()
}
