//! Real localized command outputs (`tests/fixtures/real/`, sources in its MANIFEST, and the
//! localized files of the shared corpus), each read as a redirected console writes it — the
//! bytes of its OEM code page — and as UTF-16LE, to its kind and the facts a person reads
//! from it. And a folder of hand exports from a Japanese PC gets the verdicts of the English
//! one in the same state.

mod common;

use caadoctor::analysis;
use caadoctor::classify::{ArtifactKind, classify_text};
use caadoctor::decode::{self, CodePage, CodePageHints, Encoding};
use caadoctor::parse::reg::RegData;
use caadoctor::parse::{accounts, hotfix, ipconfig, netsh_winhttp, reg_query, services};
use caadoctor::rules::RuleSet;
use caadoctor::snapshot::{self, Limits};
use common::{corpus, repo, scratch};

/// A real output, its language's console page, and what it is.
struct Real {
    path: std::path::PathBuf,
    oem: u32,
    kind: ArtifactKind,
}

fn real(name: &str, oem: u32, kind: ArtifactKind) -> Real {
    Real {
        path: repo().join("tests/fixtures/real").join(name),
        oem,
        kind,
    }
}

fn corpus_file(name: &str, oem: u32, kind: ArtifactKind) -> Real {
    Real {
        path: corpus().join("text").join(name),
        oem,
        kind,
    }
}

fn all() -> Vec<Real> {
    use ArtifactKind::*;
    vec![
        real("ipconfig/en-xp-ipconfig-all.txt", 437, IpconfigAll),
        real("ipconfig/de-win11-ipconfig-all.txt", 850, IpconfigAll),
        real("ipconfig/fr-win11-ipconfig-all-wifi.txt", 850, IpconfigAll),
        real("ipconfig/zh-cn-win7-ipconfig.txt", 936, IpconfigAll),
        real("ipconfig/es-win10-ipconfig.txt", 850, IpconfigAll),
        real("ipconfig/es-xp-ipconfig-all.txt", 850, IpconfigAll),
        real("ipconfig/pt-br-xp-ipconfig-all.txt", 850, IpconfigAll),
        real("ipconfig/ko-win10-ipconfig-all.txt", 949, IpconfigAll),
        real("netsh-winhttp/ja-direct.txt", 932, NetshWinhttpProxy),
        real(
            "netsh-winhttp/ja-direct-command-echo.txt",
            932,
            NetshWinhttpProxy,
        ),
        real(
            "netsh-winhttp/ja-import-proxy-bypass.txt",
            932,
            NetshWinhttpProxy,
        ),
        corpus_file("cmdkey-zh-cn.txt", 936, CmdkeyList),
        corpus_file("wmic-qfe-list-ru-srv2012r2.txt", 866, HotfixList),
        real(
            "hotfix/de-win11-gethotfix-id-installedon.txt",
            850,
            HotfixList,
        ),
        corpus_file("sc-qc-de-spooler.txt", 850, ScQc),
        corpus_file("sc-qc-de-not-installed.txt", 850, ScQc),
        real("reg-query/winfsp-software-s-en.txt", 437, RegQuery),
        real(
            "reg-query/winfsp-eventlog-application-en.txt",
            437,
            RegQuery,
        ),
        real("reg-query/ntversion-v-releaseid-en.txt", 437, RegQuery),
        real("reg-query/nls-locale-ve-en.txt", 936, RegQuery),
        real("reg-query/npcap-ve-zh-CN.txt", 936, RegQuery),
        real("reg-query/vlc-fr-FR.txt", 850, RegQuery),
        real("reg-query/inkscape-ve-de-DE.txt", 850, RegQuery),
        real("reg-query/longpaths-v-de-DE.txt", 850, RegQuery),
        real("reg-query/ndp-s-ru-RU-head.txt", 866, RegQuery),
        real("reg-query/ndp-s-ru-RU-wpf.txt", 866, RegQuery),
        // reg's "not found" errors: no listing, nothing to read.
        real("reg-query/error-missing-key-en.txt", 437, Unknown),
        real("reg-query/error-missing-value-de-DE.txt", 850, Unknown),
        real("reg-query/error-missing-value-fr-FR.txt", 850, Unknown),
        real("reg-query/error-missing-zh-CN.txt", 936, Unknown),
    ]
}

