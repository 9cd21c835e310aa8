//! Rules are data: one TOML file per cause in `analyzers/`, compiled into the binary, with
//! `--rules DIR` adding or overriding rules at run time. A rule holds its id, title,
//! severity, the article section it maps to, an explanation, remediation steps, and checks
//! written in the condition language of [`expr`] over fact paths. Files are validated when
//! loaded — unknown keys, unknown facts, type errors, bad placeholders — and every error
//! names the file, line and column.

pub(crate) mod builtin;
pub mod collect;
mod eval;
pub mod expr;
mod load;
mod typecheck;
pub mod verdict;

pub use builtin::BUILTIN;
pub use collect::Collected;
pub use load::{RuleError, parse_rule};
pub use verdict::{FactEvidence, Finding, Missing, Severity, Status};

use crate::facts::{Facts, Wanted};
use expr::Expr;
use std::path::Path;

/// A condition, as written and as parsed.
#[derive(Debug, Clone)]
pub struct Condition {
    pub source: String,
    pub expr: Expr,
}

/// One check: when the condition holds, the rule has this status and says this.
#[derive(Debug, Clone)]
pub struct Check {
    pub status: Status,
    pub when: Condition,
    /// May name facts in braces, `{services.NlaSvc.start}`, filled in from the snapshot.
    pub message: String,
}

/// The verdict when no check holds.
#[derive(Debug, Clone)]
pub struct Otherwise {
    pub status: Status,
    pub message: String,
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub article_section: String,
    pub explanation: String,
    pub remediation: Vec<String>,
    /// When false, the rule is `not_applicable` with `not_applicable`'s message.
    pub applies: Option<Condition>,
    pub not_applicable: String,
    pub checks: Vec<Check>,
    pub otherwise: Otherwise,
    /// Where the rule was loaded from (`builtin:tls12.toml` or a path).
    pub origin: String,
}

impl Rule {
    /// Calls `f` with every fact path its conditions name (`applies` and every check).
    pub fn each_fact(&self, f: &mut impl FnMut(&str)) {
        let conds = self
            .applies
            .iter()
            .chain(self.checks.iter().map(|c| &c.when));
        for c in conds {
            visit_facts(&c.expr, f);
        }
    }
}

/// The rules in effect, in report order (built-in order, then added rules by id).
#[derive(Debug, Clone)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
}

impl RuleSet {
    /// The rules compiled into the binary. They are validated by the test suite; an error
    /// here is a build defect, reported like any rule error.
    pub fn builtin() -> Result<RuleSet, RuleError> {
        let rules = BUILTIN
            .iter()
            .map(|(name, text)| parse_rule(&format!("builtin:{name}"), text))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(RuleSet { rules })
    }

    /// Adds the `*.toml` rules of `dir`; a rule with an existing id replaces it in place.
    pub fn extend_from_dir(&mut self, dir: &Path) -> Result<Vec<String>, RuleError> {
        let entries = std::fs::read_dir(dir).map_err(|e| RuleError::file(dir, e))?;
        let mut files: Vec<_> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.extension()
                    .is_some_and(|x| x.eq_ignore_ascii_case("toml"))
            })
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(RuleError {
                file: dir.display().to_string(),
                line: 0,
                column: 0,
                message: "no *.toml rule files in this folder".to_owned(),
            });
        }
        let mut loaded = Vec::new();
        for path in files {
            let text = std::fs::read_to_string(&path).map_err(|e| RuleError::file(&path, e))?;
            let rule = parse_rule(&path.display().to_string(), &text)?;
            loaded.push(rule.id.clone());
            match self.rules.iter_mut().find(|r| r.id == rule.id) {
                Some(slot) => *slot = rule,
                None => self.rules.push(rule),
            }
        }
        Ok(loaded)
    }

    /// What the rules need the facts builder to establish even when absent.
    pub fn wanted(&self) -> Wanted {
        let mut services: Vec<String> = Vec::new();
        for rule in &self.rules {
            rule.each_fact(&mut |path| {
                if let Some(rest) = path.strip_prefix("services.")
                    && let Some((name, _)) = rest.split_once('.')
                    && !services.iter().any(|s| s.eq_ignore_ascii_case(name))
                {
                    services.push(name.to_owned());
                }
            });
        }
        Wanted { services }
    }

    /// Every rule's verdict, in rule order. `collected` says which of the collector's steps
    /// the snapshot already holds, so that a missing fact asks only for the others.
    pub fn evaluate(&self, facts: &Facts, collected: Collected<'_>) -> Vec<Finding> {
        self.rules
            .iter()
            .map(|r| eval::evaluate_with(r, facts, collected))
            .collect()
    }
}

/// Calls `f` with every fact path in the expression.
pub fn visit_facts(e: &Expr, f: &mut impl FnMut(&str)) {
    match e {
        Expr::Fact(p, _) => f(p),
        Expr::Not(a) => visit_facts(a, f),
        Expr::And(a, b) | Expr::Or(a, b) | Expr::Cmp(_, a, b) | Expr::In(a, b) => {
            visit_facts(a, f);
            visit_facts(b, f);
        }
        Expr::List(items) | Expr::Call(_, items, _) => items.iter().for_each(|i| visit_facts(i, f)),
        Expr::Bool(_) | Expr::Int(_) | Expr::Text(_) => {}
    }
}
