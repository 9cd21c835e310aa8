//! Turns an artifact's bytes into text, whatever Windows wrote them in.
//!
//! `reg export` and PowerShell 5.1's `Out-File` write UTF-16LE with a BOM, PowerShell 7
//! writes UTF-8, `Set-Content` the ANSI code page (1252, 1250, 1251, 932, ...) and console
//! tools redirected by `cmd` the OEM code page (437, 850, 852, 857, 866, 932, 936, 949,
//! ...). Order of decisions: BOM, UTF-16 without BOM (by the pattern of zero bytes), strict
//! UTF-8, then a legacy code page: the OEM or ANSI page the collector's manifest names if
//! any, else the one whose decoding reads most like text ([`Text::guessed`] says so). Line
//! endings are left alone; [`Text::lines`] strips the CR of CRLF.

mod codepage;
mod guess;

pub use codepage::CodePage;
use serde::Serialize;
use std::fmt;

/// The encoding a text artifact was found to be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf8Bom,
    Utf16leBom,
    Utf16beBom,
    Utf16le,
    Utf16be,
    /// A legacy code page: `windows-1252`, `cp850`, `cp932`, ...
    Legacy(CodePage),
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Encoding::Utf8 => f.write_str("utf-8"),
            Encoding::Utf8Bom => f.write_str("utf-8 (bom)"),
            Encoding::Utf16leBom => f.write_str("utf-16le (bom)"),
            Encoding::Utf16beBom => f.write_str("utf-16be (bom)"),
            Encoding::Utf16le => f.write_str("utf-16le"),
            Encoding::Utf16be => f.write_str("utf-16be"),
            Encoding::Legacy(cp) => write!(f, "{cp}"),
        }
    }
}

/// The report's names: `utf-16le-bom`, `utf-8`, `windows-1252`, `cp850`, ...
impl Serialize for Encoding {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Encoding::Utf8 => s.serialize_str("utf-8"),
            Encoding::Utf8Bom => s.serialize_str("utf-8-bom"),
            Encoding::Utf16leBom => s.serialize_str("utf-16le-bom"),
            Encoding::Utf16beBom => s.serialize_str("utf-16be-bom"),
            Encoding::Utf16le => s.serialize_str("utf-16le"),
            Encoding::Utf16be => s.serialize_str("utf-16be"),
            Encoding::Legacy(cp) => s.collect_str(cp),
        }
    }
}

impl From<CodePage> for Encoding {
    fn from(cp: CodePage) -> Self {
        Encoding::Legacy(cp)
    }
}

/// Decoded text and how it was decoded.
#[derive(Debug, Clone)]
pub struct Text {
    pub text: String,
    pub encoding: Encoding,
    /// Set when bytes had to be replaced (invalid sequences, a cut-off code unit): the
    /// caller reports it, the text is still used.
    pub damage: Option<String>,
    /// Set when a legacy code page was chosen from the bytes alone (no manifest named the
    /// machine's pages): the caller reports that the decoding is a guess.
    pub guessed: bool,
}

impl Text {
    /// Lines without their CR/LF, numbered from 1.
    pub fn lines(&self) -> impl Iterator<Item = (usize, &str)> {
        self.text
            .split('\n')
            .map(|l| l.strip_suffix('\r').unwrap_or(l))
            .enumerate()
            .map(|(i, l)| (i + 1, l))
    }
}

/// Why bytes are not text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// NUL and control bytes where text has none: a binary file.
    Binary,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Binary => f.write_str("binary data, not text in any known encoding"),
        }
    }
}

/// Legacy code pages the collector's manifest reported for the machine: when bytes are
/// neither UTF-8 nor UTF-16, the choice is made among these instead of all we know.
#[derive(Debug, Clone, Copy, Default)]
pub struct CodePageHints {
    /// The console (OEM) code page, `chcp`: what `cmd` redirection wrote.
    pub oem: Option<CodePage>,
    /// The ANSI code page: what `Set-Content` and `REGEDIT4` wrote.
    pub ansi: Option<CodePage>,
}

