//! What is breaking activation across the fleet: per rule how many archives fail, warn,
//! pass..., the sign-in codes, the archives per week of collection, per OS build and per
//! Office channel and version (and which rules fail there), the failing rules that occur
//! together, and why archives could not be analyzed. Built from the records as they stream
//! by, so it holds counts, never records; the same records in any order, in one run or in
//! many shards, give the same summary.

use super::record::Record;
use serde::Serialize;
use std::collections::BTreeMap;

/// Per rule, the archives in each status.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RuleCounts {
    pub rule: String,
    #[serde(flatten)]
    pub counts: crate::report::Summary,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CodeCount {
    pub code: String,
    /// Archives in which the code was seen.
    pub archives: usize,
}

/// The analyzed archives that share one value (an OS build, a week...).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Group {
    /// `26100.7171`, `Current`, the Monday of a week, or `unknown`.
    pub name: String,
    pub archives: usize,
    /// Of them, archives with at least one failing rule.
    pub failing: usize,
    /// Per rule, the archives of the group where it fails (rules that never fail are left
    /// out).
    pub fails: BTreeMap<String, usize>,
}

/// Two rules failing in the same archive.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Pair {
    pub rules: [String; 2],
    pub archives: usize,
}

/// Sign-in attempts with a 0xCAA code on one UTC day, over all archives.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Day {
    pub day: String,
    pub attempts: usize,
    /// Archives with at least one attempt that day.
    pub archives: usize,
}

/// How the run that analyzed the archives went: only for the summary of a `bulk` run,
/// since a summary rebuilt from records did not time their analysis.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RunStats {
    pub seconds: f64,
    pub archives_per_second: f64,
    pub megabytes_per_second: f64,
    pub jobs: usize,
    /// Archives this run read (with `--skip-known`, the new ones; the rest of the summary
    /// also counts the known), and of them those it could not analyze.
    pub archives_now: usize,
    pub errors_now: usize,
}

/// The fleet summary (`caadoctor.bulk-summary/2`).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Summary {
    pub schema: &'static str,
    pub archives: usize,
    pub analyzed: usize,
    pub errors: usize,
    pub bytes: u64,
    pub rules: Vec<RuleCounts>,
    /// Most archives first.
    pub caa_codes: Vec<CodeCount>,
    /// In day order.
    pub sign_in_days: Vec<Day>,
    /// Analyzed archives per week of collection, named by its Monday (`2026-11-16`), in
    /// order; archives without a collection date are `unknown`, last.
    pub weeks: Vec<Group>,
    /// Most archives first.
    pub os_builds: Vec<Group>,
    pub office_channels: Vec<Group>,
    pub office_versions: Vec<Group>,
    /// Pairs of rules failing in the same archive, most archives first.
    pub failing_together: Vec<Pair>,
    /// Why archives could not be analyzed, with how many each.
    pub error_reasons: Vec<CodeCount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run: Option<RunStats>,
}

#[derive(Debug, Default, Clone)]
struct GroupTally {
    archives: usize,
    failing: usize,
    fails: BTreeMap<String, usize>,
}

impl GroupTally {
    fn add(&mut self, failing: &[String]) {
        self.archives += 1;
        if !failing.is_empty() {
            self.failing += 1;
        }
        for rule in failing {
            *slot(&mut self.fails, rule) += 1;
        }
    }
}

/// The value of `key`, inserted as the default when missing: the key is copied only then
/// (a million records name the same few builds and rules).
fn slot<'a, V: Default>(map: &'a mut BTreeMap<String, V>, key: &str) -> &'a mut V {
    if !map.contains_key(key) {
        map.insert(key.to_owned(), V::default());
    }
    map.get_mut(key).expect("inserted")
}

/// Accumulates records into a [`Summary`].
#[derive(Debug, Default, Clone)]
pub struct Tally {
    archives: usize,
    analyzed: usize,
    errors: usize,
    bytes: u64,
    rules: Vec<RuleCounts>,
    /// Rules named by the rule set, first in `rules`; the others came with the records.
    named_rules: usize,
    codes: BTreeMap<String, usize>,
    days: BTreeMap<String, (usize, usize)>,
    weeks: BTreeMap<String, GroupTally>,
    builds: BTreeMap<String, GroupTally>,
    channels: BTreeMap<String, GroupTally>,
    versions: BTreeMap<String, GroupTally>,
    pairs: BTreeMap<(String, String), usize>,
    reasons: BTreeMap<String, usize>,
    /// `2026-11-20` → `2026-11-16`, computed once per day seen.
    week_of_date: std::collections::HashMap<String, String>,
}

