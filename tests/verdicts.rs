//! Issue 13, section 3: verdicts that follow the evidence and the article to the letter —
//! an observed value beats an inferred default and disagreeing observations are both
//! shown (one test per merge), `work-account` as the article words it, the WinHTTP view
//! Office's bitness reads, and `unknown` saying what to collect. Each over snapshots laid
//! out as hand exports (files under any names, no manifest) and as collector zips (a sample
//! with a file changed).

mod common;

use caadoctor::analysis::{self, Analysis};
use caadoctor::rules::{Finding, RuleSet};
use caadoctor::snapshot::{self, Limits};
use common::{repo, scratch};
use std::io::{Read, Write};

/// Text as Windows tools save it: UTF-16LE with a BOM, CRLF.
fn utf16(text: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE];
    for unit in text
        .replace("\r\n", "\n")
        .replace('\n', "\r\n")
        .encode_utf16()
    {
        out.extend(unit.to_le_bytes());
    }
    out
}

fn from_utf16(bytes: &[u8]) -> String {
    let units: Vec<u16> = bytes[2..]
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16(&units).unwrap()
}

/// A whole export as `reg export` writes it: `blocks` are `[KEY]` lines with their values,
/// separated by one empty line.
fn export(blocks: &str) -> Vec<u8> {
    utf16(&format!(
        "Windows Registry Editor Version 5.00\n\n{}\n\n",
        blocks.trim()
    ))
}

fn analyze(path: &std::path::Path) -> Analysis {
    let rules = RuleSet::builtin().unwrap();
    analysis::analyze(snapshot::open(path, &Limits::default()).unwrap(), &rules)
}

/// A folder of files exported by hand: any names, no manifest.
fn hand(name: &str, files: &[(&str, Vec<u8>)]) -> Analysis {
    let dir = scratch(&format!("verdicts-{name}"));
    for (file, bytes) in files {
        std::fs::write(dir.join(file), bytes).unwrap();
    }
    analyze(&dir)
}

/// A member of a sample zip (its path under the top folder) and what to make of its bytes:
/// new bytes, or `None` to leave it out.
type Change<'a> = (&'a str, &'a dyn Fn(Vec<u8>) -> Option<Vec<u8>>);

/// A sample zip as the collector wrote it, with members changed; members it does not have
/// are added.
fn sample_with(sample: &str, name: &str, change: &[Change<'_>]) -> Analysis {
    let bytes = std::fs::read(repo().join(format!("samples/{sample}.zip"))).unwrap();
    let mut src = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let path = scratch(&format!("verdicts-{name}")).join(format!("{sample}.zip"));
    let mut w = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let options = zip::write::SimpleFileOptions::default();
    let mut done: Vec<&str> = Vec::new();
    let mut top = String::new();
    for i in 0..src.len() {
        let mut member = src.by_index(i).unwrap();
        let member_name = member.name().unwrap().into_owned();
        let mut data = Vec::new();
        member.read_to_end(&mut data).unwrap();
        let (first, rest) = member_name.split_once('/').unwrap_or(("", ""));
        top = first.to_owned();
        let data = match change.iter().find(|(p, _)| *p == rest) {
            Some((p, f)) => {
                done.push(p);
                match f(data) {
                    Some(d) => d,
                    None => continue,
                }
            }
            None => data,
        };
        w.start_file(member_name.as_str(), options).unwrap();
        w.write_all(&data).unwrap();
    }
    for (p, f) in change.iter().filter(|(p, _)| !done.contains(p)) {
        let data = f(Vec::new()).expect("a member to add");
        w.start_file(format!("{top}/{p}"), options).unwrap();
        w.write_all(&data).unwrap();
    }
    w.finish().unwrap();
    analyze(&path)
}

/// Replaces `from` by `to` in a UTF-16LE text member.
fn edit(from: &'static str, to: &'static str) -> impl Fn(Vec<u8>) -> Option<Vec<u8>> {
    move |bytes| {
        let text = from_utf16(&bytes);
        assert!(text.contains(from), "{from:?} not in {text}");
        Some(utf16(&text.replacen(from, to, 1)))
    }
}

fn finding<'a>(a: &'a Analysis, rule: &str) -> &'a Finding {
    a.findings.iter().find(|f| f.rule == rule).unwrap()
}

