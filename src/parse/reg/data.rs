//! Registry value data, typed from what a `.reg` line spells.
//!
//! `reg export` spells REG_SZ as a quoted string, REG_DWORD as `dword:`, REG_BINARY as
//! `hex:` and every other type as `hex(N):` followed by the raw bytes, which for the string
//! types are UTF-16LE (in `REGEDIT4` files: the ANSI code page).

use crate::decode::CodePage;
use serde::Serialize;
use std::fmt;

/// Typed data of one registry value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum RegData {
    /// REG_SZ (a quoted string, or `hex(1)`).
    String(String),
    /// REG_EXPAND_SZ, `hex(2)`.
    ExpandString(String),
    /// REG_MULTI_SZ, `hex(7)`.
    MultiString(Vec<String>),
    /// REG_DWORD, `dword:` or `hex(4)`.
    Dword(u32),
    /// REG_DWORD_BIG_ENDIAN, `hex(5)`.
    DwordBigEndian(u32),
    /// REG_QWORD, `hex(b)`.
    Qword(u64),
    /// REG_BINARY, `hex:` or `hex(3)`.
    Binary(Vec<u8>),
    /// REG_NONE, `hex(0)`.
    None(Vec<u8>),
    /// Any other type number, or a typed value whose bytes do not fit its type.
    Other { kind: u32, bytes: Vec<u8> },
}

/// How the string types inside `hex(N)` are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StringBytes {
    /// `Windows Registry Editor Version 5.00`: UTF-16LE.
    Utf16,
    /// `REGEDIT4`: the ANSI code page of the machine that wrote it.
    Ansi(CodePage),
}

impl RegData {
    /// Types `hex(kind):` bytes. `kind` is `None` for plain `hex:` (REG_BINARY).
    pub fn from_hex(kind: Option<u32>, bytes: Vec<u8>, strings: StringBytes) -> RegData {
        match kind {
            None | Some(3) => RegData::Binary(bytes),
            Some(0) => RegData::None(bytes),
            Some(1) => RegData::String(first_string(&bytes, strings)),
            Some(2) => RegData::ExpandString(first_string(&bytes, strings)),
            Some(7) => RegData::MultiString(multi_string(&bytes, strings)),
            Some(4) if bytes.len() == 4 => {
                RegData::Dword(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
            }
            Some(5) if bytes.len() == 4 => RegData::DwordBigEndian(u32::from_be_bytes([
                bytes[0], bytes[1], bytes[2], bytes[3],
            ])),
            Some(11) if bytes.len() == 8 => {
                let mut b = [0u8; 8];
                b.copy_from_slice(&bytes);
                RegData::Qword(u64::from_le_bytes(b))
            }
            Some(kind) => RegData::Other { kind, bytes },
        }
    }

    /// The registry type name, for evidence.
    pub fn type_name(&self) -> &'static str {
        match self {
            RegData::String(_) => "REG_SZ",
            RegData::ExpandString(_) => "REG_EXPAND_SZ",
            RegData::MultiString(_) => "REG_MULTI_SZ",
            RegData::Dword(_) => "REG_DWORD",
            RegData::DwordBigEndian(_) => "REG_DWORD_BIG_ENDIAN",
            RegData::Qword(_) => "REG_QWORD",
            RegData::Binary(_) => "REG_BINARY",
            RegData::None(_) => "REG_NONE",
            RegData::Other { .. } => "REG_?",
        }
    }

    /// The value as a number, for DWORD/QWORD data (and, leniently, a decimal string).
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            RegData::Dword(v) | RegData::DwordBigEndian(v) => Some(u64::from(*v)),
            RegData::Qword(v) => Some(*v),
            RegData::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// The value as text, for the string types.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            RegData::String(s) | RegData::ExpandString(s) => Some(s),
            _ => None,
        }
    }

    /// The raw bytes of binary-ish data.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            RegData::Binary(b) | RegData::None(b) | RegData::Other { bytes: b, .. } => Some(b),
            _ => None,
        }
    }
}

