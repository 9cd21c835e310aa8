//! The two pictures of the HTML report, both drawn without script: the sign-in timeline as
//! an inline SVG bar chart (attempts per UTC day, stacked by the codes they carried, with
//! a legend that decodes every code and a table of the same numbers for print and screen
//! readers), and the probe matrix as a table whose cells carry their result as a word and
//! a colour.

use super::E;
use super::bars::{Bar, Part, vertical};
use crate::report::probes::{Cell, ProbeMatrix};
use crate::report::timeline::Timeline;
use std::fmt::Write;

/// Colours of the chart (`.k0` … `.k7` in the stylesheet); kinds past the last share it.
const PALETTE: usize = 8;

fn kind_class(i: usize) -> usize {
    i.min(PALETTE - 1)
}

pub(super) fn timeline(out: &mut String, timeline: Option<&Timeline>) {
    out.push_str("<section id=\"timeline\">\n<h2>Sign-in timeline</h2>\n");
    let Some(t) = timeline else {
        out.push_str("<p>The snapshot holds neither Office's alerts (OAlerts) nor the AAD log: no sign-in attempt can be shown.</p>\n</section>\n");
        return;
    };
    let logs: Vec<String> = t.logs.iter().map(|l| E(l).to_string()).collect();
    if t.attempts == 0 {
        let _ = write!(
            out,
            "<p>No sign-in attempt with a 0xCAA code in the logs read: {}.</p>\n</section>\n",
            logs.join("; ")
        );
        return;
    }
    let _ = writeln!(
        out,
        "<p>{} sign-in attempt{} with a 0xCAA code (events within two minutes counted once), per day (UTC), from {}.</p>",
        t.attempts,
        if t.attempts == 1 { "" } else { "s" },
        logs.join("; ")
    );
    chart(out, t);
    legend(out, t);
    table(out, t);
    out.push_str("</section>\n");
}

fn chart(out: &mut String, t: &Timeline) {
    let bars: Vec<Bar> = t
        .chart_days()
        .iter()
        .map(|day| Bar {
            label: day.date.clone(),
            parts: day
                .by_kind
                .iter()
                .enumerate()
                .map(|(k, &count)| {
                    let label = t.kinds.get(k).map(|k| k.label()).unwrap_or_default();
                    Part::new(&format!("k{}", kind_class(k)), count, &format!("× {label}"))
                })
                .collect(),
        })
        .collect();
    let title = format!(
        "Sign-in attempts per day, {} in all, from {} to {}",
        t.attempts, t.from, t.to
    );
    vertical(out, "tl", &title, "day (UTC)", &bars, true);
}

fn legend(out: &mut String, t: &Timeline) {
    out.push_str("<table class=\"legend\">\n<thead><tr><th>Codes of an attempt</th><th>Attempts</th><th>What they mean</th></tr></thead>\n<tbody>\n");
    for (i, k) in t.kinds.iter().enumerate() {
        let _ = write!(
            out,
            "<tr><td><span class=\"swatch k{}\"></span><code>{}</code></td><td class=\"num\">{}</td><td>",
            kind_class(i),
            E(&k.label()),
            k.attempts
        );
        for (j, c) in k.codes.iter().enumerate() {
            if j > 0 {
                out.push_str("<br>");
            }
            let _ = write!(out, "<code>{}</code>", E(&c.code));
            if !c.short.is_empty() {
                let _ = write!(out, " {}", E(&c.short));
            }
            let _ = write!(out, ": {}", E(&c.meaning));
        }
        out.push_str("</td></tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
}

fn table(out: &mut String, t: &Timeline) {
    out.push_str("<details><summary>The same per day, and the latest attempts with their events</summary>\n<table>\n<thead><tr><th>Day (UTC)</th><th>Attempts</th><th>Codes</th></tr></thead>\n<tbody>\n");
    for d in &t.days {
        let codes: Vec<String> = t
            .codes_of(d)
            .iter()
            .map(|(label, n)| format!("{} ×{n}", E(label)))
            .collect();
        let _ = writeln!(
            out,
            "<tr><td class=\"nowrap\">{}</td><td class=\"num\">{}</td><td class=\"mono\">{}</td></tr>",
            E(&d.date),
            d.attempts,
            codes.join("; ")
        );
    }
    out.push_str("</tbody>\n</table>\n<table>\n<thead><tr><th>Attempt (UTC)</th><th>Codes</th><th>Events</th></tr></thead>\n<tbody>\n");
    for a in &t.latest {
        let codes: Vec<String> = a.codes.iter().map(|c| E(c).to_string()).collect();
        let events: Vec<String> = a
            .sources
            .iter()
            .map(|s| format!("{}: {} — {}", E(&s.artifact), E(&s.locator), E(&s.seen)))
            .collect();
        let _ = writeln!(
            out,
            "<tr><td class=\"mono nowrap\">{}</td><td class=\"mono nowrap\">{}</td><td class=\"mono\">{}</td></tr>",
            E(&a.time),
            codes.join("<br>"),
            events.join("<br>")
        );
    }
    out.push_str("</tbody>\n</table>\n</details>\n");
}

fn matrix_cell(out: &mut String, c: &Cell) {
    let result = c.result.as_str();
    let _ = write!(
        out,
        "<td class=\"r-{}\"><span class=\"res\">{result}</span>{}</td>",
        result.replace(' ', "_"),
        E(&c.text)
    );
}

pub(super) fn probes(out: &mut String, matrix: Option<&ProbeMatrix>) {
    out.push_str("<section id=\"probes\">\n<h2>Probe matrix</h2>\n");
    let Some(m) = matrix else {
        out.push_str("<p>The snapshot has no connectivity probes (the collector ran with <code>-NoProbes</code>, or the files were exported by hand).</p>\n</section>\n");
        return;
    };
    let _ = writeln!(
        out,
        "<p>The article's endpoints as the PC reached them{}: name resolution, TCP, WinHTTP (the stack activation uses) and WinINet (the browser's). From <code>{}</code>.</p>",
        m.started
            .as_ref()
            .map(|s| format!(" at {}", E(s)))
            .unwrap_or_default(),
        E(&m.artifact)
    );
    out.push_str("<table class=\"matrix\">\n<thead><tr><th>Endpoint</th><th>DNS</th><th>TCP</th><th>WinHTTP (activation)</th><th>WinINet (browser)</th></tr></thead>\n<tbody>\n");
    for r in &m.rows {
        let line = r
            .line
            .map(|l| format!("<div class=\"note\">line {l}</div>"))
            .unwrap_or_default();
        let extra = if r.listed {
            ""
        } else {
            "<div class=\"note\">not in the article's list</div>"
        };
        let _ = write!(
            out,
            "<tr><td class=\"mono\">{}{line}{extra}</td>",
            E(&r.url)
        );
        for c in [&r.dns, &r.tcp, &r.winhttp, &r.wininet] {
            matrix_cell(out, c);
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}
