//! The probe matrix of a report: the article's endpoints (in its order) × name resolution,
//! TCP, WinHTTP (activation's stack) and WinINet (the browser's), each cell the result and
//! the error decoded. Read from the collector's probes; an endpoint it did not probe is a
//! row of "not probed", a URL it probed beyond the article's list comes last.

use crate::codes;
use crate::endpoints;
use crate::facts::probes::failure;
use crate::parse::probes::{Dns, Http, Probe, Probes, Tcp};
use serde::Serialize;

/// Addresses shown per family in a DNS cell; the rest are counted.
const ADDRESSES_SHOWN: usize = 2;

#[derive(Debug, Clone, Serialize)]
pub struct ProbeMatrix {
    /// The probes' file inside the snapshot.
    pub artifact: String,
    /// When the collector started probing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started: Option<String>,
    pub rows: Vec<ProbeRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProbeRow {
    pub url: String,
    /// In the article's list of endpoints.
    pub listed: bool,
    /// Line of the probe's result in the probes' file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    pub dns: Cell,
    pub tcp: Cell,
    pub winhttp: Cell,
    pub wininet: Cell,
}

/// What one stage of one probe gave.
#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    pub result: CellResult,
    /// What happened, in a few words (`HTTP 200 in 84 ms, direct`,
    /// `0x80072EE2 (12002 TIMEOUT)`).
    pub text: String,
    /// The error code, as the decoder names it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CellResult {
    Ok,
    /// Reached, but with something to look at (a 407, IPv6 failing beside IPv4).
    Warn,
    Fail,
    /// The stage did not run (an earlier one failed, or the collector skipped it).
    NotRun,
}

impl CellResult {
    pub fn as_str(self) -> &'static str {
        match self {
            CellResult::Ok => "ok",
            CellResult::Warn => "warn",
            CellResult::Fail => "fail",
            CellResult::NotRun => "not run",
        }
    }
}

fn cell(result: CellResult, text: impl Into<String>) -> Cell {
    Cell {
        result,
        text: text.into(),
        code: None,
    }
}

fn not_run(what: &str) -> Cell {
    cell(CellResult::NotRun, what)
}

/// One failure as decoded: the probe's code and message, what reports say, the code's name.
struct Failure {
    code: Option<i64>,
    error: Option<String>,
    text: String,
    name: Option<String>,
}

/// Failures decoded once per code: the same error repeats across endpoints.
#[derive(Default)]
struct Decoded(Vec<Failure>);

impl Decoded {
    /// What an HTTP probe's failure says, and its code as the decoder names it.
    fn failure(&mut self, h: &Http) -> (String, Option<String>) {
        let code = h.code();
        let known = self
            .0
            .iter()
            .find(|f| f.code == code && (code.is_some() || f.error == h.error));
        if let Some(f) = known {
            return (f.text.clone(), f.name.clone());
        }
        let text = failure(h);
        let name = code.map(|c| codes::decode((c & 0xFFFF_FFFF) as u32).code);
        self.0.push(Failure {
            code,
            error: h.error.clone(),
            text: text.clone(),
            name: name.clone(),
        });
        (text, name)
    }
}

/// The matrix of a snapshot's probes.
pub fn build(probes: &(String, Probes, Vec<usize>)) -> ProbeMatrix {
    let (artifact, p, lines) = probes;
    let mut decoded = Decoded::default();
    let mut used = vec![false; p.results.len()];
    let mut rows: Vec<ProbeRow> = endpoints::all()
        .iter()
        .map(|e| {
            let at = p
                .results
                .iter()
                .enumerate()
                .position(|(i, r)| !used[i] && r.url.eq_ignore_ascii_case(&e.url));
            match at {
                Some(i) => {
                    used[i] = true;
                    row(&p.results[i], true, lines.get(i).copied(), &mut decoded)
                }
                None => ProbeRow {
                    url: e.url.clone(),
                    listed: true,
                    line: None,
                    dns: not_run("not probed"),
                    tcp: not_run("not probed"),
                    winhttp: not_run("not probed"),
                    wininet: not_run("not probed"),
                },
            }
        })
        .collect();
    for (i, r) in p.results.iter().enumerate() {
        if !used[i] {
            rows.push(row(r, false, lines.get(i).copied(), &mut decoded));
        }
    }
    ProbeMatrix {
        artifact: artifact.clone(),
        started: p.started.clone(),
        rows,
    }
}

fn row(p: &Probe, listed: bool, line: Option<usize>, decoded: &mut Decoded) -> ProbeRow {
    let mut stack = |h: &Option<Http>| match h {
        Some(h) => http(h, decoded),
        None => not_run("not run"),
    };
    ProbeRow {
        url: p.url.clone(),
        listed,
        line,
        dns: p.dns.as_ref().map_or_else(|| not_run("not run"), dns),
        tcp: tcp(&p.tcp),
        winhttp: stack(&p.winhttp),
        wininet: stack(&p.wininet),
    }
}

