//! Hex data (`hex:`, `hex(N):`): a comma-separated byte list, wrapped over lines with `\\`
//! the way regedit writes it and the looser ways Windows' import also reads.

use super::grammar::{GrammarError, RawData, Res, is_hex, trailing_comment};
use nom::Parser;
use nom::bytes::complete::{tag_no_case, take_while_m_n};
use nom::character::complete::{char, line_ending, satisfy, space0};
use nom::combinator::{cut, map, map_opt, opt, peek};
use nom::error::context;
use nom::multi::{many0, separated_list0};
use nom::sequence::{delimited, preceded, terminated};

/// `hex:` or `hex(N):` and a comma-separated byte list, possibly wrapped over lines.
pub(super) fn hex_data(i: &str) -> Res<'_, (RawData, bool)> {
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
    let (i, (bytes, commented)) = hex_bytes(i)?;
    Ok((i, (RawData::Hex { kind, bytes }, commented)))
}

/// The byte list as Windows reads it (Wine's `convert_hex_csv_to_hex` and tests `Wine43`..
/// `Wine66`): bytes separated by commas, blanks allowed before a byte but not before a comma
/// (`Wine43d`); a trailing comma is fine (`Wine49`, `Wine66b`); `\` after a comma, or right
/// after the colon (`Wine52l`), continues the list on the next line that is not blank or a
/// `;` comment (`Wine16`, `Multi-Line10`, `Wine60a`), and may itself be followed by a `;`
/// comment (`Multi-Line1`, `Wine53c`); that line must start with a byte (`Wine43c`, `Wine63a`):
/// a `#` line there makes Windows drop the value (`Wine14`, `Wine55e`).
fn hex_bytes(mut i: &str) -> Res<'_, (Vec<u8>, bool)> {
    let mut bytes = Vec::new();
    let mut commented = false;
    loop {
        let (rest, line) = separated_list0(char(','), preceded(space0, hex_byte)).parse(i)?;
        let (rest, comma) = opt(char(',')).parse(rest)?;
        bytes.extend(line.iter());
        if line.is_empty() || comma.is_some() {
            if let (next, Some(remark)) = opt(continuation).parse(rest)? {
                commented |= remark;
                i = next;
                continue;
            }
            if comma.is_some() && rest.is_empty() {
                return Err(nom::Err::Failure(GrammarError::expected(
                    rest,
                    "more hex bytes (the file ends after a comma: truncated?)",
                )));
            }
        }
        return Ok((rest, (bytes, commented)));
    }
}

/// `\`, an optional `;` comment, the line ending, then blank and `;` lines, up to the blanks
/// before the next byte. Says whether a comment was skipped.
fn continuation(i: &str) -> Res<'_, bool> {
    let (i, _) = (space0, char('\\'), space0).parse(i)?;
    let (i, remark) = cut(context(
        "the line ending (or a ';' comment) after '\\'",
        terminated(map(opt(trailing_comment), |c| c.is_some()), line_ending),
    ))
    .parse(i)?;
    let (i, fillers) = many0(terminated(
        preceded(space0, map(opt(trailing_comment), |c| c.is_some())),
        line_ending,
    ))
    .parse(i)?;
    let (i, _) = cut(context(
        "hex bytes on the line after '\\'",
        terminated(space0, peek(satisfy(is_hex))),
    ))
    .parse(i)?;
    Ok((i, remark || fillers.into_iter().any(|c| c)))
}

fn hex_byte(i: &str) -> Res<'_, u8> {
    map_opt(take_while_m_n(1, 2, is_hex), |d: &str| {
        u8::from_str_radix(d, 16).ok()
    })
    .parse(i)
}

#[cfg(test)]
mod tests {
    use super::super::grammar::tests::{commented, hex, ok, val};

    #[test]
    fn wrapped_hex_continues_over_lines() {
        let input = "\"W\"=hex(2):25,00,53,\\\r\n  00,79,00,\\\r\n  00\r\n";
        assert_eq!(
            ok(input),
            val("W", hex(Some(2), &[0x25, 0, 0x53, 0, 0x79, 0, 0]))
        );
        // A long name makes regedit break right after the colon.
        let input = "\"LongName\"=hex:\\\r\n  01,02\r\n";
        assert_eq!(ok(input), val("LongName", hex(None, &[1, 2])));
    }

    #[test]
    fn wrapped_hex_as_windows_reads_it() {
        let concat = b"Line concatenation\0\0";
        // `\;comment` after a continuation (Multi-Line1, Wine53c).
        let l = ok(
            "\"M1\"=hex(7):4c,69,6e,65,20,\\\n  63,6f,6e,\\;comment\n  63,61,74,\\  ;c\n  65,6e,61,74,69,6f,6e,00,00\n",
        );
        assert_eq!(l, commented("M1", hex(Some(7), concat)));
        // `;` lines and blank lines between continuation lines (Wine16, Multi-Line10, Wine60f).
        let l = ok(
            "\"M10\"=hex(7):4c,69,6e,65,20,\\\n  ;comment\n\n \t\n  63,6f,6e,63,61,74,65,6e,61,74,69,6f,6e,00,00\n",
        );
        assert_eq!(l, commented("M10", hex(Some(7), concat)));
        // A line ending in a comma without `\` ends the value there (Wine43i, Wine64e).
        assert_eq!(
            ok("\"Wine45j\"=hex:11,22,33,44,\\;comment\n  55,66,;comment\n"),
            commented("Wine45j", hex(None, &[0x11, 0x22, 0x33, 0x44, 0x55, 0x66]))
        );
        assert_eq!(
            ok("\"Wine49\"=hex(2):25,50,00,\n"),
            val("Wine49", hex(Some(2), &[0x25, 0x50, 0]))
        );
        // `\` right after the colon (Wine52l); blanks before a byte (Wine48a's line).
        assert_eq!(
            ok("\"Wine52l\"=hex(2):\\\n  25,48, 4f\n"),
            val("Wine52l", hex(Some(2), &[0x25, 0x48, 0x4f]))
        );
    }
}
