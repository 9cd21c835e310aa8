//! `.reg` files as people write them: comments where Windows' import accepts them, and
//! tweak files that set a few values without being whole exports.

mod common;

use caadoctor::analysis::{self, Analysis};
use caadoctor::decode::{self, CodePageHints, Encoding};
use caadoctor::parse::reg::{self, RegData};
use caadoctor::registry::Lookup;
use caadoctor::rules::RuleSet;
use caadoctor::snapshot::{self, Limits};
use common::scratch;

/// Analyzes a folder holding `files`.
fn analyze(name: &str, files: &[(&str, &[u8])]) -> Analysis {
    let dir = scratch(name);
    for (file, bytes) in files {
        let path = dir.join(file);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(path, bytes).unwrap();
    }
    let rules = RuleSet::builtin().unwrap();
    analysis::analyze(snapshot::open(&dir, &Limits::default()).unwrap(), &rules)
}

fn status(a: &Analysis, rule: &str) -> String {
    let f = a.findings.iter().find(|f| f.rule == rule).unwrap();
    serde_json::to_value(f.status)
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned()
}

/// The issue's case: a file that sets a PAC URL under Internet Settings made WinHTTP
/// "direct" (the file's top keys were taken for exports) and failed `proxy`.
#[test]
fn a_pac_tweak_says_nothing_about_winhttp() {
    let pac = b"Windows Registry Editor Version 5.00\r\n\r\n\
        [HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings]\r\n\
        \"AutoConfigURL\"=\"http://wpad.contoso.com/proxy.pac\"\r\n\r\n\
        [HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Internet Settings]\r\n\
        \"AutoConfigURL\"=\"http://wpad.contoso.com/proxy.pac\"\r\n";
    let a = analyze("pac-tweak", &[("pac.reg", pac)]);
    assert!(
        a.facts.proxy.winhttp_mode.is_none(),
        "{:?}",
        a.facts.proxy.winhttp_mode
    );
    let uses = a.facts.proxy.wininet_uses_proxy.as_ref().unwrap();
    assert!(uses.value);
    assert!(
        uses.evidence[0].seen.contains("not a whole export"),
        "{:?}",
        uses.evidence
    );
    assert!(a.facts.proxy.wininet_proxy_enabled.is_none());
    assert_eq!(status(&a, "proxy"), "unknown");
    let note = a.artifacts[0].note.as_deref().unwrap();
    assert!(
        note.starts_with("not a whole export (it is not UTF-16"),
        "{note}"
    );
}

/// A `REGEDIT4` file saved by Notepad in the ANSI page (1252 here): Windows' import reads it
/// as ANSI, never as an OEM page, even where the OEM page would "read" better. (The key is
/// one the facts read: the analysis keeps no other.)
#[test]
fn an_ansi_reg_file_is_read_in_the_ansi_page() {
    let mut bytes =
        b"REGEDIT4\r\n\r\n[HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings]\r\n\"Label\"=\"".to_vec();
    bytes.extend(b"\x84Nord\x93 \x80");
    bytes.extend(b"\"\r\n\"Path\"=hex(2):80,25,00\r\n");
    let guessed = decode::decode(&bytes, &CodePageHints::default()).unwrap();
    assert_eq!(
        guessed.encoding,
        Encoding::Legacy(caadoctor::decode::CodePage::Oem850),
        "the unhinted guess would be wrong"
    );
    let a = analyze("ansi-reg", &[("ansi.reg", &bytes)]);
    assert_eq!(
        a.artifacts[0].encoding,
        Some(Encoding::Legacy(caadoctor::decode::CodePage::Windows1252))
    );
    let read = |name| match a.inputs.registry.value(
        r"HKCU\Software\Microsoft\Windows\CurrentVersion\Internet Settings",
        name,
    ) {
        Lookup::Found(_, v) => v.data.as_str().map(str::to_owned),
        _ => None,
    };
    assert_eq!(
        read("Label").as_deref(),
        Some("\u{201e}Nord\u{201c} \u{20ac}")
    );
    assert_eq!(read("Path").as_deref(), Some("\u{20ac}%"));
    // With the collector's manifest naming both pages, still the ANSI one.
    let manifest =
        br#"{"schema":"caadoctor.manifest/1","codepages":{"oem":850,"ansi":1252},"steps":[]}"#;
    let a = analyze(
        "ansi-reg-manifest",
        &[("ansi.reg", &bytes), ("manifest.json", manifest)],
    );
    let reg = a.artifacts.iter().find(|x| x.path == "ansi.reg").unwrap();
    assert_eq!(
        reg.encoding,
        Some(Encoding::Legacy(caadoctor::decode::CodePage::Windows1252))
    );
}

