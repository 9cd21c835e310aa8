//! The single-byte code pages Windows writes text in: the ANSI page 1252 (`Set-Content`,
//! `REGEDIT4` exports) and the OEM pages 437 and 850 (console tools redirected by `cmd`).
//! Bytes below 0x80 are ASCII in all three; the tables give 0x80..=0xFF.

/// A legacy code page we can decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodePage {
    Windows1252,
    Oem437,
    Oem850,
}

impl CodePage {
    /// The code page for a Windows code page number, when we have its table.
    pub fn from_number(n: u32) -> Option<CodePage> {
        match n {
            1252 => Some(CodePage::Windows1252),
            437 => Some(CodePage::Oem437),
            850 => Some(CodePage::Oem850),
            _ => None,
        }
    }

    pub fn number(self) -> u32 {
        match self {
            CodePage::Windows1252 => 1252,
            CodePage::Oem437 => 437,
            CodePage::Oem850 => 850,
        }
    }

    pub fn decode_byte(self, b: u8) -> char {
        if b < 0x80 {
            return char::from(b);
        }
        let i = usize::from(b - 0x80);
        match self {
            CodePage::Oem437 => CP437[i],
            CodePage::Oem850 => CP850[i],
            // 0xA0..=0xFF of 1252 is Latin-1; the holes map to C1 controls as Windows does.
            CodePage::Windows1252 if b >= 0xA0 => char::from(b),
            CodePage::Windows1252 => CP1252_80[i],
        }
    }

    pub fn decode(self, bytes: &[u8]) -> String {
        bytes.iter().map(|&b| self.decode_byte(b)).collect()
    }
}

const CP1252_80: [char; 32] = [
    '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž', '\u{8f}',
    '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}', 'ž', 'Ÿ',
];

const CP437: [char; 128] = [
    'Ç', 'ü', 'é', 'â', 'ä', 'à', 'å', 'ç', 'ê', 'ë', 'è', 'ï', 'î', 'ì', 'Ä', 'Å', //
    'É', 'æ', 'Æ', 'ô', 'ö', 'ò', 'û', 'ù', 'ÿ', 'Ö', 'Ü', '¢', '£', '¥', '₧', 'ƒ', //
    'á', 'í', 'ó', 'ú', 'ñ', 'Ñ', 'ª', 'º', '¿', '⌐', '¬', '½', '¼', '¡', '«', '»', //
    '░', '▒', '▓', '│', '┤', '╡', '╢', '╖', '╕', '╣', '║', '╗', '╝', '╜', '╛', '┐', //
    '└', '┴', '┬', '├', '─', '┼', '╞', '╟', '╚', '╔', '╩', '╦', '╠', '═', '╬', '╧', //
    '╨', '╤', '╥', '╙', '╘', '╒', '╓', '╫', '╪', '┘', '┌', '█', '▄', '▌', '▐', '▀', //
    'α', 'ß', 'Γ', 'π', 'Σ', 'σ', 'µ', 'τ', 'Φ', 'Θ', 'Ω', 'δ', '∞', 'φ', 'ε', '∩', //
    '≡', '±', '≥', '≤', '⌠', '⌡', '÷', '≈', '°', '∙', '·', '√', 'ⁿ', '²', '■', '\u{a0}',
];

const CP850: [char; 128] = [
    'Ç', 'ü', 'é', 'â', 'ä', 'à', 'å', 'ç', 'ê', 'ë', 'è', 'ï', 'î', 'ì', 'Ä', 'Å', //
    'É', 'æ', 'Æ', 'ô', 'ö', 'ò', 'û', 'ù', 'ÿ', 'Ö', 'Ü', 'ø', '£', 'Ø', '×', 'ƒ', //
    'á', 'í', 'ó', 'ú', 'ñ', 'Ñ', 'ª', 'º', '¿', '®', '¬', '½', '¼', '¡', '«', '»', //
    '░', '▒', '▓', '│', '┤', 'Á', 'Â', 'À', '©', '╣', '║', '╗', '╝', '¢', '¥', '┐', //
    '└', '┴', '┬', '├', '─', '┼', 'ã', 'Ã', '╚', '╔', '╩', '╦', '╠', '═', '╬', '¤', //
    'ð', 'Ð', 'Ê', 'Ë', 'È', 'ı', 'Í', 'Î', 'Ï', '┘', '┌', '█', '▄', '¦', 'Ì', '▀', //
    'Ó', 'ß', 'Ô', 'Ò', 'õ', 'Õ', 'µ', 'þ', 'Þ', 'Ú', 'Û', 'Ù', 'ý', 'Ý', '¯', '´', //
    '\u{ad}', '±', '‗', '¾', '¶', '§', '÷', '¸', '°', '¨', '·', '¹', '³', '²', '■', '\u{a0}',
];

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}
