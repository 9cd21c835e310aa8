//! Which legacy code page a text is in, when no manifest says: the candidate whose decoding
//! reads most like the words Windows prints.
//!
//! Each page decodes the bytes; the result is scored on its non-ASCII characters: letters
//! of a script count (accented Latin only beside an ASCII letter, as in `Größe` — a run of
//! accented letters is what CJK bytes look like through a Latin page), CJK and Hangul
//! count per character as much as the two bytes they take when they belong to the page's
//! core set (extensions are where another language's bytes land), replacement characters (bytes
//! the page does not define), C1 controls and box drawing cost. The double-byte pages of
//! Chinese, Japanese and Korean decode each other's bytes into valid but meaningless
//! characters, so a few words these tools print in each language (from the real outputs in
//! `tests/fixtures/real/`) break the tie. Ties left go to the first candidate.

use super::CodePage;

/// Pages tried without a manifest, console (OEM) pages first: 850 before 1252 before 437
/// as before, then the other languages of Windows' support archives.
pub const UNHINTED: [u32; 20] = [
    850, 1252, 437, 852, 857, 866, 932, 936, 949, 950, 1250, 1251, 1253, 1254, 1257, 737, 775, 855,
    1255, 1256,
];

/// Words the console tools print, by language, that tell the CJK pages apart.
const WORDS: &[&str] = &[
    // Japanese (932)
    "アドレス",
    "サブネット",
    "ゲートウェイ",
    "アダプター",
    "プロキシ",
    "接続",
    "設定",
    // Simplified Chinese (936)
    "地址",
    "子网",
    "网关",
    "适配器",
    "服务器",
    "代理",
    "连接",
    // Traditional Chinese (950)
    "位址",
    "網路",
    "閘道",
    "介面卡",
    "伺服器",
    // Korean (949)
    "주소",
    "서브넷",
    "게이트웨이",
    "어댑터",
    "서버",
    "프록시",
    "연결",
];

/// Bytes read to choose: enough for any command output's labels.
const SAMPLE: usize = 32 * 1024;

/// The best-reading candidate.
pub fn best(bytes: &[u8], candidates: &[CodePage]) -> Option<CodePage> {
    let mut best: Option<(CodePage, i64)> = None;
    for &cp in candidates {
        let sample = &bytes[..bytes.len().min(SAMPLE)];
        let score = score(&cp.decode(sample), cp);
        if best.is_none_or(|(_, s)| score > s) {
            best = Some((cp, score));
        }
    }
    best.map(|(cp, _)| cp)
}

fn score(text: &str, page: CodePage) -> i64 {
    let chars: Vec<char> = text.chars().collect();
    let mut total = 0i64;
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii() {
            continue;
        }
        let ascii_letter_beside = |j: Option<usize>| {
            j.and_then(|j| chars.get(j))
                .is_some_and(|c| c.is_ascii_alphabetic())
        };
        total += match c {
            '\u{fffd}' => -20,
            '\u{80}'..='\u{9f}' => -5,
            '\u{2500}'..='\u{259f}' | '■' => -2,
            // Half-width katakana: what Chinese or Korean bytes look like through 932.
            '\u{ff61}'..='\u{ff9f}' => -2,
            // A CJK character between two ASCII letters is a Latin accent read as a lead
            // byte (`Param\x8atres` through 932).
            '\u{3040}'..='\u{30ff}' | '\u{3400}'..='\u{9fff}' | '\u{ac00}'..='\u{d7af}' => {
                let inside_word =
                    ascii_letter_beside(i.checked_sub(1)) && ascii_letter_beside(Some(i + 1));
                if page.is_core_character(c) && !inside_word {
                    4
                } else {
                    -1
                }
            }
            // Letters Western words hardly have: Turkish or Polish bytes through 850.
            'ƒ' | 'º' | 'ª' | 'ÿ' | 'ı' if page.number() == 850 || page.number() == 437 => 0,
            // Cyrillic, Greek, Hebrew, Arabic words are runs of their letters; one alone
            // inside a Latin word is an accent read through the wrong page.
            '\u{400}'..='\u{4ff}' | '\u{370}'..='\u{3ff}' | '\u{590}'..='\u{6ff}' => {
                let same = |j: Option<usize>| {
                    j.and_then(|j| chars.get(j))
                        .is_some_and(|d| (*d as u32) >> 8 == (c as u32) >> 8 && d.is_alphabetic())
                };
                if same(i.checked_sub(1)) || same(Some(i + 1)) {
                    2
                } else {
                    -1
                }
            }
            c if c.is_alphabetic()
                && (ascii_letter_beside(i.checked_sub(1)) || ascii_letter_beside(Some(i + 1))) =>
            {
                2
            }
            _ => 0,
        };
    }
    total
        + signature_letters(text, page)
        + 10 * WORDS
            .iter()
            .map(|w| text.matches(w).count() as i64)
            .sum::<i64>()
}

/// Letters that mark the language of a Latin page (Turkish in 857 and 1254, Polish in
/// 852 and 1250): one more point each, so that pages decoding the same bytes into other letters
/// do not tie with the right one.
fn signature_letters(text: &str, page: CodePage) -> i64 {
    let letters = match page.number() {
        857 | 1254 => "ğşıİŞĞ",
        852 | 1250 => "ąęłśźżćńĄĘŁŚŹŻĆŃ",
        _ => return 0,
    };
    text.chars().filter(|c| letters.contains(*c)).count() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhinted() -> Vec<CodePage> {
        UNHINTED
            .iter()
            .filter_map(|n| CodePage::from_number(*n))
            .collect()
    }

    fn guess(text: &str, page: u32) -> u32 {
        let bytes = CodePage::from_number(page).unwrap().encode(text).unwrap();
        best(&bytes, &unhinted()).unwrap().number()
    }

    #[test]
    fn every_language_comes_back_in_its_page() {
        assert_eq!(guess("Größe für Proxyserver", 850), 850);
        assert_eq!(guess("Größe für Proxyserver", 1252), 1252);
        assert_eq!(
            guess("   サブネット マスク . . . . : 255.255.255.0", 932),
            932
        );
        assert_eq!(
            guess("   子网掩码  . . . . : 255.255.255.0 默认网关", 936),
            936
        );
        assert_eq!(
            guess(
                "   서브넷 마스크 . . . . : 255.255.255.0 기본 게이트웨이",
                949
            ),
            949
        );
        assert_eq!(
            guess("   子網路遮罩 . . . . : 255.255.255.0 預設閘道", 950),
            950
        );
        assert_eq!(
            guess(
                "   Маска подсети . . . . : 255.255.255.0 Основной шлюз",
                866
            ),
            866
        );
        assert_eq!(guess("Alt Ağ Maskesi . . : Varsayılan Ağ Geçidi", 857), 857);
        assert_eq!(
            guess("Brama domyślna . . : Maska podsieci, Połączenie", 852),
            852
        );
    }
}