/// The sentence a finding adds when the sources of one of its facts disagree.
fn disagreement_message<'a>(f: &'a Finding, fact: &str) -> &'a str {
    let start = format!("The sources disagree on {fact}");
    f.messages
        .iter()
        .find(|m| m.starts_with(&start))
        .unwrap_or_else(|| panic!("no disagreement on {fact}: {:#?}", f.messages))
}

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

// --- 1. An observed value beats an inferred default; disagreeing observations are shown.

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

// --- 2. `work-account` as the article words it.

/// `dsregcmd /status` in the layout of Windows 10/11: join state, the user's state, one
/// Work Account section per connected work account, the account it ran as.
fn dsregcmd(entra: bool, domain: bool, work: &[(&str, &str)], executing: &str) -> Vec<u8> {
    let yes = |b: bool| if b { "YES" } else { "NO" };
    let rule = "+----------------------------------------------------------------------+";
    let section = |title: &str| format!("{rule}\n| {title:<69}|\n{rule}\n \n");
    let mut out = section("Device State");
    out += &format!(
        "                 AzureAdJoined : {}\n              EnterpriseJoined : NO\n                  DomainJoined : {}\n",
        yes(entra),
        yes(domain)
    );
    if domain {
        out += "                    DomainName : CONTOSO\n";
    }
    if entra {
        out += &format!(
            " \n{}                    TenantName : Contoso\n                      TenantId : 4b2f1e0c-6c5d-4a3e-9f1b-2d7e8a9c0b1d\n",
            section("Tenant Details")
        );
    }
    out += &format!(
        " \n{}               WorkplaceJoined : {}\n \n",
        section("User State"),
        yes(!work.is_empty())
    );
    for (i, (name, id)) in work.iter().enumerate() {
        out += &section(&format!("Work Account {}", i + 1));
        out += &format!(
            "                  WorkplaceIdp : login.windows.net\n             WorkplaceTenantId : {id}\n           WorkplaceTenantName : {name}\n \n"
        );
    }
    out += &section("Diagnostic Data");
    out += &format!("        Executing Account Name : {executing}\n \n");
    utf16(&out)
}

const FABRIKAM: (&str, &str) = (
    "Fabrikam Consulting",
    "7a1e5c3d-2b9f-4e60-8d41-c5f0a2b6e9d7",
);

/// Office's Identity key with one cached identity.
fn office_identity(name: &str, tenant: &str) -> Vec<u8> {
    let key = r"HKEY_CURRENT_USER\Software\Microsoft\Office\16.0\Common\Identity";
    export(&format!(
        "[{key}]\n\"Version\"=dword:00000001\n\n[{key}\\Identities]\n\n[{key}\\Identities\\3f2a9c10-1b2c-45d6-a7e8-9a0b1c2d3e4f_ADAL]\n\"EmailAddress\"=\"{name}\"\n\"ProviderId\"=\"ADAL\"\n\"SignInName\"=\"{name}\"\n\"TenantId\"=\"{tenant}\""
    ))
}

/// A hand export of Windows 10 (so the rule applies) and its dsregcmd output.
fn windows10_with(name: &str, dsreg: Vec<u8>) -> Analysis {
    hand(name, &[("os.txt", windows10()), ("dsreg.txt", dsreg)])
}

/// Windows 10's version key, so the rule applies.
fn windows10() -> Vec<u8> {
    utf16(
        "\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\n    CurrentBuild    REG_SZ    19045\n    CurrentBuildNumber    REG_SZ    19045\n    ProductName    REG_SZ    Windows 10 Pro\n    UBR    REG_DWORD    0x1a2b\n\n",
    )
}