/// What an archive without the value is filed under.
pub const UNKNOWN: &str = "unknown";

/// The Monday (`2026-11-16`) of the week of a collection time (`2026-11-20T09:14:03Z`).
pub fn week_of(collected_at: &str) -> Option<String> {
    let date = crate::date::parse(collected_at.get(..10)?)?;
    let days = date.days();
    // 1970-01-01 was a Thursday: Monday is 0.
    let monday = days - (days + 3).rem_euclid(7);
    crate::date::Date::from_days(monday).map(|d| d.to_string())
}

/// The reason an archive could not be analyzed, without its archive-specific details
/// (after a parenthesis).
pub fn error_reason(r: &Record) -> String {
    let reason = r.error.as_deref().unwrap_or(UNKNOWN);
    reason.split(" (").next().unwrap_or(reason).to_owned()
}

impl Tally {
    pub fn new(rule_ids: &[String]) -> Self {
        Tally {
            rules: rule_ids
                .iter()
                .map(|r| RuleCounts {
                    rule: r.clone(),
                    counts: crate::report::Summary::default(),
                })
                .collect(),
            named_rules: rule_ids.len(),
            ..Tally::default()
        }
    }

    /// Archives counted so far.
    pub fn archives(&self) -> usize {
        self.archives
    }

    pub fn add(&mut self, r: &Record) {
        self.archives += 1;
        self.bytes = self.bytes.saturating_add(r.size);
        if !r.is_ok() {
            self.errors += 1;
            *self.reasons.entry(error_reason(r)).or_default() += 1;
            return;
        }
        self.analyzed += 1;
        for (i, (rule, status)) in r.rules.iter().enumerate() {
            let Some(status) = crate::rules::Status::from_name(status) else {
                continue;
            };
            // Records list the rules in the rule set's order: the i-th row, usually.
            // A rule of the records that the run's rule set does not name (records
            // written with `--rules`) gets its own row.
            let row = match self.rules.get(i) {
                Some(c) if c.rule == rule => Some(i),
                _ => self.rules.iter().position(|c| c.rule == rule),
            };
            match row.map(|i| &mut self.rules[i]) {
                Some(c) => c.counts.add(status),
                None => {
                    let mut counts = crate::report::Summary::default();
                    counts.add(status);
                    self.rules.push(RuleCounts {
                        rule: rule.to_owned(),
                        counts,
                    });
                }
            }
        }
        for code in &r.caa_codes {
            *slot(&mut self.codes, code) += 1;
        }
        for (day, attempts) in &r.sign_in_days {
            let e = slot(&mut self.days, day);
            e.0 = e.0.saturating_add(*attempts);
            e.1 += 1;
        }
        let week = r.collected_at.as_deref().and_then(|t| {
            let date = t.get(..10)?;
            if !self.week_of_date.contains_key(date) {
                let week = week_of(date)?;
                self.week_of_date.insert(date.to_owned(), week);
            }
            self.week_of_date.get(date).cloned()
        });
        let failing = &r.failing;
        slot(&mut self.weeks, week.as_deref().unwrap_or(UNKNOWN)).add(failing);
        slot(&mut self.builds, r.os_build.as_deref().unwrap_or(UNKNOWN)).add(failing);
        slot(
            &mut self.channels,
            r.office_channel.as_deref().unwrap_or(UNKNOWN),
        )
        .add(failing);
        slot(
            &mut self.versions,
            r.office_version.as_deref().unwrap_or(UNKNOWN),
        )
        .add(failing);
        let mut failing: Vec<&String> = r.failing.iter().collect();
        failing.sort();
        failing.dedup();
        for (i, a) in failing.iter().enumerate() {
            for b in &failing[i + 1..] {
                *self.pairs.entry(((*a).clone(), (*b).clone())).or_default() += 1;
            }
        }
    }