// Real files people published (tests/fixtures/real/reg/MANIFEST.md says where each comes
// from). Every one of them is a tweak, not a whole export.

const REAL: &str = "tests/fixtures/real/reg";

fn real(name: &str) -> Vec<u8> {
    std::fs::read(common::repo().join(REAL).join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn parse_real(name: &str) -> (decode::Text, reg::RegFile) {
    let text = decode::decode(&real(name), &CodePageHints::default()).unwrap();
    let file = reg::parse(&text.text);
    (text, file)
}

/// `(line, name, data)` of every value of the key at `path` (as the file spells it).
fn values_of(file: &reg::RegFile, path: &str) -> Vec<(usize, String, Option<RegData>)> {
    file.keys
        .iter()
        .filter(|k| k.path.eq_ignore_ascii_case(path))
        .flat_map(|k| &k.values)
        .map(|v| (v.line, v.name.clone(), v.data.clone()))
        .collect()
}

fn dword(line: usize, name: &str, v: u32) -> (usize, String, Option<RegData>) {
    (line, name.to_owned(), Some(RegData::Dword(v)))
}

fn text_value(line: usize, name: &str, v: &str) -> (usize, String, Option<RegData>) {
    (line, name.to_owned(), Some(RegData::String(v.to_owned())))
}

const SCHANNEL12: &str = r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.2";
const WINHTTP: &str =
    r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\WinHttp";
const INET_USER: &str =
    r"HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Internet Settings";

/// Every real file: the lines Windows' import would skip are the only errors, and no file
/// has the shape of a whole export.
#[test]
fn every_real_file_reads_as_windows_imports_it() {
    let files = common::files_in(&common::repo().join(REAL));
    let regs: Vec<_> = files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "reg"))
        .collect();
    assert!(regs.len() >= 15, "{} real files", regs.len());
    for path in regs {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let (text, file) = parse_real(&name);
        let errors: Vec<_> = file.errors.iter().map(|e| (e.line, e.column)).collect();
        let expected: &[(usize, usize)] = match name.as_str() {
            // `"PowerThrottlingOff"==dword:00000001`: Windows skips the line too.
            "tweaks-double-equals-and-trailing-blanks.reg" => &[(76, 22)],
            _ => &[],
        };
        assert_eq!(errors, expected, "{name}: {:?}", file.errors);
        assert!(!file.keys.is_empty(), "{name}");
        let utf16 = text.encoding == Encoding::Utf16leBom;
        assert!(
            matches!(
                reg::shape(&text.text, &file, utf16),
                reg::Shape::Partial { .. }
            ),
            "{name} taken for a whole export"
        );
    }
}

