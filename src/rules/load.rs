//! Reads one rule file (TOML) into a [`Rule`], checking everything a rule can get wrong
//! before any snapshot is seen.

use super::expr;
use super::typecheck;
use super::{Check, Condition, Otherwise, Rule, Severity, Status};
use crate::facts;
use regex::Regex;
use serde::Deserialize;
use std::fmt;
use std::ops::Range;
use std::sync::LazyLock;
use toml::Spanned;

/// A rule file that cannot be used, with the position of the problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    pub file: String,
    /// 1-based; 0 when the error is about the file as a whole.
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl RuleError {
    pub(super) fn file(path: &std::path::Path, e: std::io::Error) -> Self {
        RuleError {
            file: path.display().to_string(),
            line: 0,
            column: 0,
            message: format!("cannot read: {e}"),
        }
    }
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(
                f,
                "{}:{}:{}: {}",
                self.file, self.line, self.column, self.message
            )
        }
    }
}

impl std::error::Error for RuleError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: Spanned<String>,
    title: String,
    severity: Severity,
    article_section: String,
    explanation: String,
    #[serde(default)]
    remediation: Vec<String>,
    #[serde(default)]
    applies: Option<Spanned<String>>,
    #[serde(default)]
    not_applicable: Option<String>,
    #[serde(default, rename = "check")]
    checks: Vec<RawCheck>,
    #[serde(default)]
    otherwise: Option<RawOtherwise>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCheck {
    status: Status,
    when: Spanned<String>,
    message: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOtherwise {
    status: Status,
    message: Spanned<String>,
}

static ID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-z0-9][a-z0-9-]*$").expect("static regex"));
static PLACEHOLDER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\{([^{}]*)\}").expect("static regex"));

/// Parses and validates one rule file. `origin` names it in errors.
pub fn parse_rule(origin: &str, text: &str) -> Result<Rule, RuleError> {
    let at = |offset: usize, message: String| {
        let (line, column) = line_col(text, offset);
        RuleError {
            file: origin.to_owned(),
            line,
            column,
            message,
        }
    };
    let raw: RawRule = toml::from_str(text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        at(offset, e.message().trim().to_owned())
    })?;
    if !ID.is_match(raw.id.get_ref()) {
        return Err(at(
            raw.id.span().start,
            "rule id must be lower-case letters, digits and '-'".to_owned(),
        ));
    }
    let acts = |s: Status| matches!(s, Status::Fail | Status::Warn | Status::Manual);
    if raw.remediation.is_empty()
        && (raw.checks.iter().any(|c| acts(c.status))
            || raw.otherwise.as_ref().is_some_and(|o| acts(o.status)))
    {
        return Err(at(
            0,
            "a rule that can fail, warn or ask for a manual check needs remediation steps"
                .to_owned(),
        ));
    }
    let condition = |s: &Spanned<String>| -> Result<Condition, RuleError> {
        let base = string_start(text, s.span());
        let parsed = expr::parse(s.get_ref()).map_err(|e| at(base + e.offset, e.message))?;
        typecheck::condition(&parsed).map_err(|(offset, message)| at(base + offset, message))?;
        Ok(Condition {
            source: s.get_ref().clone(),
            expr: parsed,
        })
    };
    let message = |s: &Spanned<String>| -> Result<String, RuleError> {
        let base = string_start(text, s.span());
        for cap in PLACEHOLDER.captures_iter(s.get_ref()) {
            let (Some(whole), Some(path)) = (cap.get(0), cap.get(1)) else {
                continue;
            };
            let p = path.as_str();
            let fact = p
                .strip_suffix(":note")
                .or(p.strip_suffix(":hex"))
                .unwrap_or(p);
            facts::kind_of(fact).map_err(|e| at(base + whole.start(), e))?;
        }
        Ok(s.get_ref().clone())
    };

    let applies = raw.applies.as_ref().map(&condition).transpose()?;
    let checks = raw
        .checks
        .iter()
        .map(|c| {
            Ok(Check {
                status: c.status,
                when: condition(&c.when)?,
                message: message(&c.message)?,
            })
        })
        .collect::<Result<Vec<_>, RuleError>>()?;
    let otherwise = match &raw.otherwise {
        Some(o) => Otherwise {
            status: o.status,
            message: message(&o.message)?,
        },
        None => Otherwise {
            status: Status::Pass,
            message: "no check of this rule matched".to_owned(),
        },
    };
    Ok(Rule {
        id: raw.id.into_inner(),
        title: raw.title,
        severity: raw.severity,
        article_section: raw.article_section,
        explanation: raw.explanation.trim().to_owned(),
        remediation: raw.remediation,
        applies,
        not_applicable: raw
            .not_applicable
            .unwrap_or_else(|| "this cause cannot occur on this machine".to_owned()),
        checks,
        otherwise,
        origin: origin.to_owned(),
    })
}

