//! The line grammar of a `.reg` export, as small nom combinators.
//!
//! One call of [`line`] reads one logical line: a key (`[HKEY_...]`, `[-HKEY_...]`), a value
//! (`"name"=...`, `@=...`, `"name"=-`), a comment or a blank line, together with the
//! continuation lines of a wrapped `hex` value (`,\` then a line starting with spaces).

use nom::branch::alt;
use nom::bytes::complete::{tag_no_case, take_while_m_n};
use nom::character::complete::{char, line_ending, not_line_ending, space0};
use nom::combinator::{cut, eof, map, map_opt, opt, peek, value};
use nom::error::{ContextError, ErrorKind, ParseError, context};
use nom::multi::separated_list0;
use nom::sequence::{delimited, preceded, terminated};
use nom::{IResult, Parser};

/// A grammar error: where it happened and what was expected there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrammarError<'a> {
    /// The input from the failing position on.
    pub at: &'a str,
    pub expected: &'static str,
    from_context: bool,
}

impl<'a> GrammarError<'a> {
    fn expected(at: &'a str, expected: &'static str) -> Self {
        GrammarError {
            at,
            expected,
            from_context: true,
        }
    }
}

impl<'a> ParseError<&'a str> for GrammarError<'a> {
    fn from_error_kind(input: &'a str, _kind: ErrorKind) -> Self {
        GrammarError {
            at: input,
            expected: "well-formed .reg syntax",
            from_context: false,
        }
    }

    fn append(_input: &'a str, _kind: ErrorKind, other: Self) -> Self {
        other
    }

    /// Of two failed alternatives, the one that got further says more.
    fn or(self, other: Self) -> Self {
        if other.at.len() < self.at.len() {
            other
        } else {
            self
        }
    }
}

impl<'a> ContextError<&'a str> for GrammarError<'a> {
    /// The innermost context is the most precise one; outer contexts do not replace it.
    fn add_context(_input: &'a str, ctx: &'static str, other: Self) -> Self {
        if other.from_context {
            other
        } else {
            GrammarError {
                expected: ctx,
                from_context: true,
                ..other
            }
        }
    }
}

pub type Res<'a, O> = IResult<&'a str, O, GrammarError<'a>>;

/// One logical line of a `.reg` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line<'a> {
    Blank,
    Comment,
    Key { path: &'a str, delete: bool },
    Value { name: String, data: RawData },
}

/// Value data as spelled, before typing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawData {
    /// `"name"=-`: delete the value.
    Delete,
    String(String),
    Dword(u32),
    /// `hex:` (kind `None`) or `hex(N):`.
    Hex {
        kind: Option<u32>,
        bytes: Vec<u8>,
    },
}

/// Reads one logical line, including its line ending (or the end of the input).
pub fn line(i: &str) -> Res<'_, Line<'_>> {
    preceded(
        space0,
        terminated(
            alt((
                comment,
                key_line,
                value_line,
                value(Line::Blank, peek(end_of_line)),
            )),
            context("end of line", end_of_line),
        ),
    )
    .parse(i)
}

fn end_of_line(i: &str) -> Res<'_, ()> {
    value((), (space0, alt((line_ending, eof)))).parse(i)
}

fn comment(i: &str) -> Res<'_, Line<'_>> {
    value(Line::Comment, (char(';'), not_line_ending)).parse(i)
}

/// `[path]` or `[-path]`. Key names may contain `]`, so the last `]` of the line closes.
fn key_line(i: &str) -> Res<'_, Line<'_>> {
    let (rest, _) = char('[')(i)?;
    let (after, body) = not_line_ending(rest)?;
    let body = body.trim_end();
    let Some(inner) = body.strip_suffix(']') else {
        return Err(nom::Err::Failure(GrammarError::expected(
            &rest[body.len()..],
            "']' closing the key name",
        )));
    };
    let (delete, path) = match inner.strip_prefix('-') {
        Some(p) => (true, p),
        None => (false, inner),
    };
    if path.trim().is_empty() {
        return Err(nom::Err::Failure(GrammarError::expected(
            rest,
            "a key name",
        )));
    }
    Ok((after, Line::Key { path, delete }))
}

