//! `caadoctor bulk`: many support archives at once, as a stream of records and a fleet
//! summary.
//!
//! Paths are found first ([`discover`]: zips and snapshot folders under the given paths, in
//! name order, links not followed), optionally cut to one shard of a distributed run; then a
//! pool of workers analyzes them, each archive on its own ([`record`]), while the caller's
//! thread writes the records in input order. Memory stays bounded whatever the number of
//! archives: only `jobs` archives are open at once, and a finished record waits for the
//! ones before it only within a window of a few per worker.

pub mod known;
pub mod progress;
pub mod record;
pub mod summary;

use crate::fleet::Fleet;
use crate::redact::{Pseudonymizer, Seeds};
use crate::rules::RuleSet;
use crate::snapshot::Limits;
use record::Record;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// How records are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON object per line.
    Jsonl,
    /// RFC 4180 CSV with a header row: one column per rule.
    Csv,
    /// One aligned line per archive, for people.
    Table,
}

/// What discovery found besides archives.
#[derive(Debug, Default)]
pub struct Found {
    pub archives: Vec<PathBuf>,
    /// Files under the given folders that are neither zips nor snapshot folders.
    pub ignored_files: usize,
    /// Links, which are not followed.
    pub ignored_links: usize,
}

/// A folder that is one snapshot (the collector's manifest, or its registry/commands
/// folders), rather than a folder of archives.
pub fn is_snapshot_folder(dir: &Path) -> bool {
    dir.join("manifest.json").is_file()
        || dir.join("registry").is_dir()
        || dir.join("commands").is_dir()
}

fn is_zip_name(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"))
}

/// The archives under `paths`, in order: a path that is a file is an archive whatever its
/// name; a folder is one snapshot, or is searched for `.zip` files and snapshot folders.
pub fn discover(paths: &[PathBuf]) -> Result<Found, String> {
    let mut found = Found::default();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
        if meta.is_file() || is_snapshot_folder(path) {
            found.archives.push(path.clone());
        } else {
            walk(path, &mut found);
        }
    }
    Ok(found)
}

fn walk(dir: &Path, found: &mut Found) {
    let mut entries: Vec<std::fs::DirEntry> = match std::fs::read_dir(dir) {
        Ok(e) => e.flatten().collect(),
        Err(_) => return,
    };
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for e in entries {
        let path = e.path();
        match e.file_type() {
            Ok(t) if t.is_symlink() => found.ignored_links += 1,
            Ok(t) if t.is_dir() => {
                if is_snapshot_folder(&path) {
                    found.archives.push(path);
                } else {
                    walk(&path, found);
                }
            }
            Ok(t) if t.is_file() => {
                if is_zip_name(&path) {
                    found.archives.push(path);
                } else {
                    found.ignored_files += 1;
                }
            }
            _ => found.ignored_files += 1,
        }
    }
}

/// Paths listed one per line (blank lines and `#` comments skipped).
pub fn read_list(text: &str) -> Vec<PathBuf> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(PathBuf::from)
        .collect()
}

/// Parses `K/N` (1 ≤ K ≤ N).
pub fn parse_shard(text: &str) -> Result<(usize, usize), String> {
    let (k, n) = text
        .split_once('/')
        .ok_or_else(|| format!("shard '{text}' is not K/N"))?;
    let (k, n): (usize, usize) = (
        k.trim()
            .parse()
            .map_err(|_| format!("shard '{text}' is not K/N"))?,
        n.trim()
            .parse()
            .map_err(|_| format!("shard '{text}' is not K/N"))?,
    );
    if n == 0 || k == 0 || k > n {
        return Err(format!("shard '{text}': K must be between 1 and N"));
    }
    Ok((k, n))
}

/// The archives of shard `k` of `n`: every n-th, starting at the k-th, of the list in its
/// order (run every shard over the same list to cover it once).
pub fn shard(archives: Vec<PathBuf>, (k, n): (usize, usize)) -> Vec<PathBuf> {
    archives
        .into_iter()
        .enumerate()
        .filter(|(i, _)| i % n == k - 1)
        .map(|(_, p)| p)
        .collect()
}

/// Settings of a run.
pub struct Run<'a> {
    pub rules: Arc<RuleSet>,
    pub limits: Limits,
    pub jobs: usize,
    pub format: Format,
    pub progress: bool,
    pub out: &'a mut dyn Write,
    /// `--redact`: every record is pseudonymized, in input order, with the run's
    /// pseudonyms, before it is written or counted in the summary.
    pub redact: Option<&'a mut Pseudonymizer>,
    /// Where the records are counted for the summary and the dashboard (it may already
    /// hold the records of earlier runs: `--skip-known`).
    pub fleet: &'a mut Fleet,
}

