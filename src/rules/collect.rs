//! What to collect for a fact the snapshot lacks: the collector's steps that give it
//! (`analyzers/data/collect.toml`, by step id), told as the registry key to export, the
//! command to run or the event log to export that the collector's own tables declare
//! ([`crate::collector::declared`]), with the command line to do it by hand — leaving out
//! the steps whose data the snapshot already holds ([`collected`]).

use crate::collector::{self, Declared};
use crate::facts::Inputs;
use crate::parse::manifest::StepStatus;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::LazyLock;

pub const SOURCE: &str = include_str!("../../analyzers/data/collect.toml");

/// The collector's own manifest, which every run writes.
pub const MANIFEST_STEP: &str = "manifest";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Table {
    /// Fact path or prefix (`tls.`, `services.<name>.start`) → step ids.
    pub facts: BTreeMap<String, Vec<String>>,
    /// Step id → what to run by hand, for what the collector writes itself.
    pub by_hand: BTreeMap<String, String>,
}

/// The table compiled in. A test loads it; a broken edit gives an empty table.
pub static TABLE: LazyLock<Table> = LazyLock::new(|| {
    toml::from_str(SOURCE).unwrap_or(Table {
        facts: BTreeMap::new(),
        by_hand: BTreeMap::new(),
    })
});

static DECLARED: LazyLock<Vec<Declared>> = LazyLock::new(collector::declared);

/// One way to get a missing fact: a step of the collector, and what it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Way {
    /// The collector's step id (`reg-internet-settings-hklm-wow64`), as its manifest names it.
    pub step: String,
    /// The registry key to export (or list, for keys the collector lists with `reg query`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registry_key: Option<String>,
    /// The command to run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// The event log (channel) to export.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_log: Option<String>,
    /// What the collector writes itself (a document of its own, its manifest).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
    /// How to do it by hand, as one command line (or an instruction).
    pub how: String,
    /// The analyzer's kind of the artifact the step writes (`sc-qc`, `manifest`, ...).
    #[serde(skip)]
    pub kind: String,
}

/// The step ids the table gives for `fact`: its own entry, else the longest prefix (an
/// entry ending in `.` or `_`); `services.<name>.` entries match any service.
pub fn steps_for(fact: &str) -> Option<Vec<String>> {
    let (pattern, name) = keyed(fact);
    let table = &TABLE.facts;
    let steps = table.get(&pattern).or_else(|| {
        table
            .iter()
            .filter(|(k, _)| k.ends_with(['.', '_']) && pattern.starts_with(k.as_str()))
            .max_by_key(|(k, _)| k.len())
            .map(|(_, v)| v)
    })?;
    Some(
        steps
            .iter()
            .map(|s| s.replace("<name>", &name.to_ascii_lowercase()))
            .collect(),
    )
}

/// `services.NlaSvc.start` → (`services.<name>.start`, `NlaSvc`); other paths unchanged.
fn keyed(fact: &str) -> (String, String) {
    match fact
        .strip_prefix("services.")
        .and_then(|r| r.split_once('.'))
    {
        Some((name, field)) => (format!("services.<name>.{field}"), name.to_owned()),
        None => (fact.to_owned(), String::new()),
    }
}

/// The file name the collector gives an artifact (`registry/x.reg` → `x.reg`).
fn file_name(artifact: &str) -> &str {
    artifact.rsplit('/').next().unwrap_or(artifact)
}

/// The way of one step, from the collector's table; `None` for a step it does not declare.
pub fn way(step: &str) -> Option<Way> {
    let by_hand = TABLE.by_hand.get(step).cloned();
    let mut w = Way {
        step: step.to_owned(),
        registry_key: None,
        command: None,
        event_log: None,
        document: None,
        how: String::new(),
        kind: MANIFEST_STEP.to_owned(),
    };
    if step == MANIFEST_STEP {
        w.document = Some("manifest.json".to_owned());
        w.how = by_hand?;
        return Some(w);
    }
    let d = DECLARED.iter().find(|d| d.step == step)?;
    let file = file_name(&d.artifact);
    w.kind = d.kind.clone();
    match d.table {
        "$RegistryExports" => {
            w.how = if d.kind == "reg-query" {
                format!("reg query \"{}\" > {file}", d.what)
            } else {
                format!("reg export \"{}\" {file}", d.what)
            };
            w.registry_key = Some(d.what.clone());
        }
        "$Commands" => {
            w.how = format!("{} > {file}", d.what);
            w.command = Some(d.what.clone());
        }
        "$EventLogs" => {
            w.how = format!("wevtutil epl \"{}\" {file}", d.what);
            w.event_log = Some(d.what.clone());
        }
        _ => {
            w.how = by_hand.unwrap_or_else(|| format!("run caadoctor-collect.ps1 ({})", d.what));
            w.document = Some(d.artifact.clone());
        }
    }
    Some(w)
}

