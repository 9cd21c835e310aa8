//! Parses a `.reg` file into keys and typed values: an export (what `reg export` and regedit
//! write) or a file written by hand, with comments where Windows' import accepts them.
//!
//! A real export, as Windows writes it (UTF-16LE with a BOM, CRLF, hex wrapped at about
//! 80 columns with `,\` and a two-space indent):
//!
//! ```text
//! Windows Registry Editor Version 5.00
//!
//! [HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\NcdAutoSetup]
//! "ImagePath"=hex(2):25,00,53,00,79,00,73,00,74,00,65,00,6d,00,52,00,6f,00,6f,00,\
//!   74,00,25,00,00,00
//! "Start"=dword:00000003
//! ```
//!
//! Parsing never stops at a bad line: the line is recorded as a [`LineError`] (line,
//! column, what was expected) and reading resumes at the next line that is not a
//! continuation of it.

mod data;
pub mod grammar;
mod hex;
mod shape;

use crate::decode::CodePage;
pub use data::{RegData, StringBytes};
use grammar::{Line, RawData};
pub use shape::{Seen, Shape, shape};

/// The two header lines that make a text a `.reg` export.
pub const HEADER_V5: &str = "Windows Registry Editor Version 5.00";
pub const HEADER_V4: &str = "REGEDIT4";

/// Which of the two `.reg` dialects a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `Windows Registry Editor Version 5.00`: Unicode strings in `hex(N)` data.
    V5,
    /// `REGEDIT4`: ANSI strings in `hex(N)` data.
    Regedit4,
}

/// The format named by a header line, if it is one.
pub fn header_format(first_line: &str) -> Option<Format> {
    let line = first_line.trim_start_matches('\u{feff}').trim();
    if line.eq_ignore_ascii_case(HEADER_V5) {
        Some(Format::V5)
    } else if line.eq_ignore_ascii_case(HEADER_V4) {
        Some(Format::Regedit4)
    } else {
        None
    }
}

/// One `[KEY]` section with its values, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyBlock {
    pub line: usize,
    /// The key path as written (root not yet normalised).
    pub path: String,
    /// `[-KEY]`: the key and its subkeys are deleted.
    pub delete: bool,
    pub values: Vec<ValueLine>,
}

/// One value line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueLine {
    pub line: usize,
    /// `""` for the default value (`@`).
    pub name: String,
    /// `None` for `"name"=-` (delete the value).
    pub data: Option<RegData>,
}

/// A line that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// A parsed `.reg` file: what could be read, and the lines that could not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegFile {
    pub format: Format,
    pub keys: Vec<KeyBlock>,
    pub errors: Vec<LineError>,
    /// Lines that hold a comment (a `;` or `#` line, or a `;` comment after a key or value),
    /// which `reg export` never writes.
    pub comments: Vec<usize>,
}

/// Parses the decoded text of a `.reg` file; `hex(N)` strings of a `REGEDIT4` file are read
/// in code page 1252.
pub fn parse(text: &str) -> RegFile {
    parse_ansi(text, CodePage::Windows1252)
}

/// Parses the decoded text of a `.reg` file whose `REGEDIT4` `hex(N)` strings are in `ansi`,
/// the ANSI code page of the machine that wrote it: [`Items`] collected.
pub fn parse_ansi(text: &str, ansi: CodePage) -> RegFile {
    let items = Items::new(text, ansi);
    let mut file = RegFile {
        format: items.format(),
        keys: Vec::new(),
        errors: Vec::new(),
        comments: Vec::new(),
    };
    for item in items {
        match item {
            Item::Key { line, path, delete } => file.keys.push(KeyBlock {
                line,
                path: path.to_owned(),
                delete,
                values: Vec::new(),
            }),
            Item::Value(v) => {
                if let Some(key) = file.keys.last_mut() {
                    key.values.push(v);
                }
            }
            Item::Comment(line) => file.comments.push(line),
            Item::Error(e) => file.errors.push(e),
        }
    }
    file
}

/// One thing a `.reg` file says, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item<'a> {
    /// A `[KEY]` line (`[-KEY]`: `delete`), the path trimmed, its root not yet normalised.
    Key {
        line: usize,
        path: &'a str,
        delete: bool,
    },
    /// A value of the last key (a value before any key, or under a deleted one, is an
    /// [`Item::Error`] instead).
    Value(ValueLine),
    /// A line that holds a comment (a `;` or `#` line, or a `;` comment after a key or value).
    Comment(usize),
    /// A line that could not be parsed.
    Error(LineError),
}

/// Reads the decoded text of a `.reg` file item by item, holding nothing of what it has
/// read: what [`parse`] collects into a [`RegFile`], and what the analysis streams into the
/// registry view, so that a large file costs little more than its text.
pub struct Items<'a> {
    format: Format,
    /// The text without its BOM, for error positions.
    whole: &'a str,
    rest: &'a str,
    line_no: usize,
    strings: StringBytes,
    /// The last key: none yet, or whether it deletes.
    under: Option<bool>,
    /// What the last line gave beyond its first item (a comment comes before its key or
    /// value).
    pending: std::collections::VecDeque<Item<'a>>,
    done: bool,
}

