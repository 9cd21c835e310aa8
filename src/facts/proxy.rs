//! Proxy settings of the two HTTP stacks: WinHTTP (machine-wide, what activation uses) and
//! WinINet (per user, what the browser and Internet Options use).
//!
//! WinHTTP comes from the `WinHttpSettings` blob (language-independent) and
//! `netsh winhttp show proxy` text, merged as `winhttp` says: an observation beats the
//! default inferred from an export without the blob, and when the two disagree both are
//! kept; `show advproxy` (Windows 11) adds PAC, auto-detect and "use the user's settings". WinINet comes from the user's `DefaultConnectionSettings` blob
//! (what WinINet reads) and falls back to the `ProxyEnable`/`ProxyServer`/`ProxyOverride`/
//! `AutoConfigURL` values; with the policy `ProxySettingsPerUser` = 0 the machine's keys are
//! read instead of the user's.

use super::merge::{Source, merge};
use super::model::{Evidence, Fact, fact_group};
use super::registry_read::{Reading, int, read, reword, text};
use crate::endpoints;
use crate::parse::netsh_winhttp::{AdvProxy, NetshProxy};
use crate::parse::proxy_blob::{self, ProxyBlob};
use crate::problem::{Problem, ProblemKind};
use crate::registry::RegistryView;

pub const WINHTTP_CONNECTIONS: &str =
    r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections";
pub const USER_SETTINGS: &str = r"HKCU\Software\Microsoft\Windows\CurrentVersion\Internet Settings";
pub const MACHINE_SETTINGS: &str =
    r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings";
pub const POLICY: &str =
    r"HKLM\SOFTWARE\Policies\Microsoft\Windows\CurrentVersion\Internet Settings";

fact_group! {
    /// Proxy settings of WinHTTP and WinINet.
    pub struct ProxyFacts {
        /// WinHTTP: "direct" or "proxy" (from the WinHttpSettings blob, else netsh winhttp show proxy).
        winhttp_mode: String,
        /// WinHTTP proxy server list, when it has one (host:port or http=...;https=...).
        winhttp_proxy: String,
        /// WinHTTP bypass list entries.
        winhttp_bypass: Vec<String>,
        /// Article endpoints whose host the WinHTTP bypass list sends around the proxy.
        winhttp_bypassed_endpoints: Vec<String>,
        /// WinHTTP PAC URL (netsh winhttp show advproxy, Windows 11), when set.
        winhttp_auto_config_url: String,
        /// WinHTTP auto-detects a proxy (WPAD; show advproxy).
        winhttp_auto_detect: bool,
        /// WinHTTP follows each user's proxy settings (show advproxy PerUserProxySettings).
        winhttp_per_user: bool,
        /// WinINet (browser) has a proxy server turned on.
        wininet_proxy_enabled: bool,
        /// WinINet proxy server list, when set.
        wininet_proxy: String,
        /// WinINet bypass list entries (ProxyOverride).
        wininet_bypass: Vec<String>,
        /// WinINet PAC URL (AutoConfigURL), when set.
        wininet_auto_config_url: String,
        /// WinINet "Automatically detect settings" (WPAD).
        wininet_auto_detect: bool,
        /// The browser goes through a proxy: a proxy server turned on, or a PAC URL.
        wininet_uses_proxy: bool,
        /// The policy ProxySettingsPerUser = 0 makes the machine's settings apply to every user.
        wininet_per_machine: bool,
    }
}

/// Inputs beyond the registry.
pub struct Sources<'a> {
    pub netsh: Option<&'a (String, NetshProxy)>,
    pub advproxy: Option<&'a (String, usize, AdvProxy)>,
}

fn blob_reading(view: &RegistryView, key: &str, name: &str) -> Reading<Vec<u8>> {
    read(view, key, name, |d| d.as_bytes().map(<[u8]>::to_vec))
}

fn describe(blob: &ProxyBlob) -> String {
    let mut parts = vec![format!("flags {:#x}", blob.flags)];
    if !blob.proxy.is_empty() {
        parts.push(format!("proxy {}", blob.proxy));
    }
    if !blob.bypass.is_empty() {
        parts.push(format!("bypass {}", blob.bypass));
    }
    if !blob.auto_config_url.is_empty() {
        parts.push(format!("PAC {}", blob.auto_config_url));
    }
    parts.join(", ")
}

