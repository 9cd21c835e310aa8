//! `--redact`: consistent pseudonyms for everything in a report that identifies a person
//! or an organisation, applied to the document model once, before any format renders it.
//!
//! A [`Pseudonymizer`] lives for a run (one `analyze`, one `facts`, a whole `bulk`): the
//! same value gets the same pseudonym wherever it stands, in every document of the run.
//! For each document it takes the snapshot's own identifying values ([`seeds`]: host,
//! accounts, domains, tenants, ids, proxies, the PC's addresses), finds more by their
//! shape ([`scan`]: e-mail and IP addresses, MACs, SIDs, profile paths), then rewrites
//! every string of the document ([`Strings`]). Shapes are kept: `proxy.fabrikam.net:3128`
//! → `proxy.org-1.example:3128`, `CONTOSO\k.meyer` → `ORG-1\user-1`, `10.20.31.57` →
//! `10.255.0.1` (private stays private), a GUID stays a GUID; each pseudonym is written in
//! the case of what it replaces.
//!
//! Never replaced: Microsoft's domains and addresses (the article's endpoints, and the
//! addresses they resolved to), public mail domains, error codes, registry paths, build
//! numbers — none of them is a value the snapshot names as its own — and verdicts, which
//! are not text. A name that is also a word of caadoctor's own texts (a domain called
//! `ACCOUNTS`, a user called `admin`) is replaced only where it names something
//! (`ACCOUNTS\jkowalski`, `\Users\admin\`, `admin@…`, a field that is the name alone), so
//! the report's own words stay intact.
//!
//! [`Pseudonymizer::map_json`] is the mapping back (`--redact-map`).

mod names;
mod scan;
pub mod seeds;
mod values;
mod walk;

pub use seeds::{Seed, Seeds};
pub use walk::Strings;

use aho_corasick::{AhoCorasick, AhoCorasickKind};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::IpAddr;

pub const MAP_SCHEMA: &str = "caadoctor.redact-map/1";

/// What a pseudonym stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Host,
    User,
    /// An organisation: the label of its DNS domain, a NetBIOS domain.
    Org,
    /// A DNS domain of the organisation.
    Domain,
    Account,
    Tenant,
    Guid,
    Sid,
    Ipv4,
    Ipv6,
    Mac,
    /// A person's display name or an account id.
    Name,
    Keyword,
}

#[derive(Debug)]
struct Entry {
    kind: Kind,
    original: String,
    /// Lower-case base form.
    pseudonym: String,
    /// The organisation number (org-N) of an org or domain.
    org: u32,
    /// Replaced wherever it stands, not only where it names something.
    anywhere: bool,
    /// ASCII-lower-cased spellings searched for.
    patterns: Vec<Vec<u8>>,
    /// An account's domain and user entries.
    parts: Option<(usize, usize)>,
    /// Every spelling replaced, and what it became.
    written: BTreeMap<String, String>,
}

/// Pseudonyms for one run.
#[derive(Debug, Default)]
pub struct Pseudonymizer {
    entries: Vec<Entry>,
    by_key: HashMap<String, usize>,
    taken: HashSet<String>,
    counters: HashMap<&'static str, u32>,
    microsoft: HashSet<IpAddr>,
    /// Entries of the document being redacted.
    active: Vec<usize>,
    keywords: Vec<usize>,
    refused: Vec<String>,
    /// The longest value (bytes), to look a whole field up only when it can be one.
    longest: usize,
}

/// The automaton of a document's values, and the entry of each pattern.
struct Matcher {
    automaton: AhoCorasick,
    ids: Vec<usize>,
}

/// One line of the map file.
#[derive(Debug, Serialize)]
struct MapLine<'a> {
    pseudonym: &'a str,
    original: &'a str,
    kind: Kind,
}

fn is_word(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || c == '_')
}

impl Pseudonymizer {
    pub fn new() -> Self {
        Pseudonymizer::default()
    }

