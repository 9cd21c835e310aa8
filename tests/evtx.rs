//! Event logs: every real log in `../shared/corpus/evtx/` (see its MANIFEST) is read with the
//! record count the `evtx` crate itself gives, damaged parts are reported one by one, and
//! the logs our writer (`samples/generate/evtx_writer.py`) makes read back exactly.

mod common;

use caadoctor::parse::eventlog::{self, Selection, Source};
use common::{corpus, files_in, repo};
use evtx::EvtxParser;

const EVERYTHING: &[Source] = &[Source {
    provider: "",
    prefix: true,
    ids: &[],
    max_level: None,
}];

/// The crate's own count: records it renders, and errors it yields.
fn crate_count(bytes: &[u8]) -> (usize, usize) {
    let mut parser = EvtxParser::from_buffer(bytes.to_vec()).unwrap();
    let (mut ok, mut err) = (0, 0);
    for r in parser.records_json() {
        match r {
            Ok(_) => ok += 1,
            Err(_) => err += 1,
        }
    }
    (ok, err)
}

/// Records read and errors met, per corpus file, as the corpus MANIFEST lists them, and
/// the channel the records name.
const EXPECTED: &[(&str, usize, usize, Option<&str>)] = &[
    ("system.evtx", 1881, 0, Some("System")),
    (
        "sample-with-zero-data-size-event.evtx",
        449,
        1,
        Some("System"),
    ),
    ("Application_no_crc32.evtx", 17, 0, Some("Application")),
    (
        "sample_with_a_bad_chunk_magic.evtx",
        301,
        3,
        Some("Microsoft-Windows-AppXDeployment/Operational"),
    ),
    (
        "2-system-Microsoft-Windows-LiveId%4Operational.evtx",
        399,
        0,
        Some("Microsoft-Windows-LiveId/Operational"),
    ),
    (
        "E_Windows_system32_winevt_logs_Microsoft-Windows-CAPI2%4Operational.evtx",
        340,
        0,
        Some("Microsoft-Windows-CAPI2/Operational"),
    ),
    (
        "Microsoft-Windows-HelloForBusiness%4Operational.evtx",
        6,
        0,
        None,
    ),
    ("issue_201.evtx", 1, 0, Some("MSExchange Management")),
    ("OAlerts.evtx", 3362, 0, Some("OAlerts")),
];

#[test]
fn every_corpus_log_is_read_as_the_crate_reads_it() {
    let files = files_in(&corpus().join("evtx"));
    assert_eq!(
        files.len(),
        EXPECTED.len(),
        "corpus/evtx changed: {files:?}"
    );
    let all = Selection::new(EVERYTHING);
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let (_, records, errors, channel) = *EXPECTED
            .iter()
            .find(|e| e.0 == name)
            .unwrap_or_else(|| panic!("{name} is not in EXPECTED"));
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(crate_count(&bytes), (records, errors), "{name}: crate");
        let log = eventlog::parse(&bytes, &all).unwrap();
        assert_eq!(log.records, records, "{name}: records");
        // Every damaged part is reported: records lost in a chunk, or a chunk that failed.
        let lost_or_failed: usize = log.damage.iter().map(|d| d.records.max(1)).sum();
        assert_eq!(lost_or_failed, errors, "{name}: {:?}", log.damage);
        // Selecting everything keeps every record, or counts it as naming no provider
        // (one record each in HelloForBusiness and the bad-chunk sample has no System).
        assert_eq!(log.events.len() + log.anonymous, records, "{name}: kept");
        assert!(log.anonymous <= 1, "{name}");
        if let Some(channel) = channel {
            assert_eq!(log.channel.as_deref(), Some(channel), "{name}");
        }
        assert!(log.oldest <= log.newest);
    }
}

