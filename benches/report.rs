//! What the ticket formats cost on top of an analysis, as ratios measured in the same run
//! (the two sides alternate, so drift of a shared machine hits both):
//!
//! * `analyze` alone — open the sample zip, decode, parse, facts, rules — against the
//!   same plus the report model and its HTML page (the budget: at most 10% more);
//! * the same for Markdown, and for `--redact` (seeds, pseudonyms, the model rewritten)
//!   followed by HTML;
//! * each sample's HTML size (the budget: 200 KB).
//!
//! Over every sample zip. Run: `cargo bench --bench report`. Exits non-zero when the HTML
//! overhead passes 10%.

use caadoctor::analysis;
use caadoctor::redact::{Pseudonymizer, seeds};
use caadoctor::report::{Report, html, markdown};
use caadoctor::rules::RuleSet;
use caadoctor::snapshot::{self, Limits};
use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Medians of `a` and `b` over `runs` alternating timings (after one warm-up each), and
/// the median of the per-pair ratios b/a: a slow stretch of a shared machine hits both
/// sides of a pair, so the ratio stays steady where the times do not.
fn paired(runs: usize, mut a: impl FnMut(), mut b: impl FnMut()) -> (Duration, Duration, f64) {
    a();
    b();
    let (mut ta, mut tb, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        let t = Instant::now();
        a();
        let da = t.elapsed();
        let t = Instant::now();
        b();
        let db = t.elapsed();
        ta.push(da);
        tb.push(db);
        ratios.push(db.as_secs_f64() / da.as_secs_f64());
    }
    ta.sort();
    tb.sort();
    ratios.sort_by(f64::total_cmp);
    (ta[runs / 2], tb[runs / 2], ratios[runs / 2])
}

fn main() {
    let rules = RuleSet::builtin().expect("rules");
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples");
    let mut zips: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .expect("samples")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "zip"))
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).expect("zip"))
        })
        .collect();
    zips.sort();
    let analyze = |bytes: &[u8]| {
        let snap = snapshot::from_zip_bytes("bench", bytes, &Limits::default()).expect("open");
        analysis::analyze(snap, &rules)
    };

    let mut largest = 0;
    for (name, bytes) in &zips {
        let size = html::render(&Report::from_analysis(analyze(bytes))).len();
        largest = largest.max(size);
        println!("html size   {name:<28} {:>6.1} KB", size as f64 / 1024.0);
    }

    let runs = 31;
    let all = || {
        for (_, b) in &zips {
            black_box(analyze(black_box(b)));
        }
    };
    let (alone, with_html, html_ratio) = paired(runs, all, || {
        for (_, b) in &zips {
            let a = analyze(black_box(b));
            black_box(html::render(&Report::from_analysis(a)));
        }
    });
    let (alone_md, with_md, md_ratio) = paired(runs, all, || {
        for (_, b) in &zips {
            let a = analyze(black_box(b));
            black_box(markdown::render(&Report::from_analysis(a)));
        }
    });
    let (alone_red, with_red, red_ratio) = paired(runs, all, || {
        for (_, b) in &zips {
            let a = analyze(black_box(b));
            let seeds = seeds::collect(&a);
            let mut report = Report::from_analysis(a);
            let mut p = Pseudonymizer::new();
            p.redact(&seeds, &mut report);
            black_box(html::render(&report));
        }
    });
    println!(
        "render      {} samples: analyze {alone:>9.2?}  analyze+report+HTML {with_html:>9.2?}  ratio {html_ratio:.3}x (budget 1.10x)",
        zips.len()
    );
    println!(
        "            analyze {alone_md:>9.2?}  analyze+report+Markdown {with_md:>9.2?}  ratio {md_ratio:.3}x"
    );
    println!(
        "            analyze {alone_red:>9.2?}  analyze+redact+HTML {with_red:>9.2?}  ratio {red_ratio:.3}x"
    );
    println!(
        "            largest HTML {:.1} KB (budget 200 KB)",
        largest as f64 / 1024.0
    );
    if html_ratio > 1.10 || largest > 200 * 1024 {
        eprintln!("over budget");
        std::process::exit(1);
    }
}
