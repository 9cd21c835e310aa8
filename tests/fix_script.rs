//! The fix script `caadoctor fix` generates, checked on its syntax tree for every sample
//! whose plan has actions (no Windows here): it parses, uses nothing PowerShell 2.0 lacks
//! without a version check, nothing Constrained Language mode refuses outside FullLanguage
//! code, reaches console programs and WMI only through the bounded helpers, and each action
//! in it is checked on the PC before it is backed up, backed up before it is changed, and
//! undone by an inverse action — the safety model of the README, rule by rule. The
//! syntax-tree helpers are in `support/powershell.rs`; each rule is also shown to catch the
//! fault on a small example.

mod common;
#[path = "support/powershell.rs"]
mod powershell;

use caadoctor::analysis;
use caadoctor::fix::{self, Plan, script};
use caadoctor::rules::RuleSet;
use caadoctor::snapshot::{self, Limits};
use common::{caadoctor, repo, scratch};
use powershell::*;
use std::collections::BTreeMap;

/// `(sample, plan)` for every sample zip whose plan has actions.
fn plans() -> Vec<(String, Plan)> {
    let rules = RuleSet::builtin().unwrap();
    let mut out = Vec::new();
    let mut zips: Vec<_> = std::fs::read_dir(repo().join("samples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "zip"))
        .collect();
    zips.sort();
    for zip in zips {
        let a = analysis::analyze(snapshot::open(&zip, &Limits::default()).unwrap(), &rules);
        let plan = fix::plan(&a, &fix::Selection::default());
        if !plan.actions.is_empty() {
            let name = zip.file_stem().unwrap().to_string_lossy().into_owned();
            out.push((name, plan));
        }
    }
    assert!(out.len() >= 9, "samples with actions: {}", out.len());
    out
}

/// The generated script, with the line ends the checks read.
fn scripts() -> Vec<(String, Plan, String)> {
    plans()
        .into_iter()
        .map(|(name, plan)| {
            let src = script::render(&plan).replace("\r\n", "\n");
            (name, plan, src)
        })
        .collect()
}

fn template() -> String {
    script::TEMPLATE.replace("\r\n", "\n")
}

type Row = BTreeMap<String, Literal>;

/// The script's `$Actions` rows.
fn rows(src: &str) -> Vec<Row> {
    match assigned(src, "$Actions") {
        Some(Literal::List(items)) => items
            .into_iter()
            .map(|r| r.map().cloned().expect("each action is a hashtable"))
            .collect(),
        other => panic!("$Actions is not an array: {other:?}"),
    }
}

fn field<'a>(row: &'a Row, key: &str) -> &'a Literal {
    row.get(key)
        .unwrap_or_else(|| panic!("{key} missing from {row:?}"))
}

fn text_of<'a>(row: &'a Row, key: &str) -> &'a str {
    field(row, key)
        .text()
        .unwrap_or_else(|| panic!("{key} is not a string in {row:?}"))
}

#[test]
fn every_generated_script_parses_and_runs_on_powershell_2_and_in_constrained_mode() {
    for (name, _, src) in scripts() {
        let bad = syntax_errors(&src);
        assert!(bad.is_empty(), "{name}: {bad:#?}");
        let ps3 = ps3_violations(&src);
        assert!(ps3.is_empty(), "{name}: {ps3:#?}");
        let clm = clm_violations(&src);
        assert!(clm.is_empty(), "{name}: {clm:#?}");
        assert!(!src.contains("# @include") && !src.contains("# missing from the collector"));
        for marker in [script::PLAN_BEGIN, script::PLAN_END] {
            let lines = src.lines().filter(|l| l.starts_with(marker)).count();
            assert_eq!(lines, 1, "{name}: {marker}");
        }
        assert!(
            !src.contains("Rename-Item"),
            "{name}: PowerShell 2.0 has no -LiteralPath there"
        );
    }
    // The engine itself, before a plan is spliced in, too.
    let t = template();
    assert!(syntax_errors(&t).is_empty(), "{:#?}", syntax_errors(&t));
    assert!(
        script::TEMPLATE.is_ascii(),
        "the engine is ASCII; a plan's text comes with a BOM"
    );
}

