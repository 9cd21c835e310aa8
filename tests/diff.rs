//! `caadoctor diff` through the binary: a sample against itself shows nothing (exit 0); a
//! sample against its plan applied offline (`support/simulate.rs`) shows the flips the plan
//! promised — on Windows 7, `tls12: fail → pass` with the facts of both sides — and the
//! other way round is worse (exit 1); another PC is warned about; artifacts added or missing
//! and sign-in codes logged after the first snapshot are listed; an unreadable snapshot is
//! exit 2.

mod common;
#[path = "support/simulate.rs"]
mod simulate;

use caadoctor::analysis;
use caadoctor::fix::{self, Selection};
use caadoctor::rules::{RuleSet, Status};
use caadoctor::snapshot::{self, Limits};
use common::{caadoctor, copy_dir, repo, scratch};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The sample folder after its plan, applied offline.
fn after(sample: &str, dir: &Path) -> PathBuf {
    let rules = RuleSet::builtin().unwrap();
    let folder = repo().join("samples").join(sample);
    let a = analysis::analyze(snapshot::open(&folder, &Limits::default()).unwrap(), &rules);
    let plan = fix::plan(&a, &Selection::default());
    simulate::after(&plan, &folder, &dir.join(sample))
}

fn diff(before: &str, after: &str, format: &str) -> (i32, String, String) {
    let out = caadoctor(&["diff", before, after, "--format", format]);
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn rule<'a>(d: &'a Value, id: &str) -> &'a Value {
    d["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == id)
        .unwrap_or_else(|| panic!("{id}"))
}

#[test]
fn a_sample_against_itself_shows_no_change() {
    for sample in [
        "win7-sp1-no-tls12",
        "win11-healthy",
        "win10-proxy-browser-only",
    ] {
        let zip = format!("samples/{sample}.zip");
        let (code, out, err) = diff(&zip, &zip, "json");
        assert_eq!(code, 0, "{sample}: {err}");
        let d: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(d["schema"], "caadoctor.diff/1");
        assert_eq!(d["summary"]["better"], 0);
        assert_eq!(d["summary"]["worse"], 0);
        assert_eq!(d["facts"], serde_json::json!([]), "{sample}");
        assert_eq!(d["artifacts"]["added"], serde_json::json!([]));
        assert_eq!(d["artifacts"]["missing"], serde_json::json!([]));
        assert_eq!(d["new_codes"], serde_json::json!([]));
        assert_eq!(d["warnings"], serde_json::json!([]));
        // A zip and its folder are the same snapshot too (their top folder is not a change).
        let (code, out, _) = diff(&zip, &format!("samples/{sample}"), "json");
        assert_eq!(code, 0);
        let d: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(d["artifacts"]["added"], serde_json::json!([]), "{sample}");
        assert_eq!(d["facts"], serde_json::json!([]), "{sample}");
    }
}

#[test]
fn windows_7_after_the_easy_fix_shows_tls12_fail_to_pass() {
    let dir = scratch("diff-win7");
    let fixed = after("win7-sp1-no-tls12", &dir);
    let fixed = fixed.to_str().unwrap();
    let (code, out, err) = diff("samples/win7-sp1-no-tls12.zip", fixed, "table");
    assert_eq!(code, 0, "{err}");
    let line = out
        .lines()
        .find(|l| l.contains(" tls12 "))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        line.contains("fail") && line.contains("pass") && line.contains("better"),
        "{line}"
    );
    assert!(out.contains("tls12: fail -> pass"), "{out}");
    // The facts behind it, with where each side read them.
    assert!(out.contains("tls.winhttp_tls12: false -> true"), "{out}");
    assert!(out.contains(r"DefaultSecureProtocols: not set"), "{out}");
    assert!(out.contains("dword:00000a00"), "{out}");

    let (_, json, _) = diff("samples/win7-sp1-no-tls12.zip", fixed, "json");
    let d: Value = serde_json::from_str(&json).unwrap();
    let tls12 = rule(&d, "tls12");
    assert_eq!(
        (tls12["before"].as_str(), tls12["after"].as_str()),
        (Some("fail"), Some("pass"))
    );
    assert_eq!(tls12["direction"], "better");
    let fact = d["facts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["fact"] == "tls.winhttp_tls12")
        .unwrap();
    assert_eq!(fact["before"]["value"], false);
    assert_eq!(fact["after"]["value"], true);
    assert!(!fact["before"]["evidence"].as_array().unwrap().is_empty());
    assert!(!fact["after"]["evidence"].as_array().unwrap().is_empty());

    let (_, md, _) = diff("samples/win7-sp1-no-tls12.zip", fixed, "markdown");
    assert!(md.starts_with("# caadoctor diff: WIN7-ACCT-03"));
    assert!(md.contains("| tls12 | fail | pass | better |"), "{md}");
    assert!(md.contains("### tls12: fail → pass"));

    // The other way round, a rule got worse: exit 1.
    let (code, out, _) = diff(fixed, "samples/win7-sp1-no-tls12.zip", "table");
    assert_eq!(code, 1);
    assert!(out.contains("WORSE"));
}

