//! Names of the WinHTTP/WinINet error numbers that connectivity probes and CAA codes carry
//! (winhttp.h; WinINet uses the same numbers for these). A probe's COM error arrives as an
//! HRESULT (0x80072EFD = facility 7, Win32 12029); the low 16 bits are the number.

/// WinHTTP error numbers, their names and what they usually mean for activation.
pub const WINHTTP_ERRORS: &[(u32, &str, &str)] = &[
    (12001, "OUT_OF_HANDLES", ""),
    (
        12002,
        "TIMEOUT",
        "no answer: a firewall dropping packets, a dead proxy, a broken IPv6 path",
    ),
    (12004, "INTERNAL_ERROR", ""),
    (12005, "INVALID_URL", ""),
    (
        12007,
        "NAME_NOT_RESOLVED",
        "DNS, or a proxy is needed but WinHTTP goes direct",
    ),
    (12012, "SHUTDOWN", ""),
    (
        12029,
        "CANNOT_CONNECT",
        "refused: a firewall, a wrong proxy, or direct access where only the proxy may go out",
    ),
    (
        12030,
        "CONNECTION_ERROR",
        "reset: TLS interception or a middlebox",
    ),
    (
        12037,
        "SECURE_CERT_DATE_INVALID",
        "the certificate's dates do not fit the clock: clock skew",
    ),
    (
        12038,
        "SECURE_CERT_CN_INVALID",
        "another name on the certificate: TLS interception",
    ),
    (12044, "CLIENT_AUTH_CERT_NEEDED", ""),
    (
        12045,
        "SECURE_INVALID_CA",
        "an untrusted root: TLS interception",
    ),
    (
        12057,
        "SECURE_CERT_REV_FAILED",
        "revocation could not be checked: crl.microsoft.com blocked",
    ),
    (
        12152,
        "INVALID_SERVER_RESPONSE",
        "a proxy mangling the answer",
    ),
    (
        12157,
        "SECURE_CHANNEL_ERROR",
        "TLS protocol or cipher mismatch",
    ),
    (12166, "BAD_AUTO_PROXY_SCRIPT", "the PAC file fails"),
    (
        12167,
        "UNABLE_TO_DOWNLOAD_SCRIPT",
        "the PAC URL cannot be reached",
    ),
    (
        12175,
        "SECURE_FAILURE",
        "TLS failed: TLS 1.2 not enabled for WinHTTP, or TLS interception",
    ),
    (12178, "AUTODETECTION_FAILED", "WPAD found no proxy"),
    (
        12180,
        "AUTO_PROXY_SERVICE_ERROR",
        "the WinHTTP auto-proxy service is stopped",
    ),
];

/// The WinHTTP number inside an HRESULT (`0x80072EFD` → 12029) or a bare number.
pub fn winhttp_number(code: i64) -> Option<u32> {
    let code = u32::try_from(code & 0xFFFF_FFFF).ok()?;
    let number = if code & 0xFFFF_0000 == 0x8007_0000 || code & 0xFFFF_0000 == 0xCAA8_0000 {
        code & 0xFFFF
    } else {
        code
    };
    WINHTTP_ERRORS
        .iter()
        .any(|(n, _, _)| *n == number)
        .then_some(number)
}

/// `0x80072EFD (12029 CANNOT_CONNECT)`, or the hex alone for numbers we do not know.
pub fn describe(code: i64) -> String {
    let hex = format!("{:#010X}", code & 0xFFFF_FFFF).replace("0X", "0x");
    match winhttp_number(code).and_then(|n| WINHTTP_ERRORS.iter().find(|(k, _, _)| *k == n)) {
        Some((n, name, _)) => format!("{hex} ({n} {name})"),
        None => hex,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hresults_and_caa_codes_carry_winhttp_numbers() {
        assert_eq!(winhttp_number(0x8007_2EFD), Some(12029));
        assert_eq!(winhttp_number(-2_147_012_867), Some(12029));
        assert_eq!(winhttp_number(0xCAA8_2F8F), Some(12175));
        assert_eq!(winhttp_number(12002), Some(12002));
        assert_eq!(winhttp_number(0x8000_4005), None);
        assert_eq!(describe(0x8007_2F8F), "0x80072F8F (12175 SECURE_FAILURE)");
        assert_eq!(describe(0x8000_4005), "0x80004005");
    }
}
