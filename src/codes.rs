//! Error codes: what a `0xCAA…` sign-in code, an HRESULT, a WinHTTP/WinINet number or a
//! Win32 number means, and which of our rules it points to. `caadoctor decode` prints it;
//! reports annotate every code they show with [`describe`].
//!
//! The CAA groups follow `../shared/reference/error-codes.md`: what Microsoft documents is
//! stated, what only public write-ups say is marked unconfirmed, and an unknown code in a
//! known group is named by its group rather than guessed. A probe's COM error and an
//! activation error carry the same WinHTTP number: 0x80072F8F and 0xCAA82F8F are both
//! 12175 (facility 7 = Win32; the CAA8 group keeps the number in its low 16 bits).

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

/// A group of `0xCAAxxxxx` codes: the top 16 bits, what the group means, whether that is
/// documented, and the rules to look at.
#[derive(Debug, Clone, Copy)]
pub struct CaaGroup {
    pub prefix: u32,
    /// A few words, for reports.
    pub short: &'static str,
    pub meaning: &'static str,
    pub confirmed: bool,
    pub rules: &'static [&'static str],
}

const NETWORK_RULES: &[&str] = &[
    "proxy",
    "endpoints",
    "tls12",
    "winsock",
    "ipv6",
    "services",
    "ncsi-probe",
    "msoidcrl",
];

pub const CAA_GROUPS: &[CaaGroup] = &[
    CaaGroup {
        prefix: 0xCAA1,
        short: "needs interactive sign-in",
        meaning: "the identity library needs the user to sign in interactively",
        confirmed: false,
        rules: &["office-credentials", "work-account"],
    },
    CaaGroup {
        prefix: 0xCAA2,
        short: "identity service error",
        meaning: "an error returned by the identity service (Microsoft Entra ID, AADSTS)",
        confirmed: false,
        rules: &[
            "work-account",
            "office-credentials",
            "activation-state",
            "identity-policy",
        ],
    },
    CaaGroup {
        prefix: 0xCAA3,
        short: "server or protocol error",
        meaning: "a server or protocol error in the token request; Microsoft's WAM notes count it with the network-environment failures",
        confirmed: true,
        rules: NETWORK_RULES,
    },
    CaaGroup {
        prefix: 0xCAA5,
        short: "token broker error",
        meaning: "a failure of the Windows token broker (WAM) or its plug-in",
        confirmed: false,
        rules: &["identity-policy", "office-credentials", "work-account"],
    },
    CaaGroup {
        prefix: 0xCAA7,
        short: "network failure before any HTTP answer",
        meaning: "a network failure before any HTTP answer: the sign-in service could not be reached",
        confirmed: true,
        rules: NETWORK_RULES,
    },
    CaaGroup {
        prefix: 0xCAA8,
        short: "WinHTTP network failure",
        meaning: "a network failure reported by WinHTTP; the low 16 bits are the WinHTTP error number",
        confirmed: true,
        rules: NETWORK_RULES,
    },
    CaaGroup {
        prefix: 0xCAA9,
        short: "local identity library error",
        meaning: "a local (client-side) error in the identity library",
        confirmed: false,
        rules: &["activation-state", "identity-policy"],
    },
    CaaGroup {
        prefix: 0xCAAD,
        short: "WAM task cancelled",
        meaning: "the WAM background task was cancelled (the last digit is the reason); antivirus or AppLocker blocking Microsoft.AAD.BrokerPlugin.exe or backgroundTaskHost.exe is a known cause",
        confirmed: true,
        rules: &["identity-policy"],
    },
];

