//! The HTML report: one self-contained page that opens offline from a mail attachment.
//! Inline CSS only — no script, font, image or link that loads anything — and a
//! Content-Security-Policy that forbids every load but inline styles and `data:` images,
//! so even a value that slipped through as markup could not fetch or run anything.
//!
//! Everything from the snapshot is hostile text (a registry value can hold `</script>`):
//! it reaches the page only through [`E`], which escapes it for text and attribute values
//! alike. Markup comes from string literals of this module.
//!
//! Sections: header (whose PC, which Windows and Office, when and how collected), the
//! verdicts, **What to fix** (actionable findings by status then severity, with their
//! steps), every finding with its evidence (`#rule-<id>`), the sign-in timeline and the
//! probe matrix ([`charts`]), problems and artifacts. Light and dark follow the system; a
//! print stylesheet keeps colours and puts each finding on one page where it fits.

pub mod bars;
mod charts;
mod escape;

pub use escape::{Anchor, E, anchor};
use escape::{Coded, esc};

use super::{Report, TOOL, status_label as label};
use crate::facts::{Evidence, Value};
use crate::rules::{FactEvidence, Finding, Status};
use std::fmt::Write;

/// The Content-Security-Policy of every page: nothing loads, inline styles and `data:`
/// images excepted.
pub const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

/// The stylesheet of every page (the fleet dashboard adds its own rules after it).
pub const STYLE: &str = include_str!("style.css");

fn badge(out: &mut String, s: Status) {
    let _ = write!(
        out,
        r#"<span class="badge st-{}">{}</span>"#,
        s.as_str(),
        label(s)
    );
}

/// Renders the page.
pub fn render(report: &Report) -> String {
    // A sample's page is 80-120 KB: one allocation.
    let mut out = String::with_capacity(160 * 1024);
    head(&mut out, report);
    out.push_str("<body>\n");
    header(&mut out, report);
    out.push_str(concat!(
        r##"<nav class="toc" aria-label="Sections"><ul>"##,
        r##"<li><a href="#verdicts">Verdicts</a></li><li><a href="#fix">What to fix</a></li>"##,
        r##"<li><a href="#findings">Findings</a></li><li><a href="#timeline">Sign-in timeline</a></li>"##,
        r##"<li><a href="#probes">Probe matrix</a></li><li><a href="#problems">Problems</a></li>"##,
        r##"<li><a href="#artifacts">Artifacts</a></li></ul></nav>"##,
        "\n<main>\n"
    ));
    verdicts(&mut out, report);
    to_fix(&mut out, report);
    out.push_str("<section id=\"findings\">\n<h2>Findings</h2>\n");
    let findings = ordered(report);
    overview(&mut out, &findings);
    for f in findings {
        finding(&mut out, f);
    }
    out.push_str("</section>\n");
    charts::timeline(&mut out, report.timeline.as_ref());
    charts::probes(&mut out, report.probes.as_ref());
    problems(&mut out, report);
    artifacts(&mut out, report);
    let _ = write!(
        out,
        "</main>\n<footer>{} {} · This page loads nothing from the network: no scripts, fonts, \
         images or links outside it (Content-Security-Policy <code>{}</code>).</footer>\n</body>\n</html>\n",
        TOOL.name,
        TOOL.version,
        E(CSP)
    );
    out
}

fn head(out: &mut String, report: &Report) {
    let counts: Vec<String> = report
        .summary
        .counts()
        .iter()
        .filter(|(s, n)| *n > 0 && matches!(s, Status::Fail | Status::Warn))
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    let host = report.snapshot.host.as_deref().unwrap_or("snapshot");
    let title = if counts.is_empty() {
        format!("caadoctor: {host}, nothing fails")
    } else {
        format!("caadoctor: {host}, {}", counts.join(", "))
    };
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{}\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"color-scheme\" content=\"light dark\">\n\
         <meta name=\"generator\" content=\"{} {}\">\n<title>{}</title>\n<style>\n{}</style>\n</head>\n",
        E(CSP),
        TOOL.name,
        TOOL.version,
        E(&title),
        STYLE
    );
}

