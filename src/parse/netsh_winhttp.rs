//! `netsh winhttp show proxy` and `netsh winhttp show advproxy`.
//!
//! The labels are translated, so the parser reads the *shape*: a header line, then either
//! one indented sentence (direct access) or indented `label : value` lines, of which the
//! first is the proxy server list and the second the bypass list. A value in parentheses
//! alone (`(none)`, `(keine)`, `(aucun)`) is an empty list. English, as Windows writes it:
//!
//! ```text
//! Current WinHTTP proxy settings:
//!
//!     Proxy Server(s) :  http=proxy.mycompany.lan:8090
//!     Bypass List     :  (none)
//! ```
//!
//! `show advproxy` (Windows 11) prints a header and a JSON object
//! (`ProxyIsEnabled`, `Proxy`, `ProxyBypass`, `AutoConfigIsEnabled`, `AutoConfigUrl`,
//! `AutoDetect`, `PerUserProxySettings`); only the object is read.

use serde::Deserialize;

/// What `netsh winhttp show proxy` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetshProxy {
    /// No proxy: the indented line is a sentence, not a `label : value` pair.
    pub direct: bool,
    pub proxy: Option<String>,
    pub bypass: Option<String>,
    /// Lines (1-based) of the header, the proxy value and the bypass value.
    pub header_line: usize,
    pub proxy_line: Option<usize>,
    pub bypass_line: Option<usize>,
}

/// Why a text is not readable `netsh winhttp show proxy` output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetshError {
    pub line: usize,
    pub message: String,
}

/// `label : value` with the separator netsh uses (a colon and a space, or a full-width
/// colon; values such as `http=host:8080` have colons without a space).
fn pair(line: &str) -> Option<(&str, &str)> {
    let t = line.trim();
    if let Some((label, value)) = t.split_once(": ").or_else(|| t.split_once('：')) {
        return Some((label.trim(), value.trim()));
    }
    t.strip_suffix(':')
        .or_else(|| t.strip_suffix('：'))
        .map(|label| (label.trim(), ""))
}

/// `(none)` and its translations mean an empty list.
fn none_word(value: &str) -> bool {
    let v = value.trim();
    v.is_empty() || (v.starts_with('(') && v.ends_with(')') && !v[1..].contains(['(', ';', ':']))
}

/// `netsh winhttp show proxy` output in any language: its first line names `WinHTTP` and
/// ends in a colon, and the body reads as one of the two shapes [`parse_proxy`] knows. A
/// pasted copy may start with the command it answers (`netsh winhttp import proxy
/// source=ie`, `C:\>netsh winhttp show proxy`), which is passed over.
pub fn looks_like_proxy(lines: &[(usize, &str)]) -> bool {
    lines
        .iter()
        .find(|(_, l)| !l.trim().is_empty() && !command_echo(l))
        .is_some_and(|(_, l)| header(l))
        && parse_proxy(lines).is_ok()
}

/// The command line itself, as a console or a write-up shows it before the answer.
fn command_echo(line: &str) -> bool {
    let l = line.to_ascii_lowercase();
    l.contains("netsh") && l.contains("winhttp") && !header(line)
}

/// `Current WinHTTP proxy settings:`, `現在の WinHTTP プロキシ設定:`, `当前的 WinHTTP 代理服务器设置:`.
fn header(line: &str) -> bool {
    let t = line.trim_end();
    line.contains("WinHTTP") && (t.ends_with(':') || t.ends_with('：'))
}

pub fn parse_proxy(lines: &[(usize, &str)]) -> Result<NetshProxy, NetshError> {
    let header = lines
        .iter()
        .find(|(_, l)| header(l))
        .ok_or_else(|| NetshError {
            line: 1,
            message: "no 'WinHTTP ... :' header line".to_owned(),
        })?;
    let body: Vec<(usize, &str)> = lines
        .iter()
        .filter(|(n, l)| *n > header.0 && !l.trim().is_empty())
        .copied()
        .collect();
    let Some(first) = body.first() else {
        return Err(NetshError {
            line: header.0,
            message: "nothing after the header (the output was cut?)".to_owned(),
        });
    };
    let pairs: Vec<(usize, &str)> = body
        .iter()
        .filter_map(|(n, l)| pair(l).map(|(_, v)| (*n, v)))
        .collect();
    if pairs.is_empty() {
        // One sentence: "Direct access (no proxy server)." in the user's language.
        return Ok(NetshProxy {
            direct: true,
            proxy: None,
            bypass: None,
            header_line: header.0,
            proxy_line: Some(first.0),
            bypass_line: None,
        });
    }
    let (proxy_line, proxy) = pairs[0];
    if none_word(proxy) {
        return Err(NetshError {
            line: proxy_line,
            message: "a proxy line without a proxy server".to_owned(),
        });
    }
    let bypass = pairs.get(1).copied();
    Ok(NetshProxy {
        direct: false,
        proxy: Some(proxy.to_owned()),
        bypass: bypass.and_then(|(_, v)| (!none_word(v)).then(|| v.to_owned())),
        header_line: header.0,
        proxy_line: Some(proxy_line),
        bypass_line: bypass.map(|(n, _)| n),
    })
}

/// What `netsh winhttp show advproxy` says (every field optional: builds differ).
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct AdvProxy {
    pub proxy_is_enabled: Option<bool>,
    pub proxy: Option<String>,
    pub proxy_bypass: Option<String>,
    pub auto_config_is_enabled: Option<bool>,
    pub auto_config_url: Option<String>,
    pub auto_detect: Option<bool>,
    pub per_user_proxy_settings: Option<bool>,
}