fn utf16le_bom(text: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE];
    out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    out
}

/// The UTF-8 file, and the same text as its OEM page's bytes and as UTF-16LE, decoded:
/// (how, decoded text). The OEM bytes are read once with the page the manifest would name
/// and once without a manifest (the page guessed).
fn variants(r: &Real) -> Vec<(String, decode::Text)> {
    let original = std::fs::read_to_string(&r.path).unwrap();
    let page = CodePage::from_number(r.oem).unwrap();
    let oem = page
        .encode(&original)
        .unwrap_or_else(|| panic!("{}: not encodable in {page}", r.path.display()));
    let hinted = CodePageHints {
        oem: Some(page),
        ansi: None,
    };
    let mut out = vec![
        (
            "utf-16le".to_owned(),
            decode::decode(&utf16le_bom(&original), &CodePageHints::default()).unwrap(),
        ),
        (
            format!("{page} (manifest)"),
            decode::decode(&oem, &hinted).unwrap(),
        ),
        (
            format!("{page} (guessed)"),
            decode::decode(&oem, &CodePageHints::default()).unwrap(),
        ),
    ];
    for (how, t) in &mut out {
        assert_eq!(t.text, original, "{}: {how}", r.path.display());
        // ASCII-only outputs are valid UTF-8 whatever the page.
        if oem.iter().any(|b| *b >= 0x80) && how.contains("guessed") {
            assert!(t.guessed, "{how}");
            assert_eq!(t.encoding, Encoding::Legacy(page), "{how}");
        }
    }
    out
}

#[test]
fn every_real_output_is_its_kind_in_every_encoding() {
    for r in &all() {
        for (how, t) in variants(r) {
            assert_eq!(
                classify_text(&t.text),
                r.kind,
                "{} as {how}",
                r.path.display()
            );
        }
    }
}

fn lines(t: &decode::Text) -> Vec<(usize, &str)> {
    t.lines().collect()
}