#[test]
fn every_samples_simulated_after_shows_the_plans_flips_and_nothing_worse() {
    let dir = scratch("diff-all");
    let rules = RuleSet::builtin().unwrap();
    let mut samples: Vec<String> = std::fs::read_dir(repo().join("samples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("manifest.json").exists())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    samples.sort();
    for sample in samples {
        let folder = repo().join("samples").join(&sample);
        let a = analysis::analyze(snapshot::open(&folder, &Limits::default()).unwrap(), &rules);
        let plan = fix::plan(&a, &Selection::default());
        if plan.actions.is_empty() {
            continue;
        }
        let fixed = simulate::after(&plan, &folder, &dir.join(&sample));
        let (code, out, err) = diff(
            &format!("samples/{sample}.zip"),
            fixed.to_str().unwrap(),
            "json",
        );
        assert_eq!(code, 0, "{sample}: {err}");
        let d: Value = serde_json::from_str(&out).unwrap();
        for r in plan.rules.iter().filter(|r| r.expect == Some(Status::Pass)) {
            let got = rule(&d, &r.rule);
            assert_eq!(got["after"], "pass", "{sample} {}", r.rule);
            assert_ne!(got["direction"], "same", "{sample} {}", r.rule);
            assert!(
                !got["facts"].as_array().unwrap().is_empty(),
                "{sample} {}: which facts moved",
                r.rule
            );
        }
        assert_eq!(d["summary"]["worse"], 0, "{sample}");
        assert_eq!(d["warnings"], serde_json::json!([]), "{sample}");
    }
}

#[test]
fn another_pc_is_warned_about() {
    let (code, out, err) = diff(
        "samples/win11-healthy.zip",
        "samples/win11-ipv6-broken.zip",
        "json",
    );
    assert_eq!(code, 1, "the ipv6 rule got worse");
    assert!(
        err.contains("warning: the snapshots come from two hosts (PC-HEALTHY-11 and PC-LAB-221)"),
        "{err}"
    );
    let d: Value = serde_json::from_str(&out).unwrap();
    assert!(d["warnings"][0].as_str().unwrap().contains("two hosts"));
    assert_eq!(rule(&d, "ipv6")["direction"], "worse");
}

#[test]
fn artifacts_added_or_missing_and_codes_logged_after_the_first_snapshot_are_listed() {
    let dir = scratch("diff-lists");
    // "Before": the sample, collected a day and a half earlier, and without its ipconfig.
    let before = dir.join("before");
    copy_dir(&repo().join("samples/win7-sp1-no-tls12"), &before);
    std::fs::remove_file(before.join("commands/ipconfig-all.txt")).unwrap();
    let manifest = before.join("manifest.json");
    let text = std::fs::read_to_string(&manifest).unwrap().replace(
        "\"started\": \"2026-11-18T15:40:27.902+01:00\"",
        "\"started\": \"2026-11-17T12:00:00.000+01:00\"",
    );
    assert!(text.contains("2026-11-17T12:00:00"));
    std::fs::write(&manifest, text).unwrap();
    let (code, out, err) = diff(
        before.to_str().unwrap(),
        "samples/win7-sp1-no-tls12",
        "json",
    );
    assert!(code == 0 || code == 1, "{err}");
    let d: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        d["artifacts"]["added"],
        serde_json::json!(["commands/ipconfig-all.txt"])
    );
    assert_eq!(d["artifacts"]["missing"], serde_json::json!([]));
    // OAlerts events of 17 Nov 18:59 and 18 Nov (twice) come after 17 Nov 11:00 UTC.
    let codes: Vec<&str> = d["new_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["event"].as_str().unwrap())
        .collect();
    assert_eq!(codes.len(), 3, "{codes:?}");
    assert!(codes.iter().all(|c| c.ends_with("0xCAA82F8F")));
    assert!(
        d["new_codes"][0]["evidence"]["locator"]
            .as_str()
            .unwrap()
            .starts_with("OAlerts record")
    );
    let (_, table, _) = diff(
        before.to_str().unwrap(),
        "samples/win7-sp1-no-tls12",
        "table",
    );
    assert!(table.contains("Sign-in failures logged after the first snapshot:"));
    assert!(table.contains("Artifacts only in the second snapshot:\n  commands/ipconfig-all.txt"));
}

#[test]
fn a_snapshot_that_cannot_be_read_is_exit_2() {
    let (code, _, err) = diff("samples/no-such.zip", "samples/win11-healthy.zip", "table");
    assert_eq!(code, 2);
    assert!(err.contains("caadoctor: error:"), "{err}");
    let out = caadoctor(&["diff", "samples/win11-healthy.zip"]);
    assert_eq!(out.status.code(), Some(2));
}
