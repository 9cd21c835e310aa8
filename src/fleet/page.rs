//! The fleet dashboard: one self-contained page, like the single-snapshot report — inline
//! CSS and SVG, a Content-Security-Policy that loads nothing — plus one small inline script
//! (allowed by its hash, nothing else may run) that sorts, filters and pages the archive
//! table. Without the script the charts and the first page of the table are all there.
//!
//! Sections: totals and why archives could not be analyzed; per rule the archives that
//! fail, warn or are unknown, failures first; sign-in codes by archives with their meaning;
//! over time (archives and failing causes per week of collection, sign-in attempts per
//! day); by OS build and by Office channel and version (which rules fail there); the rules
//! that fail together; the archive table. Every chart has a table of its numbers.

use super::table::{PAGE_ROWS, Table, minutes};
use crate::bulk::summary::{Group, Summary, UNKNOWN, meaning};
use crate::report::TOOL;
use crate::report::html::bars::{self as charts, Bar, Part};
use crate::report::html::{E, STYLE};
use sha2::{Digest, Sha256};
use std::fmt::Write;

const FLEET_STYLE: &str = include_str!("fleet.css");
const SCRIPT: &str = include_str!("fleet.js");
/// Rules shown as columns of the OS build and Office tables: those failing most.
const RULE_COLUMNS: usize = 8;
/// Rows of the OS build, Office and pairs tables.
const TOP_ROWS: usize = 25;

/// The page's Content-Security-Policy: the single report's, plus the one script by hash.
pub fn csp() -> String {
    let hash = super::table::base64(&Sha256::digest(SCRIPT.as_bytes()));
    format!(
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-{hash}'; base-uri 'none'; form-action 'none'"
    )
}

/// Renders the page of `summary` with the archive `table`.
pub fn render(s: &Summary, table: &Table) -> String {
    let data = table.to_json();
    let mut out = String::with_capacity(64 * 1024 + data.len());
    let csp = csp();
    let failing_archives: usize = s.weeks.iter().map(|w| w.failing).sum();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{}\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"color-scheme\" content=\"light dark\">\n\
         <meta name=\"generator\" content=\"{} {}\">\n<title>caadoctor fleet: {} archives, {} with a failing rule</title>\n<style>\n{}{}</style>\n</head>\n<body>\n",
        E(&csp),
        TOOL.name,
        TOOL.version,
        s.archives,
        failing_archives,
        STYLE,
        FLEET_STYLE
    );
    out.push_str("<header class=\"top\">\n<h1>Microsoft 365 activation across the fleet</h1>\n");
    out.push_str(concat!(
        "<p class=\"note\">What breaks activation with 0xCAA70007 / 0xCAA80000 in the support ",
        "archives analyzed by caadoctor. Hosts are as the records give them: a page built with ",
        "<code>--redact</code> shows pseudonyms only.</p>\n</header>\n"
    ));
    out.push_str(concat!(
        r##"<nav class="toc" aria-label="Sections"><ul>"##,
        r##"<li><a href="#totals">Totals</a></li><li><a href="#rules">Rules</a></li>"##,
        r##"<li><a href="#codes">Sign-in codes</a></li><li><a href="#time">Over time</a></li>"##,
        r##"<li><a href="#builds">OS builds</a></li><li><a href="#office">Office</a></li>"##,
        r##"<li><a href="#together">Failing together</a></li><li><a href="#archives">Archives</a></li></ul></nav>"##,
        "\n<main>\n"
    ));
    totals(&mut out, s, failing_archives);
    rules(&mut out, s);
    codes(&mut out, s);
    time(&mut out, s);
    let top_rules = top_failing_rules(s);
    out.push_str("<section id=\"builds\">\n<h2>By OS build</h2>\n");
    groups(&mut out, "OS build", &s.os_builds, &top_rules);
    out.push_str("</section>\n<section id=\"office\">\n<h2>By Office channel and version</h2>\n");
    groups(&mut out, "Channel", &s.office_channels, &top_rules);
    groups(&mut out, "Version", &s.office_versions, &top_rules);
    out.push_str("</section>\n");
    together(&mut out, s);
    archives(&mut out, table, &data);
    let _ = write!(
        out,
        "</main>\n<footer>{} {} · This page loads nothing from the network; its one script only sorts, \
         filters and pages the archive table (Content-Security-Policy <code>{}</code>).</footer>\n\
         <script>{}</script>\n</body>\n</html>\n",
        TOOL.name,
        TOOL.version,
        E(&csp),
        SCRIPT
    );
    out
}

fn plural(n: usize, one: &str) -> String {
    format!("{n} {one}{}", if n == 1 { "" } else { "s" })
}

