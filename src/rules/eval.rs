//! Evaluates a rule over the facts with three-valued logic: a condition is true, false or
//! unknown (it needed a fact the snapshot lacks). `and`/`or` follow Kleene's tables, so
//! `false and <missing>` is false and `true or <missing>` is true: a missing fact only makes
//! a verdict unknown when it could have changed it.
//!
//! Deciding a verdict: the checks that hold give the status, the most important one winning
//! (fail > warn > manual > unknown > pass). A `pass` is never claimed while a check of a
//! higher status could not be evaluated; a `fail` or `warn` is, and lists what it could not
//! evaluate beside it. With no check holding and none unknown, `otherwise` applies.

use super::collect::{self, Collected};
use super::expr::{CmpOp, Expr, Func};
use super::{FactEvidence, Finding, Missing, Rule, Status};
use crate::facts::{self, Disagreement, Evidence, Facts, Value};
use regex::Regex;
use std::sync::LazyLock;

/// The facts an evaluation looked at, and those it needed but did not find.
#[derive(Debug, Default, Clone)]
struct Trace {
    touched: Vec<String>,
    missing: Vec<String>,
}

impl Trace {
    fn merge(mut self, other: Trace) -> Trace {
        for t in other.touched {
            if !self.touched.contains(&t) {
                self.touched.push(t);
            }
        }
        for m in other.missing {
            if !self.missing.contains(&m) {
                self.missing.push(m);
            }
        }
        self
    }
}

/// `None`: unknown.
fn eval(e: &Expr, facts: &Facts) -> (Option<Value>, Trace) {
    match e {
        Expr::Bool(b) => (Some(Value::Bool(*b)), Trace::default()),
        Expr::Int(i) => (Some(Value::Int(*i)), Trace::default()),
        Expr::Text(s) => (Some(Value::Text(s.clone())), Trace::default()),
        Expr::List(items) => {
            let mut trace = Trace::default();
            let mut out = Vec::new();
            let mut known = true;
            for item in items {
                let (v, t) = eval(item, facts);
                trace = trace.merge(t);
                match v {
                    Some(Value::Text(s)) => out.push(s),
                    Some(Value::Int(i)) => out.push(i.to_string()),
                    Some(Value::Bool(b)) => out.push(b.to_string()),
                    Some(Value::List(_)) | None => known = false,
                }
            }
            (known.then_some(Value::List(out)), trace)
        }
        Expr::Fact(path, _) => match facts.get(path) {
            Some(f) => (
                Some(f.value),
                Trace {
                    touched: vec![path.clone()],
                    missing: vec![],
                },
            ),
            None => (
                None,
                Trace {
                    touched: vec![],
                    missing: vec![path.clone()],
                },
            ),
        },
        Expr::Not(a) => {
            let (v, t) = eval(a, facts);
            (v.and_then(|v| as_bool(&v)).map(|b| Value::Bool(!b)), t)
        }
        Expr::And(a, b) => kleene(eval(a, facts), eval(b, facts), false),
        Expr::Or(a, b) => kleene(eval(a, facts), eval(b, facts), true),
        Expr::Cmp(op, a, b) => {
            let ((va, ta), (vb, tb)) = (eval(a, facts), eval(b, facts));
            let out = match (va, vb) {
                (Some(x), Some(y)) => Some(Value::Bool(compare(*op, &x, &y))),
                _ => None,
            };
            (out, ta.merge(tb))
        }
        Expr::In(needle, list) => {
            let ((vn, tn), (vl, tl)) = (eval(needle, facts), eval(list, facts));
            let out = match (vn, list.as_ref()) {
                (Some(n), Expr::List(items)) => {
                    let found = items
                        .iter()
                        .any(|i| eval(i, facts).0.is_some_and(|v| v == n));
                    Some(Value::Bool(found))
                }
                _ => vl.map(|_| Value::Bool(false)),
            };
            (out, tn.merge(tl))
        }
        Expr::Call(func, args, _) => call(*func, args, facts),
    }
}

fn as_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        _ => None,
    }
}

