//! One archive of a bulk run: open it, analyze it, and reduce the analysis to a record of
//! what a fleet summary needs. A record never fails: an archive that cannot be opened, holds
//! nothing caadoctor can read, or breaks the analyzer is a record with `status: error` and
//! the reason.

use crate::analysis::{self, Analysis};
use crate::integrity::hex;
use crate::redact::Seeds;
use crate::rules::{RuleSet, Status};
use crate::snapshot::{self, Limits};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::time::Instant;

/// Archives up to this size are read into memory once (hashed and opened from there);
/// larger ones are hashed and opened as streams.
const IN_MEMORY: u64 = 256 << 20;
/// Problem messages kept in a record; the count says how many there were.
const MAX_PROBLEMS: usize = 10;

/// What a bulk run says about one archive. Read back by `caadoctor fleet` and
/// `bulk --skip-known`: fields added later default when an older file lacks them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Record {
    /// The path as found or as listed.
    pub source: String,
    /// `zip` or `folder`.
    pub format: String,
    /// Bytes of the zip, or of the folder's files.
    pub size: u64,
    /// Last modification (seconds since 1970, UTC) of the zip, or of the newest file of
    /// the folder: with `source` and `size`, how `--skip-known` recognises it unread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mtime: Option<i64>,
    /// Of the zip's bytes; none for a folder.
    #[serde(default)]
    pub sha256: Option<String>,
    /// `ok` (analyzed) or `error` (could not be).
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default)]
    pub host: Option<String>,
    #[serde(default)]
    pub collected_at: Option<String>,
    #[serde(default)]
    pub os: Option<String>,
    /// `26100.7171`: build and update revision.
    #[serde(default)]
    pub os_build: Option<String>,
    #[serde(default)]
    pub office_version: Option<String>,
    /// Click-to-Run's update channel (`Current`, `Monthly Enterprise`, ...).
    #[serde(default)]
    pub office_channel: Option<String>,
    /// Every rule's status, in report order.
    #[serde(default)]
    pub rules: RuleStatuses,
    /// Rules that failed, in report order.
    #[serde(default)]
    pub failing: Vec<String>,
    /// Sign-in codes seen in the event logs, most frequent first.
    #[serde(default)]
    pub caa_codes: Vec<String>,
    /// Sign-in attempts with a 0xCAA code per UTC day (`2026-11-18` → 3), from Office's
    /// alerts and the AAD log, as the report's timeline counts them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sign_in_days: BTreeMap<String, usize>,
    /// How many problems the analysis met, and the first of them.
    #[serde(default)]
    pub problem_count: usize,
    #[serde(default)]
    pub problems: Vec<String>,
    #[serde(default)]
    pub duration_ms: u64,
    /// Written with `--redact`: names, addresses and ids are pseudonyms.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub redacted: bool,
}

impl Record {
    fn error(source: &str, format: &str, size: u64, sha256: Option<String>) -> Self {
        Record {
            source: source.to_owned(),
            format: format.to_owned(),
            size,
            mtime: None,
            sha256,
            status: "error".to_owned(),
            error: None,
            host: None,
            collected_at: None,
            os: None,
            os_build: None,
            office_version: None,
            office_channel: None,
            rules: RuleStatuses::default(),
            failing: Vec::new(),
            caa_codes: Vec::new(),
            sign_in_days: BTreeMap::new(),
            problem_count: 0,
            problems: Vec::new(),
            duration_ms: 0,
            redacted: false,
        }
    }

    /// Whether the archive was analyzed.
    pub fn is_ok(&self) -> bool {
        self.status == "ok"
    }

    /// The status of `rule`, if the archive was analyzed.
    pub fn rule_status(&self, rule: &str) -> Option<&str> {
        self.rules.get(rule)
    }
}

/// Rule → status, in report order: a JSON object on the wire, a short list in memory (no
/// hashing per record, which reading a million records back would pay for).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleStatuses(Vec<(String, String)>);

impl RuleStatuses {
    /// Sets `rule`'s status (replacing an earlier one).
    pub fn insert(&mut self, rule: String, status: String) {
        match self.0.iter_mut().find(|(r, _)| *r == rule) {
            Some(entry) => entry.1 = status,
            None => self.0.push((rule, status)),
        }
    }

