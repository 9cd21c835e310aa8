//! A [`Diff`] drawn for people: a terminal table, or Markdown for a ticket. Both show the
//! rules whose verdict moved or that still fail or warn, then for each moved rule the facts
//! that changed with their evidence on both sides, then the artifacts and new sign-in codes.
//! The JSON form (`Diff::to_json`) has everything, every changed fact included.

use super::{Diff, Direction, FactChange, FactSide, RuleChange};
use crate::rules::Status;
use std::fmt::Write as _;

fn status(s: Option<Status>) -> &'static str {
    s.map_or("-", Status::as_str)
}

fn arrow(d: Direction) -> &'static str {
    match d {
        Direction::Better => "better",
        Direction::Worse => "WORSE",
        Direction::Same => "same",
        Direction::Incomparable => "not comparable",
    }
}

/// The rules worth a row: moved, or still a problem.
fn shown(d: &Diff) -> Vec<&RuleChange> {
    d.rules
        .iter()
        .filter(|r| {
            r.before != r.after || matches!(r.after, Some(Status::Fail) | Some(Status::Warn))
        })
        .collect()
}

fn value(side: Option<&FactSide>) -> String {
    side.map_or("(not in the snapshot)".to_owned(), |s| {
        serde_json::to_string(&s.value).unwrap_or_default()
    })
}

fn source(side: Option<&FactSide>) -> String {
    let Some(e) = side.and_then(|s| s.evidence.first()) else {
        return String::new();
    };
    let at = e
        .line
        .map_or(e.artifact.clone(), |l| format!("{}:{l}", e.artifact));
    format!("{at} {}: {}", e.locator, e.seen)
}

fn fact<'a>(d: &'a Diff, name: &str) -> Option<&'a FactChange> {
    d.facts.iter().find(|f| f.fact == name)
}

fn header(d: &Diff) -> Vec<String> {
    let side = |s: &super::Side| {
        let mut parts = vec![s.source.clone()];
        parts.extend(s.host.clone());
        parts.extend(s.collected_at.clone());
        parts.join(", ")
    };
    vec![
        format!("before: {}", side(&d.before)),
        format!("after:  {}", side(&d.after)),
    ]
}

fn moved(d: &Diff) -> impl Iterator<Item = &RuleChange> {
    d.rules.iter().filter(|r| r.before != r.after)
}

/// One changed fact of a moved rule, as both drawings show it.
struct FactLine {
    name: String,
    before: String,
    after: String,
    from: String,
    to: String,
}

/// The rules whose verdict moved, each with its changed facts.
fn moved_facts(d: &Diff) -> Vec<(&RuleChange, Vec<FactLine>)> {
    moved(d)
        .map(|r| {
            let lines = r
                .facts
                .iter()
                .filter_map(|name| fact(d, name))
                .map(|f| FactLine {
                    name: f.fact.clone(),
                    before: value(f.before.as_ref()),
                    after: value(f.after.as_ref()),
                    from: source(f.before.as_ref()),
                    to: source(f.after.as_ref()),
                })
                .collect();
            (r, lines)
        })
        .collect()
}

pub fn table(d: &Diff, width: Option<u16>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} {} diff", d.tool.name, d.tool.version);
    for h in header(d) {
        let _ = writeln!(out, "{h}");
    }
    for w in &d.warnings {
        let _ = writeln!(out, "warning: {w}");
    }
    out.push('\n');
    let rows = shown(d);
    if rows.is_empty() {
        out.push_str("Every rule has the same verdict, and none fails or warns.\n");
    } else {
        let mut t = crate::report::new_table(&["RULE", "BEFORE", "AFTER", "CHANGE"], width, false);
        for r in &rows {
            t.add_row(vec![
                r.rule.clone(),
                status(r.before).to_owned(),
                status(r.after).to_owned(),
                arrow(r.direction).to_owned(),
            ]);
        }
        let _ = writeln!(out, "{t}");
    }
    let _ = writeln!(
        out,
        "{} better, {} worse, {} same, {} not comparable (to or from unknown).",
        d.summary.better, d.summary.worse, d.summary.same, d.summary.incomparable
    );
    for (r, facts) in moved_facts(d) {
        let (b, a) = (status(r.before), status(r.after));
        let _ = writeln!(out, "\n{}: {b} -> {a}", r.rule);
        for m in &r.messages_after {
            let _ = writeln!(out, "  now: {m}");
        }
        for f in facts {
            let _ = writeln!(out, "  {}: {} -> {}", f.name, f.before, f.after);
            let _ = writeln!(out, "    before: {}\n    after:  {}", f.from, f.to);
        }
    }
    let tied: Vec<&str> = moved(d)
        .flat_map(|r| r.facts.iter().map(String::as_str))
        .collect();
    let others: Vec<&str> = d
        .facts
        .iter()
        .map(|f| f.fact.as_str())
        .filter(|f| !tied.contains(f))
        .collect();
    if !others.is_empty() {
        let _ = writeln!(
            out,
            "\nOther facts that changed ({}; --format json shows them with their evidence): {}",
            others.len(),
            others.join(", ")
        );
    }
    lists(d, &mut out, "  ");
    out
}

/// Artifacts and new codes, as lines with a bullet.
fn lists(d: &Diff, out: &mut String, bullet: &str) {
    for (title, items) in [
        ("Artifacts only in the second snapshot", &d.artifacts.added),
        ("Artifacts only in the first snapshot", &d.artifacts.missing),
    ] {
        if !items.is_empty() {
            let _ = writeln!(out, "\n{title}:");
            for i in items {
                let _ = writeln!(out, "{bullet}{i}");
            }
        }
    }
    if d.new_codes.is_empty() {
        let _ = writeln!(out, "\nNo sign-in failure logged after the first snapshot.");
    } else {
        let _ = writeln!(out, "\nSign-in failures logged after the first snapshot:");
        for c in &d.new_codes {
            let _ = writeln!(out, "{bullet}{}", c.event);
        }
    }
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

pub fn markdown(d: &Diff) -> String {
    let mut out = String::new();
    let host = d
        .after
        .host
        .as_deref()
        .or(d.before.host.as_deref())
        .unwrap_or("the PC");
    let _ = writeln!(out, "# caadoctor diff: {host}\n");
    for h in header(d) {
        let _ = writeln!(out, "- {}", cell(&h));
    }
    for w in &d.warnings {
        let _ = writeln!(out, "\n> **Warning:** {}", cell(w));
    }
    let _ = writeln!(
        out,
        "\n## Verdicts\n\n{} better, {} worse, {} same, {} not comparable.\n",
        d.summary.better, d.summary.worse, d.summary.same, d.summary.incomparable
    );
    out.push_str("| rule | before | after | change |\n|---|---|---|---|\n");
    for r in shown(d) {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            r.rule,
            status(r.before),
            status(r.after),
            arrow(r.direction)
        );
    }
    let moved = moved_facts(d);
    if !moved.is_empty() {
        out.push_str("\n## What changed\n");
    }
    for (r, facts) in moved {
        let (b, a) = (status(r.before), status(r.after));
        let _ = writeln!(out, "\n### {}: {b} → {a}\n", r.rule);
        for m in &r.messages_after {
            let _ = writeln!(out, "- now: {}", cell(m));
        }
        for f in facts {
            let _ = writeln!(
                out,
                "- `{}`: `{}` → `{}`\n  - before: {}\n  - after: {}",
                f.name,
                f.before,
                f.after,
                cell(&f.from),
                cell(&f.to)
            );
        }
    }
    lists(d, &mut out, "- ");
    out
}
