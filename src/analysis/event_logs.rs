//! Event log artifacts: the reader's account of a log (its channel, records, span, the
//! events the rules select) into the inputs, and each damaged part as a problem of its own.

use super::{Outcome, not_read};
use crate::facts::Inputs;
use crate::parse::eventlog;

/// Reads an event log; each damaged chunk is a problem of its own.
pub(super) fn take(path: &str, bytes: &[u8], inputs: &mut Inputs) -> Outcome {
    let mut log = match eventlog::parse(bytes, &crate::facts::events::SELECTED) {
        Ok(log) => log,
        Err(e) => return not_read(e),
    };
    // An empty export names no channel in its records: the collector's step does.
    let channel_from_step = log.records == 0
        && log.channel.is_none()
        && inputs
            .step_for(path)
            .and_then(|s| s.event_log.clone())
            .map(|c| log.channel = Some(c))
            .is_some();
    let mut parts: Vec<String> = log
        .damage
        .iter()
        .map(|d| match d.chunk {
            Some(n) if d.records > 0 => format!("chunk {n}: {}", d.message),
            Some(n) => format!("chunk {n} could not be read: {}", d.message),
            None => d.message.clone(),
        })
        .collect();
    if !log.checksum_mismatches.is_empty() {
        let list: Vec<String> = log.checksum_mismatches.iter().map(u64::to_string).collect();
        parts.push(format!(
            "chunk{} {}: the stored checksum does not match (a log Windows did not close cleanly, or damage); the records were read anyway",
            if list.len() == 1 { "" } else { "s" },
            list.join(", ")
        ));
    }
    if let Some(count) = &log.chunk_count {
        parts.push(count.clone());
    }
    if log.dropped > 0 {
        parts.push(format!(
            "{} selected events past the first {} were counted but not kept",
            log.dropped,
            eventlog::MAX_EVENTS
        ));
    }
    let note = Some(format!(
        "{}{}: {} record{}{}, {} kept for the rules",
        log.channel.as_deref().unwrap_or("event log"),
        if channel_from_step {
            " (channel from the collector's manifest)"
        } else {
            ""
        },
        log.records,
        if log.records == 1 { "" } else { "s" },
        match (&log.oldest, &log.newest) {
            (Some((_, a)), Some((_, b))) => format!(" from {a} to {b}"),
            _ => String::new(),
        },
        log.events.len()
    ));
    let used = log.records > 0 || channel_from_step;
    inputs.event_logs.push((path.to_owned(), log));
    Outcome {
        used,
        problem: None,
        note,
        parts,
    }
}
