//! Decides what each artifact is from its content, never from its name.
//!
//! An engineer may analyze a folder of files a user exported by hand under any names, so
//! every kind is recognised by something inside it: a `.reg` header, the `ElfFile` magic of
//! an event log, our JSON schema keys, or the shape of a command's output in any language:
//! `sc` blocks by their service type and state or start type tokens, `netsh winhttp show
//! proxy` by its `WinHTTP` header and one sentence or `label : host:port` lines, `ipconfig`
//! by its dot leaders, with the parts Windows does not translate (field names of
//! `dsregcmd`, `HotFixID`, `target=` of `cmdkey`) as signatures. When the collector's
//! manifest names the command that wrote a file, that is the authority
//! ([`declared_kind`]).

use crate::parse::manifest::Step;
use crate::parse::{accounts, licensing, manifest, netsh_winhttp, reg, reg_query, services};
use regex::Regex;
use serde::Serialize;
use std::sync::LazyLock;

/// What an artifact is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum ArtifactKind {
    RegExport,
    /// `reg query KEY`: a key's values, one per line.
    RegQuery,
    EventLog,
    Manifest,
    ProbeResults,
    NetshWinhttpProxy,
    NetshWinhttpAdvproxy,
    NetshWinsockCatalog,
    ScQuery,
    ScQc,
    ServicesJson,
    CmdkeyList,
    Dsregcmd,
    IpconfigAll,
    HotfixList,
    WhoamiUpn,
    OfficeLicenses,
    /// `vnextdiag.ps1 -action list`: Microsoft 365 Apps' licences.
    VnextdiagList,
    /// `cscript ospp.vbs /dstatus`: Software Protection licences.
    OsppDstatus,
    /// Nothing we know; listed in the report, not read.
    Unknown,
}

impl ArtifactKind {
    /// Every kind, for looking one up by name.
    pub const ALL: [ArtifactKind; 20] = [
        ArtifactKind::RegExport,
        ArtifactKind::RegQuery,
        ArtifactKind::EventLog,
        ArtifactKind::Manifest,
        ArtifactKind::ProbeResults,
        ArtifactKind::NetshWinhttpProxy,
        ArtifactKind::NetshWinhttpAdvproxy,
        ArtifactKind::NetshWinsockCatalog,
        ArtifactKind::ScQuery,
        ArtifactKind::ScQc,
        ArtifactKind::ServicesJson,
        ArtifactKind::CmdkeyList,
        ArtifactKind::Dsregcmd,
        ArtifactKind::IpconfigAll,
        ArtifactKind::HotfixList,
        ArtifactKind::WhoamiUpn,
        ArtifactKind::OfficeLicenses,
        ArtifactKind::VnextdiagList,
        ArtifactKind::OsppDstatus,
        ArtifactKind::Unknown,
    ];

    /// The kind of a stable name (`sc-query`).
    pub fn from_name(name: &str) -> Option<ArtifactKind> {
        ArtifactKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Stable name, as in the report.
    pub fn name(self) -> &'static str {
        match self {
            ArtifactKind::RegExport => "reg-export",
            ArtifactKind::RegQuery => "reg-query",
            ArtifactKind::EventLog => "event-log",
            ArtifactKind::Manifest => "manifest",
            ArtifactKind::ProbeResults => "probe-results",
            ArtifactKind::NetshWinhttpProxy => "netsh-winhttp-proxy",
            ArtifactKind::NetshWinhttpAdvproxy => "netsh-winhttp-advproxy",
            ArtifactKind::NetshWinsockCatalog => "netsh-winsock-catalog",
            ArtifactKind::ScQuery => "sc-query",
            ArtifactKind::ScQc => "sc-qc",
            ArtifactKind::ServicesJson => "services-json",
            ArtifactKind::CmdkeyList => "cmdkey-list",
            ArtifactKind::Dsregcmd => "dsregcmd",
            ArtifactKind::IpconfigAll => "ipconfig-all",
            ArtifactKind::HotfixList => "hotfix-list",
            ArtifactKind::WhoamiUpn => "whoami-upn",
            ArtifactKind::OfficeLicenses => "office-licenses",
            ArtifactKind::VnextdiagList => "vnextdiag-list",
            ArtifactKind::OsppDstatus => "ospp-dstatus",
            ArtifactKind::Unknown => "unknown",
        }
    }
}

/// The `ElfFile\0` magic that starts every `.evtx` file.
pub const EVTX_MAGIC: &[u8] = b"ElfFile\0";

/// Schema prefix of the collector's connectivity probe results.
pub const PROBES_SCHEMA_PREFIX: &str = "caadoctor.probes/";

/// Kinds recognised from bytes alone (binary formats).
pub fn classify_bytes(bytes: &[u8]) -> Option<ArtifactKind> {
    bytes
        .starts_with(EVTX_MAGIC)
        .then_some(ArtifactKind::EventLog)
}

