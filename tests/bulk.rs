//! `caadoctor bulk` over generated support archives: records in input order whatever
//! `--jobs`, one error record per junk archive, and a summary that matches what the
//! generator made exactly (per rule from the samples' reviewed golden reports, per sign-in
//! code from the samples' definitions, per OS build).

#[path = "support/archives.rs"]
mod archives;
mod common;

use common::{caadoctor, json_file, json_of, repo, scratch};
use serde_json::Value;
use std::collections::BTreeMap;
use std::process::{Command, Stdio};

/// The sign-in codes each sample's logs hold (samples/generate/sample_data.py,
/// SAMPLE_EVENTS: the OAlerts code and the AAD log's code).
const SAMPLE_CODES: &[(&str, &[&str])] = &[
    ("win11-healthy", &[]),
    ("win7-sp1-no-tls12", &["0xCAA82F8F"]),
    ("win10-ncsi-probing-off", &["0xCAA70007"]),
    ("win10-proxy-browser-only", &["0xCAA70007", "0xCAA82EE2"]),
    ("win11-office-credentials", &["0xCAA20003"]),
    ("win11-second-work-account", &["0xCAA5001C"]),
    ("win10-winsock-lsp", &["0xCAA80000", "0xCAA82EFD"]),
    ("win11-updates-stalled", &["0xCAA70007"]),
    ("win11-office-updates-off", &["0xCAA70007"]),
    ("win11-adal-disabled", &["0xCAA70007"]),
    ("win11-stale-identities", &["0xCAA20003"]),
    ("win11-firewall-blocks-signin", &["0xCAA82EE2"]),
    ("win11-clock-skew", &["0xCAA82F05"]),
    ("win11-ipv6-broken", &["0xCAA82EE2"]),
    ("win11-netprofm-disabled", &["0xCAA70007"]),
    ("win11-tls-inspection", &["0xCAA82F8F"]),
];

/// A sample's reviewed golden report.
fn golden(sample: &str) -> Value {
    serde_json::from_slice(
        &std::fs::read(repo().join("tests/golden").join(format!("{sample}.json"))).unwrap(),
    )
    .unwrap()
}

/// A summary list (`caa_codes`, `os_builds`) as `key` → `archives`.
fn archives_by(list: &Value, key: &str) -> BTreeMap<String, usize> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c[key].as_str().unwrap().to_owned(),
                c["archives"].as_u64().unwrap() as usize,
            )
        })
        .collect()
}

