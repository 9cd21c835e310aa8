//! Finds what identifies someone by its shape, in any text: e-mail addresses, IPv4 and
//! IPv6 addresses, MAC addresses, Windows SIDs, and the user name in a path under a user
//! profile (`C:\Users\<name>\...`). Each finder gives byte ranges of the text.

use regex::Regex;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::LazyLock;

// The patterns are literals of this file; a test compiles them.
static EMAIL: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?i)[a-z0-9][a-z0-9._%+'-]*@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}").ok()
});
static IPV4: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}").ok());
static MAC: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?i)[0-9a-f]{2}(?:-[0-9a-f]{2}){5}|[0-9a-f]{2}(?::[0-9a-f]{2}){5}").ok()
});
static SID: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"S-1-5-21(?:-\d+){3,4}|S-1-12-1(?:-\d+){4}").ok());

fn find(re: &LazyLock<Option<Regex>>, text: &str) -> Vec<(usize, usize)> {
    match re.as_ref() {
        Some(re) => re.find_iter(text).map(|m| (m.start(), m.end())).collect(),
        None => Vec::new(),
    }
}

fn before(text: &str, at: usize) -> Option<char> {
    text[..at].chars().next_back()
}

fn after(text: &str, at: usize) -> Option<char> {
    text[at..].chars().next()
}

/// At least `n` of `byte` in `text`: a shape's cheap precondition.
fn has(text: &str, byte: u8, n: usize) -> bool {
    memchr::memchr_iter(byte, text.as_bytes())
        .nth(n - 1)
        .is_some()
}

fn word(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || c == '_')
}

/// `(start, at sign, end)` of every e-mail address.
pub fn emails(text: &str) -> Vec<(usize, usize, usize)> {
    if !text.contains('@') {
        return Vec::new();
    }
    find(&EMAIL, text)
        .into_iter()
        .filter(|(s, e)| !word(before(text, *s)) && !word(after(text, *e)))
        .filter_map(|(s, e)| text[s..e].rfind('@').map(|at| (s, s + at, e)))
        .collect()
}

/// Every IPv4 address that stands alone (not part of a version such as `6.1.7601.1.2`).
pub fn ipv4s(text: &str) -> Vec<(usize, usize, Ipv4Addr)> {
    if !has(text, b'.', 3) {
        return Vec::new();
    }
    find(&IPV4, text)
        .into_iter()
        .filter(|(s, e)| {
            let prev = before(text, *s);
            let next = after(text, *e);
            let dotted_on = next == Some('.')
                && text[*e + 1..]
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_digit());
            !word(prev) && prev != Some('.') && !word(next) && !dotted_on
        })
        .filter_map(|(s, e)| text[s..e].parse().ok().map(|ip| (s, e, ip)))
        .collect()
}

