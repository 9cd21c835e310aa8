//! Windows' own network settings: `winsock` (`netsh winsock reset`, naming what it
//! removes), `services` (each named service's start type back to Windows' default, then
//! started), `ncsi-probe` (`EnableActiveProbing=1`, unless a Group Policy turns probing
//! off: then IT) and `ipv6` (Microsoft's `DisabledComponents=0x20`, prefer IPv4, rather
//! than turning IPv6 off).

use super::{Action, Change, Ctx, Finding, Handling, Justification, Outcome};
use crate::facts::Fact;
use crate::parse::winsock::MICROSOFT_DLLS;

fn list(x: &Option<Fact<Vec<String>>>) -> Vec<String> {
    x.as_ref().map(|v| v.value.clone()).unwrap_or_default()
}

pub(super) fn winsock(ctx: &mut Ctx<'_>, f: &Finding) -> Outcome {
    let w = &ctx.facts().winsock;
    let layered = list(&w.layered_providers);
    let base_missing = w.tcpip_base.as_ref().is_some_and(|b| !b.value);
    if layered.is_empty() && !base_missing {
        return Outcome::none(
            "Only base providers Windows does not ship are installed (usually a VPN or a hypervisor), which a reset would remove: the script leaves them; reset Winsock by hand (netsh winsock reset) only if activation still fails.",
        );
    }
    let Some((_, entries)) = &ctx.analysis.inputs.winsock else {
        return Outcome::none("The snapshot does not hold the Winsock catalog.");
    };
    // A reset keeps only Windows' own providers: name every other one, layered first.
    let mut removed: Vec<&crate::parse::winsock::WinsockEntry> = entries
        .iter()
        .filter(|e| {
            e.layered() || (!e.path.is_empty() && !MICROSOFT_DLLS.contains(&e.dll().as_str()))
        })
        .collect();
    removed.sort_by_key(|e| !e.layered());
    let mut providers: Vec<String> = Vec::new();
    let mut dlls: Vec<String> = Vec::new();
    for e in &removed {
        let shown = format!("{} ({})", e.description, e.path);
        if !providers.contains(&shown) {
            providers.push(shown);
        }
        if !e.path.is_empty() && !dlls.iter().any(|d| d.eq_ignore_ascii_case(&e.path)) {
            dlls.push(e.path.clone());
        }
    }
    let why = Justification {
        status: f.status,
        evidence: Ctx::evidence(
            f,
            &[
                "winsock.layered_providers",
                "winsock.tcpip_base",
                "winsock.third_party_providers",
            ],
        ),
        seen: Vec::new(),
    };
    let title = if base_missing {
        "Winsock catalog reset: Windows' TCP/IP provider is missing (netsh winsock reset)"
    } else {
        "Winsock catalog reset: the layered providers are removed (netsh winsock reset)"
    };
    let change = Change::WinsockReset { providers, dlls };
    let action = Action::new("winsock-reset", "winsock", title, change, why)
        .restart()
        .note(
            "Every program's connections go through the catalog again without the providers named; the product that installed them may need to be reinstalled or updated.",
        );
    Outcome::of(Handling::Script, vec![ctx.add(action)], "")
}

/// The services the rule names, with Windows' default start type and whether the rule
/// expects them running.
const SERVICES: &[(&str, u32, bool)] = &[
    ("NlaSvc", 2, true),
    ("netprofm", 3, true),
    ("NcdAutoSetup", 3, false),
    ("EventLog", 2, true),
];

