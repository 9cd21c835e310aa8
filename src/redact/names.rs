//! What may be replaced and what a pseudonym looks like: the words caadoctor itself uses
//! (which a name that is also one of them must not clobber), the domains that are
//! Microsoft's or a public mail service's (never replaced), the organisation part of a DNS
//! name, and the shape of each kind of pseudonym.

use std::collections::HashSet;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::LazyLock;

/// Domains never pseudonymized: Microsoft's (the article's endpoints and the services
/// around them) and public mail services, whose name identifies no organisation.
const PROTECTED_DOMAINS: &[&str] = &[
    "microsoft.com",
    "microsoftonline.com",
    "microsoftonline-p.com",
    "windows.net",
    "windows.com",
    "windowsupdate.com",
    "live.com",
    "live.net",
    "office.com",
    "office.net",
    "office365.com",
    "officeapps.live.com",
    "msauth.net",
    "msauthimages.net",
    "msftauth.net",
    "msftauthimages.net",
    "aspnetcdn.com",
    "msftconnecttest.com",
    "msftncsi.com",
    "msocsp.com",
    "msedge.net",
    "azureedge.net",
    "akamaiedge.net",
    "digicert.com",
    "outlook.com",
    "hotmail.com",
    "msn.com",
    "passport.net",
    "gmail.com",
    "googlemail.com",
    "yahoo.com",
    "icloud.com",
    "gmx.de",
    "gmx.net",
    "web.de",
];

/// Second-level labels under which an organisation registers (`contoso.co.uk`).
const SECOND_LEVEL: &[&str] = &[
    "co", "com", "net", "org", "ac", "gov", "edu", "or", "ne", "go", "gob", "gv",
];

/// Top-level labels of internal networks: kept, so a pseudonym still tells an Active
/// Directory domain (`org-1.local`) from a public one (`org-1.example`).
const INTERNAL_TLDS: &[&str] = &[
    "local",
    "lan",
    "corp",
    "internal",
    "intranet",
    "home",
    "localdomain",
    "ad",
    "int",
    "private",
];

/// Words of Windows and of support that are names too often to be replaced wherever
/// they stand (a user called `admin`, a domain called `OFFICE`).
const COMMON_WORDS: &[&str] = &[
    "windows",
    "microsoft",
    "office",
    "user",
    "users",
    "admin",
    "administrator",
    "administrators",
    "system",
    "local",
    "default",
    "public",
    "guest",
    "service",
    "services",
    "network",
    "proxy",
    "domain",
    "workgroup",
    "home",
    "desktop",
    "laptop",
    "server",
    "client",
    "test",
    "support",
    "account",
    "accounts",
    "internet",
    "settings",
    "software",
    "data",
    "app",
    "apps",
    "appdata",
    "roaming",
    "program",
    "files",
    "the",
    "and",
    "not",
    "set",
    "yes",
    "true",
    "false",
    "null",
    "none",
    "direct",
    "auto",
    "all",
    "any",
    "sign",
    "login",
    "host",
    "org",
    "example",
    "tenant",
    "device",
    "policy",
    "policies",
    "identity",
    "license",
    "licence",
    "update",
    "updates",
    "authority",
    "builtin",
    "nt",
    "guest",
    "owner",
    "pc",
    "computer",
    "machine",
    "work",
    "school",
];

/// The lower-case words of caadoctor's own texts: the rule files, the fact catalog and
/// the data files (endpoints, what to collect, TLS issuers), and [`COMMON_WORDS`].
static VOCABULARY: LazyLock<HashSet<String>> = LazyLock::new(|| {
    let mut words: HashSet<String> = COMMON_WORDS.iter().map(|w| (*w).to_owned()).collect();
    let mut add = |text: &str| {
        for w in text.split(|c: char| !c.is_alphanumeric()) {
            if !w.is_empty() {
                words.insert(w.to_lowercase());
            }
        }
    };
    for (_, text) in crate::rules::builtin::BUILTIN {
        add(text);
    }
    add(include_str!("../../analyzers/data/endpoints.toml"));
    add(include_str!("../../analyzers/data/collect.toml"));
    add(include_str!("../../analyzers/data/tls-issuers.toml"));
    for e in crate::facts::catalog() {
        add(&e.path);
        add(e.doc);
    }
    words
});

/// Whether a name may be replaced wherever it stands: not a word of caadoctor's own texts
/// and not too short to be a name. Others are replaced only where they name something
/// (`DOMAIN\user`, `\Users\name`, `name@domain`, a field that is the name alone).
pub fn replace_anywhere(name: &str) -> bool {
    if name.chars().count() < 3 {
        return false;
    }
    let one_word = name.chars().all(char::is_alphanumeric);
    !(one_word && VOCABULARY.contains(&name.to_lowercase()))
}

