//! The condition language of rule files, parsed with nom.
//!
//! ```text
//! os.legacy and not tls.winhttp_tls12
//! services.NlaSvc.start == 4
//! bits(ipv6.disabled_components, 0x20) or ncsi.policy_no_active_probe in [1, 2]
//! has(tls.inet_secure_protocols) and not tls.inet_tls12
//! ```
//!
//! Grammar, loosest first: `or`, `and`, `not`, comparison (`== != < <= > >= in`),
//! primary (literal, fact path, function call, parenthesised expression, `[list]`).
//! Literals: `true`, `false`, integers (decimal or `0x` hex), `"text"`. Functions:
//! `has(fact)` (is the fact in the snapshot), `bits(int, mask)` (all mask bits set),
//! `any_bits(int, mask)`, `lower(text)`, `contains(text_or_list, text)`, `len(text_or_list)`.
//! Positions in errors are byte offsets into the condition string.

use nom::branch::alt;
use nom::bytes::complete::{is_not, tag, take_while, take_while1};
use nom::character::complete::{char, multispace0, satisfy};
use nom::combinator::{cut, map, map_opt, opt, recognize, value, verify};
use nom::error::{ContextError, ErrorKind, ParseError, context};
use nom::multi::{many0, separated_list0};
use nom::sequence::{delimited, pair, preceded, terminated};
use nom::{IResult, Parser};

/// A parsed condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    Bool(bool),
    Int(i64),
    Text(String),
    List(Vec<Expr>),
    /// A fact path and its byte offset in the condition.
    Fact(String, usize),
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Cmp(CmpOp, Box<Expr>, Box<Expr>),
    In(Box<Expr>, Box<Expr>),
    /// A function, its arguments and its byte offset.
    Call(Func, Vec<Expr>, usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    Has,
    Bits,
    AnyBits,
    Lower,
    Contains,
    Len,
}

impl Func {
    fn from_name(name: &str) -> Option<Func> {
        Some(match name {
            "has" => Func::Has,
            "bits" => Func::Bits,
            "any_bits" => Func::AnyBits,
            "lower" => Func::Lower,
            "contains" => Func::Contains,
            "len" => Func::Len,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Func::Has => "has",
            Func::Bits => "bits",
            Func::AnyBits => "any_bits",
            Func::Lower => "lower",
            Func::Contains => "contains",
            Func::Len => "len",
        }
    }
}

/// A syntax error at a byte offset of the condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub offset: usize,
    pub message: String,
}

#[derive(Debug)]
struct Error<'a> {
    at: &'a str,
    expected: &'static str,
    /// Raised on purpose with a precise message: contexts do not rename it.
    fixed: bool,
    /// Named by a context already.
    named: bool,
}

impl<'a> ParseError<&'a str> for Error<'a> {
    fn from_error_kind(input: &'a str, _: ErrorKind) -> Self {
        Error {
            at: input,
            expected: "an expression",
            fixed: false,
            named: false,
        }
    }
    fn append(_: &'a str, _: ErrorKind, other: Self) -> Self {
        other
    }
    fn or(self, other: Self) -> Self {
        if other.at.len() < self.at.len() {
            other
        } else {
            self
        }
    }
}

impl<'a> ContextError<&'a str> for Error<'a> {
    /// An error already named by a context deeper inside the construct keeps its name
    /// (`']' closing the list`); one at the construct's own start takes the outer name,
    /// which knows what the construct was for (`a value after the comparison`). Errors
    /// raised with a precise message always keep it.
    fn add_context(input: &'a str, ctx: &'static str, other: Self) -> Self {
        if other.fixed || (other.named && other.at.len() < input.trim_start().len()) {
            other
        } else {
            Error {
                expected: ctx,
                named: true,
                ..other
            }
        }
    }
}

type Res<'a, O> = IResult<&'a str, O, Error<'a>>;

/// Parses a whole condition.
pub fn parse(src: &str) -> Result<Expr, SyntaxError> {
    let offset = |rest: &str| src.len() - rest.len();
    match terminated(|i| expr(src, i), multispace0).parse(src) {
        Ok(("", e)) => Ok(e),
        Ok((rest, _)) => Err(SyntaxError {
            offset: offset(rest),
            message: format!("unexpected '{}'", rest.chars().take(20).collect::<String>()),
        }),
        Err(nom::Err::Error(e) | nom::Err::Failure(e)) => Err(SyntaxError {
            offset: offset(e.at),
            message: format!("expected {}", e.expected),
        }),
        Err(nom::Err::Incomplete(_)) => Err(SyntaxError {
            offset: src.len(),
            message: "unexpected end".to_owned(),
        }),
    }
}

