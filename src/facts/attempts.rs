//! Sign-in attempts: the events of Office's alerts (OAlerts) and the AAD log that carry a
//! `0xCAA…` code, grouped so that one attempt counts once — Office's dialog and the AAD
//! log's error for the same sign-in come seconds apart. An event more than two minutes
//! after the first event of the current attempt starts a new one.
//!
//! `symptom.attempts` counts them; the reports chart them per day, coloured by code.

use super::events;
use super::model::Evidence;
use crate::parse::eventlog::EventLog;

/// Events this close (seconds) to the first event of an attempt belong to it.
pub const SAME_ATTEMPT_SECONDS: i64 = 120;

/// One sign-in attempt and the events that reported it.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    /// Seconds since 1970 (UTC) of its first event, and the same as `2026-11-20T09:14:03Z`.
    pub time: i64,
    pub time_text: String,
    /// The distinct 0xCAA… codes of its events, in the order they came.
    pub codes: Vec<u32>,
    /// One per event.
    pub evidence: Vec<Evidence>,
}

/// Groups `(time, item)` pairs, sorted by time, into attempts: `(start, items)`.
fn group<T>(items: impl IntoIterator<Item = (i64, T)>) -> Vec<(i64, Vec<T>)> {
    let mut out: Vec<(i64, Vec<T>)> = Vec::new();
    for (time, item) in items {
        match out.last_mut() {
            Some((start, members)) if time - *start <= SAME_ATTEMPT_SECONDS => members.push(item),
            _ => out.push((time, vec![item])),
        }
    }
    out
}

/// The start times of the attempts among event times (any order).
pub fn starts(times: impl Iterator<Item = i64>) -> Vec<i64> {
    let mut times: Vec<i64> = times.collect();
    times.sort_unstable();
    group(times.into_iter().map(|t| (t, ())))
        .into_iter()
        .map(|(start, _)| start)
        .collect()
}

/// Every sign-in attempt the logs show, oldest first, with its codes and evidence.
pub fn of_logs(logs: &[(String, EventLog)]) -> Vec<Attempt> {
    let hits = events::caa_hits(logs);
    group(
        hits.into_iter()
            .map(|(path, e, codes)| (e.time, (path, e, codes))),
    )
    .into_iter()
    .filter_map(|(time, members)| {
        let time_text = members.first()?.1.time_text.clone();
        let mut codes: Vec<u32> = Vec::new();
        let mut evidence = Vec::with_capacity(members.len());
        for (path, e, found) in members {
            for c in &found {
                if !codes.contains(c) {
                    codes.push(*c);
                }
            }
            evidence.push(events::event_evidence(
                path,
                e,
                events::summary_of(e, &found),
            ));
        }
        Some(Attempt {
            time,
            time_text,
            codes,
            evidence,
        })
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_within_two_minutes_of_the_first_are_one_attempt() {
        // 0 and 100 together; 200 is more than 120 s after 0 though only 100 after 100.
        assert_eq!(starts([200, 0, 100, 1000].into_iter()), vec![0, 200, 1000]);
        assert!(starts(std::iter::empty()).is_empty());
    }
}
