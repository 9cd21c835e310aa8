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

use crate::parse::reg::{RegData, RegFile};
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
}

impl KeyNode {
    pub fn value(&self, name: &str) -> Option<&ValueEntry> {
        self.values
            .iter()
            .find(|v| v.name.eq_ignore_ascii_case(name))
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
        let c = canonical(path);
        if let Some(sid) = &self.user_hive {
            let prefix = format!("hku\\{sid}");
            let lower = c.to_ascii_lowercase();
            if lower == prefix || lower.starts_with(&format!("{prefix}\\")) {
                return format!("HKCU{}", &c[prefix.len()..]);
            }
        }
        c
    }

    /// Merges one parsed `.reg` file of the given scope.
    pub fn merge(&mut self, artifact: &str, file: &RegFile, scope: Scope) {
        let shared: Arc<str> = Arc::from(artifact);
        let origin = |line| Origin {
            artifact: Arc::clone(&shared),
            line,
            scope,
        };
        let present: std::collections::HashSet<String> = file
            .keys
            .iter()
            .filter(|k| !k.delete)
            .map(|k| fold(&self.canon(&k.path)))
            .collect();
        for block in file.keys.iter().filter(|k| !k.delete) {
            let path = self.canon(&block.path);
            let folded = fold(&path);
            let whole = scope == Scope::WholeExport;
            let lists = scope.lists_values();
            if whole && parent(&folded).is_none_or(|p| !present.contains(p)) {
                self.coverage.push((
                    folded.clone(),
                    Coverage {
                        key: path.clone(),
                        origin: origin(block.line),
                        absent: false,
                    },
                ));
            }
            let node = self.keys.entry(folded).or_insert_with(|| KeyNode {
                path: path.clone(),
                origin: origin(block.line),
                values: Vec::new(),
                listed: false,
            });
            if lists && !node.listed {
                node.listed = true;
                node.origin = origin(block.line);
            }
            for v in &block.values {
                let Some(data) = &v.data else { continue };
                let entry = ValueEntry {
                    name: v.name.clone(),
                    data: data.clone(),
                    origin: origin(v.line),
                };
                let slot = node
                    .values
                    .iter()
                    .position(|e| e.name.eq_ignore_ascii_case(&v.name));
                let Some(i) = slot else {
                    node.values.push(entry);
                    continue;
                };
                let old = &mut node.values[i];
                let keep_old = old.origin.scope.lists_values() && !lists;
                if old.data != *data && *old.origin.artifact != *artifact {
                    let (used, overridden) = if keep_old {
                        (old as &ValueEntry, &entry)
                    } else {
                        (&entry, old as &ValueEntry)
                    };
                    self.conflicts.push(Conflict {
                        key: path.clone(),
                        name: v.name.clone(),
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
        self.merge(artifact, &file, Scope::KeyValues);
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

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty() && self.coverage.is_empty()
    }

    pub fn conflicts(&self) -> &[Conflict] {
        &self.conflicts
    }

    /// The key, if the snapshot has it.
    pub fn key(&self, key: &str) -> Option<&KeyNode> {
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
        self.resolve(key, |view, folded| view.covering(folded))
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
mod tests {
    use super::*;
    use crate::parse::reg;

    #[test]
    fn the_signed_in_users_hive_reads_as_hkcu() {
        let sid = "S-1-5-21-1004336348-1177238915-682003330-1107";
        let text = format!(
            "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_USERS\\{sid}\\Software\\Microsoft\\Office\\16.0\\Common\\Identity]\r\n\"EnableADAL\"=dword:00000000\r\n\r\n"
        );
        let mut v = RegistryView::new();
        v.read_user_hive_as_hkcu(sid);
        v.merge("x.reg", &reg::parse(&text), Scope::WholeExport);
        let key = r"HKCU\Software\Microsoft\Office\16.0\Common\Identity";
        assert!(matches!(v.value(key, "EnableADAL"), Lookup::Found(..)));
        // Another SID's hive stays where it is.
        let mut w = RegistryView::new();
        w.read_user_hive_as_hkcu("S-1-5-21-1-2-3-500");
        w.merge("x.reg", &reg::parse(&text), Scope::WholeExport);
        assert!(matches!(w.value(key, "EnableADAL"), Lookup::NotCollected));
    }

    fn scoped(files: &[(&str, &str, Scope)]) -> RegistryView {
        let mut v = RegistryView::new();
        for (name, text, scope) in files {
            let parsed = reg::parse(text);
            assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
            v.merge(name, &parsed, *scope);
        }
        v
    }

    fn view(files: &[(&str, &str)]) -> RegistryView {
        let whole: Vec<_> = files
            .iter()
            .map(|(n, t)| (*n, *t, Scope::WholeExport))
            .collect();
        scoped(&whole)
    }

    const SCHANNEL: &str = "Windows Registry Editor Version 5.00\r\n\r\n\
        [HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL]\r\n\r\n\
        [HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.2\\Client]\r\n\
        \"Enabled\"=dword:00000001\r\n";

    #[test]
    fn roots_alias_and_case_folds() {
        let v = view(&[("s.reg", SCHANNEL)]);
        let Lookup::Found(key, value) = v.value(r"hklm\system\currentcontrolset\control\securityproviders\schannel\protocols\tls 1.2\client", "ENABLED") else {
            panic!()
        };
        assert_eq!(
            key.path,
            r"HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.2\Client"
        );
        assert_eq!((value.data.as_u64(), value.origin.line), (Some(1), 6));
    }

    #[test]
    fn coverage_tells_absent_from_not_collected() {
        let v = view(&[("s.reg", SCHANNEL)]);
        let base = r"HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL";
        assert!(matches!(
            v.value(
                &format!(r"{base}\Protocols\TLS 1.2\Client"),
                "DisabledByDefault"
            ),
            Lookup::ValueAbsent(_)
        ));
        assert!(matches!(
            v.value(&format!(r"{base}\Protocols\TLS 1.1\Client"), "Enabled"),
            Lookup::KeyAbsent(_)
        ));
        assert!(matches!(
            v.value(r"HKLM\SOFTWARE\Other", "X"),
            Lookup::NotCollected
        ));
        // A key that is only an intermediate of the exported one is not covered.
        assert!(matches!(
            v.value(r"HKLM\SYSTEM\CurrentControlSet\Control", "X"),
            Lookup::NotCollected
        ));
    }

    #[test]
    fn later_files_override_and_conflicts_are_kept() {
        let a = "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\T]\r\n\"A\"=dword:00000001\r\n\"B\"=\"x\"\r\n";
        let b = "Windows Registry Editor Version 5.00\r\n\r\n[HKLM\\Software\\t]\r\n\"a\"=dword:00000002\r\n";
        let v = view(&[("a.reg", a), ("b.reg", b)]);
        let Lookup::Found(_, val) = v.value(r"HKLM\SOFTWARE\T", "A") else {
            panic!()
        };
        assert_eq!(val.data, RegData::Dword(2));
        assert!(matches!(
            v.value(r"HKLM\SOFTWARE\T", "B"),
            Lookup::Found(..)
        ));
        assert_eq!(v.conflicts().len(), 1);
        assert_eq!(&*v.conflicts()[0].overridden.artifact, "a.reg");
    }

    #[test]
    fn wow6432node_is_its_own_branch_and_deletions_never_apply() {
        let a = "Windows Registry Editor Version 5.00\r\n\r\n\
            [HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\X]\r\n\"V\"=dword:00000001\r\n\r\n\
            [HKEY_LOCAL_MACHINE\\SOFTWARE\\Wow6432Node\\Microsoft\\X]\r\n\"V\"=dword:00000002\r\n\r\n";
        let undo = "Windows Registry Editor Version 5.00\r\n\r\n\
            [-HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\X]\r\n\r\n\
            [HKEY_LOCAL_MACHINE\\SOFTWARE\\Wow6432Node\\Microsoft\\X]\r\n\"V\"=-\r\n";
        let v = scoped(&[
            ("a.reg", a, Scope::WholeExport),
            ("undo.reg", undo, Scope::Partial),
        ]);
        let found = |key| match v.value(key, "V") {
            Lookup::Found(_, val) => val.data.as_u64(),
            _ => None,
        };
        assert_eq!(found(r"HKLM\SOFTWARE\Microsoft\X"), Some(1));
        assert_eq!(found(r"HKLM\SOFTWARE\Wow6432Node\Microsoft\X"), Some(2));
    }

    const TWEAK: &str = "Windows Registry Editor Version 5.00\r\n\r\n\
        [HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings]\r\n\
        \"AutoConfigURL\"=\"http://wpad/proxy.pac\"\r\n";
    const IS: &str = r"HKCU\Software\Microsoft\Windows\CurrentVersion\Internet Settings";

    #[test]
    fn a_partial_file_says_only_what_it_sets() {
        let v = scoped(&[("tweak.reg", TWEAK, Scope::Partial)]);
        let Lookup::Found(node, val) = v.value(IS, "AutoConfigURL") else {
            panic!()
        };
        assert_eq!(
            (val.origin.scope, val.origin.line, node.listed),
            (Scope::Partial, 4, false)
        );
        assert!(matches!(v.value(IS, "ProxyEnable"), Lookup::Unstated(_)));
        assert!(matches!(
            v.value(&format!(r"{IS}\Connections"), "DefaultConnectionSettings"),
            Lookup::NotCollected
        ));
        assert!(v.covers(IS).is_none());
    }

    #[test]
    fn an_export_beats_a_partial_file_and_an_observed_value_beats_absence() {
        let export = "Windows Registry Editor Version 5.00\r\n\r\n\
            [HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings]\r\n\
            \"AutoConfigURL\"=\"http://real/proxy.pac\"\r\n\"ProxyEnable\"=dword:00000000\r\n\r\n";
        let set_more = TWEAK.replace("AutoConfigURL", "ProxyServer");
        for order in [[0, 1, 2], [1, 2, 0]] {
            let files = [
                ("export.reg", export, Scope::WholeExport),
                ("tweak.reg", TWEAK, Scope::Partial),
                ("more.reg", set_more.as_str(), Scope::Partial),
            ];
            let v = scoped(&order.map(|i| files[i]));
            let Lookup::Found(_, pac) = v.value(IS, "AutoConfigURL") else {
                panic!()
            };
            assert_eq!(pac.data, RegData::String("http://real/proxy.pac".into()));
            assert_eq!(&*v.conflicts()[0].used.artifact, "export.reg");
            assert_eq!(&*v.conflicts()[0].overridden.artifact, "tweak.reg");
            // Not in the export, set by a file: the file's value is what is known.
            let Lookup::Found(_, server) = v.value(IS, "ProxyServer") else {
                panic!()
            };
            assert_eq!(&*server.origin.artifact, "more.reg");
            assert!(matches!(
                v.value(IS, "ProxyOverride"),
                Lookup::ValueAbsent(_)
            ));
        }
    }

    #[test]
    fn manifest_absence_and_control_set_alias() {
        let a = "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services\\NlaSvc]\r\n\"Start\"=dword:00000002\r\n";
        let mut v = view(&[("a.reg", a)]);
        v.mark_absent(
            r"HKLM\SOFTWARE\Policies\Microsoft\Windows\NetworkConnectivityStatusIndicator",
            "manifest.json",
        );
        assert!(matches!(
            v.value(r"HKLM\SYSTEM\CurrentControlSet\Services\NlaSvc", "Start"),
            Lookup::Found(..)
        ));
        let Lookup::KeyAbsent(c) = v.value(
            r"HKLM\SOFTWARE\Policies\Microsoft\Windows\NetworkConnectivityStatusIndicator",
            "NoActiveProbe",
        ) else {
            panic!()
        };
        assert!(c.absent);
        assert_eq!(v.subkeys(r"HKLM\SYSTEM\ControlSet001\Services").len(), 1);
        assert_eq!(
            v.subkeys(r"HKLM\SYSTEM\CurrentControlSet\Services").len(),
            1
        );
    }
}