    /// The summary of the records added; `run` for a bulk run that analyzed them.
    pub fn finish(self, run: Option<RunStats>) -> Summary {
        let by_archives = |map: BTreeMap<String, usize>| {
            let mut v: Vec<CodeCount> = map
                .into_iter()
                .map(|(code, archives)| CodeCount { code, archives })
                .collect();
            v.sort_by(|a, b| b.archives.cmp(&a.archives).then(a.code.cmp(&b.code)));
            v
        };
        let groups = |map: BTreeMap<String, GroupTally>, by_size: bool| {
            let mut v: Vec<Group> = map
                .into_iter()
                .map(|(name, g)| Group {
                    name,
                    archives: g.archives,
                    failing: g.failing,
                    fails: g.fails,
                })
                .collect();
            if by_size {
                v.sort_by(|a, b| b.archives.cmp(&a.archives).then(a.name.cmp(&b.name)));
            } else {
                // In name order (dates), `unknown` last.
                v.sort_by_key(|g| (g.name == UNKNOWN, g.name.clone()));
            }
            v
        };
        let mut pairs: Vec<Pair> = self
            .pairs
            .into_iter()
            .map(|((a, b), archives)| Pair {
                rules: [a, b],
                archives,
            })
            .collect();
        pairs.sort_by(|a, b| b.archives.cmp(&a.archives).then(a.rules.cmp(&b.rules)));
        // Rules only the records named, by name: the same whatever order the records came in.
        let mut rules = self.rules;
        let named = self.named_rules.min(rules.len());
        rules[named..].sort_by(|a, b| a.rule.cmp(&b.rule));
        Summary {
            schema: "caadoctor.bulk-summary/2",
            archives: self.archives,
            analyzed: self.analyzed,
            errors: self.errors,
            bytes: self.bytes,
            rules,
            caa_codes: by_archives(self.codes),
            sign_in_days: self
                .days
                .into_iter()
                .map(|(day, (attempts, archives))| Day {
                    day,
                    attempts,
                    archives,
                })
                .collect(),
            weeks: groups(self.weeks, false),
            os_builds: groups(self.builds, true),
            office_channels: groups(self.channels, true),
            office_versions: groups(self.versions, true),
            failing_together: pairs,
            error_reasons: by_archives(self.reasons),
            run,
        }
    }
}

impl RunStats {
    pub fn new(
        seconds: f64,
        jobs: usize,
        archives_now: usize,
        errors_now: usize,
        bytes_now: u64,
    ) -> Self {
        let per = |x: f64| if seconds > 0.0 { x / seconds } else { 0.0 };
        RunStats {
            seconds,
            archives_per_second: per(archives_now as f64),
            megabytes_per_second: per(bytes_now as f64 / 1e6),
            jobs,
            archives_now,
            errors_now,
        }
    }
}

impl Summary {
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    /// The rules, most failures (then warnings) first.
    pub fn rules_by_failures(&self) -> Vec<&RuleCounts> {
        let mut rules: Vec<&RuleCounts> = self.rules.iter().collect();
        rules.sort_by_key(|r| std::cmp::Reverse((r.counts.fail, r.counts.warn, r.counts.unknown)));
        rules
    }

    /// The summary as tables, for a terminal.
    pub fn to_table(&self) -> String {
        let mut out = format!(
            "{} archives: {} analyzed, {} could not be",
            self.archives, self.analyzed, self.errors,
        );
        match &self.run {
            Some(r) => out.push_str(&format!(
                " ({} analyzed in {:.1} s, {:.1} archives/s, {:.1} MB/s, {} jobs)\n",
                r.archives_now, r.seconds, r.archives_per_second, r.megabytes_per_second, r.jobs
            )),
            None => out.push('\n'),
        }
        let mut t = crate::report::new_table(
            &["RULE", "FAIL", "WARN", "MANUAL", "UNKNOWN", "PASS", "N/A"],
            Some(110),
            false,
        );
        for r in self.rules_by_failures() {
            let mut row = vec![r.rule.clone()];
            row.extend(r.counts.counts().iter().map(|(_, n)| n.to_string()));
            t.add_row(row);
        }
        out.push_str(&format!("{t}\n"));
        if !self.caa_codes.is_empty() {
            let mut t = crate::report::new_table(
                &["SIGN-IN CODE", "ARCHIVES", "MEANING"],
                Some(110),
                false,
            );
            for c in self.caa_codes.iter().take(10) {
                t.add_row(vec![
                    c.code.clone(),
                    c.archives.to_string(),
                    meaning(&c.code),
                ]);
            }
            out.push_str(&format!("{t}\n"));
        }
        let groups = |title: &str, groups: &[Group], take: usize| {
            let mut t = crate::report::new_table(
                &[title, "ARCHIVES", "WITH A FAILING RULE"],
                Some(110),
                false,
            );
            for g in groups.iter().take(take) {
                t.add_row(vec![
                    g.name.clone(),
                    g.archives.to_string(),
                    g.failing.to_string(),
                ]);
            }
            format!("{t}\n")
        };
        if !self.os_builds.is_empty() {
            out.push_str(&groups("OS BUILD", &self.os_builds, 15));
        }
        if self.office_channels.iter().any(|g| g.name != UNKNOWN) {
            out.push_str(&groups("OFFICE CHANNEL", &self.office_channels, 10));
        }
        if !self.failing_together.is_empty() {
            let mut t =
                crate::report::new_table(&["FAILING TOGETHER", "ARCHIVES"], Some(110), false);
            for p in self.failing_together.iter().take(10) {
                t.add_row(vec![
                    format!("{} + {}", p.rules[0], p.rules[1]),
                    p.archives.to_string(),
                ]);
            }
            out.push_str(&format!("{t}\n"));
        }
        if !self.error_reasons.is_empty() {
            let mut t =
                crate::report::new_table(&["COULD NOT ANALYZE", "ARCHIVES"], Some(110), false);
            for e in &self.error_reasons {
                t.add_row(vec![e.code.clone(), e.archives.to_string()]);
            }
            out.push_str(&format!("{t}\n"));
        }
        out
    }
}

