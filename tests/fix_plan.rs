//! `caadoctor fix`'s plan, proven without Windows: each sample's plan holds the actions its
//! findings call for (and only for `fail`/`warn`), a policy's value goes to IT, and the plan
//! applied offline to a copy of the sample (`support/simulate.rs`) makes every rule it
//! targets pass and changes no other verdict — the actions change exactly the facts the
//! rules judge. The plans' JSON is checked in as golden files (`tests/golden/fix/`;
//! `UPDATE_GOLDEN=1 cargo test --test fix_plan` rewrites them after a review).

mod common;
#[path = "support/simulate.rs"]
mod simulate;

use caadoctor::analysis::{self, Analysis};
use caadoctor::fix::{self, Handling, Plan, Selection};
use caadoctor::rules::{RuleSet, Status};
use caadoctor::snapshot::{self, Limits};
use common::{caadoctor, check_golden, copy_dir, json_of, repo, scratch};
use std::path::Path;

fn analyze(path: &Path) -> Analysis {
    let rules = RuleSet::builtin().unwrap();
    analysis::analyze(snapshot::open(path, &Limits::default()).unwrap(), &rules)
}

fn plan_of(sample: &str) -> (Analysis, Plan) {
    let a = analyze(&repo().join("samples").join(sample));
    let plan = fix::plan(&a, &Selection::default());
    (a, plan)
}

/// The sample folders.
fn samples() -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(repo().join("samples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && p.join("manifest.json").exists())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    out.sort();
    out
}

/// A sample, its plan's action ids in order, and how rules of its findings are handled.
type Expected = (
    &'static str,
    &'static [&'static str],
    &'static [(&'static str, Handling)],
);

const PLANS: &[Expected] = &[
    ("win11-healthy", &[], &[]),
    (
        "win7-sp1-no-tls12",
        &[
            "tls12-kb3140245",
            "tls12-winhttp",
            "tls12-winhttp-wow64",
            "tls12-schannel-tls11-disabledbydefault",
            "tls12-schannel-tls12-disabledbydefault",
            "tls12-internet-options",
            "office-updates-update-now",
            "windows-updates-open",
        ],
        &[
            ("tls12", Handling::ScriptAndUser),
            ("office-updates", Handling::User),
            ("windows-updates", Handling::User),
            ("tls-handshake", Handling::None),
            ("endpoints", Handling::None),
        ],
    ),
    (
        "win10-ncsi-probing-off",
        &[],
        &[("ncsi-probe", Handling::AskIt)],
    ),
    (
        "win10-proxy-browser-only",
        &["proxy-winhttp"],
        &[("proxy", Handling::Script)],
    ),
    (
        "win10-winsock-lsp",
        &["winsock-reset"],
        &[("winsock", Handling::Script)],
    ),
    (
        "win11-adal-disabled",
        &["identity-enableadal", "identity-disableaadwam"],
        &[("identity-policy", Handling::Script)],
    ),
    ("win11-clock-skew", &[], &[("clock-skew", Handling::None)]),
    (
        "win11-firewall-blocks-signin",
        &[],
        &[("endpoints", Handling::None)],
    ),
    (
        "win11-ipv6-broken",
        &["ipv6-prefer-ipv4"],
        &[("ipv6", Handling::Script)],
    ),
    (
        "win11-netprofm-disabled",
        &["services-netprofm"],
        &[("services", Handling::Script)],
    ),
    (
        "win11-office-credentials",
        &[
            "office-credential-1",
            "office-credential-2",
            "activation-state-identities",
            "activation-state-licenses",
            "activation-state-licensing",
        ],
        &[
            ("office-credentials", Handling::Script),
            ("activation-state", Handling::Script),
        ],
    ),
    (
        "win11-office-updates-off",
        &[],
        &[("office-updates", Handling::AskIt)],
    ),
    (
        "win11-second-work-account",
        &["work-account-open"],
        &[("work-account", Handling::User)],
    ),
    (
        "win11-stale-identities",
        &[
            "activation-state-identities",
            "activation-state-licenses",
            "activation-state-licensing",
        ],
        &[("activation-state", Handling::Script)],
    ),
    (
        "win11-tls-inspection",
        &[],
        &[("tls-inspection", Handling::None)],
    ),
    (
        "win11-updates-stalled",
        &["windows-updates-open"],
        &[("windows-updates", Handling::User)],
    ),
];

