//! The fleet dashboard in a real browser (Debian's `chromium`, headless): the page of
//! `bulk --html` and the page of `fleet` over the same records are the same document after
//! the script ran; every chart and table is there; the script runs under the page's
//! Content-Security-Policy (allowed by its hash, nothing logged) and fills, filters, sorts
//! and pages the archive table, also for 100,000 archives.
//!
//! `#[ignore]`d for a plain `cargo test`; `.ci/run` installs Chromium and runs them with
//! `cargo test --test browser_fleet -- --ignored`.

#[path = "support/chromium.rs"]
mod chromium;
mod common;

use chromium::{csp_violations, load_at};
use common::{caadoctor, json_file, repo, scratch};
use serde_json::Value;
use std::fmt::Write as _;
use std::path::Path;

/// The text of the first element with `id`, up to its closing tag.
fn element<'a>(dom: &'a str, id: &str, close: &str) -> &'a str {
    let start = dom
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id}"));
    let rest = &dom[start..];
    &rest[..rest.find(close).unwrap_or(rest.len())]
}

/// The archive table's count line, page line and body rows after the script ran.
fn table_state(dom: &str) -> (String, String, usize) {
    let text = |id: &str| {
        let e = element(dom, id, "</");
        e[e.find('>').unwrap() + 1..].to_owned()
    };
    let body = element(dom, "archive-table", "</tbody>");
    (
        text("count"),
        text("page"),
        body.matches("<tr>").count() - 1,
    )
}

/// Loads a page at a fragment, checking that nothing was refused by its policy.
fn loaded(page: &Path, fragment: &str) -> String {
    let (dom, log) = load_at(page, fragment);
    assert!(
        dom.contains("</html>"),
        "no DOM for {}\n{log}",
        page.display()
    );
    assert_eq!(
        csp_violations(&log),
        Vec::<&str>::new(),
        "{}",
        page.display()
    );
    dom
}

/// The DOM without the script's timings (`data-ms-decode="12"`), which vary by run.
fn untimed(dom: &str) -> String {
    let mut out = String::with_capacity(dom.len());
    let mut rest = dom;
    while let Some(at) = rest.find(" data-ms-") {
        out.push_str(&rest[..at]);
        // Past the value's closing quote: ` data-ms-view="7"`.
        let attr = &rest[at + 1..];
        let value = attr.find("=\"").map_or(attr.len(), |v| v + 2);
        let end = attr[value..]
            .find('"')
            .map_or(attr.len(), |e| value + e + 1);
        rest = &attr[end..];
    }
    out.push_str(rest);
    out
}

