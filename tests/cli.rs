//! The command line contract: subcommands, formats, rule overrides, exit codes, colour.

mod common;

use common::{caadoctor, finding, json_of, scratch};

/// Every cause of the article in its order, the symptom first, and the TLS handshake
/// failures beside TLS 1.2.
const ARTICLE_RULES: &[&str] = &[
    "symptom",
    "tls12",
    "tls-handshake",
    "tls-inspection",
    "os-support",
    "windows-updates",
    "office-updates",
    "activation-state",
    "proxy",
    "endpoints",
    "winsock",
    "ipv6",
    "services",
    "office-credentials",
    "work-account",
    "msoidcrl",
    "ncsi-probe",
    "identity-policy",
    "clock-skew",
];

#[test]
fn rules_lists_every_cause_of_the_article() {
    let out = caadoctor(&["rules", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let doc = json_of(&out);
    let ids: Vec<&str> = doc["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ARTICLE_RULES);
    let table = String::from_utf8(caadoctor(&["rules", "--facts"]).stdout).unwrap();
    assert!(table.contains("ARTICLE SECTION") && table.contains("tls.winhttp_tls12"));
}

#[test]
fn facts_prints_typed_facts_with_provenance() {
    let out = caadoctor(&["facts", "samples/win7-sp1-no-tls12.zip"]);
    assert_eq!(out.status.code(), Some(0));
    let doc = json_of(&out);
    assert_eq!(doc["schema"], "caadoctor.facts/1");
    let build = &doc["facts"]["os"]["build"];
    assert_eq!(build["value"], 7601);
    assert_eq!(
        build["evidence"][0]["artifact"],
        "win7-sp1-no-tls12/registry/os-version.txt"
    );
    assert_eq!(
        build["evidence"][0]["locator"],
        r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\CurrentBuildNumber"
    );
    assert_eq!(
        doc["facts"]["services"]["NcdAutoSetup"]["installed"]["value"],
        false
    );
}

#[test]
fn a_rules_folder_overrides_and_adds_rules() {
    let dir = scratch("rules-override");
    std::fs::write(
        dir.join("ncsi-probe.toml"),
        r#"id = "ncsi-probe"
title = "Stricter NCSI"
severity = "low"
article_section = "NCSI"
explanation = "local variant"
remediation = ["x"]

[[check]]
status = "warn"
when = "ncsi.enable_active_probing == 1"
message = "probing is {ncsi.enable_active_probing}"
"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("local-build.toml"),
        r#"id = "local-build"
title = "Build is at least 22000"
severity = "info"
article_section = "(local)"
explanation = "site policy"

[[check]]
status = "pass"
when = "os.build >= 22000"
message = "new enough"

[otherwise]
status = "not_applicable"
message = "older Windows"
"#,
    )
    .unwrap();
    let out = caadoctor(&[
        "analyze",
        "samples/win11-healthy.zip",
        "--format",
        "json",
        "--rules",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json_of(&out);
    let find = |id: &str| finding(&report, id);
    assert_eq!(find("ncsi-probe")["status"], "warn");
    assert_eq!(find("ncsi-probe")["messages"][0], "probing is 1");
    assert_eq!(find("local-build")["status"], "pass");
    assert_eq!(report["findings"].as_array().unwrap().len(), 20);
}

#[test]
fn a_bad_rule_file_is_an_error_with_file_line_and_column() {
    let dir = scratch("rules-bad");
    std::fs::write(
        dir.join("bad.toml"),
        "id = \"bad\"\ntitle = \"t\"\nseverity = \"low\"\narticle_section = \"s\"\nexplanation = \"e\"\nremediation = [\"r\"]\n\n[[check]]\nstatus = \"fail\"\nwhen = \"os.bulid > 3\"\nmessage = \"m\"\n",
    )
    .unwrap();
    let out = caadoctor(&[
        "analyze",
        "samples/win11-healthy.zip",
        "--rules",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.toml:10:9: unknown fact 'os.bulid'"),
        "{err}"
    );
    assert!(err.contains("leave out --rules"), "{err}");
}

#[test]
fn the_table_is_plain_unless_colour_is_wanted() {
    let plain = caadoctor(&["analyze", "samples/win7-sp1-no-tls12.zip"]);
    assert_eq!(plain.status.code(), Some(1));
    let text = String::from_utf8(plain.stdout).unwrap();
    assert!(
        !text.contains('\u{1b}'),
        "no escape codes when not a terminal"
    );
    assert!(text.contains("FAIL") && text.contains("What to fix") && text.contains("remediation:"));
    assert!(
        text.contains("registry/internet-settings-hklm.reg:3"),
        "evidence names file and line"
    );
    let coloured = caadoctor(&[
        "analyze",
        "samples/win7-sp1-no-tls12.zip",
        "--color",
        "always",
    ]);
    assert!(
        String::from_utf8(coloured.stdout)
            .unwrap()
            .contains('\u{1b}')
    );
}

#[test]
fn a_single_exported_file_is_a_snapshot_too() {
    let file = common::corpus().join("reg/schannel.reg");
    let report = common::report_of(file.to_str().unwrap(), 0);
    assert_eq!(report["snapshot"]["format"], "file");
    assert_eq!(report["artifacts"][0]["kind"], "reg-export");
    // Without the OS build, TLS 1.2 cannot be judged: unknown, naming what is missing.
    let tls = finding(&report, "tls12");
    assert_eq!(tls["status"], "unknown");
    assert!(
        tls["missing"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["fact"] == "tls.winhttp_tls12")
    );
}

#[test]
fn decode_explains_codes_as_people_paste_them() {
    let out = caadoctor(&["decode", "0xCAA82EFD", "-2147012867", "CAA70007", "12175"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let blocks: Vec<&str> = text
        .split("\n\n")
        .filter(|b| !b.trim().is_empty())
        .collect();
    assert_eq!(blocks.len(), 4, "{text}");
    assert!(blocks[0].starts_with("0xCAA82EFD  sign-in code, group 0xCAA8"));
    assert!(blocks[0].contains("12029 ERROR_WINHTTP_CANNOT_CONNECT"));
    assert!(blocks[0].contains("rules to look at: endpoints, proxy, msoidcrl"));
    assert!(blocks[1].starts_with("0x80072EFD  HRESULT, facility Win32"));
    assert!(blocks[2].contains("the article's code"));
    assert!(blocks[3].contains("tls12, tls-handshake"));

    let out = caadoctor(&["decode", "0xCAA5001C", "--format", "json"]);
    let doc = json_of(&out);
    assert_eq!(doc["schema"], "caadoctor.decode/1");
    assert_eq!(doc["codes"][0]["group"], "0xCAA5");
    assert_eq!(doc["codes"][0]["confirmed"], false);

    // Every rule a code points to exists.
    let rules = json_of(&caadoctor(&["rules", "--format", "json"]));
    let ids: Vec<&str> = rules["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    for code in [
        "0xCAA10001",
        "0xCAA20003",
        "0xCAA30068",
        "0xCAA5001C",
        "0xCAA70004",
        "0xCAA80000",
        "0xCAA82EE2",
        "0xCAA82EE7",
        "0xCAA82F05",
        "0xCAA82F8F",
        "0xCAA90018",
        "0xCAAD0003",
        "0x80070102",
        "0x80080300",
        "1060",
        "10107",
        "AADSTS50155",
        "AADSTS135011",
    ] {
        let doc = json_of(&caadoctor(&["decode", code, "--format", "json"]));
        for r in doc["codes"][0]["rules"].as_array().unwrap() {
            assert!(ids.contains(&r.as_str().unwrap()), "{code} points to {r}");
        }
    }

    let out = caadoctor(&["decode", "not-a-code"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a code"));
}
