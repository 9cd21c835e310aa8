//! Parses what `reg query KEY` prints: the key, its values one per line, then (without
//! `/s`) the names of its subkeys; with `/s`, every subkey as a block of its own.
//!
//! ```text
//!
//! HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\EventLog
//!     DisplayName    REG_SZ    @%SystemRoot%\system32\wevtsvc.dll,-200
//!     ImagePath    REG_EXPAND_SZ    %SystemRoot%\System32\svchost.exe -k LocalServiceNetworkRestricted -p
//!     Start    REG_DWORD    0x2
//!
//! HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\EventLog\Application
//! HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\EventLog\Security
//! ```
//!
//! A value line is four spaces, the name, four spaces, the type, four spaces and the data,
//! in every language (the type names are never translated; names may hold spaces, so the
//! line is split at its type). REG_DWORD and REG_QWORD are `0x` hex, REG_BINARY and the
//! other binary types bare hex, REG_MULTI_SZ its strings joined by a literal `\0`. The
//! default value's name is a localized word in parentheses (`(Default)`, `(Standard)`).
//!
//! Which keys are *complete* (every value listed), when the command was a plain `reg query
//! KEY` (the collector's; `/v NAME` and `/ve` print one value and look the same, so only the
//! caller, who knows the command, can say): the queried key, the first one, always; with
//! `/s`, every key; without it, the keys after the first are names only. The two are told
//! apart by whether any later key has values; when none has, the later keys are taken as
//! names only, which claims less.

use super::reg::{KeyBlock, LineError, RegData, ValueLine};

/// A parsed `reg query` output.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RegQuery {
    /// Keys with their values, in output order.
    pub keys: Vec<QueryKey>,
    pub errors: Vec<LineError>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryKey {
    pub block: KeyBlock,
    /// Every value of the key is listed: a value missing here is not set.
    pub complete: bool,
}

/// The default value's label in the languages reg.exe speaks (the name of the unnamed value),
/// compared without case. From real outputs (`tests/fixtures/real/reg-query`) for English,
/// German, French, Chinese and Russian; the others from Windows' own translations.
const DEFAULT_NAMES: &[&str] = &[
    "(Default)",
    "(Standard)",
    "(par défaut)",
    "(Predeterminado)",
    "(Predefinito)",
    "(Padrão)",
    "(Domyślny)",
    "(Varsayılan)",
    "(По умолчанию)",
    "(既定)",
    "(默认)",
    "(預設)",
    "(기본값)",
    "(Standaard)",
    "(Výchozí)",
];

/// The roots `reg query` prints in full.
const ROOTS: &[&str] = &[
    "HKEY_LOCAL_MACHINE",
    "HKEY_CURRENT_USER",
    "HKEY_USERS",
    "HKEY_CLASSES_ROOT",
    "HKEY_CURRENT_CONFIG",
];

/// A key line: a registry path at the start of a line.
fn key_line(line: &str) -> Option<&str> {
    let t = line.trim_end();
    let root = t.split('\\').next()?;
    ROOTS
        .iter()
        .any(|r| r.eq_ignore_ascii_case(root))
        .then_some(t)
}

/// True when the text looks like `reg query` output: a key line followed by value lines
/// or by other key lines under it. Cheap, for classification.
pub fn looks_like_reg_query(text: &str) -> bool {
    let mut lines = text
        .lines()
        .map(|l| l.trim_start_matches('\u{feff}'))
        .filter(|l| !l.trim().is_empty());
    let Some(first) = lines.next().and_then(key_line) else {
        return false;
    };
    match lines.next() {
        Some(next) => {
            split_value(next).is_some()
                || key_line(next).is_some_and(|k| {
                    k.len() > first.len()
                        && k[..first.len()].eq_ignore_ascii_case(first)
                        && k[first.len()..].starts_with('\\')
                })
        }
        None => false,
    }
}

/// `    Name    REG_TYPE    data` → (name, type, data).
fn split_value(line: &str) -> Option<(&str, &str, &str)> {
    let body = line.strip_prefix("    ")?;
    // The type is the first `    REG_` field: names may hold spaces but not that.
    let at = body.find("    REG_")?;
    let name = &body[..at];
    let rest = &body[at + 4..];
    let (ty, data) = match rest.find("    ") {
        Some(i) => (&rest[..i], &rest[i + 4..]),
        None => (rest.trim_end(), ""),
    };
    let ty = ty.trim_end();
    ty.bytes()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        .then_some((name, ty, data.trim_end_matches(['\r', '\n'])))
}

