//! TLS 1.2 as the sign-in stack sees it: SCHANNEL's protocol switch, WinHTTP's default
//! protocols (native and 32-bit views) and Internet Options' `SecureProtocols`, plus the
//! *effective* answers, which depend on the Windows build:
//!
//! * SCHANNEL supports TLS 1.2 from Windows 7 / Server 2008 R2; it is used by default from
//!   Windows 8 / Server 2012 (on 7 / 2008 R2 `DisabledByDefault` is effectively 1).
//! * WinHTTP offers TLS 1.2 by default from Windows 8.1 / Server 2012 R2. On 7 SP1,
//!   2008 R2 SP1 and 2012 it does so only when `DefaultSecureProtocols` includes 0x800, which
//!   is honoured once update KB3140245 is installed. Before 7 SP1 it cannot.
//! * Internet Options (WinINet) read `SecureProtocols`: machine policy, then user policy,
//!   then the user's setting, then the machine's; Internet Explorer 11 (built into 8.1 and
//!   later) defaults to TLS 1.0–1.2.

use super::model::{Evidence, Fact, fact_group};
use super::registry_read::{Reading, int};
use crate::registry::RegistryView;

pub const SCHANNEL_TLS12_CLIENT: &str =
    r"HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.2\Client";
pub const WINHTTP: &str =
    r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\WinHttp";
pub const WINHTTP_WOW64: &str =
    r"HKLM\SOFTWARE\Wow6432Node\Microsoft\Windows\CurrentVersion\Internet Settings\WinHttp";
/// Where `SecureProtocols` is read, strongest first.
pub const SECURE_PROTOCOLS_KEYS: [&str; 4] = [
    r"HKLM\SOFTWARE\Policies\Microsoft\Windows\CurrentVersion\Internet Settings",
    r"HKCU\SOFTWARE\Policies\Microsoft\Windows\CurrentVersion\Internet Settings",
    r"HKCU\Software\Microsoft\Windows\CurrentVersion\Internet Settings",
    r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings",
];

/// The protocol bit of TLS 1.2 in `DefaultSecureProtocols` and `SecureProtocols`.
pub const TLS12_BIT: i64 = 0x800;

fact_group! {
    /// TLS 1.2 availability for the sign-in stack.
    pub struct TlsFacts {
        /// SCHANNEL TLS 1.2\Client Enabled, when set (0 turns TLS 1.2 off for every client).
        schannel_tls12_client_enabled: i64,
        /// SCHANNEL TLS 1.2\Client DisabledByDefault, when set.
        schannel_tls12_client_disabled_by_default: i64,
        /// SCHANNEL lets clients use TLS 1.2 at all (Enabled is not 0, or the OS default).
        schannel_tls12_client: bool,
        /// SCHANNEL offers TLS 1.2 to clients that ask for the system default.
        schannel_tls12_client_default: bool,
        /// WinHTTP DefaultSecureProtocols (64-bit view), when set.
        winhttp_default_secure_protocols: i64,
        /// WinHTTP DefaultSecureProtocols under Wow6432Node (32-bit programs), when set.
        winhttp_default_secure_protocols_wow64: i64,
        /// WinHTTP (native view) offers TLS 1.2 by default on this build with these settings.
        winhttp_tls12: bool,
        /// WinHTTP for 32-bit programs (Wow6432Node view) offers TLS 1.2 by default.
        winhttp_tls12_wow64: bool,
        /// Internet Options SecureProtocols in effect (policy first), when set anywhere.
        inet_secure_protocols: i64,
        /// Internet Options (WinINet) allow TLS 1.2.
        inet_tls12: bool,
    }
}

pub fn build(view: &RegistryView, build: Option<i64>, arch: Option<&str>) -> TlsFacts {
    let mut tls = TlsFacts::default();
    let enabled = int(view, SCHANNEL_TLS12_CLIENT, "Enabled");
    let disabled_by_default = int(view, SCHANNEL_TLS12_CLIENT, "DisabledByDefault");
    tls.schannel_tls12_client_enabled = set(&enabled);
    tls.schannel_tls12_client_disabled_by_default = set(&disabled_by_default);

    let dsp = int(view, WINHTTP, "DefaultSecureProtocols");
    let dsp_wow = int(view, WINHTTP_WOW64, "DefaultSecureProtocols");
    tls.winhttp_default_secure_protocols = set(&dsp);
    tls.winhttp_default_secure_protocols_wow64 = set(&dsp_wow);

    let inet = effective_secure_protocols(view);
    if let Some(Reading::Set(v, e)) = &inet {
        tls.inet_secure_protocols = Some(Fact::new(*v, vec![e.clone()]));
    }

    let Some(build) = build else {
        return tls;
    };
    tls.schannel_tls12_client = schannel_enabled(&enabled, build);
    tls.schannel_tls12_client_default = schannel_default(&disabled_by_default, build);
    tls.winhttp_tls12 = winhttp(&dsp, build, "");
    // A 32-bit Windows has no Wow6432Node and no 32-bit view to judge.
    if !arch.is_some_and(|a| a.eq_ignore_ascii_case("x86")) {
        tls.winhttp_tls12_wow64 = winhttp(&dsp_wow, build, " (Wow6432Node)");
    }
    tls.inet_tls12 = inet.and_then(|r| inet_tls12(r, build));
    tls
}