pub(super) fn services(ctx: &mut Ctx<'_>, f: &Finding) -> Outcome {
    let all = &ctx.facts().services;
    let mut ids = Vec::new();
    let mut left: Vec<String> = Vec::new();
    for (name, default, should_run) in SERVICES {
        let Some((_, s)) = all.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)) else {
            continue;
        };
        if s.installed.as_ref().is_some_and(|i| !i.value) {
            left.push(format!(
                "{name} is not installed: repair Windows (DISM /Online /Cleanup-Image /RestoreHealth, then sfc /scannow)."
            ));
            continue;
        }
        let crashes = s.crashes.as_ref().map_or(0, |c| c.value)
            + s.failed_starts.as_ref().map_or(0, |c| c.value);
        if crashes > 0 {
            left.push(format!(
                "{name} crashed or failed to start according to the System log: that history stays until the log rolls over; if it goes on, look at the events named."
            ));
        }
        let Some(start) = s.start.as_ref() else {
            continue;
        };
        let Ok(before) = u32::try_from(start.value) else {
            continue;
        };
        let automatic = *default == 2;
        let wrong_type = before == 4 || (automatic && before == 3);
        let stopped = *should_run && s.running.as_ref().is_some_and(|r| !r.value);
        if !wrong_type && !stopped {
            continue;
        }
        let after = if wrong_type { *default } else { before };
        let why = Justification {
            status: f.status,
            evidence: Ctx::evidence(
                f,
                &[
                    &format!("services.{name}.installed"),
                    &format!("services.{name}.start"),
                    &format!("services.{name}.start_type"),
                    &format!("services.{name}.running"),
                ],
            ),
            seen: start.evidence.clone(),
        };
        let title = if wrong_type {
            format!(
                "{name} starts {} again, as Windows sets it, and is started",
                super::start_word(after)
            )
        } else {
            format!("{name} is started")
        };
        let change = Change::Service {
            service: (*name).to_owned(),
            before,
            after,
            start: true,
        };
        let id = format!("services-{}", name.to_ascii_lowercase());
        ids.push(ctx.add(Action::new(id, "services", title, change, why)));
    }
    let mut out = Outcome::of(
        Handling::Script,
        ids,
        "No service has a start type or state the script can set right.",
    );
    if !left.is_empty() {
        out.complete = false;
        out = out.with_note(left.join(" "));
    }
    out
}

pub(super) fn ncsi(ctx: &mut Ctx<'_>, f: &Finding) -> Outcome {
    let n = &ctx.facts().ncsi;
    if n.policy_no_active_probe
        .as_ref()
        .is_some_and(|p| p.value == 1)
    {
        return Outcome::ask_it(
            "A Group Policy turns NCSI active probing off (NoActiveProbe=1 under HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\NetworkConnectivityStatusIndicator). Please ask IT to set \"Turn off Windows Network Connectivity Status Indicator active tests\" to Not configured or Disabled: the policy would undo a local change, so the script makes none.",
        );
    }
    let mut out = if n
        .enable_active_probing
        .as_ref()
        .is_some_and(|p| p.value == 0)
    {
        let Some(now) = ctx.dword(crate::facts::ncsi::INTERNET, "EnableActiveProbing") else {
            return Outcome::none("The snapshot does not show EnableActiveProbing.");
        };
        let why = Justification {
            status: f.status,
            evidence: Ctx::evidence(f, &["ncsi.enable_active_probing"]),
            seen: vec![now.seen],
        };
        let change = Change::value(
            crate::facts::ncsi::INTERNET,
            "EnableActiveProbing",
            now.value,
            Some(1),
            now.key_existed,
        );
        let action = Action::new(
            "ncsi-probing",
            "ncsi-probe",
            "NCSI active probing on (EnableActiveProbing = 1)",
            change,
            why,
        )
        .restart();
        Outcome::of(Handling::Script, vec![ctx.add(action)], "")
    } else {
        Outcome::none(
            "Probing is not turned off in the settings: what the finding reports (NCSI's last state in its log) is history that a working probe replaces after a restart.",
        )
    };
    if n.active_web_probe_host.is_some()
        && f.messages.iter().any(|m| m.contains("non-default host"))
    {
        out.complete = false;
        out = out.with_note(
            "NCSI probes a host that is not Windows' default: ask IT whether the network serves it; the script does not change it.",
        );
    }
    out
}

pub(super) fn ipv6(ctx: &mut Ctx<'_>, f: &Finding) -> Outcome {
    let key = crate::facts::ipv6::PARAMETERS;
    let Some(now) = ctx.dword(key, "DisabledComponents") else {
        return Outcome::none("The snapshot does not show DisabledComponents.");
    };
    let why = Justification {
        status: f.status,
        evidence: Ctx::evidence(f, &["ipv6.disabled_components", "probes.ipv6_broken"]),
        seen: vec![now.seen],
    };
    let change = Change::value(
        key,
        "DisabledComponents",
        now.value,
        Some(now.value.unwrap_or(0) | 0x20),
        now.key_existed,
    );
    let action = Action::new(
        "ipv6-prefer-ipv4",
        "ipv6",
        "IPv4 preferred over IPv6 (DisabledComponents 0x20, Microsoft's recommended setting; IPv6 stays on)",
        change,
        why,
    )
    .restart()
    .note(
        "Have the network's IPv6 path repaired, then remove the value again (the undo does that).",
    );
    Outcome::of(Handling::Script, vec![ctx.add(action)], "")
}