    pub fn get(&self, rule: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(r, _)| r == rule)
            .map(|(_, s)| s.as_str())
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(r, s)| (r.as_str(), s.as_str()))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for RuleStatuses {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (rule, status) in &self.0 {
            map.serialize_entry(rule, status)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for RuleStatuses {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = RuleStatuses;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of rule statuses")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<RuleStatuses, A::Error> {
                let mut out = RuleStatuses(Vec::with_capacity(map.size_hint().unwrap_or(20)));
                // As written: `bulk` writes each rule once (a repeated key would be found
                // by its first entry).
                while let Some(entry) = map.next_entry::<String, String>()? {
                    out.0.push(entry);
                }
                Ok(out)
            }
        }
        d.deserialize_map(Visitor)
    }
}

/// The SHA-256 of a file, read in blocks.
pub fn hash_file(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

/// Seconds since 1970 of a file's last modification.
pub fn mtime_of(meta: &std::fs::Metadata) -> Option<i64> {
    let t = meta.modified().ok()?;
    Some(match t.duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    })
}

/// Bytes of the files under a folder (links not followed), and the newest modification.
pub fn folder_size(dir: &Path) -> (u64, Option<i64>) {
    let mut total = 0;
    let mut newest: Option<i64> = None;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            match e.file_type() {
                Ok(t) if t.is_dir() => stack.push(e.path()),
                Ok(t) if t.is_file() => {
                    if let Ok(m) = e.metadata() {
                        total += m.len();
                        newest = newest.max(mtime_of(&m));
                    }
                }
                _ => {}
            }
        }
    }
    (total, newest)
}

/// Opens, analyzes and summarizes one archive (a zip or a snapshot folder). One broken
/// archive must not stop a run of thousands: a panic while opening or analyzing it becomes
/// its error record.
pub fn analyze_path(path: &Path, rules: &RuleSet, limits: &Limits) -> Record {
    analyze_path_with(path, rules, limits, false).0
}

/// [`analyze_path`], and with `seeds` the identifying values of the archive's snapshot,
/// for `--redact` (the caller pseudonymizes records in input order).
pub fn analyze_path_with(
    path: &Path,
    rules: &RuleSet,
    limits: &Limits,
    seeds: bool,
) -> (Record, Seeds) {
    let started = Instant::now();
    let source = path.display().to_string();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        open_and_analyze(path, &source, rules, limits, seeds)
    }));
    let (mut record, seeds) = result.unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown".to_owned());
        let format = if path.is_dir() { "folder" } else { "zip" };
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        let mut r = Record::error(&source, format, size, None);
        r.error = Some(format!(
            "the analyzer failed on it ({what}); please report this archive"
        ));
        (r, Seeds::default())
    });
    record.duration_ms = started.elapsed().as_millis() as u64;
    (record, seeds)
}

fn open_and_analyze(
    path: &Path,
    source: &str,
    rules: &RuleSet,
    limits: &Limits,
    seeds: bool,
) -> (Record, Seeds) {
    let none = |r: Record| (r, Seeds::default());
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => {
            let mut r = Record::error(source, "zip", 0, None);
            r.error = Some(format!("cannot read it: {e}"));
            return none(r);
        }
    };
    if meta.is_dir() {
        let (size, mtime) = folder_size(path);
        let (mut r, s) = match snapshot::open(path, limits) {
            Ok(snap) => from_snapshot(snap, source, "folder", size, None, rules, seeds),
            Err(e) => {
                let mut r = Record::error(source, "folder", size, None);
                r.error = Some(e.reason);
                none(r)
            }
        };
        r.mtime = mtime;
        return (r, s);
    }
    let size = meta.len();
    let mtime = mtime_of(&meta);
    let opened = if size <= IN_MEMORY {
        std::fs::read(path).map(|bytes| {
            let sha = hex(&Sha256::digest(&bytes));
            let snap = if snapshot::looks_like_zip(&bytes) {
                snapshot::from_zip_bytes(source, &bytes, limits).map_err(|e| e.reason)
            } else {
                Err("not a zip archive".to_owned())
            };
            (sha, snap)
        })
    } else {
        hash_file(path).map(|sha| {
            let snap = snapshot::open(path, limits).map_err(|e| e.reason);
            (sha, snap)
        })
    };
    let (mut r, s) = match opened {
        Ok((sha, Ok(snap))) => from_snapshot(snap, source, "zip", size, Some(sha), rules, seeds),
        Ok((sha, Err(reason))) => {
            let mut r = Record::error(source, "zip", size, Some(sha));
            r.error = Some(reason);
            none(r)
        }
        Err(e) => {
            let mut r = Record::error(source, "zip", size, None);
            r.error = Some(format!("cannot read it: {e}"));
            none(r)
        }
    };
    r.mtime = mtime;
    (r, s)
}

