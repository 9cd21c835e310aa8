//! The collector's `manifest.json`: who collected what, when, and how every step ended.
//!
//! The schema is `caadoctor.manifest/1`, documented in `docs/snapshot-format.md`. Reading
//! is lenient about additions (unknown fields are ignored) so an older analyzer still reads
//! a newer collector's manifest; a manifest whose `schema` is not ours is not a manifest.

use serde::Deserialize;

/// The schema prefix that makes a JSON document our manifest.
pub const SCHEMA_PREFIX: &str = "caadoctor.manifest/";

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Manifest {
    pub schema: String,
    #[serde(default)]
    pub collector: Option<Collector>,
    /// When the collection started, ISO 8601 with the machine's UTC offset.
    #[serde(default)]
    pub started: Option<String>,
    #[serde(default)]
    pub finished: Option<String>,
    #[serde(default)]
    pub host: Option<String>,
    #[serde(default)]
    pub user: Option<String>,
    /// The collector ran elevated: HKCU exports are the administrator's, not the user's.
    #[serde(default)]
    pub elevated: Option<bool>,
    #[serde(default)]
    pub os: Option<ManifestOs>,
    #[serde(default)]
    pub powershell: Option<String>,
    #[serde(default)]
    pub codepages: Option<CodePages>,
    /// The machine's culture, when the collector records it.
    #[serde(default)]
    pub locale: Option<Locale>,
    /// `FullLanguage`, or `ConstrainedLanguage` under AppLocker/WDAC (no .NET, no probes).
    #[serde(default)]
    pub language_mode: Option<String>,
    /// The collecting process: 32-bit on 64-bit Windows sees the 32-bit registry view.
    #[serde(default)]
    pub process: Option<Process>,
    /// Why the collection ended early (an error, Ctrl+C); absent when it ran to the end.
    #[serde(default)]
    pub stopped: Option<String>,
    /// The signed-in user's hive, exported from `HKEY_USERS\\<sid>` because the collector
    /// ran elevated as another account.
    #[serde(default)]
    pub user_hive: Option<UserHive>,
    /// Files left out of the zip (still locked by a program), as snapshot paths.
    #[serde(default)]
    pub excluded: Vec<String>,
    #[serde(default)]
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct UserHive {
    pub sid: String,
    /// The account of that SID, as the collector found it.
    #[serde(default)]
    pub user: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq)]
pub struct Process {
    #[serde(default)]
    pub bits: Option<u32>,
    #[serde(default)]
    pub os_bits: Option<u32>,
    /// The script restarted itself in 64-bit PowerShell.
    #[serde(default)]
    pub relaunched: Option<bool>,
}

impl Manifest {
    /// The collection ran in a 32-bit process on 64-bit Windows (and did not restart in 64
    /// bits): HKLM\SOFTWARE exports show the 32-bit view.
    pub fn collected_32_bit_on_64(&self) -> bool {
        self.process
            .is_some_and(|p| p.bits == Some(32) && p.os_bits == Some(64))
    }

    /// PowerShell ran in Constrained Language mode.
    pub fn constrained(&self) -> bool {
        self.language_mode
            .as_deref()
            .is_some_and(|m| !m.eq_ignore_ascii_case("FullLanguage"))
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Locale {
    /// The culture's name (`fr-FR`, `ja-JP`).
    #[serde(default)]
    pub name: Option<String>,
    /// Its short date pattern, as .NET gives it (`dd/MM/yyyy`): how `Get-HotFix` and other
    /// console output write dates on that machine.
    #[serde(default)]
    pub short_date: Option<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Collector {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub version: Option<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct ManifestOs {
    #[serde(default)]
    pub caption: Option<String>,
    #[serde(default)]
    pub version: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq)]
pub struct CodePages {
    /// The console code page (`chcp`).
    #[serde(default)]
    pub oem: Option<u32>,
    /// The ANSI code page.
    #[serde(default)]
    pub ansi: Option<u32>,
}

/// How one collection step ended.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    Ok,
    /// The thing to collect does not exist on the machine (a registry key, a log):
    /// an answer, not a failure.
    Absent,
    Failed,
    Timeout,
    Skipped,
    #[serde(other)]
    Unknown,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Step {
    #[serde(default)]
    pub id: Option<String>,
    /// Path of the artifact inside the snapshot, `/`-separated.
    #[serde(default)]
    pub artifact: Option<String>,
    /// For `reg export` steps: the key exported (or found absent).
    #[serde(default)]
    pub registry_key: Option<String>,
    /// For event log steps: the channel exported (or found absent).
    #[serde(default)]
    pub event_log: Option<String>,
    /// The analyzer's kind of the artifact (`sc-query`), when the collector writes it; else
    /// the kind follows from `command`.
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub command: Option<String>,
    pub status: StepStatus,
    #[serde(default)]
    pub exit_code: Option<i64>,
    #[serde(default)]
    pub duration_ms: Option<u64>,
    #[serde(default)]
    pub error: Option<String>,
    /// The artifact holds what a program printed before it was stopped (status `timeout`).
    #[serde(default)]
    pub partial: bool,
    /// How the step got its artifact another way (`reg query` when `reg export` failed).
    #[serde(default)]
    pub fallback: Option<String>,
    /// The artifact's size in bytes as the collector wrote it (a field of any other shape
    /// reads as absent: one odd field must not cost the whole manifest).
    #[serde(default, deserialize_with = "lenient::size")]
    pub size: Option<u64>,
    /// The artifact's SHA-256 as the collector computed it, lower-case hex.
    #[serde(default, deserialize_with = "lenient::sha256")]
    pub sha256: Option<String>,
}

/// Deserializers that take a field of the wrong shape as absent.
mod lenient {
    use serde::{Deserialize, Deserializer};
    use serde_json::Value;

    pub(super) fn size<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        Ok(Value::deserialize(d)?.as_u64())
    }

    pub(super) fn sha256<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::String(s) if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) => {
                Some(s.to_ascii_lowercase())
            }
            _ => None,
        })
    }
}