/// Codes with a meaning of their own: code, short form, meaning, confirmed, rules (added
/// before the group's).
const KNOWN_CODES: &[(u32, &str, &str, bool, &[&str])] = &[
    (
        0xCAA7_0007,
        "network failure before any HTTP answer",
        "the article's code: the sign-in request could not reach the service",
        true,
        &[],
    ),
    (
        0xCAA8_0000,
        "WinHTTP network failure, no error number",
        "the article's code: WinHTTP failed without attaching an error number",
        true,
        &[],
    ),
    (
        0xCAA7_0004,
        "server or proxy not found",
        "the server or proxy was not found",
        false,
        &["proxy", "endpoints", "ipv6"],
    ),
    (
        0x0000_0102,
        "WAIT_TIMEOUT",
        "WAIT_TIMEOUT: the token request timed out; in the AAD log, a network-environment failure",
        true,
        &["endpoints", "proxy", "ipv6"],
    ),
    (
        0x8007_0102,
        "Win32 258 WAIT_TIMEOUT",
        "WAIT_TIMEOUT: the token request timed out; in the AAD log, a network-environment failure",
        true,
        &["endpoints", "proxy", "ipv6"],
    ),
    (
        0x8008_0300,
        "token broker blocked",
        "the token broker could not start: antivirus or AppLocker blocking Microsoft.AAD.BrokerPlugin.exe",
        true,
        &["identity-policy"],
    ),
];

/// Win32 numbers worth a name here (winerror.h, winsock2.h).
const WIN32_ERRORS: &[(u32, &str, &str, &[&str])] = &[
    (2, "ERROR_FILE_NOT_FOUND", "", &[]),
    (5, "ERROR_ACCESS_DENIED", "", &[]),
    (14, "ERROR_OUTOFMEMORY", "", &[]),
    (
        32,
        "ERROR_SHARING_VIOLATION",
        "from the token broker: antivirus or AppLocker holding or blocking it",
        &["identity-policy"],
    ),
    (50, "ERROR_NOT_SUPPORTED", "", &[]),
    (
        258,
        "WAIT_TIMEOUT",
        "a wait timed out: in a token request, the network did not answer",
        &["endpoints", "proxy", "ipv6"],
    ),
    (
        1053,
        "ERROR_SERVICE_REQUEST_TIMEOUT",
        "a service did not respond in time",
        &["services"],
    ),
    (
        1058,
        "ERROR_SERVICE_DISABLED",
        "the service is disabled",
        &["services"],
    ),
    (
        1060,
        "ERROR_SERVICE_DOES_NOT_EXIST",
        "the service is not installed",
        &["services"],
    ),
    (
        1067,
        "ERROR_PROCESS_ABORTED",
        "the process ended unexpectedly; from the token broker, antivirus or AppLocker",
        &["services", "identity-policy"],
    ),
    (
        1068,
        "ERROR_SERVICE_DEPENDENCY_FAIL",
        "a service it depends on failed",
        &["services"],
    ),
    (
        1069,
        "ERROR_SERVICE_LOGON_FAILED",
        "the service's account could not log on",
        &["services"],
    ),
    (
        1075,
        "ERROR_SERVICE_DEPENDENCY_DELETED",
        "a service it depends on is missing",
        &["services"],
    ),
    (1722, "RPC_S_SERVER_UNAVAILABLE", "", &["services"]),
    (
        10013,
        "WSAEACCES",
        "a socket access was refused; as Schannel's internal state, the protocol is disabled on this PC",
        &["tls12", "tls-handshake"],
    ),
    (
        10050,
        "WSAENETDOWN",
        "the network is down",
        &["winsock", "services"],
    ),
    (
        10051,
        "WSAENETUNREACH",
        "no route to the network",
        &["ipv6", "endpoints"],
    ),
    (
        10054,
        "WSAECONNRESET",
        "the connection was reset: a middlebox or TLS interception",
        &["endpoints", "proxy"],
    ),
    (
        10060,
        "WSAETIMEDOUT",
        "the connection timed out",
        &["endpoints", "proxy", "ipv6"],
    ),
    (
        10061,
        "WSAECONNREFUSED",
        "the connection was refused",
        &["endpoints", "proxy"],
    ),
    (
        10065,
        "WSAEHOSTUNREACH",
        "no route to the host",
        &["ipv6", "endpoints"],
    ),
    (
        10106,
        "WSAEPROVIDERFAILEDINIT",
        "a Winsock provider failed to load: a broken LSP",
        &["winsock"],
    ),
    (
        10107,
        "WSASYSCALLFAILURE",
        "a Winsock call failed: a damaged Winsock catalog",
        &["winsock"],
    ),
    (
        11001,
        "WSAHOST_NOT_FOUND",
        "the name was not found in DNS",
        &["proxy", "endpoints"],
    ),
    (11002, "WSATRY_AGAIN", "DNS did not answer", &["endpoints"]),
    (
        9003,
        "DNS_ERROR_RCODE_NAME_ERROR",
        "the DNS name does not exist (in volume licensing: no KMS host is published)",
        &[],
    ),
];