#[test]
fn a_work_account_on_a_pc_that_signs_in_with_a_personal_account_warns_and_says_office_uses_it() {
    let a = hand(
        "work-account-personal",
        &[
            ("os.txt", windows10()),
            (
                "dsreg.txt",
                dsregcmd(false, false, &[FABRIKAM], r"DESKTOP-7Q\martin"),
            ),
            (
                "office id.reg",
                office_identity("martin@fabrikam.com", FABRIKAM.1),
            ),
        ],
    );
    let f = finding(&a, "work-account");
    assert_eq!(f.status.as_str(), "warn", "{f:#?}");
    assert_eq!(
        f.messages,
        [
            "A work or school account (Fabrikam Consulting) is connected under Access work or school, but Windows signs in with a local account or a personal Microsoft account: dsregcmd ran as DESKTOP-7Q\\martin, not with that account: the article says to disconnect it.",
            "Office's cached identity martin@fabrikam.com is in the tenant of that connected account: Office signs in to office.com with the account Windows does not sign in with.",
        ]
    );
    assert!(!f.remediation.is_empty());
    let office = f
        .evidence
        .iter()
        .find(|e| e.fact == "accounts.work_account_in_office")
        .unwrap();
    let seen: Vec<&str> = office.sources.iter().map(|s| s.locator.as_str()).collect();
    assert!(
        seen.iter().any(|l| l.ends_with(r"_ADAL\TenantId"))
            && seen.iter().any(|l| l.ends_with("WorkplaceTenantId")),
        "{seen:?}"
    );

    // Office signed in with another account: the warning stands, without the second sentence.
    let a = hand(
        "work-account-personal-other",
        &[
            ("os.txt", windows10()),
            (
                "dsreg.txt",
                dsregcmd(false, false, &[FABRIKAM], r"DESKTOP-7Q\martin"),
            ),
            (
                "office id.reg",
                office_identity("martin@outlook.com", "9188040d-6c67-4c5b-b112-36a304b66dad"),
            ),
        ],
    );
    let f = finding(&a, "work-account");
    assert_eq!((f.status.as_str(), f.messages.len()), ("warn", 1), "{f:#?}");

    // Without Office's identities the warning is still given: the join state decides it.
    let a = windows10_with(
        "work-account-personal-no-identity",
        dsregcmd(false, false, &[FABRIKAM], ""),
    );
    let f = finding(&a, "work-account");
    assert_eq!(f.status.as_str(), "warn", "{f:#?}");
    assert!(
        f.messages[0].contains("a local account or a personal Microsoft account: the PC is joined to neither Entra ID nor a domain"),
        "{}",
        f.messages[0]
    );
}

#[test]
fn a_work_account_on_a_domain_pc_not_joined_to_entra_warns() {
    let a = windows10_with(
        "work-account-domain",
        dsregcmd(
            false,
            true,
            &[FABRIKAM],
            r"CONTOSO\martin, martin@contoso.com",
        ),
    );
    let f = finding(&a, "work-account");
    assert_eq!(f.status.as_str(), "warn");
    assert!(
        f.messages[0].contains("an Active Directory domain account"),
        "{}",
        f.messages[0]
    );
}

#[test]
fn work_account_passes_only_with_no_account_besides_the_windows_sign_in() {
    // Entra ID joined, nothing else connected: the Windows account is the work account.
    let a = windows10_with(
        "work-account-entra",
        dsregcmd(true, false, &[], r"AzureAD\amelie, amelie@contoso.com"),
    );
    assert_eq!(finding(&a, "work-account").status.as_str(), "pass");
    let account = a.facts.accounts.windows_account.as_ref().unwrap();
    assert_eq!(account.value, "entra");
    // Not joined, no work account connected: nothing to disconnect.
    let a = windows10_with(
        "work-account-none",
        dsregcmd(false, false, &[], r"DESKTOP-7Q\martin"),
    );
    assert_eq!(finding(&a, "work-account").status.as_str(), "pass");
    // Entra ID joined with a second tenant's account connected: fail (the sample
    // win11-second-work-account is the same on a hybrid-joined PC).
    let a = windows10_with(
        "work-account-second",
        dsregcmd(
            true,
            false,
            &[FABRIKAM],
            r"AzureAD\amelie, amelie@contoso.com",
        ),
    );
    let f = finding(&a, "work-account");
    assert_eq!(f.status.as_str(), "fail");
    assert!(f.messages[0].contains("(Fabrikam Consulting)") && f.messages[0].contains("(Contoso)"));
}