fn adapter<'a>(a: &'a [ipconfig::Adapter], name: &str) -> &'a ipconfig::Adapter {
    a.iter()
        .find(|x| x.name == name)
        .unwrap_or_else(|| panic!("no adapter {name}: {a:?}"))
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn ipconfig_in_four_languages_gives_addresses_masks_gateways_and_dns() {
    let files = all();
    let file = |n: &str| files.iter().find(|r| r.path.ends_with(n)).unwrap();
    for (how, t) in variants(file("en-xp-ipconfig-all.txt")) {
        let a = ipconfig::parse(&lines(&t)).unwrap();
        let lan = adapter(&a, "Ethernet adapter Local Area Connection");
        // Windows XP says "IP Address", without IPv4: read by its place before the mask.
        assert_eq!(lan.ipv4, strings(&["192.168.22.135"]), "{how}");
        assert_eq!(lan.masks, strings(&["255.255.255.0"]));
        assert_eq!(lan.gateways, strings(&["192.168.22.1"]));
        assert_eq!(lan.dhcp_server.as_deref(), Some("192.168.22.1"));
        assert_eq!(lan.dns_servers, strings(&["192.168.22.151"]));
    }
    for (how, t) in variants(file("de-win11-ipconfig-all.txt")) {
        let a = ipconfig::parse(&lines(&t)).unwrap();
        assert_eq!(a.len(), 6, "{how}");
        let wlan = adapter(&a, "Drahtlos-LAN-Adapter WLAN");
        assert_eq!(wlan.ipv4, strings(&["192.168.178.23"]), "{how}");
        assert_eq!(
            wlan.ipv6,
            strings(&[
                "2a04:9546:19ba:af01:c52c:be1:3372:e973",
                "2a04:9546:19ba:af01:cd1:8efb:95ec:cc18",
                "fe80::e436:d5b3:2c27:c44e"
            ])
        );
        assert_eq!(wlan.masks, strings(&["255.255.255.0"]));
        assert_eq!(
            wlan.gateways,
            strings(&["fe80::62b5:8dff:fe35:646d", "192.168.178.1"])
        );
        assert_eq!(wlan.dhcp_server.as_deref(), Some("192.168.178.1"));
        assert_eq!(
            wlan.dns_servers,
            strings(&[
                "fd00::62b5:8dff:fe35:646d",
                "2a04:9546:19ba:af01:62b5:8dff:fe35:646d",
                "192.168.178.1"
            ])
        );
        let wsl = adapter(&a, "Ethernet-Adapter vEthernet (WSL (Hyper-V firewall))");
        assert_eq!(
            (wsl.ipv4.clone(), wsl.masks.clone(), wsl.gateways.clone()),
            (
                strings(&["172.22.16.1"]),
                strings(&["255.255.240.0"]),
                vec![]
            )
        );
    }
    for (how, t) in variants(file("fr-win11-ipconfig-all-wifi.txt")) {
        // The colon glued to the dot leader, and fields at the margin (a pasted copy).
        let a = ipconfig::parse(&lines(&t)).unwrap();
        let wifi = adapter(&a, "Carte réseau sans fil Wi-Fi");
        assert_eq!(wifi.ipv4, strings(&["10.33.48.17"]), "{how}");
        assert_eq!(wifi.ipv6, strings(&["fe80::9a24:18b8:e579:d17f"]));
        assert_eq!(wifi.masks, strings(&["255.255.252.0"]));
        assert_eq!(wifi.gateways, strings(&["10.33.51.254"]));
        assert_eq!(wifi.dhcp_server.as_deref(), Some("10.33.51.254"));
        assert_eq!(
            wifi.dns_servers,
            strings(&["208.67.222.220", "208.67.220.222", "10.188.0.1"])
        );
    }
    for (how, t) in variants(file("zh-cn-win7-ipconfig.txt")) {
        // 子网掩码 is a mask, not a gateway; the getmac output after it is not an adapter.
        let a = ipconfig::parse(&lines(&t)).unwrap();
        assert_eq!(a.len(), 7, "{how}: {a:?}");
        let wifi = adapter(&a, "无线局域网适配器 无线网络连接");
        assert_eq!(wifi.ipv4, strings(&["10.7.85.99"]), "{how}");
        assert_eq!(wifi.masks, strings(&["255.255.252.0"]));
        assert_eq!(wifi.gateways, strings(&["10.7.84.1"]));
        let vbox = adapter(&a, "以太网适配器 VirtualBox Host-Only Network");
        assert_eq!(
            (vbox.ipv4.clone(), vbox.masks.clone(), vbox.gateways.clone()),
            (
                strings(&["192.168.56.1"]),
                strings(&["255.255.255.0"]),
                vec![]
            )
        );
    }
}