/// How to collect `fact`: one way per step that gives it, in the table's order.
pub fn ways(fact: &str) -> Vec<Way> {
    steps_for(fact)
        .unwrap_or_default()
        .iter()
        .filter_map(|s| way(s))
        .collect()
}

/// Whether the snapshot already holds what a collector step gives: asking for it again
/// would not help.
pub type Collected<'a> = &'a dyn Fn(&Way) -> bool;

/// Whether the snapshot already holds what a collector step gives, so a rule that misses a
/// fact does not ask for it again: the manifest says the step found nothing to collect on
/// the PC (`absent`), or the snapshot has data of the step's kind — a registry key an
/// export or query covers, a log of the channel, a parsed command output or document, in
/// files of any names.
pub fn collected(inputs: &Inputs, way: &Way) -> bool {
    let absent = inputs.manifest.as_ref().is_some_and(|(_, m)| {
        m.steps
            .iter()
            .any(|s| s.id.as_deref() == Some(way.step.as_str()) && s.status == StepStatus::Absent)
    });
    if absent {
        return true;
    }
    if let Some(key) = &way.registry_key {
        // A `reg query /v` of the one value a step needs lists no key whole, and still is
        // what the step collects: the manifest's step ended well and its key was read.
        let done = inputs.manifest.as_ref().is_some_and(|(_, m)| {
            m.steps
                .iter()
                .any(|s| s.id.as_deref() == Some(way.step.as_str()) && s.status == StepStatus::Ok)
        });
        return inputs.registry.has_collected(key) || (done && inputs.registry.has_seen(key));
    }
    if let Some(channel) = &way.event_log {
        let named = |c: &str| c.eq_ignore_ascii_case(channel);
        return inputs
            .event_logs
            .iter()
            .any(|(_, l)| l.channel.as_deref().is_some_and(named))
            || inputs.absent_logs().iter().any(|(c, _)| named(c));
    }
    // `sc query NlaSvc`: the output of that command for that service.
    let sc = |label: &str| {
        let name = way.command.as_deref().and_then(|c| c.rsplit(' ').next());
        inputs.service_states.iter().any(|s| {
            s.command == label && name.is_some_and(|n| s.state.name.eq_ignore_ascii_case(n))
        })
    };
    match way.kind.as_str() {
        "netsh-winhttp-proxy" => inputs.netsh_proxy.is_some(),
        "netsh-winhttp-advproxy" => inputs.advproxy.is_some(),
        "sc-query" => sc("sc query"),
        "sc-qc" => sc("sc qc"),
        "services-json" => inputs
            .service_states
            .iter()
            .any(|s| s.command == "Get-Service"),
        "cmdkey-list" => inputs.cmdkey.is_some(),
        "dsregcmd" => inputs.dsregcmd.is_some(),
        "whoami-upn" => inputs.whoami_upn.is_some(),
        "netsh-winsock-catalog" => inputs.winsock.is_some(),
        "ipconfig-all" => inputs.ipconfig.is_some(),
        "hotfix-list" => inputs.hotfixes.is_some(),
        "office-licenses" => inputs.licenses.is_some(),
        "vnextdiag-list" => inputs.vnextdiag.is_some(),
        "ospp-dstatus" => inputs.ospp.is_some(),
        "probe-results" => inputs.probes.is_some(),
        "manifest" => inputs.manifest.is_some(),
        _ => false,
    }
}

/// The ways to collect `fact` that the snapshot does not hold yet.
pub fn to_collect(fact: &str, collected: Collected<'_>) -> Vec<Way> {
    ways(fact).into_iter().filter(|w| !collected(w)).collect()
}

