//! The line grammar of a `.reg` file, as small nom combinators: what `reg export` writes, and
//! what people write by hand and Windows' import accepts (comments, blanks, short DWORDs).
//!
//! One call of [`line`] reads one logical line: a key (`[HKEY_...]`, `[-HKEY_...]`), a value
//! (`"name"=...`, `@=...`, `"name"=-`), a comment or a blank line, together with the
//! continuation lines of a wrapped `hex` value (`,\` then a line starting with spaces).

use super::hex::hex_data;
use nom::branch::alt;
use nom::bytes::complete::{tag_no_case, take_while_m_n};
use nom::character::complete::{char, line_ending, not_line_ending, one_of, satisfy, space0};
use nom::combinator::{cut, eof, map, map_opt, not, opt, peek, value};
use nom::error::{ContextError, ErrorKind, ParseError, context};
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
    pub(super) fn expected(at: &'a str, expected: &'static str) -> Self {
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
    /// A line whose first non-blank character is `;` or `#`.
    Comment,
    Key {
        path: &'a str,
        delete: bool,
        /// Text after the closing `]`, which Windows ignores.
        commented: bool,
    },
    Value {
        name: String,
        data: RawData,
        /// A `;` comment after the data, or on a continuation line of wrapped hex.
        commented: bool,
    },
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
///
/// What Windows' import accepts is taken from Wine's `programs/reg/tests/import.c`, whose
/// cases run against Windows (`Wine10`..`Wine13` and the like below name those cases):
/// - a line whose first non-blank is `;` or `#` is a comment (`Wine1`..`Wine4`, `Comment1`..`4`),
///   in `REGEDIT4` and version 5 files alike; a comment line may end in `\` (`Wine8`, `Wine9`);
/// - after a value, only `;` starts a comment (`"Wine11"="Value 2";comment`,
///   `"Wine13"=dword:02040608 ;comment`, `Wine31`, `Wine36a`, `Wine39a`, `Wine46e`, `Wine50a`);
///   `#` there makes Windows skip the whole line (`Wine10`, `Wine12`, `Wine30`, `Wine39c`,
///   `Wine46f`, `Wine50c`), and so does anything else after the data (`Wine34b`);
/// - `;` and `#` inside a quoted string are text (`Wine22`..`Wine27`).
pub fn line(i: &str) -> Res<'_, Line<'_>> {
    preceded(
        space0,
        alt((
            comment,
            terminated(key_line, context("end of line", end_of_line)),
            value_line,
            value(Line::Blank, end_of_line),
        )),
    )
    .parse(i)
}

fn end_of_line(i: &str) -> Res<'_, ()> {
    value((), (space0, alt((line_ending, eof)))).parse(i)
}

/// A `;` comment after a value, up to the end of the line.
pub(super) fn trailing_comment(i: &str) -> Res<'_, ()> {
    value((), (char(';'), not_line_ending)).parse(i)
}

/// The end of a value's line: blanks, an optional `;` comment, the line ending. Says
/// whether there was a comment.
fn end_of_value(i: &str) -> Res<'_, bool> {
    context(
        "end of line or a ';' comment (Windows skips a line with '#' or text after the data)",
        terminated(
            preceded(space0, map(opt(trailing_comment), |c| c.is_some())),
            alt((line_ending, eof)),
        ),
    )
    .parse(i)
}

fn comment(i: &str) -> Res<'_, Line<'_>> {
    value(
        Line::Comment,
        (one_of(";#"), not_line_ending, alt((line_ending, eof))),
    )
    .parse(i)
}

/// `[path]` or `[-path]`. Key names may contain `]`, so the last `]` of the line closes, and
/// what follows it is ignored, as Windows' import does (Wine's `key_name_state`; Wine's tests
/// do not cover text after the `]`, so it is only reported as a comment).
fn key_line(i: &str) -> Res<'_, Line<'_>> {
    let (rest, _) = char('[')(i)?;
    let (after, body) = not_line_ending(rest)?;
    let Some(close) = body.rfind(']') else {
        return Err(nom::Err::Failure(GrammarError::expected(
            &rest[body.trim_end().len()..],
            "']' closing the key name",
        )));
    };
    let inner = &body[..close];
    let commented = !body[close + 1..].trim().is_empty();
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
    Ok((
        after,
        Line::Key {
            path,
            delete,
            commented,
        },
    ))
}

/// `"name"=data` or `@=data`, to the end of its line (or of its last continuation line).
fn value_line(i: &str) -> Res<'_, Line<'_>> {
    let (i, name) = value_name(i)?;
    let (i, _) = cut(context(
        "'=' after the value name",
        preceded(space0, char('=')),
    ))
    .parse(i)?;
    let (i, (data, wrapped_comment)) = cut(preceded(space0, value_data)).parse(i)?;
    let (i, trailing) = cut(end_of_value).parse(i)?;
    Ok((
        i,
        Line::Value {
            name,
            data,
            commented: wrapped_comment || trailing,
        },
    ))
}

