//! Where the time of one analysis goes, as ratios against baselines measured in the same
//! run (the machine is noisy; absolute figures are printed for context only).
//!
//! * `.reg` parse: the 660 KB Windows 7 export of the corpus — decode + nom parse + merge,
//!   against the floor of decoding the same UTF-16 bytes to a `String`.
//! * whole analysis of a sample zip — open, inflate, decode, classify, parse, facts, rules,
//!   report — against the floor of inflating every member of the zip.
//! * integrity: the same analysis with and without checking every artifact's size and
//!   SHA-256 against the manifest, over a sample with real logs of real size (the corpus'
//!   System, OAlerts and Application logs, the manifest's records updated to match);
//! * event logs: `parse::eventlog` with the rules' selection, against two floors measured
//!   in the same rounds: the `evtx` crate's walk over the records, rendering none (what
//!   reading a log costs at the least), and its bare parse of the same bytes
//!   (`records_json`, and `records` as XML; the faster counts). For each corpus log, their
//!   sum, and a ~100 MB System log made of system.evtx's real chunks repeated.
//!
//! Run: `cargo bench --bench pipeline [reg|analysis|integrity|evtx]` (needs
//! `../shared/corpus` or `$CAADOCTOR_CORPUS`); a name runs that part only.

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
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let wanted = |part: &str| only.is_empty() || only.iter().any(|o| o == part);
    let rules = RuleSet::builtin().expect("rules");
    if wanted("reg") {
        reg_parse();
    }
    if wanted("analysis") {
        whole_analysis(&rules);
    }
    if wanted("integrity") {
        integrity(&rules);
    }
    if wanted("evtx") {
        event_logs(&corpus());
    }
}

/// The `.reg` parser against the floor of decoding the same bytes.
fn reg_parse() {
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
}

/// A whole analysis against the floor of inflating the snapshot zip.
fn whole_analysis(rules: &RuleSet) {
    let runs = 31;
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
        let analysis = analysis::analyze(snap, rules);
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

/// A sample snapshot with the corpus' real logs in place of its own, its manifest's sizes
/// and SHA-256s updated as the collector would have written them.
fn sample_with_real_logs() -> Vec<u8> {
    use sha2::Digest;
    use std::io::Write;
    let real = [
        ("System.evtx", "system.evtx"),
        ("OAlerts.evtx", "OAlerts.evtx"),
        ("Application.evtx", "Application_no_crc32.evtx"),
    ];
    let root =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples/win11-firewall-blocks-signin");
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        for e in std::fs::read_dir(&dir).expect("sample") {
            let path = e.expect("entry").path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let name = path
                .strip_prefix(&root)
                .expect("inside")
                .to_string_lossy()
                .replace('\\', "/");
            let mut bytes = std::fs::read(&path).expect("file");
            if let Some((_, file)) = real.iter().find(|(n, _)| name.ends_with(n)) {
                bytes = std::fs::read(corpus().join("evtx").join(file)).expect("corpus log");
            }
            files.push((name, bytes));
        }
    }
    let records: Vec<(String, usize, String)> = files
        .iter()
        .map(|(n, b)| {
            let hex: String = sha2::Sha256::digest(b)
                .iter()
                .map(|x| format!("{x:02x}"))
                .collect();
            (n.clone(), b.len(), hex)
        })
        .collect();
    let manifest = files
        .iter_mut()
        .find(|(n, _)| n == "manifest.json")
        .expect("manifest");
    let mut m: serde_json::Value = serde_json::from_slice(&manifest.1).expect("manifest json");
    for step in m["steps"].as_array_mut().expect("steps") {
        let Some(artifact) = step["artifact"].as_str().map(str::to_owned) else {
            continue;
        };
        if let Some((_, size, hex)) = records.iter().find(|(n, _, _)| *n == artifact) {
            step["size"] = serde_json::json!(size);
            step["sha256"] = serde_json::json!(hex);
        }
    }
    manifest.1 = serde_json::to_vec_pretty(&m).expect("json");
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in &files {
        w.start_file(name.as_str(), options).expect("entry");
        w.write_all(bytes).expect("write");
    }
    w.finish().expect("zip").into_inner()
}

/// CPU time of this process so far (its threads', finished ones included), from
/// `/proc/self/stat`; `None` where there is no such file.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // USER_HZ is 100 on every Linux this runs on.
    Some(Duration::from_millis(ticks * 10))
}

