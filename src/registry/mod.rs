//! One registry view merged from every `.reg` file of a snapshot.
//!
//! Key paths compare without case, `HKEY_LOCAL_MACHINE` and `HKLM` (and the other roots)
//! are one, and `Wow6432Node` stays a distinct branch, as it is on the machine. Later files
//! (in snapshot path order) override earlier ones value by value; a changed value is kept as
//! a [`Conflict`] so the engineer can see it.
//!
//! `reg export KEY` writes KEY and every subkey, so the top keys of a whole export
//! ([`Scope::WholeExport`]) are *coverage*: a key below a covered key that the file does not
//! contain does not exist on the machine, and a value missing from a key it lists is not
//! set. The collector's manifest adds keys it found absent. Any other `.reg` file
//! ([`Scope::Partial`]: written by hand, edited, a tweak) only says what it sets. Lookups
//! answer with the difference spelt out ([`Lookup`]), because "not set, Windows default
//! applies" and "not known" lead to different verdicts.
//!
//! Order of sources for one value: a value a file sets beats a default inferred from
//! absence; a whole export's value beats a partial file's whatever their order; otherwise the
//! later file (in snapshot path order) wins. Every disagreement is kept as a [`Conflict`].
//! Deletions (`[-KEY]`, `"name"=-`) are never applied: in an export they cannot occur, and in
//! any other file they say what the file would do to a machine, not what the machine has.
//!
//! A view made with [`RegistryView::keeping`] holds only the keys the facts read
//! ([`intake`]); every other key of a file is seen as it streams by and dropped.

mod intake;

use crate::parse::reg::{RegData, RegFile};
pub use intake::{Keep, MAX_KEPT_KEYS, MAX_KEPT_VALUES, Staged};
use std::collections::HashMap;
use std::sync::Arc;

/// How much a `.reg` file speaks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// A whole `reg export KEY` (declared by the collector's manifest, or of that shape):
    /// what it lacks under KEY is not on the machine.
    WholeExport,
    /// A `reg query KEY` listing: every value of each key it lists (a value it lacks is not
    /// set), but nothing about the subkeys' contents.
    KeyValues,
    /// Any other file: the values it sets are observations, and nothing is inferred from
    /// what it leaves out.
    Partial,
}

impl Scope {
    /// It lists every value of its keys.
    fn lists_values(self) -> bool {
        matches!(self, Scope::WholeExport | Scope::KeyValues)
    }
}

/// Where a key or value was read: the artifact, its line, and what kind of file it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// Shared by every key and value of one file.
    pub artifact: Arc<str>,
    /// 1-based line in the artifact; 0 when the origin is not a line (a manifest step).
    pub line: usize,
    pub scope: Scope,
}

#[derive(Debug, Clone)]
pub struct ValueEntry {
    /// As written in the export (`""` for the default value).
    pub name: String,
    pub data: RegData,
    pub origin: Origin,
}

#[derive(Debug, Clone)]
pub struct KeyNode {
    /// Canonical display path (`HKLM\SOFTWARE\...`), with the file's casing of the rest.
    pub path: String,
    /// The whole export that lists the key, else the first file that names it.
    pub origin: Origin,
    pub values: Vec<ValueEntry>,
    /// A whole export lists the key: its values and subkeys here are all it has.
    pub listed: bool,
    /// Position of each value by its name in ASCII lower case: a key of many values merges
    /// in linear time.
    positions: HashMap<String, usize>,
}

impl KeyNode {
    pub fn value(&self, name: &str) -> Option<&ValueEntry> {
        self.positions
            .get(&name.to_ascii_lowercase())
            .and_then(|i| self.values.get(*i))
    }
}

/// A subtree the snapshot speaks for completely.
#[derive(Debug, Clone)]
pub struct Coverage {
    /// Canonical display path of the subtree's top key.
    pub key: String,
    pub origin: Origin,
    /// Set when the top key itself is known absent (the manifest says so).
    pub absent: bool,
}

/// A value defined differently by two files, and which one is used.
#[derive(Debug, Clone)]
pub struct Conflict {
    pub key: String,
    pub name: String,
    pub used: Origin,
    pub overridden: Origin,
    /// What each file sets.
    pub used_data: RegData,
    pub overridden_data: RegData,
}

