//! The parsers and the classifier on real files from `../shared/corpus/` (see its MANIFEST
//! for their sources), not only on fixtures this project wrote.

mod common;

use caadoctor::analysis;
use caadoctor::classify::{ArtifactKind, classify_text};
use caadoctor::decode::{self, CodePageHints, Encoding};
use caadoctor::parse::reg::{self, RegData};
use caadoctor::registry::{Lookup, RegistryView, Scope};
use caadoctor::rules::RuleSet;
use caadoctor::snapshot::{self, Limits};
use common::{corpus, files_in, scratch};

/// A corpus command output, decoded.
fn corpus_text(name: &str) -> decode::Text {
    let bytes = std::fs::read(corpus().join("text").join(name)).unwrap();
    decode::decode(&bytes, &CodePageHints::default()).unwrap()
}

fn read_reg(name: &str) -> reg::RegFile {
    let bytes = std::fs::read(corpus().join("reg").join(name)).unwrap();
    let text = decode::decode(&bytes, &CodePageHints::default()).unwrap();
    assert_eq!(
        text.encoding,
        Encoding::Utf16leBom,
        "{name}: reg export writes UTF-16LE with a BOM"
    );
    assert_eq!(classify_text(&text.text), ArtifactKind::RegExport, "{name}");
    reg::parse(&text.text)
}

#[test]
fn every_corpus_reg_file_parses_without_error() {
    let files = files_in(&corpus().join("reg"));
    assert!(files.len() >= 10, "corpus/reg has {} files", files.len());
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let file = read_reg(&name);
        assert!(file.errors.is_empty(), "{name}: {:?}", file.errors);
        assert!(!file.keys.is_empty(), "{name}: no keys");
    }
}

#[test]
fn the_big_windows_7_export_reads_whole() {
    let file = read_reg("os-win7.reg");
    let values: usize = file.keys.iter().map(|k| k.values.len()).sum();
    assert!(
        file.keys.len() > 100 && values > 1000,
        "{} keys, {values} values",
        file.keys.len()
    );
    let mut view = RegistryView::new();
    view.merge("os-win7.reg", &file, Scope::WholeExport);
    let Lookup::Found(_, v) = view.value(
        r"HKLM\Software\Microsoft\Windows NT\CurrentVersion",
        "CSDVersion",
    ) else {
        panic!("CSDVersion")
    };
    assert_eq!(v.data, RegData::String("Service Pack 1".into()));
    let Lookup::Found(_, v) = view.value(
        r"HKLM\Software\Microsoft\Windows NT\CurrentVersion",
        "DigitalProductId",
    ) else {
        panic!("DigitalProductId")
    };
    assert_eq!(
        v.data.as_bytes().map(<[u8]>::len),
        Some(164),
        "wrapped hex over 7 lines"
    );
}

fn first_key_value(file: &reg::RegFile, name: &str) -> RegData {
    let values = &file.keys[0].values;
    let found = values
        .iter()
        .find(|v| v.name == name)
        .and_then(|v| v.data.clone());
    found.unwrap_or_else(|| panic!("no value {name:?}"))
}

#[test]
fn every_value_type_decodes_as_windows_wrote_it() {
    let file = read_reg("value-types.reg");
    let get = |n: &str| first_key_value(&file, n);
    assert_eq!(get(""), RegData::String("default value".into()));
    assert_eq!(get("None"), RegData::None(vec![0, 0]));
    assert_eq!(get("Q"), RegData::Qword(0x1122334455667788));
    assert_eq!(
        get("Uml"),
        RegData::String("Größe \"quoted\" back\\slash".into())
    );

    let file = read_reg("svc-ncdautosetup.reg");
    let get = |n: &str| first_key_value(&file, n);
    assert_eq!(
        get("ImagePath"),
        RegData::ExpandString(
            r"%SystemRoot%\System32\svchost.exe -k LocalServiceNoNetwork -p".into()
        )
    );
    assert_eq!(
        get("RequiredPrivileges"),
        RegData::MultiString(vec![
            "SeChangeNotifyPrivilege".into(),
            "SeCreateGlobalPrivilege".into()
        ])
    );
    assert_eq!(get("Start"), RegData::Dword(3));

    let file = read_reg("hklm-internet-settings.reg");
    let blob = file
        .keys
        .iter()
        .flat_map(|k| &k.values)
        .find(|v| v.name == "WinHttpSettings")
        .unwrap();
    let bytes = blob.data.as_ref().and_then(RegData::as_bytes).unwrap();
    assert_eq!(bytes.len(), 51);
    assert_eq!(&bytes[16..40], b"proxy.contoso.local:8080");
}

