//! Mutated real inputs never panic the analyzer: every sample artifact and every corpus
//! `.reg` file is truncated, bit-flipped and spliced many times over, and the whole
//! pipeline (decode, classify, parse, facts, rules, report) must still produce a report.
//! A cheap, deterministic stand-in for the fuzzer that runs in every `cargo test`.

mod common;

use caadoctor::analysis;
use caadoctor::report::Report;
use caadoctor::rules::RuleSet;
use caadoctor::snapshot::{Artifact, Snapshot, SourceFormat};
use common::{corpus, files_in, repo};

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut b = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        match rng.below(5) {
            0 => b.truncate(rng.below(b.len() + 1)),
            1 => {
                for _ in 0..1 + rng.below(8) {
                    if !b.is_empty() {
                        let i = rng.below(b.len());
                        b[i] ^= 1 << rng.below(8);
                    }
                }
            }
            2 => {
                let at = rng.below(b.len() + 1);
                let junk: &[u8] = [
                    b"\\\r\n  ".as_slice(),
                    b"\"",
                    b"[",
                    b"hex(7):",
                    b"\0\0\xff\xfe",
                    b"=-",
                    b"dword:",
                ][rng.below(7)];
                b.splice(at..at, junk.iter().copied());
            }
            3 => {
                // Duplicate a slice somewhere else (long lines, repeated keys).
                if b.len() > 2 {
                    let from = rng.below(b.len() - 1);
                    let to = (from + 1 + rng.below(512)).min(b.len());
                    let piece = b[from..to].to_vec();
                    let at = rng.below(b.len());
                    b.splice(at..at, piece);
                }
            }
            _ => {
                if b.len() > 1 {
                    let i = rng.below(b.len() - 1);
                    b.remove(i);
                }
            }
        }
    }
    b
}

fn inputs() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for dir in [
        repo().join("samples/win7-sp1-no-tls12/registry"),
        corpus().join("reg"),
        corpus().join("text"),
    ] {
        for path in files_in(&dir) {
            let bytes = std::fs::read(&path).unwrap();
            if bytes.len() < 64 * 1024 {
                out.push((
                    path.file_name().unwrap().to_string_lossy().into_owned(),
                    bytes,
                ));
            }
        }
    }
    out.push((
        "manifest.json".into(),
        std::fs::read(repo().join("samples/win7-sp1-no-tls12/manifest.json")).unwrap(),
    ));
    out
}

#[test]
fn mutated_inputs_never_panic_the_pipeline() {
    let rules = RuleSet::builtin().unwrap();
    let originals = inputs();
    let mut rng = Rng(0x5EED_CAA7_0007);
    let mut reports = 0;
    for round in 0..150 {
        let artifacts: Vec<Artifact> = originals
            .iter()
            .map(|(name, bytes)| Artifact {
                path: format!("r{round}/{name}"),
                bytes: mutate(&mut rng, bytes),
            })
            .collect();
        let snapshot = Snapshot::of(&format!("round-{round}"), SourceFormat::Folder, artifacts);
        let analysis = analysis::analyze(snapshot, &rules);
        assert_eq!(analysis.findings.len(), rules.rules.len());
        assert!(!Report::new(&analysis).to_json().is_empty());
        reports += 1;
    }
    assert_eq!(reports, 150);
}

#[test]
fn mutated_rule_conditions_never_panic_the_loader() {
    let mut rng = Rng(0xC0FF_EE00_1234);
    for (_, text) in caadoctor::rules::BUILTIN {
        for _ in 0..60 {
            let bytes = mutate(&mut rng, text.as_bytes());
            let text = String::from_utf8_lossy(&bytes);
            // Either a rule or an error with a position; never a panic.
            if let Err(e) = caadoctor::rules::parse_rule("m.toml", &text) {
                assert!(!e.message.is_empty());
            }
        }
    }
}

/// Event logs: bits flipped, bytes spliced and files cut in the part that holds records
/// (the file header and the first chunk's records), through the parser and the analysis.
#[test]
fn mutated_event_logs_never_panic() {
    use caadoctor::parse::eventlog;
    let rules = RuleSet::builtin().unwrap();
    let selection = &caadoctor::facts::events::SELECTED;
    let mut logs: Vec<(String, Vec<u8>)> = files_in(&repo().join("tests/fixtures/evtx"))
        .into_iter()
        .chain([
            corpus().join("evtx/issue_201.evtx"),
            corpus().join("evtx/Microsoft-Windows-HelloForBusiness%4Operational.evtx"),
        ])
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    logs.sort();
    let mut rng = Rng(0xE7_0C0D_E300);
    for round in 0..120 {
        let (name, original) = &logs[round % logs.len()];
        // The used part: the header, the chunk header and its records.
        let used = (4096 + 512 + 8192).min(original.len());
        let mut bytes = original.clone();
        let head = mutate(&mut rng, &bytes[..used]);
        bytes.splice(..used, head);
        let log = eventlog::parse(&bytes, selection);
        if let Ok(log) = &log {
            assert!(log.events.len() <= log.records);
        }
        let snapshot = Snapshot::of(
            &format!("evtx-{round}"),
            SourceFormat::Folder,
            vec![Artifact {
                path: format!("{round}/{name}"),
                bytes,
            }],
        );
        let analysis = analysis::analyze(snapshot, &rules);
        assert_eq!(analysis.findings.len(), rules.rules.len());
    }
}