#[test]
fn ipconfig_in_spanish_portuguese_and_korean() {
    let files = all();
    let file = |n: &str| files.iter().find(|r| r.path.ends_with(n)).unwrap();
    for (how, t) in variants(file("es-win10-ipconfig.txt")) {
        // Plain ipconfig, Windows 10: "Vínculo: dirección IPv6 local" has a colon of its own
        // before the dot leader.
        let a = ipconfig::parse(&lines(&t)).unwrap();
        assert_eq!(a.len(), 5, "{how}: {a:?}");
        let wifi = adapter(&a, "Adaptador de LAN inalámbrica Wi-Fi");
        assert_eq!(wifi.ipv4, strings(&["192.168.100.18"]), "{how}");
        assert_eq!(
            wifi.ipv6,
            strings(&[
                "2806:261:3480:b6e:f543:d9cb:13a5:7dfc",
                "fe80::4b27:d9ce:531:12da"
            ]),
            "{how}"
        );
        assert_eq!(wifi.masks, strings(&["255.255.255.0"]));
        assert_eq!(wifi.gateways, strings(&["fe80::1", "192.168.100.1"]));
        let teredo = adapter(&a, "Adaptador de túnel Teredo Tunneling Pseudo-Interface");
        assert_eq!(
            teredo.ipv6,
            strings(&[
                "2001:0:2877:7aa:28d2:55e9:4e1c:dbdd",
                "fe80::28d2:55e9:4e1c:dbdd"
            ]),
            "{how}"
        );
        assert!(teredo.gateways.is_empty() && teredo.ipv4.is_empty());
        let eth = adapter(&a, "Adaptador de Ethernet Ethernet");
        assert!(eth.ipv4.is_empty() && eth.masks.is_empty(), "{how}");
    }
    for (how, t) in variants(file("es-xp-ipconfig-all.txt")) {
        // Windows XP, copied from an 80-column console: the description wraps onto a line
        // of its own at the margin, and the fields after it still belong to the adapter.
        let a = ipconfig::parse(&lines(&t)).unwrap();
        assert_eq!(a.len(), 1, "{how}: {a:?}");
        let lan = adapter(&a, "Adaptador Ethernet Conexión de área local");
        assert_eq!(lan.ipv4, strings(&["192.168.0.11"]), "{how}");
        assert_eq!(lan.masks, strings(&["255.255.255.0"]), "{how}");
        assert_eq!(lan.gateways, strings(&["192.168.0.1"]), "{how}");
        assert_eq!(
            lan.dns_servers,
            strings(&["200.51.211.7", "200.51.212.7"]),
            "{how}"
        );
        assert_eq!(lan.dhcp_server, None);
    }
    for (how, t) in variants(file("pt-br-xp-ipconfig-all.txt")) {
        let a = ipconfig::parse(&lines(&t)).unwrap();
        assert_eq!(a.len(), 1, "{how}: {a:?}");
        let lan = adapter(&a, "Adaptador Ethernet Conexão local");
        assert_eq!(lan.ipv4, strings(&["192.168.229.128"]), "{how}");
        assert_eq!(lan.masks, strings(&["255.255.255.0"]), "{how}");
        assert_eq!(lan.gateways, strings(&["192.168.229.2"]), "{how}");
        assert_eq!(lan.dhcp_server.as_deref(), Some("192.168.229.254"), "{how}");
        assert_eq!(lan.dns_servers, strings(&["192.168.229.2"]), "{how}");
    }
    for (how, t) in variants(file("ko-win10-ipconfig-all.txt")) {
        // 서브넷 마스크 is a mask; (기본 설정) is the Preferred suffix.
        let a = ipconfig::parse(&lines(&t)).unwrap();
        assert_eq!(a.len(), 1, "{how}: {a:?}");
        let eth = adapter(&a, "이더넷 어댑터 이더넷");
        assert_eq!(eth.ipv4, strings(&["172.16.6.20"]), "{how}");
        assert_eq!(eth.ipv6, strings(&["fe80::a59c:8705:3673:a1bf"]), "{how}");
        assert_eq!(eth.masks, strings(&["255.255.0.0"]), "{how}");
        assert_eq!(eth.gateways, strings(&["172.16.6.254"]), "{how}");
        assert_eq!(
            eth.dns_servers,
            strings(&["205.251.195.147", "8.8.8.8"]),
            "{how}"
        );
    }
}