/// Every corpus command output is recognised as its kind from its content alone.
#[test]
fn corpus_text_outputs_are_classified_by_content() {
    use ArtifactKind::*;
    let expected = [
        (
            "cmdkey-list-win11-ssopop-domain-interactive.txt",
            CmdkeyList,
        ),
        ("cmdkey-zh-cn.txt", CmdkeyList),
        ("dsregcmd-aadj-full-win10.txt", Dsregcmd),
        ("dsregcmd-hybrid-ws2016-oldformat.txt", Dsregcmd),
        ("gethotfix-ws2016-en-us-dates.txt", HotfixList),
        (
            "getservice-nested-servicecontroller-json-ps51.txt",
            ServicesJson,
        ),
        ("ipconfig-all-win10-ipv6.txt", IpconfigAll),
        ("ipconfig-all-win11.txt", IpconfigAll),
        (
            "netsh-winhttp-proxy-en-http-scheme-none-bypass.txt",
            NetshWinhttpProxy,
        ),
        (
            "netsh-winhttp-proxy-en-per-protocol-bypass.txt",
            NetshWinhttpProxy,
        ),
        (
            "netsh-winhttp-set-advproxy-msdocs-json.txt",
            NetshWinhttpAdvproxy,
        ),
        ("sc-qc-de-not-installed.txt", ScQc),
        ("sc-qc-de-spooler.txt", ScQc),
        ("sc-query-eventlog.txt", ScQuery),
        (
            "sc-query-ws2012r2-eventlog-netprofm-nlasvc-excerpt.txt",
            ScQuery,
        ),
        (
            "winsock-catalog-lsp-lavasoft-part1.txt",
            NetshWinsockCatalog,
        ),
        (
            "winsock-catalog-lsp-lavasoft-part2.txt",
            NetshWinsockCatalog,
        ),
        (
            "winsock-catalog-lsp-lavasoft-part3-keybase.txt",
            NetshWinsockCatalog,
        ),
        ("wmic-qfe-list-ru-srv2012r2.txt", HotfixList),
        ("wmic-qfe-list-win7-sp1.txt", HotfixList),
    ];
    let on_disk = files_in(&corpus().join("text"));
    assert_eq!(
        on_disk.len(),
        expected.len(),
        "a new corpus file needs an expectation here"
    );
    for (name, kind) in expected {
        let text = corpus_text(name);
        assert_eq!(classify_text(&text.text), kind, "{name}");
    }
}

