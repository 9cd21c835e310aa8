//! Checks a condition's types against the facts catalog when the rule loads, so a rule
//! that compares a number with a word, or names a fact that does not exist, never runs.

use super::expr::{CmpOp, Expr, Func};
use crate::facts::{self, Kind};

/// The type of an expression. `Empty` is the element type of `[]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ty {
    Kind(Kind),
    ListOf(Kind),
    Empty,
}

impl std::fmt::Display for Ty {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Ty::Kind(k) => write!(f, "{k}"),
            Ty::ListOf(k) => write!(f, "list of {k}"),
            Ty::Empty => f.write_str("empty list"),
        }
    }
}

type TypeError = (usize, String);

/// A rule condition must be a boolean expression over known facts.
pub fn condition(e: &Expr) -> Result<(), TypeError> {
    match ty(e)? {
        Ty::Kind(Kind::Bool) => Ok(()),
        other => Err((
            offset(e),
            format!("a condition must be true or false, this is {other}"),
        )),
    }
}

/// Byte offset of an expression: its first fact or call, else 0.
fn offset(e: &Expr) -> usize {
    match e {
        Expr::Fact(_, at) | Expr::Call(_, _, at) => *at,
        Expr::Not(a) => offset(a),
        Expr::And(a, _) | Expr::Or(a, _) | Expr::Cmp(_, a, _) | Expr::In(a, _) => offset(a),
        Expr::List(items) => items.first().map_or(0, offset),
        Expr::Bool(_) | Expr::Int(_) | Expr::Text(_) => 0,
    }
}

fn want(e: &Expr, kind: Kind, what: &str) -> Result<(), TypeError> {
    match ty(e)? {
        Ty::Kind(k) if k == kind => Ok(()),
        other => Err((offset(e), format!("{what} must be {kind}, this is {other}"))),
    }
}

fn ty(e: &Expr) -> Result<Ty, TypeError> {
    Ok(match e {
        Expr::Bool(_) => Ty::Kind(Kind::Bool),
        Expr::Int(_) => Ty::Kind(Kind::Int),
        Expr::Text(_) => Ty::Kind(Kind::Text),
        Expr::Fact(path, at) => Ty::Kind(facts::kind_of(path).map_err(|m| (*at, m))?),
        Expr::List(items) => {
            let mut elem: Option<Kind> = None;
            for item in items {
                match ty(item)? {
                    Ty::Kind(k) if elem.is_none_or(|e| e == k) => elem = Some(k),
                    other => {
                        return Err((
                            offset(item),
                            format!("list items must share one type, this one is {other}"),
                        ));
                    }
                }
            }
            elem.map_or(Ty::Empty, Ty::ListOf)
        }
        Expr::Not(a) => {
            want(a, Kind::Bool, "the operand of 'not'")?;
            Ty::Kind(Kind::Bool)
        }
        Expr::And(a, b) | Expr::Or(a, b) => {
            want(a, Kind::Bool, "each side of 'and'/'or'")?;
            want(b, Kind::Bool, "each side of 'and'/'or'")?;
            Ty::Kind(Kind::Bool)
        }
        Expr::Cmp(op, a, b) => {
            let (ta, tb) = (ty(a)?, ty(b)?);
            if ta != tb {
                return Err((offset(a), format!("cannot compare {ta} with {tb}")));
            }
            let ordered = matches!(op, CmpOp::Lt | CmpOp::Le | CmpOp::Gt | CmpOp::Ge);
            if ordered && ta != Ty::Kind(Kind::Int) {
                return Err((
                    offset(a),
                    format!("'{}' compares numbers, not {ta}", op.symbol()),
                ));
            }
            Ty::Kind(Kind::Bool)
        }
        Expr::In(needle, list) => {
            let tn = ty(needle)?;
            match (tn, ty(list)?) {
                (Ty::Kind(k), Ty::ListOf(e)) if k == e => {}
                (_, Ty::Empty) => {}
                (tn, tl) => return Err((offset(needle), format!("cannot look for {tn} in {tl}"))),
            }
            Ty::Kind(Kind::Bool)
        }
        Expr::Call(func, args, at) => call(*func, args, *at)?,
    })
}

fn call(func: Func, args: &[Expr], at: usize) -> Result<Ty, TypeError> {
    let arity = match func {
        Func::Has | Func::Lower | Func::Len => 1,
        Func::Bits | Func::AnyBits | Func::Contains => 2,
    };
    if args.len() != arity {
        return Err((
            at,
            format!(
                "{}() takes {arity} argument(s), got {}",
                func.name(),
                args.len()
            ),
        ));
    }
    Ok(match func {
        Func::Has => {
            if !matches!(args[0], Expr::Fact(..)) {
                return Err((at, "has() takes a fact path".to_owned()));
            }
            ty(&args[0])?;
            Ty::Kind(Kind::Bool)
        }
        Func::Bits | Func::AnyBits => {
            want(&args[0], Kind::Int, "the value")?;
            want(&args[1], Kind::Int, "the mask")?;
            Ty::Kind(Kind::Bool)
        }
        Func::Lower => {
            want(&args[0], Kind::Text, "the argument of lower()")?;
            Ty::Kind(Kind::Text)
        }
        Func::Len => match ty(&args[0])? {
            Ty::Kind(Kind::Text | Kind::List) | Ty::ListOf(_) | Ty::Empty => Ty::Kind(Kind::Int),
            other => return Err((at, format!("len() takes text or a list, not {other}"))),
        },
        Func::Contains => {
            match ty(&args[0])? {
                Ty::Kind(Kind::Text | Kind::List) | Ty::ListOf(Kind::Text) => {}
                other => {
                    return Err((
                        at,
                        format!("contains() looks in text or a list, not {other}"),
                    ));
                }
            }
            want(&args[1], Kind::Text, "what contains() looks for")?;
            Ty::Kind(Kind::Bool)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::expr::parse;

    fn check(src: &str) -> Result<(), TypeError> {
        condition(&parse(src).unwrap())
    }

    #[test]
    fn well_typed_conditions_pass() {
        for ok in [
            "os.legacy and not tls.winhttp_tls12",
            "services.NlaSvc.start in [3, 4]",
            "bits(ipv6.disabled_components, 0x20)",
            "has(tls.inet_secure_protocols)",
            "lower(os.family) == \"windows-7\"",
            "os.build < 10240",
        ] {
            assert_eq!(check(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn ill_typed_conditions_fail_where_they_are_wrong() {
        assert_eq!(
            check("os.build").unwrap_err().1,
            "a condition must be true or false, this is int"
        );
        let (at, msg) = check("os.legacy and os.family < 3").unwrap_err();
        assert_eq!((at, msg.as_str()), (14, "cannot compare text with int"));
        assert!(
            check("os.family < \"x\"")
                .unwrap_err()
                .1
                .contains("compares numbers")
        );
        assert!(check("os.build in [\"a\"]").is_err());
        assert!(check("has(1)").is_err());
        assert!(check("bits(os.build)").unwrap_err().1.contains("takes 2"));
        assert!(check("not os.build").is_err());
    }
}
