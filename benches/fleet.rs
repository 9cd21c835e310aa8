//! The fleet view at scale, as ratios against baselines of the same run (the machine is
//! noisy):
//!
//! * `caadoctor fleet` over 1,000,000 records (the samples' records under new sources,
//!   hosts among 200,000 and collection times over a year): summary only, and summary +
//!   dashboard, against the floor of reading the file and parsing every line into a
//!   record; the page's size; peak RSS over 100,000 and 1,000,000 records (with GNU time),
//!   which must not grow with the records for the summary alone.
//! * `bulk --skip-known` over 10,000 archives of which 100 are new, against `bulk` over
//!   those 100 alone (the 9,900 known records are the samples' records with the known
//!   archives' source, size and modification time).
//!
//! Run: `cargo bench --bench fleet [fleet|skip]` (`CAADOCTOR_BENCH_RECORDS` sets the record
//! count, default 1,000,000).

#[allow(dead_code)]
#[path = "../tests/support/archives.rs"]
mod archives;

mod support;

use caadoctor::bulk::record::{self, Record};
use std::ffi::OsStr;
use std::fmt::Write as _;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::peak_rss_kb;

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target/bench-scratch")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn caadoctor(args: &[&OsStr]) -> Duration {
    let t = Instant::now();
    let status = Command::new(env!("CARGO_BIN_EXE_caadoctor"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run caadoctor");
    assert!(matches!(status.code(), Some(0 | 2)), "{args:?}");
    t.elapsed()
}

/// The records of the sample zips, as `bulk` writes them.
fn sample_records() -> Vec<Record> {
    let samples = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples");
    let out = Command::new(env!("CARGO_BIN_EXE_caadoctor"))
        .arg("bulk")
        .arg(&samples)
        .output()
        .expect("bulk over the samples");
    out.stdout
        .lines()
        .map(|l| serde_json::from_str(&l.unwrap()).unwrap())
        .collect()
}

fn write_records(path: &Path, n: usize, templates: &[Record]) {
    let mut rng = archives::Rng(0x00F1_EE75);
    let mut text = String::with_capacity(1 << 26);
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for i in 0..n {
        let mut r = templates[i % templates.len()].clone();
        r.source = format!("/store/2026/ticket-{i:07}.zip");
        r.host = Some(format!("PC-{:06}", rng.next() % 200_000));
        let day = rng.next() % 365;
        r.collected_at = Some(format!(
            "2026-{:02}-{:02}T{:02}:{:02}:00Z",
            1 + day / 31,
            1 + day % 28,
            rng.next() % 24,
            rng.next() % 60
        ));
        r.sha256 = Some(format!("{:016x}{:048x}", rng.next(), i));
        let _ = writeln!(text, "{}", serde_json::to_string(&r).unwrap());
        if text.len() > 1 << 25 {
            std::io::Write::write_all(&mut file, text.as_bytes()).unwrap();
            text.clear();
        }
    }
    std::io::Write::write_all(&mut file, text.as_bytes()).unwrap();
}

/// The floor: read the file and parse every line into a record.
fn parse_only(path: &Path) -> usize {
    let f = std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(path).unwrap());
    f.lines()
        .map(|l| serde_json::from_str::<Record>(&l.unwrap()).map_or(0, |r| r.rules.len()))
        .sum()
}

