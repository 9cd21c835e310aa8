//! `proxy`: WinHTTP given the proxy the browser uses — `netsh winhttp import proxy
//! source=ie` for a plain proxy; for a PAC file, on Windows 11 `netsh winhttp set advproxy
//! setting-scope=user` (WinHTTP follows the user's settings, PAC included), elsewhere the
//! proxy the PAC file gave the browser for Microsoft's endpoints (the probes show it) —
//! and `netsh winhttp reset proxy` for a WinHTTP proxy the browser no longer uses.

use super::{Action, Change, Ctx, Finding, Handling, Justification, Outcome, Winhttp};
use crate::facts::proxy::USER_SETTINGS;
use crate::facts::registry_read::{Reading, text};

const FACTS: &[&str] = &[
    "proxy.wininet_uses_proxy",
    "proxy.winhttp_mode",
    "proxy.winhttp_proxy",
    "proxy.wininet_proxy",
    "probes.winhttp_only_failed",
];

/// The one proxy the browser's requests to the endpoints went through, when the probes
/// agree on one.
fn probed_proxy(ctx: &Ctx<'_>) -> Option<String> {
    let (_, probes, _) = ctx.analysis.inputs.probes.as_ref()?;
    let mut seen: Vec<&str> = probes
        .results
        .iter()
        .filter_map(|p| p.wininet.as_ref())
        .filter(|h| h.status.is_some())
        .filter_map(|h| h.proxy.as_deref())
        .filter(|p| !p.eq_ignore_ascii_case("direct") && !p.is_empty())
        .collect();
    seen.sort_unstable();
    seen.dedup();
    match seen.as_slice() {
        [one] => Some((*one).to_owned()),
        _ => None,
    }
}

/// The user's `ProxyServer` and `ProxyOverride` as written (what `import proxy` copies).
fn browser_values(ctx: &Ctx<'_>) -> Option<(String, String, Vec<crate::facts::Evidence>)> {
    let view = &ctx.analysis.inputs.registry;
    let Reading::Set(server, ev) = text(view, USER_SETTINGS, "ProxyServer") else {
        return None;
    };
    let mut seen = vec![ev];
    let bypass = match text(view, USER_SETTINGS, "ProxyOverride") {
        Reading::Set(b, ev) => {
            seen.push(ev);
            b
        }
        Reading::NotSet(_) => String::new(),
        Reading::NotCollected => return None,
    };
    Some((server, bypass, seen))
}

