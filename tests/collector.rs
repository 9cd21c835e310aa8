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

use common::{caadoctor, repo, scratch};
use std::collections::BTreeSet;
use tree_sitter::{Node, Parser, Tree};

fn script() -> String {
    std::fs::read_to_string(repo().join("collectors/caadoctor-collect.ps1")).unwrap()
}

fn parse(src: &str) -> Tree {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_powershell::LANGUAGE.into())
        .unwrap();
    parser.parse(src, None).unwrap()
}

fn text<'a>(node: Node<'_>, src: &'a str) -> &'a str {
    &src[node.byte_range()]
}

fn each_node(node: Node<'_>, f: &mut impl FnMut(Node<'_>)) {
    f(node);
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        each_node(child, f);
    }
}

/// Cmdlets that PowerShell 2.0 does not have.
const PS3_COMMANDS: &[&str] = &[
    "ConvertTo-Json",
    "ConvertFrom-Json",
    "Compress-Archive",
    "Expand-Archive",
    "Invoke-WebRequest",
    "Invoke-RestMethod",
    "Resolve-DnsName",
    "Test-NetConnection",
    "Get-CimInstance",
    "Get-FileHash",
    "Get-NetAdapter",
    "Get-NetIPAddress",
    "Get-NetIPConfiguration",
    "Get-NetTCPConnection",
    "Get-DnsClientServerAddress",
    "New-TemporaryFile",
    "Get-ScheduledTask",
    "Get-Clipboard",
    "Set-Clipboard",
    "Get-ComputerInfo",
    "Get-LocalUser",
    "Get-WinEvent",
    "Get-Volume",
    "Unblock-File",
];

/// Parameters added after 2.0 to cmdlets 2.0 has: (cmdlet, parameter).
const PS3_PARAMETERS: &[(&str, &str)] = &[
    ("Get-ChildItem", "-File"),
    ("Get-ChildItem", "-Directory"),
    ("Get-ChildItem", "-Depth"),
    ("Get-Content", "-Raw"),
    ("Out-File", "-NoNewline"),
    ("Set-Content", "-NoNewline"),
    ("Add-Content", "-NoNewline"),
    ("Write-Host", "-InformationAction"),
    ("Import-Csv", "-Encoding"),
];

/// Operators added after 2.0.
const PS3_OPERATORS: &[&str] = &["-in", "-notin", "-shl", "-shr"];

/// Type accelerators added after 2.0 (`[pscustomobject]` exists in 2.0 but does not make
/// an object there).
const PS3_TYPES: &[&str] = &["ordered", "pscustomobject"];

/// A PowerShell 3+ construct and where it is.
struct Violation {
    line: usize,
    what: String,
}

impl std::fmt::Debug for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.what)
    }
}

/// Inside an `if` on `$PSVersionTable.PSVersion` that also has a fallback branch.
fn guarded(node: Node<'_>, src: &str) -> bool {
    let mut at = node.parent();
    while let Some(n) = at {
        if n.kind() == "if_statement" {
            let condition = n
                .child_by_field_name("condition")
                .map(|c| text(c, src))
                .unwrap_or_default();
            let mut cursor = n.walk();
            let has_fallback = n
                .children(&mut cursor)
                .any(|c| matches!(c.kind(), "else_clause" | "elseif_clauses" | "elseif_clause"));
            if condition.contains("PSVersion") && has_fallback {
                return true;
            }
        }
        at = n.parent();
    }
    false
}

/// Every PowerShell 3+ construct of `src` that no version check guards.
fn ps3_violations(src: &str) -> Vec<Violation> {
    let tree = parse(src);
    let mut out = Vec::new();
    each_node(tree.root_node(), &mut |n| {
        let what = match n.kind() {
            "command" => {
                let name = n
                    .child_by_field_name("command_name")
                    .map(|c| text(c, src))
                    .unwrap_or_default();
                let mut found = PS3_COMMANDS
                    .iter()
                    .find(|c| c.eq_ignore_ascii_case(name))
                    .map(|c| format!("cmdlet {c}"));
                if found.is_none() {
                    each_node(n, &mut |p| {
                        if p.kind() == "command_parameter" {
                            let param = text(p, src);
                            if let Some((c, q)) = PS3_PARAMETERS.iter().find(|(c, q)| {
                                c.eq_ignore_ascii_case(name) && q.eq_ignore_ascii_case(param)
                            }) {
                                found = Some(format!("{c} {q}"));
                            }
                        }
                    });
                }
                found
            }
            "comparison_operator" => PS3_OPERATORS
                .iter()
                .find(|o| o.eq_ignore_ascii_case(text(n, src)))
                .map(|o| format!("operator {o}")),
            "type_literal" => {
                let inner = text(n, src).trim_matches(['[', ']']).trim();
                PS3_TYPES
                    .iter()
                    .find(|t| t.eq_ignore_ascii_case(inner))
                    .map(|t| format!("[{t}]"))
            }
            "member_name" => {
                let prev = n.prev_sibling().map(|p| text(p, src)).unwrap_or_default();
                (prev == "::" && text(n, src).eq_ignore_ascii_case("new"))
                    .then(|| "::new()".to_owned())
            }
            "variable" => {
                let v = text(n, src);
                (v.eq_ignore_ascii_case("$PSItem") || v.to_ascii_lowercase().starts_with("$using:"))
                    .then(|| format!("variable {v}"))
            }
            "class_statement" | "enum_statement" | "using_statement" => {
                Some(format!("{} statement", n.kind()))
            }
            _ => None,
        };
        if let Some(what) = what
            && !guarded(n, src)
        {
            out.push(Violation {
                line: n.start_position().row + 1,
                what,
            });
        }
    });
    out
}

