//! `ipconfig /all` (and plain `ipconfig`): adapters with their addresses, masks, gateways,
//! DNS and DHCP servers, in any language.
//!
//! Labels are translated (`Subnet Mask`, `Máscara de subred`, `サブネット マスク`), so a field
//! is read by what does not change: its value's shape, its place in the adapter's fixed
//! field order, and the acronyms Windows never translates (`IPv4`, `IPv6`, `DNS`, `DHCP`,
//! `WINS`):
//! - a value that is a dotted quad of contiguous ones (`255.255.255.0`) is a mask;
//! - an address with a parenthesised word after it (`(Preferred)`, `(préféré)`, `(優先)`),
//!   an address field just before a mask, any address field before the adapter's first
//!   mask (Windows XP's `IP Address`), or a label with `IPv4`/`IPv6` is the adapter's own;
//! - `DNS`, `DHCP`, `WINS` in the label name those servers;
//! - any other address field is the default gateway (the only other field with addresses).
//!
//! The separator is a colon after a dot leader or spaces in any of the forms Windows uses:
//! `label . . . : value` (English, German), `label. . .: value` (French, Japanese),
//! `label: value` (long German labels), or a full-width `：`. Values may go on over lines
//! that hold only the value. From the corpus (Windows 10):
//!
//! ```text
//! Ethernet adapter Ethernet 2:
//!
//!    IPv4 Address. . . . . . . . . . . : 10.50.13.132(Preferred)
//!    Subnet Mask . . . . . . . . . . . : 255.255.255.0
//!    Default Gateway . . . . . . . . . : 10.50.13.1
//!    DNS Servers . . . . . . . . . . . : 10.50.13.1
//! ```

use std::net::{IpAddr, Ipv4Addr};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Adapter {
    pub name: String,
    pub line: usize,
    pub ipv4: Vec<String>,
    pub ipv6: Vec<String>,
    pub masks: Vec<String>,
    pub gateways: Vec<String>,
    pub dns_servers: Vec<String>,
    pub dhcp_server: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Role {
    Address,
    Mask,
    Dns,
    Dhcp,
    Gateway,
    Other,
}

/// One `label : value` field with the values of its continuation lines.
struct Field<'a> {
    label: &'a str,
    values: Vec<&'a str>,
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

/// A subnet mask: a dotted quad of contiguous ones, /8 or longer (`255.255.255.0`).
pub fn is_mask(value: &str) -> bool {
    let Ok(v4) = value.trim().parse::<Ipv4Addr>() else {
        return false;
    };
    let bits = u32::from(v4);
    bits >= 0xFF00_0000 && bits.leading_ones() + bits.trailing_zeros() == 32
}

/// `10.0.0.5(Preferred)`, `fe80::1%12(優先)`: an address the adapter holds, with its state.
fn has_state_suffix(value: &str) -> bool {
    let v = value.trim();
    address(v).is_some() && v.ends_with(')') && v.contains('(')
}

/// The acronym `word` in a label, not inside a longer word (`DNS` in `DNS-Server`, `Servidores
/// DNS`, `DNS サーバー`; not `IPv6` in `DHCPv6`).
fn has_token(label: &str, word: &str) -> bool {
    label
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| w.eq_ignore_ascii_case(word))
}

/// Splits `label<leader>: value` at the colon that ends the label: one followed by
/// whitespace or the end of the line (colons inside IPv6 values are not), or a full-width
/// colon. Where a dot leader runs up to a colon, that colon ends the label, so a label with
/// a colon of its own keeps it (Spanish `Vínculo: dirección IPv6 local. . . : fe80::…`);
/// without a leader the first one does (`Verbindungsspezifisches DNS-Suffix: fritz.box`).
/// `None` for a line that only continues a value.
fn split_field(line: &str) -> Option<(&str, &str)> {
    let separators: Vec<(usize, char)> = line
        .char_indices()
        .filter(|&(i, c)| {
            let rest = &line[i + c.len_utf8()..];
            c == '：' || (c == ':' && (rest.is_empty() || rest.starts_with([' ', '\t'])))
        })
        .collect();
    let after_leader = |&&(i, _): &&(usize, char)| line[..i].trim_end().ends_with('.');
    let &(i, c) = separators
        .iter()
        .find(after_leader)
        .or_else(|| separators.first())?;
    let label = line[..i].trim().trim_end_matches(['.', ' ', '\u{3000}']);
    if label.is_empty() || address(label).is_some() {
        return None;
    }
    Some((label, line[i + c.len_utf8()..].trim()))
}

