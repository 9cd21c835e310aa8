//! The collector, embedded: `caadoctor collector --out DIR` writes the PowerShell script and
//! its double-click launcher exactly as they are in `collectors/`, so an engineer on any
//! platform can send them to the user of the failing PC.

use std::path::{Path, PathBuf};

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
