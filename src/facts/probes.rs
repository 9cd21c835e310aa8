//! What the collector's connectivity probes saw, per endpoint of the article: name
//! resolution, TCP per address family, HTTPS through WinHTTP and through WinINet, 407
//! answers, TLS failures, and the machine's clock against the servers' `Date` headers.

use super::model::{Evidence, Fact, fact_group};
use crate::codes;
use crate::parse::probes::{self, Http, Probe, Probes};

fact_group! {
    /// Connectivity probes of the article's endpoints.
    pub struct ProbeFacts {
        /// Endpoints probed.
        hosts: i64,
        /// Hosts whose name did not resolve, as "host: error".
        dns_failed: Vec<String>,
        /// Endpoints WinHTTP (activation's stack) could not reach, as "url: error".
        winhttp_failed: Vec<String>,
        /// Endpoints WinINet (the browser's stack) could not reach, as "url: error".
        wininet_failed: Vec<String>,
        /// Endpoints the browser's stack reached but WinHTTP did not.
        winhttp_only_failed: Vec<String>,
        /// Endpoints answering 407: the proxy wants authentication.
        proxy_auth_required: Vec<String>,
        /// Endpoints where TLS or certificate checks failed, as "url: error".
        tls_failed: Vec<String>,
        /// Hosts with IPv6 addresses where TCP over IPv6 failed while IPv4 worked.
        ipv6_broken: Vec<String>,
        /// Hosts that resolved to IPv6 addresses.
        ipv6_resolved: Vec<String>,
        /// The machine's clock minus the servers' clocks (Date + Age), in seconds: the median over the answers that did not come from the PC's cache.
        clock_skew_seconds: i64,
    }
}

/// The median skew, with the evidence of the answer it comes from. A skewed clock is off
/// by the same amount against every server; one odd `Date` (a stale cache somewhere on the
/// way) is not the machine's clock.
fn median_skew(mut skews: Vec<(i64, Evidence)>) -> Option<Fact<i64>> {
    if skews.is_empty() {
        return None;
    }
    skews.sort_by_key(|(s, _)| *s);
    let (skew, evidence) = skews.swap_remove(skews.len() / 2);
    Some(Fact::new(skew, vec![evidence]))
}

/// TLS and certificate failures among the WinHTTP numbers.
const TLS_ERRORS: [u32; 7] = [12037, 12038, 12045, 12057, 12157, 12175, 12030];

/// Why an HTTP probe failed, in the words reports use: the decoded code, else the
/// collector's message, else the status.
pub fn failure(h: &Http) -> String {
    match (h.code(), &h.error, h.status) {
        (Some(c), _, _) => codes::describe(c),
        (None, Some(e), _) => e.clone(),
        (None, None, Some(s)) => format!("HTTP {s}"),
        (None, None, None) => "no response".to_owned(),
    }
}

fn ev(artifact: &str, line: usize, probe: &Probe, what: &str, seen: String) -> Evidence {
    Evidence {
        artifact: artifact.to_owned(),
        line: Some(line),
        locator: format!("probe {} {what}", probe.url),
        seen,
    }
}

