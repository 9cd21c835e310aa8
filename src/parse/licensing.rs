//! Office's licence state as Microsoft's reset procedure reads it: `vnextdiag.ps1 -action
//! list` (the licences of Microsoft 365 Apps' current activation, "vNext") and `cscript
//! ospp.vbs /dstatus` (the Software Protection licences: retail, volume, and the
//! subscription and grace SKUs of a Click-to-Run install).
//!
//! vnextdiag prints section headers (`========== vNext licenses found ==========`, older
//! copies `NUL licenses found`), `name = value` lines, and one JSON object per licence, back
//! to back:
//!
//! ```text
//! ========== vNext licenses found ==========
//! {
//!     "Type":  "User|Subscription",
//!     "Product":  "O365ProPlusRetail",
//!     "LicenseState":  "Licensed",
//!     "NotAfter":  "2023-02-01T07:16:15.4587377Z",
//!     "TenantId":  "..."
//! }
//! ```
//!
//! ospp prints blocks of `FIELD: value` lines between 39-dash lines; `LICENSE STATUS:
//! ---LICENSED---`. It is English on every Windows (only cscript's banner is translated).
//! Pastes often break `OOB_ GRACE` and `R_ Subscription` at the underscore: read as one word.

use serde::Deserialize;

/// One vNext licence, as vnextdiag lists it (unknown fields ignored).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct VNextLicense {
    #[serde(default)]
    pub version: Option<String>,
    /// `User|Subscription`, `Device|...`.
    #[serde(default, rename = "Type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub product: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    /// `Licensed`, `Grace`, `RFM` (reduced functionality): how vnextdiag reads the dates.
    #[serde(default)]
    pub license_state: Option<String>,
    #[serde(default)]
    pub entitlement_status: Option<String>,
    #[serde(default)]
    pub reason_code: Option<serde_json::Value>,
    #[serde(default)]
    pub not_before: Option<String>,
    #[serde(default)]
    pub not_after: Option<String>,
    #[serde(default)]
    pub expires_on: Option<String>,
    #[serde(default)]
    pub entitlement_expiration: Option<String>,
    #[serde(default)]
    pub tenant_id: Option<String>,
    #[serde(default)]
    pub license_id: Option<String>,
    #[serde(default)]
    pub device_id: Option<String>,
    /// Line of the object's `{` in the output.
    #[serde(skip)]
    pub line: usize,
}

/// What vnextdiag listed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VNextDiag {
    /// `ProductReleaseId = vNext|Device|Legacy` lines, with their line.
    pub modes: Vec<(usize, String, String)>,
    /// `SharedComputerLicensing = Enabled|Disabled`, with its line.
    pub shared_computer: Option<(usize, bool)>,
    pub user_licenses: Vec<VNextLicense>,
    pub device_licenses: Vec<VNextLicense>,
    /// Shared computer activation tokens (`ACID`, `User`, `NotBefore`, `NotAfter`).
    pub shared_tokens: Vec<VNextLicense>,
    /// Objects that were not valid JSON: line and error.
    pub errors: Vec<(usize, String)>,
}

/// Looks like vnextdiag's output: its section header.
pub fn looks_like_vnextdiag(text: &str) -> bool {
    text.contains("==========") && text.contains("licenses found ==========")
}

/// Looks like `ospp.vbs /dstatus`: its frame or a licence block.
pub fn looks_like_ospp(text: &str) -> bool {
    text.contains("---Processing-----")
        || (text.contains("LICENSE NAME:") && text.contains("LICENSE STATUS:"))
        || text.contains("<No installed product keys detected>")
}

#[derive(Clone, Copy, PartialEq)]
enum Section {
    Other,
    Shared,
    Users,
    Devices,
}

