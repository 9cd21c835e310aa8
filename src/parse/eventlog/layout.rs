//! The file against its own header: a file that ends inside a chunk (the crate reads whole
//! chunks only, so that chunk is lost), and a header whose chunk count disagrees with the
//! chunks the file holds (the crate walks every chunk whatever the header says, so only
//! this check sees it).
//!
//! The file header (4096 bytes) holds the chunk count at offset 42 (`u16`) and the flags at
//! offset 120 (bit 0: the log was not closed cleanly); chunks of 64 KiB follow, each
//! starting with `ElfChnk\0`. A live log is preallocated: slots past the count are blank.

use super::Damage;

/// Size of the file header and of a chunk, as the format fixes them.
pub(super) const FILE_HEADER: usize = 4096;
pub(super) const CHUNK: usize = 0x10000;
const CHUNK_MAGIC: &[u8] = b"ElfChnk\0";
const COUNT_AT: usize = 42;
const FLAGS_AT: usize = 120;
const DIRTY: u32 = 1;

/// The chunk the file ends inside, if it does not end on a chunk's boundary.
pub(super) fn cut_short(bytes: &[u8]) -> Option<Damage> {
    let body = bytes.len().checked_sub(FILE_HEADER)?;
    if body.is_multiple_of(CHUNK) {
        return None;
    }
    let whole = body / CHUNK;
    Some(Damage {
        chunk: Some(whole as u64),
        records: 0,
        message: format!(
            "the file ends {} bytes into chunk {whole}: it was cut short, and that chunk was not read",
            body % CHUNK
        ),
    })
}

/// What to say when the header's chunk count disagrees with the chunks the file holds.
pub(super) fn chunk_count(bytes: &[u8]) -> Option<String> {
    let u16_at = |at: usize| Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?));
    let u32_at = |at: usize| Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?));
    let counted = usize::from(u16_at(COUNT_AT)?);
    let dirty = u32_at(FLAGS_AT).is_some_and(|f| f & DIRTY != 0);
    let slots = bytes.len().saturating_sub(FILE_HEADER) / CHUNK;
    let used = (0..slots)
        .filter(|i| bytes[FILE_HEADER + i * CHUNK..].starts_with(CHUNK_MAGIC))
        .count();
    let chunks = |n: usize| format!("{n} chunk{}", if n == 1 { "" } else { "s" });
    if slots < counted {
        let lost = counted - slots;
        return Some(format!(
            "the header counts {} but the file holds {}: it was cut short, and the records of the \
             missing {} are lost",
            chunks(counted),
            slots,
            chunks(lost)
        ));
    }
    if used > counted {
        let why = if dirty {
            ": a log copied while Windows was writing it (its header says it was not closed), \
             whose header is behind"
        } else {
            ""
        };
        return Some(format!(
            "the header counts {} but {used} hold records{why}; all {used} were read",
            chunks(counted)
        ));
    }
    if used < counted {
        return Some(format!(
            "the header counts {} but only {used} hold records: the other {} are blank or damaged",
            chunks(counted),
            counted - used
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file of `slots` chunks, the first `used` of them started, whose header counts
    /// `counted`.
    fn log(counted: u16, used: usize, slots: usize, dirty: bool) -> Vec<u8> {
        let mut b = vec![0u8; FILE_HEADER + slots * CHUNK];
        b[..8].copy_from_slice(b"ElfFile\0");
        b[COUNT_AT..COUNT_AT + 2].copy_from_slice(&counted.to_le_bytes());
        b[FLAGS_AT] = u8::from(dirty);
        for i in 0..used {
            b[FILE_HEADER + i * CHUNK..][..8].copy_from_slice(CHUNK_MAGIC);
        }
        b
    }

    #[test]
    fn the_count_is_checked_against_the_chunks() {
        assert_eq!(
            chunk_count(&log(3, 3, 16, false)),
            None,
            "preallocated slots"
        );
        assert_eq!(
            chunk_count(&log(5, 3, 3, false)).unwrap(),
            "the header counts 5 chunks but the file holds 3: it was cut short, and the records of the missing 2 chunks are lost"
        );
        assert!(
            chunk_count(&log(3, 15, 17, true))
                .unwrap()
                .starts_with("the header counts 3 chunks but 15 hold records: a log copied while Windows was writing it")
        );
        assert_eq!(
            chunk_count(&log(1, 2, 2, false)).unwrap(),
            "the header counts 1 chunk but 2 hold records; all 2 were read"
        );
        assert_eq!(
            chunk_count(&log(4, 1, 4, false)).unwrap(),
            "the header counts 4 chunks but only 1 hold records: the other 3 are blank or damaged"
        );
        assert_eq!(chunk_count(b"ElfFile\0"), None);
        let mut cut = log(1, 1, 1, false);
        cut.truncate(FILE_HEADER + 100);
        assert_eq!(cut_short(&cut).unwrap().chunk, Some(0));
        assert_eq!(cut_short(&log(1, 1, 1, false)), None);
    }
}