/// Whether a word is one of caadoctor's own (a keyword that is would change its texts).
pub fn is_own_word(word: &str) -> bool {
    word.chars().all(char::is_alphanumeric) && VOCABULARY.contains(&word.to_lowercase())
}

/// A domain of Microsoft or of a public mail service (or a name under one).
pub fn is_protected_domain(name: &str) -> bool {
    let name = name.trim_end_matches('.').as_bytes();
    PROTECTED_DOMAINS.iter().any(|d| {
        let d = d.as_bytes();
        name.len() >= d.len()
            && name[name.len() - d.len()..].eq_ignore_ascii_case(d)
            && (name.len() == d.len() || name[name.len() - d.len() - 1] == b'.')
    })
}

/// The registrable part of a DNS name and its organisation label:
/// `proxy.fabrikam.net` → (`fabrikam.net`, `fabrikam`); `pc.contoso.co.uk` →
/// (`contoso.co.uk`, `contoso`). None for a single label or an address.
pub fn registrable(name: &str) -> Option<(String, String)> {
    let name = name.trim_end_matches('.');
    let labels: Vec<&str> = name.split('.').collect();
    let valid = |l: &&str| {
        !l.is_empty()
            && l.chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
    };
    if labels.len() < 2 || !labels.iter().all(valid) {
        return None;
    }
    let tld = labels[labels.len() - 1];
    if tld.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let n = labels.len();
    let take = if n >= 3
        && tld.len() == 2
        && SECOND_LEVEL.contains(&labels[n - 2].to_ascii_lowercase().as_str())
    {
        3
    } else {
        2
    };
    let org = labels[n - take];
    Some((labels[n - take..].join("."), org.to_owned()))
}

/// The top level of a pseudonymous domain: an internal one is kept, a public one is
/// `example` (RFC 2606).
pub fn pseudonym_tld(domain: &str) -> String {
    let tld = domain
        .rsplit('.')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    if INTERNAL_TLDS.contains(&tld.as_str()) {
        tld
    } else {
        "example".to_owned()
    }
}

/// The pseudonym of the `n`-th IPv4 address (from 1) of a class: private addresses stay
/// private (10.255.x.y, 172.31.x.y, 192.168.255.y, 100.127.x.y), public ones go to the
/// documentation ranges (192.0.2.0/24, then 198.51.100.0/24, 203.0.113.0/24).
pub fn ipv4_pseudonym(original: Ipv4Addr, n: u32) -> Ipv4Addr {
    let [a, b, ..] = original.octets();
    let (hi, lo) = ((n >> 8) as u8, (n & 0xFF) as u8);
    match (a, b) {
        (10, _) => Ipv4Addr::new(10, 255, hi, lo),
        (172, 16..=31) => Ipv4Addr::new(172, 31, hi, lo),
        (192, 168) => Ipv4Addr::new(192, 168, 255u8.wrapping_sub(hi), lo),
        (100, 64..=127) => Ipv4Addr::new(100, 127, hi, lo),
        (169, 254) => Ipv4Addr::new(169, 254, 255u8.wrapping_sub(hi), lo),
        _ => {
            let base = [[192, 0, 2], [198, 51, 100], [203, 0, 113]];
            let block = ((n - 1) / 254) as usize;
            let host = ((n - 1) % 254 + 1) as u8;
            match base.get(block) {
                Some(p) => Ipv4Addr::new(p[0], p[1], p[2], host),
                // Past 762 public addresses: the benchmarking range, 198.18.0.0/15.
                None => Ipv4Addr::new(198, 18 + (hi >> 7), hi & 0x7F, lo),
            }
        }
    }
}

/// Addresses that identify nobody: unspecified, loopback, broadcast, multicast, net
/// masks, and the documentation ranges pseudonyms use.
pub fn ipv4_is_generic(ip: Ipv4Addr) -> bool {
    let bits = u32::from(ip);
    let mask = bits != 0 && bits.leading_ones() + bits.trailing_zeros() == 32;
    ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_broadcast()
        || ip.is_multicast()
        || mask
        || is_documentation(ip)
        // NCSI's DNS probe answer (dns.msftncsi.com), Microsoft's.
        || ip == Ipv4Addr::new(131, 107, 255, 255)
}

/// RFC 5737's ranges (`Ipv4Addr::is_documentation` is not stable yet).
fn is_documentation(ip: Ipv4Addr) -> bool {
    matches!(
        ip.octets(),
        [192, 0, 2, _] | [198, 51, 100, _] | [203, 0, 113, _]
    )
}

