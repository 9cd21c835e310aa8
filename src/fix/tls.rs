//! `tls12`: what Microsoft's "easy fix" for update KB3140245 sets — WinHTTP's
//! `DefaultSecureProtocols` in both registry views (TLS 1.1 + 1.2, 0xA00, on Windows 7 SP1,
//! 2008 R2 SP1 and 2012; TLS 1.2 added to what is there on later Windows), SCHANNEL's TLS
//! 1.1/1.2 client switches on Windows 7 / 2008 R2, where they are off by default — plus the
//! "Use TLS 1.2" box of Internet Options. Where the update itself is missing, the first
//! action opens it for the user: the values change nothing until it is installed, and the
//! plan says so rather than pretend otherwise.

use super::{Action, Change, Ctx, Finding, Handling, Justification, Opens, Outcome, from_policy};
use crate::facts::tls::{SCHANNEL_TLS12_CLIENT, TLS12_BIT, WINHTTP, WINHTTP_WOW64};

const KB: &str = "KB3140245";
const KB_URL: &str = "https://www.catalog.update.microsoft.com/Search.aspx?q=KB3140245";
/// Read by the plan, so kept by the registry view (`facts::REGISTRY_READ`).
pub(crate) const SCHANNEL_TLS11_CLIENT: &str =
    r"HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.1\Client";
/// TLS 1.1 (0x200) and 1.2 (0x800): the easy fix's value.
const EASY_FIX: u32 = 0xA00;