/// Display columns of a line in a console: East Asian wide characters take two.
fn columns(line: &str) -> usize {
    line.chars()
        .map(|c| match c as u32 {
            0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF => 2,
            0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 => 2,
            _ => 1,
        })
        .sum()
}

/// Text copied out of an 80-column console window carries the console's wrapping: a value
/// that ran past the last column goes on at the margin of the next line (`... AMD PCNet
/// Adapt` / `er`, or a lease time after its date). The line before is then 79 or 80 columns
/// wide (80, or 79 when the wrap fell on a space that the copy trimmed).
const CONSOLE_WRAP: usize = 79;

/// A title line: not indented, ends with a colon, no dot leader (`Ethernet adapter LAN:`,
/// `Carte Ethernet Ethernet :`, `以太网适配器 本地连接:`).
fn title(line: &str) -> Option<&str> {
    if line.starts_with([' ', '\t']) || line.contains(". .") || line.contains(". :") {
        return None;
    }
    let t = line.trim_end();
    t.strip_suffix(':')
        .or_else(|| t.strip_suffix('：'))
        .map(str::trim)
        .filter(|name| !name.is_empty())
}

pub fn parse(lines: &[(usize, &str)]) -> Result<Vec<Adapter>, String> {
    let mut blocks: Vec<(Adapter, Vec<Field<'_>>)> = Vec::new();
    let mut seen_title = false;
    let mut open = false;
    // The last non-blank line, to tell a console's wrapping from a line of its own.
    let mut previous: Option<&str> = None;
    for &(n, line) in lines {
        if line.trim().is_empty() {
            previous = None;
            continue;
        }
        if let Some(name) = title(line) {
            previous = Some(line);
            seen_title = true;
            // "Windows IP Configuration" has no colon; every colon title is an adapter.
            blocks.push((
                Adapter {
                    name: name.to_owned(),
                    line: n,
                    ..Adapter::default()
                },
                Vec::new(),
            ));
            open = true;
            continue;
        }
        let field = split_field(line);
        // The rest of the value on the line above, which the console wrapped to the margin
        // (ipconfig's own continuation lines are indented). It ends a description or a
        // lease date, never holds an address of its own, and is passed over.
        let wrapped = field.is_none()
            && !line.starts_with([' ', '\t'])
            && previous.is_some_and(|p| columns(p) >= CONSOLE_WRAP);
        previous = Some(line);
        if wrapped {
            continue;
        }
        if !line.starts_with([' ', '\t']) && field.is_none() {
            // The header, or text that is not ipconfig's (a prompt, another command).
            seen_title = true;
            open = false;
            continue;
        }
        let Some((_, fields)) = blocks.last_mut().filter(|_| open) else {
            continue;
        };
        match field {
            Some((label, value)) => fields.push(Field {
                label,
                values: if value.is_empty() {
                    vec![]
                } else {
                    vec![value]
                },
            }),
            // A value going on from the line above.
            None => {
                if let Some(f) = fields.last_mut() {
                    f.values.push(line.trim());
                }
            }
        }
    }
    if !seen_title {
        return Err("no title line (Windows IP Configuration)".to_owned());
    }
    Ok(blocks
        .into_iter()
        .map(|(mut adapter, fields)| {
            fill(&mut adapter, &fields);
            adapter
        })
        .collect())
}

/// What each field of one adapter is, by value shape, order and untranslated acronyms.
fn roles(fields: &[Field<'_>]) -> Vec<Role> {
    let first_address = |f: &Field<'_>| f.values.first().and_then(|v| address(v));
    let mask_at = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.values.first())
            .is_some_and(|v| is_mask(v))
    };
    let first_mask = (0..fields.len()).find(|&i| mask_at(i));
    let mut out = Vec::with_capacity(fields.len());
    for (i, f) in fields.iter().enumerate() {
        let role = if mask_at(i) {
            Role::Mask
        } else if first_address(f).is_none() {
            Role::Other
        } else if has_token(f.label, "DNS") {
            Role::Dns
        } else if has_token(f.label, "DHCP") {
            Role::Dhcp
        } else if has_token(f.label, "WINS") {
            Role::Other
        } else if has_token(f.label, "IPv4")
            || has_token(f.label, "IPv6")
            || f.values.first().is_some_and(|v| has_state_suffix(v))
            || mask_at(i + 1)
            || first_mask.is_some_and(|m| i < m)
        {
            Role::Address
        } else {
            Role::Gateway
        };
        out.push(role);
    }
    out
}

