//! The sign-in timeline of a report: the attempts of [`crate::facts::attempts`] per UTC
//! day, each counted under the combination of codes its events carried (Office's dialog
//! says 0xCAA70007 where the AAD log of the same attempt says 0xCAA82EE2), every code
//! decoded, and the latest attempts with their evidence.

use crate::codes;
use crate::date::Date;
use crate::facts::Evidence;
use crate::facts::attempts::Attempt;
use crate::parse::eventlog::EventLog;
use serde::Serialize;

/// Days charted one by one, empty days included, up to this span; past it only the days
/// with attempts (a log that spans years must not make a chart of thousands).
const MAX_SPAN_DAYS: i64 = 92;
/// Attempts listed with their evidence, newest first.
const MAX_LATEST: usize = 50;

/// Sign-in attempts over time.
#[derive(Debug, Clone, Serialize)]
pub struct Timeline {
    /// The logs they were read from: channel, records and time span.
    pub logs: Vec<String>,
    /// Attempts in all (events within two minutes counted once).
    pub attempts: usize,
    /// Each combination of codes an attempt carried, most attempts first.
    pub kinds: Vec<AttemptKind>,
    /// The days the chart spans (UTC): those the logs cover, else from the first attempt
    /// to the last.
    pub from: String,
    pub to: String,
    /// The days with attempts, oldest first.
    pub days: Vec<Day>,
    /// The latest attempts, newest first, with the events that reported them.
    pub latest: Vec<AttemptView>,
}

/// A combination of codes, decoded.
#[derive(Debug, Clone, Serialize)]
pub struct AttemptKind {
    pub codes: Vec<CodeView>,
    pub attempts: usize,
}

impl AttemptKind {
    /// `0xCAA70007 + 0xCAA82EE2`.
    pub fn label(&self) -> String {
        let codes: Vec<&str> = self.codes.iter().map(|c| c.code.as_str()).collect();
        codes.join(" + ")
    }
}

/// A code as reports show it: `0xCAA82EE2`, `12002 TIMEOUT`, and what it means.
#[derive(Debug, Clone, Serialize)]
pub struct CodeView {
    pub code: String,
    pub short: String,
    pub meaning: String,
}

impl CodeView {
    pub fn of(code: u32) -> CodeView {
        let d = codes::decode(code);
        CodeView {
            code: d.code,
            short: d.short,
            meaning: d.meaning,
        }
    }
}

/// One UTC day.
#[derive(Debug, Clone, Serialize)]
pub struct Day {
    /// `2026-11-20`.
    pub date: String,
    pub attempts: usize,
    /// Attempts of each kind, in the order of `kinds`.
    pub by_kind: Vec<usize>,
}

/// One attempt.
#[derive(Debug, Clone, Serialize)]
pub struct AttemptView {
    /// Its first event's time (UTC).
    pub time: String,
    pub codes: Vec<String>,
    pub sources: Vec<Evidence>,
}

/// The logs that can show sign-in attempts.
fn sign_in_log(log: &EventLog) -> bool {
    log.channel.as_deref().is_some_and(|c| {
        c.eq_ignore_ascii_case("OAlerts")
            || c.eq_ignore_ascii_case("Microsoft-Windows-AAD/Operational")
    })
}

/// The timeline of a snapshot's logs; `None` when it holds neither Office's alerts nor
/// the AAD log (no attempts would say nothing).
pub fn build(logs: &[(String, EventLog)], attempts: &[Attempt]) -> Option<Timeline> {
    let read: Vec<String> = logs
        .iter()
        .filter(|(_, l)| sign_in_log(l))
        .map(|(path, l)| {
            let channel = l.channel.as_deref().unwrap_or_default();
            match (&l.oldest, &l.newest) {
                (Some((_, a)), Some((_, b))) => {
                    format!("{channel} ({path}: {} records, {a} to {b})", l.records)
                }
                _ => format!("{channel} ({path}: no records)"),
            }
        })
        .collect();
    if read.is_empty() {
        return None;
    }
    let mut kinds: Vec<(Vec<u32>, usize)> = Vec::new();
    let mut kind_of = Vec::with_capacity(attempts.len());
    for a in attempts {
        let mut key = a.codes.clone();
        key.sort_unstable();
        let at = match kinds.iter().position(|(k, _)| *k == key) {
            Some(i) => i,
            None => {
                kinds.push((key, 0));
                kinds.len() - 1
            }
        };
        kinds[at].1 += 1;
        kind_of.push(at);
    }
    // Most attempts first; the renumbering keeps each attempt's kind.
    let mut order: Vec<usize> = (0..kinds.len()).collect();
    order.sort_by_key(|i| std::cmp::Reverse(kinds[*i].1));
    let rank: Vec<usize> = {
        let mut r = vec![0; kinds.len()];
        for (new, old) in order.iter().enumerate() {
            r[*old] = new;
        }
        r
    };
    // The days the logs cover, so the chart also shows the days without an attempt.
    let covered = logs
        .iter()
        .filter(|(_, l)| sign_in_log(l))
        .filter_map(|(_, l)| Some((l.oldest.as_ref()?.0, l.newest.as_ref()?.0)))
        .fold(None, |span: Option<(i64, i64)>, (a, b)| {
            Some(span.map_or((a, b), |(x, y)| (x.min(a), y.max(b))))
        })
        .map(|(a, b)| (day_of(a), day_of(b)));
    let (from, to, days) = days(attempts, covered, &kind_of, &rank, kinds.len());
    let latest = attempts
        .iter()
        .rev()
        .take(MAX_LATEST)
        .map(|a| AttemptView {
            time: a.time_text.clone(),
            codes: a
                .codes
                .iter()
                .map(|c| codes::describe(i64::from(*c)))
                .collect(),
            sources: a.evidence.clone(),
        })
        .collect();
    Some(Timeline {
        logs: read,
        attempts: attempts.len(),
        from: date_text(from),
        to: date_text(to),
        kinds: order
            .iter()
            .map(|i| AttemptKind {
                codes: kinds[*i].0.iter().map(|c| CodeView::of(*c)).collect(),
                attempts: kinds[*i].1,
            })
            .collect(),
        days,
        latest,
    })
}