/// Reads a blob value; a damaged blob is a problem and counts as not collected.
fn blob(
    view: &RegistryView,
    key: &str,
    name: &str,
    problems: &mut Vec<Problem>,
) -> Reading<ProxyBlob> {
    match blob_reading(view, key, name) {
        Reading::Set(bytes, mut ev) => match proxy_blob::parse(&bytes) {
            Ok(b) => {
                reword(
                    &mut ev,
                    format!("REG_BINARY, {} bytes: {}", bytes.len(), describe(&b)),
                );
                Reading::Set(b, ev)
            }
            Err(e) => {
                problems.push(Problem::new(
                    Some(&ev.artifact),
                    ProblemKind::Parse,
                    format!("{} is damaged ({e}); not used", ev.locator),
                ));
                Reading::NotCollected
            }
        },
        Reading::NotSet(ev) => Reading::NotSet(ev),
        Reading::NotCollected => Reading::NotCollected,
    }
}

fn netsh_evidence(artifact: &str, line: Option<usize>, locator: &str, seen: &str) -> Evidence {
    Evidence {
        artifact: artifact.to_owned(),
        line,
        locator: locator.to_owned(),
        seen: seen.to_owned(),
    }
}

pub fn build(
    view: &RegistryView,
    sources: &Sources<'_>,
    problems: &mut Vec<Problem>,
) -> ProxyFacts {
    let mut p = ProxyFacts::default();
    winhttp(view, sources, problems, &mut p);
    wininet(view, problems, &mut p);
    p
}

/// WinHTTP's proxy as one source shows it.
#[derive(Debug, Clone)]
struct WinhttpSetting {
    proxy: Option<String>,
    bypass: Vec<String>,
}

impl WinhttpSetting {
    fn mode(&self) -> String {
        if self.proxy.is_some() {
            "proxy"
        } else {
            "direct"
        }
        .to_owned()
    }

    fn shown(&self) -> String {
        match &self.proxy {
            Some(p) if self.bypass.is_empty() => format!("proxy {p}"),
            Some(p) => format!("proxy {p}, bypass {}", self.bypass.join(";")),
            None => "direct access".to_owned(),
        }
    }
}

const BLOB_SOURCE: &str = "the registry's WinHttpSettings";
const NETSH_SOURCE: &str = "netsh winhttp show proxy";
const WINHTTP_WHY: &str =
    "WinHTTP reads its proxy from WinHttpSettings, and the value reads the same in every language";

