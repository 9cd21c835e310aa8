//! The sample snapshots end to end through the binary: golden JSON reports (reviewed by
//! hand; `UPDATE_GOLDEN=1 cargo test --test samples` rewrites them), exit codes, and the
//! same verdicts from a sample's folder as from its zip.

mod common;

use common::{caadoctor, check_golden, finding, json_of, repo, statuses};
use serde_json::Value;

/// `(rule, status)` of every finding of a sample that is neither `pass` nor
/// `not_applicable`: the sample's own cause, and its documented knock-on effects.
type Expected = &'static [(&'static str, &'static str)];

/// Reported by every complete sample: there is nothing to see from the PC for msoidcrl.
const ALWAYS: Expected = &[("msoidcrl", "manual")];

/// Windows 10 is past its end of support (October 2025): os-support warns.
const WIN10: (&str, &str) = ("os-support", "warn");

/// The user saw a 0xCAA code: every sample but the healthy one logged it (OAlerts, AAD).
const SYMPTOM: (&str, &str) = ("symptom", "warn");

/// (sample, exit code, what it reports besides pass / not_applicable, beyond `ALWAYS`).
const SAMPLES: &[(&str, i32, Expected)] = &[
    ("win11-healthy", 0, &[]),
    (
        "win7-sp1-no-tls12",
        1,
        &[
            ("tls12", "fail"),
            // Schannel 36871 (state 10013) and 36887 (alert 70) at every sign-in attempt.
            ("tls-handshake", "fail"),
            SYMPTOM,
            // Knock-ons of a Windows 7 PC without TLS 1.2: out of support, no Windows
            // updates since January 2020, Office frozen at 16.0.12527, and every HTTPS
            // endpoint failing with 12175.
            ("os-support", "warn"),
            ("windows-updates", "fail"),
            ("office-updates", "warn"),
            ("endpoints", "fail"),
            // No TLS handshake succeeds, so no certificate chain could be read.
            ("tls-inspection", "manual"),
        ],
    ),
    (
        "win10-ncsi-probing-off",
        1,
        &[("ncsi-probe", "fail"), WIN10, SYMPTOM],
    ),
    (
        "win10-proxy-browser-only",
        1,
        // Knock-on: with WinHTTP direct on a proxy-only network, the endpoints fail.
        &[("proxy", "fail"), ("endpoints", "fail"), WIN10, SYMPTOM],
    ),
    (
        "win10-winsock-lsp",
        1,
        &[("winsock", "fail"), WIN10, SYMPTOM],
    ),
    (
        "win11-office-credentials",
        1,
        // The stored credentials are also a stale-state signal.
        &[
            ("office-credentials", "fail"),
            ("activation-state", "warn"),
            SYMPTOM,
        ],
    ),
    (
        "win11-second-work-account",
        1,
        &[("work-account", "fail"), SYMPTOM],
    ),
    (
        "win11-updates-stalled",
        1,
        &[("windows-updates", "fail"), SYMPTOM],
    ),
    (
        "win11-office-updates-off",
        1,
        &[("office-updates", "fail"), SYMPTOM],
    ),
    (
        "win11-adal-disabled",
        1,
        &[("identity-policy", "fail"), SYMPTOM],
    ),
    // Licences of two other tenants, ended (RFM), next to the current one.
    (
        "win11-stale-identities",
        1,
        &[("activation-state", "fail"), SYMPTOM],
    ),
    // Every HTTPS endpoint shows Zscaler's chain.
    (
        "win11-tls-inspection",
        1,
        &[("tls-inspection", "fail"), SYMPTOM],
    ),
    (
        "win11-firewall-blocks-signin",
        1,
        &[("endpoints", "fail"), SYMPTOM],
    ),
    ("win11-clock-skew", 1, &[("clock-skew", "fail"), SYMPTOM]),
    ("win11-ipv6-broken", 1, &[("ipv6", "fail"), SYMPTOM]),
    // The System log also shows the start type changed to disabled (7040).
    (
        "win11-netprofm-disabled",
        1,
        &[("services", "fail"), SYMPTOM],
    ),
];

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
        let report = common::report_of(&zip, *code);
        assert_eq!(report["schema"], "caadoctor.report/1");
        assert_eq!(
            report["problems"],
            Value::Array(vec![]),
            "{name} reads cleanly"
        );

        let got = statuses(&report);
        let mut want: Vec<(String, String)> = Vec::new();
        for (rule, status) in expected.iter().chain(ALWAYS) {
            // A sample's own expectation overrides the default for the same rule.
            if !want.iter().any(|(r, _)| r == rule) {
                want.push(((*rule).to_owned(), (*status).to_owned()));
            }
        }
        let mut seen: Vec<(String, String)> = got
            .iter()
            .filter(|(_, st)| st != "pass" && st != "not_applicable")
            .cloned()
            .collect();
        want.sort();
        seen.sort();
        assert_eq!(
            seen, want,
            "{name}: findings other than pass / not_applicable"
        );
        assert!(
            !got.iter().any(|(_, st)| st == "unknown"),
            "{name}: a complete sample decides every rule"
        );
        assert_eq!(
            got.len(),
            19,
            "every cause of the article (and the two beyond it) is in the report"
        );

        let golden = repo().join("tests/golden").join(format!("{name}.json"));
        let text = serde_json::to_string_pretty(&report).unwrap() + "\n";
        check_golden(&golden, &text, &mut changed);
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
        let mut folder = common::report_of(&format!("samples/{name}"), *code);
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

