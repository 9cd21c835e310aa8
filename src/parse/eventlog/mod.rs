//! Windows event logs (`.evtx`), read from memory with the `evtx` crate.
//!
//! Only the events a [`Selection`] names are built and kept. A chunk as Windows wrote it
//! (its checksums hold, or it says it has none) whose records follow one another plainly
//! ([`walk`]) is read from the records' headers and bytes, without the crate building any
//! record: every record is counted with its time; where the chunk's bytes hold a selected
//! provider's name (in UTF-16, as templates and substitution values carry it), a record is
//! looked at only if its bytes (the template it instantiates, its values) leave it possible
//! that a source keeps it ([`prefilter`]), and such a record is built into an [`Event`]
//! straight from its template and values where its template is plain ([`direct`]). When
//! one record of such a chunk is not plain, or the chunk fails its checksums, or its walk is
//! not plain (a record that cannot be read, zeroes where records should be), the crate
//! reads the whole chunk: it builds every record, reports each one it cannot read, and a
//! kept record that is not plain is rendered to JSON and read back. So a log costs less
//! than the crate's own walk over it. The price: in a chunk whose checksums hold, a record
//! whose content the crate could not build is counted as read unless it is one a source
//! may keep and its bytes do not read as a plain record; where the checksums fail, every
//! record the crate cannot build is reported. Every chunk that cannot be parsed and a torn
//! tail are reported as [`Damage`]; the records around them are still read. The channel
//! comes from the first record, rendered, not from the file's name.

mod direct;
mod layout;
mod peek;
mod prefilter;
mod record;
mod selection;
mod values;
mod walk;

/// The bytes of a log of the team's corpus (`$CAADOCTOR_CORPUS`, else `../shared/corpus`),
/// for unit tests over real logs. A missing corpus fails the test: it is never skipped.
#[cfg(test)]
fn corpus_log(name: &str) -> Vec<u8> {
    let dir = std::env::var_os("CAADOCTOR_CORPUS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus")
        });
    let path = dir.join("evtx").join(name);
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "the corpus log {} is missing ({e}); set CAADOCTOR_CORPUS",
            path.display()
        )
    })
}

use evtx::{EvtxChunkData, EvtxParser, ParserSettings};
use prefilter::Prefilter;
use record::{channel_and_computer, event_id_at};
pub use selection::{EVERY_EVENT, Selection, Source};
use std::io::Cursor;
use std::sync::Arc;
use walk::Raw;

/// Events kept per log; beyond it they are counted, not kept.
pub const MAX_EVENTS: usize = 20_000;
/// Characters kept of one data value.
const MAX_VALUE: usize = 4096;

/// One kept event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub record_id: u64,
    /// Seconds since 1970-01-01 UTC, and the same as `2026-11-20T09:14:03Z`.
    pub time: i64,
    pub time_text: String,
    pub provider: String,
    pub event_id: u32,
    pub level: Option<u8>,
    pub channel: String,
    pub activity_id: Option<String>,
    /// `EventData`/`UserData` values in order: name (None for classic unnamed data), text.
    /// `Binary` is given as the crate renders it, in hex.
    pub data: Vec<(Option<String>, String)>,
}

impl Event {
    /// The value named `name` (case-insensitive).
    pub fn named(&self, name: &str) -> Option<&str> {
        self.data
            .iter()
            .find(|(n, _)| n.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(name)))
            .map(|(_, v)| v.as_str())
    }
}

/// Part of a log that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    /// The chunk's number in the file, when the damage is in one.
    pub chunk: Option<u64>,
    /// Records lost there, when known.
    pub records: usize,
    pub message: String,
}

