//! The PC's network configuration from `ipconfig /all`.

use super::model::{Evidence, Fact, fact_group};
use crate::parse::ipconfig::{self, Adapter};

fact_group! {
    /// Network adapters and their addresses.
    pub struct NetworkFacts {
        /// Adapters with at least one IPv4 or IPv6 address.
        connected_adapters: i64,
        /// IPv4 addresses of all adapters.
        ipv4_addresses: Vec<String>,
        /// Global IPv6 addresses (2000::/3) of all adapters: without one, traffic to the internet goes over IPv4.
        ipv6_global: Vec<String>,
        /// DNS servers of all adapters.
        dns_servers: Vec<String>,
        /// Default gateways of all adapters.
        default_gateways: Vec<String>,
    }
}

pub fn build(input: Option<&(String, Vec<Adapter>)>) -> NetworkFacts {
    let Some((artifact, adapters)) = input else {
        return NetworkFacts::default();
    };
    let connected: Vec<&Adapter> = adapters
        .iter()
        .filter(|a| !a.ipv4.is_empty() || !a.ipv6.is_empty())
        .collect();
    let evidence: Vec<Evidence> = connected
        .iter()
        .map(|a| Evidence {
            artifact: artifact.clone(),
            line: Some(a.line),
            locator: format!("ipconfig /all: {}", a.name),
            seen: a
                .ipv4
                .iter()
                .chain(&a.ipv6)
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
        })
        .collect();
    let evidence = if evidence.is_empty() {
        vec![Evidence {
            artifact: artifact.clone(),
            line: None,
            locator: "ipconfig /all".to_owned(),
            seen: format!("{} adapters, none with an address", adapters.len()),
        }]
    } else {
        evidence
    };
    let collect = |f: fn(&Adapter) -> Vec<String>| {
        let mut out: Vec<String> = Vec::new();
        for a in &connected {
            for v in f(a) {
                if !out.contains(&v) {
                    out.push(v);
                }
            }
        }
        Some(Fact::new(out, evidence.clone()))
    };
    NetworkFacts {
        connected_adapters: Some(Fact::new(connected.len() as i64, evidence.clone())),
        ipv4_addresses: collect(|a| a.ipv4.clone()),
        ipv6_global: collect(|a| {
            a.ipv6
                .iter()
                .filter(|x| ipconfig::is_global_v6(x))
                .cloned()
                .collect()
        }),
        dns_servers: collect(|a| a.dns_servers.clone()),
        default_gateways: collect(|a| a.gateways.clone()),
    }
}