/// Event logs whose chunks still pass their checksums after the mutation (marked as
/// having none, as a log may be): the parser reads such chunks from the records' headers
/// and bytes, with no help from the crate's checks, so it must hold up on them alone. And
/// where the crate itself reads every record of the mutated log, the two ways of reading
/// it agree event for event.
#[test]
fn mutated_records_in_chunks_that_pass_their_checksums_never_panic() {
    use caadoctor::parse::eventlog::{self, EVERY_EVENT, Selection};
    let everything = Selection::new(EVERY_EVENT);
    let selections = [&*caadoctor::facts::events::SELECTED, &everything];
    let logs: Vec<Vec<u8>> = files_in(&repo().join("tests/fixtures/evtx"))
        .into_iter()
        .chain([
            corpus().join("evtx/system.evtx"),
            repo().join("tests/fixtures/evtx-public/2-vss_7-System.evtx"),
        ])
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    let mut rng = Rng(0xCAA7_0007_C4EC);
    let (mut agreed, mut damaged) = (0, 0);
    for round in 0..500 {
        // The file header and one of the log's chunks.
        let log = &logs[round % logs.len()];
        let chunks = (log.len() - 4096) / 0x10000;
        let at = 4096 + rng.below(chunks) * 0x10000;
        let mut bytes = [&log[..4096], &log[at..at + 0x10000]].concat();
        let chunk = 4096;
        let free = u32::from_le_bytes(bytes[chunk + 48..chunk + 52].try_into().unwrap()) as usize;
        let records = chunk + 512..chunk + free.clamp(512, 0x10000);
        // Bytes changed in place (the records keep their places): bits flipped, and sizes,
        // offsets and counts made small, large or zero.
        for _ in 0..1 + rng.below(6) {
            let at = records.start + rng.below(records.len());
            match rng.below(3) {
                0 => bytes[at] ^= 1 << rng.below(8),
                1 => bytes[at] = [0, 1, 0x7F, 0xFF][rng.below(4)],
                _ => {
                    let end = (at + 4).min(records.end);
                    bytes[at..end].fill([0, 0xFF][rng.below(2)]);
                }
            }
        }
        let flags = chunk + 120;
        bytes[flags] |= 0x04;
        for selection in selections {
            let read = eventlog::parse(&bytes, selection).expect("the file header is untouched");
            assert!(read.events.len() <= read.records, "round {round}");
            let rendered = eventlog::parse_by_rendering(&bytes, selection).unwrap();
            // Where the rendering could not be read back (the crate writes a control
            // character of a mutated name into its JSON unescaped) it is no reference.
            if rendered.damage.is_empty() && rendered.unreadable == 0 && rendered.anonymous == 0 {
                if read != rendered {
                    let first = read
                        .events
                        .iter()
                        .zip(&rendered.events)
                        .find(|(a, b)| a != b);
                    let ids = |l: &eventlog::EventLog| {
                        l.events
                            .iter()
                            .map(|e| format!("{}:{}/{}", e.record_id, e.provider, e.event_id))
                            .collect::<Vec<_>>()
                            .join(" ")
                    };
                    let kept = std::env::temp_dir().join("caadoctor-mutated.evtx");
                    std::fs::write(&kept, &bytes).unwrap();
                    panic!(
                        "round {round} (the log is in {}): {}\n{}\n{} and {} records, {} and {} events; first that differs: {first:#?}",
                        kept.display(),
                        ids(&read),
                        ids(&rendered),
                        read.records,
                        rendered.records,
                        read.events.len(),
                        rendered.events.len()
                    );
                }
                agreed += 1;
            } else {
                damaged += 1;
            }
        }
    }
    // Both cases are met often enough to mean something.
    eprintln!("{agreed} agreed, {damaged} damaged");
    assert!(
        agreed > 100 && damaged > 100,
        "{agreed} agreed, {damaged} damaged"
    );
}