fn lines(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn a_thousand_archives_give_950_records_50_errors_and_the_generators_counts() {
    let dir = scratch("bulk-1000");
    let made = archives::generate(&dir.join("tickets"), 1000);
    let summary_path = dir.join("summary.json");
    let page_path = dir.join("fleet.html");
    let out = caadoctor(&[
        "bulk",
        dir.join("tickets").to_str().unwrap(),
        "--jobs",
        "2",
        "--summary",
        summary_path.to_str().unwrap(),
        "--html",
        page_path.to_str().unwrap(),
    ]);
    // Some archives could not be analyzed: exit 2, and every record is still there.
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let records = lines(&out.stdout);
    assert_eq!(records.len(), 1000);
    let ok = records.iter().filter(|r| r["status"] == "ok").count();
    assert_eq!((ok, 1000 - ok), (950, 50));

    // In input order, each the archive the generator says it is.
    let mut want_rules: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut want_codes: BTreeMap<String, usize> = BTreeMap::new();
    let mut want_builds: BTreeMap<String, usize> = BTreeMap::new();
    let goldens: BTreeMap<String, Value> = SAMPLE_CODES
        .iter()
        .map(|(s, _)| ((*s).to_owned(), golden(s)))
        .collect();
    for (r, a) in records.iter().zip(&made) {
        assert_eq!(r["source"], a.path.display().to_string());
        assert_eq!(r["size"], a.bytes);
        match &a.sample {
            None => {
                assert_eq!(r["status"], "error", "{}: {r}", a.junk.unwrap());
                assert!(r["error"].as_str().is_some_and(|e| !e.is_empty()));
            }
            Some(sample) => {
                assert_eq!(r["status"], "ok", "{r}");
                assert_eq!(r["sha256"].as_str().map(str::len), Some(64));
                let g = &goldens[sample];
                for f in g["findings"].as_array().unwrap() {
                    let rule = f["rule"].as_str().unwrap().to_owned();
                    let status = f["status"].as_str().unwrap().to_owned();
                    assert_eq!(r["rules"][&rule], status.as_str(), "{sample} {rule}");
                    *want_rules.entry((rule, status)).or_default() += 1;
                }
                let codes = SAMPLE_CODES.iter().find(|(s, _)| s == sample).unwrap().1;
                for c in codes {
                    *want_codes.entry((*c).to_owned()).or_default() += 1;
                }
                let os = g["snapshot"]["os"].as_str().unwrap();
                let build = os.split("(build ").nth(1).unwrap().trim_end_matches(')');
                *want_builds.entry(build.to_owned()).or_default() += 1;
                assert!(
                    r["host"].as_str().unwrap().starts_with('N'),
                    "the renamed host: {}",
                    r["host"]
                );
            }
        }
    }

    let summary: Value = serde_json::from_slice(&std::fs::read(&summary_path).unwrap()).unwrap();
    assert_eq!(summary["schema"], "caadoctor.bulk-summary/2");
    assert_eq!(
        (
            &summary["archives"],
            &summary["analyzed"],
            &summary["errors"]
        ),
        (&Value::from(1000), &Value::from(950), &Value::from(50))
    );
    let mut got_rules: BTreeMap<(String, String), usize> = BTreeMap::new();
    for r in summary["rules"].as_array().unwrap() {
        for status in [
            "fail",
            "warn",
            "manual",
            "unknown",
            "pass",
            "not_applicable",
        ] {
            let n = r[status].as_u64().unwrap() as usize;
            if n > 0 {
                got_rules.insert(
                    (r["rule"].as_str().unwrap().to_owned(), status.to_owned()),
                    n,
                );
            }
        }
    }
    assert_eq!(got_rules, want_rules);
    assert_eq!(archives_by(&summary["caa_codes"], "code"), want_codes);
    assert_eq!(archives_by(&summary["os_builds"], "name"), want_builds);
    // Pairs of failing rules, counted here from the records themselves.
    let mut want_pairs: BTreeMap<String, usize> = BTreeMap::new();
    for r in &records {
        let mut failing: Vec<&str> = r["failing"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        failing.sort_unstable();
        for (i, a) in failing.iter().enumerate() {
            for b in &failing[i + 1..] {
                *want_pairs.entry(format!("{a}+{b}")).or_default() += 1;
            }
        }
    }
    let got_pairs: BTreeMap<String, usize> = summary["failing_together"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                format!(
                    "{}+{}",
                    p["rules"][0].as_str().unwrap(),
                    p["rules"][1].as_str().unwrap()
                ),
                p["archives"].as_u64().unwrap() as usize,
            )
        })
        .collect();
    assert!(!want_pairs.is_empty());
    assert_eq!(got_pairs, want_pairs);
    let weeks: u64 = summary["weeks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["archives"].as_u64().unwrap())
        .sum();
    assert_eq!(weeks, 950);
    assert_eq!(summary["run"]["archives_now"], 1000);
    assert_eq!(summary["run"]["errors_now"], 50);

    // The same summary and page from the records, read back whole or as seven shards.
    let records_path = dir.join("records.jsonl");
    std::fs::write(&records_path, &out.stdout).unwrap();
    let mut summary = summary;
    summary.as_object_mut().unwrap().remove("run");
    let again = dir.join("again.json");
    let again_page = dir.join("again.html");
    let fleet = caadoctor(&[
        "fleet",
        records_path.to_str().unwrap(),
        "--summary",
        again.to_str().unwrap(),
        "--html",
        again_page.to_str().unwrap(),
    ]);
    assert_eq!(
        fleet.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&fleet.stderr)
    );
    assert_eq!(json_file(&again), summary);
    assert!(
        std::fs::read(&page_path).unwrap() == std::fs::read(&again_page).unwrap(),
        "the page of `fleet` over bulk's records differs from bulk's own"
    );
    let shards = dir.join("shards");
    std::fs::create_dir_all(&shards).unwrap();
    for k in 1..=7 {
        let part = shards.join(format!("part-{k}.jsonl"));
        let out = caadoctor(&[
            "bulk",
            dir.join("tickets").to_str().unwrap(),
            "--jobs",
            "2",
            "--shard",
            &format!("{k}/7"),
            "--output",
            part.to_str().unwrap(),
            "--summary",
            shards.join(format!("_summary-{k}.json")).to_str().unwrap(),
        ]);
        assert!(matches!(out.status.code(), Some(0 | 2)));
    }
    std::fs::write(shards.join("_SUCCESS"), "").unwrap();
    let merged = dir.join("merged.json");
    let fleet = caadoctor(&[
        "fleet",
        shards.to_str().unwrap(),
        "--summary",
        merged.to_str().unwrap(),
    ]);
    assert_eq!(
        fleet.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&fleet.stderr)
    );
    assert_eq!(
        json_file(&merged),
        summary,
        "seven shards merged differ from one run"
    );
    // Ten of each junk kind, each said in its own words.
    let reasons: usize = summary["error_reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["archives"].as_u64().unwrap() as usize)
        .sum();
    assert_eq!(reasons, 50);
}