impl<'a> Items<'a> {
    pub fn new(text: &'a str, ansi: CodePage) -> Self {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let (first, rest) = split_first_line(text);
        let mut pending = std::collections::VecDeque::new();
        let format = header_format(first).unwrap_or_else(|| {
            pending.push_back(Item::Error(LineError {
                line: 1,
                column: 1,
                message: format!("expected the header '{HEADER_V5}' or '{HEADER_V4}'"),
            }));
            Format::V5
        });
        let strings = match format {
            Format::V5 => StringBytes::Utf16,
            Format::Regedit4 => StringBytes::Ansi(ansi),
        };
        Items {
            format,
            whole: text,
            rest,
            line_no: 2,
            strings,
            under: None,
            pending,
            done: false,
        }
    }

    /// The dialect its header names (version 5 when it names none).
    pub fn format(&self) -> Format {
        self.format
    }

    /// Turns one parsed line into items.
    fn queue(&mut self, line: usize, parsed: Line<'a>) {
        let commented = match &parsed {
            Line::Comment => true,
            Line::Key { commented, .. } | Line::Value { commented, .. } => *commented,
            Line::Blank => false,
        };
        if commented {
            self.pending.push_back(Item::Comment(line));
        }
        match parsed {
            Line::Blank | Line::Comment => {}
            Line::Key { path, delete, .. } => {
                self.under = Some(delete);
                self.pending.push_back(Item::Key {
                    line,
                    path: path.trim(),
                    delete,
                });
            }
            Line::Value { name, data, .. } => {
                let data = match data {
                    RawData::Delete => None,
                    RawData::String(s) => Some(RegData::String(s)),
                    RawData::Dword(v) => Some(RegData::Dword(v)),
                    RawData::Hex { kind, bytes } => {
                        Some(RegData::from_hex(kind, bytes, self.strings))
                    }
                };
                let error = |message: &str| {
                    Item::Error(LineError {
                        line,
                        column: 1,
                        message: message.to_owned(),
                    })
                };
                self.pending.push_back(match self.under {
                    Some(false) => Item::Value(ValueLine { line, name, data }),
                    Some(true) => error("value under a deleted key ([-KEY]); ignored"),
                    None => error("value before any [KEY] line; ignored"),
                });
            }
        }
    }
}

impl<'a> Iterator for Items<'a> {
    type Item = Item<'a>;

    fn next(&mut self) -> Option<Item<'a>> {
        loop {
            if let Some(item) = self.pending.pop_front() {
                return Some(item);
            }
            if self.done || self.rest.is_empty() {
                return None;
            }
            let rest = self.rest;
            match grammar::line(rest) {
                Ok((after, parsed)) => {
                    let line = self.line_no;
                    self.line_no += rest[..rest.len() - after.len()].matches('\n').count();
                    self.rest = after;
                    self.queue(line, parsed);
                }
                Err(nom::Err::Error(e) | nom::Err::Failure(e)) => {
                    let (skip, lines) = skip_bad_line(rest);
                    self.pending
                        .push_back(Item::Error(locate(rest, &e, self.line_no, self.whole)));
                    self.line_no += lines;
                    self.rest = skip;
                }
                Err(nom::Err::Incomplete(_)) => {
                    // Complete parsers never ask for more; treat it as the end of the data.
                    self.pending.push_back(Item::Error(LineError {
                        line: self.line_no,
                        column: 1,
                        message: "unexpected end of data".to_owned(),
                    }));
                    self.done = true;
                }
            }
        }
    }
}

fn split_first_line(text: &str) -> (&str, &str) {
    match text.find('\n') {
        Some(end) => (&text[..end], &text[end + 1..]),
        None => (text, ""),
    }
}

/// Skips the bad line and, if it ended with `\`, the continuation lines after it.
/// Returns the rest and the number of lines skipped.
fn skip_bad_line(mut rest: &str) -> (&str, usize) {
    let mut lines = 0;
    loop {
        let (this, after) = split_first_line(rest);
        lines += 1;
        rest = after;
        let continues = this.trim_end().ends_with('\\');
        let next_indented = rest.starts_with([' ', '\t']);
        if !(continues && next_indented) || rest.is_empty() {
            return (rest, lines);
        }
    }
}

