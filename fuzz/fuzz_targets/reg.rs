//! Any bytes through the decoder, the classifier, the `.reg` parser, its shape check and the
//! registry view.
#![no_main]

use caadoctor::decode::{self, CodePageHints};
use caadoctor::parse::reg;
use caadoctor::registry::{RegistryView, Scope};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = decode::decode(data, &CodePageHints::default()) {
        let _ = caadoctor::classify::classify_text(&text.text);
        let file = reg::parse(&text.text);
        let scope = match reg::shape(&text.text, &file, true) {
            reg::Shape::WholeExport { .. } => Scope::WholeExport,
            reg::Shape::Partial { .. } => Scope::Partial,
        };
        let mut view = RegistryView::new();
        view.merge("fuzz.reg", &file, scope);
        let _ = view.value(r"HKLM\SOFTWARE\X", "Y");
    }
});
