//! The activation endpoints of Microsoft's article, from `analyzers/data/endpoints.toml` (the one
//! place the list lives), and the host matching proxy bypass lists use.

use serde::Deserialize;
use std::sync::LazyLock;

const SOURCE: &str = include_str!("../analyzers/data/endpoints.toml");

/// One endpoint of the article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub url: String,
    pub https: bool,
    pub host: String,
    pub port: u16,
}

#[derive(Deserialize)]
struct File {
    endpoints: Vec<String>,
    #[serde(default)]
    cdn_hosts: Vec<String>,
}

fn endpoint(url: &str) -> Option<Endpoint> {
    let (scheme, rest) = url.split_once("://")?;
    let https = match scheme {
        "https" => true,
        "http" => false,
        _ => return None,
    };
    let host = rest.split(['/', '?']).next()?.to_ascii_lowercase();
    (!host.is_empty()).then(|| Endpoint {
        url: url.to_owned(),
        https,
        host,
        port: if https { 443 } else { 80 },
    })
}

static FILE: LazyLock<Option<File>> = LazyLock::new(|| toml::from_str::<File>(SOURCE).ok());

static ENDPOINTS: LazyLock<Vec<Endpoint>> = LazyLock::new(|| {
    // The file is part of the binary and checked by a test; a broken edit yields no list.
    FILE.as_ref()
        .map(|f| f.endpoints.iter().filter_map(|u| endpoint(u)).collect())
        .unwrap_or_default()
});

/// The hosts among the endpoints that serve static content (CDNs), lower-case.
pub fn cdn_hosts() -> Vec<String> {
    FILE.as_ref()
        .map(|f| f.cdn_hosts.iter().map(|h| h.to_ascii_lowercase()).collect())
        .unwrap_or_default()
}

/// The article's endpoints, in its order.
pub fn all() -> &'static [Endpoint] {
    &ENDPOINTS
}

/// The distinct host names of the article's endpoints.
pub fn hosts() -> Vec<&'static str> {
    let mut out: Vec<&str> = Vec::new();
    for e in all() {
        if !out.contains(&e.host.as_str()) {
            out.push(&e.host);
        }
    }
    out
}

/// Whether a proxy bypass entry (`*.microsoft.com`, `login.*`, `<local>`, an exact name)
/// sends `host` around the proxy. `<local>` matches names without a dot.
pub fn bypass_matches(entry: &str, host: &str) -> bool {
    let entry = entry.trim().to_ascii_lowercase();
    let entry = entry
        .strip_prefix("https://")
        .or_else(|| entry.strip_prefix("http://"))
        .unwrap_or(&entry);
    if entry == "<local>" {
        return !host.contains('.');
    }
    glob(entry.as_bytes(), host.as_bytes())
}

/// `*` matches any run of characters; everything else literally.
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some((b'*', rest)) => (0..=text.len()).any(|i| glob(rest, &text[i..])),
        Some((c, rest)) => text.first() == Some(c) && glob(rest, &text[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_article_list_loads_whole() {
        assert_eq!(all().len(), 20);
        assert!(hosts().contains(&"login.microsoftonline.com"));
        let crl = all()
            .iter()
            .find(|e| e.url.ends_with("MicrosoftRootAuthority.crl"))
            .unwrap();
        assert_eq!(
            (crl.https, crl.port, crl.host.as_str()),
            (false, 80, "crl.microsoft.com")
        );
    }

    #[test]
    fn bypass_entries_match_like_wininet() {
        assert!(bypass_matches("*.microsoft.com", "login.microsoft.com"));
        assert!(!bypass_matches(
            "*.microsoft.com",
            "login.microsoftonline.com"
        ));
        assert!(bypass_matches(
            "*.microsoftonline.com",
            "login.microsoftonline.com"
        ));
        assert!(bypass_matches("LOGIN.*", "login.windows.net"));
        assert!(bypass_matches("<local>", "intranet"));
        assert!(!bypass_matches("<local>", "go.microsoft.com"));
        assert!(bypass_matches(
            "https://go.microsoft.com",
            "go.microsoft.com"
        ));
    }
}
