//! The fleet view: the summary and the dashboard of many archives' records, whether they
//! stream out of a `bulk` run or are read back from record files written earlier (by
//! shards, by Spark, by yesterday's run).
//!
//! [`Fleet`] takes records one at a time and keeps counts ([`crate::bulk::summary::Tally`])
//! and, when a dashboard is wanted, the archive table in a compact encoded form
//! ([`table`]): never the records themselves. [`read`] streams record files line by line,
//! so merging a million records costs the summary's memory plus the table's few bytes per
//! archive.

pub mod page;
pub mod read;
pub mod table;

use crate::bulk::record::Record;
use crate::bulk::summary::{RunStats, Summary, Tally};

/// Everything the fleet's outputs need, accumulated record by record.
pub struct Fleet {
    tally: Tally,
    table: Option<table::Table>,
}

impl Fleet {
    /// With `rule_ids` in report order (rules met only in the records come after them);
    /// `dashboard` keeps the archive table for [`Fleet::page`].
    pub fn new(rule_ids: &[String], dashboard: bool) -> Self {
        Fleet {
            tally: Tally::new(rule_ids),
            table: dashboard.then(table::Table::default),
        }
    }

    pub fn add(&mut self, r: &Record) {
        self.tally.add(r);
        if let Some(t) = &mut self.table {
            t.add(r);
        }
    }

    /// Shows `host-1`, `host-2`... in the dashboard instead of the records' host names,
    /// numbered in order of first appearance.
    pub fn pseudonymize_hosts(&mut self) {
        if let Some(t) = &mut self.table {
            t.pseudonymize_hosts();
        }
    }

    /// Records added so far.
    pub fn archives(&self) -> usize {
        self.tally.archives()
    }

    /// The summary, and the dashboard's page when it was asked for.
    pub fn finish(self, run: Option<RunStats>) -> (Summary, Option<String>) {
        let summary = self.tally.finish(run);
        let page = self.table.map(|t| page::render(&summary, &t));
        (summary, page)
    }
}