pub fn decode(bytes: &[u8], hints: &CodePageHints) -> Result<Text, DecodeError> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return Ok(utf8(rest, Encoding::Utf8Bom));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return Ok(utf16(rest, true, Encoding::Utf16leBom));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return Ok(utf16(rest, false, Encoding::Utf16beBom));
    }
    if let Some(little_endian) = sniff_utf16(bytes) {
        let enc = if little_endian {
            Encoding::Utf16le
        } else {
            Encoding::Utf16be
        };
        return Ok(utf16(bytes, little_endian, enc));
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        if looks_binary(s.bytes()) {
            return Err(DecodeError::Binary);
        }
        return Ok(Text {
            text: s.to_owned(),
            encoding: Encoding::Utf8,
            damage: None,
            guessed: false,
        });
    }
    if looks_binary(bytes.iter().copied()) {
        return Err(DecodeError::Binary);
    }
    let hinted: Vec<CodePage> = [hints.oem, hints.ansi].into_iter().flatten().collect();
    let guessed = hinted.is_empty();
    let candidates: Vec<CodePage> = if guessed {
        guess::UNHINTED
            .iter()
            .filter_map(|n| CodePage::from_number(*n))
            .collect()
    } else {
        hinted
    };
    let page = guess::best(bytes, &candidates).unwrap_or(CodePage::Windows1252);
    let text = page.decode(bytes);
    let damage = text
        .contains('\u{fffd}')
        .then(|| format!("bytes that {page} does not define were replaced"));
    Ok(Text {
        text,
        encoding: page.into(),
        damage,
        guessed,
    })
}

fn utf8(bytes: &[u8], encoding: Encoding) -> Text {
    let text = String::from_utf8_lossy(bytes);
    let damage = matches!(text, std::borrow::Cow::Owned(_))
        .then(|| "invalid UTF-8 sequences were replaced".to_owned());
    Text {
        text: text.into_owned(),
        encoding,
        damage,
        guessed: false,
    }
}

fn utf16(bytes: &[u8], little_endian: bool, encoding: Encoding) -> Text {
    let unit = |p: &[u8]| {
        if little_endian {
            u16::from_le_bytes([p[0], p[1]])
        } else {
            u16::from_be_bytes([p[0], p[1]])
        }
    };
    let mut text = String::with_capacity(bytes.len() / 2);
    let mut replaced = false;
    let even = &bytes[..bytes.len() & !1];
    let mut at = 0;
    // ASCII, most of every Windows text, takes the fast path; the rest is decoded as
    // UTF-16 up to the next ASCII unit.
    while at < even.len() {
        let u = unit(&even[at..at + 2]);
        if u < 0x80 {
            text.push(u as u8 as char);
            at += 2;
            continue;
        }
        let rest = &even[at..];
        let run = rest
            .chunks_exact(2)
            .position(|p| unit(p) < 0x80)
            .unwrap_or(rest.len() / 2);
        for r in char::decode_utf16(rest[..run * 2].chunks_exact(2).map(unit)) {
            text.push(r.unwrap_or_else(|_| {
                replaced = true;
                char::REPLACEMENT_CHARACTER
            }));
        }
        at += run * 2;
    }
    let damage = if bytes.len() % 2 == 1 {
        Some("the file ends in half a UTF-16 character (truncated?)".to_owned())
    } else if replaced {
        Some("unpaired UTF-16 surrogates were replaced".to_owned())
    } else {
        None
    };
    Text {
        text,
        encoding,
        damage,
        guessed: false,
    }
}

/// UTF-16 text of mostly Latin script has a zero in every other byte. Looks at the first
/// 4 KiB; needs a clear majority so binary files with some zeros are not taken for text.
fn sniff_utf16(bytes: &[u8]) -> Option<bool> {
    let sample = &bytes[..bytes.len().min(4096) & !1];
    if sample.len() < 4 {
        return None;
    }
    let pairs = sample.len() / 2;
    let zero_odd = sample
        .iter()
        .skip(1)
        .step_by(2)
        .filter(|&&b| b == 0)
        .count();
    let zero_even = sample.iter().step_by(2).filter(|&&b| b == 0).count();
    if zero_odd * 10 >= pairs * 7 && zero_even * 10 <= pairs {
        Some(true)
    } else if zero_even * 10 >= pairs * 7 && zero_odd * 10 <= pairs {
        Some(false)
    } else {
        None
    }
}