/// What to collect for all of `facts`, each step once, as a clause (`to collect: ...`);
/// `None` when the snapshot holds every step already.
pub fn clause(facts: &[String], collected: Collected<'_>) -> Option<String> {
    let ways: Vec<Way> = facts
        .iter()
        .flat_map(|p| to_collect(p, collected))
        .collect();
    let mut distinct: Vec<&Way> = Vec::new();
    for w in &ways {
        if !distinct.iter().any(|d| d.step == w.step) {
            distinct.push(w);
        }
    }
    (!distinct.is_empty()).then(|| format!("to collect: {}", say(&distinct)))
}

/// The ways as a clause of a sentence: the command lines in backticks, the instructions
/// as they are.
fn say(ways: &[&Way]) -> String {
    let parts: Vec<String> = ways
        .iter()
        .map(|w| {
            if w.how.starts_with("run ") {
                w.how.clone()
            } else {
                format!("`{}`", w.how)
            }
        })
        .collect();
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::catalog;
    use crate::rules::RuleSet;

    #[test]
    fn the_table_loads_and_names_only_steps_the_collector_declares() {
        let table: Table = toml::from_str(SOURCE).expect("collect.toml is valid");
        assert!(!table.facts.is_empty());
        let names = ["NlaSvc", "netprofm", "EventLog", "NcdAutoSetup"];
        for (fact, steps) in &table.facts {
            assert!(!steps.is_empty(), "{fact}: no step");
            for step in steps {
                let expanded: Vec<String> = if step.contains("<name>") {
                    names
                        .iter()
                        .map(|n| step.replace("<name>", &n.to_ascii_lowercase()))
                        .collect()
                } else {
                    vec![step.clone()]
                };
                for s in expanded {
                    let w = way(&s).unwrap_or_else(|| panic!("{fact}: {s} is no collector step"));
                    // It names a key, a command, a log or the collector's own document.
                    assert!(
                        w.registry_key.is_some()
                            || w.command.is_some()
                            || w.event_log.is_some()
                            || w.document.is_some(),
                        "{w:?}"
                    );
                }
            }
        }
        for step in table.by_hand.keys() {
            assert!(way(step).is_some(), "by_hand: {step} is no collector step");
        }
    }

    #[test]
    fn every_fact_a_rule_can_name_says_how_to_collect_it() {
        for entry in catalog() {
            let path = entry.path.replace("<name>", "NlaSvc");
            assert!(!ways(&path).is_empty(), "{path}: no entry in collect.toml");
        }
        // The built-in rules' facts, with the services they name.
        let rules = RuleSet::builtin().unwrap();
        for rule in &rules.rules {
            rule.each_fact(&mut |path| {
                assert!(!ways(path).is_empty(), "{}: {path}", rule.id);
            });
        }
    }

    #[test]
    fn ways_name_the_key_or_command_and_how_to_do_it_by_hand() {
        let w = ways("tls.winhttp_tls12_wow64");
        assert_eq!(w[0].step, "reg-internet-settings-hklm-wow64");
        assert_eq!(
            w[0].registry_key.as_deref(),
            Some(r"HKLM\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Internet Settings")
        );
        assert_eq!(
            w[0].how,
            r#"reg export "HKLM\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Internet Settings" internet-settings-hklm-wow64.reg"#
        );
        assert_eq!(
            w[1].how,
            r#"reg query "HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion" > os-version.txt"#
        );
        let w = ways("services.NlaSvc.start");
        let steps: Vec<&str> = w.iter().map(|w| w.step.as_str()).collect();
        assert_eq!(
            steps,
            ["reg-svc-nlasvc", "cmd-sc-qc-nlasvc", "cmd-services-json"]
        );
        assert_eq!(w[1].how, "sc qc NlaSvc > sc-qc-nlasvc.txt");
        assert_eq!(
            ways("services.NlaSvc.crashes")[0].how,
            r#"wevtutil epl "System" System.evtx"#
        );
        assert!(
            ways("probes.winhttp_only_failed")[0]
                .how
                .starts_with("run caadoctor-collect.ps1")
        );
        assert_eq!(
            say(&ways("proxy.winhttp_mode").iter().collect::<Vec<_>>()),
            r#"`reg export "HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings" internet-settings-hklm.reg`; `netsh winhttp show proxy > netsh-winhttp-show-proxy.txt`"#
        );
    }
}