/// Byte offset of the first character of a TOML string's content, from the value's span
/// (which includes the quotes). Exact unless escapes precede the position of interest.
fn string_start(text: &str, span: Range<usize>) -> usize {
    let raw = text.get(span.start..span.end).unwrap_or_default();
    for quote in ["\"\"\"", "'''", "\"", "'"] {
        if let Some(after) = raw.strip_prefix(quote) {
            // A newline right after an opening triple quote is not part of the string.
            let newline = match quote.len() {
                3 if after.starts_with("\r\n") => 2,
                3 if after.starts_with('\n') => 1,
                _ => 0,
            };
            return span.start + quote.len() + newline;
        }
    }
    span.start
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
id = "ncsi-probe"
title = "NCSI active probing is on"
severity = "high"
article_section = "NCSI"
explanation = "x"
remediation = ["turn it on"]

[[check]]
status = "fail"
when = "ncsi.enable_active_probing == 0"
message = "EnableActiveProbing is {ncsi.enable_active_probing}"
"#;

    #[test]
    fn a_good_rule_loads() {
        let r = parse_rule("t.toml", GOOD).unwrap();
        assert_eq!(r.id, "ncsi-probe");
        assert_eq!(r.checks.len(), 1);
        assert_eq!(r.otherwise.status, Status::Pass);
    }

    fn error_of(text: &str) -> RuleError {
        parse_rule("t.toml", text).unwrap_err()
    }

    #[test]
    fn errors_have_file_line_and_column() {
        let e = error_of(&GOOD.replace(
            "ncsi.enable_active_probing == 0",
            "ncsi.enable_probing == 0",
        ));
        assert_eq!((e.line, e.column), (11, 9), "{e}");
        assert!(
            e.message.contains("unknown fact 'ncsi.enable_probing'"),
            "{e}"
        );

        let e = error_of(&GOOD.replace(
            "when = \"ncsi.enable_active_probing == 0\"",
            "when = 'ncsi.enable_active_probing == \"0\"'",
        ));
        assert_eq!(e.line, 11, "{e}");
        assert!(
            e.message.contains("int") && e.message.contains("text"),
            "{e}"
        );

        let e = error_of(&GOOD.replace("== 0", "== "));
        assert_eq!((e.line, e.column), (11, 39), "{e}");

        let e = error_of(&GOOD.replace("status = \"fail\"", "status = \"broken\""));
        assert_eq!(e.line, 10, "{e}");

        let e = error_of(&GOOD.replace("{ncsi.enable_active_probing}", "{ncsi.nope}"));
        assert_eq!((e.line, e.column), (12, 35), "{e}");

        let e = error_of(&format!("{GOOD}\nsurprise = 1\n"));
        assert!(e.message.contains("surprise"), "{e}");
        assert_eq!(e.to_string().split(':').next(), Some("t.toml"));
    }

    #[test]
    fn multiline_conditions_point_into_the_right_line() {
        let text = GOOD.replace(
            "when = \"ncsi.enable_active_probing == 0\"",
            "when = \"\"\"\nncsi.enable_active_probing == 0\n  and ncsi.bogus\"\"\"",
        );
        let e = error_of(&text);
        assert_eq!((e.line, e.column), (13, 7), "{e}");
    }
}