#[test]
fn real_tls_files_give_their_values_and_lines() {
    // The issue's case: a comment after DefaultSecureProtocols, no newline at the end.
    let (_, f) = parse_real("tls12-winhttp-trailing-comment.reg");
    assert_eq!(
        values_of(&f, &format!(r"{SCHANNEL12}\Client")),
        [dword(4, "Enabled", 1), dword(5, "DisabledByDefault", 0)]
    );
    assert_eq!(
        values_of(&f, WINHTTP),
        [dword(8, "DefaultSecureProtocols", 0xa00)]
    );
    assert_eq!(
        values_of(&f, INET_USER),
        [dword(11, "SecureProtocols", 0xa00)]
    );
    assert_eq!(f.comments, [8]);

    let (_, f) = parse_real("tls12-schannel-secureprotocols.reg");
    assert_eq!(
        values_of(&f, INET_USER),
        [dword(8, "SecureProtocols", 0xa80)]
    );

    let (_, f) = parse_real("tls12-schannel-client-server.reg");
    assert_eq!(
        values_of(&f, &format!(r"{SCHANNEL12}\Server")),
        [dword(8, "DisabledByDefault", 0), dword(9, "Enabled", 1)]
    );
    let (_, f) = parse_real("tls12-schannel-no-final-newline.reg");
    assert_eq!(
        values_of(&f, &format!(r"{SCHANNEL12}\Server")),
        [dword(8, "Enabled", 1), dword(9, "DisabledByDefault", 0)]
    );

    let (_, f) = parse_real("tls12-dotnet-schannel-comments.reg");
    let dotnet = r"HKEY_LOCAL_MACHINE\SOFTWARE\WOW6432Node\Microsoft\.NETFramework\v4.0.30319";
    assert_eq!(values_of(&f, dotnet), [dword(8, "SchUseStrongCrypto", 1)]);
    assert_eq!(f.comments, [3, 10]);

    let (_, f) = parse_real("tls12-ws2012-comments.reg");
    assert_eq!(values_of(&f, SCHANNEL12), []);
    assert_eq!(
        values_of(&f, &format!(r"{SCHANNEL12}\Client")),
        [dword(8, "DisabledByDefault", 0), dword(9, "Enabled", 1)]
    );

    // The same keys listed twice; Enabled as 0xffffffff (what some guides write for "on").
    let (_, f) = parse_real("schannel-hardening-repeated-keys.reg");
    assert_eq!(
        values_of(&f, &format!(r"{SCHANNEL12}\Client")),
        [
            dword(82, "Enabled", 0xffff_ffff),
            dword(106, "DisabledByDefault", 0)
        ]
    );
}

#[test]
fn real_proxy_ncsi_service_and_office_files_give_their_values_and_lines() {
    // Tab-indented values under a mixed-case root, after a comment line.
    let (_, f) = parse_real("proxy-tab-indented.reg");
    assert_eq!(
        f.keys[0].path,
        r"HKey_Current_User\Software\Microsoft\Windows\CurrentVersion\Internet Settings"
    );
    assert_eq!(
        values_of(&f, INET_USER),
        [
            dword(4, "MigrateProxy", 1),
            dword(5, "ProxyEnable", 1),
            text_value(6, "ProxyOverride", ""),
            text_value(7, "ProxyServer", "[::1]:8118"),
        ]
    );
    let (_, f) = parse_real("proxy-server-override.reg");
    assert_eq!(
        values_of(&f, INET_USER)[2..],
        [
            text_value(6, "ProxyServer", "www-proxy.cs.kadaster.nl:8082"),
            text_value(
                7,
                "ProxyOverride",
                "*.cs.kadaster.nl, *.so.kadaster.nl, *.in.kadaster.nl, kadaster.local, localhost, <local>"
            ),
        ]
    );

    let (_, f) = parse_real("ncsi-enable-active-probing.reg");
    assert_eq!(
        values_of(
            &f,
            r"HKEY_LOCAL_MACHINE\System\CurrentControlSet\Services\NlaSvc\Parameters\Internet"
        ),
        [dword(4, "EnableActiveProbing", 1)]
    );

    // Comment lines between blocks; the blocks commented out are not read.
    let (_, f) = parse_real("services-disable-utf8-comments.reg");
    let services = r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services";
    assert_eq!(
        values_of(&f, &format!(r"{services}\DiagTrack")),
        [dword(44, "Start", 4)]
    );
    assert_eq!(values_of(&f, &format!(r"{services}\Spooler")), []);
    assert_eq!(f.keys.len(), 18);

    let (_, f) = parse_real("office-mailsettings-wrapped-hex.reg");
    let mail = r"HKEY_CURRENT_USER\Software\Microsoft\Office\16.0\Common\MailSettings";
    let values = values_of(&f, mail);
    assert_eq!(values.len(), 10);
    assert_eq!(
        values[3].0, 28,
        "ComposeFontSimple after 22 lines of wrapped hex"
    );
    assert_eq!(
        values[3]
            .2
            .as_ref()
            .and_then(RegData::as_bytes)
            .map(<[u8]>::len),
        Some(60)
    );
    assert_eq!(values[8], dword(80, "ThemeFont", 2));
}