/// `@` (the default value, named "") or a quoted name.
fn value_name(i: &str) -> Res<'_, String> {
    alt((value(String::new(), char('@')), quoted)).parse(i)
}

/// The data, and whether a comment sat inside it (on a wrapped hex line).
fn value_data(i: &str) -> Res<'_, (RawData, bool)> {
    context(
        "value data: \"text\", dword:, hex:, hex(N): or -",
        alt((
            map(
                alt((
                    value(RawData::Delete, char('-')),
                    map(quoted, RawData::String),
                    dword,
                )),
                |d| (d, false),
            ),
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
                // Windows refuses the line (Wine's `Wine70a`..`f`; `\\0` is text, `Wine69`).
                Some('0') => {
                    return Err(nom::Err::Failure(GrammarError::expected(
                        &i[pos..],
                        "no \\0 in a string (Windows skips such a line)",
                    )));
                }
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

pub(super) fn is_hex(c: char) -> bool {
    c.is_ascii_hexdigit()
}

/// `dword:`, blanks (`Wine9a`), and one to eight hex digits (`Wine32a`; nine are refused,
/// `Wine33c`); reg export writes exactly eight.
fn dword(i: &str) -> Res<'_, RawData> {
    let (i, _) = tag_no_case("dword:")(i)?;
    cut(context(
        "1 to 8 hex digits after dword:",
        preceded(
            space0,
            map_opt(
                terminated(take_while_m_n(1, 8, is_hex), not(peek(satisfy(is_hex)))),
                |d: &str| u32::from_str_radix(d, 16).ok().map(RawData::Dword),
            ),
        ),
    ))
    .parse(i)
}

/// Shared with the hex module's tests.
#[cfg(test)]
pub(super) mod tests {
    use super::*;

    pub(in crate::parse::reg) fn ok(input: &str) -> Line<'_> {
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

    fn key(path: &str, delete: bool, commented: bool) -> Line<'_> {
        Line::Key {
            path,
            delete,
            commented,
        }
    }

    pub(in crate::parse::reg) fn val(name: &str, data: RawData) -> Line<'static> {
        Line::Value {
            name: name.into(),
            data,
            commented: false,
        }
    }

    pub(in crate::parse::reg) fn commented(name: &str, data: RawData) -> Line<'static> {
        Line::Value {
            name: name.into(),
            data,
            commented: true,
        }
    }

    pub(in crate::parse::reg) fn hex(kind: Option<u32>, bytes: &[u8]) -> RawData {
        RawData::Hex {
            kind,
            bytes: bytes.to_vec(),
        }
    }

    #[test]
    fn keys_and_deletions() {
        assert_eq!(
            ok("[HKEY_LOCAL_MACHINE\\SOFTWARE]\r\n"),
            key("HKEY_LOCAL_MACHINE\\SOFTWARE", false, false)
        );
        assert_eq!(
            ok("[-HKEY_CURRENT_USER\\X]  \r\n"),
            key("HKEY_CURRENT_USER\\X", true, false)
        );
        assert_eq!(ok("[HKLM\\a]b]\n"), key("HKLM\\a]b", false, false));
        // Text after the last `]` is ignored, as Windows' import does.
        assert_eq!(
            ok("[HKLM\\Tcpip6] ; prefer IPv4\r\n"),
            key("HKLM\\Tcpip6", false, true)
        );
    }

    #[test]
    fn every_value_form() {
        assert_eq!(
            ok("@=\"default value\"\r\n"),
            val("", RawData::String("default value".into()))
        );
        assert_eq!(
            ok("\"Uml\"=\"Größe \\\"q\\\" back\\\\slash\"\r\n"),
            val("Uml", RawData::String("Größe \"q\" back\\slash".into()))
        );
        assert_eq!(
            ok("\"Start\"=dword:00000003\r\n"),
            val("Start", RawData::Dword(3))
        );
        assert_eq!(ok("\"Gone\"=-\r\n"), val("Gone", RawData::Delete));
        assert_eq!(
            ok("\"E\"=\"\"\r\n"),
            val("E", RawData::String(String::new()))
        );
        assert_eq!(ok("\"B\"=hex:\r\n"), val("B", hex(None, &[])));
        assert_eq!(
            ok("\"Q\"=hex(b):88,77,66,55,44,33,22,11\r\n"),
            val(
                "Q",
                hex(Some(11), &[0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11])
            )
        );
    }

    #[test]
    fn comments_and_blanks() {
        assert_eq!(ok("; exported by hand\r\n"), Line::Comment);
        // `#` lines, indented comments and a comment ending in `\` (Wine1, Comment3, Wine8).
        assert_eq!(ok("#comment\n"), Line::Comment);
        assert_eq!(ok("    ;\"Comment4\"=\"Value 4\"\n"), Line::Comment);
        assert_eq!(ok("#comment\\\n"), Line::Comment);
        assert_eq!(ok("   \r\n"), Line::Blank);
        assert_eq!(ok(""), Line::Blank);
    }

    /// Wine's import tests, as run against Windows: what follows a value.
    #[test]
    fn trailing_comments_as_windows_reads_them() {
        let s = |v: &str| RawData::String(v.into());
        // The line is the DisabledComponents one; inside a string `;` and `#` are text
        // (Wine22..Wine27); blanks around `=` and after `dword:` are fine (Wine5d, Wine9a).
        for (input, read) in [
            (
                "\"Wine11\"=\"Value 2\";comment\n",
                commented("Wine11", s("Value 2")),
            ),
            (
                "\"Wine13\"=dword:02040608 ;comment\n",
                commented("Wine13", RawData::Dword(0x0204_0608)),
            ),
            (
                "\"Wine31\"=dword:00000004;comment\n",
                commented("Wine31", RawData::Dword(4)),
            ),
            (
                "\"Wine36a\"=dword:1234;5678\n",
                commented("Wine36a", RawData::Dword(0x1234)),
            ),
            (
                "\"Wine39b\"=\"Value2\"\t\t;comment\n",
                commented("Wine39b", s("Value2")),
            ),
            (
                "\"Wine46e\"=- ;comment\n",
                commented("Wine46e", RawData::Delete),
            ),
            (
                "\"Wine50a\"=hex(2):25,50,41,54,48,25,00  ;comment\n",
                commented("Wine50a", hex(Some(2), b"%PATH%\0")),
            ),
            (
                "\"Wine19\"=\"Value 7\";\"Comment6\"=\"Value 6\"\n",
                commented("Wine19", s("Value 7")),
            ),
            (
                "\"DisabledComponents\"=dword:00000020 ; prefer IPv4\r\n",
                commented("DisabledComponents", RawData::Dword(0x20)),
            ),
            (
                "\"Wine25\"=\"Value;comment4\"\n",
                val("Wine25", s("Value;comment4")),
            ),
            (
                "\"Wine26\"=\"Value #comment5\"\n",
                val("Wine26", s("Value #comment5")),
            ),
            ("  \"W\"  \t =  \"x\"  \n", val("W", s("x"))),
            (
                "\"Wine9a\"=dword:  00000008\n",
                val("Wine9a", RawData::Dword(8)),
            ),
        ] {
            assert_eq!(ok(input), read, "{input:?}");
        }
    }

    /// What Windows' import skips, and so do we (each is a reported bad line).
    #[test]
    fn lines_windows_refuses() {
        for refused in [
            "\"Wine10\"=\"Value 1\"#comment\n",
            "\"Wine12\"=dword:01020304 #comment\n",
            "\"Wine30\"=dword:00000003#comment\n",
            "\"Wine39c\"=\"Value3\"  #comment\n",
            "\"Wine46f\"=- #comment\n",
            "\"Wine50c\"=hex(2):25,50,41,54,48,25,00  #comment\n",
            "\"Wine20\"=#\"Value 8\"\n",
            "\"Wine21\"=;\"Value 9\"\n",
            "\"Wine33c\"=dword:123456789\n",
            "\"Wine34b\"=dword:12345678 abc\n",
            "\"Wine46d\"=-\"Test\"\n",
            "\"Wine70a\"=\"\\0\"\n",
            "\"Wine52a\"=hex(2):25,48\\,4f,4d,45,25,00\n",
            "\"Wine53b\"=hex(2):25,48,4f,4d,45,25,5c\\\n  25,50,41,54,48,25,00\n",
            "\"Wine63b\"=hex(7):4c,00,\\\n  63,,00\n",
            "\"Wine43d\"=hex(0):56,00,61,00,6c,00\\\n  ,75,00\n",
            "\"Wine14\"=hex(7):4c,69,\\\n  #comment\n  63,6f\n",
            "\"Multi-Line9\"=hex(7):4c,69,\\#comment\n  65\n",
        ] {
            let _ = err(refused);
        }
        let e = err("\"Wine10\"=\"Value 1\"#comment\n");
        assert!(e.expected.contains("';' comment"), "{}", e.expected);
        assert_eq!(e.at, "#comment\n");
    }

    /// Wrapped hex data: comments, blank lines and trailing commas where Windows takes them.
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
        assert_eq!(e.expected, "the line ending (or a ';' comment) after '\\'");
        let e = err("\"X\"=hex:00,01,");
        assert!(e.expected.contains("truncated"), "{}", e.expected);
        let e = err("garbage\r\n");
        assert_eq!(e.at, "garbage\r\n");
    }
}