fn set(r: &Reading<i64>) -> Option<Fact<i64>> {
    match r {
        Reading::Set(v, e) => Some(Fact::new(*v, vec![e.clone()])),
        _ => None,
    }
}

fn schannel_enabled(enabled: &Reading<i64>, build: i64) -> Option<Fact<bool>> {
    match enabled {
        Reading::Set(0, e) => Some(
            Fact::new(false, vec![e.clone()])
                .with_note("Enabled=0 turns TLS 1.2 off for every client"),
        ),
        Reading::Set(_, e) => Some(Fact::new(build >= 7600, vec![e.clone()])),
        Reading::NotSet(e) => Some(Fact::new(build >= 7600, vec![e.clone()]).with_note(
            if build >= 7600 {
                "not set: TLS 1.2 is enabled by default on Windows 7 / Server 2008 R2 and later"
            } else {
                "not set: Windows before 7 / Server 2008 R2 has no TLS 1.2"
            },
        )),
        Reading::NotCollected => None,
    }
}

fn schannel_default(disabled_by_default: &Reading<i64>, build: i64) -> Option<Fact<bool>> {
    match disabled_by_default {
        Reading::Set(v, e) => Some(Fact::new(*v == 0 && build >= 7600, vec![e.clone()])),
        Reading::NotSet(e) => Some(Fact::new(build >= 9200, vec![e.clone()]).with_note(
            if build >= 9200 {
                "not set: used by default from Windows 8 / Server 2012 on"
            } else {
                "not set: on Windows 7 / Server 2008 R2 TLS 1.2 is disabled by default"
            },
        )),
        Reading::NotCollected => None,
    }
}

fn winhttp(dsp: &Reading<i64>, build: i64, view: &str) -> Option<Fact<bool>> {
    let evidence: Vec<Evidence> = dsp.evidence().cloned().into_iter().collect();
    if build < 7601 {
        // No setting helps: the update needs Windows 7 SP1 / Server 2008 R2 SP1.
        return Some(Fact::new(false, evidence).with_note(format!(
            "build {build}: WinHTTP{view} cannot use TLS 1.2 before Windows 7 SP1 / Server 2008 R2 SP1"
        )));
    }
    let needs_update = build < 9600;
    match dsp {
        Reading::Set(v, _) if v & TLS12_BIT != 0 => {
            let fact = Fact::new(true, evidence);
            Some(if needs_update {
                fact.with_note(format!(
                    "DefaultSecureProtocols{view}={v:#x} includes TLS 1.2; on build {build} it is honoured only with update KB3140245 installed"
                ))
            } else {
                fact
            })
        }
        Reading::Set(v, _) => Some(Fact::new(false, evidence).with_note(format!(
            "DefaultSecureProtocols{view}={v:#x} leaves out TLS 1.2 (0x800)"
        ))),
        Reading::NotSet(_) if needs_update => Some(Fact::new(false, evidence).with_note(format!(
            "not set: on build {build} WinHTTP{view} offers only SSL 3.0 and TLS 1.0 by default"
        ))),
        Reading::NotSet(_) => Some(Fact::new(true, evidence).with_note(format!(
            "not set: WinHTTP{view} uses TLS 1.2 by default from Windows 8.1 / Server 2012 R2 on"
        ))),
        Reading::NotCollected => None,
    }
}

/// The `SecureProtocols` value in effect: the first place (policy first) that sets it.
/// `NotSet` only when every place was collected and none sets it.
fn effective_secure_protocols(view: &RegistryView) -> Option<Reading<i64>> {
    let mut unset = Vec::new();
    let mut all_collected = true;
    for key in SECURE_PROTOCOLS_KEYS {
        match int(view, key, "SecureProtocols") {
            Reading::Set(v, e) => return Some(Reading::Set(v, e)),
            Reading::NotSet(e) => unset.push(e),
            Reading::NotCollected => all_collected = false,
        }
    }
    // The user's and machine's own keys decide when the policy keys were not collected:
    // policies are rare, and a missing policy export must not hide the setting.
    if all_collected || !unset.is_empty() {
        unset.into_iter().next().map(Reading::NotSet)
    } else {
        None
    }
}

fn inet_tls12(reading: Reading<i64>, build: i64) -> Option<Fact<bool>> {
    match reading {
        Reading::Set(v, e) => Some(Fact::new(v & TLS12_BIT != 0, vec![e]).with_note(format!(
            "SecureProtocols={v:#x}: TLS 1.2 (0x800) {}",
            if v & TLS12_BIT != 0 { "on" } else { "off" }
        ))),
        Reading::NotSet(e) if build >= 9600 => Some(
            Fact::new(true, vec![e])
                .with_note("not set: Internet Explorer 11's default includes TLS 1.2"),
        ),
        // On Windows 7 the default depends on the Internet Explorer version: unknown.
        Reading::NotSet(_) | Reading::NotCollected => None,
    }
}
