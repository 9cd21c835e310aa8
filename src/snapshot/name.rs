//! Entry names as the snapshot gives them, made safe and uniform.
//!
//! PowerShell 5.1's `Compress-Archive` writes `\` separators, users add `./` prefixes and
//! archivers differ in case. A name becomes a `/`-separated relative path; a name that is
//! absolute or climbs out with `..` is refused (the caller records a problem and skips it).
//! A zip entry's name is UTF-8 when the entry says so (the language encoding flag, bit 11,
//! which the `zip` crate also sets when an Info-ZIP Unicode Path field gives the name), and
//! CP437 otherwise, as the zip specification says: Windows' compressed folders write names
//! without the flag.

use crate::decode::CodePage;
use std::fmt;

/// The general purpose flag bit that says an entry's name is UTF-8.
const UTF8_FLAG: u16 = 1 << 11;

/// The text of a zip entry's raw name, given the entry's general purpose flags.
pub fn decode_zip_name(raw: &[u8], flags: u16) -> String {
    if flags & UTF8_FLAG != 0 {
        String::from_utf8_lossy(raw).into_owned()
    } else {
        CodePage::Oem437.decode(raw)
    }
}

/// Why an entry name was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameError {
    Empty,
    Absolute,
    EscapesRoot,
    ControlCharacter,
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NameError::Empty => "the name is empty",
            NameError::Absolute => "the name is an absolute path",
            NameError::EscapesRoot => "the name climbs out of the archive with '..'",
            NameError::ControlCharacter => "the name contains a control character",
        })
    }
}

/// Turns a raw entry name into a relative `/`-separated path.
///
/// `a\b\c.reg`, `./a/b/c.reg` and `a//b/./c.reg` all become `a/b/c.reg`. Case is kept (it is
/// shown to the engineer); comparisons elsewhere fold case. `a/../b` is allowed as long as it
/// never climbs above the root, the way `zip`'s `enclosed_name` treats it.
pub fn normalize(raw: &str) -> Result<String, NameError> {
    if raw.chars().any(|c| c.is_control()) {
        return Err(NameError::ControlCharacter);
    }
    let unified = raw.replace('\\', "/");
    if unified.trim().is_empty() {
        return Err(NameError::Empty);
    }
    if unified.starts_with('/') || has_drive_prefix(&unified) {
        return Err(NameError::Absolute);
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in unified.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(NameError::EscapesRoot);
                }
            }
            p => parts.push(p),
        }
    }
    if parts.is_empty() {
        return Err(NameError::Empty);
    }
    Ok(parts.join("/"))
}

/// `C:` or `c:/...`: a Windows drive, which is absolute whatever follows.
fn has_drive_prefix(name: &str) -> bool {
    let b = name.as_bytes();
    b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_separators_and_dot_prefixes_become_one_form() {
        assert_eq!(
            normalize(r"snap\registry\os.reg").unwrap(),
            "snap/registry/os.reg"
        );
        assert_eq!(
            normalize("./snap//registry/./os.reg").unwrap(),
            "snap/registry/os.reg"
        );
        assert_eq!(normalize("a/b/../c.reg").unwrap(), "a/c.reg");
    }

    #[test]
    fn zip_names_are_utf8_only_when_flagged() {
        // "Übersicht" in UTF-8 with the flag; the same bytes without it are CP437.
        let utf8 = "Übersicht.txt".as_bytes();
        assert_eq!(decode_zip_name(utf8, UTF8_FLAG), "Übersicht.txt");
        assert_eq!(decode_zip_name(utf8, 0), "├£bersicht.txt");
        // CP437 0x9A is "Ü".
        assert_eq!(decode_zip_name(b"\x9abersicht.txt", 0), "Übersicht.txt");
        assert_eq!(
            decode_zip_name(b"\x9abersicht.txt", UTF8_FLAG),
            "\u{fffd}bersicht.txt"
        );
    }

    #[test]
    fn escaping_and_absolute_names_are_refused() {
        assert_eq!(normalize(r"..\..\evil.reg"), Err(NameError::EscapesRoot));
        assert_eq!(normalize("a/../../evil.reg"), Err(NameError::EscapesRoot));
        assert_eq!(normalize("/etc/passwd"), Err(NameError::Absolute));
        assert_eq!(normalize(r"\\server\share\x"), Err(NameError::Absolute));
        assert_eq!(normalize(r"C:\Windows\x.reg"), Err(NameError::Absolute));
        assert_eq!(normalize("c:x.reg"), Err(NameError::Absolute));
        assert_eq!(normalize("./"), Err(NameError::Empty));
        assert_eq!(normalize("a\0b"), Err(NameError::ControlCharacter));
    }
}