/// WinHTTP's proxy, merged from two sources in this order (see `merge.rs`):
///
/// 1. the `WinHttpSettings` value, when a registry file has it: what WinHTTP reads, the
///    same in every language, so it is preferred when the two disagree;
/// 2. `netsh winhttp show proxy`, an observation of the same setting;
/// 3. an export of `...\Internet Settings\Connections` without `WinHttpSettings`: direct
///    access, the Windows default — inferred from absence, so either observation beats it.
///
/// Mode, proxy and bypass list are merged one by one, so a disagreement is shown on the
/// fact it concerns; the other source is kept beside the value.
fn winhttp(
    view: &RegistryView,
    sources: &Sources<'_>,
    problems: &mut Vec<Problem>,
    p: &mut ProxyFacts,
) {
    let mut found: Vec<Source<WinhttpSetting>> = Vec::new();
    match blob(view, WINHTTP_CONNECTIONS, "WinHttpSettings", problems) {
        Reading::Set(b, ev) => {
            let setting = WinhttpSetting {
                proxy: b.uses_proxy().then(|| b.proxy.clone()),
                bypass: proxy_blob::bypass_entries(&b.bypass),
            };
            let shown = setting.shown();
            found.push(Source::observed(setting, shown, BLOB_SOURCE, vec![ev]));
        }
        // No value: WinHTTP was never given a proxy — unless a command saw one.
        Reading::NotSet(ev) => found.push(Source::inferred(
            WinhttpSetting {
                proxy: None,
                bypass: Vec::new(),
            },
            "not set, so direct access",
            BLOB_SOURCE,
            vec![ev],
        )),
        Reading::NotCollected => {}
    }
    if let Some((artifact, n)) = sources.netsh {
        let setting = WinhttpSetting {
            proxy: (!n.direct).then(|| n.proxy.clone().unwrap_or_default()),
            bypass: proxy_blob::bypass_entries(n.bypass.as_deref().unwrap_or_default()),
        };
        let shown = setting.shown();
        let seen = setting
            .proxy
            .clone()
            .unwrap_or_else(|| "direct access".to_owned());
        let ev = netsh_evidence(artifact, n.proxy_line, NETSH_SOURCE, &seen);
        // An observation: it goes before the inferred default, after the registry's value.
        let at = found
            .iter()
            .position(|s| !s.observed)
            .unwrap_or(found.len());
        found.insert(at, Source::observed(setting, shown, NETSH_SOURCE, vec![ev]));
    }
    let by = |f: fn(&WinhttpSetting) -> Option<String>| -> Vec<Source<String>> {
        found
            .iter()
            .filter_map(|s| {
                Some(Source {
                    value: f(&s.value)?,
                    shown: s.shown.clone(),
                    evidence: s.evidence.clone(),
                    observed: s.observed,
                    name: s.name.clone(),
                })
            })
            .collect()
    };
    let same_text = |a: &String, b: &String| a.eq_ignore_ascii_case(b);
    let Some(mode) = merge(&by(|s| Some(s.mode())), same_text, WINHTTP_WHY) else {
        return advanced(sources, p);
    };
    let proxied = mode.value == "proxy";
    // Without a proxy a bypass list is a leftover nothing reads: the first source's stands.
    let bypass_sources: Vec<Source<Vec<String>>> = found
        .iter()
        .filter(|s| s.value.proxy.is_some() == proxied)
        .take(if proxied { found.len() } else { 1 })
        .map(|s| Source {
            value: s.value.bypass.clone(),
            shown: s.shown.clone(),
            evidence: s.evidence.clone(),
            observed: s.observed,
            name: s.name.clone(),
        })
        .collect();
    let same_list = |a: &Vec<String>, b: &Vec<String>| {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.eq_ignore_ascii_case(y))
    };
    let bypass = merge(&bypass_sources, same_list, WINHTTP_WHY);
    if proxied && let Some(proxy) = merge(&by(|s| s.proxy.clone()), same_text, WINHTTP_WHY) {
        let entries = bypass.as_ref().map(|b| b.value.clone()).unwrap_or_default();
        let bypassed: Vec<String> = endpoints::hosts()
            .into_iter()
            .filter(|h| entries.iter().any(|e| endpoints::bypass_matches(e, h)))
            .map(str::to_owned)
            .collect();
        let mut evidence = proxy.evidence.clone();
        for e in bypass.iter().flat_map(|b| &b.evidence) {
            if !evidence.contains(e) {
                evidence.push(e.clone());
            }
        }
        p.winhttp_bypassed_endpoints = Some(Fact::new(bypassed, evidence));
        p.winhttp_proxy = Some(proxy);
    }
    p.winhttp_bypass = bypass;
    p.winhttp_mode = Some(mode);
    advanced(sources, p);
}

fn advanced(sources: &Sources<'_>, p: &mut ProxyFacts) {
    let Some((artifact, line, adv)) = sources.advproxy else {
        return;
    };
    let ev = |field: &str, seen: String| {
        netsh_evidence(
            artifact,
            Some(*line),
            &format!("netsh winhttp show advproxy: {field}"),
            &seen,
        )
    };
    if let Some(per_user) = adv.per_user_proxy_settings {
        p.winhttp_per_user = Some(Fact::new(
            per_user,
            vec![ev("PerUserProxySettings", per_user.to_string())],
        ));
    }
    if let Some(detect) = adv.auto_detect {
        p.winhttp_auto_detect = Some(Fact::new(
            detect,
            vec![ev("AutoDetect", detect.to_string())],
        ));
    }
    if let (Some(true), Some(url)) = (adv.auto_config_is_enabled, adv.auto_config_url.as_ref()) {
        p.winhttp_auto_config_url = Some(Fact::new(
            url.clone(),
            vec![ev("AutoConfigUrl", url.clone())],
        ));
    }
}

const WININET_BLOB: &str = "the registry's DefaultConnectionSettings";
const WININET_WHY: &str = "WinINet reads its settings from DefaultConnectionSettings; the single values are what Internet Options writes beside it";
const PAC_WHY: &str = "Internet Options writes AutoConfigURL when the script box is ticked and deletes it when it is not";