/// What one log file holds, as far as it could be read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventLog {
    /// The channel the records name (`System`, `OAlerts`, ...), from the first record read.
    pub channel: Option<String>,
    /// The computer the first record names.
    pub computer: Option<String>,
    /// Records read, and records that could not be read.
    pub records: usize,
    pub unreadable: usize,
    /// Time of the oldest and newest record read (seconds since 1970, text).
    pub oldest: Option<(i64, String)>,
    pub newest: Option<(i64, String)>,
    /// Selected events, in the order Windows wrote them.
    pub events: Vec<Event>,
    /// Selected events past [`MAX_EVENTS`], counted only.
    pub dropped: usize,
    /// Records read whose `System` block names no provider or event id, so no selection
    /// can take them (counted where a chunk was rendered).
    pub anonymous: usize,
    pub damage: Vec<Damage>,
    /// Chunks whose stored checksum does not match their bytes (a log Windows did not
    /// close cleanly); their records are read anyway.
    pub checksum_mismatches: Vec<u64>,
    /// Set when the header's chunk count disagrees with the chunks the file holds: what to
    /// say about it.
    pub chunk_count: Option<String>,
}

/// Reads a log. Fails only when the bytes are not an event log at all (no file header).
pub fn parse(bytes: &[u8], selection: &Selection) -> Result<EventLog, String> {
    read(bytes, selection, true)
}

/// [`parse`] with every kept event read from the crate's JSON rendering, as before events
/// were built from their templates ([`direct`]): what the tests hold the two against.
#[doc(hidden)]
pub fn parse_by_rendering(bytes: &[u8], selection: &Selection) -> Result<EventLog, String> {
    read(bytes, selection, false)
}

fn read(bytes: &[u8], selection: &Selection, direct: bool) -> Result<EventLog, String> {
    let mut parser = EvtxParser::from_read_seek(Cursor::new(bytes))
        .map_err(|e| format!("not an event log: {}", chain(&e)))?;
    let settings = Arc::new(ParserSettings::new().separate_json_attributes(false));
    let mut log = EventLog::default();
    let mut raws = Vec::new();
    for chunk in parser.chunks() {
        match chunk {
            Ok(mut data) => {
                read_chunk(&mut data, &settings, selection, direct, &mut raws, &mut log)
            }
            Err(e) => log.damage.push(Damage {
                chunk: chunk_number(&e),
                records: 0,
                message: chain(&e),
            }),
        }
    }
    log.damage.extend(layout::cut_short(bytes));
    log.chunk_count = layout::chunk_count(bytes);
    for (secs, text) in log.oldest.iter_mut().chain(log.newest.iter_mut()) {
        if let Ok(stamp) = evtx::Timestamp::from_second(*secs) {
            *text = iso(stamp);
        }
    }
    log.damage.sort_by_key(|d| d.chunk);
    log.checksum_mismatches.sort_unstable();
    Ok(log)
}

