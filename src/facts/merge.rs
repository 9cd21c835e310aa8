//! One truth, several sources: the order every merge of the facts follows.
//!
//! 1. An observed value — a command's output, a value present in a registry file — beats a
//!    default inferred from absence (an export that lacks the value). The fact's note says
//!    which source it comes from and that the inferred default was set aside.
//! 2. Observations that agree pool their evidence (with a default that agrees with them);
//!    the value is the first one's.
//! 3. Observations that disagree are all kept: the value is the preferred source's (the
//!    first in the merge's order) and the others become the fact's [`Disagreement`],
//!    which says why that source was preferred. Findings that rest on the fact say so.
//!
//! Each merge lists its sources in its own doc, in its order of preference, with the
//! reason. For example, the WinHTTP proxy (`proxy.rs`): `netsh winhttp show proxy` first
//! (what WinHTTP reported when the snapshot was taken), then the `WinHttpSettings` value.

use super::model::{Disagreement, Evidence, Fact, Observation};

/// What one source says about a fact.
#[derive(Debug, Clone)]
pub(super) struct Source<T> {
    pub value: T,
    /// The value as this source shows it, for the engineer (`proxy p:8080`, `disabled (4)`).
    pub shown: String,
    pub evidence: Vec<Evidence>,
    /// Observed in the snapshot (false: a default inferred from absence).
    pub observed: bool,
    /// What the source is (`netsh winhttp show proxy`, `the registry's Start value`).
    pub name: String,
}

impl<T> Source<T> {
    pub fn observed(
        value: T,
        shown: impl Into<String>,
        name: &str,
        evidence: Vec<Evidence>,
    ) -> Self {
        Source {
            value,
            shown: shown.into(),
            evidence,
            observed: true,
            name: name.to_owned(),
        }
    }

    pub fn inferred(
        value: T,
        shown: impl Into<String>,
        name: &str,
        evidence: Vec<Evidence>,
    ) -> Self {
        Source {
            observed: false,
            ..Source::observed(value, shown, name, evidence)
        }
    }
}

/// Merges `sources`, given in the order of preference; `same` says whether two values
/// agree, `why` why the first observation is preferred when they do not. `None` when
/// there is no source.
pub(super) fn merge<T: Clone>(
    sources: &[Source<T>],
    same: impl Fn(&T, &T) -> bool,
    why: &str,
) -> Option<Fact<T>> {
    let observed: Vec<&Source<T>> = sources.iter().filter(|s| s.observed).collect();
    let Some(first) = observed.first() else {
        // Only defaults inferred from absence: the first one stands.
        let s = sources.first()?;
        return Some(Fact::new(s.value.clone(), s.evidence.clone()));
    };
    let mut evidence = first.evidence.clone();
    let mut others: Vec<Observation> = Vec::new();
    // Sources that agree back the value up, a default inferred from absence after the
    // observations.
    let inferred = sources.iter().filter(|s| !s.observed);
    for s in observed[1..].iter().copied().chain(inferred) {
        if same(&first.value, &s.value) {
            for e in &s.evidence {
                if !evidence.contains(e) {
                    evidence.push(e.clone());
                }
            }
        } else if s.observed {
            others.push(Observation {
                value: format!("{}: {}", s.name, s.shown),
                sources: s.evidence.clone(),
            });
        }
    }
    let mut fact = Fact::new(first.value.clone(), evidence);
    let set_aside: Vec<String> = sources
        .iter()
        .filter(|s| !s.observed && !same(&first.value, &s.value))
        .map(|s| format!("{} ({})", s.name, s.shown))
        .collect();
    if !set_aside.is_empty() {
        fact = fact.with_note(format!(
            "observed by {} ({}); an observation beats the default inferred from {}",
            first.name,
            first.shown,
            set_aside.join(" and ")
        ));
    }
    if !others.is_empty() {
        fact = fact.with_disagreement(Some(Disagreement {
            used: format!("{}: {}", first.name, first.shown),
            why: why.to_owned(),
            others,
        }));
    }
    Some(fact)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(artifact: &str) -> Vec<Evidence> {
        vec![Evidence {
            artifact: artifact.to_owned(),
            line: Some(1),
            locator: "x".to_owned(),
            seen: "y".to_owned(),
        }]
    }

    /// A default inferred from absence, then a command's observation.
    fn default_then(observed: bool) -> Fact<bool> {
        let sources = [
            Source::inferred(false, "not set", "the registry", ev("a.reg")),
            Source::observed(observed, "seen", "the command", ev("b.txt")),
        ];
        merge(&sources, |a, b| a == b, "").unwrap()
    }

    #[test]
    fn an_observation_beats_an_inferred_default() {
        let f = default_then(true);
        assert!(f.value);
        assert_eq!(f.evidence, ev("b.txt"));
        assert!(f.disagreement.is_none());
        assert!(
            f.note
                .unwrap()
                .contains("beats the default inferred from the registry")
        );
        // A default that agrees backs the observation up.
        let f = default_then(false);
        assert_eq!(f.evidence.len(), 2);
        assert!(f.note.is_none());
    }

    #[test]
    fn agreeing_observations_pool_evidence_and_disagreeing_ones_are_kept() {
        let sources = [
            Source::observed(1, "one", "first", ev("a")),
            Source::observed(1, "one", "second", ev("b")),
            Source::observed(2, "two", "third", ev("c")),
        ];
        let f = merge(&sources, |a, b| a == b, "it is first").unwrap();
        assert_eq!(f.value, 1);
        assert_eq!(f.evidence.len(), 2);
        let d = f.disagreement.unwrap();
        assert_eq!(
            (d.used.as_str(), d.why.as_str()),
            ("first: one", "it is first")
        );
        assert_eq!(d.others[0].value, "third: two");
        assert_eq!(d.others[0].sources, ev("c"));
        // Only a default: it stands.
        let f = merge(
            &[Source::inferred(0, "not set", "r", ev("a"))],
            |a, b| a == b,
            "",
        );
        assert_eq!(f.unwrap().value, 0);
        assert!(merge::<i64>(&[], |a, b| a == b, "").is_none());
    }
}
