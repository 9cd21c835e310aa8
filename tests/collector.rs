//! The collector, checked without Windows or PowerShell:
//! - the script parses with tree-sitter-powershell, with no ERROR or MISSING node;
//! - no PowerShell 3+ construct (cmdlet, parameter, operator, type accelerator, syntax)
//!   appears outside an `if` on `$PSVersionTable.PSVersion` that has a fallback branch, so
//!   the script runs on Windows 7's PowerShell 2.0;
//! - the artifacts it declares are the ones `docs/snapshot-format.md` lists, and the ones
//!   the samples (laid out as the collector writes) hold and the analyzer reads, kind by kind;
//! - its probe list is `analyzers/data/endpoints.toml`;
//! - `caadoctor collector --out DIR` writes the script and its launcher unchanged.

mod common;
#[path = "support/powershell.rs"]
mod powershell;

use common::{caadoctor, repo, scratch};
use powershell::{each_node, parse, ps3_violations, syntax_errors, text};
use std::collections::BTreeSet;

fn script() -> String {
    // CRLF as Windows tools write it; the checks read lines.
    std::fs::read_to_string(repo().join("collectors/caadoctor-collect.ps1"))
        .unwrap()
        .replace("\r\n", "\n")
}

#[test]
fn the_script_parses_without_error_or_missing_nodes() {
    let src = script();
    let bad = syntax_errors(&src);
    assert!(bad.is_empty(), "{bad:#?}");
    // A real parse, not an empty one: the functions the run depends on are there.
    for f in [
        "function Invoke-RegistryStep",
        "function Start-Probes",
        "function Complete-Probes",
        "function New-SnapshotZip",
        "function ConvertTo-JsonValue",
        "function Complete-Step",
    ] {
        assert!(src.contains(f), "{f}");
    }
}

