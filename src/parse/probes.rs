//! The collector's connectivity probes (`probes.json`, schema `caadoctor.probes/1`; the
//! contract is in `docs/snapshot-format.md`). For every endpoint of the article: DNS (A and
//! AAAA), TCP to each address family, and an HTTP(S) request through WinHTTP (the stack
//! activation uses) and through WinINet (the browser's), with the status, the COM error as
//! an HRESULT, the proxy used, the time taken and the server's `Date` header next to the
//! machine's clock.
//!
//! Each probe is written stage by stage: a stage still running at the probes' deadline is
//! named in `incomplete`, and an HTTP stage in that state reads as a request that got no
//! answer. A WinINet error that MSXML (collector 0.2) reported as an HTTP status (12029,
//! 12002...) reads as that error, never as "reached".

use serde::Deserialize;

pub const SCHEMA_PREFIX: &str = "caadoctor.probes/";

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Probes {
    pub schema: String,
    #[serde(default)]
    pub started: Option<String>,
    #[serde(default)]
    pub results: Vec<Probe>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Probe {
    pub url: String,
    #[serde(default)]
    pub host: Option<String>,
    #[serde(default)]
    pub dns: Option<Dns>,
    #[serde(default)]
    pub tcp: Vec<Tcp>,
    #[serde(default)]
    pub winhttp: Option<Http>,
    #[serde(default)]
    pub wininet: Option<Http>,
    /// The stage still running at the probes' deadline (`dns`, `tcp`, `winhttp`, `wininet`).
    #[serde(default)]
    pub incomplete: Option<String>,
    /// What the collector says went wrong with this probe as a whole.
    #[serde(default)]
    pub error: Option<String>,
    /// The server's certificate chain as the PC sees it: direct and through each proxy.
    #[serde(default)]
    pub tls: Vec<TlsChain>,
}

/// One TLS handshake's certificate chain (collector 0.3+).
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct TlsChain {
    /// `direct`, or `proxy HOST:PORT` (through a CONNECT tunnel).
    #[serde(default)]
    pub via: Option<String>,
    /// The protocol negotiated (`Tls12`).
    #[serde(default)]
    pub protocol: Option<String>,
    /// The chain as Windows built it, leaf first.
    #[serde(default)]
    pub chain: Vec<Cert>,
    /// What Windows found wrong with the chain (`UntrustedRoot`, `RevocationStatusUnknown`).
    #[serde(default)]
    pub chain_status: Vec<String>,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub ms: Option<u64>,
}

/// One certificate of a chain.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Cert {
    /// The distinguished name as Windows prints it (`CN=login.microsoftonline.com, O=...`).
    pub subject: String,
    pub issuer: String,
    #[serde(default)]
    pub thumbprint: Option<String>,
    #[serde(default)]
    pub not_before: Option<String>,
    #[serde(default)]
    pub not_after: Option<String>,
}

/// The common name (`CN=`) of a distinguished name as Windows prints it, else the whole
/// name. Quoted values (`CN="Contoso, Ltd"`) keep their commas.
pub fn common_name(dn: &str) -> &str {
    let mut quoted = false;
    let mut start = 0;
    let bytes = dn.as_bytes();
    for i in 0..=bytes.len() {
        let end = i == bytes.len();
        if !end && bytes[i] == b'"' {
            quoted = !quoted;
        }
        if end || (!quoted && bytes[i] == b',') {
            let part = dn[start..i].trim();
            if let Some(v) = part
                .strip_prefix("CN=")
                .or_else(|| part.strip_prefix("cn="))
            {
                return v.trim_matches('"');
            }
            start = i + 1;
        }
    }
    dn.trim()
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Dns {
    pub ok: bool,
    #[serde(default)]
    pub ipv4: Vec<String>,
    #[serde(default)]
    pub ipv6: Vec<String>,
    #[serde(default)]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Tcp {
    /// `ipv4` or `ipv6`.
    pub family: String,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub port: Option<u16>,
    pub ok: bool,
    #[serde(default)]
    pub ms: Option<u64>,
    #[serde(default)]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Http {
    /// HTTP status, when a response came.
    #[serde(default)]
    pub status: Option<u16>,
    /// The COM error: a number (possibly negative, as PowerShell prints HRESULTs) or text
    /// such as `0x80072EFD`.
    #[serde(default)]
    pub error_code: Option<serde_json::Value>,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub proxy: Option<String>,
    #[serde(default)]
    pub ms: Option<u64>,
    /// The response's `Date` header.
    #[serde(default)]
    pub date: Option<String>,
    /// The machine's clock when the response came, in UTC (ISO 8601).
    #[serde(default)]
    pub local_time_utc: Option<String>,
    /// The response's `Age` header: seconds it spent in a cache (a CDN's) since `Date`.
    #[serde(default)]
    pub age: Option<String>,
    /// The response came from the PC's own cache (WinINet): its `Date` is old news.
    #[serde(default)]
    pub from_cache: Option<bool>,
}

/// WinINet and WinHTTP error numbers start at 12000: MSXML reports them as a status.
const FIRST_INTERNET_ERROR: u16 = 12000;

/// HRESULT_FROM_WIN32 as PowerShell prints it (signed).
fn hresult_of(win32: u16) -> i64 {
    i64::from(0x8007_0000_u32 as i32) + i64::from(win32)
}

impl Http {
    /// The error as a number, whichever way it was written; a WinINet error number
    /// reported as an HTTP status counts as that error.
    pub fn code(&self) -> Option<i64> {
        let Some(code) = self.error_code.as_ref() else {
            return self
                .status
                .filter(|s| *s >= FIRST_INTERNET_ERROR)
                .map(hresult_of);
        };
        match code {
            serde_json::Value::Number(n) => n.as_i64(),
            serde_json::Value::String(s) => {
                let s = s.trim();
                match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
                    Some(h) => i64::from_str_radix(h, 16).ok(),
                    None => s.parse().ok(),
                }
            }
            _ => None,
        }
    }

    /// A response came (any HTTP status): the endpoint was reached.
    pub fn reached(&self) -> bool {
        self.status.is_some_and(|s| s < FIRST_INTERNET_ERROR) && self.code().is_none()
    }

    /// The server's clock when it answered, in seconds since the epoch: `Date` plus `Age`
    /// (time spent in a CDN's cache). None for an answer from the PC's own cache, whose
    /// `Date` says nothing about the clock now.
    pub fn server_seconds(&self) -> Option<i64> {
        if self.from_cache == Some(true) {
            return None;
        }
        let date = http_date_seconds(self.date.as_deref()?)?;
        let age = self
            .age
            .as_deref()
            .and_then(|a| a.trim().parse::<i64>().ok())
            .filter(|a| *a >= 0)
            .unwrap_or(0);
        Some(date + age)
    }
}

