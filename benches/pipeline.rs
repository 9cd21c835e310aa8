//! Where the time of one analysis goes, as ratios against baselines measured in the same
//! run (the machine is noisy; absolute figures are printed for context only).
//!
//! * `.reg` parse: the 660 KB Windows 7 export of the corpus — decode + nom parse + merge,
//!   against the floor of decoding the same UTF-16 bytes to a `String`.
//! * whole analysis of a sample zip — open, inflate, decode, classify, parse, facts, rules,
//!   report — against the floor of inflating every member of the zip.
//! * event logs: `parse::eventlog` with the rules' selection, against the `evtx` crate's
//!   bare parse of the same bytes (`records_json`, and `records` as XML; the faster is the
//!   baseline) and, for context, its walk over the records without rendering any. Over
//!   every corpus log, and over a ~100 MB System log made of system.evtx's real chunks
//!   repeated.
//!
//! Run: `cargo bench --bench pipeline` (needs `../shared/corpus` or `$CAADOCTOR_CORPUS`).

mod support;

use caadoctor::analysis;
use caadoctor::decode::{self, CodePageHints};
use caadoctor::parse::eventlog;
use caadoctor::parse::reg;
use caadoctor::registry::{RegistryView, Scope};
use caadoctor::report::Report;
use caadoctor::rules::RuleSet;
use caadoctor::snapshot::{self, Limits};
use std::hint::black_box;
use std::io::Read;
use std::path::PathBuf;
use std::time::Duration;
use support::{corpus, median};

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
        view.merge("os-win7.reg", &file, Scope::WholeExport);
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

    event_logs(&corpus());
}

/// The crate's own parse of a log, rendering every record: JSON or XML.
fn crate_parse(bytes: &[u8], json: bool) -> usize {
    let mut parser = evtx::EvtxParser::from_buffer(bytes.to_vec()).expect("evtx");
    if json {
        parser.records_json().filter(Result::is_ok).count()
    } else {
        parser.records().filter(Result::is_ok).count()
    }
}

/// The crate's walk over the records, building each but rendering none.
fn crate_walk(bytes: &[u8]) -> usize {
    let mut parser = evtx::EvtxParser::from_read_seek(std::io::Cursor::new(bytes)).expect("evtx");
    let settings = std::sync::Arc::new(evtx::ParserSettings::new());
    let mut n = 0;
    for mut chunk in parser.chunks().flatten() {
        if let Ok(mut chunk) = chunk.parse(settings.clone()) {
            n += chunk.iter().filter(Result::is_ok).count();
        }
    }
    n
}

/// A System log of about `mb` MB: system.evtx's header, then its chunks over and over.
fn big_system_log(system: &[u8], mb: usize) -> Vec<u8> {
    let (header, chunks) = system.split_at(4096);
    let mut out = header.to_vec();
    while out.len() < mb << 20 {
        out.extend_from_slice(chunks);
    }
    out
}

fn event_logs(corpus: &std::path::Path) {
    let selection = &*caadoctor::facts::events::SELECTED;
    let mut logs: Vec<(String, Vec<u8>)> = std::fs::read_dir(corpus.join("evtx"))
        .expect("corpus evtx")
        .map(|e| e.expect("entry").path())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).expect("log"),
            )
        })
        .collect();
    logs.sort();
    let total: usize = logs.iter().map(|(_, b)| b.len()).sum();
    let runs = 15;
    let json = median(runs, || {
        for (_, b) in &logs {
            black_box(crate_parse(black_box(b), true));
        }
    });
    let xml = median(runs, || {
        for (_, b) in &logs {
            black_box(crate_parse(black_box(b), false));
        }
    });
    let walk = median(runs, || {
        for (_, b) in &logs {
            black_box(crate_walk(black_box(b)));
        }
    });
    let ours = median(runs, || {
        for (_, b) in &logs {
            black_box(eventlog::parse(black_box(b), selection).ok());
        }
    });
    report("corpus logs", total, json, xml, walk, ours);

    let system = logs
        .iter()
        .find(|(n, _)| n == "system.evtx")
        .map(|(_, b)| b.clone())
        .expect("system.evtx");
    let big = big_system_log(&system, 100);
    let kept = eventlog::parse(&big, selection).expect("big log");
    println!(
        "            big System log: {} records, {} kept by the selection",
        kept.records,
        kept.events.len()
    );
    let runs = 3;
    let json = median(runs, || {
        black_box(crate_parse(black_box(&big), true));
    });
    let xml = median(runs, || {
        black_box(crate_parse(black_box(&big), false));
    });
    let walk = median(runs, || {
        black_box(crate_walk(black_box(&big)));
    });
    let ours = median(runs, || {
        black_box(eventlog::parse(black_box(&big), selection).ok());
    });
    report("System 100 MB", big.len(), json, xml, walk, ours);
}

fn report(what: &str, bytes: usize, json: Duration, xml: Duration, walk: Duration, ours: Duration) {
    let floor = json.min(xml);
    println!(
        "event logs  {what} {} MB: crate JSON {:>8.2?}  crate XML {:>8.2?}  crate walk {:>8.2?}  caadoctor {:>8.2?}  ratio {:.2}x of the crate's parse ({:.2}x of its walk; {:.0} MB/s)",
        bytes >> 20,
        json,
        xml,
        walk,
        ours,
        ours.as_secs_f64() / floor.as_secs_f64(),
        ours.as_secs_f64() / walk.as_secs_f64(),
        bytes as f64 / ours.as_secs_f64() / 1e6
    );
}