#[test]
fn real_tweaks_in_every_encoding_and_with_deletions() {
    let (text, f) = parse_real("regedit4-dll-override.reg");
    assert_eq!(f.format, reg::Format::Regedit4);
    assert_eq!(text.encoding, Encoding::Utf8);
    assert_eq!(
        values_of(&f, r"HKEY_CURRENT_USER\Software\Wine\DllOverrides"),
        [text_value(3, "winhttp", "native,builtin")]
    );

    let (text, f) = parse_real("tweaks-utf8-bom-cyrillic-comment.reg");
    assert_eq!(text.encoding, Encoding::Utf8Bom);
    assert!(f.comments.contains(&46));
    assert_eq!(
        values_of(
            &f,
            r"HKEY_CURRENT_USER\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\Attachments"
        ),
        [dword(48, "SaveZoneInformation", 1)]
    );

    let (_, f) = parse_real("tweaks-deletions-wrapped-hex.reg");
    assert_eq!(f.keys.iter().filter(|k| k.delete).count(), 10);
    let bag = r"HKEY_CURRENT_USER\SOFTWARE\Classes\CLSID\{b1d1a93a-9c3d-48a9-b5ce-e6e6b50bec7c}\Instance\InitPropertyBag";
    assert_eq!(
        values_of(&f, bag)[1],
        (
            58,
            "Target".to_owned(),
            Some(RegData::ExpandString(
                "shell:::{59031a47-3f72-44a7-89c5-5595fe6b30ee}".into()
            ))
        )
    );

    // Blanks after `]` and after values; the `==` line is the only one lost.
    let (_, f) = parse_real("tweaks-double-equals-and-trailing-blanks.reg");
    assert_eq!(
        values_of(&f, r"HKEY_CURRENT_USER\Software\Microsoft\GameBar")[0],
        dword(97, "ShowStartupPanel", 0)
    );
    assert_eq!(
        values_of(
            &f,
            r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\Power"
        ),
        []
    );
}

/// Each real tweak alone: the facts its values say, and nothing from what it leaves out —
/// no evidence of "not set" or "key absent", and every registry fact says where it came from.
#[test]
fn real_tweaks_infer_nothing_from_absence() {
    let files = common::files_in(&common::repo().join(REAL));
    for path in files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "reg"))
    {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let a = analyze(&format!("real-{name}"), &[(&name, &real(&name))]);
        let note = a.artifacts[0].note.as_deref().unwrap_or_default();
        assert!(note.starts_with("not a whole export ("), "{name}: {note}");
        let facts = serde_json::to_value(&a.facts).unwrap();
        let mut seen = Vec::new();
        collect_seen(&facts, &mut seen);
        for s in &seen {
            assert!(
                s.contains("not a whole export"),
                "{name}: evidence without the partial note: {s}"
            );
            assert!(
                !s.starts_with("not set") && !s.starts_with("key absent"),
                "{name}: inferred from absence: {s}"
            );
        }
    }
}

fn collect_seen(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            if let Some(s) = m.get("seen").and_then(|s| s.as_str()) {
                out.push(s.to_owned());
            }
            m.values().for_each(|x| collect_seen(x, out));
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect_seen(x, out)),
        _ => {}
    }
}

