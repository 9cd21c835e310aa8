//! Facts from the event logs: the symptom (which `0xCAA…` codes the user saw, when, from
//! which log), Schannel's TLS failures and how near they fell to the sign-in attempts, what
//! the Service Control Manager logged about the four services, NCSI's connectivity verdicts
//! and licensing errors. The channel of each log comes from its records.
//!
//! [`SELECTION`] is what the parser keeps; everything else in a log is only counted.

use super::model::{Evidence, Fact, fact_group};
use super::services::ServiceFacts;
use crate::codes;
use crate::parse::eventlog::{Event, EventLog, Selection, Source};
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// The events the rules read: by provider and id.
pub const SELECTION: &[Source] = &[
    // OAlerts: one event per dialog Office showed ("Microsoft Office 16 Alerts"); only
    // dialogs carrying a sign-in code matter.
    Source {
        provider: "Microsoft Office",
        prefix: true,
        ids: &[300],
        max_level: None,
        contains: &["0xCAA", "0xcaa", "0XCAA"],
    },
    // Token requests that failed (errors and warnings).
    Source {
        provider: "Microsoft-Windows-AAD",
        prefix: false,
        ids: &[],
        max_level: Some(3),
        contains: &[],
    },
    Source {
        provider: "Service Control Manager",
        prefix: false,
        ids: &[7000, 7001, 7009, 7011, 7023, 7024, 7031, 7034, 7036, 7040],
        max_level: None,
        contains: &[],
    },
    Source {
        provider: "Schannel",
        prefix: false,
        ids: SCHANNEL_IDS,
        max_level: None,
        contains: &[],
    },
    Source {
        provider: "Microsoft-Windows-NCSI",
        prefix: false,
        ids: &[4042],
        max_level: None,
        contains: &[],
    },
    // Windows Update: installed (19) and failed (20).
    Source {
        provider: "Microsoft-Windows-WindowsUpdateClient",
        prefix: false,
        ids: &[19, 20],
        max_level: None,
        contains: &[],
    },
    // Licensing: Windows' Software Protection and Office's own (Office 2010-2016 volume).
    Source {
        provider: "Microsoft-Windows-Security-SPP",
        prefix: false,
        ids: &[],
        max_level: Some(3),
        contains: &[],
    },
    Source {
        provider: "Office Software Protection Platform Service",
        prefix: false,
        ids: &[],
        max_level: Some(3),
        contains: &[],
    },
];

/// [`SELECTION`] with its search needles built, once per process (not once per snapshot:
/// bulk runs analyze thousands).
pub static SELECTED: LazyLock<Selection> = LazyLock::new(|| Selection::new(SELECTION));

const SCHANNEL_IDS: &[u32] = &[36871, 36874, 36887, 36888];
/// A TLS failure this close to a sign-in attempt (seconds either side) counts as near it.
pub const NEAR_SECONDS: i64 = 600;
/// Evidence items kept per fact; the note gives the full count.
const MAX_EVIDENCE: usize = 20;
/// Lines in the symptom's timeline.
const TIMELINE: usize = 8;

/// The four services the article names, with their English display names (the Service
/// Control Manager's messages name services by display name; `Binary` carries the key name
/// in every language).
const DISPLAY_NAMES: &[(&str, &str)] = &[
    ("NlaSvc", "Network Location Awareness"),
    ("netprofm", "Network List Service"),
    ("EventLog", "Windows Event Log"),
    ("NcdAutoSetup", "Network Connected Devices Auto-Setup"),
];

fact_group! {
    /// Which event logs the snapshot holds.
    pub struct EventsFacts {
        /// The logs read, by the channel their records name, with their time span.
        logs: Vec<String>,
        /// A System log was read (services and Schannel facts can be trusted to be complete for its span).
        system_read: bool,
        /// An OAlerts log (Office's dialogs) was read.
        oalerts_read: bool,
        /// A Microsoft-Windows-AAD/Operational log was read.
        aad_read: bool,
        /// Logs the collector found absent on the machine (channel not there: Windows 7/8 have no AAD log).
        absent: Vec<String>,
        /// NCSI's latest connectivity verdict (4042): internet, local, none, or the number.
        ncsi_capability: String,
        /// Licensing errors (Software Protection) with their codes.
        licensing_errors: Vec<String>,
    }
}

