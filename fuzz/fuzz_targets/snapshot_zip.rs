//! Any bytes as a snapshot zip, through the whole analysis, with small limits.
#![no_main]

use caadoctor::rules::RuleSet;
use caadoctor::snapshot::{self, Limits};
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static RULES: LazyLock<RuleSet> = LazyLock::new(|| RuleSet::builtin().expect("built-in rules"));

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_entries: 64,
        max_entry_bytes: 1 << 20,
        max_total_bytes: 4 << 20,
        ..Limits::default()
    };
    if let Ok(snap) = snapshot::from_zip_bytes("fuzz.zip", data, &limits) {
        let analysis = caadoctor::analysis::analyze(snap, &RULES);
        let _ = caadoctor::report::Report::new(&analysis).to_json();
    }
});