#[test]
fn the_script_uses_nothing_powershell_2_lacks_without_a_version_check() {
    let found = ps3_violations(&script());
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn the_version_checker_finds_each_construct_and_accepts_guarded_ones() {
    let snippets = [
        "$a = '{}' | ConvertFrom-Json",
        "Get-ChildItem C:\\ -File",
        "$t = Get-Content x.txt -Raw",
        "if (1 -in @(1)) { }",
        "$h = [ordered]@{ a = 1 }",
        "$o = [pscustomobject]@{ a = 1 }",
        "$s = [System.Text.StringBuilder]::new()",
        "Get-Process | ForEach-Object { $PSItem }",
        "Invoke-Command -ScriptBlock { $using:x }",
        "class Foo { }",
        "Get-CimInstance -ClassName Win32_OperatingSystem",
    ];
    for s in snippets {
        assert!(!ps3_violations(s).is_empty(), "not found: {s}");
        let guarded = format!(
            "if ($PSVersionTable.PSVersion.Major -ge 5) {{\n    {s}\n}} else {{\n    $x = 1\n}}\n"
        );
        assert!(ps3_violations(&guarded).is_empty(), "guarded: {guarded}");
        // A version check without a fallback is not enough.
        let no_fallback = format!("if ($PSVersionTable.PSVersion.Major -ge 5) {{ {s} }}\n");
        assert!(!ps3_violations(&no_fallback).is_empty(), "{no_fallback}");
    }
    assert!(
        ps3_violations("Get-WmiObject Win32_Service | Where-Object { $_.Name -eq 'x' }").is_empty()
    );
}

/// The tables of the script that declare its artifacts.
const TABLES: &[&str] = &["$RegistryExports", "$Commands", "$Documents", "$EventLogs"];

/// `(step id, artifact path, kind)` the script declares.
fn declared() -> Vec<(String, String, String)> {
    declared_rows()
        .into_iter()
        .map(|r| (r.0, r.1, r.2))
        .collect()
}

/// `(step id, artifact path, kind, what)`: the `@('id', 'path', 'kind', 'what')` rows of the
/// script's four tables, read from the syntax tree.
fn declared_rows() -> Vec<(String, String, String, String)> {
    let src = script();
    let tree = parse(&src);
    let mut rows = Vec::new();
    each_node(tree.root_node(), &mut |n| {
        if n.kind() != "assignment_expression" {
            return;
        }
        let target = n.child(0).map(|c| text(c, &src).trim()).unwrap_or_default();
        if !TABLES.contains(&target) {
            return;
        }
        each_node(n, &mut |row| {
            if row.kind() != "array_expression" {
                return;
            }
            let mut strings = Vec::new();
            let mut nested = false;
            each_node(row, &mut |s| match s.kind() {
                "string_literal" => {
                    strings.push(text(s, &src).trim_matches('\'').replace("''", "'"))
                }
                "array_expression" if s != row => nested = true,
                _ => {}
            });
            if !nested {
                assert_eq!(strings.len(), 4, "{target}: {}", text(row, &src));
                rows.push((
                    strings[0].clone(),
                    strings[1].clone(),
                    strings[2].clone(),
                    strings[3].clone(),
                ));
            }
        });
    });
    rows
}

/// The analyzer reads the same tables from the embedded script to say what to collect for
/// a missing fact (`analyzers/data/collect.toml` names steps; their keys and commands come
/// from these rows).
#[test]
fn the_analyzer_reads_the_declared_artifacts_as_the_syntax_tree_has_them() {
    let analyzer: Vec<(String, String, String, String)> = caadoctor::collector::declared()
        .into_iter()
        .map(|d| (d.step, d.artifact, d.kind, d.what))
        .collect();
    assert_eq!(analyzer, declared_rows());
}

#[test]
fn the_declared_artifacts_are_the_documented_ones() {
    let rows = declared();
    assert_eq!(rows.len(), 21 + 17 + 4 + 5, "{rows:#?}");
    let ids: BTreeSet<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(ids.len(), rows.len(), "step ids are unique");

    // docs/snapshot-format.md, "Artifacts the collector writes": | step | artifact | kind |
    let doc = std::fs::read_to_string(repo().join("docs/snapshot-format.md")).unwrap();
    let section = doc
        .split("## Artifacts the collector writes")
        .nth(1)
        .expect("the section")
        .split("\n## ")
        .next()
        .unwrap();
    let documented: BTreeSet<(String, String, String)> = section
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let cells: Vec<String> = l
                .split('|')
                .map(|c| c.trim().trim_matches('`').to_owned())
                .collect();
            (cells[1].clone(), cells[2].clone(), cells[3].clone())
        })
        .collect();
    let declared: BTreeSet<(String, String, String)> = rows.into_iter().collect();
    assert_eq!(declared, documented);
}

#[test]
fn every_sample_holds_what_the_collector_writes_and_the_analyzer_reads_it_as_declared() {
    let rows = declared();
    for zip in common::files_in(&repo().join("samples"))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "zip"))
    {
        let name = zip.file_stem().unwrap().to_string_lossy().into_owned();
        let manifest: serde_json::Value = serde_json::from_slice(
            &std::fs::read(repo().join("samples").join(&name).join("manifest.json")).unwrap(),
        )
        .unwrap();
        let steps = manifest["steps"].as_array().unwrap();
        let step_ids: Vec<&str> = steps.iter().map(|s| s["id"].as_str().unwrap()).collect();
        let declared_ids: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
        assert_eq!(
            step_ids.iter().collect::<BTreeSet<_>>(),
            declared_ids.iter().collect::<BTreeSet<_>>(),
            "{name}: one step per declared artifact"
        );
        // The healthy sample fails no rule.
        let code = i32::from(!matches!(name.as_str(), "win11-healthy"));
        let report = common::report_of(zip.to_str().unwrap(), code);
        assert_eq!(report["problems"], serde_json::json!([]), "{name}");
        let artifacts = report["artifacts"].as_array().unwrap();
        for s in steps {
            let (id, status) = (s["id"].as_str().unwrap(), s["status"].as_str().unwrap());
            let row = rows.iter().find(|r| r.0 == id).unwrap();
            match status {
                "ok" => {
                    // A failed export's fallback: the key's own values, by `reg query`.
                    let (path, kind) = match s.get("fallback") {
                        Some(_) => (row.1.replace(".reg", "-values.txt"), "reg-query"),
                        None => (row.1.clone(), row.2.as_str()),
                    };
                    assert_eq!(s["artifact"], path.as_str(), "{name} {id}");
                    assert_eq!(s["kind"], kind, "{name} {id}: the step names its kind");
                    let a = artifacts
                        .iter()
                        .find(|a| a["path"] == format!("{name}/{path}"))
                        .unwrap_or_else(|| panic!("{name}: {path} not in the zip"));
                    assert_eq!(a["kind"], kind, "{name} {id}: read as");
                    assert_eq!(a["used"], true, "{name} {id}");
                }
                "absent" => assert!(s.get("artifact").is_none(), "{name} {id}"),
                other => panic!("{name} {id}: {other}"),
            }
        }
        assert_eq!(
            manifest["collector"]["version"],
            script_version(),
            "{name}: made as the current collector makes it"
        );
        // Nothing in the zip that the collector does not write.
        assert_eq!(
            artifacts.len(),
            steps.iter().filter(|s| s["status"] == "ok").count() + 1
        );
    }
}