#[test]
fn a_collector_zip_of_a_personal_pc_with_a_work_account_warns() {
    // win10-winsock-lsp: not joined, a personal account; connect Fabrikam's account, and
    // let Office's cached identity be that account.
    let a = sample_with(
        "win10-winsock-lsp",
        "work-account-zip",
        &[
            ("commands/dsregcmd-status.txt", &|bytes| {
                let text =
                    from_utf16(&bytes).replacen("WorkplaceJoined : NO", "WorkplaceJoined : YES", 1);
                let work = "+----------------------------------------------------------------------+\n| Work Account 1                                                       |\n+----------------------------------------------------------------------+\n \n             WorkplaceTenantId : 7a1e5c3d-2b9f-4e60-8d41-c5f0a2b6e9d7\n           WorkplaceTenantName : Fabrikam Consulting\n \n";
                // Before the rule line that opens Diagnostic Data.
                let at = text.find("| Diagnostic Data").unwrap();
                let at = text[..at].trim_end().rfind('\n').map_or(0, |i| i + 1);
                Some(utf16(&format!("{}{work}{}", &text[..at], &text[at..])))
            }),
            ("registry/office-identity.reg", &|_| {
                Some(office_identity("martin.keller@fabrikam.com", FABRIKAM.1))
            }),
        ],
    );
    let f = finding(&a, "work-account");
    assert_eq!(f.status.as_str(), "warn", "{f:#?}");
    assert!(
        f.messages[0].starts_with("A work or school account (Fabrikam Consulting) is connected")
    );
    assert!(f.messages[1].starts_with("Office's cached identity martin.keller@fabrikam.com"));
    assert_eq!(
        f.evidence
            .iter()
            .find(|e| e.fact == "accounts.work_accounts")
            .unwrap()
            .sources[0]
            .artifact,
        "win10-winsock-lsp/commands/dsregcmd-status.txt"
    );
}

// --- 3. The WinHTTP view Office's bitness reads.

const WOW64_WINHTTP_TLS10: &str = "[HKEY_LOCAL_MACHINE\\SOFTWARE\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\WinHttp]\r\n\"DefaultSecureProtocols\"=dword:00000080\r\n\r\n";

/// A member of a sample's folder.
fn sample_file(sample: &str, path: &str) -> Vec<u8> {
    std::fs::read(repo().join("samples").join(sample).join(path)).unwrap()
}

/// What the tls12 rule reads from win11-healthy, under other names, without the manifest:
/// the Wow6432Node export only when `wow64` says what it holds; Office's platform `platform`.
fn tls_hand_export(name: &str, platform: &str, wow64: Option<&str>) -> Analysis {
    let f = |p: &str| sample_file("win11-healthy", p);
    let c2r = from_utf16(&f("registry/office-c2r.reg")).replace(
        "\"Platform\"=\"x64\"",
        &format!("\"Platform\"=\"{platform}\""),
    );
    let mut files = vec![
        ("version.txt", f("registry/os-version.txt")),
        ("env.reg", f("registry/environment.reg")),
        ("tls.reg", f("registry/schannel.reg")),
        ("machine.reg", f("registry/internet-settings-hklm.reg")),
        ("user.reg", f("registry/internet-settings-hkcu.reg")),
        ("office.reg", utf16(&c2r)),
    ];
    if let Some(extra) = wow64 {
        let text = from_utf16(&f("registry/internet-settings-hklm-wow64.reg")) + extra;
        files.push(("32-bit.reg", utf16(&text)));
    }
    hand(name, &files)
}

#[test]
fn sixty_four_bit_office_is_decided_without_the_wow6432node_export() {
    let a = tls_hand_export("tls-x64-no-wow64", "x64", None);
    assert!(a.facts.tls.winhttp_tls12_wow64.is_none());
    let f = finding(&a, "tls12");
    assert_eq!(f.status.as_str(), "pass", "{f:#?}");
    assert!(
        f.messages[0].contains("64-bit Office (Platform x64) reads WinHTTP's native view"),
        "{}",
        f.messages[0]
    );
    // 32-bit Office needs the view it reads: unknown, naming it.
    let a = tls_hand_export("tls-x86-no-wow64", "x86", None);
    let f = finding(&a, "tls12");
    assert_eq!(f.status.as_str(), "unknown");
    assert_eq!(f.missing[0].fact, "tls.winhttp_tls12_wow64");

    // The same in a collector zip without its Wow6432Node export.
    let a = sample_with(
        "win11-healthy",
        "tls-x64-no-wow64-zip",
        &[("registry/internet-settings-hklm-wow64.reg", &|_| None)],
    );
    assert_eq!(finding(&a, "tls12").status.as_str(), "pass");
}