/// Parses vnextdiag's output (numbered lines, as the decoder gives them).
pub fn parse_vnextdiag(lines: &[(usize, &str)]) -> VNextDiag {
    let mut out = VNextDiag::default();
    let mut section = Section::Other;
    let mut object: Option<(usize, String)> = None;
    for &(no, raw) in lines {
        let line = raw.trim_end_matches('\r');
        if let Some((start, body)) = object.as_mut() {
            body.push_str(line);
            body.push('\n');
            if line.trim_start().starts_with('}') && line.trim() == "}" {
                let (start, body) = (*start, std::mem::take(body));
                object = None;
                match serde_json::from_str::<VNextLicense>(&body) {
                    Ok(mut l) => {
                        l.line = start;
                        match section {
                            Section::Devices => out.device_licenses.push(l),
                            Section::Shared => out.shared_tokens.push(l),
                            Section::Users | Section::Other => out.user_licenses.push(l),
                        }
                    }
                    Err(e) => out.errors.push((start, e.to_string())),
                }
            }
            continue;
        }
        let t = line.trim();
        if let Some(title) = t
            .strip_prefix("==========")
            .and_then(|r| r.strip_suffix("=========="))
        {
            let title = title.trim().to_ascii_lowercase();
            section = if title.starts_with("device licenses") {
                Section::Devices
            } else if title.starts_with("shared computer") {
                Section::Shared
            } else if title.ends_with("licenses found") {
                Section::Users
            } else {
                Section::Other
            };
            continue;
        }
        if t == "{" {
            object = Some((no, String::from("{\n")));
            continue;
        }
        if let Some((name, value)) = t.split_once(" = ") {
            let (name, value) = (name.trim(), value.trim());
            if name.eq_ignore_ascii_case("SharedComputerLicensing") {
                out.shared_computer = Some((no, value.eq_ignore_ascii_case("Enabled")));
            } else if !name.contains(' ') {
                out.modes.push((no, name.to_owned(), value.to_owned()));
            }
        }
    }
    if let Some((start, _)) = object {
        out.errors
            .push((start, "the output ends inside a licence".to_owned()));
    }
    out
}

/// One licence block of ospp.vbs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OsppLicense {
    /// Line of the block's first field.
    pub line: usize,
    /// The SKU of `LICENSE NAME: Office 16, <SKU> edition`.
    pub name: String,
    /// `LICENSED`, `OOB_GRACE`, `OOT_GRACE`, `NON_GENUINE_GRACE`, `NOTIFICATIONS`,
    /// `EXTENDED GRACE`, `UNLICENSED`.
    pub status: String,
    /// The line of `LICENSE STATUS:`.
    pub status_line: usize,
    pub description: Option<String>,
    pub error_code: Option<String>,
    pub remaining_days: Option<i64>,
}

/// What ospp.vbs printed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ospp {
    pub licenses: Vec<OsppLicense>,
    /// `<No installed product keys detected>` (normal on a subscription install), its line.
    pub no_keys: Option<usize>,
}

/// `Office 16, Office16O365ProPlusR_ Subscription1 edition` → the SKU, with a paste's
/// break at an underscore mended.
fn sku(value: &str) -> String {
    let v = value.trim();
    let v = v.split_once(", ").map_or(v, |(_, rest)| rest);
    let v = v.strip_suffix(" edition").unwrap_or(v);
    v.replace("_ ", "_")
}