    /// Adds the customer's own words (one per line; `#` starts a comment), replaced
    /// wherever they stand. Returns those refused: a single word of caadoctor's own texts
    /// (replacing it would change the report's words, rule texts, paths or endpoints).
    pub fn add_keywords(&mut self, text: &str) -> Vec<String> {
        let mut refused = Vec::new();
        for line in text.lines() {
            let k = line.split('#').next().unwrap_or_default().trim();
            if k.is_empty() {
                continue;
            }
            if names::is_own_word(k) || k.chars().count() < 2 {
                refused.push(k.to_owned());
                continue;
            }
            let id = self.entry(Kind::Keyword, k, true, |p| p.numbered("keyword"));
            self.keywords.push(id);
        }
        self.refused.extend(refused.iter().cloned());
        refused
    }

    /// Redacts one document: its snapshot's seeds, then what its strings show by shape,
    /// then every string rewritten.
    pub fn redact<T: Strings + ?Sized>(&mut self, seeds: &Seeds, doc: &mut T) {
        self.active = self.keywords.clone();
        for seed in &seeds.0 {
            self.seed(seed);
        }
        doc.each_string(&mut |s| self.detect(s));
        let matcher = self.matcher();
        doc.each_string(&mut |s| {
            if let Some(new) = self.rewrite(s, matcher.as_ref()) {
                *s = new;
            }
        });
    }

    /// One automaton for every value of the document that is replaced wherever it
    /// stands: each string is scanned once, whatever the number of values.
    fn matcher(&self) -> Option<Matcher> {
        let mut patterns: Vec<&[u8]> = Vec::new();
        let mut ids = Vec::new();
        for &id in &self.active {
            let e = &self.entries[id];
            if e.anywhere {
                for p in &e.patterns {
                    patterns.push(p);
                    ids.push(id);
                }
            }
        }
        // A contiguous NFA builds in microseconds; a DFA would cost more to build than
        // the few hundred short strings of a document take to scan.
        let automaton = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .kind(Some(AhoCorasickKind::ContiguousNFA))
            .build(&patterns)
            .ok()?;
        Some(Matcher { automaton, ids })
    }

    fn numbered(&mut self, counter: &'static str) -> String {
        let n = self.next(counter);
        format!("{counter}-{n}")
    }

    fn next(&mut self, counter: &'static str) -> u32 {
        let n = self.counters.entry(counter).or_insert(0);
        *n += 1;
        *n
    }

    /// The entry of `original` (any case), made with `make` the first time.
    fn entry(
        &mut self,
        kind: Kind,
        original: &str,
        anywhere: bool,
        make: impl FnOnce(&mut Self) -> String,
    ) -> usize {
        let key = original.to_lowercase();
        if let Some(&id) = self.by_key.get(&key) {
            if !self.active.contains(&id) {
                self.active.push(id);
            }
            return id;
        }
        let mut pseudonym = make(self);
        let mut k = 2;
        // Never a pseudonym already given, nor one that is itself a value of the run.
        while self.taken.contains(&pseudonym) || self.by_key.contains_key(&pseudonym) {
            pseudonym = match pseudonym.split_once('.') {
                Some((a, b)) => format!("{a}-{k}.{b}"),
                None => format!("{pseudonym}-{k}"),
            };
            k += 1;
        }
        self.taken.insert(pseudonym.clone());
        self.longest = self.longest.max(original.len()).max(key.len());
        let mut patterns: Vec<Vec<u8>> = Vec::new();
        for p in [
            original.to_owned(),
            original.to_lowercase(),
            original.to_uppercase(),
        ] {
            let p = p.to_ascii_lowercase().into_bytes();
            if !p.is_empty() && !patterns.contains(&p) {
                patterns.push(p);
            }
        }
        let id = self.entries.len();
        self.entries.push(Entry {
            kind,
            original: original.to_owned(),
            pseudonym,
            org: 0,
            anywhere,
            patterns,
            parts: None,
            written: BTreeMap::new(),
        });
        self.by_key.insert(key, id);
        self.active.push(id);
        id
    }

    /// How the pseudonym of `id` is written where it replaces `matched`.
    fn written(&mut self, id: usize, matched: &str) -> String {
        let e = &self.entries[id];
        let out = match (e.parts, matched.split_once('\\')) {
            (Some((d, u)), Some((md, mu))) => format!(
                "{}\\{}",
                names::cased(&self.entries[d].pseudonym, md),
                names::cased(&self.entries[u].pseudonym, mu)
            ),
            _ => names::cased(&e.pseudonym, matched),
        };
        self.entries[id]
            .written
            .insert(matched.to_owned(), out.clone());
        out
    }