#[test]
fn damaged_logs_say_which_chunk_and_why() {
    let all = Selection::new(EVERYTHING);
    let read = |name: &str| {
        let bytes = std::fs::read(corpus().join("evtx").join(name)).unwrap();
        eventlog::parse(&bytes, &all).unwrap()
    };
    let magic = read("sample_with_a_bad_chunk_magic.evtx");
    let chunks: Vec<_> = magic.damage.iter().map(|d| d.chunk).collect();
    assert_eq!(
        chunks,
        vec![Some(6), Some(7), Some(10)],
        "{:?}",
        magic.damage
    );
    assert_eq!(magic.checksum_mismatches, vec![0, 7, 9]);
    assert!(
        magic.damage[0].message.contains("chunk"),
        "{:?}",
        magic.damage
    );
    assert_eq!(magic.damage[1].records, 1);
    assert_eq!(magic.unreadable, 1);

    let zero = read("sample-with-zero-data-size-event.evtx");
    assert_eq!(zero.damage.len(), 1, "{:?}", zero.damage);
    assert!(
        zero.damage[0]
            .message
            .starts_with("1 record could not be read")
    );

    let crc = read("Application_no_crc32.evtx");
    assert_eq!(crc.records, 17);
    assert!(crc.damage.is_empty(), "{:?}", crc.damage);
    assert!(
        crc.checksum_mismatches.is_empty(),
        "its chunks say they carry no CRC32"
    );
}

#[test]
fn a_cut_short_log_keeps_its_whole_chunks_and_says_where_it_ends() {
    let bytes = std::fs::read(corpus().join("evtx/system.evtx")).unwrap();
    let cut = &bytes[..4096 + 3 * 65536 + 1000];
    let log = eventlog::parse(cut, &Selection::new(EVERYTHING)).unwrap();
    assert!(log.records > 0 && log.records < 1881, "{}", log.records);
    let last = log.damage.last().unwrap();
    assert_eq!(last.chunk, Some(3));
    assert!(last.message.contains("cut short"), "{}", last.message);
}

#[test]
fn only_selected_events_are_kept() {
    let bytes = std::fs::read(corpus().join("evtx/system.evtx")).unwrap();
    let scm = Selection::new(&[Source {
        provider: "Service Control Manager",
        prefix: false,
        ids: &[7040, 7023],
        max_level: None,
    }]);
    let log = eventlog::parse(&bytes, &scm).unwrap();
    assert_eq!(log.records, 1881);
    assert_eq!(log.events.len(), 24 + 12);
    let change = log.events.iter().find(|e| e.event_id == 7040).unwrap();
    assert_eq!(
        change.named("param1"),
        Some("Background Intelligent Transfer Service")
    );
    assert_eq!(change.named("param4"), Some("BITS"));
    assert_eq!(change.channel, "System");
    assert!(change.time_text.starts_with("20") && change.time_text.ends_with('Z'));
}

#[test]
fn oalerts_keeps_the_six_strings_windows_wrote() {
    let bytes = std::fs::read(corpus().join("evtx/OAlerts.evtx")).unwrap();
    let office = Selection::new(&[Source {
        provider: "Microsoft Office",
        prefix: true,
        ids: &[300],
        max_level: None,
    }]);
    let log = eventlog::parse(&bytes, &office).unwrap();
    assert_eq!(log.events.len(), 3362);
    let full = log.events.iter().find(|e| e.data.len() == 6).unwrap();
    assert!(full.data.iter().all(|(name, _)| name.is_none()));
    assert_eq!(full.data[0].1, "Microsoft Word\n");
    assert!(full.data[3].1.starts_with("16.0."), "{:?}", full.data);
    assert!(full.data[5].1.starts_with("0x"), "{:?}", full.data);
    // The log has wrapped: record order is time order once read from its oldest chunk.
    let times: Vec<i64> = log.events.iter().map(|e| e.time).collect();
    assert!(times.windows(2).filter(|w| w[0] > w[1]).count() < 5);
}

#[test]
fn logs_our_writer_makes_read_back_exactly() {
    let dir = repo().join("tests/fixtures/evtx");
    let files = files_in(&dir);
    assert!(!files.is_empty());
    let all = Selection::new(EVERYTHING);
    for path in files {
        let bytes = std::fs::read(&path).unwrap();
        let (ok, err) = crate_count(&bytes);
        assert_eq!(err, 0, "{}", path.display());
        let log = eventlog::parse(&bytes, &all).unwrap();
        assert_eq!(
            (log.records, log.events.len()),
            (ok, ok),
            "{}",
            path.display()
        );
        assert!(
            log.damage.is_empty(),
            "{}: {:?}",
            path.display(),
            log.damage
        );
        assert!(log.checksum_mismatches.is_empty(), "{}", path.display());
        // Valid checksums: the crate accepts every chunk when it checks them.
        let mut strict = EvtxParser::from_buffer(bytes.clone())
            .unwrap()
            .with_configuration(evtx::ParserSettings::new().validate_checksums(true));
        assert_eq!(strict.records().filter(Result::is_ok).count(), ok);
    }
}
