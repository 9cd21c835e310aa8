//! Snapshot text in HTML: [`E`] escapes it for element content and quoted attribute values
//! alike (`& < > " '`, and NUL, which HTML does not allow), [`Coded`] also turns a rule
//! text's `` `spans` `` into code, [`Anchor`] writes a rule's fragment id. Everything from
//! a snapshot reaches the page through one of them.

use std::fmt;

/// Text escaped for HTML: safe in element content and in quoted attribute values.
pub struct E<'a>(pub &'a str);

/// The bytes to escape (all ASCII, so a byte offset is a character boundary).
const SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    t[b'&' as usize] = true;
    t[b'<' as usize] = true;
    t[b'>' as usize] = true;
    t[b'"' as usize] = true;
    t[b'\'' as usize] = true;
    t[0] = true;
    t
};

fn next_special(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|b| SPECIAL[usize::from(*b)])
}

/// Appends `text` escaped: [`E`] without the formatting machinery, for the hot paths
/// (evidence rows are most of a page).
pub(super) fn esc(out: &mut String, text: &str) {
    let mut from = 0;
    while let Some(i) = next_special(&text.as_bytes()[from..]) {
        let at = from + i;
        out.push_str(&text[from..at]);
        out.push_str(replacement(text.as_bytes()[at]));
        from = at + 1;
    }
    out.push_str(&text[from..]);
}

fn replacement(b: u8) -> &'static str {
    match b {
        b'&' => "&amp;",
        b'<' => "&lt;",
        b'>' => "&gt;",
        b'"' => "&quot;",
        b'\'' => "&#39;",
        // A NUL is a parse error in HTML; show the replacement character.
        _ => "\u{FFFD}",
    }
}

impl fmt::Display for E<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        let mut from = 0;
        while let Some(i) = next_special(&s.as_bytes()[from..]) {
            let at = from + i;
            f.write_str(&s[from..at])?;
            f.write_str(replacement(s.as_bytes()[at]))?;
            from = at + 1;
        }
        f.write_str(&s[from..])
    }
}

/// The fragment id of a rule's finding: `rule-tls12` (a rule id is already `[a-z0-9-]`;
/// anything else becomes `-`, so the id is safe in an attribute without escaping).
pub struct Anchor<'a>(pub &'a str);

impl fmt::Display for Anchor<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("rule-")?;
        for c in self.0.chars() {
            let c = if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '-'
            };
            fmt::Write::write_char(f, c)?;
        }
        Ok(())
    }
}

/// The fragment id of a rule's finding, as text.
pub fn anchor(rule: &str) -> String {
    Anchor(rule).to_string()
}

/// Text whose `` `spans` `` (rule texts mark commands and values so) are code; escaped
/// like [`E`]. Unbalanced backticks are left as they are.
pub(super) struct Coded<'a>(pub(super) &'a str);

impl fmt::Display for Coded<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<&str> = self.0.split('`').collect();
        if parts.len().is_multiple_of(2) {
            return E(self.0).fmt(f);
        }
        for (i, p) in parts.iter().enumerate() {
            if i % 2 == 1 {
                write!(f, "<code>{}</code>", E(p))?;
            } else {
                E(p).fmt(f)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_is_escaped_for_text_and_attributes() {
        let s = E("</script><img src=x onerror='alert(1)'> & \"q\"\0").to_string();
        assert_eq!(
            s,
            "&lt;/script&gt;&lt;img src=x onerror=&#39;alert(1)&#39;&gt; &amp; &quot;q&quot;\u{FFFD}"
        );
        assert_eq!(E("plain ünïcode").to_string(), "plain ünïcode");
        assert_eq!(
            Coded("run `netsh <x>` now").to_string(),
            "run <code>netsh &lt;x&gt;</code> now"
        );
        assert_eq!(Coded("a ` b").to_string(), "a ` b");
        for text in ["", "plain", "<&>\"'\0", "a<b>c & d"] {
            let mut direct = String::new();
            esc(&mut direct, text);
            assert_eq!(direct, E(text).to_string(), "{text}");
        }
    }

    #[test]
    fn anchors_are_safe_fragment_ids() {
        assert_eq!(anchor("tls12"), "rule-tls12");
        assert_eq!(anchor("x\"><b"), "rule-x---b");
    }
}