/// The UTC day of an event time (seconds since 1970).
fn day_of(time: i64) -> i64 {
    time.div_euclid(86_400)
}

/// The days with attempts, and the span of the chart.
fn days(
    attempts: &[Attempt],
    covered: Option<(i64, i64)>,
    kind_of: &[usize],
    rank: &[usize],
    kinds: usize,
) -> (i64, i64, Vec<Day>) {
    let mut out: Vec<(i64, Day)> = Vec::new();
    for (a, kind) in attempts.iter().zip(kind_of) {
        let n = day_of(a.time);
        if out.last().is_none_or(|(last, _)| *last != n) {
            out.push((n, day(n, kinds)));
        }
        if let Some((_, d)) = out.last_mut() {
            d.attempts += 1;
            d.by_kind[rank[*kind]] += 1;
        }
    }
    let first = out.first().map_or(0, |(n, _)| *n);
    let last = out.last().map_or(0, |(n, _)| *n);
    let (from, to) = match covered {
        Some((a, b)) if out.is_empty() => (a, b),
        Some((a, b)) => (a.min(first), b.max(last)),
        None => (first, last),
    };
    (from, to, out.into_iter().map(|(_, d)| d).collect())
}

fn date_text(n: i64) -> String {
    Date::from_days(n).map_or_else(|| format!("day {n}"), |d| d.to_string())
}

fn day(n: i64, kinds: usize) -> Day {
    Day {
        date: date_text(n),
        attempts: 0,
        by_kind: vec![0; kinds],
    }
}

impl Timeline {
    /// The kinds of a day's attempts with their counts: (`0xCAA70007 + 0xCAA82EE2`, 2).
    pub fn codes_of(&self, day: &Day) -> Vec<(String, usize)> {
        day.by_kind
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .filter_map(|(k, n)| self.kinds.get(k).map(|k| (k.label(), *n)))
            .collect()
    }

    /// The days to chart: every day from `from` to `to` (empty ones too) when that is at
    /// most [`MAX_SPAN_DAYS`], else only the days with attempts.
    pub fn chart_days(&self) -> Vec<Day> {
        let parse = |t: &str| crate::date::parse(t).map(Date::days);
        let (Some(from), Some(to)) = (parse(&self.from), parse(&self.to)) else {
            return self.days.clone();
        };
        if to < from || to - from > MAX_SPAN_DAYS {
            return self.days.clone();
        }
        let mut listed = self.days.iter().peekable();
        (from..=to)
            .map(|n| {
                let date = date_text(n);
                match listed.next_if(|d| d.date == date) {
                    Some(d) => d.clone(),
                    None => day(n, self.kinds.len()),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(time: i64, codes: &[u32]) -> Attempt {
        Attempt {
            time,
            time_text: format!("t{time}"),
            codes: codes.to_vec(),
            evidence: Vec::new(),
        }
    }

    #[test]
    fn days_between_attempts_are_listed_and_kinds_counted() {
        let day = 86_400;
        let base = Date::new(2026, 11, 16).unwrap().days() * day;
        let attempts = [
            attempt(base + 100, &[0xCAA7_0007]),
            attempt(base + 2 * day, &[0xCAA8_2EE2, 0xCAA7_0007]),
            attempt(base + 2 * day + 500, &[0xCAA7_0007, 0xCAA8_2EE2]),
        ];
        let log = EventLog {
            channel: Some("OAlerts".to_owned()),
            ..EventLog::default()
        };
        let t = build(&[("OAlerts.evtx".to_owned(), log)], &attempts).unwrap();
        assert_eq!(t.attempts, 3);
        let dates: Vec<&str> = t.days.iter().map(|d| d.date.as_str()).collect();
        assert_eq!(dates, ["2026-11-16", "2026-11-18"]);
        assert_eq!(
            (t.from.as_str(), t.to.as_str()),
            ("2026-11-16", "2026-11-18")
        );
        let chart = t.chart_days();
        let dates: Vec<&str> = chart.iter().map(|d| d.date.as_str()).collect();
        assert_eq!(dates, ["2026-11-16", "2026-11-17", "2026-11-18"]);
        assert_eq!(t.kinds[0].label(), "0xCAA70007 + 0xCAA82EE2");
        assert_eq!(t.kinds[0].attempts, 2);
        assert_eq!(chart[2].by_kind, vec![2, 0]);
        assert_eq!(chart[1].by_kind, vec![0, 0]);
        assert_eq!(chart[0].by_kind, vec![0, 1]);
        assert_eq!(t.latest[0].time, format!("t{}", base + 2 * day + 500));
    }

    #[test]
    fn no_sign_in_log_is_no_timeline() {
        let log = EventLog {
            channel: Some("System".to_owned()),
            ..EventLog::default()
        };
        assert!(build(&[("System.evtx".to_owned(), log)], &[]).is_none());
    }
}
