//! Any bytes as an event log, through the parser with the rules' selection; the input is
//! seeded with the corpus and fixture logs (fuzz/seed-evtx.sh) so the fuzzer starts from
//! real chunks and records.
#![no_main]

use caadoctor::parse::eventlog::{self, Selection};
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static SELECTION: LazyLock<Selection> =
    LazyLock::new(|| Selection::new(caadoctor::facts::events::SELECTION));

fuzz_target!(|data: &[u8]| {
    let _ = eventlog::parse(data, &SELECTION);
});