/// Parses `ospp.vbs /dstatus` (or `/dstatusall`).
pub fn parse_ospp(lines: &[(usize, &str)]) -> Ospp {
    let mut out = Ospp::default();
    let mut current: Option<OsppLicense> = None;
    let flush = |current: &mut Option<OsppLicense>, out: &mut Ospp| {
        if let Some(l) = current
            .take()
            .filter(|l| !l.name.is_empty() || !l.status.is_empty())
        {
            out.licenses.push(l);
        }
    };
    for &(no, raw) in lines {
        let line = raw.trim();
        if line.starts_with("-----") {
            flush(&mut current, &mut out);
            continue;
        }
        if line.eq_ignore_ascii_case("<No installed product keys detected>") {
            out.no_keys = Some(no);
            continue;
        }
        let Some((field, value)) = line.split_once(':') else {
            continue;
        };
        let field = field.trim().to_ascii_uppercase();
        let value = value.trim();
        let l = current.get_or_insert_with(|| OsppLicense {
            line: no,
            ..OsppLicense::default()
        });
        match field.as_str() {
            "LICENSE NAME" => l.name = sku(value),
            "LICENSE DESCRIPTION" => l.description = Some(value.replace("_ ", "_")),
            "LICENSE STATUS" => {
                l.status = value.trim_matches('-').trim().replace("_ ", "_");
                l.status_line = no;
            }
            "ERROR CODE" => {
                l.error_code = value.split_whitespace().next().map(str::to_owned);
            }
            "REMAINING GRACE" => {
                l.remaining_days = value.split_whitespace().next().and_then(|d| d.parse().ok());
            }
            _ => {}
        }
    }
    flush(&mut current, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::numbered;

    #[test]
    fn vnextdiag_sections_modes_and_licences() {
        let text = "\r\n========== Mode per ProductReleaseId ==========\r\nO365ProPlusRetail = vNext\r\n\r\n========== Shared Computer Licensing ==========\r\nSharedComputerLicensing = Disabled\r\nNo tokens found.\r\n\r\n========== vNext licenses found ==========\r\n{\r\n    \"Version\":  \"5\",\r\n    \"Type\":  \"User|Subscription\",\r\n    \"Product\":  \"O365ProPlusRetail\",\r\n    \"LicenseState\":  \"RFM\",\r\n    \"TenantId\":  \"9188040d-6c67-4c5b-b112-36a304b66dad\"\r\n}\r\n{\r\n    \"Type\":  \"User|Subscription\",\r\n    \"LicenseState\":  \"Licensed\"\r\n}\r\n\r\n========== Device licenses found ==========\r\nNo licenses found.\r\n";
        assert!(looks_like_vnextdiag(text));
        let v = parse_vnextdiag(&numbered(text));
        assert!(v.errors.is_empty(), "{:?}", v.errors);
        assert_eq!(v.modes, [(3, "O365ProPlusRetail".into(), "vNext".into())]);
        assert_eq!(v.shared_computer, Some((6, false)));
        assert_eq!(v.user_licenses.len(), 2);
        assert_eq!(v.user_licenses[0].line, 10);
        assert_eq!(v.user_licenses[0].license_state.as_deref(), Some("RFM"));
        assert!(v.device_licenses.is_empty());
    }

    #[test]
    fn ospp_blocks_statuses_and_pastes_broken_at_underscores() {
        let text = "---Processing--------------------------\r\n---------------------------------------\r\nSKU ID: 149dbce7\r\nLICENSE NAME: Office 16, Office16O365ProPlusR_ Subscription1 edition\r\nLICENSE STATUS:  ---OOB_ GRACE---\r\nERROR CODE: 0x4004F00C\r\nREMAINING GRACE: 9 days  (14316 minute(s) before expiring)\r\n---------------------------------------\r\n---------------------------------------\r\n---Exiting-----------------------------\r\n";
        assert!(looks_like_ospp(text));
        let o = parse_ospp(&numbered(text));
        assert_eq!(o.licenses.len(), 1);
        let l = &o.licenses[0];
        assert_eq!(l.name, "Office16O365ProPlusR_Subscription1");
        assert_eq!(l.status, "OOB_GRACE");
        assert_eq!(l.status_line, 5);
        assert_eq!(l.error_code.as_deref(), Some("0x4004F00C"));
        assert_eq!(l.remaining_days, Some(9));
        let none = parse_ospp(&numbered(
            "---Processing--------------------------\r\n---------------------------------------\r\n<No installed product keys detected>\r\n---------------------------------------\r\n---Exiting-----------------------------\r\n",
        ));
        assert!(none.licenses.is_empty());
        assert_eq!(none.no_keys, Some(3));
    }
}