#[test]
#[ignore = "needs Debian's chromium; .ci/run installs it"]
fn browser_fleet_pages_of_bulk_and_fleet_are_one_document_with_every_chart_and_the_table() {
    let dir = scratch("browser-fleet");
    let junk = dir.join("junk.zip");
    std::fs::write(&junk, b"not a zip").unwrap();
    let (records, summary, bulk_page, fleet_page) = (
        dir.join("r.jsonl"),
        dir.join("s.json"),
        dir.join("bulk.html"),
        dir.join("fleet.html"),
    );
    let out = caadoctor(&[
        "bulk",
        repo().join("samples").to_str().unwrap(),
        junk.to_str().unwrap(),
        "--output",
        records.to_str().unwrap(),
        "--summary",
        summary.to_str().unwrap(),
        "--html",
        bulk_page.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "the junk archive");
    let out = caadoctor(&[
        "fleet",
        records.to_str().unwrap(),
        "--html",
        fleet_page.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let s = json_file(&summary);
    let n = s["archives"].as_u64().unwrap() as usize;
    let bulk_dom = untimed(&loaded(&bulk_page, ""));
    let fleet_dom = untimed(&loaded(&fleet_page, ""));
    assert!(!fleet_dom.contains(" data-ms-decode=\""));
    assert!(bulk_dom == fleet_dom, "the two pages differ in the browser");
    let dom = fleet_dom;

    for chart in [
        "chart-rules",
        "chart-codes",
        "chart-weeks",
        "chart-days",
        "chart-pairs",
    ] {
        let svg = element(&dom, chart, "</svg>");
        assert!(svg.matches("<rect").count() >= 1, "{chart} has no bar");
    }
    let rules = element(&dom, "rules-table", "</table>");
    for r in s["rules"].as_array().unwrap() {
        let row = format!(
            "<td class=\"mono\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>",
            r["rule"].as_str().unwrap(),
            r["fail"],
            r["warn"]
        );
        assert!(rules.contains(&row), "rules table: {row}");
    }
    let codes = element(&dom, "codes-table", "</table>");
    for c in s["caa_codes"].as_array().unwrap() {
        assert!(codes.contains(c["code"].as_str().unwrap()));
    }
    let errors = element(&dom, "errors", "</table>");
    assert!(errors.contains("not a zip archive"));
    for id in ["weeks-table", "days-table", "pairs-table"] {
        element(&dom, id, "</table>");
    }
    assert!(dom.contains("<caption>Analyzed archives per os build"));
    assert!(dom.contains("<caption>Analyzed archives per channel"));
    // The script ran: controls shown, the table filled and counted.
    assert!(!element(&dom, "controls", ">").contains("hidden"));
    let (count, page, rows) = table_state(&dom);
    assert_eq!(count, format!("{n} of {n} archives match"));
    assert_eq!((page.as_str(), rows), ("page 1 of 1", n.min(100)));

    // A view in the address: archives failing `proxy`, and those that could not be read.
    let proxy = s["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "proxy")
        .unwrap()["fail"]
        .as_u64()
        .unwrap() as usize;
    assert!(proxy > 0);
    let dom = loaded(&fleet_page, "#rule=proxy&sort=-time");
    let (count, _, rows) = table_state(&dom);
    assert_eq!(
        (count, rows),
        (format!("{proxy} of {n} archives match"), proxy)
    );
    // A link with an unknown sort key or a broken escape still shows the table.
    let dom = loaded(&fleet_page, "#sort=x']%20b&host=%E0%A4%A");
    let (count, _, _) = table_state(&dom);
    assert!(
        count.ends_with(&format!(" of {n} archives match")),
        "{count}"
    );
    let dom = loaded(&fleet_page, "#status=error");
    let (count, _, rows) = table_state(&dom);
    assert_eq!((count, rows), (format!("1 of {n} archives match"), 1));
    assert!(element(&dom, "archive-table", "</table>").contains("not a zip archive"));
}

#[test]
#[ignore = "needs Debian's chromium; .ci/run installs it"]
fn browser_fleet_page_of_100000_archives_pages_filters_and_sorts_quickly() {
    let dir = scratch("browser-fleet-100k");
    let out = caadoctor(&["bulk", repo().join("samples").to_str().unwrap()]);
    let templates: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let records = dir.join("r.jsonl");
    let mut text = String::with_capacity(100_000 * 1200);
    for i in 0..100_000usize {
        let mut r = templates[i % templates.len()].clone();
        r["source"] = format!("store/{i:06}.zip").into();
        r["host"] = format!("PC-{:05}", (i * 7919) % 40_000).into();
        r["collected_at"] = format!(
            "2026-{:02}-{:02}T{:02}:{:02}:00Z",
            1 + i % 11,
            1 + i % 28,
            i % 24,
            i % 60
        )
        .into();
        let _ = writeln!(text, "{r}");
    }
    std::fs::write(&records, text).unwrap();
    let page = dir.join("fleet.html");
    let out = caadoctor(&[
        "fleet",
        records.to_str().unwrap(),
        "--html",
        page.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let size = std::fs::metadata(&page).unwrap().len();
    assert!(
        size < 2_000_000,
        "the page of 100,000 archives is {size} bytes"
    );
    let dom = loaded(&page, "#sort=-time&page=1000");
    let (count, pages, rows) = table_state(&dom);
    assert_eq!(count, "100000 of 100000 archives match");
    assert_eq!((pages.as_str(), rows), ("page 1000 of 1000", 100));
    let table = element(&dom, "archive-table", ">");
    let ms = |attr: &str| -> u64 {
        let at = table.find(&format!("{attr}=\"")).unwrap() + attr.len() + 2;
        table[at..].split('"').next().unwrap().parse().unwrap()
    };
    // Decoding 100,000 rows and sorting them: well under a second on this machine.
    assert!(
        ms("data-ms-decode") < 2_000,
        "decode {} ms",
        ms("data-ms-decode")
    );
    assert!(ms("data-ms-view") < 3_000, "sort {} ms", ms("data-ms-view"));
    // Sorted newest first, the last page holds the oldest: January.
    let body = element(&dom, "archive-table", "</tbody>");
    assert!(body.contains("2026-01-"), "the oldest are last");
    let dom = loaded(&page, "#rule=tls12&host=PC-0001");
    let (count, _, _) = table_state(&dom);
    assert!(
        count.ends_with(" of 100000 archives match") && !count.starts_with("0 "),
        "{count}"
    );
}