fn addresses(kind: &str, list: &[String]) -> Option<String> {
    if list.is_empty() {
        return None;
    }
    let shown: Vec<&str> = list
        .iter()
        .take(ADDRESSES_SHOWN)
        .map(String::as_str)
        .collect();
    let more = list.len().saturating_sub(ADDRESSES_SHOWN);
    Some(if more > 0 {
        format!("{kind} {} +{more}", shown.join(", "))
    } else {
        format!("{kind} {}", shown.join(", "))
    })
}

fn dns(d: &Dns) -> Cell {
    if !d.ok {
        let why = d.error.clone().unwrap_or_else(|| "not resolved".to_owned());
        return cell(CellResult::Fail, why);
    }
    let found: Vec<String> = [addresses("A", &d.ipv4), addresses("AAAA", &d.ipv6)]
        .into_iter()
        .flatten()
        .collect();
    if found.is_empty() {
        return cell(CellResult::Ok, "resolved");
    }
    cell(CellResult::Ok, found.join("; "))
}

fn tcp(attempts: &[Tcp]) -> Cell {
    if attempts.is_empty() {
        return not_run("not tried");
    }
    let parts: Vec<String> = attempts
        .iter()
        .map(|t| {
            let family = if t.family.eq_ignore_ascii_case("ipv6") {
                "IPv6"
            } else {
                "IPv4"
            };
            match (t.ok, t.ms, &t.error) {
                (true, Some(ms), _) => format!("{family} ok in {ms} ms"),
                (true, None, _) => format!("{family} ok"),
                (false, _, Some(e)) => format!("{family} {e}"),
                (false, _, None) => format!("{family} failed"),
            }
        })
        .collect();
    let ok = attempts.iter().filter(|t| t.ok).count();
    let result = match ok {
        0 => CellResult::Fail,
        n if n == attempts.len() => CellResult::Ok,
        _ => CellResult::Warn,
    };
    cell(result, parts.join("; "))
}

fn via(h: &Http) -> String {
    match h.proxy.as_deref() {
        None | Some("") => String::new(),
        Some(p) if p.eq_ignore_ascii_case("direct") => ", direct".to_owned(),
        Some(p) => format!(", via {p}"),
    }
}

fn http(h: &Http, decoded: &mut Decoded) -> Cell {
    let via = via(h);
    if h.reached() {
        let status = h.status.unwrap_or_default();
        let ms = h.ms.map(|ms| format!(" in {ms} ms")).unwrap_or_default();
        let (result, what) = match status {
            407 => (CellResult::Warn, "HTTP 407, the proxy wants credentials"),
            _ => (CellResult::Ok, ""),
        };
        let text = if what.is_empty() {
            format!("HTTP {status}{ms}{via}")
        } else {
            format!("{what}{ms}{via}")
        };
        return cell(result, text);
    }
    let (text, code) = decoded.failure(h);
    Cell {
        result: CellResult::Fail,
        text: format!("{text}{via}"),
        code,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_endpoint_is_a_row_in_the_articles_order() {
        let text = r#"{"schema":"caadoctor.probes/1","results":[
          {"url":"https://example.org/extra"},
          {"url":"https://login.microsoftonline.com/","dns":{"ok":true,"ipv4":["20.190.1.1","20.190.1.2","20.190.1.3"]},
           "tcp":[{"family":"ipv4","ok":true,"ms":12},{"family":"ipv6","ok":false,"error":"timeout"}],
           "winhttp":{"error_code":-2147012894,"proxy":"direct"},
           "wininet":{"status":200,"ms":80,"proxy":"proxy.example:8080"}}]}"#;
        let p = crate::parse::probes::parse(text).unwrap();
        let m = build(&("probes/connectivity.json".to_owned(), p, vec![2, 3]));
        assert_eq!(m.rows.len(), endpoints::all().len() + 1);
        assert_eq!(m.rows[0].url, endpoints::all()[0].url);
        assert_eq!(m.rows[0].dns.result, CellResult::NotRun);
        let login = m
            .rows
            .iter()
            .find(|r| r.url == "https://login.microsoftonline.com/")
            .unwrap();
        assert_eq!(login.line, Some(3));
        assert_eq!(login.dns.text, "A 20.190.1.1, 20.190.1.2 +1");
        assert_eq!(login.tcp.result, CellResult::Warn);
        assert_eq!(login.winhttp.result, CellResult::Fail);
        assert_eq!(login.winhttp.code.as_deref(), Some("0x80072EE2"));
        assert!(
            login.winhttp.text.contains("12002"),
            "{}",
            login.winhttp.text
        );
        assert_eq!(
            login.wininet.text,
            "HTTP 200 in 80 ms, via proxy.example:8080"
        );
        let last = m.rows.last().unwrap();
        assert!(!last.listed);
        assert_eq!(last.url, "https://example.org/extra");
    }
}