/// A deterministic shuffle of names, so that no name says what a file is.
fn scrambled_name(i: usize) -> String {
    let x = (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40;
    format!("file-{x:06x}{}", [".txt", ".dat", "", ".reg.bak"][i % 4])
}

/// The same files under random names give the same kinds and the same facts.
#[test]
fn hand_exported_files_under_any_names_read_the_same() {
    // One output of each kind: with two copies of a kind, which one is used depends on the
    // names (the first in path order), and the second is reported as not used.
    let one_of_each = [
        "cmdkey-list-win11-ssopop-domain-interactive.txt",
        "dsregcmd-aadj-full-win10.txt",
        "gethotfix-ws2016-en-us-dates.txt",
        "getservice-nested-servicecontroller-json-ps51.txt",
        "ipconfig-all-win10-ipv6.txt",
        "netsh-winhttp-proxy-en-per-protocol-bypass.txt",
        "netsh-winhttp-set-advproxy-msdocs-json.txt",
        "sc-qc-de-spooler.txt",
        "sc-query-ws2012r2-eventlog-netprofm-nlasvc-excerpt.txt",
        "winsock-catalog-lsp-lavasoft-part1.txt",
    ];
    let originals: Vec<_> = files_in(&corpus().join("reg"))
        .into_iter()
        .chain(one_of_each.iter().map(|n| corpus().join("text").join(n)))
        .collect();
    let renamed = scratch("renamed-corpus");
    let plain = scratch("plain-corpus");
    for (i, path) in originals.iter().enumerate() {
        std::fs::copy(path, renamed.join(scrambled_name(i))).unwrap();
        std::fs::copy(path, plain.join(path.file_name().unwrap())).unwrap();
    }
    let rules = RuleSet::builtin().unwrap();
    let analyze = |dir: &std::path::Path| {
        analysis::analyze(snapshot::open(dir, &Limits::default()).unwrap(), &rules)
    };
    let (a, b) = (analyze(&plain), analyze(&renamed));
    let kinds = |x: &analysis::Analysis| {
        let mut k: Vec<_> = x.artifacts.iter().map(|a| (a.bytes, a.kind)).collect();
        k.sort();
        k
    };
    assert_eq!(kinds(&a), kinds(&b));
    assert!(
        a.artifacts.iter().all(|x| x.kind != ArtifactKind::Unknown),
        "{:?}",
        a.artifacts
    );
    // Facts equal once artifact names are taken out of the evidence.
    let strip = |x: &analysis::Analysis| {
        let mut v = serde_json::to_value(&x.facts).unwrap();
        remove_key(&mut v, "artifact");
        v
    };
    assert_eq!(strip(&a), strip(&b));
    assert_eq!(a.facts.os.build.as_ref().map(|f| f.value), Some(7601));
    let statuses = |x: &analysis::Analysis| x.findings.iter().map(|f| f.status).collect::<Vec<_>>();
    assert_eq!(statuses(&a), statuses(&b));
}

fn remove_key(v: &mut serde_json::Value, key: &str) {
    match v {
        serde_json::Value::Object(m) => {
            m.remove(key);
            m.values_mut().for_each(|x| remove_key(x, key));
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(|x| remove_key(x, key)),
        _ => {}
    }
}

#[test]
fn corpus_netsh_outputs_parse() {
    use caadoctor::parse::netsh_winhttp;
    let t = corpus_text("netsh-winhttp-proxy-en-http-scheme-none-bypass.txt");
    let p = netsh_winhttp::parse_proxy(&t.lines().collect::<Vec<_>>()).unwrap();
    assert_eq!(
        (p.direct, p.proxy.as_deref(), p.bypass.as_deref()),
        (false, Some("http=proxy.mycompany.lan:8090"), None)
    );
    let t = corpus_text("netsh-winhttp-proxy-en-per-protocol-bypass.txt");
    let p = netsh_winhttp::parse_proxy(&t.lines().collect::<Vec<_>>()).unwrap();
    assert_eq!(p.bypass.as_deref(), Some("monash;<local>"));
    assert!(p.proxy.unwrap().contains("socks=socksproxy:1234"));
    let t = corpus_text("netsh-winhttp-set-advproxy-msdocs-json.txt");
    let (_, a) = netsh_winhttp::parse_advproxy(&t.text).unwrap();
    assert_eq!(
        (a.proxy_is_enabled, a.auto_detect, a.per_user_proxy_settings),
        (Some(true), Some(true), Some(true))
    );
}

#[test]
fn corpus_proxy_blobs_decode() {
    use caadoctor::facts::proxy;
    let mut view = RegistryView::new();
    for name in ["hklm-internet-settings.reg", "hkcu-internet-settings.reg"] {
        view.merge(name, &read_reg(name), Scope::WholeExport);
    }
    let mut problems = Vec::new();
    let sources = proxy::Sources {
        netsh: None,
        advproxy: None,
    };
    let p = proxy::build(&view, &sources, &mut problems);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(p.winhttp_mode.unwrap().value, "proxy");
    assert_eq!(p.winhttp_proxy.unwrap().value, "proxy.contoso.local:8080");
    assert_eq!(p.winhttp_bypass.unwrap().value, vec!["<local>".to_owned()]);
    // The user's blob carries a PAC URL with flags 0x5; ProxyEnable=1 with a server too.
    assert_eq!(
        p.wininet_auto_config_url.unwrap().value,
        "http://wpad.contoso.local/proxy.pac"
    );
    assert!(p.wininet_uses_proxy.unwrap().value);
}

#[test]
fn corpus_service_outputs_parse() {
    use caadoctor::parse::services;
    let t = corpus_text("sc-query-eventlog.txt");
    let s = services::parse_sc(&t.lines().collect::<Vec<_>>(), None).unwrap();
    assert_eq!(
        (s[0].name.as_str(), s[0].state),
        ("EventLog", Some("running"))
    );

    let t = corpus_text("sc-query-ws2012r2-eventlog-netprofm-nlasvc-excerpt.txt");
    let s = services::parse_sc(&t.lines().collect::<Vec<_>>(), None).unwrap();
    let names: Vec<_> = s.iter().map(|x| (x.name.as_str(), x.state)).collect();
    assert_eq!(names.len(), 6, "{names:?}");
    assert_eq!(
        names[..3],
        [
            ("EventLog", Some("running")),
            ("netprofm", Some("running")),
            ("NlaSvc", Some("running"))
        ]
    );

    let t = corpus_text("sc-qc-de-spooler.txt");
    let s = services::parse_sc(&t.lines().collect::<Vec<_>>(), None).unwrap();
    assert_eq!(
        (s[0].name.as_str(), s[0].start_type),
        ("spooler", Some("automatic"))
    );

    let t = corpus_text("sc-qc-de-not-installed.txt");
    let s = services::parse_sc(&t.lines().collect::<Vec<_>>(), Some("NcdAutoSetup")).unwrap();
    assert!(s[0].missing);

    let t = corpus_text("getservice-nested-servicecontroller-json-ps51.txt");
    let s = services::parse_json(&t.text).unwrap();
    assert_eq!(
        s.len(),
        1,
        "nested RequiredServices are not services of their own"
    );
    assert_eq!((s[0].name.as_str(), s[0].state), ("bits", Some("running")));
}

#[test]
fn corpus_account_outputs_parse() {
    use caadoctor::parse::accounts;
    let t = corpus_text("cmdkey-list-win11-ssopop-domain-interactive.txt");
    let c = accounts::parse_cmdkey(&t.lines().collect::<Vec<_>>()).unwrap();
    assert_eq!(c[0].target, "MicrosoftAccount:target=SSO_POP_Device");
    assert_eq!(c[0].kind.as_deref(), Some("Generic"));
    assert!(
        c.iter()
            .any(|x| x.target == r"Domain:interactive=desktop-bn\admin")
    );
    // Chinese labels, same layout.
    let t = corpus_text("cmdkey-zh-cn.txt");
    let c = accounts::parse_cmdkey(&t.lines().collect::<Vec<_>>()).unwrap();
    assert_eq!(c.len(), 3);
    assert_eq!(
        c[2].target,
        "LegacyGeneric:target=MicrosoftAccount:user=462247949@qq.com"
    );
    assert_eq!(c[2].user.as_deref(), Some("462247949@qq.com"));

    let t = corpus_text("dsregcmd-aadj-full-win10.txt");
    let d = accounts::parse_dsregcmd(&t.lines().collect::<Vec<_>>()).unwrap();
    assert_eq!(d.get("AzureAdJoined").unwrap().value, "YES");
    assert_eq!(d.get("WorkplaceJoined").unwrap().section, "User State");
    assert_eq!(d.get("TenantName").unwrap().value, "INE Security Labs");
    let t = corpus_text("dsregcmd-hybrid-ws2016-oldformat.txt");
    let d = accounts::parse_dsregcmd(&t.lines().collect::<Vec<_>>()).unwrap();
    assert_eq!(d.get("DomainJoined").unwrap().value, "YES");
    assert_eq!(d.get("KeySignTest").unwrap().value, "PASSED");
    assert_eq!(d.get("AzureAdPrt").unwrap().value, "NO");
}

#[test]
fn corpus_winsock_catalogs_show_the_lsp() {
    use caadoctor::parse::winsock;
    for name in [
        "winsock-catalog-lsp-lavasoft-part1.txt",
        "winsock-catalog-lsp-lavasoft-part2.txt",
        "winsock-catalog-lsp-lavasoft-part3-keybase.txt",
    ] {
        let text = corpus_text(name);
        let entries = winsock::parse(&text.lines().collect::<Vec<_>>()).unwrap();
        assert!(!entries.is_empty(), "{name}");
        for e in &entries {
            let lavasoft = e.description.starts_with("LavasoftLSP");
            assert_eq!(e.layered(), lavasoft, "{name}: {e:?}");
            // The copy cuts the last entry short; the others name the DLL.
            if lavasoft && e.chain_length.is_some() {
                assert!(e.dll().starts_with("lavasofttcpservice"), "{name}: {e:?}");
            }
        }
    }
}

#[test]
fn corpus_update_lists_parse() {
    use caadoctor::parse::hotfix;
    let t = corpus_text("wmic-qfe-list-win7-sp1.txt");
    let h = hotfix::parse(&t.text, &t.lines().collect::<Vec<_>>(), None)
        .unwrap()
        .fixes;
    assert!(h.len() > 100, "{}", h.len());
    let kb = h.iter().find(|x| x.id == "KB4467107").unwrap();
    assert_eq!(
        kb.installed_on.map(|d| d.to_string()),
        Some("2018-11-14".into())
    );
    // Russian Server 2012 R2: Cyrillic user names, columns out of line, dates still M/D/YYYY.
    let t = corpus_text("wmic-qfe-list-ru-srv2012r2.txt");
    let h = hotfix::parse(&t.text, &t.lines().collect::<Vec<_>>(), None)
        .unwrap()
        .fixes;
    assert_eq!(h[0].id, "KB2919355");
    assert_eq!(
        h[0].installed_on.map(|d| d.to_string()),
        Some("2014-03-18".into())
    );
    let t = corpus_text("gethotfix-ws2016-en-us-dates.txt");
    let h = hotfix::parse(&t.text, &t.lines().collect::<Vec<_>>(), None)
        .unwrap()
        .fixes;
    let newest = h.iter().filter_map(|x| x.installed_on).max().unwrap();
    assert_eq!(newest.to_string(), "2019-09-11");
    assert!(h.iter().all(|x| x.id.starts_with("KB")));
}

#[test]
fn corpus_ipconfig_outputs_parse() {
    use caadoctor::parse::ipconfig;
    let t = corpus_text("ipconfig-all-win10-ipv6.txt");
    let a = ipconfig::parse(&t.lines().collect::<Vec<_>>()).unwrap();
    let tailscale = a
        .iter()
        .find(|x| x.name == "Unknown adapter Tailscale")
        .unwrap();
    assert_eq!(tailscale.ipv4, vec!["100.115.71.66"]);
    assert_eq!(
        tailscale.dns_servers.len(),
        3,
        "continuation lines belong to the DNS servers"
    );
    assert!(
        !tailscale.ipv6.iter().any(|x| ipconfig::is_global_v6(x)),
        "fd7a: is unique-local"
    );
    let wired = a
        .iter()
        .find(|x| x.name == "Ethernet adapter Ethernet 2")
        .unwrap();
    assert_eq!(
        (wired.gateways.clone(), wired.dhcp_server.as_deref()),
        (vec!["10.50.13.1".to_owned()], Some("10.50.13.1"))
    );
    let t = corpus_text("ipconfig-all-win11.txt");
    let a = ipconfig::parse(&t.lines().collect::<Vec<_>>()).unwrap();
    assert!(a.len() >= 2);
    assert!(a.iter().any(|x| !x.ipv4.is_empty()));
}
