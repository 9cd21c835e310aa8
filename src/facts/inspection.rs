//! TLS inspection: whose certificate chain the PC sees for each HTTPS endpoint of the
//! article, directly and through its proxies (the collector's probes, `tls`). A chain not
//! issued under Microsoft's certificate authorities means something between the PC and
//! Microsoft decrypts the traffic; the issuer often names the product
//! ([`crate::tls_issuers`]). Sign-in and activation hosts are told from CDN hosts
//! (`cdn_hosts` of `analyzers/data/endpoints.toml`): Microsoft does not support decrypting
//! the former.

use super::model::{Evidence, Fact, fact_group};
use crate::endpoints;
use crate::parse::probes::{Probe, Probes, common_name};
use crate::tls_issuers::{self, Owner};

fact_group! {
    /// Whose certificate chains the PC sees for the article's HTTPS endpoints.
    pub struct InspectionFacts {
        /// HTTPS endpoints whose certificate chain the collector recorded.
        checked: i64,
        /// Endpoints whose every recorded chain is issued under Microsoft's certificate authorities.
        microsoft: i64,
        /// Sign-in and activation endpoints served by a chain an inspecting product issued, as "host: issuer (product), via".
        intercepted: Vec<String>,
        /// CDN endpoints served by a chain an inspecting product issued, as "host: issuer (product), via".
        intercepted_cdn: Vec<String>,
        /// Sign-in and activation endpoints served by a chain of an issuer that is neither Microsoft's nor a known product's.
        unrecognised: Vec<String>,
        /// CDN endpoints served by such a chain (a CDN may use a public CA Microsoft does not list).
        unrecognised_cdn: Vec<String>,
        /// The inspecting products the chains' issuers name.
        products: Vec<String>,
        /// Where to exempt the Microsoft 365 endpoints from decryption, per product named.
        exempt: Vec<String>,
        /// Chains that could not be read, as "host (via): error".
        unreadable: Vec<String>,
    }
}

fn evidence(artifact: &str, line: usize, probe: &Probe, via: &str, seen: String) -> Evidence {
    Evidence {
        artifact: artifact.to_owned(),
        line: Some(line),
        locator: format!("probe {} tls {via}", probe.url),
        seen,
    }
}

/// Builds the facts from the probes; absent when no probe recorded a chain (a collector
/// before 0.3, Constrained Language mode, `-NoProbes`).
pub fn build(input: Option<&(String, Probes, Vec<usize>)>) -> InspectionFacts {
    let Some((artifact, probes, lines)) = input else {
        return InspectionFacts::default();
    };
    let cdn = endpoints::cdn_hosts();
    let mut checked = 0_i64;
    let mut microsoft = 0_i64;
    let mut microsoft_ev = Vec::new();
    let (mut intercepted, mut intercepted_ev) = (Vec::new(), Vec::new());
    let (mut intercepted_cdn, mut cdn_ev) = (Vec::new(), Vec::new());
    let (mut unrecognised, mut unrecognised_ev) = (Vec::new(), Vec::new());
    let (mut unrecognised_cdn, mut unrecognised_cdn_ev) = (Vec::new(), Vec::new());
    let (mut unreadable, mut unreadable_ev) = (Vec::new(), Vec::new());
    let mut products: Vec<String> = Vec::new();
    let mut seen_hosts: Vec<String> = Vec::new();
    for (i, probe) in probes.results.iter().enumerate() {
        let host = probe.host();
        // crl.microsoft.com is probed under several URLs: one verdict per host.
        if probe.tls.is_empty() || seen_hosts.contains(&host) {
            continue;
        }
        seen_hosts.push(host.clone());
        let line = lines.get(i).copied().unwrap_or(1);
        let mut read_any = false;
        let mut all_microsoft = true;
        for t in &probe.tls {
            let via = t.via.as_deref().unwrap_or("direct");
            match tls_issuers::owner(&t.chain) {
                None => {
                    let why = t.error.clone().unwrap_or_else(|| "no chain".to_owned());
                    unreadable.push(format!("{host} ({via}): {why}"));
                    unreadable_ev.push(evidence(artifact, line, probe, via, why));
                }
                Some(Owner::Microsoft) => {
                    read_any = true;
                    let issuer = common_name(&t.chain[0].issuer).to_owned();
                    microsoft_ev.push(evidence(artifact, line, probe, via, issuer));
                }
                Some(Owner::Other { issuer, product }) => {
                    read_any = true;
                    all_microsoft = false;
                    if let Some(p) = &product
                        && !products.contains(p)
                    {
                        products.push(p.clone());
                    }
                    let text = match &product {
                        Some(p) => format!("{host}: {issuer} ({p}), {via}"),
                        None => format!("{host}: {issuer}, {via}"),
                    };
                    let root = t
                        .chain
                        .last()
                        .map(|c| common_name(&c.issuer).to_owned())
                        .unwrap_or_default();
                    let trust = if t.chain_status.is_empty() {
                        "trusted by this PC".to_owned()
                    } else {
                        format!("Windows: {}", t.chain_status.join(", "))
                    };
                    let ev = evidence(
                        artifact,
                        line,
                        probe,
                        via,
                        format!("issuer {issuer}, root {root}; {trust}"),
                    );
                    let on_cdn = cdn.iter().any(|c| c.eq_ignore_ascii_case(&host));
                    let (list, evs) = match (product.is_some(), on_cdn) {
                        (true, false) => (&mut intercepted, &mut intercepted_ev),
                        (true, true) => (&mut intercepted_cdn, &mut cdn_ev),
                        (false, false) => (&mut unrecognised, &mut unrecognised_ev),
                        (false, true) => (&mut unrecognised_cdn, &mut unrecognised_cdn_ev),
                    };
                    list.push(text);
                    evs.push(ev);
                }
            }
        }
        if read_any {
            checked += 1;
            if all_microsoft {
                microsoft += 1;
            }
        }
    }
    if checked == 0 && unreadable.is_empty() {
        return InspectionFacts::default();
    }
    let whole = Evidence {
        artifact: artifact.clone(),
        line: None,
        locator: "probes tls".to_owned(),
        seen: format!("{checked} endpoints with a certificate chain"),
    };
    let or_whole = |ev: Vec<Evidence>| {
        if ev.is_empty() {
            vec![whole.clone()]
        } else {
            ev
        }
    };
    let exempt: Vec<String> = products
        .iter()
        .filter_map(|p| {
            tls_issuers::product(p)
                .and_then(|x| x.exempt_hint.as_deref())
                .map(|h| format!("{p}: {h}"))
        })
        .collect();
    let all_ev: Vec<Evidence> = intercepted_ev.iter().chain(&cdn_ev).cloned().collect();
    let unrecognised_ev = or_whole(unrecognised_ev);
    let unrecognised_cdn_ev = or_whole(unrecognised_cdn_ev);
    InspectionFacts {
        checked: Some(Fact::new(checked, vec![whole.clone()])),
        microsoft: Some(Fact::new(microsoft, or_whole(microsoft_ev))),
        intercepted: Some(Fact::new(intercepted, or_whole(intercepted_ev))),
        intercepted_cdn: Some(Fact::new(intercepted_cdn, or_whole(cdn_ev))),
        unrecognised: Some(Fact::new(unrecognised, unrecognised_ev)),
        unrecognised_cdn: Some(Fact::new(unrecognised_cdn, unrecognised_cdn_ev)),
        products: Some(Fact::new(products, or_whole(all_ev.clone()))),
        exempt: Some(Fact::new(exempt, or_whole(all_ev))),
        unreadable: Some(Fact::new(unreadable, or_whole(unreadable_ev))),
    }
}
