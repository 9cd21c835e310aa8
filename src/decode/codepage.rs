//! The legacy code pages Windows writes text in, decoded by libraries rather than tables of
//! our own: the ANSI pages (`Set-Content`, `REGEDIT4` exports; 874, 932, 936, 949, 950,
//! 1250–1258) by `encoding_rs`, the DOS OEM pages a console redirected by `cmd` writes
//! (437, 737, 775, 850, 852, 855, 857, 858, 860–866, 869) by `oem_cp`. 866 (Russian OEM)
//! and the CJK pages are both: the same page is the console's and the ANSI one.
//!
//! `encoding_rs` implements the WHATWG Encoding Standard, whose `Shift_JIS`, `GBK`, `EUC-KR`
//! and `Big5` decoders are supersets of Windows' 932, 936, 949 (UHC) and 950, and whose
//! `windows-125x` decoders map 0x80..=0x9F holes to C1 controls as Windows does.

use encoding_rs::Encoding as WebEncoding;
use oem_cp::code_table::{DECODING_TABLE_CP_MAP, ENCODING_TABLE_CP_MAP};
use oem_cp::code_table_type::TableType;
use std::fmt;

/// A Windows code page we can decode (see [`CodePage::from_number`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CodePage(u16);

#[allow(non_upper_case_globals)]
impl CodePage {
    /// Western European ANSI.
    pub const Windows1252: CodePage = CodePage(1252);
    /// US OEM.
    pub const Oem437: CodePage = CodePage(437);
    /// Western European OEM.
    pub const Oem850: CodePage = CodePage(850);
}