/// Evidence form: what the engineer would see in the `.reg` file, shortened when long.
impl fmt::Display for RegData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegData::String(s) => write!(f, "{s:?}"),
            RegData::ExpandString(s) => write!(f, "hex(2) {s:?}"),
            RegData::MultiString(v) => write!(f, "hex(7) {v:?}"),
            RegData::Dword(v) => write!(f, "dword:{v:08x} ({v})"),
            RegData::DwordBigEndian(v) => write!(f, "hex(5) {v:#x} ({v})"),
            RegData::Qword(v) => write!(f, "hex(b) {v:#x} ({v})"),
            RegData::Binary(b) => write_hex(f, "hex", b),
            RegData::None(b) => write_hex(f, "hex(0)", b),
            RegData::Other { kind, bytes } => write_hex(f, &format!("hex({kind:x})"), bytes),
        }
    }
}

fn write_hex(f: &mut fmt::Formatter<'_>, tag: &str, bytes: &[u8]) -> fmt::Result {
    const SHOWN: usize = 32;
    write!(f, "{tag}:")?;
    for (i, b) in bytes.iter().take(SHOWN).enumerate() {
        if i > 0 {
            f.write_str(",")?;
        }
        write!(f, "{b:02x}")?;
    }
    if bytes.len() > SHOWN {
        write!(f, ",… ({} bytes)", bytes.len())?;
    }
    Ok(())
}

fn decode_units(bytes: &[u8], strings: StringBytes) -> String {
    match strings {
        StringBytes::Utf16 => {
            let units = bytes
                .chunks_exact(2)
                .map(|p| u16::from_le_bytes([p[0], p[1]]));
            char::decode_utf16(units)
                .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
                .collect()
        }
        StringBytes::Ansi(page) => page.decode(bytes),
    }
}

/// REG_SZ / REG_EXPAND_SZ: the text up to the first NUL (the terminator).
fn first_string(bytes: &[u8], strings: StringBytes) -> String {
    let text = decode_units(bytes, strings);
    match text.find('\0') {
        Some(end) => text[..end].to_owned(),
        None => text,
    }
}

/// REG_MULTI_SZ: NUL-separated strings ending in an empty one.
fn multi_string(bytes: &[u8], strings: StringBytes) -> Vec<String> {
    let text = decode_units(bytes, strings);
    let body = text
        .strip_suffix("\0\0")
        .or(text.strip_suffix('\0'))
        .unwrap_or(&text);
    if body.is_empty() {
        return Vec::new();
    }
    body.split('\0').map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16z(parts: &[&str]) -> Vec<u8> {
        let mut out = Vec::new();
        for p in parts {
            out.extend(p.encode_utf16().flat_map(u16::to_le_bytes));
            out.extend([0, 0]);
        }
        out
    }

    #[test]
    fn string_types_decode_from_utf16() {
        let b = utf16z(&["%SystemRoot%\\x.exe"]);
        assert_eq!(
            RegData::from_hex(Some(2), b, StringBytes::Utf16),
            RegData::ExpandString("%SystemRoot%\\x.exe".into())
        );
        let mut b = utf16z(&["a", "bc"]);
        b.extend([0, 0]);
        assert_eq!(
            RegData::from_hex(Some(7), b, StringBytes::Utf16),
            RegData::MultiString(vec!["a".into(), "bc".into()])
        );
        assert_eq!(
            RegData::from_hex(Some(7), vec![0, 0], StringBytes::Utf16),
            RegData::MultiString(vec![])
        );
        assert_eq!(
            RegData::from_hex(
                Some(2),
                b"ab\0".to_vec(),
                StringBytes::Ansi(CodePage::Windows1252)
            ),
            RegData::ExpandString("ab".into())
        );
    }

    #[test]
    fn numbers_need_the_right_length() {
        let q = RegData::from_hex(
            Some(11),
            vec![0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11],
            StringBytes::Utf16,
        );
        assert_eq!(q, RegData::Qword(0x1122334455667788));
        assert_eq!(
            RegData::from_hex(Some(4), vec![1, 0, 0, 0], StringBytes::Utf16),
            RegData::Dword(1)
        );
        assert_eq!(
            RegData::from_hex(Some(5), vec![0, 0, 0, 1], StringBytes::Utf16),
            RegData::DwordBigEndian(1)
        );
        assert_eq!(
            RegData::from_hex(Some(4), vec![1], StringBytes::Utf16),
            RegData::Other {
                kind: 4,
                bytes: vec![1]
            }
        );
    }

    #[test]
    fn display_is_short_and_familiar() {
        assert_eq!(RegData::Dword(0xa80).to_string(), "dword:00000a80 (2688)");
        let long = RegData::Binary(vec![0; 40]);
        assert!(long.to_string().ends_with(",… (40 bytes)"));
    }
}