fn fill(adapter: &mut Adapter, fields: &[Field<'_>]) {
    for (f, role) in fields.iter().zip(roles(fields)) {
        for value in &f.values {
            let Some(addr) = address(value) else { continue };
            let text = addr.to_string();
            match role {
                Role::Address if addr.is_ipv4() => adapter.ipv4.push(text),
                Role::Address => adapter.ipv6.push(text),
                Role::Mask if is_mask(value) => adapter.masks.push(text),
                Role::Dns => adapter.dns_servers.push(text),
                Role::Dhcp => adapter.dhcp_server = Some(text),
                Role::Gateway => adapter.gateways.push(text),
                Role::Mask | Role::Other => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::numbered as lines;

    #[test]
    fn german_labels_by_words_and_values() {
        let de = "\r\nWindows-IP-Konfiguration\r\n\r\n   Hostname  . . . . . . . . . . . . : PC\r\n\r\nEthernet-Adapter Ethernet:\r\n\r\n   Verbindungsspezifisches DNS-Suffix: fritz.box\r\n   Verbindungslokale IPv6-Adresse  . : fe80::1c2d:3e4f:5a6b:7c8d%12(Bevorzugt)\r\n   IPv6-Adresse. . . . . . . . . . . : 2001:db8:1::25(Bevorzugt)\r\n   IPv4-Adresse  . . . . . . . . . . : 192.168.178.24(Bevorzugt)\r\n   Subnetzmaske  . . . . . . . . . . : 255.255.255.0\r\n   Standardgateway . . . . . . . . . : fe80::1%12\r\n                                       192.168.178.1\r\n   DHCP-Server . . . . . . . . . . . : 192.168.178.1\r\n   DNS-Server  . . . . . . . . . . . : 192.168.178.1\r\n                                       fd00::1\r\n";
        let a = parse(&lines(de)).unwrap();
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].name, "Ethernet-Adapter Ethernet");
        assert_eq!(a[0].ipv4, vec!["192.168.178.24"]);
        assert_eq!(
            a[0].ipv6,
            vec!["fe80::1c2d:3e4f:5a6b:7c8d", "2001:db8:1::25"]
        );
        assert_eq!(a[0].masks, vec!["255.255.255.0"]);
        assert_eq!(a[0].gateways, vec!["fe80::1", "192.168.178.1"]);
        assert_eq!(a[0].dns_servers, vec!["192.168.178.1", "fd00::1"]);
        assert_eq!(a[0].dhcp_server.as_deref(), Some("192.168.178.1"));
        assert!(
            is_global_v6("2001:db8:1::25") && !is_global_v6("fe80::1") && !is_global_v6("fd7a::1")
        );
    }

    #[test]
    fn separators_glued_to_the_leader_and_full_width() {
        // French and Japanese put the colon right after the dots; the mask is told by its
        // value, the gateway by its place.
        let fr = "Configuration IP de Windows\r\n\r\nCarte Ethernet Ethernet :\r\n\r\n   Adresse IPv4. . . . . . . . . . . . . .: 192.168.1.20(préféré)\r\n   Masque de sous-réseau. . . . . . . . . : 255.255.255.0\r\n   Passerelle par défaut. . . . . . . . . : 192.168.1.1\r\n";
        let a = parse(&lines(fr)).unwrap();
        assert_eq!(a[0].name, "Carte Ethernet Ethernet");
        assert_eq!(
            (a[0].ipv4.clone(), a[0].masks.clone(), a[0].gateways.clone()),
            (
                vec!["192.168.1.20".to_owned()],
                vec!["255.255.255.0".to_owned()],
                vec!["192.168.1.1".to_owned()]
            )
        );
        let wide = "Windows IP 構成\r\n\r\nイーサネット アダプター イーサネット：\r\n\r\n   IPv4 アドレス：192.168.0.5\r\n   サブネット マスク：255.255.255.0\r\n   デフォルト ゲートウェイ：192.168.0.1\r\n";
        let a = parse(&lines(wide)).unwrap();
        assert_eq!(a[0].masks, vec!["255.255.255.0"]);
        assert_eq!(a[0].gateways, vec!["192.168.0.1"]);
    }

    #[test]
    fn a_colon_inside_the_label_and_a_console_wrap() {
        // Spanish Windows 10 names the link-local address "Vínculo: dirección IPv6 local";
        // the dot leader says which colon ends the label (tests/real.rs has the whole output).
        let es = "Adaptador de LAN inalámbrica Wi-Fi:\r\n\r\n   Vínculo: dirección IPv6 local. . . : fe80::4b27:d9ce:531:12da%18\r\n   Dirección IPv4. . . . . . . . . . . . . . : 192.168.100.18\r\n";
        let a = parse(&lines(es)).unwrap();
        assert_eq!(a[0].ipv6, vec!["fe80::4b27:d9ce:531:12da"]);
        assert_eq!(
            split_field("   Verbindungsspezifisches DNS-Suffix: fritz.box"),
            Some(("Verbindungsspezifisches DNS-Suffix", "fritz.box"))
        );
        // An 80-column console wrapped the description onto the margin; the adapter goes on.
        let xp = "Ethernet adapter LAN:\r\n\r\n        Description . . . . . . . . . . . . : VMware Accelerated AMD PCNet Adapt\r\ner\r\n        IP Address. . . . . . . . . . . . . : 192.168.229.128\r\n        Subnet Mask . . . . . . . . . . . . : 255.255.255.0\r\n";
        let a = parse(&lines(xp)).unwrap();
        assert_eq!(a[0].ipv4, vec!["192.168.229.128"]);
        assert_eq!(a[0].masks, vec!["255.255.255.0"]);
        // A short line before it: text at the margin is not ipconfig's and ends the adapter.
        let prompt = "Ethernet adapter LAN:\r\n\r\n   Subnet Mask . . . : 255.255.255.0\r\nC:\\>getmac\r\n   IPv4 Address. . . : 10.0.0.1\r\n";
        assert!(parse(&lines(prompt)).unwrap()[0].ipv4.is_empty());
        assert_eq!(columns("이더넷 ab"), 9);
    }

    #[test]
    fn masks_and_shapes() {
        assert!(is_mask("255.255.255.0") && is_mask("255.255.240.0") && is_mask("255.0.0.0"));
        assert!(!is_mask("255.0.255.0") && !is_mask("192.168.0.1") && !is_mask("fe80::1"));
        assert_eq!(split_field("   fe80::1%12"), None);
        assert_eq!(
            split_field("   Link-local IPv6 Address . . . . . : fe80::1%12"),
            Some(("Link-local IPv6 Address", "fe80::1%12"))
        );
        assert!(has_token("DHCP-Server", "DHCP") && !has_token("DHCPv6 IAID", "DHCP"));
        assert!(parse(&lines("no ipconfig here")).is_ok());
        assert!(parse(&lines("   indented only : 1.2.3.4")).is_err());
    }
}