/// What checking sizes and digests adds to an analysis: wall time (the digests are computed
/// beside the parsing, on a second thread) and CPU time (what a busy `bulk` pays).
fn integrity(rules: &RuleSet) {
    let zip = sample_with_real_logs();
    let run = |verify: bool| {
        let snap = snapshot::from_zip_bytes("bench", &zip, &Limits::default()).expect("open");
        let a = analysis::analyze_with(snap, rules, analysis::Settings { verify });
        assert!(
            a.problems
                .iter()
                .all(|p| p.kind != caadoctor::problem::ProblemKind::Integrity),
            "{:?}",
            a.problems
        );
        black_box(Report::new(&a).to_json());
    };
    // Alternate the two in rounds, so that noise on the machine falls on both alike; the
    // median round of each for wall time, the sum for CPU time (10 ms ticks).
    let (mut wall_with, mut wall_without) = (Vec::new(), Vec::new());
    let (mut cpu_with, mut cpu_without) = (Duration::ZERO, Duration::ZERO);
    run(true);
    for _ in 0..25 {
        for (verify, wall, cpu) in [
            (true, &mut wall_with, &mut cpu_with),
            (false, &mut wall_without, &mut cpu_without),
        ] {
            let (t, c) = (std::time::Instant::now(), cpu_time());
            for _ in 0..4 {
                run(verify);
            }
            wall.push(t.elapsed() / 4);
            if let (Some(before), Some(after)) = (c, cpu_time()) {
                *cpu += after.saturating_sub(before);
            }
        }
    }
    wall_with.sort();
    wall_without.sort();
    let (with, without) = (wall_with[12], wall_without[12]);
    let bytes: usize = snapshot::from_zip_bytes("bench", &zip, &Limits::default())
        .expect("open")
        .artifacts
        .iter()
        .map(|a| a.bytes.len())
        .sum();
    let percent = |a: Duration, b: Duration| (a.as_secs_f64() / b.as_secs_f64() - 1.0) * 100.0;
    println!(
        "integrity   sample with real logs, {} KB of artifacts, open+analysis+JSON: without the check {:>8.2?}  with it {:>8.2?}  wall ratio {:.3}x ({:+.1}%)  CPU {:?} vs {:?} ({:+.1}%)",
        bytes / 1024,
        without,
        with,
        with.as_secs_f64() / without.as_secs_f64(),
        percent(with, without),
        cpu_with,
        cpu_without,
        percent(cpu_with, cpu_without),
    );
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

/// Medians of `runs` rounds, each timing every one of `parts` once in turn, so that noise
/// on a busy machine falls on all of them alike (after one warm-up round).
fn alternating<const N: usize>(runs: usize, parts: [&dyn Fn(); N]) -> [Duration; N] {
    let mut times: [Vec<Duration>; N] = std::array::from_fn(|_| Vec::with_capacity(runs));
    for round in 0..=runs {
        for (part, times) in parts.iter().zip(&mut times) {
            let t = std::time::Instant::now();
            part();
            if round > 0 {
                times.push(t.elapsed());
            }
        }
    }
    times.map(|mut t| {
        t.sort();
        t[runs / 2]
    })
}

/// The crate's JSON parse, its XML parse, its walk and ours over `bytes`, in rounds.
fn event_log_times(bytes: &[u8], runs: usize) -> [Duration; 4] {
    let selection = &*caadoctor::facts::events::SELECTED;
    alternating(
        runs,
        [
            &|| {
                black_box(crate_parse(black_box(bytes), true));
            },
            &|| {
                black_box(crate_parse(black_box(bytes), false));
            },
            &|| {
                black_box(crate_walk(black_box(bytes)));
            },
            &|| drop(black_box(eventlog::parse(black_box(bytes), selection).ok())),
        ],
    )
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
    let mut sum = [Duration::ZERO; 4];
    for (name, bytes) in &logs {
        let times = event_log_times(bytes, 31);
        for (s, t) in sum.iter_mut().zip(times) {
            *s += t;
        }
        report(name, bytes.len(), times);
    }
    let total: usize = logs.iter().map(|(_, b)| b.len()).sum();
    report("all corpus logs (sum)", total, sum);

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
    report("System 100 MB", big.len(), event_log_times(&big, 5));
}

/// One log's line: the crate's parse (the faster of JSON and XML) and its walk as floors,
/// and our time as a ratio of each.
fn report(what: &str, bytes: usize, [json, xml, walk, ours]: [Duration; 4]) {
    let floor = json.min(xml);
    println!(
        "event logs  {what} ({} KB): crate JSON {json:>8.2?}  XML {xml:>8.2?}  walk {walk:>8.2?}  caadoctor {ours:>8.2?}  = {:.2}x the walk-only floor, {:.2}x the crate's parse ({:.0} MB/s)",
        bytes >> 10,
        ours.as_secs_f64() / walk.as_secs_f64(),
        ours.as_secs_f64() / floor.as_secs_f64(),
        bytes as f64 / ours.as_secs_f64() / 1e6
    );
}