fn hex_bytes(s: &str) -> Option<Vec<u8>> {
    let s = s.trim();
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

fn hex_number(s: &str) -> Option<u64> {
    let s = s.trim();
    let h = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X"))?;
    u64::from_str_radix(h, 16).ok()
}

/// Types the data of one value line; the error says what was expected.
fn data(ty: &str, raw: &str) -> Result<RegData, String> {
    let number = || hex_number(raw).ok_or_else(|| format!("expected 0x hex for {ty}, got {raw:?}"));
    let bytes =
        || hex_bytes(raw).ok_or_else(|| format!("expected hex bytes for {ty}, got {raw:?}"));
    Ok(match ty {
        "REG_SZ" => RegData::String(raw.to_owned()),
        "REG_EXPAND_SZ" => RegData::ExpandString(raw.to_owned()),
        "REG_MULTI_SZ" => RegData::MultiString(if raw.is_empty() {
            Vec::new()
        } else {
            raw.split("\\0").map(str::to_owned).collect()
        }),
        "REG_DWORD" => RegData::Dword(
            u32::try_from(number()?).map_err(|_| format!("{raw} is too large for REG_DWORD"))?,
        ),
        "REG_DWORD_BIG_ENDIAN" => RegData::DwordBigEndian(
            u32::try_from(number()?).map_err(|_| format!("{raw} is too large for a DWORD"))?,
        ),
        "REG_QWORD" => RegData::Qword(number()?),
        "REG_BINARY" => RegData::Binary(bytes()?),
        "REG_NONE" => RegData::None(bytes()?),
        "REG_LINK" => RegData::Other {
            kind: 6,
            bytes: raw.encode_utf16().flat_map(u16::to_le_bytes).collect(),
        },
        "REG_RESOURCE_LIST" => RegData::Other {
            kind: 8,
            bytes: bytes()?,
        },
        "REG_FULL_RESOURCE_DESCRIPTOR" => RegData::Other {
            kind: 9,
            bytes: bytes()?,
        },
        "REG_RESOURCE_REQUIREMENTS_LIST" => RegData::Other {
            kind: 10,
            bytes: bytes()?,
        },
        other => return Err(format!("unknown value type {other}")),
    })
}

/// Parses numbered lines (line numbers from 1, as the decoder gives them).
pub fn parse(lines: &[(usize, &str)]) -> RegQuery {
    let mut out = RegQuery::default();
    for &(no, raw) in lines {
        let line = raw.trim_start_matches('\u{feff}').trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        if let Some(path) = key_line(line) {
            out.keys.push(QueryKey {
                block: KeyBlock {
                    line: no,
                    path: path.to_owned(),
                    delete: false,
                    values: Vec::new(),
                },
                complete: false,
            });
            continue;
        }
        let Some(key) = out.keys.last_mut() else {
            // Text before the first key: an error message (a missing key, no access).
            out.errors.push(LineError {
                line: no,
                column: 1,
                message: format!("not a registry key or value: {:?}", truncate(line)),
            });
            continue;
        };
        match split_value(line) {
            Some((name, ty, raw)) => match data(ty, raw) {
                Ok(d) => {
                    let folded = name.to_lowercase();
                    let name = if DEFAULT_NAMES.iter().any(|n| n.to_lowercase() == folded) {
                        ""
                    } else {
                        name
                    };
                    key.block.values.push(ValueLine {
                        line: no,
                        name: name.to_owned(),
                        data: Some(d),
                    })
                }
                Err(message) => out.errors.push(LineError {
                    line: no,
                    // Where the data starts: four spaces, name, four, type, four.
                    column: 4 + name.chars().count() + 4 + ty.len() + 4 + 1,
                    message,
                }),
            },
            None => out.errors.push(LineError {
                line: no,
                column: 1,
                message: format!(
                    "expected '    name    REG_TYPE    data', got {:?}",
                    truncate(line)
                ),
            }),
        }
    }
    let recursive = out.keys.iter().skip(1).any(|k| !k.block.values.is_empty());
    for (i, k) in out.keys.iter_mut().enumerate() {
        k.complete = i == 0 || recursive;
    }
    out
}

fn truncate(s: &str) -> String {
    s.chars().take(80).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::numbered;

    /// Wine 8.0's `reg query` of a key with every common type (Wine copies Windows' layout).
    const WINE: &str = "\r\nHKEY_CURRENT_USER\\caadoctor-test\\Svc\r\n    (Default)    REG_SZ    def\r\n    Bin    REG_BINARY    0102FF\r\n    Empty    REG_SZ    \r\n    Exp    REG_EXPAND_SZ    %SystemRoot%\\x\r\n    Multi    REG_MULTI_SZ    a\\0b\r\n    Start    REG_DWORD    0x2\r\n\r\nHKEY_CURRENT_USER\\caadoctor-test\\Svc\\Sub1\r\nHKEY_CURRENT_USER\\caadoctor-test\\Svc\\Sub2\r\n";

    #[test]
    fn values_of_every_type_and_subkey_names() {
        assert!(looks_like_reg_query(WINE));
        let q = parse(&numbered(WINE));
        assert!(q.errors.is_empty(), "{:?}", q.errors);
        assert_eq!(q.keys.len(), 3);
        let root = &q.keys[0];
        assert!(root.complete);
        assert_eq!(root.block.line, 2);
        let v = |name: &str| {
            root.block
                .values
                .iter()
                .find(|v| v.name == name)
                .and_then(|v| v.data.clone())
        };
        assert_eq!(v(""), Some(RegData::String("def".into())));
        assert_eq!(v("Bin"), Some(RegData::Binary(vec![1, 2, 0xff])));
        assert_eq!(v("Empty"), Some(RegData::String(String::new())));
        assert_eq!(
            v("Exp"),
            Some(RegData::ExpandString("%SystemRoot%\\x".into()))
        );
        assert_eq!(
            v("Multi"),
            Some(RegData::MultiString(vec!["a".into(), "b".into()]))
        );
        assert_eq!(v("Start"), Some(RegData::Dword(2)));
        // Without /s the subkeys are names only.
        assert!(!q.keys[1].complete && q.keys[1].block.values.is_empty());
    }

    #[test]
    fn with_s_every_key_is_complete() {
        let text = "\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\X\r\n    A    REG_DWORD    0x1\r\n\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\X\\Y\r\n    Big    REG_QWORD    0x100000000\r\n    Two words    REG_SZ    a    b\r\n\r\n";
        let q = parse(&numbered(text));
        assert!(q.errors.is_empty(), "{:?}", q.errors);
        assert!(q.keys.iter().all(|k| k.complete));
        let y = &q.keys[1].block.values;
        assert_eq!(y[0].data, Some(RegData::Qword(0x1_0000_0000)));
        // A name with spaces; data with four spaces inside.
        assert_eq!(y[1].name, "Two words");
        assert_eq!(y[1].data, Some(RegData::String("a    b".into())));
    }

    #[test]
    fn errors_say_where_and_the_rest_is_read() {
        let text = "ERROR: The system was unable to find the specified registry key or value.\r\n";
        let q = parse(&numbered(text));
        assert!(q.keys.is_empty());
        assert_eq!(q.errors.len(), 1);
        assert!(!looks_like_reg_query(text));

        let text = "\r\nHKEY_LOCAL_MACHINE\\X\r\n    A    REG_DWORD    banana\r\n    B    REG_DWORD    0x5\r\n    (Standard)    REG_SZ    x\r\n";
        let q = parse(&numbered(text));
        assert_eq!(q.errors.len(), 1);
        assert_eq!(q.errors[0].line, 3);
        assert!(q.errors[0].message.contains("0x hex"), "{:?}", q.errors);
        assert_eq!(q.keys[0].block.values.len(), 2);
        assert_eq!(q.keys[0].block.values[1].name, "", "German default value");
        // Too large for a DWORD: an error, not a wrap.
        let q = parse(&numbered(
            "HKEY_LOCAL_MACHINE\\X\r\n    A    REG_DWORD    0x100000000\r\n",
        ));
        assert_eq!(q.errors.len(), 1);
    }

    #[test]
    fn not_reg_query() {
        assert!(!looks_like_reg_query(
            "Windows Registry Editor Version 5.00\r\n"
        ));
        assert!(!looks_like_reg_query("HKEY_LOCAL_MACHINE\\X\r\n"));
        assert!(!looks_like_reg_query(
            "HKEY_LOCAL_MACHINE\\X\r\nHKEY_LOCAL_MACHINE\\Y\r\n"
        ));
        assert!(looks_like_reg_query(
            "HKEY_LOCAL_MACHINE\\X\r\nHKEY_LOCAL_MACHINE\\X\\Y\r\n"
        ));
    }
}
