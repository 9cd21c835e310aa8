//! The sample snapshots end to end through the binary: golden JSON reports (reviewed by
//! hand; `UPDATE_GOLDEN=1 cargo test --test samples` rewrites them), exit codes, and the
//! same verdicts from a sample's folder as from its zip.

mod common;

use common::{caadoctor, finding, json_of, repo};
use serde_json::Value;

/// `(rule, status)` pairs a sample must report.
type Expected = &'static [(&'static str, &'static str)];

/// (sample, exit code, the statuses of the rules this version decides).
const SAMPLES: &[(&str, i32, Expected)] = &[
    (
        "win11-healthy",
        0,
        &[
            ("office-updates", "pass"),
            ("identity-policy", "pass"),
            ("activation-state", "manual"),
            ("windows-updates", "pass"),
            ("winsock", "pass"),
            ("office-credentials", "pass"),
            ("work-account", "pass"),
            ("tls12", "pass"),
            ("os-support", "pass"),
            ("services", "pass"),
            ("ncsi-probe", "pass"),
            ("ipv6", "unknown"),
            ("msoidcrl", "manual"),
            ("proxy", "pass"),
            ("office-credentials", "pass"),
        ],
    ),
    (
        "win7-sp1-no-tls12",
        1,
        &[
            ("tls12", "fail"),
            ("os-support", "warn"),
            ("services", "pass"),
            ("ncsi-probe", "pass"),
            ("ipv6", "unknown"),
            ("msoidcrl", "manual"),
            ("proxy", "pass"),
            ("office-credentials", "pass"),
            ("work-account", "not_applicable"),
            ("windows-updates", "fail"),
            ("winsock", "pass"),
            ("office-updates", "warn"),
        ],
    ),
    (
        "win10-ncsi-probing-off",
        1,
        &[
            ("tls12", "pass"),
            ("os-support", "warn"),
            ("services", "pass"),
            ("ncsi-probe", "fail"),
            ("ipv6", "pass"),
            ("msoidcrl", "manual"),
            ("proxy", "pass"),
            ("office-credentials", "pass"),
        ],
    ),
    (
        "win10-proxy-browser-only",
        1,
        &[
            ("proxy", "fail"),
            ("tls12", "pass"),
            ("os-support", "warn"),
            ("services", "pass"),
            ("ncsi-probe", "pass"),
            ("ipv6", "pass"),
            ("msoidcrl", "manual"),
        ],
    ),
    (
        "win11-office-credentials",
        1,
        &[
            ("office-credentials", "fail"),
            ("work-account", "pass"),
            ("tls12", "pass"),
            ("proxy", "pass"),
            ("services", "pass"),
        ],
    ),
    (
        "win11-second-work-account",
        1,
        &[
            ("work-account", "fail"),
            ("office-credentials", "pass"),
            ("tls12", "pass"),
            ("proxy", "pass"),
            ("services", "pass"),
        ],
    ),
    (
        "win10-winsock-lsp",
        1,
        &[
            ("winsock", "fail"),
            ("proxy", "pass"),
            ("services", "pass"),
            ("office-credentials", "pass"),
            ("work-account", "pass"),
            ("tls12", "pass"),
            ("os-support", "warn"),
        ],
    ),
    (
        "win11-updates-stalled",
        1,
        &[
            ("windows-updates", "fail"),
            ("tls12", "pass"),
            ("os-support", "pass"),
            ("proxy", "pass"),
            ("services", "pass"),
            ("winsock", "pass"),
            ("office-credentials", "pass"),
            ("work-account", "pass"),
        ],
    ),
    (
        "win11-office-updates-off",
        1,
        &[
            ("office-updates", "fail"),
            ("identity-policy", "pass"),
            ("activation-state", "manual"),
            ("tls12", "pass"),
        ],
    ),
    (
        "win11-adal-disabled",
        1,
        &[
            ("identity-policy", "fail"),
            ("office-updates", "pass"),
            ("activation-state", "manual"),
            ("tls12", "pass"),
        ],
    ),
    (
        "win11-stale-identities",
        0,
        &[
            ("activation-state", "warn"),
            ("identity-policy", "pass"),
            ("office-updates", "pass"),
            ("office-credentials", "pass"),
        ],
    ),
    (
        "win11-netprofm-disabled",
        1,
        &[
            ("tls12", "pass"),
            ("os-support", "pass"),
            ("services", "fail"),
            ("ncsi-probe", "pass"),
            ("ipv6", "pass"),
            ("msoidcrl", "manual"),
            ("proxy", "pass"),
            ("office-credentials", "pass"),
        ],
    ),
];

