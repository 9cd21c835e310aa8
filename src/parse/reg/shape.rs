//! Whether a `.reg` file is a whole export of one key — what `reg export KEY` and regedit's
//! File > Export write — or anything else: a file written or edited by hand, a tweak.
//!
//! Only a whole export speaks for what it leaves out (a subkey or value it lacks is not on
//! the machine). The shape, taken from the exports in the team corpus (Wine's `reg.exe`,
//! which copies Windows' layout) and the collector's samples:
//!
//! 1. `Windows Registry Editor Version 5.00` in UTF-16LE with a BOM: reg.exe and regedit
//!    write version 5 files no other way. A `REGEDIT4` file is never taken for an export:
//!    regedit can still write one, but it is also what people type, and nothing in the text
//!    tells the two apart.
//! 2. Their layout: CRLF line ends; the header and one empty line; then for each key its
//!    `[KEY]` line, its values (wrapped hex continued after two spaces) and one empty line,
//!    the file ending with that empty line. No comment, no indentation, no other blank line.
//! 3. The first key is the root and every later key a subkey of one listed before it (the
//!    export walks the tree depth first), no key or value name twice.
//! 4. No deletion (`[-KEY]`, `"name"=-`) and no line that could not be read.
//!
//! A file a person saved in UTF-16 with exactly this layout passes; a Notepad edit usually
//! loses the final empty line. A wrong "partial" only costs inferences (unknown instead of a
//! default); a wrong "export" would invent defaults, so the rule leans to "partial".

use super::{HEADER_V5, Item, RegFile};
use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};

/// What a `.reg` file speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// A whole export of `root` and its subkeys.
    WholeExport { root: String },
    /// Anything else, and the first reason it is not a whole export.
    Partial { why: &'static str },
}

/// The shape of a parsed file. `text` is the decoded text without its BOM; `utf16le_bom`
/// says whether the bytes were UTF-16LE with a BOM.
pub fn shape(text: &str, file: &RegFile, utf16le_bom: bool) -> Shape {
    let mut seen = Seen::default();
    for key in &file.keys {
        seen.item(&super::Item::Key {
            line: key.line,
            path: &key.path,
            delete: key.delete,
        });
        for v in &key.values {
            seen.item(&super::Item::Value(v.clone()));
        }
    }
    for line in &file.comments {
        seen.item(&super::Item::Comment(*line));
    }
    if !file.errors.is_empty() {
        seen.errors = true;
    }
    seen.shape(text, utf16le_bom)
}

/// What the shape rules need of a file's items, gathered as they stream by: whether it
/// deletes, comments or has bad lines, and rule 3 on its keys (each key kept as a hash of
/// its lower-case path, so a file of a million keys costs a few MiB here).
#[derive(Debug, Default)]
pub struct Seen {
    deletes: bool,
    comments: bool,
    errors: bool,
    root: Option<String>,
    keys: HashSet<u64>,
    /// Value names of the current key.
    names: HashSet<u64>,
    /// The current key appeared before: said once its values are seen (a value set twice
    /// is the reason given first).
    key_again: bool,
    not_a_tree: Option<&'static str>,
}

const NOT_UTF16: &str = "it is not UTF-16 with a BOM, as reg export and regedit write";

/// Values of one key whose names are checked; a key with more is not from an export (and
/// checking it would cost memory in proportion).
const MAX_VALUES_PER_KEY: usize = 65_536;

fn hashed(text: &str) -> u64 {
    let mut h = DefaultHasher::new();
    text.hash(&mut h);
    h.finish()
}

impl Seen {
    /// For a file whose bytes were UTF-16LE with a BOM or not: only such a file can be a
    /// whole export, so for any other the keys are not tracked.
    pub fn new(utf16le_bom: bool) -> Seen {
        Seen {
            not_a_tree: (!utf16le_bom).then_some(NOT_UTF16),
            ..Seen::default()
        }
    }

    /// Takes one item of the file.
    pub fn item(&mut self, item: &Item<'_>) {
        match item {
            Item::Key { path, delete, .. } => {
                self.deletes |= *delete;
                self.end_key();
                if self.not_a_tree.is_some() {
                    self.keys = HashSet::new();
                    return;
                }
                let folded = path.to_lowercase();
                if self.root.is_none() {
                    self.root = Some((*path).to_owned());
                } else {
                    let parent = folded.rfind('\\').map(|at| &folded[..at]);
                    if !parent.is_some_and(|p| self.keys.contains(&hashed(p))) {
                        self.not_a_tree =
                            Some("its keys are not one key and its subkeys in export order");
                        return;
                    }
                }
                self.key_again = !self.keys.insert(hashed(&folded));
            }
            Item::Value(v) => {
                self.deletes |= v.data.is_none();
                if self.not_a_tree.is_some() {
                } else if self.names.len() >= MAX_VALUES_PER_KEY {
                    self.not_a_tree = Some("a key has more values than any export holds");
                    self.names = HashSet::new();
                } else if !self.names.insert(hashed(&v.name.to_lowercase())) {
                    self.not_a_tree = Some("a key sets the same value twice");
                }
            }
            Item::Comment(_) => self.comments = true,
            Item::Error(_) => self.errors = true,
        }
    }