fn ws<'a, O, P>(p: P) -> impl Parser<&'a str, Output = O, Error = Error<'a>>
where
    P: Parser<&'a str, Output = O, Error = Error<'a>>,
{
    preceded(multispace0, p)
}

/// A keyword, not the start of a longer word (`or` must not match `order`).
fn keyword<'a>(kw: &'static str) -> impl Parser<&'a str, Output = &'a str, Error = Error<'a>> {
    ws(terminated(
        tag(kw),
        nom::combinator::not(satisfy(is_word_char)),
    ))
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn expr<'a>(src: &'a str, i: &'a str) -> Res<'a, Expr> {
    let (i, first) = and_expr(src, i)?;
    let (i, rest) = many0(preceded(keyword("or"), cut(|i| and_expr(src, i)))).parse(i)?;
    Ok((
        i,
        rest.into_iter()
            .fold(first, |l, r| Expr::Or(Box::new(l), Box::new(r))),
    ))
}

fn and_expr<'a>(src: &'a str, i: &'a str) -> Res<'a, Expr> {
    let (i, first) = not_expr(src, i)?;
    let (i, rest) = many0(preceded(keyword("and"), cut(|i| not_expr(src, i)))).parse(i)?;
    Ok((
        i,
        rest.into_iter()
            .fold(first, |l, r| Expr::And(Box::new(l), Box::new(r))),
    ))
}

fn not_expr<'a>(src: &'a str, i: &'a str) -> Res<'a, Expr> {
    alt((
        map(preceded(keyword("not"), cut(|i| not_expr(src, i))), |e| {
            Expr::Not(Box::new(e))
        }),
        |i| comparison(src, i),
    ))
    .parse(i)
}

fn cmp_op(i: &str) -> Res<'_, CmpOp> {
    ws(alt((
        value(CmpOp::Eq, tag("==")),
        value(CmpOp::Ne, tag("!=")),
        value(CmpOp::Le, tag("<=")),
        value(CmpOp::Ge, tag(">=")),
        value(CmpOp::Lt, tag("<")),
        value(CmpOp::Gt, tag(">")),
    )))
    .parse(i)
}

fn comparison<'a>(src: &'a str, i: &'a str) -> Res<'a, Expr> {
    let (i, left) = primary(src, i)?;
    if let Ok((i, op)) = cmp_op(i) {
        let (i, right) =
            cut(context("a value after the comparison", |i| primary(src, i))).parse(i)?;
        return Ok((i, Expr::Cmp(op, Box::new(left), Box::new(right))));
    }
    if let Ok((i, _)) = keyword("in").parse(i) {
        let (i, list) = cut(context("a [list] after 'in'", ws(|i| list(src, i)))).parse(i)?;
        return Ok((i, Expr::In(Box::new(left), Box::new(list))));
    }
    Ok((i, left))
}

fn primary<'a>(src: &'a str, i: &'a str) -> Res<'a, Expr> {
    context(
        "a value, fact path, function call or '('",
        ws(alt((
            |i| list(src, i),
            delimited(
                char('('),
                |i| expr(src, i),
                cut(context("')'", ws(char(')')))),
            ),
            text,
            int,
            |i| word(src, i),
        ))),
    )
    .parse(i)
}

fn list<'a>(src: &'a str, i: &'a str) -> Res<'a, Expr> {
    map(
        delimited(
            char('['),
            separated_list0(ws(char(',')), |i| primary(src, i)),
            cut(context("']' closing the list", ws(char(']')))),
        ),
        Expr::List,
    )
    .parse(i)
}

fn text(i: &str) -> Res<'_, Expr> {
    map(
        delimited(
            char('"'),
            map(opt(is_not("\"")), |s: Option<&str>| {
                s.unwrap_or_default().to_owned()
            }),
            cut(context("'\"' closing the text", char('"'))),
        ),
        Expr::Text,
    )
    .parse(i)
}

fn int(i: &str) -> Res<'_, Expr> {
    alt((
        map_opt(
            preceded(
                tag("0x"),
                cut(context(
                    "hex digits",
                    take_while1(|c: char| c.is_ascii_hexdigit()),
                )),
            ),
            |h: &str| i64::from_str_radix(h, 16).ok().map(Expr::Int),
        ),
        map_opt(
            recognize(pair(
                opt(char('-')),
                take_while1(|c: char| c.is_ascii_digit()),
            )),
            |d: &str| d.parse().ok().map(Expr::Int),
        ),
    ))
    .parse(i)
}