#[test]
fn thirty_two_bit_office_fails_when_only_the_wow6432node_view_lacks_tls12() {
    let a = tls_hand_export("tls-x86-wow64-off", "x86", Some(WOW64_WINHTTP_TLS10));
    let f = finding(&a, "tls12");
    assert_eq!(f.status.as_str(), "fail", "{f:#?}");
    assert_eq!(
        f.messages,
        [
            "32-bit Office on 64-bit Windows (AMD64) reads WinHTTP's Wow6432Node view, and WinHTTP does not offer TLS 1.2 there (DefaultSecureProtocols (Wow6432Node)=0x80 leaves out TLS 1.2 (0x800))."
        ]
    );
    // 64-bit Office does not read that view: it passes.
    let a = tls_hand_export("tls-x64-wow64-off", "x64", Some(WOW64_WINHTTP_TLS10));
    assert_eq!(finding(&a, "tls12").status.as_str(), "pass");

    // A collector zip: 32-bit Office, TLS 1.2 off in the Wow6432Node view only.
    let a = sample_with(
        "win11-healthy",
        "tls-x86-wow64-off-zip",
        &[
            ("registry/internet-settings-hklm-wow64.reg", &|bytes| {
                Some(utf16(&(from_utf16(&bytes) + WOW64_WINHTTP_TLS10)))
            }),
            (
                "registry/office-c2r.reg",
                &edit("\"Platform\"=\"x64\"", "\"Platform\"=\"x86\""),
            ),
        ],
    );
    let f = finding(&a, "tls12");
    assert_eq!(f.status.as_str(), "fail");
    assert_eq!(f.messages.len(), 1, "{:#?}", f.messages);
    let view = f
        .evidence
        .iter()
        .find(|e| e.fact == "office.winhttp_view")
        .unwrap();
    assert_eq!(
        view.sources[0].artifact,
        "win11-healthy/registry/office-c2r.reg"
    );
}

// --- 4. An unknown says what to collect.

/// Every `unknown` names, per missing fact, what to collect — unless the snapshot already
/// holds every source of it (then its message says so).
fn assert_unknowns_say_what_to_collect(a: &Analysis) {
    for f in a.findings.iter().filter(|f| f.status.as_str() == "unknown") {
        assert!(!f.missing.is_empty(), "{}: names no fact", f.rule);
        let asks = f.missing.iter().any(|m| !m.collect.is_empty());
        if asks {
            assert!(
                f.messages[0].contains("; to collect: "),
                "{}: {}",
                f.rule,
                f.messages[0]
            );
        } else {
            assert!(
                f.messages[0].contains("does not say"),
                "{}: {}",
                f.rule,
                f.messages[0]
            );
        }
        for w in f.missing.iter().flat_map(|m| &m.collect) {
            assert!(
                w.registry_key.is_some()
                    || w.command.is_some()
                    || w.event_log.is_some()
                    || w.document.is_some(),
                "{}: {w:?}",
                f.rule
            );
            assert!(!w.how.is_empty());
        }
    }
}