pub fn build(input: Option<&(String, Probes, Vec<usize>)>) -> ProbeFacts {
    let Some((artifact, p, lines)) = input else {
        return ProbeFacts::default();
    };
    let whole = Evidence {
        artifact: artifact.clone(),
        line: None,
        locator: "probes".to_owned(),
        seen: format!("{} endpoints probed", p.results.len()),
    };
    let mut lists: [(Vec<String>, Vec<Evidence>); 8] = Default::default();
    // The machine's clock minus each fresh answer's server time.
    let mut skews: Vec<(i64, Evidence)> = Vec::new();
    for (i, probe) in p.results.iter().enumerate() {
        let line = lines.get(i).copied().unwrap_or(1);
        let host = probe.host();
        let mut add = |slot: usize, text: String, e: Evidence| {
            lists[slot].0.push(text);
            lists[slot].1.push(e);
        };
        if let Some(dns) = probe.dns.as_ref().filter(|d| !d.ok) {
            let why = dns
                .error
                .clone()
                .unwrap_or_else(|| "not resolved".to_owned());
            add(
                0,
                format!("{host}: {why}"),
                ev(artifact, line, probe, "dns", why.clone()),
            );
        }
        let winhttp_ok = probe.winhttp.as_ref().map(Http::reached);
        let wininet_ok = probe.wininet.as_ref().map(Http::reached);
        if let (Some(false), Some(h)) = (winhttp_ok, &probe.winhttp) {
            let why = failure(h);
            add(
                1,
                format!("{}: {why}", probe.url),
                ev(artifact, line, probe, "winhttp", why.clone()),
            );
            if h.code()
                .and_then(codes::winhttp_number)
                .is_some_and(|n| TLS_ERRORS.contains(&n))
            {
                add(
                    5,
                    format!("{}: {why}", probe.url),
                    ev(artifact, line, probe, "winhttp", why),
                );
            }
        }
        if let (Some(false), Some(h)) = (wininet_ok, &probe.wininet) {
            let why = failure(h);
            add(
                2,
                format!("{}: {why}", probe.url),
                ev(artifact, line, probe, "wininet", why),
            );
        }
        if let (Some(false), Some(true)) = (winhttp_ok, wininet_ok) {
            let why = probe.winhttp.as_ref().map(failure).unwrap_or_default();
            add(
                3,
                format!("{}: {why}", probe.url),
                ev(artifact, line, probe, "winhttp vs wininet", why),
            );
        }
        for (stack, h) in [("winhttp", &probe.winhttp), ("wininet", &probe.wininet)] {
            if h.as_ref().is_some_and(|h| h.status == Some(407)) {
                add(
                    4,
                    format!("{} ({stack})", probe.url),
                    ev(artifact, line, probe, stack, "HTTP 407".to_owned()),
                );
            }
        }
        let v4_ok = probe.tcp.iter().any(|t| t.family == "ipv4" && t.ok);
        let v6: Vec<_> = probe.tcp.iter().filter(|t| t.family == "ipv6").collect();
        if v4_ok && !v6.is_empty() && v6.iter().all(|t| !t.ok) {
            let why = v6[0].error.clone().unwrap_or_else(|| "failed".to_owned());
            add(6, host.clone(), ev(artifact, line, probe, "tcp ipv6", why));
        }
        if probe.dns.as_ref().is_some_and(|d| !d.ipv6.is_empty()) {
            let seen = probe
                .dns
                .as_ref()
                .map(|d| d.ipv6.join(", "))
                .unwrap_or_default();
            add(7, host.clone(), ev(artifact, line, probe, "dns AAAA", seen));
        }
        for h in [&probe.winhttp, &probe.wininet].into_iter().flatten() {
            let (Some(server), Some(local)) = (
                h.server_seconds(),
                h.local_time_utc.as_deref().and_then(probes::iso_seconds),
            ) else {
                continue;
            };
            let age = h
                .age
                .as_deref()
                .map(|a| format!(" + Age {a} s"))
                .unwrap_or_default();
            skews.push((
                local - server,
                ev(
                    artifact,
                    line,
                    probe,
                    "Date header",
                    format!(
                        "server {}{age}, machine {}",
                        h.date.as_deref().unwrap_or_default(),
                        h.local_time_utc.as_deref().unwrap_or_default()
                    ),
                ),
            ));
        }
    }
    // A host probed under several URLs (crl.microsoft.com) counts once in the host lists.
    for slot in [6, 7] {
        let (items, evidence) = &mut lists[slot];
        let mut seen = Vec::new();
        let mut keep = Vec::new();
        for (item, e) in items.drain(..).zip(evidence.drain(..)) {
            if !seen.contains(&item) {
                seen.push(item.clone());
                keep.push((item, e));
            }
        }
        (*items, *evidence) = keep.into_iter().unzip();
    }
    let fact = |(items, evidence): &(Vec<String>, Vec<Evidence>)| {
        let evidence = if evidence.is_empty() {
            vec![whole.clone()]
        } else {
            evidence.clone()
        };
        Some(Fact::new(items.clone(), evidence))
    };
    ProbeFacts {
        hosts: Some(Fact::new(p.results.len() as i64, vec![whole.clone()])),
        dns_failed: fact(&lists[0]),
        winhttp_failed: fact(&lists[1]),
        wininet_failed: fact(&lists[2]),
        winhttp_only_failed: fact(&lists[3]),
        proxy_auth_required: fact(&lists[4]),
        tls_failed: fact(&lists[5]),
        ipv6_broken: fact(&lists[6]),
        ipv6_resolved: fact(&lists[7]),
        clock_skew_seconds: median_skew(skews),
    }
}
