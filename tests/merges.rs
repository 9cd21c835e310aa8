//! Issue 13, section 3: an observed value — a command's output, a value present in a
//! registry file — beats a default inferred from absence, and observations that disagree
//! are both kept and shown: one test per merge of the facts, over hand exports (files under
//! any names, no manifest) and collector zips (a sample with a file changed).

mod common;
#[path = "support/handmade.rs"]
mod handmade;

use caadoctor::analysis::Analysis;
use handmade::*;

const NETSH_PROXY: &str = "\nCurrent WinHTTP proxy settings:\n\n    Proxy Server(s) :  proxy.contoso.com:8080\n    Bypass List     :  <local>\n\n";

const HKLM_SETTINGS: &str =
    r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings";
const HKCU_SETTINGS: &str =
    r"HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Internet Settings";

/// The browser's proxy, as Internet Options writes it.
fn hkcu_proxy() -> Vec<u8> {
    export(&format!(
        "[{HKCU_SETTINGS}]\n\"ProxyEnable\"=dword:00000001\n\"ProxyServer\"=\"proxy.contoso.com:8080\"\n\"ProxyOverride\"=\"<local>\"\n\n[{HKCU_SETTINGS}\\Connections]"
    ))
}

/// A hand export of the machine's Internet Settings whose Connections key holds
/// `connections`, the browser's proxy, and `netsh winhttp show proxy` showing that proxy.
fn winhttp_hand(name: &str, connections: &str) -> Analysis {
    let machine = export(&format!(
        "[{HKLM_SETTINGS}]\n\"MinorVersion\"=\"0\"\n\n[{HKLM_SETTINGS}\\Connections]{connections}"
    ));
    hand(
        name,
        &[
            ("machine settings.reg", machine),
            ("user.dat", hkcu_proxy()),
            ("netsh.log", utf16(NETSH_PROXY)),
        ],
    )
}

/// The issue's example: the export of Internet Settings has no `WinHttpSettings` (so "direct,
/// the Windows default") while `netsh winhttp show proxy` shows the proxy the browser uses.
#[test]
fn winhttp_netsh_observation_beats_an_export_without_the_blob() {
    let a = winhttp_hand("winhttp-observed", "");
    let mode = a.facts.proxy.winhttp_mode.as_ref().unwrap();
    assert_eq!(mode.value, "proxy");
    assert_eq!(mode.evidence[0].artifact, "netsh.log");
    assert!(
        mode.disagreement.is_none(),
        "an inferred default is no observation"
    );
    let note = mode.note.as_deref().unwrap();
    assert!(
        note.contains("netsh winhttp show proxy") && note.contains("beats the default inferred"),
        "{note}"
    );
    assert_eq!(
        a.facts.proxy.winhttp_proxy.as_ref().unwrap().value,
        "proxy.contoso.com:8080"
    );
    // WinHTTP and the browser use the same proxy: no "browser works, activation fails";
    // only the probes, not in this hand export, could still fail the rule.
    let proxy = finding(&a, "proxy");
    assert_eq!(proxy.status.as_str(), "unknown", "{proxy:#?}");
    let missing: Vec<&str> = proxy.missing.iter().map(|m| m.fact.as_str()).collect();
    assert_eq!(missing, ["probes.winhttp_only_failed"]);
}

#[test]
fn winhttp_blob_and_netsh_that_disagree_are_both_shown() {
    // A hand export: the blob says direct, netsh a proxy.
    let direct_blob =
        "\"WinHttpSettings\"=hex:18,00,00,00,00,00,00,00,01,00,00,00,00,00,00,00,00,00,00,\\\n  00";
    let a = winhttp_hand("winhttp-disagree", &format!("\n{direct_blob}"));
    let mode = a.facts.proxy.winhttp_mode.as_ref().unwrap();
    assert_eq!(mode.value, "direct", "the blob WinHTTP reads is preferred");
    let d = mode.disagreement.as_ref().unwrap();
    assert_eq!(d.others[0].sources[0].artifact, "netsh.log");
    let proxy = finding(&a, "proxy");
    assert_eq!(proxy.status.as_str(), "fail");
    let m = disagreement_message(proxy, "proxy.winhttp_mode");
    assert!(
        m.contains("the registry's WinHttpSettings: direct access (machine settings.reg:")
            && m.contains(
                "netsh winhttp show proxy: proxy proxy.contoso.com:8080, bypass <local> (netsh.log:4)"
            ),
        "{m}"
    );
    let ev = proxy
        .evidence
        .iter()
        .find(|e| e.fact == "proxy.winhttp_mode")
        .unwrap();
    assert!(ev.disagreement.is_some(), "the evidence holds both sources");

    // The same in a collector zip: its netsh output changed after the export.
    let a = sample_with(
        "win10-proxy-browser-only",
        "winhttp-disagree-zip",
        &[("commands/netsh-winhttp-show-proxy.txt", &|_| {
            Some(utf16(NETSH_PROXY))
        })],
    );
    let proxy = finding(&a, "proxy");
    assert_eq!(proxy.status.as_str(), "fail");
    let m = disagreement_message(proxy, "proxy.winhttp_mode");
    assert!(m.contains("commands/netsh-winhttp-show-proxy.txt:4"), "{m}");
}

