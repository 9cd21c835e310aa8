//! Bar charts as inline SVG drawn without script, for the report's sign-in timeline and
//! the fleet dashboard: horizontal bars for ranked things (rules, codes, pairs of rules) and
//! vertical bars over time (days, weeks). Each bar is a stack of parts, each a colour class
//! of the stylesheet and a count with its own `<title>`; the pages put a table of the same
//! numbers next to each chart for print and screen readers.

use super::E;
use std::fmt::Write;

/// One part of a bar: its colour class, its count, and the tooltip after the bar's label
/// (`3 attempts` shows as `2026-11-20: 3 attempts`).
pub struct Part {
    pub class: String,
    pub count: usize,
    pub what: String,
}

impl Part {
    pub fn new(class: &str, count: usize, what: &str) -> Part {
        Part {
            class: class.to_owned(),
            count,
            what: what.to_owned(),
        }
    }
}

/// One bar: its label and its stacked parts.
pub struct Bar {
    pub label: String,
    pub parts: Vec<Part>,
}

impl Bar {
    fn total(&self) -> usize {
        self.parts.iter().map(|p| p.count).sum()
    }
}

/// A step for the y axis giving at most five ticks: 1, 2, 5, 10, 20, 50...
pub fn tick_step(max: usize) -> usize {
    let mut step = 1;
    loop {
        for m in [1, 2, 5] {
            if max.div_ceil(step * m) <= 5 {
                return step * m;
            }
        }
        step *= 10;
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
        for p in bar.parts.iter().filter(|p| p.count > 0) {
            let w = (p.count as f64 * scale).max(1.0);
            let _ = writeln!(
                out,
                "<rect class=\"{}\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{:.1}\"><title>{}: {} {}</title></rect>",
                E(&p.class),
                y + 3.0,
                ROW - 6.0,
                E(&bar.label),
                p.count,
                E(&p.what)
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

/// Bars over time, left to right, labelled by date (`2026-11-20` shows as `11-20`; the
/// year is in the tables); at most `LABELS` labels under the axis; with `totals`, each
/// bar's total above it.
pub fn vertical(out: &mut String, id: &str, title: &str, axis: &str, bars: &[Bar], totals: bool) {
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
        for p in bar.parts.iter().filter(|p| p.count > 0) {
            let (y0, y1) = (y_of(base), y_of(base + p.count));
            let _ = writeln!(
                out,
                "<rect class=\"{}\" x=\"{x:.1}\" y=\"{y1:.1}\" width=\"{bar_w:.1}\" height=\"{:.1}\"><title>{}: {} {}</title></rect>",
                E(&p.class),
                (y0 - y1).max(0.5),
                E(&bar.label),
                p.count,
                E(&p.what)
            );
            base += p.count;
        }
        if totals && base > 0 {
            let _ = writeln!(
                out,
                "<text class=\"total\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{base}</text>",
                x + bar_w / 2.0,
                y_of(base) - 3.0
            );
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_stay_few_and_round() {
        assert_eq!(tick_step(1), 1);
        assert_eq!(tick_step(5), 1);
        assert_eq!(tick_step(6), 2);
        assert_eq!(tick_step(23), 5);
        assert_eq!(tick_step(240), 50);
    }

    #[test]
    fn bars_carry_their_numbers_and_escape_their_labels() {
        let bars = [Bar {
            label: "<b>".to_owned(),
            parts: vec![Part::new("k0", 3, "attempts"), Part::new("k1", 0, "none")],
        }];
        let mut out = String::new();
        vertical(&mut out, "c", "T", "day", &bars, true);
        assert_eq!(out.matches("<rect").count(), 1);
        assert!(out.contains("<title>&lt;b&gt;: 3 attempts</title>"));
        assert!(out.contains(">3</text>"));
        let mut out = String::new();
        horizontal(&mut out, "h", "T", &bars);
        assert!(out.contains("<title>&lt;b&gt;: 3 attempts</title>"));
    }
}
