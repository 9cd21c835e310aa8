//! Shared by the benchmarks: timing, peak memory and the corpus path.
#![allow(dead_code)] // each benchmark uses a part

use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Median of `runs` timings of `f`, after one warm-up call.
pub fn median(runs: usize, mut f: impl FnMut()) -> Duration {
    f();
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

/// The team's corpus: `$CAADOCTOR_CORPUS`, else `../shared/corpus`.
pub fn corpus() -> PathBuf {
    std::env::var_os("CAADOCTOR_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"))
}

/// Peak RSS in KiB of `caadoctor ARGS`, from GNU time's `%M`; `None` without
/// `/usr/bin/time` (`apt-get install time`).
pub fn peak_rss_kb(args: &[&std::ffi::OsStr]) -> Option<u64> {
    let time = std::path::Path::new("/usr/bin/time");
    if !time.exists() {
        return None;
    }
    let out = std::process::Command::new(time)
        .args(["-f", "%M", env!("CARGO_BIN_EXE_caadoctor")])
        .args(args)
        .stdout(std::process::Stdio::null())
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .last()?
        .trim()
        .parse()
        .ok()
}
