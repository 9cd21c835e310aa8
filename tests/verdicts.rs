//! Issue 13, section 3: verdicts that follow the article to the letter — `work-account` as
//! the article words it, the WinHTTP view Office's bitness reads, and `unknown` saying what
//! to collect. Each over snapshots laid out as hand exports (files under any names, no
//! manifest) and as collector zips (a sample with a file changed). The merges of sources
//! are tested in `merges.rs`.

mod common;
#[path = "support/handmade.rs"]
mod handmade;

use caadoctor::analysis::Analysis;
use common::{repo, scratch};
use handmade::*;

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
        ("env.txt", f("registry/environment.txt")),
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