/// `true`, `false`, a function call `name(args)` or a fact path `group.field[.field]`.
fn word<'a>(src: &'a str, i: &'a str) -> Res<'a, Expr> {
    let start = src.len() - i.len();
    let (rest, w) = verify(
        recognize(pair(
            satisfy(|c| c.is_ascii_alphabetic() || c == '_'),
            take_while(|c: char| is_word_char(c) || c == '.' || c == '-'),
        )),
        |w: &str| !matches!(w, "and" | "or" | "not" | "in"),
    )
    .parse(i)?;
    match w {
        "true" => return Ok((rest, Expr::Bool(true))),
        "false" => return Ok((rest, Expr::Bool(false))),
        _ => {}
    }
    if let Ok((after, _)) = ws(char::<&str, Error<'a>>('(')).parse(rest) {
        let Some(func) = Func::from_name(w) else {
            return Err(nom::Err::Failure(Error {
                at: i,
                expected: "a known function: has, bits, any_bits, lower, contains, len",
                fixed: true,
                named: true,
            }));
        };
        let (after, args) = separated_list0(ws(char(',')), |i| expr(src, i)).parse(after)?;
        let (after, _) = cut(context("')' closing the call", ws(char(')')))).parse(after)?;
        return Ok((after, Expr::Call(func, args, start)));
    }
    if !w.contains('.') || w.ends_with('.') || w.contains("..") {
        return Err(nom::Err::Failure(Error {
            at: i,
            expected: "a fact path such as os.build (group.field)",
            fixed: true,
            named: true,
        }));
    }
    Ok((rest, Expr::Fact(w.to_owned(), start)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fact(p: &str, at: usize) -> Box<Expr> {
        Box::new(Expr::Fact(p.into(), at))
    }

    #[test]
    fn precedence_is_or_and_not_comparison() {
        let e = parse("os.legacy and not tls.winhttp_tls12 or ncsi.enable_active_probing == 0")
            .unwrap();
        assert_eq!(
            e,
            Expr::Or(
                Box::new(Expr::And(
                    fact("os.legacy", 0),
                    Box::new(Expr::Not(fact("tls.winhttp_tls12", 18)))
                )),
                Box::new(Expr::Cmp(
                    CmpOp::Eq,
                    fact("ncsi.enable_active_probing", 39),
                    Box::new(Expr::Int(0))
                ))
            )
        );
    }

    #[test]
    fn literals_lists_and_calls() {
        assert_eq!(
            parse("services.NlaSvc.start in [3, 0x4]").unwrap(),
            Expr::In(
                fact("services.NlaSvc.start", 0),
                Box::new(Expr::List(vec![Expr::Int(3), Expr::Int(4)]))
            )
        );
        assert_eq!(
            parse("bits(ipv6.disabled_components, 0x20)").unwrap(),
            Expr::Call(
                Func::Bits,
                vec![
                    Expr::Fact("ipv6.disabled_components".into(), 5),
                    Expr::Int(32)
                ],
                0
            )
        );
        assert_eq!(
            parse("os.family != \"windows-7\"").unwrap(),
            Expr::Cmp(
                CmpOp::Ne,
                fact("os.family", 0),
                Box::new(Expr::Text("windows-7".into()))
            )
        );
        assert_eq!(parse("(true)").unwrap(), Expr::Bool(true));
        assert!(matches!(
            parse("orders.x or os.build").unwrap(),
            Expr::Or(..)
        ));
    }

    #[test]
    fn errors_point_at_the_problem() {
        let e = parse("os.build ==").unwrap_err();
        assert_eq!(
            (e.offset, e.message.as_str()),
            (11, "expected a value after the comparison")
        );
        let e = parse("os.legacy and").unwrap_err();
        assert_eq!(e.offset, 13);
        let e = parse("frob(os.build)").unwrap_err();
        assert!(e.message.contains("known function"), "{e:?}");
        let e = parse("legacy").unwrap_err();
        assert!(e.message.contains("fact path"), "{e:?}");
        let e = parse("os.build == 1 extra").unwrap_err();
        assert_eq!((e.offset, e.message.as_str()), (14, "unexpected 'extra'"));
        let e = parse("os.build in [1, 2").unwrap_err();
        assert!(e.message.contains("']'"), "{e:?}");
    }
}