fn read_chunk(
    data: &mut EvtxChunkData,
    settings: &Arc<ParserSettings>,
    selection: &Selection,
    direct: bool,
    raws: &mut Vec<Raw>,
    log: &mut EventLog,
) {
    let number = data.number;
    let checksum_ok = data.validate_checksum();
    let places = selection.places(&data.data[..records_end(data)]);
    let wanted = places.any_provider();
    let mut chunk = match data.parse(Arc::clone(settings)) {
        Ok(chunk) => chunk,
        Err(e) => {
            log.damage.push(Damage {
                chunk: number,
                records: 0,
                message: chain(&e),
            });
            return;
        }
    };
    let mut prefilter = Prefilter::new(selection, &places);
    let mut builder = direct::Builder::default();
    // A chunk as Windows wrote it (its checksums hold), whose records follow one another
    // plainly, is read from the records' headers and bytes: only a record that must be
    // rendered needs the crate to build it, and then the crate reads the whole chunk.
    let bytes = chunk.data;
    if direct && checksum_ok && walk::live_records(bytes, chunk.header, raws) {
        if log.channel.is_none() {
            name_channel(&mut chunk, log);
        }
        if log.channel.is_some()
            && from_headers(bytes, raws, wanted, &mut prefilter, &mut builder, log)
        {
            return;
        }
    }
    let mut lost = 0;
    let mut first_error = None;
    for record in chunk.iter() {
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                lost += 1;
                first_error.get_or_insert_with(|| chain(&e));
                continue;
            }
        };
        let raw = Raw::of(&record);
        count(log, &raw);
        let stamp = raw.stamp;
        let time = stamp.as_second();
        // Render the first record of the log (for its channel) and every record of a chunk
        // that may hold a selected event.
        if log.channel.is_some()
            && (!wanted || !prefilter.may_hold(record.chunk.data, raw.binxml.clone()))
        {
            continue;
        }
        // A record its template lets build needs no rendering.
        if direct && log.channel.is_some() {
            match builder.build(selection, record.chunk.data, &raw) {
                Some(direct::Built::Kept(event)) => {
                    keep(log, event);
                    continue;
                }
                Some(direct::Built::Passed) => continue,
                None => {}
            }
        }
        let record_id = record.event_record_id;
        let json = match record.into_json_bytes() {
            Ok(json) => json.data,
            Err(e) => {
                lost += 1;
                log.records -= 1;
                first_error.get_or_insert_with(|| chain(&e));
                continue;
            }
        };
        if log.channel.is_none()
            && let Some((channel, computer)) = channel_and_computer(&json)
        {
            log.channel = channel;
            log.computer = computer;
        }
        if !wanted {
            continue;
        }
        // Look for the provider, the id and the texts before parsing the whole record.
        let keys = selection.keys(&json);
        if keys.provider.is_some_and(|p| {
            !selection.wants_record(p, &json)
                || event_id_at(&json, keys.event_id_at).is_some_and(|id| !selection.wants_id(p, id))
        }) {
            continue;
        }
        let Some(event) = record::event(&json, record_id, time, stamp) else {
            log.anonymous += 1;
            continue;
        };
        if selection.wants(&event.provider, event.event_id, event.level) {
            keep(log, event);
        }
    }
    log.unreadable += lost;
    if let Some(first) = first_error {
        log.damage.push(Damage {
            chunk: number,
            records: lost,
            message: format!(
                "{lost} record{} could not be read ({first})",
                if lost == 1 { "" } else { "s" }
            ),
        });
    }
    if !checksum_ok && let Some(n) = number {
        log.checksum_mismatches.push(n);
    }
}

/// Reads a chunk's records from their headers ([`walk`]): counts them, and keeps those
/// the prefilter and the builder decide. `false`, with nothing counted, when a record must
/// be rendered to tell.
fn from_headers(
    chunk: &[u8],
    raws: &[Raw],
    wanted: bool,
    prefilter: &mut Prefilter<'_>,
    builder: &mut direct::Builder,
    log: &mut EventLog,
) -> bool {
    let mut kept = Vec::new();
    if wanted {
        for raw in raws {
            if !prefilter.may_hold(chunk, raw.binxml.clone()) {
                continue;
            }
            match builder.build(prefilter.selection(), chunk, raw) {
                Some(direct::Built::Kept(event)) => kept.push(event),
                Some(direct::Built::Passed) => {}
                None => return false,
            }
        }
    }
    for raw in raws {
        count(log, raw);
    }
    for event in kept {
        keep(log, event);
    }
    true
}

/// The channel and the computer the log's first record names, from its rendering (where a
/// template puts them differs from log to log).
fn name_channel(chunk: &mut evtx::EvtxChunk<'_>, log: &mut EventLog) {
    let Some(Ok(record)) = chunk.iter().next() else {
        return;
    };
    if let Ok(json) = record.into_json_bytes()
        && let Some((channel, computer)) = channel_and_computer(&json.data)
    {
        log.channel = channel;
        log.computer = computer;
    }
}

/// Counts a record read, and its time in the log's span (kept as seconds and written out
/// once the log is read).
fn count(log: &mut EventLog, raw: &Raw) {
    log.records += 1;
    let time = raw.stamp.as_second();
    if log.oldest.as_ref().is_none_or(|(t, _)| time < *t) {
        log.oldest = Some((time, String::new()));
    }
    if log.newest.as_ref().is_none_or(|(t, _)| time > *t) {
        log.newest = Some((time, String::new()));
    }
}

