//! Any text as a rule file and as a bare condition.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = caadoctor::rules::parse_rule("fuzz.toml", &text);
    let _ = caadoctor::rules::expr::parse(&text);
});
