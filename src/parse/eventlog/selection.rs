//! Which events a caller wants ([`Source`], [`Selection`]) and the searches that find them:
//! one Aho-Corasick pass over a chunk's bytes finds every place a selected provider's name
//! or a `contains` text stands in UTF-16, so the chunk, each template and each record are
//! judged by looking the places up rather than searching again; one pass over a rendered
//! record finds its provider, its event id and the `contains` texts it holds.
//!
//! Aho-Corasick rather than one `memmem` finder per needle: the needles are searched
//! together in a single pass, where the finders each walked the whole chunk (eight times
//! for the built-in selection) and again each record and template.

use aho_corasick::{AhoCorasick, AhoCorasickKind, Input, MatchKind, Span, packed};
use std::ops::Range;

/// Which events to keep: by provider name and event id.
#[derive(Debug, Clone, Copy)]
pub struct Source {
    /// Provider name; with `prefix`, any provider whose name starts with it.
    pub provider: &'static str,
    pub prefix: bool,
    /// Event ids to keep; empty keeps every id.
    pub ids: &'static [u32],
    /// Keep only events at this level or more severe (1 critical, 2 error, 3 warning).
    pub max_level: Option<u8>,
    /// Keep only records whose rendered text holds one of these (exact bytes); empty keeps
    /// all. Checked before the record is rendered where its bytes tell, else before it is
    /// parsed, so a log of many uninteresting records of a selected provider costs little.
    pub contains: &'static [&'static str],
}

impl Source {
    fn matches_provider(&self, provider: &str) -> bool {
        if self.prefix {
            provider.len() >= self.provider.len()
                && provider.as_bytes()[..self.provider.len()]
                    .eq_ignore_ascii_case(self.provider.as_bytes())
        } else {
            provider.eq_ignore_ascii_case(self.provider)
        }
    }

    pub(super) fn matches(&self, provider: &str, id: u32, level: Option<u8>) -> bool {
        self.matches_provider(provider)
            && (self.ids.is_empty() || self.ids.contains(&id))
            && match (self.max_level, level) {
                (Some(max), Some(l)) => (1..=max).contains(&l),
                _ => true,
            }
    }
}

/// Every event of every provider: what a test or a tool that wants a whole log selects.
pub const EVERY_EVENT: &[Source] = &[Source {
    provider: "",
    prefix: true,
    ids: &[],
    max_level: None,
    contains: &[],
}];

/// A set of sources, with the automata that find them.
pub struct Selection {
    sources: Vec<Source>,
    /// The UTF-16LE needles of a chunk; `None` when a provider is empty (it is in every
    /// chunk).
    chunk: Option<Needles>,
    /// The JSON keys read before parsing ([`JSON_KEYS`]).
    keys: AhoCorasick,
    /// The non-empty `contains` texts, as they stand in a rendered record.
    texts: Option<AhoCorasick>,
    /// Per non-empty text (the `texts` patterns), its bits in a text mask: every place it
    /// stands in the sources' lists.
    text_masks: Vec<u64>,
    /// Per source, the bits of its `contains` texts.
    source_masks: Vec<u64>,
    /// Per value type, the texts (bits, by their place in `plain`) a value of it may
    /// render other than as UTF-16.
    risky_types: [u64; 256],
    /// The non-empty texts, in the order of `risky_types`' bits.
    plain: Vec<&'static str>,
    /// See [`Selection::plain_texts`].
    plain_texts: bool,
}

/// `contains` texts a selection may hold in all: one bit each in a text mask.
const MAX_TEXTS: usize = 64;