/// `"name"=data` or `@=data`.
fn value_line(i: &str) -> Res<'_, Line<'_>> {
    let (i, name) = value_name(i)?;
    let (i, _) = cut(context(
        "'=' after the value name",
        preceded(space0, char('=')),
    ))
    .parse(i)?;
    let (i, data) = cut(preceded(space0, value_data)).parse(i)?;
    Ok((i, Line::Value { name, data }))
}

/// `@` (the default value, named "") or a quoted name.
fn value_name(i: &str) -> Res<'_, String> {
    alt((value(String::new(), char('@')), quoted)).parse(i)
}

fn value_data(i: &str) -> Res<'_, RawData> {
    context(
        "value data: \"text\", dword:, hex:, hex(N): or -",
        alt((
            value(RawData::Delete, char('-')),
            map(quoted, RawData::String),
            dword,
            hex_data,
        )),
    )
    .parse(i)
}

/// `"..."` with the escapes `reg export` writes (`\\`, `\"`) and the ones Wine adds.
fn quoted(i: &str) -> Res<'_, String> {
    delimited(
        char('"'),
        string_body,
        cut(context("'\"' closing the string", char('"'))),
    )
    .parse(i)
}

fn string_body(i: &str) -> Res<'_, String> {
    let mut out = String::new();
    let mut chars = i.char_indices().peekable();
    while let Some((pos, c)) = chars.next() {
        match c {
            '"' | '\r' | '\n' => return Ok((&i[pos..], out)),
            '\\' => match chars.peek().map(|&(_, c)| c) {
                Some('\\') => out.push('\\'),
                Some('"') => out.push('"'),
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some('0') => out.push('\0'),
                // Anything else is a literal backslash, as regedit reads it.
                _ => {
                    out.push('\\');
                    continue;
                }
            },
            c => {
                out.push(c);
                continue;
            }
        }
        chars.next();
    }
    Ok((&i[i.len()..], out))
}

fn is_hex(c: char) -> bool {
    c.is_ascii_hexdigit()
}

/// `dword:` and up to eight hex digits (reg export writes exactly eight).
fn dword(i: &str) -> Res<'_, RawData> {
    let (i, _) = tag_no_case("dword:")(i)?;
    cut(context(
        "1 to 8 hex digits after dword:",
        map_opt(take_while_m_n(1, 8, is_hex), |d: &str| {
            u32::from_str_radix(d, 16).ok().map(RawData::Dword)
        }),
    ))
    .parse(i)
}

/// `hex:` or `hex(N):` and a comma-separated byte list, possibly wrapped over lines.
fn hex_data(i: &str) -> Res<'_, RawData> {
    let (i, _) = tag_no_case("hex")(i)?;
    let (i, kind) = opt(delimited(
        char('('),
        cut(context(
            "a type number in hex(N)",
            map_opt(take_while_m_n(1, 8, is_hex), |d: &str| {
                u32::from_str_radix(d, 16).ok()
            }),
        )),
        cut(context("')' after the type number", char(')'))),
    ))
    .parse(i)?;
    let (i, _) = cut(context("':' after hex", char(':'))).parse(i)?;
    let (i, _) = opt(continuation).parse(i)?;
    let (i, bytes) = hex_bytes(i)?;
    Ok((i, RawData::Hex { kind, bytes }))
}

/// `\` at the end of a line: the list goes on on the next one, after its indent.
fn continuation(i: &str) -> Res<'_, ()> {
    value((), (space0, char('\\'), space0, line_ending, space0)).parse(i)
}

fn byte_separator(i: &str) -> Res<'_, ()> {
    value((), (space0, char(','), space0, opt(continuation))).parse(i)
}

fn hex_byte(i: &str) -> Res<'_, u8> {
    map_opt(take_while_m_n(1, 2, is_hex), |d: &str| {
        u8::from_str_radix(d, 16).ok()
    })
    .parse(i)
}

