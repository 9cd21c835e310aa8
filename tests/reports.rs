//! The HTML and Markdown reports of every sample, without a browser: the HTML is one
//! self-contained page within its size budget that holds every finding, the timeline and
//! the probe matrix, failing causes first; the Markdown parses as GitHub-flavoured
//! Markdown with real tables and no HTML but `<details>`; a snapshot's markup is text in
//! both. (`tests/browser.rs` loads the pages in Chromium.)

mod common;

use common::{HOSTILE, caadoctor, hostile_snapshot, json_of, sample_zips, scratch};
use pulldown_cmark::{Event, Options, Parser, Tag};

/// A sample's HTML must fit in a mail attachment comfortably.
const MAX_HTML: usize = 200 * 1024;
/// Jira's default limit for a comment.
const MAX_MARKDOWN: usize = 32_767;

fn render(path: &str, format: &str) -> String {
    let out = caadoctor(&["analyze", path, "--format", format]);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{path}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

fn report(path: &str) -> serde_json::Value {
    json_of(&caadoctor(&["analyze", path, "--format", "json"]))
}

#[test]
fn every_samples_html_is_one_self_contained_page_with_every_finding() {
    for name in sample_zips() {
        let path = format!("samples/{name}.zip");
        let html = render(&path, "html");
        let json = report(&path);
        assert!(
            html.len() <= MAX_HTML,
            "{name}: {} bytes of HTML",
            html.len()
        );
        assert!(html.starts_with("<!DOCTYPE html>"), "{name}");
        assert!(
            html.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src &#39;none&#39;; style-src &#39;unsafe-inline&#39;; img-src data:;"),
            "{name}: the CSP meta"
        );
        // Nothing that loads or runs: no script, no external reference of any kind.
        for banned in [
            "<script",
            "<link",
            "<iframe",
            "<object",
            "<embed",
            "@import",
            "url(",
            " src=",
            "href=\"http",
            "href=\"//",
        ] {
            assert!(!html.contains(banned), "{name}: {banned}");
        }
        for f in json["findings"].as_array().unwrap() {
            let rule = f["rule"].as_str().unwrap();
            assert!(
                html.contains(&format!("id=\"rule-{rule}\"")),
                "{name}: anchor of {rule}"
            );
            assert!(
                html.contains(&format!("href=\"#rule-{rule}\"")),
                "{name}: link to {rule}"
            );
        }
        assert!(html.contains("<section id=\"timeline\">"), "{name}");
        assert!(
            html.contains("<table class=\"matrix\">"),
            "{name}: probe matrix"
        );
        assert_eq!(
            html.matches("<tr><td class=\"mono\">http").count(),
            20,
            "{name}: the article's 20 endpoints"
        );
        for section in ["verdicts", "fix", "findings", "problems", "artifacts"] {
            assert!(
                html.contains(&format!("<section id=\"{section}\">")),
                "{name}: {section}"
            );
        }
        assert!(html.contains("@media (prefers-color-scheme: dark)"));
        assert!(html.contains("@media print"));
    }
}

#[test]
fn the_legacy_sample_shows_its_failing_causes_first_with_evidence_chart_and_matrix() {
    let html = render("samples/win7-sp1-no-tls12.zip", "html");
    let fix = &html[html.find("<section id=\"fix\">").unwrap()..];
    let fix = &fix[..fix.find("</section>").unwrap()];
    // Failures first, by severity: the two critical ones before the rest.
    let order: Vec<usize> = [
        "tls12",
        "endpoints",
        "tls-handshake",
        "windows-updates",
        "os-support",
    ]
    .iter()
    .map(|r| {
        fix.find(&format!("href=\"#rule-{r}\""))
            .unwrap_or_else(|| panic!("{r}"))
    })
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    assert!(fix.contains("install update KB3140245"), "with the steps");
    // The first finding shown is a failure, with its evidence table.
    let first = &html[html.find("<article").unwrap()..];
    let first = &first[..first.find("</article>").unwrap()];
    assert!(
        first.contains("class=\"finding f-fail\" id=\"rule-tls12\""),
        "{}",
        &first[..200]
    );
    assert!(first.contains("<table class=\"evidence\">"));
    assert!(first.contains("DefaultSecureProtocols"));
    assert!(first.contains("internet-settings-hklm.reg"));
    // The chart: one bar per day with attempts, the code decoded in its legend.
    assert!(html.contains("<svg class=\"chart\""));
    assert_eq!(html.matches("<rect class=\"k0\"").count(), 3);
    assert!(html.contains("12175 SECURE_FAILURE"));
    // WinHTTP fails with 12175 where the CRL downloads (plain HTTP) get through.
    assert!(html.contains("<td class=\"r-fail\"><span class=\"res\">fail</span>0x80072F8F (12175 SECURE_FAILURE), direct</td>"));
    assert!(html.contains("<span class=\"res\">ok</span>HTTP 200"));
}

#[test]
fn a_hostile_value_is_text_in_html_and_markdown() {
    let dir = hostile_snapshot("reports-hostile");
    let path = dir.to_string_lossy().into_owned();
    let html = render(&path, "html");
    let escaped = "&lt;img src=x onerror=alert(1)&gt;&lt;/script&gt;&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;";
    assert!(html.contains(escaped), "the value is shown, escaped");
    assert!(
        html.contains("&lt;b onmouseover=alert(1)&gt;notes.txt"),
        "so is the file name"
    );
    for banned in ["<img", "<script", "<b onmouseover", "</script>"] {
        assert!(!html.contains(banned), "{banned}");
    }
    let md = render(&path, "markdown");
    // Escaped (`\<img`): the parser sees text, not HTML (below).
    assert!(
        md.contains(r"\<img src=x onerror=alert(1)\>"),
        "shown as text"
    );
    assert!(!HOSTILE.is_empty());
    only_details_html(&md, "hostile");
    // The same in a redacted report.
    let html = render_redacted(&path);
    assert!(!html.contains("<img") && !html.contains("<script"));
    let _ = std::fs::remove_dir_all(&dir);
}

fn render_redacted(path: &str) -> String {
    let out = caadoctor(&["analyze", path, "--format", "html", "--redact"]);
    String::from_utf8(out.stdout).expect("utf-8")
}

/// Every HTML event of the Markdown is `<details>`, `</details>` or a `<summary>` line.
fn only_details_html(md: &str, name: &str) {
    let mut html = Vec::new();
    for event in Parser::new_ext(md, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH) {
        if let Event::Html(t) | Event::InlineHtml(t) = event {
            html.push(t.to_string());
        }
    }
    for h in html {
        for line in h.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let ok = line == "<details>"
                || line == "</details>"
                || (line.starts_with("<summary>")
                    && line.ends_with("</summary>")
                    && !line[9..line.len() - 10].contains('<'));
            assert!(ok, "{name}: raw HTML {line:?}");
        }
    }
}

