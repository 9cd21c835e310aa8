//! Any bytes as an event log, through the parser with the rules' selection: as they are,
//! and with every chunk marked as having no checksums, so that mutated records reach the
//! path that reads chunks from the records' headers (a mutated chunk almost never passes
//! its CRC32). Where the crate reads every record of the marked log, the parser must give
//! what rendering every record gives. Seed it with real logs so it starts from real chunks
//! and records:
//!
//! ```text
//! mkdir -p corpus/evtx && cp ../tests/fixtures/evtx/*.evtx ../../shared/corpus/evtx/issue_201.evtx corpus/evtx/
//! RUSTC_BOOTSTRAP=1 cargo fuzz run evtx corpus/evtx -- -max_len=300000
//! ```
#![no_main]

use caadoctor::facts::events::SELECTED;
use caadoctor::parse::eventlog;
use libfuzzer_sys::fuzz_target;

/// The file header, then chunks of 64 KiB; a chunk's flags are at offset 120 (4: no CRC32).
const FILE_HEADER: usize = 4096;
const CHUNK: usize = 0x10000;

fuzz_target!(|data: &[u8]| {
    let _ = eventlog::parse(data, &SELECTED);
    let mut marked = data.to_vec();
    let mut at = FILE_HEADER;
    while at + CHUNK <= marked.len() {
        if marked[at..].starts_with(b"ElfChnk\0") {
            marked[at + 120] |= 0x04;
        }
        at += CHUNK;
    }
    let Ok(read) = eventlog::parse(&marked, &SELECTED) else {
        return;
    };
    assert!(read.events.len() <= read.records);
    let rendered = eventlog::parse_by_rendering(&marked, &SELECTED).expect("read once");
    if rendered.damage.is_empty() && rendered.unreadable == 0 && rendered.anonymous == 0 {
        assert_eq!(read, rendered);
    }
});