/// Kleene `and` (`dominant` false) or `or` (`dominant` true). When the dominant value
/// decides, only the deciding side's facts are kept as evidence.
fn kleene(
    a: (Option<Value>, Trace),
    b: (Option<Value>, Trace),
    dominant: bool,
) -> (Option<Value>, Trace) {
    let ba = a.0.as_ref().and_then(as_bool);
    let bb = b.0.as_ref().and_then(as_bool);
    match (ba, bb) {
        (Some(x), Some(y)) if x == dominant && y == dominant => {
            (Some(Value::Bool(dominant)), a.1.merge(b.1))
        }
        (Some(x), _) if x == dominant => (Some(Value::Bool(dominant)), a.1),
        (_, Some(y)) if y == dominant => (Some(Value::Bool(dominant)), b.1),
        (Some(_), Some(_)) => (Some(Value::Bool(!dominant)), a.1.merge(b.1)),
        _ => (None, a.1.merge(b.1)),
    }
}

fn compare(op: CmpOp, a: &Value, b: &Value) -> bool {
    use std::cmp::Ordering;
    let ord = match (a, b) {
        (Value::Int(x), Value::Int(y)) => Some(x.cmp(y)),
        (Value::Text(x), Value::Text(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        (Value::List(x), Value::List(y)) => Some(x.cmp(y)),
        _ => None,
    };
    match (op, ord) {
        (CmpOp::Eq, o) => o == Some(Ordering::Equal),
        (CmpOp::Ne, o) => o != Some(Ordering::Equal),
        (CmpOp::Lt, Some(o)) => o == Ordering::Less,
        (CmpOp::Le, Some(o)) => o != Ordering::Greater,
        (CmpOp::Gt, Some(o)) => o == Ordering::Greater,
        (CmpOp::Ge, Some(o)) => o != Ordering::Less,
        (_, None) => false,
    }
}

fn call(func: Func, args: &[Expr], facts: &Facts) -> (Option<Value>, Trace) {
    if func == Func::Has {
        let Some(Expr::Fact(path, _)) = args.first() else {
            return (None, Trace::default());
        };
        let present = facts.get(path).is_some();
        let touched = if present { vec![path.clone()] } else { vec![] };
        return (
            Some(Value::Bool(present)),
            Trace {
                touched,
                missing: vec![],
            },
        );
    }
    let mut trace = Trace::default();
    let mut values = Vec::new();
    for a in args {
        let (v, t) = eval(a, facts);
        trace = trace.merge(t);
        values.push(v);
    }
    let out = match (func, values.as_slice()) {
        (Func::Bits, [Some(Value::Int(x)), Some(Value::Int(m))]) => Some(Value::Bool(x & m == *m)),
        (Func::AnyBits, [Some(Value::Int(x)), Some(Value::Int(m))]) => {
            Some(Value::Bool(x & m != 0))
        }
        (Func::Lower, [Some(Value::Text(s))]) => Some(Value::Text(s.to_lowercase())),
        (Func::Len, [Some(Value::Text(s))]) => Some(Value::Int(s.chars().count() as i64)),
        (Func::Len, [Some(Value::List(l))]) => Some(Value::Int(l.len() as i64)),
        (Func::Contains, [Some(Value::Text(s)), Some(Value::Text(n))]) => {
            Some(Value::Bool(s.to_lowercase().contains(&n.to_lowercase())))
        }
        (Func::Contains, [Some(Value::List(l)), Some(Value::Text(n))]) => {
            Some(Value::Bool(l.iter().any(|x| x.eq_ignore_ascii_case(n))))
        }
        _ => None,
    };
    (out, trace)
}

static PLACEHOLDER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\{([^{}]*)\}").expect("static regex"));

/// Fills `{fact.path}` placeholders with the facts' values, `{fact.path:hex}` with a
/// number in hex and `{fact.path:note}` with how the fact was reached.
fn render(template: &str, facts: &Facts) -> String {
    PLACEHOLDER
        .replace_all(template, |caps: &regex::Captures<'_>| {
            let path = caps.get(1).map_or("", |m| m.as_str());
            if let Some(fact) = path.strip_suffix(":hex") {
                return match facts.get(fact).map(|f| f.value) {
                    Some(Value::Int(i)) => format!("{i:#x}"),
                    Some(v) => v.to_string(),
                    None => "not collected".to_owned(),
                };
            }
            if let Some(fact) = path.strip_suffix(":note") {
                return match facts.get(fact) {
                    Some(f) => f
                        .note
                        .map_or_else(|| format!("{} is {}", fact, f.value), str::to_owned),
                    None => "not collected".to_owned(),
                };
            }
            match facts.get(path).map(|f| f.value) {
                Some(Value::Text(s)) => s,
                Some(Value::List(l)) if l.is_empty() => "none".to_owned(),
                Some(Value::List(l)) => short_list(&l),
                Some(v) => v.to_string(),
                None => "not collected".to_owned(),
            }
        })
        .into_owned()
}

/// A list in a sentence: all of a short one, the first three of a long one (the evidence
/// keeps every item).
fn short_list(items: &[String]) -> String {
    const SHOWN: usize = 3;
    if items.len() <= SHOWN + 1 {
        return items.join(", ");
    }
    format!(
        "{} and {} more",
        items[..SHOWN].join(", "),
        items.len() - SHOWN
    )
}

fn evidence(paths: &[String], facts: &Facts) -> Vec<FactEvidence> {
    paths
        .iter()
        .filter_map(|p| {
            facts.get(p).map(|f| {
                let mut sources: Vec<Evidence> = Vec::with_capacity(f.evidence.len());
                for e in f.evidence {
                    if !sources.contains(e) {
                        sources.push(e.clone());
                    }
                }
                FactEvidence {
                    fact: p.clone(),
                    value: f.value,
                    note: f.note.map(str::to_owned),
                    sources,
                    disagreement: f.disagreement.cloned(),
                }
            })
        })
        .collect()
}

/// Where evidence was read, short: `artifact:line`.
fn places(sources: &[Evidence]) -> String {
    let mut out: Vec<String> = Vec::new();
    for s in sources {
        let at = match s.line {
            Some(l) => format!("{}:{l}", s.artifact),
            None => s.artifact.clone(),
        };
        if !out.contains(&at) {
            out.push(at);
        }
    }
    out.join(", ")
}

/// One sentence per disagreement among the evidence's sources: both observations and
/// where each was read, and which one the verdict uses. Facts that rest on the same
/// disagreement (a service's `start` and `start_type`) share the sentence.
fn disagreements(evidence: &[FactEvidence]) -> Vec<String> {
    let mut groups: Vec<(&Disagreement, Vec<&str>, &[Evidence])> = Vec::new();
    for e in evidence {
        let Some(d) = &e.disagreement else { continue };
        match groups.iter_mut().find(|(g, _, _)| *g == d) {
            Some((_, facts, _)) => facts.push(&e.fact),
            None => groups.push((d, vec![&e.fact], &e.sources)),
        }
    }
    groups
        .into_iter()
        .map(|(d, facts, sources)| {
            let others: Vec<String> = d
                .others
                .iter()
                .map(|o| format!("{} ({})", o.value, places(&o.sources)))
                .collect();
            format!(
                "The sources disagree on {}: {} ({}), but {}; the verdict uses the first ({}).",
                facts.join(", "),
                d.used,
                places(sources),
                others.join(", and "),
                d.why
            )
        })
        .collect()
}

fn missing(paths: &[String], collected: Collected<'_>) -> Vec<Missing> {
    paths
        .iter()
        .map(|p| Missing {
            fact: p.clone(),
            about: facts::doc_of(p).unwrap_or("").to_owned(),
            collect: collect::to_collect(p, collected),
        })
        .collect()
}

/// Why a rule cannot decide, and what to collect so that it can.
fn unknown_message(paths: &[String], collected: Collected<'_>) -> String {
    let lacks = format!("cannot decide: the snapshot lacks {}", paths.join(", "));
    match collect::clause(paths, collected) {
        Some(clause) => format!("{lacks}; {clause}"),
        None => format!(
            "{lacks} (what the collector gathers for them is in the snapshot and does not say)"
        ),
    }
}

#[cfg(test)]
fn evaluate(rule: &Rule, facts: &Facts) -> Finding {
    evaluate_with(rule, facts, &|_| false)
}

pub(super) fn evaluate_with(rule: &Rule, facts: &Facts, collected: Collected<'_>) -> Finding {
    let mut finding = Finding {
        rule: rule.id.clone(),
        status: Status::Unknown,
        severity: rule.severity,
        title: rule.title.clone(),
        article_section: rule.article_section.clone(),
        messages: Vec::new(),
        evidence: Vec::new(),
        missing: Vec::new(),
        remediation: Vec::new(),
    };
    let mut context = Trace::default();
    if let Some(applies) = &rule.applies {
        let (v, t) = eval(&applies.expr, facts);
        match v.as_ref().and_then(as_bool) {
            Some(true) => context = t,
            Some(false) => {
                finding.status = Status::NotApplicable;
                finding.messages.push(render(&rule.not_applicable, facts));
                finding.evidence = evidence(&t.touched, facts);
                finding.messages.extend(disagreements(&finding.evidence));
                return finding;
            }
            None => {
                finding
                    .messages
                    .push(unknown_message(&t.missing, collected));
                finding.evidence = evidence(&t.touched, facts);
                finding.missing = missing(&t.missing, collected);
                finding.messages.extend(disagreements(&finding.evidence));
                return finding;
            }
        }
    }

    let results: Vec<(usize, Option<bool>, Trace)> = rule
        .checks
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let (v, t) = eval(&c.when.expr, facts);
            (i, v.as_ref().and_then(as_bool), t)
        })
        .collect();
    let holding: Vec<&(usize, Option<bool>, Trace)> =
        results.iter().filter(|r| r.1 == Some(true)).collect();
    let undecided: Vec<&(usize, Option<bool>, Trace)> =
        results.iter().filter(|r| r.1.is_none()).collect();
    let top = holding
        .iter()
        .map(|r| rule.checks[r.0].status)
        .max_by_key(|s| s.rank());
    let blocked_above = |rank: u8| -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for r in undecided
            .iter()
            .filter(|r| rule.checks[r.0].status.rank() > rank)
        {
            for m in &r.2.missing {
                if !out.contains(m) {
                    out.push(m.clone());
                }
            }
        }
        out
    };

    match top {
        Some(status)
            if status.rank() > Status::Pass.rank() || blocked_above(status.rank()).is_empty() =>
        {
            // Every holding check that asks for action is reported, most important first, so
            // a `fail` does not hide the `warn` next to it; a `pass` reports its own kind.
            let shown = |s: Status| {
                if status.rank() > Status::Pass.rank() {
                    s.rank() > Status::Pass.rank()
                } else {
                    s == status
                }
            };
            let mut chosen: Vec<_> = holding
                .iter()
                .filter(|r| shown(rule.checks[r.0].status))
                .collect();
            chosen.sort_by_key(|r| std::cmp::Reverse(rule.checks[r.0].status.rank()));
            let mut trace = context;
            for r in chosen {
                finding
                    .messages
                    .push(render(&rule.checks[r.0].message, facts));
                trace = trace.merge(r.2.clone());
            }
            finding.status = status;
            finding.evidence = evidence(&trace.touched, facts);
            finding.missing = missing(&blocked_above(status.rank()), collected);
        }
        _ if !undecided.is_empty() => {
            let mut trace = context;
            for r in &results {
                trace = trace.merge(r.2.clone());
            }
            finding
                .messages
                .push(unknown_message(&trace.missing, collected));
            finding.evidence = evidence(&trace.touched, facts);
            finding.missing = missing(&trace.missing, collected);
        }
        _ => {
            let mut trace = context;
            for r in &results {
                trace = trace.merge(r.2.clone());
            }
            finding.status = rule.otherwise.status;
            finding
                .messages
                .push(render(&rule.otherwise.message, facts));
            finding.evidence = evidence(&trace.touched, facts);
        }
    }
    finding.messages.extend(disagreements(&finding.evidence));
    if matches!(finding.status, Status::Fail | Status::Warn | Status::Manual) {
        finding.remediation = rule.remediation.clone();
    }
    finding
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Fact;
    use crate::rules::parse_rule;

    fn rule(checks: &str) -> Rule {
        let text = format!(
            "id = \"t\"\ntitle = \"t\"\nseverity = \"high\"\narticle_section = \"s\"\nexplanation = \"e\"\nremediation = [\"fix\"]\n{checks}"
        );
        parse_rule("t.toml", &text).unwrap()
    }

    fn facts(build: Option<i64>, legacy: Option<bool>) -> Facts {
        let mut f = Facts::default();
        f.os.build = build.map(|b| Fact::new(b, vec![]));
        f.os.legacy = legacy.map(|b| Fact::new(b, vec![]));
        f
    }

    const TWO: &str = "[[check]]\nstatus = \"fail\"\nwhen = \"os.legacy and os.build == 7600\"\nmessage = \"old {os.build}\"\n\
        [[check]]\nstatus = \"warn\"\nwhen = \"os.legacy\"\nmessage = \"legacy\"\n";

    #[test]
    fn the_most_important_holding_check_decides() {
        let r = rule(TWO);
        let f = evaluate(&r, &facts(Some(7600), Some(true)));
        // The warn that also holds is reported after the fail, not hidden by it.
        assert_eq!(
            (f.status, f.messages.clone()),
            (
                Status::Fail,
                vec!["old 7600".to_owned(), "legacy".to_owned()]
            )
        );
        assert_eq!(f.remediation, vec!["fix".to_owned()]);
        assert_eq!(
            evaluate(&r, &facts(Some(7601), Some(true))).status,
            Status::Warn
        );
        let pass = evaluate(&r, &facts(Some(19045), Some(false)));
        assert_eq!(pass.status, Status::Pass);
        assert!(pass.remediation.is_empty());
        assert_eq!(
            pass.evidence.len(),
            2,
            "the false checks' facts are the evidence of a pass"
        );
    }

    #[test]
    fn missing_facts_make_unknown_only_when_they_matter() {
        let r = rule(TWO);
        // legacy false: both checks are false whatever the build is.
        assert_eq!(evaluate(&r, &facts(None, Some(false))).status, Status::Pass);
        // legacy true, build missing: the warn holds, the fail is undecided: warn, with missing.
        let f = evaluate(&r, &facts(None, Some(true)));
        assert_eq!(f.status, Status::Warn);
        assert_eq!(f.missing[0].fact, "os.build");
        // Nothing known: unknown, naming the facts.
        let f = evaluate(&r, &facts(None, None));
        assert_eq!(f.status, Status::Unknown);
        assert!(f.messages[0].contains("os.legacy"), "{:?}", f.messages);
    }

    #[test]
    fn a_pass_is_not_claimed_over_an_undecided_fail() {
        let r = rule(
            "[[check]]\nstatus = \"fail\"\nwhen = \"os.build == 1\"\nmessage = \"x\"\n[[check]]\nstatus = \"pass\"\nwhen = \"os.legacy\"\nmessage = \"y\"\n",
        );
        assert_eq!(
            evaluate(&r, &facts(None, Some(true))).status,
            Status::Unknown
        );
        assert_eq!(
            evaluate(&r, &facts(Some(2), Some(true))).status,
            Status::Pass
        );
    }

    #[test]
    fn applies_gates_the_rule() {
        let r = rule(
            "applies = \"os.legacy\"\nnot_applicable = \"new OS\"\n[[check]]\nstatus = \"fail\"\nwhen = \"os.build < 7601\"\nmessage = \"x\"\n",
        );
        let f = evaluate(&r, &facts(Some(22631), Some(false)));
        assert_eq!(
            (f.status, f.messages[0].as_str()),
            (Status::NotApplicable, "new OS")
        );
        assert_eq!(
            evaluate(&r, &facts(Some(7600), None)).status,
            Status::Unknown
        );
    }

    #[test]
    fn disagreeing_sources_are_said_once_with_both_evidences() {
        use crate::facts::{Disagreement, Observation};
        let at = |artifact: &str, line| Evidence {
            artifact: artifact.to_owned(),
            line: Some(line),
            locator: "l".to_owned(),
            seen: "s".to_owned(),
        };
        let d = Disagreement {
            used: "sc qc: automatic (2)".to_owned(),
            why: "it applies now".to_owned(),
            others: vec![Observation {
                value: "the registry's Start: disabled (Start=4)".to_owned(),
                sources: vec![at("svc.reg", 7)],
            }],
        };
        let mut f = Facts::default();
        f.os.build =
            Some(Fact::new(7600, vec![at("sc.txt", 3)]).with_disagreement(Some(d.clone())));
        f.os.legacy = Some(Fact::new(true, vec![at("sc.txt", 3)]).with_disagreement(Some(d)));
        let r = rule(TWO);
        let out = evaluate(&r, &f);
        assert_eq!(out.status, Status::Fail);
        assert_eq!(
            out.messages[2..],
            ["The sources disagree on os.legacy, os.build: sc qc: automatic (2) (sc.txt:3), but the registry's Start: disabled (Start=4) (svc.reg:7); the verdict uses the first (it applies now).".to_owned()]
        );
        assert!(out.evidence.iter().all(|e| e.disagreement.is_some()));
    }

    #[test]
    fn functions_and_lists() {
        let mut f = Facts::default();
        f.ipv6.disabled_components = Some(Fact::new(0x20, vec![]));
        let r = rule(
            "[[check]]\nstatus = \"warn\"\nwhen = \"bits(ipv6.disabled_components, 0x20) and ipv6.disabled_components in [0x20, 0xff]\"\nmessage = \"{ipv6.disabled_components}\"\n",
        );
        let out = evaluate(&r, &f);
        assert_eq!((out.status, out.messages[0].as_str()), (Status::Warn, "32"));
    }
}