fn fleet_bench() {
    let n: usize = std::env::var("CAADOCTOR_BENCH_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = scratch("bench-fleet");
    let templates = sample_records();
    let big = dir.join("records.jsonl");
    let small = dir.join("records-100k.jsonl");
    write_records(&big, n, &templates);
    write_records(&small, n / 10, &templates);
    let bytes = std::fs::metadata(&big).unwrap().len();
    println!(
        "fleet over {n} records ({:.0} MB of JSON lines)",
        bytes as f64 / 1e6
    );
    let summary = dir.join("summary.json");
    let page = dir.join("fleet.html");
    let (mut floor, mut only, mut both) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..3 {
        let t = Instant::now();
        std::hint::black_box(parse_only(&big));
        floor.push(t.elapsed());
        only.push(caadoctor(&[
            OsStr::new("fleet"),
            big.as_os_str(),
            OsStr::new("--summary"),
            summary.as_os_str(),
        ]));
        both.push(caadoctor(&[
            OsStr::new("fleet"),
            big.as_os_str(),
            OsStr::new("--summary"),
            summary.as_os_str(),
            OsStr::new("--html"),
            page.as_os_str(),
        ]));
    }
    let min = |v: &[Duration]| *v.iter().min().unwrap();
    let (floor, only, both) = (min(&floor), min(&only), min(&both));
    println!("  floor (read + parse every record)  {floor:>10.2?}");
    println!(
        "  fleet --summary                    {only:>10.2?}  {:.2}x the floor",
        only.as_secs_f64() / floor.as_secs_f64()
    );
    println!(
        "  fleet --summary --html             {both:>10.2?}  {:.2}x the floor",
        both.as_secs_f64() / floor.as_secs_f64()
    );
    println!(
        "  page                               {:>7.1} MB",
        std::fs::metadata(&page).unwrap().len() as f64 / 1e6
    );
    let rss = |file: &Path, html: bool| {
        let mut args: Vec<&OsStr> = vec![
            OsStr::new("fleet"),
            file.as_os_str(),
            OsStr::new("--summary"),
            summary.as_os_str(),
        ];
        if html {
            args.extend([OsStr::new("--html"), page.as_os_str()]);
        }
        peak_rss_kb(&args)
    };
    match (
        rss(&small, false),
        rss(&big, false),
        rss(&small, true),
        rss(&big, true),
    ) {
        (Some(a), Some(b), Some(c), Some(d)) => {
            println!(
                "  peak RSS, summary only: {} KiB for {} records, {} KiB for {n} ({:.2}x)",
                a,
                n / 10,
                b,
                b as f64 / a as f64
            );
            println!(
                "  peak RSS, with the page: {} KiB for {} records, {} KiB for {n} ({:.2}x)",
                c,
                n / 10,
                d,
                d as f64 / c as f64
            );
        }
        _ => println!("  peak RSS not measured: /usr/bin/time (GNU time) is not installed"),
    }
}

fn skip_bench() {
    let dir = scratch("bench-skip-known");
    let store = dir.join("store");
    let t = Instant::now();
    let made = archives::generate(&store, 10_000);
    println!(
        "skip-known: 10,000 archives generated in {:.1?}",
        t.elapsed()
    );
    let templates = sample_records();
    // The last 100 are new: their paths go to a list for the baseline.
    let (known, new) = made.split_at(made.len() - 100);
    let mut text = String::new();
    for (i, a) in known.iter().enumerate() {
        let mut r = templates[i % templates.len()].clone();
        let meta = std::fs::metadata(&a.path).unwrap();
        r.source = a.path.display().to_string();
        r.size = meta.len();
        r.mtime = record::mtime_of(&meta);
        r.sha256 = None;
        let _ = writeln!(text, "{}", serde_json::to_string(&r).unwrap());
    }
    let records = dir.join("known.jsonl");
    std::fs::write(&records, text).unwrap();
    let list = dir.join("new.txt");
    let paths: Vec<String> = new.iter().map(|a| a.path.display().to_string()).collect();
    std::fs::write(&list, paths.join("\n")).unwrap();
    let summary = dir.join("summary.json");
    let out = dir.join("out.jsonl");
    let skip = || {
        caadoctor(&[
            OsStr::new("bulk"),
            store.as_os_str(),
            OsStr::new("--jobs"),
            OsStr::new("2"),
            OsStr::new("--skip-known"),
            records.as_os_str(),
            OsStr::new("--output"),
            out.as_os_str(),
            OsStr::new("--summary"),
            summary.as_os_str(),
        ])
    };
    let alone = || {
        caadoctor(&[
            OsStr::new("bulk"),
            OsStr::new("--from-list"),
            list.as_os_str(),
            OsStr::new("--jobs"),
            OsStr::new("2"),
            OsStr::new("--output"),
            out.as_os_str(),
            OsStr::new("--summary"),
            summary.as_os_str(),
        ])
    };
    skip();
    let got = std::fs::read_to_string(&out).unwrap().lines().count();
    assert_eq!(
        got, 100,
        "skip-known analyzed {got} archives, not the 100 new"
    );
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        a.push(alone());
        b.push(skip());
    }
    let min = |v: &[Duration]| *v.iter().min().unwrap();
    let (a, b) = (min(&a), min(&b));
    println!("  the 100 new alone                  {a:>10.2?}");
    println!(
        "  10,000 with --skip-known           {b:>10.2?}  {:.2}x",
        b.as_secs_f64() / a.as_secs_f64()
    );
}

fn main() {
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let wanted = |name: &str| only.is_empty() || only.iter().any(|o| o == name);
    if wanted("fleet") {
        fleet_bench();
    }
    if wanted("skip") {
        skip_bench();
    }
}
