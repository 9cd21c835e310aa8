//! The Markdown report, for a ticket comment on GitHub, GitLab or Jira: the machine in one
//! line, the verdict counts, **What to fix** (actionable findings, most important first,
//! with their steps), one table row per other finding; evidence, the sign-in timeline and
//! the probe matrix folded in `<details>` — the only HTML it uses.
//!
//! Snapshot text is escaped ([`md`]): Markdown punctuation and `<` are backslash-escaped,
//! line breaks become spaces, so a value can neither open a link, an image or raw HTML nor
//! break a table.

use super::probes::CellResult;
use super::{Report, status_label as label};
use crate::facts::{Evidence, Value};
use crate::rules::{FactEvidence, Finding};
use std::fmt::Write;

/// Sources listed per fact, and items of a list value; the rest are counted (the JSON
/// and HTML reports list all). Keeps a comment within Jira's default 32,767 characters.
const SOURCES_SHOWN: usize = 5;
const ITEMS_SHOWN: usize = 4;

/// Text from the snapshot, safe in a paragraph, a list item or a table cell.
pub fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    // At the start of a block, `- `, `+ `, `=` and `1. ` / `1) ` would start a list or
    // a heading.
    let digits = text.chars().take_while(char::is_ascii_digit).count();
    let spaced = |at: usize| text.chars().nth(at + 1).is_none_or(char::is_whitespace);
    let marker = match text.chars().nth(digits) {
        Some('.' | ')') if digits > 0 && spaced(digits) => Some(digits),
        Some('-' | '+') if digits == 0 && spaced(0) => Some(0),
        Some('=') if digits == 0 => Some(0),
        _ => None,
    };
    for (i, c) in text.chars().enumerate() {
        if Some(i) == marker {
            out.push('\\');
            out.push(c);
            continue;
        }
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '&' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\r' | '\n' | '\t' => out.push(' '),
            '\0' => out.push('\u{FFFD}'),
            _ => out.push(c),
        }
    }
    out
}

/// Renders the comment.
pub fn render(report: &Report) -> String {
    let mut out = String::with_capacity(16 * 1024);
    let s = &report.snapshot;
    let _ = writeln!(
        out,
        "## caadoctor: {}\n",
        md(s.host.as_deref().unwrap_or("snapshot"))
    );
    let about: Vec<String> = [
        ("User", s.user.as_deref()),
        ("Windows", s.os.as_deref()),
        ("Office", s.office.as_deref()),
        ("Collected", s.collected_at.as_deref()),
        ("Collector", s.collector.as_deref()),
    ]
    .iter()
    .filter_map(|(k, v)| v.map(|v| format!("**{k}** {}", md(v))))
    .chain(
        s.elevated
            .map(|e| format!("**Elevated** {}", if e { "yes" } else { "no" })),
    )
    .collect();
    if !about.is_empty() {
        let _ = writeln!(out, "{}\n", about.join(" · "));
    }
    if report.redacted {
        out.push_str("_Redacted: names, addresses and ids are pseudonyms; Microsoft's endpoints, codes, registry paths and verdicts are unchanged._\n\n");
    }
    let counts: Vec<String> = report
        .summary
        .counts()
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(st, n)| format!("**{}** {n}", label(*st)))
        .collect();
    let _ = writeln!(out, "{}\n", counts.join(" · "));

    let acted = report.to_fix();
    out.push_str("### What to fix\n\n");
    if acted.is_empty() {
        out.push_str("Nothing: no rule fails, warns or needs a person.\n\n");
    }
    for (i, f) in acted.iter().enumerate() {
        fix(&mut out, i + 1, f);
    }
    let others: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| !acted.iter().any(|a| a.rule == f.rule))
        .collect();
    if !others.is_empty() {
        out.push_str("### Other findings\n\n| Status | Rule | Finding |\n|---|---|---|\n");
        for f in &others {
            let _ = writeln!(
                out,
                "| {} | `{}` | {} |",
                label(f.status),
                md(&f.rule),
                md(f.messages.first().map_or(f.title.as_str(), String::as_str))
            );
        }
        out.push('\n');
        // Passing rules' evidence belongs in the attached HTML or JSON report; what could
        // not be decided, and sources that disagree, belong here.
        let worth: Vec<&&Finding> = others
            .iter()
            .filter(|f| {
                !f.missing.is_empty() || f.evidence.iter().any(|e| e.disagreement.is_some())
            })
            .collect();
        if !worth.is_empty() {
            out.push_str(
                "<details>\n<summary>What could not be decided, and sources that disagree</summary>\n\n",
            );
            for f in worth {
                let _ = writeln!(out, "**{} `{}`**\n", label(f.status), md(&f.rule));
                details_body(&mut out, f, 1);
            }
            out.push_str("</details>\n\n");
        }
        out.push_str(
            "_The evidence of every finding is in the HTML and JSON reports (`caadoctor analyze --format html`)._\n\n",
        );
    }
    timeline(&mut out, report);
    probes(&mut out, report);
    if !report.problems.is_empty() {
        let _ = write!(
            out,
            "<details>\n<summary>Problems reading the snapshot ({})</summary>\n\n",
            report.problems.len()
        );
        for p in &report.problems {
            let _ = writeln!(out, "- {}", md(&p.to_string()));
        }
        out.push_str("\n</details>\n");
    }
    out
}