/// The keys of a rendered record read before parsing it, in pattern order.
const JSON_KEYS: [&str; 2] = [r##""Provider":{"#attributes":{"Name":""##, "\"EventID\":"];

/// Each source's provider and each `contains` text, in UTF-16LE, found in one pass.
struct Needles {
    /// Leftmost-first, so that the search can be the SIMD one (Teddy) where the machine has
    /// it; every needle that starts where it stops is then read off directly.
    search: Search,
    /// The needles, and whether each is a provider's name (else a text).
    needles: Vec<(Vec<u8>, bool)>,
}

impl Needles {
    /// Every place a needle stands in `data`, overlapping ones included.
    fn places(&self, data: &[u8]) -> Places {
        let mut places = Places {
            searched: data.len(),
            ..Places::default()
        };
        let mut at = 0;
        while let Some(start) = self.search.find(data, at) {
            for (needle, provider) in &self.needles {
                if data[start..].starts_with(needle) {
                    let list = if *provider {
                        &mut places.providers
                    } else {
                        &mut places.texts
                    };
                    list.push((start, start + needle.len()));
                }
            }
            at = start + 1;
        }
        places
    }
}

/// A multi-pattern search: packed (Teddy, a few bytes of every needle compared at once in
/// SIMD registers) or, where the machine has no such instructions, an automaton.
enum Search {
    Packed(packed::Searcher),
    Automaton(AhoCorasick),
}

impl Search {
    fn new(needles: &[(Vec<u8>, bool)]) -> Self {
        let patterns = needles.iter().map(|(n, _)| n);
        match packed::Config::new()
            .match_kind(packed::MatchKind::LeftmostFirst)
            .builder()
            .extend(patterns.clone())
            .build()
        {
            Some(searcher) => Search::Packed(searcher),
            None => Search::Automaton(build(MatchKind::LeftmostFirst, patterns)),
        }
    }

    /// Where the leftmost needle at or after `at` starts.
    fn find(&self, data: &[u8], at: usize) -> Option<usize> {
        match self {
            Search::Packed(s) => s.find_in(data, Span::from(at..data.len())),
            Search::Automaton(a) => a.find(Input::new(data).range(at..)),
        }
        .map(|m| m.start())
    }
}

/// Where selected names and texts stand in a chunk, as byte ranges (sorted by start).
#[derive(Debug, Default)]
pub(super) struct Places {
    /// Every range holds a provider (an empty provider is everywhere).
    everywhere: bool,
    /// The bytes searched, from the chunk's start; ranges past them are searched apart.
    searched: usize,
    providers: Vec<(usize, usize)>,
    texts: Vec<(usize, usize)>,
}

impl Places {
    pub(super) fn any_provider(&self) -> bool {
        self.everywhere || !self.providers.is_empty()
    }
}

fn within(places: &[(usize, usize)], range: Range<usize>) -> bool {
    let first = places.partition_point(|&(start, _)| start < range.start);
    places[first..]
        .iter()
        .take_while(|&&(start, _)| start < range.end)
        .any(|&(_, end)| end <= range.end)
}

/// What a rendered record's keys tell before it is parsed.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Keys<'a> {
    /// The name of the first `Provider` element, when `Name` is its first attribute.
    pub provider: Option<&'a str>,
    /// Where the value after the first `"EventID":` starts.
    pub event_id_at: Option<usize>,
}

/// Whether a source keeps only records holding one of its texts (an empty text is in all).
fn asks_text(s: &Source) -> bool {
    !s.contains.is_empty() && !s.contains.contains(&"")
}

fn build<P: AsRef<[u8]>>(kind: MatchKind, patterns: impl IntoIterator<Item = P>) -> AhoCorasick {
    AhoCorasick::builder()
        .match_kind(kind)
        .kind(Some(AhoCorasickKind::DFA))
        .build(patterns)
        .expect("a few short needles always build")
}

/// The bits of every place `text` stands in the sources' `contains` lists.
fn mask_of(sources: &[Source], text: &str) -> u64 {
    sources
        .iter()
        .flat_map(|s| s.contains.iter())
        .enumerate()
        .filter(|(_, t)| **t == text)
        .fold(0, |mask, (i, _)| mask | 1 << i)
}

