//! Any bytes as an event log, through the parser with the rules' selection. Seed it with
//! real logs so it starts from real chunks and records:
//!
//! ```text
//! mkdir -p corpus/evtx && cp ../tests/fixtures/evtx/*.evtx ../../shared/corpus/evtx/issue_201.evtx corpus/evtx/
//! RUSTC_BOOTSTRAP=1 cargo fuzz run evtx corpus/evtx -- -max_len=300000
//! ```
#![no_main]

use caadoctor::facts::events::SELECTED;
use caadoctor::parse::eventlog;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = eventlog::parse(data, &SELECTED);
});