fn keep(log: &mut EventLog, event: Event) {
    if log.events.len() < MAX_EVENTS {
        log.events.push(event);
    } else {
        log.dropped += 1;
    }
}

/// A record's time as `2026-11-20T09:14:03Z`.
fn iso(stamp: evtx::Timestamp) -> String {
    let secs = stamp.as_second();
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    if !(0..10_000).contains(&year) {
        return format!(
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
            rest / 3600,
            rest % 3600 / 60,
            rest % 60
        );
    }
    // Written digit by digit: every kept event has one.
    let mut out = *b"0000-00-00T00:00:00Z";
    for (at, value, width) in [
        (0, year, 4),
        (5, month, 2),
        (8, day, 2),
        (11, rest / 3600, 2),
        (14, rest % 3600 / 60, 2),
        (17, rest % 60, 2),
    ] {
        let mut v = value;
        for i in (at..at + width).rev() {
            out[i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    }
    out.iter().map(|&b| char::from(b)).collect()
}

/// Where a chunk's records end: the free space, or the end of the last record when a log
/// that was not closed cleanly has records past its stale free-space offset. The whole
/// chunk when the header says nothing sensible.
fn records_end(data: &EvtxChunkData) -> usize {
    let len = data.data.len();
    let free = data.header.free_space_offset as usize;
    let last = data.header.last_event_record_data_offset as usize;
    let last_end = data
        .data
        .get(last + 4..last + 8)
        .map(|b| last + u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize);
    match last_end {
        Some(end) if (512..=len).contains(&free) && end <= len => free.max(end),
        _ => len,
    }
}

fn chunk_number(e: &evtx::err::EvtxError) -> Option<u64> {
    match e {
        evtx::err::EvtxError::FailedToParseChunk { chunk_id, .. } => Some(*chunk_id),
        evtx::err::EvtxError::FailedToReadRecordAt { chunk, .. } => *chunk,
        _ => None,
    }
}

/// An error and its causes, as one line.
fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        s.push_str(": ");
        s.push_str(&cause.to_string());
        source = cause.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_print_as_iso_utc() {
        for (secs, text) in [
            (0, "1970-01-01T00:00:00Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (1_795_166_043, "2026-11-20T09:14:03Z"),
            (-11_644_473_600, "1601-01-01T00:00:00Z"),
        ] {
            let stamp = evtx::Timestamp::from_second(secs).unwrap();
            assert_eq!(iso(stamp), text);
            assert_eq!(
                iso(stamp),
                stamp.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
                "agrees with jiff"
            );
        }
    }

    #[test]
    fn the_event_id_is_found_without_parsing() {
        for (json, id) in [
            (
                &br#"{"System":{"EventID":7036,"Version":0}}"#[..],
                Some(7036),
            ),
            (
                br##"{"EventID":{"#attributes":{"Qualifiers":16384},"#text":7036}}"##,
                Some(7036),
            ),
            (
                br##"{"EventID":{"#attributes":{"Qualifiers":"16384"},"#text":"1"}}"##,
                Some(1),
            ),
            (br#"{"EventID":null}"#, None),
            (br#"{}"#, None),
        ] {
            let at = Selection::new(EVERY_EVENT).keys(json).event_id_at;
            assert_eq!(
                event_id_at(json, at),
                id,
                "{}",
                String::from_utf8_lossy(json)
            );
        }
    }

    #[test]
    fn not_an_event_log_is_an_error_and_junk_never_panics() {
        let sel = Selection::new(EVERY_EVENT);
        assert!(parse(b"", &sel).is_err());
        assert!(parse(b"ElfFile\0", &sel).is_err());
        let mut junk = b"ElfFile\0".to_vec();
        junk.resize(layout::FILE_HEADER + layout::CHUNK + 100, 0x41);
        if let Ok(log) = parse(&junk, &sel) {
            assert_eq!(log.records, 0);
            assert!(!log.damage.is_empty());
        }
    }
}