fn utf16(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

impl Selection {
    pub fn new(sources: &[Source]) -> Self {
        // Selections are constants of the program, not input: too many texts is a bug.
        let all_texts = sources.iter().flat_map(|s| s.contains.iter().copied());
        assert!(
            all_texts.count() <= MAX_TEXTS,
            "at most {MAX_TEXTS} `contains` texts"
        );
        let mut bit = 0;
        let source_masks = sources
            .iter()
            .map(|s| {
                s.contains.iter().fold(0u64, |mask, _| {
                    bit += 1;
                    mask | 1 << (bit - 1)
                })
            })
            .collect();
        // An empty text is in every record: it needs no search.
        let mut texts: Vec<&'static str> = sources
            .iter()
            .flat_map(|s| s.contains.iter().copied())
            .filter(|t| !t.is_empty())
            .collect();
        texts.sort_unstable();
        texts.dedup();
        let chunk = (!sources.iter().any(|s| s.provider.is_empty())).then(|| {
            let mut needles: Vec<(Vec<u8>, bool)> = sources
                .iter()
                .map(|s| (utf16(s.provider), true))
                .chain(texts.iter().map(|t| (utf16(t), false)))
                .collect();
            needles.sort_unstable();
            needles.dedup();
            Needles {
                search: Search::new(&needles),
                needles,
            }
        });
        Selection {
            sources: sources.to_vec(),
            chunk,
            keys: build(MatchKind::LeftmostFirst, JSON_KEYS),
            texts: (!texts.is_empty()).then(|| build(MatchKind::Standard, &texts)),
            text_masks: texts.iter().map(|t| mask_of(sources, t)).collect(),
            source_masks,
            risky_types: std::array::from_fn(|ty| {
                texts.iter().enumerate().fold(0, |mask, (i, t)| {
                    mask | u64::from(super::values::type_may_render(t, ty as u8)) << i
                })
            }),
            plain_texts: texts
                .iter()
                .all(|t| t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')),
            plain: texts,
        }
    }

    /// Every place in `data` (a chunk's records) where a selected provider's name or a
    /// `contains` text stands in UTF-16, overlapping ones included, so that a question about
    /// any part of the chunk has the answer a search of that part alone would give.
    pub(super) fn places(&self, data: &[u8]) -> Places {
        match &self.chunk {
            Some(needles) => needles.places(data),
            None => Places {
                everywhere: true,
                ..Places::default()
            },
        }
    }

    /// The provider and where the event id stands in a rendered record; both are near its
    /// start, in its `System` block, and the search stops once it has them.
    pub(super) fn keys<'a>(&self, json: &'a [u8]) -> Keys<'a> {
        let mut keys = Keys::default();
        let mut provider_end = None;
        for m in self.keys.find_iter(json) {
            match m.pattern().as_usize() {
                0 => provider_end = provider_end.or(Some(m.end())),
                _ => keys.event_id_at = keys.event_id_at.or(Some(m.end())),
            }
            if provider_end.is_some() && keys.event_id_at.is_some() {
                break;
            }
        }
        keys.provider = provider_end.and_then(|at| {
            let end = memchr::memchr(b'"', &json[at..])?;
            std::str::from_utf8(&json[at..at + end]).ok()
        });
        keys
    }

    /// The texts a rendered record holds, as a mask (all of them found in one pass).
    fn texts_in(&self, json: &[u8]) -> u64 {
        self.texts.as_ref().map_or(0, |texts| {
            texts
                .find_overlapping_iter(json)
                .fold(0, |mask, m| mask | self.text_masks[m.pattern().as_usize()])
        })
    }

    /// Whether a selected provider's name lies wholly within `range` of `chunk`, the chunk
    /// `places` are of; a range past its end holds anything.
    pub(super) fn provider_in(&self, places: &Places, chunk: &[u8], range: Range<usize>) -> bool {
        self.lookup(places, &places.providers, chunk, range, |p| {
            !p.providers.is_empty()
        })
    }

    /// Whether a `contains` text (in UTF-16) lies wholly within `range`, likewise; always
    /// so where the chunk was not searched.
    pub(super) fn text_in(&self, places: &Places, chunk: &[u8], range: Range<usize>) -> bool {
        self.lookup(places, &places.texts, chunk, range, |p| !p.texts.is_empty())
    }

    fn lookup(
        &self,
        places: &Places,
        list: &[(usize, usize)],
        chunk: &[u8],
        range: Range<usize>,
        kind: impl Fn(&Places) -> bool,
    ) -> bool {
        match &self.chunk {
            _ if places.everywhere => true,
            _ if range.end <= places.searched => within(list, range),
            // Past what was searched (a template beyond the records' end): search it.
            Some(needles) => chunk
                .get(range)
                .is_none_or(|bytes| kind(&needles.places(bytes))),
            None => true,
        }
    }

    pub(super) fn wants(&self, provider: &str, id: u32, level: Option<u8>) -> bool {
        self.sources.iter().any(|s| s.matches(provider, id, level))
    }

    /// Whether some source takes `provider`.
    pub(super) fn takes(&self, provider: &str) -> bool {
        self.sources.iter().any(|s| s.matches_provider(provider))
    }

    /// Whether some source keeps `provider`'s event `id`.
    pub(super) fn wants_id(&self, provider: &str, id: u32) -> bool {
        self.sources
            .iter()
            .any(|s| s.matches_provider(provider) && (s.ids.is_empty() || s.ids.contains(&id)))
    }

    /// Whether a rendered record of `provider` can be kept: a source takes the provider
    /// and, if it asks for text, the record holds it (searched for only then).
    pub(super) fn wants_record(&self, provider: &str, json: &[u8]) -> bool {
        let mut texts = None;
        self.sources
            .iter()
            .zip(&self.source_masks)
            .any(|(s, &mask)| {
                s.matches_provider(provider)
                    && (!asks_text(s)
                        || *texts.get_or_insert_with(|| self.texts_in(json)) & mask != 0)
            })
    }

    /// Whether a source takes `provider` without asking for text: a record of it is kept
    /// whatever text it holds, if its id and level are wanted.
    pub(super) fn takes_without_text(&self, provider: &str) -> bool {
        self.sources
            .iter()
            .any(|s| s.matches_provider(provider) && !asks_text(s))
    }

    /// Whether every source that takes `provider` asks for text, so a record of it that
    /// cannot hold any `contains` text cannot be kept.
    pub(super) fn needs_text(&self, provider: &str) -> bool {
        self.sources
            .iter()
            .all(|s| !s.matches_provider(provider) || asks_text(s))
    }

    /// Whether a record's substitution value may render a `contains` text other than as its
    /// UTF-16 characters: by its type, and a hex number by its digits.
    pub(super) fn may_render(&self, chunk: &[u8], value: &(u8, Range<usize>)) -> bool {
        let risky = self.risky_types[usize::from(value.0)];
        if risky == 0 {
            return false;
        }
        // A hex number renders a text only if its digits hold it.
        let mut hex = [0; 18];
        let Some(len) = super::values::hex(chunk, value, &mut hex) else {
            return true;
        };
        self.plain.iter().enumerate().any(|(i, t)| {
            risky & 1 << i != 0 && hex[..len].windows(t.len()).any(|w| w == t.as_bytes())
        })
    }

    /// Whether every `contains` text is ASCII letters, digits and `_`: characters JSON
    /// writes as they are and never as structure, so a rendered record can hold the text
    /// only where one string, name or number does.
    pub(super) fn plain_texts(&self) -> bool {
        self.plain_texts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn providers_match_by_name_or_prefix() {
        let office = Source {
            provider: "Microsoft Office",
            prefix: true,
            ids: &[300],
            max_level: None,
            contains: &[],
        };
        assert!(office.matches("Microsoft Office 16 Alerts", 300, Some(4)));
        assert!(!office.matches("Microsoft Office 16 Alerts", 301, Some(4)));
        assert!(!office.matches("Microsoft", 300, Some(4)));
        let aad = Source {
            provider: "Microsoft-Windows-AAD",
            prefix: false,
            ids: &[],
            max_level: Some(3),
            contains: &[],
        };
        assert!(aad.matches("microsoft-windows-aad", 1098, Some(2)));
        assert!(!aad.matches("Microsoft-Windows-AAD", 1098, Some(4)));
        assert!(!aad.matches("Microsoft-Windows-AADx", 1098, Some(2)));
    }

    const fn source(
        provider: &'static str,
        prefix: bool,
        contains: &'static [&'static str],
    ) -> Source {
        Source {
            provider,
            prefix,
            ids: &[],
            max_level: None,
            contains,
        }
    }

    /// `text` in UTF-16 at byte `at` of a chunk of filler.
    fn chunk_with(parts: &[(usize, &str)]) -> Vec<u8> {
        let mut chunk = vec![b'.'; 400];
        for (at, text) in parts {
            let bytes = utf16(text);
            chunk[*at..*at + bytes.len()].copy_from_slice(&bytes);
        }
        chunk
    }

    #[test]
    fn a_name_counts_where_it_lies_whole() {
        let sel = Selection::new(&[source("Schannel", false, &[])]);
        // At an odd offset, as a name can be in a record's values.
        let chunk = chunk_with(&[(101, "Schannel")]);
        let places = sel.places(&chunk);
        assert!(places.any_provider());
        assert!(sel.provider_in(&places, &chunk, 101..117));
        assert!(sel.provider_in(&places, &chunk, 0..400));
        // A range that cuts the name (a record ending inside it) does not hold it.
        assert!(!sel.provider_in(&places, &chunk, 0..116));
        assert!(!sel.provider_in(&places, &chunk, 102..200));
        assert!(!sel.places(&chunk_with(&[])).any_provider());
    }

    #[test]
    fn names_are_found_as_written_and_matched_in_any_case() {
        let sel = Selection::new(&[source("Schannel", false, &[])]);
        // The search is for the bytes (as before it), the match for the name.
        assert!(!sel.places(&chunk_with(&[(10, "SCHANNEL")])).any_provider());
        assert!(sel.takes("SCHANNEL"));
        assert!(!sel.takes("Schannel2"));
    }

    #[test]
    fn a_prefix_source_finds_longer_names_and_overlaps_are_all_found() {
        let sel = Selection::new(&[
            source("Microsoft Office", true, &[]),
            source("Microsoft-Windows-AAD", false, &[]),
            source("Windows-AAD", false, &[]),
        ]);
        let chunk = chunk_with(&[
            (0, "Microsoft Office 16 Alerts"),
            (100, "Microsoft-Windows-AAD"),
        ]);
        let places = sel.places(&chunk);
        assert!(sel.provider_in(&places, &chunk, 0..32));
        assert!(sel.takes("Microsoft Office 16 Alerts"));
        // `Windows-AAD` starts inside `Microsoft-Windows-AAD`: a range holding only it
        // still holds a name.
        assert!(sel.provider_in(&places, &chunk, 120..142));
        assert!(!sel.provider_in(&places, &chunk, 120..141));
    }

    #[test]
    fn ranges_past_the_searched_bytes_are_searched_apart() {
        let sel = Selection::new(&[source("Schannel", false, &["0xCAA"])]);
        let chunk = chunk_with(&[(300, "Schannel"), (340, "0xCAA")]);
        let places = sel.places(&chunk[..200]);
        assert!(!places.any_provider());
        assert!(sel.provider_in(&places, &chunk, 250..350));
        assert!(sel.text_in(&places, &chunk, 250..350));
        assert!(!sel.text_in(&places, &chunk, 250..340));
        assert!(
            sel.text_in(&places, &chunk, 300..500),
            "past the chunk: anything"
        );
    }

    #[test]
    fn an_empty_provider_is_in_every_chunk() {
        let sel = Selection::new(&[source("", true, &[])]);
        let places = sel.places(b"");
        assert!(places.any_provider());
        assert!(sel.provider_in(&places, b"", 0..0));
        assert!(sel.text_in(&places, b"", 0..0));
    }

    #[test]
    fn a_record_is_kept_for_its_texts_only_where_its_source_asks() {
        let sel = Selection::new(&[
            source("Microsoft Office", true, &["0xCAA", "0xcaa"]),
            source("Schannel", false, &[]),
            source("NCSI", false, &["probe", ""]),
        ]);
        let json = br##"{"Event":{"System":{"Provider":{"#attributes":{"Name":"Microsoft Office 16 Alerts"}},"EventID":300},"EventData":{"Data":"code 0xcaa70004"}}}"##;
        let keys = sel.keys(json);
        assert_eq!(keys.provider, Some("Microsoft Office 16 Alerts"));
        assert_eq!(&json[keys.event_id_at.unwrap()..][..3], b"300");
        assert!(sel.wants_record("Microsoft Office 16 Alerts", json));
        assert!(!sel.wants_record("Microsoft Office 16 Alerts", b"{\"0xCA\"}"));
        assert!(sel.wants_record("Schannel", b"{}"));
        assert!(!sel.wants_record("Other", json));
        // An empty text is in every record.
        assert!(sel.wants_record("NCSI", b"{}"));
        assert!(sel.needs_text("Microsoft Office 16 Alerts"));
        assert!(!sel.needs_text("Schannel"));
        assert!(!sel.needs_text("NCSI"));
        assert!(sel.plain_texts());
        assert!(!Selection::new(&[source("P", false, &["a b"])]).plain_texts());
    }

    #[test]
    fn hex_values_render_a_text_only_where_their_digits_hold_it() {
        let sel = Selection::new(&[source("Microsoft Office", true, &["0xCAA", "0xcaa"])]);
        let value = |ty: u8, bytes: &[u8]| (bytes.to_vec(), (ty, 0..bytes.len()));
        for (ty, bytes, may) in [
            (0x15, &0xcaa7_0004_u64.to_le_bytes()[..], true),
            (0x15, &0x8000_0000_0000_0000_u64.to_le_bytes()[..], false),
            (0x14, &0x0caa_u32.to_le_bytes()[..], true),
            (0x14, &[1, 2][..], true),
            (0x08, &0xcaa_u32.to_le_bytes()[..], false),
            (0x01, &utf16("0xCAA")[..], false),
            (0x02, b"0xCAA", true),
        ] {
            let (chunk, v) = value(ty, bytes);
            assert_eq!(sel.may_render(&chunk, &v), may, "type {ty:#x} {bytes:?}");
        }
    }
}