/// The short meaning of a sign-in code, or nothing.
pub fn meaning(code: &str) -> String {
    crate::codes::parse_code(code)
        .map(|n| crate::codes::decode(n).short)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_are_named_by_their_monday() {
        assert_eq!(
            week_of("2026-11-20T09:14:03Z").as_deref(),
            Some("2026-11-16")
        );
        assert_eq!(
            week_of("2026-11-16T00:00:00Z").as_deref(),
            Some("2026-11-16")
        );
        assert_eq!(
            week_of("2026-11-22T23:59:59+01:00").as_deref(),
            Some("2026-11-16")
        );
        assert_eq!(week_of("2027-01-01").as_deref(), Some("2026-12-28"));
        assert_eq!(week_of("junk"), None);
        assert_eq!(week_of("2026-1"), None);
    }

    fn record(source: &str, failing: &[&str], build: &str) -> Record {
        let mut r: Record = serde_json::from_value(serde_json::json!({
            "source": source, "format": "zip", "size": 10, "status": "ok",
            "os_build": build, "collected_at": "2026-11-20T09:14:03Z",
            "caa_codes": ["0xCAA70007"], "sign_in_days": {"2026-11-19": 2},
        }))
        .unwrap();
        for f in failing {
            r.rules.insert((*f).to_owned(), "fail".into());
            r.failing.push((*f).to_owned());
        }
        r.rules.insert("ipv6".to_owned(), "pass".into());
        r
    }

    #[test]
    fn the_order_of_the_records_does_not_change_the_summary() {
        let records = [
            record("a", &["tls12", "proxy"], "7601.24544"),
            record("b", &["proxy"], "26100.7171"),
            record("c", &[], "26100.7171"),
            record("d", &["proxy", "tls12", "winsock"], "26100.7171"),
        ];
        let ids = vec!["tls12".to_owned(), "proxy".to_owned(), "ipv6".to_owned()];
        let mut forward = Tally::new(&ids);
        records.iter().for_each(|r| forward.add(r));
        let mut backward = Tally::new(&ids);
        records.iter().rev().for_each(|r| backward.add(r));
        let (f, b) = (forward.finish(None), backward.finish(None));
        assert_eq!(f, b);
        assert_eq!(
            f.failing_together[0],
            Pair {
                rules: ["proxy".into(), "tls12".into()],
                archives: 2
            }
        );
        assert_eq!(f.failing_together.len(), 3);
        assert_eq!(f.os_builds[0].name, "26100.7171");
        assert_eq!((f.os_builds[0].archives, f.os_builds[0].failing), (3, 2));
        assert_eq!(f.os_builds[0].fails["proxy"], 2);
        assert_eq!(f.weeks[0].name, "2026-11-16");
        assert_eq!(f.sign_in_days[0].attempts, 8);
        assert_eq!(f.sign_in_days[0].archives, 4);
        // `winsock` is not in the rule set given: it gets its own row, after the set's.
        assert_eq!(f.rules.last().unwrap().rule, "winsock");
        assert_eq!(f.rules.len(), 4);
        assert_eq!(f.rules[0].counts.fail, 2);
        assert_eq!(f.rules[2].counts.pass, 4);
    }
}