#[test]
fn every_samples_markdown_parses_with_tables_and_only_details_html() {
    for name in sample_zips() {
        let path = format!("samples/{name}.zip");
        let md = render(&path, "markdown");
        assert!(md.len() <= MAX_MARKDOWN, "{name}: {} characters", md.len());
        let mut tables = 0;
        let mut headings = Vec::new();
        let mut in_heading = false;
        let mut links = 0;
        for event in Parser::new_ext(&md, Options::ENABLE_TABLES) {
            match event {
                Event::Start(Tag::Table(_)) => tables += 1,
                Event::Start(Tag::Heading { .. }) => {
                    in_heading = true;
                    headings.push(String::new());
                }
                Event::End(pulldown_cmark::TagEnd::Heading(_)) => in_heading = false,
                Event::Text(t) | Event::Code(t) if in_heading => {
                    if let Some(h) = headings.last_mut() {
                        h.push_str(&t);
                    }
                }
                Event::Start(Tag::Link { .. } | Tag::Image { .. }) => links += 1,
                _ => {}
            }
        }
        assert!(
            tables >= 2,
            "{name}: the other findings and the probe matrix are tables"
        );
        assert_eq!(links, 0, "{name}: nothing links or loads");
        assert!(
            headings.iter().any(|h| h == "What to fix"),
            "{name}: {headings:?}"
        );
        only_details_html(&md, &name);
        // Every finding is named, once in What to fix or on its line of the table.
        let json = report(&path);
        for f in json["findings"].as_array().unwrap() {
            let rule = f["rule"].as_str().unwrap();
            assert!(md.contains(&format!("`{rule}`")), "{name}: {rule}");
        }
    }
}

#[test]
fn output_writes_a_file_never_inside_the_snapshot() {
    let dir = scratch("reports-output");
    let file = dir.join("r.html");
    let out = caadoctor(&[
        "analyze",
        "samples/win11-healthy.zip",
        "--format",
        "html",
        "--output",
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty(), "nothing on standard output");
    let html = std::fs::read_to_string(&file).unwrap();
    assert!(html.ends_with("</html>\n"));
    // A table written to a file is plain, and as wide as for a pipe.
    let table = dir.join("r.txt");
    caadoctor(&[
        "analyze",
        "samples/win11-healthy.zip",
        "--color",
        "always",
        "-o",
        table.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&table).unwrap();
    assert!(text.contains("What to fix") || text.contains("Summary:"));
    let inside = "samples/win11-healthy/report.html";
    let out = caadoctor(&[
        "analyze",
        "samples/win11-healthy",
        "--format",
        "html",
        "-o",
        inside,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("inside the snapshot"));
    assert!(!common::repo().join(inside).exists());
}