/// ipconfig's `label . . . . :` and `label. . . .:` (French, Japanese), indented or not
/// (pastes lose the indent), with an ASCII or a full-width colon.
static DOTTED_LEADER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?m)^[ \t]*\S[^\r\n]*?(?:\. ?){3,}[:：]").expect("static regex"));
static CMDKEY_TARGET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?mi)^ {2,}\S[^:\r\n]{0,30}:\s*[A-Za-z0-9_]+:[^\r\n]*(?:target|interactive)=")
        .expect("static regex")
});

/// Lines of a text looked at for the shapes of command outputs.
const CLASSIFY_LINES: usize = 4096;

/// Kinds recognised from decoded text.
pub fn classify_text(text: &str) -> ArtifactKind {
    let head = first_line(text);
    if reg::header_format(head).is_some() {
        return ArtifactKind::RegExport;
    }
    if reg_query::looks_like_reg_query(text) {
        return ArtifactKind::RegQuery;
    }
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if looks_like_json(trimmed) {
        if manifest::looks_like_manifest(trimmed) {
            return ArtifactKind::Manifest;
        }
        if trimmed.contains(PROBES_SCHEMA_PREFIX) {
            return ArtifactKind::ProbeResults;
        }
        if trimmed.contains(crate::parse::licenses::SCHEMA_PREFIX) {
            return ArtifactKind::OfficeLicenses;
        }
        if trimmed.contains("\"HotFixID\"") {
            return ArtifactKind::HotfixList;
        }
        if trimmed.contains("\"ProxyIsEnabled\"") {
            return ArtifactKind::NetshWinhttpAdvproxy;
        }
        if trimmed.contains("\"Status\"")
            && (trimmed.contains("\"ServiceName\"") || trimmed.contains("\"DisplayName\""))
        {
            return ArtifactKind::ServicesJson;
        }
        return ArtifactKind::Unknown;
    }
    if licensing::looks_like_vnextdiag(text) {
        return ArtifactKind::VnextdiagList;
    }
    if licensing::looks_like_ospp(text) {
        return ArtifactKind::OsppDstatus;
    }
    if text.contains("AzureAdJoined") && text.contains("+---") {
        return ArtifactKind::Dsregcmd;
    }
    if text.contains("[SC] QueryServiceConfig") || text.contains("[SC] OpenService") {
        return ArtifactKind::ScQc;
    }
    // The shapes below show in an output's first lines; a hostile file of millions of
    // lines costs no more than these.
    let lines: Vec<(usize, &str)> = text
        .split('\n')
        .take(CLASSIFY_LINES)
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .collect();
    match services::sc_output(&lines) {
        Some(services::ScOutput::Query) => return ArtifactKind::ScQuery,
        Some(services::ScOutput::Config | services::ScOutput::NotInstalled) => {
            return ArtifactKind::ScQc;
        }
        None if text.contains("[SC] EnumQueryServicesStatus") => return ArtifactKind::ScQuery,
        None => {}
    }
    if text.contains("Winsock")
        && (text.to_ascii_lowercase().contains("mswsock.dll") || text.contains("------"))
    {
        return ArtifactKind::NetshWinsockCatalog;
    }
    // `netsh winhttp show advproxy` prints a localized header line before its JSON object,
    // whose keys are never translated.
    if text.contains("\"ProxyIsEnabled\"") && text.contains('{') {
        return ArtifactKind::NetshWinhttpAdvproxy;
    }
    if netsh_winhttp::looks_like_proxy(&lines) {
        return ArtifactKind::NetshWinhttpProxy;
    }
    if text.contains("HotFixID") {
        return ArtifactKind::HotfixList;
    }
    if CMDKEY_TARGET.is_match(text) || text.contains("Currently stored credentials") {
        return ArtifactKind::CmdkeyList;
    }
    if DOTTED_LEADER.find_iter(text).take(3).count() == 3 {
        return ArtifactKind::IpconfigAll;
    }
    if accounts::parse_whoami_upn(text).is_some() {
        return ArtifactKind::WhoamiUpn;
    }
    ArtifactKind::Unknown
}

/// The kind the collector's manifest declares for the file a step wrote: the step's `kind`
/// when it has one, else the kind of the console command it ran (`sc query NlaSvc`,
/// `ipconfig /all`, `reg export ...`). `None` for steps that say neither.
pub fn declared_kind(step: &Step) -> Option<ArtifactKind> {
    if let Some(kind) = step.kind.as_deref().and_then(ArtifactKind::from_name) {
        return Some(kind);
    }
    let words: Vec<String> = step
        .command
        .as_deref()?
        .split_whitespace()
        .take(4)
        .map(|w| {
            let w = w.to_ascii_lowercase();
            w.strip_suffix(".exe").map(str::to_owned).unwrap_or(w)
        })
        .collect();
    let w: Vec<&str> = words.iter().map(String::as_str).collect();
    Some(match w.as_slice() {
        ["reg", "export", ..] => ArtifactKind::RegExport,
        ["reg", "query", ..] => ArtifactKind::RegQuery,
        ["wevtutil", "epl", ..] => ArtifactKind::EventLog,
        ["netsh", "winhttp", "show", "proxy"] => ArtifactKind::NetshWinhttpProxy,
        ["netsh", "winhttp", "show", "advproxy"] => ArtifactKind::NetshWinhttpAdvproxy,
        ["netsh", "winsock", "show", "catalog"] => ArtifactKind::NetshWinsockCatalog,
        ["sc", "query" | "queryex", ..] => ArtifactKind::ScQuery,
        ["sc", "qc", ..] => ArtifactKind::ScQc,
        ["dsregcmd", "/status", ..] => ArtifactKind::Dsregcmd,
        ["cmdkey", "/list", ..] => ArtifactKind::CmdkeyList,
        ["ipconfig", "/all", ..] => ArtifactKind::IpconfigAll,
        ["whoami", "/upn", ..] => ArtifactKind::WhoamiUpn,
        _ => return None,
    })
}

