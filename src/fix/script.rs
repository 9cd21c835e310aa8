//! The script the user runs, generated from a [`Plan`]: the engine
//! `collectors/caadoctor-fix.ps1` with its plan block (between `# ---- plan: begin` and
//! `# ---- plan: end`) replaced by the plan's actions as PowerShell data, one hashtable per
//! action with the values the run-time check expects and the inverse action the undo runs,
//! and each `# @include NAME` line replaced by that function of the collector — one copy of
//! the bounded console runner, the WMI deadline and the time helpers, checked once.
//!
//! The launcher is the collector's, unchanged: it runs the `.ps1` of its own name.

use super::model::{Action, Change, Handling, Opens, Plan, Winhttp};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The engine the plan is spliced into.
pub const TEMPLATE: &str = include_str!("../../collectors/caadoctor-fix.ps1");
pub const SCRIPT_NAME: &str = "caadoctor-fix.ps1";
pub const LAUNCHER_NAME: &str = "caadoctor-fix.cmd";
pub const PLAN_BEGIN: &str = "# ---- plan: begin";
pub const PLAN_END: &str = "# ---- plan: end";
const INCLUDE: &str = "# @include ";

/// A PowerShell value, written as source.
#[derive(Debug, Clone)]
enum Ps {
    Null,
    Bool(bool),
    Int(i64),
    Str(String),
    Arr(Vec<Ps>),
    Map(Vec<(&'static str, Ps)>),
}

fn s(text: impl Into<String>) -> Ps {
    Ps::Str(text.into())
}

fn strings(items: &[String]) -> Ps {
    Ps::Arr(items.iter().cloned().map(Ps::Str).collect())
}

fn opt(v: Option<u32>) -> Ps {
    v.map_or(Ps::Null, |v| Ps::Int(i64::from(v)))
}

/// A single-quoted string: PowerShell takes four characters for a single quote, each
/// doubled inside.
fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}') {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    out
}

impl Ps {
    fn write(&self, out: &mut String, indent: usize) {
        match self {
            Ps::Null => out.push_str("$null"),
            Ps::Bool(b) => out.push_str(if *b { "$true" } else { "$false" }),
            Ps::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Ps::Str(t) => out.push_str(&quoted(t)),
            Ps::Arr(items) => {
                out.push_str("@(");
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    item.write(out, indent);
                }
                out.push(')');
            }
            Ps::Map(pairs) => {
                let pad = "    ".repeat(indent + 1);
                out.push_str("@{\n");
                for (k, v) in pairs {
                    let _ = write!(out, "{pad}{} = ", quoted(k));
                    v.write(out, indent + 1);
                    out.push('\n');
                }
                out.push_str(&"    ".repeat(indent));
                out.push('}');
            }
        }
    }
}

/// How the engine names a WinHTTP setting, and its proxy, bypass list and PAC URL.
fn winhttp_fields(w: &Winhttp) -> (&'static str, String, String, String, bool) {
    match w {
        Winhttp::Direct => ("direct", String::new(), String::new(), String::new(), false),
        Winhttp::Proxy { server, bypass } => (
            "proxy",
            server.clone(),
            bypass.clone(),
            String::new(),
            false,
        ),
        Winhttp::Browser { server, bypass } => (
            "browser",
            server.clone(),
            bypass.clone(),
            String::new(),
            false,
        ),
        Winhttp::PerUser {
            auto_config_url,
            auto_detect,
        } => (
            "per-user",
            String::new(),
            String::new(),
            auto_config_url.clone(),
            *auto_detect,
        ),
    }
}