/// A snapshot exported by hand: a subset of a sample's files, renamed, without the manifest.
/// Every verdict the data allows is still given; the rest are `unknown` and name what is
/// missing, never a `pass` without data.
#[test]
fn a_hand_exported_subset_gets_every_verdict_its_data_allows() {
    let src = repo().join("samples/win10-proxy-browser-only");
    let dir = common::scratch("hand-exported-subset");
    let picks = [
        ("registry/os-version.txt", "export1.reg"),
        ("registry/internet-settings-hklm.reg", "winhttp.txt"),
        ("registry/internet-settings-hkcu.reg", "user proxy.dat"),
        ("commands/netsh-winhttp-show-proxy.txt", "netsh.log"),
        ("commands/sc-query-nlasvc.txt", "a"),
        ("probes/connectivity.json", "probes-from-user.json"),
    ];
    for (from, to) in picks {
        std::fs::copy(src.join(from), dir.join(to)).unwrap();
    }
    let report = common::report_of(dir.to_str().unwrap(), 1);
    assert_eq!(report["problems"], Value::Array(vec![]));
    // Decided from what is there.
    assert_eq!(finding(&report, "proxy")["status"], "fail");
    assert_eq!(finding(&report, "endpoints")["status"], "fail");
    assert_eq!(finding(&report, "os-support")["status"], "warn");
    assert_eq!(finding(&report, "clock-skew")["status"], "pass");
    // Not decidable without the files left out: unknown, naming the facts.
    for rule in [
        "winsock",
        "office-credentials",
        "ncsi-probe",
        "windows-updates",
        "office-updates",
    ] {
        let f = finding(&report, rule);
        assert_eq!(f["status"], "unknown", "{rule}: {f}");
        assert!(
            !f["missing"].as_array().unwrap().is_empty(),
            "{rule} names what is missing"
        );
    }
    // No rule passes on facts the snapshot does not have.
    for f in report["findings"].as_array().unwrap() {
        if f["status"] == "pass" {
            assert!(!f["evidence"].as_array().unwrap().is_empty(), "{f}");
        }
    }
}

#[test]
fn the_event_logs_of_the_samples_confirm_the_symptom_and_the_tls_failure() {
    // OAlerts holds the article's 0xCAA70007 at five sign-in attempts; the AAD log the
    // WinHTTP timeout behind each.
    let report = common::report_of("samples/win10-proxy-browser-only.zip", 1);
    let symptom = finding(&report, "symptom");
    let message = common::message_of(&report, "symptom", "warn");
    assert!(
        message.starts_with(
            "Confirmed: 5 failed sign-in attempts (10 events) from 2026-11-20T07:14:12Z to 2026-11-22T08:20:15Z (OAlerts, Microsoft-Windows-AAD/Operational)"
        ),
        "{message}"
    );
    assert!(message.contains("0xCAA70007 (network failure before any HTTP answer) ×5"));
    let count = symptom["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["fact"] == "symptom.caa_count")
        .unwrap();
    assert_eq!(count["value"], 10);
    assert_eq!(
        count["sources"][0]["artifact"],
        "win10-proxy-browser-only/eventlogs/OAlerts.evtx"
    );

    // Windows 7 without TLS 1.2: Schannel 36871 (state 10013) at every attempt.
    let report = common::report_of("samples/win7-sp1-no-tls12.zip", 1);
    assert!(
        common::message_of(&report, "tls-handshake", "fail")
            .contains("36871 TLS client credential failed, internal error state 10013")
    );
    // The AAD log does not exist on Windows 7: the manifest says so, and it is not a problem.
    assert_eq!(report["problems"], Value::Array(vec![]));
    let facts = json_of(&caadoctor(&["facts", "samples/win7-sp1-no-tls12.zip"]));
    assert_eq!(facts["facts"]["events"]["aad_read"]["value"], false);
    assert_eq!(
        facts["facts"]["events"]["absent"]["value"],
        serde_json::json!(["Microsoft-Windows-AAD/Operational"])
    );
}