/// A JSON object, or an array of objects/strings (`[SC] ...` from `sc` is not one).
fn looks_like_json(trimmed: &str) -> bool {
    match trimmed.strip_prefix('[') {
        Some(rest) => matches!(rest.trim_start().chars().next(), Some('{' | '"' | ']')),
        None => trimmed.starts_with('{'),
    }
}

fn first_line(text: &str) -> &str {
    text.lines().find(|l| !l.trim().is_empty()).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_of_the_small_kinds() {
        assert_eq!(
            classify_text("\r\nWindows Registry Editor Version 5.00\r\n"),
            ArtifactKind::RegExport
        );
        assert_eq!(classify_text("REGEDIT4\n"), ArtifactKind::RegExport);
        assert_eq!(
            classify_text(
                "\r\nCurrent WinHTTP proxy settings:\r\n\r\n    Direct access (no proxy server).\r\n"
            ),
            ArtifactKind::NetshWinhttpProxy
        );
        assert_eq!(
            classify_text(
                "\r\nAktuelle WinHTTP-Proxyeinstellungen:\r\n\r\n    Direkter Zugriff (kein Proxyserver).\r\n"
            ),
            ArtifactKind::NetshWinhttpProxy
        );
        assert_eq!(
            classify_text("\r\nCurrently stored credentials:\r\n\r\n* NONE *\r\n"),
            ArtifactKind::CmdkeyList
        );
        assert_eq!(
            classify_text(r#"{"schema": "caadoctor.probes/1", "results": []}"#),
            ArtifactKind::ProbeResults
        );
        // Windows 11's advproxy output: a header line, then JSON with tab separators.
        assert_eq!(
            classify_text(
                "\r\nCurrent WinHTTP advanced proxy settings:\r\n\r\n{\r\n\t\"ProxyIsEnabled\":\tfalse,\r\n\t\"AutoDetect\":\tfalse\r\n}\r\n"
            ),
            ArtifactKind::NetshWinhttpAdvproxy
        );
        assert_eq!(
            classify_text(r#"{"schema": "caadoctor.licenses/1", "folders": []}"#),
            ArtifactKind::OfficeLicenses
        );
        // Japanese netsh with a proxy: recognised by its shape, not by the word "proxy".
        assert_eq!(
            classify_text(
                "\r\n現在の WinHTTP プロキシ設定:\r\n\r\n    プロキシ サーバー:  10.0.0.5:8080\r\n    バイパス一覧:  (なし)\r\n"
            ),
            ArtifactKind::NetshWinhttpProxy
        );
        assert_eq!(classify_text("just some notes\r\n"), ArtifactKind::Unknown);
        assert_eq!(
            classify_bytes(b"ElfFile\0\0\0\0\0"),
            Some(ArtifactKind::EventLog)
        );
    }

    #[test]
    fn the_manifest_declares_kinds_by_command_or_kind() {
        let step = |command: &str, kind: Option<&str>| Step {
            id: None,
            artifact: Some("commands/x.txt".to_owned()),
            registry_key: None,
            event_log: None,
            kind: kind.map(str::to_owned),
            command: Some(command.to_owned()),
            status: manifest::StepStatus::Ok,
            exit_code: None,
            duration_ms: None,
            error: None,
            partial: false,
            fallback: None,
            size: None,
            sha256: None,
        };
        assert_eq!(
            declared_kind(&step("sc query NcdAutoSetup", None)),
            Some(ArtifactKind::ScQuery)
        );
        assert_eq!(
            declared_kind(&step("SC.EXE qc NlaSvc", None)),
            Some(ArtifactKind::ScQc)
        );
        assert_eq!(
            declared_kind(&step("netsh winhttp show proxy", None)),
            Some(ArtifactKind::NetshWinhttpProxy)
        );
        assert_eq!(
            declared_kind(&step("Get-HotFix", Some("hotfix-list"))),
            Some(ArtifactKind::HotfixList)
        );
        assert_eq!(declared_kind(&step("Get-HotFix", None)), None);
        assert_eq!(ArtifactKind::from_name("nonsense"), None);
    }
}
