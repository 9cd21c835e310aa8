//! What is breaking activation across the fleet: per rule how many archives fail, warn,
//! pass..., the most frequent sign-in codes, and the archives per OS build. Built from the
//! records as they stream by, so it holds counts, never records.

use super::record::Record;
use serde::Serialize;
use std::collections::BTreeMap;

/// Per rule, the archives in each status.
#[derive(Debug, Clone, Serialize)]
pub struct RuleCounts {
    pub rule: String,
    #[serde(flatten)]
    pub counts: crate::report::Summary,
}

#[derive(Debug, Clone, Serialize)]
pub struct CodeCount {
    pub code: String,
    /// Archives in which the code was seen.
    pub archives: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct BuildCount {
    /// `26100.7171`, or `unknown`.
    pub os_build: String,
    pub archives: usize,
    /// Of them, archives with at least one failing rule.
    pub failing: usize,
}

/// The fleet summary (`caadoctor.bulk-summary/1`).
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub schema: &'static str,
    pub archives: usize,
    pub analyzed: usize,
    pub errors: usize,
    pub bytes: u64,
    pub seconds: f64,
    pub archives_per_second: f64,
    pub megabytes_per_second: f64,
    pub jobs: usize,
    pub rules: Vec<RuleCounts>,
    pub caa_codes: Vec<CodeCount>,
    pub os_builds: Vec<BuildCount>,
    /// Why archives could not be analyzed, with how many each.
    pub error_reasons: Vec<CodeCount>,
}

/// Accumulates records into a [`Summary`].
#[derive(Debug, Default)]
pub struct Tally {
    archives: usize,
    analyzed: usize,
    errors: usize,
    bytes: u64,
    rules: Vec<RuleCounts>,
    codes: BTreeMap<String, usize>,
    builds: BTreeMap<String, (usize, usize)>,
    reasons: BTreeMap<String, usize>,
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
            ..Tally::default()
        }
    }

    pub fn add(&mut self, r: &Record) {
        self.archives += 1;
        self.bytes += r.size;
        if r.status != "ok" {
            self.errors += 1;
            // The reason without the archive-specific details after a parenthesis.
            let reason = r.error.as_deref().unwrap_or("unknown").to_owned();
            let key = reason.split(" (").next().unwrap_or(&reason).to_owned();
            *self.reasons.entry(key).or_default() += 1;
            return;
        }
        self.analyzed += 1;
        for counts in &mut self.rules {
            if let Some(status) = r
                .rule_status(&counts.rule)
                .and_then(crate::rules::Status::from_name)
            {
                counts.counts.add(status);
            }
        }
        for code in &r.caa_codes {
            *self.codes.entry(code.clone()).or_default() += 1;
        }
        let build = r.os_build.clone().unwrap_or_else(|| "unknown".to_owned());
        let entry = self.builds.entry(build).or_default();
        entry.0 += 1;
        if !r.failing.is_empty() {
            entry.1 += 1;
        }
    }

    pub fn finish(self, seconds: f64, jobs: usize) -> Summary {
        let mut caa_codes: Vec<CodeCount> = self
            .codes
            .into_iter()
            .map(|(code, archives)| CodeCount { code, archives })
            .collect();
        caa_codes.sort_by(|a, b| b.archives.cmp(&a.archives).then(a.code.cmp(&b.code)));
        let mut os_builds: Vec<BuildCount> = self
            .builds
            .into_iter()
            .map(|(os_build, (archives, failing))| BuildCount {
                os_build,
                archives,
                failing,
            })
            .collect();
        os_builds.sort_by(|a, b| {
            b.archives
                .cmp(&a.archives)
                .then(a.os_build.cmp(&b.os_build))
        });
        let mut error_reasons: Vec<CodeCount> = self
            .reasons
            .into_iter()
            .map(|(code, archives)| CodeCount { code, archives })
            .collect();
        error_reasons.sort_by(|a, b| b.archives.cmp(&a.archives).then(a.code.cmp(&b.code)));
        let per = |x: f64| if seconds > 0.0 { x / seconds } else { 0.0 };
        Summary {
            schema: "caadoctor.bulk-summary/1",
            archives: self.archives,
            analyzed: self.analyzed,
            errors: self.errors,
            bytes: self.bytes,
            seconds,
            archives_per_second: per(self.archives as f64),
            megabytes_per_second: per(self.bytes as f64 / 1e6),
            jobs,
            rules: self.rules,
            caa_codes,
            os_builds,
            error_reasons,
        }
    }
}

impl Summary {
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    /// The summary as tables, for a terminal.
    pub fn to_table(&self) -> String {
        let mut out = format!(
            "{} archives: {} analyzed, {} could not be ({:.1} s, {:.1} archives/s, {:.1} MB/s, {} jobs)\n",
            self.archives,
            self.analyzed,
            self.errors,
            self.seconds,
            self.archives_per_second,
            self.megabytes_per_second,
            self.jobs
        );
        let mut t = crate::report::new_table(
            &["RULE", "FAIL", "WARN", "MANUAL", "UNKNOWN", "PASS", "N/A"],
            Some(110),
            false,
        );
        let mut rules: Vec<&RuleCounts> = self.rules.iter().collect();
        rules.sort_by_key(|r| std::cmp::Reverse((r.counts.fail, r.counts.warn)));
        for r in rules {
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
                let meaning = crate::codes::parse_code(&c.code)
                    .map(|n| crate::codes::decode(n).short)
                    .unwrap_or_default();
                t.add_row(vec![c.code.clone(), c.archives.to_string(), meaning]);
            }
            out.push_str(&format!("{t}\n"));
        }
        if !self.os_builds.is_empty() {
            let mut t = crate::report::new_table(
                &["OS BUILD", "ARCHIVES", "WITH A FAILING RULE"],
                Some(110),
                false,
            );
            for b in self.os_builds.iter().take(15) {
                t.add_row(vec![
                    b.os_build.clone(),
                    b.archives.to_string(),
                    b.failing.to_string(),
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