/// Analyzes `archives`, writes their records in order and adds them to the run's
/// [`Fleet`]; returns how the run went.
pub fn run(archives: Vec<PathBuf>, run: Run<'_>) -> std::io::Result<summary::RunStats> {
    let started = Instant::now();
    let jobs = run.jobs.max(1);
    let rule_ids: Vec<String> = run.rules.rules.iter().map(|r| r.id.clone()).collect();
    let fleet = run.fleet;
    let mut bytes = 0;
    let mut errors = 0;
    let mut progress = progress::Progress::new(archives.len(), run.progress);
    let out = run.out;
    let mut redact = run.redact;
    let want_seeds = redact.is_some();
    if run.format == Format::Csv {
        out.write_all(record::csv_header(&rule_ids).as_bytes())?;
    }
    let total = archives.len();
    let (job_tx, job_rx) = mpsc::channel::<(usize, PathBuf)>();
    let job_rx = Arc::new(Mutex::new(job_rx));
    let (done_tx, done_rx) = mpsc::channel::<(usize, (Record, Seeds))>();
    let workers: Vec<_> = (0..jobs.min(total.max(1)))
        .map(|_| {
            let jobs = Arc::clone(&job_rx);
            let done = done_tx.clone();
            let rules = Arc::clone(&run.rules);
            let limits = run.limits;
            std::thread::spawn(move || {
                loop {
                    let next = jobs.lock().map(|rx| rx.recv());
                    let Ok(Ok((index, path))) = next else {
                        break;
                    };
                    let r = record::analyze_path_with(&path, &rules, &limits, want_seeds);
                    if done.send((index, r)).is_err() {
                        break;
                    }
                }
            })
        })
        .collect();
    drop(done_tx);

    // Hand out work only within a window ahead of the next record to write, so finished
    // records never pile up behind a slow one.
    let window = jobs * 4;
    let mut queue = archives.into_iter().enumerate();
    let mut sent = 0;
    let mut written = 0;
    let mut waiting: BTreeMap<usize, (Record, Seeds)> = BTreeMap::new();
    let mut result = Ok(());
    while written < total {
        while sent < total && sent < written + window {
            if let Some(job) = queue.next() {
                let _ = job_tx.send(job);
            }
            sent += 1;
        }
        let Ok((index, r)) = done_rx.recv() else {
            break;
        };
        waiting.insert(index, r);
        while let Some((mut r, seeds)) = waiting.remove(&written) {
            // In input order, so pseudonyms are numbered the same whatever `--jobs` is.
            if let Some(p) = redact.as_deref_mut() {
                p.redact(&seeds, &mut r);
            }
            progress.tick();
            bytes += r.size;
            errors += usize::from(!r.is_ok());
            fleet.add(&r);
            if result.is_ok() {
                result = write_record(out, &r, run.format, &rule_ids);
            }
            written += 1;
        }
    }
    drop(job_tx);
    for w in workers {
        let _ = w.join();
    }
    progress.finish();
    result?;
    if written < total {
        return Err(std::io::Error::other(format!(
            "the workers stopped after {written} of {total} archives"
        )));
    }
    out.flush()?;
    Ok(summary::RunStats::new(
        started.elapsed().as_secs_f64(),
        jobs,
        written,
        errors,
        bytes,
    ))
}

fn write_record(
    out: &mut dyn Write,
    r: &Record,
    format: Format,
    rules: &[String],
) -> std::io::Result<()> {
    let line = match format {
        Format::Jsonl => serde_json::to_string(r).unwrap_or_default() + "\n",
        Format::Csv => record::csv_row(r, rules),
        Format::Table => {
            let what = match (r.status.as_str(), &r.error) {
                ("ok", _) if r.failing.is_empty() => "no rule fails".to_owned(),
                ("ok", _) => format!("fails: {}", r.failing.join(", ")),
                (_, Some(e)) => e.clone(),
                _ => String::new(),
            };
            format!(
                "{:<6} {:<14} {:<16} {}  {}\n",
                r.status.to_uppercase(),
                r.os_build.as_deref().unwrap_or("-"),
                r.host.as_deref().unwrap_or("-"),
                r.source,
                what
            )
        }
    };
    out.write_all(line.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_split_a_list_without_overlap() {
        let list: Vec<PathBuf> = (0..10).map(|i| PathBuf::from(format!("{i}.zip"))).collect();
        let mut all = Vec::new();
        for k in 1..=3 {
            all.extend(shard(list.clone(), (k, 3)));
        }
        all.sort();
        let mut want = list.clone();
        want.sort();
        assert_eq!(all, want);
        assert_eq!(shard(list, (2, 3)).len(), 3);
        assert_eq!(parse_shard("2/4"), Ok((2, 4)));
        for bad in ["0/4", "5/4", "1/0", "x/2", "3"] {
            assert!(parse_shard(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn lists_skip_blanks_and_comments() {
        assert_eq!(
            read_list("a.zip\r\n\n# old\n  b dir/c.zip  \n"),
            vec![PathBuf::from("a.zip"), PathBuf::from("b dir/c.zip")]
        );
    }
}
