//! Any bytes through the decoder, the classifier and the `.reg` parser and registry view.
#![no_main]

use caadoctor::decode::{self, CodePageHints};
use caadoctor::parse::reg;
use caadoctor::registry::RegistryView;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = decode::decode(data, &CodePageHints::default()) {
        let _ = caadoctor::classify::classify_text(&text.text);
        let file = reg::parse(&text.text);
        let mut view = RegistryView::new();
        view.merge("fuzz.reg", &file);
        let _ = view.value(r"HKLM\SOFTWARE\X", "Y");
    }
});
