//! Windows services: whether each exists and how it starts (the registry key
//! `HKLM\SYSTEM\CurrentControlSet\Services\<name>`, `sc qc` and `Get-Service`), and whether
//! it runs (`Get-Service` JSON and `sc query`), merged as `one` says: the Service Control
//! Manager's answer before the registry's, every disagreement kept. Every service in the
//! snapshot becomes a group; the services the rules name are looked up even when absent, so
//! "not installed" is a fact rather than a gap.

use super::merge::{Source, merge};
use super::model::{Evidence, Fact, fact_group};
use super::registry_read::{Reading, absent_key_evidence, int, key_evidence};
use crate::registry::RegistryView;
use std::collections::BTreeMap;

pub const SERVICES: &str = r"HKLM\SYSTEM\CurrentControlSet\Services";

fact_group! {
    /// One Windows service.
    pub struct ServiceFacts {
        /// The service's key exists (false: the snapshot shows it is not installed).
        installed: bool,
        /// Start value: 0 boot, 1 system, 2 automatic, 3 manual, 4 disabled.
        start: i64,
        /// Start as a word: boot, system, automatic, automatic-delayed, manual, disabled.
        start_type: String,
        /// Current state: running, stopped, start_pending, stop_pending, paused, ...
        state: String,
        /// The service is running (state is running).
        running: bool,
        /// System log: times it terminated unexpectedly (Service Control Manager 7031/7034).
        crashes: i64,
        /// System log: times it failed to start or stopped with an error (7000/7001/7009/7011/7023/7024).
        failed_starts: i64,
        /// System log: start type changes (7040), with time and old/new type.
        start_type_changes: Vec<String>,
        /// System log: the latest thing logged about it.
        last_event: String,
    }
}

/// A service state read from a command output, with where it was read.
#[derive(Debug, Clone)]
pub struct StateSource {
    pub artifact: String,
    /// What produced it: `sc query`, `sc qc`, `Get-Service`.
    pub command: &'static str,
    pub state: crate::parse::services::ServiceState,
}

/// Services keyed by their name as the registry spells it.
pub fn build(
    view: &RegistryView,
    wanted: &[String],
    states: &[StateSource],
) -> BTreeMap<String, ServiceFacts> {
    let mut out = BTreeMap::new();
    let mut names: Vec<String> = view
        .subkeys(SERVICES)
        .into_iter()
        .filter_map(|k| k.path.rsplit('\\').next().map(str::to_owned))
        .chain(states.iter().map(|s| s.state.name.clone()))
        .collect();
    names.sort_by_key(|n| n.to_lowercase());
    names.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
    for w in wanted {
        if !names.iter().any(|n| n.eq_ignore_ascii_case(w)) {
            names.push(w.clone());
        }
    }
    for name in names {
        let key = format!(r"{SERVICES}\{name}");
        let facts = one(view, &key, &name, states);
        if facts != ServiceFacts::default() {
            out.insert(name, facts);
        }
    }
    out
}

fn state_evidence(s: &StateSource, seen: &str) -> Evidence {
    Evidence {
        artifact: s.artifact.clone(),
        line: Some(s.state.line),
        locator: format!("{} {}", s.command, s.state.name),
        seen: seen.to_owned(),
    }
}

const SCM_WHY: &str = "the Service Control Manager's answer is what applies until the next restart; the registry's Start takes effect at the next restart";
const STATE_WHY: &str = "Get-Service runs after sc query in the collector: the later look";

