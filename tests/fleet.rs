//! `caadoctor fleet` and `bulk --skip-known`: record files read back (junk lines located,
//! not fatal), a daily run that analyzes only the new archives and still summarizes them
//! all, and a dashboard whose hosts can be pseudonyms. The merge of seven shards into one
//! run's summary is tested over the 1,000 generated archives in tests/bulk.rs.

#[allow(dead_code)]
#[path = "support/archives.rs"]
mod archives;
mod common;

use common::{caadoctor, json_file, scratch};
use serde_json::Value;

fn without_run(mut v: Value) -> Value {
    v.as_object_mut().unwrap().remove("run");
    v
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_daily_run_analyzes_only_the_new_archives_and_summarizes_them_all() {
    let dir = scratch("fleet-skip-known");
    let store = dir.join("store");
    let made = archives::generate(&store, 40);
    // Day one: 30 archives; the record file does not exist yet.
    let later = dir.join("later");
    std::fs::create_dir_all(&later).unwrap();
    for a in &made[30..] {
        std::fs::rename(&a.path, later.join(a.path.file_name().unwrap())).unwrap();
    }
    let records = dir.join("records.jsonl");
    // Day two names the store relative to the current folder: the same archives.
    let relative = store
        .strip_prefix(common::repo())
        .expect("scratch is in the checkout")
        .to_path_buf();
    let day = |n: &str| {
        let summary = dir.join(format!("summary-{n}.json"));
        let store = if n == "2" { &relative } else { &store };
        let out = caadoctor(&[
            "bulk",
            store.to_str().unwrap(),
            "--jobs",
            "2",
            "--skip-known",
            records.to_str().unwrap(),
            "--output",
            records.to_str().unwrap(),
            "--summary",
            summary.to_str().unwrap(),
        ]);
        (out, json_file(&summary))
    };
    let (out, first) = day("1");
    assert!(
        stderr(&out).contains("does not exist yet"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("30 new archives; 0 known"),
        "{}",
        stderr(&out)
    );
    assert_eq!(first["archives"], 30);
    // Day two: ten more arrive, and one of day one's is renamed.
    for a in &made[30..] {
        let name = a.path.file_name().unwrap();
        std::fs::rename(later.join(name), store.join(name)).unwrap();
    }
    let moved = &made[0].path;
    std::fs::rename(moved, store.join("zz-renamed.zip")).unwrap();
    let (out, second) = day("2");
    assert!(
        stderr(&out).contains("10 new archives; 30 known from")
            && stderr(&out).contains("(29 by path, size and time, 1 by SHA-256)"),
        "{}",
        stderr(&out)
    );
    let lines = std::fs::read_to_string(&records).unwrap().lines().count();
    assert_eq!(lines, 40, "the new records are appended");
    assert_eq!(second["run"]["archives_now"], 10);
    assert_eq!(second["archives"], 40);
    // Old and new together are what one run over every archive says, archive for archive
    // (the renamed one counted once, under its first name).
    std::fs::rename(store.join("zz-renamed.zip"), moved).unwrap();
    let fresh = dir.join("fresh.json");
    let out = caadoctor(&[
        "bulk",
        store.to_str().unwrap(),
        "--summary",
        fresh.to_str().unwrap(),
        "--output",
        dir.join("fresh.jsonl").to_str().unwrap(),
    ]);
    assert!(matches!(out.status.code(), Some(0 | 2)));
    assert_eq!(without_run(second), without_run(json_file(&fresh)));
    // A third day with nothing new analyzes nothing.
    let (out, third) = day("3");
    assert!(
        stderr(&out).contains("0 new archives; 40 known"),
        "{}",
        stderr(&out)
    );
    assert_eq!(third["run"]["archives_now"], 0);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn skip_known_refuses_redaction_and_a_csv_append() {
    let dir = scratch("fleet-skip-known-usage");
    let records = dir.join("r.jsonl");
    std::fs::write(&records, "").unwrap();
    let sample = common::repo().join("samples/win11-healthy.zip");
    let out = caadoctor(&[
        "bulk",
        sample.to_str().unwrap(),
        "--skip-known",
        records.to_str().unwrap(),
        "--redact",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot be combined with --redact"),
        "{}",
        stderr(&out)
    );
    let out = caadoctor(&[
        "bulk",
        sample.to_str().unwrap(),
        "--skip-known",
        records.to_str().unwrap(),
        "--output",
        records.to_str().unwrap(),
        "--format",
        "csv",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--format must be jsonl"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read_to_string(&records).unwrap(), "");
}

#[test]
fn fleet_counts_what_it_can_read_and_locates_the_rest() {
    let dir = scratch("fleet-junk-lines");
    let sample = common::repo().join("samples/win10-proxy-browser-only.zip");
    let out = caadoctor(&["bulk", sample.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let record = String::from_utf8(out.stdout).unwrap();
    let file = dir.join("mixed.jsonl");
    std::fs::write(
        &file,
        format!("{record}{{\"half\": \n\u{0}\u{1}binary\n{record}"),
    )
    .unwrap();
    let out = caadoctor(&["fleet", file.to_str().unwrap(), "--summary", "-"]);
    assert_eq!(out.status.code(), Some(2), "junk lines are exit 2");
    assert!(
        stderr(&out).contains("2 lines not read as records"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("mixed.jsonl:2: not a caadoctor record"),
        "{}",
        stderr(&out)
    );
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["archives"], 2);
    assert!(summary.get("run").is_none());
    let proxy = summary["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "proxy")
        .unwrap();
    assert_eq!(proxy["fail"], 2);
    // Standard input, and a missing file.
    let out = common::caadoctor_stdin(&["fleet", "-", "--summary", "-"], record.as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = caadoctor(&["fleet", dir.join("missing.jsonl").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot read"), "{}", stderr(&out));
    // The records' own file is never overwritten by the page.
    let out = caadoctor(&[
        "fleet",
        file.to_str().unwrap(),
        "--html",
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(std::fs::read_to_string(&file).unwrap().starts_with('{'));
}

#[test]
fn a_redacted_dashboard_shows_no_host_name() {
    let dir = scratch("fleet-redact");
    let records = dir.join("r.jsonl");
    let out = caadoctor(&[
        "bulk",
        common::repo().join("samples").to_str().unwrap(),
        "--output",
        records.to_str().unwrap(),
    ]);
    assert!(matches!(out.status.code(), Some(0 | 2)));
    let text = std::fs::read_to_string(&records).unwrap();
    let hosts: Vec<String> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|r| r["host"].as_str().map(str::to_owned))
        .collect();
    assert!(hosts.len() > 10);
    let plain = dir.join("plain.html");
    let redacted = dir.join("redacted.html");
    for (page, redact) in [(&plain, false), (&redacted, true)] {
        let mut args = vec![
            "fleet",
            records.to_str().unwrap(),
            "--html",
            page.to_str().unwrap(),
        ];
        if redact {
            args.push("--redact");
        }
        assert_eq!(caadoctor(&args).status.code(), Some(0));
    }
    let (plain, redacted) = (
        std::fs::read_to_string(&plain).unwrap(),
        std::fs::read_to_string(&redacted).unwrap(),
    );
    for h in &hosts {
        assert!(plain.contains(h.as_str()), "{h}");
        assert!(
            !redacted.contains(h.as_str()),
            "{h} leaks into the redacted page"
        );
    }
    assert!(redacted.contains("host-1") && redacted.contains("\"host-2\""));
}