/// The engine's fields of a change.
fn change_fields(change: &Change) -> Vec<(&'static str, Ps)> {
    match change {
        Change::RegistryValue {
            key,
            name,
            before,
            after,
            overridden_by,
            ..
        } => vec![
            ("Kind", s("registry-value")),
            ("Key", s(key)),
            ("Name", s(name)),
            ("Old", opt(*before)),
            ("New", opt(*after)),
            ("Policy", strings(overridden_by)),
        ],
        Change::RegistryKeyMove { key, subkeys } => vec![
            ("Kind", s("registry-key-move")),
            ("Key", s(key)),
            ("Subkeys", strings(subkeys)),
        ],
        Change::RegistryKeyRestore { key, from } => vec![
            ("Kind", s("registry-key-restore")),
            ("Key", s(key)),
            ("From", s(from)),
        ],
        Change::FolderMove { path, files } => vec![
            ("Kind", s("folder-move")),
            ("Path", s(path)),
            ("Files", strings(files)),
        ],
        Change::FolderRestore { path, from, files } => vec![
            ("Kind", s("folder-restore")),
            ("Path", s(path)),
            ("From", s(from)),
            ("Files", strings(files)),
        ],
        Change::CredentialDelete { target } => {
            vec![("Kind", s("credential")), ("Target", s(target))]
        }
        Change::WinhttpProxy { before, after } => {
            // The check reads the WinHttpSettings value, where the browser's proxy, once
            // imported, is a named proxy like any other.
            let (old, old_proxy, old_bypass, _, _) = winhttp_fields(before);
            let old = if old == "browser" { "proxy" } else { old };
            let (new, proxy, bypass, pac, detect) = winhttp_fields(after);
            vec![
                ("Kind", s("winhttp")),
                ("OldMode", s(old)),
                ("OldProxy", s(old_proxy)),
                ("OldBypass", s(old_bypass)),
                ("NewMode", s(new)),
                ("NewProxy", s(proxy)),
                ("NewBypass", s(bypass)),
                ("NewPac", s(pac)),
                ("NewAutoDetect", Ps::Bool(detect)),
            ]
        }
        Change::WinsockReset { providers, dlls } => vec![
            ("Kind", s("winsock-reset")),
            ("Providers", strings(providers)),
            ("Dlls", strings(dlls)),
        ],
        Change::Service {
            service,
            before,
            after,
            start,
        } => vec![
            ("Kind", s("service")),
            ("Service", s(service)),
            ("OldStart", Ps::Int(i64::from(*before))),
            ("NewStart", Ps::Int(i64::from(*after))),
            ("Start", Ps::Bool(*start)),
        ],
        Change::Open(opens) => {
            let mut f = vec![("Kind", s("open"))];
            match opens {
                Opens::OfficeUpdate { version } => {
                    f.push(("Opens", s("office-update")));
                    f.push(("Version", s(version)));
                }
                Opens::WindowsUpdate { build, ubr } => {
                    f.push(("Opens", s("windows-update")));
                    f.push(("Build", s(build.to_string())));
                    f.push(("Ubr", ubr.map_or(Ps::Null, Ps::Int)));
                }
                Opens::WorkAccounts { accounts } => {
                    f.push(("Opens", s("work-accounts")));
                    f.push(("Accounts", strings(accounts)));
                }
                Opens::Update { kb, url } => {
                    f.push(("Opens", s("update")));
                    f.push(("Kb", s(kb)));
                    f.push(("Url", s(url)));
                }
            }
            f
        }
    }
}

/// One action as the engine reads it, with its inverse as `Undo` (an action too).
fn row(a: &Action, undo: bool) -> Ps {
    let mut pairs: Vec<(&'static str, Ps)> = vec![
        ("Id", s(&a.id)),
        ("Rule", s(&a.rule)),
        ("Title", s(&a.title)),
        ("Admin", Ps::Bool(a.admin)),
        ("Restart", Ps::Bool(a.restart)),
        ("CloseOffice", Ps::Bool(a.close_office)),
        ("Before", s(&a.before)),
        ("After", s(&a.after)),
        ("Check", s(&a.check)),
    ];
    pairs.extend(change_fields(&a.change));
    if undo {
        pairs.push(("UndoHow", s(&a.undo.how)));
        let inverse = a.undo.change.as_ref().map(|c| {
            let back = Action::new(
                format!("undo-{}", a.id),
                &a.rule,
                format!("Undo: {}", a.title),
                c.clone(),
                a.justification.clone(),
            );
            row(&back, false)
        });
        pairs.push(("Undo", inverse.unwrap_or(Ps::Null)));
    }
    Ps::Map(pairs)
}