    /// The text with every identifying value replaced; `None` when nothing was.
    fn rewrite(&mut self, text: &str, matcher: Option<&Matcher>) -> Option<String> {
        let mut spans: Vec<(usize, usize, usize)> = Vec::new();
        // A field that is the name alone.
        let trimmed = text.trim();
        if trimmed.len() <= self.longest
            && let Some(&id) = self.by_key.get(&trimmed.to_lowercase())
            && self.active.contains(&id)
        {
            let start = text.len() - text.trim_start().len();
            spans.push((start, start + trimmed.len(), id));
        }
        for m in matcher.iter().flat_map(|m| {
            m.automaton
                .find_overlapping_iter(text)
                .map(|hit| (hit.start(), hit.end(), m.ids[hit.pattern().as_usize()]))
        }) {
            let (at, end, id) = m;
            if !text.is_char_boundary(at) || !text.is_char_boundary(end) {
                continue;
            }
            let prev = text[..at].chars().next_back();
            let next = text[end..].chars().next();
            let kind = self.entries[id].kind;
            // An id or address ends where its shape does: `<guid>_ADAL` names a GUID.
            let joined = |c: Option<char>| match kind {
                Kind::Guid | Kind::Sid | Kind::Mac | Kind::Ipv4 | Kind::Ipv6 => {
                    c.is_some_and(char::is_alphanumeric)
                }
                _ => is_word(c),
            };
            let mut bounded = !joined(prev) && !joined(next);
            if matches!(kind, Kind::Ipv4 | Kind::Ipv6 | Kind::Sid) {
                // `10.1.2.3` is not part of `10.1.2.3.4`, nor `S-1-5-21-1-2-3` of a longer SID.
                let more = |c: Option<char>, rest: &str| {
                    matches!(c, Some('.' | ':' | '-'))
                        && rest.chars().nth(1).is_some_and(|c| c.is_ascii_hexdigit())
                };
                bounded &= !more(next, &text[end..]) && !matches!(prev, Some('.' | ':'));
            }
            if bounded {
                spans.push((at, end, id));
            }
        }
        // Where a name names something, whether or not it is replaced anywhere.
        for (s, e) in scan::profile_names(text) {
            if let Some(&id) = self.by_key.get(&text[s..e].to_lowercase()) {
                spans.push((s, e, id));
            }
        }
        // An address written otherwise than its normal form (`FE80:0:0:0::1`).
        for (s, e, ip) in scan::ipv6s(text) {
            if let Some(&id) = self.by_key.get(&ip.to_string()) {
                spans.push((s, e, id));
            }
        }
        for (s, at, _) in scan::emails(text) {
            if let Some(&id) = self.by_key.get(&text[s..at].to_lowercase()) {
                spans.push((s, at, id));
            }
        }
        if spans.is_empty() {
            return None;
        }
        // Leftmost first, the longest of those starting at the same place.
        spans.sort_by_key(|(s, e, _)| (*s, std::cmp::Reverse(*e)));
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for (s, e, id) in spans {
            if s < at {
                continue;
            }
            out.push_str(&text[at..s]);
            let replacement = self.written(id, &text[s..e]);
            out.push_str(&replacement);
            at = e;
        }
        out.push_str(&text[at..]);
        Some(out)
    }

    /// Pseudonyms given so far.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The map back, as JSON: every spelling written, and the pseudonym of every value
    /// found, with what it was. Keep it private: it undoes the redaction.
    pub fn map_json(&self) -> String {
        let mut lines: Vec<MapLine<'_>> = Vec::new();
        for e in &self.entries {
            if e.written.is_empty() {
                lines.push(MapLine {
                    pseudonym: &e.pseudonym,
                    original: &e.original,
                    kind: e.kind,
                });
            }
            for (original, pseudonym) in &e.written {
                lines.push(MapLine {
                    pseudonym,
                    original,
                    kind: e.kind,
                });
            }
        }
        let doc = serde_json::json!({
            "schema": MAP_SCHEMA,
            "about": "pseudonym -> original for every value caadoctor --redact replaced; keep this file private, it undoes the redaction",
            "pseudonyms": lines,
            "refused_keywords": self.refused,
        });
        serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
    }
}

#[cfg(test)]
mod tests;