fact_group! {
    /// The failure the user saw, from Office's alerts and the AAD log.
    pub struct SymptomFacts {
        /// Distinct 0xCAA… codes seen, most frequent first.
        caa_codes: Vec<String>,
        /// Events carrying a 0xCAA… code.
        caa_count: i64,
        /// Sign-in attempts: those events, the ones within two minutes of each other counted once.
        attempts: i64,
        /// Time of the first such event (UTC).
        first_seen: String,
        /// Time of the last such event (UTC).
        last_seen: String,
        /// The logs they were seen in.
        sources: Vec<String>,
        /// The latest events, newest first, one line each: time, log, application, code.
        timeline: Vec<String>,
        /// The dialog text of the latest Office alert with a 0xCAA… code.
        dialog: String,
        /// Events whose code is a network failure (0xCAA3…/0xCAA7…/0xCAA8…, WinHTTP errors, timeouts).
        network_count: i64,
        /// AAD error and warning events.
        aad_errors: i64,
        /// Codes other than 0xCAA… in AAD errors (0x80070102 timeouts, TPM errors, AADSTS errors...).
        other_codes: Vec<String>,
        /// Correlation ids of the AAD errors, newest first: what Microsoft support asks for.
        correlation_ids: Vec<String>,
        /// The sign-in services the AAD errors name (https hosts), most frequent first.
        endpoints: Vec<String>,
    }
}

fact_group! {
    /// Schannel (TLS) failures in the System log.
    pub struct SchannelFacts {
        /// Schannel 36871/36874/36887/36888 events.
        failures: i64,
        /// Of them, within ten minutes of a sign-in attempt (an event with a 0xCAA… code).
        near_attempts: i64,
        /// Sign-in attempts that fall in the System log's time span (0: the log cannot say what happened at them).
        attempts_covered: i64,
        /// What they say, one line per kind: event, alert or error state, meaning, count.
        kinds: Vec<String>,
        /// A 36871 with internal error state 10013: a protocol this PC needs is disabled.
        protocol_disabled: bool,
        /// Time of the latest failure (UTC).
        last: String,
    }
}

/// Everything the event logs give.
pub struct Built {
    pub events: EventsFacts,
    pub symptom: SymptomFacts,
    pub schannel: SchannelFacts,
}

pub(crate) fn event_evidence(path: &str, e: &Event, seen: String) -> Evidence {
    Evidence {
        artifact: path.to_owned(),
        line: None,
        locator: format!(
            "{} record {}: {} {}",
            e.channel, e.record_id, e.provider, e.event_id
        ),
        seen: format!("{} {seen}", e.time_text),
    }
}

fn log_evidence(path: &str, log: &EventLog, what: &str) -> Evidence {
    Evidence {
        artifact: path.to_owned(),
        line: None,
        locator: format!("{} log", log.channel.as_deref().unwrap_or("event")),
        seen: format!("{}, {}: {what}", records(log.records), span(log)),
    }
}

fn records(n: usize) -> String {
    format!("{n} record{}", if n == 1 { "" } else { "s" })
}

fn span(log: &EventLog) -> String {
    match (&log.oldest, &log.newest) {
        (Some((_, a)), Some((_, b))) => format!("{a} to {b}"),
        _ => "no records".to_owned(),
    }
}

