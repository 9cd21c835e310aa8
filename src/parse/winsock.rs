//! `netsh winsock show catalog`: the Winsock providers every socket goes through.
//!
//! Each entry is a title line, a line of dashes, then `Label:   value` lines. English labels
//! are read by name; a translated catalog is read by position, the order netsh always uses
//! (entry type, description, provider ID, provider path, catalog entry ID, version, address
//! family, max/min address length, socket type, protocol, service flags, protocol chain
//! length). From the corpus (a third-party layered service provider on Windows 10):
//!
//! ```text
//! Winsock Catalog Provider Entry
//! ------------------------------------------------------
//! Entry Type:                         Layered Chain Entry
//! Description:                        LavasoftLSP over [MSAFD Tcpip [TCP/IP]]
//! Provider ID:                        {1C39A736-9641-4F43-9C20-AEED81692A07}
//! Provider Path:                      C:\WINDOWS\system32\LavasoftTcpService64.dll
//! ...
//! Protocol Chain Length:              2
//! ```
//! A base provider has a protocol chain of length 1; a layered service provider's own
//! entry has length 0 and each chain it builds over a base provider length 2 or more.

/// One provider of the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WinsockEntry {
    /// A name space provider (DNS, NLA, ...) rather than a transport provider.
    pub name_space: bool,
    /// As printed (`Base Service Provider`, `Layered Chain Entry`, translated elsewhere).
    pub entry_type: String,
    pub description: String,
    pub provider_id: String,
    pub path: String,
    pub address_family: Option<u32>,
    pub protocol: Option<u32>,
    pub chain_length: Option<u32>,
    pub line: usize,
}

impl WinsockEntry {
    /// A layered service provider (its own entry, or a chain over a base provider). When
    /// the chain length is missing (an entry cut short), the English entry type or the
    /// `X over [Base]` description that layered chains carry decides.
    pub fn layered(&self) -> bool {
        !self.name_space
            && match self.chain_length {
                Some(n) => n != 1,
                None => {
                    self.entry_type.starts_with("Layered") || self.description.contains(" over [")
                }
            }
    }