/// The rules a WinHTTP/WinINet number points to.
fn winhttp_rules(number: u32) -> &'static [&'static str] {
    match number {
        12002 => &["endpoints", "proxy", "ipv6"],
        12007 => &["proxy", "endpoints"],
        12029 => &["endpoints", "proxy", "msoidcrl"],
        12030 | 12038 | 12045 | 12057 => &["endpoints", "proxy"],
        12037 => &["clock-skew"],
        12157 | 12175 => &["tls12", "tls-handshake", "endpoints"],
        12152 | 12166 | 12167 | 12178 | 12180 => &["proxy"],
        _ => &["proxy", "endpoints"],
    }
}

/// What a code is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CodeKind {
    /// A `0xCAAxxxxx` code from Office's sign-in libraries.
    Caa,
    /// An HRESULT (severity bit set).
    Hresult,
    /// A bare Win32, Winsock or WinHTTP number.
    Win32,
    /// An `AADSTS` error of Microsoft Entra ID's sign-in service.
    Aadsts,
}

/// A decoded code.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Decoded {
    /// `0xCAA82EFD`, or the number in decimal for a bare Win32 number.
    pub code: String,
    pub kind: CodeKind,
    /// The CAA group (`0xCAA8`) or the HRESULT facility.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// A few words, as reports show beside the code.
    pub short: String,
    /// One line: what the code means.
    pub meaning: String,
    /// What it carries inside (a WinHTTP or Win32 number), one line each.
    pub details: Vec<String>,
    /// False when the meaning comes only from public write-ups.
    pub confirmed: bool,
    /// Rules of ours to look at, most likely first.
    pub rules: Vec<&'static str>,
}

/// Reads a code as people paste it: `0xCAA82EFD`, `CAA82EFD`, `0x80072efd`, `-2147012867`
/// (PowerShell's signed HResult), `12029`, `%%2147942414` (an event message reference),
/// `hr=0x8007232B`.
pub fn parse_code(text: &str) -> Option<u32> {
    let t = text.trim().trim_end_matches(['.', ',', ')', ';']);
    let t = t
        .strip_prefix("%%")
        .or_else(|| t.strip_prefix("hr="))
        .unwrap_or(t);
    if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        return u32::from_str_radix(hex, 16).ok();
    }
    if let Ok(n) = t.parse::<i64>() {
        return match n {
            0..=0xFFFF_FFFF => Some(n as u32),
            -0x8000_0000..=-1 => Some(n as i32 as u32),
            _ => None,
        };
    }
    // Eight hex digits without 0x (`CAA82EFD`): a code, never a decimal.
    (t.len() == 8 && t.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| u32::from_str_radix(t, 16).ok())
        .flatten()
}

fn hex(code: u32) -> String {
    format!("0x{code:08X}")
}

/// A number's line for `details`, its short form, and the rules it points to.
struct Detail {
    line: String,
    short: String,
    rules: &'static [&'static str],
}

