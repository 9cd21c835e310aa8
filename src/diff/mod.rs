//! `caadoctor diff`: two snapshots of the same PC, typically before and after
//! `caadoctor fix`, compared as analyses — per rule the verdict before and after and whether
//! that is better or worse, the facts whose value changed with the evidence of both sides,
//! the artifacts one snapshot has and the other lacks, and the sign-in codes logged after
//! the first snapshot was collected.
//!
//! Takes two [`Analysis`] values; gives a [`Diff`] (`caadoctor.diff/1`, documented in
//! `docs/report-format.md`), which [`render`] draws as a table or Markdown. A verdict is
//! worse when the problem level rises (pass or not applicable < manual < warn < fail); a
//! change to or from `unknown` is neither better nor worse: one snapshot could not tell.

pub mod render;

use crate::analysis::Analysis;
use crate::facts::Evidence;
use crate::rules::Status;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

pub const DIFF_SCHEMA: &str = "caadoctor.diff/1";

#[derive(Debug, Serialize)]
pub struct Diff {
    pub schema: &'static str,
    pub tool: crate::report::Tool,
    pub before: Side,
    pub after: Side,
    /// Reasons to doubt the comparison: another host or Windows installation, the
    /// snapshots in the wrong order.
    pub warnings: Vec<String>,
    pub summary: Counts,
    /// Every rule, in rule order.
    pub rules: Vec<RuleChange>,
    /// Every fact whose value differs, added or gone, in fact-path order.
    pub facts: Vec<FactChange>,
    pub artifacts: Artifacts,
    /// Sign-in codes logged after the first snapshot was collected.
    pub new_codes: Vec<NewCode>,
}

/// One snapshot, as the comparison names it.
#[derive(Debug, Serialize)]
pub struct Side {
    pub source: String,
    pub host: Option<String>,
    pub collected_at: Option<String>,
    pub os: Option<String>,
}

#[derive(Debug, Default, Serialize)]
pub struct Counts {
    pub better: usize,
    pub worse: usize,
    pub same: usize,
    /// To or from `unknown`.
    pub incomparable: usize,
}

/// Which way a verdict went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Better,
    Worse,
    Same,
    Incomparable,
}

#[derive(Debug, Serialize)]
pub struct RuleChange {
    pub rule: String,
    pub title: String,
    /// `None`: the rule is not in that analysis (a rule set that differs).
    pub before: Option<Status>,
    pub after: Option<Status>,
    pub direction: Direction,
    /// The verdict's messages on each side, when the verdict changed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub messages_before: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub messages_after: Vec<String>,
    /// Facts of the rule's evidence (either side) whose value changed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub facts: Vec<String>,
}