fn totals(out: &mut String, s: &Summary, failing: usize) {
    let _ = writeln!(
        out,
        "<section id=\"totals\">\n<h2>Totals</h2>\n<ul class=\"counts\">\
         <li><b>{}</b>archives</li><li class=\"st-pass\"><b>{}</b>analyzed</li>\
         <li class=\"st-fail\"><b>{}</b>with a failing rule</li><li class=\"st-unknown\"><b>{}</b>could not be analyzed</li></ul>",
        s.archives, s.analyzed, failing, s.errors
    );
    if !s.error_reasons.is_empty() {
        out.push_str("<table class=\"narrow\" id=\"errors\">\n<thead><tr><th>Why archives could not be analyzed</th><th>Archives</th></tr></thead>\n<tbody>\n");
        for e in &s.error_reasons {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td class=\"num\">{}</td></tr>",
                E(&e.code),
                e.archives
            );
        }
        out.push_str("</tbody>\n</table>\n");
    }
    out.push_str("</section>\n");
}

fn rules(out: &mut String, s: &Summary) {
    out.push_str("<section id=\"rules\">\n<h2>Rules</h2>\n<p>Per rule, the analyzed archives where it fails, warns or cannot be judged (unknown), failures first. <span class=\"swatch b-fail\"></span>fail <span class=\"swatch b-warn\"></span>warn <span class=\"swatch b-unknown\"></span>unknown</p>\n");
    let ranked = s.rules_by_failures();
    let bars: Vec<Bar> = ranked
        .iter()
        .map(|r| Bar {
            label: r.rule.clone(),
            parts: vec![
                Part::new("b-fail", r.counts.fail, "fail"),
                Part::new("b-warn", r.counts.warn, "warn"),
                Part::new("b-unknown", r.counts.unknown, "unknown"),
            ],
        })
        .collect();
    charts::horizontal(
        out,
        "chart-rules",
        "Archives per rule that fail, warn or are unknown",
        &bars,
    );
    out.push_str("<table id=\"rules-table\">\n<thead><tr><th>Rule</th><th>Fail</th><th>Warn</th><th>Manual</th><th>Unknown</th><th>Pass</th><th>N/A</th></tr></thead>\n<tbody>\n");
    for r in ranked {
        let _ = write!(out, "<tr><td class=\"mono\">{}</td>", E(&r.rule));
        for (_, n) in r.counts.counts() {
            let _ = write!(out, "<td class=\"num\">{n}</td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

fn codes(out: &mut String, s: &Summary) {
    out.push_str("<section id=\"codes\">\n<h2>Sign-in codes</h2>\n");
    if s.caa_codes.is_empty() {
        out.push_str("<p>No archive's event logs hold a sign-in code.</p>\n</section>\n");
        return;
    }
    out.push_str(
        "<p>The archives whose event logs hold each code (Office's alerts and the AAD log).</p>\n",
    );
    let bars: Vec<Bar> = s
        .caa_codes
        .iter()
        .take(TOP_ROWS)
        .map(|c| Bar {
            label: c.code.clone(),
            parts: vec![Part::new("k1", c.archives, "archives")],
        })
        .collect();
    charts::horizontal(out, "chart-codes", "Archives per sign-in code", &bars);
    out.push_str("<table id=\"codes-table\">\n<thead><tr><th>Code</th><th>Archives</th><th>What it means</th></tr></thead>\n<tbody>\n");
    for c in &s.caa_codes {
        let _ = writeln!(
            out,
            "<tr><td class=\"mono\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            E(&c.code),
            c.archives,
            E(&meaning(&c.code))
        );
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

fn time(out: &mut String, s: &Summary) {
    out.push_str(
        "<section id=\"time\">\n<h2>Over time</h2>\n<h3>Archives per week of collection</h3>\n",
    );
    let weeks: Vec<&Group> = s.weeks.iter().filter(|w| w.name != UNKNOWN).collect();
    let undated = s
        .weeks
        .iter()
        .find(|w| w.name == UNKNOWN)
        .map_or(0, |w| w.archives);
    if weeks.is_empty() {
        out.push_str("<p>No analyzed archive says when it was collected.</p>\n");
    } else {
        let _ = writeln!(
            out,
            "<p>Weeks are named by their Monday; <span class=\"swatch b-fail\"></span>with a failing rule, <span class=\"swatch b-ok\"></span>without.{}</p>",
            if undated > 0 {
                format!(
                    " {} without a collection date are left out.",
                    plural(undated, "archive")
                )
            } else {
                String::new()
            }
        );
        let bars: Vec<Bar> = weeks
            .iter()
            .map(|w| Bar {
                label: w.name.clone(),
                parts: vec![
                    Part::new("b-fail", w.failing, "with a failing rule"),
                    Part::new("b-ok", w.archives - w.failing, "without"),
                ],
            })
            .collect();
        charts::vertical(
            out,
            "chart-weeks",
            "Archives per week of collection",
            "week (Monday)",
            &bars,
            false,
        );
        // Failing causes per week: the rules that fail anywhere, most failing first.
        let top = top_failing_rules(s);
        out.push_str("<div class=\"scroll\"><table id=\"weeks-table\">\n<thead><tr><th>Week of</th><th>Archives</th><th>Failing</th>");
        for r in &top {
            let _ = write!(out, "<th class=\"mono\">{}</th>", E(r));
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for w in &weeks {
            group_row(out, w, &top);
        }
        out.push_str("</tbody>\n</table></div>\n");
    }
    out.push_str("<h3>Sign-in attempts per day</h3>\n");
    if s.sign_in_days.is_empty() {
        out.push_str("<p>No archive's event logs hold a sign-in attempt with a 0xCAA code.</p>\n");
    } else {
        let attempts: usize = s.sign_in_days.iter().map(|d| d.attempts).sum();
        let _ = writeln!(
            out,
            "<p>{} with a 0xCAA code over all archives, per day (UTC).</p>",
            plural(attempts, "attempt")
        );
        let bars: Vec<Bar> = s
            .sign_in_days
            .iter()
            .map(|d| Bar {
                label: d.day.clone(),
                parts: vec![Part::new("k0", d.attempts, "attempts")],
            })
            .collect();
        charts::vertical(
            out,
            "chart-days",
            "Sign-in attempts per day",
            "day (UTC)",
            &bars,
            false,
        );
        out.push_str("<details><summary>The same per day</summary>\n<table id=\"days-table\">\n<thead><tr><th>Day (UTC)</th><th>Attempts</th><th>Archives</th></tr></thead>\n<tbody>\n");
        for d in &s.sign_in_days {
            let _ = writeln!(
                out,
                "<tr><td class=\"nowrap\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                E(&d.day),
                d.attempts,
                d.archives
            );
        }
        out.push_str("</tbody>\n</table>\n</details>\n");
    }
    out.push_str("</section>\n");
}

fn top_failing_rules(s: &Summary) -> Vec<String> {
    s.rules_by_failures()
        .into_iter()
        .filter(|r| r.counts.fail > 0)
        .take(RULE_COLUMNS)
        .map(|r| r.rule.clone())
        .collect()
}

/// A group's row: its name, archives, failing, and per top rule the failing count, shaded
/// by its share of the group.
fn group_row(out: &mut String, g: &Group, top: &[String]) {
    let _ = write!(
        out,
        "<tr><td class=\"mono nowrap\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>",
        E(&g.name),
        g.archives,
        g.failing
    );
    for rule in top {
        let n = g.fails.get(rule).copied().unwrap_or(0);
        if n == 0 {
            out.push_str("<td class=\"num zero\">0</td>");
        } else {
            // Five shades of the failure colour by share of the group's archives.
            let shade = (n * 4).div_ceil(g.archives.max(1)).min(4);
            let _ = write!(out, "<td class=\"num heat h{shade}\">{n}</td>");
        }
    }
    out.push_str("</tr>\n");
}

fn groups(out: &mut String, what: &str, groups: &[Group], top: &[String]) {
    let _ = write!(
        out,
        "<div class=\"scroll\"><table class=\"groups\">\n<caption>Analyzed archives per {}, most first{}</caption>\n<thead><tr><th>{}</th><th>Archives</th><th>Failing</th>",
        what.to_lowercase(),
        if groups.len() > TOP_ROWS {
            format!(" (the first {TOP_ROWS} of {})", groups.len())
        } else {
            String::new()
        },
        E(what)
    );
    for r in top {
        let _ = write!(out, "<th class=\"mono\">{}</th>", E(r));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for g in groups.iter().take(TOP_ROWS) {
        group_row(out, g, top);
    }
    out.push_str("</tbody>\n</table></div>\n");
}

fn together(out: &mut String, s: &Summary) {
    out.push_str("<section id=\"together\">\n<h2>Failing together</h2>\n");
    if s.failing_together.is_empty() {
        out.push_str("<p>No archive has two failing rules.</p>\n</section>\n");
        return;
    }
    out.push_str("<p>Pairs of rules that fail in the same archive, most archives first: causes to fix together.</p>\n");
    let bars: Vec<Bar> = s
        .failing_together
        .iter()
        .take(TOP_ROWS)
        .map(|p| Bar {
            label: format!("{} + {}", p.rules[0], p.rules[1]),
            parts: vec![Part::new("b-fail", p.archives, "archives")],
        })
        .collect();
    charts::horizontal(
        out,
        "chart-pairs",
        "Archives per pair of failing rules",
        &bars,
    );
    out.push_str("<table id=\"pairs-table\" class=\"narrow\">\n<thead><tr><th>Rules</th><th>Archives</th></tr></thead>\n<tbody>\n");
    for p in s.failing_together.iter().take(TOP_ROWS) {
        let _ = writeln!(
            out,
            "<tr><td class=\"mono\">{} + {}</td><td class=\"num\">{}</td></tr>",
            E(&p.rules[0]),
            E(&p.rules[1]),
            p.archives
        );
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

/// A collection time as the table shows it: UTC to the minute.
pub fn shown_time(collected_at: &str) -> String {
    match minutes(collected_at) {
        Some(m) => {
            let day = crate::date::Date::from_days(m.div_euclid(1440));
            let m = m.rem_euclid(1440);
            match day {
                Some(d) => format!("{d} {:02}:{:02}Z", m / 60, m % 60),
                None => String::new(),
            }
        }
        None => String::new(),
    }
}

fn archives(out: &mut String, table: &Table, data: &str) {
    let rows = table.rows();
    let _ = writeln!(
        out,
        "<section id=\"archives\">\n<h2>Archives</h2>\n<p id=\"table-note\">{} in the order of the records; the first {} below. \
         Sorting, filtering by rule, status or code, and paging need the page's script.</p>",
        plural(rows, "archive"),
        rows.min(PAGE_ROWS)
    );
    out.push_str(concat!(
        "<form id=\"controls\" class=\"controls\" hidden>",
        "<label>Failing rule <select id=\"f-rule\"><option value=\"\">any or none</option><option value=\"*\">at least one</option><option value=\"-\">none</option></select></label> ",
        "<label>Status <select id=\"f-status\"><option value=\"\">all</option><option value=\"ok\">analyzed</option><option value=\"error\">could not be</option></select></label> ",
        "<label>Sign-in code <select id=\"f-code\"><option value=\"\">any or none</option></select></label> ",
        "<label>Host <input id=\"f-host\" type=\"search\" placeholder=\"part of a name\" size=\"16\"></label>",
        "</form>\n",
        "<p id=\"count\" class=\"note\" aria-live=\"polite\"></p>\n",
        "<table id=\"archive-table\">\n<thead><tr>",
        "<th data-key=\"host\">Host</th><th data-key=\"time\">Collected (UTC)</th><th data-key=\"build\">OS build</th>",
        "<th data-key=\"failing\">Failing rules</th><th data-key=\"codes\">Sign-in codes</th><th data-key=\"status\">Status</th>",
        "</tr></thead>\n<tbody>\n"
    ));
    for r in table.first_rows() {
        let _ = writeln!(
            out,
            "<tr><td class=\"mono\">{}</td><td class=\"nowrap\">{}</td><td class=\"mono nowrap\">{}</td><td class=\"mono\">{}</td><td class=\"mono\">{}</td><td>{}</td></tr>",
            E(&r.host),
            E(&shown_time(&r.collected_at)),
            E(&r.os_build),
            E(&r.failing.join(" ")),
            E(&r.codes.join(" ")),
            E(&r.status)
        );
    }
    out.push_str("</tbody>\n</table>\n");
    out.push_str(concat!(
        "<nav id=\"pager\" class=\"pager\" hidden><button type=\"button\" id=\"prev\">← Previous</button> ",
        "<span id=\"page\"></span> <button type=\"button\" id=\"next\">Next →</button></nav>\n"
    ));
    let _ = writeln!(
        out,
        "<script type=\"application/json\" id=\"fleet-data\">{data}</script>\n</section>"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_show_in_utc_to_the_minute() {
        assert_eq!(
            shown_time("2026-11-20T10:12:03.118+01:00"),
            "2026-11-20 09:12Z"
        );
        assert_eq!(shown_time("junk"), "");
    }

    #[test]
    fn the_policy_allows_exactly_the_page_script() {
        let csp = csp();
        assert!(csp.starts_with("default-src 'none';"));
        let hash = csp
            .split("'sha256-")
            .nth(1)
            .unwrap()
            .split('\'')
            .next()
            .unwrap();
        assert_eq!(hash.len(), 44);
        assert!(!csp.contains("unsafe-inline'; script") && !csp.contains("script-src 'unsafe"));
    }
}