#[test]
fn netsh_cmdkey_wmic_and_sc_in_their_languages() {
    let files = all();
    let file = |n: &str| files.iter().find(|r| r.path.ends_with(n)).unwrap();
    for name in ["ja-direct.txt", "ja-direct-command-echo.txt"] {
        for (how, t) in variants(file(name)) {
            let p = netsh_winhttp::parse_proxy(&lines(&t)).unwrap();
            assert!(p.direct && p.proxy.is_none(), "{name} {how}: {p:?}");
        }
    }
    for (how, t) in variants(file("ja-import-proxy-bypass.txt")) {
        // `netsh winhttp import proxy source=ie` answers with the show-proxy block.
        let p = netsh_winhttp::parse_proxy(&lines(&t)).unwrap();
        assert!(!p.direct, "{how}: {p:?}");
        assert_eq!(p.proxy.as_deref(), Some("proxy_address:8080"), "{how}");
        assert_eq!(
            p.bypass.as_deref(),
            Some("test.com;*.test.com;sts.federation.com;<local>"),
            "{how}"
        );
    }
    for (how, t) in variants(file("cmdkey-zh-cn.txt")) {
        let c = accounts::parse_cmdkey(&lines(&t)).unwrap();
        assert_eq!(c.len(), 3, "{how}");
        assert_eq!(c[0].target, "LegacyGeneric:target=TERMSRV/10.0.0.100");
        assert_eq!(c[0].kind.as_deref(), Some("普通"), "{how}");
    }
    for (how, t) in variants(file("wmic-qfe-list-ru-srv2012r2.txt")) {
        let h = hotfix::parse(&t.text, &lines(&t), None).unwrap();
        assert!(h.notes.is_empty(), "{how}: {:?}", h.notes);
        assert_eq!(h.fixes[0].id, "KB2919355");
        assert_eq!(
            h.fixes[0].installed_on.map(|d| d.to_string()),
            Some("2014-03-18".into())
        );
    }
    for (how, t) in variants(file("de-win11-gethotfix-id-installedon.txt")) {
        // German day-first dates with a time; 21.04.2023 settles the order for the column.
        let h = hotfix::parse(&t.text, &lines(&t), None).unwrap();
        assert!(h.notes.is_empty(), "{how}: {:?}", h.notes);
        let got: Vec<(String, Option<String>)> = h
            .fixes
            .iter()
            .map(|f| (f.id.clone(), f.installed_on.map(|d| d.to_string())))
            .collect();
        let want = [
            ("KB5025182", "2023-04-21"),
            ("KB5012170", "2022-12-08"),
            ("KB5026446", "2023-05-12"),
            ("KB5026549", "2023-05-12"),
        ]
        .map(|(id, d)| (id.to_owned(), Some(d.to_owned())));
        assert_eq!(got, want, "{how}");
    }
    for (how, t) in variants(file("sc-qc-de-spooler.txt")) {
        let s = services::parse_sc(&lines(&t), None).unwrap();
        assert_eq!(
            (s[0].name.as_str(), s[0].start_type),
            ("spooler", Some("automatic")),
            "{how}"
        );
    }
    for (how, t) in variants(file("sc-qc-de-not-installed.txt")) {
        let s = services::parse_sc(&lines(&t), Some("NcdAutoSetup")).unwrap();
        assert!(s[0].missing, "{how}");
    }
}

/// Copies a sample's files as a user would export them by hand (no manifest).
fn hand_exports(sample: &str, into: &std::path::Path) {
    let from = repo().join("samples").join(sample);
    for dir in ["registry", "commands", "eventlogs", "probes"] {
        let Ok(entries) = std::fs::read_dir(from.join(dir)) else {
            continue;
        };
        for e in entries {
            let p = e.unwrap().path();
            std::fs::copy(&p, into.join(p.file_name().unwrap())).unwrap();
        }
    }
}