fn from_snapshot(
    snap: snapshot::Snapshot,
    source: &str,
    format: &'static str,
    size: u64,
    sha256: Option<String>,
    rules: &RuleSet,
    seeds: bool,
) -> (Record, Seeds) {
    let analysis = analysis::analyze(snap, rules);
    let seeds = if seeds {
        crate::redact::seeds::collect(&analysis)
    } else {
        Seeds::default()
    };
    let mut record = Record::error(source, format, size, sha256);
    fill(&mut record, &analysis);
    match &analysis.nothing_read {
        Some(what) => {
            record.status = "error".to_owned();
            record.error = Some(format!("holds no readable snapshot artifact ({what})"));
        }
        None => record.status = "ok".to_owned(),
    }
    (record, seeds)
}

fn fill(r: &mut Record, a: &Analysis) {
    r.host = a.snapshot.host.clone();
    r.collected_at = a.snapshot.collected_at.clone();
    r.os = a.snapshot.os.clone();
    let f = &a.facts;
    r.os_build = f.os.build.as_ref().map(|b| match &f.os.ubr {
        Some(u) => format!("{}.{}", b.value, u.value),
        None => b.value.to_string(),
    });
    r.office_version = f.office.version.as_ref().map(|v| v.value.clone());
    r.office_channel = f.office.channel.as_ref().map(|v| v.value.clone());
    for finding in &a.findings {
        r.rules
            .insert(finding.rule.clone(), finding.status.as_str().to_owned());
        if finding.status == Status::Fail {
            r.failing.push(finding.rule.clone());
        }
    }
    // `0xCAA70007 (network failure ...) ×5` → `0xCAA70007`.
    r.caa_codes = f
        .symptom
        .caa_codes
        .as_ref()
        .map(|c| {
            c.value
                .iter()
                .filter_map(|s| s.split_whitespace().next().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    for attempt in crate::facts::attempts::of_logs(&a.inputs.event_logs) {
        if let Some(day) = crate::date::Date::from_days(attempt.time.div_euclid(86_400)) {
            *r.sign_in_days.entry(day.to_string()).or_default() += 1;
        }
    }
    r.problem_count = a.problems.len();
    r.problems = a
        .problems
        .iter()
        .take(MAX_PROBLEMS)
        .map(ToString::to_string)
        .collect();
}

/// The CSV header for records of `rules` (one column per rule, in report order).
pub fn csv_header(rules: &[String]) -> String {
    let mut cols: Vec<String> = [
        "source",
        "format",
        "size",
        "sha256",
        "status",
        "error",
        "host",
        "collected_at",
        "os",
        "os_build",
        "office_version",
        "office_channel",
        "failing",
        "caa_codes",
        "problem_count",
        "duration_ms",
        "mtime",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    cols.extend(rules.iter().cloned());
    cols.iter()
        .map(|c| csv_field(c))
        .collect::<Vec<_>>()
        .join(",")
        + "\r\n"
}

/// One CSV row (RFC 4180: quoted when needed, CRLF).
pub fn csv_row(r: &Record, rules: &[String]) -> String {
    let opt = |o: &Option<String>| o.clone().unwrap_or_default();
    let mut cells = vec![
        r.source.clone(),
        r.format.clone(),
        r.size.to_string(),
        opt(&r.sha256),
        r.status.clone(),
        opt(&r.error),
        opt(&r.host),
        opt(&r.collected_at),
        opt(&r.os),
        opt(&r.os_build),
        opt(&r.office_version),
        opt(&r.office_channel),
        r.failing.join(";"),
        r.caa_codes.join(";"),
        r.problem_count.to_string(),
        r.duration_ms.to_string(),
        r.mtime.map(|t| t.to_string()).unwrap_or_default(),
    ];
    cells.extend(
        rules
            .iter()
            .map(|rule| r.rule_status(rule).unwrap_or_default().to_owned()),
    );
    cells
        .iter()
        .map(|c| csv_field(c))
        .collect::<Vec<_>>()
        .join(",")
        + "\r\n"
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_only_when_needed() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
    }

    #[test]
    fn a_file_that_is_not_a_zip_is_an_error_record() {
        let dir = std::env::temp_dir().join(format!("caadoctor-bulk-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("junk.zip");
        std::fs::write(&path, b"this is not a zip").unwrap();
        let rules = RuleSet::builtin().unwrap();
        let r = analyze_path(&path, &rules, &Limits::default());
        assert_eq!(r.status, "error");
        assert_eq!(r.error.as_deref(), Some("not a zip archive"));
        assert_eq!(r.size, 17);
        assert_eq!(
            r.sha256.as_deref(),
            Some("6cc4c9e4b30aabdd3d97c660e0008c6171768ea667ee7f2e3ceccc5ede802a08")
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
