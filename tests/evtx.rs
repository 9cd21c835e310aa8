//! Event logs: every real log in `../shared/corpus/evtx/` (see its MANIFEST) is read with the
//! record count the `evtx` crate itself gives, damaged parts are reported one by one, and
//! the logs our writer (`samples/generate/evtx_writer.py`) makes read back exactly.

mod common;

use caadoctor::parse::eventlog::{self, EVERY_EVENT, Selection, Source};
use common::{caadoctor, corpus, files_in, finding, json_of, message_of, repo, report_of, scratch};
use evtx::EvtxParser;

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
    let all = Selection::new(EVERY_EVENT);
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
    let all = Selection::new(EVERY_EVENT);
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
    let log = eventlog::parse(cut, &Selection::new(EVERY_EVENT)).unwrap();
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
        contains: &[],
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
        contains: &[],
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
    let all = Selection::new(EVERY_EVENT);
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

/// The facts document of a snapshot.
fn facts_of(path: &str) -> serde_json::Value {
    let out = caadoctor(&["facts", path]);
    assert_eq!(out.status.code(), Some(0));
    json_of(&out)["facts"].clone()
}

#[test]
fn the_fixture_logs_confirm_the_symptom_and_find_the_tls_failures() {
    let report = report_of("tests/fixtures/evtx", 1);
    assert_eq!(report["problems"], serde_json::json!([]));
    let message = message_of(&report, "symptom", "warn");
    assert!(
        message.starts_with(
            "Confirmed: 5 failed sign-in attempts (8 events) from 2026-11-19T08:00:00Z to 2026-11-20T08:07:02Z"
        ),
        "{message}"
    );
    // Most frequent first; the file-open dialog's 0x80070002 is not a sign-in code.
    assert!(message.contains("Codes: 0xCAA70004 (server or proxy not found) ×3, 0xCAA70007"));
    assert!(!message.contains("0x80070002"));

    let tls = finding(&report, "tls-handshake");
    assert_eq!(tls["status"], "fail");
    assert!(
        tls["messages"][0]
            .as_str()
            .unwrap()
            .starts_with("Schannel logged 4 TLS failures within ten minutes of a sign-in attempt")
    );
    // The unknown_ca alert 13 hours earlier is counted but not near an attempt.
    let facts = facts_of("tests/fixtures/evtx");
    assert_eq!(facts["schannel"]["failures"]["value"], 5);
    assert_eq!(facts["schannel"]["near_attempts"]["value"], 4);
    assert_eq!(facts["schannel"]["attempts_covered"]["value"], 3);
    assert_eq!(facts["schannel"]["protocol_disabled"]["value"], true);
    let evidence = &facts["schannel"]["protocol_disabled"]["evidence"][0];
    assert_eq!(evidence["artifact"], "system-services-schannel.evtx");
    assert_eq!(evidence["locator"], "System record 88117: Schannel 36871");

    let symptom = &facts["symptom"];
    assert_eq!(symptom["caa_count"]["value"], 8);
    assert_eq!(symptom["attempts"]["value"], 5);
    assert_eq!(symptom["first_seen"]["value"], "2026-11-19T08:00:00Z");
    assert_eq!(symptom["last_seen"]["value"], "2026-11-20T08:07:02Z");
    assert_eq!(
        symptom["sources"]["value"],
        serde_json::json!(["OAlerts", "Microsoft-Windows-AAD/Operational"])
    );
    assert_eq!(
        symptom["timeline"]["value"][0],
        "2026-11-20T08:07:02Z Microsoft-Windows-AAD/Operational sign-in (AAD): 0xCAA70004"
    );
    assert!(
        symptom["dialog"]["value"]
            .as_str()
            .unwrap()
            .contains("unable to connect")
    );
    assert_eq!(symptom["aad_errors"]["value"], 5);
    assert_eq!(
        symptom["other_codes"]["value"],
        serde_json::json!([
            "0x80070102 (Win32 258 WAIT_TIMEOUT)",
            "AADSTS50155 (device authentication failed)"
        ])
    );
    // What Microsoft support asks for: the failing requests' correlation ids, newest first,
    // and the services they went to.
    assert_eq!(
        symptom["correlation_ids"]["value"][0],
        "{0b9e00aa-7c2d-4e11-a3f4-5d6e7f809a1b}"
    );
    assert_eq!(
        symptom["correlation_ids"]["value"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
    assert_eq!(
        symptom["endpoints"]["value"],
        serde_json::json!(["login.microsoftonline.com", "officeapps.live.com"])
    );
    assert_eq!(facts["events"]["ncsi_capability"]["value"], "internet");
    // Software Protection errors of the Application log, not its information events.
    assert_eq!(
        facts["events"]["licensing_errors"]["value"],
        serde_json::json!([
            "2026-11-19T06:21:00Z Microsoft-Windows-Security-SPP 8198: 0x8007232B (Win32 9003 DNS_ERROR_RCODE_NAME_ERROR)",
            "2026-11-20T07:20:00Z Microsoft-Windows-Security-SPP 8198: 0xC004F074 (licensing error)"
        ])
    );

    // The Service Control Manager's events, by the service's key name.
    let services = finding(&report, "services");
    assert_eq!(services["status"], "warn");
    let svc = &facts["services"];
    assert_eq!(svc["NlaSvc"]["crashes"]["value"], 2);
    assert_eq!(svc["NcdAutoSetup"]["failed_starts"]["value"], 1);
    assert_eq!(
        svc["NcdAutoSetup"]["last_event"]["value"],
        "2026-11-19T07:00:00Z failed to start: 1058 (Win32 1058 ERROR_SERVICE_DISABLED)"
    );
    assert_eq!(
        svc["netprofm"]["start_type_changes"]["value"],
        serde_json::json!([
            "2026-11-19T07:30:00Z start type changed from demand start to disabled"
        ])
    );
    assert_eq!(svc["EventLog"]["crashes"]["value"], 0);
    assert_eq!(
        svc["EventLog"]["crashes"]["evidence"][0]["seen"],
        "19 records, 2026-11-18T17:00:00Z to 2026-11-19T09:35:01Z: nothing logged about this service"
    );
}

#[test]
fn damaged_corpus_logs_are_one_problem_per_damaged_part_in_the_report() {
    let dir = scratch("evtx-damaged");
    for name in ["sample_with_a_bad_chunk_magic.evtx", "system.evtx"] {
        std::fs::copy(corpus().join("evtx").join(name), dir.join(name)).unwrap();
    }
    // The same System log cut short in its fourth chunk.
    let bytes = std::fs::read(corpus().join("evtx/system.evtx")).unwrap();
    std::fs::write(dir.join("cut.evtx"), &bytes[..4096 + 3 * 65536 + 1000]).unwrap();
    let oalerts = std::fs::read(corpus().join("evtx/OAlerts.evtx")).unwrap();
    std::fs::write(dir.join("oalerts-cut.evtx"), &oalerts[..4096 + 5 * 65536]).unwrap();
    let report = report_of(dir.to_str().unwrap(), 0);
    let problems: Vec<(String, String)> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["artifact"].as_str().unwrap().to_owned(),
                p["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let of = |name: &str| -> Vec<&str> {
        problems
            .iter()
            .filter(|(a, _)| a == name)
            .map(|(_, m)| m.as_str())
            .collect()
    };
    let magic = of("sample_with_a_bad_chunk_magic.evtx");
    assert_eq!(magic.len(), 5, "{magic:?}");
    assert!(magic[0].starts_with("chunk 6 could not be read: Failed to parse chunk number 6"));
    assert!(magic[1].starts_with("chunk 7: 1 record could not be read"));
    assert!(magic[2].starts_with("chunk 10 could not be read"));
    assert!(magic[3].starts_with("chunks 0, 7, 9: the stored checksum does not match"));
    assert_eq!(
        magic[4],
        "the header counts 16 chunks but only 4 hold records: the other 12 are blank or damaged"
    );
    // The System log was copied live: its header counts 3 chunks, 15 hold records.
    assert_eq!(
        of("system.evtx"),
        [
            "the header counts 3 chunks but 15 hold records: a log copied while Windows was \
          writing it (its header says it was not closed), whose header is behind; all 15 were read"
        ]
    );
    let cut = of("cut.evtx");
    assert_eq!(cut.len(), 1);
    assert!(cut[0].contains("cut short"), "{cut:?}");
    // Cut on a chunk's boundary, a log still reads whole: only its header tells.
    let boundary = of("oalerts-cut.evtx");
    assert_eq!(
        boundary,
        [
            "the header counts 16 chunks but the file holds 5: it was cut short, and the records \
          of the missing 11 chunks are lost"
        ]
    );

    // The intact System log still gives its facts: SCM 7040 events, no Schannel failure.
    let facts = facts_of(dir.to_str().unwrap());
    assert_eq!(facts["events"]["system_read"]["value"], true);
    assert_eq!(facts["schannel"]["failures"]["value"], 0);
    let artifacts = report["artifacts"].as_array().unwrap();
    let system = artifacts
        .iter()
        .find(|a| a["path"] == "system.evtx")
        .unwrap();
    assert_eq!(system["kind"], "event-log");
    assert!(
        system["note"]
            .as_str()
            .unwrap()
            .starts_with("System: 1881 records from 2017-"),
        "{}",
        system["note"]
    );
}

#[test]
fn a_log_that_is_not_one_is_a_problem_not_a_crash() {
    let dir = scratch("evtx-fake");
    let mut fake = b"ElfFile\0".to_vec();
    fake.extend(std::iter::repeat_n(0xAB, 5000));
    std::fs::write(dir.join("fake.evtx"), &fake).unwrap();
    let report = report_of(dir.to_str().unwrap(), 0);
    let problems = report["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("not read: not an event log")
    );
    assert_eq!(finding(&report, "symptom")["status"], "unknown");
}

#[test]
fn windows_update_events_of_a_real_system_log_become_facts() {
    let dir = scratch("evtx-wu");
    std::fs::copy(corpus().join("evtx/system.evtx"), dir.join("system.evtx")).unwrap();
    let facts = facts_of(dir.to_str().unwrap());
    let u = &facts["updates"];
    assert_eq!(u["installed_events"]["value"], 116);
    assert_eq!(u["install_failures"]["value"], 5);
    assert_eq!(
        u["failed_updates"]["value"][0],
        "2017-07 Cumulative Update for Windows 10 Version 1703 for x64-based Systems (KB4025342): 0x80248007 (Windows Update error) ×4"
    );
    assert_eq!(
        u["install_failures"]["evidence"][0]["locator"],
        "System record 561: Microsoft-Windows-WindowsUpdateClient 20"
    );
    let report = report_of(dir.to_str().unwrap(), 0);
    let wu = finding(&report, "windows-updates");
    assert_eq!(wu["status"], "warn");
    assert!(
        wu["messages"][0]
            .as_str()
            .unwrap()
            .starts_with("Windows Update failed to install 5 times")
    );
}

/// Whether a source of `sources` keeps a rendered record, read the slow way: the whole
/// JSON parsed, the texts looked for in all of it.
fn kept_by(sources: &[Source], json: &str) -> bool {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    let system = &v["Event"]["System"];
    let number = |v: &serde_json::Value| {
        let v = v.get("#text").unwrap_or(v);
        v.as_u64()
            .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
    };
    let (Some(provider), Some(id)) = (
        system["Provider"]["#attributes"]["Name"].as_str(),
        number(&system["EventID"]),
    ) else {
        return false;
    };
    let level = number(&system["Level"]);
    sources.iter().any(|s| {
        let named = if s.prefix {
            provider.len() >= s.provider.len()
                && provider.as_bytes()[..s.provider.len()]
                    .eq_ignore_ascii_case(s.provider.as_bytes())
        } else {
            provider.eq_ignore_ascii_case(s.provider)
        };
        named
            && (s.ids.is_empty() || s.ids.iter().any(|&i| u64::from(i) == id))
            && match (s.max_level, level) {
                (Some(max), Some(l)) => (1..=u64::from(max)).contains(&l),
                _ => true,
            }
            && (s.contains.is_empty() || s.contains.iter().any(|t| json.contains(t)))
    })
}

/// What is looked at before a record is rendered (its chunk, its template, its bytes)
/// passes over no record a source keeps: every corpus log, under the rules' selection and
/// under selections that ask for text of records that hold it and of ones that do not.
#[test]
fn looking_before_rendering_keeps_what_rendering_everything_keeps() {
    const fn office(contains: &'static [&'static str]) -> Source {
        Source {
            provider: "Microsoft Office",
            prefix: true,
            ids: &[],
            max_level: None,
            contains,
        }
    }
    // A string some dialogs hold; the hex `Keywords` every record has; and a text only a
    // service's name holds. (Chunks are found by the provider's name as written, in
    // UTF-16: a source naming it in another case matches its records but finds no chunk.)
    const STRING: &[Source] = &[office(&["OfficeC2RClient"])];
    const HEX: &[Source] = &[office(&["0x80000000000000", "0xcaa"])];
    const SERVICE: &[Source] = &[Source {
        provider: "Service Control Manager",
        prefix: false,
        ids: &[],
        max_level: None,
        contains: &["BITS"],
    }];
    for (sources, least) in [
        (caadoctor::facts::events::SELECTION, 160),
        (STRING, 1),
        (HEX, 3362),
        (SERVICE, 1),
    ] {
        let selection = Selection::new(sources);
        let mut total = 0;
        for path in files_in(&corpus().join("evtx")) {
            let bytes = std::fs::read(&path).unwrap();
            let mut parser = EvtxParser::from_buffer(bytes.clone()).unwrap();
            let expected: Vec<u64> = parser
                .records_json()
                .flatten()
                .filter(|r| kept_by(sources, &r.data))
                .map(|r| r.event_record_id)
                .collect();
            let log = eventlog::parse(&bytes, &selection).unwrap();
            let kept: Vec<u64> = log.events.iter().map(|e| e.record_id).collect();
            assert_eq!(kept, expected, "{}", path.display());
            total += kept.len();
        }
        assert!(total >= least, "{total} kept by {sources:?}");
    }
}

/// Events built from their templates and values are the ones read from the crate's JSON,
/// field by field, for every corpus log, under the rules' selection and the selections
/// above (everything, a provider's ids, a prefix, and ones that ask for text), and on a
/// log of system.evtx's chunks repeated past the kept-events limit.
#[test]
fn events_built_from_templates_are_the_ones_read_from_json() {
    const fn source(
        provider: &'static str,
        prefix: bool,
        ids: &'static [u32],
        contains: &'static [&'static str],
    ) -> Source {
        Source {
            provider,
            prefix,
            ids,
            max_level: None,
            contains,
        }
    }
    let selections: [&[Source]; 7] = [
        caadoctor::facts::events::SELECTION,
        EVERY_EVENT,
        &[source("Service Control Manager", false, &[7040, 7023], &[])],
        &[source("Microsoft Office", true, &[300], &[])],
        &[source("Microsoft Office", true, &[], &["OfficeC2RClient"])],
        &[source(
            "Microsoft Office",
            true,
            &[],
            &["0x80000000000000", "0xcaa"],
        )],
        &[source("Service Control Manager", false, &[], &["BITS"])],
    ];
    // The corpus, and the public logs of other machines beside the tests
    // (tests/fixtures/evtx-public/MANIFEST.md): another System log, Sysmon, Security with
    // SizeT values, Group Policy with irregular booleans, Exchange, language packs, Remote
    // Desktop.
    let public = repo().join("tests/fixtures/evtx-public");
    let mut logs: Vec<_> = files_in(&corpus().join("evtx"))
        .into_iter()
        .chain(files_in(&public))
        .filter(|path| path.extension().is_some_and(|e| e == "evtx"))
        .map(|path| (path.display().to_string(), std::fs::read(&path).unwrap()))
        .collect();
    assert!(
        logs.len() >= 17,
        "the corpus and the public logs: {}",
        logs.len()
    );
    if let Some((_, system)) = logs.iter().find(|(p, _)| p.ends_with("/system.evtx")) {
        let (header, chunks) = system.split_at(4096);
        let mut big = header.to_vec();
        while big.len() < 24 << 20 {
            big.extend_from_slice(chunks);
        }
        logs.push(("system.evtx repeated".into(), big));
    }
    for sources in selections {
        let selection = Selection::new(sources);
        for (name, bytes) in &logs {
            let built = eventlog::parse(bytes, &selection);
            let rendered = eventlog::parse_by_rendering(bytes, &selection);
            assert_eq!(built, rendered, "{name} under {sources:?}");
        }
    }
}
