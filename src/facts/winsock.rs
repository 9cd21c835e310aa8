//! The Winsock catalog (`netsh winsock show catalog`): layered service providers and
//! providers that are not Windows' own, and whether the TCP/IP base provider is there.

use super::model::{Evidence, Fact, fact_group};
use crate::parse::winsock::{MICROSOFT_DLLS, WinsockEntry};

fact_group! {
    /// Winsock providers.
    pub struct WinsockFacts {
        /// Entries in the catalog (transport and name space providers).
        entries: i64,
        /// Layered service providers, as "description (provider path)".
        layered_providers: Vec<String>,
        /// Base transport providers whose DLL Windows does not ship, as "description (provider path)".
        third_party_providers: Vec<String>,
        /// Windows' TCP/IPv4 base provider (MSAFD Tcpip, mswsock.dll, family 2, protocol 6) is present.
        tcpip_base: bool,
    }
}

fn shown(e: &WinsockEntry) -> String {
    format!("{} ({})", e.description, e.path)
}

fn ev(artifact: &str, e: &WinsockEntry) -> Evidence {
    Evidence {
        artifact: artifact.to_owned(),
        line: Some(e.line),
        locator: "netsh winsock show catalog".to_owned(),
        seen: shown(e),
    }
}

pub fn build(catalog: Option<&(String, Vec<WinsockEntry>)>) -> WinsockFacts {
    let Some((artifact, entries)) = catalog else {
        return WinsockFacts::default();
    };
    let whole = Evidence {
        artifact: artifact.clone(),
        line: entries.first().map(|e| e.line),
        locator: "netsh winsock show catalog".to_owned(),
        seen: format!("{} entries", entries.len()),
    };
    let list = |pick: &dyn Fn(&WinsockEntry) -> bool| {
        let chosen: Vec<&WinsockEntry> = entries.iter().filter(|e| pick(e)).collect();
        let evidence = if chosen.is_empty() {
            vec![whole.clone()]
        } else {
            chosen.iter().map(|e| ev(artifact, e)).collect()
        };
        Fact::new(
            chosen.iter().map(|e| shown(e)).collect::<Vec<_>>(),
            evidence,
        )
    };
    let tcpip = entries.iter().find(|e| {
        !e.layered()
            && e.dll() == "mswsock.dll"
            && e.address_family == Some(2)
            && e.protocol == Some(6)
    });
    WinsockFacts {
        entries: Some(Fact::new(entries.len() as i64, vec![whole.clone()])),
        layered_providers: Some(list(&|e| e.layered())),
        third_party_providers: Some(list(&|e| {
            !e.name_space
                && !e.layered()
                && !e.path.is_empty()
                && !MICROSOFT_DLLS.contains(&e.dll().as_str())
        })),
        tcpip_base: Some(Fact::new(
            tcpip.is_some(),
            vec![tcpip.map_or(whole, |e| ev(artifact, e))],
        )),
    }
}