#[test]
fn wininet_blob_and_proxy_enable_that_disagree_are_both_shown() {
    // Internet Options' blob has the proxy flag off; ProxyEnable says on.
    let off_blob = "\"DefaultConnectionSettings\"=hex:46,00,00,00,02,00,00,00,01,00,00,00,00,00,\\\n  00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,\\\n  00,00,00,00,00,00,00,00,00,00,00";
    let a = hand(
        "wininet-disagree",
        &[(
            "hkcu.reg",
            export(&format!(
                "[{HKCU_SETTINGS}]\n\"ProxyEnable\"=dword:00000001\n\"ProxyServer\"=\"proxy.contoso.com:8080\"\n\n[{HKCU_SETTINGS}\\Connections]\n{off_blob}"
            )),
        )],
    );
    let on = a.facts.proxy.wininet_proxy_enabled.as_ref().unwrap();
    assert!(!on.value, "WinINet reads the blob");
    let d = on.disagreement.as_ref().unwrap();
    assert!(d.others[0].value.contains("ProxyEnable=1"), "{d:?}");
    assert!(d.used.contains("DefaultConnectionSettings"), "{d:?}");

    // A hand export that sets ProxyEnable without the blob: the observation stands, and an
    // export without ProxyEnable is "off", the default, which a blob's flag beats.
    let a = hand(
        "wininet-default",
        &[(
            "hkcu.reg",
            export(&format!(
                "[{HKCU_SETTINGS}]\n\"MinorVersion\"=\"0\"\n\n[{HKCU_SETTINGS}\\Connections]\n{}",
                off_blob.replace("01,00,00,00,00,00,\\", "03,00,00,00,00,00,\\")
            )),
        )],
    );
    let on = a.facts.proxy.wininet_proxy_enabled.as_ref().unwrap();
    assert!(on.value);
    assert!(
        on.note.as_deref().unwrap().contains("beats the default"),
        "{on:?}"
    );
}

const SC_QC_NLASVC_AUTO: &str = "[SC] QueryServiceConfig SUCCESS\n\nSERVICE_NAME: NlaSvc\n        TYPE               : 30  WIN32\n        START_TYPE         : 2   AUTO_START\n        ERROR_CONTROL      : 1   NORMAL\n        BINARY_PATH_NAME   : C:\\Windows\\System32\\svchost.exe -k NetworkService -p\n        DISPLAY_NAME       : Network Location Awareness\n";

const SERVICES_KEY: &str = r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services";

#[test]
fn service_start_from_the_registry_and_sc_qc_that_disagree_are_both_shown() {
    let a = hand(
        "service-start-disagree",
        &[
            (
                "nla.reg",
                export(&format!(
                    "[{SERVICES_KEY}\\NlaSvc]\n\"Start\"=dword:00000004\n\"Type\"=dword:00000020"
                )),
            ),
            ("sc.txt", utf16(SC_QC_NLASVC_AUTO)),
        ],
    );
    let nla = &a.facts.services["NlaSvc"];
    let start = nla.start.as_ref().unwrap();
    assert_eq!(
        start.value, 2,
        "the Service Control Manager's answer applies now"
    );
    assert_eq!(start.evidence[0].artifact, "sc.txt");
    let d = start.disagreement.as_ref().unwrap();
    assert_eq!(
        d.others[0].value,
        "the registry's Start: disabled (Start=4)"
    );
    assert!(d.why.contains("next restart"), "{}", d.why);
    assert_eq!(nla.start_type.as_ref().unwrap().value, "automatic");

    // In a collector zip: the export says disabled, sc qc and Get-Service automatic.
    let a = sample_with(
        "win11-healthy",
        "service-start-disagree-zip",
        &[(
            "registry/svc-nlasvc.reg",
            &edit("\"Start\"=dword:00000002", "\"Start\"=dword:00000004"),
        )],
    );
    let services = finding(&a, "services");
    let m = disagreement_message(services, "services.NlaSvc.start");
    assert!(
        m.contains("sc qc: automatic (2)")
            && m.contains("the registry's Start: disabled (Start=4)"),
        "{m}"
    );
    assert!(m.contains("registry/svc-nlasvc.reg:"), "{m}");
}

#[test]
fn a_service_a_command_shows_is_installed_whatever_an_export_lacks() {
    // A whole export of the Services key that lacks netprofm (inferred: not installed) and
    // `sc query netprofm` that shows it running (observed).
    let sc_query = "\nSERVICE_NAME: netprofm\n        TYPE               : 30  WIN32\n        STATE              : 4  RUNNING\n                                (STOPPABLE, NOT_PAUSABLE, ACCEPTS_SHUTDOWN)\n        WIN32_EXIT_CODE    : 0  (0x0)\n";
    let a = hand(
        "service-installed",
        &[
            (
                "services.reg",
                export(&format!(
                    "[{SERVICES_KEY}]\n\n[{SERVICES_KEY}\\NlaSvc]\n\"Start\"=dword:00000002"
                )),
            ),
            ("q.txt", utf16(sc_query)),
        ],
    );
    let installed = a.facts.services["netprofm"].installed.as_ref().unwrap();
    assert!(installed.value);
    assert_eq!(installed.evidence[0].artifact, "q.txt");
    assert!(installed.disagreement.is_none());
    assert!(
        installed
            .note
            .as_deref()
            .unwrap()
            .contains("beats the default inferred from the registry (key absent)"),
        "{installed:?}"
    );
}

