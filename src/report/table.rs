//! The terminal report: a summary table of every rule's verdict, then the details an
//! engineer acts on (messages, evidence, remediation for fail/warn/manual; what is missing
//! for unknown), then the problems. Colour only when asked for (a TTY without `NO_COLOR`).

use super::{Report, TOOL};
use crate::rules::{Finding, Status};
use comfy_table::{Cell, Color};
use std::fmt::Write;

/// How to draw.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
    /// Table width in columns; `None` lets comfy-table ask the terminal.
    pub width: Option<u16>,
}

fn status_color(s: Status) -> Color {
    match s {
        Status::Fail => Color::Red,
        Status::Warn => Color::Yellow,
        Status::Manual => Color::Cyan,
        Status::Unknown => Color::DarkGrey,
        Status::Pass => Color::Green,
        Status::NotApplicable => Color::DarkGrey,
    }
}

fn paint(text: &str, s: Status, style: Style) -> String {
    if !style.color {
        return text.to_owned();
    }
    let code = match s {
        Status::Fail => "31;1",
        Status::Warn => "33;1",
        Status::Manual => "36;1",
        Status::Pass => "32",
        Status::Unknown | Status::NotApplicable => "90",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

pub fn render(report: &Report, style: Style) -> String {
    let mut out = String::new();
    let snap = &report.snapshot;
    let _ = writeln!(out, "{} {} — {}", TOOL.name, TOOL.version, snap.source);
    let mut about = Vec::new();
    if let Some(h) = &snap.host {
        about.push(format!("host {h}"));
    }
    if let Some(os) = &snap.os {
        about.push(os.clone());
    }
    if let Some(at) = &snap.collected_at {
        about.push(format!("collected {at}"));
    }
    if !about.is_empty() {
        let _ = writeln!(out, "{}", about.join(" · "));
    }
    for n in &snap.notes {
        let _ = writeln!(out, "note: {n}");
    }
    out.push('\n');

    let mut table = super::new_table(
        &["STATUS", "RULE", "SEVERITY", "FINDING"],
        style.width,
        style.color,
    );
    for f in &report.findings {
        let status = Cell::new(f.status.as_str().to_uppercase());
        let status = if style.color {
            status.fg(status_color(f.status))
        } else {
            status
        };
        table.add_row(vec![
            status,
            Cell::new(&f.rule),
            Cell::new(f.severity.to_string()),
            Cell::new(f.messages.first().map(String::as_str).unwrap_or("")),
        ]);
    }
    let _ = writeln!(out, "{table}");

    let acted = report.to_fix();
    if !acted.is_empty() {
        let _ = writeln!(out, "\nWhat to fix");
        for f in acted {
            details(&mut out, f, style);
        }
    }
    // A verdict that needs no action but rests on sources that disagree is shown too.
    let disputed: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| !matches!(f.status, Status::Fail | Status::Warn | Status::Manual))
        .filter(|f| f.evidence.iter().any(|e| e.disagreement.is_some()))
        .collect();
    if !disputed.is_empty() {
        let _ = writeln!(out, "\nSources that disagree");
        for f in disputed {
            details(&mut out, f, style);
        }
    }
    let unknown: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.status == Status::Unknown && !f.missing.is_empty())
        .collect();
    if !unknown.is_empty() {
        let _ = writeln!(
            out,
            "\nCould not decide (the snapshot lacks these facts, and what to collect)"
        );
        for f in unknown {
            let facts: Vec<&str> = f.missing.iter().map(|m| m.fact.as_str()).collect();
            let _ = writeln!(out, "  {}: {}", f.rule, facts.join(", "));
            collect(&mut out, f, "    ");
        }
    }
    if !report.problems.is_empty() {
        let _ = writeln!(
            out,
            "\nProblems reading the snapshot ({})",
            report.problems.len()
        );
        for p in &report.problems {
            let _ = writeln!(out, "  - {p}");
        }
    }
    let counts: Vec<String> = report
        .summary
        .counts()
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    let _ = writeln!(out, "\nSummary: {}", counts.join(", "));
    out
}

/// What to collect for the finding's missing facts, one line per collector step.
fn collect(out: &mut String, f: &Finding, indent: &str) {
    let mut steps: Vec<&str> = Vec::new();
    for w in f.missing.iter().flat_map(|m| &m.collect) {
        if !steps.contains(&w.step.as_str()) {
            steps.push(&w.step);
            let _ = writeln!(out, "{indent}collect: {}", w.how);
        }
    }
}

fn sources(out: &mut String, sources: &[crate::facts::Evidence], indent: &str) {
    for s in sources {
        let at = match s.line {
            Some(l) => format!("{}:{l}", s.artifact),
            None => s.artifact.clone(),
        };
        let _ = writeln!(out, "{indent}{at}  {}  {}", s.locator, s.seen);
    }
}

fn details(out: &mut String, f: &Finding, style: Style) {
    let tag = paint(&f.status.as_str().to_uppercase(), f.status, style);
    let _ = writeln!(
        out,
        "\n{tag} {} — {} [{}]",
        f.rule, f.title, f.article_section
    );
    for m in &f.messages {
        let _ = writeln!(out, "  • {m}");
    }
    if !f.evidence.is_empty() {
        let _ = writeln!(out, "  evidence:");
        for e in &f.evidence {
            let _ = writeln!(out, "    {} = {}", e.fact, e.value);
            if let Some(n) = &e.note {
                let _ = writeln!(out, "      ({n})");
            }
            sources(out, &e.sources, "      ");
            if let Some(d) = &e.disagreement {
                let _ = writeln!(
                    out,
                    "      but the sources disagree; used {} ({})",
                    d.used, d.why
                );
                for o in &d.others {
                    let _ = writeln!(out, "      other: {}", o.value);
                    sources(out, &o.sources, "        ");
                }
            }
        }
    }
    if !f.missing.is_empty() {
        let facts: Vec<&str> = f.missing.iter().map(|m| m.fact.as_str()).collect();
        let _ = writeln!(out, "  not evaluated (missing): {}", facts.join(", "));
        collect(out, f, "    ");
    }
    if !f.remediation.is_empty() {
        let _ = writeln!(out, "  remediation:");
        for (i, r) in f.remediation.iter().enumerate() {
            let _ = writeln!(out, "    {}. {r}", i + 1);
        }
    }
}