#[test]
fn records_come_in_input_order_whatever_the_jobs_and_the_formats_agree() {
    let dir = scratch("bulk-order");
    let made = archives::generate(&dir.join("in"), 60);
    let list: String = made
        .iter()
        .rev()
        .map(|a| a.path.display().to_string() + "\n")
        .collect();
    let run = |jobs: &str, format: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_caadoctor"))
            .args([
                "bulk",
                "--from-list",
                "-",
                "--jobs",
                jobs,
                "--format",
                format,
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(child.stdin.as_mut().unwrap(), list.as_bytes()).unwrap();
        drop(child.stdin.take());
        child.wait_with_output().unwrap()
    };
    let one = run("1", "jsonl");
    let four = run("4", "jsonl");
    let strip = |v: &mut Vec<Value>| {
        for r in v.iter_mut() {
            r.as_object_mut().unwrap().remove("duration_ms");
        }
    };
    let (mut a, mut b) = (lines(&one.stdout), lines(&four.stdout));
    strip(&mut a);
    strip(&mut b);
    assert_eq!(a.len(), 60);
    assert_eq!(a, b, "the same records in the same order with 1 and 4 jobs");
    // The list's order, not the folder's.
    assert_eq!(a[0]["source"], made[59].path.display().to_string());
    // Quiet on a pipe: no progress bar, just the summary table.
    let stderr = String::from_utf8_lossy(&four.stderr);
    assert!(!stderr.contains('\r') && stderr.contains("60 archives: 57 analyzed, 3 could not be"));

    let csv = run("2", "csv");
    let text = String::from_utf8(csv.stdout).unwrap();
    let rows: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(rows.len(), 61);
    assert!(rows[0].starts_with("source,format,size,sha256,status,error,host"));
    assert!(rows[0].ends_with(",identity-policy,clock-skew"));
    let cols = rows[0].split(',').count();
    for (row, rec) in rows[1..].iter().zip(&a) {
        assert!(row.starts_with(rec["source"].as_str().unwrap()));
        if rec["status"] == "ok" {
            assert_eq!(row.split(',').count(), cols, "{row}");
        }
    }
}

#[test]
fn shards_cover_the_archives_once_and_bad_usage_is_exit_2() {
    let dir = scratch("bulk-shards");
    archives::generate(&dir.join("in"), 25);
    let input = dir.join("in");
    let mut seen = Vec::new();
    for k in 1..=3 {
        let out = caadoctor(&[
            "bulk",
            input.to_str().unwrap(),
            "--shard",
            &format!("{k}/3"),
            "--jobs",
            "2",
        ]);
        for r in lines(&out.stdout) {
            seen.push(r["source"].as_str().unwrap().to_owned());
        }
    }
    // --output: the records go to the file, nothing to stdout.
    let file = dir.join("out.csv");
    let out = caadoctor(&[
        "bulk",
        input.to_str().unwrap(),
        "--format",
        "csv",
        "--output",
        file.to_str().unwrap(),
    ]);
    assert!(out.stdout.is_empty());
    let csv = std::fs::read_to_string(&file).unwrap();
    assert_eq!(csv.split("\r\n").filter(|l| !l.is_empty()).count(), 26);

    seen.sort();
    let before = seen.len();
    seen.dedup();
    assert_eq!((before, seen.len()), (25, 25));

    for args in [
        vec!["bulk"],
        vec!["bulk", "samples", "--shard", "4/3"],
        vec!["bulk", "no/such/folder"],
    ] {
        let out = caadoctor(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("caadoctor: error:"));
    }
    // Samples only: every archive analyzed, exit 0, a folder and a zip per sample.
    let out = caadoctor(&["bulk", "samples", "--format", "table"]);
    assert_eq!(out.status.code(), Some(0));
    let table = String::from_utf8(out.stdout).unwrap();
    assert_eq!(table.lines().count(), 32);
    assert!(table.contains("fails: tls12, tls-handshake, windows-updates, endpoints"));
    let _ = json_of;
}