/// How one page is decoded.
enum Decoder {
    Web(&'static WebEncoding),
    Oem(&'static TableType),
}

impl CodePage {
    /// The code page for a Windows code page number, when a library decodes it.
    pub fn from_number(n: u32) -> Option<CodePage> {
        let n = u16::try_from(n).ok()?;
        let page = CodePage(n);
        page.decoder().map(|_| page)
    }

    pub fn number(self) -> u32 {
        u32::from(self.0)
    }

    /// The console (OEM) page, when the number is one: what `cmd` redirection writes.
    pub fn is_oem(self) -> bool {
        DECODING_TABLE_CP_MAP.get(&self.0).is_some() || self.is_multibyte()
    }

    /// The double-byte pages of Chinese, Japanese and Korean.
    pub fn is_multibyte(self) -> bool {
        matches!(self.0, 932 | 936 | 949 | 950)
    }

    fn decoder(self) -> Option<Decoder> {
        let web = match self.0 {
            874 => Some(encoding_rs::WINDOWS_874),
            932 => Some(encoding_rs::SHIFT_JIS),
            936 => Some(encoding_rs::GBK),
            949 => Some(encoding_rs::EUC_KR),
            950 => Some(encoding_rs::BIG5),
            1250 => Some(encoding_rs::WINDOWS_1250),
            1251 => Some(encoding_rs::WINDOWS_1251),
            1252 => Some(encoding_rs::WINDOWS_1252),
            1253 => Some(encoding_rs::WINDOWS_1253),
            1254 => Some(encoding_rs::WINDOWS_1254),
            1255 => Some(encoding_rs::WINDOWS_1255),
            1256 => Some(encoding_rs::WINDOWS_1256),
            1257 => Some(encoding_rs::WINDOWS_1257),
            1258 => Some(encoding_rs::WINDOWS_1258),
            _ => None,
        };
        web.map(Decoder::Web)
            .or_else(|| DECODING_TABLE_CP_MAP.get(&self.0).map(Decoder::Oem))
    }

    /// Decodes the bytes; a byte or sequence the page does not define becomes U+FFFD.
    pub fn decode(self, bytes: &[u8]) -> String {
        match self.decoder() {
            Some(Decoder::Web(e)) => e.decode_without_bom_handling(bytes).0.into_owned(),
            Some(Decoder::Oem(table)) => table.decode_string_lossy(bytes),
            // Unreachable through `from_number`; still text, never a panic.
            None => String::from_utf8_lossy(bytes).into_owned(),
        }
    }

    /// Encodes text as a program writing this page would (tests build console output from
    /// real UTF-8 text this way); `None` when a character has no byte in the page.
    pub fn encode(self, text: &str) -> Option<Vec<u8>> {
        match self.decoder()? {
            Decoder::Web(e) => {
                let (bytes, _, unmappable) = e.encode(text);
                (!unmappable).then(|| bytes.into_owned())
            }
            Decoder::Oem(_) => {
                let table = ENCODING_TABLE_CP_MAP.get(&self.0)?;
                oem_cp::encode_string_checked(text, table)
            }
        }
    }
}

impl CodePage {
    /// For the double-byte pages: `c` lies in the page's core character set (GB2312 in 936,
    /// KS X 1001 in 949, Big5's frequent hanzi in 950, kana and level-1 kanji in 932), not
    /// in the extensions that random bytes from another language mostly land in.
    pub fn is_core_character(self, c: char) -> bool {
        let mut buf = [0u8; 4];
        let Some(bytes) = self.encode(c.encode_utf8(&mut buf)) else {
            return false;
        };
        match (self.0, bytes.as_slice()) {
            (936 | 949, [lead, trail]) => *lead >= 0xA1 && *trail >= 0xA1,
            (950, [lead, _]) => (0xA4..=0xC6).contains(lead),
            (932, [lead, _]) => (0x82..=0x83).contains(lead) || (0x88..=0x98).contains(lead),
            _ => false,
        }
    }
}

impl fmt::Display for CodePage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 >= 1250 {
            write!(f, "windows-{}", self.0)
        } else {
            write!(f, "cp{}", self.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(n: u32) -> CodePage {
        CodePage::from_number(n).unwrap()
    }

    #[test]
    fn known_bytes_decode_to_known_characters() {
        // "Größe" as cmd redirection writes it on a German system (OEM 850).
        assert_eq!(CodePage::Oem850.decode(b"Gr\x94\xe1e"), "Größe");
        // The same word as Set-Content writes it (ANSI 1252).
        assert_eq!(CodePage::Windows1252.decode(b"Gr\xf6\xdfe"), "Größe");
        // "Paramètres" in OEM 437 and 850 alike.
        assert_eq!(CodePage::Oem437.decode(b"Param\x8atres"), "Paramètres");
        assert_eq!(CodePage::Windows1252.decode(b"\x80\x99"), "€™");
        assert_eq!(CodePage::Oem437.decode(b"\xc9\xcd\xbb"), "╔═╗");
        assert_eq!(CodePage::Oem437.decode(b"\x9b"), "¢");
    }

    #[test]
    fn the_pages_of_the_languages_we_read() {
        // Polish "Maska podsieci" is ASCII; "Brama domyślna" has ś (852: 0x98).
        assert_eq!(page(852).decode(b"domy\x98lna"), "domyślna");
        // Turkish dotless ı (857: 0x8d).
        assert_eq!(page(857).decode(b"Ba\xa7lant\x8d"), "Bağlantı");
        // Russian "Адрес" in the console page 866 and the ANSI page 1251.
        assert_eq!(page(866).decode(b"\x80\xa4\xe0\xa5\xe1"), "Адрес");
        assert_eq!(page(1251).decode(b"\xc0\xe4\xf0\xe5\xf1"), "Адрес");
        // Japanese サブネット マスク in Shift_JIS (932).
        let sjis = page(932).encode("サブネット マスク").unwrap();
        assert_eq!(page(932).decode(&sjis), "サブネット マスク");
        // Chinese 子网掩码 (936), Korean 서브넷 마스크 (949), Traditional 子網路遮罩 (950).
        for (n, s) in [
            (936, "子网掩码"),
            (949, "서브넷 마스크"),
            (950, "子網路遮罩"),
        ] {
            let bytes = page(n).encode(s).unwrap();
            assert!(bytes.iter().any(|b| *b >= 0x80));
            assert_eq!(page(n).decode(&bytes), s, "{n}");
        }
        for n in [
            437, 850, 852, 857, 866, 874, 1250, 1253, 1254, 1255, 1256, 1257, 1258,
        ] {
            assert!(CodePage::from_number(n).is_some(), "{n}");
        }
        assert_eq!(CodePage::from_number(65001), None);
        assert_eq!(CodePage::from_number(99_999), None);
        assert_eq!(page(932).encode("Größe"), None, "no ö in Shift_JIS");
        assert!(page(850).is_oem() && page(932).is_oem() && !page(1252).is_oem());
        assert_eq!(
            (page(932).to_string(), page(1250).to_string()),
            ("cp932".to_owned(), "windows-1250".to_owned())
        );
    }
}
