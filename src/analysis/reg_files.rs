//! `.reg` artifacts: the code page a legacy-encoded one is read in, and how much each one
//! speaks for ([`Scope`]). A whole export the collector's manifest declares, or a file of
//! that shape ([`reg::shape`]), speaks for what it leaves out of its key; any other file only
//! for the values it sets, and its note in the report says so.

use super::Outcome;
use crate::decode::{self, CodePage, CodePageHints, Encoding, Text};
use crate::facts::Inputs;
use crate::parse::manifest::StepStatus;
use crate::parse::reg::{self, Item, Shape};
use crate::parse::reg_query;
use crate::registry::{MAX_KEPT_KEYS, MAX_KEPT_VALUES, Scope, Staged};

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

/// Bad lines of a file shown in its problem; the rest are counted.
const SHOWN: usize = 3;

/// What one pass over a `.reg` file's items gathers, holding none of them: the keys the
/// view keeps ([`Staged`]), the facts the shape rules need ([`reg::Seen`]), deletions and
/// the first bad lines.
struct Reading {
    staged: Staged,
    seen: reg::Seen,
    keys: usize,
    deletions: usize,
    errors: Vec<reg::LineError>,
    error_count: usize,
}

/// Reads a `.reg` artifact item by item into the registry view with its scope: only the
/// keys the facts read are kept, so a large export costs little more than its text.
pub(super) fn take(path: &str, text: &Text, ansi: CodePage, inputs: &mut Inputs) -> Outcome {
    // Only a file the manifest declares as an export, or one in UTF-16 with a BOM, can be
    // taken for a whole export: for any other, its keys' shape is not tracked.
    let utf16 = text.encoding == Encoding::Utf16leBom;
    let mut staged = inputs.registry.stage();
    if !utf16 && !declared_export(path, inputs) {
        staged.never_whole();
    }
    let mut r = Reading {
        staged,
        seen: reg::Seen::new(utf16),
        keys: 0,
        deletions: 0,
        errors: Vec::new(),
        error_count: 0,
    };
    for item in reg::Items::new(&text.text, ansi) {
        r.seen.item(&item);
        match item {
            Item::Key { line, path, delete } => {
                r.keys += 1;
                r.deletions += usize::from(delete);
                r.staged.key(line, path, delete);
            }
            Item::Value(v) => {
                r.deletions += usize::from(v.data.is_none());
                r.staged.value(v);
            }
            Item::Comment(_) => {}
            Item::Error(e) => {
                r.error_count += 1;
                if r.errors.len() < SHOWN {
                    r.errors.push(e);
                }
            }
        }
    }
    let (scope, note) = scope_of(path, text, &mut r, inputs);
    let dropped = (r.staged.dropped_keys + r.staged.dropped_values > 0).then(|| {
        format!(
            "{} keys and {} values of the keys the facts read, past the first {MAX_KEPT_KEYS} \
             keys and {MAX_KEPT_VALUES} values of this file, were not kept (a limit against \
             hostile input: no real export holds so many)",
            r.staged.dropped_keys, r.staged.dropped_values
        )
    });
    inputs.registry.merge_staged(path, r.staged, scope);
    Outcome {
        used: r.keys > 0,
        problem: bad_lines(&r.errors, r.error_count, "registry export"),
        note,
        parts: dropped.into_iter().collect(),
    }
}

/// The collector's manifest declares the file a whole `reg export` of a key.
fn declared_export(path: &str, inputs: &Inputs) -> bool {
    inputs
        .step_for(path)
        .is_some_and(|s| s.status == StepStatus::Ok && s.registry_key.is_some())
}

/// Whole export or not, and what the report says of it (nothing for the collector's own
/// exports, whose reading is the documented default).
fn scope_of(path: &str, text: &Text, r: &mut Reading, inputs: &Inputs) -> (Scope, Option<String>) {
    if declared_export(path, inputs) {
        return (Scope::WholeExport, None);
    }
    match r
        .seen
        .shape(&text.text, text.encoding == Encoding::Utf16leBom)
    {
        Shape::WholeExport { root } => (
            Scope::WholeExport,
            Some(format!(
                "read as a whole export of {}: a subkey or value it lacks is taken as not set",
                crate::registry::canonical(&root)
            )),
        ),
        Shape::Partial { why } => (Scope::Partial, Some(partial_note(why, r.deletions))),
    }
}

fn partial_note(why: &str, deletions: usize) -> String {
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

/// Bad lines of a registry file: the first few positions and a count.
fn bad_lines(shown: &[reg::LineError], count: usize, what: &str) -> Option<String> {
    if count == 0 {
        return None;
    }
    let mut parts: Vec<String> = shown
        .iter()
        .take(SHOWN)
        .map(|e| format!("line {} column {}: {}", e.line, e.column, e.message))
        .collect();
    if count > SHOWN {
        parts.push(format!("and {} more", count - SHOWN));
    }
    Some(format!(
        "{count} line{} of this {what} could not be read and {} skipped ({})",
        if count == 1 { "" } else { "s" },
        if count == 1 { "was" } else { "were" },
        parts.join("; ")
    ))
}

/// Parses a `reg query` listing and merges it. Its keys speak for all their values when it
/// is a plain `reg query KEY` (or `/s`): the collector's manifest says so by its command,
/// and without a manifest the listing's shape must: `/v NAME` and `/ve` print exactly one
/// value, and `/f` adds a line that is no key or value, so a first key with two values or
/// more and no other line is a plain listing. Any other listing gives only the values it
/// shows.
pub(super) fn take_query(path: &str, lines: &[(usize, &str)], inputs: &mut Inputs) -> Outcome {
    let query = reg_query::parse(lines);
    let step = inputs.step_for(path);
    let declared = step.is_some_and(|s| {
        s.status == StepStatus::Ok
            && s.registry_key.is_some()
            && s.command.as_deref().is_some_and(|c| {
                let c = c.to_ascii_lowercase();
                !c.contains(" /v") && !c.contains(" /f") && !c.contains(" /d")
            })
    });
    let plain_shape = step.is_none()
        && query.errors.is_empty()
        && query
            .keys
            .first()
            .is_some_and(|k| k.block.values.len() >= 2);
    let declared = declared || plain_shape;
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
            "a reg query listing of one value (/v, /ve) or a search (/f): the values it shows are read, nothing is inferred from what it leaves out"
                .to_owned(),
        )
    };
    Outcome {
        used: read > 0,
        problem: bad_lines(&query.errors, query.errors.len(), "reg query listing"),
        note,
        ..Outcome::default()
    }
}
