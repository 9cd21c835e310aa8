//! The collector, embedded: `caadoctor collector --out DIR` writes the PowerShell script and
//! its double-click launcher exactly as they are in `collectors/`, so an engineer on any
//! platform can send them to the user of the failing PC; and the artifacts the script
//! declares ([`declared`]), which the analyzer names when it asks for something to collect.

use regex::Regex;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

/// The script the user runs (Windows PowerShell 2.0 to 7).
pub const SCRIPT_NAME: &str = "caadoctor-collect.ps1";
pub const SCRIPT: &[u8] = include_bytes!("../collectors/caadoctor-collect.ps1");
/// The launcher the user double-clicks: runs the script beside it, then waits.
pub const LAUNCHER_NAME: &str = "caadoctor-collect.cmd";
pub const LAUNCHER: &[u8] = include_bytes!("../collectors/caadoctor-collect.cmd");

/// Writes both files into `dir` (created if missing) and returns their paths.
pub fn write_to(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    for (name, bytes) in [(SCRIPT_NAME, SCRIPT), (LAUNCHER_NAME, LAUNCHER)] {
        let path = dir.join(name);
        std::fs::write(&path, bytes)?;
        written.push(path);
    }
    Ok(written)
}

/// The script's tables of what it collects, in its order.
pub const TABLES: [&str; 4] = ["$EventLogs", "$RegistryExports", "$Commands", "$Documents"];

/// One row of the script's tables: `@('step id', 'artifact path', 'kind', 'what')`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declared {
    /// The table it is in (`$RegistryExports`, ...).
    pub table: &'static str,
    pub step: String,
    pub artifact: String,
    /// The analyzer's artifact kind (`reg-export`, `reg-query`, `sc-qc`, `event-log`, ...).
    pub kind: String,
    /// What produces it: a registry key, a command line, a channel, a description.
    pub what: String,
}

static ROW: LazyLock<Regex> = LazyLock::new(|| {
    let s = r"'((?:[^']|'')*)'";
    Regex::new(&format!(r"^\s*@\({s},\s*{s},\s*{s},\s*{s}\),?\s*$")).expect("static regex")
});

/// Every artifact the script declares, read from its four tables (a table opens with
/// `$Name = @(` and closes with a line holding `)`). `tests/collector.rs` checks this reading
/// against a full parse of the script.
pub fn declared() -> Vec<Declared> {
    let text = String::from_utf8_lossy(SCRIPT);
    let mut out = Vec::new();
    let mut table: Option<&'static str> = None;
    for line in text.lines() {
        let trimmed = line.trim();
        if let Some(t) = TABLES.iter().find(|t| {
            trimmed
                .strip_prefix(**t)
                .is_some_and(|r| r.trim() == "= @(")
        }) {
            table = Some(t);
            continue;
        }
        let Some(t) = table else { continue };
        if trimmed == ")" {
            table = None;
            continue;
        }
        if let Some(c) = ROW.captures(line) {
            let cell = |i: usize| c.get(i).map_or("", |m| m.as_str()).replace("''", "'");
            out.push(Declared {
                table: t,
                step: cell(1),
                artifact: cell(2),
                kind: cell(3),
                what: cell(4),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tables_are_read_row_by_row() {
        let rows = declared();
        let os = rows.iter().find(|r| r.step == "reg-os-version").unwrap();
        assert_eq!(
            (
                os.table,
                os.artifact.as_str(),
                os.kind.as_str(),
                os.what.as_str()
            ),
            (
                "$RegistryExports",
                "registry/os-version.txt",
                "reg-query",
                r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion"
            )
        );
        let probes = rows.iter().find(|r| r.step == "probes").unwrap();
        assert!(probes.what.contains("article's endpoints"), "{probes:?}");
        for t in TABLES {
            assert!(rows.iter().any(|r| r.table == t), "{t}");
        }
    }
}