fn win32_detail(number: u32) -> Option<Detail> {
    if let Some((n, name, meaning)) = WINHTTP_ERRORS.iter().find(|(n, _, _)| *n == number) {
        let mut line = format!("WinHTTP/WinINet error {n} ERROR_WINHTTP_{name}");
        if !meaning.is_empty() {
            line.push_str(&format!(": {meaning}"));
        }
        return Some(Detail {
            line,
            short: format!("{n} {name}"),
            rules: winhttp_rules(*n),
        });
    }
    if (12000..=12199).contains(&number) {
        return Some(Detail {
            line: format!("WinHTTP/WinINet error {number}"),
            short: format!("WinHTTP {number}"),
            rules: winhttp_rules(number),
        });
    }
    WIN32_ERRORS
        .iter()
        .find(|(n, _, _, _)| *n == number)
        .map(|(n, name, meaning, rules)| {
            let mut line = format!("Win32 error {n} {name}");
            if !meaning.is_empty() {
                line.push_str(&format!(": {meaning}"));
            }
            Detail {
                line,
                short: format!("Win32 {n} {name}"),
                rules,
            }
        })
}

fn push_rules(out: &mut Vec<&'static str>, rules: &[&'static str]) {
    for r in rules {
        if !out.contains(r) {
            out.push(r);
        }
    }
}

/// Decodes a code; never fails: an unknown code says what kind of code it is.
pub fn decode(code: u32) -> Decoded {
    let mut details = Vec::new();
    let mut rules = Vec::new();
    let known = KNOWN_CODES.iter().find(|k| k.0 == code);
    if is_caa(code) {
        let prefix = code >> 16;
        let group = CAA_GROUPS.iter().find(|g| g.prefix == prefix);
        let mut confirmed = group.is_some_and(|g| g.confirmed);
        let mut meaning = match group {
            Some(g) => g.meaning.to_owned(),
            None => "a sign-in library code in a group caadoctor does not know".to_owned(),
        };
        let mut short = group.map_or("sign-in library code", |g| g.short).to_owned();
        if let Some((_, s, m, c, r)) = known {
            meaning = format!("{m} ({meaning})");
            short = (*s).to_owned();
            confirmed = *c;
            push_rules(&mut rules, r);
        }
        if prefix == 0xCAA8 && code & 0xFFFF != 0 {
            match win32_detail(code & 0xFFFF) {
                Some(d) => {
                    details.push(d.line);
                    short = d.short;
                    push_rules(&mut rules, d.rules);
                }
                None => details.push(format!("WinHTTP error {}", code & 0xFFFF)),
            }
        }
        if prefix == 0xCAAD {
            details.push(format!("cancellation reason {}", code & 0xF));
        }
        if let Some(g) = group {
            push_rules(&mut rules, g.rules);
        }
        return Decoded {
            code: hex(code),
            kind: CodeKind::Caa,
            group: Some(format!("0x{prefix:04X}")),
            short,
            meaning,
            details,
            confirmed,
            rules,
        };
    }
    if code & 0x8000_0000 != 0 {
        let facility = (code >> 16) & 0x7FF;
        let (group, mut meaning) = match facility {
            7 => ("Win32".to_owned(), "a Win32 error as an HRESULT".to_owned()),
            4 => (
                "ITF (Software Licensing)".to_owned(),
                "a Software Protection Platform (licensing) error".to_owned(),
            ),
            9 => (
                "Security".to_owned(),
                "a cryptography or security-package error; with 0xCAA5001C, Microsoft's WAM notes point at the TPM".to_owned(),
            ),
            0x28 | 0x29 => (
                "TPM".to_owned(),
                "a TPM error: update the TPM firmware and restart (Microsoft's WAM troubleshooting)".to_owned(),
            ),
            0x24 => (
                "Windows Update".to_owned(),
                "a Windows Update agent error".to_owned(),
            ),
            f => (format!("facility {f}"), "an HRESULT".to_owned()),
        };
        let mut short = match facility {
            4 => "licensing error".to_owned(),
            9 => "security error".to_owned(),
            0x28 | 0x29 => "TPM error".to_owned(),
            0x24 => "Windows Update error".to_owned(),
            _ => String::new(),
        };
        let mut confirmed = true;
        if let Some((_, s, m, c, r)) = known {
            meaning = (*m).to_owned();
            short = (*s).to_owned();
            confirmed = *c;
            push_rules(&mut rules, r);
        }
        if facility == 7
            && let Some(d) = win32_detail(code & 0xFFFF)
        {
            details.push(d.line);
            if short.is_empty() {
                short = d.short;
            }
            push_rules(&mut rules, d.rules);
        }
        return Decoded {
            code: hex(code),
            kind: CodeKind::Hresult,
            group: Some(group),
            short,
            meaning,
            details,
            confirmed,
            rules,
        };
    }
    let (short, meaning, confirmed) = match (known, win32_detail(code)) {
        (Some((_, s, m, c, r)), _) => {
            push_rules(&mut rules, r);
            ((*s).to_owned(), (*m).to_owned(), *c)
        }
        (None, Some(d)) => {
            push_rules(&mut rules, d.rules);
            (d.short, d.line, true)
        }
        (None, None) => (
            String::new(),
            format!("Win32 error {code} (not one caadoctor names)"),
            true,
        ),
    };
    Decoded {
        code: code.to_string(),
        kind: CodeKind::Win32,
        group: None,
        short,
        meaning,
        details,
        confirmed,
        rules,
    }
}

