//! `caadoctor fix`: from an analysis to a remediation [`Plan`] — for every `fail` or `warn`
//! finding, the actions that remove its cause (or the message for IT when a Group Policy
//! decides), each with the finding and evidence that justify it, the value before and after,
//! the check the script makes on the PC first, what it backs up and how it is undone — and
//! from the plan to the PowerShell script the user runs ([`script`]).
//!
//! Takes an [`Analysis`] and a [`Selection`] of rules; gives a [`Plan`]. Nothing here reads
//! files: the plan is built from the findings, the facts and the registry view the analysis
//! made, so every value an action expects is one the snapshot showed. The rules of what may
//! be changed are the safety model of `README.md`: only `fail`/`warn` findings, never a value
//! a policy sets, never a deletion of the user's data.

mod account;
mod action;
mod guide;
pub mod model;
mod proxy;
pub mod script;
mod system;
pub mod text;
pub(crate) mod tls;

pub use action::{backup_path, start_word};
pub use model::*;

use crate::analysis::Analysis;
use crate::facts::Evidence;
use crate::facts::registry_read::{Reading, int};
use crate::registry::Lookup;
use crate::rules::{FactEvidence, Finding, RuleSet, Status};

/// What one rule's builder decided.
struct Outcome {
    handling: Handling,
    actions: Vec<String>,
    note: Option<String>,
    also_fixes: Vec<String>,
    /// The actions remove every cause the finding names (false: something stays, the note
    /// says what, and no `pass` is promised).
    complete: bool,
}

impl Outcome {
    fn none(note: impl Into<String>) -> Outcome {
        Outcome {
            handling: Handling::None,
            actions: Vec::new(),
            note: Some(note.into()),
            also_fixes: Vec::new(),
            complete: true,
        }
    }

    fn ask_it(note: impl Into<String>) -> Outcome {
        Outcome {
            handling: Handling::AskIt,
            ..Outcome::none(note)
        }
    }

    /// `handling` for `actions`; with none (every candidate filtered out), nothing is done
    /// and `empty` says why.
    fn of(handling: Handling, actions: Vec<String>, empty: &str) -> Outcome {
        if actions.is_empty() {
            return Outcome::none(empty);
        }
        Outcome {
            handling,
            actions,
            note: None,
            also_fixes: Vec::new(),
            complete: true,
        }
    }

    fn with_note(mut self, note: impl Into<String>) -> Outcome {
        let note = note.into();
        self.note = Some(match self.note.take() {
            Some(n) => format!("{n} {note}"),
            None => note,
        });
        self
    }
}

/// A DWORD the snapshot shows, with where.
struct Dword {
    value: Option<u32>,
    key_existed: bool,
    seen: Evidence,
}

/// What the builders share: the analysis, and the actions made so far.
struct Ctx<'a> {
    analysis: &'a Analysis,
    actions: Vec<Action>,
}

impl<'a> Ctx<'a> {
    fn facts(&self) -> &'a crate::facts::Facts {
        &self.analysis.facts
    }

    /// The finding's evidence for these facts (in the finding's order).
    fn evidence(f: &Finding, facts: &[&str]) -> Vec<FactEvidence> {
        f.evidence
            .iter()
            .filter(|e| facts.contains(&e.fact.as_str()))
            .cloned()
            .collect()
    }

    /// A DWORD value as the snapshot shows it; `None` when the snapshot does not cover it
    /// (nothing is changed that the snapshot did not show).
    fn dword(&self, key: &str, name: &str) -> Option<Dword> {
        let view = &self.analysis.inputs.registry;
        let key_existed = matches!(
            view.value(key, name),
            Lookup::Found(..) | Lookup::ValueAbsent(_)
        );
        match int(view, key, name) {
            Reading::Set(v, seen) => Some(Dword {
                value: Some(u32::try_from(v).ok()?),
                key_existed,
                seen,
            }),
            Reading::NotSet(seen) => Some(Dword {
                value: None,
                key_existed,
                seen,
            }),
            Reading::NotCollected => None,
        }
    }

    /// Adds an action, or, when an earlier rule already makes the same change, records
    /// that it serves this rule too. Returns its id.
    fn add(&mut self, action: Action) -> String {
        if let Some(same) = self.actions.iter_mut().find(|a| a.change == action.change) {
            if same.rule != action.rule && !same.also.contains(&action.rule) {
                same.also.push(action.rule);
            }
            return same.id.clone();
        }
        let id = action.id.clone();
        self.actions.push(action);
        id
    }
}

/// Evidence read from a policy key: a Group Policy sets it, so IT must change it.
fn from_policy(evidence: &[Evidence]) -> bool {
    evidence
        .iter()
        .any(|e| e.locator.to_ascii_lowercase().contains(r"\policies\"))
}

/// Why `--only` / `--exclude` cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownRule(pub String);

impl std::fmt::Display for UnknownRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "no rule is called '{}'", self.0)
    }
}