/// A fact on one side: its value and where it was read.
#[derive(Debug, Clone, Serialize)]
pub struct FactSide {
    pub value: Value,
    pub evidence: Vec<Evidence>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct FactChange {
    pub fact: String,
    /// `None`: the snapshot does not say.
    pub before: Option<FactSide>,
    pub after: Option<FactSide>,
}

/// Artifacts by their path inside the snapshot, without its top folder.
#[derive(Debug, Default, Serialize)]
pub struct Artifacts {
    pub added: Vec<String>,
    pub missing: Vec<String>,
}

/// A sign-in failure logged after the first snapshot.
#[derive(Debug, Serialize)]
pub struct NewCode {
    /// The timeline's line: time (UTC), log, application, code.
    pub event: String,
    pub code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
}

/// How much of a problem a verdict is; `None` for unknown.
fn level(s: Status) -> Option<u8> {
    match s {
        Status::Fail => Some(3),
        Status::Warn => Some(2),
        Status::Manual => Some(1),
        Status::Pass | Status::NotApplicable => Some(0),
        Status::Unknown => None,
    }
}

pub fn direction(before: Option<Status>, after: Option<Status>) -> Direction {
    if before == after {
        return Direction::Same;
    }
    match (before.and_then(level), after.and_then(level)) {
        (Some(b), Some(a)) if a > b => Direction::Worse,
        (Some(b), Some(a)) if a < b => Direction::Better,
        (Some(_), Some(_)) => Direction::Same,
        _ => Direction::Incomparable,
    }
}

/// Every fact of an analysis by its path (`os.build`, `services.NlaSvc.start`).
fn flatten(a: &Analysis) -> BTreeMap<String, FactSide> {
    fn walk(prefix: &str, v: &Value, out: &mut BTreeMap<String, FactSide>) {
        let Value::Object(map) = v else { return };
        if let (Some(value), Some(evidence)) = (map.get("value"), map.get("evidence")) {
            out.insert(
                prefix.to_owned(),
                FactSide {
                    value: value.clone(),
                    evidence: serde_json::from_value(evidence.clone()).unwrap_or_default(),
                    note: map.get("note").and_then(Value::as_str).map(str::to_owned),
                },
            );
            return;
        }
        for (k, child) in map {
            let path = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            walk(&path, child, out);
        }
    }
    let mut out = BTreeMap::new();
    walk(
        "",
        &serde_json::to_value(&a.facts).unwrap_or_default(),
        &mut out,
    );
    out
}

/// Artifact paths without the top folder every one of them shares (the zip's).
fn artifact_paths(a: &Analysis) -> BTreeSet<String> {
    let paths: Vec<&str> = a.artifacts.iter().map(|x| x.path.as_str()).collect();
    let top = paths
        .first()
        .and_then(|p| p.split_once('/'))
        .map(|(t, _)| t);
    let shared = top.filter(|t| paths.iter().all(|p| p.starts_with(&format!("{t}/"))));
    paths
        .iter()
        .map(|p| match shared {
            Some(t) => p[t.len() + 1..].to_owned(),
            None => (*p).to_owned(),
        })
        .collect()
}

/// Seconds since 1970 of `2026-11-18T15:40:27.902+01:00` or `2026-11-18T14:29:27Z`.
fn instant(text: &str) -> Option<i64> {
    let date = crate::date::parse(text.get(..10)?)?;
    let time = text.get(11..19)?;
    let mut hms = time.split(':').map(|x| x.parse::<i64>().ok());
    let (h, m, s) = (hms.next()??, hms.next()??, hms.next()??);
    let rest = text[19..].trim_start_matches(|c: char| c == '.' || c.is_ascii_digit());
    let offset = match rest {
        "" | "Z" => 0,
        r => {
            let sign = if r.starts_with('-') { -1 } else { 1 };
            let (oh, om) = r.get(1..)?.split_once(':')?;
            sign * (oh.parse::<i64>().ok()? * 3600 + om.parse::<i64>().ok()? * 60)
        }
    };
    Some(date.days() * 86400 + h * 3600 + m * 60 + s - offset)
}

fn new_codes(before: &Analysis, after: &Analysis) -> Vec<NewCode> {
    let Some(timeline) = &after.facts.symptom.timeline else {
        return Vec::new();
    };
    let since = before.snapshot.collected_at.as_deref().and_then(instant);
    let old: BTreeSet<&String> = before
        .facts
        .symptom
        .timeline
        .iter()
        .flat_map(|t| &t.value)
        .collect();
    timeline
        .value
        .iter()
        .filter(|line| match since {
            Some(t) => line
                .split(' ')
                .next()
                .and_then(instant)
                .is_some_and(|at| at > t),
            None => !old.contains(line),
        })
        .map(|line| NewCode {
            event: line.clone(),
            code: line.rsplit(' ').next().unwrap_or_default().to_owned(),
            evidence: timeline
                .evidence
                .iter()
                .find(|e| {
                    e.seen
                        .starts_with(line.split(' ').next().unwrap_or_default())
                })
                .cloned(),
        })
        .collect()
}

/// The registry value that names a Windows installation, for the "same machine" check.
fn installation(a: &Analysis) -> Option<String> {
    let key = r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion";
    let view = &a.inputs.registry;
    let value = |name: &str| match view.value(key, name) {
        crate::registry::Lookup::Found(_, v) => Some(v.data.to_string()),
        _ => None,
    };
    let (date, id) = (value("InstallDate"), value("ProductId"));
    (date.is_some() || id.is_some()).then(|| {
        format!(
            "InstallDate {}, ProductId {}",
            date.unwrap_or_else(|| "?".to_owned()),
            id.unwrap_or_else(|| "?".to_owned())
        )
    })
}

fn side(a: &Analysis) -> Side {
    Side {
        source: a.snapshot.source.clone(),
        host: a.snapshot.host.clone(),
        collected_at: a.snapshot.collected_at.clone(),
        os: a.snapshot.os.clone(),
    }
}

fn warnings(before: &Analysis, after: &Analysis) -> Vec<String> {
    let mut out = Vec::new();
    let (b, a) = (&before.snapshot, &after.snapshot);
    if let (Some(hb), Some(ha)) = (&b.host, &a.host)
        && !hb.eq_ignore_ascii_case(ha)
    {
        out.push(format!(
            "the snapshots come from two hosts ({hb} and {ha}): the comparison is of two PCs, not of one before and after"
        ));
    }
    if let (Some(ib), Some(ia)) = (installation(before), installation(after))
        && ib != ia
    {
        out.push(format!(
            "the snapshots come from two Windows installations ({ib}; {ia}): another machine, or Windows was reinstalled"
        ));
    }
    if let (Some(tb), Some(ta)) = (
        b.collected_at.as_deref().and_then(instant),
        a.collected_at.as_deref().and_then(instant),
    ) && ta < tb
    {
        out.push(format!(
            "the second snapshot was collected before the first ({} < {}): give BEFORE first, then AFTER",
            a.collected_at.as_deref().unwrap_or_default(),
            b.collected_at.as_deref().unwrap_or_default()
        ));
    }
    out
}

/// Compares two analyses of one PC.
pub fn diff(before: &Analysis, after: &Analysis) -> Diff {
    let (fb, fa) = (flatten(before), flatten(after));
    let names: BTreeSet<&String> = fb.keys().chain(fa.keys()).collect();
    let facts: Vec<FactChange> = names
        .into_iter()
        .filter(|n| fb.get(*n).map(|f| &f.value) != fa.get(*n).map(|f| &f.value))
        .map(|n| FactChange {
            fact: n.clone(),
            before: fb.get(n).cloned(),
            after: fa.get(n).cloned(),
        })
        .collect();
    let changed: BTreeSet<&str> = facts.iter().map(|f| f.fact.as_str()).collect();

    let mut ids: Vec<&str> = before.findings.iter().map(|f| f.rule.as_str()).collect();
    for f in &after.findings {
        if !ids.contains(&f.rule.as_str()) {
            ids.push(&f.rule);
        }
    }
    let mut summary = Counts::default();
    let rules = ids
        .into_iter()
        .map(|id| {
            let b = before.findings.iter().find(|f| f.rule == id);
            let a = after.findings.iter().find(|f| f.rule == id);
            let dir = direction(b.map(|f| f.status), a.map(|f| f.status));
            match dir {
                Direction::Better => summary.better += 1,
                Direction::Worse => summary.worse += 1,
                Direction::Same => summary.same += 1,
                Direction::Incomparable => summary.incomparable += 1,
            }
            let moved = b.map(|f| f.status) != a.map(|f| f.status);
            let mut rule_facts: Vec<String> = b
                .iter()
                .chain(a.iter())
                .flat_map(|f| f.evidence.iter().map(|e| e.fact.clone()))
                .filter(|f| changed.contains(f.as_str()))
                .collect();
            rule_facts.sort();
            rule_facts.dedup();
            let messages = |f: Option<&crate::rules::Finding>| {
                if moved {
                    f.map(|f| f.messages.clone()).unwrap_or_default()
                } else {
                    Vec::new()
                }
            };
            RuleChange {
                rule: id.to_owned(),
                title: a.or(b).map(|f| f.title.clone()).unwrap_or_default(),
                before: b.map(|f| f.status),
                after: a.map(|f| f.status),
                direction: dir,
                messages_before: messages(b),
                messages_after: messages(a),
                facts: rule_facts,
            }
        })
        .collect();
    let (pb, pa) = (artifact_paths(before), artifact_paths(after));
    Diff {
        schema: DIFF_SCHEMA,
        tool: crate::report::TOOL,
        before: side(before),
        after: side(after),
        warnings: warnings(before, after),
        summary,
        rules,
        facts,
        artifacts: Artifacts {
            added: pa.difference(&pb).cloned().collect(),
            missing: pb.difference(&pa).cloned().collect(),
        },
        new_codes: new_codes(before, after),
    }
}

impl Diff {
    pub fn to_json(&self) -> String {
        // Serialising plain data structures cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// A rule got worse.
    pub fn worse(&self) -> bool {
        self.summary.worse > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_verdict_is_worse_when_the_problem_grows_and_unknown_compares_to_nothing() {
        use Status::*;
        assert_eq!(direction(Some(Fail), Some(Pass)), Direction::Better);
        assert_eq!(direction(Some(Pass), Some(Warn)), Direction::Worse);
        assert_eq!(direction(Some(Warn), Some(Fail)), Direction::Worse);
        assert_eq!(direction(Some(Manual), Some(Pass)), Direction::Better);
        assert_eq!(direction(Some(Pass), Some(NotApplicable)), Direction::Same);
        assert_eq!(
            direction(Some(Pass), Some(Unknown)),
            Direction::Incomparable
        );
        assert_eq!(
            direction(Some(Unknown), Some(Fail)),
            Direction::Incomparable
        );
        assert_eq!(direction(None, Some(Fail)), Direction::Incomparable);
        assert_eq!(direction(Some(Fail), Some(Fail)), Direction::Same);
    }

    #[test]
    fn times_with_offsets_compare_in_utc() {
        let local = instant("2026-11-18T15:40:27.902+01:00").unwrap();
        let utc = instant("2026-11-18T14:40:27Z").unwrap();
        assert_eq!(local, utc);
        assert_eq!(instant("2026-11-18T14:40:27-02:30").unwrap() - utc, 9000);
        assert!(instant("2026-11-18").is_none());
    }
}
