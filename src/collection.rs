//! What the collector's manifest says about its own run, as problems and caveats: steps
//! that failed, timed out or were skipped, artifacts cut short, files a step did not
//! finish (`*.partial`), files left out of the zip, a collection stopped early, a 32-bit
//! process on 64-bit Windows, Constrained Language mode.
//!
//! Takes the manifest (if any) and the snapshot's artifact paths; gives problems, notes for
//! the report's header, and the artifacts that must not be read as whole files.

use crate::parse::manifest::{Manifest, StepStatus};
use crate::problem::{Problem, ProblemKind};
use std::collections::BTreeSet;

/// The account of one collection.
#[derive(Debug, Default)]
pub struct Account {
    pub problems: Vec<Problem>,
    pub notes: Vec<String>,
    /// Artifacts never to read: left by a step that did not finish.
    pub unread: BTreeSet<String>,
}

/// Files whose name says a collection step did not finish writing them.
pub const PARTIAL_SUFFIX: &str = ".partial";

/// The snapshot path of a manifest artifact (the snapshot's paths may carry the zip's top
/// folder).
fn snapshot_path<'a>(artifact: &str, paths: &'a [&'a str]) -> Option<&'a str> {
    let a = artifact.replace('\\', "/");
    paths
        .iter()
        .find(|p| **p == a || p.ends_with(&format!("/{a}")))
        .copied()
}

fn status_word(s: StepStatus) -> &'static str {
    match s {
        StepStatus::Ok => "ok",
        StepStatus::Absent => "absent",
        StepStatus::Failed => "failed",
        StepStatus::Timeout => "timed out",
        StepStatus::Skipped => "skipped",
        StepStatus::Unknown => "ended in a state this analyzer does not know",
    }
}

/// The account of the collection behind `paths`, from its manifest when there is one.
pub fn account(manifest: Option<(&str, &Manifest)>, paths: &[&str]) -> Account {
    let mut out = Account::default();
    for p in paths.iter().filter(|p| p.ends_with(PARTIAL_SUFFIX)) {
        out.unread.insert((*p).to_owned());
        out.problems.push(Problem::new(
            Some(p),
            ProblemKind::Collection,
            "left by a collection step that did not finish; not read",
        ));
    }
    let Some((manifest_path, m)) = manifest else {
        return out;
    };
    for step in &m.steps {
        let why = step
            .error
            .as_deref()
            .map(|e| format!(": {}", one_line(e)))
            .unwrap_or_default();
        match (step.status, &step.artifact) {
            (StepStatus::Ok | StepStatus::Absent, _) => {}
            (status, Some(artifact)) => {
                // A file the collector kept although the step did not end well: what a
                // program printed before it was stopped.
                let at = snapshot_path(artifact, paths);
                let message = if step.partial {
                    format!(
                        "partial: `{}` {} and what it printed until then is read; the rest is missing{why}",
                        step.command.as_deref().unwrap_or(step.name()),
                        status_word(status)
                    )
                } else {
                    format!(
                        "the step that wrote it {}{why}; it is read, but may be incomplete",
                        status_word(status)
                    )
                };
                out.problems.push(Problem::new(
                    Some(at.unwrap_or(artifact)),
                    ProblemKind::Collection,
                    message,
                ));
            }
            (status, None) => out.problems.push(Problem::new(
                Some(manifest_path),
                ProblemKind::Collection,
                format!(
                    "not collected: step {} ({}) {}{why}",
                    step.name(),
                    step.command.as_deref().unwrap_or("?"),
                    status_word(status)
                ),
            )),
        }
    }
    for file in &m.excluded {
        out.problems.push(Problem::new(
            Some(manifest_path),
            ProblemKind::Collection,
            format!("{file} was left out of the zip: a program still held it"),
        ));
    }
    if let Some(stopped) = &m.stopped {
        out.notes.push(format!(
            "the collection did not run to its end ({}); what it collected is read",
            one_line(stopped)
        ));
    }
    if m.collected_32_bit_on_64() {
        out.notes.push(
            "collected by 32-bit PowerShell on 64-bit Windows: HKLM\\SOFTWARE and netsh show the 32-bit view"
                .to_owned(),
        );
    }
    if m.constrained() {
        out.notes.push(format!(
            "PowerShell ran in {} (AppLocker or WDAC): no connectivity probes, WMI without a hard deadline",
            m.language_mode.as_deref().unwrap_or("a restricted language mode")
        ));
    }
    out
}

fn one_line(s: &str) -> String {
    let joined = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if joined.chars().count() > 200 {
        format!("{}...", joined.chars().take(200).collect::<String>())
    } else {
        joined
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::manifest;

    #[test]
    fn steps_that_did_not_finish_are_problems_and_partial_files_are_not_read() {
        let m = manifest::parse(
            r#"{"schema":"caadoctor.manifest/1","process":{"bits":32,"os_bits":64},
            "language_mode":"ConstrainedLanguage","stopped":"the collection was interrupted (Ctrl+C)",
            "excluded":["eventlogs/System.evtx"],
            "steps":[
              {"id":"cmd-dsregcmd","artifact":"commands/dsregcmd-status.txt","command":"dsregcmd /status","status":"timeout","partial":true,"error":"stopped after 45 s"},
              {"id":"reg-schannel","command":"reg export X","status":"failed","error":"ERROR: Access is denied.\r\n"},
              {"id":"probes","command":"probes","status":"skipped","error":"the -NoProbes switch was given"},
              {"id":"reg-x","command":"reg export Y","status":"absent"},
              {"id":"cmd-ipconfig-all","artifact":"commands/ipconfig-all.txt","status":"ok"}]}"#,
        )
        .unwrap();
        let paths = [
            "top/manifest.json",
            "top/commands/dsregcmd-status.txt",
            "top/registry/schannel.reg.partial",
        ];
        let a = account(Some(("top/manifest.json", &m)), &paths);
        let messages: Vec<String> = a.problems.iter().map(ToString::to_string).collect();
        assert_eq!(a.problems.len(), 5, "{messages:#?}");
        assert!(messages[0].starts_with("top/registry/schannel.reg.partial: left by"));
        assert!(
            messages[1].starts_with(
                "top/commands/dsregcmd-status.txt: partial: `dsregcmd /status` timed out"
            ),
            "{}",
            messages[1]
        );
        assert!(messages[2].contains(
            "not collected: step reg-schannel (reg export X) failed: ERROR: Access is denied."
        ));
        assert!(messages[3].contains("skipped: the -NoProbes switch was given"));
        assert!(messages[4].contains("eventlogs/System.evtx was left out of the zip"));
        assert!(a.unread.contains("top/registry/schannel.reg.partial"));
        assert_eq!(a.notes.len(), 3, "{:?}", a.notes);
    }

    #[test]
    fn without_a_manifest_only_partial_files_are_known() {
        let a = account(None, &["x/a.reg", "x/b.reg.partial"]);
        assert_eq!(a.problems.len(), 1);
        assert!(a.notes.is_empty());
    }
}