#[test]
fn a_hand_export_is_told_what_to_collect() {
    // Two files of win10-proxy-browser-only under other names, no manifest.
    let src = |p: &str| sample_file("win10-proxy-browser-only", p);
    let a = hand(
        "collect-hand",
        &[
            ("export1.reg", src("registry/os-version.txt")),
            ("proxy.log", src("commands/netsh-winhttp-show-proxy.txt")),
        ],
    );
    assert_unknowns_say_what_to_collect(&a);
    let winsock = finding(&a, "winsock");
    assert_eq!(winsock.status.as_str(), "unknown");
    let w = &winsock.missing[0].collect[0];
    assert_eq!(
        (w.step.as_str(), w.command.as_deref(), w.how.as_str()),
        (
            "cmd-netsh-winsock-catalog",
            Some("netsh winsock show catalog"),
            "netsh winsock show catalog > netsh-winsock-show-catalog.txt"
        )
    );
    assert!(
        winsock.messages[0].ends_with(
            "; to collect: `netsh winsock show catalog > netsh-winsock-show-catalog.txt`"
        ),
        "{}",
        winsock.messages[0]
    );
    // tls12 lacks the TLS settings, not the version the snapshot has: it asks for the keys.
    let tls = finding(&a, "tls12");
    let keys: Vec<&str> = tls
        .missing
        .iter()
        .flat_map(|m| &m.collect)
        .filter_map(|w| w.registry_key.as_deref())
        .collect();
    assert!(
        keys.contains(&r"HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL"),
        "{keys:?}"
    );
    assert!(
        !keys.contains(&r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion"),
        "{keys:?}"
    );
    // proxy has WinHTTP's proxy from netsh; it needs the browser's settings.
    let proxy = finding(&a, "proxy");
    let steps: Vec<&str> = proxy
        .missing
        .iter()
        .flat_map(|m| &m.collect)
        .map(|w| w.step.as_str())
        .collect();
    assert!(steps.contains(&"reg-internet-settings-hkcu"), "{steps:?}");
    assert!(!steps.contains(&"cmd-netsh-winhttp-proxy"), "{steps:?}");
}

#[test]
fn the_json_and_table_reports_say_what_to_collect() {
    let dir = scratch("verdicts-collect-report");
    std::fs::copy(
        repo().join("samples/win10-proxy-browser-only/registry/os-version.txt"),
        dir.join("a.txt"),
    )
    .unwrap();
    let path = dir.to_str().unwrap();
    let report = common::report_of(path, 0);
    let winsock = common::finding(&report, "winsock");
    assert_eq!(winsock["status"], "unknown");
    assert_eq!(
        winsock["missing"][0]["collect"][0],
        serde_json::json!({
            "step": "cmd-netsh-winsock-catalog",
            "command": "netsh winsock show catalog",
            "how": "netsh winsock show catalog > netsh-winsock-show-catalog.txt"
        })
    );
    let ncsi = common::finding(&report, "ncsi-probe");
    let ways = ncsi["missing"][0]["collect"].as_array().unwrap();
    assert!(
        ways.iter().any(|w| w["registry_key"]
            == r"HKLM\SOFTWARE\Policies\Microsoft\Windows\NetworkConnectivityStatusIndicator"),
        "{ways:?}"
    );
    let out = common::caadoctor(&["analyze", path, "--color", "never"]);
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(
        table.contains("  winsock: winsock.")
            && table.contains(
                "    collect: netsh winsock show catalog > netsh-winsock-show-catalog.txt"
            ),
        "{table}"
    );
}

#[test]
fn a_collector_zip_missing_a_file_is_told_to_collect_that_file() {
    let a = sample_with(
        "win11-healthy",
        "collect-zip",
        &[
            ("commands/netsh-winsock-show-catalog.txt", &|_| None),
            ("registry/internet-settings-hklm-wow64.reg", &|_| None),
            (
                "registry/office-c2r.reg",
                &edit("\"Platform\"=\"x64\"", "\"Platform\"=\"x86\""),
            ),
        ],
    );
    assert_unknowns_say_what_to_collect(&a);
    let winsock = finding(&a, "winsock");
    assert_eq!(winsock.status.as_str(), "unknown");
    assert_eq!(
        winsock.missing[0].collect[0].step,
        "cmd-netsh-winsock-catalog"
    );
    // 32-bit Office without the Wow6432Node export: only that export is asked for.
    let tls = finding(&a, "tls12");
    assert_eq!(tls.status.as_str(), "unknown");
    let steps: Vec<&str> = tls
        .missing
        .iter()
        .flat_map(|m| &m.collect)
        .map(|w| w.step.as_str())
        .collect();
    assert_eq!(steps, ["reg-internet-settings-hklm-wow64"]);
    assert!(
        tls.messages[0].ends_with(r#"to collect: `reg export "HKLM\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Internet Settings" internet-settings-hklm-wow64.reg`"#),
        "{}",
        tls.messages[0]
    );
    // The rest of the sample still decides every other rule.
    let unknown: Vec<&str> = a
        .findings
        .iter()
        .filter(|f| f.status.as_str() == "unknown")
        .map(|f| f.rule.as_str())
        .collect();
    assert_eq!(unknown, ["tls12", "winsock"]);
}