/// What the snapshot says about one value.
#[derive(Debug)]
pub enum Lookup<'a> {
    Found(&'a KeyNode, &'a ValueEntry),
    /// The key was exported but has no such value: it is not set on the machine.
    ValueAbsent(&'a KeyNode),
    /// Only files that are not whole exports name the key, and none sets this value: not
    /// known.
    Unstated(&'a KeyNode),
    /// The key does not exist on the machine (a covering export lacks it, or the
    /// collector found it absent).
    KeyAbsent(&'a Coverage),
    /// Nothing in the snapshot covers this key.
    NotCollected,
}

#[derive(Debug, Default)]
pub struct RegistryView {
    /// The SID whose `HKEY_USERS` hive stands for HKCU: the signed-in user's, when the
    /// collector ran elevated as another account (lower-case).
    user_hive: Option<String>,
    keys: HashMap<String, KeyNode>,
    coverage: Vec<(String, Coverage)>,
    conflicts: Vec<Conflict>,
    /// The keys this view keeps; all when `None`.
    keep: Option<Arc<Keep>>,
}

impl RegistryView {
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads `HKEY_USERS\<sid>` as HKCU from now on: the collector ran elevated as another
    /// account and exported the signed-in user's hive under its SID (the manifest's
    /// `user_hive`).
    pub fn read_user_hive_as_hkcu(&mut self, sid: &str) {
        self.user_hive = Some(sid.to_ascii_lowercase());
    }

    /// [`canonical`], with the signed-in user's `HKU\<sid>` read as HKCU.
    fn canon(&self, path: &str) -> String {
        canonical_as(path, self.user_hive.as_deref())
    }

    /// A view that keeps only `keep`'s keys of the files merged into it (coverage is kept
    /// where it bears on them).
    pub fn keeping(keep: Keep) -> Self {
        RegistryView {
            keep: Some(Arc::new(keep)),
            ..Self::default()
        }
    }

    /// A file's keys on their way in: feed it the file's keys and values, then
    /// [`merge_staged`](Self::merge_staged) it.
    pub fn stage(&self) -> Staged {
        Staged::new(self.keep.clone(), self.user_hive.clone())
    }

    /// Merges one parsed `.reg` file of the given scope.
    pub fn merge(&mut self, artifact: &str, file: &RegFile, scope: Scope) {
        let mut staged = self.stage();
        for key in &file.keys {
            staged.key(key.line, &key.path, key.delete);
            for v in &key.values {
                staged.value(v.clone());
            }
        }
        self.merge_staged(artifact, staged, scope);
    }

    /// Merges a staged file of the given scope.
    pub fn merge_staged(&mut self, artifact: &str, staged: Staged, scope: Scope) {
        let shared: Arc<str> = Arc::from(artifact);
        let origin = |line| Origin {
            artifact: Arc::clone(&shared),
            line,
            scope,
        };
        if scope == Scope::WholeExport {
            for (key, folded, line) in staged.tops {
                self.coverage.push((
                    folded,
                    Coverage {
                        key,
                        origin: origin(line),
                        absent: false,
                    },
                ));
            }
        }
        let lists = scope.lists_values();
        for block in staged.blocks {
            let folded = fold(&block.path);
            let node = self.keys.entry(folded).or_insert_with(|| KeyNode {
                path: block.path.clone(),
                origin: origin(block.line),
                values: Vec::new(),
                listed: false,
                positions: HashMap::new(),
            });
            if lists && !node.listed {
                node.listed = true;
                node.origin = origin(block.line);
            }
            for v in block.values {
                let Some(data) = v.data else { continue };
                let entry = ValueEntry {
                    name: v.name,
                    data,
                    origin: origin(v.line),
                };
                let Some(&i) = node.positions.get(&entry.name.to_ascii_lowercase()) else {
                    node.positions
                        .insert(entry.name.to_ascii_lowercase(), node.values.len());
                    node.values.push(entry);
                    continue;
                };
                let old = &mut node.values[i];
                let keep_old = old.origin.scope.lists_values() && !lists;
                if old.data != entry.data && *old.origin.artifact != *artifact {
                    let (used, overridden) = if keep_old {
                        (old as &ValueEntry, &entry)
                    } else {
                        (&entry, old as &ValueEntry)
                    };
                    self.conflicts.push(Conflict {
                        key: block.path.clone(),
                        name: entry.name.clone(),
                        used: used.origin.clone(),
                        overridden: overridden.origin.clone(),
                        used_data: used.data.clone(),
                        overridden_data: overridden.data.clone(),
                    });
                }
                if !keep_old {
                    *old = entry;
                }
            }
        }
    }

    /// Merges what `reg query` listed. With [`Scope::KeyValues`] (a plain `reg query KEY`
    /// the collector declares) the keys whose values it lists completely (the queried key;
    /// with `/s` every key) speak for their values; with [`Scope::Partial`] (a pasted output
    /// whose command is not known: `/v NAME` looks the same) every value is an observation
    /// and nothing more. Subkeys it only names are not merged: their values are not known.
    pub fn merge_query(
        &mut self,
        artifact: &str,
        query: &crate::parse::reg_query::RegQuery,
        scope: Scope,
    ) {
        let file = RegFile {
            format: crate::parse::reg::Format::V5,
            keys: query
                .keys
                .iter()
                .filter(|k| k.complete || (scope == Scope::Partial && !k.block.values.is_empty()))
                .map(|k| k.block.clone())
                .collect(),
            errors: Vec::new(),
            comments: Vec::new(),
        };
        self.merge(artifact, &file, scope);
    }

    /// Records that `key` does not exist on the machine (the collector tried to export it).
    pub fn mark_absent(&mut self, key: &str, artifact: &str) {
        let path = self.canon(key);
        self.coverage.push((
            fold(&path),
            Coverage {
                key: path,
                origin: Origin {
                    artifact: Arc::from(artifact),
                    line: 0,
                    scope: Scope::WholeExport,
                },
                absent: true,
            },
        ));
    }

    /// Keys the view holds.
    pub fn key_count(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty() && self.coverage.is_empty()
    }

    pub fn conflicts(&self) -> &[Conflict] {
        &self.conflicts
    }

    /// The key, if the snapshot has it.
    pub fn key(&self, key: &str) -> Option<&KeyNode> {
        self.check_kept(key);
        self.resolve(key, |view, folded| view.keys.get(folded))
    }

    /// What the snapshot says about `key` / `name` (`""` for the default value).
    pub fn value(&self, key: &str, name: &str) -> Lookup<'_> {
        let node = self.key(key);
        if let Some(node) = node {
            if let Some(v) = node.value(name) {
                return Lookup::Found(node, v);
            }
            if node.listed {
                return Lookup::ValueAbsent(node);
            }
        }
        // A key only partial files name, under an export that lacks it: the export says.
        match (self.covers(key), node) {
            (Some(c), _) => Lookup::KeyAbsent(c),
            (None, Some(node)) => Lookup::Unstated(node),
            (None, None) => Lookup::NotCollected,
        }
    }

    /// Direct subkeys of `key` present in the snapshot, in path order (the key itself need
    /// not be: the collector exports single service keys, not all of `Services`).
    pub fn subkeys(&self, key: &str) -> Vec<&KeyNode> {
        self.check_kept(key);
        let folded = fold(&self.canon(key));
        let mut parents = vec![folded.clone()];
        if let Some(alias) = folded.strip_prefix(r"hklm\system\currentcontrolset") {
            parents.push(format!(r"hklm\system\controlset001{alias}"));
        }
        let mut out: Vec<&KeyNode> = self
            .keys
            .iter()
            .filter(|(k, _)| parent(k).is_some_and(|p| parents.iter().any(|q| q == p)))
            .map(|(_, n)| n)
            .collect();
        out.sort_by(|a, b| a.path.cmp(&b.path));
        out
    }

    /// Whether anything in the snapshot speaks for `key` (present, or known absent).
    pub fn covers(&self, key: &str) -> Option<&Coverage> {
        self.check_kept(key);
        self.resolve(key, |view, folded| view.covering(folded))
    }

    /// Whether any file read names `key` or a key below it, whatever it says of them.
    pub fn has_seen(&self, key: &str) -> bool {
        self.resolve(key, |view, folded| {
            view.keys.keys().any(|k| is_within(k, folded)).then_some(())
        })
        .is_some()
    }

    /// Whether the snapshot has collected `key` (any key, kept or not): a whole export or a
    /// known absence covers it, or a listing names every value of it or of a key below it.
    /// For saying what is still to collect, not for reading values.
    pub fn has_collected(&self, key: &str) -> bool {
        self.resolve(key, |view, folded| {
            (view.covering(folded).is_some()
                || view
                    .keys
                    .iter()
                    .any(|(k, n)| n.listed && is_within(k, folded)))
            .then_some(())
        })
        .is_some()
    }

    /// A lookup outside the keys the view keeps would answer "not collected" for a key the
    /// snapshot may well hold: in a debug build (the tests), that is a panic naming the list
    /// to add it to.
    fn check_kept(&self, key: &str) {
        debug_assert!(
            self.keep
                .as_ref()
                .is_none_or(|k| k.keeps(&fold(&canonical(key)))),
            "registry lookup of {key}, a key this view does not keep: add it to facts::REGISTRY_READ"
        );
    }

    fn covering(&self, folded: &str) -> Option<&Coverage> {
        // The most specific coverage wins (a manifest "absent" under an exported parent).
        self.coverage
            .iter()
            .filter(|(root, _)| is_within(folded, root))
            .max_by_key(|(root, _)| root.len())
            .map(|(_, c)| c)
    }

    /// Looks `key` up as given, then (for `CurrentControlSet`, which exports of a whole
    /// SYSTEM hive spell `ControlSet001`) under the first control set.
    fn resolve<'s, T>(&'s self, key: &str, get: impl Fn(&'s Self, &str) -> Option<T>) -> Option<T> {
        let folded = fold(&self.canon(key));
        if let Some(found) = get(self, &folded) {
            return Some(found);
        }
        let alias = folded.strip_prefix(r"hklm\system\currentcontrolset")?;
        get(self, &format!(r"hklm\system\controlset001{alias}"))
    }
}

/// `HKEY_LOCAL_MACHINE\\Software\` → `HKLM\Software`: short root, single separators, no
/// trailing separator. The rest keeps its case (display); comparisons use [`fold`].
pub fn canonical(path: &str) -> String {
    let mut parts = path.split('\\').map(str::trim).filter(|p| !p.is_empty());
    let Some(root) = parts.next() else {
        return String::new();
    };
    let root = match root.to_ascii_uppercase().as_str() {
        "HKEY_LOCAL_MACHINE" | "HKLM" => "HKLM",
        "HKEY_CURRENT_USER" | "HKCU" => "HKCU",
        "HKEY_USERS" | "HKU" => "HKU",
        "HKEY_CLASSES_ROOT" | "HKCR" => "HKCR",
        "HKEY_CURRENT_CONFIG" | "HKCC" => "HKCC",
        _ => root,
    };
    std::iter::once(root)
        .chain(parts)
        .collect::<Vec<_>>()
        .join("\\")
}

/// [`canonical`], with `HKU\<sid>` read as HKCU when `user_hive` is that SID (lower-case):
/// the signed-in user's hive, exported from HKEY_USERS by a collector run elevated as
/// another account.
pub(crate) fn canonical_as(path: &str, user_hive: Option<&str>) -> String {
    let c = canonical(path);
    if let Some(sid) = user_hive {
        let prefix = format!("hku\\{sid}");
        let lower = c.to_ascii_lowercase();
        if lower == prefix || lower.starts_with(&format!("{prefix}\\")) {
            return format!("HKCU{}", &c[prefix.len()..]);
        }
    }
    c
}

fn fold(path: &str) -> String {
    path.to_lowercase()
}

fn parent(folded: &str) -> Option<&str> {
    folded.rfind('\\').map(|i| &folded[..i])
}

fn is_within(folded: &str, root: &str) -> bool {
    folded == root
        || (folded.len() > root.len()
            && folded.starts_with(root)
            && folded.as_bytes()[root.len()] == b'\\')
}

#[cfg(test)]
mod tests;