fn fix(out: &mut String, n: usize, f: &Finding) {
    let _ = writeln!(
        out,
        "#### {n}. {} `{}` ({} severity), check: {}\n",
        label(f.status),
        md(&f.rule),
        f.severity,
        md(&f.title)
    );
    for m in &f.messages {
        let _ = writeln!(out, "- {}", md(m));
    }
    out.push('\n');
    if !f.remediation.is_empty() {
        out.push_str("Steps:\n\n");
        for (i, r) in f.remediation.iter().enumerate() {
            let _ = writeln!(out, "{}. {}", i + 1, md(r));
        }
        out.push('\n');
    }
    if !f.evidence.is_empty() || !f.missing.is_empty() {
        let _ = write!(
            out,
            "<details>\n<summary>Evidence for {}</summary>\n\n",
            md(&f.rule)
        );
        details_body(out, f, SOURCES_SHOWN);
        out.push_str("</details>\n\n");
    }
}

fn at(s: &Evidence) -> String {
    match s.line {
        Some(l) if s.locator.is_empty() => format!("line {l}"),
        Some(l) => format!("line {l}: {}", s.locator),
        None => s.locator.clone(),
    }
}

/// A finding's evidence (`shown` sources per fact) and missing facts.
fn details_body(out: &mut String, f: &Finding, shown: usize) {
    if !f.evidence.is_empty() {
        out.push_str(
            "| Fact | Value | Artifact | Line or key | What was seen |\n|---|---|---|---|---|\n",
        );
        for e in &f.evidence {
            evidence_rows(out, e, shown);
        }
        out.push('\n');
    }
    if !f.missing.is_empty() {
        out.push_str("| Missing fact | How to collect it |\n|---|---|\n");
        for m in &f.missing {
            let how: Vec<String> = m.collect.iter().map(|w| md(&w.how)).collect();
            let how = if how.is_empty() {
                "the snapshot holds every source of it".to_owned()
            } else {
                how.join("; ")
            };
            let _ = writeln!(out, "| {} | {how} |", md(&m.fact));
        }
        out.push('\n');
    }
}

/// A value as a cell: a list's first items and how many more.
fn value_text(v: &Value) -> String {
    match v {
        Value::List(items) if items.is_empty() => "none".to_owned(),
        Value::List(items) => {
            let shown: Vec<String> = items.iter().take(ITEMS_SHOWN).map(|i| md(i)).collect();
            match items.len().saturating_sub(ITEMS_SHOWN) {
                0 => shown.join("; "),
                more => format!("{}; and {more} more", shown.join("; ")),
            }
        }
        Value::Text(t) => md(t),
        Value::Bool(_) | Value::Int(_) => v.to_string(),
    }
}