#[test]
fn the_script_parses_without_error_or_missing_nodes() {
    let src = script();
    let tree = parse(&src);
    let mut bad = Vec::new();
    each_node(tree.root_node(), &mut |n| {
        if n.is_error() || n.is_missing() {
            bad.push(format!(
                "line {}: {} {:?}",
                n.start_position().row + 1,
                if n.is_error() { "ERROR" } else { "MISSING" },
                &text(n, &src)[..text(n, &src).len().min(60)]
            ));
        }
    });
    assert!(bad.is_empty(), "{bad:#?}");
    // A real parse, not an empty one: the functions the run depends on are there.
    for f in [
        "function Export-Registry",
        "function Invoke-Probes",
        "function New-SnapshotZip",
        "function ConvertTo-JsonValue",
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

/// `(step id, artifact path, kind)` the script declares: the `@('id', 'path', 'kind',
/// 'what')` rows of its four tables, read from the syntax tree.
fn declared() -> Vec<(String, String, String)> {
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
                rows.push((strings[0].clone(), strings[1].clone(), strings[2].clone()));
            }
        });
    });
    rows
}

#[test]
fn the_declared_artifacts_are_the_documented_ones() {
    let rows = declared();
    assert_eq!(rows.len(), 21 + 15 + 4 + 5, "{rows:#?}");
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
        // The healthy and the stale-identities samples fail no rule.
        let code = i32::from(!matches!(
            name.as_str(),
            "win11-healthy" | "win11-stale-identities"
        ));
        let report = common::report_of(zip.to_str().unwrap(), code);
        assert_eq!(report["problems"], serde_json::json!([]), "{name}");
        let artifacts = report["artifacts"].as_array().unwrap();
        for s in steps {
            let (id, status) = (s["id"].as_str().unwrap(), s["status"].as_str().unwrap());
            let row = rows.iter().find(|r| r.0 == id).unwrap();
            match status {
                "ok" => {
                    assert_eq!(s["artifact"], row.1.as_str(), "{name} {id}");
                    let a = artifacts
                        .iter()
                        .find(|a| a["path"] == format!("{name}/{}", row.1))
                        .unwrap_or_else(|| panic!("{name}: {} not in the zip", row.1));
                    assert_eq!(a["kind"], row.2.as_str(), "{name} {id}: read as");
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
    assert!(
        text.contains("powershell.exe\" -NoProfile -ExecutionPolicy Bypass -File \"%SCRIPT%\" %*")
    );
    assert!(text.contains("set \"SCRIPT=%~dp0caadoctor-collect.ps1\""));
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
    assert_eq!(top.len(), 12, "{top:?}");
    for k in &top {
        assert!(fields.contains(k), "manifest field {k} is not documented");
    }
    // Step fields: those Add-Step writes.
    let add_step = src
        .split("function Add-Step")
        .nth(1)
        .unwrap()
        .split("\nfunction ")
        .next()
        .unwrap();
    for k in [
        "id",
        "artifact",
        "command",
        "status",
        "size",
        "sha256",
        "exit_code",
        "duration_ms",
        "error",
    ] {
        assert!(add_step.contains(&format!("'{k}'")), "Add-Step writes {k}");
        assert!(fields.contains(k), "step field {k} is not documented");
    }
    for k in ["registry_key", "event_log"] {
        assert!(src.contains(&format!("'{k}' = ")), "{k}");
        assert!(fields.contains(k), "{k}");
    }
    // Every status the script records is one the analyzer knows.
    let mut statuses = BTreeSet::new();
    for line in src.lines() {
        if let Some(rest) = line.trim().strip_prefix("Add-Step ") {
            let quoted: Vec<&str> = rest.split('\'').skip(1).step_by(2).collect();
            if let Some(s) = quoted.first() {
                statuses.insert((*s).to_owned());
            }
        }
    }
    let known: BTreeSet<String> = ["ok", "absent", "failed", "timeout", "skipped"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    assert!(
        !statuses.is_empty() && statuses.is_subset(&known),
        "{statuses:?}"
    );
    let manifest_rs = std::fs::read_to_string(repo().join("src/parse/manifest.rs")).unwrap();
    for s in &known {
        let variant = format!("{}{},", s[..1].to_uppercase(), &s[1..]);
        assert!(manifest_rs.contains(&variant), "StepStatus has {s}");
    }
}