/// Turns a grammar error into a line/column message.
fn locate(entry: &str, e: &grammar::GrammarError<'_>, entry_line: usize, whole: &str) -> LineError {
    let offset = entry.len().saturating_sub(e.at.len());
    let before = &entry[..offset];
    let line = entry_line + before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |p| p + 1);
    let column = before[line_start..].chars().count() + 1;
    let at_end = !e.at.contains('\n') && !whole.ends_with('\n');
    let message = if at_end {
        format!(
            "the file ends inside this line (truncated?); expected {}",
            e.expected
        )
    } else {
        let found: String =
            e.at.chars()
                .take_while(|c| *c != '\r' && *c != '\n')
                .take(24)
                .collect();
        if found.is_empty() {
            format!("expected {}", e.expected)
        } else {
            format!("expected {}, found '{found}'", e.expected)
        }
    };
    LineError {
        line,
        column,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_export_reads_whole() {
        let text = "Windows Registry Editor Version 5.00\r\n\r\n\
            [HKEY_LOCAL_MACHINE\\SOFTWARE\\caadoctor-test]\r\n\
            @=\"default value\"\r\n\
            \"None\"=hex(0):00,00\r\n\
            \"Multi\"=hex(7):61,00,00,00,62,00,00,00,00,00\r\n\
            \"Gone\"=-\r\n\r\n\
            [-HKEY_CURRENT_USER\\Software\\Old]\r\n\r\n";
        let f = parse(text);
        assert_eq!(f.errors, vec![]);
        assert_eq!(f.format, Format::V5);
        assert_eq!(f.keys.len(), 2);
        let k = &f.keys[0];
        assert_eq!(
            (k.line, k.path.as_str(), k.delete),
            (3, "HKEY_LOCAL_MACHINE\\SOFTWARE\\caadoctor-test", false)
        );
        let names: Vec<_> = k.values.iter().map(|v| (v.line, v.name.as_str())).collect();
        assert_eq!(names, vec![(4, ""), (5, "None"), (6, "Multi"), (7, "Gone")]);
        assert_eq!(
            k.values[2].data,
            Some(RegData::MultiString(vec!["a".into(), "b".into()]))
        );
        assert_eq!(k.values[3].data, None);
        assert!(f.keys[1].delete);
    }

    #[test]
    fn bad_lines_are_reported_and_skipped_with_their_continuations() {
        let text = "Windows Registry Editor Version 5.00\r\n\r\n\
            [HKEY_LOCAL_MACHINE\\X]\r\n\
            \"Bad\"=hex:zz,00,\\\r\n  00,00\r\n\
            \"Good\"=dword:00000001\r\n";
        let f = parse(text);
        assert_eq!(f.errors.len(), 1, "{:?}", f.errors);
        assert_eq!((f.errors[0].line, f.errors[0].column), (4, 11));
        assert_eq!(f.keys[0].values.len(), 1);
        assert_eq!(
            (f.keys[0].values[0].line, f.keys[0].values[0].name.as_str()),
            (6, "Good")
        );
    }

    #[test]
    fn a_truncated_file_says_so() {
        let text = "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\X]\r\n\"B\"=hex:00,01,\\\r\n  02,";
        let f = parse(text);
        assert_eq!(f.errors.len(), 1);
        assert_eq!(f.errors[0].line, 5);
        assert!(
            f.errors[0].message.contains("truncated"),
            "{}",
            f.errors[0].message
        );
        let text = "REGEDIT4\r\n\r\n[HKEY_LOCAL_MACHINE\\X]\r\n\"S\"=\"unterminated";
        let f = parse(text);
        assert_eq!(f.format, Format::Regedit4);
        assert!(f.errors[0].message.contains("truncated"));
    }

    #[test]
    fn commented_lines_are_read_and_listed() {
        let text = "Windows Registry Editor Version 5.00\r\n\r\n\
            ; WinHTTP TLS 1.2\r\n\
            [HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\WinHttp]\r\n\
            \"DefaultSecureProtocols\"=dword:00000A00  ; TLS1.1+1.2\r\n\
            # old value\r\n\
            \"Blob\"=hex:01,\\ ; wrapped\r\n  02\r\n\
            \"Next\"=\"a;b\"\r\n";
        let f = parse(text);
        assert_eq!(f.errors, vec![]);
        assert_eq!(f.comments, vec![3, 5, 6, 7]);
        let values: Vec<_> = f.keys[0]
            .values
            .iter()
            .map(|v| (v.line, v.name.as_str(), v.data.clone()))
            .collect();
        assert_eq!(
            values,
            vec![
                (5, "DefaultSecureProtocols", Some(RegData::Dword(0xa00))),
                (7, "Blob", Some(RegData::Binary(vec![1, 2]))),
                (9, "Next", Some(RegData::String("a;b".into()))),
            ]
        );
    }

    #[test]
    fn regedit4_strings_are_ansi() {
        let f = parse("REGEDIT4\n\n[HKEY_CURRENT_USER\\X]\n\"P\"=hex(2):25,41,25,00\n");
        assert_eq!(
            f.keys[0].values[0].data,
            Some(RegData::ExpandString("%A%".into()))
        );
    }

    #[test]
    fn a_missing_header_is_an_error_but_the_rest_is_read() {
        let f = parse("[HKEY_CURRENT_USER\\X]\n\"A\"=dword:1\n");
        assert_eq!(f.errors[0].line, 1);
        // The key on line 1 was taken as the header line and is lost; the value has no key.
        assert_eq!(f.errors.len(), 2);
    }
}