/// The browser's (WinINet's) proxy, merged in this order (see `merge.rs`): the
/// `DefaultConnectionSettings` blob, which WinINet reads, before the single values
/// `ProxyEnable`, `ProxyServer` and `ProxyOverride`; for the PAC URL, `AutoConfigURL` before
/// the blob's. A value that is absent from an export is a default inferred from absence
/// (`ProxyEnable` off) and loses to any observation; an empty string in the blob says
/// nothing about the single value. Observations that disagree are both kept.
fn wininet(view: &RegistryView, problems: &mut Vec<Problem>, p: &mut ProxyFacts) {
    let per_machine = int(view, POLICY, "ProxySettingsPerUser");
    let machine_wide = matches!(per_machine, Reading::Set(0, _));
    if let Some(ev) = per_machine.evidence() {
        p.wininet_per_machine = Some(Fact::new(machine_wide, vec![ev.clone()]));
    }
    let base = if machine_wide {
        MACHINE_SETTINGS
    } else {
        USER_SETTINGS
    };
    let connections = format!(r"{base}\Connections");
    let blob = blob(view, &connections, "DefaultConnectionSettings", problems);
    let from_blob = |name: &str, f: &dyn Fn(&ProxyBlob) -> Option<String>| match &blob {
        Reading::Set(b, ev) => f(b).map(|v| Source::observed(v.clone(), v, name, vec![ev.clone()])),
        _ => None,
    };
    let from_value = |name: &str| match text(view, base, name) {
        Reading::Set(v, ev) if !v.trim().is_empty() => {
            let v = v.trim().to_owned();
            Some(Source::observed(
                v.clone(),
                v,
                &format!("the registry's {name}"),
                vec![ev],
            ))
        }
        _ => None,
    };
    let same_text = |a: &String, b: &String| a.eq_ignore_ascii_case(b);
    let non_empty = |s: &String| (!s.is_empty()).then(|| s.clone());

    let mut switch: Vec<Source<bool>> = Vec::new();
    if let Reading::Set(b, ev) = &blob {
        let on = b.flags & proxy_blob::FLAG_PROXY != 0;
        let shown = format!("proxy flag {}", if on { "on" } else { "off" });
        switch.push(Source::observed(on, shown, WININET_BLOB, vec![ev.clone()]));
        p.wininet_auto_detect = Some(Fact::new(b.auto_detect(), vec![ev.clone()]));
    }
    match int(view, base, "ProxyEnable") {
        Reading::Set(v, ev) => switch.push(Source::observed(
            v != 0,
            format!("ProxyEnable={v}"),
            "the registry's ProxyEnable",
            vec![ev],
        )),
        Reading::NotSet(ev) => switch.push(Source::inferred(
            false,
            "not set, so off",
            "the registry's ProxyEnable",
            vec![ev],
        )),
        Reading::NotCollected => {}
    }
    let enabled = merge(&switch, |a, b| a == b, WININET_WHY);
    let proxy_sources: Vec<Source<String>> = from_blob(WININET_BLOB, &|b| non_empty(&b.proxy))
        .into_iter()
        .chain(from_value("ProxyServer"))
        .collect();
    let proxy = merge(&proxy_sources, same_text, WININET_WHY);
    let bypass_sources: Vec<Source<String>> = from_blob(WININET_BLOB, &|b| non_empty(&b.bypass))
        .into_iter()
        .chain(from_value("ProxyOverride"))
        .collect();
    let bypass = merge(&bypass_sources, same_text, WININET_WHY);
    let pac_sources: Vec<Source<String>> = from_value("AutoConfigURL")
        .into_iter()
        .chain(from_blob(WININET_BLOB, &|b| {
            b.uses_auto_config().then(|| b.auto_config_url.clone())
        }))
        .collect();
    let pac = merge(&pac_sources, same_text, PAC_WHY);

    p.wininet_bypass = bypass.map(|b| {
        let entries = proxy_blob::bypass_entries(&b.value);
        Fact {
            value: entries,
            evidence: b.evidence,
            note: b.note,
            disagreement: b.disagreement,
        }
    });
    // Uses a proxy: a proxy turned on with a server, or a PAC URL. Needs the on/off answer,
    // unless a PAC URL settles it (a file that only sets one says nothing of the switch).
    let on = enabled.as_ref().map(|f| f.value);
    if on.is_some() || pac.is_some() {
        let mut evidence: Vec<Evidence> = enabled
            .iter()
            .flat_map(|f| f.evidence.iter().cloned())
            .collect();
        let via_server = on == Some(true) && proxy.is_some();
        if let Some(f) = proxy.as_ref().filter(|_| on == Some(true)) {
            evidence.extend(f.evidence.iter().cloned());
        }
        if let Some(f) = &pac {
            evidence.extend(f.evidence.iter().cloned());
        }
        evidence.dedup();
        let note = match (via_server, &pac) {
            (true, Some(_)) => "a proxy server and a PAC file",
            (true, None) => "a proxy server",
            (false, Some(_)) => "a PAC file",
            (false, None) => "no proxy server and no PAC file",
        };
        p.wininet_uses_proxy =
            Some(Fact::new(via_server || pac.is_some(), evidence).with_note(note));
    }
    p.wininet_proxy_enabled = enabled;
    p.wininet_proxy = proxy;
    p.wininet_auto_config_url = pac;
}
