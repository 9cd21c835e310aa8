//! What a rule says about one snapshot: a status, the messages of the checks that decided
//! it, the evidence behind them, and what could not be evaluated.

use crate::facts::{Disagreement, Evidence, Value};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The verdict of one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The cause is present: fix it.
    Fail,
    /// Something is off or risky; may be the cause.
    Warn,
    /// Needs a person: the snapshot cannot show it (e.g. a proxy rule on the network).
    Manual,
    /// The snapshot lacks what the rule needs (`missing` says what).
    Unknown,
    /// Checked, and this cause is not present.
    Pass,
    /// The cause cannot occur on this machine.
    NotApplicable,
}

impl Status {
    /// Order of importance when several checks are true at once.
    pub fn rank(self) -> u8 {
        match self {
            Status::Fail => 5,
            Status::Warn => 4,
            Status::Manual => 3,
            Status::Unknown => 2,
            Status::Pass => 1,
            Status::NotApplicable => 0,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Fail => "fail",
            Status::Warn => "warn",
            Status::Manual => "manual",
            Status::Unknown => "unknown",
            Status::Pass => "pass",
            Status::NotApplicable => "not_applicable",
        }
    }

    /// The status named `name` (as [`Status::as_str`] writes it).
    pub fn from_name(name: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == name)
    }

    pub const ALL: [Status; 6] = [
        Status::Fail,
        Status::Warn,
        Status::Manual,
        Status::Unknown,
        Status::Pass,
        Status::NotApplicable,
    ];
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How much a failure of the rule matters for activation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        })
    }
}

/// One fact a verdict rests on, with where it was read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FactEvidence {
    pub fact: String,
    pub value: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub sources: Vec<Evidence>,
    /// Other sources observed something else: kept and shown beside the value used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disagreement: Option<Disagreement>,
}

/// A fact a check needed and the snapshot does not have.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Missing {
    pub fact: String,
    /// What the fact is and where it comes from.
    pub about: String,
    /// How to collect it: the collector's steps that give it, each with the registry key to
    /// export, the command to run or the log to export, and the command line to do it by hand.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub collect: Vec<super::collect::Way>,
}

/// The verdict of one rule on one snapshot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub rule: String,
    pub status: Status,
    pub severity: Severity,
    pub title: String,
    pub article_section: String,
    /// Why this status, in sentences (one per deciding check).
    pub messages: Vec<String>,
    pub evidence: Vec<FactEvidence>,
    /// Facts that were needed but absent: the reason for `unknown`, or checks of a higher
    /// status that could not be evaluated next to a decided `fail`/`warn`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<Missing>,
    /// What to do; given for `fail`, `warn` and `manual`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub remediation: Vec<String>,
}
