//! `caadoctor bulk`, measured in one run (ratios against baselines of the same run; the
//! machine is noisy):
//!
//! * throughput over generated archives (tests/support/archives.rs: the samples under new
//!   names, some with attachments, 5% junk) at `--jobs 1` and `--jobs 2`: archives/s, MB/s,
//!   and the speed-up;
//! * one archive, analyzed as bulk does it (read, SHA-256, open, analyze, record) against
//!   the floor of reading and inflating it plus the `evtx` crate's bare parse of its logs:
//!   a sample as it is (one-chunk logs), and the same sample with real logs of real size
//!   (the corpus' System, OAlerts and Application logs in place of its own);
//! * peak RSS of the binary over 1,000 archives against 10 (with GNU time, when present).
//!
//! Run: `cargo bench --bench bulk` (CAADOCTOR_BENCH_ARCHIVES sets the throughput count,
//! default 600).

#[allow(dead_code)]
#[path = "../tests/support/archives.rs"]
mod archives;

mod support;

use caadoctor::bulk::{self, Format, Run};
use caadoctor::rules::RuleSet;
use caadoctor::snapshot::Limits;
use std::hint::black_box;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{corpus, median};

fn run_bulk(archives: &[PathBuf], rules: &Arc<RuleSet>, jobs: usize) -> Duration {
    let mut sink = std::io::sink();
    let ids: Vec<String> = rules.rules.iter().map(|r| r.id.clone()).collect();
    let mut fleet = caadoctor::fleet::Fleet::new(&ids, false);
    let t = Instant::now();
    let run = bulk::run(
        archives.to_vec(),
        Run {
            rules: Arc::clone(rules),
            limits: Limits::default(),
            jobs,
            format: Format::Jsonl,
            progress: false,
            out: &mut sink,
            redact: None,
            fleet: &mut fleet,
        },
    )
    .expect("run");
    black_box((run, fleet.finish(None)));
    t.elapsed()
}

/// Reading the zip, inflating every member, and the evtx crate's parse of each log.
fn floor(path: &Path) {
    let bytes = std::fs::read(path).expect("archive");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).expect("zip");
    for i in 0..archive.len() {
        let mut member = archive.by_index(i).expect("member");
        let mut data = Vec::new();
        member.read_to_end(&mut data).expect("inflate");
        if data.starts_with(b"ElfFile\0") {
            let mut parser = evtx::EvtxParser::from_buffer(data).expect("evtx");
            black_box(parser.records_json().filter(Result::is_ok).count());
        } else {
            black_box(data);
        }
    }
}

/// The sample with the corpus' real System, OAlerts and Application logs in place of its own.
fn with_real_logs(sample: &Path, out: &Path) {
    use std::io::Write;
    let real = [
        ("System.evtx", "system.evtx"),
        ("OAlerts.evtx", "OAlerts.evtx"),
        ("Application.evtx", "Application_no_crc32.evtx"),
    ];
    let bytes = std::fs::read(sample).expect("sample");
    let mut src = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).expect("zip");
    let mut w = zip::ZipWriter::new(std::fs::File::create(out).expect("out"));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..src.len() {
        let mut member = src.by_index(i).expect("member");
        let name = member.name().expect("name").into_owned();
        let mut data = Vec::new();
        member.read_to_end(&mut data).expect("inflate");
        if let Some((_, file)) = real.iter().find(|(n, _)| name.ends_with(n)) {
            data = std::fs::read(corpus().join("evtx").join(file)).expect("corpus log");
        }
        w.start_file(name.as_str(), options).expect("entry");
        w.write_all(&data).expect("write");
    }
    w.finish().expect("zip");
}

fn peak_rss_kb(dir: &Path) -> Option<u64> {
    let args: [&std::ffi::OsStr; 6] = [
        "bulk".as_ref(),
        dir.as_os_str(),
        "--jobs".as_ref(),
        "2".as_ref(),
        "--summary".as_ref(),
        "/dev/null".as_ref(),
    ];
    support::peak_rss_kb(&args)
}

fn main() {
    let n: usize = std::env::var("CAADOCTOR_BENCH_ARCHIVES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(600);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-bulk");
    let _ = std::fs::remove_dir_all(&root);
    let made = archives::generate(&root.join("many"), n);
    let paths: Vec<PathBuf> = made.iter().map(|a| a.path.clone()).collect();
    let bytes: u64 = made.iter().map(|a| a.bytes).sum();
    let rules = Arc::new(RuleSet::builtin().expect("rules"));

    // Alternate the two settings, three rounds each, and keep each one's best.
    let mut one = Duration::MAX;
    let mut two = Duration::MAX;
    for _ in 0..5 {
        one = one.min(run_bulk(&paths, &rules, 1));
        two = two.min(run_bulk(&paths, &rules, 2));
    }
    let rate = |d: Duration| {
        (
            n as f64 / d.as_secs_f64(),
            bytes as f64 / 1e6 / d.as_secs_f64(),
        )
    };
    let (a1, m1) = rate(one);
    let (a2, m2) = rate(two);
    println!(
        "throughput  {n} archives, {:.1} MB: --jobs 1 {:>7.2?} ({a1:.0} archives/s, {m1:.1} MB/s)  --jobs 2 {:>7.2?} ({a2:.0} archives/s, {m2:.1} MB/s)  speed-up {:.2}x",
        bytes as f64 / 1e6,
        one,
        two,
        one.as_secs_f64() / two.as_secs_f64()
    );

    let sample =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples/win11-firewall-blocks-signin.zip");
    let realistic = root.join("realistic.zip");
    with_real_logs(&sample, &realistic);
    let limits = Limits::default();
    for (label, path) in [("sample as it is", &sample), ("with real logs", &realistic)] {
        let runs = 31;
        let base = median(runs, || floor(black_box(path)));
        let ours = median(runs, || {
            black_box(bulk::record::analyze_path(black_box(path), &rules, &limits));
        });
        println!(
            "one archive {label} ({} KB): floor (read+inflate+evtx parse) {:>8.2?}  bulk record {:>8.2?}  ratio {:.2}x",
            std::fs::metadata(path).map(|m| m.len() / 1024).unwrap_or(0),
            base,
            ours,
            ours.as_secs_f64() / base.as_secs_f64()
        );
    }

    let small = archives::generate(&root.join("ten"), 10);
    let _ = small;
    let big_dir = root.join("thousand");
    archives::generate(&big_dir, 1000);
    match (peak_rss_kb(&root.join("ten")), peak_rss_kb(&big_dir)) {
        (Some(a), Some(b)) => println!(
            "peak RSS    10 archives {a} KB  1,000 archives {b} KB  ratio {:.2}x",
            b as f64 / a as f64
        ),
        _ => println!("peak RSS    not measured: /usr/bin/time (GNU time) is not installed"),
    }
    let _ = std::fs::remove_dir_all(&root);
}