fn hex_bytes(i: &str) -> Res<'_, Vec<u8>> {
    separated_list0(byte_separator, hex_byte).parse(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(input: &str) -> Line<'_> {
        let (rest, l) = line(input).unwrap_or_else(|e| panic!("{input:?}: {e:?}"));
        assert_eq!(rest, "", "{input:?} left {rest:?}");
        l
    }

    fn err(input: &str) -> GrammarError<'_> {
        match line(input) {
            Err(nom::Err::Error(e) | nom::Err::Failure(e)) => e,
            other => panic!("{input:?} parsed: {other:?}"),
        }
    }

    #[test]
    fn keys_and_deletions() {
        assert_eq!(
            ok("[HKEY_LOCAL_MACHINE\\SOFTWARE]\r\n"),
            Line::Key {
                path: "HKEY_LOCAL_MACHINE\\SOFTWARE",
                delete: false
            }
        );
        assert_eq!(
            ok("[-HKEY_CURRENT_USER\\X]  \r\n"),
            Line::Key {
                path: "HKEY_CURRENT_USER\\X",
                delete: true
            }
        );
        assert_eq!(
            ok("[HKLM\\a]b]\n"),
            Line::Key {
                path: "HKLM\\a]b",
                delete: false
            }
        );
    }

    #[test]
    fn every_value_form() {
        let v = |name: &str, data: RawData| Line::Value {
            name: name.into(),
            data,
        };
        assert_eq!(
            ok("@=\"default value\"\r\n"),
            v("", RawData::String("default value".into()))
        );
        assert_eq!(
            ok("\"Uml\"=\"Größe \\\"q\\\" back\\\\slash\"\r\n"),
            v("Uml", RawData::String("Größe \"q\" back\\slash".into()))
        );
        assert_eq!(
            ok("\"Start\"=dword:00000003\r\n"),
            v("Start", RawData::Dword(3))
        );
        assert_eq!(ok("\"Gone\"=-\r\n"), v("Gone", RawData::Delete));
        assert_eq!(ok("\"E\"=\"\"\r\n"), v("E", RawData::String(String::new())));
        assert_eq!(
            ok("\"B\"=hex:\r\n"),
            v(
                "B",
                RawData::Hex {
                    kind: None,
                    bytes: vec![]
                }
            )
        );
        assert_eq!(
            ok("\"Q\"=hex(b):88,77,66,55,44,33,22,11\r\n"),
            v(
                "Q",
                RawData::Hex {
                    kind: Some(11),
                    bytes: vec![0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11]
                }
            )
        );
    }

    #[test]
    fn wrapped_hex_continues_over_lines() {
        let input = "\"W\"=hex(2):25,00,53,\\\r\n  00,79,00,\\\r\n  00\r\n";
        assert_eq!(
            ok(input),
            Line::Value {
                name: "W".into(),
                data: RawData::Hex {
                    kind: Some(2),
                    bytes: vec![0x25, 0, 0x53, 0, 0x79, 0, 0]
                }
            }
        );
        // A long name makes regedit break right after the colon.
        let input = "\"LongName\"=hex:\\\r\n  01,02\r\n";
        assert_eq!(
            ok(input),
            Line::Value {
                name: "LongName".into(),
                data: RawData::Hex {
                    kind: None,
                    bytes: vec![1, 2]
                }
            }
        );
    }

    #[test]
    fn comments_and_blanks() {
        assert_eq!(ok("; exported by hand\r\n"), Line::Comment);
        assert_eq!(ok("   \r\n"), Line::Blank);
        assert_eq!(ok(""), Line::Blank);
    }

    #[test]
    fn errors_say_what_was_expected_where() {
        let e = err("\"Start\"=dword:zz\r\n");
        assert_eq!(
            (e.expected, e.at.len()),
            ("1 to 8 hex digits after dword:", "zz\r\n".len())
        );
        let e = err("\"Name=\"x\"\r\n");
        assert_eq!(e.expected, "'=' after the value name");
        let e = err("\"Name\"=hex(2:00\r\n");
        assert_eq!(e.expected, "')' after the type number");
        let e = err("[HKLM\\Unclosed\r\n");
        assert_eq!(e.expected, "']' closing the key name");
        let e = err("\"X\"=hex:00,01,\\");
        assert_eq!(e.expected, "end of line");
        let e = err("garbage\r\n");
        assert_eq!(e.at, "garbage\r\n");
    }
}