/// Article causes whose parsers come later: present in every report, as unknown.
const PENDING: &[&str] = &["endpoints"];

fn statuses(report: &Value) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Replaces every string that starts with `prefix` by the rest, so zip and folder reports
/// (whose artifact paths differ by the zip's top folder) compare.
fn strip_prefix(v: &mut Value, prefix: &str) {
    match v {
        Value::String(s) => {
            if let Some(rest) = s.strip_prefix(prefix) {
                *s = rest.to_owned();
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| strip_prefix(x, prefix)),
        Value::Object(m) => m.values_mut().for_each(|x| strip_prefix(x, prefix)),
        _ => {}
    }
}

#[test]
fn sample_zips_match_their_golden_reports() {
    let mut changed = Vec::new();
    for (name, code, expected) in SAMPLES {
        let zip = format!("samples/{name}.zip");
        let out = caadoctor(&["analyze", &zip, "--format", "json"]);
        assert_eq!(
            out.status.code(),
            Some(*code),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report = json_of(&out);
        assert_eq!(report["schema"], "caadoctor.report/1");
        assert_eq!(
            report["problems"],
            Value::Array(vec![]),
            "{name} reads cleanly"
        );

        let got = statuses(&report);
        for (rule, status) in *expected {
            assert!(
                got.contains(&((*rule).to_owned(), (*status).to_owned())),
                "{name}: {rule} should be {status}: {got:?}"
            );
        }
        for rule in PENDING {
            assert!(
                got.contains(&((*rule).to_owned(), "unknown".to_owned())),
                "{name}: {rule}"
            );
        }
        assert_eq!(
            got.len(),
            15,
            "every cause of the article (and identity-policy) is in the report"
        );

        let golden = repo().join("tests/golden").join(format!("{name}.json"));
        let text = serde_json::to_string_pretty(&report).unwrap() + "\n";
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::write(&golden, &text).unwrap();
        } else if std::fs::read_to_string(&golden).ok().as_deref() != Some(text.as_str()) {
            changed.push(golden.display().to_string());
        }
    }
    assert!(
        changed.is_empty(),
        "reports differ from golden files (review, then UPDATE_GOLDEN=1): {changed:?}"
    );
}

#[test]
fn a_sample_folder_gives_the_zips_verdicts_and_evidence() {
    for (name, code, _) in SAMPLES {
        let zip = json_of(&caadoctor(&[
            "analyze",
            &format!("samples/{name}.zip"),
            "--format",
            "json",
        ]));
        let out = caadoctor(&["analyze", &format!("samples/{name}"), "--format", "json"]);
        assert_eq!(out.status.code(), Some(*code), "{name}");
        let mut folder = json_of(&out);
        let mut zip_findings = zip["findings"].clone();
        strip_prefix(&mut zip_findings, &format!("{name}/"));
        strip_prefix(&mut folder["findings"], &format!("{name}/"));
        assert_eq!(zip_findings, folder["findings"], "{name}");
        assert_eq!(folder["snapshot"]["format"], "folder");
    }
}

#[test]
fn the_legacy_sample_fails_tls12_with_registry_evidence() {
    let report = json_of(&caadoctor(&[
        "analyze",
        "samples/win7-sp1-no-tls12.zip",
        "--format",
        "json",
    ]));
    let tls = finding(&report, "tls12");
    assert_eq!(tls["status"], "fail");
    let winhttp = tls["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["fact"] == "tls.winhttp_tls12")
        .unwrap();
    assert_eq!(winhttp["value"], false);
    let source = &winhttp["sources"][0];
    assert_eq!(
        source["artifact"],
        "win7-sp1-no-tls12/registry/internet-settings-hklm.reg"
    );
    assert!(
        source["locator"]
            .as_str()
            .unwrap()
            .ends_with(r"Internet Settings\WinHttp\DefaultSecureProtocols")
    );
    assert!(source["line"].as_u64().is_some());
    assert!(!tls["remediation"].as_array().unwrap().is_empty());
    assert_eq!(report["snapshot"]["host"], "WIN7-ACCT-03");
    assert_eq!(
        report["snapshot"]["os"],
        "Windows 7 Professional SP1 (build 7601)"
    );
}
