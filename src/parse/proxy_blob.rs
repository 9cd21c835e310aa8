//! The binary proxy settings Windows keeps in the registry, the same in every language:
//!
//! * WinHTTP (`HKLM\...\Internet Settings\Connections\WinHttpSettings`, what
//!   `netsh winhttp set proxy` writes): DWORD version (0x18), DWORD counter, DWORD flags
//!   (0x1 direct, 0x2 named proxy), then the proxy and the bypass list, each a DWORD length
//!   and that many ANSI bytes without NUL.
//! * WinINet (`...\Connections\DefaultConnectionSettings`, the browser's LAN settings):
//!   DWORD version (0x3C/0x46), DWORD counter, DWORD flags (0x1 direct, 0x2 proxy, 0x4
//!   auto-config URL, 0x8 auto-detect), then proxy, bypass and PAC URL length-prefixed the
//!   same way, then fields we do not need.
//!
//! From the corpus (`hklm-internet-settings.reg`, written by a real `reg.exe`):
//! ```text
//! "WinHttpSettings"=hex:18,00,00,00,00,00,00,00,03,00,00,00,18,00,00,00,70,72,6f,\
//!   78,79,2e,63,6f,6e,74,6f,73,6f,2e,6c,6f,63,61,6c,3a,38,30,38,30,07,00,00,00,\
//!   3c,6c,6f,63,61,6c,3e
//! ```
//! is flags 0x3, proxy `proxy.contoso.local:8080`, bypass `<local>`.

use crate::decode::CodePage;
use nom::IResult;
use nom::Parser;
use nom::bytes::complete::take;
use nom::combinator::map;
use nom::number::complete::le_u32;
use std::fmt;

/// Flags of the blobs.
pub const FLAG_DIRECT: u32 = 0x1;
pub const FLAG_PROXY: u32 = 0x2;
pub const FLAG_AUTO_CONFIG: u32 = 0x4;
pub const FLAG_AUTO_DETECT: u32 = 0x8;

/// Lengths past this are not a proxy string but a damaged blob.
const MAX_FIELD: u32 = 64 * 1024;

/// A decoded proxy settings blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyBlob {
    pub version: u32,
    pub counter: u32,
    pub flags: u32,
    pub proxy: String,
    pub bypass: String,
    /// WinINet only (and WinHTTP blobs that carry one): the PAC URL.
    pub auto_config_url: String,
}

impl ProxyBlob {
    pub fn uses_proxy(&self) -> bool {
        self.flags & FLAG_PROXY != 0 && !self.proxy.is_empty()
    }
    pub fn uses_auto_config(&self) -> bool {
        self.flags & FLAG_AUTO_CONFIG != 0 && !self.auto_config_url.is_empty()
    }
    pub fn auto_detect(&self) -> bool {
        self.flags & FLAG_AUTO_DETECT != 0
    }
}

/// Why a blob could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobError {
    pub offset: usize,
    pub message: String,
}

impl fmt::Display for BlobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "byte {}: {}", self.offset, self.message)
    }
}

fn field(i: &[u8]) -> IResult<&[u8], String> {
    let (i, len) = le_u32(i)?;
    if len > MAX_FIELD {
        return Err(nom::Err::Failure(nom::error::Error::new(
            i,
            nom::error::ErrorKind::TooLarge,
        )));
    }
    map(take(len), |b: &[u8]| {
        let b = b.strip_suffix(&[0]).unwrap_or(b);
        CodePage::Windows1252.decode(b)
    })
    .parse(i)
}

fn header(i: &[u8]) -> IResult<&[u8], (u32, u32, u32)> {
    (le_u32, le_u32, le_u32).parse(i)
}

/// A length-prefixed field, or nothing when the blob ends before it.
fn optional_field(i: &[u8]) -> IResult<&[u8], Option<String>> {
    if i.is_empty() {
        Ok((i, None))
    } else {
        map(field, Some).parse(i)
    }
}

/// Parses either blob. The header is required; each field may be absent only when the blob
/// ends before it (WinHTTP blobs end after the bypass list, WinINet blobs go on past the
/// PAC URL). A field longer than the data left is a damaged blob.
pub fn parse(bytes: &[u8]) -> Result<ProxyBlob, BlobError> {
    let result = (header, optional_field, optional_field, optional_field).parse(bytes);
    match result {
        Ok((_, ((version, counter, flags), proxy, bypass, pac))) => Ok(ProxyBlob {
            version,
            counter,
            flags,
            proxy: proxy.unwrap_or_default(),
            bypass: bypass.unwrap_or_default(),
            auto_config_url: pac.unwrap_or_default(),
        }),
        Err(nom::Err::Error(e) | nom::Err::Failure(e)) => Err(BlobError {
            offset: bytes.len() - e.input.len(),
            message: match e.code {
                nom::error::ErrorKind::TooLarge => {
                    "a length field larger than any proxy setting".to_owned()
                }
                _ => "the blob ends inside a field".to_owned(),
            },
        }),
        Err(nom::Err::Incomplete(_)) => Err(BlobError {
            offset: bytes.len(),
            message: "the blob ends inside a field".to_owned(),
        }),
    }
}

/// Splits a bypass list (`<local>;*.contoso.com`) into its entries.
pub fn bypass_entries(list: &str) -> Vec<String> {
    list.split([';', ' ', ','])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_corpus_winhttp_blob() {
        let bytes = [
            0x18, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0x18, 0, 0, 0, b'p', b'r', b'o', b'x', b'y',
            b'.', b'c', b'o', b'n', b't', b'o', b's', b'o', b'.', b'l', b'o', b'c', b'a', b'l',
            b':', b'8', b'0', b'8', b'0', 7, 0, 0, 0, b'<', b'l', b'o', b'c', b'a', b'l', b'>',
        ];
        let b = parse(&bytes).unwrap();
        assert_eq!((b.version, b.flags), (0x18, 3));
        assert_eq!(b.proxy, "proxy.contoso.local:8080");
        assert_eq!(b.bypass, "<local>");
        assert!(b.uses_proxy());
    }

    #[test]
    fn direct_and_wininet_blobs() {
        let direct = parse(&[
            0x18, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        ])
        .unwrap();
        assert!(!direct.uses_proxy());
        assert_eq!(direct.flags, FLAG_DIRECT);

        let mut wininet = vec![
            0x46, 0, 0, 0, 0x2a, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x23, 0, 0, 0,
        ];
        wininet.extend(b"http://wpad.contoso.local/proxy.pac");
        wininet.extend([0u8; 32]);
        let b = parse(&wininet).unwrap();
        assert_eq!(b.auto_config_url, "http://wpad.contoso.local/proxy.pac");
        assert!(b.uses_auto_config() && !b.auto_detect());
    }

    #[test]
    fn damaged_blobs_say_where() {
        assert_eq!(parse(&[0x18, 0, 0]).unwrap_err().offset, 0);
        let e = parse(&[
            0x18, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f,
        ])
        .unwrap_err();
        assert!(e.message.contains("length"), "{e}");
        // A length beyond the data left: damaged, not "no proxy".
        let e = parse(&[0x18, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 9, 0, 0, 0, b'x']).unwrap_err();
        assert_eq!(
            (e.offset, e.message.as_str()),
            (16, "the blob ends inside a field")
        );
    }

    #[test]
    fn bypass_lists_split() {
        assert_eq!(
            bypass_entries("<local>;*.contoso.com; 10.*"),
            vec!["<local>", "*.contoso.com", "10.*"]
        );
        assert!(bypass_entries("").is_empty());
    }
}