#[test]
fn hand_exports_from_a_japanese_pc_get_the_verdicts_of_the_english_one() {
    let en = scratch("hand-exports-en");
    let ja = scratch("hand-exports-ja");
    hand_exports("win11-healthy", &en);
    hand_exports("win11-healthy", &ja);
    // The Japanese PC's netsh answer, as `netsh winhttp show proxy > file` writes it (932).
    let text =
        std::fs::read_to_string(repo().join("tests/fixtures/real/netsh-winhttp/ja-direct.txt"))
            .unwrap();
    let bytes = CodePage::from_number(932).unwrap().encode(&text).unwrap();
    std::fs::write(ja.join("netsh-winhttp-show-proxy.txt"), bytes).unwrap();

    let rules = RuleSet::builtin().unwrap();
    let analyze = |dir: &std::path::Path| {
        analysis::analyze(snapshot::open(dir, &Limits::default()).unwrap(), &rules)
    };
    let (a, b) = (analyze(&en), analyze(&ja));
    let netsh = b
        .artifacts
        .iter()
        .find(|x| x.path.ends_with("netsh-winhttp-show-proxy.txt"))
        .unwrap();
    assert_eq!(netsh.kind, ArtifactKind::NetshWinhttpProxy);
    assert!(netsh.used);
    assert!(
        b.problems
            .iter()
            .any(|p| p.message.starts_with("decoded as cp932, a guess")),
        "{:?}",
        b.problems
    );
    let verdicts = |x: &analysis::Analysis| {
        x.findings
            .iter()
            .map(|f| (f.rule.clone(), f.status))
            .collect::<Vec<_>>()
    };
    assert_eq!(verdicts(&a), verdicts(&b));
    let mode =
        |x: &analysis::Analysis| x.facts.proxy.winhttp_mode.as_ref().map(|f| f.value.clone());
    assert_eq!(mode(&a), mode(&b));
}

/// `reg query` outputs from public issues and fixtures in English, German, French, Chinese
/// and Russian: keys, every value type they show, the localized name of the default value,
/// `/s` listings with keys that have no values, each in the console's page and in UTF-16.
#[test]
fn reg_query_listings_give_their_keys_and_values() {
    let files = all();
    let file = |n: &str| files.iter().find(|r| r.path.ends_with(n)).unwrap();
    let value = |q: &reg_query::RegQuery, key: usize, name: &str| -> Option<RegData> {
        q.keys[key]
            .block
            .values
            .iter()
            .find(|v| v.name == name)
            .and_then(|v| v.data.clone())
    };
    let sz = |s: &str| Some(RegData::String(s.to_owned()));
    for (how, t) in variants(file("winfsp-software-s-en.txt")) {
        let q = reg_query::parse(&lines(&t));
        assert!(q.errors.is_empty(), "{how}: {:?}", q.errors);
        assert_eq!(q.keys.len(), 5, "{how}");
        // /s: every key is complete, one of them has no values.
        assert!(q.keys.iter().all(|k| k.complete));
        assert!(q.keys[1].block.values.is_empty());
        assert_eq!(
            value(&q, 0, "InstallDir"),
            sz("C:\\Program Files\\WinFsp\\")
        );
        assert_eq!(value(&q, 2, "JobControl"), Some(RegData::Dword(1)));
        assert_eq!(
            value(&q, 2, "CommandLine"),
            sz("-i -F NTFS -n 65536 -s 67108864 -u %1 -m %2")
        );
    }
    for (how, t) in variants(file("ntversion-v-releaseid-en.txt")) {
        let q = reg_query::parse(&lines(&t));
        assert_eq!(q.keys.len(), 1, "{how}");
        assert_eq!(value(&q, 0, "ReleaseId"), sz("1803"));
    }
    for (how, t) in variants(file("longpaths-v-de-DE.txt")) {
        let q = reg_query::parse(&lines(&t));
        assert_eq!(
            value(&q, 0, "LongPathsEnabled"),
            Some(RegData::Dword(1)),
            "{how}"
        );
    }
    // The default value, whatever its localized label: English, Chinese, French (third in
    // the list), German, Russian.
    let defaults = [
        ("nls-locale-ve-en.txt", 0, "00000804"),
        ("npcap-ve-zh-CN.txt", 0, "C:\\Program Files\\Npcap"),
        (
            "vlc-fr-FR.txt",
            0,
            "C:\\Program Files (x86)\\VideoLAN\\VLC\\vlc.exe",
        ),
        ("inkscape-ve-de-DE.txt", 0, ""),
        ("ndp-s-ru-RU-wpf.txt", 2, "WPF v3.0.6920.4902"),
    ];
    for (name, key, expected) in defaults {
        for (how, t) in variants(file(name)) {
            let q = reg_query::parse(&lines(&t));
            assert!(q.errors.is_empty(), "{name} {how}: {:?}", q.errors);
            let found = value(&q, key, "");
            if expected.is_empty() {
                assert!(found.is_some(), "{name} {how}: the default value");
            } else {
                assert_eq!(found, sz(expected), "{name} {how}");
            }
        }
    }
    for (how, t) in variants(file("vlc-fr-FR.txt")) {
        let q = reg_query::parse(&lines(&t));
        let names: Vec<&str> = q.keys[0]
            .block
            .values
            .iter()
            .map(|v| v.name.as_str())
            .collect();
        assert_eq!(names, ["InstallDir", "Version", "", "Language"], "{how}");
    }
    // Errors are no listing.
    for name in [
        "error-missing-key-en.txt",
        "error-missing-value-de-DE.txt",
        "error-missing-value-fr-FR.txt",
        "error-missing-zh-CN.txt",
    ] {
        for (how, t) in variants(file(name)) {
            let q = reg_query::parse(&lines(&t));
            assert!(q.keys.is_empty() && !q.errors.is_empty(), "{name} {how}");
        }
    }
}