pub fn ipv6_is_generic(ip: Ipv6Addr) -> bool {
    let doc = ip.segments()[0] == 0x2001 && ip.segments()[1] == 0x0db8;
    let ncsi = ip == Ipv6Addr::new(0xfd3e, 0x4f5a, 0x5b81, 0, 0, 0, 0, 1);
    ip.is_unspecified() || ip.is_loopback() || ip.is_multicast() || doc || ncsi
}

/// The `n`-th IPv6 pseudonym: link-local stays link-local (`fe80::db8:0:n`, never a
/// gateway's usual `fe80::1`), others go to the documentation prefix (`2001:db8::n`).
pub fn ipv6_pseudonym(original: Ipv6Addr, n: u32) -> Ipv6Addr {
    let (hi, lo) = ((n >> 16) as u16, (n & 0xFFFF) as u16);
    if original.segments()[0] & 0xFFC0 == 0xFE80 {
        Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0xdb8, hi, lo)
    } else {
        Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, hi, lo)
    }
}

/// How the text a pseudonym replaces was written, so the pseudonym is written the same
/// way (`WIN7-ACCT-03` → `HOST-1`, `Contoso` → `Org-1`), and the map can give each
/// spelling back.
pub fn cased(pseudonym: &str, like: &str) -> String {
    let letters: Vec<char> = like.chars().filter(|c| c.is_alphabetic()).collect();
    if letters.is_empty() {
        return pseudonym.to_owned();
    }
    if letters.iter().all(|c| c.is_uppercase()) {
        return pseudonym.to_uppercase();
    }
    let first_upper = letters[0].is_uppercase();
    let rest_lower = letters[1..].iter().all(|c| c.is_lowercase());
    if first_upper && rest_lower {
        let mut c = pseudonym.chars();
        return match c.next() {
            Some(f) => f.to_uppercase().chain(c).collect(),
            None => String::new(),
        };
    }
    pseudonym.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organisation_part_of_a_name() {
        assert_eq!(
            registrable("proxy.fabrikam.net"),
            Some(("fabrikam.net".to_owned(), "fabrikam".to_owned()))
        );
        assert_eq!(
            registrable("pc.contoso.co.uk"),
            Some(("contoso.co.uk".to_owned(), "contoso".to_owned()))
        );
        assert_eq!(registrable("fileserver"), None);
        assert_eq!(registrable("10.1.2.3"), None);
        assert_eq!(pseudonym_tld("corp.contoso.local"), "local");
        assert_eq!(pseudonym_tld("contoso.com"), "example");
    }

    #[test]
    fn microsoft_and_mail_services_are_kept() {
        assert!(is_protected_domain("login.microsoftonline.com"));
        assert!(is_protected_domain("ols.officeapps.live.com"));
        assert!(is_protected_domain("outlook.com"));
        assert!(!is_protected_domain("contoso.com"));
        assert!(!is_protected_domain("notmicrosoft.com"));
    }

    #[test]
    fn own_words_are_not_replaced_anywhere() {
        assert!(!replace_anywhere("ACCOUNTS"));
        assert!(!replace_anywhere("proxy"));
        assert!(!replace_anywhere("jd"));
        assert!(replace_anywhere("jkowalski"));
        assert!(replace_anywhere("front.desk"));
    }

    #[test]
    fn addresses_keep_their_class() {
        let p = |s: &str, n| ipv4_pseudonym(s.parse().unwrap(), n).to_string();
        assert_eq!(p("10.20.31.57", 1), "10.255.0.1");
        assert_eq!(p("192.168.1.20", 2), "192.168.255.2");
        assert_eq!(p("8.8.8.8", 1), "192.0.2.1");
        assert_eq!(p("8.8.8.8", 255), "198.51.100.1");
        assert!(ipv4_is_generic("255.255.255.0".parse().unwrap()));
        assert!(!ipv4_is_generic("10.20.0.10".parse().unwrap()));
        let v6 = |s: &str, n| ipv6_pseudonym(s.parse().unwrap(), n).to_string();
        assert_eq!(v6("fe80::1", 3), "fe80::db8:0:3");
        assert_eq!(v6("2a02:8071::1", 3), "2001:db8::3");
    }

    #[test]
    fn pseudonyms_are_written_like_the_original() {
        assert_eq!(cased("host-1", "WIN7-ACCT-03"), "HOST-1");
        assert_eq!(cased("org-1", "Contoso"), "Org-1");
        assert_eq!(cased("org-1", "contoso"), "org-1");
        assert_eq!(cased("user-2", "k.Meyer"), "user-2");
    }
}