/// The WinHTTP number inside an HRESULT (`0x80072EFD` → 12029), a CAA8 code or a bare
/// number, when it is one we name.
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

/// A code as reports show it: `0x80072EFD (12029 CANNOT_CONNECT)`, `0xCAA70007 (network
/// failure before any HTTP answer)`, `1058 (Win32 1058 ERROR_SERVICE_DISABLED)`, or the code
/// alone when nothing is known about it.
pub fn describe(code: i64) -> String {
    let d = decode((code & 0xFFFF_FFFF) as u32);
    if d.short.is_empty() {
        d.code
    } else {
        format!("{} ({})", d.code, d.short)
    }
}

/// Entra ID sign-in errors Microsoft's WAM troubleshooting names: number, meaning, rules.
const AADSTS_ERRORS: &[(u32, &str, &[&str])] = &[
    (
        50155,
        "device authentication failed: the device object was deleted or disabled in Microsoft Entra ID; re-join the device (dsregcmd /leave, then join again)",
        &["work-account"],
    ),
    (
        135011,
        "the device used for the sign-in is disabled in Microsoft Entra ID: the administrator must enable it",
        &["work-account"],
    ),
];

/// Reads `AADSTS50155` (any case): the number.
pub fn parse_aadsts(text: &str) -> Option<u32> {
    let t = text.trim();
    let digits = t
        .get(..6)
        .filter(|p| p.eq_ignore_ascii_case("AADSTS"))
        .map(|_| &t[6..])?;
    (!digits.is_empty() && digits.len() <= 7 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

/// Decodes an Entra ID `AADSTS` error.
pub fn decode_aadsts(number: u32) -> Decoded {
    let known = AADSTS_ERRORS.iter().find(|(n, _, _)| *n == number);
    Decoded {
        code: format!("AADSTS{number}"),
        kind: CodeKind::Aadsts,
        group: None,
        short: known
            .map(|(_, m, _)| m.split(':').next().unwrap_or(m).to_owned())
            .unwrap_or_else(|| "Entra ID sign-in error".to_owned()),
        meaning: known.map_or_else(
            || "an error returned by Microsoft Entra ID's sign-in service".to_owned(),
            |(_, m, _)| (*m).to_owned(),
        ),
        details: vec![format!(
            "Microsoft's description: https://login.microsoftonline.com/error?code={number}"
        )],
        confirmed: true,
        rules: known.map_or_else(Vec::new, |(_, _, r)| r.to_vec()),
    }
}

/// Every `AADSTS<number>` in a text, in order, without repeats.
pub fn aadsts_in(text: &str) -> Vec<u32> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("AADSTS") {
        let tail = &rest[at + 6..];
        let end = tail
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(tail.len());
        if let Some(n) = parse_aadsts(&rest[at..at + 6 + end])
            && !out.contains(&n)
        {
            out.push(n);
        }
        rest = tail;
    }
    out
}

/// Every `0x` + 8 hex digit code in a text, in order, without repeats.
pub fn codes_in(text: &str) -> Vec<u32> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i + 10 <= bytes.len() {
        let at_start = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        if at_start
            && bytes[i] == b'0'
            && (bytes[i + 1] | 0x20) == b'x'
            && bytes[i + 2..i + 10].iter().all(u8::is_ascii_hexdigit)
            && bytes.get(i + 10).is_none_or(|b| !b.is_ascii_alphanumeric())
        {
            let code = u32::from_str_radix(&text[i + 2..i + 10], 16).unwrap_or_default();
            if !out.contains(&code) {
                out.push(code);
            }
            i += 10;
        } else {
            i += 1;
        }
    }
    out
}