impl Selection {
    /// A selection of rule ids, each checked against the rule set.
    pub fn new(
        only: Vec<String>,
        exclude: Vec<String>,
        rules: &RuleSet,
    ) -> Result<Selection, UnknownRule> {
        for id in only.iter().chain(&exclude) {
            if !rules.rules.iter().any(|r| &r.id == id) {
                return Err(UnknownRule(id.clone()));
            }
        }
        Ok(Selection { only, exclude })
    }
}

/// What a rule's builder is: the finding in, the actions added to the context.
type Builder = fn(&mut Ctx<'_>, &Finding) -> Outcome;

/// The rules the plan has builders for, in the order their actions run.
const BUILDERS: &[(&str, Builder)] = &[
    ("tls12", tls::tls12),
    ("proxy", proxy::proxy),
    ("winsock", system::winsock),
    ("services", system::services),
    ("ncsi-probe", system::ncsi),
    ("ipv6", system::ipv6),
    ("identity-policy", account::identity_policy),
    ("office-credentials", account::office_credentials),
    ("activation-state", account::activation_state),
    ("office-updates", guide::office_updates),
    ("windows-updates", guide::windows_updates),
    ("work-account", guide::work_account),
];

/// Rules the script does not act on, and why.
fn unhandled(rule: &str) -> &'static str {
    match rule {
        "symptom" => "The symptom itself: it clears when its causes are fixed.",
        "endpoints" | "tls-inspection" | "msoidcrl" => {
            "The network decides (a firewall, a proxy, TLS inspection): nothing on the PC to change; the finding's remediation is for the network's administrators."
        }
        "os-support" => "Only a newer Windows fixes it: nothing a script should change.",
        "tls-handshake" => {
            "Schannel's failures are history in the System log; they stop when their cause (tls12, tls-inspection) is fixed."
        }
        "clock-skew" => {
            "Set the clock by hand: Settings > Time & language > Date & time, \"Set time automatically\", Sync now."
        }
        _ => "caadoctor fix has no action for this rule: follow the finding's remediation.",
    }
}

/// The plan for an analysis: one entry per `fail`/`warn` finding the selection admits,
/// actions in the order of [`BUILDERS`].
pub fn plan(analysis: &Analysis, selection: &Selection) -> Plan {
    let mut ctx = Ctx {
        analysis,
        actions: Vec::new(),
    };
    let actionable =
        |f: &&Finding| matches!(f.status, Status::Fail | Status::Warn) && selection.admits(&f.rule);
    let mut outcomes: Vec<(&Finding, Outcome)> = Vec::new();
    for (rule, build) in BUILDERS {
        if let Some(f) = analysis
            .findings
            .iter()
            .filter(actionable)
            .find(|f| f.rule == *rule)
        {
            let outcome = build(&mut ctx, f);
            outcomes.push((f, outcome));
        }
    }
    let rules: Vec<PlanRule> = analysis
        .findings
        .iter()
        .filter(actionable)
        .map(|f| {
            let outcome = match outcomes.iter().position(|(g, _)| g.rule == f.rule) {
                Some(i) => outcomes.remove(i).1,
                None => Outcome::none(unhandled(&f.rule)),
            };
            PlanRule {
                rule: f.rule.clone(),
                status: f.status,
                title: f.title.clone(),
                messages: f.messages.clone(),
                expect: (outcome.complete
                    && matches!(outcome.handling, Handling::Script | Handling::ScriptAndUser))
                .then_some(Status::Pass),
                handling: outcome.handling,
                actions: outcome.actions,
                also_fixes: outcome.also_fixes,
                note: outcome.note,
            }
        })
        .collect();
    // A rule another rule's actions fix too (the endpoints WinHTTP reached only without its
    // proxy): expected to pass, and said so.
    let knock_ons: Vec<(String, String)> = rules
        .iter()
        .flat_map(|r: &PlanRule| r.also_fixes.iter().map(|k| (k.clone(), r.rule.clone())))
        .collect();
    let mut rules: Vec<PlanRule> = rules;
    for (rule, by) in knock_ons {
        if let Some(r) = rules.iter_mut().find(|r| r.rule == rule) {
            r.expect = Some(Status::Pass);
            r.note = Some(format!(
                "Expected to pass once the actions for {by} are done: its failures come from the same cause."
            ));
        }
    }
    let s = &analysis.snapshot;
    Plan {
        schema: PLAN_SCHEMA,
        tool: crate::report::TOOL,
        snapshot: Target {
            source: s.source.clone(),
            host: s.host.clone(),
            user: s.user.clone(),
            collected_at: s.collected_at.clone(),
            os: s.os.clone(),
            build: analysis.facts.os.build.as_ref().map(|b| b.value),
        },
        selection: selection.clone(),
        rules,
        actions: ctx.actions,
    }
}

impl Plan {
    pub fn to_json(&self) -> String {
        // Serialising plain data structures cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The action with this id.
    pub fn action(&self, id: &str) -> Option<&Action> {
        self.actions.iter().find(|a| a.id == id)
    }
}
