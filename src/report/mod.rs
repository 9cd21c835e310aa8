//! Turns an [`Analysis`] into what the engineer reads. [`Report`] is the one model every
//! format renders — the JSON document (`caadoctor.report/1`, see `docs/report-format.md`),
//! the terminal [`table`], [`markdown`] for a ticket and the self-contained [`html`] page —
//! so redaction ([`crate::redact`]) is applied to it once, before any format sees it. The
//! facts view (`caadoctor facts`) is a separate document, `caadoctor.facts/1`.

pub mod html;
pub mod markdown;
pub mod probes;
pub mod table;
pub mod timeline;

use crate::analysis::{Analysis, ArtifactInfo, SnapshotInfo};
use crate::facts::{Facts, Inputs};
use crate::problem::Problem;
use crate::rules::{Finding, Status};
use serde::Serialize;

pub const REPORT_SCHEMA: &str = "caadoctor.report/1";
pub const FACTS_SCHEMA: &str = "caadoctor.facts/1";

#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

pub const TOOL: Tool = Tool {
    name: "caadoctor",
    version: env!("CARGO_PKG_VERSION"),
};

/// The report of one snapshot: owned, so that redaction can rewrite it in place.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub tool: Tool,
    pub snapshot: SnapshotInfo,
    /// Count of findings per status; every status is present.
    pub summary: Summary,
    pub findings: Vec<Finding>,
    pub problems: Vec<Problem>,
    pub artifacts: Vec<ArtifactInfo>,
    /// Sign-in attempts per day from Office's alerts and the AAD log; absent when the
    /// snapshot holds neither log.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeline: Option<timeline::Timeline>,
    /// The article's endpoints × DNS, TCP, WinHTTP, WinINet; absent without probes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probes: Option<probes::ProbeMatrix>,
    /// Names, addresses and ids were replaced by pseudonyms (`--redact`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub redacted: bool,
}

/// A status as the ticket formats write it: upper case with a glyph, so it reads without
/// colour (printed in black and white, or by a screen reader).
pub fn status_label(s: Status) -> &'static str {
    match s {
        Status::Fail => "✗ FAIL",
        Status::Warn => "! WARN",
        Status::Manual => "? MANUAL",
        Status::Unknown => "… UNKNOWN",
        Status::Pass => "✓ PASS",
        Status::NotApplicable => "– N/A",
    }
}

/// Findings per status, in order of importance.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub fail: usize,
    pub warn: usize,
    pub manual: usize,
    pub unknown: usize,
    pub pass: usize,
    pub not_applicable: usize,
}

impl Summary {
    pub fn of(findings: &[Finding]) -> Summary {
        let n = |s: Status| findings.iter().filter(|f| f.status == s).count();
        Summary {
            fail: n(Status::Fail),
            warn: n(Status::Warn),
            manual: n(Status::Manual),
            unknown: n(Status::Unknown),
            pass: n(Status::Pass),
            not_applicable: n(Status::NotApplicable),
        }
    }

    /// Counts one more finding of `status`.
    pub fn add(&mut self, status: Status) {
        match status {
            Status::Fail => self.fail += 1,
            Status::Warn => self.warn += 1,
            Status::Manual => self.manual += 1,
            Status::Unknown => self.unknown += 1,
            Status::Pass => self.pass += 1,
            Status::NotApplicable => self.not_applicable += 1,
        }
    }

    /// `(status, count)` in order of importance.
    pub fn counts(&self) -> [(Status, usize); 6] {
        [
            (Status::Fail, self.fail),
            (Status::Warn, self.warn),
            (Status::Manual, self.manual),
            (Status::Unknown, self.unknown),
            (Status::Pass, self.pass),
            (Status::NotApplicable, self.not_applicable),
        ]
    }
}

impl Report {
    /// The report of an analysis that is still needed afterwards (its parts are cloned).
    pub fn new(analysis: &Analysis) -> Self {
        Report::assemble(
            &analysis.inputs,
            analysis.snapshot.clone(),
            analysis.findings.clone(),
            analysis.problems.clone(),
            analysis.artifacts.clone(),
        )
    }

    /// The report of an analysis, taking its parts.
    pub fn from_analysis(analysis: Analysis) -> Self {
        Report::assemble(
            &analysis.inputs,
            analysis.snapshot,
            analysis.findings,
            analysis.problems,
            analysis.artifacts,
        )
    }

    fn assemble(
        inputs: &Inputs,
        snapshot: SnapshotInfo,
        findings: Vec<Finding>,
        problems: Vec<Problem>,
        artifacts: Vec<ArtifactInfo>,
    ) -> Self {
        let attempts = crate::facts::attempts::of_logs(&inputs.event_logs);
        Report {
            schema: REPORT_SCHEMA,
            tool: TOOL,
            snapshot,
            summary: Summary::of(&findings),
            findings,
            problems,
            artifacts,
            timeline: timeline::build(&inputs.event_logs, &attempts),
            probes: inputs.probes.as_ref().map(probes::build),
            redacted: false,
        }
    }

