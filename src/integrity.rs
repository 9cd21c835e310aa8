//! Whether each artifact is what the collector wrote: its size and SHA-256 against the
//! manifest's record of them, so that a member changed or damaged after collection is
//! visible. The artifact is still read; the problem says what was expected and found.
//!
//! Takes an artifact and the manifest step that wrote it ([`check`]), or the manifest and
//! every path the snapshot holds ([`missing`]); gives [`Problem`]s of kind
//! [`ProblemKind::Integrity`]. The size is compared first and the digest only when the
//! sizes agree, so a truncated file costs no hashing.

use crate::parse::manifest::{Manifest, Step, StepStatus};
use crate::problem::{Problem, ProblemKind};
use crate::snapshot::Artifact;
use sha2::{Digest, Sha256};
use std::collections::HashSet;

/// The problem when `artifact` differs from what `step` recorded of it.
pub fn check(artifact: &Artifact, step: &Step) -> Option<Problem> {
    let found = artifact.bytes.len() as u64;
    let mismatch = match (step.size, &step.sha256) {
        (Some(expected), _) if expected != found => format!(
            "{} bytes, the manifest records {}",
            thousands(found),
            thousands(expected)
        ),
        (_, Some(expected)) => {
            let digest = hex(&Sha256::digest(&artifact.bytes));
            if digest == *expected {
                return None;
            }
            format!("SHA-256 {digest}, the manifest records {expected}")
        }
        _ => return None,
    };
    Some(Problem::new(
        Some(&artifact.path),
        ProblemKind::Integrity,
        format!(
            "not the file the collector wrote ({mismatch}): changed or damaged after \
             collection; it is read, but what it says may not be the PC's"
        ),
    ))
}

/// Artifacts the manifest records as written (a step `ok`, with a size or a digest) that
/// the snapshot does not hold: one problem naming the first few. `present` is every path the
/// snapshot names, read or not (a member refused or encrypted is already a problem of its
/// own); files the manifest says were left out of the zip are not missing.
pub fn missing(manifest_path: &str, manifest: &Manifest, present: &[&str]) -> Option<Problem> {
    const SHOWN: usize = 5;
    // Every path and every tail of it after a `/`: the snapshot's paths may carry the zip's
    // top folder, or a zip's name when the zip was zipped.
    let mut known: HashSet<&str> = HashSet::new();
    for path in present {
        known.insert(path);
        known.extend(path.match_indices('/').map(|(at, _)| &path[at + 1..]));
    }
    let excluded: HashSet<String> = manifest
        .excluded
        .iter()
        .map(|e| e.replace('\\', "/"))
        .collect();
    let gone: Vec<String> = manifest
        .steps
        .iter()
        .filter(|s| s.status == StepStatus::Ok && (s.size.is_some() || s.sha256.is_some()))
        .filter_map(|s| s.artifact.as_deref().map(|a| a.replace('\\', "/")))
        .filter(|a| !known.contains(a.as_str()) && !excluded.contains(a))
        .collect();
    if gone.is_empty() {
        return None;
    }
    let more = if gone.len() > SHOWN { ", ..." } else { "" };
    Some(Problem::new(
        Some(manifest_path),
        ProblemKind::Integrity,
        format!(
            "{} file{} the collector wrote {} not in the snapshot ({}{more}): removed after \
             collection, or not copied with the rest",
            gone.len(),
            if gone.len() == 1 { "" } else { "s" },
            if gone.len() == 1 { "is" } else { "are" },
            gone[..gone.len().min(SHOWN)].join(", ")
        ),
    ))
}

/// Bytes in lowercase hex, as SHA-256 digests are written (manifests, bulk records).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `69632` → `69,632`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::manifest;

    fn step(size: u64, sha256: &str) -> Step {
        let text = format!(
            r#"{{"schema":"caadoctor.manifest/1","steps":[{{"artifact":"a.txt","status":"ok","size":{size},"sha256":"{sha256}"}}]}}"#
        );
        manifest::parse(&text).unwrap().steps.remove(0)
    }

    const HELLO: &str = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

    #[test]
    fn size_then_digest() {
        let artifact = |bytes: &[u8]| Artifact {
            path: "snap/a.txt".to_owned(),
            bytes: bytes.to_vec(),
        };
        assert_eq!(check(&artifact(b"hello"), &step(5, HELLO)), None);
        let p = check(&artifact(b"hellO"), &step(5, HELLO)).unwrap();
        assert_eq!(p.kind, ProblemKind::Integrity);
        assert!(
            p.message.starts_with(&format!(
                "not the file the collector wrote (SHA-256 {}, the manifest records {HELLO})",
                hex(&Sha256::digest(b"hellO"))
            )),
            "{}",
            p.message
        );
        let p = check(&artifact(b"hell"), &step(69_632, HELLO)).unwrap();
        assert!(
            p.message.starts_with(
                "not the file the collector wrote (4 bytes, the manifest records 69,632)"
            ),
            "{}",
            p.message
        );
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn a_recorded_file_the_snapshot_lacks_is_missing() {
        let m = manifest::parse(
            r#"{"schema":"caadoctor.manifest/1","excluded":["eventlogs/System.evtx"],"steps":[
              {"id":"a","artifact":"registry\\a.reg","status":"ok","size":3},
              {"id":"b","artifact":"registry/b.reg","status":"ok","size":3},
              {"id":"c","artifact":"registry/c.reg","status":"timeout","size":3},
              {"id":"d","artifact":"eventlogs/System.evtx","status":"ok","size":3},
              {"id":"e","artifact":"registry/e.reg","status":"ok"}]}"#,
        )
        .unwrap();
        let p = missing(
            "top/manifest.json",
            &m,
            &["top/manifest.json", "top/registry/a.reg"],
        )
        .unwrap();
        assert_eq!(
            p.message,
            "1 file the collector wrote is not in the snapshot (registry/b.reg): removed after \
             collection, or not copied with the rest"
        );
        assert!(missing("m.json", &m, &["registry/a.reg", "x/registry/b.reg"]).is_none());
    }
}