/// All the real tweaks together: the facts their values say.
#[test]
fn real_tweaks_together_give_the_facts_their_values_say() {
    let files = common::files_in(&common::repo().join(REAL));
    let owned: Vec<(String, Vec<u8>)> = files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "reg"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let bytes = real(&name);
            (name, bytes)
        })
        .collect();
    let borrowed: Vec<(&str, &[u8])> = owned
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let a = analyze("real-all", &borrowed);
    let ncsi = a.facts.ncsi.enable_active_probing.as_ref().unwrap();
    assert_eq!(ncsi.value, 1);
    assert_eq!(ncsi.evidence[0].artifact, "ncsi-enable-active-probing.reg");
    assert_eq!(ncsi.evidence[0].line, Some(4));
    let dsp = a
        .facts
        .tls
        .winhttp_default_secure_protocols
        .as_ref()
        .unwrap();
    assert_eq!((dsp.value, dsp.evidence[0].line), (0xa00, Some(8)));
    // A file that sets a service's Start does not show the service is installed.
    let diag = &a.facts.services["DiagTrack"];
    assert_eq!(diag.start.as_ref().map(|f| f.value), Some(4));
    assert!(diag.installed.is_none());
    // Without the OS build nothing is said of WinHTTP's TLS 1.2 default.
    assert!(a.facts.tls.winhttp_tls12.is_none());
    // 10 deleted keys and a deleted nothing else: not applied, and said so.
    let deletions = a
        .artifacts
        .iter()
        .find(|x| x.path == "tweaks-deletions-wrapped-hex.reg")
        .and_then(|x| x.note.as_deref())
        .unwrap();
    assert!(
        deletions.contains("its 10 deletions are not applied"),
        "{deletions}"
    );
}

/// On Windows 7, a TLS 1.2 tweak whose DefaultSecureProtocols line ends in a comment: the
/// value was dropped and the export's absence made WinHTTP "no TLS 1.2"; now the value set
/// counts, and where the tweak and the export disagree the export wins.
#[test]
fn a_tls_tweak_beside_a_windows_7_snapshot() {
    let sample = common::repo().join("samples/win7-sp1-no-tls12");
    let mut files: Vec<(String, Vec<u8>)> = vec![(
        "manifest.json".into(),
        std::fs::read(sample.join("manifest.json")).unwrap(),
    )];
    for dir in ["registry", "commands"] {
        for p in common::files_in(&sample.join(dir)) {
            let name = format!("{dir}/{}", p.file_name().unwrap().to_string_lossy());
            files.push((name, std::fs::read(&p).unwrap()));
        }
    }
    files.push((
        "registry/zz-enable-tls12.reg".into(),
        real("tls12-winhttp-trailing-comment.reg"),
    ));
    let borrowed: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let a = analyze("win7-tls-tweak", &borrowed);
    let w = a.facts.tls.winhttp_tls12.as_ref().unwrap();
    assert!(w.value, "{w:?}");
    assert_eq!(w.evidence[0].artifact, "registry/zz-enable-tls12.reg");
    assert_eq!(w.evidence[0].line, Some(8));
    // HKCU SecureProtocols: the export (0xa0) beats the tweak (0xa00).
    let inet = a.facts.tls.inet_secure_protocols.as_ref().unwrap();
    assert_eq!(inet.value, 0xa0);
    let conflict = a
        .inputs
        .registry
        .conflicts()
        .iter()
        .find(|c| c.name == "SecureProtocols")
        .unwrap();
    assert_eq!(
        &*conflict.overridden.artifact,
        "registry/zz-enable-tls12.reg"
    );
    // Only the files left out of this test's copy, said once.
    assert_eq!(a.problems.len(), 1, "{:?}", a.problems);
    assert!(
        a.problems[0]
            .message
            .starts_with("5 files the collector wrote are not in the snapshot (eventlogs/"),
        "{}",
        a.problems[0]
    );
}
