//! `.reg` artifacts: the code page a legacy-encoded one is read in, and how much each one
//! speaks for ([`Scope`]). A whole export the collector's manifest declares, or a file of
//! that shape ([`reg::shape`]), speaks for what it leaves out of its key; any other file only
//! for the values it sets, and its note in the report says so.

use super::Outcome;
use crate::decode::{self, CodePage, CodePageHints, Encoding, Text};
use crate::facts::Inputs;
use crate::parse::manifest::StepStatus;
use crate::parse::reg::{self, RegFile, Shape};
use crate::parse::reg_query;
use crate::registry::Scope;

/// The code page `.reg` files without a BOM are read in: the machine's ANSI page, as
/// regedit and Notepad write them and Windows' import reads them (never an OEM page), from
/// the manifest when it names one, else 1252.
pub(super) fn ansi_page(hints: &CodePageHints) -> CodePage {
    hints.ansi.unwrap_or(CodePage::Windows1252)
}

/// Decodes a `.reg` file that is neither UTF-8 nor UTF-16 in the ANSI page.
pub(super) fn decode_ansi(bytes: &[u8], ansi: CodePage) -> Option<Text> {
    let only_ansi = CodePageHints {
        oem: None,
        ansi: Some(ansi),
    };
    decode::decode(bytes, &only_ansi).ok()
}

/// Parses a `.reg` artifact and merges it into the registry view with its scope.
pub(super) fn take(path: &str, text: &Text, ansi: CodePage, inputs: &mut Inputs) -> Outcome {
    let file = reg::parse_ansi(&text.text, ansi);
    let (scope, note) = scope_of(path, text, &file, inputs);
    inputs.registry.merge(path, &file, scope);
    Outcome {
        used: !file.keys.is_empty(),
        problem: problem(&file),
        note,
        ..Outcome::default()
    }
}

/// Whole export or not, and what the report says of it (nothing for the collector's own
/// exports, whose reading is the documented default).
fn scope_of(path: &str, text: &Text, file: &RegFile, inputs: &Inputs) -> (Scope, Option<String>) {
    let declared = inputs
        .step_for(path)
        .is_some_and(|s| s.status == StepStatus::Ok && s.registry_key.is_some());
    if declared {
        return (Scope::WholeExport, None);
    }
    match reg::shape(&text.text, file, text.encoding == Encoding::Utf16leBom) {
        Shape::WholeExport { root } => (
            Scope::WholeExport,
            Some(format!(
                "read as a whole export of {}: a subkey or value it lacks is taken as not set",
                crate::registry::canonical(root)
            )),
        ),
        Shape::Partial { why } => (Scope::Partial, Some(partial_note(why, file))),
    }
}

fn partial_note(why: &str, file: &RegFile) -> String {
    let deletions: usize = file
        .keys
        .iter()
        .map(|k| usize::from(k.delete) + k.values.iter().filter(|v| v.data.is_none()).count())
        .sum();
    let deletions = match deletions {
        0 => String::new(),
        n => format!(
            "; its {n} deletion{} not applied: a deletion says what the file would do to a PC, not what the PC has",
            if n == 1 { " is" } else { "s are" }
        ),
    };
    format!(
        "not a whole export ({why}): the values it sets are read, nothing is inferred from what it leaves out{deletions}"
    )
}

/// What to say about a `.reg` file with bad lines: the first few positions and a count.
fn problem(file: &RegFile) -> Option<String> {
    bad_lines(&file.errors, "registry export")
}

/// Bad lines of a registry file: the first few positions and a count.
fn bad_lines(errors: &[reg::LineError], what: &str) -> Option<String> {
    const SHOWN: usize = 3;
    if errors.is_empty() {
        return None;
    }
    let mut parts: Vec<String> = errors
        .iter()
        .take(SHOWN)
        .map(|e| format!("line {} column {}: {}", e.line, e.column, e.message))
        .collect();
    if errors.len() > SHOWN {
        parts.push(format!("and {} more", errors.len() - SHOWN));
    }
    let n = errors.len();
    Some(format!(
        "{n} line{} of this {what} could not be read and {} skipped ({})",
        if n == 1 { "" } else { "s" },
        if n == 1 { "was" } else { "were" },
        parts.join("; ")
    ))
}

/// Parses a `reg query` listing and merges it: the keys whose values it lists speak for
/// them when the collector's manifest declares a plain `reg query KEY`; any other listing
/// (a paste: `/v NAME` prints one value and looks the same) gives only the values it shows.
pub(super) fn take_query(path: &str, lines: &[(usize, &str)], inputs: &mut Inputs) -> Outcome {
    let query = reg_query::parse(lines);
    let declared = inputs.step_for(path).is_some_and(|s| {
        s.status == StepStatus::Ok
            && s.registry_key.is_some()
            && s.command.as_deref().is_some_and(|c| {
                let c = c.to_ascii_lowercase();
                !c.contains(" /v") && !c.contains(" /f") && !c.contains(" /d")
            })
    });
    let scope = if declared {
        Scope::KeyValues
    } else {
        Scope::Partial
    };
    inputs.registry.merge_query(path, &query, scope);
    // A declared listing of a key without values still says something: none is set.
    let read = query
        .keys
        .iter()
        .filter(|k| (declared && k.complete) || !k.block.values.is_empty())
        .count();
    let note = if declared {
        let listed = query.keys.iter().filter(|k| k.complete).count();
        let named = query.keys.len() - listed;
        (named > 0).then(|| {
            format!(
                "{listed} key{} with all {} values; {named} subkey{} named only, {} values not collected",
                if listed == 1 { "" } else { "s" },
                if listed == 1 { "its" } else { "their" },
                if named == 1 { "" } else { "s" },
                if named == 1 { "its" } else { "their" }
            )
        })
    } else {
        Some(
            "a reg query listing no collector manifest declares: the values it shows are read, nothing is inferred from what it leaves out (it may be a /v query)"
                .to_owned(),
        )
    };
    Outcome {
        used: read > 0,
        problem: bad_lines(&query.errors, "reg query listing"),
        note,
        ..Outcome::default()
    }
}