    /// The provider DLL's file name, lower-case.
    pub fn dll(&self) -> String {
        self.path
            .rsplit(['\\', '/'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase()
    }
}

/// DLLs Windows itself ships as Winsock providers (transport and name space), plus the
/// hypervisor socket providers of Hyper-V.
pub const MICROSOFT_DLLS: &[&str] = &[
    "mswsock.dll",
    "napinsp.dll",
    "pnrpnsp.dll",
    "wshbth.dll",
    "nlaapi.dll",
    "winrnr.dll",
    "nlansp_c.dll",
    "wshqos.dll",
    "rsvpsp.dll",
    "hvsocket.dll",
    "wshhyperv.dll",
    "mswsock64.dll",
    "wshtcpip.dll",
    "wship6.dll",
    "wshirda.dll",
    "fwpuclnt.dll",
];

fn label_value(line: &str) -> Option<(&str, &str)> {
    let (label, value) = line.split_once(':')?;
    Some((label.trim(), value.trim()))
}

fn number(v: &str) -> Option<u32> {
    let v = v.trim();
    match v.strip_prefix("0x") {
        Some(h) => u32::from_str_radix(h, 16).ok(),
        None => v.parse().ok(),
    }
}

/// Reads the catalog. Entries cut off at the start of the text (a partial copy) are skipped
/// up to the first title.
pub fn parse(lines: &[(usize, &str)]) -> Result<Vec<WinsockEntry>, String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i + 1 < lines.len() {
        let (n, title) = lines[i];
        let dashes = lines[i + 1].1.trim();
        if title.trim().is_empty() || dashes.len() < 10 || !dashes.chars().all(|c| c == '-') {
            i += 1;
            continue;
        }
        let name_space = title.contains("Name Space") || title.contains("Namespace");
        let mut fields: Vec<(&str, &str)> = Vec::new();
        let mut j = i + 2;
        while j < lines.len() && !lines[j].1.trim().is_empty() {
            if let Some(lv) = label_value(lines[j].1) {
                fields.push(lv);
            }
            j += 1;
        }
        out.push(entry(n, name_space, &fields));
        i = j;
    }
    if out.is_empty() {
        return Err("no catalog entry (a title line followed by dashes)".to_owned());
    }
    Ok(out)
}

fn entry(line: usize, name_space: bool, fields: &[(&str, &str)]) -> WinsockEntry {
    // English label first; else the position netsh prints it at.
    let get = |label: &str, position: usize| {
        fields
            .iter()
            .find(|(l, _)| l.eq_ignore_ascii_case(label))
            .or_else(|| fields.get(position))
            .map(|(_, v)| (*v).to_owned())
            .unwrap_or_default()
    };
    let id_like = |v: &str| v.starts_with('{') && v.ends_with('}');
    let path_like = |v: &str| v.to_ascii_lowercase().ends_with(".dll") || v.contains('%');
    let (description, provider_id, path) = if name_space {
        (get("Description", 0), get("Provider ID", 1), String::new())
    } else {
        (
            get("Description", 1),
            get("Provider ID", 2),
            get("Provider Path", 3),
        )
    };
    WinsockEntry {
        name_space,
        entry_type: if name_space {
            String::new()
        } else {
            get("Entry Type", 0)
        },
        description,
        provider_id: if id_like(&provider_id) {
            provider_id
        } else {
            String::new()
        },
        path: if path_like(&path) {
            path
        } else {
            String::new()
        },
        address_family: (!name_space)
            .then(|| number(&get("Address Family", 6)))
            .flatten(),
        protocol: (!name_space)
            .then(|| number(&get("Protocol", 10)))
            .flatten(),
        chain_length: (!name_space)
            .then(|| number(&get("Protocol Chain Length", 12)))
            .flatten(),
        line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::numbered as lines;

    const BASE: &str = "\r\nWinsock Catalog Provider Entry\r\n------------------------------------------------------\r\nEntry Type:                         Base Service Provider\r\nDescription:                        MSAFD Tcpip [TCP/IP]\r\nProvider ID:                        {E70F1AA0-AB8B-11CF-8CA3-00805F48A192}\r\nProvider Path:                      %SystemRoot%\\system32\\mswsock.dll\r\nCatalog Entry ID:                   1001\r\nVersion:                            2\r\nAddress Family:                     2\r\nMax Address Length:                 16\r\nMin Address Length:                 16\r\nSocket Type:                        1\r\nProtocol:                           6\r\nService Flags:                      0x20066\r\nProtocol Chain Length:              1\r\n\r\nName Space Provider Entry\r\n------------------------------------------------------\r\nDescription:                        Network Location Awareness Legacy (NLAv1) Namespace\r\nProvider ID:                        {6642243A-3BA8-4AA6-BAA5-2E0BD71FDD83}\r\nName Space:                         15\r\nActive:                             1\r\nVersion:                            1\r\n\r\n";

    #[test]
    fn english_catalog() {
        let e = parse(&lines(BASE)).unwrap();
        assert_eq!(e.len(), 2);
        assert_eq!(
            (e[0].description.as_str(), e[0].dll().as_str()),
            ("MSAFD Tcpip [TCP/IP]", "mswsock.dll")
        );
        assert_eq!(
            (
                e[0].address_family,
                e[0].protocol,
                e[0].chain_length,
                e[0].line
            ),
            (Some(2), Some(6), Some(1), 2)
        );
        assert!(!e[0].layered());
        assert!(e[1].name_space && e[1].path.is_empty());
    }

    #[test]
    fn translated_labels_are_read_by_position() {
        let de = BASE
            .replace("Winsock Catalog Provider Entry", "Winsock-Katalogeintrag")
            .replace("Entry Type:", "Eintragstyp:")
            .replace("Description:", "Beschreibung:")
            .replace("Provider Path:", "Anbieterpfad:")
            .replace("Protocol Chain Length:", "Protokollkettenlänge:")
            .replace(
                "Protocol Chain Length:              1",
                "Protokollkettenlänge:              2",
            );
        let e = parse(&lines(&de)).unwrap();
        assert_eq!(e[0].description, "MSAFD Tcpip [TCP/IP]");
        assert_eq!(e[0].dll(), "mswsock.dll");
        assert_eq!(e[0].chain_length, Some(1));
    }

    #[test]
    fn junk_is_an_error() {
        assert!(parse(&lines("Winsock\r\nnothing here\r\n")).is_err());
    }
}
