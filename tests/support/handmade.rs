//! Snapshots made for the verdict tests: files exported by hand (any names, no manifest)
//! and sample zips as the collector wrote them with members changed, added or left out;
//! the Windows outputs they hold, written as Windows tools write them.
#![allow(dead_code)]

use super::common::{repo, scratch};
use caadoctor::analysis::{self, Analysis};
use caadoctor::rules::{Finding, RuleSet};
use caadoctor::snapshot::{self, Limits};
use std::io::{Read, Write};

/// Text as Windows tools save it: UTF-16LE with a BOM, CRLF.
pub fn utf16(text: &str) -> Vec<u8> {
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

pub fn from_utf16(bytes: &[u8]) -> String {
    let units: Vec<u16> = bytes[2..]
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16(&units).unwrap()
}

/// A whole export as `reg export` writes it: `blocks` are `[KEY]` lines with their values,
/// separated by one empty line.
pub fn export(blocks: &str) -> Vec<u8> {
    utf16(&format!(
        "Windows Registry Editor Version 5.00\n\n{}\n\n",
        blocks.trim()
    ))
}

pub fn analyze(path: &std::path::Path) -> Analysis {
    let rules = RuleSet::builtin().unwrap();
    analysis::analyze(snapshot::open(path, &Limits::default()).unwrap(), &rules)
}

/// A folder of files exported by hand: any names, no manifest.
pub fn hand(name: &str, files: &[(&str, Vec<u8>)]) -> Analysis {
    let dir = scratch(&format!("verdicts-{name}"));
    for (file, bytes) in files {
        std::fs::write(dir.join(file), bytes).unwrap();
    }
    analyze(&dir)
}

/// A member of a sample zip (its path under the top folder) and what to make of its bytes:
/// new bytes, or `None` to leave it out.
pub type Change<'a> = (&'a str, &'a dyn Fn(Vec<u8>) -> Option<Vec<u8>>);

/// A sample zip as the collector wrote it, with members changed; members it does not have
/// are added.
pub fn sample_with(sample: &str, name: &str, change: &[Change<'_>]) -> Analysis {
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
pub fn edit(from: &'static str, to: &'static str) -> impl Fn(Vec<u8>) -> Option<Vec<u8>> {
    move |bytes| {
        let text = from_utf16(&bytes);
        assert!(text.contains(from), "{from:?} not in {text}");
        Some(utf16(&text.replacen(from, to, 1)))
    }
}

/// A member of a sample's folder.
pub fn sample_file(sample: &str, path: &str) -> Vec<u8> {
    std::fs::read(repo().join("samples").join(sample).join(path)).unwrap()
}

pub fn finding<'a>(a: &'a Analysis, rule: &str) -> &'a Finding {
    a.findings.iter().find(|f| f.rule == rule).unwrap()
}

/// The sentence a finding adds when the sources of one of its facts disagree.
pub fn disagreement_message<'a>(f: &'a Finding, fact: &str) -> &'a str {
    let start = format!("The sources disagree on {fact}");
    f.messages
        .iter()
        .find(|m| m.starts_with(&start))
        .unwrap_or_else(|| panic!("no disagreement on {fact}: {:#?}", f.messages))
}

/// `dsregcmd /status` in the layout of Windows 10/11: join state, the user's state, one
/// Work Account section per connected work account, the account it ran as.
pub fn dsregcmd(entra: bool, domain: bool, work: &[(&str, &str)], executing: &str) -> Vec<u8> {
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