impl Step {
    /// What the step ran, for messages: its id, else its command.
    pub fn name(&self) -> &str {
        self.id
            .as_deref()
            .or(self.command.as_deref())
            .unwrap_or("a step")
    }
}

/// True when the text is a JSON document carrying our manifest schema key; cheap, for
/// classification before a full parse.
pub fn looks_like_manifest(text: &str) -> bool {
    let t = text.trim_start_matches('\u{feff}').trim_start();
    t.starts_with('{') && t.contains("\"schema\"") && t.contains(SCHEMA_PREFIX)
}

/// Parses a manifest; the error says where the JSON or the schema is wrong.
pub fn parse(text: &str) -> Result<Manifest, String> {
    super::schema_json(text, SCHEMA_PREFIX, |d: &Manifest| d.schema.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manifest_reads_with_unknown_fields_and_statuses() {
        let text = r#"{"schema":"caadoctor.manifest/1","host":"PC-1","future":1,
            "codepages":{"oem":850,"ansi":1252},
            "steps":[{"artifact":"registry/ncsi-policy.reg","registry_key":"HKLM\\SOFTWARE\\Policies\\X","status":"absent"},
                     {"artifact":"x","status":"exploded"}]}"#;
        assert!(looks_like_manifest(text));
        let m = parse(text).unwrap();
        assert_eq!(m.host.as_deref(), Some("PC-1"));
        assert_eq!(m.steps[0].status, StepStatus::Absent);
        assert_eq!(m.steps[1].status, StepStatus::Unknown);
        assert_eq!(m.codepages.unwrap().oem, Some(850));
        assert!(!m.collected_32_bit_on_64() && !m.constrained());
    }

    #[test]
    fn the_collectors_own_account_of_the_run() {
        let text = r#"{"schema":"caadoctor.manifest/1","language_mode":"ConstrainedLanguage",
            "process":{"bits":32,"os_bits":64,"relaunched":false},"stopped":"the collection was interrupted (Ctrl+C)",
            "excluded":["eventlogs/System.evtx"],
            "steps":[{"id":"cmd-dsregcmd","artifact":"commands/dsregcmd-status.txt","status":"timeout","partial":true},
                     {"id":"reg-x","artifact":"registry/x-values.txt","status":"ok","fallback":"reg query",
                      "size":12,"sha256":"E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"},
                     {"id":"odd","status":"ok","size":"twelve","sha256":"abc"}]}"#;
        let m = parse(text).unwrap();
        assert_eq!(m.steps[1].size, Some(12));
        assert_eq!(
            m.steps[1].sha256.as_deref(),
            Some("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        );
        assert_eq!(
            (m.steps[2].size, m.steps[2].sha256.as_deref()),
            (None, None)
        );
        assert!(m.collected_32_bit_on_64() && m.constrained());
        assert!(m.steps[0].partial && m.steps[0].status == StepStatus::Timeout);
        assert_eq!(m.steps[1].fallback.as_deref(), Some("reg query"));
        assert_eq!(m.excluded, ["eventlogs/System.evtx"]);
    }

    #[test]
    fn errors_have_a_position() {
        let e = parse("{\"schema\":\"caadoctor.manifest/1\",\n\"steps\": 5}").unwrap_err();
        assert!(e.starts_with("line 2"), "{e}");
        assert!(parse(r#"{"schema":"other/1"}"#).is_err());
    }
}