#[test]
fn each_samples_plan_holds_the_actions_its_findings_call_for() {
    assert_eq!(
        samples(),
        {
            let mut s: Vec<String> = PLANS.iter().map(|p| p.0.to_owned()).collect();
            s.sort();
            s
        },
        "every sample has its expected plan here"
    );
    for (sample, ids, handled) in PLANS {
        let (a, plan) = plan_of(sample);
        let got: Vec<&str> = plan.actions.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(&got, ids, "{sample}");
        for (rule, handling) in *handled {
            let r = plan
                .rules
                .iter()
                .find(|r| r.rule == *rule)
                .unwrap_or_else(|| panic!("{sample}: {rule} not in the plan"));
            assert_eq!(r.handling, *handling, "{sample} {rule}: {:?}", r.note);
        }
        // Only fail and warn findings are in the plan, every one of them.
        let actionable: Vec<&str> = a
            .findings
            .iter()
            .filter(|f| matches!(f.status, Status::Fail | Status::Warn))
            .map(|f| f.rule.as_str())
            .collect();
        let planned: Vec<&str> = plan.rules.iter().map(|r| r.rule.as_str()).collect();
        assert_eq!(planned, actionable, "{sample}");
        for action in &plan.actions {
            let f = a.findings.iter().find(|f| f.rule == action.rule).unwrap();
            assert!(matches!(f.status, Status::Fail | Status::Warn));
            assert_eq!(action.justification.status, f.status);
            assert!(
                !action.justification.evidence.is_empty() || !action.justification.seen.is_empty(),
                "{sample} {}: no evidence",
                action.id
            );
        }
    }
}

/// Rules of the plan's targets: `expect` says the verdict after.
#[test]
fn every_plan_applied_offline_passes_what_it_targets_and_changes_nothing_else() {
    let dir = scratch("fix-plan-offline");
    let mut applied = 0;
    for sample in samples() {
        let (before, plan) = plan_of(&sample);
        if plan.actions.is_empty() {
            continue;
        }
        applied += 1;
        let out = simulate::after(
            &plan,
            &repo().join("samples").join(&sample),
            &dir.join(&sample),
        );
        let after = analyze(&out);
        assert!(
            after.problems.len() <= before.problems.len(),
            "{sample}: the simulated files read as well as the sample's: {:#?}",
            after.problems
        );
        for (b, a) in before.findings.iter().zip(&after.findings) {
            assert_eq!(b.rule, a.rule);
            let planned = plan.rules.iter().find(|r| r.rule == b.rule);
            match planned {
                Some(r) if r.expect == Some(Status::Pass) => assert_eq!(
                    a.status,
                    Status::Pass,
                    "{sample} {}: expected to pass after the plan: {:?}",
                    b.rule,
                    a.messages
                ),
                // A rule the plan opens something for: the user's outcome, never worse.
                Some(r) if !r.actions.is_empty() => assert!(
                    a.status.rank() <= b.status.rank(),
                    "{sample} {}: {} -> {}",
                    b.rule,
                    b.status,
                    a.status
                ),
                _ => assert_eq!(
                    a.status, b.status,
                    "{sample} {}: the plan does not act on it, yet its verdict changed: {:?}",
                    b.rule, a.messages
                ),
            }
        }
        // Every handled rule promises pass: the plan is complete for the samples.
        for r in &plan.rules {
            if matches!(r.handling, Handling::Script | Handling::ScriptAndUser) {
                assert_eq!(
                    r.expect,
                    Some(Status::Pass),
                    "{sample} {}: {:?}",
                    r.rule,
                    r.note
                );
            }
        }
    }
    assert!(applied >= 9);
}