/// The hosts of the `https://` URLs in a text.
fn https_hosts(text: &str) -> Vec<String> {
    text.match_indices("https://")
        .filter_map(|(at, _)| {
            let rest = &text[at + 8..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-'))
                .unwrap_or(rest.len());
            let host = rest[..end].trim_end_matches('.').to_ascii_lowercase();
            host.contains('.').then_some(host)
        })
        .collect()
}

/// Distinct items with how often each came, in order of first appearance (the lists are
/// short: a handful of codes, kinds or hosts).
fn counted<T: PartialEq>(items: impl IntoIterator<Item = T>) -> Vec<(T, usize)> {
    let mut counts: Vec<(T, usize)> = Vec::new();
    for item in items {
        match counts.iter_mut().find(|(i, _)| *i == item) {
            Some((_, n)) => *n += 1,
            None => counts.push((item, 1)),
        }
    }
    counts
}

/// Distinct items, most frequent first (ties in order of first appearance).
fn by_frequency(items: Vec<String>) -> Vec<String> {
    let mut counts = counted(items);
    counts.sort_by_key(|c| std::cmp::Reverse(c.1));
    counts.into_iter().map(|(i, _)| i).collect()
}

/// Distinct lines with how often each came, in order of first appearance: `text ×3`.
fn tally(lines: impl Iterator<Item = String>) -> Vec<String> {
    counted(lines)
        .into_iter()
        .map(|(l, n)| format!("{l} ×{n}"))
        .collect()
}

fn capped(mut evidence: Vec<Evidence>) -> (Vec<Evidence>, Option<String>) {
    let total = evidence.len();
    if total > MAX_EVIDENCE {
        evidence.truncate(MAX_EVIDENCE);
        return (
            evidence,
            Some(format!(
                "{total} events; the first {MAX_EVIDENCE} are listed"
            )),
        );
    }
    (evidence, None)
}

fn fact<T>(value: T, evidence: Vec<Evidence>) -> Option<Fact<T>> {
    let (evidence, note) = capped(evidence);
    let f = Fact::new(value, evidence);
    Some(match note {
        Some(n) => f.with_note(n),
        None => f,
    })
}

fn channel_is(log: &EventLog, name: &str) -> bool {
    log.channel
        .as_deref()
        .is_some_and(|c| c.eq_ignore_ascii_case(name))
}

/// The codes an event carries: every `0x` + 8 hex digits in its values.
fn codes_of(e: &Event) -> Vec<u32> {
    let mut out = Vec::new();
    for (_, v) in &e.data {
        for c in codes::codes_in(v) {
            if !out.contains(&c) {
                out.push(c);
            }
        }
    }
    // The AAD log writes its timeout as a bare 0x102.
    if out.is_empty() && e.data.iter().any(|(_, v)| v.contains("0x102 ")) {
        out.push(0x102);
    }
    out
}

fn is_network(code: u32) -> bool {
    matches!(code >> 16, 0xCAA3 | 0xCAA7 | 0xCAA8)
        || code == 0x102
        || code == 0x8007_0102
        || codes::winhttp_number(i64::from(code)).is_some()
}

fn is_office_alert(e: &Event) -> bool {
    e.event_id == 300
        && e.provider
            .to_ascii_lowercase()
            .starts_with("microsoft office")
}

fn is_aad(e: &Event) -> bool {
    e.provider.eq_ignore_ascii_case("Microsoft-Windows-AAD")
}

/// The application and dialog text of an OAlerts event (strings 1 and 2).
fn alert_parts(e: &Event) -> (String, String) {
    let get = |i: usize| {
        e.data
            .get(i)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    (get(0), get(1))
}

pub fn build(logs: &[(String, EventLog)], absent: Vec<(String, Evidence)>) -> Built {
    let mut events = EventsFacts::default();
    if !logs.is_empty() {
        let lines: Vec<String> = logs
            .iter()
            .map(|(_, l)| {
                let channel = l.channel.as_deref().unwrap_or("unknown channel");
                match l.records {
                    0 => format!("{channel} (empty)"),
                    n => format!("{channel} ({}, {})", records(n), span(l)),
                }
            })
            .collect();
        let ev = logs
            .iter()
            .map(|(p, l)| log_evidence(p, l, "read"))
            .collect();
        events.logs = fact(lines, ev);
    }
    for (field, channel) in [
        (&mut events.system_read, "System"),
        (&mut events.oalerts_read, "OAlerts"),
        (&mut events.aad_read, "Microsoft-Windows-AAD/Operational"),
    ] {
        let found: Vec<Evidence> = logs
            .iter()
            .filter(|(_, l)| channel_is(l, channel))
            .map(|(p, l)| log_evidence(p, l, "read"))
            .collect();
        if !found.is_empty() {
            *field = fact(true, found);
        } else if let Some((_, e)) = absent.iter().find(|(c, _)| c.eq_ignore_ascii_case(channel)) {
            *field = fact(false, vec![e.clone()]);
        }
    }
    if !absent.is_empty() {
        events.absent = fact(
            absent.iter().map(|(c, _)| c.clone()).collect(),
            absent.iter().map(|(_, e)| e.clone()).collect(),
        );
    }
    ncsi(logs, &mut events);
    licensing(logs, &mut events);
    let (symptom, attempts) = symptom(logs);
    let schannel = schannel(logs, &attempts);
    Built {
        events,
        symptom,
        schannel,
    }
}

/// The events of Office's alerts and the AAD log that carry a 0xCAA… code, with their
/// codes, oldest first.
pub(crate) fn caa_hits(logs: &[(String, EventLog)]) -> Vec<(&str, &Event, Vec<u32>)> {
    let mut hits: Vec<(&str, &Event, Vec<u32>)> = all_events(logs)
        .filter(|(_, e)| is_office_alert(e) || is_aad(e))
        .filter_map(|(path, e)| {
            let caa: Vec<u32> = codes_of(e)
                .into_iter()
                .filter(|c| codes::is_caa(*c))
                .collect();
            (!caa.is_empty()).then_some((path, e, caa))
        })
        .collect();
    hits.sort_by_key(|(_, e, _)| e.time);
    hits
}

fn all_events(logs: &[(String, EventLog)]) -> impl Iterator<Item = (&str, &Event)> {
    logs.iter()
        .flat_map(|(p, l)| l.events.iter().map(move |e| (p.as_str(), e)))
}

/// The symptom, and the times of the sign-in attempts (events with a CAA code).
fn symptom(logs: &[(String, EventLog)]) -> (SymptomFacts, Vec<i64>) {
    let mut s = SymptomFacts::default();
    let mut aad_errors = Vec::new();
    let mut other: Vec<u32> = Vec::new();
    let mut entra: Vec<u32> = Vec::new();
    let mut correlations: Vec<(i64, String)> = Vec::new();
    let mut hosts: Vec<String> = Vec::new();
    for (path, e) in all_events(logs) {
        if is_aad(e) {
            let found = codes_of(e);
            aad_errors.push(event_evidence(path, e, summary_of(e, &found)));
            for c in found.iter().filter(|c| !codes::is_caa(**c)) {
                if !other.contains(c) {
                    other.push(*c);
                }
            }
            for (_, v) in &e.data {
                for n in codes::aadsts_in(v) {
                    if !entra.contains(&n) {
                        entra.push(n);
                    }
                }
                hosts.extend(https_hosts(v));
            }
            if let Some(id) = e.activity_id.as_ref().filter(|id| !id.is_empty()) {
                correlations.push((e.time, id.clone()));
            }
        }
    }
    let hits = caa_hits(logs);
    let read_any = logs.iter().any(|(_, l)| {
        channel_is(l, "OAlerts") || channel_is(l, "Microsoft-Windows-AAD/Operational")
    });
    let aad_read = logs
        .iter()
        .any(|(_, l)| channel_is(l, "Microsoft-Windows-AAD/Operational"));
    if aad_read {
        correlations.sort_by_key(|c| std::cmp::Reverse(c.0));
        let mut ids: Vec<String> = Vec::new();
        for (_, id) in correlations {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        s.correlation_ids = fact(ids, aad_errors.clone());
        s.endpoints = fact(by_frequency(hosts), aad_errors.clone());
        s.aad_errors = fact(aad_errors.len() as i64, aad_errors.clone());
        s.other_codes = fact(
            other
                .iter()
                .map(|c| codes::describe(i64::from(*c)))
                .chain(entra.iter().map(|n| {
                    let d = codes::decode_aadsts(*n);
                    format!("{} ({})", d.code, d.short)
                }))
                .collect(),
            aad_errors,
        );
    }
    let where_read: Vec<Evidence> = logs
        .iter()
        .filter(|(_, l)| {
            channel_is(l, "OAlerts") || channel_is(l, "Microsoft-Windows-AAD/Operational")
        })
        .map(|(p, l)| log_evidence(p, l, "no 0xCAA code in it"))
        .collect();
    if hits.is_empty() {
        if read_any {
            s.caa_count = fact(0, where_read.clone());
            s.caa_codes = fact(Vec::new(), where_read.clone());
            s.network_count = fact(0, where_read);
        }
        return (s, Vec::new());
    }
    let evidence: Vec<Evidence> = hits
        .iter()
        .map(|(p, e, c)| event_evidence(p, e, summary_of(e, c)))
        .collect();
    let mut counts = counted(hits.iter().flat_map(|(_, _, cs)| cs.iter().copied()));
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    s.caa_codes = fact(
        counts
            .iter()
            .map(|(c, n)| format!("{} ×{n}", codes::describe(i64::from(*c))))
            .collect(),
        evidence.clone(),
    );
    s.caa_count = fact(hits.len() as i64, evidence.clone());
    let (first, last) = (hits[0].1, hits[hits.len() - 1].1);
    s.first_seen = fact(first.time_text.clone(), vec![evidence[0].clone()]);
    s.last_seen = fact(
        last.time_text.clone(),
        vec![evidence[evidence.len() - 1].clone()],
    );
    let mut sources: Vec<String> = Vec::new();
    for (_, e, _) in &hits {
        if !sources.contains(&e.channel) {
            sources.push(e.channel.clone());
        }
    }
    s.sources = fact(sources, evidence.clone());
    // Newest first: a report shortening the list keeps the latest.
    let recent: Vec<_> = hits.iter().rev().take(TIMELINE).collect();
    s.timeline = fact(
        recent
            .iter()
            .map(|(_, e, c)| {
                let code = c.iter().map(|c| format!("0x{c:08X}")).collect::<Vec<_>>();
                let app = if is_office_alert(e) {
                    alert_parts(e).0
                } else {
                    "sign-in (AAD)".to_owned()
                };
                format!("{} {} {}: {}", e.time_text, e.channel, app, code.join(", "))
            })
            .collect(),
        recent
            .iter()
            .map(|(p, e, c)| event_evidence(p, e, summary_of(e, c)))
            .collect(),
    );
    if let Some((p, e, c)) = hits.iter().rev().find(|(_, e, _)| is_office_alert(e)) {
        s.dialog = fact(
            alert_parts(e).1,
            vec![event_evidence(p, e, summary_of(e, c))],
        );
    }
    let network: Vec<Evidence> = hits
        .iter()
        .filter(|(_, _, c)| c.iter().any(|c| is_network(*c)))
        .map(|(p, e, c)| event_evidence(p, e, summary_of(e, c)))
        .collect();
    s.network_count = fact(network.len() as i64, network);
    let attempts = super::attempts::starts(hits.iter().map(|(_, e, _)| e.time));
    s.attempts = fact(attempts.len() as i64, evidence.clone());
    (s, attempts)
}

/// What an event says, in a few words, for evidence.
pub(crate) fn summary_of(e: &Event, found: &[u32]) -> String {
    let codes: Vec<String> = found
        .iter()
        .map(|c| codes::describe(i64::from(*c)))
        .collect();
    if is_office_alert(e) {
        let (app, text) = alert_parts(e);
        let text: String = text.chars().take(90).collect();
        return format!("{app}: \"{text}\" {}", codes.join(", "));
    }
    if codes.is_empty() {
        let first: String = e
            .data
            .first()
            .map(|(_, v)| v.chars().take(90).collect())
            .unwrap_or_default();
        return first.replace('\n', " ");
    }
    codes.join(", ")
}

const TLS_ALERTS: &[(u32, &str)] = &[
    (10, "unexpected_message"),
    (20, "bad_record_mac"),
    (40, "handshake_failure"),
    (42, "bad_certificate"),
    (46, "certificate_unknown"),
    (47, "illegal_parameter"),
    (48, "unknown_ca"),
    (50, "decode_error"),
    (70, "protocol_version"),
    (71, "insufficient_security"),
    (80, "internal_error"),
    (86, "inappropriate_fallback"),
    (90, "user_canceled"),
    (112, "unrecognized_name"),
];

/// A number from a named value, else from the first value that is a number.
fn number_in(e: &Event, name: &str) -> Option<u32> {
    e.named(name)
        .and_then(|v| v.trim().parse().ok())
        .or_else(|| e.data.iter().find_map(|(_, v)| v.trim().parse().ok()))
}

fn schannel_kind(e: &Event) -> String {
    match e.event_id {
        36871 => {
            let state = e
                .named("ErrorState")
                .and_then(|v| v.trim().parse::<u32>().ok());
            match state {
                Some(10013) => "36871 TLS client credential failed, internal error state 10013 (the protocol is disabled on this PC)".to_owned(),
                Some(s) => format!("36871 TLS client credential failed, internal error state {s}"),
                None => "36871 TLS client credential failed".to_owned(),
            }
        }
        36874 => "36874 no cipher suite in common".to_owned(),
        id @ (36887 | 36888) => {
            let verb = if id == 36887 {
                "received from the server"
            } else {
                "sent by this PC"
            };
            match number_in(e, "AlertDesc") {
                Some(a) => {
                    let name = TLS_ALERTS
                        .iter()
                        .find(|(n, _)| *n == a)
                        .map_or("unknown alert", |(_, s)| s);
                    format!("{id} fatal TLS alert {a} {name} {verb}")
                }
                None => format!("{id} fatal TLS alert {verb}"),
            }
        }
        id => format!("{id}"),
    }
}

fn schannel(logs: &[(String, EventLog)], attempts: &[i64]) -> SchannelFacts {
    let mut s = SchannelFacts::default();
    let system: Vec<&(String, EventLog)> = logs
        .iter()
        .filter(|(_, l)| channel_is(l, "System"))
        .collect();
    let failures: Vec<(&str, &Event)> = all_events(logs)
        .filter(|(_, e)| {
            e.provider.eq_ignore_ascii_case("Schannel") && SCHANNEL_IDS.contains(&e.event_id)
        })
        .collect();
    if system.is_empty() && failures.is_empty() {
        return s;
    }
    if !attempts.is_empty() && !system.is_empty() {
        let covered = attempts
            .iter()
            .filter(|t| {
                system.iter().any(|(_, l)| match (&l.oldest, &l.newest) {
                    (Some((a, _)), Some((b, _))) => {
                        (*a - NEAR_SECONDS..=*b + NEAR_SECONDS).contains(*t)
                    }
                    _ => false,
                })
            })
            .count();
        s.attempts_covered = fact(
            covered as i64,
            system
                .iter()
                .map(|(p, l)| log_evidence(p, l, "its time span"))
                .collect(),
        )
        .map(|f| f.with_note(format!("{covered} of {} sign-in attempts", attempts.len())));
    }
    let none: Vec<Evidence> = system
        .iter()
        .map(|(p, l)| log_evidence(p, l, "no Schannel failure in it"))
        .collect();
    if failures.is_empty() {
        s.failures = fact(0, none.clone());
        s.kinds = fact(Vec::new(), none.clone());
        s.protocol_disabled = fact(false, none.clone());
        if !attempts.is_empty() {
            s.near_attempts = fact(0, none);
        }
        return s;
    }
    let evidence = |items: &[(&str, &Event)]| -> Vec<Evidence> {
        items
            .iter()
            .map(|(p, e)| event_evidence(p, e, schannel_kind(e)))
            .collect()
    };
    s.failures = fact(failures.len() as i64, evidence(&failures));
    s.kinds = fact(
        tally(failures.iter().map(|(_, e)| schannel_kind(e))),
        evidence(&failures),
    );
    let disabled: Vec<(&str, &Event)> = failures
        .iter()
        .filter(|(_, e)| {
            e.event_id == 36871 && e.named("ErrorState").map(str::trim) == Some("10013")
        })
        .copied()
        .collect();
    s.protocol_disabled = if disabled.is_empty() {
        fact(false, evidence(&failures))
    } else {
        fact(true, evidence(&disabled))
    };
    if !attempts.is_empty() {
        let near: Vec<(&str, &Event)> = failures
            .iter()
            .filter(|(_, e)| attempts.iter().any(|t| (e.time - t).abs() <= NEAR_SECONDS))
            .copied()
            .collect();
        let ev = if near.is_empty() {
            evidence(&failures)
        } else {
            evidence(&near)
        };
        s.near_attempts = fact(near.len() as i64, ev).map(|f| {
            f.with_note(format!(
                "within {} minutes of one of {} sign-in attempts",
                NEAR_SECONDS / 60,
                attempts.len()
            ))
        });
    }
    let last = failures.iter().max_by_key(|(_, e)| e.time).copied();
    if let Some((p, e)) = last {
        s.last = fact(
            e.time_text.clone(),
            vec![event_evidence(p, e, schannel_kind(e))],
        );
    }
    s
}

fn ncsi(logs: &[(String, EventLog)], events: &mut EventsFacts) {
    let latest = all_events(logs)
        .filter(|(_, e)| {
            e.provider.eq_ignore_ascii_case("Microsoft-Windows-NCSI") && e.event_id == 4042
        })
        .max_by_key(|(_, e)| (e.time, e.record_id));
    if let Some((p, e)) = latest {
        let word = match e.named("Capability").map(str::trim) {
            Some("0") => "none".to_owned(),
            Some("1") => "local".to_owned(),
            Some("2") => "internet".to_owned(),
            Some(other) => other.to_owned(),
            None => "unknown".to_owned(),
        };
        events.ncsi_capability = fact(
            word.clone(),
            vec![event_evidence(p, e, format!("capability {word}"))],
        )
        .map(|f| f.with_note("Capability 0 none, 1 local network only, 2 internet (as NCSI's 4042 events use them in public samples)"));
    }
}

fn licensing(logs: &[(String, EventLog)], events: &mut EventsFacts) {
    let errors: Vec<(&str, &Event)> = all_events(logs)
        .filter(|(_, e)| {
            e.provider
                .eq_ignore_ascii_case("Microsoft-Windows-Security-SPP")
                || e.provider
                    .eq_ignore_ascii_case("Office Software Protection Platform Service")
        })
        .collect();
    if errors.is_empty() {
        return;
    }
    let lines = errors
        .iter()
        .map(|(_, e)| {
            let found = codes_of(e);
            format!(
                "{} {} {}: {}",
                e.time_text,
                e.provider,
                e.event_id,
                summary_of(e, &found)
            )
        })
        .collect();
    let ev = errors
        .iter()
        .map(|(p, e)| event_evidence(p, e, summary_of(e, &codes_of(e))))
        .collect();
    events.licensing_errors = fact(lines, ev);
}

/// The service an SCM event is about: its key name from `Binary` (UTF-16, `name` or
/// `name/state`), else `param4` (7040), else the display name in `param1`.
fn service_of(e: &Event) -> Option<(String, Option<u32>)> {
    if let Some(hex) = e.named("Binary")
        && let Some(text) = utf16_hex(hex)
    {
        let text = text.trim_end_matches('\0');
        let (name, state) = match text.split_once('/') {
            Some((n, s)) => (n, s.parse().ok()),
            None => (text, None),
        };
        if !name.is_empty() {
            return Some((name.to_owned(), state));
        }
    }
    if e.event_id == 7040
        && let Some(name) = e.named("param4")
    {
        return Some((name.trim().to_owned(), None));
    }
    let display = e.named("param1")?.trim();
    DISPLAY_NAMES
        .iter()
        .find(|(k, d)| d.eq_ignore_ascii_case(display) || k.eq_ignore_ascii_case(display))
        .map(|(k, _)| ((*k).to_owned(), None))
}

fn utf16_hex(hex: &str) -> Option<String> {
    let hex = hex.trim();
    if !hex.len().is_multiple_of(4) || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let units: Vec<u16> = hex
        .as_bytes()
        .chunks(4)
        .filter_map(|c| {
            let s = std::str::from_utf8(c).ok()?;
            let lo = u8::from_str_radix(&s[..2], 16).ok()?;
            let hi = u8::from_str_radix(&s[2..], 16).ok()?;
            Some(u16::from_le_bytes([lo, hi]))
        })
        .collect();
    String::from_utf16(&units).ok()
}

/// What an SCM event says about its service.
fn scm_summary(e: &Event, state: Option<u32>) -> String {
    let p = |n: &str| e.named(n).unwrap_or_default().trim().to_owned();
    match e.event_id {
        7031 | 7034 => format!("terminated unexpectedly ({} time(s))", p("param2")),
        7036 => {
            let word = match state {
                Some(4) => "running".to_owned(),
                Some(1) => "stopped".to_owned(),
                _ => p("param2"),
            };
            format!("entered the {word} state")
        }
        7040 => format!("start type changed from {} to {}", p("param2"), p("param3")),
        7000 | 7001 | 7009 | 7011 | 7023 | 7024 => {
            let error = p("param2");
            let error = match codes::parse_code(&error) {
                Some(c) if error.starts_with("%%") => codes::describe(i64::from(c)),
                _ => error,
            };
            let what = match e.event_id {
                7000 => "failed to start",
                7001 => "depends on a service that failed to start",
                7009 => "did not answer in time when started",
                7011 => "did not answer a control in time",
                7023 => "terminated with an error",
                _ => "terminated with a service-specific error",
            };
            format!("{what}: {error}")
        }
        id => format!("event {id}"),
    }
}

/// Adds what Windows Update logged (System log, WindowsUpdateClient 19 and 20).
pub fn apply_updates(updates: &mut super::updates::UpdatesFacts, logs: &[(String, EventLog)]) {
    let system: Vec<&(String, EventLog)> = logs
        .iter()
        .filter(|(_, l)| channel_is(l, "System"))
        .collect();
    if system.is_empty() {
        return;
    }
    let of = |id: u32| -> Vec<(&str, &Event)> {
        all_events(logs)
            .filter(|(_, e)| {
                e.provider
                    .eq_ignore_ascii_case("Microsoft-Windows-WindowsUpdateClient")
                    && e.event_id == id
            })
            .collect()
    };
    let none: Vec<Evidence> = system
        .iter()
        .map(|(p, l)| log_evidence(p, l, "no such Windows Update event"))
        .collect();
    let title = |e: &Event| {
        e.named("updateTitle")
            .unwrap_or("an update")
            .trim()
            .to_owned()
    };
    let installed = of(19);
    updates.installed_events = fact(
        installed.len() as i64,
        if installed.is_empty() {
            none.clone()
        } else {
            installed
                .iter()
                .map(|(p, e)| event_evidence(p, e, format!("installed {}", title(e))))
                .collect()
        },
    );
    let failed = of(20);
    let failure = |e: &Event| {
        let code = e
            .named("errorCode")
            .and_then(codes::parse_code)
            .map(|c| codes::describe(i64::from(c)))
            .unwrap_or_else(|| "no error code".to_owned());
        format!("{}: {code}", title(e))
    };
    let evidence: Vec<Evidence> = if failed.is_empty() {
        none
    } else {
        failed
            .iter()
            .map(|(p, e)| event_evidence(p, e, format!("failed {}", failure(e))))
            .collect()
    };
    updates.install_failures = fact(failed.len() as i64, evidence.clone());
    updates.failed_updates = fact(tally(failed.iter().map(|(_, e)| failure(e))), evidence);
}

/// An SCM event: artifact, event, and the state its `Binary` names (7036).
type ScmEvent<'a> = (&'a str, &'a Event, Option<u32>);

/// Adds what the Service Control Manager logged to the services' facts. With a System log
/// read, the wanted services get counts of zero when nothing was logged about them.
pub fn apply_services(
    services: &mut BTreeMap<String, ServiceFacts>,
    wanted: &[String],
    logs: &[(String, EventLog)],
) {
    let system: Vec<&(String, EventLog)> = logs
        .iter()
        .filter(|(_, l)| channel_is(l, "System"))
        .collect();
    let mut by_service: BTreeMap<String, Vec<ScmEvent<'_>>> = BTreeMap::new();
    for (p, e) in all_events(logs) {
        if !e.provider.eq_ignore_ascii_case("Service Control Manager") {
            continue;
        }
        if let Some((name, state)) = service_of(e) {
            by_service
                .entry(name.to_lowercase())
                .or_default()
                .push((p, e, state));
        }
    }
    let mut names: Vec<String> = wanted.to_vec();
    for name in services.keys() {
        if by_service.contains_key(&name.to_lowercase())
            && !names.iter().any(|n| n.eq_ignore_ascii_case(name))
        {
            names.push(name.clone());
        }
    }
    for name in names {
        let mine = by_service
            .get(&name.to_lowercase())
            .map(Vec::as_slice)
            .unwrap_or_default();
        if system.is_empty() && mine.is_empty() {
            continue;
        }
        let key = services
            .keys()
            .find(|k| k.eq_ignore_ascii_case(&name))
            .cloned()
            .unwrap_or(name);
        let facts = services.entry(key).or_default();
        let none: Vec<Evidence> = system
            .iter()
            .map(|(p, l)| log_evidence(p, l, "nothing logged about this service"))
            .collect();
        let pick = |ids: &[u32]| -> Vec<Evidence> {
            mine.iter()
                .filter(|(_, e, _)| ids.contains(&e.event_id))
                .map(|(p, e, s)| event_evidence(p, e, scm_summary(e, *s)))
                .collect()
        };
        let count = |ids: &[u32], evidence: Vec<Evidence>| {
            let n = mine
                .iter()
                .filter(|(_, e, _)| ids.contains(&e.event_id))
                .count() as i64;
            fact(n, if n == 0 { none.clone() } else { evidence })
        };
        facts.crashes = count(&[7031, 7034], pick(&[7031, 7034]));
        let failed = [7000, 7001, 7009, 7011, 7023, 7024];
        facts.failed_starts = count(&failed, pick(&failed));
        let changes = pick(&[7040]);
        facts.start_type_changes = fact(
            changes.iter().map(|e| e.seen.clone()).collect(),
            if changes.is_empty() {
                none.clone()
            } else {
                changes
            },
        );
        if let Some((p, e, s)) = mine.iter().max_by_key(|(_, e, _)| (e.time, e.record_id)) {
            facts.last_event = fact(
                format!("{} {}", e.time_text, scm_summary(e, *s)),
                vec![event_evidence(p, e, scm_summary(e, *s))],
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(provider: &str, id: u32, data: &[(Option<&str>, &str)]) -> Event {
        Event {
            record_id: 1,
            time: 1_000,
            time_text: "2026-11-20T09:00:00Z".into(),
            provider: provider.into(),
            event_id: id,
            level: Some(2),
            channel: "System".into(),
            activity_id: None,
            data: data
                .iter()
                .map(|(n, v)| (n.map(str::to_owned), (*v).to_owned()))
                .collect(),
        }
    }

    #[test]
    fn scm_events_name_their_service_in_any_language() {
        // Windows' own 7036 from the corpus: "NlaSvc/4" in UTF-16 hex.
        let e = event(
            "Service Control Manager",
            7036,
            &[
                (Some("param1"), "Connaissance des emplacements réseau"),
                (Some("param2"), "en cours d'exécution"),
                (Some("Binary"), "4E006C0061005300760063002F0034000000"),
            ],
        );
        assert_eq!(service_of(&e), Some(("NlaSvc".into(), Some(4))));
        assert_eq!(scm_summary(&e, Some(4)), "entered the running state");
        let e = event(
            "Service Control Manager",
            7040,
            &[
                (Some("param1"), "Background Intelligent Transfer Service"),
                (Some("param2"), "demand start"),
                (Some("param3"), "auto start"),
                (Some("param4"), "BITS"),
            ],
        );
        assert_eq!(service_of(&e), Some(("BITS".into(), None)));
        let e = event(
            "Service Control Manager",
            7023,
            &[
                (Some("param1"), "Network List Service"),
                (Some("param2"), "%%2147942414"),
            ],
        );
        assert_eq!(service_of(&e), Some(("netprofm".into(), None)));
        assert!(
            scm_summary(&e, None).contains("0x8007000E"),
            "{}",
            scm_summary(&e, None)
        );
    }

    #[test]
    fn schannel_events_say_what_failed() {
        let e = event("Schannel", 36887, &[(Some("AlertDesc"), "70")]);
        assert_eq!(
            schannel_kind(&e),
            "36887 fatal TLS alert 70 protocol_version received from the server"
        );
        let e = event(
            "Schannel",
            36871,
            &[(Some("Type"), "client"), (Some("ErrorState"), "10013")],
        );
        assert!(schannel_kind(&e).contains("disabled"));
        // Unnamed data (older Windows): the first number is the alert.
        let e = event("Schannel", 36888, &[(None, "40"), (None, "1205")]);
        assert!(schannel_kind(&e).contains("40 handshake_failure sent by this PC"));
    }

    #[test]
    fn codes_come_from_any_value_and_a_bare_0x102_counts() {
        let e = event(
            "Microsoft-Windows-AAD",
            1098,
            &[(
                Some("Error"),
                "Error: 0xCAA70004 The server or proxy was not found.",
            )],
        );
        assert_eq!(codes_of(&e), vec![0xCAA7_0004]);
        let e = event(
            "Microsoft-Windows-AAD",
            1098,
            &[(None, "Error: 0x102 The wait operation timed out.")],
        );
        assert_eq!(codes_of(&e), vec![0x102]);
        assert!(is_network(0x102) && is_network(0xCAA8_2EFD) && !is_network(0xCAA2_0003));
    }
}
