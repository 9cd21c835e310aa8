//! Shared by the benchmarks: timing and the corpus path.

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
