//! Where the time of one analysis goes, as ratios against baselines measured in the same
//! run (the machine is noisy; absolute figures are printed for context only).
//!
//! * `.reg` parse: the 660 KB Windows 7 export of the corpus — decode + nom parse + merge,
//!   against the floor of decoding the same UTF-16 bytes to a `String`.
//! * whole analysis of a sample zip — open, inflate, decode, classify, parse, facts, rules,
//!   report — against the floor of inflating every member of the zip.
//!
//! Run: `cargo bench --bench pipeline` (needs `../shared/corpus` or `$CAADOCTOR_CORPUS`).

use caadoctor::analysis;
use caadoctor::decode::{self, CodePageHints};
use caadoctor::parse::reg;
use caadoctor::registry::RegistryView;
use caadoctor::report::Report;
use caadoctor::rules::RuleSet;
use caadoctor::snapshot::{self, Limits};
use std::hint::black_box;
use std::io::Read;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Median of `runs` timings of `f`, after one warm-up call.
fn median(runs: usize, mut f: impl FnMut()) -> Duration {
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

fn corpus() -> PathBuf {
    std::env::var_os("CAADOCTOR_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"))
}

fn main() {
    let big = std::fs::read(corpus().join("reg/os-win7.reg")).expect("corpus reg/os-win7.reg");
    let runs = 31;
    let floor = median(runs, || {
        black_box(decode::decode(black_box(&big), &CodePageHints::default()).ok());
    });
    let full = median(runs, || {
        let text = decode::decode(black_box(&big), &CodePageHints::default()).expect("text");
        let file = reg::parse(&text.text);
        let mut view = RegistryView::new();
        view.merge("os-win7.reg", &file);
        black_box(view);
    });
    println!(
        "reg parse   os-win7.reg {} KB: decode floor {:>8.2?}  decode+parse+merge {:>8.2?}  ratio {:.2}x  ({:.1} MB/s)",
        big.len() / 1024,
        floor,
        full,
        full.as_secs_f64() / floor.as_secs_f64(),
        big.len() as f64 / full.as_secs_f64() / 1e6
    );

    let rules = RuleSet::builtin().expect("rules");
    let zip_path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples/win11-healthy.zip");
    let zip_bytes = std::fs::read(&zip_path).expect("sample zip");
    let inflate_floor = median(runs, || {
        let mut archive =
            zip::ZipArchive::new(std::io::Cursor::new(black_box(&zip_bytes))).expect("zip");
        for i in 0..archive.len() {
            let mut member = archive.by_index(i).expect("member");
            let mut out = Vec::new();
            member.read_to_end(&mut out).expect("inflate");
            black_box(out);
        }
    });
    let analyze = median(runs, || {
        let snap = snapshot::from_zip_bytes("bench", black_box(&zip_bytes), &Limits::default())
            .expect("open");
        let analysis = analysis::analyze(snap, &rules);
        black_box(Report::new(&analysis).to_json());
    });
    println!(
        "analysis    win11-healthy.zip {} KB: inflate floor {:>8.2?}  full analysis+JSON {:>8.2?}  ratio {:.2}x",
        zip_bytes.len() / 1024,
        inflate_floor,
        analyze,
        analyze.as_secs_f64() / inflate_floor.as_secs_f64()
    );
}
