//! Windows services: whether each exists and how it starts (the registry key
//! `HKLM\SYSTEM\CurrentControlSet\Services\<name>`, else `sc qc` / `Get-Service`), and
//! whether it runs (`Get-Service` JSON, else `sc query`). Every service in the snapshot
//! becomes a group; the services the rules name are looked up even when absent, so "not
//! installed" is a fact rather than a gap.

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
        let mut facts = if let Some(present) = key_evidence(view, &key) {
            one(view, &key, Some(present))
        } else if let Some(absent) = absent_key_evidence(view, &key) {
            ServiceFacts {
                installed: Some(Fact::new(false, vec![absent])),
                ..Default::default()
            }
        } else {
            // A file that is not a whole export may set its start type; it does not show
            // whether the service is installed (importing it creates the key).
            one(view, &key, None)
        };
        apply_states(&mut facts, &name, states);
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

/// Adds what command outputs say: the state (Get-Service before sc), and the start type and
/// existence where the registry did not say.
fn apply_states(facts: &mut ServiceFacts, name: &str, states: &[StateSource]) {
    let mut mine: Vec<&StateSource> = states
        .iter()
        .filter(|s| s.state.name.eq_ignore_ascii_case(name))
        .collect();
    mine.sort_by_key(|s| s.command != "Get-Service");
    if let Some(s) = mine.iter().find(|s| s.state.state.is_some()) {
        let word = s.state.state.unwrap_or_default();
        let ev = state_evidence(s, word);
        facts.state = Some(Fact::new(word.to_owned(), vec![ev.clone()]));
        facts.running = Some(Fact::new(word == "running", vec![ev]));
        facts
            .installed
            .get_or_insert_with(|| Fact::new(true, vec![state_evidence(s, word)]));
    }
    if facts.start_type.is_none()
        && let Some(s) = mine.iter().find(|s| s.state.start_type.is_some())
    {
        let word = s.state.start_type.unwrap_or_default();
        facts.start_type = Some(Fact::new(word.to_owned(), vec![state_evidence(s, word)]));
        if let Some(n) = start_number(word) {
            facts.start = Some(Fact::new(n, vec![state_evidence(s, word)]));
        }
    }
    if facts.installed.is_none()
        && let Some(s) = mine.iter().find(|s| s.state.missing)
    {
        facts.installed = Some(Fact::new(
            false,
            vec![state_evidence(s, "error 1060: not installed")],
        ));
    }
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

fn one(view: &RegistryView, key: &str, present: Option<Evidence>) -> ServiceFacts {
    let mut s = ServiceFacts {
        installed: present.map(|ev| Fact::new(true, vec![ev])),
        ..Default::default()
    };
    if let Reading::Set(start, e) = int(view, key, "Start") {
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
        let mut evidence = vec![e.clone()];
        if is_delayed {
            evidence.extend(delayed.evidence().cloned());
        }
        s.start = Some(Fact::new(start, vec![e]));
        s.start_type = Some(Fact::new(word.to_owned(), evidence));
    }
    s
}