pub(super) fn tls12(ctx: &mut Ctx<'_>, f: &Finding) -> Outcome {
    let facts = ctx.facts();
    let Some(build) = facts.os.build.as_ref().map(|b| b.value) else {
        return Outcome::none(
            "The snapshot does not show the Windows build, which decides what TLS 1.2 needs.",
        );
    };
    if build < 7601 {
        return Outcome::none(
            "Windows 7 without Service Pack 1 cannot give WinHTTP TLS 1.2 at all: install Service Pack 1 (or a newer Windows) first.",
        );
    }
    let off = |fact: &Option<crate::facts::Fact<bool>>| fact.as_ref().is_some_and(|v| !v.value);
    let native_off = off(&facts.tls.winhttp_tls12);
    let x86 = facts
        .os
        .arch
        .as_ref()
        .is_some_and(|a| a.value.eq_ignore_ascii_case("x86"));
    let wow_off = off(&facts.tls.winhttp_tls12_wow64) && !x86;
    let kb_installed = facts.updates.kb3140245.as_ref().is_some_and(|k| k.value);
    let needs_kb = build < 9600 && !kb_installed;
    let winhttp_wanted = native_off || wow_off || needs_kb;
    let mut ids = Vec::new();
    let mut complete = true;

    if needs_kb && winhttp_wanted {
        let seen = facts
            .updates
            .installed
            .as_ref()
            .map(|u| u.evidence.clone())
            .unwrap_or_default();
        let why = Justification {
            status: f.status,
            evidence: Ctx::evidence(f, &["tls.winhttp_tls12", "updates.kb3140245"]),
            seen,
        };
        let action = Action::new(
            "tls12-kb3140245",
            "tls12",
            "Install update KB3140245: without it WinHTTP ignores DefaultSecureProtocols",
            Change::Open(Opens::Update {
                kb: KB.to_owned(),
                url: KB_URL.to_owned(),
            }),
            why,
        )
        .restart()
        .note(format!(
            "On build {build}, WinHTTP honours DefaultSecureProtocols only once {KB} is installed: the values the next actions set take effect after the update and a restart, not before."
        ));
        ids.push(ctx.add(action));
    }

    for (wanted, key, id, title, facts_used) in [
        (
            native_off,
            WINHTTP,
            "tls12-winhttp",
            "WinHTTP offers TLS 1.2 to 64-bit programs and Windows' sign-in components",
            &["tls.winhttp_tls12"][..],
        ),
        (
            wow_off,
            WINHTTP_WOW64,
            "tls12-winhttp-wow64",
            "WinHTTP offers TLS 1.2 to 32-bit programs (32-bit Office reads this view)",
            &[
                "office.installed",
                "office.winhttp_view",
                "tls.winhttp_tls12_wow64",
            ][..],
        ),
    ] {
        if !wanted {
            continue;
        }
        let Some(dsp) = ctx.dword(key, "DefaultSecureProtocols") else {
            continue;
        };
        let add = if build < 9600 {
            EASY_FIX
        } else {
            TLS12_BIT as u32
        };
        let after = dsp.value.unwrap_or(0) | add;
        let why = Justification {
            status: f.status,
            evidence: Ctx::evidence(f, facts_used),
            seen: vec![dsp.seen],
        };
        let change = Change::value(
            key,
            "DefaultSecureProtocols",
            dsp.value,
            Some(after),
            dsp.key_existed,
        );
        ids.push(ctx.add(Action::new(id, "tls12", title, change, why).restart()));
    }

    // SCHANNEL: on Windows 7 / 2008 R2 TLS 1.1 and 1.2 are "disabled by default" for the
    // client, which the easy fix turns on with WinHTTP; anywhere, Enabled=0 turns TLS 1.2 off.
    let schannel_off = off(&facts.tls.schannel_tls12_client);
    let mut switches: Vec<(&str, &str, &str, u32)> = Vec::new();
    if build < 9200 && winhttp_wanted {
        for (key, proto) in [
            (SCHANNEL_TLS11_CLIENT, "tls11"),
            (SCHANNEL_TLS12_CLIENT, "tls12"),
        ] {
            switches.push((key, proto, "DisabledByDefault", 0));
            switches.push((key, proto, "Enabled", 1));
        }
    }
    if schannel_off {
        switches.push((SCHANNEL_TLS12_CLIENT, "tls12", "Enabled", 1));
        switches.push((SCHANNEL_TLS12_CLIENT, "tls12", "DisabledByDefault", 0));
    }
    for (key, proto, name, want) in switches {
        let Some(now) = ctx.dword(key, name) else {
            continue;
        };
        // Enabled not set means on; only an explicit 0 is changed. DisabledByDefault not set
        // means on for Windows 7's TLS 1.1/1.2: set to 0.
        let change_it = match (name, now.value) {
            ("Enabled", Some(0)) => true,
            ("Enabled", _) => false,
            (_, v) => v != Some(want),
        };
        if !change_it {
            continue;
        }
        let why = Justification {
            status: f.status,
            evidence: Ctx::evidence(f, &["tls.schannel_tls12_client", "tls.winhttp_tls12"]),
            seen: vec![now.seen],
        };
        let change = Change::value(key, name, now.value, Some(want), now.key_existed);
        let version = if proto == "tls11" { "1.1" } else { "1.2" };
        let title = format!("SCHANNEL: the TLS {version} client {name} = {want}");
        let id = format!("tls12-schannel-{proto}-{}", name.to_ascii_lowercase());
        ids.push(ctx.add(Action::new(id, "tls12", title, change, why).restart()));
    }

    // Internet Options: the value in effect, where it is set; a policy's is IT's to change.
    let mut note = None;
    if off(&facts.tls.inet_tls12)
        && let Some(effective) = &facts.tls.inet_secure_protocols
    {
        let key = effective
            .evidence
            .first()
            .and_then(|e| e.locator.strip_suffix(r"\SecureProtocols"))
            .map(str::to_owned);
        if from_policy(&effective.evidence) {
            complete = false;
            note = Some(
                "Internet Options' TLS 1.2 box is set by a Group Policy (SecureProtocols under Policies): ask IT to include TLS 1.2 (0x800) in the policy \"Turn off encryption support\"; the script does not change it.".to_owned(),
            );
        } else if let Some(key) = key
            && let Some(now) = ctx.dword(&key, "SecureProtocols")
            && let Some(v) = now.value
        {
            let why = Justification {
                status: f.status,
                evidence: Ctx::evidence(f, &["tls.inet_tls12"]),
                seen: vec![now.seen],
            };
            let change = Change::value(
                &key,
                "SecureProtocols",
                Some(v),
                Some(v | TLS12_BIT as u32),
                true,
            );
            ids.push(ctx.add(Action::new(
                "tls12-internet-options",
                "tls12",
                "Internet Options: \"Use TLS 1.2\" ticked (SecureProtocols)",
                change,
                why,
            )));
        }
    }

    let handling = if needs_kb && winhttp_wanted {
        Handling::ScriptAndUser
    } else {
        Handling::Script
    };
    let mut out = Outcome::of(
        handling,
        ids,
        "The snapshot does not show the values to change (their keys were not collected).",
    );
    if !complete {
        out.complete = false;
    }
    if let Some(n) = note {
        out = out.with_note(n);
    }
    out
}