    pub fn to_json(&self) -> String {
        // Serialising plain data structures cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The findings that need action (`fail`, `warn`, `manual`), most important first:
    /// by status, then severity, then rule order.
    pub fn to_fix(&self) -> Vec<&Finding> {
        let mut acted: Vec<&Finding> = self
            .findings
            .iter()
            .filter(|f| matches!(f.status, Status::Fail | Status::Warn | Status::Manual))
            .collect();
        acted.sort_by_key(|f| {
            (
                std::cmp::Reverse(f.status.rank()),
                std::cmp::Reverse(f.severity),
            )
        });
        acted
    }
}

/// A registry value defined differently by two files (the facts view lists them).
#[derive(Debug, Serialize)]
pub struct ConflictView {
    pub key: String,
    pub value: String,
    pub used: String,
    pub overridden: String,
}

#[derive(Debug, Serialize)]
pub struct FactsDocument<'a> {
    pub schema: &'static str,
    pub tool: Tool,
    pub snapshot: &'a SnapshotInfo,
    pub facts: &'a Facts,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub registry_conflicts: Vec<ConflictView>,
    pub problems: &'a [Problem],
    pub artifacts: &'a [ArtifactInfo],
}

impl<'a> FactsDocument<'a> {
    pub fn new(analysis: &'a Analysis) -> Self {
        let at = |o: &crate::registry::Origin| format!("{}:{}", o.artifact, o.line);
        FactsDocument {
            schema: FACTS_SCHEMA,
            tool: TOOL,
            snapshot: &analysis.snapshot,
            facts: &analysis.facts,
            registry_conflicts: analysis
                .inputs
                .registry
                .conflicts()
                .iter()
                .map(|c| ConflictView {
                    key: c.key.clone(),
                    value: c.name.clone(),
                    used: at(&c.used),
                    overridden: at(&c.overridden),
                })
                .collect(),
            problems: &analysis.problems,
            artifacts: &analysis.artifacts,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

#[derive(Debug, Serialize)]
struct RuleLine<'a> {
    id: &'a str,
    title: &'a str,
    severity: String,
    article_section: &'a str,
    origin: &'a str,
}

/// `caadoctor rules`: the rules in effect (and, on request, the fact catalog).
pub fn rules_listing(rules: &crate::rules::RuleSet, json: bool, with_facts: bool) -> String {
    let lines: Vec<RuleLine<'_>> = rules
        .rules
        .iter()
        .map(|r| RuleLine {
            id: &r.id,
            title: &r.title,
            severity: r.severity.to_string(),
            article_section: &r.article_section,
            origin: &r.origin,
        })
        .collect();
    let catalog = with_facts.then(crate::facts::catalog);
    if json {
        let doc = serde_json::json!({ "rules": lines, "facts": catalog });
        return serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n";
    }
    let mut t = new_table(
        &["RULE", "TITLE", "SEVERITY", "ARTICLE SECTION"],
        Some(110),
        false,
    );
    for l in &lines {
        t.add_row(vec![l.id, l.title, &l.severity, l.article_section]);
    }
    let mut out = format!("{t}\n");
    if let Some(catalog) = catalog {
        let mut f = new_table(&["FACT", "TYPE", "MEANING"], Some(110), false);
        for e in catalog {
            f.add_row(vec![e.path, e.kind.to_string(), e.doc.to_owned()]);
        }
        out.push_str(&format!("\n{f}\n"));
    }
    out
}

/// `caadoctor decode`: one block per code, or `{"codes": [...]}` as JSON.
pub fn decode_listing(codes: &[crate::codes::Decoded], json: bool) -> String {
    if json {
        let doc = serde_json::json!({ "schema": "caadoctor.decode/1", "codes": codes });
        return serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n";
    }
    let mut out = String::new();
    for d in codes {
        let group = match (&d.kind, &d.group) {
            (crate::codes::CodeKind::Caa, Some(g)) => format!("sign-in code, group {g}"),
            (crate::codes::CodeKind::Hresult, Some(g)) => format!("HRESULT, facility {g}"),
            (crate::codes::CodeKind::Aadsts, _) => "Microsoft Entra ID sign-in error".to_owned(),
            _ => "Win32 number".to_owned(),
        };
        out.push_str(&format!("{}  {group}\n  {}", d.code, d.meaning));
        if !d.confirmed {
            out.push_str(" (from public write-ups; unconfirmed)");
        }
        out.push('\n');
        for detail in &d.details {
            out.push_str(&format!("  {detail}\n"));
        }
        if !d.rules.is_empty() {
            out.push_str(&format!("  rules to look at: {}\n", d.rules.join(", ")));
        }
        out.push('\n');
    }
    out
}

/// A table in the house style: condensed UTF-8 borders, wrapped to `width`, styled only
/// when `color` is set.
/// `width` `None` fits the terminal.
pub fn new_table(header: &[&str], width: Option<u16>, color: bool) -> comfy_table::Table {
    let mut t = comfy_table::Table::new();
    t.load_style(comfy_table::presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(comfy_table::ContentArrangement::Dynamic)
        .set_header(header.to_vec());
    if let Some(w) = width {
        t.set_width(w);
    }
    if color {
        t.enforce_styling();
    } else {
        t.force_no_tty();
    }
    t
}