/// Office's licence state as people published it (tests/fixtures/real/licensing): the one
/// real vnextdiag output (an older script: "NUL licenses found"), and ospp.vbs outputs in
/// English and under a Chinese cscript banner, with the pastes' quirks (a break at an
/// underscore, day-first dates, one-space indents).
#[test]
fn licence_outputs_give_their_licences_and_states() {
    use caadoctor::parse::licensing;
    let read = |name: &str| {
        let text = std::fs::read_to_string(repo().join("tests/fixtures/real/licensing").join(name))
            .unwrap();
        let bytes = utf16le_bom(&text);
        decode::decode(&bytes, &CodePageHints::default()).unwrap()
    };
    let t = read("vnextdiag-list-o365proplus-licensed-redacted.txt");
    assert_eq!(classify_text(&t.text), ArtifactKind::VnextdiagList);
    let v = licensing::parse_vnextdiag(&lines(&t));
    assert!(v.errors.is_empty(), "{:?}", v.errors);
    assert_eq!(v.user_licenses.len(), 1);
    let l = &v.user_licenses[0];
    assert_eq!(l.product.as_deref(), Some("O365ProPlusRetail"));
    assert_eq!(l.license_state.as_deref(), Some("Licensed"));
    assert_eq!(l.not_after.as_deref(), Some("2023-02-01T07:16:15.4587377Z"));
    assert!(v.device_licenses.is_empty());

    let expect = [
        (
            "ospp-dstatus-o365proplus-subscription1-oob-grace.txt",
            vec![("Office16O365ProPlusR_Subscription1", "OOB_GRACE", Some(9))],
        ),
        (
            "ospp-dstatus-o365-subscription-licensed-and-project-notifications-excerpt.txt",
            vec![
                ("Office16O365ProPlusR_Subscription1", "LICENSED", Some(45)),
                (
                    "Office16ProjectProO365R_Subscription",
                    "NOTIFICATIONS",
                    None,
                ),
            ],
        ),
        (
            "ospp-dstatus-o365business-subscription-ddmmyyyy-excerpt.txt",
            vec![("Office16O365BusinessR_Subscription", "LICENSED", None)],
        ),
        (
            "ospp-dstatus-zh-cn-office2019-retail-grace-oob.txt",
            vec![("Office19ProPlus2019R_Grace", "OOB_GRACE", Some(4))],
        ),
        (
            "ospp-dstatus-zh-cn-office2019-kms-licensed.txt",
            vec![("Office19ProPlus2019VL_KMS_Client_AE", "LICENSED", Some(180))],
        ),
    ];
    for (name, want) in expect {
        let t = read(name);
        assert_eq!(classify_text(&t.text), ArtifactKind::OsppDstatus, "{name}");
        let o = licensing::parse_ospp(&lines(&t));
        let got: Vec<(&str, &str, Option<i64>)> = o
            .licenses
            .iter()
            .map(|l| (l.name.as_str(), l.status.as_str(), l.remaining_days))
            .collect();
        assert_eq!(got, want, "{name}");
    }
}
