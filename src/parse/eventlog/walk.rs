//! A chunk's live records found by their headers alone, as the crate walks them before it
//! builds any: from the end of the chunk header, record after record, up to the free space
//! or the chunk's last record. Where its walk is plain this one gives the same records, and
//! the parser need not have the crate build the content of records it will not keep.
//!
//! Anything the crate would have to recover from — a bad magic, a size out of bounds, a
//! time it cannot read — makes this walk give up (`false`), and the chunk is read by the
//! crate's own iterator, which reports the damage.

use evtx::{EvtxChunkHeader, EvtxRecordHeader, Timestamp};
use std::ops::Range;

/// Where the records of a chunk start: after its 512-byte header.
const FIRST_RECORD: usize = 512;
/// A record's header (magic, size, id, time) and the copy of its size after its content.
const RECORD_HEADER: usize = 24;
const SIZE_COPY: usize = 4;

/// One record as its header gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Raw {
    pub id: u64,
    pub stamp: Timestamp,
    /// Its binary XML, as offsets into the chunk.
    pub binxml: Range<usize>,
}

impl Raw {
    /// A record the crate read.
    pub(super) fn of(record: &evtx::EvtxRecord<'_>) -> Raw {
        let start = record.binxml_offset as usize;
        Raw {
            id: record.event_record_id,
            stamp: record.timestamp,
            binxml: start..start.saturating_add(record.binxml_size as usize),
        }
    }
}

/// The chunk's live records into `records` (cleared first); `false` when the walk is not
/// plain and the crate must read the chunk.
pub(super) fn live_records(chunk: &[u8], header: &EvtxChunkHeader, records: &mut Vec<Raw>) -> bool {
    records.clear();
    let live_end = (header.free_space_offset as usize).min(chunk.len());
    let mut at = FIRST_RECORD;
    while at < live_end {
        let Ok(record) = EvtxRecordHeader::from_bytes_at(chunk, at) else {
            return false;
        };
        let size = record.data_size as usize;
        let Some(content) = size.checked_sub(RECORD_HEADER + SIZE_COPY) else {
            return false;
        };
        let start = at + RECORD_HEADER;
        let end = start + content;
        if end > chunk.len() {
            return false;
        }
        records.push(Raw {
            id: record.event_record_id,
            stamp: record.timestamp,
            binxml: start..end,
        });
        if record.event_record_id == header.last_event_record_id {
            break;
        }
        at += size;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::eventlog::corpus_log;
    use std::sync::Arc;

    /// Every chunk of the corpus logs: this walk, where it does not give up, finds the
    /// records the crate's iterator yields (ids, times, bytes), and it gives up only on
    /// chunks the crate had to recover from.
    #[test]
    fn the_walk_finds_the_records_the_crate_reads() {
        let settings = Arc::new(evtx::ParserSettings::new());
        let (mut plain, mut refused) = (0, 0);
        for name in [
            "system.evtx",
            "OAlerts.evtx",
            "sample_with_a_bad_chunk_magic.evtx",
            "sample-with-zero-data-size-event.evtx",
            "Application_no_crc32.evtx",
        ] {
            let bytes = corpus_log(name);
            let mut parser = evtx::EvtxParser::from_buffer(bytes).unwrap();
            let mut raws = Vec::new();
            for mut data in parser.chunks().flatten() {
                let Ok(mut chunk) = data.parse(Arc::clone(&settings)) else {
                    continue;
                };
                let walked = live_records(chunk.data, chunk.header, &mut raws);
                let read: Vec<Result<Raw, String>> = chunk
                    .iter()
                    .map(|r| r.map(|r| Raw::of(&r)).map_err(|e| e.to_string()))
                    .collect();
                if walked {
                    plain += 1;
                    let read: Vec<Raw> =
                        read.into_iter()
                            .collect::<Result<_, _>>()
                            .unwrap_or_else(|e| {
                                panic!("{name}: the crate failed where we walked: {e}")
                            });
                    assert_eq!(raws, read, "{name}");
                } else {
                    // The crate recovered there: from a record it could not read, or from
                    // zeroes where the header promised more records (evtx issue #197).
                    refused += 1;
                    let last = chunk.header.last_event_record_id;
                    assert!(
                        read.iter().any(Result::is_err)
                            || read
                                .last()
                                .is_some_and(|r| r.as_ref().is_ok_and(|r| r.id != last)),
                        "{name}: gave up on a plain chunk"
                    );
                }
            }
        }
        assert!(plain > 20, "{plain}");
        // The zero-size record's chunk, and the bad-magic sample's three chunks that end
        // in zeroes (its chunk of bad magic is not one the crate parses).
        assert_eq!(refused, 4);
    }

    #[test]
    fn junk_is_refused_not_walked() {
        let bytes = corpus_log("system.evtx");
        let chunk = &bytes[4096..4096 + 0x10000];
        let header = EvtxChunkHeader::from_bytes(chunk).unwrap();
        let mut raws = Vec::new();
        assert!(live_records(chunk, &header, &mut raws));
        assert!(!raws.is_empty());
        // A record's size that runs past the chunk, then one that is too small.
        for size in [0x20000u32, 8] {
            let mut bad = chunk.to_vec();
            bad[FIRST_RECORD + 4..FIRST_RECORD + 8].copy_from_slice(&size.to_le_bytes());
            assert!(!live_records(&bad, &header, &mut raws), "size {size}");
        }
        let mut bad = chunk.to_vec();
        bad[FIRST_RECORD] = 0;
        assert!(!live_records(&bad, &header, &mut raws));
        // Nothing past the free space is read.
        let mut empty = chunk.to_vec();
        empty[48..52].copy_from_slice(&(FIRST_RECORD as u32).to_le_bytes());
        let header = EvtxChunkHeader::from_bytes(&empty).unwrap();
        assert_eq!(header.free_space_offset, FIRST_RECORD as u32);
        assert!(live_records(&empty, &header, &mut raws));
        assert!(raws.is_empty());
    }
}