/// Reads the JSON object of `show advproxy` (or of `set advproxy`'s documentation).
pub fn parse_advproxy(text: &str) -> Result<(usize, AdvProxy), NetshError> {
    let start = text.find('{').ok_or_else(|| NetshError {
        line: 1,
        message: "no '{' starting the settings object".to_owned(),
    })?;
    let end = text
        .rfind('}')
        .filter(|e| *e > start)
        .ok_or_else(|| NetshError {
            line: text[..start].matches('\n').count() + 1,
            message: "the settings object is not closed (the output was cut?)".to_owned(),
        })?;
    let line = text[..start].matches('\n').count() + 1;
    serde_json::from_str(&text[start..=end])
        .map(|a| (line, a))
        .map_err(|e| NetshError {
            line: line + e.line().saturating_sub(1),
            message: e.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::numbered as lines;

    #[test]
    fn english_direct_and_proxy() {
        let d = parse_proxy(&lines("\r\nCurrent WinHTTP proxy settings:\r\n\r\n    Direct access (no proxy server).\r\n\r\n")).unwrap();
        assert!(d.direct);
        let p = parse_proxy(&lines("Current WinHTTP proxy settings:\r\n\r\n    Proxy Server(s) :  http=proxyhost:8080;https=proxyhostsecure:8081\r\n    Bypass List     :  monash;<local>\r\n")).unwrap();
        assert_eq!(
            p.proxy.as_deref(),
            Some("http=proxyhost:8080;https=proxyhostsecure:8081")
        );
        assert_eq!(p.bypass.as_deref(), Some("monash;<local>"));
        assert_eq!((p.proxy_line, p.bypass_line), (Some(3), Some(4)));
    }

    #[test]
    fn localized_labels_are_read_by_position() {
        let de = parse_proxy(&lines("\r\nAktuelle WinHTTP-Proxyeinstellungen:\r\n\r\n    Proxyserver:  proxy.corp:8080\r\n    Umgehungsliste:  (keine)\r\n")).unwrap();
        assert_eq!(
            (de.proxy.as_deref(), de.bypass.as_deref()),
            (Some("proxy.corp:8080"), None)
        );
        let de_direct = parse_proxy(&lines("\r\nAktuelle WinHTTP-Proxyeinstellungen:\r\n\r\n    Direkter Zugriff (kein Proxyserver).\r\n")).unwrap();
        assert!(de_direct.direct);
        let fr = parse_proxy(&lines("\r\nParamètres actuels du proxy WinHTTP :\r\n\r\n    Serveur(s) proxy :  proxy.contoso.fr:3128\r\n    Liste de contournement :  <local>;*.contoso.fr\r\n")).unwrap();
        assert_eq!(fr.proxy.as_deref(), Some("proxy.contoso.fr:3128"));
        assert_eq!(fr.bypass.as_deref(), Some("<local>;*.contoso.fr"));
        let fr_direct = parse_proxy(&lines("\r\nParamètres actuels du proxy WinHTTP :\r\n\r\n    Accès direct (pas de serveur proxy).\r\n")).unwrap();
        assert!(fr_direct.direct);
    }

    #[test]
    fn a_pasted_command_line_before_the_answer() {
        // As jpazureid/blog's AD FS write-up shows `import proxy` (see tests/real.rs).
        let ja = "netsh winhttp import proxy source=ie\r\n\r\n現在の WinHTTP プロキシ設定:\r\n   プロキシ サーバー: proxy:8080\r\n   バイパス一覧     : <local>\r\n";
        assert!(looks_like_proxy(&lines(ja)));
        let p = parse_proxy(&lines(ja)).unwrap();
        assert_eq!(
            (p.proxy.as_deref(), p.bypass.as_deref()),
            (Some("proxy:8080"), Some("<local>"))
        );
        let prompt = "C:\\>netsh winhttp show proxy\r\n\r\nCurrent WinHTTP proxy settings:\r\n\r\n    Direct access (no proxy server).\r\n";
        assert!(looks_like_proxy(&lines(prompt)));
        // Any other first line is not this output.
        assert!(!looks_like_proxy(&lines(
            "netsh interface show interface\r\nCurrent WinHTTP proxy settings:\r\n    Direct access (no proxy server).\r\n"
        )));
    }

    #[test]
    fn junk_and_cut_output_are_errors() {
        assert!(parse_proxy(&lines("hello\r\nworld\r\n")).is_err());
        let e = parse_proxy(&lines("Current WinHTTP proxy settings:\r\n\r\n")).unwrap_err();
        assert!(e.message.contains("cut"), "{e:?}");
    }

    #[test]
    fn advproxy_object() {
        let (line, a) = parse_advproxy("Current WinHTTP advanced proxy settings:\r\n\r\n{\r\n\t\"ProxyIsEnabled\":\tfalse,\r\n\t\"AutoConfigIsEnabled\":\ttrue,\r\n\t\"AutoConfigUrl\":\t\"http://wpad/wpad.dat\",\r\n\t\"AutoDetect\":\tfalse,\r\n\t\"PerUserProxySettings\":\tfalse\r\n}\r\n").unwrap();
        assert_eq!(line, 3);
        assert_eq!(a.auto_config_url.as_deref(), Some("http://wpad/wpad.dat"));
        assert_eq!(a.per_user_proxy_settings, Some(false));
        assert!(
            parse_advproxy(
                "Current WinHTTP advanced proxy settings:\r\n\r\n{\r\n\t\"ProxyIsEnabled\": tru"
            )
            .is_err()
        );
    }
}
