//! The HTML report in a real browser: Debian's `chromium`, headless, with a fresh profile
//! and no background networking. Every sample's page shows every finding's rule, status
//! and evidence; nothing leaves the page (a local listener counts connections: the
//! report's page makes none and logs no CSP violation, a copy with an injected image,
//! stylesheet and script makes none either and logs the violations, and the same copy
//! without the CSP does connect — so the listener would have seen a load); a snapshot's
//! markup stays text; the screenshot is not blank, the page turns dark with the system, and
//! it prints.
//!
//! A plain `cargo test` skips these (a newcomer may have no Chromium): they are
//! `#[ignore]`d, and `.ci/run` installs Chromium and runs them with
//! `cargo test --test browser -- --ignored`, where a missing Chromium is a failure.
//! `CAADOCTOR_SCREENSHOT=docs/report.png` also writes the README's screenshot.

#[path = "support/chromium.rs"]
mod chromium;
mod common;

use chromium::{browse, csp_violations, load};
use common::{caadoctor, hostile_snapshot, json_of, repo, sample_zips, scratch};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

fn write_report(zip: &str, dir: &Path, name: &str) -> (PathBuf, serde_json::Value) {
    let page = dir.join(format!("{name}.html"));
    let out = caadoctor(&[
        "analyze",
        zip,
        "--format",
        "html",
        "-o",
        page.to_str().unwrap(),
    ]);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{zip}");
    (
        page,
        json_of(&caadoctor(&["analyze", zip, "--format", "json"])),
    )
}

#[test]
#[ignore = "needs Debian's chromium; .ci/run installs it"]
fn browser_shows_every_finding_status_and_evidence_of_every_sample() {
    let dir = scratch("browser-samples");
    for name in sample_zips() {
        let (page, report) = write_report(&format!("samples/{name}.zip"), &dir, &name);
        let (dom, log) = load(&page);
        assert!(dom.contains("</html>"), "{name}: no DOM\n{log}");
        assert_eq!(csp_violations(&log), Vec::<&str>::new(), "{name}");
        for f in report["findings"].as_array().unwrap() {
            let rule = f["rule"].as_str().unwrap();
            let start = dom
                .find(&format!("id=\"rule-{rule}\""))
                .unwrap_or_else(|| panic!("{name}: no finding {rule}"));
            let article = &dom[start..];
            let article = &article[..article.find("</article>").unwrap()];
            let status = f["status"].as_str().unwrap();
            let label = match status {
                "not_applicable" => "N/A".to_owned(),
                s => s.to_uppercase(),
            };
            assert!(
                article.contains(&format!("badge st-{status}\">")) && article.contains(&label),
                "{name}: {rule} shows {status}"
            );
            for e in f["evidence"].as_array().unwrap() {
                let fact = e["fact"].as_str().unwrap();
                assert!(article.contains(fact), "{name}: {rule} evidence {fact}");
                if let Some(src) = e["sources"].as_array().and_then(|s| s.first()) {
                    let artifact = src["artifact"].as_str().unwrap();
                    assert!(article.contains(artifact), "{name}: {rule} {artifact}");
                }
            }
        }
        let attempts = report["timeline"]["attempts"].as_u64().unwrap_or(0);
        assert_eq!(
            dom.contains("<svg class=\"chart\""),
            attempts > 0,
            "{name}: the chart"
        );
        assert!(dom.contains("<table class=\"matrix\">"), "{name}");
    }
}