impl Probe {
    pub fn host(&self) -> String {
        self.host.clone().unwrap_or_else(|| {
            self.url
                .split_once("://")
                .map_or(self.url.as_str(), |(_, r)| r)
                .split(['/', ':'])
                .next()
                .unwrap_or("")
                .to_ascii_lowercase()
        })
    }
}

pub fn looks_like_probes(text: &str) -> bool {
    text.contains(SCHEMA_PREFIX)
}

pub fn parse(text: &str) -> Result<Probes, String> {
    let mut probes: Probes =
        super::schema_json(text, SCHEMA_PREFIX, |d: &Probes| d.schema.as_str())?;
    for p in &mut probes.results {
        p.read_incomplete_stage();
    }
    Ok(probes)
}

impl Probe {
    /// A stage still running at the deadline, with nothing recorded: a request (or a name
    /// look-up) that got no answer in that time.
    fn read_incomplete_stage(&mut self) {
        let Some(stage) = self.incomplete.clone() else {
            return;
        };
        let why = self
            .error
            .clone()
            .unwrap_or_else(|| format!("the {stage} stage had not finished at the deadline"));
        let unanswered = || Http {
            status: None,
            error_code: None,
            error: Some(why.clone()),
            proxy: None,
            ms: None,
            date: None,
            local_time_utc: None,
            age: None,
            from_cache: None,
        };
        match stage.as_str() {
            "dns" if self.dns.is_none() => {
                self.dns = Some(Dns {
                    ok: false,
                    ipv4: Vec::new(),
                    ipv6: Vec::new(),
                    error: Some(why.clone()),
                })
            }
            "winhttp" if self.winhttp.is_none() => self.winhttp = Some(unanswered()),
            "wininet" if self.wininet.is_none() => self.wininet = Some(unanswered()),
            _ => {}
        }
    }
}

/// Seconds since the Unix epoch of an RFC 7231 `Date` header
/// (`Fri, 20 Nov 2026 09:12:31 GMT`).
pub fn http_date_seconds(date: &str) -> Option<i64> {
    let parts: Vec<&str> = date.split_whitespace().collect();
    let [_, day, month, year, time, _] = parts.as_slice() else {
        return None;
    };
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = months.iter().position(|m| m.eq_ignore_ascii_case(month))? as u32 + 1;
    let d = crate::date::Date::new(year.parse().ok()?, month, day.parse().ok()?)?;
    Some(d.days() * 86_400 + clock_seconds(time)?)
}

/// Seconds since the Unix epoch of an ISO 8601 UTC time (`2026-11-20T09:12:31Z`, fractions
/// allowed; an explicit offset is applied).
pub fn iso_seconds(t: &str) -> Option<i64> {
    let (date, rest) = t.trim().split_once('T')?;
    let d = crate::date::parse(date)?;
    let (clock, offset) = match rest.find(['Z', '+', '-']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "Z"),
    };
    let offset_s = match offset.chars().next() {
        Some(sign @ ('+' | '-')) => {
            let (h, m) = offset[1..].split_once(':').unwrap_or((&offset[1..], "0"));
            let s = h.parse::<i64>().ok()? * 3600 + m.parse::<i64>().ok()? * 60;
            if sign == '+' { s } else { -s }
        }
        _ => 0,
    };
    Some(d.days() * 86_400 + clock_seconds(clock.split('.').next()?)? - offset_s)
}