/// Console programs the script may only run through `Invoke-Console`, which gives each a
/// time limit and takes it from System32.
const PROGRAMS: &[&str] = &[
    "reg", "netsh", "sc", "cmdkey", "whoami", "dsregcmd", "wevtutil", "taskkill", "chcp",
    "cscript", "ipconfig",
];

#[test]
fn console_programs_and_wmi_have_deadlines_and_errors_are_kept() {
    for (name, _, src) in scripts() {
        let tree = parse(&src);
        for c in commands(tree.root_node(), &src) {
            let program = c.name.to_ascii_lowercase();
            let program = program.trim_end_matches(".exe");
            assert!(
                !PROGRAMS.contains(&program),
                "{name} line {}: {} run directly",
                line(c.node),
                c.name
            );
            if c.name == "Invoke-Console" {
                let limit = &c.elements[1];
                let ok = ["$CommandTimeout", "$Seconds", "$seconds"].contains(&limit.as_str())
                    || limit.parse::<u32>().is_ok_and(|s| s <= 45);
                assert!(ok, "{name} line {}: limit {limit}", line(c.node));
            }
        }
        let wmi = wmi_outside_helper(&src);
        assert!(wmi.is_empty(), "{name}: {wmi:#?}");
        let swallowed = swallowed_errors(&src);
        assert!(swallowed.is_empty(), "{name}: {swallowed:#?}");
    }
    // The rule sees a program run directly.
    let t = parse("reg.exe add x\nInvoke-Console 'reg add x' 45");
    assert!(
        commands(
            t.root_node(),
            "reg.exe add x\nInvoke-Console 'reg add x' 45"
        )
        .iter()
        .any(|c| c.name == "reg.exe")
    );
}

#[test]
fn each_action_is_checked_then_backed_up_then_changed_and_isolated() {
    let t = template();
    let f = function_text(&t, "Invoke-Action");
    let at = |s: &str| {
        f.find(s)
            .unwrap_or_else(|| panic!("{s} not in Invoke-Action"))
    };
    let (check, backup, change) = (
        at("$why = Test-Action $A"),
        at("$saved = Save-Backup $A"),
        at("$result = Invoke-Change $A"),
    );
    assert!(check < backup && backup < change);
    // Each step that fails ends the action before the next.
    for (from, to) in [(check, backup), (backup, change)] {
        let between = &f[from..to];
        assert!(
            between.contains("'skipped'") && between.contains("return"),
            "{between}"
        );
    }
    // A failure of one action never stops the others.
    let loop_ = function_text(&t, "Invoke-Actions");
    assert!(loop_.contains("try {\n            Invoke-Action $a\n        } catch {"));
    // Every kind of action has its check, its backup where something is changed, and its
    // change: the engine's three switches know every kind a plan can hold.
    let kinds = [
        "registry-value",
        "registry-key-move",
        "registry-key-restore",
        "folder-move",
        "folder-restore",
        "credential",
        "winhttp",
        "winsock-reset",
        "service",
        "open",
    ];
    let check_labels = switch_labels(function_text(&t, "Test-Action"));
    let backup_labels = switch_labels(function_text(&t, "Save-Backup"));
    let change_labels = switch_labels(function_text(&t, "Invoke-Change"));
    for k in kinds {
        assert!(check_labels.iter().any(|l| l == k), "Test-Action: {k}");
        assert!(change_labels.iter().any(|l| l == k), "Invoke-Change: {k}");
        // Nothing exists to save before a restore, and opening a page changes nothing.
        let nothing_to_save = matches!(k, "registry-key-restore" | "folder-restore" | "open");
        assert_eq!(
            backup_labels.iter().any(|l| l == k),
            !nothing_to_save,
            "Save-Backup: {k}"
        );
    }
    assert!(
        check_labels.iter().any(|l| l == "default"),
        "an unknown kind is skipped"
    );
    // The rows of every plan are of those kinds, with the check they are made against.
    for (name, _, src) in scripts() {
        for r in rows(&src) {
            let kind = text_of(&r, "Kind");
            assert!(kinds.contains(&kind), "{name}: {kind}");
            assert!(!text_of(&r, "Check").is_empty(), "{name}: {r:?}");
            for key in ["Id", "Rule", "Title", "Before", "After", "UndoHow"] {
                assert!(!text_of(&r, key).is_empty(), "{name}: {key}");
            }
        }
    }
}