/// Counts connections to a local port until dropped.
struct Listener {
    port: u16,
    hits: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Listener {
    fn start() -> Listener {
        let socket = TcpListener::bind("127.0.0.1:0").expect("bind");
        socket.set_nonblocking(true).expect("nonblocking");
        let port = socket.local_addr().expect("addr").port();
        let hits = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (h, s) = (Arc::clone(&hits), Arc::clone(&stop));
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::SeqCst) {
                match socket.accept() {
                    Ok((conn, _)) => {
                        h.fetch_add(1, Ordering::SeqCst);
                        drop(conn);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        Listener {
            port,
            hits,
            stop,
            thread: Some(thread),
        }
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[test]
#[ignore = "needs Debian's chromium; .ci/run installs it"]
fn browser_loads_nothing_and_the_csp_blocks_what_is_injected() {
    let dir = scratch("browser-csp");
    let listener = Listener::start();
    let (page, _) = write_report("samples/win7-sp1-no-tls12.zip", &dir, "report");
    let html = std::fs::read_to_string(&page).unwrap();
    let origin = format!("http://127.0.0.1:{}", listener.port);

    let (dom, log) = load(&page);
    assert!(dom.contains("id=\"rule-tls12\""));
    assert_eq!(csp_violations(&log), Vec::<&str>::new(), "our page");
    assert_eq!(listener.hits(), 0, "our page made a request");

    let injected = html.replacen(
        "<body>\n",
        &format!(
            "<body>\n<img src=\"{origin}/pixel.png\"><link rel=\"stylesheet\" href=\"{origin}/s.css\">\
             <script>document.title='script ran'</script>\n"
        ),
        1,
    );
    let bad = dir.join("injected.html");
    std::fs::write(&bad, &injected).unwrap();
    let (dom, log) = load(&bad);
    let violations = csp_violations(&log);
    assert!(
        violations
            .iter()
            .any(|l| l.contains(&format!("{origin}/pixel.png"))),
        "the image is reported: {violations:?}"
    );
    assert!(
        violations.iter().any(|l| l.contains("inline script")),
        "the script is reported: {violations:?}"
    );
    assert!(!dom.contains("<title>script ran</title>"), "no script ran");
    assert_eq!(listener.hits(), 0, "the CSP let a request out");

    // Without the policy the same page does reach the listener: it would have seen a load.
    let unprotected = injected.replace(
        "http-equiv=\"Content-Security-Policy\"",
        "name=\"x-removed\"",
    );
    let control = dir.join("no-csp.html");
    std::fs::write(&control, unprotected).unwrap();
    let (dom, _) = load(&control);
    assert!(
        dom.contains("<title>script ran</title>"),
        "the control's script ran"
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    while listener.hits() == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(listener.hits() > 0, "the control page made no request");
}

#[test]
#[ignore = "needs Debian's chromium; .ci/run installs it"]
fn browser_shows_a_hostile_value_as_text() {
    let snapshot = hostile_snapshot("browser-hostile");
    let dir = scratch("browser-hostile-out");
    let page = dir.join("hostile.html");
    let out = caadoctor(&[
        "analyze",
        snapshot.to_str().unwrap(),
        "--format",
        "html",
        "-o",
        page.to_str().unwrap(),
    ]);
    assert!(matches!(out.status.code(), Some(0 | 1)));
    let (dom, log) = load(&page);
    assert_eq!(csp_violations(&log), Vec::<&str>::new());
    assert!(!dom.contains("<img"), "an img element was made");
    assert!(!dom.contains("<script"), "a script element was made");
    assert!(!dom.contains("<b onmouseover"));
    assert!(!dom.contains("pwned</title>"));
    assert!(
        dom.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "the value is shown"
    );
    let _ = std::fs::remove_dir_all(&snapshot);
}

/// A PNG's pixels (RGB or RGBA samples each) and how many colours it has.
fn pixels_of(png: &Path) -> (Vec<Vec<u8>>, usize) {
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(png).expect("a screenshot"),
    ));
    let mut reader = decoder.read_info().expect("png");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("frame");
    let channels = info.color_type.samples();
    let pixels: Vec<Vec<u8>> = buf[..info.buffer_size()]
        .chunks(channels)
        .map(<[u8]>::to_vec)
        .collect();
    let mut colours = pixels.clone();
    colours.sort();
    colours.dedup();
    (pixels, colours.len())
}

/// Red + green + blue.
fn brightness(pixel: &[u8]) -> u32 {
    pixel.iter().take(3).map(|c| u32::from(*c)).sum()
}

#[test]
#[ignore = "needs Debian's chromium; .ci/run installs it"]
fn browser_screenshot_is_not_blank_follows_dark_mode_and_prints() {
    let dir = scratch("browser-shot");
    let (page, _) = write_report("samples/win7-sp1-no-tls12.zip", &dir, "report");
    let png = dir.join("report.png");
    let shot = format!("--screenshot={}", png.display());
    browse(
        &page,
        &["--hide-scrollbars", "--window-size=1200,1500", &shot],
    );
    let (pixels, colours) = pixels_of(&png);
    let background = pixels[0].clone();
    let other = pixels.iter().filter(|p| **p != background).count();
    assert!(
        other * 20 > pixels.len(),
        "{} of {} pixels differ from the background",
        other,
        pixels.len()
    );
    assert!(colours > 50, "{colours} colours");
    assert!(
        brightness(&background) > 600,
        "light by default: {background:?}"
    );
    // The system's dark mode gives a dark page.
    let dark = dir.join("dark.png");
    let shot = format!("--screenshot={}", dark.display());
    browse(
        &page,
        &["--force-dark-mode", "--window-size=1200,800", &shot],
    );
    let (pixels, _) = pixels_of(&dark);
    assert!(brightness(&pixels[0]) < 150, "dark: {:?}", pixels[0]);
    if let Some(target) = std::env::var_os("CAADOCTOR_SCREENSHOT") {
        std::fs::copy(&png, repo().join(target)).expect("copy the screenshot");
    }

    let pdf = dir.join("report.pdf");
    let print = format!("--print-to-pdf={}", pdf.display());
    browse(&page, &["--no-pdf-header-footer", &print]);
    let bytes = std::fs::read(&pdf).expect("a PDF");
    assert!(bytes.starts_with(b"%PDF"));
    let pages = bytes.windows(10).filter(|w| w == b"/Type /Pag").count();
    assert!(pages >= 3, "{pages} pages");
}