    fn end_key(&mut self) {
        if self.key_again && self.not_a_tree.is_none() {
            self.not_a_tree = Some("a key appears twice");
        }
        self.key_again = false;
        self.names.clear();
    }

    /// The file's shape, once every item has been seen. `text` is the decoded text without
    /// its BOM; `utf16le_bom` says whether the bytes were UTF-16LE with a BOM.
    pub fn shape(&mut self, text: &str, utf16le_bom: bool) -> Shape {
        self.end_key();
        match self.whole_export(text, utf16le_bom) {
            Ok(()) => match &self.root {
                Some(root) => Shape::WholeExport { root: root.clone() },
                None => Shape::Partial {
                    why: "it has no key",
                },
            },
            Err(why) => Shape::Partial { why },
        }
    }

    fn whole_export(&self, text: &str, utf16le_bom: bool) -> Result<(), &'static str> {
        if self.deletes {
            return Err("it deletes keys or values");
        }
        if self.comments {
            return Err("it has comments");
        }
        if self.errors {
            return Err("some of its lines could not be read");
        }
        if !utf16le_bom {
            return Err(NOT_UTF16);
        }
        laid_out_as_export(text)?;
        if self.root.is_none() {
            return Err("it has no key");
        }
        self.not_a_tree.map_or(Ok(()), Err)
    }
}

/// Rule 2, on the text itself.
fn laid_out_as_export(text: &str) -> Result<(), &'static str> {
    if text.matches('\n').count() != text.matches("\r\n").count() {
        return Err("its lines do not all end in CR LF");
    }
    let Some(body) = text.strip_suffix("\r\n\r\n") else {
        return Err("it does not end with the empty line reg export writes after each key");
    };
    let mut lines = body.split("\r\n");
    if lines.next() != Some(HEADER_V5) || lines.next() != Some("") {
        return Err("its header is not the version 5 line followed by one empty line");
    }
    let mut in_key = false;
    for line in lines {
        in_key = match (line.as_bytes().first(), in_key) {
            (Some(b'['), false) => true,
            (None, true) => false,
            (Some(b'"' | b'@'), true) => true,
            (Some(b' '), true) if is_continuation(line) => true,
            (Some(b'['), true) => return Err("a key follows values without an empty line"),
            (None, false) => return Err("it has empty lines where reg export writes none"),
            _ => return Err("it has lines reg export does not write (indented or stray text)"),
        };
    }
    if in_key { Ok(()) } else { Err("it has no key") }
}

/// Wrapped hex as reg export writes it: two spaces, then bytes.
fn is_continuation(line: &str) -> bool {
    line.strip_prefix("  ")
        .and_then(|rest| rest.chars().next())
        .is_some_and(|c| c.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;

    const EXPORT: &str = "Windows Registry Editor Version 5.00\r\n\r\n\
        [HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\NlaSvc]\r\n\
        \"Start\"=dword:00000002\r\n\
        \"RequiredPrivileges\"=hex(7):53,00,65,00,00,00,\\\r\n  00,00\r\n\r\n\
        [HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\NlaSvc\\Parameters]\r\n\r\n\
        [HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\NlaSvc\\Parameters\\Internet]\r\n\
        \"EnableActiveProbing\"=dword:00000001\r\n\r\n";

    #[test]
    fn an_export_is_whole() {
        let file = parse(EXPORT);
        assert_eq!(
            shape(EXPORT, &file, true),
            Shape::WholeExport {
                root: "HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\NlaSvc".to_owned()
            }
        );
    }

    #[test]
    fn anything_else_is_partial_and_says_why() {
        let why = |text: &str, utf16| match shape(text, &parse(text), utf16) {
            Shape::Partial { why } => why,
            Shape::WholeExport { root } => panic!("taken for an export of {root}"),
        };
        assert!(why(EXPORT, false).contains("UTF-16"));
        assert!(why(&EXPORT.replace("\r\n", "\n"), true).contains("CR LF"));
        // Saved again by hand: the last empty line is gone.
        assert!(why(&EXPORT[..EXPORT.len() - 2], true).contains("empty line"));
        assert!(why(&EXPORT.replace("\"Start\"", "; set\r\n\"Start\""), true).contains("comments"));
        assert!(
            why(
                &EXPORT.replace("dword:00000002", "dword:00000002 ; auto"),
                true
            )
            .contains("comments")
        );
        assert!(
            why(
                &EXPORT.replace("\"Start\"=dword:00000002", "\"Start\"=-"),
                true
            )
            .contains("deletes")
        );
        assert!(why(&EXPORT.replace("\\Parameters]", "\\Other]"), true).contains("export order"));
        assert!(why(&EXPORT.replace("\r\n\r\n[", "\r\n\r\n\r\n["), true).contains("empty lines"));
        assert!(why(&EXPORT.replace("\"Start\"", "  \"Start\""), true).contains("indented"));
        let v4 = EXPORT.replace("Windows Registry Editor Version 5.00", "REGEDIT4");
        assert!(why(&v4, true).contains("header"));
    }
}