/// The row's `key` as a number, or `None` for `$null`.
fn number(row: &Row, key: &str) -> Option<i64> {
    match field(row, key) {
        Literal::Raw(r) if r == "$null" => None,
        Literal::Raw(r) => Some(r.parse().unwrap_or_else(|_| panic!("{key} = {r}"))),
        other => panic!("{key} = {other:?}"),
    }
}

#[test]
fn every_change_is_undone_by_its_inverse_and_backed_up_first() {
    for (name, plan, src) in scripts() {
        let rows = rows(&src);
        assert_eq!(rows.len(), plan.actions.len(), "{name}");
        for (r, a) in rows.iter().zip(&plan.actions) {
            let id = text_of(r, "Id");
            assert_eq!(
                id, a.id,
                "{name}: the rows are the plan's actions, in order"
            );
            let kind = text_of(r, "Kind");
            let undo = field(r, "Undo");
            let reversible = matches!(
                kind,
                "registry-value" | "registry-key-move" | "folder-move" | "winhttp" | "service"
            );
            let Some(u) = undo.map() else {
                assert!(!reversible, "{name} {id}: a {kind} change has no undo");
                assert_eq!(undo.raw(), Some("$null"));
                continue;
            };
            assert!(reversible, "{name} {id}");
            assert_eq!(text_of(u, "Id"), format!("undo-{id}"));
            // The undo runs through the same engine: its rows carry what every row does.
            for key in ["Title", "Before", "After", "Check"] {
                assert!(!text_of(u, key).is_empty(), "{name} {id}: undo {key}");
            }
            assert!(!u.contains_key("Undo"), "an undo is not undone again");
            assert_eq!(field(u, "Admin"), field(r, "Admin"), "{name} {id}");
            match kind {
                "registry-value" => {
                    assert_eq!(text_of(u, "Kind"), "registry-value");
                    assert_eq!(text_of(u, "Key"), text_of(r, "Key"));
                    assert_eq!(text_of(u, "Name"), text_of(r, "Name"));
                    assert_eq!(number(u, "Old"), number(r, "New"), "{name} {id}");
                    assert_eq!(number(u, "New"), number(r, "Old"), "{name} {id}");
                }
                "registry-key-move" => {
                    assert_eq!(text_of(u, "Kind"), "registry-key-restore");
                    assert_eq!(text_of(u, "Key"), text_of(r, "Key"));
                    // The export the backup step writes.
                    assert_eq!(text_of(u, "From"), format!(r"{}.reg", fix::backup_path(id)));
                }
                "folder-move" => {
                    assert_eq!(text_of(u, "Kind"), "folder-restore");
                    assert_eq!(text_of(u, "Path"), text_of(r, "Path"));
                    assert_eq!(text_of(u, "From"), fix::backup_path(id));
                    assert_eq!(field(u, "Files"), field(r, "Files"));
                }
                "winhttp" => {
                    assert_eq!(text_of(u, "NewProxy"), text_of(r, "OldProxy"));
                    let old = text_of(r, "OldMode");
                    assert_eq!(text_of(u, "NewMode"), old);
                }
                "service" => {
                    assert_eq!(text_of(u, "Service"), text_of(r, "Service"));
                    assert_eq!(number(u, "OldStart"), number(r, "NewStart"));
                    assert_eq!(number(u, "NewStart"), number(r, "OldStart"));
                    assert_eq!(field(u, "Start").raw(), Some("$false"));
                }
                _ => unreachable!(),
            }
        }
    }
    // The backup step writes the files the undo reads: a key's export is the backup path
    // plus .reg, a folder's copy is the backup path.
    let t = template();
    let backup = function_text(&t, "Save-Backup");
    assert!(backup.contains("$file = (Get-BackupPath $A['Id']) + '.reg'"));
    assert!(backup.contains("$copy = Get-BackupPath $A['Id']"));
    assert!(function_text(&t, "Get-BackupPath").contains("Join-Path $script:BackupFolder $Id"));
    assert_eq!(fix::backup_path("x"), r"backup\x");
    // Only what was changed is undone, newest first, and the undo script is this script.
    assert!(function_text(&t, "Invoke-Action").contains("if ($result['Changed']) { Add-Undo $A }"));
    let save = function_text(&t, "Save-UndoScript");
    assert!(save.contains("for ($i = $rows.Count - 1; $i -ge 0; $i--)"));
    assert!(save.contains("\"`$Mode = 'undo'\""));
}