pub(super) fn proxy(ctx: &mut Ctx<'_>, f: &Finding) -> Outcome {
    let facts = ctx.facts();
    let p = &facts.proxy;
    let flag = |x: &Option<crate::facts::Fact<bool>>| x.as_ref().is_some_and(|v| v.value);
    let text_of = |x: &Option<crate::facts::Fact<String>>| x.as_ref().map(|v| v.value.clone());
    let Some(mode) = text_of(&p.winhttp_mode) else {
        return Outcome::none("The snapshot does not show WinHTTP's proxy.");
    };
    let winhttp_before = match (mode.as_str(), text_of(&p.winhttp_proxy)) {
        ("proxy", Some(server)) => Winhttp::Proxy {
            server,
            bypass: p
                .winhttp_bypass
                .as_ref()
                .map(|b| b.value.join(";"))
                .unwrap_or_default(),
        },
        _ => Winhttp::Direct,
    };
    let browser_proxy = flag(&p.wininet_proxy_enabled) && p.wininet_proxy.is_some();
    let pac = text_of(&p.wininet_auto_config_url);
    let follows_user = flag(&p.winhttp_per_user) || p.winhttp_auto_config_url.is_some();
    let build = facts.os.build.as_ref().map_or(0, |b| b.value);
    let mut seen: Vec<crate::facts::Evidence> = p
        .winhttp_mode
        .iter()
        .flat_map(|m| m.evidence.clone())
        .collect();

    let after = if flag(&p.wininet_uses_proxy) && mode == "direct" && !follows_user {
        if browser_proxy {
            let Some((server, bypass, ev)) = browser_values(ctx) else {
                return Outcome::none(
                    "The snapshot does not show the browser's ProxyServer value that netsh winhttp import proxy copies.",
                );
            };
            seen.extend(ev);
            Winhttp::Browser { server, bypass }
        } else if build >= 22000 {
            Winhttp::PerUser {
                auto_config_url: pac.unwrap_or_default(),
                auto_detect: flag(&p.wininet_auto_detect),
            }
        } else if let Some(server) = probed_proxy(ctx) {
            Winhttp::Proxy {
                server,
                bypass: "<local>".to_owned(),
            }
        } else {
            return Outcome::none(
                "The browser finds its proxy through a PAC file or automatic detection, which WinHTTP cannot import before Windows 11, and the probes do not show which proxy it picks for Microsoft's endpoints: ask IT for that proxy and set it with netsh winhttp set proxy.",
            );
        }
    } else if mode == "proxy" && !flag(&p.wininet_uses_proxy) {
        Winhttp::Direct
    } else if mode == "proxy"
        && browser_proxy
        && text_of(&p.winhttp_proxy).map(|s| s.to_ascii_lowercase())
            != text_of(&p.wininet_proxy).map(|s| s.to_ascii_lowercase())
    {
        let Some((server, bypass, ev)) = browser_values(ctx) else {
            return Outcome::none(
                "The snapshot does not show the browser's ProxyServer value that netsh winhttp import proxy copies.",
            );
        };
        seen.extend(ev);
        Winhttp::Browser { server, bypass }
    } else {
        return Outcome::none(
            "WinHTTP's proxy matches the browser's settings; what is left (a bypass list, the probes' failures) is the network's to fix: see the finding's remediation.",
        );
    };

    let title = match &after {
        Winhttp::Browser { .. } => {
            "WinHTTP takes the browser's proxy (netsh winhttp import proxy source=ie)"
        }
        Winhttp::PerUser { .. } => {
            "WinHTTP follows the user's proxy settings, PAC file included (netsh winhttp set advproxy setting-scope=user)"
        }
        Winhttp::Proxy { .. } => {
            "WinHTTP uses the proxy the browser's PAC file picks for Microsoft's endpoints (netsh winhttp set proxy)"
        }
        Winhttp::Direct => "WinHTTP's leftover proxy removed (netsh winhttp reset proxy)",
    };
    let why = Justification {
        status: f.status,
        evidence: Ctx::evidence(f, FACTS),
        seen,
    };
    let change = Change::WinhttpProxy {
        before: winhttp_before,
        after: after.clone(),
    };
    let id = ctx.add(Action::new("proxy-winhttp", "proxy", title, change, why));
    let mut out = Outcome::of(Handling::Script, vec![id], "");
    // The endpoints WinHTTP could not reach are those the browser reached: the same proxy
    // gets WinHTTP there too.
    let pr = &facts.probes;
    let list = |x: &Option<crate::facts::Fact<Vec<String>>>| {
        x.as_ref().map(|v| v.value.clone()).unwrap_or_default()
    };
    let only_winhttp = !list(&pr.winhttp_failed).is_empty()
        && list(&pr.winhttp_failed).len() == list(&pr.winhttp_only_failed).len()
        && list(&pr.dns_failed).is_empty()
        && list(&pr.wininet_failed).is_empty()
        && list(&pr.proxy_auth_required).is_empty();
    let endpoints_failing = ctx.analysis.findings.iter().any(|g| {
        g.rule == "endpoints"
            && matches!(
                g.status,
                crate::rules::Status::Fail | crate::rules::Status::Warn
            )
    });
    if after != Winhttp::Direct && only_winhttp && endpoints_failing {
        out.also_fixes.push("endpoints".to_owned());
    }
    out
}
