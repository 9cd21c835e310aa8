//! `.reg` files as people write them: comments where Windows' import accepts them, and
//! tweak files that set a few values without being whole exports.

mod common;

use caadoctor::analysis::{self, Analysis};
use caadoctor::decode::{self, CodePageHints, Encoding};
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
/// as ANSI, never as an OEM page, even where the OEM page would "read" better.
#[test]
fn an_ansi_reg_file_is_read_in_the_ansi_page() {
    let mut bytes =
        b"REGEDIT4\r\n\r\n[HKEY_CURRENT_USER\\Software\\caadoctor-test]\r\n\"Label\"=\"".to_vec();
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
    let read = |name| match a
        .inputs
        .registry
        .value(r"HKCU\Software\caadoctor-test", name)
    {
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