#[test]
fn service_states_from_get_service_and_sc_query_that_disagree_are_both_shown() {
    // In a collector zip: Get-Service (written after sc query) says NlaSvc stopped.
    let a = sample_with(
        "win11-healthy",
        "service-state-disagree-zip",
        &[("commands/services.json", &|bytes| {
            let text = String::from_utf8(bytes).unwrap();
            Some(
                text.replacen("\"Status\": 4", "\"Status\": 1", 1)
                    .into_bytes(),
            )
        })],
    );
    let state = a.facts.services["NlaSvc"].state.as_ref().unwrap();
    assert_eq!(state.value, "stopped");
    let d = state.disagreement.as_ref().unwrap();
    assert_eq!(d.others[0].value, "sc query: running");
    let services = finding(&a, "services");
    assert_eq!(services.status.as_str(), "fail");
    disagreement_message(services, "services.NlaSvc.running");
}

#[test]
fn two_registry_files_that_set_a_value_differently_are_both_shown() {
    // A whole export of NlaSvc says probing is on; a tweak someone wrote turns it off.
    let tweak = b"REGEDIT4\r\n\r\n[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\NlaSvc\\Parameters\\Internet]\r\n\"EnableActiveProbing\"=dword:00000000\r\n".to_vec();
    let a = hand(
        "registry-files-disagree",
        &[
            (
                "nla.reg",
                export(&format!(
                    "[{SERVICES_KEY}\\NlaSvc]\n\"Start\"=dword:00000002\n\n[{SERVICES_KEY}\\NlaSvc\\Parameters]\n\n[{SERVICES_KEY}\\NlaSvc\\Parameters\\Internet]\n\"EnableActiveProbing\"=dword:00000001"
                )),
            ),
            ("tweak.reg", tweak.clone()),
        ],
    );
    let probing = a.facts.ncsi.enable_active_probing.as_ref().unwrap();
    assert_eq!(probing.value, 1, "the whole export's value is used");
    let d = probing.disagreement.as_ref().unwrap();
    assert_eq!(d.used, "nla.reg: dword:00000001 (1)");
    assert_eq!(d.others[0].value, "tweak.reg: dword:00000000 (0)");
    assert!(
        d.others[0].sources[0].seen.contains("not a whole export"),
        "{:?}",
        d.others[0]
    );
    let m = disagreement_message(finding(&a, "ncsi-probe"), "ncsi.enable_active_probing");
    assert!(
        m.contains("(nla.reg:9)") && m.contains("(tweak.reg:4)"),
        "{m}"
    );

    // A collector zip with the same tweak beside its export.
    let a = sample_with(
        "win11-healthy",
        "registry-files-disagree-zip",
        &[("registry/probing-off.reg", &move |_| Some(tweak.clone()))],
    );
    let ncsi = finding(&a, "ncsi-probe");
    assert_eq!(ncsi.status.as_str(), "pass");
    let m = disagreement_message(ncsi, "ncsi.enable_active_probing");
    assert!(m.contains("registry/probing-off.reg:4"), "{m}");
}

#[test]
fn whoami_and_dsregcmd_that_name_different_accounts_are_both_kept() {
    let dsreg = dsregcmd(true, false, &[], r"AzureAD\bob, bob@contoso.com");
    let a = hand(
        "upn-disagree",
        &[("who.txt", utf16("alice@contoso.com\n")), ("ds.txt", dsreg)],
    );
    let upn = a.facts.accounts.signed_in_upn.as_ref().unwrap();
    assert_eq!(upn.value, "alice@contoso.com");
    let d = upn.disagreement.as_ref().unwrap();
    assert_eq!(
        d.others[0].value,
        "dsregcmd Executing Account Name: bob@contoso.com"
    );
    assert_eq!(d.others[0].sources[0].artifact, "ds.txt");
}

#[test]
fn update_channel_and_cdn_base_url_that_name_different_channels_are_both_kept() {
    let c2r = export(
        r#"[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Office\ClickToRun\Configuration]
"CDNBaseUrl"="http://officecdn.microsoft.com/pr/55336b82-a18d-4dd6-b5f6-9e5095c314a6"
"Platform"="x64"
"UpdateChannel"="http://officecdn.microsoft.com/pr/492350f6-3a01-4f97-b9c0-c7c6ddf67d60"
"VersionToReport"="16.0.18429.20132""#,
    );
    let a = hand("channel-disagree", &[("office.reg", c2r)]);
    let channel = a.facts.office.channel.as_ref().unwrap();
    assert_eq!(channel.value, "Current");
    let d = channel.disagreement.as_ref().unwrap();
    assert_eq!(d.others[0].value, "CDNBaseUrl: Monthly Enterprise");
}
