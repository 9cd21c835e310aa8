//! What of a `.reg` file enters a [`RegistryView`](super::RegistryView): the keys the facts
//! read ([`Keep`]), and one file's keys on their way in ([`Staged`]), gathered as the file
//! streams by so that nothing else of it is held: a whole `HKLM\SOFTWARE` export costs its
//! text, not its tree. A file's keys past [`MAX_KEPT_KEYS`], or values past
//! [`MAX_KEPT_VALUES`], are counted, not kept: more than any real export holds of the keys
//! the facts read.

use super::{canonical, canonical_as, fold, is_within, parent};
use crate::parse::reg::{KeyBlock, ValueLine};
use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;

/// Keys of one file kept at most.
pub const MAX_KEPT_KEYS: usize = 10_000;
/// Values of one file kept at most.
pub const MAX_KEPT_VALUES: usize = 100_000;

/// The keys a view keeps: each listed key, and its subkeys down to a depth.
#[derive(Debug, Clone, Default)]
pub struct Keep {
    /// Folded canonical paths, with how many levels of subkeys below each are kept.
    roots: Vec<(String, usize)>,
}

/// The prefix `CurrentControlSet` stands for in exports of a whole SYSTEM hive.
const CURRENT_CONTROL_SET: &str = r"hklm\system\currentcontrolset";
const CONTROL_SET_001: &str = r"hklm\system\controlset001";

impl Keep {
    /// Keeps `keys` (as the facts name them), each with its subkeys `depth` levels down;
    /// a key under `CurrentControlSet` is kept under `ControlSet001` too.
    pub fn new(keys: &[(&str, usize)]) -> Keep {
        let mut roots = Vec::new();
        for (key, depth) in keys {
            let folded = fold(&canonical(key));
            if let Some(rest) = folded.strip_prefix(CURRENT_CONTROL_SET) {
                roots.push((format!("{CONTROL_SET_001}{rest}"), *depth));
            }
            roots.push((folded, *depth));
        }
        Keep { roots }
    }

    /// The key (folded canonical path) is a listed key, or a subkey of one within its depth.
    pub fn keeps(&self, folded: &str) -> bool {
        self.roots.iter().any(|(root, depth)| {
            is_within(folded, root) && folded[root.len()..].matches('\\').count() <= *depth
        })
    }

    /// Coverage from this key matters: it is kept, or holds a kept key.
    pub fn touches(&self, folded: &str) -> bool {
        self.keeps(folded) || self.roots.iter().any(|(root, _)| is_within(root, folded))
    }
}

fn hashed(text: &str) -> u64 {
    let mut h = DefaultHasher::new();
    text.hash(&mut h);
    h.finish()
}

/// One file's keys on their way into a view: the keys the view keeps, with their values,
/// and the file's top keys (a key whose parent it has not listed before it), where a whole
/// export's coverage starts. Every other key is kept only as a hash, to find the tops.
#[derive(Debug)]
pub struct Staged {
    keep: Option<Arc<Keep>>,
    /// The SID whose HKEY_USERS hive is read as HKCU (lower-case), if any.
    user_hive: Option<String>,
    seen: HashSet<u64>,
    /// Canonical path, folded path and line of each top key that matters.
    pub(super) tops: Vec<(String, String, usize)>,
    /// Kept keys (canonical paths) with their values; deletions are not kept.
    pub(super) blocks: Vec<KeyBlock>,
    /// The last key is kept.
    current: bool,
    /// Top keys are looked for (the file may be taken for a whole export).
    find_tops: bool,
    values: usize,
    /// Keys and values of kept keys past the limits.
    pub dropped_keys: usize,
    pub dropped_values: usize,
}

impl Staged {
    pub(super) fn new(keep: Option<Arc<Keep>>, user_hive: Option<String>) -> Staged {
        Staged {
            keep,
            user_hive,
            seen: HashSet::new(),
            tops: Vec::new(),
            blocks: Vec::new(),
            current: false,
            find_tops: true,
            values: 0,
            dropped_keys: 0,
            dropped_values: 0,
        }
    }

    /// The file will not be taken for a whole export: its top keys are not looked for, which
    /// saves a hash of each of its keys.
    pub fn never_whole(&mut self) {
        self.find_tops = false;
        self.seen = HashSet::new();
    }

    /// A `[KEY]` line. A deleted key is neither kept nor a parent of anything.
    pub fn key(&mut self, line: usize, path: &str, delete: bool) {
        self.current = false;
        if delete {
            return;
        }
        let path = canonical_as(path, self.user_hive.as_deref());
        let folded = fold(&path);
        let (top, first) = if self.find_tops {
            let top = parent(&folded).is_none_or(|p| !self.seen.contains(&hashed(p)));
            (top, self.seen.insert(hashed(&folded)))
        } else {
            (false, false)
        };
        let kept = self.keep.as_ref().is_none_or(|k| k.keeps(&folded));
        let touches = kept || self.keep.as_ref().is_some_and(|k| k.touches(&folded));
        let room = self.blocks.len() < MAX_KEPT_KEYS && self.tops.len() < MAX_KEPT_KEYS;
        if kept && !room {
            self.dropped_keys += 1;
            return;
        }
        if top && first && touches && room {
            self.tops.push((path.clone(), folded.clone(), line));
        }
        if !kept {
            return;
        }
        self.current = true;
        self.blocks.push(KeyBlock {
            line,
            path,
            delete: false,
            values: Vec::new(),
        });
    }

    /// A value of the last key. A deletion (`"name"=-`) is not kept.
    pub fn value(&mut self, value: ValueLine) {
        if !self.current || value.data.is_none() {
            return;
        }
        if self.values >= MAX_KEPT_VALUES {
            self.dropped_values += 1;
            return;
        }
        self.values += 1;
        if let Some(block) = self.blocks.last_mut() {
            block.values.push(value);
        }
    }
}