fn header(out: &mut String, report: &Report) {
    let s = &report.snapshot;
    out.push_str(
        "<header class=\"top\">\n<h1>Microsoft 365 activation: why 0xCAA70007 / 0xCAA80000</h1>\n",
    );
    if report.redacted {
        out.push_str(
            "<p class=\"note\"><strong>Redacted.</strong> Names, addresses and ids of people and \
             organisations are pseudonyms (<code>host-1</code>, <code>user-1</code>, \
             <code>org-1.example</code>, <code>192.0.2.1</code>); Microsoft's endpoints, error codes, \
             registry paths, build numbers and verdicts are unchanged.</p>\n",
        );
    }
    out.push_str("<dl class=\"about\">\n");
    let unknown = "not known";
    let rows: [(&str, Option<&str>); 6] = [
        ("Host", s.host.as_deref()),
        ("User", s.user.as_deref()),
        ("Windows", s.os.as_deref()),
        ("Office", s.office.as_deref()),
        ("Collected at", s.collected_at.as_deref()),
        ("Collector", s.collector.as_deref()),
    ];
    for (name, value) in rows {
        let _ = writeln!(
            out,
            "<dt>{name}</dt><dd>{}</dd>",
            E(value.unwrap_or(unknown))
        );
    }
    let elevated = match s.elevated {
        Some(true) => "yes (HKCU settings may be the administrator's)",
        Some(false) => "no",
        None => unknown,
    };
    let _ = writeln!(out, "<dt>Elevated</dt><dd>{elevated}</dd>");
    let format = match s.format {
        crate::snapshot::SourceFormat::Zip => "zip",
        crate::snapshot::SourceFormat::Folder => "folder",
        crate::snapshot::SourceFormat::File => "file",
    };
    let _ = writeln!(
        out,
        "<dt>Snapshot</dt><dd><code>{}</code> ({format})</dd>\n</dl>",
        E(&s.source)
    );
    if !s.notes.is_empty() {
        out.push_str("<ul class=\"note\">");
        for n in &s.notes {
            let _ = write!(out, "<li>{}</li>", E(n));
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</header>\n");
}

fn verdicts(out: &mut String, report: &Report) {
    out.push_str("<section id=\"verdicts\">\n<h2>Verdicts</h2>\n<ul class=\"counts\">");
    for (s, n) in report.summary.counts() {
        let _ = write!(
            out,
            "<li class=\"st-{}\"><b>{n}</b>{}</li>",
            s.as_str(),
            label(s)
        );
    }
    out.push_str("</ul>\n</section>\n");
}

/// The findings in the order a reader acts on them: what to fix first (by status, then
/// severity), then the rest in rule order.
fn ordered(report: &Report) -> Vec<&Finding> {
    let mut out = report.to_fix();
    out.extend(
        report
            .findings
            .iter()
            .filter(|f| !matches!(f.status, Status::Fail | Status::Warn | Status::Manual)),
    );
    out
}

/// The rule's id, linking to its finding.
fn rule_link(out: &mut String, rule: &str) {
    let _ = write!(
        out,
        "<a href=\"#{}\"><code>{}</code></a>",
        Anchor(rule),
        E(rule)
    );
}

/// Every rule on one line, linking to its finding.
fn overview(out: &mut String, findings: &[&Finding]) {
    out.push_str("<table class=\"overview\">\n<thead><tr><th>Status</th><th>Rule</th><th>Severity</th><th>Finding</th></tr></thead>\n<tbody>\n");
    for f in findings {
        out.push_str("<tr><td class=\"nowrap\">");
        badge(out, f.status);
        out.push_str("</td><td class=\"nowrap\">");
        rule_link(out, &f.rule);
        let _ = writeln!(
            out,
            "</td><td>{}</td><td>{}</td></tr>",
            f.severity,
            E(f.messages.first().map_or(f.title.as_str(), String::as_str))
        );
    }
    out.push_str("</tbody>\n</table>\n");
}

fn to_fix(out: &mut String, report: &Report) {
    out.push_str("<section id=\"fix\">\n<h2>What to fix</h2>\n");
    let acted = report.to_fix();
    if acted.is_empty() {
        out.push_str("<p>No rule fails, warns or needs a person: nothing to fix from this snapshot.</p>\n</section>\n");
        return;
    }
    out.push_str("<ol class=\"fix\">\n");
    for f in acted {
        out.push_str("<li>");
        badge(out, f.status);
        // The title names what is checked ("TLS 1.2 is available"): after FAIL it must
        // read as the check, not as the finding.
        out.push_str(" <strong>");
        rule_link(out, &f.rule);
        let _ = write!(
            out,
            "</strong> <span class=\"muted\">{} severity · check: {}</span>",
            f.severity,
            E(&f.title)
        );
        for m in &f.messages {
            let _ = write!(out, "<p>{}</p>", Coded(m));
        }
        steps(out, &f.remediation);
        out.push_str("</li>\n");
    }
    out.push_str("</ol>\n</section>\n");
}

fn steps(out: &mut String, steps: &[String]) {
    if steps.is_empty() {
        return;
    }
    out.push_str("<ol class=\"steps\">");
    for s in steps {
        let _ = write!(out, "<li>{}</li>", Coded(s));
    }
    out.push_str("</ol>");
}

fn finding(out: &mut String, f: &Finding) {
    let _ = write!(
        out,
        "<article class=\"finding f-{}\" id=\"{}\">\n<h3>",
        f.status.as_str(),
        Anchor(&f.rule)
    );
    badge(out, f.status);
    let _ = writeln!(
        out,
        " {} <code>{}</code></h3>\n<p class=\"meta\">{} severity · article: {}</p>",
        E(&f.title),
        E(&f.rule),
        f.severity,
        E(&f.article_section)
    );
    out.push_str("<ul class=\"messages\">");
    for m in &f.messages {
        let _ = write!(out, "<li>{}</li>", Coded(m));
    }
    out.push_str("</ul>\n");
    let actionable = matches!(f.status, Status::Fail | Status::Warn | Status::Manual);
    if !f.evidence.is_empty() {
        if actionable {
            out.push_str("<h4>Evidence</h4>\n");
        } else {
            let _ = writeln!(
                out,
                "<details><summary>Evidence ({} fact{})</summary>",
                f.evidence.len(),
                if f.evidence.len() == 1 { "" } else { "s" }
            );
        }
        evidence(out, &f.evidence);
        if !actionable {
            out.push_str("</details>\n");
        }
    }
    if !f.missing.is_empty() {
        missing(out, f);
    }
    if !f.remediation.is_empty() {
        out.push_str("<h4>What to do</h4>\n");
        steps(out, &f.remediation);
        out.push('\n');
    }
    out.push_str("</article>\n");
}

fn source_cells(out: &mut String, s: &Evidence) {
    out.push_str("<td class=\"mono\">");
    esc(out, &s.artifact);
    out.push_str("</td><td class=\"mono\">");
    if let Some(l) = s.line {
        let _ = write!(out, "line {l}");
        if !s.locator.is_empty() {
            out.push_str(": ");
        }
    }
    esc(out, &s.locator);
    out.push_str("</td><td class=\"mono\">");
    esc(out, &s.seen);
    out.push_str("</td>");
}

/// A fact's value: a list one item per line.
fn value(out: &mut String, v: &Value) {
    match v {
        Value::List(items) if items.is_empty() => out.push_str("<span class=\"muted\">none</span>"),
        Value::List(items) => {
            out.push_str("<ul class=\"plain\">");
            for i in items {
                out.push_str("<li>");
                esc(out, i);
                out.push_str("</li>");
            }
            out.push_str("</ul>");
        }
        Value::Text(t) => esc(out, t),
        Value::Bool(_) | Value::Int(_) => {
            let _ = write!(out, "{v}");
        }
    }
}

/// The evidence table: one row per source, the fact and its value on the first.
fn evidence(out: &mut String, evidence: &[FactEvidence]) {
    out.push_str("<table class=\"evidence\">\n<colgroup><col class=\"fact\"><col class=\"value\"><col class=\"artifact\"><col class=\"at\"><col class=\"seen\"></colgroup>\n<thead><tr><th>Fact</th><th>Value</th><th>Artifact</th><th>Line or key</th><th>What was seen</th></tr></thead>\n<tbody>\n");
    for e in evidence {
        let others: usize = e
            .disagreement
            .as_ref()
            .map_or(0, |d| d.others.iter().map(|o| o.sources.len().max(1)).sum());
        let span = e.sources.len().max(1) + others;
        let _ = write!(
            out,
            "<tr><td rowspan=\"{span}\" class=\"mono\">{}</td><td rowspan=\"{span}\" class=\"mono\">",
            E(&e.fact)
        );
        value(out, &e.value);
        if let Some(n) = &e.note {
            let _ = write!(out, "<div class=\"note\">{}</div>", E(n));
        }
        if let Some(d) = &e.disagreement {
            let _ = write!(
                out,
                "<div class=\"note\">The sources disagree: the value is {}'s ({})</div>",
                E(&d.used),
                E(&d.why)
            );
        }
        out.push_str("</td>");
        match e.sources.split_first() {
            Some((first, rest)) => {
                source_cells(out, first);
                out.push_str("</tr>\n");
                for s in rest {
                    out.push_str("<tr>");
                    source_cells(out, s);
                    out.push_str("</tr>\n");
                }
            }
            None => {
                out.push_str("<td colspan=\"3\" class=\"muted\">no source recorded</td></tr>\n")
            }
        }
        for o in e.disagreement.iter().flat_map(|d| &d.others) {
            if o.sources.is_empty() {
                let _ = writeln!(
                    out,
                    "<tr class=\"other\"><td colspan=\"3\">other source: {}</td></tr>",
                    E(&o.value)
                );
            }
            for s in &o.sources {
                let _ = write!(
                    out,
                    "<tr class=\"other\"><td class=\"mono\">{} (other source: {})</td><td class=\"mono\">",
                    E(&s.artifact),
                    E(&o.value)
                );
                let at = s.line.map(|l| format!("line {l}: ")).unwrap_or_default();
                let _ = writeln!(
                    out,
                    "{}{}</td><td class=\"mono\">{}</td></tr>",
                    E(&at),
                    E(&s.locator),
                    E(&s.seen)
                );
            }
        }
    }
    out.push_str("</tbody>\n</table>\n");
}

fn missing(out: &mut String, f: &Finding) {
    let heading = if f.status == Status::Unknown {
        "Missing facts: why the verdict is unknown, and what to collect"
    } else {
        "Not evaluated: facts the snapshot lacks, and what to collect"
    };
    let _ = write!(
        out,
        "<h4>{heading}</h4>\n<table class=\"missing\">\n<thead><tr><th>Fact</th><th>What it is</th><th>How to collect it</th></tr></thead>\n<tbody>\n"
    );
    for m in &f.missing {
        let _ = write!(
            out,
            "<tr><td><code>{}</code></td><td>{}</td><td>",
            E(&m.fact),
            E(&m.about)
        );
        if m.collect.is_empty() {
            out.push_str(
                "<span class=\"muted\">the snapshot already holds every source of it</span>",
            );
        }
        for (i, w) in m.collect.iter().enumerate() {
            if i > 0 {
                out.push_str("<br>");
            }
            let _ = write!(out, "<code>{}</code>", E(&w.how));
        }
        out.push_str("</td></tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
}

fn problems(out: &mut String, report: &Report) {
    out.push_str("<section id=\"problems\">\n<h2>Problems reading the snapshot</h2>\n");
    if report.problems.is_empty() {
        out.push_str("<p>None: every artifact was read whole.</p>\n</section>\n");
        return;
    }
    out.push_str("<table>\n<thead><tr><th>Artifact</th><th>Kind</th><th>What happened</th></tr></thead>\n<tbody>\n");
    for p in &report.problems {
        let _ = writeln!(
            out,
            "<tr><td class=\"mono\">{}</td><td>{}</td><td>{}</td></tr>",
            E(p.artifact.as_deref().unwrap_or("(the snapshot)")),
            p.kind,
            E(&p.message)
        );
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

fn artifacts(out: &mut String, report: &Report) {
    let used = report.artifacts.iter().filter(|a| a.used).count();
    let _ = write!(
        out,
        "<section id=\"artifacts\">\n<h2>Artifacts</h2>\n<details><summary>{} files in the snapshot, {used} of them read for facts</summary>\n",
        report.artifacts.len()
    );
    out.push_str("<table>\n<thead><tr><th>Path</th><th>Kind</th><th>Encoding</th><th>Bytes</th><th>Used</th><th>Note</th></tr></thead>\n<tbody>\n");
    for a in &report.artifacts {
        let _ = writeln!(
            out,
            "<tr><td class=\"mono\">{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
            E(&a.path),
            a.kind.name(),
            a.encoding.map(|e| e.to_string()).unwrap_or_default(),
            a.bytes,
            if a.used { "yes" } else { "no" },
            E(a.note.as_deref().unwrap_or(""))
        );
    }
    out.push_str("</tbody>\n</table>\n</details>\n</section>\n");
}