#[test]
fn the_windows_7_plan_turns_tls12_into_pass_with_the_easy_fix_and_the_update() {
    let out = caadoctor(&["fix", "samples/win7-sp1-no-tls12.zip", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let plan = json_of(&out);
    assert_eq!(plan["schema"], "caadoctor.fix-plan/1");
    let actions = plan["actions"].as_array().unwrap();
    let tls: Vec<&serde_json::Value> = actions.iter().filter(|a| a["rule"] == "tls12").collect();
    assert_eq!(tls.len(), 6);
    // The update first, and it says the values alone do not do it.
    assert_eq!(tls[0]["id"], "tls12-kb3140245");
    assert_eq!(tls[0]["by"], "user");
    assert!(
        tls[0]["note"]
            .as_str()
            .unwrap()
            .contains("only once KB3140245 is installed")
    );
    // What the easy fix writes, in both views, with the finding's evidence.
    for (id, key) in [
        (
            "tls12-winhttp",
            r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\WinHttp",
        ),
        (
            "tls12-winhttp-wow64",
            r"HKLM\SOFTWARE\Wow6432Node\Microsoft\Windows\CurrentVersion\Internet Settings\WinHttp",
        ),
    ] {
        let a = tls.iter().find(|a| a["id"] == id).unwrap();
        assert_eq!(a["change"]["kind"], "registry_value");
        assert_eq!(a["change"]["key"], key);
        assert_eq!(a["change"]["name"], "DefaultSecureProtocols");
        assert_eq!(a["change"]["before"], serde_json::Value::Null);
        assert_eq!(a["change"]["after"], 0xA00);
        assert_eq!(a["admin"], true);
        let evidence = a["justification"]["evidence"].as_array().unwrap();
        assert!(
            evidence
                .iter()
                .any(|e| e["fact"].as_str().unwrap().starts_with("tls.winhttp_tls12"))
        );
        assert!(
            a["justification"]["seen"][0]["locator"]
                .as_str()
                .unwrap()
                .ends_with("DefaultSecureProtocols")
        );
        assert!(a["undo"]["how"].as_str().unwrap().contains("removed again"));
    }
    let rule = plan["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "tls12")
        .unwrap();
    assert_eq!(rule["handling"], "script_and_user");
    assert_eq!(rule["expect"], "pass");
    // Applied offline, tls12 passes.
    let (_, plan) = plan_of("win7-sp1-no-tls12");
    let dir = scratch("fix-plan-win7");
    let after = analyze(&simulate::after(
        &plan,
        &repo().join("samples/win7-sp1-no-tls12"),
        &dir.join("after"),
    ));
    let tls12 = after.findings.iter().find(|f| f.rule == "tls12").unwrap();
    assert_eq!(tls12.status, Status::Pass, "{:?}", tls12.messages);
    // Without the update (the registry alone), it does not: the plan is right to ask for it.
    let mut registry_only = plan.clone();
    registry_only.actions.retain(|a| a.id != "tls12-kb3140245");
    let after = analyze(&simulate::after(
        &registry_only,
        &repo().join("samples/win7-sp1-no-tls12"),
        &dir.join("registry-only"),
    ));
    let tls12 = after.findings.iter().find(|f| f.rule == "tls12").unwrap();
    assert_eq!(tls12.status, Status::Warn);
    assert!(tls12.messages[0].contains("KB3140245"));
}

#[test]
fn only_and_exclude_choose_the_rules_and_unknown_ones_are_refused() {
    let ids = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["fix", "samples/win7-sp1-no-tls12.zip", "--format", "json"];
        all.extend_from_slice(args);
        let out = caadoctor(&all);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        json_of(&out)["actions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let only = ids(&["--only", "windows-updates,office-updates"]);
    assert_eq!(only, ["office-updates-update-now", "windows-updates-open"]);
    let without = ids(&["--exclude", "tls12"]);
    assert!(without.iter().all(|i| !i.starts_with("tls12")) && !without.is_empty());
    let out = caadoctor(&["fix", "samples/win7-sp1-no-tls12.zip", "--only", "tls-12"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no rule is called 'tls-12'") && err.contains("tls12"),
        "{err}"
    );
    let out = caadoctor(&["fix", "samples/no-such.zip"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_value_a_group_policy_sets_goes_to_it_and_is_never_changed() {
    // Internet Options' SecureProtocols set by the user policy, on the Windows 7 sample.
    let dir = scratch("fix-plan-policy");
    let copy = dir.join("win7");
    copy_dir(&repo().join("samples/win7-sp1-no-tls12"), &copy);
    std::fs::write(
        copy.join("registry/tls-policy.reg"),
        "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_CURRENT_USER\\SOFTWARE\\Policies\\Microsoft\\Windows\\CurrentVersion\\Internet Settings]\r\n\"SecureProtocols\"=dword:000000a0\r\n\r\n",
    )
    .unwrap();
    let a = analyze(&copy);
    let plan = fix::plan(&a, &Selection::default());
    assert!(plan.action("tls12-internet-options").is_none());
    let rule = plan.rules.iter().find(|r| r.rule == "tls12").unwrap();
    assert!(
        rule.note.as_deref().unwrap().contains("Group Policy"),
        "{rule:?}"
    );
    assert_eq!(
        rule.expect, None,
        "what a policy keeps is not promised to pass"
    );
    // The WinHTTP part is still done.
    assert!(plan.action("tls12-winhttp").is_some());
    // And the two policy samples: nothing local, the message for IT.
    for (sample, rule) in [
        ("win10-ncsi-probing-off", "ncsi-probe"),
        ("win11-office-updates-off", "office-updates"),
    ] {
        let (_, plan) = plan_of(sample);
        let r = plan.rules.iter().find(|r| r.rule == rule).unwrap();
        assert_eq!(r.handling, Handling::AskIt);
        assert!(r.note.as_deref().unwrap().contains("ask IT"), "{r:?}");
        assert!(plan.actions.is_empty());
        // The script shows the message for IT when it has other actions; here none is written.
    }
    // Every key an action changes is outside the policy keys, on every sample.
    for sample in samples() {
        let (_, plan) = plan_of(&sample);
        for a in &plan.actions {
            if let Some(key) = a.change.registry_key() {
                assert!(
                    !key.to_ascii_lowercase().contains(r"\policies\"),
                    "{sample}: {key}"
                );
            }
        }
    }
}

#[test]
fn plans_match_their_golden_json() {
    let golden_dir = repo().join("tests/golden/fix");
    std::fs::create_dir_all(&golden_dir).unwrap();
    let mut changed = Vec::new();
    for sample in samples() {
        let out = caadoctor(&["fix", &format!("samples/{sample}.zip"), "--format", "json"]);
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8(out.stdout).unwrap();
        check_golden(
            &golden_dir.join(format!("{sample}.json")),
            &text,
            &mut changed,
        );
    }
    assert!(
        changed.is_empty(),
        "plans differ from golden files (review, then UPDATE_GOLDEN=1): {changed:?}"
    );
}
