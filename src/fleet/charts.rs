//! The dashboard's bar charts, as inline SVG drawn without script: horizontal bars for
//! ranked things (rules, codes, pairs of rules) and vertical bars over time (weeks, days).
//! Each bar is a stack of parts, each part a colour class of the stylesheet and a count;
//! every bar carries a `<title>` with its numbers, and the page puts a table of the same
//! numbers next to each chart for print and screen readers.

use crate::report::html::E;
use crate::report::html::charts::tick_step;
use std::fmt::Write;

/// One bar: its label and its stacked parts (colour class, count, what the part counts).
pub struct Bar {
    pub label: String,
    pub parts: Vec<(&'static str, usize, &'static str)>,
}

impl Bar {
    fn total(&self) -> usize {
        self.parts.iter().map(|p| p.1).sum()
    }
}

const WIDTH: f64 = 760.0;

/// Ranked bars, one row each, longest scale at the widest bar.
pub fn horizontal(out: &mut String, id: &str, title: &str, bars: &[Bar]) {
    const ROW: f64 = 22.0;
    const LABEL: f64 = 210.0;
    const RIGHT: f64 = 60.0;
    let height = ROW * bars.len() as f64 + 8.0;
    let max = bars.iter().map(Bar::total).max().unwrap_or(0).max(1);
    let scale = (WIDTH - LABEL - RIGHT) / max as f64;
    let _ = writeln!(
        out,
        "<svg class=\"chart\" id=\"{id}\" viewBox=\"0 0 {WIDTH} {height:.0}\" role=\"img\" aria-labelledby=\"{id}-title\" xmlns=\"http://www.w3.org/2000/svg\">\n<title id=\"{id}-title\">{}</title>",
        E(title)
    );
    for (i, bar) in bars.iter().enumerate() {
        let y = 4.0 + ROW * i as f64;
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            LABEL - 8.0,
            y + 15.0,
            E(&bar.label)
        );
        let mut x = LABEL;
        for &(class, n, what) in bar.parts.iter().filter(|p| p.1 > 0) {
            let w = (n as f64 * scale).max(1.0);
            let _ = writeln!(
                out,
                "<rect class=\"{class}\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{:.1}\"><title>{}: {n} {what}</title></rect>",
                y + 3.0,
                ROW - 6.0,
                E(&bar.label)
            );
            x += w;
        }
        let _ = writeln!(
            out,
            "<text class=\"total\" x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            x + 5.0,
            y + 15.0,
            bar.total()
        );
    }
    out.push_str("</svg>\n");
}

/// Bars over time, left to right; at most `LABELS` labels under the axis.
pub fn vertical(out: &mut String, id: &str, title: &str, axis: &str, bars: &[Bar]) {
    const HEIGHT: f64 = 230.0;
    const LEFT: f64 = 48.0;
    const RIGHT: f64 = 10.0;
    const TOP: f64 = 18.0;
    const BOTTOM: f64 = 40.0;
    const MAX_BAR: f64 = 44.0;
    const LABELS: usize = 12;
    let n = bars.len().max(1);
    let max = bars.iter().map(Bar::total).max().unwrap_or(0).max(1);
    let step = tick_step(max);
    let top_value = max.div_ceil(step) * step;
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let slot = plot_w / n as f64;
    let bar_w = (slot * 0.7).clamp(1.0, MAX_BAR);
    let y_of = |v: usize| TOP + plot_h - plot_h * v as f64 / top_value as f64;
    let _ = writeln!(
        out,
        "<svg class=\"chart\" id=\"{id}\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-labelledby=\"{id}-title\" xmlns=\"http://www.w3.org/2000/svg\">\n<title id=\"{id}-title\">{}</title>",
        E(title)
    );
    let mut v = 0;
    while v <= top_value {
        let y = y_of(v);
        let _ = writeln!(
            out,
            "<line class=\"axis\" x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{v}</text>",
            WIDTH - RIGHT,
            LEFT - 6.0,
            y + 4.0
        );
        v += step;
    }
    let every = n.div_ceil(LABELS);
    for (i, bar) in bars.iter().enumerate() {
        let x = LEFT + slot * i as f64 + (slot - bar_w) / 2.0;
        let mut base = 0;
        for &(class, count, what) in bar.parts.iter().filter(|p| p.1 > 0) {
            let (y0, y1) = (y_of(base), y_of(base + count));
            let _ = writeln!(
                out,
                "<rect class=\"{class}\" x=\"{x:.1}\" y=\"{y1:.1}\" width=\"{bar_w:.1}\" height=\"{:.1}\"><title>{}: {count} {what}</title></rect>",
                (y0 - y1).max(0.5),
                E(&bar.label)
            );
            base += count;
        }
        if i % every == 0 || i + 1 == n {
            let _ = writeln!(
                out,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                x + bar_w / 2.0,
                HEIGHT - BOTTOM + 16.0,
                E(bar.label.get(5..).unwrap_or(&bar.label))
            );
        }
    }
    let _ = writeln!(
        out,
        "<line class=\"axis\" x1=\"{LEFT}\" x2=\"{LEFT}\" y1=\"{TOP}\" y2=\"{:.1}\"/>\
         <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\n</svg>",
        TOP + plot_h,
        LEFT + plot_w / 2.0,
        HEIGHT - 6.0,
        E(axis)
    );
}