/// The plan block: the PC it is for, the actions, and the messages for IT.
fn plan_block(plan: &Plan) -> String {
    let t = &plan.snapshot;
    let source = Path::new(&t.source)
        .file_name()
        .map_or(t.source.clone(), |n| n.to_string_lossy().into_owned());
    let header = Ps::Map(vec![
        ("Host", s(t.host.clone().unwrap_or_default())),
        ("User", s(t.user.clone().unwrap_or_default())),
        ("Source", s(source)),
        ("Collected", s(t.collected_at.clone().unwrap_or_default())),
        (
            "Tool",
            s(format!("{} {}", plan.tool.name, plan.tool.version)),
        ),
    ]);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{PLAN_BEGIN} (written by caadoctor fix; the undo script is this file with another plan)"
    );
    out.push_str("$Mode = 'fix'\n$Plan = ");
    header.write(&mut out, 0);
    out.push_str("\n$Actions = @(\n");
    for (i, a) in plan.actions.iter().enumerate() {
        let _ = writeln!(
            out,
            "    # {}. {} ({}): {}",
            i + 1,
            a.rule,
            a.justification.status,
            a.id
        );
        out.push_str("    ");
        row(a, true).write(&mut out, 1);
        out.push_str(if i + 1 < plan.actions.len() {
            ",\n"
        } else {
            "\n"
        });
    }
    out.push_str(")\n$Messages = ");
    let messages: Vec<Ps> = plan
        .rules
        .iter()
        .filter(|r| r.handling == Handling::AskIt)
        .filter_map(|r| {
            r.note
                .as_ref()
                .map(|n| s(format!("For IT ({}): {n}", r.rule)))
        })
        .collect();
    Ps::Arr(messages).write(&mut out, 0);
    out.push('\n');
    let _ = writeln!(out, "{PLAN_END}");
    out
}

/// The text of the collector's function `name`, with the comment lines just above it.
fn collector_function(name: &str) -> Option<String> {
    let src = String::from_utf8_lossy(crate::collector::SCRIPT).replace("\r\n", "\n");
    let lines: Vec<&str> = src.lines().collect();
    let start = lines.iter().position(|l| {
        l.strip_prefix("function ")
            .and_then(|r| r.strip_prefix(name))
            .is_some_and(|r| r.starts_with(['(', ' ', '{']))
    })?;
    let end = start + lines[start..].iter().position(|l| *l == "}")?;
    let mut first = start;
    while first > 0 && lines[first - 1].starts_with('#') {
        first -= 1;
    }
    Some(lines[first..=end].join("\n"))
}

/// The script for a plan, with Windows line ends.
pub fn render(plan: &Plan) -> String {
    let template = TEMPLATE.replace("\r\n", "\n");
    let mut out = String::with_capacity(template.len() * 2);
    let mut in_plan = false;
    for line in template.lines() {
        if line.starts_with(PLAN_BEGIN) {
            in_plan = true;
            out.push_str(&plan_block(plan));
            continue;
        }
        if in_plan {
            in_plan = !line.starts_with(PLAN_END);
            continue;
        }
        if let Some(name) = line.strip_prefix(INCLUDE) {
            match collector_function(name.trim()) {
                Some(f) => out.push_str(&f),
                None => {
                    let _ = write!(out, "# missing from the collector: {name}");
                }
            }
            out.push('\n');
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.replace('\n', "\r\n")
}

/// Writes the script (UTF-8 with a BOM: PowerShell 2.0 reads a script without one as
/// ANSI, and a plan may name non-ASCII paths), its launcher, and the collector with its
/// launcher (the script offers to run it for the "after" snapshot). Returns the paths.
pub fn write_to(plan: &Plan, dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut script = vec![0xEF, 0xBB, 0xBF];
    script.extend_from_slice(render(plan).as_bytes());
    let files: [(&str, &[u8]); 4] = [
        (SCRIPT_NAME, &script),
        (LAUNCHER_NAME, crate::collector::LAUNCHER),
        (crate::collector::SCRIPT_NAME, crate::collector::SCRIPT),
        (crate::collector::LAUNCHER_NAME, crate::collector::LAUNCHER),
    ];
    let mut written = Vec::new();
    for (name, bytes) in files {
        let path = dir.join(name);
        std::fs::write(&path, bytes)?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_quote_powershell_knows_is_doubled() {
        assert_eq!(quoted("it's"), "'it''s'");
        assert_eq!(quoted("l\u{2019}an"), "'l\u{2019}\u{2019}an'");
        assert_eq!(quoted(r"C:\a"), r"'C:\a'");
    }

    #[test]
    fn the_collector_functions_the_engine_includes_exist() {
        for line in TEMPLATE.lines() {
            if let Some(name) = line.strip_prefix(INCLUDE) {
                let f = collector_function(name.trim())
                    .unwrap_or_else(|| panic!("{name} is not in the collector"));
                assert!(f.contains(&format!("function {}", name.trim())));
                assert!(f.ends_with('}'));
            }
        }
    }
}
