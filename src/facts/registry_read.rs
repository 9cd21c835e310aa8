//! Reads single registry values for the fact builders and turns each answer of the
//! [`RegistryView`] into [`Evidence`]: a value seen, a value not set, a key that does not
//! exist, or nothing known. A value read from a `.reg` that is not a whole export says so in
//! its evidence, and what such a file leaves out is not known rather than "not set".

use super::model::{Disagreement, Evidence, Observation, Provenance};
use crate::parse::reg::RegData;
use crate::registry::{Conflict, Lookup, Origin, RegistryView, Scope};

/// What the snapshot says about one value.
pub(crate) enum Reading<T> {
    /// Set, with this value.
    Set(T, Evidence),
    /// Not set on the machine (value or whole key absent): the Windows default applies.
    NotSet(Evidence),
    /// The snapshot does not cover the key, or only files that are not whole exports name it.
    NotCollected,
}

impl<T> Reading<T> {
    pub(crate) fn evidence(&self) -> Option<&Evidence> {
        match self {
            Reading::Set(_, e) | Reading::NotSet(e) => Some(e),
            Reading::NotCollected => None,
        }
    }

    pub(crate) fn value(&self) -> Option<&T> {
        match self {
            Reading::Set(v, _) => Some(v),
            _ => None,
        }
    }
}

fn locator(key: &str, name: &str) -> String {
    if name.is_empty() {
        format!(r"{key}\(Default)")
    } else {
        format!(r"{key}\{name}")
    }
}

/// What evidence from a partial file adds to what was seen.
const PARTIAL_NOTE: &str = "set by a file that is not a whole export (a hand-written or edited .reg, a reg query /v): the values it does not set are not known";

fn evidence(origin: &Origin, locator: String, seen: String) -> Evidence {
    let seen = match origin.scope {
        Scope::WholeExport | Scope::KeyValues => seen,
        Scope::Partial => format!("{seen} — {PARTIAL_NOTE}"),
    };
    Evidence {
        artifact: origin.artifact.to_string(),
        line: (origin.line > 0).then_some(origin.line),
        locator,
        seen,
    }
}

/// Reads a value and converts it with `convert`; data of the wrong type counts as not set
/// (Windows ignores it too) and the evidence says so.
pub(super) fn read<T>(
    view: &RegistryView,
    key: &str,
    name: &str,
    convert: impl Fn(&RegData) -> Option<T>,
) -> Reading<T> {
    match view.value(key, name) {
        Lookup::Found(node, v) => {
            let loc = locator(&node.path, &v.name);
            match convert(&v.data) {
                Some(t) => Reading::Set(t, evidence(&v.origin, loc, v.data.to_string())),
                None => Reading::NotSet(evidence(
                    &v.origin,
                    loc,
                    format!(
                        "{} ({}, not the expected type; ignored)",
                        v.data,
                        v.data.type_name()
                    ),
                )),
            }
        }
        Lookup::ValueAbsent(node) => Reading::NotSet(evidence(
            &node.origin,
            locator(&node.path, name),
            "not set (the key exists without this value)".to_owned(),
        )),
        Lookup::KeyAbsent(cov) => {
            let seen = if cov.absent {
                "not set (the collector found the key absent)".to_owned()
            } else {
                format!(
                    "not set (the key does not exist: the export of {} lacks it)",
                    cov.key
                )
            };
            Reading::NotSet(evidence(
                &cov.origin,
                locator(&crate::registry::canonical(key), name),
                seen,
            ))
        }
        Lookup::Unstated(_) | Lookup::NotCollected => Reading::NotCollected,
    }
}

/// Replaces what the evidence says was seen (a decoded blob), keeping the note that it
/// came from a file that is not a whole export.
pub(super) fn reword(ev: &mut Evidence, seen: String) {
    ev.seen = if ev.seen.ends_with(PARTIAL_NOTE) {
        format!("{seen} — {PARTIAL_NOTE}")
    } else {
        seen
    };
}

pub(crate) fn int(view: &RegistryView, key: &str, name: &str) -> Reading<i64> {
    read(view, key, name, |d| {
        d.as_u64().and_then(|v| i64::try_from(v).ok())
    })
}

pub(crate) fn text(view: &RegistryView, key: &str, name: &str) -> Reading<String> {
    read(view, key, name, |d| d.as_str().map(str::to_owned))
}

/// Evidence that a key exists, from a whole export's `[KEY]` line: a file that is not one
/// creates the keys it names when imported, so it does not show what is installed.
pub(crate) fn key_evidence(view: &RegistryView, key: &str) -> Option<Evidence> {
    view.key(key)
        .filter(|node| node.listed)
        .map(|node| evidence(&node.origin, node.path.clone(), "key present".to_owned()))
}

const FILES_WHY: &str =
    "a whole export's value beats a file that is not one; otherwise the later file (by path) wins";

/// Registry files that set a value a fact was read from differently: each other file's
/// value is kept as the fact's disagreement, whatever value the registry view used (its
/// order: a whole export's before a partial file's, else the later file's by path).
pub(super) fn file_disagreements(view: &RegistryView, fact: &mut dyn Provenance) {
    let conflicts = view.conflicts();
    if conflicts.is_empty() {
        return;
    }
    let mut found: Vec<(String, Vec<Observation>)> = Vec::new();
    for e in fact.evidence() {
        let same_value = |c: &&Conflict| locator(&c.key, &c.name).eq_ignore_ascii_case(&e.locator);
        let from =
            |o: &Origin| *o.artifact == *e.artifact && (o.line > 0).then_some(o.line) == e.line;
        let Some(mine) = conflicts.iter().filter(same_value).find(|c| from(&c.used)) else {
            continue;
        };
        let mut others: Vec<Observation> = Vec::new();
        let mut seen: Vec<&Origin> = Vec::new();
        for c in conflicts.iter().filter(same_value) {
            for (o, data) in [(&c.used, &c.used_data), (&c.overridden, &c.overridden_data)] {
                if *data == mine.used_data || seen.contains(&o) {
                    continue;
                }
                seen.push(o);
                others.push(Observation {
                    value: format!("{}: {data}", o.artifact),
                    sources: vec![evidence(o, e.locator.clone(), data.to_string())],
                });
            }
        }
        found.push((format!("{}: {}", e.artifact, mine.used_data), others));
    }
    let slot = fact.disagreement_mut();
    for (used, others) in found {
        match slot {
            Some(d) => d.others.extend(others),
            None => {
                *slot = Some(Disagreement {
                    used,
                    why: FILES_WHY.to_owned(),
                    others,
                })
            }
        }
    }
}

/// Evidence that a key is known not to exist (a whole export of a parent lacks it, or the
/// collector found it absent).
pub(super) fn absent_key_evidence(view: &RegistryView, key: &str) -> Option<Evidence> {
    if view.key(key).is_some_and(|node| node.listed) {
        return None;
    }
    view.covers(key).map(|cov| {
        let seen = if cov.absent {
            "key absent (the collector found it missing)".to_owned()
        } else {
            format!("key absent (the export of {} lacks it)", cov.key)
        };
        evidence(&cov.origin, crate::registry::canonical(key), seen)
    })
}
