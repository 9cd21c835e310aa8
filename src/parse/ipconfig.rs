//! `ipconfig /all`: adapters with their addresses, gateways, DNS and DHCP servers.
//!
//! Labels are translated (`IPv4-Adresse`, `Adresse IPv4`), so a field is recognised by
//! words that survive translation (`IPv4`, `IPv6`, `DNS`, `DHCP`) and by its value being an
//! address; an address field matching none of them (and not a mask) is a gateway. Values
//! may go on over lines that hold only the value. From the corpus (Windows 10):
//!
//! ```text
//! Ethernet adapter Ethernet 2:
//!
//!    IPv4 Address. . . . . . . . . . . : 10.50.13.132(Preferred)
//!    Default Gateway . . . . . . . . . : 10.50.13.1
//!    DNS Servers . . . . . . . . . . . : 10.50.13.1
//! ```

use std::net::IpAddr;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Adapter {
    pub name: String,
    pub line: usize,
    pub ipv4: Vec<String>,
    pub ipv6: Vec<String>,
    pub gateways: Vec<String>,
    pub dns_servers: Vec<String>,
    pub dhcp_server: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    Ipv4,
    Ipv6,
    Dns,
    Dhcp,
    Gateway,
    Other,
}

/// The address at the start of a value: `fe80::1%16(Preferred)` → `fe80::1`.
pub fn address(value: &str) -> Option<IpAddr> {
    let v = value.trim();
    let v = v.split(['(', ' ']).next()?;
    let v = v.split('%').next()?;
    v.parse().ok()
}

/// A global unicast IPv6 address (2000::/3): not link-local, unique-local or site-local.
pub fn is_global_v6(addr: &str) -> bool {
    matches!(address(addr), Some(IpAddr::V6(a)) if (a.segments()[0] & 0xE000) == 0x2000)
}

fn field_of(label: &str, value: &str) -> Field {
    let l = label.to_ascii_lowercase();
    if l.contains("dns") && !l.contains("suffix") && !l.contains("suffixe") {
        return Field::Dns;
    }
    if address(value).is_none() {
        return Field::Other;
    }
    if l.contains("mask") || l.contains("maske") || l.contains("masque") {
        Field::Other
    } else if l.contains("dhcp") {
        Field::Dhcp
    } else if l.contains("ipv4") {
        Field::Ipv4
    } else if l.contains("ipv6") {
        Field::Ipv6
    } else if l.contains("wins") {
        Field::Other
    } else {
        Field::Gateway
    }
}

pub fn parse(lines: &[(usize, &str)]) -> Result<Vec<Adapter>, String> {
    let mut adapters: Vec<Adapter> = Vec::new();
    let mut current_field = Field::Other;
    let mut seen_title = false;
    for &(n, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        if !line.starts_with([' ', '\t']) {
            // A title: "Windows IP Configuration", then one per adapter, ending in ':'.
            if seen_title && line.trim_end().ends_with(':') {
                adapters.push(Adapter {
                    name: line.trim_end().trim_end_matches(':').trim().to_owned(),
                    line: n,
                    ..Adapter::default()
                });
            }
            seen_title = true;
            current_field = Field::Other;
            continue;
        }
        let Some(adapter) = adapters.last_mut() else {
            continue;
        };
        let (field, value) = match line
            .split_once(" : ")
            .or_else(|| line.trim_end().strip_suffix(" :").map(|l| (l, "")))
        {
            Some((label, value)) => {
                let label = label.trim().trim_end_matches(['.', ' ']);
                let f = field_of(label, value);
                current_field = f;
                (f, value.trim())
            }
            // A value going on from the line above.
            None => (current_field, line.trim()),
        };
        let Some(addr) = address(value) else { continue };
        let text = addr.to_string();
        match field {
            Field::Ipv4 if addr.is_ipv4() => adapter.ipv4.push(text),
            Field::Ipv6 if addr.is_ipv6() => adapter.ipv6.push(text),
            Field::Dns => adapter.dns_servers.push(text),
            Field::Dhcp => adapter.dhcp_server = Some(text),
            Field::Gateway => adapter.gateways.push(text),
            _ => {}
        }
    }
    if !seen_title {
        return Err("no title line (Windows IP Configuration)".to_owned());
    }
    Ok(adapters)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::numbered as lines;

    #[test]
    fn german_labels_by_words_and_values() {
        let de = "\r\nWindows-IP-Konfiguration\r\n\r\n   Hostname  . . . . . . . . . . . . : PC\r\n\r\nEthernet-Adapter Ethernet:\r\n\r\n   Verbindungslokale IPv6-Adresse  . : fe80::1c2d:3e4f:5a6b:7c8d%12(Bevorzugt)\r\n   IPv6-Adresse. . . . . . . . . . . : 2001:db8:1::25(Bevorzugt)\r\n   IPv4-Adresse  . . . . . . . . . . : 192.168.178.24(Bevorzugt)\r\n   Subnetzmaske  . . . . . . . . . . : 255.255.255.0\r\n   Standardgateway . . . . . . . . . : fe80::1%12\r\n                                       192.168.178.1\r\n   DHCP-Server . . . . . . . . . . . : 192.168.178.1\r\n   DNS-Server  . . . . . . . . . . . : 192.168.178.1\r\n                                       fd00::1\r\n";
        let a = parse(&lines(de)).unwrap();
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].name, "Ethernet-Adapter Ethernet");
        assert_eq!(a[0].ipv4, vec!["192.168.178.24"]);
        assert_eq!(
            a[0].ipv6,
            vec!["fe80::1c2d:3e4f:5a6b:7c8d", "2001:db8:1::25"]
        );
        assert_eq!(a[0].gateways, vec!["fe80::1", "192.168.178.1"]);
        assert_eq!(a[0].dns_servers, vec!["192.168.178.1", "fd00::1"]);
        assert_eq!(a[0].dhcp_server.as_deref(), Some("192.168.178.1"));
        assert!(
            is_global_v6("2001:db8:1::25") && !is_global_v6("fe80::1") && !is_global_v6("fd7a::1")
        );
    }
}