/// NUL or other C0 controls (beyond tab, CR, LF, FF, ESC, SUB) mean binary.
fn looks_binary(bytes: impl Iterator<Item = u8>) -> bool {
    let mut controls = 0usize;
    let mut total = 0usize;
    for b in bytes.take(8192) {
        total += 1;
        if b == 0 {
            return true;
        }
        if b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c | 0x1b | 0x1a) {
            controls += 1;
        }
    }
    controls * 20 > total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(s: &str, bom: bool) -> Vec<u8> {
        let mut out = if bom { vec![0xFF, 0xFE] } else { vec![] };
        out.extend(s.encode_utf16().flat_map(u16::to_le_bytes));
        out
    }

    #[test]
    fn boms_decide_first() {
        let t = decode(&utf16le("Windows Registry\r\n", true), &Default::default()).unwrap();
        assert_eq!(
            (t.text.as_str(), t.encoding),
            ("Windows Registry\r\n", Encoding::Utf16leBom)
        );
        let t = decode(b"\xEF\xBB\xBFsalut \xC3\xA9", &Default::default()).unwrap();
        assert_eq!(
            (t.text.as_str(), t.encoding),
            ("salut é", Encoding::Utf8Bom)
        );
        let t = decode(b"\xFE\xFF\0h\0i", &Default::default()).unwrap();
        assert_eq!((t.text.as_str(), t.encoding), ("hi", Encoding::Utf16beBom));
    }

    #[test]
    fn utf16_without_bom_is_sniffed() {
        let t = decode(
            &utf16le("Current WinHTTP proxy settings:", false),
            &Default::default(),
        )
        .unwrap();
        assert_eq!(t.encoding, Encoding::Utf16le);
        assert_eq!(t.text, "Current WinHTTP proxy settings:");
    }

    #[test]
    fn truncated_utf16_is_used_and_flagged() {
        let mut bytes = utf16le("abc", true);
        bytes.push(b'd');
        let t = decode(&bytes, &Default::default()).unwrap();
        assert_eq!(t.text, "abc");
        assert!(t.damage.unwrap().contains("truncated"));
    }

    #[test]
    fn legacy_pages_are_guessed_from_the_words() {
        // German `sc` output redirected by cmd (OEM 850): "Dienstname", "Größe", "für".
        let t = decode(b"Gr\x94\xe1e f\x81r", &Default::default()).unwrap();
        assert_eq!(
            (t.text.as_str(), t.encoding),
            ("Größe für", Encoding::Legacy(CodePage::Oem850))
        );
        // The same words written by Set-Content (ANSI 1252).
        let t = decode(b"Gr\xf6\xdfe f\xfcr", &Default::default()).unwrap();
        assert_eq!(
            (t.text.as_str(), t.encoding),
            ("Größe für", Encoding::Legacy(CodePage::Windows1252))
        );
        // French: "Paramètres actuels" from cmd on a French system.
        let t = decode(b"Param\x8atres", &Default::default()).unwrap();
        assert_eq!(t.text, "Paramètres");
    }

    #[test]
    fn manifest_hint_beats_the_guess() {
        let hints = CodePageHints {
            oem: Some(CodePage::Oem437),
            ansi: None,
        };
        let t = decode(b"\x9b", &hints).unwrap();
        assert_eq!(
            (t.text.as_str(), t.encoding),
            ("¢", Encoding::Legacy(CodePage::Oem437))
        );
    }

    #[test]
    fn binary_is_refused() {
        assert_eq!(
            decode(b"ElfFile\0\0\0", &Default::default()).unwrap_err(),
            DecodeError::Binary
        );
        assert_eq!(
            decode(b"\x01\x02\x03\x04\x05", &Default::default()).unwrap_err(),
            DecodeError::Binary
        );
    }

    #[test]
    fn lines_strip_crlf() {
        let t = decode(b"a\r\nb\nc", &Default::default()).unwrap();
        let lines: Vec<_> = t.lines().collect();
        assert_eq!(lines, vec![(1, "a"), (2, "b"), (3, "c")]);
    }
}