#[test]
fn nothing_a_policy_sets_is_touched_and_rights_are_asked_only_where_needed() {
    for (name, _, src) in scripts() {
        for r in rows(&src) {
            let kind = text_of(&r, "Kind");
            let admin = field(&r, "Admin").raw() == Some("$true");
            for key in ["Key", "Path"] {
                if let Some(k) = r.get(key).and_then(Literal::text) {
                    assert!(
                        !k.to_ascii_lowercase().contains(r"\policies\"),
                        "{name}: {k} is a policy's"
                    );
                }
            }
            let machine = match kind {
                "registry-value" | "registry-key-move" => text_of(&r, "Key").starts_with(r"HKLM\"),
                "winhttp" | "winsock-reset" | "service" => true,
                _ => false,
            };
            assert_eq!(admin, machine, "{name}: {}", text_of(&r, "Id"));
            // The policies that would override a value are checked before it is set.
            if kind == "registry-value"
                && text_of(&r, "Key").contains(r"Office\16.0\Common\Identity")
            {
                let policies = field(&r, "Policy").list().unwrap();
                assert!(!policies.is_empty(), "{name}: {r:?}");
            }
        }
    }
    let t = template();
    let check = function_text(&t, "Test-Action");
    assert!(check.contains("a Group Policy sets"));
    // Elevation: one request, for the actions marked so, after the user's own actions.
    let main = &t[t.find("# Main").unwrap()..];
    assert_eq!(main.matches("-Verb RunAs").count(), 1);
    assert!(main.find("Invoke-Actions $false").unwrap() < main.find("-Verb RunAs").unwrap());
    assert!(main.contains("if ($admin -gt 0) {"));
    // The part with rights runs only with the token of the user's answer.
    assert!(main.contains("if (-not $Token -or $given -ne $Token) {"));
}

#[test]
fn the_user_is_asked_once_before_any_change_on_the_pc_the_snapshot_came_from() {
    let t = template();
    let main = &t[t.find("# Main").unwrap()..];
    let tree = parse(main);
    let asks: Vec<usize> = commands(tree.root_node(), main)
        .iter()
        .filter(|c| c.name == "Read-Host")
        .map(|c| c.node.start_byte())
        .collect();
    // Once for the changes, once at the end for the "after" snapshot.
    assert_eq!(asks.len(), 2, "{asks:?}");
    let first_change = main.find("Invoke-Actions $false").unwrap();
    assert!(asks[0] < first_change && asks[1] > first_change);
    assert!(main.contains("Make these changes? (Y/N)"));
    assert!(main.contains("Collect the \"after\" snapshot for support now? (Y/N)"));
    // Another PC, or 32-bit PowerShell: nothing is changed.
    let host = main.find("$env:COMPUTERNAME -ne $Plan['Host']").unwrap();
    assert!(host < asks[0]);
    // The planned changes are listed before the question.
    assert!(main.find("Planned changes:").unwrap() < asks[0]);
    // The 32-bit relaunch comes before anything else, as in the collector.
    let relaunch = t
        .find("if ($env:PROCESSOR_ARCHITEW6432 -and -not $Relaunched -and $Part -eq 'user') {")
        .unwrap();
    assert!(relaunch < t.find("# Main").unwrap());
    assert!(t[relaunch..].contains("Sysnative\\WindowsPowerShell\\v1.0\\powershell.exe"));
}

#[test]
fn durations_are_utc_and_local_time_only_names_things() {
    for (name, _, src) in scripts() {
        let tree = parse(&src);
        for c in commands(tree.root_node(), &src) {
            if c.name.eq_ignore_ascii_case("Get-Date") {
                let f = enclosing_function(c.node, &src);
                assert!(
                    matches!(f, Some("Get-IsoNow") | Some("New-RunFolder")),
                    "{name} line {}: Get-Date in {f:?}",
                    line(c.node)
                );
            }
        }
    }
    let t = template();
    assert!(
        function_text(&t, "Invoke-Change").contains("((Get-Now) - $started).TotalSeconds -lt 30")
    );
}

#[test]
fn the_plan_in_the_script_is_the_plan_and_any_text_is_quoted_safely() {
    for (name, plan, src) in scripts() {
        let header = assigned(&src, "$Plan").unwrap();
        let header = header.map().unwrap();
        assert_eq!(
            header["Host"].text(),
            plan.snapshot.host.as_deref(),
            "{name}"
        );
        for (r, a) in rows(&src).iter().zip(&plan.actions) {
            assert_eq!(text_of(r, "Before"), a.before);
            assert_eq!(text_of(r, "After"), a.after);
            assert_eq!(text_of(r, "Check"), a.check);
        }
    }
    // Quotes PowerShell knows (ASCII and typographic) in a user's name or a path.
    let (_, mut plan) = plans().into_iter().next().unwrap();
    plan.snapshot.user = Some("CONTOSO\\o'brien \u{2019}quoted\u{2019}".to_owned());
    plan.actions[0].title = "it's a title with 'quotes' and \u{2018}curly\u{2019} ones".to_owned();
    let src = script::render(&plan).replace("\r\n", "\n");
    assert!(syntax_errors(&src).is_empty());
    assert_eq!(
        assigned(&src, "$Plan").unwrap().map().unwrap()["User"].text(),
        plan.snapshot.user.as_deref()
    );
    assert_eq!(text_of(&rows(&src)[0], "Title"), plan.actions[0].title);
}

#[test]
fn caadoctor_fix_writes_the_script_its_launcher_and_the_collector() {
    let dir = scratch("fix-out");
    let out = caadoctor(&[
        "fix",
        "samples/win7-sp1-no-tls12.zip",
        "--out",
        dir.join("fix").to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let fix = dir.join("fix");
    let ps1 = std::fs::read(fix.join("caadoctor-fix.ps1")).unwrap();
    assert!(
        ps1.starts_with(&[0xEF, 0xBB, 0xBF]),
        "UTF-8 with a BOM for PowerShell 2.0"
    );
    assert!(
        ps1.windows(2).all(|w| w[1] != b'\n' || w[0] == b'\r'),
        "CRLF"
    );
    // One launcher, the same bytes under each name: it runs the .ps1 of its own name.
    let launcher = std::fs::read(repo().join("collectors/caadoctor-collect.cmd")).unwrap();
    assert_eq!(
        std::fs::read(fix.join("caadoctor-fix.cmd")).unwrap(),
        launcher
    );
    assert_eq!(
        std::fs::read(fix.join("caadoctor-collect.cmd")).unwrap(),
        launcher
    );
    assert_eq!(
        std::fs::read(fix.join("caadoctor-collect.ps1")).unwrap(),
        std::fs::read(repo().join("collectors/caadoctor-collect.ps1")).unwrap()
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout
            .contains("tls12 (fail): the script fixes it once the user has done the step it opens")
    );
    assert!(stdout.contains("double-click caadoctor-fix.cmd"));
    // A snapshot with nothing to change writes nothing.
    let none = dir.join("none");
    let out = caadoctor(&[
        "fix",
        "samples/win11-healthy.zip",
        "--out",
        none.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(!none.join("caadoctor-fix.ps1").exists());
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("Nothing for a script to change")
    );
}