/// True for the sign-in library's codes.
pub fn is_caa(code: u32) -> bool {
    (0xCAA0..=0xCAAF).contains(&(code >> 16))
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
        assert_eq!(
            describe(0xCAA7_0007),
            "0xCAA70007 (network failure before any HTTP answer)"
        );
        assert_eq!(describe(0xCAA2_0003), "0xCAA20003 (identity service error)");
        assert_eq!(describe(1058), "1058 (Win32 1058 ERROR_SERVICE_DISABLED)");
        assert_eq!(describe(0x8007_0102), "0x80070102 (Win32 258 WAIT_TIMEOUT)");
        assert_eq!(describe(424_242), "424242");
        assert_eq!(describe(0xCAA8_2EFD), "0xCAA82EFD (12029 CANNOT_CONNECT)");
    }

    #[test]
    fn codes_parse_as_people_paste_them() {
        for (text, code) in [
            ("0xCAA82EFD", 0xCAA8_2EFD),
            ("caa82efd", 0xCAA8_2EFD),
            ("0x80072efd", 0x8007_2EFD),
            ("-2147012867", 0x8007_2EFD),
            ("12029", 12029),
            ("%%2147942414", 0x8007_000E),
            ("hr=0xC004F074", 0xC004_F074),
            ("0x102", 0x102),
        ] {
            assert_eq!(parse_code(text), Some(code), "{text}");
        }
        for bad in ["", "CAA8", "0xZZ", "99999999999", "-99999999999", "hello"] {
            assert_eq!(parse_code(bad), None, "{bad}");
        }
    }

    #[test]
    fn every_code_in_the_reference_decodes() {
        // ../shared/reference/error-codes.md: the CAA groups and their examples.
        let caa = [
            (0xCAA1_0001, "0xCAA1", false),
            (0xCAA2_0003, "0xCAA2", false),
            (0xCAA2_0004, "0xCAA2", false),
            (0xCAA3_0068, "0xCAA3", true),
            (0xCAA5_001C, "0xCAA5", false),
            (0xCAA5_0021, "0xCAA5", false),
            (0xCAA7_0007, "0xCAA7", true),
            (0xCAA7_0004, "0xCAA7", false),
            (0xCAA8_0000, "0xCAA8", true),
            (0xCAA9_0018, "0xCAA9", false),
            (0xCAAD_0003, "0xCAAD", true),
        ];
        for (code, group, confirmed) in caa {
            let d = decode(code);
            assert_eq!(d.kind, CodeKind::Caa);
            assert_eq!(d.group.as_deref(), Some(group), "{code:#x}");
            assert_eq!(d.confirmed, confirmed, "{code:#x}: {}", d.meaning);
            assert!(!d.rules.is_empty(), "{code:#x}");
        }
        assert!(decode(0xCAA7_0007).meaning.contains("article"));
        assert!(decode(0xCAA8_0000).meaning.contains("without"));
        assert!(decode(0xCAAD_0003).details[0].contains("reason 3"));
        // CAA8 and 0x8007 carry the same WinHTTP numbers.
        for (caa, hr, n, rule) in [
            (0xCAA8_2EE2, 0x8007_2EE2, "12002", "endpoints"),
            (0xCAA8_2EE7, 0x8007_2EE7, "12007", "proxy"),
            (0xCAA8_2EFD, 0x8007_2EFD, "12029", "endpoints"),
            (0xCAA8_2F8F, 0x8007_2F8F, "12175", "tls12"),
        ] {
            let (a, b) = (decode(caa), decode(hr));
            assert!(a.details[0].contains(n), "{:?}", a);
            assert_eq!(a.details, b.details);
            assert_eq!(a.rules[0], rule, "{caa:#x}: {:?}", a.rules);
            assert_eq!(b.kind, CodeKind::Hresult);
        }
        // Every WinHTTP number in the reference's table is named.
        for n in [
            12001, 12002, 12004, 12005, 12007, 12012, 12029, 12030, 12037, 12038, 12044, 12045,
            12057, 12152, 12157, 12166, 12167, 12175, 12178, 12180,
        ] {
            assert!(decode(n).meaning.contains("ERROR_WINHTTP_"), "{n}");
        }
        assert!(decode(12037).rules.contains(&"clock-skew"));
        assert!(decode(12166).rules.contains(&"proxy"));
        // The AAD log's timeout, TPM and broker codes.
        assert!(decode(0x102).meaning.starts_with("WAIT_TIMEOUT"));
        assert!(decode(0x8007_0102).meaning.starts_with("WAIT_TIMEOUT"));
        assert!(decode(0x8028_0009).meaning.contains("TPM"));
        assert!(decode(0x8080_0300).group.is_some());
        assert!(decode(0x8008_0300).rules.contains(&"identity-policy"));
        assert!(decode(0x8007_0020).details[0].contains("SHARING_VIOLATION"));
        assert!(decode(1067).meaning.contains("PROCESS_ABORTED"));
        assert!(decode(10013).rules.contains(&"tls12"));
        assert!(decode(0xC004_F074).meaning.contains("licensing"));
        assert!(decode(424_242).meaning.contains("not one caadoctor names"));
    }

    #[test]
    fn entra_errors_decode_by_number() {
        assert_eq!(parse_aadsts("AADSTS50155"), Some(50155));
        assert_eq!(parse_aadsts("aadsts135011"), Some(135011));
        assert_eq!(parse_aadsts("AADSTS"), None);
        assert_eq!(parse_aadsts("AADSTS12345678"), None);
        let d = decode_aadsts(135011);
        assert_eq!(d.kind, CodeKind::Aadsts);
        assert!(d.meaning.contains("disabled"));
        assert_eq!(d.rules, vec!["work-account"]);
        assert!(decode_aadsts(50155).meaning.contains("re-join"));
        assert!(decode_aadsts(700016).rules.is_empty());
        assert_eq!(
            aadsts_in(
                "AADSTS50155: Device authentication failed. AADSTS50155 again, AADSTS135011."
            ),
            vec![50155, 135011]
        );
    }

    #[test]
    fn codes_are_found_in_text() {
        let text = "Error: 0xCAA70004 The server (0x80072EE2), hr=0x8007232B; 0x1a0b \
                    0xCAA70004 again, x0x12345678 and 0x123456789 are not codes";
        assert_eq!(codes_in(text), vec![0xCAA7_0004, 0x8007_2EE2, 0x8007_232B]);
        assert!(is_caa(0xCAA7_0004) && !is_caa(0x8007_2EE2));
    }
}
