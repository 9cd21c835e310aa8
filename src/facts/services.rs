//! Windows services from `HKLM\SYSTEM\CurrentControlSet\Services\<name>`: whether the
//! service exists and how it starts. Every service key in the snapshot becomes a group;
//! the services the rules name are looked up even when absent, so "not installed" is a
//! fact rather than a gap.

use super::model::{Fact, fact_group};
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
    }
}

/// Services keyed by their name as the registry spells it.
pub fn build(view: &RegistryView, wanted: &[String]) -> BTreeMap<String, ServiceFacts> {
    let mut out = BTreeMap::new();
    let mut names: Vec<String> = view
        .subkeys(SERVICES)
        .into_iter()
        .filter_map(|k| k.path.rsplit('\\').next().map(str::to_owned))
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
        let facts = if let Some(present) = key_evidence(view, &key) {
            one(view, &key, present)
        } else if let Some(absent) = absent_key_evidence(view, &key) {
            ServiceFacts {
                installed: Some(Fact::new(false, vec![absent])),
                ..Default::default()
            }
        } else {
            continue;
        };
        out.insert(name, facts);
    }
    out
}

fn one(view: &RegistryView, key: &str, present: super::model::Evidence) -> ServiceFacts {
    let mut s = ServiceFacts {
        installed: Some(Fact::new(true, vec![present])),
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