/// `$CollectorVersion` of the script.
fn script_version() -> String {
    let src = script();
    let line = src
        .lines()
        .find(|l| l.starts_with("$CollectorVersion = "))
        .expect("$CollectorVersion");
    line.split('\'').nth(1).unwrap().to_owned()
}

#[test]
fn the_probe_list_is_the_articles_endpoint_list() {
    let src = script();
    let block = src
        .split("$ProbeUrls = @(")
        .nth(1)
        .unwrap()
        .split("\n)")
        .next()
        .unwrap();
    let urls: Vec<&str> = block
        .lines()
        .map(|l| l.trim().trim_end_matches(',').trim_matches('\''))
        .filter(|l| !l.is_empty())
        .collect();
    let toml: toml::Value = toml::from_str(
        &std::fs::read_to_string(repo().join("analyzers/data/endpoints.toml")).unwrap(),
    )
    .unwrap();
    let endpoints: Vec<&str> = toml["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(urls, endpoints);
}

#[test]
fn the_launcher_runs_the_script_beside_it_and_waits() {
    let cmd = std::fs::read(repo().join("collectors/caadoctor-collect.cmd")).unwrap();
    let text = String::from_utf8(cmd.clone()).unwrap();
    assert!(
        cmd.windows(2).all(|w| w[1] != b'\n' || w[0] == b'\r'),
        "CRLF line ends"
    );
    assert!(text.is_ascii());
    assert!(text.contains("\"%PS%\" -NoProfile -ExecutionPolicy Bypass -File \"%SCRIPT%\" %*"));
    // The script of its own name beside it (the same launcher serves the fix and its undo),
    // else, for a launcher a browser renamed ("caadoctor-fix (1).cmd"), the script of the
    // name it was sent with, decided by the name's start: never another tool's script.
    assert!(text.contains("set \"SCRIPT=%~dpn0.ps1\""));
    for (name, len) in [
        ("caadoctor-collect", 17),
        ("caadoctor-fix", 13),
        ("caadoctor-undo", 14),
    ] {
        assert_eq!(name.len(), len);
        let fallback = format!(
            "if not exist \"%SCRIPT%\" if /i \"%NAME:~0,{len}%\"==\"{name}\" set \"SCRIPT=%~dp0{name}.ps1\""
        );
        assert!(text.contains(&fallback), "{fallback}");
    }
    assert!(
        !text.contains("caadoctor-collect.ps1\r\n") && !text.contains("echo caadoctor-collect"),
        "the messages name the script the launcher runs, not the collector's"
    );
    assert!(text.contains("pause"));
    // cmd expands %~dp0 when it reads a parenthesised block: a folder named "x (1)" would
    // end the block early. The launcher has none.
    assert!(
        !text.lines().any(|l| l.trim_end().ends_with('(')),
        "no parenthesised blocks"
    );
    let ps1 = std::fs::read(repo().join("collectors/caadoctor-collect.ps1")).unwrap();
    assert!(
        ps1.is_ascii(),
        "PowerShell 2.0 reads a BOM-less script as ANSI"
    );
}

#[test]
fn caadoctor_collector_writes_both_files_unchanged() {
    let dir = scratch("collector-out");
    let out = caadoctor(&["collector", "--out", dir.join("to-send").to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for name in ["caadoctor-collect.ps1", "caadoctor-collect.cmd"] {
        assert_eq!(
            std::fs::read(dir.join("to-send").join(name)).unwrap(),
            std::fs::read(repo().join("collectors").join(name)).unwrap(),
            "{name}"
        );
    }
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("double-click caadoctor-collect.cmd"));
}

/// The keys of the `New-JsonObject @('key', value, ...)` call that `marker` starts (ending
/// in `@(`): the items at even positions of its argument array.
fn json_keys(src: &str, marker: &str) -> Vec<String> {
    let at = src.find(marker).unwrap_or_else(|| panic!("{marker}")) + marker.len() - 2;
    let tree = parse(src);
    let mut keys = Vec::new();
    each_node(tree.root_node(), &mut |n| {
        if n.kind() != "array_expression" || n.start_byte() != at {
            return;
        }
        // array_expression > ... > array_literal_expression: `a, b, c, ...`
        let mut items = Vec::new();
        each_node(n, &mut |e| {
            if e.kind() == "array_literal_expression" && items.is_empty() {
                let mut cursor = e.walk();
                items = e
                    .children(&mut cursor)
                    .filter(|c| c.kind() != ",")
                    .map(|c| text(c, src).trim().to_owned())
                    .collect();
            }
        });
        keys = items
            .iter()
            .step_by(2)
            .map(|k| k.trim_matches('\'').to_owned())
            .collect();
    });
    keys
}

/// Field names of a documentation table: the backquoted names in its first column.
fn documented_fields(doc: &str, from: &str, to: &str) -> BTreeSet<String> {
    let part = doc.split(from).nth(1).unwrap().split(to).next().unwrap();
    part.lines()
        .filter(|l| l.starts_with("| `"))
        .flat_map(|l| {
            l.split('|')
                .nth(1)
                .unwrap()
                .split(',')
                .map(|f| f.trim().trim_matches('`').to_owned())
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn the_manifest_the_script_writes_is_the_documented_one() {
    let src = script();
    let doc = std::fs::read_to_string(repo().join("docs/snapshot-format.md")).unwrap();
    let fields = documented_fields(&doc, "## `manifest.json`", "## Registry exports");
    let top = json_keys(&src, "$manifest = New-JsonObject @(");
    assert_eq!(top.len(), 19, "{top:?}");
    for k in &top {
        assert!(fields.contains(k), "manifest field {k} is not documented");
    }
    for k in ["bits", "os_bits", "relaunched", "short_date"] {
        assert!(fields.contains(k), "{k} is not documented");
    }
    // Step fields: those Complete-Step writes.
    let complete = powershell::function_text(&src, "Complete-Step");
    for k in [
        "id",
        "artifact",
        "kind",
        "command",
        "status",
        "partial",
        "size",
        "sha256",
        "exit_code",
        "duration_ms",
        "error",
        "fallback",
        "partial_file",
    ] {
        assert!(
            complete.contains(&format!("'{k}'")),
            "Complete-Step writes {k}"
        );
        assert!(fields.contains(k), "step field {k} is not documented");
    }
    for k in ["registry_key", "event_log"] {
        assert!(src.contains(&format!("'{k}' = ")), "{k}");
        assert!(fields.contains(k), "{k}");
    }
    // Every status the script records is one the analyzer knows.
    let tree = parse(&src);
    let mut statuses = BTreeSet::new();
    for c in powershell::commands(tree.root_node(), &src) {
        if c.name == "Complete-Step"
            && let Some(s) = c.elements.get(1).filter(|s| s.starts_with('\''))
        {
            statuses.insert(s.trim_matches('\'').to_owned());
        }
    }
    let known: BTreeSet<String> = ["ok", "absent", "failed", "timeout", "skipped"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    assert_eq!(statuses, known);
    let manifest_rs = std::fs::read_to_string(repo().join("src/parse/manifest.rs")).unwrap();
    for s in &known {
        let variant = format!("{}{},", s[..1].to_uppercase(), &s[1..]);
        assert!(manifest_rs.contains(&variant), "StepStatus has {s}");
    }
}