/// One service, merged from the registry and the commands in this order (see `merge.rs`):
///
/// * **installed**: what the Service Control Manager answers (`Get-Service`, `sc query`,
///   `sc qc`: a state or start type, or error 1060), then the registry key listed by an
///   export, then a key an export lacks (inferred from absence: any observation beats it);
/// * **start**, **start_type**: `sc qc`, then `Get-Service`, then the registry's `Start`
///   (with `DelayedAutostart`) — when they disagree, the Service Control Manager's value is
///   used (it applies until the next restart) and the registry's is kept beside it;
/// * **state**, **running**: `Get-Service`, then `sc query`.
///
/// A file that is not a whole export may set the start type; it does not show whether the
/// service is installed (importing it creates the key).
fn one(view: &RegistryView, key: &str, name: &str, states: &[StateSource]) -> ServiceFacts {
    let mut mine: Vec<&StateSource> = states
        .iter()
        .filter(|s| s.state.name.eq_ignore_ascii_case(name))
        .collect();
    // Get-Service, then sc query, then sc qc.
    mine.sort_by_key(|s| match s.command {
        "Get-Service" => 0,
        "sc query" => 1,
        _ => 2,
    });
    let mut f = ServiceFacts::default();

    let mut installed: Vec<Source<bool>> = Vec::new();
    for s in &mine {
        let shown = if s.state.missing {
            "error 1060: not installed"
        } else {
            s.state.state.or(s.state.start_type).unwrap_or("listed")
        };
        let source = Source::observed(
            !s.state.missing,
            shown,
            s.command,
            vec![state_evidence(s, shown)],
        );
        installed.push(source);
    }
    if let Some(ev) = key_evidence(view, key) {
        installed.push(Source::observed(
            true,
            "key present",
            "the registry",
            vec![ev],
        ));
    } else if let Some(ev) = absent_key_evidence(view, key) {
        // The collector's `reg` found the key missing: observed; an export lacks it: inferred.
        let source = if view.covers(key).is_some_and(|c| c.absent) {
            Source::observed(false, "key absent", "the registry", vec![ev])
        } else {
            Source::inferred(false, "key absent", "the registry", vec![ev])
        };
        installed.push(source);
    }
    f.installed = merge(&installed, |a, b| a == b, SCM_WHY);

    let mut start: Vec<Source<(i64, &'static str)>> = Vec::new();
    for s in mine.iter().rev() {
        if let Some(word) = s.state.start_type
            && let Some(n) = start_number(word)
        {
            let shown = format!("{word} ({n})");
            start.push(Source::observed(
                (n, word),
                shown.clone(),
                s.command,
                vec![state_evidence(s, word)],
            ));
        }
    }
    if let Some((n, word, evidence)) = registry_start(view, key) {
        let shown = format!("{word} (Start={n})");
        start.push(Source::observed(
            (n, word),
            shown,
            "the registry's Start",
            evidence,
        ));
    }
    if let Some(merged) = merge(&start, |a, b| a.0 == b.0, SCM_WHY) {
        let (n, word) = merged.value;
        // Get-Service cannot say "delayed": a source that agrees on automatic and can, does.
        let delayed = n == 2 && start.iter().any(|s| s.value == (2, "automatic-delayed"));
        let word = if delayed { "automatic-delayed" } else { word };
        f.start = Some(Fact {
            value: n,
            evidence: merged.evidence.clone(),
            note: merged.note.clone(),
            disagreement: merged.disagreement.clone(),
        });
        f.start_type = Some(Fact {
            value: word.to_owned(),
            evidence: merged.evidence,
            note: merged.note,
            disagreement: merged.disagreement,
        });
    }

    let state: Vec<Source<&'static str>> = mine
        .iter()
        .filter_map(|s| {
            let word = s.state.state?;
            Some(Source::observed(
                word,
                word,
                s.command,
                vec![state_evidence(s, word)],
            ))
        })
        .collect();
    if let Some(merged) = merge(&state, |a, b| a == b, STATE_WHY) {
        f.running = Some(Fact {
            value: merged.value == "running",
            evidence: merged.evidence.clone(),
            note: merged.note.clone(),
            disagreement: merged.disagreement.clone(),
        });
        f.state = Some(Fact {
            value: merged.value.to_owned(),
            evidence: merged.evidence,
            note: merged.note,
            disagreement: merged.disagreement,
        });
    }
    f
}

fn start_number(word: &str) -> Option<i64> {
    Some(match word {
        "boot" => 0,
        "system" => 1,
        "automatic" | "automatic-delayed" => 2,
        "manual" => 3,
        "disabled" => 4,
        _ => return None,
    })
}

/// The registry's `Start` (and `DelayedAutostart`): number, word, evidence.
fn registry_start(view: &RegistryView, key: &str) -> Option<(i64, &'static str, Vec<Evidence>)> {
    let Reading::Set(start, e) = int(view, key, "Start") else {
        return None;
    };
    let delayed = int(view, key, "DelayedAutostart");
    let is_delayed = start == 2 && delayed.value() == Some(&1);
    let word = match start {
        0 => "boot",
        1 => "system",
        2 if is_delayed => "automatic-delayed",
        2 => "automatic",
        3 => "manual",
        4 => "disabled",
        _ => "unknown",
    };
    let mut evidence = vec![e];
    if is_delayed {
        evidence.extend(delayed.evidence().cloned());
    }
    Some((start, word, evidence))
}
