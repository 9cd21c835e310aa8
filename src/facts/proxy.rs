//! Proxy settings of the two HTTP stacks: WinHTTP (machine-wide, what activation uses) and
//! WinINet (per user, what the browser and Internet Options use).
//!
//! WinHTTP comes from the `WinHttpSettings` blob (language-independent) and falls back to
//! `netsh winhttp show proxy` text; `show advproxy` (Windows 11) adds PAC, auto-detect and
//! "use the user's settings". WinINet comes from the user's `DefaultConnectionSettings` blob
//! (what WinINet reads) and falls back to the `ProxyEnable`/`ProxyServer`/`ProxyOverride`/
//! `AutoConfigURL` values; with the policy `ProxySettingsPerUser` = 0 the machine's keys are
//! read instead of the user's.

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

fn winhttp(
    view: &RegistryView,
    sources: &Sources<'_>,
    problems: &mut Vec<Problem>,
    p: &mut ProxyFacts,
) {
    let (mode, proxy, bypass, ev) =
        match blob(view, WINHTTP_CONNECTIONS, "WinHttpSettings", problems) {
            Reading::Set(b, ev) => {
                let mode = if b.uses_proxy() { "proxy" } else { "direct" };
                (
                    mode,
                    b.uses_proxy().then(|| b.proxy.clone()),
                    b.bypass.clone(),
                    ev,
                )
            }
            // No blob at all: WinHTTP was never given a proxy.
            Reading::NotSet(ev) => ("direct", None, String::new(), ev),
            Reading::NotCollected => match sources.netsh {
                Some((artifact, n)) if n.direct => {
                    let ev = netsh_evidence(
                        artifact,
                        n.proxy_line,
                        "netsh winhttp show proxy",
                        "direct access",
                    );
                    ("direct", None, String::new(), ev)
                }
                Some((artifact, n)) => {
                    let proxy = n.proxy.clone().unwrap_or_default();
                    let ev =
                        netsh_evidence(artifact, n.proxy_line, "netsh winhttp show proxy", &proxy);
                    (
                        "proxy",
                        Some(proxy),
                        n.bypass.clone().unwrap_or_default(),
                        ev,
                    )
                }
                None => return advanced(sources, p),
            },
        };
    let entries = proxy_blob::bypass_entries(&bypass);
    if let Some(proxy) = proxy {
        p.winhttp_proxy = Some(Fact::new(proxy, vec![ev.clone()]));
        let bypassed: Vec<String> = endpoints::hosts()
            .into_iter()
            .filter(|h| entries.iter().any(|e| endpoints::bypass_matches(e, h)))
            .map(str::to_owned)
            .collect();
        p.winhttp_bypassed_endpoints = Some(Fact::new(bypassed, vec![ev.clone()]));
    }
    p.winhttp_bypass = Some(Fact::new(entries, vec![ev.clone()]));
    p.winhttp_mode = Some(Fact::new(mode.to_owned(), vec![ev]));
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
    let enable = int(view, base, "ProxyEnable");
    let server = text(view, base, "ProxyServer");
    let overrides = text(view, base, "ProxyOverride");
    let pac = text(view, base, "AutoConfigURL");

    let blob = blob(view, &connections, "DefaultConnectionSettings", problems);
    let (enabled, detect) = match &blob {
        Reading::Set(b, ev) => (
            Some((b.flags & proxy_blob::FLAG_PROXY != 0, ev.clone())),
            Some((b.auto_detect(), ev.clone())),
        ),
        _ => match &enable {
            Reading::Set(v, ev) => (Some((*v != 0, ev.clone())), None),
            Reading::NotSet(ev) => (Some((false, ev.clone())), None),
            Reading::NotCollected => (None, None),
        },
    };
    let blob_value = |f: fn(&ProxyBlob) -> &String| match &blob {
        Reading::Set(b, ev) if !f(b).is_empty() => Some((f(b).clone(), ev.clone())),
        _ => None,
    };
    let set = |r: &Reading<String>| match r {
        Reading::Set(v, ev) if !v.trim().is_empty() => Some((v.trim().to_owned(), ev.clone())),
        _ => None,
    };
    let proxy = blob_value(|b| &b.proxy).or_else(|| set(&server));
    let bypass = blob_value(|b| &b.bypass).or_else(|| set(&overrides));
    let pac = set(&pac).or_else(|| match &blob {
        Reading::Set(b, ev) if b.uses_auto_config() => {
            Some((b.auto_config_url.clone(), ev.clone()))
        }
        _ => None,
    });

    if let Some((on, ev)) = &enabled {
        p.wininet_proxy_enabled = Some(Fact::new(*on, vec![ev.clone()]));
    }
    if let Some((d, ev)) = detect {
        p.wininet_auto_detect = Some(Fact::new(d, vec![ev]));
    }
    if let Some((v, ev)) = &proxy {
        p.wininet_proxy = Some(Fact::new(v.clone(), vec![ev.clone()]));
    }
    if let Some((v, ev)) = bypass {
        p.wininet_bypass = Some(Fact::new(proxy_blob::bypass_entries(&v), vec![ev]));
    }
    if let Some((v, ev)) = &pac {
        p.wininet_auto_config_url = Some(Fact::new(v.clone(), vec![ev.clone()]));
    }
    // Uses a proxy: a proxy turned on with a server, or a PAC URL. Needs the on/off answer,
    // unless a PAC URL settles it (a file that only sets one says nothing of the switch).
    let switch = match enabled {
        Some((on, ev)) => Some((on, Some(ev))),
        None => pac.is_some().then_some((false, None)),
    };
    if let Some((on, on_ev)) = switch {
        let mut evidence: Vec<Evidence> = on_ev.into_iter().collect();
        let via_server = on && proxy.is_some();
        if let Some((_, ev)) = proxy.as_ref().filter(|_| on) {
            evidence.push(ev.clone());
        }
        if let Some((_, ev)) = &pac {
            evidence.push(ev.clone());
        }
        let uses = via_server || pac.is_some();
        let note = match (via_server, &pac) {
            (true, Some(_)) => "a proxy server and a PAC file",
            (true, None) => "a proxy server",
            (false, Some(_)) => "a PAC file",
            (false, None) => "no proxy server and no PAC file",
        };
        p.wininet_uses_proxy = Some(Fact::new(uses, evidence).with_note(note));
    }
}
