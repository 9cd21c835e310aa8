//! A large `.reg` costs its text, not its tree: the analysis streams a file's items and
//! keeps only the keys the facts read (`facts::REGISTRY_READ`), and of those at most
//! `MAX_KEPT_KEYS` keys and `MAX_KEPT_VALUES` values a file. Peak memory against file size
//! is measured by `cargo bench --bench memory`; these tests check what is held.

mod common;

use caadoctor::analysis::{self, Analysis};
use caadoctor::registry::{MAX_KEPT_KEYS, MAX_KEPT_VALUES};
use caadoctor::rules::RuleSet;
use caadoctor::snapshot::{Artifact, Snapshot, SourceFormat};
use common::{files_in, repo};

fn utf16(text: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE];
    out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    out
}

/// The registry files of a sample, plus `extra`.
fn analyze_with(extra: Vec<Artifact>) -> Analysis {
    let mut artifacts: Vec<Artifact> = files_in(&repo().join("samples/win11-healthy/registry"))
        .into_iter()
        .map(|p| Artifact {
            path: format!("registry/{}", p.file_name().unwrap().to_string_lossy()),
            bytes: std::fs::read(&p).unwrap(),
        })
        .collect();
    artifacts.extend(extra);
    let rules = RuleSet::builtin().unwrap();
    analysis::analyze(Snapshot::of("t", SourceFormat::Folder, artifacts), &rules)
}

/// A whole export of HKLM\SOFTWARE\Classes: 30,000 keys no fact reads.
fn classes_export() -> Vec<u8> {
    let root = r"HKEY_LOCAL_MACHINE\SOFTWARE\Classes";
    let mut text = format!(
        "Windows Registry Editor Version 5.00\r\n\r\n[{root}]\r\n\r\n[{root}\\CLSID]\r\n\r\n"
    );
    for i in 0..30_000 {
        text.push_str(&format!(
            "[{root}\\CLSID\\{{{i:08X}-0000-0000-0000-000000000000}}]\r\n@=\"Component {i}\"\r\n\"Version\"=dword:{i:08x}\r\n\r\n"
        ));
    }
    utf16(&text)
}

#[test]
fn keys_no_fact_reads_are_not_held() {
    let alone = analyze_with(Vec::new());
    let with = analyze_with(vec![Artifact {
        path: "registry/zz-classes.reg".to_owned(),
        bytes: classes_export(),
    }]);
    assert_eq!(
        with.inputs.registry.key_count(),
        alone.inputs.registry.key_count()
    );
    assert_eq!(with.facts, alone.facts);
    let classes = with
        .artifacts
        .iter()
        .find(|a| a.path == "registry/zz-classes.reg")
        .unwrap();
    assert!(classes.used);
    assert!(
        classes
            .note
            .as_deref()
            .unwrap()
            .starts_with(r"read as a whole export of HKLM\SOFTWARE\Classes"),
        "{:?}",
        classes.note
    );
    assert!(with.problems.is_empty(), "{:?}", with.problems);
}

#[test]
fn a_file_stuffing_the_keys_the_facts_read_is_cut_at_the_limits() {
    let mut services = String::from("Windows Registry Editor Version 5.00\r\n\r\n");
    for i in 0..MAX_KEPT_KEYS + 1_500 {
        services.push_str(&format!(
            "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\Junk{i}]\r\n\"Start\"=dword:00000004\r\n\r\n"
        ));
    }
    let mut values = String::from(
        "Windows Registry Editor Version 5.00\r\n\r\n\
         [HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings]\r\n",
    );
    for i in 0..MAX_KEPT_VALUES + 2_000 {
        values.push_str(&format!("\"v{i}\"=dword:00000001\r\n"));
    }
    let a = analyze_with(vec![
        Artifact {
            path: "x/services.reg".to_owned(),
            bytes: services.into_bytes(),
        },
        Artifact {
            path: "x/values.reg".to_owned(),
            bytes: values.into_bytes(),
        },
    ]);
    let said: Vec<(&str, &str)> = a
        .problems
        .iter()
        .map(|p| (p.artifact.as_deref().unwrap(), p.message.as_str()))
        .collect();
    assert_eq!(said.len(), 2, "{said:#?}");
    assert_eq!(said[0].0, "x/services.reg");
    assert!(
        said[0]
            .1
            .starts_with("1500 keys and 0 values of the keys the facts read"),
        "{}",
        said[0].1
    );
    assert!(
        said[1].1.starts_with("0 keys and 2000 values"),
        "{}",
        said[1].1
    );
    assert!(a.inputs.registry.key_count() <= MAX_KEPT_KEYS + 100);
    // The sample's own services are still read.
    assert_eq!(a.facts.services["NlaSvc"].start.as_ref().unwrap().value, 2);
}