fn evidence_rows(out: &mut String, e: &FactEvidence, shown: usize) {
    let mut value = value_text(&e.value);
    if let Some(n) = &e.note {
        let _ = write!(value, " ({})", md(n));
    }
    for (i, s) in e.sources.iter().take(shown).enumerate() {
        let (fact, v) = if i == 0 {
            (md(&e.fact), value.as_str())
        } else {
            (String::new(), "")
        };
        let _ = writeln!(
            out,
            "| {fact} | {v} | {} | {} | {} |",
            md(&s.artifact),
            md(&at(s)),
            md(&s.seen)
        );
    }
    if e.sources.is_empty() {
        let _ = writeln!(out, "| {} | {value} | | | |", md(&e.fact));
    }
    if e.sources.len() > shown {
        let _ = writeln!(
            out,
            "| | | and {} more sources (the HTML and JSON reports list them) | | |",
            e.sources.len() - shown
        );
    }
    for o in e.disagreement.iter().flat_map(|d| &d.others) {
        let where_: Vec<String> = o
            .sources
            .iter()
            .map(|s| format!("{} {}", md(&s.artifact), md(&at(s))))
            .collect();
        let _ = writeln!(
            out,
            "| | other source: {} | {} | | |",
            md(&o.value),
            where_.join("; ")
        );
    }
}

fn timeline(out: &mut String, report: &Report) {
    let Some(t) = report.timeline.as_ref().filter(|t| t.attempts > 0) else {
        return;
    };
    let _ = write!(
        out,
        "<details>\n<summary>Sign-in attempts: {} from {} to {} (UTC)</summary>\n\n| Day | Attempts | Codes |\n|---|---|---|\n",
        t.attempts,
        md(t.days.first().map_or("", |d| d.date.as_str())),
        md(t.days.last().map_or("", |d| d.date.as_str()))
    );
    for d in &t.days {
        let codes: Vec<String> = t
            .codes_of(d)
            .iter()
            .map(|(label, n)| format!("{} ×{n}", md(label)))
            .collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            md(&d.date),
            d.attempts,
            codes.join("; ")
        );
    }
    out.push_str("\n| Code | Meaning |\n|---|---|\n");
    let mut seen: Vec<&str> = Vec::new();
    for c in t.kinds.iter().flat_map(|k| &k.codes) {
        if !seen.contains(&c.code.as_str()) {
            seen.push(&c.code);
            let short = if c.short.is_empty() {
                String::new()
            } else {
                format!("{}: ", md(&c.short))
            };
            let _ = writeln!(out, "| {} | {short}{} |", md(&c.code), md(&c.meaning));
        }
    }
    out.push_str("\n</details>\n\n");
}

fn probes(out: &mut String, report: &Report) {
    let Some(m) = &report.probes else {
        return;
    };
    let failing = m
        .rows
        .iter()
        .filter(|r| {
            [&r.dns, &r.tcp, &r.winhttp, &r.wininet]
                .iter()
                .any(|c| c.result == CellResult::Fail)
        })
        .count();
    let _ = write!(
        out,
        "<details>\n<summary>Probe matrix: {} endpoints, {failing} with a failure</summary>\n\n| Endpoint | DNS | TCP | WinHTTP | WinINet |\n|---|---|---|---|---|\n",
        m.rows.len()
    );
    for r in &m.rows {
        let cells: Vec<String> = [&r.dns, &r.tcp, &r.winhttp, &r.wininet]
            .iter()
            .map(|c| match c.result {
                // What went right needs no detail in a comment; the HTML report has it.
                CellResult::Ok => "ok".to_owned(),
                _ => format!("{}: {}", c.result.as_str(), md(&c.text)),
            })
            .collect();
        let _ = writeln!(out, "| {} | {} |", md(&r.url), cells.join(" | "));
    }
    out.push_str("\n</details>\n\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_text_cannot_open_markup() {
        assert_eq!(
            md("a|b <img src=x> [l](http://x) `c` *d*\nnext"),
            r"a\|b \<img src=x\> \[l\](http://x) \`c\` \*d\* next"
        );
        assert_eq!(md("1. not a list"), r"1\. not a list");
        assert_eq!(md("- not an item"), r"\- not an item");
        assert_eq!(md("12 items - fine"), "12 items - fine");
        assert_eq!(md("16.0.20428.20170"), "16.0.20428.20170");
    }
}