fn clock_seconds(t: &str) -> Option<i64> {
    let mut p = t.split(':').map(|x| x.parse::<i64>().ok());
    let (h, m, s) = (p.next()??, p.next()??, p.next().flatten().unwrap_or(0));
    ((0..24).contains(&h) && (0..60).contains(&m) && (0..61).contains(&s))
        .then_some(h * 3600 + m * 60 + s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_probe_file_reads() {
        let text = r#"{"schema":"caadoctor.probes/1","results":[
            {"url":"https://login.microsoftonline.com/","dns":{"ok":true,"ipv4":["20.190.160.1"],"ipv6":[]},
             "tcp":[{"family":"ipv4","ok":true,"ms":21}],
             "winhttp":{"status":null,"error_code":-2147012867,"error":"A connection with the server could not be established"},
             "wininet":{"status":200,"date":"Fri, 20 Nov 2026 09:12:31 GMT","local_time_utc":"2026-11-20T09:12:30.5Z"}}]}"#;
        let p = parse(text).unwrap();
        let r = &p.results[0];
        assert_eq!(r.host(), "login.microsoftonline.com");
        assert_eq!(r.winhttp.as_ref().unwrap().code(), Some(-2_147_012_867));
        assert!(!r.winhttp.as_ref().unwrap().reached());
        assert!(r.wininet.as_ref().unwrap().reached());
        assert!(parse(r#"{"schema":"other/1"}"#).is_err());
    }

    #[test]
    fn a_wininet_error_reported_as_a_status_is_an_error() {
        // MSXML (collector 0.2) returned WinINet's 12029 as `.status`.
        let text = r#"{"schema":"caadoctor.probes/1","results":[
            {"url":"https://login.microsoftonline.com/","wininet":{"status":12029},"winhttp":{"status":407}}]}"#;
        let p = parse(text).unwrap();
        let h = p.results[0].wininet.as_ref().unwrap();
        assert!(!h.reached());
        assert_eq!(h.code(), Some(-2_147_012_867));
        assert_eq!(crate::codes::winhttp_number(h.code().unwrap()), Some(12029));
        // 407 is an answer (from the proxy).
        assert!(p.results[0].winhttp.as_ref().unwrap().reached());
    }

    #[test]
    fn a_stage_unfinished_at_the_deadline_is_a_request_without_answer() {
        let text = r#"{"schema":"caadoctor.probes/1","results":[
            {"url":"https://login.microsoftonline.com/","dns":{"ok":true,"ipv4":["1.2.3.4"]},
             "tcp":[{"family":"ipv4","ok":false,"error":"timeout"}],
             "incomplete":"winhttp","error":"the winhttp stage had not finished at the probes' deadline (75 s)"},
            {"url":"https://x/","incomplete":"dns"}]}"#;
        let p = parse(text).unwrap();
        let h = p.results[0].winhttp.as_ref().unwrap();
        assert!(!h.reached());
        assert!(h.error.as_deref().unwrap().contains("deadline"));
        assert!(p.results[0].wininet.is_none(), "not started: unknown");
        assert!(!p.results[1].dns.as_ref().unwrap().ok);
    }

    #[test]
    fn cached_answers_say_nothing_of_the_clock_and_age_is_added() {
        let h = |extra: &str| -> Http {
            serde_json::from_str(&format!(
                r#"{{"status":200,"date":"Fri, 20 Nov 2026 09:12:31 GMT"{extra}}}"#
            ))
            .unwrap()
        };
        let date = http_date_seconds("Fri, 20 Nov 2026 09:12:31 GMT").unwrap();
        assert_eq!(h("").server_seconds(), Some(date));
        assert_eq!(h(r#","age":"120""#).server_seconds(), Some(date + 120));
        assert_eq!(h(r#","from_cache":true"#).server_seconds(), None);
        assert_eq!(h(r#","age":"junk""#).server_seconds(), Some(date));
    }

    #[test]
    fn common_names() {
        assert_eq!(
            common_name("CN=Microsoft Azure RSA TLS Issuing CA 04, O=Microsoft Corporation, C=US"),
            "Microsoft Azure RSA TLS Issuing CA 04"
        );
        assert_eq!(
            common_name("O=Zscaler Inc., CN=\"Zscaler Intermediate Root CA (zscaler.net), t\""),
            "Zscaler Intermediate Root CA (zscaler.net), t"
        );
        assert_eq!(common_name("O=No Common Name"), "O=No Common Name");
    }

    #[test]
    fn clocks() {
        let header = http_date_seconds("Fri, 20 Nov 2026 09:12:31 GMT").unwrap();
        let local = iso_seconds("2026-11-20T09:12:30.5Z").unwrap();
        assert_eq!(header - local, 1);
        assert_eq!(iso_seconds("2026-11-20T10:12:31+01:00"), Some(header));
        assert_eq!(http_date_seconds("garbage"), None);
    }
}