/// Every IPv6 address (a zone such as `%12` is left out of the range).
pub fn ipv6s(text: &str) -> Vec<(usize, usize, Ipv6Addr)> {
    if !has(text, b':', 2) {
        return Vec::new();
    }
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let run = |b: u8| b.is_ascii_hexdigit() || b == b':' || b == b'.';
        if !run(bytes[i])
            || (i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_'))
        {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && run(bytes[i]) {
            i += 1;
        }
        let mut end = i;
        // A sentence's full stop or a list's colon is not part of the address.
        while end > start && matches!(bytes[end - 1], b'.') {
            end -= 1;
        }
        let candidate = &text[start..end];
        let followed_by_word = bytes
            .get(i)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_');
        if candidate.matches(':').count() >= 2
            && !followed_by_word
            && let Ok(ip) = candidate.parse::<Ipv6Addr>()
        {
            out.push((start, end, ip));
        }
    }
    out
}

/// Every MAC address (`00-15-5D-01-02-03`, `00:15:5d:01:02:03`).
pub fn macs(text: &str) -> Vec<(usize, usize)> {
    if !has(text, b'-', 5) && !has(text, b':', 5) {
        return Vec::new();
    }
    find(&MAC, text)
        .into_iter()
        .filter(|(s, e)| {
            let next = after(text, *e);
            !word(before(text, *s)) && !word(next) && !matches!(next, Some('-' | ':'))
        })
        .collect()
}

/// Every SID of a domain or machine account (`S-1-5-21-…`) or of a Microsoft Entra ID
/// account (`S-1-12-1-…`).
pub fn sids(text: &str) -> Vec<(usize, usize)> {
    if !text.contains("S-1-") {
        return Vec::new();
    }
    find(&SID, text)
        .into_iter()
        .filter(|(s, e)| !word(before(text, *s)) && !word(after(text, *e)))
        .collect()
}

/// Profile folders that are nobody's.
const SHARED_PROFILES: &[&str] = &[
    "public",
    "default",
    "default user",
    "all users",
    "defaultuser0",
    "defaultapppool",
];

/// The user name of every path under a user profile: `C:\Users\<name>\…`,
/// `C:\Documents and Settings\<name>\…` (`/` separators too). A name runs to the next
/// separator; one with spaces only when a separator follows it (`\Users\Anna Berg\AppData`).
pub fn profile_names(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    for sep in memchr::memchr2_iter(b'\\', b'/', bytes) {
        let rest = &bytes[sep + 1..];
        let Some(marker) = ["users", "documents and settings"].into_iter().find(|m| {
            rest.len() > m.len()
                && rest[..m.len()].eq_ignore_ascii_case(m.as_bytes())
                && matches!(rest[m.len()], b'\\' | b'/')
        }) else {
            continue;
        };
        let start = sep + 1 + marker.len() + 1;
        let rest = &text[start..];
        let stop = |c: char| {
            matches!(
                c,
                '\\' | '/'
                    | ':'
                    | '*'
                    | '?'
                    | '"'
                    | '<'
                    | '>'
                    | '|'
                    | '\r'
                    | '\n'
                    | '\t'
                    | ','
                    | ';'
                    | '('
                    | ')'
                    | '\''
            )
        };
        let to_sep = rest.find(stop).unwrap_or(rest.len());
        let spaced_ok = rest[to_sep..].starts_with(['\\', '/']);
        let len = if spaced_ok {
            to_sep
        } else {
            rest.find(|c: char| stop(c) || c.is_whitespace())
                .unwrap_or(rest.len())
        };
        let name = rest[..len].trim_end_matches('.');
        if name.is_empty() || SHARED_PROFILES.contains(&name.to_ascii_lowercase().as_str()) {
            continue;
        }
        out.push((start, start + name.len()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str, spans: &[(usize, usize)]) -> Vec<String> {
        spans.iter().map(|(s, e)| text[*s..*e].to_owned()).collect()
    }

    #[test]
    fn patterns_compile() {
        assert!(EMAIL.is_some() && IPV4.is_some() && MAC.is_some() && SID.is_some());
    }

    #[test]
    fn emails_and_their_parts() {
        let t = "ran as CONTOSO\\k.meyer, k.meyer@contoso.com; x@y";
        let e = emails(t);
        assert_eq!(e.len(), 1);
        assert_eq!(&t[e[0].0..e[0].2], "k.meyer@contoso.com");
        assert_eq!(&t[e[0].1..e[0].1 + 1], "@");
    }

    #[test]
    fn addresses_but_not_versions_or_times() {
        let t = "ip 10.20.31.57, version 16.0.12527.22286 and 6.1.7601.24000.1, dns 10.20.0.10.";
        let v4: Vec<String> = ipv4s(t).iter().map(|(_, _, ip)| ip.to_string()).collect();
        assert_eq!(v4, ["10.20.31.57", "10.20.0.10"]);
        let t = "gw fe80::1%12, 2a02:8071:6c80:4e00:9d1b:3f2e:7a64:c2d1. at 2026-11-20T09:12:24.258Z dword:00000a80";
        let v6: Vec<String> = ipv6s(t).iter().map(|(_, _, ip)| ip.to_string()).collect();
        assert_eq!(v6, ["fe80::1", "2a02:8071:6c80:4e00:9d1b:3f2e:7a64:c2d1"]);
    }

    #[test]
    fn macs_and_sids() {
        let t = "Physical Address: 00-15-5D-01-02-03 key HKU\\S-1-5-21-1004336348-1177238915-682003330-1001\\Software";
        assert_eq!(texts(t, &macs(t)), ["00-15-5D-01-02-03"]);
        assert_eq!(
            texts(t, &sids(t)),
            ["S-1-5-21-1004336348-1177238915-682003330-1001"]
        );
        // A GUID is not a MAC address.
        assert!(macs("4b2f1e0c-6c5d-4a3e-9f1b-2d7e8a9c0b1d").is_empty());
    }

    #[test]
    fn profile_names_in_paths() {
        let t = r"C:\Users\martin\AppData; C:\Users\Public\x; C:\Users\Anna Berg\AppData; C:\Documents and Settings\jk\Local: C:\Users\bob and more";
        assert_eq!(
            texts(t, &profile_names(t)),
            ["martin", "Anna Berg", "jk", "bob"]
        );
    }
}
